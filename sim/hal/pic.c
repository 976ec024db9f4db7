/* pic.c - the interrupt controller: lines marked pending by the bus, delivered at
 * safe points (DESIGN.md section 3).
 *
 * The bus listener only records: a rising level or a pulse latches the line's
 * request bit (ISA "Latched", edge-triggered like an 8259); a line connected as
 * LevelSensitive requests for as long as its level is high. Nothing runs in the
 * listener, because it is called from inside device models.
 *
 * HalpDeliverPendingInterrupts() is the safe point (every port access, IRQL
 * lowering, DDI entry, and after every event when the host runs the machine). It
 * picks the requesting line with the highest DIRQL above the current IRQL, clears a
 * latched request, raises to the DIRQL, runs the ISR chain (sim/io/interrupt.c,
 * which holds the interrupt spin lock), lowers back, and repeats. A line is not
 * re-entered while its ISRs run; a higher line can preempt (nesting by IRQL).
 * A level-sensitive line that stays high with no ISR claiming it is masked after
 * 1000 unclaimed deliveries in a row and reported (an interrupt storm). */
#include "hal/halp.h"

static uint64_t HalpRequest;    /* latched requests */
static uint64_t HalpLevel;      /* current line levels */
static uint64_t HalpLevelMode;  /* lines connected LevelSensitive */
static uint64_t HalpConnected;  /* lines with at least one interrupt object */
static uint64_t HalpSpurious;   /* HW-04 requests */
static uint64_t HalpInService;
static uint64_t HalpMasked;     /* storms */
static unsigned HalpUnclaimed[HALP_IRQ_LINES];
static unsigned HalpClaimedHigh[HALP_IRQ_LINES]; /* claims in a row while the line never dropped */
uint64_t HalpInterruptsDelivered;
HALP_IO_CALLBACKS HalpIo; /* registered by the I/O manager (IopRegisterHalCallbacks) */

#define HALP_BIT(Line) (1ull << (Line))
#define HALP_STORM_LIMIT 1000u

static void HalpIrqListener(void *Opaque, unsigned Line, int Level, int Edge)
{
    (void)Opaque;
    if (Line >= HALP_IRQ_LINES)
        return;
    uint64_t Bit = HALP_BIT(Line);
    if (Edge) {
        HalpRequest |= Bit;
        return;
    }
    if (Level) {
        if (!(HalpLevel & Bit))
            HalpRequest |= Bit;
        HalpLevel |= Bit;
    } else {
        HalpLevel &= ~Bit;
        HalpClaimedHigh[Line] = 0; /* the device deasserted: whoever claimed it acknowledged it */
    }
}

BOOLEAN HalpAnyInterruptConnected(void)
{
    return HalpConnected != 0;
}

void HalpResetInterruptController(void)
{
    HalpRequest = HalpLevel = HalpLevelMode = HalpConnected = HalpSpurious = HalpInService = HalpMasked = 0;
    memset(HalpUnclaimed, 0, sizeof(HalpUnclaimed));
    memset(HalpClaimedHigh, 0, sizeof(HalpClaimedHigh));
    HalpInterruptsDelivered = 0;
    hw_bus *Bus = HalpBus();
    if (Bus) {
        hw_bus_set_irq_listener(Bus, HalpIrqListener, NULL);
        for (unsigned Line = 0; Line < HALP_IRQ_LINES; Line++)
            if (hw_bus_irq_level(Bus, Line))
                HalpLevel |= HALP_BIT(Line);
    }
}

void HalpSetLineMode(ULONG Line, BOOLEAN Connected, KINTERRUPT_MODE Mode)
{
    if (Line >= HALP_IRQ_LINES)
        return;
    uint64_t Bit = HALP_BIT(Line);
    if (Connected) {
        HalpConnected |= Bit;
    } else {
        HalpConnected &= ~Bit;
        HalpMasked &= ~Bit;
    }
    if (Connected && Mode == LevelSensitive)
        HalpLevelMode |= Bit;
    else
        HalpLevelMode &= ~Bit;
    HalpUnclaimed[Line] = 0;
    HalpClaimedHigh[Line] = 0;
}

void HalpRequestSpuriousInterrupt(ULONG Line)
{
    if (Line < HALP_IRQ_LINES)
        HalpSpurious |= HALP_BIT(Line);
}

BOOLEAN HalpLinePending(ULONG Line)
{
    if (Line >= HALP_IRQ_LINES)
        return FALSE;
    uint64_t Bit = HALP_BIT(Line);
    return ((HalpRequest | (HalpLevel & HalpLevelMode) | HalpSpurious) & Bit) != 0;
}

static inline uint64_t HalpDeliverable(void)
{
    return (HalpRequest | (HalpLevel & HalpLevelMode) | HalpSpurious) & HalpConnected & ~HalpInService & ~HalpMasked;
}

static void HalpDeliverSlow(void);

/* The safe point: nearly always nothing is deliverable, so test that before the
 * delivery loop's frame is set up (this runs at every DDI and register access). */
void HalpDeliverPendingInterrupts(void)
{
    if (__builtin_expect(HalpDeliverable() != 0, 0))
        HalpDeliverSlow();
}

static void __attribute__((noinline)) HalpDeliverSlow(void)
{
    uint64_t Ready;
    while ((Ready = HalpDeliverable()) != 0) {
        KIRQL Current = KiCurrentIrql();
        ULONG Best = HALP_IRQ_LINES;
        KIRQL BestIrql = 0;
        for (uint64_t R = Ready; R; R &= R - 1) {
            ULONG Line = (ULONG)__builtin_ctzll(R);
            KIRQL Irql = HalpLineToIrql(Line);
            if (Irql > Current && (Best == HALP_IRQ_LINES || Irql > BestIrql)) {
                Best = Line;
                BestIrql = Irql;
            }
        }
        if (Best == HALP_IRQ_LINES)
            return; /* everything requesting is masked by the current IRQL */
        uint64_t Bit = HALP_BIT(Best);
        BOOLEAN Spurious = (HalpSpurious & Bit) && !(HalpRequest & Bit) && !(HalpLevel & HalpLevelMode & Bit);
        HalpSpurious &= ~Bit;
        HalpRequest &= ~Bit;
        HalpInService |= Bit;
        HalpInterruptsDelivered++;
        KIRQL Old = Current;
        KiSetIrql(BestIrql);
        BOOLEAN Claimed = HalpIo.DispatchInterrupt(Best, Spurious);
        if (Claimed)
            KiDeviceProgress++;
        HalpInService &= ~Bit;
        if (KiMachineCrashed())
            return;
        /* TM-01: a level line still asserted after its ISR claimed it, again and again,
         * is an ISR that never quiets its device: a storm, found by count (the loop
         * below does not recurse, so no stack grows meanwhile). */
        if (Claimed && (HalpLevelMode & HalpLevel & Bit)) {
            uint32_t Limit = KiWatchdogConfig.storm_count;
            if (++HalpClaimedHigh[Best] >= Limit && Limit)
                HalpIo.InterruptStorm(Best, HalpClaimedHigh[Best]);
        } else {
            HalpClaimedHigh[Best] = 0;
        }
        /* back down: DPCs the ISR queued run here if Old < DISPATCH_LEVEL; lines still
         * pending are delivered by this loop, not by a nested one (no recursion) */
        KiSetIrql(Old);
        if (Old < DISPATCH_LEVEL && KiDpcPending)
            KiDrainDpcs();
        if (KiMachineCrashed())
            return;
        if (Claimed || !(HalpLevelMode & Bit)) {
            HalpUnclaimed[Best] = 0;
        } else if (++HalpUnclaimed[Best] >= HALP_STORM_LIMIT && (HalpLevel & Bit)) {
            HalpMasked |= Bit;
            VfReport("HW-04", NTSIM_SEV_ERROR, NULL, (NTSIM_SITE){ NULL, 0 },
                     "interrupt storm on level-sensitive line %u (vector 0x%X): %u deliveries in a row and no ISR "
                     "claimed it; the line is masked",
                     Best, HalpLineToVector(Best), HalpUnclaimed[Best]);
        }
    }
}
