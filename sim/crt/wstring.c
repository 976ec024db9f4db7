/* wstring.c - the kernel C runtime's wide-string routines on 16-bit WCHAR.
 *
 * Drivers reach them as wcslen, wcscpy ... through the macros of nt/crt.h; the host's
 * routines of those names count 32-bit wchar_t and must never see a WCHAR string.
 * Case mapping is the kernel's (RtlUpcaseUnicodeChar / RtlDowncaseUnicodeChar). */
#include "ntsimp.h"

size_t NtsimCrt_wcslen(const WCHAR *String)
{
    const WCHAR *End = String;
    while (*End)
        End++;
    return (size_t)(End - String);
}

size_t NtsimCrt_wcsnlen(const WCHAR *String, size_t MaxCount)
{
    size_t Length = 0;
    while (Length < MaxCount && String[Length])
        Length++;
    return Length;
}

WCHAR *NtsimCrt_wcscpy(WCHAR *Destination, const WCHAR *Source)
{
    WCHAR *Out = Destination;
    while ((*Out++ = *Source++) != 0)
        ;
    return Destination;
}

/* As C specifies: a short source is padded with NULs to Count; a long one is not terminated. */
WCHAR *NtsimCrt_wcsncpy(WCHAR *Destination, const WCHAR *Source, size_t Count)
{
    size_t i = 0;
    for (; i < Count && Source[i]; i++)
        Destination[i] = Source[i];
    for (; i < Count; i++)
        Destination[i] = 0;
    return Destination;
}

WCHAR *NtsimCrt_wcscat(WCHAR *Destination, const WCHAR *Source)
{
    NtsimCrt_wcscpy(Destination + NtsimCrt_wcslen(Destination), Source);
    return Destination;
}

/* Appends at most Count characters and always terminates. */
WCHAR *NtsimCrt_wcsncat(WCHAR *Destination, const WCHAR *Source, size_t Count)
{
    WCHAR *Out = Destination + NtsimCrt_wcslen(Destination);
    size_t i = 0;
    for (; i < Count && Source[i]; i++)
        Out[i] = Source[i];
    Out[i] = 0;
    return Destination;
}

static int CrtpCompare(const WCHAR *String1, const WCHAR *String2, size_t Count, BOOLEAN IgnoreCase)
{
    for (size_t i = 0; i < Count; i++) {
        WCHAR A = String1[i], B = String2[i];
        if (IgnoreCase) { /* the C runtime folds to lower case before comparing */
            A = RtlDowncaseUnicodeChar(A);
            B = RtlDowncaseUnicodeChar(B);
        }
        if (A != B)
            return A < B ? -1 : 1;
        if (A == 0)
            return 0;
    }
    return 0;
}

int NtsimCrt_wcscmp(const WCHAR *String1, const WCHAR *String2)
{
    return CrtpCompare(String1, String2, SIZE_MAX, FALSE);
}

int NtsimCrt_wcsncmp(const WCHAR *String1, const WCHAR *String2, size_t Count)
{
    return CrtpCompare(String1, String2, Count, FALSE);
}

int NtsimCrt__wcsicmp(const WCHAR *String1, const WCHAR *String2)
{
    return CrtpCompare(String1, String2, SIZE_MAX, TRUE);
}

int NtsimCrt__wcsnicmp(const WCHAR *String1, const WCHAR *String2, size_t Count)
{
    return CrtpCompare(String1, String2, Count, TRUE);
}

/* The terminator is part of the string: searching for 0 finds it. */
WCHAR *NtsimCrt_wcschr(const WCHAR *String, WCHAR Character)
{
    for (;; String++) {
        if (*String == Character)
            return (WCHAR *)String;
        if (*String == 0)
            return NULL;
    }
}

WCHAR *NtsimCrt_wcsrchr(const WCHAR *String, WCHAR Character)
{
    const WCHAR *Last = NULL;
    for (;; String++) {
        if (*String == Character)
            Last = String;
        if (*String == 0)
            return (WCHAR *)Last;
    }
}

WCHAR *NtsimCrt_wcsstr(const WCHAR *String, const WCHAR *SubString)
{
    size_t Length = NtsimCrt_wcslen(SubString);
    for (; *String; String++)
        if (CrtpCompare(String, SubString, Length, FALSE) == 0)
            return (WCHAR *)String;
    return Length == 0 ? (WCHAR *)String : NULL;
}

WCHAR NtsimCrt_towupper(WCHAR Character)
{
    return RtlUpcaseUnicodeChar(Character);
}

WCHAR NtsimCrt_towlower(WCHAR Character)
{
    return RtlDowncaseUnicodeChar(Character);
}

WCHAR *NtsimCrt__wcsupr(WCHAR *String)
{
    for (WCHAR *P = String; *P; P++)
        *P = RtlUpcaseUnicodeChar(*P);
    return String;
}

WCHAR *NtsimCrt__wcslwr(WCHAR *String)
{
    for (WCHAR *P = String; *P; P++)
        *P = RtlDowncaseUnicodeChar(*P);
    return String;
}
