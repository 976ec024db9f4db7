/* watchdrv.c - a legacy driver that watches another device, for tests/pnp/target.c: it
 * opens \Device\WdmSerial0, registers for target-device notifications on it and behaves
 * as the documentation asks (close the file object on QUERY_REMOVE, unregister on
 * REMOVE_COMPLETE); it can veto a removal and report custom events on the device. */
#include <ntddk.h>
#include <wdmguid.h>

#include "watchdrv.h"

/* {5c1a7e0d-3b52-4c1e-9a0f-6d2b8e4f1a01}: this test's custom event */
static const GUID WatchCustomEvent = { 0x5c1a7e0d, 0x3b52, 0x4c1e, { 0x9a, 0x0f, 0x6d, 0x2b, 0x8e, 0x4f, 0x1a, 0x01 } };

static PFILE_OBJECT Watched;      /* the open file object (NULL once closed) */
static PFILE_OBJECT Registered;   /* the one the registration names */
static PDEVICE_OBJECT WatchedTop;
static PVOID Entry;
static BOOLEAN VetoNext;
static WATCH_STATUS Counts;
static PDRIVER_OBJECT Self;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID CloseWatched(VOID)
{
    if (Watched) {
        ObDereferenceObject(Watched);
        Watched = NULL;
    }
}

static NTSTATUS OnTargetEvent(PVOID Notification, PVOID Context)
{
    PTARGET_DEVICE_REMOVAL_NOTIFICATION Note = Notification;
    UNREFERENCED_PARAMETER(Context);
    if (Note->FileObject != Registered)
        Counts.WrongFileObject++;
    if (IsEqualGUID(&Note->Event, &GUID_TARGET_DEVICE_QUERY_REMOVE)) {
        Counts.QueryRemove++;
        if (VetoNext) {
            VetoNext = FALSE;
            return STATUS_UNSUCCESSFUL;
        }
        CloseWatched(); /* let the device go */
    } else if (IsEqualGUID(&Note->Event, &GUID_TARGET_DEVICE_REMOVE_CANCELLED)) {
        Counts.Cancelled++;
    } else if (IsEqualGUID(&Note->Event, &GUID_TARGET_DEVICE_REMOVE_COMPLETE)) {
        Counts.Complete++;
        CloseWatched();
        IoUnregisterPlugPlayNotificationEx(Entry);
        Entry = NULL;
    } else if (IsEqualGUID(&Note->Event, &WatchCustomEvent)) {
        PTARGET_DEVICE_CUSTOM_NOTIFICATION Custom = Notification;
        Counts.Custom++;
        Counts.LastCustomData = *(USHORT *)Custom->CustomDataBuffer;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS StartWatching(VOID)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WdmSerial0");
    NTSTATUS Status = IoGetDeviceObjectPointer(&Name, FILE_READ_DATA, &Watched, &WatchedTop);
    if (!NT_SUCCESS(Status))
        return Status;
    Registered = Watched;
    Status = IoRegisterPlugPlayNotification(EventCategoryTargetDeviceChange, 0, Watched, Self, OnTargetEvent, NULL,
                                            &Entry);
    if (!NT_SUCCESS(Status))
        CloseWatched();
    return Status;
}

static VOID AsyncDone(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    Counts.AsyncDone++;
}

static NTSTATUS ReportCustom(ULONG Mode)
{
    if (WatchedTop == NULL || Watched == NULL)
        return STATUS_DEVICE_NOT_READY;
    UCHAR Buffer[sizeof(TARGET_DEVICE_CUSTOM_NOTIFICATION) + 8];
    PTARGET_DEVICE_CUSTOM_NOTIFICATION Note = (PTARGET_DEVICE_CUSTOM_NOTIFICATION)Buffer;
    RtlZeroMemory(Buffer, sizeof(Buffer));
    Note->Version = 1;
    Note->Size = (USHORT)(FIELD_OFFSET(TARGET_DEVICE_CUSTOM_NOTIFICATION, CustomDataBuffer) + sizeof(USHORT));
    Note->Event = Mode == 2 ? GUID_TARGET_DEVICE_QUERY_REMOVE : WatchCustomEvent;
    Note->NameBufferOffset = -1;
    *(USHORT *)Note->CustomDataBuffer = WATCH_CUSTOM_DATA;
    PDEVICE_OBJECT Pdo = IoGetDeviceAttachmentBaseRef(WatchedTop);
    NTSTATUS Status = Mode == 1 ? IoReportTargetDeviceChangeAsynchronous(Pdo, Note, AsyncDone, NULL)
                                : IoReportTargetDeviceChange(Pdo, Note);
    ObDereferenceObject(Pdo);
    return Status == STATUS_PENDING ? STATUS_SUCCESS : Status;
}

static NTSTATUS Control(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG In = Stack->Parameters.DeviceIoControl.InputBufferLength >= sizeof(ULONG)
                   ? *(PULONG)Irp->AssociatedIrp.SystemBuffer
                   : 0;
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WATCH_START:
        return Complete(Irp, StartWatching(), 0);
    case IOCTL_WATCH_VETO:
        VetoNext = In != 0;
        return Complete(Irp, STATUS_SUCCESS, 0);
    case IOCTL_WATCH_CUSTOM:
        return Complete(Irp, ReportCustom(In), 0);
    case IOCTL_WATCH_EJECT: {
        if (WatchedTop == NULL)
            return Complete(Irp, STATUS_DEVICE_NOT_READY, 0);
        PDEVICE_OBJECT Pdo = IoGetDeviceAttachmentBaseRef(WatchedTop);
        IoRequestDeviceEject(Pdo);
        ObDereferenceObject(Pdo);
        return Complete(Irp, STATUS_SUCCESS, 0);
    }
    case IOCTL_WATCH_ARC: {
        UNICODE_STRING Arc = RTL_CONSTANT_STRING(L"\\ArcName\\watched");
        UNICODE_STRING Target = RTL_CONSTANT_STRING(L"\\Device\\WdmSerial0");
        return Complete(Irp, In ? IoAssignArcName(&Arc, &Target) : IoDeassignArcName(&Arc), 0);
    }
    case IOCTL_WATCH_STATUS:
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(WATCH_STATUS))
            return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        Counts.Registered = Entry != NULL;
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &Counts, sizeof(Counts));
        return Complete(Irp, STATUS_SUCCESS, sizeof(Counts));
    default:
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS CreateClose(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    return Complete(Irp, STATUS_SUCCESS, 0);
}

static VOID Unload(PDRIVER_OBJECT Driver)
{
    if (Entry) {
        IoUnregisterPlugPlayNotificationEx(Entry);
        Entry = NULL;
    }
    CloseWatched();
    IoDeleteDevice(Driver->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Watcher");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(Driver, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Self = Driver;
    Device->Flags |= DO_BUFFERED_IO;
    Driver->MajorFunction[IRP_MJ_CREATE] = CreateClose;
    Driver->MajorFunction[IRP_MJ_CLOSE] = CreateClose;
    Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Control;
    Driver->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
