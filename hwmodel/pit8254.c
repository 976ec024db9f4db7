/* hwmodel/pit8254.c - 8254 PIT.  Each counter holds a "segment": the pulse
 * index at which its counting element (CE) held a start value; CE and OUT at
 * any later pulse follow from the mode by arithmetic.  Modes 2 and 3 may hold
 * a second segment that starts at the end of the current period (a count
 * written while counting takes effect at the next reload). */
#include "hwmodel/pit8254.h"

#include <errno.h>
#include <stdlib.h>

#define NEVER UINT64_MAX

typedef struct pit_counter {
    uint8_t  mode, rw, bcd;
    bool     programmed;
    bool     have_cr;
    uint32_t cr;                 /* count register, 1..M (0 written means M) */
    bool     null_flag;          /* CR written, not yet loaded into CE ... */
    uint64_t null_until;         /* ... until this pulse */
    bool     write_msb_next;
    uint8_t  write_lsb;
    bool     read_msb_next;
    bool     count_latched;
    uint16_t latch_val;
    bool     latch_msb_next;
    bool     status_latched;
    uint8_t  status;
    bool     gate;
    /* counting segment */
    bool     armed;
    uint64_t base;
    uint32_t start;
    bool     tc_done;
    bool     frozen;
    uint32_t frozen_ce;
    bool     frozen_out;
    bool     has_next;
    uint64_t next_base;
    uint32_t next_n;
} pit_counter;

struct hw_pit8254 {
    hw_bus     *bus;
    hw_clock   *clock;
    uint32_t    hz;
    uint16_t    io_base;
    bool        mapped, mapped61;
    pit_counter c[3];
    hw_irq      irq;
    hw_timer    timer;           /* next OUT0 change */
    uint8_t     p61;             /* bits 0-3 as written */
    void      (*c2_hook)(void *); /* told before counter 2 or port 0x61 changes */
    void       *c2_opaque;
};

static void counter2_changing(hw_pit8254 *p)
{
    if (p->c2_hook)
        p->c2_hook(p->c2_opaque);
}

/* ---------- pulse grid ---------- */

uint64_t hw_pit8254_pulses_at(const hw_pit8254 *p, hw_time_t t)
{
    return (uint64_t)((unsigned __int128)t * p->hz / 1000000000u);
}

hw_time_t hw_pit8254_pulse_time(const hw_pit8254 *p, uint64_t k)
{
    unsigned __int128 n = (unsigned __int128)k * 1000000000u + p->hz - 1;
    unsigned __int128 t = n / p->hz;
    return t > UINT64_MAX ? HW_TIME_NEVER : (hw_time_t)t;
}

static uint64_t cur_pulse(const hw_pit8254 *p)
{
    return hw_pit8254_pulses_at(p, hw_clock_now(p->clock));
}

/* ---------- counter arithmetic ---------- */

static uint32_t modulus(const pit_counter *c) { return c->bcd ? 10000u : 65536u; }

static uint32_t ce_sub(const pit_counter *c, uint32_t start, uint64_t e)
{
    uint32_t m = modulus(c);
    return (uint32_t)(((uint64_t)start + m - e % m) % m);
}

static void promote(pit_counter *c, uint64_t p)
{
    if (c->has_next && p >= c->next_base) {
        c->base = c->next_base;
        c->start = c->next_n;
        c->has_next = false;
    }
}

/* OUT and CE of a segment (mode, start, tc_done) at elapsed e >= 0 */
static void seg_eval(const pit_counter *c, uint32_t start, uint64_t e, uint32_t *ce, bool *out)
{
    uint64_t n = start, ph, hi;
    switch (c->mode) {
    case 0:
    case 1:
        *ce = ce_sub(c, start, e);
        *out = c->tc_done || e >= start;
        break;
    case 2:
        ph = e % n;
        *ce = (uint32_t)(n - ph);
        *out = ph != n - 1;
        break;
    case 3:
        hi = (n + 1) / 2;
        ph = e % n;
        if (ph < hi) {
            *out = true;
            *ce = (uint32_t)((n & 1) ? (n - 1 >= 2 * ph ? n - 1 - 2 * ph : 0) : n - 2 * ph);
        } else {
            *out = false;
            *ce = (uint32_t)((n & 1) ? n - 1 - 2 * (ph - hi) : n - 2 * (ph - hi));
        }
        break;
    default: /* 4, 5 */
        *ce = ce_sub(c, start, e);
        *out = c->tc_done || e != start;
        break;
    }
}

static void eval(pit_counter *c, uint64_t p, uint32_t *ce, bool *out)
{
    if (!c->programmed) {
        *ce = 0;
        *out = false;
        return;
    }
    promote(c, p);
    if (!c->armed) {
        *ce = c->have_cr ? c->cr : 0;
        *out = c->mode != 0;
        return;
    }
    if (c->frozen) {
        *ce = c->frozen_ce;
        *out = c->frozen_out;
        return;
    }
    if (p < c->base) {
        *ce = c->start;
        *out = c->mode != 0;
        return;
    }
    seg_eval(c, c->start, p - c->base, ce, out);
}

/* first pulse > p at which OUT differs from OUT at p, within one segment */
static uint64_t seg_next(const pit_counter *c, uint64_t base, uint32_t start, uint64_t p)
{
    uint64_t e0, n = start, ph, e;
    if (p < base) {
        bool pre = c->mode != 0, at;
        uint32_t ce;
        seg_eval(c, start, 0, &ce, &at);
        if (at != pre)
            return base;
        e0 = 0;
    } else {
        e0 = p - base;
    }
    switch (c->mode) {
    case 0:
    case 1:
        if (c->tc_done || e0 >= start)
            return NEVER;
        e = start;
        break;
    case 2:
        if (n <= 1)
            return NEVER;
        ph = e0 % n;
        e = ph < n - 1 ? e0 - ph + n - 1 : e0 - ph + n;
        break;
    case 3: {
        uint64_t hi = (n + 1) / 2;
        if (n <= 1)
            return NEVER;
        ph = e0 % n;
        e = ph < hi ? e0 - ph + hi : e0 - ph + n;
        break;
    }
    default:
        if (c->tc_done || e0 > start)
            return NEVER;
        e = e0 < start ? start : start + 1;
        break;
    }
    return base + e;
}

static uint64_t next_change(pit_counter *c, uint64_t p)
{
    if (!c->programmed || !c->armed || c->frozen)
        return NEVER;
    promote(c, p);
    uint64_t q = seg_next(c, c->base, c->start, p);
    if (c->has_next && q != NEVER && q > c->next_base)
        q = seg_next(c, c->next_base, c->next_n, c->next_base);
    return q;
}

static uint16_t to_reg(const pit_counter *c, uint32_t ce)
{
    if (!c->bcd)
        return (uint16_t)(ce & 0xFFFF);
    ce %= 10000;
    return (uint16_t)((ce % 10) | (ce / 10 % 10) << 4 | (ce / 100 % 10) << 8 | (ce / 1000) << 12);
}

static uint32_t from_reg(const pit_counter *c, uint16_t v)
{
    if (!c->bcd)
        return v;
    return (v & 15) + 10 * ((v >> 4) & 15) + 100 * ((v >> 8) & 15) + 1000 * ((v >> 12) & 15);
}

/* ---------- counter 0 -> interrupt line ---------- */

static void c0_sync(hw_pit8254 *p)
{
    pit_counter *c = &p->c[0];
    uint64_t now = cur_pulse(p);
    uint32_t ce;
    bool out;
    eval(c, now, &ce, &out);
    hw_irq_set(&p->irq, out);
    uint64_t q = next_change(c, now);
    if (q == NEVER)
        hw_timer_del(&p->timer);
    else
        hw_timer_mod(&p->timer, hw_pit8254_pulse_time(p, q));
}

static void timer_cb(void *opaque) { c0_sync(opaque); }

static void counter_changed(hw_pit8254 *p, unsigned i)
{
    if (i == 0)
        c0_sync(p);
}

/* ---------- programming ---------- */

static void fold(pit_counter *c, uint64_t p, bool out_override, bool out_value)
{
    uint32_t ce;
    bool out;
    eval(c, p, &ce, &out);
    if (c->mode == 0 && out)
        c->tc_done = true;
    if ((c->mode == 4 || c->mode == 5) && p >= c->base && p - c->base > c->start)
        c->tc_done = true;
    c->frozen = true;
    c->frozen_ce = ce;
    c->frozen_out = out_override ? out_value : out;
    c->has_next = false;
}

static void load_count(hw_pit8254 *pt, pit_counter *c, uint16_t raw)
{
    uint64_t p = cur_pulse(pt);
    uint32_t n = from_reg(c, raw);
    if (n == 0)
        n = modulus(c);
    c->cr = n;
    c->have_cr = true;
    c->null_flag = true;
    switch (c->mode) {
    case 0:
    case 4:
        c->armed = true;
        c->tc_done = false;
        c->has_next = false;
        c->base = p + 1;
        c->start = n;
        c->null_until = p + 1;
        c->frozen = false;
        if (!c->gate) {             /* loaded, but counting suspended */
            c->frozen = true;
            c->frozen_ce = n;
            c->frozen_out = c->mode != 0;
        }
        break;
    case 1:
    case 5:
        c->null_until = NEVER;      /* loaded at the next trigger */
        break;
    default: /* 2, 3 */
        promote(c, p);
        if (c->armed && !c->frozen && p >= c->base) {
            uint64_t e = p - c->base, n0 = c->start;
            c->has_next = true;
            c->next_base = c->base + (e / n0 + 1) * n0;
            c->next_n = n;
            c->null_until = c->next_base;
        } else if (c->gate) {
            c->armed = true;
            c->frozen = false;
            c->has_next = false;
            c->base = p + 1;
            c->start = n;
            c->null_until = p + 1;
        } else {
            c->armed = true;
            c->frozen = true;
            c->frozen_ce = n;
            c->frozen_out = true;
            c->null_until = NEVER;
        }
        break;
    }
}

static void set_gate(hw_pit8254 *pt, pit_counter *c, bool gate)
{
    if (gate == c->gate)
        return;
    uint64_t p = cur_pulse(pt);
    c->gate = gate;
    if (!c->programmed)
        return;
    if (gate) {
        switch (c->mode) {
        case 0:
        case 4:
            if (c->armed && c->frozen) {
                c->frozen = false;
                c->start = c->frozen_ce;
                c->base = p;
            }
            break;
        default: /* 1, 2, 3, 5: rising edge (re)loads the count next pulse */
            if (c->have_cr) {
                c->armed = true;
                c->frozen = false;
                c->tc_done = false;
                c->has_next = false;
                c->base = p + 1;
                c->start = c->cr;
                c->null_until = p + 1;
            }
            break;
        }
    } else {
        switch (c->mode) {
        case 0:
        case 4:
            if (c->armed && !c->frozen)
                fold(c, p, false, false);
            break;
        case 2:
        case 3:
            if (c->armed && !c->frozen)
                fold(c, p, true, true);   /* OUT goes high at once */
            break;
        default:
            break;
        }
    }
}

static void latch_count(hw_pit8254 *pt, pit_counter *c)
{
    if (c->count_latched)
        return;
    uint32_t ce;
    bool out;
    eval(c, cur_pulse(pt), &ce, &out);
    c->latch_val = to_reg(c, ce);
    c->count_latched = true;
    c->latch_msb_next = false;
}

static uint8_t make_status(hw_pit8254 *pt, pit_counter *c)
{
    uint64_t p = cur_pulse(pt);
    uint32_t ce;
    bool out;
    eval(c, p, &ce, &out);
    bool null = c->null_flag && p < c->null_until;
    return (uint8_t)((out ? 0x80 : 0) | (null ? 0x40 : 0) | (c->rw << 4) | (c->mode << 1) | c->bcd);
}

static void control_write(hw_pit8254 *pt, uint8_t v)
{
    unsigned sc = v >> 6, rw = (v >> 4) & 3;
    if (sc == 3) {                      /* read-back command */
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            pit_counter *c = &pt->c[i];
            if (!(v & 0x10) && !c->status_latched) {
                c->status = make_status(pt, c);
                c->status_latched = true;
            }
            if (!(v & 0x20))
                latch_count(pt, c);
        }
        return;
    }
    pit_counter *c = &pt->c[sc];
    if (rw != 0 && sc == 2)
        counter2_changing(pt);
    if (rw == 0) {                      /* counter latch command */
        latch_count(pt, c);
        return;
    }
    unsigned mode = (v >> 1) & 7;
    if (mode > 5)
        mode -= 4;                      /* 6, 7 are aliases of 2, 3 */
    c->programmed = true;
    c->mode = (uint8_t)mode;
    c->rw = (uint8_t)rw;
    c->bcd = v & 1;
    c->have_cr = false;
    c->armed = false;
    c->frozen = false;
    c->has_next = false;
    c->tc_done = false;
    c->null_flag = true;
    c->null_until = NEVER;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    counter_changed(pt, sc);
}

static void count_write(hw_pit8254 *pt, unsigned i, uint8_t v)
{
    pit_counter *c = &pt->c[i];
    if (!c->programmed)
        return;
    if (i == 2)
        counter2_changing(pt);
    uint16_t raw;
    switch (c->rw) {
    case 1: raw = v; break;
    case 2: raw = (uint16_t)(v << 8); break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = v;
            c->write_msb_next = true;
            /* mode 0: writing the first byte stops counting, OUT goes low */
            if (c->mode == 0 && c->armed && !c->frozen) {
                fold(c, cur_pulse(pt), true, false);
                c->tc_done = false;
                counter_changed(pt, i);
            }
            return;
        }
        c->write_msb_next = false;
        raw = (uint16_t)(c->write_lsb | (v << 8));
        break;
    }
    load_count(pt, c, raw);
    counter_changed(pt, i);
}

static uint8_t count_read(hw_pit8254 *pt, unsigned i)
{
    pit_counter *c = &pt->c[i];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    uint16_t val;
    bool msb;
    if (c->count_latched) {
        val = c->latch_val;
        if (c->rw == 3) {
            msb = c->latch_msb_next;
            c->latch_msb_next = !msb;
            if (msb)
                c->count_latched = false;
        } else {
            msb = c->rw == 2;
            c->count_latched = false;
        }
    } else {
        uint32_t ce;
        bool out;
        eval(c, cur_pulse(pt), &ce, &out);
        val = to_reg(c, ce);
        if (c->rw == 3) {
            msb = c->read_msb_next;
            c->read_msb_next = !msb;
        } else {
            msb = c->rw == 2;
        }
    }
    return msb ? (uint8_t)(val >> 8) : (uint8_t)val;
}

uint8_t hw_pit8254_read(hw_pit8254 *pt, unsigned off)
{
    off &= 3;
    if (off == 3)
        return 0xFF;               /* control word register is write-only */
    return count_read(pt, off);
}

void hw_pit8254_write(hw_pit8254 *pt, unsigned off, uint8_t v)
{
    off &= 3;
    if (off == 3)
        control_write(pt, v);
    else
        count_write(pt, off, v);
}

uint8_t hw_pit8254_port61_read(hw_pit8254 *pt)
{
    uint8_t v = pt->p61 & 0x0F;
    if ((hw_clock_now(pt->clock) / 15000u) & 1)
        v |= 0x10;
    if (hw_pit8254_out(pt, 2))
        v |= 0x20;
    return v;
}

void hw_pit8254_port61_write(hw_pit8254 *pt, uint8_t v)
{
    counter2_changing(pt);
    pt->p61 = v & 0x0F;
    set_gate(pt, &pt->c[2], v & 1);
}

bool hw_pit8254_out(hw_pit8254 *pt, unsigned i)
{
    uint32_t ce;
    bool out;
    if (i > 2)
        return false;
    eval(&pt->c[i], cur_pulse(pt), &ce, &out);
    return out;
}

uint16_t hw_pit8254_count(hw_pit8254 *pt, unsigned i)
{
    uint32_t ce;
    bool out;
    if (i > 2)
        return 0;
    eval(&pt->c[i], cur_pulse(pt), &ce, &out);
    return to_reg(&pt->c[i], ce);
}

/* ---------- counter 2 for the speaker ---------- */

void hw_pit8254_set_counter2_hook(hw_pit8254 *pt, void (*hook)(void *opaque), void *opaque)
{
    pt->c2_hook = hook;
    pt->c2_opaque = opaque;
}

uint8_t hw_pit8254_port61_latch(const hw_pit8254 *pt) { return pt->p61; }

bool hw_pit8254_out_at(hw_pit8254 *pt, unsigned i, hw_time_t t)
{
    uint32_t ce;
    bool out;
    if (i > 2)
        return false;
    eval(&pt->c[i], hw_pit8254_pulses_at(pt, t), &ce, &out);
    return out;
}

hw_time_t hw_pit8254_out_next_change(hw_pit8254 *pt, unsigned i, hw_time_t t)
{
    if (i > 2)
        return HW_TIME_NEVER;
    uint64_t q = next_change(&pt->c[i], hw_pit8254_pulses_at(pt, t));
    return q == NEVER ? HW_TIME_NEVER : hw_pit8254_pulse_time(pt, q);
}

/* ---------- bus glue, life cycle ---------- */

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return hw_pit8254_read(opaque, (unsigned)off);
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    hw_pit8254_write(opaque, (unsigned)off, (uint8_t)v);
}

static uint64_t bus61_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off;
    (void)size;
    return hw_pit8254_port61_read(opaque);
}

static void bus61_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    (void)off;
    (void)size;
    hw_pit8254_port61_write(opaque, (uint8_t)v);
}

static const hw_region_ops pit_ops = { bus_read, bus_write, 1 };
static const hw_region_ops p61_ops = { bus61_read, bus61_write, 1 };

hw_pit8254 *hw_pit8254_new(hw_bus *bus, const hw_pit8254_config *cfg, int *err)
{
    hw_pit8254_config def = { 0x40, 0, true, 0, false };
    if (!cfg)
        cfg = &def;
    hw_pit8254 *p = calloc(1, sizeof(*p));
    int rc = -ENOMEM;
    if (!p)
        goto fail;
    p->bus = bus;
    p->clock = hw_bus_clock(bus);
    p->hz = cfg->clock_hz ? cfg->clock_hz : HW_PIT8254_CLOCK_HZ;
    p->io_base = cfg->io_base;
    p->c[0].gate = p->c[1].gate = true;   /* gates 0 and 1 are tied high on a PC */
    hw_irq_init(&p->irq, bus, cfg->irq);
    hw_timer_init(&p->timer, p->clock, timer_cb, p);
    rc = hw_bus_map_io(bus, cfg->io_base, 4, &pit_ops, p, "pit8254", NULL);
    if (rc < 0)
        goto fail;
    p->mapped = true;
    if (cfg->map_port61) {
        rc = hw_bus_map_io(bus, 0x61, 1, &p61_ops, p, "pit8254-port61", NULL);
        if (rc < 0)
            goto fail;
        p->mapped61 = true;
    }
    if (cfg->bios_init) {
        hw_pit8254_write(p, 3, 0x36);     /* counter 0, LSB+MSB, mode 3, binary */
        hw_pit8254_write(p, 0, 0);
        hw_pit8254_write(p, 0, 0);
    }
    return p;
fail:
    if (err)
        *err = rc;
    hw_pit8254_free(p);
    return NULL;
}

void hw_pit8254_free(hw_pit8254 *p)
{
    if (!p)
        return;
    if (p->mapped)
        hw_bus_unmap(p->bus, HW_SPACE_IO, p->io_base);
    if (p->mapped61)
        hw_bus_unmap(p->bus, HW_SPACE_IO, 0x61);
    hw_timer_del(&p->timer);
    hw_irq_release(&p->irq);
    free(p);
}
