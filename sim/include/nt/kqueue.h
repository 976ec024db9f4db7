/* nt/kqueue.h - kernel queue objects (KQUEUE): a dispatcher object whose signal state is
 * the number of entries; KeRemoveQueue waits on it like any dispatcher object. */
#ifndef NTSIM_NT_KQUEUE_H
#define NTSIM_NT_KQUEUE_H

typedef struct _KQUEUE {
    DISPATCHER_HEADER Header;
    LIST_ENTRY EntryListHead;
    volatile ULONG CurrentCount;
    ULONG MaximumCount;
    LIST_ENTRY ThreadListHead;
} KQUEUE, *PKQUEUE, *PRKQUEUE;

NTKERNELAPI VOID KeInitializeQueue(PRKQUEUE Queue, ULONG Count);
NTKERNELAPI LONG KeInsertQueue(PRKQUEUE Queue, PLIST_ENTRY Entry);
NTKERNELAPI LONG KeInsertHeadQueue(PRKQUEUE Queue, PLIST_ENTRY Entry);
NTKERNELAPI PLIST_ENTRY KeRemoveQueue(PRKQUEUE Queue, KPROCESSOR_MODE WaitMode, PLARGE_INTEGER Timeout);
NTKERNELAPI PLIST_ENTRY KeRundownQueue(PRKQUEUE Queue);
NTKERNELAPI LONG KeReadStateQueue(PRKQUEUE Queue);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define KeInitializeQueue(...) NTSIM_AT(KeInitializeQueue)(__VA_ARGS__)
#define KeInsertQueue(...) NTSIM_AT(KeInsertQueue)(__VA_ARGS__)
#define KeInsertHeadQueue(...) NTSIM_AT(KeInsertHeadQueue)(__VA_ARGS__)
#define KeRemoveQueue(...) NTSIM_AT(KeRemoveQueue)(__VA_ARGS__)
#define KeRundownQueue(...) NTSIM_AT(KeRundownQueue)(__VA_ARGS__)
#endif

#endif
