/* handle.c - the kernel handle table: ZwClose, ObReferenceObjectByHandle.
 * A handle holds one reference to its object and is tracked as a resource of the
 * driver that opened it, so a handle left open shows up in the leak audit. */
#include "ob/obp.h"

typedef struct _OBP_HANDLE_ENTRY {
    PVOID Object;              /* NULL: free slot */
    ACCESS_MASK Access;
    NTSIM_TRACK Track;
} OBP_HANDLE_ENTRY;

static OBP_HANDLE_ENTRY **ObpHandles;
static size_t ObpHandleCount, ObpHandleCapacity;

#define OBP_HANDLE_TO_INDEX(h) (((ULONG_PTR)(h) >> 2) - 1)
#define OBP_INDEX_TO_HANDLE(i) ((HANDLE)(((ULONG_PTR)(i) + 1) << 2))

NTSTATUS ObpCreateHandle(PVOID Object, ACCESS_MASK Access, NTSIM_SITE Site, PHANDLE Handle)
{
    size_t Index;
    for (Index = 0; Index < ObpHandleCount; Index++)
        if (ObpHandles[Index]->Object == NULL)
            break;
    if (Index == ObpHandleCount) {
        if (ObpHandleCount == ObpHandleCapacity) {
            ObpHandleCapacity = ObpHandleCapacity ? ObpHandleCapacity * 2 : 64;
            ObpHandles = KiHostRealloc(ObpHandles, ObpHandleCapacity * sizeof(*ObpHandles));
        }
        ObpHandles[ObpHandleCount++] = KiHostAlloc(sizeof(OBP_HANDLE_ENTRY));
    }
    OBP_HANDLE_ENTRY *Entry = ObpHandles[Index];
    Entry->Object = Object;
    Entry->Access = Access;
    ObpHeader(Object)->PointerCount++;
    ObpHeader(Object)->HandleCount++;
    VfTrack(&Entry->Track, NtsimResHandle, Site);
    *Handle = OBP_INDEX_TO_HANDLE(Index);
    return STATUS_SUCCESS;
}

static OBP_HANDLE_ENTRY *ObpLookupHandle(HANDLE Handle)
{
    ULONG_PTR Value = (ULONG_PTR)Handle;
    if (Value == 0 || (Value & 3) != 0)
        return NULL;
    size_t Index = OBP_HANDLE_TO_INDEX(Handle);
    if (Index >= ObpHandleCount || ObpHandles[Index]->Object == NULL)
        return NULL;
    return ObpHandles[Index];
}

NTSTATUS ObpReferenceHandle(HANDLE Handle, POBJECT_TYPE Type, PVOID *Object)
{
    OBP_HANDLE_ENTRY *Entry = ObpLookupHandle(Handle);
    if (Entry == NULL)
        return STATUS_INVALID_HANDLE;
    if (Type != NULL && ObpHeader(Entry->Object)->Type != Type)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ObpHeader(Entry->Object)->PointerCount++;
    *Object = Entry->Object;
    return STATUS_SUCCESS;
}

static void ObpReleaseEntry(OBP_HANDLE_ENTRY *Entry)
{
    PVOID Object = Entry->Object;
    OBP_HEADER *Header = ObpHeader(Object);
    Entry->Object = NULL;
    VfUntrack(&Entry->Track);
    Header->HandleCount--;
    if (Header->Type->CloseProcedure)
        Header->Type->CloseProcedure(Object, (ULONG)Header->HandleCount);
    ObpDereference(Object);
}

NTSTATUS ObpCloseHandle(HANDLE Handle)
{
    OBP_HANDLE_ENTRY *Entry = ObpLookupHandle(Handle);
    if (Entry == NULL)
        return STATUS_INVALID_HANDLE;
    ObpReleaseEntry(Entry);
    return STATUS_SUCCESS;
}

/* Used by the audit to describe and reclaim a leaked handle. */
PVOID ObpHandleTrackObject(NTSIM_TRACK *Track)
{
    return CONTAINING_RECORD(Track, OBP_HANDLE_ENTRY, Track)->Object;
}

void ObpReclaimHandle(NTSIM_TRACK *Track)
{
    ObpReleaseEntry(CONTAINING_RECORD(Track, OBP_HANDLE_ENTRY, Track));
}

void ObpCloseAllHandles(void)
{
    for (size_t i = 0; i < ObpHandleCount; i++) {
        if (ObpHandles[i]->Object)
            ObpReleaseEntry(ObpHandles[i]);
        free(ObpHandles[i]);
    }
    free(ObpHandles);
    ObpHandles = NULL;
    ObpHandleCount = ObpHandleCapacity = 0;
}

NTSTATUS ZwClose(HANDLE Handle)
{
    NTSIM_SITE Site = KiTakeSite();
    NTSTATUS Status = ObpCloseHandle(Handle);
    if (Status == STATUS_INVALID_HANDLE && VfCurrentDriver() != NULL)
        KiBugCheck(0x93, (ULONG_PTR)Handle, 0, 0, 0, Site,
                   "ZwClose(%p): not an open handle (INVALID_KERNEL_HANDLE)", Handle);
    return Status;
}

NTSTATUS NtClose(HANDLE Handle)
{
    return ObpCloseHandle(Handle);
}

/* ZwClose for a kernel-mode caller (a bad handle is bug check 0x93); with UserMode, as
 * NtClose on behalf of an application, a bad handle is only STATUS_INVALID_HANDLE. */
NTSTATUS ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode)
{
    NTSIM_SITE Site = KiTakeSite();
    NTSTATUS Status = ObpCloseHandle(Handle);
    if (Status == STATUS_INVALID_HANDLE && PreviousMode == KernelMode && VfCurrentDriver() != NULL)
        KiBugCheck(0x93, (ULONG_PTR)Handle, 0, 0, 0, Site,
                   "ObCloseHandle(%p, KernelMode): not an open handle (INVALID_KERNEL_HANDLE)", Handle);
    return Status;
}

NTSTATUS ZwMakeTemporaryObject(HANDLE Handle)
{
    PVOID Object;
    NTSTATUS Status = ObpReferenceHandle(Handle, NULL, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    ObpRemoveName(Object);
    ObpDereference(Object);
    return STATUS_SUCCESS;
}

static NTSTATUS ObpReferenceCurrentThread(POBJECT_TYPE Type, PVOID *Object, POBJECT_HANDLE_INFORMATION Information)
{
    PVOID Thread = PsGetCurrentThread(); /* every thread, the host's included, is a Thread object */
    if (Type != NULL && ObpGetObjectType(Thread) != Type)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ObpReference(Thread);
    *Object = Thread;
    if (Information) {
        Information->HandleAttributes = 0;
        Information->GrantedAccess = THREAD_ALL_ACCESS;
    }
    return STATUS_SUCCESS;
}

/* NtCurrentProcess(): the system process, every thread's (sim/ps/process.c). */
static NTSTATUS ObpReferenceCurrentProcess(POBJECT_TYPE Type, PVOID *Object, POBJECT_HANDLE_INFORMATION Information)
{
    extern PVOID PspSystemProcessObject(void);
    PVOID Process = PspSystemProcessObject();
    if (Type != NULL && ObpGetObjectType(Process) != Type)
        return STATUS_OBJECT_TYPE_MISMATCH;
    ObpReference(Process);
    *Object = Process;
    if (Information) {
        Information->HandleAttributes = 0;
        Information->GrantedAccess = PROCESS_ALL_ACCESS;
    }
    return STATUS_SUCCESS;
}

static NTSTATUS ObpReferenceByHandle(HANDLE Handle, POBJECT_TYPE ObjectType, PVOID *Object,
                                     POBJECT_HANDLE_INFORMATION HandleInformation)
{
    if (Handle == NtCurrentThread()) /* the pseudo-handle: the calling thread's object */
        return ObpReferenceCurrentThread(ObjectType, Object, HandleInformation);
    if (Handle == NtCurrentProcess())
        return ObpReferenceCurrentProcess(ObjectType, Object, HandleInformation);
    OBP_HANDLE_ENTRY *Entry = ObpLookupHandle(Handle);
    if (Entry == NULL)
        return STATUS_INVALID_HANDLE;
    NTSTATUS Status = ObpReferenceHandle(Handle, ObjectType, Object);
    if (NT_SUCCESS(Status) && HandleInformation) {
        HandleInformation->HandleAttributes = 0;
        HandleInformation->GrantedAccess = Entry->Access;
    }
    return Status;
}

NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                   KPROCESSOR_MODE AccessMode, PVOID *Object,
                                   POBJECT_HANDLE_INFORMATION HandleInformation)
{
    (void)DesiredAccess;
    (void)AccessMode;
    KiTakeSite();
    return ObpReferenceByHandle(Handle, ObjectType, Object, HandleInformation);
}

/* The tag names the reference for a debugger's reference tracing; ntsim keeps none. */
NTSTATUS ObReferenceObjectByHandleWithTag(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                          KPROCESSOR_MODE AccessMode, ULONG Tag, PVOID *Object,
                                          POBJECT_HANDLE_INFORMATION HandleInformation)
{
    (void)DesiredAccess;
    (void)AccessMode;
    (void)Tag;
    KiTakeSite();
    return ObpReferenceByHandle(Handle, ObjectType, Object, HandleInformation);
}

static void ObpDescribeHandle(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    char Name[256];
    PVOID Object = ObpHandleTrackObject(Track);
    ObpGetObjectName(Object, Name, sizeof(Name));
    snprintf(Buffer, Size, "open handle to a %s object%s%s", ObpGetObjectType(Object)->Name, Name[0] ? " " : "",
             Name);
}

/* Handles, for the leak audit (sim/verifier/owner.c calls them back). */
static const VF_RESOURCE_OPS ObpHandleOps = { .Describe = ObpDescribeHandle, .Reclaim = ObpReclaimHandle };

void ObpRegisterResourceKinds(void)
{
    VfRegisterResourceKind(NtsimResHandle, &ObpHandleOps);
}
