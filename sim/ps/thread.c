/* thread.c - system threads: PsCreateSystemThread, PsTerminateSystemThread and the
 * thread handle. The thread object is the scheduler's KTHREAD (sim/ke/sched.c), an
 * object-manager object of type PsThreadType: a driver gets a handle, may reference
 * it with ObReferenceObjectByHandle and wait on it (signalled when the thread ends).
 * A thread still running when its driver unloads is reported and cancelled. */
#include "ntsimp.h"
#include "ke/kep.h"

NTSTATUS PsCreateSystemThread(PHANDLE ThreadHandle, ULONG DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                              HANDLE ProcessHandle, PCLIENT_ID ClientId, PKSTART_ROUTINE StartRoutine,
                              PVOID StartContext)
{
    (void)ObjectAttributes;
    (void)ProcessHandle;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("PsCreateSystemThread", PASSIVE_LEVEL, 0xC4, 0x3F /* approximate */, Site);
    if (ThreadHandle == NULL || StartRoutine == NULL)
        KiBugCheck(0xC4, 0x1014 /* approximate */, (ULONG_PTR)ThreadHandle, (ULONG_PTR)StartRoutine, 0, Site,
                   "PsCreateSystemThread without %s", ThreadHandle ? "a start routine" : "a ThreadHandle");
    if (ViFaultShouldFail(NtsimFaultThread, "PsCreateSystemThread", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    PDRIVER_OBJECT Owner = VfCurrentDriver();
    char Name[96];
    KiThreadNameFor((PVOID)StartRoutine, Owner, Name, sizeof(Name));
    KI_THREAD *T = KiCreateThread(Name, Owner, StartRoutine, StartContext, NULL);
    T->CreateSite = Site;
    VfTrackFor(&T->Track, Owner, NtsimResThread, Site);
    NTSTATUS Status = ObpCreateHandle(T, DesiredAccess, Site, ThreadHandle);
    if (ClientId) {
        ClientId->UniqueProcess = (HANDLE)(ULONG_PTR)4;
        ClientId->UniqueThread = (HANDLE)(ULONG_PTR)(T->Id * 4);
    }
    return Status;
}

NTSTATUS PsTerminateSystemThread(NTSTATUS ExitStatus)
{
    NTSIM_SITE Site = KiTakeSite();
    KI_THREAD *T = KiCurrentThread();
    if (T->IsHost || T->IsWorker || T->BaseFrame == NULL)
        KiBugCheck(0xC4, 0x1015 /* approximate */, (ULONG_PTR)T, 0, 0, Site,
                   "PsTerminateSystemThread called from thread %u '%s', which is not a system thread", T->Id, T->Name);
    KiCheckIrql("PsTerminateSystemThread", PASSIVE_LEVEL, 0xC4, 0x3F, Site);
    KiExitThread(ExitStatus);
}

HANDLE PsGetThreadId(PETHREAD Thread)
{
    return (HANDLE)(ULONG_PTR)(((KI_THREAD *)Thread)->Id * 4); /* as PsGetCurrentThreadId numbers them */
}

BOOLEAN PsIsSystemThread(PETHREAD Thread)
{
    return !((KI_THREAD *)Thread)->IsHost;
}

void KiDescribeThreadResource(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    KI_THREAD *T = CONTAINING_RECORD(Track, KI_THREAD, Track);
    snprintf(Buffer, Size, "system thread %u '%s' still running (%s; Windows: bug check 0xCE when it next runs "
             "code of the unloaded driver)", T->Id, T->Name,
             T->State == KiThreadWaiting ? "blocked in a wait" : "ready to run");
}

/* The simulated system reports itself as Windows 10 (10.0, build 19045), a checked-in
 * fact tests can rely on; CSDVersion is empty. */
BOOLEAN PsGetVersion(PULONG MajorVersion, PULONG MinorVersion, PULONG BuildNumber, PUNICODE_STRING CSDVersion)
{
    if (MajorVersion)
        *MajorVersion = 10;
    if (MinorVersion)
        *MinorVersion = 0;
    if (BuildNumber)
        *BuildNumber = 19045;
    if (CSDVersion && CSDVersion->MaximumLength >= sizeof(WCHAR) && CSDVersion->Buffer) {
        CSDVersion->Length = 0;
        CSDVersion->Buffer[0] = 0;
    }
    return FALSE; /* a free (retail) build */
}
