/* hwmodel/uart16550.c - 16550A UART: state, register callbacks, timers.
 *
 * Events are per character, never per bit or per clock: a transmit timer
 * (character leaves the shift register / delayed THRE), a receive timer (next
 * character from the line completes), the character-timeout timer and the
 * spurious-interrupt fault timer. */
#include "hwmodel/uart16550.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIFO_DEPTH 16

typedef struct rx_entry {
    uint8_t data;
    uint8_t err;       /* LSR PE|FE|BI of this character */
} rx_entry;

struct hw_uart16550 {
    hw_time_t char_ns;  /* character time, recomputed when LCR or the divisor changes */
    hw_bus   *bus;
    hw_clock *clock;
    uint16_t  io_base;
    bool      mapped;
    hw_irq    irq;
    uint32_t  clock_hz;
    bool      strict_loop;
    char      name[48];

    uint8_t ier, lcr, mcr, scr, dll, dlm;
    bool    fifo_en;
    uint8_t fcr_bits;          /* trigger + DMA bits last programmed */
    uint8_t msr_lines;         /* MSR 7:4 */
    uint8_t msr_delta;         /* MSR 3:0 */
    uint8_t ext_lines;         /* modem inputs from the back end */

    /* receiver */
    rx_entry  rxf[FIFO_DEPTH];
    unsigned  rx_head, rx_count;
    uint8_t   rbr_last;
    bool      oe;
    bool      rx_timeout;
    hw_timer  to_timer;
    uint16_t *rxq;             /* line backlog: data | err << 8 */
    size_t    rxq_head, rxq_len, rxq_cap;
    hw_time_t rx_line_free;    /* end of the last character scheduled on the line */
    hw_timer  rx_timer;

    /* transmitter */
    uint8_t   txf[FIFO_DEPTH];
    unsigned  tx_head, tx_count;
    bool      tsr_busy;
    uint8_t   tsr;
    hw_time_t tsr_end;
    bool      thre;            /* THR/FIFO-empty indication */
    bool      thre_delay;      /* FIFO mode: THRE due at thre_at */
    hw_time_t thre_at;
    bool      two_bytes;       /* >= 2 bytes in the TX FIFO at once since THRE */
    bool      thre_ipending;
    hw_timer  tx_timer;

    /* interrupt output and faults */
    bool      spurious;
    hw_timer  spur_timer;
    unsigned  lose_count;
    bool      lost_mask;
    bool      never_ready;
    hw_fault  stuck;

    hw_chardev *chr;
    unsigned    mout_reported;
    bool        brk_reported;

    hw_vcd *vcd;
    int     sig_lsr, sig_iir, sig_msr, sig_intr, sig_tx, sig_rx;
};

/* ---------- timing ---------- */

static uint32_t divisor(const hw_uart16550 *u)
{
    uint32_t d = (uint32_t)u->dll | ((uint32_t)u->dlm << 8);
    return d ? d : 65536u;
}

static unsigned word_len(const hw_uart16550 *u) { return 5u + (u->lcr & 3u); }

static unsigned stop_half_bits(const hw_uart16550 *u)
{
    if (!(u->lcr & HW_UART_LCR_STB))
        return 2;
    return word_len(u) == 5 ? 3 : 4;
}

static unsigned char_half_bits(const hw_uart16550 *u)
{
    unsigned pen = (u->lcr & HW_UART_LCR_PEN) ? 1 : 0;
    return 2 * (1 + word_len(u) + pen) + stop_half_bits(u);
}

/* half_bits / 2 bits of 16 clocks of divisor input periods */
static hw_time_t half_bits_ns(const hw_uart16550 *u, unsigned half_bits)
{
    return (hw_time_t)half_bits * 8u * divisor(u) * 1000000000ull / u->clock_hz;
}

static void recompute_char_time(hw_uart16550 *u)
{
    u->char_ns = half_bits_ns(u, char_half_bits(u));
}

hw_time_t hw_uart16550_char_time(const hw_uart16550 *u)
{
    return u->char_ns;
}

static hw_time_t now_of(const hw_uart16550 *u) { return hw_clock_now(u->clock); }
static bool loop_mode(const hw_uart16550 *u) { return (u->mcr & HW_UART_MCR_LOOP) != 0; }

/* ---------- status views (no side effects) ---------- */

static bool thre_eff(const hw_uart16550 *u) { return u->thre && !u->never_ready; }

static uint8_t top_err(const hw_uart16550 *u)
{
    return u->rx_count ? u->rxf[u->rx_head].err : 0;
}

static uint8_t lsr_view(const hw_uart16550 *u)
{
    uint8_t v = 0;
    if (u->rx_count)
        v |= HW_UART_LSR_DR;
    if (u->oe)
        v |= HW_UART_LSR_OE;
    v |= top_err(u) & (HW_UART_LSR_PE | HW_UART_LSR_FE | HW_UART_LSR_BI);
    if (thre_eff(u)) {
        v |= HW_UART_LSR_THRE;
        if (!u->tsr_busy)
            v |= HW_UART_LSR_TEMT;
    }
    if (u->fifo_en) {
        for (unsigned i = 0; i < u->rx_count; i++)
            if (u->rxf[(u->rx_head + i) % FIFO_DEPTH].err) {
                v |= HW_UART_LSR_FIFOERR;
                break;
            }
    }
    return v;
}

static unsigned rx_trigger(const hw_uart16550 *u)
{
    static const unsigned levels[4] = { 1, 4, 8, 14 };
    return u->fifo_en ? levels[u->fcr_bits >> 6] : 1;
}

static uint8_t iir_id(const hw_uart16550 *u)
{
    if ((u->ier & HW_UART_IER_ELSI) && (u->oe || top_err(u)))
        return HW_UART_IIR_RLS;
    if ((u->ier & HW_UART_IER_ERBFI) && u->rx_count && u->rx_count >= rx_trigger(u))
        return HW_UART_IIR_RDA;
    if ((u->ier & HW_UART_IER_ERBFI) && u->rx_timeout)
        return HW_UART_IIR_CTI;
    if ((u->ier & HW_UART_IER_ETBEI) && u->thre_ipending && thre_eff(u))
        return HW_UART_IIR_THRE;
    if ((u->ier & HW_UART_IER_EDSSI) && u->msr_delta)
        return HW_UART_IIR_MSI;
    return HW_UART_IIR_NONE;
}

static uint8_t iir_view(const hw_uart16550 *u)
{
    return iir_id(u) | (u->fifo_en ? HW_UART_IIR_FIFO : 0);
}

static int irq_out(const hw_uart16550 *u)
{
    bool intr = iir_id(u) != HW_UART_IIR_NONE || u->spurious;
    if (!(u->mcr & HW_UART_MCR_OUT2))
        return 0;
    if (u->strict_loop && loop_mode(u))
        return 0;
    return intr;
}

int hw_uart16550_irq_output(const hw_uart16550 *u) { return u->irq.level; }

static void update(hw_uart16550 *u)
{
    int out = irq_out(u);
    if (!out) {
        u->lost_mask = false;
    } else if (!u->irq.level && !u->lost_mask && u->lose_count) {
        u->lose_count--;
        u->lost_mask = true;
    }
    if (u->lost_mask)
        out = 0;
    hw_irq_set(&u->irq, out);
    if (u->vcd) {
        hw_time_t t = now_of(u);
        hw_vcd_change(u->vcd, u->sig_lsr, t, lsr_view(u));
        hw_vcd_change(u->vcd, u->sig_iir, t, iir_view(u));
        hw_vcd_change(u->vcd, u->sig_msr, t, u->msr_delta | u->msr_lines);
        hw_vcd_change(u->vcd, u->sig_intr, t, (uint64_t)out);
    }
}

/* ---------- serial line waveforms (VCD only) ---------- */

static void trace_char(hw_uart16550 *u, int sig, hw_time_t start, uint8_t data)
{
    if (!u->vcd || sig < 0)
        return;
    unsigned wl = word_len(u), i = 0;
    hw_vcd_schedule(u->vcd, sig, start, 0);                    /* start bit */
    for (unsigned b = 0; b < wl; b++)
        hw_vcd_schedule(u->vcd, sig, start + half_bits_ns(u, 2 * ++i), (data >> b) & 1);
    if (u->lcr & HW_UART_LCR_PEN) {
        unsigned ones = (unsigned)__builtin_popcount(data & ((1u << wl) - 1));
        unsigned p;
        if (u->lcr & HW_UART_LCR_STICK)
            p = (u->lcr & HW_UART_LCR_EPS) ? 0 : 1;
        else
            p = (u->lcr & HW_UART_LCR_EPS) ? (ones & 1) : !(ones & 1);
        hw_vcd_schedule(u->vcd, sig, start + half_bits_ns(u, 2 * ++i), p);
    }
    hw_vcd_schedule(u->vcd, sig, start + half_bits_ns(u, 2 * ++i), 1); /* stop */
}

/* ---------- receiver ---------- */

static void rx_clear(hw_uart16550 *u)
{
    u->rx_head = u->rx_count = 0;
    u->rx_timeout = false;
    hw_timer_del(&u->to_timer);
}

static void rx_restart_timeout(hw_uart16550 *u)
{
    if (u->fifo_en && u->rx_count)
        hw_timer_mod(&u->to_timer, now_of(u) + 4 * hw_uart16550_char_time(u));
    else
        hw_timer_del(&u->to_timer);
}

static void rx_push(hw_uart16550 *u, uint8_t data, uint8_t err)
{
    unsigned cap = u->fifo_en ? FIFO_DEPTH : 1;
    if (u->rx_count == cap) {
        u->oe = true;
        if (!u->fifo_en)     /* 16450 mode: the new character replaces RBR */
            u->rxf[u->rx_head] = (rx_entry){ data, err };
        /* FIFO mode: the character in the shift register is lost */
    } else {
        u->rxf[(u->rx_head + u->rx_count) % FIFO_DEPTH] = (rx_entry){ data, err };
        u->rx_count++;
    }
    rx_restart_timeout(u);
    update(u);
}

static uint8_t rx_pop(hw_uart16550 *u)
{
    if (!u->rx_count)
        return u->rbr_last;
    uint8_t v = u->rxf[u->rx_head].data;
    u->rx_head = (u->rx_head + 1) % FIFO_DEPTH;
    u->rx_count--;
    u->rbr_last = v;
    u->rx_timeout = false;
    rx_restart_timeout(u);
    return v;
}

static void rx_schedule(hw_uart16550 *u)
{
    if (u->rxq_len == 0 || hw_timer_pending(&u->rx_timer))
        return;
    hw_time_t start = now_of(u) > u->rx_line_free ? now_of(u) : u->rx_line_free;
    hw_time_t end = start + hw_uart16550_char_time(u);
    u->rx_line_free = end;
    if (!loop_mode(u))
        trace_char(u, u->sig_rx, start, (uint8_t)u->rxq[u->rxq_head]);
    hw_timer_mod(&u->rx_timer, end);
}

static void rx_timer_cb(void *opaque)
{
    hw_uart16550 *u = opaque;
    if (u->rxq_len == 0)
        return;
    uint16_t e = u->rxq[u->rxq_head];
    u->rxq_head = (u->rxq_head + 1) % u->rxq_cap;
    u->rxq_len--;
    if (!loop_mode(u))     /* in loopback the serial input is disconnected */
        rx_push(u, (uint8_t)e, (uint8_t)(e >> 8));
    rx_schedule(u);
}

static void timeout_cb(void *opaque)
{
    hw_uart16550 *u = opaque;
    if (u->fifo_en && u->rx_count) {
        u->rx_timeout = true;
        update(u);
    }
}

static void rxq_append(hw_uart16550 *u, uint16_t e)
{
    if (u->rxq_len == u->rxq_cap) {
        size_t nc = u->rxq_cap ? u->rxq_cap * 2 : 256;
        uint16_t *nq = malloc(nc * sizeof(*nq));
        if (!nq)
            return;
        for (size_t i = 0; i < u->rxq_len; i++)
            nq[i] = u->rxq[(u->rxq_head + i) % u->rxq_cap];
        free(u->rxq);
        u->rxq = nq;
        u->rxq_cap = nc;
        u->rxq_head = 0;
    }
    u->rxq[(u->rxq_head + u->rxq_len) % u->rxq_cap] = e;
    u->rxq_len++;
}

void hw_uart16550_receive(hw_uart16550 *u, const uint8_t *bytes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        rxq_append(u, bytes[i]);
    rx_schedule(u);
}

void hw_uart16550_receive_ex(hw_uart16550 *u, uint8_t byte, unsigned lsr_errors)
{
    lsr_errors &= HW_UART_LSR_PE | HW_UART_LSR_FE | HW_UART_LSR_BI;
    rxq_append(u, (uint16_t)(byte | (lsr_errors << 8)));
    rx_schedule(u);
}

size_t hw_uart16550_rx_backlog(const hw_uart16550 *u) { return u->rxq_len; }

/* ---------- transmitter ---------- */

static void set_thre(hw_uart16550 *u)
{
    u->thre = true;
    u->thre_delay = false;
    u->thre_ipending = true;
    u->two_bytes = false;
}

static void tx_reschedule(hw_uart16550 *u)
{
    hw_time_t next = HW_TIME_NEVER;
    if (u->tsr_busy)
        next = u->tsr_end;
    if (u->thre_delay && u->thre_at < next)
        next = u->thre_at;
    if (next == HW_TIME_NEVER)
        hw_timer_del(&u->tx_timer);
    else if (hw_timer_expire_time(&u->tx_timer) != next)
        hw_timer_mod(&u->tx_timer, next);
}

/* Move the next FIFO byte into the shift register at time t. */
static void tx_start(hw_uart16550 *u, hw_time_t t)
{
    u->tsr = u->txf[u->tx_head];
    u->tx_head = (u->tx_head + 1) % FIFO_DEPTH;
    u->tx_count--;
    u->tsr_busy = true;
    u->tsr_end = t + hw_uart16550_char_time(u);
    if (!loop_mode(u) && !(u->lcr & HW_UART_LCR_BREAK))
        trace_char(u, u->sig_tx, t, u->tsr);
    if (u->tx_count == 0) {
        if (u->fifo_en && !u->two_bytes) {
            /* datasheet: the FIFO-empty indication is delayed one character
             * time minus the last stop bit when the FIFO never held two bytes */
            u->thre_delay = true;
            u->thre_at = t + half_bits_ns(u, char_half_bits(u) - stop_half_bits(u));
        } else {
            set_thre(u);
        }
    }
}

static void tx_timer_cb(void *opaque)
{
    hw_uart16550 *u = opaque;
    hw_time_t now = now_of(u);
    if (u->thre_delay && u->thre_at <= now)
        set_thre(u);
    if (u->tsr_busy && u->tsr_end <= now) {
        uint8_t c = u->tsr;
        hw_time_t end = u->tsr_end;
        u->tsr_busy = false;
        if (loop_mode(u))
            rx_push(u, c, 0);
        else if (u->chr)
            hw_chardev_write_byte(u->chr, c);
        if (u->tx_count && !u->never_ready && !u->tsr_busy)
            tx_start(u, end);
    }
    tx_reschedule(u);
    update(u);
}

static void thr_write(hw_uart16550 *u, uint8_t v)
{
    unsigned cap = u->fifo_en ? FIFO_DEPTH : 1;
    u->thre_ipending = false;
    if (u->tx_count == cap) {
        if (!u->fifo_en)   /* 16450 mode: overwrite THR */
            u->txf[(u->tx_head + u->tx_count - 1) % FIFO_DEPTH] = v;
        /* FIFO full: the byte is lost */
    } else {
        u->txf[(u->tx_head + u->tx_count) % FIFO_DEPTH] = v;
        u->tx_count++;
    }
    if (u->tx_count >= 2)
        u->two_bytes = true;
    u->thre = false;
    u->thre_delay = false;
    if (!u->never_ready && !u->tsr_busy)
        tx_start(u, now_of(u));
    tx_reschedule(u);
    update(u);
}

static void tx_clear(hw_uart16550 *u)
{
    u->tx_head = u->tx_count = 0;
    if (!u->thre)
        set_thre(u);
    u->thre_delay = false;
    tx_reschedule(u);
}

/* ---------- modem lines ---------- */

static void msr_set_lines(hw_uart16550 *u, uint8_t lines)
{
    uint8_t old = u->msr_lines, ch = old ^ lines;
    if (ch & HW_UART_MSR_CTS)
        u->msr_delta |= HW_UART_MSR_DCTS;
    if (ch & HW_UART_MSR_DSR)
        u->msr_delta |= HW_UART_MSR_DDSR;
    if ((old & HW_UART_MSR_RI) && !(lines & HW_UART_MSR_RI))
        u->msr_delta |= HW_UART_MSR_TERI;
    if (ch & HW_UART_MSR_DCD)
        u->msr_delta |= HW_UART_MSR_DDCD;
    u->msr_lines = lines;
}

static uint8_t loop_lines(uint8_t mcr)
{
    uint8_t l = 0;
    if (mcr & HW_UART_MCR_RTS)  l |= HW_UART_MSR_CTS;
    if (mcr & HW_UART_MCR_DTR)  l |= HW_UART_MSR_DSR;
    if (mcr & HW_UART_MCR_OUT1) l |= HW_UART_MSR_RI;
    if (mcr & HW_UART_MCR_OUT2) l |= HW_UART_MSR_DCD;
    return l;
}

static void report_outputs(hw_uart16550 *u)
{
    if (!u->chr)
        return;
    unsigned mout = loop_mode(u) ? 0 : (u->mcr & (HW_UART_MCR_DTR | HW_UART_MCR_RTS));
    if (mout != u->mout_reported) {
        u->mout_reported = mout;
        hw_chardev_set_modem_outputs(u->chr, mout);
    }
    bool brk = !loop_mode(u) && (u->lcr & HW_UART_LCR_BREAK);
    if (brk != u->brk_reported) {
        u->brk_reported = brk;
        hw_chardev_set_break(u->chr, brk);
    }
}

void hw_uart16550_set_modem_inputs(hw_uart16550 *u, unsigned lines)
{
    u->ext_lines = (uint8_t)(lines & 0xF0);
    if (!loop_mode(u)) {
        msr_set_lines(u, u->ext_lines);
        update(u);
    }
}

/* ---------- register interface ---------- */

uint8_t hw_uart16550_read(hw_uart16550 *u, unsigned reg)
{
    uint8_t v = 0;
    bool dlab = (u->lcr & HW_UART_LCR_DLAB) != 0;
    reg &= 7;
    switch (reg) {
    case 0:
        v = dlab ? u->dll : rx_pop(u);
        break;
    case 1:
        v = dlab ? u->dlm : u->ier;
        break;
    case 2: {
        uint8_t id = iir_id(u);
        v = iir_view(u);
        if (id == HW_UART_IIR_THRE)
            u->thre_ipending = false;
        u->spurious = false;
        break;
    }
    case 3: v = u->lcr; break;
    case 4: v = u->mcr; break;
    case 5:
        v = lsr_view(u);
        u->oe = false;
        if (u->rx_count)
            u->rxf[u->rx_head].err = 0;
        break;
    case 6:
        v = u->msr_delta | u->msr_lines;
        u->msr_delta = 0;
        break;
    case 7: v = u->scr; break;
    }
    v = (uint8_t)hw_fault_apply_stuck(&u->stuck, reg, v);
    if (reg != 3 && reg != 4 && reg != 7 && !(dlab && reg < 2))
        update(u);
    return v;
}

static void fcr_write(hw_uart16550 *u, uint8_t v)
{
    bool en = (v & HW_UART_FCR_ENABLE) != 0;
    if (en != u->fifo_en) {
        /* changing FCR0 empties both FIFOs; the first THRE interrupt after
         * it is immediate */
        u->fifo_en = en;
        rx_clear(u);
        u->tx_head = u->tx_count = 0;
        set_thre(u);
        tx_reschedule(u);
    }
    if (!en)
        return;   /* other bits are only programmed with FCR0 = 1 */
    u->fcr_bits = v & (HW_UART_FCR_TRIG14 | HW_UART_FCR_DMA);
    if (v & HW_UART_FCR_RXRESET)
        rx_clear(u);
    if (v & HW_UART_FCR_TXRESET)
        tx_clear(u);
}

void hw_uart16550_write(hw_uart16550 *u, unsigned reg, uint8_t v)
{
    bool dlab = (u->lcr & HW_UART_LCR_DLAB) != 0;
    switch (reg & 7) {
    case 0:
        if (dlab) {
            u->dll = v;
            recompute_char_time(u);
        } else {
            thr_write(u, v);
        }
        return;   /* thr_write updates */
    case 1:
        if (dlab) {
            u->dlm = v;
            recompute_char_time(u);
            return;
        }
        u->ier = v & 0x0F;
        /* enabling (or re-writing) ETBEI while THR is empty raises THRE */
        if ((u->ier & HW_UART_IER_ETBEI) && thre_eff(u))
            u->thre_ipending = true;
        break;
    case 2:
        fcr_write(u, v);
        break;
    case 3: {
        bool brk_was = (u->lcr & HW_UART_LCR_BREAK) != 0;
        u->lcr = v;
        recompute_char_time(u);
        bool brk = (v & HW_UART_LCR_BREAK) != 0;
        if (brk != brk_was && u->vcd && !loop_mode(u))
            hw_vcd_change(u->vcd, u->sig_tx, now_of(u), brk ? 0 : 1);
        report_outputs(u);
        break;
    }
    case 4: {
        bool was_loop = loop_mode(u);
        u->mcr = v & 0x1F;
        msr_set_lines(u, loop_mode(u) ? loop_lines(u->mcr) : u->ext_lines);
        if (was_loop != loop_mode(u) && u->vcd)
            hw_vcd_change(u->vcd, u->sig_tx, now_of(u), 1);
        report_outputs(u);
        break;
    }
    case 5:
    case 6:
        return;   /* factory test / read-only */
    case 7:
        u->scr = v;
        return;
    }
    update(u);
}

/* ---------- bus glue ---------- */

static uint64_t bus_read(void *opaque, uint64_t off, unsigned size)
{
    (void)size;
    return hw_uart16550_read(opaque, (unsigned)off);
}

static void bus_write(void *opaque, uint64_t off, unsigned size, uint64_t value)
{
    (void)size;
    hw_uart16550_write(opaque, (unsigned)off, (uint8_t)value);
}

static const hw_region_ops uart_ops = { bus_read, bus_write, 1 };

/* ---------- faults ---------- */

static void spur_cb(void *opaque)
{
    hw_uart16550 *u = opaque;
    u->spurious = true;
    update(u);
}

void hw_uart16550_inject(hw_uart16550 *u, const hw_fault *f)
{
    if (f->kinds & HW_FAULT_SPURIOUS_IRQ) {
        if (f->at <= now_of(u))
            u->spurious = true;
        else
            hw_timer_mod(&u->spur_timer, f->at);
    }
    if (f->kinds & HW_FAULT_LOSE_NEXT_IRQ)
        u->lose_count += f->count ? f->count : 1;
    if (f->kinds & HW_FAULT_STUCK_BITS) {
        u->stuck = *f;
        u->stuck.kinds = HW_FAULT_STUCK_BITS;
    }
    if (f->kinds & HW_FAULT_NEVER_READY) {
        u->never_ready = true;
        u->thre_delay = false;
        u->thre_ipending = false;
        tx_reschedule(u);
    }
    update(u);
}

void hw_uart16550_clear_faults(hw_uart16550 *u)
{
    u->spurious = false;
    hw_timer_del(&u->spur_timer);
    u->lose_count = 0;
    u->lost_mask = false;
    memset(&u->stuck, 0, sizeof(u->stuck));
    if (u->never_ready) {
        u->never_ready = false;
        if (u->tx_count && !u->tsr_busy)
            tx_start(u, now_of(u));
        else if (u->tx_count == 0)
            set_thre(u);
        tx_reschedule(u);
    }
    update(u);
}

/* ---------- life cycle ---------- */

static void fe_receive(void *opaque, const uint8_t *bytes, size_t n)
{
    hw_uart16550_receive(opaque, bytes, n);
}

static void fe_modem(void *opaque, unsigned lines)
{
    hw_uart16550_set_modem_inputs(opaque, lines);
}

static const hw_chardev_frontend uart_fe = { fe_receive, fe_modem };

void hw_uart16550_attach(hw_uart16550 *u, hw_chardev *chr)
{
    if (u->chr)
        hw_chardev_attach(u->chr, NULL, NULL);
    u->chr = chr;
    u->mout_reported = 0;
    u->brk_reported = false;
    if (chr) {
        hw_chardev_attach(chr, &uart_fe, u);
        report_outputs(u);
    } else {
        hw_uart16550_set_modem_inputs(u, 0);
    }
}

hw_uart16550 *hw_uart16550_new(hw_bus *bus, const hw_uart16550_config *cfg, int *err)
{
    hw_uart16550_config def = { 0x3F8, 4, 0, NULL, false };
    if (!cfg)
        cfg = &def;
    hw_uart16550 *u = calloc(1, sizeof(*u));
    if (!u) {
        if (err)
            *err = -ENOMEM;
        return NULL;
    }
    u->bus = bus;
    u->clock = hw_bus_clock(bus);
    u->io_base = cfg->io_base;
    u->clock_hz = cfg->clock_hz ? cfg->clock_hz : HW_UART16550_CLOCK_HZ;
    u->strict_loop = cfg->strict_loopback_irq;
    snprintf(u->name, sizeof(u->name), "%s", cfg->name ? cfg->name : "uart16550");
    u->sig_lsr = u->sig_iir = u->sig_msr = u->sig_intr = u->sig_tx = u->sig_rx = -1;
    hw_irq_init(&u->irq, bus, cfg->irq);
    hw_timer_init(&u->rx_timer, u->clock, rx_timer_cb, u);
    hw_timer_init(&u->tx_timer, u->clock, tx_timer_cb, u);
    hw_timer_init(&u->to_timer, u->clock, timeout_cb, u);
    hw_timer_init(&u->spur_timer, u->clock, spur_cb, u);
    /* reset state (datasheet master reset): LSR = 0x60, IIR = 0x01, rest 0 */
    u->thre = true;
    u->dll = 0x0C;      /* a defined divisor (9600 baud) instead of garbage */
    recompute_char_time(u);
    int rc = hw_bus_map_io(bus, cfg->io_base, 8, &uart_ops, u, u->name, NULL);
    if (rc < 0) {
        if (err)
            *err = rc;
        free(u);
        return NULL;
    }
    u->mapped = true;
    return u;
}

void hw_uart16550_free(hw_uart16550 *u)
{
    if (!u)
        return;
    if (u->mapped)
        hw_bus_unmap(u->bus, HW_SPACE_IO, u->io_base);
    hw_timer_del(&u->rx_timer);
    hw_timer_del(&u->tx_timer);
    hw_timer_del(&u->to_timer);
    hw_timer_del(&u->spur_timer);
    hw_irq_release(&u->irq);
    if (u->chr)
        hw_chardev_attach(u->chr, NULL, NULL);
    free(u->rxq);
    free(u);
}

int hw_uart16550_trace(hw_uart16550 *u, hw_vcd *vcd, const char *prefix)
{
    char name[160];
    const char *p = prefix && *prefix ? prefix : u->name;
    if (!vcd) {
        u->vcd = NULL;
        u->sig_lsr = u->sig_iir = u->sig_msr = u->sig_intr = u->sig_tx = u->sig_rx = -1;
        return 0;
    }
    struct { int *sig; const char *leaf; unsigned width; uint64_t init; } s[] = {
        { &u->sig_lsr, "LSR", 8, lsr_view(u) },
        { &u->sig_iir, "IIR", 8, iir_view(u) },
        { &u->sig_msr, "MSR", 8, (uint64_t)(u->msr_delta | u->msr_lines) },
        { &u->sig_intr, "INTR", 1, (uint64_t)u->irq.level },
        { &u->sig_tx, "TX", 1, 1 },
        { &u->sig_rx, "RX", 1, 1 },
    };
    for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
        snprintf(name, sizeof(name), "%s.%s", p, s[i].leaf);
        int sig = hw_vcd_add_signal_init(vcd, name, s[i].width, s[i].init);
        if (sig < 0)
            return sig;
        *s[i].sig = sig;
    }
    u->vcd = vcd;
    return 0;
}
