/* bugcheck.c - KeBugCheckEx and the host frames a bug check unwinds to.
 *
 * A bug check stops the simulated machine, not the host: the report is recorded
 * (code, parameters, explanation, driver line, IRQL) and control returns with
 * siglongjmp to the host API call that entered the simulator, which then fails
 * with NTSIM_E_CRASHED. A fatal signal raised by driver code (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL) inside a host frame is turned into a bug check the same way. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "ex/exp.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <signal.h>
#include <unistd.h>

NTSIM_TLS KI_HOST_FRAME *KiTopFrame; /* switched with the thread: KI_THREAD_LOCALS (kep.h) */

static struct {
    BOOLEAN Crashed;
    ntsim_bugcheck Info;
    char Name[64];
    char *Explanation;
    char Site[1024];
    char Driver[128];
    KI_CRASH_STACK Stack; /* for the !analyze report (analyze.c), symbolized only when printed */
} KiCrash;

/* A fault's stack is taken in the signal handler, before siglongjmp reuses it. */
static KI_CRASH_STACK KiSignalStack;
static volatile sig_atomic_t KiSignalStackValid;

/* Filled by the signal handler, turned into a report after the jump. */
static volatile sig_atomic_t KiSignalPending;
static volatile int KiSignalNumber;
static void *volatile KiSignalAddress;
static void *volatile KiSignalPc;

static const struct { ULONG Code; const char *Name; } KiBugCheckNames[] = {
    { 0x01, "APC_INDEX_MISMATCH" },
    { 0x07, "INVALID_SOFTWARE_INTERRUPT" },
    { 0x09, "IRQL_NOT_GREATER_OR_EQUAL" },
    { 0x0A, "IRQL_NOT_LESS_OR_EQUAL" },
    { 0x0C, "MAXIMUM_WAIT_OBJECTS_EXCEEDED" },
    { 0x18, "REFERENCE_BY_POINTER" },
    { 0x19, "BAD_POOL_HEADER" },
    { 0x1E, "KMODE_EXCEPTION_NOT_HANDLED" },
    { 0x35, "NO_MORE_IRP_STACK_LOCATIONS" },
    { 0x44, "MULTIPLE_IRP_COMPLETE_REQUESTS" },
    { 0x50, "PAGE_FAULT_IN_NONPAGED_AREA" },
    { 0x76, "PROCESS_HAS_LOCKED_PAGES" },
    { 0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED" },
    { 0x7F, "UNEXPECTED_KERNEL_MODE_TRAP" },
    { 0x93, "INVALID_KERNEL_HANDLE" },
    { 0x9F, "DRIVER_POWER_STATE_FAILURE" },
    { 0xC1, "SPECIAL_POOL_DETECTED_MEMORY_CORRUPTION" },
    { 0xC2, "BAD_POOL_CALLER" },
    { 0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION" },
    { 0xC5, "DRIVER_CORRUPTED_EXPOOL" },
    { 0xC6, "DRIVER_CAUGHT_MODIFYING_FREED_POOL" },
    { 0xC7, "TIMER_OR_DPC_INVALID" },
    { 0xC8, "IRQL_UNEXPECTED_VALUE" },
    { 0xC9, "DRIVER_VERIFIER_IOMANAGER_VIOLATION" },
    { 0xCA, "PNP_DETECTED_FATAL_ERROR" },
    { 0xCB, "DRIVER_LEFT_LOCKED_PAGES_IN_PROCESS" },
    { 0xCD, "PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
    { 0xCE, "DRIVER_UNLOADED_WITHOUT_CANCELLING_PENDING_OPERATIONS" },
    { 0xD1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL" },
    { 0xD5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL" },
    { 0xD6, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
    { 0xE1, "WORKER_THREAD_RETURNED_AT_BAD_IRQL" },
    { 0xE2, "MANUALLY_INITIATED_CRASH" },
    { 0xE3, "RESOURCE_NOT_OWNED" },
    { 0xE4, "WORKER_INVALID" },
    { 0xE6, "DRIVER_VERIFIER_DMA_VIOLATION" },
    { 0xF2, "HARDWARE_INTERRUPT_STORM" },
    { 0x133, "DPC_WATCHDOG_VIOLATION" },
    { 0x4E544801, "NTSIM_HANG" }, /* ntsim's own: every thread blocked, nothing can wake one */
};

const char *KiBugCheckName(ULONG Code)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(KiBugCheckNames); i++)
        if (KiBugCheckNames[i].Code == Code)
            return KiBugCheckNames[i].Name;
    return "BUGCHECK";
}

BOOLEAN KiMachineCrashed(void)
{
    return KiCrash.Crashed;
}

int KiGetBugCheck(ntsim_bugcheck *Out)
{
    if (!KiCrash.Crashed)
        return 0;
    if (Out)
        *Out = KiCrash.Info;
    return 1;
}

void KiResetBugCheck(void)
{
    free(KiCrash.Explanation);
    memset(&KiCrash, 0, sizeof(KiCrash));
    KiSignalPending = 0;
    KiSignalStackValid = 0;
}

const KI_CRASH_STACK *KiCrashStack(void)
{
    return KiCrash.Crashed ? &KiCrash.Stack : NULL;
}

/* The return addresses of the calling thread (libc's backtrace(): the compiler's
 * DWARF CFI unwinder, which also steps through a signal frame). Pc: the interrupted
 * instruction when called from a fault handler. Only addresses are kept: naming them
 * is left to the report, which most runs (a sweep's) never print. */
static void KiCaptureStack(KI_CRASH_STACK *Stack, void *Pc)
{
    Stack->Count = backtrace(Stack->Frames, KI_CRASH_STACK_MAX);
    Stack->FaultPc = Pc;
}

static DECLSPEC_NORETURN void KiUnwindToHost(int Value)
{
    KI_HOST_FRAME *Frame = KiTopFrame;
    if (Frame == NULL) {
        fprintf(stderr, "ntsim: bug check 0x%X outside any host call; aborting\n", KiCrash.Info.code);
        abort();
    }
    siglongjmp(Frame->Jump, Value);
}

static void KiRecordBugCheck(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, NTSIM_SITE Site,
                             char *Explanation)
{
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    KiCrash.Crashed = TRUE;
    KiCrash.Info.code = Code;
    KiCrash.Info.params[0] = P1;
    KiCrash.Info.params[1] = P2;
    KiCrash.Info.params[2] = P3;
    KiCrash.Info.params[3] = P4;
    snprintf(KiCrash.Name, sizeof(KiCrash.Name), "%s", KiBugCheckName(Code));
    KiCrash.Info.name = KiCrash.Name;
    if (KiSeed()) { /* exploration mode: the seed reproduces the interleaving */
        char *WithSeed = KiHostPrintf("%s [scheduler seed %llu]", Explanation, (unsigned long long)KiSeed());
        free(Explanation);
        Explanation = WithSeed;
    }
    KiCrash.Explanation = Explanation;
    KiCrash.Info.explanation = Explanation;
    KiFormatSite(Site, KiCrash.Site, sizeof(KiCrash.Site));
    KiCrash.Info.site = KiCrash.Site;
    snprintf(KiCrash.Driver, sizeof(KiCrash.Driver), "%s", Driver ? VfDriverName(Driver) : "");
    KiCrash.Info.driver = KiCrash.Driver;
    KiCrash.Info.irql = KiCurrentIrql();
    if (KiSignalStackValid)
        KiCrash.Stack = KiSignalStack;
    else
        KiCaptureStack(&KiCrash.Stack, NULL);
    KiSignalStackValid = 0;
    VfReport("BUGCHECK", NTSIM_SEV_ERROR, Driver, Site, "bug check 0x%X %s (0x%llX, 0x%llX, 0x%llX, 0x%llX): %s",
             Code, KiCrash.Name, (unsigned long long)P1, (unsigned long long)P2, (unsigned long long)P3,
             (unsigned long long)P4, Explanation);
}

void KiBugCheck(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, NTSIM_SITE Site,
                const char *Format, ...)
{
    if (!KiCrash.Crashed) {
        va_list Args;
        va_start(Args, Format);
        char Buffer[1024];
        vsnprintf(Buffer, sizeof(Buffer), Format, Args);
        va_end(Args);
        KiRecordBugCheck(Code, P1, P2, P3, P4, Site, KiHostStrdup(Buffer));
    }
    KiUnwindToHost(1);
}

/* Record a stop without unwinding (the caller unwinds or hands the CPU back). */
void KiBugCheckNoUnwind(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4, NTSIM_SITE Site,
                        const char *Text)
{
    if (!KiCrash.Crashed)
        KiRecordBugCheck(Code, P1, P2, P3, P4, Site, KiHostStrdup(Text));
}

/* Unwind the calling thread to its innermost host frame (system threads: the base
 * frame of the thread; the host: the API call in progress). */
void KiUnwindCurrent(int Value)
{
    KiUnwindToHost(Value);
}

VOID KeBugCheckEx(ULONG BugCheckCode, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4)
{
    KiBugCheck(BugCheckCode, P1, P2, P3, P4, KiTakeSite(), "the driver called KeBugCheckEx");
}

VOID KeBugCheck(ULONG BugCheckCode)
{
    KiBugCheck(BugCheckCode, 0, 0, 0, 0, KiTakeSite(), "the driver called KeBugCheck");
}

/* ---- fatal signals inside driver code ---- */

static void KiChainSignal(int Signal, siginfo_t *Info, void *Context);

/* Leaving a signal handler by siglongjmp keeps the mask the handler ran with (our jump
 * buffers do not save masks: the hot path would pay a system call). A wrapper around our
 * handler (ThreadSanitizer's, a test framework's) may block every signal while it runs,
 * and a second fault would then kill the process: unblock them on the way out. */
static void KiUnblockSignalsForUnwind(void)
{
    sigset_t Set;
    sigemptyset(&Set);
    sigaddset(&Set, SIGSEGV);
    sigaddset(&Set, SIGBUS);
    sigaddset(&Set, SIGFPE);
    sigaddset(&Set, SIGILL); /* not SIGVTALRM: a host that blocks it keeps it blocked */
    pthread_sigmask(SIG_UNBLOCK, &Set, NULL);
}

static void KiFatalSignal(int Signal, siginfo_t *Info, void *Context)
{
    extern BOOLEAN KiWatchdogTextFault(const void *Address, void *Pc); /* watchdog.c */
    if (Signal == SIGSEGV && KiWatchdogTextFault(Info->si_addr, KiContextPc(Context)))
        return; /* driver code the watchdog had made non-executable: given back */
    if (KiTopFrame == NULL || KiCrash.Crashed) {
        KiChainSignal(Signal, Info, Context);
        return;
    }
    void *Pc = NULL;
#if defined(__linux__) && defined(__x86_64__)
    Pc = (void *)((ucontext_t *)Context)->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
    Pc = (void *)((ucontext_t *)Context)->uc_mcontext.pc;
#elif defined(__APPLE__) && defined(__x86_64__)
    Pc = (void *)((ucontext_t *)Context)->uc_mcontext->__ss.__rip;
#elif defined(__APPLE__) && defined(__aarch64__)
    Pc = (void *)((ucontext_t *)Context)->uc_mcontext->__ss.__pc;
#endif
    if (Signal == SIGSEGV || Signal == SIGBUS) { /* a user buffer's page (sim/mm/userbuf.c, UM-01)? */
        int Action = MiHandleUserFault(Info->si_addr, Pc);
        if (Action == MI_FAULT_RESUME)
            return; /* the page is open now: the access runs again */
        KiUnblockSignalsForUnwind();
        if (Action == MI_FAULT_RAISE && KiSehActive())
            KiRaiseStatusAt(STATUS_ACCESS_VIOLATION, KiNoSite);
    }
    KiUnblockSignalsForUnwind();
    KiSignalNumber = Signal;
    KiSignalAddress = Info->si_addr;
    KiSignalPc = KiContextPc(Context);
    KiCaptureStack(&KiSignalStack, KiSignalPc);
    KiSignalStackValid = 1;
    KiSignalPending = 1;
    siglongjmp(KiTopFrame->Jump, 2);
}

/* The interrupted instruction of a signal's context (NULL where unknown). */
void *KiContextPc(void *Context)
{
    (void)Context;
#if defined(__linux__) && defined(__x86_64__)
    return (void *)((ucontext_t *)Context)->uc_mcontext.gregs[REG_RIP];
#elif defined(__linux__) && defined(__aarch64__)
    return (void *)((ucontext_t *)Context)->uc_mcontext.pc;
#elif defined(__APPLE__) && defined(__x86_64__)
    return (void *)((ucontext_t *)Context)->uc_mcontext->__ss.__rip;
#elif defined(__APPLE__) && defined(__aarch64__)
    return (void *)((ucontext_t *)Context)->uc_mcontext->__ss.__pc;
#else
    return NULL;
#endif
}

BOOLEAN KiInHostFrame(void)
{
    return KiTopFrame != NULL;
}

/* From a signal handler (the watchdog's): unwind to the innermost host frame; the
 * report is made there, outside the handler (KiLeaveHost). */
void KiUnwindFromSignal(int Signal, void *Pc, void *Address)
{
    KiUnblockSignalsForUnwind();
    KiSignalNumber = Signal;
    KiSignalAddress = Address;
    KiSignalPc = Pc;
    KiCaptureStack(&KiSignalStack, Pc);
    KiSignalStackValid = 1;
    KiSignalPending = 1;
    siglongjmp(KiTopFrame->Jump, 2);
}

static const int KiFatalSignals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL };
static struct sigaction KiPreviousAction[RTL_NUMBER_OF(KiFatalSignals)];
static BOOLEAN KiHandlersInstalled;

/* Load the unwinder now: the fault handler must not be its first caller. Once per
 * process; a process that forks workers (the fault sweep) does it before forking, and
 * the workers inherit it. */
void KiWarmUnwinder(void)
{
    static BOOLEAN Warmed;
    if (!Warmed) {
        void *Warm[2];
        backtrace(Warm, 2);
        Warmed = TRUE;
    }
}

/* A persistent sweep worker makes machine after machine and nothing else, and machine
 * destruction leaves its handlers in place (sim/host/machine.c): the next machine, and
 * each load, find them still ours unless a change was counted since (sighook.c). That
 * skips the eight sigaction and one sigaltstack calls each would make. Other processes
 * reinstall every time: a host may swap handlers in ways the count does not see. */
static unsigned long KiSignalChangesAtInstall;
extern NTSIM_HIDDEN volatile unsigned long KiHostSignalChanges; /* sim/ke/sighook.c */
extern BOOLEAN NtsimPersistentWorker;                          /* sim/host/machine.c */

static BOOLEAN KiHandlersStillOurs(void)
{
    return KiHandlersInstalled && NtsimPersistentWorker &&
           __atomic_load_n(&KiHostSignalChanges, __ATOMIC_RELAXED) == KiSignalChangesAtInstall;
}

/* Install the fault handlers for the life of a machine, keeping whatever the host had
 * (a test framework's own handler, for instance) to chain to for faults outside
 * simulated code and to restore when the machine is destroyed. */
void KiInstallSignalHandlers(void)
{
    if (KiHandlersStillOurs())
        return;
    KiWarmUnwinder();
    static char AltStack[64 * 1024];
    stack_t Stack = { .ss_sp = AltStack, .ss_size = sizeof(AltStack), .ss_flags = 0 };
    sigaltstack(&Stack, NULL);
    struct sigaction Action;
    memset(&Action, 0, sizeof(Action));
    Action.sa_sigaction = KiFatalSignal;
    Action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&Action.sa_mask);
    for (size_t i = 0; i < RTL_NUMBER_OF(KiFatalSignals); i++) {
        struct sigaction Current;
        sigaction(KiFatalSignals[i], NULL, &Current);
        if ((Current.sa_flags & SA_SIGINFO) && Current.sa_sigaction == KiFatalSignal)
            continue; /* ours already: keep the saved previous handler */
        sigaction(KiFatalSignals[i], &Action, &KiPreviousAction[i]);
    }
    KiHandlersInstalled = TRUE;
    KiSignalChangesAtInstall = __atomic_load_n(&KiHostSignalChanges, __ATOMIC_RELAXED); /* ours counted too */
}

void KiRestoreSignalHandlers(void)
{
    if (!KiHandlersInstalled)
        return;
    for (size_t i = 0; i < RTL_NUMBER_OF(KiFatalSignals); i++)
        sigaction(KiFatalSignals[i], &KiPreviousAction[i], NULL);
    KiHandlersInstalled = FALSE;
}

/* A fault outside simulated code belongs to the host: hand it to its handler. */
static void KiChainSignal(int Signal, siginfo_t *Info, void *Context)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(KiFatalSignals); i++) {
        if (KiFatalSignals[i] != Signal)
            continue;
        struct sigaction *Previous = &KiPreviousAction[i];
        if (Previous->sa_flags & SA_SIGINFO) {
            if (Previous->sa_sigaction != KiFatalSignal) {
                Previous->sa_sigaction(Signal, Info, Context);
                return;
            }
        } else if (Previous->sa_handler == SIG_IGN) {
            return;
        } else if (Previous->sa_handler != SIG_DFL) {
            Previous->sa_handler(Signal);
            return;
        }
    }
    signal(Signal, SIG_DFL);
    raise(Signal);
}

static void KiReportSignalCrash(void)
{
    KiSignalPending = 0;
    if (KiSignalNumber == SIGVTALRM) { /* the watchdog (watchdog.c) */
        KiWatchdogReportSignal(KiSignalPc);
        KiSignalStackValid = 0; /* a stop that was no bug check leaves no stack behind */
        return;
    }
    char Where[768];
    KiDescribeCode(KiSignalPc, Where, sizeof(Where));
    NTSIM_SITE Site = { NULL, 0 };
    const char *What = KiSignalNumber == SIGFPE ? "an arithmetic exception" :
                       KiSignalNumber == SIGILL ? "an illegal instruction" : "an invalid memory access";
    char Poison[256];
    ULONG Code = 0x50;
    extern BOOLEAN HalpDescribeRegisterFault(const void *Address, char *Buffer, size_t Size); /* sim/hal/mmio.c */
    char Mmio[768];
    if (HalpDescribeRegisterFault(KiSignalAddress, Mmio, sizeof(Mmio))) {
        VfReport("MMIO-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s, by driver code at %s", Mmio, Where);
        What = "a direct dereference of mapped device registers";
    } else if (MiDescribePoisonedAddress(KiSignalAddress, Poison, sizeof(Poison))) {
        VfReport("DE-04", NTSIM_SEV_ERROR, VfCurrentDriver(), KiSiteOfCode(KiSignalPc), "%s touched at %p by %s", Poison,
                 KiSignalAddress, Where);
    } else if (KiDescribeStackOverflow(KiSignalAddress, Mmio, sizeof(Mmio))) {
        What = Mmio; /* a kernel stack overflow: a double fault on Windows */
        Code = 0x7F;
    } else if (ExpDescribeSpecialPoolFault(KiSignalAddress, Mmio, sizeof(Mmio), &Code)) {
        VfReport("MM-01", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s, by driver code at %s", Mmio, Where);
        What = Code == 0xD5                          ? "an access to freed pool (DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL)"
               : strncmp(Mmio, "pool underrun", 13) == 0 ? "an access before the start of a pool block (0xD6)"
                            : "an access beyond the end of a pool block (DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION)";
    }
    if (KiSignalNumber == SIGFPE || KiSignalNumber == SIGILL)
        Code = 0x1E;
    /* 0xD5/0xD6: P1 the address, P2 read or write (unknown here: 0), P3 the code */
    char *Text = KiHostPrintf("%s at address %p by driver code at %s", What, KiSignalAddress, Where);
    if (Site.File == NULL)
        Site = KiSiteOfCode(KiSignalPc); /* the faulting line: the driver's, even without a DDI call */
    /* 0x7F: P1 8 is EXCEPTION_DOUBLE_FAULT, what a kernel stack overflow raises */
    KiRecordBugCheck(Code, Code == 0x7F ? 8 : (ULONG_PTR)KiSignalAddress, 0, (ULONG_PTR)KiSignalPc, 0, Site, Text);
    KiSignalStackValid = 0;
}

/* The calls come last, with nothing left to keep in registers: the common path (an
 * outermost host call) then saves no registers and ends in a tail call. */
void KiEnterHost(KI_HOST_FRAME *Frame)
{
    extern NTSIM_HIDDEN volatile unsigned long KiHostSignalChanges; /* sim/ke/sighook.c */
    extern NTSIM_HIDDEN unsigned long KiSignalChangesSeen;
    KI_HOST_FRAME *Prev = KiTopFrame;
    KI_THREAD *Self = KiSelf;
    if (Self == NULL)
        KiSelf = Self = KiHostThread;
    Frame->Prev = Prev;
    Frame->SavedDriver = VfCurrentDriver();
    Frame->SavedIrql = KiCurrentIrql();
    Frame->Outermost = Prev == NULL && Self && Self->IsHost; /* KiLeaveHost needs no second look */
    KiTopFrame = Frame;
    if (Prev != NULL)
        return;
    if (__builtin_expect(KiHostSignalChanges != KiSignalChangesSeen, 0))
        KiRefreshSignalHandlers(); /* the host swapped a fault handler in since the last call */
    if (Frame->Outermost)
        KiWatchdogHostCallBegin(); /* a host call starts: its budgets start */
}

void KiLeaveHost(KI_HOST_FRAME *Frame)
{
    if (MiPendingCount) /* UM-01 faults seen by the signal handler (sim/mm/userbuf.c) */
        MiFlushUserFindings();
    KiTopFrame = Frame->Prev;
    if (KiSignalPending)
        KiReportSignalCrash();
    if (Frame->Outermost)
        KiWatchdogHostCallEnd();
    VfSetCurrentDriver(Frame->SavedDriver);
    if (KiCrash.Crashed)
        KiSetIrql(PASSIVE_LEVEL);
}

void ntsim_print_bugcheck(FILE *Out, const ntsim_bugcheck *B)
{
    fprintf(Out, "*** STOP: 0x%08X (0x%016llX, 0x%016llX, 0x%016llX, 0x%016llX)\n", B->code,
            (unsigned long long)B->params[0], (unsigned long long)B->params[1], (unsigned long long)B->params[2],
            (unsigned long long)B->params[3]);
    fprintf(Out, "    %s\n", B->name);
    fprintf(Out, "    %s\n", B->explanation);
    if (B->driver && B->driver[0])
        fprintf(Out, "    driver: %s%s%s\n", B->driver, B->site && B->site[0] ? " at " : "", B->site ? B->site : "");
    fprintf(Out, "    IRQL: %u\n", B->irql);
    if (KiCrash.Crashed && B->explanation == KiCrash.Explanation) /* this machine's stop: the analysis */
        KiPrintAnalysis(Out);
}
