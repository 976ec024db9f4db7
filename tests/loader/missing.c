/* missing.c - a driver that calls three routines and reads one data object nobody
 * provides: the loader must name all four at once, routines and data apart. */
#include <ntddk.h>

NTKERNELAPI VOID LdrTestMissingRoutineOne(VOID);
NTKERNELAPI ULONG LdrTestMissingRoutineTwo(ULONG Value);
NTKERNELAPI PVOID LdrTestMissingRoutineThree(PVOID Context);
extern ULONG LdrTestMissingData;

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    LdrTestMissingRoutineOne();
    LdrTestMissingRoutineThree(DriverObject);
    return LdrTestMissingRoutineTwo(LdrTestMissingData) ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
}
