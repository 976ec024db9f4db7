/*
 * sync.c - lab 3: synchronisation (docs/labs/lab3-sync.md).
 *
 * The device and the IOCTL that returns the counts are done. Add:
 *   1. a periodic KTIMER (first due after LAB3_PERIOD_MS, then every LAB3_PERIOD_MS)
 *      whose DPC (Lab3Tick) increments Counts.Ticks under Ext->Lock;
 *   2. every LAB3_BATCH ticks the DPC sets the BatchReady event, and a system thread
 *      (PsCreateSystemThread) waiting on it increments Counts.Batches;
 *   3. Unload: cancel the timer, flush queued DPCs, tell the thread to stop and wait
 *      for it to exit before deleting the device (its extension holds the timer,
 *      the DPC and the events the thread uses);
 *   4. DriverEntry undoes what it did when a later step fails.
 * Read the counts under the spin lock: the DPC runs at DISPATCH_LEVEL at any moment.
 * Grade it with `make grade LAB=lab3-sync`.
 */
#include <ntddk.h>
#include "lab3.h"

typedef struct _LAB3_EXTENSION {
    KSPIN_LOCK Lock;
    LAB3_COUNTS Counts;
    /* Your fields: the timer, its DPC, the events, the thread. */
} LAB3_EXTENSION, *PLAB3_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab3Unload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab3CreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH Lab3DeviceControl;

static NTSTATUS Lab3Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS Lab3CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Lab3Complete(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS Lab3DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB3_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_LAB3_COUNTS)
        return Lab3Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(LAB3_COUNTS))
        return Lab3Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->Lock, &Irql);
    *(LAB3_COUNTS *)Irp->AssociatedIrp.SystemBuffer = Ext->Counts;
    KeReleaseSpinLock(&Ext->Lock, Irql);
    return Lab3Complete(Irp, STATUS_SUCCESS, sizeof(LAB3_COUNTS));
}

VOID Lab3Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab3");
    /* Your code: stop the timer, the DPCs and the thread first. */
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab3");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab3");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status =
        IoCreateDevice(DriverObject, sizeof(LAB3_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PLAB3_EXTENSION Ext = Device->DeviceExtension;
    KeInitializeSpinLock(&Ext->Lock);
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }
    /* Your code: the events, the timer and its DPC, the thread; start the timer. */
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab3CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab3CreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Lab3DeviceControl;
    DriverObject->DriverUnload = Lab3Unload;
    return STATUS_SUCCESS;
}
