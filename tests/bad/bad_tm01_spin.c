/*
 * bad_tm01_spin.c - deliberately wrong (rule TM-01: passive code does not spin
 * forever). DriverEntry busy-waits on a condition that never becomes true, calling no
 * DDI, so virtual time never moves: only the wall-clock watchdog can stop it.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

static volatile LONG BadReady; /* nothing ever sets it */

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    while (BadReady == 0) { /* LINE_MARK: spin */
    }
    return STATUS_UNSUCCESSFUL;
}
