/* pnppci.c - the PCI bus: what pci.sys does for the PnP manager, over the machine's
 * configuration space (hwmodel/pci.c through the HAL).
 *
 * The bus is a device of the root bus (ACPI\PNP0A03, as the firmware reports a PCI
 * host bridge) that starts raw: it needs no function driver of its own. Asked for its
 * BusRelations, it walks configuration space, bus by bus, device by device (and the
 * functions of multi-function devices), and reports one PDO per function with:
 *   - the device ID PCI\VEN_v&DEV_d&SUBSYS_sn&REV_r, the instance ID "<bus>&<devfn>";
 *   - hardware and compatible IDs in the documented order (most specific first);
 *   - resource requirements from the BARs, sized by the standard probe (write all
 *     ones, read back), at the addresses the firmware gave them, and the interrupt
 *     line the firmware routed when the interrupt pin is used (level, shared);
 *   - QUERY_BUS_INFORMATION (GUID_BUS_TYPE_PCI, PCIBus, the bus number) and the
 *     capabilities' Address = (device << 16) | function, UINumber = device.
 * docs/pnp.md describes it from the driver's side. */
#include "io/pnpp.h"
#include "hal/halp.h"

#include <hwmodel/pci.h>

static const GUID IopPciBusTypeGuid = { 0xc8ebdfb0, 0xb510, 0x11d0, { 0x80, 0xe5, 0x00, 0xa0, 0xc9, 0x25, 0x42, 0xe3 } };

#define IOP_PCI_MAX_REQUIREMENTS (HW_PCI_BARS + 1)

typedef struct _IOP_PCI_FUNCTION {
    unsigned Bus, Device, Function;
    uint16_t Vendor, DeviceId, SubVendor, SubSystem;
    uint8_t Revision, BaseClass, SubClass, ProgIf;
} IOP_PCI_FUNCTION;

static uint32_t IopPciRead(const IOP_PCI_FUNCTION *F, unsigned Offset, unsigned Size)
{
    return hw_pci_config_read(HalpPci(), F->Bus, F->Device, F->Function, Offset, Size);
}

static void IopPciWrite(const IOP_PCI_FUNCTION *F, unsigned Offset, unsigned Size, uint32_t Value)
{
    hw_pci_config_write(HalpPci(), F->Bus, F->Device, F->Function, Offset, Size, Value);
}

static BOOLEAN IopPciProbe(IOP_PCI_FUNCTION *F)
{
    F->Vendor = (uint16_t)IopPciRead(F, HW_PCI_VENDOR_ID, 2);
    if (F->Vendor == 0xFFFF || F->Vendor == 0)
        return FALSE;
    F->DeviceId = (uint16_t)IopPciRead(F, HW_PCI_DEVICE_ID, 2);
    F->Revision = (uint8_t)IopPciRead(F, HW_PCI_REVISION, 1);
    F->ProgIf = (uint8_t)IopPciRead(F, HW_PCI_CLASS_PROG, 1);
    F->SubClass = (uint8_t)IopPciRead(F, HW_PCI_CLASS_PROG + 1, 1);
    F->BaseClass = (uint8_t)IopPciRead(F, HW_PCI_CLASS_PROG + 2, 1);
    F->SubVendor = (uint16_t)IopPciRead(F, HW_PCI_SUBSYS_VENDOR, 2);
    F->SubSystem = (uint16_t)IopPciRead(F, HW_PCI_SUBSYS_ID, 2);
    return TRUE;
}

/* Appends one string of a multi-string (each followed by its NUL). */
static size_t IopPciAppend(char *Out, size_t At, size_t Size, const char *Format, const IOP_PCI_FUNCTION *F)
{
    char Ven[16], Dev[16], Subsys[24], Rev[12], Cc3[16], Cc2[16];
    snprintf(Ven, sizeof(Ven), "VEN_%04X", F->Vendor);
    snprintf(Dev, sizeof(Dev), "DEV_%04X", F->DeviceId);
    snprintf(Subsys, sizeof(Subsys), "SUBSYS_%04X%04X", F->SubSystem, F->SubVendor);
    snprintf(Rev, sizeof(Rev), "REV_%02X", F->Revision);
    snprintf(Cc3, sizeof(Cc3), "CC_%02X%02X%02X", F->BaseClass, F->SubClass, F->ProgIf);
    snprintf(Cc2, sizeof(Cc2), "CC_%02X%02X", F->BaseClass, F->SubClass);
    /* Format letters: V vendor, D device, S subsystem, R revision, C class+prog-if, c class */
    int n = snprintf(Out + At, Size - At, "PCI");
    for (const char *P = Format; *P && n > 0 && At + (size_t)n < Size; P++) {
        const char *Part = *P == 'V' ? Ven : *P == 'D' ? Dev : *P == 'S' ? Subsys : *P == 'R' ? Rev : *P == 'C' ? Cc3 : Cc2;
        n += snprintf(Out + At + n, Size - At - (size_t)n, "%s%s", P == Format ? "\\" : "&", Part);
    }
    return At + (size_t)n + 1;
}

/* The documented lists: hardware IDs from the most specific to the least, then the
 * compatible IDs likewise. Each list ends with an empty string. */
static void IopPciIds(const IOP_PCI_FUNCTION *F, char *Hardware, size_t HardwareSize, char *Compatible,
                      size_t CompatibleSize)
{
    static const char *const HardwareForms[] = { "VDSR", "VDS", "VDR", "VD", "VDC", "VDc" };
    static const char *const CompatibleForms[] = { "VDR", "VD", "VC", "Vc", "V", "C", "c" };
    size_t At = 0;
    for (size_t i = 0; i < sizeof(HardwareForms) / sizeof(HardwareForms[0]); i++)
        At = IopPciAppend(Hardware, At, HardwareSize - 1, HardwareForms[i], F);
    Hardware[At] = 0;
    At = 0;
    for (size_t i = 0; i < sizeof(CompatibleForms) / sizeof(CompatibleForms[0]); i++)
        At = IopPciAppend(Compatible, At, CompatibleSize - 1, CompatibleForms[i], F);
    Compatible[At] = 0;
}

/* A BAR's size by the standard probe, with decoding off so nothing moves on the bus
 * meanwhile; the BAR and the command register are restored. 0: no BAR. */
static uint32_t IopPciBarSize(const IOP_PCI_FUNCTION *F, unsigned Index, BOOLEAN *Io, uint32_t *Base)
{
    unsigned Offset = HW_PCI_BAR0 + 4 * Index;
    uint32_t Command = IopPciRead(F, HW_PCI_COMMAND, 2);
    uint32_t Original = IopPciRead(F, Offset, 4);
    IopPciWrite(F, HW_PCI_COMMAND, 2, Command & ~(uint32_t)(HW_PCI_CMD_IO | HW_PCI_CMD_MEMORY));
    IopPciWrite(F, Offset, 4, 0xFFFFFFFFu);
    uint32_t Probe = IopPciRead(F, Offset, 4);
    IopPciWrite(F, Offset, 4, Original);
    IopPciWrite(F, HW_PCI_COMMAND, 2, Command);
    if (Probe == 0 || Probe == 0xFFFFFFFFu)
        return 0;
    *Io = (Probe & 1) != 0;
    uint32_t Mask = *Io ? ~3u : ~15u;
    *Base = Original & Mask;
    return ~(Probe & Mask) + 1;
}

/* What the function decodes, where the firmware placed it: fixed ranges, since the
 * model decodes at those addresses (a rebalance keeps them). */
static ULONG IopPciRequirements(const IOP_PCI_FUNCTION *F, IO_RESOURCE_DESCRIPTOR *Out)
{
    ULONG Count = 0;
    for (unsigned i = 0; i < HW_PCI_BARS; i++) {
        BOOLEAN Io = FALSE;
        uint32_t Base = 0, Size = IopPciBarSize(F, i, &Io, &Base);
        if (Size == 0 || Base == 0)
            continue;
        IO_RESOURCE_DESCRIPTOR *D = &Out[Count++];
        memset(D, 0, sizeof(*D));
        D->Type = Io ? CmResourceTypePort : CmResourceTypeMemory;
        D->ShareDisposition = CmResourceShareDeviceExclusive;
        D->Flags = Io ? CM_RESOURCE_PORT_IO : CM_RESOURCE_MEMORY_READ_WRITE;
        D->u.Port.Length = Size;
        D->u.Port.Alignment = Size;
        D->u.Port.MinimumAddress.QuadPart = Base;
        D->u.Port.MaximumAddress.QuadPart = (LONGLONG)Base + Size - 1;
    }
    uint8_t Pin = (uint8_t)IopPciRead(F, HW_PCI_INTERRUPT_PIN, 1);
    uint8_t Line = (uint8_t)IopPciRead(F, HW_PCI_INTERRUPT_LINE, 1);
    if (Pin != 0 && Line != 0xFF) {
        IO_RESOURCE_DESCRIPTOR *D = &Out[Count++];
        memset(D, 0, sizeof(*D));
        D->Type = CmResourceTypeInterrupt;
        D->ShareDisposition = CmResourceShareShared;
        D->Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
        D->u.Interrupt.MinimumVector = Line;
        D->u.Interrupt.MaximumVector = Line;
    }
    return Count;
}

static void IopPciReportFunction(PDEVICE_OBJECT Bus, const IOP_PCI_FUNCTION *F)
{
    char Instance[16], Hardware[512], Compatible[512], Location[64];
    IopPciIds(F, Hardware, sizeof(Hardware), Compatible, sizeof(Compatible));
    const char *DeviceId = Hardware; /* the first, most specific hardware ID */
    snprintf(Instance, sizeof(Instance), "%u&%02X", F->Bus & 0xFFu, ((F->Device << 3) | F->Function) & 0xFFu);
    snprintf(Location, sizeof(Location), "PCI bus %u, device %u, function %u", F->Bus & 0xFFu, F->Device & 0x1Fu,
             F->Function & 7u);
    IO_RESOURCE_DESCRIPTOR Requirements[IOP_PCI_MAX_REQUIREMENTS];
    IOP_BUS_LOCATION On = { PCIBus, F->Bus, (F->Device << 16) | F->Function, F->Device, &IopPciBusTypeGuid };
    IOP_ROOT_DEVICE_SPEC Spec = { .DeviceId = DeviceId, .InstanceId = Instance, .HardwareIds = Hardware,
                                  .CompatibleIds = Compatible, .Description = "PCI device", .Location = Location,
                                  .Requirements = Requirements,
                                  .RequirementCount = IopPciRequirements(F, Requirements), .Bus = Bus, .On = &On };
    IopRootAddDevice(&Spec); /* NULL when already reported: nothing changes */
}

static BOOLEAN IopPciMultiFunction(const IOP_PCI_FUNCTION *F)
{
    return (IopPciRead(F, HW_PCI_HEADER_TYPE, 1) & 0x80) != 0;
}

/* Every function present in configuration space, bus by bus, device by device; the
 * functions past 0 only of a multi-function device (its header type says so). One
 * walk for enumeration and for noticing a hot-plugged function. Returns the count. */
static ULONG IopPciForEachFunction(void (*Visit)(PDEVICE_OBJECT Bus, const IOP_PCI_FUNCTION *F), PDEVICE_OBJECT Bus)
{
    ULONG Count = 0;
    if (HalpPci() == NULL)
        return 0;
    for (unsigned B = 0; B < HW_PCI_MAX_BUSES; B++)
        for (unsigned Device = 0; Device < HW_PCI_DEVICES; Device++)
            for (unsigned Function = 0; Function < HW_PCI_FUNCTIONS; Function++) {
                IOP_PCI_FUNCTION F = { .Bus = B, .Device = Device, .Function = Function };
                if (!IopPciProbe(&F)) {
                    if (Function == 0)
                        break;
                    continue;
                }
                Count++;
                if (Visit)
                    Visit(Bus, &F);
                if (Function == 0 && !IopPciMultiFunction(&F))
                    break;
            }
    return Count;
}

/* BusRelations of the PCI bus: a PDO for every function present. */
static void IopPciEnumerate(PDEVICE_OBJECT Self)
{
    IopPciForEachFunction(IopPciReportFunction, Self);
}

/* ---- what the PDO of a function offers its drivers: configuration space through
 * IRP_MN_READ_CONFIG / IRP_MN_WRITE_CONFIG and the standard bus interface
 * (IRP_MN_QUERY_INTERFACE, GUID_BUS_INTERFACE_STANDARD, version 1) ---- */

static const GUID IopBusInterfaceStandard = { 0x496b8280, 0x6f25, 0x11d0, { 0xbe, 0xaf, 0x08, 0x00, 0x2b, 0xe2, 0x09, 0x2f } };

static BOOLEAN IopPciFunctionOf(PDEVICE_OBJECT Pdo, IOP_PCI_FUNCTION *F)
{
    IOP_BUS_LOCATION On;
    if (Pdo == NULL || !IopRootBusLocation(Pdo, &On) || On.InterfaceType != PCIBus)
        return FALSE;
    memset(F, 0, sizeof(*F));
    F->Bus = On.BusNumber;
    F->Device = On.Address >> 16;
    F->Function = On.Address & 0xFFFF;
    return TRUE;
}

/* Bytes of configuration space, clipped to its 256 bytes; the count moved. */
static ULONG IopPciConfig(PDEVICE_OBJECT Pdo, BOOLEAN Write, PVOID Buffer, ULONG Offset, ULONG Length)
{
    IOP_PCI_FUNCTION F;
    if (!IopPciFunctionOf(Pdo, &F) || Buffer == NULL || Offset >= HW_PCI_CONFIG_SIZE)
        return 0;
    if (Length > HW_PCI_CONFIG_SIZE - Offset)
        Length = HW_PCI_CONFIG_SIZE - Offset;
    PUCHAR Bytes = Buffer;
    for (ULONG i = 0; i < Length; i++) {
        if (Write)
            IopPciWrite(&F, Offset + i, 1, Bytes[i]);
        else
            Bytes[i] = (UCHAR)IopPciRead(&F, Offset + i, 1);
    }
    return Length;
}

static ULONG IopPciGetBusData(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length)
{
    return DataType == PCI_WHICHSPACE_CONFIG ? IopPciConfig(Context, FALSE, Buffer, Offset, Length) : 0;
}

static ULONG IopPciSetBusData(PVOID Context, ULONG DataType, PVOID Buffer, ULONG Offset, ULONG Length)
{
    return DataType == PCI_WHICHSPACE_CONFIG ? IopPciConfig(Context, TRUE, Buffer, Offset, Length) : 0;
}

/* Bus addresses are processor addresses on this machine (no bridge windows). */
static BOOLEAN IopPciTranslate(PVOID Context, PHYSICAL_ADDRESS BusAddress, ULONG Length, PULONG AddressSpace,
                               PPHYSICAL_ADDRESS Translated)
{
    (void)Context;
    (void)Length;
    (void)AddressSpace; /* memory stays memory, I/O stays I/O */
    *Translated = BusAddress;
    return TRUE;
}

static struct _DMA_ADAPTER *IopPciGetDmaAdapter(PVOID Context, struct _DEVICE_DESCRIPTION *Description,
                                                PULONG MapRegisters)
{
    return IoGetDmaAdapter(Context, Description, MapRegisters);
}

/* The interface holds no state of its own: the PDO outlives every driver above it. */
static VOID IopPciInterfaceReference(PVOID Context)
{
    (void)Context;
}

NTSTATUS IopPciQueryInterface(PDEVICE_OBJECT Pdo, PIO_STACK_LOCATION Stack, PIRP Irp)
{
    const GUID *Type = Stack->Parameters.QueryInterface.InterfaceType;
    if (Type == NULL || memcmp(Type, &IopBusInterfaceStandard, sizeof(GUID)) != 0)
        return Irp->IoStatus.Status; /* not ours: as it came */
    PBUS_INTERFACE_STANDARD Bus = (PBUS_INTERFACE_STANDARD)Stack->Parameters.QueryInterface.Interface;
    if (Bus == NULL || Stack->Parameters.QueryInterface.Size < sizeof(BUS_INTERFACE_STANDARD) ||
        Stack->Parameters.QueryInterface.Version < 1)
        return STATUS_INVALID_PARAMETER;
    Bus->Size = sizeof(*Bus);
    Bus->Version = 1;
    Bus->Context = Pdo;
    Bus->InterfaceReference = IopPciInterfaceReference;
    Bus->InterfaceDereference = IopPciInterfaceReference;
    Bus->TranslateBusAddress = IopPciTranslate;
    Bus->GetDmaAdapter = IopPciGetDmaAdapter;
    Bus->SetBusData = IopPciSetBusData;
    Bus->GetBusData = IopPciGetBusData;
    return STATUS_SUCCESS;
}

NTSTATUS IopPciReadWriteConfig(PDEVICE_OBJECT Pdo, PIO_STACK_LOCATION Stack, PIRP Irp)
{
    if (Stack->Parameters.ReadWriteConfig.WhichSpace != PCI_WHICHSPACE_CONFIG)
        return STATUS_NOT_SUPPORTED;
    ULONG Moved = IopPciConfig(Pdo, Stack->MinorFunction == IRP_MN_WRITE_CONFIG, Stack->Parameters.ReadWriteConfig.Buffer,
                               Stack->Parameters.ReadWriteConfig.Offset, Stack->Parameters.ReadWriteConfig.Length);
    Irp->IoStatus.Information = Moved;
    return Moved == Stack->Parameters.ReadWriteConfig.Length ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
}

static PDEVICE_OBJECT IopPciBus;  /* this machine's PCI bus PDO, once reported */
static ULONG IopPciFunctionsSeen; /* functions present when the bus was last told to re-enumerate */

/* The host bridge as the firmware describes it, on a machine with PCI functions (a
 * machine without them shows no PCI bus, so its tree stays as it was). Called before
 * every PnP pass of the host: a function hot-plugged since the last pass makes the
 * bus re-enumerate, as a PCI hot-plug controller's notification would. */
void IopPciAddBus(void)
{
    ULONG Functions = IopPciForEachFunction(NULL, NULL);
    if (Functions == 0)
        return;
    IOP_ROOT_DEVICE_SPEC Spec = { .DeviceId = "ACPI\\PNP0A03", .InstanceId = "0",
                                  .HardwareIds = "ACPI\\PNP0A03\0*PNP0A03\0", .Description = "PCI bus",
                                  .Enumerate = IopPciEnumerate };
    PDEVICE_OBJECT Added = IopRootAddDevice(&Spec);
    if (Added != NULL) {
        IopPciBus = Added;
        IopPciFunctionsSeen = Functions;
        return;
    }
    if (IopPciBus != NULL && Functions != IopPciFunctionsSeen && IopDeviceNode(IopPciBus) != NULL) {
        IopPciFunctionsSeen = Functions;
        IopDeviceNode(IopPciBus)->EnumerationPending = TRUE;
    }
}

/* Machine teardown (sim/io/pnproot.c): the bus PDO goes with the root's. */
void IopPciShutdown(void)
{
    IopPciBus = NULL;
    IopPciFunctionsSeen = 0;
}
