/* cli.c - `ntsim load --trace` and `ntsim faults --trace` write a valid trace: the
 * same Chrome trace-event checks as the run trace (chrome_check.h). faults traces the
 * baseline, or the run --only N names; the trace options are refused when they make
 * no sense (a filter without a file, an unknown category). */
#include <sys/wait.h>
#include <unistd.h>

#include "ntsim_test.h"
#include "chrome_check.h"

static char TracePath[256], OutPath[256];

/* Runs the ntsim CLI with Arguments; its exit status (output kept in OutPath). */
static int Cli(const char *Arguments)
{
    char Command[4096];
    snprintf(Command, sizeof(Command), "'%s' %s > '%s' 2>&1", NTSIM_CLI, Arguments, OutPath);
    int Status = system(Command);
    assert_true(WIFEXITED(Status));
    return WEXITSTATUS(Status);
}

static char *CliOutput(void)
{
    static char Text[1 << 16];
    FILE *File = fopen(OutPath, "r");
    assert_non_null(File);
    size_t Length = fread(Text, 1, sizeof(Text) - 1, File);
    fclose(File);
    Text[Length] = 0;
    return Text;
}

static void test_load_trace(void **state)
{
    (void)state;
    char Arguments[1536]; /* a driver path (up to 1023) and the trace path */
    remove(TracePath);
    snprintf(Arguments, sizeof(Arguments), "load '%s' --trace '%s' --trace-ports", TestDriverPath("serial.sys"),
             TracePath);
    assert_int_equal(Cli(Arguments), 0);
    json_t *Root = LoadTrace(TracePath);
    TRACE_STATS S = CheckChromeTrace(Root);
    assert_true(S.IrqlCounters >= 2);  /* spin locks in DriverEntry */
    assert_true(S.PortAccesses >= 5);  /* serial.sys probes its UART */
    json_decref(Root);
}

static void test_faults_traces_the_baseline(void **state)
{
    (void)state;
    char Arguments[1536]; /* a driver path (up to 1023) and the trace path */
    remove(TracePath);
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --scenario --jobs 1 --trace '%s'", TestDriverPath("echo.sys"),
             TracePath);
    assert_int_equal(Cli(Arguments), 0);
    json_t *Root = LoadTrace(TracePath);
    TRACE_STATS S = CheckChromeTrace(Root);
    assert_true(S.Dispatches >= 4);    /* the scenario: create, write, read, close */
    assert_int_equal(S.FlowStarts, S.FlowEnds);
    assert_true(S.DeviceSlices >= 4);
    json_decref(Root);
}

static void test_faults_traces_run_n(void **state)
{
    (void)state;
    char Arguments[1536]; /* a driver path (up to 1023) and the trace path */
    remove(TracePath);
    /* run 4 fails IoCreateSymbolicLink: DriverEntry deletes its device and returns */
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --scenario --only 4 --trace '%s' --trace-filter irp,finding",
             TestDriverPath("echo.sys"), TracePath);
    assert_int_equal(Cli(Arguments), 0);
    json_t *Root = LoadTrace(TracePath);
    TRACE_STATS S = CheckChromeTrace(Root);
    assert_int_equal(S.Dispatches, 0); /* no device: the scenario sends nothing */
    assert_int_equal(S.Faults, 1);     /* where the failure path starts */
    json_decref(Root);
    /* the text view names the failing call */
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --scenario --only 4 --trace -", TestDriverPath("echo.sys"));
    assert_int_equal(Cli(Arguments), 0);
    assert_non_null(strstr(CliOutput(), "FAULT echo: injection point 4: IoCreateSymbolicLink at "));
}

static void test_trace_options_refused(void **state)
{
    (void)state;
    char Arguments[1536]; /* a driver path (up to 1023) and the trace path */
    snprintf(Arguments, sizeof(Arguments), "load '%s' --trace-filter irp", TestDriverPath("serial.sys"));
    assert_int_equal(Cli(Arguments), 2);
    assert_non_null(strstr(CliOutput(), "need --trace FILE"));
    snprintf(Arguments, sizeof(Arguments), "faults '%s' --trace '%s' --trace-filter irp,nothing",
             TestDriverPath("echo.sys"), TracePath);
    assert_int_equal(Cli(Arguments), 2);
    assert_non_null(strstr(CliOutput(), "unknown category 'nothing'"));
    snprintf(Arguments, sizeof(Arguments), "run '%s' --gtkw x.gtkw", TestDriverPath("serial.sys"));
    assert_int_equal(Cli(Arguments), 2);
    assert_non_null(strstr(CliOutput(), "--gtkw needs --vcd"));
}

int main(void)
{
    const char *Tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(TracePath, sizeof(TracePath), "%s/ntsim-clitrace-%d.json", Tmp, (int)getpid());
    snprintf(OutPath, sizeof(OutPath), "%s/ntsim-clitrace-%d.out", Tmp, (int)getpid());
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_load_trace),
        cmocka_unit_test(test_faults_traces_the_baseline),
        cmocka_unit_test(test_faults_traces_run_n),
        cmocka_unit_test(test_trace_options_refused),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    remove(TracePath);
    remove(OutPath);
    return Failed;
}
