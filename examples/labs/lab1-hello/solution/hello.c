/*
 * hello.c - lab 1, reference solution: the smallest complete legacy driver.
 * DriverEntry creates a named device and a DOS link, undoing what it did if a later
 * step fails; create and close succeed; Unload removes both.
 */
#include <ntddk.h>

#define HELLO_DEVICE_NAME L"\\Device\\Hello"
#define HELLO_LINK_NAME L"\\DosDevices\\Hello"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD HelloUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH HelloCreateClose;

NTSTATUS HelloCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID HelloUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(HELLO_LINK_NAME);
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(DriverObject->DeviceObject);
    DbgPrint("hello: goodbye\n");
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(HELLO_DEVICE_NAME);
    UNICODE_STRING Link = RTL_CONSTANT_STRING(HELLO_LINK_NAME);
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);

    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device); /* undo what succeeded before returning the failure */
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = HelloCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = HelloCreateClose;
    DriverObject->DriverUnload = HelloUnload;
    DbgPrint("hello: loaded\n");
    return STATUS_SUCCESS;
}
