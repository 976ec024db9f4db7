/* script.h - interactive runs (docs/run.md): `ntsim run --do REQUEST --script FILE` drives
 * I/O through the host API without C, and --show-serial prints what the UARTs send.
 *
 * The options are collected while cmd_run.c parses its command line: every request is
 * parsed then (a bad one stops the command with rc 2 before anything runs), and run in
 * order once the driver is loaded. */
#ifndef NTSIM_CLI_SCRIPT_H
#define NTSIM_CLI_SCRIPT_H
#include "cli.h"

enum { CLI_SCRIPT_DO = 0x200, CLI_SCRIPT_FILE, CLI_SCRIPT_SHOW_SERIAL };
#define CLI_SCRIPT_LONG_OPTIONS \
    { "do", required_argument, NULL, CLI_SCRIPT_DO }, { "script", required_argument, NULL, CLI_SCRIPT_FILE }, \
    { "show-serial", optional_argument, NULL, CLI_SCRIPT_SHOW_SERIAL }
#define CLI_SCRIPT_USAGE \
    "  --do REQUEST, --script FILE: open, write, read, ioctl, wait, cancel, close (docs/run.md)\n" \
    "  --show-serial[=on|off]: print what each UART sends (default: on with a tcp or pty back end)\n"

/* --do, --script or --show-serial: 0, or CLI_EXIT_USAGE after saying what is wrong
 * (file:line for a script). */
int CliScriptOption(int Option, const char *Argument);
/* Number of requests collected. */
unsigned CliScriptCount(void);
/* Hook the UARTs' output to the console as --show-serial says. */
void CliSerialShowStart(ntsim_machine *Machine);
/* Print a partial serial line, so that what follows starts on its own line. */
void CliSerialShowFlush(void);
/* Run the requests on the loaded driver. Files still open at the end are closed.
 * Returns 0, or CLI_EXIT_USAGE when a request could not be issued (no open file).
 * Stops early when the machine crashes or *Stop becomes non-zero. */
int CliScriptRun(ntsim_machine *Machine, volatile int *Stop);
/* Forget everything collected (the next command starts afresh). */
void CliScriptReset(void);
#endif
