/* event.c (host) - events and semaphores a test creates and holds as a user-mode
 * program holds them: by handle. The handle goes to the driver in an IOCTL buffer; the driver references
 * it with ObReferenceObjectByHandle(..., *ExEventObjectType, UserMode, ...), sets the
 * KEVENT later (from a DPC, a thread, a completion), and the test waits for it here,
 * in virtual time, with the rest of the machine running. */
#include "host/hostp.h"
#include "ke/kep.h"

extern OBJECT_TYPE ExpEventObjectType;
NTSTATUS ExpCreateEventObject(EVENT_TYPE Type, BOOLEAN State, PCUNICODE_STRING Name, PKEVENT *Event);
LONG KiSetEvent(PRKEVENT Event);

/* The object behind a handle the host holds, referenced, if it is of Type; What names
 * the type in the error ("event", "semaphore"). */
static int32_t NtsimReferenceHandle(ntsim_machine *Machine, ntsim_handle Handle, POBJECT_TYPE Type, const char *What,
                                    PVOID *Object)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    NTSTATUS Status = ObpReferenceHandle((HANDLE)(ULONG_PTR)Handle, Type, Object);
    if (!NT_SUCCESS(Status)) {
        NtsimSetLastError("handle 0x%llx is not an open %s handle (%s)", (unsigned long long)Handle, What,
                          ntsim_status_name(Status));
        return NTSIM_E_ARGS;
    }
    return 0;
}

static int32_t NtsimReferenceEvent(ntsim_machine *Machine, ntsim_handle Handle, PKEVENT *Event)
{
    PVOID Object = NULL;
    int32_t Check = NtsimReferenceHandle(Machine, Handle, &ExpEventObjectType, "event", &Object);
    *Event = Object;
    return Check;
}

int32_t ntsim_event_create(ntsim_machine *Machine, int Notification, int InitialState, ntsim_handle *Handle)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (Handle == NULL)
        return NTSIM_E_ARGS;
    PKEVENT Event;
    ExpCreateEventObject(Notification ? NotificationEvent : SynchronizationEvent, InitialState != 0, NULL, &Event);
    HANDLE Created;
    /* no driver is running: the handle is the host's, outside every driver's leak audit */
    ObpCreateHandle(Event, EVENT_ALL_ACCESS, KiNoSite, &Created);
    ObpDereference(Event);
    *Handle = (ntsim_handle)(ULONG_PTR)Created;
    return STATUS_SUCCESS;
}

int32_t ntsim_event_set(ntsim_machine *Machine, ntsim_handle Handle)
{
    PKEVENT Event;
    int32_t Status = NtsimReferenceEvent(Machine, Handle, &Event);
    if (Status)
        return Status;
    KiSetEvent(Event); /* readies waiters; they run when the host next blocks */
    ObpDereference(Event);
    return STATUS_SUCCESS;
}

int32_t ntsim_event_reset(ntsim_machine *Machine, ntsim_handle Handle)
{
    PKEVENT Event;
    int32_t Status = NtsimReferenceEvent(Machine, Handle, &Event);
    if (Status)
        return Status;
    Event->Header.SignalState = 0;
    ObpDereference(Event);
    return STATUS_SUCCESS;
}

/* The wait under a host frame (kept apart: nothing of the caller's lives across the
 * frame's sigsetjmp). */
static NTSTATUS NtsimWaitObject(PVOID Object, hw_time_t Deadline, const char *Ddi)
{
    volatile NTSTATUS Status = STATUS_TIMEOUT;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame)) {
        PVOID Objects[1] = { Object };
        Status = KiWaitInternal(1, Objects, WaitAny, Deadline, Ddi);
    }
    KiLeaveHost(&Frame);
    return Status;
}

/* Wait for a referenced event or semaphore, then drop the reference: 1 signalled,
 * 0 timed out, NTSIM_E_CRASHED. */
static int NtsimWaitReferenced(PVOID Object, uint64_t TimeoutNs, const char *Ddi, const char *What)
{
    hw_time_t Deadline = TimeoutNs == UINT64_MAX || TimeoutNs > HW_TIME_NEVER - 1 - KiNow() ? HW_TIME_NEVER
                                                                                          : KiNow() + TimeoutNs;
    NTSTATUS Status = NtsimWaitObject(Object, Deadline, Ddi);
    KiReapThreads();
    ObpDereference(Object);
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine stopped while the host waited for %s", What);
        return NTSIM_E_CRASHED;
    }
    return Status == STATUS_WAIT_0 ? 1 : 0;
}

int ntsim_event_wait(ntsim_machine *Machine, ntsim_handle Handle, uint64_t TimeoutNs)
{
    PKEVENT Event;
    int32_t Check = NtsimReferenceEvent(Machine, Handle, &Event);
    if (Check)
        return Check;
    return NtsimWaitReferenced(Event, TimeoutNs, "ntsim_event_wait", "an event");
}

/* ---- semaphores (sim/ex/semaphore.c) ---- */

extern OBJECT_TYPE ExpSemaphoreObjectType;
NTSTATUS ExpCreateSemaphoreObject(LONG Count, LONG Limit, PKSEMAPHORE *Semaphore);

int32_t ntsim_semaphore_create(ntsim_machine *Machine, int32_t InitialCount, int32_t Limit, ntsim_handle *Handle)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (Handle == NULL || Limit <= 0 || InitialCount < 0 || InitialCount > Limit) {
        NtsimSetLastError("a semaphore needs 0 <= initial count <= limit, limit > 0, and a handle to fill "
                          "(got %d, %d)", (int)InitialCount, (int)Limit);
        return NTSIM_E_ARGS;
    }
    PKSEMAPHORE Semaphore;
    ExpCreateSemaphoreObject(InitialCount, Limit, &Semaphore);
    HANDLE Created;
    /* no driver is running: the handle is the host's, outside every driver's leak audit */
    ObpCreateHandle(Semaphore, SEMAPHORE_ALL_ACCESS, KiNoSite, &Created);
    ObpDereference(Semaphore);
    *Handle = (ntsim_handle)(ULONG_PTR)Created;
    return STATUS_SUCCESS;
}

int ntsim_semaphore_wait(ntsim_machine *Machine, ntsim_handle Handle, uint64_t TimeoutNs)
{
    PVOID Object;
    int32_t Check = NtsimReferenceHandle(Machine, Handle, &ExpSemaphoreObjectType, "semaphore", &Object);
    if (Check)
        return Check;
    return NtsimWaitReferenced(Object, TimeoutNs, "ntsim_semaphore_wait", "a semaphore");
}

int32_t ntsim_handle_close(ntsim_machine *Machine, ntsim_handle Handle)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    NTSTATUS Status = STATUS_INVALID_HANDLE;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        Status = ObpCloseHandle((HANDLE)(ULONG_PTR)Handle);
    KiLeaveHost(&Frame);
    if (KiMachineCrashed())
        return NTSIM_E_CRASHED;
    if (!NT_SUCCESS(Status))
        NtsimSetLastError("handle 0x%llx is not open", (unsigned long long)Handle);
    return Status;
}
