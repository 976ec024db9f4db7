/* test_points.c - injection points are stable records: sweeps of a synthetic driver
 * with 64, 65, 1000 and 5000 failable calls report exactly that many points, one run
 * per point plus the baseline, and the DDI and driver line of every point. (Points
 * used to live in an array that grew by realloc while the sites handed out pointed
 * into it: from the 65th call on, the names were garbage.) */
#include "ntsim_test.h"
#include <ntsim/sweep.h>

#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)

static char SiteOf[5][64]; /* create-device, then the four lines of the cycle */
static const char *const DdiOf[5] = { "IoCreateDevice", "ExAllocatePoolWithTag", "IoAllocateIrp", "IoAllocateMdl",
                                      "ExAllocatePoolZero" };

/* "synthetic_calls.c:<line>" of the line carrying "LINE_MARK: <mark>". */
static void FindSite(const char *Mark, char *Site, size_t Size)
{
    FILE *F = fopen(NTSIM_SOURCE_DIR "/tests/faults/synthetic_calls.c", "r");
    assert_non_null(F);
    char Line[512], Needle[128];
    snprintf(Needle, sizeof(Needle), "LINE_MARK: %s ", Mark);
    for (int Number = 1; fgets(Line, sizeof(Line), F); Number++)
        if (strstr(Line, Needle)) {
            snprintf(Site, Size, "synthetic_calls.c:%d", Number);
            fclose(F);
            return;
        }
    fclose(F);
    fail_msg("no LINE_MARK %s", Mark);
}

static int Setup(void **State)
{
    (void)State;
    static const char *const Marks[5] = { "create-device", "call-pool", "call-irp", "call-mdl", "call-zero" };
    for (int i = 0; i < 5; i++)
        FindSite(Marks[i], SiteOf[i], sizeof(SiteOf[i]));
    return 0;
}

/* Point N (1-based): the device first, then the cycle from its first line. */
static int ExpectedKind(unsigned long N)
{
    return N == 1 ? 0 : 1 + (int)((N - 2) % 4);
}

static const char *Image(unsigned Count)
{
    char Name[64];
    snprintf(Name, sizeof(Name), "synthetic_%u.sys", Count);
    return TestDriverPath(Name);
}

static void ExpectPoints(const ntsim_sweep_result *R, unsigned Count)
{
    assert_int_equal(ntsim_sweep_point_count(R), Count);
    for (unsigned long N = 1; N <= Count; N++) {
        const ntsim_sweep_point *P = ntsim_sweep_point_at(R, N - 1);
        assert_int_equal(P->index, N);
        if (strcmp(P->ddi, DdiOf[ExpectedKind(N)]) != 0 || strcmp(P->site, SiteOf[ExpectedKind(N)]) != 0)
            fail_msg("point %lu is %s@%s, expected %s@%s", N, P->ddi, P->site, DdiOf[ExpectedKind(N)],
                     SiteOf[ExpectedKind(N)]);
    }
}

static void SweepExactly(unsigned Count)
{
    ntsim_sweep_options Options = { .image = Image(Count), .jobs = 2 };
    ntsim_sweep_result *R = NULL;
    if (ntsim_sweep_run(&Options, &R) != 0)
        fail_msg("sweep of %u calls: %s", Count, ntsim_last_error());
    ExpectPoints(R, Count);
    assert_int_equal(ntsim_sweep_runs(R), Count + 1);
    if (ntsim_sweep_finding_count(R) != 0) {
        ntsim_sweep_print(stderr, R);
        fail_msg("%zu findings in a clean sweep", ntsim_sweep_finding_count(R));
    }
    for (size_t i = 0; i < Count; i++) {
        assert_int_equal(ntsim_sweep_point_at(R, i)->entry_status, STATUS_INSUFFICIENT_RESOURCES);
        assert_int_equal(ntsim_sweep_point_at(R, i)->outcome, 0);
    }
    ntsim_sweep_free(R);
}

static void test_64_calls(void **State)
{
    (void)State;
    SweepExactly(64);
}

static void test_65_calls(void **State)
{
    (void)State;
    SweepExactly(65);
}

/* The baseline lists all Count points, and each chosen run fails exactly its own. */
static void SweepSample(unsigned Count, const unsigned long *Only, size_t Runs)
{
    ntsim_sweep_options Options = { .image = Image(Count), .jobs = 1 };
    ntsim_sweep_result *R = NULL;
    assert_int_equal(ntsim_sweep_baseline(&Options, &R), 0);
    ExpectPoints(R, Count);
    assert_int_equal(ntsim_sweep_runs(R), 1);
    ntsim_sweep_free(R);
    for (size_t i = 0; i < Runs; i++) {
        Options.only = Only[i];
        assert_int_equal(ntsim_sweep_run(&Options, &R), 0);
        ExpectPoints(R, Count);
        assert_int_equal(ntsim_sweep_runs(R), 2);
        assert_int_equal(ntsim_sweep_finding_count(R), 0);
        assert_int_equal(ntsim_sweep_point_at(R, Only[i] - 1)->entry_status, STATUS_INSUFFICIENT_RESOURCES);
        ntsim_sweep_free(R);
    }
}

#if defined(__SANITIZE_THREAD__)
#define POINTS_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define POINTS_UNDER_TSAN 1
#endif
#endif

static void test_1000_calls(void **State)
{
    (void)State;
#ifdef POINTS_UNDER_TSAN
    /* a forked run costs a few hundred milliseconds under ThreadSanitizer: there the
     * baseline and a sample; every build without it sweeps all 1000 */
    static const unsigned long Sample[] = { 1, 500, 999, 1000 };
    SweepSample(1000, Sample, 4);
#else
    SweepExactly(1000);
#endif
}

/* 5000 points: the baseline lists them all, and the last runs fail exactly theirs. */
static void test_5000_calls(void **State)
{
    (void)State;
    static const unsigned long Last[] = { 4999, 5000 };
    SweepSample(5000, Last, 2);
}

/* In-process: the records a machine hands out keep their text while it grows. */
static void test_point_records_do_not_move(void **State)
{
    (void)State;
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_fault_configure_string(Machine, "count"), 0);
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(Machine, Image(1000), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_fault_point_count(Machine), 1000);
    const ntsim_fault_point *First = ntsim_fault_point_at(Machine, 0), *Last = ntsim_fault_point_at(Machine, 999);
    assert_string_equal(First->site, SiteOf[0]);
    assert_string_equal(Last->site, SiteOf[ExpectedKind(1000)]);
    assert_string_equal(Last->driver, "synthetic_1000");
    assert_int_equal(Last->index, 1000);
    assert_null(ntsim_fault_point_at(Machine, 1000));
    ntsim_driver_unload(Driver);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_64_calls),   cmocka_unit_test(test_65_calls),
        cmocka_unit_test(test_1000_calls), cmocka_unit_test(test_5000_calls),
        cmocka_unit_test(test_point_records_do_not_move),
    };
    return cmocka_run_group_tests(Tests, Setup, NULL);
}
