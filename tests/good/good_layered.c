/*
 * good_layered.c - the correct counterpart of bad_io03_fileref: a higher-level driver
 * that gets echo's device with IoGetDeviceObjectPointer, passes device controls down
 * to it, and dereferences the file object in Unload. Load echo.sys first.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodDeviceControl;

static PFILE_OBJECT GoodTargetFile;
static PDEVICE_OBJECT GoodTargetDevice;

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

NTSTATUS GoodCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoSkipCurrentIrpStackLocation(Irp);
    IoGetNextIrpStackLocation(Irp)->FileObject = GoodTargetFile;
    return IoCallDriver(GoodTargetDevice, Irp);
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    ObDereferenceObject(GoodTargetFile);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName, TargetName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&TargetName, L"\\Device\\NtsimEcho");
    Status = IoGetDeviceObjectPointer(&TargetName, FILE_READ_DATA, &GoodTargetFile, &GoodTargetDevice);
    if (!NT_SUCCESS(Status)) {
        /* The device to layer over is not there. */
        GoodLogError(DriverObject, Status);
        return Status;
    }
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodLayered");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        GoodLogError(DriverObject, Status);
        ObDereferenceObject(GoodTargetFile);
        return Status;
    }
    DeviceObject->StackSize = (CCHAR)(GoodTargetDevice->StackSize + 1);
    DeviceObject->Flags |= GoodTargetDevice->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodDeviceControl;
    DriverObject->DriverUnload = GoodUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
