/* Tests for hwmodel/pit8254.c at exact counter pulses.  Pulse k of the
 * 1.193182 MHz input happens at ceil(k * 1e9 / 1193182) ns; the expected
 * times below are written out as numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/pit8254.h"

typedef struct fx {
    hw_clock   *clk;
    hw_bus     *bus;
    hw_pit8254 *pit;
    int         n;
    hw_time_t   t[64];
    int         level[64];
} fx;

static void on_irq(void *o, unsigned line, int level, int edge)
{
    fx *f = o;
    if (line != 0 || edge || f->n >= 64)
        return;
    f->t[f->n] = hw_clock_now(f->clk);
    f->level[f->n] = level;
    f->n++;
}

static int setup_cfg(void **state, const hw_pit8254_config *cfg)
{
    fx *f = calloc(1, sizeof(*f));
    f->clk = hw_clock_new();
    f->bus = hw_bus_new(f->clk);
    hw_bus_set_irq_listener(f->bus, on_irq, f);
    f->pit = hw_pit8254_new(f->bus, cfg, NULL);
    assert_non_null(f->pit);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_cfg(state, NULL); }

static int setup_bios(void **state)
{
    hw_pit8254_config cfg = { .io_base = 0x40, .irq = 0, .map_port61 = true, .bios_init = true };
    return setup_cfg(state, &cfg);
}

static int teardown(void **state)
{
    fx *f = *state;
    hw_pit8254_free(f->pit);
    hw_bus_free(f->bus);
    hw_clock_free(f->clk);
    free(f);
    return 0;
}

static void out8(fx *f, uint16_t port, uint8_t v) { assert_true(hw_bus_io_write(f->bus, port, 1, v)); }

static uint8_t in8(fx *f, uint16_t port)
{
    uint32_t v;
    assert_true(hw_bus_io_read(f->bus, port, 1, &v));
    return (uint8_t)v;
}

static void at(fx *f, hw_time_t t) { hw_clock_run_until(f->clk, t); }
static int irq0(fx *f) { return hw_bus_irq_level(f->bus, 0); }

static uint16_t latch_read(fx *f, unsigned ctr)
{
    out8(f, 0x43, (uint8_t)(ctr << 6));             /* counter latch command */
    uint8_t lo = in8(f, (uint16_t)(0x40 + ctr));
    uint8_t hi = in8(f, (uint16_t)(0x40 + ctr));
    return (uint16_t)(lo | hi << 8);
}

static void test_pulse_grid(void **state)
{
    fx *f = *state;
    assert_int_equal(hw_pit8254_pulses_at(f->pit, 0), 0);
    assert_int_equal(hw_pit8254_pulses_at(f->pit, 838), 0);
    assert_int_equal(hw_pit8254_pulses_at(f->pit, 839), 1);
    assert_int_equal(hw_pit8254_pulse_time(f->pit, 1), 839);
    assert_int_equal(hw_pit8254_pulse_time(f->pit, 1193182), 1000000000);
    assert_int_equal(hw_pit8254_pulses_at(f->pit, HW_S(3600)), 3600ull * 1193182);
}

static void test_mode0(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x30);                  /* counter 0, LSB+MSB, mode 0, binary */
    out8(f, 0x40, 100);
    out8(f, 0x40, 0);                     /* written at pulse 0, loaded at pulse 1 */
    assert_int_equal(irq0(f), 0);
    out8(f, 0x43, 0xE2);                  /* read-back status of counter 0 */
    assert_int_equal(in8(f, 0x40), 0x40 | 0x30); /* OUT low, null count */
    at(f, 839);                           /* pulse 1: loaded */
    out8(f, 0x43, 0xE2);
    assert_int_equal(in8(f, 0x40), 0x30);
    at(f, 42743);                         /* pulse 51 */
    assert_int_equal(latch_read(f, 0), 50);
    at(f, 51124);                         /* pulse 61, unlatched read */
    assert_int_equal(in8(f, 0x40), 40);
    assert_int_equal(in8(f, 0x40), 0);
    at(f, 84647);                         /* just before pulse 101 */
    assert_int_equal(irq0(f), 0);
    assert_int_equal(f->n, 0);
    at(f, 84648);                         /* pulse 101 = N + 1 after the write */
    assert_int_equal(irq0(f), 1);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->t[0], 84648);
    at(f, 85486);                         /* keeps counting, wraps, OUT stays high */
    assert_int_equal(latch_read(f, 0), 0xFFFF);
    at(f, HW_MS(10));
    assert_int_equal(irq0(f), 1);
    assert_int_equal(f->n, 1);
    /* reprogramming the mode drives OUT low again */
    out8(f, 0x43, 0x30);
    assert_int_equal(irq0(f), 0);
}

static void test_mode2_rate_generator(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x34);                  /* counter 0, LSB+MSB, mode 2 */
    assert_int_equal(irq0(f), 1);         /* the control word sets OUT high */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->t[0], 0);
    f->n = 0;
    out8(f, 0x40, 10);
    out8(f, 0x40, 0);
    assert_int_equal(irq0(f), 1);
    at(f, 839);                           /* pulse 1: CE = 10 */
    assert_int_equal(latch_read(f, 0), 10);
    at(f, 8381);                          /* pulse 10: CE = 1, OUT low */
    assert_int_equal(latch_read(f, 0), 1);
    assert_int_equal(irq0(f), 0);
    at(f, 9220);                          /* pulse 11: reload, OUT high */
    assert_int_equal(latch_read(f, 0), 10);
    assert_int_equal(irq0(f), 1);
    at(f, 12000);                         /* pulse 14; new count at the next reload */
    out8(f, 0x40, 4);
    out8(f, 0x40, 0);
    at(f, 30000);
    /* transitions: low 10, high 11, low 20, high 21 (new count 4),
     * low 24, high 25, low 28, high 29 */
    hw_time_t want[] = { 8381, 9220, 16762, 17600, 20115, 20953, 23467, 24305 };
    int lvl[] = { 0, 1, 0, 1, 0, 1, 0, 1 };
    assert_true(f->n >= 8);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(f->t[i], want[i]);
        assert_int_equal(f->level[i], lvl[i]);
    }
}

static void test_mode3_square_wave(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x36);                  /* counter 0, LSB+MSB, mode 3 */
    out8(f, 0x40, 10);
    out8(f, 0x40, 0);
    assert_int_equal(f->n, 1);            /* OUT high from the control word */
    f->n = 0;
    at(f, 839);                           /* pulse 1 */
    assert_int_equal(latch_read(f, 0), 10);
    at(f, hw_pit8254_pulse_time(f->pit, 2));
    assert_int_equal(latch_read(f, 0), 8);  /* decrements by two */
    at(f, hw_pit8254_pulse_time(f->pit, 5));
    assert_int_equal(latch_read(f, 0), 2);
    assert_int_equal(irq0(f), 1);
    at(f, 5029);                          /* pulse 6: second half, OUT low */
    assert_int_equal(irq0(f), 0);
    assert_int_equal(latch_read(f, 0), 10);
    at(f, 13410);                         /* pulse 16 */
    hw_time_t want[] = { 5029, 9220, 13410 };
    int lvl[] = { 0, 1, 0 };
    assert_int_equal(f->n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f->t[i], want[i]);
        assert_int_equal(f->level[i], lvl[i]);
    }
    /* odd count 5: high for 3 pulses, low for 2 */
    out8(f, 0x43, 0x36);
    out8(f, 0x40, 5);
    out8(f, 0x40, 0);                     /* at pulse 16, loaded at 17 */
    f->n = 0;
    at(f, hw_pit8254_pulse_time(f->pit, 27));
    assert_int_equal(f->n, 4);
    assert_int_equal(f->t[0], hw_pit8254_pulse_time(f->pit, 20));
    assert_int_equal(f->t[1], hw_pit8254_pulse_time(f->pit, 22));
    assert_int_equal(f->t[2], hw_pit8254_pulse_time(f->pit, 25));
    assert_int_equal(f->t[3], hw_pit8254_pulse_time(f->pit, 27));
}

static void test_readback_and_latch(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x34);
    out8(f, 0x40, 0x00);
    out8(f, 0x40, 0x10);                  /* 4096 */
    at(f, hw_pit8254_pulse_time(f->pit, 101));
    out8(f, 0x43, 0xC2);                  /* read-back: count and status, counter 0 */
    at(f, hw_pit8254_pulse_time(f->pit, 201));
    out8(f, 0x43, 0xC2);                  /* already latched: ignored */
    assert_int_equal(in8(f, 0x40), 0xB4); /* OUT high, rw 3, mode 2, binary */
    assert_int_equal(in8(f, 0x40), (4096 - 100) & 0xFF);
    assert_int_equal(in8(f, 0x40), (4096 - 100) >> 8);
    /* after the latch is read, reads follow the counter */
    uint8_t lo = in8(f, 0x40), hi = in8(f, 0x40);
    assert_int_equal(lo | hi << 8, 4096 - 200);
    /* latch command holds the value while time passes */
    out8(f, 0x43, 0x00);
    at(f, hw_pit8254_pulse_time(f->pit, 301));
    assert_int_equal(in8(f, 0x40), (4096 - 200) & 0xFF);
    at(f, hw_pit8254_pulse_time(f->pit, 401));
    assert_int_equal(in8(f, 0x40), (4096 - 200) >> 8);
    assert_int_equal(latch_read(f, 0), 4096 - 400);
    /* status only, counter 2 (unprogrammed apart from this) */
    out8(f, 0x43, 0xB0);
    out8(f, 0x43, 0xE8);
    assert_int_equal(in8(f, 0x42), 0x40 | 0x30);   /* OUT low, null count, mode 0 */
    /* the control register reads back nothing */
    assert_int_equal(in8(f, 0x43), 0xFF);
}

static void test_bcd_and_lsb_only(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x51);                  /* counter 1, LSB only, mode 0, BCD */
    out8(f, 0x41, 0x50);                  /* 50 decimal */
    at(f, hw_pit8254_pulse_time(f->pit, 21));
    assert_int_equal(in8(f, 0x41), 0x30);
    at(f, hw_pit8254_pulse_time(f->pit, 52));
    assert_int_equal(in8(f, 0x41), 0x99); /* wrapped to 9999 */
    assert_true(hw_pit8254_out(f->pit, 1));
    out8(f, 0x43, 0x64);                  /* counter 1, MSB only, mode 2 */
    out8(f, 0x41, 0x02);                  /* 0x200 = 512 */
    at(f, hw_pit8254_pulse_time(f->pit, 53 + 256));
    assert_int_equal(in8(f, 0x41), 0x01); /* 512 - 256 = 0x100 */
}

static void test_counter2_gate_and_port61(void **state)
{
    fx *f = *state;
    assert_int_equal(in8(f, 0x61) & 0x10, 0);
    at(f, 15000);
    assert_int_equal(in8(f, 0x61) & 0x10, 0x10);   /* refresh toggle */
    at(f, 30000);
    assert_int_equal(in8(f, 0x61) & 0x10, 0);
    /* mode 0 with gate low: loaded but not counting */
    out8(f, 0x43, 0xB0);
    out8(f, 0x42, 5);
    out8(f, 0x42, 0);
    uint64_t p = hw_pit8254_pulses_at(f->pit, 30000);
    at(f, hw_pit8254_pulse_time(f->pit, p + 100));
    assert_int_equal(in8(f, 0x61) & 0x20, 0);
    assert_int_equal(hw_pit8254_count(f->pit, 2), 5);
    out8(f, 0x61, 0x03);                  /* gate on, speaker data on */
    assert_int_equal(in8(f, 0x61) & 0x0F, 0x03);
    p += 100;
    at(f, hw_pit8254_pulse_time(f->pit, p + 4));
    assert_int_equal(hw_pit8254_count(f->pit, 2), 1);
    assert_int_equal(in8(f, 0x61) & 0x20, 0);
    at(f, hw_pit8254_pulse_time(f->pit, p + 5));
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);
    /* mode 3 tone on counter 2; gate low forces OUT high and stops it */
    out8(f, 0x43, 0xB6);
    out8(f, 0x42, 4);
    out8(f, 0x42, 0);
    p = hw_pit8254_pulses_at(f->pit, hw_clock_now(f->clk));
    at(f, hw_pit8254_pulse_time(f->pit, p + 3));
    assert_int_equal(in8(f, 0x61) & 0x20, 0);
    at(f, hw_pit8254_pulse_time(f->pit, p + 5));
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);
    at(f, hw_pit8254_pulse_time(f->pit, p + 7));
    out8(f, 0x61, 0x00);
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);
    at(f, hw_pit8254_pulse_time(f->pit, p + 50));
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);
    /* mode 1 one-shot triggered by the gate's rising edge */
    out8(f, 0x43, 0xB2);
    out8(f, 0x42, 3);
    out8(f, 0x42, 0);
    p = hw_pit8254_pulses_at(f->pit, hw_clock_now(f->clk));
    at(f, hw_pit8254_pulse_time(f->pit, p + 10));
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);   /* not triggered yet */
    out8(f, 0x61, 0x01);
    at(f, hw_pit8254_pulse_time(f->pit, p + 11));
    assert_int_equal(in8(f, 0x61) & 0x20, 0);
    at(f, hw_pit8254_pulse_time(f->pit, p + 13));
    assert_int_equal(in8(f, 0x61) & 0x20, 0);
    at(f, hw_pit8254_pulse_time(f->pit, p + 14));
    assert_int_equal(in8(f, 0x61) & 0x20, 0x20);
}

static void test_mode4_strobe(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0x38);                  /* counter 0, LSB+MSB, mode 4 */
    out8(f, 0x40, 5);
    out8(f, 0x40, 0);
    assert_int_equal(f->n, 1);            /* OUT high from the control word */
    f->n = 0;
    at(f, HW_MS(1));
    /* one low pulse at pulse 6 (CE reaches 0), high again at 7 */
    assert_int_equal(f->n, 2);
    assert_int_equal(f->t[0], hw_pit8254_pulse_time(f->pit, 6));
    assert_int_equal(f->level[0], 0);
    assert_int_equal(f->t[1], hw_pit8254_pulse_time(f->pit, 7));
    assert_int_equal(f->level[1], 1);
}

static void test_bios_tick(void **state)
{
    fx *f = *state;
    at(f, HW_MS(200));
    /* mode 3, count 65536: rising edges at pulses 65537, 131073, ... */
    int rises = 0;
    hw_time_t first = 0;
    assert_true(f->n >= 1);
    assert_int_equal(f->t[0], 0);         /* OUT high when BIOS programs it */
    assert_int_equal(f->level[0], 1);
    for (int i = 1; i < f->n; i++)
        if (f->level[i]) {
            if (!rises)
                first = f->t[i];
            rises++;
        }
    assert_int_equal(first, 54926240);
    assert_int_equal(rises, 3);           /* 54.9, 109.8, 164.8 ms */
}

/* What the speaker (pcspk.c) uses: the hook runs before counter 2 or port 0x61
 * changes (so it still sees the old settings), and OUT2's edges can be computed. */
typedef struct hook_log {
    fx      *f;
    int      calls;
    uint8_t  port61_seen;
} hook_log;

static void on_counter2_change(void *opaque)
{
    hook_log *h = opaque;
    h->calls++;
    h->port61_seen = hw_pit8254_port61_latch(h->f->pit);
}

static void test_counter2_hook_and_edges(void **state)
{
    fx *f = *state;
    hook_log h = { f, 0, 0xFF };
    hw_pit8254_set_counter2_hook(f->pit, on_counter2_change, &h);
    out8(f, 0x43, 0x36);                  /* counter 0: no call */
    assert_int_equal(h.calls, 0);
    out8(f, 0x43, 0xB6);                  /* counter 2, mode 3 */
    out8(f, 0x42, 4);
    assert_int_equal(h.calls, 2);
    out8(f, 0x42, 0);
    uint64_t p = hw_pit8254_pulses_at(f->pit, hw_clock_now(f->clk));
    out8(f, 0x61, 0x03);
    assert_int_equal(h.calls, 4);
    assert_int_equal(h.port61_seen, 0x00); /* the hook saw the value before the write */
    assert_int_equal(hw_pit8254_port61_latch(f->pit), 0x03);
    (void)in8(f, 0x42);                   /* reads change nothing */
    out8(f, 0x43, 0x80);                  /* latch command: no change either */
    (void)in8(f, 0x42);
    (void)in8(f, 0x42);
    assert_int_equal(h.calls, 4);
    /* the rising gate (0x61 written during pulse q) reloads at q + 1: high 2 pulses, low 2 */
    uint64_t q = hw_pit8254_pulses_at(f->pit, hw_clock_now(f->clk));
    assert_true(q >= p);
    hw_time_t t = hw_pit8254_pulse_time(f->pit, q + 1);
    assert_true(hw_pit8254_out_at(f->pit, 2, t));
    assert_int_equal(hw_pit8254_out_next_change(f->pit, 2, t), hw_pit8254_pulse_time(f->pit, q + 3));
    t = hw_pit8254_pulse_time(f->pit, q + 3);
    assert_false(hw_pit8254_out_at(f->pit, 2, t));
    assert_int_equal(hw_pit8254_out_next_change(f->pit, 2, t), hw_pit8254_pulse_time(f->pit, q + 5));
    assert_true(hw_pit8254_out_at(f->pit, 2, hw_pit8254_pulse_time(f->pit, q + 5)));
    /* gate off: OUT held high, no more edges */
    at(f, hw_pit8254_pulse_time(f->pit, q + 6));
    out8(f, 0x61, 0x02);
    assert_int_equal(h.calls, 5);
    assert_int_equal(hw_pit8254_out_next_change(f->pit, 2, hw_clock_now(f->clk)), HW_TIME_NEVER);
    assert_true(hw_pit8254_out_at(f->pit, 2, hw_clock_now(f->clk)));
    hw_pit8254_set_counter2_hook(f->pit, NULL, NULL);
    out8(f, 0x61, 0x00);
    assert_int_equal(h.calls, 5);
}

int main(void)
{

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_pulse_grid),
        T(test_mode0),
        T(test_mode2_rate_generator),
        T(test_mode3_square_wave),
        T(test_readback_and_latch),
        T(test_bcd_and_lsb_only),
        T(test_counter2_gate_and_port61),
        T(test_counter2_hook_and_edges),
        T(test_mode4_strobe),
        cmocka_unit_test_setup_teardown(test_bios_tick, setup_bios, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
