/* rules.c - the PnP rules of RULES.md: each deliberately wrong WDM driver of
 * tests/bad/pnp_rules.c, bound to COM1 and taken through start, a sleep/resume
 * cycle and removal, is reported under exactly its rule (with the driver's line where
 * the rule has one); the same driver without the defect is quiet. */
#include "ntsim_test.h"

typedef struct RULE_CASE {
    const char *Image;
    const char *Rule;         /* the only rule expected */
    ntsim_severity Severity;
    const char *SiteFile;     /* the finding names this file, or NULL */
    const char *Words;        /* the message mentions this */
} RULE_CASE;

static const RULE_CASE Cases[] = {
    { "bad_pn01_wdm.sys", "PN-01", NTSIM_SEV_ERROR, NULL, "DriverUnload" }, /* site: DriverEntry, from debug info */
    { "bad_pn02_wdm.sys", "DE-06", NTSIM_SEV_WARNING, NULL, "AddDevice" },
    { "bad_pn03_wdm.sys", "HW-01", NTSIM_SEV_ERROR, "pnp_rules.c", "0x2FD" },
    { "bad_pn04_wdm.sys", "PN-04", NTSIM_SEV_ERROR, NULL, "unknown minor function" },
    { "bad_pn05_wdm.sys", "PN-05", NTSIM_SEV_ERROR, "pnp_rules.c", "before the lower drivers completed" },
    { "bad_pn06_wdm.sys", "PN-06", NTSIM_SEV_ERROR, "pnp_rules.c", "was not deleted" },
    { "bad_pn07_wdm.sys", "PN-07", NTSIM_SEV_ERROR, NULL, "PoCallDriver" },
    { "bad_pn08_wdm.sys", "PN-08", NTSIM_SEV_ERROR, "pnp_rules.c", "still enabled after IRP_MN_REMOVE_DEVICE" },
    { "bad_pn06r_wdm.sys", "PN-06", NTSIM_SEV_ERROR, "pnp_rules.c", "after IRP_MN_REMOVE_DEVICE had been passed down" },
};

static ntsim_machine *RunThrough(const char *Image)
{
    ntsim_machine *Machine = TestMachine();
    assert_int_equal(ntsim_pnp_bind(Machine, "*PNP0501", TestDriverPath(Image), NULL, NTSIM_PNP_FUNCTION), 0);
    assert_int_equal(ntsim_pnp_start(Machine), 0);
    assert_string_equal(ntsim_pnp_state(Machine, "ACPI\\PNP0501\\1"), "started");
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 4), 0);
    assert_int_equal(ntsim_pnp_set_system_power(Machine, 1), 0);
    assert_int_equal(ntsim_pnp_remove_all(Machine), 0);
    return Machine;
}

static void CheckCase(const RULE_CASE *C)
{
    ntsim_machine *Machine = RunThrough(C->Image);
    if (ntsim_count_rule(Machine, C->Rule) == 0 || ntsim_finding_count(Machine) != ntsim_count_rule(Machine, C->Rule))
        TestDumpFindings(Machine);
    assert_true(ntsim_count_rule(Machine, C->Rule) >= 1);
    assert_int_equal(ntsim_finding_count(Machine), ntsim_count_rule(Machine, C->Rule)); /* exactly this rule */
    const ntsim_finding *F = TestFindRule(Machine, C->Rule);
    assert_int_equal(F->severity, C->Severity);
    assert_non_null(strstr(F->message, C->Words));
    if (C->SiteFile)
        assert_non_null(strstr(F->site, C->SiteFile));
    ntsim_machine_destroy(Machine);
}

static void test_pn01_no_unload(void **state) { (void)state; CheckCase(&Cases[0]); }
static void test_pn02_device_in_driver_entry(void **state) { (void)state; CheckCase(&Cases[1]); }
static void test_pn03_port_not_assigned(void **state) { (void)state; CheckCase(&Cases[2]); }
static void test_pn04_unknown_irp_completed(void **state) { (void)state; CheckCase(&Cases[3]); }
static void test_pn05_hardware_before_lower_start(void **state) { (void)state; CheckCase(&Cases[4]); }
static void test_pn06_device_not_deleted(void **state) { (void)state; CheckCase(&Cases[5]); }
static void test_pn07_power_with_iocalldriver(void **state) { (void)state; CheckCase(&Cases[6]); }
static void test_pn08_interface_left_enabled(void **state) { (void)state; CheckCase(&Cases[7]); }
static void test_pn06_request_after_remove(void **state) { (void)state; CheckCase(&Cases[8]); }

static void test_good_wdm_is_quiet(void **state)
{
    (void)state;
    ntsim_machine *Machine = RunThrough("good_wdm.sys");
    if (ntsim_finding_count(Machine))
        TestDumpFindings(Machine);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    assert_false(ntsim_object_exists(Machine, "\\Driver\\good_wdm")); /* unloaded with its last device */
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_pn01_no_unload),
        cmocka_unit_test(test_pn02_device_in_driver_entry),
        cmocka_unit_test(test_pn03_port_not_assigned),
        cmocka_unit_test(test_pn04_unknown_irp_completed),
        cmocka_unit_test(test_pn05_hardware_before_lower_start),
        cmocka_unit_test(test_pn06_request_after_remove),
        cmocka_unit_test(test_pn06_device_not_deleted),
        cmocka_unit_test(test_pn07_power_with_iocalldriver),
        cmocka_unit_test(test_pn08_interface_left_enabled),
        cmocka_unit_test(test_good_wdm_is_quiet),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
