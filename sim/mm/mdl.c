/* mdl.c - Mm routines on MDLs: probe and lock, unlock, system mapping. In one address
 * space the "system mapping" of a buffer is the buffer itself; what is simulated is
 * the bookkeeping a driver must get right (lock before map, unlock before free). */
#include "mm/mip.h"
#include "ke/kep.h"

VOID MmProbeAndLockPages(PMDL Mdl, KPROCESSOR_MODE AccessMode, LOCK_OPERATION Operation)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)Operation;
    if (Mdl->MdlFlags & MDL_PAGES_LOCKED)
        KiBugCheck(0xC4, 0x1021 /* approximate */, (ULONG_PTR)Mdl, 0, 0, Site,
                   "MmProbeAndLockPages(%p): the MDL's pages are already locked", (void *)Mdl);
    if (Mdl->MdlFlags & MDL_SOURCE_IS_NONPAGED_POOL)
        KiBugCheck(0xC4, 0x1022 /* approximate */, (ULONG_PTR)Mdl, 0, 0, Site,
                   "MmProbeAndLockPages(%p) on an MDL built with MmBuildMdlForNonPagedPool", (void *)Mdl);
    PVOID Va = MmGetMdlVirtualAddress(Mdl);
    if (AccessMode == UserMode && !MiIsUserRange(Va, Mdl->ByteCount)) {
        extern void KiRaiseStatusAt(NTSTATUS Status, NTSIM_SITE Site);
        KiRaiseStatusAt(STATUS_ACCESS_VIOLATION, Site);
    }
    if (AccessMode == UserMode)
        MiProbeProtectedUser(Va, Mdl->ByteCount); /* locking probes the pages (UM-01) */
    Mdl->MdlFlags |= MDL_PAGES_LOCKED;
    if (Operation != IoReadAccess)
        Mdl->MdlFlags |= MDL_WRITE_OPERATION;
}

VOID MmUnlockPages(PMDL Mdl)
{
    NTSIM_SITE Site = KiTakeSite();
    if (!(Mdl->MdlFlags & MDL_PAGES_LOCKED))
        KiBugCheck(0x76 /* PROCESS_HAS_LOCKED_PAGES family */, (ULONG_PTR)Mdl, 0, 0, 0, Site,
                   "MmUnlockPages(%p): the pages are not locked", (void *)Mdl);
    Mdl->MdlFlags &= ~(MDL_PAGES_LOCKED | MDL_MAPPED_TO_SYSTEM_VA | MDL_WRITE_OPERATION);
    Mdl->MappedSystemVa = NULL;
}

VOID MmBuildMdlForNonPagedPool(PMDL Mdl)
{
    KiTakeSite();
    Mdl->MdlFlags |= MDL_SOURCE_IS_NONPAGED_POOL;
    Mdl->MappedSystemVa = MmGetMdlVirtualAddress(Mdl);
}

PVOID MmMapLockedPagesSpecifyCache(PMDL Mdl, KPROCESSOR_MODE AccessMode, ULONG CacheType, PVOID RequestedAddress,
                                   ULONG BugCheckOnFailure, ULONG Priority)
{
    (void)AccessMode;
    (void)CacheType;
    (void)RequestedAddress;
    (void)Priority;
    NTSIM_SITE Site = KiTakeSite();
    if (!(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_SOURCE_IS_NONPAGED_POOL | MDL_PARTIAL)))
        KiBugCheck(0xC4, 0x1023 /* approximate */, (ULONG_PTR)Mdl, 0, 0, Site,
                   "mapping MDL %p whose pages were never locked (MmProbeAndLockPages) or built for nonpaged pool",
                   (void *)Mdl);
    if (!BugCheckOnFailure && ViFaultShouldFail(NtsimFaultMdl, "MmMapLockedPagesSpecifyCache", 0, Site))
        return NULL;
    Mdl->MappedSystemVa = MmGetMdlVirtualAddress(Mdl);
    Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    return Mdl->MappedSystemVa;
}

VOID MmUnmapLockedPages(PVOID BaseAddress, PMDL Mdl)
{
    (void)BaseAddress;
    Mdl->MdlFlags &= ~MDL_MAPPED_TO_SYSTEM_VA;
}

PVOID MmGetSystemAddressForMdlSafe(PMDL Mdl, ULONG Priority)
{
    NTSIM_SITE Site = KiTakeSite();
    if (Mdl == NULL)
        KiBugCheck(0xC4, 0x1024 /* approximate */, 0, 0, 0, Site, "MmGetSystemAddressForMdlSafe(NULL)");
    if (Mdl->MdlFlags & (MDL_MAPPED_TO_SYSTEM_VA | MDL_SOURCE_IS_NONPAGED_POOL))
        return Mdl->MappedSystemVa;
    if (!(Mdl->MdlFlags & (MDL_PAGES_LOCKED | MDL_PARTIAL)))
        KiBugCheck(0xC4, 0x1023 /* approximate */, (ULONG_PTR)Mdl, 0, 0, Site,
                   "MmGetSystemAddressForMdlSafe(%p): the MDL's pages were never locked", (void *)Mdl);
    if (ViFaultShouldFail(NtsimFaultMdl, "MmGetSystemAddressForMdlSafe", 0, Site))
        return NULL;
    (void)Priority;
    Mdl->MappedSystemVa = MmGetMdlVirtualAddress(Mdl);
    Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    return Mdl->MappedSystemVa;
}

SIZE_T MmSizeOfMdl(PVOID Base, SIZE_T Length)
{
    return sizeof(MDL) + sizeof(PFN_NUMBER) * ADDRESS_AND_SIZE_TO_SPAN_PAGES(Base, Length);
}
