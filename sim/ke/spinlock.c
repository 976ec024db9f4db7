/* spinlock.c - spin locks on the simulated processor(s).
 *
 * A KSPIN_LOCK holds 0 when free and the owning marker when held. Acquiring raises
 * to DISPATCH_LEVEL. Threads take turns on the machine and never switch while at
 * DISPATCH_LEVEL, so acquiring a lock that is held can never succeed: that is
 * reported as the deadlock it is. KeInitializeSpinLock records the lock's address in
 * a set, so a lock used without it is recognised wherever it lives (device extension,
 * global, zeroed or 0xCD-filled pool: rule SY-01); addresses are forgotten when the
 * pool block or device object holding them is freed. Each held lock is also recorded for the thread (lockorder.c): lock
 * order inversions and locks still held when a driver routine returns are reported. */
#include "ntsimp.h"
#include "ke/kep.h"

#define KI_LOCK_HELD ((KSPIN_LOCK)0x4B4C4F434B454421ull) /* marker of an owned lock */

/* ---- the set of initialised lock addresses (SY-01) ----
 * Open addressing with linear probing; 0 marks an empty slot and 1 a removed one
 * (lock addresses are 8-byte aligned, so neither is a lock). The bounds of every
 * address ever added let a free of unrelated memory skip the set in one compare. */
#define KI_SLOT_EMPTY ((ULONG_PTR)0)
#define KI_SLOT_REMOVED ((ULONG_PTR)1)

static ULONG_PTR *KiLockSet;
static size_t KiLockSetSize, KiLockSetUsed, KiLockSetCount; /* slots; used incl. removed; live */
static ULONG_PTR KiLockSetLow = ~(ULONG_PTR)0, KiLockSetHigh;

static inline size_t KiLockSlot(ULONG_PTR Address)
{
    return (size_t)(((Address >> 3) * 0x9E3779B97F4A7C15ull) >> 17) & (KiLockSetSize - 1);
}

static BOOLEAN KiIsInitialisedLock(PKSPIN_LOCK Lock)
{
    ULONG_PTR Address = (ULONG_PTR)Lock;
    if (KiLockSetSize == 0)
        return FALSE;
    for (size_t i = KiLockSlot(Address);; i = (i + 1) & (KiLockSetSize - 1)) {
        if (KiLockSet[i] == Address)
            return TRUE;
        if (KiLockSet[i] == KI_SLOT_EMPTY)
            return FALSE;
    }
}

static void KiInsertLockAddress(ULONG_PTR Address)
{
    size_t i = KiLockSlot(Address);
    while (KiLockSet[i] != KI_SLOT_EMPTY && KiLockSet[i] != KI_SLOT_REMOVED)
        i = (i + 1) & (KiLockSetSize - 1);
    if (KiLockSet[i] == KI_SLOT_EMPTY)
        KiLockSetUsed++;
    KiLockSet[i] = Address;
    KiLockSetCount++;
}

static void KiGrowLockSet(void)
{
    ULONG_PTR *Old = KiLockSet;
    size_t OldSize = KiLockSetSize;
    KiLockSetSize = OldSize ? (KiLockSetCount * 4 > OldSize ? OldSize * 2 : OldSize) : 64;
    KiLockSet = KiHostAlloc(KiLockSetSize * sizeof(*KiLockSet));
    memset(KiLockSet, 0, KiLockSetSize * sizeof(*KiLockSet));
    KiLockSetUsed = KiLockSetCount = 0;
    for (size_t i = 0; i < OldSize; i++)
        if (Old[i] != KI_SLOT_EMPTY && Old[i] != KI_SLOT_REMOVED)
            KiInsertLockAddress(Old[i]);
    free(Old);
}

void KiRememberLock(PKSPIN_LOCK Lock)
{
    if (KiIsInitialisedLock(Lock))
        return;
    if ((KiLockSetUsed + 1) * 4 > KiLockSetSize * 3)
        KiGrowLockSet(); /* rehash: drops removed slots, doubles when live entries need it */
    KiInsertLockAddress((ULONG_PTR)Lock);
    if ((ULONG_PTR)Lock < KiLockSetLow)
        KiLockSetLow = (ULONG_PTR)Lock;
    if ((ULONG_PTR)Lock > KiLockSetHigh)
        KiLockSetHigh = (ULONG_PTR)Lock;
}

/* Memory [Base, Base + Size) is being freed: the locks in it are gone. */
void KiForgetLocksIn(const void *Base, size_t Size)
{
    ULONG_PTR Low = (ULONG_PTR)Base, High = Low + Size;
    if (KiLockSetCount == 0 || High <= KiLockSetLow || Low > KiLockSetHigh)
        return;
    for (size_t i = 0; i < KiLockSetSize; i++)
        if (KiLockSet[i] >= Low && KiLockSet[i] < High) {
            KiLockSet[i] = KI_SLOT_REMOVED;
            KiLockSetCount--;
        }
}

static void KiResetLockSet(void)
{
    free(KiLockSet);
    KiLockSet = NULL;
    KiLockSetSize = KiLockSetUsed = KiLockSetCount = 0;
    KiLockSetLow = ~(ULONG_PTR)0;
    KiLockSetHigh = 0;
}

static void KiReportUninitialisedLock(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    VfReport("SY-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
             "%s(%p): spin lock used without KeInitializeSpinLock", Ddi, (void *)Lock);
    KiBugCheck(0xC4, 0x1002, (ULONG_PTR)Lock, *Lock, 0, Site, "%s(%p): the spin lock was never initialised", Ddi,
               (void *)Lock);
}

static void KiCheckLockWord(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    if (Lock == NULL)
        KiBugCheck(0xC4, 0x1002, 0, 0, 0, Site, "%s(NULL)", Ddi);
    if (VfEnabled && !KiIsInitialisedLock(Lock))
        KiReportUninitialisedLock(Lock, Ddi, Site);
    if (*Lock != 0 && *Lock != KI_LOCK_HELD) {
        VfReport("SY-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
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
    KiRememberLock(SpinLock);
}

VOID KeAcquireSpinLock(PKSPIN_LOCK SpinLock, PKIRQL OldIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Irql = KiCurrentIrql();
    if (Irql > DISPATCH_LEVEL) {
        VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "KeAcquireSpinLock at IRQL %u", Irql);
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
        VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "KeAcquireSpinLockAtDpcLevel at IRQL %u",
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
    KiResetLockSet();
    KiRememberLock(&KiCancelLock);
}

/* ---- the ExInterlocked*List routines ----
 * Documented as callable at any IRQL (their lock is used by these routines only):
 * Windows takes the lock with interrupts disabled and leaves the IRQL alone. Here the
 * lock word is taken with the same checks as any spin lock (SY-01, held twice, lock
 * order), below DISPATCH_LEVEL the IRQL is raised to it for the few instructions
 * (nothing can switch in between), and above it the IRQL stays where it is. Going
 * through KeAcquireSpinLock made them an SY-04 finding at device IRQL. */
KIRQL KiAcquireInterlockedListLock(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site)
{
    KIRQL Old = KiCurrentIrql();
    KiAcquireLockWord(Lock, Ddi, Site);
    if (Old < DISPATCH_LEVEL)
        KiSetIrql(DISPATCH_LEVEL);
    return Old;
}

void KiReleaseInterlockedListLock(PKSPIN_LOCK Lock, KIRQL Old, const char *Ddi, NTSIM_SITE Site)
{
    KiReleaseLockWord(Lock, Ddi, Site);
    if (Old < DISPATCH_LEVEL)
        KiLowerIrqlTo(Old);
}

PLIST_ENTRY ExInterlockedInsertHeadList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiAcquireInterlockedListLock(Lock, "ExInterlockedInsertHeadList", Site);
    PLIST_ENTRY First = IsListEmpty(ListHead) ? NULL : ListHead->Flink;
    InsertHeadList(ListHead, ListEntry);
    KiReleaseInterlockedListLock(Lock, Old, "ExInterlockedInsertHeadList", Site);
    return First;
}

PLIST_ENTRY ExInterlockedInsertTailList(PLIST_ENTRY ListHead, PLIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiAcquireInterlockedListLock(Lock, "ExInterlockedInsertTailList", Site);
    PLIST_ENTRY Last = IsListEmpty(ListHead) ? NULL : ListHead->Blink;
    InsertTailList(ListHead, ListEntry);
    KiReleaseInterlockedListLock(Lock, Old, "ExInterlockedInsertTailList", Site);
    return Last;
}

PLIST_ENTRY ExInterlockedRemoveHeadList(PLIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiAcquireInterlockedListLock(Lock, "ExInterlockedRemoveHeadList", Site);
    PLIST_ENTRY Entry = IsListEmpty(ListHead) ? NULL : RemoveHeadList(ListHead);
    KiReleaseInterlockedListLock(Lock, Old, "ExInterlockedRemoveHeadList", Site);
    return Entry;
}
