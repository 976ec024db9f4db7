/* wdmserial.h - what the WDM serial sample's files share: the 16550's registers,
 * the device extension, and the routines one file calls in another
 * (wdmserial.c: PnP, power, reads, writes, the ISR; ioctl.c: the serial IOCTLs; wait.c:
 * IOCTL_SERIAL_WAIT_ON_MASK; flow.c: the modem status and flow control; write.c: writes). */
#ifndef WDMSERIAL_H
#define WDMSERIAL_H

#include <ntddk.h>
#include <ntddser.h>

#define WDMSER_TAG 'SmdW'
#define RING_SIZE 1024
#define FIFO_DEPTH 16
#define UART_CLOCK_BAUD 115200 /* 1.8432 MHz / 16: the rate of divisor 1 */

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
#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_MSI 0x08 /* modem status: a change of CTS, DSR or DCD, or the trailing edge of RI */
#define IIR_NO_INTERRUPT 0x01
#define IIR_ID_MASK 0x0E
#define IIR_RDA 0x04
#define IIR_TIMEOUT 0x0C
#define IIR_THRE 0x02
#define IIR_RLS 0x06
#define IIR_MSI 0x00
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define FCR_ENABLE 0x01
#define FCR_RX_RESET 0x02
#define FCR_TX_RESET 0x04
#define FCR_ENABLE_TRIGGER8 0x81 /* FIFOs on, receive trigger at 8 bytes */
#define XON_DEFAULT 0x11  /* DC1 */
#define XOFF_DEFAULT 0x13 /* DC3 */
/* the holds the modem lines put on the transmitter (SERIAL_STATUS.HoldReasons) */
#define TX_LINE_HOLDS (SERIAL_TX_WAITING_FOR_CTS | SERIAL_TX_WAITING_FOR_DSR | SERIAL_TX_WAITING_FOR_DCD)

typedef enum { NotStarted, Started, StopPending, Stopped, RemovePending, SurpriseRemoved, Deleted } DEVICE_PNP_STATE;

typedef struct _RING {
    UCHAR Data[RING_SIZE];
    ULONG Head, Tail; /* Head: next to read; Tail: next to write */
} RING;

static inline ULONG RingCount(const RING *R)
{
    return (R->Tail + RING_SIZE - R->Head) % RING_SIZE;
}

/* The line as the IOCTLs set it; kept across STOP/START (START programs the UART from it). */
typedef struct _SERIAL_SETTINGS {
    ULONG BaudRate;
    SERIAL_LINE_CONTROL LineControl;
    SERIAL_TIMEOUTS Timeouts;
    SERIAL_HANDFLOW HandFlow;     /* read by the ISR: changed only under the interrupt lock */
    SERIAL_CHARS Chars;           /* the same */
    ULONG WaitMask;
    UCHAR Mcr;   /* the modem control register as last written */
    UCHAR Fcr;   /* the FIFO control register as last written (write-only in the UART) */
} SERIAL_SETTINGS;

typedef struct _DEVICE_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Pdo;
    PDEVICE_OBJECT Lower;
    IO_REMOVE_LOCK RemoveLock;
    DEVICE_PNP_STATE State, PreviousState;
    UNICODE_STRING InterfaceName;
    LONG OpenCount;
    BOOLEAN Echo;
    PUCHAR Port;
    PKINTERRUPT Interrupt;
    KDPC ReadDpc;
    KSPIN_LOCK ReadLock;
    LIST_ENTRY PendingReads;       /* the oldest (the head) collects bytes and runs the timeouts */
    PIRP ArmedRead;                /* the head whose timeouts are running */
    ULONG HeadSeen;                /* bytes the head had seen at the last look (interval timeout) */
    KTIMER TotalTimer, IntervalTimer;
    KDPC TotalDpc, IntervalDpc;
    SERIAL_SETTINGS Settings;
    KSPIN_LOCK WriteLock;          /* guards PendingWrites, CurrentWrite, TimedWrite (write.c) */
    LIST_ENTRY PendingWrites;      /* the writes behind the current one */
    PIRP CurrentWrite;             /* the write the transmitter takes bytes from */
    PIRP TimedWrite;               /* the write whose total timeout runs */
    ULONG QueuedWriteBytes;        /* the lengths of PendingWrites' writes */
    KTIMER WriteTimer;
    KDPC WriteDpc, WriteTimeoutDpc;
    KSPIN_LOCK WaitLock;           /* guards WaitIrp, WaitHistory and Settings.WaitMask's changes (wait.c) */
    PIRP WaitIrp;                  /* the pending IOCTL_SERIAL_WAIT_ON_MASK */
    ULONG WaitHistory;             /* events of the mask that no wait has taken yet */
    /* touched at DIRQL: only inside the ISR or KeSynchronizeExecution */
    ULONG IsrEvents;               /* SERIAL_EV_* noted by the ISR for the DPC */
    BOOLEAN TxBusy;                /* bytes went to the transmitter since it was last seen empty */
    PUCHAR WriteBuffer;            /* the current write's bytes (NULL: none) */
    ULONG WriteLength, WriteRemaining;
    BOOLEAN ThrEmpty;              /* the transmit FIFO took no byte since its last THRE interrupt */
    UCHAR ModemLines;              /* CTS, DSR, RI, DCD (MSR 7:4) as last read */
    ULONG TxHolds;                 /* SERIAL_TX_WAITING_*: why the transmitter waits */
    BOOLEAN RxFlowOff;             /* input flow control told the sender to stop (line dropped, XOFF) */
    BOOLEAN FlowCharPending;       /* FlowChar (XON or XOFF) goes out ahead of the transmit ring */
    UCHAR FlowChar;
    RING Rx, Tx;
    SERIALPERF_STATS Perf;
    ULONG Errors;                  /* SERIAL_ERROR_* since the last IOCTL_SERIAL_GET_COMMSTATUS */
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

/* wdmserial.c */
NTSTATUS WdmSerialCompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information);
NTSTATUS WdmSerialAdmit(PDEVICE_EXTENSION Ext, PIRP Irp);
VOID WdmSerialFailPendingReads(PDEVICE_EXTENSION Ext, NTSTATUS Status);

VOID WdmSerialFeedTransmitter(PDEVICE_EXTENSION Ext);

/* flow.c: all at DIRQL, inside the ISR or KeSynchronizeExecution */
VOID WdmSerialModemStatus(PDEVICE_EXTENSION Ext, UCHAR Msr);
VOID WdmSerialUpdateLineHolds(PDEVICE_EXTENSION Ext);
BOOLEAN WdmSerialAcceptReceived(PDEVICE_EXTENSION Ext, UCHAR Byte);
VOID WdmSerialCheckInputFlow(PDEVICE_EXTENSION Ext);
VOID WdmSerialFlowCharSent(PDEVICE_EXTENSION Ext, UCHAR Byte);
VOID WdmSerialApplyHandFlow(PDEVICE_EXTENSION Ext, const SERIAL_HANDFLOW *HandFlow);

/* write.c */
NTSTATUS WdmSerialQueueWrite(PDEVICE_EXTENSION Ext, PIRP Irp);
VOID WdmSerialFailWrites(PDEVICE_EXTENSION Ext, NTSTATUS Status, PFILE_OBJECT File);
KDEFERRED_ROUTINE WdmSerialWriteDpc, WdmSerialWriteTimeoutDpc;

/* wait.c */
NTSTATUS WdmSerialWaitOnMask(PDEVICE_EXTENSION Ext, PIRP Irp);
VOID WdmSerialSetWaitMask(PDEVICE_EXTENSION Ext, ULONG Mask);
VOID WdmSerialServeWait(PDEVICE_EXTENSION Ext);
VOID WdmSerialFailWait(PDEVICE_EXTENSION Ext, NTSTATUS Status, PFILE_OBJECT File);

/* ioctl.c */
DRIVER_DISPATCH WdmSerialDeviceControl;
VOID WdmSerialDefaultSettings(SERIAL_SETTINGS *Settings);
KSYNCHRONIZE_ROUTINE WdmSerialProgramLine;

#endif
