/* legacy.c - the default PC's legacy devices on the root bus with the IDs a PC's ACPI
 * tables give them (sim/host/pnp.c), and the requirement lists a driver bound to them
 * receives as START_DEVICE resources: ports, the interrupt line and the DMA channel. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"

static const CM_PARTIAL_RESOURCE_DESCRIPTOR *Find(const CM_RESOURCE_LIST *List, UCHAR Type, ULONG Nth)
{
    const CM_PARTIAL_RESOURCE_LIST *L = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < L->Count; i++)
        if (L->PartialDescriptors[i].Type == Type && Nth-- == 0)
            return &L->PartialDescriptors[i];
    return NULL;
}

static void test_every_legacy_device_is_a_root_pdo(void **state)
{
    (void)state;
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    static const char *const Paths[] = { "ACPI\\PNP0501\\1", "ACPI\\PNP0100\\1", "ACPI\\PNP0303\\1",
                                         "ACPI\\PNP0F13\\1", "ACPI\\PNP0400\\1", "ACPI\\PNP0800\\1",
                                         "ACPI\\PNP0200\\1", "ACPI\\PNP0700\\1" };
    for (size_t i = 0; i < sizeof(Paths) / sizeof(Paths[0]); i++) {
        const char *State = ntsim_pnp_state(Machine, Paths[i]);
        if (State == NULL)
            fail_msg("%s is not on the device tree", Paths[i]);
        assert_string_equal(State, "no driver");
    }
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

static void test_floppy_controller_requirements(void **state)
{
    (void)state;
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0700", TestDriverPath("good_wdm.sys"), NULL, NTSIM_PNP_FUNCTION), 0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0700\\1"), "started");
    const CM_RESOURCE_LIST *Raw = ntsim_pnp_resources(Machine, "ACPI\\PNP0700\\1", 0);
    assert_non_null(Raw);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *Ports = Find(Raw, CmResourceTypePort, 0);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *Dir = Find(Raw, CmResourceTypePort, 1);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *Irq = Find(Raw, CmResourceTypeInterrupt, 0);
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *Dma = Find(Raw, CmResourceTypeDma, 0);
    assert_non_null(Ports);
    assert_non_null(Dir);
    assert_non_null(Irq);
    assert_non_null(Dma);
    assert_int_equal(Ports->u.Port.Start.QuadPart, 0x3F0);
    assert_int_equal(Ports->u.Port.Length, 6);
    assert_int_equal(Dir->u.Port.Start.QuadPart, 0x3F7);
    assert_int_equal(Irq->u.Interrupt.Level, 6);
    assert_int_equal(Dma->u.Dma.Channel, 2);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

/* Hot-plug: a 16550 and an edu card added to the running machine appear on their buses
 * at the next PnP pass and start with the bound drivers; unplugging the card removes it. */
static void test_hot_plug_com_port_and_pci_card(void **state)
{
    (void)state;
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_bind(Machine, "PCI\\VEN_1234&DEV_11E8", TestDriverPath("wdmedu.sys"), NULL,
                                    NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_null(ntsim_pnp_state(Machine, "ACPI\\PNP0501\\2"));
    assert_int_equal(ntsim_machine_add_device(Machine, "uart16550,io=0x2f8,irq=3"), 0);
    assert_int_equal(ntsim_machine_add_device(Machine, "edu,slot=5,irq=10"), 0);
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    const char *Com2 = ntsim_pnp_state(Machine, "ACPI\\PNP0501\\2");
    assert_non_null(Com2);
    assert_string_equal(Com2, "started");
    const char *Card = ntsim_pnp_state(Machine, "PCI\\VEN_1234&DEV_11E8&SUBSYS_11001AF4&REV_10\\0&28");
    assert_non_null(Card);
    assert_string_equal(Card, "started");
    const CM_RESOURCE_LIST *Raw = ntsim_pnp_resources(Machine, "ACPI\\PNP0501\\2", 0);
    assert_int_equal(Find(Raw, CmResourceTypePort, 0)->u.Port.Start.QuadPart, 0x2F8);
    assert_int_equal(Find(Raw, CmResourceTypeInterrupt, 0)->u.Interrupt.Level, 3);
    assert_true(ntsim_object_exists(Machine, "\\Device\\WdmSerial1"));
    assert_true(ntsim_object_exists(Machine, "\\Device\\WdmEdu1"));
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine); /* what they were, before the assertion fails */
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_every_legacy_device_is_a_root_pdo),
        cmocka_unit_test(test_floppy_controller_requirements),
        cmocka_unit_test(test_hot_plug_com_port_and_pci_card),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
