/* semaphore.c - semaphore objects reachable by handle.
 *
 * The kernel exports no routine that creates a semaphore by handle (ZwCreateSemaphore
 * is not among ntoskrnl's exports), so a driver meets one the way it meets a user-mode
 * program's semaphore: as a handle in an IOCTL buffer, which it turns into the KSEMAPHORE
 * with ObReferenceObjectByHandle(h, SEMAPHORE_MODIFY_STATE, *ExSemaphoreObjectType, ...)
 * and releases with KeReleaseSemaphore. The host creates such semaphores
 * (ntsim_semaphore_create, sim/host/event.c); ZwWaitForSingleObject waits on them. */
#include "ntsimp.h"
#include "ke/kep.h"

extern OBJECT_TYPE ExpSemaphoreObjectType;

/* A semaphore object with one reference (the caller's); 0 <= Count <= Limit, Limit > 0. */
NTSTATUS ExpCreateSemaphoreObject(LONG Count, LONG Limit, PKSEMAPHORE *Semaphore)
{
    if (Limit <= 0 || Count < 0 || Count > Limit)
        return STATUS_INVALID_PARAMETER;
    PVOID Object;
    ObpCreateObject(&ExpSemaphoreObjectType, sizeof(KSEMAPHORE), &Object);
    PKSEMAPHORE Body = Object;
    KiInitializeDispatcherHeader(&Body->Header, SemaphoreObject, Count);
    Body->Header.Size = sizeof(KSEMAPHORE) / sizeof(LONG);
    Body->Limit = Limit;
    *Semaphore = Body;
    return STATUS_SUCCESS;
}
