/* rtltest.h - helpers shared by the rtl suites. */
#ifndef NTSIM_TESTS_RTLTEST_H
#define NTSIM_TESTS_RTLTEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

/* Compare two NUL-terminated WCHAR strings; on mismatch print both. */
static inline void rtltest_wstr_equal_msg(const unsigned short *Actual, const unsigned short *Expected,
                                          const char *File, int Line)
{
    size_t i = 0;
    while (Actual[i] != 0 && Actual[i] == Expected[i])
        i++;
    if (Actual[i] != Expected[i]) {
        size_t k;
        print_error("WCHAR strings differ at index %zu\n  actual:  ", i);
        for (k = 0; Actual[k] != 0 && k < 80; k++)
            print_error("%c", Actual[k] >= 0x20 && Actual[k] < 0x7f ? (char)Actual[k] : '.');
        print_error("\n  expected: ");
        for (k = 0; Expected[k] != 0 && k < 80; k++)
            print_error("%c", Expected[k] >= 0x20 && Expected[k] < 0x7f ? (char)Expected[k] : '.');
        print_error("\n");
        _fail(File, Line);
    }
}

#define assert_wstr_equal(a, b) rtltest_wstr_equal_msg((const unsigned short *)(a), (const unsigned short *)(b), \
                                                       __FILE__, __LINE__)

/* A counted string equals a NUL-terminated WCHAR literal (length and contents). */
#define assert_ustr_equal(us, lit)                                                          \
    do {                                                                                     \
        assert_int_equal((us)->Length, sizeof(lit) - sizeof(WCHAR));                         \
        assert_memory_equal((us)->Buffer, (lit), sizeof(lit) - sizeof(WCHAR));              \
    } while (0)

#define assert_status(actual, expected) assert_int_equal((unsigned)(actual), (unsigned)(expected))

#endif
