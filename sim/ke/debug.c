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

/* A failed ASSERT of a checked build (DBG=1, nt/debug.h). On Windows the debugger would
 * stop here; ntsim records a finding with the expression and the driver line, and the
 * driver continues, so one run shows every assertion that fails. */
VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage)
{
    NTSIM_SITE Site = { VoidFileName, (int)LineNumber };
    const char *Expression = VoidFailedAssertion ? (const char *)VoidFailedAssertion : "?";
    if (MutableMessage != NULL)
        VfReport("ASSERT", NTSIM_SEV_ERROR, IopCurrentDriver(), Site, "assertion failed: %s: %s", MutableMessage,
                 Expression);
    else
        VfReport("ASSERT", NTSIM_SEV_ERROR, IopCurrentDriver(), Site, "assertion failed: %s", Expression);
}

/* No kernel debugger is attached: a breakpoint is reported, not trapped. */
VOID DbgBreakPoint(VOID)
{
    VfReport("BREAKPOINT", NTSIM_SEV_WARNING, IopCurrentDriver(), KiTakeSiteOrCaller(__builtin_return_address(0)),
             "the driver hit a breakpoint (DbgBreakPoint); no debugger is attached, so it continues");
}

VOID DbgBreakPointWithStatus(ULONG Status)
{
    VfReport("BREAKPOINT", NTSIM_SEV_WARNING, IopCurrentDriver(), KiTakeSiteOrCaller(__builtin_return_address(0)),
             "the driver hit a breakpoint (DbgBreakPointWithStatus, status %lu); no debugger is attached, so it "
             "continues", (unsigned long)Status);
}
