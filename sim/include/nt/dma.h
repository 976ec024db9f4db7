/* nt/dma.h - PCI configuration data (HalGetBusData & co.), memory-mapped
 * registers (READ_REGISTER_* / WRITE_REGISTER_*, MmMapIoSpace), physically
 * contiguous memory, DMA adapters (DMA_ADAPTER / DMA_OPERATIONS, the legacy
 * Io/Hal adapter routines) and controller objects, with the WDK's names, layouts
 * and values (IoQueryDeviceDescription is in nt/config.h). See docs/pci.md. */
#ifndef NTSIM_NT_DMA_H
#define NTSIM_NT_DMA_H

/* ---- PCI configuration space ---- */
typedef enum _BUS_DATA_TYPE {
    ConfigurationSpaceUndefined = -1, Cmos, EisaConfiguration, Pos, CbusConfiguration, PCIConfiguration,
    VMEConfiguration, NuBusConfiguration, PCMCIAConfiguration, MPIConfiguration, MPSAConfiguration,
    PNPISAConfiguration, SgiInternalConfiguration, MaximumBusDataType
} BUS_DATA_TYPE, *PBUS_DATA_TYPE;

typedef struct _PCI_SLOT_NUMBER {
    union {
        struct { ULONG DeviceNumber : 5; ULONG FunctionNumber : 3; ULONG Reserved : 24; } bits;
        ULONG AsULONG;
    } u;
} PCI_SLOT_NUMBER, *PPCI_SLOT_NUMBER;

#define PCI_TYPE0_ADDRESSES 6
#define PCI_TYPE1_ADDRESSES 2
#define PCI_TYPE2_ADDRESSES 5

typedef struct _PCI_COMMON_HEADER {
    USHORT VendorID;
    USHORT DeviceID;
    USHORT Command;
    USHORT Status;
    UCHAR RevisionID;
    UCHAR ProgIf;
    UCHAR SubClass;
    UCHAR BaseClass;
    UCHAR CacheLineSize;
    UCHAR LatencyTimer;
    UCHAR HeaderType;
    UCHAR BIST;
    union {
        struct _PCI_HEADER_TYPE_0 {
            ULONG BaseAddresses[PCI_TYPE0_ADDRESSES];
            ULONG CIS;
            USHORT SubVendorID;
            USHORT SubSystemID;
            ULONG ROMBaseAddress;
            UCHAR CapabilitiesPtr;
            UCHAR Reserved1[3];
            ULONG Reserved2;
            UCHAR InterruptLine;
            UCHAR InterruptPin;
            UCHAR MinimumGrant;
            UCHAR MaximumLatency;
        } type0;
        struct _PCI_HEADER_TYPE_1 {
            ULONG BaseAddresses[PCI_TYPE1_ADDRESSES];
            UCHAR PrimaryBus;
            UCHAR SecondaryBus;
            UCHAR SubordinateBus;
            UCHAR SecondaryLatency;
            UCHAR IOBase;
            UCHAR IOLimit;
            USHORT SecondaryStatus;
            USHORT MemoryBase;
            USHORT MemoryLimit;
            USHORT PrefetchBase;
            USHORT PrefetchLimit;
            ULONG PrefetchBaseUpper32;
            ULONG PrefetchLimitUpper32;
            USHORT IOBaseUpper16;
            USHORT IOLimitUpper16;
            UCHAR CapabilitiesPtr;
            UCHAR Reserved1[3];
            ULONG ROMBaseAddress;
            UCHAR InterruptLine;
            UCHAR InterruptPin;
            USHORT BridgeControl;
        } type1;
    } u;
} PCI_COMMON_HEADER, *PPCI_COMMON_HEADER;

/* PCI_COMMON_CONFIG: the header fields at top level, then the device-specific area. */
typedef struct _PCI_COMMON_CONFIG {
    USHORT VendorID;
    USHORT DeviceID;
    USHORT Command;
    USHORT Status;
    UCHAR RevisionID;
    UCHAR ProgIf;
    UCHAR SubClass;
    UCHAR BaseClass;
    UCHAR CacheLineSize;
    UCHAR LatencyTimer;
    UCHAR HeaderType;
    UCHAR BIST;
    union {
        struct _PCI_HEADER_TYPE_0 type0;
        struct _PCI_HEADER_TYPE_1 type1;
    } u;
    UCHAR DeviceSpecific[192];
} PCI_COMMON_CONFIG, *PPCI_COMMON_CONFIG;

#define PCI_COMMON_HDR_LENGTH (FIELD_OFFSET(PCI_COMMON_CONFIG, DeviceSpecific))
#define PCI_MAX_DEVICES 32
#define PCI_MAX_FUNCTION 8
#define PCI_MAX_BRIDGE_NUMBER 0xFF
#define PCI_INVALID_VENDORID 0xFFFF
#define PCI_MULTIFUNCTION 0x80
#define PCI_DEVICE_TYPE 0x00
#define PCI_BRIDGE_TYPE 0x01
#define PCI_CARDBUS_BRIDGE_TYPE 0x02
#define PCI_CONFIGURATION_TYPE(PciData) (((PPCI_COMMON_CONFIG)(PciData))->HeaderType & ~PCI_MULTIFUNCTION)
#define PCI_MULTIFUNCTION_DEVICE(PciData) ((((PPCI_COMMON_CONFIG)(PciData))->HeaderType & PCI_MULTIFUNCTION) != 0)

#define PCI_ENABLE_IO_SPACE 0x0001
#define PCI_ENABLE_MEMORY_SPACE 0x0002
#define PCI_ENABLE_BUS_MASTER 0x0004
#define PCI_ENABLE_SPECIAL_CYCLES 0x0008
#define PCI_ENABLE_WRITE_AND_INVALIDATE 0x0010
#define PCI_ENABLE_VGA_COMPATIBLE_PALETTE 0x0020
#define PCI_ENABLE_PARITY 0x0040
#define PCI_ENABLE_WAIT_CYCLE 0x0080
#define PCI_ENABLE_SERR 0x0100
#define PCI_ENABLE_FAST_BACK_TO_BACK 0x0200
#define PCI_DISABLE_LEVEL_INTERRUPT 0x0400

#define PCI_STATUS_INTERRUPT_PENDING 0x0008
#define PCI_STATUS_CAPABILITIES_LIST 0x0010
#define PCI_STATUS_SIGNALED_TARGET_ABORT 0x0800
#define PCI_STATUS_RECEIVED_TARGET_ABORT 0x1000
#define PCI_STATUS_RECEIVED_MASTER_ABORT 0x2000
#define PCI_STATUS_SIGNALED_SYSTEM_ERROR 0x4000
#define PCI_STATUS_DETECTED_PARITY_ERROR 0x8000

#define PCI_ADDRESS_IO_SPACE 0x00000001
#define PCI_ADDRESS_MEMORY_TYPE_MASK 0x00000006
#define PCI_ADDRESS_MEMORY_PREFETCHABLE 0x00000008
#define PCI_ADDRESS_IO_ADDRESS_MASK 0xfffffffc
#define PCI_ADDRESS_MEMORY_ADDRESS_MASK 0xfffffff0
#define PCI_ADDRESS_ROM_ADDRESS_MASK 0xfffff800
#define PCI_TYPE_32BIT 0
#define PCI_TYPE_20BIT 2
#define PCI_TYPE_64BIT 4

NTHALAPI ULONG HalGetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length);
NTHALAPI ULONG HalGetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                                     ULONG Offset, ULONG Length);
NTHALAPI ULONG HalSetBusData(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer, ULONG Length);
NTHALAPI ULONG HalSetBusDataByOffset(BUS_DATA_TYPE BusDataType, ULONG BusNumber, ULONG SlotNumber, PVOID Buffer,
                                     ULONG Offset, ULONG Length);
NTHALAPI NTSTATUS HalAssignSlotResources(PUNICODE_STRING RegistryPath, PUNICODE_STRING DriverClassName,
                                         PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT DeviceObject,
                                         INTERFACE_TYPE BusType, ULONG BusNumber, ULONG SlotNumber,
                                         PCM_RESOURCE_LIST *AllocatedResources);

/* ---- memory-mapped registers ---- */
NTKERNELAPI UCHAR READ_REGISTER_UCHAR(volatile UCHAR *Register);
NTKERNELAPI USHORT READ_REGISTER_USHORT(volatile USHORT *Register);
NTKERNELAPI ULONG READ_REGISTER_ULONG(volatile ULONG *Register);
NTKERNELAPI ULONG64 READ_REGISTER_ULONG64(volatile ULONG64 *Register);
NTKERNELAPI VOID READ_REGISTER_BUFFER_UCHAR(volatile UCHAR *Register, PUCHAR Buffer, ULONG Count);
NTKERNELAPI VOID READ_REGISTER_BUFFER_USHORT(volatile USHORT *Register, PUSHORT Buffer, ULONG Count);
NTKERNELAPI VOID READ_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count);
NTKERNELAPI VOID READ_REGISTER_BUFFER_ULONG64(volatile ULONG64 *Register, PULONG64 Buffer, ULONG Count);
NTKERNELAPI VOID WRITE_REGISTER_UCHAR(volatile UCHAR *Register, UCHAR Value);
NTKERNELAPI VOID WRITE_REGISTER_USHORT(volatile USHORT *Register, USHORT Value);
NTKERNELAPI VOID WRITE_REGISTER_ULONG(volatile ULONG *Register, ULONG Value);
NTKERNELAPI VOID WRITE_REGISTER_ULONG64(volatile ULONG64 *Register, ULONG64 Value);
NTKERNELAPI VOID WRITE_REGISTER_BUFFER_UCHAR(volatile UCHAR *Register, PUCHAR Buffer, ULONG Count);
NTKERNELAPI VOID WRITE_REGISTER_BUFFER_USHORT(volatile USHORT *Register, PUSHORT Buffer, ULONG Count);
NTKERNELAPI VOID WRITE_REGISTER_BUFFER_ULONG(volatile ULONG *Register, PULONG Buffer, ULONG Count);
NTKERNELAPI VOID WRITE_REGISTER_BUFFER_ULONG64(volatile ULONG64 *Register, PULONG64 Buffer, ULONG Count);

/* ---- Mm: I/O space and physically contiguous memory ---- */
typedef enum _MEMORY_CACHING_TYPE_ORIG { MmFrameBufferCached = 2 } MEMORY_CACHING_TYPE_ORIG;
typedef enum _MEMORY_CACHING_TYPE {
    MmNotMapped = -1, MmNonCached = 0, MmCached = 1, MmWriteCombined = 2, MmHardwareCoherentCached,
    MmNonCachedUnordered, MmUSWCCached, MmMaximumCacheType
} MEMORY_CACHING_TYPE;
#ifndef PAGE_NOACCESS
#define PAGE_NOACCESS 0x01
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define PAGE_WRITECOPY 0x08
#define PAGE_EXECUTE 0x10
#define PAGE_GUARD 0x100
#define PAGE_NOCACHE 0x200
#define PAGE_WRITECOMBINE 0x400
#endif

NTKERNELAPI PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType);
NTKERNELAPI PVOID MmMapIoSpaceEx(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, ULONG Protect);
NTKERNELAPI VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes);
NTKERNELAPI PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress);
NTKERNELAPI PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS LowestAcceptableAddress,
                                                         PHYSICAL_ADDRESS HighestAcceptableAddress,
                                                         PHYSICAL_ADDRESS BoundaryAddressMultiple,
                                                         MEMORY_CACHING_TYPE CacheType);
NTKERNELAPI VOID MmFreeContiguousMemory(PVOID BaseAddress);
NTKERNELAPI PVOID MmAllocateNonCachedMemory(SIZE_T NumberOfBytes);
NTKERNELAPI VOID MmFreeNonCachedMemory(PVOID BaseAddress, SIZE_T NumberOfBytes);
NTKERNELAPI PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress);
NTKERNELAPI VOID KeFlushIoBuffers(PMDL Mdl, BOOLEAN ReadOperation, BOOLEAN DmaOperation);

/* ---- DMA adapters ---- */
typedef enum _DMA_WIDTH { Width8Bits, Width16Bits, Width32Bits, Width64Bits, WidthNoWrap, MaximumDmaWidth } DMA_WIDTH,
    *PDMA_WIDTH;
typedef enum _DMA_SPEED { Compatible, TypeA, TypeB, TypeC, TypeF, MaximumDmaSpeed } DMA_SPEED, *PDMA_SPEED;

#define DEVICE_DESCRIPTION_VERSION 0
#define DEVICE_DESCRIPTION_VERSION1 1
#define DEVICE_DESCRIPTION_VERSION2 2
#define DEVICE_DESCRIPTION_VERSION3 3

typedef struct _DEVICE_DESCRIPTION {
    ULONG Version;
    BOOLEAN Master;
    BOOLEAN ScatterGather;
    BOOLEAN DemandMode;
    BOOLEAN AutoInitialize;
    BOOLEAN Dma32BitAddresses;
    BOOLEAN IgnoreCount;
    BOOLEAN Reserved1;
    BOOLEAN Dma64BitAddresses;
    ULONG BusNumber;
    ULONG DmaChannel;
    INTERFACE_TYPE InterfaceType;
    DMA_WIDTH DmaWidth;
    DMA_SPEED DmaSpeed;
    ULONG MaximumLength;
    ULONG DmaPort;
    ULONG DmaAddressWidth;
    ULONG DmaControllerInstance;
    ULONG DmaRequestLine;
    PHYSICAL_ADDRESS DeviceAddress;
} DEVICE_DESCRIPTION, *PDEVICE_DESCRIPTION;

typedef struct _SCATTER_GATHER_ELEMENT {
    PHYSICAL_ADDRESS Address;
    ULONG Length;
    ULONG_PTR Reserved;
} SCATTER_GATHER_ELEMENT, *PSCATTER_GATHER_ELEMENT;

typedef struct _SCATTER_GATHER_LIST {
    ULONG NumberOfElements;
    ULONG_PTR Reserved;
    SCATTER_GATHER_ELEMENT Elements[];
} SCATTER_GATHER_LIST, *PSCATTER_GATHER_LIST;

struct _DMA_OPERATIONS;
typedef struct _DMA_ADAPTER {
    USHORT Version;
    USHORT Size;
    struct _DMA_OPERATIONS *DmaOperations;
} DMA_ADAPTER, *PDMA_ADAPTER;
/* On x64 the adapter object of the legacy Io/Hal routines is the DMA adapter. */
typedef struct _DMA_ADAPTER ADAPTER_OBJECT, *PADAPTER_OBJECT;

typedef VOID DRIVER_LIST_CONTROL(PDEVICE_OBJECT DeviceObject, PIRP Irp, PSCATTER_GATHER_LIST ScatterGather,
                                 PVOID Context);
typedef DRIVER_LIST_CONTROL *PDRIVER_LIST_CONTROL;

typedef VOID (*PPUT_DMA_ADAPTER)(PDMA_ADAPTER DmaAdapter);
typedef PVOID (*PALLOCATE_COMMON_BUFFER)(PDMA_ADAPTER DmaAdapter, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress,
                                         BOOLEAN CacheEnabled);
typedef VOID (*PFREE_COMMON_BUFFER)(PDMA_ADAPTER DmaAdapter, ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                                    PVOID VirtualAddress, BOOLEAN CacheEnabled);
typedef NTSTATUS (*PALLOCATE_ADAPTER_CHANNEL)(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject,
                                              ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine,
                                              PVOID Context);
typedef BOOLEAN (*PFLUSH_ADAPTER_BUFFERS)(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                                          ULONG Length, BOOLEAN WriteToDevice);
typedef VOID (*PFREE_ADAPTER_CHANNEL)(PDMA_ADAPTER DmaAdapter);
typedef VOID (*PFREE_MAP_REGISTERS)(PDMA_ADAPTER DmaAdapter, PVOID MapRegisterBase, ULONG NumberOfMapRegisters);
typedef PHYSICAL_ADDRESS (*PMAP_TRANSFER)(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                                          PULONG Length, BOOLEAN WriteToDevice);
typedef ULONG (*PGET_DMA_ALIGNMENT)(PDMA_ADAPTER DmaAdapter);
typedef ULONG (*PREAD_DMA_COUNTER)(PDMA_ADAPTER DmaAdapter);
typedef NTSTATUS (*PGET_SCATTER_GATHER_LIST)(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl,
                                             PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine,
                                             PVOID Context, BOOLEAN WriteToDevice);
typedef VOID (*PPUT_SCATTER_GATHER_LIST)(PDMA_ADAPTER DmaAdapter, PSCATTER_GATHER_LIST ScatterGather,
                                         BOOLEAN WriteToDevice);
typedef NTSTATUS (*PCALCULATE_SCATTER_GATHER_LIST_SIZE)(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID CurrentVa,
                                                        ULONG Length, PULONG ScatterGatherListSize,
                                                        PULONG pNumberOfMapRegisters);
typedef NTSTATUS (*PBUILD_SCATTER_GATHER_LIST)(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl,
                                               PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine,
                                               PVOID Context, BOOLEAN WriteToDevice, PVOID ScatterGatherBuffer,
                                               ULONG ScatterGatherLength);
typedef NTSTATUS (*PBUILD_MDL_FROM_SCATTER_GATHER_LIST)(PDMA_ADAPTER DmaAdapter, PSCATTER_GATHER_LIST ScatterGather,
                                                        PMDL OriginalMdl, PMDL *TargetMdl);

typedef struct _DMA_OPERATIONS {
    ULONG Size;
    PPUT_DMA_ADAPTER PutDmaAdapter;
    PALLOCATE_COMMON_BUFFER AllocateCommonBuffer;
    PFREE_COMMON_BUFFER FreeCommonBuffer;
    PALLOCATE_ADAPTER_CHANNEL AllocateAdapterChannel;
    PFLUSH_ADAPTER_BUFFERS FlushAdapterBuffers;
    PFREE_ADAPTER_CHANNEL FreeAdapterChannel;
    PFREE_MAP_REGISTERS FreeMapRegisters;
    PMAP_TRANSFER MapTransfer;
    PGET_DMA_ALIGNMENT GetDmaAlignment;
    PREAD_DMA_COUNTER ReadDmaCounter;
    PGET_SCATTER_GATHER_LIST GetScatterGatherList;
    PPUT_SCATTER_GATHER_LIST PutScatterGatherList;
    PCALCULATE_SCATTER_GATHER_LIST_SIZE CalculateScatterGatherList;
    PBUILD_SCATTER_GATHER_LIST BuildScatterGatherList;
    PBUILD_MDL_FROM_SCATTER_GATHER_LIST BuildMdlFromScatterGatherList;
} DMA_OPERATIONS, *PDMA_OPERATIONS;

NTKERNELAPI PDMA_ADAPTER IoGetDmaAdapter(PDEVICE_OBJECT PhysicalDeviceObject, PDEVICE_DESCRIPTION DeviceDescription,
                                         PULONG NumberOfMapRegisters);
NTHALAPI PADAPTER_OBJECT HalGetAdapter(PDEVICE_DESCRIPTION DeviceDescription, PULONG NumberOfMapRegisters);
NTHALAPI PVOID HalAllocateCommonBuffer(PADAPTER_OBJECT AdapterObject, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress,
                                       BOOLEAN CacheEnabled);
NTHALAPI VOID HalFreeCommonBuffer(PADAPTER_OBJECT AdapterObject, ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                                  PVOID VirtualAddress, BOOLEAN CacheEnabled);
NTKERNELAPI NTSTATUS IoAllocateAdapterChannel(PADAPTER_OBJECT AdapterObject, PDEVICE_OBJECT DeviceObject,
                                              ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine,
                                              PVOID Context);
NTHALAPI PHYSICAL_ADDRESS IoMapTransfer(PADAPTER_OBJECT AdapterObject, PMDL Mdl, PVOID MapRegisterBase,
                                        PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice);
NTHALAPI BOOLEAN IoFlushAdapterBuffers(PADAPTER_OBJECT AdapterObject, PMDL Mdl, PVOID MapRegisterBase,
                                       PVOID CurrentVa, ULONG Length, BOOLEAN WriteToDevice);
NTHALAPI VOID IoFreeAdapterChannel(PADAPTER_OBJECT AdapterObject);
NTHALAPI VOID IoFreeMapRegisters(PADAPTER_OBJECT AdapterObject, PVOID MapRegisterBase, ULONG NumberOfMapRegisters);
NTHALAPI ULONG HalReadDmaCounter(PADAPTER_OBJECT AdapterObject);

/* ---- controller objects ---- */
typedef struct _CONTROLLER_OBJECT {
    CSHORT Type;
    CSHORT Size;
    PVOID ControllerExtension;
    KDEVICE_QUEUE DeviceWaitQueue;
    ULONG Spare1;
    LARGE_INTEGER Spare2;
} CONTROLLER_OBJECT, *PCONTROLLER_OBJECT;

NTKERNELAPI PCONTROLLER_OBJECT IoCreateController(ULONG Size);
NTKERNELAPI VOID IoAllocateController(PCONTROLLER_OBJECT ControllerObject, PDEVICE_OBJECT DeviceObject,
                                      PDRIVER_CONTROL ExecutionRoutine, PVOID Context);
NTKERNELAPI VOID IoFreeController(PCONTROLLER_OBJECT ControllerObject);
NTKERNELAPI VOID IoDeleteController(PCONTROLLER_OBJECT ControllerObject);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define HalGetBusData(...) NTSIM_AT(HalGetBusData)(__VA_ARGS__)
#define HalGetBusDataByOffset(...) NTSIM_AT(HalGetBusDataByOffset)(__VA_ARGS__)
#define HalSetBusData(...) NTSIM_AT(HalSetBusData)(__VA_ARGS__)
#define HalSetBusDataByOffset(...) NTSIM_AT(HalSetBusDataByOffset)(__VA_ARGS__)
#define HalAssignSlotResources(...) NTSIM_AT(HalAssignSlotResources)(__VA_ARGS__)
#define READ_REGISTER_UCHAR(...) NTSIM_AT(READ_REGISTER_UCHAR)(__VA_ARGS__)
#define READ_REGISTER_USHORT(...) NTSIM_AT(READ_REGISTER_USHORT)(__VA_ARGS__)
#define READ_REGISTER_ULONG(...) NTSIM_AT(READ_REGISTER_ULONG)(__VA_ARGS__)
#define READ_REGISTER_ULONG64(...) NTSIM_AT(READ_REGISTER_ULONG64)(__VA_ARGS__)
#define READ_REGISTER_BUFFER_UCHAR(...) NTSIM_AT(READ_REGISTER_BUFFER_UCHAR)(__VA_ARGS__)
#define READ_REGISTER_BUFFER_USHORT(...) NTSIM_AT(READ_REGISTER_BUFFER_USHORT)(__VA_ARGS__)
#define READ_REGISTER_BUFFER_ULONG(...) NTSIM_AT(READ_REGISTER_BUFFER_ULONG)(__VA_ARGS__)
#define READ_REGISTER_BUFFER_ULONG64(...) NTSIM_AT(READ_REGISTER_BUFFER_ULONG64)(__VA_ARGS__)
#define WRITE_REGISTER_UCHAR(...) NTSIM_AT(WRITE_REGISTER_UCHAR)(__VA_ARGS__)
#define WRITE_REGISTER_USHORT(...) NTSIM_AT(WRITE_REGISTER_USHORT)(__VA_ARGS__)
#define WRITE_REGISTER_ULONG(...) NTSIM_AT(WRITE_REGISTER_ULONG)(__VA_ARGS__)
#define WRITE_REGISTER_ULONG64(...) NTSIM_AT(WRITE_REGISTER_ULONG64)(__VA_ARGS__)
#define WRITE_REGISTER_BUFFER_UCHAR(...) NTSIM_AT(WRITE_REGISTER_BUFFER_UCHAR)(__VA_ARGS__)
#define WRITE_REGISTER_BUFFER_USHORT(...) NTSIM_AT(WRITE_REGISTER_BUFFER_USHORT)(__VA_ARGS__)
#define WRITE_REGISTER_BUFFER_ULONG(...) NTSIM_AT(WRITE_REGISTER_BUFFER_ULONG)(__VA_ARGS__)
#define WRITE_REGISTER_BUFFER_ULONG64(...) NTSIM_AT(WRITE_REGISTER_BUFFER_ULONG64)(__VA_ARGS__)
#define MmMapIoSpace(...) NTSIM_AT(MmMapIoSpace)(__VA_ARGS__)
#define MmMapIoSpaceEx(...) NTSIM_AT(MmMapIoSpaceEx)(__VA_ARGS__)
#define MmUnmapIoSpace(...) NTSIM_AT(MmUnmapIoSpace)(__VA_ARGS__)
#define MmAllocateContiguousMemory(...) NTSIM_AT(MmAllocateContiguousMemory)(__VA_ARGS__)
#define MmAllocateContiguousMemorySpecifyCache(...) NTSIM_AT(MmAllocateContiguousMemorySpecifyCache)(__VA_ARGS__)
#define MmFreeContiguousMemory(...) NTSIM_AT(MmFreeContiguousMemory)(__VA_ARGS__)
#define MmAllocateNonCachedMemory(...) NTSIM_AT(MmAllocateNonCachedMemory)(__VA_ARGS__)
#define MmFreeNonCachedMemory(...) NTSIM_AT(MmFreeNonCachedMemory)(__VA_ARGS__)
#define IoGetDmaAdapter(...) NTSIM_AT(IoGetDmaAdapter)(__VA_ARGS__)
#define HalGetAdapter(...) NTSIM_AT(HalGetAdapter)(__VA_ARGS__)
#define HalAllocateCommonBuffer(...) NTSIM_AT(HalAllocateCommonBuffer)(__VA_ARGS__)
#define HalFreeCommonBuffer(...) NTSIM_AT(HalFreeCommonBuffer)(__VA_ARGS__)
#define IoAllocateAdapterChannel(...) NTSIM_AT(IoAllocateAdapterChannel)(__VA_ARGS__)
#define IoMapTransfer(...) NTSIM_AT(IoMapTransfer)(__VA_ARGS__)
#define IoFlushAdapterBuffers(...) NTSIM_AT(IoFlushAdapterBuffers)(__VA_ARGS__)
#define IoFreeAdapterChannel(...) NTSIM_AT(IoFreeAdapterChannel)(__VA_ARGS__)
#define IoFreeMapRegisters(...) NTSIM_AT(IoFreeMapRegisters)(__VA_ARGS__)
#define HalReadDmaCounter(...) NTSIM_AT(HalReadDmaCounter)(__VA_ARGS__)
#define IoCreateController(...) NTSIM_AT(IoCreateController)(__VA_ARGS__)
#define IoAllocateController(...) NTSIM_AT(IoAllocateController)(__VA_ARGS__)
#define IoFreeController(...) NTSIM_AT(IoFreeController)(__VA_ARGS__)
#define IoDeleteController(...) NTSIM_AT(IoDeleteController)(__VA_ARGS__)
#endif

#endif
