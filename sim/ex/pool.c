/* pool.c - executive pool: ExAllocatePool* / ExFreePool*.
 *
 * Each block carries a header (owner, tag, size, type, allocating driver line) and a
 * trailer pattern. Blocks are tracked on the allocating driver's resource list, so
 * the leak audit lists them with tag, size and line. Freeing checks the header:
 * a double free, a foreign pointer, a wrong tag or an overrun trailer is a bug check.
 * Freed blocks wait in a small quarantine so a recent double free is recognised.
 * With the verifier on, blocks come from special pool (specialpool.c): an overrun or
 * a use after free faults at the access. */
#include "ntsimp.h"
#include "ex/exp.h"

#define EXP_POOL_LIVE 0x6C6F6F50u  /* "Pool" */
#define EXP_POOL_FREED 0x65657246u /* "Free" */
#define EXP_QUARANTINE 64

typedef struct DECLSPEC_ALIGN(16) _EXP_POOL_HEADER {
    NTSIM_TRACK Track;
    SIZE_T Size;
    ULONG Tag;
    ULONG Magic;
    POOL_TYPE Type;
    ULONG Pad;
    EXP_SPECIAL_BLOCK *Special; /* NULL: a host heap block with an 8-byte trailer */
    ULONG64 Reserved;
} EXP_POOL_HEADER;

_Static_assert(sizeof(EXP_POOL_HEADER) % 16 == 0, "pool blocks stay 16-byte aligned");

static EXP_POOL_HEADER *ExpQuarantine[EXP_QUARANTINE];
static unsigned ExpQuarantineNext;

/* The header is right before the block, except in special pool's underrun mode, where
 * the block starts at its pages (after the guard page) and the header is at their end. */
static EXP_POOL_HEADER *ExpHeader(PVOID P)
{
    EXP_SPECIAL_BLOCK *Special = ExpSpecialPoolUnderrun ? ExpSpecialLookup(P) : NULL;
    return Special && Special->Data == (char *)P ? (EXP_POOL_HEADER *)Special->Header : (EXP_POOL_HEADER *)P - 1;
}

static unsigned char *ExpData(const EXP_POOL_HEADER *Header)
{
    return Header->Special ? (unsigned char *)Header->Special->Data : (unsigned char *)(Header + 1);
}

/* The bytes after the block that an overrun changes: 8 pattern bytes after a heap
 * block; for a special pool block the slack up to its guard page (or, underrun mode,
 * up to its header). */
static size_t ExpTrailerLength(const EXP_POOL_HEADER *Header)
{
    return Header->Special ? Header->Special->Slack : sizeof(ULONG64);
}

static void ExpWriteTrailer(EXP_POOL_HEADER *Header)
{
    memset(ExpData(Header) + Header->Size, 0xB5, ExpTrailerLength(Header));
}

static BOOLEAN ExpTrailerIntact(const EXP_POOL_HEADER *Header)
{
    const unsigned char *Trailer = ExpData(Header) + Header->Size;
    for (size_t i = 0; i < ExpTrailerLength(Header); i++)
        if (Trailer[i] != 0xB5)
            return FALSE;
    return TRUE;
}

void ExpDescribeLiveBlock(const void *Block, EXP_POOL_BLOCK_INFO *Info)
{
    const EXP_POOL_HEADER *Header = ExpHeader((PVOID)Block);
    Info->Tag = Header->Tag;
    KiFormatSite(Header->Track.Site, Info->Site, sizeof(Info->Site));
}

static BOOLEAN ExpIsPagedType(POOL_TYPE Type)
{
    return (Type & 1) != 0 && Type != NonPagedPoolNx && Type != NonPagedPoolSessionNx;
}

PVOID ExpAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, const char *Ddi, NTSIM_SITE Site)
{
    if (ExpIsPagedType(PoolType) && KiCurrentIrql() > APC_LEVEL)
        KiBugCheck(0xC4, 0x1, KiCurrentIrql(), PoolType, NumberOfBytes, Site,
                   "%s of paged pool at IRQL %u (must be <= APC_LEVEL)", Ddi, KiCurrentIrql());
    if (NumberOfBytes == 0)
        NumberOfBytes = 0; /* valid: a unique, freeable block of no usable bytes */
    if (ViFaultShouldFail(NtsimFaultPool, Ddi, Tag, Site))
        return NULL;
    if (NumberOfBytes > ((SIZE_T)1 << 40))
        return NULL;
    EXP_SPECIAL_BLOCK *Special = NULL;
    EXP_POOL_HEADER *Header = NULL;
    if (ExpSpecialPoolOn) {
        char *Data = ExpSpecialAllocate(sizeof(*Header), NumberOfBytes, &Special);
        Header = Data ? (EXP_POOL_HEADER *)Special->Header : NULL;
    }
    if (Header == NULL) {
        Special = NULL;
        Header = malloc(sizeof(*Header) + NumberOfBytes + sizeof(ULONG64));
        if (Header == NULL)
            return NULL;
    }
    Header->Size = NumberOfBytes;
    Header->Tag = Tag;
    Header->Magic = EXP_POOL_LIVE;
    Header->Type = PoolType;
    Header->Pad = 0;
    Header->Special = Special;
    ExpWriteTrailer(Header);
    /* Fresh pool is not zeroed on Windows; fill it so reliance on zeroes shows up. */
    memset(ExpData(Header), 0xCD, NumberOfBytes);
    VfTrack(&Header->Track, NtsimResPool, Site);
    return ExpData(Header);
}

/* Untrack the block and give it back: special pool blocks become inaccessible (the
 * header with them, so everything is read first). */
void KiForgetLocksIn(const void *Base, size_t Size); /* sim/ke/spinlock.c (SY-01) */

static void ExpReleaseToHost(EXP_POOL_HEADER *Header, NTSIM_SITE FreeSite)
{
    KiForgetLocksIn(ExpData(Header), Header->Size); /* the block's spin locks go with it */
    PDRIVER_OBJECT Owner = Header->Track.Owner;
    const char *OwnerName = Owner ? VfDriverName(Owner) : NULL;
    if (!IsListEmpty(&Header->Track.Link))
        VfUntrack(&Header->Track);
    Header->Magic = EXP_POOL_FREED;
    if (Header->Special) {
        ExpSpecialRelease(Header->Special, Header->Tag, OwnerName, Header->Track.Site, FreeSite);
        return;
    }
    EXP_POOL_HEADER *Evicted = ExpQuarantine[ExpQuarantineNext];
    ExpQuarantine[ExpQuarantineNext] = Header;
    ExpQuarantineNext = (ExpQuarantineNext + 1) % EXP_QUARANTINE;
    free(Evicted);
}

void ExpFreePool(PVOID P, ULONG Tag, const char *Ddi, NTSIM_SITE Site)
{
    if (P == NULL)
        KiBugCheck(0xC2, 0x46, 0, 0, 0, Site, "%s(NULL): freeing a NULL pool address", Ddi);
    if (((ULONG_PTR)P & 15) != 0)
        KiBugCheck(0xC2, 0x46, (ULONG_PTR)P, 0, 0, Site, "%s(%p): not the start of a pool block", Ddi, P);
    EXP_SPECIAL_BLOCK *Special = ExpSpecialLookup(P);
    if (Special && Special->Freed) /* its pages are inaccessible: do not read the header */
        KiBugCheck(0xC2, 0x7, 0, (ULONG_PTR)P, 0, Site, "%s(%p): the block was already freed (allocated at %s, freed at %s)",
                   Ddi, P, Special->AllocSite, Special->FreeSite);
    if (Special && Special->Data != (char *)P)
        KiBugCheck(0xC2, 0x46, (ULONG_PTR)P, 0, 0, Site, "%s(%p): not the start of a pool block", Ddi, P);
    EXP_POOL_HEADER *Header = Special ? (EXP_POOL_HEADER *)Special->Header : ExpHeader(P);
    if (Header->Magic == EXP_POOL_FREED)
        KiBugCheck(0xC2, 0x7, 0, (ULONG_PTR)P, 0, Site, "%s(%p): the block was already freed", Ddi, P);
    if (Header->Magic != EXP_POOL_LIVE)
        KiBugCheck(0xC2, 0x46, (ULONG_PTR)P, 0, 0, Site, "%s(%p): not a pool block", Ddi, P);
    if (Tag != 0 && Tag != Header->Tag)
        KiBugCheck(0xC2, 0x0A, (ULONG_PTR)P, Tag, Header->Tag, Site,
                   "%s(%p, '%.4s'): the block was allocated with tag '%.4s'", Ddi, P, (char *)&Tag,
                   (char *)&Header->Tag);
    if (!ExpTrailerIntact(Header))
        KiBugCheck(0xC1, (ULONG_PTR)P, Header->Size, 0, 0x21, Site,
                   "%s(%p): the driver wrote past the end of its %zu-byte block", Ddi, P, (size_t)Header->Size);
    ExpReleaseToHost(Header, Site);
}

SIZE_T ExpPoolBlockSize(PVOID P)
{
    return ExpHeader(P)->Size;
}

/* Used by the audit: describe a leaked pool block from its tracking record. */
void ExpDescribeBlock(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    EXP_POOL_HEADER *Header = CONTAINING_RECORD(Track, EXP_POOL_HEADER, Track);
    char Tag[5] = { 0 };
    memcpy(Tag, &Header->Tag, 4);
    for (int i = 0; i < 4; i++)
        if (Tag[i] < 32 || Tag[i] > 126)
            Tag[i] = '.';
    snprintf(Buffer, Size, "%s pool block of %zu bytes, tag '%s'", ExpIsPagedType(Header->Type) ? "paged" : "nonpaged",
             (size_t)Header->Size, Header->Tag ? Tag : "none");
}

BOOLEAN ExpIsPagedBlock(NTSIM_TRACK *Track)
{
    return ExpIsPagedType(CONTAINING_RECORD(Track, EXP_POOL_HEADER, Track)->Type);
}

/* After the audit of an unloaded driver: give the leaked block back to the host. (Its
 * image may be gone already, and the sites with it: nothing is recorded.) */
void ExpReclaimBlock(NTSIM_TRACK *Track)
{
    EXP_POOL_HEADER *Header = CONTAINING_RECORD(Track, EXP_POOL_HEADER, Track);
    VfUntrack(Track);
    Header->Magic = EXP_POOL_FREED;
    if (Header->Special)
        ExpSpecialDiscard(Header->Special);
    else
        ExpReleaseToHost(Header, KiNoSite);
}

void ExpFlushQuarantine(void)
{
    for (unsigned i = 0; i < EXP_QUARANTINE; i++) {
        free(ExpQuarantine[i]);
        ExpQuarantine[i] = NULL;
    }
    ExpQuarantineNext = 0;
    ExpSpecialFlush();
}

/* ---- the DDIs ---- */

PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    NTSIM_SITE Site = KiTakeSite();
    PVOID P = ExpAllocatePool(PoolType, NumberOfBytes, Tag, "ExAllocatePoolWithTag", Site);
    if (P == NULL && (PoolType & POOL_RAISE_IF_ALLOCATION_FAILURE))
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return P;
}

PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes)
{
    return ExpAllocatePool(PoolType, NumberOfBytes, 0x656E6F4E /* "None" */, "ExAllocatePool", KiTakeSite());
}

PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    NTSIM_SITE Site = KiTakeSite();
    PVOID P = ExpAllocatePool(PoolType, NumberOfBytes, Tag, "ExAllocatePoolWithQuotaTag", Site);
    if (P == NULL && !(PoolType & POOL_QUOTA_FAIL_INSTEAD_OF_RAISE))
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    return P;
}

PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    PVOID P = ExpAllocatePool(PoolType, NumberOfBytes, Tag, "ExAllocatePoolZero", KiTakeSite());
    if (P)
        memset(P, 0, NumberOfBytes);
    return P;
}

PVOID ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    return ExpAllocatePool(PoolType, NumberOfBytes, Tag, "ExAllocatePoolUninitialized", KiTakeSite());
}

PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag)
{
    NTSIM_SITE Site = KiTakeSite();
    POOL_FLAGS TypeFlags = Flags & (POOL_FLAG_NON_PAGED | POOL_FLAG_NON_PAGED_EXECUTE | POOL_FLAG_PAGED);
    if (Tag == 0 || (TypeFlags != POOL_FLAG_NON_PAGED && TypeFlags != POOL_FLAG_NON_PAGED_EXECUTE &&
                     TypeFlags != POOL_FLAG_PAGED))
        KiBugCheck(0xC2, 0x9B, (ULONG_PTR)Flags, NumberOfBytes, Tag, Site,
                   "ExAllocatePool2 needs a non-zero tag and exactly one of POOL_FLAG_NON_PAGED, "
                   "POOL_FLAG_NON_PAGED_EXECUTE, POOL_FLAG_PAGED");
    POOL_TYPE Type = TypeFlags == POOL_FLAG_PAGED ? PagedPool : NonPagedPoolNx;
    PVOID P = ExpAllocatePool(Type, NumberOfBytes, Tag, "ExAllocatePool2", Site);
    if (P == NULL && (Flags & POOL_FLAG_RAISE_ON_FAILURE))
        ExRaiseStatus(STATUS_INSUFFICIENT_RESOURCES);
    if (P && !(Flags & POOL_FLAG_UNINITIALIZED))
        memset(P, 0, NumberOfBytes);
    return P;
}

VOID ExFreePool(PVOID P)
{
    ExpFreePool(P, 0, "ExFreePool", KiTakeSite());
}

VOID ExFreePoolWithTag(PVOID P, ULONG Tag)
{
    ExpFreePool(P, Tag, "ExFreePoolWithTag", KiTakeSite());
}

PVOID ExpBlockAddress(NTSIM_TRACK *Track)
{
    return ExpData(CONTAINING_RECORD(Track, EXP_POOL_HEADER, Track));
}

/* Rule SY-03: dispatcher objects and spin locks must live in nonpaged memory. The
 * Ke/Ex initializers ask whether the object lies inside a paged pool block of any
 * driver (a walk of the owners' lists: initializers are rare, pool blocks few). */
void VfCheckNonPagedObject(const void *Object, size_t Size, const char *What, const char *Ddi, NTSIM_SITE Site)
{
    PLIST_ENTRY Drivers = VfDrivers();
    for (PLIST_ENTRY D = Drivers->Flink; D != Drivers; D = D->Flink) {
        VF_DRIVER *Driver = CONTAINING_RECORD(D, VF_DRIVER, Link);
        for (PLIST_ENTRY E = Driver->Resources.Flink; E != &Driver->Resources; E = E->Flink) {
            NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
            if (Track->Kind != NtsimResPool)
                continue;
            EXP_POOL_HEADER *Header = CONTAINING_RECORD(Track, EXP_POOL_HEADER, Track);
            const char *Start = (const char *)ExpData(Header);
            if (!ExpIsPagedType(Header->Type) || (const char *)Object < Start ||
                (const char *)Object + Size > Start + Header->Size)
                continue;
            char Block[128], Where[256];
            ExpDescribeBlock(Track, Block, sizeof(Block));
            KiFormatSite(Track->Site, Where, sizeof(Where));
            VfReport("SY-03", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                     "%s: the %s at offset %zu of a %s (allocated at %s) must be in nonpaged memory", Ddi, What,
                     (size_t)((const char *)Object - Start), Block, Where[0] ? Where : "?");
            KiBugCheck(0xC4, 0xE1, (ULONG_PTR)Object, Header->Type, 0, Site,
                       "%s(%p): a %s in paged pool (DRIVER_VERIFIER_DETECTED_VIOLATION 0xE1)", Ddi, Object, What);
        }
    }
}

/* Pool blocks and queued work items, for the leak audit (sim/verifier/owner.c calls
 * them back). */
static const VF_RESOURCE_OPS ExpPoolOps = { .Describe = ExpDescribeBlock, .Reclaim = ExpReclaimBlock };
static const VF_RESOURCE_OPS ExpQueuedWorkOps = { .Describe = ExpDescribeQueuedWork, .Reclaim = ExpReclaimQueuedWork };

void ExpRegisterResourceKinds(void)
{
    VfRegisterResourceKind(NtsimResPool, &ExpPoolOps);
    VfRegisterResourceKind(NtsimResWorkQueued, &ExpQueuedWorkOps);
}
