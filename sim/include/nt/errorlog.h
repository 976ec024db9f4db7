/* nt/errorlog.h - the system error log: IoAllocateErrorLogEntry, IoWriteErrorLogEntry. */
#ifndef NTSIM_NT_ERRORLOG_H
#define NTSIM_NT_ERRORLOG_H

#define ERROR_LOG_MAXIMUM_SIZE 240
typedef struct _IO_ERROR_LOG_PACKET {
    UCHAR MajorFunctionCode;
    UCHAR RetryCount;
    USHORT DumpDataSize;
    USHORT NumberOfStrings;
    USHORT StringOffset;
    USHORT EventCategory;
    NTSTATUS ErrorCode;
    ULONG UniqueErrorValue;
    NTSTATUS FinalStatus;
    ULONG SequenceNumber;
    ULONG IoControlCode;
    LARGE_INTEGER DeviceOffset;
    ULONG DumpData[1];
} IO_ERROR_LOG_PACKET, *PIO_ERROR_LOG_PACKET;
#define ERROR_LOG_MESSAGE_LIMIT_SIZE (512)
#define ERROR_LOG_LIMIT_SIZE (ERROR_LOG_MAXIMUM_SIZE - sizeof(IO_ERROR_LOG_PACKET) + sizeof(ULONG))

NTKERNELAPI PVOID IoAllocateErrorLogEntry(PVOID IoObject, UCHAR EntrySize);
NTKERNELAPI VOID IoWriteErrorLogEntry(PVOID ElEntry);
NTKERNELAPI VOID IoFreeErrorLogEntry(PVOID ElEntry);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define IoAllocateErrorLogEntry(...) NTSIM_AT(IoAllocateErrorLogEntry)(__VA_ARGS__)
#define IoWriteErrorLogEntry(...) NTSIM_AT(IoWriteErrorLogEntry)(__VA_ARGS__)
#endif
#endif
