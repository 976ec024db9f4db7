/* lookaside.c - lookaside lists: the NPAGED_LOOKASIDE_LIST, PAGED_LOOKASIDE_LIST and
 * LOOKASIDE_LIST_EX routines.
 *
 * ntsim caches no block, as Windows does for a driver under Driver Verifier: every
 * allocation is a fresh pool block (or a call of the driver's Allocate routine) and
 * every free releases it. So each allocation is a fault-injection point named after
 * the lookaside DDI, each block is tracked with the driver line that allocated it, and
 * a block used after being freed to the list is caught like any freed pool.
 *
 * The list itself is tracked too: one not deleted by the time the driver unloads (or
 * fails DriverEntry) is a leak finding. Its bookkeeping record hangs off ListEntry,
 * the field Windows uses to link the list into the system's list of lookasides. */
#include "ntsimp.h"
#include "ke/kep.h"

#define EXP_LOOKASIDE_COOKIE ((ULONG_PTR)0x4C6F6F6B61736964ull) /* "Lookasid" */

typedef struct _EXP_LOOKASIDE {
    NTSIM_HOOKED_RESOURCE Hook;
    PGENERAL_LOOKASIDE_POOL List;
    const char *Kind;          /* "NPAGED_LOOKASIDE_LIST" ... */
    const char *DeleteDdi;     /* the routine that deletes it, for the leak report */
    BOOLEAN Ex;                /* LOOKASIDE_LIST_EX: AllocateEx/FreeEx take the list */
    BOOLEAN Paged;
    BOOLEAN CustomAllocate, CustomFree;
    BOOLEAN RaiseOnFailure;
    ULONG Size, Tag;
    LONG Outstanding;          /* allocated and not yet freed to the list */
} EXP_LOOKASIDE;

static void ExpDescribeLookaside(NTSIM_HOOKED_RESOURCE *Hook, char *Buffer, size_t Size)
{
    EXP_LOOKASIDE *R = CONTAINING_RECORD(Hook, EXP_LOOKASIDE, Hook);
    snprintf(Buffer, Size, "%s %p (%lu-byte blocks, tag '%.4s') never deleted with %s (%ld of its blocks still allocated)",
             R->Kind, (void *)R->List, (unsigned long)R->Size, (const char *)&R->Tag, R->DeleteDdi, (long)R->Outstanding);
}

static void ExpReclaimLookaside(NTSIM_HOOKED_RESOURCE *Hook)
{
    /* The list's memory belongs to the driver and may be gone: touch only the record. */
    VfUntrack(&Hook->Track);
    free(CONTAINING_RECORD(Hook, EXP_LOOKASIDE, Hook));
}

static EXP_LOOKASIDE *ExpLookasideRecord(PGENERAL_LOOKASIDE_POOL List, const char *Ddi, NTSIM_SITE Site)
{
    if (List == NULL)
        KiBugCheck(0xC4, 0x1040 /* approximate */, 0, 0, 0, Site, "%s(NULL): no lookaside list", Ddi);
    EXP_LOOKASIDE *R = (EXP_LOOKASIDE *)List->ListEntry.Flink;
    if (R == NULL || (ULONG_PTR)List->ListEntry.Blink != ((ULONG_PTR)R ^ EXP_LOOKASIDE_COOKIE) || R->List != List)
        KiBugCheck(0xC4, 0x1040 /* approximate */, (ULONG_PTR)List, 0, 0, Site,
                   "%s(%p): not a lookaside list (never initialised, or already deleted)", Ddi, (void *)List);
    return R;
}

static void ExpInitializeLookaside(PGENERAL_LOOKASIDE_POOL List, EXP_LOOKASIDE *R, POOL_TYPE Type, SIZE_T Size,
                                   ULONG Tag, NTSIM_SITE Site)
{
    memset(List, 0, sizeof(*List));
    List->Type = Type;
    List->Tag = Tag;
    List->Size = (ULONG)Size;
    List->Depth = 0; /* nothing is cached (see the top of this file) */
    List->MaximumDepth = 0;
    R->List = List;
    R->Size = (ULONG)Size;
    R->Tag = Tag;
    R->Hook.Describe = ExpDescribeLookaside;
    R->Hook.Reclaim = ExpReclaimLookaside;
    List->ListEntry.Flink = (PLIST_ENTRY)R;
    List->ListEntry.Blink = (PLIST_ENTRY)((ULONG_PTR)R ^ EXP_LOOKASIDE_COOKIE);
    VfTrack(&R->Hook.Track, NtsimResHooked, Site);
}

static void ExpDeleteLookaside(PGENERAL_LOOKASIDE_POOL List, const char *Ddi, NTSIM_SITE Site)
{
    EXP_LOOKASIDE *R = ExpLookasideRecord(List, Ddi, Site);
    KiCheckIrql(Ddi, R->Paged ? APC_LEVEL : DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    /* No cached block to free; blocks still allocated stay the driver's (and tracked). */
    List->ListEntry.Flink = List->ListEntry.Blink = NULL;
    ExpReclaimLookaside(&R->Hook);
}

static PVOID ExpAllocateFromLookaside(PGENERAL_LOOKASIDE_POOL List, const char *Ddi, NTSIM_SITE Site)
{
    EXP_LOOKASIDE *R = ExpLookasideRecord(List, Ddi, Site);
    KiCheckIrql(Ddi, R->Paged ? APC_LEVEL : DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    List->TotalAllocates++;
    List->AllocateMisses++;
    PVOID Block;
    if (!R->CustomAllocate)
        Block = ExpAllocatePool(List->Type, List->Size, List->Tag, Ddi, Site);
    else if (ViFaultShouldFail(NtsimFaultPool, Ddi, List->Tag, Site))
        Block = NULL;
    else if (R->Ex)
        Block = List->AllocateEx(List->Type, List->Size, List->Tag, (PLOOKASIDE_LIST_EX)List);
    else
        Block = List->Allocate(List->Type, List->Size, List->Tag);
    if (Block == NULL && R->RaiseOnFailure)
        KiRaiseStatusAt(STATUS_INSUFFICIENT_RESOURCES, Site);
    if (Block != NULL)
        R->Outstanding++;
    return Block;
}

static void ExpFreeToLookaside(PGENERAL_LOOKASIDE_POOL List, PVOID Entry, const char *Ddi, NTSIM_SITE Site)
{
    EXP_LOOKASIDE *R = ExpLookasideRecord(List, Ddi, Site);
    KiCheckIrql(Ddi, R->Paged ? APC_LEVEL : DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    if (Entry == NULL)
        KiBugCheck(0xC2, 0x46, 0, 0, 0, Site, "%s(%p, NULL): freeing a NULL block", Ddi, (void *)List);
    List->TotalFrees++;
    List->FreeMisses++;
    if (!R->CustomFree)
        ExpFreePool(Entry, List->Tag, Ddi, Site); /* a block of another list shows as a wrong tag */
    else if (R->Ex)
        List->FreeEx(Entry, (PLOOKASIDE_LIST_EX)List);
    else
        List->Free(Entry);
    R->Outstanding--;
}

/* ---- NPAGED_LOOKASIDE_LIST / PAGED_LOOKASIDE_LIST ---- */

static void ExpInitializeClassic(PGENERAL_LOOKASIDE List, PALLOCATE_FUNCTION Allocate, PFREE_FUNCTION Free,
                                 ULONG Flags, SIZE_T Size, ULONG Tag, BOOLEAN Paged, const char *Ddi, NTSIM_SITE Site)
{
    if (List == NULL)
        KiBugCheck(0xC4, 0x1040 /* approximate */, 0, 0, 0, Site, "%s(NULL): no lookaside list", Ddi);
    KiCheckIrql(Ddi, DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    if (!Paged)
        VfCheckNonPagedObject(List, sizeof(*List), "NPAGED_LOOKASIDE_LIST", Ddi, Site);
    EXP_LOOKASIDE *R = KiHostAlloc(sizeof(*R));
    memset(R, 0, sizeof(*R));
    R->Kind = Paged ? "PAGED_LOOKASIDE_LIST" : "NPAGED_LOOKASIDE_LIST";
    R->DeleteDdi = Paged ? "ExDeletePagedLookasideList" : "ExDeleteNPagedLookasideList";
    R->Paged = Paged;
    R->CustomAllocate = Allocate != NULL;
    R->CustomFree = Free != NULL;
    R->RaiseOnFailure = (Flags & POOL_RAISE_IF_ALLOCATION_FAILURE) != 0;
    ExpInitializeLookaside((PGENERAL_LOOKASIDE_POOL)List, R, (Paged ? PagedPool : NonPagedPool) | Flags, Size, Tag,
                           Site);
    List->Allocate = Allocate;
    List->Free = Free;
}

VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                     PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag, USHORT Depth)
{
    (void)Depth; /* reserved */
    ExpInitializeClassic(Lookaside ? &Lookaside->L : NULL, Allocate, Free, Flags, Size, Tag, FALSE,
                         "ExInitializeNPagedLookasideList", KiTakeSite());
}

VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    ExpDeleteLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, "ExDeleteNPagedLookasideList", KiTakeSite());
}

PVOID ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside)
{
    return ExpAllocateFromLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, "ExAllocateFromNPagedLookasideList",
                                    KiTakeSite());
}

VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry)
{
    ExpFreeToLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, Entry, "ExFreeToNPagedLookasideList", KiTakeSite());
}

VOID ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate, PFREE_FUNCTION Free,
                                    ULONG Flags, SIZE_T Size, ULONG Tag, USHORT Depth)
{
    (void)Depth;
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("ExInitializePagedLookasideList", APC_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    ExpInitializeClassic(Lookaside ? &Lookaside->L : NULL, Allocate, Free, Flags, Size, Tag, TRUE,
                         "ExInitializePagedLookasideList", Site);
}

VOID ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside)
{
    ExpDeleteLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, "ExDeletePagedLookasideList", KiTakeSite());
}

PVOID ExAllocateFromPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside)
{
    return ExpAllocateFromLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, "ExAllocateFromPagedLookasideList",
                                    KiTakeSite());
}

VOID ExFreeToPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry)
{
    ExpFreeToLookaside((PGENERAL_LOOKASIDE_POOL)Lookaside, Entry, "ExFreeToPagedLookasideList", KiTakeSite());
}

/* ---- LOOKASIDE_LIST_EX ---- */

static BOOLEAN ExpIsLookasidePoolType(POOL_TYPE Type)
{
    switch ((int)Type) {
    case NonPagedPool:
    case PagedPool:
    case NonPagedPoolNx:
    case NonPagedPoolCacheAligned:
    case PagedPoolCacheAligned:
    case NonPagedPoolNxCacheAligned:
    case NonPagedPoolSession:
    case PagedPoolSession:
    case NonPagedPoolSessionNx:
        return TRUE;
    default:
        return FALSE;
    }
}

NTSTATUS ExInitializeLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PALLOCATE_FUNCTION_EX Allocate,
                                     PFREE_FUNCTION_EX Free, POOL_TYPE PoolType, ULONG Flags, SIZE_T Size, ULONG Tag,
                                     USHORT Depth)
{
    NTSIM_SITE Site = KiTakeSite();
    const char *Ddi = "ExInitializeLookasideListEx";
    KiCheckIrql(Ddi, DISPATCH_LEVEL, 0xC4, 0x3E /* approximate */, Site);
    if (Lookaside == NULL)
        return STATUS_INVALID_PARAMETER_1;
    if (!ExpIsLookasidePoolType(PoolType))
        return STATUS_INVALID_PARAMETER_4;
    if ((Flags & ~(EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE)) != 0 ||
        Flags == (EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE))
        return STATUS_INVALID_PARAMETER_5;
    if (Size == 0 || Size > 0xFFFFFFFFu)
        return STATUS_INVALID_PARAMETER_6;
    if (Depth != 0)
        return STATUS_INVALID_PARAMETER_8; /* reserved: must be zero */
    if (ViFaultShouldFail(NtsimFaultPool, Ddi, Tag, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    BOOLEAN Paged = (PoolType & 1) != 0 && PoolType != NonPagedPoolSessionNx;
    if (!Paged)
        VfCheckNonPagedObject(Lookaside, sizeof(*Lookaside), "LOOKASIDE_LIST_EX", Ddi, Site);
    EXP_LOOKASIDE *R = KiHostAlloc(sizeof(*R));
    memset(R, 0, sizeof(*R));
    R->Kind = "LOOKASIDE_LIST_EX";
    R->DeleteDdi = "ExDeleteLookasideListEx";
    R->Ex = TRUE;
    R->Paged = Paged;
    R->CustomAllocate = Allocate != NULL;
    R->CustomFree = Free != NULL;
    R->RaiseOnFailure = (Flags & EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL) != 0;
    ExpInitializeLookaside(&Lookaside->L, R, PoolType, Size, Tag, Site);
    Lookaside->L.AllocateEx = Allocate;
    Lookaside->L.FreeEx = Free;
    return STATUS_SUCCESS;
}

VOID ExDeleteLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    ExpDeleteLookaside(Lookaside ? &Lookaside->L : NULL, "ExDeleteLookasideListEx", KiTakeSite());
}

VOID ExFlushLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    /* nothing is cached, so there is nothing to flush: only check the list */
    ExpLookasideRecord(Lookaside ? &Lookaside->L : NULL, "ExFlushLookasideListEx", KiTakeSite());
}

PVOID ExAllocateFromLookasideListEx(PLOOKASIDE_LIST_EX Lookaside)
{
    return ExpAllocateFromLookaside(Lookaside ? &Lookaside->L : NULL, "ExAllocateFromLookasideListEx", KiTakeSite());
}

VOID ExFreeToLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PVOID Entry)
{
    ExpFreeToLookaside(Lookaside ? &Lookaside->L : NULL, Entry, "ExFreeToLookasideListEx", KiTakeSite());
}
