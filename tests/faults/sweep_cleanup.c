/* sweep_cleanup.c - a driver whose bug lives in its cleanup code: when IoCreateDevice
 * fails, the failure path allocates a note, writes through it without checking it and
 * frees it. One fault per run never finds this: in the run that fails IoCreateDevice,
 * the note's allocation succeeds. Only the second-order pass, which also fails the
 * calls a failure path makes, fails the note's allocation after the device's (a NULL
 * write: bug check 0x50). Every other path is correct and logs its failure. */
#include <ntddk.h>

#define CLEANUP_TAG 'plCS'

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD CleanupUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH CleanupCreateClose;

typedef struct _CLEANUP_NOTE {
    NTSTATUS Status;
    ULONG Step;
} CLEANUP_NOTE, *PCLEANUP_NOTE;

static PVOID CleanupConfig;

VOID CleanupUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
    ExFreePoolWithTag(CleanupConfig, CLEANUP_TAG);
}

NTSTATUS CleanupCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID CleanupLog(PDRIVER_OBJECT DriverObject, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET)); /* LINE_MARK: log */
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = Status;
    Entry->FinalStatus = Status;
    IoWriteErrorLogEntry(Entry);
}

/* The failure path after IoCreateDevice: the note is the bug. */
static VOID CleanupAfterDeviceFailure(PDRIVER_OBJECT DriverObject, NTSTATUS Status)
{
    PCLEANUP_NOTE Note = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(CLEANUP_NOTE), CLEANUP_TAG); /* LINE_MARK: note */
    Note->Status = Status; /* LINE_MARK: unchecked */
    Note->Step = 2;
    CleanupLog(DriverObject, Note->Status);
    ExFreePoolWithTag(Note, CLEANUP_TAG);
    ExFreePoolWithTag(CleanupConfig, CLEANUP_TAG);
    CleanupConfig = NULL;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NtsimCleanup");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    CleanupConfig = ExAllocatePoolWithTag(NonPagedPoolNx, 64, CLEANUP_TAG); /* LINE_MARK: config */
    if (CleanupConfig == NULL) {
        CleanupLog(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device); /* LINE_MARK: device */
    if (!NT_SUCCESS(Status)) {
        CleanupAfterDeviceFailure(DriverObject, Status);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = CleanupCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = CleanupCreateClose;
    DriverObject->DriverUnload = CleanupUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
