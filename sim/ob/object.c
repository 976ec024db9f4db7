/* object.c - object headers, reference counts and the Ob* reference routines. */
#include "ob/obp.h"
#include <nt/ps.h> /* ObGetObjectType */

static OBP_HEADER *ObpCheckedHeader(PVOID Object, const char *Ddi, NTSIM_SITE Site)
{
    if (Object == NULL)
        KiBugCheck(0xC4, 0x1001, 0, 0, 0, Site, "%s(NULL): not an object", Ddi);
    OBP_HEADER *Header = ObpHeader(Object);
    if (Header->Magic != OBP_MAGIC)
        KiBugCheck(0x18, 0, (ULONG_PTR)Object, 0, 0, Site, "%s(%p): not a live object (freed, or never an object)",
                   Ddi, Object);
    return Header;
}

NTSTATUS ObpCreateObject(POBJECT_TYPE Type, SIZE_T BodySize, PVOID *Object)
{
    OBP_HEADER *Header = KiHostAlloc(sizeof(OBP_HEADER) + BodySize);
    Header->Magic = OBP_MAGIC;
    Header->PointerCount = 1;
    Header->Type = Type;
    InitializeListHead(&Header->DirectoryLink);
    *Object = ObpBody(Header);
    return STATUS_SUCCESS;
}

POBJECT_TYPE ObpGetObjectType(PVOID Object)
{
    return ObpHeader(Object)->Type;
}

LONG_PTR ObpPointerCount(PVOID Object)
{
    return ObpHeader(Object)->PointerCount;
}

void ObpReference(PVOID Object)
{
    ObpHeader(Object)->PointerCount++;
}

static void ObpDelete(OBP_HEADER *Header)
{
    ObpRemoveName(ObpBody(Header));
    if (Header->Type->DeleteProcedure)
        Header->Type->DeleteProcedure(ObpBody(Header));
    Header->Magic = 0;
    free(Header);
}

void ObpReclaimObject(PVOID Object)
{
    ObpDelete(ObpHeader(Object));
}

void ObpDereference(PVOID Object)
{
    OBP_HEADER *Header = ObpHeader(Object);
    if (--Header->PointerCount == 0)
        ObpDelete(Header);
}

LONG_PTR ObfReferenceObject(PVOID Object)
{
    NTSIM_SITE Site = KiTakeSite();
    OBP_HEADER *Header = ObpCheckedHeader(Object, "ObReferenceObject", Site);
    return ++Header->PointerCount;
}

/* The tag names the reference for a debugger's reference tracing; ntsim keeps none. */
LONG_PTR ObfReferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    NTSIM_SITE Site = KiTakeSite();
    OBP_HEADER *Header = ObpCheckedHeader(Object, "ObReferenceObjectWithTag", Site);
    return ++Header->PointerCount;
}

static LONG_PTR ObpDereferenceChecked(PVOID Object, const char *Ddi, NTSIM_SITE Site)
{
    OBP_HEADER *Header = ObpCheckedHeader(Object, Ddi, Site);
    if (Header->PointerCount <= 0)
        KiBugCheck(0x18, 0, (ULONG_PTR)Object, 2, (ULONG_PTR)Header->PointerCount, Site,
                   "%s(%p): reference count already zero", Ddi, Object);
    if (Header->Type->DriverDereferenceProcedure) /* a file object: IO-03's reference (sim/io/file.c) */
        Header->Type->DriverDereferenceProcedure(Object);
    LONG_PTR Remaining = --Header->PointerCount;
    if (Remaining == 0)
        ObpDelete(Header);
    return Remaining;
}

LONG_PTR ObfDereferenceObject(PVOID Object)
{
    return ObpDereferenceChecked(Object, "ObDereferenceObject", KiTakeSite());
}

LONG_PTR ObfDereferenceObjectWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    return ObpDereferenceChecked(Object, "ObDereferenceObjectWithTag", KiTakeSite());
}

/* Windows defers the deletion to a worker thread so that the caller may hold locks;
 * ntsim's deletion takes no lock a driver could hold, so it happens at once. */
VOID ObDereferenceObjectDeferDelete(PVOID Object)
{
    ObpDereferenceChecked(Object, "ObDereferenceObjectDeferDelete", KiTakeSite());
}

VOID ObDereferenceObjectDeferDeleteWithTag(PVOID Object, ULONG Tag)
{
    (void)Tag;
    ObpDereferenceChecked(Object, "ObDereferenceObjectDeferDeleteWithTag", KiTakeSite());
}

static NTSTATUS ObpReferenceByPointer(PVOID Object, POBJECT_TYPE ObjectType, const char *Ddi, NTSIM_SITE Site)
{
    OBP_HEADER *Header = ObpCheckedHeader(Object, Ddi, Site);
    if (ObjectType && Header->Type != ObjectType)
        return STATUS_OBJECT_TYPE_MISMATCH;
    Header->PointerCount++;
    return STATUS_SUCCESS;
}

NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                    KPROCESSOR_MODE AccessMode)
{
    (void)DesiredAccess;
    (void)AccessMode;
    return ObpReferenceByPointer(Object, ObjectType, "ObReferenceObjectByPointer", KiTakeSite());
}

NTSTATUS ObReferenceObjectByPointerWithTag(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                           KPROCESSOR_MODE AccessMode, ULONG Tag)
{
    (void)DesiredAccess;
    (void)AccessMode;
    (void)Tag;
    return ObpReferenceByPointer(Object, ObjectType, "ObReferenceObjectByPointerWithTag", KiTakeSite());
}

VOID ObMakeTemporaryObject(PVOID Object)
{
    ObpRemoveName(Object);
}

POBJECT_TYPE ObGetObjectType(PVOID Object)
{
    NTSIM_SITE Site = KiTakeSite();
    return ObpCheckedHeader(Object, "ObGetObjectType", Site)->Type;
}
