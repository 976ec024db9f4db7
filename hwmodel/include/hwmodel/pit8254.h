/* hwmodel/pit8254.h - 8254 programmable interval timer plus the PC's port
 * 0x61 (speaker gate / counter 2 output / refresh toggle).
 *
 * Input clock 1.193182 MHz.  Counter pulses sit on a fixed grid from virtual
 * time 0: pulse k happens at ceil(k * 1e9 / f) ns, so the number of pulses up
 * to time t is floor(t * f / 1e9).  Counter values and OUT levels are computed
 * from time on access; only counter 0 schedules events, one per change of its
 * OUT (which drives the bus interrupt line, normally 0, as a level: the
 * listener sees rising edges as interrupts, as an ISA 8259 would).
 */
#ifndef HWMODEL_PIT8254_H
#define HWMODEL_PIT8254_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/clock.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_PIT8254_CLOCK_HZ 1193182u

typedef struct hw_pit8254 hw_pit8254;

typedef struct hw_pit8254_config {
    uint16_t io_base;        /* 0x40: counters at +0..+2, control word at +3 */
    unsigned irq;            /* line driven by OUT0, normally 0 */
    bool     map_port61;     /* also map port 0x61 (speaker gate etc.) */
    uint32_t clock_hz;       /* 0: 1193182 */
    /* Program counter 0 as a PC BIOS leaves it: mode 3, binary, LSB+MSB,
     * count 65536 (about 18.2 Hz). */
    bool     bios_init;
} hw_pit8254_config;

/* NULL on error with *err (if given) a negative errno (-EBUSY: ports taken).
 * cfg NULL: { 0x40, irq 0, map_port61 true, default clock, no BIOS init }. */
hw_pit8254 *hw_pit8254_new(hw_bus *bus, const hw_pit8254_config *cfg, int *err);
void hw_pit8254_free(hw_pit8254 *pit);

/* Register access without a bus: port offset 0..3 from io_base. */
uint8_t hw_pit8254_read(hw_pit8254 *pit, unsigned offset);
void hw_pit8254_write(hw_pit8254 *pit, unsigned offset, uint8_t value);
/* Port 0x61: bit 0 gate 2, bit 1 speaker data, bits 2-3 stored,
 * bit 4 refresh toggle (flips every 15 us), bit 5 OUT2 (read only). */
uint8_t hw_pit8254_port61_read(hw_pit8254 *pit);
void hw_pit8254_port61_write(hw_pit8254 *pit, uint8_t value);

/* Inspection for tests/tools (no side effects, no latching). */
bool hw_pit8254_out(hw_pit8254 *pit, unsigned counter);
uint16_t hw_pit8254_count(hw_pit8254 *pit, unsigned counter);
/* Counter-pulse grid helpers. */
uint64_t hw_pit8254_pulses_at(const hw_pit8254 *pit, hw_time_t t);
hw_time_t hw_pit8254_pulse_time(const hw_pit8254 *pit, uint64_t pulse);

/* ---- counter 2 and the speaker (pcspk.c) ----
 * The hook runs just before counter 2's programming or port 0x61 changes, so a
 * listener can finish what the old settings produced up to now. */
void hw_pit8254_set_counter2_hook(hw_pit8254 *pit, void (*hook)(void *opaque), void *opaque);
/* Port 0x61 bits 0-3 as last written (bit 0 gate 2, bit 1 speaker data). */
uint8_t hw_pit8254_port61_latch(const hw_pit8254 *pit);
/* OUT of a counter at time t, and the first time after t at which it changes
 * (HW_TIME_NEVER: not while the programming stays as it is).  Valid for t at or
 * after the counter's last change, in increasing order of t. */
bool hw_pit8254_out_at(hw_pit8254 *pit, unsigned counter, hw_time_t t);
hw_time_t hw_pit8254_out_next_change(hw_pit8254 *pit, unsigned counter, hw_time_t t);

#ifdef __cplusplus
}
#endif
#endif
