/*
 * bad_mm01_underrun.c - deliberately wrong (rule MM-01): DriverEntry writes one byte
 * before the start of a pool block it allocated (an index that went to -1). Special
 * pool's underrun mode (--special-pool=underrun) stops it at that write; the default
 * overrun mode does not see it (the byte lies in the pool header's padding).
 */
#include <ntddk.h>

#define BAD_TAG '2mMB' /* "BMm2" */

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
DRIVER_DISPATCH BadCreateClose;

static PUCHAR History; /* the last Depth bytes seen, newest first */

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    ExFreePoolWithTag(History, BAD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

/* The bug: Slot counts down to 0 and then writes once more, at -1. */
static VOID BadRecord(UCHAR Value, LONG Depth)
{
    for (LONG Slot = Depth - 1; Slot >= -1; Slot--)
        History[Slot] = Value; /* LINE_MARK: underrun-write */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\BadMm01Underrun");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    History = ExAllocatePoolWithTag(NonPagedPoolNx, 16, BAD_TAG); /* LINE_MARK: underrun-alloc */
    if (History == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    BadRecord(0, 16);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(History, BAD_TAG);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    return STATUS_SUCCESS;
}
