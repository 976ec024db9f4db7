/* worker.c - the system work queue: ExQueueWorkItem and the worker thread that also
 * runs IoQueueWorkItem items (sim/io/workitem.c).
 *
 * One worker thread serves every queue type, created when the first item is queued;
 * it runs items in FIFO order at PASSIVE_LEVEL and checks each routine returns at
 * PASSIVE_LEVEL with no lock held and its critical regions balanced. */
#include "ex/exp.h"

LONG KiSetEvent(PRKEVENT Event);

static LIST_ENTRY ExpWorkQueue = { &ExpWorkQueue, &ExpWorkQueue };
static KEVENT ExpWorkReady;
static KI_THREAD *ExpWorker;

static void ExpWorkerMain(KI_THREAD *Self)
{
    (void)Self;
    for (;;) {
        while (IsListEmpty(&ExpWorkQueue)) {
            PVOID Objects[1] = { &ExpWorkReady };
            KiWaitInternal(1, Objects, WaitAny, HW_TIME_NEVER, "idle: waiting for work items");
        }
        EXP_WORK_NODE *Node = CONTAINING_RECORD(RemoveHeadList(&ExpWorkQueue), EXP_WORK_NODE, Link);
        InitializeListHead(&Node->Link);
        Node->Queued = FALSE;
        VfUntrack(&Node->Track);
        KiTrace("work item %s", Node->Owner ? VfDriverName(Node->Owner) : "system");
        Node->Run(Node);
    }
}

void ExpQueueWork(EXP_WORK_NODE *Node)
{
    if (ExpWorker == NULL) {
        if (ExpWorkReady.Header.NtsimMagic != KI_DISPATCHER_MAGIC)
            KiInitializeDispatcherHeader(&ExpWorkReady.Header, EventSynchronizationObject, 0);
        ExpWorker = KiCreateThread("system worker", NULL, NULL, NULL, ExpWorkerMain);
        ExpWorker->IsWorker = TRUE;
        ExpWorker->Priority = 12;
    }
    Node->Queued = TRUE;
    InsertTailList(&ExpWorkQueue, &Node->Link);
    KiSetEvent(&ExpWorkReady);
}

BOOLEAN ExpDequeueWork(EXP_WORK_NODE *Node)
{
    if (!Node->Queued)
        return FALSE;
    RemoveEntryList(&Node->Link);
    InitializeListHead(&Node->Link);
    Node->Queued = FALSE;
    VfUntrack(&Node->Track);
    return TRUE;
}

void ExpCheckWorkerReturn(EXP_WORK_NODE *Node, KIRQL Irql, LONG CriticalRegion, PVOID Item)
{
    KI_THREAD *T = KiCurrentThread();
    NTSIM_SITE None = { NULL, 0 };
    const char *Name = Node->Owner ? VfDriverName(Node->Owner) : "?";
    if (KiCurrentIrql() != Irql) {
        KIRQL Now = KiCurrentIrql();
        KiSetIrql(Irql);
        VfReport("SY-04", NTSIM_SEV_ERROR, Node->Owner, None, "a work item routine of '%s' returned at IRQL %u", Name,
                 Now);
        KiBugCheck(0xE1, (ULONG_PTR)Node->Routine, Now, (ULONG_PTR)Item, (ULONG_PTR)Item,
                   None, "a work item routine of '%s' returned at IRQL %u (WORKER_THREAD_RETURNED_AT_BAD_IRQL)", Name,
                   Now);
    }
    if (T->HeldCount)
        KiCheckLocksAtReturn(Node->Owner, "work item routine", None);
    if (T->CriticalRegion != CriticalRegion)
        KiBugCheck(0x1, (ULONG_PTR)Node->Routine, 0, (ULONG_PTR)(LONG_PTR)T->CriticalRegion, 1, None,
                   "a work item routine of '%s' returned with unbalanced KeEnter/LeaveCriticalRegion "
                   "(APC_INDEX_MISMATCH)", Name);
}

/* ---- ExQueueWorkItem ---- */

typedef struct _EXP_EX_ITEM {
    EXP_WORK_NODE Node;
    PWORK_QUEUE_ITEM Item;
} EXP_EX_ITEM;

static void ExpRunExItem(EXP_WORK_NODE *Node)
{
    EXP_EX_ITEM *X = CONTAINING_RECORD(Node, EXP_EX_ITEM, Node);
    PWORK_QUEUE_ITEM Item = X->Item;
    PWORKER_THREAD_ROUTINE Routine = Item->WorkerRoutine;
    PVOID Parameter = Item->Parameter;
    PDRIVER_OBJECT Owner = Node->Owner;
    EXP_WORK_NODE Copy = *Node;
    free(X); /* the routine may free or requeue its item */
    Item->List.Flink = NULL;
    KIRQL Irql = KiCurrentIrql();
    LONG Region = KiCurrentThread()->CriticalRegion;
    PDRIVER_OBJECT Saved = VfSetCurrentDriver(Owner);
    Routine(Parameter);
    VfSetCurrentDriver(Saved);
    ExpCheckWorkerReturn(&Copy, Irql, Region, Item);
}

VOID ExQueueWorkItem(PWORK_QUEUE_ITEM WorkItem, WORK_QUEUE_TYPE QueueType)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExQueueWorkItem", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    if (WorkItem == NULL || WorkItem->WorkerRoutine == NULL)
        KiBugCheck(0xE4, 0x2, (ULONG_PTR)WorkItem, QueueType, 0, Site,
                   "ExQueueWorkItem(%p): no worker routine (ExInitializeWorkItem not called?) (WORKER_INVALID)",
                   (void *)WorkItem);
    if (WorkItem->List.Flink != NULL)
        KiBugCheck(0xE4, 0x0, (ULONG_PTR)WorkItem, QueueType, 0, Site,
                   "ExQueueWorkItem(%p): the item is already queued (WORKER_INVALID)", (void *)WorkItem);
    EXP_EX_ITEM *X = KiHostAlloc(sizeof(*X));
    X->Item = WorkItem;
    X->Node.Owner = VfCurrentDriver();
    X->Node.Run = ExpRunExItem;
    X->Node.What = "work item (ExQueueWorkItem)";
    X->Node.Routine = (PVOID)WorkItem->WorkerRoutine;
    X->Node.FreeAfterRun = TRUE;
    InitializeListHead(&X->Node.Track.Link);
    WorkItem->List.Flink = &WorkItem->List; /* marks it queued */
    VfTrackFor(&X->Node.Track, X->Node.Owner, NtsimResWorkQueued, Site);
    ExpQueueWork(&X->Node);
}

void ExpDescribeQueuedWork(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    EXP_EX_ITEM *X = CONTAINING_RECORD(CONTAINING_RECORD(Track, EXP_WORK_NODE, Track), EXP_EX_ITEM, Node);
    snprintf(Buffer, Size, "work item %p queued with ExQueueWorkItem and not yet run", (void *)X->Item);
}

void ExpReclaimQueuedWork(NTSIM_TRACK *Track)
{
    EXP_WORK_NODE *Node = CONTAINING_RECORD(Track, EXP_WORK_NODE, Track);
    ExpDequeueWork(Node);
    if (Node->FreeAfterRun)
        free(CONTAINING_RECORD(Node, EXP_EX_ITEM, Node));
}

void ExpResetWorkers(void)
{
    while (!IsListEmpty(&ExpWorkQueue)) {
        EXP_WORK_NODE *Node = CONTAINING_RECORD(RemoveHeadList(&ExpWorkQueue), EXP_WORK_NODE, Link);
        InitializeListHead(&Node->Link);
        Node->Queued = FALSE;
        VfUntrack(&Node->Track);
        if (Node->FreeAfterRun)
            free(CONTAINING_RECORD(Node, EXP_EX_ITEM, Node));
    }
    ExpWorker = NULL;
    memset(&ExpWorkReady, 0, sizeof(ExpWorkReady));
}
