/*
 * bad_tm01_dpc.c - deliberately wrong (rule TM-01: DPCs return promptly). The DPC
 * routine queues itself again every time it runs, so the DPC queue never empties and
 * the processor never leaves DISPATCH_LEVEL (Driver Verifier: DPC_WATCHDOG_VIOLATION,
 * 0x133, parameter 1 = 1, the cumulative DPC watchdog).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
KDEFERRED_ROUTINE BadRequeueDpc;

static KDPC BadDpc;
static ULONG BadRuns;

VOID BadRequeueDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    BadRuns++;
    KeInsertQueueDpc(Dpc, NULL, NULL); /* LINE_MARK: requeue */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeDpc(&BadDpc, BadRequeueDpc, NULL);
    KeInsertQueueDpc(&BadDpc, NULL, NULL);
    return STATUS_UNSUCCESSFUL;
}
