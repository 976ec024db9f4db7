/* halp.h - the simulated HAL's internals, shared with sim/io (claims, interrupt
 * objects, which the I/O manager registers as callbacks: HALP_IO_CALLBACKS) and
 * sim/host (machine devices).
 *
 * The machine has one hwmodel bus on KiClock(): I/O ports, MMIO and 64 interrupt
 * lines. The HAL maps port I/O onto it (port.c), translates bus addresses and
 * interrupt vectors (bus.c), and plays the interrupt controller (pic.c): a device
 * raising a line marks it pending; HalpDeliverPendingInterrupts() runs the ISRs at
 * the next safe point. See docs/hal.md. */
#ifndef NTSIM_HALP_H
#define NTSIM_HALP_H
#include "ntsimp.h"
#include "ke/kep.h"

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

/* ---- what the HAL needs from the I/O manager above it ----
 * The interrupt objects with their ISRs (sim/io/interrupt.c) and the resource claims
 * (the ResourceMap, sim/io/resource.c) are the I/O manager's. The HAL delivers
 * interrupts, checks accesses against the running driver's claims and records
 * HalAssignSlotResources' claims through these routines, which the I/O manager
 * registers when a machine is created: the HAL never calls up into io by name. */
typedef struct _HALP_IO_CALLBACKS {
    /* Run the ISR chain of Line at its DIRQL (the caller has raised); TRUE if an ISR
     * claimed the interrupt. Spurious: the HW-04 option's call, which no ISR may claim. */
    BOOLEAN (*DispatchInterrupt)(ULONG Line, BOOLEAN Spurious);
    void (*InterruptStorm)(ULONG Line, ULONG Count); /* TM-01: bug check 0xF2 */
    /* HW-01: a port access by the running driver outside its claims is reported once
     * per driver and port (the access still happens). Cheap when nothing is wrong. */
    void (*CheckPortAccess)(ULONG Port, ULONG Size, BOOLEAN Write, NTSIM_SITE Site);
    BOOLEAN (*DriverClaimsMemory)(PDRIVER_OBJECT Driver, ULONGLONG Lo, ULONGLONG Hi);
    /* Any claim of Type (CmResourceTypeXxx) with Start == Value (Value ~0: any). */
    BOOLEAN (*DriverClaimsType)(PDRIVER_OBJECT Driver, UCHAR Type, ULONGLONG Value);
    NTSTATUS (*ClaimResources)(const char *Ddi, NTSIM_SITE Site, PCUNICODE_STRING ClassName, PDRIVER_OBJECT Driver,
                               PDEVICE_OBJECT Device, const CM_RESOURCE_LIST *List, ULONG ListSize,
                               PBOOLEAN ConflictDetected);
    NTSTATUS (*InjectedConflict)(PDRIVER_OBJECT Driver, PBOOLEAN ConflictDetected);
} HALP_IO_CALLBACKS;
extern NTSIM_HIDDEN HALP_IO_CALLBACKS HalpIo;
/* Bumped by the I/O manager whenever the claims change: the HAL's per-mapping cache
 * of a claim check is keyed on it (mmio.c). */
extern NTSIM_HIDDEN ULONG HalpClaimGeneration;

/* ---- PCI, MMIO, physical memory, DMA (pci.c, mmio.c, dma.c; docs/pci.md) ---- */
#include <hwmodel/pci.h>
#include <hwmodel/physmem.h>

#define HALP_MMIO_READ_NS 200u       /* virtual time of one MMIO read (a non-posted PCI read) */
#define HALP_MMIO_WRITE_NS 100u      /* one MMIO write (posted) */
#define HALP_PCI_MMIO_BASE 0xFE000000ull  /* firmware places BARs from here up */
#define HALP_PCI_IO_BASE 0xC000u
#define HALP_RAM_BASE 0x01000000ull  /* simulated RAM for contiguous memory / DMA: 16 MiB.. */
#define HALP_RAM_LIMIT 0xBFFFFFFFull /* ..3 GiB */
#define HALP_ISA_RAM_BASE 0x00100000ull /* 1-16 MiB: only what must lie below 16 MiB (ISA DMA) */

hw_pci *HalpPci(void);
hw_physmem *HalpPhysMem(void);
void HalpInitializePci(void);
void HalpShutdownPci(void);
/* firmware: place a device's BARs and enable it, as the BIOS does at boot */
void HalpFirmwareConfigure(hw_pci_dev *Device);
/* The fault handler asks: is Address inside an I/O space mapping? Fills a description. */
BOOLEAN HalpDescribeRegisterFault(const void *Address, char *Buffer, size_t Size);
void HalpResetMappings(void);
/* MmGetPhysicalAddress of an I/O mapping */
BOOLEAN HalpMappingPhysical(const void *Address, ULONGLONG *Physical);

/* ---- slave (ISA system) DMA through the 8237 (isadma.c, docs/isa-dma.md) ---- */
BOOLEAN HalpIsaValidChannel(const DEVICE_DESCRIPTION *Description);
ULONGLONG HalpIsaBoundary(const DEVICE_DESCRIPTION *Description);
ULONG HalpIsaMaxMapRegisters(const DEVICE_DESCRIPTION *Description);
ULONGLONG HalpIsaAlignment(const DEVICE_DESCRIPTION *Description, ULONG Length);
void HalpIsaProgram(const DEVICE_DESCRIPTION *Description, ULONGLONG Pa, ULONG Length, BOOLEAN WriteToDevice);
void HalpIsaStop(const DEVICE_DESCRIPTION *Description);
ULONG HalpIsaReadCounter(const DEVICE_DESCRIPTION *Description);

#endif
