/* test_failable.c - every DDI docs/faults.md lists as failable reaches the fault
 * choke point: a driver calls each one under `count`, and the recorded injection
 * points must name every DDI of the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntddk.h>
#include <wdmsec.h>
#include <ntsim/ntsim.h>

static NTSTATUS OpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS Completion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static int ClientId;

static IO_ALLOCATION_ACTION ChannelGranted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(MapRegisterBase);
    UNREFERENCED_PARAMETER(Context);
    return DeallocateObject;
}

static VOID ListReady(PDEVICE_OBJECT DeviceObject, PIRP Irp, PSCATTER_GATHER_LIST List, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    PDMA_ADAPTER Adapter = Context;
    Adapter->DmaOperations->PutScatterGatherList(Adapter, List, TRUE);
}

/* The PCI, mapping and DMA DDIs (docs/pci.md), on the default machine's edu device. */
static VOID CallPciDdis(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PDEVICE_OBJECT Device)
{
    PCI_SLOT_NUMBER Slot;
    Slot.u.AsULONG = 0;
    Slot.u.bits.DeviceNumber = 3;
    PCM_RESOURCE_LIST List;
    if (NT_SUCCESS(HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, 0, Slot.u.AsULONG, &List))) {
        PHYSICAL_ADDRESS Bar = List->List[0].PartialResourceList.PartialDescriptors[0].u.Memory.Start;
        ExFreePool(List);
        PVOID Map = MmMapIoSpace(Bar, 16, MmNonCached);
        if (Map)
            MmUnmapIoSpace(Map, 16);
        Map = MmMapIoSpaceEx(Bar, 16, PAGE_READWRITE | PAGE_NOCACHE);
        if (Map)
            MmUnmapIoSpace(Map, 16);
    }
    PHYSICAL_ADDRESS Low, High, Boundary;
    Low.QuadPart = 0;
    High.QuadPart = 0xFFFFFFFF;
    Boundary.QuadPart = 0;
    PVOID Memory = MmAllocateContiguousMemory(4096, High);
    if (Memory)
        MmFreeContiguousMemory(Memory);
    Memory = MmAllocateContiguousMemorySpecifyCache(4096, Low, High, Boundary, MmCached);
    if (Memory)
        MmFreeContiguousMemory(Memory);
    Memory = MmAllocateNonCachedMemory(4096);
    if (Memory)
        MmFreeNonCachedMemory(Memory, 4096);
    DEVICE_DESCRIPTION Desc;
    RtlZeroMemory(&Desc, sizeof(Desc));
    Desc.Master = TRUE;
    Desc.Dma32BitAddresses = TRUE;
    Desc.InterfaceType = PCIBus;
    Desc.MaximumLength = 4096;
    ULONG Registers;
    PDMA_ADAPTER Adapter = IoGetDmaAdapter(NULL, &Desc, &Registers);
    if (Adapter) {
        PHYSICAL_ADDRESS Logical;
        PVOID Common = Adapter->DmaOperations->AllocateCommonBuffer(Adapter, 64, &Logical, FALSE);
        if (Common)
            Adapter->DmaOperations->FreeCommonBuffer(Adapter, 64, Logical, Common, FALSE);
        Common = HalAllocateCommonBuffer(Adapter, 64, &Logical, FALSE);
        if (Common)
            HalFreeCommonBuffer(Adapter, 64, Logical, Common, FALSE);
        UCHAR Data[16] = { 0 };
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        Adapter->DmaOperations->AllocateAdapterChannel(Adapter, Device, 1, ChannelGranted, NULL);
        IoAllocateAdapterChannel(Adapter, Device, 1, ChannelGranted, NULL);
        Adapter->DmaOperations->GetScatterGatherList(Adapter, Device, NULL, Data, sizeof(Data), ListReady, Adapter,
                                                     TRUE);
        KeLowerIrql(Old);
        Adapter->DmaOperations->PutDmaAdapter(Adapter);
    }
    PADAPTER_OBJECT Legacy = HalGetAdapter(&Desc, &Registers);
    if (Legacy)
        Legacy->DmaOperations->PutDmaAdapter(Legacy);
    PCONTROLLER_OBJECT Controller = IoCreateController(16);
    if (Controller)
        IoDeleteController(Controller);
    CM_RESOURCE_LIST Empty;
    BOOLEAN Conflict;
    RtlZeroMemory(&Empty, sizeof(Empty));
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(Empty), NULL, NULL, 0, FALSE, &Conflict);
}

/* Lookaside lists, events by handle and WMI registration (docs/wdk-routines.md). */
static VOID CallWdkRoutineDdis(PDEVICE_OBJECT Device)
{
    static NPAGED_LOOKASIDE_LIST NPaged;
    static PAGED_LOOKASIDE_LIST Paged;
    static LOOKASIDE_LIST_EX Ex;
    ExInitializeNPagedLookasideList(&NPaged, NULL, NULL, 0, 32, 'tseT', 0);
    PVOID Block = ExAllocateFromNPagedLookasideList(&NPaged);
    if (Block)
        ExFreeToNPagedLookasideList(&NPaged, Block);
    ExDeleteNPagedLookasideList(&NPaged);
    ExInitializePagedLookasideList(&Paged, NULL, NULL, 0, 32, 'tseT', 0);
    Block = ExAllocateFromPagedLookasideList(&Paged);
    if (Block)
        ExFreeToPagedLookasideList(&Paged, Block);
    ExDeletePagedLookasideList(&Paged);
    if (NT_SUCCESS(ExInitializeLookasideListEx(&Ex, NULL, NULL, NonPagedPoolNx, 0, 32, 'tseT', 0))) {
        Block = ExAllocateFromLookasideListEx(&Ex);
        if (Block)
            ExFreeToLookasideListEx(&Ex, Block);
        ExDeleteLookasideListEx(&Ex);
    }
    HANDLE Event;
    if (NT_SUCCESS(ZwCreateEvent(&Event, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE)))
        ZwClose(Event);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\FailableEvent");
    if (IoCreateNotificationEvent(&Name, &Event))
        ZwClose(Event);
    if (IoCreateSynchronizationEvent(&Name, &Event))
        ZwClose(Event);
    if (NT_SUCCESS(IoWMIRegistrationControl(Device, WMIREG_ACTION_REGISTER)))
        IoWMIRegistrationControl(Device, WMIREG_ACTION_DEREGISTER);
}

/* Calls every failable DDI once (and undoes it), then fails on purpose so the loader
 * cleans up; the test only reads the recorded points. */
static NTSTATUS Entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Failable");
    UNICODE_STRING Name2 = RTL_CONSTANT_STRING(L"\\Device\\Failable2");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Failable");
    UNICODE_STRING Link2 = RTL_CONSTANT_STRING(L"\\DosDevices\\Failable2");
    UNICODE_STRING Sddl = RTL_CONSTANT_STRING(SDDL_DEVOBJ_SYS_ALL_ADM_ALL);
    PDEVICE_OBJECT Device, Device2;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = OpenClose;

    ExFreePool(ExAllocatePoolWithTag(NonPagedPoolNx, 8, 'tseT'));
    ExFreePool(ExAllocatePool(NonPagedPoolNx, 8));
    ExFreePool(ExAllocatePool2(POOL_FLAG_NON_PAGED, 8, 'tseT'));
    ExFreePool(ExAllocatePoolZero(NonPagedPoolNx, 8, 'tseT'));
    ExFreePool(ExAllocatePoolUninitialized(NonPagedPoolNx, 8, 'tseT'));
    ExFreePool(ExAllocatePoolWithQuotaTag(NonPagedPoolNx, 8, 'tseT'));
    ANSI_STRING Ansi;
    UNICODE_STRING Unicode, Copy;
    RtlInitAnsiString(&Ansi, "text");
    RtlAnsiStringToUnicodeString(&Unicode, &Ansi, TRUE);
    RtlUnicodeStringToAnsiString(&Ansi, &Unicode, TRUE);
    RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &Unicode, &Copy);
    RtlFreeUnicodeString(&Copy);
    RtlFreeAnsiString(&Ansi);
    RtlFreeUnicodeString(&Unicode);

    if (!NT_SUCCESS(IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device)))
        return STATUS_UNSUCCESSFUL;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    if (NT_SUCCESS(IoCreateDeviceSecure(DriverObject, 0, &Name2, FILE_DEVICE_UNKNOWN, 0, FALSE, &Sddl, NULL, &Device2)))
        IoDeleteDevice(Device2);
    if (NT_SUCCESS(IoCreateSymbolicLink(&Link, &Name)))
        IoDeleteSymbolicLink(&Link);
    if (NT_SUCCESS(IoCreateUnprotectedSymbolicLink(&Link2, &Name)))
        IoDeleteSymbolicLink(&Link2);

    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp)
        IoFreeIrp(Irp);
    KEVENT Event;
    IO_STATUS_BLOCK Iosb;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    Irp = IoBuildDeviceIoControlRequest(0x222000, Device, NULL, 0, NULL, 0, FALSE, &Event, &Iosb);
    if (Irp)
        IoCallDriver(Device, Irp);
    UCHAR Buffer[16];
    Irp = IoBuildSynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, sizeof(Buffer), NULL, &Event, &Iosb);
    if (Irp)
        IoCallDriver(Device, Irp);
    Irp = IoBuildAsynchronousFsdRequest(IRP_MJ_READ, Device, Buffer, sizeof(Buffer), NULL, &Iosb);
    if (Irp) {
        IoSetCompletionRoutine(Irp, Completion, NULL, TRUE, TRUE, TRUE);
        IoCallDriver(Device, Irp);
    }

    PMDL Mdl = IoAllocateMdl(Buffer, sizeof(Buffer), FALSE, FALSE, NULL);
    if (Mdl) {
        MmBuildMdlForNonPagedPool(Mdl);
        Mdl->MdlFlags &= ~MDL_SOURCE_IS_NONPAGED_POOL; /* force the mapping path */
        Mdl->MdlFlags |= MDL_PAGES_LOCKED;
        MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority);
        Mdl->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA);
        IoFreeMdl(Mdl);
    }

    PVOID Extension;
    IoAllocateDriverObjectExtension(DriverObject, &ClientId, 16, &Extension);
    PFILE_OBJECT File;
    PDEVICE_OBJECT Target;
    if (NT_SUCCESS(IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &File, &Target)))
        ObDereferenceObject(File);
    if (NT_SUCCESS(IoRegisterShutdownNotification(Device)))
        IoUnregisterShutdownNotification(Device);
    PVOID Log = IoAllocateErrorLogEntry(DriverObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Log)
        IoWriteErrorLogEntry(Log);

    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE Key;
    ULONG Disposition, Value = 1, Length;
    UNICODE_STRING ValueName = RTL_CONSTANT_STRING(L"Probe");
    if (NT_SUCCESS(ZwCreateKey(&Key, KEY_ALL_ACCESS, &Attributes, 0, NULL, 0, &Disposition)))
        ZwClose(Key);
    if (NT_SUCCESS(ZwOpenKey(&Key, KEY_ALL_ACCESS, &Attributes))) {
        ZwSetValueKey(Key, &ValueName, 0, REG_DWORD, &Value, sizeof(Value));
        UCHAR Info[64];
        ZwQueryValueKey(Key, &ValueName, KeyValuePartialInformation, Info, sizeof(Info), &Length);
        ZwClose(Key);
    }
    RtlWriteRegistryValue(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, L"Probe2", REG_DWORD, &Value, sizeof(Value));
    RTL_QUERY_REGISTRY_TABLE Table[2];
    RtlZeroMemory(Table, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"Probe2";
    Table[0].EntryContext = &Value;
    RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, Table, NULL, NULL);

    CallPciDdis(DriverObject, RegistryPath, Device);
    CallWdkRoutineDdis(Device);

    IoDeleteDevice(Device);
    return STATUS_UNSUCCESSFUL;
}

static BOOLEAN Recorded(ntsim_machine *Machine, const char *Ddi)
{
    for (size_t i = 0; i < ntsim_fault_point_count(Machine); i++)
        if (strcmp(ntsim_fault_point_at(Machine, i)->ddi, Ddi) == 0)
            return TRUE;
    return FALSE;
}

static void test_every_failable_ddi_reaches_the_choke_point(void **State)
{
    (void)State;
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_int_equal(ntsim_fault_configure_string(Machine, "count"), 0);
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load_entry(Machine, "failable", (ntsim_driver_entry)Entry, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_UNSUCCESSFUL);
    FILE *Doc = fopen(NTSIM_SOURCE_DIR "/docs/faults.md", "r");
    assert_non_null(Doc);
    char Line[512];
    int Listed = 0, Missing = 0;
    BOOLEAN InTable = FALSE;
    while (fgets(Line, sizeof(Line), Doc)) {
        if (strncmp(Line, "| DDI |", 7) == 0) {
            InTable = TRUE;
            continue;
        }
        if (!InTable || strncmp(Line, "|---", 4) == 0)
            continue;
        if (Line[0] != '|')
            break;
        char Ddi[128];
        if (sscanf(Line, "| %127[A-Za-z0-9_] |", Ddi) != 1)
            continue;
        Listed++;
        if (!Recorded(Machine, Ddi)) {
            printf("failable DDI %s never reached the fault choke point\n", Ddi);
            Missing++;
        }
    }
    fclose(Doc);
    assert_true(Listed >= 25);
    assert_int_equal(Missing, 0);
    /* and the failure path left nothing behind */
    /* (except the driver object extension, which nothing can free: an FL-01 warning) */
    assert_int_equal(ntsim_count_rule(Machine, "FL-01"), 1);
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++)
        if (strcmp(ntsim_finding_at(Machine, i)->rule, "FL-01") == 0)
            assert_int_equal(ntsim_finding_at(Machine, i)->severity, NTSIM_SEV_WARNING);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_every_failable_ddi_reaches_the_choke_point),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
