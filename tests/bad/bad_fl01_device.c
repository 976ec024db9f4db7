/*
 * bad_fl01_device.c - deliberately wrong (rule FL-01): DriverEntry creates its device
 * object, finds that the hardware is not there and returns an error without deleting
 * the device object. The verifier names the leaked device and the line creating it.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

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

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadFl01Device");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject); /* LINE_MARK: create-device */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        return Status;
    }
    /* The board did not answer the probe. BUG: DeviceObject is not deleted. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
