/* hwmodel/bus.c - address spaces (sorted arrays, binary search) and
 * wired-OR interrupt lines. */
#include "hwmodel/bus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bus_range {
    uint64_t             base;
    uint64_t             last;     /* inclusive */
    const hw_region_ops *ops;
    void                *opaque;
    char                *name;
} bus_range;

typedef struct bus_space {
    bus_range *r;
    size_t     n, cap;
    uint64_t   limit;              /* highest valid address */
} bus_space;

struct hw_bus {
    hw_clock       *clock;
    bus_space       space[2];
    unsigned        asserted[HW_BUS_IRQ_LINES];  /* sources at level 1 */
    hw_irq          anon[HW_BUS_IRQ_LINES];
    hw_irq_listener listener;
    void           *listener_opaque;
    hw_vcd         *vcd;
    int             vcd_sig[HW_BUS_IRQ_LINES];
    uint64_t        generation;   /* bumped by every map and unmap */
};

hw_bus *hw_bus_new(hw_clock *clock)
{
    hw_bus *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->clock = clock;
    b->space[HW_SPACE_IO].limit = 0xFFFF;
    b->space[HW_SPACE_MMIO].limit = UINT64_MAX;
    for (unsigned i = 0; i < HW_BUS_IRQ_LINES; i++) {
        hw_irq_init(&b->anon[i], b, i);
        b->vcd_sig[i] = -1;
    }
    return b;
}

void hw_bus_free(hw_bus *b)
{
    if (!b)
        return;
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < b->space[s].n; i++)
            free(b->space[s].r[i].name);
        free(b->space[s].r);
    }
    free(b);
}

hw_clock *hw_bus_clock(const hw_bus *b) { return b->clock; }

/* index of the last range with base <= addr, or SIZE_MAX */
static size_t find_floor(const bus_space *sp, uint64_t addr)
{
    size_t lo = 0, hi = sp->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->r[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? SIZE_MAX : lo - 1;
}

static const bus_range *find(const bus_space *sp, uint64_t addr)
{
    size_t i = find_floor(sp, addr);
    if (i == SIZE_MAX || addr > sp->r[i].last)
        return NULL;
    return &sp->r[i];
}

static int map_range(hw_bus *b, hw_space s, uint64_t base, uint64_t length,
                     const hw_region_ops *ops, void *opaque, const char *name,
                     const char **conflict)
{
    bus_space *sp = &b->space[s];
    if (!ops || length == 0 || base > sp->limit || length - 1 > sp->limit - base)
        return -EINVAL;
    uint64_t last = base + (length - 1);
    size_t i = find_floor(sp, last);
    /* candidate overlap: the last range starting at or before `last` */
    if (i != SIZE_MAX && sp->r[i].last >= base) {
        if (conflict)
            *conflict = sp->r[i].name;
        return -EBUSY;
    }
    if (sp->n == sp->cap) {
        size_t nc = sp->cap ? sp->cap * 2 : 8;
        bus_range *nr = realloc(sp->r, nc * sizeof(*nr));
        if (!nr)
            return -ENOMEM;
        sp->r = nr;
        sp->cap = nc;
    }
    char *copy = strdup(name ? name : "?");
    if (!copy)
        return -ENOMEM;
    size_t at = (i == SIZE_MAX) ? 0 : i + 1;
    memmove(&sp->r[at + 1], &sp->r[at], (sp->n - at) * sizeof(*sp->r));
    sp->r[at] = (bus_range){ base, last, ops, opaque, copy };
    sp->n++;
    b->generation++;
    return 0;
}

int hw_bus_map_io(hw_bus *b, uint16_t base, uint32_t length, const hw_region_ops *ops,
                  void *opaque, const char *name, const char **conflict)
{
    return map_range(b, HW_SPACE_IO, base, length, ops, opaque, name, conflict);
}

int hw_bus_map_mmio(hw_bus *b, uint64_t base, uint64_t length, const hw_region_ops *ops,
                    void *opaque, const char *name, const char **conflict)
{
    return map_range(b, HW_SPACE_MMIO, base, length, ops, opaque, name, conflict);
}

int hw_bus_unmap(hw_bus *b, hw_space s, uint64_t base)
{
    bus_space *sp = &b->space[s];
    size_t i = find_floor(sp, base);
    if (i == SIZE_MAX || sp->r[i].base != base)
        return -ENOENT;
    free(sp->r[i].name);
    memmove(&sp->r[i], &sp->r[i + 1], (sp->n - i - 1) * sizeof(*sp->r));
    sp->n--;
    b->generation++;
    return 0;
}

static void fill_info(hw_space s, const bus_range *r, hw_range_info *out)
{
    out->space = s;
    out->base = r->base;
    out->length = r->last - r->base + 1;
    out->name = r->name;
    out->opaque = r->opaque;
}

bool hw_bus_lookup(const hw_bus *b, hw_space s, uint64_t addr, hw_range_info *out)
{
    const bus_range *r = find(&b->space[s], addr);
    if (!r)
        return false;
    if (out)
        fill_info(s, r, out);
    return true;
}

size_t hw_bus_range_count(const hw_bus *b, hw_space s) { return b->space[s].n; }

uint64_t hw_bus_generation(const hw_bus *b) { return b->generation; }

bool hw_bus_lookup_ops(const hw_bus *b, hw_space s, uint64_t addr, const hw_region_ops **ops, hw_range_info *out)
{
    const bus_range *r = find(&b->space[s], addr);
    if (!r)
        return false;
    *ops = r->ops;
    fill_info(s, r, out);
    return true;
}

bool hw_bus_range_at(const hw_bus *b, hw_space s, size_t index, hw_range_info *out)
{
    if (index >= b->space[s].n)
        return false;
    fill_info(s, &b->space[s].r[index], out);
    return true;
}

static inline bool direct_ok(const bus_range *r, uint64_t addr, unsigned size)
{
    return r && addr + (size - 1) <= r->last && addr + (size - 1) >= addr &&
           (r->ops->max_access == 0 || size <= r->ops->max_access);
}

static bool space_read(hw_bus *b, hw_space s, uint64_t addr, unsigned size, uint64_t *value)
{
    bus_space *sp = &b->space[s];
    const bus_range *r = find(sp, addr);
    if (direct_ok(r, addr, size)) {
        *value = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size) : ~UINT64_C(0);
        if (size < 8)
            *value &= (UINT64_C(1) << (size * 8)) - 1;
        return true;
    }
    bool any = false;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = addr + i, byte = 0xFF;
        if (a >= addr && a <= sp->limit && (r = find(sp, a)) != NULL) {
            any = true;
            if (r->ops->read)
                byte = r->ops->read(r->opaque, a - r->base, 1) & 0xFF;
        }
        v |= byte << (8 * i);
    }
    *value = v;
    return any;
}

static bool space_write(hw_bus *b, hw_space s, uint64_t addr, unsigned size, uint64_t value)
{
    bus_space *sp = &b->space[s];
    const bus_range *r = find(sp, addr);
    if (size < 8)
        value &= (UINT64_C(1) << (size * 8)) - 1;
    if (direct_ok(r, addr, size)) {
        if (r->ops->write)
            r->ops->write(r->opaque, addr - r->base, size, value);
        return true;
    }
    bool any = false;
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = addr + i;
        if (a >= addr && a <= sp->limit && (r = find(sp, a)) != NULL) {
            any = true;
            if (r->ops->write)
                r->ops->write(r->opaque, a - r->base, 1, (value >> (8 * i)) & 0xFF);
        }
    }
    return any;
}

bool hw_bus_io_read(hw_bus *b, uint16_t port, unsigned size, uint32_t *value)
{
    uint64_t v = 0xFFFFFFFFu;
    bool ok = false;
    if (size == 1 || size == 2 || size == 4)
        ok = space_read(b, HW_SPACE_IO, port, size, &v);
    else
        v = 0xFFFFFFFFu;
    if (value)
        *value = (uint32_t)v;
    return ok;
}

bool hw_bus_io_write(hw_bus *b, uint16_t port, unsigned size, uint32_t value)
{
    if (size != 1 && size != 2 && size != 4)
        return false;
    return space_write(b, HW_SPACE_IO, port, size, value);
}

bool hw_bus_mmio_read(hw_bus *b, uint64_t addr, unsigned size, uint64_t *value)
{
    uint64_t v = ~UINT64_C(0);
    bool ok = false;
    if (size == 1 || size == 2 || size == 4 || size == 8)
        ok = space_read(b, HW_SPACE_MMIO, addr, size, &v);
    if (value)
        *value = v;
    return ok;
}

bool hw_bus_mmio_write(hw_bus *b, uint64_t addr, unsigned size, uint64_t value)
{
    if (size != 1 && size != 2 && size != 4 && size != 8)
        return false;
    return space_write(b, HW_SPACE_MMIO, addr, size, value);
}

/* ---- interrupts ---- */

static void line_notify(hw_bus *b, unsigned line, int level, int edge)
{
    if (b->vcd && b->vcd_sig[line] >= 0) {
        hw_time_t now = b->clock ? hw_clock_now(b->clock) : 0;
        if (edge)
            hw_vcd_pulse(b->vcd, b->vcd_sig[line], now);
        else
            hw_vcd_change(b->vcd, b->vcd_sig[line], now, (uint64_t)level);
    }
    if (b->listener)
        b->listener(b->listener_opaque, line, level, edge);
}

void hw_irq_init(hw_irq *irq, hw_bus *bus, unsigned line)
{
    irq->bus = bus;
    irq->line = line;
    irq->level = 0;
}

void hw_irq_set(hw_irq *irq, int level)
{
    level = level != 0;
    hw_bus *b = irq->bus;
    if (!b || irq->line >= HW_BUS_IRQ_LINES || irq->level == level)
        return;
    irq->level = level;
    unsigned *cnt = &b->asserted[irq->line];
    if (level) {
        if ((*cnt)++ == 0)
            line_notify(b, irq->line, 1, 0);
    } else {
        if (--(*cnt) == 0)
            line_notify(b, irq->line, 0, 0);
    }
}

void hw_irq_pulse(hw_irq *irq)
{
    hw_bus *b = irq->bus;
    if (!b || irq->line >= HW_BUS_IRQ_LINES)
        return;
    /* a pulse on a line already held high is not seen as an edge in the VCD,
     * but the listener still hears it */
    if (b->asserted[irq->line] == 0 || !b->vcd) {
        line_notify(b, irq->line, 1, 1);
    } else if (b->listener) {
        b->listener(b->listener_opaque, irq->line, 1, 1);
    }
}

void hw_irq_release(hw_irq *irq) { hw_irq_set(irq, 0); }

void hw_bus_irq_set(hw_bus *b, unsigned line, int level)
{
    if (line < HW_BUS_IRQ_LINES)
        hw_irq_set(&b->anon[line], level);
}

void hw_bus_irq_pulse(hw_bus *b, unsigned line)
{
    if (line < HW_BUS_IRQ_LINES)
        hw_irq_pulse(&b->anon[line]);
}

int hw_bus_irq_level(const hw_bus *b, unsigned line)
{
    return line < HW_BUS_IRQ_LINES && b->asserted[line] > 0;
}

void hw_bus_set_irq_listener(hw_bus *b, hw_irq_listener fn, void *opaque)
{
    b->listener = fn;
    b->listener_opaque = opaque;
}

int hw_bus_vcd_trace_irq(hw_bus *b, hw_vcd *vcd, unsigned line, const char *scope)
{
    if (line >= HW_BUS_IRQ_LINES || !vcd)
        return -EINVAL;
    if (b->vcd && b->vcd != vcd)
        return -EBUSY;
    char name[128];
    if (scope && *scope)
        snprintf(name, sizeof(name), "%s.irq%u", scope, line);
    else
        snprintf(name, sizeof(name), "irq%u", line);
    int sig = hw_vcd_add_signal_init(vcd, name, 1, (uint64_t)hw_bus_irq_level(b, line));
    if (sig < 0)
        return sig;
    b->vcd = vcd;
    b->vcd_sig[line] = sig;
    return 0;
}

void hw_bus_vcd_detach(hw_bus *b)
{
    b->vcd = NULL;
    for (unsigned i = 0; i < HW_BUS_IRQ_LINES; i++)
        b->vcd_sig[i] = -1;
}
