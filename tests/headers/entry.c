/* entry.c - the header test image: compiled as a driver (-fms-extensions, 16-bit WCHAR,
 * every SAL form), it checks at run time what cannot be checked at compile time and
 * returns a distinct failure status per check. */
#include "all_headers.h"
#include "sal_forms.h"

const GUID *LayoutKeyboardGuid(void);
const GUID *GuidKeyboardGuid(void);
const GUID *Guid2KeyboardGuid(void);

/* Microsoft extension: an anonymous member of a typedef'd structure type. */
typedef struct _INNER {
    ULONG Low;
    ULONG High;
} INNER;
typedef struct _OUTER {
    INNER;
    ULONG Tail;
} OUTER;

DRIVER_INITIALIZE DriverEntry;

_Use_decl_annotations_
NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    static const GUID Keyboard = { 0x884b96c3, 0x56ef, 0x11d1, { 0xbc, 0x8c, 0x00, 0xa0, 0xc9, 0x14, 0x05, 0xdd } };
    OUTER Outer = { 0 };
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    if (LayoutKeyboardGuid() != GuidKeyboardGuid() || GuidKeyboardGuid() != Guid2KeyboardGuid())
        return STATUS_UNSUCCESSFUL; /* two GUID objects: DEFINE_GUID instantiated more than once */
    if (!IsEqualGUID(GuidKeyboardGuid(), &Keyboard))
        return (NTSTATUS)0xC0000001 + 1;
    Outer.High = 7;
    if (Outer.High != 7 || FIELD_OFFSET(OUTER, Tail) != 8)
        return (NTSTATUS)0xC0000001 + 2;
    if (PtrToUlong(ULongToPtr(0x89abcdefu)) != 0x89abcdefu || HandleToULong(ULongToHandle(5)) != 5)
        return (NTSTATUS)0xC0000001 + 3;
    ExInitializeDriverRuntime(DrvRtPoolNxOptIn);
    PVOID Block = ExAllocatePoolQuotaZero(NonPagedPoolNx, 32, 'tsTH');
    if (Block == NULL || ((PUCHAR)Block)[31] != 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    ExFreePoolWithTag(Block, 'tsTH');
    return STATUS_SUCCESS;
}
