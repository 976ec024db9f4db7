/* parallel.c - driver/parallel on the simulated PC: a write reaches the printer back
 * end byte for byte and in order, each byte one strobe/busy/ack handshake after the
 * previous; paper out, off line and a printer that never gets ready fail the write with
 * their statuses; a lost acknowledge interrupt is recovered by polling; a file back end
 * receives the bytes; the resources are claimed and released. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include <unistd.h>

#include <hwmodel/parport.h>

#include "ntsim_test.h"
#include "../../driver/parallel/parallel_ioctl.h"

#define MS 1000000ull

static ntsim_machine *Machine;
static ntsim_driver *Driver;

static void Boot(const char *const *Devices)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("parallel.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_SUCCESS);
}

static void Shutdown(void)
{
    if (Driver)
        assert_int_equal(ntsim_driver_unload(Driver), 0);
    Driver = NULL;
    if (TestErrorCount(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
    Machine = NULL;
}

static PARALLEL_STATS Stats(ntsim_file *F)
{
    PARALLEL_STATS S;
    size_t Returned;
    assert_int_equal(ntsim_ioctl(F, IOCTL_PARALLEL_STATS, NULL, 0, &S, sizeof(S), &Returned), STATUS_SUCCESS);
    return S;
}

static void test_claims_and_describes(void **state)
{
    (void)state;
    Boot(NULL);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    assert_true(ntsim_object_exists(Machine, "\\Device\\ParallelPort0"));
    char *Map = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE");
    assert_non_null(Map);
    assert_non_null(strstr(Map, "LOADED PARALLEL DRIVER RESOURCES\\parallel]"));
    assert_non_null(strstr(Map, "ParallelController\\0]"));
    assert_non_null(strstr(Map, "\"Identifier\"=\"PARALLEL1\""));
    free(Map);
    Shutdown();
}

static void test_bytes_arrive_in_order_with_handshake_timing(void **state)
{
    (void)state;
    Boot(NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, PARALLEL_USER_PATH, &F), STATUS_SUCCESS);
    char Text[600];
    for (size_t i = 0; i < sizeof(Text); i++)
        Text[i] = (char)(' ' + (i * 7) % 90);
    size_t Written = 0;
    ntsim_printer_clear(Machine, 0);
    assert_int_equal(ntsim_write(F, Text, sizeof(Text), &Written), STATUS_SUCCESS);
    assert_int_equal(Written, sizeof(Text));
    assert_int_equal(ntsim_printer_count(Machine, 0), sizeof(Text));
    assert_memory_equal(ntsim_printer_data(Machine, 0), Text, sizeof(Text));
    /* one byte per handshake: never closer than busy + ack (10 us), and interrupt driven
     * (well under the 10 ms acknowledge timeout) */
    for (size_t i = 1; i < sizeof(Text); i++) {
        uint64_t Gap = ntsim_printer_time(Machine, 0, i) - ntsim_printer_time(Machine, 0, i - 1);
        assert_true(Gap >= HW_PP_BUSY_NS + HW_PP_ACK_NS && Gap < 100000);
    }
    PARALLEL_STATS S = Stats(F);
    assert_int_equal(S.BytesPrinted, sizeof(Text));
    assert_int_equal(S.AckInterrupts, sizeof(Text));
    assert_int_equal(S.LostAcks, 0);
    ntsim_close(F);
    Shutdown();
}

static void test_paper_out_and_off_line(void **state)
{
    (void)state;
    Boot(NULL);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, PARALLEL_USER_PATH, &F), STATUS_SUCCESS);
    size_t Written = 99;
    assert_int_equal(ntsim_printer_set_state(Machine, 0, 1, 0), 0);
    assert_int_equal(ntsim_write(F, "abc", 3, &Written), STATUS_DEVICE_PAPER_EMPTY);
    assert_int_equal(Written, 0);
    assert_int_equal(ntsim_printer_set_state(Machine, 0, 0, 1), 0);
    assert_int_equal(ntsim_write(F, "abc", 3, &Written), STATUS_DEVICE_OFF_LINE);
    assert_int_equal(ntsim_printer_set_state(Machine, 0, 0, 0), 0);
    assert_int_equal(ntsim_write(F, "abc", 3, &Written), STATUS_SUCCESS);
    assert_int_equal(Written, 3);
    assert_int_equal(ntsim_printer_count(Machine, 0), 3);
    assert_int_equal(ntsim_printer_set_state(Machine, 7, 0, 0), NTSIM_E_ARGS);
    ntsim_close(F);
    Shutdown();
}

static void test_never_ready_times_out_and_lost_ack_recovers(void **state)
{
    (void)state;
    Boot(NULL);
    hw_parport *Lpt = ntsim_machine_parport(Machine, 0);
    assert_non_null(Lpt);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, PARALLEL_USER_PATH, &F), STATUS_SUCCESS);
    hw_fault Lose = { .kinds = HW_FAULT_LOSE_NEXT_IRQ, .count = 2 };
    hw_parport_inject(Lpt, &Lose);
    size_t Written;
    uint64_t Start = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_write(F, "xyz", 3, &Written), STATUS_SUCCESS);
    assert_int_equal(Written, 3);
    assert_memory_equal(ntsim_printer_data(Machine, 0), "xyz", 3);
    PARALLEL_STATS S = Stats(F);
    assert_int_equal(S.LostAcks, 2);
    assert_int_equal(S.AckInterrupts, 1);
    assert_true(ntsim_now_ns(Machine) - Start >= 20 * MS);   /* two acknowledge timeouts */
    hw_fault Hang = { .kinds = HW_FAULT_NEVER_READY };
    hw_parport_inject(Lpt, &Hang);
    Start = ntsim_now_ns(Machine);
    assert_int_equal(ntsim_write(F, "q", 1, &Written), STATUS_IO_TIMEOUT);
    assert_int_equal(Written, 0);
    uint64_t Took = ntsim_now_ns(Machine) - Start;
    assert_true(Took >= 200 * MS && Took < 210 * MS);         /* the busy timeout */
    hw_parport_clear_faults(Lpt);
    assert_int_equal(ntsim_write(F, "ok", 2, &Written), STATUS_SUCCESS);
    assert_int_equal(ntsim_printer_count(Machine, 0), 5);
    ntsim_close(F);
    Shutdown();
}

static void test_file_backend_and_other_base(void **state)
{
    (void)state;
    char Path[] = "/tmp/ntsim_lptXXXXXX", Spec[128];
    close(mkstemp(Path));
    snprintf(Spec, sizeof(Spec), "isa-parallel,io=0x278,irq=5,chardev=file:%s", Path);
    const char *Devices[] = { Spec, NULL };
    Boot(Devices);
    ntsim_file *F;
    assert_int_equal(ntsim_open(Machine, PARALLEL_USER_PATH, &F), STATUS_SUCCESS);
    size_t Written;
    assert_int_equal(ntsim_write(F, "to a file\n", 10, &Written), STATUS_SUCCESS);
    ntsim_close(F);
    Shutdown();
    FILE *In = fopen(Path, "rb");
    char Got[32] = { 0 };
    assert_int_equal(fread(Got, 1, sizeof(Got), In), 10);
    fclose(In);
    unlink(Path);
    assert_string_equal(Got, "to a file\n");
}

static void test_missing_port_fails_cleanly(void **state)
{
    (void)state;
    static const char *const NoLpt[] = { "uart16550,io=0x3f8,irq=4", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = NoLpt };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    Machine = ntsim_machine_create(&Config);
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("parallel.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, STATUS_NO_SUCH_DEVICE);
    Driver = NULL;
    assert_true(ntsim_error_log_count(Machine) >= 1);
    Shutdown();
    /* and a wrong device option is refused with a precise message */
    static const char *const Bad[] = { "isa-parallel,chardev=pty", NULL };
    Config.devices = Bad;
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "a printer takes"));
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_claims_and_describes),
        cmocka_unit_test(test_bytes_arrive_in_order_with_handshake_timing),
        cmocka_unit_test(test_paper_out_and_off_line),
        cmocka_unit_test(test_never_ready_times_out_and_lost_ack_recovers),
        cmocka_unit_test(test_file_backend_and_other_base),
        cmocka_unit_test(test_missing_port_fails_cleanly),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
