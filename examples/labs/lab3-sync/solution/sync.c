/*
 * sync.c - lab 3, reference solution: a periodic timer whose DPC counts ticks under a
 * spin lock and, every LAB3_BATCH ticks, wakes a system thread that counts batches.
 * Unload stops all three in the right order: the timer (no new DPCs), queued DPCs
 * (KeFlushQueuedDpcs), then the thread (signal it, wait for it to exit).
 */
#include <ntddk.h>
#include "lab3.h"

typedef struct _LAB3_EXTENSION {
    KSPIN_LOCK Lock;     /* guards the counts: the DPC runs at DISPATCH_LEVEL */
    LAB3_COUNTS Counts;
    KTIMER Timer;
    KDPC TickDpc;
    KEVENT BatchReady;   /* synchronization event: one wake per batch */
    KEVENT Stop;         /* notification event: the thread exits */
    PKTHREAD Thread;
} LAB3_EXTENSION, *PLAB3_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab3Unload;
KDEFERRED_ROUTINE Lab3Tick;
KSTART_ROUTINE Lab3BatchThread;
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

VOID Lab3Tick(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    PLAB3_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    KeAcquireSpinLockAtDpcLevel(&Ext->Lock); /* a DPC already runs at DISPATCH_LEVEL */
    ULONG Ticks = ++Ext->Counts.Ticks;
    KeReleaseSpinLockFromDpcLevel(&Ext->Lock);
    if (Ticks % LAB3_BATCH == 0)
        KeSetEvent(&Ext->BatchReady, IO_NO_INCREMENT, FALSE);
}

VOID Lab3BatchThread(PVOID Context)
{
    PLAB3_EXTENSION Ext = Context;
    PVOID Objects[2] = { &Ext->Stop, &Ext->BatchReady };
    for (;;) {
        NTSTATUS Status = KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
        if (Status == STATUS_WAIT_0)
            break;
        KIRQL Irql;
        KeAcquireSpinLock(&Ext->Lock, &Irql);
        Ext->Counts.Batches++;
        KeReleaseSpinLock(&Ext->Lock, Irql);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
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

static VOID Lab3StopThread(PLAB3_EXTENSION Ext)
{
    KeSetEvent(&Ext->Stop, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(Ext->Thread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Ext->Thread);
}

VOID Lab3Unload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device = DriverObject->DeviceObject;
    PLAB3_EXTENSION Ext = Device->DeviceExtension;
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab3");
    KeCancelTimer(&Ext->Timer);
    KeFlushQueuedDpcs(); /* a DPC already queued still runs: wait for it */
    Lab3StopThread(Ext);
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(Device);
}

static NTSTATUS Lab3StartThread(PLAB3_EXTENSION Ext)
{
    HANDLE Handle;
    NTSTATUS Status = PsCreateSystemThread(&Handle, THREAD_ALL_ACCESS, NULL, NULL, NULL, Lab3BatchThread, Ext);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObReferenceObjectByHandle(Handle, THREAD_ALL_ACCESS, NULL, KernelMode, (PVOID *)&Ext->Thread, NULL);
    ZwClose(Handle);
    if (!NT_SUCCESS(Status)) { /* cannot happen for a handle we just made, but never leave the thread running */
        KeSetEvent(&Ext->Stop, IO_NO_INCREMENT, FALSE);
        return Status;
    }
    return STATUS_SUCCESS;
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
    KeInitializeEvent(&Ext->BatchReady, SynchronizationEvent, FALSE);
    KeInitializeEvent(&Ext->Stop, NotificationEvent, FALSE);
    KeInitializeTimer(&Ext->Timer);
    KeInitializeDpc(&Ext->TickDpc, Lab3Tick, Ext);
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }
    Status = Lab3StartThread(Ext);
    if (!NT_SUCCESS(Status)) {
        IoDeleteSymbolicLink(&Link);
        IoDeleteDevice(Device);
        return Status;
    }
    LARGE_INTEGER Due;
    Due.QuadPart = -(LONGLONG)LAB3_PERIOD_MS * 10000; /* relative, in 100 ns units */
    KeSetTimerEx(&Ext->Timer, Due, LAB3_PERIOD_MS, &Ext->TickDpc);
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab3CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab3CreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Lab3DeviceControl;
    DriverObject->DriverUnload = Lab3Unload;
    return STATUS_SUCCESS;
}
