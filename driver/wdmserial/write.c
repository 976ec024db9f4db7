/*
 * write.c - IRP_MJ_WRITE of the WDM serial sample, as a serial driver completes writes:
 * when the UART has taken every byte, not when they are buffered. Writes queue in order;
 * the oldest is the current one, and the ISR (WdmSerialFeedTransmitter) takes its bytes
 * straight from its buffer, after the echo bytes and a pending XON/XOFF, whenever the
 * UART's FIFO has emptied and no flow control holds the transmitter (flow.c). Once the
 * last byte is in the UART a DPC completes the write (Information: its length) and
 * starts the next. A write's total timeout (SERIAL_TIMEOUTS.WriteTotalTimeoutMultiplier
 * x length + WriteTotalTimeoutConstant, ms; 0 and 0: none) runs from the moment it becomes
 * current: it ends with STATUS_TIMEOUT and the bytes taken so far. Cancellation,
 * IOCTL_SERIAL_PURGE's TXABORT, the handle's cleanup, stop and removal end writes the
 * same way (the bytes taken so far in Information).
 */
#include "wdmserial.h"

typedef struct _WRITE_SOURCE {
    PDEVICE_EXTENSION Ext;
    PUCHAR Buffer; /* NULL: detach the current write */
    ULONG Length;
    ULONG Taken;   /* detach: the bytes the UART took */
} WRITE_SOURCE;

/* Under the interrupt lock: the transmitter's source of write bytes changes. */
static BOOLEAN SetWriteSource(PVOID Context)
{
    WRITE_SOURCE *W = Context;
    PDEVICE_EXTENSION Ext = W->Ext;
    W->Taken = Ext->WriteLength - Ext->WriteRemaining;
    Ext->WriteBuffer = W->Buffer;
    Ext->WriteLength = Ext->WriteRemaining = W->Length;
    if (W->Buffer)
        WdmSerialFeedTransmitter(Ext);
    return TRUE;
}

static ULONG WriteLength(PIRP Irp)
{
    return IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
}

static ULONG WriteTotalTimeout(const SERIAL_TIMEOUTS *T, ULONG Length)
{
    ULONGLONG Total = (ULONGLONG)T->WriteTotalTimeoutMultiplier * Length + T->WriteTotalTimeoutConstant;
    return Total > MAXULONG ? MAXULONG : (ULONG)Total;
}

/* The oldest queued write becomes current (WriteLock held). */
static VOID StartNextWrite(PDEVICE_EXTENSION Ext)
{
    if (Ext->CurrentWrite != NULL || IsListEmpty(&Ext->PendingWrites))
        return;
    PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Ext->PendingWrites), IRP, Tail.Overlay.ListEntry);
    ULONG Length = WriteLength(Irp);
    Ext->QueuedWriteBytes -= Length;
    Ext->CurrentWrite = Irp;
    ULONG Total = WriteTotalTimeout(&Ext->Settings.Timeouts, Length);
    if (Total != 0) {
        LARGE_INTEGER Due;
        Due.QuadPart = -(LONGLONG)Total * 10000;
        Ext->TimedWrite = Irp;
        KeSetTimer(&Ext->WriteTimer, Due, &Ext->WriteTimeoutDpc);
    }
    WRITE_SOURCE W = { Ext, Irp->AssociatedIrp.SystemBuffer, Length, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SetWriteSource, &W);
}

/* The current write leaves the transmitter (WriteLock held): returns the bytes it gave. */
static ULONG DetachCurrentWrite(PDEVICE_EXTENSION Ext)
{
    WRITE_SOURCE W = { Ext, NULL, 0, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SetWriteSource, &W);
    KeCancelTimer(&Ext->WriteTimer);
    Ext->TimedWrite = NULL; /* a timeout DPC already on its way finds no write of its own */
    Ext->CurrentWrite = NULL;
    return W.Taken;
}

static VOID CompleteWrite(PDEVICE_EXTENSION Ext, PIRP Irp, NTSTATUS Status, ULONG Taken)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Taken;
    IoCompleteRequest(Irp, NT_SUCCESS(Status) ? IO_SERIAL_INCREMENT : IO_NO_INCREMENT);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
}

/* Take Irp off the queue or off the transmitter, unless its cancel routine has it
 * (WriteLock held). Returns whether it was taken; *Taken: the bytes the UART took. */
static BOOLEAN TakeWrite(PDEVICE_EXTENSION Ext, PIRP Irp, ULONG *Taken)
{
    if (IoSetCancelRoutine(Irp, NULL) == NULL)
        return FALSE;
    *Taken = 0;
    if (Irp == Ext->CurrentWrite) {
        *Taken = DetachCurrentWrite(Ext);
        StartNextWrite(Ext);
    } else {
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        Ext->QueuedWriteBytes -= WriteLength(Irp);
    }
    return TRUE;
}

static BOOLEAN CurrentWriteDone(PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    return Ext->WriteBuffer != NULL && Ext->WriteRemaining == 0;
}

/* The ISR saw the last byte of the current write go into the UART. */
VOID WdmSerialWriteDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeAcquireSpinLockAtDpcLevel(&Ext->WriteLock);
    PIRP Irp = Ext->CurrentWrite;
    ULONG Taken = 0;
    if (Irp == NULL || Ext->Interrupt == NULL || !KeSynchronizeExecution(Ext->Interrupt, CurrentWriteDone, Ext) ||
        !TakeWrite(Ext, Irp, &Taken))
        Irp = NULL;
    KeReleaseSpinLockFromDpcLevel(&Ext->WriteLock);
    if (Irp)
        CompleteWrite(Ext, Irp, STATUS_SUCCESS, Taken);
}

VOID WdmSerialWriteTimeoutDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeAcquireSpinLockAtDpcLevel(&Ext->WriteLock);
    PIRP Irp = Ext->CurrentWrite;
    ULONG Taken = 0;
    if (Irp == NULL || Irp != Ext->TimedWrite || !TakeWrite(Ext, Irp, &Taken))
        Irp = NULL;
    KeReleaseSpinLockFromDpcLevel(&Ext->WriteLock);
    if (Irp)
        CompleteWrite(Ext, Irp, Taken == WriteLength(Irp) ? STATUS_SUCCESS : STATUS_TIMEOUT, Taken);
}

static VOID WdmSerialCancelWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL Irql;
    ULONG Taken = 0;
    KeAcquireSpinLock(&Ext->WriteLock, &Irql);
    if (Irp == Ext->CurrentWrite) {
        Taken = DetachCurrentWrite(Ext);
        StartNextWrite(Ext);
    } else {
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        Ext->QueuedWriteBytes -= WriteLength(Irp);
    }
    KeReleaseSpinLock(&Ext->WriteLock, Irql);
    CompleteWrite(Ext, Irp, STATUS_CANCELLED, Taken);
}

/* Every write ends with Status (purge, stop, removal), or only those of File (its
 * handle's cleanup). The queued ones first: ending the current one starts the next. */
VOID WdmSerialFailWrites(PDEVICE_EXTENSION Ext, NTSTATUS Status, PFILE_OBJECT File)
{
    for (;;) {
        KIRQL Irql;
        PIRP Irp = NULL;
        ULONG Taken = 0;
        KeAcquireSpinLock(&Ext->WriteLock, &Irql);
        for (PLIST_ENTRY E = Ext->PendingWrites.Flink; E != &Ext->PendingWrites; E = E->Flink) {
            PIRP Candidate = CONTAINING_RECORD(E, IRP, Tail.Overlay.ListEntry);
            if ((File == NULL || IoGetCurrentIrpStackLocation(Candidate)->FileObject == File) &&
                TakeWrite(Ext, Candidate, &Taken)) {
                Irp = Candidate;
                break;
            }
        }
        PIRP Current = Ext->CurrentWrite;
        if (Irp == NULL && Current != NULL &&
            (File == NULL || IoGetCurrentIrpStackLocation(Current)->FileObject == File) &&
            TakeWrite(Ext, Current, &Taken))
            Irp = Current;
        KeReleaseSpinLock(&Ext->WriteLock, Irql);
        if (Irp == NULL)
            return;
        CompleteWrite(Ext, Irp, Status, Taken);
    }
}

/* IRP_MJ_WRITE, admitted (the remove lock held until the write completes). */
NTSTATUS WdmSerialQueueWrite(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    if (WriteLength(Irp) == 0) {
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return WdmSerialCompleteIrp(Irp, STATUS_SUCCESS, 0);
    }
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->WriteLock, &Irql);
    IoSetCancelRoutine(Irp, WdmSerialCancelWrite);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        KeReleaseSpinLock(&Ext->WriteLock, Irql);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return WdmSerialCompleteIrp(Irp, STATUS_CANCELLED, 0);
    }
    IoMarkIrpPending(Irp);
    InsertTailList(&Ext->PendingWrites, &Irp->Tail.Overlay.ListEntry);
    Ext->QueuedWriteBytes += WriteLength(Irp);
    StartNextWrite(Ext);
    KeReleaseSpinLock(&Ext->WriteLock, Irql);
    return STATUS_PENDING;
}
