/* irql.c - the IRQL of the simulated processors and the routines that change it.
 *
 * One KPRCB per simulated processor (ntsim_machine_config.cpus, default 1). Threads
 * take turns on the machine (sched.c), so "the current processor" is the one the
 * running thread is assigned to. Lowering the IRQL is a safe point: DPCs run when it
 * drops below DISPATCH_LEVEL, and the HAL delivers pending device interrupts whose
 * DIRQL is now above it. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

typedef struct _KPRCB {
    KIRQL Irql;
} KPRCB;

#define KI_MAX_CPUS 64
static KPRCB KiProcessorBlock[KI_MAX_CPUS];
static unsigned KiProcessors = 1;

/* Weak stand-in until the HAL provides the real one (sim/hal). */
__attribute__((weak)) void HalpDeliverPendingInterrupts(void)
{
}

/* Threads take turns, so the running thread's processor is one global, switched
 * when a thread resumes (KiSetCurrentProcessor): no TLS on the IRQL fast path. */
static KPRCB *KiPrcb = &KiProcessorBlock[0];

static inline KPRCB *KiCurrentPrcb(void)
{
    return KiPrcb;
}

void KiSetCurrentProcessor(ULONG Cpu)
{
    KiPrcb = &KiProcessorBlock[Cpu < KiProcessors ? Cpu : 0];
}

void KiInitializeProcessors(unsigned Count)
{
    if (Count == 0)
        Count = 1;
    if (Count > KI_MAX_CPUS)
        Count = KI_MAX_CPUS;
    KiProcessors = Count;
    memset(KiProcessorBlock, 0, sizeof(KiProcessorBlock));
    KiPrcb = &KiProcessorBlock[0];
}

unsigned KiProcessorCount(void)
{
    return KiProcessors;
}

KIRQL KiCurrentIrql(void)
{
    return KiCurrentPrcb()->Irql;
}

void KiSetIrql(KIRQL Irql)
{
    if (TrEnabled && KiCurrentPrcb()->Irql != Irql)
        TrIrql(Irql);
    KiCurrentPrcb()->Irql = Irql;
}

void KiResetIrql(void)
{
    KiSetIrql(PASSIVE_LEVEL);
}

void KiLowerIrqlTo(KIRQL Irql)
{
    KiSetIrql(Irql);
    if (Irql < DISPATCH_LEVEL && KiDpcPending)
        KiDrainDpcs();
    HalpDeliverPendingInterrupts();
}

void KiIrqlTooHigh(const char *Ddi, KIRQL Max, ULONG Code, ULONG_PTR P1, NTSIM_SITE Site)
{
    KIRQL Irql = KiCurrentIrql();
    VfReport("SY-04", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s called at IRQL %u (allowed: <= %u)", Ddi, Irql,
             Max);
    if (Code == 0xC4)
        KiBugCheck(0xC4, P1, Irql, Max, 0, Site, "%s called at IRQL %u; it must be called at IRQL <= %u", Ddi, Irql,
                   Max);
    KiBugCheck(Code, P1, Irql, 0, 0, Site, "%s called at IRQL %u; it must be called at IRQL <= %u", Ddi, Irql, Max);
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
    if (NewIrql > HIGH_LEVEL)
        KiBugCheck(0xC4, 0x30, Current, NewIrql, 0, Site, "KeRaiseIrql to %u: not an IRQL", NewIrql);
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
    KiLowerIrqlTo(NewIrql);
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

ULONG KeGetCurrentProcessorNumber(VOID)
{
    KI_THREAD *T = KiSelf;
    return T ? T->Cpu : 0;
}

ULONG KeQueryActiveProcessorCount(PKAFFINITY ActiveProcessors)
{
    if (ActiveProcessors)
        *ActiveProcessors = KiProcessors >= 64 ? ~(KAFFINITY)0 : (((KAFFINITY)1 << KiProcessors) - 1);
    return KiProcessors;
}
