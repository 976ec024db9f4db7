/* openptr.c - ObOpenObjectByPointer: a handle to an object the caller already holds a
 * pointer to (a driver opens the lower device it is attached over, a thread object, an
 * event it was given). The handle takes its own reference, as any handle does, and is
 * tracked on the opening driver so that one never closed shows up in the leak audit.
 * No IRP_MJ_CREATE is sent: opening by pointer does not parse a name. */
#include "ob/obp.h"

NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes, PACCESS_STATE PassedAccessState,
                               ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode,
                               PHANDLE Handle)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)PassedAccessState;
    (void)AccessMode;
    if (Object == NULL || Handle == NULL)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)Object, (ULONG_PTR)Handle, 0, Site,
                   "ObOpenObjectByPointer(%p, ..., %p): NULL argument", Object, (void *)Handle);
    if (ObpHeader(Object)->Magic != OBP_MAGIC)
        KiBugCheck(0x18, 0, (ULONG_PTR)Object, 0, 0, Site,
                   "ObOpenObjectByPointer(%p): not a live object (freed, or never an object)", Object);
    *Handle = NULL;
    if (HandleAttributes & ~OBJ_VALID_ATTRIBUTES)
        return STATUS_INVALID_PARAMETER;
    if (ObjectType != NULL && ObpHeader(Object)->Type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    return ObpCreateHandle(Object, DesiredAccess, Site, Handle);
}
