/* fastmutex.c - FAST_MUTEX (and the guarded-mutex alias) and ERESOURCE basics.
 *
 * A fast mutex raises to APC_LEVEL and is owned by one thread; a waiter blocks on
 * the mutex's synchronization event. ERESOURCE: shared or exclusive ownership,
 * recursive for the exclusive owner; waiters block on one internal notification
 * pulsed at every release and retry. Both are recorded as held locks (lock order,
 * hang reports name the owner). */
#include "ntsimp.h"
#include "ke/kep.h"

LONG KiSetEvent(PRKEVENT Event);

static void ExpCheckFastMutex(PFAST_MUTEX M, const char *Ddi, NTSIM_SITE Site)
{
    if (M == NULL || M->Event.Header.NtsimMagic != KI_DISPATCHER_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): fast mutex used before ExInitializeFastMutex",
                 Ddi, (void *)M);
        KiBugCheck(0xC4, 0x1002, (ULONG_PTR)M, 0, 0, Site, "%s(%p): the fast mutex was never initialised", Ddi,
                   (void *)M);
    }
}

VOID ExInitializeFastMutex(PFAST_MUTEX FastMutex)
{
    VfCheckNonPagedObject(FastMutex, sizeof(*FastMutex), "FAST_MUTEX", "ExInitializeFastMutex", KiTakeSite());
    FastMutex->Count = 1;
    FastMutex->Owner = NULL;
    FastMutex->Contention = 0;
    FastMutex->OldIrql = 0;
    KiInitializeDispatcherHeader(&FastMutex->Event.Header, EventSynchronizationObject, 0);
}

static void ExpTakeFastMutex(PFAST_MUTEX M, NTSIM_SITE Site, const char *Ddi)
{
    KI_THREAD *T = KiCurrentThread();
    if (M->Owner == T)
        KiBugCheck(0xC4, 0x1000, (ULONG_PTR)M, 0, 0, Site,
                   "%s(%p): this thread already owns the fast mutex (fast mutexes are not recursive)", Ddi, (void *)M);
    while (M->Count != 1) {
        M->Contention++;
        PVOID Objects[1] = { &M->Event };
        T->WaitLock = M;
        T->WaitLockKind = 1;
        T->WaitSite = Site;
        NTSTATUS Status = KiWaitInternal(1, Objects, WaitAny, HW_TIME_NEVER, Ddi);
        (void)Status;
    }
    M->Count = 0;
    M->Owner = T;
    KiLockAcquired(M, "fast mutex", Site);
}

VOID ExAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExAcquireFastMutex", APC_LEVEL, 0xC4, 0x33 /* approximate */, Site);
    ExpCheckFastMutex(FastMutex, "ExAcquireFastMutex", Site);
    KIRQL Old = KiCurrentIrql();
    KiSetIrql(APC_LEVEL);
    ExpTakeFastMutex(FastMutex, Site, "ExAcquireFastMutex");
    FastMutex->OldIrql = Old;
}

BOOLEAN ExTryToAcquireFastMutex(PFAST_MUTEX FastMutex)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExTryToAcquireFastMutex", APC_LEVEL, 0xC4, 0x33, Site);
    ExpCheckFastMutex(FastMutex, "ExTryToAcquireFastMutex", Site);
    if (FastMutex->Count != 1)
        return FALSE;
    KIRQL Old = KiCurrentIrql();
    KiSetIrql(APC_LEVEL);
    ExpTakeFastMutex(FastMutex, Site, "ExTryToAcquireFastMutex");
    FastMutex->OldIrql = Old;
    return TRUE;
}

static void ExpGiveFastMutex(PFAST_MUTEX M, NTSIM_SITE Site, const char *Ddi)
{
    KI_THREAD *T = KiCurrentThread();
    if (M->Owner != T)
        KiBugCheck(0xC4, 0x1004 /* approximate */, (ULONG_PTR)M, (ULONG_PTR)M->Owner, 0, Site,
                   "%s(%p) by thread %u, which does not own it%s", Ddi, (void *)M, T->Id,
                   M->Owner ? "" : " (it is not held: double release?)");
    M->Count = 1;
    M->Owner = NULL;
    KiLockReleased(M);
    if (!IsListEmpty(&M->Event.Header.WaitListHead))
        KiSetEvent(&M->Event);
}

VOID ExReleaseFastMutex(PFAST_MUTEX FastMutex)
{
    NTSIM_SITE Site = KiTakeSite();
    ExpCheckFastMutex(FastMutex, "ExReleaseFastMutex", Site);
    if (KiCurrentIrql() != APC_LEVEL)
        KiBugCheck(0xC4, 0x34 /* approximate */, KiCurrentIrql(), (ULONG_PTR)FastMutex, 0, Site,
                   "ExReleaseFastMutex at IRQL %u (a fast mutex is held at APC_LEVEL)", KiCurrentIrql());
    KIRQL Old = (KIRQL)FastMutex->OldIrql;
    ExpGiveFastMutex(FastMutex, Site, "ExReleaseFastMutex");
    KiLowerIrqlTo(Old);
}

VOID ExAcquireFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExAcquireFastMutexUnsafe", APC_LEVEL, 0xC4, 0x33, Site);
    ExpCheckFastMutex(FastMutex, "ExAcquireFastMutexUnsafe", Site);
    ExpTakeFastMutex(FastMutex, Site, "ExAcquireFastMutexUnsafe");
}

VOID ExReleaseFastMutexUnsafe(PFAST_MUTEX FastMutex)
{
    NTSIM_SITE Site = KiTakeSite();
    ExpCheckFastMutex(FastMutex, "ExReleaseFastMutexUnsafe", Site);
    ExpGiveFastMutex(FastMutex, Site, "ExReleaseFastMutexUnsafe");
}

/* ---- ERESOURCE ---- */

#define EXP_RESOURCE_MAGIC 0x73655245u /* "EReS" */
#define EXP_RESOURCE_EXCLUSIVE 0x80

static KEVENT ExpResourceReleased; /* pulsed at every release; waiters retry */

static void ExpCheckResource(PERESOURCE R, const char *Ddi, NTSIM_SITE Site)
{
    if (R == NULL || R->NtsimMagic != EXP_RESOURCE_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): ERESOURCE used before ExInitializeResourceLite",
                 Ddi, (void *)R);
        KiBugCheck(0xC4, 0x1002, (ULONG_PTR)R, 0, 0, Site, "%s(%p): the resource was never initialised", Ddi,
                   (void *)R);
    }
}

NTSTATUS ExInitializeResourceLite(PERESOURCE Resource)
{
    VfCheckNonPagedObject(Resource, sizeof(*Resource), "ERESOURCE", "ExInitializeResourceLite", KiTakeSite());
    memset(Resource, 0, sizeof(*Resource));
    InitializeListHead(&Resource->SystemResourcesList);
    Resource->NtsimMagic = EXP_RESOURCE_MAGIC;
    if (ExpResourceReleased.Header.NtsimMagic != KI_DISPATCHER_MAGIC)
        KiInitializeDispatcherHeader(&ExpResourceReleased.Header, EventNotificationObject, 0);
    return STATUS_SUCCESS;
}

NTSTATUS ExDeleteResourceLite(PERESOURCE Resource)
{
    NTSIM_SITE Site = KiTakeSite();
    ExpCheckResource(Resource, "ExDeleteResourceLite", Site);
    if (Resource->ActiveCount)
        KiBugCheck(0xC4, 0x1006 /* approximate */, (ULONG_PTR)Resource, Resource->ActiveCount, 0, Site,
                   "ExDeleteResourceLite(%p) while it is still held", (void *)Resource);
    Resource->NtsimMagic = 0;
    return STATUS_SUCCESS;
}

static void ExpWaitForRelease(PERESOURCE R, const char *Ddi, NTSIM_SITE Site)
{
    KI_THREAD *T = KiCurrentThread();
    PVOID Objects[1] = { &ExpResourceReleased };
    T->WaitLock = R;
    T->WaitLockKind = 2;
    T->WaitSite = Site;
    R->ContentionCount++;
    KiWaitInternal(1, Objects, WaitAny, HW_TIME_NEVER, Ddi);
}

BOOLEAN ExAcquireResourceExclusiveLite(PERESOURCE Resource, BOOLEAN Wait)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExAcquireResourceExclusiveLite", APC_LEVEL, 0xC4, 0x33, Site);
    ExpCheckResource(Resource, "ExAcquireResourceExclusiveLite", Site);
    KI_THREAD *T = KiCurrentThread();
    for (;;) {
        if (Resource->ActiveCount == 0) {
            Resource->Flag |= EXP_RESOURCE_EXCLUSIVE;
            Resource->OwnerEntry.OwnerThread = (ERESOURCE_THREAD)T;
            Resource->OwnerEntry.OwnerCount = 1;
            Resource->ActiveCount = 1;
            KiLockAcquired(Resource, "ERESOURCE", Site);
            return TRUE;
        }
        if ((Resource->Flag & EXP_RESOURCE_EXCLUSIVE) && Resource->OwnerEntry.OwnerThread == (ERESOURCE_THREAD)T) {
            Resource->OwnerEntry.OwnerCount++;
            return TRUE;
        }
        if (!Wait)
            return FALSE;
        Resource->NumberOfExclusiveWaiters++;
        ExpWaitForRelease(Resource, "ExAcquireResourceExclusiveLite", Site);
        Resource->NumberOfExclusiveWaiters--;
    }
}

BOOLEAN ExAcquireResourceSharedLite(PERESOURCE Resource, BOOLEAN Wait)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExAcquireResourceSharedLite", APC_LEVEL, 0xC4, 0x33, Site);
    ExpCheckResource(Resource, "ExAcquireResourceSharedLite", Site);
    KI_THREAD *T = KiCurrentThread();
    for (;;) {
        if (Resource->Flag & EXP_RESOURCE_EXCLUSIVE) {
            if (Resource->OwnerEntry.OwnerThread == (ERESOURCE_THREAD)T) {
                Resource->OwnerEntry.OwnerCount++;
                return TRUE;
            }
        } else if (Resource->NumberOfExclusiveWaiters == 0 || Resource->ActiveCount > 0) {
            Resource->ActiveCount++;
            Resource->ActiveEntries++;
            return TRUE;
        }
        if (!Wait)
            return FALSE;
        Resource->NumberOfSharedWaiters++;
        ExpWaitForRelease(Resource, "ExAcquireResourceSharedLite", Site);
        Resource->NumberOfSharedWaiters--;
    }
}

VOID ExReleaseResourceLite(PERESOURCE Resource)
{
    NTSIM_SITE Site = KiTakeSite();
    ExpCheckResource(Resource, "ExReleaseResourceLite", Site);
    KI_THREAD *T = KiCurrentThread();
    if (Resource->ActiveCount == 0)
        KiBugCheck(0xE3, (ULONG_PTR)Resource, (ULONG_PTR)T, 0, 0, Site,
                   "ExReleaseResourceLite(%p): the resource is not held (RESOURCE_NOT_OWNED)", (void *)Resource);
    if (Resource->Flag & EXP_RESOURCE_EXCLUSIVE) {
        if (Resource->OwnerEntry.OwnerThread != (ERESOURCE_THREAD)T)
            KiBugCheck(0xE3, (ULONG_PTR)Resource, (ULONG_PTR)T, Resource->OwnerEntry.OwnerThread, 0, Site,
                       "ExReleaseResourceLite(%p) by thread %u, not the exclusive owner (RESOURCE_NOT_OWNED)",
                       (void *)Resource, T->Id);
        if (--Resource->OwnerEntry.OwnerCount > 0)
            return;
        Resource->Flag &= (USHORT)~EXP_RESOURCE_EXCLUSIVE;
        Resource->OwnerEntry.OwnerThread = 0;
        Resource->ActiveCount = 0;
        KiLockReleased(Resource);
    } else {
        Resource->ActiveCount--;
        Resource->ActiveEntries--;
    }
    if (!IsListEmpty(&ExpResourceReleased.Header.WaitListHead)) {
        ExpResourceReleased.Header.SignalState = 1;
        KiSignalObject(&ExpResourceReleased.Header);
        ExpResourceReleased.Header.SignalState = 0;
    }
}

VOID ExReleaseResourceForThreadLite(PERESOURCE Resource, ERESOURCE_THREAD ResourceThreadId)
{
    (void)ResourceThreadId;
    ExReleaseResourceLite(Resource);
}

BOOLEAN ExIsResourceAcquiredExclusiveLite(PERESOURCE Resource)
{
    KiTakeSite();
    return (Resource->Flag & EXP_RESOURCE_EXCLUSIVE) &&
           Resource->OwnerEntry.OwnerThread == (ERESOURCE_THREAD)KiCurrentThread();
}

ULONG ExIsResourceAcquiredSharedLite(PERESOURCE Resource)
{
    KiTakeSite();
    if (ExIsResourceAcquiredExclusiveLite(Resource))
        return Resource->OwnerEntry.OwnerCount;
    return (Resource->Flag & EXP_RESOURCE_EXCLUSIVE) ? 0 : (ULONG)(Resource->ActiveCount > 0);
}

ERESOURCE_THREAD ExGetCurrentResourceThread(VOID)
{
    return (ERESOURCE_THREAD)KiCurrentThread();
}

void ExpResetResources(void)
{
    memset(&ExpResourceReleased, 0, sizeof(ExpResourceReleased));
}
