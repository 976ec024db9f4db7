/*
 * serial.c - a legacy (NT 4 style, non-PnP) driver for one 16550 UART.
 *
 * DriverEntry follows the initialisation stages of a legacy device driver:
 *   1. allocate a configuration block (paged pool, init only);
 *   2. fill it from the service key's Parameters subkey, with defaults
 *      (PortAddress 0x3F8, Interrupt 4, ClockRate 1843200, DosDevices COM1,
 *      BaudRate 9600, RxBufferSize 4096, RxFifoTrigger 8, Loopback 0);
 *   3. set the entry points;
 *   4. claim the ports and the interrupt (IoReportResourceUsage, raw bus values);
 *   5. only then touch the UART: check it is there, create \Device\Serial0,
 *      \DosDevices\COM1 and DEVICEMAP\SERIALCOMM, connect the interrupt
 *      (HalGetInterruptVector + IoConnectInterrupt) and program the chip;
 *   6. free the configuration block and return STATUS_SUCCESS.
 * Any failure logs an error entry and undoes every completed step in reverse.
 *
 * Run time: writes go through StartIo (one at a time, the ISR feeds the transmit
 * FIFO on THRE interrupts, a DPC completes them); reads are served from a ring
 * buffer the ISR fills, with the serial timeouts (total and interval, KTIMER + DPC);
 * IOCTL_SERIAL_* for baud rate, line control, timeouts, handflow basics, wait
 * masks, purge, modem lines and status. The ISR checks IIR first and returns FALSE
 * when the UART has nothing pending, so a spurious interrupt is harmless even
 * during DriverEntry.
 */
#include <ntddk.h>
#include <ntddser.h>

#define SERIAL_TAG 'lreS'
#define SERIAL_FIFO_DEPTH 16

/* 16550 registers (offsets from the base port) */
#define UART_RBR 0
#define UART_THR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define IIR_NO_INTERRUPT 0x01
#define IIR_ID_MASK 0x0E
#define IIR_RLS 0x06
#define IIR_RDA 0x04
#define IIR_THRE 0x02
#define IIR_MS 0x00
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define LCR_BREAK 0x40
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04

typedef struct _SERIAL_CONFIG {
    ULONG PortAddress;
    ULONG Interrupt;
    ULONG ClockRate;
    ULONG BaudRate;
    ULONG RxBufferSize;
    ULONG RxFifoTrigger;
    ULONG Loopback;
    WCHAR DosDevicesBuffer[32];
    UNICODE_STRING DosDevices;
} SERIAL_CONFIG, *PSERIAL_CONFIG;

typedef struct _SERIAL_EXTENSION {
    PDEVICE_OBJECT DeviceObject;
    PUCHAR Controller;
    ULONG PortAddress;
    ULONG BusInterrupt;
    ULONG ClockRate;
    PKINTERRUPT Interrupt;
    BOOLEAN Opened;

    /* line settings */
    ULONG BaudRate;
    UCHAR LineControl;          /* LCR value without DLAB/BREAK */
    SERIAL_TIMEOUTS Timeouts;
    SERIAL_HANDFLOW HandFlow;
    SERIAL_CHARS Chars;
    UCHAR ModemControl;         /* MCR */
    UCHAR InterruptEnable;      /* IER */
    UCHAR FifoControl;          /* FCR value used when enabling */
    ULONG RxTrigger;            /* bytes at the receive FIFO trigger level (1, 4, 8, 14) */

    /* receive ring (the ISR produces, DPCs consume; shared under the interrupt lock) */
    PUCHAR RxBuffer;
    ULONG RxSize, RxHead, RxCount;
    ULONG Errors;
    ULONG PerfReceived, PerfTransmitted;

    /* current read */
    PIRP CurrentReadIrp;
    LIST_ENTRY ReadQueue;
    ULONG ReadLength, ReadDone;
    BOOLEAN ReadReturnOnAny;    /* the MAXULONG/MAXULONG/constant case */
    BOOLEAN ReadIntervalArmed;
    KTIMER ReadTotalTimer, ReadIntervalTimer;
    KDPC ReadTotalDpc, ReadIntervalDpc, ReadDataDpc;

    /* current write (StartIo); WriteBuffer/WriteRemaining are the ISR's */
    PUCHAR WriteBuffer;
    ULONG WriteRemaining, WriteLength;
    BOOLEAN WriteActive;        /* the ISR is feeding the FIFO */
    BOOLEAN WriteDone;          /* the ISR saw the FIFO drain after the last byte */
    KTIMER WriteTimer;
    KDPC WriteTimeoutDpc;

    /* wait on mask */
    ULONG WaitMask, History;
    PIRP CurrentWaitIrp;
    BOOLEAN WaitPending;        /* read by the ISR */
    KDPC WaitDpc;

    /* undo bookkeeping */
    BOOLEAN SymbolicLinkCreated, SerialCommWritten;
    WCHAR SymbolicLinkBuffer[48];
    UNICODE_STRING SymbolicLinkName;
    WCHAR DosNameBuffer[32];
    UNICODE_STRING DosName;
} SERIAL_EXTENSION, *PSERIAL_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD SerialUnload;
static DRIVER_DISPATCH SerialCreateClose, SerialCleanup, SerialRead, SerialWrite, SerialDeviceControl;
static DRIVER_STARTIO SerialStartIo;
static KSERVICE_ROUTINE SerialIsr;
static IO_DPC_ROUTINE SerialCompleteWriteDpc;
static KDEFERRED_ROUTINE SerialReadDataDpc, SerialReadTotalTimeout, SerialReadIntervalTimeout, SerialWriteTimeout,
    SerialWaitDpc;

static const WCHAR SerialDeviceName[] = L"\\Device\\Serial0";

/* ---- small helpers ---- */

static UCHAR SerialIn(PSERIAL_EXTENSION Ext, ULONG Reg)
{
    return READ_PORT_UCHAR(Ext->Controller + Reg);
}

static VOID SerialOut(PSERIAL_EXTENSION Ext, ULONG Reg, UCHAR Value)
{
    WRITE_PORT_UCHAR(Ext->Controller + Reg, Value);
}

static VOID SerialLogError(PVOID IoObject, NTSTATUS ErrorCode, ULONG Unique, NTSTATUS Final)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(IoObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(*Entry));
    Entry->ErrorCode = ErrorCode;
    Entry->UniqueErrorValue = Unique;
    Entry->FinalStatus = Final;
    IoWriteErrorLogEntry(Entry);
}

static ULONG SerialDivisor(ULONG ClockRate, ULONG BaudRate)
{
    if (BaudRate == 0)
        return 0;
    ULONG Divisor = (ClockRate / 16 + BaudRate / 2) / BaudRate;
    if (Divisor == 0 || Divisor > 0xFFFF)
        return 0;
    /* within 1% of the requested rate */
    ULONG Actual = ClockRate / 16 / Divisor;
    ULONG Error = Actual > BaudRate ? Actual - BaudRate : BaudRate - Actual;
    return Error * 100 <= BaudRate ? Divisor : 0;
}

/* ---- synchronized with the ISR (KeSynchronizeExecution) ---- */

typedef struct _SERIAL_SYNC {
    PSERIAL_EXTENSION Ext;
    PUCHAR Buffer;
    ULONG Length;
    ULONG Result;
} SERIAL_SYNC;

static BOOLEAN SerialSyncProgramLine(PVOID Context)
{
    PSERIAL_EXTENSION Ext = Context;
    ULONG Divisor = SerialDivisor(Ext->ClockRate, Ext->BaudRate);
    SerialOut(Ext, UART_LCR, (UCHAR)(Ext->LineControl | LCR_DLAB));
    SerialOut(Ext, UART_DLL, (UCHAR)(Divisor & 0xFF));
    SerialOut(Ext, UART_DLM, (UCHAR)(Divisor >> 8));
    SerialOut(Ext, UART_LCR, Ext->LineControl);
    return TRUE;
}

static BOOLEAN SerialSyncModemControl(PVOID Context)
{
    PSERIAL_EXTENSION Ext = Context;
    SerialOut(Ext, UART_MCR, Ext->ModemControl);
    return TRUE;
}

/* Move up to Length bytes from the ring into Buffer. */
static BOOLEAN SerialSyncTakeRx(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    PSERIAL_EXTENSION Ext = S->Ext;
    ULONG N = S->Length < Ext->RxCount ? S->Length : Ext->RxCount;
    for (ULONG i = 0; i < N; i++) {
        S->Buffer[i] = Ext->RxBuffer[Ext->RxHead];
        Ext->RxHead = (Ext->RxHead + 1) % Ext->RxSize;
    }
    Ext->RxCount -= N;
    S->Result = N;
    return TRUE;
}

static BOOLEAN SerialSyncStartWrite(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    PSERIAL_EXTENSION Ext = S->Ext;
    Ext->WriteBuffer = S->Buffer;
    Ext->WriteRemaining = S->Length;
    Ext->WriteLength = S->Length;
    Ext->WriteActive = TRUE;
    Ext->WriteDone = FALSE;
    /* Re-enabling THRE interrupts with THR empty raises one at once: the ISR fills the FIFO. */
    Ext->InterruptEnable &= (UCHAR)~IER_THRE;
    SerialOut(Ext, UART_IER, Ext->InterruptEnable);
    Ext->InterruptEnable |= IER_THRE;
    SerialOut(Ext, UART_IER, Ext->InterruptEnable);
    return TRUE;
}

/* Stop feeding the transmitter; Result = bytes handed to the UART. */
static BOOLEAN SerialSyncStopWrite(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    PSERIAL_EXTENSION Ext = S->Ext;
    S->Result = Ext->WriteLength - Ext->WriteRemaining;
    BOOLEAN WasActive = Ext->WriteActive || Ext->WriteDone;
    Ext->WriteActive = FALSE;
    Ext->WriteDone = FALSE;
    Ext->WriteRemaining = 0;
    Ext->WriteBuffer = NULL;
    Ext->InterruptEnable &= (UCHAR)~IER_THRE;
    SerialOut(Ext, UART_IER, Ext->InterruptEnable);
    return WasActive;
}

static BOOLEAN SerialSyncPurgeRx(PVOID Context)
{
    PSERIAL_EXTENSION Ext = Context;
    Ext->RxHead = Ext->RxCount = 0;
    SerialOut(Ext, UART_FCR, (UCHAR)(Ext->FifoControl | FCR_RX_RESET));
    return TRUE;
}

static BOOLEAN SerialSyncPurgeTx(PVOID Context)
{
    PSERIAL_EXTENSION Ext = Context;
    SerialOut(Ext, UART_FCR, (UCHAR)(Ext->FifoControl | FCR_TX_RESET));
    return TRUE;
}

/* Result = the events seen (and clears them) when WaitPending is being cleared. */
static BOOLEAN SerialSyncTakeEvents(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    S->Result = S->Ext->History & S->Ext->WaitMask;
    if (S->Result)
        S->Ext->History = 0;
    S->Ext->WaitPending = S->Result == 0 && S->Length != 0;
    return TRUE;
}

static BOOLEAN SerialSyncSetMask(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    S->Ext->WaitMask = S->Length;
    S->Ext->History = 0;
    S->Ext->WaitPending = FALSE;
    return TRUE;
}

static BOOLEAN SerialSyncStatus(PVOID Context)
{
    SERIAL_SYNC *S = Context;
    PSERIAL_STATUS Status = (PSERIAL_STATUS)S->Buffer;
    RtlZeroMemory(Status, sizeof(*Status));
    Status->Errors = S->Ext->Errors;
    S->Ext->Errors = 0;
    Status->AmountInInQueue = S->Ext->RxCount;
    Status->AmountInOutQueue = S->Ext->WriteRemaining;
    return TRUE;
}

/* ---- the ISR ---- */

static BOOLEAN SerialIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PSERIAL_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    UCHAR Iir = SerialIn(Ext, UART_IIR);
    if (Iir & IIR_NO_INTERRUPT)
        return FALSE; /* not ours, or spurious */
    BOOLEAN Received = FALSE, WriteFinished = FALSE;
    ULONG Events = 0;
    for (int Guard = 0; !(Iir & IIR_NO_INTERRUPT) && Guard < 64; Guard++, Iir = SerialIn(Ext, UART_IIR)) {
        switch (Iir & IIR_ID_MASK) {
        case IIR_RLS: {
            UCHAR Lsr = SerialIn(Ext, UART_LSR);
            if (Lsr & LSR_OE) Ext->Errors |= SERIAL_ERROR_OVERRUN;
            if (Lsr & LSR_PE) Ext->Errors |= SERIAL_ERROR_PARITY;
            if (Lsr & LSR_FE) Ext->Errors |= SERIAL_ERROR_FRAMING;
            if (Lsr & LSR_BI) {
                Ext->Errors |= SERIAL_ERROR_BREAK;
                Events |= SERIAL_EV_BREAK;
            }
            if (Lsr & (LSR_OE | LSR_PE | LSR_FE))
                Events |= SERIAL_EV_ERR;
            break;
        }
        case IIR_RDA:
        case IIR_RDA | 0x08: { /* character timeout */
            /* At the trigger level the FIFO holds at least RxTrigger bytes: take all
             * but the last in one burst, then go by LSR.DR. */
            UCHAR Burst[14];
            ULONG N = (Iir & 0x08) ? 0 : Ext->RxTrigger - 1;
            if (N)
                READ_PORT_BUFFER_UCHAR(Ext->Controller + UART_RBR, Burst, N);
            for (ULONG i = 0; i < N || (SerialIn(Ext, UART_LSR) & LSR_DR); i++) {
                UCHAR Ch = i < N ? Burst[i] : SerialIn(Ext, UART_RBR);
                Ext->PerfReceived++;
                if (Ext->RxBuffer == NULL)
                    continue;
                if (Ext->RxCount == Ext->RxSize) {
                    Ext->Errors |= SERIAL_ERROR_QUEUEOVERRUN;
                    continue;
                }
                Ext->RxBuffer[(Ext->RxHead + Ext->RxCount) % Ext->RxSize] = Ch;
                Ext->RxCount++;
                Events |= SERIAL_EV_RXCHAR;
                if (Ch == Ext->Chars.EventChar)
                    Events |= SERIAL_EV_RXFLAG;
                if (Ext->RxCount * 5 == Ext->RxSize * 4)
                    Events |= SERIAL_EV_RX80FULL;
                Received = TRUE;
            }
            break;
        }
        case IIR_THRE:
            if (Ext->WriteActive && Ext->WriteRemaining) {
                ULONG N = Ext->WriteRemaining < SERIAL_FIFO_DEPTH ? Ext->WriteRemaining : SERIAL_FIFO_DEPTH;
                WRITE_PORT_BUFFER_UCHAR(Ext->Controller + UART_THR, Ext->WriteBuffer, N);
                Ext->WriteBuffer += N;
                Ext->WriteRemaining -= N;
                Ext->PerfTransmitted += N;
            } else if (Ext->WriteActive) {
                /* everything handed over and the FIFO drained: the write is done */
                Ext->WriteActive = FALSE;
                Ext->WriteDone = TRUE;
                Ext->InterruptEnable &= (UCHAR)~IER_THRE;
                SerialOut(Ext, UART_IER, Ext->InterruptEnable);
                WriteFinished = TRUE;
                Events |= SERIAL_EV_TXEMPTY;
            } else {
                Events |= SERIAL_EV_TXEMPTY;
            }
            break;
        case IIR_MS: {
            UCHAR Msr = SerialIn(Ext, UART_MSR);
            if (Msr & MSR_DCTS) Events |= SERIAL_EV_CTS;
            if (Msr & MSR_DDSR) Events |= SERIAL_EV_DSR;
            if (Msr & MSR_DDCD) Events |= SERIAL_EV_RLSD;
            if (Msr & MSR_TERI) Events |= SERIAL_EV_RING;
            break;
        }
        default:
            break;
        }
    }
    if (Received)
        KeInsertQueueDpc(&Ext->ReadDataDpc, NULL, NULL);
    if (WriteFinished)
        IoRequestDpc(Ext->DeviceObject, Ext->DeviceObject->CurrentIrp, NULL);
    Ext->History |= Events;
    if (Ext->WaitPending && (Ext->History & Ext->WaitMask)) {
        Ext->WaitPending = FALSE;
        KeInsertQueueDpc(&Ext->WaitDpc, NULL, NULL);
    }
    return TRUE;
}

/* ---- reads ---- */

static VOID SerialStartNextRead(PSERIAL_EXTENSION Ext);

static LONGLONG SerialMs(ULONG Ms)
{
    return -(LONGLONG)Ms * 10000;
}

/* At DISPATCH_LEVEL. Completes the current read if it may; returns TRUE if it did. */
static BOOLEAN SerialFinishRead(PSERIAL_EXTENSION Ext, NTSTATUS Status)
{
    PIRP Irp = Ext->CurrentReadIrp;
    if (Irp == NULL)
        return FALSE;
    KIRQL CancelIrql;
    IoAcquireCancelSpinLock(&CancelIrql);
    if (IoSetCancelRoutine(Irp, NULL) == NULL) {
        /* the cancel routine owns it now */
        IoReleaseCancelSpinLock(CancelIrql);
        return FALSE;
    }
    Ext->CurrentReadIrp = NULL;
    IoReleaseCancelSpinLock(CancelIrql);
    KeCancelTimer(&Ext->ReadTotalTimer);
    KeCancelTimer(&Ext->ReadIntervalTimer);
    Ext->ReadIntervalArmed = FALSE;
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Ext->ReadDone;
    IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
    SerialStartNextRead(Ext);
    return TRUE;
}

/* Copy what the ring holds into the current read; complete it when satisfied. */
static VOID SerialFillRead(PSERIAL_EXTENSION Ext)
{
    PIRP Irp = Ext->CurrentReadIrp;
    if (Irp == NULL)
        return;
    SERIAL_SYNC S = { Ext, (PUCHAR)Irp->AssociatedIrp.SystemBuffer + Ext->ReadDone, Ext->ReadLength - Ext->ReadDone, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncTakeRx, &S);
    Ext->ReadDone += S.Result;
    if (Ext->ReadDone == Ext->ReadLength || (Ext->ReadReturnOnAny && Ext->ReadDone > 0)) {
        SerialFinishRead(Ext, STATUS_SUCCESS);
        return;
    }
    ULONG Interval = Ext->Timeouts.ReadIntervalTimeout;
    if (S.Result > 0 && Interval != 0 && Interval != MAXULONG) {
        LARGE_INTEGER Due;
        Due.QuadPart = SerialMs(Interval);
        KeSetTimer(&Ext->ReadIntervalTimer, Due, &Ext->ReadIntervalDpc);
        Ext->ReadIntervalArmed = TRUE;
    }
}

static VOID SerialCancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    BOOLEAN Current = Irp == Ext->CurrentReadIrp;
    if (Current)
        Ext->CurrentReadIrp = NULL;
    else
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = Current ? Ext->ReadDone : 0;
    if (Current) {
        KeCancelTimer(&Ext->ReadTotalTimer);
        KeCancelTimer(&Ext->ReadIntervalTimer);
    }
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    if (Current) {
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        SerialStartNextRead(Ext);
        KeLowerIrql(Old);
    }
}

/* Make Irp the current read (at DISPATCH_LEVEL, no read current). */
static VOID SerialBeginRead(PSERIAL_EXTENSION Ext, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    SERIAL_TIMEOUTS T = Ext->Timeouts;
    Ext->CurrentReadIrp = Irp;
    Ext->ReadLength = Stack->Parameters.Read.Length;
    Ext->ReadDone = 0;
    Ext->ReadIntervalArmed = FALSE;
    Ext->ReadReturnOnAny = T.ReadIntervalTimeout == MAXULONG && T.ReadTotalTimeoutMultiplier == MAXULONG &&
                           T.ReadTotalTimeoutConstant != 0 && T.ReadTotalTimeoutConstant != MAXULONG;
    BOOLEAN Immediate = T.ReadIntervalTimeout == MAXULONG && T.ReadTotalTimeoutMultiplier == 0 &&
                        T.ReadTotalTimeoutConstant == 0;
    SerialFillRead(Ext);
    if (Ext->CurrentReadIrp != Irp)
        return; /* done already */
    if (Immediate) {
        SerialFinishRead(Ext, STATUS_SUCCESS);
        return;
    }
    ULONGLONG Total = 0;
    if (Ext->ReadReturnOnAny)
        Total = T.ReadTotalTimeoutConstant;
    else if (T.ReadTotalTimeoutMultiplier || T.ReadTotalTimeoutConstant)
        Total = (ULONGLONG)T.ReadTotalTimeoutMultiplier * Ext->ReadLength + T.ReadTotalTimeoutConstant;
    if (Total) {
        LARGE_INTEGER Due;
        Due.QuadPart = -(LONGLONG)Total * 10000;
        KeSetTimer(&Ext->ReadTotalTimer, Due, &Ext->ReadTotalDpc);
    }
}

static VOID SerialStartNextRead(PSERIAL_EXTENSION Ext)
{
    while (Ext->CurrentReadIrp == NULL) {
        KIRQL CancelIrql;
        IoAcquireCancelSpinLock(&CancelIrql);
        if (IsListEmpty(&Ext->ReadQueue)) {
            IoReleaseCancelSpinLock(CancelIrql);
            return;
        }
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Ext->ReadQueue), IRP, Tail.Overlay.ListEntry);
        /* stays cancelable as the current read */
        IoReleaseCancelSpinLock(CancelIrql);
        SerialBeginRead(Ext, Irp);
    }
}

static VOID SerialReadDataDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    SerialFillRead((PSERIAL_EXTENSION)Context);
}

static VOID SerialReadTotalTimeout(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    PSERIAL_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    if (Ext->CurrentReadIrp == NULL)
        return;
    SerialFillRead(Ext);
    if (Ext->CurrentReadIrp)
        SerialFinishRead(Ext, STATUS_TIMEOUT);
}

static VOID SerialReadIntervalTimeout(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    PSERIAL_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    if (Ext->CurrentReadIrp == NULL || !Ext->ReadIntervalArmed)
        return;
    ULONG Before = Ext->ReadDone;
    SerialFillRead(Ext);
    if (Ext->CurrentReadIrp && Ext->ReadDone == Before)
        SerialFinishRead(Ext, STATUS_TIMEOUT);
}

static NTSTATUS SerialRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0) {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    IoMarkIrpPending(Irp);
    KIRQL CancelIrql;
    IoAcquireCancelSpinLock(&CancelIrql);
    IoSetCancelRoutine(Irp, SerialCancelRead);
    if (Ext->CurrentReadIrp != NULL) {
        InsertTailList(&Ext->ReadQueue, &Irp->Tail.Overlay.ListEntry);
        IoReleaseCancelSpinLock(CancelIrql);
        return STATUS_PENDING;
    }
    IoReleaseCancelSpinLock(DISPATCH_LEVEL);
    SerialBeginRead(Ext, Irp);
    KeLowerIrql(CancelIrql);
    return STATUS_PENDING;
}

/* ---- writes (StartIo) ---- */

static NTSTATUS SerialWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length == 0) {
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Irp->IoStatus.Information = 0;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return STATUS_SUCCESS;
    }
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, NULL);
    return STATUS_PENDING;
}

static VOID SerialStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Length = Stack->Parameters.Write.Length;
    ULONGLONG Total = (ULONGLONG)Ext->Timeouts.WriteTotalTimeoutMultiplier * Length +
                      Ext->Timeouts.WriteTotalTimeoutConstant;
    if (Total) {
        LARGE_INTEGER Due;
        Due.QuadPart = -(LONGLONG)Total * 10000;
        KeSetTimer(&Ext->WriteTimer, Due, &Ext->WriteTimeoutDpc);
    }
    SERIAL_SYNC S = { Ext, Irp->AssociatedIrp.SystemBuffer, Length, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncStartWrite, &S);
}

/* At DISPATCH_LEVEL: stop the transmitter, complete the current write, start the next. */
static VOID SerialFinishWrite(PSERIAL_EXTENSION Ext, NTSTATUS Status)
{
    PDEVICE_OBJECT DeviceObject = Ext->DeviceObject;
    PIRP Irp = DeviceObject->CurrentIrp;
    SERIAL_SYNC S = { Ext, NULL, 0, 0 };
    if (Irp == NULL || !KeSynchronizeExecution(Ext->Interrupt, SerialSyncStopWrite, &S))
        return; /* already finished by the other path */
    KeCancelTimer(&Ext->WriteTimer);
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = S.Result;
    IoStartNextPacket(DeviceObject, FALSE);
    IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
}

static VOID SerialCompleteWriteDpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    SerialFinishWrite(DeviceObject->DeviceExtension, STATUS_SUCCESS);
}

static VOID SerialWriteTimeout(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    SerialFinishWrite(Context, STATUS_TIMEOUT);
}

/* ---- wait on mask ---- */

static VOID SerialCompleteWait(PSERIAL_EXTENSION Ext, ULONG Events, NTSTATUS Status)
{
    PIRP Irp = Ext->CurrentWaitIrp;
    if (Irp == NULL)
        return;
    KIRQL CancelIrql;
    IoAcquireCancelSpinLock(&CancelIrql);
    if (IoSetCancelRoutine(Irp, NULL) == NULL) {
        IoReleaseCancelSpinLock(CancelIrql);
        return;
    }
    Ext->CurrentWaitIrp = NULL;
    IoReleaseCancelSpinLock(CancelIrql);
    *(PULONG)Irp->AssociatedIrp.SystemBuffer = Events;
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = sizeof(ULONG);
    IoCompleteRequest(Irp, IO_SERIAL_INCREMENT);
}

static VOID SerialWaitDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    PSERIAL_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    if (Ext->CurrentWaitIrp == NULL)
        return;
    SERIAL_SYNC S = { Ext, NULL, 1 /* keep waiting if nothing matched */, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncTakeEvents, &S);
    if (S.Result)
        SerialCompleteWait(Ext, S.Result, STATUS_SUCCESS);
}

static VOID SerialCancelWait(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    Ext->CurrentWaitIrp = NULL;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    SERIAL_SYNC S = { Ext, NULL, 0, 0 };
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncTakeEvents, &S);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* ---- create, close, cleanup ---- */

static NTSTATUS SerialComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS SerialCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction == IRP_MJ_CREATE) {
        if (Ext->Opened)
            return SerialComplete(Irp, STATUS_ACCESS_DENIED, 0);
        Ext->Opened = TRUE;
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncPurgeRx, Ext);
        Ext->Errors = 0;
        return SerialComplete(Irp, STATUS_SUCCESS, 0);
    }
    Ext->Opened = FALSE;
    return SerialComplete(Irp, STATUS_SUCCESS, 0);
}

static VOID SerialAbortReads(PSERIAL_EXTENSION Ext)
{
    for (;;) {
        KIRQL CancelIrql;
        IoAcquireCancelSpinLock(&CancelIrql);
        PIRP Irp = NULL;
        if (!IsListEmpty(&Ext->ReadQueue)) {
            Irp = CONTAINING_RECORD(RemoveHeadList(&Ext->ReadQueue), IRP, Tail.Overlay.ListEntry);
            if (IoSetCancelRoutine(Irp, NULL) == NULL)
                Irp = NULL; /* being cancelled already */
        }
        IoReleaseCancelSpinLock(CancelIrql);
        if (Irp == NULL)
            break;
        SerialComplete(Irp, STATUS_CANCELLED, 0);
    }
    if (Ext->CurrentReadIrp) {
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        SerialFillRead(Ext);
        SerialFinishRead(Ext, STATUS_CANCELLED);
        KeLowerIrql(Old);
    }
}

static VOID SerialAbortWrites(PSERIAL_EXTENSION Ext)
{
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    /* queued ones first, so finishing the current one starts nothing */
    PKDEVICE_QUEUE_ENTRY Entry;
    while (Ext->DeviceObject->DeviceQueue.Busy &&
           (Entry = KeRemoveDeviceQueue(&Ext->DeviceObject->DeviceQueue)) != NULL) {
        PIRP Irp = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.DeviceQueueEntry);
        SerialComplete(Irp, STATUS_CANCELLED, 0);
    }
    if (Ext->DeviceObject->CurrentIrp)
        SerialFinishWrite(Ext, STATUS_CANCELLED);
    KeLowerIrql(Old);
}

static NTSTATUS SerialCleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    SerialAbortReads(Ext);
    SerialAbortWrites(Ext);
    if (Ext->CurrentWaitIrp) {
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        SerialCompleteWait(Ext, 0, STATUS_CANCELLED);
        KeLowerIrql(Old);
    }
    return SerialComplete(Irp, STATUS_SUCCESS, 0);
}

/* ---- device control ---- */

static NTSTATUS SerialDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PVOID Buffer = Irp->AssociatedIrp.SystemBuffer;
    ULONG_PTR Information = 0;
    NTSTATUS Status = STATUS_SUCCESS;

    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_SERIAL_SET_BAUD_RATE: {
        if (InLength < sizeof(SERIAL_BAUD_RATE)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        ULONG Baud = ((PSERIAL_BAUD_RATE)Buffer)->BaudRate;
        if (SerialDivisor(Ext->ClockRate, Baud) == 0) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        Ext->BaudRate = Baud;
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncProgramLine, Ext);
        break;
    }
    case IOCTL_SERIAL_GET_BAUD_RATE:
        if (OutLength < sizeof(SERIAL_BAUD_RATE)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        ((PSERIAL_BAUD_RATE)Buffer)->BaudRate = Ext->BaudRate;
        Information = sizeof(SERIAL_BAUD_RATE);
        break;
    case IOCTL_SERIAL_SET_LINE_CONTROL: {
        if (InLength < sizeof(SERIAL_LINE_CONTROL)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        PSERIAL_LINE_CONTROL L = Buffer;
        static const UCHAR ParityBits[] = { 0x00, 0x08, 0x18, 0x28, 0x38 };
        if (L->WordLength < 5 || L->WordLength > 8 || L->Parity > SPACE_PARITY || L->StopBits > STOP_BITS_2 ||
            (L->StopBits == STOP_BITS_1_5 && L->WordLength != 5) || (L->StopBits == STOP_BITS_2 && L->WordLength == 5)) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        Ext->LineControl = (UCHAR)((L->WordLength - 5) | (L->StopBits != STOP_BIT_1 ? 0x04 : 0) | ParityBits[L->Parity]);
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncProgramLine, Ext);
        break;
    }
    case IOCTL_SERIAL_GET_LINE_CONTROL: {
        if (OutLength < sizeof(SERIAL_LINE_CONTROL)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        PSERIAL_LINE_CONTROL L = Buffer;
        UCHAR Lcr = Ext->LineControl;
        L->WordLength = (UCHAR)((Lcr & 0x03) + 5);
        L->StopBits = (Lcr & 0x04) ? (L->WordLength == 5 ? STOP_BITS_1_5 : STOP_BITS_2) : STOP_BIT_1;
        switch (Lcr & 0x38) {
        case 0x08: L->Parity = ODD_PARITY; break;
        case 0x18: L->Parity = EVEN_PARITY; break;
        case 0x28: L->Parity = MARK_PARITY; break;
        case 0x38: L->Parity = SPACE_PARITY; break;
        default: L->Parity = NO_PARITY; break;
        }
        Information = sizeof(SERIAL_LINE_CONTROL);
        break;
    }
    case IOCTL_SERIAL_SET_TIMEOUTS: {
        if (InLength < sizeof(SERIAL_TIMEOUTS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        PSERIAL_TIMEOUTS T = Buffer;
        if (T->ReadIntervalTimeout == MAXULONG && T->ReadTotalTimeoutMultiplier == MAXULONG &&
            T->ReadTotalTimeoutConstant == MAXULONG) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        Ext->Timeouts = *T;
        break;
    }
    case IOCTL_SERIAL_GET_TIMEOUTS:
        if (OutLength < sizeof(SERIAL_TIMEOUTS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PSERIAL_TIMEOUTS)Buffer = Ext->Timeouts;
        Information = sizeof(SERIAL_TIMEOUTS);
        break;
    case IOCTL_SERIAL_SET_HANDFLOW: {
        if (InLength < sizeof(SERIAL_HANDFLOW)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        PSERIAL_HANDFLOW H = Buffer;
        if ((H->ControlHandShake & SERIAL_DTR_MASK) == SERIAL_DTR_MASK || H->XonLimit < 0 || H->XoffLimit < 0) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        Ext->HandFlow = *H;
        /* basics: DTR and RTS follow the CONTROL settings (handshaking is not done) */
        Ext->ModemControl &= (UCHAR)~(MCR_DTR | MCR_RTS);
        if (H->ControlHandShake & SERIAL_DTR_MASK)
            Ext->ModemControl |= MCR_DTR;
        if (H->FlowReplace & SERIAL_RTS_MASK)
            Ext->ModemControl |= MCR_RTS;
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncModemControl, Ext);
        break;
    }
    case IOCTL_SERIAL_GET_HANDFLOW:
        if (OutLength < sizeof(SERIAL_HANDFLOW)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PSERIAL_HANDFLOW)Buffer = Ext->HandFlow;
        Information = sizeof(SERIAL_HANDFLOW);
        break;
    case IOCTL_SERIAL_SET_CHARS:
        if (InLength < sizeof(SERIAL_CHARS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        Ext->Chars = *(PSERIAL_CHARS)Buffer;
        break;
    case IOCTL_SERIAL_GET_CHARS:
        if (OutLength < sizeof(SERIAL_CHARS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PSERIAL_CHARS)Buffer = Ext->Chars;
        Information = sizeof(SERIAL_CHARS);
        break;
    case IOCTL_SERIAL_SET_DTR:
    case IOCTL_SERIAL_CLR_DTR:
    case IOCTL_SERIAL_SET_RTS:
    case IOCTL_SERIAL_CLR_RTS: {
        ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
        UCHAR Bit = (Code == IOCTL_SERIAL_SET_DTR || Code == IOCTL_SERIAL_CLR_DTR) ? MCR_DTR : MCR_RTS;
        if (Code == IOCTL_SERIAL_SET_DTR || Code == IOCTL_SERIAL_SET_RTS)
            Ext->ModemControl |= Bit;
        else
            Ext->ModemControl &= (UCHAR)~Bit;
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncModemControl, Ext);
        break;
    }
    case IOCTL_SERIAL_GET_DTRRTS:
        if (OutLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PULONG)Buffer = ((Ext->ModemControl & MCR_DTR) ? SERIAL_DTR_STATE : 0) |
                          ((Ext->ModemControl & MCR_RTS) ? SERIAL_RTS_STATE : 0);
        Information = sizeof(ULONG);
        break;
    case IOCTL_SERIAL_GET_MODEMSTATUS:
        if (OutLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PULONG)Buffer = SerialIn(Ext, UART_MSR);
        Information = sizeof(ULONG);
        break;
    case IOCTL_SERIAL_GET_COMMSTATUS: {
        if (OutLength < sizeof(SERIAL_STATUS)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        SERIAL_SYNC S = { Ext, Buffer, 0, 0 };
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncStatus, &S);
        Information = sizeof(SERIAL_STATUS);
        break;
    }
    case IOCTL_SERIAL_SET_QUEUE_SIZE:
        if (InLength < sizeof(SERIAL_QUEUE_SIZE))
            Status = STATUS_BUFFER_TOO_SMALL;
        break; /* the receive ring keeps its configured size */
    case IOCTL_SERIAL_SET_WAIT_MASK: {
        if (InLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        ULONG Mask = *(PULONG)Buffer;
        if (Mask & ~(ULONG)0x1FFF) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        /* a pending wait completes with no events */
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        SerialCompleteWait(Ext, 0, STATUS_SUCCESS);
        KeLowerIrql(Old);
        SERIAL_SYNC S = { Ext, NULL, Mask, 0 };
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncSetMask, &S);
        break;
    }
    case IOCTL_SERIAL_GET_WAIT_MASK:
        if (OutLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        *(PULONG)Buffer = Ext->WaitMask;
        Information = sizeof(ULONG);
        break;
    case IOCTL_SERIAL_WAIT_ON_MASK: {
        if (OutLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        if (Ext->CurrentWaitIrp != NULL || Ext->WaitMask == 0) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        SERIAL_SYNC S = { Ext, NULL, 1, 0 };
        KeSynchronizeExecution(Ext->Interrupt, SerialSyncTakeEvents, &S);
        if (S.Result) {
            *(PULONG)Buffer = S.Result;
            Information = sizeof(ULONG);
            break;
        }
        IoMarkIrpPending(Irp);
        KIRQL CancelIrql;
        IoAcquireCancelSpinLock(&CancelIrql);
        Ext->CurrentWaitIrp = Irp;
        IoSetCancelRoutine(Irp, SerialCancelWait);
        IoReleaseCancelSpinLock(CancelIrql);
        /* an event that arrived meanwhile */
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        SerialWaitDpc(NULL, Ext, NULL, NULL);
        KeLowerIrql(Old);
        return STATUS_PENDING;
    }
    case IOCTL_SERIAL_PURGE: {
        if (InLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        ULONG What = *(PULONG)Buffer;
        if (What == 0 || (What & ~(ULONG)0x0F)) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        if (What & SERIAL_PURGE_TXABORT)
            SerialAbortWrites(Ext);
        if (What & SERIAL_PURGE_RXABORT)
            SerialAbortReads(Ext);
        if (What & SERIAL_PURGE_RXCLEAR)
            KeSynchronizeExecution(Ext->Interrupt, SerialSyncPurgeRx, Ext);
        if (What & SERIAL_PURGE_TXCLEAR)
            KeSynchronizeExecution(Ext->Interrupt, SerialSyncPurgeTx, Ext);
        break;
    }
    default:
        Status = STATUS_INVALID_DEVICE_REQUEST;
        break;
    }
    return SerialComplete(Irp, Status, Information);
}

/* ---- configuration (stage 2) ---- */

static NTSTATUS SerialReadConfig(PUNICODE_STRING RegistryPath, PSERIAL_CONFIG Config)
{
    ULONG DefPort = 0x3F8, DefIrq = 4, DefClock = 1843200, DefBaud = 9600, DefRx = 4096, DefTrigger = 8,
          DefLoop = 0;
    Config->PortAddress = DefPort;
    Config->Interrupt = DefIrq;
    Config->ClockRate = DefClock;
    Config->BaudRate = DefBaud;
    Config->RxBufferSize = DefRx;
    Config->RxFifoTrigger = DefTrigger;
    Config->Loopback = DefLoop;
    Config->DosDevices.Buffer = Config->DosDevicesBuffer;
    Config->DosDevices.Length = 0;
    Config->DosDevices.MaximumLength = sizeof(Config->DosDevicesBuffer);
    RtlAppendUnicodeToString(&Config->DosDevices, L"COM1");

    /* the Parameters subkey: "<RegistryPath>\Parameters" */
    WCHAR PathBuffer[256];
    UNICODE_STRING Path = { 0, sizeof(PathBuffer), PathBuffer };
    if (!NT_SUCCESS(RtlAppendUnicodeStringToString(&Path, RegistryPath)) ||
        !NT_SUCCESS(RtlAppendUnicodeToString(&Path, L"\\Parameters")))
        return STATUS_SUCCESS; /* defaults */
    RTL_QUERY_REGISTRY_TABLE Table[9];
    RtlZeroMemory(Table, sizeof(Table));
    static const WCHAR *Names[] = { L"PortAddress", L"Interrupt", L"ClockRate", L"BaudRate",
                                    L"RxBufferSize", L"RxFifoTrigger", L"Loopback" };
    PULONG Targets[] = { &Config->PortAddress, &Config->Interrupt, &Config->ClockRate, &Config->BaudRate,
                         &Config->RxBufferSize, &Config->RxFifoTrigger, &Config->Loopback };
    PULONG Defaults[] = { &DefPort, &DefIrq, &DefClock, &DefBaud, &DefRx, &DefTrigger, &DefLoop };
    for (int i = 0; i < 7; i++) {
        Table[i].Flags = RTL_QUERY_REGISTRY_DIRECT;
        Table[i].Name = (PWSTR)Names[i];
        Table[i].EntryContext = Targets[i];
        Table[i].DefaultType = REG_DWORD;
        Table[i].DefaultData = Defaults[i];
        Table[i].DefaultLength = sizeof(ULONG);
    }
    Table[7].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[7].Name = L"DosDevices";
    Table[7].EntryContext = &Config->DosDevices;
    Table[7].DefaultType = REG_NONE;
    /* a missing Parameters key means defaults */
    NTSTATUS Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE | RTL_REGISTRY_OPTIONAL, Path.Buffer, Table, NULL,
                                             NULL);
    if (Status == STATUS_OBJECT_NAME_NOT_FOUND)
        Status = STATUS_SUCCESS;
    return Status;
}

/* ---- claiming (stage 4) ---- */

static NTSTATUS SerialClaim(PDRIVER_OBJECT DriverObject, PSERIAL_CONFIG Config, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR Interrupt;
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    ULONG Size = sizeof(ULONG);
    if (!Release) {
        Claim.List.Count = 1;
        Claim.List.List[0].InterfaceType = Isa;
        Claim.List.List[0].BusNumber = 0;
        Claim.List.List[0].PartialResourceList.Version = 1;
        Claim.List.List[0].PartialResourceList.Revision = 1;
        Claim.List.List[0].PartialResourceList.Count = 2;
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
        D[0].Type = CmResourceTypePort;
        D[0].ShareDisposition = CmResourceShareDeviceExclusive;
        D[0].Flags = CM_RESOURCE_PORT_IO;
        D[0].u.Port.Start.QuadPart = Config->PortAddress;
        D[0].u.Port.Length = 8;
        D[1].Type = CmResourceTypeInterrupt;
        D[1].ShareDisposition = CmResourceShareDeviceExclusive;
        D[1].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
        D[1].u.Interrupt.Level = Config->Interrupt;
        D[1].u.Interrupt.Vector = Config->Interrupt;
        D[1].u.Interrupt.Affinity = (KAFFINITY)-1;
        Size = sizeof(Claim);
    }
    UNICODE_STRING ClassName;
    RtlInitUnicodeString(&ClassName, L"LOADED SERIAL DRIVER RESOURCES");
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = IoReportResourceUsage(&ClassName, DriverObject, &Claim.List, Size, NULL, NULL, 0, FALSE,
                                            &Conflict);
    if (Conflict)
        return STATUS_INSUFFICIENT_RESOURCES;
    return Status;
}

/* ---- stage 5 helpers ---- */

/* Is a 16550 at the port? (the scratch register holds a value; IIR's top bits are
 * not all ones, which is what an empty bus reads) */
static BOOLEAN SerialProbe(PUCHAR Controller)
{
    UCHAR Saved = READ_PORT_UCHAR(Controller + UART_SCR);
    WRITE_PORT_UCHAR(Controller + UART_SCR, 0xA5);
    UCHAR A = READ_PORT_UCHAR(Controller + UART_SCR);
    WRITE_PORT_UCHAR(Controller + UART_SCR, 0x5A);
    UCHAR B = READ_PORT_UCHAR(Controller + UART_SCR);
    WRITE_PORT_UCHAR(Controller + UART_SCR, Saved);
    return A == 0xA5 && B == 0x5A && READ_PORT_UCHAR(Controller + UART_IIR) != 0xFF;
}

static VOID SerialResetChip(PSERIAL_EXTENSION Ext)
{
    SerialOut(Ext, UART_IER, 0);
    SerialOut(Ext, UART_MCR, 0);
    SerialOut(Ext, UART_FCR, 0);
}

static VOID SerialUndo(PDRIVER_OBJECT DriverObject, PSERIAL_EXTENSION Ext)
{
    if (Ext->Interrupt) {
        SerialResetChip(Ext);
        IoDisconnectInterrupt(Ext->Interrupt);
        Ext->Interrupt = NULL;
    }
    KeCancelTimer(&Ext->ReadTotalTimer);
    KeCancelTimer(&Ext->ReadIntervalTimer);
    KeCancelTimer(&Ext->WriteTimer);
    KeRemoveQueueDpc(&Ext->ReadDataDpc);
    KeRemoveQueueDpc(&Ext->WaitDpc);
    KeRemoveQueueDpc(&Ext->DeviceObject->Dpc);
    if (Ext->SerialCommWritten) {
        RtlDeleteRegistryValue(RTL_REGISTRY_DEVICEMAP, L"SERIALCOMM", SerialDeviceName);
        Ext->SerialCommWritten = FALSE;
    }
    if (Ext->SymbolicLinkCreated) {
        IoDeleteSymbolicLink(&Ext->SymbolicLinkName);
        Ext->SymbolicLinkCreated = FALSE;
    }
    if (Ext->RxBuffer) {
        ExFreePoolWithTag(Ext->RxBuffer, SERIAL_TAG);
        Ext->RxBuffer = NULL;
    }
    UNREFERENCED_PARAMETER(DriverObject);
    IoDeleteDevice(Ext->DeviceObject);
}

/* ---- DriverEntry and Unload ---- */

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS Status;

    /* 1. configuration block, init only */
    PSERIAL_CONFIG Config = ExAllocatePoolWithTag(PagedPool, sizeof(SERIAL_CONFIG), SERIAL_TAG);
    if (Config == NULL) {
        SerialLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 1, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlZeroMemory(Config, sizeof(*Config));

    /* 2. registry, else defaults */
    Status = SerialReadConfig(RegistryPath, Config);
    if (!NT_SUCCESS(Status) || Config->Interrupt > 15 || Config->PortAddress > 0xFFF8 ||
        SerialDivisor(Config->ClockRate, Config->BaudRate) == 0 || Config->RxBufferSize < 16 ||
        Config->RxBufferSize > 0x100000) {
        SerialLogError(DriverObject, IO_ERR_CONFIGURATION_ERROR, 2, STATUS_INVALID_PARAMETER);
        ExFreePoolWithTag(Config, SERIAL_TAG);
        return NT_SUCCESS(Status) ? STATUS_INVALID_PARAMETER : Status;
    }

    /* 3. entry points */
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SerialCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = SerialCleanup;
    DriverObject->MajorFunction[IRP_MJ_READ] = SerialRead;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = SerialWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = SerialDeviceControl;
    DriverObject->DriverStartIo = SerialStartIo;
    DriverObject->DriverUnload = SerialUnload;

    /* 4. claim the raw bus resources before touching the device */
    Status = SerialClaim(DriverObject, Config, FALSE);
    if (!NT_SUCCESS(Status)) {
        /* a conflict has been logged by the I/O manager already */
        if (Status != STATUS_INSUFFICIENT_RESOURCES)
            SerialLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 4, Status);
        ExFreePoolWithTag(Config, SERIAL_TAG);
        return Status;
    }

    /* 5. the device */
    PUCHAR Controller = (PUCHAR)(ULONG_PTR)Config->PortAddress;
    if (!SerialProbe(Controller)) {
        SerialLogError(DriverObject, IO_ERR_NOT_READY, 5, STATUS_NO_SUCH_DEVICE);
        Status = STATUS_NO_SUCH_DEVICE;
        goto ReleaseClaim;
    }
    UNICODE_STRING DeviceName;
    RtlInitUnicodeString(&DeviceName, SerialDeviceName);
    PDEVICE_OBJECT DeviceObject;
    Status = IoCreateDevice(DriverObject, sizeof(SERIAL_EXTENSION), &DeviceName, FILE_DEVICE_SERIAL_PORT, 0, TRUE,
                            &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        SerialLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 6, Status);
        goto ReleaseClaim;
    }
    DeviceObject->Flags |= DO_BUFFERED_IO;
    PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->DeviceObject = DeviceObject;
    Ext->Controller = Controller;
    Ext->PortAddress = Config->PortAddress;
    Ext->BusInterrupt = Config->Interrupt;
    Ext->ClockRate = Config->ClockRate;
    Ext->BaudRate = Config->BaudRate;
    Ext->LineControl = 0x03; /* 8N1 */
    Ext->ModemControl = MCR_DTR | MCR_RTS | MCR_OUT2 | (Config->Loopback ? MCR_LOOP : 0);
    Ext->FifoControl = (UCHAR)(FCR_ENABLE | (Config->RxFifoTrigger >= 14 ? 0xC0 : Config->RxFifoTrigger >= 8 ? 0x80
                                            : Config->RxFifoTrigger >= 4 ? 0x40 : 0x00));
    Ext->RxTrigger = Config->RxFifoTrigger >= 14 ? 14 : Config->RxFifoTrigger >= 8 ? 8 : Config->RxFifoTrigger >= 4 ? 4 : 1;
    Ext->HandFlow.ControlHandShake = SERIAL_DTR_CONTROL;
    Ext->HandFlow.FlowReplace = SERIAL_RTS_CONTROL;
    InitializeListHead(&Ext->ReadQueue);
    KeInitializeTimer(&Ext->ReadTotalTimer);
    KeInitializeTimer(&Ext->ReadIntervalTimer);
    KeInitializeTimer(&Ext->WriteTimer);
    KeInitializeDpc(&Ext->ReadTotalDpc, SerialReadTotalTimeout, Ext);
    KeInitializeDpc(&Ext->ReadIntervalDpc, SerialReadIntervalTimeout, Ext);
    KeInitializeDpc(&Ext->ReadDataDpc, SerialReadDataDpc, Ext);
    KeInitializeDpc(&Ext->WriteTimeoutDpc, SerialWriteTimeout, Ext);
    KeInitializeDpc(&Ext->WaitDpc, SerialWaitDpc, Ext);
    IoInitializeDpcRequest(DeviceObject, SerialCompleteWriteDpc);
    IoSetStartIoAttributes(DeviceObject, TRUE, FALSE);

    Ext->RxSize = Config->RxBufferSize;
    Ext->RxBuffer = ExAllocatePoolWithTag(NonPagedPool, Ext->RxSize, SERIAL_TAG);
    if (Ext->RxBuffer == NULL) {
        SerialLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 7, STATUS_INSUFFICIENT_RESOURCES);
        Status = STATUS_INSUFFICIENT_RESOURCES;
        goto Undo;
    }

    Ext->SymbolicLinkName.Buffer = Ext->SymbolicLinkBuffer;
    Ext->SymbolicLinkName.MaximumLength = sizeof(Ext->SymbolicLinkBuffer);
    RtlAppendUnicodeToString(&Ext->SymbolicLinkName, L"\\DosDevices\\");
    RtlAppendUnicodeStringToString(&Ext->SymbolicLinkName, &Config->DosDevices);
    Status = IoCreateSymbolicLink(&Ext->SymbolicLinkName, &DeviceName);
    if (!NT_SUCCESS(Status)) {
        SerialLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 8, Status);
        goto Undo;
    }
    Ext->SymbolicLinkCreated = TRUE;

    Ext->DosName.Buffer = Ext->DosNameBuffer;
    Ext->DosName.MaximumLength = sizeof(Ext->DosNameBuffer);
    RtlCopyUnicodeString(&Ext->DosName, &Config->DosDevices);
    Ext->DosNameBuffer[Ext->DosName.Length / sizeof(WCHAR)] = 0;
    Status = RtlWriteRegistryValue(RTL_REGISTRY_DEVICEMAP, L"SERIALCOMM", SerialDeviceName, REG_SZ, Ext->DosNameBuffer,
                                   Ext->DosName.Length + sizeof(WCHAR));
    if (!NT_SUCCESS(Status)) {
        SerialLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 9, Status);
        goto Undo;
    }
    Ext->SerialCommWritten = TRUE;

    /* quiet chip before the ISR can run */
    SerialResetChip(Ext);
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, Config->Interrupt, Config->Interrupt, &Irql, &Affinity);
    Status = IoConnectInterrupt(&Ext->Interrupt, SerialIsr, Ext, NULL, Vector, Irql, Irql, Latched, FALSE, Affinity,
                                FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        SerialLogError(DeviceObject, IO_ERR_INTERNAL_ERROR, 10, Status);
        goto Undo;
    }
    /* program the chip: line, FIFO, modem control, interrupts */
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncProgramLine, Ext);
    SerialOut(Ext, UART_FCR, (UCHAR)(Ext->FifoControl | FCR_RX_RESET | FCR_TX_RESET));
    KeSynchronizeExecution(Ext->Interrupt, SerialSyncModemControl, Ext);
    (void)SerialIn(Ext, UART_LSR);
    (void)SerialIn(Ext, UART_MSR);
    (void)SerialIn(Ext, UART_RBR);
    Ext->InterruptEnable = IER_RDA | IER_RLS | IER_MS;
    SerialOut(Ext, UART_IER, Ext->InterruptEnable);

    IoGetConfigurationInformation()->SerialCount++;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;

    /* 6. done with the configuration block */
    ExFreePoolWithTag(Config, SERIAL_TAG);
    return STATUS_SUCCESS;

Undo:
    SerialUndo(DriverObject, Ext);
ReleaseClaim:
    SerialClaim(DriverObject, Config, TRUE);
    ExFreePoolWithTag(Config, SERIAL_TAG);
    return Status;
}

static VOID SerialUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    if (DeviceObject) {
        PSERIAL_EXTENSION Ext = DeviceObject->DeviceExtension;
        IoGetConfigurationInformation()->SerialCount--;
        SerialUndo(DriverObject, Ext);
    }
    SerialClaim(DriverObject, NULL, TRUE);
}
