/* printf.c - the C runtime's formatted output for drivers, on the one formatter of
 * sim/rtl (Microsoft formats: %ld 32-bit, %I64x, %Iu, %wZ, %Z, %ws, %S).
 *
 * Return values follow the Microsoft C runtime: the _sn* forms store at most Count
 * units, terminate only when there is room, and return -1 when the result was cut;
 * the ISO forms (snprintf, swprintf with a count) always terminate within Count. */
#include "ntsimp.h"
#include "rtl/format.h"

#include <limits.h>

/* Legacy "no count" forms trust the caller's buffer, as the originals do. */
#define CRTP_UNBOUNDED ((size_t)INT_MAX)

static int CrtpCounted(void *Buffer, size_t Width, size_t Count, const void *Format, va_list Args)
{
    size_t Length = RtlpFormatV(Buffer, Width, Count, Format, Args);
    if (Length > Count || Length > (size_t)INT_MAX)
        return -1;
    if (Length < Count) {
        if (Width == 1)
            ((char *)Buffer)[Length] = 0;
        else
            ((WCHAR *)Buffer)[Length] = 0;
    }
    return (int)Length;
}

/* ISO: the result always terminated within Count; Return says what. */
static int CrtpIso(void *Buffer, size_t Width, size_t Count, const void *Format, va_list Args, BOOLEAN Needed)
{
    if (Count == 0)
        return Needed ? (int)RtlpFormatV(NULL, Width, 0, Format, Args) : -1;
    size_t Length = RtlpFormatV(Buffer, Width, Count - 1, Format, Args);
    size_t End = Length < Count - 1 ? Length : Count - 1;
    if (Width == 1)
        ((char *)Buffer)[End] = 0;
    else
        ((WCHAR *)Buffer)[End] = 0;
    if (Length >= Count && !Needed)
        return -1; /* swprintf: a result that does not fit is an error */
    return Length > (size_t)INT_MAX ? -1 : (int)Length;
}

int NtsimCrt__vsnprintf(char *Buffer, size_t Count, const char *Format, va_list Args)
{
    return CrtpCounted(Buffer, 1, Count, Format, Args);
}

int NtsimCrt__snprintf(char *Buffer, size_t Count, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpCounted(Buffer, 1, Count, Format, Args);
    va_end(Args);
    return Result;
}

int NtsimCrt__vsnwprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, va_list Args)
{
    return CrtpCounted(Buffer, sizeof(WCHAR), Count, Format, Args);
}

int NtsimCrt__snwprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpCounted(Buffer, sizeof(WCHAR), Count, Format, Args);
    va_end(Args);
    return Result;
}

int NtsimCrt__vswprintf(WCHAR *Buffer, const WCHAR *Format, va_list Args)
{
    return CrtpCounted(Buffer, sizeof(WCHAR), CRTP_UNBOUNDED, Format, Args);
}

int NtsimCrt__swprintf(WCHAR *Buffer, const WCHAR *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpCounted(Buffer, sizeof(WCHAR), CRTP_UNBOUNDED, Format, Args);
    va_end(Args);
    return Result;
}

int NtsimCrt_vswprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, va_list Args)
{
    return CrtpIso(Buffer, sizeof(WCHAR), Count, Format, Args, FALSE);
}

int NtsimCrt_swprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpIso(Buffer, sizeof(WCHAR), Count, Format, Args, FALSE);
    va_end(Args);
    return Result;
}

int NtsimCrt_vsprintf(char *Buffer, const char *Format, va_list Args)
{
    return CrtpCounted(Buffer, 1, CRTP_UNBOUNDED, Format, Args);
}

int NtsimCrt_sprintf(char *Buffer, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpCounted(Buffer, 1, CRTP_UNBOUNDED, Format, Args);
    va_end(Args);
    return Result;
}

int NtsimCrt_vsnprintf(char *Buffer, size_t Count, const char *Format, va_list Args)
{
    return CrtpIso(Buffer, 1, Count, Format, Args, TRUE);
}

int NtsimCrt_snprintf(char *Buffer, size_t Count, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Result = CrtpIso(Buffer, 1, Count, Format, Args, TRUE);
    va_end(Args);
    return Result;
}
