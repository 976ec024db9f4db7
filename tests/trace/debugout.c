/* debugout.c - DbgPrint/DbgPrintEx output, DebugView-like: each line carries the virtual
 * time and the driver's name; filters by DbgPrintEx level and component; off unless
 * asked for. The driver is a DriverEntry in this program (ntsim_driver_load_entry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wdm.h>
#include <ntsim/ntsim.h>

static NTSTATUS Talk(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("plain %d\n", 42);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "error level %ws", L"wide");
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_TRACE_LEVEL, "trace level\n");
    DbgPrintEx(12, DPFLTR_ERROR_LEVEL, "other component\n");
    return STATUS_UNSUCCESSFUL; /* nothing to keep loaded */
}

/* Load Talk with output to a memory stream; returns the text (free it). */
static char *Capture(int MaxLevel, int Component, int Enable)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    char *Text = NULL;
    size_t Size = 0;
    FILE *Out = open_memstream(&Text, &Size);
    assert_non_null(Out);
    if (Enable)
        assert_int_equal(ntsim_debug_output(Machine, Out, MaxLevel, Component), 0);
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load_entry(Machine, "talk", (ntsim_driver_entry)Talk, &Driver, &Status), 0);
    ntsim_machine_destroy(Machine);
    fclose(Out);
    return Text;
}

static void lines_carry_time_and_driver(void **state)
{
    (void)state;
    char *Text = Capture(-1, -1, 1);
    assert_non_null(strstr(Text, "[     0.000000 s] talk: plain 42\n"));
    assert_non_null(strstr(Text, "talk: error level wide\n")); /* a line end is added when missing */
    assert_non_null(strstr(Text, "talk: trace level\n"));
    assert_non_null(strstr(Text, "talk: other component\n"));
    free(Text);
}

static void level_and_component_filter(void **state)
{
    (void)state;
    char *Text = Capture(DPFLTR_WARNING_LEVEL, -1, 1);
    assert_null(strstr(Text, "plain 42"));       /* DbgPrint is INFO (3) */
    assert_non_null(strstr(Text, "error level")); /* 0 <= 1 */
    assert_null(strstr(Text, "trace level"));     /* 2 > 1 */
    free(Text);
    Text = Capture(-1, DPFLTR_IHVDRIVER_ID, 1);
    assert_non_null(strstr(Text, "error level"));
    assert_null(strstr(Text, "other component"));
    free(Text);
}

static void off_unless_asked(void **state)
{
    (void)state;
    unsetenv("NTSIM_DBGPRINT");
    char *Text = Capture(-1, -1, 0);
    assert_true(Text == NULL || Text[0] == '\0');
    free(Text);
    assert_int_equal(ntsim_debug_output(NULL, stdout, -1, -1), NTSIM_E_ARGS);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(lines_carry_time_and_driver),
        cmocka_unit_test(level_and_component_filter),
        cmocka_unit_test(off_unless_asked),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
