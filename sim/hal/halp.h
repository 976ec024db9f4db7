/* halp.h - the simulated HAL's internals, shared with sim/io (claims, interrupt
 * objects) and sim/host (machine devices).
 *
 * The machine has one hwmodel bus on KiClock(): I/O ports, MMIO and 64 interrupt
 * lines. The HAL maps port I/O onto it (port.c), translates bus addresses and
 * interrupt vectors (bus.c), and plays the interrupt controller (pic.c): a device
 * raising a line marks it pending; HalpDeliverPendingInterrupts() runs the ISRs at
 * the next safe point. See docs/hal.md. */
#ifndef NTSIM_HALP_H
#define NTSIM_HALP_H
#include "io/iop.h"

#include <hwmodel/bus.h>
#include <hwmodel/clock.h>

/* ---- bus and time (bus.c) ---- */
#define HALP_IRQ_LINES 64u           /* = HW_BUS_IRQ_LINES */
#define HALP_VECTOR_BASE 0x30u       /* vector = 0x30 + bus interrupt line */
#define HALP_PORT_ACCESS_NS 1000u    /* virtual time one port access costs */

hw_bus *HalpBus(void);
void HalpInitializeBus(void);
void HalpShutdownBus(void);
/* Time passes on the simulated CPU (a port access): device events up to now + Ns
 * fire (their interrupts are only marked pending), then the safe point. */
void HalpAdvance(hw_time_t Ns);

/* Line <-> vector/IRQL mapping (documented in docs/hal.md). */
ULONG HalpLineToVector(ULONG Line);
KIRQL HalpLineToIrql(ULONG Line);
/* TRUE and *Line when Vector is one HalGetInterruptVector hands out. */
BOOLEAN HalpVectorToLine(ULONG Vector, ULONG *Line);

/* ---- interrupt controller (pic.c) ---- */
void HalpResetInterruptController(void);
/* Line mode, as set by the interrupt objects connected to it. */
void HalpSetLineMode(ULONG Line, BOOLEAN Connected, KINTERRUPT_MODE Mode);
/* HW-04: make the line look interrupting once with no device cause. */
void HalpRequestSpuriousInterrupt(ULONG Line);
void HalpDeliverPendingInterrupts(void);
/* Host view for tests and the CLI. */
BOOLEAN HalpLinePending(ULONG Line);
/* ISRs run on a line so far (all lines). */
extern uint64_t HalpInterruptsDelivered;

/* ---- interrupt objects (sim/io/interrupt.c) ---- */
/* Run the ISR chain of Line at its DIRQL (the caller has raised); TRUE if an ISR
 * claimed the interrupt. Spurious: the HW-04 option's call, which no ISR may claim. */
BOOLEAN IopDispatchInterrupt(ULONG Line, BOOLEAN Spurious);
extern BOOLEAN IopSpuriousAfterConnect;   /* machine option (HW-04) */
void IopResetInterrupts(void);

/* ---- resource claims (sim/io/resource.c) ---- */
/* HW-01: a port access by the running driver outside its claims is reported once
 * per driver and port (the access still happens). Cheap when nothing is wrong. */
void IopCheckPortAccess(ULONG Port, ULONG Size, BOOLEAN Write, NTSIM_SITE Site);
/* TRUE if Driver (or one of its devices) holds a claim on bus interrupt line Line. */
BOOLEAN IopDriverClaimsInterrupt(PDRIVER_OBJECT Driver, ULONG Line);
void IopResetResources(void);

#endif
