/* pci.c - the PCI bus of the PnP manager (sim/io/pnppci.c) on the default PC: the edu
 * function appears under ACPI\PNP0A03 with the documented PCI hardware and compatible
 * IDs, its requirements come from the BAR probe and the routed interrupt line, and
 * driver/wdmedu, bound by hardware ID, starts from START_DEVICE's resources, computes
 * a factorial through its interrupt and survives surprise removal with it pending. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"
#include "../../driver/wdmedu/wdmedu_ioctl.h"

#define EDU_DEVICE_ID "PCI\\VEN_1234&DEV_11E8&SUBSYS_11001AF4&REV_10"
#define EDU_PATH EDU_DEVICE_ID "\\0&18" /* bus 0, device 3, function 0 */

static ntsim_machine *Machine;

static void Boot(int Bind)
{
    Machine = TestMachine();
    if (Bind)
        assert_int_equal(ntsim_pnp_bind(Machine, "PCI\\VEN_1234&DEV_11E8", TestDriverPath("wdmedu.sys"), NULL,
                                        NTSIM_PNP_FUNCTION),
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

/* The i-th string of a REG_MULTI_SZ export line is hard to read; the Enum key's
 * HardwareID is checked through the tree text and the registry export instead. */
static void test_pci_function_enumerated_with_ids(void **state)
{
    (void)state;
    Boot(0);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0A03\\0"), "started");
    assert_string_equal(ntsim_pnp_state(Machine, EDU_PATH), "no driver");
    char *Tree = ntsim_pnp_tree_text(Machine);
    assert_non_null(Tree);
    const char *Bus = strstr(Tree, "ACPI\\PNP0A03\\0  [started]");
    const char *Child = strstr(Tree, EDU_PATH);
    assert_non_null(Bus);
    assert_non_null(Child);
    assert_true(Child > Bus); /* printed below its bus */
    free(Tree);
    char *Enum = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\PCI");
    assert_non_null(Enum);
    /* hex(7) multi-strings in UTF-16: look for the start of a distinctive ID */
    assert_non_null(strstr(Enum, "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Enum\\PCI\\VEN_1234&DEV_11E8&SUBSYS_11001AF4&REV_10\\0&18]"));
    free(Enum);
    Finish();
}

static void test_requirements_from_bars_and_interrupt_pin(void **state)
{
    (void)state;
    Boot(1);
    assert_string_equal(ntsim_pnp_state(Machine, EDU_PATH), "started");
    const CM_RESOURCE_LIST *Raw = ntsim_pnp_resources(Machine, EDU_PATH, 0);
    const CM_RESOURCE_LIST *Tr = ntsim_pnp_resources(Machine, EDU_PATH, 1);
    assert_non_null(Raw);
    assert_non_null(Tr);
    assert_int_equal(Raw->List[0].InterfaceType, PCIBus);
    const CM_PARTIAL_RESOURCE_LIST *R = &Raw->List[0].PartialResourceList, *T = &Tr->List[0].PartialResourceList;
    assert_int_equal(R->Count, 2);
    assert_int_equal(R->PartialDescriptors[0].Type, CmResourceTypeMemory);
    assert_int_equal(R->PartialDescriptors[0].u.Memory.Length, 1u << 20); /* edu's BAR0: 1 MiB */
    assert_int_equal(R->PartialDescriptors[0].u.Memory.Start.QuadPart % (1 << 20), 0);
    assert_true(R->PartialDescriptors[0].u.Memory.Start.QuadPart != 0);
    assert_int_equal(R->PartialDescriptors[1].Type, CmResourceTypeInterrupt);
    assert_int_equal(R->PartialDescriptors[1].u.Interrupt.Level, 11); /* the default PC routes edu to IRQ 11 */
    assert_int_equal(R->PartialDescriptors[1].ShareDisposition, CmResourceShareShared);
    assert_int_equal(R->PartialDescriptors[1].Flags & CM_RESOURCE_INTERRUPT_LATCHED, 0);
    assert_int_equal(T->PartialDescriptors[1].u.Interrupt.Vector, 0x30 + 11);

    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, WDMEDU_DEVICE_PATH, &F), 0);
    WDMEDU_INFO Info;
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F, IOCTL_WDMEDU_INFO, NULL, 0, &Info, sizeof(Info), &Returned), 0);
    assert_int_equal(Returned, sizeof(Info));
    assert_int_equal(Info.Id, 0x010000ED);
    assert_int_equal(Info.Bar0, (unsigned long long)R->PartialDescriptors[0].u.Memory.Start.QuadPart);
    assert_int_equal(Info.BusNumber, 0);
    assert_int_equal(Info.Address, 3u << 16); /* device 3, function 0 */
    assert_int_equal(Info.Shared, 1);
    assert_int_equal(Info.LevelSensitive, 1);
    assert_int_equal(Info.ConfigId, 0x11E81234);          /* device << 16 | vendor, via the bus interface */
    assert_int_equal(Info.ConfigClass, 0x00FF0010);       /* class 00FF00, revision 0x10, via READ_CONFIG */
    assert_int_equal(ntsim_close(F), 0);
    Finish();
}

static void test_factorial_through_the_interrupt(void **state)
{
    (void)state;
    Boot(1);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, WDMEDU_DEVICE_PATH, &F), 0);
    unsigned int N = 10, Result = 0;
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(F, IOCTL_WDMEDU_FACTORIAL, &N, sizeof(N), &Result, sizeof(Result), &Returned), 0);
    assert_int_equal(Returned, sizeof(Result));
    assert_int_equal(Result, 3628800);
    WDMEDU_INFO Info;
    assert_int_equal(ntsim_ioctl(F, IOCTL_WDMEDU_INFO, NULL, 0, &Info, sizeof(Info), &Returned), 0);
    assert_int_equal(Info.Interrupts, 1);
    assert_int_equal(ntsim_close(F), 0);
    /* orderly removal: the driver unmaps, disconnects and goes */
    assert_int_equal(ntsim_pnp_remove(Machine, EDU_PATH), 0);
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmedu"));
    Finish();
}

static void test_surprise_removal_with_factorial_pending(void **state)
{
    (void)state;
    Boot(1);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, WDMEDU_DEVICE_PATH, &F), 0);
    unsigned int N = 12, Result = 0;
    ntsim_request *Request;
    assert_int_equal(ntsim_ioctl_async(F, IOCTL_WDMEDU_FACTORIAL, &N, sizeof(N), &Result, sizeof(Result), &Request),
                     (int32_t)STATUS_PENDING);
    assert_int_equal(ntsim_pnp_surprise_remove(Machine, EDU_PATH), 0);
    int32_t Status;
    size_t Information;
    assert_true(ntsim_request_done(Request, &Status, &Information));
    assert_int_equal(Status, (int32_t)STATUS_DELETE_PENDING);
    ntsim_request_free(Request);
    assert_int_equal(ntsim_close(F), 0);
    assert_null(ntsim_pnp_state(Machine, EDU_PATH));
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmedu"));
    Finish();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_pci_function_enumerated_with_ids),
        cmocka_unit_test(test_requirements_from_bars_and_interrupt_pin),
        cmocka_unit_test(test_factorial_through_the_interrupt),
        cmocka_unit_test(test_surprise_removal_with_factorial_pending),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
