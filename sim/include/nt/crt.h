/* nt/crt.h - the C runtime routines the NT kernel exports to drivers, on 16-bit WCHAR.
 *
 * The host's C library has routines of the same names that are wrong for a driver:
 * its wchar_t is 32-bit (wcslen would count pairs of WCHARs as one character), its
 * printf reads %ld as 64 bits and knows no %wZ. ntsim exports its own as NtsimCrt_<name>
 * and this header renames the driver's calls with object-like macros, so a driver image
 * binds to them whatever the dynamic linker's search order (dlopen RTLD_LOCAL on Linux,
 * two-level namespaces on macOS). The host headers that declare the same names are
 * included first, so a driver that includes them again after <wdm.h> sees nothing new.
 * docs/crt.md lists the routines and the formats they understand.
 */
#ifndef NTSIM_NT_CRT_H
#define NTSIM_NT_CRT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <ctype.h>
#include <wchar.h>
#include <wctype.h>

/* An image that calls a host routine on purpose (a test driver that kills its own
 * process) names it here; the loader then lets that one import through. */
#if defined(__APPLE__)
#define NTSIM_ALLOW_SECTION "__DATA,__ntsim_allow" /* Mach-O: segment,section (the check is ELF-only) */
#else
#define NTSIM_ALLOW_SECTION ".ntsim.allow"
#endif
#define NTSIM_ALLOW_HOST_IMPORT(name) \
    static const char NtsimAllow_##name[] __attribute__((used, section(NTSIM_ALLOW_SECTION))) = #name

/* ---- wide strings ---- */
NTSYSAPI size_t NtsimCrt_wcslen(const WCHAR *String);
NTSYSAPI size_t NtsimCrt_wcsnlen(const WCHAR *String, size_t MaxCount);
NTSYSAPI WCHAR *NtsimCrt_wcscpy(WCHAR *Destination, const WCHAR *Source);
NTSYSAPI WCHAR *NtsimCrt_wcsncpy(WCHAR *Destination, const WCHAR *Source, size_t Count);
NTSYSAPI WCHAR *NtsimCrt_wcscat(WCHAR *Destination, const WCHAR *Source);
NTSYSAPI WCHAR *NtsimCrt_wcsncat(WCHAR *Destination, const WCHAR *Source, size_t Count);
NTSYSAPI int NtsimCrt_wcscmp(const WCHAR *String1, const WCHAR *String2);
NTSYSAPI int NtsimCrt_wcsncmp(const WCHAR *String1, const WCHAR *String2, size_t Count);
NTSYSAPI int NtsimCrt__wcsicmp(const WCHAR *String1, const WCHAR *String2);
NTSYSAPI int NtsimCrt__wcsnicmp(const WCHAR *String1, const WCHAR *String2, size_t Count);
NTSYSAPI WCHAR *NtsimCrt_wcschr(const WCHAR *String, WCHAR Character);
NTSYSAPI WCHAR *NtsimCrt_wcsrchr(const WCHAR *String, WCHAR Character);
NTSYSAPI WCHAR *NtsimCrt_wcsstr(const WCHAR *String, const WCHAR *SubString);
NTSYSAPI WCHAR *NtsimCrt__wcsupr(WCHAR *String);
NTSYSAPI WCHAR *NtsimCrt__wcslwr(WCHAR *String);
NTSYSAPI WCHAR NtsimCrt_towupper(WCHAR Character);
NTSYSAPI WCHAR NtsimCrt_towlower(WCHAR Character);

/* ---- narrow strings (the ones the host has no name for) ---- */
NTSYSAPI int NtsimCrt__stricmp(const char *String1, const char *String2);
NTSYSAPI int NtsimCrt__strnicmp(const char *String1, const char *String2, size_t Count);
NTSYSAPI char *NtsimCrt__strupr(char *String);
NTSYSAPI char *NtsimCrt__strlwr(char *String);

/* ---- formatted output (Microsoft formats: %ld 32-bit, %I64x, %Iu, %wZ, %Z, %ws, %S) ----
 * _snprintf/_snwprintf/_vsnprintf/_vsnwprintf: at most Count units; the terminator only
 * when it fits; -1 when the result was cut. swprintf without a count (the legacy form)
 * writes the whole result; with a count (the ISO form) returns -1 when cut. */
NTSYSAPI int NtsimCrt__snprintf(char *Buffer, size_t Count, const char *Format, ...);
NTSYSAPI int NtsimCrt__vsnprintf(char *Buffer, size_t Count, const char *Format, va_list Args);
NTSYSAPI int NtsimCrt__snwprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, ...);
NTSYSAPI int NtsimCrt__vsnwprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, va_list Args);
NTSYSAPI int NtsimCrt__swprintf(WCHAR *Buffer, const WCHAR *Format, ...);
NTSYSAPI int NtsimCrt__vswprintf(WCHAR *Buffer, const WCHAR *Format, va_list Args);
NTSYSAPI int NtsimCrt_swprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, ...);
NTSYSAPI int NtsimCrt_vswprintf(WCHAR *Buffer, size_t Count, const WCHAR *Format, va_list Args);
NTSYSAPI int NtsimCrt_sprintf(char *Buffer, const char *Format, ...);
NTSYSAPI int NtsimCrt_vsprintf(char *Buffer, const char *Format, va_list Args);
NTSYSAPI int NtsimCrt_snprintf(char *Buffer, size_t Count, const char *Format, ...);
NTSYSAPI int NtsimCrt_vsnprintf(char *Buffer, size_t Count, const char *Format, va_list Args);

#if !defined(NTSIM_INTERNAL)
#define wcslen NtsimCrt_wcslen
#define wcsnlen NtsimCrt_wcsnlen
#define wcscpy NtsimCrt_wcscpy
#define wcsncpy NtsimCrt_wcsncpy
#define wcscat NtsimCrt_wcscat
#define wcsncat NtsimCrt_wcsncat
#define wcscmp NtsimCrt_wcscmp
#define wcsncmp NtsimCrt_wcsncmp
#define _wcsicmp NtsimCrt__wcsicmp
#define _wcsnicmp NtsimCrt__wcsnicmp
#define wcschr NtsimCrt_wcschr
#define wcsrchr NtsimCrt_wcsrchr
#define wcsstr NtsimCrt_wcsstr
#define _wcsupr NtsimCrt__wcsupr
#define _wcslwr NtsimCrt__wcslwr
#define towupper NtsimCrt_towupper
#define towlower NtsimCrt_towlower
#define _stricmp NtsimCrt__stricmp
#define _strnicmp NtsimCrt__strnicmp
#define _strupr NtsimCrt__strupr
#define _strlwr NtsimCrt__strlwr
#define _snprintf NtsimCrt__snprintf
#define _vsnprintf NtsimCrt__vsnprintf
#define _snwprintf NtsimCrt__snwprintf
#define _vsnwprintf NtsimCrt__vsnwprintf
#define _swprintf NtsimCrt__swprintf
#define _vswprintf NtsimCrt__vswprintf
/* swprintf: the WDK's C runtime has the legacy form (buffer, format, ...) and the ISO
 * form (buffer, count, format, ...); _CRT_NON_CONFORMING_SWPRINTFS selects the legacy
 * one. Without it the call's second argument decides: a wide string is the legacy
 * form, a count the ISO one, so sources written for either compile and run. */
#if defined(_CRT_NON_CONFORMING_SWPRINTFS)
#define swprintf NtsimCrt__swprintf
#define vswprintf NtsimCrt__vswprintf
#else
#define NTSIM_CRT_SECOND_(First, Second, ...) Second
#define NTSIM_CRT_PICK_(Second, Legacy, Iso) \
    _Generic((Second), WCHAR *: Legacy, const WCHAR *: Legacy, default: Iso)
#define swprintf(...) \
    NTSIM_CRT_PICK_(NTSIM_CRT_SECOND_(__VA_ARGS__, 0), NtsimCrt__swprintf, NtsimCrt_swprintf)(__VA_ARGS__)
#define vswprintf(...) \
    NTSIM_CRT_PICK_(NTSIM_CRT_SECOND_(__VA_ARGS__, 0), NtsimCrt__vswprintf, NtsimCrt_vswprintf)(__VA_ARGS__)
#endif
/* The narrow formatters follow Microsoft formats in driver images only: a host test
 * program that includes <wdm.h> keeps the host's printf family for its own output. */
#if defined(NTSIM_DRIVER_IMAGE)
#define sprintf NtsimCrt_sprintf
#define vsprintf NtsimCrt_vsprintf
#define snprintf NtsimCrt_snprintf
#define vsnprintf NtsimCrt_vsnprintf
#endif
#endif /* !NTSIM_INTERNAL */

#endif
