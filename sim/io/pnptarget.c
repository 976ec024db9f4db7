/* pnptarget.c - target-device notifications: what a driver that holds a file object of
 * another device learns about that device (EventCategoryTargetDeviceChange).
 *
 * A registration names a file object; its device is the stack whose PDO is at the
 * bottom below the file object's device. The PnP manager then calls the callback:
 *   GUID_TARGET_DEVICE_QUERY_REMOVE    before an orderly removal, before any IRP: the
 *                                      registrant closes its file object (or fails the
 *                                      callback, which vetoes the removal);
 *   GUID_TARGET_DEVICE_REMOVE_CANCELLED the removal was vetoed after all (reopen);
 *   GUID_TARGET_DEVICE_REMOVE_COMPLETE  the device is gone (after REMOVE_DEVICE or a
 *                                      surprise removal): unregister;
 *   custom events                      IoReportTargetDeviceChange(Asynchronous).
 * Each call gets the registration's file object in the structure, at PASSIVE_LEVEL. */
#include "io/pnpp.h"
#include "ex/exp.h"

typedef struct _IOP_TARGET_NOTIFY {
    LIST_ENTRY Link;
    ULONG Magic;
    PFILE_OBJECT FileObject;
    PDEVICE_OBJECT Pdo;        /* not referenced: compared only */
    PDRIVER_OBJECT Driver;
    PDRIVER_NOTIFICATION_CALLBACK_ROUTINE Callback;
    PVOID Context;
    BOOLEAN QueryRemoveSent;   /* told of this removal, so told of its cancellation */
} IOP_TARGET_NOTIFY;

#define IOP_TARGET_MAGIC 0x74476154u /* "TaGt" */

static const GUID IopQueryRemove = { 0xcb3a4006, 0x46f0, 0x11d0, { 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f } };
static const GUID IopRemoveCancelled = { 0xcb3a4007, 0x46f0, 0x11d0, { 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f } };
static const GUID IopRemoveComplete = { 0xcb3a4008, 0x46f0, 0x11d0, { 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f } };

static LIST_ENTRY IopTargets = { &IopTargets, &IopTargets };

static PDEVICE_OBJECT IopBaseOf(PDEVICE_OBJECT Device)
{
    while (IopDevice(Device)->AttachedTo)
        Device = IopDevice(Device)->AttachedTo;
    return Device;
}

NTSTATUS IopRegisterTargetNotification(PFILE_OBJECT FileObject, PDRIVER_OBJECT Driver,
                                       PDRIVER_NOTIFICATION_CALLBACK_ROUTINE Callback, PVOID Context, PVOID *Entry)
{
    if (FileObject == NULL || FileObject->DeviceObject == NULL)
        return STATUS_INVALID_PARAMETER;
    IOP_TARGET_NOTIFY *N = KiHostAlloc(sizeof(*N));
    memset(N, 0, sizeof(*N));
    N->Magic = IOP_TARGET_MAGIC;
    N->FileObject = FileObject;
    N->Pdo = IopBaseOf(FileObject->DeviceObject);
    N->Driver = Driver;
    N->Callback = Callback;
    N->Context = Context;
    InsertTailList(&IopTargets, &N->Link);
    *Entry = N;
    return STATUS_SUCCESS;
}

BOOLEAN IopUnregisterTargetNotification(PVOID Entry)
{
    IOP_TARGET_NOTIFY *N = Entry;
    if (N == NULL || N->Magic != IOP_TARGET_MAGIC)
        return FALSE;
    N->Magic = 0;
    RemoveEntryList(&N->Link);
    free(N);
    return TRUE;
}

/* FALSE (and the registration dropped) when its driver is gone: IO-04. */
static BOOLEAN IopTargetDriverAlive(IOP_TARGET_NOTIFY *N)
{
    if (!IopDriver(N->Driver)->Unloaded)
        return TRUE;
    VfReport("IO-04", NTSIM_SEV_ERROR, N->Driver, KiNoSite,
             "%s is unloaded but its target-device notification callback is still registered "
             "(IoUnregisterPlugPlayNotification after GUID_TARGET_DEVICE_REMOVE_COMPLETE, or in Unload)",
             VfDriverName(N->Driver));
    IopUnregisterTargetNotification(N);
    return FALSE;
}

static NTSTATUS IopCallTarget(IOP_TARGET_NOTIFY *N, PVOID Structure)
{
    NTSTATUS Status = STATUS_SUCCESS;
    KiSetIrql(PASSIVE_LEVEL);
    IOP_CALL_DRIVER(N->Driver, Status = N->Callback(Structure, N->Context));
    return Status;
}

static NTSTATUS IopSendRemovalEvent(IOP_TARGET_NOTIFY *N, const GUID *Event)
{
    TARGET_DEVICE_REMOVAL_NOTIFICATION Note;
    memset(&Note, 0, sizeof(Note));
    Note.Version = 1;
    Note.Size = sizeof(Note);
    Note.Event = *Event;
    Note.FileObject = N->FileObject;
    return IopCallTarget(N, &Note);
}

static BOOLEAN IopInSet(PDEVICE_OBJECT Pdo, PDEVICE_OBJECT *Pdos, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        if (Pdos[i] == Pdo)
            return TRUE;
    return FALSE;
}

/* Before an orderly removal of the devices Pdos: each registrant is asked; the first
 * failure vetoes (and those already asked hear REMOVE_CANCELLED). */
NTSTATUS IopTargetQueryRemove(PDEVICE_OBJECT *Pdos, ULONG Count, PDRIVER_OBJECT *Vetoer)
{
    for (PLIST_ENTRY E = IopTargets.Flink; E != &IopTargets; E = E->Flink)
        CONTAINING_RECORD(E, IOP_TARGET_NOTIFY, Link)->QueryRemoveSent = FALSE;
    for (PLIST_ENTRY E = IopTargets.Flink; E != &IopTargets;) {
        IOP_TARGET_NOTIFY *N = CONTAINING_RECORD(E, IOP_TARGET_NOTIFY, Link);
        E = E->Flink; /* the callback may unregister itself */
        if (!IopInSet(N->Pdo, Pdos, Count) || !IopTargetDriverAlive(N))
            continue;
        N->QueryRemoveSent = TRUE;
        NTSTATUS Status = IopSendRemovalEvent(N, &IopQueryRemove);
        if (!NT_SUCCESS(Status)) {
            if (Vetoer)
                *Vetoer = N->Driver;
            IopTargetRemoveCancelled(Pdos, Count);
            return Status;
        }
    }
    return STATUS_SUCCESS;
}

void IopTargetRemoveCancelled(PDEVICE_OBJECT *Pdos, ULONG Count)
{
    for (PLIST_ENTRY E = IopTargets.Flink; E != &IopTargets;) {
        IOP_TARGET_NOTIFY *N = CONTAINING_RECORD(E, IOP_TARGET_NOTIFY, Link);
        E = E->Flink;
        if (!N->QueryRemoveSent || !IopInSet(N->Pdo, Pdos, Count))
            continue;
        N->QueryRemoveSent = FALSE;
        IopSendRemovalEvent(N, &IopRemoveCancelled);
    }
}

void IopTargetRemoveComplete(PDEVICE_OBJECT *Pdos, ULONG Count)
{
    for (PLIST_ENTRY E = IopTargets.Flink; E != &IopTargets;) {
        IOP_TARGET_NOTIFY *N = CONTAINING_RECORD(E, IOP_TARGET_NOTIFY, Link);
        E = E->Flink;
        if (!IopInSet(N->Pdo, Pdos, Count) || !IopTargetDriverAlive(N))
            continue;
        N->QueryRemoveSent = FALSE;
        IopSendRemovalEvent(N, &IopRemoveComplete);
    }
}

void IopTargetReset(void)
{
    while (!IsListEmpty(&IopTargets)) {
        IOP_TARGET_NOTIFY *N = CONTAINING_RECORD(RemoveHeadList(&IopTargets), IOP_TARGET_NOTIFY, Link);
        N->Magic = 0;
        free(N);
    }
}

/* ---- custom events ---- */

static BOOLEAN IopIsSystemEvent(const GUID *Event)
{
    return !memcmp(Event, &IopQueryRemove, sizeof(GUID)) || !memcmp(Event, &IopRemoveCancelled, sizeof(GUID)) ||
           !memcmp(Event, &IopRemoveComplete, sizeof(GUID));
}

static NTSTATUS IopCheckCustom(PDEVICE_OBJECT Pdo, PTARGET_DEVICE_CUSTOM_NOTIFICATION Note, const char *Ddi,
                               NTSIM_SITE Site)
{
    if (Pdo == NULL || ObpGetObjectType(Pdo) != &IopDeviceType || IopDeviceNode(Pdo) == NULL)
        KiBugCheck(0xCA, 0x2, (ULONG_PTR)Pdo, 0, 0, Site,
                   "%s(%p): not a PDO the PnP manager knows (pass the physical device object)", Ddi, (void *)Pdo);
    if (Note == NULL || Note->Size < FIELD_OFFSET(TARGET_DEVICE_CUSTOM_NOTIFICATION, CustomDataBuffer))
        return STATUS_INVALID_PARAMETER;
    if (Note->FileObject != NULL || IopIsSystemEvent(&Note->Event))
        return STATUS_INVALID_DEVICE_REQUEST; /* only custom events, FileObject NULL (the PnP manager fills it) */
    return STATUS_SUCCESS;
}

/* Each registrant of Pdo gets its own copy with its file object filled in. */
static void IopDeliverCustom(PDEVICE_OBJECT Pdo, const TARGET_DEVICE_CUSTOM_NOTIFICATION *Note)
{
    for (PLIST_ENTRY E = IopTargets.Flink; E != &IopTargets;) {
        IOP_TARGET_NOTIFY *N = CONTAINING_RECORD(E, IOP_TARGET_NOTIFY, Link);
        E = E->Flink;
        if (N->Pdo != Pdo || !IopTargetDriverAlive(N))
            continue;
        PTARGET_DEVICE_CUSTOM_NOTIFICATION Copy = KiHostAlloc(Note->Size);
        memcpy(Copy, Note, Note->Size);
        Copy->FileObject = N->FileObject;
        IopCallTarget(N, Copy);
        free(Copy);
    }
}

NTSTATUS IoReportTargetDeviceChange(PDEVICE_OBJECT PhysicalDeviceObject, PVOID NotificationStructure)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoReportTargetDeviceChange", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    NTSTATUS Status = IopCheckCustom(PhysicalDeviceObject, NotificationStructure, "IoReportTargetDeviceChange", Site);
    if (!NT_SUCCESS(Status))
        return Status;
    IopDeliverCustom(PhysicalDeviceObject, NotificationStructure);
    return STATUS_SUCCESS;
}

typedef struct _IOP_ASYNC_CHANGE {
    EXP_WORK_NODE Node;
    PDEVICE_OBJECT Pdo;                 /* referenced until delivered */
    PDRIVER_OBJECT Reporter;
    PDEVICE_CHANGE_COMPLETE_CALLBACK Callback;
    PVOID Context;
    PTARGET_DEVICE_CUSTOM_NOTIFICATION Note;
} IOP_ASYNC_CHANGE;

static void IopRunAsyncChange(EXP_WORK_NODE *Node)
{
    IOP_ASYNC_CHANGE *A = CONTAINING_RECORD(Node, IOP_ASYNC_CHANGE, Node);
    IopDeliverCustom(A->Pdo, A->Note);
    if (A->Callback) {
        KiSetIrql(PASSIVE_LEVEL);
        IOP_CALL_DRIVER(A->Reporter, A->Callback(A->Context));
    }
    ObpDereference(A->Pdo);
    free(A->Note);
    free(A);
}

NTSTATUS IoReportTargetDeviceChangeAsynchronous(PDEVICE_OBJECT PhysicalDeviceObject, PVOID NotificationStructure,
                                                PDEVICE_CHANGE_COMPLETE_CALLBACK Callback, PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoReportTargetDeviceChangeAsynchronous", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    PTARGET_DEVICE_CUSTOM_NOTIFICATION Note = NotificationStructure;
    NTSTATUS Status = IopCheckCustom(PhysicalDeviceObject, Note, "IoReportTargetDeviceChangeAsynchronous", Site);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ViFaultShouldFail(NtsimFaultPool, "IoReportTargetDeviceChangeAsynchronous", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    IOP_ASYNC_CHANGE *A = KiHostAlloc(sizeof(*A));
    memset(A, 0, sizeof(*A));
    InitializeListHead(&A->Node.Link);
    InitializeListHead(&A->Node.Track.Link);
    A->Node.Run = IopRunAsyncChange;
    A->Node.What = "target device change";
    A->Node.Routine = (PVOID)Callback;
    A->Pdo = PhysicalDeviceObject;
    ObpReference(PhysicalDeviceObject);
    A->Reporter = VfCurrentDriver();
    A->Callback = Callback;
    A->Context = Context;
    A->Note = KiHostAlloc(Note->Size); /* a copy: the caller may free its structure now */
    memcpy(A->Note, Note, Note->Size);
    ExpQueueWork(&A->Node);
    return STATUS_PENDING;
}
