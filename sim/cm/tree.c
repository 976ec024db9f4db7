/*
 * tree.c - the in-memory registry tree: key nodes, values, path walking, and the
 * fixed keys every simulated machine starts with.
 *
 * Names keep the case they were created with and compare case-insensitively.
 * Subkeys and values enumerate in creation order (Windows sorts subkeys by name;
 * creation order keeps tests and .reg round trips stable).
 *
 * A node holds one reference for its place in the tree and one per key object
 * (handle) that points at it. Deleting a key unlinks it and marks it deleted; the
 * memory goes when the last key object does. The simulated CPU is held by one
 * thread at a time, so the tree needs no lock of its own (like the object manager).
 */
#include "cm/cmp.h"

static CM_KEY *CmpRoot;
static LONGLONG CmpClock;
/* The registry of a machine as it stood right after creation (CmpSaveTemplate), and
 * whether the simulator's own writes are skipped while a copy of it stands in. */
static CM_KEY *CmpTemplateRoot;
static LONGLONG CmpTemplateClock;
static size_t CmpTemplateBytes; /* what a copy of it takes in one block */
static BOOLEAN CmpReplaying;

#define CMP_MAX_KEY_NAME_CHARS 255

/* A NUL inside a name: refused, since no .reg file can carry it (export -> import
 * would silently make it another name). */
static BOOLEAN CmpHasNul(const WCHAR *Name, size_t Chars)
{
    for (size_t i = 0; i < Chars; i++)
        if (Name[i] == 0)
            return TRUE;
    return FALSE;
}

/* UTF-16 units of Key's full native path ("\REGISTRY\MACHINE\..."). */
static size_t CmpPathChars(CM_KEY *Key)
{
    size_t Chars = 0;
    for (CM_KEY *K = Key; K != NULL; K = K->Parent)
        Chars += 1 + K->NameLength / sizeof(WCHAR);
    return Chars;
}
#define CMP_TIME_BASE 133500000000000000LL /* 2024-01-21, in 100 ns units since 1601 */

static WCHAR CmpUpcase(WCHAR C)
{
    if (C < 'a')
        return C;
    if (C <= 'z')
        return (WCHAR)(C - 0x20);
    if (C < 0xE0)
        return C;
    if (C <= 0xFE && C != 0xF7)
        return (WCHAR)(C - 0x20);
    if (C == 0xFF)
        return 0x178;
    if (C >= 0x3B1 && C <= 0x3C9 && C != 0x3C2)
        return (WCHAR)(C - 0x20);
    if (C >= 0x430 && C <= 0x44F)
        return (WCHAR)(C - 0x20);
    if (C >= 0x450 && C <= 0x45F)
        return (WCHAR)(C - 0x50);
    return C;
}

static BOOLEAN CmpEqualName(const WCHAR *A, USHORT ALength, const WCHAR *B, USHORT BLength)
{
    if (ALength != BLength)
        return FALSE;
    for (USHORT i = 0; i < ALength / sizeof(WCHAR); i++)
        if (CmpUpcase(A[i]) != CmpUpcase(B[i]))
            return FALSE;
    return TRUE;
}

static WCHAR *CmpCopyName(const WCHAR *Name, USHORT Length)
{
    WCHAR *Copy = KiHostAllocRaw(Length + sizeof(WCHAR));
    if (Length)
        memcpy(Copy, Name, Length);
    Copy[Length / sizeof(WCHAR)] = 0;
    return Copy;
}

static void CmpTouch(CM_KEY *Key)
{
    Key->LastWriteTime.QuadPart = CMP_TIME_BASE + ++CmpClock * 10000;
}

CM_KEY *CmpRootKey(void)
{
    return CmpRoot;
}

void CmpReferenceKey(CM_KEY *Key)
{
    Key->References++;
}

/* A copy of the template lives in one block (CmpInitializeFromTemplate): its keys,
 * names, arrays and values, laid out by one walk. Live counts the keys not freed yet;
 * the block goes with the last one (a deleted key may outlive the tree while a key
 * object still points at it). */
struct _CMP_ARENA {
    size_t Live;
    char *Next; /* while the copy is made: the next free byte */
};

static void CmpFreeValue(CM_VALUE *Value)
{
    if (!Value->InlineName)
        free(Value->Name);
    if (!Value->InlineData)
        free(Value->Data);
    if (!Value->InArena)
        free(Value);
}

static void CmpFreeNode(CM_KEY *Key)
{
    for (ULONG i = 0; i < Key->ValueCount; i++)
        CmpFreeValue(Key->Values[i]);
    if (!Key->ValuesInArena)
        free(Key->Values);
    if (!Key->SubKeysInArena)
        free(Key->SubKeys);
    if (!Key->InlineNames) {
        free(Key->Name);
        free(Key->Class);
    }
    if (Key->Arena == NULL)
        free(Key);
    else if (--Key->Arena->Live == 0)
        free(Key->Arena);
}

/* Room for one more entry in an array of Count entries (4, 8, 16 ...); an array in a
 * template copy's block moves to one of its own. */
static void *CmpGrowArray(void *Array, ULONG Count, ULONG *Capacity, BOOLEAN *InArena)
{
    if (Count < *Capacity)
        return Array;
    *Capacity = *Capacity ? *Capacity * 2 : 4;
    if (!*InArena)
        return KiHostRealloc(Array, *Capacity * sizeof(void *));
    void *Moved = KiHostAlloc(*Capacity * sizeof(void *));
    if (Count)
        memcpy(Moved, Array, Count * sizeof(void *));
    *InArena = FALSE;
    return Moved;
}

void CmpReleaseKey(CM_KEY *Key)
{
    if (Key == NULL)
        return;
    if (--Key->References == 0)
        CmpFreeNode(Key);
}

static CM_KEY *CmpNewKey(CM_KEY *Parent, const WCHAR *Name, USHORT NameLength, BOOLEAN Volatile,
                         PCUNICODE_STRING Class)
{
    CM_KEY *Key = KiHostAlloc(sizeof(CM_KEY));
    memset(Key, 0, sizeof(*Key));
    Key->Name = CmpCopyName(Name, NameLength);
    Key->NameLength = NameLength;
    Key->Volatile = Volatile;
    Key->References = 1; /* the tree's */
    if (Class != NULL && Class->Length != 0 && Class->Buffer != NULL) {
        Key->Class = CmpCopyName(Class->Buffer, (USHORT)(Class->Length & ~1u));
        Key->ClassLength = (USHORT)(Class->Length & ~1u);
    }
    CmpTouch(Key);
    if (Parent != NULL) {
        Parent->SubKeys = CmpGrowArray(Parent->SubKeys, Parent->SubKeyCount, &Parent->SubKeyCapacity,
                                       &Parent->SubKeysInArena);
        Parent->SubKeys[Parent->SubKeyCount++] = Key;
        Key->Parent = Parent;
        CmpTouch(Parent);
    }
    return Key;
}

CM_KEY *CmpFindSubKey(CM_KEY *Key, const WCHAR *Name, USHORT NameLength)
{
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        if (CmpEqualName(Key->SubKeys[i]->Name, Key->SubKeys[i]->NameLength, Name, NameLength))
            return Key->SubKeys[i];
    return NULL;
}

static LONG CmpFindValueIndex(CM_KEY *Key, const WCHAR *Name, USHORT NameLength)
{
    for (ULONG i = 0; i < Key->ValueCount; i++)
        if (CmpEqualName(Key->Values[i]->Name, Key->Values[i]->NameLength, Name, NameLength))
            return (LONG)i;
    return -1;
}

CM_VALUE *CmpFindValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength)
{
    LONG i = CmpFindValueIndex(Key, Name, NameLength);
    return i < 0 ? NULL : Key->Values[i];
}

NTSTATUS CmpSetValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength, ULONG Type, const void *Data, ULONG Size)
{
    CM_VALUE *Value;
    UCHAR *Copy;

    if (Key->Deleted)
        return STATUS_KEY_DELETED;
    if (CmpHasNul(Name, NameLength / sizeof(WCHAR)))
        return STATUS_INVALID_PARAMETER;
    Copy = KiHostAllocCopy(Data, Size);
    Value = CmpFindValue(Key, Name, NameLength);
    if (Value == NULL) {
        Value = KiHostAlloc(sizeof(CM_VALUE));
        memset(Value, 0, sizeof(*Value));
        Value->Name = CmpCopyName(Name, NameLength);
        Value->NameLength = NameLength;
        Key->Values = CmpGrowArray(Key->Values, Key->ValueCount, &Key->ValueCapacity, &Key->ValuesInArena);
        Key->Values[Key->ValueCount++] = Value;
    } else if (!Value->InlineData) {
        free(Value->Data);
    }
    Value->InlineData = FALSE;
    Value->Type = Type;
    Value->Data = Copy;
    Value->DataLength = Size;
    CmpTouch(Key);
    return STATUS_SUCCESS;
}

NTSTATUS CmpDeleteValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength)
{
    LONG i;

    if (Key->Deleted)
        return STATUS_KEY_DELETED;
    i = CmpFindValueIndex(Key, Name, NameLength);
    if (i < 0)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    CmpFreeValue(Key->Values[i]);
    memmove(&Key->Values[i], &Key->Values[i + 1], (Key->ValueCount - (ULONG)i - 1) * sizeof(CM_VALUE *));
    Key->ValueCount--;
    CmpTouch(Key);
    return STATUS_SUCCESS;
}

/* Mark a detached subtree deleted and drop the tree's references, bottom up. */
static void CmpDiscardSubtree(CM_KEY *Key)
{
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        CmpDiscardSubtree(Key->SubKeys[i]);
    Key->SubKeyCount = 0;
    Key->Deleted = TRUE;
    Key->Parent = NULL;
    CmpReleaseKey(Key);
}

static void CmpUnlink(CM_KEY *Key)
{
    CM_KEY *Parent = Key->Parent;
    for (ULONG i = 0; i < Parent->SubKeyCount; i++) {
        if (Parent->SubKeys[i] == Key) {
            memmove(&Parent->SubKeys[i], &Parent->SubKeys[i + 1], (Parent->SubKeyCount - i - 1) * sizeof(CM_KEY *));
            Parent->SubKeyCount--;
            break;
        }
    }
    CmpTouch(Parent);
}

static BOOLEAN CmpHasFixed(CM_KEY *Key)
{
    if (Key->Fixed)
        return TRUE;
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        if (CmpHasFixed(Key->SubKeys[i]))
            return TRUE;
    return FALSE;
}

/* Delete Key's subtree, except that fixed keys (and the path to them) stay, emptied. */
static void CmpPrune(CM_KEY *Key)
{
    if (!CmpHasFixed(Key)) {
        CmpUnlink(Key);
        CmpDiscardSubtree(Key);
        return;
    }
    for (ULONG i = Key->SubKeyCount; i-- > 0;)
        CmpPrune(Key->SubKeys[i]);
    while (Key->ValueCount)
        CmpDeleteValue(Key, Key->Values[0]->Name, Key->Values[0]->NameLength);
}

NTSTATUS CmpDeleteKey(CM_KEY *Key, BOOLEAN Recursive)
{
    if (Key->Deleted)
        return STATUS_KEY_DELETED;
    if (Key->Fixed || Key->Parent == NULL)
        return STATUS_CANNOT_DELETE;
    if (Key->SubKeyCount != 0 && !Recursive)
        return STATUS_CANNOT_DELETE;
    if (Recursive && CmpHasFixed(Key)) {
        CmpPrune(Key);
        return STATUS_SUCCESS;
    }
    CmpUnlink(Key);
    CmpDiscardSubtree(Key);
    return STATUS_SUCCESS;
}

static BOOLEAN CmpIsRegistryWord(const WCHAR *Name, USHORT Length)
{
    static const char Word[] = "REGISTRY";
    if (Length != (sizeof(Word) - 1) * sizeof(WCHAR))
        return FALSE;
    for (size_t i = 0; i < sizeof(Word) - 1; i++)
        if (CmpUpcase(Name[i]) != (WCHAR)Word[i])
            return FALSE;
    return TRUE;
}

NTSTATUS CmpWalkPath(CM_KEY *Start, const WCHAR *Path, USHORT PathLength, BOOLEAN Create, BOOLEAN CreateAll,
                     ULONG CreateOptions, PCUNICODE_STRING Class, CM_KEY **Result, ULONG *Disposition)
{
    size_t Chars = PathLength / sizeof(WCHAR);
    size_t Pos = 0;
    CM_KEY *Key = Start;
    BOOLEAN Volatile = (CreateOptions & REG_OPTION_VOLATILE) != 0;
    BOOLEAN Inherit = (CreateOptions & CMP_INHERIT_VOLATILE) != 0;

    *Result = NULL;
    if (PathLength & 1)
        return STATUS_OBJECT_NAME_INVALID;
    if (Chars > 0 && Path == NULL)
        return STATUS_INVALID_PARAMETER;
    if (Start == NULL) {
        size_t End;
        if (CmpRoot == NULL)
            return STATUS_OBJECT_PATH_NOT_FOUND;
        if (Chars == 0 || Path[0] != '\\')
            return STATUS_OBJECT_PATH_SYNTAX_BAD;
        End = 1;
        while (End < Chars && Path[End] != '\\')
            End++;
        if (!CmpIsRegistryWord(Path + 1, (USHORT)((End - 1) * sizeof(WCHAR))))
            return End < Chars ? STATUS_OBJECT_PATH_NOT_FOUND : STATUS_OBJECT_NAME_NOT_FOUND;
        Key = CmpRoot;
        if (End < Chars && End + 1 == Chars)
            return STATUS_OBJECT_NAME_INVALID; /* trailing backslash */
        Pos = End < Chars ? End + 1 : End;
    } else if (Chars > 0 && Path[0] == '\\') {
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    }
    /* Every component must be 1..255 characters without NUL: check them all before
     * creating any; and the whole path must stay within the registry's limit. */
    for (size_t p = Pos, Begin = Pos; p <= Chars; p++) {
        if (p == Chars || Path[p] == '\\') {
            if (Pos < Chars && (p == Begin || p - Begin > CMP_MAX_KEY_NAME_CHARS))
                return STATUS_OBJECT_NAME_INVALID;
            Begin = p + 1;
        } else if (Path[p] == 0) {
            return STATUS_OBJECT_NAME_INVALID;
        }
    }
    if (Pos < Chars && CmpPathChars(Key) + 1 + (Chars - Pos) > CMP_MAX_KEY_PATH_CHARS)
        return STATUS_NAME_TOO_LONG;
    if (Key->Deleted)
        return STATUS_KEY_DELETED;
    if (Disposition)
        *Disposition = REG_OPENED_EXISTING_KEY;

    while (Pos < Chars) {
        size_t End = Pos;
        CM_KEY *Next;
        BOOLEAN Last;
        USHORT Length;

        while (End < Chars && Path[End] != '\\')
            End++;
        Length = (USHORT)((End - Pos) * sizeof(WCHAR));
        Last = End >= Chars;
        Next = CmpFindSubKey(Key, Path + Pos, Length);
        if (Next == NULL) {
            if (!Create || (!Last && !CreateAll))
                return STATUS_OBJECT_NAME_NOT_FOUND;
            if (Key->Volatile && !Volatile && !Inherit)
                return STATUS_CHILD_MUST_BE_VOLATILE;
            Next = CmpNewKey(Key, Path + Pos, Length, Volatile || (Inherit && Key->Volatile), Last ? Class : NULL);
            if (Last && Disposition)
                *Disposition = REG_CREATED_NEW_KEY;
        }
        Key = Next;
        Pos = End + 1;
    }
    CmpReferenceKey(Key);
    *Result = Key;
    return STATUS_SUCCESS;
}

/* UTF-8 -> malloc'd UTF-16 (terminated); *Length in bytes. */
static WCHAR *CmpUtf8ToWideAll(const char *Text, size_t *Chars)
{
    size_t Bytes = Text ? strlen(Text) : 0;
    size_t Need = Bytes ? RtlpUtf8ToUtf16(Text, Bytes, NULL, 0) : 0;
    WCHAR *Wide = KiHostAlloc((Need + 1) * sizeof(WCHAR));
    if (Bytes)
        RtlpUtf8ToUtf16(Text, Bytes, Wide, Need + 1);
    Wide[Need] = 0;
    *Chars = Need;
    return Wide;
}

/* A path or name: NULL when longer than a UNICODE_STRING holds (never cut short: a
 * cut path names another key). */
static WCHAR *CmpUtf8ToWide(const char *Text, USHORT *Length)
{
    size_t Chars;
    WCHAR *Wide = CmpUtf8ToWideAll(Text, &Chars);
    if (Chars > 0x7FFF) {
        free(Wide);
        return NULL;
    }
    *Length = (USHORT)(Chars * sizeof(WCHAR));
    return Wide;
}

/* The key the last UTF-8 path named, held by a reference: the simulator's helpers often
 * name one key several times in a row (a resource claim's values, a device's
 * description). A key is never renamed, and a deleted one is marked so: while the held
 * key is not deleted, the same text names it. */
static char *CmpLastPath;
static CM_KEY *CmpLastKey;

static void CmpForgetLastPath(void)
{
    if (CmpLastKey)
        CmpReleaseKey(CmpLastKey);
    CmpLastKey = NULL;
    free(CmpLastPath);
    CmpLastPath = NULL;
}

NTSTATUS CmpWalkPathUtf8(const char *Path, BOOLEAN Create, CM_KEY **Key)
{
    USHORT Length;
    WCHAR *Wide;
    NTSTATUS Status;

    if (Path == NULL)
        return STATUS_INVALID_PARAMETER;
    if (CmpLastKey && !CmpLastKey->Deleted && strcmp(Path, CmpLastPath) == 0) {
        CmpReferenceKey(CmpLastKey);
        *Key = CmpLastKey;
        return STATUS_SUCCESS;
    }
    Wide = CmpUtf8ToWide(Path, &Length);
    if (Wide == NULL)
        return STATUS_NAME_TOO_LONG;
    Status = CmpWalkPath(NULL, Wide, Length, Create, Create, CMP_INHERIT_VOLATILE, NULL, Key, NULL);
    free(Wide);
    if (NT_SUCCESS(Status)) {
        CmpForgetLastPath();
        CmpLastPath = KiHostStrdup(Path);
        CmpLastKey = *Key;
        CmpReferenceKey(CmpLastKey);
    }
    return Status;
}

WCHAR *CmpKeyFullName(CM_KEY *Key, USHORT *Length)
{
    size_t Total = 0;
    WCHAR *Name, *P;

    for (CM_KEY *K = Key; K != NULL; K = K->Parent)
        Total += sizeof(WCHAR) + K->NameLength;
    Name = KiHostAlloc(Total + sizeof(WCHAR));
    P = (WCHAR *)((char *)Name + Total);
    *P = 0;
    for (CM_KEY *K = Key; K != NULL; K = K->Parent) {
        P = (WCHAR *)((char *)P - K->NameLength);
        memcpy(P, K->Name, K->NameLength);
        *--P = '\\';
    }
    *Length = (USHORT)(Total > 0xFFFE ? 0xFFFE : Total);
    return Name;
}

/* ---- machine life cycle ---- */

static CM_KEY *CmpFixedKey(CM_KEY *Parent, const char *Name)
{
    USHORT Length;
    WCHAR *Wide = CmpUtf8ToWide(Name, &Length);
    CM_KEY *Key = Parent ? CmpFindSubKey(Parent, Wide, Length) : NULL;
    if (Key == NULL)
        Key = CmpNewKey(Parent, Wide, Length, FALSE, NULL);
    free(Wide);
    Key->Fixed = TRUE;
    return Key;
}

static CM_KEY *CmpPlainKey(CM_KEY *Parent, const char *Path)
{
    CM_KEY *Key = Parent;
    char *Copy = KiHostStrdup(Path), *Save = NULL;
    for (char *Part = strtok_r(Copy, "\\", &Save); Part; Part = strtok_r(NULL, "\\", &Save)) {
        USHORT Length;
        WCHAR *Wide = CmpUtf8ToWide(Part, &Length);
        CM_KEY *Next = CmpFindSubKey(Key, Wide, Length);
        Key = Next ? Next : CmpNewKey(Key, Wide, Length, FALSE, NULL);
        free(Wide);
    }
    free(Copy);
    return Key;
}

void CmpInitialize(void)
{
    CM_KEY *Machine, *System, *Software, *Hardware, *User;
    static const WCHAR SystemRoot[] = L"C:\\Windows";

    CmpShutdown();
    CmpClock = 0;
    CmpRoot = CmpFixedKey(NULL, "REGISTRY");
    Machine = CmpFixedKey(CmpRoot, "MACHINE");
    User = CmpFixedKey(CmpRoot, "USER");
    System = CmpFixedKey(Machine, "SYSTEM");
    Software = CmpFixedKey(Machine, "SOFTWARE");
    Hardware = CmpFixedKey(Machine, "HARDWARE");
    CmpFixedKey(CmpPlainKey(System, "CurrentControlSet"), "Services");
    CmpFixedKey(CmpPlainKey(System, "CurrentControlSet"), "Control");
    CmpPlainKey(Software, "Classes");
    CM_KEY *Nt = CmpPlainKey(Software, "Microsoft\\Windows NT\\CurrentVersion");
    CmpSetValue(Nt, L"SystemRoot", sizeof(L"SystemRoot") - sizeof(WCHAR), REG_SZ, SystemRoot, sizeof(SystemRoot));
    CmpFixedKey(CmpPlainKey(Hardware, "DESCRIPTION"), "System");
    CmpFixedKey(Hardware, "DEVICEMAP");
    CmpFixedKey(Hardware, "RESOURCEMAP");
    CmpFixedKey(User, ".DEFAULT");
}

void CmpShutdown(void)
{
    CmpForgetLastPath();
    if (CmpRoot == NULL)
        return;
    CmpDiscardSubtree(CmpRoot);
    CmpRoot = NULL;
}

/* ---- UTF-8 helpers for the rest of the simulator ---- */

NTSTATUS CmpCreateKeyPath(const char *Utf8Path, void **Node)
{
    CM_KEY *Key;
    NTSTATUS Status = CmpWalkPathUtf8(Utf8Path, !CmpReplaying, &Key);
    if (Node)
        *Node = NT_SUCCESS(Status) ? Key : NULL;
    if (NT_SUCCESS(Status))
        CmpReleaseKey(Key); /* the tree keeps it alive */
    return Status;
}

BOOLEAN CmpKeyExists(const char *KeyPath)
{
    CM_KEY *Key;
    if (!NT_SUCCESS(CmpWalkPathUtf8(KeyPath, FALSE, &Key)))
        return FALSE;
    CmpReleaseKey(Key);
    return TRUE;
}

NTSTATUS CmpSetValueUtf8(const char *KeyPath, const char *Name, ULONG Type, const void *Data, ULONG Size)
{
    CM_KEY *Key;
    USHORT Length;
    WCHAR *Wide;
    if (CmpReplaying)
        return STATUS_SUCCESS; /* the template holds it already */
    NTSTATUS Status = CmpWalkPathUtf8(KeyPath, TRUE, &Key);

    if (!NT_SUCCESS(Status))
        return Status;
    Wide = CmpUtf8ToWide(Name ? Name : "", &Length);
    Status = Wide ? CmpSetValue(Key, Wide, Length, Type, Data, Size) : STATUS_NAME_TOO_LONG;
    free(Wide);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS CmpSetStringValueUtf8(const char *KeyPath, const char *Name, ULONG Type, const char *Utf8Text)
{
    if (CmpReplaying)
        return STATUS_SUCCESS;
    size_t Chars;
    WCHAR *Wide = CmpUtf8ToWideAll(Utf8Text ? Utf8Text : "", &Chars);
    NTSTATUS Status = CmpSetValueUtf8(KeyPath, Name, Type, Wide, (ULONG)((Chars + 1) * sizeof(WCHAR)));
    free(Wide);
    return Status;
}

NTSTATUS CmpSetDwordValueUtf8(const char *KeyPath, const char *Name, ULONG Value)
{
    return CmpSetValueUtf8(KeyPath, Name, REG_DWORD, &Value, sizeof(Value));
}

NTSTATUS CmpQueryValueUtf8(const char *KeyPath, const char *Name, ULONG *Type, void *Data, ULONG *Size)
{
    CM_KEY *Key;
    CM_VALUE *Value;
    USHORT Length;
    WCHAR *Wide;
    NTSTATUS Status = CmpWalkPathUtf8(KeyPath, FALSE, &Key);

    if (!NT_SUCCESS(Status))
        return Status;
    Wide = CmpUtf8ToWide(Name ? Name : "", &Length);
    Value = Wide ? CmpFindValue(Key, Wide, Length) : NULL;
    free(Wide);
    if (Value == NULL) {
        Status = STATUS_OBJECT_NAME_NOT_FOUND;
    } else {
        ULONG Capacity = Size ? *Size : 0;
        if (Type)
            *Type = Value->Type;
        if (Size)
            *Size = Value->DataLength;
        if (Capacity < Value->DataLength || (Data == NULL && Value->DataLength != 0)) {
            Status = STATUS_BUFFER_OVERFLOW;
        } else {
            if (Value->DataLength)
                memcpy(Data, Value->Data, Value->DataLength);
            Status = STATUS_SUCCESS;
        }
    }
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS CmpDeleteValueUtf8(const char *KeyPath, const char *Name)
{
    CM_KEY *Key;
    USHORT Length;
    WCHAR *Wide;
    if (CmpReplaying)
        return STATUS_SUCCESS;
    NTSTATUS Status = CmpWalkPathUtf8(KeyPath, FALSE, &Key);

    if (!NT_SUCCESS(Status))
        return Status;
    Wide = CmpUtf8ToWide(Name ? Name : "", &Length);
    Status = Wide ? CmpDeleteValue(Key, Wide, Length) : STATUS_OBJECT_NAME_NOT_FOUND;
    free(Wide);
    CmpReleaseKey(Key);
    return Status;
}

void CmpDeleteTree(const char *KeyPath)
{
    CM_KEY *Key;
    if (CmpReplaying)
        return;
    if (!NT_SUCCESS(CmpWalkPathUtf8(KeyPath, FALSE, &Key)))
        return;
    if (Key->Fixed || Key->Parent == NULL)
        CmpPrune(Key);
    else
        CmpDeleteKey(Key, TRUE);
    CmpReleaseKey(Key);
}

/* ---- the machine template (docs/faults.md, "What a worker keeps between runs") ----
 *
 * Describing the default PC's devices makes a few hundred keys and values through the
 * UTF-8 helpers (a conversion and a path walk each). A process that makes many equal
 * machines (a persistent fault sweep) builds that registry once, keeps a copy, and
 * gives every later machine a copy of the copy: the same keys and values in the same
 * order, the same classes, flags and last-write times, and the same write clock, so
 * the tree cannot be told from one built step by step. While a copy stands in, the
 * device code runs as usual but its writes through the helpers are skipped (the copy
 * holds what they wrote the first time). */

#define CMP_INLINE_ALIGN(n) (((size_t)(n) + 7) & ~(size_t)7)

/* A block of Bytes for a copy: from the arena (8-aligned), else its own allocation. */
static void *CmpCopyAlloc(CMP_ARENA *Arena, size_t Bytes)
{
    if (Arena == NULL)
        return KiHostAlloc(Bytes);
    void *Block = Arena->Next;
    Arena->Next += CMP_INLINE_ALIGN(Bytes);
    return Block;
}

static size_t CmpValueBlockBytes(const CM_VALUE *Value)
{
    return sizeof(CM_VALUE) + CMP_INLINE_ALIGN(Value->NameLength + sizeof(WCHAR)) + (Value->DataLength ? Value->DataLength : 1);
}

static size_t CmpKeyBlockBytes(const CM_KEY *Key)
{
    return sizeof(CM_KEY) + CMP_INLINE_ALIGN(Key->NameLength + sizeof(WCHAR)) + Key->ClassLength + sizeof(WCHAR);
}

/* The bytes a copy of Key's subtree takes in an arena (CmpCopySubtree's blocks, aligned). */
static size_t CmpSubtreeBytes(const CM_KEY *Key)
{
    size_t Bytes = CMP_INLINE_ALIGN(CmpKeyBlockBytes(Key)) + CMP_INLINE_ALIGN(Key->SubKeyCount * sizeof(CM_KEY *)) +
                   CMP_INLINE_ALIGN(Key->ValueCount * sizeof(CM_VALUE *));
    for (ULONG i = 0; i < Key->ValueCount; i++)
        Bytes += CMP_INLINE_ALIGN(CmpValueBlockBytes(Key->Values[i]));
    for (ULONG i = 0; i < Key->SubKeyCount; i++)
        Bytes += CmpSubtreeBytes(Key->SubKeys[i]);
    return Bytes;
}

/* A value with its name and data in one block (data 8-aligned: callers read a REG_DWORD
 * or REG_QWORD in place). */
static CM_VALUE *CmpCopyValue(const CM_VALUE *From, CMP_ARENA *Arena)
{
    size_t NameBytes = CMP_INLINE_ALIGN(From->NameLength + sizeof(WCHAR)); /* terminated, as CmpCopyName makes them */
    char *Block = CmpCopyAlloc(Arena, CmpValueBlockBytes(From));
    CM_VALUE *Value = (CM_VALUE *)Block;
    *Value = *From;
    Value->Name = (WCHAR *)(Block + sizeof(CM_VALUE));
    memcpy(Value->Name, From->Name, From->NameLength);
    Value->Name[From->NameLength / sizeof(WCHAR)] = 0;
    Value->Data = (UCHAR *)(Block + sizeof(CM_VALUE) + NameBytes);
    if (From->DataLength)
        memcpy(Value->Data, From->Data, From->DataLength);
    Value->InlineName = Value->InlineData = TRUE;
    Value->InArena = Arena != NULL;
    return Value;
}

/* A key with its name and class in one block, its values and subkeys copied; with an
 * arena, every block of the subtree is taken from it. */
static CM_KEY *CmpCopySubtree(const CM_KEY *Source, CM_KEY *Parent, CMP_ARENA *Arena)
{
    size_t NameBytes = CMP_INLINE_ALIGN(Source->NameLength + sizeof(WCHAR)); /* terminated, as CmpCopyName makes them */
    char *Block = CmpCopyAlloc(Arena, CmpKeyBlockBytes(Source));
    CM_KEY *Key = (CM_KEY *)Block;
    *Key = *Source;
    Key->Parent = Parent;
    Key->References = 1; /* the tree's; no key object points at a copy */
    Key->InlineNames = TRUE;
    Key->Arena = Arena;
    Key->SubKeysInArena = Key->ValuesInArena = Arena != NULL;
    if (Arena)
        Arena->Live++;
    Key->Name = (WCHAR *)(Block + sizeof(CM_KEY));
    memcpy(Key->Name, Source->Name, Source->NameLength);
    Key->Name[Source->NameLength / sizeof(WCHAR)] = 0;
    Key->Class = NULL;
    if (Source->Class) {
        Key->Class = (WCHAR *)(Block + sizeof(CM_KEY) + NameBytes);
        memcpy(Key->Class, Source->Class, Source->ClassLength);
        Key->Class[Source->ClassLength / sizeof(WCHAR)] = 0;
    }
    Key->SubKeys = NULL;
    Key->SubKeyCapacity = Key->SubKeyCount;
    if (Key->SubKeyCount) {
        Key->SubKeys = CmpCopyAlloc(Arena, Key->SubKeyCount * sizeof(CM_KEY *));
        for (ULONG i = 0; i < Key->SubKeyCount; i++)
            Key->SubKeys[i] = CmpCopySubtree(Source->SubKeys[i], Key, Arena);
    }
    Key->Values = NULL;
    Key->ValueCapacity = Key->ValueCount;
    if (Key->ValueCount)
        Key->Values = CmpCopyAlloc(Arena, Key->ValueCount * sizeof(CM_VALUE *));
    for (ULONG i = 0; i < Key->ValueCount; i++)
        Key->Values[i] = CmpCopyValue(Source->Values[i], Arena);
    return Key;
}

/* Keep the tree as it stands (the registry right after machine creation). */
void CmpSaveTemplate(void)
{
    CmpDropTemplate();
    if (CmpRoot == NULL)
        return;
    CmpTemplateRoot = CmpCopySubtree(CmpRoot, NULL, NULL);
    CmpTemplateClock = CmpClock;
    CmpTemplateBytes = CmpSubtreeBytes(CmpTemplateRoot);
}

BOOLEAN CmpHasTemplate(void)
{
    return CmpTemplateRoot != NULL;
}

void CmpDropTemplate(void)
{
    if (CmpTemplateRoot == NULL)
        return;
    CmpDiscardSubtree(CmpTemplateRoot);
    CmpTemplateRoot = NULL;
}

/* Instead of CmpInitialize: a copy of the template. FALSE when there is none. */
BOOLEAN CmpInitializeFromTemplate(void)
{
    if (CmpTemplateRoot == NULL)
        return FALSE;
    CmpShutdown();
    CMP_ARENA *Arena = KiHostAllocRaw(CMP_INLINE_ALIGN(sizeof(CMP_ARENA)) + CmpTemplateBytes); /* filled whole */
    Arena->Live = 0;
    Arena->Next = (char *)Arena + CMP_INLINE_ALIGN(sizeof(CMP_ARENA));
    CmpRoot = CmpCopySubtree(CmpTemplateRoot, NULL, Arena);
    CmpClock = CmpTemplateClock;
    return TRUE;
}

/* Between CmpInitializeFromTemplate and the end of machine creation: the simulator's
 * registry writes are skipped (the template holds them). */
void CmpSetReplaying(BOOLEAN Replaying)
{
    CmpReplaying = Replaying;
}

BOOLEAN CmpIsReplaying(void)
{
    return CmpReplaying;
}
