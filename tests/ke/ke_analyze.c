/*
 * ke_analyze.c - a driver that stops the machine two calls deep in its own code, for the
 * !analyze report's call chain (tests/ke/analyze.c). Each IOCTL takes another path:
 *   0x800 completes the IRP, then completes it again one function further in (0x44);
 *   0x801 writes through a NULL pointer two functions in (a fault: 0x50).
 * The nested routines are not inlined and no call is in tail position, so each keeps
 * its own frame. Lines the test looks up carry a "LINE_MARK: <name>" comment.
 */
#include <ntddk.h>

#define IOCTL_AN_DOUBLE_COMPLETE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define IOCTL_AN_NULL_WRITE CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_BUFFERED, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD AnUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH AnCreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH AnDeviceControl;

static volatile LONG AnCalls;               /* touched after each call: no tail calls */
static volatile ULONG *volatile AnTarget;   /* NULL: the compiler cannot see it coming */

__attribute__((noinline)) static VOID AnCompleteAgain(PIRP Irp)
{
    IoCompleteRequest(Irp, IO_NO_INCREMENT); /* LINE_MARK: complete-again */
    AnCalls++;
}

__attribute__((noinline)) static VOID AnFinish(PIRP Irp)
{
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    AnCompleteAgain(Irp); /* LINE_MARK: call-complete-again */
    AnCalls++;
}

__attribute__((noinline)) static VOID AnPoke(ULONG Value)
{
    *AnTarget = Value; /* LINE_MARK: poke */
    AnCalls++;
}

__attribute__((noinline)) static VOID AnPokeTwice(ULONG Value)
{
    AnPoke(Value); /* LINE_MARK: call-poke */
    AnCalls++;
}

NTSTATUS AnCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS AnDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Information = 0;
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_AN_DOUBLE_COMPLETE)
        AnFinish(Irp); /* LINE_MARK: call-finish */
    else if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_AN_NULL_WRITE)
        AnPokeTwice(0x1234); /* LINE_MARK: call-poke-twice */
    AnCalls++;
    return STATUS_SUCCESS;
}

VOID AnUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\KeAnalyze");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AnCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AnCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = AnDeviceControl;
    DriverObject->DriverUnload = AnUnload;
    return STATUS_SUCCESS;
}
