/*
 * bad_tm01_timer.c - deliberately wrong (rule TM-01: the host never waits forever).
 * DriverEntry sends its own device a device control and waits for it; the dispatch
 * routine pends the IRP and nothing ever completes it, while a periodic timer keeps
 * firing. The timer keeps the machine busy, so "every thread blocked" never holds:
 * only the host call's virtual-time budget ends the wait.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH BadDeviceControl;
KDEFERRED_ROUTINE BadTick;

static KTIMER BadTimer;
static KDPC BadTimerDpc;
static ULONG BadTicks;

VOID BadTick(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    BadTicks++; /* BUG: was meant to complete the pended request */
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoMarkIrpPending(Irp);
    return STATUS_PENDING; /* BUG: kept nowhere, completed by no one */
}

static NTSTATUS BadRequestDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    PIO_STACK_LOCATION Stack;
    KEVENT Done;
    LARGE_INTEGER DueTime;
    NTSTATUS Status;
    PIRP Irp;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\BadTm01Timer");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;

    KeInitializeDpc(&BadTimerDpc, BadTick, NULL);
    KeInitializeTimer(&BadTimer);
    DueTime.QuadPart = -10000; /* 1 ms, then every 1 ms */
    KeSetTimerEx(&BadTimer, DueTime, 1, &BadTimerDpc);

    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    Irp = IoAllocateIrp(DeviceObject->StackSize, FALSE);
    if (Irp == NULL) {
        KeCancelTimer(&BadTimer);
        IoDeleteDevice(DeviceObject);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    Stack->Parameters.DeviceIoControl.IoControlCode =
        CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS);
    IoSetCompletionRoutine(Irp, BadRequestDone, &Done, TRUE, TRUE, TRUE);
    if (IoCallDriver(DeviceObject, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL); /* LINE_MARK: wait */
    KeCancelTimer(&BadTimer);
    IoDeleteDevice(DeviceObject);
    return STATUS_UNSUCCESSFUL;
}
