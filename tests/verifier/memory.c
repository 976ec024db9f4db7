/*
 * memory.c - rule MM-01 (Driver Verifier's special pool): bad_mm01_pool overruns,
 * over-reads and reuses pool; each misuse is caught at the access itself, reported
 * with the accessing line and the block's allocating (and freeing) line, as bug check
 * 0xD6 or 0xD5; an overrun into a block's slack is caught at free (0xC1), a double
 * free at the second free (0xC2). With special pool off, the overrun is still caught
 * at free by the pattern after the block.
 */
#include "vtest.h"

#define BAD_CODE(n) ((0x22u << 16) | ((0x800u + (n)) << 2))
#define FILE "bad_mm01_pool.c"

/* Load bad_mm01_pool on a fresh machine, send one control, expect a bug check. */
static ntsim_bugcheck Misuse(int SpecialPool, unsigned Code)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = SpecialPool };
    ntsim_machine *m = ntsim_machine_create(&Config);
    assert_non_null(m);
    vt_load(m, "bad_mm01_pool", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\Device\\BadMm01", &f), VT_STATUS_SUCCESS);
    size_t Returned;
    assert_int_equal(ntsim_ioctl(f, BAD_CODE(Code), NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(m, &B));
    return B;
}

static void ExpectText(const char *Text, const char *Needle)
{
    if (strstr(Text, Needle) == NULL)
        fail_msg("expected \"%s\" in: %s", Needle, Text);
}

static void overrun_write_faults_at_the_access(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 0);
    assert_int_equal(B.code, 0xD6);
    assert_string_equal(B.name, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION");
    const ntsim_finding *F = vt_finding(ntsim_current_machine(), "MM-01", 0);
    ExpectText(F->message, "at offset 32 of a 32-byte pool block (tag 'BMm1')");
    ExpectText(F->message, vt_site(FILE, "overrun-alloc"));
#if defined(__linux__)
    ExpectText(F->message, vt_site(FILE, "overrun-write"));
#endif
}

static void overread_faults_at_the_access(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 1);
    assert_int_equal(B.code, 0xD6);
    const ntsim_finding *F = vt_finding(ntsim_current_machine(), "MM-01", 0);
    ExpectText(F->message, "at offset 64 of a 64-byte pool block");
    ExpectText(F->message, vt_site(FILE, "overread-alloc"));
#if defined(__linux__)
    ExpectText(F->message, vt_site(FILE, "overread"));
#endif
}

static void write_after_free_faults_at_the_access(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 2);
    assert_int_equal(B.code, 0xD5);
    assert_string_equal(B.name, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL");
    const ntsim_finding *F = vt_finding(ntsim_current_machine(), "MM-01", 0);
    ExpectText(F->message, "use after free: an access at offset 8 of a 48-byte pool block");
    ExpectText(F->message, vt_site(FILE, "uaf-alloc"));
    ExpectText(F->message, vt_site(FILE, "uaf-free"));
#if defined(__linux__)
    ExpectText(F->message, vt_site(FILE, "uaf-write"));
#endif
}

static void read_after_free_faults_at_the_access(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 3);
    assert_int_equal(B.code, 0xD5);
#if defined(__linux__)
    ExpectText(vt_finding(ntsim_current_machine(), "MM-01", 0)->message, vt_site(FILE, "uaf-read"));
#endif
}

static void overrun_of_a_kept_block_faults_at_the_access(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 4);
    assert_int_equal(B.code, 0xD6);
    ExpectText(vt_finding(ntsim_current_machine(), "MM-01", 0)->message, vt_site(FILE, "kept-alloc"));
}

static void slack_overrun_is_caught_at_free(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 5);
    assert_int_equal(B.code, 0xC1);
    ExpectText(B.site, vt_site(FILE, "slack-free"));
}

static void double_free_is_caught_without_touching_the_block(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(0, 6);
    assert_int_equal(B.code, 0xC2);
    ExpectText(B.site, vt_site(FILE, "double-free"));
    ExpectText(B.explanation, "already freed");
}

static void without_special_pool_the_overrun_is_caught_at_free(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(-1, 5);
    assert_int_equal(B.code, 0xC1);
    ExpectText(B.site, vt_site(FILE, "slack-free"));
    assert_int_equal(ntsim_count_rule(ntsim_current_machine(), "MM-01"), 0);
}

static void correct_driver_is_quiet_under_special_pool(void **state)
{
    (void)state;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = 1 };
    ntsim_machine *m = ntsim_machine_create(&Config);
    ntsim_driver *d = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\\\.\\NtsimEcho", &f), VT_STATUS_SUCCESS);
    size_t n;
    assert_int_equal(ntsim_write(f, "special", 7, &n), VT_STATUS_SUCCESS);
    char Buffer[8] = { 0 };
    assert_int_equal(ntsim_read(f, Buffer, 7, &n), VT_STATUS_SUCCESS);
    assert_string_equal(Buffer, "special");
    ntsim_close(f);
    vt_unload(d);
    if (ntsim_finding_count(m))
        vt_dump(m);
    assert_int_equal(ntsim_finding_count(m), 0);
    ntsim_machine_destroy(m);
}

int main(void)
{
    setenv("NTSIM_QUIET", "1", 1);
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(overrun_write_faults_at_the_access),
        cmocka_unit_test(overread_faults_at_the_access),
        cmocka_unit_test(write_after_free_faults_at_the_access),
        cmocka_unit_test(read_after_free_faults_at_the_access),
        cmocka_unit_test(overrun_of_a_kept_block_faults_at_the_access),
        cmocka_unit_test(slack_overrun_is_caught_at_free),
        cmocka_unit_test(double_free_is_caught_without_touching_the_block),
        cmocka_unit_test(without_special_pool_the_overrun_is_caught_at_free),
        cmocka_unit_test(correct_driver_is_quiet_under_special_pool),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    return Failed;
}
