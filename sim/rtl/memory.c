/*
 * memory.c - RtlCompareMemory, RtlCompareMemoryUlong. (RtlCopyMemory and friends
 * are macros over the compiler builtins in nt/rtl.h.)
 */
#include "ntsimp.h"

SIZE_T RtlCompareMemory(const VOID *Source1, const VOID *Source2, SIZE_T Length)
{
    const UCHAR *a = Source1, *b = Source2;
    SIZE_T i = 0;

    while (i < Length && a[i] == b[i])
        i++;
    return i;
}

SIZE_T RtlCompareMemoryUlong(PVOID Source, SIZE_T Length, ULONG Pattern)
{
    const UCHAR *p = Source;
    SIZE_T i;

    /* Documented: zero when Source is not ULONG-aligned or Length is not a
     * multiple of sizeof(ULONG). */
    if (((ULONG_PTR)Source & (sizeof(ULONG) - 1)) != 0 || (Length & (sizeof(ULONG) - 1)) != 0)
        return 0;
    for (i = 0; i < Length; i += sizeof(ULONG)) {
        ULONG v;
        memcpy(&v, p + i, sizeof(v));
        if (v != Pattern)
            break;
    }
    return i;
}
