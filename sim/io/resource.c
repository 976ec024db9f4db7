/* resource.c - claiming hardware resources: IoReportResourceUsage,
 * IoReportResourceForDetection, IoAssignResources, IoGetConfigurationInformation,
 * and the checks the HAL makes against the claims (rules HW-01, HW-02, HW-03, HW-05,
 * FL-02, DE-07).
 *
 * A claim belongs to an owner: the driver (DriverList) or one of its devices
 * (DeviceList). A new list for an owner replaces its previous claim; an empty list
 * (NULL or Count 0) releases it. Each claim is written to the registry as NT does:
 *
 *   \Registry\Machine\HARDWARE\RESOURCEMAP\<DriverClassName or OtherDrivers>\<service>
 *       "<owner>.Raw"        REG_RESOURCE_LIST  the CM_RESOURCE_LIST as given (bus-relative)
 *       "<owner>.Translated" REG_RESOURCE_LIST  the same after HAL translation (ports
 *                                               unchanged; interrupts: Level = DIRQL,
 *                                               Vector = 0x30 + IRQ, Affinity = 1)
 *   where <owner> is "\Driver\<service>" or the device's name ("\Device\Serial0").
 *
 * A conflict with another owner's claim (overlapping port or memory ranges, the same
 * interrupt line or DMA channel, unless both sides are CmResourceShareShared; within
 * one driver only CmResourceShareDeviceExclusive conflicts) is refused: nothing is
 * written, *ConflictDetected = TRUE, the conflict is logged to the system error log
 * for the claiming driver (IO_ERR_*_CONFLICT_DETECTED) and the call returns
 * STATUS_CONFLICTING_ADDRESSES (so drivers that test either the flag or the status
 * notice). OverrideConflict = TRUE writes the claim anyway (reported as HW-03).
 * Claims are tracked resources of the driver: still held after a failed DriverEntry
 * is FL-02, after Unload IO-04; the audit releases them. */
#include "io/iop.h"
#include "hal/halp.h"
#include "cm/cmp.h"

#define IOP_RESOURCEMAP "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP"

typedef struct _IOP_RANGE {
    UCHAR Type;
    UCHAR Share;
    USHORT Flags;
    ULONGLONG Start;   /* port/memory start, interrupt line, DMA channel */
    ULONGLONG Length;
} IOP_RANGE;

typedef struct _IOP_CLAIM {
    LIST_ENTRY Link;
    NTSIM_TRACK Track;
    PDRIVER_OBJECT Driver;
    PDEVICE_OBJECT Device;      /* NULL: the driver-level claim */
    char *ClassName;
    char *KeyPath;
    char *ValueName;            /* "<owner>" without .Raw/.Translated */
    ULONG RangeCount;
    IOP_RANGE *Ranges;
} IOP_CLAIM;

static LIST_ENTRY IopClaims;
static BOOLEAN IopClaimsReady;
static CONFIGURATION_INFORMATION IopConfiguration;

/* HW-01 dedupe: (driver, port) pairs already reported */
#define IOP_REPORTED_MAX 256
static struct { PDRIVER_OBJECT Driver; ULONG Port; } IopReported[IOP_REPORTED_MAX];
static ULONG IopReportedCount;

/* one-entry cache of the last port range found claimed */
static struct { PDRIVER_OBJECT Driver; ULONG Generation; ULONGLONG Lo, Hi; } IopPortCache;

void IopLogSystemError(PDRIVER_OBJECT Driver, NTSTATUS ErrorCode, ULONG UniqueValue, NTSTATUS FinalStatus);
BOOLEAN IopPnpExplainEarlyAccess(PDRIVER_OBJECT Driver, ULONG Port, NTSIM_SITE Site);

static void IopInitClaims(void)
{
    if (!IopClaimsReady) {
        InitializeListHead(&IopClaims);
        IopClaimsReady = TRUE;
    }
}

void IopResetResources(void)
{
    IopClaimsReady = FALSE;
    IopInitClaims();
    HalpClaimGeneration++;
    IopReportedCount = 0;
    memset(&IopPortCache, 0, sizeof(IopPortCache));
    memset(&IopConfiguration, 0, sizeof(IopConfiguration));
}

PCONFIGURATION_INFORMATION IoGetConfigurationInformation(VOID)
{
    KiTakeSite();
    return &IopConfiguration;
}

/* ---- parsing CM_RESOURCE_LIST ---- */

static const char *IopTypeName(UCHAR Type)
{
    switch (Type) {
    case CmResourceTypePort: return "ports";
    case CmResourceTypeInterrupt: return "interrupt";
    case CmResourceTypeMemory: return "memory";
    case CmResourceTypeDma: return "DMA channel";
    default: return "resource";
    }
}

static void IopFormatRange(const IOP_RANGE *R, char *Buffer, size_t Size)
{
    switch (R->Type) {
    case CmResourceTypePort:
    case CmResourceTypeMemory:
        snprintf(Buffer, Size, "%s 0x%llX-0x%llX", IopTypeName(R->Type), (unsigned long long)R->Start,
                 (unsigned long long)(R->Start + (R->Length ? R->Length - 1 : 0)));
        break;
    case CmResourceTypeInterrupt:
        snprintf(Buffer, Size, "interrupt %llu", (unsigned long long)R->Start);
        break;
    case CmResourceTypeDma:
        snprintf(Buffer, Size, "DMA channel %llu", (unsigned long long)R->Start);
        break;
    default:
        snprintf(Buffer, Size, "resource type %u", R->Type);
        break;
    }
}

/* Size in bytes of a well-formed list, or 0 if List is malformed for Size bytes.
 * *Ranges (KiHostAlloc'd) gets the arbitrated descriptors. */
static ULONG IopParseList(const CM_RESOURCE_LIST *List, ULONG Size, IOP_RANGE **Ranges, ULONG *RangeCount)
{
    *Ranges = NULL;
    *RangeCount = 0;
    if (List == NULL || Size < sizeof(ULONG))
        return 0;
    const UCHAR *Base = (const UCHAR *)List, *End = Base + Size;
    const UCHAR *P = Base + sizeof(ULONG);
    ULONG Capacity = 0;
    for (ULONG f = 0; f < List->Count; f++) {
        size_t Head = FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors);
        if ((size_t)(End - P) < Head)
            goto Bad;
        const CM_FULL_RESOURCE_DESCRIPTOR *Full = (const CM_FULL_RESOURCE_DESCRIPTOR *)P;
        ULONG Count = Full->PartialResourceList.Count;
        P += Head;
        for (ULONG i = 0; i < Count; i++) {
            if ((size_t)(End - P) < sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR))
                goto Bad;
            const CM_PARTIAL_RESOURCE_DESCRIPTOR *D = (const CM_PARTIAL_RESOURCE_DESCRIPTOR *)P;
            P += sizeof(*D);
            if (D->Type == CmResourceTypeDeviceSpecific) {
                if ((size_t)(End - P) < D->u.DeviceSpecificData.DataSize)
                    goto Bad;
                P += D->u.DeviceSpecificData.DataSize;
                continue;
            }
            IOP_RANGE R = { D->Type, D->ShareDisposition, D->Flags, 0, 0 };
            switch (D->Type) {
            case CmResourceTypePort:
            case CmResourceTypeMemory:
                R.Start = (ULONGLONG)D->u.Port.Start.QuadPart;
                R.Length = D->u.Port.Length;
                break;
            case CmResourceTypeInterrupt:
                R.Start = D->u.Interrupt.Level;
                R.Length = 1;
                break;
            case CmResourceTypeDma:
                R.Start = D->u.Dma.Channel;
                R.Length = 1;
                break;
            default:
                continue; /* not arbitrated */
            }
            if (*RangeCount == Capacity) {
                Capacity = Capacity ? Capacity * 2 : 8;
                *Ranges = KiHostRealloc(*Ranges, Capacity * sizeof(IOP_RANGE));
            }
            (*Ranges)[(*RangeCount)++] = R;
        }
    }
    return (ULONG)(P - Base);
Bad:
    free(*Ranges);
    *Ranges = NULL;
    *RangeCount = 0;
    return 0;
}

static BOOLEAN IopRangesConflict(const IOP_RANGE *A, const IOP_RANGE *B, BOOLEAN SameDriver)
{
    if (A->Type != B->Type)
        return FALSE;
    if (A->Length == 0 || B->Length == 0)
        return FALSE;
    if (A->Start + A->Length <= B->Start || B->Start + B->Length <= A->Start)
        return FALSE;
    if (A->Share == CmResourceShareShared && B->Share == CmResourceShareShared)
        return FALSE;
    if (SameDriver && A->Share != CmResourceShareDeviceExclusive && B->Share != CmResourceShareDeviceExclusive &&
        A->Share != CmResourceShareUndetermined && B->Share != CmResourceShareUndetermined)
        return FALSE;
    return TRUE;
}

/* The first claim of another owner that R conflicts with. */
static IOP_CLAIM *IopFindConflict(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device, const IOP_RANGE *R,
                                  const IOP_RANGE **With)
{
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver == Driver && C->Device == Device)
            continue; /* the owner's own claim, about to be replaced */
        for (ULONG i = 0; i < C->RangeCount; i++)
            if (IopRangesConflict(R, &C->Ranges[i], C->Driver == Driver)) {
                *With = &C->Ranges[i];
                return C;
            }
    }
    return NULL;
}

static IOP_CLAIM *IopFindClaim(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device)
{
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver == Driver && C->Device == Device)
            return C;
    }
    return NULL;
}

static const char *IopOwnerName(IOP_CLAIM *C, char *Buffer, size_t Size)
{
    const char *Service = C->Driver ? VfDriverName(C->Driver) : "?";
    if (C->Device)
        snprintf(Buffer, Size, "%s (%s)", Service, C->ValueName);
    else
        snprintf(Buffer, Size, "%s", Service);
    return Buffer;
}

/* `!arbiter` (sim/io/inspect.c): every claim in the resource map, by owner. */
void IopDumpClaims(FILE *Out)
{
    if (!IopClaimsReady || IsListEmpty(&IopClaims)) {
        fprintf(Out, "resource map: no claims\n");
        return;
    }
    fprintf(Out, "resource map (%s):\n", IOP_RESOURCEMAP);
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        char Owner[192];
        fprintf(Out, "  %s  class %s%s\n", IopOwnerName(C, Owner, sizeof(Owner)), C->ClassName ? C->ClassName : "-",
                C->Device ? "  (device claim)" : "");
        for (ULONG i = 0; i < C->RangeCount; i++) {
            char Range[96];
            IopFormatRange(&C->Ranges[i], Range, sizeof(Range));
            fprintf(Out, "    %-36s %s\n", Range,
                    C->Ranges[i].Share == CmResourceShareShared ? "shared"
                    : C->Ranges[i].Share == CmResourceShareDriverExclusive ? "driver-exclusive"
                                                                         : "device-exclusive");
        }
    }
}

/* ---- the registry side ---- */

static void *IopTranslateList(const CM_RESOURCE_LIST *List, ULONG Size)
{
    UCHAR *Copy = KiHostAlloc(Size);
    memcpy(Copy, List, Size);
    UCHAR *P = Copy + sizeof(ULONG);
    for (ULONG f = 0; f < ((CM_RESOURCE_LIST *)Copy)->Count; f++) {
        CM_FULL_RESOURCE_DESCRIPTOR *Full = (CM_FULL_RESOURCE_DESCRIPTOR *)P;
        P += FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors);
        for (ULONG i = 0; i < Full->PartialResourceList.Count; i++) {
            CM_PARTIAL_RESOURCE_DESCRIPTOR *D = (CM_PARTIAL_RESOURCE_DESCRIPTOR *)P;
            P += sizeof(*D);
            if (D->Type == CmResourceTypeDeviceSpecific)
                P += D->u.DeviceSpecificData.DataSize;
            else if (D->Type == CmResourceTypeInterrupt && D->u.Interrupt.Level < HALP_IRQ_LINES) {
                ULONG Line = D->u.Interrupt.Level;
                D->u.Interrupt.Level = HalpLineToIrql(Line);
                D->u.Interrupt.Vector = HalpLineToVector(Line);
                D->u.Interrupt.Affinity = 1;
            }
        }
    }
    return Copy;
}

static void IopWriteClaim(IOP_CLAIM *C, const CM_RESOURCE_LIST *List, ULONG Size)
{
    char Name[600];
    snprintf(Name, sizeof(Name), "%s.Raw", C->ValueName);
    CmpSetValueUtf8(C->KeyPath, Name, REG_RESOURCE_LIST, List, Size);
    void *Translated = IopTranslateList(List, Size);
    snprintf(Name, sizeof(Name), "%s.Translated", C->ValueName);
    CmpSetValueUtf8(C->KeyPath, Name, REG_RESOURCE_LIST, Translated, Size);
    free(Translated);
}

static void IopFreeClaim(IOP_CLAIM *C)
{
    char Name[600];
    snprintf(Name, sizeof(Name), "%s.Raw", C->ValueName);
    CmpDeleteValueUtf8(C->KeyPath, Name);
    snprintf(Name, sizeof(Name), "%s.Translated", C->ValueName);
    CmpDeleteValueUtf8(C->KeyPath, Name);
    RemoveEntryList(&C->Link);
    VfUntrack(&C->Track);
    /* drop the service key, then the class key, once nothing else is claimed there */
    BOOLEAN KeyUsed = FALSE, ClassUsed = FALSE;
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *O = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (strcasecmp(O->KeyPath, C->KeyPath) == 0)
            KeyUsed = TRUE;
        if (strcasecmp(O->ClassName, C->ClassName) == 0)
            ClassUsed = TRUE;
    }
    if (!KeyUsed)
        CmpDeleteTree(C->KeyPath);
    if (!ClassUsed) {
        char Class[400];
        snprintf(Class, sizeof(Class), IOP_RESOURCEMAP "\\%s", C->ClassName);
        CmpDeleteTree(Class);
    }
    HalpClaimGeneration++;
    free(C->ClassName);
    free(C->KeyPath);
    free(C->ValueName);
    free(C->Ranges);
    free(C);
}

void IopDescribeClaim(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IOP_CLAIM *C = CONTAINING_RECORD(Track, IOP_CLAIM, Track);
    char First[96] = "";
    if (C->RangeCount)
        IopFormatRange(&C->Ranges[0], First, sizeof(First));
    snprintf(Buffer, Size, "resource claim %s.Raw under %s (%s%s) still in the ResourceMap", C->ValueName,
             C->KeyPath + strlen("\\Registry\\Machine\\"), First, C->RangeCount > 1 ? ", ..." : "");
}

void IopReclaimClaim(NTSIM_TRACK *Track)
{
    IopFreeClaim(CONTAINING_RECORD(Track, IOP_CLAIM, Track));
}

/* ---- the claim DDIs ---- */

static NTSTATUS IopConflictStatus(PDRIVER_OBJECT Driver, const IOP_RANGE *R, PBOOLEAN ConflictDetected)
{
    NTSTATUS Code = IO_ERR_PORT_CONFLICT_DETECTED;
    if (R) {
        if (R->Type == CmResourceTypeInterrupt)
            Code = IO_ERR_IRQ_CONFLICT_DETECTED;
        else if (R->Type == CmResourceTypeMemory)
            Code = IO_ERR_MEMORY_CONFLICT_DETECTED;
        else if (R->Type == CmResourceTypeDma)
            Code = IO_ERR_DMA_CONFLICT_DETECTED;
    }
    IopLogSystemError(Driver, Code, R ? (ULONG)R->Start : 0, STATUS_CONFLICTING_ADDRESSES);
    if (ConflictDetected)
        *ConflictDetected = TRUE;
    return STATUS_CONFLICTING_ADDRESSES;
}

/* HW-02: claims hold bus-relative raw values. */
BOOLEAN HalpIsTruncatedMapping(ULONGLONG Address); /* sim/hal/mmio.c */
static void IopCheckRaw(PDRIVER_OBJECT Driver, const IOP_RANGE *R, const char *Ddi, NTSIM_SITE Site)
{
    char What[96];
    IopFormatRange(R, What, sizeof(What));
    ULONG Line;
    if (R->Type == CmResourceTypeInterrupt && R->Start >= 16 && HalpVectorToLine((ULONG)R->Start, &Line))
        VfReport("HW-02", NTSIM_SEV_ERROR, Driver, Site,
                 "%s claims %s: that is the translated vector HalGetInterruptVector returns for bus interrupt %u; "
                 "claim the raw bus interrupt (%u)",
                 Ddi, What, Line, Line);
    else if (R->Type == CmResourceTypePort && (R->Flags & CM_RESOURCE_PORT_IO) && R->Start > 0xFFFF)
        VfReport("HW-02", NTSIM_SEV_ERROR, Driver, Site,
                 "%s claims %s: not a bus-relative I/O port (a mapped address?); claim the raw port range", Ddi,
                 What);
    else if ((R->Type == CmResourceTypeMemory || R->Type == CmResourceTypePort) && R->Start >= (1ull << 44))
        VfReport("HW-02", NTSIM_SEV_ERROR, Driver, Site,
                 "%s claims %s: a mapped system address, not a bus-relative physical address", Ddi, What);
    else if ((R->Type == CmResourceTypeMemory || R->Type == CmResourceTypePort) && HalpIsTruncatedMapping(R->Start))
        VfReport("HW-02", NTSIM_SEV_ERROR, Driver, Site,
                 "%s claims %s: the low 32 bits of an address MmMapIoSpace returned (a mapped pointer stored in a "
                 "ULONG), not a bus-relative physical address", Ddi, What);
}

/* Claim (or release, when List is empty) for one owner. */
static NTSTATUS IopClaim(const char *Ddi, NTSIM_SITE Site, PCUNICODE_STRING ClassName, PDRIVER_OBJECT Driver,
                         PDEVICE_OBJECT Device, const CM_RESOURCE_LIST *List, ULONG ListSize, BOOLEAN Override,
                         PBOOLEAN ConflictDetected)
{
    IopInitClaims();
    IOP_RANGE *Ranges;
    ULONG Count;
    BOOLEAN Release = List == NULL || ListSize == 0 || List->Count == 0;
    ULONG Size = 0;
    if (!Release) {
        Size = IopParseList(List, ListSize, &Ranges, &Count);
        if (Size == 0)
            return STATUS_UNSUCCESSFUL; /* malformed list or ListSize too small */
    }
    IOP_CLAIM *Old = IopFindClaim(Driver, Device);
    if (Release) {
        if (Old)
            IopFreeClaim(Old);
        return STATUS_SUCCESS;
    }
    for (ULONG i = 0; i < Count; i++)
        IopCheckRaw(Driver, &Ranges[i], Ddi, Site);
    for (ULONG i = 0; i < Count; i++) {
        const IOP_RANGE *With;
        IOP_CLAIM *Other = IopFindConflict(Driver, Device, &Ranges[i], &With);
        if (Other == NULL)
            continue;
        char Mine[96], Theirs[96], OwnerName[300];
        IopFormatRange(&Ranges[i], Mine, sizeof(Mine));
        IopFormatRange(With, Theirs, sizeof(Theirs));
        IopOwnerName(Other, OwnerName, sizeof(OwnerName));
        if (Override) {
            VfReport("HW-03", NTSIM_SEV_WARNING, Driver, Site,
                     "%s with OverrideConflict: %s overlaps %s claimed by %s; written anyway, but the resources of a "
                     "loaded driver cannot be used",
                     Ddi, Mine, Theirs, OwnerName);
            if (ConflictDetected)
                *ConflictDetected = TRUE;
            break;
        }
        NtsimSetLastError("%s: %s of %s conflicts with %s claimed by %s", Ddi, Mine, VfDriverName(Driver),
                          Theirs, OwnerName);
        NTSTATUS Status = IopConflictStatus(Driver, &Ranges[i], ConflictDetected);
        free(Ranges);
        return Status;
    }
    /* replace the owner's previous claim */
    if (Old)
        IopFreeClaim(Old);
    IOP_CLAIM *C = KiHostAlloc(sizeof(*C));
    memset(C, 0, sizeof(*C));
    C->Driver = Driver;
    C->Device = Device;
    C->ClassName = ClassName && ClassName->Length ? RtlpUnicodeToUtf8Dup(ClassName) : KiHostStrdup("OtherDrivers");
    C->KeyPath = KiHostPrintf(IOP_RESOURCEMAP "\\%s\\%s", C->ClassName, VfDriverName(Driver));
    char Name[400] = "";
    if (Device)
        ObpGetObjectName(Device, Name, sizeof(Name));
    else
        snprintf(Name, sizeof(Name), "\\Driver\\%s", VfDriverName(Driver));
    if (Name[0] == 0)
        snprintf(Name, sizeof(Name), "\\Device\\(unnamed %s device)", VfDriverName(Driver));
    C->ValueName = KiHostStrdup(Name);
    C->Ranges = Ranges;
    C->RangeCount = Count;
    InsertTailList(&IopClaims, &C->Link);
    VfTrackFor(&C->Track, Driver, NtsimResResourceClaim, Site);
    IopWriteClaim(C, List, Size);
    HalpClaimGeneration++;
    return STATUS_SUCCESS;
}

static void IopCheckLegacyClaim(PDRIVER_OBJECT Driver, const char *Ddi, NTSIM_SITE Site)
{
    if (Driver->DriverExtension && Driver->DriverExtension->AddDevice)
        VfReport("DE-07", NTSIM_SEV_WARNING, Driver, Site,
                 "%s called by a PnP driver (AddDevice is set): a PnP driver gets its resources in "
                 "IRP_MN_START_DEVICE, it does not claim them from the registry",
                 Ddi);
}

NTSTATUS IoReportResourceUsage(PUNICODE_STRING DriverClassName, PDRIVER_OBJECT DriverObject,
                               PCM_RESOURCE_LIST DriverList, ULONG DriverListSize, PDEVICE_OBJECT DeviceObject,
                               PCM_RESOURCE_LIST DeviceList, ULONG DeviceListSize, BOOLEAN OverrideConflict,
                               PBOOLEAN ConflictDetected)
{
    NTSIM_SITE Site = KiTakeSite();
    CmpCheckIrql("IoReportResourceUsage", Site);
    if (ConflictDetected)
        *ConflictDetected = FALSE;
    if (DriverObject == NULL || ConflictDetected == NULL)
        return STATUS_INVALID_PARAMETER;
    BOOLEAN Claiming = (DriverList && DriverList->Count) || (DeviceList && DeviceList->Count);
    if (Claiming) /* releasing a claim (in Unload, say) is what DE-07 wants, not a claim */
        IopCheckLegacyClaim(DriverObject, "IoReportResourceUsage", Site);
    if (Claiming && ViFaultShouldFail(NtsimFaultResource, "IoReportResourceUsage", 0, Site)) {
        NtsimSetLastError("IoReportResourceUsage: a conflict was injected");
        return IopConflictStatus(DriverObject, NULL, ConflictDetected);
    }
    NTSTATUS Status = STATUS_SUCCESS;
    if (DriverList || DriverListSize)
        Status = IopClaim("IoReportResourceUsage", Site, DriverClassName, DriverObject, NULL, DriverList,
                          DriverListSize, OverrideConflict, ConflictDetected);
    if (NT_SUCCESS(Status) && DeviceObject && (DeviceList || DeviceListSize))
        Status = IopClaim("IoReportResourceUsage", Site, DriverClassName, DriverObject, DeviceObject, DeviceList,
                          DeviceListSize, OverrideConflict, ConflictDetected);
    return Status;
}

NTSTATUS IoReportResourceForDetection(PDRIVER_OBJECT DriverObject, PCM_RESOURCE_LIST DriverList,
                                      ULONG DriverListSize, PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST DeviceList,
                                      ULONG DeviceListSize, PBOOLEAN ConflictDetected)
{
    NTSIM_SITE Site = KiTakeSite();
    CmpCheckIrql("IoReportResourceForDetection", Site);
    if (ConflictDetected)
        *ConflictDetected = FALSE;
    if (DriverObject == NULL || ConflictDetected == NULL)
        return STATUS_INVALID_PARAMETER;
    BOOLEAN UseDevice = DeviceObject && DeviceList;
    const CM_RESOURCE_LIST *List = UseDevice ? DeviceList : DriverList;
    ULONG Size = UseDevice ? DeviceListSize : DriverListSize;
    if (List && List->Count && ViFaultShouldFail(NtsimFaultResource, "IoReportResourceForDetection", 0, Site)) {
        NtsimSetLastError("IoReportResourceForDetection: a conflict was injected");
        return IopConflictStatus(DriverObject, NULL, ConflictDetected);
    }
    return IopClaim("IoReportResourceForDetection", Site, NULL, DriverObject, UseDevice ? DeviceObject : NULL, List,
                    Size, FALSE, ConflictDetected);
}

/* ---- IoAssignResources: pick the first free choice of each requirement ---- */

static BOOLEAN IopTryCandidate(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device, IOP_RANGE *R, const IOP_RANGE *Chosen,
                               ULONG ChosenCount)
{
    const IOP_RANGE *With;
    if (IopFindConflict(Driver, Device, R, &With))
        return FALSE;
    for (ULONG i = 0; i < ChosenCount; i++)
        if (IopRangesConflict(R, &Chosen[i], FALSE))
            return FALSE;
    return TRUE;
}

static BOOLEAN IopPickRange(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device, const IO_RESOURCE_DESCRIPTOR *D,
                            const IOP_RANGE *Chosen, ULONG ChosenCount, CM_PARTIAL_RESOURCE_DESCRIPTOR *Out)
{
    IOP_RANGE R = { D->Type, D->ShareDisposition, D->Flags, 0, 0 };
    memset(Out, 0, sizeof(*Out));
    Out->Type = D->Type;
    Out->ShareDisposition = D->ShareDisposition;
    Out->Flags = D->Flags;
    switch (D->Type) {
    case CmResourceTypePort:
    case CmResourceTypeMemory: {
        ULONGLONG Min = (ULONGLONG)D->u.Port.MinimumAddress.QuadPart;
        ULONGLONG Max = (ULONGLONG)D->u.Port.MaximumAddress.QuadPart;
        ULONGLONG Align = D->u.Port.Alignment ? D->u.Port.Alignment : 1;
        R.Length = D->u.Port.Length;
        if (R.Length == 0)
            return FALSE;
        ULONGLONG Start = (Min + Align - 1) / Align * Align;
        for (unsigned Tries = 0; Tries < 65536 && Start + R.Length - 1 <= Max && Start >= Min; Tries++) {
            R.Start = Start;
            if (IopTryCandidate(Driver, Device, &R, Chosen, ChosenCount)) {
                Out->u.Port.Start.QuadPart = (LONGLONG)Start;
                Out->u.Port.Length = (ULONG)R.Length;
                return TRUE;
            }
            Start += Align;
        }
        return FALSE;
    }
    case CmResourceTypeInterrupt:
        R.Length = 1;
        for (ULONG V = D->u.Interrupt.MinimumVector; V <= D->u.Interrupt.MaximumVector && V < HALP_IRQ_LINES; V++) {
            R.Start = V;
            if (IopTryCandidate(Driver, Device, &R, Chosen, ChosenCount)) {
                Out->u.Interrupt.Level = V;
                Out->u.Interrupt.Vector = V;
                Out->u.Interrupt.Affinity = (KAFFINITY)-1;
                return TRUE;
            }
        }
        return FALSE;
    case CmResourceTypeDma:
        R.Length = 1;
        for (ULONG Ch = D->u.Dma.MinimumChannel; Ch <= D->u.Dma.MaximumChannel && Ch < 8; Ch++) {
            R.Start = Ch;
            if (IopTryCandidate(Driver, Device, &R, Chosen, ChosenCount)) {
                Out->u.Dma.Channel = Ch;
                return TRUE;
            }
        }
        return FALSE;
    default:
        return FALSE;
    }
}

NTSTATUS IoAssignResources(PUNICODE_STRING RegistryPath, PUNICODE_STRING DriverClassName, PDRIVER_OBJECT DriverObject,
                           PDEVICE_OBJECT DeviceObject, PIO_RESOURCE_REQUIREMENTS_LIST RequestedResources,
                           PCM_RESOURCE_LIST *AllocatedResources)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)RegistryPath;
    CmpCheckIrql("IoAssignResources", Site);
    IopInitClaims();
    if (AllocatedResources)
        *AllocatedResources = NULL;
    if (DriverObject == NULL || RequestedResources == NULL || AllocatedResources == NULL ||
        RequestedResources->AlternativeLists == 0)
        return STATUS_INVALID_PARAMETER;
    IopCheckLegacyClaim(DriverObject, "IoAssignResources", Site);
    if (ViFaultShouldFail(NtsimFaultResource, "IoAssignResources", 0, Site)) {
        NtsimSetLastError("IoAssignResources: a conflict was injected");
        return IopConflictStatus(DriverObject, NULL, NULL);
    }
    /* Try each alternative list in turn; within a list, each requirement is a
     * descriptor followed by its IO_RESOURCE_ALTERNATIVE choices. */
    const IO_RESOURCE_LIST *L = RequestedResources->List;
    for (ULONG a = 0; a < RequestedResources->AlternativeLists; a++) {
        ULONG Max = L->Count;
        CM_PARTIAL_RESOURCE_DESCRIPTOR *Picked = KiHostAlloc((Max ? Max : 1) * sizeof(*Picked));
        IOP_RANGE *Chosen = KiHostAlloc((Max ? Max : 1) * sizeof(*Chosen));
        ULONG PickedCount = 0;
        BOOLEAN Ok = TRUE;
        for (ULONG i = 0; i < L->Count && Ok;) {
            ULONG j = i + 1;
            while (j < L->Count && (L->Descriptors[j].Option & IO_RESOURCE_ALTERNATIVE))
                j++;
            BOOLEAN Found = FALSE;
            for (ULONG k = i; k < j && !Found; k++) {
                const IO_RESOURCE_DESCRIPTOR *D = &L->Descriptors[k];
                if (D->Type != CmResourceTypePort && D->Type != CmResourceTypeMemory &&
                    D->Type != CmResourceTypeInterrupt && D->Type != CmResourceTypeDma) {
                    Found = TRUE; /* not arbitrated: nothing to assign */
                    break;
                }
                if (IopPickRange(DriverObject, DeviceObject, D, Chosen, PickedCount, &Picked[PickedCount])) {
                    CM_PARTIAL_RESOURCE_DESCRIPTOR *P = &Picked[PickedCount];
                    Chosen[PickedCount] = (IOP_RANGE){ P->Type, P->ShareDisposition, P->Flags,
                                                       P->Type == CmResourceTypeInterrupt ? P->u.Interrupt.Level
                                                       : P->Type == CmResourceTypeDma ? P->u.Dma.Channel
                                                       : (ULONGLONG)P->u.Port.Start.QuadPart,
                                                       P->Type == CmResourceTypeInterrupt || P->Type == CmResourceTypeDma
                                                           ? 1 : P->u.Port.Length };
                    PickedCount++;
                    Found = TRUE;
                }
            }
            Ok = Found;
            i = j;
        }
        if (Ok) {
            ULONG Size = (ULONG)(FIELD_OFFSET(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors) +
                                 (PickedCount ? PickedCount : 1) * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
            PCM_RESOURCE_LIST Out = ExpAllocatePool(PagedPool, Size, 0x6F49706Fu /* "opIo" */, "IoAssignResources",
                                                    Site);
            if (Out == NULL) {
                free(Picked);
                free(Chosen);
                return STATUS_INSUFFICIENT_RESOURCES;
            }
            memset(Out, 0, Size);
            Out->Count = 1;
            Out->List[0].InterfaceType = RequestedResources->InterfaceType;
            Out->List[0].BusNumber = RequestedResources->BusNumber;
            Out->List[0].PartialResourceList.Version = 1;
            Out->List[0].PartialResourceList.Revision = 1;
            Out->List[0].PartialResourceList.Count = PickedCount;
            memcpy(Out->List[0].PartialResourceList.PartialDescriptors, Picked, PickedCount * sizeof(*Picked));
            free(Picked);
            free(Chosen);
            BOOLEAN Conflict = FALSE;
            NTSTATUS Status = IopClaim("IoAssignResources", Site, DriverClassName, DriverObject, DeviceObject, Out,
                                       Size, FALSE, &Conflict);
            if (!NT_SUCCESS(Status)) {
                ExpFreePool(Out, 0, "IoAssignResources", Site);
                return Status;
            }
            *AllocatedResources = Out;
            return STATUS_SUCCESS;
        }
        free(Picked);
        free(Chosen);
        L = (const IO_RESOURCE_LIST *)&L->Descriptors[L->Count];
    }
    NtsimSetLastError("IoAssignResources: no alternative of %s's requirements is free",
                      VfDriverName(DriverObject));
    return IopConflictStatus(DriverObject, NULL, NULL);
}

/* ---- checks for the HAL ---- */

static BOOLEAN IopPortClaimed(PDRIVER_OBJECT Driver, ULONGLONG Lo, ULONGLONG Hi)
{
    if (IopPortCache.Driver == Driver && IopPortCache.Generation == HalpClaimGeneration && Lo >= IopPortCache.Lo &&
        Hi <= IopPortCache.Hi)
        return TRUE;
    if (!IopClaimsReady)
        return FALSE;
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver != Driver)
            continue;
        for (ULONG i = 0; i < C->RangeCount; i++) {
            const IOP_RANGE *R = &C->Ranges[i];
            if (R->Type != CmResourceTypePort || Lo < R->Start || Hi > R->Start + R->Length)
                continue;
            IopPortCache.Driver = Driver;
            IopPortCache.Generation = HalpClaimGeneration;
            IopPortCache.Lo = R->Start;
            IopPortCache.Hi = R->Start + R->Length;
            return TRUE;
        }
    }
    return FALSE;
}

void IopCheckPortAccess(ULONG Port, ULONG Size, BOOLEAN Write, NTSIM_SITE Site)
{
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    if (Driver == NULL || IopPortClaimed(Driver, Port, (ULONGLONG)Port + Size))
        return;
    for (ULONG i = 0; i < IopReportedCount; i++)
        if (IopReported[i].Driver == Driver && IopReported[i].Port == Port)
            return;
    if (IopReportedCount < IOP_REPORTED_MAX) {
        IopReported[IopReportedCount].Driver = Driver;
        IopReported[IopReportedCount].Port = Port;
        IopReportedCount++;
    }
    if (IopPnpExplainEarlyAccess(Driver, Port, Site)) /* PN-05 (sim/io/pnpres.c) */
        return;
    char Range[128] = "an unmapped port";
    hw_range_info Info;
    hw_bus *Bus = HalpBus();
    if (Bus && hw_bus_lookup(Bus, HW_SPACE_IO, Port, &Info))
        snprintf(Range, sizeof(Range), "%s at ports 0x%llX-0x%llX", Info.name, (unsigned long long)Info.base,
                 (unsigned long long)(Info.base + Info.length - 1));
    VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
             "%s_PORT_%s at port 0x%X (%s), which %s has not claimed (IoReportResourceUsage/IoAssignResources "
             "before touching the device); the access was made",
             Write ? "WRITE" : "READ", Size == 1 ? "UCHAR" : Size == 2 ? "USHORT" : "ULONG", Port, Range,
             VfDriverName(Driver));
}

BOOLEAN IopDriverClaimsInterrupt(PDRIVER_OBJECT Driver, ULONG Line)
{
    if (!IopClaimsReady)
        return FALSE;
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver != Driver)
            continue;
        for (ULONG i = 0; i < C->RangeCount; i++)
            if (C->Ranges[i].Type == CmResourceTypeInterrupt && C->Ranges[i].Start == Line)
                return TRUE;
    }
    return FALSE;
}

/* ---- for the PCI side of the HAL (sim/hal/pci.c, mmio.c, dma.c) ---- */

BOOLEAN IopDriverClaimsMemory(PDRIVER_OBJECT Driver, ULONGLONG Lo, ULONGLONG Hi)
{
    if (!IopClaimsReady)
        return FALSE;
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver != Driver)
            continue;
        for (ULONG i = 0; i < C->RangeCount; i++) {
            const IOP_RANGE *R = &C->Ranges[i];
            if (R->Type == CmResourceTypeMemory && Lo >= R->Start && Hi <= R->Start + R->Length)
                return TRUE;
        }
    }
    return FALSE;
}

BOOLEAN IopDriverClaimsType(PDRIVER_OBJECT Driver, UCHAR Type, ULONGLONG Value)
{
    if (!IopClaimsReady)
        return FALSE;
    for (PLIST_ENTRY E = IopClaims.Flink; E != &IopClaims; E = E->Flink) {
        IOP_CLAIM *C = CONTAINING_RECORD(E, IOP_CLAIM, Link);
        if (C->Driver != Driver)
            continue;
        for (ULONG i = 0; i < C->RangeCount; i++)
            if (C->Ranges[i].Type == Type && (Value == ~0ull || C->Ranges[i].Start == Value))
                return TRUE;
    }
    return FALSE;
}

NTSTATUS IopClaimResources(const char *Ddi, NTSIM_SITE Site, PCUNICODE_STRING ClassName, PDRIVER_OBJECT Driver,
                           PDEVICE_OBJECT Device, const CM_RESOURCE_LIST *List, ULONG ListSize,
                           PBOOLEAN ConflictDetected)
{
    return IopClaim(Ddi, Site, ClassName, Driver, Device, List, ListSize, FALSE, ConflictDetected);
}

NTSTATUS IopInjectedConflict(PDRIVER_OBJECT Driver, PBOOLEAN ConflictDetected)
{
    return IopConflictStatus(Driver, NULL, ConflictDetected);
}

void IopRegisterHalCallbacks(void)
{
    static const HALP_IO_CALLBACKS Callbacks = {
        .DispatchInterrupt = IopDispatchInterrupt,
        .InterruptStorm = IopInterruptStorm,
        .CheckPortAccess = IopCheckPortAccess,
        .DriverClaimsMemory = IopDriverClaimsMemory,
        .DriverClaimsType = IopDriverClaimsType,
        .ClaimResources = IopClaimResources,
        .InjectedConflict = IopInjectedConflict,
    };
    HalpIo = Callbacks;
}

/* For the PnP arbiter (sim/io/pnpres.c): is the range free for this owner? */
BOOLEAN IopRangeIsFree(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Device, UCHAR Type, UCHAR Share, ULONGLONG Start,
                       ULONGLONG Length)
{
    IopInitClaims();
    IOP_RANGE R = { Type, Share, 0, Start, Length };
    const IOP_RANGE *With;
    return IopFindConflict(Driver, Device, &R, &With) == NULL;
}
