/* test_second_order.c - the second-order pass: a bug in cleanup code (sweep_cleanup.c:
 * the note allocated after IoCreateDevice failed is written unchecked) is invisible to
 * a sweep failing one call per run and found when the pass also fails the calls each
 * failure path makes, within its bound, and reported as such. */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#include <jansson.h>
#include <sys/wait.h>
#include <unistd.h>

static char NoteSite[64], LogSite[64], DeviceSite[64];

static void FindSite(const char *Mark, char *Site, size_t Size)
{
    FILE *F = fopen(NTSIM_SOURCE_DIR "/tests/faults/sweep_cleanup.c", "r");
    assert_non_null(F);
    char Line[512], Needle[128];
    snprintf(Needle, sizeof(Needle), "LINE_MARK: %s ", Mark);
    for (int Number = 1; fgets(Line, sizeof(Line), F); Number++)
        if (strstr(Line, Needle)) {
            snprintf(Site, Size, "sweep_cleanup.c:%d", Number);
            fclose(F);
            return;
        }
    fclose(F);
    fail_msg("no LINE_MARK %s", Mark);
}

static int Setup(void **State)
{
    (void)State;
    FindSite("note", NoteSite, sizeof(NoteSite));
    FindSite("log", LogSite, sizeof(LogSite));
    FindSite("device", DeviceSite, sizeof(DeviceSite));
    return 0;
}

static ntsim_sweep_result *Sweep(unsigned SecondOrder, int ForkPerRun)
{
    ntsim_sweep_options Options = { .image = TestDriverPath("sweep_cleanup.sys"), .jobs = 2,
                                    .second_order = SecondOrder, .fork_per_run = ForkPerRun };
    ntsim_sweep_result *R = NULL;
    if (ntsim_sweep_run(&Options, &R) != 0)
        fail_msg("sweep: %s", ntsim_last_error());
    return R;
}

/* One fault per run: two points, both failure paths clean. */
static void test_first_order_misses_the_bug(void **State)
{
    (void)State;
    ntsim_sweep_result *R = Sweep(0, 0);
    assert_int_equal(ntsim_sweep_point_count(R), 2);
    assert_string_equal(ntsim_sweep_point_at(R, 1)->site, DeviceSite);
    assert_int_equal(ntsim_sweep_error_count(R), 0);
    assert_int_equal(ntsim_sweep_second_order_count(R), 0);
    assert_int_equal(ntsim_sweep_second_order_candidates(R), 0);
    ntsim_sweep_free(R);
}

/* Second order: run 1's failure path logs (1 call); run 2's allocates the note and logs
 * (2 calls). Failing the note after the device is a bug check at the unchecked write. */
static void test_second_order_finds_the_cleanup_bug(void **State)
{
    (void)State;
    for (int ForkPerRun = 0; ForkPerRun <= 1; ForkPerRun++) {
        ntsim_sweep_result *R = Sweep(8, ForkPerRun);
        assert_int_equal(ntsim_sweep_second_order_candidates(R), 3);
        assert_int_equal(ntsim_sweep_second_order_count(R), 3);
        assert_int_equal(ntsim_sweep_runs(R), 1 + 2 + 3);
        const ntsim_sweep_point *Note = NULL;
        for (size_t i = 0; i < ntsim_sweep_second_order_count(R); i++) {
            const ntsim_sweep_point *P = ntsim_sweep_second_order_at(R, i);
            if (strcmp(P->then_site, NoteSite) == 0)
                Note = P;
            else
                assert_string_equal(P->then_site, LogSite);
        }
        assert_non_null(Note);
        assert_int_equal(Note->index, 2);          /* IoCreateDevice failed first */
        assert_int_equal(Note->then, 3);           /* then the third failable call of that run */
        assert_string_equal(Note->then_ddi, "ExAllocatePoolWithTag");
        assert_int_equal(Note->bugcheck_code, 0x50);
        size_t Errors = 0;
        for (size_t i = 0; i < ntsim_sweep_finding_count(R); i++) {
            const ntsim_sweep_finding *F = ntsim_sweep_finding_at(R, i);
            if (F->severity != NTSIM_SEV_ERROR)
                continue;
            Errors++;
            assert_string_equal(F->rule, "BUGCHECK");
            assert_int_equal(F->run, 2);
            assert_int_equal(F->then, 3);
        }
        assert_int_equal(Errors, 1);
        ntsim_sweep_free(R);
    }
}

/* The bound is per first-order run: --second-order=1 makes one second-order run for
 * each run whose failure path made calls (runs 1 and 2), and still counts all three. */
static void test_bound_per_run(void **State)
{
    (void)State;
    ntsim_sweep_result *R = Sweep(1, 0);
    assert_int_equal(ntsim_sweep_second_order_candidates(R), 3);
    assert_int_equal(ntsim_sweep_second_order_count(R), 2);
    assert_int_equal(ntsim_sweep_second_order_at(R, 0)->index, 1);
    assert_int_equal(ntsim_sweep_second_order_at(R, 1)->index, 2);
    assert_string_equal(ntsim_sweep_second_order_at(R, 1)->then_site, NoteSite); /* the first call after the failure */
    ntsim_sweep_free(R);
}

static char *JsonText(const ntsim_sweep_result *R, const char *Name)
{
    char Path[256];
    snprintf(Path, sizeof(Path), "/tmp/ntsim-second-%ld-%s", (long)getpid(), Name);
    assert_int_equal(ntsim_sweep_write_json(R, Path), 0);
    FILE *F = fopen(Path, "rb");
    assert_non_null(F);
    char *Text = calloc(1, 1 << 16);
    size_t N = fread(Text, 1, (1 << 16) - 1, F);
    Text[N] = 0;
    fclose(F);
    unlink(Path);
    return Text;
}

/* The second-order pass shards with its first-order runs: two shards merged give the
 * unsharded report, second-order runs and counts included. */
static void test_second_order_shards_and_merges(void **State)
{
    (void)State;
    ntsim_sweep_result *Whole = Sweep(8, 0);
    char *Expected = JsonText(Whole, "whole.json");
    ntsim_sweep_free(Whole);
    char Paths[2][256];
    const char *List[2];
    for (unsigned i = 0; i < 2; i++) {
        ntsim_sweep_options Options = { .image = TestDriverPath("sweep_cleanup.sys"), .jobs = 2, .second_order = 8,
                                        .shard_index = i, .shard_count = 2 };
        ntsim_sweep_result *R = NULL;
        assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
        snprintf(Paths[i], sizeof(Paths[i]), "/tmp/ntsim-second-%ld-shard%u.json", (long)getpid(), i);
        assert_int_equal(ntsim_sweep_write_json(R, Paths[i]), 0);
        List[i] = Paths[i];
        ntsim_sweep_free(R);
    }
    ntsim_sweep_result *Merged = NULL;
    assert_int_equal(ntsim_sweep_merge(List, 2, NTSIM_FAIL_ON_ERROR, &Merged), 0);
    assert_int_equal(ntsim_sweep_second_order_count(Merged), 3);
    char *Actual = JsonText(Merged, "merged.json");
    assert_string_equal(Actual, Expected);
    ntsim_sweep_free(Merged);
    unlink(Paths[0]);
    unlink(Paths[1]);
    free(Actual);
    free(Expected);
}

static int Run(const char *Command)
{
    int Status = system(Command);
    return WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
}

/* The CLI: clean without the pass, exit 1 with it; the JSON says what the pass did. */
static void test_cli_second_order(void **State)
{
    (void)State;
    char Command[2048], Json[128];
    snprintf(Json, sizeof(Json), "/tmp/ntsim-second-%ld.json", (long)getpid());
    snprintf(Command, sizeof(Command), "'%s' faults '%s' >/dev/null", NTSIM_CLI, TestDriverPath("sweep_cleanup.sys"));
    assert_int_equal(Run(Command), 0);
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --second-order --json '%s' >/dev/null", NTSIM_CLI,
             TestDriverPath("sweep_cleanup.sys"), Json);
    assert_int_equal(Run(Command), 1);
    json_error_t Error;
    json_t *Root = json_load_file(Json, 0, &Error);
    assert_non_null(Root);
    json_t *Second = json_object_get(Root, "second_order");
    assert_int_equal(json_integer_value(json_object_get(Second, "candidates")), 3);
    assert_int_equal(json_integer_value(json_object_get(Second, "runs")), 3);
    assert_int_equal(json_integer_value(json_object_get(Root, "runs")), 6);
    size_t i;
    json_t *Result, *Found = NULL;
    json_array_foreach(json_object_get(Root, "results"), i, Result) {
        json_t *Then = json_object_get(Result, "then");
        if (json_is_object(Then) && strcmp(json_string_value(json_object_get(Then, "site")), NoteSite) == 0)
            Found = Result;
    }
    assert_non_null(Found);
    assert_string_equal(json_string_value(json_object_get(Found, "outcome")), "bugcheck");
    assert_int_equal(json_integer_value(json_object_get(Found, "run")), 2);
    json_decref(Root);
    unlink(Json);
    snprintf(Command, sizeof(Command), "'%s' faults '%s' --second-order=0 2>/dev/null", NTSIM_CLI,
             TestDriverPath("sweep_cleanup.sys"));
    assert_int_equal(Run(Command), 2);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_first_order_misses_the_bug),
        cmocka_unit_test(test_second_order_finds_the_cleanup_bug),
        cmocka_unit_test(test_bound_per_run),
        cmocka_unit_test(test_second_order_shards_and_merges),
        cmocka_unit_test(test_cli_second_order),
    };
    return cmocka_run_group_tests(Tests, Setup, NULL);
}
