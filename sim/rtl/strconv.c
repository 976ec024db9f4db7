/*
 * strconv.c - the string routines that may allocate from pool for the caller:
 * ANSI <-> Unicode conversion, up/down-casing, duplication, and the matching
 * RtlFree*String. Allocations are charged to the running driver (tracked and
 * failable through ExpAllocatePool); a failed allocation returns STATUS_NO_MEMORY
 * as the real routines do. The ANSI code page is Windows-1252 (see nls.c).
 */
#include "ntsimp.h"

#define RTLP_STRING_TAG 0x67727453u /* 'Strg' as a pool dump shows it */

static PVOID RtlpAllocateString(SIZE_T Bytes, const char *Ddi, NTSIM_SITE Site)
{
    return ExpAllocatePool(PagedPool, Bytes, RTLP_STRING_TAG, Ddi, Site);
}

NTSTATUS RtlAnsiStringToUnicodeString(PUNICODE_STRING DestinationString, PCANSI_STRING SourceString,
                                      BOOLEAN AllocateDestinationString)
{
    NTSIM_SITE site = KiTakeSite();
    ULONG size = RtlxAnsiStringToUnicodeSize(SourceString);
    ULONG length;

    if (size > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    length = size - sizeof(WCHAR);
    if (AllocateDestinationString) {
        PWCH buffer = RtlpAllocateString(size, "RtlAnsiStringToUnicodeString", site);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)size;
    } else if (length >= DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    RtlMultiByteToUnicodeN(DestinationString->Buffer, length, NULL, SourceString->Buffer, SourceString->Length);
    DestinationString->Length = (USHORT)length;
    DestinationString->Buffer[length / sizeof(WCHAR)] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringToAnsiString(PANSI_STRING DestinationString, PCUNICODE_STRING SourceString,
                                      BOOLEAN AllocateDestinationString)
{
    NTSIM_SITE site = KiTakeSite();
    ULONG size = RtlxUnicodeStringToAnsiSize(SourceString);
    ULONG length;
    NTSTATUS status = STATUS_SUCCESS;

    if (size > MAXUSHORT)
        return STATUS_INVALID_PARAMETER_2;
    length = size - 1;
    if (AllocateDestinationString) {
        PCHAR buffer = RtlpAllocateString(size, "RtlUnicodeStringToAnsiString", site);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = (USHORT)size;
    } else if (length >= DestinationString->MaximumLength) {
        /* Too small: convert what fits (terminated) and say so. */
        if (DestinationString->MaximumLength == 0)
            return STATUS_BUFFER_OVERFLOW;
        status = STATUS_BUFFER_OVERFLOW;
        length = DestinationString->MaximumLength - 1u;
    }
    RtlUnicodeToMultiByteN(DestinationString->Buffer, length, NULL, SourceString->Buffer,
                           length * (ULONG)sizeof(WCHAR));
    DestinationString->Length = (USHORT)length;
    DestinationString->Buffer[length] = ANSI_NULL;
    return status;
}

static NTSTATUS RtlpChangeCase(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                               BOOLEAN AllocateDestinationString, BOOLEAN Upcase, const char *Ddi, NTSIM_SITE Site)
{
    USHORT length = SourceString->Length & (USHORT)~1u, i;

    if (AllocateDestinationString) {
        PWCH buffer = RtlpAllocateString(length, Ddi, Site);
        if (buffer == NULL)
            return STATUS_NO_MEMORY;
        DestinationString->Buffer = buffer;
        DestinationString->MaximumLength = length;
    } else if (length > DestinationString->MaximumLength) {
        return STATUS_BUFFER_OVERFLOW;
    }
    /* Element by element, so Destination may be Source (in-place). */
    for (i = 0; i < length / sizeof(WCHAR); i++) {
        WCHAR c = SourceString->Buffer[i];
        DestinationString->Buffer[i] = Upcase ? RtlUpcaseUnicodeChar(c) : RtlDowncaseUnicodeChar(c);
    }
    DestinationString->Length = length;
    return STATUS_SUCCESS;
}

NTSTATUS RtlUpcaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                BOOLEAN AllocateDestinationString)
{
    NTSIM_SITE site = KiTakeSite();

    return RtlpChangeCase(DestinationString, SourceString, AllocateDestinationString, TRUE,
                          "RtlUpcaseUnicodeString", site);
}

NTSTATUS RtlDowncaseUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString,
                                  BOOLEAN AllocateDestinationString)
{
    NTSIM_SITE site = KiTakeSite();

    return RtlpChangeCase(DestinationString, SourceString, AllocateDestinationString, FALSE,
                          "RtlDowncaseUnicodeString", site);
}

NTSTATUS RtlDuplicateUnicodeString(ULONG Flags, PCUNICODE_STRING StringIn, PUNICODE_STRING StringOut)
{
    NTSIM_SITE site = KiTakeSite();
    const ULONG valid = RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE | RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING;
    ULONG size;
    PWCH buffer;

    /* ALLOCATE_NULL_STRING is only meaningful together with NULL_TERMINATE. */
    if ((Flags & ~valid) != 0 || Flags == RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING || StringIn == NULL ||
        StringOut == NULL)
        return STATUS_INVALID_PARAMETER;
    if ((StringIn->Length & 1) != 0 || (StringIn->MaximumLength & 1) != 0 ||
        StringIn->Length > StringIn->MaximumLength || (StringIn->Buffer == NULL && StringIn->MaximumLength != 0))
        return STATUS_INVALID_PARAMETER;

    if (StringIn->Length == 0 && !(Flags & RTL_DUPLICATE_UNICODE_STRING_ALLOCATE_NULL_STRING)) {
        StringOut->Length = 0;
        StringOut->MaximumLength = 0;
        StringOut->Buffer = NULL;
        return STATUS_SUCCESS;
    }
    size = StringIn->Length;
    if (Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE)
        size += sizeof(WCHAR);
    if (size > UNICODE_STRING_MAX_BYTES)
        return STATUS_NAME_TOO_LONG;
    buffer = RtlpAllocateString(size, "RtlDuplicateUnicodeString", site);
    if (buffer == NULL)
        return STATUS_NO_MEMORY;
    if (StringIn->Length != 0)
        memcpy(buffer, StringIn->Buffer, StringIn->Length);
    if (Flags & RTL_DUPLICATE_UNICODE_STRING_NULL_TERMINATE)
        buffer[StringIn->Length / sizeof(WCHAR)] = UNICODE_NULL;
    StringOut->Buffer = buffer;
    StringOut->Length = StringIn->Length;
    StringOut->MaximumLength = (USHORT)size;
    return STATUS_SUCCESS;
}

VOID RtlFreeUnicodeString(PUNICODE_STRING UnicodeString)
{
    NTSIM_SITE site = KiTakeSite();

    if (UnicodeString->Buffer != NULL)
        ExpFreePool(UnicodeString->Buffer, 0, "RtlFreeUnicodeString", site);
    UnicodeString->Buffer = NULL;
    UnicodeString->Length = 0;
    UnicodeString->MaximumLength = 0;
}

VOID RtlFreeAnsiString(PANSI_STRING AnsiString)
{
    NTSIM_SITE site = KiTakeSite();

    if (AnsiString->Buffer != NULL)
        ExpFreePool(AnsiString->Buffer, 0, "RtlFreeAnsiString", site);
    AnsiString->Buffer = NULL;
    AnsiString->Length = 0;
    AnsiString->MaximumLength = 0;
}
