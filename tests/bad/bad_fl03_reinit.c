/*
 * bad_fl03_reinit.c - deliberately wrong (rule FL-03): DriverEntry registers a
 * reinitialization routine and then returns an error. A reinitialization routine may
 * only be registered by a DriverEntry that returns STATUS_SUCCESS.
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_REINITIALIZE BadReinitialize;

static VOID BadLogError(PDRIVER_OBJECT DriverObject, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = IO_ERR_CONFIGURATION_ERROR;
    Entry->FinalStatus = FinalStatus;
    IoWriteErrorLogEntry(Entry);
}

VOID BadReinitialize(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Count);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    /* Look for the controller again once the other drivers have loaded ... */
    IoRegisterDriverReinitialization(DriverObject, BadReinitialize, NULL); /* LINE_MARK: register-reinit */
    /* ... BUG: but give up now anyway. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
