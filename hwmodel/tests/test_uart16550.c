/* Tests for hwmodel/uart16550.c, driving the registers through the bus and
 * checking behaviour at exact virtual times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/chardev.h"
#include "hwmodel/uart16550.h"

#define BASE 0x3F8
#define IRQ  4
/* 115200 baud 8N1 (divisor 1): 10 bits * 16 / 1843200 Hz = 86805.5 ns,
 * truncated to 86805; the THRE indication in FIFO mode comes one stop bit
 * (8680.5 ns) earlier: 9 bits = 78125 ns exactly. */
#define CT      86805u
#define CT_THRE 78125u

typedef struct fx {
    hw_clock     *clk;
    hw_bus       *bus;
    hw_uart16550 *u;
    hw_chardev   *chr;
    int           n;
    hw_time_t     t[256];
    int           level[256];
} fx;

static void on_irq(void *o, unsigned line, int level, int edge)
{
    fx *f = o;
    if (line != IRQ || edge || f->n >= 256)
        return;
    f->t[f->n] = hw_clock_now(f->clk);
    f->level[f->n] = level;
    f->n++;
}

static void wr(fx *f, unsigned reg, uint8_t v) { assert_true(hw_bus_io_write(f->bus, BASE + reg, 1, v)); }

static uint8_t rd(fx *f, unsigned reg)
{
    uint32_t v = 0;
    assert_true(hw_bus_io_read(f->bus, BASE + reg, 1, &v));
    return (uint8_t)v;
}

static void at(fx *f, hw_time_t t) { hw_clock_run_until(f->clk, t); }
static hw_time_t now(fx *f) { return hw_clock_now(f->clk); }
static int line(fx *f) { return hw_bus_irq_level(f->bus, IRQ); }

static void baud(fx *f, uint16_t div, uint8_t lcr)
{
    wr(f, HW_UART_LCR, HW_UART_LCR_DLAB | lcr);
    wr(f, HW_UART_DLL, div & 0xFF);
    wr(f, HW_UART_DLM, div >> 8);
    wr(f, HW_UART_LCR, lcr);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    f->clk = hw_clock_new();
    f->bus = hw_bus_new(f->clk);
    hw_bus_set_irq_listener(f->bus, on_irq, f);
    hw_uart16550_config cfg = { .io_base = BASE, .irq = IRQ, .name = "com1" };
    int err = 0;
    f->u = hw_uart16550_new(f->bus, &cfg, &err);
    assert_non_null(f->u);
    f->chr = hw_chardev_buffer_new(f->clk);
    hw_uart16550_attach(f->u, f->chr);
    hw_clock_advance(f->clk, 1000);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    hw_uart16550_free(f->u);
    hw_chardev_free(f->chr);
    hw_bus_free(f->bus);
    hw_clock_free(f->clk);
    free(f);
    return 0;
}

/* standard configuration: 115200 8N1, deltas cleared */
static void std(fx *f)
{
    baud(f, 1, HW_UART_LCR_WLS8);
    (void)rd(f, HW_UART_MSR);
}

static void test_reset_and_registers(void **state)
{
    fx *f = *state;
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);
    assert_int_equal(rd(f, HW_UART_IER), 0x00);
    assert_int_equal(rd(f, HW_UART_LCR), 0x00);
    assert_int_equal(rd(f, HW_UART_MCR), 0x00);
    /* attaching the buffer back end raised CTS, DSR, DCD */
    assert_int_equal(rd(f, HW_UART_MSR), 0xB0 | 0x0B);
    assert_int_equal(rd(f, HW_UART_MSR), 0xB0);
    /* DLAB */
    wr(f, HW_UART_LCR, 0x80);
    wr(f, HW_UART_DLL, 0x34);
    wr(f, HW_UART_DLM, 0x12);
    assert_int_equal(rd(f, HW_UART_DLL), 0x34);
    assert_int_equal(rd(f, HW_UART_DLM), 0x12);
    wr(f, HW_UART_LCR, 0x1B);
    assert_int_equal(rd(f, HW_UART_LCR), 0x1B);
    assert_int_equal(rd(f, HW_UART_IER), 0x00);    /* not DLM */
    wr(f, HW_UART_IER, 0xFF);
    assert_int_equal(rd(f, HW_UART_IER), 0x0F);
    wr(f, HW_UART_SCR, 0xA5);
    assert_int_equal(rd(f, HW_UART_SCR), 0xA5);
    wr(f, HW_UART_MCR, 0xFF);
    assert_int_equal(rd(f, HW_UART_MCR), 0x1F);
    /* a 16-bit access is split into two byte registers */
    uint32_t v;
    assert_true(hw_bus_io_read(f->bus, BASE + HW_UART_LCR, 2, &v));
    assert_int_equal(v, 0x1F1B);
}

static void test_char_time(void **state)
{
    fx *f = *state;
    baud(f, 1, HW_UART_LCR_WLS8);
    assert_int_equal(hw_uart16550_char_time(f->u), 86805);
    baud(f, 12, HW_UART_LCR_WLS8);                       /* 9600 8N1 */
    assert_int_equal(hw_uart16550_char_time(f->u), 1041666);
    baud(f, 1, HW_UART_LCR_WLS7 | HW_UART_LCR_PEN | HW_UART_LCR_STB); /* 7E2: 11 bits */
    assert_int_equal(hw_uart16550_char_time(f->u), 95486);
    baud(f, 1, HW_UART_LCR_WLS5 | HW_UART_LCR_STB);      /* 5N1.5: 7.5 bits */
    assert_int_equal(hw_uart16550_char_time(f->u), 65104);
    baud(f, 0, HW_UART_LCR_WLS8);                        /* divisor 0 = 65536 */
    assert_int_equal(hw_uart16550_char_time(f->u), 5688888888ull);
}

static void test_tx_timing_16450_mode(void **state)
{
    fx *f = *state;
    std(f);
    hw_time_t t0 = now(f);
    wr(f, HW_UART_THR, 'A');
    /* moved to the idle shift register at once: THR empty, TSR busy */
    assert_int_equal(rd(f, HW_UART_LSR), 0x20);
    at(f, t0 + CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR), 0x20);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 0);
    at(f, t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 1);
    assert_int_equal(hw_chardev_buffer_data(f->chr)[0], 'A');
    assert_int_equal(hw_chardev_buffer_time(f->chr, 0), t0 + CT);
    /* two bytes: the second waits in THR (THRE clear) until the first is out */
    t0 = now(f);
    wr(f, HW_UART_THR, 'B');
    wr(f, HW_UART_THR, 'C');
    assert_int_equal(rd(f, HW_UART_LSR), 0x00);
    at(f, t0 + CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR), 0x00);
    at(f, t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x20);
    at(f, t0 + 2 * CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 3);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 2), t0 + 2 * CT);
    assert_memory_equal(hw_chardev_buffer_data(f->chr), "ABC", 3);
}

static void test_tx_timing_fifo_mode(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_FCR, HW_UART_FCR_ENABLE);
    hw_time_t t0 = now(f);
    wr(f, HW_UART_THR, 'A');
    /* THRE clear; the FIFO-empty indication is delayed one character time
     * minus the stop bit; TEMT sets one character time after the write */
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0);
    at(f, t0 + CT_THRE - 1);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0);
    at(f, t0 + CT_THRE);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0x20);
    at(f, t0 + CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0x20);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 0);
    at(f, t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0x60);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 0), t0 + CT);
    /* a burst of three: back to back, no drift; THRE sets as soon as the last
     * byte moves into the shift register (two bytes were in the FIFO) */
    hw_time_t t1 = now(f);
    wr(f, HW_UART_THR, 'x');
    wr(f, HW_UART_THR, 'y');
    wr(f, HW_UART_THR, 'z');
    at(f, t1 + 2 * CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0);
    at(f, t1 + 2 * CT);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0x20);
    at(f, t1 + 3 * CT);
    assert_int_equal(rd(f, HW_UART_LSR) & 0x60, 0x60);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 4);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 1), t1 + CT);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 2), t1 + 2 * CT);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 3), t1 + 3 * CT);
    assert_memory_equal(hw_chardev_buffer_data(f->chr), "Axyz", 4);
}

static void test_thre_interrupt(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    assert_int_equal(line(f), 0);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);         /* THR empty: raised */
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);    /* reading it clears it */
    assert_int_equal(line(f), 0);
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);         /* re-enable: raised again */
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);
    /* 'a' goes straight to the shift register: THR empty again at once */
    hw_time_t ta = now(f);
    wr(f, HW_UART_THR, 'a');
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);
    /* 'b' waits in THR; the next THRE interrupt comes when 'a' is out */
    wr(f, HW_UART_THR, 'b');
    assert_int_equal(line(f), 0);
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);
    int n0 = f->n;
    at(f, ta + CT - 1);
    assert_int_equal(line(f), 0);
    at(f, ta + CT);
    assert_int_equal(line(f), 1);
    assert_int_equal(f->n, n0 + 1);
    assert_int_equal(f->t[n0], ta + CT);
    assert_int_equal(f->level[n0], 1);
    /* writing THR clears the THRE interrupt */
    wr(f, HW_UART_THR, 'c');
    assert_int_equal(line(f), 0);
}

static void test_out2_gates_interrupt(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 0);                  /* OUT2 = 0: tri-stated */
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    assert_int_equal(line(f), 1);
    assert_int_equal(hw_uart16550_irq_output(f->u), 1);
    wr(f, HW_UART_MCR, 0);
    assert_int_equal(line(f), 0);
}

static void test_iir_priorities(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, 0x0F);
    hw_time_t t0 = now(f);
    hw_chardev_buffer_inject(f->chr, "xy", 2);     /* 16450 mode: y overruns x */
    hw_chardev_set_modem_inputs(f->chr, HW_CHR_CTS | HW_CHR_DSR); /* DCD drops */
    at(f, t0 + 2 * CT);
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x06);    /* line status (overrun) */
    assert_int_equal(rd(f, HW_UART_IIR), 0x06);    /* stays until LSR is read */
    assert_int_equal(rd(f, HW_UART_LSR), 0x63);
    assert_int_equal(rd(f, HW_UART_IIR), 0x04);    /* data available */
    assert_int_equal(rd(f, HW_UART_RBR), 'y');
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);    /* THRE (cleared by this read) */
    assert_int_equal(rd(f, HW_UART_IIR), 0x00);    /* modem status */
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_MSR), 0x38);    /* CTS DSR, delta DCD */
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);
    assert_int_equal(line(f), 0);
}

static void test_fifo_trigger_levels(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, HW_UART_IER_ERBFI);
    static const struct { uint8_t bits; unsigned level; } trig[] = {
        { HW_UART_FCR_TRIG1, 1 }, { HW_UART_FCR_TRIG4, 4 },
        { HW_UART_FCR_TRIG8, 8 }, { HW_UART_FCR_TRIG14, 14 },
    };
    for (unsigned i = 0; i < 4; i++) {
        wr(f, HW_UART_FCR, 0x07 | trig[i].bits);
        assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
        hw_time_t t0 = now(f);
        uint8_t data[16];
        for (unsigned k = 0; k < 16; k++)
            data[k] = (uint8_t)('a' + k);
        hw_uart16550_receive(f->u, data, trig[i].level);
        at(f, t0 + trig[i].level * CT - 1);
        assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
        assert_int_equal(line(f), 0);
        if (trig[i].level > 1)
            assert_int_equal(rd(f, HW_UART_LSR) & 1, 1);
        at(f, t0 + trig[i].level * CT);
        assert_int_equal(rd(f, HW_UART_IIR), 0xC4);
        assert_int_equal(line(f), 1);
        assert_int_equal(rd(f, HW_UART_RBR), 'a');  /* below the trigger again */
        assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
        assert_int_equal(line(f), 0);
    }
}

static void test_char_timeout(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_FCR, 0xC7);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, HW_UART_IER_ERBFI);
    hw_time_t t0 = now(f);
    hw_chardev_buffer_inject(f->chr, "ab", 2);
    at(f, t0 + 6 * CT - 1);            /* last char at 2 CT, + 4 CT of silence */
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
    at(f, t0 + 6 * CT);
    assert_int_equal(rd(f, HW_UART_IIR), 0xCC);
    assert_int_equal(line(f), 1);
    at(f, t0 + 6 * CT + 100);
    hw_time_t t1 = now(f);
    assert_int_equal(rd(f, HW_UART_RBR), 'a');     /* clears, restarts the timer */
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
    assert_int_equal(line(f), 0);
    at(f, t1 + 4 * CT - 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
    at(f, t1 + 4 * CT);
    assert_int_equal(rd(f, HW_UART_IIR), 0xCC);
    assert_int_equal(rd(f, HW_UART_RBR), 'b');
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
    at(f, now(f) + 10 * CT);                       /* empty FIFO: no timeout */
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);
    /* a new character restarts the timer too */
    t0 = now(f);
    hw_chardev_buffer_inject(f->chr, "c", 1);
    at(f, t0 + 3 * CT);
    hw_chardev_buffer_inject(f->chr, "d", 1);      /* arrives at 4 CT */
    at(f, t0 + 5 * CT);
    assert_int_equal(rd(f, HW_UART_IIR), 0xC1);    /* not at 1 CT + 4 CT */
    at(f, t0 + 8 * CT);
    assert_int_equal(rd(f, HW_UART_IIR), 0xCC);
}

static void test_rx_timing_and_overrun(void **state)
{
    fx *f = *state;
    std(f);
    hw_time_t t0 = now(f);
    hw_chardev_buffer_inject(f->chr, "xy", 2);
    assert_int_equal(hw_uart16550_rx_backlog(f->u), 2);
    at(f, t0 + CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR) & 3, 0);
    at(f, t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR) & 3, 1);
    at(f, t0 + 2 * CT);
    assert_int_equal(rd(f, HW_UART_LSR) & 3, 3);   /* OE, reported once */
    assert_int_equal(rd(f, HW_UART_LSR) & 3, 1);
    assert_int_equal(rd(f, HW_UART_RBR), 'y');
    assert_int_equal(rd(f, HW_UART_LSR) & 1, 0);
    /* FIFO mode: the 17th character is lost, the 16 stay */
    wr(f, HW_UART_FCR, 0x07);
    uint8_t data[17];
    for (int i = 0; i < 17; i++)
        data[i] = (uint8_t)i;
    t0 = now(f);
    hw_uart16550_receive(f->u, data, 17);
    at(f, t0 + 16 * CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x61);
    at(f, t0 + 17 * CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x63);
    for (int i = 0; i < 16; i++)
        assert_int_equal(rd(f, HW_UART_RBR), i);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
}

static void test_line_errors(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_FCR, 0x07);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, HW_UART_IER_ELSI);
    hw_time_t t0 = now(f);
    hw_uart16550_receive_ex(f->u, 'p', HW_UART_LSR_PE);
    hw_chardev_buffer_inject(f->chr, "q", 1);
    hw_uart16550_receive_ex(f->u, 0, HW_UART_LSR_BI | HW_UART_LSR_FE);
    at(f, t0 + 3 * CT);
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0xC6);
    assert_int_equal(rd(f, HW_UART_LSR), 0xE5);    /* DR PE FIFOERR THRE TEMT */
    assert_int_equal(line(f), 0);
    assert_int_equal(rd(f, HW_UART_LSR), 0xE1);    /* the break is still queued */
    assert_int_equal(rd(f, HW_UART_RBR), 'p');
    assert_int_equal(rd(f, HW_UART_LSR), 0xE1);
    assert_int_equal(rd(f, HW_UART_RBR), 'q');
    assert_int_equal(line(f), 1);                  /* break at the top now */
    assert_int_equal(rd(f, HW_UART_LSR), 0xF9);    /* DR FE BI FIFOERR THRE TEMT */
    assert_int_equal(rd(f, HW_UART_LSR), 0x61);
    assert_int_equal(rd(f, HW_UART_RBR), 0);
}

static void test_loopback(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_LOOP | HW_UART_MCR_OUT1 | HW_UART_MCR_OUT2);
    /* RI <- OUT1, DCD <- OUT2, CTS <- RTS (0), DSR <- DTR (0) */
    assert_int_equal(rd(f, HW_UART_MSR), 0xC0 | 0x03);
    wr(f, HW_UART_MCR, HW_UART_MCR_LOOP | HW_UART_MCR_OUT2);
    assert_int_equal(rd(f, HW_UART_MSR), 0x80 | 0x04); /* trailing edge of RI */
    assert_int_equal(hw_chardev_buffer_modem_outputs(f->chr), 0);
    hw_time_t t0 = now(f);
    wr(f, HW_UART_THR, 'Q');
    hw_chardev_buffer_inject(f->chr, "!", 1);      /* input is disconnected */
    at(f, t0 + CT - 1);
    assert_int_equal(rd(f, HW_UART_LSR) & 1, 0);
    at(f, t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x61);
    assert_int_equal(rd(f, HW_UART_RBR), 'Q');
    at(f, t0 + 5 * CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 0);
    /* interrupts work in loopback with OUT2 set (default configuration) */
    wr(f, HW_UART_IER, HW_UART_IER_ERBFI);
    wr(f, HW_UART_THR, 'R');
    at(f, now(f) + CT);
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x04);
    /* leaving loopback reconnects the outside lines */
    wr(f, HW_UART_MCR, HW_UART_MCR_DTR | HW_UART_MCR_RTS);
    assert_int_equal(hw_chardev_buffer_modem_outputs(f->chr), HW_CHR_DTR | HW_CHR_RTS);
    assert_int_equal(rd(f, HW_UART_MSR) & 0xF0, 0xB0);
}

static void test_modem_status_interrupt(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, HW_UART_IER_EDSSI);
    assert_int_equal(line(f), 0);
    hw_chardev_set_modem_inputs(f->chr, HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD | HW_CHR_RI);
    assert_int_equal(line(f), 0);                  /* RI rising sets no delta */
    hw_chardev_set_modem_inputs(f->chr, HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD);
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x00);
    assert_int_equal(rd(f, HW_UART_MSR), 0xB4);
    assert_int_equal(line(f), 0);
    hw_chardev_set_modem_inputs(f->chr, HW_CHR_DSR);
    assert_int_equal(rd(f, HW_UART_MSR), 0x20 | 0x09);
}

static void test_fault_spurious(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    hw_fault flt = { .kinds = HW_FAULT_SPURIOUS_IRQ };
    hw_uart16550_inject(f->u, &flt);
    assert_int_equal(line(f), 1);
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);    /* nothing to report */
    assert_int_equal(line(f), 0);
    flt.at = now(f) + 5000;
    hw_uart16550_inject(f->u, &flt);
    at(f, flt.at - 1);
    assert_int_equal(line(f), 0);
    at(f, flt.at);
    assert_int_equal(line(f), 1);
    assert_int_equal(f->t[f->n - 1], flt.at);
    assert_int_equal(rd(f, HW_UART_IIR), 0x01);
    assert_int_equal(line(f), 0);
}

static void test_fault_lose_next(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    hw_fault flt = { .kinds = HW_FAULT_LOSE_NEXT_IRQ };
    hw_uart16550_inject(f->u, &flt);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 0);                  /* lost */
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);    /* but the cause is visible */
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 1);                  /* the next one arrives */
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);
    /* count = 2 */
    flt.count = 2;
    hw_uart16550_inject(f->u, &flt);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 0);
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 0);
    assert_int_equal(rd(f, HW_UART_IIR), 0x02);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 1);
}

static void test_fault_stuck_bits(void **state)
{
    fx *f = *state;
    std(f);
    hw_fault flt = { .kinds = HW_FAULT_STUCK_BITS, .reg = HW_UART_LSR,
                     .stuck_mask = HW_UART_LSR_THRE | HW_UART_LSR_DR,
                     .stuck_value = HW_UART_LSR_DR };
    hw_uart16550_inject(f->u, &flt);
    assert_int_equal(rd(f, HW_UART_LSR), 0x41);
    assert_int_equal(rd(f, HW_UART_LSR), 0x41);
    hw_uart16550_clear_faults(f->u);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
}

static void test_fault_never_ready(void **state)
{
    fx *f = *state;
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    hw_fault flt = { .kinds = HW_FAULT_NEVER_READY };
    hw_uart16550_inject(f->u, &flt);
    assert_int_equal(rd(f, HW_UART_LSR), 0x00);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    assert_int_equal(line(f), 0);
    wr(f, HW_UART_THR, 'z');
    at(f, now(f) + HW_S(1));
    assert_int_equal(rd(f, HW_UART_LSR), 0x00);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 0);
    assert_int_equal(line(f), 0);
    hw_time_t t0 = now(f);
    hw_uart16550_clear_faults(f->u);
    at(f, t0 + CT);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 1);
    assert_int_equal(hw_chardev_buffer_time(f->chr, 0), t0 + CT);
    assert_int_equal(rd(f, HW_UART_LSR), 0x60);
}

static void test_vcd_trace(void **state)
{
    fx *f = *state;
    char path[] = "/tmp/hwmodel_uart_vcd_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_vcd *v = hw_vcd_open(path);
    assert_int_equal(hw_uart16550_trace(f->u, v, "u0"), 0);
    assert_int_equal(hw_bus_vcd_trace_irq(f->bus, v, IRQ, NULL), 0);
    std(f);
    wr(f, HW_UART_MCR, HW_UART_MCR_OUT2);
    wr(f, HW_UART_IER, HW_UART_IER_ETBEI);
    hw_time_t t0 = now(f);
    wr(f, HW_UART_THR, 0x55);
    at(f, t0 + 2 * CT);
    hw_uart16550_trace(f->u, NULL, NULL);
    hw_bus_vcd_detach(f->bus);
    assert_int_equal(hw_vcd_close(v), 0);
    FILE *fp = fopen(path, "r");
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = 0;
    fclose(fp);
    unlink(path);
    assert_non_null(strstr(buf, "$scope module u0 $end"));
    assert_non_null(strstr(buf, "$var wire 8 ! LSR [7:0] $end"));
    assert_non_null(strstr(buf, "$var wire 1 % TX $end"));
    assert_non_null(strstr(buf, "$var wire 1 ' irq4 $end"));
    /* the start bit of 0x55 at t0, then bits 1,0,1,0,... each 8680 ns */
    char want[64];
    snprintf(want, sizeof(want), "#%llu\n", (unsigned long long)t0);
    assert_non_null(strstr(buf, want));
    snprintf(want, sizeof(want), "#%llu\n1%%\n", (unsigned long long)(t0 + 8680));
    assert_non_null(strstr(buf, want));
    snprintf(want, sizeof(want), "#%llu\n0%%\n", (unsigned long long)(t0 + 17361));
    assert_non_null(strstr(buf, want));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_reset_and_registers),
        T(test_char_time),
        T(test_tx_timing_16450_mode),
        T(test_tx_timing_fifo_mode),
        T(test_thre_interrupt),
        T(test_out2_gates_interrupt),
        T(test_iir_priorities),
        T(test_fifo_trigger_levels),
        T(test_char_timeout),
        T(test_rx_timing_and_overrun),
        T(test_line_errors),
        T(test_loopback),
        T(test_modem_status_interrupt),
        T(test_fault_spurious),
        T(test_fault_lose_next),
        T(test_fault_stuck_bits),
        T(test_fault_never_ready),
        T(test_vcd_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
