/*
 * ioctl.c - the serial IOCTLs of the WDM serial sample (IRP_MJ_DEVICE_CONTROL), the
 * subset a serial enumerator or a serial mouse driver uses to set up and probe the line:
 *   IOCTL_SERIAL_SET/GET_BAUD_RATE      the divisor of the 1.8432 MHz clock
 *   IOCTL_SERIAL_SET/GET_LINE_CONTROL   word length, parity, stop bits (the LCR)
 *   IOCTL_SERIAL_SET/CLR_DTR, SET/CLR_RTS, GET_DTRRTS, SET/GET_MODEM_CONTROL (the MCR)
 *   IOCTL_SERIAL_GET_MODEMSTATUS        the modem status register (CTS, DSR, RI, DCD)
 *   IOCTL_SERIAL_SET_FIFO_CONTROL       the FCR
 *   IOCTL_SERIAL_SET/GET_TIMEOUTS       read timeouts (wdmserial.c applies them)
 *   IOCTL_SERIAL_SET/GET_HANDFLOW       DTR/RTS control, CTS/DSR/DCD/RTS/DTR handshake,
 *                                       XON/XOFF (flow.c), NUL stripping, DSR sensitivity
 *   IOCTL_SERIAL_SET/GET_CHARS          XON, XOFF and the event character
 *   IOCTL_SERIAL_SET_XOFF, SET_XON      act as if XOFF / XON had been received
 *   IOCTL_SERIAL_SET/GET_WAIT_MASK, WAIT_ON_MASK   line events (wait.c)
 *   IOCTL_SERIAL_PURGE                  abort reads or writes (write.c), clear the receive
 *                                       ring or the echo ring and the transmit FIFO
 *   IOCTL_SERIAL_GET_STATS, CLEAR_STATS, GET_COMMSTATUS
 * Any other code completes with STATUS_INVALID_DEVICE_REQUEST, as for any request a
 * driver does not serve; a handflow option the sample does not perform is refused with
 * STATUS_NOT_IMPLEMENTED. Every register access, and every change of what the ISR reads
 * (the modem control shadow, the handflow, the special characters), runs under the
 * interrupt spin lock (KeSynchronizeExecution).
 */
#include "wdmserial.h"

#define SERIAL_PARITY_BITS(Parity) ((UCHAR)(Parity == NO_PARITY ? 0 : 0x08 | (((Parity) - 1) << 4)))

VOID WdmSerialDefaultSettings(SERIAL_SETTINGS *Settings)
{
    RtlZeroMemory(Settings, sizeof(*Settings));
    Settings->BaudRate = UART_CLOCK_BAUD;
    Settings->LineControl.WordLength = 8;
    Settings->LineControl.Parity = NO_PARITY;
    Settings->LineControl.StopBits = STOP_BIT_1;
    Settings->HandFlow.ControlHandShake = SERIAL_DTR_CONTROL;
    Settings->HandFlow.FlowReplace = SERIAL_RTS_CONTROL;
    Settings->HandFlow.XonLimit = RING_SIZE / 4;
    Settings->HandFlow.XoffLimit = RING_SIZE / 4;
    Settings->Chars.XonChar = XON_DEFAULT;
    Settings->Chars.XoffChar = XOFF_DEFAULT;
    Settings->Mcr = MCR_DTR | MCR_RTS | MCR_OUT2;
    Settings->Fcr = FCR_ENABLE_TRIGGER8; /* (no reset bits: programming the line again must not empty the FIFOs) */
}

static UCHAR LineControlRegister(const SERIAL_LINE_CONTROL *Line)
{
    UCHAR Lcr = (UCHAR)(Line->WordLength - 5);
    if (Line->StopBits != STOP_BIT_1)
        Lcr |= 0x04; /* 1.5 stop bits with 5-bit words, 2 otherwise */
    return Lcr | SERIAL_PARITY_BITS(Line->Parity);
}

/* Divisor, line control, FIFO and modem control from the settings (at START, and
 * after IOCTLs that change the divisor or the line). */
BOOLEAN WdmSerialProgramLine(PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    USHORT Divisor = (USHORT)(UART_CLOCK_BAUD / Ext->Settings.BaudRate);
    UCHAR Lcr = LineControlRegister(&Ext->Settings.LineControl);
    WRITE_PORT_UCHAR(Ext->Port + UART_LCR, Lcr | LCR_DLAB);
    WRITE_PORT_UCHAR(Ext->Port + UART_DLL, (UCHAR)Divisor);
    WRITE_PORT_UCHAR(Ext->Port + UART_DLM, (UCHAR)(Divisor >> 8));
    WRITE_PORT_UCHAR(Ext->Port + UART_LCR, Lcr);
    WRITE_PORT_UCHAR(Ext->Port + UART_FCR, Ext->Settings.Fcr);
    WRITE_PORT_UCHAR(Ext->Port + UART_MCR, Ext->Settings.Mcr);
    return TRUE;
}

typedef struct _MCR_CHANGE {
    PDEVICE_EXTENSION Ext;
    UCHAR Clear, Set;
} MCR_CHANGE;

/* Under the interrupt lock: input flow control (flow.c) changes the same shadow at DIRQL. */
static BOOLEAN ChangeModemControl(PVOID Context)
{
    MCR_CHANGE *C = Context;
    C->Ext->Settings.Mcr = (UCHAR)((C->Ext->Settings.Mcr & ~C->Clear) | C->Set);
    WRITE_PORT_UCHAR(C->Ext->Port + UART_MCR, C->Ext->Settings.Mcr);
    return TRUE;
}

static BOOLEAN WriteFifoControl(PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    WRITE_PORT_UCHAR(Ext->Port + UART_FCR, Ext->Settings.Fcr);
    return TRUE;
}

typedef struct _REGISTER_READ {
    PDEVICE_EXTENSION Ext;
    ULONG Value;
} REGISTER_READ;

/* Reading the MSR clears its deltas, which the modem-status interrupt would have reported:
 * they become events here as in the ISR. */
static BOOLEAN ReadModemStatus(PVOID Context)
{
    REGISTER_READ *R = Context;
    PDEVICE_EXTENSION Ext = R->Ext;
    UCHAR Msr = READ_PORT_UCHAR(Ext->Port + UART_MSR);
    R->Value = Msr;
    WdmSerialModemStatus(Ext, Msr);
    WdmSerialFeedTransmitter(Ext);
    if (Ext->IsrEvents)
        KeInsertQueueDpc(&Ext->ReadDpc, NULL, NULL);
    return TRUE;
}

typedef struct _FLOW_CHANGE {
    PDEVICE_EXTENSION Ext;
    const SERIAL_HANDFLOW *HandFlow; /* the new handflow, or NULL */
    const SERIAL_CHARS *Chars;       /* the new special characters, or NULL */
} FLOW_CHANGE;

typedef struct _PRETEND_XOFF {
    PDEVICE_EXTENSION Ext;
    BOOLEAN Off;
} PRETEND_XOFF;

/* IOCTL_SERIAL_SET_XOFF / SET_XON: the transmitter stops as for a received XOFF (whether or
 * not SERIAL_AUTO_TRANSMIT is set) until SET_XON, or a received XON under it. */
static BOOLEAN PretendXoff(PVOID Context)
{
    PRETEND_XOFF *P = Context;
    if (P->Off)
        P->Ext->TxHolds |= SERIAL_TX_WAITING_FOR_XON;
    else
        P->Ext->TxHolds &= ~SERIAL_TX_WAITING_FOR_XON;
    WdmSerialFeedTransmitter(P->Ext);
    return TRUE;
}

static BOOLEAN ChangeFlowControl(PVOID Context)
{
    FLOW_CHANGE *F = Context;
    if (F->HandFlow)
        WdmSerialApplyHandFlow(F->Ext, F->HandFlow);
    if (F->Chars)
        F->Ext->Settings.Chars = *F->Chars;
    WdmSerialFeedTransmitter(F->Ext);
    return TRUE;
}

/* ---- the rings and the counters, under the interrupt lock ---- */

typedef struct _PURGE_CONTEXT {
    PDEVICE_EXTENSION Ext;
    ULONG Mask;
} PURGE_CONTEXT;

static BOOLEAN PurgeRings(PVOID Context)
{
    PURGE_CONTEXT *P = Context;
    PDEVICE_EXTENSION Ext = P->Ext;
    UCHAR Reset = 0;
    if (P->Mask & SERIAL_PURGE_RXCLEAR) {
        Ext->Rx.Head = Ext->Rx.Tail = 0;
        Reset |= FCR_RX_RESET;
        WdmSerialCheckInputFlow(Ext); /* an empty ring lets a stopped sender go */
    }
    if (P->Mask & SERIAL_PURGE_TXCLEAR) {
        Ext->Tx.Head = Ext->Tx.Tail = 0;
        Reset |= FCR_TX_RESET;
    }
    if (Reset && (Ext->Settings.Fcr & FCR_ENABLE))
        WRITE_PORT_UCHAR(Ext->Port + UART_FCR, Ext->Settings.Fcr | Reset);
    WdmSerialFeedTransmitter(Ext);
    return TRUE;
}

typedef struct _STATS_CONTEXT {
    PDEVICE_EXTENSION Ext;
    SERIALPERF_STATS Perf;
    SERIAL_STATUS Status;
    BOOLEAN Clear;       /* IOCTL_SERIAL_CLEAR_STATS */
    BOOLEAN CommStatus;  /* IOCTL_SERIAL_GET_COMMSTATUS: the errors are reported, then forgotten */
} STATS_CONTEXT;

static BOOLEAN SnapshotStats(PVOID Context)
{
    STATS_CONTEXT *S = Context;
    PDEVICE_EXTENSION Ext = S->Ext;
    S->Perf = Ext->Perf;
    S->Status.Errors = Ext->Errors;
    S->Status.HoldReasons = Ext->TxHolds;
    S->Status.AmountInInQueue = RingCount(&Ext->Rx);
    S->Status.AmountInOutQueue = RingCount(&Ext->Tx) + Ext->WriteRemaining + Ext->QueuedWriteBytes;
    if (S->CommStatus)
        Ext->Errors = 0;
    if (S->Clear)
        RtlZeroMemory(&Ext->Perf, sizeof(Ext->Perf));
    return TRUE;
}

/* ---- one routine per request; each returns the status, Information set on success ---- */

typedef struct _SERIAL_REQUEST {
    PDEVICE_EXTENSION Ext;
    PVOID Buffer;        /* METHOD_BUFFERED: input on the way in, output on the way out */
    ULONG InputLength;
    ULONG OutputLength;
    ULONG_PTR Information;
} SERIAL_REQUEST;

static NTSTATUS ReturnBytes(SERIAL_REQUEST *R, const VOID *Data, ULONG Size)
{
    if (R->OutputLength < Size)
        return STATUS_BUFFER_TOO_SMALL;
    RtlCopyMemory(R->Buffer, Data, Size);
    R->Information = Size;
    return STATUS_SUCCESS;
}

static NTSTATUS SetBaudRate(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(SERIAL_BAUD_RATE))
        return STATUS_BUFFER_TOO_SMALL;
    ULONG Baud = ((PSERIAL_BAUD_RATE)R->Buffer)->BaudRate;
    if (Baud == 0 || Baud > UART_CLOCK_BAUD)
        return STATUS_INVALID_PARAMETER;
    ULONG Divisor = (UART_CLOCK_BAUD + Baud / 2) / Baud;
    ULONG Actual = UART_CLOCK_BAUD / Divisor;
    if (Divisor > 0xFFFF || (Actual > Baud ? Actual - Baud : Baud - Actual) * 100 > Baud)
        return STATUS_INVALID_PARAMETER; /* more than 1% off: the clock cannot make it */
    R->Ext->Settings.BaudRate = Actual;
    KeSynchronizeExecution(R->Ext->Interrupt, WdmSerialProgramLine, R->Ext);
    return STATUS_SUCCESS;
}

static NTSTATUS SetLineControl(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(SERIAL_LINE_CONTROL))
        return STATUS_BUFFER_TOO_SMALL;
    SERIAL_LINE_CONTROL Line = *(PSERIAL_LINE_CONTROL)R->Buffer;
    if (Line.WordLength < 5 || Line.WordLength > 8 || Line.Parity > SPACE_PARITY || Line.StopBits > STOP_BITS_2)
        return STATUS_INVALID_PARAMETER;
    /* 1.5 stop bits exist only with 5-bit words, 2 stop bits only with longer ones */
    if ((Line.StopBits == STOP_BITS_1_5) != (Line.WordLength == 5 && Line.StopBits != STOP_BIT_1))
        return STATUS_INVALID_PARAMETER;
    R->Ext->Settings.LineControl = Line;
    KeSynchronizeExecution(R->Ext->Interrupt, WdmSerialProgramLine, R->Ext);
    return STATUS_SUCCESS;
}

/* DTR and RTS by request; a line that a handshake mode drives is not the client's to set
 * (STATUS_INVALID_PARAMETER, as documented for IOCTL_SERIAL_SET_RTS and SET_DTR). */
static NTSTATUS SetModemLine(SERIAL_REQUEST *R, UCHAR Bit, BOOLEAN On)
{
    const SERIAL_HANDFLOW *H = &R->Ext->Settings.HandFlow;
    if (Bit == MCR_DTR && (H->ControlHandShake & SERIAL_DTR_MASK) == SERIAL_DTR_HANDSHAKE)
        return STATUS_INVALID_PARAMETER;
    if (Bit == MCR_RTS && (H->FlowReplace & SERIAL_RTS_MASK) == SERIAL_RTS_HANDSHAKE)
        return STATUS_INVALID_PARAMETER;
    MCR_CHANGE C = { R->Ext, On ? 0 : Bit, On ? Bit : 0 };
    KeSynchronizeExecution(R->Ext->Interrupt, ChangeModemControl, &C);
    return STATUS_SUCCESS;
}

/* The raw MCR; OUT2 stays set: on the PC it gates the UART's interrupt, which every read needs. */
static NTSTATUS SetModemControl(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    MCR_CHANGE C = { R->Ext, 0xFF, (UCHAR)(*(PULONG)R->Buffer | MCR_OUT2) };
    KeSynchronizeExecution(R->Ext->Interrupt, ChangeModemControl, &C);
    return STATUS_SUCCESS;
}

static NTSTATUS SetFifoControl(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    R->Ext->Settings.Fcr = (UCHAR)*(PULONG)R->Buffer;
    KeSynchronizeExecution(R->Ext->Interrupt, WriteFifoControl, R->Ext);
    R->Ext->Settings.Fcr &= (UCHAR)~(FCR_RX_RESET | FCR_TX_RESET); /* the resets are one-shot */
    return STATUS_SUCCESS;
}

static NTSTATUS GetModemStatus(SERIAL_REQUEST *R)
{
    REGISTER_READ Read = { R->Ext, 0 };
    KeSynchronizeExecution(R->Ext->Interrupt, ReadModemStatus, &Read);
    return ReturnBytes(R, &Read.Value, sizeof(ULONG));
}

static NTSTATUS GetDtrRts(SERIAL_REQUEST *R)
{
    ULONG State = 0;
    if (R->Ext->Settings.Mcr & MCR_DTR)
        State |= SERIAL_DTR_STATE;
    if (R->Ext->Settings.Mcr & MCR_RTS)
        State |= SERIAL_RTS_STATE;
    return ReturnBytes(R, &State, sizeof(State));
}

static NTSTATUS SetTimeouts(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(SERIAL_TIMEOUTS))
        return STATUS_BUFFER_TOO_SMALL;
    PSERIAL_TIMEOUTS T = R->Buffer;
    if (T->ReadIntervalTimeout == MAXULONG && T->ReadTotalTimeoutMultiplier == MAXULONG &&
        T->ReadTotalTimeoutConstant == MAXULONG)
        return STATUS_INVALID_PARAMETER; /* the documented invalid combination */
    R->Ext->Settings.Timeouts = *T;
    return STATUS_SUCCESS;
}

/* The handflow options this sample performs (flow.c); the others are refused with
 * STATUS_NOT_IMPLEMENTED rather than accepted and ignored. */
#define HANDSHAKE_DONE (SERIAL_DTR_MASK | SERIAL_OUT_HANDSHAKEMASK | SERIAL_DSR_SENSITIVITY)
#define FLOW_DONE \
    (SERIAL_AUTO_TRANSMIT | SERIAL_AUTO_RECEIVE | SERIAL_NULL_STRIPPING | SERIAL_RTS_MASK | SERIAL_XOFF_CONTINUE)

static NTSTATUS SetHandFlow(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(SERIAL_HANDFLOW))
        return STATUS_BUFFER_TOO_SMALL;
    SERIAL_HANDFLOW H = *(PSERIAL_HANDFLOW)R->Buffer;
    if ((H.ControlHandShake & SERIAL_CONTROL_INVALID) || (H.FlowReplace & SERIAL_FLOW_INVALID) ||
        (H.ControlHandShake & SERIAL_DTR_MASK) == SERIAL_DTR_MASK || H.XonLimit < 0 || H.XoffLimit < 0 ||
        H.XonLimit > RING_SIZE || H.XoffLimit > RING_SIZE)
        return STATUS_INVALID_PARAMETER;
    if ((H.ControlHandShake & ~HANDSHAKE_DONE) || (H.FlowReplace & ~FLOW_DONE) ||
        (H.FlowReplace & SERIAL_RTS_MASK) == SERIAL_TRANSMIT_TOGGLE)
        return STATUS_NOT_IMPLEMENTED; /* SERIAL_ERROR_ABORT, SERIAL_ERROR_CHAR, SERIAL_BREAK_CHAR, toggle */
    FLOW_CHANGE F = { R->Ext, &H, NULL };
    KeSynchronizeExecution(R->Ext->Interrupt, ChangeFlowControl, &F);
    return STATUS_SUCCESS;
}

/* XonChar and XoffChar must differ (the documented STATUS_INVALID_PARAMETER). */
static NTSTATUS SetChars(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(SERIAL_CHARS))
        return STATUS_BUFFER_TOO_SMALL;
    SERIAL_CHARS Chars = *(PSERIAL_CHARS)R->Buffer;
    if (Chars.XonChar == Chars.XoffChar)
        return STATUS_INVALID_PARAMETER;
    FLOW_CHANGE F = { R->Ext, NULL, &Chars };
    KeSynchronizeExecution(R->Ext->Interrupt, ChangeFlowControl, &F);
    return STATUS_SUCCESS;
}

static NTSTATUS SetXoff(SERIAL_REQUEST *R, BOOLEAN Off)
{
    PRETEND_XOFF P = { R->Ext, Off };
    KeSynchronizeExecution(R->Ext->Interrupt, PretendXoff, &P);
    return STATUS_SUCCESS;
}

static NTSTATUS Purge(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    ULONG Mask = *(PULONG)R->Buffer;
    ULONG Known = SERIAL_PURGE_TXABORT | SERIAL_PURGE_RXABORT | SERIAL_PURGE_TXCLEAR | SERIAL_PURGE_RXCLEAR;
    if (Mask == 0 || (Mask & ~Known))
        return STATUS_INVALID_PARAMETER;
    if (Mask & SERIAL_PURGE_RXABORT)
        WdmSerialFailPendingReads(R->Ext, STATUS_CANCELLED);
    if (Mask & SERIAL_PURGE_TXABORT)
        WdmSerialFailWrites(R->Ext, STATUS_CANCELLED, NULL);
    PURGE_CONTEXT P = { R->Ext, Mask };
    KeSynchronizeExecution(R->Ext->Interrupt, PurgeRings, &P);
    return STATUS_SUCCESS;
}

static NTSTATUS GetStats(SERIAL_REQUEST *R, BOOLEAN Clear, BOOLEAN CommStatus)
{
    STATS_CONTEXT S;
    RtlZeroMemory(&S, sizeof(S));
    S.Ext = R->Ext;
    S.Clear = Clear;
    S.CommStatus = CommStatus;
    if (CommStatus && R->OutputLength < sizeof(SERIAL_STATUS))
        return STATUS_BUFFER_TOO_SMALL; /* checked first: the snapshot clears the errors */
    KeSynchronizeExecution(R->Ext->Interrupt, SnapshotStats, &S);
    if (Clear)
        return STATUS_SUCCESS;
    return CommStatus ? ReturnBytes(R, &S.Status, sizeof(S.Status)) : ReturnBytes(R, &S.Perf, sizeof(S.Perf));
}

static NTSTATUS SetWaitMask(SERIAL_REQUEST *R)
{
    if (R->InputLength < sizeof(ULONG))
        return STATUS_BUFFER_TOO_SMALL;
    ULONG Mask = *(PULONG)R->Buffer;
    ULONG Known = SERIAL_EV_RXCHAR | SERIAL_EV_RXFLAG | SERIAL_EV_TXEMPTY | SERIAL_EV_CTS | SERIAL_EV_DSR |
                  SERIAL_EV_RLSD | SERIAL_EV_BREAK | SERIAL_EV_ERR | SERIAL_EV_RING | SERIAL_EV_PERR |
                  SERIAL_EV_RX80FULL | SERIAL_EV_EVENT1 | SERIAL_EV_EVENT2;
    if (Mask & ~Known)
        return STATUS_INVALID_PARAMETER;
    WdmSerialSetWaitMask(R->Ext, Mask);
    return STATUS_SUCCESS;
}

static NTSTATUS Dispatch(SERIAL_REQUEST *R, ULONG Code)
{
    SERIAL_SETTINGS *S = &R->Ext->Settings;
    switch (Code) {
    case IOCTL_SERIAL_SET_BAUD_RATE: return SetBaudRate(R);
    case IOCTL_SERIAL_GET_BAUD_RATE: return ReturnBytes(R, &S->BaudRate, sizeof(SERIAL_BAUD_RATE));
    case IOCTL_SERIAL_SET_LINE_CONTROL: return SetLineControl(R);
    case IOCTL_SERIAL_GET_LINE_CONTROL: return ReturnBytes(R, &S->LineControl, sizeof(SERIAL_LINE_CONTROL));
    case IOCTL_SERIAL_SET_DTR: return SetModemLine(R, MCR_DTR, TRUE);
    case IOCTL_SERIAL_CLR_DTR: return SetModemLine(R, MCR_DTR, FALSE);
    case IOCTL_SERIAL_SET_RTS: return SetModemLine(R, MCR_RTS, TRUE);
    case IOCTL_SERIAL_CLR_RTS: return SetModemLine(R, MCR_RTS, FALSE);
    case IOCTL_SERIAL_GET_DTRRTS: return GetDtrRts(R);
    case IOCTL_SERIAL_SET_MODEM_CONTROL: return SetModemControl(R);
    case IOCTL_SERIAL_GET_MODEM_CONTROL: {
        ULONG Mcr = S->Mcr;
        return ReturnBytes(R, &Mcr, sizeof(Mcr));
    }
    case IOCTL_SERIAL_GET_MODEMSTATUS: return GetModemStatus(R);
    case IOCTL_SERIAL_SET_FIFO_CONTROL: return SetFifoControl(R);
    case IOCTL_SERIAL_SET_TIMEOUTS: return SetTimeouts(R);
    case IOCTL_SERIAL_GET_TIMEOUTS: return ReturnBytes(R, &S->Timeouts, sizeof(SERIAL_TIMEOUTS));
    case IOCTL_SERIAL_SET_HANDFLOW: return SetHandFlow(R);
    case IOCTL_SERIAL_GET_HANDFLOW: return ReturnBytes(R, &S->HandFlow, sizeof(SERIAL_HANDFLOW));
    case IOCTL_SERIAL_SET_CHARS: return SetChars(R);
    case IOCTL_SERIAL_GET_CHARS: return ReturnBytes(R, &S->Chars, sizeof(SERIAL_CHARS));
    case IOCTL_SERIAL_SET_XOFF: return SetXoff(R, TRUE);
    case IOCTL_SERIAL_SET_XON: return SetXoff(R, FALSE);
    case IOCTL_SERIAL_SET_WAIT_MASK: return SetWaitMask(R);
    case IOCTL_SERIAL_GET_WAIT_MASK: return ReturnBytes(R, &S->WaitMask, sizeof(ULONG));
    case IOCTL_SERIAL_PURGE: return Purge(R);
    case IOCTL_SERIAL_GET_STATS: return GetStats(R, FALSE, FALSE);
    case IOCTL_SERIAL_CLEAR_STATS: return GetStats(R, TRUE, FALSE);
    case IOCTL_SERIAL_GET_COMMSTATUS: return GetStats(R, FALSE, TRUE);
    default: return STATUS_INVALID_DEVICE_REQUEST;
    }
}

NTSTATUS WdmSerialDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = WdmSerialAdmit(Ext, Irp);
    if (!NT_SUCCESS(Status))
        return WdmSerialCompleteIrp(Irp, Status, 0);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_SERIAL_WAIT_ON_MASK)
        return WdmSerialWaitOnMask(Ext, Irp); /* may stay pending */
    SERIAL_REQUEST R = { Ext, Irp->AssociatedIrp.SystemBuffer, Stack->Parameters.DeviceIoControl.InputBufferLength,
                         Stack->Parameters.DeviceIoControl.OutputBufferLength, 0 };
    Status = Dispatch(&R, Stack->Parameters.DeviceIoControl.IoControlCode);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return WdmSerialCompleteIrp(Irp, Status, NT_SUCCESS(Status) ? R.Information : 0);
}
