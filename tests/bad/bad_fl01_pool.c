/*
 * bad_fl01_pool.c - deliberately wrong (rule FL-01): DriverEntry allocates its
 * configuration block from nonpaged pool and fails without freeing it.
 */
#include <ntddk.h>

#define BAD_TAG '1lFB' /* "BFl1" */

typedef struct _BAD_CONFIG {
    ULONG PortBase;
    ULONG Irq;
} BAD_CONFIG, *PBAD_CONFIG;

DRIVER_INITIALIZE DriverEntry;

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

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PBAD_CONFIG Config;

    UNREFERENCED_PARAMETER(RegistryPath);
    Config = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(BAD_CONFIG), BAD_TAG); /* LINE_MARK: alloc-pool */
    if (Config == NULL) {
        BadLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Config->PortBase = 0x3F8;
    Config->Irq = 4;
    /* No UART at PortBase. BUG: Config is not freed. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
