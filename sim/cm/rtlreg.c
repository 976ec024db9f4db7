/*
 * rtlreg.c - the Rtl registry helpers: RtlQueryRegistryValues, RtlWriteRegistryValue,
 * RtlDeleteRegistryValue, RtlCheckRegistryKey, RtlCreateRegistryKey.
 *
 * RelativeTo bases: ABSOLUTE, SERVICES, CONTROL, WINDOWS_NT, DEVICEMAP, USER
 * (\Registry\User\.DEFAULT: kernel code runs in the system process), optionally
 * with RTL_REGISTRY_HANDLE (Path is a key handle) and RTL_REGISTRY_OPTIONAL. A Path
 * that starts with '\' is absolute whatever the base.
 *
 * Choices where the documentation is silent (docs/registry.md lists them):
 * - RTL_REGISTRY_OPTIONAL with a missing key: STATUS_SUCCESS, no entry processed.
 * - A missing RTL_QUERY_REGISTRY_SUBKEY key: the following entries see no values
 *   (defaults apply); with RTL_QUERY_REGISTRY_REQUIRED the query fails.
 * - REG_EXPAND_SZ expansion knows SystemRoot and windir (C:\Windows) and
 *   SystemDrive (C:) unless an Environment block is given; unknown %NAME% stay.
 * - DIRECT with REG_MULTI_SZ stores the whole multi-string (its list terminator
 *   dropped from Length) in the UNICODE_STRING.
 * - TYPECHECK applies to defaults as to stored values.
 */
#include "cm/cmp.h"

static const char *CmpRelativeBase(ULONG Base)
{
    switch (Base) {
    case RTL_REGISTRY_SERVICES:
        return "\\Registry\\Machine\\System\\CurrentControlSet\\Services";
    case RTL_REGISTRY_CONTROL:
        return "\\Registry\\Machine\\System\\CurrentControlSet\\Control";
    case RTL_REGISTRY_WINDOWS_NT:
        return "\\Registry\\Machine\\Software\\Microsoft\\Windows NT\\CurrentVersion";
    case RTL_REGISTRY_DEVICEMAP:
        return "\\Registry\\Machine\\Hardware\\DeviceMap";
    case RTL_REGISTRY_USER:
        return "\\Registry\\User\\.DEFAULT";
    default:
        return NULL;
    }
}

static USHORT CmpWideLength(PCWSTR S)
{
    size_t n = S ? RtlpWcslen(S) : 0;
    return (USHORT)(n > 0x7FFF ? 0xFFFE : n * sizeof(WCHAR));
}

/* Resolve RelativeTo/Path to a referenced node. Create: create the leaf (only). */
static NTSTATUS CmpOpenRelative(ULONG RelativeTo, PCWSTR Path, BOOLEAN Create, CM_KEY **Key)
{
    ULONG Base = RelativeTo & ~(ULONG)(RTL_REGISTRY_HANDLE | RTL_REGISTRY_OPTIONAL);
    CM_KEY *Start = NULL;
    USHORT Length;
    NTSTATUS Status;

    *Key = NULL;
    if (RelativeTo & RTL_REGISTRY_HANDLE)
        return CmpReferenceKeyByHandle((HANDLE)Path, FALSE, Key);
    Length = CmpWideLength(Path);
    if (Base >= RTL_REGISTRY_MAXIMUM)
        return STATUS_INVALID_PARAMETER;
    if (Base == RTL_REGISTRY_ABSOLUTE || (Length != 0 && Path[0] == '\\')) {
        if (Length == 0)
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        return CmpWalkPath(NULL, Path, Length, Create, FALSE, REG_OPTION_NON_VOLATILE, NULL, Key, NULL);
    }
    Status = CmpWalkPathUtf8(CmpRelativeBase(Base), FALSE, &Start);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpWalkPath(Start, Path, Length, Create, FALSE, REG_OPTION_NON_VOLATILE, NULL, Key, NULL);
    CmpReleaseKey(Start);
    return Status;
}

/* ---- REG_EXPAND_SZ ---- */

static BOOLEAN CmpEnvLookup(PCWSTR Environment, const WCHAR *Name, size_t NameChars, const WCHAR **Value,
                            size_t *ValueChars)
{
    static const WCHAR Default[] = L"SystemRoot=C:\\Windows\0windir=C:\\Windows\0SystemDrive=C:\0";
    const WCHAR *Entry = Environment ? Environment : Default;

    while (*Entry) {
        size_t Length = RtlpWcslen(Entry);
        if (Length > NameChars && Entry[NameChars] == '=') {
            size_t i;
            for (i = 0; i < NameChars; i++) {
                WCHAR a = Entry[i], b = Name[i];
                if (a >= 'a' && a <= 'z')
                    a = (WCHAR)(a - 0x20);
                if (b >= 'a' && b <= 'z')
                    b = (WCHAR)(b - 0x20);
                if (a != b)
                    break;
            }
            if (i == NameChars) {
                *Value = Entry + NameChars + 1;
                *ValueChars = Length - NameChars - 1;
                return TRUE;
            }
        }
        Entry += Length + 1;
    }
    return FALSE;
}

/* Expand %NAME% references; returns a terminated KiHostAlloc'd string, *Bytes with terminator. */
static WCHAR *CmpExpand(const WCHAR *Text, size_t Chars, PCWSTR Environment, ULONG *Bytes)
{
    size_t Capacity = Chars + 1, Used = 0;
    WCHAR *Out = KiHostAlloc(Capacity * sizeof(WCHAR));

    for (size_t i = 0; i < Chars && Text[i] != 0;) {
        const WCHAR *Piece = Text + i;
        size_t PieceChars = 1, Advance = 1;
        if (Text[i] == '%') {
            size_t End = i + 1;
            while (End < Chars && Text[End] != 0 && Text[End] != '%')
                End++;
            if (End < Chars && Text[End] == '%' && End > i + 1 &&
                CmpEnvLookup(Environment, Text + i + 1, End - i - 1, &Piece, &PieceChars))
                Advance = End + 1 - i;
            else
                Piece = Text + i, PieceChars = 1;
        }
        if (Used + PieceChars + 1 > Capacity) {
            Capacity = (Used + PieceChars + 1) * 2;
            Out = KiHostRealloc(Out, Capacity * sizeof(WCHAR));
        }
        memcpy(Out + Used, Piece, PieceChars * sizeof(WCHAR));
        Used += PieceChars;
        i += Advance;
    }
    Out[Used] = 0;
    *Bytes = (ULONG)((Used + 1) * sizeof(WCHAR));
    return Out;
}

/* ---- RtlQueryRegistryValues ---- */

typedef struct _CMP_QUERY {
    PVOID Context;
    PVOID Environment;
    NTSIM_SITE Site;
} CMP_QUERY;

static NTSTATUS CmpStoreDirect(PRTL_QUERY_REGISTRY_TABLE Entry, ULONG Type, const void *Data, ULONG Length,
                               CMP_QUERY *Query)
{
    if (Entry->EntryContext == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Type == REG_SZ || Type == REG_EXPAND_SZ || Type == REG_MULTI_SZ) {
        PUNICODE_STRING String = Entry->EntryContext;
        ULONG Bytes = Length & ~1u;
        if (Bytes >= sizeof(WCHAR) && ((const WCHAR *)Data)[Bytes / sizeof(WCHAR) - 1] == 0)
            Bytes -= sizeof(WCHAR);
        if (Bytes > 0xFFFC)
            return STATUS_BUFFER_OVERFLOW;
        if (String->Buffer == NULL) {
            PWCH Buffer = ExpAllocatePool(PagedPool, Bytes + sizeof(WCHAR), 0, "RtlQueryRegistryValues", Query->Site);
            if (Buffer == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
            memcpy(Buffer, Data, Bytes);
            Buffer[Bytes / sizeof(WCHAR)] = 0;
            String->Buffer = Buffer;
            String->Length = (USHORT)Bytes;
            String->MaximumLength = (USHORT)(Bytes + sizeof(WCHAR));
            return STATUS_SUCCESS;
        }
        if (Bytes > String->MaximumLength)
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(String->Buffer, Data, Bytes);
        String->Length = (USHORT)Bytes;
        if (Bytes + sizeof(WCHAR) <= String->MaximumLength)
            String->Buffer[Bytes / sizeof(WCHAR)] = 0;
        return STATUS_SUCCESS;
    }
    if (Length <= sizeof(ULONG)) {
        if (Length)
            memcpy(Entry->EntryContext, Data, Length);
        return STATUS_SUCCESS;
    }
    LONG Size;
    memcpy(&Size, Entry->EntryContext, sizeof(Size));
    if (Size < 0) {
        if ((ULONG)-(LONGLONG)Size < Length)
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(Entry->EntryContext, Data, Length);
    } else {
        ULONG Header[2] = { Length, Type };
        if ((ULONG)Size < Length + sizeof(Header))
            return STATUS_BUFFER_TOO_SMALL;
        memcpy(Entry->EntryContext, Header, sizeof(Header));
        memcpy((UCHAR *)Entry->EntryContext + sizeof(Header), Data, Length);
    }
    return STATUS_SUCCESS;
}

static BOOLEAN CmpIsStringType(ULONG Type)
{
    return Type == REG_SZ || Type == REG_EXPAND_SZ || Type == REG_MULTI_SZ;
}

/* RG-01: a DIRECT entry without TYPECHECK stores whatever type the value has: a string
 * as a UNICODE_STRING, anything else as raw bytes. When the entry's DefaultType says
 * the driver expects the other kind (a ULONG receiving a REG_SZ, a UNICODE_STRING
 * receiving a REG_DWORD), storing would overwrite the driver's variable with the wrong
 * layout: reported, and the entry is refused as TYPECHECK would have refused it.
 * (With DefaultType REG_NONE the expected layout is unknown and the value is stored.) */
static BOOLEAN CmpDirectMismatch(PRTL_QUERY_REGISTRY_TABLE Entry, ULONG Type, PWSTR Name, CMP_QUERY *Query)
{
    ULONG Expected = Entry->DefaultType & ~RTL_QUERY_REGISTRY_TYPECHECK_MASK;
    if (Expected == REG_NONE || CmpIsStringType(Expected) == CmpIsStringType(Type))
        return FALSE;
    char NameUtf8[256] = "(default)";
    if (Name)
        RtlpUtf16ToUtf8(Name, RtlpWcslen(Name), NameUtf8, sizeof(NameUtf8));
    VfReport("RG-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Query->Site,
             "RtlQueryRegistryValues: value '%s' has type %u but the RTL_QUERY_REGISTRY_DIRECT entry (DefaultType %u) "
             "expects %s; add RTL_QUERY_REGISTRY_TYPECHECK (the value was not stored)",
             NameUtf8, (unsigned)Type, (unsigned)Expected,
             CmpIsStringType(Expected) ? "a string (UNICODE_STRING)" : "a non-string value (raw bytes)");
    return TRUE;
}

/* Hand one value (found or default) to the entry: DIRECT store or QueryRoutine call(s). */
static NTSTATUS CmpDeliver(PRTL_QUERY_REGISTRY_TABLE Entry, PWSTR Name, ULONG Type, const void *Data, ULONG Length,
                           CMP_QUERY *Query)
{
    ULONG Flags = Entry->Flags;
    WCHAR *Expanded = NULL, *Terminated = NULL;
    NTSTATUS Status = STATUS_SUCCESS;

    if ((Flags & RTL_QUERY_REGISTRY_DIRECT) && (Flags & RTL_QUERY_REGISTRY_TYPECHECK)) {
        ULONG Expected = (Entry->DefaultType & RTL_QUERY_REGISTRY_TYPECHECK_MASK) >> RTL_QUERY_REGISTRY_TYPECHECK_SHIFT;
        if (Type != Expected)
            return STATUS_OBJECT_TYPE_MISMATCH;
    } else if ((Flags & RTL_QUERY_REGISTRY_DIRECT) && CmpDirectMismatch(Entry, Type, Name, Query)) {
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    /* Strings handed on are always terminated. */
    if ((Type == REG_SZ || Type == REG_EXPAND_SZ || Type == REG_MULTI_SZ) && Data != NULL) {
        ULONG Chars = Length / sizeof(WCHAR);
        ULONG Need = Type == REG_MULTI_SZ ? 2 : 1;
        ULONG Have = 0;
        while (Have < Need && Have < Chars && ((const WCHAR *)Data)[Chars - 1 - Have] == 0)
            Have++;
        if (Have < Need || (Length & 1)) {
            Terminated = KiHostAlloc((Chars + Need) * sizeof(WCHAR));
            memcpy(Terminated, Data, Chars * sizeof(WCHAR));
            for (ULONG i = 0; i < Need - Have; i++)
                Terminated[Chars + i] = 0;
            Data = Terminated;
            Length = (Chars + Need - Have) * sizeof(WCHAR);
        }
    }
    if (Type == REG_EXPAND_SZ && !(Flags & RTL_QUERY_REGISTRY_NOEXPAND) && Data != NULL) {
        Expanded = CmpExpand(Data, Length / sizeof(WCHAR), Query->Environment, &Length);
        Data = Expanded;
        Type = REG_SZ;
    }
    if (Flags & RTL_QUERY_REGISTRY_DIRECT) {
        Status = CmpStoreDirect(Entry, Type, Data, Length, Query);
    } else if (Entry->QueryRoutine == NULL) {
        Status = STATUS_INVALID_PARAMETER;
    } else if (Type == REG_MULTI_SZ && !(Flags & RTL_QUERY_REGISTRY_NOEXPAND) && Data != NULL) {
        const WCHAR *P = Data, *End = (const WCHAR *)((const UCHAR *)Data + Length);
        while (P < End && *P != 0 && NT_SUCCESS(Status)) {
            size_t Chars = RtlpWcslen(P);
            Status = Entry->QueryRoutine(Name, REG_SZ, (PVOID)P, (ULONG)((Chars + 1) * sizeof(WCHAR)),
                                         Query->Context, Entry->EntryContext);
            P += Chars + 1;
        }
    } else {
        Status = Entry->QueryRoutine(Name, Type, (PVOID)Data, Length, Query->Context, Entry->EntryContext);
    }
    free(Expanded);
    free(Terminated);
    return Status;
}

static NTSTATUS CmpDeliverDefault(PRTL_QUERY_REGISTRY_TABLE Entry, PWSTR Name, CMP_QUERY *Query)
{
    ULONG Type = Entry->DefaultType & ~RTL_QUERY_REGISTRY_TYPECHECK_MASK;
    ULONG Length = Entry->DefaultLength;

    if (Type == REG_NONE)
        return STATUS_SUCCESS;
    if (Length == 0 && Entry->DefaultData != NULL) {
        const WCHAR *S = Entry->DefaultData;
        if (Type == REG_SZ || Type == REG_EXPAND_SZ) {
            Length = (ULONG)((RtlpWcslen(S) + 1) * sizeof(WCHAR));
        } else if (Type == REG_MULTI_SZ) {
            const WCHAR *P = S;
            while (*P)
                P += RtlpWcslen(P) + 1;
            Length = (ULONG)((P - S + 1) * sizeof(WCHAR));
        }
    }
    return CmpDeliver(Entry, Name, Type, Entry->DefaultData, Entry->DefaultData ? Length : 0, Query);
}

/* A private copy of a value so callbacks may change the registry. */
typedef struct _CMP_SNAPSHOT {
    WCHAR *Name;
    USHORT NameLength;
    ULONG Type;
    UCHAR *Data;
    ULONG Length;
} CMP_SNAPSHOT;

static void CmpSnapshot(CM_VALUE *Value, CMP_SNAPSHOT *Copy)
{
    Copy->Name = KiHostAlloc((size_t)Value->NameLength + sizeof(WCHAR));
    memcpy(Copy->Name, Value->Name, Value->NameLength);
    Copy->Name[Value->NameLength / sizeof(WCHAR)] = 0;
    Copy->NameLength = Value->NameLength;
    Copy->Type = Value->Type;
    Copy->Length = Value->DataLength;
    Copy->Data = KiHostAlloc(Value->DataLength ? Value->DataLength : 1);
    memcpy(Copy->Data, Value->Data, Value->DataLength);
}

static void CmpFreeSnapshot(CMP_SNAPSHOT *Copy)
{
    free(Copy->Name);
    free(Copy->Data);
}

static NTSTATUS CmpQueryEntry(PRTL_QUERY_REGISTRY_TABLE Entry, CM_KEY *Current, CMP_QUERY *Query)
{
    ULONG Flags = Entry->Flags;
    NTSTATUS Status = STATUS_SUCCESS;

    if (Flags & RTL_QUERY_REGISTRY_NOVALUE) {
        if (Entry->QueryRoutine == NULL)
            return STATUS_INVALID_PARAMETER;
        return Entry->QueryRoutine(Entry->Name, REG_NONE, NULL, 0, Query->Context, Entry->EntryContext);
    }
    if (Entry->Name == NULL || (Flags & RTL_QUERY_REGISTRY_SUBKEY)) {
        /* every value of the current key */
        ULONG Count = Current ? Current->ValueCount : 0;
        CMP_SNAPSHOT *Copies;
        if (Flags & RTL_QUERY_REGISTRY_DIRECT)
            return STATUS_INVALID_PARAMETER;
        if (Count == 0) {
            if (Flags & RTL_QUERY_REGISTRY_REQUIRED)
                return STATUS_OBJECT_NAME_NOT_FOUND;
            return CmpDeliverDefault(Entry, NULL, Query);
        }
        Copies = KiHostAlloc(Count * sizeof(CMP_SNAPSHOT));
        for (ULONG i = 0; i < Count; i++)
            CmpSnapshot(Current->Values[i], &Copies[i]);
        for (ULONG i = 0; i < Count; i++) {
            if (NT_SUCCESS(Status))
                Status = CmpDeliver(Entry, Copies[i].Name, Copies[i].Type, Copies[i].Data, Copies[i].Length, Query);
            if (NT_SUCCESS(Status) && (Flags & RTL_QUERY_REGISTRY_DELETE))
                CmpDeleteValue(Current, Copies[i].Name, Copies[i].NameLength);
            CmpFreeSnapshot(&Copies[i]);
        }
        free(Copies);
        return Status;
    }
    /* one named value */
    CM_VALUE *Value = Current ? CmpFindValue(Current, Entry->Name, CmpWideLength(Entry->Name)) : NULL;
    if (Value == NULL) {
        if (Flags & RTL_QUERY_REGISTRY_REQUIRED)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return CmpDeliverDefault(Entry, Entry->Name, Query);
    }
    CMP_SNAPSHOT Copy;
    CmpSnapshot(Value, &Copy);
    Status = CmpDeliver(Entry, Entry->Name, Copy.Type, Copy.Data, Copy.Length, Query);
    if (NT_SUCCESS(Status) && (Flags & RTL_QUERY_REGISTRY_DELETE))
        CmpDeleteValue(Current, Copy.Name, Copy.NameLength);
    CmpFreeSnapshot(&Copy);
    return Status;
}

NTSTATUS NTAPI RtlQueryRegistryValues(ULONG RelativeTo, PCWSTR Path, PRTL_QUERY_REGISTRY_TABLE QueryTable,
                                      PVOID Context, PVOID Environment)
{
    NTSIM_SITE Site = KiTakeSite();
    CMP_QUERY Query = { Context, Environment, Site };
    CM_KEY *Top, *Current;
    NTSTATUS Status;

    CmpCheckIrql("RtlQueryRegistryValues", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "RtlQueryRegistryValues", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (QueryTable == NULL)
        return STATUS_INVALID_PARAMETER;
    Status = CmpOpenRelative(RelativeTo, Path, FALSE, &Top);
    if (!NT_SUCCESS(Status))
        return (RelativeTo & RTL_REGISTRY_OPTIONAL) &&
                       (Status == STATUS_OBJECT_NAME_NOT_FOUND || Status == STATUS_OBJECT_PATH_NOT_FOUND)
                   ? STATUS_SUCCESS
                   : Status;
    Current = Top;
    CmpReferenceKey(Current);
    for (PRTL_QUERY_REGISTRY_TABLE Entry = QueryTable; Entry->QueryRoutine != NULL || Entry->Name != NULL;
         Entry++) {
        if (Entry->Flags & RTL_QUERY_REGISTRY_TOPKEY) {
            CmpReleaseKey(Current);
            Current = Top;
            CmpReferenceKey(Current);
        }
        if (Entry->Flags & RTL_QUERY_REGISTRY_SUBKEY) {
            CM_KEY *Sub = NULL;
            if (Entry->Name == NULL) {
                Status = STATUS_INVALID_PARAMETER;
                break;
            }
            Status = CmpWalkPath(Top, Entry->Name, CmpWideLength(Entry->Name), FALSE, FALSE, 0, NULL, &Sub, NULL);
            if (!NT_SUCCESS(Status)) {
                if (Entry->Flags & RTL_QUERY_REGISTRY_REQUIRED)
                    break;
                Sub = NULL;
                Status = STATUS_SUCCESS;
            }
            CmpReleaseKey(Current);
            Current = Sub;
            if (Entry->QueryRoutine == NULL)
                continue; /* only a change of focus */
        }
        Status = CmpQueryEntry(Entry, Current, &Query);
        if (!NT_SUCCESS(Status))
            break;
    }
    CmpReleaseKey(Current);
    CmpReleaseKey(Top);
    return Status;
}

/* ---- the others ---- */

NTSTATUS NTAPI RtlWriteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName, ULONG ValueType,
                                     PVOID ValueData, ULONG ValueLength)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("RtlWriteRegistryValue", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "RtlWriteRegistryValue", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (ValueData == NULL && ValueLength != 0)
        return STATUS_INVALID_PARAMETER;
    Status = CmpOpenRelative(RelativeTo, Path, TRUE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpSetValue(Key, ValueName ? ValueName : L"", CmpWideLength(ValueName), ValueType, ValueData,
                         ValueLength);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI RtlDeleteRegistryValue(ULONG RelativeTo, PCWSTR Path, PCWSTR ValueName)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("RtlDeleteRegistryValue", Site);
    Status = CmpOpenRelative(RelativeTo, Path, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpDeleteValue(Key, ValueName ? ValueName : L"", CmpWideLength(ValueName));
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI RtlCheckRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("RtlCheckRegistryKey", Site);
    Status = CmpOpenRelative(RelativeTo, Path, FALSE, &Key);
    if (NT_SUCCESS(Status))
        CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI RtlCreateRegistryKey(ULONG RelativeTo, PWSTR Path)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("RtlCreateRegistryKey", Site);
    Status = CmpOpenRelative(RelativeTo, Path, TRUE, &Key);
    if (NT_SUCCESS(Status))
        CmpReleaseKey(Key);
    return Status;
}
