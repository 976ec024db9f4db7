/* request.c - user-mode I/O from the host: open, read, write, device control, close.
 *
 * Each request is an IRP the I/O manager builds as it would for a user-mode call:
 * the caller's buffers are copied into the simulated user range, buffered I/O gets
 * a system buffer, direct I/O an MDL, METHOD_NEITHER the raw user pointers. The
 * final completion copies results back to the caller. */
#include "host/hostp.h"


/* Request structures are recycled: the round trip of a small request then touches
 * no allocator at all (see ntsim-bench irp_roundtrip_ns). */
#define NTSIM_REQUEST_CACHE 8
static ntsim_request *NtsimFreeRequests;
static unsigned NtsimFreeRequestCount;

/* A recycled request starts as a fresh one (all zero but SmallBuffer). Field by field,
 * not memset: for this size gcc emits `rep stos`, whose start-up costs more than the
 * stores (irp_roundtrip_ns, docs/performance.md). A new field must be reset here. */
static inline void NtsimResetRequest(ntsim_request *Request)
{
    _Static_assert(offsetof(ntsim_request, SmallBuffer) == 112, "a field was added: reset it below");
    InitializeListHead(&Request->Link);
    Request->Machine = NULL;
    Request->Irp = NULL;
    Request->Done = 0;
    Request->Status = 0;
    Request->Information = 0;
    Request->UserIn = Request->UserOut = NULL;
    Request->SystemBuffer = NULL;
    Request->CallerOut = NULL;
    Request->OutLength = 0;
    Request->Asynchronous = 0;
    Request->OutputIsInput = 0;
    Request->NextFree = NULL;
}

static inline __attribute__((always_inline)) ntsim_request *NtsimAllocRequest(void)
{
    ntsim_request *Request = NtsimFreeRequests;
    if (Request == NULL)
        return KiHostAlloc(sizeof(ntsim_request));
    NtsimFreeRequests = Request->NextFree;
    NtsimFreeRequestCount--;
    NtsimResetRequest(Request);
    return Request;
}

static void NtsimReleaseRequest(ntsim_request *Request)
{
    if (NtsimFreeRequestCount >= NTSIM_REQUEST_CACHE) {
        free(Request);
        return;
    }
    Request->NextFree = NtsimFreeRequests;
    NtsimFreeRequests = Request;
    NtsimFreeRequestCount++;
}

void NtsimFlushRequestCache(void)
{
    while (NtsimFreeRequests) {
        ntsim_request *Next = NtsimFreeRequests->NextFree;
        free(NtsimFreeRequests);
        NtsimFreeRequests = Next;
    }
    NtsimFreeRequestCount = 0;
}

/* A request's buffers are copied up to five times (caller -> user range -> system buffer
 * and back). Most are a few bytes: 8 to 16 are moved inline with two overlapping words,
 * which is cheaper than a call into libc through the PLT (irp_roundtrip_ns). */
static inline void NtsimCopy(void *To, const void *From, size_t Size)
{
    if (Size >= 8 && Size <= 16) {
        uint64_t Head, Tail;
        memcpy(&Head, From, 8);
        memcpy(&Tail, (const char *)From + Size - 8, 8);
        memcpy(To, &Head, 8);
        memcpy((char *)To + Size - 8, &Tail, 8);
    } else {
        memcpy(To, From, Size);
    }
}

static void *NtsimSystemBuffer(ntsim_request *Request, size_t Length)
{
    Request->SystemBuffer = Length <= sizeof(Request->SmallBuffer) ? Request->SmallBuffer : KiHostAlloc(Length);
    return Request->SystemBuffer;
}

static void NtsimFreeSystemBuffer(ntsim_request *Request)
{
    if (Request->SystemBuffer != Request->SmallBuffer)
        free(Request->SystemBuffer);
    Request->SystemBuffer = NULL;
}

static void NtsimFinishRequest(PIRP Irp, void *Context)
{
    ntsim_request *Request = Context;
    Request->Status = Irp->IoStatus.Status;
    Request->Information = Irp->IoStatus.Information;
    size_t Copy = Request->Information < Request->OutLength ? Request->Information : Request->OutLength;
    if (Request->SystemBuffer && Request->UserOut && (Irp->Flags & IRP_INPUT_OPERATION) && !NT_ERROR(Request->Status))
        NtsimCopy(Request->UserOut, Request->SystemBuffer, Copy); /* (no user buffer for a zero-length read) */
    if (Request->CallerOut && Request->UserOut && !NT_ERROR(Request->Status) && !Request->OutputIsInput) {
        if (MiIsProtectedUser(Request->UserOut))
            MiCopyFromProtectedUser(Request->CallerOut, Request->UserOut, Copy);
        else
            NtsimCopy(Request->CallerOut, Request->UserOut, Copy);
    }
    IopFreeIrpMdls(Irp);
    NtsimFreeSystemBuffer(Request);
    MiFreeUser(Request->UserIn);
    MiFreeUser(Request->UserOut);
    Request->UserIn = Request->UserOut = NULL;
    Request->Irp = NULL;
    Request->Done = 1;
    IopFreeIrp(Irp);
    NtsimRequestCompleted(); /* wakes a host thread waiting for it (sim/host/sched.c) */
}

/* A copy of the caller's buffer in simulated user memory. Raw (the driver gets the
 * address itself: METHOD_NEITHER, or neither buffered nor direct I/O): in protected user
 * memory, which faults until probed and after the request (sim/mm/userbuf.c). */
static void *NtsimUserCopy(const void *Data, size_t Length, const char *Raw)
{
    void *User = Raw ? MiAllocateProtectedUser(Data, Length, Raw) : NULL;
    if (User == NULL) {
        User = MiAllocateUser(Length);
        NtsimCopy(User, Data, Length);
    }
    return User;
}

/* What UM-01 calls the buffers a driver gets as raw user addresses (NULL: none raw). */
typedef struct _NTSIM_RAW_NAMES {
    const char *In, *Out;
} NTSIM_RAW_NAMES;

static ntsim_request *NtsimNewRequest(ntsim_file *File, const void *In, size_t InLength, void *Out, size_t OutLength,
                                      const NTSIM_RAW_NAMES *Raw)
{
    ntsim_request *Request = NtsimAllocRequest();
    Request->Machine = File->Machine;
    InsertTailList(&File->Machine->Requests, &Request->Link);
    if (In && InLength)
        Request->UserIn = NtsimUserCopy(In, InLength, Raw ? Raw->In : NULL);
    /* The output buffer's current contents are visible to the driver, as in user
     * memory (METHOD_IN_DIRECT even reads it as input). */
    if (Out && OutLength)
        Request->UserOut = NtsimUserCopy(Out, OutLength, Raw ? Raw->Out : NULL);
    Request->CallerOut = Out;
    Request->OutLength = Out ? OutLength : 0;
    PDEVICE_OBJECT Device = IoGetRelatedDeviceObject(File->Object);
    PIRP Irp = IopAllocateIrp(Device->StackSize);
    IopSetFinalCompletion(Irp, NtsimFinishRequest, Request);
    Irp->RequestorMode = UserMode;
    Irp->Tail.Overlay.OriginalFileObject = File->Object;
    Request->Irp = Irp;
    return Request;
}

static int32_t NtsimSubmit(ntsim_file *File, ntsim_request *Request, ntsim_request **Out)
{
    PDEVICE_OBJECT Device = IoGetRelatedDeviceObject(File->Object);
    PIRP Irp = Request->Irp;
    IoGetNextIrpStackLocation(Irp)->FileObject = File->Object;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        KPROCESSOR_MODE Old = KiSetPreviousMode(UserMode);
        IoSetNextIrpStackLocation(Irp);
        IoGetCurrentIrpStackLocation(Irp)->DeviceObject = Device;
        NTSIM_SITE None = { NULL, 0 };
        Status = IopCallDispatch(Device, Irp, None);
        KiSetPreviousMode(Old);
    }
    KiLeaveHost(&Frame);
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine bug-checked during the request");
        return NTSIM_E_CRASHED;
    }
    if (Out) {
        *Out = Request;
        return Request->Done ? Request->Status : STATUS_PENDING;
    }
    if (!Request->Done) {
        /* Pended and not completed: without a scheduler nothing else runs, so the
         * synchronous caller gets STATUS_PENDING (use the _async calls to wait). */
        Request->Asynchronous = 1;
        return STATUS_PENDING;
    }
    (void)Status;
    int32_t Result = Request->Status;
    ntsim_request_free(Request);
    return Result;
}

static int NtsimCheckFile(ntsim_file *File)
{
    if (File == NULL || File->Object == NULL) {
        NtsimSetLastError("not an open file");
        return NTSIM_E_ARGS;
    }
    return NtsimCheckMachine(File->Machine);
}

int32_t ntsim_open(ntsim_machine *Machine, const char *Path, ntsim_file **Out)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (Path == NULL || Out == NULL)
        return NTSIM_E_ARGS;
    *Out = NULL;
    KiInstallSignalHandlers(); /* see NtsimLoad */
    char Nt[600];
    if (strncmp(Path, "\\\\.\\", 4) == 0)
        snprintf(Nt, sizeof(Nt), "\\??\\%s", Path + 4);
    else
        snprintf(Nt, sizeof(Nt), "%s", Path);
    PFILE_OBJECT Object = NULL;
    NTSTATUS Status = STATUS_UNSUCCESSFUL;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        Status = IopOpenDevice(Nt, &Object);
    KiLeaveHost(&Frame);
    if (KiMachineCrashed())
        return NTSIM_E_CRASHED;
    if (!NT_SUCCESS(Status))
        return Status;
    ntsim_file *File = KiHostAlloc(sizeof(*File));
    File->Machine = Machine;
    File->Object = Object;
    InsertTailList(&Machine->Files, &File->Link);
    *Out = File;
    return STATUS_SUCCESS;
}

int32_t ntsim_close(ntsim_file *File)
{
    int Check = NtsimCheckFile(File);
    if (Check)
        return Check;
    RemoveEntryList(&File->Link);
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        IopCloseFile(File->Object);
    KiLeaveHost(&Frame);
    File->Object = NULL;
    free(File);
    return KiMachineCrashed() ? NTSIM_E_CRASHED : STATUS_SUCCESS;
}

static int32_t NtsimReadWrite(ntsim_file *File, UCHAR Major, const void *In, void *Out, size_t Length,
                              ntsim_request **Async)
{
    int Check = NtsimCheckFile(File);
    if (Check)
        return Check;
    if (Length > 0xFFFFFFFFu)
        return STATUS_INVALID_PARAMETER;
    const char *Raw = (IoGetRelatedDeviceObject(File->Object)->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO))
                          ? NULL
                          : Major == IRP_MJ_WRITE ? "buffer of a write (neither buffered nor direct I/O)"
                                                  : "buffer of a read (neither buffered nor direct I/O)";
    NTSIM_RAW_NAMES Names = { Raw, Raw };
    ntsim_request *Request = NtsimNewRequest(File, Major == IRP_MJ_WRITE ? In : NULL, Length,
                                             Major == IRP_MJ_READ ? Out : NULL, Length, Raw ? &Names : NULL);
    PIRP Irp = Request->Irp;
    PDEVICE_OBJECT Device = IoGetRelatedDeviceObject(File->Object);
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = Major;
    Stack->Parameters.Read.Length = (ULONG)Length;
    Stack->Parameters.Read.ByteOffset = File->Object->CurrentByteOffset;
    void *User = Major == IRP_MJ_WRITE ? Request->UserIn : Request->UserOut;
    if (Device->Flags & DO_BUFFERED_IO) {
        NtsimSystemBuffer(Request, Length ? Length : 1);
        if (Major == IRP_MJ_WRITE && Length)
            memcpy(Request->SystemBuffer, In, Length);
        Irp->AssociatedIrp.SystemBuffer = Request->SystemBuffer;
        Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (Major == IRP_MJ_READ ? IRP_INPUT_OPERATION : 0);
        Irp->UserBuffer = User;
    } else if ((Device->Flags & DO_DIRECT_IO) && Length) {
        PMDL Mdl = IoAllocateMdl(User, (ULONG)Length, FALSE, FALSE, Irp);
        MmProbeAndLockPages(Mdl, UserMode, Major == IRP_MJ_READ ? IoWriteAccess : IoReadAccess);
    } else {
        Irp->UserBuffer = User;
    }
    Irp->Flags |= Major == IRP_MJ_READ ? IRP_READ_OPERATION : IRP_WRITE_OPERATION;
    return NtsimSubmit(File, Request, Async);
}

/* The synchronous calls: wait for a pended request, hand back its result, free it. */
static inline __attribute__((always_inline)) int32_t NtsimFinishSynchronous(ntsim_request *Request, int32_t Status,
                                                                            size_t *Information)
{
    if (Request == NULL)
        return Status;
    if (!Request->Done && (Status = NtsimWaitSynchronous(Request)) < 0)
        return Status; /* the machine stopped (bug check or hang) while the request was pending */
    if (!Request->Done) { /* lost by the driver (IO-02 reported): detach the caller */
        ntsim_request_free(Request);
        return STATUS_PENDING;
    }
    if (Information)
        *Information = Request->Information;
    Status = Request->Status;
    RemoveEntryList(&Request->Link); /* ntsim_request_free of a completed request, inline */
    NtsimReleaseRequest(Request);
    return Status;
}

int ntsim_seek(ntsim_file *File, uint64_t Offset)
{
    if (File == NULL || File->Object == NULL || Offset > (uint64_t)INT64_MAX)
        return NTSIM_E_ARGS;
    File->Object->CurrentByteOffset.QuadPart = (LONGLONG)Offset;
    return 0;
}

int32_t ntsim_read(ntsim_file *File, void *Buffer, size_t Length, size_t *Transferred)
{
    ntsim_request *Request = NULL;
    int32_t Status = NtsimReadWrite(File, IRP_MJ_READ, NULL, Buffer, Length, &Request);
    return NtsimFinishSynchronous(Request, Status, Transferred);
}

int32_t ntsim_write(ntsim_file *File, const void *Buffer, size_t Length, size_t *Transferred)
{
    ntsim_request *Request = NULL;
    int32_t Status = NtsimReadWrite(File, IRP_MJ_WRITE, Buffer, NULL, Length, &Request);
    return NtsimFinishSynchronous(Request, Status, Transferred);
}

int32_t ntsim_read_async(ntsim_file *File, void *Buffer, size_t Length, ntsim_request **Request)
{
    return NtsimReadWrite(File, IRP_MJ_READ, NULL, Buffer, Length, Request);
}

int32_t ntsim_write_async(ntsim_file *File, const void *Buffer, size_t Length, ntsim_request **Request)
{
    return NtsimReadWrite(File, IRP_MJ_WRITE, Buffer, NULL, Length, Request);
}

static int32_t NtsimIoctl(ntsim_file *File, uint32_t Code, const void *In, size_t InLength, void *Out,
                          size_t OutLength, ntsim_request **Async)
{
    int Check = NtsimCheckFile(File);
    if (Check)
        return Check;
    if (InLength > 0xFFFFFFFFu || OutLength > 0xFFFFFFFFu)
        return STATUS_INVALID_PARAMETER;
    char RawIn[96], RawOut[96];
    NTSIM_RAW_NAMES Names, *Raw = NULL;
    if (METHOD_FROM_CTL_CODE(Code) == METHOD_NEITHER) { /* only these buffers are handed to the driver raw (and described in UM-01) */
        snprintf(RawIn, sizeof(RawIn), "input buffer of IOCTL 0x%X (METHOD_NEITHER)", Code);
        snprintf(RawOut, sizeof(RawOut), "output buffer of IOCTL 0x%X (METHOD_NEITHER)", Code);
        Names.In = RawIn;
        Names.Out = RawOut;
        Raw = &Names;
    }
    ntsim_request *Request = NtsimNewRequest(File, In, InLength, Out, OutLength, Raw);
    PIRP Irp = Request->Irp;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = IRP_MJ_DEVICE_CONTROL;
    Stack->Parameters.DeviceIoControl.IoControlCode = Code;
    Stack->Parameters.DeviceIoControl.InputBufferLength = (ULONG)InLength;
    Stack->Parameters.DeviceIoControl.OutputBufferLength = (ULONG)OutLength;
    switch (METHOD_FROM_CTL_CODE(Code)) {
    case METHOD_BUFFERED: {
        size_t Length = InLength > OutLength ? InLength : OutLength;
        if (Length) {
            NtsimSystemBuffer(Request, Length);
            if (InLength)
                NtsimCopy(Request->SystemBuffer, Request->UserIn, InLength);
            Irp->AssociatedIrp.SystemBuffer = Request->SystemBuffer;
        }
        Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER | (OutLength ? IRP_INPUT_OPERATION : 0);
        Irp->UserBuffer = Request->UserOut;
        break;
    }
    case METHOD_IN_DIRECT:
    case METHOD_OUT_DIRECT:
        Request->OutputIsInput = METHOD_FROM_CTL_CODE(Code) == METHOD_IN_DIRECT;
        if (InLength) {
            NtsimSystemBuffer(Request, InLength);
            memcpy(Request->SystemBuffer, Request->UserIn, InLength);
            Irp->AssociatedIrp.SystemBuffer = Request->SystemBuffer;
            Irp->Flags = IRP_BUFFERED_IO | IRP_DEALLOCATE_BUFFER;
        }
        if (OutLength) {
            PMDL Mdl = IoAllocateMdl(Request->UserOut, (ULONG)OutLength, FALSE, FALSE, Irp);
            MmProbeAndLockPages(Mdl, UserMode,
                                METHOD_FROM_CTL_CODE(Code) == METHOD_IN_DIRECT ? IoReadAccess : IoWriteAccess);
        }
        break;
    default:
        Stack->Parameters.DeviceIoControl.Type3InputBuffer = Request->UserIn;
        Irp->UserBuffer = Request->UserOut;
        break;
    }
    return NtsimSubmit(File, Request, Async);
}

int32_t ntsim_ioctl(ntsim_file *File, uint32_t Code, const void *In, size_t InLength, void *Out, size_t OutLength,
                    size_t *Returned)
{
    ntsim_request *Request = NULL;
    int32_t Status = NtsimIoctl(File, Code, In, InLength, Out, OutLength, &Request);
    return NtsimFinishSynchronous(Request, Status, Returned);
}

int32_t ntsim_ioctl_async(ntsim_file *File, uint32_t Code, const void *In, size_t InLength, void *Out,
                          size_t OutLength, ntsim_request **Request)
{
    return NtsimIoctl(File, Code, In, InLength, Out, OutLength, Request);
}

int ntsim_request_done(ntsim_request *Request, int32_t *Status, size_t *Information)
{
    if (Request == NULL || !Request->Done)
        return 0;
    if (Status)
        *Status = Request->Status;
    if (Information)
        *Information = Request->Information;
    return 1;
}

void ntsim_request_free(ntsim_request *Request)
{
    if (Request == NULL)
        return;
    if (!Request->Done) {
        /* Still owned by a driver: the IRP completes into nothing. Detach the caller. */
        Request->CallerOut = NULL;
        Request->Asynchronous = 1;
        return;
    }
    RemoveEntryList(&Request->Link);
    NtsimReleaseRequest(Request);
}

int ntsim_shutdown(ntsim_machine *Machine)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        PLIST_ENTRY Drivers = IopLoadedDrivers();
        /* pass 0: IoRegisterShutdownNotification; pass 1: the last-chance registrations */
        for (int Pass = 0; Pass < 2; Pass++)
        for (PLIST_ENTRY D = Drivers->Flink; D != Drivers; D = D->Flink) {
            IOP_DRIVER *Driver = CONTAINING_RECORD(D, IOP_DRIVER, MachineLink);
            for (PDEVICE_OBJECT Device = Driver->Object.DeviceObject; Device; Device = Device->NextDevice) {
                if (!IopDevice(Device)->ShutdownRegistered || IopDevice(Device)->LastChanceShutdown != (Pass == 1))
                    continue;
                PIRP Irp = IopAllocateIrp(Device->StackSize);
                PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
                Stack->MajorFunction = IRP_MJ_SHUTDOWN;
                ntsim_request *Request = NtsimAllocRequest();
                Request->Machine = Machine;
                InsertTailList(&Machine->Requests, &Request->Link);
                Request->Irp = Irp;
                IopSetFinalCompletion(Irp, NtsimFinishRequest, Request);
                IoSetNextIrpStackLocation(Irp);
                Stack->DeviceObject = Device;
                IopCallDispatch(Device, Irp, KiNoSite);
                ntsim_request_free(Request);
            }
        }
    }
    KiLeaveHost(&Frame);
    return KiMachineCrashed() ? NTSIM_E_CRASHED : 0;
}
