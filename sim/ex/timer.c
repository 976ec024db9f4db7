/* timer.c - timer objects reachable by handle: ZwCreateTimer, ZwOpenTimer, ZwSetTimer,
 * ZwCancelTimer, and waits on them with ZwWaitForSingleObject/ZwWaitForMultipleObjects.
 *
 * A timer object's body is a KTIMER, set with KeSetTimerEx, so it expires on the
 * machine's virtual clock like any kernel timer. The kernel exports no object type for
 * it (there is no ExTimerObjectType among ntoskrnl's exports), so ObReferenceObjectByHandle
 * with any exported type is STATUS_OBJECT_TYPE_MISMATCH, and with a NULL type it gives
 * the KTIMER. The timer is cancelled when its object goes (its last handle closed and
 * reference dropped), as on Windows. ntsim has no APCs: ZwSetTimer with an APC routine
 * is refused with STATUS_NOT_IMPLEMENTED, loudly, rather than never calling it. */
#include "ntsimp.h"
#include "ke/kep.h"

static void ExpDeleteTimer(PVOID Object)
{
    KeCancelTimer((PKTIMER)Object); /* a timer object that goes stops */
}

OBJECT_TYPE ExpTimerObjectType = { .Name = "Timer", .DeleteProcedure = ExpDeleteTimer };

static PCUNICODE_STRING ExpTimerName(POBJECT_ATTRIBUTES Attributes)
{
    if (Attributes == NULL || Attributes->ObjectName == NULL || Attributes->ObjectName->Length == 0)
        return NULL;
    return Attributes->ObjectName;
}

NTSTATUS ZwCreateTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                       TIMER_TYPE TimerType)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwCreateTimer", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (TimerHandle == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (TimerType != NotificationTimer && TimerType != SynchronizationTimer)
        return STATUS_INVALID_PARAMETER_4;
    if (ViFaultShouldFail(NtsimFaultObject, "ZwCreateTimer", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    PVOID Object;
    ObpCreateObject(&ExpTimerObjectType, sizeof(KTIMER), &Object);
    KeInitializeTimerEx((PKTIMER)Object, TimerType);
    PCUNICODE_STRING Name = ExpTimerName(ObjectAttributes);
    NTSTATUS Status = Name ? ObpInsertName(Object, Name) : STATUS_SUCCESS;
    if (NT_SUCCESS(Status))
        Status = ObpCreateHandle(Object, DesiredAccess, Site, TimerHandle);
    ObpDereference(Object); /* the handle holds it now, or it goes */
    return Status;
}

NTSTATUS ZwOpenTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwOpenTimer", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PCUNICODE_STRING Name = ExpTimerName(ObjectAttributes);
    if (TimerHandle == NULL || Name == NULL)
        return STATUS_INVALID_PARAMETER;
    PVOID Object;
    NTSTATUS Status = ObpLookupObject(Name, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    if (ObpGetObjectType(Object) == &ExpTimerObjectType)
        Status = ObpCreateHandle(Object, DesiredAccess, Site, TimerHandle);
    else
        Status = STATUS_OBJECT_TYPE_MISMATCH;
    ObpDereference(Object);
    return Status;
}

NTSTATUS ZwSetTimer(HANDLE TimerHandle, PLARGE_INTEGER DueTime, PTIMER_APC_ROUTINE TimerApcRoutine,
                    PVOID TimerContext, BOOLEAN ResumeTimer, LONG Period, PBOOLEAN PreviousState)
{
    (void)TimerContext;
    (void)ResumeTimer; /* no power states to wake the system from */
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwSetTimer", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (TimerApcRoutine != NULL)
        return STATUS_NOT_IMPLEMENTED; /* ntsim delivers no APCs (docs/wdk-routines.md) */
    if (DueTime == NULL || Period < 0)
        return STATUS_INVALID_PARAMETER;
    PVOID Object;
    NTSTATUS Status = ObpReferenceHandle(TimerHandle, &ExpTimerObjectType, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    BOOLEAN WasSet = KeSetTimerEx((PKTIMER)Object, *DueTime, Period, NULL);
    if (PreviousState)
        *PreviousState = WasSet;
    ObpDereference(Object);
    return STATUS_SUCCESS;
}

NTSTATUS ZwCancelTimer(HANDLE TimerHandle, PBOOLEAN CurrentState)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ZwCancelTimer", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    PVOID Object;
    NTSTATUS Status = ObpReferenceHandle(TimerHandle, &ExpTimerObjectType, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    KeCancelTimer((PKTIMER)Object);
    if (CurrentState)
        *CurrentState = ((PKTIMER)Object)->Header.SignalState != 0;
    ObpDereference(Object);
    return STATUS_SUCCESS;
}
