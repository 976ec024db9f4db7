/*
 * bad_fl01_faultpath.c - deliberately wrong (rule FL-01), but only on a failure path
 * that a normal load never takes: when the buffer allocation after IoCreateDevice
 * fails, DriverEntry returns without deleting the device object. A plain load is
 * clean; the fault sweep (or NTSIM_FAULTS) finds the leak.
 */
#include <ntddk.h>

#define BAD_TAG 'pFlB' /* "BlFp" */

typedef struct _BAD_EXTENSION {
    PVOID Buffer;
} BAD_EXTENSION, *PBAD_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;

static VOID BadLogError(PDRIVER_OBJECT DriverObject, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = IO_ERR_INSUFFICIENT_RESOURCES;
    Entry->FinalStatus = FinalStatus;
    IoWriteErrorLogEntry(Entry);
}

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
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    PBAD_EXTENSION Extension = DeviceObject->DeviceExtension;
    ExFreePoolWithTag(Extension->Buffer, BAD_TAG);
    IoDeleteDevice(DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    PBAD_EXTENSION Extension;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadFl01Faultpath");
    Status = IoCreateDevice(DriverObject, sizeof(BAD_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject); /* LINE_MARK: create-device */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        return Status;
    }
    Extension = DeviceObject->DeviceExtension;
    Extension->Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 256, BAD_TAG); /* LINE_MARK: alloc-buffer */
    if (Extension->Buffer == NULL) {
        /* BUG: DeviceObject is not deleted on this path. */
        BadLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
