/* specialpool.c - Driver Verifier's special pool for driver allocations (rule MM-01).
 *
 * Each block gets pages of its own, placed so that the block ends where an
 * inaccessible guard page begins: a read or write past the end faults at the access
 * itself. In the underrun mode (Driver Verifier's "Verify Start") the guard page comes
 * first and the block starts right after it, so an access before the block faults
 * instead; the pool header then sits at the end of the block's pages, after a slack
 * checked at free (where an overrun is found in that mode). A freed block's pages become inaccessible and wait in a quarantine (oldest
 * released first), so a use after free faults at the access too. The fault handler
 * (ke/bugcheck.c) asks ExpDescribeSpecialPoolFault whether an address belongs to such a
 * block and reports it with the block's allocating (and freeing) line, as bug check
 * 0xD6 (DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION) or 0xD5
 * (DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL).
 *
 * Blocks are 16-byte aligned like normal pool, so a block whose size is not a multiple
 * of 16 has up to 15 bytes of slack before the guard page; the slack holds a pattern
 * checked when the block is freed (0xC1, as on Windows).
 *
 * Cost: mapping and unmapping pages is slow on some hosts (tens of microseconds in a
 * loaded VM), so small blocks live in slots of a chunk mapped once: one data page and
 * one guard page per slot. Allocating a slot makes its data page accessible, freeing
 * makes it inaccessible again: one mprotect each, and the page's memory is reused.
 * A block too large for a slot gets a mapping of its own. Chunks are found by address
 * in a POSIX binary search tree (tsearch), keyed by their mapped range.
 *
 * Chunks outlive the machine: when a machine is destroyed its chunks stay mapped, every
 * slot inaccessible and free again, and the next machine of the process takes its slots
 * from them (a persistent fault sweep makes thousands of machines in one process; a
 * chunk's mapping, its slot records and the first touch of each page cost more than the
 * run that uses them). A slot used before gets its data pages cleared when it is handed
 * out again, so every block's pages read as a fresh mapping's would, whichever machine
 * or run used them last. */
#include "ntsimp.h"
#include "ex/exp.h"

#include <search.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXP_SPECIAL_QUARANTINE 512  /* freed blocks kept inaccessible */
#define EXP_SLOTS_PER_CHUNK 64      /* small-block slots mapped at once (chunks are kept: see above) */
#define EXP_SPECIAL_MAX_LIVE 16384  /* beyond this, normal pool */

/* A mapped range: a chunk of equal slots, or one large block (SlotCount 1). */
typedef struct _EXP_SPECIAL_CHUNK {
    char *Base;
    size_t Length;
    size_t SlotSize;               /* data pages + one guard page */
    unsigned SlotCount;
    BOOLEAN GuardFirst;            /* underrun layout: guard page, then data pages */
    BOOLEAN Unmapped;              /* teardown: its pages went back, the record goes next */
    EXP_SPECIAL_BLOCK Slots[];     /* one record per slot */
} EXP_SPECIAL_CHUNK;

static void *ExpChunkTree;
static EXP_SPECIAL_BLOCK *ExpFreeSlots;              /* small slots ready for use */
static EXP_SPECIAL_BLOCK *ExpQuarantineFirst, *ExpQuarantineLast;
static unsigned ExpQuarantineCount, ExpLiveCount;
static EXP_SPECIAL_CHUNK **ExpKeptChunks; /* small-slot chunks in mapping order (kept across machines) */
static size_t ExpKeptCount;
#define EXP_KEPT_LARGE 16                  /* large blocks' mappings kept for the next machines */
static EXP_SPECIAL_CHUNK *ExpKeptLarge[EXP_KEPT_LARGE];
static unsigned ExpKeptLargeCount;
BOOLEAN ExpSpecialPoolOn;
BOOLEAN ExpSpecialPoolUnderrun; /* set with ExpSpecialPoolOn at machine creation */

static size_t ExpPageSize(void)
{
    static size_t Page;
    if (Page == 0)
        Page = (size_t)sysconf(_SC_PAGESIZE);
    return Page;
}

static int ExpCompareRanges(const void *A, const void *B)
{
    const EXP_SPECIAL_CHUNK *X = A, *Y = B;
    if (X->Base + X->Length <= Y->Base)
        return -1;
    if (X->Base >= Y->Base + Y->Length)
        return 1;
    return 0; /* overlapping: the lookup key (one byte) lies in this chunk */
}

static EXP_SPECIAL_CHUNK *ExpChunkAt(const void *Address)
{
    if (ExpChunkTree == NULL)
        return NULL;
    EXP_SPECIAL_CHUNK Key = { .Base = (char *)Address, .Length = 1 };
    void *Found = tfind(&Key, &ExpChunkTree, ExpCompareRanges);
    return Found ? *(EXP_SPECIAL_CHUNK **)Found : NULL;
}

/* The block whose slot holds Address, if that slot was ever used. */
EXP_SPECIAL_BLOCK *ExpSpecialLookup(const void *Address)
{
    EXP_SPECIAL_CHUNK *Chunk = ExpChunkAt(Address);
    if (Chunk == NULL)
        return NULL;
    EXP_SPECIAL_BLOCK *Block = &Chunk->Slots[(size_t)((const char *)Address - Chunk->Base) / Chunk->SlotSize];
    return Block->Data ? Block : NULL;
}

/* All slots inaccessible; a chunk's guard pages stay so for its whole life. */
static EXP_SPECIAL_CHUNK *ExpMapChunk(size_t SlotSize, unsigned SlotCount)
{
    size_t Length = SlotSize * SlotCount;
    char *Base = mmap(NULL, Length, PROT_NONE, MAP_PRIVATE | MAP_ANON, -1, 0);
    if (Base == MAP_FAILED)
        return NULL;
    EXP_SPECIAL_CHUNK *Chunk = KiHostAlloc(sizeof(*Chunk) + SlotCount * sizeof(EXP_SPECIAL_BLOCK));
    memset(Chunk, 0, sizeof(*Chunk) + SlotCount * sizeof(EXP_SPECIAL_BLOCK));
    Chunk->Base = Base;
    Chunk->Length = Length;
    Chunk->SlotSize = SlotSize;
    Chunk->SlotCount = SlotCount;
    Chunk->GuardFirst = ExpSpecialPoolUnderrun;
    size_t Skip = Chunk->GuardFirst ? ExpPageSize() : 0;
    for (unsigned i = 0; i < SlotCount; i++) {
        Chunk->Slots[i].Base = Base + i * SlotSize + Skip;
        Chunk->Slots[i].Length = SlotSize - ExpPageSize(); /* the data pages */
        Chunk->Slots[i].Chunk = Chunk;
    }
    tsearch(Chunk, &ExpChunkTree, ExpCompareRanges);
    return Chunk;
}

static void ExpUnmapChunk(EXP_SPECIAL_CHUNK *Chunk)
{
    tdelete(Chunk, &ExpChunkTree, ExpCompareRanges);
    munmap(Chunk->Base, Chunk->Length);
    free(Chunk);
}

/* A chunk's slots on the free list, its first slot first. */
static void ExpPushSlots(EXP_SPECIAL_CHUNK *Chunk)
{
    for (unsigned i = Chunk->SlotCount; i-- > 0;) {
        if (Chunk->Slots[i].NextFreed != ExpFreeSlots) /* (unchanged: not written, see ExpSpecialPrepareChunk) */
            Chunk->Slots[i].NextFreed = ExpFreeSlots;
        ExpFreeSlots = &Chunk->Slots[i];
    }
}

/* A process about to fork sweep workers maps the first chunk before forking
 * (NtsimPrepareWorkerTemplate), so that no worker maps one and clears its slot records
 * (about 29 KB: page faults in a new process). A worker shares the records with its
 * parent until it writes them: slots it never uses are never written (ExpPushSlots and
 * ExpResetSlot leave them alone), so it copies only the pages of the records it uses. */
void ExpSpecialPrepareChunk(void)
{
    if (ExpKeptCount || ExpFreeSlots || ExpLiveCount)
        return;
    EXP_SPECIAL_CHUNK *Chunk = ExpMapChunk(2 * ExpPageSize(), EXP_SLOTS_PER_CHUNK);
    if (Chunk == NULL)
        return;
    ExpKeptChunks = KiHostRealloc(ExpKeptChunks, (ExpKeptCount + 1) * sizeof(*ExpKeptChunks));
    ExpKeptChunks[ExpKeptCount++] = Chunk;
    ExpPushSlots(Chunk);
}

static EXP_SPECIAL_BLOCK *ExpTakeSlot(size_t DataPages)
{
    size_t Page = ExpPageSize();
    if (DataPages > 1) { /* a chunk of its own: one an earlier machine left, or a new one */
        for (unsigned i = 0; i < ExpKeptLargeCount; i++)
            if (ExpKeptLarge[i]->SlotSize == (DataPages + 1) * Page) {
                EXP_SPECIAL_CHUNK *Kept = ExpKeptLarge[i];
                ExpKeptLarge[i] = ExpKeptLarge[--ExpKeptLargeCount];
                return &Kept->Slots[0];
            }
        EXP_SPECIAL_CHUNK *Chunk = ExpMapChunk((DataPages + 1) * Page, 1);
        return Chunk ? &Chunk->Slots[0] : NULL;
    }
    if (ExpFreeSlots == NULL) {
        EXP_SPECIAL_CHUNK *Chunk = ExpMapChunk(2 * Page, EXP_SLOTS_PER_CHUNK);
        if (Chunk == NULL)
            return NULL;
        ExpKeptChunks = KiHostRealloc(ExpKeptChunks, (ExpKeptCount + 1) * sizeof(*ExpKeptChunks));
        ExpKeptChunks[ExpKeptCount++] = Chunk;
        ExpPushSlots(Chunk);
    }
    EXP_SPECIAL_BLOCK *Block = ExpFreeSlots;
    ExpFreeSlots = Block->NextFreed;
    Block->NextFreed = NULL;
    return Block;
}

/* Back to the free slots (a large block's mapping goes away). */
static void ExpRecycle(EXP_SPECIAL_BLOCK *Block)
{
    if (Block->Chunk->SlotCount == 1) {
        ExpUnmapChunk(Block->Chunk);
        return;
    }
    Block->NextFreed = ExpFreeSlots;
    ExpFreeSlots = Block;
}

/* Pages for HeaderSize + Size bytes next to a guard page; returns the block start or
 * NULL when the host refuses. Block->Header is where the pool header goes: right before
 * the block when the block ends at the guard page, at the end of the pages when it
 * starts at the guard page; Block->Slack is the gap after the block (its pattern is
 * the caller's). */
void *ExpSpecialAllocate(size_t HeaderSize, size_t Size, EXP_SPECIAL_BLOCK **Out)
{
    if (ExpLiveCount >= EXP_SPECIAL_MAX_LIVE)
        return NULL;
    size_t Page = ExpPageSize();
    size_t Rounded = (Size + 15) & ~(size_t)15;
    EXP_SPECIAL_BLOCK *Block = ExpTakeSlot((HeaderSize + Rounded + Page - 1) / Page);
    if (Block == NULL)
        return NULL;
    if (mprotect(Block->Base, Block->Length, PROT_READ | PROT_WRITE) != 0) {
        ExpRecycle(Block); /* still inaccessible: back where it came from */
        return NULL;
    }
    Block->Open = TRUE;
    if (Block->Used) /* as a fresh mapping: zeros */
        memset(Block->Base, 0, Block->Length);
    Block->Used = TRUE;
    if (Block->Chunk->GuardFirst) {
        Block->Data = Block->Base;
        Block->Header = Block->Base + Block->Length - HeaderSize;
        Block->Slack = Block->Length - HeaderSize - Size;
    } else {
        Block->Data = Block->Base + Block->Length - Rounded;
        Block->Header = Block->Data - HeaderSize;
        Block->Slack = Rounded - Size;
    }
    Block->Size = Size;
    Block->Freed = FALSE;
    ExpLiveCount++;
    *Out = Block;
    return Block->Data;
}

/* A leaked block reclaimed after its driver is gone: no quarantine, no sites (the
 * image that held the site strings may be unmapped already). */
void ExpSpecialDiscard(EXP_SPECIAL_BLOCK *Block)
{
    ExpLiveCount--;
    mprotect(Block->Base, Block->Length, PROT_NONE);
    Block->Open = FALSE;
    Block->Data = NULL;
    ExpRecycle(Block);
}

/* The block is freed: make it inaccessible and quarantine it. */
void ExpSpecialRelease(EXP_SPECIAL_BLOCK *Block, ULONG Tag, const char *Owner, NTSIM_SITE AllocSite,
                       NTSIM_SITE FreeSite)
{
    ExpLiveCount--;
    Block->Freed = TRUE;
    Block->Tag = Tag;
    KiFormatSite(AllocSite, Block->AllocSite, sizeof(Block->AllocSite));
    KiFormatSite(FreeSite, Block->FreeSite, sizeof(Block->FreeSite));
    KiCopyText(Block->Owner, sizeof(Block->Owner), Owner ? Owner : "");
    mprotect(Block->Base, Block->Length, PROT_NONE);
    Block->Open = FALSE;
    Block->NextFreed = NULL;
    if (ExpQuarantineLast)
        ExpQuarantineLast->NextFreed = Block;
    else
        ExpQuarantineFirst = Block;
    ExpQuarantineLast = Block;
    if (++ExpQuarantineCount > EXP_SPECIAL_QUARANTINE) {
        EXP_SPECIAL_BLOCK *Oldest = ExpQuarantineFirst;
        ExpQuarantineFirst = Oldest->NextFreed;
        ExpQuarantineCount--;
        ExpRecycle(Oldest); /* its record keeps the sites until the slot is reused */
    }
}

static void ExpUnmapAll(const void *Node, VISIT Order, int Depth)
{
    (void)Depth;
    if (Order == postorder || Order == leaf) {
        EXP_SPECIAL_CHUNK *Chunk = *(EXP_SPECIAL_CHUNK *const *)Node;
        munmap(Chunk->Base, Chunk->Length);
    }
}

/* Every chunk back to the host (the kept ones too). */
static void ExpUnmapKept(void)
{
    twalk(ExpChunkTree, ExpUnmapAll);
    while (ExpChunkTree) {
        EXP_SPECIAL_CHUNK *Chunk = *(EXP_SPECIAL_CHUNK **)ExpChunkTree;
        tdelete(Chunk, &ExpChunkTree, ExpCompareRanges);
        free(Chunk);
    }
    free(ExpKeptChunks);
    ExpKeptChunks = NULL;
    ExpKeptCount = ExpKeptLargeCount = 0;
    ExpFreeSlots = ExpQuarantineFirst = ExpQuarantineLast = NULL;
    ExpQuarantineCount = ExpLiveCount = 0;
}

/* Machine creation: the layout of this machine's blocks. Kept chunks laid out for the
 * other one go (no block is live between two machines). */
void ExpSpecialSetLayout(BOOLEAN Underrun)
{
    if ((ExpKeptCount || ExpKeptLargeCount) && ExpSpecialPoolUnderrun != Underrun && ExpLiveCount == 0)
        ExpUnmapKept();
    ExpSpecialPoolUnderrun = Underrun;
}

/* A kept slot as the next machine finds it: inaccessible, never used by that machine
 * (no sites, no block: a stale pointer into it is an unknown address, as in a fresh
 * mapping). A slot not in use since the last reset needs nothing (a discarded
 * block's record is unreachable). */
static void ExpResetSlot(EXP_SPECIAL_BLOCK *Slot)
{
    if (Slot->Data == NULL && !Slot->Open)
        return;
    if (Slot->Open) /* a block nobody reclaimed (a machine that stopped) */
        mprotect(Slot->Base, Slot->Length, PROT_NONE);
    Slot->Open = FALSE;
    Slot->Data = Slot->Header = NULL;
    Slot->Freed = FALSE;
    Slot->Size = Slot->Slack = 0;
    Slot->Tag = 0;
    Slot->AllocSite[0] = Slot->FreeSite[0] = Slot->Owner[0] = 0;
}

/* A kept small-slot chunk: every slot reset, on the free list in slot order. */
static void ExpResetChunk(EXP_SPECIAL_CHUNK *Chunk)
{
    for (unsigned i = 0; i < Chunk->SlotCount; i++)
        ExpResetSlot(&Chunk->Slots[i]);
    ExpPushSlots(Chunk);
}

/* Large blocks' mappings: up to EXP_KEPT_LARGE stay (reset), the rest go. */
static void ExpKeepOrUnmapLarge(const void *Node, VISIT Order, int Depth)
{
    (void)Depth;
    if (Order != postorder && Order != leaf)
        return;
    EXP_SPECIAL_CHUNK *Chunk = *(EXP_SPECIAL_CHUNK *const *)Node;
    if (ExpKeptLargeCount < EXP_KEPT_LARGE && Chunk->GuardFirst == ExpSpecialPoolUnderrun) {
        ExpResetSlot(&Chunk->Slots[0]);
        ExpKeptLarge[ExpKeptLargeCount++] = Chunk;
    } else {
        munmap(Chunk->Base, Chunk->Length);
        Chunk->Unmapped = TRUE; /* for the loop below (Base and Length still order the tree) */
    }
}

/* Machine teardown: the small-slot chunks and some large blocks' mappings stay for the
 * next machine (see the top of the file), the rest go back to the host. (Live blocks
 * were reclaimed by the leak audit before this.) */
void ExpSpecialFlush(void)
{
    for (size_t i = 0; i < ExpKeptCount; i++) /* keep them out of the walk below */
        tdelete(ExpKeptChunks[i], &ExpChunkTree, ExpCompareRanges);
    for (unsigned i = 0; i < ExpKeptLargeCount; i++) /* kept earlier, not taken since */
        tdelete(ExpKeptLarge[i], &ExpChunkTree, ExpCompareRanges);
    twalk(ExpChunkTree, ExpKeepOrUnmapLarge);
    while (ExpChunkTree) {
        EXP_SPECIAL_CHUNK *Chunk = *(EXP_SPECIAL_CHUNK **)ExpChunkTree;
        tdelete(Chunk, &ExpChunkTree, ExpCompareRanges);
        if (Chunk->Unmapped)
            free(Chunk);
    }
    ExpFreeSlots = ExpQuarantineFirst = ExpQuarantineLast = NULL;
    ExpQuarantineCount = ExpLiveCount = 0;
    for (unsigned i = 0; i < ExpKeptLargeCount; i++)
        tsearch(ExpKeptLarge[i], &ExpChunkTree, ExpCompareRanges);
    for (size_t i = ExpKeptCount; i-- > 0;) { /* the first chunk's slots first */
        tsearch(ExpKeptChunks[i], &ExpChunkTree, ExpCompareRanges);
        ExpResetChunk(ExpKeptChunks[i]);
    }
}

static const char *ExpTagText(ULONG Tag, char Text[5])
{
    memcpy(Text, &Tag, 4);
    Text[4] = 0;
    for (int i = 0; i < 4; i++)
        if (Text[i] < 32 || Text[i] > 126)
            Text[i] = '.';
    return Text;
}

/* For the fault handler: is Address in a special pool block's guard page or in a freed
 * block? Describes the access and gives the bug check code. */
BOOLEAN ExpDescribeSpecialPoolFault(const void *Address, char *Buffer, size_t Size, ULONG *Code)
{
    EXP_SPECIAL_BLOCK *Block = ExpSpecialLookup(Address);
    if (Block == NULL)
        return FALSE;
    const char *A = Address;
    char Tag[5];
    if (Block->Freed) {
        snprintf(Buffer, Size,
                 "use after free: an access at offset %ld of a %zu-byte pool block (tag '%s') allocated at %s and "
                 "freed at %s",
                 (long)(A - Block->Data), Block->Size, ExpTagText(Block->Tag, Tag),
                 Block->AllocSite[0] ? Block->AllocSite : "?", Block->FreeSite[0] ? Block->FreeSite : "?");
        *Code = 0xD5;
        return TRUE;
    }
    /* live: the only inaccessible page of its slot is its guard page, after the block
     * or (underrun mode) before it */
    EXP_POOL_BLOCK_INFO Info;
    ExpDescribeLiveBlock(Block->Data, &Info);
    if (A < Block->Data)
        snprintf(Buffer, Size,
                 "pool underrun: an access %zu byte%s before the start of a %zu-byte pool block (tag '%s') allocated "
                 "at %s",
                 (size_t)(Block->Data - A), Block->Data - A == 1 ? "" : "s", Block->Size, ExpTagText(Info.Tag, Tag),
                 Info.Site[0] ? Info.Site : "?");
    else
        snprintf(Buffer, Size,
                 "pool overrun: an access at offset %zu of a %zu-byte pool block (tag '%s') allocated at %s",
                 (size_t)(A - Block->Data), Block->Size, ExpTagText(Info.Tag, Tag), Info.Site[0] ? Info.Site : "?");
    *Code = 0xD6; /* the same page fault in special pool, before or after the block */
    return TRUE;
}
