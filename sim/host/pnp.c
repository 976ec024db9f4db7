/* pnp.c (host) - the PnP manager from the test bench: bindings, root-enumerated
 * devices, starting the tree, removal, stop/rebalance, system power and the device
 * tree printout (docs/pnp.md). Every call into the PnP manager runs on the host
 * thread inside a host frame, so a bug check in a driver returns NTSIM_E_CRASHED. */
#include "host/hostp.h"
#include "io/pnpp.h"

#include <unistd.h>

int NtsimDeviceResources(size_t Index, const char **Kind, unsigned *Io, unsigned *Irq); /* devices.c */

/* The requirements of a legacy device, as its ACPI description would state them:
 * fixed ports and a fixed, edge-triggered interrupt line. */
static ULONG NtsimLegacyRequirements(unsigned Io, unsigned Length, unsigned Irq, IO_RESOURCE_DESCRIPTOR *Out)
{
    memset(Out, 0, 2 * sizeof(*Out));
    Out[0].Type = CmResourceTypePort;
    Out[0].ShareDisposition = CmResourceShareDeviceExclusive;
    Out[0].Flags = CM_RESOURCE_PORT_IO | CM_RESOURCE_PORT_16_BIT_DECODE;
    Out[0].u.Port.Length = Length;
    Out[0].u.Port.Alignment = 1;
    Out[0].u.Port.MinimumAddress.QuadPart = Io;
    Out[0].u.Port.MaximumAddress.QuadPart = Io + Length - 1;
    Out[1].Type = CmResourceTypeInterrupt;
    Out[1].ShareDisposition = CmResourceShareDeviceExclusive;
    Out[1].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
    Out[1].u.Interrupt.MinimumVector = Irq;
    Out[1].u.Interrupt.MaximumVector = Irq;
    return 2;
}

/* The machine's legacy devices as root-bus PDOs (once each; later calls add new ones). */
static void NtsimAddLegacyDevices(void)
{
    const char *Kind;
    unsigned Io, Irq, Uarts = 0;
    for (size_t i = 0; NtsimDeviceResources(i, &Kind, &Io, &Irq) == 0; i++) {
        IO_RESOURCE_DESCRIPTOR Req[2];
        char Instance[16], Location[32];
        IOP_ROOT_DEVICE_SPEC Spec;
        memset(&Spec, 0, sizeof(Spec));
        if (!strcmp(Kind, "uart16550")) {
            snprintf(Instance, sizeof(Instance), "%u", ++Uarts);
            snprintf(Location, sizeof(Location), "COM%u", Uarts);
            Spec = (IOP_ROOT_DEVICE_SPEC){ .DeviceId = "ACPI\\PNP0501", .InstanceId = Instance,
                                           .HardwareIds = "ACPI\\PNP0501\0*PNP0501\0",
                                           .Description = "Communications Port", .Location = Location,
                                           .Requirements = Req,
                                           .RequirementCount = NtsimLegacyRequirements(Io, 8, Irq, Req) };
        } else if (!strcmp(Kind, "pit8254")) {
            Spec = (IOP_ROOT_DEVICE_SPEC){ .DeviceId = "ACPI\\PNP0100", .InstanceId = "1",
                                           .HardwareIds = "ACPI\\PNP0100\0*PNP0100\0",
                                           .Description = "System timer", .Requirements = Req,
                                           .RequirementCount = NtsimLegacyRequirements(Io, 4, Irq, Req) };
        } else {
            continue; /* PCI functions: below */
        }
        IopRootAddDevice(&Spec);
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
        if (KI_HOST_TRY(&_Frame)) \
            Result = (Call); \
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
    char DeviceId[160], Ids[300];
    snprintf(DeviceId, sizeof(DeviceId), "ROOT\\%s", Name);
    size_t n = (size_t)snprintf(Ids, sizeof(Ids) - 1, "%s", HardwareId);
    Ids[n + 1] = 0;
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
        const char *Role = D == Node->Pdo ? "PDO" : !strcasecmp(IopDriverServiceName(D->DriverObject), Node->Service)
                                                        ? "FDO" : "filter";
        fprintf(Out, "%*s  %-6s \\Driver\\%s%s%s\n", Depth * 2, "", Role, IopDriverServiceName(D->DriverObject),
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
