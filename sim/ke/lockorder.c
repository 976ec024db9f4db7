/* lockorder.c - the locks each thread holds, and lock-order (deadlock) detection.
 *
 * Every acquisition of a spin lock, fast mutex, mutex or ERESOURCE (exclusive) is
 * recorded for the acquiring thread with the driver line. Acquiring B while holding
 * A records the order A -> B; if B -> A was ever seen (by any thread), the two locks
 * can deadlock: that is reported (Driver Verifier's deadlock detection, 0xC4/0x1001)
 * at once, even though this run did not deadlock. An actual deadlock (both orders
 * in flight at once) shows up as a hang instead, with both wait chains. */
#include "ntsimp.h"
#include "ke/kep.h"

typedef struct _KI_LOCK_EDGE {
    PVOID From, To;
    const char *FromKind, *ToKind;
    NTSIM_SITE FromSite, ToSite;
    PDRIVER_OBJECT Owner;
    ULONG Thread;
} KI_LOCK_EDGE;

static KI_LOCK_EDGE *KiEdges;
static size_t KiEdgeCount, KiEdgeCapacity;

static KI_LOCK_EDGE *KiFindEdge(PVOID From, PVOID To)
{
    for (size_t i = 0; i < KiEdgeCount; i++)
        if (KiEdges[i].From == From && KiEdges[i].To == To)
            return &KiEdges[i];
    return NULL;
}

void KiLockAcquired(PVOID Lock, const char *Kind, NTSIM_SITE Site)
{
    KI_THREAD *T = KiCurrentThread();
    for (ULONG i = 0; i < T->HeldCount; i++) {
        KI_HELD_LOCK *H = &T->Held[i];
        if (H->Lock == Lock)
            continue;
        KI_LOCK_EDGE *Reverse = KiFindEdge(Lock, H->Lock);
        if (Reverse) {
            char Here[128], HeldAt[128], There[128], ThereHeld[128];
            KiFormatSite(Site, Here, sizeof(Here));
            KiFormatSite(H->Site, HeldAt, sizeof(HeldAt));
            KiFormatSite(Reverse->ToSite, There, sizeof(There));
            KiFormatSite(Reverse->FromSite, ThereHeld, sizeof(ThereHeld));
            char *Text = KiHostPrintf(
                "lock order inversion: thread %u acquires %s %p at %s while holding %s %p (acquired at %s), but "
                "thread %u acquired %s %p at %s while holding %s %p (acquired at %s): the two orders can deadlock",
                T->Id, Kind, Lock, Here[0] ? Here : "?", H->Kind, H->Lock, HeldAt[0] ? HeldAt : "?", Reverse->Thread,
                Reverse->ToKind, Reverse->To, There[0] ? There : "?", Reverse->FromKind, Reverse->From,
                ThereHeld[0] ? ThereHeld : "?");
            VfReport("DEADLOCK", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s", Text);
            char Copy[1024];
            snprintf(Copy, sizeof(Copy), "%s", Text);
            free(Text);
            KiBugCheck(0xC4, 0x1001, (ULONG_PTR)Lock, (ULONG_PTR)H->Lock, 0, Site, "%s", Copy);
        }
        if (!KiFindEdge(H->Lock, Lock)) {
            if (KiEdgeCount == KiEdgeCapacity) {
                KiEdgeCapacity = KiEdgeCapacity ? KiEdgeCapacity * 2 : 32;
                KiEdges = KiHostRealloc(KiEdges, KiEdgeCapacity * sizeof(*KiEdges));
            }
            KiEdges[KiEdgeCount++] = (KI_LOCK_EDGE){ H->Lock, Lock, H->Kind, Kind, H->Site, Site, VfCurrentDriver(),
                                                     T->Id };
        }
    }
    if (T->HeldCount < KI_MAX_HELD_LOCKS)
        T->Held[T->HeldCount++] = (KI_HELD_LOCK){ Lock, Kind, Site, VfCurrentDriver() };
}

BOOLEAN KiLockReleased(PVOID Lock)
{
    KI_THREAD *T = KiCurrentThread();
    for (ULONG i = T->HeldCount; i-- > 0;) {
        if (T->Held[i].Lock == Lock) {
            memmove(&T->Held[i], &T->Held[i + 1], (T->HeldCount - i - 1) * sizeof(T->Held[0]));
            T->HeldCount--;
            return TRUE;
        }
    }
    return FALSE;
}

BOOLEAN KiLockHeldByCurrent(PVOID Lock)
{
    KI_THREAD *T = KiCurrentThread();
    for (ULONG i = 0; i < T->HeldCount; i++)
        if (T->Held[i].Lock == Lock)
            return TRUE;
    return FALSE;
}

void KiCheckLocksAtReturn(PDRIVER_OBJECT Driver, const char *What, NTSIM_SITE Site)
{
    KiCheckLocksAcquiredSince(Driver, What, Site, 0);
}

/* ISRs and DPCs borrow whatever thread they interrupted: only the locks taken since
 * the routine was entered (index Since on) are the routine's. */
void KiCheckLocksAcquiredSince(PDRIVER_OBJECT Driver, const char *What, NTSIM_SITE Site, ULONG Since)
{
    (void)Site; /* the lock's own acquisition site names the driver line */
    KI_THREAD *T = KiCurrentThread();
    for (ULONG i = Since; i < T->HeldCount; i++) {
        KI_HELD_LOCK *H = &T->Held[i];
        if (H->Owner != Driver || strcmp(H->Kind, "mutex") == 0)
            continue;
        char At[128];
        KiFormatSite(H->Site, At, sizeof(At));
        VfReport("SY-04", NTSIM_SEV_ERROR, Driver, H->Site, "%s of '%s' returned holding %s %p (acquired at %s)", What,
                 Driver ? VfDriverName(Driver) : "?", H->Kind, H->Lock, At[0] ? At : "?");
        KiBugCheck(0xC4, 0x1009 /* ntsim: lock held at routine return */, (ULONG_PTR)H->Lock, KiCurrentIrql(), 0,
                   H->Site, "%s of '%s' returned still holding %s %p acquired at %s", What,
                   Driver ? VfDriverName(Driver) : "?", H->Kind, H->Lock, At[0] ? At : "?");
    }
}

void KiForgetLockOrder(PDRIVER_OBJECT Driver)
{
    size_t Kept = 0;
    for (size_t i = 0; i < KiEdgeCount; i++)
        if (KiEdges[i].Owner != Driver)
            KiEdges[Kept++] = KiEdges[i];
    KiEdgeCount = Kept;
}

void KiResetLockOrder(void)
{
    free(KiEdges);
    KiEdges = NULL;
    KiEdgeCount = KiEdgeCapacity = 0;
}
