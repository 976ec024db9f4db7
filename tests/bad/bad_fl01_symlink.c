/*
 * bad_fl01_symlink.c - deliberately wrong (rule FL-01): the failure path of DriverEntry
 * deletes the device object but forgets the symbolic link created for it.
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
    UNICODE_STRING DeviceName, LinkName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadFl01Symlink");
    RtlInitUnicodeString(&LinkName, L"\\DosDevices\\BadFl01Symlink");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        return Status;
    }
    Status = IoCreateSymbolicLink(&LinkName, &DeviceName); /* LINE_MARK: create-link */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    /* The board did not answer the probe. BUG: the link is left behind. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    IoDeleteDevice(DeviceObject);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
