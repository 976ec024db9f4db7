/* grade.c - lab 1 grader: the device, its DOS name, create/close, a clean Unload and
 * clean DriverEntry failure paths. */
#include "grade.h"

static void DriverEntry_succeeds(void **state)
{
    (void)state;
    LabLoad();
}

static void device_Hello_exists(void **state)
{
    (void)state;
    LabLoad();
    if (!ntsim_object_exists(LabMachine, "\\Device\\Hello"))
        fail_msg("there is no \\Device\\Hello after DriverEntry: create it with IoCreateDevice");
}

static void DOS_name_Hello_exists(void **state)
{
    (void)state;
    LabLoad();
    if (!LabLinkExists("Hello"))
        fail_msg("there is no \\DosDevices\\Hello: create it with IoCreateSymbolicLink");
}

static void open_and_close_succeed(void **state)
{
    (void)state;
    LabLoad();
    ntsim_file *File;
    int32_t Status = ntsim_open(LabMachine, "\\\\.\\Hello", &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening \\\\.\\Hello gave %s: IRP_MJ_CREATE must succeed", ntsim_status_name(Status));
    Status = ntsim_close(File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("closing gave %s: IRP_MJ_CLOSE must succeed", ntsim_status_name(Status));
    LabExpectNoErrors("while opening and closing");
}

static void Unload_leaves_nothing_behind(void **state)
{
    (void)state;
    LabLoad();
    LabExpectNoErrors("after DriverEntry");
    LabUnloadClean();
}

static void every_DriverEntry_failure_path_is_clean(void **state)
{
    (void)state;
    LabSweepClean();
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(DriverEntry_succeeds),
    cmocka_unit_test(device_Hello_exists),
    cmocka_unit_test(DOS_name_Hello_exists),
    cmocka_unit_test(open_and_close_succeed),
    cmocka_unit_test(Unload_leaves_nothing_behind),
    cmocka_unit_test(every_DriverEntry_failure_path_is_clean),
};

LAB_MAIN("lab1-hello", Checks)
