/*
 * bad_de05_paged.c - deliberately wrong (rule DE-05, a warning): DriverEntry builds
 * a table it only needs while initialising, in paged pool, and keeps it until Unload
 * instead of freeing it before returning.
 */
#include <ntddk.h>

#define BAD_TAG '5eDB' /* "BDe5" */

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;

static PULONG BadInitTable;

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
    ExFreePoolWithTag(BadInitTable, BAD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    BadInitTable = ExAllocatePoolWithTag(PagedPool, 16 * sizeof(ULONG), BAD_TAG); /* LINE_MARK: alloc-paged */
    if (BadInitTable == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    for (ULONG i = 0; i < 16; i++)
        BadInitTable[i] = i * 0x10;
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadDe05Paged");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(BadInitTable, BAD_TAG);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    /* BUG: BadInitTable is no longer needed but stays allocated. */
    return STATUS_SUCCESS;
}
