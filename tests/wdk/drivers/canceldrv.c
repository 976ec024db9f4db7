/* canceldrv.c - wdk_cancel.sys: a legacy driver that pends IOCTLs on its own list with
 * a cancel routine, the classic way: the list and Irp->CancelRoutine are guarded by the
 * cancel spin lock, and whoever takes the routine back first owns the IRP. */
#include <ntddk.h>
#include "wdkioctl.h"

typedef struct _CANCEL_EXTENSION {
    LIST_ENTRY Pending; /* guarded by the cancel spin lock */
    ULONG Queued;
    ULONG Cancelled;
} CANCEL_EXTENSION, *PCANCEL_EXTENSION;

static PDEVICE_OBJECT CancelDevice;

static NTSTATUS CancelComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* Called by IoCancelIrp holding the cancel spin lock. */
static VOID CancelRoutine(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCANCEL_EXTENSION Ext = DeviceObject->DeviceExtension;
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    Ext->Queued--;
    Ext->Cancelled++;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    CancelComplete(Irp, STATUS_CANCELLED, 0);
}

static NTSTATUS CancelQueue(PCANCEL_EXTENSION Ext, PIRP Irp, BOOLEAN Cancelable)
{
    KIRQL Irql;
    IoAcquireCancelSpinLock(&Irql);
    if (Irp->Cancel) {
        IoReleaseCancelSpinLock(Irql);
        return CancelComplete(Irp, STATUS_CANCELLED, 0);
    }
    if (Cancelable)
        IoSetCancelRoutine(Irp, CancelRoutine);
    IoMarkIrpPending(Irp);
    InsertTailList(&Ext->Pending, &Irp->Tail.Overlay.ListEntry);
    Ext->Queued++;
    IoReleaseCancelSpinLock(Irql);
    return STATUS_PENDING;
}

/* Take the oldest pending IRP (of File, if given) away from the cancel path, or NULL. */
static PIRP CancelTakeNext(PCANCEL_EXTENSION Ext, PFILE_OBJECT File)
{
    KIRQL Irql;
    PIRP Found = NULL;
    IoAcquireCancelSpinLock(&Irql);
    for (PLIST_ENTRY E = Ext->Pending.Flink; E != &Ext->Pending; E = E->Flink) {
        PIRP Irp = CONTAINING_RECORD(E, IRP, Tail.Overlay.ListEntry);
        if (File != NULL && IoGetCurrentIrpStackLocation(Irp)->FileObject != File)
            continue;
        IoSetCancelRoutine(Irp, NULL); /* under the cancel spin lock: it cannot be running */
        RemoveEntryList(E);
        Ext->Queued--;
        Found = Irp;
        break;
    }
    IoReleaseCancelSpinLock(Irql);
    return Found;
}

static NTSTATUS CancelDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCANCEL_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WDK_QUEUE:
        return CancelQueue(Ext, Irp, TRUE);
    case IOCTL_WDK_QUEUE_NOCANCEL:
        return CancelQueue(Ext, Irp, FALSE);
    case IOCTL_WDK_COMPLETE_NEXT: {
        if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
            return CancelComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        PIRP Next = CancelTakeNext(Ext, NULL);
        if (Next == NULL)
            return CancelComplete(Irp, STATUS_NOT_FOUND, 0);
        CancelComplete(Next, STATUS_SUCCESS, *(PULONG)Irp->AssociatedIrp.SystemBuffer);
        return CancelComplete(Irp, STATUS_SUCCESS, 0);
    }
    case IOCTL_WDK_COUNTS: {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(WDK_COUNTS))
            return CancelComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        WDK_COUNTS *Counts = Irp->AssociatedIrp.SystemBuffer;
        Counts->Queued = Ext->Queued;
        Counts->Cancelled = Ext->Cancelled;
        return CancelComplete(Irp, STATUS_SUCCESS, sizeof(WDK_COUNTS));
    }
    default:
        return CancelComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS CancelCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCANCEL_EXTENSION Ext = DeviceObject->DeviceExtension;
    PFILE_OBJECT File = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PIRP Pending;
    while ((Pending = CancelTakeNext(Ext, File)) != NULL) {
        Ext->Cancelled++;
        CancelComplete(Pending, STATUS_CANCELLED, 0);
    }
    return CancelComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS CancelCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return CancelComplete(Irp, STATUS_SUCCESS, 0);
}

static VOID CancelUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkCancel");
    UNREFERENCED_PARAMETER(DriverObject);
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(CancelDevice);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WdkCancel");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkCancel");
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(CANCEL_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &CancelDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    PCANCEL_EXTENSION Ext = CancelDevice->DeviceExtension;
    InitializeListHead(&Ext->Pending);
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(CancelDevice);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = CancelCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = CancelCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = CancelCleanup;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = CancelDeviceControl;
    DriverObject->DriverUnload = CancelUnload;
    CancelDevice->Flags |= DO_BUFFERED_IO;
    CancelDevice->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
