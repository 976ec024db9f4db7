/* hwmodel/parport.c - parallel port and Centronics printer.  The printer's
 * handshake is computed from the time of the last accepted strobe; one timer
 * marks the end of the acknowledge pulse (the interrupt). */
#include "hwmodel/parport.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hw_parport {
    hw_bus     *bus;
    hw_clock   *clock;
    uint16_t    io_base;
    bool        mapped;
    hw_irq      irq;
    hw_timer    ack_timer;
    hw_chardev *chr;
    uint32_t    busy_ns, ack_ns;

    uint8_t     data, control;
    bool        irq_latched;        /* status bit 2 low until status is read */
    hw_time_t   strobe_at;          /* last accepted strobe, HW_TIME_NEVER none */
    hw_time_t   init_until;         /* busy after an init pulse */
    bool        in_init;            /* nINIT held low */
    bool        paper_out, offline;
    uint64_t    printed;

    hw_fault    fault;
    unsigned    lose_irqs;
    bool        never_ready;

    hw_vcd     *vcd;
    int         sig_data, sig_strobe, sig_busy, sig_ack;
};

static hw_time_t now_of(const hw_parport *p) { return hw_clock_now(p->clock); }

static bool printer_fault(const hw_parport *p) { return p->paper_out || p->offline; }

/* BUSY pin (active high) */
static bool busy(const hw_parport *p)
{
    hw_time_t t = now_of(p);
    if (p->never_ready || printer_fault(p) || p->in_init || t < p->init_until)
        return true;
    return p->strobe_at != HW_TIME_NEVER && t < p->strobe_at + p->busy_ns + p->ack_ns;
}

/* nACK pin low during the acknowledge pulse */
static bool acking(const hw_parport *p)
{
    hw_time_t t = now_of(p);
    return p->strobe_at != HW_TIME_NEVER && t >= p->strobe_at + p->busy_ns && t < p->strobe_at + p->busy_ns + p->ack_ns;
}

static uint8_t status_view(const hw_parport *p)
{
    uint8_t s = 0x02;                   /* reserved bit reads 1; EPP timeout 0 */
    if (!busy(p))
        s |= HW_PP_STR_NBUSY;
    if (!acking(p))
        s |= HW_PP_STR_NACK;
    if (p->paper_out)
        s |= HW_PP_STR_PE;
    if (!p->offline)
        s |= HW_PP_STR_SELECT;
    if (!printer_fault(p))
        s |= HW_PP_STR_NERROR;
    if (!p->irq_latched)
        s |= HW_PP_STR_NIRQ;
    return s;
}

static void trace_handshake(hw_parport *p, hw_time_t t)
{
    if (!p->vcd)
        return;
    hw_vcd_change(p->vcd, p->sig_data, t, p->data);
    hw_vcd_change(p->vcd, p->sig_strobe, t, p->control & HW_PP_CTR_STROBE);
    hw_vcd_change(p->vcd, p->sig_busy, t, busy(p));
    hw_vcd_change(p->vcd, p->sig_ack, t, acking(p));
}

static void raise_irq(hw_parport *p)
{
    if (p->lose_irqs) {
        p->lose_irqs--;
        return;
    }
    p->irq_latched = true;
    hw_irq_pulse(&p->irq);
}

static void ack_cb(void *opaque)
{
    hw_parport *p = opaque;
    hw_time_t t = now_of(p);
    if (p->vcd && p->strobe_at != HW_TIME_NEVER && t == p->strobe_at + p->busy_ns) {
        trace_handshake(p, t);          /* nACK falls */
        hw_timer_mod(&p->ack_timer, t + p->ack_ns);
        return;
    }
    trace_handshake(p, t);              /* nACK rises, BUSY drops */
    if (p->control & HW_PP_CTR_IRQEN)
        raise_irq(p);
}

static void strobe(hw_parport *p)
{
    if (busy(p) || (p->control & HW_PP_CTR_DIR))
        return;                         /* the printer does not take it */
    hw_time_t t = now_of(p);
    p->strobe_at = t;
    p->printed++;
    if (p->chr)
        hw_chardev_write_byte(p->chr, p->data);
    hw_timer_mod(&p->ack_timer, t + p->busy_ns + (p->vcd ? 0 : p->ack_ns));
}

static void control_write(hw_parport *p, uint8_t v)
{
    uint8_t was = p->control;
    p->control = v & 0x3F;
    bool init_low = !(v & HW_PP_CTR_NINIT);
    if (init_low && !p->in_init) {
        p->in_init = true;
        p->strobe_at = HW_TIME_NEVER;  /* a reset printer forgets the handshake */
        hw_timer_del(&p->ack_timer);
    } else if (!init_low && p->in_init) {
        p->in_init = false;
        p->init_until = now_of(p) + HW_PP_INIT_NS;
    }
    if ((v & HW_PP_CTR_STROBE) && !(was & HW_PP_CTR_STROBE) && !p->never_ready)
        strobe(p);
    trace_handshake(p, now_of(p));
}

uint8_t hw_parport_read(hw_parport *p, unsigned reg)
{
    switch (reg) {
    case HW_PP_DATA:
        return (uint8_t)hw_fault_apply_stuck(&p->fault, HW_PP_DATA, (p->control & HW_PP_CTR_DIR) ? 0xFF : p->data);
    case HW_PP_STATUS: {
        uint8_t s = status_view(p);
        p->irq_latched = false;
        return (uint8_t)hw_fault_apply_stuck(&p->fault, HW_PP_STATUS, s);
    }
    case HW_PP_CONTROL:
        return (uint8_t)(p->control | 0xC0);
    default:
        return 0xFF;
    }
}

void hw_parport_write(hw_parport *p, unsigned reg, uint8_t v)
{
    if (reg == HW_PP_DATA) {
        p->data = v;
        if (p->vcd)
            hw_vcd_change(p->vcd, p->sig_data, now_of(p), v);
    } else if (reg == HW_PP_CONTROL) {
        control_write(p, v);
    }
}

void hw_parport_attach(hw_parport *p, hw_chardev *chr) { p->chr = chr; }
void hw_parport_set_paper_out(hw_parport *p, bool out) { p->paper_out = out; trace_handshake(p, now_of(p)); }
void hw_parport_set_offline(hw_parport *p, bool off) { p->offline = off; trace_handshake(p, now_of(p)); }
uint64_t hw_parport_printed(const hw_parport *p) { return p->printed; }

void hw_parport_inject(hw_parport *p, const hw_fault *f)
{
    if (f->kinds & HW_FAULT_STUCK_BITS)
        p->fault = *f;
    if (f->kinds & HW_FAULT_NEVER_READY)
        p->never_ready = true;
    if (f->kinds & HW_FAULT_LOSE_NEXT_IRQ)
        p->lose_irqs += f->count ? f->count : 1;
    if (f->kinds & HW_FAULT_SPURIOUS_IRQ)
        hw_irq_pulse(&p->irq);          /* nIRQ stays 1: nothing acknowledged */
}

void hw_parport_clear_faults(hw_parport *p)
{
    memset(&p->fault, 0, sizeof(p->fault));
    p->never_ready = false;
    p->lose_irqs = 0;
}

int hw_parport_trace(hw_parport *p, hw_vcd *vcd, const char *prefix)
{
    if (!vcd) {
        p->vcd = NULL;
        return 0;
    }
    static const struct { const char *n; unsigned w; } s[4] = { { "DATA", 8 }, { "STROBE", 1 }, { "BUSY", 1 }, { "ACK", 1 } };
    int *sig[4] = { &p->sig_data, &p->sig_strobe, &p->sig_busy, &p->sig_ack };
    char name[128];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "%s.%s", prefix ? prefix : "lpt", s[i].n);
        int rc = hw_vcd_add_signal_init(vcd, name, s[i].w, 0);
        if (rc < 0)
            return rc;
        *sig[i] = rc;
    }
    p->vcd = vcd;
    return 0;
}

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return hw_parport_read(opaque, (unsigned)off);
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    hw_parport_write(opaque, (unsigned)off, (uint8_t)v);
}

static const hw_region_ops pp_ops = { bus_read, bus_write, 1 };

hw_parport *hw_parport_new(hw_bus *bus, const hw_parport_config *cfg, int *err)
{
    hw_parport_config def = { 0x378, 7, NULL, 0, 0 };
    if (!cfg)
        cfg = &def;
    hw_parport *p = calloc(1, sizeof(*p));
    int rc = -ENOMEM;
    if (!p)
        goto fail;
    p->bus = bus;
    p->clock = hw_bus_clock(bus);
    p->io_base = cfg->io_base;
    p->busy_ns = cfg->busy_ns ? cfg->busy_ns : HW_PP_BUSY_NS;
    p->ack_ns = cfg->ack_ns ? cfg->ack_ns : HW_PP_ACK_NS;
    p->strobe_at = HW_TIME_NEVER;
    p->control = HW_PP_CTR_NINIT | HW_PP_CTR_SELECTIN;
    hw_irq_init(&p->irq, bus, cfg->irq);
    hw_timer_init(&p->ack_timer, p->clock, ack_cb, p);
    /* 0x3BC has only 4 ports before the video card's; 8 elsewhere */
    rc = hw_bus_map_io(bus, cfg->io_base, cfg->io_base == 0x3BC ? 4 : 8, &pp_ops, p, cfg->name ? cfg->name : "parport", NULL);
    if (rc < 0)
        goto fail;
    p->mapped = true;
    return p;
fail:
    if (err)
        *err = rc;
    hw_parport_free(p);
    return NULL;
}

void hw_parport_free(hw_parport *p)
{
    if (!p)
        return;
    if (p->mapped)
        hw_bus_unmap(p->bus, HW_SPACE_IO, p->io_base);
    hw_timer_del(&p->ack_timer);
    hw_irq_release(&p->irq);
    free(p);
}
