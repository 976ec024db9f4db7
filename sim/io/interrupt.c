/* interrupt.c - interrupt objects: IoConnectInterrupt, IoDisconnectInterrupt,
 * KeSynchronizeExecution, KeAcquireInterruptSpinLock/KeReleaseInterruptSpinLock,
 * and the ISR chain the HAL's interrupt controller runs (sim/hal/pic.c).
 *
 * A KINTERRUPT is the simulator's (drivers only hold the pointer). It is a tracked
 * resource of the connecting driver: still connected after a failed DriverEntry or
 * after Unload is a leak (FL-01 / IO-04) and is disconnected by the audit.
 * IoConnectInterrupt checks the vector against the driver's claims (HW-01) and,
 * with the machine's spurious_irq option, delivers one spurious interrupt as soon
 * as the object is connected (HW-04): every ISR on the vector must return FALSE. */
#include "io/iop.h"
#include "hal/halp.h"
#include "trace/trace.h"

void KiRememberLock(PKSPIN_LOCK Lock);              /* sim/ke/spinlock.c (SY-01) */
void KiForgetLocksIn(const void *Base, size_t Size);

#define IOP_INTERRUPT_MAGIC 0x72746E49u /* "Intr" */

typedef struct _KINTERRUPT {
    ULONG Magic;
    PKSERVICE_ROUTINE ServiceRoutine;
    PVOID ServiceContext;
    PKSPIN_LOCK ActualLock;
    KSPIN_LOCK SpinLock;
    ULONG Vector;
    ULONG Line;
    KIRQL Irql;
    KIRQL SynchronizeIrql;
    KINTERRUPT_MODE Mode;
    BOOLEAN ShareVector;
    PDRIVER_OBJECT Owner;
    LIST_ENTRY LineLink;
    NTSIM_TRACK Track;
} KINTERRUPT;

static LIST_ENTRY IopLines[HALP_IRQ_LINES];
static BOOLEAN IopLinesReady;
BOOLEAN IopSpuriousAfterConnect;

static void IopInitLines(void)
{
    if (IopLinesReady)
        return;
    for (unsigned i = 0; i < HALP_IRQ_LINES; i++)
        InitializeListHead(&IopLines[i]);
    IopLinesReady = TRUE;
}

static PKINTERRUPT IopCheckInterrupt(PKINTERRUPT Interrupt, const char *Ddi, NTSIM_SITE Site)
{
    if (Interrupt == NULL || Interrupt->Magic != IOP_INTERRUPT_MAGIC)
        KiBugCheck(0xC4, 0x1040 /* approximate */, (ULONG_PTR)Interrupt, 0, 0, Site,
                   "%s(%p): not a connected interrupt object", Ddi, (void *)Interrupt);
    return Interrupt;
}

static void IopUpdateLine(ULONG Line)
{
    if (IsListEmpty(&IopLines[Line])) {
        HalpSetLineMode(Line, FALSE, Latched);
        return;
    }
    PKINTERRUPT First = CONTAINING_RECORD(IopLines[Line].Flink, KINTERRUPT, LineLink);
    HalpSetLineMode(Line, TRUE, First->Mode);
}

NTSTATUS IoConnectInterrupt(PKINTERRUPT *InterruptObject, PKSERVICE_ROUTINE ServiceRoutine, PVOID ServiceContext,
                            PKSPIN_LOCK SpinLock, ULONG Vector, KIRQL Irql, KIRQL SynchronizeIrql,
                            KINTERRUPT_MODE InterruptMode, BOOLEAN ShareVector, KAFFINITY ProcessorEnableMask,
                            BOOLEAN FloatingSave)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)FloatingSave;
    IopInitLines();
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    if (InterruptObject == NULL || ServiceRoutine == NULL)
        return STATUS_INVALID_PARAMETER;
    *InterruptObject = NULL;
    if (KiCurrentIrql() > PASSIVE_LEVEL)
        KiBugCheck(0xC4, 0x1041 /* approximate */, KiCurrentIrql(), 0, 0, Site,
                   "IoConnectInterrupt at IRQL %u (must be PASSIVE_LEVEL)", KiCurrentIrql());
    ULONG Line;
    if (!HalpVectorToLine(Vector, &Line)) {
        VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
                 "IoConnectInterrupt(Vector=0x%X): not a vector HalGetInterruptVector hands out (pass the translated "
                 "vector, e.g. 0x%X for bus IRQ %u)",
                 Vector, HalpLineToVector(Vector < HALP_IRQ_LINES ? Vector : 0), Vector < HALP_IRQ_LINES ? Vector : 0);
        return STATUS_INVALID_PARAMETER;
    }
    if (Irql != HalpLineToIrql(Line) || SynchronizeIrql < Irql || (ProcessorEnableMask & 1) == 0) {
        VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
                 "IoConnectInterrupt(Vector=0x%X, Irql=%u, SynchronizeIrql=%u, Affinity=0x%llx): use the IRQL and "
                 "affinity HalGetInterruptVector returned (IRQL %u, affinity 0x1) and SynchronizeIrql >= Irql",
                 Vector, Irql, SynchronizeIrql, (unsigned long long)ProcessorEnableMask, HalpLineToIrql(Line));
        return STATUS_INVALID_PARAMETER;
    }
    if (Driver && !IopDriverClaimsInterrupt(Driver, Line))
        VfReport("HW-01", NTSIM_SEV_ERROR, Driver, Site,
                 "IoConnectInterrupt(Vector=0x%X) for bus interrupt %u, which %s has not claimed "
                 "(IoReportResourceUsage/IoAssignResources first)",
                 Vector, Line, VfDriverName(Driver));
    if (!IsListEmpty(&IopLines[Line])) {
        PKINTERRUPT First = CONTAINING_RECORD(IopLines[Line].Flink, KINTERRUPT, LineLink);
        if (!ShareVector || !First->ShareVector || First->Mode != InterruptMode)
            return STATUS_INVALID_PARAMETER; /* in use and not shareable */
    }
    if (ViFaultShouldFail(NtsimFaultInterrupt, "IoConnectInterrupt", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    PKINTERRUPT Interrupt = KiHostAlloc(sizeof(KINTERRUPT));
    memset(Interrupt, 0, sizeof(*Interrupt));
    Interrupt->Magic = IOP_INTERRUPT_MAGIC;
    Interrupt->ServiceRoutine = ServiceRoutine;
    Interrupt->ServiceContext = ServiceContext;
    Interrupt->ActualLock = SpinLock ? SpinLock : &Interrupt->SpinLock;
    KiRememberLock(&Interrupt->SpinLock); /* the interrupt's own lock, initialised here (SY-01) */
    Interrupt->Vector = Vector;
    Interrupt->Line = Line;
    Interrupt->Irql = Irql;
    Interrupt->SynchronizeIrql = SynchronizeIrql;
    Interrupt->Mode = InterruptMode;
    Interrupt->ShareVector = ShareVector;
    Interrupt->Owner = Driver;
    InsertTailList(&IopLines[Line], &Interrupt->LineLink);
    VfTrack(&Interrupt->Track, NtsimResInterrupt, Site);
    IopUpdateLine(Line);
    *InterruptObject = Interrupt;
    /* From here on the ISR may run (seed 002): at the next safe point, which is now. */
    if (IopSpuriousAfterConnect)
        HalpRequestSpuriousInterrupt(Line);
    HalpDeliverPendingInterrupts();
    return STATUS_SUCCESS;
}

static void IopDisconnect(PKINTERRUPT Interrupt)
{
    RemoveEntryList(&Interrupt->LineLink);
    IopUpdateLine(Interrupt->Line);
    VfUntrack(&Interrupt->Track);
    Interrupt->Magic = 0;
    KiForgetLocksIn(Interrupt, sizeof(*Interrupt));
    free(Interrupt);
}

VOID IoDisconnectInterrupt(PKINTERRUPT InterruptObject)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckInterrupt(InterruptObject, "IoDisconnectInterrupt", Site);
    if (KiCurrentIrql() > PASSIVE_LEVEL)
        KiBugCheck(0xC4, 0x1042 /* approximate */, KiCurrentIrql(), 0, 0, Site,
                   "IoDisconnectInterrupt at IRQL %u (must be PASSIVE_LEVEL)", KiCurrentIrql());
    IopDisconnect(InterruptObject);
}

/* IoDeleteDevice of a device in which a connected interrupt keeps its ISR context (the
 * device object or its extension): the next interrupt runs the ISR on a freed
 * extension (i8042prt deletes its FDO on REMOVE without IoDisconnectInterrupt, and the
 * next key faults in its ISR). Reported at the deletion, naming the connecting line;
 * the interrupt stays connected, as on Windows. */
void IopCheckInterruptsInDevice(PDEVICE_OBJECT Device, const char *Rule, NTSIM_SITE Site)
{
    if (!IopLinesReady)
        return;
    const char *Extension = Device->DeviceExtension;
    size_t ExtensionSize = Device->Size > sizeof(DEVICE_OBJECT) ? Device->Size - sizeof(DEVICE_OBJECT) : 0;
    for (unsigned Line = 0; Line < HALP_IRQ_LINES; Line++) {
        for (PLIST_ENTRY E = IopLines[Line].Flink; E != &IopLines[Line]; E = E->Flink) {
            PKINTERRUPT Interrupt = CONTAINING_RECORD(E, KINTERRUPT, LineLink);
            const char *Context = Interrupt->ServiceContext;
            BOOLEAN InExtension = Extension && Context >= Extension && Context < Extension + ExtensionSize;
            if (Context != (const char *)Device && !InExtension)
                continue;
            char Where[256];
            KiFormatSite(Interrupt->Track.Site, Where, sizeof(Where));
            VfReport(Rule, NTSIM_SEV_ERROR, Device->DriverObject, Site,
                     "IoDeleteDevice(%p) while the interrupt connected at %s (vector 0x%lX) keeps its ISR context "
                     "in that device%s: the next interrupt runs the ISR on freed memory (IoDisconnectInterrupt first)",
                     (void *)Device, Where[0] ? Where : "?", (unsigned long)Interrupt->Vector,
                     InExtension ? "'s extension" : "");
        }
    }
}

void IopDescribeInterrupt(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    PKINTERRUPT Interrupt = CONTAINING_RECORD(Track, KINTERRUPT, Track);
    snprintf(Buffer, Size, "interrupt connected to vector 0x%X (bus interrupt %u, IRQL %u)", Interrupt->Vector,
             Interrupt->Line, Interrupt->Irql);
}

void IopReclaimInterrupt(NTSIM_TRACK *Track)
{
    IopDisconnect(CONTAINING_RECORD(Track, KINTERRUPT, Track));
}

void IopResetInterrupts(void)
{
    IopLinesReady = FALSE;
    IopInitLines();
}

/* Called by the HAL at the line's DIRQL. Shared vectors: ISRs in connection order
 * until one returns TRUE. Each runs as its driver, holding its interrupt's lock. */
BOOLEAN IopDispatchInterrupt(ULONG Line, BOOLEAN Spurious)
{
    if (Line >= HALP_IRQ_LINES || !IopLinesReady)
        return FALSE;
    if (TrEnabled)
        TrInterrupt(Line, Spurious);
    for (PLIST_ENTRY E = IopLines[Line].Flink; E != &IopLines[Line];) {
        PKINTERRUPT Interrupt = CONTAINING_RECORD(E, KINTERRUPT, LineLink);
        E = E->Flink; /* an ISR cannot disconnect (PASSIVE_LEVEL only), but stay safe */
        if (Interrupt->Owner && IopDriver(Interrupt->Owner)->Unloaded) {
            VfReport("FL-07", NTSIM_SEV_ERROR, Interrupt->Owner, Interrupt->Track.Site,
                     "interrupt on vector 0x%X for an unloaded driver: its ISR is not called", Interrupt->Vector);
            continue;
        }
        KIRQL Raised = KiCurrentIrql();
        KIRQL Entered = Interrupt->SynchronizeIrql > Raised ? Interrupt->SynchronizeIrql : Raised;
        KiSetIrql(Entered);
        ULONG HeldBefore = KiCurrentThread()->HeldCount;
        KeAcquireSpinLockAtDpcLevel(Interrupt->ActualLock);
        BOOLEAN Claimed;
        if (TrEnabled)
            TrRoutine(TrIsrBegin, VfDriverName(Interrupt->Owner), Line);
        KI_DISPATCH_RUN Outer = KiWatchdogEnterDispatch((PVOID)Interrupt->ServiceRoutine, TRUE);
        IOP_CALL_DRIVER(Interrupt->Owner, Claimed = Interrupt->ServiceRoutine(Interrupt, Interrupt->ServiceContext));
        KiWatchdogSetDispatch(&Outer);
        if (TrEnabled)
            TrRoutine(TrIsrEnd, VfDriverName(Interrupt->Owner), Claimed);
        if (KiMachineCrashed())
            return TRUE;
        KeReleaseSpinLockFromDpcLevel(Interrupt->ActualLock);
        KiCheckLocksAcquiredSince(Interrupt->Owner, "ISR", Interrupt->Track.Site, HeldBefore);
        if (KiCurrentIrql() != Entered)
            VfReport("SY-04", NTSIM_SEV_ERROR, Interrupt->Owner, Interrupt->Track.Site,
                     "the ISR for vector 0x%X returned at IRQL %u (entered at %u)", Interrupt->Vector,
                     KiCurrentIrql(), Entered);
        KiSetIrql(Raised);
        if (Spurious && Claimed)
            VfReport("HW-04", NTSIM_SEV_ERROR, Interrupt->Owner, Interrupt->Track.Site,
                     "the ISR for vector 0x%X returned TRUE for a spurious interrupt (delivered right after "
                     "IoConnectInterrupt, the device had nothing pending): an ISR must check its device and return "
                     "FALSE",
                     Interrupt->Vector);
        if (Claimed && !Spurious)
            return TRUE;
    }
    return FALSE;
}

/* TM-01: the line stayed asserted through Count claims in a row: the ISR says the
 * interrupt was its device's but never quiets the device. HARDWARE_INTERRUPT_STORM
 * (0xF2): P1 the ISR, P2 its context, P3 the interrupt object, P4 1 alone, 2 chained. */
void IopInterruptStorm(ULONG Line, ULONG Count)
{
    if (Line >= HALP_IRQ_LINES || IsListEmpty(&IopLines[Line]))
        return;
    PKINTERRUPT First = CONTAINING_RECORD(IopLines[Line].Flink, KINTERRUPT, LineLink);
    BOOLEAN Chained = IopLines[Line].Flink->Flink != &IopLines[Line];
    NTSIM_SITE Site = KiSiteOfCode((PVOID)First->ServiceRoutine);
    char Isr[640];
    KiDescribeCode((PVOID)First->ServiceRoutine, Isr, sizeof(Isr));
    PDRIVER_OBJECT Saved = VfSetCurrentDriver(First->Owner);
    VfReport("TM-01", NTSIM_SEV_ERROR, First->Owner, Site,
             "interrupt storm on vector 0x%X (bus interrupt %u): the ISR %s returned TRUE %lu times in a row while the "
             "level-sensitive line stayed asserted; an ISR that claims an interrupt must make its device deassert it",
             First->Vector, Line, Isr, (unsigned long)Count);
    KiBugCheck(0xF2, (ULONG_PTR)First->ServiceRoutine, (ULONG_PTR)First->ServiceContext, (ULONG_PTR)First,
               Chained ? 2 : 1, Site,
               "HARDWARE_INTERRUPT_STORM: the ISR %s claimed vector 0x%X %lu times in a row but never acknowledged "
               "its device (the level-sensitive line stays asserted)", Isr, First->Vector, (unsigned long)Count);
    VfSetCurrentDriver(Saved);
}

BOOLEAN KeSynchronizeExecution(PKINTERRUPT Interrupt, PKSYNCHRONIZE_ROUTINE SynchronizeRoutine,
                               PVOID SynchronizeContext)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckInterrupt(Interrupt, "KeSynchronizeExecution", Site);
    KIRQL Old = KiCurrentIrql();
    if (Old > Interrupt->SynchronizeIrql)
        KiBugCheck(0xC4, 0x1043 /* approximate */, Old, Interrupt->SynchronizeIrql, 0, Site,
                   "KeSynchronizeExecution at IRQL %u, above the interrupt's SynchronizeIrql %u", Old,
                   Interrupt->SynchronizeIrql);
    KiSetIrql(Interrupt->SynchronizeIrql);
    KeAcquireSpinLockAtDpcLevel(Interrupt->ActualLock);
    BOOLEAN Result = SynchronizeRoutine(SynchronizeContext);
    KeReleaseSpinLockFromDpcLevel(Interrupt->ActualLock);
    KiLowerIrqlTo(Old);
    return Result;
}

KIRQL KeAcquireInterruptSpinLock(PKINTERRUPT Interrupt)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckInterrupt(Interrupt, "KeAcquireInterruptSpinLock", Site);
    KIRQL Old = KiCurrentIrql();
    if (Old > Interrupt->SynchronizeIrql)
        KiBugCheck(0xC4, 0x1044 /* approximate */, Old, Interrupt->SynchronizeIrql, 0, Site,
                   "KeAcquireInterruptSpinLock at IRQL %u, above the interrupt's SynchronizeIrql %u", Old,
                   Interrupt->SynchronizeIrql);
    KiSetIrql(Interrupt->SynchronizeIrql);
    KeAcquireSpinLockAtDpcLevel(Interrupt->ActualLock);
    return Old;
}

VOID KeReleaseInterruptSpinLock(PKINTERRUPT Interrupt, KIRQL OldIrql)
{
    NTSIM_SITE Site = KiTakeSite();
    IopCheckInterrupt(Interrupt, "KeReleaseInterruptSpinLock", Site);
    KeReleaseSpinLockFromDpcLevel(Interrupt->ActualLock);
    if (OldIrql > KiCurrentIrql())
        KiBugCheck(0xC4, 0x31, KiCurrentIrql(), OldIrql, 0, Site,
                   "KeReleaseInterruptSpinLock to IRQL %u above the current %u", OldIrql, KiCurrentIrql());
    KiLowerIrqlTo(OldIrql);
}
