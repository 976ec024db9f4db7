/*
 * regfile.c - .reg text import and export (ntsim_reg_import_*, ntsim_reg_export_*).
 *
 * Import accepts "Windows Registry Editor Version 5.00" and "REGEDIT4" text, as
 * UTF-8 (with or without BOM) or UTF-16LE (with BOM, or recognisably UTF-16LE
 * without). Lines: [key], [-key], "name"="string", @=..., "name"=dword:N,
 * "name"=hex:bytes, "name"=hex(T):bytes, "name"=-, comments after ';', hex data
 * continued with a backslash at the end of a line. Root names: HKEY_LOCAL_MACHINE
 * (HKLM) -> \Registry\Machine, HKEY_USERS (HKU) -> \Registry\User,
 * HKEY_CURRENT_USER (HKCU) -> \Registry\User\.DEFAULT (kernel code runs as the
 * system account), HKEY_CLASSES_ROOT (HKCR) -> \Registry\Machine\SOFTWARE\Classes,
 * HKEY_CURRENT_CONFIG (HKCC) -> \Registry\Machine\SYSTEM\CurrentControlSet\Hardware
 * Profiles\Current. In REGEDIT4 text, hex(1)/hex(2)/hex(7) bytes are 8-bit
 * characters (widened to UTF-16 one byte per character); in 5.00 they are UTF-16LE.
 *
 * The whole text is parsed into a list of operations first; only when it parses
 * cleanly are the operations applied, so a malformed file changes nothing. The
 * error is "file:line:column: expected ..." (column in characters, from 1).
 *
 * Export writes 5.00 text, UTF-8 without BOM, CRLF line ends as regedit does,
 * keys in creation order, REG_SZ as "..." when it is a plain terminated string
 * (otherwise hex(1) so the bytes survive), 4-byte REG_DWORD as dword:, every other
 * value as hex: / hex(T): wrapped before column 80 like regedit.
 */
#include "cm/cmp.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>

/* ---- root names ---- */

typedef struct _CMP_ROOT_NAME {
    const char *Long;
    const char *Short;
    const char *Native;
} CMP_ROOT_NAME;

static const CMP_ROOT_NAME CmpRootNames[] = {
    { "HKEY_LOCAL_MACHINE", "HKLM", "\\Registry\\Machine" },
    { "HKEY_USERS", "HKU", "\\Registry\\User" },
    { "HKEY_CURRENT_USER", "HKCU", "\\Registry\\User\\.DEFAULT" },
    { "HKEY_CLASSES_ROOT", "HKCR", "\\Registry\\Machine\\SOFTWARE\\Classes" },
    { "HKEY_CURRENT_CONFIG", "HKCC", "\\Registry\\Machine\\SYSTEM\\CurrentControlSet\\Hardware Profiles\\Current" },
};

static BOOLEAN CmpAsciiEqualN(const char *A, size_t ALength, const char *B)
{
    size_t BLength = strlen(B);
    if (ALength != BLength)
        return FALSE;
    for (size_t i = 0; i < ALength; i++) {
        char a = A[i], b = B[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 32);
        if (b >= 'a' && b <= 'z')
            b = (char)(b - 32);
        if (a != b)
            return FALSE;
    }
    return TRUE;
}

static const char *CmpMapRoot(const char *Name, size_t Length)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(CmpRootNames); i++)
        if (CmpAsciiEqualN(Name, Length, CmpRootNames[i].Long) || CmpAsciiEqualN(Name, Length, CmpRootNames[i].Short))
            return CmpRootNames[i].Native;
    return NULL;
}

/* ---- a growing text buffer ---- */

typedef struct _CMP_TEXT {
    char *Data;
    size_t Length, Capacity;
} CMP_TEXT;

static void CmpAppend(CMP_TEXT *T, const char *S, size_t Length)
{
    if (T->Length + Length + 1 > T->Capacity) {
        T->Capacity = (T->Length + Length + 1) * 2;
        T->Data = KiHostRealloc(T->Data, T->Capacity);
    }
    memcpy(T->Data + T->Length, S, Length);
    T->Length += Length;
    T->Data[T->Length] = 0;
}

static void CmpAppendString(CMP_TEXT *T, const char *S)
{
    CmpAppend(T, S, strlen(S));
}

/* ---- parsing ---- */

typedef enum _CMP_OP_KIND { CmpOpCreateKey, CmpOpDeleteKey, CmpOpSetValue, CmpOpDeleteValue } CMP_OP_KIND;

typedef struct _CMP_OP {
    CMP_OP_KIND Kind;
    char *KeyPath; /* native, UTF-8 */
    WCHAR *Name;
    USHORT NameLength;
    ULONG Type;
    UCHAR *Data;
    ULONG Length;
} CMP_OP;

typedef struct _CMP_PARSER {
    const char *File;
    const char *Text;
    size_t Length;
    size_t Pos;
    unsigned Line;
    size_t LineStart;
    BOOLEAN Regedit4;
    char *CurrentKey; /* NULL before the first [key] or after a [-key] */
    CMP_OP *Ops;
    size_t OpCount, OpCapacity;
    BOOLEAN Failed;
    CMP_TEXT Scratch;
} CMP_PARSER;

static int CmpPeek(CMP_PARSER *P)
{
    return P->Pos < P->Length ? (unsigned char)P->Text[P->Pos] : -1;
}

static BOOLEAN CmpAtEol(CMP_PARSER *P)
{
    int c = CmpPeek(P);
    return c == -1 || c == '\r' || c == '\n';
}

static void CmpSkipSpaces(CMP_PARSER *P)
{
    while (CmpPeek(P) == ' ' || CmpPeek(P) == '\t')
        P->Pos++;
}

static void CmpSkipToEol(CMP_PARSER *P)
{
    while (!CmpAtEol(P))
        P->Pos++;
}

/* Past the end of line (if any) to the start of the next. */
static void CmpNextLine(CMP_PARSER *P)
{
    CmpSkipToEol(P);
    if (CmpPeek(P) == '\r')
        P->Pos++;
    if (CmpPeek(P) == '\n')
        P->Pos++;
    P->Line++;
    P->LineStart = P->Pos;
}

static unsigned CmpColumn(CMP_PARSER *P, size_t Pos)
{
    unsigned Column = 1;
    for (size_t i = P->LineStart; i < Pos && i < P->Length; i++)
        if (((unsigned char)P->Text[i] & 0xC0) != 0x80)
            Column++;
    return Column;
}

static BOOLEAN CmpFail(CMP_PARSER *P, size_t Pos, const char *Expected)
{
    if (!P->Failed) {
        P->Failed = TRUE;
        NtsimSetLastError("%s:%u:%u: expected %s", P->File, P->Line, CmpColumn(P, Pos), Expected);
    }
    return FALSE;
}

static CMP_OP *CmpNewOp(CMP_PARSER *P, CMP_OP_KIND Kind, const char *KeyPath)
{
    CMP_OP *Op;
    if (P->OpCount == P->OpCapacity) {
        P->OpCapacity = P->OpCapacity ? P->OpCapacity * 2 : 32;
        P->Ops = KiHostRealloc(P->Ops, P->OpCapacity * sizeof(CMP_OP));
    }
    Op = &P->Ops[P->OpCount++];
    memset(Op, 0, sizeof(*Op));
    Op->Kind = Kind;
    Op->KeyPath = KiHostStrdup(KeyPath);
    return Op;
}

static void CmpFreeOps(CMP_PARSER *P)
{
    for (size_t i = 0; i < P->OpCount; i++) {
        free(P->Ops[i].KeyPath);
        free(P->Ops[i].Name);
        free(P->Ops[i].Data);
    }
    free(P->Ops);
    free(P->CurrentKey);
    free(P->Scratch.Data);
}

/* UTF-8 bytes -> malloc'd UTF-16; *Bytes without terminator; Terminate adds one. */
static WCHAR *CmpWiden(const char *Text, size_t Length, BOOLEAN Terminate, ULONG *Bytes)
{
    size_t Need = Length ? RtlpUtf8ToUtf16(Text, Length, NULL, 0) : 0;
    WCHAR *Wide = KiHostAlloc((Need + 1) * sizeof(WCHAR));
    if (Length)
        RtlpUtf8ToUtf16(Text, Length, Wide, Need + 1);
    Wide[Need] = 0;
    *Bytes = (ULONG)((Need + (Terminate ? 1 : 0)) * sizeof(WCHAR));
    return Wide;
}

static BOOLEAN CmpParseHeader(CMP_PARSER *P)
{
    static const char V5[] = "Windows Registry Editor Version 5.00";
    static const char V4[] = "REGEDIT4";
    size_t Start = P->Pos, End;

    CmpSkipToEol(P);
    End = P->Pos;
    while (End > Start && (P->Text[End - 1] == ' ' || P->Text[End - 1] == '\t'))
        End--;
    if (End - Start == sizeof(V5) - 1 && memcmp(P->Text + Start, V5, End - Start) == 0) {
        P->Regedit4 = FALSE;
    } else if (End - Start == sizeof(V4) - 1 && memcmp(P->Text + Start, V4, End - Start) == 0) {
        P->Regedit4 = TRUE;
    } else {
        P->Pos = Start;
        return CmpFail(P, Start, "\"Windows Registry Editor Version 5.00\" or \"REGEDIT4\"");
    }
    CmpNextLine(P);
    return TRUE;
}

static BOOLEAN CmpParseKeyLine(CMP_PARSER *P)
{
    size_t Start, Close = (size_t)-1, End, Rest;
    BOOLEAN Delete = FALSE;
    const char *Native;
    CMP_TEXT Path = { 0 };

    P->Pos++; /* '[' */
    if (CmpPeek(P) == '-') {
        Delete = TRUE;
        P->Pos++;
    }
    Start = P->Pos;
    CmpSkipToEol(P);
    End = P->Pos;
    for (size_t i = Start; i < End; i++)
        if (P->Text[i] == ']')
            Close = i;
    if (Close == (size_t)-1)
        return CmpFail(P, End, "']'");
    for (Rest = Close + 1; Rest < End && (P->Text[Rest] == ' ' || P->Text[Rest] == '\t'); Rest++)
        ;
    if (Rest < End && P->Text[Rest] != ';')
        return CmpFail(P, Rest, "end of line after ']'");
    /* root name */
    size_t Sep = Start;
    while (Sep < Close && P->Text[Sep] != '\\')
        Sep++;
    Native = CmpMapRoot(P->Text + Start, Sep - Start);
    if (Native == NULL)
        return CmpFail(P, Start,
                       "HKEY_LOCAL_MACHINE, HKEY_USERS, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT or HKEY_CURRENT_CONFIG");
    CmpAppendString(&Path, Native);
    size_t Limit = Close;
    if (Limit > Sep + 1 && P->Text[Limit - 1] == '\\')
        Limit--; /* tolerate one trailing backslash */
    for (size_t Pos = Sep; Pos < Limit;) {
        size_t Begin = Pos + 1, Stop = Begin, Chars = 0;
        while (Stop < Limit && P->Text[Stop] != '\\') {
            if (P->Text[Stop] == 0) {
                free(Path.Data);
                return CmpFail(P, Stop, "a key name without NUL characters");
            }
            if (((unsigned char)P->Text[Stop] & 0xC0) != 0x80)
                Chars++;
            Stop++;
        }
        if (Stop == Begin) {
            free(Path.Data);
            return CmpFail(P, Begin, "a key name");
        }
        if (Chars > 255) {
            free(Path.Data);
            return CmpFail(P, Begin, "a key name of at most 255 characters");
        }
        CmpAppend(&Path, P->Text + Pos, Stop - Pos);
        Pos = Stop;
    }
    if (Delete && Sep >= Limit) {
        free(Path.Data);
        return CmpFail(P, Sep, "a key below the root key ('\\')");
    }
    if (RtlpUtf8ToUtf16(Path.Data, Path.Length, NULL, 0) > CMP_MAX_KEY_PATH_CHARS) {
        free(Path.Data);
        return CmpFail(P, Start, "a key path of at most 32767 UTF-16 characters (as the registry stores it)");
    }
    CmpNewOp(P, Delete ? CmpOpDeleteKey : CmpOpCreateKey, Path.Data);
    free(P->CurrentKey);
    P->CurrentKey = Delete ? NULL : Path.Data;
    if (Delete)
        free(Path.Data);
    return TRUE;
}

/* A quoted string starting at '"'; its UTF-8 text (escapes resolved) goes to Scratch. */
static BOOLEAN CmpParseQuoted(CMP_PARSER *P)
{
    P->Scratch.Length = 0;
    CmpAppend(&P->Scratch, "", 0);
    P->Pos++; /* opening quote */
    for (;;) {
        int c = CmpPeek(P);
        if (c == -1 || c == '\r' || c == '\n')
            return CmpFail(P, P->Pos, "'\"' to close the string");
        if (c == '"') {
            P->Pos++;
            return TRUE;
        }
        if (c == '\\') {
            int n = P->Pos + 1 < P->Length ? (unsigned char)P->Text[P->Pos + 1] : -1;
            if (n != '\\' && n != '"')
                return CmpFail(P, P->Pos + 1, "'\\\\' or '\"' after '\\' in a string");
            CmpAppend(&P->Scratch, (const char *)&P->Text[P->Pos + 1], 1);
            P->Pos += 2;
            continue;
        }
        CmpAppend(&P->Scratch, &P->Text[P->Pos], 1);
        P->Pos++;
    }
}

static int CmpHexDigit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* 1..8 hex digits */
static BOOLEAN CmpParseHex32(CMP_PARSER *P, ULONG *Value, const char *What)
{
    size_t Start = P->Pos;
    ULONG v = 0;
    while (CmpHexDigit(CmpPeek(P)) >= 0) {
        if (P->Pos - Start == 8)
            return CmpFail(P, P->Pos, "at most 8 hex digits");
        v = (v << 4) | (ULONG)CmpHexDigit(CmpPeek(P));
        P->Pos++;
    }
    if (P->Pos == Start)
        return CmpFail(P, P->Pos, What);
    *Value = v;
    return TRUE;
}

/* Is the rest of this line blank (after a continuation backslash)? */
static BOOLEAN CmpRestBlank(CMP_PARSER *P, size_t Pos)
{
    while (Pos < P->Length && (P->Text[Pos] == ' ' || P->Text[Pos] == '\t'))
        Pos++;
    return Pos >= P->Length || P->Text[Pos] == '\r' || P->Text[Pos] == '\n';
}

static BOOLEAN CmpParseBytes(CMP_PARSER *P, CMP_TEXT *Bytes)
{
    BOOLEAN Any = FALSE;
    for (;;) {
        int Hi, Lo;
        CmpSkipSpaces(P);
        if (CmpPeek(P) == '\\' && CmpRestBlank(P, P->Pos + 1)) {
            CmpNextLine(P);
            CmpSkipSpaces(P);
        }
        if (CmpAtEol(P) || CmpPeek(P) == ';') {
            if (Any)
                return CmpFail(P, P->Pos, "two hex digits after ','");
            return TRUE; /* empty data */
        }
        Hi = CmpHexDigit(CmpPeek(P));
        Lo = P->Pos + 1 < P->Length ? CmpHexDigit((unsigned char)P->Text[P->Pos + 1]) : -1;
        if (Hi < 0 || Lo < 0)
            return CmpFail(P, P->Pos, "two hex digits");
        char Byte = (char)((Hi << 4) | Lo);
        CmpAppend(Bytes, &Byte, 1);
        P->Pos += 2;
        CmpSkipSpaces(P);
        if (CmpPeek(P) == ',') {
            P->Pos++;
            Any = TRUE;
            CmpSkipSpaces(P);
            if (CmpPeek(P) == '\\' && CmpRestBlank(P, P->Pos + 1)) {
                CmpNextLine(P);
                CmpSkipSpaces(P);
            }
            if (CmpAtEol(P) || CmpPeek(P) == ';')
                return TRUE; /* a trailing comma is tolerated */
            continue;
        }
        if (CmpPeek(P) == '\\' && CmpRestBlank(P, P->Pos + 1))
            return CmpFail(P, P->Pos, "',' before the line continuation");
        if (!CmpAtEol(P) && CmpPeek(P) != ';')
            return CmpFail(P, P->Pos, "',' or end of line");
        return TRUE;
    }
}

static BOOLEAN CmpParseValueLine(CMP_PARSER *P)
{
    size_t NameStart = P->Pos;
    WCHAR *Name;
    ULONG NameBytes;
    CMP_OP *Op;

    if (CmpPeek(P) == '@') {
        P->Pos++;
        Name = CmpWiden("", 0, FALSE, &NameBytes);
    } else {
        if (!CmpParseQuoted(P))
            return FALSE;
        if (memchr(P->Scratch.Data, 0, P->Scratch.Length) != NULL)
            return CmpFail(P, NameStart, "a value name without NUL characters");
        Name = CmpWiden(P->Scratch.Data, P->Scratch.Length, FALSE, &NameBytes);
    }
    if (P->CurrentKey == NULL) {
        free(Name);
        return CmpFail(P, NameStart, "a [key] line before the first value");
    }
    if (NameBytes > 16383 * sizeof(WCHAR)) {
        free(Name);
        return CmpFail(P, NameStart, "a value name of at most 16383 characters");
    }
    CmpSkipSpaces(P);
    if (CmpPeek(P) != '=') {
        free(Name);
        return CmpFail(P, P->Pos, "'='");
    }
    P->Pos++;
    CmpSkipSpaces(P);

    int c = CmpPeek(P);
    const char *Here = P->Text + P->Pos;
    size_t Left = P->Length - P->Pos;
    if (c == '-') {
        P->Pos++;
        Op = CmpNewOp(P, CmpOpDeleteValue, P->CurrentKey);
    } else if (c == '"') {
        ULONG Bytes;
        if (!CmpParseQuoted(P)) {
            free(Name);
            return FALSE;
        }
        Op = CmpNewOp(P, CmpOpSetValue, P->CurrentKey);
        Op->Type = REG_SZ;
        Op->Data = (UCHAR *)CmpWiden(P->Scratch.Data, P->Scratch.Length, TRUE, &Bytes);
        Op->Length = Bytes;
    } else if (Left >= 6 && CmpAsciiEqualN(Here, 6, "dword:")) {
        ULONG Value;
        P->Pos += 6;
        if (!CmpParseHex32(P, &Value, "1 to 8 hex digits after 'dword:'")) {
            free(Name);
            return FALSE;
        }
        Op = CmpNewOp(P, CmpOpSetValue, P->CurrentKey);
        Op->Type = REG_DWORD;
        Op->Data = KiHostAlloc(sizeof(ULONG));
        memcpy(Op->Data, &Value, sizeof(ULONG));
        Op->Length = sizeof(ULONG);
    } else if (Left >= 3 && CmpAsciiEqualN(Here, 3, "hex")) {
        ULONG Type = REG_BINARY;
        CMP_TEXT Bytes = { 0 };
        P->Pos += 3;
        if (CmpPeek(P) == '(') {
            P->Pos++;
            if (!CmpParseHex32(P, &Type, "a hex value type after 'hex('")) {
                free(Name);
                return FALSE;
            }
            if (CmpPeek(P) != ')') {
                free(Name);
                return CmpFail(P, P->Pos, "')'");
            }
            P->Pos++;
        }
        if (CmpPeek(P) != ':') {
            free(Name);
            return CmpFail(P, P->Pos, "':'");
        }
        P->Pos++;
        if (!CmpParseBytes(P, &Bytes)) {
            free(Name);
            free(Bytes.Data);
            return FALSE;
        }
        Op = CmpNewOp(P, CmpOpSetValue, P->CurrentKey);
        Op->Type = Type;
        if (P->Regedit4 && (Type == REG_SZ || Type == REG_EXPAND_SZ || Type == REG_MULTI_SZ)) {
            WCHAR *Wide = KiHostAlloc((Bytes.Length + 1) * sizeof(WCHAR));
            for (size_t i = 0; i < Bytes.Length; i++)
                Wide[i] = (UCHAR)Bytes.Data[i];
            Op->Data = (UCHAR *)Wide;
            Op->Length = (ULONG)(Bytes.Length * sizeof(WCHAR));
            free(Bytes.Data);
        } else {
            Op->Data = Bytes.Data ? (UCHAR *)Bytes.Data : KiHostAlloc(1);
            Op->Length = (ULONG)Bytes.Length;
        }
    } else {
        free(Name);
        return CmpFail(P, P->Pos, "'\"', '-', 'dword:', 'hex:' or 'hex(N):' after '='");
    }
    Op->Name = Name;
    Op->NameLength = (USHORT)NameBytes;
    CmpSkipSpaces(P);
    if (CmpPeek(P) == ';')
        CmpSkipToEol(P);
    if (!CmpAtEol(P))
        return CmpFail(P, P->Pos, "end of line");
    return TRUE;
}

static BOOLEAN CmpParse(CMP_PARSER *P)
{
    if (!CmpParseHeader(P))
        return FALSE;
    while (P->Pos < P->Length) {
        int c;
        CmpSkipSpaces(P);
        c = CmpPeek(P);
        if (c == ';') {
            CmpSkipToEol(P);
        } else if (c == '[') {
            if (!CmpParseKeyLine(P))
                return FALSE;
        } else if (c == '"' || c == '@') {
            if (!CmpParseValueLine(P))
                return FALSE;
        } else if (!CmpAtEol(P)) {
            return CmpFail(P, P->Pos, "'[', '\"', '@', ';' or an empty line");
        }
        CmpNextLine(P);
    }
    return TRUE;
}

static void CmpApply(CMP_PARSER *P)
{
    for (size_t i = 0; i < P->OpCount; i++) {
        CMP_OP *Op = &P->Ops[i];
        CM_KEY *Key;
        switch (Op->Kind) {
        case CmpOpCreateKey:
            if (NT_SUCCESS(CmpWalkPathUtf8(Op->KeyPath, TRUE, &Key)))
                CmpReleaseKey(Key);
            break;
        case CmpOpDeleteKey:
            CmpDeleteTree(Op->KeyPath);
            break;
        case CmpOpSetValue:
            if (NT_SUCCESS(CmpWalkPathUtf8(Op->KeyPath, TRUE, &Key))) {
                CmpSetValue(Key, Op->Name, Op->NameLength, Op->Type, Op->Data, Op->Length);
                CmpReleaseKey(Key);
            }
            break;
        case CmpOpDeleteValue:
            if (NT_SUCCESS(CmpWalkPathUtf8(Op->KeyPath, FALSE, &Key))) {
                CmpDeleteValue(Key, Op->Name, Op->NameLength);
                CmpReleaseKey(Key);
            }
            break;
        }
    }
}

static int CmpCheckMachine(ntsim_machine *Machine)
{
    if (Machine == NULL) {
        NtsimSetLastError("registry: no machine");
        return NTSIM_E_ARGS;
    }
    if (ntsim_machine_crashed(Machine, NULL)) {
        NtsimSetLastError("registry: the machine has bug-checked");
        return NTSIM_E_CRASHED;
    }
    if (CmpRootKey() == NULL) {
        NtsimSetLastError("registry: the machine has no registry");
        return NTSIM_E_STATE;
    }
    return 0;
}

/* .reg input is bounded: a device or a runaway file fails with a message instead of
 * reading until the host runs out of memory. */
#define CMP_MAX_REG_INPUT ((size_t)64 << 20)

int ntsim_reg_import_text(ntsim_machine *machine, const char *name, const char *text, size_t length)
{
    CMP_PARSER Parser;
    char *Utf8 = NULL;
    const unsigned char *Bytes = (const unsigned char *)text;
    int Result = CmpCheckMachine(machine);

    if (Result != 0)
        return Result;
    if (text == NULL && length != 0) {
        NtsimSetLastError("registry: no text");
        return NTSIM_E_ARGS;
    }
    if (name == NULL)
        name = "<text>";
    if (length > CMP_MAX_REG_INPUT) {
        NtsimSetLastError("%s: %zu bytes: a .reg file is limited to %zu MiB", name, length, CMP_MAX_REG_INPUT >> 20);
        return NTSIM_E_ARGS;
    }
    memset(&Parser, 0, sizeof(Parser));
    Parser.File = name;
    Parser.Line = 1;
    /* encoding */
    if (length >= 2 && Bytes[0] == 0xFE && Bytes[1] == 0xFF) {
        NtsimSetLastError("%s:1:1: expected UTF-8 or UTF-16LE text (found a UTF-16BE byte order mark)", name);
        return NTSIM_E_ARGS;
    }
    if (length >= 2 && ((Bytes[0] == 0xFF && Bytes[1] == 0xFE) || (Bytes[0] != 0 && Bytes[1] == 0))) {
        size_t Skip = Bytes[0] == 0xFF ? 2 : 0;
        size_t Units = (length - Skip) / 2, Need;
        WCHAR *Wide;
        if ((length - Skip) & 1) {
            NtsimSetLastError("%s:1:1: expected UTF-16LE text (odd number of bytes)", name);
            return NTSIM_E_ARGS;
        }
        Wide = KiHostAlloc((Units + 1) * sizeof(WCHAR));
        memcpy(Wide, Bytes + Skip, Units * sizeof(WCHAR));
        Need = Units ? RtlpUtf16ToUtf8(Wide, Units, NULL, 0) : 0;
        Utf8 = KiHostAlloc(Need + 1);
        if (Units)
            RtlpUtf16ToUtf8(Wide, Units, Utf8, Need + 1);
        Utf8[Need] = 0;
        free(Wide);
        Parser.Text = Utf8;
        Parser.Length = Need;
    } else {
        size_t Skip = length >= 3 && Bytes[0] == 0xEF && Bytes[1] == 0xBB && Bytes[2] == 0xBF ? 3 : 0;
        Parser.Text = text ? text + Skip : "";
        Parser.Length = length - Skip;
    }
    if (CmpParse(&Parser))
        CmpApply(&Parser);
    else
        Result = NTSIM_E_ARGS;
    CmpFreeOps(&Parser);
    free(Utf8);
    return Result;
}

int ntsim_reg_import_file(ntsim_machine *machine, const char *path)
{
    FILE *File;
    char *Data = NULL;
    size_t Length = 0, Capacity = 0, Got;
    int Result = CmpCheckMachine(machine);

    if (Result != 0)
        return Result;
    if (path == NULL) {
        NtsimSetLastError("registry: no file name");
        return NTSIM_E_ARGS;
    }
    File = fopen(path, "rb");
    if (File == NULL) {
        NtsimSetLastError("%s: cannot open: %s", path, strerror(errno));
        return NTSIM_E_IO;
    }
    struct stat Info;
    if (fstat(fileno(File), &Info) == 0 && S_ISREG(Info.st_mode) && (uintmax_t)Info.st_size > CMP_MAX_REG_INPUT) {
        NtsimSetLastError("%s: %jd bytes: a .reg file is limited to %zu MiB", path, (intmax_t)Info.st_size,
                          CMP_MAX_REG_INPUT >> 20);
        fclose(File);
        return NTSIM_E_ARGS;
    }
    do {
        if (Length + 4096 > Capacity) {
            Capacity = (Length + 4096) * 2;
            Data = KiHostRealloc(Data, Capacity);
        }
        Got = fread(Data + Length, 1, Capacity - Length, File);
        Length += Got;
    } while (Got != 0 && Length <= CMP_MAX_REG_INPUT);
    if (Length > CMP_MAX_REG_INPUT) { /* a device or a pipe that does not end */
        NtsimSetLastError("%s: more than %zu MiB: a .reg file is limited to %zu MiB (is it a device?)", path,
                          CMP_MAX_REG_INPUT >> 20, CMP_MAX_REG_INPUT >> 20);
        fclose(File);
        free(Data);
        return NTSIM_E_ARGS;
    }
    if (ferror(File)) {
        NtsimSetLastError("%s: cannot read: %s", path, strerror(errno));
        fclose(File);
        free(Data);
        return NTSIM_E_IO;
    }
    fclose(File);
    Result = ntsim_reg_import_text(machine, path, Data ? Data : "", Length);
    free(Data);
    return Result;
}

/* ---- export ---- */

static void CmpAppendUtf16(CMP_TEXT *T, const WCHAR *S, size_t Chars)
{
    size_t Need = Chars ? RtlpUtf16ToUtf8(S, Chars, NULL, 0) : 0;
    char *Utf8 = KiHostAlloc(Need + 1);
    if (Chars)
        RtlpUtf16ToUtf8(S, Chars, Utf8, Need + 1);
    CmpAppend(T, Utf8, Need);
    free(Utf8);
}

/* "..." with \\ and \" escaped */
static void CmpAppendQuoted(CMP_TEXT *T, const WCHAR *S, size_t Chars)
{
    size_t From = 0;
    CmpAppend(T, "\"", 1);
    for (size_t i = 0; i < Chars; i++) {
        if (S[i] == '\\' || S[i] == '"') {
            CmpAppendUtf16(T, S + From, i - From);
            CmpAppend(T, "\\", 1);
            From = i;
        }
    }
    CmpAppendUtf16(T, S + From, Chars - From);
    CmpAppend(T, "\"", 1);
}

/* A REG_SZ that "..." reproduces byte for byte on import. */
static BOOLEAN CmpPlainString(const CM_VALUE *Value)
{
    const WCHAR *S = (const WCHAR *)Value->Data;
    size_t Chars = Value->DataLength / sizeof(WCHAR);

    if (Value->DataLength < sizeof(WCHAR) || (Value->DataLength & 1) || S[Chars - 1] != 0)
        return FALSE;
    for (size_t i = 0; i + 1 < Chars; i++) {
        WCHAR c = S[i];
        if (c == 0 || c == '\r' || c == '\n')
            return FALSE;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 2 >= Chars || S[i + 1] < 0xDC00 || S[i + 1] > 0xDFFF)
                return FALSE;
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return FALSE;
        }
    }
    return TRUE;
}

static size_t CmpCharCount(const char *S, size_t Length)
{
    size_t n = 0;
    for (size_t i = 0; i < Length; i++)
        if (((unsigned char)S[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static void CmpExportValue(CMP_TEXT *T, const CM_VALUE *Value)
{
    size_t LineStart = T->Length;
    char Buffer[32];

    if (Value->NameLength == 0)
        CmpAppend(T, "@", 1);
    else
        CmpAppendQuoted(T, Value->Name, Value->NameLength / sizeof(WCHAR));
    CmpAppend(T, "=", 1);
    if (Value->Type == REG_SZ && CmpPlainString(Value)) {
        CmpAppendQuoted(T, (const WCHAR *)Value->Data, Value->DataLength / sizeof(WCHAR) - 1);
    } else if (Value->Type == REG_DWORD && Value->DataLength == sizeof(ULONG)) {
        ULONG v;
        memcpy(&v, Value->Data, sizeof(v));
        snprintf(Buffer, sizeof(Buffer), "dword:%08x", v);
        CmpAppendString(T, Buffer);
    } else {
        size_t Column;
        if (Value->Type == REG_BINARY)
            snprintf(Buffer, sizeof(Buffer), "hex:");
        else
            snprintf(Buffer, sizeof(Buffer), "hex(%x):", Value->Type);
        CmpAppendString(T, Buffer);
        Column = CmpCharCount(T->Data + LineStart, T->Length - LineStart);
        for (ULONG i = 0; i < Value->DataLength; i++) {
            BOOLEAN Last = i + 1 == Value->DataLength;
            snprintf(Buffer, sizeof(Buffer), Last ? "%02x" : "%02x,", Value->Data[i]);
            CmpAppendString(T, Buffer);
            Column += Last ? 2 : 3;
            if (!Last && Column > 76) {
                CmpAppendString(T, "\\\r\n  ");
                Column = 2;
            }
        }
    }
    CmpAppendString(T, "\r\n");
}

/* A name a .reg line can carry and give back unchanged: no line break (names are on
 * one line) and well-formed UTF-16 (the file is text). NUL cannot be created. */
static BOOLEAN CmpNameExportable(const WCHAR *S, size_t Chars)
{
    for (size_t i = 0; i < Chars; i++) {
        WCHAR c = S[i];
        if (c == '\r' || c == '\n')
            return FALSE;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 >= Chars || S[i + 1] < 0xDC00 || S[i + 1] > 0xDFFF)
                return FALSE;
            i++;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            return FALSE;
        }
    }
    return TRUE;
}

/* The first key or value name below Key that an export would not give back: the
 * export fails naming it rather than writing a file that imports as something else. */
static BOOLEAN CmpFindUnexportable(CM_KEY *Key, CMP_TEXT *What)
{
    if (!CmpNameExportable(Key->Name, Key->NameLength / sizeof(WCHAR))) {
        CmpAppendString(What, "key '");
        CmpAppendUtf16(What, Key->Name, Key->NameLength / sizeof(WCHAR));
        CmpAppendString(What, "'");
        return TRUE;
    }
    for (ULONG i = 0; i < Key->ValueCount; i++) {
        CM_VALUE *Value = Key->Values[i];
        if (!CmpNameExportable(Value->Name, Value->NameLength / sizeof(WCHAR))) {
            CmpAppendString(What, "value '");
            CmpAppendUtf16(What, Value->Name, Value->NameLength / sizeof(WCHAR));
            CmpAppendString(What, "' of key '");
            CmpAppendUtf16(What, Key->Name, Key->NameLength / sizeof(WCHAR));
            CmpAppendString(What, "'");
            return TRUE;
        }
    }
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        if (CmpFindUnexportable(Key->SubKeys[i], What))
            return TRUE;
    return FALSE;
}

static void CmpExportKey(CMP_TEXT *T, CM_KEY *Key, const char *DisplayPath)
{
    CmpAppend(T, "[", 1);
    CmpAppendString(T, DisplayPath);
    CmpAppendString(T, "]\r\n");
    for (ULONG i = 0; i < Key->ValueCount; i++)
        CmpExportValue(T, Key->Values[i]);
    CmpAppendString(T, "\r\n");
    for (ULONG i = 0; i < Key->SubKeyCount; i++) {
        CMP_TEXT Child = { 0 };
        CmpAppendString(&Child, DisplayPath);
        CmpAppend(&Child, "\\", 1);
        CmpAppendUtf16(&Child, Key->SubKeys[i]->Name, Key->SubKeys[i]->NameLength / sizeof(WCHAR));
        CmpExportKey(T, Key->SubKeys[i], Child.Data);
        free(Child.Data);
    }
}

/* Accept "\Registry\..." or "HKLM\..." style paths; returns the native path (malloc'd). */
static char *CmpNativePath(const char *KeyPath)
{
    const char *Sep;
    const char *Native;
    CMP_TEXT T = { 0 };

    if (KeyPath[0] == '\\')
        return KiHostStrdup(KeyPath);
    Sep = strchr(KeyPath, '\\');
    Native = CmpMapRoot(KeyPath, Sep ? (size_t)(Sep - KeyPath) : strlen(KeyPath));
    if (Native == NULL)
        return NULL;
    CmpAppendString(&T, Native);
    if (Sep)
        CmpAppendString(&T, Sep);
    return T.Data;
}

/* The display name of a native key: HKEY_LOCAL_MACHINE\... / HKEY_USERS\...; NULL above those. */
static char *CmpDisplayPath(CM_KEY *Key)
{
    USHORT Length;
    WCHAR *Wide = CmpKeyFullName(Key, &Length);
    CMP_TEXT Full = { 0 }, T = { 0 };
    static const struct { const char *Native, *Display; } Map[] = {
        { "\\REGISTRY\\MACHINE", "HKEY_LOCAL_MACHINE" },
        { "\\REGISTRY\\USER", "HKEY_USERS" },
    };

    CmpAppendUtf16(&Full, Wide, Length / sizeof(WCHAR));
    free(Wide);
    for (size_t i = 0; i < RTL_NUMBER_OF(Map); i++) {
        size_t n = strlen(Map[i].Native);
        if (Full.Length >= n && CmpAsciiEqualN(Full.Data, n, Map[i].Native) &&
            (Full.Data[n] == 0 || Full.Data[n] == '\\')) {
            CmpAppendString(&T, Map[i].Display);
            CmpAppendString(&T, Full.Data + n);
            break;
        }
    }
    free(Full.Data);
    return T.Data;
}

char *ntsim_reg_export_text(ntsim_machine *machine, const char *key_path)
{
    CMP_TEXT T = { 0 };
    char *Native, *Display;
    CM_KEY *Key;
    NTSTATUS Status;

    if (CmpCheckMachine(machine) != 0)
        return NULL;
    if (key_path == NULL) {
        NtsimSetLastError("registry: no key path");
        return NULL;
    }
    Native = CmpNativePath(key_path);
    if (Native == NULL) {
        NtsimSetLastError("%s: not a registry path (\\Registry\\... or HKEY_...\\...)", key_path);
        return NULL;
    }
    Status = CmpWalkPathUtf8(Native, FALSE, &Key);
    free(Native);
    if (!NT_SUCCESS(Status)) {
        NtsimSetLastError("%s: no such key (%s)", key_path, ntsim_status_name(Status));
        return NULL;
    }
    CMP_TEXT Bad = { 0 };
    if (CmpFindUnexportable(Key, &Bad)) {
        NtsimSetLastError("%s: the %s has a line break or an unpaired surrogate in its name, which a .reg file "
                          "cannot carry; nothing exported",
                          key_path, Bad.Data);
        free(Bad.Data);
        CmpReleaseKey(Key);
        return NULL;
    }
    CmpAppendString(&T, "Windows Registry Editor Version 5.00\r\n\r\n");
    Display = CmpDisplayPath(Key);
    if (Display != NULL) {
        CmpExportKey(&T, Key, Display);
        free(Display);
    } else {
        /* \Registry itself: every hive that has a .reg name */
        for (ULONG i = 0; i < Key->SubKeyCount; i++) {
            char *Sub = CmpDisplayPath(Key->SubKeys[i]);
            if (Sub) {
                CmpExportKey(&T, Key->SubKeys[i], Sub);
                free(Sub);
            }
        }
    }
    CmpReleaseKey(Key);
    return T.Data;
}

int ntsim_reg_export_file(ntsim_machine *machine, const char *key_path, const char *path)
{
    char *Text;
    FILE *File;
    size_t Length;

    int Result = CmpCheckMachine(machine);

    if (Result != 0)
        return Result;
    if (path == NULL) {
        NtsimSetLastError("registry: no file name");
        return NTSIM_E_ARGS;
    }
    Text = ntsim_reg_export_text(machine, key_path);
    if (Text == NULL)
        return NTSIM_E_ARGS;
    File = fopen(path, "wb");
    if (File == NULL) {
        NtsimSetLastError("%s: cannot create: %s", path, strerror(errno));
        free(Text);
        return NTSIM_E_IO;
    }
    Length = strlen(Text);
    if (fwrite(Text, 1, Length, File) != Length || fclose(File) != 0) {
        NtsimSetLastError("%s: cannot write: %s", path, strerror(errno));
        free(Text);
        return NTSIM_E_IO;
    }
    free(Text);
    return 0;
}
