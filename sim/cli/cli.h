/* cli.h - the ntsim command line: one file per subcommand. */
#ifndef NTSIM_CLI_H
#define NTSIM_CLI_H
#include <ntsim/ntsim.h>
#include <ntsim/sweep.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FINDINGS 1
#define CLI_EXIT_USAGE 2

int CliLoad(int argc, char **argv);
int CliFaults(int argc, char **argv);
int CliRun(int argc, char **argv);
int CliUsageError(const char *Command, const char *Format, ...) __attribute__((format(printf, 2, 3)));
int CliCheckReadable(const char *Command, const char *Path);
/* Unload a driver and say how it went. */
void CliUnload(ntsim_machine *Machine, ntsim_driver *Driver);
/* Print the error log and the audit, destroy the machine; exit status 1 on findings. */
int CliFinish(ntsim_machine *Machine, int Exit);
#endif
