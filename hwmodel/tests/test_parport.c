/* Tests for hwmodel/parport.c: the SPP registers and the printer's
 * strobe/busy/ack handshake at exact virtual times (busy 5 us, ack 5 us). */
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
#include "hwmodel/parport.h"

#define LPT 0x378
#define IDLE 0xDE /* nBUSY | nACK | SELECT | nERROR | nIRQ | reserved */

typedef struct fx {
    hw_clock   *clk;
    hw_bus     *bus;
    hw_parport *pp;
    hw_chardev *chr;
    int         pulses;
    hw_time_t   pulse_t;
} fx;

static void on_irq(void *o, unsigned line, int level, int edge)
{
    fx *f = o;
    (void)level;
    if (line == 7 && edge) {
        f->pulses++;
        f->pulse_t = hw_clock_now(f->clk);
    }
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    f->clk = hw_clock_new();
    f->bus = hw_bus_new(f->clk);
    hw_bus_set_irq_listener(f->bus, on_irq, f);
    f->pp = hw_parport_new(f->bus, NULL, NULL);
    assert_non_null(f->pp);
    f->chr = hw_chardev_buffer_new(f->clk);
    hw_parport_attach(f->pp, f->chr);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    hw_parport_free(f->pp);
    hw_chardev_free(f->chr);
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
static hw_time_t now(fx *f) { return hw_clock_now(f->clk); }
static void at(fx *f, hw_time_t t) { hw_clock_run_until(f->clk, t); }

static void test_power_on_registers(void **state)
{
    fx *f = *state;
    assert_int_equal(in8(f, LPT + 1), IDLE);
    assert_int_equal(in8(f, LPT + 2), 0xCC);          /* nINIT, SELECTIN; bits 6-7 read 1 */
    out8(f, LPT, 0xA5);
    assert_int_equal(in8(f, LPT), 0xA5);
    out8(f, LPT + 2, 0x2C);                           /* input direction: the cable floats high */
    assert_int_equal(in8(f, LPT), 0xFF);
    assert_int_equal(in8(f, LPT + 2), 0xEC);
}

static void test_strobe_busy_ack_timing(void **state)
{
    fx *f = *state;
    out8(f, LPT + 2, 0x1C);                           /* IRQ enable */
    out8(f, LPT, 'H');
    hw_time_t t0 = now(f);
    out8(f, LPT + 2, 0x1D);                           /* STROBE */
    assert_int_equal(hw_chardev_buffer_len(f->chr), 1);
    assert_int_equal(hw_chardev_buffer_data(f->chr)[0], 'H');
    assert_int_equal(hw_chardev_buffer_time(f->chr, 0), t0);
    assert_int_equal(in8(f, LPT + 1), IDLE & ~0x80);  /* BUSY (nBUSY low) */
    at(f, t0 + 1000);
    out8(f, LPT + 2, 0x1C);
    at(f, t0 + HW_PP_BUSY_NS - 1);
    assert_int_equal(in8(f, LPT + 1), IDLE & ~0x80);
    at(f, t0 + HW_PP_BUSY_NS);
    assert_int_equal(in8(f, LPT + 1), IDLE & ~0xC0);  /* nACK low too */
    assert_int_equal(f->pulses, 0);
    at(f, t0 + HW_PP_BUSY_NS + HW_PP_ACK_NS);
    assert_int_equal(f->pulses, 1);
    assert_int_equal(f->pulse_t, t0 + HW_PP_BUSY_NS + HW_PP_ACK_NS);
    assert_int_equal(in8(f, LPT + 1), IDLE & ~0x04);  /* ready; nIRQ low until read */
    assert_int_equal(in8(f, LPT + 1), IDLE);
    assert_int_equal(hw_parport_printed(f->pp), 1);
}

static void test_strobe_while_busy_is_ignored_and_no_irq_when_disabled(void **state)
{
    fx *f = *state;
    out8(f, LPT, 'a');
    out8(f, LPT + 2, 0x0D);
    out8(f, LPT + 2, 0x0C);
    out8(f, LPT, 'b');
    out8(f, LPT + 2, 0x0D);                           /* still busy: lost */
    out8(f, LPT + 2, 0x0C);
    at(f, now(f) + 20000);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 1);
    assert_int_equal(f->pulses, 0);
    out8(f, LPT + 2, 0x0D);
    out8(f, LPT + 2, 0x0C);
    at(f, now(f) + 20000);
    assert_int_equal(hw_chardev_buffer_len(f->chr), 2);
    assert_memory_equal(hw_chardev_buffer_data(f->chr), "ab", 2);
}

static void test_paper_out_offline_and_init(void **state)
{
    fx *f = *state;
    hw_parport_set_paper_out(f->pp, true);
    assert_int_equal(in8(f, LPT + 1), 0x76);          /* PE, SELECT, BUSY, nERROR low */
    out8(f, LPT + 2, 0x0D);
    out8(f, LPT + 2, 0x0C);
    assert_int_equal(hw_parport_printed(f->pp), 0);
    hw_parport_set_paper_out(f->pp, false);
    hw_parport_set_offline(f->pp, true);
    assert_int_equal(in8(f, LPT + 1), 0x46);          /* not selected, BUSY, nERROR low */
    hw_parport_set_offline(f->pp, false);
    assert_int_equal(in8(f, LPT + 1), IDLE);
    out8(f, LPT + 2, 0x08);                           /* nINIT low: resetting */
    assert_false(in8(f, LPT + 1) & 0x80);
    at(f, now(f) + 50000);
    hw_time_t t0 = now(f);
    out8(f, LPT + 2, 0x0C);
    at(f, t0 + HW_PP_INIT_NS - 1);
    assert_false(in8(f, LPT + 1) & 0x80);
    at(f, t0 + HW_PP_INIT_NS);
    assert_true(in8(f, LPT + 1) & 0x80);
}

static void test_faults(void **state)
{
    fx *f = *state;
    hw_fault hang = { .kinds = HW_FAULT_NEVER_READY };
    hw_parport_inject(f->pp, &hang);
    assert_false(in8(f, LPT + 1) & 0x80);
    out8(f, LPT + 2, 0x1D);
    out8(f, LPT + 2, 0x1C);
    at(f, now(f) + 1000000);
    assert_int_equal(hw_parport_printed(f->pp), 0);
    hw_parport_clear_faults(f->pp);
    assert_true(in8(f, LPT + 1) & 0x80);

    hw_fault lose = { .kinds = HW_FAULT_LOSE_NEXT_IRQ };
    hw_parport_inject(f->pp, &lose);
    out8(f, LPT + 2, 0x1D);
    out8(f, LPT + 2, 0x1C);
    at(f, now(f) + 20000);
    assert_int_equal(f->pulses, 0);
    assert_int_equal(hw_parport_printed(f->pp), 1);
    out8(f, LPT + 2, 0x1D);
    out8(f, LPT + 2, 0x1C);
    at(f, now(f) + 20000);
    assert_int_equal(f->pulses, 1);

    (void)in8(f, LPT + 1);                            /* clears nIRQ from the real one */
    hw_fault spur = { .kinds = HW_FAULT_SPURIOUS_IRQ };
    hw_parport_inject(f->pp, &spur);
    assert_int_equal(f->pulses, 2);
    assert_true(in8(f, LPT + 1) & 0x04 ? 1 : 0);     /* nothing was acknowledged */

    hw_fault stuck = { .kinds = HW_FAULT_STUCK_BITS, .reg = HW_PP_STATUS, .stuck_mask = 0x20, .stuck_value = 0x20 };
    hw_parport_inject(f->pp, &stuck);
    assert_true(in8(f, LPT + 1) & 0x20);              /* paper out reads stuck */
}

static void test_other_bases_and_file_backend(void **state)
{
    fx *f = *state;
    hw_parport_config c = { 0x3BC, 7, "lpt-mda", 0, 0 };
    hw_parport *mda = hw_parport_new(f->bus, &c, NULL);
    assert_non_null(mda);
    hw_range_info info;
    assert_true(hw_bus_lookup(f->bus, HW_SPACE_IO, 0x3BE, &info));
    assert_int_equal(info.length, 4);
    int err = 0;
    hw_parport_config c2 = { 0x378, 5, NULL, 0, 0 };
    assert_null(hw_parport_new(f->bus, &c2, &err));
    assert_int_equal(err, -16 /* EBUSY */);
    char path[] = "/tmp/parport_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_chardev *file = hw_chardev_file_new(path, &err);
    assert_non_null(file);
    hw_parport_attach(mda, file);
    const char *text = "LPT3";
    for (const char *p = text; *p; p++) {
        hw_parport_write(mda, HW_PP_DATA, (uint8_t)*p);
        hw_parport_write(mda, HW_PP_CONTROL, 0x0D);
        hw_parport_write(mda, HW_PP_CONTROL, 0x0C);
        at(f, now(f) + 20000);
    }
    hw_chardev_free(file);
    FILE *in = fopen(path, "rb");
    char got[16] = { 0 };
    assert_int_equal(fread(got, 1, sizeof(got), in), 4);
    fclose(in);
    unlink(path);
    assert_string_equal(got, "LPT3");
    assert_null(hw_chardev_file_new("/nonexistent-dir/x", &err));
    assert_true(err < 0);
    hw_parport_free(mda);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_power_on_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strobe_busy_ack_timing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_strobe_while_busy_is_ignored_and_no_irq_when_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paper_out_offline_and_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_bases_and_file_backend, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
