/* nt/paging.h - driver paging control. ntsim keeps every image resident, so paging is
 * not simulated; what is checked is the contract: IRQL, and that each
 * MmLockPagableXxxSection is undone by MmUnlockPagableImageSection (a lock left at
 * unload is a leak finding). */
#ifndef NTSIM_NT_PAGING_H
#define NTSIM_NT_PAGING_H

NTKERNELAPI PVOID MmPageEntireDriver(PVOID AddressWithinSection);
NTKERNELAPI VOID MmResetDriverPaging(PVOID AddressWithinSection);
NTKERNELAPI PVOID MmLockPagableDataSection(PVOID AddressWithinSection);
NTKERNELAPI PVOID MmLockPagableCodeSection(PVOID AddressWithinSection);
NTKERNELAPI VOID MmLockPagableSectionByHandle(PVOID ImageSectionHandle);
NTKERNELAPI VOID MmUnlockPagableImageSection(PVOID ImageSectionHandle);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define MmPageEntireDriver(...) NTSIM_AT(MmPageEntireDriver)(__VA_ARGS__)
#define MmResetDriverPaging(...) NTSIM_AT(MmResetDriverPaging)(__VA_ARGS__)
#define MmLockPagableDataSection(...) NTSIM_AT(MmLockPagableDataSection)(__VA_ARGS__)
#define MmLockPagableCodeSection(...) NTSIM_AT(MmLockPagableCodeSection)(__VA_ARGS__)
#define MmLockPagableSectionByHandle(...) NTSIM_AT(MmLockPagableSectionByHandle)(__VA_ARGS__)
#define MmUnlockPagableImageSection(...) NTSIM_AT(MmUnlockPagableImageSection)(__VA_ARGS__)
#endif

#endif
