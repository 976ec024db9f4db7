/* beep.c - HalMakeBeep: the PC speaker through the machine's 8254 counter 2 and
 * port 0x61, as a PC HAL drives it.
 *
 * Frequency f != 0: counter 2 gets mode 3 (square wave), binary, LSB then MSB, with
 * the divisor 1193182 / f, and port 0x61 bits 0 (gate) and 1 (speaker data) are set.
 * Frequency 0: bits 0 and 1 are cleared, which silences the speaker. The accesses
 * go through the bus like a driver's (so a pcspk device hears them and --vcd shows
 * them) and cost the time of five port accesses. A frequency whose divisor does not
 * fit 16 bits (below 19 Hz), or a machine without port 0x61, returns FALSE. */
#include "hal/halp.h"

#include <hwmodel/pit8254.h>

#define HALP_PIT_CONTROL 0x43
#define HALP_PIT_COUNTER2 0x42
#define HALP_SPEAKER_PORT 0x61

static void HalpBeepOut(hw_bus *Bus, uint16_t Port, uint8_t Value)
{
    hw_bus_io_write(Bus, Port, 1, Value);
    HalpAdvance(HALP_PORT_ACCESS_NS);
}

BOOLEAN HalMakeBeep(ULONG Frequency)
{
    KiTakeSite();
    hw_bus *Bus = HalpBus();
    uint32_t Port61;
    if (Bus == NULL || !hw_bus_io_read(Bus, HALP_SPEAKER_PORT, 1, &Port61))
        return FALSE;
    HalpAdvance(HALP_PORT_ACCESS_NS);
    if (Frequency == 0) {
        HalpBeepOut(Bus, HALP_SPEAKER_PORT, (uint8_t)(Port61 & 0x0C));
        return TRUE;
    }
    ULONG Divisor = HW_PIT8254_CLOCK_HZ / Frequency;
    if (Divisor == 0 || Divisor > 0xFFFF)
        return FALSE;
    HalpBeepOut(Bus, HALP_PIT_CONTROL, 0xB6); /* counter 2, LSB+MSB, mode 3, binary */
    HalpBeepOut(Bus, HALP_PIT_COUNTER2, (uint8_t)Divisor);
    HalpBeepOut(Bus, HALP_PIT_COUNTER2, (uint8_t)(Divisor >> 8));
    HalpBeepOut(Bus, HALP_SPEAKER_PORT, (uint8_t)((Port61 & 0x0C) | 0x03));
    return TRUE;
}
