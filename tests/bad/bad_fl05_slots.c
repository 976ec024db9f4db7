/*
 * bad_fl05_slots.c - deliberately wrong (rule FL-05): DriverEntry fills in its
 * IRP_MJ_FLUSH_BUFFERS and IRP_MJ_SHUTDOWN dispatch slots, then fails without
 * resetting them to NULL.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
_Dispatch_type_(IRP_MJ_FLUSH_BUFFERS) _Dispatch_type_(IRP_MJ_SHUTDOWN) DRIVER_DISPATCH BadFlush;

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

NTSTATUS BadFlush(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_FLUSH_BUFFERS] = BadFlush;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = BadFlush;
    /* No controller. BUG: the two slots above are not reset to NULL. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
