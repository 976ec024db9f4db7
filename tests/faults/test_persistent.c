/* test_persistent.c - persistent sweeps: a worker process makes run after run, the
 * image's writable data restored and the machine recreated in between, and the reports
 * are the ones a child per run gives. Runs that crash, hang or exit end their worker;
 * a fresh worker makes the next run. A sweep repeated in one process, proven safe by
 * its first, is made in this process and reports the same. */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#include <dlfcn.h>
#include <jansson.h>
#include <signal.h>
#include <unistd.h>

#define STATUS_SUCCESS 0
#define STATUS_DEVICE_CONFIGURATION_ERROR ((int32_t)0xC0000182)

/* White-box: sim/io/imagesnap.c and sim/fault/sweep.c. */
int IopSnapshotImage(const char *Path);
void IopReleaseImageSnapshot(void);
void NtsimSweepRunHere(const ntsim_sweep_options *Options, unsigned long Run, unsigned long Then, FILE *Out);
extern size_t NtsimSweepRegionLimit; /* a worker's reports past this go down the pipe */
extern int NtsimSweepHelperPolicy;   /* 1: always fork the helper, -1: never, 0: guess, 2/3: one that is lost */
extern size_t NtsimSweepSmallPass;   /* a first pass this short is the baseline's worker's alone */
extern unsigned long NtsimSweepsInProcess; /* sweeps made in this process, not in workers */

/* The tests of workers keep every sweep in workers (isolate); those of sweeps made in
 * this process set it to 0. */
static int Isolate = 1;

static int32_t LoadOnce(const char *Image)
{
    ntsim_machine *Machine = TestMachine();
    ntsim_driver *Driver = NULL;
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(Machine, Image, NULL, &Driver, &Status), 0);
    if (Driver)
        assert_int_equal(ntsim_driver_unload(Driver), 0);
    ntsim_machine_destroy(Machine);
    return Status;
}

/* The driver loads only from pristine .data/.bss: with the snapshot every load does;
 * from the same mapping without it, the next load meets the last run's globals. */
static void test_snapshot_restores_globals(void **State)
{
    (void)State;
#if !defined(__linux__)
    skip(); /* image snapshots are ELF-only (docs/faults.md); sweeps fork per run there */
#endif
    const char *Image = TestDriverPath("snapshot_globals.sys");
    assert_int_equal(IopSnapshotImage(Image), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(LoadOnce(Image), STATUS_SUCCESS);
    void *Held = dlopen(Image, RTLD_NOW | RTLD_LOCAL); /* keeps the mapping, and its dirty data */
    assert_non_null(Held);
    IopReleaseImageSnapshot();
    assert_int_equal(LoadOnce(Image), STATUS_DEVICE_CONFIGURATION_ERROR);
    dlclose(Held);
}

/* Run (Run, Then) in this process; its report. */
static char *RunHere(const ntsim_sweep_options *Options, unsigned long Run, unsigned long Then)
{
    char *Text = NULL;
    size_t Length = 0;
    FILE *Out = open_memstream(&Text, &Length);
    assert_non_null(Out);
    NtsimSweepRunHere(Options, Run, Then, Out);
    fclose(Out);
    return Text;
}

static size_t CountLines(const char *Text, char Kind)
{
    size_t N = 0;
    for (const char *P = Text; P && *P; P = strchr(P, '\n') ? strchr(P, '\n') + 1 : NULL)
        N += P[0] == Kind && P[1] == '\t';
    return N;
}

/* Many runs in one process, a bug check among them: every run starts from a fresh
 * machine and fresh globals, and nothing leaks (this suite runs under LeakSanitizer in
 * the asan preset). */
static void test_many_runs_in_one_process(void **State)
{
    (void)State;
#if !defined(__linux__)
    skip(); /* image snapshots are ELF-only (docs/faults.md); sweeps fork per run there */
#endif
    ntsim_sweep_options Options = { .image = TestDriverPath("sweep_cleanup.sys"), .second_order = 8 };
    assert_int_equal(IopSnapshotImage(Options.image), 0);
    for (int Round = 0; Round < 3; Round++) {
        char *Clean = RunHere(&Options, 2, 0); /* IoCreateDevice fails; its cleanup is sound */
        assert_non_null(strstr(Clean, "S\t0\t-1073741670\n"));
        assert_int_equal(CountLines(Clean, 'F'), 0);
        assert_int_equal(CountLines(Clean, 'B'), 0);
        free(Clean);
        char *Crash = RunHere(&Options, 2, 3); /* the note's allocation fails too */
        if (strstr(Crash, "B\t0x50\t") == NULL)
            fail_msg("run 2+3 should bug-check 0x50:\n%s", Crash);
        free(Crash);
        char *Loaded = RunHere(&Options, 4, 0); /* past the last point: loads and unloads */
        assert_non_null(strstr(Loaded, "S\t0\t0\n"));
        assert_int_equal(CountLines(Loaded, 'F'), 0);
        free(Loaded);
    }
    IopReleaseImageSnapshot();
}

/* (a generous timeout: no run here hangs for real, but under ASan on a loaded machine a
 * run that calls exit() spends its time in LeakSanitizer's exit check) */
static char *SweepJson(const char *Driver, unsigned Jobs, int ForkPerRun, ntsim_sweep_result **Keep)
{
    ntsim_sweep_options Options = { .image = TestDriverPath(Driver), .jobs = Jobs, .timeout_seconds = 10,
                                    .fork_per_run = ForkPerRun, .isolate = Isolate };
    ntsim_sweep_result *R = NULL;
    if (ntsim_sweep_run(&Options, &R) != 0)
        fail_msg("sweep of %s: %s", Driver, ntsim_last_error());
    char Path[] = "/tmp/ntsim-persistent-XXXXXX";
    int Fd = mkstemp(Path);
    assert_true(Fd >= 0);
    close(Fd);
    assert_int_equal(ntsim_sweep_write_json(R, Path), 0);
    FILE *F = fopen(Path, "rb");
    char *Text = calloc(1, 1 << 20);
    size_t N = fread(Text, 1, (1 << 20) - 1, F);
    Text[N] = 0;
    fclose(F);
    unlink(Path);
    if (Keep)
        *Keep = R;
    else
        ntsim_sweep_free(R);
    return Text;
}

/* A worker per job making many runs reports exactly what a child per run reports. */
static void test_reports_equal_fork_per_run(void **State)
{
    (void)State;
    static const char *const Drivers[] = { "echo.sys", "edu.sys", "serial.sys", "bad_fl01_pool.sys",
                                           "bad_sweep_outcomes.sys", "sweep_noverdict.sys",
                                           "synthetic_findings.sys" /* 65 runs, findings in each */ };
    for (size_t i = 0; i < sizeof(Drivers) / sizeof(Drivers[0]); i++) {
        char *Persistent = SweepJson(Drivers[i], 2, 0, NULL);
        char *Forked = SweepJson(Drivers[i], 2, 1, NULL);
        if (strcmp(Persistent, Forked) != 0)
            fail_msg("%s: the persistent report differs from the fork-per-run one:\n%s\n----\n%s", Drivers[i],
                     Persistent, Forked);
        free(Persistent);
        free(Forked);
    }
}

/* One worker for all six runs of sweep_noverdict: each of runs 1-5 ends the process it
 * runs in; a fresh worker makes the next, and run 6 (after them) is made and clean. */
static void test_worker_replaced_after_each_crash(void **State)
{
    (void)State;
    ntsim_sweep_result *R = NULL;
    free(SweepJson("sweep_noverdict.sys", 1, 0, &R));
    assert_int_equal(ntsim_sweep_point_count(R), 6);
    assert_int_equal(ntsim_sweep_runs(R), 7);
    for (size_t i = 0; i < 5; i++) {
        const ntsim_sweep_point *P = ntsim_sweep_point_at(R, i);
        assert_int_equal(P->outcome, NTSIM_RUN_NO_VERDICT);
        assert_false(P->entry_returned);
        assert_true(P->ended[0] != 0);
    }
    const ntsim_sweep_point *Last = ntsim_sweep_point_at(R, 5);
    assert_true(Last->ran);
    assert_int_equal(Last->outcome, NTSIM_RUN_CLEAN);
    assert_true(Last->entry_returned);
    ntsim_sweep_free(R);
}

/* A bug check (a fault in driver code), a hang the machine detects and a killed
 * process, one after the other in one worker: each is its run's, the next run is made. */
static void test_crashes_then_next_run(void **State)
{
    (void)State;
    ntsim_sweep_result *R = NULL;
    free(SweepJson("bad_sweep_outcomes.sys", 1, 0, &R));
    assert_int_equal(ntsim_sweep_point_count(R), 3);
    assert_int_equal(ntsim_sweep_point_at(R, 0)->bugcheck_code, 0x50);
    assert_int_equal(ntsim_sweep_point_at(R, 1)->bugcheck_code, 0x4E544801); /* NTSIM_HANG */
    assert_int_equal(ntsim_sweep_point_at(R, 2)->outcome, NTSIM_RUN_NO_VERDICT);
    assert_string_equal(ntsim_sweep_point_at(R, 2)->ended, "signal 9 (Killed)");
    ntsim_sweep_free(R);
}

/* The helper worker makes a worker's share of a long first pass (here every pass is
 * long: with 2 jobs the baseline's worker makes the first half, the helper the second):
 * its runs, those that crash or end its process among them, are reported as without a
 * helper, and as a child per run reports them. */
static void test_helper_reports_equal(void **State)
{
    (void)State;
    static const char *const Drivers[] = { "echo.sys", "serial.sys", "bad_sweep_outcomes.sys", "sweep_noverdict.sys",
                                           "synthetic_findings.sys" };
    NtsimSweepSmallPass = 0;
    for (size_t i = 0; i < sizeof(Drivers) / sizeof(Drivers[0]); i++) {
        NtsimSweepHelperPolicy = 1;
        char *Helped = SweepJson(Drivers[i], 2, 0, NULL);
        NtsimSweepHelperPolicy = -1;
        char *Alone = SweepJson(Drivers[i], 2, 0, NULL);
        char *Forked = SweepJson(Drivers[i], 2, 1, NULL);
        NtsimSweepHelperPolicy = 0;
        if (strcmp(Helped, Alone) != 0 || strcmp(Helped, Forked) != 0)
            fail_msg("%s: the report with a helper differs from the one without:\n%s\n----\n%s", Drivers[i], Helped,
                     strcmp(Helped, Alone) != 0 ? Alone : Forked);
        free(Helped);
        free(Alone);
        free(Forked);
    }
    /* a helper lost before it is ready: its share goes to a fresh worker, whether the
     * baseline's worker found its pipe closed (policy 2: lost at once) or sent the share
     * and the helper ended without its "H" (policy 3) */
    static const char *const Lost[] = { "sweep_noverdict.sys", "synthetic_findings.sys" };
    for (size_t i = 0; i < sizeof(Lost) / sizeof(Lost[0]); i++) {
        NtsimSweepHelperPolicy = -1;
        char *Alone = SweepJson(Lost[i], 2, 0, NULL);
        for (int Policy = 2; Policy <= 3; Policy++) {
            NtsimSweepHelperPolicy = Policy;
            char *Helped = SweepJson(Lost[i], 2, 0, NULL);
            NtsimSweepHelperPolicy = 0;
            if (strcmp(Helped, Alone) != 0)
                fail_msg("%s: the report with a lost helper (%d) differs:\n%s\n----\n%s", Lost[i], Policy, Helped, Alone);
            free(Helped);
        }
        free(Alone);
    }
    /* sweep_noverdict's runs 4-6 are the helper's: run 4, its first, kills it, and a fresh
     * worker makes 5 and 6 */
    NtsimSweepHelperPolicy = 1;
    ntsim_sweep_result *R = NULL;
    free(SweepJson("sweep_noverdict.sys", 2, 0, &R));
    NtsimSweepHelperPolicy = 0;
    NtsimSweepSmallPass = 16;
    assert_string_equal(ntsim_sweep_point_at(R, 3)->ended, "signal 9 (Killed)");
    assert_false(ntsim_sweep_point_at(R, 3)->entry_returned);
    assert_int_equal(ntsim_sweep_point_at(R, 5)->outcome, NTSIM_RUN_CLEAN);
    ntsim_sweep_free(R);
}

/* Reports larger than the shared region go on down the pipe, after the region's bytes:
 * the same reports with no region at all, a region of 100 bytes, or a full one; runs
 * that end their worker included. */
static void test_region_overflow_to_pipe(void **State)
{
    (void)State;
    static const char *const Drivers[] = { "serial.sys", "sweep_noverdict.sys", "synthetic_findings.sys" };
    static const size_t Limits[] = { 0, 100 };
    for (size_t i = 0; i < sizeof(Drivers) / sizeof(Drivers[0]); i++) {
        char *Full = SweepJson(Drivers[i], 2, 0, NULL);
        for (size_t j = 0; j < sizeof(Limits) / sizeof(Limits[0]); j++) {
            size_t Saved = NtsimSweepRegionLimit;
            NtsimSweepRegionLimit = Limits[j];
            char *Small = SweepJson(Drivers[i], 2, 0, NULL);
            NtsimSweepRegionLimit = Saved;
            if (strcmp(Full, Small) != 0)
                fail_msg("%s: with a region of %zu bytes the report differs:\n%s\n----\n%s", Drivers[i], Limits[j],
                         Small, Full);
            free(Small);
        }
        free(Full);
    }
}

static void CopyFile(const char *From, const char *To, size_t Limit)
{
    FILE *In = fopen(From, "rb");
    FILE *Out = fopen(To, "wb");
    assert_non_null(In);
    assert_non_null(Out);
    char Buffer[4096];
    size_t N, Total = 0;
    while (Total < Limit && (N = fread(Buffer, 1, sizeof(Buffer), In)) > 0) {
        if (N > Limit - Total)
            N = Limit - Total;
        assert_int_equal(fwrite(Buffer, 1, N, Out), N);
        Total += N;
    }
    fclose(In);
    fclose(Out);
}

static int SweepStatus(const char *Image)
{
    ntsim_sweep_options Options = { .image = Image, .jobs = 2, .timeout_seconds = 10, .isolate = Isolate };
    ntsim_sweep_result *R = NULL;
    int Rc = ntsim_sweep_run(&Options, &R);
    if (R)
        ntsim_sweep_free(R);
    return Rc;
}

/* The parent keeps its image checks' pass per unchanged file: an image rebuilt at the
 * same path (truncated, then its header broken in place, same size and inode) is
 * checked again and refused. */
static void test_rebuilt_image_checked_again(void **State)
{
    (void)State;
    char Dir[] = "/tmp/ntsim-rebuilt-XXXXXX";
    assert_non_null(mkdtemp(Dir));
    char Image[64];
    snprintf(Image, sizeof(Image), "%s/serial.sys", Dir);
    CopyFile(TestDriverPath("serial.sys"), Image, (size_t)-1);
    assert_int_equal(SweepStatus(Image), 0);
    assert_int_equal(SweepStatus(Image), 0);
    CopyFile(TestDriverPath("serial.sys"), Image, 5000);
    assert_int_equal(SweepStatus(Image), NTSIM_E_LOAD);
    assert_non_null(strstr(ntsim_last_error(), "the file has 5000"));
    CopyFile(TestDriverPath("serial.sys"), Image, (size_t)-1);
    assert_int_equal(SweepStatus(Image), 0);
    FILE *F = fopen(Image, "r+b"); /* in place: same inode, same size */
    assert_non_null(F);
    assert_int_equal(fwrite("\0\0\0\0", 1, 4, F), 4);
    fclose(F);
    assert_int_not_equal(SweepStatus(Image), 0);
    unlink(Image);
    rmdir(Dir);
}

/* A sweep repeated in this process once its first, in workers, proved it: the same
 * report as the first and as a child per run, and no process forked for it. With 2 jobs
 * only a short first pass is made here (a long one is shared by workers on both CPUs:
 * synthetic_findings' 64 points); with 1 job any pass is. */
static void test_in_process_reports_equal(void **State)
{
    (void)State;
#if !defined(__linux__)
    skip(); /* image snapshots are ELF-only: sweeps fork per run there */
#endif
    static const struct {
        const char *Driver;
        int Long;
    } Drivers[] = { { "echo.sys", 0 }, { "edu.sys", 0 }, { "serial.sys", 0 },
                    { "bad_fl01_pool.sys", 0 }, { "synthetic_findings.sys", 1 } };
    Isolate = 0;
    for (size_t i = 0; i < sizeof(Drivers) / sizeof(Drivers[0]); i++) {
        const char *Driver = Drivers[i].Driver;
        unsigned long Before = NtsimSweepsInProcess;
        char *Workers = SweepJson(Driver, 2, 0, NULL);
        assert_int_equal(NtsimSweepsInProcess, Before); /* the first sweep of a file: workers */
        char *Here = SweepJson(Driver, 1, 0, NULL);
        assert_int_equal(NtsimSweepsInProcess, Before + 1);
        char *Again = SweepJson(Driver, 2, 0, NULL);
        assert_int_equal(NtsimSweepsInProcess, Before + (Drivers[i].Long ? 1 : 2));
        char *Forked = SweepJson(Driver, 2, 1, NULL);
        if (strcmp(Workers, Here) != 0 || strcmp(Here, Again) != 0 || strcmp(Here, Forked) != 0)
            fail_msg("%s: the report made in this process differs:\n%s\n----\n%s", Driver, Here,
                     strcmp(Workers, Here) != 0 ? Workers : strcmp(Here, Again) != 0 ? Again : Forked);
        free(Workers);
        free(Here);
        free(Again);
        free(Forked);
    }
    Isolate = 1;
}

/* Drivers whose runs crash, hang, exit or fault in their own code are never swept in
 * this process: every sweep of them is made in workers, and reports the same. */
static void test_unsafe_driver_stays_in_workers(void **State)
{
    (void)State;
    static const char *const Drivers[] = { "bad_sweep_outcomes.sys", "sweep_noverdict.sys" };
    Isolate = 0;
    for (size_t i = 0; i < sizeof(Drivers) / sizeof(Drivers[0]); i++) {
        unsigned long Before = NtsimSweepsInProcess;
        char *First = SweepJson(Drivers[i], 2, 0, NULL);
        char *Second = SweepJson(Drivers[i], 2, 0, NULL);
        assert_int_equal(NtsimSweepsInProcess, Before);
        assert_string_equal(First, Second);
        free(First);
        free(Second);
    }
    Isolate = 1;
}

static int SweepWith(const ntsim_sweep_options *Options)
{
    ntsim_sweep_result *R = NULL;
    int Rc = ntsim_sweep_run(Options, &R);
    if (Rc != 0)
        fail_msg("sweep of %s: %s", Options->image, ntsim_last_error());
    ntsim_sweep_free(R);
    return Rc;
}

/* The proof is for one file and one set of options: other options, a rebuilt image or
 * isolate each send the sweep to workers. */
static void test_in_process_needs_its_proof(void **State)
{
    (void)State;
#if !defined(__linux__)
    skip();
#endif
    char Dir[] = "/tmp/ntsim-proof-XXXXXX";
    assert_non_null(mkdtemp(Dir));
    char Image[64];
    snprintf(Image, sizeof(Image), "%s/serial.sys", Dir);
    CopyFile(TestDriverPath("serial.sys"), Image, (size_t)-1);
    ntsim_sweep_options Options = { .image = Image, .jobs = 2, .timeout_seconds = 10 };
    unsigned long Before = NtsimSweepsInProcess;
    SweepWith(&Options);
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 1);
    Options.only = 2; /* other runs: a proof of their own */
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 1);
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 2);
    Options.isolate = 1;
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 2);
    Options.isolate = 0;
    CopyFile(TestDriverPath("serial.sys"), Image, (size_t)-1); /* rebuilt: a new change time */
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 2);
    SweepWith(&Options);
    assert_int_equal(NtsimSweepsInProcess, Before + 3);
    unlink(Image);
    rmdir(Dir);
}

static void HostSegv(int Signal)
{
    (void)Signal;
}

/* A sweep in this process leaves the host's fault handlers as it found them. */
static void test_in_process_restores_handlers(void **State)
{
    (void)State;
#if !defined(__linux__)
    skip();
#endif
    struct sigaction Mine = { .sa_handler = HostSegv }, Old, Now;
    sigemptyset(&Mine.sa_mask);
    assert_int_equal(sigaction(SIGSEGV, &Mine, &Old), 0);
    ntsim_sweep_options Options = { .image = TestDriverPath("echo.sys"), .jobs = 2, .timeout_seconds = 10 };
    unsigned long Before = NtsimSweepsInProcess;
    SweepWith(&Options);
    SweepWith(&Options);
    SweepWith(&Options);
    assert_true(NtsimSweepsInProcess >= Before + 2);
    assert_int_equal(sigaction(SIGSEGV, NULL, &Now), 0);
    assert_ptr_equal(Now.sa_handler, HostSegv);
    sigaction(SIGSEGV, &Old, NULL);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_snapshot_restores_globals),
        cmocka_unit_test(test_many_runs_in_one_process),
        cmocka_unit_test(test_reports_equal_fork_per_run),
        cmocka_unit_test(test_worker_replaced_after_each_crash),
        cmocka_unit_test(test_crashes_then_next_run),
        cmocka_unit_test(test_helper_reports_equal),
        cmocka_unit_test(test_region_overflow_to_pipe),
        cmocka_unit_test(test_rebuilt_image_checked_again),
        cmocka_unit_test(test_in_process_reports_equal),
        cmocka_unit_test(test_unsafe_driver_stays_in_workers),
        cmocka_unit_test(test_in_process_needs_its_proof),
        cmocka_unit_test(test_in_process_restores_handlers),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
