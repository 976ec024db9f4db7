/* crt.c - the kernel C runtime on 16-bit WCHAR (sim/crt), against known answers.
 * The calls use the drivers' names: nt/crt.h renames them to ntsim's routines. */
#include <ntddk.h>
#include <ntstrsafe.h>
#include "ntsim_test.h"

static void wide_lengths_and_copies(void **State)
{
    (void)State;
    WCHAR Buffer[16];
    assert_int_equal(wcslen(L""), 0);
    assert_int_equal(wcslen(L"COM1"), 4);
    assert_int_equal(wcslen(L"\x00e9t\x00e9"), 3);
    assert_int_equal(wcsnlen(L"serial", 3), 3);
    assert_ptr_equal(wcscpy(Buffer, L"abc"), Buffer);
    assert_int_equal(wcscmp(Buffer, L"abc"), 0);
    wcscat(Buffer, L"def");
    assert_int_equal(wcscmp(Buffer, L"abcdef"), 0);
    wcsncat(Buffer, L"ghijk", 2);
    assert_int_equal(wcscmp(Buffer, L"abcdefgh"), 0);
    for (int i = 0; i < 16; i++)
        Buffer[i] = L'x';
    wcsncpy(Buffer, L"ab", 5); /* pads with NULs to the count */
    assert_true(Buffer[0] == L'a' && Buffer[1] == L'b' && Buffer[2] == 0 && Buffer[4] == 0 && Buffer[5] == L'x');
    wcsncpy(Buffer, L"abcdef", 3); /* a long source is not terminated */
    assert_true(Buffer[2] == L'c' && Buffer[3] == 0);
}

static void wide_comparisons(void **State)
{
    (void)State;
    assert_true(wcscmp(L"abc", L"abd") < 0);
    assert_true(wcscmp(L"abd", L"abc") > 0);
    assert_true(wcscmp(L"ab", L"abc") < 0);
    assert_true(wcscmp(L"\xffff", L"a") > 0); /* 16-bit units compare unsigned */
    assert_int_equal(wcsncmp(L"abcX", L"abcY", 3), 0);
    assert_int_equal(_wcsicmp(L"\\Device\\Serial0", L"\\DEVICE\\serial0"), 0);
    assert_true(_wcsicmp(L"a", L"B") < 0);
    /* Microsoft folds to lower case, so "_" (0x5F) sorts before "a" (0x61) */
    assert_true(_wcsicmp(L"_", L"A") < 0);
    assert_int_equal(_wcsnicmp(L"PORTx", L"portY", 4), 0);
    assert_true(_wcsnicmp(L"PORTx", L"portY", 5) < 0);
}

static void wide_searches_and_case(void **State)
{
    (void)State;
    const WCHAR *S = L"\\Device\\Serial0";
    assert_ptr_equal(wcschr(S, L'S'), S + 8);
    assert_ptr_equal(wcschr(S, 0), S + 15);
    assert_null(wcschr(S, L'z'));
    assert_ptr_equal(wcsrchr(S, L'\\'), S + 7);
    assert_ptr_equal(wcsstr(S, L"Serial"), S + 8);
    assert_null(wcsstr(S, L"Parallel"));
    assert_ptr_equal(wcsstr(S, L""), S);
    assert_int_equal(towupper(L'a'), L'A');
    assert_int_equal(towupper(0x00e9), 0x00c9);
    assert_int_equal(towlower(L'Q'), L'q');
    assert_int_equal(towlower(0x0416), 0x0436); /* Cyrillic ZHE */
    WCHAR Mixed[] = L"MiXeD";
    assert_int_equal(wcscmp(_wcsupr(Mixed), L"MIXED"), 0);
    assert_int_equal(wcscmp(_wcslwr(Mixed), L"mixed"), 0);
}

static void narrow_case_insensitive(void **State)
{
    (void)State;
    assert_int_equal(_stricmp("PnP", "pnp"), 0);
    assert_true(_stricmp("a", "B") < 0);
    assert_true(_stricmp("_", "A") < 0); /* 0x5F against 'a' 0x61 */
    assert_int_equal(_strnicmp("ACPI\\PNP0501", "acpi\\pnp0500", 11), 0);
    assert_true(_strnicmp("ACPI\\PNP0501", "acpi\\pnp0500", 12) > 0);
    char S[] = "Com1";
    assert_string_equal(_strupr(S), "COM1");
    assert_string_equal(_strlwr(S), "com1");
}

static void counted_formats(void **State)
{
    (void)State;
    char Narrow[8];
    WCHAR Wide[8];
    memset(Narrow, 'x', sizeof(Narrow));
    assert_int_equal(_snprintf(Narrow, sizeof(Narrow), "%ld", 42L), 2);
    assert_string_equal(Narrow, "42");
    memset(Narrow, 'x', sizeof(Narrow));
    assert_int_equal(_snprintf(Narrow, 4, "%s", "abcd"), 4); /* fits exactly: no terminator */
    assert_memory_equal(Narrow, "abcdx", 5);
    assert_int_equal(_snprintf(Narrow, 3, "%s", "abcd"), -1); /* cut */
    assert_memory_equal(Narrow, "abcdx", 5);
    assert_int_equal(_snwprintf(Wide, 8, L"%u", 7u), 1);
    assert_int_equal(wcscmp(Wide, L"7"), 0);
    assert_int_equal(_snwprintf(Wide, 2, L"%s", L"abc"), -1);
    assert_true(Wide[0] == L'a' && Wide[1] == L'b');
}

static int CallVsn(WCHAR *Buffer, size_t Count, const WCHAR *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = _vsnwprintf(Buffer, Count, Format, Args);
    va_end(Args);
    return Result;
}

static int CallVsnA(char *Buffer, size_t Count, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = _vsnprintf(Buffer, Count, Format, Args);
    va_end(Args);
    return Result;
}

static void swprintf_both_forms(void **State)
{
    (void)State;
    WCHAR Buffer[32];
    PCWSTR Format = L"%ws%d";
    assert_int_equal(swprintf(Buffer, L"\\Device\\Serial%d", 3), 15);
    assert_int_equal(wcscmp(Buffer, L"\\Device\\Serial3"), 0);
    assert_int_equal(swprintf(Buffer, Format, L"COM", 2), 4);
    assert_int_equal(wcscmp(Buffer, L"COM2"), 0);
    assert_int_equal(swprintf(Buffer, RTL_NUMBER_OF(Buffer), L"%04X", 0xbeefu), 4);
    assert_int_equal(wcscmp(Buffer, L"BEEF"), 0);
    assert_int_equal(swprintf(Buffer, 3, L"%s", L"abcdef"), -1); /* ISO: cut is an error, still terminated */
    assert_int_equal(wcscmp(Buffer, L"ab"), 0);
    assert_int_equal(CallVsn(Buffer, 32, L"%I64x", 0x123456789abcull), 12);
    assert_int_equal(wcscmp(Buffer, L"123456789abc"), 0);
    char Narrow[32];
    assert_int_equal(CallVsnA(Narrow, sizeof(Narrow), "%Iu|%lx", (size_t)1 << 40, 0xFFFFFFFFul), 22);
    assert_string_equal(Narrow, "1099511627776|ffffffff");
}

static void microsoft_string_formats(void **State)
{
    (void)State;
    UNICODE_STRING Us = RTL_CONSTANT_STRING(L"Serial0xx");
    Us.Length = 7 * sizeof(WCHAR);
    ANSI_STRING As = RTL_CONSTANT_STRING("PNP0501");
    char Narrow[64];
    WCHAR Wide[64];
    assert_int_equal(_snprintf(Narrow, sizeof(Narrow), "[%wZ][%Z][%ws][%S]", &Us, &As, L"w", L"S"), 24);
    assert_string_equal(Narrow, "[Serial0][PNP0501][w][S]");
    assert_int_equal(_snwprintf(Wide, 64, L"%wZ %S %hs %c", &Us, "nar", "h", L'c'), 15);
    assert_int_equal(wcscmp(Wide, L"Serial0 nar h c"), 0);
    /* DbgPrint and ntstrsafe share the formatter: the same answers */
    assert_int_equal(RtlStringCbPrintfA(Narrow, sizeof(Narrow), "%wZ|%I64d|%ld", &Us, -5ll, -1), 0);
    assert_string_equal(Narrow, "Serial0|-5|-1");
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(wide_lengths_and_copies),   cmocka_unit_test(wide_comparisons),
        cmocka_unit_test(wide_searches_and_case),    cmocka_unit_test(narrow_case_insensitive),
        cmocka_unit_test(counted_formats),           cmocka_unit_test(swprintf_both_forms),
        cmocka_unit_test(microsoft_string_formats),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
