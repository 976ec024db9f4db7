/* slist.c - sequenced singly linked lists (SLIST_HEADER, x64 layout) and the
 * spin-lock-guarded singly linked lists (ExInterlockedPushEntryList & co.).
 *
 * The header packs the first entry's address shifted right by 4, so an entry that
 * is not 16-byte aligned would be silently corrupted on Windows; here it is a bug
 * check naming the driver line. One host mutex makes each operation atomic whatever
 * the number of simulated processors (no 128-bit compare-exchange needed). */
#include "ntsimp.h"
#include "ke/kep.h"
#include <pthread.h>

static pthread_mutex_t ExpSListLock = PTHREAD_MUTEX_INITIALIZER;

static PSLIST_ENTRY ExpFirst(PSLIST_HEADER Head)
{
    return (PSLIST_ENTRY)(ULONG_PTR)(Head->HeaderX64.NextEntry << 4);
}

static void ExpSetFirst(PSLIST_HEADER Head, PSLIST_ENTRY Entry)
{
    Head->HeaderX64.NextEntry = (ULONG_PTR)Entry >> 4;
    Head->HeaderX64.Sequence++;
}

static void ExpCheckSList(PSLIST_HEADER Head, PSLIST_ENTRY Entry, const char *Ddi, NTSIM_SITE Site)
{
    if (Head == NULL || ((ULONG_PTR)Head & 15) != 0)
        KiBugCheck(0xC4, 0x1030 /* approximate */, (ULONG_PTR)Head, 0, 0, Site,
                   "%s(%p): the SLIST_HEADER is NULL or not 16-byte aligned", Ddi, (void *)Head);
    if (Entry != NULL && ((ULONG_PTR)Entry & 15) != 0)
        KiBugCheck(0xC4, 0x1031 /* approximate */, (ULONG_PTR)Head, (ULONG_PTR)Entry, 0, Site,
                   "%s(%p, %p): the SLIST_ENTRY is not 16-byte aligned (MEMORY_ALLOCATION_ALIGNMENT)", Ddi,
                   (void *)Head, (void *)Entry);
}

VOID InitializeSListHead(PSLIST_HEADER SListHead)
{
    ExpCheckSList(SListHead, NULL, "InitializeSListHead", KiTakeSite());
    SListHead->Alignment = 0;
    SListHead->Region = 0;
}

static PSLIST_ENTRY ExpPushSList(PSLIST_HEADER Head, PSLIST_ENTRY Entry, const char *Ddi, NTSIM_SITE Site)
{
    ExpCheckSList(Head, Entry, Ddi, Site);
    if (Entry == NULL)
        KiBugCheck(0xC4, 0x1031 /* approximate */, (ULONG_PTR)Head, 0, 0, Site, "%s(%p, NULL): no entry", Ddi,
                   (void *)Head);
    pthread_mutex_lock(&ExpSListLock);
    PSLIST_ENTRY First = ExpFirst(Head);
    Entry->Next = First;
    ExpSetFirst(Head, Entry);
    Head->HeaderX64.Depth++;
    pthread_mutex_unlock(&ExpSListLock);
    return First;
}

static PSLIST_ENTRY ExpPopSList(PSLIST_HEADER Head, const char *Ddi, NTSIM_SITE Site)
{
    ExpCheckSList(Head, NULL, Ddi, Site);
    pthread_mutex_lock(&ExpSListLock);
    PSLIST_ENTRY First = ExpFirst(Head);
    if (First != NULL) {
        ExpSetFirst(Head, First->Next);
        Head->HeaderX64.Depth--;
    }
    pthread_mutex_unlock(&ExpSListLock);
    return First;
}

static PSLIST_ENTRY ExpFlushSList(PSLIST_HEADER Head, const char *Ddi, NTSIM_SITE Site)
{
    ExpCheckSList(Head, NULL, Ddi, Site);
    pthread_mutex_lock(&ExpSListLock);
    PSLIST_ENTRY First = ExpFirst(Head);
    if (First != NULL) {
        ExpSetFirst(Head, NULL);
        Head->HeaderX64.Depth = 0;
    }
    pthread_mutex_unlock(&ExpSListLock);
    return First;
}

PSLIST_ENTRY InterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry)
{
    return ExpPushSList(ListHead, ListEntry, "InterlockedPushEntrySList", KiTakeSite());
}

PSLIST_ENTRY InterlockedPopEntrySList(PSLIST_HEADER ListHead)
{
    return ExpPopSList(ListHead, "InterlockedPopEntrySList", KiTakeSite());
}

PSLIST_ENTRY InterlockedFlushSList(PSLIST_HEADER ListHead)
{
    return ExpFlushSList(ListHead, "InterlockedFlushSList", KiTakeSite());
}

PSLIST_ENTRY ExInterlockedPushEntrySList(PSLIST_HEADER ListHead, PSLIST_ENTRY ListEntry, PKSPIN_LOCK Lock)
{
    (void)Lock; /* unused on x64, as documented */
    return ExpPushSList(ListHead, ListEntry, "ExInterlockedPushEntrySList", KiTakeSite());
}

PSLIST_ENTRY ExInterlockedPopEntrySList(PSLIST_HEADER ListHead, PKSPIN_LOCK Lock)
{
    (void)Lock;
    return ExpPopSList(ListHead, "ExInterlockedPopEntrySList", KiTakeSite());
}

PSLIST_ENTRY ExInterlockedFlushSList(PSLIST_HEADER ListHead)
{
    return ExpFlushSList(ListHead, "ExInterlockedFlushSList", KiTakeSite());
}

USHORT ExQueryDepthSList(PSLIST_HEADER SListHead)
{
    ExpCheckSList(SListHead, NULL, "ExQueryDepthSList", KiTakeSite());
    return (USHORT)SListHead->HeaderX64.Depth;
}

/* ---- singly linked lists guarded by a driver's spin lock ---- */

/* Any IRQL, as documented: the lock is taken as the doubly linked ones take it
 * (sim/ke/spinlock.c), so a lock misuse still names the driver's line. */
PSINGLE_LIST_ENTRY ExInterlockedPushEntryList(PSINGLE_LIST_ENTRY ListHead, PSINGLE_LIST_ENTRY ListEntry,
                                              PKSPIN_LOCK Lock)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiAcquireInterlockedListLock(Lock, "ExInterlockedPushEntryList", Site);
    PSINGLE_LIST_ENTRY First = ListHead->Next;
    PushEntryList(ListHead, ListEntry);
    KiReleaseInterlockedListLock(Lock, Old, "ExInterlockedPushEntryList", Site);
    return First;
}

PSINGLE_LIST_ENTRY ExInterlockedPopEntryList(PSINGLE_LIST_ENTRY ListHead, PKSPIN_LOCK Lock)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Old = KiAcquireInterlockedListLock(Lock, "ExInterlockedPopEntryList", Site);
    PSINGLE_LIST_ENTRY Entry = PopEntryList(ListHead);
    KiReleaseInterlockedListLock(Lock, Old, "ExInterlockedPopEntryList", Site);
    return Entry;
}
