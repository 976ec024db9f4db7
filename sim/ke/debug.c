/* debug.c - DbgPrint and ASSERT: driver debug output goes to the machine trace and,
 * DebugView-like, to a stream with the virtual time and the driver's name:
 *     [    0.002110 s] serial: port opened
 * ntsim_debug_output chooses the stream and filters by DbgPrintEx component and level
 * (`ntsim run` shows it by default); NTSIM_DBGPRINT=1 sends it to stderr otherwise. */
#include "ntsimp.h"
#include <ntstrsafe.h>
#include "ke/kep.h"
#include "trace/trace.h"

#define KDP_DEFAULT_COMPONENT 101u /* DPFLTR_DEFAULT_ID: what DbgPrint uses */
#define KDP_INFO_LEVEL 3u          /* DPFLTR_INFO_LEVEL: DbgPrint's level */

static FILE *KdpStream;            /* NULL: only the trace (and NTSIM_DBGPRINT) */
static ULONG KdpMaxLevel = 31;
static LONG KdpComponent = -1;     /* -1: every component */

static FILE *KdpOutput(void)
{
    if (KdpStream)
        return KdpStream;
    static int FromEnvironment = -1;
    if (FromEnvironment < 0) {
        const char *Env = getenv("NTSIM_DBGPRINT");
        FromEnvironment = Env != NULL && strcmp(Env, "0") != 0;
    }
    return FromEnvironment ? stderr : NULL;
}

/* DbgPrintEx's Level is a level (0-31) or, above 31, a mask of levels. */
static BOOLEAN KdpPasses(ULONG ComponentId, ULONG Level)
{
    if (KdpComponent >= 0 && ComponentId != (ULONG)KdpComponent)
        return FALSE;
    if (Level > 31)
        return (Level & ((KdpMaxLevel >= 31) ? 0xFFFFFFFFu : ((1u << (KdpMaxLevel + 1)) - 1))) != 0;
    return Level <= KdpMaxLevel;
}

static ULONG KdpVPrint(ULONG ComponentId, ULONG Level, const char *Format, va_list Args)
{
    FILE *Out = KdpOutput();
    if (Out == NULL && !TrEnabled)
        return STATUS_SUCCESS;
    /* Windows format rules (%ld is 32-bit, %wZ, %ws ...), not the host's. */
    char Buffer[1024];
    RtlStringCbVPrintfA(Buffer, sizeof(Buffer), Format, Args);
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    const char *Name = Driver ? VfDriverName(Driver) : "system";
    if (TrEnabled)
        TrTextEvent(TrDebugPrint, Driver ? Name : NULL, Buffer);
    if (Out && KdpPasses(ComponentId, Level)) {
        size_t Length = strlen(Buffer);
        fprintf(Out, "[%13.6f s] %s: %s%s", (double)KiNow() / 1e9, Name, Buffer,
                Length && Buffer[Length - 1] == '\n' ? "" : "\n");
        fflush(Out);
    }
    return STATUS_SUCCESS;
}

ULONG DbgPrint(PCSTR Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    ULONG Result = KdpVPrint(KDP_DEFAULT_COMPONENT, KDP_INFO_LEVEL, Format, Args);
    va_end(Args);
    return Result;
}

ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    ULONG Result = KdpVPrint(ComponentId, Level, Format, Args);
    va_end(Args);
    return Result;
}

int ntsim_debug_output(ntsim_machine *Machine, FILE *Out, int MaxLevel, int Component)
{
    if (Machine == NULL || Machine != ntsim_current_machine())
        return NTSIM_E_ARGS;
    KdpStream = Out;
    KdpMaxLevel = MaxLevel < 0 ? 31 : (ULONG)(MaxLevel > 31 ? 31 : MaxLevel);
    KdpComponent = Component;
    return 0;
}

void KdpResetOutput(void)
{
    KdpStream = NULL;
    KdpMaxLevel = 31;
    KdpComponent = -1;
}

/* A failed ASSERT of a checked build (DBG=1, nt/debug.h). On Windows the debugger would
 * stop here; ntsim records a finding with the expression and the driver line, and the
 * driver continues, so one run shows every assertion that fails. */
VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage)
{
    NTSIM_SITE Site = { VoidFileName, (int)LineNumber };
    const char *Expression = VoidFailedAssertion ? (const char *)VoidFailedAssertion : "?";
    if (MutableMessage != NULL)
        VfReport("ASSERT", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "assertion failed: %s: %s", MutableMessage,
                 Expression);
    else
        VfReport("ASSERT", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "assertion failed: %s", Expression);
}

/* No kernel debugger is attached: a breakpoint is reported, not trapped. */
VOID DbgBreakPoint(VOID)
{
    VfReport("BREAKPOINT", NTSIM_SEV_WARNING, VfCurrentDriver(), KiTakeSiteOrCaller(__builtin_return_address(0)),
             "the driver hit a breakpoint (DbgBreakPoint); no debugger is attached, so it continues");
}

VOID DbgBreakPointWithStatus(ULONG Status)
{
    VfReport("BREAKPOINT", NTSIM_SEV_WARNING, VfCurrentDriver(), KiTakeSiteOrCaller(__builtin_return_address(0)),
             "the driver hit a breakpoint (DbgBreakPointWithStatus, status %lu); no debugger is attached, so it "
             "continues", (unsigned long)Status);
}

/* KdSystemDebugControl: a request to the kernel debugger (the NDK declares it; drivers
 * such as i8042prt pass debugger commands through it). No kernel debugger is attached,
 * and Windows then answers every command STATUS_DEBUGGER_INACTIVE. Command is the NDK's
 * SYSDBG_COMMAND, an enumeration: the size of a ULONG. */
NTSTATUS KdSystemDebugControl(ULONG Command, PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                              ULONG OutputBufferLength, PULONG ReturnLength, KPROCESSOR_MODE PreviousMode)
{
    KiTakeSite();
    UNREFERENCED_PARAMETER(Command);
    UNREFERENCED_PARAMETER(InputBuffer);
    UNREFERENCED_PARAMETER(InputBufferLength);
    UNREFERENCED_PARAMETER(OutputBuffer);
    UNREFERENCED_PARAMETER(OutputBufferLength);
    UNREFERENCED_PARAMETER(PreviousMode);
    if (ReturnLength != NULL)
        *ReturnLength = 0;
    return STATUS_DEBUGGER_INACTIVE;
}
