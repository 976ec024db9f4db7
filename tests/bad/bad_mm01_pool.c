/*
 * bad_mm01_pool.c - deliberately wrong (rule MM-01): each device control misuses pool
 * in one way special pool catches at the access itself: a write or a read one past
 * the end, a write or a read after free, an overrun of a block it keeps; plus an
 * overrun into the slack of a block whose size is not a multiple of 16 (caught at
 * free) and a double free; a write and a read just before the start of a block (an
 * underrun: special pool's underrun mode catches those at the access).
 */
#include <ntddk.h>

#define BAD_TAG '1mMB' /* "BMm1" */
#define BAD_CODE(n) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (n), METHOD_BUFFERED, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
DRIVER_DISPATCH BadCreateClose, BadDeviceControl;

static volatile UCHAR Sink;
static PUCHAR Kept; /* a block the driver keeps until Unload */

static VOID BadMisuse(ULONG Code)
{
    PUCHAR P;
    switch (Code) {
    case BAD_CODE(0):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 32, BAD_TAG); /* LINE_MARK: overrun-alloc */
        if (P)
            P[32] = 1; /* LINE_MARK: overrun-write */
        break;
    case BAD_CODE(1):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, BAD_TAG); /* LINE_MARK: overread-alloc */
        if (P)
            Sink = P[64]; /* LINE_MARK: overread */
        break;
    case BAD_CODE(2):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 48, BAD_TAG); /* LINE_MARK: uaf-alloc */
        if (P) {
            ExFreePoolWithTag(P, BAD_TAG); /* LINE_MARK: uaf-free */
            P[8] = 2; /* LINE_MARK: uaf-write */
        }
        break;
    case BAD_CODE(3):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 48, BAD_TAG);
        if (P) {
            ExFreePoolWithTag(P, BAD_TAG);
            Sink = P[0]; /* LINE_MARK: uaf-read */
        }
        break;
    case BAD_CODE(4):
        if (Kept)
            Kept[16] = 3; /* LINE_MARK: kept-overrun */
        break;
    case BAD_CODE(5):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 30, BAD_TAG);
        if (P) {
            P[30] = 4; /* inside the block's 16-byte slack: no fault, the pattern is checked at free */
            ExFreePoolWithTag(P, BAD_TAG); /* LINE_MARK: slack-free */
        }
        break;
    case BAD_CODE(6):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 16, BAD_TAG);
        if (P) {
            ExFreePoolWithTag(P, BAD_TAG);
            ExFreePoolWithTag(P, BAD_TAG); /* LINE_MARK: double-free */
        }
        break;
    case BAD_CODE(7):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 40, BAD_TAG); /* LINE_MARK: underrun-alloc */
        if (P) {
            P[-1] = 5; /* LINE_MARK: underrun-write */
            ExFreePoolWithTag(P, BAD_TAG);
        }
        break;
    case BAD_CODE(8):
        P = ExAllocatePoolWithTag(NonPagedPoolNx, 24, BAD_TAG); /* LINE_MARK: underread-alloc */
        if (P) {
            Sink = P[-8]; /* LINE_MARK: underread */
            ExFreePoolWithTag(P, BAD_TAG);
        }
        break;
    default:
        break;
    }
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    BadMisuse(IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
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
    ExFreePoolWithTag(Kept, BAD_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\BadMm01");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    Kept = ExAllocatePoolWithTag(NonPagedPoolNx, 16, BAD_TAG); /* LINE_MARK: kept-alloc */
    if (Kept == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Kept, BAD_TAG);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DriverObject->DriverUnload = BadUnload;
    return STATUS_SUCCESS;
}
