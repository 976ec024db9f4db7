/*
 * good_shutdown.c - the correct counterpart of bad_fl04_shutdown and bad_fl05_slots:
 * registers its device for shutdown notification, handles IRP_MJ_SHUTDOWN and
 * IRP_MJ_FLUSH_BUFFERS, and unregisters in Unload.
 */
#include <ntddk.h>

#include "good_log.h"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;
_Dispatch_type_(IRP_MJ_FLUSH_BUFFERS) _Dispatch_type_(IRP_MJ_SHUTDOWN) DRIVER_DISPATCH GoodFlush;

NTSTATUS GoodCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodFlush(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    IoUnregisterShutdownNotification(DriverObject->DeviceObject);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodShutdown");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    Status = IoRegisterShutdownNotification(DeviceObject);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(DeviceObject);
        return GoodFailEntry(DriverObject, Status);
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = GoodFlush;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = GoodFlush;
    DriverObject->DriverUnload = GoodUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
