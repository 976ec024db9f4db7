/*
 * string.c - counted strings (UNICODE_STRING, STRING/ANSI_STRING): initialise,
 * copy, compare, append. Lengths are in bytes; Length excludes any terminator.
 * None of these routines allocate.
 */
#include "ntsimp.h"

static size_t RtlpStrlenA(PCSZ S)
{
    size_t n = 0;

    while (S[n] != '\0')
        n++;
    return n;
}

VOID RtlInitUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    DestinationString->Buffer = (PWCH)SourceString;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
        return;
    }
    {
        size_t bytes = RtlpWcslen(SourceString) * sizeof(WCHAR);
        /* Longer strings are cut to the largest length a UNICODE_STRING can hold. */
        if (bytes > UNICODE_STRING_MAX_BYTES - sizeof(WCHAR))
            bytes = UNICODE_STRING_MAX_BYTES - sizeof(WCHAR);
        DestinationString->Length = (USHORT)bytes;
        DestinationString->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    }
}

NTSTATUS RtlInitUnicodeStringEx(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    DestinationString->Buffer = (PWCH)SourceString;
    if (SourceString != NULL) {
        size_t bytes = RtlpWcslen(SourceString) * sizeof(WCHAR);
        if (bytes > UNICODE_STRING_MAX_BYTES - sizeof(WCHAR))
            return STATUS_NAME_TOO_LONG;
        DestinationString->Length = (USHORT)bytes;
        DestinationString->MaximumLength = (USHORT)(bytes + sizeof(WCHAR));
    }
    return STATUS_SUCCESS;
}

VOID RtlInitAnsiString(PANSI_STRING DestinationString, PCSZ SourceString)
{
    DestinationString->Buffer = (PCHAR)SourceString;
    if (SourceString == NULL) {
        DestinationString->Length = 0;
        DestinationString->MaximumLength = 0;
        return;
    }
    {
        size_t bytes = RtlpStrlenA(SourceString);
        if (bytes > MAXUSHORT - 1)
            bytes = MAXUSHORT - 1;
        DestinationString->Length = (USHORT)bytes;
        DestinationString->MaximumLength = (USHORT)(bytes + 1);
    }
}

VOID RtlInitString(PSTRING DestinationString, PCSZ SourceString)
{
    RtlInitAnsiString(DestinationString, SourceString);
}

VOID RtlCopyUnicodeString(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    USHORT n;

    if (SourceString == NULL || SourceString->Buffer == NULL) {
        DestinationString->Length = 0;
        return;
    }
    n = SourceString->Length;
    if (n > DestinationString->MaximumLength)
        n = DestinationString->MaximumLength;
    n &= (USHORT)~1u;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if ((ULONG)n + sizeof(WCHAR) <= DestinationString->MaximumLength)
        DestinationString->Buffer[n / sizeof(WCHAR)] = UNICODE_NULL;
}

VOID RtlCopyString(PSTRING DestinationString, const STRING *SourceString)
{
    USHORT n;

    if (SourceString == NULL || SourceString->Buffer == NULL) {
        DestinationString->Length = 0;
        return;
    }
    n = SourceString->Length;
    if (n > DestinationString->MaximumLength)
        n = DestinationString->MaximumLength;
    memmove(DestinationString->Buffer, SourceString->Buffer, n);
    DestinationString->Length = n;
    if (n < DestinationString->MaximumLength)
        DestinationString->Buffer[n] = ANSI_NULL;
}

/* ---- comparison ---- */

LONG RtlCompareUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    size_t n1 = String1->Length / sizeof(WCHAR), n2 = String2->Length / sizeof(WCHAR);
    size_t n = n1 < n2 ? n1 : n2, i;

    for (i = 0; i < n; i++) {
        WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInSensitive) {
            a = RtlUpcaseUnicodeChar(a);
            b = RtlUpcaseUnicodeChar(b);
        }
        if (a != b)
            return (LONG)a - (LONG)b;
    }
    return (LONG)String1->Length - (LONG)String2->Length;
}

BOOLEAN RtlEqualUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    return RtlCompareUnicodeString(String1, String2, CaseInSensitive) == 0 ? TRUE : FALSE;
}

BOOLEAN RtlPrefixUnicodeString(PCUNICODE_STRING String1, PCUNICODE_STRING String2, BOOLEAN CaseInSensitive)
{
    size_t n = String1->Length / sizeof(WCHAR), i;

    if (String1->Length > String2->Length)
        return FALSE;
    for (i = 0; i < n; i++) {
        WCHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInSensitive) {
            a = RtlUpcaseUnicodeChar(a);
            b = RtlUpcaseUnicodeChar(b);
        }
        if (a != b)
            return FALSE;
    }
    return TRUE;
}

LONG RtlCompareString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive)
{
    size_t n = String1->Length < String2->Length ? String1->Length : String2->Length, i;

    for (i = 0; i < n; i++) {
        UCHAR a = (UCHAR)String1->Buffer[i], b = (UCHAR)String2->Buffer[i];
        if (CaseInSensitive) {
            a = (UCHAR)RtlUpperChar((CHAR)a);
            b = (UCHAR)RtlUpperChar((CHAR)b);
        }
        if (a != b)
            return (LONG)a - (LONG)b;
    }
    return (LONG)String1->Length - (LONG)String2->Length;
}

BOOLEAN RtlEqualString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive)
{
    if (String1->Length != String2->Length)
        return FALSE;
    return RtlCompareString(String1, String2, CaseInSensitive) == 0 ? TRUE : FALSE;
}

BOOLEAN RtlPrefixString(const STRING *String1, const STRING *String2, BOOLEAN CaseInSensitive)
{
    USHORT i;

    if (String1->Length > String2->Length)
        return FALSE;
    for (i = 0; i < String1->Length; i++) {
        CHAR a = String1->Buffer[i], b = String2->Buffer[i];
        if (CaseInSensitive) {
            a = RtlUpperChar(a);
            b = RtlUpperChar(b);
        }
        if (a != b)
            return FALSE;
    }
    return TRUE;
}

/* ---- append ---- */

NTSTATUS RtlAppendUnicodeStringToString(PUNICODE_STRING Destination, PCUNICODE_STRING Source)
{
    USHORT n = Source->Length;
    ULONG total = (ULONG)Destination->Length + n;

    if (n == 0)
        return STATUS_SUCCESS;
    if (total > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove((PUCHAR)Destination->Buffer + Destination->Length, Source->Buffer, n);
    Destination->Length = (USHORT)total;
    if (total + sizeof(WCHAR) <= Destination->MaximumLength)
        Destination->Buffer[total / sizeof(WCHAR)] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

NTSTATUS RtlAppendUnicodeToString(PUNICODE_STRING Destination, PCWSTR Source)
{
    size_t n;
    ULONG total;

    if (Source == NULL)
        return STATUS_SUCCESS;
    n = RtlpWcslen(Source) * sizeof(WCHAR);
    total = (ULONG)Destination->Length + (ULONG)n;
    if (n > MAXUSHORT || total > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove((PUCHAR)Destination->Buffer + Destination->Length, Source, n);
    Destination->Length = (USHORT)total;
    if (total + sizeof(WCHAR) <= Destination->MaximumLength)
        Destination->Buffer[total / sizeof(WCHAR)] = UNICODE_NULL;
    return STATUS_SUCCESS;
}

NTSTATUS RtlAppendStringToString(PSTRING Destination, const STRING *Source)
{
    USHORT n = Source->Length;
    ULONG total = (ULONG)Destination->Length + n;

    if (n == 0)
        return STATUS_SUCCESS;
    if (total > Destination->MaximumLength)
        return STATUS_BUFFER_TOO_SMALL;
    memmove(Destination->Buffer + Destination->Length, Source->Buffer, n);
    Destination->Length = (USHORT)total;
    return STATUS_SUCCESS;
}
