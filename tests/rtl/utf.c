/* rtl/utf - the simulator's UTF-16 <-> UTF-8 helpers (sim/rtl/utf.c). */
#include "ntsimp.h"
#include "rtltest.h"

static void test_utf16_to_utf8(void **state)
{
    static const WCHAR text[] = { 'a', 0x00E9, 0x20AC, 0xD83D, 0xDE00, 0 }; /* a é € U+1F600 */
    char out[32];
    (void)state;

    assert_int_equal(RtlpUtf16ToUtf8(text, 5, out, sizeof(out)), 10);
    assert_string_equal(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
    /* Counting mode. */
    assert_int_equal(RtlpUtf16ToUtf8(text, 5, NULL, 0), 10);
    /* A character that does not fit is left out whole; the result stays terminated. */
    memset(out, 'Z', sizeof(out));
    assert_int_equal(RtlpUtf16ToUtf8(text, 5, out, 5), 3);
    assert_string_equal(out, "a\xC3\xA9");
    assert_int_equal(RtlpUtf16ToUtf8(text + 3, 2, out, 4), 0); /* 4-byte pair needs 5 with NUL */
    assert_string_equal(out, "");
    out[0] = 'Z';
    assert_int_equal(RtlpUtf16ToUtf8(text, 5, out, 0), 0);
    assert_int_equal(out[0], 'Z');
}

static void test_utf16_lone_surrogates(void **state)
{
    static const WCHAR high_then_a[] = { 0xD800, 'a' };
    static const WCHAR low_alone[] = { 0xDC00 };
    static const WCHAR high_at_end[] = { 'x', 0xDBFF };
    static const WCHAR reversed[] = { 0xDE00, 0xD83D };
    char out[16];
    (void)state;

    assert_int_equal(RtlpUtf16ToUtf8(high_then_a, 2, out, sizeof(out)), 4);
    assert_string_equal(out, "\xEF\xBF\xBD" "a");
    assert_int_equal(RtlpUtf16ToUtf8(low_alone, 1, out, sizeof(out)), 3);
    assert_string_equal(out, "\xEF\xBF\xBD");
    assert_int_equal(RtlpUtf16ToUtf8(high_at_end, 2, out, sizeof(out)), 4);
    assert_string_equal(out, "x\xEF\xBF\xBD");
    assert_int_equal(RtlpUtf16ToUtf8(reversed, 2, out, sizeof(out)), 6);
    assert_string_equal(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

static void test_utf8_to_utf16(void **state)
{
    static const char text[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    static const WCHAR expect[] = { 'a', 0x00E9, 0x20AC, 0xD83D, 0xDE00, 0 };
    WCHAR out[8];
    (void)state;

    assert_int_equal(RtlpUtf8ToUtf16(text, sizeof(text) - 1, out, 8), 5);
    assert_memory_equal(out, expect, sizeof(expect));
    assert_int_equal(RtlpUtf8ToUtf16(text, sizeof(text) - 1, NULL, 0), 5);
    /* The pair needs two units plus the terminator: left out whole. */
    assert_int_equal(RtlpUtf8ToUtf16(text, sizeof(text) - 1, out, 5), 3);
    assert_int_equal(out[3], 0);
    assert_int_equal(RtlpUtf8ToUtf16("abc", 3, out, 1), 0);
    assert_int_equal(out[0], 0);
}

static void expect_utf8(const char *In, size_t Bytes, const WCHAR *Expect, size_t Count)
{
    WCHAR out[16];
    size_t n = RtlpUtf8ToUtf16(In, Bytes, out, 16);

    assert_int_equal(n, Count);
    assert_memory_equal(out, Expect, Count * sizeof(WCHAR));
    assert_int_equal(out[Count], 0);
}

static void test_utf8_invalid(void **state)
{
    static const WCHAR r2[] = { 0xFFFD, 0xFFFD };
    static const WCHAR r3[] = { 0xFFFD, 0xFFFD, 0xFFFD };
    static const WCHAR r4[] = { 0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD };
    static const WCHAR r_a[] = { 0xFFFD, 'A' };
    static const WCHAR a_r[] = { 'a', 0xFFFD };
    static const WCHAR r1[] = { 0xFFFD };
    (void)state;

    expect_utf8("\xC0\xAF", 2, r2, 2);             /* overlong '/' */
    expect_utf8("\xE0\x80\xAF", 3, r3, 3);         /* overlong 3-byte */
    expect_utf8("\xED\xA0\x80", 3, r3, 3);         /* encoded surrogate */
    expect_utf8("\xF4\x90\x80\x80", 4, r4, 4);     /* above U+10FFFF */
    expect_utf8("\xE2\x82\x41", 3, r_a, 2);        /* bad continuation: one U+FFFD for E2 82 */
    expect_utf8("a\xE2\x82", 3, a_r, 2);           /* truncated at the end */
    expect_utf8("\x80", 1, r1, 1);                 /* lone continuation byte */
    expect_utf8("\xFF", 1, r1, 1);
    expect_utf8("\xF0\x9F\x98", 3, r1, 1);         /* truncated 4-byte sequence */
}

static void test_dup_and_equal(void **state)
{
    UNICODE_STRING s = RTL_CONSTANT_STRING(L"\\Device\\Caf\x00E9");
    UNICODE_STRING counted = { 4, 8, (PWCH)L"abcd" };
    UNICODE_STRING none = { 0, 0, NULL };
    char *p;
    (void)state;

    p = RtlpUnicodeToUtf8Dup(&s);
    assert_string_equal(p, "\\Device\\Caf\xC3\xA9");
    free(p);
    p = RtlpUnicodeToUtf8Dup(&counted);
    assert_string_equal(p, "ab");
    free(p);
    p = RtlpUnicodeToUtf8Dup(&none);
    assert_string_equal(p, "");
    free(p);

    assert_true(RtlpEqualUnicodeUtf8(&s, "\\DEVICE\\caf\xC3\xA9"));
    assert_false(RtlpEqualUnicodeUtf8(&s, "\\DEVICE\\CAF\xC3\x89")); /* É vs é: ASCII folding only */
    assert_false(RtlpEqualUnicodeUtf8(&s, "\\Device\\Caf"));
    assert_false(RtlpEqualUnicodeUtf8(&s, "\\Device\\Caf\xC3\xA9x"));
    assert_true(RtlpEqualUnicodeUtf8(&counted, "AB"));
    assert_true(RtlpEqualUnicodeUtf8(&none, ""));
    assert_false(RtlpEqualUnicodeUtf8(&none, "a"));
}

static void test_wcslen(void **state)
{
    (void)state;
    assert_int_equal(RtlpWcslen(L"hello"), 5);
    assert_int_equal(RtlpWcslen(L""), 0);
    assert_int_equal(RtlpWcslen(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf16_to_utf8),
        cmocka_unit_test(test_utf16_lone_surrogates),
        cmocka_unit_test(test_utf8_to_utf16),
        cmocka_unit_test(test_utf8_invalid),
        cmocka_unit_test(test_dup_and_equal),
        cmocka_unit_test(test_wcslen),
    };
    return cmocka_run_group_tests_name("rtl/utf", tests, NULL, NULL);
}
