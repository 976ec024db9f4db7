/*
 * bad_fl06_nolog.c - deliberately wrong (rule FL-06, a warning): DriverEntry fails
 * without writing an entry to the system error log, so an administrator has no way
 * to learn why the driver did not start.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    /* No controller. BUG: nothing is logged with IoWriteErrorLogEntry. */
    return STATUS_DEVICE_DOES_NOT_EXIST; /* LINE_MARK: fail */
}
