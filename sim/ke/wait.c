/* wait.c - dispatcher objects (events, semaphores, mutexes; timers and threads share
 * the header) and the waits: KeWaitForSingleObject, KeWaitForMultipleObjects,
 * KeDelayExecutionThread.
 *
 * A waiting thread links one wait block per object into the object's wait list and
 * blocks (sched.c). Whoever makes an object signalled calls KiSignalObject, which
 * satisfies waiters in FIFO order as long as the object stays signalled: a
 * synchronization event or a semaphore unit goes to one waiter, a notification
 * event to all. A timeout is a clock event on the thread's own hw_timer. */
#include "ntsimp.h"
#include "ke/kep.h"

void KiInitializeDispatcherHeader(PDISPATCHER_HEADER Header, UCHAR Type, LONG State)
{
    Header->Type = Type;
    Header->Absolute = 0;
    Header->Size = 0;
    Header->Inserted = 0;
    Header->SignalState = State;
    InitializeListHead(&Header->WaitListHead);
    Header->NtsimMagic = KI_DISPATCHER_MAGIC;
}

static DECLSPEC_NORETURN __attribute__((cold, noinline)) void KiBadObject(PVOID Object, const char *Ddi,
                                                                          NTSIM_SITE Site)
{
    if (Object == NULL)
        KiBugCheck(0xC4, 0x1010 /* approximate */, 0, 0, 0, Site, "%s(NULL): no dispatcher object", Ddi);
    VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
             "%s(%p): dispatcher object used before it was initialised", Ddi, Object);
    KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Object, 0, 0, Site,
               "%s(%p): the dispatcher object was never initialised (KeInitializeEvent/Semaphore/Mutex/Timer)",
               Ddi, Object);
}

/* Every set and wait checks its object: the test is inline, the report is not. */
static inline void KiCheckObject(PVOID Object, const char *Ddi, NTSIM_SITE Site)
{
    PDISPATCHER_HEADER Header = Object;
    if (__builtin_expect(Object == NULL || Header->NtsimMagic != KI_DISPATCHER_MAGIC, 0))
        KiBadObject(Object, Ddi, Site);
}

const char *KiDescribeObject(PVOID Object, char *Buffer, size_t Size)
{
    PDISPATCHER_HEADER H = Object;
    switch (H->Type) {
    case EventNotificationObject:
        snprintf(Buffer, Size, "notification event %p", Object);
        break;
    case EventSynchronizationObject:
        snprintf(Buffer, Size, "synchronization event %p", Object);
        break;
    case SemaphoreObject:
        snprintf(Buffer, Size, "semaphore %p (count %ld)", Object, (long)H->SignalState);
        break;
    case MutantObject:
        snprintf(Buffer, Size, "mutex %p", Object);
        break;
    case QueueObject:
        snprintf(Buffer, Size, "queue %p (%ld entries)", Object, (long)H->SignalState);
        break;
    case TimerNotificationObject:
    case TimerSynchronizationObject:
        snprintf(Buffer, Size, "timer %p", Object);
        break;
    case ThreadObject:
        snprintf(Buffer, Size, "the end of thread %u '%s'", ((KI_THREAD *)Object)->Id, ((KI_THREAD *)Object)->Name);
        break;
    default:
        snprintf(Buffer, Size, "object %p", Object);
        break;
    }
    return Buffer;
}

/* ---- signal state ---- */

static inline BOOLEAN KiIsSignaled(PDISPATCHER_HEADER H, KI_THREAD *Thread)
{
    if (H->Type == MutantObject)
        return H->SignalState > 0 || ((PKMUTANT)H)->OwnerThread == (PKTHREAD)Thread;
    return H->SignalState > 0;
}

/* Take what a satisfied wait takes; TRUE when a mutex was abandoned. */
static inline BOOLEAN KiConsume(PDISPATCHER_HEADER H, KI_THREAD *Thread)
{
    switch (H->Type) {
    case EventSynchronizationObject:
    case TimerSynchronizationObject:
        H->SignalState = 0;
        return FALSE;
    case SemaphoreObject:
    case QueueObject: /* one entry is reserved for the waiter (sim/ke/queue.c) */
        H->SignalState--;
        return FALSE;
    case MutantObject: {
        PKMUTANT M = (PKMUTANT)H;
        BOOLEAN Abandoned = M->Abandoned;
        if (H->SignalState == 1) {
            M->OwnerThread = (PKTHREAD)Thread;
            InsertTailList(&Thread->MutantList, &M->MutantListEntry);
            Thread->CriticalRegion++; /* a held mutex disables normal kernel APCs */
            M->Abandoned = FALSE;
        }
        H->SignalState--;
        return Abandoned;
    }
    default:
        return FALSE;
    }
}

static BOOLEAN KiTrySatisfyMany(KI_THREAD *T, NTSTATUS *Status)
{
    if (T->WaitType == WaitAny) {
        for (ULONG i = 0; i < T->WaitCount; i++) {
            PDISPATCHER_HEADER H = T->WaitBlocks[i].Object;
            if (KiIsSignaled(H, T)) {
                BOOLEAN Abandoned = KiConsume(H, T);
                *Status = (Abandoned ? STATUS_ABANDONED_WAIT_0 : STATUS_WAIT_0) + (NTSTATUS)i;
                return TRUE;
            }
        }
        return FALSE;
    }
    if (T->WaitCount == 0)
        return FALSE;
    for (ULONG i = 0; i < T->WaitCount; i++)
        if (!KiIsSignaled(T->WaitBlocks[i].Object, T))
            return FALSE;
    BOOLEAN Abandoned = FALSE;
    for (ULONG i = 0; i < T->WaitCount; i++)
        Abandoned |= KiConsume(T->WaitBlocks[i].Object, T);
    *Status = Abandoned ? STATUS_ABANDONED_WAIT_0 : STATUS_SUCCESS;
    return TRUE;
}

/* Can T's wait be satisfied now? Then take what it takes and set *Status. A wait on
 * one object (nearly all of them) is decided inline: WaitAny and WaitAll give the
 * same status for it (STATUS_WAIT_0 == STATUS_SUCCESS). */
static inline BOOLEAN KiTrySatisfy(KI_THREAD *T, NTSTATUS *Status)
{
    if (T->WaitCount != 1)
        return KiTrySatisfyMany(T, Status);
    PDISPATCHER_HEADER H = T->WaitBlocks[0].Object;
    if (!KiIsSignaled(H, T))
        return FALSE;
    *Status = KiConsume(H, T) ? STATUS_ABANDONED_WAIT_0 : STATUS_WAIT_0;
    return TRUE;
}

static void KiUnwait(KI_THREAD *T, NTSTATUS Status)
{
    for (ULONG i = 0; i < T->WaitCount; i++)
        if (T->WaitBlocks[i].Link.Flink) {
            RemoveEntryList(&T->WaitBlocks[i].Link);
            T->WaitBlocks[i].Link.Flink = NULL;
        }
    KiTimerDisarm(&T->WaitTimer);
    T->WaitStatus = Status;
    T->WaitSatisfied = TRUE;
    KiReadyThread(T);
}

/* End a thread's wait from outside (the host layer giving up on a lost request). */
void KiAbortWait(KI_THREAD *Thread, NTSTATUS Status)
{
    if (Thread->State == KiThreadWaiting)
        KiUnwait(Thread, Status);
}

void KiSignalObject(PDISPATCHER_HEADER Object)
{
    PLIST_ENTRY E = Object->WaitListHead.Flink;
    while (E != &Object->WaitListHead && Object->SignalState > 0) {
        KI_WAIT_BLOCK *B = CONTAINING_RECORD(E, KI_WAIT_BLOCK, Link);
        E = E->Flink;
        NTSTATUS Status;
        if (B->Thread->State == KiThreadWaiting && KiTrySatisfy(B->Thread, &Status)) {
            KiTrace("wake t%u (status 0x%x)", B->Thread->Id, (unsigned)Status);
            KiUnwait(B->Thread, Status);
            E = Object->WaitListHead.Flink;
        }
    }
}

void KiWaitTimeout(void *Opaque)
{
    KI_THREAD *T = Opaque;
    KiTimerFired();
    if (T->State != KiThreadWaiting)
        return;
    KiTrace("timeout t%u", T->Id);
    KiUnwait(T, STATUS_TIMEOUT);
}

/* The wait proper, once the arguments are checked. Inlined into each caller, so
 * that a wait on one object (KeWaitForSingleObject) loses its loops. */
static inline __attribute__((always_inline)) NTSTATUS KiWaitCommon(KI_THREAD *T, ULONG Count, PVOID Objects[],
                                                                    WAIT_TYPE Type, hw_time_t Deadline,
                                                                    BOOLEAN ZeroTimeout, const char *Reason,
                                                                    NTSIM_SITE Site)
{
    T->WaitCount = Count;
    T->WaitType = Type;
    T->WaitSatisfied = FALSE;
    for (ULONG i = 0; i < Count; i++) {
        T->WaitBlocks[i].Thread = T;
        T->WaitBlocks[i].Object = Objects[i];
        T->WaitBlocks[i].Index = i;
        T->WaitBlocks[i].Link.Flink = NULL;
    }
    NTSTATUS Status;
    if (KiTrySatisfy(T, &Status)) {
        T->WaitCount = 0;
        return Status;
    }
    if (ZeroTimeout || (Deadline != HW_TIME_NEVER && Deadline <= KiNow())) {
        T->WaitCount = 0;
        return STATUS_TIMEOUT;
    }
    for (ULONG i = 0; i < Count; i++)
        InsertTailList(&((PDISPATCHER_HEADER)Objects[i])->WaitListHead, &T->WaitBlocks[i].Link);
    if (Deadline != HW_TIME_NEVER)
        KiTimerArm(&T->WaitTimer, Deadline);
    T->State = KiThreadWaiting;
    T->WaitReason = Reason;
    T->WaitSite = Site;
    KiTrace("wait %s on %lu object(s)%s", Reason, (unsigned long)Count, Deadline != HW_TIME_NEVER ? " with timeout" : "");
    KiBlock(T);
    T->WaitCount = 0;
    T->WaitReason = NULL;
    T->WaitLock = NULL;
    return T->WaitStatus;
}

static inline void KiNoteMutexAcquisitions(KI_THREAD *T, ULONG Count, PVOID Objects[], WAIT_TYPE Type,
                                           NTSTATUS Status, NTSIM_SITE Site)
{
    for (ULONG i = 0; i < Count; i++) {
        if (Type == WaitAny && (ULONG)(Status & 0x3F) != i)
            continue;
        PDISPATCHER_HEADER H = Objects[i];
        if (H->Type == MutantObject && ((PKMUTANT)H)->OwnerThread == (PKTHREAD)T && H->SignalState == 0)
            KiLockAcquired(H, "mutex", Site);
    }
}

static inline __attribute__((always_inline)) NTSTATUS KiWaitChecked(ULONG Count, PVOID Objects[], WAIT_TYPE Type,
                                                                     PLARGE_INTEGER Timeout, const char *Ddi,
                                                                     NTSIM_SITE Site, BOOLEAN CheckObjects)
{
    KI_THREAD *T = KiCurrentThread();
    if (T->WaitNext) { /* KeSetEvent(..., Wait=TRUE) left us at DISPATCH_LEVEL for this wait */
        T->WaitNext = FALSE;
        KiSetIrql(T->WaitNextIrql);
    }
    BOOLEAN Zero = Timeout != NULL && Timeout->QuadPart == 0;
    KIRQL Irql = KiCurrentIrql();
    if (Irql > DISPATCH_LEVEL || (Irql == DISPATCH_LEVEL && !Zero)) {
        VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "%s at IRQL %u %s: a wait that can block must run at or below APC_LEVEL", Ddi, Irql,
                 Timeout ? "with a non-zero timeout" : "without a timeout");
        KiBugCheck(0x0A, (ULONG_PTR)(Count ? Objects[0] : NULL), Irql, 0, 0, Site,
                   "%s at IRQL %u %s (IRQL_NOT_LESS_OR_EQUAL: waits that block need IRQL <= APC_LEVEL)", Ddi, Irql,
                   Timeout ? "with a non-zero timeout" : "without a timeout");
    }
    if (Count > MAXIMUM_WAIT_OBJECTS)
        KiBugCheck(0x0C, Count, 0, 0, 0, Site, "%s with %lu objects (MAXIMUM_WAIT_OBJECTS_EXCEEDED)", Ddi,
                   (unsigned long)Count);
    if (CheckObjects)
        for (ULONG i = 0; i < Count; i++)
            KiCheckObject(Objects[i], Ddi, Site);
    hw_time_t Deadline = Timeout && !Zero ? KiDueTimeToDeadline(Timeout->QuadPart, Ddi, Site) : HW_TIME_NEVER;
    NTSTATUS Status = KiWaitCommon(T, Count, Objects, Type, Deadline, Zero, Ddi, Site);
    if (Status != STATUS_TIMEOUT)
        KiNoteMutexAcquisitions(T, Count, Objects, Type, Status, Site);
    return Status;
}

NTSTATUS KiWaitObjects(ULONG Count, PVOID Objects[], WAIT_TYPE Type, PLARGE_INTEGER Timeout, const char *Ddi,
                       NTSIM_SITE Site, BOOLEAN CheckObjects)
{
    return KiWaitChecked(Count, Objects, Type, Timeout, Ddi, Site, CheckObjects);
}

NTSTATUS KiWaitInternal(ULONG Count, PVOID Objects[], WAIT_TYPE Type, hw_time_t Deadline, const char *Reason)
{
    NTSIM_SITE None = { NULL, 0 };
    return KiWaitCommon(KiCurrentThread(), Count, Objects, Type, Deadline, FALSE, Reason, None);
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    PVOID Objects[1] = { Object };
    return KiWaitChecked(1, Objects, WaitAny, Timeout, "KeWaitForSingleObject", Site, TRUE);
}

NTSTATUS KeWaitForMultipleObjects(ULONG Count, PVOID Object[], WAIT_TYPE WaitType, KWAIT_REASON WaitReason,
                                  KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Timeout,
                                  PKWAIT_BLOCK WaitBlockArray)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    if (Count > THREAD_WAIT_OBJECTS && WaitBlockArray == NULL)
        KiBugCheck(0x0C, Count, 0, 0, 0, Site,
                   "KeWaitForMultipleObjects with %lu objects and no WaitBlockArray (more than THREAD_WAIT_OBJECTS "
                   "needs one)", (unsigned long)Count);
    if (WaitType != WaitAll && WaitType != WaitAny)
        KiBugCheck(0xC4, 0x1011 /* approximate */, WaitType, 0, 0, Site, "KeWaitForMultipleObjects: bad WaitType %d",
                   (int)WaitType);
    return KiWaitObjects(Count, Object, WaitType, Timeout, "KeWaitForMultipleObjects", Site, TRUE);
}

NTSTATUS KeDelayExecutionThread(KPROCESSOR_MODE WaitMode, BOOLEAN Alertable, PLARGE_INTEGER Interval)
{
    (void)WaitMode;
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeDelayExecutionThread", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (Interval == NULL)
        KiBugCheck(0xC4, 0x3D /* approximate */, 0, 0, 0, Site, "KeDelayExecutionThread(Interval=NULL)");
    KI_THREAD *T = KiCurrentThread();
    if (Interval->QuadPart == 0) {
        /* a yield: let a ready thread run */
        extern void KiYieldNow(void);
        KiYieldNow();
        return STATUS_SUCCESS;
    }
    KiWaitCommon(T, 0, NULL, WaitAny, KiDueTimeToDeadline(Interval->QuadPart, "KeDelayExecutionThread", Site), FALSE,
                 "KeDelayExecutionThread", Site);
    return STATUS_SUCCESS;
}

/* ---- events ---- */

static void KiAfterSet(BOOLEAN Wait)
{
    if (Wait) { /* the caller's next call must be a KeWaitXxx: it returns there */
        KI_THREAD *T = KiCurrentThread();
        T->WaitNext = TRUE;
        T->WaitNextIrql = KiCurrentIrql();
        if (KiCurrentIrql() < DISPATCH_LEVEL)
            KiSetIrql(DISPATCH_LEVEL);
    }
}

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    VfCheckNonPagedObject(Event, sizeof(*Event), "KEVENT", "KeInitializeEvent", KiTakeSite());
    KiInitializeDispatcherHeader(&Event->Header,
                                 Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject,
                                 State ? 1 : 0);
    Event->Header.Size = sizeof(KEVENT) / sizeof(LONG);
}

LONG KiSetEvent(PRKEVENT Event)
{
    LONG Previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    if (!IsListEmpty(&Event->Header.WaitListHead))
        KiSignalObject(&Event->Header);
    return Previous;
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeSetEvent", DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    KiCheckObject(Event, "KeSetEvent", Site);
    LONG Previous = KiSetEvent(Event);
    KiAfterSet(Wait);
    return Previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeResetEvent", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckObject(Event, "KeResetEvent", Site);
    LONG Previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    return Previous;
}

VOID KeClearEvent(PRKEVENT Event)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckObject(Event, "KeClearEvent", Site);
    Event->Header.SignalState = 0;
}

LONG KeReadStateEvent(PRKEVENT Event)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckObject(Event, "KeReadStateEvent", Site);
    return Event->Header.SignalState;
}

LONG KePulseEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KePulseEvent", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckObject(Event, "KePulseEvent", Site);
    LONG Previous = Event->Header.SignalState;
    if (Previous == 0) {
        Event->Header.SignalState = 1;
        KiSignalObject(&Event->Header);
    }
    Event->Header.SignalState = 0;
    KiAfterSet(Wait);
    return Previous;
}

/* ---- semaphores ---- */

VOID KeInitializeSemaphore(PRKSEMAPHORE Semaphore, LONG Count, LONG Limit)
{
    NTSIM_SITE Site = KiTakeSite();
    VfCheckNonPagedObject(Semaphore, sizeof(*Semaphore), "KSEMAPHORE", "KeInitializeSemaphore", Site);
    if (Limit <= 0 || Count < 0 || Count > Limit)
        KiBugCheck(0xC4, 0x1012 /* approximate */, (ULONG_PTR)Semaphore, (ULONG_PTR)(LONG_PTR)Count,
                   (ULONG_PTR)(LONG_PTR)Limit, Site, "KeInitializeSemaphore(%p, Count=%ld, Limit=%ld): need 0 <= Count <= Limit, Limit > 0",
                   (void *)Semaphore, (long)Count, (long)Limit);
    KiInitializeDispatcherHeader(&Semaphore->Header, SemaphoreObject, Count);
    Semaphore->Limit = Limit;
}

LONG KeReleaseSemaphore(PRKSEMAPHORE Semaphore, KPRIORITY Increment, LONG Adjustment, BOOLEAN Wait)
{
    (void)Increment;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeReleaseSemaphore", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckObject(Semaphore, "KeReleaseSemaphore", Site);
    LONG Previous = Semaphore->Header.SignalState;
    if (Adjustment <= 0 || Previous > Semaphore->Limit - Adjustment)
        KiRaiseStatusAt(STATUS_SEMAPHORE_LIMIT_EXCEEDED, Site);
    Semaphore->Header.SignalState = Previous + Adjustment;
    KiSignalObject(&Semaphore->Header);
    KiAfterSet(Wait);
    return Previous;
}

LONG KeReadStateSemaphore(PRKSEMAPHORE Semaphore)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckObject(Semaphore, "KeReadStateSemaphore", Site);
    return Semaphore->Header.SignalState;
}

/* ---- mutexes ---- */

VOID KeInitializeMutex(PRKMUTEX Mutex, ULONG Level)
{
    (void)Level;
    VfCheckNonPagedObject(Mutex, sizeof(*Mutex), "KMUTEX", "KeInitializeMutex", KiTakeSite());
    KiInitializeDispatcherHeader(&Mutex->Header, MutantObject, 1);
    Mutex->OwnerThread = NULL;
    Mutex->Abandoned = FALSE;
    Mutex->ApcDisable = 1;
    InitializeListHead(&Mutex->MutantListEntry);
}

LONG KeReleaseMutex(PRKMUTEX Mutex, BOOLEAN Wait)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeReleaseMutex", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckObject(Mutex, "KeReleaseMutex", Site);
    KI_THREAD *T = KiCurrentThread();
    LONG Previous = Mutex->Header.SignalState;
    if (Mutex->OwnerThread != (PKTHREAD)T) {
        VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "KeReleaseMutex(%p) by thread %u, which does not own it", (void *)Mutex, T->Id);
        KiRaiseStatusAt(STATUS_MUTANT_NOT_OWNED, Site);
    }
    if (++Mutex->Header.SignalState == 1) {
        Mutex->OwnerThread = NULL;
        RemoveEntryList(&Mutex->MutantListEntry);
        InitializeListHead(&Mutex->MutantListEntry);
        T->CriticalRegion--;
        KiLockReleased(Mutex);
        KiSignalObject(&Mutex->Header);
    }
    KiAfterSet(Wait);
    return Previous;
}

LONG KeReadStateMutex(PRKMUTEX Mutex)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckObject(Mutex, "KeReadStateMutex", Site);
    return Mutex->Header.SignalState;
}

/* A thread ended owning mutexes: they are abandoned (the next owner sees
 * STATUS_ABANDONED), and the driver is told. */
void KiAbandonMutexes(KI_THREAD *Thread)
{
    while (!IsListEmpty(&Thread->MutantList)) {
        PKMUTANT M = CONTAINING_RECORD(RemoveHeadList(&Thread->MutantList), KMUTANT, MutantListEntry);
        InitializeListHead(&M->MutantListEntry);
        VfReport("SY-04", NTSIM_SEV_ERROR, Thread->Owner, Thread->CreateSite,
                 "thread %u '%s' ended holding mutex %p: it is abandoned", Thread->Id, Thread->Name, (void *)M);
        M->OwnerThread = NULL;
        M->Abandoned = TRUE;
        M->Header.SignalState = 1;
        KiSignalObject(&M->Header);
    }
}
