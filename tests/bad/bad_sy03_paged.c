/*
 * bad_sy03_paged.c - deliberately wrong (rule SY-03, bug check 0xC4/0xE1): the driver
 * keeps its context, with a KEVENT in it, in paged pool and initialises the event there.
 */
#include <ntddk.h>

#define BAD_TAG '3ySB' /* "BSy3" */

typedef struct _BAD_CONTEXT {
    ULONG Generation;
    KEVENT Ready;
} BAD_CONTEXT, *PBAD_CONTEXT;

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    PBAD_CONTEXT Context = ExAllocatePoolWithTag(PagedPool, sizeof(BAD_CONTEXT), BAD_TAG); /* LINE_MARK: allocate */
    if (Context == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    KeInitializeEvent(&Context->Ready, NotificationEvent, FALSE); /* LINE_MARK: initialize */
    ExFreePoolWithTag(Context, BAD_TAG);
    return STATUS_UNSUCCESSFUL;
}
