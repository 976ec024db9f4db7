/*
 * wdmbus.c - a WDM bus driver, after the WDK toaster bus sample: a software bus
 * (root-enumerated, e.g. ROOT\WDMBUS\0000) with "ports" that are plugged and
 * unplugged by IOCTL. It is two drivers in one, as every bus driver is:
 *
 *   the bus's function driver (FDO): START passes down and waits; BusRelations
 *     reports a PDO per plugged port, creating it the first time (the PnP manager
 *     takes the reference the bus adds); PLUG/UNPLUG change the set and call
 *     IoInvalidateDeviceRelations; REMOVE deletes every child PDO, detaches, deletes;
 *   each port's bus driver (PDO): answers QUERY_ID (WDMBUS\Port, instance = port
 *     number), QUERY_DEVICE_TEXT, QUERY_CAPABILITIES (surprise removal OK, raw device
 *     OK so it starts without a function driver), QUERY_BUS_INFORMATION, and a
 *     relocatable 8-port I/O range (QUERY_RESOURCE_REQUIREMENTS); completes what it
 *     does not handle with the status already in the IRP; reads pend until data that
 *     never comes, and fail when the port is unplugged; on REMOVE the PDO is deleted
 *     only once the port has been reported missing.
 */
#include <ntddk.h>
#include <ntstrsafe.h>

#define WDMBUS_TAG 'suBW'
#define IOCTL_WDMBUS_PLUG CTL_CODE(FILE_DEVICE_BUS_EXTENDER, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_WDMBUS_UNPLUG CTL_CODE(FILE_DEVICE_BUS_EXTENDER, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define DEFAULT_PORTS 2

/* {5b0a1f4e-2c7d-4e1b-9a53-7c1d2e3f4a5b} this bus's type */
DEFINE_GUID(GUID_WDMBUS_BUS_TYPE, 0x5b0a1f4e, 0x2c7d, 0x4e1b, 0x9a, 0x53, 0x7c, 0x1d, 0x2e, 0x3f, 0x4a, 0x5b);

typedef struct _COMMON_EXTENSION {
    BOOLEAN IsFdo;
    PDEVICE_OBJECT Self;
} COMMON_EXTENSION;

typedef struct _FDO_EXTENSION {
    COMMON_EXTENSION Common;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Lower;
    IO_REMOVE_LOCK RemoveLock;
    FAST_MUTEX Lock; /* the child list */
    LIST_ENTRY Children;
    BOOLEAN Populated;
} FDO_EXTENSION, *PFDO_EXTENSION;

typedef struct _PDO_EXTENSION {
    COMMON_EXTENSION Common;
    LIST_ENTRY Link;
    PFDO_EXTENSION Bus;
    ULONG Port;
    BOOLEAN Plugged;   /* reported by the next BusRelations */
    BOOLEAN Started;
    KSPIN_LOCK ReadLock;
    LIST_ENTRY PendingReads;
} PDO_EXTENSION, *PPDO_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_ADD_DEVICE BusAddDevice;
static DRIVER_UNLOAD BusUnload;
static DRIVER_DISPATCH BusDispatchPnp, BusDispatchPower, BusDispatchIo;
static DRIVER_CANCEL ChildCancelRead;
static IO_COMPLETION_ROUTINE BusSignal;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- the children (PDOs) ---- */

static size_t WideLength(PCWSTR Text)
{
    size_t Length = 0;
    while (Text[Length])
        Length++;
    return Length;
}

static PWSTR PoolString(PCWSTR Text, BOOLEAN MultiSz)
{
    size_t Length = WideLength(Text) + 1 + (MultiSz ? 1 : 0);
    PWSTR Copy = ExAllocatePoolWithTag(PagedPool, Length * sizeof(WCHAR), WDMBUS_TAG);
    if (Copy) {
        RtlCopyMemory(Copy, Text, (Length - (MultiSz ? 1 : 0)) * sizeof(WCHAR));
        Copy[Length - 1] = 0;
    }
    return Copy;
}

static NTSTATUS ChildQueryId(PPDO_EXTENSION Child, PIRP Irp)
{
    WCHAR Buffer[64];
    PWSTR Result = NULL;
    switch (IoGetCurrentIrpStackLocation(Irp)->Parameters.QueryId.IdType) {
    case BusQueryDeviceID:
        Result = PoolString(L"WDMBUS\\Port", FALSE);
        break;
    case BusQueryHardwareIDs:
        Result = PoolString(L"WDMBUS\\Port", TRUE);
        break;
    case BusQueryCompatibleIDs:
        Result = PoolString(L"WDMBUS\\GenericPort", TRUE);
        break;
    case BusQueryInstanceID:
        RtlStringCchPrintfW(Buffer, RTL_NUMBER_OF(Buffer), L"%02u", Child->Port);
        Result = PoolString(Buffer, FALSE);
        break;
    default:
        return Irp->IoStatus.Status;
    }
    if (Result == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Irp->IoStatus.Information = (ULONG_PTR)Result;
    return STATUS_SUCCESS;
}

static NTSTATUS ChildQueryText(PPDO_EXTENSION Child, PIRP Irp)
{
    WCHAR Buffer[64];
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.QueryDeviceText.DeviceTextType == DeviceTextDescription)
        RtlStringCchPrintfW(Buffer, RTL_NUMBER_OF(Buffer), L"WDM bus port %u", Child->Port);
    else
        RtlStringCchPrintfW(Buffer, RTL_NUMBER_OF(Buffer), L"port %u", Child->Port);
    PWSTR Result = PoolString(Buffer, FALSE);
    if (Result == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Irp->IoStatus.Information = (ULONG_PTR)Result;
    return STATUS_SUCCESS;
}

static NTSTATUS ChildCapabilities(PPDO_EXTENSION Child, PDEVICE_CAPABILITIES Caps)
{
    if (Caps->Version != 1 || Caps->Size < sizeof(DEVICE_CAPABILITIES))
        return STATUS_UNSUCCESSFUL;
    Caps->Removable = TRUE;
    Caps->SurpriseRemovalOK = TRUE;
    Caps->UniqueID = TRUE;
    Caps->RawDeviceOK = TRUE;
    Caps->Address = Child->Port;
    Caps->UINumber = Child->Port;
    Caps->DeviceState[PowerSystemWorking] = PowerDeviceD0;
    for (int s = PowerSystemSleeping1; s < PowerSystemMaximum; s++)
        Caps->DeviceState[s] = PowerDeviceD3;
    return STATUS_SUCCESS;
}

static NTSTATUS ChildBusInformation(PIRP Irp)
{
    PPNP_BUS_INFORMATION Info = ExAllocatePoolWithTag(PagedPool, sizeof(*Info), WDMBUS_TAG);
    if (Info == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Info->BusTypeGuid = GUID_WDMBUS_BUS_TYPE;
    Info->LegacyBusType = Internal;
    Info->BusNumber = 0;
    Irp->IoStatus.Information = (ULONG_PTR)Info;
    return STATUS_SUCCESS;
}

/* Eight I/O ports anywhere in 0x1000-0x10FF, 8-aligned: the arbiter chooses. */
static NTSTATUS ChildRequirements(PIRP Irp)
{
    ULONG Size = sizeof(IO_RESOURCE_REQUIREMENTS_LIST);
    PIO_RESOURCE_REQUIREMENTS_LIST List = ExAllocatePoolWithTag(PagedPool, Size, WDMBUS_TAG);
    if (List == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlZeroMemory(List, Size);
    List->ListSize = Size;
    List->InterfaceType = Internal;
    List->AlternativeLists = 1;
    List->List[0].Version = 1;
    List->List[0].Revision = 1;
    List->List[0].Count = 1;
    PIO_RESOURCE_DESCRIPTOR D = &List->List[0].Descriptors[0];
    D->Type = CmResourceTypePort;
    D->ShareDisposition = CmResourceShareDeviceExclusive;
    D->Flags = CM_RESOURCE_PORT_IO;
    D->u.Port.Length = 8;
    D->u.Port.Alignment = 8;
    D->u.Port.MinimumAddress.QuadPart = 0x1000;
    D->u.Port.MaximumAddress.QuadPart = 0x10FF;
    Irp->IoStatus.Information = (ULONG_PTR)List;
    return STATUS_SUCCESS;
}

static VOID ChildFailReads(PPDO_EXTENSION Child, NTSTATUS Status)
{
    for (;;) {
        KIRQL Irql;
        PIRP Irp = NULL;
        KeAcquireSpinLock(&Child->ReadLock, &Irql);
        for (PLIST_ENTRY E = Child->PendingReads.Flink; E != &Child->PendingReads; E = E->Flink) {
            PIRP Candidate = CONTAINING_RECORD(E, IRP, Tail.Overlay.ListEntry);
            if (IoSetCancelRoutine(Candidate, NULL) != NULL) {
                RemoveEntryList(E);
                Irp = Candidate;
                break;
            }
        }
        KeReleaseSpinLock(&Child->ReadLock, Irql);
        if (Irp == NULL)
            return;
        Complete(Irp, Status, 0);
    }
}

static NTSTATUS ChildPnp(PPDO_EXTENSION Child, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = Irp->IoStatus.Status;
    switch (Stack->MinorFunction) {
    case IRP_MN_QUERY_ID: Status = ChildQueryId(Child, Irp); break;
    case IRP_MN_QUERY_DEVICE_TEXT: Status = ChildQueryText(Child, Irp); break;
    case IRP_MN_QUERY_CAPABILITIES:
        Status = ChildCapabilities(Child, Stack->Parameters.DeviceCapabilities.Capabilities);
        break;
    case IRP_MN_QUERY_BUS_INFORMATION: Status = ChildBusInformation(Irp); break;
    case IRP_MN_QUERY_RESOURCE_REQUIREMENTS: Status = ChildRequirements(Irp); break;
    case IRP_MN_START_DEVICE: Child->Started = TRUE; Status = STATUS_SUCCESS; break;
    case IRP_MN_STOP_DEVICE: Child->Started = FALSE; Status = STATUS_SUCCESS; break;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Status = STATUS_SUCCESS;
        break;
    case IRP_MN_SURPRISE_REMOVAL:
        Child->Started = FALSE;
        ChildFailReads(Child, STATUS_NO_SUCH_DEVICE);
        Status = STATUS_SUCCESS;
        break;
    case IRP_MN_REMOVE_DEVICE:
        Child->Started = FALSE;
        ChildFailReads(Child, STATUS_NO_SUCH_DEVICE);
        if (!Child->Plugged) { /* reported missing: the PDO goes now */
            ExAcquireFastMutex(&Child->Bus->Lock);
            RemoveEntryList(&Child->Link);
            ExReleaseFastMutex(&Child->Bus->Lock);
            IoDeleteDevice(Child->Common.Self);
        }
        Status = STATUS_SUCCESS;
        break;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (Stack->Parameters.QueryDeviceRelations.Type == TargetDeviceRelation) {
            PDEVICE_RELATIONS Relations = ExAllocatePoolWithTag(PagedPool, sizeof(DEVICE_RELATIONS), WDMBUS_TAG);
            if (Relations == NULL) {
                Status = STATUS_INSUFFICIENT_RESOURCES;
                break;
            }
            Relations->Count = 1;
            Relations->Objects[0] = Child->Common.Self;
            ObReferenceObject(Child->Common.Self);
            Irp->IoStatus.Information = (ULONG_PTR)Relations;
            Status = STATUS_SUCCESS;
        }
        break;
    default:
        break; /* not ours to answer: the status stays as it came */
    }
    return Complete(Irp, Status, Irp->IoStatus.Information);
}

static VOID ChildCancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PPDO_EXTENSION Child = DeviceObject->DeviceExtension;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL Irql;
    KeAcquireSpinLock(&Child->ReadLock, &Irql);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Child->ReadLock, Irql);
    Complete(Irp, STATUS_CANCELLED, 0);
}

static NTSTATUS ChildIo(PPDO_EXTENSION Child, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    switch (Stack->MajorFunction) {
    case IRP_MJ_CREATE:
        return Complete(Irp, Child->Started ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE, 0);
    case IRP_MJ_CLOSE:
    case IRP_MJ_CLEANUP:
        return Complete(Irp, STATUS_SUCCESS, 0);
    case IRP_MJ_READ: {
        if (!Child->Started)
            return Complete(Irp, STATUS_NO_SUCH_DEVICE, 0);
        KIRQL Irql;
        KeAcquireSpinLock(&Child->ReadLock, &Irql);
        IoSetCancelRoutine(Irp, ChildCancelRead);
        if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
            KeReleaseSpinLock(&Child->ReadLock, Irql);
            return Complete(Irp, STATUS_CANCELLED, 0);
        }
        IoMarkIrpPending(Irp);
        InsertTailList(&Child->PendingReads, &Irp->Tail.Overlay.ListEntry);
        KeReleaseSpinLock(&Child->ReadLock, Irql);
        return STATUS_PENDING;
    }
    default:
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* ---- the bus (FDO) ---- */

/* A new port's PDO; created at PASSIVE_LEVEL, outside the child-list lock (a fast
 * mutex raises to APC_LEVEL, where IoCreateDevice may not be called). */
static NTSTATUS CreateChild(PFDO_EXTENSION Bus, ULONG Port, PPDO_EXTENSION *Out)
{
    PDEVICE_OBJECT Pdo;
    NTSTATUS Status = IoCreateDevice(Bus->Common.Self->DriverObject, sizeof(PDO_EXTENSION), NULL,
                                     FILE_DEVICE_BUS_EXTENDER, FILE_AUTOGENERATED_DEVICE_NAME | FILE_DEVICE_SECURE_OPEN,
                                     FALSE, &Pdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PPDO_EXTENSION Ext = Pdo->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Common.IsFdo = FALSE;
    Ext->Common.Self = Pdo;
    Ext->Bus = Bus;
    Ext->Port = Port;
    Ext->Plugged = TRUE;
    KeInitializeSpinLock(&Ext->ReadLock);
    InitializeListHead(&Ext->PendingReads);
    Pdo->Flags |= DO_POWER_PAGABLE;
    Pdo->Flags &= ~DO_DEVICE_INITIALIZING;
    *Out = Ext;
    return STATUS_SUCCESS;
}

static PPDO_EXTENSION FindChild(PFDO_EXTENSION Bus, ULONG Port)
{
    for (PLIST_ENTRY E = Bus->Children.Flink; E != &Bus->Children; E = E->Flink) {
        PPDO_EXTENSION Child = CONTAINING_RECORD(E, PDO_EXTENSION, Link);
        if (Child->Port == Port && Child->Plugged)
            return Child;
    }
    return NULL;
}

static NTSTATUS Plug(PFDO_EXTENSION Bus, ULONG Port)
{
    ExAcquireFastMutex(&Bus->Lock);
    BOOLEAN Present = FindChild(Bus, Port) != NULL;
    ExReleaseFastMutex(&Bus->Lock);
    if (Present)
        return STATUS_OBJECT_NAME_COLLISION;
    PPDO_EXTENSION Child;
    NTSTATUS Status = CreateChild(Bus, Port, &Child);
    if (!NT_SUCCESS(Status))
        return Status;
    ExAcquireFastMutex(&Bus->Lock);
    InsertTailList(&Bus->Children, &Child->Link);
    ExReleaseFastMutex(&Bus->Lock);
    return STATUS_SUCCESS;
}

static NTSTATUS Unplug(PFDO_EXTENSION Bus, ULONG Port)
{
    ExAcquireFastMutex(&Bus->Lock);
    PPDO_EXTENSION Child = FindChild(Bus, Port);
    if (Child)
        Child->Plugged = FALSE;
    ExReleaseFastMutex(&Bus->Lock);
    return Child ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

static NTSTATUS ReportChildren(PFDO_EXTENSION Bus, PIRP Irp)
{
    ExAcquireFastMutex(&Bus->Lock);
    PDEVICE_RELATIONS Old = (PDEVICE_RELATIONS)Irp->IoStatus.Information; /* a lower filter's, if any */
    ULONG OldCount = Old ? Old->Count : 0, Count = 0;
    for (PLIST_ENTRY E = Bus->Children.Flink; E != &Bus->Children; E = E->Flink)
        Count += CONTAINING_RECORD(E, PDO_EXTENSION, Link)->Plugged;
    ULONG Size = FIELD_OFFSET(DEVICE_RELATIONS, Objects) + (OldCount + Count + 1) * sizeof(PDEVICE_OBJECT);
    PDEVICE_RELATIONS Relations = ExAllocatePoolWithTag(PagedPool, Size, WDMBUS_TAG);
    if (Relations == NULL) {
        ExReleaseFastMutex(&Bus->Lock);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Relations->Count = 0;
    for (ULONG i = 0; i < OldCount; i++)
        Relations->Objects[Relations->Count++] = Old->Objects[i];
    for (PLIST_ENTRY E = Bus->Children.Flink; E != &Bus->Children; E = E->Flink) {
        PPDO_EXTENSION Child = CONTAINING_RECORD(E, PDO_EXTENSION, Link);
        if (!Child->Plugged)
            continue;
        ObReferenceObject(Child->Common.Self);
        Relations->Objects[Relations->Count++] = Child->Common.Self;
    }
    ExReleaseFastMutex(&Bus->Lock);
    if (Old)
        ExFreePool(Old);
    Irp->IoStatus.Information = (ULONG_PTR)Relations;
    return STATUS_SUCCESS;
}

static NTSTATUS BusSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS ForwardAndWait(PFDO_EXTENSION Bus, PIRP Irp)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, BusSignal, &Event, TRUE, TRUE, TRUE);
    NTSTATUS Status = IoCallDriver(Bus->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static NTSTATUS PassDown(PFDO_EXTENSION Bus, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Bus->Lower, Irp);
}

static NTSTATUS BusRemove(PFDO_EXTENSION Bus, PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_SUCCESS;
    NTSTATUS Status = PassDown(Bus, Irp);
    IoReleaseRemoveLockAndWait(&Bus->RemoveLock, Irp);
    /* the children the PnP manager has not seen go away are deleted with their bus */
    while (!IsListEmpty(&Bus->Children)) {
        PPDO_EXTENSION Child = CONTAINING_RECORD(RemoveHeadList(&Bus->Children), PDO_EXTENSION, Link);
        ChildFailReads(Child, STATUS_NO_SUCH_DEVICE);
        IoDeleteDevice(Child->Common.Self);
    }
    IoDetachDevice(Bus->Lower);
    IoDeleteDevice(Bus->Common.Self);
    return Status;
}

static NTSTATUS BusPnp(PFDO_EXTENSION Bus, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoAcquireRemoveLock(&Bus->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Complete(Irp, Status, 0);
    switch (Stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        Status = ForwardAndWait(Bus, Irp);
        if (NT_SUCCESS(Status) && !Bus->Populated) {
            for (ULONG Port = 1; Port <= DEFAULT_PORTS && NT_SUCCESS(Status); Port++)
                Status = Plug(Bus, Port);
            Bus->Populated = NT_SUCCESS(Status);
        }
        Complete(Irp, Status, 0);
        break;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (Stack->Parameters.QueryDeviceRelations.Type != BusRelations) {
            Status = PassDown(Bus, Irp);
            break;
        }
        Status = ReportChildren(Bus, Irp);
        if (!NT_SUCCESS(Status)) {
            Complete(Irp, Status, 0);
            break;
        }
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Bus, Irp);
        break;
    case IRP_MN_REMOVE_DEVICE:
        return BusRemove(Bus, Irp); /* releases the remove lock itself */
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_SURPRISE_REMOVAL:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Bus, Irp);
        break;
    default:
        Status = PassDown(Bus, Irp);
        break;
    }
    IoReleaseRemoveLock(&Bus->RemoveLock, Irp);
    return Status;
}

static NTSTATUS BusControl(PFDO_EXTENSION Bus, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    if (Code != IOCTL_WDMBUS_PLUG && Code != IOCTL_WDMBUS_UNPLUG)
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
        return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    ULONG Port = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
    NTSTATUS Status = Code == IOCTL_WDMBUS_PLUG ? Plug(Bus, Port) : Unplug(Bus, Port);
    if (NT_SUCCESS(Status))
        IoInvalidateDeviceRelations(Bus->Pdo, BusRelations);
    return Complete(Irp, Status, 0);
}

static NTSTATUS BusDispatchPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    COMMON_EXTENSION *Common = DeviceObject->DeviceExtension;
    return Common->IsFdo ? BusPnp(DeviceObject->DeviceExtension, Irp) : ChildPnp(DeviceObject->DeviceExtension, Irp);
}

static NTSTATUS BusDispatchPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    COMMON_EXTENSION *Common = DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    if (Common->IsFdo) {
        IoSkipCurrentIrpStackLocation(Irp);
        return PoCallDriver(((PFDO_EXTENSION)Common)->Lower, Irp);
    }
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = Irp->IoStatus.Status;
    if (Stack->MinorFunction == IRP_MN_SET_POWER || Stack->MinorFunction == IRP_MN_QUERY_POWER)
        Status = STATUS_SUCCESS;
    return Complete(Irp, Status, 0);
}

static NTSTATUS BusDispatchIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    COMMON_EXTENSION *Common = DeviceObject->DeviceExtension;
    if (!Common->IsFdo)
        return ChildIo(DeviceObject->DeviceExtension, Irp);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction == IRP_MJ_DEVICE_CONTROL)
        return BusControl(DeviceObject->DeviceExtension, Irp);
    if (Stack->MajorFunction == IRP_MJ_CREATE || Stack->MajorFunction == IRP_MJ_CLOSE ||
        Stack->MajorFunction == IRP_MJ_CLEANUP)
        return Complete(Irp, STATUS_SUCCESS, 0);
    return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
}

static NTSTATUS BusAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, L"\\Device\\WdmBus0");
    PDEVICE_OBJECT Fdo;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(FDO_EXTENSION), &Name, FILE_DEVICE_BUS_EXTENDER,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PFDO_EXTENSION Bus = Fdo->DeviceExtension;
    RtlZeroMemory(Bus, sizeof(*Bus));
    Bus->Common.IsFdo = TRUE;
    Bus->Common.Self = Fdo;
    Bus->Pdo = Pdo;
    IoInitializeRemoveLock(&Bus->RemoveLock, WDMBUS_TAG, 0, 0);
    ExInitializeFastMutex(&Bus->Lock);
    InitializeListHead(&Bus->Children);
    Bus->Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo);
    if (Bus->Lower == NULL) {
        IoDeleteDevice(Fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    Fdo->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID BusUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BusDispatchIo;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BusDispatchIo;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = BusDispatchIo;
    DriverObject->MajorFunction[IRP_MJ_READ] = BusDispatchIo;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BusDispatchIo;
    DriverObject->MajorFunction[IRP_MJ_PNP] = BusDispatchPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = BusDispatchPower;
    DriverObject->DriverExtension->AddDevice = BusAddDevice;
    DriverObject->DriverUnload = BusUnload;
    return STATUS_SUCCESS;
}
