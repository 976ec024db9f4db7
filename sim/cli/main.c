/* main.c - `ntsim`: load drivers into the simulated machine and check them. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

static const char Usage[] =
    "usage: ntsim <command> [options]\n"
    "\n"
    "commands:\n"
    "  load <image> [--reg FILE]... [--fail-on SEVERITY] [--trace FILE] [--special-pool MODE]\n"
    "                                 load a driver, show the objects it created, unload it,\n"
    "                                 audit what it left behind\n"
    "  faults <image> [--reg FILE]... [--jobs N] [--json FILE] [--junit FILE] [--only N]\n"
    "         [--filter SPEC] [--scenario] [--ioctl CODE]... [--list] [--timeout SECONDS]\n"
    "         [--fail-on SEVERITY] [--pnp HWID] [--trace FILE] [--special-pool MODE]\n"
    "         [--shard I/N] [--second-order[=MAX]] [--fork-per-run] | --merge JSON...\n"
    "                                 fail every failable call of DriverEntry (and with --pnp of\n"
    "                                 AddDevice, START, removal) in turn, and audit every path\n"
    "  run <image> [--device SPEC]... [--reg FILE]... [--vcd FILE] [--seed N] [--for DURATION]\n"
    "      [--spurious-irq] [--fail-on SEVERITY] [--watchdog MS] [--trace FILE] [--trace-filter LIST]\n"
    "      [--gtkw FILE] [--no-dbgprint] [--dbgprint LEVEL[,COMPONENT]] [--do REQUEST]... [--script FILE]\n"
    "                                 load a driver onto a machine with devices (default PC: COM1\n"
    "                                 16550, 8254, edu on PCI, i8042, LPT1, speaker, 8237, floppy),\n"
    "                                 run it, drive I/O (docs/run.md), unload, audit; shows DbgPrint;\n"
    "                                 --trace: IRPs, IRQL, ISRs, DPCs (docs/trace.md)\n"
    "  fuzz <image> --device PATH [--reg FILE] [--ioctl CODE[,CODE]] [--reset-every N]\n"
    "       [CORPUS | FILE... | --replay FILE | --random=N [--seed=S] | libFuzzer options]\n"
    "                                 fuzz the driver's requests with the whole verifier as oracle\n"
    "                                 (ntsim-fuzz; coverage-guided in the fuzz preset, docs/fuzzing.md)\n"
    "  pnp [--device SPEC]... [--bind HWID=IMAGE]... [--upper-filter HWID=IMAGE]...\n"
    "      [--root-device NAME=HWID]... [--inf FILE=IMAGE]... [--remove|--surprise-remove|--stop|\n"
    "      --rebalance|--wake PATH]... [--sleep] [--resume]\n"
    "                                 start the device tree with WDM drivers, print each stack,\n"
    "                                 run PnP actions, remove everything, audit (docs/pnp.md);\n"
    "                                 run and load take the same binding options\n"
    "  imports <image>                each routine and datum the image imports, and whether ntsim\n"
    "                                 implements it (docs/crt.md, docs/ddi-status.md)\n"
    "  help                           this text\n"
    "  version                        print the version\n"
    "\n"
    "exit status (every command): 0 nothing at or above --fail-on, 1 findings at or above it\n"
    "  (SEVERITY: error - the default; a bug check or a run without a verdict is an error -,\n"
    "  warning, info, never), 2 bad usage, an unreadable or corrupt file, a load error.\n"
    "--reg FILE may be repeated: the files are imported in order. --json - / --junit -: stdout.\n"
    "--special-pool overrun|underrun|off (load, run, faults): guard page after or before each\n"
    "  driver pool block, or pool from the host heap (default overrun; docs/special-pool.md).\n"
    "\n"
    "environment: NTSIM_FAULTS (fault injection for any host program, see docs/faults.md),\n"
    "             NTSIM_DBGPRINT=1 (show DbgPrint output), NTSIM_QUIET=1 (no live findings),\n"
    "             NTSIM_WATCHDOG_MS, NTSIM_BUDGET_MS (stop driver code that spins, docs/watchdog.md)\n";

/* "10s", "250ms", "20us", "100ns", "2m"; a bare number is seconds. */
int CliParseDuration(const char *Text, uint64_t *Ns)
{
    char *End;
    if (!isdigit((unsigned char)Text[0]) && Text[0] != '.')
        return -1; /* no sign, no "nan", "inf", no leading blanks */
    if (strpbrk(Text, "xXpP"))
        return -1; /* no hexadecimal floating point */
    double V = strtod(Text, &End);
    if (End == Text || !isfinite(V) || V < 0)
        return -1;
    double Scale = 1e9;
    if (*End == 0 || !strcmp(End, "s"))
        Scale = 1e9;
    else if (!strcmp(End, "ms"))
        Scale = 1e6;
    else if (!strcmp(End, "us"))
        Scale = 1e3;
    else if (!strcmp(End, "ns"))
        Scale = 1;
    else if (!strcmp(End, "m") || !strcmp(End, "min"))
        Scale = 60e9;
    else
        return -1;
    double Total = V * Scale;
    if (!(Total < 1.8e19))
        return -1;
    *Ns = (uint64_t)Total;
    return 0;
}

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

/* The image's headers, then a trial mapping in a child process: a file the dynamic
 * loader crashes on (corrupt symbol tables, relocations) is a load error, not a bug
 * check in driver code nor a crash of this process. */
int CliCheckImage(const char *Command, const char *Path)
{
    if (ntsim_image_check(Path) != 0) {
        fprintf(stderr, "ntsim %s: %s\n", Command, ntsim_last_error());
        return CLI_EXIT_USAGE;
    }
    fflush(NULL);
    pid_t Child = fork();
    if (Child == 0) {
        alarm(30);
        _exit(dlopen(Path, RTLD_NOW | RTLD_LOCAL) ? 0 : 3);
    }
    int Status = 0;
    pid_t Reaped = -1;
    while (Child > 0 && (Reaped = waitpid(Child, &Status, 0)) < 0 && errno == EINTR)
        ; /* a signal (a fuzzer's timer, the watchdog's) must not leave the child unreaped */
    if (Child < 0 || Reaped != Child)
        return 0; /* no trial: the load itself will tell */
    if (WIFSIGNALED(Status) || (WIFEXITED(Status) && WEXITSTATUS(Status) != 0 && WEXITSTATUS(Status) != 3)) {
        fprintf(stderr, "ntsim %s: %s: corrupt image: the dynamic loader could not map it (%s %d)\n", Command, Path,
                WIFSIGNALED(Status) ? "signal" : "exit status",
                WIFSIGNALED(Status) ? WTERMSIG(Status) : WEXITSTATUS(Status));
        return CLI_EXIT_USAGE;
    }
    return 0; /* mapped, or refused with a reason the load reports */
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

#define CLI_MAX_REG_FILES 64
static const char *CliRegFileList[CLI_MAX_REG_FILES];
static size_t CliRegFileCount;
static ntsim_fail_on CliFailOnSetting = NTSIM_FAIL_ON_ERROR;

int CliAddRegFile(const char *Command, const char *Path)
{
    if (CliRegFileCount == CLI_MAX_REG_FILES)
        return CliUsageError(Command, "at most %d --reg files", CLI_MAX_REG_FILES);
    if (CliCheckReadable(Command, Path))
        return CLI_EXIT_USAGE;
    CliRegFileList[CliRegFileCount++] = Path;
    return 0;
}

const char *const *CliRegFiles(size_t *Count)
{
    *Count = CliRegFileCount;
    return CliRegFileList;
}

int CliImportRegFiles(const char *Command, ntsim_machine *Machine)
{
    for (size_t i = 0; i < CliRegFileCount; i++)
        if (ntsim_reg_import_file(Machine, CliRegFileList[i]) != 0) {
            fprintf(stderr, "ntsim %s: %s\n", Command, ntsim_last_error());
            return CLI_EXIT_USAGE;
        }
    return 0;
}

int CliSetFailOn(const char *Command, const char *Severity)
{
    static const char *const Names[] = { "error", "warning", "info", "never" };
    for (int i = 0; i < 4; i++)
        if (strcmp(Severity, Names[i]) == 0) {
            CliFailOnSetting = (ntsim_fail_on)i;
            return 0;
        }
    return CliUsageError(Command, "--fail-on takes error, warning, info or never, not '%s'", Severity);
}

int CliSetSpecialPool(const char *Command, const char *Mode)
{
    if (strcmp(Mode, "overrun") != 0 && strcmp(Mode, "underrun") != 0 && strcmp(Mode, "off") != 0)
        return CliUsageError(Command, "--special-pool takes overrun, underrun or off, not '%s'", Mode);
    setenv("NTSIM_SPECIAL_POOL", Mode, 1);
    return 0;
}

ntsim_fail_on CliFailOn(void)
{
    return CliFailOnSetting;
}

int CliFails(ntsim_severity Severity)
{
    switch (CliFailOnSetting) {
    case NTSIM_FAIL_ON_ERROR: return Severity >= NTSIM_SEV_ERROR;
    case NTSIM_FAIL_ON_WARNING: return Severity >= NTSIM_SEV_WARNING;
    case NTSIM_FAIL_ON_INFO: return 1;
    default: return 0;
    }
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
    /* the bug check, if any, is among the findings (an error) */
    Exit = CLI_EXIT_OK;
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++)
        if (CliFails(ntsim_finding_at(Machine, i)->severity))
            Exit = CLI_EXIT_FINDINGS;
    ntsim_machine_destroy(Machine);
    return Exit;
}

/* SIGINT/SIGTERM (TM-01): stop the machine of this process (a host call in progress
 * ends with bug check 0xE2, see docs/watchdog.md). `faults` is a parent of forked
 * runs: each child stops its own machine; the parent says so and leaves at once.
 *
 * The signals are blocked in every thread and taken by one thread of their own
 * (sigwait), not by a handler: a handler runs on whichever thread the kernel picks,
 * usually the one holding the simulated CPU, and ThreadSanitizer holds an asynchronous
 * signal back until that thread enters an intercepted routine, which a driver's busy
 * loop never does (Ctrl-C was lost). The signal thread only records the stop; the
 * watchdog then stops the spinning code as it stops any busy loop. */
static pid_t CliMainPid;
static int CliLeaveOnSignal;
volatile int CliStopRequested;
static sigset_t CliStopSignals;

static void CliStopOnSignal(int Signal)
{
    ntsim_interrupt(Signal);
    __atomic_store_n(&CliStopRequested, Signal, __ATOMIC_RELAXED);
    if (CliLeaveOnSignal && getpid() == CliMainPid) {
        static const char Message[] = "ntsim: interrupted; stopping (runs in progress end on their own)\n";
        (void)!write(STDERR_FILENO, Message, sizeof(Message) - 1);
        _exit(128 + Signal);
    }
}

static void *CliSignalThread(void *Argument)
{
    (void)Argument;
    for (;;) {
        int Signal;
        if (sigwait(&CliStopSignals, &Signal) == 0)
            CliStopOnSignal(Signal);
    }
    return NULL;
}

/* By a handler: where no driver code runs in this process, and in a forked child (an
 * image trial), which has no signal thread. */
static void CliStopSignalsByHandler(void)
{
    signal(SIGINT, CliStopOnSignal);
    signal(SIGTERM, CliStopOnSignal);
    pthread_sigmask(SIG_UNBLOCK, &CliStopSignals, NULL);
}

/* Commands that run driver code in this process: a signal thread, started before any
 * other thread exists (new threads inherit the mask), once per process. The others
 * (`faults` only forks, `fuzz` execs) keep a handler: no thread, so a sweep parent stays
 * single-threaded when it forks. */
static void CliTakeStopSignals(int RunsDriverCode)
{
    static int ThreadUp, SetReady;
    if (!SetReady) { /* once: the signal thread reads the set in sigwait from then on */
        sigemptyset(&CliStopSignals);
        sigaddset(&CliStopSignals, SIGINT);
        sigaddset(&CliStopSignals, SIGTERM);
        SetReady = 1;
    }
    if (!RunsDriverCode) {
        CliStopSignalsByHandler();
        return;
    }
    pthread_sigmask(SIG_BLOCK, &CliStopSignals, NULL);
    if (ThreadUp)
        return; /* main() again (fuzz_cli calls it per input): the thread is there */
    pthread_t Thread;
    pthread_attr_t Attributes;
    pthread_attr_init(&Attributes);
    pthread_attr_setdetachstate(&Attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&Attributes, 256 * 1024);
    if (pthread_create(&Thread, &Attributes, CliSignalThread, NULL) == 0) {
        ThreadUp = 1;
        pthread_atfork(NULL, NULL, CliStopSignalsByHandler);
    } else {
        CliStopSignalsByHandler(); /* as before: a spinning driver under TSan misses it */
    }
    pthread_attr_destroy(&Attributes);
}

void CliReleaseStopSignals(void)
{
    pthread_sigmask(SIG_UNBLOCK, &CliStopSignals, NULL);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(Usage, stderr);
        return CLI_EXIT_USAGE;
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
    CliMainPid = getpid();
    CliLeaveOnSignal = strcmp(Command, "faults") == 0;
    __atomic_store_n(&CliStopRequested, 0, __ATOMIC_RELAXED);
    CliTakeStopSignals(strcmp(Command, "faults") != 0 && strcmp(Command, "fuzz") != 0);
    if (strcmp(Command, "load") == 0)
        return CliLoad(argc - 1, argv + 1);
    if (strcmp(Command, "faults") == 0)
        return CliFaults(argc - 1, argv + 1);
    if (strcmp(Command, "imports") == 0) return CliImports(argc - 1, argv + 1); /* sim/cli/cmd_imports.c */
    if (strcmp(Command, "run") == 0)
        return CliRun(argc - 1, argv + 1);
    if (strcmp(Command, "fuzz") == 0)
        return CliFuzz(argc - 1, argv + 1);
    if (strcmp(Command, "pnp") == 0)
        return CliPnp(argc - 1, argv + 1);
    return CliUsageError(NULL, "unknown command '%s'", Command);
}
