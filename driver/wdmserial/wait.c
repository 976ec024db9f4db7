/*
 * wait.c - IOCTL_SERIAL_WAIT_ON_MASK, the request a serial client leaves pending to hear
 * of line events. IOCTL_SERIAL_SET_WAIT_MASK chooses the events; the ISR notes what
 * happens at DIRQL, the DPC moves it into the history of events of the mask, and one
 * pending wait completes with that history (as a ULONG) once it is not empty. Events
 * that come while no wait is pending stay in the history for the next one, and a new
 * mask completes a pending wait with 0 and clears the history, as the serial driver
 * interface documents. Served: SERIAL_EV_RXCHAR, SERIAL_EV_RXFLAG (the event character of
 * IOCTL_SERIAL_SET_CHARS), SERIAL_EV_TXEMPTY (the transmitter took the last byte),
 * SERIAL_EV_CTS, SERIAL_EV_DSR, SERIAL_EV_RLSD, SERIAL_EV_RING (the modem-status interrupt,
 * flow.c), SERIAL_EV_ERR (overrun, parity or framing error), SERIAL_EV_BREAK and
 * SERIAL_EV_RX80FULL; SERIAL_EV_PERR, SERIAL_EV_EVENT1 and SERIAL_EV_EVENT2 are accepted
 * in the mask but never happen here.
 */
#include "wdmserial.h"

typedef struct _EVENTS_TAKEN {
    PDEVICE_EXTENSION Ext;
    ULONG Events;
} EVENTS_TAKEN;

static BOOLEAN TakeIsrEvents(PVOID Context)
{
    EVENTS_TAKEN *T = Context;
    T->Events = T->Ext->IsrEvents;
    T->Ext->IsrEvents = 0;
    return TRUE;
}

static VOID CompleteWait(PDEVICE_EXTENSION Ext, PIRP Irp, NTSTATUS Status, ULONG Events)
{
    *(PULONG)Irp->AssociatedIrp.SystemBuffer = Events;
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = NT_SUCCESS(Status) ? sizeof(ULONG) : 0;
    IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
}

/* The pending wait, if it can still be taken from its cancel routine (WaitLock held). */
static PIRP TakeWait(PDEVICE_EXTENSION Ext)
{
    PIRP Irp = Ext->WaitIrp;
    if (Irp == NULL || IoSetCancelRoutine(Irp, NULL) == NULL)
        return NULL; /* none, or its cancel routine runs and will complete it */
    Ext->WaitIrp = NULL;
    return Irp;
}

static VOID WdmSerialCancelWait(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->WaitLock, &Irql);
    if (Ext->WaitIrp == Irp)
        Ext->WaitIrp = NULL;
    KeReleaseSpinLock(&Ext->WaitLock, Irql);
    CompleteWait(Ext, Irp, STATUS_CANCELLED, 0);
}

/* At DISPATCH_LEVEL (the read DPC): what the ISR noted joins the history; a pending wait
 * completes with it. */
VOID WdmSerialServeWait(PDEVICE_EXTENSION Ext)
{
    EVENTS_TAKEN T = { Ext, 0 };
    if (Ext->Interrupt)
        KeSynchronizeExecution(Ext->Interrupt, TakeIsrEvents, &T);
    KeAcquireSpinLockAtDpcLevel(&Ext->WaitLock);
    Ext->WaitHistory |= T.Events & Ext->Settings.WaitMask;
    ULONG History = Ext->WaitHistory;
    PIRP Irp = History ? TakeWait(Ext) : NULL;
    if (Irp)
        Ext->WaitHistory = 0;
    KeReleaseSpinLockFromDpcLevel(&Ext->WaitLock);
    if (Irp)
        CompleteWait(Ext, Irp, STATUS_SUCCESS, History);
}

/* IOCTL_SERIAL_SET_WAIT_MASK (checked by the caller): a pending wait completes with 0. */
VOID WdmSerialSetWaitMask(PDEVICE_EXTENSION Ext, ULONG Mask)
{
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->WaitLock, &Irql);
    Ext->Settings.WaitMask = Mask;
    Ext->WaitHistory = 0;
    PIRP Irp = TakeWait(Ext);
    KeReleaseSpinLock(&Ext->WaitLock, Irql);
    if (Irp)
        CompleteWait(Ext, Irp, STATUS_SUCCESS, 0);
}

/* Stop, surprise removal, remove: the pending wait fails with Status; a handle's cleanup
 * (File given): the wait of that handle, if it is the one pending. */
VOID WdmSerialFailWait(PDEVICE_EXTENSION Ext, NTSTATUS Status, PFILE_OBJECT File)
{
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->WaitLock, &Irql);
    BOOLEAN Ours = Ext->WaitIrp && (File == NULL || IoGetCurrentIrpStackLocation(Ext->WaitIrp)->FileObject == File);
    PIRP Irp = Ours ? TakeWait(Ext) : NULL;
    KeReleaseSpinLock(&Ext->WaitLock, Irql);
    if (Irp)
        CompleteWait(Ext, Irp, Status, 0);
}

/* IOCTL_SERIAL_WAIT_ON_MASK, admitted (the remove lock held): completes at once with the
 * history if there is one, else stays pending, holding the remove lock until it ends.
 * No mask, or a wait already pending: STATUS_INVALID_PARAMETER. */
NTSTATUS WdmSerialWaitOnMask(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.OutputBufferLength < sizeof(ULONG)) {
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return WdmSerialCompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    }
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->WaitLock, &Irql);
    ULONG History = Ext->WaitHistory;
    NTSTATUS Status = STATUS_PENDING;
    if (Ext->Settings.WaitMask == 0 || Ext->WaitIrp != NULL) {
        Status = STATUS_INVALID_PARAMETER;
    } else if (History != 0) {
        Ext->WaitHistory = 0;
        Status = STATUS_SUCCESS;
    } else {
        IoSetCancelRoutine(Irp, WdmSerialCancelWait);
        if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
            Status = STATUS_CANCELLED;
        } else {
            IoMarkIrpPending(Irp);
            Ext->WaitIrp = Irp;
        }
    }
    KeReleaseSpinLock(&Ext->WaitLock, Irql);
    if (Status != STATUS_PENDING)
        CompleteWait(Ext, Irp, Status, History);
    return Status;
}
