/*
 * strsafe.c - the ntstrsafe routines (RtlStringCch*, RtlStringCb*, RtlUnicodeString*).
 *
 * One set of workers serves both character widths: a "unit" is a char (A routines)
 * or a WCHAR (W routines), selected by a width argument of 1 or 2. The printf
 * family shares one format engine (RtlpFormat) that writes either width and follows
 * the Microsoft conventions described in ntstrsafe.h.
 */
#include "ntsimp.h"
#include "rtl/format.h"
#include <ntstrsafe.h>

/* ---- units ---- */

static __inline__ ULONG RtlpGetUnit(const void *P, size_t Width, size_t I)
{
    return Width == 1 ? (ULONG)((const UCHAR *)P)[I] : (ULONG)((const WCHAR *)P)[I];
}

static __inline__ void RtlpPutUnit(void *P, size_t Width, size_t I, ULONG C)
{
    if (Width == 1)
        ((UCHAR *)P)[I] = (UCHAR)C;
    else
        ((WCHAR *)P)[I] = (WCHAR)C;
}

/* Convert one unit of width From to a unit of width To through the ANSI code page. */
static ULONG RtlpConvertUnit(ULONG C, size_t From, size_t To)
{
    if (From == To)
        return C;
    if (To == sizeof(WCHAR)) {
        CHAR a = (CHAR)C;
        WCHAR w;
        RtlMultiByteToUnicodeN(&w, sizeof(w), NULL, &a, 1);
        return w;
    } else {
        WCHAR w = (WCHAR)C;
        CHAR a;
        RtlUnicodeToMultiByteN(&a, 1, NULL, &w, sizeof(w));
        return (UCHAR)a;
    }
}

/* ---- validation ---- */

static NTSTATUS RtlpValidateDest(const void *Dest, size_t CchDest)
{
    if (Dest == NULL || CchDest == 0 || CchDest > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

/* ---- copy / cat workers ---- */

/* Copy at most MaxSrc units of Src (up to its NUL) into Dest[0..CchDest-1] and
 * terminate. STATUS_BUFFER_OVERFLOW when Src had more to give than fitted. */
static NTSTATUS RtlpCopyWorker(void *Dest, size_t CchDest, const void *Src, size_t MaxSrc, size_t Width)
{
    size_t i = 0;
    NTSTATUS status = STATUS_SUCCESS;

    while (Src != NULL && i < MaxSrc && RtlpGetUnit(Src, Width, i) != 0) {
        if (i == CchDest - 1) {
            status = STATUS_BUFFER_OVERFLOW;
            break;
        }
        RtlpPutUnit(Dest, Width, i, RtlpGetUnit(Src, Width, i));
        i++;
    }
    RtlpPutUnit(Dest, Width, i, 0);
    return status;
}

static NTSTATUS RtlpCopy(void *Dest, size_t CchDest, const void *Src, size_t MaxSrc, size_t Width)
{
    NTSTATUS status = RtlpValidateDest(Dest, CchDest);

    if (NT_SUCCESS(status) && MaxSrc > NTSTRSAFE_MAX_CCH)
        status = STATUS_INVALID_PARAMETER;
    if (NT_SUCCESS(status))
        return RtlpCopyWorker(Dest, CchDest, Src, MaxSrc, Width);
    if (Dest != NULL && CchDest != 0)
        RtlpPutUnit(Dest, Width, 0, 0);
    return status;
}

static NTSTATUS RtlpCat(void *Dest, size_t CchDest, const void *Src, size_t MaxSrc, size_t Width)
{
    size_t length = 0;
    NTSTATUS status = RtlpValidateDest(Dest, CchDest);

    if (!NT_SUCCESS(status) || MaxSrc > NTSTRSAFE_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    while (length < CchDest && RtlpGetUnit(Dest, Width, length) != 0)
        length++;
    if (length == CchDest) /* the destination is not terminated within its size */
        return STATUS_INVALID_PARAMETER;
    return RtlpCopyWorker((UCHAR *)Dest + length * Width, CchDest - length, Src, MaxSrc, Width);
}

NTSTATUS RtlStringCchCopyW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return RtlpCopy(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, sizeof(WCHAR));
}

NTSTATUS RtlStringCchCopyA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return RtlpCopy(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCbCopyW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return RtlpCopy(pszDest, cbDest / sizeof(WCHAR), pszSrc, NTSTRSAFE_MAX_CCH, sizeof(WCHAR));
}

NTSTATUS RtlStringCbCopyA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return RtlpCopy(pszDest, cbDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCchCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToCopy)
{
    return RtlpCopy(pszDest, cchDest, pszSrc, cchToCopy, sizeof(WCHAR));
}

NTSTATUS RtlStringCchCopyNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToCopy)
{
    return RtlpCopy(pszDest, cchDest, pszSrc, cchToCopy, 1);
}

NTSTATUS RtlStringCbCopyNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc, size_t cbToCopy)
{
    return RtlpCopy(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToCopy / sizeof(WCHAR), sizeof(WCHAR));
}

NTSTATUS RtlStringCbCopyNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc, size_t cbToCopy)
{
    return RtlpCopy(pszDest, cbDest, pszSrc, cbToCopy, 1);
}

NTSTATUS RtlStringCchCatW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return RtlpCat(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, sizeof(WCHAR));
}

NTSTATUS RtlStringCchCatA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc)
{
    return RtlpCat(pszDest, cchDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCbCatW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc)
{
    return RtlpCat(pszDest, cbDest / sizeof(WCHAR), pszSrc, NTSTRSAFE_MAX_CCH, sizeof(WCHAR));
}

NTSTATUS RtlStringCbCatA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc)
{
    return RtlpCat(pszDest, cbDest, pszSrc, NTSTRSAFE_MAX_CCH, 1);
}

NTSTATUS RtlStringCchCatNW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszSrc, size_t cchToAppend)
{
    return RtlpCat(pszDest, cchDest, pszSrc, cchToAppend, sizeof(WCHAR));
}

NTSTATUS RtlStringCchCatNA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszSrc, size_t cchToAppend)
{
    return RtlpCat(pszDest, cchDest, pszSrc, cchToAppend, 1);
}

NTSTATUS RtlStringCbCatNW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszSrc, size_t cbToAppend)
{
    return RtlpCat(pszDest, cbDest / sizeof(WCHAR), pszSrc, cbToAppend / sizeof(WCHAR), sizeof(WCHAR));
}

NTSTATUS RtlStringCbCatNA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszSrc, size_t cbToAppend)
{
    return RtlpCat(pszDest, cbDest, pszSrc, cbToAppend, 1);
}

/* ---- length ---- */

static NTSTATUS RtlpLength(const void *Psz, size_t CchMax, size_t *Length, size_t Width)
{
    size_t n = 0;
    NTSTATUS status = STATUS_INVALID_PARAMETER;

    if (Psz != NULL && CchMax <= NTSTRSAFE_MAX_CCH) {
        while (n < CchMax && RtlpGetUnit(Psz, Width, n) != 0)
            n++;
        if (n < CchMax)
            status = STATUS_SUCCESS;
    }
    if (Length != NULL)
        *Length = NT_SUCCESS(status) ? n : 0;
    return status;
}

NTSTATUS RtlStringCchLengthW(NTSTRSAFE_PCWSTR psz, size_t cchMax, size_t *pcchLength)
{
    return RtlpLength(psz, cchMax, pcchLength, sizeof(WCHAR));
}

NTSTATUS RtlStringCchLengthA(NTSTRSAFE_PCSTR psz, size_t cchMax, size_t *pcchLength)
{
    return RtlpLength(psz, cchMax, pcchLength, 1);
}

NTSTATUS RtlStringCbLengthW(NTSTRSAFE_PCWSTR psz, size_t cbMax, size_t *pcbLength)
{
    size_t cch;
    NTSTATUS status = RtlpLength(psz, cbMax / sizeof(WCHAR), &cch, sizeof(WCHAR));

    if (pcbLength != NULL)
        *pcbLength = cch * sizeof(WCHAR);
    return status;
}

NTSTATUS RtlStringCbLengthA(NTSTRSAFE_PCSTR psz, size_t cbMax, size_t *pcbLength)
{
    return RtlpLength(psz, cbMax, pcbLength, 1);
}

/* ---- the format engine ---- */

typedef struct _RTLP_SINK {
    void *Buffer;
    size_t Width;    /* output unit size: 1 or 2 */
    size_t Capacity; /* units available for text */
    size_t Count;    /* units stored */
    size_t Needed;   /* units the whole result has (the C runtime's return values) */
    BOOLEAN Truncated;
} RTLP_SINK;

typedef struct _RTLP_SPEC {
    BOOLEAN Left, Plus, Space, Alt, Zero;
    int Width;
    int Precision; /* -1: none */
} RTLP_SPEC;

typedef enum _RTLP_LENGTH {
    RtlpLenNone,
    RtlpLenHH,
    RtlpLenH,
    RtlpLenL,   /* 32-bit integers (LONG), wide characters */
    RtlpLenLL,  /* 64-bit */
    RtlpLenW,   /* wide characters / strings */
    RtlpLen64,  /* I64 */
    RtlpLen32,  /* I32 */
    RtlpLenPtr, /* I, z, j, t */
    RtlpLenLD,  /* L (long double) */
} RTLP_LENGTH;

static void RtlpEmit(RTLP_SINK *Sink, ULONG Unit)
{
    Sink->Needed++;
    if (Sink->Count < Sink->Capacity)
        RtlpPutUnit(Sink->Buffer, Sink->Width, Sink->Count++, Unit);
    else
        Sink->Truncated = TRUE;
}

static void RtlpEmitRepeat(RTLP_SINK *Sink, ULONG Unit, long Count)
{
    while (Count-- > 0)
        RtlpEmit(Sink, Unit);
}

/* A string of Count units of width SrcWidth (Count < 0: NUL-terminated). */
static void RtlpEmitString(RTLP_SINK *Sink, const RTLP_SPEC *Spec, const void *Src, size_t SrcWidth, long Count)
{
    static const char null_text[] = "(null)";
    long n = 0, i;

    if (Src == NULL) {
        Src = null_text;
        SrcWidth = 1;
        Count = (long)(sizeof(null_text) - 1);
    }
    if (Count < 0) {
        while ((Spec->Precision < 0 || n < Spec->Precision) && RtlpGetUnit(Src, SrcWidth, (size_t)n) != 0)
            n++;
    } else {
        n = Count;
        if (Spec->Precision >= 0 && n > Spec->Precision)
            n = Spec->Precision;
    }
    if (!Spec->Left)
        RtlpEmitRepeat(Sink, ' ', Spec->Width - n);
    for (i = 0; i < n; i++)
        RtlpEmit(Sink, RtlpConvertUnit(RtlpGetUnit(Src, SrcWidth, (size_t)i), SrcWidth, Sink->Width));
    if (Spec->Left)
        RtlpEmitRepeat(Sink, ' ', Spec->Width - n);
}

static void RtlpEmitInteger(RTLP_SINK *Sink, const RTLP_SPEC *Spec, ULONGLONG Magnitude, BOOLEAN Negative,
                            BOOLEAN Signed, ULONG Base, BOOLEAN Upper, const char *Prefix)
{
    const char *digits = Upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[64];
    long ndigits = 0, nzeros = 0, nprefix, total, pad, i;
    char sign = 0;

    if (!(Spec->Precision == 0 && Magnitude == 0)) {
        do {
            buf[ndigits++] = digits[Magnitude % Base];
            Magnitude /= Base;
        } while (Magnitude != 0);
    }
    if (Spec->Precision > ndigits)
        nzeros = Spec->Precision - ndigits;
    if (Base == 8 && Spec->Alt && nzeros == 0 && (ndigits == 0 || buf[ndigits - 1] != '0'))
        nzeros = 1;
    if (Signed) {
        if (Negative)
            sign = '-';
        else if (Spec->Plus)
            sign = '+';
        else if (Spec->Space)
            sign = ' ';
    }
    nprefix = Prefix != NULL ? (long)strlen(Prefix) : 0;
    total = (sign ? 1 : 0) + nprefix + nzeros + ndigits;
    pad = Spec->Width > total ? Spec->Width - total : 0;

    if (!Spec->Left && !(Spec->Zero && Spec->Precision < 0))
        RtlpEmitRepeat(Sink, ' ', pad);
    if (sign)
        RtlpEmit(Sink, (UCHAR)sign);
    for (i = 0; i < nprefix; i++)
        RtlpEmit(Sink, (UCHAR)Prefix[i]);
    if (!Spec->Left && Spec->Zero && Spec->Precision < 0)
        RtlpEmitRepeat(Sink, '0', pad);
    RtlpEmitRepeat(Sink, '0', nzeros);
    for (i = ndigits - 1; i >= 0; i--)
        RtlpEmit(Sink, (UCHAR)buf[i]);
    if (Spec->Left)
        RtlpEmitRepeat(Sink, ' ', pad);
}

static char *RtlpHostAlloc(size_t Size)
{
    char *p = malloc(Size);

    if (p == NULL)
        abort();
    return p;
}

static void RtlpEmitFloat(RTLP_SINK *Sink, const RTLP_SPEC *Spec, RTLP_LENGTH Len, char Conv, va_list *Args)
{
    char fmt[32], small[128], *text = small;
    size_t f = 0;
    int n, i;

    fmt[f++] = '%';
    if (Spec->Left)
        fmt[f++] = '-';
    if (Spec->Plus)
        fmt[f++] = '+';
    if (Spec->Space)
        fmt[f++] = ' ';
    if (Spec->Alt)
        fmt[f++] = '#';
    if (Spec->Zero)
        fmt[f++] = '0';
    fmt[f++] = '*';
    fmt[f++] = '.';
    fmt[f++] = '*';
    if (Len == RtlpLenLD)
        fmt[f++] = 'L';
    fmt[f++] = Conv;
    fmt[f] = '\0';

    if (Len == RtlpLenLD) {
        long double v = va_arg(*Args, long double);
        n = snprintf(small, sizeof(small), fmt, Spec->Width, Spec->Precision, v);
        if (n >= (int)sizeof(small)) {
            text = RtlpHostAlloc((size_t)n + 1);
            snprintf(text, (size_t)n + 1, fmt, Spec->Width, Spec->Precision, v);
        }
    } else {
        double v = va_arg(*Args, double);
        n = snprintf(small, sizeof(small), fmt, Spec->Width, Spec->Precision, v);
        if (n >= (int)sizeof(small)) {
            text = RtlpHostAlloc((size_t)n + 1);
            snprintf(text, (size_t)n + 1, fmt, Spec->Width, Spec->Precision, v);
        }
    }
    for (i = 0; i < n; i++)
        RtlpEmit(Sink, (UCHAR)text[i]);
    if (text != small)
        free(text);
}

/* Is the string/character argument wide? 'h' says narrow, 'l'/'w' wide; otherwise
 * the lower-case conversion has the function's own width and the upper-case one
 * the other width. */
static BOOLEAN RtlpWideArgument(RTLP_LENGTH Len, char Conv, size_t OutWidth)
{
    if (Len == RtlpLenH || Len == RtlpLenHH)
        return FALSE;
    if (Len == RtlpLenL || Len == RtlpLenW)
        return TRUE;
    if (Conv >= 'a' && Conv <= 'z')
        return OutWidth == sizeof(WCHAR);
    return OutWidth != sizeof(WCHAR);
}

static void RtlpFormat(RTLP_SINK *Sink, const void *Format, va_list ArgList)
{
    size_t w = Sink->Width, i = 0;
    va_list args;
    ULONG c;

    va_copy(args, ArgList);
    while ((c = RtlpGetUnit(Format, w, i)) != 0) {
        RTLP_SPEC spec = { FALSE, FALSE, FALSE, FALSE, FALSE, 0, -1 };
        RTLP_LENGTH len = RtlpLenNone;
        char conv;

        i++;
        if (c != '%') {
            RtlpEmit(Sink, c);
            continue;
        }
        /* flags */
        for (;; i++) {
            c = RtlpGetUnit(Format, w, i);
            if (c == '-')
                spec.Left = TRUE;
            else if (c == '+')
                spec.Plus = TRUE;
            else if (c == ' ')
                spec.Space = TRUE;
            else if (c == '#')
                spec.Alt = TRUE;
            else if (c == '0')
                spec.Zero = TRUE;
            else
                break;
        }
        /* width */
        if (c == '*') {
            spec.Width = va_arg(args, int);
            if (spec.Width < 0) {
                spec.Left = TRUE;
                spec.Width = -spec.Width;
            }
            c = RtlpGetUnit(Format, w, ++i);
        } else {
            while (c >= '0' && c <= '9') {
                if (spec.Width < 100000000)
                    spec.Width = spec.Width * 10 + (int)(c - '0');
                c = RtlpGetUnit(Format, w, ++i);
            }
        }
        /* precision */
        if (c == '.') {
            spec.Precision = 0;
            c = RtlpGetUnit(Format, w, ++i);
            if (c == '*') {
                spec.Precision = va_arg(args, int);
                if (spec.Precision < 0)
                    spec.Precision = -1;
                c = RtlpGetUnit(Format, w, ++i);
            } else {
                while (c >= '0' && c <= '9') {
                    if (spec.Precision < 100000000)
                        spec.Precision = spec.Precision * 10 + (int)(c - '0');
                    c = RtlpGetUnit(Format, w, ++i);
                }
            }
        }
        /* length */
        switch (c) {
        case 'h':
            len = RtlpLenH;
            if (RtlpGetUnit(Format, w, i + 1) == 'h') {
                len = RtlpLenHH;
                i++;
            }
            i++;
            break;
        case 'l':
            len = RtlpLenL;
            if (RtlpGetUnit(Format, w, i + 1) == 'l') {
                len = RtlpLenLL;
                i++;
            }
            i++;
            break;
        case 'w':
            len = RtlpLenW;
            i++;
            break;
        case 'L':
            len = RtlpLenLD;
            i++;
            break;
        case 'q':
            len = RtlpLen64;
            i++;
            break;
        case 'z':
        case 'j':
        case 't':
            len = RtlpLenPtr;
            i++;
            break;
        case 'I':
            if (RtlpGetUnit(Format, w, i + 1) == '6' && RtlpGetUnit(Format, w, i + 2) == '4') {
                len = RtlpLen64;
                i += 3;
            } else if (RtlpGetUnit(Format, w, i + 1) == '3' && RtlpGetUnit(Format, w, i + 2) == '2') {
                len = RtlpLen32;
                i += 3;
            } else {
                len = RtlpLenPtr;
                i++;
            }
            break;
        default:
            break;
        }
        c = RtlpGetUnit(Format, w, i);
        if (c == 0)
            break; /* a lone '%' at the end: nothing more */
        i++;
        conv = c < 0x80 ? (char)c : '?';

        switch (conv) {
        case '%':
            RtlpEmit(Sink, '%');
            break;
        case 'd':
        case 'i': {
            LONGLONG v;
            if (len == RtlpLenLL || len == RtlpLen64 || len == RtlpLenPtr)
                v = va_arg(args, long long);
            else if (len == RtlpLenHH)
                v = (signed char)va_arg(args, int);
            else if (len == RtlpLenH)
                v = (short)va_arg(args, int);
            else
                v = va_arg(args, int); /* int, LONG (%ld) and I32 are all 32-bit */
            RtlpEmitInteger(Sink, &spec, v < 0 ? 0ull - (ULONGLONG)v : (ULONGLONG)v, v < 0, TRUE, 10, FALSE, NULL);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            ULONGLONG v;
            ULONG base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            const char *prefix = NULL;
            if (len == RtlpLenLL || len == RtlpLen64 || len == RtlpLenPtr)
                v = va_arg(args, unsigned long long);
            else if (len == RtlpLenHH)
                v = (UCHAR)va_arg(args, unsigned int);
            else if (len == RtlpLenH)
                v = (USHORT)va_arg(args, unsigned int);
            else
                v = va_arg(args, unsigned int);
            if (spec.Alt && base == 16 && v != 0)
                prefix = conv == 'x' ? "0x" : "0X";
            RtlpEmitInteger(Sink, &spec, v, FALSE, FALSE, base, conv == 'X', prefix);
            break;
        }
        case 'p': {
            /* Windows x64: all 16 digits, upper case, no prefix. */
            RTLP_SPEC p = spec;
            p.Precision = (int)(2 * sizeof(void *));
            p.Plus = p.Space = FALSE;
            RtlpEmitInteger(Sink, &p, (ULONGLONG)(ULONG_PTR)va_arg(args, void *), FALSE, FALSE, 16, TRUE, NULL);
            break;
        }
        case 'c':
        case 'C': {
            int v = va_arg(args, int);
            if (RtlpWideArgument(len, conv, w)) {
                WCHAR ch = (WCHAR)v;
                RtlpEmitString(Sink, &(RTLP_SPEC){ spec.Left, 0, 0, 0, 0, spec.Width, -1 }, &ch, sizeof(WCHAR), 1);
            } else {
                CHAR ch = (CHAR)v;
                RtlpEmitString(Sink, &(RTLP_SPEC){ spec.Left, 0, 0, 0, 0, spec.Width, -1 }, &ch, 1, 1);
            }
            break;
        }
        case 's':
        case 'S': {
            const void *s = va_arg(args, const void *);
            RtlpEmitString(Sink, &spec, s, RtlpWideArgument(len, conv, w) ? sizeof(WCHAR) : 1, -1);
            break;
        }
        case 'Z': {
            /* %wZ: PUNICODE_STRING; %Z (or %hZ): PANSI_STRING */
            if (len == RtlpLenW || len == RtlpLenL) {
                PCUNICODE_STRING us = va_arg(args, PCUNICODE_STRING);
                if (us == NULL || us->Buffer == NULL)
                    RtlpEmitString(Sink, &spec, NULL, 1, -1);
                else
                    RtlpEmitString(Sink, &spec, us->Buffer, sizeof(WCHAR), us->Length / sizeof(WCHAR));
            } else {
                PCANSI_STRING as = va_arg(args, PCANSI_STRING);
                if (as == NULL || as->Buffer == NULL)
                    RtlpEmitString(Sink, &spec, NULL, 1, -1);
                else
                    RtlpEmitString(Sink, &spec, as->Buffer, 1, as->Length);
            }
            break;
        }
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            RtlpEmitFloat(Sink, &spec, len, conv, &args);
            break;
        case 'n':
            (void)va_arg(args, void *); /* %n is not supported: nothing is stored */
            break;
        default:
            RtlpEmit(Sink, c); /* unknown conversion: the character itself */
            break;
        }
    }
    va_end(args);
}

static NTSTATUS RtlpVPrintf(void *Dest, size_t CchDest, const void *Format, size_t Width, va_list ArgList)
{
    RTLP_SINK sink;

    if (!NT_SUCCESS(RtlpValidateDest(Dest, CchDest)) || Format == NULL) {
        if (Dest != NULL && CchDest != 0)
            RtlpPutUnit(Dest, Width, 0, 0);
        return STATUS_INVALID_PARAMETER;
    }
    sink.Buffer = Dest;
    sink.Width = Width;
    sink.Capacity = CchDest - 1;
    sink.Count = 0;
    sink.Needed = 0;
    sink.Truncated = FALSE;
    RtlpFormat(&sink, Format, ArgList);
    RtlpPutUnit(Dest, Width, sink.Count, 0);
    return sink.Truncated ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

NTSTATUS RtlStringCchVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    return RtlpVPrintf(pszDest, cchDest, pszFormat, sizeof(WCHAR), argList);
}

NTSTATUS RtlStringCchVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, va_list argList)
{
    return RtlpVPrintf(pszDest, cchDest, pszFormat, 1, argList);
}

NTSTATUS RtlStringCbVPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    return RtlpVPrintf(pszDest, cbDest / sizeof(WCHAR), pszFormat, sizeof(WCHAR), argList);
}

NTSTATUS RtlStringCbVPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, va_list argList)
{
    return RtlpVPrintf(pszDest, cbDest, pszFormat, 1, argList);
}

NTSTATUS RtlStringCchPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cchDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, pszFormat);
    status = RtlpVPrintf(pszDest, cchDest, pszFormat, sizeof(WCHAR), args);
    va_end(args);
    return status;
}

NTSTATUS RtlStringCchPrintfA(NTSTRSAFE_PSTR pszDest, size_t cchDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, pszFormat);
    status = RtlpVPrintf(pszDest, cchDest, pszFormat, 1, args);
    va_end(args);
    return status;
}

NTSTATUS RtlStringCbPrintfW(NTSTRSAFE_PWSTR pszDest, size_t cbDest, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, pszFormat);
    status = RtlpVPrintf(pszDest, cbDest / sizeof(WCHAR), pszFormat, sizeof(WCHAR), args);
    va_end(args);
    return status;
}

NTSTATUS RtlStringCbPrintfA(NTSTRSAFE_PSTR pszDest, size_t cbDest, NTSTRSAFE_PCSTR pszFormat, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, pszFormat);
    status = RtlpVPrintf(pszDest, cbDest, pszFormat, 1, args);
    va_end(args);
    return status;
}

/* The one formatter, for the C runtime (sim/crt) and DbgPrint: stores at most Capacity
 * units (no terminator) and returns the length the whole result has. */
size_t RtlpFormatV(void *Buffer, size_t Width, size_t Capacity, const void *Format, va_list ArgList)
{
    RTLP_SINK sink = { Buffer, Width, Capacity, 0, 0, FALSE };

    RtlpFormat(&sink, Format, ArgList);
    return sink.Needed;
}

/* ---- UNICODE_STRING ---- */

#define RTLP_US_MAX_BYTES (NTSTRSAFE_UNICODE_STRING_MAX_CCH * sizeof(WCHAR))

NTSTATUS RtlUnicodeStringValidate(PCUNICODE_STRING SourceString)
{
    if (SourceString == NULL)
        return STATUS_INVALID_PARAMETER;
    if ((SourceString->Length & 1) != 0 || (SourceString->MaximumLength & 1) != 0 ||
        SourceString->Length > SourceString->MaximumLength || SourceString->MaximumLength > RTLP_US_MAX_BYTES)
        return STATUS_INVALID_PARAMETER;
    if (SourceString->Buffer == NULL && (SourceString->Length != 0 || SourceString->MaximumLength != 0))
        return STATUS_INVALID_PARAMETER;
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringInit(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    size_t n = 0;

    if (DestinationString == NULL)
        return STATUS_INVALID_PARAMETER;
    DestinationString->Length = 0;
    DestinationString->MaximumLength = 0;
    DestinationString->Buffer = (PWCH)pszSrc;
    if (pszSrc == NULL)
        return STATUS_SUCCESS;
    /* The string and its terminator must fit in NTSTRSAFE_UNICODE_STRING_MAX_CCH. */
    while (n < NTSTRSAFE_UNICODE_STRING_MAX_CCH && pszSrc[n] != 0)
        n++;
    if (n == NTSTRSAFE_UNICODE_STRING_MAX_CCH)
        return STATUS_INVALID_PARAMETER;
    DestinationString->Length = (USHORT)(n * sizeof(WCHAR));
    DestinationString->MaximumLength = (USHORT)((n + 1) * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

/* Place Count units of Src at character offset At of Destination. */
static NTSTATUS RtlpUnicodeStringPut(PUNICODE_STRING Destination, size_t At, const WCHAR *Src, size_t Count)
{
    size_t room = Destination->MaximumLength / sizeof(WCHAR) - At, n = Count;
    NTSTATUS status = STATUS_SUCCESS;

    if (Count != 0 && room == 0) /* a zero-length or already full destination */
        return STATUS_INVALID_PARAMETER;
    if (n > room) {
        n = room;
        status = STATUS_BUFFER_OVERFLOW;
    }
    if (n != 0)
        memmove(Destination->Buffer + At, Src, n * sizeof(WCHAR));
    Destination->Length = (USHORT)((At + n) * sizeof(WCHAR));
    return status;
}

static size_t RtlpBoundedWcslen(const WCHAR *S, size_t Max)
{
    size_t n = 0;

    while (n < Max && S[n] != 0)
        n++;
    return n;
}

NTSTATUS RtlUnicodeStringCopy(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!NT_SUCCESS(RtlUnicodeStringValidate(DestinationString)) ||
        !NT_SUCCESS(RtlUnicodeStringValidate(SourceString)))
        return STATUS_INVALID_PARAMETER;
    return RtlpUnicodeStringPut(DestinationString, 0, SourceString->Buffer, SourceString->Length / sizeof(WCHAR));
}

NTSTATUS RtlUnicodeStringCopyString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (!NT_SUCCESS(RtlUnicodeStringValidate(DestinationString)) || pszSrc == NULL)
        return STATUS_INVALID_PARAMETER;
    return RtlpUnicodeStringPut(DestinationString, 0, pszSrc,
                                RtlpBoundedWcslen(pszSrc, NTSTRSAFE_UNICODE_STRING_MAX_CCH + 1));
}

NTSTATUS RtlUnicodeStringCat(PUNICODE_STRING DestinationString, PCUNICODE_STRING SourceString)
{
    if (!NT_SUCCESS(RtlUnicodeStringValidate(DestinationString)) ||
        !NT_SUCCESS(RtlUnicodeStringValidate(SourceString)))
        return STATUS_INVALID_PARAMETER;
    return RtlpUnicodeStringPut(DestinationString, DestinationString->Length / sizeof(WCHAR), SourceString->Buffer,
                                SourceString->Length / sizeof(WCHAR));
}

NTSTATUS RtlUnicodeStringCatString(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszSrc)
{
    if (!NT_SUCCESS(RtlUnicodeStringValidate(DestinationString)) || pszSrc == NULL)
        return STATUS_INVALID_PARAMETER;
    return RtlpUnicodeStringPut(DestinationString, DestinationString->Length / sizeof(WCHAR), pszSrc,
                                RtlpBoundedWcslen(pszSrc, NTSTRSAFE_UNICODE_STRING_MAX_CCH + 1));
}

NTSTATUS RtlUnicodeStringVPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, va_list argList)
{
    RTLP_SINK sink;

    if (!NT_SUCCESS(RtlUnicodeStringValidate(DestinationString)) || pszFormat == NULL)
        return STATUS_INVALID_PARAMETER;
    sink.Buffer = DestinationString->Buffer;
    sink.Width = sizeof(WCHAR);
    sink.Capacity = DestinationString->MaximumLength / sizeof(WCHAR);
    sink.Count = 0;
    sink.Needed = 0;
    sink.Truncated = FALSE;
    RtlpFormat(&sink, pszFormat, argList);
    DestinationString->Length = (USHORT)(sink.Count * sizeof(WCHAR));
    if (sink.Truncated)
        return sink.Capacity == 0 ? STATUS_INVALID_PARAMETER : STATUS_BUFFER_OVERFLOW;
    return STATUS_SUCCESS;
}

NTSTATUS RtlUnicodeStringPrintf(PUNICODE_STRING DestinationString, NTSTRSAFE_PCWSTR pszFormat, ...)
{
    va_list args;
    NTSTATUS status;

    va_start(args, pszFormat);
    status = RtlUnicodeStringVPrintf(DestinationString, pszFormat, args);
    va_end(args);
    return status;
}
