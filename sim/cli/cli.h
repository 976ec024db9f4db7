/* cli.h - the ntsim command line: one file per subcommand. */
#ifndef NTSIM_CLI_H
#define NTSIM_CLI_H
#include <ntsim/ntsim.h>
#include <ntsim/sweep.h>

/* Exit status, the same for every command. */
#define CLI_EXIT_OK 0       /* nothing at or above the --fail-on severity */
#define CLI_EXIT_FINDINGS 1 /* findings at or above --fail-on (default: errors; a bug check is an error) */
#define CLI_EXIT_USAGE 2    /* bad usage, an unreadable or corrupt file, a driver that cannot be loaded */

int CliLoad(int argc, char **argv);
int CliFaults(int argc, char **argv);
int CliRun(int argc, char **argv);
int CliFuzz(int argc, char **argv);
int CliImports(int argc, char **argv);
/* "10s", "250ms", "20us", "100ns", "2m"; a bare number is seconds. 0, or -1 for anything
 * else (signs, nan, inf, hexadecimal, more than 2^64 ns). */
int CliParseDuration(const char *Text, uint64_t *Ns);
/* Set (atomically) by SIGINT/SIGTERM; ntsim_interrupt() has been called by then. */
extern volatile int CliStopRequested;
/* Unblock SIGINT/SIGTERM in this thread (before an exec: the next program must get them). */
void CliReleaseStopSignals(void);
int CliUsageError(const char *Command, const char *Format, ...) __attribute__((format(printf, 2, 3)));
int CliCheckReadable(const char *Command, const char *Path);
/* 0, or CLI_EXIT_USAGE after saying why the image cannot be loaded safely. */
int CliCheckImage(const char *Command, const char *Path);
/* Unload a driver and say how it went. */
void CliUnload(ntsim_machine *Machine, ntsim_driver *Driver);
/* Plug and Play (cmd_pnp.c): binding options shared by pnp, run and load. */
int CliPnp(int argc, char **argv);
#define CLI_PNP_MAX 32
enum { CLI_PNP_BIND = 0x100, CLI_PNP_UPPER, CLI_PNP_LOWER, CLI_PNP_ROOT, CLI_PNP_INF };
typedef struct _CLI_PNP_BINDING {
    int Option;          /* CLI_PNP_* */
    char Key[256];       /* the hardware ID, or the root device's name */
    const char *Value;   /* the image, or the root device's hardware ID */
} CLI_PNP_BINDING;
typedef struct _CLI_PNP_OPTIONS {
    int Count;
    CLI_PNP_BINDING Bindings[CLI_PNP_MAX];
} CLI_PNP_OPTIONS;
#define CLI_PNP_LONG_OPTIONS \
    { "bind", required_argument, NULL, CLI_PNP_BIND }, { "upper-filter", required_argument, NULL, CLI_PNP_UPPER }, \
    { "lower-filter", required_argument, NULL, CLI_PNP_LOWER }, { "root-device", required_argument, NULL, CLI_PNP_ROOT }, \
    { "inf", required_argument, NULL, CLI_PNP_INF }
int CliPnpAddBinding(CLI_PNP_OPTIONS *Options, int Option, const char *Value, const char *Command);
int CliPnpStart(ntsim_machine *Machine, const CLI_PNP_OPTIONS *Options, const char *Image, const char *Command);
void CliPnpFinish(ntsim_machine *Machine);
/* Print the error log and the audit, destroy the machine; the exit status follows
 * --fail-on (CliSetFailOn). */
int CliFinish(ntsim_machine *Machine, int Exit);

/* Options every command shares. --reg may be repeated: the files are imported in order.
 * --fail-on SEVERITY: error (default), warning, info or never. */
int CliAddRegFile(const char *Command, const char *Path);
/* 0, or CLI_EXIT_USAGE after printing why (a file that cannot be read or imported). */
int CliImportRegFiles(const char *Command, ntsim_machine *Machine);
const char *const *CliRegFiles(size_t *Count);
int CliSetFailOn(const char *Command, const char *Severity);
ntsim_fail_on CliFailOn(void);
/* --special-pool overrun|underrun|off (load, run, faults): sets NTSIM_SPECIAL_POOL, which
 * every machine of this process and of its sweep children follows (docs/special-pool.md). */
#define CLI_OPT_SPECIAL_POOL 0x2A0 /* after CLI_SCRIPT_* (script.h) and CLI_TRACE_* (cli_trace.h) */
#define CLI_SPECIAL_POOL_OPTION { "special-pool", required_argument, NULL, CLI_OPT_SPECIAL_POOL }
int CliSetSpecialPool(const char *Command, const char *Mode);
/* Does a finding of this severity fail the command? */
int CliFails(ntsim_severity Severity);
#endif
