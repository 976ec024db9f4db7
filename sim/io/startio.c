/* startio.c - the system-managed device queue: IoStartPacket, IoStartNextPacket,
 * IoStartNextPacketByKey, IoSetStartIoAttributes, and the KDEVICE_QUEUE routines
 * (KeInitializeDeviceQueue, KeInsert[ByKey]DeviceQueue, KeRemove[ByKey]DeviceQueue,
 * KeRemoveEntryDeviceQueue) they are built on.
 *
 * StartIo runs at DISPATCH_LEVEL. A cancel routine given to IoStartPacket is set
 * under the cancel spin lock; an IRP cancelled while it is being queued has the
 * routine called at once (with the cancel lock held, as a cancel routine expects).
 * IoStartPacket marks the IRP queued for the verifier (rule IO-02).
 *
 * IoSetStartIoAttributes(DeferredStartIo = TRUE): an IoStartNextPacket made from
 * inside StartIo is deferred until StartIo returns, so StartIo never recurses. The
 * attributes live in DEVICE_OBJECT.Spare1 (reserved in the WDK; drivers do not
 * touch it), which keeps them exactly as long as the device. A deferred
 * IoStartNextPacketByKey is run as IoStartNextPacket (key ignored). */
#include "io/iop.h"

#define IOP_SIO_DEFERRED 0x01
#define IOP_SIO_NONCANCELABLE 0x02
#define IOP_SIO_IN_STARTIO 0x04
#define IOP_SIO_START_PENDING 0x08
#define IOP_SIO_PENDING_CANCELABLE 0x10

static void IopCheckQueueIrql(const char *Ddi, NTSIM_SITE Site)
{
    if (KiCurrentIrql() > DISPATCH_LEVEL)
        KiBugCheck(0xC4, 0x1050 /* approximate */, KiCurrentIrql(), 0, 0, Site, "%s at IRQL %u (must be <= DISPATCH_LEVEL)",
                   Ddi, KiCurrentIrql());
}

/* ---- KDEVICE_QUEUE ---- */

VOID KeInitializeDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    KiTakeSite();
    DeviceQueue->Type = DeviceQueueObject;
    DeviceQueue->Size = sizeof(KDEVICE_QUEUE);
    InitializeListHead(&DeviceQueue->DeviceListHead);
    DeviceQueue->Lock = 0;
    DeviceQueue->Busy = FALSE;
}

static void IopCheckDeviceQueue(PKDEVICE_QUEUE Queue, const char *Ddi, NTSIM_SITE Site)
{
    if (Queue == NULL || Queue->Type != DeviceQueueObject || Queue->DeviceListHead.Flink == NULL)
        KiBugCheck(0xC4, 0x1051 /* approximate */, (ULONG_PTR)Queue, 0, 0, Site,
                   "%s(%p): the device queue was never initialised (KeInitializeDeviceQueue)", Ddi, (void *)Queue);
    IopCheckQueueIrql(Ddi, Site);
}

BOOLEAN KeInsertDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    IopCheckDeviceQueue(DeviceQueue, "KeInsertDeviceQueue", KiTakeSite());
    if (!DeviceQueue->Busy) {
        DeviceQueue->Busy = TRUE;
        DeviceQueueEntry->Inserted = FALSE;
        return FALSE;
    }
    InsertTailList(&DeviceQueue->DeviceListHead, &DeviceQueueEntry->DeviceListEntry);
    DeviceQueueEntry->Inserted = TRUE;
    return TRUE;
}

BOOLEAN KeInsertByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry, ULONG SortKey)
{
    IopCheckDeviceQueue(DeviceQueue, "KeInsertByKeyDeviceQueue", KiTakeSite());
    DeviceQueueEntry->SortKey = SortKey;
    if (!DeviceQueue->Busy) {
        DeviceQueue->Busy = TRUE;
        DeviceQueueEntry->Inserted = FALSE;
        return FALSE;
    }
    /* ascending keys; equal keys keep arrival order */
    PLIST_ENTRY E = DeviceQueue->DeviceListHead.Flink;
    while (E != &DeviceQueue->DeviceListHead &&
           CONTAINING_RECORD(E, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey <= SortKey)
        E = E->Flink;
    InsertTailList(E, &DeviceQueueEntry->DeviceListEntry); /* i.e. just before E */
    DeviceQueueEntry->Inserted = TRUE;
    return TRUE;
}

PKDEVICE_QUEUE_ENTRY KeRemoveDeviceQueue(PKDEVICE_QUEUE DeviceQueue)
{
    IopCheckDeviceQueue(DeviceQueue, "KeRemoveDeviceQueue", KiTakeSite());
    if (IsListEmpty(&DeviceQueue->DeviceListHead)) {
        DeviceQueue->Busy = FALSE;
        return NULL;
    }
    PKDEVICE_QUEUE_ENTRY Entry =
        CONTAINING_RECORD(RemoveHeadList(&DeviceQueue->DeviceListHead), KDEVICE_QUEUE_ENTRY, DeviceListEntry);
    Entry->Inserted = FALSE;
    return Entry;
}

PKDEVICE_QUEUE_ENTRY KeRemoveByKeyDeviceQueue(PKDEVICE_QUEUE DeviceQueue, ULONG SortKey)
{
    IopCheckDeviceQueue(DeviceQueue, "KeRemoveByKeyDeviceQueue", KiTakeSite());
    if (IsListEmpty(&DeviceQueue->DeviceListHead)) {
        DeviceQueue->Busy = FALSE;
        return NULL;
    }
    /* the first entry with a key >= SortKey, else (wrap around) the first one */
    PLIST_ENTRY E = DeviceQueue->DeviceListHead.Flink;
    while (E != &DeviceQueue->DeviceListHead &&
           CONTAINING_RECORD(E, KDEVICE_QUEUE_ENTRY, DeviceListEntry)->SortKey < SortKey)
        E = E->Flink;
    if (E == &DeviceQueue->DeviceListHead)
        E = DeviceQueue->DeviceListHead.Flink;
    RemoveEntryList(E);
    PKDEVICE_QUEUE_ENTRY Entry = CONTAINING_RECORD(E, KDEVICE_QUEUE_ENTRY, DeviceListEntry);
    Entry->Inserted = FALSE;
    return Entry;
}

BOOLEAN KeRemoveEntryDeviceQueue(PKDEVICE_QUEUE DeviceQueue, PKDEVICE_QUEUE_ENTRY DeviceQueueEntry)
{
    IopCheckDeviceQueue(DeviceQueue, "KeRemoveEntryDeviceQueue", KiTakeSite());
    if (!DeviceQueueEntry->Inserted)
        return FALSE;
    RemoveEntryList(&DeviceQueueEntry->DeviceListEntry);
    DeviceQueueEntry->Inserted = FALSE;
    return TRUE;
}

/* ---- StartIo ---- */

VOID IoSetStartIoAttributes(PDEVICE_OBJECT DeviceObject, BOOLEAN DeferredStartIo, BOOLEAN NonCancelable)
{
    KiTakeSite();
    DeviceObject->Spare1 = (USHORT)((DeviceObject->Spare1 & ~(IOP_SIO_DEFERRED | IOP_SIO_NONCANCELABLE)) |
                                    (DeferredStartIo ? IOP_SIO_DEFERRED : 0) |
                                    (NonCancelable ? IOP_SIO_NONCANCELABLE : 0));
}

static void IopStartNext(PDEVICE_OBJECT Device, BOOLEAN Cancelable, BOOLEAN ByKey, ULONG Key);

/* At DISPATCH_LEVEL. */
static void IopCallStartIo(PDEVICE_OBJECT Device, PIRP Irp)
{
    PDRIVER_OBJECT Driver = Device->DriverObject;
    if (Driver->DriverStartIo == NULL)
        KiBugCheck(0xC4, 0x1052 /* approximate */, (ULONG_PTR)Device, (ULONG_PTR)Irp, 0, (NTSIM_SITE){ NULL, 0 },
                   "IoStartPacket/IoStartNextPacket for %s, whose DriverObject->DriverStartIo is NULL",
                   VfDriverName(Driver));
    Device->Spare1 |= IOP_SIO_IN_STARTIO;
    IOP_CALL_DRIVER(Driver, Driver->DriverStartIo(Device, Irp));
    Device->Spare1 &= ~IOP_SIO_IN_STARTIO;
    while (Device->Spare1 & IOP_SIO_START_PENDING) {
        BOOLEAN Cancelable = (Device->Spare1 & IOP_SIO_PENDING_CANCELABLE) != 0;
        Device->Spare1 &= ~(IOP_SIO_START_PENDING | IOP_SIO_PENDING_CANCELABLE);
        IopStartNext(Device, Cancelable, FALSE, 0);
    }
}

static void IopStartNext(PDEVICE_OBJECT Device, BOOLEAN Cancelable, BOOLEAN ByKey, ULONG Key)
{
    if ((Device->Spare1 & (IOP_SIO_DEFERRED | IOP_SIO_IN_STARTIO)) == (IOP_SIO_DEFERRED | IOP_SIO_IN_STARTIO)) {
        Device->Spare1 |= IOP_SIO_START_PENDING | (Cancelable ? IOP_SIO_PENDING_CANCELABLE : 0);
        return;
    }
    KIRQL Old = KiCurrentIrql();
    if (Cancelable)
        IoAcquireCancelSpinLock(&Old);
    Device->CurrentIrp = NULL;
    PKDEVICE_QUEUE_ENTRY Entry = NULL;
    if (Device->DeviceQueue.Busy)
        Entry = ByKey ? KeRemoveByKeyDeviceQueue(&Device->DeviceQueue, Key) : KeRemoveDeviceQueue(&Device->DeviceQueue);
    if (Entry == NULL) {
        if (Cancelable)
            IoReleaseCancelSpinLock(Old);
        return;
    }
    PIRP Irp = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.DeviceQueueEntry);
    Device->CurrentIrp = Irp;
    if (Cancelable) {
        if (Device->Spare1 & IOP_SIO_NONCANCELABLE)
            IoSetCancelRoutine(Irp, NULL);
        IoReleaseCancelSpinLock(Old);
    }
    KIRQL Raised = KiCurrentIrql();
    if (Raised < DISPATCH_LEVEL)
        KiSetIrql(DISPATCH_LEVEL);
    IopCallStartIo(Device, Irp);
    if (Raised < DISPATCH_LEVEL)
        KiLowerIrqlTo(Raised);
}

VOID IoStartPacket(PDEVICE_OBJECT DeviceObject, PIRP Irp, PULONG Key, PDRIVER_CANCEL CancelFunction)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckQueueIrql("IoStartPacket", Site);
    IopMarkIrpQueued(Irp);
    KIRQL Old;
    IoAcquireCancelSpinLock(&Old);
    if (CancelFunction)
        IoSetCancelRoutine(Irp, CancelFunction);
    BOOLEAN Queued = Key ? KeInsertByKeyDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry, *Key)
                         : KeInsertDeviceQueue(&DeviceObject->DeviceQueue, &Irp->Tail.Overlay.DeviceQueueEntry);
    if (!Queued) {
        DeviceObject->CurrentIrp = Irp;
        if (CancelFunction && (DeviceObject->Spare1 & IOP_SIO_NONCANCELABLE))
            IoSetCancelRoutine(Irp, NULL);
        IoReleaseCancelSpinLock(DISPATCH_LEVEL);
        IopCallStartIo(DeviceObject, Irp);
        KiLowerIrqlTo(Old);
        return;
    }
    if (CancelFunction && Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        /* cancelled while being queued: the cancel routine releases the cancel lock */
        Irp->CancelIrql = Old;
        IOP_CALL_DRIVER(DeviceObject->DriverObject, CancelFunction(DeviceObject, Irp));
        return;
    }
    IoReleaseCancelSpinLock(Old);
}

VOID IoStartNextPacket(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckQueueIrql("IoStartNextPacket", Site);
    IopStartNext(DeviceObject, Cancelable, FALSE, 0);
}

VOID IoStartNextPacketByKey(PDEVICE_OBJECT DeviceObject, BOOLEAN Cancelable, ULONG Key)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckQueueIrql("IoStartNextPacketByKey", Site);
    IopStartNext(DeviceObject, Cancelable, TRUE, Key);
}
