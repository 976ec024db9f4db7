/* debug.c - DbgPrint and ASSERT: driver debug output goes to the trace stream. */
#include "ntsimp.h"
#include <ntstrsafe.h>
#include "ke/kep.h"
#include "trace/trace.h"

static FILE *KdpOutput(void)
{
    return stderr;
}

static BOOLEAN KdpEnabled(void)
{
    static int Enabled = -1;
    if (Enabled < 0) {
        const char *Env = getenv("NTSIM_DBGPRINT");
        Enabled = Env != NULL && strcmp(Env, "0") != 0;
    }
    return (BOOLEAN)Enabled;
}

static ULONG KdpVPrint(const char *Format, va_list Args)
{
    if (KdpEnabled() || TrEnabled) {
        /* Windows format rules (%ld is 32-bit, %wZ, %ws ...), not the host's. */
        char Buffer[1024];
        RtlStringCbVPrintfA(Buffer, sizeof(Buffer), Format, Args);
        PDRIVER_OBJECT Driver = IopCurrentDriver();
        if (TrEnabled)
            TrTextEvent(TrDebugPrint, Driver ? IopDriverServiceName(Driver) : NULL, Buffer);
        if (KdpEnabled()) {
            fputs("[dbg] ", KdpOutput());
            fputs(Buffer, KdpOutput());
        }
    }
    return STATUS_SUCCESS;
}

ULONG DbgPrint(PCSTR Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    ULONG Result = KdpVPrint(Format, Args);
    va_end(Args);
    return Result;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    (void)ComponentId;
    (void)Level;
    va_list Args;
    va_start(Args, Format);
    ULONG Result = KdpVPrint(Format, Args);
    va_end(Args);
    return Result;
}

VOID NtsimAssertFailed(PCSTR Expression, PCSTR File, int Line)
{
    NTSIM_SITE Site = { File, Line };
    KiBugCheck(0x1E, (ULONG_PTR)(ULONG)0x80000003, 0, 0, 0, Site, "ASSERT(%s) failed", Expression);
}
