/*
 * echo.c - a legacy NT driver in the style of the WDK samples, and ntsim's reference
 * driver: a named device with a DOS link; create/close/cleanup; reads and writes on an
 * internal buffer (a read with nothing to read is pended until the next write, and can
 * be cancelled); device controls with each transfer method; a clean undo on every
 * failure path of DriverEntry; Unload releases everything.
 */
#include <ntddk.h>
#include <ntstrsafe.h>
#include "echo_ioctl.h"

#define ECHO_TAG 'ohcE'
#define ECHO_DEFAULT_BUFFER 4096

typedef struct _ECHO_EXTENSION {
    PUCHAR Buffer;
    ULONG BufferSize;
    ULONG DataLength;
    KSPIN_LOCK Lock;
    LIST_ENTRY PendingReads;
    ECHO_STATS Stats;
} ECHO_EXTENSION, *PECHO_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD EchoUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH EchoCreateClose;
_Dispatch_type_(IRP_MJ_CLEANUP) DRIVER_DISPATCH EchoCleanup;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH EchoRead;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH EchoWrite;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH EchoDeviceControl;
DRIVER_CANCEL EchoCancelRead;

#ifdef ALLOC_PRAGMA
#pragma alloc_text(INIT, DriverEntry)
#pragma alloc_text(PAGE, EchoUnload)
#pragma alloc_text(PAGE, EchoCreateClose)
#endif

static NTSTATUS EchoCompleteRequest(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID EchoLogError(PDRIVER_OBJECT DriverObject, NTSTATUS ErrorCode, ULONG UniqueValue, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = ErrorCode;
    Entry->UniqueErrorValue = UniqueValue;
    Entry->FinalStatus = FinalStatus;
    IoWriteErrorLogEntry(Entry);
}

/* Optional Parameters\BufferSize (REG_DWORD) under the service key. */
static ULONG EchoReadBufferSize(PUNICODE_STRING RegistryPath)
{
    ULONG Size = ECHO_DEFAULT_BUFFER;
    ULONG Default = ECHO_DEFAULT_BUFFER;
    RTL_QUERY_REGISTRY_TABLE Table[3];
    RtlZeroMemory(Table, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    Table[0].Name = L"Parameters";
    Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[1].Name = L"BufferSize";
    Table[1].EntryContext = &Size;
    Table[1].DefaultType = REG_DWORD;
    Table[1].DefaultData = &Default;
    Table[1].DefaultLength = sizeof(ULONG);
    NTSTATUS Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL, RegistryPath->Buffer,
                                             Table, NULL, NULL);
    if (!NT_SUCCESS(Status) || Size == 0 || Size > 1024 * 1024)
        Size = ECHO_DEFAULT_BUFFER;
    return Size;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName, LinkName;
    PDEVICE_OBJECT DeviceObject = NULL;
    NTSTATUS Status;

    ULONG BufferSize = EchoReadBufferSize(RegistryPath);
    RtlInitUnicodeString(&DeviceName, ECHO_DEVICE_NAME);
    Status = IoCreateDevice(DriverObject, sizeof(ECHO_EXTENSION), &DeviceName, FILE_DEVICE_UNKNOWN,
                            FILE_DEVICE_SECURE_OPEN, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        EchoLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 1, Status);
        return Status;
    }
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    KeInitializeSpinLock(&Extension->Lock);
    InitializeListHead(&Extension->PendingReads);
    Extension->BufferSize = BufferSize;
    Extension->Stats.BufferSize = BufferSize;
    Extension->Buffer = ExAllocatePool2(POOL_FLAG_NON_PAGED, BufferSize, ECHO_TAG);
    if (Extension->Buffer == NULL) {
        Status = STATUS_INSUFFICIENT_RESOURCES;
        EchoLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 2, Status);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    RtlInitUnicodeString(&LinkName, ECHO_LINK_NAME);
    Status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(Status)) {
        EchoLogError(DriverObject, IO_ERR_CONFIGURATION_ERROR, 3, Status);
        ExFreePoolWithTag(Extension->Buffer, ECHO_TAG);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = EchoCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = EchoCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = EchoCleanup;
    DriverObject->MajorFunction[IRP_MJ_READ] = EchoRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = EchoWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = EchoDeviceControl;
    DriverObject->DriverUnload = EchoUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

VOID EchoUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING LinkName;
    PAGED_CODE();
    RtlInitUnicodeString(&LinkName, ECHO_LINK_NAME);
    IoDeleteSymbolicLink(&LinkName);
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    if (DeviceObject != NULL) {
        PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
        ExFreePoolWithTag(Extension->Buffer, ECHO_TAG);
        IoDeleteDevice(DeviceObject);
    }
}

NTSTATUS EchoCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PAGED_CODE();
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    if (IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_CREATE)
        Extension->Stats.Opens++;
    return EchoCompleteRequest(Irp, STATUS_SUCCESS, 0);
}

/* Pended reads of the closing file are cancelled; others stay queued. */
NTSTATUS EchoCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    PFILE_OBJECT File = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    LIST_ENTRY Cancelled;
    KIRQL Irql;
    InitializeListHead(&Cancelled);
    IoAcquireCancelSpinLock(&Irql);
    PLIST_ENTRY Entry = Extension->PendingReads.Flink;
    while (Entry != &Extension->PendingReads) {
        PIRP Pending = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        Entry = Entry->Flink;
        if (IoGetCurrentIrpStackLocation(Pending)->FileObject == File) {
            IoSetCancelRoutine(Pending, NULL);
            RemoveEntryList(&Pending->Tail.Overlay.ListEntry);
            InsertTailList(&Cancelled, &Pending->Tail.Overlay.ListEntry);
        }
    }
    IoReleaseCancelSpinLock(Irql);
    while (!IsListEmpty(&Cancelled)) {
        PIRP Pending = CONTAINING_RECORD(RemoveHeadList(&Cancelled), IRP, Tail.Overlay.ListEntry);
        EchoCompleteRequest(Pending, STATUS_CANCELLED, 0);
    }
    return EchoCompleteRequest(Irp, STATUS_SUCCESS, 0);
}

VOID EchoCancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    EchoCompleteRequest(Irp, STATUS_CANCELLED, 0);
}

static ULONG EchoCopyOut(PECHO_EXTENSION Extension, PVOID Destination, ULONG Length)
{
    ULONG Count = min(Length, Extension->DataLength);
    RtlCopyMemory(Destination, Extension->Buffer, Count);
    Extension->Stats.BytesRead += Count;
    return Count;
}

static ULONG EchoStore(PECHO_EXTENSION Extension, const VOID *Source, ULONG Length)
{
    ULONG Count = min(Length, Extension->BufferSize);
    RtlCopyMemory(Extension->Buffer, Source, Count);
    Extension->DataLength = Count;
    Extension->Stats.BytesWritten += Count;
    return Count;
}

NTSTATUS EchoRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
    KIRQL Irql;
    if (Length == 0)
        return EchoCompleteRequest(Irp, STATUS_SUCCESS, 0);
    IoAcquireCancelSpinLock(&Irql);
    if (Extension->DataLength == 0) {
        /* Nothing to read yet: the next write completes this read. */
        IoMarkIrpPending(Irp);
        IoSetCancelRoutine(Irp, EchoCancelRead);
        InsertTailList(&Extension->PendingReads, &Irp->Tail.Overlay.ListEntry);
        IoReleaseCancelSpinLock(Irql);
        return STATUS_PENDING;
    }
    IoReleaseCancelSpinLock(Irql);
    ULONG Count = EchoCopyOut(Extension, Irp->AssociatedIrp.SystemBuffer, Length);
    return EchoCompleteRequest(Irp, STATUS_SUCCESS, Count);
}

NTSTATUS EchoWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
    ULONG Count = EchoStore(Extension, Irp->AssociatedIrp.SystemBuffer, Length);
    KIRQL Irql;
    PIRP Waiting = NULL;
    IoAcquireCancelSpinLock(&Irql);
    if (!IsListEmpty(&Extension->PendingReads)) {
        Waiting = CONTAINING_RECORD(RemoveHeadList(&Extension->PendingReads), IRP, Tail.Overlay.ListEntry);
        IoSetCancelRoutine(Waiting, NULL);
    }
    IoReleaseCancelSpinLock(Irql);
    if (Waiting) {
        ULONG ReadLength = IoGetCurrentIrpStackLocation(Waiting)->Parameters.Read.Length;
        ULONG Copied = EchoCopyOut(Extension, Waiting->AssociatedIrp.SystemBuffer, ReadLength);
        EchoCompleteRequest(Waiting, STATUS_SUCCESS, Copied);
    }
    return EchoCompleteRequest(Irp, STATUS_SUCCESS, Count);
}

static NTSTATUS EchoNeither(PIO_STACK_LOCATION Stack, PIRP Irp, ULONG_PTR *Information)
{
    PVOID Input = Stack->Parameters.DeviceIoControl.Type3InputBuffer;
    PVOID Output = Irp->UserBuffer;
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    NTSTATUS Status = STATUS_SUCCESS;
    if (OutLength < InLength)
        return STATUS_BUFFER_TOO_SMALL;
    __try {
        if (Irp->RequestorMode != KernelMode) {
            ProbeForRead(Input, InLength, sizeof(UCHAR));
            ProbeForWrite(Output, OutLength, sizeof(UCHAR));
        }
        RtlCopyMemory(Output, Input, InLength);
        *Information = InLength;
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        Status = GetExceptionCode();
        *Information = 0;
    }
    return Status;
}

/* The direct-I/O buffer of a device control, mapped into system space. */
static NTSTATUS EchoMapOutputBuffer(PIRP Irp, PVOID *Mapped)
{
    if (Irp->MdlAddress == NULL)
        return STATUS_INVALID_PARAMETER;
    *Mapped = MmGetSystemAddressForMdlSafe(Irp->MdlAddress, NormalPagePriority | MdlMappingNoExecute);
    return *Mapped ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

NTSTATUS EchoDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PECHO_EXTENSION Extension = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    ULONG_PTR Information = 0;
    NTSTATUS Status = STATUS_SUCCESS;
    PVOID Mapped;

    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_ECHO_BUFFERED:
        if (OutLength < InLength) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        Information = InLength; /* input and output share the system buffer */
        break;
    case IOCTL_ECHO_IN_DIRECT:
        Status = EchoMapOutputBuffer(Irp, &Mapped);
        if (NT_SUCCESS(Status))
            Information = EchoStore(Extension, Mapped, MmGetMdlByteCount(Irp->MdlAddress));
        break;
    case IOCTL_ECHO_OUT_DIRECT:
        Status = EchoMapOutputBuffer(Irp, &Mapped);
        if (NT_SUCCESS(Status))
            Information = EchoCopyOut(Extension, Mapped, MmGetMdlByteCount(Irp->MdlAddress));
        break;
    case IOCTL_ECHO_NEITHER:
        Status = EchoNeither(Stack, Irp, &Information);
        break;
    case IOCTL_ECHO_GET_STATS:
        if (OutLength < sizeof(ECHO_STATS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &Extension->Stats, sizeof(ECHO_STATS));
        Information = sizeof(ECHO_STATS);
        break;
    default:
        Status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    return EchoCompleteRequest(Irp, Status, Information);
}
