/*
 * value.c - the value DDIs: ZwSetValueKey, ZwQueryValueKey, ZwEnumerateValueKey,
 * ZwDeleteValueKey.
 *
 * Buffer contract (as documented for ZwQueryValueKey): *ResultLength always gets
 * the size of the complete information; STATUS_BUFFER_TOO_SMALL when Length cannot
 * hold the fixed part (nothing written); STATUS_BUFFER_OVERFLOW when it holds the
 * fixed part but not everything (fixed part and as much of the name as fits are
 * written; the data only when it fits completely).
 * KeyValueFullInformation places the data at a ULONG-aligned DataOffset,
 * KeyValueFullInformationAlign64 at an 8-byte-aligned one.
 */
#include "cm/cmp.h"

#define CMP_MAX_VALUE_NAME_CHARS 16383

static BOOLEAN CmpValidName(PCUNICODE_STRING Name)
{
    if (Name == NULL)
        return FALSE;
    if ((Name->Length & 1) || (Name->Length != 0 && Name->Buffer == NULL))
        return FALSE;
    return Name->Length / sizeof(WCHAR) <= CMP_MAX_VALUE_NAME_CHARS;
}

static NTSTATUS CmpValueInformation(CM_VALUE *Value, KEY_VALUE_INFORMATION_CLASS Class, PVOID Buffer, ULONG Length,
                                    PULONG ResultLength)
{
    UCHAR *Out = Buffer;
    ULONG Fixed, Total, DataOffset = 0, Room;
    BOOLEAN Name = FALSE;

    switch (Class) {
    case KeyValueBasicInformation: {
        KEY_VALUE_BASIC_INFORMATION Info;
        Fixed = FIELD_OFFSET(KEY_VALUE_BASIC_INFORMATION, Name);
        Total = Fixed + Value->NameLength;
        if ((*ResultLength = Total, Length < Fixed))
            return STATUS_BUFFER_TOO_SMALL;
        memset(&Info, 0, sizeof(Info));
        Info.Type = Value->Type;
        Info.NameLength = Value->NameLength;
        memcpy(Out, &Info, Fixed);
        Name = TRUE;
        break;
    }
    case KeyValueFullInformation:
    case KeyValueFullInformationAlign64: {
        KEY_VALUE_FULL_INFORMATION Info;
        ULONG Align = Class == KeyValueFullInformation ? sizeof(ULONG) : 8;
        Fixed = FIELD_OFFSET(KEY_VALUE_FULL_INFORMATION, Name);
        DataOffset = (Fixed + Value->NameLength + Align - 1) & ~(Align - 1);
        Total = DataOffset + Value->DataLength;
        if ((*ResultLength = Total, Length < Fixed))
            return STATUS_BUFFER_TOO_SMALL;
        memset(&Info, 0, sizeof(Info));
        Info.Type = Value->Type;
        Info.DataOffset = DataOffset;
        Info.DataLength = Value->DataLength;
        Info.NameLength = Value->NameLength;
        memcpy(Out, &Info, Fixed);
        Name = TRUE;
        break;
    }
    case KeyValuePartialInformation: {
        KEY_VALUE_PARTIAL_INFORMATION Info;
        Fixed = FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION, Data);
        DataOffset = Fixed;
        Total = Fixed + Value->DataLength;
        if ((*ResultLength = Total, Length < Fixed))
            return STATUS_BUFFER_TOO_SMALL;
        memset(&Info, 0, sizeof(Info));
        Info.Type = Value->Type;
        Info.DataLength = Value->DataLength;
        memcpy(Out, &Info, Fixed);
        break;
    }
    case KeyValuePartialInformationAlign64: {
        KEY_VALUE_PARTIAL_INFORMATION_ALIGN64 Info;
        Fixed = FIELD_OFFSET(KEY_VALUE_PARTIAL_INFORMATION_ALIGN64, Data);
        DataOffset = Fixed;
        Total = Fixed + Value->DataLength;
        if ((*ResultLength = Total, Length < Fixed))
            return STATUS_BUFFER_TOO_SMALL;
        memset(&Info, 0, sizeof(Info));
        Info.Type = Value->Type;
        Info.DataLength = Value->DataLength;
        memcpy(Out, &Info, Fixed);
        break;
    }
    default:
        return STATUS_INVALID_PARAMETER;
    }
    if (Name) {
        Room = Length - Fixed;
        memcpy(Out + Fixed, Value->Name, Room < Value->NameLength ? (Room & ~1u) : Value->NameLength);
    }
    if (Length < Total)
        return STATUS_BUFFER_OVERFLOW;
    if (DataOffset && Value->DataLength) {
        if (DataOffset > Fixed + (Name ? Value->NameLength : 0))
            memset(Out + Fixed + Value->NameLength, 0, DataOffset - Fixed - Value->NameLength);
        memcpy(Out + DataOffset, Value->Data, Value->DataLength);
    }
    return STATUS_SUCCESS;
}

NTSTATUS NTAPI ZwQueryValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName,
                               KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass, PVOID KeyValueInformation,
                               ULONG Length, PULONG ResultLength)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    CM_VALUE *Value;
    NTSTATUS Status;

    CmpCheckIrql("ZwQueryValueKey", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "ZwQueryValueKey", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (!CmpValidName(ValueName) || ResultLength == NULL || (KeyValueInformation == NULL && Length != 0))
        return STATUS_INVALID_PARAMETER;
    if ((ULONG)KeyValueInformationClass >= (ULONG)KeyValueLayerInformation)
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Value = CmpFindValue(Key, ValueName->Buffer, ValueName->Length);
    if (Value == NULL)
        Status = STATUS_OBJECT_NAME_NOT_FOUND;
    else
        Status = CmpValueInformation(Value, KeyValueInformationClass, KeyValueInformation, Length, ResultLength);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwEnumerateValueKey(HANDLE KeyHandle, ULONG Index, KEY_VALUE_INFORMATION_CLASS KeyValueInformationClass,
                                   PVOID KeyValueInformation, ULONG Length, PULONG ResultLength)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwEnumerateValueKey", Site);
    if (ResultLength == NULL || (KeyValueInformation == NULL && Length != 0))
        return STATUS_INVALID_PARAMETER;
    if ((ULONG)KeyValueInformationClass >= (ULONG)KeyValueLayerInformation)
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    if (Index >= Key->ValueCount)
        Status = STATUS_NO_MORE_ENTRIES;
    else
        Status = CmpValueInformation(Key->Values[Index], KeyValueInformationClass, KeyValueInformation, Length,
                                     ResultLength);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwSetValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName, ULONG TitleIndex, ULONG Type, PVOID Data,
                             ULONG DataSize)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwSetValueKey", Site);
    if (ViFaultShouldFail(NtsimFaultRegistry, "ZwSetValueKey", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    UNREFERENCED_PARAMETER(TitleIndex);
    if (!CmpValidName(ValueName) || (Data == NULL && DataSize != 0))
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpSetValue(Key, ValueName->Buffer, ValueName->Length, Type, Data, DataSize);
    CmpReleaseKey(Key);
    return Status;
}

NTSTATUS NTAPI ZwDeleteValueKey(HANDLE KeyHandle, PUNICODE_STRING ValueName)
{
    NTSIM_SITE Site = KiTakeSite();
    CM_KEY *Key;
    NTSTATUS Status;

    CmpCheckIrql("ZwDeleteValueKey", Site);
    if (!CmpValidName(ValueName))
        return STATUS_INVALID_PARAMETER;
    Status = CmpReferenceKeyByHandle(KeyHandle, FALSE, &Key);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = CmpDeleteValue(Key, ValueName->Buffer, ValueName->Length);
    CmpReleaseKey(Key);
    return Status;
}
