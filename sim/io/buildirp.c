/* buildirp.c - IoBuildDeviceIoControlRequest, IoBuildSynchronousFsdRequest,
 * IoBuildAsynchronousFsdRequest: IRPs one driver builds to send to another.
 * The I/O manager owns them: final completion copies data back, fills the
 * caller's IO_STATUS_BLOCK, signals the event and frees the IRP. */
#include "io/iop.h"

typedef struct _IOP_BUILT_IRP {
    LIST_ENTRY Link;         /* IopBuiltIrps: reclaimed with the machine if never completed */
    PIRP Irp;
    PVOID SystemBuffer;      /* METHOD_BUFFERED / buffered read: our copy */
    PVOID CallerOutput;      /* where to copy the output back */
    ULONG OutputLength;
    BOOLEAN CopyBack;
    BOOLEAN Synchronous;     /* IoBuildDeviceIoControlRequest / IoBuildSynchronousFsdRequest */
} IOP_BUILT_IRP;

static LIST_ENTRY IopBuiltIrps = { &IopBuiltIrps, &IopBuiltIrps };

/* The IRP's MDL chain: unlocked where locked, freed (also sim/host/request.c). */
void IopFreeIrpMdls(PIRP Irp)
{
    while (Irp->MdlAddress) {
        PMDL Mdl = Irp->MdlAddress;
        Irp->MdlAddress = Mdl->Next;
        if (Mdl->MdlFlags & MDL_PAGES_LOCKED)
            MmUnlockPages(Mdl);
        IoFreeMdl(Mdl);
    }
}

static void IopForgetBuiltIrp(IOP_BUILT_IRP *Built)
{
    RemoveEntryList(&Built->Link);
    free(Built->SystemBuffer);
    free(Built);
}

/* The machine goes with driver-built IRPs still in flight (a lower driver kept one, a
 * bug check stopped the run): their buffers, MDLs and records go with it, before the
 * I/O manager frees the IRPs themselves (IopResetIrpCache). */
void IopReclaimBuiltIrps(void)
{
    while (!IsListEmpty(&IopBuiltIrps)) {
        IOP_BUILT_IRP *Built = CONTAINING_RECORD(IopBuiltIrps.Flink, IOP_BUILT_IRP, Link);
        IopFreeIrpMdls(Built->Irp);
        IopForgetBuiltIrp(Built);
    }
}

static void IopCompleteBuiltIrp(PIRP Irp, void *Context)
{
    IOP_BUILT_IRP *Built = Context;
    if (Built->CopyBack && !NT_ERROR(Irp->IoStatus.Status) && Built->SystemBuffer) {
        size_t N = Irp->IoStatus.Information < Built->OutputLength ? Irp->IoStatus.Information : Built->OutputLength;
        memcpy(Built->CallerOutput, Built->SystemBuffer, N);
    }
    if (Irp->UserIosb)
        *Irp->UserIosb = Irp->IoStatus;
    if (Irp->UserEvent)
        KeSetEvent(Irp->UserEvent, IO_NO_INCREMENT, FALSE);
    IopFreeIrpMdls(Irp);
    IopForgetBuiltIrp(Built);
    IopFreeIrp(Irp);
}

static PIRP IopBuildIrp(PDEVICE_OBJECT DeviceObject, const char *Ddi, NTSIM_SITE Site, IOP_BUILT_IRP **Built)
{
    if (ViFaultShouldFail(NtsimFaultIrp, Ddi, 0, Site))
        return NULL;
    PIRP Irp = IopAllocateIrp(DeviceObject->StackSize);
    *Built = KiHostAlloc(sizeof(IOP_BUILT_IRP));
    (*Built)->Irp = Irp;
    InsertTailList(&IopBuiltIrps, &(*Built)->Link);
    IopSetFinalCompletion(Irp, IopCompleteBuiltIrp, *Built);
    Irp->RequestorMode = KernelMode;
    Irp->Tail.Overlay.Thread = (PETHREAD)PsGetCurrentThread();
    return Irp;
}

static PMDL IopBuildMdl(PVOID Buffer, ULONG Length, PIRP Irp, LOCK_OPERATION Operation)
{
    PMDL Mdl = IoAllocateMdl(Buffer, Length, FALSE, FALSE, Irp);
    if (Mdl)
        MmProbeAndLockPages(Mdl, KernelMode, Operation);
    return Mdl;
}

PIRP IoBuildDeviceIoControlRequest(ULONG IoControlCode, PDEVICE_OBJECT DeviceObject, PVOID InputBuffer,
                                   ULONG InputBufferLength, PVOID OutputBuffer, ULONG OutputBufferLength,
                                   BOOLEAN InternalDeviceIoControl, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_BUILT_IRP *Built;
    PIRP Irp = IopBuildIrp(DeviceObject, "IoBuildDeviceIoControlRequest", Site, &Built);
    if (Irp == NULL)
        return NULL;
    Built->Synchronous = TRUE;
    Irp->UserIosb = IoStatusBlock;
    Irp->UserEvent = Event;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = InternalDeviceIoControl ? IRP_MJ_INTERNAL_DEVICE_CONTROL : IRP_MJ_DEVICE_CONTROL;
    Stack->Parameters.DeviceIoControl.IoControlCode = IoControlCode;
    Stack->Parameters.DeviceIoControl.InputBufferLength = InputBufferLength;
    Stack->Parameters.DeviceIoControl.OutputBufferLength = OutputBufferLength;
    switch (METHOD_FROM_CTL_CODE(IoControlCode)) {
    case METHOD_BUFFERED: {
        ULONG Length = InputBufferLength > OutputBufferLength ? InputBufferLength : OutputBufferLength;
        if (Length) {
            Built->SystemBuffer = KiHostAlloc(Length);
            if (InputBuffer && InputBufferLength)
                memcpy(Built->SystemBuffer, InputBuffer, InputBufferLength);
            Irp->AssociatedIrp.SystemBuffer = Built->SystemBuffer;
            Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (OutputBuffer ? IRP_INPUT_OPERATION : 0);
        }
        Built->CallerOutput = OutputBuffer;
        Built->OutputLength = OutputBufferLength;
        Built->CopyBack = OutputBuffer != NULL && OutputBufferLength != 0;
        Irp->UserBuffer = OutputBuffer;
        break;
    }
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        if (InputBuffer && InputBufferLength) {
            Built->SystemBuffer = KiHostAlloc(InputBufferLength);
            memcpy(Built->SystemBuffer, InputBuffer, InputBufferLength);
            Irp->AssociatedIrp.SystemBuffer = Built->SystemBuffer;
            Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
        }
        if (OutputBuffer && OutputBufferLength)
            IopBuildMdl(OutputBuffer, OutputBufferLength, Irp,
                        METHOD_FROM_CTL_CODE(IoControlCode) == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess);
        break;
    default: /* METHOD_NEITHER */
        Stack->Parameters.DeviceIoControl.Type3InputBuffer = InputBuffer;
        Irp->UserBuffer = OutputBuffer;
        break;
    }
    return Irp;
}

static PIRP IopBuildFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer, ULONG Length,
                               PLARGE_INTEGER StartingOffset, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock,
                               const char *Ddi, NTSIM_SITE Site)
{
    IOP_BUILT_IRP *Built;
    PIRP Irp = IopBuildIrp(DeviceObject, Ddi, Site, &Built);
    if (Irp == NULL)
        return NULL;
    Built->Synchronous = Event != NULL;
    Irp->UserIosb = IoStatusBlock;
    Irp->UserEvent = Event;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = (UCHAR)MajorFunction;
    if (MajorFunction == IRP_MJ_READ || MajorFunction == IRP_MJ_WRITE) {
        Stack->Parameters.Read.Length = Length;
        if (StartingOffset)
            Stack->Parameters.Read.ByteOffset = *StartingOffset;
        if (DeviceObject->Flags & DO_BUFFERED_IO) {
            Built->SystemBuffer = KiHostAlloc(Length ? Length : 1);
            if (MajorFunction == IRP_MJ_WRITE)
                memcpy(Built->SystemBuffer, Buffer, Length);
            Irp->AssociatedIrp.SystemBuffer = Built->SystemBuffer;
            Built->CallerOutput = Buffer;
            Built->OutputLength = Length;
            Built->CopyBack = MajorFunction == IRP_MJ_READ;
            Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (Built->CopyBack ? IRP_INPUT_OPERATION : 0);
        } else if (DeviceObject->Flags & DO_DIRECT_IO) {
            IopBuildMdl(Buffer, Length, Irp, MajorFunction == IRP_MJ_READ ? IoWriteAccess : IoReadAccess);
        } else {
            Irp->UserBuffer = Buffer;
        }
    }
    if (!Built->Synchronous) {
        /* The caller owns an asynchronous FSD IRP: its completion routine frees it
         * (IoFreeIrp, which also frees a system buffer) and returns
         * STATUS_MORE_PROCESSING_REQUIRED. Buffered-read data stays in the system buffer. */
        IopSetFinalCompletion(Irp, NULL, NULL);
        IopTrackIrp(Irp, Site);
        RemoveEntryList(&Built->Link);
        free(Built); /* not its system buffer: IoFreeIrp frees that */
    }
    return Irp;
}

PIRP IoBuildSynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer, ULONG Length,
                                  PLARGE_INTEGER StartingOffset, PKEVENT Event, PIO_STATUS_BLOCK IoStatusBlock)
{
    return IopBuildFsdRequest(MajorFunction, DeviceObject, Buffer, Length, StartingOffset, Event, IoStatusBlock,
                              "IoBuildSynchronousFsdRequest", KiTakeSite());
}

PIRP IoBuildAsynchronousFsdRequest(ULONG MajorFunction, PDEVICE_OBJECT DeviceObject, PVOID Buffer, ULONG Length,
                                   PLARGE_INTEGER StartingOffset, PIO_STATUS_BLOCK IoStatusBlock)
{
    return IopBuildFsdRequest(MajorFunction, DeviceObject, Buffer, Length, StartingOffset, NULL, IoStatusBlock,
                              "IoBuildAsynchronousFsdRequest", KiTakeSite());
}
