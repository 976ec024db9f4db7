/* bus.c - driver/wdmbus (a bus driver with plug-in ports) and driver/wdmfilter under
 * the PnP manager: a root-enumerated bus starts, its children are enumerated with
 * their IDs and started raw with resources the arbiter gives out once each, ports
 * plugged and unplugged at run time (IoInvalidateDeviceRelations), a rebalance moves
 * a port's I/O range, surprise removal fails a read in flight, removing the bus takes
 * its children first; filters sit where the Enum key puts them and see the I/O. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"

#define IOCTL_WDMBUS_PLUG CTL_CODE(FILE_DEVICE_BUS_EXTENDER, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_WDMBUS_UNPLUG CTL_CODE(FILE_DEVICE_BUS_EXTENDER, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_WDMFILTER_COUNTS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define BUS_PATH "ROOT\\WDMBUS\\0000"
#define PORT1 "WDMBUS\\Port\\01"
#define PORT2 "WDMBUS\\Port\\02"
#define PORT3 "WDMBUS\\Port\\03"

static ntsim_machine *Machine;

static void BootBus(void)
{
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_add_root_device(Machine, "WDMBUS", "ntsim\\WdmBus"), 0);
    assert_int_equal(ntsim_pnp_bind(Machine, "ntsim\\WdmBus", TestDriverPath("wdmbus.sys"), NULL, NTSIM_PNP_FUNCTION),
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

static uint64_t PortStart(const char *Path)
{
    const CM_RESOURCE_LIST *Raw = ntsim_pnp_resources(Machine, Path, 0);
    assert_non_null(Raw);
    assert_int_equal(Raw->List[0].PartialResourceList.Count, 1);
    assert_int_equal(Raw->List[0].PartialResourceList.PartialDescriptors[0].Type, CmResourceTypePort);
    return (uint64_t)Raw->List[0].PartialResourceList.PartialDescriptors[0].u.Port.Start.QuadPart;
}

static void Control(ULONG Code, ULONG Port, int32_t Expect)
{
    ntsim_file *Bus;
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmBus0", &Bus), 0);
    size_t Returned;
    assert_int_equal(ntsim_ioctl(Bus, Code, &Port, sizeof(Port), NULL, 0, &Returned), Expect);
    assert_int_equal(ntsim_close(Bus), 0);
}

/* The name of a node's PDO, from the tree printout ("PDO    \Driver\x \Device\..."). */
static void PdoName(const char *Path, char *Name, size_t Size)
{
    char *Tree = ntsim_pnp_tree_text(Machine);
    char *Node = strstr(Tree, Path);
    assert_non_null(Node);
    char *Pdo = strstr(Node, "PDO    ");
    assert_non_null(Pdo);
    char *Device = strstr(Pdo, "\\Device\\");
    assert_non_null(Device);
    size_t n = strcspn(Device, "\n");
    snprintf(Name, Size, "%.*s", (int)n, Device);
    free(Tree);
}

static void test_bus_enumerates_children(void **state)
{
    (void)state;
    BootBus();
    assert_string_equal(ntsim_pnp_state(Machine, BUS_PATH), "started");
    assert_string_equal(ntsim_pnp_state(Machine, PORT1), "started");
    assert_string_equal(ntsim_pnp_state(Machine, PORT2), "started");
    /* one 8-port range each, never the same one twice */
    assert_int_equal(PortStart(PORT1), 0x1000);
    assert_int_equal(PortStart(PORT2), 0x1008);
    char *Tree = ntsim_pnp_tree_text(Machine);
    assert_non_null(strstr(Tree, "  WDMBUS\\Port\\01  [started]  WDM bus port 1"));
    assert_non_null(strstr(Tree, "FDO    \\Driver\\wdmbus \\Device\\WdmBus0"));
    free(Tree);
    char *Enum = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\WDMBUS");
    assert_non_null(strstr(Enum, "Enum\\WDMBUS\\Port\\01]"));
    assert_non_null(strstr(Enum, "\"DeviceDesc\"=\"WDM bus port 1\""));
    free(Enum);
    Finish();
}

static void test_plug_and_unplug_at_run_time(void **state)
{
    (void)state;
    BootBus();
    Control(IOCTL_WDMBUS_PLUG, 3, STATUS_SUCCESS);
    assert_null(ntsim_pnp_state(Machine, PORT3)); /* until the PnP manager gets to it */
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, PORT3), "started");
    assert_int_equal(PortStart(PORT3), 0x1010);
    Control(IOCTL_WDMBUS_UNPLUG, 1, STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    assert_null(ntsim_pnp_state(Machine, PORT1));
    assert_string_equal(ntsim_pnp_state(Machine, PORT2), "started");
    /* its range is free again: a new port gets it */
    Control(IOCTL_WDMBUS_PLUG, 4, STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    assert_int_equal(PortStart("WDMBUS\\Port\\04"), 0x1000);
    Finish();
}

/* The PnP manager's worker acts on IoInvalidateDeviceRelations by itself once simulated
 * threads run: no ntsim_pnp_process needed. */
static void test_invalidation_processed_by_pnp_worker(void **state)
{
    (void)state;
    BootBus();
    Control(IOCTL_WDMBUS_PLUG, 3, STATUS_SUCCESS);
    assert_null(ntsim_pnp_state(Machine, PORT3)); /* the host has not let threads run yet */
    assert_int_equal(ntsim_run_for(Machine, 1000000), 0);
    const char *State = ntsim_pnp_state(Machine, PORT3);
    assert_non_null(State);
    assert_string_equal(State, "started");
    Control(IOCTL_WDMBUS_UNPLUG, 3, STATUS_SUCCESS);
    assert_int_equal(ntsim_run_for(Machine, 1000000), 0);
    assert_null(ntsim_pnp_state(Machine, PORT3));
    Finish();
}

static void test_rebalance_moves_resources(void **state)
{
    (void)state;
    BootBus();
    assert_int_equal(PortStart(PORT2), 0x1008);
    assert_int_equal(ntsim_pnp_rebalance(Machine, PORT2), 0);
    assert_string_equal(ntsim_pnp_state(Machine, PORT2), "started");
    uint64_t Moved = PortStart(PORT2);
    assert_true(Moved != 0x1008 && Moved != 0x1000);
    assert_int_equal(ntsim_pnp_stop(Machine, PORT1), 0);
    assert_string_equal(ntsim_pnp_state(Machine, PORT1), "stopped");
    assert_int_equal(ntsim_pnp_start_device(Machine, PORT1), 0);
    assert_int_equal(PortStart(PORT1), 0x1000);
    Finish();
}

static void test_surprise_removal_with_read_in_flight(void **state)
{
    (void)state;
    BootBus();
    char Name[128];
    PdoName(PORT2, Name, sizeof(Name));
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, Name, &F), 0);
    char Buffer[4];
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, Buffer, sizeof(Buffer), &Read), (int32_t)STATUS_PENDING);
    Control(IOCTL_WDMBUS_UNPLUG, 2, STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    int32_t Status;
    size_t Information;
    assert_true(ntsim_request_done(Read, &Status, &Information));
    assert_int_equal(Status, (int32_t)STATUS_NO_SUCH_DEVICE);
    ntsim_request_free(Read);
    assert_string_equal(ntsim_pnp_state(Machine, PORT2), "surprise-removed");
    assert_int_equal(ntsim_close(F), 0);
    assert_null(ntsim_pnp_state(Machine, PORT2));
    assert_false(ntsim_object_exists(Machine, Name));
    Finish();
}

static void test_removing_the_bus_removes_children_first(void **state)
{
    (void)state;
    BootBus();
    assert_int_equal(ntsim_pnp_bind(Machine, "WDMBUS\\Port", TestDriverPath("wdmfilter.sys"), NULL,
                                    NTSIM_PNP_LOWER_FILTER),
                     0);
    Control(IOCTL_WDMBUS_PLUG, 3, STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    char *Tree = ntsim_pnp_tree_text(Machine);
    char *Port3 = strstr(Tree, PORT3);
    assert_non_null(Port3);
    assert_non_null(strstr(Port3, "filter \\Driver\\wdmfilter"));
    free(Tree);
    assert_int_equal(ntsim_pnp_remove(Machine, BUS_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, BUS_PATH), "removed");
    assert_null(ntsim_pnp_state(Machine, PORT1));
    assert_null(ntsim_pnp_state(Machine, PORT3));
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmbus"));
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmfilter"));
    assert_int_equal(ntsim_pnp_start_device(Machine, BUS_PATH), 0);
    assert_string_equal(ntsim_pnp_state(Machine, PORT1), "started");
    Finish();
}

static void test_upper_filter_sees_the_io(void **state)
{
    (void)state;
    Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION),
                     0);
    assert_int_equal(ntsim_pnp_bind(Machine, "ACPI\\PNP0501", TestDriverPath("wdmfilter.sys"), NULL,
                                    NTSIM_PNP_UPPER_FILTER),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    char *Tree = ntsim_pnp_tree_text(Machine);
    char *Com1 = strstr(Tree, "ACPI\\PNP0501\\1");
    assert_non_null(Com1);
    char *Filter = strstr(Com1, "filter \\Driver\\wdmfilter");
    char *Fdo = strstr(Com1, "FDO    \\Driver\\wdmserial");
    char *Pdo = strstr(Com1, "PDO    \\Driver\\PnpManager");
    assert_true(Filter && Fdo && Pdo && Filter < Fdo && Fdo < Pdo); /* top of the stack first */
    free(Tree);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &F), 0);
    size_t Put;
    assert_int_equal(ntsim_write(F, "xy", 2, &Put), 0);
    ULONG Counts[IRP_MJ_MAXIMUM_FUNCTION + 1];
    size_t Returned;
    assert_int_equal(ntsim_ioctl(F, IOCTL_WDMFILTER_COUNTS, NULL, 0, Counts, sizeof(Counts), &Returned), 0);
    assert_int_equal(Counts[IRP_MJ_CREATE], 1);
    assert_int_equal(Counts[IRP_MJ_WRITE], 1);
    assert_true(Counts[IRP_MJ_PNP] >= 5); /* capabilities, requirements, filter, start, state ... */
    assert_int_equal(ntsim_close(F), 0);
    /* sleep and wake: both drivers pass the power IRPs with PoCallDriver */
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 4), 0);
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 1), 0);
    assert_int_equal(ntsim_pnp_remove(Machine, "ACPI\\PNP0501\\1"), 0);
    assert_false(ntsim_object_exists(Machine, "\\Driver\\wdmfilter"));
    Finish();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_bus_enumerates_children),
        cmocka_unit_test(test_plug_and_unplug_at_run_time),
        cmocka_unit_test(test_invalidation_processed_by_pnp_worker),
        cmocka_unit_test(test_rebalance_moves_resources),
        cmocka_unit_test(test_surprise_removal_with_read_in_flight),
        cmocka_unit_test(test_removing_the_bus_removes_children_first),
        cmocka_unit_test(test_upper_filter_sees_the_io),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
