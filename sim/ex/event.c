/* event.c - event objects reachable by handle: ZwCreateEvent, ZwOpenEvent, ZwSetEvent,
 * ZwResetEvent, ZwClearEvent, ZwPulseEvent, IoCreateNotificationEvent,
 * IoCreateSynchronizationEvent, and the handle waits ZwWaitForSingleObject and
 * ZwWaitForMultipleObjects.
 *
 * An event object's body is a KEVENT, so a driver that references a handle with
 * *ExEventObjectType gets a PKEVENT for KeSetEvent/KeWaitForSingleObject, and the host
 * (ntsim_event_create, sim/host/event.c) can hand a driver a handle the way a user-mode
 * program passes one in an IOCTL. Handles a driver opens are tracked: one left open at
 * unload is a leak finding. */
#include "ntsimp.h"
#include "ke/kep.h"

extern OBJECT_TYPE ExpEventObjectType, ExpSemaphoreObjectType, ExpTimerObjectType, PsThreadTypeObject;

/* Create an unnamed or named event object with one reference (the caller's). */
NTSTATUS ExpCreateEventObject(EVENT_TYPE Type, BOOLEAN State, PCUNICODE_STRING Name, PKEVENT *Event)
{
    PVOID Object;
    ObpCreateObject(&ExpEventObjectType, sizeof(KEVENT), &Object);
    PKEVENT Body = Object;
    KiInitializeDispatcherHeader(&Body->Header,
                                 Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject,
                                 State ? 1 : 0);
    Body->Header.Size = sizeof(KEVENT) / sizeof(LONG);
    if (Name != NULL) {
        NTSTATUS Status = ObpInsertName(Object, Name);
        if (!NT_SUCCESS(Status)) {
            ObpDereference(Object);
            return Status;
        }
    }
    *Event = Body;
    return STATUS_SUCCESS;
}

static PCUNICODE_STRING ExpObjectName(POBJECT_ATTRIBUTES Attributes)
{
    if (Attributes == NULL || Attributes->ObjectName == NULL || Attributes->ObjectName->Length == 0)
        return NULL;
    return Attributes->ObjectName;
}

/* Open the existing named event: referenced, type-checked. */
static NTSTATUS ExpLookupEvent(PCUNICODE_STRING Name, PVOID *Object)
{
    NTSTATUS Status = ObpLookupObject(Name, Object);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ObpGetObjectType(*Object) != &ExpEventObjectType) {
        ObpDereference(*Object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    return STATUS_SUCCESS;
}

NTSTATUS ZwCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                       EVENT_TYPE EventType, BOOLEAN InitialState)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwCreateEvent", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (EventHandle == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (EventType != NotificationEvent && EventType != SynchronizationEvent)
        return STATUS_INVALID_PARAMETER_4;
    if (ViFaultShouldFail(NtsimFaultObject, "ZwCreateEvent", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    PCUNICODE_STRING Name = ExpObjectName(ObjectAttributes);
    PKEVENT Event;
    NTSTATUS Status = ExpCreateEventObject(EventType, InitialState, Name, &Event);
    NTSTATUS Success = STATUS_SUCCESS;
    if (Status == STATUS_OBJECT_NAME_COLLISION && (ObjectAttributes->Attributes & OBJ_OPENIF)) {
        PVOID Existing;
        Status = ExpLookupEvent(Name, &Existing);
        Event = Existing;
        Success = STATUS_OBJECT_NAME_EXISTS;
    }
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObpCreateHandle(Event, DesiredAccess, Site, EventHandle);
    ObpDereference(Event);
    return NT_SUCCESS(Status) ? Success : Status;
}

NTSTATUS ZwOpenEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwOpenEvent", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PCUNICODE_STRING Name = ExpObjectName(ObjectAttributes);
    if (EventHandle == NULL || Name == NULL)
        return STATUS_INVALID_PARAMETER;
    PVOID Object;
    NTSTATUS Status = ExpLookupEvent(Name, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObpCreateHandle(Object, DesiredAccess, Site, EventHandle);
    ObpDereference(Object);
    return Status;
}

/* The KEVENT behind a handle, referenced; the caller dereferences it. */
static NTSTATUS ExpReferenceEvent(HANDLE Handle, PKEVENT *Event)
{
    PVOID Object;
    NTSTATUS Status = ObpReferenceHandle(Handle, &ExpEventObjectType, &Object);
    if (NT_SUCCESS(Status))
        *Event = Object;
    return Status;
}

NTSTATUS ZwSetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwSetEvent", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PKEVENT Event;
    NTSTATUS Status = ExpReferenceEvent(EventHandle, &Event);
    if (!NT_SUCCESS(Status))
        return Status;
    extern LONG KiSetEvent(PRKEVENT Event);
    LONG Previous = KiSetEvent(Event);
    if (PreviousState)
        *PreviousState = Previous;
    ObpDereference(Event);
    return STATUS_SUCCESS;
}

static NTSTATUS ExpResetEvent(HANDLE EventHandle, PLONG PreviousState, const char *Ddi)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql(Ddi, PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PKEVENT Event;
    NTSTATUS Status = ExpReferenceEvent(EventHandle, &Event);
    if (!NT_SUCCESS(Status))
        return Status;
    if (PreviousState)
        *PreviousState = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    ObpDereference(Event);
    return STATUS_SUCCESS;
}

NTSTATUS ZwResetEvent(HANDLE EventHandle, PLONG PreviousState)
{
    return ExpResetEvent(EventHandle, PreviousState, "ZwResetEvent");
}

NTSTATUS ZwClearEvent(HANDLE EventHandle)
{
    return ExpResetEvent(EventHandle, NULL, "ZwClearEvent");
}

NTSTATUS ZwPulseEvent(HANDLE EventHandle, PLONG PreviousState)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwPulseEvent", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PKEVENT Event;
    NTSTATUS Status = ExpReferenceEvent(EventHandle, &Event);
    if (!NT_SUCCESS(Status))
        return Status;
    LONG Previous = Event->Header.SignalState;
    if (Previous == 0) {
        Event->Header.SignalState = 1;
        KiSignalObject(&Event->Header);
    }
    Event->Header.SignalState = 0;
    if (PreviousState)
        *PreviousState = Previous;
    ObpDereference(Event);
    return STATUS_SUCCESS;
}

/* IoCreateNotificationEvent / IoCreateSynchronizationEvent: open the named event or
 * create it; the caller gets a handle (to close with ZwClose) and the KEVENT. */
static PKEVENT ExpCreateNamedEvent(PUNICODE_STRING EventName, PHANDLE EventHandle, EVENT_TYPE Type, const char *Ddi)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql(Ddi, PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (EventName == NULL || EventHandle == NULL)
        return NULL;
    if (ViFaultShouldFail(NtsimFaultObject, Ddi, 0, Site))
        return NULL;
    PVOID Object;
    if (!NT_SUCCESS(ExpLookupEvent(EventName, &Object))) {
        PKEVENT Created;
        /* created in the signalled state, as the documentation of both routines says */
        if (!NT_SUCCESS(ExpCreateEventObject(Type, TRUE, EventName, &Created)))
            return NULL;
        Object = Created;
    }
    NTSTATUS Status = ObpCreateHandle(Object, EVENT_ALL_ACCESS, Site, EventHandle);
    ObpDereference(Object); /* the handle holds it now */
    return NT_SUCCESS(Status) ? Object : NULL;
}

PKEVENT IoCreateNotificationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle)
{
    return ExpCreateNamedEvent(EventName, EventHandle, NotificationEvent, "IoCreateNotificationEvent");
}

PKEVENT IoCreateSynchronizationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle)
{
    return ExpCreateNamedEvent(EventName, EventHandle, SynchronizationEvent, "IoCreateSynchronizationEvent");
}

/* ---- waits by handle ---- */

static BOOLEAN ExpIsWaitable(PVOID Object)
{
    POBJECT_TYPE Type = ObpGetObjectType(Object);
    return Type == &ExpEventObjectType || Type == &ExpSemaphoreObjectType || Type == &ExpTimerObjectType ||
           Type == &PsThreadTypeObject;
}

static NTSTATUS ExpWaitHandles(ULONG Count, HANDLE Handles[], WAIT_TYPE WaitType, PLARGE_INTEGER Timeout,
                               const char *Ddi, NTSIM_SITE Site)
{
    if (Count == 0 || Count > MAXIMUM_WAIT_OBJECTS || Handles == NULL)
        return STATUS_INVALID_PARAMETER_1;
    PVOID Objects[MAXIMUM_WAIT_OBJECTS];
    NTSTATUS Status = STATUS_SUCCESS;
    ULONG Referenced = 0;
    for (; Referenced < Count; Referenced++) {
        Status = ObpReferenceHandle(Handles[Referenced], NULL, &Objects[Referenced]);
        if (!NT_SUCCESS(Status))
            break;
        if (!ExpIsWaitable(Objects[Referenced])) {
            ObpDereference(Objects[Referenced]);
            Status = STATUS_OBJECT_TYPE_MISMATCH;
            break;
        }
    }
    if (NT_SUCCESS(Status))
        Status = KiWaitObjects(Count, Objects, WaitType, Timeout, Ddi, Site, TRUE);
    for (ULONG i = 0; i < Referenced; i++)
        ObpDereference(Objects[i]);
    return Status;
}

NTSTATUS ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout)
{
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    HANDLE Handles[1] = { Handle };
    return ExpWaitHandles(1, Handles, WaitAny, Timeout, "ZwWaitForSingleObject", Site);
}

NTSTATUS ZwWaitForMultipleObjects(ULONG Count, HANDLE Handles[], WAIT_TYPE WaitType, BOOLEAN Alertable,
                                  PLARGE_INTEGER Timeout)
{
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    if (WaitType != WaitAll && WaitType != WaitAny)
        return STATUS_INVALID_PARAMETER_3;
    return ExpWaitHandles(Count, Handles, WaitType, Timeout, "ZwWaitForMultipleObjects", Site);
}
