/*
 * good_regpath.c - the correct counterpart of bad_de04_regpath: DriverEntry copies
 * RegistryPath into its own pool buffer, and the device control reads the copy.
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_TAG 'pRdG' /* "GdRp" */
#define IOCTL_GOOD_GET_PATH_LENGTH CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodDeviceControl;

static UNICODE_STRING GoodServiceKey; /* a copy */

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
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR Information = 0;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_GOOD_GET_PATH_LENGTH &&
        Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = GoodServiceKey.Length;
        Information = sizeof(ULONG);
        Status = STATUS_SUCCESS;
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    ExFreePoolWithTag(GoodServiceKey.Buffer, GOOD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    GoodServiceKey.Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, RegistryPath->Length, GOOD_TAG);
    if (GoodServiceKey.Buffer == NULL)
        return GoodFailEntry(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    GoodServiceKey.MaximumLength = RegistryPath->Length;
    RtlCopyUnicodeString(&GoodServiceKey, RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodRegpath");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(GoodServiceKey.Buffer, GOOD_TAG);
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
