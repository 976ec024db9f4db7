/*
 * good_lock_ext.c - spin locks where drivers usually keep them: one in the device
 * extension (zeroed by IoCreateDevice, still initialised with KeInitializeSpinLock
 * as the rule asks) guarding a request counter, and a global one guarding an
 * interlocked list of the last requests. Device control 0x800 returns the count.
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_TAG 'xLdG' /* "GdLx" */
#define IOCTL_GOOD_COUNT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _GOOD_LOCK_EXTENSION {
    KSPIN_LOCK CountLock;
    ULONG Requests;
} GOOD_LOCK_EXTENSION, *PGOOD_LOCK_EXTENSION;

typedef struct _GOOD_HISTORY_ENTRY {
    LIST_ENTRY Link;
    ULONG Request;
} GOOD_HISTORY_ENTRY, *PGOOD_HISTORY_ENTRY;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodLockUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodLockCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodLockDeviceControl;

static KSPIN_LOCK GoodHistoryLock;
static LIST_ENTRY GoodHistory;

NTSTATUS GoodLockCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodLockDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_LOCK_EXTENSION Extension = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PGOOD_HISTORY_ENTRY Entry;
    ULONG_PTR Information = 0;
    KIRQL OldIrql;
    ULONG Count;

    KeAcquireSpinLock(&Extension->CountLock, &OldIrql);
    Count = ++Extension->Requests;
    KeReleaseSpinLock(&Extension->CountLock, OldIrql);
    Entry = ExAllocatePoolWithTag(NonPagedPool, sizeof(*Entry), GOOD_TAG);
    if (Entry != NULL) {
        Entry->Request = Count;
        ExInterlockedInsertTailList(&GoodHistory, &Entry->Link, &GoodHistoryLock);
    }
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = Count;
        Information = sizeof(ULONG);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID GoodLockUnload(PDRIVER_OBJECT DriverObject)
{
    PLIST_ENTRY Link;
    while ((Link = ExInterlockedRemoveHeadList(&GoodHistory, &GoodHistoryLock)) != NULL)
        ExFreePoolWithTag(CONTAINING_RECORD(Link, GOOD_HISTORY_ENTRY, Link), GOOD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    PGOOD_LOCK_EXTENSION Extension;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeSpinLock(&GoodHistoryLock);
    InitializeListHead(&GoodHistory);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodLockExt");
    Status = IoCreateDevice(DriverObject, sizeof(GOOD_LOCK_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE,
                            &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    Extension = DeviceObject->DeviceExtension;
    KeInitializeSpinLock(&Extension->CountLock);
    Extension->Requests = 0;
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodLockCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodLockCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodLockDeviceControl;
    DriverObject->DriverUnload = GoodLockUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
