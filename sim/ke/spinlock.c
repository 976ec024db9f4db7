/* spinlock.c - spin locks on the simulated processor(s).
 *
 * A KSPIN_LOCK holds 0 when free and the owning marker when held. Acquiring raises
 * to DISPATCH_LEVEL. Threads take turns on the machine and never switch while at
 * DISPATCH_LEVEL, so acquiring a lock that is held can never succeed: that is
 * reported as the deadlock it is. Uninitialised pool is filled with 0xCD by the
 * pool, so a lock used without KeInitializeSpinLock in pool memory is recognised
 * (rule SY-01). Each held lock is also recorded for the thread (lockorder.c): lock
 * order inversions and locks still held when a driver routine returns are reported. */
#include "ntsimp.h"
#include "ke/kep.h"

#define KI_LOCK_HELD ((KSPIN_LOCK)0x4B4C4F434B454421ull) /* marker of an owned lock */

static void KiCheckLockWord(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    if (Lock == NULL)
        KiBugCheck(0xC4, 0x1002, 0, 0, 0, Site, "%s(NULL)", Ddi);
    if (*Lock != 0 && *Lock != KI_LOCK_HELD) {
        VfReport("SY-01", NTSIM_SEV_ERROR, IopCurrentDriver(), Site,
                 "%s(%p): spin lock used without KeInitializeSpinLock", Ddi, (void *)Lock);
        KiBugCheck(0xC4, 0x1002, (ULONG_PTR)Lock, *Lock, 0, Site,
                   "%s(%p): the spin lock was never initialised", Ddi, (void *)Lock);
    }
}

static void KiAcquireLockWord(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    KiCheckLockWord(Lock, Ddi, Site);
    if (*Lock == KI_LOCK_HELD)
        KiBugCheck(0xC4, 0x1000, (ULONG_PTR)Lock, 0, 0, Site,
                   "%s(%p): the lock is already held%s: this would spin forever", Ddi, (void *)Lock,
                   KiLockHeldByCurrent(Lock) ? " by this thread (recursive acquisition)" : "");
    *Lock = KI_LOCK_HELD;
    KiLockAcquired(Lock, "spin lock", Site);
}

static void KiReleaseLockWord(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    KiCheckLockWord(Lock, Ddi, Site);
    if (*Lock != KI_LOCK_HELD)
        KiBugCheck(0xC4, 0x1003, (ULONG_PTR)Lock, 0, 0, Site,
                   "%s(%p): releasing a spin lock that is not held (double release, or never acquired)", Ddi,
                   (void *)Lock);
    *Lock = 0;
    KiLockReleased(Lock);
}

VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
{
    NTSIM_SITE Site = KiTakeSite();
    if (SpinLock == NULL)
        KiBugCheck(0xC4, 0x1002, 0, 0, 0, Site, "KeInitializeSpinLock(NULL)");
    VfCheckNonPagedObject(SpinLock, sizeof(*SpinLock), "spin lock", "KeInitializeSpinLock", Site);
    if (*SpinLock == KI_LOCK_HELD && KiLockHeldByCurrent(SpinLock))
        KiBugCheck(0xC4, 0x1005 /* approximate */, (ULONG_PTR)SpinLock, 0, 0, Site,
                   "KeInitializeSpinLock(%p) on a lock this thread holds", (void *)SpinLock);
    *SpinLock = 0;
}

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Irql = KiCurrentIrql();
    if (Irql > DISPATCH_LEVEL) {
        VfReport("SY-04", NTSIM_SEV_ERROR, IopCurrentDriver(), Site, "KeAcquireSpinLock at IRQL %u", Irql);
        KiBugCheck(0xC4, 0x35 /* approximate */, Irql, (ULONG_PTR)SpinLock, 0, Site,
                   "KeAcquireSpinLock at IRQL %u (must be <= DISPATCH_LEVEL)", Irql);
    }
    KiAcquireLockWord(SpinLock, "KeAcquireSpinLock", Site);
    *OldIrql = Irql;
    KiSetIrql(DISPATCH_LEVEL);
}

KIRQL KeAcquireSpinLockRaiseToDpc(PKSPIN_LOCK SpinLock)
{
    KIRQL Old;
    KeAcquireSpinLock(SpinLock, &Old);
    return Old;
}

VOID KeReleaseSpinLock(PKSPIN_LOCK SpinLock, KIRQL NewIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Irql = KiCurrentIrql();
    if (Irql != DISPATCH_LEVEL)
        KiBugCheck(0xC4, 0x32 /* approximate */, Irql, (ULONG_PTR)SpinLock, 0, Site,
                   "KeReleaseSpinLock at IRQL %u (a lock acquired with KeAcquireSpinLock is released at DISPATCH_LEVEL)",
                   Irql);
    KiReleaseLockWord(SpinLock, "KeReleaseSpinLock", Site);
    if (NewIrql > Irql)
        KiBugCheck(0xC4, 0x31, Irql, NewIrql, 0, Site, "KeReleaseSpinLock to IRQL %u above the current %u", NewIrql,
                   Irql);
    KiLowerIrqlTo(NewIrql);
}

VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock)
{
    NTSIM_SITE Site = KiTakeSite();
    if (KiCurrentIrql() < DISPATCH_LEVEL) {
        VfReport("SY-04", NTSIM_SEV_ERROR, IopCurrentDriver(), Site, "KeAcquireSpinLockAtDpcLevel at IRQL %u",
                 KiCurrentIrql());
        KiBugCheck(0xC4, 0x36 /* approximate */, KiCurrentIrql(), (ULONG_PTR)SpinLock, 0, Site,
                   "KeAcquireSpinLockAtDpcLevel at IRQL %u (must be DISPATCH_LEVEL)", KiCurrentIrql());
    }
    KiAcquireLockWord(SpinLock, "KeAcquireSpinLockAtDpcLevel", Site);
}

VOID KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK SpinLock)
{
    NTSIM_SITE Site = KiTakeSite();
    if (KiCurrentIrql() < DISPATCH_LEVEL)
        KiBugCheck(0xC4, 0x37 /* approximate */, KiCurrentIrql(), (ULONG_PTR)SpinLock, 0, Site,
                   "KeReleaseSpinLockFromDpcLevel at IRQL %u (must be DISPATCH_LEVEL)", KiCurrentIrql());
    KiReleaseLockWord(SpinLock, "KeReleaseSpinLockFromDpcLevel", Site);
}

VOID KeAcquireInStackQueuedSpinLock(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
    KeAcquireSpinLock(SpinLock, &LockHandle->OldIrql);
}

VOID KeReleaseInStackQueuedSpinLock(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseSpinLock(LockHandle->LockQueue.Lock, LockHandle->OldIrql);
}

VOID KeAcquireInStackQueuedSpinLockAtDpcLevel(PKSPIN_LOCK SpinLock, PKLOCK_QUEUE_HANDLE LockHandle)
{
    LockHandle->LockQueue.Lock = SpinLock;
    LockHandle->LockQueue.Next = NULL;
    KeAcquireSpinLockAtDpcLevel(SpinLock);
}

VOID KeReleaseInStackQueuedSpinLockFromDpcLevel(PKLOCK_QUEUE_HANDLE LockHandle)
{
    KeReleaseSpinLockFromDpcLevel(LockHandle->LockQueue.Lock);
}

static KSPIN_LOCK KiCancelLock;

VOID IoAcquireCancelSpinLock(PKIRQL Irql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiCurrentIrql();
    if (Old > DISPATCH_LEVEL)
        KiBugCheck(0xC4, 0x35 /* approximate */, Old, 0, 0, Site, "IoAcquireCancelSpinLock at IRQL %u", Old);
    KiAcquireLockWord(&KiCancelLock, "IoAcquireCancelSpinLock", Site);
    *Irql = Old;
    KiSetIrql(DISPATCH_LEVEL);
}

VOID IoReleaseCancelSpinLock(KIRQL Irql)
{
    KiReleaseLockWord(&KiCancelLock, "IoReleaseCancelSpinLock", KiTakeSite());
    KiLowerIrqlTo(Irql);
}

void KiResetLocks(void)
{
    KiCancelLock = 0;
    KiResetLockOrder();
}

PLIST_ENTRY ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    KIRQL Old;
    KeAcquireSpinLock(Lock, &Old);
    PLIST_ENTRY First = IsListEmpty(ListHead) ? NULL : ListHead->Flink;
    InsertHeadList(ListHead, ListEntry);
    KeReleaseSpinLock(Lock, Old);
    return First;
}

PLIST_ENTRY ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    KIRQL Old;
    KeAcquireSpinLock(Lock, &Old);
    PLIST_ENTRY Last = IsListEmpty(ListHead) ? NULL : ListHead->Blink;
    InsertTailList(ListHead, ListEntry);
    KeReleaseSpinLock(Lock, Old);
    return Last;
}

PLIST_ENTRY ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    KIRQL Old;
    KeAcquireSpinLock(Lock, &Old);
    PLIST_ENTRY Entry = IsListEmpty(ListHead) ? NULL : RemoveHeadList(ListHead);
    KeReleaseSpinLock(Lock, Old);
    return Entry;
}
