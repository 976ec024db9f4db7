/*
 * utf.c - UTF-16 <-> UTF-8 helpers for the simulator itself (messages, object
 * names, .reg files). Not driver-facing.
 *
 * - Surrogate pairs are combined/split; a lone surrogate in UTF-16 and every
 *   ill-formed UTF-8 sequence (bad lead byte, missing or bad continuation,
 *   overlong form, encoded surrogate, value above U+10FFFF) becomes U+FFFD. An
 *   ill-formed UTF-8 sequence is replaced per maximal subpart (one U+FFFD for
 *   the longest prefix that could have started a valid sequence, or for a single
 *   bad byte).
 * - Output is never cut in the middle of a character: when the next character
 *   does not fit, conversion stops. The terminator is always written when the
 *   destination has room for at least one unit.
 * - With Dst == NULL nothing is written and the result is the number of units the
 *   full conversion needs (without the terminator).
 */
#include "ntsimp.h"

#define RTLP_REPLACEMENT 0xFFFDu

/* Decode one code point from UTF-8. Always consumes at least one byte. */
static ULONG RtlpDecodeUtf8(const UCHAR *S, size_t N, size_t *Consumed)
{
    UCHAR b0 = S[0];
    ULONG cp;
    size_t need, i;
    UCHAR lo = 0x80, hi = 0xBF; /* allowed range of the second byte */

    if (b0 < 0x80) {
        *Consumed = 1;
        return b0;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        cp = b0 & 0x0F;
        if (b0 == 0xE0)
            lo = 0xA0; /* overlong */
        else if (b0 == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        cp = b0 & 0x07;
        if (b0 == 0xF0)
            lo = 0x90; /* overlong */
        else if (b0 == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else {
        *Consumed = 1; /* continuation byte, C0/C1 or F5..FF */
        return RTLP_REPLACEMENT;
    }
    for (i = 1; i <= need; i++) {
        UCHAR b;
        if (i >= N) {
            *Consumed = i;
            return RTLP_REPLACEMENT;
        }
        b = S[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) {
            *Consumed = i;
            return RTLP_REPLACEMENT;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    *Consumed = need + 1;
    return cp;
}

/* Decode one code point from UTF-16 (lone surrogates become U+FFFD). */
static ULONG RtlpDecodeUtf16(const WCHAR *S, size_t N, size_t *Consumed)
{
    ULONG c = S[0];

    *Consumed = 1;
    if (c >= 0xD800 && c <= 0xDBFF) {
        if (N >= 2 && S[1] >= 0xDC00 && S[1] <= 0xDFFF) {
            *Consumed = 2;
            return 0x10000 + ((c - 0xD800) << 10) + ((ULONG)S[1] - 0xDC00);
        }
        return RTLP_REPLACEMENT;
    }
    if (c >= 0xDC00 && c <= 0xDFFF)
        return RTLP_REPLACEMENT;
    return c;
}

static size_t RtlpEncodeUtf8(ULONG Cp, char Out[4])
{
    if (Cp < 0x80) {
        Out[0] = (char)Cp;
        return 1;
    }
    if (Cp < 0x800) {
        Out[0] = (char)(0xC0 | (Cp >> 6));
        Out[1] = (char)(0x80 | (Cp & 0x3F));
        return 2;
    }
    if (Cp < 0x10000) {
        Out[0] = (char)(0xE0 | (Cp >> 12));
        Out[1] = (char)(0x80 | ((Cp >> 6) & 0x3F));
        Out[2] = (char)(0x80 | (Cp & 0x3F));
        return 3;
    }
    Out[0] = (char)(0xF0 | (Cp >> 18));
    Out[1] = (char)(0x80 | ((Cp >> 12) & 0x3F));
    Out[2] = (char)(0x80 | ((Cp >> 6) & 0x3F));
    Out[3] = (char)(0x80 | (Cp & 0x3F));
    return 4;
}

static size_t RtlpEncodeUtf16(ULONG Cp, WCHAR Out[2])
{
    if (Cp < 0x10000) {
        Out[0] = (WCHAR)Cp;
        return 1;
    }
    Cp -= 0x10000;
    Out[0] = (WCHAR)(0xD800 + (Cp >> 10));
    Out[1] = (WCHAR)(0xDC00 + (Cp & 0x3FF));
    return 2;
}

size_t RtlpUtf16ToUtf8(const WCHAR *Src, size_t SrcChars, char *Dst, size_t DstSize)
{
    size_t in = 0, out = 0;

    if (Dst != NULL && DstSize == 0)
        return 0;
    while (Src != NULL && in < SrcChars) {
        char buf[4];
        size_t used, n;
        ULONG cp = RtlpDecodeUtf16(Src + in, SrcChars - in, &used);

        n = RtlpEncodeUtf8(cp, buf);
        if (Dst != NULL) {
            if (out + n > DstSize - 1)
                break;
            memcpy(Dst + out, buf, n);
        }
        out += n;
        in += used;
    }
    if (Dst != NULL)
        Dst[out] = '\0';
    return out;
}

size_t RtlpUtf8ToUtf16(const char *Src, size_t SrcBytes, WCHAR *Dst, size_t DstChars)
{
    size_t in = 0, out = 0;

    if (Dst != NULL && DstChars == 0)
        return 0;
    while (Src != NULL && in < SrcBytes) {
        WCHAR buf[2];
        size_t used, n;
        if ((UCHAR)Src[in] < 0x80 && (Dst == NULL || out < DstChars - 1)) {
            /* ASCII, one code unit (registry paths are, and machine creation converts many) */
            if (Dst != NULL)
                Dst[out] = (WCHAR)(UCHAR)Src[in];
            out++;
            in++;
            continue;
        }
        ULONG cp = RtlpDecodeUtf8((const UCHAR *)Src + in, SrcBytes - in, &used);

        n = RtlpEncodeUtf16(cp, buf);
        if (Dst != NULL) {
            if (out + n > DstChars - 1)
                break;
            memcpy(Dst + out, buf, n * sizeof(WCHAR));
        }
        out += n;
        in += used;
    }
    if (Dst != NULL)
        Dst[out] = 0;
    return out;
}

char *RtlpUnicodeToUtf8Dup(PCUNICODE_STRING String)
{
    const WCHAR *src = NULL;
    size_t chars = 0, need;
    char *p;

    if (String != NULL && String->Buffer != NULL) {
        src = String->Buffer;
        chars = String->Length / sizeof(WCHAR);
    }
    need = RtlpUtf16ToUtf8(src, chars, NULL, 0);
    p = malloc(need + 1);
    if (p == NULL)
        abort();
    RtlpUtf16ToUtf8(src, chars, p, need + 1);
    return p;
}

static ULONG RtlpAsciiUpper(ULONG C)
{
    return (C >= 'a' && C <= 'z') ? C - ('a' - 'A') : C;
}

BOOLEAN RtlpEqualUnicodeUtf8(PCUNICODE_STRING String, const char *Text)
{
    const WCHAR *s = NULL;
    size_t n = 0, i = 0, j = 0, tlen;

    if (String != NULL && String->Buffer != NULL) {
        s = String->Buffer;
        n = String->Length / sizeof(WCHAR);
    }
    if (Text == NULL)
        Text = "";
    tlen = strlen(Text);
    while (i < n && j < tlen) {
        size_t u16, u8;
        ULONG a = RtlpDecodeUtf16(s + i, n - i, &u16);
        ULONG b = RtlpDecodeUtf8((const UCHAR *)Text + j, tlen - j, &u8);

        if (RtlpAsciiUpper(a) != RtlpAsciiUpper(b))
            return FALSE;
        i += u16;
        j += u8;
    }
    return (i == n && j == tlen) ? TRUE : FALSE;
}

size_t RtlpWcslen(const WCHAR *String)
{
    size_t n = 0;

    if (String == NULL)
        return 0;
    while (String[n] != 0)
        n++;
    return n;
}
