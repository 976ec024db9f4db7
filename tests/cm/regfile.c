/* cm/regfile - .reg import/export through the host API (ntsim_reg_*). */
#include "cmtest.h"

#include <unistd.h>

#define T(s) ntsim_reg_import_text(state_machine, "t.reg", (s), strlen(s))

static ntsim_machine *state_machine;

static int rf_setup(void **state)
{
    int r = cm_setup(state);
    state_machine = *state;
    return r;
}

static int rf_teardown(void **state)
{
    state_machine = NULL;
    return cm_teardown(state);
}

static void check_value(const WCHAR *KeyPath, const WCHAR *Name, ULONG Type, const void *Data, ULONG Size)
{
    HANDLE Key = cm_must_open(KeyPath);
    UCHAR Got[512];
    ULONG GotType = 0xFFFF, GotSize = 0xFFFF;
    assert_status(cm_get(Key, Name, &GotType, Got, &GotSize), STATUS_SUCCESS);
    assert_int_equal(GotType, Type);
    assert_int_equal(GotSize, Size);
    assert_memory_equal(Got, Data, Size);
    ZwClose(Key);
}

static void test_import_syntax(void **state)
{
    static const char Text[] =
        "Windows Registry Editor Version 5.00\r\n"
        "\r\n"
        "; a comment\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor\\Product]\r\n"
        "@=\"default\"\r\n"
        "\"Path\"=\"C:\\\\Program Files\\\\\\\"Q\\\"\"\r\n"
        "\"Count\"=dword:0000002a\r\n"
        "\"Small\" = dword:7 ; trailing comment\r\n"
        "\"Bin\"=hex:de,ad,BE,ef\r\n"
        "\"Empty\"=hex:\r\n"
        "\"Exp\"=hex(2):25,00,41,00,25,00,00,00\r\n"
        "\"Multi\"=hex(7):61,00,00,00,62,00,00,00,\\\r\n"
        "  00,00\r\n"
        "\"Q\"=hex(b):01,00,00,00,00,00,00,80\r\n"
        "\"Odd\"=hex(12345678):ff\r\n"
        "\r\n"
        "[HKLM\\SOFTWARE\\Vendor\\Product\\Sub]\r\n";
    static const ULONG Count = 42, Small = 7;
    static const UCHAR Bin[] = { 0xde, 0xad, 0xbe, 0xef };
    static const UCHAR Q[] = { 1, 0, 0, 0, 0, 0, 0, 0x80 };
    static const UCHAR Odd[] = { 0xff };
    (void)state;

    assert_int_equal(T(Text), 0);
#define KEY L"\\Registry\\Machine\\SOFTWARE\\Vendor\\Product"
    check_value(KEY, L"", REG_SZ, L"default", sizeof(L"default"));
    check_value(KEY, L"Path", REG_SZ, L"C:\\Program Files\\\"Q\"", sizeof(L"C:\\Program Files\\\"Q\""));
    check_value(KEY, L"Count", REG_DWORD, &Count, 4);
    check_value(KEY, L"Small", REG_DWORD, &Small, 4);
    check_value(KEY, L"Bin", REG_BINARY, Bin, 4);
    check_value(KEY, L"Empty", REG_BINARY, "", 0);
    check_value(KEY, L"Exp", REG_EXPAND_SZ, L"%A%", sizeof(L"%A%"));
    check_value(KEY, L"Multi", REG_MULTI_SZ, L"a\0b\0", sizeof(L"a\0b\0"));
    check_value(KEY, L"Q", REG_QWORD, Q, 8);
    check_value(KEY, L"Odd", 0x12345678, Odd, 1);
    assert_true(cm_exists(KEY L"\\Sub"));
#undef KEY
}

static void test_import_roots_and_regedit4(void **state)
{
    static const char Text[] =
        "REGEDIT4\n"
        "\n"
        "[HKEY_CURRENT_USER\\Software\\A]\n"
        "\"s\"=\"x\"\n"
        "[HKEY_USERS\\.DEFAULT\\Software\\B]\n"
        "[HKEY_CLASSES_ROOT\\.ntsim]\n"
        "@=\"ntsimfile\"\n"
        "[HKLM\\SOFTWARE\\C]\n"
        "\"e\"=hex(2):25,41,25,00\n";
    (void)state;

    assert_int_equal(T(Text), 0);
    check_value(L"\\Registry\\User\\.DEFAULT\\Software\\A", L"s", REG_SZ, L"x", sizeof(L"x"));
    assert_true(cm_exists(L"\\Registry\\User\\.DEFAULT\\Software\\B"));
    check_value(L"\\Registry\\Machine\\SOFTWARE\\Classes\\.ntsim", L"", REG_SZ, L"ntsimfile", sizeof(L"ntsimfile"));
    /* REGEDIT4 hex(2) bytes are 8-bit characters */
    check_value(L"\\Registry\\Machine\\SOFTWARE\\C", L"e", REG_EXPAND_SZ, L"%A%", sizeof(L"%A%"));
}

static void test_import_deletions(void **state)
{
    static const char Setup[] =
        "Windows Registry Editor Version 5.00\n"
        "[HKLM\\SOFTWARE\\Gone\\Child\\Grandchild]\n"
        "[HKLM\\SOFTWARE\\Keep]\n"
        "\"a\"=dword:1\n"
        "\"b\"=dword:2\n";
    static const char Delete[] =
        "Windows Registry Editor Version 5.00\n"
        "[-HKLM\\SOFTWARE\\Gone]\n"
        "[-HKLM\\SOFTWARE\\NeverExisted]\n"
        "[HKLM\\SOFTWARE\\Keep]\n"
        "\"a\"=-\n"
        "\"zz\"=-\n";
    static const ULONG Two = 2;
    HANDLE Key;
    (void)state;

    assert_int_equal(T(Setup), 0);
    assert_true(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\Gone\\Child\\Grandchild"));
    assert_int_equal(T(Delete), 0);
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\Gone"));
    Key = cm_must_open(L"\\Registry\\Machine\\SOFTWARE\\Keep");
    assert_status(cm_get(Key, L"a", NULL, NULL, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    ZwClose(Key);
    check_value(L"\\Registry\\Machine\\SOFTWARE\\Keep", L"b", REG_DWORD, &Two, 4);
}

static void test_import_encodings(void **state)
{
    /* UTF-8 with BOM, a non-ASCII name and value */
    static const char Utf8[] = "\xEF\xBB\xBFWindows Registry Editor Version 5.00\r\n"
                               "[HKLM\\SOFTWARE\\Caf\xC3\xA9]\r\n"
                               "\"na\xC3\xAFve\"=\"\xE2\x82\xAC\"\r\n";
    static const char Ascii[] = "Windows Registry Editor Version 5.00\r\n"
                                "[HKLM\\SOFTWARE\\Wide\\\xC3\xA9]\r\n"
                                "\"w\"=\"\xE2\x82\xAC!\"\r\n";
    unsigned char Utf16[512];
    size_t n = 2;
    (void)state;

    assert_int_equal(T(Utf8), 0);
    check_value(L"\\Registry\\Machine\\SOFTWARE\\Caf\u00e9", L"na\u00efve", REG_SZ, L"\u20ac", sizeof(L"\u20ac"));

    /* the same kind of text as UTF-16LE with BOM (built from UTF-8 by hand) */
    Utf16[0] = 0xFF;
    Utf16[1] = 0xFE;
    for (size_t i = 0; Ascii[i]; i++) {
        unsigned c = (unsigned char)Ascii[i];
        if (c == 0xC3) {
            c = 0xC0 | ((unsigned char)Ascii[++i] & 0x3F); /* two-byte sequence, U+00C0..U+00FF */
        } else if (c == 0xE2) {
            c = 0x20AC; /* the euro sign, E2 82 AC */
            i += 2;
        }
        Utf16[n++] = (unsigned char)(c & 0xFF);
        Utf16[n++] = (unsigned char)(c >> 8);
    }
    assert_int_equal(ntsim_reg_import_text(*state, "w.reg", (const char *)Utf16, n), 0);
    check_value(L"\\Registry\\Machine\\SOFTWARE\\Wide\\\u00e9", L"w", REG_SZ, L"\u20ac!", sizeof(L"\u20ac!"));

    /* odd byte count after a UTF-16LE BOM */
    assert_int_equal(ntsim_reg_import_text(*state, "w.reg", (const char *)Utf16, n - 1), NTSIM_E_ARGS);
    assert_string_equal(ntsim_last_error(), "w.reg:1:1: expected UTF-16LE text (odd number of bytes)");
}

/* ---- malformed text: exact message, nothing imported ---- */

static void test_malformed(void **state)
{
    static const struct {
        const char *Text;
        const char *Message;
    } Cases[] = {
        { "REGEDIT5\n", "t.reg:1:1: expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"" },
        { "", "t.reg:1:1: expected \"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad\n", "t.reg:2:19: expected ']'" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad] x\n", "t.reg:2:21: expected end of line after ']'" },
        { "REGEDIT4\n[HKEY_NOWHERE\\x]\n",
          "t.reg:2:2: expected HKEY_LOCAL_MACHINE, HKEY_USERS, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT or "
          "HKEY_CURRENT_CONFIG" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\\\x]\n", "t.reg:2:16: expected a key name" },
        { "REGEDIT4\n[-HKLM]\n", "t.reg:2:7: expected a key below the root key ('\\')" },
        { "REGEDIT4\n\"v\"=dword:1\n", "t.reg:2:1: expected a [key] line before the first value" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\" dword:1\n", "t.reg:3:5: expected '='" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=dword:\n", "t.reg:3:11: expected 1 to 8 hex digits after 'dword:'" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=dword:123456789\n", "t.reg:3:19: expected at most 8 hex digits" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=dword:12x\n", "t.reg:3:13: expected end of line" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex:1,02\n", "t.reg:3:9: expected two hex digits" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex:01 02\n", "t.reg:3:12: expected ',' or end of line" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex(2:00\n", "t.reg:3:10: expected ')'" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex()00\n", "t.reg:3:9: expected a hex value type after 'hex('" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex 00\n", "t.reg:3:8: expected ':'" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=hex:01,02,\\\n  03,zz\n", "t.reg:4:6: expected two hex digits" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=\"open\n", "t.reg:3:10: expected '\"' to close the string" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=\"a\\n\"\n",
          "t.reg:3:8: expected '\\\\' or '\"' after '\\' in a string" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=word:1\n",
          "t.reg:3:5: expected '\"', '-', 'dword:', 'hex:' or 'hex(N):' after '='" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\n\"v\"=\"x\" y\n", "t.reg:3:9: expected end of line" },
        { "REGEDIT4\n[HKLM\\SOFTWARE\\Bad]\nv=1\n", "t.reg:3:1: expected '[', '\"', '@', ';' or an empty line" },
        { "\xEF\xBB\xBFREGEDIT4\n[HKLM\\SOFTWARE\\Caf\xC3\xA9]\n  \"\xC3\xA9\" = x\n",
          "t.reg:3:9: expected '\"', '-', 'dword:', 'hex:' or 'hex(N):' after '='" },
    };
    HANDLE Key;
    ULONG Before = 11, Got = 0;
    (void)state;

    /* a value that must survive every failed import unchanged */
    assert_int_equal(T("REGEDIT4\n[HKLM\\SOFTWARE\\Stay]\n\"v\"=dword:0000000b\n"), 0);
    for (size_t i = 0; i < RTL_NUMBER_OF(Cases); i++) {
        assert_int_equal(T(Cases[i].Text), NTSIM_E_ARGS);
        assert_string_equal(ntsim_last_error(), Cases[i].Message);
        assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\Bad"));
    }
    /* all or nothing: good lines before the bad one are not applied either */
    assert_int_equal(T("Windows Registry Editor Version 5.00\n"
                       "[HKLM\\SOFTWARE\\Stay]\n"
                       "\"v\"=dword:00000063\n"
                       "[-HKLM\\SOFTWARE\\Stay]\n"
                       "[HKLM\\SOFTWARE\\Half]\n"
                       "\"ok\"=\"yes\"\n"
                       "\"broken\"=hex:0g\n"),
                     NTSIM_E_ARGS);
    assert_string_equal(ntsim_last_error(), "t.reg:7:14: expected two hex digits");
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\Half"));
    Key = cm_must_open(L"\\Registry\\Machine\\SOFTWARE\\Stay");
    assert_status(cm_get(Key, L"v", NULL, &Got, NULL), STATUS_SUCCESS);
    assert_int_equal(Got, Before);
    ZwClose(Key);
}

/* ---- export ---- */

static void test_export_format(void **state)
{
    HANDLE Key, Sub;
    ULONG Dword = 0x1234abcd;
    UCHAR Long[40];
    char *Text;
    static const char Expected[] =
        "Windows Registry Editor Version 5.00\r\n"
        "\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Exp]\r\n"
        "@=\"a \\\"quoted\\\" \\\\ path\"\r\n"
        "\"D\"=dword:1234abcd\r\n"
        "\"Long\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,\\\r\n"
        "  16,17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27\r\n"
        "\"Q\"=hex(b):01,00,00,00,00,00,00,00\r\n"
        "\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Exp\\Sub]\r\n"
        "\r\n";
    static const ULONGLONG Q = 1;
    (void)state;

    for (int i = 0; i < 40; i++)
        Long[i] = (UCHAR)i;
    assert_status(cm_open(NULL, L"\\Registry\\Machine\\SOFTWARE\\Exp", 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"", REG_SZ, L"a \"quoted\" \\ path", sizeof(L"a \"quoted\" \\ path")), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"D", REG_DWORD, &Dword, 4), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"Long", REG_BINARY, Long, sizeof(Long)), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"Q", REG_QWORD, &Q, 8), STATUS_SUCCESS);
    assert_status(cm_open(Key, L"Sub", 1, &Sub, NULL), STATUS_SUCCESS);
    ZwClose(Sub);
    ZwClose(Key);

    Text = ntsim_reg_export_text(*state, "HKLM\\SOFTWARE\\Exp");
    assert_non_null(Text);
    assert_string_equal(Text, Expected);
    free(Text);
    Text = ntsim_reg_export_text(*state, "\\Registry\\Machine\\software\\EXP");
    assert_non_null(Text);
    assert_string_equal(Text, Expected);
    free(Text);

    assert_null(ntsim_reg_export_text(*state, "HKLM\\SOFTWARE\\Nope"));
    assert_null(ntsim_reg_export_text(*state, "HKEY_BOGUS\\x"));
}

/* Every type and awkward shapes survive export then import into a new machine. */
static void test_round_trip(void **state)
{
    static const WCHAR *const Keys[] = {
        L"\\Registry\\Machine\\SOFTWARE\\RT",
        L"\\Registry\\Machine\\SOFTWARE\\RT\\b-second",
        L"\\Registry\\Machine\\SOFTWARE\\RT\\A-third",
        L"\\Registry\\Machine\\SOFTWARE\\RT\\b-second\\deep \u00e9",
    };
    UCHAR Big[300];
    char *First, *Second;
    (void)state;

    for (int i = 0; i < 300; i++)
        Big[i] = (UCHAR)(i * 7);
    for (size_t k = 0; k < RTL_NUMBER_OF(Keys); k++) {
        HANDLE Key;
        assert_status(cm_open(NULL, Keys[k], 1, &Key, NULL), STATUS_SUCCESS);
        for (ULONG Type = REG_NONE; Type <= REG_QWORD; Type++) {
            WCHAR Name[8] = { L't', (WCHAR)(L'a' + Type), 0 };
            assert_status(cm_set(Key, Name, Type, Big + Type, 5 + Type * 3 + (ULONG)k), STATUS_SUCCESS);
        }
        ULONG Dword = 0xFFFFFFFF;
        assert_status(cm_set(Key, L"dw", REG_DWORD, &Dword, 4), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"", REG_SZ, L"plain", sizeof(L"plain")), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"q\"uo\\te", REG_SZ, L"x\\\"y", sizeof(L"x\\\"y")), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"unterminated", REG_SZ, L"abc", 6), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"newline", REG_SZ, L"a\nb", sizeof(L"a\nb")), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"embedded", REG_SZ, L"a\0b", sizeof(L"a\0b")), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"odd", REG_SZ, "abc", 3), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"empty", REG_SZ, NULL, 0), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"emptysz", REG_SZ, L"", 2), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"unicode \u00e9\u20ac", REG_SZ, L"\x00e9\x20ac\xD83D\xDE00",
                             sizeof(L"\x00e9\x20ac\xD83D\xDE00")),
                      STATUS_SUCCESS);
        assert_status(cm_set(Key, L"big", REG_BINARY, Big, sizeof(Big)), STATUS_SUCCESS);
        assert_status(cm_set(Key, L"hightype", 0x80000001, Big, 3), STATUS_SUCCESS);
        ZwClose(Key);
    }
    First = ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\RT");
    assert_non_null(First);

    /* a brand-new machine */
    ntsim_machine_destroy(*state);
    *state = ntsim_machine_create(NULL);
    state_machine = *state;
    assert_non_null(*state);
    assert_false(cm_exists(Keys[0]));
    assert_int_equal(ntsim_reg_import_text(*state, "rt.reg", First, strlen(First)), 0);
    Second = ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\RT");
    assert_non_null(Second);
    assert_string_equal(Second, First);

    /* and value by value */
    for (size_t k = 0; k < RTL_NUMBER_OF(Keys); k++) {
        for (ULONG Type = REG_NONE; Type <= REG_QWORD; Type++) {
            WCHAR Name[8] = { L't', (WCHAR)(L'a' + Type), 0 };
            check_value(Keys[k], Name, Type, Big + Type, 5 + Type * 3 + (ULONG)k);
        }
        check_value(Keys[k], L"unterminated", REG_SZ, L"abc", 6);
        check_value(Keys[k], L"newline", REG_SZ, L"a\nb", sizeof(L"a\nb"));
        check_value(Keys[k], L"embedded", REG_SZ, L"a\0b", sizeof(L"a\0b"));
        check_value(Keys[k], L"odd", REG_SZ, "abc", 3);
        check_value(Keys[k], L"empty", REG_SZ, "", 0);
        check_value(Keys[k], L"emptysz", REG_SZ, L"", 2);
        check_value(Keys[k], L"q\"uo\\te", REG_SZ, L"x\\\"y", sizeof(L"x\\\"y"));
        check_value(Keys[k], L"unicode \u00e9\u20ac", REG_SZ, L"\x00e9\x20ac\xD83D\xDE00",
                     sizeof(L"\x00e9\x20ac\xD83D\xDE00"));
        check_value(Keys[k], L"big", REG_BINARY, Big, sizeof(Big));
        check_value(Keys[k], L"hightype", 0x80000001, Big, 3);
    }
    /* subkeys keep their creation order */
    {
        HANDLE Key = cm_must_open(Keys[0]);
        UCHAR Buffer[128];
        ULONG Result;
        PKEY_BASIC_INFORMATION Info = (PKEY_BASIC_INFORMATION)Buffer;
        assert_status(ZwEnumerateKey(Key, 0, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
        assert_memory_equal(Info->Name, L"b-second", 16);
        assert_status(ZwEnumerateKey(Key, 1, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
        assert_memory_equal(Info->Name, L"A-third", 14);
        ZwClose(Key);
    }
    free(First);
    free(Second);
}

static void test_files(void **state)
{
    char Path[] = "/tmp/ntsim-cm-XXXXXX";
    int fd = mkstemp(Path);
    char *Text;
    ULONG Value = 5;
    HANDLE Key;
    (void)state;

    assert_true(fd >= 0);
    close(fd);
    assert_status(cm_open(NULL, L"\\Registry\\Machine\\SOFTWARE\\File", 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"v", REG_DWORD, &Value, 4), STATUS_SUCCESS);
    ZwClose(Key);
    assert_int_equal(ntsim_reg_export_file(*state, "HKLM\\SOFTWARE\\File", Path), 0);
    Text = ntsim_reg_export_text(*state, "HKLM\\SOFTWARE\\File");

    ntsim_machine_destroy(*state);
    *state = ntsim_machine_create(NULL);
    state_machine = *state;
    assert_int_equal(ntsim_reg_import_file(*state, Path), 0);
    check_value(L"\\Registry\\Machine\\SOFTWARE\\File", L"v", REG_DWORD, &Value, 4);
    free(Text);
    unlink(Path);

    assert_int_equal(ntsim_reg_import_file(*state, "/nonexistent/dir/x.reg"), NTSIM_E_IO);
    assert_non_null(strstr(ntsim_last_error(), "/nonexistent/dir/x.reg"));
    assert_int_equal(ntsim_reg_export_file(*state, "HKLM\\SOFTWARE\\File", "/nonexistent/dir/x.reg"), NTSIM_E_IO);
    assert_int_equal(ntsim_reg_import_text(NULL, "x", "", 0), NTSIM_E_ARGS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_syntax, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_import_roots_and_regedit4, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_import_deletions, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_import_encodings, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_malformed, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_export_format, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, rf_setup, rf_teardown),
        cmocka_unit_test_setup_teardown(test_files, rf_setup, rf_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
