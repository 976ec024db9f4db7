/*
 * flow.c - the modem status and the flow control of the WDM serial sample. Everything
 * here runs at DIRQL, inside the ISR or KeSynchronizeExecution: the ISR shares the state.
 *   The modem-status interrupt: the MSR's delta bits become SERIAL_EV_CTS, SERIAL_EV_DSR,
 *     SERIAL_EV_RLSD and SERIAL_EV_RING (the trailing edge of RI, TERI, which is what the
 *     16550 reports) for IOCTL_SERIAL_WAIT_ON_MASK; reading the MSR clears the deltas, so
 *     every read of it comes through WdmSerialModemStatus.
 *   Output flow control: SERIAL_CTS_HANDSHAKE, SERIAL_DSR_HANDSHAKE and SERIAL_DCD_HANDSHAKE
 *     hold the transmitter while their line is low; SERIAL_AUTO_TRANSMIT holds it from a
 *     received XoffChar to a received XonChar (neither reaches the receive ring). Bytes
 *     already in the UART's FIFO still leave: the 16550 has no automatic flow control.
 *   Input flow control: SERIAL_RTS_HANDSHAKE and SERIAL_DTR_HANDSHAKE drop their line, and
 *     SERIAL_AUTO_RECEIVE sends XoffChar, once the receive ring holds more than
 *     RING_SIZE - XoffLimit bytes; the line rises again (XonChar is sent) once reads have
 *     taken it down to XonLimit. Without SERIAL_XOFF_CONTINUE the transmitter also waits
 *     from the XOFF it sent to the XON.
 * The holds are SERIAL_STATUS.HoldReasons (IOCTL_SERIAL_GET_COMMSTATUS).
 */
#include "wdmserial.h"

static const struct {
    UCHAR Delta;
    ULONG Event;
} ModemEvents[] = {
    { MSR_DCTS, SERIAL_EV_CTS },
    { MSR_DDSR, SERIAL_EV_DSR },
    { MSR_DDCD, SERIAL_EV_RLSD },
    { MSR_TERI, SERIAL_EV_RING },
};

VOID WdmSerialUpdateLineHolds(PDEVICE_EXTENSION Ext)
{
    ULONG Shake = Ext->Settings.HandFlow.ControlHandShake;
    ULONG Holds = 0;
    if ((Shake & SERIAL_CTS_HANDSHAKE) && !(Ext->ModemLines & MSR_CTS))
        Holds |= SERIAL_TX_WAITING_FOR_CTS;
    if ((Shake & SERIAL_DSR_HANDSHAKE) && !(Ext->ModemLines & MSR_DSR))
        Holds |= SERIAL_TX_WAITING_FOR_DSR;
    if ((Shake & SERIAL_DCD_HANDSHAKE) && !(Ext->ModemLines & MSR_DCD))
        Holds |= SERIAL_TX_WAITING_FOR_DCD;
    Ext->TxHolds = (Ext->TxHolds & ~TX_LINE_HOLDS) | Holds;
}

/* An MSR value just read: its deltas are events, its lines may hold or free the transmitter
 * (the caller feeds it afterwards). */
VOID WdmSerialModemStatus(PDEVICE_EXTENSION Ext, UCHAR Msr)
{
    for (ULONG i = 0; i < RTL_NUMBER_OF(ModemEvents); i++)
        if (Msr & ModemEvents[i].Delta)
            Ext->IsrEvents |= ModemEvents[i].Event;
    Ext->ModemLines = Msr & (MSR_CTS | MSR_DSR | MSR_RI | MSR_DCD);
    WdmSerialUpdateLineHolds(Ext);
}

/* Whether a received byte goes into the receive ring. XON/XOFF under SERIAL_AUTO_TRANSMIT
 * are consumed; SERIAL_NULL_STRIPPING drops NULs; SERIAL_DSR_SENSITIVITY drops what comes
 * while DSR is low; the event character raises SERIAL_EV_RXFLAG. */
BOOLEAN WdmSerialAcceptReceived(PDEVICE_EXTENSION Ext, UCHAR Byte)
{
    const SERIAL_HANDFLOW *H = &Ext->Settings.HandFlow;
    const SERIAL_CHARS *Chars = &Ext->Settings.Chars;
    if (H->ControlHandShake & SERIAL_DSR_SENSITIVITY) {
        /* the line now, not at the last modem-status interrupt (it ranks below the receiver) */
        WdmSerialModemStatus(Ext, READ_PORT_UCHAR(Ext->Port + UART_MSR));
        if (!(Ext->ModemLines & MSR_DSR))
            return FALSE;
    }
    if (H->FlowReplace & SERIAL_AUTO_TRANSMIT) {
        if (Byte == Chars->XoffChar) {
            Ext->TxHolds |= SERIAL_TX_WAITING_FOR_XON;
            return FALSE;
        }
        if (Byte == Chars->XonChar) {
            Ext->TxHolds &= ~SERIAL_TX_WAITING_FOR_XON;
            return FALSE;
        }
    }
    if ((H->FlowReplace & SERIAL_NULL_STRIPPING) && Byte == 0)
        return FALSE;
    if (Byte == Chars->EventChar)
        Ext->IsrEvents |= SERIAL_EV_RXFLAG;
    return TRUE;
}

/* The modem control lines input flow control owns under these settings. */
static UCHAR InputFlowLines(const SERIAL_HANDFLOW *H)
{
    UCHAR Lines = 0;
    if ((H->ControlHandShake & SERIAL_DTR_MASK) == SERIAL_DTR_HANDSHAKE)
        Lines |= MCR_DTR;
    if ((H->FlowReplace & SERIAL_RTS_MASK) == SERIAL_RTS_HANDSHAKE)
        Lines |= MCR_RTS;
    return Lines;
}

/* XON and XOFF alternate: one still waiting to leave when the other is due never reached
 * the sender, so both are dropped. */
static VOID QueueFlowChar(PDEVICE_EXTENSION Ext, UCHAR Byte)
{
    if (Ext->FlowCharPending) {
        Ext->FlowCharPending = FALSE;
        return;
    }
    Ext->FlowChar = Byte;
    Ext->FlowCharPending = TRUE;
}

static VOID StopSender(PDEVICE_EXTENSION Ext, const SERIAL_HANDFLOW *H, BOOLEAN Stop)
{
    UCHAR Lines = InputFlowLines(H);
    Ext->RxFlowOff = Stop;
    if (Lines) {
        if (Stop)
            Ext->Settings.Mcr &= (UCHAR)~Lines;
        else
            Ext->Settings.Mcr |= Lines;
        WRITE_PORT_UCHAR(Ext->Port + UART_MCR, Ext->Settings.Mcr);
    }
    if (H->FlowReplace & SERIAL_AUTO_RECEIVE)
        QueueFlowChar(Ext, Stop ? Ext->Settings.Chars.XoffChar : Ext->Settings.Chars.XonChar);
}

/* After the receive ring grew or shrank: stop the sender above the XOFF limit, let it go
 * again at the XON limit (a pending XON/XOFF goes out when the caller feeds the transmitter). */
VOID WdmSerialCheckInputFlow(PDEVICE_EXTENSION Ext)
{
    const SERIAL_HANDFLOW *H = &Ext->Settings.HandFlow;
    if (InputFlowLines(H) == 0 && !(H->FlowReplace & SERIAL_AUTO_RECEIVE))
        return;
    ULONG Count = RingCount(&Ext->Rx);
    if (!Ext->RxFlowOff && Count > (ULONG)(RING_SIZE - H->XoffLimit))
        StopSender(Ext, H, TRUE);
    else if (Ext->RxFlowOff && Count <= (ULONG)H->XonLimit)
        StopSender(Ext, H, FALSE);
}

/* The transmitter took the pending XON or XOFF. */
VOID WdmSerialFlowCharSent(PDEVICE_EXTENSION Ext, UCHAR Byte)
{
    ULONG Replace = Ext->Settings.HandFlow.FlowReplace;
    if (Byte == Ext->Settings.Chars.XoffChar && !(Replace & SERIAL_XOFF_CONTINUE))
        Ext->TxHolds |= SERIAL_TX_WAITING_XOFF_SENT;
    else
        Ext->TxHolds &= ~SERIAL_TX_WAITING_XOFF_SENT;
}

/* IOCTL_SERIAL_SET_HANDFLOW, checked by the caller: a sender stopped under the old settings
 * is let go first, the DTR and RTS modes set their lines (a handshake line starts high),
 * then the new limits and holds apply at once. The caller feeds the transmitter. */
VOID WdmSerialApplyHandFlow(PDEVICE_EXTENSION Ext, const SERIAL_HANDFLOW *HandFlow)
{
    if (Ext->RxFlowOff)
        StopSender(Ext, &Ext->Settings.HandFlow, FALSE);
    Ext->Settings.HandFlow = *HandFlow;
    UCHAR Mcr = Ext->Settings.Mcr & (UCHAR)~(MCR_DTR | MCR_RTS);
    if (HandFlow->ControlHandShake & SERIAL_DTR_MASK) /* SERIAL_DTR_CONTROL or SERIAL_DTR_HANDSHAKE */
        Mcr |= MCR_DTR;
    if (HandFlow->FlowReplace & SERIAL_RTS_MASK) /* SERIAL_RTS_CONTROL or SERIAL_RTS_HANDSHAKE */
        Mcr |= MCR_RTS;
    Ext->Settings.Mcr = Mcr;
    WRITE_PORT_UCHAR(Ext->Port + UART_MCR, Mcr);
    if (!(HandFlow->FlowReplace & SERIAL_AUTO_TRANSMIT))
        Ext->TxHolds &= ~SERIAL_TX_WAITING_FOR_XON;
    if (!(HandFlow->FlowReplace & SERIAL_AUTO_RECEIVE) || (HandFlow->FlowReplace & SERIAL_XOFF_CONTINUE))
        Ext->TxHolds &= ~SERIAL_TX_WAITING_XOFF_SENT;
    WdmSerialUpdateLineHolds(Ext);
    WdmSerialCheckInputFlow(Ext);
}
