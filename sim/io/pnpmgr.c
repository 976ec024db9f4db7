/* pnpmgr.c - the PnP manager: device nodes, the device tree and the state machine
 * that adds, starts, stops and removes device stacks (docs/pnp.md).
 *
 * Start of a device node, in the order Windows uses:
 *   identify: QUERY_ID (device, instance, hardware, compatible IDs), QUERY_DEVICE_TEXT,
 *             QUERY_BUS_INFORMATION, QUERY_CAPABILITIES to the PDO;
 *   install:  write the Enum key, read Service / filters (sim/io/pnpbind.c);
 *   add:      DriverEntry once per driver, then AddDevice for the lower filters, the
 *             function driver and the upper filters, bottom up;
 *   start:    QUERY_CAPABILITIES, QUERY/FILTER_RESOURCE_REQUIREMENTS, arbitration,
 *             START_DEVICE with AllocatedResources(Translated), QUERY_PNP_DEVICE_STATE;
 *   children: QUERY_DEVICE_RELATIONS(BusRelations), each new child started the same way.
 * A failure on the way sends REMOVE_DEVICE to what was built. Removal goes children
 * before parents; after REMOVE the stack is audited (rule PN-06) and a driver whose
 * last device is gone is unloaded (its Unload audit is IO-04's). Every IRP is sent
 * synchronously from the host's thread (sim/io/pnpirp.c). */
#include "io/pnpp.h"
#include "cm/cmp.h"
#include "ex/exp.h"

#include <ctype.h>

int IopLoadDriver(const char *ServiceName, const char *ImagePath, PDRIVER_INITIALIZE Entry, IOP_DRIVER **Out,
                  NTSTATUS *EntryStatus);
int IopUnloadDriver(IOP_DRIVER *Driver);

#define IOP_MAX_STACK 32

static IOP_DEVNODE *IopRoot;
static ULONG IopNodeOrder;
static ULONG IopDeferredRemovals; /* nodes waiting for their last handle to close */
static ULONG IopDetectedCount;     /* IoReportDetectedDevice instances */

const char *IopPnpStateName(IOP_PNP_STATE State)
{
    static const char *Names[] = { "enumerated", "no driver", "added", "started", "stopped",
                                   "failed", "removed", "surprise-removed", "deleted" };
    return (unsigned)State < RTL_NUMBER_OF(Names) ? Names[State] : "?";
}

const char *IopPnpMultiSzFirst(const char *MultiSz)
{
    return MultiSz && *MultiSz ? MultiSz : "";
}

/* ---- nodes ---- */

static IOP_DEVNODE *IopNewNode(IOP_DEVNODE *Parent, PDEVICE_OBJECT Pdo)
{
    IOP_DEVNODE *Node = KiHostAlloc(sizeof(*Node));
    memset(Node, 0, sizeof(*Node));
    InitializeListHead(&Node->Children);
    InitializeListHead(&Node->Sibling);
    Node->Parent = Parent;
    if (Parent)
        InsertTailList(&Parent->Children, &Node->Sibling);
    Node->Pdo = Pdo;
    ObpReference(Pdo); /* the node may outlive the bus driver's IoDeleteDevice */
    IopDevice(Pdo)->DeviceNode = Node;
    Pdo->Flags |= DO_BUS_ENUMERATED_DEVICE;
    Node->State = IopPnpEnumerated;
    Node->Present = TRUE;
    Node->PowerState = PowerDeviceD0;
    Node->Order = ++IopNodeOrder;
    return Node;
}

static void IopFreeNode(IOP_DEVNODE *Node)
{
    while (!IsListEmpty(&Node->Children))
        IopFreeNode(CONTAINING_RECORD(Node->Children.Flink, IOP_DEVNODE, Sibling));
    RemoveEntryList(&Node->Sibling);
    IopPnpFreeResourceLists(Node);
    free(Node->Preset);
    free(Node->InstancePath);
    free(Node->HardwareIds);
    free(Node->CompatibleIds);
    free(Node->Description);
    free(Node->Location);
    if (IopRoot) /* not at teardown, when nothing is notified */
        IopPnpForgetInterfaces(Node->Pdo);
    if (IopDevice(Node->Pdo)->DeviceNode == Node)
        IopDevice(Node->Pdo)->DeviceNode = NULL;
    ObpDereference(Node->Pdo);
    free(Node);
}

IOP_DEVNODE *IopPnpExistingRoot(void)
{
    return IopRoot;
}

IOP_DEVNODE *IopPnpRootNode(void)
{
    if (IopRoot == NULL) {
        IopPnpManagerDriver();
        IopRoot = IopNewNode(NULL, IopRootCreateRootPdo());
        IopRoot->InstancePath = KiHostStrdup("HTREE\\ROOT\\0");
        IopRoot->Description = KiHostStrdup("the root of the device tree");
        snprintf(IopRoot->Service, sizeof(IopRoot->Service), "PnpManager");
        IopRoot->State = IopPnpStarted;
    }
    return IopRoot;
}

static EXP_WORK_NODE IopPnpWork;   /* the PnP worker's item (below) */
static ULONG IopPnpHostPasses;

/* Machine teardown: no driver code runs; the device objects go with their drivers. */
void IopPnpShutdown(void)
{
    IOP_DEVNODE *Root = IopRoot;
    IopRoot = NULL;
    IopDeferredRemovals = 0;
    IopDetectedCount = 0;
    if (Root)
        IopFreeNode(Root);
    IopNodeOrder = 0;
    if (IopPnpWork.Queued)
        ExpDequeueWork(&IopPnpWork);
    memset(&IopPnpWork, 0, sizeof(IopPnpWork));
    IopPnpHostPasses = 0;
    IopRootShutdown();
    IopPnpResetBindings();
    IopPnpResetInterfaces();
    IopTargetReset();
}

static IOP_DEVNODE *IopFindIn(IOP_DEVNODE *Node, const char *InstancePath)
{
    if (Node->InstancePath && !strcasecmp(Node->InstancePath, InstancePath))
        return Node;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink) {
        IOP_DEVNODE *Found = IopFindIn(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling), InstancePath);
        if (Found)
            return Found;
    }
    return NULL;
}

IOP_DEVNODE *IopPnpFindNode(const char *InstancePath)
{
    return IopRoot ? IopFindIn(IopRoot, InstancePath) : NULL;
}

/* ---- identify ---- */

static NTSTATUS IopIdentify(IOP_DEVNODE *Node)
{
    char *DeviceId = NULL, *InstanceId = NULL;
    NTSTATUS Status = IopPnpQueryId(Node->Pdo, BusQueryDeviceID, &DeviceId, FALSE);
    if (!NT_SUCCESS(Status) || DeviceId == NULL || DeviceId[0] == 0) {
        free(DeviceId);
        Node->InstancePath = KiHostPrintf("UNKNOWN\\PDO_%p\\0", (void *)Node->Pdo);
        return NT_SUCCESS(Status) ? STATUS_UNSUCCESSFUL : Status;
    }
    if (!NT_SUCCESS(IopPnpQueryId(Node->Pdo, BusQueryInstanceID, &InstanceId, FALSE)) || InstanceId == NULL) {
        free(InstanceId);
        InstanceId = KiHostPrintf("%u", Node->Order);
    }
    Node->InstancePath = KiHostPrintf("%s\\%s", DeviceId, InstanceId);
    free(DeviceId);
    free(InstanceId);
    IopPnpQueryId(Node->Pdo, BusQueryHardwareIDs, &Node->HardwareIds, TRUE);
    IopPnpQueryId(Node->Pdo, BusQueryCompatibleIDs, &Node->CompatibleIds, TRUE);
    IopPnpQueryText(Node->Pdo, DeviceTextDescription, &Node->Description);
    IopPnpQueryText(Node->Pdo, DeviceTextLocationInformation, &Node->Location);
    ULONG_PTR Information = 0;
    if (NT_SUCCESS(IopPnpSendIrp(Node->Pdo, IRP_MN_QUERY_BUS_INFORMATION, NULL, &Information)) && Information) {
        Node->BusInformation = *(PPNP_BUS_INFORMATION)Information;
        Node->HasBusInformation = TRUE;
        ExFreePool((PVOID)Information);
    }
    IopPnpQueryCapabilities(Node);
    return STATUS_SUCCESS;
}

/* ---- the stack ---- */

static IOP_DRIVER *IopLoadService(const char *Service, NTSTATUS *Status)
{
    IOP_DRIVER *Driver = IopFindDriver(Service);
    if (Driver && Driver->Loaded)
        return Driver;
    const char *Image = IopPnpImageFor(Service);
    if (Image == NULL) {
        NtsimSetLastError("service '%s' has no driver image (bind one with ntsim_pnp_bind or --bind)", Service);
        *Status = STATUS_DRIVER_UNABLE_TO_LOAD;
        return NULL;
    }
    NTSTATUS Entry = STATUS_UNSUCCESSFUL;
    if (IopLoadDriver(Service, Image, NULL, &Driver, &Entry) != 0 || Driver == NULL) {
        *Status = Driver == NULL && NT_SUCCESS(Entry) ? STATUS_DRIVER_UNABLE_TO_LOAD : Entry;
        return NULL;
    }
    Driver->PnpLoaded = TRUE;
    return Driver;
}

static NTSTATUS IopCallAddDevice(IOP_DRIVER *Driver, IOP_DEVNODE *Node)
{
    PDRIVER_ADD_DEVICE AddDevice = Driver->Extension.AddDevice;
    if (AddDevice == NULL) {
        NtsimSetLastError("%s: driver '%s' has no AddDevice routine (not a WDM driver)", Node->InstancePath,
                          Driver->ServiceName);
        return STATUS_INVALID_DEVICE_REQUEST;
    }
    KiSetIrql(PASSIVE_LEVEL);
    NTSTATUS Status;
    IOP_CALL_DRIVER(&Driver->Object, Status = AddDevice(&Driver->Object, Node->Pdo));
    if (KiCurrentIrql() != PASSIVE_LEVEL) {
        VfReport("SY-04", NTSIM_SEV_ERROR, &Driver->Object, KiNoSite, "%s: AddDevice returned at IRQL %u",
                 Driver->ServiceName, KiCurrentIrql());
        KiSetIrql(PASSIVE_LEVEL);
    }
    if (!NT_SUCCESS(Status))
        NtsimSetLastError("%s: AddDevice of '%s' failed with 0x%08X", Node->InstancePath, Driver->ServiceName,
                          (ULONG)Status);
    return Status;
}

/* Service names in stack order (bottom first), as a list of pointers into Buffers. */
static ULONG IopStackServices(IOP_DEVNODE *Node, char **Buffers, const char **Names, ULONG Max)
{
    char *Key = KiHostPrintf(IOP_ENUM_PATH "\\%s", Node->InstancePath);
    char *Class = IopPnpReadMultiSz(Key, "ClassGUID");
    char *ClassKey = Class && *Class ? KiHostPrintf(IOP_CLASS_PATH "\\%s", Class) : NULL;
    Buffers[0] = IopPnpReadMultiSz(Key, "LowerFilters");
    Buffers[1] = ClassKey ? IopPnpReadMultiSz(ClassKey, "LowerFilters") : NULL;
    Buffers[2] = IopPnpReadMultiSz(Key, "UpperFilters");
    Buffers[3] = ClassKey ? IopPnpReadMultiSz(ClassKey, "UpperFilters") : NULL;
    ULONG Count = 0;
    for (int Part = 0; Part < 5; Part++) {
        if (Part == 2) {
            if (Count < Max && Node->Service[0]) /* none: a raw device (RawDeviceOK) */
                Names[Count++] = Node->Service;
            continue;
        }
        const char *List = Buffers[Part < 2 ? Part : Part - 1];
        for (const char *P = List; P && *P && Count < Max; P += strlen(P) + 1)
            Names[Count++] = P;
    }
    free(Key);
    free(Class);
    free(ClassKey);
    return Count;
}

static void IopUnloadIdle(PDRIVER_OBJECT *Drivers, ULONG Count);

/* A driver whose AddDevice failed and that has no other device is unloaded, as on
 * Windows; its Unload audit (IO-04) then names what the failed AddDevice left behind. */
static void IopUnloadIfAddFailed(IOP_DRIVER *Driver)
{
    PDRIVER_OBJECT Drivers[1] = { &Driver->Object };
    IopUnloadIdle(Drivers, 1);
}

static NTSTATUS IopAddDrivers(IOP_DEVNODE *Node)
{
    char *Buffers[4] = { NULL, NULL, NULL, NULL };
    const char *Names[IOP_MAX_STACK];
    ULONG Count = IopStackServices(Node, Buffers, Names, IOP_MAX_STACK);
    NTSTATUS Status = STATUS_SUCCESS;
    IopPnpReviveStack(Node->Pdo); /* a PDO removed before is started again (PN-06) */
    for (ULONG i = 0; i < Count && NT_SUCCESS(Status); i++) {
        IOP_DRIVER *Driver = IopLoadService(Names[i], &Status);
        if (Driver) {
            Status = IopCallAddDevice(Driver, Node);
            if (!NT_SUCCESS(Status))
                IopUnloadIfAddFailed(Driver);
        }
    }
    for (int i = 0; i < 4; i++)
        free(Buffers[i]);
    return Status;
}

/* The device objects above the PDO, each referenced so the audit can look at them
 * after their drivers deleted them. */
static ULONG IopSnapshotStack(IOP_DEVNODE *Node, PDEVICE_OBJECT *Devices, ULONG Max)
{
    ULONG Count = 0;
    for (PDEVICE_OBJECT D = Node->Pdo->AttachedDevice; D && Count < Max; D = D->AttachedDevice) {
        ObpReference(D);
        Devices[Count++] = D;
    }
    return Count;
}

static void IopReclaimStackDevice(PDEVICE_OBJECT Device)
{
    IOP_DEVICE *Private = IopDevice(Device);
    if (Private->AttachedTo) {
        Private->AttachedTo->AttachedDevice = NULL;
        Private->AttachedTo = NULL;
    }
    if (!Private->Deleted)
        IopReclaimDevice(Device);
}

/* PN-06: after REMOVE_DEVICE every device object the drivers put on the stack is
 * detached and deleted. Leftovers are reported and reclaimed (so the Unload audit
 * does not report them a second time). */
static void IopAuditRemovedStack(IOP_DEVNODE *Node, PDEVICE_OBJECT *Devices, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++) {
        IOP_DEVICE *Private = IopDevice(Devices[i]);
        PDRIVER_OBJECT Driver = Devices[i]->DriverObject;
        if (!Private->Deleted)
            VfReport("PN-06", NTSIM_SEV_ERROR, Driver, Private->Track.Site,
                     "%s: device object %p of %s was not deleted on IRP_MN_REMOVE_DEVICE (IoDetachDevice, then "
                     "IoDeleteDevice)", Node->InstancePath, (void *)Devices[i], VfDriverName(Driver));
        else if (Private->AttachedTo)
            VfReport("PN-06", NTSIM_SEV_ERROR, Driver, Private->Track.Site,
                     "%s: device object %p of %s was deleted on IRP_MN_REMOVE_DEVICE without IoDetachDevice",
                     Node->InstancePath, (void *)Devices[i], VfDriverName(Driver));
        IopReclaimStackDevice(Devices[i]);
    }
}

static void IopUnloadIdle(PDRIVER_OBJECT *Drivers, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++) {
        IOP_DRIVER *Driver = IopDriver(Drivers[i]);
        if (Driver->PnpLoaded && Driver->Loaded && Driver->Object.DeviceObject == NULL)
            IopUnloadDriver(Driver);
    }
}

static ULONG IopAddUnique(PDRIVER_OBJECT *Drivers, ULONG Count, PDRIVER_OBJECT Driver)
{
    for (ULONG i = 0; i < Count; i++)
        if (Drivers[i] == Driver)
            return Count;
    Drivers[Count] = Driver;
    return Count + 1;
}

/* REMOVE_DEVICE to the stack, then resources released, the audit, idle drivers unloaded. */
static void IopRemoveStack(IOP_DEVNODE *Node)
{
    PDEVICE_OBJECT Devices[IOP_MAX_STACK];
    PDRIVER_OBJECT Drivers[IOP_MAX_STACK];
    ULONG Count = IopSnapshotStack(Node, Devices, IOP_MAX_STACK), DriverCount = 0;
    for (ULONG i = 0; i < Count; i++)
        DriverCount = IopAddUnique(Drivers, DriverCount, Devices[i]->DriverObject);
    IopPnpSimple(Node, IRP_MN_REMOVE_DEVICE);
    IopPnpReleaseResources(Node);
    IopPnpFreeResourceLists(Node);
    IopPnpDisableInterfaces(Node->Pdo, TRUE, NULL);
    IopAuditRemovedStack(Node, Devices, Count);
    for (ULONG i = 0; i < Count; i++)
        ObpDereference(Devices[i]);
    IopUnloadIdle(Drivers, DriverCount);
}

static void IopFailNode(IOP_DEVNODE *Node, NTSTATUS Problem)
{
    Node->Problem = Problem;
    IopRemoveStack(Node);
    Node->State = IopPnpFailed;
}

static BOOLEAN IopHasStack(const IOP_DEVNODE *Node)
{
    return Node->State == IopPnpAdded || Node->State == IopPnpStarted || Node->State == IopPnpStopped ||
           Node->State == IopPnpSurpriseRemoved;
}

/* ---- start ---- */

static void IopEnumerate(IOP_DEVNODE *Node);
static void IopStartDetected(IOP_DEVNODE *Node);
static BOOLEAN IopSurpriseRemoveGone(IOP_DEVNODE *Node);

static void IopQueryDeviceState(IOP_DEVNODE *Node)
{
    ULONG_PTR Information = 0;
    NTSTATUS Status = IopPnpSendIrp(Node->Pdo, IRP_MN_QUERY_PNP_DEVICE_STATE, NULL, &Information);
    Node->DeviceState = NT_SUCCESS(Status) ? (PNP_DEVICE_STATE)Information : 0;
    if (Node->DeviceState & (PNP_DEVICE_FAILED | PNP_DEVICE_REMOVED)) {
        Node->Problem = STATUS_DEVICE_REMOVED;
        if (!IopSurpriseRemoveGone(Node))
            Node->State = IopPnpFailed;
    }
}

/* PN-04, as Driver Verifier does it: an IRP with an unknown minor function goes
 * down the started stack; every filter and function driver must pass it on with its
 * status untouched, and the PDO complete it as it came (STATUS_NOT_SUPPORTED). Only
 * over the root bus's PDOs, whose arrival the PnP manager sees. */
static void IopCheckUnknownMinor(IOP_DEVNODE *Node)
{
    if (!IopIsRootPdo(Node->Pdo) || Node->Pdo->AttachedDevice == NULL)
        return;
    IopRootTakeBogusSeen();
    NTSTATUS Status = IopPnpSendIrp(Node->Pdo, IOP_MN_BOGUS, NULL, NULL);
    BOOLEAN Reached = IopRootTakeBogusSeen();
    IOP_DRIVER *Function = Node->Service[0] ? IopFindDriver(Node->Service) : NULL;
    PDRIVER_OBJECT Culprit = Function ? &Function->Object : IopGetAttachedDevice(Node->Pdo)->DriverObject;
    if (!Reached)
        VfReport("PN-04", NTSIM_SEV_ERROR, Culprit, KiNoSite,
                 "%s: a PnP IRP with an unknown minor function (0x%02X) was completed with 0x%08X above the PDO: "
                 "a filter or function driver passes every PnP IRP it does not handle down unchanged",
                 Node->InstancePath, IOP_MN_BOGUS, (ULONG)Status);
    else if (Status != STATUS_NOT_SUPPORTED)
        VfReport("PN-04", NTSIM_SEV_ERROR, Culprit, KiNoSite,
                 "%s: a PnP IRP with an unknown minor function (0x%02X) came back with 0x%08X: a driver of the stack "
                 "changed the status of an IRP it does not handle (it must stay STATUS_NOT_SUPPORTED)",
                 Node->InstancePath, IOP_MN_BOGUS, (ULONG)Status);
}

static NTSTATUS IopStartResources(IOP_DEVNODE *Node, BOOLEAN AvoidPrevious)
{
    NTSTATUS Status = STATUS_SUCCESS;
    if (Node->Preset)
        IopPnpUsePreset(Node);
    else
        Status = IopPnpAssignResources(Node, AvoidPrevious);
    if (!NT_SUCCESS(Status))
        return Status;
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.StartDevice.AllocatedResources = Node->Raw;
    P.Parameters.StartDevice.AllocatedResourcesTranslated = Node->Translated;
    Node->Starting = TRUE;
    Status = IopPnpSendIrp(Node->Pdo, IRP_MN_START_DEVICE, &P, NULL);
    Node->Starting = FALSE;
    IopPnpLowerStarted(Node); /* a PDO that is not the root bus's: the claim passes now */
    if (!NT_SUCCESS(Status))
        NtsimSetLastError("%s: IRP_MN_START_DEVICE failed with 0x%08X", Node->InstancePath, (ULONG)Status);
    return Status;
}

static NTSTATUS IopFinishStart(IOP_DEVNODE *Node, NTSTATUS Status)
{
    if (!NT_SUCCESS(Status)) {
        IopFailNode(Node, Status);
        return Status;
    }
    Node->State = IopPnpStarted;
    Node->PowerState = PowerDeviceD0;
    if (VfEnabled)
        IopCheckUnknownMinor(Node);
    IopQueryDeviceState(Node);
    if (Node->State == IopPnpStarted)
        IopEnumerate(Node);
    return Node->State == IopPnpStarted ? STATUS_SUCCESS : Node->Problem;
}

NTSTATUS IopPnpStartNode(IOP_DEVNODE *Node)
{
    switch (Node->State) {
    case IopPnpStarted:
        return STATUS_SUCCESS;
    case IopPnpStopped:
        return IopFinishStart(Node, IopStartResources(Node, FALSE));
    case IopPnpSurpriseRemoved:
    case IopPnpDeleted:
        return STATUS_NO_SUCH_DEVICE;
    default:
        break;
    }
    if (Node->InstancePath == NULL)
        return STATUS_NO_SUCH_DEVICE;
    IopPnpInstallNode(Node);
    if (Node->Service[0] == 0 && !Node->Capabilities.RawDeviceOK) {
        Node->State = IopPnpNoDriver;
        return STATUS_SUCCESS;
    }
    Node->Problem = STATUS_SUCCESS;
    NTSTATUS Status = IopAddDrivers(Node);
    if (!NT_SUCCESS(Status)) {
        IopFailNode(Node, Status);
        return Status;
    }
    Node->State = IopPnpAdded;
    Status = IopPnpQueryCapabilities(Node);
    if (!NT_SUCCESS(Status) && Status != STATUS_NOT_SUPPORTED)
        return IopFinishStart(Node, Status);
    return IopFinishStart(Node, IopStartResources(Node, FALSE));
}

/* ---- enumeration ---- */

static IOP_DEVNODE *IopChildFor(IOP_DEVNODE *Parent, PDEVICE_OBJECT Pdo)
{
    for (PLIST_ENTRY E = Parent->Children.Flink; E != &Parent->Children; E = E->Flink) {
        IOP_DEVNODE *Child = CONTAINING_RECORD(E, IOP_DEVNODE, Sibling);
        if (Child->Pdo == Pdo)
            return Child;
    }
    return NULL;
}

/* 0xCA PNP_DETECTED_FATAL_ERROR: what a bus reports must be live PDOs. */
static void IopCheckReportedPdo(IOP_DEVNODE *Parent, PDEVICE_RELATIONS Relations, ULONG Index)
{
    PDEVICE_OBJECT Pdo = Relations->Objects[Index];
    PDRIVER_OBJECT Bus = IopGetAttachedDevice(Parent->Pdo)->DriverObject;
    if (Pdo == NULL || ObpGetObjectType(Pdo) != &IopDeviceType)
        KiBugCheck(0xCA, 0x2, (ULONG_PTR)Pdo, 0, 0, KiNoSite,
                   "%s: BusRelations entry %u (%p) is not a device object", VfDriverName(Bus), Index,
                   (void *)Pdo);
    if (IopDevice(Pdo)->Deleted)
        KiBugCheck(0xCA, 0x4, (ULONG_PTR)Pdo, 0, 0, KiNoSite,
                   "%s: BusRelations reports PDO %p, which was deleted", VfDriverName(Bus), (void *)Pdo);
    if (IopDevice(Pdo)->AttachedTo)
        KiBugCheck(0xCA, 0x2, (ULONG_PTR)Pdo, 0, 0, KiNoSite,
                   "%s: BusRelations reports %p, which is attached to another device (not a PDO)",
                   VfDriverName(Bus), (void *)Pdo);
    for (ULONG j = 0; j < Index; j++)
        if (Relations->Objects[j] == Pdo)
            KiBugCheck(0xCA, 0x1, (ULONG_PTR)Pdo, 0, 0, KiNoSite, "%s: BusRelations reports PDO %p twice",
                       VfDriverName(Bus), (void *)Pdo);
    IOP_DEVNODE *Owner = IopDeviceNode(Pdo);
    if (Owner && Owner->Parent != Parent)
        KiBugCheck(0xCA, 0x1, (ULONG_PTR)Pdo, 0, 0, KiNoSite,
                   "%s: BusRelations reports PDO %p, which already belongs to %s", VfDriverName(Bus),
                   (void *)Pdo, Owner->InstancePath);
}

static void IopEnumerate(IOP_DEVNODE *Node)
{
    PDEVICE_RELATIONS Relations = NULL;
    NTSTATUS Status = IopPnpQueryBusRelations(Node, &Relations);
    if (!NT_SUCCESS(Status) || Relations == NULL)
        return; /* not a bus (or nothing changed): the children stay as they are */
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink)
        CONTAINING_RECORD(E, IOP_DEVNODE, Sibling)->Present = FALSE;
    for (ULONG i = 0; i < Relations->Count; i++) {
        IopCheckReportedPdo(Node, Relations, i);
        PDEVICE_OBJECT Pdo = Relations->Objects[i];
        IOP_DEVNODE *Child = IopChildFor(Node, Pdo);
        if (Child)
            Child->Present = TRUE;
        else
            IopNewNode(Node, Pdo);
        ObpDereference(Pdo); /* the bus driver's reference, handed over */
    }
    ExFreePool(Relations);
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children;) {
        IOP_DEVNODE *Child = CONTAINING_RECORD(E, IOP_DEVNODE, Sibling);
        E = E->Flink;
        if (!Child->Present && !IopSurpriseRemoveGone(Child))
            IopFreeNode(Child);
    }
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink) {
        IOP_DEVNODE *Child = CONTAINING_RECORD(E, IOP_DEVNODE, Sibling);
        if (Child->State != IopPnpEnumerated)
            continue;
        if (!NT_SUCCESS(IopIdentify(Child))) {
            Child->State = IopPnpFailed;
            Child->Problem = STATUS_UNSUCCESSFUL;
            continue;
        }
        IopPnpStartNode(Child);
    }
}

/* ---- removal ---- */

/* The subtree in removal order: children before their parent. */
static ULONG IopPostorder(IOP_DEVNODE *Node, IOP_DEVNODE **Out, ULONG Count, ULONG Max)
{
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink)
        Count = IopPostorder(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling), Out, Count, Max);
    if (Count < Max)
        Out[Count++] = Node;
    return Count;
}

#define IOP_MAX_SUBTREE 256

/* After a parent's REMOVE its bus driver deletes the children's PDOs (PN-06 if not). */
static void IopForgetChildren(IOP_DEVNODE *Node)
{
    while (!IsListEmpty(&Node->Children)) {
        IOP_DEVNODE *Child = CONTAINING_RECORD(Node->Children.Flink, IOP_DEVNODE, Sibling);
        IopForgetChildren(Child);
        if (!IopDevice(Child->Pdo)->Deleted && !IopIsRootPdo(Child->Pdo)) {
            PDRIVER_OBJECT Bus = Child->Pdo->DriverObject;
            VfReport("PN-06", NTSIM_SEV_ERROR, Bus, IopDevice(Child->Pdo)->Track.Site,
                     "%s: child PDO %p (%s) was not deleted when its bus's device was removed",
                     VfDriverName(Bus), (void *)Child->Pdo, Child->InstancePath);
            IopReclaimStackDevice(Child->Pdo);
            PDRIVER_OBJECT Drivers[1] = { Bus };
            IopUnloadIdle(Drivers, 1);
        }
        IopFreeNode(Child);
    }
}

static void IopRemoveSubtree(IOP_DEVNODE *Node, BOOLEAN Surprise)
{
    IOP_DEVNODE *Order[IOP_MAX_SUBTREE];
    ULONG Count = IopPostorder(Node, Order, 0, IOP_MAX_SUBTREE);
    if (Surprise)
        for (ULONG i = 0; i < Count; i++)
            if (Order[i]->State == IopPnpStarted || Order[i]->State == IopPnpStopped) {
                IopPnpSimple(Order[i], IRP_MN_SURPRISE_REMOVAL);
                Order[i]->State = IopPnpSurpriseRemoved;
            }
    for (ULONG i = 0; i < Count; i++) {
        if (Order[i]->State != IopPnpRemoved && Order[i]->State != IopPnpFailed)
            IopRemoveStack(Order[i]);
        else if (Surprise)
            IopPnpSimple(Order[i], IRP_MN_REMOVE_DEVICE); /* only the PDO is left: its bus may delete it now */
        IopForgetChildren(Order[i]);
        Order[i]->State = IopPnpRemoved;
    }
}

static BOOLEAN IopSubtreeOpen(IOP_DEVNODE *Node)
{
    for (PDEVICE_OBJECT D = Node->Pdo; D; D = D->AttachedDevice)
        if (IopDevice(D)->OpenCount)
            return TRUE;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink)
        if (IopSubtreeOpen(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling)))
            return TRUE;
    return FALSE;
}

/* A device its bus no longer reports (or that reported itself failed):
 * SURPRISE_REMOVAL at once; REMOVE_DEVICE once no handle is open on the subtree, as
 * on Windows (IopPnpOnLastClose). TRUE when REMOVE is deferred. */
static BOOLEAN IopSurpriseRemoveGone(IOP_DEVNODE *Node)
{
    IOP_DEVNODE *Order[IOP_MAX_SUBTREE];
    ULONG Count = IopPostorder(Node, Order, 0, IOP_MAX_SUBTREE);
    for (ULONG i = 0; i < Count; i++)
        if (Order[i]->State == IopPnpStarted || Order[i]->State == IopPnpStopped) {
            IopPnpSimple(Order[i], IRP_MN_SURPRISE_REMOVAL);
            Order[i]->State = IopPnpSurpriseRemoved;
        }
    if (IopSubtreeOpen(Node)) {
        if (!Node->RemovalDeferred)
            IopDeferredRemovals++;
        Node->RemovalDeferred = TRUE;
        return TRUE;
    }
    IopRemoveSubtree(Node, TRUE);
    return FALSE;
}

static IOP_DEVNODE *IopFindDeferred(IOP_DEVNODE *Node)
{
    if (Node->RemovalDeferred && !IopSubtreeOpen(Node))
        return Node;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink) {
        IOP_DEVNODE *Found = IopFindDeferred(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling));
        if (Found)
            return Found;
    }
    return NULL;
}

/* sim/io/file.c: a device's last handle closed. A surprise-removed stack waiting for
 * it gets its REMOVE_DEVICE now. */
void IopPnpOnLastClose(void)
{
    IOP_DEVNODE *Node;
    while (IopDeferredRemovals && IopRoot && (Node = IopFindDeferred(IopRoot)) != NULL) {
        Node->RemovalDeferred = FALSE;
        IopDeferredRemovals--;
        IopRemoveSubtree(Node, TRUE);
        if (!Node->Present)
            IopFreeNode(Node);
    }
}

BOOLEAN IopPnpRemovalPending(void)
{
    return IopDeferredRemovals != 0;
}

static void IopVeto(char *Veto, size_t Size, IOP_DEVNODE *Node, const char *What, NTSTATUS Status)
{
    if (Veto && Size)
        snprintf(Veto, Size, "%s (%s): %s failed with 0x%08X", Node->InstancePath, Node->Service, What,
                 (ULONG)Status);
}

/* Files open on any device of the nodes' stacks. */
static ULONG IopOpenHandles(IOP_DEVNODE **Nodes, ULONG Count)
{
    ULONG Open = 0;
    for (ULONG i = 0; i < Count; i++)
        for (PDEVICE_OBJECT D = Nodes[i]->Pdo; D; D = D->AttachedDevice)
            Open += IopDevice(D)->OpenCount;
    return Open;
}

NTSTATUS IopPnpRemoveNode(IOP_DEVNODE *Node, BOOLEAN Surprise, char *Veto, size_t VetoSize)
{
    if (Node == IopRoot || Node->State == IopPnpDeleted)
        return STATUS_INVALID_PARAMETER;
    IOP_DEVNODE *Order[IOP_MAX_SUBTREE];
    PDEVICE_OBJECT Pdos[IOP_MAX_SUBTREE]; /* for target-device notifications: nodes may go */
    ULONG Count = IopPostorder(Node, Order, 0, IOP_MAX_SUBTREE), Queried = 0;
    for (ULONG i = 0; i < Count; i++)
        Pdos[i] = Order[i]->Pdo;
    if (Surprise) {
        if (IopIsRootPdo(Node->Pdo)) {
            IopRootMarkMissing(Node->Pdo);
            Node->Present = FALSE;
        }
        if (!IopSurpriseRemoveGone(Node) && !Node->Present)
            IopFreeNode(Node);
        IopTargetRemoveComplete(Pdos, Count);
        return STATUS_SUCCESS;
    }
    PDRIVER_OBJECT Vetoer = NULL;
    NTSTATUS Query = IopTargetQueryRemove(Pdos, Count, &Vetoer);
    if (!NT_SUCCESS(Query)) {
        if (Veto && VetoSize)
            snprintf(Veto, VetoSize, "%s: %s's target-device notification callback failed "
                     "GUID_TARGET_DEVICE_QUERY_REMOVE with 0x%08X", Node->InstancePath,
                     Vetoer ? VfDriverName(Vetoer) : "?", (ULONG)Query);
        return Query;
    }
    ULONG Open = IopOpenHandles(Order, Count);
    if (Open) { /* the registrants had their chance to close theirs */
        IopTargetRemoveCancelled(Pdos, Count);
        if (Veto && VetoSize)
            snprintf(Veto, VetoSize, "%s: %u open handle(s) on the device (PNP_VetoOutstandingOpen): the PnP manager "
                     "does not remove a device in use", Node->InstancePath, (unsigned)Open);
        return STATUS_DEVICE_BUSY;
    }
    for (; Queried < Count; Queried++) {
        if (!IopHasStack(Order[Queried]))
            continue;
        NTSTATUS Status = IopPnpSimple(Order[Queried], IRP_MN_QUERY_REMOVE_DEVICE);
        if (!NT_SUCCESS(Status)) {
            IopVeto(Veto, VetoSize, Order[Queried], "IRP_MN_QUERY_REMOVE_DEVICE", Status);
            for (ULONG i = Queried + 1; i-- > 0;)
                if (IopHasStack(Order[i]))
                    IopPnpSimple(Order[i], IRP_MN_CANCEL_REMOVE_DEVICE);
            IopTargetRemoveCancelled(Pdos, Count);
            return Status;
        }
    }
    IopRemoveSubtree(Node, FALSE);
    IopTargetRemoveComplete(Pdos, Count);
    return STATUS_SUCCESS;
}

/* ---- stop and rebalance ---- */

NTSTATUS IopPnpStopNode(IOP_DEVNODE *Node, char *Veto, size_t VetoSize)
{
    if (Node->State != IopPnpStarted)
        return STATUS_INVALID_DEVICE_STATE;
    NTSTATUS Status = IopPnpSimple(Node, IRP_MN_QUERY_STOP_DEVICE);
    if (!NT_SUCCESS(Status)) {
        IopVeto(Veto, VetoSize, Node, "IRP_MN_QUERY_STOP_DEVICE", Status);
        IopPnpSimple(Node, IRP_MN_CANCEL_STOP_DEVICE);
        return Status;
    }
    IopPnpSimple(Node, IRP_MN_STOP_DEVICE);
    IopPnpReleaseResources(Node);
    Node->State = IopPnpStopped;
    return STATUS_SUCCESS;
}

NTSTATUS IopPnpRebalanceNode(IOP_DEVNODE *Node, char *Veto, size_t VetoSize)
{
    NTSTATUS Status = IopPnpStopNode(Node, Veto, VetoSize);
    if (!NT_SUCCESS(Status))
        return Status;
    return IopFinishStart(Node, IopStartResources(Node, TRUE));
}

/* ---- start everything, and requests drivers queued ---- */

static void IopStartTree(IOP_DEVNODE *Node)
{
    if (Node->State == IopPnpNoDriver) {
        Node->State = IopPnpEnumerated;
        IopPnpStartNode(Node); /* a binding may have been added since */
    }
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children;) {
        IOP_DEVNODE *Child = CONTAINING_RECORD(E, IOP_DEVNODE, Sibling);
        E = E->Flink;
        IopStartTree(Child);
    }
}

static IOP_DEVNODE *IopFindPending(IOP_DEVNODE *Node)
{
    if (Node->EnumerationPending || Node->StatePending || Node->DetectedStartPending || Node->EjectPending)
        return Node;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink) {
        IOP_DEVNODE *Found = IopFindPending(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling));
        if (Found)
            return Found;
    }
    return NULL;
}

/* The detecting driver has attached its FDO itself (no AddDevice for a detected
 * device): capabilities, resources and START as for any other. */
static void IopStartDetected(IOP_DEVNODE *Node)
{
    if (Node->State != IopPnpAdded)
        return;
    if (Node->Pdo->AttachedDevice == NULL) {
        NtsimSetLastError("%s: the driver that reported it attached no device object", Node->InstancePath);
        Node->State = IopPnpFailed;
        Node->Problem = STATUS_NO_SUCH_DEVICE;
        return;
    }
    IopPnpQueryCapabilities(Node);
    IopFinishStart(Node, IopStartResources(Node, FALSE));
}

BOOLEAN IopPnpHasPending(void)
{
    return IopRoot && IopFindPending(IopRoot) != NULL;
}

/* ---- the PnP worker ----
 * As on Windows, what a driver asks for with IoInvalidateDeviceRelations /
 * IoInvalidateDeviceState is done later at PASSIVE_LEVEL by the PnP manager's worker:
 * here an item of the system worker thread, which runs as soon as the host lets
 * simulated threads run (a pended request, ntsim_run_for, ...). While the host itself
 * is in a PnP pass (sim/host/pnp.c) the worker leaves the work to that pass, which
 * kicks the worker again at its end if work is left. */
static void IopPnpWorkerRun(EXP_WORK_NODE *Node)
{
    (void)Node;
    if (IopPnpHostPasses == 0)
        IopPnpProcessPending();
}

void IopPnpKickWorker(void)
{
    if (IopPnpWork.Queued || IopRoot == NULL)
        return;
    InitializeListHead(&IopPnpWork.Link);
    InitializeListHead(&IopPnpWork.Track.Link); /* never tracked: the PnP manager owns it */
    IopPnpWork.Run = IopPnpWorkerRun;
    IopPnpWork.What = "PnP manager work";
    IopPnpWork.Routine = (PVOID)IopPnpWorkerRun;
    IopPnpWork.Owner = NULL;
    ExpQueueWork(&IopPnpWork);
}

void IopPnpHostPassBegin(void)
{
    IopPnpHostPasses++;
}

void IopPnpHostPassEnd(void)
{
    if (IopPnpHostPasses)
        IopPnpHostPasses--;
    if (IopPnpHostPasses == 0 && IopPnpHasPending())
        IopPnpKickWorker();
}

/* IoRequestDeviceEject, done by the PnP worker: an orderly removal of the subtree (a
 * veto ends it), then IRP_MN_EJECT to what is left of the stack, the PDO; its bus then
 * reports the device gone. */
static void IopEject(IOP_DEVNODE *Node)
{
    char Veto[512] = "";
    if (Node->State == IopPnpStarted || Node->State == IopPnpStopped) {
        NTSTATUS Status = IopPnpRemoveNode(Node, FALSE, Veto, sizeof(Veto));
        if (!NT_SUCCESS(Status)) {
            KiTrace("eject of %s vetoed: %s", Node->InstancePath, Veto);
            return;
        }
    }
    NTSTATUS Status = IopPnpSimple(Node, IRP_MN_EJECT);
    KiTrace("IRP_MN_EJECT to %s: 0x%08X", Node->InstancePath, (ULONG)Status);
    if (NT_SUCCESS(Status) && Node->Parent)
        Node->Parent->EnumerationPending = TRUE;
}

void IopPnpProcessPending(void)
{
    IOP_DEVNODE *Node;
    while (IopRoot && (Node = IopFindPending(IopRoot)) != NULL) {
        BOOLEAN Enumerate = Node->EnumerationPending, State = Node->StatePending;
        Node->EnumerationPending = Node->StatePending = FALSE;
        if (Node->DetectedStartPending) {
            Node->DetectedStartPending = FALSE;
            IopStartDetected(Node);
            continue;
        }
        if (Node->EjectPending) {
            Node->EjectPending = FALSE;
            IopEject(Node);
            continue;
        }
        if (Node->State != IopPnpStarted)
            continue;
        if (State)
            IopQueryDeviceState(Node);
        if (Enumerate && Node->State == IopPnpStarted)
            IopEnumerate(Node);
    }
}

NTSTATUS IopPnpStartAll(void)
{
    IOP_DEVNODE *Root = IopPnpRootNode();
    IopEnumerate(Root);
    IopStartTree(Root);
    IopPnpProcessPending();
    return STATUS_SUCCESS;
}

/* ---- DDIs ---- */

static IOP_DEVNODE *IopCheckPdo(PDEVICE_OBJECT Device, const char *Ddi, NTSIM_SITE Site)
{
    IOP_DEVNODE *Node = Device && ObpGetObjectType(Device) == &IopDeviceType ? IopDeviceNode(Device) : NULL;
    if (Node == NULL)
        KiBugCheck(0xCA, 0x2, (ULONG_PTR)Device, 0, 0, Site,
                   "%s(%p): not a PDO the PnP manager knows (pass the physical device object, not your FDO)", Ddi,
                   (void *)Device);
    return Node;
}

VOID IoInvalidateDeviceRelations(PDEVICE_OBJECT DeviceObject, DEVICE_RELATION_TYPE Type)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_DEVNODE *Node = IopCheckPdo(DeviceObject, "IoInvalidateDeviceRelations", Site);
    if (Type == BusRelations) {
        Node->EnumerationPending = TRUE;
        IopPnpKickWorker();
    }
}

VOID IoRequestDeviceEject(PDEVICE_OBJECT PhysicalDeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckPdo(PhysicalDeviceObject, "IoRequestDeviceEject", Site)->EjectPending = TRUE;
    IopPnpKickWorker();
}

VOID IoInvalidateDeviceState(PDEVICE_OBJECT PhysicalDeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckPdo(PhysicalDeviceObject, "IoInvalidateDeviceState", Site)->StatePending = TRUE;
    IopPnpKickWorker();
}

/* WDM 1.0 (Windows 98) to 6.0 (Windows Vista): the DDIs ntsim offers. */
BOOLEAN IoIsWdmVersionAvailable(UCHAR MajorVersion, UCHAR MinorVersion)
{
    if (MajorVersion == 1)
        return MinorVersion <= 0x30;
    return MajorVersion == 6 && MinorVersion == 0;
}

/* ---- legacy detection ---- */


/* The requirements a detected device's resources amount to: each value fixed. */
static ULONG IopFixedRequirements(const CM_RESOURCE_LIST *List, IO_RESOURCE_DESCRIPTOR *Out, ULONG Max)
{
    ULONG Count = 0;
    const CM_PARTIAL_RESOURCE_LIST *L = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < L->Count && Count < Max; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *D = &L->PartialDescriptors[i];
        IO_RESOURCE_DESCRIPTOR *R = &Out[Count];
        memset(R, 0, sizeof(*R));
        R->Type = D->Type;
        R->ShareDisposition = D->ShareDisposition;
        R->Flags = D->Flags;
        if (D->Type == CmResourceTypePort || D->Type == CmResourceTypeMemory) {
            R->u.Port.Length = D->u.Port.Length;
            R->u.Port.Alignment = 1;
            R->u.Port.MinimumAddress = D->u.Port.Start;
            R->u.Port.MaximumAddress.QuadPart = D->u.Port.Start.QuadPart + D->u.Port.Length - 1;
        } else if (D->Type == CmResourceTypeInterrupt) {
            R->u.Interrupt.MinimumVector = R->u.Interrupt.MaximumVector = D->u.Interrupt.Level;
        } else if (D->Type == CmResourceTypeDma) {
            R->u.Dma.MinimumChannel = R->u.Dma.MaximumChannel = D->u.Dma.Channel;
        } else {
            continue;
        }
        Count++;
    }
    return Count;
}

/* A legacy driver found a device itself: it gets a root PDO ROOT\<SERVICE>\NNNN
 * (hardware ID DETECTED\<service>) with the driver as its Service; the driver
 * attaches its FDO to it, and the PnP manager starts the stack when the host next
 * calls it, with the given resources (ResourceAssigned: as claimed already). */
NTSTATUS IoReportDetectedDevice(PDRIVER_OBJECT DriverObject, INTERFACE_TYPE LegacyBusType, ULONG BusNumber,
                                ULONG SlotNumber, PCM_RESOURCE_LIST ResourceList,
                                PIO_RESOURCE_REQUIREMENTS_LIST ResourceRequirements, BOOLEAN ResourceAssigned,
                                PDEVICE_OBJECT *DeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)LegacyBusType;
    (void)BusNumber;
    (void)SlotNumber;
    KiCheckIrql("IoReportDetectedDevice", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    if (DriverObject == NULL || DeviceObject == NULL)
        return STATUS_INVALID_PARAMETER;
    if (*DeviceObject && IopDeviceNode(*DeviceObject))
        return STATUS_SUCCESS; /* reported before: the same PDO */
    if (ViFaultShouldFail(NtsimFaultDevice, "IoReportDetectedDevice", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    IO_RESOURCE_DESCRIPTOR Requirements[16];
    ULONG Count = 0;
    if (ResourceRequirements && ResourceRequirements->AlternativeLists) {
        const IO_RESOURCE_LIST *L = ResourceRequirements->List;
        Count = L->Count < 16 ? L->Count : 16;
        memcpy(Requirements, L->Descriptors, Count * sizeof(*Requirements));
    } else if (ResourceList && ResourceList->Count) {
        Count = IopFixedRequirements(ResourceList, Requirements, 16);
    }
    const char *Service = VfDriverName(DriverObject);
    char DeviceId[160], Instance[16], Ids[200];
    snprintf(DeviceId, sizeof(DeviceId), "ROOT\\%s", Service);
    for (char *P = DeviceId; *P; P++)
        *P = (char)toupper((unsigned char)*P);
    snprintf(Instance, sizeof(Instance), "%04u", IopDetectedCount++);
    size_t n = (size_t)snprintf(Ids, sizeof(Ids) - 1, "DETECTED\\%s", Service);
    if (n > sizeof(Ids) - 2)
        n = sizeof(Ids) - 2; /* truncated: the multi-string still ends in two NULs */
    Ids[n + 1] = 0;
    IOP_ROOT_DEVICE_SPEC Spec = { .DeviceId = DeviceId, .InstanceId = Instance, .HardwareIds = Ids, .Description = Service,
                                  .Requirements = Requirements, .RequirementCount = Count };
    PDEVICE_OBJECT Pdo = IopRootAddDevice(&Spec);
    if (Pdo == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IOP_DEVNODE *Node = IopNewNode(IopPnpRootNode(), Pdo);
    IopIdentify(Node);
    snprintf(Node->Service, sizeof(Node->Service), "%s", Service);
    char *Key = KiHostPrintf(IOP_ENUM_PATH "\\%s", Node->InstancePath);
    CmpSetStringValueUtf8(Key, "Service", REG_SZ, Service);
    free(Key);
    if (ResourceAssigned && ResourceList && ResourceList->Count) {
        ULONG Size = IopCmResourceListSize(ResourceList);
        Node->Preset = KiHostAlloc(Size);
        memcpy(Node->Preset, ResourceList, Size);
    }
    Node->State = IopPnpAdded;
    Node->DetectedStartPending = TRUE;
    *DeviceObject = Pdo;
    return STATUS_SUCCESS;
}
