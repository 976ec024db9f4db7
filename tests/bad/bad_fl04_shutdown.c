/*
 * bad_fl04_shutdown.c - deliberately wrong (rule FL-04): DriverEntry registers its
 * device for shutdown notification and fails without IoUnregisterShutdownNotification.
 * (IoDeleteDevice would drop the registration too, so the device object is also left
 * behind here: FL-04 comes with FL-01 for the device.)
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
_Dispatch_type_(IRP_MJ_SHUTDOWN) DRIVER_DISPATCH BadShutdown;

static VOID BadLogError(PDRIVER_OBJECT DriverObject, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = IO_ERR_CONFIGURATION_ERROR;
    Entry->FinalStatus = FinalStatus;
    IoWriteErrorLogEntry(Entry);
}

NTSTATUS BadShutdown(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadFl04Shutdown");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject); /* LINE_MARK: create-device */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        return Status;
    }
    Status = IoRegisterShutdownNotification(DeviceObject); /* LINE_MARK: register-shutdown */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    /* The controller did not answer. BUG: neither unregistered nor deleted. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
