/* watchdog.c - rule TM-01: nothing a driver does can hang a host call.
 *
 * Three budgets bound every host call that runs simulated code:
 *  - virtual time (deterministic): a host call may run budget_ns past its own deadline
 *    (run_for, request_wait) or past its start; one DPC or ISR may run dpc_ns; DPCs run
 *    back to back without the queue emptying at most dpc_count times. Checked where
 *    time moves (KiAdvanceTime) and in the DPC loop, so the report is the same every run.
 *  - wall clock: code that spins without moving virtual time (`for (;;);`, polling a
 *    variable) is caught by a watchdog thread. It samples a per-call sequence number
 *    and a progress counter, so a host call costs two stores and no system call. When
 *    neither moved for wall_ms it raises KiWatchdogPending, which the next safe point
 *    (every DDI entry, every clock step) turns into a bug check at the driver's line;
 *    and it interrupts the thread holding the simulated CPU with a signal. If that
 *    thread is in driver code the handler unwinds at once (siglongjmp to the host frame,
 *    as for a fault) and the report names the spinning line from the program counter;
 *    inside the simulator it waits for the safe point, and unwinds anyway one quarter
 *    period later.
 *  - interrupt storms are counted by the HAL (sim/hal/pic.c, IopInterruptStorm).
 * A passive-level overrun is a hang report (NTSIM_HANG, rule TM-01); a DPC or ISR that
 * overruns is Driver Verifier's DPC_WATCHDOG_VIOLATION (0x133). ntsim_interrupt (for
 * SIGINT/SIGTERM handlers) uses the same path and ends in 0xE2. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <link.h>
#endif

#define KI_WATCHDOG_SIGNAL SIGVTALRM
#define KI_WATCHDOG_TICK_MS 25u
#define KI_WATCHDOG_STACK (256 * 1024)
#define KI_BUGCHECK_HANG 0x4E544801u
#define KI_DPC_WATCHDOG 0x133u
#define KI_TICK_NS 15625000ull /* the 15.625 ms clock tick 0x133 counts in */
#define KI_CUMULATIVE_TICKS 0x1E00u

static const ntsim_watchdog KiWatchdogDefaults = {
    .wall_ms = 5000, .budget_ns = HW_S(300), .dpc_ns = HW_S(20), .dpc_count = 100000, .storm_count = 10000,
};
ntsim_watchdog KiWatchdogConfig;

/* shared with the watchdog thread and the signal handler (atomics) */
static uint64_t KiHostCallSeq, KiFireSeq;
static int KiHostCallActive, KiForce, KiInterruptSignal, KiInterruptedSignal;
int KiWatchdogPending;
uint64_t KiWatchdogProgress;
static pthread_t KiCpuHolder;
static int KiWatchdogThreadUp;
/* A forked run (a sweep child) stops when the process that forked it is gone. */
static int KiForkedChild;
static pid_t KiParentPid;
static uint64_t KiWallMs; /* the thread's copy of KiWatchdogConfig.wall_ms */

/* simulator-thread state */
hw_time_t KiWatchdogDeadline = HW_TIME_NEVER;
static hw_time_t KiBudgetDeadline = HW_TIME_NEVER;
static BOOLEAN KiBudgetArmed = TRUE; /* FALSE: KiBudgetDeadline holds the host call's start */
KI_DISPATCH_RUN KiDispatchRun;
BOOLEAN KiIdling;
NTSIM_SITE KiWatchdogSite;
static struct sigaction KiPreviousWatchdogAction;
static BOOLEAN KiWatchdogHandlerInstalled;

/* the simulator's own code, where an unwind could leave its state half-updated */
static uintptr_t KiSimText[8][2];
static unsigned KiSimTextCount;

#define KI_LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define KI_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* ---- configuration ---- */

static uint64_t KiEnvNumber(const char *Name, uint64_t Default)
{
    const char *Text = getenv(Name);
    if (Text == NULL || *Text == 0)
        return Default;
    char *End;
    errno = 0;
    unsigned long long Value = strtoull(Text, &End, 0);
    if (*End || errno || *Text == '-') {
        fprintf(stderr, "ntsim: %s='%s' is not a number; using %llu\n", Name, Text, (unsigned long long)Default);
        return Default;
    }
    return Value;
}

static void KiRecomputeDeadline(void)
{
    hw_time_t Deadline = KiBudgetDeadline;
    if (KiDispatchRun.Routine && KiWatchdogConfig.dpc_ns) {
        hw_time_t Dispatch = KiDispatchRun.Since + KiWatchdogConfig.dpc_ns;
        if (Dispatch < Deadline)
            Deadline = Dispatch;
    }
    KiWatchdogDeadline = Deadline;
}

void ntsim_watchdog_get(ntsim_watchdog *Out)
{
    if (Out)
        *Out = KiWatchdogConfig;
}

void ntsim_watchdog_set(const ntsim_watchdog *Watchdog)
{
    KiWatchdogConfig = Watchdog ? *Watchdog : KiWatchdogDefaults;
    KI_STORE(KiWallMs, KiWatchdogConfig.wall_ms);
    KiRecomputeDeadline();
}

void ntsim_interrupt(int Signal)
{
    KI_STORE(KiInterruptSignal, Signal ? Signal : SIGINT);
    KI_STORE(KiFireSeq, KI_LOAD(KiHostCallSeq));
    KI_STORE(KiWatchdogPending, 1);
}

int ntsim_interrupted(void)
{
    return KI_LOAD(KiInterruptedSignal);
}

/* ---- the synchronous fallback: driver text made non-executable ----
 *
 * A signal can be held back from the spinning thread: ThreadSanitizer delivers an
 * asynchronous signal only when the thread next enters an intercepted routine, which a
 * loop that calls nothing never does; a host may block SIGVTALRM. The second stage then
 * also takes execute permission from the loaded drivers' code pages: the spinning thread
 * faults on its next instruction (a synchronous fault, delivered at once), and the fault
 * handler gives the pages back and unwinds as the signal would have. Linux only (the
 * driver images are found with dl_iterate_phdr). */
#define KI_MAX_REVOKED 64
static uintptr_t KiRevoked[KI_MAX_REVOKED][2];
static unsigned KiRevokedCount;
/* 0 none, 1 the watchdog thread is revoking, 2 revoked, 3 being given back: the ranges
 * belong to whoever moved the state to 1 or 3. */
enum { KI_TEXT_NORMAL, KI_TEXT_REVOKING, KI_TEXT_REVOKED, KI_TEXT_RESTORING };
static int KiTextRevoked;
/* The driver images' text as the loading thread last found it (KiWatchdogImagesChanged):
 * the watchdog thread only copies it. Walking the loaded objects from the watchdog
 * thread itself raced with dlopen as ThreadSanitizer sees it (ld.so's own lock is
 * invisible to it), and the loading thread is the one that knows when the list changed. */
static uintptr_t KiDriverText[KI_MAX_REVOKED][2];
static unsigned KiDriverTextCount;
static int KiDriverTextBusy; /* a spin flag: held for one walk, never across driver code */

#if defined(__linux__)
static BOOLEAN KiIsDriverImage(const char *Name)
{
    size_t Length = Name ? strlen(Name) : 0;
    return Length > 4 && strcmp(Name + Length - 4, ".sys") == 0;
}

/* The pages of each driver image's executable segments, less any page another segment
 * of the image shares (it keeps its rights). */
static int KiCollectDriverText(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size, (void)Data;
    if (!KiIsDriverImage(Info->dlpi_name))
        return 0;
    uintptr_t Page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (int i = 0; i < Info->dlpi_phnum && KiDriverTextCount < KI_MAX_REVOKED; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        if (P->p_type != PT_LOAD || !(P->p_flags & PF_X) || (P->p_flags & PF_W))
            continue;
        uintptr_t Start = (Info->dlpi_addr + P->p_vaddr) & ~(Page - 1);
        uintptr_t End = (Info->dlpi_addr + P->p_vaddr + P->p_memsz + Page - 1) & ~(Page - 1);
        for (int k = 0; k < Info->dlpi_phnum; k++) {
            const ElfW(Phdr) *Q = &Info->dlpi_phdr[k];
            uintptr_t QStart = Info->dlpi_addr + Q->p_vaddr, QEnd = QStart + Q->p_memsz;
            if (k == i || Q->p_type != PT_LOAD || QEnd <= Start || QStart >= End)
                continue;
            if (QStart <= Info->dlpi_addr + P->p_vaddr)
                Start = (QEnd + Page - 1) & ~(Page - 1); /* shares our first page(s) */
            else
                End = QStart & ~(Page - 1);              /* shares our last page */
        }
        if (Start < End) {
            KiDriverText[KiDriverTextCount][0] = Start;
            KiDriverText[KiDriverTextCount][1] = End;
            KiDriverTextCount++;
        }
    }
    return 0;
}
#endif

/* The loader, on its own thread, after each dlopen or dlclose of a driver image. */
void KiWatchdogImagesChanged(void)
{
#if defined(__linux__)
    while (__atomic_exchange_n(&KiDriverTextBusy, 1, __ATOMIC_ACQUIRE))
        ; /* the watchdog thread is copying: a few dozen words */
    KiDriverTextCount = 0;
    dl_iterate_phdr(KiCollectDriverText, NULL);
    __atomic_store_n(&KiDriverTextBusy, 0, __ATOMIC_RELEASE);
#endif
}

static void KiRevokeDriverText(void)
{
#if defined(__linux__)
    int Normal = KI_TEXT_NORMAL;
    if (__atomic_exchange_n(&KiDriverTextBusy, 1, __ATOMIC_ACQUIRE))
        return; /* the loader is walking: the forced signal stage still comes */
    if (!__atomic_compare_exchange_n(&KiTextRevoked, &Normal, KI_TEXT_REVOKING, FALSE, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED)) {
        __atomic_store_n(&KiDriverTextBusy, 0, __ATOMIC_RELEASE);
        return;
    }
    memcpy(KiRevoked, KiDriverText, sizeof(KiRevoked));
    KiRevokedCount = KiDriverTextCount;
    __atomic_store_n(&KiDriverTextBusy, 0, __ATOMIC_RELEASE);
    for (unsigned i = 0; i < KiRevokedCount; i++)
        mprotect((void *)KiRevoked[i][0], KiRevoked[i][1] - KiRevoked[i][0], PROT_READ);
    __atomic_store_n(&KiTextRevoked, KI_TEXT_REVOKED, __ATOMIC_RELEASE);
#endif
}

/* Async-signal-safe: from the fault handler, and when a host call ends. */
static void KiRestoreDriverText(void)
{
    int State;
    while ((State = __atomic_load_n(&KiTextRevoked, __ATOMIC_ACQUIRE)) == KI_TEXT_REVOKING)
        ; /* the watchdog thread is at it: a few system calls */
    if (State != KI_TEXT_REVOKED ||
        !__atomic_compare_exchange_n(&KiTextRevoked, &State, KI_TEXT_RESTORING, FALSE, __ATOMIC_ACQUIRE,
                                     __ATOMIC_RELAXED))
        return;
    for (unsigned i = 0; i < KiRevokedCount; i++)
        mprotect((void *)KiRevoked[i][0], KiRevoked[i][1] - KiRevoked[i][0], PROT_READ | PROT_EXEC);
    __atomic_store_n(&KiTextRevoked, KI_TEXT_NORMAL, __ATOMIC_RELEASE);
}

/* From the fault handler (ke/bugcheck.c): a fault on revoked driver text? The pages come
 * back; when the watchdog fired for this host call the thread unwinds from here, as a
 * delivered watchdog signal would (no return), else the access runs again. */
BOOLEAN KiWatchdogTextFault(const void *Address, void *Pc)
{
    int State;
    while ((State = __atomic_load_n(&KiTextRevoked, __ATOMIC_ACQUIRE)) == KI_TEXT_REVOKING ||
           State == KI_TEXT_RESTORING)
        ; /* the ranges are being written: wait for them */
    if (State != KI_TEXT_REVOKED)
        return FALSE;
    BOOLEAN Ours = FALSE;
    for (unsigned i = 0; i < KiRevokedCount; i++)
        if ((uintptr_t)Address >= KiRevoked[i][0] && (uintptr_t)Address < KiRevoked[i][1])
            Ours = TRUE;
    if (!Ours)
        return FALSE;
    KiRestoreDriverText();
    if (KiInHostFrame() && !KiMachineCrashed() && KI_LOAD(KiHostCallActive) &&
        KI_LOAD(KiFireSeq) == KI_LOAD(KiHostCallSeq))
        KiUnwindFromSignal(KI_WATCHDOG_SIGNAL, Pc, NULL);
    return TRUE;
}

/* ---- the watchdog thread ---- */

static void KiSignalHolder(int Force)
{
    KI_STORE(KiForce, Force);
    pthread_t Holder;
    __atomic_load(&KiCpuHolder, &Holder, __ATOMIC_RELAXED);
    pthread_kill(Holder, KI_WATCHDOG_SIGNAL);
}

static void *KiWatchdogMain(void *Argument)
{
    (void)Argument;
    uint64_t LastSeq = 0, LastProgress = 0;
    unsigned Idle = 0, Stage = 0; /* ticks without progress; 0 quiet, 1 pending, 2 forced */
    struct timespec Tick = { 0, KI_WATCHDOG_TICK_MS * 1000000L };
    for (;;) {
        nanosleep(&Tick, NULL); /* ticks, not a clock: a process stopped in a debugger does not fire */
        pid_t Parent = KI_LOAD(KiParentPid);
        if (Parent && getppid() != Parent && !KI_LOAD(KiInterruptSignal))
            ntsim_interrupt(SIGHUP); /* the sweep that forked this run was stopped */
        uint64_t Seq = KI_LOAD(KiHostCallSeq), Progress = KI_LOAD(KiWatchdogProgress);
        if (!KI_LOAD(KiHostCallActive) || Seq != LastSeq || Progress != LastProgress) {
            LastSeq = Seq;
            LastProgress = Progress;
            Idle = Stage = 0;
            continue;
        }
        Idle++;
        uint64_t Wall = KI_LOAD(KiWallMs);
        BOOLEAN Interrupted = KI_LOAD(KiInterruptSignal) != 0;
        if (Stage == 0 && ((Wall && Idle * KI_WATCHDOG_TICK_MS >= Wall) || (Interrupted && Idle >= 2))) {
            KI_STORE(KiFireSeq, Seq);
            KI_STORE(KiWatchdogPending, 1);
            KiSignalHolder(0);
            Stage = 1;
            Idle = 0;
        } else if (Stage == 1 && Idle * KI_WATCHDOG_TICK_MS >= (Interrupted ? 100u : Wall / 4 + 100u)) {
            KiRevokeDriverText(); /* the signal may be held back (TSan, a host's mask) */
            Stage = 2;
            Idle = 0;
        } else if (Stage >= 2 && Idle * KI_WATCHDOG_TICK_MS >= (Interrupted ? 100u : Wall / 4 + 100u)) {
            KiSignalHolder(1); /* no safe point came: unwind wherever the thread is */
            Stage = 3;
            Idle = 0;
        }
    }
    return NULL;
}

static void KiWatchdogForked(void)
{
    KiWatchdogThreadUp = 0; /* threads do not survive fork: the child starts its own */
    KiHostCallActive = 0;
    KiForkedChild = 1;
    KiDriverTextBusy = 0; /* the watchdog thread that may have held it is gone */
}

/* At load time, so that a process which forks before it ever creates a machine (the
 * fault sweep) still marks its children. */
__attribute__((constructor)) static void KiWatchdogRegisterFork(void)
{
    pthread_atfork(NULL, NULL, KiWatchdogForked);
}

#if defined(__linux__)
/* ThreadSanitizer's runtime counts as the simulator's own code: a signal it held back
 * arrives inside it (with the context of that moment), where no report should be made. */
static int KiFindSanitizerText(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size, (void)Data;
    if (Info->dlpi_name == NULL || strstr(Info->dlpi_name, "libtsan") == NULL)
        return 0;
    for (int k = 0; k < Info->dlpi_phnum && KiSimTextCount < RTL_NUMBER_OF(KiSimText); k++) {
        const ElfW(Phdr) *Q = &Info->dlpi_phdr[k];
        if (Q->p_type == PT_LOAD && (Q->p_flags & PF_X)) {
            KiSimText[KiSimTextCount][0] = Info->dlpi_addr + Q->p_vaddr;
            KiSimText[KiSimTextCount][1] = Info->dlpi_addr + Q->p_vaddr + Q->p_memsz;
            KiSimTextCount++;
        }
    }
    return 0;
}

static int KiFindSimText(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size;
    uintptr_t Self = (uintptr_t)Data;
    for (int i = 0; i < Info->dlpi_phnum; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        uintptr_t Start = Info->dlpi_addr + P->p_vaddr;
        if (P->p_type == PT_LOAD && Self >= Start && Self < Start + P->p_memsz) {
            for (int k = 0; k < Info->dlpi_phnum && KiSimTextCount < RTL_NUMBER_OF(KiSimText); k++) {
                const ElfW(Phdr) *Q = &Info->dlpi_phdr[k];
                if (Q->p_type == PT_LOAD && (Q->p_flags & PF_X)) {
                    KiSimText[KiSimTextCount][0] = Info->dlpi_addr + Q->p_vaddr;
                    KiSimText[KiSimTextCount][1] = Info->dlpi_addr + Q->p_vaddr + Q->p_memsz;
                    KiSimTextCount++;
                }
            }
            return 1;
        }
    }
    return 0;
}
#endif

/* The simulator's code ranges, once per process (a process that forks workers finds
 * them before forking: KiWarmWatchdogThread). */
static void KiFindSimulatorText(void)
{
#if defined(__linux__)
    if (KiSimTextCount == 0) {
        dl_iterate_phdr(KiFindSimText, (void *)(uintptr_t)&KiWatchdogStart);
        dl_iterate_phdr(KiFindSanitizerText, NULL);
    }
#endif
}

/* Inside the simulator (or where it cannot tell, e.g. macOS): wait for a safe point. */
static BOOLEAN KiPcInSimulator(void *Pc)
{
    if (KiSimTextCount == 0 || Pc == NULL)
        return TRUE;
    for (unsigned i = 0; i < KiSimTextCount; i++)
        if ((uintptr_t)Pc >= KiSimText[i][0] && (uintptr_t)Pc < KiSimText[i][1])
            return TRUE;
    return FALSE;
}

static void KiWatchdogSignal(int Signal, siginfo_t *Info, void *Context)
{
    int SavedErrno = errno;
    pthread_t Holder;
    __atomic_load(&KiCpuHolder, &Holder, __ATOMIC_RELAXED);
    if (KiInHostFrame() && !KiMachineCrashed() && KI_LOAD(KiHostCallActive) &&
        KI_LOAD(KiFireSeq) == KI_LOAD(KiHostCallSeq) && pthread_equal(Holder, pthread_self())) {
        void *Pc = KiContextPc(Context);
        if (KI_LOAD(KiForce) || !KiPcInSimulator(Pc))
            KiUnwindFromSignal(Signal, Pc, NULL);
    } else if (!KI_LOAD(KiHostCallActive)) {
        /* not a host call of ours: the signal may be the host program's own timer */
        struct sigaction *Previous = &KiPreviousWatchdogAction;
        if ((Previous->sa_flags & SA_SIGINFO) && Previous->sa_sigaction)
            Previous->sa_sigaction(Signal, Info, Context);
        else if (!(Previous->sa_flags & SA_SIGINFO) && Previous->sa_handler != SIG_DFL &&
                 Previous->sa_handler != SIG_IGN)
            Previous->sa_handler(Signal);
    }
    errno = SavedErrno;
}

void KiWatchdogStart(void)
{
    KiWatchdogConfig = KiWatchdogDefaults;
    KiWatchdogConfig.wall_ms = KiEnvNumber("NTSIM_WATCHDOG_MS", KiWatchdogDefaults.wall_ms);
    uint64_t BudgetMs = KiEnvNumber("NTSIM_BUDGET_MS", KiWatchdogDefaults.budget_ns / 1000000u);
    KiWatchdogConfig.budget_ns = BudgetMs > UINT64_MAX / 1000000u ? UINT64_MAX : BudgetMs * 1000000u;
    KiBudgetDeadline = HW_TIME_NEVER;
    KiBudgetArmed = TRUE;
    memset(&KiDispatchRun, 0, sizeof(KiDispatchRun));
    KiIdling = FALSE;
    KiWatchdogSite = KiNoSite;
    KI_STORE(KiWatchdogPending, 0);
    KI_STORE(KiInterruptSignal, 0);
    KI_STORE(KiInterruptedSignal, 0);
    KiRecomputeDeadline();
    KiWatchdogSetHolder();
    KiFindSimulatorText();
    if (!KiWatchdogHandlerInstalled) {
        struct sigaction Action;
        memset(&Action, 0, sizeof(Action));
        Action.sa_sigaction = KiWatchdogSignal;
        Action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESTART;
        sigemptyset(&Action.sa_mask);
        sigaction(KI_WATCHDOG_SIGNAL, &Action, &KiPreviousWatchdogAction);
        KiWatchdogHandlerInstalled = TRUE;
    }
    KI_STORE(KiParentPid, KiForkedChild ? getppid() : 0);
    KI_STORE(KiWallMs, KiWatchdogConfig.wall_ms);
    if (!KiWatchdogThreadUp) {
        pthread_t Thread;
        pthread_attr_t Attributes;
        pthread_attr_init(&Attributes);
        pthread_attr_setdetachstate(&Attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&Attributes, KI_WATCHDOG_STACK);
        if (pthread_create(&Thread, &Attributes, KiWatchdogMain, NULL) == 0)
            KiWatchdogThreadUp = 1;
        else
            fprintf(stderr, "ntsim: could not start the watchdog thread; spinning driver code will not be stopped\n");
        pthread_attr_destroy(&Attributes);
    }
}

static void *KiWarmThreadMain(void *Argument)
{
    return Argument;
}

/* Threads do not survive fork: every sweep worker starts its own watchdog thread, and the
 * first thread a process ever makes costs about twice a later one (the C library sets up
 * its thread machinery then, and maps a stack). A process about to fork workers makes one
 * thread of the watchdog's stack size here and joins it at once: the workers inherit the
 * machinery set up and the stack in the library's cache. No thread is left running. */
void KiWarmWatchdogThread(void)
{
    static BOOLEAN Warmed;
    if (Warmed || KiWatchdogThreadUp)
        return;
    Warmed = TRUE;
    KiFindSimulatorText();
    pthread_t Thread;
    pthread_attr_t Attributes;
    pthread_attr_init(&Attributes);
    pthread_attr_setstacksize(&Attributes, KI_WATCHDOG_STACK);
    if (pthread_create(&Thread, &Attributes, KiWarmThreadMain, NULL) == 0)
        pthread_join(Thread, NULL);
    pthread_attr_destroy(&Attributes);
}

/* The handler stays installed for the life of the process: a signal the watchdog
 * thread sent just as the machine went away must not meet SIGVTALRM's default action
 * (it ends the process). Outside host calls it chains to the host's handler. */
void KiWatchdogStop(void)
{
    KI_STORE(KiHostCallActive, 0);
}

void KiWatchdogSetHolder(void)
{
    pthread_t Self = pthread_self();
    __atomic_store(&KiCpuHolder, &Self, __ATOMIC_RELAXED);
}

/* ---- host calls ---- */

static hw_time_t KiAddSaturating(hw_time_t A, uint64_t B)
{
    return B >= HW_TIME_NEVER - A ? HW_TIME_NEVER : A + B;
}

/* The budget is armed lazily: most host calls (an IRP round trip) never move virtual
 * time, so the call only records its start and makes the deadline "now"; the first
 * time step past it takes the slow path, which arms the real deadline (KiArmBudget). */
static void KiArmBudget(void)
{
    KiBudgetArmed = TRUE;
    KiBudgetDeadline = KiWatchdogConfig.budget_ns ? KiAddSaturating(KiBudgetDeadline, KiWatchdogConfig.budget_ns)
                                                  : HW_TIME_NEVER;
    KiRecomputeDeadline();
}

void KiWatchdogHostCallBegin(void)
{
    uint64_t Seq = KiHostCallSeq + 1;
    KI_STORE(KiHostCallSeq, Seq);
    KI_STORE(KiHostCallActive, 1);
    KiBudgetArmed = FALSE;
    KiBudgetDeadline = KiWatchdogDeadline = KiNow(); /* the start; armed at the first step */
    if (__builtin_expect(KI_LOAD(KiInterruptSignal) != 0, 0)) {
        KI_STORE(KiFireSeq, Seq);
        KI_STORE(KiWatchdogPending, 1);
    }
}

void KiWatchdogHostCallEnd(void)
{
    KI_STORE(KiHostCallActive, 0);
    if (__builtin_expect(KI_LOAD(KiTextRevoked) != 0, 0))
        KiRestoreDriverText();
}

/* A host call with a deadline of its own (run_for, request_wait): the budget counts from it. */
void KiWatchdogExtendBudget(hw_time_t Deadline)
{
    if (!KiBudgetArmed)
        KiArmBudget();
    if (KiWatchdogConfig.budget_ns == 0)
        KiBudgetDeadline = HW_TIME_NEVER;
    else if (Deadline != HW_TIME_NEVER)
        KiBudgetDeadline = KiAddSaturating(Deadline, KiWatchdogConfig.budget_ns);
    KiRecomputeDeadline();
}

void KiWatchdogSetDispatch(const KI_DISPATCH_RUN *Run)
{
    KiDispatchRun = *Run;
    KiRecomputeDeadline();
}

/* ---- reports ---- */

static const char *KiDispatchKind(void)
{
    return KiDispatchRun.Isr ? "ISR" : "DPC routine";
}

static void KiDescribeRoutine(char *Buffer, size_t Size)
{
    char Where[512];
    KiDescribeCode(KiDispatchRun.Routine, Where, sizeof(Where));
    snprintf(Buffer, Size, "the %s %s", KiDispatchKind(), Where);
}

/* The report and the stop. Pc (the spinning instruction) names the line when no DDI
 * site is known. Unwind: FALSE when the caller has already unwound (signal path). */
static void KiWatchdogRaise(NTSIM_SITE Site, void *Pc, const char *What, ULONG Kind, uint64_t ElapsedNs,
                            uint64_t LimitNs, BOOLEAN Unwind)
{
    char Where[768] = "";
    if (Pc) {
        char Code[640];
        KiDescribeCode(Pc, Code, sizeof(Code));
        snprintf(Where, sizeof(Where), "; spinning at %s", Code);
        if (Site.File == NULL)
            Site = KiSiteOfCode(Pc);
    }
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    char *Text;
    if (KiDispatchRun.Routine && Kind != 3) {
        char Routine[640];
        KiDescribeRoutine(Routine, sizeof(Routine));
        if (Site.File == NULL)
            Site = KiSiteOfCode(KiDispatchRun.Routine);
        ULONG P1 = Kind == 4 ? 1 : 0;
        Text = KiHostPrintf("DPC_WATCHDOG_VIOLATION: %s %s%s", Routine, What, Where);
        VfReport("TM-01", NTSIM_SEV_ERROR, Driver, Site, "%s", Text);
        KiBugCheckNoUnwind(KI_DPC_WATCHDOG, P1, P1 ? KI_CUMULATIVE_TICKS : ElapsedNs / KI_TICK_NS,
                           P1 ? 0 : LimitNs / KI_TICK_NS, 0, Site, Text);
    } else {
        char *Threads = KiHostAlloc(8192);
        KiDescribeThreads(Threads, 8192);
        Text = KiHostPrintf("HANG: %s%s (virtual time %llu ns, seed %llu); threads:\n%s", What, Where,
                            (unsigned long long)KiNow(), (unsigned long long)KiSeed(), Threads);
        free(Threads);
        VfReport("TM-01", NTSIM_SEV_ERROR, Driver, Site, "%s", Text);
        KiBugCheckNoUnwind(KI_BUGCHECK_HANG, KiThreadCount, (ULONG_PTR)KiNow(), Kind, 0, Site, Text);
    }
    free(Text);
    if (Unwind)
        KiUnwindCurrent(1);
}

static void KiRaiseInterrupted(NTSIM_SITE Site, BOOLEAN Unwind)
{
    int Signal = KI_LOAD(KiInterruptSignal);
    KI_STORE(KiInterruptedSignal, Signal);
    char *Text = KiHostPrintf("the run was stopped by signal %d (%s) sent to the simulator", Signal,
                              Signal == SIGINT ? "SIGINT" : Signal == SIGTERM ? "SIGTERM" :
                              Signal == SIGHUP ? "SIGHUP, or the process that forked this run ended" : "a signal");
    KiBugCheckNoUnwind(0xE2, (ULONG_PTR)Signal, 0, 0, 0, Site, Text);
    free(Text);
    if (Unwind)
        KiUnwindCurrent(1);
}

static void KiRaiseWallClock(NTSIM_SITE Site, void *Pc, BOOLEAN Unwind)
{
    uint64_t Wall = KiWatchdogConfig.wall_ms;
    char What[256];
    if (KiDispatchRun.Routine)
        snprintf(What, sizeof(What), "ran for %llu ms of wall-clock time without returning while virtual time "
                 "stood still", (unsigned long long)Wall);
    else
        snprintf(What, sizeof(What), "passive-level code ran for %llu ms of wall-clock time without blocking "
                 "while virtual time stood still (a busy loop)", (unsigned long long)Wall);
    KiWatchdogRaise(Site, Pc, What, 1, Wall * 1000000u, Wall * 1000000u, Unwind);
}

/* A safe point saw KiWatchdogPending (the DDI's site names the driver line). */
void KiWatchdogSafePoint(NTSIM_SITE Site)
{
    if (!KI_LOAD(KiWatchdogPending))
        return;
    KI_STORE(KiWatchdogPending, 0);
    if (KiMachineCrashed() || !KI_LOAD(KiHostCallActive) || KI_LOAD(KiFireSeq) != KI_LOAD(KiHostCallSeq))
        return; /* meant for a host call that has ended */
    if (KI_LOAD(KiInterruptSignal))
        KiRaiseInterrupted(Site, TRUE);
    KiRaiseWallClock(Site, NULL, TRUE);
}

/* After a watchdog signal unwound to the host frame (KiLeaveHost). */
void KiWatchdogReportSignal(void *Pc)
{
    KI_STORE(KiWatchdogPending, 0);
    if (KI_LOAD(KiInterruptSignal))
        KiRaiseInterrupted(KiNoSite, FALSE);
    else
        KiRaiseWallClock(KiNoSite, Pc, FALSE);
}

/* Virtual time passed KiWatchdogDeadline (or a flag is up): which budget ran out. */
void KiWatchdogTimeSlow(void)
{
    if (KiMachineCrashed())
        return;
    if (!KiBudgetArmed)
        KiArmBudget();
    if (KI_LOAD(KiWatchdogPending))
        KiWatchdogSafePoint(KiWatchdogSite);
    hw_time_t Now = KiNow();
    NTSIM_SITE Site = KiWatchdogSite;
    if (KiDispatchRun.Routine && KiWatchdogConfig.dpc_ns && Now - KiDispatchRun.Since > KiWatchdogConfig.dpc_ns) {
        char What[200];
        snprintf(What, sizeof(What), "ran for %.3f s of virtual time without returning (limit %.3f s)",
                 (double)(Now - KiDispatchRun.Since) / 1e9, (double)KiWatchdogConfig.dpc_ns / 1e9);
        KiWatchdogRaise(Site, NULL, What, 2, Now - KiDispatchRun.Since, KiWatchdogConfig.dpc_ns, TRUE);
    }
    if (Now <= KiBudgetDeadline)
        return;
    char What[300];
    if (KiIdling) {
        snprintf(What, sizeof(What), "the host call made no progress: what it waits for did not happen within "
                 "%.3f s of virtual time past its deadline, while only timers, DPCs and device events ran",
                 (double)KiWatchdogConfig.budget_ns / 1e9);
        KiWatchdogRaise(KiCurrentThread()->WaitSite, NULL, What, 3, 0, 0, TRUE);
    }
    snprintf(What, sizeof(What), "code ran %.3f s of virtual time past the host call's deadline without blocking "
             "(a loop that only stalls or polls)", (double)KiWatchdogConfig.budget_ns / 1e9);
    KiWatchdogRaise(Site, NULL, What, 2, 0, 0, TRUE);
}

/* A DPC queue that never empties (a DPC that requeues itself). */
void KiWatchdogDpcFlood(PVOID Routine, NTSIM_SITE QueuedAt, uint64_t Count)
{
    char What[300];
    snprintf(What, sizeof(What), "was run %llu times back to back without the DPC queue ever emptying (it requeues "
             "itself): the processor never left DISPATCH_LEVEL", (unsigned long long)Count);
    KI_DISPATCH_RUN Run = { Routine, FALSE, KiNow() };
    KiWatchdogSetDispatch(&Run);
    KiWatchdogRaise(QueuedAt, NULL, What, 4, 0, 0, TRUE);
}
