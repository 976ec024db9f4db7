/* parallel_ioctl.h - what driver/parallel (parallel.sys) offers user mode.
 *
 * \\.\LPT1: writes are printed byte by byte with the Centronics handshake and
 * complete when the printer acknowledged the last byte (Information = bytes
 * printed). A printer out of paper fails the write with STATUS_DEVICE_PAPER_EMPTY,
 * one off line with STATUS_DEVICE_OFF_LINE, one that stays busy with
 * STATUS_IO_TIMEOUT; Information then counts the bytes that were printed.
 * IOCTL_PARALLEL_STATS returns PARALLEL_STATS. */
#ifndef PARALLEL_IOCTL_H
#define PARALLEL_IOCTL_H

#ifndef STATUS_DEVICE_PAPER_EMPTY
#define STATUS_DEVICE_PAPER_EMPTY ((NTSTATUS)0x8000000EL)
#endif
#ifndef STATUS_DEVICE_OFF_LINE
#define STATUS_DEVICE_OFF_LINE ((NTSTATUS)0x80000010L)
#endif

typedef struct _PARALLEL_STATS {
    ULONG BytesPrinted;
    ULONG AckInterrupts;   /* bytes whose acknowledge interrupt arrived */
    ULONG LostAcks;        /* bytes found accepted by polling after the interrupt did not come */
    ULONG BusyRetries;     /* times the printer was busy before a byte */
} PARALLEL_STATS;

#define IOCTL_PARALLEL_STATS CTL_CODE(FILE_DEVICE_PARALLEL_PORT, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS)
#define PARALLEL_USER_PATH "\\\\.\\LPT1"

#endif
