/* mmio.c - MmMapIoSpace / MmMapIoSpaceEx / MmUnmapIoSpace and the
 * READ_REGISTER_* / WRITE_REGISTER_* routines.
 *
 * A mapping is a window of host address space reserved PROT_NONE: the address a
 * driver gets cannot be read or written directly. READ/WRITE_REGISTER_* recognise
 * an address inside a window (one-entry cache, then a short list) and route the
 * access to the MMIO bus at the physical address behind it. Each access
 *   1. is checked against the running driver's memory claims (HW-01; the result is
 *      cached per mapping until the claims change; reported once per mapping, and
 *      the access is still made);
 *   2. happens on the bus at the present virtual time (no device: reads all ones,
 *      reported once per mapping as HW-01);
 *   3. costs HALP_MMIO_READ_NS (200 ns) or HALP_MMIO_WRITE_NS (100 ns) of virtual
 *      time, during which device events fire;
 *   4. ends with the safe point (interrupts delivered).
 * An address outside every window is ordinary memory (a common buffer, say) and is
 * read or written directly, as READ_REGISTER_* does on Windows.
 *
 * A driver that dereferences a window directly faults; the fault handler asks
 * HalpDescribeRegisterFault() and reports the mapping, the register offset and the
 * driver line (finding MMIO-01) before the bug check. */
#include "hal/halp.h"
#include "trace/trace.h"

#include <sys/mman.h>
#include <unistd.h>

typedef struct _HALP_MAPPING {
    NTSIM_TRACK Track;
    struct _HALP_MAPPING *Next;
    char *Base;              /* the reserved window (page aligned) */
    size_t Reserved;
    char *Va;                /* what the driver got */
    SIZE_T Length;
    ULONGLONG Pa;            /* physical address of Va */
    char Name[64];           /* the bus range behind it at map time */
    ULONGLONG RangeBase;
    PDRIVER_OBJECT CheckedDriver;
    ULONG CheckedGeneration;
    BOOLEAN Claimed;
    BOOLEAN ReportedClaim;
    BOOLEAN ReportedNoDevice;
    /* cached bus lookup (valid while the bus generation is unchanged) */
    uint64_t BusGeneration;
    const hw_region_ops *Ops;
    void *Opaque;
    ULONGLONG OpsBase, OpsLast;
} HALP_MAPPING;

ULONG HalpClaimGeneration; /* bumped by the I/O manager (sim/io/resource.c) */
static HALP_MAPPING *HalpMappings;
static HALP_MAPPING *HalpLastMapping;

static void HalpFreeMapping(HALP_MAPPING *M)
{
    for (HALP_MAPPING **P = &HalpMappings; *P; P = &(*P)->Next)
        if (*P == M) {
            *P = M->Next;
            break;
        }
    if (HalpLastMapping == M)
        HalpLastMapping = NULL;
    VfUntrack(&M->Track);
    munmap(M->Base, M->Reserved);
    free(M);
}

void HalpResetMappings(void)
{
    while (HalpMappings)
        HalpFreeMapping(HalpMappings);
}

static inline HALP_MAPPING *HalpFindMapping(const volatile void *Address)
{
    const char *A = (const char *)Address;
    HALP_MAPPING *M = HalpLastMapping;
    if (M && (size_t)(A - M->Base) < M->Reserved)
        return M;
    for (M = HalpMappings; M; M = M->Next)
        if ((size_t)(A - M->Base) < M->Reserved) {
            HalpLastMapping = M;
            return M;
        }
    return NULL;
}

BOOLEAN HalpMappingPhysical(const void *Address, ULONGLONG *Physical)
{
    HALP_MAPPING *M = HalpFindMapping(Address);
    if (M == NULL)
        return FALSE;
    *Physical = M->Pa + (ULONGLONG)((const char *)Address - M->Va);
    return TRUE;
}

static void HalpMappingWhere(HALP_MAPPING *M, char *Buffer, size_t Size)
{
    char Site[256];
    KiFormatSite(M->Track.Site, Site, sizeof(Site));
    snprintf(Buffer, Size, "%s mapping of physical 0x%llX-0x%llX (MmMapIoSpace at %s)", M->Name,
             (unsigned long long)M->Pa, (unsigned long long)(M->Pa + M->Length - 1), Site);
}

BOOLEAN HalpDescribeRegisterFault(const void *Address, char *Buffer, size_t Size)
{
    HALP_MAPPING *M = HalpFindMapping(Address);
    if (M == NULL)
        return FALSE;
    char Where[400];
    HalpMappingWhere(M, Where, sizeof(Where));
    long long Offset = (long long)((const char *)Address - M->Va);
    snprintf(Buffer, Size, "direct dereference of mapped device registers: register offset 0x%llX of the %s (physical "
             "0x%llX); a mapped register is read and written only with READ_REGISTER_* / WRITE_REGISTER_*",
             Offset, Where, (unsigned long long)(M->Pa + (ULONGLONG)Offset));
    return TRUE;
}

/* ---- register access ---- */

static const char *HalpAccessName(ULONG Size, BOOLEAN Write)
{
    static const char *const Names[2][4] = {
        { "READ_REGISTER_UCHAR", "READ_REGISTER_USHORT", "READ_REGISTER_ULONG", "READ_REGISTER_ULONG64" },
        { "WRITE_REGISTER_UCHAR", "WRITE_REGISTER_USHORT", "WRITE_REGISTER_ULONG", "WRITE_REGISTER_ULONG64" },
    };
    return Names[Write ? 1 : 0][Size == 1 ? 0 : Size == 2 ? 1 : Size == 4 ? 2 : 3];
}

static void __attribute__((noinline)) HalpCheckClaimSlow(HALP_MAPPING *M, PDRIVER_OBJECT Driver, ULONGLONG Pa,
                                                         ULONG Size, BOOLEAN Write, NTSIM_SITE Site)
{
    M->CheckedDriver = Driver;
    M->CheckedGeneration = HalpClaimGeneration;
    M->Claimed = HalpIo.DriverClaimsMemory(Driver, M->Pa, M->Pa + M->Length);
    if (M->Claimed || HalpIo.DriverClaimsMemory(Driver, Pa, Pa + Size) || M->ReportedClaim)
        return;
    M->ReportedClaim = TRUE;
    char Where[400];
    HalpMappingWhere(M, Where, sizeof(Where));
    VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
             "%s at physical 0x%llX (offset 0x%llX of the %s), which %s has not claimed "
             "(HalAssignSlotResources/IoReportResourceUsage before touching the device); the access was made",
             HalpAccessName(Size, Write), (unsigned long long)Pa, (unsigned long long)(Pa - M->Pa), Where,
             VfDriverName(Driver));
}

static inline HALP_MAPPING *HalpCheckAccess(const volatile void *Register, ULONG Size, BOOLEAN Write,
                                            NTSIM_SITE Site, ULONGLONG *Pa)
{
    HALP_MAPPING *M = HalpFindMapping(Register);
    if (M == NULL)
        return NULL;
    *Pa = M->Pa + (ULONGLONG)((const char *)Register - M->Va);
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    if (Driver && !(M->CheckedDriver == Driver && M->Claimed && M->CheckedGeneration == HalpClaimGeneration))
        HalpCheckClaimSlow(M, Driver, *Pa, Size, Write, Site);
    return M;
}

static void __attribute__((noinline)) HalpNoDevice(HALP_MAPPING *M, ULONGLONG Pa, ULONG Size, BOOLEAN Write,
                                                   NTSIM_SITE Site)
{
    if (M->ReportedNoDevice || VfCurrentDriver() == NULL)
        return;
    M->ReportedNoDevice = TRUE;
    char Where[400];
    HalpMappingWhere(M, Where, sizeof(Where));
    VfReport("HW-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
             "%s at physical 0x%llX (offset 0x%llX of the %s): no device decodes that address (BAR moved or "
             "memory decoding off?); %s",
             HalpAccessName(Size, Write), (unsigned long long)Pa, (unsigned long long)(Pa - M->Pa), Where,
             Write ? "the write went nowhere" : "the read returned all ones");
}

/* TRUE when the access goes straight to one device's callbacks (the cached range
 * holds it whole and the device takes that width); otherwise the bus routes it. */
static inline BOOLEAN HalpDirect(HALP_MAPPING *M, hw_bus *Bus, ULONGLONG Pa, ULONG Size)
{
    if (Bus == NULL)
        return FALSE;
    uint64_t Generation = hw_bus_generation(Bus);
    if (__builtin_expect(M->BusGeneration != Generation || M->Ops == NULL, 0)) {
        hw_range_info Info;
        const hw_region_ops *Ops;
        M->BusGeneration = Generation;
        M->Ops = NULL;
        if (!hw_bus_lookup_ops(Bus, HW_SPACE_MMIO, Pa, &Ops, &Info))
            return FALSE;
        M->Ops = Ops;
        M->Opaque = Info.opaque;
        M->OpsBase = Info.base;
        M->OpsLast = Info.base + Info.length - 1;
    }
    return Pa >= M->OpsBase && Pa + Size - 1 <= M->OpsLast && (M->Ops->max_access == 0 || Size <= M->Ops->max_access);
}

static inline ULONG64 HalpRegisterRead(const volatile void *Register, ULONG Size, NTSIM_SITE Site)
{
    ULONGLONG Pa;
    HALP_MAPPING *M = HalpCheckAccess(Register, Size, FALSE, Site, &Pa);
    if (M == NULL) {
        switch (Size) {
        case 1: return *(const volatile UCHAR *)Register;
        case 2: return *(const volatile USHORT *)Register;
        case 4: return *(const volatile ULONG *)Register;
        default: return *(const volatile ULONG64 *)Register;
        }
    }
    uint64_t Value = ~UINT64_C(0);
    hw_bus *Bus = HalpBus();
    if (HalpDirect(M, Bus, Pa, Size) && M->Ops->read) {
        Value = M->Ops->read(M->Opaque, Pa - M->OpsBase, Size);
        if (Size < 8)
            Value &= (UINT64_C(1) << (Size * 8)) - 1;
    } else if (!Bus || !hw_bus_mmio_read(Bus, Pa, Size, &Value)) {
        HalpNoDevice(M, Pa, Size, FALSE, Site);
    }
    if (__builtin_expect(TrPorts, 0))
        TrPortAccess(TrRegisterRead, Pa, Size, Value);
    HalpAdvance(HALP_MMIO_READ_NS);
    return Value;
}

static inline void HalpRegisterWrite(volatile void *Register, ULONG Size, ULONG64 Value, NTSIM_SITE Site)
{
    ULONGLONG Pa;
    HALP_MAPPING *M = HalpCheckAccess(Register, Size, TRUE, Site, &Pa);
    if (M == NULL) {
        switch (Size) {
        case 1: *(volatile UCHAR *)Register = (UCHAR)Value; break;
        case 2: *(volatile USHORT *)Register = (USHORT)Value; break;
        case 4: *(volatile ULONG *)Register = (ULONG)Value; break;
        default: *(volatile ULONG64 *)Register = Value; break;
        }
        return;
    }
    hw_bus *Bus = HalpBus();
    if (HalpDirect(M, Bus, Pa, Size)) {
        if (M->Ops->write)
            M->Ops->write(M->Opaque, Pa - M->OpsBase, Size, Size < 8 ? Value & ((UINT64_C(1) << (Size * 8)) - 1) : Value);
    } else if (!Bus || !hw_bus_mmio_write(Bus, Pa, Size, Value)) {
        HalpNoDevice(M, Pa, Size, TRUE, Site);
    }
    if (__builtin_expect(TrPorts, 0))
        TrPortAccess(TrRegisterWrite, Pa, Size, Value);
    HalpAdvance(HALP_MMIO_WRITE_NS);
}

UCHAR READ_REGISTER_UCHAR(volatile UCHAR *Register)
{
    return (UCHAR)HalpRegisterRead(Register, 1, KiTakeSite());
}

USHORT READ_REGISTER_USHORT(volatile USHORT *Register)
{
    return (USHORT)HalpRegisterRead(Register, 2, KiTakeSite());
}

ULONG READ_REGISTER_ULONG(volatile ULONG *Register)
{
    return (ULONG)HalpRegisterRead(Register, 4, KiTakeSite());
}

ULONG64 READ_REGISTER_ULONG64(volatile ULONG64 *Register)
{
    return HalpRegisterRead(Register, 8, KiTakeSite());
}

VOID WRITE_REGISTER_UCHAR(volatile UCHAR *Register, UCHAR Value)
{
    HalpRegisterWrite(Register, 1, Value, KiTakeSite());
}

VOID WRITE_REGISTER_USHORT(volatile USHORT *Register, USHORT Value)
{
    HalpRegisterWrite(Register, 2, Value, KiTakeSite());
}

VOID WRITE_REGISTER_ULONG(volatile ULONG *Register, ULONG Value)
{
    HalpRegisterWrite(Register, 4, Value, KiTakeSite());
}

VOID WRITE_REGISTER_ULONG64(volatile ULONG64 *Register, ULONG64 Value)
{
    HalpRegisterWrite(Register, 8, Value, KiTakeSite());
}

/* The _BUFFER_ forms: Count accesses to the same register (a FIFO), as on Windows. */
#define HALP_READ_BUFFER(Name, Type, Size)                                                                            \
    VOID Name(volatile Type *Register, Type *Buffer, ULONG Count)                                                     \
    {                                                                                                                 \
        NTSIM_SITE Site = KiTakeSite();                                                                               \
        for (ULONG i = 0; i < Count; i++)                                                                             \
            Buffer[i] = (Type)HalpRegisterRead(Register, Size, Site);                                                 \
    }
#define HALP_WRITE_BUFFER(Name, Type, Size)                                                                           \
    VOID Name(volatile Type *Register, Type *Buffer, ULONG Count)                                                     \
    {                                                                                                                 \
        NTSIM_SITE Site = KiTakeSite();                                                                               \
        for (ULONG i = 0; i < Count; i++)                                                                             \
            HalpRegisterWrite(Register, Size, Buffer[i], Site);                                                       \
    }
HALP_READ_BUFFER(READ_REGISTER_BUFFER_UCHAR, UCHAR, 1)
HALP_READ_BUFFER(READ_REGISTER_BUFFER_USHORT, USHORT, 2)
HALP_READ_BUFFER(READ_REGISTER_BUFFER_ULONG, ULONG, 4)
HALP_READ_BUFFER(READ_REGISTER_BUFFER_ULONG64, ULONG64, 8)
HALP_WRITE_BUFFER(WRITE_REGISTER_BUFFER_UCHAR, UCHAR, 1)
HALP_WRITE_BUFFER(WRITE_REGISTER_BUFFER_USHORT, USHORT, 2)
HALP_WRITE_BUFFER(WRITE_REGISTER_BUFFER_ULONG, ULONG, 4)
HALP_WRITE_BUFFER(WRITE_REGISTER_BUFFER_ULONG64, ULONG64, 8)

/* ---- mapping ---- */

/* HW-02: Address is the low 32 bits of a mapped system address (a pointer from
 * MmMapIoSpace stored in a ULONG), not a physical address. */
BOOLEAN HalpIsTruncatedMapping(ULONGLONG Address)
{
    for (HALP_MAPPING *M = HalpMappings; M; M = M->Next) {
        ULONGLONG Va = (ULONG_PTR)M->Va;
        if (Va > 0xFFFFFFFFull && Address >= (ULONG)Va && Address < (ULONGLONG)(ULONG)Va + M->Length)
            return TRUE;
    }
    return FALSE;
}

static PVOID HalpMapIoSpace(const char *Ddi, PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, NTSIM_SITE Site)
{
    if (NumberOfBytes == 0 || PhysicalAddress.QuadPart < 0)
        return NULL;
    if (ViFaultShouldFail(NtsimFaultMapping, Ddi, 0, Site))
        return NULL;
    size_t Page = (size_t)sysconf(_SC_PAGESIZE);
    ULONGLONG Pa = (ULONGLONG)PhysicalAddress.QuadPart;
    size_t Offset = (size_t)(Pa & (Page - 1));
    size_t Reserved = (Offset + NumberOfBytes + Page - 1) / Page * Page;
    void *Base = mmap(NULL, Reserved, PROT_NONE, MAP_PRIVATE | MAP_ANON | MAP_NORESERVE, -1, 0);
    if (Base == MAP_FAILED)
        return NULL;
    HALP_MAPPING *M = KiHostAlloc(sizeof(*M));
    memset(M, 0, sizeof(*M));
    M->Base = Base;
    M->Reserved = Reserved;
    M->Va = (char *)Base + Offset;
    M->Length = NumberOfBytes;
    M->Pa = Pa;
    hw_range_info Info;
    if (HalpBus() && hw_bus_lookup(HalpBus(), HW_SPACE_MMIO, Pa, &Info)) {
        snprintf(M->Name, sizeof(M->Name), "%s", Info.name);
        M->RangeBase = Info.base;
    } else {
        snprintf(M->Name, sizeof(M->Name), "unclaimed-address");
    }
    M->Next = HalpMappings;
    HalpMappings = M;
    VfTrack(&M->Track, NtsimResIoMapping, Site);
    return M->Va;
}

PVOID MmMapIoSpace(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, MEMORY_CACHING_TYPE CacheType)
{
    (void)CacheType;
    return HalpMapIoSpace("MmMapIoSpace", PhysicalAddress, NumberOfBytes, KiTakeSite());
}

PVOID MmMapIoSpaceEx(PHYSICAL_ADDRESS PhysicalAddress, SIZE_T NumberOfBytes, ULONG Protect)
{
    (void)Protect;
    return HalpMapIoSpace("MmMapIoSpaceEx", PhysicalAddress, NumberOfBytes, KiTakeSite());
}

VOID MmUnmapIoSpace(PVOID BaseAddress, SIZE_T NumberOfBytes)
{
    NTSIM_SITE Site = KiTakeSite();
    HALP_MAPPING *M = HalpFindMapping(BaseAddress);
    if (M == NULL || M->Va != (char *)BaseAddress)
        KiBugCheck(0xC4, 0x1030 /* approximate */, (ULONG_PTR)BaseAddress, NumberOfBytes, 0, Site,
                   "MmUnmapIoSpace(%p, %zu): not an address MmMapIoSpace returned", BaseAddress,
                   (size_t)NumberOfBytes);
    if (NumberOfBytes != M->Length)
        VfReport("MMIO-02", NTSIM_SEV_WARNING, VfCurrentDriver(), Site,
                 "MmUnmapIoSpace(%p, %zu): the mapping is %zu bytes; pass the size given to MmMapIoSpace",
                 BaseAddress, (size_t)NumberOfBytes, (size_t)M->Length);
    HalpFreeMapping(M);
}

void HalpDescribeMapping(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    HALP_MAPPING *M = CONTAINING_RECORD(Track, HALP_MAPPING, Track);
    snprintf(Buffer, Size, "I/O space mapping of %s at physical 0x%llX (%zu bytes, MmMapIoSpace) not unmapped",
             M->Name, (unsigned long long)M->Pa, (size_t)M->Length);
}

void HalpReclaimMapping(NTSIM_TRACK *Track)
{
    HalpFreeMapping(CONTAINING_RECORD(Track, HALP_MAPPING, Track));
}
