/* bus.c - the machine's bus, virtual time spent by the CPU, and the HAL's address
 * and vector translation.
 *
 * Translation on this PC-like machine:
 *  - I/O space (AddressSpace 1) is identity: port 0x3F8 stays 0x3F8 in I/O space.
 *  - Memory space (AddressSpace 0) is identity too (MMIO bus address = physical).
 *  - Bus interrupt line L (ISA IRQ L on Isa/Eisa/Internal buses) becomes vector
 *    0x30 + L; its DIRQL is 11 - L/2 for the 16 ISA lines (IRQ 0/1 at 11 ... IRQ
 *    14/15 at 4: the PC's priority order, all between DISPATCH_LEVEL and
 *    SYNCH_LEVEL) and 5 for lines 16-63. Affinity is CPU 0. */
#include "hal/halp.h"

static hw_bus *HalpMachineBus;

hw_bus *HalpBus(void)
{
    return HalpMachineBus;
}

void HalpInitializeBus(void)
{
    if (HalpMachineBus == NULL)
        HalpMachineBus = hw_bus_new(KiClock());
    HalpResetInterruptController();
    HalpInitializePci();
}

void HalpShutdownBus(void)
{
    HalpShutdownPci();
    if (HalpMachineBus)
        hw_bus_free(HalpMachineBus);
    HalpMachineBus = NULL;
    HalpResetInterruptController();
}

/* The scheduler's time advance (sim/ke/timer.c): fires the device events, then runs
 * DPCs (below DISPATCH_LEVEL) and delivers interrupts. */
BOOLEAN KiInClockCallback(void); /* sim/ke/timer.c */

void HalpAdvance(hw_time_t Ns)
{
    if (KiClock() == NULL)
        return;
    KiAdvanceTime(Ns);
    /* KiAdvanceTime delivers too, except when called from inside a clock callback */
    if (KiInClockCallback())
        HalpDeliverPendingInterrupts();
}

ULONG HalpLineToVector(ULONG Line)
{
    return HALP_VECTOR_BASE + Line;
}

KIRQL HalpLineToIrql(ULONG Line)
{
    return Line < 16 ? (KIRQL)(11 - Line / 2) : (KIRQL)5;
}

BOOLEAN HalpVectorToLine(ULONG Vector, ULONG *Line)
{
    if (Vector < HALP_VECTOR_BASE || Vector >= HALP_VECTOR_BASE + HALP_IRQ_LINES)
        return FALSE;
    *Line = Vector - HALP_VECTOR_BASE;
    return TRUE;
}

static BOOLEAN HalpKnownBus(INTERFACE_TYPE Type, ULONG BusNumber)
{
    if (BusNumber != 0)
        return FALSE;
    return Type == Internal || Type == Isa || Type == Eisa || Type == PCIBus;
}

BOOLEAN HalTranslateBusAddress(INTERFACE_TYPE InterfaceType, ULONG BusNumber, PHYSICAL_ADDRESS BusAddress,
                               PULONG AddressSpace, PPHYSICAL_ADDRESS TranslatedAddress)
{
    KiTakeSite();
    if (AddressSpace == NULL || TranslatedAddress == NULL || !HalpKnownBus(InterfaceType, BusNumber))
        return FALSE;
    if (*AddressSpace == 1 && (ULONGLONG)BusAddress.QuadPart > 0xFFFF)
        return FALSE; /* no such port */
    /* Ports stay in I/O space (AddressSpace 1), memory in memory space (0). */
    *TranslatedAddress = BusAddress;
    return TRUE;
}

ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                            ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity)
{
    KiTakeSite();
    (void)BusInterruptVector;
    if (!HalpKnownBus(InterfaceType, BusNumber) || BusInterruptLevel >= HALP_IRQ_LINES ||
        (InterfaceType != PCIBus && BusInterruptLevel >= 16)) {
        if (Irql)
            *Irql = 0;
        if (Affinity)
            *Affinity = 0;
        return 0;
    }
    if (Irql)
        *Irql = HalpLineToIrql(BusInterruptLevel);
    if (Affinity)
        *Affinity = 1;
    return HalpLineToVector(BusInterruptLevel);
}
