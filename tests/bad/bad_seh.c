/*
 * bad_seh.c - deliberately wrong (bug check 0x1E KMODE_EXCEPTION_NOT_HANDLED): the
 * device control routine raises an exception with ExRaiseStatus when the input is
 * too short, and nothing up the stack has a __try/__except to catch it.
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

static ULONG BadParseRequest(PIO_STACK_LOCATION Stack, PVOID Buffer)
{
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
        ExRaiseStatus(STATUS_INVALID_PARAMETER); /* LINE_MARK: raise */
    return *(PULONG)Buffer;
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    ULONG Value;

    UNREFERENCED_PARAMETER(DeviceObject);
    /* BUG: no __try/__except around the parser that raises. */
    Value = BadParseRequest(IoGetCurrentIrpStackLocation(Irp), Irp->AssociatedIrp.SystemBuffer);
    Irp->IoStatus.Status = Value ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Value ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
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
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadSeh");
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
