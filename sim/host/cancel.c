/* cancel.c (host) - cancelling requests as a user-mode program does: CancelIoEx on one
 * overlapped request, CancelIo on everything pending on a file. Both come down to
 * IoCancelIrp on the pending IRP, which sets Irp->Cancel and, under the cancel spin
 * lock, takes and calls the driver's cancel routine (sim/io/irp.c). The driver then
 * completes the IRP, typically with STATUS_CANCELLED; the request finishes as usual. */
#include "host/hostp.h"

/* IoCancelIrp under a host frame: 1 a cancel routine ran, 0 none set, < 0 crashed. */
static int NtsimCancelIrp(PIRP Irp)
{
    volatile BOOLEAN Called = FALSE; /* set between sigsetjmp and a possible longjmp */
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        Called = IoCancelIrp(Irp);
    KiLeaveHost(&Frame);
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine bug-checked while cancelling a request");
        return NTSIM_E_CRASHED;
    }
    return Called ? 1 : 0;
}

/* Irp still belongs to a pending request of the machine (IRPs are recycled once done). */
static BOOLEAN NtsimIrpStillPending(ntsim_machine *Machine, PIRP Irp)
{
    for (PLIST_ENTRY E = Machine->Requests.Flink; E != &Machine->Requests; E = E->Flink) {
        ntsim_request *Request = CONTAINING_RECORD(E, ntsim_request, Link);
        if (Request->Irp == Irp && !Request->Done)
            return TRUE;
    }
    return FALSE;
}

int ntsim_request_cancel(ntsim_request *Request)
{
    if (Request == NULL)
        return NTSIM_E_ARGS;
    int Check = NtsimCheckMachine(Request->Machine);
    if (Check)
        return Check;
    if (Request->Done || Request->Irp == NULL)
        return 0; /* already completed: nothing to cancel (CancelIoEx: ERROR_NOT_FOUND) */
    return NtsimCancelIrp(Request->Irp);
}

int ntsim_file_cancel(ntsim_file *File)
{
    if (File == NULL || File->Object == NULL) {
        NtsimSetLastError("not an open file");
        return NTSIM_E_ARGS;
    }
    int Check = NtsimCheckMachine(File->Machine);
    if (Check)
        return Check;
    /* Collect first: a cancel routine completes IRPs, which changes what is pending. */
    size_t Count = 0, Capacity = 0;
    PIRP *Irps = NULL;
    PLIST_ENTRY Requests = &File->Machine->Requests;
    for (PLIST_ENTRY E = Requests->Flink; E != Requests; E = E->Flink) {
        ntsim_request *Request = CONTAINING_RECORD(E, ntsim_request, Link);
        if (Request->Done || Request->Irp == NULL || Request->Irp->Tail.Overlay.OriginalFileObject != File->Object)
            continue;
        if (Count == Capacity) {
            Capacity = Capacity ? Capacity * 2 : 8;
            Irps = KiHostRealloc(Irps, Capacity * sizeof(*Irps));
        }
        Irps[Count++] = Request->Irp;
    }
    int Called = 0;
    for (size_t i = 0; i < Count; i++) {
        if (!NtsimIrpStillPending(File->Machine, Irps[i]))
            continue; /* completed by an earlier cancel routine */
        int Result = NtsimCancelIrp(Irps[i]);
        if (Result < 0) {
            free(Irps);
            return Result;
        }
        Called += Result;
    }
    free(Irps);
    return Called;
}
