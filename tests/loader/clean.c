/* clean.c - a driver that uses the kernel's C runtime by its usual names (wcslen,
 * swprintf in both forms, _snwprintf, _wcsicmp, sprintf with %ld): it must load, bind
 * to ntsim's 16-bit routines, and get the Windows answers (DriverEntry checks them). */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

static BOOLEAN SameText(const WCHAR *A, const WCHAR *B)
{
    return wcscmp(A, B) == 0;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    WCHAR Wide[64];
    char Narrow[64];
    UNREFERENCED_PARAMETER(DriverObject);
    if (wcslen(RegistryPath->Buffer) != RegistryPath->Length / sizeof(WCHAR))
        return STATUS_UNSUCCESSFUL;
    if (swprintf(Wide, L"%ws-%d", L"com", 1) != 5 || !SameText(Wide, L"com-1"))
        return STATUS_UNSUCCESSFUL + 1;
    if (swprintf(Wide, RTL_NUMBER_OF(Wide), L"%04x", 0xbeef) != 4 || !SameText(Wide, L"beef"))
        return STATUS_UNSUCCESSFUL + 2;
    if (_snwprintf(Wide, 3, L"%s", L"serial") != -1 || Wide[2] != L'r')
        return STATUS_UNSUCCESSFUL + 3;
    if (_wcsicmp(L"\\Device\\Serial0", L"\\DEVICE\\serial0") != 0)
        return STATUS_UNSUCCESSFUL + 4;
    if (sprintf(Narrow, "%ld %lu", -1L, 0xFFFFFFFFUL) != 13 || strcmp(Narrow, "-1 4294967295") != 0)
        return STATUS_UNSUCCESSFUL + 5;
    return STATUS_SUCCESS;
}
