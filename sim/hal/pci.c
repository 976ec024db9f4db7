/* pci.c - the machine's PCI configuration space and physical memory, and the
 * HAL's bus-data routines: HalGetBusData(ByOffset), HalSetBusData(ByOffset) and
 * HalAssignSlotResources.
 *
 * The machine has PCI bus 0 (configuration space in hwmodel/pci.c) and simulated
 * RAM for DMA (hwmodel/physmem.c) from HALP_RAM_BASE to HALP_RAM_LIMIT. Firmware
 * (the machine builder) places each device's BARs from HALP_PCI_MMIO_BASE (memory)
 * and HALP_PCI_IO_BASE (ports) and enables decoding and bus mastering, as a PC BIOS
 * does; the interrupt line register holds the routed IRQ.
 *
 * Bus data (PCIConfiguration): SlotNumber is a PCI_SLOT_NUMBER. A bus that does not
 * exist returns 0; an empty slot returns 2 with VendorID = PCI_INVALID_VENDORID;
 * otherwise the bytes copied (reads stop at the 256-byte configuration space).
 * Writes go through the device's access rules (read-only fields stay, BAR sizing
 * works) and return the bytes written. Every call costs HALP_PORT_ACCESS_NS per
 * dword touched (configuration mechanism #1 is two port accesses; this is the
 * simulated HAL's price). */
#include "hal/halp.h"
#include "cm/cmp.h"

static hw_pci *HalpPciBus;
static hw_physmem *HalpRam;
static uint64_t HalpNextMmio;
static uint32_t HalpNextIo;

#define HALP_PCI_BUSES 1u   /* buses that exist on this machine */

hw_pci *HalpPci(void)
{
    return HalpPciBus;
}

hw_physmem *HalpPhysMem(void)
{
    return HalpRam;
}

void HalpInitializePci(void)
{
    if (HalpPciBus == NULL && HalpBus())
        HalpPciBus = hw_pci_new(HalpBus());
    if (HalpRam == NULL) {
        /* 1-16 MiB only for what must lie there (ISA DMA); everything else from 16 MiB */
        HalpRam = hw_physmem_new(HALP_ISA_RAM_BASE, HALP_RAM_LIMIT);
        if (HalpRam)
            hw_physmem_set_floor(HalpRam, HALP_RAM_BASE);
    }
    HalpNextMmio = HALP_PCI_MMIO_BASE;
    HalpNextIo = HALP_PCI_IO_BASE;
    HalpResetMappings();
}

void HalpShutdownPci(void)
{
    HalpResetMappings();
    if (HalpPciBus)
        hw_pci_free(HalpPciBus);
    HalpPciBus = NULL;
    if (HalpRam)
        hw_physmem_free(HalpRam);
    HalpRam = NULL;
}

void HalpFirmwareConfigure(hw_pci_dev *Device)
{
    hw_pci_firmware_assign(Device, &HalpNextMmio, &HalpNextIo);
}

static BOOLEAN HalpPciSlot(BUS_DATA_TYPE Type, ULONG BusNumber, ULONG SlotNumber, ULONG *Device, ULONG *Function)
{
    if (Type != PCIConfiguration || BusNumber >= HALP_PCI_BUSES || HalpPciBus == NULL)
        return FALSE;
    PCI_SLOT_NUMBER Slot;
    Slot.u.AsULONG = SlotNumber;
    *Device = Slot.u.bits.DeviceNumber;
    *Function = Slot.u.bits.FunctionNumber;
    return TRUE;
}

static ULONG HalpGetBusData(BUS_DATA_TYPE Type, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset,
                            ULONG Length)
{
    ULONG Device, Function;
    if (!HalpPciSlot(Type, BusNumber, SlotNumber, &Device, &Function) || Buffer == NULL)
        return 0;
    if (hw_pci_find(HalpPciBus, BusNumber, Device, Function) == NULL) {
        /* empty slot: only the vendor ID, invalid */
        if (Offset == 0 && Length >= 2) {
            *(PUSHORT)Buffer = PCI_INVALID_VENDORID;
            HalpAdvance(HALP_PORT_ACCESS_NS * 2);
            return 2;
        }
        return 0;
    }
    if (Offset >= HW_PCI_CONFIG_SIZE)
        return 0;
    if (Length > HW_PCI_CONFIG_SIZE - Offset)
        Length = HW_PCI_CONFIG_SIZE - Offset;
    PUCHAR Out = Buffer;
    for (ULONG i = 0; i < Length; i++)
        Out[i] = (UCHAR)hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, Offset + i, 1);
    HalpAdvance(HALP_PORT_ACCESS_NS * 2 * ((Length + 3) / 4));
    return Length;
}

static ULONG HalpSetBusData(BUS_DATA_TYPE Type, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset,
                            ULONG Length)
{
    ULONG Device, Function;
    if (!HalpPciSlot(Type, BusNumber, SlotNumber, &Device, &Function) || Buffer == NULL)
        return 0;
    if (hw_pci_find(HalpPciBus, BusNumber, Device, Function) == NULL || Offset >= HW_PCI_CONFIG_SIZE)
        return 0;
    if (Length > HW_PCI_CONFIG_SIZE - Offset)
        Length = HW_PCI_CONFIG_SIZE - Offset;
    const UCHAR *In = Buffer;
    ULONG i = 0;
    /* whole dwords where aligned (so a BAR written with all ones sizes as one write) */
    while (i < Length) {
        ULONG At = Offset + i;
        if ((At & 3) == 0 && Length - i >= 4) {
            uint32_t V = (uint32_t)In[i] | (uint32_t)In[i + 1] << 8 | (uint32_t)In[i + 2] << 16 |
                         (uint32_t)In[i + 3] << 24;
            hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, At, 4, V);
            i += 4;
        } else {
            hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, At, 1, In[i]);
            i++;
        }
    }
    HalpAdvance(HALP_PORT_ACCESS_NS * 2 * ((Length + 3) / 4));
    return Length;
}

ULONG HalGetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length)
{
    KiTakeSite();
    return HalpGetBusData(BusDataType, BusNumber, SlotNumber, Buffer, 0, Length);
}

ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset,
                            ULONG Length)
{
    KiTakeSite();
    return HalpGetBusData(BusDataType, BusNumber, SlotNumber, Buffer, Offset, Length);
}

ULONG HalSetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length)
{
    KiTakeSite();
    return HalpSetBusData(BusDataType, BusNumber, SlotNumber, Buffer, 0, Length);
}

ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Offset,
                            ULONG Length)
{
    KiTakeSite();
    return HalpSetBusData(BusDataType, BusNumber, SlotNumber, Buffer, Offset, Length);
}

/* HalAssignSlotResources: size every BAR (write all ones, read back, restore),
 * give an unassigned BAR an address, build a CM_RESOURCE_LIST (PCIBus, BusNumber:
 * memory and port ranges DeviceExclusive, the interrupt line level-sensitive and
 * shared), claim it like IoReportResourceUsage (conflicts refused), enable the
 * decoders and bus mastering, and hand the list back in paged pool (ExFreePool). */
NTSTATUS HalAssignSlotResources(PUNICODE_STRING RegistryPath, PUNICODE_STRING DriverClassName,
                                PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT DeviceObject, INTERFACE_TYPE BusType,
                                ULONG BusNumber, ULONG SlotNumber, PCM_RESOURCE_LIST *AllocatedResources)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)RegistryPath;
    CmpCheckIrql("HalAssignSlotResources", Site);
    if (AllocatedResources)
        *AllocatedResources = NULL;
    if (DriverObject == NULL || AllocatedResources == NULL || BusType != PCIBus)
        return STATUS_INVALID_PARAMETER;
    ULONG Device, Function;
    if (!HalpPciSlot(PCIConfiguration, BusNumber, SlotNumber, &Device, &Function))
        return STATUS_NO_SUCH_DEVICE;
    hw_pci_dev *Pci = hw_pci_find(HalpPciBus, BusNumber, Device, Function);
    if (Pci == NULL)
        return STATUS_NO_SUCH_DEVICE;
    if (ViFaultShouldFail(NtsimFaultResource, "HalAssignSlotResources", 0, Site)) {
        NtsimSetLastError("HalAssignSlotResources: a conflict was injected");
        return HalpIo.InjectedConflict(DriverObject, NULL);
    }
    CM_PARTIAL_RESOURCE_DESCRIPTOR Parts[HW_PCI_BARS + 1];
    ULONG Count = 0;
    for (ULONG i = 0; i < HW_PCI_BARS; i++) {
        ULONG Reg = HW_PCI_BAR0 + 4 * i;
        uint32_t Old = hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, Reg, 4);
        hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, Reg, 4, 0xFFFFFFFFu);
        uint32_t Probe = hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, Reg, 4);
        hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, Reg, 4, Old);
        if (Probe == 0)
            continue;
        BOOLEAN Io = (Probe & PCI_ADDRESS_IO_SPACE) != 0;
        uint32_t Mask = Io ? (Probe & PCI_ADDRESS_IO_ADDRESS_MASK) : (Probe & PCI_ADDRESS_MEMORY_ADDRESS_MASK);
        if (Io)
            Mask |= 0xFFFF0000u;
        ULONG Size = (~Mask) + 1;
        ULONGLONG Base = Io ? (Old & PCI_ADDRESS_IO_ADDRESS_MASK) : (Old & PCI_ADDRESS_MEMORY_ADDRESS_MASK);
        if (Base == 0) {
            /* unassigned: take the next aligned window address */
            if (Io) {
                HalpNextIo = (HalpNextIo + Size - 1) & ~(Size - 1);
                Base = HalpNextIo;
                HalpNextIo += Size;
            } else {
                HalpNextMmio = (HalpNextMmio + Size - 1) & ~((uint64_t)Size - 1);
                Base = HalpNextMmio;
                HalpNextMmio += Size;
            }
            hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, Reg, 4, (uint32_t)Base);
        }
        CM_PARTIAL_RESOURCE_DESCRIPTOR *P = &Parts[Count++];
        memset(P, 0, sizeof(*P));
        P->Type = Io ? CmResourceTypePort : CmResourceTypeMemory;
        P->ShareDisposition = CmResourceShareDeviceExclusive;
        P->Flags = Io ? CM_RESOURCE_PORT_IO : CM_RESOURCE_MEMORY_READ_WRITE;
        P->u.Generic.Start.QuadPart = (LONGLONG)Base;
        P->u.Generic.Length = Size;
    }
    ULONG Line = hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, HW_PCI_INTERRUPT_LINE, 1);
    ULONG Pin = hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, HW_PCI_INTERRUPT_PIN, 1);
    if (Pin != 0 && Line < HALP_IRQ_LINES) {
        CM_PARTIAL_RESOURCE_DESCRIPTOR *P = &Parts[Count++];
        memset(P, 0, sizeof(*P));
        P->Type = CmResourceTypeInterrupt;
        P->ShareDisposition = CmResourceShareShared;
        P->Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
        P->u.Interrupt.Level = Line;
        P->u.Interrupt.Vector = Line;
        P->u.Interrupt.Affinity = (KAFFINITY)-1;
    }
    ULONG Size = (ULONG)(FIELD_OFFSET(CM_RESOURCE_LIST, List[0].PartialResourceList.PartialDescriptors) +
                         (Count ? Count : 1) * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR));
    PCM_RESOURCE_LIST List = ExpAllocatePool(PagedPool, Size, 0x20206148u /* "Hal " */, "HalAssignSlotResources",
                                             Site);
    if (List == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    memset(List, 0, Size);
    List->Count = 1;
    List->List[0].InterfaceType = PCIBus;
    List->List[0].BusNumber = BusNumber;
    List->List[0].PartialResourceList.Version = 1;
    List->List[0].PartialResourceList.Revision = 1;
    List->List[0].PartialResourceList.Count = Count;
    memcpy(List->List[0].PartialResourceList.PartialDescriptors, Parts, Count * sizeof(Parts[0]));
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = HalpIo.ClaimResources("HalAssignSlotResources", Site, DriverClassName, DriverObject,
                                            DeviceObject, List, Size, &Conflict);
    if (!NT_SUCCESS(Status)) {
        ExpFreePool(List, 0, "HalAssignSlotResources", Site);
        return Status;
    }
    uint32_t Command = hw_pci_config_read(HalpPciBus, BusNumber, Device, Function, HW_PCI_COMMAND, 2);
    Command |= PCI_ENABLE_MEMORY_SPACE | PCI_ENABLE_IO_SPACE | PCI_ENABLE_BUS_MASTER;
    hw_pci_config_write(HalpPciBus, BusNumber, Device, Function, HW_PCI_COMMAND, 2, Command);
    HalpAdvance(HALP_PORT_ACCESS_NS * 2 * (3 * HW_PCI_BARS + 4));
    *AllocatedResources = List;
    return STATUS_SUCCESS;
}
