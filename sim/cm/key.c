/*
 * key.c - key objects and the key DDIs: ZwCreateKey, ZwOpenKey(Ex), ZwQueryKey,
 * ZwEnumerateKey, ZwDeleteKey, ZwFlushKey.
 *
 * Every open creates an unnamed object of type "Key" whose body points at the tree
 * node, and a handle to it (tracked as the calling driver's, so a leaked key
 * handle shows in the audit). ZwClose belongs to the object manager; the last
 * reference to a key object releases the node.
 *
 * Kernel-mode callers: as on Windows (PreviousMode = KernelMode), the access a
 * handle was opened with is recorded but not enforced.
 */
#include "cm/cmp.h"

static void CmpKeyObjectDelete(PVOID Object)
{
    CM_KEY_BODY *Body = Object;
    CmpReleaseKey(Body->Node);
    Body->Node = NULL;
}

/* The key's full path, "\REGISTRY\MACHINE\...", for leak reports. */
static void CmpKeyObjectName(PVOID Object, char *Buffer, size_t Size)
{
    const CM_KEY *Chain[64];
    size_t Depth = 0;
    for (const CM_KEY *K = ((CM_KEY_BODY *)Object)->Node; K && Depth < RTL_NUMBER_OF(Chain); K = K->Parent)
        Chain[Depth++] = K;
    size_t Used = 0;
    Buffer[0] = 0;
    while (Depth-- > 0 && Used + 2 < Size) {
        Buffer[Used++] = '\\';
        Used += RtlpUtf16ToUtf8(Chain[Depth]->Name, Chain[Depth]->NameLength / sizeof(WCHAR), Buffer + Used,
                                Size - Used);
    }
}

OBJECT_TYPE CmpKeyObjectType = { .Name = "Key", .DeleteProcedure = CmpKeyObjectDelete, .QueryNameProcedure = CmpKeyObjectName };
static POBJECT_TYPE CmpKeyObjectTypePointer = &CmpKeyObjectType;
POBJECT_TYPE *CmKeyObjectType = &CmpKeyObjectTypePointer;

void CmpCheckIrql(const char *Ddi, NTSIM_SITE Site)
{
    KIRQL Irql = KiCurrentIrql();
    if (Irql > PASSIVE_LEVEL)
        VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "%s called at IRQL %u; registry routines must be called at PASSIVE_LEVEL", Ddi, (unsigned)Irql);
}

NTSTATUS CmpOpenHandle(CM_KEY *Key, ACCESS_MASK Access, NTSIM_SITE Site, PHANDLE Handle)
{
    PVOID Object;
    CM_KEY_BODY *Body;
    NTSTATUS Status = ObpCreateObject(&CmpKeyObjectType, sizeof(CM_KEY_BODY), &Object);

    if (!NT_SUCCESS(Status))
        return Status;
    Body = Object;
    Body->Node = Key;
    Body->GrantedAccess = Access;
    CmpReferenceKey(Key);
    Status = ObpCreateHandle(Object, Access, Site, Handle);
    ObpDereference(Object); /* the handle holds its own reference */
    return Status;
}

NTSTATUS CmpReferenceKeyByHandle(HANDLE Handle, BOOLEAN AllowDeleted, CM_KEY **Key)
{
    PVOID Object;
    CM_KEY_BODY *Body;
    NTSTATUS Status = ObpReferenceHandle(Handle, &CmpKeyObjectType, &Object);

    *Key = NULL;
    if (!NT_SUCCESS(Status))
        return Status;
    Body = Object;
    if (Body->Node == NULL || (Body->Node->Deleted && !AllowDeleted)) {
        ObpDereference(Object);
        return STATUS_KEY_DELETED;
    }
    CmpReferenceKey(Body->Node);
    *Key = Body->Node;
    ObpDereference(Object);
    return STATUS_SUCCESS;
}

/* Resolve OBJECT_ATTRIBUTES to a node, creating the leaf when Create. */
static NTSTATUS CmpLookupAttributes(POBJECT_ATTRIBUTES Attributes, BOOLEAN Create, ULONG CreateOptions,
                                    PCUNICODE_STRING Class, CM_KEY **Key, ULONG *Disposition)
{
    CM_KEY *Start = NULL;
    PUNICODE_STRING Name;
    NTSTATUS Status;

    if (Attributes == NULL || Attributes->Length != sizeof(OBJECT_ATTRIBUTES))
        return STATUS_INVALID_PARAMETER;
    if (Attributes->Attributes & ~OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    Name = Attributes->ObjectName;
    if (Attributes->RootDirectory != NULL) {
        Status = CmpReferenceKeyByHandle(Attributes->RootDirectory, FALSE, &Start);
        if (!NT_SUCCESS(Status))
            return Status;
    } else if (Name == NULL || Name->Length == 0) {
        return STATUS_OBJECT_PATH_SYNTAX_BAD;
    }
    if (Name != NULL && Name->Length > Name->MaximumLength && Name->MaximumLength != 0) {
        CmpReleaseKey(Start);
        return STATUS_INVALID_PARAMETER;
    }
    Status = CmpWalkPath(Start, Name ? Name->Buffer : NULL, Name ? Name->Length : 0, Create, FALSE, CreateOptions,
                         Class, Key, Disposition);
    CmpReleaseKey(Start);
    return Status;
}

NTSTATUS NTAPI ZwCreateKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                           ULONG TitleIndex, PUNICODE_STRING Class, ULONG CreateOptions, PULONG Disposition)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    ULONG Result = 0;
    NTSTATUS Status;

    CmpCheckIrql("ZwCreateKey", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "ZwCreateKey", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    UNREFERENCED_PARAMETER(TitleIndex);
    if (KeyHandle == NULL || (CreateOptions & ~REG_LEGAL_OPTION) != 0)
        return STATUS_INVALID_PARAMETER;
    if (CreateOptions & REG_OPTION_CREATE_LINK)
        return STATUS_NOT_IMPLEMENTED; /* registry symbolic links are not simulated */
    /* *KeyHandle is written on success only: for a kernel-mode caller (every Zw call)
     * NtCreateKey/NtOpenKey leave the variable as it was when they fail, and drivers rely
     * on it (ReactOS's kbdclass/mouclass keep an "unopened" marker there). */
    Status = CmpLookupAttributes(ObjectAttributes, TRUE, CreateOptions, Class, &Key, &Result);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpOpenHandle(Key, DesiredAccess, Site, KeyHandle);
    CmpReleaseKey(Key);
    if (NT_SUCCESS(Status) && Disposition != NULL)
        *Disposition = Result;
    return Status;
}

static NTSTATUS CmpOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                           NTSIM_SITE Site)
{
    CM_KEY *Key;
    NTSTATUS Status;

    if (KeyHandle == NULL)
        return STATUS_INVALID_PARAMETER;
    Status = CmpLookupAttributes(ObjectAttributes, FALSE, 0, NULL, &Key, NULL);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpOpenHandle(Key, DesiredAccess, Site, KeyHandle);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwOpenKey(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    NTSIM_SITE Site = KiTakeSite();

    CmpCheckIrql("ZwOpenKey", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "ZwOpenKey", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    return CmpOpenKey(KeyHandle, DesiredAccess, ObjectAttributes, Site);
}

NTSTATUS NTAPI ZwOpenKeyEx(PHANDLE KeyHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                           ULONG OpenOptions)
{
    NTSIM_SITE Site = KiTakeSite();

    CmpCheckIrql("ZwOpenKeyEx", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "ZwOpenKeyEx", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (OpenOptions & ~(REG_OPTION_BACKUP_RESTORE | REG_OPTION_OPEN_LINK | REG_OPTION_DONT_VIRTUALIZE))
        return STATUS_INVALID_PARAMETER;
    return CmpOpenKey(KeyHandle, DesiredAccess, ObjectAttributes, Site);
}

/* ---- key information ---- */

/* Copy the fixed part and as much of the variable part as fits; the documented
 * contract: BUFFER_TOO_SMALL when not even the fixed part fits (nothing written),
 * BUFFER_OVERFLOW when only part fits, ResultLength always the full size. */
static NTSTATUS CmpReturn(PVOID Buffer, ULONG Length, PULONG ResultLength, const void *Fixed, ULONG FixedLength,
                          const void *Variable, ULONG VariableLength)
{
    ULONG Total = FixedLength + VariableLength;

    *ResultLength = Total;
    if (Length < FixedLength)
        return STATUS_BUFFER_TOO_SMALL;
    memcpy(Buffer, Fixed, FixedLength);
    if (VariableLength) {
        ULONG Room = Length - FixedLength;
        memcpy((UCHAR *)Buffer + FixedLength, Variable, Room < VariableLength ? (Room & ~1u) : VariableLength);
    }
    return Length < Total ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS;
}

static NTSTATUS CmpKeyInformation(CM_KEY *Key, KEY_INFORMATION_CLASS Class, PVOID Buffer, ULONG Length,
                                  PULONG ResultLength)
{
    switch (Class) {
    case KeyBasicInformation: {
        KEY_BASIC_INFORMATION Info;
        memset(&Info, 0, sizeof(Info));
        Info.LastWriteTime = Key->LastWriteTime;
        Info.TitleIndex = 0;
        Info.NameLength = Key->NameLength;
        return CmpReturn(Buffer, Length, ResultLength, &Info, FIELD_OFFSET(KEY_BASIC_INFORMATION, Name), Key->Name,
                         Key->NameLength);
    }
    case KeyNodeInformation: {
        KEY_NODE_INFORMATION Info;
        ULONG Fixed = FIELD_OFFSET(KEY_NODE_INFORMATION, Name);
        UCHAR *Variable;
        NTSTATUS Status;
        memset(&Info, 0, sizeof(Info));
        Info.LastWriteTime = Key->LastWriteTime;
        Info.ClassOffset = Key->ClassLength ? Fixed + Key->NameLength : 0xFFFFFFFFu;
        Info.ClassLength = Key->ClassLength;
        Info.NameLength = Key->NameLength;
        Variable = KiHostAlloc((size_t)Key->NameLength + Key->ClassLength + 1);
        memcpy(Variable, Key->Name, Key->NameLength);
        if (Key->ClassLength)
            memcpy(Variable + Key->NameLength, Key->Class, Key->ClassLength);
        Status = CmpReturn(Buffer, Length, ResultLength, &Info, Fixed, Variable,
                           (ULONG)Key->NameLength + Key->ClassLength);
        free(Variable);
        return Status;
    }
    case KeyFullInformation:
    case KeyCachedInformation: {
        ULONG MaxName = 0, MaxClass = 0, MaxValueName = 0, MaxValueData = 0;
        for (ULONG i = 0; i < Key->SubKeyCount; i++) {
            if (Key->SubKeys[i]->NameLength > MaxName)
                MaxName = Key->SubKeys[i]->NameLength;
            if (Key->SubKeys[i]->ClassLength > MaxClass)
                MaxClass = Key->SubKeys[i]->ClassLength;
        }
        for (ULONG i = 0; i < Key->ValueCount; i++) {
            if (Key->Values[i]->NameLength > MaxValueName)
                MaxValueName = Key->Values[i]->NameLength;
            if (Key->Values[i]->DataLength > MaxValueData)
                MaxValueData = Key->Values[i]->DataLength;
        }
        if (Class == KeyCachedInformation) {
            KEY_CACHED_INFORMATION Info;
            memset(&Info, 0, sizeof(Info));
            Info.LastWriteTime = Key->LastWriteTime;
            Info.SubKeys = Key->SubKeyCount;
            Info.MaxNameLen = MaxName;
            Info.Values = Key->ValueCount;
            Info.MaxValueNameLen = MaxValueName;
            Info.MaxValueDataLen = MaxValueData;
            Info.NameLength = Key->NameLength;
            return CmpReturn(Buffer, Length, ResultLength, &Info, sizeof(Info), NULL, 0);
        } else {
            KEY_FULL_INFORMATION Info;
            ULONG Fixed = FIELD_OFFSET(KEY_FULL_INFORMATION, Class);
            memset(&Info, 0, sizeof(Info));
            Info.LastWriteTime = Key->LastWriteTime;
            Info.ClassOffset = Key->ClassLength ? Fixed : 0xFFFFFFFFu;
            Info.ClassLength = Key->ClassLength;
            Info.SubKeys = Key->SubKeyCount;
            Info.MaxNameLen = MaxName;
            Info.MaxClassLen = MaxClass;
            Info.Values = Key->ValueCount;
            Info.MaxValueNameLen = MaxValueName;
            Info.MaxValueDataLen = MaxValueData;
            return CmpReturn(Buffer, Length, ResultLength, &Info, Fixed, Key->Class, Key->ClassLength);
        }
    }
    case KeyNameInformation: {
        KEY_NAME_INFORMATION Info;
        USHORT NameLength;
        WCHAR *Name = CmpKeyFullName(Key, &NameLength);
        NTSTATUS Status;
        memset(&Info, 0, sizeof(Info));
        Info.NameLength = NameLength;
        Status = CmpReturn(Buffer, Length, ResultLength, &Info, FIELD_OFFSET(KEY_NAME_INFORMATION, Name), Name,
                           NameLength);
        free(Name);
        return Status;
    }
    default:
        return STATUS_INVALID_PARAMETER;
    }
}

NTSTATUS NTAPI ZwQueryKey(HANDLE KeyHandle, KEY_INFORMATION_CLASS KeyInformationClass, PVOID KeyInformation,
                          ULONG Length, PULONG ResultLength)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwQueryKey", Site);
    if (ResultLength == NULL || (KeyInformation == NULL && Length != 0))
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpKeyInformation(Key, KeyInformationClass, KeyInformation, Length, ResultLength);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwEnumerateKey(HANDLE KeyHandle, ULONG Index, KEY_INFORMATION_CLASS KeyInformationClass,
                              PVOID KeyInformation, ULONG Length, PULONG ResultLength)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwEnumerateKey", Site);
    if (ResultLength == NULL || (KeyInformation == NULL && Length != 0))
        return STATUS_INVALID_PARAMETER;
    if (KeyInformationClass != KeyBasicInformation && KeyInformationClass != KeyNodeInformation &&
        KeyInformationClass != KeyFullInformation)
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Index >= Key->SubKeyCount)
        Status = STATUS_NO_MORE_ENTRIES;
    else
        Status = CmpKeyInformation(Key->SubKeys[Index], KeyInformationClass, KeyInformation, Length, ResultLength);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwDeleteKey(HANDLE KeyHandle)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwDeleteKey", Site);
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpDeleteKey(Key, FALSE);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwFlushKey(HANDLE KeyHandle)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwFlushKey", Site);
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (NT_SUCCESS(Status))
        CmpReleaseKey(Key); /* nothing to write back: the registry lives in memory */
    return Status;
}
