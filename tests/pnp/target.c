/* target.c - target-device notifications (sim/io/pnptarget.c): a driver watching the
 * WDM serial port hears QUERY_REMOVE before the removal's IRPs (and its closing the file
 * object lets the removal through), can veto it (REMOVE_CANCELLED follows), hears
 * REMOVE_COMPLETE after an orderly or a surprise removal, and receives custom events
 * reported synchronously and asynchronously; system events cannot be reported. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"
#include "watchdrv.h"

#define COM1 "ACPI\\PNP0501\\1"

static ntsim_machine *Machine;
static ntsim_driver *Watcher;
static ntsim_file *File;

static int32_t Control(uint32_t Code, uint32_t Value)
{
    size_t Returned;
    return ntsim_ioctl(File, Code, &Value, sizeof(Value), NULL, 0, &Returned);
}

static WATCH_STATUS Status(void)
{
    WATCH_STATUS S;
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, IOCTL_WATCH_STATUS, NULL, 0, &S, sizeof(S), &Returned), 0);
    assert_int_equal(S.WrongFileObject, 0);
    return S;
}

static void Boot(void)
{
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    int32_t Entry;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("watchdrv.sys"), NULL, &Watcher, &Entry), 0);
    assert_int_equal(Entry, 0);
    assert_int_equal(ntsim_open(Machine, "\\Device\\Watcher", &File), 0);
    assert_int_equal(Control(IOCTL_WATCH_START, 0), 0);
    assert_int_equal(Status().Registered, 1);
}

static void Finish(void)
{
    assert_int_equal(ntsim_close(File), 0);
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static void test_orderly_removal_veto_then_through(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(Control(IOCTL_WATCH_VETO, 1), 0);
    assert_true(ntsim_pnp_remove(Machine, COM1) < 0); /* vetoed by the watcher's callback */
    assert_string_equal(ntsim_pnp_state(Machine, COM1), "started");
    WATCH_STATUS S = Status();
    assert_int_equal(S.QueryRemove, 1);
    assert_int_equal(S.Cancelled, 1);
    assert_int_equal(S.Complete, 0);
    /* without the veto the watcher closes its handle and the port goes */
    assert_int_equal(ntsim_pnp_remove(Machine, COM1), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1), "removed");
    S = Status();
    assert_int_equal(S.QueryRemove, 2);
    assert_int_equal(S.Cancelled, 1);
    assert_int_equal(S.Complete, 1);
    assert_int_equal(S.Registered, 0); /* it unregistered on REMOVE_COMPLETE */
    Finish();
}

static void test_surprise_removal_completes(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(ntsim_pnp_surprise_remove(Machine, COM1), 0);
    WATCH_STATUS S = Status();
    assert_int_equal(S.QueryRemove, 0);
    assert_int_equal(S.Complete, 1);
    /* its handle closed in the callback, so REMOVE_DEVICE did not wait */
    assert_null(ntsim_pnp_state(Machine, COM1));
    assert_false(ntsim_object_exists(Machine, "\\Device\\WdmSerial0"));
    Finish();
}

static void test_custom_events(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(Control(IOCTL_WATCH_CUSTOM, 0), 0);
    WATCH_STATUS S = Status();
    assert_int_equal(S.Custom, 1);
    assert_int_equal(S.LastCustomData, WATCH_CUSTOM_DATA);
    assert_int_equal(Control(IOCTL_WATCH_CUSTOM, 1), 0); /* queued: not delivered yet */
    assert_int_equal(Status().Custom, 1);
    assert_int_equal(ntsim_run_for(Machine, 0), 0);
    S = Status();
    assert_int_equal(S.Custom, 2);
    assert_int_equal(S.AsyncDone, 1);
    assert_int_equal(Control(IOCTL_WATCH_CUSTOM, 2), (int32_t)STATUS_INVALID_DEVICE_REQUEST);
    assert_int_equal(Status().Custom, 2);
    Finish();
}

/* IoRequestDeviceEject: the PnP worker removes the device in order (the watcher hears
 * QUERY_REMOVE and REMOVE_COMPLETE), sends IRP_MN_EJECT, and the port leaves the tree. */
static void test_eject_request(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(Control(IOCTL_WATCH_EJECT, 0), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1), "started"); /* the worker has not run yet */
    assert_int_equal(ntsim_run_for(Machine, 1000000), 0);
    WATCH_STATUS S = Status();
    assert_int_equal(S.QueryRemove, 1);
    assert_int_equal(S.Complete, 1);
    assert_null(ntsim_pnp_state(Machine, COM1));
    Finish();
}

/* IoAssignArcName / IoDeassignArcName: a link under \ArcName to the device. */
static void test_arc_name(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(Control(IOCTL_WATCH_ARC, 1), 0);
    assert_true(ntsim_object_exists(Machine, "\\ArcName\\watched"));
    ntsim_file *Via; /* it names the serial port, which the watcher holds open exclusively */
    assert_int_equal(ntsim_open(Machine, "\\ArcName\\watched", &Via), (int32_t)STATUS_ACCESS_DENIED);
    assert_int_equal(Control(IOCTL_WATCH_ARC, 0), 0);
    assert_false(ntsim_object_exists(Machine, "\\ArcName\\watched"));
    Finish();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_orderly_removal_veto_then_through),
        cmocka_unit_test(test_surprise_removal_completes),
        cmocka_unit_test(test_custom_events),
        cmocka_unit_test(test_eject_request),
        cmocka_unit_test(test_arc_name),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
