/* cm/registry - the Zw*Key DDIs as a driver calls them (wdm.h, site macros active). */
#include "cmtest.h"

#define TESTKEY L"\\Registry\\Machine\\SOFTWARE\\ntsim-test"

/* ---- the tree every machine starts with ---- */

static void test_fixed_tree(void **state)
{
    static const WCHAR *const Paths[] = {
        L"\\Registry",
        L"\\Registry\\Machine",
        L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services",
        L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Control",
        L"\\Registry\\Machine\\SOFTWARE",
        L"\\Registry\\Machine\\SOFTWARE\\Classes",
        L"\\Registry\\Machine\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion",
        L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System",
        L"\\Registry\\Machine\\HARDWARE\\DEVICEMAP",
        L"\\Registry\\Machine\\HARDWARE\\RESOURCEMAP",
        L"\\Registry\\User",
        L"\\Registry\\User\\.DEFAULT",
        L"\\REGISTRY\\machine\\system\\currentcontrolset\\SERVICES",
    };
    (void)state;
    for (size_t i = 0; i < RTL_NUMBER_OF(Paths); i++) {
        HANDLE h = NULL;
        assert_status(cm_open(NULL, Paths[i], 0, &h, NULL), STATUS_SUCCESS);
        assert_non_null(h);
        assert_status(ZwClose(h), STATUS_SUCCESS);
    }
}

static void test_open_missing(void **state)
{
    HANDLE h = (HANDLE)(ULONG_PTR)0x1234;
    (void)state;
    assert_status(cm_open(NULL, TESTKEY, 0, &h, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    /* the documented contract: a handle is returned only if the call succeeds; a kernel-mode
     * caller's variable keeps its value (drivers keep an "unopened" marker there) */
    assert_ptr_equal(h, (HANDLE)(ULONG_PTR)0x1234);
    assert_status(cm_open(NULL, TESTKEY L"\\a\\b", 0, &h, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(cm_open(NULL, L"\\Nowhere\\Key", 0, &h, NULL), STATUS_OBJECT_PATH_NOT_FOUND);
    assert_status(cm_open(NULL, L"\\Nowhere", 0, &h, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(cm_open(NULL, L"Registry\\Machine", 0, &h, NULL), STATUS_OBJECT_PATH_SYNTAX_BAD);
    assert_status(cm_open(NULL, L"\\Registry\\Machine\\", 0, &h, NULL), STATUS_OBJECT_NAME_INVALID);
    assert_status(cm_open(NULL, L"\\Registry\\Machine\\\\SOFTWARE", 0, &h, NULL), STATUS_OBJECT_NAME_INVALID);
    assert_status(cm_open(NULL, NULL, 0, &h, NULL), STATUS_OBJECT_PATH_SYNTAX_BAD);
}

static void test_create_disposition(void **state)
{
    HANDLE h1, h2, h3;
    ULONG Disposition = 0;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &h1, &Disposition), STATUS_SUCCESS);
    assert_int_equal(Disposition, REG_CREATED_NEW_KEY);
    assert_status(cm_open(NULL, L"\\registry\\MACHINE\\software\\NTSIM-TEST", 1, &h2, &Disposition), STATUS_SUCCESS);
    assert_int_equal(Disposition, REG_OPENED_EXISTING_KEY);
    /* ZwCreateKey does not create missing parents */
    Disposition = 77;
    assert_status(cm_open(NULL, TESTKEY L"\\missing\\leaf", 1, &h3, &Disposition), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Disposition, 77);
    assert_false(cm_exists(TESTKEY L"\\missing"));
    ZwClose(h1);
    ZwClose(h2);
}

static void test_case_preserved(void **state)
{
    HANDLE Parent, Child;
    UCHAR Buffer[256];
    ULONG Result;
    PKEY_BASIC_INFORMATION Info = (PKEY_BASIC_INFORMATION)Buffer;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Parent, NULL), STATUS_SUCCESS);
    assert_status(cm_open(Parent, L"MixedCase", 1, &Child, NULL), STATUS_SUCCESS);
    ZwClose(Child);
    assert_status(cm_open(NULL, TESTKEY L"\\mixedcase", 0, &Child, NULL), STATUS_SUCCESS);
    assert_status(ZwQueryKey(Child, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Info->NameLength, 18);
    assert_int_equal(Result, FIELD_OFFSET(KEY_BASIC_INFORMATION, Name) + 18);
    assert_memory_equal(Info->Name, L"MixedCase", 18);
    ZwClose(Child);
    ZwClose(Parent);
}

static void test_relative_open(void **state)
{
    HANDLE Root, Sub, Again, Same;
    ULONG Type = 0, Size = 0, Value = 0;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Root, NULL), STATUS_SUCCESS);
    assert_status(cm_open(Root, L"Sub", 1, &Sub, NULL), STATUS_SUCCESS);
    Value = 42;
    assert_status(cm_set(Sub, L"v", REG_DWORD, &Value, sizeof(Value)), STATUS_SUCCESS);
    assert_status(cm_open(Root, L"SUB", 0, &Again, NULL), STATUS_SUCCESS);
    Value = 0;
    assert_status(cm_get(Again, L"v", &Type, &Value, &Size), STATUS_SUCCESS);
    assert_int_equal(Type, REG_DWORD);
    assert_int_equal(Value, 42);
    /* an absolute name with a root directory is a syntax error */
    assert_status(cm_open(Root, L"\\Sub", 0, &Same, NULL), STATUS_OBJECT_PATH_SYNTAX_BAD);
    /* no name with a root directory: the root itself */
    assert_status(cm_open(Sub, NULL, 0, &Same, NULL), STATUS_SUCCESS);
    assert_status(cm_get(Same, L"v", &Type, &Value, &Size), STATUS_SUCCESS);
    ZwClose(Same);
    ZwClose(Again);
    ZwClose(Sub);
    ZwClose(Root);
}

/* ---- values and buffer sizes ---- */

static void test_query_value_sizes(void **state)
{
    HANDLE Key;
    UNICODE_STRING Name;
    UCHAR Buffer[64];
    ULONG Result;
    PKEY_VALUE_PARTIAL_INFORMATION Partial = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
    static const WCHAR Text[] = L"hello";
    const ULONG Fixed = FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data);
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"Greeting", REG_SZ, Text, sizeof(Text)), STATUS_SUCCESS);
    cm_init(&Name, L"Greeting");

    /* exactly enough */
    memset(Buffer, 0xEE, sizeof(Buffer));
    assert_status(ZwQueryValueKey(Key, &Name, KeyValuePartialInformation, Buffer, Fixed + sizeof(Text), &Result),
                  STATUS_SUCCESS);
    assert_int_equal(Result, Fixed + sizeof(Text));
    assert_int_equal(Partial->Type, REG_SZ);
    assert_int_equal(Partial->DataLength, sizeof(Text));
    assert_memory_equal(Partial->Data, Text, sizeof(Text));
    assert_int_equal(Buffer[Fixed + sizeof(Text)], 0xEE);

    /* fixed part only: overflow, header filled, data not */
    memset(Buffer, 0xEE, sizeof(Buffer));
    Result = 0;
    assert_status(ZwQueryValueKey(Key, &Name, KeyValuePartialInformation, Buffer, Fixed + 4, &Result),
                  STATUS_BUFFER_OVERFLOW);
    assert_int_equal(Result, Fixed + sizeof(Text));
    assert_int_equal(Partial->Type, REG_SZ);
    assert_int_equal(Partial->DataLength, sizeof(Text));
    assert_int_equal(Partial->Data[0], 0xEE);

    /* not even the fixed part: too small, nothing written */
    memset(Buffer, 0xEE, sizeof(Buffer));
    Result = 0;
    assert_status(ZwQueryValueKey(Key, &Name, KeyValuePartialInformation, Buffer, Fixed - 1, &Result),
                  STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(Result, Fixed + sizeof(Text));
    assert_int_equal(Buffer[0], 0xEE);
    Result = 0;
    assert_status(ZwQueryValueKey(Key, &Name, KeyValuePartialInformation, NULL, 0, &Result), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(Result, Fixed + sizeof(Text));
    ZwClose(Key);
}

static void test_query_value_classes(void **state)
{
    HANDLE Key;
    UNICODE_STRING Name;
    UCHAR Buffer[128];
    ULONG Result, Value = 0xCAFEF00D;
    PKEY_VALUE_BASIC_INFORMATION Basic = (PKEY_VALUE_BASIC_INFORMATION)Buffer;
    PKEY_VALUE_FULL_INFORMATION Full = (PKEY_VALUE_FULL_INFORMATION)Buffer;
    PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64 P64 = (PKEY_VALUE_PARTIAL_INFORMATION_ALIGN64)Buffer;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"abc", REG_DWORD, &Value, sizeof(Value)), STATUS_SUCCESS);
    cm_init(&Name, L"abc");

    assert_status(ZwQueryValueKey(Key, &Name, KeyValueBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_SUCCESS);
    assert_int_equal(Result, 12 + 6);
    assert_int_equal(Basic->Type, REG_DWORD);
    assert_int_equal(Basic->NameLength, 6);
    assert_memory_equal(Basic->Name, L"abc", 6);
    /* room for the header and one character: overflow, one character copied */
    memset(Buffer, 0xEE, sizeof(Buffer));
    assert_status(ZwQueryValueKey(Key, &Name, KeyValueBasicInformation, Buffer, 14, &Result), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(Result, 18);
    assert_int_equal(Basic->NameLength, 6);
    assert_int_equal(Basic->Name[0], L'a');
    assert_int_equal(Buffer[14], 0xEE);

    assert_status(ZwQueryValueKey(Key, &Name, KeyValueFullInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_SUCCESS);
    assert_int_equal(Full->DataOffset, 28); /* 20 + 6, ULONG aligned */
    assert_int_equal(Full->DataLength, 4);
    assert_int_equal(Result, 32);
    assert_int_equal(Full->NameLength, 6);
    assert_memory_equal(Buffer + Full->DataOffset, &Value, 4);

    assert_status(ZwQueryValueKey(Key, &Name, KeyValueFullInformationAlign64, Buffer, sizeof(Buffer), &Result),
                  STATUS_SUCCESS);
    assert_int_equal(Full->DataOffset, 32);
    assert_int_equal(Result, 36);

    assert_status(ZwQueryValueKey(Key, &Name, KeyValuePartialInformationAlign64, Buffer, sizeof(Buffer), &Result),
                  STATUS_SUCCESS);
    assert_int_equal(Result, 12);
    assert_int_equal(P64->Type, REG_DWORD);
    assert_int_equal(P64->DataLength, 4);
    assert_memory_equal(P64->Data, &Value, 4);

    assert_status(ZwQueryValueKey(Key, &Name, (KEY_VALUE_INFORMATION_CLASS)99, Buffer, sizeof(Buffer), &Result),
                  STATUS_INVALID_PARAMETER);
    ZwClose(Key);
}

static void test_value_missing_and_default(void **state)
{
    HANDLE Key;
    ULONG Type, Size;
    WCHAR Data[16];
    static const WCHAR Text[] = L"dflt";
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_get(Key, L"nope", &Type, Data, &Size), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(cm_get(Key, L"", &Type, Data, &Size), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(cm_set(Key, L"", REG_SZ, Text, sizeof(Text)), STATUS_SUCCESS);
    assert_status(cm_get(Key, L"", &Type, Data, &Size), STATUS_SUCCESS);
    assert_int_equal(Size, sizeof(Text));
    assert_memory_equal(Data, Text, sizeof(Text));
    ZwClose(Key);
}

static void test_every_type(void **state)
{
    HANDLE Key;
    UCHAR Data[32], Out[32];
    WCHAR Name[8];
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    for (ULONG Type = REG_NONE; Type <= REG_QWORD + 1; Type++) {
        for (ULONG i = 0; i < sizeof(Data); i++)
            Data[i] = (UCHAR)(Type * 16 + i);
        Name[0] = L't';
        Name[1] = (WCHAR)(L'a' + Type);
        Name[2] = 0;
        assert_status(cm_set(Key, Name, Type, Data, Type + 3), STATUS_SUCCESS);
    }
    for (ULONG Type = REG_NONE; Type <= REG_QWORD + 1; Type++) {
        ULONG GotType = 99, Size = 0;
        Name[0] = L't';
        Name[1] = (WCHAR)(L'a' + Type);
        Name[2] = 0;
        memset(Out, 0, sizeof(Out));
        assert_status(cm_get(Key, Name, &GotType, Out, &Size), STATUS_SUCCESS);
        assert_int_equal(GotType, Type);
        assert_int_equal(Size, Type + 3);
        for (ULONG i = 0; i < Size; i++)
            assert_int_equal(Out[i], (UCHAR)(Type * 16 + i));
    }
    /* zero-length data */
    assert_status(cm_set(Key, L"empty", REG_BINARY, NULL, 0), STATUS_SUCCESS);
    {
        ULONG GotType = 0, Size = 99;
        assert_status(cm_get(Key, L"empty", &GotType, Out, &Size), STATUS_SUCCESS);
        assert_int_equal(GotType, REG_BINARY);
        assert_int_equal(Size, 0);
    }
    /* Data NULL with a size is refused */
    assert_status(cm_set(Key, L"bad", REG_BINARY, NULL, 4), STATUS_INVALID_PARAMETER);
    ZwClose(Key);
}

static void test_value_order_and_replace(void **state)
{
    HANDLE Key;
    UCHAR Buffer[128];
    ULONG Result, One = 1, Two = 2, Type, Size, Got;
    PKEY_VALUE_BASIC_INFORMATION Basic = (PKEY_VALUE_BASIC_INFORMATION)Buffer;
    static const WCHAR *const Expected[] = { L"b", L"A", L"c" };
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"b", REG_DWORD, &One, 4), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"A", REG_DWORD, &One, 4), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"c", REG_DWORD, &One, 4), STATUS_SUCCESS);
    /* replacing keeps the position and the original name's case; the type may change */
    assert_status(cm_set(Key, L"a", REG_QWORD, &Two, 4), STATUS_SUCCESS);
    for (ULONG i = 0; i < 3; i++) {
        assert_status(ZwEnumerateValueKey(Key, i, KeyValueBasicInformation, Buffer, sizeof(Buffer), &Result),
                      STATUS_SUCCESS);
        assert_int_equal(Basic->NameLength, 2);
        assert_int_equal(Basic->Name[0], Expected[i][0]);
    }
    assert_status(ZwEnumerateValueKey(Key, 3, KeyValueBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_NO_MORE_ENTRIES);
    assert_status(cm_get(Key, L"A", &Type, &Got, &Size), STATUS_SUCCESS);
    assert_int_equal(Type, REG_QWORD);
    assert_int_equal(Got, 2);
    ZwClose(Key);
}

static void test_enumerate_keys(void **state)
{
    HANDLE Key, Sub;
    UCHAR Buffer[256];
    ULONG Result, Value = 5;
    UNICODE_STRING Class, Name;
    OBJECT_ATTRIBUTES Attributes;
    PKEY_BASIC_INFORMATION Basic = (PKEY_BASIC_INFORMATION)Buffer;
    PKEY_NODE_INFORMATION Node = (PKEY_NODE_INFORMATION)Buffer;
    PKEY_FULL_INFORMATION Full = (PKEY_FULL_INFORMATION)Buffer;
    static const WCHAR *const Names[] = { L"Zeta", L"alpha", L"Mid" };
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    for (int i = 0; i < 3; i++) {
        assert_status(cm_open(Key, Names[i], 1, &Sub, NULL), STATUS_SUCCESS);
        ZwClose(Sub);
    }
    cm_init(&Name, L"WithClass");
    cm_init(&Class, L"Cls");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, Key, NULL);
    assert_status(ZwCreateKey(&Sub, KEY_ALL_ACCESS, &Attributes, 0, &Class, 0, NULL), STATUS_SUCCESS);
    ZwClose(Sub);
    assert_status(cm_set(Key, L"LongValueName", REG_BINARY, Buffer, 40), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"x", REG_DWORD, &Value, 4), STATUS_SUCCESS);

    for (ULONG i = 0; i < 3; i++) {
        size_t n = cm_wcslen(Names[i]) * sizeof(WCHAR);
        assert_status(ZwEnumerateKey(Key, i, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
        assert_int_equal(Basic->NameLength, n);
        assert_memory_equal(Basic->Name, Names[i], n);
        assert_int_equal(Result, FIELD_OFFSET(KEY_BASIC_INFORMATION, Name) + n);
    }
    assert_status(ZwEnumerateKey(Key, 4, KeyBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_NO_MORE_ENTRIES);

    assert_status(ZwEnumerateKey(Key, 3, KeyNodeInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Node->NameLength, 18);
    assert_int_equal(Node->ClassLength, 6);
    assert_int_equal(Node->ClassOffset, FIELD_OFFSET(KEY_NODE_INFORMATION, Name) + 18);
    assert_memory_equal(Buffer + Node->ClassOffset, L"Cls", 6);
    assert_int_equal(Result, FIELD_OFFSET(KEY_NODE_INFORMATION, Name) + 18 + 6);
    assert_status(ZwEnumerateKey(Key, 0, KeyNodeInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Node->ClassOffset, 0xFFFFFFFFu);
    assert_int_equal(Node->ClassLength, 0);

    assert_status(ZwQueryKey(Key, KeyFullInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Full->SubKeys, 4);
    assert_int_equal(Full->Values, 2);
    assert_int_equal(Full->MaxNameLen, 18);    /* "WithClass" */
    assert_int_equal(Full->MaxClassLen, 6);    /* "Cls" */
    assert_int_equal(Full->MaxValueNameLen, 26); /* "LongValueName" */
    assert_int_equal(Full->MaxValueDataLen, 40);
    assert_int_equal(Full->ClassLength, 0);
    assert_int_equal(Result, FIELD_OFFSET(KEY_FULL_INFORMATION, Class));
    /* fixed part too small */
    assert_status(ZwQueryKey(Key, KeyFullInformation, Buffer, 10, &Result), STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(Result, FIELD_OFFSET(KEY_FULL_INFORMATION, Class));
    assert_status(ZwQueryKey(Key, KeyCachedInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Result, sizeof(KEY_CACHED_INFORMATION));
    assert_int_equal(((PKEY_CACHED_INFORMATION)Buffer)->SubKeys, 4);
    assert_int_equal(((PKEY_CACHED_INFORMATION)Buffer)->NameLength, 20); /* "ntsim-test" */
    assert_status(ZwEnumerateKey(Key, 0, KeyNameInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_INVALID_PARAMETER);
    assert_status(ZwQueryKey(Key, KeyFlagsInformation, Buffer, sizeof(Buffer), &Result), STATUS_INVALID_PARAMETER);
    ZwClose(Key);
}

static void test_key_name_information(void **state)
{
    HANDLE Key;
    UCHAR Buffer[256];
    ULONG Result;
    PKEY_NAME_INFORMATION Info = (PKEY_NAME_INFORMATION)Buffer;
    static const WCHAR Expected[] = L"\\REGISTRY\\MACHINE\\SOFTWARE\\ntsim-test";
    (void)state;

    assert_status(cm_open(NULL, L"\\Registry\\Machine\\software\\ntsim-test", 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(ZwQueryKey(Key, KeyNameInformation, Buffer, sizeof(Buffer), &Result), STATUS_SUCCESS);
    assert_int_equal(Info->NameLength, sizeof(Expected) - sizeof(WCHAR));
    assert_memory_equal(Info->Name, Expected, sizeof(Expected) - sizeof(WCHAR));
    assert_int_equal(Result, 4 + sizeof(Expected) - sizeof(WCHAR));
    assert_status(ZwQueryKey(Key, KeyNameInformation, Buffer, 8, &Result), STATUS_BUFFER_OVERFLOW);
    assert_int_equal(Info->NameLength, sizeof(Expected) - sizeof(WCHAR));
    assert_int_equal(Result, 4 + sizeof(Expected) - sizeof(WCHAR));
    ZwClose(Key);
}

static void test_delete_value(void **state)
{
    HANDLE Key;
    UNICODE_STRING Name;
    ULONG Value = 1;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Key, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Key, L"v", REG_DWORD, &Value, 4), STATUS_SUCCESS);
    cm_init(&Name, L"V");
    assert_status(ZwDeleteValueKey(Key, &Name), STATUS_SUCCESS);
    assert_status(cm_get(Key, L"v", NULL, NULL, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(ZwDeleteValueKey(Key, &Name), STATUS_OBJECT_NAME_NOT_FOUND);
    ZwClose(Key);
}

static void test_delete_key(void **state)
{
    HANDLE Parent, Child, Other;
    UCHAR Buffer[64];
    ULONG Result, Value = 1;
    (void)state;

    assert_status(cm_open(NULL, TESTKEY, 1, &Parent, NULL), STATUS_SUCCESS);
    assert_status(cm_open(Parent, L"Child", 1, &Child, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Child, L"v", REG_DWORD, &Value, 4), STATUS_SUCCESS);
    assert_status(cm_open(NULL, TESTKEY L"\\Child", 0, &Other, NULL), STATUS_SUCCESS);

    assert_status(ZwDeleteKey(Parent), STATUS_CANNOT_DELETE);
    assert_true(cm_exists(TESTKEY));
    assert_status(ZwDeleteKey(Child), STATUS_SUCCESS);
    assert_false(cm_exists(TESTKEY L"\\Child"));

    /* every handle to the deleted key reports it */
    assert_status(cm_get(Child, L"v", NULL, NULL, NULL), STATUS_KEY_DELETED);
    assert_status(cm_get(Other, L"v", NULL, NULL, NULL), STATUS_KEY_DELETED);
    assert_status(cm_set(Other, L"w", REG_DWORD, &Value, 4), STATUS_KEY_DELETED);
    assert_status(ZwQueryKey(Other, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_KEY_DELETED);
    assert_status(ZwEnumerateKey(Other, 0, KeyBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_KEY_DELETED);
    assert_status(ZwEnumerateValueKey(Other, 0, KeyValueBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_KEY_DELETED);
    assert_status(ZwDeleteKey(Other), STATUS_KEY_DELETED);
    assert_status(ZwFlushKey(Other), STATUS_KEY_DELETED);
    {
        HANDLE Below;
        assert_status(cm_open(Other, L"x", 1, &Below, NULL), STATUS_KEY_DELETED);
    }
    assert_status(ZwClose(Child), STATUS_SUCCESS);
    assert_status(ZwClose(Other), STATUS_SUCCESS);

    /* the parent can go now, and a key of the same name can be made again */
    assert_status(ZwDeleteKey(Parent), STATUS_SUCCESS);
    ZwClose(Parent);
    assert_false(cm_exists(TESTKEY));
    assert_status(cm_open(NULL, TESTKEY, 1, &Parent, NULL), STATUS_SUCCESS);
    assert_status(ZwEnumerateKey(Parent, 0, KeyBasicInformation, Buffer, sizeof(Buffer), &Result),
                  STATUS_NO_MORE_ENTRIES);
    ZwClose(Parent);
}

static void test_delete_fixed_key(void **state)
{
    HANDLE Key;
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    (void)state;
    cm_init(&Name, L"\\Registry\\Machine\\HARDWARE\\DEVICEMAP");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    assert_status(ZwOpenKey(&Key, DELETE, &Attributes), STATUS_SUCCESS);
    assert_status(ZwDeleteKey(Key), STATUS_CANNOT_DELETE);
    ZwClose(Key);
    assert_true(cm_exists(L"\\Registry\\Machine\\HARDWARE\\DEVICEMAP"));
}

static void test_volatile(void **state)
{
    HANDLE Volatile, Child;
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    (void)state;

    cm_init(&Name, TESTKEY);
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    assert_status(ZwCreateKey(&Volatile, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_VOLATILE, NULL),
                  STATUS_SUCCESS);
    cm_init(&Name, L"Stable");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, Volatile, NULL);
    assert_status(ZwCreateKey(&Child, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_NON_VOLATILE, NULL),
                  (NTSTATUS)0xC0000181L /* STATUS_CHILD_MUST_BE_VOLATILE */);
    assert_status(ZwCreateKey(&Child, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_VOLATILE, NULL),
                  STATUS_SUCCESS);
    ZwClose(Child);
    ZwClose(Volatile);
}

static void test_bad_parameters(void **state)
{
    HANDLE Key, Bogus = (HANDLE)(ULONG_PTR)0x7FF0;
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    UCHAR Buffer[64];
    ULONG Result;
    (void)state;

    cm_init(&Name, TESTKEY);
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE, NULL, NULL);
    Attributes.Length = 0;
    assert_status(ZwCreateKey(&Key, KEY_ALL_ACCESS, &Attributes, 0, NULL, 0, NULL), STATUS_INVALID_PARAMETER);
    Attributes.Length = sizeof(Attributes);
    assert_status(ZwCreateKey(&Key, KEY_ALL_ACCESS, &Attributes, 0, NULL, 0x1000, NULL), STATUS_INVALID_PARAMETER);
    assert_status(ZwOpenKeyEx(&Key, KEY_READ, &Attributes, 0x1000), STATUS_INVALID_PARAMETER);
    assert_false(cm_exists(TESTKEY));
    assert_status(ZwQueryKey(Bogus, KeyBasicInformation, Buffer, sizeof(Buffer), &Result), STATUS_INVALID_HANDLE);
    assert_status(ZwFlushKey(Bogus), STATUS_INVALID_HANDLE);
}

static void test_open_key_ex_and_nt_names(void **state)
{
    HANDLE Key;
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    (void)state;

    cm_init(&Name, L"\\Registry\\Machine\\SOFTWARE");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    assert_status(ZwOpenKeyEx(&Key, KEY_READ, &Attributes, REG_OPTION_BACKUP_RESTORE), STATUS_SUCCESS);
    assert_status(ZwFlushKey(Key), STATUS_SUCCESS);
    ZwClose(Key);
    assert_status(NtOpenKey(&Key, KEY_READ, &Attributes), STATUS_SUCCESS);
    ZwClose(Key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fixed_tree, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_open_missing, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_create_disposition, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_case_preserved, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_relative_open, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_query_value_sizes, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_query_value_classes, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_value_missing_and_default, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_every_type, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_value_order_and_replace, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_enumerate_keys, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_key_name_information, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_delete_value, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_delete_key, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_delete_fixed_key, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_volatile, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_bad_parameters, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_open_key_ex_and_nt_names, cm_setup, cm_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
