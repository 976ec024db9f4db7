/* pnp.c (host) - the PnP manager from the test bench: bindings, root-enumerated
 * devices, starting the tree, removal, stop/rebalance, system power and the device
 * tree printout (docs/pnp.md). Every call into the PnP manager runs on the host
 * thread inside a host frame, so a bug check in a driver returns NTSIM_E_CRASHED. */
#include "host/hostp.h"
#include "io/pnpp.h"

#include <unistd.h>

/* Requirement lists of legacy devices, as their ACPI descriptions state them: fixed
 * ports, a fixed edge-triggered interrupt line, a fixed DMA channel. */
#define NTSIM_MAX_LEGACY_REQUIREMENTS 4

/* The next descriptor of Spec's list, zeroed, fixed and device-exclusive. */
static IO_RESOURCE_DESCRIPTOR *NtsimRequire(IOP_ROOT_DEVICE_SPEC *Spec, IO_RESOURCE_DESCRIPTOR *Req, UCHAR Type)
{
    IO_RESOURCE_DESCRIPTOR *D = &Req[Spec->RequirementCount++];
    memset(D, 0, sizeof(*D));
    D->Type = Type;
    D->ShareDisposition = CmResourceShareDeviceExclusive;
    return D;
}

static void NtsimRequirePorts(IOP_ROOT_DEVICE_SPEC *Spec, IO_RESOURCE_DESCRIPTOR *Req, unsigned Io, unsigned Length)
{
    IO_RESOURCE_DESCRIPTOR *D = NtsimRequire(Spec, Req, CmResourceTypePort);
    D->Flags = CM_RESOURCE_PORT_IO | CM_RESOURCE_PORT_16_BIT_DECODE;
    D->u.Port.Length = Length;
    D->u.Port.Alignment = 1;
    D->u.Port.MinimumAddress.QuadPart = Io;
    D->u.Port.MaximumAddress.QuadPart = Io + Length - 1;
}

static void NtsimRequireIrq(IOP_ROOT_DEVICE_SPEC *Spec, IO_RESOURCE_DESCRIPTOR *Req, unsigned Irq)
{
    IO_RESOURCE_DESCRIPTOR *D = NtsimRequire(Spec, Req, CmResourceTypeInterrupt);
    D->Flags = CM_RESOURCE_INTERRUPT_LATCHED;
    D->u.Interrupt.MinimumVector = Irq;
    D->u.Interrupt.MaximumVector = Irq;
}

static void NtsimRequireDma(IOP_ROOT_DEVICE_SPEC *Spec, IO_RESOURCE_DESCRIPTOR *Req, unsigned Channel)
{
    IO_RESOURCE_DESCRIPTOR *D = NtsimRequire(Spec, Req, CmResourceTypeDma);
    D->Flags = CM_RESOURCE_DMA_8;
    D->u.Dma.MinimumChannel = Channel;
    D->u.Dma.MaximumChannel = Channel;
}

/* One root PDO: its ACPI ID (the hardware IDs are "ACPI\PNPxxxx" and "*PNPxxxx"). */
static void NtsimAddAcpiDevice(IOP_ROOT_DEVICE_SPEC *Spec, const char *PnpId, const char *Instance,
                               const char *Description, const char *Location)
{
    char DeviceId[32], Ids[64];
    snprintf(DeviceId, sizeof(DeviceId), "ACPI\\%s", PnpId);
    int n = snprintf(Ids, sizeof(Ids) - 1, "ACPI\\%s%c*%s", PnpId, 0, PnpId);
    Ids[n > 0 && (size_t)n < sizeof(Ids) - 1 ? (size_t)n + 1 : sizeof(Ids) - 1] = 0;
    Spec->DeviceId = DeviceId;
    Spec->InstanceId = Instance;
    Spec->HardwareIds = Ids;
    Spec->Description = Description;
    Spec->Location = Location;
    IopRootAddDevice(Spec);
}

/* The machine's legacy devices as root-bus PDOs, with the IDs a PC's ACPI tables give
 * them (once each; later calls add new ones). */
static void NtsimAddLegacyDevices(void)
{
    NTSIM_DEVICE_RESOURCES R;
    unsigned Uarts = 0, Lpts = 0;
    for (size_t i = 0; NtsimDeviceResources(i, &R) == 0; i++) {
        IO_RESOURCE_DESCRIPTOR Req[NTSIM_MAX_LEGACY_REQUIREMENTS];
        IOP_ROOT_DEVICE_SPEC Spec = { .Requirements = Req };
        char Instance[16], Location[32];
        if (!strcmp(R.Kind, "uart16550")) {
            snprintf(Instance, sizeof(Instance), "%u", ++Uarts);
            snprintf(Location, sizeof(Location), "COM%u", Uarts);
            NtsimRequirePorts(&Spec, Req, R.Io, 8);
            NtsimRequireIrq(&Spec, Req, R.Irq);
            Spec.CanWake = TRUE; /* ring indicate */
            NtsimAddAcpiDevice(&Spec, "PNP0501", Instance, "Communications Port", Location);
        } else if (!strcmp(R.Kind, "pit8254")) {
            NtsimRequirePorts(&Spec, Req, R.Io, 4);
            NtsimRequireIrq(&Spec, Req, R.Irq);
            NtsimAddAcpiDevice(&Spec, "PNP0100", "1", "System timer", NULL);
        } else if (!strcmp(R.Kind, "i8042")) {
            NtsimRequirePorts(&Spec, Req, R.Io, 1);
            NtsimRequirePorts(&Spec, Req, R.Io + 4, 1);
            NtsimRequireIrq(&Spec, Req, R.Irq);
            Spec.CanWake = TRUE;
            NtsimAddAcpiDevice(&Spec, "PNP0303", "1", "Standard PS/2 Keyboard", NULL);
            if (R.AuxIrq >= 0) {
                IOP_ROOT_DEVICE_SPEC Mouse = { .Requirements = Req, .CanWake = TRUE };
                NtsimRequireIrq(&Mouse, Req, (unsigned)R.AuxIrq);
                NtsimAddAcpiDevice(&Mouse, "PNP0F13", "1", "PS/2 Compatible Mouse", NULL);
            }
        } else if (!strcmp(R.Kind, "isa-parallel")) {
            snprintf(Instance, sizeof(Instance), "%u", ++Lpts);
            snprintf(Location, sizeof(Location), "LPT%u", Lpts);
            NtsimRequirePorts(&Spec, Req, R.Io, R.Io == 0x3BC ? 4 : 8);
            NtsimRequireIrq(&Spec, Req, R.Irq);
            NtsimAddAcpiDevice(&Spec, "PNP0400", Instance, "Printer Port", Location);
        } else if (!strcmp(R.Kind, "pcspk")) {
            NtsimRequirePorts(&Spec, Req, 0x61, 1);
            NtsimAddAcpiDevice(&Spec, "PNP0800", "1", "System speaker", NULL);
        } else if (!strcmp(R.Kind, "i8237")) {
            NtsimRequirePorts(&Spec, Req, 0x00, 16);
            NtsimRequirePorts(&Spec, Req, 0x81, 15);
            NtsimRequirePorts(&Spec, Req, 0xC0, 32);
            NtsimRequireDma(&Spec, Req, 4);
            NtsimAddAcpiDevice(&Spec, "PNP0200", "1", "Direct memory access controller", NULL);
        } else if (!strcmp(R.Kind, "isa-fdc")) {
            NtsimRequirePorts(&Spec, Req, R.Io, 6);
            NtsimRequirePorts(&Spec, Req, R.Io + 7, 1);
            NtsimRequireIrq(&Spec, Req, R.Irq);
            if (R.Dma >= 0)
                NtsimRequireDma(&Spec, Req, (unsigned)R.Dma);
            NtsimAddAcpiDevice(&Spec, "PNP0700", "1", "Standard floppy disk controller", NULL);
        }
    }
    IopPciAddBus(); /* PCI functions are the PCI bus's children (sim/io/pnppci.c) */
}

static int NtsimPnpEnter(ntsim_machine *Machine)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    KiInstallSignalHandlers();
    IopPnpRootNode();
    NtsimAddLegacyDevices();
    return 0;
}

#define NTSIM_PNP_CALL(Result, Call) do { \
        KI_HOST_FRAME _Frame; \
        IopPnpHostPassBegin(); \
        if (KI_HOST_TRY(&_Frame)) \
            Result = (Call); \
        IopPnpHostPassEnd(); \
        KiLeaveHost(&_Frame); \
        if (KiMachineCrashed()) \
            return NTSIM_E_CRASHED; \
    } while (0)

int ntsim_pnp_bind(ntsim_machine *Machine, const char *HardwareId, const char *ImagePath, const char *ServiceName,
                   ntsim_pnp_role Role)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (HardwareId == NULL || *HardwareId == 0 || (ImagePath == NULL && ServiceName == NULL) ||
        (unsigned)Role > NTSIM_PNP_LOWER_FILTER) {
        NtsimSetLastError("ntsim_pnp_bind: a hardware ID and an image path or service name are required");
        return NTSIM_E_ARGS;
    }
    char Name[128];
    if (ServiceName == NULL) {
        const char *Base = strrchr(ImagePath, '/');
        Base = Base ? Base + 1 : ImagePath;
        snprintf(Name, sizeof(Name), "%.*s", (int)strcspn(Base, "."), Base);
        ServiceName = Name;
    }
    if (ImagePath && access(ImagePath, R_OK) != 0) {
        NtsimSetLastError("ntsim_pnp_bind: cannot read driver image '%s'", ImagePath);
        return NTSIM_E_IO;
    }
    return IopPnpBind(HardwareId, ServiceName, ImagePath,
                      Role == NTSIM_PNP_FUNCTION ? IopBindFunction
                      : Role == NTSIM_PNP_UPPER_FILTER ? IopBindUpperFilter : IopBindLowerFilter);
}

int ntsim_pnp_add_root_device(ntsim_machine *Machine, const char *Name, const char *HardwareId)
{
    int Check = NtsimPnpEnter(Machine);
    if (Check)
        return Check;
    if (Name == NULL || *Name == 0 || strchr(Name, '\\') || HardwareId == NULL || *HardwareId == 0) {
        NtsimSetLastError("ntsim_pnp_add_root_device: a name without '\\' and a hardware ID are required");
        return NTSIM_E_ARGS;
    }
    /* MAX_DEVICE_ID_LEN is 200: "ROOT\<name>" and each ID must fit */
    if (strlen(Name) > 150 || strlen(HardwareId) > 200) {
        NtsimSetLastError("ntsim_pnp_add_root_device: the name (at most 150 characters) or the hardware ID (at most "
                          "200, MAX_DEVICE_ID_LEN) is too long");
        return NTSIM_E_ARGS;
    }
    char DeviceId[160], Ids[204];
    snprintf(DeviceId, sizeof(DeviceId), "ROOT\\%s", Name);
    size_t n = strlen(HardwareId);
    memcpy(Ids, HardwareId, n);
    Ids[n] = Ids[n + 1] = 0; /* a one-string multi-string */
    IOP_ROOT_DEVICE_SPEC Spec = { .DeviceId = DeviceId, .InstanceId = "0000", .HardwareIds = Ids, .Description = Name };
    if (IopRootAddDevice(&Spec) == NULL) {
        NtsimSetLastError("ntsim_pnp_add_root_device: ROOT\\%s\\0000 already exists", Name);
        return NTSIM_E_STATE;
    }
    return 0;
}

int32_t ntsim_pnp_start(ntsim_machine *Machine)
{
    int Check = NtsimPnpEnter(Machine);
    if (Check)
        return Check;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpStartAll());
    return Status;
}

int32_t ntsim_pnp_process(ntsim_machine *Machine)
{
    int Check = NtsimPnpEnter(Machine);
    if (Check)
        return Check;
    int Done = 0;
    NTSIM_PNP_CALL(Done, (IopPnpProcessPending(), 1));
    (void)Done;
    return 0;
}

static IOP_DEVNODE *NtsimNode(ntsim_machine *Machine, const char *InstancePath, int *Error)
{
    *Error = NtsimPnpEnter(Machine);
    if (*Error)
        return NULL;
    IOP_DEVNODE *Node = InstancePath ? IopPnpFindNode(InstancePath) : NULL;
    if (Node == NULL) {
        NtsimSetLastError("no device '%s' in the device tree (ntsim_pnp_print_tree lists them)",
                          InstancePath ? InstancePath : "(null)");
        *Error = NTSIM_E_ARGS;
    }
    return Node;
}

const char *ntsim_pnp_state(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    return Node ? IopPnpStateName(Node->State) : NULL;
}

int32_t ntsim_pnp_start_device(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpStartNode(Node));
    if (NT_SUCCESS(Status) && Node->State == IopPnpNoDriver) {
        NtsimSetLastError("%s has no driver bound (ntsim_pnp_bind)", InstancePath);
        return STATUS_DRIVER_UNABLE_TO_LOAD;
    }
    return Status;
}

static int32_t NtsimVetoed(NTSTATUS Status, const char *Veto)
{
    if (!NT_SUCCESS(Status))
        NtsimSetLastError("vetoed: %s", Veto[0] ? Veto : "(no reason)");
    return Status;
}

int32_t ntsim_pnp_remove(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    char Veto[512] = "";
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpRemoveNode(Node, FALSE, Veto, sizeof(Veto)));
    return NtsimVetoed(Status, Veto);
}

int32_t ntsim_pnp_surprise_remove(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpRemoveNode(Node, TRUE, NULL, 0));
    return Status;
}

int32_t ntsim_pnp_stop(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    char Veto[512] = "";
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpStopNode(Node, Veto, sizeof(Veto)));
    return NtsimVetoed(Status, Veto);
}

int32_t ntsim_pnp_rebalance(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    char Veto[512] = "";
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpRebalanceNode(Node, Veto, sizeof(Veto)));
    return NtsimVetoed(Status, Veto);
}

const void *ntsim_pnp_resources(ntsim_machine *Machine, const char *InstancePath, int Translated)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return NULL;
    return Translated ? (const void *)Node->Translated : (const void *)Node->Raw;
}

int32_t ntsim_pnp_wake(ntsim_machine *Machine, const char *InstancePath)
{
    int Error;
    IOP_DEVNODE *Node = NtsimNode(Machine, InstancePath, &Error);
    if (Node == NULL)
        return Error;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopRootSignalWake(Node->Pdo));
    if (Status == STATUS_NOT_SUPPORTED)
        NtsimSetLastError("%s cannot wake the system (its capabilities say SystemWake unspecified)", InstancePath);
    else if (Status == STATUS_INVALID_DEVICE_STATE)
        NtsimSetLastError("%s: no IRP_MN_WAIT_WAKE is armed (its power policy owner requests one with "
                          "PoRequestPowerIrp)", InstancePath);
    return Status;
}

int32_t ntsim_pnp_set_system_power(ntsim_machine *Machine, int SystemState)
{
    int Check = NtsimPnpEnter(Machine);
    if (Check)
        return Check;
    if (SystemState < PowerSystemWorking || SystemState > PowerSystemShutdown) {
        NtsimSetLastError("ntsim_pnp_set_system_power: state %d is not S0..S5 (1..6)", SystemState);
        return NTSIM_E_ARGS;
    }
    char Veto[512] = "";
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    NTSIM_PNP_CALL(Status, IopPnpSetSystemPower((SYSTEM_POWER_STATE)SystemState, Veto, sizeof(Veto)));
    return NtsimVetoed(Status, Veto);
}

int ntsim_pnp_remove_all(ntsim_machine *Machine)
{
    int Check = NtsimPnpEnter(Machine);
    if (Check)
        return Check;
    IOP_DEVNODE *Root = IopPnpRootNode();
    int Vetoes = 0;
    /* newest first, so that what was added last goes first */
    for (PLIST_ENTRY E = Root->Children.Blink; E != &Root->Children;) {
        IOP_DEVNODE *Node = CONTAINING_RECORD(E, IOP_DEVNODE, Sibling);
        E = E->Blink;
        if (Node->State == IopPnpRemoved || Node->State == IopPnpNoDriver || Node->State == IopPnpEnumerated)
            continue;
        char Veto[512] = "";
        NTSTATUS Status = STATUS_UNSUCCESSFUL;
        NTSIM_PNP_CALL(Status, IopPnpRemoveNode(Node, FALSE, Veto, sizeof(Veto)));
        if (!NT_SUCCESS(Status)) {
            Vetoes++;
            NTSIM_PNP_CALL(Status, IopPnpRemoveNode(Node, TRUE, NULL, 0));
        }
    }
    return Vetoes;
}

/* ---- the tree ---- */

static void NtsimPrintResources(FILE *Out, const IOP_DEVNODE *Node, int Depth)
{
    if (Node->Raw == NULL)
        return;
    const CM_PARTIAL_RESOURCE_LIST *Raw = &Node->Raw->List[0].PartialResourceList;
    const CM_PARTIAL_RESOURCE_LIST *Tr = &Node->Translated->List[0].PartialResourceList;
    for (ULONG i = 0; i < Raw->Count; i++) {
        const CM_PARTIAL_RESOURCE_DESCRIPTOR *R = &Raw->PartialDescriptors[i], *T = &Tr->PartialDescriptors[i];
        fprintf(Out, "%*s  ", Depth * 2, "");
        if (R->Type == CmResourceTypePort || R->Type == CmResourceTypeMemory)
            fprintf(Out, "%s 0x%llX-0x%llX\n", R->Type == CmResourceTypePort ? "io " : "mem",
                    (unsigned long long)R->u.Port.Start.QuadPart,
                    (unsigned long long)R->u.Port.Start.QuadPart + R->u.Port.Length - 1);
        else if (R->Type == CmResourceTypeInterrupt)
            fprintf(Out, "irq %u (vector 0x%X, DIRQL %u, affinity 0x%llX)\n", R->u.Interrupt.Level,
                    T->u.Interrupt.Vector, T->u.Interrupt.Level, (unsigned long long)T->u.Interrupt.Affinity);
        else if (R->Type == CmResourceTypeDma)
            fprintf(Out, "dma %u\n", R->u.Dma.Channel);
        else
            fprintf(Out, "resource type %u\n", R->Type);
    }
}

static void NtsimPrintNode(FILE *Out, const IOP_DEVNODE *Node, int Depth)
{
    fprintf(Out, "%*s%s  [%s", Depth * 2, "", Node->InstancePath ? Node->InstancePath : "?",
            IopPnpStateName(Node->State));
    if (Node->State == IopPnpFailed)
        fprintf(Out, ", 0x%08X", (ULONG)Node->Problem);
    fprintf(Out, "]%s%s\n", Node->Description ? "  " : "", Node->Description ? Node->Description : "");
    for (PDEVICE_OBJECT D = IopGetAttachedDevice(Node->Pdo); D; D = IopDevice(D)->AttachedTo) {
        char Name[128] = "";
        ObpGetObjectName(D, Name, sizeof(Name));
        const char *Role = D == Node->Pdo ? "PDO" : !strcasecmp(VfDriverName(D->DriverObject), Node->Service)
                                                        ? "FDO" : "filter";
        fprintf(Out, "%*s  %-6s \\Driver\\%s%s%s\n", Depth * 2, "", Role, VfDriverName(D->DriverObject),
                Name[0] ? " " : "", Name);
    }
    NtsimPrintResources(Out, Node, Depth);
    if (Node->State == IopPnpStarted && Node->PowerState > PowerDeviceD0 && Node->PowerState < PowerDeviceMaximum)
        fprintf(Out, "%*s  power D%d\n", Depth * 2, "", (int)Node->PowerState - 1);
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink)
        NtsimPrintNode(Out, CONTAINING_RECORD(E, IOP_DEVNODE, Sibling), Depth + 1);
}

void ntsim_pnp_print_tree(FILE *Out, ntsim_machine *Machine)
{
    if (NtsimPnpEnter(Machine) == 0)
        NtsimPrintNode(Out, IopPnpRootNode(), 0);
}

char *ntsim_pnp_tree_text(ntsim_machine *Machine)
{
    char *Text = NULL;
    size_t Size = 0;
    FILE *Out = open_memstream(&Text, &Size);
    if (Out == NULL)
        return NULL;
    ntsim_pnp_print_tree(Out, Machine);
    fclose(Out);
    return Text;
}
