/*
 * good_reinit_requeue.c - a Reinitialize routine that asks to run again: it
 * re-registers itself (IoRegisterDriverReinitialization from the routine, as the
 * documentation allows) until it has run GOOD_REINIT_RUNS times. Device control
 * 0x800 returns how many times it ran. A registration still queued when the driver
 * unloads is the I/O manager's to drop: nothing to release.
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_REINIT_RUNS 3
#define IOCTL_GOOD_REINIT_RUNS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_REINITIALIZE GoodRequeueReinitialize;
DRIVER_UNLOAD GoodRequeueUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodRequeueCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodRequeueDeviceControl;

static ULONG GoodReinitRuns;

NTSTATUS GoodRequeueCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodRequeueDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Information = 0;
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_GOOD_REINIT_RUNS) {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
        } else {
            *(PULONG)Irp->AssociatedIrp.SystemBuffer = GoodReinitRuns;
            Irp->IoStatus.Information = sizeof(ULONG);
            Status = STATUS_SUCCESS;
        }
    }
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

VOID GoodRequeueReinitialize(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNREFERENCED_PARAMETER(Context);
    GoodReinitRuns = Count;
    if (Count < GOOD_REINIT_RUNS)
        IoRegisterDriverReinitialization(DriverObject, GoodRequeueReinitialize, NULL);
}

VOID GoodRequeueUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodReinitRequeue");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodRequeueCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodRequeueCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodRequeueDeviceControl;
    DriverObject->DriverUnload = GoodRequeueUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    /* Registered last: from here on DriverEntry can only succeed. */
    IoRegisterDriverReinitialization(DriverObject, GoodRequeueReinitialize, NULL);
    return STATUS_SUCCESS;
}
