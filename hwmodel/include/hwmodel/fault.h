/* hwmodel/fault.h - device-side fault description shared by all devices.
 *
 * A device that supports faults offers hw_<device>_inject(dev, const hw_fault*)
 * and hw_<device>_clear_faults(dev).  Several kinds may be combined in one
 * description; injecting again replaces the stuck-bits and never-ready settings
 * and adds to the spurious/lost interrupt counts.
 */
#ifndef HWMODEL_FAULT_H
#define HWMODEL_FAULT_H

#include <stdint.h>

#include "hwmodel/clock.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    /* The device asserts its interrupt output once with no cause pending
     * (at time `at`, or at once if `at` <= now).  The device's own
     * "who interrupted?" register reports nothing; reading it drops the line. */
    HW_FAULT_SPURIOUS_IRQ  = 1u << 0,
    /* The next `count` (0 means 1) assertions of the interrupt output are
     * swallowed: the cause stays visible in the registers, but the line stays
     * low until the cause clears and a new one arises. */
    HW_FAULT_LOSE_NEXT_IRQ = 1u << 1,
    /* Bits in `stuck_mask` of register `reg` (device-specific register number,
     * e.g. HW_UART_LSR) read as the matching bits of `stuck_value`. */
    HW_FAULT_STUCK_BITS    = 1u << 2,
    /* The device never becomes ready (UART: the transmitter stalls, THRE and
     * TEMT never set again, no THRE interrupt). */
    HW_FAULT_NEVER_READY   = 1u << 3,
};

typedef struct hw_fault {
    unsigned  kinds;        /* HW_FAULT_* bits */
    hw_time_t at;           /* SPURIOUS_IRQ: absolute time (<= now: at once) */
    unsigned  count;        /* LOSE_NEXT_IRQ: interrupts to lose (0 means 1) */
    unsigned  reg;          /* STUCK_BITS: device register number */
    uint32_t  stuck_mask;   /* STUCK_BITS: bits forced */
    uint32_t  stuck_value;  /* STUCK_BITS: their forced values */
} hw_fault;

/* Apply a stuck-bits description to a register value read from `reg`. */
static inline uint32_t hw_fault_apply_stuck(const hw_fault *f, unsigned reg, uint32_t value)
{
    if ((f->kinds & HW_FAULT_STUCK_BITS) && f->reg == reg)
        value = (value & ~f->stuck_mask) | (f->stuck_value & f->stuck_mask);
    return value;
}

#ifdef __cplusplus
}
#endif
#endif
