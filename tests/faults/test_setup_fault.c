/* test_setup_fault.c - a CMocka harness that creates the machine, loads the driver and
 * opens its device in setup functions (per test and per group), then hits a fault in
 * driver code in the test body. CMocka puts its own fault handlers in around every
 * setup, test and teardown, and puts back what it found afterwards: ntsim's handler,
 * installed during a setup, is gone by the time the test runs. The fault must still
 * become a bug check report, not a CMocka "Test failed with exception". */
#include "ntsim_test.h"

#define CRASH_IOCTL 0x222000u

typedef struct _HARNESS {
    ntsim_machine *Machine;
    ntsim_driver *Driver;
    ntsim_file *File;
} HARNESS;

static HARNESS Group;

static int OpenDevice(HARNESS *H)
{
    H->Machine = TestMachine();
    int32_t Status;
    if (ntsim_driver_load(H->Machine, TestDriverPath("crash_on_ioctl.sys"), NULL, &H->Driver, &Status) != 0 || Status != 0)
        return -1;
    return ntsim_open(H->Machine, "\\Device\\NtsimCrashIoctl", &H->File) == 0 ? 0 : -1;
}

static int SetupEach(void **State)
{
    static HARNESS Each;
    *State = &Each;
    return OpenDevice(&Each);
}

static int TeardownEach(void **State)
{
    ntsim_machine_destroy(((HARNESS *)*State)->Machine);
    return 0;
}

static void ExpectBugCheck(HARNESS *H)
{
    char In[8] = "x", Out[8];
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(H->File, CRASH_IOCTL, In, sizeof(In), Out, sizeof(Out), &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck Crash;
    assert_true(ntsim_machine_crashed(H->Machine, &Crash));
    assert_int_equal(Crash.code, 0x50);
    assert_non_null(strstr(Crash.explanation, "crash_on_ioctl.c:"));
    assert_non_null(TestFindRule(H->Machine, "BUGCHECK"));
}

static void test_fault_after_per_test_setup(void **State)
{
    ExpectBugCheck((HARNESS *)*State);
}

static void test_fault_after_group_setup(void **State)
{
    (void)State;
    ExpectBugCheck(&Group);
}

static int GroupSetup(void **State)
{
    (void)State;
    return OpenDevice(&Group);
}

static int GroupTeardown(void **State)
{
    (void)State;
    ntsim_machine_destroy(Group.Machine);
    return 0;
}

int main(void)
{
    const struct CMUnitTest PerTest[] = {
        cmocka_unit_test_setup_teardown(test_fault_after_per_test_setup, SetupEach, TeardownEach),
    };
    const struct CMUnitTest PerGroup[] = {
        cmocka_unit_test(test_fault_after_group_setup),
    };
    int Failed = cmocka_run_group_tests_name("per-test setup", PerTest, NULL, NULL);
    return Failed + cmocka_run_group_tests_name("group setup", PerGroup, GroupSetup, GroupTeardown);
}
