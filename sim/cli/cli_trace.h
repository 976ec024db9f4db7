/* cli_trace.h - the trace options shared by `ntsim run`, `load` and `faults`
 * (docs/trace.md): --trace FILE, --trace-filter LIST, --trace-ports, and for run
 * --gtkw PATH. Header-only so each command includes it with one line. */
#ifndef NTSIM_CLI_TRACE_H
#define NTSIM_CLI_TRACE_H

#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

enum { CLI_TRACE_FILE = 0x1E0, CLI_TRACE_FILTER, CLI_TRACE_PORTS, CLI_TRACE_GTKW };

#define CLI_TRACE_LONG_OPTIONS                                                                  \
    { "trace", required_argument, NULL, CLI_TRACE_FILE },                                       \
    { "trace-filter", required_argument, NULL, CLI_TRACE_FILTER },                              \
    { "trace-ports", no_argument, NULL, CLI_TRACE_PORTS }

#define CLI_TRACE_USAGE                                                                         \
    "  --trace FILE.json|FILE|-   the machine trace: Chrome trace JSON for a .json name (open\n" \
    "                 it in Perfetto), text otherwise (- = stdout)\n"                             \
    "  --trace-filter LIST  irp,irql,isr,dpc,sched,dbgprint,finding,port, all or default\n"    \
    "  --trace-ports  add port and register accesses (READ/WRITE_PORT_*, _REGISTER_*)\n"

typedef struct _CLI_TRACE {
    const char *Path;
    char Filter[256];
    int Ports;
} CLI_TRACE;

/* 1: the option was a trace option (and good), 0: not one, -1: bad (message printed). */
static inline int CliTraceOption(CLI_TRACE *T, int Option, const char *Arg, const char *Command)
{
    switch (Option) {
    case CLI_TRACE_FILE:
        T->Path = Arg;
        return 1;
    case CLI_TRACE_FILTER:
        if (strlen(Arg) >= sizeof(T->Filter)) {
            CliUsageError(Command, "--trace-filter: list too long");
            return -1;
        }
        snprintf(T->Filter, sizeof(T->Filter), "%s", Arg);
        return 1;
    case CLI_TRACE_PORTS:
        T->Ports = 1;
        return 1;
    default:
        return 0;
    }
}

/* Filter, then start: 0, or CLI_EXIT_USAGE with the message printed. */
static inline int CliTraceStart(ntsim_machine *Machine, const CLI_TRACE *T, const char *Command)
{
    if (T->Path == NULL && (T->Filter[0] || T->Ports))
        return CliUsageError(Command, "--trace-filter and --trace-ports need --trace FILE");
    if (T->Path == NULL)
        return 0;
    char Filter[300];
    snprintf(Filter, sizeof(Filter), "%s%s%s", T->Filter[0] ? T->Filter : "default", T->Ports ? "," : "",
             T->Ports ? "port" : "");
    if (ntsim_trace_filter(Machine, Filter) != 0 ||
        ntsim_trace_start(Machine, T->Path, ntsim_trace_format_for(T->Path)) != 0) {
        fprintf(stderr, "ntsim %s: %s\n", Command, ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    return 0;
}

#endif
