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

/* ---- underrun mode (guard page before each block) against overrun mode ---- */

/* A control that misuses pool without stopping the machine in this mode. */
static void MissedAtTheAccess(int SpecialPool, unsigned Code)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = SpecialPool };
    ntsim_machine *m = ntsim_machine_create(&Config);
    vt_load(m, "bad_mm01_pool", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\Device\\BadMm01", &f), VT_STATUS_SUCCESS);
    size_t Returned;
    assert_int_equal(ntsim_ioctl(f, BAD_CODE(Code), NULL, 0, NULL, 0, &Returned), VT_STATUS_SUCCESS);
    assert_false(ntsim_machine_crashed(m, NULL));
    assert_int_equal(ntsim_count_rule(m, "MM-01"), 0);
}

static void underrun_write_faults_at_the_access_in_underrun_mode(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(NTSIM_SPECIAL_POOL_UNDERRUN, 7);
    assert_int_equal(B.code, 0xD6);
    ExpectText(B.explanation, "before the start of a pool block");
    const ntsim_finding *F = vt_finding(ntsim_current_machine(), "MM-01", 0);
    ExpectText(F->message, "pool underrun: an access 1 byte before the start of a 40-byte pool block (tag 'BMm1')");
    ExpectText(F->message, vt_site(FILE, "underrun-alloc"));
#if defined(__linux__)
    ExpectText(F->message, vt_site(FILE, "underrun-write"));
#endif
}

static void underrun_read_faults_at_the_access_in_underrun_mode(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(NTSIM_SPECIAL_POOL_UNDERRUN, 8);
    assert_int_equal(B.code, 0xD6);
    const ntsim_finding *F = vt_finding(ntsim_current_machine(), "MM-01", 0);
    ExpectText(F->message, "an access 8 bytes before the start of a 24-byte pool block");
    ExpectText(F->message, vt_site(FILE, "underread-alloc"));
#if defined(__linux__)
    ExpectText(F->message, vt_site(FILE, "underread"));
#endif
}

static void overrun_mode_misses_the_underrun(void **state)
{
    (void)state;
    MissedAtTheAccess(NTSIM_SPECIAL_POOL_OVERRUN, 7);
    MissedAtTheAccess(NTSIM_SPECIAL_POOL_OVERRUN, 8);
}

static void underrun_mode_misses_the_overrun_at_the_access(void **state)
{
    (void)state;
    MissedAtTheAccess(NTSIM_SPECIAL_POOL_UNDERRUN, 0); /* a write one past the end: into the slack */
    MissedAtTheAccess(NTSIM_SPECIAL_POOL_UNDERRUN, 1); /* a read one past the end */
}

static void underrun_mode_finds_the_overrun_at_free(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(NTSIM_SPECIAL_POOL_UNDERRUN, 5);
    assert_int_equal(B.code, 0xC1);
    ExpectText(B.site, vt_site(FILE, "slack-free"));
}

static void underrun_mode_still_catches_use_after_free(void **state)
{
    (void)state;
    ntsim_bugcheck B = Misuse(NTSIM_SPECIAL_POOL_UNDERRUN, 2);
    assert_int_equal(B.code, 0xD5);
    ExpectText(vt_finding(ntsim_current_machine(), "MM-01", 0)->message,
               "use after free: an access at offset 8 of a 48-byte pool block");
    B = Misuse(NTSIM_SPECIAL_POOL_UNDERRUN, 6);
    assert_int_equal(B.code, 0xC2);
}

static void underrun_mode_from_the_environment(void **state)
{
    (void)state;
    setenv("NTSIM_SPECIAL_POOL", "underrun", 1);
    ntsim_bugcheck B = Misuse(0, 7);
    unsetenv("NTSIM_SPECIAL_POOL");
    assert_int_equal(B.code, 0xD6);
    ExpectText(vt_finding(ntsim_current_machine(), "MM-01", 0)->message, "pool underrun");
}

static void correct_driver_is_quiet_in_underrun_mode(void **state)
{
    (void)state;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = NTSIM_SPECIAL_POOL_UNDERRUN };
    ntsim_machine *m = ntsim_machine_create(&Config);
    ntsim_driver *d = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\\\.\\NtsimEcho", &f), VT_STATUS_SUCCESS);
    size_t n;
    assert_int_equal(ntsim_write(f, "underrun", 8, &n), VT_STATUS_SUCCESS);
    char Buffer[9] = { 0 };
    assert_int_equal(ntsim_read(f, Buffer, 8, &n), VT_STATUS_SUCCESS);
    assert_string_equal(Buffer, "underrun");
    ntsim_close(f);
    vt_unload(d);
    if (ntsim_finding_count(m))
        vt_dump(m);
    assert_int_equal(ntsim_finding_count(m), 0);
    ntsim_machine_destroy(m);
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

/* ---- UM-01: user buffers of METHOD_NEITHER requests ---- */

#define UM_CODE(n) ((0x22u << 16) | ((0x800u + (n)) << 2) | 3u)
#define UM_FILE "bad_um01_neither.c"

static ntsim_file *UmOpen(ntsim_machine **Out)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *m = ntsim_machine_create(&Config);
    vt_load(m, "bad_um01_neither", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\Device\\BadUm01", &f), VT_STATUS_SUCCESS);
    *Out = m;
    return f;
}

static void unprobed_user_buffer_is_reported_and_read(void **state)
{
    (void)state;
    ntsim_machine *m;
    ntsim_file *f = UmOpen(&m);
    unsigned char In[5] = { 1, 2, 3, 4, 5 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(f, UM_CODE(0), In, sizeof(In), NULL, 0, &Returned), VT_STATUS_SUCCESS);
    assert_int_equal(Returned, 15); /* the access went on: the driver read the real bytes */
    const ntsim_finding *F = vt_finding(m, "UM-01", 0);
    ExpectText(F->message, "offset 0 of the 5-byte input buffer of IOCTL 0x222003 (METHOD_NEITHER) without a probe");
#if defined(__linux__)
    ExpectText(F->message, vt_site(UM_FILE, "unprobed-read"));
#endif
    assert_int_equal(ntsim_count_rule(m, "UM-01"), 1); /* once per buffer */
}

static void reading_past_the_probed_buffer_raises_in_the_driver(void **state)
{
    (void)state;
    ntsim_machine *m;
    ntsim_file *f = UmOpen(&m);
    unsigned char In[16] = { 0 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(f, UM_CODE(1), In, sizeof(In), NULL, 0, &Returned), (int32_t)0xC0000005);
    const ntsim_finding *F = vt_finding(m, "UM-01", 0);
    ExpectText(F->message, "offset 16 of the 16-byte input buffer of IOCTL 0x222007 (METHOD_NEITHER): past its end");
#if defined(__linux__)
    ExpectText(F->message, vt_site(UM_FILE, "past-end-read"));
#endif
    assert_int_equal(ntsim_machine_crashed(m, NULL), 0);
}

static void touching_a_completed_request_buffer_is_reported(void **state)
{
    (void)state;
    ntsim_machine *m;
    ntsim_file *f = UmOpen(&m);
    unsigned char Out[8] = { 0 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(f, UM_CODE(2), NULL, 0, Out, sizeof(Out), &Returned), VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_count_rule(m, "UM-01"), 0); /* probed and not touched: fine so far */
    assert_int_equal(ntsim_ioctl(f, UM_CODE(3), NULL, 0, NULL, 0, &Returned), VT_STATUS_SUCCESS);
    const ntsim_finding *F = vt_finding(m, "UM-01", 0);
    ExpectText(F->message, "output buffer of IOCTL 0x22200B (METHOD_NEITHER) after its request completed");
#if defined(__linux__)
    ExpectText(F->message, vt_site(UM_FILE, "late-write"));
#endif
}

static void past_the_end_without_try_stops_the_machine(void **state)
{
    (void)state;
    ntsim_machine *m;
    ntsim_file *f = UmOpen(&m);
    unsigned char In[16] = { 0 };
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(f, UM_CODE(4), In, sizeof(In), NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(m, &B));
    assert_int_equal(B.code, 0x50);
    ExpectText(vt_finding(m, "UM-01", 0)->message, "past its end");
}

static void probing_drivers_are_quiet(void **state)
{
    (void)state;
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *m = ntsim_machine_create(NULL);
    ntsim_driver *d = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_file *f;
    assert_int_equal(ntsim_open(m, "\\\\.\\NtsimEcho", &f), VT_STATUS_SUCCESS);
    char Out[8] = { 0 };
    size_t n;
    /* echo's METHOD_NEITHER control probes both buffers in __try and copies input to output */
    assert_int_equal(ntsim_ioctl(f, (0x22u << 16) | (0x803u << 2) | 3u, "neither", 7, Out, sizeof(Out), &n),
                     VT_STATUS_SUCCESS);
    assert_string_equal(Out, "neither");
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
        cmocka_unit_test(underrun_write_faults_at_the_access_in_underrun_mode),
        cmocka_unit_test(underrun_read_faults_at_the_access_in_underrun_mode),
        cmocka_unit_test(overrun_mode_misses_the_underrun),
        cmocka_unit_test(underrun_mode_misses_the_overrun_at_the_access),
        cmocka_unit_test(underrun_mode_finds_the_overrun_at_free),
        cmocka_unit_test(underrun_mode_still_catches_use_after_free),
        cmocka_unit_test(underrun_mode_from_the_environment),
        cmocka_unit_test(correct_driver_is_quiet_in_underrun_mode),
        cmocka_unit_test(unprobed_user_buffer_is_reported_and_read),
        cmocka_unit_test(reading_past_the_probed_buffer_raises_in_the_driver),
        cmocka_unit_test(touching_a_completed_request_buffer_is_reported),
        cmocka_unit_test(past_the_end_without_try_stops_the_machine),
        cmocka_unit_test(probing_drivers_are_quiet),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    return Failed;
}
