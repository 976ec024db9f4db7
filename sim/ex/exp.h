/* exp.h - executive internals shared with sim/io (work items). */
#ifndef NTSIM_EXP_H
#define NTSIM_EXP_H
#include "ntsimp.h"
#include "ke/kep.h"

/* One queued unit of work for the system worker thread. */
typedef struct _EXP_WORK_NODE {
    LIST_ENTRY Link;
    NTSIM_TRACK Track;           /* NtsimResWorkQueued while queued (Ex items) */
    PDRIVER_OBJECT Owner;
    BOOLEAN Queued;
    BOOLEAN FreeAfterRun;        /* host node of an ExQueueWorkItem item */
    const char *What;            /* "work item" / "I/O work item" */
    void (*Run)(struct _EXP_WORK_NODE *Node);
    PVOID Routine;               /* for reports */
} EXP_WORK_NODE;

void ExpQueueWork(EXP_WORK_NODE *Node);
BOOLEAN ExpDequeueWork(EXP_WORK_NODE *Node);
/* After a worker routine returned: IRQL, locks, critical regions. */
void ExpCheckWorkerReturn(EXP_WORK_NODE *Node, KIRQL Irql, LONG CriticalRegion, PVOID Item);
void ExpDescribeQueuedWork(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void ExpReclaimQueuedWork(NTSIM_TRACK *Track);
void ExpResetWorkers(void);

/* pool internals used by the I/O verifier (sim/io/iov.c) and the host */
void ExpDescribeBlock(NTSIM_TRACK *Track, char *Buffer, size_t Size);
BOOLEAN ExpIsPagedBlock(NTSIM_TRACK *Track);
void ExpFlushQuarantine(void);

/* specialpool.c: driver pool in pages of its own with a guard page after each block,
 * freed blocks inaccessible in a quarantine (Driver Verifier's special pool, MM-01). */
typedef struct _EXP_SPECIAL_BLOCK {
    char *Base;          /* the slot's data pages (the guard page follows) */
    size_t Length;
    struct _EXP_SPECIAL_CHUNK *Chunk;
    char *Data;          /* the block; NULL: never used */
    char *Header;        /* its pool header: right before Data, or (underrun mode) at the end of the pages */
    size_t Slack;        /* bytes between the block's end and the guard page or the header */
    size_t Size;
    BOOLEAN Freed;
    BOOLEAN Open;        /* the data pages are accessible (allocated, not yet freed) */
    BOOLEAN Used;        /* handed out since the chunk was mapped: its pages hold old data */
    ULONG Tag;           /* recorded at free: the header is gone then */
    char AllocSite[160];
    char FreeSite[160];
    char Owner[64];
    struct _EXP_SPECIAL_BLOCK *NextFreed;
} EXP_SPECIAL_BLOCK;
typedef struct _EXP_POOL_BLOCK_INFO {
    ULONG Tag;
    char Site[160];
} EXP_POOL_BLOCK_INFO;
extern BOOLEAN ExpSpecialPoolOn;
extern BOOLEAN ExpSpecialPoolUnderrun; /* guard page before each block (Verify Start) */
void *ExpSpecialAllocate(size_t HeaderSize, size_t Size, EXP_SPECIAL_BLOCK **Block);
void ExpSpecialPrepareChunk(void); /* a process about to fork sweep workers */
EXP_SPECIAL_BLOCK *ExpSpecialLookup(const void *Address);
void ExpSpecialRelease(EXP_SPECIAL_BLOCK *Block, ULONG Tag, const char *Owner, NTSIM_SITE AllocSite,
                       NTSIM_SITE FreeSite);
void ExpSpecialFlush(void);
void ExpSpecialSetLayout(BOOLEAN Underrun); /* machine creation */
void ExpSpecialDiscard(EXP_SPECIAL_BLOCK *Block);
/* For the fault handler: an access to a guard page or a freed block? (0xD6 / 0xD5) */
BOOLEAN ExpDescribeSpecialPoolFault(const void *Address, char *Buffer, size_t Size, ULONG *Code);
void ExpDescribeLiveBlock(const void *Block, EXP_POOL_BLOCK_INFO *Info); /* pool.c */
#endif
