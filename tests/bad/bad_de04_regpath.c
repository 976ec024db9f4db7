/*
 * bad_de04_regpath.c - deliberately wrong (rule DE-04): DriverEntry keeps the
 * RegistryPath pointer instead of a copy, and a device control later reads through
 * it. The buffer is only valid during DriverEntry.
 */
#include <ntddk.h>

#define IOCTL_BAD_GET_PATH_LENGTH CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH BadDeviceControl;

static PUNICODE_STRING BadServiceKey; /* BUG: the pointer, not a copy */

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
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR Information = 0;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_BAD_GET_PATH_LENGTH &&
        Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        volatile USHORT *Length = &BadServiceKey->Length;
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = *Length; /* LINE_MARK: read-regpath */
        Information = sizeof(ULONG);
        Status = STATUS_SUCCESS;
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadDe04Regpath");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    BadServiceKey = RegistryPath;
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
