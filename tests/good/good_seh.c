/*
 * good_seh.c - the correct counterpart of bad_seh: the parser that raises with
 * ExRaiseStatus is called inside __try/__except, and the exception code becomes
 * the request's status.
 */
#include <ntddk.h>

#include "good_log.h"

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodDeviceControl;

NTSTATUS GoodCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static ULONG GoodParseRequest(PIO_STACK_LOCATION Stack, PVOID Buffer)
{
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
        ExRaiseStatus(STATUS_INVALID_PARAMETER);
    return *(PULONG)Buffer;
}

NTSTATUS GoodDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    NTSTATUS Status = STATUS_SUCCESS;

    UNREFERENCED_PARAMETER(DeviceObject);
    __try {
        if (GoodParseRequest(IoGetCurrentIrpStackLocation(Irp), Irp->AssociatedIrp.SystemBuffer) == 0)
            Status = STATUS_INVALID_PARAMETER;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        Status = GetExceptionCode();
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodSeh");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodDeviceControl;
    DriverObject->DriverUnload = GoodUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
