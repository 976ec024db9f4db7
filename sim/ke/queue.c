/* queue.c - kernel queue objects: KeInitializeQueue, KeInsertQueue, KeInsertHeadQueue,
 * KeRemoveQueue, KeRundownQueue.
 *
 * A KQUEUE is a dispatcher object whose signal state counts its entries. A waiter in
 * KeRemoveQueue goes through the ordinary dispatcher wait (wait.c): satisfying the wait
 * reserves one entry (the state drops by one), and the woken thread takes the head
 * entry. Since the waker satisfies waiters in FIFO order and only the thread holding the
 * CPU runs, every woken waiter finds an entry. The concurrency limit (MaximumCount) is
 * recorded but not enforced: one simulated processor runs one thread anyway. */
#include "ntsimp.h"
#include "ke/kep.h"

static void KiCheckQueue(PRKQUEUE Queue, const char *Ddi, NTSIM_SITE Site)
{
    if (Queue == NULL)
        KiBugCheck(0xC4, 0x1010 /* approximate */, 0, 0, 0, Site, "%s(NULL): no queue", Ddi);
    if (Queue->Header.NtsimMagic != KI_DISPATCHER_MAGIC || Queue->Header.Type != QueueObject) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): the queue was never initialised", Ddi,
                 (void *)Queue);
        KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Queue, 0, 0, Site,
                   "%s(%p): the KQUEUE was never initialised with KeInitializeQueue", Ddi, (void *)Queue);
    }
}

VOID KeInitializeQueue(PRKQUEUE Queue, ULONG Count)
{
    NTSIM_SITE Site = KiTakeSite();
    if (Queue == NULL)
        KiBugCheck(0xC4, 0x1010 /* approximate */, 0, 0, 0, Site, "KeInitializeQueue(NULL)");
    VfCheckNonPagedObject(Queue, sizeof(*Queue), "KQUEUE", "KeInitializeQueue", Site);
    KiInitializeDispatcherHeader(&Queue->Header, QueueObject, 0);
    Queue->Header.Size = sizeof(KQUEUE) / sizeof(LONG);
    InitializeListHead(&Queue->EntryListHead);
    InitializeListHead(&Queue->ThreadListHead);
    Queue->CurrentCount = 0;
    Queue->MaximumCount = Count ? Count : KiProcessorCount();
}

static LONG KiInsertQueue(PRKQUEUE Queue, PLIST_ENTRY Entry, BOOLEAN Head, const char *Ddi)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql(Ddi, DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    KiCheckQueue(Queue, Ddi, Site);
    if (Entry == NULL)
        KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Queue, 0, 0, Site, "%s(%p, NULL): no entry", Ddi,
                   (void *)Queue);
    LONG Previous = Queue->Header.SignalState;
    if (Head)
        InsertHeadList(&Queue->EntryListHead, Entry);
    else
        InsertTailList(&Queue->EntryListHead, Entry);
    Queue->Header.SignalState++;
    KiSignalObject(&Queue->Header);
    return Previous;
}

LONG KeInsertQueue(PRKQUEUE Queue, PLIST_ENTRY Entry)
{
    return KiInsertQueue(Queue, Entry, FALSE, "KeInsertQueue");
}

LONG KeInsertHeadQueue(PRKQUEUE Queue, PLIST_ENTRY Entry)
{
    return KiInsertQueue(Queue, Entry, TRUE, "KeInsertHeadQueue");
}

PLIST_ENTRY KeRemoveQueue(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, PLARGE_INTEGER Timeout)
{
    (void)WaitMode;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckQueue(Queue, "KeRemoveQueue", Site);
    PVOID Objects[1] = { Queue };
    /* checks the IRQL like any wait: a zero timeout may poll at DISPATCH_LEVEL */
    NTSTATUS Status = KiWaitObjects(1, Objects, WaitAny, Timeout, "KeRemoveQueue", Site, FALSE);
    if (Status != STATUS_WAIT_0)
        return (PLIST_ENTRY)(LONG_PTR)Status; /* STATUS_TIMEOUT, as documented */
    return RemoveHeadList(&Queue->EntryListHead);
}

PLIST_ENTRY KeRundownQueue(PRKQUEUE Queue)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeRundownQueue", DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    KiCheckQueue(Queue, "KeRundownQueue", Site);
    if (!IsListEmpty(&Queue->Header.WaitListHead))
        KiBugCheck(0xC4, 0x1013 /* approximate */, (ULONG_PTR)Queue, 0, 0, Site,
                   "KeRundownQueue(%p) while threads still wait in KeRemoveQueue", (void *)Queue);
    PLIST_ENTRY First = NULL;
    if (!IsListEmpty(&Queue->EntryListHead)) {
        /* unlink the head: the entries stay linked to each other, First among them */
        First = Queue->EntryListHead.Flink;
        RemoveEntryList(&Queue->EntryListHead);
    }
    InitializeListHead(&Queue->EntryListHead);
    Queue->Header.SignalState = 0;
    Queue->Header.NtsimMagic = 0; /* run down: a later use is reported as uninitialised */
    return First;
}

LONG KeReadStateQueue(PRKQUEUE Queue)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckQueue(Queue, "KeReadStateQueue", Site);
    return Queue->Header.SignalState;
}
