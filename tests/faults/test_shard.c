/* test_shard.c - a sweep split into shards (run k goes to shard k % n) and merged gives
 * the report of the unsharded sweep: a 2000-point synthetic driver through the API,
 * and the CLI's --shard, TEST_TOTAL_SHARDS/TEST_SHARD_INDEX (with the status file
 * Bazel asks for) and --merge on echo.sys. */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)
/* 2000 points: run k makes k failable calls, 2 million a sweep. Under the sanitizers
 * (a Debug build, every call several times dearer) that takes minutes, so there the
 * same checks run on the 65-point build of the same driver. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NTSIM_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define NTSIM_TEST_SANITIZED 1
#endif
#endif
#ifdef NTSIM_TEST_SANITIZED
#define POINTS 65
#define IMAGE "synthetic_65.sys"
#define LAST_DDI "ExAllocatePoolZero" /* the cycle's fourth line: (65 - 2) % 4 == 3 */
#else
#define POINTS 2000
#define IMAGE "synthetic_2000.sys"
#define LAST_DDI "IoAllocateMdl" /* the cycle's third line: (2000 - 2) % 4 == 2 */
#endif
#define SHARDS 4

static char *ReadText(const char *Path)
{
    FILE *F = fopen(Path, "rb");
    if (F == NULL)
        fail_msg("cannot read %s", Path);
    fseek(F, 0, SEEK_END);
    long Size = ftell(F);
    fseek(F, 0, SEEK_SET);
    char *Text = calloc(1, (size_t)Size + 1);
    assert_int_equal(fread(Text, 1, (size_t)Size, F), (size_t)Size);
    fclose(F);
    return Text;
}

static void TempPath(char *Path, size_t Size, const char *Name)
{
    snprintf(Path, Size, "/tmp/ntsim-shard-%ld-%s", (long)getpid(), Name);
}

static char *JsonOf(const ntsim_sweep_result *R, const char *Name)
{
    char Path[256];
    TempPath(Path, sizeof(Path), Name);
    assert_int_equal(ntsim_sweep_write_json(R, Path), 0);
    char *Text = ReadText(Path);
    unlink(Path);
    return Text;
}

/* POINTS points: the whole sweep is exact (points, runs, statuses), and 4 shards, each
 * with runs k % 4 == i, merge into the same report, text for text. */
static void test_2000_points_sharded_and_merged(void **State)
{
    (void)State;
    ntsim_sweep_options Options = { .image = TestDriverPath(IMAGE), .jobs = 2 };
    ntsim_sweep_result *Whole = NULL;
    if (ntsim_sweep_run(&Options, &Whole) != 0)
        fail_msg("unsharded sweep: %s", ntsim_last_error());
    assert_int_equal(ntsim_sweep_point_count(Whole), POINTS);
    assert_int_equal(ntsim_sweep_runs(Whole), POINTS + 1);
    assert_int_equal(ntsim_sweep_finding_count(Whole), 0);
    assert_string_equal(ntsim_sweep_point_at(Whole, 0)->ddi, "IoCreateDevice");
    assert_string_equal(ntsim_sweep_point_at(Whole, POINTS - 1)->ddi, LAST_DDI);
    for (size_t i = 0; i < POINTS; i++)
        assert_int_equal(ntsim_sweep_point_at(Whole, i)->entry_status, STATUS_INSUFFICIENT_RESOURCES);
    char *Expected = JsonOf(Whole, "whole.json");
    ntsim_sweep_free(Whole);

    char Paths[SHARDS][256];
    const char *List[SHARDS];
    unsigned long Runs = 0;
    for (unsigned i = 0; i < SHARDS; i++) {
        ntsim_sweep_options Shard = Options;
        Shard.shard_index = i;
        Shard.shard_count = SHARDS;
        ntsim_sweep_result *R = NULL;
        if (ntsim_sweep_run(&Shard, &R) != 0)
            fail_msg("shard %u: %s", i, ntsim_last_error());
        /* run k in shard k % 4; the baseline (run 0) in shard 0 */
        for (size_t k = 1; k <= POINTS; k++)
            assert_int_equal(ntsim_sweep_point_at(R, k - 1)->ran, k % SHARDS == i);
        assert_int_equal(ntsim_sweep_baseline_run(R)->ran, i == 0);
        Runs += ntsim_sweep_runs(R);
        char Name[32];
        snprintf(Name, sizeof(Name), "shard%u.json", i);
        TempPath(Paths[i], sizeof(Paths[i]), Name);
        assert_int_equal(ntsim_sweep_write_json(R, Paths[i]), 0);
        List[SHARDS - 1 - i] = Paths[i]; /* merged in any order */
        ntsim_sweep_free(R);
    }
    assert_int_equal(Runs, POINTS + 1);
    ntsim_sweep_result *Merged = NULL;
    if (ntsim_sweep_merge(List, SHARDS, NTSIM_FAIL_ON_ERROR, &Merged) != 0)
        fail_msg("merge: %s", ntsim_last_error());
    char *Actual = JsonOf(Merged, "merged.json");
    assert_string_equal(Actual, Expected);
    ntsim_sweep_free(Merged);
    /* a shard missing, or given twice, is refused by name */
    assert_int_equal(ntsim_sweep_merge(List, SHARDS - 1, NTSIM_FAIL_ON_ERROR, &Merged), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "is missing"));
    const char *Twice[2] = { Paths[1], Paths[1] };
    assert_int_equal(ntsim_sweep_merge(Twice, 2, NTSIM_FAIL_ON_ERROR, &Merged), NTSIM_E_ARGS);
    for (unsigned i = 0; i < SHARDS; i++)
        unlink(Paths[i]);
    free(Actual);
    free(Expected);
}

static int Run(const char *Command)
{
    int Status = system(Command);
    return WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
}

/* The CLI: --shard I/N and the environment's shards, the status file touched, and
 * --merge writing the unsharded JSON and JUnit. A bad --shard is a usage error. */
static void test_cli_shards_and_merge(void **State)
{
    (void)State;
    const char *Image = TestDriverPath("echo.sys");
    char Whole[256], A[256], B[256], Merged[256], Junit[256], Status[256], Command[2048];
    TempPath(Whole, sizeof(Whole), "cli-whole.json");
    TempPath(A, sizeof(A), "cli-a.json");
    TempPath(B, sizeof(B), "cli-b.json");
    TempPath(Merged, sizeof(Merged), "cli-merged.json");
    TempPath(Junit, sizeof(Junit), "cli-merged.xml");
    TempPath(Status, sizeof(Status), "cli-status");
    unlink(Status);
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --json '%s' >/dev/null", NTSIM_CLI, Image, Whole);
    assert_int_equal(Run(Command), 0);
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --shard 0/2 --json '%s' >/dev/null", NTSIM_CLI, Image, A);
    assert_int_equal(Run(Command), 0);
    snprintf(Command, sizeof(Command),
             "TEST_TOTAL_SHARDS=2 TEST_SHARD_INDEX=1 TEST_SHARD_STATUS_FILE='%s' '%s' faults '%s' --json '%s' >/dev/null",
             Status, NTSIM_CLI, Image, B);
    assert_int_equal(Run(Command), 0);
    struct stat Info;
    assert_int_equal(stat(Status, &Info), 0); /* Bazel: "this test shards" */
    char *Shard1 = ReadText(B);
    assert_non_null(strstr(Shard1, "\"shard\": {\n    \"index\": 1,\n    \"count\": 2\n  }"));
    free(Shard1);
    snprintf(Command, sizeof(Command), "'%s' faults --merge '%s' '%s' --json '%s' --junit '%s' >/dev/null", NTSIM_CLI,
             B, A, Merged, Junit);
    assert_int_equal(Run(Command), 0);
    char *Expected = ReadText(Whole), *Actual = ReadText(Merged), *Xml = ReadText(Junit);
    assert_string_equal(Actual, Expected);
    assert_non_null(strstr(Xml, "tests=\"5\" failures=\"0\""));
    free(Expected);
    free(Actual);
    free(Xml);
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --shard 2/2 2>/dev/null", NTSIM_CLI, Image);
    assert_int_equal(Run(Command), 2);
    snprintf(Command, sizeof(Command), "'%s' faults --merge '%s' 2>/dev/null", NTSIM_CLI, A);
    assert_int_equal(Run(Command), 2); /* shard 1 of 2 missing */
    unlink(Whole);
    unlink(A);
    unlink(B);
    unlink(Merged);
    unlink(Junit);
    unlink(Status);
}

int main(void)
{
    /* 2000 points make 2 million failable calls per sweep (run k makes k of them):
     * special pool's page per allocation would take most of a minute, and nothing
     * here is about pool overruns. Sweep children inherit the setting. */
    setenv("NTSIM_SPECIAL_POOL", "0", 1);
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_2000_points_sharded_and_merged),
        cmocka_unit_test(test_cli_shards_and_merge),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
