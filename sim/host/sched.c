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

/* The request the host is blocked on, and whether it was found lost. */
static ntsim_request *NtsimWaitingFor;
static BOOLEAN NtsimLost;

/* The scheduler found nothing that could ever run again while the host waits for a
 * request (KiNothingCanRunHook): no other thread, no kernel timer, no DPC, no
 * connected interrupt. The driver pended the IRP and lost it (IO-02): say so and let
 * the host call return instead of declaring a hang. */
static BOOLEAN NtsimRequestLost(void)
{
    ntsim_request *Request = NtsimWaitingFor;
    if (Request == NULL || Request->Done || Request->Irp == NULL || NtsimLost || KiLiveThreads() != 0 ||
        KiHostThread->State != KiThreadWaiting)
        return FALSE;
    PIRP Irp = Request->Irp;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PDEVICE_OBJECT Device = Stack->DeviceObject;
    PDRIVER_OBJECT Driver = Device ? Device->DriverObject : NULL;
    UCHAR Major = Stack->MajorFunction;
    NTSIM_SITE Site = Driver && Major <= IRP_MJ_MAXIMUM_FUNCTION ? KiSiteOfCode((PVOID)Driver->MajorFunction[Major])
                                                                   : KiNoSite;
    VfReport("IO-02", NTSIM_SEV_ERROR, Driver, Site,
             "IRP %p (major function 0x%02x) was pended by %s and is lost: nothing is left that could complete it "
             "(no other thread, kernel timer, queued DPC or connected interrupt); the synchronous request returns "
             "STATUS_PENDING instead of waiting forever",
             (void *)Irp, Major, Driver ? VfDriverName(Driver) : "a driver");
    NtsimLost = TRUE;
    KiAbortWait(KiHostThread, STATUS_TIMEOUT);
    return TRUE;
}

/* Block the host until Request is done or the deadline passes. 1 done, 0 timed out
 * (or lost: IO-02), NTSIM_E_CRASHED when the machine stopped. */
static int NtsimWaitRequest(ntsim_request *Request, hw_time_t Deadline)
{
    if (Request->Done)
        return 1;
    if (KiMachineCrashed())
        return NTSIM_E_CRASHED;
    KiInitializeDispatcherHeader(&NtsimCompletion.Header, EventNotificationObject, 0);
    KiNothingCanRunHook = NtsimRequestLost;
    NtsimWaitingFor = Request;
    NtsimLost = FALSE;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        NtsimWaiting = TRUE;
        KiWatchdogExtendBudget(Deadline);
        while (!Request->Done && !NtsimLost && (Deadline == HW_TIME_NEVER || KiNow() < Deadline)) {
            PVOID Objects[1] = { &NtsimCompletion };
            KiWaitInternal(1, Objects, WaitAny, Deadline, "a host request (IRP completion)");
        }
    }
    KiLeaveHost(&Frame);
    NtsimWaitingFor = NULL;
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
    return Request->Done ? STATUS_SUCCESS : STATUS_PENDING; /* lost: IO-02 was reported */
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
            KiWatchdogExtendBudget(Deadline);
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
