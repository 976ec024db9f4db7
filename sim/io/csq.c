/* csq.c - cancel-safe IRP queues: IoCsqInitialize(Ex), IoCsqInsertIrp(Ex),
 * IoCsqRemoveIrp, IoCsqRemoveNextIrp.
 *
 * The driver keeps the queue and its lock (CsqAcquireLock/CsqReleaseLock) and says
 * how to insert, remove and peek. The I/O manager's part is the cancel routine: an
 * inserted IRP gets IopCsqCancel, and whoever clears Irp->CancelRoutine first owns the
 * IRP. A removal clears it under the queue lock; IoCancelIrp clears it under the cancel
 * spin lock and calls IopCsqCancel, which drops the cancel spin lock, takes the queue
 * lock, removes the IRP and hands it to CsqCompleteCanceledIrp. So an IRP is removed
 * by the driver or cancelled, never both, and never completed while still queued.
 *
 * Irp->Tail.Overlay.DriverContext[3] points back at the queue (or at the caller's
 * IO_CSQ_IRP_CONTEXT, which points at the queue), as on Windows. */
#include "io/iop.h"

static void IopCheckCsq(PIO_CSQ Csq, const char *Ddi, NTSIM_SITE Site)
{
    if (Csq == NULL || (Csq->Type != IO_TYPE_CSQ && Csq->Type != IO_TYPE_CSQ_EX))
        KiBugCheck(0xC4, 0x1050 /* approximate */, (ULONG_PTR)Csq, 0, 0, Site,
                   "%s(%p): not a cancel-safe queue initialised with IoCsqInitialize(Ex)", Ddi, (void *)Csq);
}

static NTSTATUS IopCsqInitialize(PIO_CSQ Csq, ULONG Type, PIO_CSQ_INSERT_IRP Insert, PIO_CSQ_REMOVE_IRP Remove,
                                 PIO_CSQ_PEEK_NEXT_IRP Peek, PIO_CSQ_ACQUIRE_LOCK Acquire,
                                 PIO_CSQ_RELEASE_LOCK Release, PIO_CSQ_COMPLETE_CANCELED_IRP Complete,
                                 const char *Ddi, NTSIM_SITE Site)
{
    if (Csq == NULL)
        KiBugCheck(0xC4, 0x1050 /* approximate */, 0, 0, 0, Site, "%s(NULL): no IO_CSQ", Ddi);
    if (!Insert || !Remove || !Peek || !Acquire || !Release || !Complete) {
        VfReport("CSQ", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "%s: every callback (insert, remove, peek, acquire lock, release lock, complete canceled) is required",
                 Ddi);
        return STATUS_INVALID_PARAMETER;
    }
    Csq->Type = Type;
    Csq->CsqInsertIrp = Insert;
    Csq->CsqRemoveIrp = Remove;
    Csq->CsqPeekNextIrp = Peek;
    Csq->CsqAcquireLock = Acquire;
    Csq->CsqReleaseLock = Release;
    Csq->CsqCompleteCanceledIrp = Complete;
    Csq->ReservePointer = NULL;
    return STATUS_SUCCESS;
}

NTSTATUS IoCsqInitialize(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                         PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                         PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    return IopCsqInitialize(Csq, IO_TYPE_CSQ, CsqInsertIrp, CsqRemoveIrp, CsqPeekNextIrp, CsqAcquireLock,
                            CsqReleaseLock, CsqCompleteCanceledIrp, "IoCsqInitialize", KiTakeSite());
}

NTSTATUS IoCsqInitializeEx(PIO_CSQ Csq, PIO_CSQ_INSERT_IRP_EX CsqInsertIrp, PIO_CSQ_REMOVE_IRP CsqRemoveIrp,
                           PIO_CSQ_PEEK_NEXT_IRP CsqPeekNextIrp, PIO_CSQ_ACQUIRE_LOCK CsqAcquireLock,
                           PIO_CSQ_RELEASE_LOCK CsqReleaseLock, PIO_CSQ_COMPLETE_CANCELED_IRP CsqCompleteCanceledIrp)
{
    return IopCsqInitialize(Csq, IO_TYPE_CSQ_EX, (PIO_CSQ_INSERT_IRP)(void *)CsqInsertIrp, CsqRemoveIrp,
                            CsqPeekNextIrp, CsqAcquireLock, CsqReleaseLock, CsqCompleteCanceledIrp,
                            "IoCsqInitializeEx", KiTakeSite());
}

/* The queue an inserted IRP belongs to, and its context if the driver gave one. */
static PIO_CSQ IopCsqOfIrp(PIRP Irp, PIO_CSQ_IRP_CONTEXT *Context)
{
    PVOID Link = Irp->Tail.Overlay.DriverContext[3];
    *Context = NULL;
    if (Link == NULL)
        return NULL;
    if (*(ULONG *)Link == IO_TYPE_CSQ_IRP_CONTEXT) {
        *Context = Link;
        return (*Context)->Csq;
    }
    return Link;
}

/* The IRP left the queue (removed or cancelled): forget the links to it. */
static void IopCsqUnlink(PIRP Irp)
{
    PIO_CSQ_IRP_CONTEXT Context;
    IopCsqOfIrp(Irp, &Context);
    if (Context)
        Context->Irp = NULL;
    Irp->Tail.Overlay.DriverContext[3] = NULL;
}

static VOID IopCsqCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    PIO_CSQ_IRP_CONTEXT Context;
    PIO_CSQ Csq = IopCsqOfIrp(Irp, &Context);
    if (Csq == NULL)
        KiBugCheck(0xC4, 0x1051 /* approximate */, (ULONG_PTR)Irp, 0, 0, KiNoSite,
                   "IRP %p was cancelled while its cancel-safe queue link (DriverContext[3]) was overwritten",
                   (void *)Irp);
    KIRQL Irql;
    Csq->CsqAcquireLock(Csq, &Irql);
    Csq->CsqRemoveIrp(Csq, Irp);
    IopCsqUnlink(Irp);
    Csq->CsqReleaseLock(Csq, Irql);
    Csq->CsqCompleteCanceledIrp(Csq, Irp);
}

static NTSTATUS IopCsqInsert(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext,
                             const char *Ddi, NTSIM_SITE Site)
{
    IopCheckCsq(Csq, Ddi, Site);
    if (Irp == NULL)
        KiBugCheck(0xC4, 0x1050 /* approximate */, (ULONG_PTR)Csq, 0, 0, Site, "%s(%p, NULL): no IRP", Ddi,
                   (void *)Csq);
    KIRQL Irql;
    Csq->CsqAcquireLock(Csq, &Irql);
    if (Csq->Type == IO_TYPE_CSQ_EX) {
        NTSTATUS Status = ((PIO_CSQ_INSERT_IRP_EX)(void *)Csq->CsqInsertIrp)(Csq, Irp, InsertContext);
        if (!NT_SUCCESS(Status)) { /* refused: not queued, not marked pending */
            Csq->CsqReleaseLock(Csq, Irql);
            return Status;
        }
    } else {
        Csq->CsqInsertIrp(Csq, Irp);
    }
    IoMarkIrpPending(Irp);
    if (Context) {
        Context->Type = IO_TYPE_CSQ_IRP_CONTEXT;
        Context->Irp = Irp;
        Context->Csq = Csq;
        Irp->Tail.Overlay.DriverContext[3] = Context;
    } else {
        Irp->Tail.Overlay.DriverContext[3] = Csq;
    }
    IoSetCancelRoutine(Irp, IopCsqCancel);
    /* Cancelled before the routine was set: if we get the routine back, nobody else
     * will cancel it, so do it here; if not, IoCancelIrp is already calling it. */
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        Csq->CsqRemoveIrp(Csq, Irp);
        IopCsqUnlink(Irp);
        Csq->CsqReleaseLock(Csq, Irql);
        Csq->CsqCompleteCanceledIrp(Csq, Irp);
        return STATUS_SUCCESS;
    }
    Csq->CsqReleaseLock(Csq, Irql);
    return STATUS_SUCCESS;
}

VOID IoCsqInsertIrp(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context)
{
    IopCsqInsert(Csq, Irp, Context, NULL, "IoCsqInsertIrp", KiTakeSite());
}

NTSTATUS IoCsqInsertIrpEx(PIO_CSQ Csq, PIRP Irp, PIO_CSQ_IRP_CONTEXT Context, PVOID InsertContext)
{
    return IopCsqInsert(Csq, Irp, Context, InsertContext, "IoCsqInsertIrpEx", KiTakeSite());
}

PIRP IoCsqRemoveIrp(PIO_CSQ Csq, PIO_CSQ_IRP_CONTEXT Context)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckCsq(Csq, "IoCsqRemoveIrp", Site);
    if (Context == NULL)
        KiBugCheck(0xC4, 0x1050 /* approximate */, (ULONG_PTR)Csq, 0, 0, Site, "IoCsqRemoveIrp(%p, NULL): no context",
                   (void *)Csq);
    KIRQL Irql;
    Csq->CsqAcquireLock(Csq, &Irql);
    PIRP Irp = Context->Irp;
    if (Irp != NULL && IoSetCancelRoutine(Irp, NULL) != NULL) {
        Csq->CsqRemoveIrp(Csq, Irp);
        IopCsqUnlink(Irp);
    } else {
        Irp = NULL; /* already removed, or being cancelled: the cancel routine completes it */
    }
    Csq->CsqReleaseLock(Csq, Irql);
    return Irp;
}

PIRP IoCsqRemoveNextIrp(PIO_CSQ Csq, PVOID PeekContext)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckCsq(Csq, "IoCsqRemoveNextIrp", Site);
    KIRQL Irql;
    Csq->CsqAcquireLock(Csq, &Irql);
    PIRP Irp = Csq->CsqPeekNextIrp(Csq, NULL, PeekContext);
    while (Irp != NULL) {
        if (IoSetCancelRoutine(Irp, NULL) != NULL) {
            Csq->CsqRemoveIrp(Csq, Irp);
            IopCsqUnlink(Irp);
            break;
        }
        /* being cancelled: leave it to the cancel routine, look further */
        Irp = Csq->CsqPeekNextIrp(Csq, Irp, PeekContext);
    }
    Csq->CsqReleaseLock(Csq, Irql);
    return Irp;
}
