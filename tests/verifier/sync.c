/* sync.c - rules SY-01 (spin lock used before KeInitializeSpinLock) and SY-03 (a kernel
 * object in paged pool; good_lock keeps its objects in nonpaged pool), and an exception
 * raised with no handler (bug check 0x1E), with their correct counterparts. */
#include "vtest.h"

static ntsim_file *sy_open(ntsim_machine *m, const char *name, const char *device)
{
    vt_load(m, name, VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    char path[256];
    snprintf(path, sizeof(path), "\\Device\\%s", device);
    ntsim_file *f = NULL;
    assert_int_equal(ntsim_open(m, path, &f), VT_STATUS_SUCCESS);
    return f;
}

static void sy01_uninitialised_lock(void **state)
{
    ntsim_machine *m = *state;
    ntsim_file *f = sy_open(m, "bad_sy01_lock", "BadSy01Lock");
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, NULL, 0, NULL, 0, &returned), NTSIM_E_CRASHED);
    const char *site = vt_site("bad_sy01_lock.c", "acquire");
    vt_expect_count(m, "SY-01", 1);
    const ntsim_finding *x = vt_expect_finding(m, "SY-01", 0, NTSIM_SEV_ERROR, "bad_sy01_lock", site);
    vt_assert_contains(x->message, "KeAcquireSpinLock");
    vt_assert_contains(x->message, "without KeInitializeSpinLock");
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0xC4);
    assert_string_equal(bc.name, "DRIVER_VERIFIER_DETECTED_VIOLATION");
    assert_int_equal(bc.params[0], 0x1002);
    assert_true(bc.params[1] != 0); /* the lock's address */
    assert_string_equal(bc.site, site);
    assert_string_equal(bc.driver, "bad_sy01_lock");
    vt_expect_only(m, 1, "SY-01", "BUGCHECK", NULL);
    vt_expect_count(m, "BUGCHECK", 1);
}

static void sy01_good_lock(void **state)
{
    ntsim_machine *m = *state;
    ntsim_file *f = sy_open(m, "good_lock", "GoodLock");
    uint32_t count = 0;
    size_t returned = 0;
    for (uint32_t i = 1; i <= 3; i++) {
        assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, NULL, 0, &count, sizeof(count), &returned), 0);
        assert_int_equal(count, i);
    }
    assert_int_equal(ntsim_close(f), 0);
    vt_expect_clean(m);
}

/* SY-03: a KEVENT initialised inside a paged-pool block is reported with the block and
 * the line that allocated it, then bug check 0xC4/0xE1 at the initialising line. */
static void sy03_event_in_paged_pool(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = NULL;
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load(m, vt_image("bad_sy03_paged"), NULL, &d, &status), NTSIM_E_CRASHED);
    assert_null(d);
    const char *site = vt_site("bad_sy03_paged.c", "initialize");
    vt_expect_count(m, "SY-03", 1);
    const ntsim_finding *x = vt_expect_finding(m, "SY-03", 0, NTSIM_SEV_ERROR, "bad_sy03_paged", site);
    vt_assert_contains(x->message, "KeInitializeEvent");
    vt_assert_contains(x->message, "paged pool block");
    vt_assert_contains(x->message, "tag 'BSy3'");
    vt_assert_contains(x->message, vt_site("bad_sy03_paged.c", "allocate"));
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0xC4);
    assert_int_equal(bc.params[0], 0xE1);
    assert_string_equal(bc.site, site);
}

static void seh_unhandled_raise(void **state)
{
    ntsim_machine *m = *state;
    ntsim_file *f = sy_open(m, "bad_seh", "BadSeh");
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, NULL, 0, NULL, 0, &returned), NTSIM_E_CRASHED);
    const char *site = vt_site("bad_seh.c", "raise");
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0x1E);
    assert_string_equal(bc.name, "KMODE_EXCEPTION_NOT_HANDLED");
    assert_int_equal(bc.params[0], (uint32_t)VT_STATUS_INVALID_PARAMETER);
    assert_string_equal(bc.site, site);
    assert_string_equal(bc.driver, "bad_seh");
    vt_assert_contains(bc.explanation, "0xC000000D");
    vt_expect_count(m, "BUGCHECK", 1);
    vt_expect_finding(m, "BUGCHECK", 0, NTSIM_SEV_ERROR, "bad_seh", site);
    vt_expect_only(m, 1, "BUGCHECK", NULL);
}

static void seh_good_handled(void **state)
{
    ntsim_machine *m = *state;
    ntsim_file *f = sy_open(m, "good_seh", "GoodSeh");
    size_t returned = 0;
    /* too short: raised, caught, and the code becomes the request's status */
    assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, NULL, 0, NULL, 0, &returned), VT_STATUS_INVALID_PARAMETER);
    uint32_t value = 9;
    assert_int_equal(ntsim_ioctl(f, VT_IOCTL_800, &value, sizeof(value), NULL, 0, &returned), 0);
    assert_int_equal(ntsim_close(f), 0);
    vt_expect_clean(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(sy01_uninitialised_lock), VT_TEST(sy01_good_lock), VT_TEST(sy03_event_in_paged_pool),
        VT_TEST(seh_unhandled_raise),     VT_TEST(seh_good_handled),
    };
    return VT_RUN("verifier/sync", tests);
}
