/*
 * irps.c - lab 2, reference solution: reads, writes and device controls with each
 * transfer method. A write stores bytes (buffered I/O), a read returns them; the
 * device controls show METHOD_BUFFERED (SystemBuffer in and out), METHOD_OUT_DIRECT
 * (an MDL for the output) and METHOD_NEITHER (raw user pointers, probed under
 * __try/__except).
 */
#include <ntddk.h>
#include "lab2.h"

typedef struct _LAB2_EXTENSION {
    UCHAR Data[LAB2_CAPACITY];
    ULONG Length;
} LAB2_EXTENSION, *PLAB2_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab2Unload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab2CreateClose;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH Lab2Read;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH Lab2Write;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH Lab2DeviceControl;

static NTSTATUS Lab2Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS Lab2CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Lab2Complete(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS Lab2Write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB2_EXTENSION Ext = DeviceObject->DeviceExtension;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
    if (Length > LAB2_CAPACITY)
        return Lab2Complete(Irp, STATUS_BUFFER_OVERFLOW, 0);
    RtlCopyMemory(Ext->Data, Irp->AssociatedIrp.SystemBuffer, Length);
    Ext->Length = Length;
    return Lab2Complete(Irp, STATUS_SUCCESS, Length);
}

NTSTATUS Lab2Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB2_EXTENSION Ext = DeviceObject->DeviceExtension;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
    if (Length > Ext->Length)
        Length = Ext->Length;
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Ext->Data, Length);
    return Lab2Complete(Irp, STATUS_SUCCESS, Length);
}

static NTSTATUS Lab2Reverse(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    ULONG In = Stack->Parameters.DeviceIoControl.InputBufferLength;
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < In)
        return Lab2Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    PUCHAR Buffer = Irp->AssociatedIrp.SystemBuffer; /* input and output share it */
    for (ULONG i = 0; i < In / 2; i++) {
        UCHAR Byte = Buffer[i];
        Buffer[i] = Buffer[In - 1 - i];
        Buffer[In - 1 - i] = Byte;
    }
    return Lab2Complete(Irp, STATUS_SUCCESS, In);
}

static NTSTATUS Lab2Upper(PLAB2_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack)
{
    ULONG Out = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    if (Out < Ext->Length || Irp->MdlAddress == NULL)
        return Lab2Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    PUCHAR Target = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority);
    if (Target == NULL)
        return Lab2Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    for (ULONG i = 0; i < Ext->Length; i++)
        Target[i] = (Ext->Data[i] >= 'a' && Ext->Data[i] <= 'z') ? (UCHAR)(Ext->Data[i] - 'a' + 'A') : Ext->Data[i];
    return Lab2Complete(Irp, STATUS_SUCCESS, Ext->Length);
}

static NTSTATUS Lab2Sum(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    PUCHAR In = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    PULONG Out = Irp->UserBuffer;
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG))
        return Lab2Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    NTSTATUS Status = STATUS_SUCCESS;
    __try {
        /* user pointers: probe before touching, and touch only inside __try */
        ProbeForRead(In, InLength, 1);
        ProbeForWrite(Out, sizeof(ULONG), sizeof(UCHAR));
        ULONG Sum = 0;
        for (ULONG i = 0; i < InLength; i++)
            Sum += In[i];
        *Out = Sum;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        Status = GetExceptionCode();
    }
    return Lab2Complete(Irp, Status, NT_SUCCESS(Status) ? sizeof(ULONG) : 0);
}

NTSTATUS Lab2DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_LAB2_REVERSE:
        return Lab2Reverse(Irp, Stack);
    case IOCTL_LAB2_UPPER:
        return Lab2Upper(DeviceObject->DeviceExtension, Irp, Stack);
    case IOCTL_LAB2_SUM:
        return Lab2Sum(Irp, Stack);
    default:
        return Lab2Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

VOID Lab2Unload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab2");
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab2");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab2");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status =
        IoCreateDevice(DriverObject, sizeof(LAB2_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return Status;
    }
    Device->Flags |= DO_BUFFERED_IO; /* reads and writes through a system buffer */
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab2CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab2CreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = Lab2Read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Lab2Write;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Lab2DeviceControl;
    DriverObject->DriverUnload = Lab2Unload;
    return STATUS_SUCCESS;
}
