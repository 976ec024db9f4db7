/* workitem.c - IoAllocateWorkItem / IoQueueWorkItem / IoFreeWorkItem. An I/O work
 * item belongs to a device object; while queued it holds a reference on the device
 * (so the device cannot go away under it), and it runs on the system worker thread
 * (sim/ex/worker.c) at PASSIVE_LEVEL. Allocated items are tracked for the leak audit. */
#include "io/iop.h"
#include "ex/exp.h"

typedef struct _IO_WORKITEM {
    EXP_WORK_NODE Node;
    PDEVICE_OBJECT Device;
    PIO_WORKITEM_ROUTINE Routine;
    PIO_WORKITEM_ROUTINE_EX RoutineEx; /* IoQueueWorkItemEx: also gets the item */
    PVOID Context;
    ULONG Magic;
    NTSIM_TRACK Track;   /* NtsimResWorkItem while allocated */
} IO_WORKITEM;

#define IOP_WORKITEM_MAGIC 0x6D744957u /* "WItm" */

static void IopRunWorkItem(EXP_WORK_NODE *Node)
{
    IO_WORKITEM *Item = CONTAINING_RECORD(Node, IO_WORKITEM, Node);
    PDEVICE_OBJECT Device = Item->Device;
    KIRQL Irql = KiCurrentIrql();
    LONG Region = KiCurrentThread()->CriticalRegion;
    EXP_WORK_NODE Copy = *Node; /* the routine may free the item */
    if (Item->RoutineEx)
        IOP_CALL_DRIVER(Device->DriverObject, Item->RoutineEx(Device, Item->Context, Item));
    else
        IOP_CALL_DRIVER(Device->DriverObject, Item->Routine(Device, Item->Context));
    ExpCheckWorkerReturn(&Copy, Irql, Region, Item);
    ObpDereference(Device);
}

PIO_WORKITEM IoAllocateWorkItem(PDEVICE_OBJECT DeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoAllocateWorkItem", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    if (DeviceObject == NULL)
        KiBugCheck(0xC4, 0x1017 /* approximate */, 0, 0, 0, Site, "IoAllocateWorkItem(NULL device object)");
    if (ViFaultShouldFail(NtsimFaultWorkItem, "IoAllocateWorkItem", 0, Site))
        return NULL;
    IO_WORKITEM *Item = KiHostAlloc(sizeof(*Item));
    Item->Device = DeviceObject;
    Item->Magic = IOP_WORKITEM_MAGIC;
    InitializeListHead(&Item->Node.Link);
    InitializeListHead(&Item->Node.Track.Link);
    Item->Node.Run = IopRunWorkItem;
    Item->Node.What = "I/O work item";
    VfTrack(&Item->Track, NtsimResWorkItem, Site);
    return Item;
}

static IO_WORKITEM *IopCheckWorkItem(PIO_WORKITEM Item, const char *Ddi, NTSIM_SITE Site)
{
    if (Item == NULL || Item->Magic != IOP_WORKITEM_MAGIC)
        KiBugCheck(0xE4, 0x3, (ULONG_PTR)Item, 0, 0, Site, "%s(%p): not a work item from IoAllocateWorkItem "
                   "(WORKER_INVALID)", Ddi, (void *)Item);
    return Item;
}

static NTSIM_TLS PIO_WORKITEM_ROUTINE_EX IopNextRoutineEx; /* set by IoQueueWorkItemEx for the call below */

VOID IoQueueWorkItem(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                     PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoQueueWorkItem", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    IO_WORKITEM *Item = IopCheckWorkItem(IoWorkItem, "IoQueueWorkItem", Site);
    if (Item->Node.Queued)
        KiBugCheck(0xE4, 0x0, (ULONG_PTR)Item, QueueType, 0, Site,
                   "IoQueueWorkItem(%p): the work item is already queued (WORKER_INVALID)", (void *)Item);
    Item->Routine = WorkerRoutine;
    Item->RoutineEx = IopNextRoutineEx;
    IopNextRoutineEx = NULL;
    Item->Context = Context;
    Item->Node.Owner = Item->Device->DriverObject;
    Item->Node.Routine = Item->RoutineEx ? (PVOID)Item->RoutineEx : (PVOID)WorkerRoutine;
    ObpReference(Item->Device);
    ExpQueueWork(&Item->Node);
}

VOID IoFreeWorkItem(PIO_WORKITEM IoWorkItem)
{
    NTSIM_SITE Site = KiTakeSite();
    IO_WORKITEM *Item = IopCheckWorkItem(IoWorkItem, "IoFreeWorkItem", Site);
    if (Item->Node.Queued)
        KiBugCheck(0xE4, 0x1, (ULONG_PTR)Item, 0, 0, Site,
                   "IoFreeWorkItem(%p) while the work item is still queued (WORKER_INVALID)", (void *)Item);
    VfUntrack(&Item->Track);
    Item->Magic = 0;
    free(Item);
}

void IopDescribeWorkItem(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IO_WORKITEM *Item = CONTAINING_RECORD(Track, IO_WORKITEM, Track);
    snprintf(Buffer, Size, "I/O work item %p %s", (void *)Item,
             Item->Node.Queued ? "still queued (Windows: bug check 0xCE when it runs)" : "allocated and never freed");
}

void IopReclaimWorkItem(NTSIM_TRACK *Track)
{
    IO_WORKITEM *Item = CONTAINING_RECORD(Track, IO_WORKITEM, Track);
    if (ExpDequeueWork(&Item->Node))
        ObpDereference(Item->Device);
    VfUntrack(Track);
    Item->Magic = 0;
    free(Item);
}

VOID IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine, WORK_QUEUE_TYPE QueueType,
                       PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    NtsimSetSite(Site.File, Site.Line);
    IopNextRoutineEx = WorkerRoutine;
    IoQueueWorkItem(IoWorkItem, NULL, QueueType, Context);
}
