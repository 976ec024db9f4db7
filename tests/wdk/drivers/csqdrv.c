/* csqdrv.c - wdk_csq.sys: a legacy driver that parks IOCTLs in a cancel-safe queue
 * (IoCsqInitializeEx, IoCsqInsertIrpEx, IoCsqRemoveNextIrp, IoCsqRemoveIrp). The
 * insert callback refuses a fifth IRP; cleanup cancels the closing file's IRPs. Each
 * queued IRP carries a record from a lookaside list, freed when the IRP completes
 * (its DriverEntry failure path is swept: sweep/wdk_csq). */
#include <ntddk.h>
#include <csq.h>
#include "wdkioctl.h"

typedef struct _CSQ_EXTENSION {
    IO_CSQ Csq;
    KSPIN_LOCK Lock;
    LIST_ENTRY Queue;
    ULONG Queued;
    ULONG Cancelled;
    IO_CSQ_IRP_CONTEXT Context; /* one IRP queued with a context at a time */
    NPAGED_LOOKASIDE_LIST Records;
} CSQ_EXTENSION, *PCSQ_EXTENSION;

typedef struct _CSQ_RECORD {
    LARGE_INTEGER QueuedAt;
} CSQ_RECORD;

#define CSQ_TAG 'qsCW'
#define CSQ_RECORD_SLOT 0 /* Irp->Tail.Overlay.DriverContext[0] while queued */

static PDEVICE_OBJECT CsqDevice;

static PCSQ_EXTENSION CsqExtension(PIO_CSQ Csq)
{
    return CONTAINING_RECORD(Csq, CSQ_EXTENSION, Csq);
}

static NTSTATUS CsqInsert(PIO_CSQ Csq, PIRP Irp, PVOID InsertContext)
{
    UNREFERENCED_PARAMETER(InsertContext);
    PCSQ_EXTENSION Ext = CsqExtension(Csq);
    if (Ext->Queued >= WDK_CSQ_LIMIT)
        return STATUS_DEVICE_BUSY;
    InsertTailList(&Ext->Queue, &Irp->Tail.Overlay.ListEntry);
    Ext->Queued++;
    return STATUS_SUCCESS;
}

static VOID CsqRemove(PIO_CSQ Csq, PIRP Irp)
{
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    CsqExtension(Csq)->Queued--;
}

/* The next IRP after Irp (or the first), of the file PeekContext if one is given. */
static PIRP CsqPeekNext(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    PCSQ_EXTENSION Ext = CsqExtension(Csq);
    PLIST_ENTRY Entry = Irp ? Irp->Tail.Overlay.ListEntry.Flink : Ext->Queue.Flink;
    for (; Entry != &Ext->Queue; Entry = Entry->Flink) {
        PIRP Next = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        if (PeekContext == NULL || IoGetCurrentIrpStackLocation(Next)->FileObject == PeekContext)
            return Next;
    }
    return NULL;
}

static VOID CsqAcquire(PIO_CSQ Csq, PKIRQL Irql)
{
    KeAcquireSpinLock(&CsqExtension(Csq)->Lock, Irql);
}

static VOID CsqRelease(PIO_CSQ Csq, KIRQL Irql)
{
    KeReleaseSpinLock(&CsqExtension(Csq)->Lock, Irql);
}

static NTSTATUS CsqComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information);

static VOID CsqCompleteCanceled(PIO_CSQ Csq, PIRP Irp)
{
    CsqExtension(Csq)->Cancelled++;
    CsqComplete(Irp, STATUS_CANCELLED, 0);
}

static NTSTATUS CsqComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    CSQ_RECORD *Record = Irp->Tail.Overlay.DriverContext[CSQ_RECORD_SLOT];
    if (Record != NULL) {
        PCSQ_EXTENSION Ext = CsqDevice->DeviceExtension;
        Irp->Tail.Overlay.DriverContext[CSQ_RECORD_SLOT] = NULL;
        ExFreeToNPagedLookasideList(&Ext->Records, Record);
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS CsqQueue(PCSQ_EXTENSION Ext, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    CSQ_RECORD *Record = ExAllocateFromNPagedLookasideList(&Ext->Records);
    if (Record == NULL)
        return CsqComplete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
    KeQuerySystemTime(&Record->QueuedAt);
    Irp->Tail.Overlay.DriverContext[CSQ_RECORD_SLOT] = Record;
    NTSTATUS Status = IoCsqInsertIrpEx(&Ext->Csq, Irp, Context, NULL);
    if (!NT_SUCCESS(Status))
        return CsqComplete(Irp, Status, 0); /* refused: not queued, not pending */
    return STATUS_PENDING;
}

static NTSTATUS CsqDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCSQ_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PVOID Buffer = Irp->AssociatedIrp.SystemBuffer;
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WDK_QUEUE:
        return CsqQueue(Ext, Irp, NULL);
    case IOCTL_WDK_QUEUE_CONTEXT:
        return CsqQueue(Ext, Irp, &Ext->Context);
    case IOCTL_WDK_COMPLETE_NEXT: {
        if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(ULONG))
            return CsqComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        PIRP Next = IoCsqRemoveNextIrp(&Ext->Csq, NULL);
        if (Next == NULL)
            return CsqComplete(Irp, STATUS_NOT_FOUND, 0);
        CsqComplete(Next, STATUS_SUCCESS, *(PULONG)Buffer);
        return CsqComplete(Irp, STATUS_SUCCESS, 0);
    }
    case IOCTL_WDK_REMOVE_CONTEXT: {
        PIRP Queued = IoCsqRemoveIrp(&Ext->Csq, &Ext->Context);
        if (Queued == NULL)
            return CsqComplete(Irp, STATUS_NOT_FOUND, 0);
        CsqComplete(Queued, STATUS_SUCCESS, 7);
        return CsqComplete(Irp, STATUS_SUCCESS, 0);
    }
    case IOCTL_WDK_COUNTS: {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(WDK_COUNTS))
            return CsqComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        WDK_COUNTS *Counts = Buffer;
        Counts->Queued = Ext->Queued;
        Counts->Cancelled = Ext->Cancelled;
        return CsqComplete(Irp, STATUS_SUCCESS, sizeof(WDK_COUNTS));
    }
    default:
        return CsqComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* The handle is closing: what it left queued is cancelled. */
static NTSTATUS CsqCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PCSQ_EXTENSION Ext = DeviceObject->DeviceExtension;
    PFILE_OBJECT File = IoGetCurrentIrpStackLocation(Irp)->FileObject;
    PIRP Pending;
    while ((Pending = IoCsqRemoveNextIrp(&Ext->Csq, File)) != NULL) {
        Ext->Cancelled++;
        CsqComplete(Pending, STATUS_CANCELLED, 0);
    }
    return CsqComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS CsqCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return CsqComplete(Irp, STATUS_SUCCESS, 0);
}

static VOID CsqUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkCsq");
    UNREFERENCED_PARAMETER(DriverObject);
    IoDeleteSymbolicLink(&Link);
    ExDeleteNPagedLookasideList(&((PCSQ_EXTENSION)CsqDevice->DeviceExtension)->Records);
    IoDeleteDevice(CsqDevice);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WdkCsq");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkCsq");
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(CSQ_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &CsqDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    PCSQ_EXTENSION Ext = CsqDevice->DeviceExtension;
    KeInitializeSpinLock(&Ext->Lock);
    InitializeListHead(&Ext->Queue);
    IoCsqInitializeEx(&Ext->Csq, CsqInsert, CsqRemove, CsqPeekNext, CsqAcquire, CsqRelease, CsqCompleteCanceled);
    ExInitializeNPagedLookasideList(&Ext->Records, NULL, NULL, POOL_NX_ALLOCATION, sizeof(CSQ_RECORD), CSQ_TAG, 0);
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        ExDeleteNPagedLookasideList(&Ext->Records);
        IoDeleteDevice(CsqDevice);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = CsqCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = CsqCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = CsqCleanup;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = CsqDeviceControl;
    DriverObject->DriverUnload = CsqUnload;
    CsqDevice->Flags |= DO_BUFFERED_IO;
    CsqDevice->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
