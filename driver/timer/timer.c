/* timer.c - a legacy sample driver for the kernel execution model.
 *
 * - A periodic KTIMER (every TIMER_PERIOD_MS) queues a DPC.
 * - IOCTL_TIMER_WAIT pends its IRP (IoMarkIrpPending, STATUS_PENDING) with a due
 *   time; the timer DPC completes every IRP whose due time has passed.
 * - For every IRP it completes the DPC releases a semaphore; a system thread waits
 *   on that semaphore and counts the completions.
 * - Unload stops it all: cancels the timer, flushes the DPC, completes what is still
 *   pending with STATUS_CANCELLED, tells the thread to stop and waits for it to end.
 */
#include <ntddk.h>
#include "timer_ioctl.h"

#define TIMER_TAG 'rmiT'

typedef struct _TIMER_EXTENSION {
    KSPIN_LOCK Lock;             /* protects Pending and the counters */
    LIST_ENTRY Pending;          /* IRPs waiting, through Tail.Overlay.ListEntry */
    KTIMER Timer;
    KDPC Dpc;
    KSEMAPHORE Work;             /* one unit per completed IRP, for the thread */
    PKTHREAD Thread;             /* referenced thread object */
    volatile LONG Stop;
    ULONG Ticks, Completed, ThreadWork, PendingCount;
} TIMER_EXTENSION, *PTIMER_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD TimerUnload;
static DRIVER_DISPATCH TimerCreateClose;
static DRIVER_DISPATCH TimerDeviceControl;
static KDEFERRED_ROUTINE TimerDpc;
static KSTART_ROUTINE TimerThread;

static PDEVICE_OBJECT TimerDevice;

static VOID TimerThread(PVOID Context)
{
    PTIMER_EXTENSION Ext = Context;
    for (;;) {
        KeWaitForSingleObject(&Ext->Work, Executive, KernelMode, FALSE, NULL);
        if (Ext->Stop)
            break;
        KIRQL Irql;
        KeAcquireSpinLock(&Ext->Lock, &Irql);
        Ext->ThreadWork++;
        KeReleaseSpinLock(&Ext->Lock, Irql);
    }
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static VOID TimerDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PTIMER_EXTENSION Ext = Context;
    LIST_ENTRY Done;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    InitializeListHead(&Done);
    ULONGLONG Now = KeQueryInterruptTime();
    KeAcquireSpinLockAtDpcLevel(&Ext->Lock);
    Ext->Ticks++;
    PLIST_ENTRY Entry = Ext->Pending.Flink;
    while (Entry != &Ext->Pending) {
        PIRP Irp = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        Entry = Entry->Flink;
        ULONGLONG Due = (ULONGLONG)(ULONG_PTR)Irp->Tail.Overlay.DriverContext[0];
        if (Due <= Now) {
            RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
            InsertTailList(&Done, &Irp->Tail.Overlay.ListEntry);
            Ext->PendingCount--;
            Ext->Completed++;
        }
    }
    KeReleaseSpinLockFromDpcLevel(&Ext->Lock);
    while (!IsListEmpty(&Done)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Done), IRP, Tail.Overlay.ListEntry);
        *(ULONGLONG *)Irp->AssociatedIrp.SystemBuffer = Now;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = sizeof(ULONGLONG);
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        KeReleaseSemaphore(&Ext->Work, IO_NO_INCREMENT, 1, FALSE);
    }
}

static NTSTATUS TimerCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS TimerDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PTIMER_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG In = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG Out = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR Information = 0;
    KIRQL Irql;

    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_TIMER_WAIT: {
        if (In < sizeof(ULONG) || Out < sizeof(ULONGLONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        ULONG Ms = *(ULONG *)Irp->AssociatedIrp.SystemBuffer;
        ULONGLONG Due = KeQueryInterruptTime() + (ULONGLONG)Ms * 10000;
        Irp->Tail.Overlay.DriverContext[0] = (PVOID)(ULONG_PTR)Due;
        IoMarkIrpPending(Irp);
        KeAcquireSpinLock(&Ext->Lock, &Irql);
        InsertTailList(&Ext->Pending, &Irp->Tail.Overlay.ListEntry);
        Ext->PendingCount++;
        KeReleaseSpinLock(&Ext->Lock, Irql);
        return STATUS_PENDING;
    }
    case IOCTL_TIMER_STATS: {
        if (Out < sizeof(TIMER_STATS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        TIMER_STATS *Stats = Irp->AssociatedIrp.SystemBuffer;
        KeAcquireSpinLock(&Ext->Lock, &Irql);
        Stats->Ticks = Ext->Ticks;
        Stats->Completed = Ext->Completed;
        Stats->ThreadWork = Ext->ThreadWork;
        Stats->Pending = Ext->PendingCount;
        KeReleaseSpinLock(&Ext->Lock, Irql);
        Status = STATUS_SUCCESS;
        Information = sizeof(TIMER_STATS);
        break;
    }
    default:
        break;
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID TimerUnload(PDRIVER_OBJECT DriverObject)
{
    PTIMER_EXTENSION Ext = TimerDevice->DeviceExtension;
    UNICODE_STRING Link;
    KIRQL Irql;
    UNREFERENCED_PARAMETER(DriverObject);

    KeCancelTimer(&Ext->Timer);
    KeFlushQueuedDpcs();

    /* complete what is still waiting */
    KeAcquireSpinLock(&Ext->Lock, &Irql);
    LIST_ENTRY Cancelled;
    InitializeListHead(&Cancelled);
    while (!IsListEmpty(&Ext->Pending))
        InsertTailList(&Cancelled, RemoveHeadList(&Ext->Pending));
    Ext->PendingCount = 0;
    KeReleaseSpinLock(&Ext->Lock, Irql);
    while (!IsListEmpty(&Cancelled)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Cancelled), IRP, Tail.Overlay.ListEntry);
        Irp->IoStatus.Status = STATUS_CANCELLED;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
    }

    /* stop the thread and wait until it has ended */
    Ext->Stop = 1;
    KeReleaseSemaphore(&Ext->Work, IO_NO_INCREMENT, 1, FALSE);
    KeWaitForSingleObject(Ext->Thread, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(Ext->Thread);

    RtlInitUnicodeString(&Link, L"\\DosDevices\\Timer");
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(TimerDevice);
    TimerDevice = NULL;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name, Link;
    PDEVICE_OBJECT Device;
    HANDLE Thread;
    NTSTATUS Status;
    UNREFERENCED_PARAMETER(RegistryPath);

    RtlInitUnicodeString(&Name, L"\\Device\\Timer");
    Status = IoCreateDevice(DriverObject, sizeof(TIMER_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Device->Flags |= DO_BUFFERED_IO;
    PTIMER_EXTENSION Ext = Device->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    KeInitializeSpinLock(&Ext->Lock);
    InitializeListHead(&Ext->Pending);
    KeInitializeSemaphore(&Ext->Work, 0, MAXLONG);
    KeInitializeTimerEx(&Ext->Timer, NotificationTimer);
    KeInitializeDpc(&Ext->Dpc, TimerDpc, Ext);

    RtlInitUnicodeString(&Link, L"\\DosDevices\\Timer");
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }

    Status = PsCreateSystemThread(&Thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, TimerThread, Ext);
    if (!NT_SUCCESS(Status)) {
        IoDeleteSymbolicLink(&Link);
        IoDeleteDevice(Device);
        return Status;
    }
    Status = ObReferenceObjectByHandle(Thread, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, (PVOID *)&Ext->Thread,
                                       NULL);
    ZwClose(Thread);
    if (!NT_SUCCESS(Status)) { /* cannot happen for a handle just created; stop the thread anyway */
        Ext->Stop = 1;
        KeReleaseSemaphore(&Ext->Work, IO_NO_INCREMENT, 1, FALSE);
        IoDeleteSymbolicLink(&Link);
        IoDeleteDevice(Device);
        return Status;
    }

    LARGE_INTEGER Due;
    Due.QuadPart = -(LONGLONG)TIMER_PERIOD_MS * 10000;
    KeSetTimerEx(&Ext->Timer, Due, TIMER_PERIOD_MS, &Ext->Dpc);

    TimerDevice = Device;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = TimerCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = TimerCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = TimerDeviceControl;
    DriverObject->DriverUnload = TimerUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
