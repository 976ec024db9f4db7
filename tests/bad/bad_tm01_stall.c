/*
 * bad_tm01_stall.c - deliberately wrong (rule TM-01: passive code does not spin
 * forever). DriverEntry polls for a device that never answers, stalling 50 us per
 * try and never giving up; virtual time moves, so the host call's budget in virtual
 * time stops it, deterministically.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

static volatile LONG BadReady; /* nothing ever sets it */

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    while (BadReady == 0)
        KeStallExecutionProcessor(50); /* LINE_MARK: stall */
    return STATUS_UNSUCCESSFUL;
}
