/*
 * bad_io04_unload.c - deliberately wrong (rule IO-04): Unload deletes the device
 * object but forgets the symbolic link and the pool buffer DriverEntry set up.
 */
#include <ntddk.h>

#define BAD_TAG '4oIB' /* "BIo4" */

typedef struct _BAD_EXTENSION {
    PUCHAR Buffer;
} BAD_EXTENSION, *PBAD_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    /* BUG: no IoDeleteSymbolicLink, no ExFreePoolWithTag(Extension->Buffer) */
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName, LinkName;
    PDEVICE_OBJECT DeviceObject;
    PBAD_EXTENSION Extension;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadIo04Unload");
    RtlInitUnicodeString(&LinkName, L"\\DosDevices\\BadIo04Unload");
    Status = IoCreateDevice(DriverObject, sizeof(BAD_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    Extension = DeviceObject->DeviceExtension;
    Extension->Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 512, BAD_TAG); /* LINE_MARK: alloc-buffer */
    if (Extension->Buffer == NULL) {
        IoDeleteDevice(DeviceObject);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Status = IoCreateSymbolicLink(&LinkName, &DeviceName); /* LINE_MARK: create-link */
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Extension->Buffer, BAD_TAG);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
