/* hwmodel/bus.h - I/O port space, MMIO space and interrupt lines.
 *
 * Address spaces.  A device maps a range with a name and a pair of
 * callbacks.  Both spaces use the same callback type with a 64-bit value:
 * sizes 1, 2 and 4 for I/O ports; 1, 2, 4 and 8 for MMIO.  Values are
 * little-endian (offset 0 is the low byte).  A range may declare the widest
 * access it takes (max_access); a wider access, or one that runs past the end
 * of a range, is split by the bus into single-byte accesses, each routed on
 * its own (so a 16-bit read of a byte-wide UART register reads two registers,
 * as on an 8-bit ISA device).  Overlapping maps are refused.  Lookup is a
 * binary search over a sorted array.
 *
 * Interrupt lines.  Lines 0..HW_BUS_IRQ_LINES-1.  Each line's level is the
 * wired-OR of its sources: a device embeds an hw_irq (one source) and sets its
 * level; hw_bus_irq_set() drives a per-line anonymous source.  One listener
 * (the simulator's interrupt controller/HAL) hears about every change of a
 * line's level (edge = 0, level = new level) and every pulse (edge = 1,
 * level = 1; the line's level is unchanged by a pulse).  For edge-triggered
 * (ISA "latched") use, a rising level change is an edge too; the listener
 * decides.  The listener is only called when something changes.
 *
 * Not thread-safe; callbacks run synchronously in the caller's thread.
 */
#ifndef HWMODEL_BUS_H
#define HWMODEL_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/clock.h"
#include "hwmodel/vcd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_BUS_IRQ_LINES 64

typedef struct hw_bus hw_bus;

typedef struct hw_region_ops {
    /* Return the value read; bytes beyond `size` are ignored. */
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
    /* Widest access the device takes (1, 2, 4 or 8); 0 means any. */
    unsigned max_access;
} hw_region_ops;

typedef enum hw_space { HW_SPACE_IO = 0, HW_SPACE_MMIO = 1 } hw_space;

typedef struct hw_range_info {
    hw_space    space;
    uint64_t    base;
    uint64_t    length;
    const char *name;
    void       *opaque;
} hw_range_info;

typedef void (*hw_irq_listener)(void *opaque, unsigned line, int level, int edge);

hw_bus *hw_bus_new(hw_clock *clock);
void hw_bus_free(hw_bus *bus);
hw_clock *hw_bus_clock(const hw_bus *bus);

/* 0, or -EBUSY on overlap (*conflict, if given, gets the other range's name),
 * -EINVAL (zero length, range past the end of the space, NULL ops), -ENOMEM.
 * The name is copied. */
int hw_bus_map_io(hw_bus *bus, uint16_t base, uint32_t length,
                  const hw_region_ops *ops, void *opaque, const char *name,
                  const char **conflict);
int hw_bus_map_mmio(hw_bus *bus, uint64_t base, uint64_t length,
                    const hw_region_ops *ops, void *opaque, const char *name,
                    const char **conflict);
/* Remove the range starting exactly at base; -ENOENT if none. */
int hw_bus_unmap(hw_bus *bus, hw_space space, uint64_t base);

/* Range containing addr; false if unmapped. */
bool hw_bus_lookup(const hw_bus *bus, hw_space space, uint64_t addr, hw_range_info *out);
size_t hw_bus_range_count(const hw_bus *bus, hw_space space);
/* index-th range in address order. */
bool hw_bus_range_at(const hw_bus *bus, hw_space space, size_t index, hw_range_info *out);

/* For callers that cache a lookup (the simulator's MMIO fast path): the range
 * containing addr with its callbacks, and a number that changes whenever any
 * range of the bus is mapped or unmapped (a cached lookup is valid while it stays
 * the same). */
uint64_t hw_bus_generation(const hw_bus *bus);
bool hw_bus_lookup_ops(const hw_bus *bus, hw_space space, uint64_t addr, const hw_region_ops **ops,
                       hw_range_info *out);

/* Accesses return true if any device answered.  An unmapped read (or the
 * unmapped bytes of a split read) yields all ones.  size must be 1, 2, 4 (or 8
 * for MMIO); other sizes return false and read all ones. */
bool hw_bus_io_read(hw_bus *bus, uint16_t port, unsigned size, uint32_t *value);
bool hw_bus_io_write(hw_bus *bus, uint16_t port, unsigned size, uint32_t value);
bool hw_bus_mmio_read(hw_bus *bus, uint64_t addr, unsigned size, uint64_t *value);
bool hw_bus_mmio_write(hw_bus *bus, uint64_t addr, unsigned size, uint64_t value);

/* ---- interrupt lines ---- */

/* One source on one line.  Embed in the device; init once. */
typedef struct hw_irq {
    hw_bus  *bus;
    unsigned line;
    int      level;
} hw_irq;

void hw_irq_init(hw_irq *irq, hw_bus *bus, unsigned line);
/* Idempotent: setting the same level twice changes nothing. */
void hw_irq_set(hw_irq *irq, int level);
void hw_irq_pulse(hw_irq *irq);
/* Drop this source's contribution (e.g. when a device is removed). */
void hw_irq_release(hw_irq *irq);

/* Anonymous per-line source (for tests and simple devices). */
void hw_bus_irq_set(hw_bus *bus, unsigned line, int level);
void hw_bus_irq_pulse(hw_bus *bus, unsigned line);
/* Current wired-OR level of the line. */
int hw_bus_irq_level(const hw_bus *bus, unsigned line);
void hw_bus_set_irq_listener(hw_bus *bus, hw_irq_listener fn, void *opaque);

/* Record `line` as 1-bit signal "irq<line>" (in scope `scope`, may be NULL)
 * in vcd.  Call before the first VCD change.  0 or negative errno. */
int hw_bus_vcd_trace_irq(hw_bus *bus, hw_vcd *vcd, unsigned line, const char *scope);
/* Stop recording (call before hw_vcd_close if the bus lives on). */
void hw_bus_vcd_detach(hw_bus *bus);

#ifdef __cplusplus
}
#endif
#endif
