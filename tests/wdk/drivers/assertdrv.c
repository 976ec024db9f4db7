/* assertdrv.c - built twice: wdk_assert_checked.sys (DBG=1, a checked build) and
 * wdk_assert_free.sys (a free build). DriverEntry fails on purpose with a status that
 * says which assertion expressions were evaluated, so the test can tell compiled-out
 * assertions from evaluated ones. */
#include <ntddk.h>

static ULONG Evaluated;

static BOOLEAN Count(BOOLEAN Value)
{
    Evaluated++;
    return Value;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    ASSERT(Count(RegistryPath == NULL));                       /* fails in a checked build */
    ASSERTMSG("the path must be empty", Count(RegistryPath == NULL)); /* fails */
    NT_ASSERT(Count(TRUE));                                   /* holds */
    KdPrint(("assertdrv: evaluated %lu\n", (unsigned long)Count(TRUE)));
    BOOLEAN Verified = NT_VERIFY(Count(DriverObject != NULL)); /* evaluated in both builds */
    /* 0xE00000nn: a failure status carrying the evaluation count and NT_VERIFY's value */
    return (NTSTATUS)(0xE0000000u | (Verified ? 0x100u : 0u) | Evaluated);
}
