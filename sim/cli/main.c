/* main.c - `ntsim`: load drivers into the simulated machine and check them. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char Usage[] =
    "usage: ntsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  load <image> [--reg FILE]      load a driver, show the objects it created, unload it,\n"
    "                                 audit what it left behind (exit 1 on findings)\n"
    "  faults <image> [--reg FILE] [--jobs N] [--json FILE] [--junit FILE] [--only N]\n"
    "         [--filter SPEC] [--scenario] [--ioctl CODE]... [--list]\n"
    "                                 fail every failable call of DriverEntry in turn, each run\n"
    "                                 in a fresh process, and audit every failure path\n"
    "  run <image> [--device SPEC]... [--reg FILE] [--vcd FILE] [--seed N] [--for DURATION]\n"
    "      [--spurious-irq]           load a driver onto a machine with devices (default PC: COM1\n"
    "                                 16550 at 0x3f8/IRQ 4, 8254), run it, unload, audit\n"
    "  help                           this text\n"
    "  version                        print the version\n"
    "\n"
    "environment: NTSIM_FAULTS (fault injection for any host program, see docs/faults.md),\n"
    "             NTSIM_DBGPRINT=1 (show DbgPrint output), NTSIM_QUIET=1 (no live findings)\n";

int CliUsageError(const char *Command, const char *Format, ...)
{
    va_list Args;
    fprintf(stderr, "ntsim%s%s: ", Command ? " " : "", Command ? Command : "");
    va_start(Args, Format);
    vfprintf(stderr, Format, Args);
    va_end(Args);
    fprintf(stderr, " (see ntsim help)\n");
    return CLI_EXIT_USAGE;
}

int CliCheckReadable(const char *Command, const char *Path)
{
    if (access(Path, R_OK) != 0) {
        fprintf(stderr, "ntsim %s: cannot read %s: %s\n", Command, Path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return 0;
}

void CliUnload(ntsim_machine *Machine, ntsim_driver *Driver)
{
    ntsim_bugcheck Crash;
    int Rc = ntsim_driver_unload(Driver);
    if (Rc == NTSIM_E_STATE)
        printf("note: %s\n", ntsim_last_error());
    else if (ntsim_machine_crashed(Machine, &Crash))
        ntsim_print_bugcheck(stdout, &Crash);
    else
        printf("unloaded\n");
}

int CliFinish(ntsim_machine *Machine, int Exit)
{
    size_t Logged = ntsim_error_log_count(Machine);
    if (Logged) {
        printf("\nsystem error log:\n");
        for (size_t i = 0; i < Logged; i++) {
            const ntsim_error_log_entry *E = ntsim_error_log_at(Machine, i);
            printf("  %s: error code 0x%08X, unique value %u, final status %s\n", E->driver, E->error_code,
                   E->unique_value, ntsim_status_name(E->final_status));
        }
    }
    printf("\naudit:\n");
    ntsim_print_findings(stdout, Machine);
    if (ntsim_finding_count(Machine))
        Exit = CLI_EXIT_FINDINGS;
    ntsim_machine_destroy(Machine);
    return Exit;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(Usage, stdout);
        return CLI_EXIT_OK;
    }
    const char *Command = argv[1];
    if (strcmp(Command, "help") == 0 || strcmp(Command, "--help") == 0 || strcmp(Command, "-h") == 0) {
        fputs(Usage, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(Command, "version") == 0 || strcmp(Command, "--version") == 0) {
        printf("ntsim 0.1.0\n");
        return CLI_EXIT_OK;
    }
    if (strcmp(Command, "load") == 0)
        return CliLoad(argc - 1, argv + 1);
    if (strcmp(Command, "faults") == 0)
        return CliFaults(argc - 1, argv + 1);
    if (strcmp(Command, "run") == 0)
        return CliRun(argc - 1, argv + 1);
    return CliUsageError(NULL, "unknown command '%s'", Command);
}
