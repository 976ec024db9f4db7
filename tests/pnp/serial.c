/* serial.c - driver/wdmserial under the PnP manager on the default PC's COM1: the
 * device is found on the root bus with its ACPI IDs, the driver is bound by hardware
 * ID, AddDevice and START_DEVICE give it the 16550's ports and IRQ 4 (raw and
 * translated), bytes echo, and removal, surprise removal with a read pending, stop
 * and a vetoed removal behave as on Windows, with the audit quiet. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>
#include <ntddser.h>

#include "ntsim_test.h"

#include <unistd.h>

#define COM1_PATH "ACPI\\PNP0501\\1"

static ntsim_machine *Machine;

static const char EchoReg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                              "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\ACPI\\PNP0501\\1\\Device "
                              "Parameters]\r\n\"Echo\"=dword:00000001\r\n";

static void Boot(int Echo)
{
    Machine = TestMachine();
    if (Echo)
        assert_int_equal(ntsim_reg_import_text(Machine, "echo.reg", EchoReg, strlen(EchoReg)), 0);
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
}

static void Finish(void)
{
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static void test_start_assigns_com1_resources(void **state)
{
    (void)state;
    Boot(0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "started");
    const CM_RESOURCE_LIST *Raw = ntsim_pnp_resources(Machine, COM1_PATH, 0);
    const CM_RESOURCE_LIST *Tr = ntsim_pnp_resources(Machine, COM1_PATH, 1);
    assert_non_null(Raw);
    assert_non_null(Tr);
    const CM_PARTIAL_RESOURCE_LIST *R = &Raw->List[0].PartialResourceList, *T = &Tr->List[0].PartialResourceList;
    assert_int_equal(R->Count, 2);
    assert_int_equal(R->PartialDescriptors[0].Type, CmResourceTypePort);
    assert_int_equal(R->PartialDescriptors[0].u.Port.Start.QuadPart, 0x3F8);
    assert_int_equal(R->PartialDescriptors[0].u.Port.Length, 8);
    assert_int_equal(R->PartialDescriptors[1].Type, CmResourceTypeInterrupt);
    assert_int_equal(R->PartialDescriptors[1].u.Interrupt.Level, 4);
    /* the HAL's translation: vector 0x30 + IRQ, DIRQL 11 - IRQ/2, one processor */
    assert_int_equal(T->PartialDescriptors[1].u.Interrupt.Vector, 0x34);
    assert_int_equal(T->PartialDescriptors[1].u.Interrupt.Level, 9);
    assert_int_equal(T->PartialDescriptors[1].u.Interrupt.Affinity, 1);
    char *Tree = ntsim_pnp_tree_text(Machine);
    assert_non_null(strstr(Tree, "ACPI\\PNP0501\\1  [started]"));
    assert_non_null(strstr(Tree, "FDO    \\Driver\\wdmserial \\Device\\WdmSerial0"));
    assert_non_null(strstr(Tree, "irq 4 (vector 0x34, DIRQL 9, affinity 0x1)"));
    free(Tree);
    char *Map = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    assert_non_null(strstr(Map, "PnP Manager\\wdmserial]"));
    free(Map);
    char *Enum = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\ACPI");
    assert_non_null(strstr(Enum, "\"Service\"=\"wdmserial\""));
    free(Enum);
    Finish();
}

static void test_echoes_bytes(void **state)
{
    (void)state;
    Boot(1);
    ntsim_uart *Uart = ntsim_machine_uart(Machine, 0);
    assert_int_equal(ntsim_uart_inject(Uart, "hello", 5), 0);
    assert_int_equal(ntsim_run_for(Machine, 5000000), 0);
    assert_int_equal(ntsim_uart_tx_count(Uart), 5);
    assert_memory_equal(ntsim_uart_tx_data(Uart), "hello", 5);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &F), 0);
    char Buffer[16];
    size_t Got = 0;
    assert_int_equal(ntsim_read(F, Buffer, sizeof(Buffer), &Got), 0);
    assert_int_equal(Got, 5);
    assert_memory_equal(Buffer, "hello", 5);
    size_t Put = 0;
    assert_int_equal(ntsim_write(F, "abc", 3, &Put), 0);
    assert_int_equal(Put, 3);
    assert_int_equal(ntsim_run_for(Machine, 5000000), 0);
    assert_int_equal(ntsim_uart_tx_count(Uart), 8);
    assert_int_equal(ntsim_close(F), 0);
    Finish();
}

static void test_orderly_remove_unloads_driver(void **state)
{
    (void)state;
    Boot(0);
    assert_int_equal(ntsim_pnp_remove(Machine, COM1_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "removed");
    assert_false(ntsim_object_exists(Machine, "\\Device\\WdmSerial0"));
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmserial"));
    char *Map = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    assert_true(Map == NULL || strstr(Map, "wdmserial") == NULL);
    free(Map);
    /* and back: DriverEntry again, a new FDO */
    assert_int_equal(ntsim_pnp_start_device(Machine, COM1_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "started");
    assert_true(ntsim_object_exists(Machine, "\\Device\\WdmSerial0"));
    Finish();
}

static void test_open_handle_vetoes_removal(void **state)
{
    (void)state;
    Boot(0);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &F), 0);
    /* the PnP manager itself refuses to remove a device in use (PNP_VetoOutstandingOpen) */
    assert_int_equal(ntsim_pnp_remove(Machine, COM1_PATH), (int32_t)STATUS_DEVICE_BUSY);
    assert_non_null(strstr(ntsim_last_error(), "1 open handle(s) on the device"));
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "started");
    assert_int_equal(ntsim_pnp_stop(Machine, COM1_PATH), (int32_t)STATUS_DEVICE_BUSY);
    assert_int_equal(ntsim_close(F), 0);
    assert_int_equal(ntsim_pnp_stop(Machine, COM1_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "stopped");
    assert_int_equal(ntsim_pnp_start_device(Machine, COM1_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "started");
    Finish();
}

static void test_surprise_removal_fails_pending_read_and_wait(void **state)
{
    (void)state;
    Boot(0);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &F), 0);
    char Buffer[8];
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, Buffer, sizeof(Buffer), &Read), (int32_t)STATUS_PENDING);
    /* and a wait on the line's events (driver/wdmserial/wait.c) */
    ULONG Mask = SERIAL_EV_RXCHAR, Events = 0;
    size_t Information;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_WAIT_MASK, &Mask, sizeof(Mask), NULL, 0, &Information), 0);
    ntsim_request *Wait;
    assert_int_equal(ntsim_ioctl_async(F, IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, &Events, sizeof(Events), &Wait),
                     (int32_t)STATUS_PENDING);
    assert_int_equal(ntsim_pnp_surprise_remove(Machine, COM1_PATH), 0);
    int32_t Status;
    assert_true(ntsim_request_done(Read, &Status, &Information));
    assert_int_equal(Status, (int32_t)STATUS_DELETE_PENDING);
    ntsim_request_free(Read);
    assert_true(ntsim_request_done(Wait, &Status, &Information));
    assert_int_equal(Status, (int32_t)STATUS_DELETE_PENDING);
    ntsim_request_free(Wait);
    /* REMOVE_DEVICE waits for the last handle, as on Windows; new I/O fails meanwhile */
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "surprise-removed");
    assert_true(ntsim_object_exists(Machine, "\\Device\\WdmSerial0"));
    size_t Got;
    assert_int_equal(ntsim_read(F, Buffer, sizeof(Buffer), &Got), (int32_t)STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_close(F), 0);
    assert_null(ntsim_pnp_state(Machine, COM1_PATH));
    assert_false(ntsim_object_exists(Machine, "\\Device\\WdmSerial0"));
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmserial"));
    Finish();
}

static void test_sleep_puts_the_port_in_d3(void **state)
{
    (void)state;
    Boot(0);
    /* the driver is the power policy owner: S3 -> it asks for D3, S0 -> D0 */
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 4), 0);
    char *Tree = ntsim_pnp_tree_text(Machine);
    assert_non_null(strstr(Tree, "power D3"));
    free(Tree);
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 1), 0);
    Tree = ntsim_pnp_tree_text(Machine);
    assert_null(strstr(Tree, "power D"));
    free(Tree);
    Finish();
}

static void test_install_from_inf(void **state)
{
    (void)state;
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_install_inf(Machine, NTSIM_SOURCE_DIR "/driver/wdmserial/wdmserial.inf",
                                           TestDriverPath("wdmserial.sys")),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, COM1_PATH), "started");
    /* an INF whose model installs no function driver, and one that is not there */
    char Path[] = "/tmp/ntsim-pnp-XXXXXX";
    int Fd = mkstemp(Path);
    assert_true(Fd >= 0);
    static const char Bad[] = "[Manufacturer]\nM=Models\n[Models]\n\"Port\" = Inst, *PNP0501\n"
                              "[Inst.Services]\nAddService = x, 0, Svc ; not the function driver\n";
    assert_int_equal(write(Fd, Bad, sizeof(Bad) - 1), (ssize_t)(sizeof(Bad) - 1));
    close(Fd);
    assert_int_equal(ntsim_pnp_install_inf(Machine, Path, TestDriverPath("wdmserial.sys")), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "installs no function driver"));
    unlink(Path);
    assert_int_equal(ntsim_pnp_install_inf(Machine, "/nonexistent.inf", TestDriverPath("wdmserial.sys")), NTSIM_E_IO);
    Finish();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_start_assigns_com1_resources),
        cmocka_unit_test(test_echoes_bytes),
        cmocka_unit_test(test_orderly_remove_unloads_driver),
        cmocka_unit_test(test_open_handle_vetoes_removal),
        cmocka_unit_test(test_surprise_removal_fails_pending_read_and_wait),
        cmocka_unit_test(test_sleep_puts_the_port_in_d3),
        cmocka_unit_test(test_install_from_inf),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
