/* time.c - rule TM-01: nothing a driver does hangs a host call. Each deliberately
 * wrong driver of tests/bad/bad_tm01_* spins, stalls, floods the DPC queue, loses an
 * IRP or storms an interrupt; the host call must come back with the right report and
 * the driver's line. Budgets are made small here so that each test takes milliseconds
 * (the wall-clock ones about a quarter of a second). */
#include "vtest.h"

#include <signal.h>

#define VT_BUGCHECK_HANG 0x4E544801u

/* Small budgets: 200 ms of wall clock, 1 s of virtual time past a host call's
 * deadline, 10 ms per DPC or ISR, 1000 DPCs in a row, 100 claims of a storming line. */
static void tm_small_budgets(void)
{
    ntsim_watchdog w;
    ntsim_watchdog_get(&w);
    w.wall_ms = 200;
    w.budget_ns = 1000000000ull;
    w.dpc_ns = 10000000ull;
    w.dpc_count = 1000;
    w.storm_count = 100;
    ntsim_watchdog_set(&w);
}

/* Load a driver that never returns from DriverEntry (or ends in a stop): the load
 * must fail with NTSIM_E_CRASHED and the bug check must be `code`. */
static ntsim_bugcheck tm_load_stops(ntsim_machine *m, const char *name, uint32_t code)
{
    tm_small_budgets();
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    int rc = ntsim_driver_load(m, vt_image(name), NULL, &driver, &status);
    assert_int_equal(rc, NTSIM_E_CRASHED);
    return vt_expect_bugcheck(m, code);
}

/* Lines come from the image's debug information (libdw) where no DDI names them:
 * Linux only. */
static void tm_expect_site(const char *actual, const char *file, const char *mark)
{
#if defined(__linux__)
    assert_string_equal(actual, vt_site(file, mark));
#else
    (void)actual, (void)file, (void)mark;
#endif
}

/* A routine named by its code address: the line of its first instruction, which the
 * compiler chooses, somewhere from the mark on its first line to the end mark. */
static void tm_expect_site_within(const char *actual, const char *file, const char *first, const char *last)
{
#if defined(__linux__)
    char path[1024]; /* reports name the full path */
    snprintf(path, sizeof(path), "%s/tests/bad/%s", NTSIM_SOURCE_DIR, file);
    size_t length = strlen(path);
    if (strncmp(actual, path, length) != 0 || actual[length] != ':')
        fail_msg("site '%s' is not in %s", actual, path);
    int line = atoi(actual + length + 1);
    assert_in_range(line, vt_line(file, first), vt_line(file, last));
#else
    (void)actual, (void)file, (void)first, (void)last;
#endif
}

static void tm01_busy_loop_in_driver_entry(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_spin", VT_BUGCHECK_HANG);
    assert_int_equal(bc.params[2], 1); /* kind 1: the wall-clock watchdog */
    vt_assert_contains(bc.explanation, "without blocking while virtual time stood still");
    assert_string_equal(bc.driver, "bad_tm01_spin");
    tm_expect_site(bc.site, "bad_tm01_spin.c", "spin");
    const ntsim_finding *f = vt_finding(m, "TM-01", 0);
    assert_string_equal(f->driver, "bad_tm01_spin");
    vt_expect_only(m, 1, "TM-01", "BUGCHECK", NULL);
}

/* The watchdog's signal held back (a host that blocks SIGVTALRM; ThreadSanitizer holds
 * it until an intercepted call): its second stage takes execute permission from driver
 * code, and the spinning thread's next instruction faults. Linux only (dl_iterate_phdr). */
static void tm01_busy_loop_with_the_watchdog_signal_blocked(void **state)
{
#if defined(__linux__)
    ntsim_machine *m = *state;
    sigset_t Block, Old;
    sigemptyset(&Block);
    sigaddset(&Block, SIGVTALRM);
    pthread_sigmask(SIG_BLOCK, &Block, &Old);
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_spin", VT_BUGCHECK_HANG);
    pthread_sigmask(SIG_SETMASK, &Old, NULL);
    assert_int_equal(bc.params[2], 1); /* the wall-clock watchdog */
    assert_string_equal(bc.driver, "bad_tm01_spin");
    tm_expect_site(bc.site, "bad_tm01_spin.c", "spin");
#else
    (void)state;
    skip();
#endif
}

static void tm01_stall_loop_in_driver_entry(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_stall", VT_BUGCHECK_HANG);
    assert_int_equal(bc.params[2], 2); /* kind 2: the virtual-time budget */
    /* deterministic: the stop comes at the first stall past 1 s of virtual time */
    assert_true(bc.params[1] > 1000000000ull && bc.params[1] <= 1000050000ull);
    assert_string_equal(bc.site, vt_site("bad_tm01_stall.c", "stall"));
    vt_expect_finding(m, "TM-01", 0, NTSIM_SEV_ERROR, "bad_tm01_stall", vt_site("bad_tm01_stall.c", "stall"));
}

static void tm01_dpc_requeues_itself(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_dpc", 0x133);
    assert_string_equal(bc.name, "DPC_WATCHDOG_VIOLATION");
    assert_int_equal(bc.params[0], 1); /* cumulative: the queue never emptied */
    vt_assert_contains(bc.explanation, "1000 times back to back");
    assert_string_equal(bc.site, vt_site("bad_tm01_dpc.c", "requeue"));
    assert_string_equal(bc.driver, "bad_tm01_dpc");
}

static void tm01_dpc_spins(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_dpcspin", 0x133);
    assert_int_equal(bc.params[0], 0); /* one DPC over its allotment */
    assert_int_equal(bc.irql, 2);      /* stopped where it spun: DISPATCH_LEVEL */
    vt_assert_contains(bc.explanation, "the DPC routine");
    vt_assert_contains(bc.explanation, "(BadSpinDpc+0x0 in bad_tm01_dpcspin.sys)");
    tm_expect_site(bc.site, "bad_tm01_dpcspin.c", "dpc-spin");
}

static void tm01_isr_spins(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_isrspin", 0x133);
    assert_int_equal(bc.params[0], 0);
    assert_true(bc.irql > 2); /* stopped at the line's DIRQL, where it spun */
    vt_assert_contains(bc.explanation, "the ISR");
    tm_expect_site(bc.site, "bad_tm01_isrspin.c", "isr-spin");
    assert_string_equal(bc.driver, "bad_tm01_isrspin");
}

static void tm01_dpc_stalls(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_dpcstall", 0x133);
    assert_int_equal(bc.params[0], 0);
    vt_assert_contains(bc.explanation, "of virtual time without returning (limit 0.010 s)");
    assert_string_equal(bc.site, vt_site("bad_tm01_dpcstall.c", "dpc-stall"));
}

static void tm01_periodic_timer_and_a_pended_irp(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_timer", VT_BUGCHECK_HANG);
    assert_int_equal(bc.params[2], 3); /* kind 3: the wait made no progress */
    vt_assert_contains(bc.explanation, "made no progress");
    vt_assert_contains(bc.explanation, "waits in KeWaitForSingleObject");
    assert_string_equal(bc.site, vt_site("bad_tm01_timer.c", "wait"));
}

static void tm01_lost_irp_returns_with_io02(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_tm01_lost", VT_STATUS_SUCCESS);
    ntsim_file *f = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadTm01Lost", &f), VT_STATUS_SUCCESS);
    size_t returned = 0;
    uint64_t before = ntsim_now_ns(m);
    assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, NULL, 0, NULL, 0, &returned), VT_STATUS_PENDING);
    assert_int_equal(ntsim_now_ns(m), before); /* at once: no virtual time spent waiting */
    assert_int_equal(ntsim_machine_crashed(m, NULL), 0);
    vt_expect_count(m, "IO-02", 1);
    const ntsim_finding *x = vt_finding(m, "IO-02", 0);
    assert_string_equal(x->driver, "bad_tm01_lost");
    vt_assert_contains(x->message, "is lost: nothing is left that could complete it");
    tm_expect_site_within(x->site, "bad_tm01_lost.c", "dispatch", "dispatch-end");
    (void)d;
}

static void tm01_interrupt_storm(void **state)
{
    ntsim_machine *m = *state;
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_storm", 0xF2);
    assert_string_equal(bc.name, "HARDWARE_INTERRUPT_STORM");
    assert_true(bc.params[0] != 0); /* the ISR */
    assert_true(bc.params[2] != 0); /* the interrupt object */
    assert_int_equal(bc.params[3], 1); /* not chained */
    vt_assert_contains(bc.explanation, "100 times in a row");
    assert_string_equal(bc.driver, "bad_tm01_storm");
    tm_expect_site_within(bc.site, "bad_tm01_storm.c", "isr", "isr-end");
    /* the same report on a fresh machine: counted, not timed */
    char first[512];
    snprintf(first, sizeof(first), "%s", bc.explanation);
    vt_teardown(state);
    assert_int_equal(vt_setup(state), 0);
    ntsim_bugcheck again = tm_load_stops(*state, "bad_tm01_storm", 0xF2);
    assert_string_equal(again.explanation, first);
}

static void tm01_interrupt_signal_stops_the_run(void **state)
{
    ntsim_machine *m = *state;
    ntsim_interrupt(SIGINT);
    ntsim_bugcheck bc = tm_load_stops(m, "bad_tm01_spin", 0xE2);
    vt_assert_contains(bc.explanation, "SIGINT");
    assert_int_equal(ntsim_interrupted(), SIGINT);
}

static void tm01_budget_follows_run_for(void **state)
{
    ntsim_machine *m = *state;
    tm_small_budgets();
    /* a host call may ask for far more virtual time than the budget */
    assert_int_equal(ntsim_run_for(m, 30000000000ull), 0);
    assert_int_equal(ntsim_machine_crashed(m, NULL), 0);
    vt_expect_clean(m);
}

/* TM-02: positive timeouts before boot (a relative interval without its minus sign), one
 * warning per line: the wait (run twice), the delay, the timer and serenum's Wait()
 * (ULONG * -10: a positive 32-bit value); the driver still loads
 * (the waits ended at once, as on Windows). good_timeouts is the quiet counterpart. */
static void tm02_timeouts_before_boot(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *driver = vt_load(m, "bad_tm02_units", VT_STATUS_SUCCESS);
    vt_expect_only(m, 1, "TM-02", NULL); /* warnings too: nothing else */
    vt_expect_count(m, "TM-02", 4);
    const ntsim_finding *wait = vt_expect_finding(m, "TM-02", 0, NTSIM_SEV_WARNING, "bad_tm02_units",
                                                  vt_site("bad_tm02_units.c", "tm02 wait"));
    vt_assert_contains(wait->message, "KeWaitForSingleObject: timeout 10000 is positive");
    vt_assert_contains(wait->message, "-10000 would wait 1.0000 ms");
    vt_assert_contains(vt_expect_finding(m, "TM-02", 1, NTSIM_SEV_WARNING, "bad_tm02_units",
                                         vt_site("bad_tm02_units.c", "tm02 delay"))->message,
                       "KeDelayExecutionThread: timeout 500");
    vt_assert_contains(vt_expect_finding(m, "TM-02", 2, NTSIM_SEV_WARNING, "bad_tm02_units",
                                         vt_site("bad_tm02_units.c", "tm02 timer"))->message,
                       "KeSetTimer: timeout 200000");
    vt_assert_contains(vt_expect_finding(m, "TM-02", 3, NTSIM_SEV_WARNING, "bad_tm02_units",
                                         vt_site("bad_tm02_units.c", "tm02 unsigned"))->message,
                       "KeSetTimer: timeout 4294965296"); /* serenum's ULONG * -10 */
    vt_unload(driver);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(tm02_timeouts_before_boot),
        VT_TEST(tm01_busy_loop_in_driver_entry),
        VT_TEST(tm01_busy_loop_with_the_watchdog_signal_blocked),
        VT_TEST(tm01_stall_loop_in_driver_entry),
        VT_TEST(tm01_dpc_requeues_itself),
        VT_TEST(tm01_dpc_spins),
        VT_TEST(tm01_isr_spins),
        VT_TEST(tm01_dpc_stalls),
        VT_TEST(tm01_periodic_timer_and_a_pended_irp),
        VT_TEST(tm01_lost_irp_returns_with_io02),
        VT_TEST(tm01_interrupt_storm),
        VT_TEST(tm01_interrupt_signal_stops_the_run),
        VT_TEST(tm01_budget_follows_run_for),
    };
    return VT_RUN("verifier/time", tests);
}
