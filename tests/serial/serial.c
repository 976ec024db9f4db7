/* serial.c - driver/serial (serial.sys) on the simulated PC: bytes leave the 16550 at
 * its line rate, received bytes reach reads, the serial timeouts land at their exact
 * virtual times, the IOCTLs program the chip, the resources are claimed and
 * released, a second claimant is refused, and the spurious-interrupt option does
 * not upset it. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>
#include <ntddser.h>

#include "ntsim_test.h"

#define COM1 0x3F8
#define NS_PER_MS 1000000ull

static ntsim_machine *Machine;
static ntsim_driver *Driver;
static ntsim_uart *Uart;

static ntsim_machine *Boot(int Spurious, const char *RegText)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .spurious_irq = Spurious };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    if (RegText)
        assert_int_equal(ntsim_reg_import_text(Machine, "test.reg", RegText, strlen(RegText)), 0);
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("serial.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_SUCCESS);
    Uart = ntsim_machine_uart(Machine, 0);
    assert_non_null(Uart);
    return Machine;
}

static const char LoopbackReg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                                  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\serial\\Parameters]\r\n"
                                  "\"Loopback\"=dword:00000001\r\n";

static void Shutdown(void)
{
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static void SetBaud(ntsim_file *F, ULONG Baud)
{
    SERIAL_BAUD_RATE B = { Baud };
    size_t Returned;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_BAUD_RATE, &B, sizeof(B), NULL, 0, &Returned), STATUS_SUCCESS);
}

static void SetTimeouts(ntsim_file *F, ULONG Interval, ULONG Multiplier, ULONG Constant)
{
    SERIAL_TIMEOUTS T = { Interval, Multiplier, Constant, 0, 0 };
    size_t Returned;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0, &Returned), STATUS_SUCCESS);
}

/* ---- tests ---- */

static void test_loads_claims_and_unloads_clean(void **state)
{
    (void)state;
    Boot(0, NULL);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    assert_true(ntsim_object_exists(Machine, "\\Device\\Serial0"));
    assert_true(ntsim_object_exists(Machine, "\\GLOBAL??\\COM1") || ntsim_object_exists(Machine, "\\??\\COM1") ||
                ntsim_object_exists(Machine, "\\DosDevices\\COM1"));
    char *Map = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE");
    assert_non_null(Map);
    assert_non_null(strstr(Map, "RESOURCEMAP\\LOADED SERIAL DRIVER RESOURCES\\serial]"));
    assert_non_null(strstr(Map, "\"\\\\Driver\\\\serial.Raw\"=hex(8):"));
    assert_non_null(strstr(Map, "\"\\\\Device\\\\Serial0\"=\"COM1\""));
    free(Map);
    Shutdown();
}

static void WriteAndCheckTiming(ULONG Baud, uint64_t CharTime)
{
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, Baud);
    ntsim_uart_tx_clear(Uart);
    static const char Text[] = "Hello, 16550 world! 0123456789abcdef";
    size_t Length = sizeof(Text) - 1, Written = 0;
    uint64_t Start = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_write(F, Text, Length, &Written), STATUS_SUCCESS);
    assert_int_equal(Written, Length);
    /* let the last characters leave the shift register */
    assert_int_equal(ntsim_run_for(Machine, 3 * CharTime), 0);
    assert_int_equal(ntsim_uart_tx_count(Uart), Length);
    assert_memory_equal(ntsim_uart_tx_data(Uart), Text, Length);
    /* back to back at the line rate: one character time apart (each floored to ns) */
    for (size_t i = 1; i < Length; i++)
        assert_int_equal(ntsim_uart_tx_time(Uart, i) - ntsim_uart_tx_time(Uart, i - 1), CharTime);
    /* the first one leaves one character time after the write began, plus a few port accesses */
    uint64_t First = ntsim_uart_tx_time(Uart, 0) - Start;
    assert_true(First >= CharTime && First < CharTime + 50000);
    ntsim_close(F);
    Shutdown();
}

static void test_write_at_115200(void **state)
{
    (void)state;
    WriteAndCheckTiming(115200, 86805);
}

static void test_write_at_9600(void **state)
{
    (void)state;
    WriteAndCheckTiming(9600, 1041666);
}

static void test_loopback_echo(void **state)
{
    (void)state;
    Boot(0, LoopbackReg);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 115200);
    char Out[300], In[300];
    for (size_t i = 0; i < sizeof(Out); i++)
        Out[i] = (char)(i * 7 + 1);
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, In, sizeof(In), &Read), STATUS_PENDING);
    size_t Written;
    assert_int_equal(ntsim_write(F, Out, sizeof(Out), &Written), STATUS_SUCCESS);
    assert_int_equal(ntsim_request_wait(Read, 100 * NS_PER_MS), 1);
    int32_t Status;
    size_t Got;
    assert_true(ntsim_request_done(Read, &Status, &Got));
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Got, sizeof(In));
    assert_memory_equal(In, Out, sizeof(Out));
    ntsim_request_free(Read);
    assert_int_equal(ntsim_uart_tx_count(Uart), 0); /* nothing left on the wire in loopback */
    ntsim_close(F);
    Shutdown();
}

static void test_receive_into_read(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 115200);
    /* bytes arriving before the read wait in the driver's buffer */
    assert_int_equal(ntsim_uart_inject(Uart, "abc", 3), 0);
    assert_int_equal(ntsim_run_for(Machine, 2 * NS_PER_MS), 0);
    ntsim_request *Read;
    char Buffer[8] = { 0 };
    int32_t St = ntsim_read_async(F, Buffer, 6, &Read);
    assert_true(St == STATUS_PENDING);
    assert_int_equal(ntsim_uart_inject(Uart, "def", 3), 0);
    assert_int_equal(ntsim_request_wait(Read, 10 * NS_PER_MS), 1);
    int32_t Status;
    size_t Got;
    ntsim_request_done(Read, &Status, &Got);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Got, 6);
    assert_string_equal(Buffer, "abcdef");
    ntsim_request_free(Read);
    ntsim_close(F);
    Shutdown();
}

static void test_read_total_timeout(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetTimeouts(F, 0, 10, 50); /* 10 ms per byte + 50 ms */
    char Buffer[4];
    ntsim_request *Read;
    uint64_t Start = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_read_async(F, Buffer, sizeof(Buffer), &Read), STATUS_PENDING);
    assert_int_equal(ntsim_uart_inject(Uart, "x", 1), 0);
    assert_int_equal(ntsim_request_wait(Read, 1000 * NS_PER_MS), 1);
    int32_t Status;
    size_t Got;
    ntsim_request_done(Read, &Status, &Got);
    assert_int_equal(Status, STATUS_TIMEOUT);
    assert_int_equal(Got, 1);
    assert_int_equal(Buffer[0], 'x');
    uint64_t Elapsed = ntsim_now_ns(Machine) - Start;
    assert_true(Elapsed >= 90 * NS_PER_MS && Elapsed < 91 * NS_PER_MS);
    ntsim_request_free(Read);
    /* MAXULONG/0/0: return at once with what is there */
    SetTimeouts(F, MAXULONG, 0, 0);
    size_t Immediate = 99;
    assert_int_equal(ntsim_read(F, Buffer, sizeof(Buffer), &Immediate), STATUS_SUCCESS);
    assert_int_equal(Immediate, 0);
    ntsim_close(F);
    Shutdown();
}

static void test_read_interval_timeout(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 115200);
    SetTimeouts(F, 20, 0, 0); /* 20 ms between characters, no total */
    char Buffer[64];
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, Buffer, sizeof(Buffer), &Read), STATUS_PENDING);
    assert_int_equal(ntsim_run_for(Machine, 100 * NS_PER_MS), 0);
    assert_false(ntsim_request_done(Read, NULL, NULL)); /* the interval starts with the first character */
    assert_int_equal(ntsim_uart_inject(Uart, "hello", 5), 0);
    assert_int_equal(ntsim_request_wait(Read, 1000 * NS_PER_MS), 1);
    int32_t Status;
    size_t Got;
    ntsim_request_done(Read, &Status, &Got);
    assert_int_equal(Status, STATUS_TIMEOUT);
    assert_int_equal(Got, 5);
    assert_memory_equal(Buffer, "hello", 5);
    ntsim_request_free(Read);
    ntsim_close(F);
    Shutdown();
}

static void test_line_control_and_baud_ioctls(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    size_t Returned;
    SERIAL_BAUD_RATE B = { 0 };
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_BAUD_RATE, NULL, 0, &B, sizeof(B), &Returned), STATUS_SUCCESS);
    assert_int_equal(B.BaudRate, 9600);
    SetBaud(F, 19200);
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_BAUD_RATE, NULL, 0, &B, sizeof(B), &Returned), STATUS_SUCCESS);
    assert_int_equal(B.BaudRate, 19200);
    B.BaudRate = 500000; /* above the 16550's 115200 at 1.8432 MHz */
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_BAUD_RATE, &B, sizeof(B), NULL, 0, &Returned),
                     STATUS_INVALID_PARAMETER);
    SERIAL_LINE_CONTROL L = { STOP_BITS_2, EVEN_PARITY, 7 };
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_LINE_CONTROL, &L, sizeof(L), NULL, 0, &Returned),
                     STATUS_SUCCESS);
    /* the chip: LCR = 7 bits (10) | 2 stop (04) | even parity (18) = 0x1E; divisor 6 for 19200 */
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + 3)), 0x1E);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + 3), 0x9E);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + 0)), 6);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + 1)), 0);
    WRITE_PORT_UCHAR((PUCHAR)(COM1 + 3), 0x1E);
    SERIAL_LINE_CONTROL Got = { 0 };
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_LINE_CONTROL, NULL, 0, &Got, sizeof(Got), &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Got.WordLength, 7);
    assert_int_equal(Got.Parity, EVEN_PARITY);
    assert_int_equal(Got.StopBits, STOP_BITS_2);
    L.WordLength = 9;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_LINE_CONTROL, &L, sizeof(L), NULL, 0, &Returned),
                     STATUS_INVALID_PARAMETER);
    /* handflow basics: DTR and RTS follow the control bits */
    SERIAL_HANDFLOW H = { 0, 0, 0, 0 };
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_HANDFLOW, &H, sizeof(H), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + 4)) & 0x03, 0);
    H.ControlHandShake = SERIAL_DTR_CONTROL;
    H.FlowReplace = SERIAL_RTS_CONTROL;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_HANDFLOW, &H, sizeof(H), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_int_equal(READ_PORT_UCHAR((PUCHAR)(COM1 + 4)) & 0x03, 0x03);
    SERIAL_HANDFLOW H2;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_HANDFLOW, NULL, 0, &H2, sizeof(H2), &Returned), STATUS_SUCCESS);
    assert_int_equal(H2.ControlHandShake, SERIAL_DTR_CONTROL);
    SERIAL_TIMEOUTS T = { 1, 2, 3, 4, 5 }, T2;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_TIMEOUTS, NULL, 0, &T2, sizeof(T2), &Returned), STATUS_SUCCESS);
    assert_memory_equal(&T, &T2, sizeof(T));
    ntsim_close(F);
    Shutdown();
}

static void test_wait_on_mask_and_purge(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 115200);
    size_t Returned;
    ULONG Mask = SERIAL_EV_RXCHAR | SERIAL_EV_RXFLAG;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_WAIT_MASK, &Mask, sizeof(Mask), NULL, 0, &Returned),
                     STATUS_SUCCESS);
    ULONG Got = 0;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_WAIT_MASK, NULL, 0, &Got, sizeof(Got), &Returned),
                     STATUS_SUCCESS);
    assert_int_equal(Got, Mask);
    ULONG Events = 0;
    ntsim_request *Wait;
    assert_int_equal(ntsim_ioctl_async(F, IOCTL_SERIAL_WAIT_ON_MASK, NULL, 0, &Events, sizeof(Events), &Wait),
                     STATUS_PENDING);
    assert_int_equal(ntsim_run_for(Machine, 5 * NS_PER_MS), 0);
    assert_false(ntsim_request_done(Wait, NULL, NULL));
    assert_int_equal(ntsim_uart_inject(Uart, "Z", 1), 0);
    assert_int_equal(ntsim_request_wait(Wait, 10 * NS_PER_MS), 1);
    int32_t Status;
    ntsim_request_done(Wait, &Status, NULL);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(Events & SERIAL_EV_RXCHAR, SERIAL_EV_RXCHAR);
    ntsim_request_free(Wait);
    /* the byte waits in the driver; the comm status says so; purge drops it */
    SERIAL_STATUS S;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_COMMSTATUS, NULL, 0, &S, sizeof(S), &Returned), STATUS_SUCCESS);
    assert_int_equal(S.AmountInInQueue, 1);
    ULONG Purge = SERIAL_PURGE_RXCLEAR;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_PURGE, &Purge, sizeof(Purge), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_GET_COMMSTATUS, NULL, 0, &S, sizeof(S), &Returned), STATUS_SUCCESS);
    assert_int_equal(S.AmountInInQueue, 0);
    /* a pending read is aborted by PURGE_RXABORT */
    char Buffer[4];
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, Buffer, sizeof(Buffer), &Read), STATUS_PENDING);
    Purge = SERIAL_PURGE_RXABORT;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_PURGE, &Purge, sizeof(Purge), NULL, 0, &Returned), STATUS_SUCCESS);
    assert_true(ntsim_request_done(Read, &Status, NULL));
    assert_int_equal(Status, STATUS_CANCELLED);
    ntsim_request_free(Read);
    ntsim_close(F);
    Shutdown();
}

static void test_second_claimant_refused(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_driver *Second = NULL;
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("serial.sys"), "serial2", &Second, &Status), 0);
    assert_null(Second);
    assert_int_equal(Status, STATUS_INSUFFICIENT_RESOURCES);
    assert_int_equal(ntsim_error_log_count(Machine), 1);
    assert_string_equal(ntsim_error_log_at(Machine, 0)->driver, "serial2");
    assert_int_equal(ntsim_error_log_at(Machine, 0)->error_code, (uint32_t)IO_ERR_PORT_CONFLICT_DETECTED);
    assert_int_equal(TestErrorCount(Machine), 0); /* a clean failure: nothing leaked */
    /* the first one still works */
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    size_t Written;
    assert_int_equal(ntsim_write(F, "ok", 2, &Written), STATUS_SUCCESS);
    ntsim_close(F);
    Shutdown();
}

static void test_spurious_interrupt_option(void **state)
{
    (void)state;
    Boot(1, LoopbackReg);
    assert_int_equal(ntsim_count_rule(Machine, "HW-04"), 0);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 115200);
    char In[16] = { 0 };
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(F, In, 5, &Read), STATUS_PENDING);
    size_t Written;
    assert_int_equal(ntsim_write(F, "still", 5, &Written), STATUS_SUCCESS);
    assert_int_equal(ntsim_request_wait(Read, 10 * NS_PER_MS), 1);
    assert_string_equal(In, "still");
    ntsim_request_free(Read);
    ntsim_close(F);
    Shutdown();
}

static void test_write_timeout(void **state)
{
    (void)state;
    Boot(0, NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &F), STATUS_SUCCESS);
    SetBaud(F, 9600); /* about 1.04 ms a character */
    SERIAL_TIMEOUTS T = { 0, 0, 0, 0, 10 }; /* the whole write within 10 ms */
    size_t Returned;
    assert_int_equal(ntsim_ioctl(F, IOCTL_SERIAL_SET_TIMEOUTS, &T, sizeof(T), NULL, 0, &Returned), STATUS_SUCCESS);
    char Out[100];
    memset(Out, 'w', sizeof(Out));
    size_t Written = 0;
    assert_int_equal(ntsim_write(F, Out, sizeof(Out), &Written), STATUS_TIMEOUT);
    assert_true(Written > 0 && Written < sizeof(Out));
    ntsim_close(F);
    Shutdown();
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_loads_claims_and_unloads_clean),
        cmocka_unit_test(test_write_at_115200),
        cmocka_unit_test(test_write_at_9600),
        cmocka_unit_test(test_loopback_echo),
        cmocka_unit_test(test_receive_into_read),
        cmocka_unit_test(test_read_total_timeout),
        cmocka_unit_test(test_read_interval_timeout),
        cmocka_unit_test(test_line_control_and_baud_ioctls),
        cmocka_unit_test(test_wait_on_mask_and_purge),
        cmocka_unit_test(test_second_claimant_refused),
        cmocka_unit_test(test_spurious_interrupt_option),
        cmocka_unit_test(test_write_timeout),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
