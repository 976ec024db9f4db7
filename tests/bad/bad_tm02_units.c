/*
 * bad_tm02_units.c - rule TM-02: timeouts that lost their minus sign. A positive
 * timeout is an absolute system time; 10*1000 or 500 lie centuries before boot, so
 * each wait and the timer end at once instead of after 1 ms / 50 us. The wait runs
 * twice: the line is reported once. WaitMs is the helper serenum and sermouse carry:
 * `Milliseconds * -10` with a ULONG is computed in 32 unsigned bits, a positive
 * 4294965296 for 200 ms (and 10 per millisecond would be 1000 times too short anyway).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH BadCreateClose;

static KEVENT Never;
static KTIMER Timer;
static NTSTATUS WaitStatus;

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    KeCancelTimer(&Timer);
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS WaitMs(ULONG Milliseconds)
{
    KTIMER Delay;
    LARGE_INTEGER DueTime;
    DueTime.QuadPart = Milliseconds * -10;
    KeInitializeTimer(&Delay);
    KeSetTimer(&Delay, DueTime, NULL); /* LINE_MARK: tm02 unsigned */
    return KeWaitForSingleObject(&Delay, Executive, KernelMode, FALSE, NULL);
}

static VOID BadWaits(VOID)
{
    LARGE_INTEGER Timeout, Interval, Due;
    KeInitializeEvent(&Never, NotificationEvent, FALSE);
    Timeout.QuadPart = 10 * 1000; /* meant: 1 ms */
    for (int i = 0; i < 2; i++)
        WaitStatus = KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, &Timeout); /* LINE_MARK: tm02 wait */
    Interval.QuadPart = 500; /* meant: 50 us */
    KeDelayExecutionThread(KernelMode, FALSE, &Interval); /* LINE_MARK: tm02 delay */
    KeInitializeTimer(&Timer);
    Due.QuadPart = 20 * 10000; /* meant: 20 ms */
    KeSetTimer(&Timer, Due, NULL); /* LINE_MARK: tm02 timer */
    WaitMs(200);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name;
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&Name, L"\\Device\\BadTm02");
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->DriverUnload = BadUnload;
    BadWaits();
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return WaitStatus == STATUS_TIMEOUT ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
