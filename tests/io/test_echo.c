/* test_echo.c - echo.sys end to end through the host API: every transfer method,
 * pended reads, cancellation at cleanup, load/unload audit. */
#include "ntsim_test.h"
#include "../../driver/echo/echo_ioctl.h"

#define STATUS_SUCCESS 0
#define STATUS_PENDING 0x103
#define STATUS_CANCELLED ((int32_t)0xC0000120)
#define STATUS_BUFFER_TOO_SMALL ((int32_t)0xC0000023)
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_OBJECT_NAME_NOT_FOUND ((int32_t)0xC0000034)

typedef struct {
    ntsim_machine *Machine;
    ntsim_driver *Driver;
    ntsim_file *File;
} Fixture;

static int Setup(void **State)
{
    Fixture *F = calloc(1, sizeof(*F));
    F->Machine = TestMachine();
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(F->Machine, TestDriverPath("echo.sys"), NULL, &F->Driver, &Status), 0);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_non_null(F->Driver);
    assert_int_equal(ntsim_open(F->Machine, ECHO_USER_PATH, &F->File), STATUS_SUCCESS);
    *State = F;
    return 0;
}

static int Teardown(void **State)
{
    Fixture *F = *State;
    if (F->File)
        assert_int_equal(ntsim_close(F->File), STATUS_SUCCESS);
    if (F->Driver)
        assert_int_equal(ntsim_driver_unload(F->Driver), 0);
    assert_int_equal(ntsim_finding_count(F->Machine), 0);
    ntsim_machine_destroy(F->Machine);
    free(F);
    return 0;
}

static void test_namespace_after_load(void **State)
{
    Fixture *F = *State;
    assert_true(ntsim_object_exists(F->Machine, "\\Device\\NtsimEcho"));
    assert_true(ntsim_object_exists(F->Machine, "\\??\\NtsimEcho"));
    assert_true(ntsim_object_exists(F->Machine, "\\DosDevices\\NtsimEcho"));
    assert_true(ntsim_object_exists(F->Machine, "\\Driver\\echo"));
    assert_false(ntsim_object_exists(F->Machine, "\\Device\\NoSuchThing"));
}

static void test_write_then_read(void **State)
{
    Fixture *F = *State;
    size_t N = 0;
    assert_int_equal(ntsim_write(F->File, "hello, kernel", 13, &N), STATUS_SUCCESS);
    assert_int_equal(N, 13);
    char Buffer[64] = { 0 };
    assert_int_equal(ntsim_read(F->File, Buffer, sizeof(Buffer), &N), STATUS_SUCCESS);
    assert_int_equal(N, 13);
    assert_memory_equal(Buffer, "hello, kernel", 13);
    /* a short read returns only what fits */
    char Small[5] = { 0 };
    assert_int_equal(ntsim_read(F->File, Small, sizeof(Small), &N), STATUS_SUCCESS);
    assert_int_equal(N, 5);
    assert_memory_equal(Small, "hello", 5);
}

static void test_ioctl_buffered(void **State)
{
    Fixture *F = *State;
    char Out[16] = { 0 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_BUFFERED, "0123456789abcdef", 16, Out, 16, &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Returned, 16);
    assert_memory_equal(Out, "0123456789abcdef", 16);
    /* output smaller than input: the driver refuses, nothing copied back */
    char Tiny[4] = { 'x', 'x', 'x', 'x' };
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_BUFFERED, "0123456789", 10, Tiny, 4, &Returned),
                     STATUS_BUFFER_TOO_SMALL);
    assert_memory_equal(Tiny, "xxxx", 4);
}

static void test_ioctl_direct(void **State)
{
    Fixture *F = *State;
    size_t Returned = 0;
    /* IN_DIRECT: the "output" buffer is read by the driver through its MDL */
    char Data[] = "direct data";
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_IN_DIRECT, NULL, 0, Data, 11, &Returned), STATUS_SUCCESS);
    assert_memory_equal(Data, "direct data", 11);
    assert_int_equal(Returned, 11);
    char Out[32] = { 0 };
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_OUT_DIRECT, NULL, 0, Out, sizeof(Out), &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Returned, 11);
    assert_memory_equal(Out, "direct data", 11);
}

static void test_ioctl_neither(void **State)
{
    Fixture *F = *State;
    char Out[8] = { 0 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_NEITHER, "neither", 7, Out, sizeof(Out), &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Returned, 7);
    assert_memory_equal(Out, "neither", 7);
}

static void test_ioctl_stats_and_unknown(void **State)
{
    Fixture *F = *State;
    size_t N;
    assert_int_equal(ntsim_write(F->File, "abc", 3, &N), STATUS_SUCCESS);
    ECHO_STATS Stats;
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F->File, IOCTL_ECHO_GET_STATS, NULL, 0, &Stats, sizeof(Stats), &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Returned, sizeof(Stats));
    assert_int_equal(Stats.BytesWritten, 3);
    assert_int_equal(Stats.Opens, 1);
    assert_int_equal(Stats.BufferSize, 4096);
    assert_int_equal(ntsim_ioctl(F->File, 0x00229FFFu, NULL, 0, NULL, 0, &Returned), STATUS_INVALID_DEVICE_REQUEST);
}

static void test_pended_read_completed_by_write(void **State)
{
    Fixture *F = *State;
    char Buffer[32] = { 0 };
    ntsim_request *Read = NULL;
    assert_int_equal(ntsim_read_async(F->File, Buffer, sizeof(Buffer), &Read), STATUS_PENDING);
    assert_non_null(Read);
    int32_t Status = -1;
    size_t Information = 0;
    assert_false(ntsim_request_done(Read, &Status, &Information));
    size_t N;
    assert_int_equal(ntsim_write(F->File, "wake up", 7, &N), STATUS_SUCCESS);
    assert_true(ntsim_request_done(Read, &Status, &Information));
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Information, 7);
    assert_memory_equal(Buffer, "wake up", 7);
    ntsim_request_free(Read);
}

static void test_pended_read_cancelled_at_close(void **State)
{
    Fixture *F = *State;
    char Buffer[8];
    ntsim_request *Read = NULL;
    assert_int_equal(ntsim_read_async(F->File, Buffer, sizeof(Buffer), &Read), STATUS_PENDING);
    assert_int_equal(ntsim_close(F->File), STATUS_SUCCESS);
    F->File = NULL;
    int32_t Status = 0;
    assert_true(ntsim_request_done(Read, &Status, NULL));
    assert_int_equal(Status, STATUS_CANCELLED);
    ntsim_request_free(Read);
}

static void test_open_paths(void **State)
{
    Fixture *F = *State;
    ntsim_file *Other = NULL;
    assert_int_equal(ntsim_open(F->Machine, "\\Device\\NtsimEcho", &Other), STATUS_SUCCESS);
    assert_int_equal(ntsim_close(Other), STATUS_SUCCESS);
    assert_int_equal(ntsim_open(F->Machine, "\\??\\NtsimEcho", &Other), STATUS_SUCCESS);
    assert_int_equal(ntsim_close(Other), STATUS_SUCCESS);
    assert_int_equal(ntsim_open(F->Machine, "\\\\.\\NoSuchDevice", &Other), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_null(Other);
}

/* A second load of the same image is refused while the first is loaded. */
static void test_second_instance_refused(void **State)
{
    Fixture *F = *State;
    ntsim_driver *Second = NULL;
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load(F->Machine, TestDriverPath("echo.sys"), NULL, &Second, &Status), NTSIM_E_STATE);
    assert_null(Second);
    assert_non_null(strstr(ntsim_last_error(), "already loaded"));
}

/* Loaded under another service name, echo's DriverEntry fails on the name collision
 * of \Device\NtsimEcho and cleans up after itself. */
static void test_name_collision_fails_cleanly(void **State)
{
    Fixture *F = *State;
    ntsim_driver *Second = NULL;
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load(F->Machine, TestDriverPath("echo.sys"), "echo2", &Second, &Status), 0);
    assert_int_equal(Status, (int32_t)0xC0000035); /* STATUS_OBJECT_NAME_COLLISION */
    assert_null(Second);
    assert_int_equal(TestErrorCount(F->Machine), 0);
    assert_int_equal(ntsim_error_log_count(F->Machine), 1);
    assert_string_equal(ntsim_error_log_at(F->Machine, 0)->driver, "echo2");
    assert_false(ntsim_object_exists(F->Machine, "\\Driver\\echo2"));
}

static void test_registry_parameter(void **State)
{
    (void)State;
    ntsim_machine *Machine = TestMachine();
    const char *Reg = "Windows Registry Editor Version 5.00\r\n\r\n"
                      "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\echo\\Parameters]\r\n"
                      "\"BufferSize\"=dword:00000010\r\n";
    assert_int_equal(ntsim_reg_import_text(Machine, "params.reg", Reg, strlen(Reg)), 0);
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("echo.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_SUCCESS);
    ntsim_file *File;
    assert_int_equal(ntsim_open(Machine, ECHO_USER_PATH, &File), STATUS_SUCCESS);
    size_t N;
    assert_int_equal(ntsim_write(File, "0123456789abcdefXYZ", 19, &N), STATUS_SUCCESS);
    assert_int_equal(N, 16); /* the buffer is 16 bytes now */
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test_setup_teardown(test_namespace_after_load, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_write_then_read, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_ioctl_buffered, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_ioctl_direct, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_ioctl_neither, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_ioctl_stats_and_unknown, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_pended_read_completed_by_write, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_pended_read_cancelled_at_close, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_open_paths, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_second_instance_refused, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_name_collision_fails_cleanly, Setup, Teardown),
        cmocka_unit_test(test_registry_parameter),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
