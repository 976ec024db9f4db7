/*
 * good_timeouts.c - the correct counterpart of bad_tm02_units: every timeout is either
 * relative (negative, in 100 ns units), absolute (computed from KeQuerySystemTime), or
 * 0 (a poll). The IOCTL runs one of each against an event nobody sets and returns how
 * many waited as long as they asked (rule TM-02 must stay quiet).
 */
#include <ntddk.h>

#include "good_log.h"

#define IOCTL_GOOD_TIMEOUTS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define GOOD_MS (10 * 1000LL) /* one millisecond in 100 ns units */

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD GoodTimeoutsUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodTimeoutsCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH GoodTimeoutsControl;

NTSTATUS GoodTimeoutsCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

/* 1 when a wait on Event with Timeout timed out after at least MinimumMs. */
static ULONG GoodTimedWait(PKEVENT Event, LONGLONG Timeout, LONGLONG MinimumMs)
{
    LARGE_INTEGER Due;
    Due.QuadPart = Timeout;
    ULONGLONG Before = KeQueryInterruptTime();
    NTSTATUS Status = KeWaitForSingleObject(Event, Executive, KernelMode, FALSE, &Due);
    return Status == STATUS_TIMEOUT && (LONGLONG)(KeQueryInterruptTime() - Before) >= MinimumMs * GOOD_MS;
}

static ULONG GoodRunTimeouts(VOID)
{
    KEVENT Event;
    KTIMER Timer;
    LARGE_INTEGER Now, Due;
    ULONG Good = 0;

    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    Good += GoodTimedWait(&Event, -2 * GOOD_MS, 2);           /* relative: 2 ms from now */
    KeQuerySystemTime(&Now);
    Good += GoodTimedWait(&Event, Now.QuadPart + 3 * GOOD_MS, 3); /* absolute: 3 ms from now */
    Good += GoodTimedWait(&Event, 0, 0);                       /* a poll */
    KeQuerySystemTime(&Now);
    Due.QuadPart = Now.QuadPart + GOOD_MS;                     /* an absolute timer: 1 ms from now */
    KeInitializeTimer(&Timer);
    KeSetTimer(&Timer, Due, NULL);
    Good += KeWaitForSingleObject(&Timer, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS;
    Due.QuadPart = -GOOD_MS;
    Good += KeDelayExecutionThread(KernelMode, FALSE, &Due) == STATUS_SUCCESS;
    return Good;
}

NTSTATUS GoodTimeoutsControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG_PTR Information = 0;

    UNREFERENCED_PARAMETER(DeviceObject);
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_GOOD_TIMEOUTS &&
        Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(ULONG)) {
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = GoodRunTimeouts();
        Information = sizeof(ULONG);
    }
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID GoodTimeoutsUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodTimeouts");
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodTimeoutsCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodTimeoutsCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = GoodTimeoutsControl;
    DriverObject->DriverUnload = GoodTimeoutsUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
