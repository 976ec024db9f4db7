/*
 * bad_tm01_dpcspin.c - deliberately wrong (rule TM-01: DPCs return promptly). The
 * DPC routine waits for a flag in a busy loop that calls no DDI, at DISPATCH_LEVEL,
 * where nothing else can ever set it (Driver Verifier: DPC_WATCHDOG_VIOLATION, 0x133,
 * parameter 1 = 0, a single DPC over its time allotment).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
KDEFERRED_ROUTINE BadSpinDpc;

static KDPC BadDpc;
static volatile LONG BadDone; /* nothing ever sets it */

VOID BadSpinDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    while (BadDone == 0) { /* LINE_MARK: dpc-spin */
    }
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeDpc(&BadDpc, BadSpinDpc, NULL);
    KeInsertQueueDpc(&BadDpc, NULL, NULL);
    return STATUS_UNSUCCESSFUL;
}
