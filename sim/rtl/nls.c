/*
 * nls.c - the ANSI code page and character case tables.
 *
 * ntsim's ANSI code page is Windows-1252 (the "Western European" ANSI code page of
 * an en-US Windows): bytes 0x00-0x7F and 0xA0-0xFF map to the same Unicode code
 * points (Latin-1), bytes 0x80-0x9F to the Windows-1252 characters (0x80 is the
 * euro sign); the five bytes 0x81, 0x8D, 0x8F, 0x90, 0x9D that 1252 leaves
 * undefined map to U+0081... as Windows does. A UTF-16 code unit with no 1252
 * byte becomes '?' (Windows' default character); Windows' "best fit" mappings
 * (e.g. U+0100 -> 'A') are not reproduced. A surrogate pair therefore becomes "??".
 * OEM strings use the same table.
 *
 * Case mapping covers Basic Latin, Latin-1, Latin Extended-A, Greek, Cyrillic,
 * Armenian and the fullwidth Latin letters; other characters map to themselves.
 */
#include "ntsimp.h"

static const WCHAR RtlpCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, /* 80-87 */
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F, /* 88-8F */
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, /* 90-97 */
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178, /* 98-9F */
};

static WCHAR RtlpAnsiCharToUnicode(UCHAR C)
{
    if (C >= 0x80 && C <= 0x9F)
        return RtlpCp1252High[C - 0x80];
    return C;
}

static CHAR RtlpUnicodeCharToAnsi(WCHAR C)
{
    ULONG i;

    if (C < 0x80 || (C >= 0xA0 && C <= 0xFF))
        return (CHAR)C;
    for (i = 0; i < 32; i++) {
        if (RtlpCp1252High[i] == C)
            return (CHAR)(0x80 + i);
    }
    return '?';
}

NTSTATUS RtlUnicodeToMultiByteN(PCHAR MultiByteString, ULONG MaxBytesInMultiByteString,
                                PULONG BytesInMultiByteString, PCWCH UnicodeString, ULONG BytesInUnicodeString)
{
    ULONG n = BytesInUnicodeString / sizeof(WCHAR), i;

    if (n > MaxBytesInMultiByteString)
        n = MaxBytesInMultiByteString;
    for (i = 0; i < n; i++)
        MultiByteString[i] = RtlpUnicodeCharToAnsi(UnicodeString[i]);
    if (BytesInMultiByteString != NULL)
        *BytesInMultiByteString = n;
    return STATUS_SUCCESS;
}

NTSTATUS RtlMultiByteToUnicodeN(PWCH UnicodeString, ULONG MaxBytesInUnicodeString, PULONG BytesInUnicodeString,
                                const CHAR *MultiByteString, ULONG BytesInMultiByteString)
{
    ULONG n = BytesInMultiByteString, i;

    if (n > MaxBytesInUnicodeString / sizeof(WCHAR))
        n = MaxBytesInUnicodeString / sizeof(WCHAR);
    for (i = 0; i < n; i++)
        UnicodeString[i] = RtlpAnsiCharToUnicode((UCHAR)MultiByteString[i]);
    if (BytesInUnicodeString != NULL)
        *BytesInUnicodeString = n * (ULONG)sizeof(WCHAR);
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeToMultiByteSize(PULONG BytesInMultiByteString, PCWCH UnicodeString, ULONG BytesInUnicodeString)
{
    UNREFERENCED_PARAMETER(UnicodeString);
    *BytesInMultiByteString = BytesInUnicodeString / sizeof(WCHAR);
    return STATUS_SUCCESS;
}

NTSTATUS RtlMultiByteToUnicodeSize(PULONG BytesInUnicodeString, const CHAR *MultiByteString,
                                   ULONG BytesInMultiByteString)
{
    UNREFERENCED_PARAMETER(MultiByteString);
    *BytesInUnicodeString = BytesInMultiByteString * (ULONG)sizeof(WCHAR);
    return STATUS_SUCCESS;
}

ULONG RtlxAnsiStringToUnicodeSize(PCANSI_STRING AnsiString)
{
    return ((ULONG)AnsiString->Length + 1) * (ULONG)sizeof(WCHAR);
}

ULONG RtlxUnicodeStringToAnsiSize(PCUNICODE_STRING UnicodeString)
{
    return (ULONG)UnicodeString->Length / (ULONG)sizeof(WCHAR) + 1;
}

/* ---- case ---- */

/* Ranges where upper and lower case alternate, starting with an upper-case letter
 * at First: First + 2k is upper case, First + 2k + 1 its lower case. */
typedef struct _RTLP_CASE_PAIRS {
    WCHAR First, Last;
} RTLP_CASE_PAIRS;

static const RTLP_CASE_PAIRS RtlpCasePairs[] = {
    { 0x0100, 0x012F }, { 0x0132, 0x0137 }, { 0x0139, 0x0148 }, { 0x014A, 0x0177 },
    { 0x0179, 0x017E }, { 0x03D8, 0x03EF }, { 0x0460, 0x0481 }, { 0x048A, 0x04BF },
    { 0x04C1, 0x04CE }, { 0x04D0, 0x052F }, { 0x1E00, 0x1E95 }, { 0x1EA0, 0x1EFF },
};

/* Ranges where lower = upper + Delta. */
typedef struct _RTLP_CASE_RANGE {
    WCHAR UpperFirst, UpperLast;
    SHORT Delta;
} RTLP_CASE_RANGE;

static const RTLP_CASE_RANGE RtlpCaseRanges[] = {
    { 0x0041, 0x005A, 0x20 }, { 0x00C0, 0x00D6, 0x20 }, { 0x00D8, 0x00DE, 0x20 },
    { 0x0391, 0x03A1, 0x20 }, { 0x03A3, 0x03AB, 0x20 }, { 0x0386, 0x0386, 0x26 },
    { 0x0388, 0x038A, 0x25 }, { 0x038C, 0x038C, 0x40 }, { 0x038E, 0x038F, 0x3F },
    { 0x0410, 0x042F, 0x20 }, { 0x0400, 0x040F, 0x50 }, { 0x0531, 0x0556, 0x30 },
    { 0xFF21, 0xFF3A, 0x20 },
};

WCHAR RtlUpcaseUnicodeChar(WCHAR SourceCharacter)
{
    WCHAR c = SourceCharacter;
    size_t i;

    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 0x20) : c;
    if (c == 0x00FF)
        return 0x0178;
    if (c == 0x03C2) /* final sigma */
        return 0x03A3;
    for (i = 0; i < RTL_NUMBER_OF(RtlpCaseRanges); i++) {
        const RTLP_CASE_RANGE *r = &RtlpCaseRanges[i];
        if (c >= r->UpperFirst + r->Delta && c <= r->UpperLast + r->Delta)
            return (WCHAR)(c - r->Delta);
    }
    for (i = 0; i < RTL_NUMBER_OF(RtlpCasePairs); i++) {
        const RTLP_CASE_PAIRS *p = &RtlpCasePairs[i];
        if (c >= p->First && c <= p->Last)
            return ((c - p->First) & 1) ? (WCHAR)(c - 1) : c;
    }
    return c;
}

WCHAR RtlDowncaseUnicodeChar(WCHAR SourceCharacter)
{
    WCHAR c = SourceCharacter;
    size_t i;

    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? (WCHAR)(c + 0x20) : c;
    if (c == 0x0178)
        return 0x00FF;
    for (i = 0; i < RTL_NUMBER_OF(RtlpCaseRanges); i++) {
        const RTLP_CASE_RANGE *r = &RtlpCaseRanges[i];
        if (c >= r->UpperFirst && c <= r->UpperLast)
            return (WCHAR)(c + r->Delta);
    }
    for (i = 0; i < RTL_NUMBER_OF(RtlpCasePairs); i++) {
        const RTLP_CASE_PAIRS *p = &RtlpCasePairs[i];
        if (c >= p->First && c <= p->Last)
            return ((c - p->First) & 1) ? c : (WCHAR)(c + 1);
    }
    return c;
}

CHAR RtlUpperChar(CHAR Character)
{
    WCHAR u = RtlUpcaseUnicodeChar(RtlpAnsiCharToUnicode((UCHAR)Character));
    CHAR a = RtlpUnicodeCharToAnsi(u);

    /* A character whose upper case has no ANSI byte (e.g. 0xB5 micro) stays. */
    return (a == '?' && Character != '?') ? Character : a;
}

VOID RtlUpperString(PSTRING DestinationString, const STRING *SourceString)
{
    USHORT n = SourceString->Length, i;

    if (n > DestinationString->MaximumLength)
        n = DestinationString->MaximumLength;
    for (i = 0; i < n; i++)
        DestinationString->Buffer[i] = RtlUpperChar(SourceString->Buffer[i]);
    DestinationString->Length = n;
}
