/* failure.c - rules FL-01..FL-07: a DriverEntry that returns an error must leave
 * nothing behind. Each bad driver fails (as if its hardware were missing) with one
 * kind of leftover; the report names it and the driver line that created it. */
#include "vtest.h"

/* The FL drivers fail as if their hardware were missing (vt_load also checks that
 * no driver stays loaded, FL-07). */
static void fl_load_failing(ntsim_machine *m, const char *name)
{
    vt_load(m, name, VT_STATUS_DEVICE_DOES_NOT_EXIST);
}

static void fl01_device(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl01_device");
    const char *site = vt_site("bad_fl01_device.c", "create-device");
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl01_device", site);
    vt_assert_contains(f->message, "device object \\Device\\BadFl01Device");
    vt_assert_contains(f->message, "after DriverEntry failed");
    assert_int_equal(ntsim_finding_count(m), 1);
    /* FL-07: the leftover was reclaimed with the image */
    assert_false(ntsim_object_exists(m, "\\Device\\BadFl01Device"));
    assert_int_equal(ntsim_error_log_count(m), 1);
}

static void fl01_symlink(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl01_symlink");
    const char *site = vt_site("bad_fl01_symlink.c", "create-link");
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl01_symlink", site);
    vt_assert_contains(f->message, "symbolic link \\??\\BadFl01Symlink -> \\Device\\BadFl01Symlink");
    assert_int_equal(ntsim_finding_count(m), 1);
    assert_false(ntsim_object_exists(m, "\\??\\BadFl01Symlink"));
}

static void fl01_pool(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl01_pool");
    const char *site = vt_site("bad_fl01_pool.c", "alloc-pool");
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl01_pool", site);
    vt_assert_contains(f->message, "nonpaged pool block of 8 bytes, tag 'BFl1'");
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void fl01_handle(void **state)
{
    ntsim_machine *m = *state;
    /* fails on the missing PortBase value, with ZwQueryValueKey's status */
    vt_load(m, "bad_fl01_handle", (int32_t)0xC0000034 /* STATUS_OBJECT_NAME_NOT_FOUND */);
    const char *site = vt_site("bad_fl01_handle.c", "open-key");
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl01_handle", site);
    vt_assert_contains(f->message, "open handle to a Key object \\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\bad_fl01_handle");
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* The leak is on a path only a failing DDI opens: clean when nothing fails ... */
static void fl01_faultpath_clean_load(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_fl01_faultpath", VT_STATUS_SUCCESS);
    vt_unload(d);
    vt_expect_clean(m);
}

/* ... and FL-01 once the pool allocation after IoCreateDevice is made to fail. */
static void fl01_faultpath_injected(void **state)
{
    ntsim_machine *m = *state;
    assert_int_equal(ntsim_fault_configure_string(m, "class=pool,driver=bad_fl01_faultpath,nth=1,entry"), 0);
    vt_load(m, "bad_fl01_faultpath", VT_STATUS_INSUFFICIENT_RESOURCES);
    const char *created = vt_site("bad_fl01_faultpath.c", "create-device");
    const char *failed = vt_point_site("bad_fl01_faultpath.c", "alloc-buffer");
    int injected = 0;
    for (size_t i = 0; i < ntsim_fault_point_count(m); i++) {
        const ntsim_fault_point *p = ntsim_fault_point_at(m, i);
        if (p->injected) {
            injected++;
            assert_string_equal(p->ddi, "ExAllocatePoolWithTag");
            assert_string_equal(p->site, failed);
        }
    }
    assert_int_equal(injected, 1);
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl01_faultpath", created);
    vt_assert_contains(f->message, "device object \\Device\\BadFl01Faultpath");
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void fl03_reinit(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl03_reinit");
    const char *site = vt_site("bad_fl03_reinit.c", "register-reinit");
    vt_expect_count(m, "FL-03", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-03", 0, NTSIM_SEV_ERROR, "bad_fl03_reinit", site);
    vt_assert_contains(f->message, "IoRegisterDriverReinitialization");
    vt_assert_contains(f->message, site);
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* IoDeleteDevice would drop the registration too, so the device is also leaked:
 * FL-04 names the registration, FL-01 the device. */
static void fl04_shutdown(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl04_shutdown");
    const char *registered = vt_site("bad_fl04_shutdown.c", "register-shutdown");
    const char *created = vt_site("bad_fl04_shutdown.c", "create-device");
    vt_expect_count(m, "FL-04", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-04", 0, NTSIM_SEV_ERROR, "bad_fl04_shutdown", registered);
    vt_assert_contains(f->message, "shutdown notification registered for device \\Device\\BadFl04Shutdown");
    vt_assert_contains(f->message, "IoUnregisterShutdownNotification");
    vt_expect_count(m, "FL-01", 1);
    f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_ERROR, "bad_fl04_shutdown", created);
    vt_assert_contains(f->message, "device object \\Device\\BadFl04Shutdown");
    assert_int_equal(ntsim_finding_count(m), 2);
    /* nothing is left registered: a system shutdown reaches no one */
    assert_int_equal(ntsim_shutdown(m), 0);
    assert_int_equal(ntsim_finding_count(m), 2);
}

static void fl05_slots(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl05_slots");
    vt_expect_count(m, "FL-05", 2);
    const ntsim_finding *f = vt_expect_finding(m, "FL-05", 0, NTSIM_SEV_ERROR, "bad_fl05_slots", NULL);
    vt_assert_contains(f->message, "MajorFunction[IRP_MJ_FLUSH_BUFFERS]");
    f = vt_expect_finding(m, "FL-05", 1, NTSIM_SEV_ERROR, "bad_fl05_slots", NULL);
    vt_assert_contains(f->message, "MajorFunction[IRP_MJ_SHUTDOWN]");
    assert_int_equal(ntsim_finding_count(m), 2);
}

static void fl06_nolog(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "bad_fl06_nolog");
    vt_expect_count(m, "FL-06", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-06", 0, NTSIM_SEV_WARNING, "bad_fl06_nolog", NULL);
    vt_assert_contains(f->message, "IoWriteErrorLogEntry");
    assert_int_equal(ntsim_finding_count(m), 1);
    assert_int_equal(ntsim_error_log_count(m), 0);
}

/* good_fail: sets up one of everything, fails, undoes it all and logs. */
static void fl_good_fail(void **state)
{
    ntsim_machine *m = *state;
    fl_load_failing(m, "good_fail");
    vt_expect_clean(m);
    assert_int_equal(ntsim_error_log_count(m), 1);
    const ntsim_error_log_entry *e = ntsim_error_log_at(m, 0);
    assert_string_equal(e->driver, "good_fail");
    assert_int_equal(e->final_status, VT_STATUS_DEVICE_DOES_NOT_EXIST);
    assert_false(ntsim_object_exists(m, "\\Device\\GoodFail"));
    assert_false(ntsim_object_exists(m, "\\??\\GoodFail"));
}

/* good_shutdown: registered while loaded, gets IRP_MJ_SHUTDOWN, unregisters. */
static void fl_good_shutdown(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "good_shutdown", VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_shutdown(m), 0);
    vt_unload(d);
    vt_expect_clean(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(fl01_device),      VT_TEST(fl01_symlink),   VT_TEST(fl01_pool),
        VT_TEST(fl01_handle),      VT_TEST(fl01_faultpath_clean_load), VT_TEST(fl01_faultpath_injected),
        VT_TEST(fl03_reinit),      VT_TEST(fl04_shutdown),  VT_TEST(fl05_slots),
        VT_TEST(fl06_nolog),       VT_TEST(fl_good_fail),   VT_TEST(fl_good_shutdown),
    };
    return VT_RUN("verifier/failure", tests);
}
