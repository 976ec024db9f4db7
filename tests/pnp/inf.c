/* inf.c - installing from an INF (sim/host/inf.c): the binding, [Version]'s ClassGuid in
 * the Enum key, and each AddReg form (string, expand string, DWORD, multi-string, binary,
 * key only, NOCLOBBER, HKLM) under the device key (DDInstall.HW) and the driver key
 * (DDInstall); the driver then sees its device parameters (Echo turns echoing on). */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include "ntsim_test.h"

#define ENUM_KEY "\\Registry\\Machine\\System\\CurrentControlSet\\Enum\\ACPI\\PNP0501\\1"

static ntsim_machine *Machine;

static char *Export(const char *Key)
{
    char *Text = ntsim_reg_export_text(Machine, Key);
    if (Text == NULL)
        fail_msg("no key %s", Key);
    return Text;
}

static void Expect(const char *Text, const char *Needle)
{
    if (strstr(Text, Needle) == NULL)
        fail_msg("expected \"%s\" in:\n%s", Needle, Text);
}

static void test_inf_addreg_and_class(void **state)
{
    (void)state;
    Machine = TestMachine();
    char Inf[1024];
    snprintf(Inf, sizeof(Inf), "%s/tests/pnp/addreg.inf", NTSIM_SOURCE_DIR);
    assert_int_equal(ntsim_pnp_install_inf(Machine, Inf, TestDriverPath("wdmserial.sys")), 0);
    /* the filter the INF names: its image, as another INF would have installed it */
    assert_int_equal(ntsim_pnp_bind(Machine, "ntsim-unused-id", TestDriverPath("wdmfilter.sys"), "wdmfilter",
                                    NTSIM_PNP_UPPER_FILTER),
                     0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0501\\1"), "started");
    char *Tree = ntsim_pnp_tree_text(Machine);
    Expect(Tree, "\\Driver\\wdmfilter"); /* the UpperFilters from the INF's .HW AddReg */
    free(Tree);

    char *Enum = Export(ENUM_KEY);
    Expect(Enum, "\"ClassGUID\"=\"{4d36e978-e325-11ce-bfc1-08002be10318}\"");
    Expect(Enum, "\"Service\"=\"wdmserial\"");
    Expect(Enum, "\"UpperFilters\"=hex(7):77,00,64,00");  /* on the instance key, where filters are read */
    Expect(Enum, "Device Parameters]");
    Expect(Enum, "\"Echo\"=dword:00000001");          /* NOCLOBBER kept it */
    Expect(Enum, "\"Path\"=hex(2):25,00,53,00");        /* REG_EXPAND_SZ "%SystemRoot%\\x" ("%%" is '%') */
    free(Enum);

    char *Class = Export("\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Class\\{4d36e978-e325-11ce-bfc1-08002be10318}");
    Expect(Class, "\"Description\"=\"AddReg test port\"");
    Expect(Class, "\\Settings]");
    Expect(Class, "\"FifoDepth\"=dword:00000010");
    Expect(Class, "\"Names\"=hex(7):6f,00,6e,00,65,00,00,00,74,00,77,00,6f,00,00,00,00,00");
    Expect(Class, "\"Blob\"=hex:de,ad,be,ef");
    Expect(Class, "\\Empty]");
    free(Class);

    char *Service = Export("\\Registry\\Machine\\System\\CurrentControlSet\\Services\\wdmserial\\Parameters");
    Expect(Service, "\"FromInf\"=dword:00000007");
    free(Service);

    /* the driver read Echo=1 from its device key: what COM1 receives goes back out */
    ntsim_uart *Uart = ntsim_machine_uart(Machine, 0);
    assert_int_equal(ntsim_uart_inject(Uart, "hi", 2), 0);
    assert_int_equal(ntsim_run_for(Machine, 5000000), 0);
    assert_int_equal(ntsim_uart_tx_count(Uart), 2);
    assert_int_equal(TestErrorCount(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = { cmocka_unit_test(test_inf_addreg_and_class) };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
