/*
 * good_fail.c - the correct counterpart of the FL-* drivers: DriverEntry sets up a
 * device object, a symbolic link, pool, a registry handle, a shutdown registration
 * and its FLUSH/SHUTDOWN slots, then finds the hardware missing and undoes all of it
 * in reverse order, logs the error and fails. Nothing may be reported.
 */
#include <ntddk.h>

#define GOOD_TAG 'lFdG' /* "GdFl" */

DRIVER_INITIALIZE DriverEntry;
_Dispatch_type_(IRP_MJ_FLUSH_BUFFERS) _Dispatch_type_(IRP_MJ_SHUTDOWN) DRIVER_DISPATCH GoodFlush;

static VOID GoodLogError(PDRIVER_OBJECT DriverObject, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = IO_ERR_CONFIGURATION_ERROR;
    Entry->FinalStatus = FinalStatus;
    IoWriteErrorLogEntry(Entry);
}

NTSTATUS GoodFlush(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName, LinkName;
    OBJECT_ATTRIBUTES Attributes;
    PDEVICE_OBJECT DeviceObject = NULL;
    HANDLE Key = NULL;
    PVOID Buffer = NULL;
    BOOLEAN LinkCreated = FALSE, ShutdownRegistered = FALSE;
    NTSTATUS Status;

    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodFail");
    RtlInitUnicodeString(&LinkName, L"\\DosDevices\\GoodFail");
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = GoodFlush;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = GoodFlush;

    InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = ZwOpenKey(&Key, KEY_READ, &Attributes);
    if (!NT_SUCCESS(Status)) {
        Key = NULL;
        goto Fail;
    }
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        DeviceObject = NULL;
        goto Fail;
    }
    Status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(Status))
        goto Fail;
    LinkCreated = TRUE;
    Buffer = ExAllocatePoolWithTag(NonPagedPoolNx, 128, GOOD_TAG);
    if (Buffer == NULL) {
        Status = STATUS_INSUFFICIENT_RESOURCES;
        goto Fail;
    }
    Status = IoRegisterShutdownNotification(DeviceObject);
    if (!NT_SUCCESS(Status))
        goto Fail;
    ShutdownRegistered = TRUE;

    /* Probe the hardware: nothing answers. */
    Status = STATUS_DEVICE_DOES_NOT_EXIST;

Fail:
    GoodLogError(DriverObject, Status);
    if (ShutdownRegistered)
        IoUnregisterShutdownNotification(DeviceObject);
    if (Buffer)
        ExFreePoolWithTag(Buffer, GOOD_TAG);
    if (LinkCreated)
        IoDeleteSymbolicLink(&LinkName);
    if (DeviceObject)
        IoDeleteDevice(DeviceObject);
    if (Key)
        ZwClose(Key);
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = NULL;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = NULL;
    return Status;
}
