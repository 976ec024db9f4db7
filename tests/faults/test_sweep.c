/* test_sweep.c - the systematic sweep: points, runs, determinism, JSON and JUnit
 * output, and the CLI's exit codes and one-line errors. */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <elf.h>
#endif

#define STATUS_SUCCESS 0
#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)

static char *ReadFileSize(const char *Path, size_t *Length)
{
    FILE *F = fopen(Path, "rb");
    assert_non_null(F);
    fseek(F, 0, SEEK_END);
    long Size = ftell(F);
    fseek(F, 0, SEEK_SET);
    char *Data = calloc(1, (size_t)Size + 1);
    assert_int_equal(fread(Data, 1, (size_t)Size, F), (size_t)Size);
    fclose(F);
    if (Length)
        *Length = (size_t)Size;
    return Data;
}

static char *ReadFile(const char *Path)
{
    FILE *F = fopen(Path, "rb");
    assert_non_null(F);
    fseek(F, 0, SEEK_END);
    long Size = ftell(F);
    fseek(F, 0, SEEK_SET);
    char *Text = calloc(1, (size_t)Size + 1);
    assert_int_equal(fread(Text, 1, (size_t)Size, F), (size_t)Size);
    fclose(F);
    return Text;
}

static ntsim_sweep_result *SweepEcho(unsigned Jobs)
{
    ntsim_sweep_options Options = { .image = TestDriverPath("echo.sys"), .jobs = Jobs };
    ntsim_sweep_result *Result = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &Result), 0);
    assert_non_null(Result);
    return Result;
}

static void test_echo_sweep_is_clean(void **State)
{
    (void)State;
    ntsim_sweep_result *R = SweepEcho(2);
    assert_int_equal(ntsim_sweep_point_count(R), 4);
    assert_int_equal(ntsim_sweep_runs(R), 5);
    assert_int_equal(ntsim_sweep_finding_count(R), 0);
    assert_int_equal(ntsim_sweep_point_at(R, 0)->entry_status, STATUS_SUCCESS); /* optional registry value */
    for (size_t i = 1; i < 4; i++) {
        assert_int_equal(ntsim_sweep_point_at(R, i)->entry_status, STATUS_INSUFFICIENT_RESOURCES);
        assert_int_equal(ntsim_sweep_point_at(R, i)->outcome, 0);
    }
    ntsim_sweep_free(R);
}

static void test_sweep_is_deterministic_and_json_is_complete(void **State)
{
    (void)State;
    char A[] = "/tmp/ntsim-sweep-a-XXXXXX", B[] = "/tmp/ntsim-sweep-b-XXXXXX";
    close(mkstemp(A));
    close(mkstemp(B));
    ntsim_sweep_result *R1 = SweepEcho(2), *R2 = SweepEcho(1);
    assert_int_equal(ntsim_sweep_write_json(R1, A), 0);
    assert_int_equal(ntsim_sweep_write_json(R2, B), 0);
    char *TextA = ReadFile(A), *TextB = ReadFile(B);
    assert_string_equal(TextA, TextB);
    json_error_t Error;
    json_t *Root = json_loads(TextA, 0, &Error);
    assert_non_null(Root);
    assert_int_equal(json_integer_value(json_object_get(Root, "points")), 4);
    assert_int_equal(json_integer_value(json_object_get(Root, "runs")), 5);
    assert_true(json_is_array(json_object_get(Root, "findings")));
    json_t *Points = json_object_get(Root, "injection_points");
    assert_int_equal(json_array_size(Points), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(Points, 1), "ddi")), "IoCreateDevice");
    json_decref(Root);
    free(TextA);
    free(TextB);
    assert_int_equal(ntsim_sweep_write_junit(R1, A), 0);
    char *Xml = ReadFile(A);
    assert_non_null(strstr(Xml, "<testsuite name="));
    assert_non_null(strstr(Xml, "tests=\"5\" failures=\"0\""));
    assert_non_null(strstr(Xml, "2-IoCreateDevice@echo.c:"));
    free(Xml);
    unlink(A);
    unlink(B);
    ntsim_sweep_free(R1);
    ntsim_sweep_free(R2);
}

/* A request scenario after the load: the device controls' failable calls become
 * injection points too, and echo survives each failing. */
static void test_request_scenario(void **State)
{
    (void)State;
    static const uint32_t Ioctls[] = { 0x22200A /* OUT_DIRECT */, 0x222005 /* IN_DIRECT */ };
    ntsim_sweep_options Options = { .image = TestDriverPath("echo.sys"), .jobs = 2, .ioctls = Ioctls,
                                    .ioctl_count = 2 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    assert_int_equal(ntsim_sweep_point_count(R), 6);
    assert_string_equal(ntsim_sweep_point_at(R, 4)->ddi, "MmGetSystemAddressForMdlSafe");
    assert_string_equal(ntsim_sweep_point_at(R, 5)->ddi, "MmGetSystemAddressForMdlSafe");
    assert_int_equal(ntsim_sweep_point_at(R, 4)->entry_status, STATUS_SUCCESS);
    assert_int_equal(ntsim_sweep_finding_count(R), 0);
    ntsim_sweep_free(R);
}

/* A bug check, a hang and a dead process in three runs are three findings, each
 * with its injection point; the sweep itself goes on to the end. */
static void test_bad_outcomes_are_findings(void **State)
{
    (void)State;
    ntsim_sweep_options Options = { .image = TestDriverPath("bad_sweep_outcomes.sys"), .jobs = 2, .timeout_seconds = 10 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    assert_int_equal(ntsim_sweep_point_count(R), 3);
    assert_int_equal(ntsim_sweep_runs(R), 4);
    int BugCheck = 0, Hang = 0, Crash = 0;
    for (size_t i = 0; i < ntsim_sweep_finding_count(R); i++) {
        const ntsim_sweep_finding *F = ntsim_sweep_finding_at(R, i);
        if (F->run == 1 && strcmp(F->rule, "BUGCHECK") == 0) {
            BugCheck++;
            assert_string_equal(F->ddi, "ExAllocatePoolWithTag");
            assert_non_null(strstr(F->site, "bad_sweep_outcomes.c:"));
            assert_non_null(strstr(F->message, "0x50"));
        }
        if (F->run == 2 && strcmp(F->rule, "HANG") == 0)
            Hang++;
        if (F->run == 3 && strcmp(F->rule, "CRASH") == 0) {
            Crash++;
            assert_non_null(strstr(F->message, "signal 9"));
        }
    }
    assert_int_equal(BugCheck, 1);
    assert_true(Hang >= 1);
    assert_int_equal(Crash, 1);
    assert_int_equal(ntsim_sweep_point_at(R, 0)->outcome, NTSIM_RUN_ERRORS);
    assert_int_equal(ntsim_sweep_point_at(R, 0)->bugcheck_code, 0x50);
    assert_int_equal(ntsim_sweep_point_at(R, 0)->entry_returned, 0);
    assert_int_equal(ntsim_sweep_point_at(R, 2)->outcome, NTSIM_RUN_NO_VERDICT);
    assert_int_equal(ntsim_sweep_point_at(R, 2)->entry_returned, 0); /* killed inside DriverEntry */
    assert_string_equal(ntsim_sweep_point_at(R, 2)->ended, "signal 9 (Killed)");
    /* even with addresses in the messages, a second sweep reports the same */
    ntsim_sweep_result *Again = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &Again), 0);
    char A[] = "/tmp/ntsim-out-a-XXXXXX", B[] = "/tmp/ntsim-out-b-XXXXXX";
    close(mkstemp(A));
    close(mkstemp(B));
    assert_int_equal(ntsim_sweep_write_json(R, A), 0);
    assert_int_equal(ntsim_sweep_write_json(Again, B), 0);
    char *TextA = ReadFile(A), *TextB = ReadFile(B);
    assert_string_equal(TextA, TextB);
    free(TextA);
    free(TextB);
    unlink(A);
    unlink(B);
    ntsim_sweep_free(Again);
    ntsim_sweep_free(R);
}

/* A DDI reached through a function pointer (DMA_OPERATIONS) has no site macro: its
 * injection point is named after the calling code instead. */
static void test_pointer_called_ddi_is_named(void **State)
{
    (void)State;
    ntsim_sweep_options Options = { .image = TestDriverPath("edu.sys"), .jobs = 2 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    int Found = 0;
    for (size_t i = 0; i < ntsim_sweep_point_count(R); i++) {
        const ntsim_sweep_point *P = ntsim_sweep_point_at(R, i);
        if (strcmp(P->ddi, "AllocateCommonBuffer") == 0) {
            Found++;
            assert_non_null(strstr(P->site, "edu.sys!DriverEntry+0x"));
        } else {
            assert_non_null(strstr(P->site, "edu.c:"));
        }
    }
    assert_int_equal(Found, 1);
    assert_int_equal(ntsim_sweep_error_count(R), 0);
    ntsim_sweep_free(R);
}

static void test_sweep_errors(void **State)
{
    (void)State;
    ntsim_sweep_result *R = (ntsim_sweep_result *)1;
    ntsim_sweep_options Missing = { .image = "/nonexistent/x.sys" };
    assert_int_equal(ntsim_sweep_run(&Missing, &R), NTSIM_E_IO);
    assert_null(R);
    ntsim_sweep_options Only = { .image = TestDriverPath("echo.sys"), .only = 99 };
    assert_int_equal(ntsim_sweep_run(&Only, &R), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "no injection point 99"));
}

static int Run(const char *Arguments, char *Output, size_t Size)
{
    char Command[4096];
    snprintf(Command, sizeof(Command), "'%s' %s 2>&1", NTSIM_CLI, Arguments);
    FILE *Pipe = popen(Command, "r");
    assert_non_null(Pipe);
    size_t N = fread(Output, 1, Size - 1, Pipe);
    Output[N] = 0;
    int Status = pclose(Pipe);
    return WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
}

static void test_cli_exit_codes(void **State)
{
    (void)State;
    static char Out[65536];
    char Arguments[2048];
    snprintf(Arguments, sizeof(Arguments), "load '%s'", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 0);
    assert_non_null(strstr(Out, "\\NtsimEcho  [Device]"));
    assert_non_null(strstr(Out, "\\NtsimEcho -> \\Device\\NtsimEcho"));
    assert_non_null(strstr(Out, "no findings"));
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --jobs 2", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 0);
    assert_non_null(strstr(Out, "verdict:"));
    assert_int_equal(Run("load /nonexistent.sys", Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "cannot read /nonexistent.sys"));
    assert_int_equal(Run("frobnicate", Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "unknown command 'frobnicate'"));
    snprintf(Arguments, sizeof(Arguments), "load --bogus '%s'", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "unknown option '--bogus'"));
    assert_null(strchr(strchr(Out, '\n') + 1, '\n')); /* one line */
    assert_int_equal(Run("faults", Out, sizeof(Out)), 2);
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --jobs zero", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2);
    assert_int_equal(Run("load /etc/hostname", Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "not a driver image"));
    assert_int_equal(Run("help", Out, sizeof(Out)), 0);
    assert_non_null(strstr(Out, "usage: ntsim"));
    assert_int_equal(Run("", Out, sizeof(Out)), 2); /* no command: usage, and a usage error */
    assert_non_null(strstr(Out, "usage: ntsim"));
}

/* Warnings and errors against --fail-on, the same for load and faults. bad_fl06_nolog
 * has a warning only (FL-06), bad_fl01_pool an error. */
static void test_fail_on_agrees_across_commands(void **State)
{
    (void)State;
    static char Out[65536];
    char Arguments[2048];
    static const struct { const char *Command, *Driver, *FailOn; int Exit; } Cases[] = {
        { "load", "bad_fl06_nolog.sys", "", 0 },         { "faults", "bad_fl06_nolog.sys", "", 0 },
        { "load", "bad_fl06_nolog.sys", "warning", 1 },  { "faults", "bad_fl06_nolog.sys", "warning", 1 },
        { "load", "bad_fl06_nolog.sys", "error", 0 },    { "faults", "bad_fl06_nolog.sys", "error", 0 },
        { "load", "bad_fl01_pool.sys", "", 1 },          { "faults", "bad_fl01_pool.sys", "", 1 },
        { "load", "bad_fl01_pool.sys", "never", 0 },     { "faults", "bad_fl01_pool.sys", "never", 0 },
        { "load", "bad_fl01_pool.sys", "info", 1 },      { "faults", "echo.sys", "info", 0 },
    };
    for (size_t i = 0; i < sizeof(Cases) / sizeof(Cases[0]); i++) {
        snprintf(Arguments, sizeof(Arguments), "%s '%s' --jobs 2 %s%s", Cases[i].Command, TestDriverPath(Cases[i].Driver),
                 Cases[i].FailOn[0] ? "--fail-on " : "", Cases[i].FailOn);
        if (strcmp(Cases[i].Command, "load") == 0) /* load has no --jobs */
            snprintf(Arguments, sizeof(Arguments), "load '%s' %s%s", TestDriverPath(Cases[i].Driver),
                     Cases[i].FailOn[0] ? "--fail-on " : "", Cases[i].FailOn);
        int Exit = Run(Arguments, Out, sizeof(Out));
        if (Exit != Cases[i].Exit)
            fail_msg("ntsim %s: exit %d, expected %d\n%s", Arguments, Exit, Cases[i].Exit, Out);
    }
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --fail-on warnings", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "--fail-on takes error, warning, info or never, not 'warnings'"));
}

/* Truncated, empty and foreign files are refused before anything maps them (before
 * any fork in a sweep), with exit status 2 and what is wrong. */
static void test_corrupt_images_are_load_errors(void **State)
{
    (void)State;
    char Truncated[] = "/tmp/ntsim-trunc-XXXXXX", Empty[] = "/tmp/ntsim-empty-XXXXXX";
    int Fd = mkstemp(Truncated);
    char *Image = ReadFileSize(TestDriverPath("echo.sys"), NULL);
    assert_int_equal(write(Fd, Image, 6000), 6000); /* headers intact, segments cut */
    close(Fd);
    free(Image);
    close(mkstemp(Empty));
    static char Out[65536];
    char Arguments[2048];
    const char *Commands[] = { "load", "faults", "run" };
    for (int c = 0; c < 3; c++) {
        snprintf(Arguments, sizeof(Arguments), "%s '%s'", Commands[c], Truncated);
        if (Run(Arguments, Out, sizeof(Out)) != 2 || strstr(Out, "truncated or corrupt image") == NULL)
            fail_msg("ntsim %s: %s", Arguments, Out);
        snprintf(Arguments, sizeof(Arguments), "%s '%s'", Commands[c], Empty);
        if (Run(Arguments, Out, sizeof(Out)) != 2 || strstr(Out, "not a driver image") == NULL)
            fail_msg("ntsim %s: %s", Arguments, Out);
    }
    ntsim_sweep_options Options = { .image = Truncated };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), NTSIM_E_LOAD);
    assert_null(R);
    assert_non_null(strstr(ntsim_last_error(), "segment"));
    unlink(Truncated);
    unlink(Empty);
}

/* An image whose headers are sound but whose symbol hash table sends the dynamic
 * loader out of bounds: every command calls it a corrupt image (exit 2), not a bug
 * check in driver code, and nothing crashes. */
static void test_loader_crash_is_load_error(void **State)
{
    (void)State;
#if defined(__linux__)
    size_t Size;
    unsigned char *Image = (unsigned char *)ReadFileSize(TestDriverPath("echo.sys"), &Size);
    const Elf64_Ehdr *Header = (const Elf64_Ehdr *)Image;
    const Elf64_Shdr *Sections = (const Elf64_Shdr *)(Image + Header->e_shoff);
    const char *Names = (const char *)Image + Sections[Header->e_shstrndx].sh_offset;
    int Found = 0;
    for (unsigned i = 0; i < Header->e_shnum; i++) {
        if (strcmp(Names + Sections[i].sh_name, ".gnu.hash") != 0)
            continue;
        uint32_t *Hash = (uint32_t *)(Image + Sections[i].sh_offset); /* nbuckets, symoffset, bloom words, shift */
        uint64_t *Bloom = (uint64_t *)(Hash + 4);
        uint32_t *Buckets = (uint32_t *)(Bloom + Hash[2]);
        for (uint32_t b = 0; b < Hash[2]; b++)
            Bloom[b] = ~0ull; /* every lookup reaches the buckets */
        for (uint32_t b = 0; b < Hash[0]; b++)
            Buckets[b] = 0x7FFFFFF0u; /* a symbol index far outside the table */
        Found = 1;
    }
    if (!Found) {
        free(Image);
        skip(); /* linked with another hash style */
    }
    char Path[] = "/tmp/ntsim-badhash-XXXXXX";
    int Fd = mkstemp(Path);
    assert_int_equal(write(Fd, Image, Size), (ssize_t)Size);
    close(Fd);
    free(Image);
    static char Out[65536];
    char Arguments[2048];
    const char *Commands[] = { "load", "faults", "run" };
    for (int c = 0; c < 3; c++) {
        snprintf(Arguments, sizeof(Arguments), "%s '%s'", Commands[c], Path);
        if (Run(Arguments, Out, sizeof(Out)) != 2 || strstr(Out, "the dynamic loader could not map it") == NULL)
            fail_msg("ntsim %s: %s", Arguments, Out);
    }
    unlink(Path);
#else
    skip();
#endif
}

/* exit(0), _exit(0), abort(), SIGKILL and a wrecked host heap: each run is a finding
 * naming its injection point, none is clean, and none shows a DriverEntry status. */
static void test_runs_without_verdict_are_findings(void **State)
{
    (void)State;
    ntsim_sweep_options Options = { .image = TestDriverPath("sweep_noverdict.sys"), .jobs = 2 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    assert_int_equal(ntsim_sweep_point_count(R), 6);
    static const char *const Ends[] = { "exit status 0", "exit status 0", "signal 6", "signal 9", NULL };
    for (unsigned long Run = 1; Run <= 5; Run++) {
        const ntsim_sweep_point *P = ntsim_sweep_point_at(R, Run - 1);
        assert_int_equal(P->outcome, NTSIM_RUN_NO_VERDICT);
        assert_int_equal(P->entry_returned, 0);
        int Found = 0;
        for (size_t i = 0; i < ntsim_sweep_finding_count(R); i++) {
            const ntsim_sweep_finding *F = ntsim_sweep_finding_at(R, i);
            if (F->run != Run)
                continue;
            Found++;
            assert_string_equal(F->rule, "CRASH");
            assert_int_equal(F->severity, NTSIM_SEV_ERROR);
            assert_string_equal(F->ddi, "ExAllocatePoolWithTag");
            assert_non_null(strstr(F->site, "sweep_noverdict.c:"));
            assert_non_null(strstr(F->message, "run ended without a verdict: "));
            assert_non_null(strstr(F->message, "while DriverEntry ran"));
            /* the double free: the C library aborts, ASan exits 1 */
            if (Ends[Run - 1] && strstr(F->message, Ends[Run - 1]) == NULL)
                fail_msg("run %lu: %s", Run, F->message);
        }
        assert_int_equal(Found, 1);
    }
    assert_int_equal(ntsim_sweep_point_at(R, 5)->outcome, NTSIM_RUN_CLEAN);
    assert_int_equal(ntsim_sweep_point_at(R, 5)->entry_returned, 1);
    assert_int_equal(ntsim_sweep_error_count(R), 5);
    assert_true(ntsim_sweep_failed(R));
    assert_string_equal(ntsim_sweep_verdict(R), "failed");
    ntsim_sweep_free(R);
}

/* --only N runs the baseline and point N: the table shows that run and no other. */
static void test_only_prints_what_ran(void **State)
{
    (void)State;
    ntsim_sweep_options Options = { .image = TestDriverPath("echo.sys"), .only = 3 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    assert_int_equal(ntsim_sweep_runs(R), 2);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(ntsim_sweep_point_at(R, i)->ran, i == 2);
    assert_true(ntsim_sweep_baseline_run(R)->ran);
    ntsim_sweep_free(R);
    static char Out[65536];
    char Arguments[2048];
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --only 3", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 0);
    int Rows = 0; /* a row per run made: none for the runs --only skipped */
    for (const char *P = Out; (P = strstr(P, "  clean\n")) != NULL; P++)
        Rows++;
    assert_int_equal(Rows, 1);
    assert_non_null(strstr(Out, "    3  ExAllocatePool2"));
    assert_null(strstr(Out, "    1  "));
    assert_null(strstr(Out, "    2  "));
    assert_null(strstr(Out, "    4  "));
    assert_non_null(strstr(Out, "the runs made are clean"));
}

/* JSON on standard output: schema version, verdict, one result per run with its
 * outcome and bug check; parameters are values or image offsets, never "0x?". */
static void test_json_results(void **State)
{
    (void)State;
    char Command[2048];
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --json - --timeout 10 2>/dev/null", NTSIM_CLI,
             TestDriverPath("bad_sweep_outcomes.sys"));
    FILE *Pipe = popen(Command, "r");
    assert_non_null(Pipe);
    json_error_t Error;
    json_t *Root = json_loadf(Pipe, 0, &Error);
    int Status = pclose(Pipe);
    if (Root == NULL)
        fail_msg("not JSON on stdout: %s (line %d)", Error.text, Error.line);
    assert_int_equal(WEXITSTATUS(Status), 1);
    assert_int_equal(json_integer_value(json_object_get(Root, "schema_version")), NTSIM_SWEEP_JSON_SCHEMA);
    assert_string_equal(json_string_value(json_object_get(Root, "verdict")), "failed");
    assert_string_equal(json_string_value(json_object_get(Root, "driver")), "bad_sweep_outcomes");
    json_t *Results = json_object_get(Root, "results");
    assert_int_equal(json_array_size(Results), 4);
    json_t *Baseline = json_array_get(Results, 0), *BugCheck = json_array_get(Results, 1);
    json_t *Killed = json_array_get(Results, 3);
    assert_true(json_is_null(json_object_get(Baseline, "injected")));
    assert_string_equal(json_string_value(json_object_get(Baseline, "entry_status")), "STATUS_SUCCESS");
    assert_string_equal(json_string_value(json_object_get(BugCheck, "outcome")), "bugcheck");
    assert_true(json_is_null(json_object_get(BugCheck, "entry_status")));
    json_t *Check = json_object_get(BugCheck, "bugcheck");
    assert_string_equal(json_string_value(json_object_get(Check, "code")), "0x50");
    assert_string_equal(json_string_value(json_object_get(Check, "name")), "PAGE_FAULT_IN_NONPAGED_AREA");
    json_t *Parameters = json_object_get(Check, "parameters");
    assert_int_equal(json_array_size(Parameters), 4);
    assert_string_equal(json_string_value(json_array_get(Parameters, 0)), "0x0");
    assert_non_null(strstr(json_string_value(json_array_get(Parameters, 2)), "bad_sweep_outcomes.sys+0x"));
    assert_string_equal(json_string_value(json_object_get(Killed, "outcome")), "no-verdict");
    assert_true(json_is_null(json_object_get(Killed, "entry_status")));
    assert_string_equal(json_string_value(json_object_get(Killed, "ended")), "signal 9 (Killed)");
    json_t *Findings = json_object_get(Root, "findings");
    for (size_t i = 0; i < json_array_size(Findings); i++) {
        const char *Message = json_string_value(json_object_get(json_array_get(Findings, i), "message"));
        if (strncmp(Message, "bug check ", 10) == 0) {
            const char *Open = strchr(Message, '('), *Close = strchr(Message, ')');
            assert_true(Open && Close && Close > Open);
            for (const char *P = Open; P < Close - 2; P++)
                assert_false(P[0] == '0' && P[1] == 'x' && P[2] == '?');
        }
    }
    json_decref(Root);
}

/* JUnit: a testcase per run with its time, a failure per error finding, warnings
 * counted, a classname per driver. */
static void test_junit_per_run(void **State)
{
    (void)State;
    char Path[] = "/tmp/ntsim-junit-XXXXXX";
    close(mkstemp(Path));
    ntsim_sweep_options Options = { .image = TestDriverPath("bad_sweep_outcomes.sys"), .jobs = 2, .timeout_seconds = 10 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
    assert_int_equal(ntsim_sweep_write_junit(R, Path), 0);
    char *Xml = ReadFile(Path);
    size_t Cases = 0, Failures = 0;
    for (const char *P = Xml; (P = strstr(P, "<testcase ")) != NULL; P++)
        Cases++;
    for (const char *P = Xml; (P = strstr(P, "<failure ")) != NULL; P++)
        Failures++;
    assert_int_equal(Cases, ntsim_sweep_runs(R));
    assert_int_equal(Failures, ntsim_sweep_error_count(R));
    char Header[128];
    snprintf(Header, sizeof(Header), "tests=\"4\" failures=\"%zu\" errors=\"0\" warnings=\"1\"", ntsim_sweep_error_count(R));
    assert_non_null(strstr(Xml, Header));
    assert_non_null(strstr(Xml, "classname=\"ntsim.faults.bad_sweep_outcomes\" name=\"0-baseline\" time=\""));
    assert_non_null(strstr(Xml, "<system-out>warning DE-03: ")); /* below --fail-on: shown, not failed */
    free(Xml);
    unlink(Path);
    ntsim_sweep_free(R);
    /* "-" is standard output, the table goes to standard error, and no file "-" appears */
    char Directory[] = "/tmp/ntsim-junit-dir-XXXXXX", Dash[64], Command[2048];
    assert_non_null(mkdtemp(Directory));
    snprintf(Dash, sizeof(Dash), "%s/-", Directory);
    snprintf(Command, sizeof(Command), "cd '%s' && '%s' faults '%s' --junit - 2>/dev/null", Directory, NTSIM_CLI,
             TestDriverPath("echo.sys"));
    FILE *Pipe = popen(Command, "r");
    assert_non_null(Pipe);
    static char Out[65536];
    size_t N = fread(Out, 1, sizeof(Out) - 1, Pipe);
    Out[N] = 0;
    assert_int_equal(WEXITSTATUS(pclose(Pipe)), 0);
    assert_true(strncmp(Out, "<?xml", 5) == 0);
    assert_non_null(strstr(Out, "classname=\"ntsim.faults.echo\" name=\"4-IoCreateSymbolicLink@echo.c:"));
    assert_null(strstr(Out, "verdict:"));
    assert_int_equal(access(Dash, F_OK), -1);
    assert_int_equal(rmdir(Directory), 0);
}

/* --reg may be repeated: every file is imported, in order. --vcd that cannot be
 * written is an error. */
static void test_reg_files_and_vcd(void **State)
{
    (void)State;
    static char Out[65536];
    char Arguments[4096];
    const char *Good = NTSIM_SOURCE_DIR "/tests/faults/sweep_regcheck.reg";
    const char *Broken = NTSIM_SOURCE_DIR "/tests/faults/broken.reg";
    snprintf(Arguments, sizeof(Arguments), "load '%s'", TestDriverPath("sweep_regcheck.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 1); /* bug check without its configuration */
    snprintf(Arguments, sizeof(Arguments), "load '%s' --reg '%s'", TestDriverPath("sweep_regcheck.sys"), Good);
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 0);
    snprintf(Arguments, sizeof(Arguments), "load '%s' --reg '%s' --reg '%s'", TestDriverPath("sweep_regcheck.sys"),
             Broken, Good);
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2); /* the first file counts too */
    assert_non_null(strstr(Out, "broken.reg:"));
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --reg '%s' --reg '%s'", TestDriverPath("sweep_regcheck.sys"),
             Good, Good);
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 0);
    snprintf(Arguments, sizeof(Arguments), "run '%s' --reg '%s' --reg '%s' --for 1ms", TestDriverPath("sweep_regcheck.sys"),
             Broken, Good);
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2);
    snprintf(Arguments, sizeof(Arguments), "run '%s' --vcd /nonexistent-dir/x.vcd --for 1ms", TestDriverPath("echo.sys"));
    assert_int_equal(Run(Arguments, Out, sizeof(Out)), 2);
    assert_non_null(strstr(Out, "cannot write the VCD file /nonexistent-dir/x.vcd"));
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_echo_sweep_is_clean),
        cmocka_unit_test(test_sweep_is_deterministic_and_json_is_complete),
        cmocka_unit_test(test_request_scenario),
        cmocka_unit_test(test_bad_outcomes_are_findings),
        cmocka_unit_test(test_pointer_called_ddi_is_named),
        cmocka_unit_test(test_sweep_errors),
        cmocka_unit_test(test_cli_exit_codes),
        cmocka_unit_test(test_fail_on_agrees_across_commands),
        cmocka_unit_test(test_corrupt_images_are_load_errors),
        cmocka_unit_test(test_loader_crash_is_load_error),
        cmocka_unit_test(test_runs_without_verdict_are_findings),
        cmocka_unit_test(test_only_prints_what_ran),
        cmocka_unit_test(test_json_results),
        cmocka_unit_test(test_junit_per_run),
        cmocka_unit_test(test_reg_files_and_vcd),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
