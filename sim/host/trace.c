/* trace.c (host) - the host API of the machine trace (sim/trace, docs/trace.md). */
#include "host/hostp.h"
#include "trace/trace.h"

int ntsim_trace_start(ntsim_machine *Machine, const char *Path, int Format)
{
    if (Machine == NULL || Machine != NtsimMachine) {
        NtsimSetLastError("ntsim_trace_start: not the current machine");
        return NTSIM_E_ARGS;
    }
    if (Format != NTSIM_TRACE_CHROME && Format != NTSIM_TRACE_TEXT) {
        NtsimSetLastError("ntsim_trace_start: format %d is neither NTSIM_TRACE_CHROME nor NTSIM_TRACE_TEXT", Format);
        return NTSIM_E_ARGS;
    }
    return TrStart(Path, Format == NTSIM_TRACE_TEXT ? TrFormatText : TrFormatChrome);
}

int ntsim_trace_filter(ntsim_machine *Machine, const char *Categories)
{
    if (Machine == NULL || Machine != NtsimMachine) {
        NtsimSetLastError("ntsim_trace_filter: not the current machine");
        return NTSIM_E_ARGS;
    }
    return TrSetFilter(Categories);
}

int ntsim_trace_stop(ntsim_machine *Machine)
{
    if (Machine == NULL || Machine != NtsimMachine)
        return NTSIM_E_ARGS;
    TrStop();
    return 0;
}

uint64_t ntsim_trace_event_count(ntsim_machine *Machine)
{
    return Machine && Machine == NtsimMachine ? TrEventCount() : 0;
}

int ntsim_trace_format_for(const char *Path)
{
    size_t Length = Path ? strlen(Path) : 0;
    return Length >= 5 && strcmp(Path + Length - 5, ".json") == 0 ? NTSIM_TRACE_CHROME : NTSIM_TRACE_TEXT;
}
