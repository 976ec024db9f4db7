/* cm/rtlquery - RtlQueryRegistryValues, RtlWriteRegistryValue, RtlDeleteRegistryValue,
 * RtlCheckRegistryKey, RtlCreateRegistryKey, as a driver calls them. */
#include "cmtest.h"

#define SERVICE L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services\\ntsimtest"

/* A service key with Parameters: Dword=7, Str="text", Multi="one","two", Expand="%SystemRoot%\drivers" */
static void make_service(void)
{
    HANDLE Service, Parameters;
    ULONG Seven = 7, Nine = 9;
    static const WCHAR Str[] = L"text";
    static const WCHAR Multi[] = L"one\0two\0";
    static const WCHAR Expand[] = L"%SystemRoot%\\drivers";
    static const UCHAR Blob[6] = { 1, 2, 3, 4, 5, 6 };

    assert_status(cm_open(NULL, SERVICE, 1, &Service, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Service, L"Start", REG_DWORD, &Nine, 4), STATUS_SUCCESS);
    assert_status(cm_open(Service, L"Parameters", 1, &Parameters, NULL), STATUS_SUCCESS);
    assert_status(cm_set(Parameters, L"Dword", REG_DWORD, &Seven, 4), STATUS_SUCCESS);
    assert_status(cm_set(Parameters, L"Str", REG_SZ, Str, sizeof(Str)), STATUS_SUCCESS);
    assert_status(cm_set(Parameters, L"Multi", REG_MULTI_SZ, Multi, sizeof(Multi)), STATUS_SUCCESS);
    assert_status(cm_set(Parameters, L"Expand", REG_EXPAND_SZ, Expand, sizeof(Expand)), STATUS_SUCCESS);
    assert_status(cm_set(Parameters, L"Blob", REG_BINARY, Blob, sizeof(Blob)), STATUS_SUCCESS);
    ZwClose(Parameters);
    ZwClose(Service);
}

/* ---- a recording QueryRoutine ---- */

typedef struct {
    int Calls;
    WCHAR Names[8][32];
    ULONG Types[8];
    ULONG Lengths[8];
    UCHAR Data[8][64];
    NTSTATUS Return;
} RECORD;

static NTSTATUS NTAPI record_routine(PWSTR ValueName, ULONG ValueType, PVOID ValueData, ULONG ValueLength,
                                     PVOID Context, PVOID EntryContext)
{
    RECORD *r = Context;
    int i = r->Calls++;
    assert_ptr_equal(EntryContext, (PVOID)(ULONG_PTR)0x5150);
    if (i < 8) {
        memset(r->Names[i], 0, sizeof(r->Names[i]));
        if (ValueName)
            memcpy(r->Names[i], ValueName, cm_wcslen(ValueName) * sizeof(WCHAR));
        r->Types[i] = ValueType;
        r->Lengths[i] = ValueLength;
        if (ValueData && ValueLength <= sizeof(r->Data[i]))
            memcpy(r->Data[i], ValueData, ValueLength);
    }
    return r->Return;
}

#define ENTRY_CONTEXT ((PVOID)(ULONG_PTR)0x5150)

/* ---- DIRECT ---- */

static void test_direct_dword(void **state)
{
    ULONG Dword = 0, Start = 0;
    RTL_QUERY_REGISTRY_TABLE Table[3];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    Table[0].Name = L"Dword";
    Table[0].EntryContext = &Dword;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Dword, 7);

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"Start";
    Table[0].EntryContext = &Start;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, SERVICE, Table, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(Start, 9);
}

static void test_direct_string_allocates(void **state)
{
    UNICODE_STRING Str = { 0, 0, NULL };
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"Str";
    Table[0].EntryContext = &Str;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_non_null(Str.Buffer);
    assert_int_equal(Str.Length, 8);
    assert_int_equal(Str.MaximumLength, 10);
    assert_memory_equal(Str.Buffer, L"text", 10);
    ExFreePool(Str.Buffer);
}

static void test_direct_string_caller_buffer(void **state)
{
    WCHAR Small[3], Big[16];
    UNICODE_STRING Str;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"Str";
    Table[0].EntryContext = &Str;
    Str.Buffer = Small;
    Str.Length = 0;
    Str.MaximumLength = sizeof(Small);
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_BUFFER_TOO_SMALL);
    assert_int_equal(Str.Length, 0);

    memset(Big, 0x55, sizeof(Big));
    Str.Buffer = Big;
    Str.MaximumLength = sizeof(Big);
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Str.Length, 8);
    assert_memory_equal(Big, L"text", 10);
    assert_ptr_equal(Str.Buffer, Big);
}

static void test_direct_binary(void **state)
{
    UCHAR Raw[16];
    LONG Size;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    static const UCHAR Blob[6] = { 1, 2, 3, 4, 5, 6 };
    ULONG Header[2];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"Blob";
    Table[0].EntryContext = Raw;

    /* negative size: data only */
    memset(Raw, 0, sizeof(Raw));
    Size = -(LONG)sizeof(Raw);
    memcpy(Raw, &Size, sizeof(Size));
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_memory_equal(Raw, Blob, sizeof(Blob));

    /* positive size: length, type, data */
    memset(Raw, 0, sizeof(Raw));
    Size = sizeof(Raw);
    memcpy(Raw, &Size, sizeof(Size));
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    memcpy(Header, Raw, sizeof(Header));
    assert_int_equal(Header[0], sizeof(Blob));
    assert_int_equal(Header[1], REG_BINARY);
    assert_memory_equal(Raw + 8, Blob, sizeof(Blob));

    /* too small either way */
    Size = -4 - 1;
    memcpy(Raw, &Size, sizeof(Size));
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_BUFFER_TOO_SMALL);
    Size = 8 + 5;
    memcpy(Raw, &Size, sizeof(Size));
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_BUFFER_TOO_SMALL);
}

static void test_typecheck(void **state)
{
    ULONG Dword = 1234;
    UNICODE_STRING Str = { 0, 0, NULL };
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    Table[0].Name = L"Str"; /* a REG_SZ */
    Table[0].EntryContext = &Dword;
    Table[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(Dword, 1234);

    Table[0].Name = L"Dword";
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Dword, 7);

    Table[0].Name = L"Str";
    Table[0].EntryContext = &Str;
    Table[0].DefaultType = (REG_SZ << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_NONE;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Str.Length, 8);
    ExFreePool(Str.Buffer);
}

static void test_required_and_defaults(void **state)
{
    ULONG Value = 1, Default = 99;
    UNICODE_STRING Str = { 0, 0, NULL };
    RTL_QUERY_REGISTRY_TABLE Table[3];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    Table[0].Name = L"Absent";
    Table[0].EntryContext = &Value;
    Table[0].DefaultType = REG_DWORD;
    Table[0].DefaultData = &Default;
    Table[0].DefaultLength = sizeof(Default);
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_OBJECT_NAME_NOT_FOUND);
    assert_int_equal(Value, 1);

    /* not required: the default is used */
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Value, 99);

    /* no default: left alone */
    Value = 5;
    Table[0].DefaultType = REG_NONE;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Value, 5);

    /* a REG_SZ default with DefaultLength 0 is measured */
    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[0].Name = L"AbsentString";
    Table[0].EntryContext = &Str;
    Table[0].DefaultType = REG_SZ;
    Table[0].DefaultData = L"fallback";
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Str.Length, 16);
    assert_memory_equal(Str.Buffer, L"fallback", 18);
    ExFreePool(Str.Buffer);
}

/* ---- callbacks ---- */

static void test_multi_sz_one_call_per_string(void **state)
{
    RECORD r;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(&r, 0, sizeof(r));
    memset(Table, 0, sizeof(Table));
    Table[0].QueryRoutine = record_routine;
    Table[0].Name = L"Multi";
    Table[0].EntryContext = ENTRY_CONTEXT;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Calls, 2);
    assert_int_equal(r.Types[0], REG_SZ);
    assert_int_equal(r.Lengths[0], 8);
    assert_memory_equal(r.Data[0], L"one", 8);
    assert_int_equal(r.Types[1], REG_SZ);
    assert_memory_equal(r.Data[1], L"two", 8);
    assert_memory_equal(r.Names[1], L"Multi", 12);

    /* NOEXPAND: the whole REG_MULTI_SZ at once */
    memset(&r, 0, sizeof(r));
    Table[0].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Calls, 1);
    assert_int_equal(r.Types[0], REG_MULTI_SZ);
    assert_int_equal(r.Lengths[0], 18);
}

static void test_expand_sz(void **state)
{
    RECORD r;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    static const WCHAR Expanded[] = L"C:\\Windows\\drivers";
    static const WCHAR Env[] = L"SYSTEMROOT=D:\\NT\0OTHER=x\0";
    (void)state;
    make_service();

    memset(&r, 0, sizeof(r));
    memset(Table, 0, sizeof(Table));
    Table[0].QueryRoutine = record_routine;
    Table[0].Name = L"Expand";
    Table[0].EntryContext = ENTRY_CONTEXT;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Calls, 1);
    assert_int_equal(r.Types[0], REG_SZ);
    assert_int_equal(r.Lengths[0], sizeof(Expanded));
    assert_memory_equal(r.Data[0], Expanded, sizeof(Expanded));

    memset(&r, 0, sizeof(r));
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, (PVOID)Env),
                  STATUS_SUCCESS);
    assert_memory_equal(r.Data[0], L"D:\\NT\\drivers", sizeof(L"D:\\NT\\drivers"));

    memset(&r, 0, sizeof(r));
    Table[0].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Types[0], REG_EXPAND_SZ);
    assert_memory_equal(r.Data[0], L"%SystemRoot%\\drivers", sizeof(L"%SystemRoot%\\drivers"));
}

static void test_subkey_topkey(void **state)
{
    ULONG Dword = 0, Start = 0;
    RTL_QUERY_REGISTRY_TABLE Table[4];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    Table[0].Name = L"Parameters";
    Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    Table[1].Name = L"Dword";
    Table[1].EntryContext = &Dword;
    Table[2].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TOPKEY | RTL_QUERY_REGISTRY_REQUIRED;
    Table[2].Name = L"Start";
    Table[2].EntryContext = &Start;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest", Table, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(Dword, 7);
    assert_int_equal(Start, 9);

    /* a missing subkey: REQUIRED fails, otherwise the entries see no values */
    Table[0].Name = L"Missing";
    Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY | RTL_QUERY_REGISTRY_REQUIRED;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest", Table, NULL, NULL),
                  STATUS_OBJECT_NAME_NOT_FOUND);
    Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Dword = 3;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest", Table, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(Dword, 3);
}

static void test_enumerate_all_and_novalue(void **state)
{
    RECORD r;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(&r, 0, sizeof(r));
    memset(Table, 0, sizeof(Table));
    Table[0].QueryRoutine = record_routine;
    Table[0].Flags = RTL_QUERY_REGISTRY_NOEXPAND;
    Table[0].EntryContext = ENTRY_CONTEXT;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Calls, 5);
    assert_memory_equal(r.Names[0], L"Dword", 12);
    assert_memory_equal(r.Names[4], L"Blob", 10);
    assert_int_equal(r.Types[2], REG_MULTI_SZ);

    memset(&r, 0, sizeof(r));
    Table[0].Flags = RTL_QUERY_REGISTRY_NOVALUE;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(r.Calls, 1);
    assert_int_equal(r.Types[0], REG_NONE);
    assert_int_equal(r.Lengths[0], 0);
}

static void test_callback_error_stops(void **state)
{
    RECORD r;
    ULONG Dword = 0;
    RTL_QUERY_REGISTRY_TABLE Table[3];
    (void)state;
    make_service();

    memset(&r, 0, sizeof(r));
    r.Return = STATUS_INVALID_PARAMETER_2;
    memset(Table, 0, sizeof(Table));
    Table[0].QueryRoutine = record_routine;
    Table[0].Name = L"Multi";
    Table[0].EntryContext = ENTRY_CONTEXT;
    Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT;
    Table[1].Name = L"Dword";
    Table[1].EntryContext = &Dword;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, &r, NULL),
                  STATUS_INVALID_PARAMETER_2);
    assert_int_equal(r.Calls, 1);
    assert_int_equal(Dword, 0);
}

static void test_delete_flag(void **state)
{
    ULONG Dword = 0;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    HANDLE Key;
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_DELETE;
    Table[0].Name = L"Dword";
    Table[0].EntryContext = &Dword;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Parameters", Table, NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Dword, 7);
    Key = cm_must_open(SERVICE L"\\Parameters");
    assert_status(cm_get(Key, L"Dword", NULL, NULL, NULL), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(cm_get(Key, L"Str", NULL, NULL, NULL), STATUS_SUCCESS);
    ZwClose(Key);
}

/* ---- RelativeTo ---- */

static void test_relative_bases(void **state)
{
    static const struct {
        ULONG RelativeTo;
        const WCHAR *Absolute;
    } Bases[] = {
        { RTL_REGISTRY_SERVICES, L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services" },
        { RTL_REGISTRY_CONTROL, L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Control" },
        { RTL_REGISTRY_WINDOWS_NT, L"\\Registry\\Machine\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion" },
        { RTL_REGISTRY_DEVICEMAP, L"\\Registry\\Machine\\HARDWARE\\DEVICEMAP" },
        { RTL_REGISTRY_USER, L"\\Registry\\User\\.DEFAULT" },
    };
    (void)state;

    for (size_t i = 0; i < RTL_NUMBER_OF(Bases); i++) {
        ULONG Value = 100 + (ULONG)i, Got = 0, Type = 0;
        HANDLE Key;
        assert_status(RtlWriteRegistryValue(Bases[i].RelativeTo, NULL, L"ntsimProbe", REG_DWORD, &Value, 4),
                      STATUS_SUCCESS);
        Key = cm_must_open(Bases[i].Absolute);
        assert_status(cm_get(Key, L"ntsimProbe", &Type, &Got, NULL), STATUS_SUCCESS);
        assert_int_equal(Type, REG_DWORD);
        assert_int_equal(Got, Value);
        ZwClose(Key);
        assert_status(RtlDeleteRegistryValue(Bases[i].RelativeTo, NULL, L"ntsimProbe"), STATUS_SUCCESS);
        assert_status(RtlDeleteRegistryValue(Bases[i].RelativeTo, NULL, L"ntsimProbe"), STATUS_OBJECT_NAME_NOT_FOUND);
    }
    /* the machine knows its SystemRoot */
    {
        UNICODE_STRING Root = { 0, 0, NULL };
        RTL_QUERY_REGISTRY_TABLE Table[2];
        memset(Table, 0, sizeof(Table));
        Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
        Table[0].Name = L"SystemRoot";
        Table[0].EntryContext = &Root;
        assert_status(RtlQueryRegistryValues(RTL_REGISTRY_WINDOWS_NT, NULL, Table, NULL, NULL), STATUS_SUCCESS);
        assert_int_equal(Root.Length, 20);
        assert_memory_equal(Root.Buffer, L"C:\\Windows", 20);
        ExFreePool(Root.Buffer);
    }
    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_MAXIMUM, NULL), STATUS_INVALID_PARAMETER);
}

static void test_handle_and_optional(void **state)
{
    HANDLE Key;
    ULONG Dword = 0;
    RTL_QUERY_REGISTRY_TABLE Table[2];
    (void)state;
    make_service();

    memset(Table, 0, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    Table[0].Name = L"Dword";
    Table[0].EntryContext = &Dword;
    Key = cm_must_open(SERVICE L"\\Parameters");
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_HANDLE, (PCWSTR)Key, Table, NULL, NULL), STATUS_SUCCESS);
    assert_int_equal(Dword, 7);
    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_HANDLE, (PWSTR)Key), STATUS_SUCCESS);
    ZwClose(Key);

    Dword = 0;
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES, L"ntsimtest\\Nope", Table, NULL, NULL),
                  STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(RtlQueryRegistryValues(RTL_REGISTRY_SERVICES | RTL_REGISTRY_OPTIONAL, L"ntsimtest\\Nope", Table,
                                         NULL, NULL),
                  STATUS_SUCCESS);
    assert_int_equal(Dword, 0);
}

static void test_write_check_create(void **state)
{
    ULONG Value = 3, Got = 0;
    HANDLE Key;
    (void)state;

    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"ntsimnew"), STATUS_OBJECT_NAME_NOT_FOUND);
    /* RtlCreateRegistryKey creates the last key only */
    assert_status(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"ntsimnew\\Deep"), STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"ntsimnew"), STATUS_SUCCESS);
    assert_status(RtlCreateRegistryKey(RTL_REGISTRY_SERVICES, L"ntsimnew"), STATUS_SUCCESS);
    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"NTSIMNEW"), STATUS_SUCCESS);
    /* RtlWriteRegistryValue creates its key, not missing parents */
    assert_status(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, L"ntsimnew\\Parameters", L"v", REG_DWORD, &Value, 4),
                  STATUS_SUCCESS);
    assert_status(RtlWriteRegistryValue(RTL_REGISTRY_SERVICES, L"absent\\Parameters", L"v", REG_DWORD, &Value, 4),
                  STATUS_OBJECT_NAME_NOT_FOUND);
    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"absent"), STATUS_OBJECT_NAME_NOT_FOUND);
    Key = cm_must_open(L"\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Services\\ntsimnew\\Parameters");
    assert_status(cm_get(Key, L"v", NULL, &Got, NULL), STATUS_SUCCESS);
    assert_int_equal(Got, 3);
    ZwClose(Key);
    /* an absolute Path wins over the base */
    assert_status(RtlCheckRegistryKey(RTL_REGISTRY_SERVICES, L"\\Registry\\Machine\\SOFTWARE"), STATUS_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_direct_dword, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_direct_string_allocates, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_direct_string_caller_buffer, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_direct_binary, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_typecheck, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_required_and_defaults, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_multi_sz_one_call_per_string, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_expand_sz, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_subkey_topkey, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_enumerate_all_and_novalue, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_callback_error_stops, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_delete_flag, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_relative_bases, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_handle_and_optional, cm_setup, cm_teardown),
        cmocka_unit_test_setup_teardown(test_write_check_create, cm_setup, cm_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
