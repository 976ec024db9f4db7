/* test_sweep.c - the systematic sweep: points, runs, determinism, JSON and JUnit
 * output, and the CLI's exit codes and one-line errors. */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_SUCCESS 0
#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)

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
    assert_int_equal(ntsim_sweep_point_at(R, 0)->outcome, 2);
    assert_int_equal(ntsim_sweep_point_at(R, 2)->outcome, 3);
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
    assert_non_null(strstr(Out, "cannot load"));
    assert_int_equal(Run("help", Out, sizeof(Out)), 0);
    assert_non_null(strstr(Out, "usage: ntsim"));
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
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
