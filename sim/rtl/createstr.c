/* createstr.c - RtlCreateUnicodeString: a counted copy of a NUL-terminated wide string
 * in pool the caller owns (freed with RtlFreeUnicodeString, sim/rtl/strconv.c). The
 * copy keeps the terminator, so MaximumLength = Length + sizeof(WCHAR). The allocation
 * is charged to the running driver and failable like any pool allocation; the routine
 * then returns FALSE, as it does for a string too long for a UNICODE_STRING. */
#include "ntsimp.h"

#define RTLP_STRING_TAG 0x67727453u /* 'Strg', the tag of the other allocating string routines */

BOOLEAN RtlCreateUnicodeString(PUNICODE_STRING DestinationString, PCWSTR SourceString)
{
    NTSIM_SITE Site = KiTakeSite();
    if (DestinationString == NULL || SourceString == NULL)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)DestinationString, (ULONG_PTR)SourceString, 0, Site,
                   "RtlCreateUnicodeString(%p, %p): NULL argument", (void *)DestinationString,
                   (const void *)SourceString);
    SIZE_T Units = 0;
    while (SourceString[Units] != UNICODE_NULL)
        Units++;
    SIZE_T Bytes = (Units + 1) * sizeof(WCHAR);
    if (Bytes > UNICODE_STRING_MAX_BYTES)
        return FALSE;
    PWCH Buffer = ExpAllocatePool(PagedPool, Bytes, RTLP_STRING_TAG, "RtlCreateUnicodeString", Site);
    if (Buffer == NULL)
        return FALSE;
    memcpy(Buffer, SourceString, Bytes);
    DestinationString->Buffer = Buffer;
    DestinationString->Length = (USHORT)(Bytes - sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)Bytes;
    return TRUE;
}
