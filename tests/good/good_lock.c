/*
 * good_lock.c - the correct counterpart of bad_sy01_lock: the context's spin lock is
 * initialised with KeInitializeSpinLock before any dispatch routine can acquire it.
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_TAG 'kLdG' /* "GdLk" */
#define IOCTL_GOOD_COUNT CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _GOOD_CONTEXT {
    KSPIN_LOCK Lock;
    ULONG Requests;
} GOOD_CONTEXT, *PGOOD_CONTEXT;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodDeviceControl;

static PGOOD_CONTEXT GoodContext;

NTSTATUS GoodCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG_PTR Information = 0;
    KIRQL OldIrql;
    ULONG Count;

    UNREFERENCED_PARAMETER(DeviceObject);
    KeAcquireSpinLock(&GoodContext->Lock, &OldIrql);
    Count = ++GoodContext->Requests;
    KeReleaseSpinLock(&GoodContext->Lock, OldIrql);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = Count;
        Information = sizeof(ULONG);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    ExFreePoolWithTag(GoodContext, GOOD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    GoodContext = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(GOOD_CONTEXT), GOOD_TAG);
    if (GoodContext == NULL)
        return GoodFailEntry(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    KeInitializeSpinLock(&GoodContext->Lock);
    GoodContext->Requests = 0;
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodLock");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(GoodContext, GOOD_TAG);
        return GoodFailEntry(DriverObject, Status);
    }
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodDeviceControl;
    DriverObject->DriverUnload = GoodUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
