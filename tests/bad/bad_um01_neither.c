/*
 * bad_um01_neither.c - deliberately wrong (rule UM-01): METHOD_NEITHER device controls
 * that touch user memory the wrong way: without a probe, past the probed buffer (inside
 * __try, and without one), and after the request completed (through a saved pointer).
 */
#include <ntddk.h>

#define BAD_CODE(n) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (n), METHOD_NEITHER, FILE_ANY_ACCESS)

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD BadUnload;
DRIVER_DISPATCH BadCreateClose, BadDeviceControl;

static PUCHAR SavedUserBuffer; /* BUG: a user pointer kept past its request */

static NTSTATUS BadComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS BadDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PUCHAR In = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    NTSTATUS Status = STATUS_SUCCESS;
    ULONG Sum = 0;
    UNREFERENCED_PARAMETER(DeviceObject);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case BAD_CODE(0): /* no probe at all */
        for (ULONG i = 0; i < InLength; i++)
            Sum += In[i]; /* LINE_MARK: unprobed-read */
        return BadComplete(Irp, STATUS_SUCCESS, Sum);
    case BAD_CODE(1): /* probed, then read 16 bytes past the probed length, inside __try */
        __try {
            ProbeForRead(In, InLength, 1);
            for (ULONG i = 0; i < InLength + 32; i++)
                Sum += In[i]; /* LINE_MARK: past-end-read */
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            Status = GetExceptionCode();
        }
        return BadComplete(Irp, Status, Sum);
    case BAD_CODE(2): /* keeps the output pointer */
        __try {
            ProbeForWrite(Irp->UserBuffer, Stack->Parameters.DeviceIoControl.OutputBufferLength, 1);
            SavedUserBuffer = Irp->UserBuffer;
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            Status = GetExceptionCode();
        }
        return BadComplete(Irp, Status, 0);
    case BAD_CODE(3): /* ... and writes through it during a later request */
        if (SavedUserBuffer)
            SavedUserBuffer[0] = 0x42; /* LINE_MARK: late-write */
        return BadComplete(Irp, STATUS_SUCCESS, 0);
    case BAD_CODE(4): /* past the end without __try: nothing catches the exception */
        ProbeForRead(In, InLength, 1);
        for (ULONG i = 0; i < InLength + 32; i++)
            Sum += In[i]; /* LINE_MARK: past-end-crash */
        return BadComplete(Irp, STATUS_SUCCESS, Sum);
    default:
        return BadComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

NTSTATUS BadCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return BadComplete(Irp, STATUS_SUCCESS, 0);
}

VOID BadUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\BadUm01");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = BadCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = BadDeviceControl;
    DriverObject->DriverUnload = BadUnload;
    return STATUS_SUCCESS;
}
