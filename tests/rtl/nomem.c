/* rtl/nomem - the allocating Rtl routines fail with STATUS_NO_MEMORY, leaving the
 * output untouched, when pool allocation fails.
 *
 * Pool failure is forced by providing the fault-injection choke point
 * (ViFaultShouldFail) in this executable, which takes precedence over libntsim's
 * on ELF hosts. Where that interposition does not happen (e.g. Mach-O two-level
 * namespaces) the tests detect it and skip. */
#include "ntsimp.h"
#include "rtltest.h"

static int fail_next;   /* fail this many pool allocations */
static int hook_calls;  /* pool allocations seen */
static char last_ddi[64];

BOOLEAN ViFaultShouldFail(NTSIM_FAULT_CLASS Class, const char *Ddi, ULONG Tag, NTSIM_SITE Site)
{
    (void)Tag;
    (void)Site;
    if (Class != NtsimFaultPool)
        return FALSE;
    hook_calls++;
    snprintf(last_ddi, sizeof(last_ddi), "%s", Ddi);
    if (fail_next > 0) {
        fail_next--;
        return TRUE;
    }
    return FALSE;
}

static void arm(void)
{
    fail_next = 1;
    hook_calls = 0;
    last_ddi[0] = '\0';
}

static void require_hook(void)
{
    if (hook_calls == 0)
        skip(); /* interposition not available on this host */
}

static void test_ansi_to_unicode_nomem(void **state)
{
    ANSI_STRING a;
    UNICODE_STRING u = { 0x1111, 0x2222, (PWCH)(ULONG_PTR)0x1234 };
    (void)state;

    RtlInitAnsiString(&a, "abc");
    arm();
    NTSTATUS status = RtlAnsiStringToUnicodeString(&u, &a, TRUE);
    require_hook();
    assert_status(status, STATUS_NO_MEMORY);
    assert_string_equal(last_ddi, "RtlAnsiStringToUnicodeString");
    assert_int_equal(u.Length, 0x1111);
    assert_int_equal(u.MaximumLength, 0x2222);
    assert_ptr_equal(u.Buffer, (PWCH)(ULONG_PTR)0x1234);
    /* and the next call succeeds */
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    RtlFreeUnicodeString(&u);
}

static void test_others_nomem(void **state)
{
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"abc");
    UNICODE_STRING out = { 0, 0, NULL };
    ANSI_STRING aout = { 0, 0, NULL };
    GUID g = { 1, 2, 3, { 4, 5, 6, 7, 8, 9, 10, 11 } };
    (void)state;

    arm();
    NTSTATUS status = RtlUnicodeStringToAnsiString(&aout, &src, TRUE);
    require_hook();
    assert_status(status, STATUS_NO_MEMORY);
    assert_null(aout.Buffer);

    arm();
    assert_status(RtlUpcaseUnicodeString(&out, &src, TRUE), STATUS_NO_MEMORY);
    assert_string_equal(last_ddi, "RtlUpcaseUnicodeString");
    arm();
    assert_status(RtlDowncaseUnicodeString(&out, &src, TRUE), STATUS_NO_MEMORY);
    arm();
    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &src, &out),
                  STATUS_NO_MEMORY);
    assert_string_equal(last_ddi, "RtlDuplicateUnicodeString");
    arm();
    assert_status(RtlStringFromGUID(&g, &out), STATUS_NO_MEMORY);
    assert_string_equal(last_ddi, "RtlStringFromGUID");
    assert_null(out.Buffer);
    assert_int_equal(out.Length, 0);
}

static void test_no_allocation_without_request(void **state)
{
    WCHAR buf[8];
    ANSI_STRING a;
    UNICODE_STRING u = { 0, sizeof(buf), buf };
    (void)state;

    RtlInitAnsiString(&a, "abc");
    arm();
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, FALSE), STATUS_SUCCESS);
    assert_int_equal(hook_calls, 0);
    fail_next = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ansi_to_unicode_nomem),
        cmocka_unit_test(test_others_nomem),
        cmocka_unit_test(test_no_allocation_without_request),
    };
    return cmocka_run_group_tests_name("rtl/nomem", tests, NULL, NULL);
}
