/*
 * good_log.h - what every driver of the corpus does on a failing DriverEntry path
 * (rule FL-06): write an error-log entry naming the final status, then return it.
 */
#ifndef GOOD_LOG_H
#define GOOD_LOG_H

#include <ntddk.h>

static NTSTATUS GoodFailEntry(PDRIVER_OBJECT DriverObject, NTSTATUS FinalStatus)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry != NULL) {
        RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
        Entry->ErrorCode = IO_ERR_INSUFFICIENT_RESOURCES;
        Entry->FinalStatus = FinalStatus;
        IoWriteErrorLogEntry(Entry);
    }
    return FinalStatus;
}

#endif
