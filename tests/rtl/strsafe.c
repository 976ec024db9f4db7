/* rtl/strsafe - the ntstrsafe routines: bounds, truncation, invalid parameters,
 * and the Microsoft printf conventions (%s/%S by function width, %wZ, %I64d, 32-bit %l). */
#include <ntddk.h>
#include <ntstrsafe.h>
#include "rtltest.h"

#define SENTINEL 0x5A5A

static void fill(WCHAR *Buffer, size_t Count)
{
    size_t i;
    for (i = 0; i < Count; i++)
        Buffer[i] = SENTINEL;
}

/* ---- copy ---- */

static void test_copy_w(void **state)
{
    WCHAR buf[6];
    (void)state;

    fill(buf, 6);
    assert_status(RtlStringCchCopyW(buf, 6, L"hello"), STATUS_SUCCESS); /* exact fit */
    assert_wstr_equal(buf, L"hello");

    fill(buf, 6);
    assert_status(RtlStringCchCopyW(buf, 5, L"hello"), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(buf, L"hell");
    assert_int_equal(buf[5], SENTINEL);

    fill(buf, 6);
    assert_status(RtlStringCchCopyW(buf, 0, L"x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(buf[0], SENTINEL); /* nothing written to a zero-sized buffer */
    assert_status(RtlStringCchCopyW(buf, (size_t)NTSTRSAFE_MAX_CCH + 1, L"x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(buf[0], 0);
    assert_status(RtlStringCchCopyW(buf, 1, L""), STATUS_SUCCESS);
    assert_int_equal(buf[0], 0);
    assert_status(RtlStringCchCopyW(buf, 1, L"a"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(buf[0], 0);
}

static void test_copy_cb_w(void **state)
{
    WCHAR buf[6];
    (void)state;

    fill(buf, 6);
    assert_status(RtlStringCbCopyW(buf, 7, L"hello"), STATUS_BUFFER_OVERFLOW); /* 7 bytes = 3 WCHARs */
    assert_wstr_equal(buf, L"he");
    assert_int_equal(buf[3], SENTINEL);
    assert_status(RtlStringCbCopyW(buf, sizeof(buf), L"hello"), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"hello");
    fill(buf, 6);
    assert_status(RtlStringCbCopyW(buf, 1, L"hello"), STATUS_INVALID_PARAMETER); /* less than one WCHAR */
    assert_int_equal(buf[0], SENTINEL);
}

static void test_copy_n(void **state)
{
    WCHAR buf[8];
    char abuf[8];
    (void)state;

    assert_status(RtlStringCchCopyNW(buf, 8, L"abcdef", 3), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"abc");
    assert_status(RtlStringCchCopyNW(buf, 3, L"abcdef", 3), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(buf, L"ab");
    assert_status(RtlStringCchCopyNW(buf, 8, L"ab", 5), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"ab");
    assert_status(RtlStringCchCopyNW(buf, 8, L"ab", (size_t)NTSTRSAFE_MAX_CCH + 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(buf[0], 0);
    assert_status(RtlStringCbCopyNW(buf, sizeof(buf), L"abcdef", 4 * sizeof(WCHAR)), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"abcd");

    assert_status(RtlStringCchCopyNA(abuf, 8, "abcdef", 2), STATUS_SUCCESS);
    assert_string_equal(abuf, "ab");
    assert_status(RtlStringCbCopyNA(abuf, 4, "abcdef", 6), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(abuf, "abc");
}

static void test_copy_a(void **state)
{
    char buf[6];
    (void)state;

    memset(buf, 'Z', sizeof(buf));
    assert_status(RtlStringCchCopyA(buf, 4, "hello"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(buf, "hel");
    assert_int_equal(buf[4], 'Z');
    assert_status(RtlStringCbCopyA(buf, sizeof(buf), "hello"), STATUS_SUCCESS);
    assert_string_equal(buf, "hello");
    assert_status(RtlStringCbCopyA(buf, 0, "x"), STATUS_INVALID_PARAMETER);
    assert_string_equal(buf, "hello");
}

/* ---- cat ---- */

static void test_cat(void **state)
{
    WCHAR buf[8] = L"ab";
    WCHAR unterminated[3] = { 'a', 'b', 'c' };
    char abuf[6] = "ab";
    (void)state;

    assert_status(RtlStringCchCatW(buf, 8, L"cd"), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"abcd");
    assert_status(RtlStringCchCatW(buf, 8, L"efghij"), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(buf, L"abcdefg");
    assert_status(RtlStringCchCatW(buf, 8, L""), STATUS_SUCCESS);
    assert_status(RtlStringCchCatW(buf, 8, L"x"), STATUS_BUFFER_OVERFLOW); /* already full */
    assert_wstr_equal(buf, L"abcdefg");
    assert_status(RtlStringCchCatW(unterminated, 3, L"x"), STATUS_INVALID_PARAMETER);
    assert_int_equal(unterminated[2], 'c');
    assert_status(RtlStringCchCatW(buf, 0, L"x"), STATUS_INVALID_PARAMETER);

    buf[2] = 0;
    assert_status(RtlStringCbCatW(buf, 5 * sizeof(WCHAR), L"xyz"), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(buf, L"abxy");
    buf[2] = 0;
    assert_status(RtlStringCchCatNW(buf, 8, L"xyz", 1), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"abx");
    assert_status(RtlStringCbCatNW(buf, sizeof(buf), L"pqrs", 2 * sizeof(WCHAR)), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"abxpq");

    assert_status(RtlStringCchCatA(abuf, sizeof(abuf), "cdef"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(abuf, "abcde");
    abuf[2] = 0;
    assert_status(RtlStringCbCatA(abuf, sizeof(abuf), "cd"), STATUS_SUCCESS);
    assert_string_equal(abuf, "abcd");
    assert_status(RtlStringCchCatNA(abuf, sizeof(abuf), "xyz", 1), STATUS_SUCCESS);
    assert_string_equal(abuf, "abcdx");
    abuf[2] = 0;
    assert_status(RtlStringCbCatNA(abuf, sizeof(abuf), "xyz", 2), STATUS_SUCCESS);
    assert_string_equal(abuf, "abxy");
}

/* ---- length ---- */

static void test_length(void **state)
{
    WCHAR unterminated[3] = { 'a', 'b', 'c' };
    size_t n = 99;
    (void)state;

    assert_status(RtlStringCchLengthW(L"hello", 6, &n), STATUS_SUCCESS);
    assert_int_equal(n, 5);
    n = 99;
    assert_status(RtlStringCchLengthW(L"hello", 5, &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(n, 0);
    assert_status(RtlStringCchLengthW(unterminated, 3, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchLengthW(NULL, 3, &n), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchLengthW(L"a", (size_t)NTSTRSAFE_MAX_CCH + 1, &n), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCchLengthW(L"", 0, &n), STATUS_INVALID_PARAMETER);
    assert_status(RtlStringCbLengthW(L"hello", 12, &n), STATUS_SUCCESS);
    assert_int_equal(n, 10);
    assert_status(RtlStringCbLengthW(L"hello", 11, &n), STATUS_INVALID_PARAMETER);
    assert_int_equal(n, 0);
    assert_status(RtlStringCchLengthA("abc", 10, &n), STATUS_SUCCESS);
    assert_int_equal(n, 3);
    assert_status(RtlStringCbLengthA("abc", 3, &n), STATUS_INVALID_PARAMETER);
}

/* ---- printf ---- */

static void test_printf_w_strings(void **state)
{
    WCHAR buf[64];
    UNICODE_STRING us = { 6, 20, (PWCH)L"abcdefgh" }; /* counted: "abc", not terminated there */
    ANSI_STRING as = { 2, 4, (PCHAR) "xyz" };
    (void)state;

    assert_status(RtlStringCchPrintfW(buf, 64, L"[%s][%S][%ls][%ws][%hs]", L"w", "n", L"l", L"ws", "hs"),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"[w][n][l][ws][hs]");
    assert_status(RtlStringCchPrintfW(buf, 64, L"<%wZ><%Z>", &us, &as), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"<abc><xy>");
    assert_status(RtlStringCchPrintfW(buf, 64, L"%c%C%c", L'\x20AC', 'a', L'b'), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"\x20AC" L"ab");
    assert_status(RtlStringCchPrintfW(buf, 64, L"[%5s][%-5s][%.2s][%6wZ]", L"ab", L"cd", L"efgh", &us),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"[   ab][cd   ][ef][   abc]");
    assert_status(RtlStringCchPrintfW(buf, 64, L"%s|%wZ|%S", (PCWSTR)NULL, (PUNICODE_STRING)NULL, (PCSTR)NULL),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"(null)|(null)|(null)");
    /* A narrow argument goes through the ANSI code page (Windows-1252). */
    assert_status(RtlStringCchPrintfW(buf, 64, L"%S", "\x80\xE9"), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"\x20AC\x00E9");
    assert_status(RtlStringCchPrintfW(buf, 64, L"100%%"), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"100%");
}

static void test_printf_w_numbers(void **state)
{
    WCHAR buf[96];
    (void)state;

    assert_status(RtlStringCchPrintfW(buf, 96, L"%d %i %u %d", -5, 42, 7u, 0), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"-5 42 7 0");
    /* %l is 32-bit on Windows: a ULONG 0xFFFFFFFF then a following int must both print. */
    assert_status(RtlStringCchPrintfW(buf, 96, L"%lu %ld %lx %d", (ULONG)0xFFFFFFFF, (LONG)-1, (ULONG)0xABCDEF01,
                                      7),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"4294967295 -1 abcdef01 7");
    assert_status(RtlStringCchPrintfW(buf, 96, L"%x %X %#x %#X %o %#o", 255u, 255u, 255u, 255u, 8u, 8u),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"ff FF 0xff 0XFF 10 010");
    assert_status(RtlStringCchPrintfW(buf, 96, L"[%08X][%-4d][%4d][%04d][%+d][% d][%.3d]", 0xBEEFu, 12, 12, -12, 5,
                                      5, 7),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"[0000BEEF][12  ][  12][-012][+5][ 5][007]");
    assert_status(RtlStringCchPrintfW(buf, 96, L"[%*d][%-*d][%.*d]", 5, 1, 3, 2, 3, 4), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"[    1][2  ][004]");
    assert_status(RtlStringCchPrintfW(buf, 96, L"%I64d %I64u %I64x %lld %llu %llx", -1ll,
                                      18446744073709551615ull, 0x123456789ull, -9000000000ll, 9000000000ull,
                                      0xFFFFFFFFFull),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"-1 18446744073709551615 123456789 -9000000000 9000000000 fffffffff");
    assert_status(RtlStringCchPrintfW(buf, 96, L"%zu %Iu %I32u %hu %hhu", (size_t)123456789012ull,
                                      (SIZE_T)5, 6u, 0x12345, 0x1FF),
                  STATUS_SUCCESS);
    assert_wstr_equal(buf, L"123456789012 5 6 9029 255");
    assert_status(RtlStringCchPrintfW(buf, 96, L"%p", (void *)(ULONG_PTR)0x1234ABCDull), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"000000001234ABCD");
    assert_status(RtlStringCchPrintfW(buf, 96, L"%.2f", 3.14159), STATUS_SUCCESS);
    assert_wstr_equal(buf, L"3.14");
}

static void test_printf_w_truncation(void **state)
{
    WCHAR buf[8];
    (void)state;

    fill(buf, 8);
    assert_status(RtlStringCchPrintfW(buf, 6, L"%s-%d", L"abc", 1234), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(buf, L"abc-1");
    assert_int_equal(buf[6], SENTINEL);
    assert_status(RtlStringCchPrintfW(buf, 6, L"%d", 12345), STATUS_SUCCESS); /* exact fit */
    assert_wstr_equal(buf, L"12345");
    fill(buf, 8);
    assert_status(RtlStringCbPrintfW(buf, 7, L"%d", 12345), STATUS_BUFFER_OVERFLOW); /* 3 WCHARs */
    assert_wstr_equal(buf, L"12");
    fill(buf, 8);
    assert_status(RtlStringCchPrintfW(buf, 0, L"%d", 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(buf[0], SENTINEL);
    assert_status(RtlStringCbPrintfW(buf, 1, L"%d", 1), STATUS_INVALID_PARAMETER);
    assert_int_equal(buf[0], SENTINEL);
    assert_status(RtlStringCchPrintfW(buf, 1, L"%d", 1), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(buf[0], 0);
}

static void test_printf_a(void **state)
{
    char buf[64];
    UNICODE_STRING us = RTL_CONSTANT_STRING(L"Dev\x20AC");
    ANSI_STRING as = { 3, 4, (PCHAR) "abcd" };
    (void)state;

    assert_status(RtlStringCchPrintfA(buf, 64, "[%s][%S][%ws][%ls][%hs]", "n", L"w", L"ws", L"ls", "hs"),
                  STATUS_SUCCESS);
    assert_string_equal(buf, "[n][w][ws][ls][hs]");
    assert_status(RtlStringCchPrintfA(buf, 64, "%wZ|%Z|%c%C", &us, &as, 'x', L'y'), STATUS_SUCCESS);
    assert_string_equal(buf, "Dev\x80|abc|xy");
    assert_status(RtlStringCchPrintfA(buf, 64, "%lu %d %I64x %p", (ULONG)0xFFFFFFFF, -3, 0xABCull, (void *)0),
                  STATUS_SUCCESS);
    assert_string_equal(buf, "4294967295 -3 abc 0000000000000000");
    assert_status(RtlStringCchPrintfA(buf, 4, "%s", "hello"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(buf, "hel");
    assert_status(RtlStringCbPrintfA(buf, 3, "%d", 1234), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(buf, "12");
    assert_status(RtlStringCbPrintfA(buf, 0, "%d", 1), STATUS_INVALID_PARAMETER);
}

static NTSTATUS vprintf_w(PWSTR Buffer, size_t Cch, PCWSTR Format, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, Format);
    status = RtlStringCchVPrintfW(Buffer, Cch, Format, args);
    va_end(args);
    return status;
}

static NTSTATUS vprintf_cb_w(PWSTR Buffer, size_t Cb, PCWSTR Format, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, Format);
    status = RtlStringCbVPrintfW(Buffer, Cb, Format, args);
    va_end(args);
    return status;
}

static NTSTATUS vprintf_a(PSTR Buffer, size_t Cch, PCSTR Format, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, Format);
    status = RtlStringCchVPrintfA(Buffer, Cch, Format, args);
    va_end(args);
    return status;
}

static NTSTATUS vprintf_cb_a(PSTR Buffer, size_t Cb, PCSTR Format, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, Format);
    status = RtlStringCbVPrintfA(Buffer, Cb, Format, args);
    va_end(args);
    return status;
}

static void test_vprintf(void **state)
{
    WCHAR w[16];
    char a[16];
    (void)state;

    assert_status(vprintf_w(w, 16, L"%s=%u", L"n", 3u), STATUS_SUCCESS);
    assert_wstr_equal(w, L"n=3");
    assert_status(vprintf_cb_w(w, 8, L"%s", L"abcdef"), STATUS_BUFFER_OVERFLOW);
    assert_wstr_equal(w, L"abc");
    assert_status(vprintf_a(a, 16, "%S=%x", L"m", 0x1Fu), STATUS_SUCCESS);
    assert_string_equal(a, "m=1f");
    assert_status(vprintf_cb_a(a, 3, "%s", "xyz"), STATUS_BUFFER_OVERFLOW);
    assert_string_equal(a, "xy");
}

/* ---- UNICODE_STRING ---- */

static void test_ustr_init_validate(void **state)
{
    static WCHAR big[32768];
    UNICODE_STRING s;
    size_t i;
    (void)state;

    assert_status(RtlUnicodeStringInit(&s, L"abc"), STATUS_SUCCESS);
    assert_int_equal(s.Length, 6);
    assert_int_equal(s.MaximumLength, 8);
    assert_status(RtlUnicodeStringInit(&s, NULL), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);

    for (i = 0; i < 32767; i++)
        big[i] = L'x';
    big[32767] = 0;
    assert_status(RtlUnicodeStringInit(&s, big), STATUS_INVALID_PARAMETER);
    assert_int_equal(s.Length, 0);
    big[32766] = 0;
    assert_status(RtlUnicodeStringInit(&s, big), STATUS_SUCCESS);
    assert_int_equal(s.Length, 65532);
    assert_int_equal(s.MaximumLength, 65534);

    {
        UNICODE_STRING ok = { 4, 8, big }, odd_len = { 3, 8, big }, odd_max = { 2, 7, big },
                       over = { 10, 8, big }, null_buf = { 0, 8, NULL }, empty = { 0, 0, NULL };
        assert_status(RtlUnicodeStringValidate(&ok), STATUS_SUCCESS);
        assert_status(RtlUnicodeStringValidate(&empty), STATUS_SUCCESS);
        assert_status(RtlUnicodeStringValidate(&odd_len), STATUS_INVALID_PARAMETER);
        assert_status(RtlUnicodeStringValidate(&odd_max), STATUS_INVALID_PARAMETER);
        assert_status(RtlUnicodeStringValidate(&over), STATUS_INVALID_PARAMETER);
        assert_status(RtlUnicodeStringValidate(&null_buf), STATUS_INVALID_PARAMETER);
        assert_status(RtlUnicodeStringValidate(NULL), STATUS_INVALID_PARAMETER);
    }
}

static void test_ustr_copy_cat(void **state)
{
    WCHAR buf[6];
    UNICODE_STRING dst = { 0, 8, buf }; /* room for 4 characters */
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"ab");
    UNICODE_STRING bad = { 3, 4, (PWCH)L"ab" };
    UNICODE_STRING zero = { 0, 0, NULL };
    (void)state;

    fill(buf, 6);
    assert_status(RtlUnicodeStringCopy(&dst, &src), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"ab");
    assert_int_equal(buf[2], SENTINEL); /* counted strings are not terminated */
    assert_status(RtlUnicodeStringCat(&dst, &src), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"abab");
    assert_status(RtlUnicodeStringCat(&dst, &src), STATUS_INVALID_PARAMETER); /* already full */
    assert_ustr_equal(&dst, L"abab");

    assert_status(RtlUnicodeStringCopyString(&dst, L"xyz12"), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 8);
    assert_memory_equal(buf, L"xyz1", 8);
    assert_int_equal(buf[4], SENTINEL);

    assert_status(RtlUnicodeStringCopyString(&dst, L"q"), STATUS_SUCCESS);
    assert_status(RtlUnicodeStringCatString(&dst, L"rstu"), STATUS_BUFFER_OVERFLOW);
    assert_ustr_equal(&dst, L"qrst");

    assert_status(RtlUnicodeStringCopy(&dst, &bad), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringCopy(&zero, &src), STATUS_INVALID_PARAMETER);
    assert_status(RtlUnicodeStringCopyString(&zero, L""), STATUS_SUCCESS);
    assert_status(RtlUnicodeStringCopyString(&dst, NULL), STATUS_INVALID_PARAMETER);
}

static void test_ustr_printf(void **state)
{
    WCHAR buf[8];
    UNICODE_STRING dst = { 0, sizeof(buf), buf };
    UNICODE_STRING name = RTL_CONSTANT_STRING(L"Echo");
    (void)state;

    fill(buf, 8);
    assert_status(RtlUnicodeStringPrintf(&dst, L"%wZ%d", &name, 42), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"Echo42");
    assert_int_equal(buf[6], SENTINEL);
    assert_status(RtlUnicodeStringPrintf(&dst, L"\\Device\\%wZ", &name), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 16); /* truncated to MaximumLength, no terminator */
    assert_memory_equal(buf, L"\\Device\\", 16);
    dst.MaximumLength = 3;
    assert_status(RtlUnicodeStringPrintf(&dst, L"x"), STATUS_INVALID_PARAMETER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_w),
        cmocka_unit_test(test_copy_cb_w),
        cmocka_unit_test(test_copy_n),
        cmocka_unit_test(test_copy_a),
        cmocka_unit_test(test_cat),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_printf_w_strings),
        cmocka_unit_test(test_printf_w_numbers),
        cmocka_unit_test(test_printf_w_truncation),
        cmocka_unit_test(test_printf_a),
        cmocka_unit_test(test_vprintf),
        cmocka_unit_test(test_ustr_init_validate),
        cmocka_unit_test(test_ustr_copy_cat),
        cmocka_unit_test(test_ustr_printf),
    };
    return cmocka_run_group_tests_name("rtl/strsafe", tests, NULL, NULL);
}
