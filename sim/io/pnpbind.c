/* pnpbind.c - which drivers serve a device, decided by the registry as on Windows:
 *
 *   HKLM\System\CurrentControlSet\Enum\<enumerator>\<device id>\<instance>
 *       HardwareID, CompatibleIDs (REG_MULTI_SZ), DeviceDesc, LocationInformation
 *       Service       REG_SZ        the function driver
 *       LowerFilters  REG_MULTI_SZ  below the function driver, bottom first
 *       UpperFilters  REG_MULTI_SZ  above it
 *       ClassGUID     REG_SZ        -> Control\Class\{guid}\LowerFilters / UpperFilters
 *
 * The PnP manager writes the IDs it queried and reads the rest. The host plays the
 * installer: ntsim_pnp_bind() records "hardware (or compatible) ID -> driver image"
 * in an install database, and when a device with a matching ID has no Service yet
 * its Enum key gets one (or the filter is appended), as installing an INF does. A
 * key the user wrote (a .reg import) is left as it is: the registry wins. */
#include "io/pnpp.h"
#include "cm/cmp.h"

typedef struct _IOP_BINDING {
    char *HardwareId;
    char Service[128];
    char *Image;
    IOP_BIND_ROLE Role;
    char ClassGuid[40];           /* from the INF's [Version], "" = none */
    IOP_BIND_REG *Regs;           /* the INF's AddReg values */
    ULONG RegCount;
} IOP_BINDING;

static IOP_BINDING *IopBindings;
static ULONG IopBindingCount;

int IopPnpBind(const char *HardwareId, const char *Service, const char *ImagePath, IOP_BIND_ROLE Role)
{
    for (ULONG i = 0; i < IopBindingCount; i++) {
        IOP_BINDING *B = &IopBindings[i];
        if (!strcasecmp(B->HardwareId, HardwareId) && !strcasecmp(B->Service, Service) && B->Role == Role) {
            free(B->Image);
            B->Image = ImagePath ? KiHostStrdup(ImagePath) : NULL;
            return 0;
        }
    }
    IopBindings = KiHostRealloc(IopBindings, (IopBindingCount + 1) * sizeof(*IopBindings));
    IOP_BINDING *B = &IopBindings[IopBindingCount++];
    memset(B, 0, sizeof(*B));
    B->HardwareId = KiHostStrdup(HardwareId);
    snprintf(B->Service, sizeof(B->Service), "%s", Service);
    B->Image = ImagePath ? KiHostStrdup(ImagePath) : NULL;
    B->Role = Role;
    return 0;
}

const char *IopPnpImageFor(const char *Service)
{
    for (ULONG i = 0; i < IopBindingCount; i++)
        if (!strcasecmp(IopBindings[i].Service, Service) && IopBindings[i].Image)
            return IopBindings[i].Image;
    return NULL;
}

static void IopFreeRegs(IOP_BINDING *B)
{
    for (ULONG r = 0; r < B->RegCount; r++) {
        free(B->Regs[r].Subkey);
        free(B->Regs[r].Name);
        free(B->Regs[r].Data);
    }
    free(B->Regs);
    B->Regs = NULL;
    B->RegCount = 0;
}

int IopPnpBindInstall(const char *HardwareId, const char *Service, const char *ClassGuid, const IOP_BIND_REG *Regs,
                      ULONG Count)
{
    for (ULONG i = 0; i < IopBindingCount; i++) {
        IOP_BINDING *B = &IopBindings[i];
        if (B->Role != IopBindFunction || strcasecmp(B->HardwareId, HardwareId) || strcasecmp(B->Service, Service))
            continue;
        snprintf(B->ClassGuid, sizeof(B->ClassGuid), "%s", ClassGuid ? ClassGuid : "");
        IopFreeRegs(B);
        B->Regs = KiHostAlloc((Count ? Count : 1) * sizeof(*B->Regs));
        for (ULONG r = 0; r < Count; r++) {
            B->Regs[r] = Regs[r];
            B->Regs[r].Subkey = KiHostStrdup(Regs[r].Subkey ? Regs[r].Subkey : "");
            B->Regs[r].Name = KiHostStrdup(Regs[r].Name ? Regs[r].Name : "");
            B->Regs[r].Data = KiHostAlloc(Regs[r].Size ? Regs[r].Size : 1);
            memcpy(B->Regs[r].Data, Regs[r].Data, Regs[r].Size);
        }
        B->RegCount = Count;
        return 0;
    }
    return -1; /* bind first */
}

void IopPnpResetBindings(void)
{
    for (ULONG i = 0; i < IopBindingCount; i++) {
        free(IopBindings[i].HardwareId);
        free(IopBindings[i].Image);
        IopFreeRegs(&IopBindings[i]);
    }
    free(IopBindings);
    IopBindings = NULL;
    IopBindingCount = 0;
}

/* ---- multi-strings between UTF-8 ("a\0b\0\0") and the registry's UTF-16 ---- */

static size_t IopMultiSzBytes(const char *MultiSz)
{
    const char *P = MultiSz;
    while (*P)
        P += strlen(P) + 1;
    return (size_t)(P - MultiSz) + 1;
}

static void IopSetMultiSz(const char *KeyPath, const char *Name, const char *MultiSz)
{
    size_t Bytes = IopMultiSzBytes(MultiSz);
    WCHAR *Wide = KiHostAlloc((Bytes + 1) * sizeof(WCHAR));
    size_t Units = 0;
    for (const char *P = MultiSz; *P; P += strlen(P) + 1) {
        Units += RtlpUtf8ToUtf16(P, strlen(P), Wide + Units, Bytes + 1 - Units);
        Wide[Units++] = 0;
    }
    Wide[Units++] = 0;
    CmpSetValueUtf8(KeyPath, Name, REG_MULTI_SZ, Wide, (ULONG)(Units * sizeof(WCHAR)));
    free(Wide);
}

static char *IopWideToUtf8(const WCHAR *Wide, size_t Units)
{
    UNICODE_STRING S = { (USHORT)(Units * 2), (USHORT)(Units * 2), (PWCH)Wide };
    return Units ? RtlpUnicodeToUtf8Dup(&S) : KiHostStrdup("");
}

char *IopPnpReadMultiSz(const char *KeyPath, const char *Name)
{
    ULONG Type = 0, Size = 0;
    NTSTATUS Status = CmpQueryValueUtf8(KeyPath, Name, &Type, NULL, &Size);
    if (Status != STATUS_BUFFER_OVERFLOW && !NT_SUCCESS(Status))
        return NULL;
    if (Type != REG_MULTI_SZ && Type != REG_SZ)
        return NULL;
    WCHAR *Wide = KiHostAlloc(Size + 2 * sizeof(WCHAR));
    memset(Wide, 0, Size + 2 * sizeof(WCHAR));
    CmpQueryValueUtf8(KeyPath, Name, &Type, Wide, &Size);
    size_t Units = Size / sizeof(WCHAR);
    char *Out = KiHostAlloc(Size * 2 + 4);
    size_t o = 0;
    for (size_t i = 0; i < Units && Wide[i];) {
        size_t n = 0;
        while (i + n < Units && Wide[i + n])
            n++;
        char *Part = IopWideToUtf8(Wide + i, n);
        size_t Length = strlen(Part);
        memcpy(Out + o, Part, Length + 1);
        o += Length + 1;
        free(Part);
        i += n + 1;
        if (Type == REG_SZ)
            break;
    }
    Out[o] = 0;
    free(Wide);
    return Out;
}

static BOOLEAN IopMultiSzHas(const char *MultiSz, const char *Item)
{
    for (const char *P = MultiSz; P && *P; P += strlen(P) + 1)
        if (!strcasecmp(P, Item))
            return TRUE;
    return FALSE;
}

/* Append Item to the multi-string value Name unless it is there already. */
static void IopAppendMultiSz(const char *KeyPath, const char *Name, const char *Item)
{
    char *Old = IopPnpReadMultiSz(KeyPath, Name);
    if (IopMultiSzHas(Old, Item)) {
        free(Old);
        return;
    }
    size_t OldBytes = Old ? IopMultiSzBytes(Old) - 1 : 0;
    char *New = KiHostAlloc(OldBytes + strlen(Item) + 2);
    if (OldBytes)
        memcpy(New, Old, OldBytes);
    strcpy(New + OldBytes, Item);
    New[OldBytes + strlen(Item) + 1] = 0;
    IopSetMultiSz(KeyPath, Name, New);
    free(New);
    free(Old);
}

static BOOLEAN IopNodeHasId(const IOP_DEVNODE *Node, const char *Id)
{
    return IopMultiSzHas(Node->HardwareIds, Id) || IopMultiSzHas(Node->CompatibleIds, Id);
}

static BOOLEAN IopHasValue(const char *KeyPath, const char *Name)
{
    ULONG Size = 0;
    NTSTATUS Status = CmpQueryValueUtf8(KeyPath, Name, NULL, NULL, &Size);
    return NT_SUCCESS(Status) || Status == STATUS_BUFFER_OVERFLOW;
}

/* The INF's AddReg values of the binding, under the device key (HKR of .HW) or the
 * driver key (HKR of the install section). */
static void IopApplyAddReg(IOP_DEVNODE *Node, const char *KeyPath, const IOP_BINDING *B)
{
    for (ULONG r = 0; r < B->RegCount; r++) {
        const IOP_BIND_REG *R = &B->Regs[r];
        /* Filters named in DDInstall.HW (kbfiltr-style INFs) are read from the instance
         * key itself; other device values go where IoOpenDeviceRegistryKey looks. */
        BOOLEAN Filters = !R->DriverKey && !R->Subkey[0] &&
                          (!strcasecmp(R->Name, "UpperFilters") || !strcasecmp(R->Name, "LowerFilters"));
        char *Base = R->DriverKey ? IopPnpDriverKeyPath(Node)
                     : Filters    ? KiHostStrdup(KeyPath)
                                  : KiHostPrintf("%s\\Device Parameters", KeyPath);
        char *Path = R->Subkey[0] ? KiHostPrintf("%s\\%s", Base, R->Subkey) : KiHostStrdup(Base);
        free(Base);
        CmpCreateKeyPath(Path, NULL);
        if (R->Type != REG_NONE || R->Size || R->Name[0]) {
            if (!(R->NoClobber && IopHasValue(Path, R->Name)))
                CmpSetValueUtf8(Path, R->Name, R->Type, R->Data, R->Size);
        }
        free(Path);
    }
}

/* A device installed with a function binding: its Service, the setup class, AddReg. */
static void IopInstallFunction(IOP_DEVNODE *Node, const char *KeyPath, const IOP_BINDING *Best)
{
    CmpSetStringValueUtf8(KeyPath, "Service", REG_SZ, Best->Service);
    if (Best->ClassGuid[0] && !IopHasValue(KeyPath, "ClassGUID"))
        CmpSetStringValueUtf8(KeyPath, "ClassGUID", REG_SZ, Best->ClassGuid);
    IopApplyAddReg(Node, KeyPath, Best);
}

/* The installer's part: a function driver whose ID matches (hardware IDs before
 * compatible IDs, each in the order the bus gave them), and matching filters. */
static void IopApplyBindings(IOP_DEVNODE *Node, const char *KeyPath)
{
    if (!IopHasValue(KeyPath, "Service")) {
        const IOP_BINDING *Best = NULL;
        for (int Pass = 0; Pass < 2 && Best == NULL; Pass++) {
            const char *Ids = Pass == 0 ? Node->HardwareIds : Node->CompatibleIds;
            for (const char *Id = Ids; Id && *Id && Best == NULL; Id += strlen(Id) + 1)
                for (ULONG i = 0; i < IopBindingCount && Best == NULL; i++)
                    if (IopBindings[i].Role == IopBindFunction && !strcasecmp(IopBindings[i].HardwareId, Id))
                        Best = &IopBindings[i];
        }
        if (Best)
            IopInstallFunction(Node, KeyPath, Best);
    }
    for (ULONG i = 0; i < IopBindingCount; i++) {
        const IOP_BINDING *B = &IopBindings[i];
        if (B->Role != IopBindFunction && IopNodeHasId(Node, B->HardwareId))
            IopAppendMultiSz(KeyPath, B->Role == IopBindUpperFilter ? "UpperFilters" : "LowerFilters", B->Service);
    }
}

/* Write what the bus reported, install, then read the Service back. */
void IopPnpInstallNode(IOP_DEVNODE *Node)
{
    char *KeyPath = KiHostPrintf(IOP_ENUM_PATH "\\%s", Node->InstancePath);
    if (Node->HardwareIds)
        IopSetMultiSz(KeyPath, "HardwareID", Node->HardwareIds);
    if (Node->CompatibleIds)
        IopSetMultiSz(KeyPath, "CompatibleIDs", Node->CompatibleIds);
    else
        CmpCreateKeyPath(KeyPath, NULL);
    if (Node->Description)
        CmpSetStringValueUtf8(KeyPath, "DeviceDesc", REG_SZ, Node->Description);
    if (Node->Location)
        CmpSetStringValueUtf8(KeyPath, "LocationInformation", REG_SZ, Node->Location);
    IopApplyBindings(Node, KeyPath);
    char *Service = IopPnpReadMultiSz(KeyPath, "Service");
    snprintf(Node->Service, sizeof(Node->Service), "%s", Service ? Service : "");
    free(Service);
    free(KeyPath);
}
