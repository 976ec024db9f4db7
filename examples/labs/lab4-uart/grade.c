/* grade.c - lab 4 grader: polled transmit at the line rate, interrupt-driven receive
 * through StartIo and the DPC, a quiet ISR for spurious interrupts, claims before port
 * access, and a clean Unload and failure paths. */
#include "grade.h"
#include "lab4.h"

#define NS_PER_MS 1000000ull
#define CHARACTER_NS (10ull * 1000000000ull / LAB4_BAUD) /* start + 8 data + stop bits */

static ntsim_file *Lab4Open(void)
{
    LabLoad();
    LabExpectNoErrors("in DriverEntry");
    ntsim_file *File;
    int32_t Status = ntsim_open(LabMachine, LAB4_USER_PATH, &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening %s gave %s", LAB4_USER_PATH, ntsim_status_name(Status));
    return File;
}

static void Lab4Done(ntsim_file *File)
{
    ntsim_close(File);
    LabExpectNoErrors("while serving requests");
    LabUnloadClean();
}

static void polled_write_sends_the_bytes_at_115200_baud(void **state)
{
    (void)state;
    ntsim_file *File = Lab4Open();
    ntsim_uart *Uart = ntsim_machine_uart(LabMachine, 0);
    size_t Written = 0;
    int32_t Status = ntsim_write(File, "Hello", 5, &Written);
    if (Status != LAB_STATUS_SUCCESS || Written != 5)
        fail_msg("writing \"Hello\" gave %s, Information %zu", ntsim_status_name(Status), Written);
    ntsim_run_for(LabMachine, NS_PER_MS);
    size_t Sent = ntsim_uart_tx_count(Uart);
    if (Sent != 5 || memcmp(ntsim_uart_tx_data(Uart), "Hello", 5) != 0)
        fail_msg("the UART sent %zu bytes \"%.*s\" (expected \"Hello\")", Sent, (int)Sent,
                 (const char *)ntsim_uart_tx_data(Uart));
    uint64_t Span = ntsim_uart_tx_time(Uart, 4) - ntsim_uart_tx_time(Uart, 0);
    if (Span < 4 * CHARACTER_NS * 9 / 10 || Span > 4 * CHARACTER_NS * 11 / 10)
        fail_msg("bytes 0 to 4 left %llu ns apart; at 115200 8N1 that is 4 character times, about %llu ns",
                 (unsigned long long)Span, (unsigned long long)(4 * CHARACTER_NS));
    Lab4Done(File);
}

static void interrupt_driven_read_gets_bytes_arriving_later(void **state)
{
    (void)state;
    ntsim_file *File = Lab4Open();
    char In[8] = { 0 };
    ntsim_request *Read;
    int32_t Status = ntsim_read_async(File, In, 4, &Read);
    if (Status != LAB_STATUS_PENDING)
        fail_msg("a read with no data yet gave %s: it must be pended (IoMarkIrpPending, STATUS_PENDING)",
                 ntsim_status_name(Status));
    ntsim_uart_inject(ntsim_machine_uart(LabMachine, 0), "ping", 4);
    if (ntsim_request_wait(Read, 10 * NS_PER_MS) != 1)
        fail_msg("4 bytes arrived but the read did not complete within 10 ms: does the ISR request the DPC, "
                 "and does the DPC complete the current IRP?");
    size_t Got = 0;
    ntsim_request_done(Read, &Status, &Got);
    ntsim_request_free(Read);
    if (Status != LAB_STATUS_SUCCESS || Got != 4 || memcmp(In, "ping", 4) != 0)
        fail_msg("the read completed with %s, %zu bytes \"%.*s\" (expected \"ping\")", ntsim_status_name(Status), Got,
                 (int)Got, In);
    Lab4Done(File);
}

static void bytes_arriving_before_a_read_are_kept(void **state)
{
    (void)state;
    ntsim_file *File = Lab4Open();
    ntsim_uart_inject(ntsim_machine_uart(LabMachine, 0), "ab", 2);
    ntsim_run_for(LabMachine, NS_PER_MS);
    char In[4] = { 0 };
    size_t Got = 0;
    int32_t Status = ntsim_read(File, In, 2, &Got);
    if (Status != LAB_STATUS_SUCCESS || Got != 2 || memcmp(In, "ab", 2) != 0)
        fail_msg("reading 2 bytes that had already arrived gave %s, %zu bytes \"%.*s\" (expected \"ab\")",
                 ntsim_status_name(Status), Got, (int)Got, In);
    Lab4Done(File);
}

static void the_ISR_ignores_a_spurious_interrupt(void **state)
{
    (void)state;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .spurious_irq = 1 };
    LabMachine = ntsim_machine_create(&Config);
    int32_t Status = -1;
    if (ntsim_driver_load(LabMachine, LabImage, NULL, &LabDriver, &Status) != 0 || Status != LAB_STATUS_SUCCESS)
        fail_msg("the driver did not load (%s)", ntsim_last_error());
    LabExpectNoErrors("with a spurious interrupt right after IoConnectInterrupt");
    LabUnloadClean();
}

static void every_DriverEntry_failure_path_is_clean(void **state)
{
    (void)state;
    LabSweepClean();
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(polled_write_sends_the_bytes_at_115200_baud),
    cmocka_unit_test(interrupt_driven_read_gets_bytes_arriving_later),
    cmocka_unit_test(bytes_arriving_before_a_read_are_kept),
    cmocka_unit_test(the_ISR_ignores_a_spurious_interrupt),
    cmocka_unit_test(every_DriverEntry_failure_path_is_clean),
};

LAB_MAIN("lab4-uart", Checks)
