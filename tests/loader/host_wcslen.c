/* host_wcslen.c - a driver that binds to the host's wcslen (32-bit wchar_t) by undoing
 * ntsim's rename: the loader must refuse it, naming wcslen. */
#include <ntddk.h>
#undef wcslen

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    /* the host's wcslen reads 4-byte units: the result would be wrong */
    return wcslen(RegistryPath->Buffer) == RegistryPath->Length / sizeof(WCHAR) ? STATUS_SUCCESS
                                                                                 : STATUS_UNSUCCESSFUL;
}
