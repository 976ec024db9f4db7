/*
 * guid.c - RtlStringFromGUID / RtlGUIDFromString, in the registry form
 * "{hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh}" (upper-case hex on output, either case
 * accepted on input).
 */
#include "ntsimp.h"

#define RTLP_GUID_CHARS 38

NTSTATUS RtlStringFromGUID(REFGUID Guid, PUNICODE_STRING GuidString)
{
    NTSIM_SITE site = KiTakeSite();
    char text[RTLP_GUID_CHARS + 1];
    PWCH buffer;
    size_t i;

    snprintf(text, sizeof(text), "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", Guid->Data1, Guid->Data2,
             Guid->Data3, Guid->Data4[0], Guid->Data4[1], Guid->Data4[2], Guid->Data4[3], Guid->Data4[4],
             Guid->Data4[5], Guid->Data4[6], Guid->Data4[7]);
    buffer = ExpAllocatePool(PagedPool, (RTLP_GUID_CHARS + 1) * sizeof(WCHAR), 0x67727453u /* 'Strg' */,
                             "RtlStringFromGUID", site);
    if (buffer == NULL)
        return STATUS_NO_MEMORY;
    for (i = 0; i <= RTLP_GUID_CHARS; i++)
        buffer[i] = (WCHAR)(UCHAR)text[i];
    GuidString->Buffer = buffer;
    GuidString->Length = RTLP_GUID_CHARS * sizeof(WCHAR);
    GuidString->MaximumLength = (RTLP_GUID_CHARS + 1) * sizeof(WCHAR);
    return STATUS_SUCCESS;
}

static BOOLEAN RtlpParseHex(const WCHAR *S, size_t Digits, ULONGLONG *Out)
{
    ULONGLONG v = 0;
    size_t i;

    for (i = 0; i < Digits; i++) {
        WCHAR c = S[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (ULONGLONG)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (ULONGLONG)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (ULONGLONG)(c - 'A' + 10);
        else
            return FALSE;
    }
    *Out = v;
    return TRUE;
}

NTSTATUS RtlGUIDFromString(PCUNICODE_STRING GuidString, GUID *Guid)
{
    const WCHAR *s = GuidString->Buffer;
    ULONGLONG d1, d2, d3, b;
    GUID g;
    size_t i;

    if (GuidString->Length != RTLP_GUID_CHARS * sizeof(WCHAR) || s == NULL)
        return STATUS_INVALID_PARAMETER;
    if (s[0] != '{' || s[9] != '-' || s[14] != '-' || s[19] != '-' || s[24] != '-' || s[37] != '}')
        return STATUS_INVALID_PARAMETER;
    if (!RtlpParseHex(s + 1, 8, &d1) || !RtlpParseHex(s + 10, 4, &d2) || !RtlpParseHex(s + 15, 4, &d3))
        return STATUS_INVALID_PARAMETER;
    g.Data1 = (ULONG)d1;
    g.Data2 = (USHORT)d2;
    g.Data3 = (USHORT)d3;
    for (i = 0; i < 8; i++) {
        size_t at = i < 2 ? 20 + 2 * i : 25 + 2 * (i - 2);
        if (!RtlpParseHex(s + at, 2, &b))
            return STATUS_INVALID_PARAMETER;
        g.Data4[i] = (UCHAR)b;
    }
    *Guid = g;
    return STATUS_SUCCESS;
}
