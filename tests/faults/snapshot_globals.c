/* snapshot_globals.c - a driver that loads only from pristine globals: DriverEntry
 * fails unless its initialised (.data) and zeroed (.bss) variables hold what the image
 * file gives them, then changes both. Loaded twice from one mapping, the second load
 * fails, unless the persistent sweep's image snapshot put the data back in between. */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD SnapshotUnload;

ULONG SnapshotSeed = 7;   /* .data */
ULONG SnapshotLoads;      /* .bss */
UCHAR SnapshotTable[8192] = { 1 }; /* .data over more than one page */

VOID SnapshotUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NtsimSnapshot");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    if (SnapshotSeed != 7 || SnapshotLoads != 0 || SnapshotTable[0] != 1 || SnapshotTable[8191] != 0)
        return STATUS_DEVICE_CONFIGURATION_ERROR; /* the globals are a previous run's */
    SnapshotSeed = 99;
    SnapshotLoads++;
    SnapshotTable[0] = 2;
    SnapshotTable[8191] = 3;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->DriverUnload = SnapshotUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
