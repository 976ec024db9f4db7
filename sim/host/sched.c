/* sched.c (host) - the host side of the execution model: virtual time, waiting for
 * pended requests, the scheduler trace.
 *
 * The host thread (the test program) is the machine's first thread. Other simulated
 * threads, DPCs and timers run only while the host is blocked inside a host call:
 * a synchronous request the driver pended, ntsim_request_wait, ntsim_run_for,
 * driver unload waiting for its threads... */
#include "host/hostp.h"

static KEVENT NtsimCompletion; /* pulsed when a host request completes */
static BOOLEAN NtsimWaiting;

void NtsimRequestCompleted(void)
{
    if (NtsimWaiting && !IsListEmpty(&NtsimCompletion.Header.WaitListHead)) {
        NtsimCompletion.Header.SignalState = 1;
        KiSignalObject(&NtsimCompletion.Header);
        NtsimCompletion.Header.SignalState = 0;
    }
}

/* Block the host until Request is done or the deadline passes. 1 done, 0 timed out,
 * NTSIM_E_CRASHED when the machine stopped. */
static int NtsimWaitRequest(ntsim_request *Request, hw_time_t Deadline)
{
    if (Request->Done)
        return 1;
    if (KiMachineCrashed())
        return NTSIM_E_CRASHED;
    KiInitializeDispatcherHeader(&NtsimCompletion.Header, EventNotificationObject, 0);
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        NtsimWaiting = TRUE;
        while (!Request->Done && (Deadline == HW_TIME_NEVER || KiNow() < Deadline)) {
            PVOID Objects[1] = { &NtsimCompletion };
            KiWaitInternal(1, Objects, WaitAny, Deadline, "a host request (IRP completion)");
        }
    }
    KiLeaveHost(&Frame);
    NtsimWaiting = FALSE;
    KiReapThreads();
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine stopped while waiting for a request: %s",
                          KiMachineStopped() ? "see the bug check (a hang or a crash on another thread)" : "bug check");
        return NTSIM_E_CRASHED;
    }
    return Request->Done ? 1 : 0;
}

int32_t NtsimWaitSynchronous(ntsim_request *Request)
{
    int Result = NtsimWaitRequest(Request, HW_TIME_NEVER);
    if (Result < 0)
        return Result;
    return STATUS_SUCCESS;
}

int ntsim_request_wait(ntsim_request *Request, uint64_t TimeoutNs)
{
    if (Request == NULL)
        return NTSIM_E_ARGS;
    int Check = NtsimCheckMachine(Request->Machine);
    if (Check)
        return Request->Done ? 1 : Check;
    hw_time_t Deadline = TimeoutNs == UINT64_MAX || TimeoutNs > HW_TIME_NEVER - 1 - KiNow() ? HW_TIME_NEVER
                                                                                          : KiNow() + TimeoutNs;
    return NtsimWaitRequest(Request, Deadline);
}

uint64_t ntsim_now_ns(ntsim_machine *Machine)
{
    if (Machine == NULL || Machine != NtsimMachine || KiClock() == NULL)
        return 0;
    return KiNow();
}

int ntsim_run_for(ntsim_machine *Machine, uint64_t Ns)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        if (Ns == 0) {
            extern void KiYieldNow(void);
            KiYieldNow();
        } else {
            hw_time_t Deadline = Ns > HW_TIME_NEVER - 1 - KiNow() ? HW_TIME_NEVER - 1 : KiNow() + Ns;
            KiWaitInternal(0, NULL, WaitAny, Deadline, "ntsim_run_for");
        }
    }
    KiLeaveHost(&Frame);
    KiReapThreads();
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine stopped during ntsim_run_for");
        return NTSIM_E_CRASHED;
    }
    return 0;
}

void ntsim_trace_enable(ntsim_machine *Machine, int Enable)
{
    if (Machine == NULL || Machine != NtsimMachine)
        return;
    KiTracing = Enable != 0;
}

const char *ntsim_trace_text(ntsim_machine *Machine)
{
    (void)Machine;
    return KiTraceText();
}

uint64_t ntsim_seed(ntsim_machine *Machine)
{
    (void)Machine;
    return KiSeed();
}

unsigned ntsim_thread_count(ntsim_machine *Machine)
{
    (void)Machine;
    return KiThreadCount ? KiThreadCount - 1 : 0;
}
