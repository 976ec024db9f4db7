/* headers.c - the header test image loads (DEFINE_GUID once, Microsoft extensions, every
 * SAL form, the pool helpers), and the ntintsafe and basetsd routines give the documented
 * answers. */
#include <ntddk.h>
#include <ntintsafe.h>
#include "ntsim_test.h"

static void header_image_loads_and_passes_its_checks(void **State)
{
    (void)State;
    ntsim_machine *Machine = TestMachine();
    ntsim_driver *Driver = NULL;
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("hdr_all.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, 0);
    assert_null(TestFindRule(Machine, "BUGCHECK")); /* (DE-02/DE-03 report that it makes no device: not its point) */
    ntsim_machine_destroy(Machine);
}

static void intsafe_reports_overflow(void **State)
{
    (void)State;
    ULONG U;
    SIZE_T S;
    USHORT W;
    LONG L;
    assert_int_equal(RtlULongAdd(0xFFFFFFF0u, 0x0F, &U), STATUS_SUCCESS);
    assert_int_equal(U, 0xFFFFFFFFu);
    assert_int_equal(RtlULongAdd(0xFFFFFFFFu, 1, &U), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(U, ULONG_ERROR);
    assert_int_equal(RtlULongMult(0x10000, 0x10000, &U), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(RtlULongSub(1, 2, &U), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(RtlSizeTMult((SIZE_T)1 << 32, 4, &S), STATUS_SUCCESS);
    assert_true(S == (SIZE_T)1 << 34);
    assert_int_equal(RtlULongLongToULong(0x100000000ULL, &U), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(RtlULongLongToULong(0xFFFFFFFFULL, &U), STATUS_SUCCESS);
    assert_int_equal(RtlSizeTToUShort(0x10000, &W), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(W, USHORT_ERROR);
    assert_int_equal(RtlULongToLong(0x80000000u, &L), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(RtlLongToULong(-1, &U), STATUS_INTEGER_OVERFLOW);
    assert_int_equal(RtlIntToUShort(65535, &W), STATUS_SUCCESS);
    assert_int_equal(RtlLongAdd(0x7FFFFFFF, 1, &L), STATUS_INTEGER_OVERFLOW);
}

static void basetsd_conversions(void **State)
{
    (void)State;
    assert_true(Int32x32To64(0x7FFFFFFF, 0x7FFFFFFF) == 0x3FFFFFFF00000001LL);
    assert_true(UInt32x32To64(0xFFFFFFFFu, 0xFFFFFFFFu) == 0xFFFFFFFE00000001ULL);
    assert_true(LongToPtr(-1) == (void *)(intptr_t)-1);
    assert_true(ULongToPtr(0xFFFFFFFFu) == (void *)(uintptr_t)0xFFFFFFFFu);
    assert_int_equal(PtrToUlong((void *)(uintptr_t)0x123456789ULL), 0x23456789u);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(header_image_loads_and_passes_its_checks),
        cmocka_unit_test(intsafe_reports_overflow),
        cmocka_unit_test(basetsd_conversions),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
