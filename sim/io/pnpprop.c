/* pnpprop.c - what the PnP manager knows about a device, for its drivers:
 * IoGetDeviceProperty (from the device node and its Enum key) and
 * IoOpenDeviceRegistryKey (the device's "Device Parameters" key under Enum, and its
 * driver key under Control\Class\{class guid}\NNNN, named by the Enum key's Driver
 * value). */
#include "io/pnpp.h"
#include "cm/cmp.h"

#define IOP_SYSTEM_CLASS "{4d36e97d-e325-11ce-bfc1-08002be10318}"

static IOP_DEVNODE *IopPropertyNode(PDEVICE_OBJECT Device)
{
    if (Device == NULL || ObpGetObjectType(Device) != &IopDeviceType)
        return NULL;
    return IopDeviceNode(Device);
}

static NTSTATUS IopReturn(const void *Data, ULONG Size, ULONG BufferLength, PVOID Buffer, PULONG ResultLength)
{
    *ResultLength = Size;
    if (BufferLength < Size)
        return STATUS_BUFFER_TOO_SMALL;
    memcpy(Buffer, Data, Size);
    return STATUS_SUCCESS;
}

/* UTF-8 (multi-)string as the WCHAR data a registry property returns. */
static NTSTATUS IopReturnString(const char *Utf8, BOOLEAN MultiSz, ULONG BufferLength, PVOID Buffer,
                                PULONG ResultLength)
{
    if (Utf8 == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    size_t Bytes = 0;
    if (MultiSz)
        for (const char *P = Utf8; *P; P += strlen(P) + 1)
            Bytes += strlen(P) + 1;
    else
        Bytes = strlen(Utf8) + 1;
    WCHAR *Wide = KiHostAlloc((Bytes + 1) * sizeof(WCHAR));
    size_t Units = 0;
    for (const char *P = Utf8; *P || !MultiSz; P += strlen(P) + 1) {
        Units += RtlpUtf8ToUtf16(P, strlen(P), Wide + Units, Bytes + 1 - Units);
        Wide[Units++] = 0;
        if (!MultiSz)
            break;
    }
    if (MultiSz)
        Wide[Units++] = 0;
    NTSTATUS Status = IopReturn(Wide, (ULONG)(Units * sizeof(WCHAR)), BufferLength, Buffer, ResultLength);
    free(Wide);
    return Status;
}

static char *IopEnumValue(IOP_DEVNODE *Node, const char *Name)
{
    char *Key = KiHostPrintf(IOP_ENUM_PATH "\\%s", Node->InstancePath);
    char *Value = IopPnpReadMultiSz(Key, Name);
    free(Key);
    return Value;
}

static NTSTATUS IopEnumString(IOP_DEVNODE *Node, const char *Name, ULONG BufferLength, PVOID Buffer,
                              PULONG ResultLength)
{
    char *Value = IopEnumValue(Node, Name);
    NTSTATUS Status = IopReturnString(Value, FALSE, BufferLength, Buffer, ResultLength);
    free(Value);
    return Status;
}

static NTSTATUS IopReturnUlong(ULONG Value, ULONG BufferLength, PVOID Buffer, PULONG ResultLength)
{
    return IopReturn(&Value, sizeof(Value), BufferLength, Buffer, ResultLength);
}

/* CM_REMOVAL_POLICY_*: 1 expect no removal, 2 orderly, 3 surprise. */
static ULONG IopRemovalPolicy(const IOP_DEVNODE *Node)
{
    if (Node->Capabilities.SurpriseRemovalOK || Node->Capabilities.Removable)
        return 3;
    return Node->Capabilities.EjectSupported ? 2 : 1;
}

NTSTATUS IoGetDeviceProperty(PDEVICE_OBJECT DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty, ULONG BufferLength,
                             PVOID PropertyBuffer, PULONG ResultLength)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoGetDeviceProperty", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    IOP_DEVNODE *Node = IopPropertyNode(DeviceObject);
    if (ResultLength == NULL || (BufferLength && PropertyBuffer == NULL))
        return STATUS_INVALID_PARAMETER;
    *ResultLength = 0;
    if (Node == NULL)
        return STATUS_INVALID_DEVICE_REQUEST; /* not a PDO */
    char Name[256];
    switch (DeviceProperty) {
    case DevicePropertyDeviceDescription:
        return IopReturnString(Node->Description, FALSE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyHardwareID:
        return IopReturnString(Node->HardwareIds, TRUE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyCompatibleIDs:
        return IopReturnString(Node->CompatibleIds, TRUE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyLocationInformation:
        return IopReturnString(Node->Location, FALSE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyPhysicalDeviceObjectName:
        ObpGetObjectName(DeviceObject, Name, sizeof(Name));
        return IopReturnString(Name, FALSE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyEnumeratorName:
        snprintf(Name, sizeof(Name), "%.*s", (int)strcspn(Node->InstancePath, "\\"), Node->InstancePath);
        return IopReturnString(Name, FALSE, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyClassGuid:
        return IopEnumString(Node, "ClassGUID", BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyClassName:
        return IopEnumString(Node, "Class", BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyDriverKeyName:
        return IopEnumString(Node, "Driver", BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyManufacturer:
        return IopEnumString(Node, "Mfg", BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyFriendlyName:
        return IopEnumString(Node, "FriendlyName", BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyBusTypeGuid:
        if (!Node->HasBusInformation)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturn(&Node->BusInformation.BusTypeGuid, sizeof(GUID), BufferLength, PropertyBuffer,
                         ResultLength);
    case DevicePropertyLegacyBusType:
        if (!Node->HasBusInformation)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturnUlong((ULONG)Node->BusInformation.LegacyBusType, BufferLength, PropertyBuffer,
                              ResultLength);
    case DevicePropertyBusNumber:
        if (!Node->HasBusInformation)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturnUlong(Node->BusInformation.BusNumber, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyAddress:
        if (Node->Capabilities.Address == 0xFFFFFFFF)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturnUlong(Node->Capabilities.Address, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyUINumber:
        if (Node->Capabilities.UINumber == 0xFFFFFFFF)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturnUlong(Node->Capabilities.UINumber, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyInstallState:
        return IopReturnUlong(Node->Service[0] ? InstallStateInstalled : InstallStateFailedInstall, BufferLength,
                              PropertyBuffer, ResultLength);
    case DevicePropertyRemovalPolicy:
        return IopReturnUlong(IopRemovalPolicy(Node), BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyAllocatedResources:
    case DevicePropertyBootConfiguration:
        if (Node->Raw == NULL)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturn(Node->Raw, Node->ResourceSize, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyBootConfigurationTranslated:
        if (Node->Translated == NULL)
            return STATUS_OBJECT_NAME_NOT_FOUND;
        return IopReturn(Node->Translated, Node->ResourceSize, BufferLength, PropertyBuffer, ResultLength);
    case DevicePropertyResourceRequirements:
    case DevicePropertyContainerID:
        return STATUS_OBJECT_NAME_NOT_FOUND;
    default:
        return STATUS_INVALID_PARAMETER_2;
    }
}

/* The driver key's path, assigning "<class>\NNNN" in the Enum key on first use. */
char *IopPnpDriverKeyPath(IOP_DEVNODE *Node)
{
    char *Driver = IopEnumValue(Node, "Driver");
    if (Driver == NULL || *Driver == 0) {
        free(Driver);
        char *Class = IopEnumValue(Node, "ClassGUID");
        Driver = KiHostPrintf("%s\\%04u", Class && *Class ? Class : IOP_SYSTEM_CLASS, Node->Order);
        free(Class);
        char *Key = KiHostPrintf(IOP_ENUM_PATH "\\%s", Node->InstancePath);
        CmpSetStringValueUtf8(Key, "Driver", REG_SZ, Driver);
        free(Key);
    }
    char *Path = KiHostPrintf(IOP_CLASS_PATH "\\%s", Driver);
    free(Driver);
    return Path;
}

NTSTATUS IoOpenDeviceRegistryKey(PDEVICE_OBJECT DeviceObject, ULONG DevInstKeyType, ACCESS_MASK DesiredAccess,
                                 PHANDLE DeviceRegKey)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoOpenDeviceRegistryKey", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    if (DeviceRegKey == NULL)
        return STATUS_INVALID_PARAMETER;
    *DeviceRegKey = NULL;
    IOP_DEVNODE *Node = IopPropertyNode(DeviceObject);
    if (Node == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;
    ULONG Kind = DevInstKeyType & (PLUGPLAY_REGKEY_DEVICE | PLUGPLAY_REGKEY_DRIVER);
    if (Kind != PLUGPLAY_REGKEY_DEVICE && Kind != PLUGPLAY_REGKEY_DRIVER)
        return STATUS_INVALID_PARAMETER;
    char *Path = Kind == PLUGPLAY_REGKEY_DEVICE
                     ? KiHostPrintf(IOP_ENUM_PATH "\\%s\\Device Parameters", Node->InstancePath)
                     : IopPnpDriverKeyPath(Node);
    CmpCreateKeyPath(Path, NULL); /* the class key and its parents may not exist yet */
    WCHAR Wide[512];
    size_t Units = RtlpUtf8ToUtf16(Path, strlen(Path), Wide, RTL_NUMBER_OF(Wide) - 1);
    free(Path);
    UNICODE_STRING KeyName = { (USHORT)(Units * 2), (USHORT)(Units * 2 + 2), Wide };
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &KeyName, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    NtsimSetSite(Site.File, Site.Line); /* the handle is the driver's, created at its line */
    return ZwCreateKey(DeviceRegKey, DesiredAccess, &Attributes, 0, NULL, 0, NULL);
}
