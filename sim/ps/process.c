/* process.c - the one process of the simulated system and its primary token, as real
 * objects of types *PsProcessType and *SeTokenObjectType.
 *
 * Every simulated thread, the host's included, belongs to the system process (process
 * ID 4): PsGetCurrentProcess, IoGetCurrentProcess, PsInitialSystemProcess and the
 * NtCurrentProcess() pseudo-handle all name it, so a driver can reference it
 * (ObReferenceObjectByHandle(NtCurrentProcess(), ..., *PsProcessType, ...),
 * PsLookupProcessByProcessId) and open its token (ZwOpenProcessToken(Ex),
 * PsReferencePrimaryToken), and a wrong type is STATUS_OBJECT_TYPE_MISMATCH.
 * Both objects are permanent: statically allocated, their reference count never
 * reaches zero, so they outlive every machine without being created or freed. Their
 * bodies are opaque, as EPROCESS and TOKEN are to drivers. */
#include "ob/obp.h"
#include "ke/kep.h"
#include <nt/ps.h>

extern OBJECT_TYPE PspProcessObjectType, SepTokenObjectType;

#define PSP_SYSTEM_PROCESS_ID 4
#define PSP_PERMANENT_REFERENCES ((LONG_PTR)1 << 40) /* never counted down to zero */

typedef struct _PSP_PERMANENT_OBJECT {
    OBP_HEADER Header;
    DECLSPEC_ALIGN(16) UCHAR Body[64]; /* right after the header, where ObpHeader looks */
} PSP_PERMANENT_OBJECT;

#define PSP_PERMANENT_HEADER(Self, ObjectType)                                                                  \
    {                                                                                                          \
        .Magic = OBP_MAGIC, .PointerCount = PSP_PERMANENT_REFERENCES, .Type = &(ObjectType),                   \
        .DirectoryLink = { &(Self).Header.DirectoryLink, &(Self).Header.DirectoryLink }                        \
    }

static PSP_PERMANENT_OBJECT PspSystemProcess = { .Header = PSP_PERMANENT_HEADER(PspSystemProcess, PspProcessObjectType) };
static PSP_PERMANENT_OBJECT PspSystemToken = { .Header = PSP_PERMANENT_HEADER(PspSystemToken, SepTokenObjectType) };

PEPROCESS PsInitialSystemProcess = (PEPROCESS)PspSystemProcess.Body;

PVOID PspSystemProcessObject(void)
{
    return PspSystemProcess.Body;
}

PEPROCESS PsGetCurrentProcess(VOID)
{
    return (PEPROCESS)PspSystemProcess.Body;
}

HANDLE PsGetCurrentProcessId(VOID)
{
    return (HANDLE)(ULONG_PTR)PSP_SYSTEM_PROCESS_ID;
}

static BOOLEAN PspIsProcess(PVOID Object)
{
    return Object != NULL && ObpHeader(Object)->Magic == OBP_MAGIC && ObpGetObjectType(Object) == &PspProcessObjectType;
}

BOOLEAN PsIsSystemProcess(PEPROCESS Process)
{
    return Process == (PEPROCESS)PspSystemProcess.Body;
}

/* Every thread belongs to the system process. */
PEPROCESS PsGetThreadProcess(PETHREAD Thread)
{
    (void)Thread;
    return (PEPROCESS)PspSystemProcess.Body;
}

PEPROCESS IoThreadToProcess(PETHREAD Thread)
{
    (void)Thread;
    return (PEPROCESS)PspSystemProcess.Body;
}

HANDLE PsGetThreadProcessId(PETHREAD Thread)
{
    (void)Thread;
    return (HANDLE)(ULONG_PTR)PSP_SYSTEM_PROCESS_ID;
}

PEPROCESS PsGetCurrentThreadProcess(VOID)
{
    return (PEPROCESS)PspSystemProcess.Body;
}

HANDLE PsGetCurrentThreadProcessId(VOID)
{
    return (HANDLE)(ULONG_PTR)PSP_SYSTEM_PROCESS_ID;
}

HANDLE PsGetProcessId(PEPROCESS Process)
{
    NTSIM_SITE Site = KiTakeSite();
    if (!PspIsProcess(Process))
        KiBugCheck(0xC4, 0x1016 /* approximate */, (ULONG_PTR)Process, 0, 0, Site,
                   "PsGetProcessId(%p): not a process object", (void *)Process);
    return (HANDLE)(ULONG_PTR)PSP_SYSTEM_PROCESS_ID;
}

NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("PsLookupProcessByProcessId", APC_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if ((ULONG_PTR)ProcessId != PSP_SYSTEM_PROCESS_ID)
        return STATUS_INVALID_CID; /* the only process is the system's */
    ObpReference(PspSystemProcess.Body);
    *Process = (PEPROCESS)PspSystemProcess.Body;
    return STATUS_SUCCESS;
}

PACCESS_TOKEN PsReferencePrimaryToken(PEPROCESS Process)
{
    NTSIM_SITE Site = KiTakeSite();
    if (!PspIsProcess(Process))
        KiBugCheck(0xC4, 0x1016 /* approximate */, (ULONG_PTR)Process, 0, 0, Site,
                   "PsReferencePrimaryToken(%p): not a process object", (void *)Process);
    ObpReference(PspSystemToken.Body);
    return PspSystemToken.Body;
}

VOID PsDereferencePrimaryToken(PACCESS_TOKEN PrimaryToken)
{
    ObfDereferenceObject(PrimaryToken);
}

/* The process a handle names (NtCurrentProcess() or a process handle), referenced. */
static NTSTATUS PspReferenceProcessHandle(HANDLE ProcessHandle, PVOID *Process)
{
    if (ProcessHandle == NtCurrentProcess()) {
        ObpReference(PspSystemProcess.Body);
        *Process = PspSystemProcess.Body;
        return STATUS_SUCCESS;
    }
    return ObpReferenceHandle(ProcessHandle, &PspProcessObjectType, Process);
}

static NTSTATUS PspOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, PHANDLE TokenHandle,
                                    const char *Ddi, NTSIM_SITE Site)
{
    KiCheckIrql(Ddi, PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (TokenHandle == NULL)
        return STATUS_INVALID_PARAMETER;
    PVOID Process;
    NTSTATUS Status = PspReferenceProcessHandle(ProcessHandle, &Process);
    if (!NT_SUCCESS(Status))
        return Status;
    ObpDereference(Process);
    return ObpCreateHandle(PspSystemToken.Body, DesiredAccess, Site, TokenHandle);
}

NTSTATUS ZwOpenProcessTokenEx(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
                              PHANDLE TokenHandle)
{
    (void)HandleAttributes;
    NTSIM_SITE Site = KiTakeSite();
    return PspOpenProcessToken(ProcessHandle, DesiredAccess, TokenHandle, "ZwOpenProcessTokenEx", Site);
}

NTSTATUS ZwOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, PHANDLE TokenHandle)
{
    NTSIM_SITE Site = KiTakeSite();
    return PspOpenProcessToken(ProcessHandle, DesiredAccess, TokenHandle, "ZwOpenProcessToken", Site);
}
