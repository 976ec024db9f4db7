/* rtl/format.h - the simulator's one printf-style formatter (sim/rtl/strsafe.c).
 *
 * Microsoft conventions, for every place a driver formats text (ntstrsafe, DbgPrint,
 * the C runtime of sim/crt): %ld is 32-bit, %I64x and %llx 64-bit, %Iu pointer-sized,
 * %wZ a PUNICODE_STRING, %Z a PANSI_STRING, %ws/%ls a WCHAR string, %S the string of
 * the other width. Width is the unit size of Buffer and Format: 1 (char) or 2 (WCHAR). */
#ifndef NTSIM_RTL_FORMAT_H
#define NTSIM_RTL_FORMAT_H
#include <stdarg.h>
#include <stddef.h>

/* Stores at most Capacity units (never a terminator) and returns the number of units
 * the whole result has, so Capacity 0 measures. */
size_t RtlpFormatV(void *Buffer, size_t Width, size_t Capacity, const void *Format, va_list ArgList);

#endif
