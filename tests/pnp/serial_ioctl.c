/* serial_ioctl.c - driver/wdmserial's serial IOCTLs and read timeouts on the default
 * PC's COM1, observed at the 16550 model: the baud rate and line control set the
 * character time, DTR/RTS reach the modem lines (seen through the UART's loopback),
 * the read timeouts complete reads with STATUS_TIMEOUT and what has arrived, a purge
 * clears the receive ring or aborts a read, the statistics count bytes and framing
 * errors, and bad parameters are refused. */
#include "com1.h"

static void Boot(void)
{
    Com1Start();
    Com1Open();
}

static void SetTimeouts(ULONG Interval, ULONG Multiplier, ULONG Constant)
{
    SERIAL_TIMEOUTS T = { Interval, Multiplier, Constant, 0, 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0), STATUS_SUCCESS);
}

static void test_baud_rate_and_line_control_set_the_character_time(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(hw_uart16550_char_time(Uart()), 86805); /* 8N1 at 115200: 10 bits */
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 1200), STATUS_SUCCESS);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_BAUD_RATE), 1200);
    SERIAL_LINE_CONTROL Line = { STOP_BITS_2, EVEN_PARITY, 7 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_LINE_CONTROL, &Line, sizeof(Line), NULL, 0), STATUS_SUCCESS);
    /* 1 start + 7 data + parity + 2 stop = 11 bits at 1200 baud (divisor 96) */
    assert_int_equal(hw_uart16550_char_time(Uart()), 9166666);
    assert_int_equal(hw_uart16550_read(Uart(), 3 /* LCR */), 0x1E); /* 7 bits, 2 stop, even parity */
    SERIAL_LINE_CONTROL Got = { 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_LINE_CONTROL, NULL, 0, &Got, sizeof(Got)), STATUS_SUCCESS);
    assert_memory_equal(&Got, &Line, sizeof(Line));
    /* a byte written now takes one character time to leave */
    ntsim_uart *U = ntsim_machine_uart(Machine, 0);
    ntsim_uart_tx_clear(U);
    uint64_t Start = ntsim_now_ns(Machine);
    size_t Put = 0;
    assert_int_equal(ntsim_write(Port, "A", 1, &Put), STATUS_SUCCESS);
    assert_int_equal(ntsim_run_for(Machine, 20 * MS), 0);
    assert_int_equal(ntsim_uart_tx_count(U), 1);
    uint64_t Left = ntsim_uart_tx_time(U, 0) - Start;
    assert_true(Left >= 9166666 && Left < 9166666 + 100000);
    Finish();
}

static void test_bad_parameters_are_refused(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 1000000), STATUS_INVALID_PARAMETER);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_BAUD_RATE, 100000), STATUS_INVALID_PARAMETER); /* 115200/1 is 15% off */
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_BAUD_RATE), 115200);                           /* unchanged */
    SERIAL_LINE_CONTROL Nine = { STOP_BIT_1, NO_PARITY, 9 }, HalfOf8 = { STOP_BITS_1_5, NO_PARITY, 8 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_LINE_CONTROL, &Nine, sizeof(Nine), NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_LINE_CONTROL, &HalfOf8, sizeof(HalfOf8), NULL, 0),
                     STATUS_INVALID_PARAMETER);
    ULONG Small = 0;
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_LINE_CONTROL, &Small, 1, NULL, 0), STATUS_BUFFER_TOO_SMALL);
    SERIAL_TIMEOUTS Invalid = { MAXULONG, MAXULONG, MAXULONG, 0, 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_TIMEOUTS, &Invalid, sizeof(Invalid), NULL, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, 0), STATUS_INVALID_PARAMETER);
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, 0x80000000), STATUS_INVALID_PARAMETER);
    SERIAL_HANDFLOW Toggle = { SERIAL_DTR_CONTROL, SERIAL_TRANSMIT_TOGGLE, 256, 256 }; /* tests/pnp/serial_flow.c */
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_HANDFLOW, &Toggle, sizeof(Toggle), NULL, 0), STATUS_NOT_IMPLEMENTED);
    /* no wait mask yet: nothing to wait for */
    assert_int_equal(Ioctl(IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, &Small, sizeof(Small)), STATUS_INVALID_PARAMETER);
    Finish();
}

static void test_modem_lines_follow_dtr_and_rts(void **state)
{
    (void)state;
    Boot();
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_DTRRTS), SERIAL_DTR_STATE | SERIAL_RTS_STATE);
    /* the buffer back end holds CTS, DSR and DCD up */
    ULONG Msr = GetUlong(IOCTL_SERIAL_GET_MODEMSTATUS);
    assert_int_equal(Msr & (SERIAL_CTS_STATE | SERIAL_DSR_STATE | SERIAL_DCD_STATE),
                     SERIAL_CTS_STATE | SERIAL_DSR_STATE | SERIAL_DCD_STATE);
    /* loopback (MCR bit 4): DSR follows DTR, CTS follows RTS */
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_MODEM_CONTROL, 0x10 | 0x01), STATUS_SUCCESS);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_MODEM_CONTROL), 0x10 | 0x08 | 0x01); /* OUT2 kept: the IRQ gate */
    Msr = GetUlong(IOCTL_SERIAL_GET_MODEMSTATUS);
    assert_true(Msr & SERIAL_DSR_STATE);
    assert_false(Msr & SERIAL_CTS_STATE);
    assert_int_equal(Ioctl(IOCTL_SERIAL_CLR_DTR, NULL, 0, NULL, 0), STATUS_SUCCESS);
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_RTS, NULL, 0, NULL, 0), STATUS_SUCCESS);
    Msr = GetUlong(IOCTL_SERIAL_GET_MODEMSTATUS);
    assert_false(Msr & SERIAL_DSR_STATE);
    assert_true(Msr & SERIAL_CTS_STATE);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_DTRRTS), SERIAL_RTS_STATE);
    /* the handflow's DTR/RTS control modes drive the lines too */
    SERIAL_HANDFLOW H = { SERIAL_DTR_CONTROL, 0, 256, 256 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_SET_HANDFLOW, &H, sizeof(H), NULL, 0), STATUS_SUCCESS);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_DTRRTS), SERIAL_DTR_STATE);
    SERIAL_HANDFLOW Back = { 0 };
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_HANDFLOW, NULL, 0, &Back, sizeof(Back)), STATUS_SUCCESS);
    assert_memory_equal(&Back, &H, sizeof(H));
    Finish();
}

/* Start a read of Length bytes; returns the request (pending or done). */
static ntsim_request *ReadAsync(void *Buffer, size_t Length)
{
    ntsim_request *R = NULL;
    int32_t Status = ntsim_read_async(Port, Buffer, Length, &R);
    assert_true(Status == STATUS_PENDING || NT_SUCCESS(Status) || Status == STATUS_TIMEOUT);
    assert_non_null(R);
    return R;
}

static void test_read_timeouts(void **state)
{
    (void)state;
    Boot();
    char Buffer[16];
    int32_t Status;
    size_t Got;
    /* total timeout: 200 ms, nothing arrives -> STATUS_TIMEOUT with 0 bytes, at 200 ms */
    SetTimeouts(0, 0, 200);
    uint64_t Start = ntsim_now_ns(Machine);
    ntsim_request *R = ReadAsync(Buffer, sizeof(Buffer));
    assert_int_equal(ntsim_run_for(Machine, 199 * MS), 0);
    assert_false(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(ntsim_request_wait(R, 10 * MS), 1);
    assert_true(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(Status, STATUS_TIMEOUT);
    assert_int_equal(Got, 0);
    assert_true(ntsim_now_ns(Machine) - Start >= 200 * MS);
    ntsim_request_free(R);
    /* a full buffer completes before the timeout */
    R = ReadAsync(Buffer, 3);
    assert_int_equal(ntsim_uart_inject(ntsim_machine_uart(Machine, 0), "xyz", 3), 0);
    assert_int_equal(ntsim_request_wait(R, 5 * MS), 1);
    assert_true(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Got, 3);
    assert_memory_equal(Buffer, "xyz", 3);
    ntsim_request_free(R);
    /* interval timeout: two bytes, then silence for 50 ms -> STATUS_TIMEOUT with the two */
    SetTimeouts(50, 0, 0);
    R = ReadAsync(Buffer, sizeof(Buffer));
    assert_int_equal(ntsim_uart_inject(ntsim_machine_uart(Machine, 0), "ab", 2), 0);
    assert_int_equal(ntsim_run_for(Machine, 40 * MS), 0);
    assert_false(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(ntsim_request_wait(R, 20 * MS), 1);
    assert_true(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(Status, STATUS_TIMEOUT);
    assert_int_equal(Got, 2);
    assert_memory_equal(Buffer, "ab", 2);
    ntsim_request_free(R);
    /* MAXULONG interval with no totals: return at once with what is there (nothing) */
    SetTimeouts(MAXULONG, 0, 0);
    Got = 99;
    assert_int_equal(ntsim_read(Port, Buffer, sizeof(Buffer), &Got), STATUS_SUCCESS);
    assert_int_equal(Got, 0);
    Finish();
}

static void test_purge_and_statistics(void **state)
{
    (void)state;
    Boot();
    ntsim_uart *U = ntsim_machine_uart(Machine, 0);
    char Buffer[16];
    size_t Got;
    int32_t Status;
    assert_int_equal(ntsim_uart_inject(U, "junk", 4), 0);
    hw_uart16550_receive_ex(Uart(), 'E', 0x08 /* framing error */);
    assert_int_equal(ntsim_run_for(Machine, 5 * MS), 0);
    SERIALPERF_STATS Perf;
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_STATS, NULL, 0, &Perf, sizeof(Perf)), STATUS_SUCCESS);
    assert_int_equal(Perf.ReceivedCount, 5);
    assert_int_equal(Perf.FrameErrorCount, 1);
    assert_int_equal(Perf.ParityErrorCount, 0);
    SERIAL_STATUS Comm;
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_COMMSTATUS, NULL, 0, &Comm, sizeof(Comm)), STATUS_SUCCESS);
    assert_int_equal(Comm.AmountInInQueue, 5);
    assert_int_equal(Comm.Errors, SERIAL_ERROR_FRAMING);
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_COMMSTATUS, NULL, 0, &Comm, sizeof(Comm)), STATUS_SUCCESS);
    assert_int_equal(Comm.Errors, 0); /* reported once */
    /* RXCLEAR empties the receive ring: an immediate read finds nothing */
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, SERIAL_PURGE_RXCLEAR), STATUS_SUCCESS);
    SetTimeouts(MAXULONG, 0, 0);
    assert_int_equal(ntsim_read(Port, Buffer, sizeof(Buffer), &Got), STATUS_SUCCESS);
    assert_int_equal(Got, 0);
    /* RXABORT cancels a pending read */
    SetTimeouts(0, 0, 0);
    ntsim_request *R = ReadAsync(Buffer, sizeof(Buffer));
    assert_false(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(SetUlong(IOCTL_SERIAL_PURGE, SERIAL_PURGE_RXABORT), STATUS_SUCCESS);
    assert_true(ntsim_request_done(R, &Status, &Got));
    assert_int_equal(Status, STATUS_CANCELLED);
    ntsim_request_free(R);
    /* transmitted bytes are counted; CLEAR_STATS zeroes the counters */
    size_t Put;
    assert_int_equal(ntsim_write(Port, "hi", 2, &Put), STATUS_SUCCESS);
    assert_int_equal(ntsim_run_for(Machine, 1 * MS), 0);
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_STATS, NULL, 0, &Perf, sizeof(Perf)), STATUS_SUCCESS);
    assert_int_equal(Perf.TransmittedCount, 2);
    assert_int_equal(Ioctl(IOCTL_SERIAL_CLEAR_STATS, NULL, 0, NULL, 0), STATUS_SUCCESS);
    assert_int_equal(Ioctl(IOCTL_SERIAL_GET_STATS, NULL, 0, &Perf, sizeof(Perf)), STATUS_SUCCESS);
    assert_int_equal(Perf.ReceivedCount + Perf.TransmittedCount + Perf.FrameErrorCount, 0);
    Finish();
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

static int32_t FinishedAt(ntsim_request *R, int Line)
{
    int32_t Status = 0;
    size_t Got = 0;
    if (!ntsim_request_done(R, &Status, &Got))
        fail_msg("the wait of line %d has not completed", Line);
    assert_int_equal(Got, NT_SUCCESS(Status) ? sizeof(ULONG) : 0);
    ntsim_request_free(R);
    return Status;
}
#define Finished(R) FinishedAt(R, __LINE__)

/* IOCTL_SERIAL_WAIT_ON_MASK: a received byte, the transmitter going empty and a framing
 * error each complete a pending wait with their event; an event with no wait pending
 * waits in the history; a new mask ends a pending wait with 0; one wait at a time; a
 * pending wait is cancelled by the close. */
static void test_wait_on_mask(void **state)
{
    (void)state;
    Boot();
    ntsim_uart *U = ntsim_machine_uart(Machine, 0);
    ULONG Events, Small = 0;
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_RXCHAR | SERIAL_EV_TXEMPTY | SERIAL_EV_ERR),
                     STATUS_SUCCESS);
    assert_int_equal(GetUlong(IOCTL_SERIAL_GET_WAIT_MASK), SERIAL_EV_RXCHAR | SERIAL_EV_TXEMPTY | SERIAL_EV_ERR);
    assert_int_equal(Ioctl(IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, &Small, 2), STATUS_BUFFER_TOO_SMALL);
    /* a byte arrives */
    ntsim_request *R = WaitAsync(&Events);
    assert_int_equal(ntsim_run_for(Machine, 5 * MS), 0);
    assert_false(ntsim_request_done(R, NULL, NULL)); /* nothing happened yet */
    ntsim_request *Second = NULL;
    assert_int_equal(ntsim_ioctl_async(Port, IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, &Small, sizeof(Small), &Second),
                     STATUS_INVALID_PARAMETER); /* one wait at a time */
    ntsim_request_free(Second);
    assert_int_equal(ntsim_uart_inject(U, "a", 1), 0);
    assert_int_equal(ntsim_request_wait(R, 5 * MS), 1);
    assert_int_equal(Finished(R), STATUS_SUCCESS);
    assert_int_equal(Events, SERIAL_EV_RXCHAR);
    /* the transmitter takes the last byte of a write */
    size_t Put;
    R = WaitAsync(&Events);
    assert_int_equal(ntsim_write(Port, "xy", 2, &Put), STATUS_SUCCESS);
    assert_int_equal(ntsim_request_wait(R, 5 * MS), 1);
    assert_int_equal(Finished(R), STATUS_SUCCESS);
    assert_int_equal(Events, SERIAL_EV_TXEMPTY);
    /* a framing error with no wait pending: the next wait finds it at once */
    hw_uart16550_receive_ex(Uart(), 'E', 0x08 /* framing error */);
    assert_int_equal(ntsim_run_for(Machine, 5 * MS), 0);
    R = WaitAsync(&Events);
    assert_int_equal(Finished(R), STATUS_SUCCESS);
    assert_int_equal(Events, SERIAL_EV_RXCHAR | SERIAL_EV_ERR);
    /* a new mask ends a pending wait with no events */
    R = WaitAsync(&Events);
    assert_false(ntsim_request_done(R, NULL, NULL));
    assert_int_equal(SetUlong(IOCTL_SERIAL_SET_WAIT_MASK, SERIAL_EV_BREAK), STATUS_SUCCESS);
    assert_int_equal(Finished(R), STATUS_SUCCESS);
    assert_int_equal(Events, 0);
    /* events outside the mask do not complete a wait; the close cancels it */
    R = WaitAsync(&Events);
    assert_int_equal(ntsim_uart_inject(U, "b", 1), 0);
    assert_int_equal(ntsim_run_for(Machine, 5 * MS), 0);
    assert_false(ntsim_request_done(R, NULL, NULL));
    char Buffer[4];
    SetTimeouts(0, 0, 10000); /* a read waits up to 10 s for its 4 bytes ("a", "E", "b" are in) */
    ntsim_request *Read = ReadAsync(Buffer, sizeof(Buffer));
    assert_false(ntsim_request_done(Read, NULL, NULL));
    assert_int_equal(ntsim_close(Port), STATUS_SUCCESS); /* the cleanup ends the handle's requests */
    assert_int_equal(Finished(R), STATUS_CANCELLED);
    int32_t Status;
    assert_true(ntsim_request_done(Read, &Status, NULL));
    assert_int_equal(Status, STATUS_CANCELLED);
    ntsim_request_free(Read);
    assert_int_equal(ntsim_open(Machine, "\\Device\\WdmSerial0", &Port), STATUS_SUCCESS);
    Finish();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_baud_rate_and_line_control_set_the_character_time),
        cmocka_unit_test(test_bad_parameters_are_refused),
        cmocka_unit_test(test_modem_lines_follow_dtr_and_rts),
        cmocka_unit_test(test_read_timeouts),
        cmocka_unit_test(test_purge_and_statistics),
        cmocka_unit_test(test_wait_on_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
