/* cmtest.h - helpers shared by the registry suites. Each test runs on a fresh
 * machine (ntsim_machine_create / ntsim_machine_destroy). */
#ifndef NTSIM_TESTS_CMTEST_H
#define NTSIM_TESTS_CMTEST_H

#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))

static int cm_setup(void **state)
{
    ntsim_machine_config config;
    memset(&config, 0, sizeof(config));
    config.verifier = 1;
    config.quiet = 1;
    *state = ntsim_machine_create(&config);
    return *state ? 0 : -1;
}

static int cm_teardown(void **state)
{
    ntsim_machine_destroy(*state);
    return 0;
}

static inline size_t cm_wcslen(const WCHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static inline void cm_init(UNICODE_STRING *u, const WCHAR *s)
{
    u->Buffer = (PWCH)s;
    u->Length = s ? (USHORT)(cm_wcslen(s) * sizeof(WCHAR)) : 0;
    u->MaximumLength = s ? (USHORT)(u->Length + sizeof(WCHAR)) : 0;
}

/* ZwCreateKey (create != 0) or ZwOpenKey of Path, relative to Root when given. */
static inline NTSTATUS cm_open(HANDLE Root, const WCHAR *Path, int create, HANDLE *Handle, ULONG *Disposition)
{
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    cm_init(&Name, Path);
    InitializeObjectAttributes(&Attributes, Path ? &Name : NULL, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Root,
                               NULL);
    if (create)
        return ZwCreateKey(Handle, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_NON_VOLATILE, Disposition);
    return ZwOpenKey(Handle, KEY_READ, &Attributes);
}

static inline NTSTATUS cm_set(HANDLE Key, const WCHAR *Name, ULONG Type, const void *Data, ULONG Size)
{
    UNICODE_STRING U;
    cm_init(&U, Name);
    return ZwSetValueKey(Key, &U, 0, Type, (PVOID)Data, Size);
}

/* Read a value into Data (partial information); returns the status, *Type and *Size. */
static inline NTSTATUS cm_get(HANDLE Key, const WCHAR *Name, ULONG *Type, void *Data, ULONG *Size)
{
    UCHAR Buffer[4096];
    ULONG Result = 0;
    UNICODE_STRING U;
    NTSTATUS Status;
    PKEY_VALUE_PARTIAL_INFORMATION Info = (PKEY_VALUE_PARTIAL_INFORMATION)Buffer;
    cm_init(&U, Name);
    Status = ZwQueryValueKey(Key, &U, KeyValuePartialInformation, Buffer, sizeof(Buffer), &Result);
    if (NT_SUCCESS(Status)) {
        if (Type)
            *Type = Info->Type;
        if (Size)
            *Size = Info->DataLength;
        if (Data)
            memcpy(Data, Info->Data, Info->DataLength);
    }
    return Status;
}

/* Open an absolute path for reading (asserting success). */
static inline HANDLE cm_must_open(const WCHAR *Path)
{
    HANDLE h = NULL;
    assert_status(cm_open(NULL, Path, 0, &h, NULL), STATUS_SUCCESS);
    assert_non_null(h);
    return h;
}

static inline int cm_exists(const WCHAR *Path)
{
    HANDLE h;
    if (!NT_SUCCESS(cm_open(NULL, Path, 0, &h, NULL)))
        return 0;
    ZwClose(h);
    return 1;
}

#endif
