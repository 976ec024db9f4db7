/* addfail.c - a driver whose AddDevice fails is unloaded when it has no other device,
 * and its Unload audit names what the failed AddDevice left behind (IO-04); the same
 * driver freeing its block before failing is quiet. (ReactOS serial leaks its device
 * interface name this way: docs/compatibility.md.) */
#include "ntsim_test.h"

static ntsim_machine *AddThroughFailure(int FreeOnFailure)
{
    ntsim_machine *Machine = TestMachine();
    if (FreeOnFailure) {
        static const char Reg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                                  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\addfaildrv]\r\n"
                                  "\"Free\"=dword:00000001\r\n";
        assert_int_equal(ntsim_reg_import_text(Machine, "free.reg", Reg, sizeof Reg - 1), 0);
    }
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath("addfaildrv.sys"), "addfaildrv",
                                    NTSIM_PNP_FUNCTION), 0);
    ntsim_pnp_start(Machine);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0501\\1"), "failed");
    /* unloaded at once: it has no device left */
    assert_false(ntsim_object_exists(Machine, "\\Driver\\addfaildrv"));
    return Machine;
}

static void test_leak_of_failed_add_device_is_reported(void **state)
{
    (void)state;
    ntsim_machine *Machine = AddThroughFailure(0);
    if (ntsim_count_rule(Machine, "IO-04") != 1)
        TestDumpFindings(Machine);
    assert_int_equal(ntsim_count_rule(Machine, "IO-04"), 1);
    const ntsim_finding *F = TestFindRule(Machine, "IO-04");
    assert_non_null(strstr(F->message, "tag 'AdFl'") /* 'lFdA' as the pool shows it */);
    assert_non_null(strstr(F->site, "addfaildrv.c"));
    ntsim_machine_destroy(Machine);
}

static void test_clean_failed_add_device_is_quiet(void **state)
{
    (void)state;
    ntsim_machine *Machine = AddThroughFailure(1);
    if (ntsim_finding_count(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_leak_of_failed_add_device_is_reported),
        cmocka_unit_test(test_clean_failed_add_device_is_quiet),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
