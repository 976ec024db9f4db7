/* file.c - file objects: opening a device (IRP_MJ_CREATE), cleanup and close, and
 * IoGetDeviceObjectPointer for drivers layering over other drivers. */
#include "io/iop.h"

void IopPnpOnLastClose(void);
BOOLEAN IopPnpRemovalPending(void);

typedef struct _IOP_FILE {
    FILE_OBJECT Object;
    NTSIM_TRACK ReferenceTrack;   /* IoGetDeviceObjectPointer's reference (rule IO-03) */
    BOOLEAN Opened;               /* IRP_MJ_CREATE succeeded */
    BOOLEAN CleanedUp;
    WCHAR *NameBuffer;
} IOP_FILE;

static void IopDeleteFile(PVOID Object);
static void IopCloseFileHandle(PVOID Object, ULONG HandleCount);
static void IopOnFileDereference(PVOID Object);
OBJECT_TYPE IopFileType = { .Name = "File", .DeleteProcedure = IopDeleteFile, .CloseProcedure = IopCloseFileHandle,
                            .DriverDereferenceProcedure = IopOnFileDereference };
static POBJECT_TYPE IopFileTypeValue = &IopFileType;
POBJECT_TYPE *IoFileObjectType = &IopFileTypeValue;

typedef struct _IOP_SYNC_CONTEXT {
    BOOLEAN Done;
    IO_STATUS_BLOCK Iosb;
} IOP_SYNC_CONTEXT;

static void IopCompleteSync(PIRP Irp, void *Context)
{
    IOP_SYNC_CONTEXT *Sync = Context;
    Sync->Done = TRUE;
    Sync->Iosb = Irp->IoStatus;
    IopFreeIrp(Irp);
}

/* Send a parameterless file IRP (CREATE/CLEANUP/CLOSE) and wait for it. */
static NTSTATUS IopSendFileIrp(PFILE_OBJECT File, UCHAR Major, KPROCESSOR_MODE Mode, ULONG_PTR *Information)
{
    PDEVICE_OBJECT Device = IopGetAttachedDevice(File->DeviceObject);
    PIRP Irp = IopAllocateIrp(Device->StackSize);
    IOP_SYNC_CONTEXT Sync = { FALSE, { { 0 }, 0 } };
    IopSetFinalCompletion(Irp, IopCompleteSync, &Sync);
    Irp->RequestorMode = Mode;
    Irp->Tail.Overlay.OriginalFileObject = File;
    Irp->Flags = Major == IRP_MJ_CREATE ? IRP_CREATE_OPERATION | IRP_SYNCHRONOUS_API
                 : Major == IRP_MJ_CLOSE ? IRP_CLOSE_OPERATION | IRP_SYNCHRONOUS_API
                                         : IRP_SYNCHRONOUS_API;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = Major;
    Stack->FileObject = File;
    static IO_SECURITY_CONTEXT Security = { NULL, NULL, FILE_ALL_ACCESS, 0 };
    if (Major == IRP_MJ_CREATE) {
        Stack->Parameters.Create.SecurityContext = &Security;
        Stack->Parameters.Create.Options = (ULONG)FILE_OPEN << 24;
        Stack->Parameters.Create.ShareAccess = FILE_SHARE_READ | FILE_SHARE_WRITE;
    }
    KPROCESSOR_MODE OldMode = KiSetPreviousMode(Mode);
    NTSIM_SITE None = { NULL, 0 };
    IoSetNextIrpStackLocation(Irp);
    IoGetCurrentIrpStackLocation(Irp)->DeviceObject = Device;
    NTSTATUS Status = IopCallDispatch(Device, Irp, None);
    KiSetPreviousMode(OldMode);
    if (!Sync.Done) {
        /* Pended open/close with nothing that could complete it in this machine. */
        return STATUS_PENDING;
    }
    if (Information)
        *Information = Sync.Iosb.Information;
    return Status == STATUS_PENDING ? Sync.Iosb.Status : Sync.Iosb.Status;
}

static NTSTATUS IopCreateFile(PDEVICE_OBJECT Device, const char *Rest, KPROCESSOR_MODE Mode, PFILE_OBJECT *Out)
{
    IOP_DEVICE *Private = IopDevice(Device);
    if (Private->Deleted || IopDriver(Device->DriverObject)->Unloaded)
        return STATUS_NO_SUCH_DEVICE;
    if ((Device->Flags & DO_EXCLUSIVE) && Private->OpenCount > 0)
        return STATUS_ACCESS_DENIED;
    if (Device->Flags & DO_DEVICE_INITIALIZING) {
        /* DO-02 (docs/verifier.md); the I/O manager refuses the open, as on Windows. */
        VfReport("DO-02", NTSIM_SEV_ERROR, Device->DriverObject, Private->Track.Site,
                 "device %p (created here) is opened while DO_DEVICE_INITIALIZING is still set: a device created "
                 "outside DriverEntry (AddDevice, a reinitialization routine...) must clear it when it is ready",
                 (void *)Device);
        return STATUS_NO_SUCH_DEVICE;
    }
    PVOID Body;
    ObpCreateObject(&IopFileType, sizeof(IOP_FILE), &Body);
    IOP_FILE *File = Body;
    PFILE_OBJECT Object = &File->Object;
    Object->Type = IO_TYPE_FILE;
    Object->Size = sizeof(FILE_OBJECT);
    Object->DeviceObject = Device;
    Object->ReadAccess = Object->WriteAccess = TRUE;
    Object->SharedRead = Object->SharedWrite = TRUE;
    InitializeListHead(&Object->IrpList);
    InitializeListHead(&File->ReferenceTrack.Link);
    if (Rest && Rest[0]) {
        size_t Length = strlen(Rest);
        File->NameBuffer = KiHostAlloc((Length + 1) * sizeof(WCHAR));
        size_t Units = RtlpUtf8ToUtf16(Rest, Length, File->NameBuffer, Length + 1);
        Object->FileName.Buffer = File->NameBuffer;
        Object->FileName.Length = (USHORT)(Units * sizeof(WCHAR));
        Object->FileName.MaximumLength = (USHORT)((Units + 1) * sizeof(WCHAR));
    }
    ObpReference(Device);
    NTSTATUS Status = IopSendFileIrp(Object, IRP_MJ_CREATE, Mode, NULL);
    if (!NT_SUCCESS(Status) || Status == STATUS_PENDING) {
        ObpDereference(File); /* never opened: no CLEANUP/CLOSE */
        return Status == STATUS_PENDING ? STATUS_UNSUCCESSFUL : Status;
    }
    File->Opened = TRUE;
    Private->OpenCount++;
    *Out = Object;
    return STATUS_SUCCESS;
}

NTSTATUS IopOpenDeviceMode(const char *Path, KPROCESSOR_MODE Mode, PFILE_OBJECT *FileObject)
{
    PVOID Object;
    char Rest[512];
    NTSTATUS Status = ObpLookupObjectWithRest(Path, &Object, Rest, sizeof(Rest));
    if (!NT_SUCCESS(Status))
        return Status;
    if (ObpGetObjectType(Object) != &IopDeviceType) {
        ObpDereference(Object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    Status = IopCreateFile(Object, Rest, Mode, FileObject);
    ObpDereference(Object);
    return Status;
}

NTSTATUS IopOpenDevice(const char *Path, PFILE_OBJECT *FileObject)
{
    return IopOpenDeviceMode(Path, UserMode, FileObject);
}

static void IopCleanupFile(IOP_FILE *File, KPROCESSOR_MODE Mode)
{
    if (File->Opened && !File->CleanedUp) {
        File->CleanedUp = TRUE;
        IopSendFileIrp(&File->Object, IRP_MJ_CLEANUP, Mode, NULL);
    }
}

/* The last handle to a file object is closed (ZwClose of a ZwCreateFile/ZwOpenFile
 * handle, sim/io/zwfile.c): IRP_MJ_CLEANUP now, IRP_MJ_CLOSE with the last reference. */
static void IopCloseFileHandle(PVOID Object, ULONG HandleCount)
{
    PDEVICE_OBJECT Device = ((IOP_FILE *)Object)->Object.DeviceObject;
    /* A handle the audit or machine teardown closes after the driver went: no IRP to it. */
    if (HandleCount == 0 && !IopDriver(Device->DriverObject)->Unloaded && !KiMachineCrashed())
        IopCleanupFile(Object, KernelMode);
}

NTSTATUS IopCloseFile(PFILE_OBJECT FileObject)
{
    IopCleanupFile((IOP_FILE *)FileObject, UserMode);
    ObpDereference(FileObject); /* the last reference sends IRP_MJ_CLOSE */
    return STATUS_SUCCESS;
}

static void IopDeleteFile(PVOID Object)
{
    IOP_FILE *File = Object;
    PDEVICE_OBJECT Device = File->Object.DeviceObject;
    if (File->Opened) {
        if (!IopDriver(Device->DriverObject)->Unloaded && !KiMachineCrashed())
            IopSendFileIrp(&File->Object, IRP_MJ_CLOSE, KernelMode, NULL);
        if (--IopDevice(Device)->OpenCount == 0 && IopPnpRemovalPending())
            IopPnpOnLastClose(); /* a surprise-removed stack waiting for it (sim/io/pnpmgr.c) */
    }
    VfUntrack(&File->ReferenceTrack);
    free(File->NameBuffer);
    ObpDereference(Device);
}

/* A driver dropping the reference IoGetDeviceObjectPointer gave it (rule IO-03). */
static void IopOnFileDereference(PVOID Object)
{
    IOP_FILE *File = Object;
    if (File->ReferenceTrack.Owner != NULL && File->ReferenceTrack.Owner == VfCurrentDriver())
        VfUntrack(&File->ReferenceTrack);
}

NTSTATUS IoGetDeviceObjectPointer(PUNICODE_STRING ObjectName, ACCESS_MASK DesiredAccess, PFILE_OBJECT *FileObject,
                                  PDEVICE_OBJECT *DeviceObject)
{
    (void)DesiredAccess;
    NTSIM_SITE Site = KiTakeSite();
    if (ViFaultShouldFail(NtsimFaultObject, "IoGetDeviceObjectPointer", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (ObjectName == NULL || ObjectName->Buffer == NULL)
        return STATUS_OBJECT_NAME_INVALID;
    char *Path = RtlpUnicodeToUtf8Dup(ObjectName);
    PFILE_OBJECT File;
    PDRIVER_OBJECT Caller = VfCurrentDriver();
    NTSTATUS Status = IopOpenDeviceMode(Path, KernelMode, &File);
    free(Path);
    if (!NT_SUCCESS(Status))
        return Status;
    /* As on Windows: the handle is closed at once (IRP_MJ_CLEANUP), the referenced file
     * object is what the caller keeps; dereferencing it sends IRP_MJ_CLOSE. */
    IopCleanupFile((IOP_FILE *)File, KernelMode);
    VfTrackFor(&((IOP_FILE *)File)->ReferenceTrack, Caller, NtsimResObjectReference, Site);
    *FileObject = File;
    *DeviceObject = IoGetRelatedDeviceObject(File);
    return STATUS_SUCCESS;
}

void IopDescribeFileReference(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IOP_FILE *File = CONTAINING_RECORD(Track, IOP_FILE, ReferenceTrack);
    char Name[256];
    snprintf(Buffer, Size, "reference to the file object of %s from IoGetDeviceObjectPointer (IO-03)",
             ObpGetObjectName(File->Object.DeviceObject, Name, sizeof(Name)));
}

void IopReclaimFileReference(NTSIM_TRACK *Track)
{
    IOP_FILE *File = CONTAINING_RECORD(Track, IOP_FILE, ReferenceTrack);
    VfUntrack(Track);
    ObpDereference(&File->Object);
}
