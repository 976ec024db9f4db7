/*
 * bad_io03_fileref.c - deliberately wrong (rule IO-03): a higher-level driver gets
 * echo's device with IoGetDeviceObjectPointer and never dereferences the file object,
 * so echo can never be unloaded. Load echo.sys first.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;

static PFILE_OBJECT BadTargetFile;
static PDEVICE_OBJECT BadTargetDevice;

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
    /* BUG: no ObDereferenceObject(BadTargetFile) */
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName, TargetName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&TargetName, L"\\Device\\NtsimEcho");
    Status = IoGetDeviceObjectPointer(&TargetName, FILE_READ_DATA, &BadTargetFile, &BadTargetDevice); /* LINE_MARK: get-pointer */
    if (!NT_SUCCESS(Status)) {
        /* The device to layer over is not there. */
        BadLogError(DriverObject, Status);
        return Status;
    }
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadIo03Fileref");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        ObDereferenceObject(BadTargetFile);
        return Status;
    }
    DeviceObject->StackSize = (CCHAR)(BadTargetDevice->StackSize + 1);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
