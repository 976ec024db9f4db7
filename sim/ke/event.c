/* event.c - KEVENT and the single-threaded wait.
 *
 * PARTIAL until the threaded scheduler lands (issue 3): a wait is satisfied only if
 * the object is already signalled (or the timeout is zero); otherwise nothing else
 * could ever signal it in a single-threaded machine, and the wait is reported as
 * the hang it would be. */
#include "ntsimp.h"

#define KI_EVENT_MAGIC 0x746E7645u /* "Evnt" */

static void KiCheckInitialised(PDISPATCHER_HEADER Header, const char *Ddi, NTSIM_SITE Site)
{
    if (Header->NtsimMagic != KI_EVENT_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, IopCurrentDriver(), Site,
                 "%s(%p): dispatcher object used before it was initialised", Ddi, (void *)Header);
        KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Header, 0, 0, Site,
                   "%s(%p): the dispatcher object was never initialised", Ddi, (void *)Header);
    }
}

VOID KeInitializeEvent(PRKEVENT Event, EVENT_TYPE Type, BOOLEAN State)
{
    KiTakeSite();
    Event->Header.Type = Type == NotificationEvent ? EventNotificationObject : EventSynchronizationObject;
    Event->Header.Size = sizeof(KEVENT) / sizeof(LONG);
    Event->Header.SignalState = State ? 1 : 0;
    InitializeListHead(&Event->Header.WaitListHead);
    Event->Header.NtsimMagic = KI_EVENT_MAGIC;
}

LONG KeSetEvent(PRKEVENT Event, KPRIORITY Increment, BOOLEAN Wait)
{
    (void)Increment;
    (void)Wait;
    KiCheckInitialised(&Event->Header, "KeSetEvent", KiTakeSite());
    LONG Previous = Event->Header.SignalState;
    Event->Header.SignalState = 1;
    return Previous;
}

LONG KeResetEvent(PRKEVENT Event)
{
    KiCheckInitialised(&Event->Header, "KeResetEvent", KiTakeSite());
    LONG Previous = Event->Header.SignalState;
    Event->Header.SignalState = 0;
    return Previous;
}

VOID KeClearEvent(PRKEVENT Event)
{
    KiCheckInitialised(&Event->Header, "KeClearEvent", KiTakeSite());
    Event->Header.SignalState = 0;
}

LONG KeReadStateEvent(PRKEVENT Event)
{
    KiCheckInitialised(&Event->Header, "KeReadStateEvent", KiTakeSite());
    return Event->Header.SignalState;
}

NTSTATUS KeWaitForSingleObject(PVOID Object, KWAIT_REASON WaitReason, KPROCESSOR_MODE WaitMode, BOOLEAN Alertable,
                               PLARGE_INTEGER Timeout)
{
    (void)WaitReason;
    (void)WaitMode;
    (void)Alertable;
    NTSIM_SITE Site = KiTakeSite();
    PDISPATCHER_HEADER Header = Object;
    KiCheckInitialised(Header, "KeWaitForSingleObject", Site);
    if (KiCurrentIrql() > DISPATCH_LEVEL || (KiCurrentIrql() == DISPATCH_LEVEL && (Timeout == NULL || Timeout->QuadPart)))
        KiBugCheck(0xC4, 0x1011 /* approximate */, KiCurrentIrql(), (ULONG_PTR)Object, 0, Site,
                   "KeWaitForSingleObject at IRQL %u with a non-zero timeout", KiCurrentIrql());
    if (Header->SignalState > 0) {
        if (Header->Type == EventSynchronizationObject)
            Header->SignalState = 0;
        return STATUS_SUCCESS;
    }
    if (Timeout && Timeout->QuadPart == 0)
        return STATUS_TIMEOUT;
    KiBugCheck(0xE2 /* reported as a hang */, (ULONG_PTR)Object, 0, 0, 0, Site,
               "HANG: waiting on an unsignalled object %p and no other thread or event can signal it", Object);
}
