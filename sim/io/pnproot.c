/* pnproot.c - the root bus: the built-in driver \Driver\PnpManager owns the root
 * device (HTREE\ROOT\0) and one PDO per device it reports: the machine's legacy
 * devices (ACPI\PNP0501 for a 16550, ACPI\PNP0100 for the 8254 ...; the host adds
 * them from the device models, sim/host/pnp.c), root-enumerated software devices
 * (ROOT\<NAME>) and devices a driver reported with IoReportDetectedDevice.
 *
 * Each PDO answers what a bus driver answers for its child: IDs, text, capabilities,
 * resource requirements (from the device model's ports and interrupt line), and
 * completes what it does not handle with the status already in the IRP. A PDO is
 * deleted on REMOVE_DEVICE only once it is no longer reported (surprise removal).
 *
 * A PDO can itself be a bus the PnP manager models (the PCI bus, sim/io/pnppci.c):
 * it starts raw (RawDeviceOK, no function driver needed) and answers BusRelations
 * with the PDOs whose Bus is it, after its Enumerate callback refreshed them. */
#include "io/pnpp.h"

typedef struct _IOP_ROOT_PDO {
    LIST_ENTRY Link;
    BOOLEAN IsRoot;
    BOOLEAN Present;
    char *DeviceId, *InstanceId, *HardwareIds, *CompatibleIds, *Description, *Location;
    IO_RESOURCE_DESCRIPTOR *Requirements;
    ULONG RequirementCount;
    PDEVICE_OBJECT Device;
    PDEVICE_OBJECT Bus;                     /* the modelled bus reporting it; NULL: the root */
    void (*Enumerate)(PDEVICE_OBJECT Self); /* a bus: refreshes its children before BusRelations */
    BOOLEAN HasLocation;
    IOP_BUS_LOCATION BusLocation;
    BOOLEAN CanWake;                        /* can wake the system from S3 (keyboard, mouse, COM) */
    PIRP WaitWake;                          /* the IRP_MN_WAIT_WAKE armed, until the device signals */
} IOP_ROOT_PDO;

static IOP_DRIVER *IopPnpManager;
static BOOLEAN IopBogusSeen; /* the PN-04 probe reached a root PDO */

BOOLEAN IopRootTakeBogusSeen(void)
{
    BOOLEAN Seen = IopBogusSeen;
    IopBogusSeen = FALSE;
    return Seen;
}
static LIST_ENTRY IopRootPdos;

static IOP_ROOT_PDO *IopRootPdo(PDEVICE_OBJECT Device)
{
    return *(IOP_ROOT_PDO **)Device->DeviceExtension;
}

BOOLEAN IopIsRootPdo(PDEVICE_OBJECT Device)
{
    return IopPnpManager && Device->DriverObject == &IopPnpManager->Object;
}

static size_t IopMultiSzLength(const char *MultiSz)
{
    const char *P = MultiSz;
    while (*P)
        P += strlen(P) + 1;
    return (size_t)(P - MultiSz) + 1;
}

static char *IopMultiSzDup(const char *MultiSz)
{
    if (MultiSz == NULL)
        return NULL;
    size_t Length = IopMultiSzLength(MultiSz);
    char *Copy = KiHostAlloc(Length + 1);
    memcpy(Copy, MultiSz, Length);
    Copy[Length] = 0;
    return Copy;
}

/* A wide copy in paged pool, as a bus driver returns IDs (the PnP manager frees it). */
static PWSTR IopPoolWide(const char *Utf8, BOOLEAN MultiSz)
{
    size_t Bytes = MultiSz ? IopMultiSzLength(Utf8) : strlen(Utf8) + 1;
    PWSTR Wide = ExAllocatePoolWithTag(PagedPool, (Bytes + 1) * sizeof(WCHAR), 'tooR');
    if (Wide == NULL)
        return NULL;
    size_t o = 0;
    for (const char *P = Utf8; (size_t)(P - Utf8) < Bytes;) {
        size_t n = strlen(P);
        o += RtlpUtf8ToUtf16(P, n, Wide + o, Bytes + 1 - o);
        Wide[o++] = 0;
        P += n + 1;
        if (!MultiSz)
            break;
    }
    Wide[o] = 0;
    return Wide;
}

static NTSTATUS IopRootQueryId(IOP_ROOT_PDO *Pdo, BUS_QUERY_ID_TYPE Type, PIRP Irp)
{
    const char *Text = NULL;
    BOOLEAN Multi = FALSE;
    switch (Type) {
    case BusQueryDeviceID: Text = Pdo->DeviceId; break;
    case BusQueryInstanceID: Text = Pdo->InstanceId; break;
    case BusQueryHardwareIDs: Text = Pdo->HardwareIds; Multi = TRUE; break;
    case BusQueryCompatibleIDs: Text = Pdo->CompatibleIds; Multi = TRUE; break;
    default: break;
    }
    if (Text == NULL)
        return Irp->IoStatus.Status;
    PWSTR Wide = IopPoolWide(Text, Multi);
    if (Wide == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Irp->IoStatus.Information = (ULONG_PTR)Wide;
    return STATUS_SUCCESS;
}

static NTSTATUS IopRootQueryText(IOP_ROOT_PDO *Pdo, DEVICE_TEXT_TYPE Type, PIRP Irp)
{
    const char *Text = Type == DeviceTextDescription ? Pdo->Description : Pdo->Location;
    if (Text == NULL)
        return Irp->IoStatus.Status;
    PWSTR Wide = IopPoolWide(Text, FALSE);
    if (Wide == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Irp->IoStatus.Information = (ULONG_PTR)Wide;
    return STATUS_SUCCESS;
}

static NTSTATUS IopRootCapabilities(IOP_ROOT_PDO *Pdo, PDEVICE_CAPABILITIES Caps)
{
    Caps->UniqueID = FALSE;
    Caps->SilentInstall = TRUE;
    Caps->RawDeviceOK = Pdo->Enumerate != NULL;
    Caps->SurpriseRemovalOK = strncmp(Pdo->DeviceId, "ROOT\\", 5) == 0;
    Caps->Address = Pdo->HasLocation ? Pdo->BusLocation.Address : 0xFFFFFFFF;
    Caps->UINumber = Pdo->HasLocation ? Pdo->BusLocation.UINumber : 0xFFFFFFFF;
    Caps->DeviceState[PowerSystemWorking] = PowerDeviceD0;
    for (int s = PowerSystemSleeping1; s < PowerSystemMaximum; s++)
        Caps->DeviceState[s] = PowerDeviceD3;
    Caps->SystemWake = Pdo->CanWake ? PowerSystemSleeping3 : PowerSystemUnspecified;
    Caps->DeviceWake = Pdo->CanWake ? PowerDeviceD2 : PowerDeviceUnspecified;
    Caps->WakeFromD2 = Pdo->CanWake;
    return STATUS_SUCCESS;
}

static NTSTATUS IopRootRequirements(IOP_ROOT_PDO *Pdo, PIRP Irp)
{
    if (Pdo->RequirementCount == 0)
        return Irp->IoStatus.Status;
    ULONG Size = (ULONG)(FIELD_OFFSET(IO_RESOURCE_REQUIREMENTS_LIST, List[0].Descriptors) +
                         Pdo->RequirementCount * sizeof(IO_RESOURCE_DESCRIPTOR));
    PIO_RESOURCE_REQUIREMENTS_LIST List = ExAllocatePoolWithTag(PagedPool, Size, 'tooR');
    if (List == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    memset(List, 0, Size);
    List->ListSize = Size;
    List->InterfaceType = Pdo->HasLocation ? Pdo->BusLocation.InterfaceType : Isa;
    List->BusNumber = Pdo->HasLocation ? Pdo->BusLocation.BusNumber : 0;
    List->AlternativeLists = 1;
    List->List[0].Version = 1;
    List->List[0].Revision = 1;
    List->List[0].Count = Pdo->RequirementCount;
    memcpy(List->List[0].Descriptors, Pdo->Requirements, Pdo->RequirementCount * sizeof(IO_RESOURCE_DESCRIPTOR));
    Irp->IoStatus.Information = (ULONG_PTR)List;
    return STATUS_SUCCESS;
}

static NTSTATUS IopRootBusInformation(IOP_ROOT_PDO *Pdo, PIRP Irp)
{
    if (!Pdo->HasLocation || Pdo->BusLocation.BusTypeGuid == NULL)
        return Irp->IoStatus.Status;
    PPNP_BUS_INFORMATION Info = ExAllocatePoolWithTag(PagedPool, sizeof(*Info), 'tooR');
    if (Info == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Info->BusTypeGuid = *Pdo->BusLocation.BusTypeGuid;
    Info->LegacyBusType = Pdo->BusLocation.InterfaceType;
    Info->BusNumber = Pdo->BusLocation.BusNumber;
    Irp->IoStatus.Information = (ULONG_PTR)Info;
    return STATUS_SUCCESS;
}

static BOOLEAN IopRootReports(PDEVICE_OBJECT Bus, const IOP_ROOT_PDO *Pdo)
{
    return Pdo->Present && Pdo->Bus == Bus;
}

/* The children of Bus (NULL: the root). */
static NTSTATUS IopRootBusRelations(PDEVICE_OBJECT Bus, PIRP Irp)
{
    ULONG Count = 0;
    for (PLIST_ENTRY E = IopRootPdos.Flink; E != &IopRootPdos; E = E->Flink)
        Count += IopRootReports(Bus, CONTAINING_RECORD(E, IOP_ROOT_PDO, Link));
    ULONG Size = (ULONG)(FIELD_OFFSET(DEVICE_RELATIONS, Objects) + (Count ? Count : 1) * sizeof(PDEVICE_OBJECT));
    PDEVICE_RELATIONS Relations = ExAllocatePoolWithTag(PagedPool, Size, 'tooR');
    if (Relations == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Relations->Count = 0;
    for (PLIST_ENTRY E = IopRootPdos.Flink; E != &IopRootPdos; E = E->Flink) {
        IOP_ROOT_PDO *Pdo = CONTAINING_RECORD(E, IOP_ROOT_PDO, Link);
        if (!IopRootReports(Bus, Pdo))
            continue;
        ObpReference(Pdo->Device);
        Relations->Objects[Relations->Count++] = Pdo->Device;
    }
    Irp->IoStatus.Information = (ULONG_PTR)Relations;
    return STATUS_SUCCESS;
}

static void IopRootFreePdo(IOP_ROOT_PDO *Pdo)
{
    RemoveEntryList(&Pdo->Link);
    free(Pdo->DeviceId);
    free(Pdo->InstanceId);
    free(Pdo->HardwareIds);
    free(Pdo->CompatibleIds);
    free(Pdo->Description);
    free(Pdo->Location);
    free(Pdo->Requirements);
    free(Pdo);
}

static BOOLEAN IopRootFinishWaitWake(IOP_ROOT_PDO *Pdo, NTSTATUS Status);

static NTSTATUS IopRootChildPnp(PDEVICE_OBJECT Device, IOP_ROOT_PDO *Pdo, PIO_STACK_LOCATION Stack, PIRP Irp)
{
    switch (Stack->MinorFunction) {
    case IRP_MN_QUERY_ID:
        return IopRootQueryId(Pdo, Stack->Parameters.QueryId.IdType, Irp);
    case IRP_MN_QUERY_DEVICE_TEXT:
        return IopRootQueryText(Pdo, Stack->Parameters.QueryDeviceText.DeviceTextType, Irp);
    case IRP_MN_QUERY_CAPABILITIES:
        return IopRootCapabilities(Pdo, Stack->Parameters.DeviceCapabilities.Capabilities);
    case IRP_MN_QUERY_RESOURCE_REQUIREMENTS:
        return IopRootRequirements(Pdo, Irp);
    case IRP_MN_QUERY_BUS_INFORMATION:
        return IopRootBusInformation(Pdo, Irp);
    case IRP_MN_QUERY_INTERFACE:
        return Pdo->HasLocation && Pdo->BusLocation.InterfaceType == PCIBus ? IopPciQueryInterface(Device, Stack, Irp)
                                                                           : Irp->IoStatus.Status;
    case IRP_MN_READ_CONFIG:
    case IRP_MN_WRITE_CONFIG:
        return Pdo->HasLocation && Pdo->BusLocation.InterfaceType == PCIBus ? IopPciReadWriteConfig(Device, Stack, Irp)
                                                                           : Irp->IoStatus.Status;
    case IRP_MN_START_DEVICE:
        if (IopDeviceNode(Device))
            IopPnpLowerStarted(IopDeviceNode(Device)); /* the hardware is the function driver's now */
        return STATUS_SUCCESS;
    case IOP_MN_BOGUS:
        IopBogusSeen = TRUE;
        return Irp->IoStatus.Status;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_STOP_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        return STATUS_SUCCESS;
    case IRP_MN_SURPRISE_REMOVAL:
        IopRootFinishWaitWake(Pdo, STATUS_NO_SUCH_DEVICE);
        return STATUS_SUCCESS;
    case IRP_MN_EJECT:
        if (Pdo->Bus != NULL)
            return Irp->IoStatus.Status; /* a PCI function cannot be ejected (no hot-plug controller) */
        Pdo->Present = FALSE; /* out of the machine: the next BusRelations leaves it out */
        return STATUS_SUCCESS;
    case IRP_MN_REMOVE_DEVICE:
        IopRootFinishWaitWake(Pdo, STATUS_NO_SUCH_DEVICE);
        if (!Pdo->Present) {
            IopRootFreePdo(Pdo);
            IopReclaimDevice(Device);
        }
        return STATUS_SUCCESS;
    case IRP_MN_QUERY_DEVICE_RELATIONS:
        if (Stack->Parameters.QueryDeviceRelations.Type == BusRelations && Pdo->Enumerate) {
            Pdo->Enumerate(Device);
            return IopRootBusRelations(Device, Irp);
        }
        if (Stack->Parameters.QueryDeviceRelations.Type == TargetDeviceRelation) {
            PDEVICE_RELATIONS Relations = ExAllocatePoolWithTag(PagedPool, sizeof(DEVICE_RELATIONS), 'tooR');
            if (Relations == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
            Relations->Count = 1;
            Relations->Objects[0] = Device;
            ObpReference(Device);
            Irp->IoStatus.Information = (ULONG_PTR)Relations;
            return STATUS_SUCCESS;
        }
        return Irp->IoStatus.Status;
    default:
        return Irp->IoStatus.Status;
    }
}

/* The PnP manager's own requests must not be failed by a fault sweep aimed at
 * drivers: its dispatch runs with no current driver. */
static NTSTATUS IopRootDispatchPnp(PDEVICE_OBJECT Device, PIRP Irp)
{
    PDRIVER_OBJECT Saved = VfSetCurrentDriver(NULL);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    IOP_ROOT_PDO *Pdo = IopRootPdo(Device);
    NTSTATUS Status;
    if (Pdo->IsRoot)
        Status = Stack->MinorFunction == IRP_MN_QUERY_DEVICE_RELATIONS &&
                         Stack->Parameters.QueryDeviceRelations.Type == BusRelations
                     ? IopRootBusRelations(NULL, Irp)
                     : Stack->MinorFunction == IRP_MN_START_DEVICE ? STATUS_SUCCESS : Irp->IoStatus.Status;
    else
        Status = IopRootChildPnp(Device, Pdo, Stack, Irp);
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    VfSetCurrentDriver(Saved);
    return Status;
}

/* ---- wait/wake: a PDO that can wake the system holds one IRP_MN_WAIT_WAKE until the
 * device signals (ntsim_pnp_wake), the IRP is cancelled, or the device goes away ---- */

static VOID IopRootCancelWaitWake(PDEVICE_OBJECT Device, PIRP Irp)
{
    IOP_ROOT_PDO *Pdo = IopRootPdo(Device);
    if (Pdo->WaitWake == Irp)
        Pdo->WaitWake = NULL;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    Irp->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

/* Completes the armed WAIT_WAKE with Status unless it is being cancelled. */
static BOOLEAN IopRootFinishWaitWake(IOP_ROOT_PDO *Pdo, NTSTATUS Status)
{
    PIRP Irp = Pdo->WaitWake;
    if (Irp == NULL || IoSetCancelRoutine(Irp, NULL) == NULL)
        return FALSE; /* none, or the cancel routine owns it */
    Pdo->WaitWake = NULL;
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return TRUE;
}

static NTSTATUS IopRootArmWaitWake(PDEVICE_OBJECT Device, IOP_ROOT_PDO *Pdo, PIRP Irp)
{
    SYSTEM_POWER_STATE From = IoGetCurrentIrpStackLocation(Irp)->Parameters.WaitWake.PowerState;
    if (!Pdo->CanWake || From > PowerSystemSleeping3)
        return STATUS_INVALID_DEVICE_STATE; /* cannot wake the system from there */
    if (Pdo->WaitWake != NULL)
        return STATUS_DEVICE_BUSY; /* one at a time */
    (void)Device;
    IoMarkIrpPending(Irp);
    Pdo->WaitWake = Irp;
    IoSetCancelRoutine(Irp, IopRootCancelWaitWake);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        Pdo->WaitWake = NULL;
        return STATUS_CANCELLED;
    }
    return STATUS_PENDING;
}

static NTSTATUS IopRootDispatchPower(PDEVICE_OBJECT Device, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = Irp->IoStatus.Status;
    if (Stack->MinorFunction == IRP_MN_SET_POWER || Stack->MinorFunction == IRP_MN_QUERY_POWER)
        Status = STATUS_SUCCESS;
    PoStartNextPowerIrp(Irp);
    if (Stack->MinorFunction == IRP_MN_WAIT_WAKE) {
        Status = IopRootArmWaitWake(Device, IopRootPdo(Device), Irp);
        if (Status == STATUS_PENDING)
            return Status;
    }
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* The device signalled wake: the armed WAIT_WAKE completes with STATUS_SUCCESS. */
NTSTATUS IopRootSignalWake(PDEVICE_OBJECT Device)
{
    if (!IopIsRootPdo(Device))
        return STATUS_INVALID_DEVICE_REQUEST;
    IOP_ROOT_PDO *Pdo = IopRootPdo(Device);
    if (!Pdo->CanWake)
        return STATUS_NOT_SUPPORTED;
    return IopRootFinishWaitWake(Pdo, STATUS_SUCCESS) ? STATUS_SUCCESS : STATUS_INVALID_DEVICE_STATE;
}

PDRIVER_OBJECT IopPnpManagerDriver(void)
{
    if (IopPnpManager == NULL) {
        InitializeListHead(&IopRootPdos);
        IopPnpManager = IopCreateDriverObject("PnpManager");
        IopPnpManager->Loaded = TRUE;
        IopPnpManager->Object.Flags = DRVO_BUILTIN_DRIVER | DRVO_INITIALIZED;
        IopPnpManager->Object.MajorFunction[IRP_MJ_PNP] = IopRootDispatchPnp;
        IopPnpManager->Object.MajorFunction[IRP_MJ_POWER] = IopRootDispatchPower;
    }
    return &IopPnpManager->Object;
}

static PDEVICE_OBJECT IopRootCreatePdo(IOP_ROOT_PDO *Pdo)
{
    PDRIVER_OBJECT Driver = IopPnpManagerDriver();
    PDRIVER_OBJECT Saved = VfSetCurrentDriver(NULL);
    PDEVICE_OBJECT Device = NULL;
    NTSTATUS Status = IoCreateDevice(Driver, sizeof(IOP_ROOT_PDO *), NULL, FILE_DEVICE_CONTROLLER,
                                     FILE_AUTOGENERATED_DEVICE_NAME, FALSE, &Device);
    VfSetCurrentDriver(Saved);
    if (!NT_SUCCESS(Status))
        return NULL;
    /* the PnP manager's own device objects are not a driver's to leak */
    VfUntrack(&IopDevice(Device)->Track);
    *(IOP_ROOT_PDO **)Device->DeviceExtension = Pdo;
    Device->Flags |= DO_BUS_ENUMERATED_DEVICE;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    Pdo->Device = Device;
    Pdo->Present = TRUE;
    InsertTailList(&IopRootPdos, &Pdo->Link);
    return Device;
}

PDEVICE_OBJECT IopRootCreateRootPdo(void)
{
    IOP_ROOT_PDO *Pdo = KiHostAlloc(sizeof(*Pdo));
    memset(Pdo, 0, sizeof(*Pdo));
    Pdo->IsRoot = TRUE;
    Pdo->DeviceId = KiHostStrdup("HTREE\\ROOT");
    Pdo->InstanceId = KiHostStrdup("0");
    PDEVICE_OBJECT Device = IopRootCreatePdo(Pdo);
    RemoveEntryList(&Pdo->Link); /* the root is not its own child */
    InitializeListHead(&Pdo->Link);
    Pdo->Present = FALSE;
    return Device;
}

PDEVICE_OBJECT IopRootAddDevice(const IOP_ROOT_DEVICE_SPEC *Spec)
{
    IopPnpManagerDriver();
    for (PLIST_ENTRY E = IopRootPdos.Flink; E != &IopRootPdos; E = E->Flink) {
        IOP_ROOT_PDO *Old = CONTAINING_RECORD(E, IOP_ROOT_PDO, Link);
        if (Old->Present && !strcasecmp(Old->DeviceId, Spec->DeviceId) && !strcasecmp(Old->InstanceId, Spec->InstanceId))
            return NULL; /* already there */
    }
    IOP_ROOT_PDO *Pdo = KiHostAlloc(sizeof(*Pdo));
    memset(Pdo, 0, sizeof(*Pdo));
    Pdo->DeviceId = KiHostStrdup(Spec->DeviceId);
    Pdo->InstanceId = KiHostStrdup(Spec->InstanceId);
    Pdo->HardwareIds = IopMultiSzDup(Spec->HardwareIds);
    Pdo->CompatibleIds = IopMultiSzDup(Spec->CompatibleIds);
    Pdo->Description = Spec->Description ? KiHostStrdup(Spec->Description) : NULL;
    Pdo->Location = Spec->Location ? KiHostStrdup(Spec->Location) : NULL;
    Pdo->Bus = Spec->Bus;
    Pdo->Enumerate = Spec->Enumerate;
    Pdo->CanWake = Spec->CanWake;
    if (Spec->On) {
        Pdo->HasLocation = TRUE;
        Pdo->BusLocation = *Spec->On;
    }
    if (Spec->RequirementCount) {
        size_t Bytes = Spec->RequirementCount * sizeof(IO_RESOURCE_DESCRIPTOR);
        Pdo->Requirements = KiHostAlloc(Bytes);
        memcpy(Pdo->Requirements, Spec->Requirements, Bytes);
        Pdo->RequirementCount = Spec->RequirementCount;
    }
    PDEVICE_OBJECT Device = IopRootCreatePdo(Pdo);
    if (Device == NULL) {
        IopRootFreePdo(Pdo);
        return NULL;
    }
    /* a device of the root bus plugged in after the tree was built: the root
     * re-enumerates at the next PnP pass (children of modelled buses are added while
     * their bus enumerates) */
    IOP_DEVNODE *Root = IopPnpExistingRoot();
    if (Spec->Bus == NULL && Root != NULL && Root->State == IopPnpStarted)
        Root->EnumerationPending = TRUE;
    return Device;
}

BOOLEAN IopRootBusLocation(PDEVICE_OBJECT Device, IOP_BUS_LOCATION *Out)
{
    if (!IopIsRootPdo(Device) || !IopRootPdo(Device)->HasLocation)
        return FALSE;
    *Out = IopRootPdo(Device)->BusLocation;
    return TRUE;
}

/* Unplug: the next BusRelations leaves the PDO out. */
BOOLEAN IopRootMarkMissing(PDEVICE_OBJECT Device)
{
    if (!IopIsRootPdo(Device) || IopRootPdo(Device)->IsRoot)
        return FALSE;
    IopRootPdo(Device)->Present = FALSE;
    return TRUE;
}

/* At machine teardown (no driver code runs): every root PDO and its descriptor. */
void IopRootShutdown(void)
{
    IopPciShutdown();
    if (IopPnpManager == NULL)
        return;
    while (IopPnpManager->Object.DeviceObject) {
        PDEVICE_OBJECT Device = IopPnpManager->Object.DeviceObject;
        IOP_ROOT_PDO *Pdo = IopRootPdo(Device);
        if (Pdo)
            IopRootFreePdo(Pdo);
        IopReclaimDevice(Device);
    }
    IopPnpManager = NULL;
}
