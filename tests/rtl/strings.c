/* rtl/strings - counted strings, conversions, numbers, GUIDs, memory, random.
 * Written the way a driver calls these routines (wdm.h, site macros active). */
#include <ntddk.h>
#include "rtltest.h"

/* ---- init ---- */

static void test_init_unicode(void **state)
{
    UNICODE_STRING s;
    (void)state;

    RtlInitUnicodeString(&s, L"Echo");
    assert_int_equal(s.Length, 8);
    assert_int_equal(s.MaximumLength, 10);
    assert_wstr_equal(s.Buffer, L"Echo");

    memset(&s, 0xAA, sizeof(s));
    RtlInitUnicodeString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);

    RtlInitUnicodeString(&s, L"");
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 2);
}

static void test_init_unicode_too_long(void **state)
{
    static WCHAR big[40000];
    UNICODE_STRING s;
    size_t i;
    (void)state;

    for (i = 0; i < 40000 - 1; i++)
        big[i] = L'x';
    big[40000 - 1] = 0;
    RtlInitUnicodeString(&s, big);
    assert_int_equal(s.Length, 0xFFFC);
    assert_int_equal(s.MaximumLength, 0xFFFE);
    assert_status(RtlInitUnicodeStringEx(&s, big), STATUS_NAME_TOO_LONG);

    big[32766] = 0; /* 32766 characters: the longest that fits with its terminator */
    assert_status(RtlInitUnicodeStringEx(&s, big), STATUS_SUCCESS);
    assert_int_equal(s.Length, 65532);
    assert_int_equal(s.MaximumLength, 65534);
    big[32766] = L'x';
    big[32767] = 0;
    assert_status(RtlInitUnicodeStringEx(&s, big), STATUS_NAME_TOO_LONG);
    assert_status(RtlInitUnicodeStringEx(&s, NULL), STATUS_SUCCESS);
    assert_int_equal(s.Length, 0);
    assert_null(s.Buffer);
}

static void test_init_ansi(void **state)
{
    ANSI_STRING a;
    STRING s;
    (void)state;

    RtlInitAnsiString(&a, "hello");
    assert_int_equal(a.Length, 5);
    assert_int_equal(a.MaximumLength, 6);
    assert_string_equal(a.Buffer, "hello");
    RtlInitString(&s, NULL);
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 0);
    assert_null(s.Buffer);
}

static void test_init_empty(void **state)
{
    WCHAR buf[8];
    UNICODE_STRING s;
    (void)state;

    RtlInitEmptyUnicodeString(&s, buf, sizeof(buf));
    assert_int_equal(s.Length, 0);
    assert_int_equal(s.MaximumLength, 16);
    assert_ptr_equal(s.Buffer, buf);
}

/* ---- copy ---- */

static void test_copy_unicode(void **state)
{
    WCHAR buf[8];
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"hello");
    UNICODE_STRING dst = { 0, sizeof(buf), buf };
    (void)state;

    RtlCopyUnicodeString(&dst, &src);
    assert_ustr_equal(&dst, L"hello");
    assert_int_equal(buf[5], 0); /* terminated when there is room */

    /* Truncated to MaximumLength, nothing written past it. */
    for (size_t i = 0; i < 8; i++)
        buf[i] = 0x5A5A;
    dst.MaximumLength = 6;
    RtlCopyUnicodeString(&dst, &src);
    assert_ustr_equal(&dst, L"hel");
    assert_int_equal(buf[3], 0x5A5A);

    RtlCopyUnicodeString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
}

static void test_copy_string(void **state)
{
    char buf[8];
    STRING src, dst = { 0, sizeof(buf), buf };
    (void)state;

    RtlInitString(&src, "abcdefghij");
    memset(buf, 'Z', sizeof(buf));
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 8);
    assert_memory_equal(buf, "abcdefgh", 8);

    RtlInitString(&src, "xy");
    RtlCopyString(&dst, &src);
    assert_int_equal(dst.Length, 2);
    assert_string_equal(buf, "xy");

    RtlCopyString(&dst, NULL);
    assert_int_equal(dst.Length, 0);
}

/* ---- compare ---- */

static void test_compare_unicode(void **state)
{
    UNICODE_STRING a = RTL_CONSTANT_STRING(L"\\Device\\Echo");
    UNICODE_STRING b = RTL_CONSTANT_STRING(L"\\DEVICE\\ECHO");
    UNICODE_STRING c = RTL_CONSTANT_STRING(L"\\Device\\Echo0");
    UNICODE_STRING p = RTL_CONSTANT_STRING(L"\\device");
    UNICODE_STRING e1 = RTL_CONSTANT_STRING(L"\x00E9t\x00E9"), e2 = RTL_CONSTANT_STRING(L"\x00C9T\x00C9");
    (void)state;

    assert_false(RtlEqualUnicodeString(&a, &b, FALSE));
    assert_true(RtlEqualUnicodeString(&a, &b, TRUE));
    assert_false(RtlEqualUnicodeString(&a, &c, TRUE));
    assert_true(RtlEqualUnicodeString(&e1, &e2, TRUE));
    assert_int_equal(RtlCompareUnicodeString(&a, &b, TRUE), 0);
    assert_true(RtlCompareUnicodeString(&a, &b, FALSE) > 0); /* 'e' > 'E' */
    assert_true(RtlCompareUnicodeString(&b, &a, FALSE) < 0);
    assert_true(RtlCompareUnicodeString(&a, &c, FALSE) < 0); /* shorter is less */
    assert_true(RtlCompareUnicodeString(&c, &a, FALSE) > 0);

    assert_true(RtlPrefixUnicodeString(&p, &a, TRUE));
    assert_false(RtlPrefixUnicodeString(&p, &a, FALSE));
    assert_true(RtlPrefixUnicodeString(&a, &c, FALSE));
    assert_false(RtlPrefixUnicodeString(&c, &a, FALSE));
}

static void test_compare_string(void **state)
{
    STRING a, b, c;
    (void)state;

    RtlInitString(&a, "Hello");
    RtlInitString(&b, "hELLO");
    RtlInitString(&c, "Help");
    assert_true(RtlEqualString(&a, &b, TRUE));
    assert_false(RtlEqualString(&a, &b, FALSE));
    assert_int_equal(RtlCompareString(&a, &b, TRUE), 0);
    assert_true(RtlCompareString(&a, &c, FALSE) < 0); /* 'l' < 'p' */
    assert_true(RtlCompareString(&c, &a, FALSE) > 0);
}

/* ---- append ---- */

static void test_append(void **state)
{
    WCHAR buf[8];
    UNICODE_STRING dst = { 0, sizeof(buf), buf };
    UNICODE_STRING part = RTL_CONSTANT_STRING(L"abc");
    (void)state;

    assert_status(RtlAppendUnicodeStringToString(&dst, &part), STATUS_SUCCESS);
    assert_status(RtlAppendUnicodeToString(&dst, L"de"), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"abcde");
    assert_int_equal(buf[5], 0);
    /* 5 + 3 = 8 characters = 16 bytes: fits exactly, no room for a terminator */
    assert_status(RtlAppendUnicodeStringToString(&dst, &part), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"abcdeabc");
    /* full: refused, unchanged */
    assert_status(RtlAppendUnicodeToString(&dst, L"x"), STATUS_BUFFER_TOO_SMALL);
    assert_status(RtlAppendUnicodeStringToString(&dst, &part), STATUS_BUFFER_TOO_SMALL);
    assert_ustr_equal(&dst, L"abcdeabc");
    assert_status(RtlAppendUnicodeToString(&dst, NULL), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 16);
}

static void test_append_string(void **state)
{
    char buf[6];
    STRING dst = { 0, sizeof(buf), buf }, src;
    (void)state;

    RtlInitString(&src, "abc");
    assert_status(RtlAppendStringToString(&dst, &src), STATUS_SUCCESS);
    assert_status(RtlAppendStringToString(&dst, &src), STATUS_SUCCESS);
    assert_int_equal(dst.Length, 6);
    assert_memory_equal(buf, "abcabc", 6);
    assert_status(RtlAppendStringToString(&dst, &src), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(dst.Length, 6);
}

/* ---- ANSI <-> Unicode ---- */

static void test_ansi_to_unicode(void **state)
{
    ANSI_STRING a;
    UNICODE_STRING u;
    WCHAR buf[4];
    (void)state;

    RtlInitAnsiString(&a, "caf\xE9 \x80"); /* é and the euro sign in Windows-1252 */
    assert_int_equal(RtlAnsiStringToUnicodeSize(&a), 14);
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    assert_int_equal(u.Length, 12);
    assert_int_equal(u.MaximumLength, 14);
    assert_wstr_equal(u.Buffer, L"caf\x00E9 \x20AC");
    RtlFreeUnicodeString(&u);
    assert_null(u.Buffer);
    assert_int_equal(u.Length, 0);
    assert_int_equal(u.MaximumLength, 0);

    /* Caller's buffer: needs room for the terminator. */
    RtlInitAnsiString(&a, "abc");
    u.Buffer = buf;
    u.MaximumLength = 6;
    u.Length = 0;
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, FALSE), STATUS_BUFFER_OVERFLOW);
    u.MaximumLength = 8;
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, FALSE), STATUS_SUCCESS);
    assert_ustr_equal(&u, L"abc");
    assert_int_equal(buf[3], 0);
}

static void test_ansi_to_unicode_too_long(void **state)
{
    static char big[32768];
    ANSI_STRING a = { 32767, 32768, big };
    UNICODE_STRING u = { 0, 0, NULL };
    (void)state;

    memset(big, 'a', sizeof(big));
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_INVALID_PARAMETER_2);
    assert_null(u.Buffer);
    a.Length = 32766; /* (32766 + 1) * 2 = 65534: the largest allowed */
    assert_status(RtlAnsiStringToUnicodeString(&u, &a, TRUE), STATUS_SUCCESS);
    assert_int_equal(u.Length, 65532);
    assert_int_equal(u.MaximumLength, 65534);
    RtlFreeUnicodeString(&u);
}

static void test_unicode_to_ansi(void **state)
{
    UNICODE_STRING u = RTL_CONSTANT_STRING(L"\x20AC\x0100hello");
    ANSI_STRING a;
    char buf[4];
    (void)state;

    assert_int_equal(RtlUnicodeStringToAnsiSize(&u), 8);
    assert_status(RtlUnicodeStringToAnsiString(&a, &u, TRUE), STATUS_SUCCESS);
    assert_int_equal(a.Length, 7);
    assert_int_equal(a.MaximumLength, 8);
    assert_string_equal(a.Buffer, "\x80?hello"); /* U+0100 has no Windows-1252 byte */
    RtlFreeAnsiString(&a);
    assert_null(a.Buffer);

    /* Too small: truncated, terminated, STATUS_BUFFER_OVERFLOW. */
    memset(buf, 'Z', sizeof(buf));
    a.Buffer = buf;
    a.MaximumLength = sizeof(buf);
    a.Length = 0;
    assert_status(RtlUnicodeStringToAnsiString(&a, &u, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(a.Length, 3);
    assert_string_equal(buf, "\x80?h");

    a.MaximumLength = 0;
    a.Length = 0;
    assert_status(RtlUnicodeStringToAnsiString(&a, &u, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(a.Length, 0);
}

static void test_multibyte_n(void **state)
{
    WCHAR w[4] = { 0x5A5A, 0x5A5A, 0x5A5A, 0x5A5A };
    char c[4] = { 'Z', 'Z', 'Z', 'Z' };
    ULONG n = 99;
    (void)state;

    assert_status(RtlMultiByteToUnicodeN(w, 5, &n, "abc", 3), STATUS_SUCCESS);
    assert_int_equal(n, 4); /* an odd byte count holds two WCHARs */
    assert_int_equal(w[0], 'a');
    assert_int_equal(w[1], 'b');
    assert_int_equal(w[2], 0x5A5A);

    assert_status(RtlUnicodeToMultiByteN(c, 2, &n, L"xyz", 6), STATUS_SUCCESS);
    assert_int_equal(n, 2);
    assert_memory_equal(c, "xyZZ", 4);
    assert_status(RtlUnicodeToMultiByteN(c, 4, NULL, L"\x2122", 2), STATUS_SUCCESS);
    assert_int_equal((unsigned char)c[0], 0x99); /* trade mark sign */

    assert_status(RtlUnicodeToMultiByteSize(&n, L"abcd", 8), STATUS_SUCCESS);
    assert_int_equal(n, 4);
    assert_status(RtlMultiByteToUnicodeSize(&n, "abcd", 4), STATUS_SUCCESS);
    assert_int_equal(n, 8);
}

/* ---- case ---- */

static void test_case_chars(void **state)
{
    (void)state;
    assert_int_equal(RtlUpcaseUnicodeChar(L'a'), L'A');
    assert_int_equal(RtlUpcaseUnicodeChar(L'Z'), L'Z');
    assert_int_equal(RtlUpcaseUnicodeChar(L'1'), L'1');
    assert_int_equal(RtlUpcaseUnicodeChar(0x00E9), 0x00C9);
    assert_int_equal(RtlUpcaseUnicodeChar(0x00F7), 0x00F7); /* division sign */
    assert_int_equal(RtlUpcaseUnicodeChar(0x00FF), 0x0178);
    assert_int_equal(RtlUpcaseUnicodeChar(0x00DF), 0x00DF); /* sharp s has no single upper case */
    assert_int_equal(RtlUpcaseUnicodeChar(0x0101), 0x0100);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0100), 0x0100);
    assert_int_equal(RtlUpcaseUnicodeChar(0x013A), 0x0139);
    assert_int_equal(RtlUpcaseUnicodeChar(0x03B1), 0x0391);
    assert_int_equal(RtlUpcaseUnicodeChar(0x03C2), 0x03A3);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0430), 0x0410);
    assert_int_equal(RtlUpcaseUnicodeChar(0x0451), 0x0401);
    assert_int_equal(RtlUpcaseUnicodeChar(0xFF41), 0xFF21);

    assert_int_equal(RtlDowncaseUnicodeChar(L'Q'), L'q');
    assert_int_equal(RtlDowncaseUnicodeChar(L'q'), L'q');
    assert_int_equal(RtlDowncaseUnicodeChar(0x00C9), 0x00E9);
    assert_int_equal(RtlDowncaseUnicodeChar(0x00D7), 0x00D7); /* multiplication sign */
    assert_int_equal(RtlDowncaseUnicodeChar(0x0178), 0x00FF);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0139), 0x013A);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0100), 0x0101);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0391), 0x03B1);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0410), 0x0430);
    assert_int_equal(RtlDowncaseUnicodeChar(0x0401), 0x0451);
}

static void test_case_strings(void **state)
{
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"MixEd\x00E9");
    UNICODE_STRING dst;
    WCHAR buf[8];
    WCHAR inplace[] = L"abc";
    UNICODE_STRING ip = { 6, 8, inplace };
    (void)state;

    assert_status(RtlUpcaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"MIXED\x00C9");
    assert_int_equal(dst.MaximumLength, 12);
    RtlFreeUnicodeString(&dst);

    assert_status(RtlDowncaseUnicodeString(&dst, &src, TRUE), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"mixed\x00E9");
    RtlFreeUnicodeString(&dst);

    dst.Buffer = buf;
    dst.MaximumLength = 10;
    dst.Length = 0;
    assert_status(RtlUpcaseUnicodeString(&dst, &src, FALSE), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(dst.Length, 0);
    dst.MaximumLength = 12;
    assert_status(RtlUpcaseUnicodeString(&dst, &src, FALSE), STATUS_SUCCESS);
    assert_ustr_equal(&dst, L"MIXED\x00C9");

    assert_status(RtlUpcaseUnicodeString(&ip, &ip, FALSE), STATUS_SUCCESS);
    assert_wstr_equal(inplace, L"ABC");
}

/* ---- duplicate ---- */

static void test_duplicate(void **state)
{
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"dup");
    UNICODE_STRING empty = { 0, 0, NULL };
    UNICODE_STRING out;
    (void)state;

    assert_status(RtlDuplicateUnicodeString(0, &src, &out), STATUS_SUCCESS);
    assert_ustr_equal(&out, L"dup");
    assert_int_equal(out.MaximumLength, 6);
    assert_ptr_not_equal(out.Buffer, src.Buffer);
    RtlFreeUnicodeString(&out);

    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &src, &out),
                  STATUS_SUCCESS);
    assert_int_equal(out.MaximumLength, 8);
    assert_wstr_equal(out.Buffer, L"dup");
    RtlFreeUnicodeString(&out);

    /* An empty source gives an empty result without a buffer ... */
    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE, &empty, &out),
                  STATUS_SUCCESS);
    assert_null(out.Buffer);
    assert_int_equal(out.MaximumLength, 0);
    /* ... unless a terminated empty string is asked for. */
    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE |
                                                RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING,
                                            &empty, &out),
                  STATUS_SUCCESS);
    assert_non_null(out.Buffer);
    assert_int_equal(out.Length, 0);
    assert_int_equal(out.MaximumLength, 2);
    assert_int_equal(out.Buffer[0], 0);
    RtlFreeUnicodeString(&out);
}

static void test_duplicate_invalid(void **state)
{
    UNICODE_STRING src = RTL_CONSTANT_STRING(L"dup");
    UNICODE_STRING odd = { 3, 8, (PWCH)L"dup" };
    UNICODE_STRING out = { 0, 0, NULL };
    (void)state;

    assert_status(RtlDuplicateUnicodeString(4, &src, &out), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING, &src, &out),
                  STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0, NULL, &out), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0, &src, NULL), STATUS_INVALID_PARAMETER);
    assert_status(RtlDuplicateUnicodeString(0, &odd, &out), STATUS_INVALID_PARAMETER);
    assert_null(out.Buffer);
}

/* ---- numbers ---- */

static void test_integer_to_unicode(void **state)
{
    WCHAR buf[24];
    UNICODE_STRING s = { 0, sizeof(buf), buf };
    (void)state;

    assert_status(RtlIntegerToUnicodeString(1234, 10, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"1234");
    assert_int_equal(buf[4], 0);
    assert_status(RtlIntegerToUnicodeString(0xBEEF, 16, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"BEEF");
    assert_status(RtlIntegerToUnicodeString(5, 2, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"101");
    assert_status(RtlIntegerToUnicodeString(8, 8, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"10");
    assert_status(RtlIntegerToUnicodeString(0, 0, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"0");
    assert_status(RtlIntegerToUnicodeString(0xFFFFFFFF, 0, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"4294967295");
    assert_status(RtlIntegerToUnicodeString(1, 7, &s), STATUS_INVALID_PARAMETER);

    /* "123" needs 6 bytes plus 2 for the terminator. */
    s.MaximumLength = 6;
    s.Length = 0;
    assert_status(RtlIntegerToUnicodeString(123, 10, &s), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(s.Length, 0);
    s.MaximumLength = 8;
    assert_status(RtlIntegerToUnicodeString(123, 10, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"123");

    s.MaximumLength = sizeof(buf);
    assert_status(RtlInt64ToUnicodeString(18446744073709551615ull, 10, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"18446744073709551615");
    assert_status(RtlInt64ToUnicodeString(0x123456789ABCull, 16, &s), STATUS_SUCCESS);
    assert_ustr_equal(&s, L"123456789ABC");
}

static ULONG parse(PCWSTR Text, ULONG Base, NTSTATUS Expected)
{
    UNICODE_STRING s;
    ULONG v = 0xDEADBEEF;

    RtlInitUnicodeString(&s, Text);
    assert_status(RtlUnicodeStringToInteger(&s, Base, &v), Expected);
    return v;
}

static void test_unicode_to_integer(void **state)
{
    UNICODE_STRING counted = { 4, 10, (PWCH)L"12345" };
    ULONG v = 0;
    (void)state;

    /* The documented examples. */
    assert_int_equal(parse(L"123", 10, STATUS_SUCCESS), 123);
    assert_int_equal(parse(L"-345", 10, STATUS_SUCCESS), (ULONG)-345);
    assert_int_equal(parse(L"xyz", 10, STATUS_SUCCESS), 0);
    assert_int_equal(parse(L"+678abc", 10, STATUS_SUCCESS), 678);
    assert_int_equal(parse(L"+678abc", 16, STATUS_SUCCESS), 0x678ABC);
    /* Prefixes with Base 0, leading white space. */
    assert_int_equal(parse(L"0x1A", 0, STATUS_SUCCESS), 26);
    assert_int_equal(parse(L"0o17", 0, STATUS_SUCCESS), 15);
    assert_int_equal(parse(L"0b101", 0, STATUS_SUCCESS), 5);
    assert_int_equal(parse(L"  \t42", 0, STATUS_SUCCESS), 42);
    assert_int_equal(parse(L"0x1A", 10, STATUS_SUCCESS), 0);
    assert_int_equal(parse(L"1012", 2, STATUS_SUCCESS), 5);
    /* Errors. */
    parse(L"", 10, STATUS_INVALID_PARAMETER);
    parse(L"12", 3, STATUS_INVALID_PARAMETER);
    /* Only Length counts, not the terminator. */
    assert_status(RtlUnicodeStringToInteger(&counted, 10, &v), STATUS_SUCCESS);
    assert_int_equal(v, 12);
}

static void test_char_to_integer(void **state)
{
    ULONG v = 0;
    (void)state;

    assert_status(RtlCharToInteger("  -10", 10, &v), STATUS_SUCCESS);
    assert_int_equal(v, (ULONG)-10);
    assert_status(RtlCharToInteger("0xff", 0, &v), STATUS_SUCCESS);
    assert_int_equal(v, 255);
    assert_status(RtlCharToInteger("777", 8, &v), STATUS_SUCCESS);
    assert_int_equal(v, 511);
    assert_status(RtlCharToInteger("1", 5, &v), STATUS_INVALID_PARAMETER);
}

/* ---- memory ---- */

static void test_compare_memory(void **state)
{
    ULONG block[4] = { 0x11111111, 0x11111111, 0x22222222, 0x11111111 };
    (void)state;

    assert_int_equal(RtlCompareMemory("abcdef", "abcxef", 6), 3);
    assert_int_equal(RtlCompareMemory("abcdef", "abcdef", 6), 6);
    assert_int_equal(RtlCompareMemory("a", "b", 0), 0);

    assert_int_equal(RtlCompareMemoryUlong(block, 16, 0x11111111), 8);
    assert_int_equal(RtlCompareMemoryUlong(block, 8, 0x11111111), 8);
    assert_int_equal(RtlCompareMemoryUlong(block, 16, 0x22222222), 0);
    assert_int_equal(RtlCompareMemoryUlong(&block[2], 4, 0x22222222), 4);
    /* Documented: 0 for a length that is not a multiple of 4 or a misaligned source. */
    assert_int_equal(RtlCompareMemoryUlong(block, 6, 0x11111111), 0);
    assert_int_equal(RtlCompareMemoryUlong((PUCHAR)block + 1, 4, 0x11111111), 0);
}

/* ---- GUIDs ---- */

static void test_guid(void **state)
{
    static const GUID g = { 0x12345678, 0x9ABC, 0xDEF0, { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF } };
    UNICODE_STRING s, lower = RTL_CONSTANT_STRING(L"{12345678-9abc-def0-0123-456789abcdef}");
    GUID back;
    (void)state;

    assert_status(RtlStringFromGUID(&g, &s), STATUS_SUCCESS);
    assert_int_equal(s.Length, 76);
    assert_int_equal(s.MaximumLength, 78);
    assert_wstr_equal(s.Buffer, L"{12345678-9ABC-DEF0-0123-456789ABCDEF}");
    memset(&back, 0, sizeof(back));
    assert_status(RtlGUIDFromString(&s, &back), STATUS_SUCCESS);
    assert_memory_equal(&back, &g, sizeof(g));
    RtlFreeUnicodeString(&s);

    memset(&back, 0, sizeof(back));
    assert_status(RtlGUIDFromString(&lower, &back), STATUS_SUCCESS);
    assert_true(IsEqualGUID(&back, &g));
}

static void test_guid_malformed(void **state)
{
    static PCWSTR bad[] = {
        L"12345678-9abc-def0-0123-456789abcdef",   /* no braces */
        L"{12345678-9abc-def0-0123-456789abcdeg}", /* not hex */
        L"{12345678-9abc-def0-0123-456789abcde}",  /* short */
        L"{12345678+9abc-def0-0123-456789abcdef}", /* separator */
        L"{12345678-9abc-def0-0123-456789abcdef}x",
    };
    GUID out;
    size_t i;
    (void)state;

    for (i = 0; i < RTL_NUMBER_OF(bad); i++) {
        UNICODE_STRING s;
        RtlInitUnicodeString(&s, bad[i]);
        assert_status(RtlGUIDFromString(&s, &out), STATUS_INVALID_PARAMETER);
    }
}

/* ---- random ---- */

static void test_random(void **state)
{
    ULONG s1 = 42, s2 = 42, s3 = 43, v = 0, first;
    int i;
    (void)state;

    first = RtlRandomEx(&s1);
    assert_int_equal(first, RtlRandomEx(&s2));
    assert_int_equal(s1, s2);
    assert_int_not_equal(first, RtlRandomEx(&s3));
    /* The documented Lehmer step: (42 * 0x7FFFFFED + 0x7FFFFFC3) mod 0x7FFFFFFF. */
    assert_int_equal(first, (ULONG)((42ull * 0x7FFFFFEDull + 0x7FFFFFC3ull) % 0x7FFFFFFFull));
    for (i = 0; i < 1000; i++) {
        v = RtlRandomEx(&s1);
        assert_true(v < 0x7FFFFFFFu);
        assert_int_equal(v, s1);
    }
    assert_true(RtlRandom(&s2) < 0x7FFFFFFFu);
    assert_true(RtlUniform(&s3) < 0x7FFFFFFFu);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_unicode),
        cmocka_unit_test(test_init_unicode_too_long),
        cmocka_unit_test(test_init_ansi),
        cmocka_unit_test(test_init_empty),
        cmocka_unit_test(test_copy_unicode),
        cmocka_unit_test(test_copy_string),
        cmocka_unit_test(test_compare_unicode),
        cmocka_unit_test(test_compare_string),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_append_string),
        cmocka_unit_test(test_ansi_to_unicode),
        cmocka_unit_test(test_ansi_to_unicode_too_long),
        cmocka_unit_test(test_unicode_to_ansi),
        cmocka_unit_test(test_multibyte_n),
        cmocka_unit_test(test_case_chars),
        cmocka_unit_test(test_case_strings),
        cmocka_unit_test(test_duplicate),
        cmocka_unit_test(test_duplicate_invalid),
        cmocka_unit_test(test_integer_to_unicode),
        cmocka_unit_test(test_unicode_to_integer),
        cmocka_unit_test(test_char_to_integer),
        cmocka_unit_test(test_compare_memory),
        cmocka_unit_test(test_guid),
        cmocka_unit_test(test_guid_malformed),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests_name("rtl/strings", tests, NULL, NULL);
}
