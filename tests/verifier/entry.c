/* entry.c - rules DE-01..DE-05: what DriverEntry must have done by the time it
 * returns success, and RegistryPath's lifetime. Each bad driver trips exactly its
 * rule; echo.sys and the good_* drivers stay quiet. */
#include "vtest.h"

static void de01_irql_at_return(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_de01_irql", VT_STATUS_SUCCESS);
    vt_expect_count(m, "DE-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DE-01", 0, NTSIM_SEV_ERROR, "bad_de01_irql", NULL);
    vt_assert_contains(f->message, "IRQL 2");
    vt_assert_contains(f->message, "PASSIVE_LEVEL");
    assert_int_equal(ntsim_finding_count(m), 1);
    /* the loader put the processor back at PASSIVE_LEVEL: the rest of the life is clean */
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void de02_no_dispatch(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_de02_nodispatch", VT_STATUS_SUCCESS);
    vt_expect_count(m, "DE-02", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DE-02", 0, NTSIM_SEV_ERROR, "bad_de02_nodispatch", NULL);
    vt_assert_contains(f->message, "MajorFunction");
    assert_int_equal(ntsim_finding_count(m), 1);
    /* and indeed nothing can open it */
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadDe02Nodispatch", &file), VT_STATUS_INVALID_DEVICE_REQUEST);
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void de03_no_named_device(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_de03_nodevice", VT_STATUS_SUCCESS);
    vt_expect_count(m, "DE-03", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DE-03", 0, NTSIM_SEV_WARNING, "bad_de03_nodevice", NULL);
    vt_assert_contains(f->message, "named device object");
#if defined(__linux__)
    /* findings about DriverEntry's result point at DriverEntry (debug info via addr2line) */
    vt_assert_contains(f->site, "bad_de03_nodevice.c:");
#endif
    assert_int_equal(ntsim_finding_count(m), 1);
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void de04_registry_path_kept(void **state)
{
    ntsim_machine *m = *state;
    vt_load(m, "bad_de04_regpath", VT_STATUS_SUCCESS);
    vt_expect_clean(m); /* keeping the pointer is not wrong yet; using it is */
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadDe04Regpath", &file), VT_STATUS_SUCCESS);
    uint32_t length = 0;
    size_t returned = 0;
    int32_t rc = ntsim_ioctl(file, VT_IOCTL_800, NULL, 0, &length, sizeof(length), &returned);
    assert_int_equal(rc, NTSIM_E_CRASHED);

    /* the access is reported under DE-04, naming the buffer and the driver line */
    char where[256];
    snprintf(where, sizeof(where), "%s:", vt_site("bad_de04_regpath.c", "read-regpath")); /* then the column */
    vt_expect_count(m, "DE-04", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DE-04", 0, NTSIM_SEV_ERROR, "bad_de04_regpath", NULL);
    vt_assert_contains(f->message, "RegistryPath given to bad_de04_regpath's DriverEntry");
    vt_assert_contains(f->message, where);
    vt_assert_contains(f->message, "BadDeviceControl");

    /* ... and stops the machine with a bug check naming the same access */
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0x50);
    assert_string_equal(bc.name, "PAGE_FAULT_IN_NONPAGED_AREA");
    assert_string_equal(bc.driver, "bad_de04_regpath");
    assert_true(bc.params[0] != 0);
    vt_assert_contains(bc.explanation, where);
    vt_expect_count(m, "BUGCHECK", 1);
    vt_expect_only(m, 1, "DE-04", "BUGCHECK", NULL);

    /* the host survived: the machine refuses further work instead of crashing */
    ntsim_file *again = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadDe04Regpath", &again), NTSIM_E_CRASHED);
}

static void de04_good_copy(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "good_regpath", VT_STATUS_SUCCESS);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\GoodRegpath", &file), VT_STATUS_SUCCESS);
    uint32_t length = 0;
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(file, VT_IOCTL_800, NULL, 0, &length, sizeof(length), &returned), 0);
    assert_int_equal(returned, sizeof(length));
    const char *key = "\\Registry\\Machine\\System\\CurrentControlSet\\Services\\good_regpath";
    assert_int_equal(length, 2 * strlen(key));
    assert_int_equal(ntsim_close(file), 0);
    vt_unload(d);
    vt_expect_clean(m);
}

static void de05_paged_kept(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_de05_paged", VT_STATUS_SUCCESS);
    const char *site = vt_site("bad_de05_paged.c", "alloc-paged");
    vt_expect_count(m, "DE-05", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DE-05", 0, NTSIM_SEV_WARNING, "bad_de05_paged", site);
    vt_assert_contains(f->message, "paged pool block of 64 bytes, tag 'BDe5'");
    vt_assert_contains(f->message, site);
    assert_int_equal(ntsim_finding_count(m), 1);
    vt_unload(d); /* Unload frees it: no IO-04 */
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* Paged pool handed to IoRegisterDriverReinitialization is allowed (DE-05), and a
 * registration by a DriverEntry that succeeds is right (FL-03). */
static void de05_good_reinit_context(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "good_reinit", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    vt_unload(d);
    vt_expect_clean(m);
}

/* echo.sys: the reference driver, quiet for every DE rule through a full life. */
static void de_echo_clean(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "echo", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\\\.\\NtsimEcho", &file), VT_STATUS_SUCCESS);
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "hello", 5, &n), 0);
    char buffer[16] = { 0 };
    assert_int_equal(ntsim_read(file, buffer, sizeof(buffer), &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(ntsim_close(file), 0);
    vt_unload(d);
    vt_expect_clean(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(de01_irql_at_return),   VT_TEST(de02_no_dispatch),         VT_TEST(de03_no_named_device),
        VT_TEST(de04_registry_path_kept), VT_TEST(de04_good_copy),         VT_TEST(de05_paged_kept),
        VT_TEST(de05_good_reinit_context), VT_TEST(de_echo_clean),
    };
    if (getenv("VT_FILTER"))
        cmocka_set_test_filter(getenv("VT_FILTER"));
    return cmocka_run_group_tests_name("verifier/entry", tests, NULL, NULL);
}
