/*
 * integer.c - numbers to and from text: RtlIntegerToUnicodeString,
 * RtlInt64ToUnicodeString, RtlUnicodeStringToInteger, RtlCharToInteger.
 */
#include "ntsimp.h"

static NTSTATUS RtlpNumberToUnicodeString(ULONGLONG Value, ULONG Base, PUNICODE_STRING String)
{
    static const char digits[] = "0123456789ABCDEF";
    char text[65];
    size_t n = 0, i;
    ULONG bytes;

    if (Base == 0)
        Base = 10;
    if (Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    do {
        text[n++] = digits[Value % Base];
        Value /= Base;
    } while (Value != 0);

    /* The digits and a terminator must fit. */
    bytes = (ULONG)(n * sizeof(WCHAR));
    if (bytes >= String->MaximumLength)
        return STATUS_BUFFER_OVERFLOW;
    for (i = 0; i < n; i++)
        String->Buffer[i] = (WCHAR)text[n - 1 - i];
    String->Buffer[n] = UNICODE_NULL;
    String->Length = (USHORT)bytes;
    return STATUS_SUCCESS;
}

NTSTATUS RtlIntegerToUnicodeString(ULONG Value, ULONG Base, PUNICODE_STRING String)
{
    return RtlpNumberToUnicodeString(Value, Base, String);
}

NTSTATUS RtlInt64ToUnicodeString(ULONGLONG Value, ULONG Base, PUNICODE_STRING String)
{
    return RtlpNumberToUnicodeString(Value, Base, String);
}

static int RtlpDigitValue(ULONG C)
{
    if (C >= '0' && C <= '9')
        return (int)(C - '0');
    if (C >= 'a' && C <= 'f')
        return (int)(C - 'a' + 10);
    if (C >= 'A' && C <= 'F')
        return (int)(C - 'A' + 10);
    return 99;
}

/* Shared parser over 8- or 16-bit units. Count is the number of units. */
static NTSTATUS RtlpTextToInteger(const void *Text, size_t Width, size_t Count, ULONG Base, PULONG Value)
{
    size_t i = 0;
    BOOLEAN negative = FALSE;
    ULONG result = 0;
#define RTLP_AT(k) (Width == 1 ? (ULONG)((const UCHAR *)Text)[k] : (ULONG)((const WCHAR *)Text)[k])

    if (Base != 0 && Base != 2 && Base != 8 && Base != 10 && Base != 16)
        return STATUS_INVALID_PARAMETER;
    while (i < Count && RTLP_AT(i) <= ' ')
        i++;
    if (i < Count && (RTLP_AT(i) == '+' || RTLP_AT(i) == '-')) {
        negative = RTLP_AT(i) == '-';
        i++;
    }
    if (Base == 0) {
        Base = 10;
        if (i + 1 < Count && RTLP_AT(i) == '0') {
            ULONG p = RTLP_AT(i + 1);
            if (p == 'x' || p == 'X')
                Base = 16;
            else if (p == 'o' || p == 'O')
                Base = 8;
            else if (p == 'b' || p == 'B')
                Base = 2;
            if (Base != 10)
                i += 2;
        }
    }
    for (; i < Count; i++) {
        int d = RtlpDigitValue(RTLP_AT(i));
        if (d >= (int)Base)
            break;
        result = result * Base + (ULONG)d;
    }
#undef RTLP_AT
    *Value = negative ? (ULONG)(0u - result) : result;
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringToInteger(PCUNICODE_STRING String, ULONG Base, PULONG Value)
{
    size_t count = String->Length / sizeof(WCHAR);

    if (count == 0)
        return STATUS_INVALID_PARAMETER;
    return RtlpTextToInteger(String->Buffer, sizeof(WCHAR), count, Base, Value);
}

NTSTATUS RtlCharToInteger(PCSZ String, ULONG Base, PULONG Value)
{
    size_t count = 0;

    if (String == NULL || Value == NULL)
        return STATUS_INVALID_PARAMETER;
    while (String[count] != '\0')
        count++;
    return RtlpTextToInteger(String, 1, count, Base, Value);
}
