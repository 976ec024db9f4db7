/*
 * bad_tm01_lost.c - deliberately wrong (rules IO-02 and TM-01). The device control
 * routine marks the IRP pending and returns STATUS_PENDING, but keeps it nowhere: no
 * queue, no timer, no thread, no interrupt will ever complete it. A synchronous
 * request from the host must come back at once with an IO-02 finding.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH BadDeviceControl;

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp) /* LINE_MARK: dispatch */
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoMarkIrpPending(Irp);
    return STATUS_PENDING; /* BUG: the IRP is not queued anywhere. LINE_MARK: dispatch-end */
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

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadTm01Lost");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
