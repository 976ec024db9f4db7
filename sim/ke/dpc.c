/* dpc.c - deferred procedure calls.
 *
 * A queued DPC runs at DISPATCH_LEVEL on the current processor as soon as its IRQL
 * drops below DISPATCH_LEVEL: at once when queued from PASSIVE/APC level, else at
 * KeLowerIrql / KeReleaseSpinLock, after an ISR, or in the idle loop of the
 * scheduler. HighImportance DPCs go to the head of the queue, others to the tail.
 * A queued DPC is tracked as a resource of its driver (leak audit). */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

typedef struct _KI_DPC_PRIVATE {
    NTSIM_TRACK Track;
} KI_DPC_PRIVATE;

_Static_assert(sizeof(KI_DPC_PRIVATE) <= sizeof(((KDPC *)0)->NtsimPrivate), "KDPC.NtsimPrivate too small");

#define KI_DPC_MAGIC 0x5F637044u /* "Dpc_" */

static LIST_ENTRY KiDpcQueue = { &KiDpcQueue, &KiDpcQueue };
volatile BOOLEAN KiDpcPending;
static BOOLEAN KiInDpc;
BOOLEAN KiInClockCallback(void);

static inline KI_DPC_PRIVATE *KiDpcPrivate(PRKDPC Dpc)
{
    return (KI_DPC_PRIVATE *)Dpc->NtsimPrivate;
}

void KiResetDpcs(void)
{
    InitializeListHead(&KiDpcQueue);
    KiDpcPending = FALSE;
    KiInDpc = FALSE;
}

VOID KeInitializeDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    NTSIM_SITE Site = KiTakeSite();
    VfCheckNonPagedObject(Dpc, sizeof(*Dpc), "KDPC", "KeInitializeDpc", Site);
    if (Dpc->NtsimMagic == KI_DPC_MAGIC && Dpc->DpcData != NULL)
        KiBugCheck(0xC7, 2, (ULONG_PTR)Dpc, 0, 0, Site,
                   "KeInitializeDpc(%p) on a DPC that is still queued (TIMER_OR_DPC_INVALID)", (void *)Dpc);
    Dpc->Type = DpcObject;
    Dpc->Importance = MediumImportance;
    Dpc->Number = 0;
    InitializeListHead(&Dpc->DpcListEntry);
    Dpc->DeferredRoutine = DeferredRoutine;
    Dpc->DeferredContext = DeferredContext;
    Dpc->SystemArgument1 = Dpc->SystemArgument2 = NULL;
    Dpc->DpcData = NULL;
    Dpc->NtsimMagic = KI_DPC_MAGIC;
    Dpc->NtsimOwner = VfCurrentDriver();
    InitializeListHead(&KiDpcPrivate(Dpc)->Track.Link);
}

VOID KeInitializeThreadedDpc(PRKDPC Dpc, PKDEFERRED_ROUTINE DeferredRoutine, PVOID DeferredContext)
{
    KeInitializeDpc(Dpc, DeferredRoutine, DeferredContext);
}

static void KiCheckDpc(PRKDPC Dpc, const char *Ddi, NTSIM_SITE Site)
{
    if (Dpc == NULL || Dpc->NtsimMagic != KI_DPC_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): DPC used before KeInitializeDpc", Ddi,
                 (void *)Dpc);
        KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Dpc, 0, 0, Site,
                   "%s(%p): the DPC was never initialised with KeInitializeDpc", Ddi, (void *)Dpc);
    }
}

BOOLEAN KiQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2, NTSIM_SITE Site)
{
    if (Dpc->DpcData != NULL)
        return FALSE;
    Dpc->DpcData = &KiDpcQueue;
    Dpc->SystemArgument1 = SystemArgument1;
    Dpc->SystemArgument2 = SystemArgument2;
    if (Dpc->Importance == HighImportance)
        InsertHeadList(&KiDpcQueue, &Dpc->DpcListEntry);
    else
        InsertTailList(&KiDpcQueue, &Dpc->DpcListEntry);
    VfTrackFor(&KiDpcPrivate(Dpc)->Track, Dpc->NtsimOwner, NtsimResDpc, Site);
    KiDpcPending = TRUE;
    if (KiCurrentIrql() < DISPATCH_LEVEL && !KiInClockCallback())
        KiDrainDpcs();
    return TRUE;
}

BOOLEAN KeInsertQueueDpc(PRKDPC Dpc, PVOID SystemArgument1, PVOID SystemArgument2)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckDpc(Dpc, "KeInsertQueueDpc", Site);
    return KiQueueDpc(Dpc, SystemArgument1, SystemArgument2, Site);
}

BOOLEAN KeRemoveQueueDpc(PRKDPC Dpc)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckDpc(Dpc, "KeRemoveQueueDpc", Site);
    if (Dpc->DpcData == NULL)
        return FALSE;
    RemoveEntryList(&Dpc->DpcListEntry);
    InitializeListHead(&Dpc->DpcListEntry);
    Dpc->DpcData = NULL;
    VfUntrack(&KiDpcPrivate(Dpc)->Track);
    KiDpcPending = !IsListEmpty(&KiDpcQueue);
    return TRUE;
}

VOID KeSetImportanceDpc(PRKDPC Dpc, KDPC_IMPORTANCE Importance)
{
    KiTakeSite();
    Dpc->Importance = (UCHAR)Importance;
}

VOID KeSetTargetProcessorDpc(PRKDPC Dpc, CCHAR Number)
{
    KiTakeSite();
    Dpc->Number = (USHORT)Number;
}

VOID KeFlushQueuedDpcs(VOID)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeFlushQueuedDpcs", PASSIVE_LEVEL, 0xC4, 0x3F /* approximate */, Site);
    if (KiDpcPending)
        KiDrainDpcs();
}

void KiDrainDpcs(void)
{
    if (KiInDpc)
        return;
    KIRQL Old = KiCurrentIrql();
    KiInDpc = TRUE;
    KiSetIrql(DISPATCH_LEVEL);
    uint64_t Run = 0; /* DPCs back to back: a queue that never empties is a DPC watchdog stop */
    while (!IsListEmpty(&KiDpcQueue)) {
        PRKDPC Dpc = CONTAINING_RECORD(RemoveHeadList(&KiDpcQueue), KDPC, DpcListEntry);
        InitializeListHead(&Dpc->DpcListEntry);
        Dpc->DpcData = NULL;
        NTSIM_TRACK *Track = &KiDpcPrivate(Dpc)->Track;
        NTSIM_SITE Site = Track->Site;
        VfUntrack(Track);
        PDRIVER_OBJECT Owner = Dpc->NtsimOwner;
        if (KiTracing)
            KiTrace("DPC %s", Owner ? VfDriverName(Owner) : "system");
        PDRIVER_OBJECT Saved = VfSetCurrentDriver(Owner);
        ULONG HeldBefore = KiCurrentThread()->HeldCount;
        if (__builtin_expect(++Run > KiWatchdogConfig.dpc_count && KiWatchdogConfig.dpc_count, 0))
            KiWatchdogDpcFlood((PVOID)Dpc->DeferredRoutine, Site, Run - 1);
        if (TrEnabled)
            TrRoutine(TrDpcBegin, Owner ? VfDriverName(Owner) : NULL, 0);
        KI_DISPATCH_RUN Outer = KiWatchdogEnterDispatch((PVOID)Dpc->DeferredRoutine, FALSE);
        Dpc->DeferredRoutine(Dpc, Dpc->DeferredContext, Dpc->SystemArgument1, Dpc->SystemArgument2);
        KiWatchdogSetDispatch(&Outer);
        if (TrEnabled)
            TrRoutine(TrDpcEnd, Owner ? VfDriverName(Owner) : NULL, 0);
        VfSetCurrentDriver(Saved);
        KIRQL Now = KiCurrentIrql();
        if (Now != DISPATCH_LEVEL) {
            KiInDpc = FALSE;
            KiBugCheck(0xC8, ((ULONG_PTR)Now << 16) | (DISPATCH_LEVEL << 8) | 2, 0, 0, 0, Site,
                       "a DPC routine of '%s' returned at IRQL %u; DPCs must return at DISPATCH_LEVEL "
                       "(IRQL_UNEXPECTED_VALUE)", Owner ? VfDriverName(Owner) : "?", Now);
        }
        if (KiCurrentThread()->HeldCount > HeldBefore) {
            KiInDpc = FALSE;
            KiCheckLocksAcquiredSince(Owner, "DPC routine", Site, HeldBefore);
        }
    }
    KiDpcPending = FALSE;
    KiInDpc = FALSE;
    KiSetIrql(Old);
}

void KiDescribeDpc(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    KI_DPC_PRIVATE *P = CONTAINING_RECORD(Track, KI_DPC_PRIVATE, Track);
    PRKDPC Dpc = CONTAINING_RECORD((ULONGLONG *)P, KDPC, NtsimPrivate);
    snprintf(Buffer, Size, "DPC %p still queued (Windows: bug check 0xCE when it runs in an unloaded driver)",
             (void *)Dpc);
}

void KiReclaimDpc(NTSIM_TRACK *Track)
{
    KI_DPC_PRIVATE *P = CONTAINING_RECORD(Track, KI_DPC_PRIVATE, Track);
    PRKDPC Dpc = CONTAINING_RECORD((ULONGLONG *)P, KDPC, NtsimPrivate);
    if (Dpc->DpcData) {
        RemoveEntryList(&Dpc->DpcListEntry);
        InitializeListHead(&Dpc->DpcListEntry);
        Dpc->DpcData = NULL;
    }
    VfUntrack(Track);
    KiDpcPending = !IsListEmpty(&KiDpcQueue);
}
