/* trace.c - the machine trace: serial.sys echoing bytes in loopback (IRPs pended and
 * completed from a DPC after interrupts) traced as Chrome trace-event JSON, checked
 * against the format's documented fields (every event has ph/ts/pid/tid; "B"/"E"
 * slices nest per thread; each IRP flow starts with "s" and ends with "f"; "C" counters
 * carry numeric args), and as text; tracing off writes nothing. */
#include <jansson.h>
#include <unistd.h>

#include "ntsim_test.h"
#include "chrome_check.h"

#define NS_PER_MS 1000000ull
#define IOCTL_SERIAL_SET_BAUD_RATE 0x001B0004u

static const char LoopbackReg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                                  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\serial\\Parameters]\r\n"
                                  "\"Loopback\"=dword:00000001\r\n";

static char TracePath[256];

static ntsim_machine *BootSerial(void)
{
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_reg_import_text(Machine, "t.reg", LoopbackReg, strlen(LoopbackReg)), 0);
    return Machine;
}

/* Load serial.sys, echo a few bytes through the loopback, unload. */
static void EchoThroughSerial(ntsim_machine *Machine)
{
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("serial.sys"), NULL, &Driver, &Status), 0);
    ntsim_file *File;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &File), 0);
    uint32_t Baud = 115200;
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, IOCTL_SERIAL_SET_BAUD_RATE, &Baud, sizeof(Baud), NULL, 0, &Returned), 0);
    char In[8] = { 0 };
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(File, In, 5, &Read), 0x103 /* STATUS_PENDING */);
    size_t Written;
    assert_int_equal(ntsim_write(File, "hello", 5, &Written), 0);
    assert_int_equal(ntsim_request_wait(Read, 50 * NS_PER_MS), 1);
    ntsim_request_free(Read);
    assert_memory_equal(In, "hello", 5);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
}


static void test_chrome_trace_of_serial_echo(void **state)
{
    (void)state;
    ntsim_machine *Machine = BootSerial();
    assert_int_equal(ntsim_trace_start(Machine, TracePath, NTSIM_TRACE_CHROME), 0);
    EchoThroughSerial(Machine);
    assert_int_equal(ntsim_trace_stop(Machine), 0);
    uint64_t Events = ntsim_trace_event_count(Machine);
    ntsim_machine_destroy(Machine);

    json_t *Root = LoadTrace(TracePath);
    TRACE_STATS S = CheckChromeTrace(Root);
    assert_true(Events > 20);
    assert_true(S.Dispatches >= 4);       /* create, ioctl, read, write, close */
    assert_true(S.Isrs >= 1);             /* the UART interrupted */
    assert_true(S.Dpcs >= 1);             /* and the ISR queued a DPC */
    assert_true(S.FlowStarts >= 4);
    assert_int_equal(S.FlowStarts, S.FlowEnds); /* every IRP the trace saw issued was completed */
    assert_true(S.IrqlSeen[0] && S.IrqlSeen[2]);
    assert_true(S.ThreadNames >= 1);
    /* device-stack tracks: each IRP's time in \Device\Serial0 is a slice on its track */
    assert_true(S.DeviceSlices >= S.Dispatches);
    assert_true(S.DeviceTrackNames >= 2); /* the read stays while the write passes: two lanes */
    assert_true(S.Interrupts >= 1);
    assert_int_equal(S.PortAccesses, 0); /* off by default */
    json_decref(Root);
}

/* --trace-filter: port accesses on request, categories left out are not written,
 * a word that is no category is refused with the list of those that are. */
static void test_filter_ports_and_categories(void **state)
{
    (void)state;
    ntsim_machine *Machine = BootSerial();
    assert_int_equal(ntsim_trace_filter(Machine, "irp,bogus"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "unknown category 'bogus'"));
    assert_int_equal(ntsim_trace_filter(Machine, ""), NTSIM_E_ARGS);
    assert_int_equal(ntsim_trace_filter(Machine, "irp,port"), 0);
    assert_int_equal(ntsim_trace_start(Machine, TracePath, NTSIM_TRACE_CHROME), 0);
    EchoThroughSerial(Machine);
    ntsim_machine_destroy(Machine);

    json_t *Root = LoadTrace(TracePath);
    TRACE_STATS S = CheckChromeTrace(Root);
    assert_true(S.PortAccesses >= 10);  /* the driver programs the UART */
    assert_true(S.Dispatches >= 4);
    assert_int_equal(S.Isrs, 0);        /* isr, dpc, irql left out */
    assert_int_equal(S.Dpcs, 0);
    assert_int_equal(S.IrqlCounters, 0);
    json_decref(Root);
}

static void test_text_ports(void **state)
{
    (void)state;
    ntsim_machine *Machine = BootSerial();
    assert_int_equal(ntsim_trace_filter(Machine, "default,port"), 0);
    assert_int_equal(ntsim_trace_start(Machine, TracePath, NTSIM_TRACE_TEXT), 0);
    EchoThroughSerial(Machine);
    ntsim_machine_destroy(Machine);
    FILE *File = fopen(TracePath, "r");
    assert_non_null(File);
    static char Text[1 << 20];
    size_t Length = fread(Text, 1, sizeof(Text) - 1, File);
    fclose(File);
    Text[Length] = 0;
    assert_non_null(strstr(Text, "WRITE_PORT_UCHAR 0x3f8 <- 0x68 (serial)")); /* 'h' of hello */
    assert_non_null(strstr(Text, "READ_PORT_UCHAR 0x3fd -> 0x"));            /* LSR */
    assert_non_null(strstr(Text, "interrupt line 4 delivered at IRQL"));
}

static void test_text_trace_reads_as_a_story(void **state)
{
    (void)state;
    ntsim_machine *Machine = BootSerial();
    assert_int_equal(ntsim_trace_start(Machine, TracePath, ntsim_trace_format_for(TracePath)), 0);
    EchoThroughSerial(Machine);
    ntsim_machine_destroy(Machine); /* finishes the file too */

    FILE *File = fopen(TracePath, "r");
    assert_non_null(File);
    char Text[1 << 16];
    size_t Length = fread(Text, 1, sizeof(Text) - 1, File);
    fclose(File);
    Text[Length] = 0;
    assert_non_null(strstr(Text, "IRP#1 IRP_MJ_CREATE (minor 0x00) -> \\Device\\Serial0 (serial)"));
    assert_non_null(strstr(Text, "IRP_MJ_WRITE"));
    assert_non_null(strstr(Text, "dispatch routine of serial returned STATUS_PENDING"));
    assert_non_null(strstr(Text, "ISR of serial for interrupt line 4"));
    assert_non_null(strstr(Text, "IRQL DISPATCH_LEVEL"));
    assert_non_null(strstr(Text, "completed by serial: STATUS_SUCCESS, Information 5"));
}

static void test_off_by_default_and_bad_arguments(void **state)
{
    (void)state;
    ntsim_machine *Machine = BootSerial();
    EchoThroughSerial(Machine);
    assert_int_equal(ntsim_trace_event_count(Machine), 0);
    assert_int_equal(ntsim_trace_start(Machine, TracePath, 7), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "format 7"));
    assert_int_equal(ntsim_trace_start(Machine, "/nonexistent-dir/t.json", NTSIM_TRACE_CHROME), NTSIM_E_IO);
    assert_non_null(strstr(ntsim_last_error(), "/nonexistent-dir/t.json"));
    assert_int_equal(ntsim_trace_format_for("x.json"), NTSIM_TRACE_CHROME);
    assert_int_equal(ntsim_trace_format_for("-"), NTSIM_TRACE_TEXT);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    snprintf(TracePath, sizeof(TracePath), "%s/ntsim-trace-%d.json", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_chrome_trace_of_serial_echo),
        cmocka_unit_test(test_off_by_default_and_bad_arguments),
        cmocka_unit_test(test_filter_ports_and_categories),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    remove(TracePath);
    snprintf(TracePath, sizeof(TracePath), "%s/ntsim-trace-%d.log", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
             (int)getpid());
    const struct CMUnitTest TextTests[] = { cmocka_unit_test(test_text_trace_reads_as_a_story),
                                            cmocka_unit_test(test_text_ports) };
    Failed += cmocka_run_group_tests(TextTests, NULL, NULL);
    remove(TracePath);
    return Failed;
}
