/* ddi.c - the PnP DDIs as a WDM driver calls them, from a driver linked into this
 * test and bound to COM1 by service name: IoGetDeviceProperty, IoOpenDeviceRegistryKey,
 * IoRegisterDeviceInterface / IoSetDeviceInterfaceState / IoGetDeviceInterfaces with
 * the \??\ link and the arrival/removal notifications, IoGetLowerDeviceObject,
 * IoGetDeviceAttachmentBaseRef, IoGetAttachedDeviceReference,
 * IoAttachDeviceToDeviceStackSafe, IoIsWdmVersionAvailable, IoQueueWorkItemEx and
 * PoRequestPowerIrp. */
#include <ntddk.h>

#include "ntsim_test.h"

/* wdmguid.h's GUID_DEVICE_INTERFACE_ARRIVAL / _REMOVAL, under names of this test's own */
DEFINE_GUID(InterfaceArrival, 0xcb3a4004L, 0x46f0, 0x11d0, 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f);
DEFINE_GUID(InterfaceRemoval, 0xcb3a4005L, 0x46f0, 0x11d0, 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f);
DEFINE_GUID(DdiInterface, 0x11223344, 0x5566, 0x7788, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01);

static struct {
    PDEVICE_OBJECT Fdo, Lower, Pdo;
    UNICODE_STRING Interface;
    PVOID Notification;
    int Arrivals, Removals;
    WCHAR HardwareIds[64];
    ULONG HardwareIdsLength;
    WCHAR PdoName[64];
    WCHAR Enumerator[16];
    NTSTATUS BusTypeStatus, TooSmallStatus;
    ULONG NeededForDescription;
    ULONG ResourceBytes;
    NTSTATUS DriverKeyStatus;
    PDEVICE_OBJECT LowerQueried, BaseQueried, TopQueried;
    PWSTR InterfaceList;
    int WorkItemRan;
    PVOID WorkItemObject;
    int PowerCompleted;
    NTSTATUS PowerStatus;
    BOOLEAN Forwarded;
    NTSTATUS LowerStartStatus;
    ULONG ResourcesSeenAfterForward;
} T;

static NTSTATUS OnInterface(PVOID Structure, PVOID Context)
{
    PDEVICE_INTERFACE_CHANGE_NOTIFICATION N = Structure;
    (void)Context;
    if (IsEqualGUID(&N->Event, &InterfaceArrival))
        T.Arrivals++;
    else if (IsEqualGUID(&N->Event, &InterfaceRemoval))
        T.Removals++;
    return STATUS_SUCCESS;
}

static VOID WorkEx(PVOID IoObject, PVOID Context, PIO_WORKITEM Item)
{
    T.WorkItemRan++;
    T.WorkItemObject = IoObject;
    (void)Context;
    IoFreeWorkItem(Item);
}

static VOID PowerDone(PDEVICE_OBJECT Device, UCHAR Minor, POWER_STATE State, PVOID Context, PIO_STATUS_BLOCK Io)
{
    (void)Device; (void)Minor; (void)State; (void)Context;
    T.PowerCompleted++;
    T.PowerStatus = Io->Status;
}

static NTSTATUS Pass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(T.Lower, Irp);
}

static NTSTATUS Power(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(T.Lower, Irp);
}

static void QueryProperties(void)
{
    ULONG Length = 0;
    IoGetDeviceProperty(T.Pdo, DevicePropertyHardwareID, sizeof(T.HardwareIds), T.HardwareIds, &T.HardwareIdsLength);
    IoGetDeviceProperty(T.Pdo, DevicePropertyPhysicalDeviceObjectName, sizeof(T.PdoName), T.PdoName, &Length);
    IoGetDeviceProperty(T.Pdo, DevicePropertyEnumeratorName, sizeof(T.Enumerator), T.Enumerator, &Length);
    T.BusTypeStatus = IoGetDeviceProperty(T.Pdo, DevicePropertyBusTypeGuid, sizeof(GUID), T.HardwareIds + 60, &Length);
    T.TooSmallStatus = IoGetDeviceProperty(T.Pdo, DevicePropertyDeviceDescription, 2, T.Enumerator, &T.NeededForDescription);
    UCHAR Resources[256];
    if (NT_SUCCESS(IoGetDeviceProperty(T.Pdo, DevicePropertyAllocatedResources, sizeof(Resources), Resources, &Length)))
        T.ResourceBytes = Length;
    HANDLE Key;
    T.DriverKeyStatus = IoOpenDeviceRegistryKey(T.Pdo, PLUGPLAY_REGKEY_DRIVER, KEY_ALL_ACCESS, &Key);
    if (NT_SUCCESS(T.DriverKeyStatus))
        ZwClose(Key);
}

static NTSTATUS Pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UCHAR Minor = IoGetCurrentIrpStackLocation(Irp)->MinorFunction;
    if (Minor == IRP_MN_START_DEVICE) {
        /* the lower drivers start first: forward and wait, then act on their status */
        T.Forwarded = IoForwardIrpSynchronously(T.Lower, Irp);
        T.LowerStartStatus = Irp->IoStatus.Status;
        if (IoGetCurrentIrpStackLocation(Irp)->Parameters.StartDevice.AllocatedResources)
            T.ResourcesSeenAfterForward = 1;
        QueryProperties();
        IoSetDeviceInterfaceState(&T.Interface, TRUE);
        IoGetDeviceInterfaces(&DdiInterface, NULL, 0, &T.InterfaceList);
        PIO_WORKITEM Item = IoAllocateWorkItem(DeviceObject);
        IoQueueWorkItemEx(Item, WorkEx, DelayedWorkQueue, NULL);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    } else if (Minor == IRP_MN_REMOVE_DEVICE) {
        IoSetDeviceInterfaceState(&T.Interface, FALSE);
        RtlFreeUnicodeString(&T.Interface);
        IoUnregisterPlugPlayNotificationEx(T.Notification);
        NTSTATUS Status = Pass(DeviceObject, Irp);
        IoDetachDevice(T.Lower);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    return Pass(DeviceObject, Irp);
}

static NTSTATUS AddDevice(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Pdo)
{
    NTSTATUS Status = IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &T.Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    T.Pdo = Pdo;
    Status = IoAttachDeviceToDeviceStackSafe(T.Fdo, Pdo, &T.Lower);
    if (!NT_SUCCESS(Status))
        return Status;
    T.LowerQueried = IoGetLowerDeviceObject(T.Fdo);
    T.BaseQueried = IoGetDeviceAttachmentBaseRef(T.Fdo);
    T.TopQueried = IoGetAttachedDeviceReference(Pdo);
    ObDereferenceObject(T.LowerQueried);
    ObDereferenceObject(T.BaseQueried);
    ObDereferenceObject(T.TopQueried);
    IoRegisterDeviceInterface(Pdo, &DdiInterface, NULL, &T.Interface);
    IoRegisterPlugPlayNotification(EventCategoryDeviceInterfaceChange,
                                   PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES, (PVOID)&DdiInterface, Driver,
                                   OnInterface, NULL, &T.Notification);
    T.Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID Unload(PDRIVER_OBJECT Driver) { (void)Driver; }

static NTSTATUS Entry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        Driver->MajorFunction[i] = Pass;
    Driver->MajorFunction[IRP_MJ_PNP] = Pnp;
    Driver->MajorFunction[IRP_MJ_POWER] = Power;
    Driver->DriverExtension->AddDevice = AddDevice;
    Driver->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

static void test_driver_side_ddis(void **state)
{
    (void)state;
    memset(&T, 0, sizeof(T));
    ntsim_machine *Machine = TestMachine();
    int32_t Status;
    ntsim_driver *Driver;
    assert_int_equal(ntsim_driver_load_entry(Machine, "ddi", (ntsim_driver_entry)Entry, &Driver, &Status), 0);
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", NULL, "ddi", NTSIM_PNP_FUNCTION), 0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0501\\1"), "started");
    /* IoForwardIrpSynchronously: the PDO completed START before the FDO went on */
    assert_true(T.Forwarded);
    assert_int_equal(T.LowerStartStatus, 0);
    assert_int_equal(T.ResourcesSeenAfterForward, 1);
    /* an IRP with no stack location below the current one is not forwarded */
    PIRP Last = IoAllocateIrp(1, FALSE);
    IoSetNextIrpStackLocation(Last);
    assert_false(IoForwardIrpSynchronously(T.Lower, Last));
    IoFreeIrp(Last);
    /* attachment */
    assert_ptr_equal(T.Lower, T.Pdo);
    assert_ptr_equal(T.LowerQueried, T.Pdo);
    assert_ptr_equal(T.BaseQueried, T.Pdo);
    assert_ptr_equal(T.TopQueried, T.Fdo);
    /* properties: "ACPI\PNP0501\0*PNP0501\0\0" is 23 WCHARs */
    assert_int_equal(T.HardwareIdsLength, 23 * sizeof(WCHAR));
    assert_int_equal(T.HardwareIds[0], 'A');
    assert_int_equal(T.HardwareIds[13], '*');
    assert_int_equal(T.PdoName[0], '\\');
    assert_int_equal(T.PdoName[1], 'D');
    assert_int_equal(T.Enumerator[0], 'A'); /* "ACPI" */
    assert_int_equal(T.BusTypeStatus, (int32_t)STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(T.TooSmallStatus, (int32_t)STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(T.NeededForDescription, sizeof(L"Communications Port"));
    assert_true(T.ResourceBytes > 0);
    assert_int_equal(T.DriverKeyStatus, 0);
    char *Enum = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\ACPI\\PNP0501\\1");
    assert_non_null(strstr(Enum, "\"Driver\"=\"{4d36e97d-e325-11ce-bfc1-08002be10318}\\\\"));
    free(Enum);
    /* interfaces: the link, the list, the arrival (exactly one: registered before enabling) */
    assert_true(ntsim_object_exists(Machine, "\\??\\ACPI#PNP0501#1#{11223344-5566-7788-99aa-bbccddeeff01}"));
    assert_non_null(T.InterfaceList);
    assert_int_equal(T.InterfaceList[0], '\\');
    assert_int_equal(T.InterfaceList[1], '?');
    assert_int_equal(T.Arrivals, 1);
    assert_true(IoIsWdmVersionAvailable(1, 0x30));
    assert_true(IoIsWdmVersionAvailable(6, 0));
    assert_false(IoIsWdmVersionAvailable(7, 0));
    /* the work item runs with the device object; a device power IRP completes */
    assert_int_equal(ntsim_run_for(Machine, 0), 0);
    assert_int_equal(T.WorkItemRan, 1);
    assert_ptr_equal(T.WorkItemObject, T.Fdo);
    POWER_STATE D3 = { .DeviceState = PowerDeviceD3 };
    assert_int_equal(PoRequestPowerIrp(T.Pdo, IRP_MN_SET_POWER, D3, PowerDone, NULL, NULL), (int32_t)STATUS_PENDING);
    assert_int_equal(T.PowerCompleted, 1);
    assert_int_equal(T.PowerStatus, 0);
    ExFreePool(T.InterfaceList);
    assert_int_equal(ntsim_pnp_remove(Machine, "ACPI\\PNP0501\\1"), 0);
    assert_int_equal(T.Removals, 1);
    assert_false(ntsim_object_exists(Machine, "\\??\\ACPI#PNP0501#1#{11223344-5566-7788-99aa-bbccddeeff01}"));
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

/* ---- a legacy driver that detects its device and reports it ---- */

static PDEVICE_OBJECT DetectedPdo, DetectedFdo, DetectedLower;
static int DetectedStarts;
static PCM_RESOURCE_LIST DetectedRaw;

static NTSTATUS DetectedPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MinorFunction == IRP_MN_START_DEVICE) {
        DetectedStarts++;
        DetectedRaw = Stack->Parameters.StartDevice.AllocatedResources;
    } else if (Stack->MinorFunction == IRP_MN_REMOVE_DEVICE) {
        IoSkipCurrentIrpStackLocation(Irp);
        NTSTATUS Status = IoCallDriver(DetectedLower, Irp);
        IoDetachDevice(DetectedLower);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(DetectedLower, Irp);
}

static NTSTATUS DetectingEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    Driver->MajorFunction[IRP_MJ_PNP] = DetectedPnp;
    Driver->MajorFunction[IRP_MJ_POWER] = Power;
    Driver->DriverUnload = Unload;
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More;
    } R;
    memset(&R, 0, sizeof(R));
    R.List.Count = 1;
    R.List.List[0].InterfaceType = Isa;
    R.List.List[0].PartialResourceList.Version = 1;
    R.List.List[0].PartialResourceList.Revision = 1;
    R.List.List[0].PartialResourceList.Count = 2;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR D = R.List.List[0].PartialResourceList.PartialDescriptors;
    D[0].Type = CmResourceTypePort;
    D[0].ShareDisposition = CmResourceShareDeviceExclusive;
    D[0].Flags = CM_RESOURCE_PORT_IO;
    D[0].u.Port.Start.QuadPart = 0x2F8;
    D[0].u.Port.Length = 8;
    D[1].Type = CmResourceTypeInterrupt;
    D[1].ShareDisposition = CmResourceShareDeviceExclusive;
    D[1].u.Interrupt.Level = 3;
    D[1].u.Interrupt.Vector = 3;
    NTSTATUS Status = IoReportDetectedDevice(Driver, Isa, 0, 0, &R.List, NULL, FALSE, &DetectedPdo);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &DetectedFdo);
    if (!NT_SUCCESS(Status))
        return Status;
    DetectedLower = IoAttachDeviceToDeviceStack(DetectedFdo, DetectedPdo);
    DetectedFdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static void test_reported_detected_device_is_started(void **state)
{
    (void)state;
    ntsim_machine *Machine = TestMachine();
    int32_t Status;
    ntsim_driver *Driver;
    assert_int_equal(ntsim_driver_load_entry(Machine, "detector", (ntsim_driver_entry)DetectingEntry, &Driver, &Status),
                     0);
    assert_int_equal(Status, 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ROOT\\DETECTOR\\0000"), "added");
    assert_int_equal(ntsim_pnp_process(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ROOT\\DETECTOR\\0000"), "started");
    assert_int_equal(DetectedStarts, 1);
    assert_non_null(DetectedRaw);
    assert_int_equal(DetectedRaw->List[0].PartialResourceList.PartialDescriptors[0].u.Port.Start.QuadPart, 0x2F8);
    assert_int_equal(ntsim_pnp_remove(Machine, "ROOT\\DETECTOR\\0000"), 0);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

/* ---- legacy layering by name and by pointer (seed 004) ---- */

static PDEVICE_OBJECT LayerLower, LayerByName, LayerByPointer, LayerNameTarget;
static NTSTATUS LayerNameStatus, LayerPointerStatus, LayerMissingStatus;

static NTSTATUS LayerCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID LayerUnload(PDRIVER_OBJECT Driver)
{
    (void)Driver;
    IoDetachDevice(LayerByName);
    IoDetachDevice(LayerLower);
    IoDeleteDevice(LayerByPointer);
    IoDeleteDevice(LayerByName);
    IoDeleteDevice(LayerLower);
}

static NTSTATUS LayerEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    Driver->MajorFunction[IRP_MJ_CREATE] = LayerCreateClose;
    Driver->MajorFunction[IRP_MJ_CLOSE] = LayerCreateClose;
    Driver->DriverUnload = LayerUnload;
    UNICODE_STRING Name, Missing;
    RtlInitUnicodeString(&Name, L"\\Device\\LayerLower");
    RtlInitUnicodeString(&Missing, L"\\Device\\NoSuchDevice");
    IoCreateDevice(Driver, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &LayerLower);
    IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &LayerByName);
    IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &LayerByPointer);
    PDEVICE_OBJECT Ignored;
    LayerMissingStatus = IoAttachDevice(LayerByName, &Missing, &Ignored);
    LayerNameStatus = IoAttachDevice(LayerByName, &Name, &LayerNameTarget);
    LayerPointerStatus = IoAttachDeviceByPointer(LayerByPointer, LayerLower);
    return STATUS_SUCCESS;
}

static void test_legacy_layering(void **state)
{
    (void)state;
    ntsim_machine *Machine = TestMachine();
    int32_t Status;
    ntsim_driver *Driver;
    assert_int_equal(ntsim_driver_load_entry(Machine, "layer", (ntsim_driver_entry)LayerEntry, &Driver, &Status), 0);
    assert_int_equal(LayerMissingStatus, (int32_t)STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(LayerNameStatus, 0);
    assert_ptr_equal(LayerNameTarget, LayerLower);
    /* by pointer: on top of whatever is on top, the name-attached device */
    assert_int_equal(LayerPointerStatus, 0);
    assert_ptr_equal(IoGetAttachedDevice(LayerLower), LayerByPointer);
    PDEVICE_OBJECT Below = IoGetLowerDeviceObject(LayerByPointer);
    assert_ptr_equal(Below, LayerByName);
    ObDereferenceObject(Below);
    assert_int_equal(LayerByPointer->StackSize, 3);
    ntsim_file *F; /* opening the lower device's name reaches the top of its stack */
    assert_int_equal(ntsim_open(Machine, "\\Device\\LayerLower", &F), 0);
    assert_int_equal(ntsim_close(F), 0);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_driver_side_ddis),
        cmocka_unit_test(test_reported_detected_device_is_started),
        cmocka_unit_test(test_legacy_layering),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
