/* config.c - IoQueryDeviceDescription over the machine's HARDWARE\DESCRIPTION tree:
 * COM1 on the ISA bus, the edu function on the PCI bus, a second UART added with a
 * device option, the "any" parameters, no match, a callout failure ending the walk,
 * and SY-04. The driver is linked into this file. */
#include <ntddk.h>

#include <strings.h>

#include "ntsim_test.h"

/* ---- what the callouts saw ---- */

#define MAX_CALLS 8

typedef struct {
    char Text[128]; /* Identifier as ASCII; "" when the entry was NULL */
    BOOLEAN HasIdentifier, HasData, HasComponent;
    ULONG IdentifierType, DataType, ComponentType;
    ULONG InterfaceType, BusNumber; /* from Configuration Data */
    ULONG PartialCount;
    ULONGLONG PortStart, MemoryStart;
    ULONG PortLength, MemoryLength;
    ULONG InterruptLevel; /* ~0u: none */
    ULONG ComponentKey;
} LEVEL_SEEN;

typedef struct {
    char Path[256];
    INTERFACE_TYPE BusType;
    ULONG BusNumber;
    CONFIGURATION_TYPE ControllerType, PeripheralType;
    ULONG ControllerNumber, PeripheralNumber;
    BOOLEAN HasBus, HasController, HasPeripheral;
    LEVEL_SEEN Bus, Controller;
} CALL_SEEN;

typedef struct {
    /* query (Use* FALSE = pass NULL) */
    BOOLEAN UseBusType, UseBusNumber, UseControllerType, UseControllerNumber, UsePeripheralType;
    INTERFACE_TYPE BusType;
    ULONG BusNumber;
    CONFIGURATION_TYPE ControllerType, PeripheralType;
    ULONG ControllerNumber;
    BOOLEAN NoCallout;
    BOOLEAN AtDispatch;
    NTSTATUS CalloutStatus; /* what each callout returns */
    ULONG FailOnCall;       /* 1-based call that returns FailStatus instead (0: none) */
    NTSTATUS FailStatus;
    /* results */
    NTSTATUS Status;
    ULONG Calls;
    CALL_SEEN Seen[MAX_CALLS];
} QUERY;

static QUERY Q;

static void WideToAscii(const WCHAR *W, size_t Chars, char *Out, size_t Size)
{
    size_t n = 0;
    for (size_t i = 0; i < Chars && W[i] && n + 1 < Size; i++)
        Out[n++] = (char)W[i];
    Out[n] = 0;
}

static void SeeLevel(PKEY_VALUE_FULL_INFORMATION *Info, LEVEL_SEEN *L)
{
    memset(L, 0, sizeof(*L));
    L->InterruptLevel = ~0u;
    PKEY_VALUE_FULL_INFORMATION Id = Info[IoQueryDeviceIdentifier];
    if (Id) {
        L->HasIdentifier = TRUE;
        L->IdentifierType = Id->Type;
        WideToAscii((const WCHAR *)((PUCHAR)Id + Id->DataOffset), Id->DataLength / sizeof(WCHAR), L->Text,
                    sizeof(L->Text));
    }
    PKEY_VALUE_FULL_INFORMATION Data = Info[IoQueryDeviceConfigurationData];
    if (Data) {
        L->HasData = TRUE;
        L->DataType = Data->Type;
        PCM_FULL_RESOURCE_DESCRIPTOR Full = (PCM_FULL_RESOURCE_DESCRIPTOR)((PUCHAR)Data + Data->DataOffset);
        L->InterfaceType = (ULONG)Full->InterfaceType;
        L->BusNumber = Full->BusNumber;
        L->PartialCount = Full->PartialResourceList.Count;
        for (ULONG i = 0; i < Full->PartialResourceList.Count; i++) {
            PCM_PARTIAL_RESOURCE_DESCRIPTOR P = &Full->PartialResourceList.PartialDescriptors[i];
            if (P->Type == CmResourceTypePort) {
                L->PortStart = (ULONGLONG)P->u.Port.Start.QuadPart;
                L->PortLength = P->u.Port.Length;
            } else if (P->Type == CmResourceTypeMemory) {
                L->MemoryStart = (ULONGLONG)P->u.Memory.Start.QuadPart;
                L->MemoryLength = P->u.Memory.Length;
            } else if (P->Type == CmResourceTypeInterrupt) {
                L->InterruptLevel = P->u.Interrupt.Level;
            }
        }
    }
    PKEY_VALUE_FULL_INFORMATION Component = Info[IoQueryDeviceComponentInformation];
    if (Component) {
        L->HasComponent = TRUE;
        L->ComponentType = Component->Type;
        if (Component->DataLength >= sizeof(CM_COMPONENT_INFORMATION))
            L->ComponentKey = ((PCM_COMPONENT_INFORMATION)((PUCHAR)Component + Component->DataOffset))->Key;
    }
}

static NTSTATUS Callout(PVOID Context, PUNICODE_STRING PathName, INTERFACE_TYPE BusType, ULONG BusNumber,
                        PKEY_VALUE_FULL_INFORMATION *BusInformation, CONFIGURATION_TYPE ControllerType,
                        ULONG ControllerNumber, PKEY_VALUE_FULL_INFORMATION *ControllerInformation,
                        CONFIGURATION_TYPE PeripheralType, ULONG PeripheralNumber,
                        PKEY_VALUE_FULL_INFORMATION *PeripheralInformation)
{
    QUERY *Query = Context;
    ULONG Call = ++Query->Calls;
    if (Call <= MAX_CALLS) {
        CALL_SEEN *S = &Query->Seen[Call - 1];
        WideToAscii(PathName->Buffer, PathName->Length / sizeof(WCHAR), S->Path, sizeof(S->Path));
        S->BusType = BusType;
        S->BusNumber = BusNumber;
        S->ControllerType = ControllerType;
        S->ControllerNumber = ControllerNumber;
        S->PeripheralType = PeripheralType;
        S->PeripheralNumber = PeripheralNumber;
        S->HasBus = BusInformation != NULL;
        S->HasController = ControllerInformation != NULL;
        S->HasPeripheral = PeripheralInformation != NULL;
        if (BusInformation)
            SeeLevel(BusInformation, &S->Bus);
        if (ControllerInformation)
            SeeLevel(ControllerInformation, &S->Controller);
    }
    if (Query->FailOnCall == Call)
        return Query->FailStatus;
    return Query->CalloutStatus;
}

static NTSTATUS QueryDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID QueryUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

/* A well-formed legacy driver whose DriverEntry runs the query in Q. */
static NTSTATUS QueryEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    DriverObject->DriverUnload = QueryUnload;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = QueryDispatch;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = QueryDispatch;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, L"\\Device\\CfgQuery");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    KIRQL Old = PASSIVE_LEVEL;
    if (Q.AtDispatch)
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
    Q.Status = IoQueryDeviceDescription(Q.UseBusType ? &Q.BusType : NULL, Q.UseBusNumber ? &Q.BusNumber : NULL,
                                        Q.UseControllerType ? &Q.ControllerType : NULL,
                                        Q.UseControllerNumber ? &Q.ControllerNumber : NULL,
                                        Q.UsePeripheralType ? &Q.PeripheralType : NULL, NULL,
                                        Q.NoCallout ? NULL : Callout, &Q);
    if (Q.AtDispatch)
        KeLowerIrql(Old);
    return STATUS_SUCCESS;
}

/* ---- helpers ---- */

static ntsim_machine *NewMachine(const char *const *Devices)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    Config.devices = Devices;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    return Machine;
}

/* Reset the query to "CalloutStatus success, everything NULL". */
static void ResetQuery(void)
{
    memset(&Q, 0, sizeof(Q));
    Q.CalloutStatus = STATUS_SUCCESS;
    Q.Status = (NTSTATUS)0x12345678; /* not a status the routine returns */
}

#define NoController ((CONFIGURATION_TYPE)-1)

/* A fresh query for a bus type and, unless NoController, a controller type. */
static void QueryFor(INTERFACE_TYPE BusType, CONFIGURATION_TYPE ControllerType)
{
    ResetQuery();
    Q.UseBusType = TRUE;
    Q.BusType = BusType;
    if (ControllerType != NoController) {
        Q.UseControllerType = TRUE;
        Q.ControllerType = ControllerType;
    }
}

/* Run the query from a driver's DriverEntry, then unload the driver. */
static void RunQuery(ntsim_machine *M)
{
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load_entry(M, "cfgquery", (ntsim_driver_entry)QueryEntry, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_non_null(Driver);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
}

static void AssertEndsWith(const char *Text, const char *Suffix)
{
    size_t T = strlen(Text), S = strlen(Suffix);
    if (T < S || strcasecmp(Text + T - S, Suffix) != 0)
        fail_msg("'%s' does not end with '%s'", Text, Suffix);
}

/* ---- tests ---- */

static void test_com1_on_isa(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    QueryFor(Isa, SerialController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 1);
    CALL_SEEN *S = &Q.Seen[0];
    AssertEndsWith(S->Path, "\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0\\SerialController\\0");
    assert_int_equal(S->BusType, Isa);
    assert_int_equal(S->BusNumber, 0);
    assert_int_equal(S->ControllerType, SerialController);
    assert_int_equal(S->ControllerNumber, 0);
    assert_true(S->HasBus);
    assert_true(S->HasController);
    assert_false(S->HasPeripheral);
    /* the bus: MultifunctionAdapter\0 */
    assert_true(S->Bus.HasIdentifier);
    assert_int_equal(S->Bus.IdentifierType, REG_SZ);
    assert_string_equal(S->Bus.Text, "ISA");
    assert_true(S->Bus.HasData);
    assert_int_equal(S->Bus.DataType, REG_FULL_RESOURCE_DESCRIPTOR);
    assert_int_equal(S->Bus.InterfaceType, Isa);
    assert_int_equal(S->Bus.PartialCount, 0);
    assert_true(S->Bus.HasComponent);
    assert_int_equal(S->Bus.ComponentType, REG_BINARY);
    /* the controller: COM1 */
    assert_true(S->Controller.HasIdentifier);
    assert_int_equal(S->Controller.IdentifierType, REG_SZ);
    assert_string_equal(S->Controller.Text, "COM1");
    assert_true(S->Controller.HasData);
    assert_int_equal(S->Controller.DataType, REG_FULL_RESOURCE_DESCRIPTOR);
    assert_int_equal(S->Controller.InterfaceType, Isa);
    assert_int_equal(S->Controller.BusNumber, 0);
    assert_int_equal(S->Controller.PortStart, 0x3F8);
    assert_int_equal(S->Controller.PortLength, 8);
    assert_int_equal(S->Controller.InterruptLevel, 4);
    assert_true(S->Controller.HasComponent);
    assert_int_equal(S->Controller.ComponentType, REG_BINARY);
    assert_int_equal(S->Controller.ComponentKey, 0);
    if (TestErrorCount(M))
        TestDumpFindings(M);
    assert_int_equal(TestErrorCount(M), 0);
    ntsim_machine_destroy(M);
}

static void test_edu_on_pci(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    QueryFor(PCIBus, OtherController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 1);
    CALL_SEEN *S = &Q.Seen[0];
    AssertEndsWith(S->Path, "\\MultifunctionAdapter\\1\\OtherController\\0");
    assert_int_equal(S->BusType, PCIBus);
    assert_int_equal(S->BusNumber, 0);
    assert_int_equal(S->ControllerType, OtherController);
    assert_int_equal(S->ControllerNumber, 0);
    assert_string_equal(S->Bus.Text, "PCI");
    assert_int_equal(S->Bus.InterfaceType, PCIBus);
    assert_non_null(strstr(S->Controller.Text, "VEN_1234&DEV_11E8"));
    assert_int_equal(S->Controller.InterfaceType, PCIBus);
    assert_int_equal(S->Controller.MemoryStart, 0xFE000000u);
    assert_int_equal(S->Controller.MemoryLength, 0x100000);
    assert_int_equal(S->Controller.InterruptLevel, 11);
    assert_int_equal(S->Controller.PortLength, 0);

    /* the same function is no ISA controller, and no PCI function is a serial controller */
    QueryFor(Isa, OtherController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    QueryFor(PCIBus, SerialController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    ntsim_machine_destroy(M);
}

static void test_any_and_bus_only(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    /* any bus, any serial controller: COM1 */
    ResetQuery();
    Q.UseControllerType = TRUE;
    Q.ControllerType = SerialController;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 1);
    assert_int_equal(Q.Seen[0].BusType, Isa);
    assert_string_equal(Q.Seen[0].Controller.Text, "COM1");

    /* a bus type alone: one callout per bus, no controller information */
    QueryFor(PCIBus, NoController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 1);
    assert_true(Q.Seen[0].HasBus);
    assert_false(Q.Seen[0].HasController);
    assert_false(Q.Seen[0].HasPeripheral);
    assert_string_equal(Q.Seen[0].Bus.Text, "PCI");
    AssertEndsWith(Q.Seen[0].Path, "\\MultifunctionAdapter\\1");

    /* no type at all, or no callout: refused */
    ResetQuery();
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_INVALID_PARAMETER);
    assert_int_equal(Q.Calls, 0);
    QueryFor(Isa, NoController);
    Q.NoCallout = TRUE;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_INVALID_PARAMETER);
    ntsim_machine_destroy(M);
}

static void test_no_match(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    /* no tape controller (the default PC has a disk controller: the floppy's) */
    QueryFor(Isa, TapeController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    /* no second ISA bus */
    QueryFor(Isa, NoController);
    Q.UseBusNumber = TRUE;
    Q.BusNumber = 1;
    Q.UseControllerType = TRUE;
    Q.ControllerType = SerialController;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    /* no COM2 on the default machine */
    QueryFor(Isa, SerialController);
    Q.UseControllerNumber = TRUE;
    Q.ControllerNumber = 1;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    /* no modem behind COM1 */
    QueryFor(Isa, SerialController);
    Q.UsePeripheralType = TRUE;
    Q.PeripheralType = ModemPeripheral;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    /* no EISA bus */
    QueryFor(Eisa, NoController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Q.Calls, 0);
    ntsim_machine_destroy(M);
}

static void test_second_uart_is_controller_1(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    assert_int_equal(ntsim_machine_add_device(M, "uart16550,io=0x2f8,irq=3"), 0);
    /* ControllerNumber 1: COM2 alone */
    QueryFor(Isa, SerialController);
    Q.UseControllerNumber = TRUE;
    Q.ControllerNumber = 1;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 1);
    assert_int_equal(Q.Seen[0].ControllerNumber, 1);
    assert_string_equal(Q.Seen[0].Controller.Text, "COM2");
    assert_int_equal(Q.Seen[0].Controller.PortStart, 0x2F8);
    assert_int_equal(Q.Seen[0].Controller.InterruptLevel, 3);
    assert_int_equal(Q.Seen[0].Controller.ComponentKey, 1);
    AssertEndsWith(Q.Seen[0].Path, "\\SerialController\\1");
    /* any controller number: both, in order */
    QueryFor(Isa, SerialController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 2);
    assert_int_equal(Q.Seen[0].ControllerNumber, 0);
    assert_int_equal(Q.Seen[0].Controller.PortStart, 0x3F8);
    assert_int_equal(Q.Seen[1].ControllerNumber, 1);
    assert_int_equal(Q.Seen[1].Controller.PortStart, 0x2F8);
    ntsim_machine_destroy(M);
}

static void test_callout_error_stops_walk(void **state)
{
    (void)state;
    static const char *const TwoUarts[] = { "uart16550,io=0x3f8,irq=4", "uart16550,io=0x2f8,irq=3", NULL };
    ntsim_machine *M = NewMachine(TwoUarts);
    /* the first callout fails: the second controller is never offered */
    QueryFor(Isa, SerialController);
    Q.FailOnCall = 1;
    Q.FailStatus = STATUS_DEVICE_DOES_NOT_EXIST;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_DEVICE_DOES_NOT_EXIST);
    assert_int_equal(Q.Calls, 1);
    assert_string_equal(Q.Seen[0].Controller.Text, "COM1");
    /* a failure on the last one is returned too */
    QueryFor(Isa, SerialController);
    Q.FailOnCall = 2;
    Q.FailStatus = STATUS_INSUFFICIENT_RESOURCES;
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(Q.Calls, 2);
    /* success statuses keep the walk going */
    QueryFor(Isa, SerialController);
    RunQuery(M);
    assert_int_equal(Q.Status, STATUS_SUCCESS);
    assert_int_equal(Q.Calls, 2);
    ntsim_machine_destroy(M);
}

static void test_sy04_above_passive(void **state)
{
    (void)state;
    ntsim_machine *M = NewMachine(NULL);
    QueryFor(Isa, SerialController);
    RunQuery(M);
    assert_null(TestFindRule(M, "SY-04"));
    QueryFor(Isa, SerialController);
    Q.AtDispatch = TRUE;
    RunQuery(M);
    const ntsim_finding *F = TestFindRule(M, "SY-04");
    assert_non_null(F);
    assert_non_null(strstr(F->message, "IoQueryDeviceDescription"));
    ntsim_machine_destroy(M);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_com1_on_isa),
        cmocka_unit_test(test_edu_on_pci),
        cmocka_unit_test(test_any_and_bus_only),
        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_second_uart_is_controller_1),
        cmocka_unit_test(test_callout_error_stops_walk),
        cmocka_unit_test(test_sy04_above_passive),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
