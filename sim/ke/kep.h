/* kep.h - private interfaces of sim/ke shared with the host layer. */
#ifndef NTSIM_KEP_H
#define NTSIM_KEP_H
#include "ntsimp.h"
#include <hwmodel/clock.h>

/* clock.c: the machine's virtual clock (ns) */
hw_clock *KiClock(void);
void KiInitializeClock(void);
void KiShutdownClock(void);

const char *KiBugCheckName(ULONG Code);
int KiGetBugCheck(ntsim_bugcheck *Out);
void KiResetBugCheck(void);
void KiInstallSignalHandlers(void);
void KiWarmUnwinder(void); /* once per process; a forking process calls it before forking */
void KiRefreshSignalHandlers(void); /* sim/ke/sighook.c */
void KiRestoreSignalHandlers(void);
/* sched.c: interrupts claimed by ISRs count as progress for hang detection */
extern uint64_t KiDeviceProgress;
/* symbol.c: code addresses named in process, each address resolved once per process
 * (docs/symbols.md). With elfutils libdw (NTSIM_HAVE_LIBDW) the DWARF line table and
 * scopes give the full source path, line, column and the inlined calls; without it
 * (macOS) dladdr gives image!Function+offset only. Strings live for the process. */
#define KI_SYMBOL_MAX_DEPTH 8
typedef struct _KI_SOURCE_LOCATION {
    const char *Function;          /* the function (or inlined function) the code belongs to */
    const char *File;              /* full source path as the compiler recorded it, NULL if unknown */
    int Line;
    int Column;                    /* 0 when the debug information has none */
} KI_SOURCE_LOCATION;
typedef struct _KI_SYMBOL {
    const void *Address;
    const char *Image;             /* path of the loaded image */
    const char *ImageName;         /* its file name: "echo.sys" */
    uintptr_t ImageOffset;
    const char *Function;          /* the function holding the code (its source name), NULL if unknown */
    uintptr_t Offset;              /* from the start of the compiled routine (ELF symbol) */
    unsigned Depth;                /* Frames[0] the code's own line (innermost inlined function), */
    KI_SOURCE_LOCATION Frames[KI_SYMBOL_MAX_DEPTH]; /* each next one where the previous was inlined */
} KI_SYMBOL;
/* FALSE when no loaded image holds Address (Out still has Address). */
BOOLEAN KiSymbolize(const void *Address, KI_SYMBOL *Out);
/* The location to name for a driver: the first frame not in a header (code inlined from
 * wdm.h is named by the driver line that used it), NULL without line information. */
const KI_SOURCE_LOCATION *KiSymbolSourceLine(const KI_SYMBOL *Symbol);
/* "/path/drv.c:120:5" (":5" only when the column is known). */
const char *KiFormatLocation(const KI_SOURCE_LOCATION *Location, char *Buffer, size_t Size);
const char *KiSymbolBackend(void); /* "libdw 0.188" or "dladdr" */
/* Private test hook: lookups answered from the cache, and resolved afresh. */
void KiSymbolCounters(uint64_t *Hits, uint64_t *Misses);
/* bugcheck.c: the stack of the stop, as return addresses (innermost first) */
#define KI_CRASH_STACK_MAX 64
typedef struct _KI_CRASH_STACK {
    void *Frames[KI_CRASH_STACK_MAX];
    int Count;
    void *FaultPc;                 /* taken in a fault handler: the faulting instruction */
} KI_CRASH_STACK;
const KI_CRASH_STACK *KiCrashStack(void); /* NULL when the machine has not stopped */
/* analyze.c: the WinDbg !analyze -v style report of the stop (after ntsim_print_bugcheck's
 * summary; ntsim_inspect "!analyze -v"). io/ describes the IRPs and devices involved
 * through the hook (ke/ never calls up into io/). */
void KiPrintAnalysis(FILE *Out);
/* IrpArgs: bit i set when argument i+1 is an IRP by the code's definition */
extern void (*KiAnalyzeIoHook)(FILE *Out, const uint64_t Params[4], unsigned IrpArgs);
void KiDescribeCode(void *Pc, char *Buffer, size_t Size);
NTSIM_SITE KiSiteOfCode(void *Pc);
void KiResetIrql(void);

/* ---- the scheduler (sched.c): threads, the simulated CPU, waits, virtual time ----
 * Every kernel-side thread is a fiber switched on the host thread (default) or a
 * pthread (NTSIM_THREADS=pthread); exactly one holds the simulated CPU and runs. All
 * the state below is touched only by the thread holding the CPU; handing the CPU over
 * is the only synchronisation (a fiber switch, or an acquire/release handoff). */
#include <pthread.h>
#include "ke/fiber.h"

/* Per-thread variables of the simulator (NTSIM_TLS in context.c, bugcheck.c, seh.c,
 * io/driver.c). A pthread has its own; fibers share the host thread's, so the fiber
 * backend saves them here when a thread is switched out and reloads them when it
 * resumes (sched.c, KiSaveLocals). */
typedef struct _KI_THREAD_LOCALS {
    const char *SiteFile;          /* context.c: the site macro's file and line */
    int SiteLine;
    NTSTATUS SehCode;              /* seh.c: the exception being handled */
    struct _NTSIM_SEH_FRAME *SehTop; /* seh.c: the innermost __try */
    KI_HOST_FRAME *TopFrame;       /* bugcheck.c: where a bug check unwinds to */
    PDRIVER_OBJECT Driver;         /* VfCurrent (verifier/owner.c): the driver whose code runs */
} KI_THREAD_LOCALS;
extern NTSIM_TLS const char *KiSiteFile;
extern NTSIM_TLS int KiSiteLine;
extern NTSIM_TLS NTSTATUS KiSehCode;
extern NTSIM_TLS struct _NTSIM_SEH_FRAME *KiSehTop;
extern NTSIM_TLS KI_HOST_FRAME *KiTopFrame;

typedef enum _KI_THREAD_STATE {
    KiThreadInitialized, KiThreadReady, KiThreadRunning, KiThreadWaiting, KiThreadTerminated
} KI_THREAD_STATE;

typedef struct _KI_WAIT_BLOCK {
    LIST_ENTRY Link;               /* in the object's DISPATCHER_HEADER.WaitListHead */
    struct _KTHREAD *Thread;
    PDISPATCHER_HEADER Object;
    ULONG Index;
} KI_WAIT_BLOCK;

typedef struct _KI_HELD_LOCK {
    PVOID Lock;
    const char *Kind;              /* "spin lock", "fast mutex", "mutex" ... */
    NTSIM_SITE Site;
    PDRIVER_OBJECT Owner;
} KI_HELD_LOCK;

#define KI_MAX_HELD_LOCKS 16

/* The thread object: PKTHREAD and PETHREAD both point here. It is an object-manager
 * object (type PsThreadType) and waitable: the header is signalled at termination. */
struct _KTHREAD {
    DISPATCHER_HEADER Header;
    ULONG Id;                      /* 1 = the host thread */
    char Name[96];
    KI_THREAD_STATE State;
    BOOLEAN IsHost;
    BOOLEAN IsWorker;
    BOOLEAN Cancel;                /* unwind to the base frame when next resumed */
    BOOLEAN Joined;
    BOOLEAN Lingering;     /* ended and reaped, its object kept alive by a driver's reference */
    BOOLEAN PthreadStarted;
    BOOLEAN IsFiber;               /* runs on the fiber backend (else a pthread) */
    BOOLEAN WaitNext;              /* KeSetEvent(..., Wait=TRUE) was called */
    KIRQL WaitNextIrql;
    KIRQL SavedIrql;
    ULONG Cpu;
    KPRIORITY Priority;
    LONG CriticalRegion;           /* KeEnterCriticalRegion depth (KernelApcDisable) */
    pthread_t Pthread;
    pthread_cond_t Cond;
    volatile int Go;               /* the CPU was handed to this thread (atomic) */
    int Sleeping;                  /* parked on Cond (under the handoff mutex) */
    KI_FIBER Fiber;                /* its context (fiber backend) and its stack (both) */
    void *AltStack;                /* pthread backend: its signal stack (stack overflow) */
    KI_THREAD_LOCALS Locals;       /* fiber backend: per-thread variables while switched out */
    LIST_ENTRY ReadyLink;
    LIST_ENTRY AllLink;
    LIST_ENTRY MutantList;         /* KMUTEX objects owned */
    /* the current wait */
    ULONG WaitCount;
    WAIT_TYPE WaitType;
    NTSTATUS WaitStatus;
    BOOLEAN WaitSatisfied;
    KI_WAIT_BLOCK WaitBlocks[MAXIMUM_WAIT_OBJECTS];
    hw_timer WaitTimer;
    const char *WaitReason;        /* for hang reports: "KeWaitForSingleObject", "IRP completion" */
    PVOID WaitLock;                /* FAST_MUTEX / ERESOURCE being acquired, for hang reports */
    UCHAR WaitLockKind;            /* 1 fast mutex, 2 ERESOURCE */
    NTSIM_SITE WaitSite;
    /* a system thread */
    PKSTART_ROUTINE StartRoutine;
    PVOID StartContext;
    PDRIVER_OBJECT Owner;
    NTSIM_TRACK Track;             /* NtsimResThread while it runs */
    NTSIM_SITE CreateSite;
    NTSTATUS ExitStatus;
    KI_HOST_FRAME *BaseFrame;
    void (*WorkerMain)(struct _KTHREAD *Thread); /* a simulator thread (work queue) */
    /* locks held (spin locks, fast mutexes, mutexes) */
    KI_HELD_LOCK Held[KI_MAX_HELD_LOCKS];
    ULONG HeldCount;
};
typedef struct _KTHREAD KI_THREAD;

extern NTSIM_TLS KI_THREAD *KiSelf;    /* the running thread's object (switched with fibers) */
extern NTSIM_HIDDEN KI_THREAD *KiHostThread;
extern ULONG KiThreadCount;            /* threads created and not yet reaped, host included */
extern NTSIM_HIDDEN BOOLEAN KiExploring;            /* exploration mode: switch at DDI boundaries */
extern BOOLEAN KiTracing;

void KiInitializeScheduler(unsigned Cpus, uint64_t Seed);
void KiShutdownScheduler(void);
uint64_t KiSeed(void);
static inline KI_THREAD *KiCurrentThread(void) { return KiSelf ? KiSelf : KiHostThread; }
/* Create a thread (a fiber or a pthread), Ready (it runs when the current thread blocks). */
KI_THREAD *KiCreateThread(const char *Name, PDRIVER_OBJECT Owner, PKSTART_ROUTINE Start, PVOID Context,
                          void (*WorkerMain)(KI_THREAD *));
void KiReadyThread(KI_THREAD *Thread);
/* Block the current thread (its State is Waiting and its wait set up) until readied. */
void KiBlock(KI_THREAD *Self);
/* Exploration mode: maybe give the CPU to another ready thread (DDI boundary). */
void KiMaybeYield(void);
/* Exploration mode, a DDI entered without the site macro: a switch point if Caller
 * (the DDI's return address) is driver code, i.e. outside libntsim. */
void KiUnwrappedDdiCall(void *Caller);
/* The fault Address is in the guard page of a thread's stack: describe the overflow. */
BOOLEAN KiDescribeStackOverflow(const void *Address, char *Buffer, size_t Size);
/* Unwind the calling system thread to its base frame and terminate it. */
DECLSPEC_NORETURN void KiExitThread(NTSTATUS Status);
/* Cancel a thread of an unloaded driver: it never runs driver code again. */
void KiCancelThread(KI_THREAD *Thread);
void KiReapThreads(void);
/* Trace: (time, thread, event). The test is inline: with neither the machine trace
 * (ntsim_trace_enable) nor the event trace (TrEnabled) on, a call costs one
 * predictable branch and its arguments are not even computed (the switch path has
 * three). */
extern BOOLEAN TrEnabled;
void KiTraceEvent(const char *Format, ...) __attribute__((format(printf, 1, 2)));
#define KiTrace(...)                                            \
    do {                                                        \
        if (__builtin_expect(KiTracing || TrEnabled, 0))        \
            KiTraceEvent(__VA_ARGS__);                          \
    } while (0)
/* Describe every thread and what it waits on (hang and deadlock reports). */
void KiDescribeThreads(char *Buffer, size_t Size);
ULONG KiDumpHeldLocks(FILE *Out); /* `!locks`: one line per lock held, the count */
BOOLEAN KiMachineStopped(void);

/* wait.c: the dispatcher */
#define KI_DISPATCHER_MAGIC 0x70736944u /* "Disp" */
void KiSignalObject(PDISPATCHER_HEADER Object);   /* after its state became signalled */
NTSTATUS KiWaitObjects(ULONG Count, PVOID Objects[], WAIT_TYPE Type, PLARGE_INTEGER Timeout, const char *Ddi,
                       NTSIM_SITE Site, BOOLEAN CheckObjects);
/* Wait on internal objects with an absolute virtual deadline (HW_TIME_NEVER = none). */
NTSTATUS KiWaitInternal(ULONG Count, PVOID Objects[], WAIT_TYPE Type, hw_time_t Deadline, const char *Reason);
void KiInitializeDispatcherHeader(PDISPATCHER_HEADER Header, UCHAR Type, LONG State);
void KiAbandonMutexes(KI_THREAD *Thread);
void KiWaitTimeout(void *Thread);      /* hw_timer callback of KTHREAD.WaitTimer */
const char *KiThreadNameFor(PVOID StartRoutine, PDRIVER_OBJECT Owner, char *Buffer, size_t Size);
const char *KiTraceText(void);
void KiTraceReset(void);
void KiBugCheckNoUnwind(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, NTSIM_SITE Site,
                        const char *Text);
DECLSPEC_NORETURN void KiUnwindCurrent(int Value);
void KiRaiseStatusAt(NTSTATUS Status, NTSIM_SITE Site);
const char *KiDescribeObject(PVOID Object, char *Buffer, size_t Size);

/* timer.c / time */
#define KI_SYSTEM_TIME_EPOCH 133485408000000000LL /* 2024-01-01 00:00:00 UTC in 100 ns since 1601 */
#define KI_TIME_INCREMENT 156250u                 /* 15.625 ms clock tick, in 100 ns */
hw_time_t KiNow(void);
/* NT due time (negative relative 100 ns, positive absolute system time) to virtual ns. */
hw_time_t KiDueTimeToDeadline(LONGLONG DueTime, const char *Ddi, NTSIM_SITE Site); /* TM-02 reported here */
void KiAdvanceTime(hw_time_t Delta);
/* Kernel timers (wait timeouts, KTIMERs, I/O timers) go through these so the idle
 * loop knows whether anything but device events can still happen (hang detection). */
extern ULONG KiKernelTimers;
static inline void KiTimerArm(hw_timer *Timer, hw_time_t At)
{
    if (!hw_timer_pending(Timer))
        KiKernelTimers++;
    hw_timer_mod(Timer, At);
}
static inline void KiTimerDisarm(hw_timer *Timer)
{
    if (hw_timer_pending(Timer)) { /* most waits have no timeout: nothing to delete */
        KiKernelTimers--;
        hw_timer_del(Timer);
    }
}
static inline void KiTimerFired(void) { KiKernelTimers--; } /* first thing in a kernel timer callback */
void KiReclaimTimer(NTSIM_TRACK *Track);
void KiDescribeTimer(NTSIM_TRACK *Track, char *Buffer, size_t Size);

/* dpc.c */
extern volatile BOOLEAN KiDpcPending;
void KiDrainDpcs(void);                 /* run queued DPCs (caller is below DISPATCH_LEVEL) */
void KiReclaimDpc(NTSIM_TRACK *Track);
void KiDescribeDpc(NTSIM_TRACK *Track, char *Buffer, size_t Size);
BOOLEAN KiQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2, NTSIM_SITE Site);

/* irql.c */
void KiInitializeProcessors(unsigned Count);
unsigned KiProcessorCount(void);
void KiSetCurrentProcessor(ULONG Cpu);
/* Lower to Irql and run what became deliverable (DPCs, interrupts). */
void KiLowerIrqlTo(KIRQL Irql);
void KiReclaimLingeringThreads(void); /* machine teardown, after ObpShutdown (sched.c) */
/* The ExInterlocked*List routines' lock: any IRQL (sim/ke/spinlock.c). */
KIRQL KiAcquireInterlockedListLock(PKSPIN_LOCK Lock, const char *Ddi, NTSIM_SITE Site);
void KiReleaseInterlockedListLock(PKSPIN_LOCK Lock, KIRQL Old, const char *Ddi, NTSIM_SITE Site);
/* SY-04: bug check unless the IRQL is at most Max. Code/P1 per docs/irql.md. The
 * compare is inline (every DDI makes it); the report is not. */
DECLSPEC_NORETURN __attribute__((cold)) void KiIrqlTooHigh(const char *Ddi, KIRQL Max, ULONG Code, ULONG_PTR P1,
                                                             NTSIM_SITE Site);
static inline void KiCheckIrql(const char *Ddi, KIRQL Max, ULONG Code, ULONG_PTR P1, NTSIM_SITE Site)
{
    if (__builtin_expect(KiCurrentIrql() > Max, 0))
        KiIrqlTooHigh(Ddi, Max, Code, P1, Site);
}
void HalpDeliverPendingInterrupts(void);

/* lockorder.c: locks held per thread, lock-order (deadlock) detection */
void KiLockAcquired(PVOID Lock, const char *Kind, NTSIM_SITE Site);
BOOLEAN KiLockReleased(PVOID Lock);
BOOLEAN KiLockHeldByCurrent(PVOID Lock);
/* A callback (dispatch routine, DPC, ISR, work item) of Driver returned: no lock of its may be held. */
void KiCheckLocksAtReturn(PDRIVER_OBJECT Driver, const char *What, NTSIM_SITE Site);
void KiCheckLocksAcquiredSince(PDRIVER_OBJECT Driver, const char *What, NTSIM_SITE Site, ULONG Since);
void KiForgetLockOrder(PDRIVER_OBJECT Driver);
void KiResetLockOrder(void);

/* watchdog.c: rule TM-01 (docs/watchdog.md). Safe points test KiWatchdogPending (set
 * by the wall-clock watchdog thread or ntsim_interrupt); the clock tests the deadline. */
typedef struct _KI_DISPATCH_RUN {
    PVOID Routine;                 /* the DPC routine or ISR running, NULL at passive level */
    BOOLEAN Isr;
    hw_time_t Since;
} KI_DISPATCH_RUN;
extern ntsim_watchdog KiWatchdogConfig;
extern NTSIM_HIDDEN int KiWatchdogPending;
extern NTSIM_HIDDEN uint64_t KiWatchdogProgress;
extern NTSIM_HIDDEN hw_time_t KiWatchdogDeadline;
extern KI_DISPATCH_RUN KiDispatchRun;
extern BOOLEAN KiIdling;
extern NTSIM_SITE KiWatchdogSite;
void KiWatchdogStart(void);
void KiWatchdogStop(void);
void KiWarmWatchdogThread(void); /* a process about to fork workers (NtsimPrepareWorkerTemplate) */
void KiWatchdogImagesChanged(void);
void KiWatchdogSetHolder(void);
void KiWatchdogHostCallBegin(void);
void KiWatchdogHostCallEnd(void);
void KiWatchdogExtendBudget(hw_time_t Deadline);
void KiWatchdogSetDispatch(const KI_DISPATCH_RUN *Run);
void KiWatchdogSafePoint(NTSIM_SITE Site);
void KiWatchdogReportSignal(void *Pc);
void KiWatchdogTimeSlow(void);
void KiWatchdogDpcFlood(PVOID Routine, NTSIM_SITE QueuedAt, uint64_t Count);
static inline BOOLEAN KiWatchdogFlagged(void) { return __atomic_load_n(&KiWatchdogPending, __ATOMIC_RELAXED) != 0; }
/* Virtual time moved: progress for the wall-clock watchdog, and maybe a budget is up. */
static inline void KiWatchdogTimeMoved(void)
{
    __atomic_store_n(&KiWatchdogProgress, KiWatchdogProgress + 1, __ATOMIC_RELAXED);
    if (__builtin_expect(KiNow() > KiWatchdogDeadline || KiWatchdogFlagged(), 0))
        KiWatchdogTimeSlow();
}
static inline KI_DISPATCH_RUN KiWatchdogEnterDispatch(PVOID Routine, BOOLEAN Isr)
{
    KI_DISPATCH_RUN Saved = KiDispatchRun, Run = { Routine, Isr, KiNow() };
    KiWatchdogSetDispatch(&Run);
    return Saved;
}
/* bugcheck.c: for the watchdog's signal handler */
BOOLEAN KiInHostFrame(void);
void *KiContextPc(void *Context);
DECLSPEC_NORETURN void KiUnwindFromSignal(int Signal, void *Pc, void *Address);
/* sched.c: the host layer's last word before a hang is declared (a lost host request). */
extern BOOLEAN (*KiNothingCanRunHook)(void);
void KiAbortWait(KI_THREAD *Thread, NTSTATUS Status);
ULONG KiLiveThreads(void);

/* A driver's image is about to go away: cancel its timers, DPCs, work items, threads. */
void KiDriverUnloading(PDRIVER_OBJECT Driver, PLIST_ENTRY Resources);
void KiRegisterResourceKinds(void); /* reclaim.c: timers, DPCs, threads for the leak audit */
/* context.c: the mode of the request being served (ExGetPreviousMode), set by the I/O manager */
KPROCESSOR_MODE KiPreviousMode(void);
KPROCESSOR_MODE KiSetPreviousMode(KPROCESSOR_MODE Mode);

/* sim/mm: memory made inaccessible on purpose (RegistryPath after DriverEntry). */
BOOLEAN MiDescribePoisonedAddress(const void *Address, char *Buffer, size_t Size);
/* sim/mm/userbuf.c: faults on protected user buffers (UM-01), from the signal handler */
#define MI_FAULT_NOT_OURS 0
#define MI_FAULT_RESUME 1
#define MI_FAULT_RAISE 2
int MiHandleUserFault(void *Address, void *Pc);
BOOLEAN KiSehActive(void); /* seh.c */
void KdpResetOutput(void); /* debug.c */
void MiFlushUserFindings(void);
extern NTSIM_HIDDEN volatile unsigned MiPendingCount;
#endif
