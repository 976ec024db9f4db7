/* sched.c - the simulated CPU and the threads that take turns on it.
 *
 * Exactly one kernel-side thread holds the simulated CPU. The holder runs until it
 * blocks (a wait, a delay, thread exit) or, in exploration mode, until the seeded
 * scheduler decides to switch at a DDI boundary. Two backends carry the threads
 * (docs/scheduler.md, "The two thread backends"):
 *  - fibers (the default): every simulated thread is a user-level context with its
 *    own guarded stack, switched on the host thread that made the host call
 *    (sim/ke/fiber.c). Giving the CPU away is a context switch: tens of nanoseconds,
 *    whatever the load of the host. The simulator's per-thread variables (NTSIM_TLS)
 *    belong to the host thread, so a switch saves the leaving thread's and the
 *    arriving one reloads its own (KiSaveLocals/KiLoadLocals).
 *  - pthreads (NTSIM_THREADS=pthread): every simulated thread is a pthread. The giver
 *    marks the next thread's Go flag (release) and signals its condition variable if
 *    it sleeps; the taker spins briefly, then sleeps until Go is set (acquire).
 * All simulator state is touched only by the CPU holder, so the switch is the only
 * synchronisation needed, and nothing is locked on the fast path: with a single
 * thread (the usual IRP round trip) this file costs nothing.
 *
 * When the blocking thread finds no ready thread it does the idle work itself: it
 * runs queued DPCs, then jumps the virtual clock to the next event (timers, device
 * events), until some thread is ready. No ready thread and no event is a hang: the
 * report lists every thread, what it waits on and who holds it, and the machine
 * stops like a bug check; the pending host call returns NTSIM_E_CRASHED.
 *
 * A bug check on a system thread unwinds that thread to its base frame; the thread
 * then stops the machine and hands the CPU to the host thread, which unwinds to the
 * host call in progress. ntsim_machine_destroy cancels the remaining threads one at a
 * time (each unwinds to its base frame without running driver code) and reaps them. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

#include <dlfcn.h>
#include <sched.h>
#include <signal.h>
#ifdef KI_ASAN
#include <sanitizer/asan_interface.h>
#endif

NTSIM_TLS KI_THREAD *KiSelf;
KI_THREAD *KiHostThread;
ULONG KiThreadCount;
BOOLEAN KiExploring;
BOOLEAN KiTracing;

static LIST_ENTRY KiReadyQueue = { &KiReadyQueue, &KiReadyQueue };
static LIST_ENTRY KiAllThreads = { &KiAllThreads, &KiAllThreads };
static pthread_mutex_t KiHandoffLock = PTHREAD_MUTEX_INITIALIZER;
static KI_THREAD *KiRunning;
static BOOLEAN KiFibers; /* this machine's threads are fibers (else pthreads) */
static BOOLEAN KiStopped;
static ULONG KiNextThreadId;
static uint64_t KiSeedValue, KiRngState;
static char *KiTraceBuffer;
static size_t KiTraceLength, KiTraceCapacity;

#define KI_SPIN_ITERATIONS 1024
#define KI_ALT_STACK_SIZE (64u * 1024u)
#define KI_TRACE_LIMIT (8u << 20)

static void KiDeleteThreadObject(PVOID Object);
OBJECT_TYPE PsThreadTypeObject = { .Name = "Thread", .DeleteProcedure = KiDeleteThreadObject };
static POBJECT_TYPE PsThreadTypeValue = &PsThreadTypeObject;
POBJECT_TYPE *PsThreadType = &PsThreadTypeValue;

void KiBugCheckNoUnwind(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, NTSIM_SITE Site,
                        const char *Text);
DECLSPEC_NORETURN void KiUnwindCurrent(int Value);

/* ---- seeded choices (exploration mode) ---- */

static uint64_t KiRandom(void)
{
    /* xorshift64*: small, fast, and the same sequence on every host */
    uint64_t X = KiRngState;
    X ^= X >> 12;
    X ^= X << 25;
    X ^= X >> 27;
    KiRngState = X;
    return X * 0x2545F4914F6CDD1Dull;
}

uint64_t KiSeed(void)
{
    return KiSeedValue;
}

BOOLEAN KiMachineStopped(void)
{
    return KiStopped;
}

/* ---- trace ---- */

void KiTraceEvent(const char *Format, ...)
{
    if (!TrEnabled && (!KiTracing || KiTraceLength >= KI_TRACE_LIMIT))
        return;
    char Line[512];
    KI_THREAD *T = KiCurrentThread();
    int Prefix = snprintf(Line, sizeof(Line), "%12llu t%u ", (unsigned long long)KiNow(), T ? T->Id : 0);
    va_list Args;
    va_start(Args, Format);
    vsnprintf(Line + Prefix, sizeof(Line) - (size_t)Prefix - 1, Format, Args);
    va_end(Args);
    if (TrEnabled)
        TrTextEvent(TrText, NULL, Line + Prefix);
    if (!KiTracing || KiTraceLength >= KI_TRACE_LIMIT)
        return;
    size_t Length = strlen(Line);
    Line[Length++] = '\n';
    if (KiTraceLength + Length + 1 > KiTraceCapacity) {
        KiTraceCapacity = (KiTraceCapacity + Length + 1) * 2;
        KiTraceBuffer = KiHostRealloc(KiTraceBuffer, KiTraceCapacity);
    }
    memcpy(KiTraceBuffer + KiTraceLength, Line, Length);
    KiTraceLength += Length;
    KiTraceBuffer[KiTraceLength] = 0;
}

const char *KiTraceText(void)
{
    return KiTraceBuffer ? KiTraceBuffer : "";
}

void KiTraceReset(void)
{
    free(KiTraceBuffer);
    KiTraceBuffer = NULL;
    KiTraceLength = KiTraceCapacity = 0;
}

/* ---- the handoff ---- */

static inline void KiCpuRelax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Give the simulated CPU to Next. The giver's accesses to Next are complete before
 * the lock is released, and Next cannot hand the CPU on (which needs the lock)
 * before that: so Next cannot be reaped while the giver still looks at it. */
static void KiGiveCpu(KI_THREAD *Next)
{
    KiRunning = Next;
    pthread_mutex_lock(&KiHandoffLock);
    __atomic_store_n(&Next->Go, 1, __ATOMIC_RELEASE);
    if (Next->Sleeping)
        pthread_cond_signal(&Next->Cond);
    pthread_mutex_unlock(&KiHandoffLock);
}

static void KiAwaitCpu(KI_THREAD *Self)
{
    /* Spin briefly (the handoff is usually immediate on another core), then yield
     * the host core (the giver may share it), then sleep. */
    for (int i = 0; i < KI_SPIN_ITERATIONS; i++) {
        if (__atomic_load_n(&Self->Go, __ATOMIC_ACQUIRE))
            goto Taken;
        if (i < 512)
            KiCpuRelax();
        else
            sched_yield();
    }
    pthread_mutex_lock(&KiHandoffLock);
    Self->Sleeping = 1;
    while (!__atomic_load_n(&Self->Go, __ATOMIC_ACQUIRE))
        pthread_cond_wait(&Self->Cond, &KiHandoffLock);
    Self->Sleeping = 0;
    pthread_mutex_unlock(&KiHandoffLock);
Taken:
    __atomic_store_n(&Self->Go, 0, __ATOMIC_RELAXED);
}

/* ---- the fiber switch ---- */

/* The leaving thread's per-thread variables go into its object. Its host frame goes
 * first and stays cleared until the arriving thread loads its own: a watchdog signal
 * in between finds no frame to unwind to (the stack is changing under it) and waits
 * for the next safe point instead. */
static inline void KiSaveLocals(KI_THREAD_LOCALS *Locals)
{
    Locals->TopFrame = KiTopFrame;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    KiTopFrame = NULL;
    Locals->SiteFile = KiSiteFile;
    Locals->SiteLine = KiSiteLine;
    Locals->SehTop = KiSehTop;
    Locals->SehCode = KiSehCode;
    Locals->Driver = VfCurrentDriver();
}

static inline void KiLoadLocals(KI_THREAD *Self)
{
    KI_THREAD_LOCALS *Locals = &Self->Locals;
    KiSelf = Self;
    KiSiteFile = Locals->SiteFile;
    KiSiteLine = Locals->SiteLine;
    KiSehTop = Locals->SehTop;
    KiSehCode = Locals->SehCode;
    VfSetCurrentDriver(Locals->Driver);
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    KiTopFrame = Locals->TopFrame;
}

/* Self gives the CPU to Next and returns when some thread gives it back. */
static void KiTransfer(KI_THREAD *Self, KI_THREAD *Next)
{
    if (KiFibers) {
        KiRunning = Next;
        KiSaveLocals(&Self->Locals);
        KiFiberSwitch(&Self->Fiber, &Next->Fiber, FALSE);
        KiLoadLocals(Self);
    } else {
        KiGiveCpu(Next);
        KiAwaitCpu(Self);
    }
}

/* Self has ended: give the CPU to Next for good. A fiber never returns from this; a
 * pthread returns to end (it is joined when reaped). */
static void KiTransferFinal(KI_THREAD *Self, KI_THREAD *Next)
{
    if (!KiFibers) {
        KiGiveCpu(Next);
        return;
    }
    KiRunning = Next;
    KiSaveLocals(&Self->Locals);
    KiFiberSwitch(&Self->Fiber, &Next->Fiber, TRUE);
    fprintf(stderr, "ntsim: thread %u was resumed after it ended\n", Self->Id);
    abort();
}

/* The thread resumed on the CPU: restore the per-CPU state it had. */
static void KiResume(KI_THREAD *Self)
{
    KiRunning = Self;
    KiWatchdogSetHolder(); /* the thread a wall-clock watchdog signal must interrupt */
    Self->State = KiThreadRunning;
    KiSetCurrentProcessor(Self->Cpu);
    KiSetIrql(Self->SavedIrql);
}

/* ---- ready queue ---- */

void KiReadyThread(KI_THREAD *Thread)
{
    if (Thread->State == KiThreadReady || Thread->State == KiThreadTerminated)
        return;
    Thread->State = KiThreadReady;
    InsertTailList(&KiReadyQueue, &Thread->ReadyLink);
}

static inline KI_THREAD *KiTakeReady(KI_THREAD *Thread)
{
    RemoveEntryList(&Thread->ReadyLink);
    InitializeListHead(&Thread->ReadyLink);
    return Thread;
}

/* Highest priority first, FIFO among equals; in exploration mode a seeded pick. */
static KI_THREAD *KiPickAmongReady(void)
{
    KI_THREAD *Best = NULL;
    if (KiExploring) {
        ULONG Count = 0;
        for (PLIST_ENTRY E = KiReadyQueue.Flink; E != &KiReadyQueue; E = E->Flink)
            Count++;
        ULONG Pick = (ULONG)(KiRandom() % Count);
        PLIST_ENTRY E = KiReadyQueue.Flink;
        while (Pick--)
            E = E->Flink;
        Best = CONTAINING_RECORD(E, KI_THREAD, ReadyLink);
    } else {
        for (PLIST_ENTRY E = KiReadyQueue.Flink; E != &KiReadyQueue; E = E->Flink) {
            KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, ReadyLink);
            if (Best == NULL || T->Priority > Best->Priority)
                Best = T;
        }
    }
    return KiTakeReady(Best);
}

/* The next thread to run, NULL when none is ready. A lone ready thread (the usual
 * case: the one the blocking thread just woke) needs no choosing, except in
 * exploration mode, where every pick draws from the seeded generator. */
static inline KI_THREAD *KiPickReady(void)
{
    PLIST_ENTRY First = KiReadyQueue.Flink;
    if (First == &KiReadyQueue)
        return NULL;
    if (First->Flink == &KiReadyQueue && !KiExploring)
        return KiTakeReady(CONTAINING_RECORD(First, KI_THREAD, ReadyLink));
    return KiPickAmongReady();
}

/* Idle work on the calling thread until some thread is ready: DPCs, then the next
 * clock event. NULL: nothing is ready and nothing can happen (a hang). */
ULONG KiKernelTimers;
uint64_t KiDeviceProgress; /* bumped by the HAL for every interrupt an ISR claimed */
static hw_time_t KiIdleLimit = HW_S(60);

BOOLEAN (*KiNothingCanRunHook)(void);
BOOLEAN HalpAnyInterruptConnected(void);

/* Nothing left that could run driver code: no kernel timer, no DPC, no interrupt
 * connected (device events alone reach no driver). Then waiting is pointless. */
static BOOLEAN KiNothingLeft(void)
{
    return KiKernelTimers == 0 && !KiDpcPending && !HalpAnyInterruptConnected();
}

static KI_THREAD *KiFindNext(void)
{
    hw_time_t IdleSince = KiNow();
    uint64_t Progress = KiDeviceProgress;
    for (;;) {
        KI_THREAD *Next = KiPickReady();
        if (Next)
            return Next;
        if (KiStopped)
            return NULL;
        if (KiWatchdogFlagged())
            KiWatchdogSafePoint(KiCurrentThread()->WaitSite);
        if (KiDpcPending) {
            KiDrainDpcs();
            IdleSince = KiNow();
            continue;
        }
        if (Progress != KiDeviceProgress) {
            /* an ISR did work: a driver streaming through its device is not hung */
            Progress = KiDeviceProgress;
            IdleSince = KiNow();
        }
        hw_time_t Deadline;
        BOOLEAN Events = hw_clock_next_deadline(KiClock(), &Deadline);
        /* Only device events left (no wait timeout, KTIMER or I/O timer armed) and
         * nothing has happened for KiIdleLimit of virtual time: nothing will. */
        if (!Events || KiNothingLeft() || (KiKernelTimers == 0 && Deadline - IdleSince > KiIdleLimit)) {
            if (KiNothingCanRunHook && KiNothingCanRunHook())
                continue; /* the host layer gave up on a lost request: the host is ready */
            return NULL;
        }
        KiIdling = TRUE;
        KiAdvanceTime(Deadline - KiNow());
        KiIdling = FALSE;
    }
}

static void KiHang(void);

/* The machine stopped (bug check, hang) or this thread was cancelled: unwind. */
static DECLSPEC_NORETURN void KiUnwindStopped(KI_THREAD *Self)
{
    KiUnwindCurrent(Self->Cancel ? 3 : 1);
}

static void KiSwitch(KI_THREAD *Self, KI_THREAD *Next)
{
    Self->SavedIrql = KiCurrentIrql();
    KiTrace("switch to t%u (%s)", Next->Id, Next->Name);
    KiTransfer(Self, Next);
    KiResume(Self);
}

void KiBlock(KI_THREAD *Self)
{
    Self->SavedIrql = KiCurrentIrql();
    KI_THREAD *Next = KiPickReady(); /* the idle loop only when nothing is ready */
    if (Next == NULL)
        Next = KiFindNext();
    if (Next == NULL) {
        if (!KiStopped)
            KiHang();
        KiUnwindStopped(Self);
    }
    if (Next != Self)
        KiSwitch(Self, Next);
    else
        KiResume(Self);
    if (KiStopped || Self->Cancel)
        KiUnwindStopped(Self);
}

void KiMaybeYield(void)
{
    KI_THREAD *Self = KiSelf;
    if (Self == NULL || Self->State != KiThreadRunning || IsListEmpty(&KiReadyQueue) ||
        KiCurrentIrql() >= DISPATCH_LEVEL || KiStopped)
        return;
    if (KiRandom() % 3 != 0)
        return;
    KiReadyThread(Self);
    KI_THREAD *Next = KiPickReady();
    if (Next == Self) {
        KiResume(Self);
        return;
    }
    KiSwitch(Self, Next);
    if (KiStopped || Self->Cancel)
        KiUnwindStopped(Self);
}

/* ---- threads ---- */

static void KiTerminate(KI_THREAD *Self);

/* The thread unwound to its base frame (a bug check, a fault, the watchdog). From a
 * signal handler that jump starts on the alternate signal stack, where
 * AddressSanitizer cannot tell which stack it leaves, so the redzones of the frames it
 * abandoned stay poisoned: clear them before new frames reuse the space. */
static void KiStackUnwound(KI_THREAD *Self)
{
#ifdef KI_ASAN
    char *Low = KiStackLow(&Self->Fiber.Stack), *Here = __builtin_frame_address(0);
    if (Self->Fiber.Stack.Base && Here > Low && Here <= Low + KiStackUsable(&Self->Fiber.Stack))
        __asan_unpoison_memory_region(Low, (size_t)(Here - Low));
#else
    (void)Self;
#endif
}

/* A thread's life on its own stack, from the first time it gets the CPU. It ends by
 * handing the CPU on (KiTerminate). */
static void KiThreadBody(KI_THREAD *Self)
{
    KiResume(Self);
    if (!Self->Cancel && !KiStopped) {
        KI_HOST_FRAME Frame;
        Self->BaseFrame = &Frame;
        if (KI_HOST_TRY(&Frame)) {
            KiTrace("thread start %s", Self->Name);
            if (Self->WorkerMain) {
                Self->WorkerMain(Self);
            } else {
                PDRIVER_OBJECT Saved = VfSetCurrentDriver(Self->Owner);
                Self->StartRoutine(Self->StartContext);
                VfSetCurrentDriver(Saved);
            }
        } else {
            KiStackUnwound(Self);
        }
        KiLeaveHost(&Frame);
        Self->BaseFrame = NULL;
    }
    KiTerminate(Self);
}

static void KiFiberMain(void *Argument)
{
    KI_THREAD *Self = Argument;
    KiLoadLocals(Self);
    KiThreadBody(Self); /* does not return: the last switch leaves for good */
}

static void *KiPthreadMain(void *Argument)
{
    KI_THREAD *Self = Argument;
    KiSelf = Self;
    /* a signal stack of its own, so that a stack overflow is reported, not fatal */
    stack_t Alternate = { .ss_sp = Self->AltStack, .ss_size = KI_ALT_STACK_SIZE, .ss_flags = 0 }, Previous;
    sigaltstack(&Alternate, &Previous);
    KiAwaitCpu(Self);
    KiThreadBody(Self);
    sigaltstack(&Previous, NULL); /* a sanitizer's thread exit may free the one it set */
    return NULL;
}

static void KiStartPthread(KI_THREAD *T)
{
    pthread_cond_init(&T->Cond, NULL);
    T->AltStack = KiHostAlloc(KI_ALT_STACK_SIZE);
    pthread_attr_t Attributes;
    pthread_attr_init(&Attributes);
    int Error = !KiAllocateStack(&T->Fiber.Stack, KiDefaultStackSize()) ||
                pthread_attr_setstack(&Attributes, KiStackLow(&T->Fiber.Stack), KiStackUsable(&T->Fiber.Stack)) != 0 ||
                pthread_create(&T->Pthread, &Attributes, KiPthreadMain, T) != 0;
    pthread_attr_destroy(&Attributes);
    if (Error) {
        fprintf(stderr, "ntsim: cannot start a host thread for simulated thread %u '%s'\n", T->Id, T->Name);
        abort();
    }
    T->PthreadStarted = TRUE;
}

KI_THREAD *KiCreateThread(const char *Name, PDRIVER_OBJECT Owner, PKSTART_ROUTINE Start, PVOID Context,
                          void (*WorkerMain)(KI_THREAD *))
{
    PVOID Body;
    ObpCreateObject(&PsThreadTypeObject, sizeof(KI_THREAD), &Body);
    KI_THREAD *T = Body;
    KiInitializeDispatcherHeader(&T->Header, ThreadObject, 0);
    T->Id = ++KiNextThreadId;
    snprintf(T->Name, sizeof(T->Name), "%s", Name);
    T->State = KiThreadInitialized;
    T->Priority = 8;
    T->Owner = Owner;
    T->StartRoutine = Start;
    T->StartContext = Context;
    T->WorkerMain = WorkerMain;
    T->Cpu = (T->Id - 1) % KiProcessorCount();
    InitializeListHead(&T->ReadyLink);
    InitializeListHead(&T->MutantList);
    InitializeListHead(&T->Track.Link);
    hw_timer_init(&T->WaitTimer, KiClock(), KiWaitTimeout, T);
    InsertTailList(&KiAllThreads, &T->AllLink);
    KiThreadCount++;
    T->IsFiber = KiFibers;
    if (!KiFibers) {
        KiStartPthread(T);
    } else if (!KiFiberCreate(&T->Fiber, KiFiberMain, T, KiDefaultStackSize())) {
        fprintf(stderr, "ntsim: out of memory for the stack of simulated thread %u '%s'\n", T->Id, T->Name);
        abort();
    }
    KiReadyThread(T);
    KiTrace("create t%u %s", T->Id, T->Name);
    return T;
}

void KiAbandonMutexes(KI_THREAD *Thread);

static void KiTerminate(KI_THREAD *Self)
{
    if (Self->Cancel) {
        /* cancelled by the host (destroy, or its driver unloaded): hand back */
        Self->State = KiThreadTerminated;
        KiTransferFinal(Self, KiHostThread);
        return;
    }
    if (KiMachineCrashed() || KiStopped) {
        /* the bug check happened here: stop the machine, wake the host call */
        Self->State = KiThreadTerminated;
        KiStopped = TRUE;
        if (!IsListEmpty(&KiHostThread->ReadyLink)) {
            RemoveEntryList(&KiHostThread->ReadyLink);
            InitializeListHead(&KiHostThread->ReadyLink);
        }
        KiTransferFinal(Self, KiHostThread);
        return;
    }
    KI_HOST_FRAME Frame;
    KI_THREAD *Next = NULL;
    Self->BaseFrame = &Frame;
    if (KI_HOST_TRY(&Frame)) {
        NTSIM_SITE None = { NULL, 0 };
        if (KiCurrentIrql() != PASSIVE_LEVEL) {
            VfReport("SY-04", NTSIM_SEV_ERROR, Self->Owner, Self->CreateSite,
                     "system thread '%s' ended at IRQL %u (must end at PASSIVE_LEVEL)", Self->Name, KiCurrentIrql());
            KiSetIrql(PASSIVE_LEVEL);
        }
        if (Self->HeldCount)
            KiCheckLocksAtReturn(Self->Owner, "system thread", None);
        if (Self->CriticalRegion != 0)
            KiBugCheck(0x1, (ULONG_PTR)Self->StartRoutine, 0, (ULONG_PTR)(LONG_PTR)Self->CriticalRegion, 0,
                       Self->CreateSite, "system thread '%s' ended inside %ld critical region(s) (APC_INDEX_MISMATCH)",
                       Self->Name, (long)Self->CriticalRegion);
        KiAbandonMutexes(Self);
        Self->State = KiThreadTerminated;
        VfUntrack(&Self->Track);
        KiTrace("thread exit %s", Self->Name);
        Self->Header.SignalState = 1;
        KiSignalObject(&Self->Header);
        Next = KiFindNext();
        if (Next == NULL && !KiStopped)
            KiHang();
    }
    KiLeaveHost(&Frame);
    Self->BaseFrame = NULL;
    Self->State = KiThreadTerminated;
    if (Next == NULL || KiMachineCrashed()) {
        KiStopped = TRUE;
        Next = KiHostThread;
    }
    KiTransferFinal(Self, Next);
}

void KiExitThread(NTSTATUS Status)
{
    KI_THREAD *Self = KiCurrentThread();
    Self->ExitStatus = Status;
    KiUnwindCurrent(4);
}

/* Run Thread until it has unwound and ended; the caller (the host) gets the CPU back. */
static void KiRunToEnd(KI_THREAD *Thread)
{
    KI_THREAD *Self = KiCurrentThread();
    if (Thread->State == KiThreadTerminated || Thread == Self)
        return;
    if (!IsListEmpty(&Thread->ReadyLink)) {
        RemoveEntryList(&Thread->ReadyLink);
        InitializeListHead(&Thread->ReadyLink);
    }
    for (ULONG i = 0; i < Thread->WaitCount; i++)
        if (Thread->WaitBlocks[i].Link.Flink) {
            RemoveEntryList(&Thread->WaitBlocks[i].Link);
            Thread->WaitBlocks[i].Link.Flink = NULL;
        }
    Thread->WaitCount = 0;
    KiTimerDisarm(&Thread->WaitTimer);
    Thread->Cancel = TRUE;
    Self->SavedIrql = KiCurrentIrql();
    KiTransfer(Self, Thread);
    KiRunning = Self;
    KiWatchdogSetHolder();
    KiSetCurrentProcessor(Self->Cpu);
    KiSetIrql(Self->SavedIrql);
}

void KiCancelThread(KI_THREAD *Thread)
{
    VfUntrack(&Thread->Track);
    KiRunToEnd(Thread);
}

/* Ended threads whose object a driver still references: reclaimed with the machine. */
static LIST_ENTRY KiLingeringThreads = { &KiLingeringThreads, &KiLingeringThreads };

/* After the handles are closed (ObpShutdown): what is left is a driver's reference. */
void KiReclaimLingeringThreads(void)
{
    while (!IsListEmpty(&KiLingeringThreads))
        ObpReclaimObject(CONTAINING_RECORD(KiLingeringThreads.Flink, KI_THREAD, AllLink));
}

static void KiDeleteThreadObject(PVOID Object)
{
    KI_THREAD *T = Object;
    if (T->Lingering)
        RemoveEntryList(&T->AllLink);
    if (!T->IsFiber)
        pthread_cond_destroy(&T->Cond);
}

/* Free what carried an ended thread: its fiber, or its pthread (joined) and stacks. */
static void KiReleaseCarrier(KI_THREAD *T)
{
    if (T->IsFiber) {
        KiFiberDestroy(&T->Fiber);
        return;
    }
    if (T->PthreadStarted)
        pthread_join(T->Pthread, NULL);
    KiFreeStack(&T->Fiber.Stack);
    free(T->AltStack);
    T->AltStack = NULL;
}

void KiReapThreads(void)
{
    PLIST_ENTRY E = KiAllThreads.Flink;
    while (E != &KiAllThreads) {
        KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        E = E->Flink;
        if (T->IsHost || T->State != KiThreadTerminated || T->Joined)
            continue;
        KiReleaseCarrier(T);
        T->Joined = TRUE;
        VfUntrack(&T->Track); /* a thread that ended in a bug check is still tracked */
        RemoveEntryList(&T->AllLink);
        KiThreadCount--;
        if (ObpPointerCount(T) > 1) { /* a driver holds a reference (ObReferenceObjectByHandle) */
            T->Lingering = TRUE;
            InsertTailList(&KiLingeringThreads, &T->AllLink);
        }
        ObpDereference(T);
    }
}

/* ---- exploration: DDIs reached without the site macro ---- */

/* Is Pc code of libntsim itself (the simulator, the device models)? A DDI called from
 * there is the simulator's own use of it, in the middle of its work: no switch point.
 * Answers are cached by address (dladdr takes a lock and walks the loaded images). */
static BOOLEAN KiIsSimulatorCode(void *Pc)
{
    static struct { void *Pc; BOOLEAN Inside; } Cache[512];
    static const void *SimulatorBase;
    size_t Slot = ((uintptr_t)Pc >> 2 ^ (uintptr_t)Pc >> 11) % RTL_NUMBER_OF(Cache);
    if (Cache[Slot].Pc == Pc)
        return Cache[Slot].Inside;
    Dl_info Info;
    if (SimulatorBase == NULL && dladdr((void *)KiIsSimulatorCode, &Info))
        SimulatorBase = Info.dli_fbase;
    /* unknown code counts as the simulator's: no switch where it is not sure */
    BOOLEAN Inside = !dladdr(Pc, &Info) || Info.dli_fbase == SimulatorBase;
    Cache[Slot].Pc = Pc;
    Cache[Slot].Inside = Inside;
    return Inside;
}

/* A DDI was entered with no site recorded: the driver called it through a pointer
 * (the DMA_OPERATIONS table, an address it took), or the simulator called it. The
 * former is a DDI boundary like any other. Only in exploration mode (the caller
 * tests KiExploring) and only inside a host call (a bug check has a frame to reach). */
void KiUnwrappedDdiCall(void *Caller)
{
    if (KiTopFrame == NULL || Caller == NULL || KiIsSimulatorCode(Caller))
        return;
    KiMaybeYield();
}

/* `!locks` (sim/io/inspect.c): every lock each thread holds, with where it was taken. */
ULONG KiDumpHeldLocks(FILE *Out)
{
    ULONG Count = 0;
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
        KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        if (T->State == KiThreadTerminated)
            continue;
        for (ULONG i = 0; i < T->HeldCount; i++) {
            const KI_HELD_LOCK *H = &T->Held[i];
            char At[300];
            KiFormatSite(H->Site, At, sizeof(At));
            fprintf(Out, "  %-11s %p  held by thread %u '%s'%s%s%s%s\n", H->Kind, H->Lock, T->Id, T->Name,
                    H->Owner ? ", driver " : "", H->Owner ? VfDriverName(H->Owner) : "",
                    At[0] ? ", acquired at " : "", At);
            Count++;
        }
    }
    return Count;
}

/* ---- stack overflows ---- */

BOOLEAN KiDescribeStackOverflow(const void *Address, char *Buffer, size_t Size)
{
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
        KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        if (!KiStackGuardHit(&T->Fiber.Stack, Address))
            continue;
        snprintf(Buffer, Size, "a stack overflow: thread %u '%s' used up its %zu KiB stack (the guard region "
                 "below it was hit)", T->Id, T->Name, KiStackUsable(&T->Fiber.Stack) / 1024);
        return TRUE;
    }
    return FALSE;
}

/* ---- hang reports ---- */

static KI_THREAD *KiWaitOwner(KI_THREAD *T, char *What, size_t Size)
{
    What[0] = 0;
    if (T->State != KiThreadWaiting)
        return NULL;
    if (T->WaitLock && T->WaitLockKind == 1) {
        PFAST_MUTEX M = T->WaitLock;
        snprintf(What, Size, "fast mutex %p", (void *)M);
        return M->Owner;
    }
    if (T->WaitLock && T->WaitLockKind == 2) {
        PERESOURCE R = T->WaitLock;
        snprintf(What, Size, "ERESOURCE %p", (void *)R);
        return (KI_THREAD *)R->OwnerEntry.OwnerThread;
    }
    size_t Used = 0;
    KI_THREAD *Owner = NULL;
    for (ULONG i = 0; i < T->WaitCount && Used + 2 < Size; i++) {
        char Object[200];
        PDISPATCHER_HEADER H = T->WaitBlocks[i].Object;
        KiDescribeObject(H, Object, sizeof(Object));
        Used += (size_t)snprintf(What + Used, Size - Used, "%s%s", i ? (T->WaitType == WaitAll ? " and " : " or ") : "",
                                 Object);
        if (Used >= Size)
            Used = Size - 1;
        if (H->Type == MutantObject && ((PKMUTANT)H)->OwnerThread)
            Owner = (KI_THREAD *)((PKMUTANT)H)->OwnerThread;
        else if (H->Type == ThreadObject)
            Owner = (KI_THREAD *)H;
    }
    return Owner;
}

void KiDescribeThreads(char *Buffer, size_t Size)
{
    size_t Used = 0;
    Buffer[0] = 0;
#define KI_APPEND(...)                                                                      \
    do {                                                                                    \
        if (Used < Size) {                                                                  \
            Used += (size_t)snprintf(Buffer + Used, Size - Used, __VA_ARGS__);              \
            if (Used >= Size)                                                               \
                Used = Size - 1;                                                            \
        }                                                                                   \
    } while (0)
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
        KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        if (T->State == KiThreadTerminated)
            continue;
        char What[600], Site[128], Created[128];
        KI_THREAD *Owner = KiWaitOwner(T, What, sizeof(What));
        KiFormatSite(T->WaitSite, Site, sizeof(Site));
        KiFormatSite(T->CreateSite, Created, sizeof(Created));
        KI_APPEND("  thread %u '%s'%s%s%s: ", T->Id, T->Name, Created[0] ? " (created at " : "", Created,
                  Created[0] ? ")" : "");
        if (T->State == KiThreadWaiting) {
            KI_APPEND("waits in %s%s%s for %s", T->WaitReason ? T->WaitReason : "a wait", Site[0] ? " at " : "", Site,
                      What[0] ? What : "its timeout");
            if (hw_timer_pending(&T->WaitTimer))
                KI_APPEND(" (timeout at %llu ns)", (unsigned long long)hw_timer_expire_time(&T->WaitTimer));
            if (Owner && Owner != T)
                KI_APPEND(", held by thread %u '%s'", Owner->Id, Owner->Name);
        } else {
            KI_APPEND("%s", T->State == KiThreadReady ? "ready" : T->State == KiThreadRunning ? "running" : "not started");
        }
        KI_APPEND("\n");
    }
    /* wait chains that close into a cycle: a deadlock */
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
        KI_THREAD *Start = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        char What[600];
        KI_THREAD *T = Start;
        int Steps = 0;
        while (T && Steps < 64) {
            KI_THREAD *Owner = KiWaitOwner(T, What, sizeof(What));
            if (Owner == NULL || Owner == T)
                break;
            T = Owner;
            Steps++;
            if (T == Start)
                break;
        }
        if (T != Start || Steps == 0)
            continue;
        BOOLEAN Smallest = TRUE; /* print each cycle once, from its lowest thread id */
        for (KI_THREAD *U = KiWaitOwner(Start, What, sizeof(What)); U && U != Start;
             U = KiWaitOwner(U, What, sizeof(What)))
            if (U->Id < Start->Id)
                Smallest = FALSE;
        if (!Smallest)
            continue;
        KI_APPEND("  deadlock:");
        T = Start;
        do {
            KI_THREAD *Owner = KiWaitOwner(T, What, sizeof(What));
            KI_APPEND(" thread %u '%s' waits for %s held by thread %u;", T->Id, T->Name, What, Owner->Id);
            T = Owner;
        } while (T != Start);
        KI_APPEND("\n");
    }
#undef KI_APPEND
}

#define KI_BUGCHECK_HANG 0x4E544801u /* ntsim: every thread blocked, no event pending */

static void KiHang(void)
{
    char *Threads = KiHostAlloc(16384);
    KiDescribeThreads(Threads, 16384);
    ULONG Count = 0;
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink)
        if (CONTAINING_RECORD(E, KI_THREAD, AllLink)->State != KiThreadTerminated)
            Count++;
    NTSIM_SITE Site = KiCurrentThread()->WaitSite;
    VfReport("HANG", NTSIM_SEV_ERROR, NULL, Site,
             "every thread is blocked and nothing can wake one: no kernel timer is pending and no device event "
             "made progress (virtual time %llu ns, seed %llu); %u thread(s):\n%s",
             (unsigned long long)KiNow(), (unsigned long long)KiSeedValue, Count, Threads);
    char *Text = KiHostPrintf("HANG: every thread is blocked and nothing can wake one, at %llu ns (seed %llu):\n%s",
                              (unsigned long long)KiNow(), (unsigned long long)KiSeedValue, Threads);
    free(Threads);
    KiBugCheckNoUnwind(KI_BUGCHECK_HANG, Count, (ULONG_PTR)KiNow(), 0, 0, Site, Text);
    free(Text);
    KiStopped = TRUE;
}

/* ---- machine life cycle ---- */

/* NTSIM_THREADS=fiber|pthread picks the backend for each machine created after it is
 * set (unset or empty: fibers). */
static BOOLEAN KiChooseFibers(void)
{
    static BOOLEAN Warned;
    const char *Choice = getenv("NTSIM_THREADS");
    if (Choice == NULL || *Choice == 0 || strcmp(Choice, "fiber") == 0)
        return TRUE;
    if (strcmp(Choice, "pthread") == 0)
        return FALSE;
    if (!Warned)
        fprintf(stderr, "ntsim: NTSIM_THREADS='%s' is neither 'fiber' nor 'pthread'; using fibers\n", Choice);
    Warned = TRUE;
    return TRUE;
}

void KiInitializeScheduler(unsigned Cpus, uint64_t Seed)
{
    KiInitializeProcessors(Cpus);
    InitializeListHead(&KiReadyQueue);
    InitializeListHead(&KiAllThreads);
    KiStopped = FALSE;
    KiNextThreadId = 0;
    KiThreadCount = 0;
    KiSeedValue = Seed;
    KiRngState = Seed ? Seed : 0x9E3779B97F4A7C15ull;
    KiExploring = Seed != 0;
    KiTracing = FALSE;
    KiKernelTimers = 0;
    const char *Idle = getenv("NTSIM_HANG_NS");
    KiIdleLimit = Idle && *Idle ? strtoull(Idle, NULL, 0) : HW_S(60);
    KiTraceReset();
    PVOID Body;
    ObpCreateObject(&PsThreadTypeObject, sizeof(KI_THREAD), &Body);
    KI_THREAD *Host = Body;
    KiInitializeDispatcherHeader(&Host->Header, ThreadObject, 0);
    Host->Id = ++KiNextThreadId;
    snprintf(Host->Name, sizeof(Host->Name), "host");
    Host->IsHost = TRUE;
    Host->State = KiThreadRunning;
    Host->Priority = 8;
    Host->Pthread = pthread_self();
    InitializeListHead(&Host->ReadyLink);
    InitializeListHead(&Host->MutantList);
    InitializeListHead(&Host->Track.Link);
    hw_timer_init(&Host->WaitTimer, KiClock(), KiWaitTimeout, Host);
    KiFibers = KiChooseFibers();
    Host->IsFiber = KiFibers;
    if (KiFibers)
        KiFiberAdoptCurrent(&Host->Fiber);
    else
        pthread_cond_init(&Host->Cond, NULL);
    InsertTailList(&KiAllThreads, &Host->AllLink);
    KiThreadCount = 1;
    KiHostThread = Host;
    KiRunning = Host;
    KiSelf = Host;
}

void KiShutdownScheduler(void)
{
    if (KiHostThread == NULL)
        return;
    KiSelf = KiHostThread;
    KiHostThread->State = KiThreadRunning;
    /* cancel every thread still alive, one at a time, then join them all */
    for (;;) {
        KI_THREAD *Victim = NULL;
        for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
            KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
            if (!T->IsHost && T->State != KiThreadTerminated) {
                Victim = T;
                break;
            }
        }
        if (Victim == NULL)
            break;
        VfUntrack(&Victim->Track);
        KiRunToEnd(Victim);
    }
    KiReapThreads();
    VfUntrack(&KiHostThread->Track);
    if (KiHostThread->IsFiber)
        KiFiberDestroy(&KiHostThread->Fiber);
    RemoveEntryList(&KiHostThread->AllLink);
    ObpDereference(KiHostThread);
    KiHostThread = NULL;
    KiRunning = NULL;
    KiSelf = NULL;
    InitializeListHead(&KiReadyQueue);
    KiThreadCount = 0;
    KiStopped = FALSE;
    KiExploring = FALSE;
}

/* ---- thread DDIs ---- */

PKTHREAD KeGetCurrentThread(VOID)
{
    return KiCurrentThread();
}

PETHREAD PsGetCurrentThread(VOID)
{
    return (PETHREAD)KiCurrentThread();
}

HANDLE PsGetCurrentThreadId(VOID)
{
    return (HANDLE)(ULONG_PTR)(KiCurrentThread()->Id * 4);
}

KPRIORITY KeSetPriorityThread(PKTHREAD Thread, KPRIORITY Priority)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeSetPriorityThread", DISPATCH_LEVEL, 0xC4, 0x3A, Site);
    if (Thread == NULL || Priority < LOW_PRIORITY || Priority > HIGH_PRIORITY)
        KiBugCheck(0xC4, 0x3B /* approximate */, (ULONG_PTR)Thread, (ULONG_PTR)(LONG_PTR)Priority, 0, Site,
                   "KeSetPriorityThread(%p, %ld): priority must be 0..31", (void *)Thread, (long)Priority);
    KPRIORITY Old = Thread->Priority;
    Thread->Priority = Priority;
    return Old;
}

KPRIORITY KeQueryPriorityThread(PKTHREAD Thread)
{
    return Thread->Priority;
}

VOID KeEnterCriticalRegion(VOID)
{
    KiTakeSite();
    KiCurrentThread()->CriticalRegion++;
}

VOID KeLeaveCriticalRegion(VOID)
{
    NTSIM_SITE Site = KiTakeSite();
    KI_THREAD *T = KiCurrentThread();
    if (T->CriticalRegion <= 0)
        KiBugCheck(0x1, 0, 0, (ULONG_PTR)(LONG_PTR)T->CriticalRegion, 0, Site,
                   "KeLeaveCriticalRegion without a matching KeEnterCriticalRegion (APC_INDEX_MISMATCH)");
    T->CriticalRegion--;
}

BOOLEAN KeAreApcsDisabled(VOID)
{
    return KiCurrentThread()->CriticalRegion > 0 || KiCurrentIrql() >= APC_LEVEL;
}

const char *KiThreadNameFor(PVOID StartRoutine, PDRIVER_OBJECT Owner, char *Buffer, size_t Size)
{
    Dl_info Info;
    const char *Symbol = NULL;
    if (dladdr(StartRoutine, &Info) && Info.dli_sname)
        Symbol = Info.dli_sname;
    const char *Driver = Owner ? VfDriverName(Owner) : "system";
    if (Symbol)
        snprintf(Buffer, Size, "%s!%s", Driver, Symbol);
    else if (dladdr(StartRoutine, &Info)) /* static: image-relative, the same in every run */
        snprintf(Buffer, Size, "%s!+0x%lx", Driver, (unsigned long)((char *)StartRoutine - (char *)Info.dli_fbase));
    else
        snprintf(Buffer, Size, "%s!thread", Driver);
    return Buffer;
}

/* KeDelayExecutionThread(0): give the CPU to a ready thread, if any. */
/* Threads other than the host that have not ended and could still run driver code
 * (the system worker waiting for work items runs nothing until one is queued). */
ULONG KiLiveThreads(void)
{
    ULONG Count = 0;
    for (PLIST_ENTRY E = KiAllThreads.Flink; E != &KiAllThreads; E = E->Flink) {
        KI_THREAD *T = CONTAINING_RECORD(E, KI_THREAD, AllLink);
        BOOLEAN IdleWorker = T->IsWorker && T->State == KiThreadWaiting;
        if (!T->IsHost && T->State != KiThreadTerminated && !IdleWorker)
            Count++;
    }
    return Count;
}

void KiYieldNow(void)
{
    KI_THREAD *Self = KiCurrentThread();
    if (IsListEmpty(&KiReadyQueue))
        return;
    KiReadyThread(Self);
    KI_THREAD *Next = KiPickReady();
    if (Next == Self) {
        KiResume(Self);
        return;
    }
    KiSwitch(Self, Next);
    if (KiStopped || Self->Cancel)
        KiUnwindStopped(Self);
}
