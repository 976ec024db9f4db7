/* nt/slist.h - sequenced singly linked lists (SLIST_HEADER) and the spin-lock-guarded
 * singly linked list routines ExInterlockedPushEntryList / ExInterlockedPopEntryList.
 * x64 layout: a 16-byte header holding the depth, a sequence number and the first entry
 * address shifted right by 4, so entries must be 16-byte aligned (pool blocks are). */
#ifndef NTSIM_NT_SLIST_H
#define NTSIM_NT_SLIST_H

#ifndef MEMORY_ALLOCATION_ALIGNMENT
#define MEMORY_ALLOCATION_ALIGNMENT 16
#endif

typedef struct DECLSPEC_ALIGN(16) _SLIST_ENTRY {
    struct _SLIST_ENTRY *Next;
} SLIST_ENTRY, *PSLIST_ENTRY;

typedef union DECLSPEC_ALIGN(16) _SLIST_HEADER {
    struct {
        ULONGLONG Alignment;
        ULONGLONG Region;
    };
    struct {
        ULONGLONG Depth : 16;
        ULONGLONG Sequence : 48;
        ULONGLONG Reserved : 4;
        ULONGLONG NextEntry : 60;
    } HeaderX64;
} SLIST_HEADER, *PSLIST_HEADER;

NTKERNELAPI VOID InitializeSListHead(PSLIST_HEADER SListHead);
NTKERNELAPI PSLIST_ENTRY InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry);
NTKERNELAPI PSLIST_ENTRY InterlockedPopEntrySList(PSLIST_HEADER ListHead);
NTKERNELAPI PSLIST_ENTRY InterlockedFlushSList(PSLIST_HEADER ListHead);
NTKERNELAPI USHORT ExQueryDepthSList(PSLIST_HEADER SListHead);
/* The Lock argument of the Ex forms is ignored on x64, as documented. */
NTKERNELAPI PSLIST_ENTRY ExInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry, PKSPIN_LOCK Lock);
NTKERNELAPI PSLIST_ENTRY ExInterlockedPopEntrySList(PSLIST_HEADER ListHead, PKSPIN_LOCK Lock);
NTKERNELAPI PSLIST_ENTRY ExInterlockedFlushSList(PSLIST_HEADER ListHead);
#define RtlFirstEntrySList(h) ((PSLIST_ENTRY)(ULONG_PTR)((h)->HeaderX64.NextEntry << 4))

NTKERNELAPI PSINGLE_LIST_ENTRY ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY ListEntry,
                                                          PKSPIN_LOCK Lock);
NTKERNELAPI PSINGLE_LIST_ENTRY ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define InterlockedPushEntrySList(...) NTSIM_AT(InterlockedPushEntrySList)(__VA_ARGS__)
#define ExInterlockedPushEntrySList(...) NTSIM_AT(ExInterlockedPushEntrySList)(__VA_ARGS__)
#define ExInterlockedPushEntryList(...) NTSIM_AT(ExInterlockedPushEntryList)(__VA_ARGS__)
#define ExInterlockedPopEntryList(...) NTSIM_AT(ExInterlockedPopEntryList)(__VA_ARGS__)
#endif

#endif
