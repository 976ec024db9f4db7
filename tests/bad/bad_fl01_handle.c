/*
 * bad_fl01_handle.c - deliberately wrong (rule FL-01): DriverEntry opens its service
 * key to read its configuration, finds a required value missing and fails without
 * closing the key handle.
 */
#include <ntddk.h>

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
    OBJECT_ATTRIBUTES Attributes;
    UNICODE_STRING ValueName;
    HANDLE Key;
    UCHAR Buffer[sizeof(KEY_VALUE_PARTIAL_INFORMATION) + sizeof(ULONG)];
    ULONG Length;
    NTSTATUS Status;

    InitializeObjectAttributes(&Attributes, RegistryPath, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = ZwOpenKey(&Key, KEY_READ, &Attributes); /* LINE_MARK: open-key */
    if (!NT_SUCCESS(Status)) {
        BadLogError(DriverObject, Status);
        return Status;
    }
    RtlInitUnicodeString(&ValueName, L"PortBase");
    Status = ZwQueryValueKey(Key, &ValueName, KeyValuePartialInformation, Buffer, sizeof(Buffer), &Length);
    if (!NT_SUCCESS(Status)) {
        /* BUG: the key handle stays open. */
        BadLogError(DriverObject, Status);
        return Status;
    }
    ZwClose(Key);
    /* A port is configured but nothing answers there. */
    BadLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST);
    return STATUS_DEVICE_DOES_NOT_EXIST;
}
