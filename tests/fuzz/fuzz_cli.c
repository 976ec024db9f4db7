/* fuzz_cli.c - libFuzzer target: `ntsim` command lines (sim/cli), option parsing first.
 *
 * An input is an argument vector: arguments separated by NUL or newline bytes, the
 * first one the subcommand. The CLI's main() is compiled into this file (renamed), so
 * each input runs exactly what `ntsim ARGS...` would run in a fresh process, minus
 * what a fuzzer must not do:
 *  - the argument "@d" stands for a small driver image (echo.sys), which
 *    `load` and `imports` really load; every other command gets a path that does not
 *    exist, so `run`, `faults` and `pnp --bind` stop at their image check after parsing
 *    every option (no forked sweeps, no seconds of virtual time per input);
 *  - `--for` longer than a second of virtual time skips the input (pnp runs it);
 *  - arguments naming host resources (absolute paths, ports, ptys, host files) skip
 *    the input, and `fuzz` (it execs ntsim-fuzz) is skipped; relative output files
 *    (--json, --vcd, --trace ...) land in a private temporary directory.
 * Oracle (besides ASan/UBSan/LSan): the exit status is 0, 1 or 2, and a 2 (usage or
 * load error) always comes with a message on stderr; no child process is left behind
 * unreaped. While a command runs, a thread interrupts it with SIGALRM every 50 microseconds
 * (a handler without SA_RESTART, as libFuzzer's -timeout timer installs), so that a
 * system call the CLI does not restart after EINTR shows (a waitpid cut short left
 * `ntsim load`'s image trial as a zombie: fuzz runs collected defunct children). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Sanitizer reports go to the real stderr even while a command's stderr is captured
 * (otherwise a report made during a command vanishes into the capture file). */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define FUZZ_CLI_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_CLI_SANITIZED 1
#endif
#ifdef FUZZ_CLI_SANITIZED
#include <sanitizer/common_interface_defs.h>
#define FUZZ_CLI_REPORT_TO(fd) __sanitizer_set_report_fd((void *)(intptr_t)(fd))
#else
#define FUZZ_CLI_REPORT_TO(fd) ((void)(fd))
#endif

#define main NtsimCliMain
#include "../../sim/cli/main.c"
#undef main

#ifndef FUZZ_CLI_DRIVER
#error "FUZZ_CLI_DRIVER: the driver image \"@d\" stands for"
#endif

#define FUZZ_CLI_MAX_ARGS 64
static const char Missing[] = "missing-image.sys"; /* never created in the work directory */
static const char *const HostResources[] = { "/", "tcp", "pty", "file:", "drive", "fuzz" };

static int NamesHostResource(const char *Argument)
{
    for (size_t i = 0; i < sizeof(HostResources) / sizeof(HostResources[0]); i++)
        if (strstr(Argument, HostResources[i]) != NULL)
            return 1;
    return 0;
}

/* `pnp --for` really runs the default machine (no image needed): more than a second of
 * virtual time per input is a long run the user asked for, not a bug, and would only
 * turn into libFuzzer timeouts. */
#define FUZZ_CLI_MAX_VIRTUAL_NS 1000000000ull

/* --for, as getopt_long reads it: abbreviated ("--f", "--fo") and with "=VALUE". */
static const char *ForValue(int Argc, char **Argv, int i)
{
    const char *Equals = strchr(Argv[i], '=');
    size_t Length = Equals ? (size_t)(Equals - Argv[i]) : strlen(Argv[i]);
    if (Length < 3 || Length > 5 || strncmp(Argv[i], "--for", Length) != 0)
        return NULL;
    return Equals ? Equals + 1 : i + 1 < Argc ? Argv[i + 1] : NULL;
}

static int AsksForALongRun(int Argc, char **Argv)
{
    for (int i = 1; i < Argc; i++) {
        const char *Value = ForValue(Argc, Argv, i);
        uint64_t Ns;
        if (Value && CliParseDuration(Value, &Ns) == 0 && Ns > FUZZ_CLI_MAX_VIRTUAL_NS)
            return 1;
    }
    return 0;
}

/* A private directory to run in (output files of the command line land there); the
 * fuzzer's own directory is back when the command returns (its corpus paths may be
 * relative). */
static char WorkTemplate[] = "/tmp/ntsim-fuzz-cli-XXXXXX";

/* At exit: the files the command lines wrote, then the directory. */
static void RemoveWorkDirectory(void)
{
    DIR *Directory = opendir(WorkTemplate);
    if (Directory == NULL)
        return;
    struct dirent *Entry;
    char Path[sizeof(WorkTemplate) + 256];
    while ((Entry = readdir(Directory)) != NULL)
        if (strcmp(Entry->d_name, ".") != 0 && strcmp(Entry->d_name, "..") != 0) {
            snprintf(Path, sizeof(Path), "%s/%s", WorkTemplate, Entry->d_name);
            unlink(Path);
        }
    closedir(Directory);
    rmdir(WorkTemplate);
}

static const char *WorkDirectory(void)
{
    static int Made;
    if (!Made++) {
        if (mkdtemp(WorkTemplate) == NULL) {
            perror("fuzz_cli: work directory");
            abort();
        }
        atexit(RemoveWorkDirectory);
    }
    return WorkTemplate;
}

/* Split at NUL and newline; -1 when there are too many arguments. */
static int SplitArguments(char *Text, size_t Size, char **Argv)
{
    int Argc = 0;
    Argv[Argc++] = "ntsim";
    size_t Start = 0;
    for (size_t i = 0; i <= Size; i++) {
        if (i < Size && Text[i] != '\0' && Text[i] != '\n')
            continue;
        Text[i] = '\0';
        if (Argc == FUZZ_CLI_MAX_ARGS)
            return -1;
        Argv[Argc++] = Text + Start;
        Start = i + 1;
    }
    Argv[Argc] = NULL;
    return Argc;
}

/* The CLI's process-wide state, as a fresh process has it. */
static void ResetCli(void)
{
    CliRegFileCount = 0;
    CliFailOnSetting = NTSIM_FAIL_ON_ERROR;
    unsetenv("NTSIM_SPECIAL_POOL");
    char *Dummy[] = { "ntsim", NULL };
    optind = 0; /* glibc and BSD: a full reinitialisation, forgetting a half-read "-abc" */
    opterr = 0;
    while (getopt(1, Dummy, "") != -1) {
    }
}

/* ---- interruptions while a command runs ---- */

static void IgnoreAlarm(int Signal)
{
    (void)Signal;
}

static pthread_t CommandThread;
static volatile int Interrupting;

static void *Interrupter(void *Argument)
{
    (void)Argument;
    struct timespec Period = { 0, 50000L };
    while (__atomic_load_n(&Interrupting, __ATOMIC_ACQUIRE)) {
        pthread_kill(CommandThread, SIGALRM);
        nanosleep(&Period, NULL);
    }
    return NULL;
}

static void StartInterrupting(struct sigaction *Saved, pthread_t *Thread)
{
    struct sigaction Action;
    memset(&Action, 0, sizeof(Action));
    Action.sa_handler = IgnoreAlarm; /* no SA_RESTART */
    sigemptyset(&Action.sa_mask);
    sigaction(SIGALRM, &Action, Saved);
    CommandThread = pthread_self();
    __atomic_store_n(&Interrupting, 1, __ATOMIC_RELEASE);
    if (pthread_create(Thread, NULL, Interrupter, NULL) != 0)
        abort();
}

static void StopInterrupting(const struct sigaction *Saved, pthread_t Thread)
{
    __atomic_store_n(&Interrupting, 0, __ATOMIC_RELEASE);
    pthread_join(Thread, NULL);
    sigaction(SIGALRM, Saved, NULL);
}

/* A command must reap every child it started. */
static void CheckNoChildLeft(void)
{
    int Status;
    pid_t Left = waitpid(-1, &Status, WNOHANG);
    if (Left > 0) {
        fprintf(stderr, "fuzz_cli: the command left child process %d unreaped (a defunct child)\n", (int)Left);
        abort();
    }
}

/* Run the command line with stdout discarded and stderr captured; returns its status. */
static int RunCommandLine(int Argc, char **Argv, char *Errors, size_t Size)
{
    fflush(NULL);
    int SavedOut = dup(STDOUT_FILENO), SavedErr = dup(STDERR_FILENO);
    int Null = open("/dev/null", O_WRONLY);
    FILE *Capture = tmpfile();
    if (SavedOut < 0 || SavedErr < 0 || Null < 0 || Capture == NULL)
        abort();
    FUZZ_CLI_REPORT_TO(SavedErr);
    dup2(Null, STDOUT_FILENO);
    dup2(fileno(Capture), STDERR_FILENO);
    struct sigaction Int, Term;
    sigaction(SIGINT, NULL, &Int);
    sigaction(SIGTERM, NULL, &Term);
    int Home = open(".", O_RDONLY | O_DIRECTORY);
    if (Home < 0 || chdir(WorkDirectory()) != 0)
        abort();
    struct sigaction SavedAlarm;
    pthread_t Thread;
    StartInterrupting(&SavedAlarm, &Thread);
    int Rc = NtsimCliMain(Argc, Argv);
    StopInterrupting(&SavedAlarm, Thread);
    CliReleaseStopSignals(); /* main() blocked SIGINT/SIGTERM for its signal thread: the fuzzer's again */
    if (fchdir(Home) != 0)
        abort();
    close(Home);
    sigaction(SIGINT, &Int, NULL);
    sigaction(SIGTERM, &Term, NULL);
    fflush(NULL);
    dup2(SavedOut, STDOUT_FILENO);
    dup2(SavedErr, STDERR_FILENO);
    FUZZ_CLI_REPORT_TO(STDERR_FILENO);
    close(SavedOut);
    close(SavedErr);
    close(Null);
    rewind(Capture);
    size_t Got = fread(Errors, 1, Size - 1, Capture);
    Errors[Got] = '\0';
    fclose(Capture);
    return Rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size)
{
    if (Size > 2048)
        return 0;
    char *Text = malloc(Size + 1);
    if (Text == NULL)
        abort();
    memcpy(Text, Data, Size);
    char *Argv[FUZZ_CLI_MAX_ARGS + 1];
    int Argc = SplitArguments(Text, Size, Argv);
    int Skip = Argc < 0;
    for (int i = 1; i < Argc && !Skip; i++)
        Skip = NamesHostResource(Argv[i]);
    Skip = Skip || AsksForALongRun(Argc, Argv);
    if (Skip) {
        free(Text);
        return 0;
    }
    int RealImage = Argc > 1 && (strcmp(Argv[1], "load") == 0 || strcmp(Argv[1], "imports") == 0);
    for (int i = 2; i < Argc; i++)
        if (strcmp(Argv[i], "@d") == 0)
            Argv[i] = RealImage ? FUZZ_CLI_DRIVER : (char *)Missing;
    ResetCli();
    char Errors[4096];
    int Rc = RunCommandLine(Argc, Argv, Errors, sizeof(Errors));
    if (Rc < 0 || Rc > 2) {
        fprintf(stderr, "fuzz_cli: exit status %d (expected 0, 1 or 2); stderr:\n%s\n", Rc, Errors);
        abort();
    }
    if (Rc == 2 && strspn(Errors, " \t\n") == strlen(Errors)) {
        fprintf(stderr, "fuzz_cli: exit status 2 without a message\n");
        abort();
    }
    CheckNoChildLeft();
    if (ntsim_current_machine() != NULL) {
        fprintf(stderr, "fuzz_cli: the command returned with its machine still alive\n");
        abort();
    }
    free(Text);
    return 0;
}
