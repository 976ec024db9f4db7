/* paging.c - driver paging control: MmPageEntireDriver, MmResetDriverPaging,
 * MmLockPagableCodeSection / MmLockPagableDataSection / MmLockPagableSectionByHandle,
 * MmUnlockPagableImageSection.
 *
 * ntsim keeps every image resident, so nothing is paged; the contract is checked:
 * the IRQL each routine requires, a section handle that names a loaded image, and that
 * every lock is undone by MmUnlockPagableImageSection. Each lock is tracked on the
 * driver that took it, so one still held at unload is a leak finding with its line.
 * The "section handle" is the base of the image holding the address (dladdr). */
#include "ntsimp.h"
#include "ke/kep.h"
#include <dlfcn.h>

typedef struct _MI_SECTION_LOCK {
    NTSIM_HOOKED_RESOURCE Hook;
    LIST_ENTRY Link;
    PVOID Handle;
} MI_SECTION_LOCK;

static LIST_ENTRY MiSectionLocks = { &MiSectionLocks, &MiSectionLocks };

static void MiDescribeSectionLock(NTSIM_HOOKED_RESOURCE *Hook, char *Buffer, size_t Size)
{
    MI_SECTION_LOCK *Lock = CONTAINING_RECORD(Hook, MI_SECTION_LOCK, Hook);
    snprintf(Buffer, Size, "pageable section %p locked (MmLockPagable...) and never unlocked with "
             "MmUnlockPagableImageSection", Lock->Handle);
}

static void MiReclaimSectionLock(NTSIM_HOOKED_RESOURCE *Hook)
{
    MI_SECTION_LOCK *Lock = CONTAINING_RECORD(Hook, MI_SECTION_LOCK, Hook);
    VfUntrack(&Hook->Track);
    RemoveEntryList(&Lock->Link);
    free(Lock);
}

/* The base of the loaded object holding Address, or NULL. */
static PVOID MiImageBase(PVOID Address)
{
    Dl_info Info;
    if (Address == NULL || dladdr(Address, &Info) == 0)
        return NULL;
    return Info.dli_fbase;
}

static PVOID MiSectionOf(PVOID Address, const char *Ddi, NTSIM_SITE Site)
{
    PVOID Base = MiImageBase(Address);
    if (Base == NULL)
        KiBugCheck(0xC4, 0x1070 /* approximate */, (ULONG_PTR)Address, 0, 0, Site,
                   "%s(%p): the address is not inside a loaded driver image", Ddi, Address);
    return Base;
}

static void MiLockSection(PVOID Handle, NTSIM_SITE Site)
{
    MI_SECTION_LOCK *Lock = KiHostAlloc(sizeof(*Lock));
    memset(Lock, 0, sizeof(*Lock));
    Lock->Handle = Handle;
    Lock->Hook.Describe = MiDescribeSectionLock;
    Lock->Hook.Reclaim = MiReclaimSectionLock;
    InsertTailList(&MiSectionLocks, &Lock->Link);
    VfTrack(&Lock->Hook.Track, NtsimResHooked, Site);
}

PVOID MmPageEntireDriver(PVOID AddressWithinSection)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("MmPageEntireDriver", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    return MiSectionOf(AddressWithinSection, "MmPageEntireDriver", Site);
}

VOID MmResetDriverPaging(PVOID AddressWithinSection)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("MmResetDriverPaging", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    MiSectionOf(AddressWithinSection, "MmResetDriverPaging", Site);
}

static PVOID MiLockPagable(PVOID AddressWithinSection, const char *Ddi)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql(Ddi, APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PVOID Handle = MiSectionOf(AddressWithinSection, Ddi, Site);
    MiLockSection(Handle, Site);
    return Handle;
}

PVOID MmLockPagableDataSection(PVOID AddressWithinSection)
{
    return MiLockPagable(AddressWithinSection, "MmLockPagableDataSection");
}

PVOID MmLockPagableCodeSection(PVOID AddressWithinSection)
{
    return MiLockPagable(AddressWithinSection, "MmLockPagableCodeSection");
}

VOID MmLockPagableSectionByHandle(PVOID ImageSectionHandle)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("MmLockPagableSectionByHandle", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (ImageSectionHandle == NULL || MiImageBase(ImageSectionHandle) != ImageSectionHandle)
        KiBugCheck(0xC4, 0x1071 /* approximate */, (ULONG_PTR)ImageSectionHandle, 0, 0, Site,
                   "MmLockPagableSectionByHandle(%p): not a handle returned by MmLockPagableCodeSection/"
                   "MmLockPagableDataSection", ImageSectionHandle);
    MiLockSection(ImageSectionHandle, Site);
}

VOID MmUnlockPagableImageSection(PVOID ImageSectionHandle)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("MmUnlockPagableImageSection", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    for (PLIST_ENTRY E = MiSectionLocks.Blink; E != &MiSectionLocks; E = E->Blink) {
        MI_SECTION_LOCK *Lock = CONTAINING_RECORD(E, MI_SECTION_LOCK, Link);
        if (Lock->Handle == ImageSectionHandle && Lock->Hook.Track.Owner == Driver) {
            MiReclaimSectionLock(&Lock->Hook);
            return;
        }
    }
    KiBugCheck(0xC4, 0x1072 /* approximate */, (ULONG_PTR)ImageSectionHandle, 0, 0, Site,
               "MmUnlockPagableImageSection(%p): the section is not locked (more unlocks than locks, or not a "
               "section handle)", ImageSectionHandle);
}
