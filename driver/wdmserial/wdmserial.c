/*
 * wdmserial.c - a WDM (Plug and Play) function driver for a 16550 UART.
 *
 * Unlike driver/serial (a legacy NT 4 driver that finds its hardware in DriverEntry),
 * this driver knows nothing about the hardware until the PnP manager tells it:
 *   DriverEntry  sets the dispatch routines, AddDevice and Unload; nothing else.
 *   AddDevice    creates the FDO (\Device\WdmSerialN), attaches it to the PDO's stack,
 *                registers the COM port device interface.
 *   START_DEVICE passes the IRP down first, waits for the lower drivers, then takes
 *                the port range and the interrupt from AllocatedResourcesTranslated,
 *                connects the interrupt, programs the UART, enables the interface.
 *   STOP/REMOVE  undo START in reverse; REMOVE detaches and deletes the FDO after
 *                the remove lock has drained; SURPRISE_REMOVAL fails pending reads.
 *
 * I/O: writes pend in order until the ISR has given every byte of theirs to the UART
 * (write.c; the flow control of flow.c may hold them back); reads pend until bytes arrive
 * (the ISR fills a receive ring, a DPC completes the oldest read). With no read
 * timeouts set a read completes with whatever has arrived; with SERIAL_TIMEOUTS set
 * (IOCTL_SERIAL_SET_TIMEOUTS) reads follow the documented serial semantics: complete
 * when the buffer is full, or with STATUS_TIMEOUT and what has arrived when the total
 * or the interval timeout runs out (MAXULONG interval: return at once). With the device
 * parameter Echo (REG_DWORD 1 in the device's "Device Parameters" key) every received
 * byte is also transmitted back. The serial IOCTLs (baud rate, line control, modem
 * lines, timeouts, handshake, purge, statistics ...) are in ioctl.c; the modem-status
 * interrupt and the flow control in flow.c.
 */
#include "wdmserial.h"
#include <ntstrsafe.h>

/* {86E0D1E0-8089-11D0-9CE4-08003E301F73} GUID_DEVINTERFACE_COMPORT */
DEFINE_GUID(WdmSerialComPortInterface, 0x86e0d1e0L, 0x8089, 0x11d0, 0x9c, 0xe4, 0x08, 0x00, 0x3e, 0x30, 0x1f, 0x73);

DRIVER_INITIALIZE DriverEntry;
static DRIVER_ADD_DEVICE WdmSerialAddDevice;
static DRIVER_UNLOAD WdmSerialUnload;
static DRIVER_DISPATCH WdmSerialPnp, WdmSerialPower, WdmSerialCreateClose, WdmSerialRead, WdmSerialWrite;
static KSERVICE_ROUTINE WdmSerialIsr;
static KSYNCHRONIZE_ROUTINE ProgramUart;
static KDEFERRED_ROUTINE WdmSerialReadDpc, WdmSerialReadTimeoutDpc;
static DRIVER_CANCEL WdmSerialCancelRead;
static IO_COMPLETION_ROUTINE WdmSerialStartCompletion, SystemPowerUp;
static REQUEST_POWER_COMPLETE DevicePowerDone;

static ULONG WdmSerialInstances;

/* ---- rings (callers hold the interrupt lock) ---- */

static BOOLEAN RingPut(RING *R, UCHAR Byte)
{
    ULONG Next = (R->Tail + 1) % RING_SIZE;
    if (Next == R->Head)
        return FALSE;
    R->Data[R->Tail] = Byte;
    R->Tail = Next;
    return TRUE;
}

static BOOLEAN RingGet(RING *R, PUCHAR Byte)
{
    if (R->Head == R->Tail)
        return FALSE;
    *Byte = R->Data[R->Head];
    R->Head = (R->Head + 1) % RING_SIZE;
    return TRUE;
}

/* ---- the hardware ---- */

/* Bytes go to the transmitter only when its FIFO has emptied (its THRE interrupt came, or
 * none was written since START) and no modem line holds it: writing more into a FIFO that
 * is not empty would lose bytes. A pending XON/XOFF goes first and is not held by a
 * received XOFF. The THRE interrupt stays on while the FIFO holds bytes: it says when to
 * feed more, or that the last byte has left (SERIAL_EV_TXEMPTY). */
VOID WdmSerialFeedTransmitter(PDEVICE_EXTENSION Ext)
{
    /* with the FIFO off (IOCTL_SERIAL_SET_FIFO_CONTROL) the holding register takes one byte */
    int Room = (Ext->Settings.Fcr & FCR_ENABLE) ? FIFO_DEPTH : 1;
    int Sent = 0;
    if (!Ext->ThrEmpty || (Ext->TxHolds & TX_LINE_HOLDS))
        Room = 0;
    if (Room > 0 && Ext->FlowCharPending) {
        WRITE_PORT_UCHAR(Ext->Port + UART_THR, Ext->FlowChar);
        Ext->FlowCharPending = FALSE;
        WdmSerialFlowCharSent(Ext, Ext->FlowChar);
        Sent++;
    }
    UCHAR Byte;
    while (Sent < Room && Ext->TxHolds == 0 && RingGet(&Ext->Tx, &Byte)) { /* echo */
        WRITE_PORT_UCHAR(Ext->Port + UART_THR, Byte);
        Ext->Perf.TransmittedCount++;
        Sent++;
    }
    BOOLEAN Writing = Ext->WriteRemaining > 0;
    while (Sent < Room && Ext->TxHolds == 0 && Ext->WriteRemaining > 0) { /* the current write */
        WRITE_PORT_UCHAR(Ext->Port + UART_THR, Ext->WriteBuffer[Ext->WriteLength - Ext->WriteRemaining]);
        Ext->WriteRemaining--;
        Ext->Perf.TransmittedCount++;
        Sent++;
    }
    if (Writing && Ext->WriteRemaining == 0)
        KeInsertQueueDpc(&Ext->WriteDpc, NULL, NULL); /* its last byte is in the UART: it completes */
    if (Sent) {
        Ext->ThrEmpty = FALSE;
        Ext->TxBusy = TRUE;
    }
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, IER_RDA | IER_MSI | (Ext->ThrEmpty ? 0 : IER_THRE));
}

/* The line status errors that came with a received byte (or a line status interrupt). */
static VOID CountLineErrors(PDEVICE_EXTENSION Ext, UCHAR Lsr)
{
    if (Lsr & LSR_OE) {
        Ext->Perf.SerialOverrunErrorCount++;
        Ext->Errors |= SERIAL_ERROR_OVERRUN;
    }
    if (Lsr & LSR_PE) {
        Ext->Perf.ParityErrorCount++;
        Ext->Errors |= SERIAL_ERROR_PARITY;
    }
    if (Lsr & LSR_FE) {
        Ext->Perf.FrameErrorCount++;
        Ext->Errors |= SERIAL_ERROR_FRAMING;
    }
    if (Lsr & LSR_BI)
        Ext->Errors |= SERIAL_ERROR_BREAK;
    if (Lsr & (LSR_OE | LSR_PE | LSR_FE))
        Ext->IsrEvents |= SERIAL_EV_ERR;
    if (Lsr & LSR_BI)
        Ext->IsrEvents |= SERIAL_EV_BREAK;
}

#define RX80FULL_COUNT (RING_SIZE * 8 / 10)

/* Received bytes into the receive ring (flow.c decides which go in and whether the sender
 * must stop). */
static BOOLEAN DrainReceiver(PDEVICE_EXTENSION Ext)
{
    BOOLEAN Received = FALSE;
    ULONG Before = RingCount(&Ext->Rx);
    UCHAR Lsr;
    while ((Lsr = READ_PORT_UCHAR(Ext->Port + UART_LSR)) & LSR_DR) {
        CountLineErrors(Ext, Lsr);
        UCHAR Byte = READ_PORT_UCHAR(Ext->Port + UART_RBR);
        Ext->Perf.ReceivedCount++;
        if (!WdmSerialAcceptReceived(Ext, Byte))
            continue;
        if (!RingPut(&Ext->Rx, Byte)) {
            Ext->Perf.BufferOverrunErrorCount++;
            Ext->Errors |= SERIAL_ERROR_QUEUEOVERRUN;
        }
        if (Ext->Echo)
            RingPut(&Ext->Tx, Byte);
        Received = TRUE;
    }
    if (Received)
        Ext->IsrEvents |= SERIAL_EV_RXCHAR;
    if (Before < RX80FULL_COUNT && RingCount(&Ext->Rx) >= RX80FULL_COUNT)
        Ext->IsrEvents |= SERIAL_EV_RX80FULL;
    WdmSerialCheckInputFlow(Ext);
    return Received;
}

static BOOLEAN WdmSerialIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    UCHAR Iir = READ_PORT_UCHAR(Ext->Port + UART_IIR);
    if (Iir & IIR_NO_INTERRUPT)
        return FALSE;
    BOOLEAN Received = FALSE;
    for (int Guard = 0; !(Iir & IIR_NO_INTERRUPT) && Guard < 64; Guard++) {
        switch (Iir & IIR_ID_MASK) {
        case IIR_RDA:
        case IIR_TIMEOUT:
            Received |= DrainReceiver(Ext);
            WdmSerialFeedTransmitter(Ext); /* echo, or an XOFF to send */
            break;
        case IIR_THRE:
            Ext->ThrEmpty = TRUE;
            if (Ext->TxBusy && Ext->Tx.Head == Ext->Tx.Tail && !Ext->FlowCharPending && Ext->WriteRemaining == 0 &&
                Ext->QueuedWriteBytes == 0) {
                Ext->TxBusy = FALSE; /* the transmitter took the last byte */
                Ext->IsrEvents |= SERIAL_EV_TXEMPTY;
            }
            WdmSerialFeedTransmitter(Ext);
            break;
        case IIR_RLS:
            CountLineErrors(Ext, READ_PORT_UCHAR(Ext->Port + UART_LSR));
            break;
        case IIR_MSI:
        default:
            WdmSerialModemStatus(Ext, READ_PORT_UCHAR(Ext->Port + UART_MSR)); /* the read clears it */
            WdmSerialFeedTransmitter(Ext); /* a line may have freed it */
            break;
        }
        Iir = READ_PORT_UCHAR(Ext->Port + UART_IIR);
    }
    if (Received || Ext->IsrEvents)
        KeInsertQueueDpc(&Ext->ReadDpc, NULL, NULL);
    return TRUE;
}

/* START: the line as the settings say (ioctl.c) with the lines a handshake owns high,
 * the modem lines as they are (older changes are no events), then the receive and
 * modem-status interrupts. */
static BOOLEAN ProgramUart(PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    const SERIAL_HANDFLOW *H = &Ext->Settings.HandFlow;
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0);
    Ext->TxBusy = FALSE;
    Ext->ThrEmpty = TRUE;
    Ext->RxFlowOff = FALSE;
    Ext->FlowCharPending = FALSE;
    Ext->TxHolds = 0;
    if ((H->ControlHandShake & SERIAL_DTR_MASK) == SERIAL_DTR_HANDSHAKE)
        Ext->Settings.Mcr |= MCR_DTR;
    if ((H->FlowReplace & SERIAL_RTS_MASK) == SERIAL_RTS_HANDSHAKE)
        Ext->Settings.Mcr |= MCR_RTS;
    WdmSerialProgramLine(Ext);
    if (Ext->Settings.Fcr & FCR_ENABLE) /* a fresh start: whatever the FIFOs held is stale */
        WRITE_PORT_UCHAR(Ext->Port + UART_FCR, Ext->Settings.Fcr | FCR_RX_RESET | FCR_TX_RESET);
    WdmSerialModemStatus(Ext, READ_PORT_UCHAR(Ext->Port + UART_MSR));
    Ext->IsrEvents = 0;
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, IER_RDA | IER_MSI);
    return TRUE;
}

static BOOLEAN QuietUart(PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0);
    WRITE_PORT_UCHAR(Ext->Port + UART_MCR, 0);
    return TRUE;
}

/* ---- reads ----
 * The oldest pending read (the head) is the only one that collects bytes; its total
 * timeout starts when it becomes the head, its interval timeout restarts with every
 * byte that arrives for it. Bytes stay in the receive ring until the read completes. */

typedef struct _COPY_CONTEXT {
    PDEVICE_EXTENSION Ext;
    PUCHAR Buffer;
    ULONG Length;
    ULONG Copied;
} COPY_CONTEXT;

static BOOLEAN TakeReceived(PVOID Context)
{
    COPY_CONTEXT *C = Context;
    while (C->Copied < C->Length && RingGet(&C->Ext->Rx, &C->Buffer[C->Copied]))
        C->Copied++;
    WdmSerialCheckInputFlow(C->Ext); /* down to the XON limit: the sender may go on */
    WdmSerialFeedTransmitter(C->Ext);
    return TRUE;
}

static BOOLEAN MeasureReceived(PVOID Context)
{
    COPY_CONTEXT *C = Context;
    C->Copied = RingCount(&C->Ext->Rx);
    return TRUE;
}

static ULONG ReceivedCount(PDEVICE_EXTENSION Ext)
{
    COPY_CONTEXT C = { Ext, NULL, 0, 0 };
    if (Ext->Interrupt)
        KeSynchronizeExecution(Ext->Interrupt, MeasureReceived, &C);
    return C.Copied;
}

static ULONG ReadLength(PIRP Irp)
{
    return IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
}

static PIRP HeadRead(PDEVICE_EXTENSION Ext)
{
    if (IsListEmpty(&Ext->PendingReads))
        return NULL;
    return CONTAINING_RECORD(Ext->PendingReads.Flink, IRP, Tail.Overlay.ListEntry);
}

static BOOLEAN NoReadTimeouts(const SERIAL_TIMEOUTS *T)
{
    return T->ReadIntervalTimeout == 0 && T->ReadTotalTimeoutMultiplier == 0 && T->ReadTotalTimeoutConstant == 0;
}

/* Whether the head read of Length bytes completes now, Available bytes having arrived. */
static BOOLEAN ReadSatisfied(const SERIAL_TIMEOUTS *T, ULONG Length, ULONG Available)
{
    if (NoReadTimeouts(T))
        return Available > 0; /* no timeouts set: this sample returns whatever has arrived */
    if (T->ReadIntervalTimeout == MAXULONG) {
        if (T->ReadTotalTimeoutMultiplier == 0 && T->ReadTotalTimeoutConstant == 0)
            return TRUE;          /* return at once, with whatever is there */
        if (T->ReadTotalTimeoutMultiplier == MAXULONG)
            return Available > 0; /* the first byte completes it */
    }
    return Available >= min(Length, RING_SIZE - 1); /* a longer read cannot fill from the ring */
}

/* The total timeout of a read of Length bytes in ms; 0: none. */
static ULONG ReadTotalTimeout(const SERIAL_TIMEOUTS *T, ULONG Length)
{
    if (T->ReadIntervalTimeout == MAXULONG && T->ReadTotalTimeoutMultiplier == MAXULONG)
        return T->ReadTotalTimeoutConstant;
    ULONGLONG Total = (ULONGLONG)T->ReadTotalTimeoutMultiplier * Length + T->ReadTotalTimeoutConstant;
    return Total > MAXULONG ? MAXULONG : (ULONG)Total;
}

static VOID SetTimerMs(PKTIMER Timer, PKDPC Dpc, ULONG Milliseconds)
{
    LARGE_INTEGER Due;
    Due.QuadPart = -(LONGLONG)Milliseconds * 10000;
    KeSetTimer(Timer, Due, Dpc);
}

static VOID StopReadTimers(PDEVICE_EXTENSION Ext)
{
    KeCancelTimer(&Ext->TotalTimer);
    KeRemoveQueueDpc(&Ext->TotalDpc);
    KeCancelTimer(&Ext->IntervalTimer);
    KeRemoveQueueDpc(&Ext->IntervalDpc);
}

/* The head changed (it completed, was cancelled, or a read arrived on an empty queue):
 * the old head's timers stop, the new head's total timeout starts. Caller holds ReadLock. */
static VOID ArmHead(PDEVICE_EXTENSION Ext)
{
    StopReadTimers(Ext);
    Ext->HeadSeen = 0;
    Ext->ArmedRead = HeadRead(Ext);
    if (Ext->ArmedRead == NULL)
        return;
    ULONG Total = ReadTotalTimeout(&Ext->Settings.Timeouts, ReadLength(Ext->ArmedRead));
    if (Total != 0)
        SetTimerMs(&Ext->TotalTimer, &Ext->TotalDpc, Total);
}

/* Take the head off the queue unless its cancellation is under way. Caller holds ReadLock. */
static PIRP UnlinkHead(PDEVICE_EXTENSION Ext, PIRP Head)
{
    if (IoSetCancelRoutine(Head, NULL) == NULL)
        return NULL; /* being cancelled: its cancel routine removes it */
    RemoveEntryList(&Head->Tail.Overlay.ListEntry);
    ArmHead(Ext);
    return Head;
}

/* The head if it is complete now; else its interval timeout restarts on new bytes.
 * Caller holds ReadLock. */
static PIRP TakeHeadIfSatisfied(PDEVICE_EXTENSION Ext)
{
    PIRP Head = HeadRead(Ext);
    if (Head == NULL)
        return NULL;
    const SERIAL_TIMEOUTS *T = &Ext->Settings.Timeouts;
    ULONG Available = ReceivedCount(Ext);
    if (ReadSatisfied(T, ReadLength(Head), Available))
        return UnlinkHead(Ext, Head);
    if (Available > Ext->HeadSeen && T->ReadIntervalTimeout != 0 && T->ReadIntervalTimeout != MAXULONG)
        SetTimerMs(&Ext->IntervalTimer, &Ext->IntervalDpc, T->ReadIntervalTimeout);
    Ext->HeadSeen = Available;
    return NULL;
}

static VOID FinishRead(PDEVICE_EXTENSION Ext, PIRP Irp, NTSTATUS Status)
{
    COPY_CONTEXT C = { Ext, Irp->AssociatedIrp.SystemBuffer, ReadLength(Irp), 0 };
    if (Ext->Interrupt)
        KeSynchronizeExecution(Ext->Interrupt, TakeReceived, &C);
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = C.Copied;
    IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
}

/* Complete every read that is complete now (called at DISPATCH_LEVEL). */
static VOID ServeReads(PDEVICE_EXTENSION Ext)
{
    for (;;) {
        KIRQL Irql;
        KeAcquireSpinLock(&Ext->ReadLock, &Irql);
        PIRP Irp = TakeHeadIfSatisfied(Ext);
        KeReleaseSpinLock(&Ext->ReadLock, Irql);
        if (Irp == NULL)
            return;
        FinishRead(Ext, Irp, STATUS_SUCCESS);
    }
}

static VOID WdmSerialReadDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    ServeReads(Context);
    WdmSerialServeWait(Context);
}

/* The head's total or interval timeout ran out: it completes with what has arrived. */
static VOID WdmSerialReadTimeoutDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    KeAcquireSpinLockAtDpcLevel(&Ext->ReadLock);
    PIRP Head = HeadRead(Ext);
    PIRP Irp = Head != NULL && Head == Ext->ArmedRead ? UnlinkHead(Ext, Head) : NULL;
    KeReleaseSpinLockFromDpcLevel(&Ext->ReadLock);
    if (Irp != NULL)
        FinishRead(Ext, Irp, STATUS_TIMEOUT);
    ServeReads(Ext); /* the next read may be complete already */
}

static VOID WdmSerialCancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->ReadLock, &Irql);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    if (Irp == Ext->ArmedRead)
        ArmHead(Ext);
    KeReleaseSpinLock(&Ext->ReadLock, Irql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
}

/* Every pending read fails with Status (surprise removal, stop, remove, a purge), or
 * only those of File (its handle's cleanup). */
static VOID FailReads(PDEVICE_EXTENSION Ext, NTSTATUS Status, PFILE_OBJECT File)
{
    for (;;) {
        KIRQL Irql;
        PIRP Irp = NULL;
        KeAcquireSpinLock(&Ext->ReadLock, &Irql);
        for (PLIST_ENTRY E = Ext->PendingReads.Flink; E != &Ext->PendingReads; E = E->Flink) {
            PIRP Candidate = CONTAINING_RECORD(E, IRP, Tail.Overlay.ListEntry);
            if (File && IoGetCurrentIrpStackLocation(Candidate)->FileObject != File)
                continue;
            if (IoSetCancelRoutine(Candidate, NULL) != NULL) {
                RemoveEntryList(E);
                Irp = Candidate;
                break;
            }
        }
        if (Irp != NULL && Irp == Ext->ArmedRead)
            ArmHead(Ext);
        KeReleaseSpinLock(&Ext->ReadLock, Irql);
        if (Irp == NULL)
            return;
        Irp->IoStatus.Status = Status;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    }
}

VOID WdmSerialFailPendingReads(PDEVICE_EXTENSION Ext, NTSTATUS Status)
{
    FailReads(Ext, Status, NULL);
}

/* ---- create, close, read, write ---- */

NTSTATUS WdmSerialCompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* A request may start only on a started device that is not being removed: the
 * remove lock is held on success (the caller releases it), on failure not. */
NTSTATUS WdmSerialAdmit(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Ext->State != Started) {
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return STATUS_DEVICE_NOT_READY;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS WdmSerialCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction == IRP_MJ_CREATE) {
        NTSTATUS Status = WdmSerialAdmit(Ext, Irp);
        if (!NT_SUCCESS(Status))
            return WdmSerialCompleteIrp(Irp, Status, 0);
        InterlockedIncrement(&Ext->OpenCount);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    } else if (Stack->MajorFunction == IRP_MJ_CLOSE) {
        InterlockedDecrement(&Ext->OpenCount);
    } else { /* IRP_MJ_CLEANUP: the handle is going, and its pending reads and wait with it */
        FailReads(Ext, STATUS_CANCELLED, Stack->FileObject);
        WdmSerialFailWrites(Ext, STATUS_CANCELLED, Stack->FileObject);
        WdmSerialFailWait(Ext, STATUS_CANCELLED, Stack->FileObject);
    }
    return WdmSerialCompleteIrp(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS WdmSerialRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = WdmSerialAdmit(Ext, Irp);
    if (!NT_SUCCESS(Status))
        return WdmSerialCompleteIrp(Irp, Status, 0);
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0) {
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return WdmSerialCompleteIrp(Irp, STATUS_SUCCESS, 0);
    }
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->ReadLock, &Irql);
    IoSetCancelRoutine(Irp, WdmSerialCancelRead);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        KeReleaseSpinLock(&Ext->ReadLock, Irql);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return WdmSerialCompleteIrp(Irp, STATUS_CANCELLED, 0);
    }
    IoMarkIrpPending(Irp);
    InsertTailList(&Ext->PendingReads, &Irp->Tail.Overlay.ListEntry);
    if (HeadRead(Ext) == Irp)
        ArmHead(Ext); /* the only read: its timeouts start now */
    KeReleaseSpinLock(&Ext->ReadLock, Irql);
    /* the remove lock stays held until the read completes */
    KeInsertQueueDpc(&Ext->ReadDpc, NULL, NULL); /* bytes may already be waiting */
    return STATUS_PENDING;
}

static NTSTATUS WdmSerialWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = WdmSerialAdmit(Ext, Irp);
    if (!NT_SUCCESS(Status))
        return WdmSerialCompleteIrp(Irp, Status, 0);
    return WdmSerialQueueWrite(Ext, Irp); /* write.c */
}

/* ---- Plug and Play ---- */

static NTSTATUS WdmSerialStartCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Pass the IRP down and wait until the lower drivers are done with it. */
static NTSTATUS ForwardAndWait(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, WdmSerialStartCompletion, &Event, TRUE, TRUE, TRUE);
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static VOID ReadParameters(PDEVICE_EXTENSION Ext)
{
    HANDLE Key;
    Ext->Echo = FALSE;
    if (!NT_SUCCESS(IoOpenDeviceRegistryKey(Ext->Pdo, PLUGPLAY_REGKEY_DEVICE, KEY_READ, &Key)))
        return;
    UNICODE_STRING Name;
    RtlInitUnicodeString(&Name, L"Echo");
    UCHAR Buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    ULONG Length;
    if (NT_SUCCESS(ZwQueryValueKey(Key, &Name, KeyValuePartialInformation, Buffer, sizeof(Buffer), &Length))) {
        PKEY_VALUE_PARTIAL_INFORMATION Info = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
        if (Info->Type == REG_DWORD && Info->DataLength == sizeof(ULONG))
            Ext->Echo = *(ULONG *)Info->Data != 0;
    }
    ZwClose(Key);
}

/* The ports and the interrupt the PnP manager assigned, then the hardware. */
static NTSTATUS StartHardware(PDEVICE_EXTENSION Ext, PCM_RESOURCE_LIST Translated)
{
    if (Translated == NULL || Translated->Count == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_LIST List = &Translated->List[0].PartialResourceList;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR Port = NULL, Irq = NULL;
    for (ULONG i = 0; i < List->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &List->PartialDescriptors[i];
        if (D->Type == CmResourceTypePort && Port == NULL)
            Port = D;
        else if (D->Type == CmResourceTypeInterrupt && Irq == NULL)
            Irq = D;
    }
    if (Port == NULL || Irq == NULL || Port->u.Port.Length < 8)
        return STATUS_INSUFFICIENT_RESOURCES;
    Ext->Port = (PUCHAR)(ULONG_PTR)Port->u.Port.Start.QuadPart;
    ReadParameters(Ext);
    RtlZeroMemory(&Ext->Rx, sizeof(Ext->Rx));
    RtlZeroMemory(&Ext->Tx, sizeof(Ext->Tx));
    KINTERRUPT_MODE Mode = (Irq->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
    NTSTATUS Status = IoConnectInterrupt(&Ext->Interrupt, WdmSerialIsr, Ext, NULL, Irq->u.Interrupt.Vector,
                                         (KIRQL)Irq->u.Interrupt.Level, (KIRQL)Irq->u.Interrupt.Level, Mode,
                                         Irq->ShareDisposition == CmResourceShareShared, Irq->u.Interrupt.Affinity,
                                         FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        return Status;
    }
    KeSynchronizeExecution(Ext->Interrupt, ProgramUart, Ext);
    return STATUS_SUCCESS;
}

static VOID StopHardware(PDEVICE_EXTENSION Ext, BOOLEAN HardwarePresent)
{
    if (Ext->Interrupt == NULL)
        return;
    if (HardwarePresent)
        KeSynchronizeExecution(Ext->Interrupt, QuietUart, Ext);
    IoDisconnectInterrupt(Ext->Interrupt);
    Ext->Interrupt = NULL;
    KeRemoveQueueDpc(&Ext->ReadDpc);
    StopReadTimers(Ext); /* no read or write is pending any more: nothing may fire after this */
    KeCancelTimer(&Ext->WriteTimer);
    KeRemoveQueueDpc(&Ext->WriteTimeoutDpc);
    KeRemoveQueueDpc(&Ext->WriteDpc);
}

static NTSTATUS PassDown(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->Lower, Irp);
}

static NTSTATUS HandleStart(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    NTSTATUS Status = ForwardAndWait(Ext, Irp);
    if (NT_SUCCESS(Status)) {
        PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
        Status = StartHardware(Ext, Stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        if (NT_SUCCESS(Status)) {
            Ext->State = Started;
            IoSetDeviceInterfaceState(&Ext->InterfaceName, TRUE);
        }
    }
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS HandleRemove(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    if (Ext->State != SurpriseRemoved) {
        IoSetDeviceInterfaceState(&Ext->InterfaceName, FALSE);
        WdmSerialFailPendingReads(Ext, STATUS_DELETE_PENDING);
        WdmSerialFailWrites(Ext, STATUS_DELETE_PENDING, NULL);
        WdmSerialFailWait(Ext, STATUS_DELETE_PENDING, NULL);
        StopHardware(Ext, TRUE);
    }
    Ext->State = Deleted;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    NTSTATUS Status = PassDown(Ext, Irp);
    IoReleaseRemoveLockAndWait(&Ext->RemoveLock, Irp);
    IoDetachDevice(Ext->Lower);
    RtlFreeUnicodeString(&Ext->InterfaceName);
    IoDeleteDevice(Ext->Self);
    return Status;
}

static NTSTATUS WdmSerialPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return WdmSerialCompleteIrp(Irp, Status, 0);
    switch (Stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        Status = HandleStart(Ext, Irp);
        break;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
        if (Ext->OpenCount > 0) { /* a port in use is not given up */
            Status = WdmSerialCompleteIrp(Irp, STATUS_DEVICE_BUSY, 0);
            break;
        }
        Ext->PreviousState = Ext->State;
        Ext->State = Stack->MinorFunction == IRP_MN_QUERY_STOP_DEVICE ? StopPending : RemovePending;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Status = ForwardAndWait(Ext, Irp);
        if (Ext->State == StopPending || Ext->State == RemovePending)
            Ext->State = Ext->PreviousState;
        Status = WdmSerialCompleteIrp(Irp, STATUS_SUCCESS, 0);
        break;
    case IRP_MN_STOP_DEVICE:
        WdmSerialFailPendingReads(Ext, STATUS_DEVICE_NOT_READY);
        WdmSerialFailWrites(Ext, STATUS_DEVICE_NOT_READY, NULL);
        WdmSerialFailWait(Ext, STATUS_DEVICE_NOT_READY, NULL);
        StopHardware(Ext, TRUE);
        Ext->State = Stopped;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_SURPRISE_REMOVAL:
        Ext->State = SurpriseRemoved;
        IoSetDeviceInterfaceState(&Ext->InterfaceName, FALSE);
        WdmSerialFailPendingReads(Ext, STATUS_DELETE_PENDING);
        WdmSerialFailWrites(Ext, STATUS_DELETE_PENDING, NULL);
        WdmSerialFailWait(Ext, STATUS_DELETE_PENDING, NULL);
        StopHardware(Ext, FALSE); /* the UART is gone: do not touch it */
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_REMOVE_DEVICE:
        return HandleRemove(Ext, Irp); /* releases the remove lock itself */
    default:
        Status = PassDown(Ext, Irp);
        break;
    }
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

/* ---- power: the function driver owns the device's power policy ----
 * A system SET_POWER goes down first; on its way back the driver asks for the device
 * state that system state maps to (D0 for S0, D3 otherwise) with PoRequestPowerIrp and
 * completes the system IRP only when the device IRP has completed. The device IRP
 * itself records the new state (PoSetPowerState) and goes down. */

static VOID DevicePowerDone(PDEVICE_OBJECT DeviceObject, UCHAR MinorFunction, POWER_STATE PowerState, PVOID Context,
                            PIO_STATUS_BLOCK IoStatus)
{
    PIRP SystemIrp = Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(MinorFunction);
    UNREFERENCED_PARAMETER(PowerState);
    SystemIrp->IoStatus.Status = IoStatus->Status;
    PoStartNextPowerIrp(SystemIrp);
    IoCompleteRequest(SystemIrp, IO_NO_INCREMENT);
}

static NTSTATUS SystemPowerUp(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    if (!NT_SUCCESS(Irp->IoStatus.Status)) {
        PoStartNextPowerIrp(Irp);
        return STATUS_CONTINUE_COMPLETION;
    }
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    POWER_STATE Device;
    Device.DeviceState = Stack->Parameters.Power.State.SystemState == PowerSystemWorking ? PowerDeviceD0 : PowerDeviceD3;
    NTSTATUS Status = PoRequestPowerIrp(DeviceObject, IRP_MN_SET_POWER, Device, DevicePowerDone, Irp, NULL);
    if (!NT_SUCCESS(Status)) {
        Irp->IoStatus.Status = Status;
        PoStartNextPowerIrp(Irp);
        return STATUS_CONTINUE_COMPLETION;
    }
    return STATUS_MORE_PROCESSING_REQUIRED; /* DevicePowerDone completes it */
}

static NTSTATUS WdmSerialPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MinorFunction == IRP_MN_SET_POWER && Stack->Parameters.Power.Type == SystemPowerState &&
        Ext->State == Started) {
        IoMarkIrpPending(Irp);
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoSetCompletionRoutine(Irp, SystemPowerUp, NULL, TRUE, TRUE, TRUE);
        PoCallDriver(Ext->Lower, Irp);
        return STATUS_PENDING;
    }
    if (Stack->MinorFunction == IRP_MN_SET_POWER && Stack->Parameters.Power.Type == DevicePowerState)
        PoSetPowerState(DeviceObject, DevicePowerState, Stack->Parameters.Power.State);
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(Ext->Lower, Irp);
}

/* ---- AddDevice, DriverEntry, Unload ---- */

static NTSTATUS WdmSerialAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    WCHAR NameBuffer[32];
    UNICODE_STRING Name;
    RtlInitEmptyUnicodeString(&Name, NameBuffer, sizeof(NameBuffer));
    RtlUnicodeStringPrintf(&Name, L"\\Device\\WdmSerial%u", WdmSerialInstances);
    PDEVICE_OBJECT Fdo;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), &Name, FILE_DEVICE_SERIAL_PORT,
                                     FILE_DEVICE_SECURE_OPEN, TRUE, &Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PDEVICE_EXTENSION Ext = Fdo->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Self = Fdo;
    Ext->Pdo = Pdo;
    Ext->State = NotStarted;
    IoInitializeRemoveLock(&Ext->RemoveLock, WDMSER_TAG, 0, 0);
    KeInitializeSpinLock(&Ext->ReadLock);
    KeInitializeSpinLock(&Ext->WaitLock);
    InitializeListHead(&Ext->PendingReads);
    KeInitializeDpc(&Ext->ReadDpc, WdmSerialReadDpc, Ext);
    KeInitializeTimer(&Ext->TotalTimer);
    KeInitializeTimer(&Ext->IntervalTimer);
    KeInitializeDpc(&Ext->TotalDpc, WdmSerialReadTimeoutDpc, Ext);
    KeInitializeDpc(&Ext->IntervalDpc, WdmSerialReadTimeoutDpc, Ext);
    KeInitializeSpinLock(&Ext->WriteLock);
    InitializeListHead(&Ext->PendingWrites);
    KeInitializeTimer(&Ext->WriteTimer);
    KeInitializeDpc(&Ext->WriteDpc, WdmSerialWriteDpc, Ext);
    KeInitializeDpc(&Ext->WriteTimeoutDpc, WdmSerialWriteTimeoutDpc, Ext);
    WdmSerialDefaultSettings(&Ext->Settings);
    Status = IoRegisterDeviceInterface(Pdo, &WdmSerialComPortInterface, NULL, &Ext->InterfaceName);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Fdo);
        return Status;
    }
    Ext->Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo);
    if (Ext->Lower == NULL) {
        RtlFreeUnicodeString(&Ext->InterfaceName);
        IoDeleteDevice(Fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    WdmSerialInstances++;
    Fdo->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID WdmSerialUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* every device went with its REMOVE_DEVICE */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = WdmSerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = WdmSerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = WdmSerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = WdmSerialRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = WdmSerialWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = WdmSerialDeviceControl;
    DriverObject->MajorFunction[IRP_MJ_PNP] = WdmSerialPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = WdmSerialPower;
    DriverObject->DriverExtension->AddDevice = WdmSerialAddDevice;
    DriverObject->DriverUnload = WdmSerialUnload;
    return STATUS_SUCCESS;
}
