/* cm/limits - names and sizes the registry refuses rather than mangles: NUL in key
 * and value names, the 32,767-unit key path, 255-character key names, 16,383-character
 * value names, bounded .reg input; an export that cannot be given back fails; and a
 * property test: random trees survive export -> import on a fresh machine exactly. */
#include "cmtest.h"

#include <fcntl.h>
#include <unistd.h>

static NTSTATUS lim_create_counted(HANDLE Root, const WCHAR *Name, USHORT Chars, HANDLE *Key)
{
    UNICODE_STRING U = { (USHORT)(Chars * sizeof(WCHAR)), (USHORT)(Chars * sizeof(WCHAR)), (PWCH)Name };
    OBJECT_ATTRIBUTES A;
    InitializeObjectAttributes(&A, &U, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Root, NULL);
    return ZwCreateKey(Key, KEY_ALL_ACCESS, &A, 0, NULL, REG_OPTION_NON_VOLATILE, NULL);
}

static NTSTATUS lim_set_counted(HANDLE Key, const WCHAR *Name, USHORT Chars, ULONG Value)
{
    UNICODE_STRING U = { (USHORT)(Chars * sizeof(WCHAR)), (USHORT)(Chars * sizeof(WCHAR)), (PWCH)Name };
    return ZwSetValueKey(Key, &U, 0, REG_DWORD, &Value, sizeof(Value));
}

static void nul_in_key_name_is_refused(void **state)
{
    (void)state;
    HANDLE Soft = cm_must_open(L"\\Registry\\Machine\\SOFTWARE"), Key;
    static const WCHAR Name[] = { 'a', 0, 'b' };
    assert_status(lim_create_counted(Soft, Name, 3, &Key), STATUS_OBJECT_NAME_INVALID);
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\a")); /* not silently a shorter key */
    ZwClose(Soft);
}

static void nul_in_value_name_is_refused(void **state)
{
    (void)state;
    HANDLE Soft = cm_must_open(L"\\Registry\\Machine\\SOFTWARE"), Key;
    assert_status(cm_open(Soft, L"NulValue", 1, &Key, NULL), STATUS_SUCCESS);
    static const WCHAR Name[] = { 'v', 0, 'w' };
    assert_status(lim_set_counted(Key, Name, 3, 1), STATUS_INVALID_PARAMETER);
    ULONG Size = 0;
    assert_status(cm_get(Key, L"v", NULL, NULL, &Size), STATUS_OBJECT_NAME_NOT_FOUND);
    ZwClose(Key);
    ZwClose(Soft);
}

static void nul_in_reg_file_names_is_refused(void **state)
{
    static const char value[] = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\N]\r\n"
                                "\"before\"=dword:1\r\n\"a\0tail\"=dword:2\r\n";
    assert_int_equal(ntsim_reg_import_text(*state, "nul.reg", value, sizeof(value) - 1), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "without NUL"));
    assert_non_null(strstr(ntsim_last_error(), "nul.reg:5:1:"));
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\N")); /* nothing applied */
    static const char key[] = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\K\0tail]\r\n";
    assert_int_equal(ntsim_reg_import_text(*state, "nulkey.reg", key, sizeof(key) - 1), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "without NUL"));
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\K"));
}

/* A .reg key path of 40,000 characters: refused with the limit, never cut to 32,767
 * (which would land the value on another key). */
static void reg_file_key_path_over_the_limit(void **state)
{
    size_t size = 50000;
    char *text = malloc(size);
    assert_non_null(text);
    int n = snprintf(text, size, "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Long");
    for (int i = 0; i < 200; i++) {
        text[n++] = '\\';
        memset(text + n, 'k', 199);
        n += 199;
    }
    n += snprintf(text + n, size - (size_t)n, "]\r\n\"v\"=dword:1\r\n");
    assert_int_equal(ntsim_reg_import_text(*state, "long.reg", text, (size_t)n), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "32767"));
    assert_false(cm_exists(L"\\Registry\\Machine\\SOFTWARE\\Long"));
    free(text);
}

/* Keys created one level at a time stop at the full-path limit with STATUS_NAME_TOO_LONG. */
static void key_path_limit_through_relative_creates(void **state)
{
    (void)state;
    HANDLE Parent, Key;
    assert_status(cm_open(NULL, L"\\Registry\\Machine\\SOFTWARE\\Deep", 1, &Parent, NULL), STATUS_SUCCESS);
    WCHAR Name[250];
    for (int i = 0; i < 250; i++)
        Name[i] = 'd';
    size_t path = strlen("\\REGISTRY\\MACHINE\\SOFTWARE\\Deep");
    int levels = 0;
    NTSTATUS Status;
    while ((Status = lim_create_counted(Parent, Name, 250, &Key)) == STATUS_SUCCESS) {
        ZwClose(Parent);
        Parent = Key;
        levels++;
        path += 251;
        assert_true(path <= 32767);
    }
    assert_status(Status, STATUS_NAME_TOO_LONG);
    assert_int_equal(levels, (32767 - 31) / 251);
    ZwClose(Parent);
}

static void name_length_limits(void **state)
{
    (void)state;
    HANDLE Soft = cm_must_open(L"\\Registry\\Machine\\SOFTWARE"), Key;
    static WCHAR Long[16384];
    for (size_t i = 0; i < 16384; i++)
        Long[i] = 'n';
    assert_status(lim_create_counted(Soft, Long, 256, &Key), STATUS_OBJECT_NAME_INVALID);
    assert_status(lim_create_counted(Soft, Long, 255, &Key), STATUS_SUCCESS);
    assert_status(lim_set_counted(Key, Long, 16384, 1), STATUS_INVALID_PARAMETER);
    assert_status(lim_set_counted(Key, Long, 16383, 1), STATUS_SUCCESS);
    ZwClose(Key);
    ZwClose(Soft);
}

static void reg_input_is_bounded(void **state)
{
    /* a device that never ends */
    assert_int_equal(ntsim_reg_import_file(*state, "/dev/zero"), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "limited to 64 MiB"));
    /* a (sparse) regular file over the limit is refused before reading */
    char path[] = "/tmp/ntsim-limits-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)65 << 20), 0);
    close(fd);
    assert_int_equal(ntsim_reg_import_file(*state, path), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "limited to 64 MiB"));
    unlink(path);
}

static void export_refuses_names_it_cannot_give_back(void **state)
{
    HANDLE Soft = cm_must_open(L"\\Registry\\Machine\\SOFTWARE"), Key;
    assert_status(cm_open(Soft, L"Breaks", 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"line\nbreak", REG_SZ, L"x", sizeof(L"x")), STATUS_SUCCESS);
    assert_null(ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Breaks"));
    assert_non_null(strstr(ntsim_last_error(), "line break"));
    static const WCHAR Lone[] = { 'x', 0xD800 };
    UNICODE_STRING U;
    cm_init(&U, L"line\nbreak");
    assert_status(ZwDeleteValueKey(Key, &U), STATUS_SUCCESS);
    char *ok = ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Breaks");
    assert_non_null(ok);
    free(ok);
    assert_status(lim_set_counted(Key, Lone, 2, 1), STATUS_SUCCESS);
    assert_null(ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\Breaks"));
    assert_non_null(strstr(ntsim_last_error(), "unpaired surrogate"));
    ZwClose(Key);
    ZwClose(Soft);
}

/* ---- round-trip property ---- */

#define RT_KEYS 12
#define RT_VALUES 8
#define RT_NAME 24
#define RT_DATA 96

typedef struct {
    WCHAR Name[RT_NAME];
    USHORT Chars;
    ULONG Type;
    UCHAR Data[RT_DATA];
    ULONG Size;
} rt_value;

typedef struct {
    int Parent; /* index of the parent key, -1 = the test root */
    WCHAR Name[RT_NAME];
    USHORT Chars;
    rt_value Values[RT_VALUES];
    int ValueCount;
    HANDLE Handle;
} rt_key;

static uint64_t rt_state;

static uint32_t rt_next(void)
{
    rt_state ^= rt_state << 13;
    rt_state ^= rt_state >> 7;
    rt_state ^= rt_state << 17;
    return (uint32_t)rt_state;
}

/* A name from an alphabet of what .reg syntax treats specially and beyond ASCII;
 * a unique suffix keeps names distinct whatever the case folding. */
static USHORT rt_name(WCHAR *Out, int Unique, int AllowEmpty, int KeyName)
{
    static const WCHAR Alphabet[] = { 'a', 'Z', '0', ' ', '"', '=', '@', '[', ']', ';', '-', ',', ':', '\t',
                                      '%', 0x00E9, 0x20AC, 0x4E2D, 0xFEFF, 0x00A0, '\\' };
    size_t Letters = sizeof(Alphabet) / sizeof(Alphabet[0]) - (KeyName ? 1 : 0); /* no '\\' in a key name */
    USHORT n = 0;
    if (AllowEmpty && rt_next() % 8 == 0)
        return 0;
    int len = (int)(rt_next() % 10);
    for (int i = 0; i < len; i++) {
        if (rt_next() % 12 == 0 && n + 2 < RT_NAME - 6) { /* a surrogate pair */
            Out[n++] = (WCHAR)(0xD800 + rt_next() % 0x400);
            Out[n++] = (WCHAR)(0xDC00 + rt_next() % 0x400);
        } else {
            Out[n++] = Alphabet[rt_next() % Letters];
        }
    }
    char Suffix[8];
    int s = snprintf(Suffix, sizeof(Suffix), "#%d", Unique);
    for (int i = 0; i < s; i++)
        Out[n++] = (WCHAR)Suffix[i];
    return n;
}

static void rt_value_data(rt_value *V)
{
    static const ULONG Types[] = { REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_BIG_ENDIAN,
                                   REG_LINK, REG_MULTI_SZ, REG_QWORD, 0x80000001, 0x12345 };
    V->Type = Types[rt_next() % (sizeof(Types) / sizeof(Types[0]))];
    if (V->Type == REG_DWORD && rt_next() % 2) {
        V->Size = 4; /* a real dword, exported as dword: */
    } else if (V->Type == REG_SZ && rt_next() % 2) {
        /* a plain terminated string (exported quoted) */
        USHORT Chars = rt_name((WCHAR *)V->Data, (int)(rt_next() % 1000), 1, 0);
        ((WCHAR *)V->Data)[Chars] = 0;
        V->Size = (ULONG)(Chars + 1) * sizeof(WCHAR);
        return;
    } else {
        V->Size = rt_next() % RT_DATA; /* anything, odd sizes and NULs included */
    }
    for (ULONG i = 0; i < V->Size; i++)
        V->Data[i] = (UCHAR)rt_next();
}

static void rt_build(rt_key *Keys, int *KeyCount)
{
    *KeyCount = 1 + (int)(rt_next() % RT_KEYS);
    for (int k = 0; k < *KeyCount; k++) {
        rt_key *K = &Keys[k];
        memset(K, 0, sizeof(*K));
        K->Parent = k == 0 ? -1 : (int)(rt_next() % (unsigned)k);
        K->Chars = rt_name(K->Name, k, 0, 1);
        K->ValueCount = (int)(rt_next() % RT_VALUES);
        for (int v = 0; v < K->ValueCount; v++) {
            rt_value *V = &K->Values[v];
            V->Chars = rt_name(V->Name, v, v == 0, 0);
            rt_value_data(V);
        }
    }
}

static void rt_apply(rt_key *Keys, int KeyCount, HANDLE Root)
{
    for (int k = 0; k < KeyCount; k++) {
        rt_key *K = &Keys[k];
        HANDLE Parent = K->Parent < 0 ? Root : Keys[K->Parent].Handle;
        assert_status(lim_create_counted(Parent, K->Name, K->Chars, &K->Handle), STATUS_SUCCESS);
        for (int v = 0; v < K->ValueCount; v++) {
            rt_value *V = &K->Values[v];
            UNICODE_STRING U = { (USHORT)(V->Chars * 2), (USHORT)(V->Chars * 2), V->Name };
            assert_status(ZwSetValueKey(K->Handle, &U, 0, V->Type, V->Size ? V->Data : NULL, V->Size),
                          STATUS_SUCCESS);
        }
    }
    for (int k = 0; k < KeyCount; k++)
        ZwClose(Keys[k].Handle);
}

static void rt_verify(rt_key *Keys, int KeyCount, HANDLE Root)
{
    for (int k = 0; k < KeyCount; k++) {
        rt_key *K = &Keys[k];
        HANDLE Parent = K->Parent < 0 ? Root : Keys[K->Parent].Handle;
        UNICODE_STRING U = { (USHORT)(K->Chars * 2), (USHORT)(K->Chars * 2), K->Name };
        OBJECT_ATTRIBUTES A;
        InitializeObjectAttributes(&A, &U, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Parent, NULL);
        assert_status(ZwOpenKey(&K->Handle, KEY_READ, &A), STATUS_SUCCESS);
        for (int v = 0; v < K->ValueCount; v++) {
            rt_value *V = &K->Values[v];
            UCHAR Buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + RT_DATA];
            ULONG Result;
            UNICODE_STRING N = { (USHORT)(V->Chars * 2), (USHORT)(V->Chars * 2), V->Name };
            PKEY_VALUE_PARTIAL_INFORMATION Info = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
            assert_status(ZwQueryValueKey(K->Handle, &N, KeyValuePartialInformation, Buffer, sizeof(Buffer), &Result),
                          STATUS_SUCCESS);
            assert_int_equal(Info->Type, V->Type);
            assert_int_equal(Info->DataLength, V->Size);
            assert_memory_equal(Info->Data, V->Data, V->Size);
        }
    }
    for (int k = 0; k < KeyCount; k++)
        ZwClose(Keys[k].Handle);
}

static void export_import_round_trip_property(void **state)
{
    static rt_key Keys[RT_KEYS];
    const char *seed = getenv("NTSIM_RT_SEED");
    rt_state = seed ? strtoull(seed, NULL, 0) : 0x9E3779B97F4A7C15ull;
    if (rt_state == 0)
        rt_state = 1;
    for (int round = 0; round < 60; round++) {
        int KeyCount;
        rt_build(Keys, &KeyCount);
        HANDLE Root;
        assert_status(cm_open(NULL, L"\\Registry\\Machine\\SOFTWARE\\RoundTrip", 1, &Root, NULL), STATUS_SUCCESS);
        rt_apply(Keys, KeyCount, Root);
        ZwClose(Root);
        char *first = ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\RoundTrip");
        if (first == NULL)
            fail_msg("round %d: export failed: %s", round, ntsim_last_error());

        ntsim_machine_destroy(*state);
        assert_int_equal(cm_setup(state), 0);
        if (ntsim_reg_import_text(*state, "rt.reg", first, strlen(first)) != 0)
            fail_msg("round %d: import of the export failed: %s\n%s", round, ntsim_last_error(), first);
        assert_status(cm_open(NULL, L"\\Registry\\Machine\\SOFTWARE\\RoundTrip", 0, &Root, NULL), STATUS_SUCCESS);
        rt_verify(Keys, KeyCount, Root);
        ZwClose(Root);
        char *second = ntsim_reg_export_text(*state, "HKEY_LOCAL_MACHINE\\SOFTWARE\\RoundTrip");
        assert_non_null(second);
        assert_string_equal(second, first);
        free(first);
        free(second);
        ntsim_machine_destroy(*state);
        assert_int_equal(cm_setup(state), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nul_in_key_name_is_refused, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(nul_in_value_name_is_refused, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(nul_in_reg_file_names_is_refused, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(reg_file_key_path_over_the_limit, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(key_path_limit_through_relative_creates, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(name_length_limits, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(reg_input_is_bounded, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(export_refuses_names_it_cannot_give_back, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(export_import_round_trip_property, cm_setup, cm_teardown),
    };
    return cmocka_run_group_tests_name("cm/limits", tests, NULL, NULL);
}
