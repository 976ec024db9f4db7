/* dma.c - DMA adapters: IoGetDmaAdapter / HalGetAdapter, DMA_OPERATIONS, the legacy
 * Io and Hal adapter routines, common buffers, map registers and scatter/gather.
 *
 * Model (docs/pci.md):
 *  - common buffers are simulated RAM (hwmodel/physmem.c): the driver's virtual
 *    address and the device's logical (= physical) address reach the same bytes;
 *  - map registers are bounce buffers in simulated RAM, one page each, allocated
 *    with the adapter channel. IoMapTransfer hands out a physical address inside
 *    them and copies the data there for a transfer to the device; for a transfer
 *    from the device the data reaches the driver's buffer only at
 *    IoFlushAdapterBuffers. A transfer that is never flushed loses its data, as on
 *    hardware that needs map registers;
 *  - GetScatterGatherList builds one element over a bounce buffer the same way;
 *    PutScatterGatherList copies back and frees it.
 * Misuse is a bug check 0xE6 DRIVER_VERIFIER_DMA_VIOLATION with Driver Verifier's
 * parameter 1: 0x03 common buffer freed twice, 0x04 adapter channel freed twice,
 * 0x05 map registers freed twice, 0x06 scatter/gather list put twice, 0x07/0x08/0x09
 * adapter put back with common buffers / a channel / map registers outstanding,
 * 0x0B a second adapter channel, 0x0C more map registers than granted, 0x0D map
 * registers freed (or a new transfer started) with a transfer never flushed.
 * Adapters and common buffers are tracked resources (leak audit). */
#include "hal/halp.h"

/* The DMA_OPERATIONS routines are reached through pointers: no site macro runs. */
#define KiCallerSite() KiTakeSiteOrCaller(__builtin_return_address(0))

#define HALP_ADAPTER_MAGIC 0x41616D44u
#define HALP_MAX_MAP_REGISTERS 64u         /* 256 KiB of bounce space per transfer */
#define HALP_MAX_PENDING 64u

typedef struct _HALP_MAP_REGISTERS {
    ULONG Count;
    ULONGLONG Pa;
    UCHAR *Host;
    ULONG Used;                            /* bytes handed out by MapTransfer */
    ULONG PendingCount;
    struct { PUCHAR Va; ULONG Length; ULONG Offset; BOOLEAN WriteToDevice; } Pending[HALP_MAX_PENDING];
} HALP_MAP_REGISTERS;

typedef struct _HALP_QUEUED_CHANNEL {
    struct _HALP_QUEUED_CHANNEL *Next;
    PDEVICE_OBJECT Device;
    ULONG Count;
    PDRIVER_CONTROL Routine;
    PVOID Context;
    PDRIVER_OBJECT Driver;
} HALP_QUEUED_CHANNEL;

typedef struct _HALP_ADAPTER {
    DMA_ADAPTER Adapter;                   /* first: PDMA_ADAPTER == HALP_ADAPTER * */
    NTSIM_TRACK Track;
    ULONG Magic;
    DEVICE_DESCRIPTION Description;
    ULONG MapRegisters;                    /* granted */
    BOOLEAN ChannelHeld;
    HALP_MAP_REGISTERS *Registers;         /* outstanding map register set, if any */
    ULONG CommonBuffers;
    ULONG SgLists;
    HALP_QUEUED_CHANNEL *Queue;
    BOOLEAN Legacy;                        /* from HalGetAdapter: the HAL's, never put back */
} HALP_ADAPTER;

typedef struct _HALP_COMMON_BUFFER {
    NTSIM_TRACK Track;
    struct _HALP_COMMON_BUFFER *Next;
    HALP_ADAPTER *Adapter;
    PVOID Va;
    ULONGLONG Pa;
    ULONG Length;
} HALP_COMMON_BUFFER;

typedef struct _HALP_SG {
    ULONG Magic;
    HALP_ADAPTER *Adapter;
    PUCHAR Va;
    ULONG Length;
    ULONGLONG Pa;
    UCHAR *Host;
    BOOLEAN WriteToDevice;
    SCATTER_GATHER_LIST List;              /* last: one element follows */
} HALP_SG;

static HALP_COMMON_BUFFER *HalpCommonBuffers;
static DMA_OPERATIONS HalpDmaOperations;

static HALP_ADAPTER *HalpAdapter(PDMA_ADAPTER Adapter, const char *Ddi, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = (HALP_ADAPTER *)Adapter;
    if (A == NULL || A->Magic != HALP_ADAPTER_MAGIC)
        KiBugCheck(0xE6, 0x00, (ULONG_PTR)Adapter, 0, 0, Site, "%s(%p): not a DMA adapter (put back already?)", Ddi,
                   (void *)Adapter);
    return A;
}

/* ---- getting and putting an adapter ---- */

static PDMA_ADAPTER HalpGetAdapter(const char *Ddi, PDEVICE_DESCRIPTION Description, PULONG NumberOfMapRegisters,
                                   NTSIM_SITE Site)
{
    if (NumberOfMapRegisters)
        *NumberOfMapRegisters = 0;
    if (Description == NULL || NumberOfMapRegisters == NULL)
        return NULL;
    if (!Description->Master && !HalpIsaValidChannel(Description))
        return NULL; /* no such system DMA channel (4 cascades the first controller) */
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    /* HW-01: a bus master is used after its device was claimed; a slave channel after
     * the DMA channel was claimed */
    if (Driver) {
        BOOLEAN Claimed = Description->Master
                              ? HalpIo.DriverClaimsType(Driver, CmResourceTypeMemory, ~0ull) ||
                                    HalpIo.DriverClaimsType(Driver, CmResourceTypePort, ~0ull)
                              : HalpIo.DriverClaimsType(Driver, CmResourceTypeDma, Description->DmaChannel);
        if (!Claimed) {
            if (Description->Master)
                VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
                         "%s for a bus-master device before %s claimed the device's resources "
                         "(HalAssignSlotResources/IoReportResourceUsage)",
                         Ddi, VfDriverName(Driver));
            else
                VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
                         "%s for DMA channel %u, which %s has not claimed", Ddi, Description->DmaChannel,
                         VfDriverName(Driver));
        }
    }
    if (ViFaultShouldFail(NtsimFaultDma, Ddi, 0, Site))
        return NULL;
    HALP_ADAPTER *A = KiHostAlloc(sizeof(*A));
    memset(A, 0, sizeof(*A));
    A->Adapter.Version = 1;
    A->Adapter.Size = sizeof(DMA_ADAPTER);
    A->Adapter.DmaOperations = &HalpDmaOperations;
    A->Magic = HALP_ADAPTER_MAGIC;
    A->Description = *Description;
    ULONG Pages = Description->MaximumLength ? (Description->MaximumLength + 4095) / 4096 + 1 : 1;
    ULONG Most = Description->Master ? HALP_MAX_MAP_REGISTERS : HalpIsaMaxMapRegisters(Description);
    A->MapRegisters = Pages < Most ? Pages : Most;
    *NumberOfMapRegisters = A->MapRegisters;
    A->Legacy = strcmp(Ddi, "HalGetAdapter") == 0;
    VfTrack(&A->Track, NtsimResAdapter, Site);
    return &A->Adapter;
}

PDMA_ADAPTER IoGetDmaAdapter(PDEVICE_OBJECT PhysicalDeviceObject, PDEVICE_DESCRIPTION DeviceDescription,
                             PULONG NumberOfMapRegisters)
{
    (void)PhysicalDeviceObject;
    return HalpGetAdapter("IoGetDmaAdapter", DeviceDescription, NumberOfMapRegisters, KiTakeSite());
}

PADAPTER_OBJECT HalGetAdapter(PDEVICE_DESCRIPTION DeviceDescription, PULONG NumberOfMapRegisters)
{
    return HalpGetAdapter("HalGetAdapter", DeviceDescription, NumberOfMapRegisters, KiTakeSite());
}

static void HalpDestroyAdapter(HALP_ADAPTER *A)
{
    if (A->Registers) {
        if (HalpPhysMem())
            hw_physmem_release(HalpPhysMem(), A->Registers->Pa);
        free(A->Registers);
    }
    while (A->Queue) {
        HALP_QUEUED_CHANNEL *Q = A->Queue;
        A->Queue = Q->Next;
        free(Q);
    }
    A->Magic = 0;
    VfUntrack(&A->Track);
    free(A);
}

static VOID HalpPutDmaAdapter(PDMA_ADAPTER DmaAdapter)
{
    NTSIM_SITE Site = KiCallerSite();
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, "PutDmaAdapter", Site);
    if (A->CommonBuffers)
        KiBugCheck(0xE6, 0x07, (ULONG_PTR)DmaAdapter, A->CommonBuffers, 0, Site,
                   "PutDmaAdapter(%p) with %u common buffer%s not freed", (void *)DmaAdapter, A->CommonBuffers,
                   A->CommonBuffers == 1 ? "" : "s");
    if (A->ChannelHeld)
        KiBugCheck(0xE6, 0x08, (ULONG_PTR)DmaAdapter, 1, 0, Site,
                   "PutDmaAdapter(%p) while the adapter channel is still allocated (FreeAdapterChannel first)",
                   (void *)DmaAdapter);
    if (A->Registers)
        KiBugCheck(0xE6, 0x09, (ULONG_PTR)DmaAdapter, A->Registers->Count, 0, Site,
                   "PutDmaAdapter(%p) with %u map registers not freed (FreeMapRegisters first)", (void *)DmaAdapter,
                   A->Registers->Count);
    if (A->SgLists)
        KiBugCheck(0xE6, 0x0A, (ULONG_PTR)DmaAdapter, A->SgLists, 0, Site,
                   "PutDmaAdapter(%p) with %u scatter/gather list%s not put back", (void *)DmaAdapter, A->SgLists,
                   A->SgLists == 1 ? "" : "s");
    HalpDestroyAdapter(A);
}

/* ---- common buffers ---- */

static PVOID HalpAllocateCommon(const char *Ddi, PDMA_ADAPTER DmaAdapter, ULONG Length,
                                PPHYSICAL_ADDRESS LogicalAddress, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    if (LogicalAddress)
        LogicalAddress->QuadPart = 0;
    if (Length == 0 || LogicalAddress == NULL || HalpPhysMem() == NULL)
        return NULL;
    if (ViFaultShouldFail(NtsimFaultDma, Ddi, 0, Site))
        return NULL;
    uint64_t Highest = A->Description.Dma64BitAddresses ? ~0ull
                       : (A->Description.Dma32BitAddresses || A->Description.Master) ? 0xFFFFFFFFull
                                                                                     : 0xFFFFFFull;
    uint64_t Pa;
    uint64_t Align = A->Description.Master ? 0 : HalpIsaAlignment(&A->Description, Length);
    void *Va = hw_physmem_alloc(HalpPhysMem(), Length, Align, Highest, &Pa);
    if (Va == NULL)
        return NULL;
    HALP_COMMON_BUFFER *B = KiHostAlloc(sizeof(*B));
    memset(B, 0, sizeof(*B));
    B->Adapter = A;
    B->Va = Va;
    B->Pa = Pa;
    B->Length = Length;
    B->Next = HalpCommonBuffers;
    HalpCommonBuffers = B;
    A->CommonBuffers++;
    VfTrack(&B->Track, NtsimResCommonBuffer, Site);
    LogicalAddress->QuadPart = (LONGLONG)Pa;
    return Va;
}

static void HalpReleaseCommon(HALP_COMMON_BUFFER *B)
{
    for (HALP_COMMON_BUFFER **P = &HalpCommonBuffers; *P; P = &(*P)->Next)
        if (*P == B) {
            *P = B->Next;
            break;
        }
    if (B->Adapter && B->Adapter->Magic == HALP_ADAPTER_MAGIC && B->Adapter->CommonBuffers)
        B->Adapter->CommonBuffers--;
    VfUntrack(&B->Track);
    if (HalpPhysMem())
        hw_physmem_release(HalpPhysMem(), B->Pa);
    free(B);
}

static void HalpFreeCommon(const char *Ddi, PDMA_ADAPTER DmaAdapter, ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                           PVOID VirtualAddress, NTSIM_SITE Site)
{
    HalpAdapter(DmaAdapter, Ddi, Site);
    HALP_COMMON_BUFFER *B = HalpCommonBuffers;
    while (B && B->Va != VirtualAddress)
        B = B->Next;
    if (B == NULL)
        KiBugCheck(0xE6, 0x03, 1, (ULONG_PTR)VirtualAddress, 0, Site,
                   "%s(%p): not a common buffer of this adapter (freed twice?)", Ddi, VirtualAddress);
    if ((ULONGLONG)LogicalAddress.QuadPart != B->Pa || Length != B->Length)
        VfReport("DMA-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "%s(%p): logical address 0x%llX / length %u differ from the allocation's (0x%llX, %u)", Ddi,
                 VirtualAddress, (unsigned long long)LogicalAddress.QuadPart, Length, (unsigned long long)B->Pa,
                 B->Length);
    HalpReleaseCommon(B);
}

static PVOID HalpOpAllocateCommonBuffer(PDMA_ADAPTER DmaAdapter, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress,
                                        BOOLEAN CacheEnabled)
{
    (void)CacheEnabled;
    return HalpAllocateCommon("AllocateCommonBuffer", DmaAdapter, Length, LogicalAddress, KiCallerSite());
}

static VOID HalpOpFreeCommonBuffer(PDMA_ADAPTER DmaAdapter, ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                                   PVOID VirtualAddress, BOOLEAN CacheEnabled)
{
    (void)CacheEnabled;
    HalpFreeCommon("FreeCommonBuffer", DmaAdapter, Length, LogicalAddress, VirtualAddress, KiCallerSite());
}

PVOID HalAllocateCommonBuffer(PADAPTER_OBJECT AdapterObject, ULONG Length, PPHYSICAL_ADDRESS LogicalAddress,
                              BOOLEAN CacheEnabled)
{
    (void)CacheEnabled;
    return HalpAllocateCommon("HalAllocateCommonBuffer", AdapterObject, Length, LogicalAddress, KiTakeSite());
}

VOID HalFreeCommonBuffer(PADAPTER_OBJECT AdapterObject, ULONG Length, PHYSICAL_ADDRESS LogicalAddress,
                         PVOID VirtualAddress, BOOLEAN CacheEnabled)
{
    (void)CacheEnabled;
    HalpFreeCommon("HalFreeCommonBuffer", AdapterObject, Length, LogicalAddress, VirtualAddress, KiTakeSite());
}

/* ---- adapter channel and map registers ---- */

static void HalpCheckFlushed(HALP_ADAPTER *A, const char *Ddi, NTSIM_SITE Site)
{
    HALP_MAP_REGISTERS *R = A->Registers;
    if (R && R->PendingCount)
        KiBugCheck(0xE6, 0x0D, (ULONG_PTR)&A->Adapter, (ULONG_PTR)R->Pending[0].Va, R->Pending[0].Length, Site,
                   "%s: a transfer of %u bytes at %p mapped with MapTransfer/IoMapTransfer was never flushed "
                   "(FlushAdapterBuffers/IoFlushAdapterBuffers); its data %s",
                   Ddi, R->Pending[0].Length, (void *)R->Pending[0].Va,
                   R->Pending[0].WriteToDevice ? "was sent but the map registers were not released properly"
                                               : "never reached the driver's buffer");
}

static void HalpFreeRegisters(HALP_ADAPTER *A)
{
    if (A->Registers == NULL)
        return;
    if (HalpPhysMem())
        hw_physmem_release(HalpPhysMem(), A->Registers->Pa);
    free(A->Registers);
    A->Registers = NULL;
}

static void HalpGrantChannel(HALP_ADAPTER *A, PDEVICE_OBJECT Device, ULONG Count, PDRIVER_CONTROL Routine,
                             PVOID Context)
{
    A->ChannelHeld = TRUE;
    if (Count) {
        HALP_MAP_REGISTERS *R = KiHostAlloc(sizeof(*R));
        memset(R, 0, sizeof(*R));
        R->Count = Count;
        uint64_t Pa = 0;
        BOOLEAN Slave = !A->Description.Master;
        R->Host = hw_physmem_alloc(HalpPhysMem(), (size_t)Count * 4096,
                                   Slave ? HalpIsaAlignment(&A->Description, Count * 4096u) : 0,
                                   Slave ? 0xFFFFFFull : 0xFFFFFFFFull, &Pa);
        R->Pa = Pa;
        A->Registers = R;
    }
    KIRQL Old = KiCurrentIrql();
    if (Old < DISPATCH_LEVEL)
        KiSetIrql(DISPATCH_LEVEL);
    IO_ALLOCATION_ACTION Action = Routine(Device, Device ? Device->CurrentIrp : NULL, A->Registers, Context);
    if (Old < DISPATCH_LEVEL)
        KiLowerIrqlTo(Old);
    if (Action == DeallocateObject) {
        HalpFreeRegisters(A);
        A->ChannelHeld = FALSE;
    } else if (Action == DeallocateObjectKeepRegisters) {
        A->ChannelHeld = FALSE;
    }
}

static NTSTATUS HalpAllocateChannel(const char *Ddi, PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject,
                                    ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine, PVOID Context,
                                    NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    if (NumberOfMapRegisters > A->MapRegisters)
        KiBugCheck(0xE6, 0x0C, NumberOfMapRegisters, A->MapRegisters, 0, Site,
                   "%s: %u map registers asked for, the adapter was granted %u", Ddi, NumberOfMapRegisters,
                   A->MapRegisters);
    if (ExecutionRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    if (ViFaultShouldFail(NtsimFaultDma, Ddi, 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (A->ChannelHeld || A->Registers) {
        if (A->Registers && !A->ChannelHeld) {
            HalpCheckFlushed(A, Ddi, Site);
            KiBugCheck(0xE6, 0x0B, 1, 0, 0, Site,
                       "%s while the map registers of the previous transfer are still allocated (FreeMapRegisters "
                       "first)", Ddi);
        }
        /* the channel is busy: wait in line, as the real adapter queue does */
        HALP_QUEUED_CHANNEL *Q = KiHostAlloc(sizeof(*Q));
        *Q = (HALP_QUEUED_CHANNEL){ NULL, DeviceObject, NumberOfMapRegisters, ExecutionRoutine, Context,
                                    VfCurrentDriver() };
        HALP_QUEUED_CHANNEL **Tail = &A->Queue;
        while (*Tail)
            Tail = &(*Tail)->Next;
        *Tail = Q;
        return STATUS_SUCCESS;
    }
    HalpGrantChannel(A, DeviceObject, NumberOfMapRegisters, ExecutionRoutine, Context);
    return STATUS_SUCCESS;
}

static void HalpRunQueue(HALP_ADAPTER *A)
{
    while (A->Queue && !A->ChannelHeld && A->Registers == NULL) {
        HALP_QUEUED_CHANNEL *Q = A->Queue;
        A->Queue = Q->Next;
        PDRIVER_OBJECT Previous = VfSetCurrentDriver(Q->Driver);
        HalpGrantChannel(A, Q->Device, Q->Count, Q->Routine, Q->Context);
        VfSetCurrentDriver(Previous);
        free(Q);
    }
}

static NTSTATUS HalpOpAllocateAdapterChannel(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject,
                                             ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine,
                                             PVOID Context)
{
    return HalpAllocateChannel("AllocateAdapterChannel", DmaAdapter, DeviceObject, NumberOfMapRegisters,
                               ExecutionRoutine, Context, KiCallerSite());
}

NTSTATUS IoAllocateAdapterChannel(PADAPTER_OBJECT AdapterObject, PDEVICE_OBJECT DeviceObject,
                                  ULONG NumberOfMapRegisters, PDRIVER_CONTROL ExecutionRoutine, PVOID Context)
{
    return HalpAllocateChannel("IoAllocateAdapterChannel", AdapterObject, DeviceObject, NumberOfMapRegisters,
                               ExecutionRoutine, Context, KiTakeSite());
}

static void HalpFreeChannel(const char *Ddi, PDMA_ADAPTER DmaAdapter, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    if (!A->ChannelHeld)
        KiBugCheck(0xE6, 0x04, 1, 0, 0, Site, "%s(%p): the adapter channel is not allocated (freed twice?)", Ddi,
                   (void *)DmaAdapter);
    HalpCheckFlushed(A, Ddi, Site);
    HalpFreeRegisters(A);
    A->ChannelHeld = FALSE;
    HalpRunQueue(A);
}

static VOID HalpOpFreeAdapterChannel(PDMA_ADAPTER DmaAdapter)
{
    HalpFreeChannel("FreeAdapterChannel", DmaAdapter, KiCallerSite());
}

VOID IoFreeAdapterChannel(PADAPTER_OBJECT AdapterObject)
{
    HalpFreeChannel("IoFreeAdapterChannel", AdapterObject, KiTakeSite());
}

static void HalpFreeMapRegisters(const char *Ddi, PDMA_ADAPTER DmaAdapter, PVOID MapRegisterBase, ULONG Count,
                                 NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    if (A->Registers == NULL || MapRegisterBase != A->Registers)
        KiBugCheck(0xE6, 0x05, Count, (ULONG_PTR)MapRegisterBase, 0, Site,
                   "%s(%p, %u): these map registers are not allocated (freed twice?)", Ddi, MapRegisterBase, Count);
    HalpCheckFlushed(A, Ddi, Site);
    HalpFreeRegisters(A);
    HalpRunQueue(A);
}

static VOID HalpOpFreeMapRegisters(PDMA_ADAPTER DmaAdapter, PVOID MapRegisterBase, ULONG NumberOfMapRegisters)
{
    HalpFreeMapRegisters("FreeMapRegisters", DmaAdapter, MapRegisterBase, NumberOfMapRegisters, KiCallerSite());
}

VOID IoFreeMapRegisters(PADAPTER_OBJECT AdapterObject, PVOID MapRegisterBase, ULONG NumberOfMapRegisters)
{
    HalpFreeMapRegisters("IoFreeMapRegisters", AdapterObject, MapRegisterBase, NumberOfMapRegisters, KiTakeSite());
}

static PHYSICAL_ADDRESS HalpMapTransfer(const char *Ddi, PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase,
                                        PVOID CurrentVa, PULONG Length, BOOLEAN WriteToDevice, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    PHYSICAL_ADDRESS Result;
    Result.QuadPart = 0;
    HALP_MAP_REGISTERS *R = MapRegisterBase;
    if (R == NULL || R != A->Registers || Length == NULL)
        KiBugCheck(0xE6, 0x00, 0x2, (ULONG_PTR)MapRegisterBase, 0, Site,
                   "%s: MapRegisterBase %p is not the adapter's allocated map registers", Ddi, MapRegisterBase);
    (void)Mdl;
    ULONG Capacity = R->Count * 4096u;
    if (R->Used >= Capacity || R->PendingCount == HALP_MAX_PENDING)
        KiBugCheck(0xE6, 0x00, 0x1, Capacity - R->Used, *Length, Site,
                   "%s: no map registers left (%u bytes mapped and not flushed)", Ddi, R->Used);
    if (*Length > Capacity - R->Used)
        *Length = Capacity - R->Used;
    ULONG Offset = R->Used;
    if (WriteToDevice)
        memcpy(R->Host + Offset, CurrentVa, *Length);
    R->Pending[R->PendingCount].Va = CurrentVa;
    R->Pending[R->PendingCount].Length = *Length;
    R->Pending[R->PendingCount].Offset = Offset;
    R->Pending[R->PendingCount].WriteToDevice = WriteToDevice;
    R->PendingCount++;
    R->Used += *Length;
    Result.QuadPart = (LONGLONG)(R->Pa + Offset);
    if (!A->Description.Master)
        HalpIsaProgram(&A->Description, R->Pa + Offset, *Length, WriteToDevice);
    return Result;
}

static PHYSICAL_ADDRESS HalpOpMapTransfer(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                                          PULONG Length, BOOLEAN WriteToDevice)
{
    return HalpMapTransfer("MapTransfer", DmaAdapter, Mdl, MapRegisterBase, CurrentVa, Length, WriteToDevice,
                           KiCallerSite());
}

PHYSICAL_ADDRESS IoMapTransfer(PADAPTER_OBJECT AdapterObject, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                               PULONG Length, BOOLEAN WriteToDevice)
{
    return HalpMapTransfer("IoMapTransfer", AdapterObject, Mdl, MapRegisterBase, CurrentVa, Length, WriteToDevice,
                           KiTakeSite());
}

static BOOLEAN HalpFlush(const char *Ddi, PDMA_ADAPTER DmaAdapter, PVOID MapRegisterBase, PVOID CurrentVa,
                         ULONG Length, BOOLEAN WriteToDevice, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    HALP_MAP_REGISTERS *R = MapRegisterBase;
    if (!A->Description.Master)
        HalpIsaStop(&A->Description);
    if (R == NULL || R != A->Registers)
        return TRUE; /* nothing mapped through map registers (a packet-less bus master) */
    ULONG i = 0;
    while (i < R->PendingCount && R->Pending[i].Va != (PUCHAR)CurrentVa)
        i++;
    if (i == R->PendingCount)
        KiBugCheck(0xE6, 0x00, 0x1, 0, Length, Site, "%s(%p, %u bytes): nothing was mapped at that address", Ddi,
                   CurrentVa, Length);
    if (Length > R->Pending[i].Length)
        KiBugCheck(0xE6, 0x00, 0x1, R->Pending[i].Length, Length, Site,
                   "%s: %u bytes flushed, %u were mapped", Ddi, Length, R->Pending[i].Length);
    if (!WriteToDevice && !R->Pending[i].WriteToDevice)
        memcpy(R->Pending[i].Va, R->Host + R->Pending[i].Offset, Length);
    R->Pending[i] = R->Pending[--R->PendingCount];
    if (R->PendingCount == 0)
        R->Used = 0;
    return TRUE;
}

static BOOLEAN HalpOpFlushAdapterBuffers(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                                         ULONG Length, BOOLEAN WriteToDevice)
{
    (void)Mdl;
    return HalpFlush("FlushAdapterBuffers", DmaAdapter, MapRegisterBase, CurrentVa, Length, WriteToDevice,
                     KiCallerSite());
}

BOOLEAN IoFlushAdapterBuffers(PADAPTER_OBJECT AdapterObject, PMDL Mdl, PVOID MapRegisterBase, PVOID CurrentVa,
                              ULONG Length, BOOLEAN WriteToDevice)
{
    (void)Mdl;
    return HalpFlush("IoFlushAdapterBuffers", AdapterObject, MapRegisterBase, CurrentVa, Length, WriteToDevice,
                     KiTakeSite());
}

static ULONG HalpOpGetDmaAlignment(PDMA_ADAPTER DmaAdapter)
{
    (void)DmaAdapter;
    KiTakeSite();
    return 1;
}

static ULONG HalpReadCounter(const char *Ddi, PDMA_ADAPTER DmaAdapter, NTSIM_SITE Site)
{
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, Ddi, Site);
    return A->Description.Master ? 0 : HalpIsaReadCounter(&A->Description);
}

static ULONG HalpOpReadDmaCounter(PDMA_ADAPTER DmaAdapter)
{
    return HalpReadCounter("ReadDmaCounter", DmaAdapter, KiCallerSite());
}

ULONG HalReadDmaCounter(PADAPTER_OBJECT AdapterObject)
{
    return HalpReadCounter("HalReadDmaCounter", AdapterObject, KiTakeSite());
}

/* ---- scatter/gather: one element over a bounce buffer ---- */

#define HALP_SG_MAGIC 0x4C675353u

static NTSTATUS HalpOpGetScatterGatherList(PDMA_ADAPTER DmaAdapter, PDEVICE_OBJECT DeviceObject, PMDL Mdl,
                                           PVOID CurrentVa, ULONG Length, PDRIVER_LIST_CONTROL ExecutionRoutine,
                                           PVOID Context, BOOLEAN WriteToDevice)
{
    NTSIM_SITE Site = KiCallerSite();
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, "GetScatterGatherList", Site);
    (void)Mdl;
    if (ExecutionRoutine == NULL || Length == 0)
        return STATUS_INVALID_PARAMETER;
    if (ViFaultShouldFail(NtsimFaultDma, "GetScatterGatherList", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    uint64_t Pa;
    UCHAR *Host = hw_physmem_alloc(HalpPhysMem(), Length, 0, 0xFFFFFFFFull, &Pa);
    if (Host == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    HALP_SG *Sg = KiHostAlloc(sizeof(*Sg) + sizeof(SCATTER_GATHER_ELEMENT));
    memset(Sg, 0, sizeof(*Sg) + sizeof(SCATTER_GATHER_ELEMENT));
    Sg->Magic = HALP_SG_MAGIC;
    Sg->Adapter = A;
    Sg->Va = CurrentVa;
    Sg->Length = Length;
    Sg->Pa = Pa;
    Sg->Host = Host;
    Sg->WriteToDevice = WriteToDevice;
    Sg->List.NumberOfElements = 1;
    Sg->List.Elements[0].Address.QuadPart = (LONGLONG)Pa;
    Sg->List.Elements[0].Length = Length;
    if (WriteToDevice)
        memcpy(Host, CurrentVa, Length);
    A->SgLists++;
    KIRQL Old = KiCurrentIrql();
    if (Old < DISPATCH_LEVEL)
        KiSetIrql(DISPATCH_LEVEL);
    ExecutionRoutine(DeviceObject, DeviceObject ? DeviceObject->CurrentIrp : NULL, &Sg->List, Context);
    if (Old < DISPATCH_LEVEL)
        KiLowerIrqlTo(Old);
    return STATUS_SUCCESS;
}

static VOID HalpOpPutScatterGatherList(PDMA_ADAPTER DmaAdapter, PSCATTER_GATHER_LIST ScatterGather,
                                       BOOLEAN WriteToDevice)
{
    NTSIM_SITE Site = KiCallerSite();
    HALP_ADAPTER *A = HalpAdapter(DmaAdapter, "PutScatterGatherList", Site);
    HALP_SG *Sg = ScatterGather ? CONTAINING_RECORD(ScatterGather, HALP_SG, List) : NULL;
    if (Sg == NULL || Sg->Magic != HALP_SG_MAGIC || Sg->Adapter != A)
        KiBugCheck(0xE6, 0x06, A->SgLists, 0, 0, Site,
                   "PutScatterGatherList(%p): not an outstanding scatter/gather list of this adapter (put twice?)",
                   (void *)ScatterGather);
    if (!WriteToDevice && !Sg->WriteToDevice)
        memcpy(Sg->Va, Sg->Host, Sg->Length);
    if (HalpPhysMem())
        hw_physmem_release(HalpPhysMem(), Sg->Pa);
    Sg->Magic = 0;
    A->SgLists--;
    free(Sg);
}

static NTSTATUS HalpOpCalculateScatterGatherList(PDMA_ADAPTER DmaAdapter, PMDL Mdl, PVOID CurrentVa, ULONG Length,
                                                 PULONG ScatterGatherListSize, PULONG pNumberOfMapRegisters)
{
    (void)DmaAdapter;
    (void)Mdl;
    (void)CurrentVa;
    KiTakeSite();
    if (ScatterGatherListSize)
        *ScatterGatherListSize = (ULONG)(sizeof(SCATTER_GATHER_LIST) + sizeof(SCATTER_GATHER_ELEMENT));
    if (pNumberOfMapRegisters)
        *pNumberOfMapRegisters = (Length + 4095) / 4096 + 1;
    return STATUS_SUCCESS;
}

static DMA_OPERATIONS HalpDmaOperations = {
    .Size = sizeof(DMA_OPERATIONS),
    .PutDmaAdapter = HalpPutDmaAdapter,
    .AllocateCommonBuffer = HalpOpAllocateCommonBuffer,
    .FreeCommonBuffer = HalpOpFreeCommonBuffer,
    .AllocateAdapterChannel = HalpOpAllocateAdapterChannel,
    .FlushAdapterBuffers = HalpOpFlushAdapterBuffers,
    .FreeAdapterChannel = HalpOpFreeAdapterChannel,
    .FreeMapRegisters = HalpOpFreeMapRegisters,
    .MapTransfer = HalpOpMapTransfer,
    .GetDmaAlignment = HalpOpGetDmaAlignment,
    .ReadDmaCounter = HalpOpReadDmaCounter,
    .GetScatterGatherList = HalpOpGetScatterGatherList,
    .PutScatterGatherList = HalpOpPutScatterGatherList,
    .CalculateScatterGatherList = HalpOpCalculateScatterGatherList,
    .BuildScatterGatherList = NULL,
    .BuildMdlFromScatterGatherList = NULL,
};

/* ---- leak audit (sim/verifier/audit.c) for the kinds of this area ---- */

void HalpDescribeMapping(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void HalpReclaimMapping(NTSIM_TRACK *Track);

static void HalpDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    switch (Track->Kind) {
    case NtsimResIoMapping:
        HalpDescribeMapping(Track, Buffer, Size);
        break;
    case NtsimResCommonBuffer: {
        HALP_COMMON_BUFFER *B = CONTAINING_RECORD(Track, HALP_COMMON_BUFFER, Track);
        snprintf(Buffer, Size, "DMA common buffer at %p (logical 0x%llX, %u bytes) not freed (FreeCommonBuffer)", B->Va,
                 (unsigned long long)B->Pa, B->Length);
        break;
    }
    case NtsimResAdapter: {
        HALP_ADAPTER *A = CONTAINING_RECORD(Track, HALP_ADAPTER, Track);
        snprintf(Buffer, Size, "DMA adapter %p not put back (PutDmaAdapter)%s%s", (void *)&A->Adapter,
                 A->Registers ? ", still holding map registers" : "", A->ChannelHeld ? ", channel allocated" : "");
        break;
    }
    default:
        snprintf(Buffer, Size, "%s", VfResourceKindName(Track->Kind));
        break;
    }
}

/* An adapter from HalGetAdapter (NT 4's routine) is the HAL's: NT 4 has no routine to
 * give one back (PutDmaAdapter came with IoGetDmaAdapter), so a driver that unloads or
 * fails DriverEntry leaves it and leaks nothing, unless it still holds the adapter's
 * channel or map registers. */
static BOOLEAN HalpResourceNotALeak(NTSIM_TRACK *Track)
{
    if (Track->Kind != NtsimResAdapter)
        return FALSE;
    HALP_ADAPTER *A = CONTAINING_RECORD(Track, HALP_ADAPTER, Track);
    return A->Legacy && A->Registers == NULL && !A->ChannelHeld && A->CommonBuffers == 0 && A->SgLists == 0;
}

static void HalpReclaimResource(NTSIM_TRACK *Track)
{
    switch (Track->Kind) {
    case NtsimResIoMapping:
        HalpReclaimMapping(Track);
        break;
    case NtsimResCommonBuffer:
        HalpReleaseCommon(CONTAINING_RECORD(Track, HALP_COMMON_BUFFER, Track));
        break;
    case NtsimResAdapter: {
        HALP_ADAPTER *A = CONTAINING_RECORD(Track, HALP_ADAPTER, Track);
        /* its common buffers are tracked on their own; detach them */
        for (HALP_COMMON_BUFFER *B = HalpCommonBuffers; B; B = B->Next)
            if (B->Adapter == A)
                B->Adapter = NULL;
        HalpDestroyAdapter(A);
        break;
    }
    default:
        VfUntrack(Track);
        break;
    }
}

/* I/O space mappings, common buffers and adapters, for the leak audit
 * (sim/verifier/owner.c calls them back). */
static const VF_RESOURCE_OPS HalpResourceOps = { .Describe = HalpDescribeResource, .Reclaim = HalpReclaimResource, .NotALeak = HalpResourceNotALeak };

void HalpRegisterResourceKinds(void)
{
    VfRegisterResourceKind(NtsimResIoMapping, &HalpResourceOps);
    VfRegisterResourceKind(NtsimResCommonBuffer, &HalpResourceOps);
    VfRegisterResourceKind(NtsimResAdapter, &HalpResourceOps);
}
