/* serial_flow.c - driver/wdmserial's modem-status events and flow control on the default
 * PC's COM1, seen from the far end of the cable: a scratch hw_chardev back end attached
 * to the 16550 model raises and lowers CTS, DSR, DCD and RI, watches DTR and RTS, sends
 * bytes and records those the UART transmits. Asserted: each modem-line change completes a
 * pending IOCTL_SERIAL_WAIT_ON_MASK with exactly its event (RING on RI's trailing edge);
 * CTS/DSR/DCD handshake holds writes on the wire (HoldReasons says why; the write stays
 * pending) until the line rises, and a held write times out or is cancelled; RTS/DTR handshake drop the line above the XOFF limit and raise it once reads
 * take the ring down to the XON limit; XON/XOFF both ways with IOCTL_SERIAL_SET_CHARS'
 * characters, and IOCTL_SERIAL_SET_XOFF/SET_XON; NUL stripping, DSR sensitivity, the event character, the ring 80% full; a
 * GET_MODEMSTATUS that reads a change the lost interrupt did not report delivers it;
 * back-to-back writes lose nothing to a full FIFO; what the sample does
 * not perform is refused with STATUS_NOT_IMPLEMENTED. */
#include "com1.h"
#include <hwmodel/chardev.h>
#include <hwmodel/fault.h>
#define LINES_UP (HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD) /* the lines a connected modem holds up */

/* The far end of COM1's cable. */
typedef struct FAR_END {
    hw_chardev Chr; /* first: the hw_chardev * is this struct */
    uint8_t Sent[4096];
    size_t Count;     /* bytes the UART transmitted */
    unsigned Outputs; /* HW_CHR_DTR | HW_CHR_RTS as the UART drives them */
} FAR_END;

static FAR_END Far;

static void FarWrite(hw_chardev *Chr, uint8_t Byte)
{
    FAR_END *F = (FAR_END *)Chr;
    if (F->Count < sizeof(F->Sent))
        F->Sent[F->Count++] = Byte;
}

static void FarOutputs(hw_chardev *Chr, unsigned Lines)
{
    ((FAR_END *)Chr)->Outputs = Lines;
}

static void FarDestroy(hw_chardev *Chr)
{
    (void)Chr; /* static */
}

static void Boot(void)
{
    Com1Start();
    memset(&Far, 0, sizeof(Far));
    Far.Chr.write_byte = FarWrite;
    Far.Chr.set_modem_outputs = FarOutputs;
    Far.Chr.destroy = FarDestroy;
    Far.Chr.modem_inputs = LINES_UP;
    hw_uart16550_attach(Uart(), &Far.Chr);
    Com1Open();
}

static void Run(uint64_t Ns)
{
    assert_int_equal(ntsim_run_for(Machine, Ns), 0);
}

/* The far end sets its lines; the UART's modem-status interrupt is served before this returns. */
static void SetLines(unsigned Lines)
{
    hw_chardev_set_modem_inputs(&Far.Chr, Lines);
    Run(1 * MS);
}

/* The far end sends; at 115200 baud 100 bytes take 8.7 ms. */
static void Send(const char *Bytes, size_t Length)
{
    hw_chardev_receive(&Far.Chr, (const uint8_t *)Bytes, Length);
    Run(Length * 100000ull + 5 * MS);
}

static int32_t SetHandFlow(ULONG Control, ULONG Replace, LONG XonLimit, LONG XoffLimit)
{
    SERIAL_HANDFLOW H = { Control, Replace, XonLimit, XoffLimit };
    return Ioctl(IOCTL_SERIAL_SET_HANDFLOW, &H, sizeof(H), NULL, 0);
}

static SERIAL_STATUS CommStatus(void)
{
    SERIAL_STATUS S;
    memset(&S, 0xEE, sizeof(S));
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_COMMSTATUS, NULL, 0, &S, sizeof(S)), STATUS_SUCCESS);
    return S;
}

/* A write nothing holds: it completes once the UART has taken its bytes. */
static void Write(const char *Bytes)
{
    size_t Put = 0;
    assert_int_equal(ntsim_write(Port, Bytes, strlen(Bytes), &Put), STATUS_SUCCESS);
    assert_int_equal(Put, strlen(Bytes));
}

static ntsim_request *WriteAsync(const char *Bytes)
{
    ntsim_request *R = NULL;
    int32_t Status = ntsim_write_async(Port, Bytes, strlen(Bytes), &R);
    assert_true(Status == STATUS_PENDING || NT_SUCCESS(Status));
    assert_non_null(R);
    return R;
}

static void WriteResult(ntsim_request *R, int32_t Expected, size_t Taken, int Line)
{
    int32_t Status = 0;
    size_t Got = 0;
    if (!ntsim_request_done(R, &Status, &Got))
        fail_msg("the write of line %d has not completed", Line);
    assert_int_equal(Status, Expected);
    assert_int_equal(Got, Taken);
    ntsim_request_free(R);
}
#define AssertWriteEnded(R, Status, Taken) WriteResult(R, Status, Taken, __LINE__)

/* A read with no timeouts set completes with what has arrived, up to Length. */
static void ReadExpect(size_t Length, const char *Expected)
{
    char Buffer[256];
    size_t Got = 0;
    assert_true(Length <= sizeof(Buffer));
    assert_int_equal(ntsim_read(Port, Buffer, Length, &Got), STATUS_SUCCESS);
    assert_int_equal(Got, strlen(Expected));
    assert_memory_equal(Buffer, Expected, Got);
}

static ntsim_request *WaitAsync(ULONG *Events)
{
    ntsim_request *R = NULL;
    *Events = 0xDEADBEEF;
    int32_t Status = ntsim_ioctl_async(Port, IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, Events, sizeof(*Events), &R);
    assert_true(Status == STATUS_PENDING || NT_SUCCESS(Status));
    assert_non_null(R);
    return R;
}

static void WaitResult(ntsim_request *R, int Line)
{
    int32_t Status = 0;
    size_t Got = 0;
    if (!ntsim_request_done(R, &Status, &Got))
        fail_msg("the wait of line %d has not completed", Line);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Got, sizeof(ULONG));
    ntsim_request_free(R);
}
#define AssertWaitEnded(R) WaitResult(R, __LINE__)

/* Each modem-line change completes a pending wait with exactly its event, and
 * IOCTL_SERIAL_GET_MODEMSTATUS shows the lines as they are. RI rising is no event: the
 * 16550 reports its trailing edge. */
static void test_modem_events_complete_the_wait(void **state)
{
    (void)state;
    Boot();
    static const struct {
        unsigned Lines;
        ULONG Event;
    } Steps[] = {
        { HW_CHR_DSR | HW_CHR_DCD, SERIAL_EV_CTS },                         /* CTS falls */
        { LINES_UP, SERIAL_EV_CTS },                                        /* CTS rises */
        { HW_CHR_CTS | HW_CHR_DCD, SERIAL_EV_DSR },                         /* DSR falls */
        { LINES_UP, SERIAL_EV_DSR },                                        /* DSR rises */
        { HW_CHR_CTS | HW_CHR_DSR, SERIAL_EV_RLSD },                        /* DCD falls */
        { LINES_UP, SERIAL_EV_RLSD },                                       /* DCD rises */
        { LINES_UP | HW_CHR_RI, 0 },                                        /* RI rises: nothing */
        { LINES_UP, SERIAL_EV_RING },                                       /* RI falls */
    };
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_CTS | SERIAL_EV_DSR | SERIAL_EV_RLSD | SERIAL_EV_RING),
                     STATUS_SUCCESS);
    ULONG Events;
    ntsim_request *R = WaitAsync(&Events);
    Run(5 * MS);
    assert_false(ntsim_request_done(R, NULL, NULL)); /* nothing changed yet */
    for (size_t i = 0; i < sizeof(Steps) / sizeof(Steps[0]); i++) {
        SetLines(Steps[i].Lines);
        assert_int_equal(GetUlong(IOCTL_SERIAL_GET_MODEMSTATUS) & 0xF0, Steps[i].Lines);
        if (Steps[i].Event == 0) {
            assert_false(ntsim_request_done(R, NULL, NULL));
            continue;
        }
        AssertWaitEnded(R);
        assert_int_equal(Events, Steps[i].Event);
        R = WaitAsync(&Events);
        assert_false(ntsim_request_done(R, NULL, NULL));
    }
    /* a change with no wait pending waits in the history: the next wait takes it at once */
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_CTS), STATUS_SUCCESS); /* ends R with 0 */
    AssertWaitEnded(R);
    assert_int_equal(Events, 0);
    SetLines(HW_CHR_DSR | HW_CHR_DCD);
    R = WaitAsync(&Events);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_CTS);
    /* a line outside the mask completes nothing */
    R = WaitAsync(&Events);
    SetLines(HW_CHR_DCD); /* DSR falls */
    assert_false(ntsim_request_done(R, NULL, NULL));
    SetLines(HW_CHR_CTS | HW_CHR_DCD); /* CTS rises */
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_CTS);
    Finish();
}

/* An interrupt the UART lost (its line masked until the condition clears): the change waits
 * in the MSR's deltas, and IOCTL_SERIAL_GET_MODEMSTATUS, whose read clears them, delivers
 * the event and frees the transmitter the ISR would have freed. */
static void test_modem_status_read_keeps_a_lost_change(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_CTS_HANDSHAKE, SERIAL_RTS_CONTROL, 256, 256),
                     STATUS_SUCCESS);
    SetLines(HW_CHR_DSR | HW_CHR_DCD); /* CTS falls */
    ntsim_request *W = WriteAsync("wait");
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_CTS), STATUS_SUCCESS);
    ULONG Events;
    ntsim_request *R = WaitAsync(&Events);
    hw_fault Lose = { .kinds = HW_FAULT_LOSE_NEXT_IRQ, .count = 1 };
    hw_uart16550_inject(Uart(), &Lose);
    SetLines(LINES_UP); /* CTS rises: no interrupt */
    Run(10 * MS);
    assert_false(ntsim_request_done(R, NULL, NULL));
    assert_int_equal(Far.Count, 0);
    ULONG Msr = GetUlong(IOCTL_SERIAL_GET_MODEMSTATUS);
    assert_int_equal(Msr, SERIAL_CTS_STATE | SERIAL_DSR_STATE | SERIAL_DCD_STATE | 0x01 /* DCTS */);
    Run(5 * MS);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_CTS);
    assert_int_equal(Far.Count, 4);
    assert_memory_equal(Far.Sent, "wait", 4);
    AssertWriteEnded(W, STATUS_SUCCESS, 4);
    Finish();
}

/* Setting the baud rate or the line control again reprograms the UART without resetting
 * its FIFOs: the bytes a write left in the transmit FIFO still go out. */
static void test_line_settings_keep_the_fifo(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 1200), STATUS_SUCCESS);
    Write("0123456789ABCDEF"); /* done once the 16 bytes are in the FIFO: 133 ms on the wire */
    assert_true(Far.Count < 4);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 1200), STATUS_SUCCESS);
    SERIAL_LINE_CONTROL Line = { STOP_BIT_1, NO_PARITY, 8 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_LINE_CONTROL, &Line, sizeof(Line), NULL, 0), STATUS_SUCCESS);
    Run(200 * MS);
    assert_int_equal(Far.Count, 16);
    assert_memory_equal(Far.Sent, "0123456789ABCDEF", 16);
    Finish();
}

/* Writes queued faster than the line: they complete in order, bytes go to the UART only
 * when its FIFO has emptied, so none is lost to a full FIFO, and SERIAL_EV_TXEMPTY waits
 * for the last byte of the last write. */
static void test_back_to_back_writes_lose_nothing(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 9600), STATUS_SUCCESS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_TXEMPTY), STATUS_SUCCESS);
    ULONG Events;
    ntsim_request *R = WaitAsync(&Events);
    ntsim_request *W1 = WriteAsync("0123456789ABCDEF");
    ntsim_request *W2 = WriteAsync("ghijklmnopqrstuv");
    ntsim_request *W3 = WriteAsync("wxyz");
    assert_int_equal(CommStatus().AmountInOutQueue, 36 - 16); /* the first FIFO load is in the UART */
    Run(20 * MS); /* the first write's bytes are out: the transmitter is not empty, the next follow */
    assert_false(ntsim_request_done(R, NULL, NULL));
    Run(40 * MS);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_TXEMPTY);
    AssertWriteEnded(W1, STATUS_SUCCESS, 16);
    AssertWriteEnded(W2, STATUS_SUCCESS, 16);
    AssertWriteEnded(W3, STATUS_SUCCESS, 4);
    assert_int_equal(Far.Count, 36);
    assert_memory_equal(Far.Sent, "0123456789ABCDEFghijklmnopqrstuvwxyz", 36);
    Finish();
}

/* SERIAL_CTS_HANDSHAKE: with CTS low a write's bytes stay in the transmit ring (HoldReasons
 * SERIAL_TX_WAITING_FOR_CTS, AmountInOutQueue counts them); when CTS rises they leave, in
 * order, and SERIAL_EV_TXEMPTY follows. CTS falling in mid-stream stops the bytes after
 * those already in the UART's 16-byte FIFO. */
static void test_cts_handshake_holds_the_transmitter(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_CTS_HANDSHAKE, SERIAL_RTS_CONTROL, 256, 256),
                     STATUS_SUCCESS);
    SERIAL_HANDFLOW Back = { 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_HANDFLOW, NULL, 0, &Back, sizeof(Back)), STATUS_SUCCESS);
    assert_int_equal(Back.ControlHandShake, SERIAL_DTR_CONTROL | SERIAL_CTS_HANDSHAKE);
    assert_int_equal(CommStatus().HoldReasons, 0); /* CTS is up */
    SetLines(HW_CHR_DSR | HW_CHR_DCD);               /* CTS falls */
    ntsim_request *W = WriteAsync("held!");
    Run(20 * MS);
    assert_int_equal(Far.Count, 0);
    assert_false(ntsim_request_done(W, NULL, NULL)); /* a write completes when the UART has its bytes */
    SERIAL_STATUS S = CommStatus();
    assert_int_equal(S.HoldReasons, SERIAL_TX_WAITING_FOR_CTS);
    assert_int_equal(S.AmountInOutQueue, 5);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_TXEMPTY), STATUS_SUCCESS);
    ULONG Events;
    ntsim_request *R = WaitAsync(&Events);
    Run(5 * MS);
    assert_false(ntsim_request_done(R, NULL, NULL)); /* the transmitter is not empty: it waits */
    SetLines(LINES_UP);                               /* CTS rises */
    Run(5 * MS);
    assert_int_equal(Far.Count, 5);
    assert_memory_equal(Far.Sent, "held!", 5);
    AssertWriteEnded(W, STATUS_SUCCESS, 5);
    S = CommStatus();
    assert_int_equal(S.HoldReasons, 0);
    assert_int_equal(S.AmountInOutQueue, 0);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_TXEMPTY);

    /* mid-stream at 9600 baud (1.04 ms a character): 64 bytes, CTS falls after 5 ms */
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 9600), STATUS_SUCCESS);
    Far.Count = 0;
    char Long[65];
    for (int i = 0; i < 64; i++)
        Long[i] = (char)('A' + i % 26);
    Long[64] = 0;
    W = WriteAsync(Long);
    Run(5 * MS);
    SetLines(HW_CHR_DSR | HW_CHR_DCD);
    Run(100 * MS);
    assert_int_equal(Far.Count, 16); /* the first FIFO load left; nothing after it */
    assert_false(ntsim_request_done(W, NULL, NULL));
    S = CommStatus();
    assert_int_equal(S.HoldReasons, SERIAL_TX_WAITING_FOR_CTS);
    assert_int_equal(S.AmountInOutQueue, 48);
    SetLines(LINES_UP);
    Run(80 * MS);
    assert_int_equal(Far.Count, 64);
    assert_memory_equal(Far.Sent, Long, 64);
    AssertWriteEnded(W, STATUS_SUCCESS, 64);
    Finish();
}

/* A held write ends early: its total timeout (SERIAL_TIMEOUTS' write fields) ends it with
 * STATUS_TIMEOUT and the bytes the UART took; a cancel, IOCTL_SERIAL_PURGE's TXABORT and
 * the handle's cleanup end it with STATUS_CANCELLED. Its other bytes never leave. */
static void test_held_writes_time_out_or_are_cancelled(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_CTS_HANDSHAKE, SERIAL_RTS_CONTROL, 256, 256),
                     STATUS_SUCCESS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 9600), STATUS_SUCCESS);
    SERIAL_TIMEOUTS T = { 0, 0, 0, 0, 50 }; /* a write may take 50 ms */
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0), STATUS_SUCCESS);
    char Long[65];
    memset(Long, 'L', 64);
    Long[64] = 0;
    uint64_t Start = ntsim_now_ns(Machine);
    ntsim_request *W = WriteAsync(Long);
    Run(5 * MS);
    SetLines(HW_CHR_DSR | HW_CHR_DCD); /* CTS falls after the first FIFO load */
    Run(40 * MS);
    assert_false(ntsim_request_done(W, NULL, NULL));
    assert_int_equal(ntsim_request_wait(W, 10 * MS), 1);
    assert_true(ntsim_now_ns(Machine) - Start >= 50 * MS);
    AssertWriteEnded(W, STATUS_TIMEOUT, 16);
    assert_int_equal(CommStatus().AmountInOutQueue, 0);
    T.WriteTotalTimeoutConstant = 0;
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0), STATUS_SUCCESS);
    ntsim_request *First = WriteAsync("cancelled");
    ntsim_request *Second = WriteAsync("purged");
    assert_int_equal(CommStatus().AmountInOutQueue, 9 + 6);
    assert_int_equal(ntsim_request_cancel(First), 1); /* its cancel routine ran */
    AssertWriteEnded(First, STATUS_CANCELLED, 0);
    assert_int_equal(CommStatus().AmountInOutQueue, 6);
    assert_false(ntsim_request_done(Second, NULL, NULL));
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, SERIAL_PURGE_TXABORT), STATUS_SUCCESS);
    AssertWriteEnded(Second, STATUS_CANCELLED, 0);
    ntsim_request *Last = WriteAsync("closed");
    assert_int_equal(ntsim_close(Port), STATUS_SUCCESS); /* the cleanup ends the handle's writes */
    AssertWriteEnded(Last, STATUS_CANCELLED, 0);
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &Port), STATUS_SUCCESS);
    SetLines(LINES_UP);
    Run(100 * MS);
    assert_int_equal(Far.Count, 16);
    Finish();
}

/* Surprise removal with a held write and one queued behind it: both fail with
 * STATUS_DELETE_PENDING, the first with the bytes the UART took; the last close removes
 * the device with the audit quiet. */
static void test_surprise_removal_fails_held_writes(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_CTS_HANDSHAKE, SERIAL_RTS_CONTROL, 256, 256),
                     STATUS_SUCCESS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 9600), STATUS_SUCCESS);
    ntsim_request *First = WriteAsync("0123456789abcdefghij"); /* 20 bytes */
    ntsim_request *Second = WriteAsync("queued");
    Run(5 * MS);
    SetLines(HW_CHR_DSR | HW_CHR_DCD);
    Run(40 * MS);
    assert_int_equal(Far.Count, 16);
    assert_int_equal(ntsim_pnp_surprise_remove(Machine, "ACPI\\PNP0501\\1"), 0);
    AssertWriteEnded(First, STATUS_DELETE_PENDING, 16);
    AssertWriteEnded(Second, STATUS_DELETE_PENDING, 0);
    Finish();
}

/* SERIAL_DSR_HANDSHAKE and SERIAL_DCD_HANDSHAKE hold it the same way; every low line is a
 * reason of its own. */
static void test_dsr_and_dcd_handshake_hold_the_transmitter(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_DSR_HANDSHAKE | SERIAL_DCD_HANDSHAKE, SERIAL_RTS_CONTROL,
                                 256, 256),
                     STATUS_SUCCESS);
    SetLines(HW_CHR_CTS | HW_CHR_DCD); /* DSR falls */
    ntsim_request *W = WriteAsync("dsr");
    Run(10 * MS);
    assert_int_equal(Far.Count, 0);
    assert_int_equal(CommStatus().HoldReasons, SERIAL_TX_WAITING_FOR_DSR);
    SetLines(HW_CHR_CTS); /* DCD falls too */
    assert_int_equal(CommStatus().HoldReasons, SERIAL_TX_WAITING_FOR_DSR | SERIAL_TX_WAITING_FOR_DCD);
    SetLines(HW_CHR_CTS | HW_CHR_DSR); /* DSR rises: DCD still holds */
    Run(10 * MS);
    assert_int_equal(Far.Count, 0);
    assert_int_equal(CommStatus().HoldReasons, SERIAL_TX_WAITING_FOR_DCD);
    SetLines(LINES_UP);
    Run(5 * MS);
    assert_int_equal(Far.Count, 3);
    assert_memory_equal(Far.Sent, "dsr", 3);
    AssertWriteEnded(W, STATUS_SUCCESS, 3);
    assert_int_equal(CommStatus().HoldReasons, 0);
    /* the handshake off again: a low line holds nothing */
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL, 256, 256), STATUS_SUCCESS);
    SetLines(0);
    Write("free");
    Run(5 * MS);
    assert_int_equal(Far.Count, 7);
    assert_int_equal(CommStatus().HoldReasons, 0);
    Finish();
}

/* SERIAL_RTS_HANDSHAKE: RTS drops once the receive ring holds more than
 * RING_SIZE (1024) - XoffLimit bytes and rises once reads take it down to XonLimit; while
 * it drives RTS the client may not set or clear it. SERIAL_DTR_HANDSHAKE does the same
 * with DTR. */
static void test_rts_and_dtr_handshake_stop_the_sender(void **state)
{
    (void)state;
    Boot();
    assert_true(Far.Outputs & HW_CHR_RTS);
    assert_int_equal(Ioctl(IOCTL_SERIAL_CLR_RTS, NULL, 0, NULL, 0), STATUS_SUCCESS); /* RTS_CONTROL: the client's */
    assert_false(Far.Outputs & HW_CHR_RTS);
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_HANDSHAKE, 16, 1024 - 32), STATUS_SUCCESS);
    assert_true(Far.Outputs & HW_CHR_RTS); /* the handshake raises it */
    assert_int_equal(Ioctl(IOCTL_SERIAL_CLR_RTS, NULL, 0, NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_RTS, NULL, 0, NULL, 0), STATUS_INVALID_PARAMETER);
    Send("0123456789abcdefghijklmnopqrstuv", 32); /* 32: at the limit, not above it */
    assert_int_equal(CommStatus().AmountInInQueue, 32);
    assert_true(Far.Outputs & HW_CHR_RTS);
    Send("w", 1);
    assert_int_equal(CommStatus().AmountInInQueue, 33);
    assert_false(Far.Outputs & HW_CHR_RTS);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_DTRRTS), SERIAL_DTR_STATE);
    ReadExpect(10, "0123456789"); /* 23 left: above XonLimit */
    assert_false(Far.Outputs & HW_CHR_RTS);
    ReadExpect(7, "abcdefg"); /* 16 left: at XonLimit */
    assert_true(Far.Outputs & HW_CHR_RTS);
    ReadExpect(64, "hijklmnopqrstuvw");

    /* DTR the same way; a purge of the receive ring lets the sender go too */
    assert_int_equal(SetHandFlow(SERIAL_DTR_HANDSHAKE, SERIAL_RTS_CONTROL, 16, 1024 - 32), STATUS_SUCCESS);
    assert_true(Far.Outputs & HW_CHR_DTR);
    assert_int_equal(Ioctl(IOCTL_SERIAL_CLR_DTR, NULL, 0, NULL, 0), STATUS_INVALID_PARAMETER);
    Send("0123456789abcdefghijklmnopqrstuvwxyz", 36);
    assert_false(Far.Outputs & HW_CHR_DTR);
    assert_true(Far.Outputs & HW_CHR_RTS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, SERIAL_PURGE_RXCLEAR), STATUS_SUCCESS);
    assert_true(Far.Outputs & HW_CHR_DTR);
    Finish();
}

/* XON/XOFF with the characters of IOCTL_SERIAL_SET_CHARS. SERIAL_AUTO_TRANSMIT: a received
 * XoffChar holds the transmitter (SERIAL_TX_WAITING_FOR_XON) until XonChar comes; neither
 * reaches the receive ring. SERIAL_AUTO_RECEIVE: XoffChar goes out above the XOFF limit,
 * XonChar at the XON limit; without SERIAL_XOFF_CONTINUE the transmitter waits in between
 * (SERIAL_TX_WAITING_XOFF_SENT). */
static void test_xon_xoff(void **state)
{
    (void)state;
    Boot();
    SERIAL_CHARS Chars;
    memset(&Chars, 0xEE, sizeof(Chars));
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_CHARS, NULL, 0, &Chars, sizeof(Chars)), STATUS_SUCCESS);
    assert_int_equal(Chars.XonChar, 0x11); /* DC1 and DC3 until set */
    assert_int_equal(Chars.XoffChar, 0x13);
    Chars.XonChar = Chars.XoffChar = 'X';
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_CHARS, &Chars, sizeof(Chars), NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_CHARS, &Chars, 3, NULL, 0), STATUS_BUFFER_TOO_SMALL);
    Chars.XonChar = 'N';
    Chars.XoffChar = 'F';
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_CHARS, &Chars, sizeof(Chars), NULL, 0), STATUS_SUCCESS);
    SERIAL_CHARS Back = { 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_CHARS, NULL, 0, &Back, sizeof(Back)), STATUS_SUCCESS);
    assert_memory_equal(&Back, &Chars, sizeof(Chars));

    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_AUTO_TRANSMIT, 16, 1024 - 32),
                     STATUS_SUCCESS);
    Send("F", 1);
    ntsim_request *W = WriteAsync("abc");
    Run(10 * MS);
    assert_int_equal(Far.Count, 0);
    SERIAL_STATUS S = CommStatus();
    assert_int_equal(S.HoldReasons, SERIAL_TX_WAITING_FOR_XON);
    assert_int_equal(S.AmountInInQueue, 0); /* the XOFF was consumed */
    assert_int_equal(S.AmountInOutQueue, 3);
    Send("N", 1);
    assert_int_equal(Far.Count, 3);
    assert_memory_equal(Far.Sent, "abc", 3);
    AssertWriteEnded(W, STATUS_SUCCESS, 3);
    assert_int_equal(CommStatus().HoldReasons, 0);

    /* IOCTL_SERIAL_SET_XOFF and SET_XON act as if the characters had been received */
    Far.Count = 0;
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_XOFF, NULL, 0, NULL, 0), STATUS_SUCCESS);
    W = WriteAsync("xy");
    Run(10 * MS);
    assert_int_equal(Far.Count, 0);
    assert_int_equal(CommStatus().HoldReasons, SERIAL_TX_WAITING_FOR_XON);
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_XON, NULL, 0, NULL, 0), STATUS_SUCCESS);
    Run(5 * MS);
    assert_int_equal(Far.Count, 2);
    AssertWriteEnded(W, STATUS_SUCCESS, 2);

    /* receive side: 33 bytes are above the limit of 1024 - (1024 - 32) */
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_AUTO_RECEIVE, 16, 1024 - 32),
                     STATUS_SUCCESS);
    Far.Count = 0;
    Send("0123456789012345678901234567890", 31);
    assert_int_equal(Far.Count, 0);
    Send("ab", 2);
    assert_int_equal(Far.Count, 1);
    assert_int_equal(Far.Sent[0], 'F');
    assert_int_equal(CommStatus().HoldReasons, SERIAL_TX_WAITING_XOFF_SENT);
    W = WriteAsync("late");
    Run(10 * MS);
    assert_int_equal(Far.Count, 1); /* held until the XON */
    assert_false(ntsim_request_done(W, NULL, NULL));
    ReadExpect(17, "01234567890123456"); /* 16 left: XON, then the write */
    Run(5 * MS);
    assert_int_equal(Far.Count, 6);
    assert_memory_equal(Far.Sent, "FNlate", 6);
    AssertWriteEnded(W, STATUS_SUCCESS, 4);
    assert_int_equal(CommStatus().HoldReasons, 0);
    /* with SERIAL_XOFF_CONTINUE the transmitter goes on after its XOFF */
    ReadExpect(64, "78901234567890ab");
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_AUTO_RECEIVE | SERIAL_XOFF_CONTINUE, 16,
                                 1024 - 32),
                     STATUS_SUCCESS);
    Far.Count = 0;
    Send("0123456789012345678901234567890123", 34);
    Write("go");
    Run(5 * MS);
    assert_int_equal(Far.Count, 3);
    assert_memory_equal(Far.Sent, "Fgo", 3);
    assert_int_equal(CommStatus().HoldReasons, 0);
    Finish();
}

/* SERIAL_NULL_STRIPPING drops received NULs; SERIAL_DSR_SENSITIVITY drops what arrives while
 * DSR is low; the event character of SET_CHARS raises SERIAL_EV_RXFLAG. */
static void test_receive_options(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_NULL_STRIPPING, 256, 256),
                     STATUS_SUCCESS);
    Send("a\0b\0", 4);
    ReadExpect(16, "ab");
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL | SERIAL_DSR_SENSITIVITY, SERIAL_RTS_CONTROL, 256, 256),
                     STATUS_SUCCESS);
    SetLines(HW_CHR_CTS | HW_CHR_DCD);
    Send("lost", 4);
    assert_int_equal(CommStatus().AmountInInQueue, 0);
    SetLines(LINES_UP);
    Send("kept", 4);
    ReadExpect(16, "kept");
    SERIAL_CHARS Chars = { 0, 0, 0, '!', 0x11, 0x13 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_CHARS, &Chars, sizeof(Chars), NULL, 0), STATUS_SUCCESS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_RXFLAG), STATUS_SUCCESS);
    ULONG Events;
    ntsim_request *R = WaitAsync(&Events);
    Send("hi", 2);
    assert_false(ntsim_request_done(R, NULL, NULL));
    Send("!", 1);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_RXFLAG);
    /* SERIAL_EV_RX80FULL: the receive ring (1024 bytes) reaches 80%, 819 bytes */
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, SERIAL_PURGE_RXCLEAR), STATUS_SUCCESS);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_RX80FULL), STATUS_SUCCESS);
    static char Bulk[818];
    memset(Bulk, 'b', sizeof(Bulk));
    R = WaitAsync(&Events);
    Send(Bulk, sizeof(Bulk));
    assert_int_equal(CommStatus().AmountInInQueue, 818);
    assert_false(ntsim_request_done(R, NULL, NULL));
    Send("c", 1);
    AssertWaitEnded(R);
    assert_int_equal(Events, SERIAL_EV_RX80FULL);
    Finish();
}

/* What the sample does not perform is refused, and the settings stay as they were. */
static void test_unperformed_options_are_refused(void **state)
{
    (void)state;
    Boot();
    static const SERIAL_HANDFLOW Refused[] = {
        { SERIAL_DTR_CONTROL | SERIAL_ERROR_ABORT, SERIAL_RTS_CONTROL, 256, 256 },
        { SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_ERROR_CHAR, 256, 256 },
        { SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL | SERIAL_BREAK_CHAR, 256, 256 },
        { SERIAL_DTR_CONTROL, SERIAL_TRANSMIT_TOGGLE, 256, 256 },
    };
    SERIAL_HANDFLOW Before = { 0 }, After = { 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_HANDFLOW, NULL, 0, &Before, sizeof(Before)), STATUS_SUCCESS);
    for (size_t i = 0; i < sizeof(Refused) / sizeof(Refused[0]); i++)
        assert_int_equal(Ioctl(IOCTL_SERIAL_SET_HANDFLOW, &Refused[i], sizeof(Refused[i]), NULL, 0),
                         STATUS_NOT_IMPLEMENTED);
    assert_int_equal(SetHandFlow(SERIAL_DTR_CONTROL, SERIAL_RTS_CONTROL, 0, 1025), STATUS_INVALID_PARAMETER);
    assert_int_equal(SetHandFlow(SERIAL_DTR_MASK, SERIAL_RTS_CONTROL, 0, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_HANDFLOW, NULL, 0, &After, sizeof(After)), STATUS_SUCCESS);
    assert_memory_equal(&After, &Before, sizeof(Before));
    Finish();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modem_events_complete_the_wait),
        cmocka_unit_test(test_modem_status_read_keeps_a_lost_change),
        cmocka_unit_test(test_back_to_back_writes_lose_nothing),
        cmocka_unit_test(test_line_settings_keep_the_fifo),
        cmocka_unit_test(test_cts_handshake_holds_the_transmitter),
        cmocka_unit_test(test_held_writes_time_out_or_are_cancelled),
        cmocka_unit_test(test_surprise_removal_fails_held_writes),
        cmocka_unit_test(test_dsr_and_dcd_handshake_hold_the_transmitter),
        cmocka_unit_test(test_rts_and_dtr_handshake_stop_the_sender),
        cmocka_unit_test(test_xon_xoff),
        cmocka_unit_test(test_receive_options),
        cmocka_unit_test(test_unperformed_options_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
