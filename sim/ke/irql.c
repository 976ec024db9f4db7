/* irql.c - the IRQL of the simulated processor and the routines that change it.
 * One processor for now (DESIGN.md section 3); the state sits in a per-CPU block so
 * that N processors only add an index. */
#include "ntsimp.h"
#include "ke/kep.h"

typedef struct _KPRCB {
    KIRQL Irql;
} KPRCB;

static KPRCB KiProcessorBlock[1];

static KPRCB *KiCurrentPrcb(void)
{
    return &KiProcessorBlock[0];
}

KIRQL KiCurrentIrql(void)
{
    return KiCurrentPrcb()->Irql;
}

void KiSetIrql(KIRQL Irql)
{
    KiCurrentPrcb()->Irql = Irql;
}

void KiResetIrql(void)
{
    KiSetIrql(PASSIVE_LEVEL);
}

KIRQL KeGetCurrentIrql(VOID)
{
    KiTakeSite();
    return KiCurrentIrql();
}

VOID KeRaiseIrql(KIRQL NewIrql, PKIRQL OldIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Current = KiCurrentIrql();
    if (NewIrql < Current)
        KiBugCheck(0x9, Current, NewIrql, 0, 0, Site, "KeRaiseIrql to %u while at IRQL %u (IRQL_NOT_GREATER_OR_EQUAL)",
                   NewIrql, Current);
    *OldIrql = Current;
    KiSetIrql(NewIrql);
}

VOID KeLowerIrql(KIRQL NewIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    KIRQL Current = KiCurrentIrql();
    if (NewIrql > Current)
        KiBugCheck(0xC4, 0x31, Current, NewIrql, 0, Site, "KeLowerIrql to %u while at IRQL %u: that is a raise",
                   NewIrql, Current);
    KiSetIrql(NewIrql);
}

KIRQL KeRaiseIrqlToDpcLevel(VOID)
{
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    return Old;
}

KIRQL KeRaiseIrqlToSynchLevel(VOID)
{
    KIRQL Old;
    KeRaiseIrql(SYNCH_LEVEL, &Old);
    return Old;
}

VOID NtsimPagedCodeCheck(const char *File, int Line)
{
    KIRQL Irql = KiCurrentIrql();
    if (Irql > APC_LEVEL) {
        NTSIM_SITE Site = { File, Line };
        KiBugCheck(0xD1, 0, Irql, 0, 0, Site, "PAGED_CODE() reached at IRQL %u: pageable code must run at or below APC_LEVEL",
                   Irql);
    }
}

/* ---- threads: PARTIAL until the scheduler lands (issue 3): one thread object ---- */
static struct { ULONG Dummy[64]; } KiInitialThread;

PETHREAD PsGetCurrentThread(VOID)
{
    return (PETHREAD)&KiInitialThread;
}

PKTHREAD KeGetCurrentThread(VOID)
{
    return (PKTHREAD)&KiInitialThread;
}

ULONG KeGetCurrentProcessorNumber(VOID)
{
    return 0;
}

ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    if (ActiveProcessors)
        *ActiveProcessors = 1;
    return 1;
}
