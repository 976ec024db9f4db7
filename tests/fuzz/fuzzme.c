/*
 * fuzzme.c - a driver with one planted bug (FUZZME_BUG = 1..4) for the request fuzzer
 * to find (docs/fuzzing.md). Each bug hides behind a control code and a condition on
 * the input, as real ones do:
 *   1  METHOD_NEITHER: a count read from the probed header sizes a loop over the rest
 *      of the input, unchecked against InputBufferLength (UM-01, past the buffer).
 *   2  METHOD_BUFFERED: an offset + length check that overflows 32 bits, then a copy
 *      out of a pool block at that offset (MM-01, beyond the block).
 *   3  a "shared context" flag set by a control: cleanup then frees the file's context,
 *      and close still writes to it (MM-01, use after free).
 *   4  a request pended on one path without IoMarkIrpPending (IO-01).
 *   5  state that outlives a file: the shared-mode flag also makes the file's context
 *      the driver's "shared" one, kept in a global that close does not clear; every
 *      later device control counts in it (MM-01, use after free). The freeing close
 *      can end one fuzz input and the request the next one, so the input that finds
 *      it need not find it alone (docs/fuzzing.md, "Replaying a finding").
 * Built with FUZZME_BUG = 0 it is the same driver without the bugs, and fuzzes clean.
 */
#include <ntddk.h>

#define FUZZME_TAG 'zzuF'
#define FUZZ_CTL(n, m) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900 + (n), (m), FILE_ANY_ACCESS)
#define IOCTL_FUZZME_SUM FUZZ_CTL(1, METHOD_NEITHER)
#define IOCTL_FUZZME_PEEK FUZZ_CTL(2, METHOD_BUFFERED)
#define IOCTL_FUZZME_MODE FUZZ_CTL(3, METHOD_BUFFERED)
#define IOCTL_FUZZME_LATER FUZZ_CTL(4, METHOD_BUFFERED)
#define FUZZME_TABLE 256
#define FUZZME_MODE_SHARED 0x100 /* a mode flag */

#ifndef FUZZME_BUG
#define FUZZME_BUG 0
#endif

typedef struct _FUZZME_HEADER {
    ULONG Magic; /* 'SUM1' */
    ULONG Count; /* ULONGs that follow */
} FUZZME_HEADER;

typedef struct _FUZZME_CONTEXT {
    ULONG Mode;
    ULONG Requests;
} FUZZME_CONTEXT, *PFUZZME_CONTEXT;

typedef struct _FUZZME_EXTENSION {
    PUCHAR Table;        /* FUZZME_TABLE bytes of pool */
    KSPIN_LOCK Lock;
    PIRP Later;          /* one request completed by the next create */
} FUZZME_EXTENSION, *PFUZZME_EXTENSION;

#if FUZZME_BUG == 5
static PFUZZME_CONTEXT FuzzmeShared; /* the last context put in shared mode */
#endif

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD FuzzmeUnload;
DRIVER_DISPATCH FuzzmeCreate, FuzzmeCleanup, FuzzmeClose, FuzzmeDeviceControl;

static NTSTATUS FuzzmeComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS FuzzmeSum(PIRP Irp, PIO_STACK_LOCATION Stack)
{
    FUZZME_HEADER *Header = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    ULONG Length = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG Sum = 0;
    NTSTATUS Status = STATUS_SUCCESS;
    if (Length < sizeof(FUZZME_HEADER))
        return FuzzmeComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    __try {
        ProbeForRead(Header, Length, 1);
        if (Header->Magic != 0x314D5553)
            Status = STATUS_INVALID_PARAMETER;
#if FUZZME_BUG != 1
        else if (Header->Count > (Length - sizeof(FUZZME_HEADER)) / sizeof(ULONG))
            Status = STATUS_INVALID_PARAMETER;
#endif
        else
            for (ULONG i = 0; i < Header->Count; i++)
                Sum += ((PULONG)(Header + 1))[i];
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        Status = GetExceptionCode();
    }
    return FuzzmeComplete(Irp, Status, Sum & 0xFF);
}

static NTSTATUS FuzzmePeek(PFUZZME_EXTENSION Ext, PIRP Irp, PIO_STACK_LOCATION Stack)
{
    PULONG In = Irp->AssociatedIrp.SystemBuffer;
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < 2 * sizeof(ULONG))
        return FuzzmeComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    ULONG Offset = In[0], Length = In[1];
    if (Length > Stack->Parameters.DeviceIoControl.OutputBufferLength)
        return FuzzmeComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
#if FUZZME_BUG == 2
    if (Offset + Length > FUZZME_TABLE) /* wraps for a large offset */
#else
    if (Offset > FUZZME_TABLE || Length > FUZZME_TABLE - Offset)
#endif
        return FuzzmeComplete(Irp, STATUS_INVALID_PARAMETER, 0);
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Ext->Table + Offset, Length);
    return FuzzmeComplete(Irp, STATUS_SUCCESS, Length);
}

NTSTATUS FuzzmeDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFUZZME_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PFUZZME_CONTEXT Context = Stack->FileObject->FsContext;
    Context->Requests++;
#if FUZZME_BUG == 5
    if (FuzzmeShared)
        FuzzmeShared->Requests++; /* freed if its file was closed */
#endif
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_FUZZME_SUM:
        return FuzzmeSum(Irp, Stack);
    case IOCTL_FUZZME_PEEK:
        return FuzzmePeek(Ext, Irp, Stack);
    case IOCTL_FUZZME_MODE:
        if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
            return FuzzmeComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        Context->Mode = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
#if FUZZME_BUG == 5
        if (Context->Mode & FUZZME_MODE_SHARED)
            FuzzmeShared = Context;
#endif
        return FuzzmeComplete(Irp, STATUS_SUCCESS, 0);
    case IOCTL_FUZZME_LATER: {
        KIRQL Irql;
        if (Stack->Parameters.DeviceIoControl.InputBufferLength < 1 ||
            *(PUCHAR)Irp->AssociatedIrp.SystemBuffer != 0x7E)
            return FuzzmeComplete(Irp, STATUS_SUCCESS, 0);
        KeAcquireSpinLock(&Ext->Lock, &Irql);
        if (Ext->Later) {
            KeReleaseSpinLock(&Ext->Lock, Irql);
            return FuzzmeComplete(Irp, STATUS_DEVICE_BUSY, 0);
        }
#if FUZZME_BUG != 4
        IoMarkIrpPending(Irp);
#endif
        Ext->Later = Irp;
        KeReleaseSpinLock(&Ext->Lock, Irql);
        return STATUS_PENDING;
    }
    default:
        return FuzzmeComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

NTSTATUS FuzzmeCreate(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PFUZZME_CONTEXT Context = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(FUZZME_CONTEXT), FUZZME_TAG);
    if (Context == NULL)
        return FuzzmeComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    RtlZeroMemory(Context, sizeof(*Context));
    IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext = Context;
    return FuzzmeComplete(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS FuzzmeCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFUZZME_EXTENSION Ext = DeviceObject->DeviceExtension;
    PFILE_OBJECT File = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->Lock, &Irql);
    PIRP Later = Ext->Later;
    if (Later && IoGetCurrentIrpStackLocation(Later)->FileObject == File)
        Ext->Later = NULL;
    else
        Later = NULL;
    KeReleaseSpinLock(&Ext->Lock, Irql);
    if (Later)
        FuzzmeComplete(Later, STATUS_CANCELLED, 0);
#if FUZZME_BUG == 3
    PFUZZME_CONTEXT Context = File->FsContext;
    if (Context->Mode & FUZZME_MODE_SHARED)
        ExFreePoolWithTag(Context, FUZZME_TAG); /* freed here, and written again at close */
#endif
    return FuzzmeComplete(Irp, STATUS_SUCCESS, 0);
}

NTSTATUS FuzzmeClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PFUZZME_CONTEXT Context = IoGetCurrentIrpStackLocation(Irp)->FileObject->FsContext;
#if FUZZME_BUG == 3
    Context->Requests = 0;
    if (!(Context->Mode & FUZZME_MODE_SHARED))
#endif
        ExFreePoolWithTag(Context, FUZZME_TAG);
    return FuzzmeComplete(Irp, STATUS_SUCCESS, 0);
}

VOID FuzzmeUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Fuzzme");
    PFUZZME_EXTENSION Ext = DriverObject->DeviceObject->DeviceExtension;
    IoDeleteSymbolicLink(&Link);
    ExFreePoolWithTag(Ext->Table, FUZZME_TAG);
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Fuzzme");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Fuzzme");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status =
        IoCreateDevice(DriverObject, sizeof(FUZZME_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PFUZZME_EXTENSION Ext = Device->DeviceExtension;
    KeInitializeSpinLock(&Ext->Lock);
    Ext->Table = ExAllocatePoolWithTag(NonPagedPoolNx, FUZZME_TABLE, FUZZME_TAG);
    if (Ext->Table == NULL) {
        IoDeleteDevice(Device);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    for (ULONG i = 0; i < FUZZME_TABLE; i++)
        Ext->Table[i] = (UCHAR)i;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        ExFreePoolWithTag(Ext->Table, FUZZME_TAG);
        IoDeleteDevice(Device);
        return Status;
    }
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = FuzzmeCreate;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = FuzzmeCleanup;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = FuzzmeClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FuzzmeDeviceControl;
    DriverObject->DriverUnload = FuzzmeUnload;
    return STATUS_SUCCESS;
}
