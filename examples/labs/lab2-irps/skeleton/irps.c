/*
 * irps.c - lab 2: IRPs (docs/labs/lab2-irps.md).
 *
 * The device, its name and Unload are done (lab 1). Complete the request handlers:
 *   - IRP_MJ_WRITE stores up to LAB2_CAPACITY bytes; a longer write fails with
 *     STATUS_BUFFER_OVERFLOW. IRP_MJ_READ returns the stored bytes (at most the read's length).
 *     The device uses buffered I/O: the bytes are in Irp->AssociatedIrp.SystemBuffer.
 *   - IOCTL_LAB2_REVERSE (METHOD_BUFFERED): the output is the input reversed.
 *   - IOCTL_LAB2_UPPER (METHOD_OUT_DIRECT): write the stored bytes, upper-cased, into the
 *     output MDL (MmGetSystemAddressForMdlSafe).
 *   - IOCTL_LAB2_SUM (METHOD_NEITHER): the input is a raw user pointer
 *     (Type3InputBuffer), the output too (Irp->UserBuffer). Probe both inside __try and
 *     store the sum of the input bytes as a ULONG.
 *   - any other code: STATUS_INVALID_DEVICE_REQUEST.
 * Every handler completes its IRP exactly once and returns the status it completed with;
 * IoStatus.Information is the number of bytes returned.
 * Grade it with `make grade LAB=lab2-irps`.
 */
#include <ntddk.h>
#include "lab2.h"

typedef struct _LAB2_EXTENSION {
    UCHAR Data[LAB2_CAPACITY];
    ULONG Length;
} LAB2_EXTENSION, *PLAB2_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab2Unload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab2CreateClose;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH Lab2Read;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH Lab2Write;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH Lab2DeviceControl;

static NTSTATUS Lab2Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS Lab2CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Lab2Complete(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS Lab2Write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code. */
    return Lab2Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

NTSTATUS Lab2Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code. */
    return Lab2Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

NTSTATUS Lab2DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code. */
    return Lab2Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

VOID Lab2Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab2");
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab2");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab2");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status =
        IoCreateDevice(DriverObject, sizeof(LAB2_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }
    Device->Flags |= DO_BUFFERED_IO; /* reads and writes through a system buffer */
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab2CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab2CreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = Lab2Read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Lab2Write;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Lab2DeviceControl;
    DriverObject->DriverUnload = Lab2Unload;
    return STATUS_SUCCESS;
}
