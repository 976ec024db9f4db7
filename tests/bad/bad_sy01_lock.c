/*
 * bad_sy01_lock.c - deliberately wrong (rule SY-01, bug check 0xC4/0x1002): the
 * driver's context lives in nonpaged pool and its spin lock is never initialised
 * with KeInitializeSpinLock; the first device control acquires it.
 */
#include <ntddk.h>

#define BAD_TAG '1ySB' /* "BSy1" */

typedef struct _BAD_CONTEXT {
    KSPIN_LOCK Lock;
    ULONG Requests;
} BAD_CONTEXT, *PBAD_CONTEXT;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH BadDeviceControl;

static PBAD_CONTEXT BadContext;

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    KIRQL OldIrql;

    UNREFERENCED_PARAMETER(DeviceObject);
    KeAcquireSpinLock(&BadContext->Lock, &OldIrql); /* LINE_MARK: acquire */
    BadContext->Requests++;
    KeReleaseSpinLock(&BadContext->Lock, OldIrql);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    ExFreePoolWithTag(BadContext, BAD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    BadContext = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(BAD_CONTEXT), BAD_TAG);
    if (BadContext == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    /* BUG: no KeInitializeSpinLock(&BadContext->Lock) */
    BadContext->Requests = 0;
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadSy01Lock");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(BadContext, BAD_TAG);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
