/* wake.c - IRP_MN_WAIT_WAKE basics: a power policy owner arms wake on the keyboard's
 * PDO (which can wake the system from S3), the device's wake signal completes it, a
 * cancel completes it STATUS_CANCELLED, one at a time, removal completes it with
 * STATUS_NO_SUCH_DEVICE, and a device that cannot wake refuses it. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"
#include "wakedrv.h"

#define KBD "ACPI\\PNP0303\\1"

static ntsim_machine *Machine;
static ntsim_file *File;

static void Boot(const char *HardwareId)
{
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, HardwareId, TestDriverPath("wakedrv.sys"), NULL, NTSIM_PNP_FUNCTION), 0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_int_equal(ntsim_open(Machine, "\\Device\\WakeDrv", &File), 0);
}

static WAKEDRV_STATUS Status(void)
{
    WAKEDRV_STATUS S;
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, IOCTL_WAKEDRV_STATUS, NULL, 0, &S, sizeof(S), &Returned), 0);
    return S;
}

static int32_t Arm(void)
{
    size_t Returned;
    return ntsim_ioctl(File, IOCTL_WAKEDRV_ARM, NULL, 0, NULL, 0, &Returned);
}

static void Finish(void)
{
    if (File)
        assert_int_equal(ntsim_close(File), 0);
    File = NULL;
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static void test_wake_signal_completes_armed_irp(void **state)
{
    (void)state;
    Boot("*PNP0303");
    /* nothing armed yet: the signal is refused with the reason */
    assert_int_equal(ntsim_pnp_wake(Machine, KBD), (int32_t)STATUS_INVALID_DEVICE_STATE);
    assert_int_equal(Arm(), 0);
    WAKEDRV_STATUS S = Status();
    assert_int_equal(S.Armed, 1);
    assert_int_equal(S.Completions, 0);
    /* a second one while the first is armed: STATUS_DEVICE_BUSY, the first stays */
    assert_int_equal(Arm(), 0);
    S = Status();
    assert_int_equal(S.Completions, 1);
    assert_int_equal(S.LastStatus, (int32_t)STATUS_DEVICE_BUSY);
    assert_int_equal(S.Armed, 1);
    /* sleep, the key press wakes: the armed IRP completes with success, then resume */
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 4), 0);
    assert_int_equal(ntsim_pnp_wake(Machine, KBD), 0);
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 1), 0);
    S = Status();
    assert_int_equal(S.Completions, 2);
    assert_int_equal(S.LastStatus, 0);
    assert_int_equal(S.Armed, 0);
    Finish();
}

static void test_cancel_and_removal_complete_armed_irp(void **state)
{
    (void)state;
    Boot("*PNP0303");
    assert_int_equal(Arm(), 0);
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, IOCTL_WAKEDRV_DISARM, NULL, 0, NULL, 0, &Returned), 0);
    WAKEDRV_STATUS S = Status();
    assert_int_equal(S.Completions, 1);
    assert_int_equal(S.LastStatus, (int32_t)STATUS_CANCELLED);
    assert_int_equal(S.Armed, 0);
    /* armed again, then the keyboard is unplugged */
    assert_int_equal(Arm(), 0);
    assert_int_equal(ntsim_pnp_surprise_remove(Machine, KBD), 0);
    S = Status();
    assert_int_equal(S.Completions, 2);
    assert_int_equal(S.LastStatus, (int32_t)STATUS_NO_SUCH_DEVICE);
    Finish();
}

static void test_device_that_cannot_wake_refuses(void **state)
{
    (void)state;
    Boot("*PNP0700"); /* the floppy controller */
    assert_int_equal(Arm(), 0);
    WAKEDRV_STATUS S = Status();
    assert_int_equal(S.Completions, 1);
    assert_int_equal(S.LastStatus, (int32_t)STATUS_INVALID_DEVICE_STATE);
    assert_int_equal(ntsim_pnp_wake(Machine, "ACPI\\PNP0700\\1"), (int32_t)STATUS_NOT_SUPPORTED);
    Finish();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_wake_signal_completes_armed_irp),
        cmocka_unit_test(test_cancel_and_removal_complete_armed_irp),
        cmocka_unit_test(test_device_that_cannot_wake_refuses),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
