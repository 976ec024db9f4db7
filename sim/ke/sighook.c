/* sighook.c - keep ntsim's fault handlers in place across a host that swaps its own in.
 *
 * A test framework may install fault handlers around each test and put back what it
 * found afterwards (CMocka does, around setups and teardowns too). A machine created,
 * or a device opened, in a setup function then finds CMocka's handler in place when the
 * test body calls into the driver, and a fault in driver code becomes "Test failed
 * with exception" instead of a bug check report.
 *
 * Asking the kernel which handler is current at every host call would cost a system
 * call per IRP. Instead the library exports sigaction() and signal() wrappers that the
 * dynamic linker binds the host's calls to (they forward to the C library) and count
 * every change to a fatal signal's handler. The host-call boundary (KiEnterHost, when
 * no simulated code is running) compares that count with the one it last saw: one load
 * and a predictable branch; the handlers are reinstalled only after a real change.
 * Where the wrappers cannot interpose, nothing is counted and the handlers are
 * reinstalled only at load and open, as before. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>
#include <signal.h>

NTSIM_HIDDEN volatile unsigned long KiHostSignalChanges; /* changes to fatal-signal handlers, by anyone */
NTSIM_HIDDEN unsigned long KiSignalChangesSeen;

typedef int (*KI_SIGACTION)(int, const struct sigaction *, struct sigaction *);
typedef void (*KI_SIGNAL_HANDLER)(int);
typedef KI_SIGNAL_HANDLER (*KI_SIGNAL)(int, KI_SIGNAL_HANDLER);

static BOOLEAN KiIsFatalSignal(int Signal)
{
    return Signal == SIGSEGV || Signal == SIGBUS || Signal == SIGFPE || Signal == SIGILL;
}

static void KiCountSignalChange(int Signal)
{
    if (KiIsFatalSignal(Signal))
        __atomic_add_fetch(&KiHostSignalChanges, 1, __ATOMIC_RELAXED);
}

/* Called from KiEnterHost at the outermost host frame when the count moved. */
void KiRefreshSignalHandlers(void)
{
    KiSignalChangesSeen = __atomic_load_n(&KiHostSignalChanges, __ATOMIC_RELAXED);
    if (ntsim_current_machine())
        KiInstallSignalHandlers(); /* keeps the host's handler to chain to */
    /* our own installation counted too: it is not a change to react to */
    KiSignalChangesSeen = __atomic_load_n(&KiHostSignalChanges, __ATOMIC_RELAXED);
}

#if defined(__APPLE__)
/* dyld's interposing: calls from every other image go to these; calls made here reach
 * the real routines. */
static int KiInterposedSigaction(int Signal, const struct sigaction *Action, struct sigaction *Old)
{
    if (Action)
        KiCountSignalChange(Signal);
    return sigaction(Signal, Action, Old);
}

static KI_SIGNAL_HANDLER KiInterposedSignal(int Signal, KI_SIGNAL_HANDLER Handler)
{
    KiCountSignalChange(Signal);
    return signal(Signal, Handler);
}

__attribute__((used, section("__DATA,__interpose"))) static const struct {
    const void *Replacement;
    const void *Original;
} KiInterpose[] = {
    { (const void *)KiInterposedSigaction, (const void *)sigaction },
    { (const void *)KiInterposedSignal, (const void *)signal },
};
#else
static KI_SIGACTION KiRealSigaction;
static KI_SIGNAL KiRealSignal;

/* ELF: the library's own definitions come before the C library's in the global
 * lookup order of any program linked with it. Resolved before main, so the wrappers
 * are safe to call from a signal handler. */
__attribute__((constructor)) static void KiResolveSignalRoutines(void)
{
    KiRealSigaction = (KI_SIGACTION)dlsym(RTLD_NEXT, "sigaction");
    KiRealSignal = (KI_SIGNAL)dlsym(RTLD_NEXT, "signal");
}

__attribute__((visibility("default"))) int sigaction(int Signal, const struct sigaction *Action,
                                                     struct sigaction *Old)
{
    if (KiRealSigaction == NULL)
        KiResolveSignalRoutines();
    if (Action)
        KiCountSignalChange(Signal);
    return KiRealSigaction(Signal, Action, Old);
}

__attribute__((visibility("default"))) KI_SIGNAL_HANDLER signal(int Signal, KI_SIGNAL_HANDLER Handler)
{
    if (KiRealSignal == NULL)
        KiResolveSignalRoutines();
    KiCountSignalChange(Signal);
    return KiRealSignal(Signal, Handler);
}
#endif
