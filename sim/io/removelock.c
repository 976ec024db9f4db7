/* removelock.c - I/O remove locks: a count of I/O in flight on a device, and a wait
 * for it to drain before the device goes away (IoReleaseRemoveLockAndWait). */
#include "io/iop.h"

#define IOP_REMLOCK_MAGIC 0x6B4C6D52u /* "RmLk" */

LONG KiSetEvent(PRKEVENT Event);

static void IopCheckRemoveLock(PIO_REMOVE_LOCK Lock, ULONG Size, const char *Ddi, NTSIM_SITE Site)
{
    if (Lock == NULL || Size != sizeof(IO_REMOVE_LOCK) || Lock->NtsimMagic != IOP_REMLOCK_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): remove lock used before IoInitializeRemoveLock",
                 Ddi, (void *)Lock);
        KiBugCheck(0xC4, 0x1002, (ULONG_PTR)Lock, Size, 0, Site,
                   "%s(%p): the remove lock was never initialised with IoInitializeRemoveLock", Ddi, (void *)Lock);
    }
}

VOID IoInitializeRemoveLockEx(PIO_REMOVE_LOCK Lock, ULONG AllocateTag, ULONG MaxLockedMinutes, ULONG HighWatermark,
                              ULONG RemlockSize)
{
    (void)MaxLockedMinutes;
    (void)HighWatermark;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoInitializeRemoveLock", PASSIVE_LEVEL, 0xC4, 0x3F /* approximate */, Site);
    if (Lock == NULL || RemlockSize != sizeof(IO_REMOVE_LOCK))
        KiBugCheck(0xC4, 0x1018 /* approximate */, (ULONG_PTR)Lock, RemlockSize, 0, Site,
                   "IoInitializeRemoveLock(%p): bad lock or size %lu", (void *)Lock, (unsigned long)RemlockSize);
    memset(Lock, 0, sizeof(*Lock));
    Lock->Common.IoCount = 1;
    KiInitializeDispatcherHeader(&Lock->Common.RemoveEvent.Header, EventNotificationObject, 0);
    Lock->NtsimMagic = IOP_REMLOCK_MAGIC;
    Lock->NtsimTag = AllocateTag;
}

NTSTATUS IoAcquireRemoveLockEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, PCSTR File, ULONG Line, ULONG RemlockSize)
{
    (void)Tag;
    KiTakeSite();
    NTSIM_SITE Site = { File, (int)Line };
    KiCheckIrql("IoAcquireRemoveLock", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    IopCheckRemoveLock(RemoveLock, RemlockSize, "IoAcquireRemoveLock", Site);
    RemoveLock->Common.IoCount++;
    if (RemoveLock->Common.Removed) {
        if (--RemoveLock->Common.IoCount == 0)
            KiSetEvent(&RemoveLock->Common.RemoveEvent);
        return STATUS_DELETE_PENDING;
    }
    return STATUS_SUCCESS;
}

VOID IoReleaseRemoveLockEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, ULONG RemlockSize)
{
    (void)Tag;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoReleaseRemoveLock", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    IopCheckRemoveLock(RemoveLock, RemlockSize, "IoReleaseRemoveLock", Site);
    if (RemoveLock->Common.IoCount <= 0 || (RemoveLock->Common.IoCount == 1 && !RemoveLock->Common.Removed))
        KiBugCheck(0xC4, 0x1019 /* approximate */, (ULONG_PTR)RemoveLock, (ULONG_PTR)(LONG_PTR)RemoveLock->Common.IoCount,
                   0, Site, "IoReleaseRemoveLock(%p) without a matching IoAcquireRemoveLock", (void *)RemoveLock);
    if (--RemoveLock->Common.IoCount == 0)
        KiSetEvent(&RemoveLock->Common.RemoveEvent);
}

VOID IoReleaseRemoveLockAndWaitEx(PIO_REMOVE_LOCK RemoveLock, PVOID Tag, ULONG RemlockSize)
{
    (void)Tag;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoReleaseRemoveLockAndWait", PASSIVE_LEVEL, 0xC4, 0x3F, Site);
    IopCheckRemoveLock(RemoveLock, RemlockSize, "IoReleaseRemoveLockAndWait", Site);
    if (RemoveLock->Common.Removed || RemoveLock->Common.IoCount < 2)
        KiBugCheck(0xC4, 0x1019 /* approximate */, (ULONG_PTR)RemoveLock, (ULONG_PTR)(LONG_PTR)RemoveLock->Common.IoCount,
                   0, Site, "IoReleaseRemoveLockAndWait(%p): the caller must hold the lock (acquire it first), once",
                   (void *)RemoveLock);
    RemoveLock->Common.Removed = TRUE;
    RemoveLock->Common.IoCount -= 2; /* the caller's acquisition and the initial bias */
    if (RemoveLock->Common.IoCount > 0) {
        PVOID Objects[1] = { &RemoveLock->Common.RemoveEvent };
        KiWaitObjects(1, Objects, WaitAny, NULL, "IoReleaseRemoveLockAndWait", Site, FALSE);
    }
}
