/* sitetext.c - the site and text formatters (sim/ke/context.c) give what snprintf gave
 * before them, for every buffer size: "file:line", the short form, a name alone, and
 * text cut to fit. White-box: the routines are the simulator's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

typedef struct {
    const char *File;
    int Line;
} SITE; /* sim/ntsimp.h's NTSIM_SITE */

const char *KiFormatSite(SITE Site, char *Buffer, size_t Size);
const char *KiFormatSiteShort(SITE Site, char *Buffer, size_t Size);
const char *KiCopyText(char *Buffer, size_t Size, const char *Text);

/* Buffer of every size from 1 to past the text: the same bytes as snprintf's. */
static void CheckSite(SITE Site, const char *Text, const char *ShortText)
{
    for (size_t Size = 1; Size <= strlen(Text) + 3; Size++) {
        char Got[64], Want[64];
        memset(Got, 'X', sizeof(Got));
        snprintf(Want, Size, "%s", Text);
        assert_ptr_equal(KiFormatSite(Site, Got, Size), Got);
        assert_string_equal(Got, Want);
        assert_int_equal(Got[Size], 'X'); /* nothing written past the buffer */
        snprintf(Want, Size, "%s", ShortText);
        KiFormatSiteShort(Site, Got, Size);
        assert_string_equal(Got, Want);
    }
}

static void test_site_forms(void **State)
{
    (void)State;
    CheckSite((SITE){ "/src/driver/echo.c", 120 }, "/src/driver/echo.c:120", "echo.c:120");
    CheckSite((SITE){ "echo.c", 7 }, "echo.c:7", "echo.c:7");
    CheckSite((SITE){ "/x/y.c", 2147483647 }, "/x/y.c:2147483647", "y.c:2147483647");
    CheckSite((SITE){ "/x/y.c", -5 }, "/x/y.c:-5", "y.c:-5");
    CheckSite((SITE){ "echo.sys!Dispatch+0x1c", 0 }, "echo.sys!Dispatch+0x1c", "echo.sys!Dispatch+0x1c");
    CheckSite((SITE){ NULL, 12 }, "", "");
}

static void test_copy_text(void **State)
{
    (void)State;
    const char *Text = "serial";
    for (size_t Size = 1; Size <= 9; Size++) {
        char Got[16], Want[16];
        memset(Got, 'X', sizeof(Got));
        snprintf(Want, Size, "%s", Text);
        assert_ptr_equal(KiCopyText(Got, Size, Text), Got);
        assert_string_equal(Got, Want);
        assert_int_equal(Got[Size], 'X');
    }
    char Untouched = 'X';
    KiCopyText(&Untouched, 0, Text); /* no room: nothing written */
    assert_int_equal(Untouched, 'X');
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_site_forms),
        cmocka_unit_test(test_copy_text),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
