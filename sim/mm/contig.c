/* contig.c - physically contiguous and non-cached memory, MmGetPhysicalAddress.
 *
 * These allocations come from the machine's simulated RAM (hwmodel/physmem.c): the
 * driver gets host memory it can use directly, and a device reaches the same bytes
 * by physical address. MmGetPhysicalAddress knows that RAM and the I/O space
 * mappings; any other address (pool, stack) has no simulated physical address and
 * yields 0, which a device cannot reach. */
#include "hal/halp.h"

typedef struct _MI_CONTIGUOUS {
    NTSIM_TRACK Track;
    struct _MI_CONTIGUOUS *Next;
    PVOID Va;
    ULONGLONG Pa;
    SIZE_T Size;
    BOOLEAN NonCached;
} MI_CONTIGUOUS;

static MI_CONTIGUOUS *MiContiguous;

static MI_CONTIGUOUS *MiFindContiguous(PVOID Va)
{
    for (MI_CONTIGUOUS *C = MiContiguous; C; C = C->Next)
        if (C->Va == Va)
            return C;
    return NULL;
}

static void MiFreeContiguous(MI_CONTIGUOUS *C)
{
    for (MI_CONTIGUOUS **P = &MiContiguous; *P; P = &(*P)->Next)
        if (*P == C) {
            *P = C->Next;
            break;
        }
    VfUntrack(&C->Track);
    if (HalpPhysMem())
        hw_physmem_release(HalpPhysMem(), C->Pa);
    free(C);
}

static PVOID MiAllocate(const char *Ddi, SIZE_T Size, ULONGLONG Lowest, ULONGLONG Highest, ULONGLONG Boundary,
                        BOOLEAN NonCached, NTSIM_SITE Site)
{
    if (Size == 0 || HalpPhysMem() == NULL)
        return NULL;
    if (ViFaultShouldFail(NtsimFaultMapping, Ddi, 0, Site))
        return NULL;
    /* alignment to the boundary keeps a buffer no larger than it from crossing one */
    ULONGLONG Align = 0;
    if (Boundary && Size <= Boundary)
        for (Align = HW_PHYSMEM_PAGE; Align < Size; Align <<= 1)
            ;
    uint64_t Pa;
    void *Va = hw_physmem_alloc(HalpPhysMem(), Size, Align, Highest, &Pa);
    if (Va == NULL)
        return NULL;
    if (Pa < Lowest) {
        hw_physmem_release(HalpPhysMem(), Pa);
        return NULL;
    }
    MI_CONTIGUOUS *C = KiHostAlloc(sizeof(*C));
    memset(C, 0, sizeof(*C));
    C->Va = Va;
    C->Pa = Pa;
    C->Size = Size;
    C->NonCached = NonCached;
    C->Next = MiContiguous;
    MiContiguous = C;
    VfTrack(&C->Track, NtsimResContiguous, Site);
    return Va;
}

PVOID MmAllocateContiguousMemory(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS HighestAcceptableAddress)
{
    NTSIM_SITE Site = KiTakeSite();
    return MiAllocate("MmAllocateContiguousMemory", NumberOfBytes, 0, (ULONGLONG)HighestAcceptableAddress.QuadPart, 0,
                      FALSE, Site);
}

PVOID MmAllocateContiguousMemorySpecifyCache(SIZE_T NumberOfBytes, PHYSICAL_ADDRESS LowestAcceptableAddress,
                                             PHYSICAL_ADDRESS HighestAcceptableAddress,
                                             PHYSICAL_ADDRESS BoundaryAddressMultiple, MEMORY_CACHING_TYPE CacheType)
{
    NTSIM_SITE Site = KiTakeSite();
    return MiAllocate("MmAllocateContiguousMemorySpecifyCache", NumberOfBytes,
                      (ULONGLONG)LowestAcceptableAddress.QuadPart, (ULONGLONG)HighestAcceptableAddress.QuadPart,
                      (ULONGLONG)BoundaryAddressMultiple.QuadPart, CacheType != MmCached, Site);
}

static void MiFreeChecked(const char *Ddi, PVOID Va, BOOLEAN NonCached, NTSIM_SITE Site)
{
    MI_CONTIGUOUS *C = MiFindContiguous(Va);
    if (C == NULL || C->NonCached != NonCached)
        KiBugCheck(0xC4, 0x1031 /* approximate */, (ULONG_PTR)Va, 0, 0, Site,
                   "%s(%p): not memory from %s (freed twice, or the wrong free routine)", Ddi, Va,
                   NonCached ? "MmAllocateNonCachedMemory" : "MmAllocateContiguousMemory");
    MiFreeContiguous(C);
}

VOID MmFreeContiguousMemory(PVOID BaseAddress)
{
    NTSIM_SITE Site = KiTakeSite();
    MI_CONTIGUOUS *C = MiFindContiguous(BaseAddress);
    /* SpecifyCache with MmNonCached is still freed with MmFreeContiguousMemory */
    if (C && C->NonCached)
        C->NonCached = FALSE;
    MiFreeChecked("MmFreeContiguousMemory", BaseAddress, FALSE, Site);
}

PVOID MmAllocateNonCachedMemory(SIZE_T NumberOfBytes)
{
    NTSIM_SITE Site = KiTakeSite();
    PVOID Va = MiAllocate("MmAllocateNonCachedMemory", NumberOfBytes, 0, ~0ull, 0, TRUE, Site);
    if (Va)
        MiFindContiguous(Va)->Track.Kind = NtsimResContiguous;
    return Va;
}

VOID MmFreeNonCachedMemory(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)NumberOfBytes;
    MI_CONTIGUOUS *C = MiFindContiguous(BaseAddress);
    if (C && !C->NonCached)
        C = NULL;
    if (C == NULL)
        KiBugCheck(0xC4, 0x1031 /* approximate */, (ULONG_PTR)BaseAddress, 0, 0, Site,
                   "MmFreeNonCachedMemory(%p): not memory from MmAllocateNonCachedMemory (freed twice?)",
                   BaseAddress);
    MiFreeContiguous(C);
}

PHYSICAL_ADDRESS MmGetPhysicalAddress(PVOID BaseAddress)
{
    KiTakeSite();
    PHYSICAL_ADDRESS Result;
    Result.QuadPart = 0;
    uint64_t Pa;
    ULONGLONG Io;
    if (HalpPhysMem() && hw_physmem_phys(HalpPhysMem(), BaseAddress, &Pa))
        Result.QuadPart = (LONGLONG)Pa;
    else if (HalpMappingPhysical(BaseAddress, &Io))
        Result.QuadPart = (LONGLONG)Io;
    return Result;
}

VOID KeFlushIoBuffers(PMDL Mdl, BOOLEAN ReadOperation, BOOLEAN DmaOperation)
{
    KiTakeSite();
    /* x86/x64 caches are coherent with DMA: nothing to do, as on Windows */
    (void)Mdl;
    (void)ReadOperation;
    (void)DmaOperation;
}

void MiDescribeContiguous(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    MI_CONTIGUOUS *C = CONTAINING_RECORD(Track, MI_CONTIGUOUS, Track);
    snprintf(Buffer, Size, "%s memory at %p (physical 0x%llX, %zu bytes) not freed",
             C->NonCached ? "non-cached (MmAllocateNonCachedMemory)" : "contiguous (MmAllocateContiguousMemory)",
             C->Va, (unsigned long long)C->Pa, (size_t)C->Size);
}

void MiReclaimContiguous(NTSIM_TRACK *Track)
{
    MiFreeContiguous(CONTAINING_RECORD(Track, MI_CONTIGUOUS, Track));
}

/* Contiguous and non-cached memory, for the leak audit (sim/verifier/owner.c calls back). */
static const VF_RESOURCE_OPS MiContiguousOps = { .Describe = MiDescribeContiguous, .Reclaim = MiReclaimContiguous };

void MiRegisterResourceKinds(void)
{
    VfRegisterResourceKind(NtsimResContiguous, &MiContiguousOps);
}
