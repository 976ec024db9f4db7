/*
 * good_filter.c - a filter over echo's named device (load echo.sys first). Its own
 * device object has no name: seed 004 says a device attached over a named target
 * needs none, since the target's name still routes I/O to the top of the stack.
 * Every request goes down unchanged; reads get a completion routine that counts them
 * and propagates the pending state, as every completion routine that lets an IRP go
 * on up must. Unload detaches, deletes its device and drops the file reference.
 */
#include <ntddk.h>

#include "good_log.h"

typedef struct _GOOD_FILTER_EXTENSION {
    PDEVICE_OBJECT Lower;
    PFILE_OBJECT TargetFile;
    LONG ReadsCompleted;
} GOOD_FILTER_EXTENSION, *PGOOD_FILTER_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodFilterUnload;
DRIVER_DISPATCH GoodFilterPass;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH GoodFilterRead;
IO_COMPLETION_ROUTINE GoodFilterReadDone;

NTSTATUS GoodFilterPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_FILTER_EXTENSION Extension = DeviceObject->DeviceExtension;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Extension->Lower, Irp);
}

NTSTATUS GoodFilterReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PGOOD_FILTER_EXTENSION Extension = Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        IoMarkIrpPending(Irp);
    InterlockedIncrement(&Extension->ReadsCompleted);
    return STATUS_CONTINUE_COMPLETION;
}

NTSTATUS GoodFilterRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_FILTER_EXTENSION Extension = DeviceObject->DeviceExtension;
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, GoodFilterReadDone, Extension, TRUE, TRUE, TRUE);
    return IoCallDriver(Extension->Lower, Irp);
}

VOID GoodFilterUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    PGOOD_FILTER_EXTENSION Extension = DeviceObject->DeviceExtension;
    PFILE_OBJECT TargetFile = Extension->TargetFile;
    IoDetachDevice(Extension->Lower);
    IoDeleteDevice(DeviceObject);
    ObDereferenceObject(TargetFile);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING TargetName;
    PFILE_OBJECT TargetFile;
    PDEVICE_OBJECT TargetDevice, DeviceObject;
    PGOOD_FILTER_EXTENSION Extension;
    NTSTATUS Status;
    ULONG i;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&TargetName, L"\\Device\\NtsimEcho");
    Status = IoGetDeviceObjectPointer(&TargetName, FILE_READ_DATA, &TargetFile, &TargetDevice);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    Status = IoCreateDevice(DriverObject, sizeof(GOOD_FILTER_EXTENSION), NULL, TargetDevice->DeviceType, 0, FALSE,
                            &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(TargetFile);
        return GoodFailEntry(DriverObject, Status);
    }
    Extension = DeviceObject->DeviceExtension;
    RtlZeroMemory(Extension, sizeof(*Extension));
    Extension->TargetFile = TargetFile;
    for (i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = GoodFilterPass;
    DriverObject->MajorFunction[IRP_MJ_READ] = GoodFilterRead;
    DriverObject->DriverUnload = GoodFilterUnload;
    Extension->Lower = IoAttachDeviceToDeviceStack(DeviceObject, TargetDevice);
    if (Extension->Lower == NULL) {
        IoDeleteDevice(DeviceObject);
        ObDereferenceObject(TargetFile);
        return GoodFailEntry(DriverObject, STATUS_NO_SUCH_DEVICE);
    }
    DeviceObject->Flags |= Extension->Lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE);
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
