/* sweep.c - fault sweeps (ntsim_sweep_run) of the FL-* bad drivers report their
 * rule, naming the driver line that created the leftover; echo.sys and good_fail
 * sweep clean. */
#include "vtest.h"

#include <ntsim/sweep.h>

static ntsim_sweep_result *sw_run(const char *name)
{
    ntsim_sweep_options options;
    memset(&options, 0, sizeof(options));
    options.image = vt_image(name);
    options.jobs = 2;
    ntsim_sweep_result *result = NULL;
    int rc = ntsim_sweep_run(&options, &result);
    if (rc != 0)
        fail_msg("sweep of %s: rc %d: %s", name, rc, ntsim_last_error());
    assert_int_equal(ntsim_sweep_runs(result), ntsim_sweep_point_count(result) + 1);
    return result;
}

static void sw_dump(const ntsim_sweep_result *r)
{
    ntsim_sweep_print(stderr, r);
}

/* Findings of this rule in this run (0 = the baseline, nothing injected). */
static size_t sw_count(const ntsim_sweep_result *r, const char *rule, unsigned long run, const char *culprit)
{
    size_t n = 0;
    for (size_t i = 0; i < ntsim_sweep_finding_count(r); i++) {
        const ntsim_sweep_finding *f = ntsim_sweep_finding_at(r, i);
        if (strcmp(f->rule, rule) == 0 && f->run == run && (culprit == NULL || strcmp(f->culprit, culprit) == 0))
            n++;
    }
    return n;
}

/* Every error-severity finding of every run has one of the allowed rules; warnings
 * are allowed only for FL-06 (a run that makes IoAllocateErrorLogEntry fail cannot log). */
static void sw_expect_only(const ntsim_sweep_result *r, const char *rule1, const char *rule2)
{
    for (size_t i = 0; i < ntsim_sweep_finding_count(r); i++) {
        const ntsim_sweep_finding *f = ntsim_sweep_finding_at(r, i);
        int ok = (rule1 && strcmp(f->rule, rule1) == 0) || (rule2 && strcmp(f->rule, rule2) == 0) ||
                 (f->severity == NTSIM_SEV_WARNING && strcmp(f->rule, "FL-06") == 0 &&
                  strcmp(f->ddi, "IoAllocateErrorLogEntry") == 0);
        if (!ok) {
            sw_dump(r);
            fail_msg("run %lu: unexpected %s: %s", f->run, f->rule, f->message);
        }
    }
}

/* The baseline run of a driver that always fails reports the rule with the culprit line. */
static void sw_expect_baseline(const char *name, const char *rule, size_t count, const char *file,
                               const char *mark, const char *also)
{
    ntsim_sweep_result *r = sw_run(name); /* mark NULL: a finding with no driver line (FL-05) */
    const char *culprit = mark ? vt_site(file, mark) : NULL;
    if (sw_count(r, rule, 0, culprit) != count) {
        sw_dump(r);
        fail_msg("%s: baseline has %zu %s findings naming %s, expected %zu", name, sw_count(r, rule, 0, culprit),
                 rule, culprit ? culprit : "(any)", count);
    }
    sw_expect_only(r, rule, also);
    assert_true(ntsim_sweep_error_count(r) > 0);
    ntsim_sweep_free(r);
}

static void sweep_fl01_device(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl01_device", "FL-01", 1, "bad_fl01_device.c", "create-device", NULL);
}

static void sweep_fl01_symlink(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl01_symlink", "FL-01", 1, "bad_fl01_symlink.c", "create-link", NULL);
}

static void sweep_fl01_pool(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl01_pool", "FL-01", 1, "bad_fl01_pool.c", "alloc-pool", NULL);
}

static void sweep_fl01_handle(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl01_handle", "FL-01", 1, "bad_fl01_handle.c", "open-key", NULL);
}

static void sweep_fl03_reinit(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl03_reinit", "FL-03", 1, "bad_fl03_reinit.c", "register-reinit", NULL);
}

static void sweep_fl04_shutdown(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl04_shutdown", "FL-04", 1, "bad_fl04_shutdown.c", "register-shutdown", "FL-01");
}

static void sweep_fl05_slots(void **state)
{
    (void)state;
    sw_expect_baseline("bad_fl05_slots", "FL-05", 2, NULL, NULL, NULL);
}

static void sweep_fl06_nolog(void **state)
{
    (void)state;
    ntsim_sweep_result *r = sw_run("bad_fl06_nolog");
    if (sw_count(r, "FL-06", 0, NULL) != 1) {
        sw_dump(r);
        fail_msg("bad_fl06_nolog: baseline has no FL-06 finding");
    }
    sw_expect_only(r, "FL-06", NULL);
    assert_int_equal(ntsim_sweep_error_count(r), 0);
    ntsim_sweep_free(r);
}

/* The leak only a failing allocation reveals: a clean baseline, and exactly the run
 * injecting that allocation reports FL-01 naming the device's creation line. */
static void sweep_fl01_faultpath(void **state)
{
    (void)state;
    ntsim_sweep_result *r = sw_run("bad_fl01_faultpath");
    const char *created = vt_site("bad_fl01_faultpath.c", "create-device");
    const char *failed = vt_point_site("bad_fl01_faultpath.c", "alloc-buffer");
    int hits = 0;
    for (size_t i = 0; i < ntsim_sweep_finding_count(r); i++) {
        const ntsim_sweep_finding *f = ntsim_sweep_finding_at(r, i);
        if (strcmp(f->rule, "FL-01") != 0)
            continue;
        hits++;
        assert_true(f->run != 0);
        assert_string_equal(f->ddi, "ExAllocatePoolWithTag");
        assert_string_equal(f->site, failed);
        assert_string_equal(f->culprit, created);
        vt_assert_contains(f->message, "\\Device\\BadFl01Faultpath");
    }
    if (hits != 1) {
        sw_dump(r);
        fail_msg("bad_fl01_faultpath: %d FL-01 findings, expected 1", hits);
    }
    sw_expect_only(r, "FL-01", NULL);
    assert_int_equal(ntsim_sweep_error_count(r), 1);
    ntsim_sweep_free(r);
}

static void sweep_echo_clean(void **state)
{
    (void)state;
    ntsim_sweep_result *r = sw_run("echo");
    if (ntsim_sweep_finding_count(r) != 0) {
        sw_dump(r);
        fail_msg("echo.sys: %zu findings in its sweep", ntsim_sweep_finding_count(r));
    }
    for (size_t i = 0; i < ntsim_sweep_point_count(r); i++)
        assert_true(ntsim_sweep_point_at(r, i)->outcome == 0);
    ntsim_sweep_free(r);
}

static void sweep_good_fail_clean(void **state)
{
    (void)state;
    ntsim_sweep_result *r = sw_run("good_fail");
    sw_expect_only(r, NULL, NULL);
    assert_int_equal(ntsim_sweep_error_count(r), 0);
    ntsim_sweep_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sweep_fl01_device),   cmocka_unit_test(sweep_fl01_symlink),
        cmocka_unit_test(sweep_fl01_pool),     cmocka_unit_test(sweep_fl01_handle),
        cmocka_unit_test(sweep_fl01_faultpath), cmocka_unit_test(sweep_fl03_reinit),
        cmocka_unit_test(sweep_fl04_shutdown), cmocka_unit_test(sweep_fl05_slots),
        cmocka_unit_test(sweep_fl06_nolog),    cmocka_unit_test(sweep_echo_clean),
        cmocka_unit_test(sweep_good_fail_clean),
    };
    return VT_RUN("verifier/sweep", tests);
}
