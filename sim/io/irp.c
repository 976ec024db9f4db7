/* irp.c - IRPs: allocation, IoCallDriver, IoCompleteRequest and the per-IRP
 * bookkeeping the verifier uses (rules IO-01, IO-02).
 *
 * Memory layout of an IRP the I/O manager allocates:
 *   [IOP_IRP_PRIVATE][IRP][IO_STACK_LOCATION x StackSize]
 * An IRP a driver lays out itself with IoInitializeIrp has no private part; the
 * AllocationFlags bit IOP_IRP_HAS_PRIVATE tells them apart. Freed IRPs are kept in
 * per-size caches (which makes the round trip cheap) and stay marked freed there,
 * so completing or freeing one again is recognised. */
#include "io/iop.h"
#include "trace/trace.h"

#define IOP_IRP_LIVE 0x7072496Cu  /* "lIrp" */
#define IOP_IRP_FREED 0x70724966u /* "fIrp" */
#define IOP_IRP_HAS_PRIVATE 0x80
#define IOP_IRP_CACHED_SIZES 9
#define IOP_IRP_CACHE_DEPTH 32

typedef struct DECLSPEC_ALIGN(16) _IOP_IRP_PRIVATE {
    ULONG Magic;
    CCHAR AllocatedStackSize;
    BOOLEAN Completed;
    BOOLEAN FinalPending;
    ULONG PendingMask;    /* levels whose stack location had SL_PENDING_RETURNED at completion */
    ULONG ForwardedMask;  /* levels that passed the IRP down with IoCallDriver */
    ULONG QueuedMask;     /* levels that queued it (IoStartPacket) */
    NTSTATUS CompletionStatus;
    IOP_FINAL_COMPLETION Final;
    void *FinalContext;
    ULONG TraceId;        /* the IRP's number in a trace (0 until traced) */
    ULONG DispatchDepth;  /* dispatch routines running on it: freeing waits for them */
    BOOLEAN FreeDeferred; /* freed while a dispatch routine ran: released when it returns */
    NTSIM_TRACK Track;    /* owner when a driver allocated it */
    LIST_ENTRY LiveLink;  /* every IRP not freed: reclaimed when the machine is destroyed */
    struct _IOP_IRP_PRIVATE *NextFree;
} IOP_IRP_PRIVATE;

static IOP_IRP_PRIVATE *IopIrpCache[IOP_IRP_CACHED_SIZES];
static LIST_ENTRY IopLiveIrps = { &IopLiveIrps, &IopLiveIrps };
/* Freed mid-dispatch, not yet released (linked by LiveLink: removing one is O(1)). */
static LIST_ENTRY IopDeferredFrees = { &IopDeferredFrees, &IopDeferredFrees };
static unsigned IopIrpCacheCount[IOP_IRP_CACHED_SIZES];

static inline IOP_IRP_PRIVATE *IopIrpPrivate(PIRP Irp)
{
    return (Irp->AllocationFlags & IOP_IRP_HAS_PRIVATE) ? (IOP_IRP_PRIVATE *)Irp - 1 : NULL;
}

static void IopInitializeIrpFields(PIRP Irp, CCHAR StackSize, UCHAR AllocationFlags)
{
    memset(Irp, 0, sizeof(IRP) + (size_t)StackSize * sizeof(IO_STACK_LOCATION));
    Irp->Type = IO_TYPE_IRP;
    Irp->Size = IoSizeOfIrp(StackSize);
    Irp->StackCount = StackSize;
    Irp->CurrentLocation = (CHAR)(StackSize + 1);
    Irp->AllocationFlags = AllocationFlags;
    Irp->ApcEnvironment = 0;
    InitializeListHead(&Irp->ThreadListEntry);
    Irp->Tail.Overlay.CurrentStackLocation = (PIO_STACK_LOCATION)(Irp + 1) + StackSize;
}

/* Field by field, not memset: for this size gcc emits `rep stos`, whose start-up costs
 * more than the stores on every round trip (docs/performance.md). A new field must be
 * set here. */
static inline void IopResetIrpPrivate(IOP_IRP_PRIVATE *Private, CCHAR StackSize)
{
    _Static_assert(sizeof(IOP_IRP_PRIVATE) == 128, "a field was added: set it below");
    Private->Magic = IOP_IRP_LIVE;
    Private->AllocatedStackSize = StackSize;
    Private->Completed = FALSE;
    Private->FinalPending = FALSE;
    Private->PendingMask = Private->ForwardedMask = Private->QueuedMask = 0;
    Private->CompletionStatus = 0;
    Private->Final = NULL;
    Private->FinalContext = NULL;
    Private->TraceId = 0;
    Private->DispatchDepth = 0;
    Private->FreeDeferred = FALSE;
    InitializeListHead(&Private->Track.Link);
    Private->Track.Owner = NULL;
    Private->Track.Kind = 0;
    Private->Track.Site = KiNoSite;
    Private->NextFree = NULL;
}

PIRP IopAllocateIrp(CCHAR StackSize)
{
    IOP_IRP_PRIVATE *Private = NULL;
    if (StackSize >= 0 && StackSize < IOP_IRP_CACHED_SIZES && IopIrpCache[(int)StackSize]) {
        Private = IopIrpCache[(int)StackSize];
        IopIrpCache[(int)StackSize] = Private->NextFree;
        IopIrpCacheCount[(int)StackSize]--;
    } else {
        Private = KiHostAlloc(sizeof(IOP_IRP_PRIVATE) + sizeof(IRP) + (size_t)StackSize * sizeof(IO_STACK_LOCATION));
    }
    IopResetIrpPrivate(Private, StackSize);
    InsertTailList(&IopLiveIrps, &Private->LiveLink);
    PIRP Irp = (PIRP)(Private + 1);
    IopInitializeIrpFields(Irp, StackSize, IOP_IRP_HAS_PRIVATE);
    return Irp;
}

static void IopReleaseIrpMemory(IOP_IRP_PRIVATE *Private)
{
    CCHAR Size = Private->AllocatedStackSize;
    if (Size >= 0 && Size < IOP_IRP_CACHED_SIZES && IopIrpCacheCount[(int)Size] < IOP_IRP_CACHE_DEPTH) {
        Private->NextFree = IopIrpCache[(int)Size];
        IopIrpCache[(int)Size] = Private;
        IopIrpCacheCount[(int)Size]++;
    } else {
        free(Private);
    }
}

/* An IRP completed to the top inside a dispatch routine (a create or cleanup the I/O
 * manager sent) is freed before that routine returns; IopCallDispatch still reads its
 * bookkeeping afterwards, so the memory is released when the last routine returns. */
void IopFreeIrp(PIRP Irp)
{
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    VfUntrack(&Private->Track);
    RemoveEntryList(&Private->LiveLink);
    Private->Magic = IOP_IRP_FREED;
    if (Private->DispatchDepth) {
        Private->FreeDeferred = TRUE;
        InsertHeadList(&IopDeferredFrees, &Private->LiveLink);
        return;
    }
    IopReleaseIrpMemory(Private);
}

static void IopEndDispatch(IOP_IRP_PRIVATE *Private)
{
    if (Private == NULL || --Private->DispatchDepth || !Private->FreeDeferred)
        return;
    RemoveEntryList(&Private->LiveLink);
    IopReleaseIrpMemory(Private);
}

void IopResetIrpCache(void)
{
    /* IRPs still in flight (a bug check stopped the machine mid-request, or a driver
     * kept one) are reclaimed with the machine. */
    IopReclaimBuiltIrps();
    while (!IsListEmpty(&IopLiveIrps)) {
        IOP_IRP_PRIVATE *Private = CONTAINING_RECORD(IopLiveIrps.Flink, IOP_IRP_PRIVATE, LiveLink);
        IopFreeIrp((PIRP)(Private + 1));
    }
    while (!IsListEmpty(&IopDeferredFrees)) { /* a bug check unwound a dispatch routine */
        PLIST_ENTRY Entry = RemoveHeadList(&IopDeferredFrees);
        free(CONTAINING_RECORD(Entry, IOP_IRP_PRIVATE, LiveLink));
    }
    for (int i = 0; i < IOP_IRP_CACHED_SIZES; i++) {
        while (IopIrpCache[i]) {
            IOP_IRP_PRIVATE *Next = IopIrpCache[i]->NextFree;
            free(IopIrpCache[i]);
            IopIrpCache[i] = Next;
        }
        IopIrpCacheCount[i] = 0;
    }
}

/* The IRP's number in the trace, given when the trace first sees it. */
static ULONG IopIrpTraceId(PIRP Irp)
{
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    if (Private == NULL)
        return 0;
    if (Private->TraceId == 0)
        Private->TraceId = TrNextIrpId();
    return Private->TraceId;
}

/* The trace hooks, out of line and cold: with tracing off, the dispatch and completion
 * paths keep one branch per hook and carry no trace state across the driver's code
 * (TrEnabled is tested again; the IRP's number is looked up again). */
static __attribute__((noinline, cold)) void IopTraceIrp(TR_KIND Kind, PIRP Irp, PDEVICE_OBJECT Device, int64_t Value,
                                                        uint64_t Information)
{
    TrIrp(Kind, IopIrpTraceId(Irp), Irp, Device, Value, Information);
}

/* After the dispatch routine: the IRP may be freed by now, but an IRP with a private
 * part freed during its dispatch is released only when the dispatch ends. */
static __attribute__((noinline, cold)) void IopTraceDispatchDone(IOP_IRP_PRIVATE *Private, UCHAR Major,
                                                                 PDEVICE_OBJECT Device, NTSTATUS Status)
{
    TrIrpDone(Private ? Private->TraceId : 0, Major, Device, Status);
}

static __attribute__((noinline, cold)) void IopTraceCompleted(PIRP Irp)
{
    TrIrpCompleted(Irp);
}

void IopSetFinalCompletion(PIRP Irp, IOP_FINAL_COMPLETION Routine, void *Context)
{
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    Private->Final = Routine;
    Private->FinalContext = Context;
}

BOOLEAN IopIrpCompleted(PIRP Irp)
{
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    return Private && Private->Completed;
}

void IopMarkIrpQueued(PIRP Irp)
{
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    if (Private && Irp->CurrentLocation > 0 && Irp->CurrentLocation < 32)
        Private->QueuedMask |= 1u << Irp->CurrentLocation;
}

/* Bug check 0xC9 (DRIVER_VERIFIER_IOMANAGER_VIOLATION) parameter 1, as Driver Verifier
 * documents it; 0x10xx are ntsim's own checks with no Driver Verifier code (sim/ke/analyze.c). */
#define IOP_C9_FREE_NOT_IRP 0x01     /* IoFreeIrp of something that is not an IRP */
#define IOP_C9_NOT_IRP 0x03          /* an IRP whose type is not IO_TYPE_IRP (NULL) sent or used */
#define IOP_C9_BAD_DEVICE 0x04       /* IoCallDriver to an invalid device object */
#define IOP_C9_COMPLETE_PENDING 0x06 /* IoCompleteRequest with IoStatus.Status STATUS_PENDING */
#define IOP_C9_COMPLETE_CANCEL 0x07  /* IoCompleteRequest with a cancel routine still set */
#define IOP_C9_STACK_SIZE 0x1001     /* IoAllocateIrp(StackSize < 1) */
#define IOP_C9_FREE_LAID_OUT 0x1002  /* IoFreeIrp of an IRP laid out by IoInitializeIrp */
#define IOP_C9_PACKET_SIZE 0x1003    /* IoInitializeIrp with a PacketSize too small */

static inline __attribute__((always_inline)) IOP_IRP_PRIVATE *IopCheckLiveIrp(PIRP Irp, const char *Ddi,
                                                                               NTSIM_SITE Site, ULONG NullCode)
{
    if (Irp == NULL)
        KiBugCheck(0xC9, NullCode, 0, 0, 0, Site, "%s(NULL IRP)", Ddi);
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    if (Private && Private->Magic != IOP_IRP_LIVE)
        KiBugCheck(0x44, (ULONG_PTR)Irp, 0xD17, 0, 0, Site, "%s(%p): the IRP was already freed", Ddi, Irp);
    return Private;
}

/* ---- allocation DDIs ---- */

PIRP IoAllocateIrp(CCHAR StackSize, BOOLEAN ChargeQuota)
{
    (void)ChargeQuota;
    NTSIM_SITE Site = KiTakeSite();
    if (StackSize < 1)
        KiBugCheck(0xC9, IOP_C9_STACK_SIZE, (ULONG_PTR)(LONG_PTR)StackSize, 0, 0, Site, "IoAllocateIrp(StackSize=%d)",
                   StackSize);
    if (ViFaultShouldFail(NtsimFaultIrp, "IoAllocateIrp", 0, Site))
        return NULL;
    PIRP Irp = IopAllocateIrp(StackSize);
    VfTrack(&IopIrpPrivate(Irp)->Track, NtsimResIrp, Site);
    return Irp;
}

void IopTrackIrp(PIRP Irp, NTSIM_SITE Site)
{
    VfTrack(&IopIrpPrivate(Irp)->Track, NtsimResIrp, Site);
}

VOID IoFreeIrp(PIRP Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_IRP_PRIVATE *Private = IopCheckLiveIrp(Irp, "IoFreeIrp", Site, IOP_C9_FREE_NOT_IRP);
    if (Private == NULL)
        KiBugCheck(0xC9, IOP_C9_FREE_LAID_OUT, (ULONG_PTR)Irp, 0, 0, Site,
                   "IoFreeIrp(%p): the IRP was laid out by the driver with IoInitializeIrp, not allocated", Irp);
    if ((Irp->Flags & IRP_DEALLOCATE_BUFFER) && Irp->AssociatedIrp.SystemBuffer)
        free(Irp->AssociatedIrp.SystemBuffer);
    IopFreeIrp(Irp);
}

VOID IoInitializeIrp(PIRP Irp, USHORT PacketSize, CCHAR StackSize)
{
    NTSIM_SITE Site = KiTakeSite();
    if (PacketSize < IoSizeOfIrp(StackSize))
        KiBugCheck(0xC9, IOP_C9_PACKET_SIZE, (ULONG_PTR)Irp, PacketSize, StackSize, Site,
                   "IoInitializeIrp: PacketSize %u is smaller than IoSizeOfIrp(%d)", PacketSize, StackSize);
    IopInitializeIrpFields(Irp, StackSize, 0);
}

VOID IoReuseIrp(PIRP Irp, NTSTATUS Iostatus)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_IRP_PRIVATE *Private = IopCheckLiveIrp(Irp, "IoReuseIrp", Site, IOP_C9_NOT_IRP);
    UCHAR Flags = Irp->AllocationFlags;
    CCHAR StackSize = Irp->StackCount;
    IopInitializeIrpFields(Irp, StackSize, Flags);
    Irp->IoStatus.Status = Iostatus;
    if (Private) {
        Private->Completed = FALSE;
        Private->PendingMask = Private->ForwardedMask = Private->QueuedMask = 0;
    }
}

/* ---- dispatch ---- */

static void IopCheckDispatchResult(PIRP Irp, IOP_IRP_PRIVATE *Private, CHAR Level, NTSTATUS Status,
                                   PDRIVER_OBJECT Driver, UCHAR Major, NTSIM_SITE Site)
{
    if (Private == NULL || Level <= 0 || Level >= 32)
        return;
    BOOLEAN Freed = Private->Magic != IOP_IRP_LIVE;
    BOOLEAN Completed = Freed || Private->Completed || Irp->CurrentLocation > Level;
    BOOLEAN Marked = Completed ? (Private->PendingMask >> Level) & 1
                               : (IoGetCurrentIrpStackLocation(Irp)->Control & SL_PENDING_RETURNED) != 0;
    const char *Name = VfDriverName(Driver);
    if (Status == STATUS_PENDING && !Marked) {
        VfReport("IO-01", NTSIM_SEV_ERROR, Driver, Site,
                 "%s: dispatch routine for major function 0x%02x returned STATUS_PENDING without IoMarkIrpPending",
                 Name, Major);
    } else if (Status != STATUS_PENDING && Marked) {
        VfReport("IO-01", NTSIM_SEV_ERROR, Driver, Site,
                 "%s: dispatch routine for major function 0x%02x called IoMarkIrpPending but returned 0x%08X, "
                 "not STATUS_PENDING", Name, Major, (ULONG)Status);
    } else if (Status != STATUS_PENDING && Completed && Status != Private->CompletionStatus) {
        VfReport("IO-01", NTSIM_SEV_ERROR, Driver, Site,
                 "%s: dispatch routine for major function 0x%02x returned 0x%08X but completed the IRP with "
                 "IoStatus.Status 0x%08X", Name, Major, (ULONG)Status, (ULONG)Private->CompletionStatus);
    } else if (Status != STATUS_PENDING && !Completed && !((Private->ForwardedMask >> Level) & 1) &&
               !((Private->QueuedMask >> Level) & 1)) {
        VfReport("IO-02", NTSIM_SEV_ERROR, Driver, Site,
                 "%s: dispatch routine for major function 0x%02x returned 0x%08X with the IRP neither completed, "
                 "passed down, queued nor pended", Name, Major, (ULONG)Status);
    }
}

NTSTATUS IopCallDispatch(PDEVICE_OBJECT Device, PIRP Irp, NTSIM_SITE Site)
{
    PDRIVER_OBJECT Driver = Device->DriverObject;
    if (IopDriver(Driver)->Unloaded)
        KiBugCheck(0xCE, (ULONG_PTR)Driver, 0, 0, 0, Site,
                   "an IRP was sent to a device of driver '%s', whose image is unloaded (FL-07)",
                   VfDriverName(Driver));
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    UCHAR Major = Stack->MajorFunction;
    PDRIVER_DISPATCH Routine = Driver->MajorFunction[Major];
    if (Routine == NULL)
        Routine = IopInvalidDeviceRequest;
    IOP_IRP_PRIVATE *Private = IopIrpPrivate(Irp);
    CHAR Level = Irp->CurrentLocation;
    KIRQL Irql = KiCurrentIrql();
    NTSTATUS Status;
    if (TrEnabled)
        IopTraceIrp(TrIrpDispatch, Irp, Device, 0, 0);
    if (Private)
        Private->DispatchDepth++;
    IOP_CALL_DRIVER(Driver, Status = Routine(Device, Irp));
    if (TrEnabled)
        IopTraceDispatchDone(Private, Major, Device, Status);
    if (KiCurrentThread()->HeldCount) /* a spin lock or fast mutex still held (sim/ke/lockorder.c) */
        KiCheckLocksAtReturn(Driver, "dispatch routine", Site);
    if (KiCurrentIrql() != Irql) {
        VfReport("SY-04", NTSIM_SEV_ERROR, Driver, Site,
                 "%s: dispatch routine for major function 0x%02x returned at IRQL %u, entered at %u",
                 VfDriverName(Driver), Major, KiCurrentIrql(), Irql);
        KiSetIrql(Irql);
    }
    if (VfEnabled)
        IopCheckDispatchResult(Irp, Private, Level, Status, Driver, Major, Site);
    IopEndDispatch(Private);
    return Status;
}

NTSTATUS IofCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_IRP_PRIVATE *Private = IopCheckLiveIrp(Irp, "IoCallDriver", Site, IOP_C9_NOT_IRP);
    if (DeviceObject == NULL)
        KiBugCheck(0xC9, IOP_C9_BAD_DEVICE, 0, 0, 0, Site, "IoCallDriver(NULL device, %p)", Irp);
    if (__builtin_expect(IopDevice(DeviceObject)->RemoveState != 0, 0)) /* its stack is being removed */
        IopPnpCallToRemoving(DeviceObject, Irp, Site);
    if (Private && Irp->CurrentLocation > 0 && Irp->CurrentLocation < 32)
        Private->ForwardedMask |= 1u << Irp->CurrentLocation;
    IoSetNextIrpStackLocation(Irp);
    if (Irp->CurrentLocation <= 0)
        KiBugCheck(0x35, (ULONG_PTR)Irp, 0, 0, 0, Site,
                   "IoCallDriver: the IRP has no stack location left for %p (StackCount %d)", DeviceObject,
                   Irp->StackCount);
    IoGetCurrentIrpStackLocation(Irp)->DeviceObject = DeviceObject;
    return IopCallDispatch(DeviceObject, Irp, Site);
}

NTSTATUS IoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    return IofCallDriver(DeviceObject, Irp);
}

/* ---- completion ---- */

static BOOLEAN IopShouldInvoke(UCHAR Control, NTSTATUS Status, BOOLEAN Cancel)
{
    if (NT_SUCCESS(Status) && (Control & SL_INVOKE_ON_SUCCESS))
        return TRUE;
    if (!NT_SUCCESS(Status) && (Control & SL_INVOKE_ON_ERROR))
        return TRUE;
    return Cancel && (Control & SL_INVOKE_ON_CANCEL);
}

static PDRIVER_OBJECT IopCompletionOwner(PDEVICE_OBJECT Device, IOP_IRP_PRIVATE *Private)
{
    if (Device)
        return Device->DriverObject;
    return Private ? Private->Track.Owner : NULL;
}

/* IO-01 at every level: a completion routine that lets the IRP go on up must propagate
 * the pending state (`if (Irp->PendingReturned) IoMarkIrpPending(Irp);`), or the
 * driver above returns STATUS_PENDING for an IRP its stack location says was not pended.
 * Reported once, then marked on the driver's behalf so the levels above stay coherent. */
static void IopReportDroppedPending(PIRP Irp, PIO_COMPLETION_ROUTINE Routine, PDRIVER_OBJECT Owner)
{
    if (VfEnabled)
        VfReport("IO-01", NTSIM_SEV_ERROR, Owner, KiSiteOfCode((void *)Routine),
                 "%s: completion routine for IRP %p returned with Irp->PendingReturned set but did not call "
                 "IoMarkIrpPending: the pending state is lost for the driver above",
                 Owner ? VfDriverName(Owner) : "?", (void *)Irp);
    IoMarkIrpPending(Irp);
}

VOID IofCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    (void)PriorityBoost;
    NTSIM_SITE Site = KiTakeSite();
    IOP_IRP_PRIVATE *Private = IopCheckLiveIrp(Irp, "IoCompleteRequest", Site, IOP_C9_NOT_IRP);
    if (Irp->CurrentLocation > Irp->StackCount + 1 || (Private && Private->Completed))
        KiBugCheck(0x44, (ULONG_PTR)Irp, 0x1D7, 0, 0, Site,
                   "IoCompleteRequest(%p): the IRP was already completed", Irp);
    if (KiCurrentIrql() > DISPATCH_LEVEL)
        KiBugCheck(0xC4, 0x8B, KiCurrentIrql(), (ULONG_PTR)Irp, 0, Site,
                   "IoCompleteRequest at IRQL %u (must be <= DISPATCH_LEVEL)", KiCurrentIrql());
    if (Irp->IoStatus.Status == STATUS_PENDING)
        KiBugCheck(0xC9, IOP_C9_COMPLETE_PENDING, (ULONG_PTR)(ULONG)Irp->IoStatus.Status, (ULONG_PTR)Irp, 0, Site,
                   "IoCompleteRequest(%p) with IoStatus.Status == STATUS_PENDING", Irp);
    if (Irp->CancelRoutine)
        KiBugCheck(0xC9, IOP_C9_COMPLETE_CANCEL, (ULONG_PTR)Irp->CancelRoutine, (ULONG_PTR)Irp, 0, Site,
                   "IoCompleteRequest(%p) with a cancel routine still set", Irp);
    if (Private)
        Private->CompletionStatus = Irp->IoStatus.Status;
    if (TrEnabled)
        IopTraceIrp(TrIrpComplete, Irp,
                    Irp->CurrentLocation <= Irp->StackCount ? IoGetCurrentIrpStackLocation(Irp)->DeviceObject : NULL,
                    Irp->IoStatus.Status, Irp->IoStatus.Information);
    while (Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
        CHAR Level = Irp->CurrentLocation;
        UCHAR Control = Stack->Control;
        PIO_COMPLETION_ROUTINE Routine = Stack->CompletionRoutine;
        PVOID Context = Stack->Context;
        if (Private && Level > 0 && Level < 32 && (Control & SL_PENDING_RETURNED))
            Private->PendingMask |= 1u << Level;
        Irp->PendingReturned = (Control & SL_PENDING_RETURNED) != 0;
        memset(Stack, 0, sizeof(*Stack));
        IoSkipCurrentIrpStackLocation(Irp);
        if (Routine && IopShouldInvoke(Control, Irp->IoStatus.Status, Irp->Cancel)) {
            PDEVICE_OBJECT Device =
                Irp->CurrentLocation == Irp->StackCount + 1 ? NULL : IoGetCurrentIrpStackLocation(Irp)->DeviceObject;
            NTSTATUS Status;
            if (TrEnabled)
                IopTraceIrp(TrIrpCompletionRoutine, Irp, Device, 0, 0);
            BOOLEAN PendingReturned = Irp->PendingReturned;
            IOP_CALL_DRIVER(IopCompletionOwner(Device, Private), Status = Routine(Device, Irp, Context));
            if (Status == STATUS_MORE_PROCESSING_REQUIRED)
                return;
            if (PendingReturned && Irp->CurrentLocation <= Irp->StackCount &&
                !(IoGetCurrentIrpStackLocation(Irp)->Control & SL_PENDING_RETURNED))
                IopReportDroppedPending(Irp, Routine, IopCompletionOwner(Device, Private));
        } else if (Irp->PendingReturned && Irp->CurrentLocation <= Irp->StackCount) {
            IoMarkIrpPending(Irp);
        }
    }
    if (TrEnabled) /* the IRP has left every device it was in */
        IopTraceCompleted(Irp);
    if (Private == NULL)
        return;
    Private->Completed = TRUE;
    if (Private->Final) {
        Private->Final(Irp, Private->FinalContext);
    } else {
        VfReport("IO-01", NTSIM_SEV_ERROR, Private->Track.Owner, Private->Track.Site,
                 "an IRP allocated with IoAllocateIrp was completed to the top: its completion routine must return "
                 "STATUS_MORE_PROCESSING_REQUIRED and free it");
    }
}

VOID IoCompleteRequest(PIRP Irp, CCHAR PriorityBoost)
{
    IofCompleteRequest(Irp, PriorityBoost);
}

BOOLEAN IoCancelIrp(PIRP Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckLiveIrp(Irp, "IoCancelIrp", Site, IOP_C9_NOT_IRP);
    KIRQL Irql;
    IoAcquireCancelSpinLock(&Irql);
    Irp->Cancel = TRUE;
    PDRIVER_CANCEL Routine = IoSetCancelRoutine(Irp, NULL);
    if (Routine == NULL) {
        IoReleaseCancelSpinLock(Irql);
        return FALSE;
    }
    Irp->CancelIrql = Irql;
    PDEVICE_OBJECT Device = IoGetCurrentIrpStackLocation(Irp)->DeviceObject;
    IOP_CALL_DRIVER(Device ? Device->DriverObject : NULL, Routine(Device, Irp));
    return TRUE;
}

PEPROCESS IoGetCurrentProcess(VOID)
{
    return PsGetCurrentProcess(); /* the system process (sim/ps/process.c) */
}

BOOLEAN IoIs32bitProcess(PIRP Irp)
{
    (void)Irp;
    return FALSE;
}

void IopDescribeIrp(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IOP_IRP_PRIVATE *Private = CONTAINING_RECORD(Track, IOP_IRP_PRIVATE, Track);
    PIRP Irp = (PIRP)(Private + 1);
    snprintf(Buffer, Size, "IRP %p with %d stack locations", (void *)Irp, Irp->StackCount);
}

static void IopFreeOrphanIrp(PIRP Irp, void *Context)
{
    (void)Context;
    IopFreeIrp(Irp);
}

/* The completion routine in stack location Level belongs to the driver one level up
 * (or to the IRP's allocator for the topmost location). */
static BOOLEAN IopCompletionBelongsTo(PIRP Irp, CHAR Level, PDRIVER_OBJECT Driver)
{
    if (Level >= Irp->StackCount)
        return TRUE;
    PDEVICE_OBJECT Caller = ((PIO_STACK_LOCATION)(Irp + 1))[(int)Level].DeviceObject; /* location Level + 1 */
    return Caller == NULL || Caller->DriverObject == Driver;
}

/* An IRP a failed or unloaded driver leaves behind. If it is still inside another
 * driver (sent down and not completed), freeing it would make that innocent driver
 * crash later: it is orphaned instead. Its completion routines in the departing image
 * are removed and the I/O manager frees it when it completes. */
void IopReclaimIrp(NTSIM_TRACK *Track)
{
    IOP_IRP_PRIVATE *Private = CONTAINING_RECORD(Track, IOP_IRP_PRIVATE, Track);
    PIRP Irp = (PIRP)(Private + 1);
    BOOLEAN InAnotherDriver = !Private->Completed && Irp->CurrentLocation <= Irp->StackCount &&
                              Irp->CurrentLocation > 0;
    if (!InAnotherDriver) {
        IopFreeIrp(Irp);
        return;
    }
    PDRIVER_OBJECT Departing = Track->Owner;
    for (CHAR Level = Irp->CurrentLocation; Level <= Irp->StackCount; Level++) {
        PIO_STACK_LOCATION Stack = (PIO_STACK_LOCATION)(Irp + 1) + (Level - 1);
        if (IopCompletionBelongsTo(Irp, Level, Departing)) {
            Stack->CompletionRoutine = NULL;
            Stack->Control &= (UCHAR)~(SL_INVOKE_ON_SUCCESS | SL_INVOKE_ON_ERROR | SL_INVOKE_ON_CANCEL);
        }
    }
    VfUntrack(Track);
    Private->Final = IopFreeOrphanIrp;
    Private->FinalContext = NULL;
}

/* !irp (inspect.c): every IRP the I/O manager has handed out and not freed, with its
 * stack locations from the current one down. */
/* For a bug check's report: is Irp one of the IRPs in flight (pointer comparison only)? */
BOOLEAN IopIsLiveIrp(const void *Irp)
{
    for (PLIST_ENTRY E = IopLiveIrps.Flink; Irp && E != &IopLiveIrps; E = E->Flink)
        if ((const void *)(CONTAINING_RECORD(E, IOP_IRP_PRIVATE, LiveLink) + 1) == Irp)
            return TRUE;
    return FALSE;
}

int IopDumpLiveIrps(FILE *Out)
{
    unsigned Count = 0;
    for (PLIST_ENTRY E = IopLiveIrps.Flink; E != &IopLiveIrps; E = E->Flink) {
        IOP_IRP_PRIVATE *Private = CONTAINING_RECORD(E, IOP_IRP_PRIVATE, LiveLink);
        PIRP Irp = (PIRP)(Private + 1);
        Count++;
        fprintf(Out, "IRP %p  StackCount %d CurrentLocation %d  %s%s%s  IoStatus 0x%08X / %llu\n", (void *)Irp,
                Irp->StackCount, Irp->CurrentLocation, Private->Completed ? "completed" : "in progress",
                Irp->PendingReturned ? ", pending returned" : "", Irp->Cancel ? ", cancelled" : "",
                (ULONG)Irp->IoStatus.Status, (unsigned long long)Irp->IoStatus.Information);
        PIO_STACK_LOCATION First = (PIO_STACK_LOCATION)(Irp + 1);
        for (CHAR Level = Irp->CurrentLocation; Level >= 1 && Level <= Irp->StackCount; Level++) {
            PIO_STACK_LOCATION Stack = First + Level - 1;
            char Name[256];
            const char *Device = Stack->DeviceObject ? ObpGetObjectName(Stack->DeviceObject, Name, sizeof(Name)) : NULL;
            fprintf(Out, "  [%d] %-32s minor 0x%02x  %s (%s)%s\n", Level, TrMajorName(Stack->MajorFunction),
                    Stack->MinorFunction, Device && Device[0] ? Device : "(unnamed)",
                    Stack->DeviceObject ? VfDriverName(Stack->DeviceObject->DriverObject) : "-",
                    Stack->CompletionRoutine ? "  completion routine set" : "");
        }
    }
    fprintf(Out, "%u IRP(s) in flight\n", Count);
    return 0;
}

/* IoSetHardErrorOrVerifyDevice: a removable-media driver that failed an IRP with a
 * user-induced error (STATUS_VERIFY_REQUIRED after a media change) names the device
 * whose volume the file system must verify; Windows keeps it in the IRP's thread for
 * the file system (IoGetDeviceToVerify) and its hard-error popup. ntsim runs no file
 * system and mounts no volume (every VPB stays unmounted), so nobody asks for it and
 * nothing is kept. An IRP without a thread is the driver's error: Windows would fault
 * on it; ntsim stops and says so. */
VOID IoSetHardErrorOrVerifyDevice(PIRP Irp, PDEVICE_OBJECT DeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    if (Irp == NULL || Irp->Tail.Overlay.Thread == NULL)
        KiBugCheck(0x50, (ULONG_PTR)Irp, 0, 0, 0, Site,
                   "IoSetHardErrorOrVerifyDevice(%p, %p): the IRP has no thread (Irp->Tail.Overlay.Thread) to "
                   "record the device to verify in", Irp, DeviceObject);
    UNREFERENCED_PARAMETER(DeviceObject);
}
