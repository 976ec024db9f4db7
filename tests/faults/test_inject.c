/* test_inject.c - fault injection modes and filters, through the host API and the
 * NTSIM_FAULTS environment variable, on echo.sys. */
#include "ntsim_test.h"
#include "../../driver/echo/echo_ioctl.h"

#define STATUS_SUCCESS 0
#define STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)

static ntsim_machine *LoadWith(const char *Spec, int32_t *EntryStatus, ntsim_driver **Driver)
{
    ntsim_machine *Machine = TestMachine();
    if (Spec)
        assert_int_equal(ntsim_fault_configure_string(Machine, Spec), 0);
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("echo.sys"), NULL, Driver, EntryStatus), 0);
    return Machine;
}

static void Finish(ntsim_machine *Machine, ntsim_driver *Driver)
{
    if (Driver)
        assert_int_equal(ntsim_driver_unload(Driver), 0);
    if (ntsim_finding_count(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    ntsim_machine_destroy(Machine);
}

static void test_count_records_points(void **State)
{
    (void)State;
    int32_t Status;
    ntsim_driver *Driver;
    ntsim_machine *Machine = LoadWith("count", &Status, &Driver);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(ntsim_fault_point_count(Machine), 4);
    static const char *Ddis[] = { "RtlQueryRegistryValues", "IoCreateDevice", "ExAllocatePool2", "IoCreateSymbolicLink" };
    for (size_t i = 0; i < 4; i++) {
        const ntsim_fault_point *P = ntsim_fault_point_at(Machine, i);
        assert_int_equal(P->index, i + 1);
        assert_string_equal(P->ddi, Ddis[i]);
        assert_string_equal(P->driver, "echo");
        assert_true(P->during_entry);
        assert_false(P->injected);
        assert_non_null(strstr(P->site, "echo.c:"));
    }
    assert_string_equal(ntsim_fault_point_at(Machine, 2)->fault_class, "pool");
    Finish(Machine, Driver);
}

static void test_nth_fails_that_call(void **State)
{
    (void)State;
    int32_t Status;
    ntsim_driver *Driver;
    ntsim_machine *Machine = LoadWith("nth=2", &Status, &Driver);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_null(Driver);
    assert_true(ntsim_fault_point_at(Machine, 1)->injected);
    assert_string_equal(ntsim_fault_point_at(Machine, 1)->ddi, "IoCreateDevice");
    assert_int_equal(ntsim_error_log_count(Machine), 1);
    assert_false(ntsim_object_exists(Machine, "\\Device\\NtsimEcho"));
    Finish(Machine, NULL);
}

static void test_class_and_tag_filters(void **State)
{
    (void)State;
    int32_t Status;
    ntsim_driver *Driver;
    /* with class=pool the first counted call is the pool allocation */
    ntsim_machine *Machine = LoadWith("nth=1,class=pool", &Status, &Driver);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(ntsim_fault_point_count(Machine), 1);
    assert_string_equal(ntsim_fault_point_at(Machine, 0)->ddi, "ExAllocatePool2");
    Finish(Machine, NULL);
    Machine = LoadWith("nth=1,tag=Echo", &Status, &Driver);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    Finish(Machine, NULL);
    Machine = LoadWith("nth=1,tag=Nope", &Status, &Driver);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(ntsim_fault_point_count(Machine), 0);
    Finish(Machine, Driver);
    Machine = LoadWith("nth=1,driver=other", &Status, &Driver);
    assert_int_equal(Status, STATUS_SUCCESS);
    Finish(Machine, Driver);
}

static void test_sites_and_random(void **State)
{
    (void)State;
    int32_t Status;
    ntsim_driver *Driver;
    /* every new site fails once: the optional registry query fails (echo goes on with
     * its default), then IoCreateDevice fails */
    ntsim_machine *Machine = LoadWith("sites", &Status, &Driver);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_true(ntsim_fault_point_at(Machine, 0)->injected);
    assert_true(ntsim_fault_point_at(Machine, 1)->injected);
    Finish(Machine, NULL);
    Machine = LoadWith("random=0", &Status, &Driver);
    assert_int_equal(Status, STATUS_SUCCESS);
    Finish(Machine, Driver);
    Machine = LoadWith("random=1,seed=9,class=device", &Status, &Driver);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    Finish(Machine, NULL);
}

static void test_environment_variable(void **State)
{
    (void)State;
    setenv("NTSIM_FAULTS", "nth=3", 1);
    ntsim_machine *Machine = TestMachine();
    unsetenv("NTSIM_FAULTS");
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("echo.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_string_equal(ntsim_fault_point_at(Machine, 2)->ddi, "ExAllocatePool2");
    assert_true(ntsim_fault_point_at(Machine, 2)->injected);
    Finish(Machine, NULL);
}

static void test_bad_specification(void **State)
{
    (void)State;
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_fault_configure_string(Machine, "nth=0"), NTSIM_E_ARGS);
    assert_int_equal(ntsim_fault_configure_string(Machine, "class=bogus"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "class=bogus"));
    assert_int_equal(ntsim_fault_configure_string(Machine, "random=2"), NTSIM_E_ARGS);
    Finish(Machine, NULL);
}

/* Injection after DriverEntry: a request path fails the way the DDI does. */
static void test_injection_in_request_path(void **State)
{
    (void)State;
    int32_t Status;
    ntsim_driver *Driver;
    ntsim_machine *Machine = LoadWith(NULL, &Status, &Driver);
    assert_int_equal(Status, STATUS_SUCCESS);
    ntsim_file *File;
    assert_int_equal(ntsim_open(Machine, ECHO_USER_PATH, &File), 0);
    assert_int_equal(ntsim_fault_configure_string(Machine, "nth=1,class=mdl"), 0);
    char Out[8];
    size_t Returned = 1;
    assert_int_equal(ntsim_ioctl(File, IOCTL_ECHO_OUT_DIRECT, NULL, 0, Out, sizeof(Out), &Returned),
                     STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(Returned, 0);
    assert_string_equal(ntsim_fault_point_at(Machine, 0)->ddi, "MmGetSystemAddressForMdlSafe");
    assert_int_equal(ntsim_close(File), 0);
    Finish(Machine, Driver);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_count_records_points),
        cmocka_unit_test(test_nth_fails_that_call),
        cmocka_unit_test(test_class_and_tag_filters),
        cmocka_unit_test(test_sites_and_random),
        cmocka_unit_test(test_environment_variable),
        cmocka_unit_test(test_bad_specification),
        cmocka_unit_test(test_injection_in_request_path),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
