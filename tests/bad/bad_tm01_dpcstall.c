/*
 * bad_tm01_dpcstall.c - deliberately wrong (rule TM-01: DPCs return promptly). The
 * DPC routine polls a device that never answers, stalling 100 us per try at
 * DISPATCH_LEVEL; virtual time moves, so the single-DPC budget stops it
 * (DPC_WATCHDOG_VIOLATION, 0x133, parameter 1 = 0).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
KDEFERRED_ROUTINE BadStallDpc;

static KDPC BadDpc;
static volatile LONG BadDone; /* nothing ever sets it */

VOID BadStallDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    while (BadDone == 0)
        KeStallExecutionProcessor(100); /* LINE_MARK: dpc-stall */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeDpc(&BadDpc, BadStallDpc, NULL);
    KeInsertQueueDpc(&BadDpc, NULL, NULL);
    return STATUS_UNSUCCESSFUL;
}
