/* Tests for hwmodel/i8042.c: controller commands, the keyboard and the mouse
 * through ports 0x60/0x64 at exact virtual times.  A PS/2 byte takes 880 us on
 * the wire, a controller answer 20 us, IBF 5 us. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/i8042.h"

#define BYTE HW_I8042_PS2_BYTE_NS

typedef struct fx {
    hw_clock *clk;
    hw_bus   *bus;
    hw_i8042 *kbc;
    int       irq1_rises, irq12_rises;
} fx;

static void on_irq(void *o, unsigned line, int level, int edge)
{
    fx *f = o;
    if (edge || !level)
        return;
    if (line == 1)
        f->irq1_rises++;
    if (line == 12)
        f->irq12_rises++;
}

static int setup_cfg(void **state, const hw_i8042_config *cfg)
{
    fx *f = calloc(1, sizeof(*f));
    f->clk = hw_clock_new();
    f->bus = hw_bus_new(f->clk);
    hw_bus_set_irq_listener(f->bus, on_irq, f);
    f->kbc = hw_i8042_new(f->bus, cfg, NULL);
    assert_non_null(f->kbc);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_cfg(state, NULL); }

static int setup_raw(void **state)
{
    hw_i8042_config cfg = { 0x60, 0x64, 1, 12, false, false };
    return setup_cfg(state, &cfg);
}

static int setup_nomouse(void **state)
{
    hw_i8042_config cfg = { 0x60, 0x64, 1, 12, true, true };
    return setup_cfg(state, &cfg);
}

static int teardown(void **state)
{
    fx *f = *state;
    hw_i8042_free(f->kbc);
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

/* Run until OBF (at most `limit` ns more); return the byte, its arrival time in *t. */
static uint8_t wait_byte(fx *f, hw_time_t limit, hw_time_t *t)
{
    hw_time_t end = now(f) + limit, next;
    while (!(in8(f, 0x64) & HW_I8042_STR_OBF)) {
        assert_true(hw_clock_next_deadline(f->clk, &next));
        assert_true(next <= end);
        hw_clock_run_next(f->clk);
    }
    if (t)
        *t = hw_i8042_last_obf_time(f->kbc);
    return in8(f, 0x60);
}

static void ctrl_cmd(fx *f, uint8_t c) { out8(f, 0x64, c); at(f, now(f) + HW_I8042_IBF_NS); }
static void ctrl_data(fx *f, uint8_t v) { out8(f, 0x60, v); at(f, now(f) + HW_I8042_IBF_NS); }
static void aux_cmd(fx *f, uint8_t v) { ctrl_cmd(f, 0xD4); ctrl_data(f, v); }

static void expect_bytes(fx *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal(wait_byte(f, 2000000000u, NULL), b[i]);
}

/* ---- controller ---- */

static void test_self_test_timing_and_ibf(void **state)
{
    fx *f = *state;
    out8(f, 0x64, 0xAA);
    uint8_t s = in8(f, 0x64);
    assert_true(s & HW_I8042_STR_IBF);
    assert_true(s & HW_I8042_STR_A2);
    at(f, HW_I8042_IBF_NS - 1);
    assert_true(in8(f, 0x64) & HW_I8042_STR_IBF);
    at(f, HW_I8042_IBF_NS);
    assert_false(in8(f, 0x64) & HW_I8042_STR_IBF);
    at(f, HW_I8042_CTRL_NS - 1);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
    at(f, HW_I8042_CTRL_NS);
    s = in8(f, 0x64);
    assert_true(s & HW_I8042_STR_OBF);
    assert_false(s & HW_I8042_STR_AUXB);
    assert_true(s & HW_I8042_STR_SYS);
    assert_int_equal(hw_bus_irq_level(f->bus, 1), 1);   /* BIOS command byte enables IRQ 1 */
    assert_int_equal(in8(f, 0x60), 0x55);
    assert_int_equal(hw_bus_irq_level(f->bus, 1), 0);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
}

static void test_command_byte_and_interface_tests(void **state)
{
    fx *f = *state;
    ctrl_cmd(f, 0x20);
    assert_int_equal(wait_byte(f, 100000, NULL), 0x47);
    ctrl_cmd(f, 0x60);
    assert_true(in8(f, 0x64) & HW_I8042_STR_A2);
    ctrl_data(f, 0x65);
    assert_false(in8(f, 0x64) & HW_I8042_STR_A2);
    assert_int_equal(hw_i8042_command_byte(f->kbc), 0x65);
    ctrl_cmd(f, 0x20);
    assert_int_equal(wait_byte(f, 100000, NULL), 0x65);
    ctrl_cmd(f, 0xAB);
    assert_int_equal(wait_byte(f, 100000, NULL), 0x00);
    ctrl_cmd(f, 0xA9);
    assert_int_equal(wait_byte(f, 100000, NULL), 0x00);
    ctrl_cmd(f, 0xA7);
    assert_true(hw_i8042_command_byte(f->kbc) & HW_I8042_CCB_AUXDIS);
    ctrl_cmd(f, 0xA8);
    assert_false(hw_i8042_command_byte(f->kbc) & HW_I8042_CCB_AUXDIS);
    ctrl_cmd(f, 0xAD);
    assert_true(hw_i8042_command_byte(f->kbc) & HW_I8042_CCB_KBDDIS);
    ctrl_cmd(f, 0xAE);
    assert_false(hw_i8042_command_byte(f->kbc) & HW_I8042_CCB_KBDDIS);
    ctrl_cmd(f, 0xFE);                       /* pulse reset */
    assert_int_equal(hw_i8042_reset_requests(f->kbc), 1);
}

/* ---- keyboard ---- */

static void test_keyboard_reset_ack_then_bat(void **state)
{
    fx *f = *state;
    hw_time_t t0 = now(f), t;
    out8(f, 0x60, 0xFF);
    /* the command crosses the wire (880 us), the ACK comes back (880 us) */
    assert_int_equal(wait_byte(f, 10000000, &t), 0xFA);
    assert_int_equal(t - t0, 2 * BYTE);
    assert_int_equal(hw_bus_irq_level(f->bus, 1), 0);
    assert_int_equal(wait_byte(f, 1000000000, &t), 0xAA);
    assert_int_equal(t - t0, 2 * BYTE + HW_I8042_BAT_NS);
    assert_int_equal(f->irq1_rises, 2);
}

static void test_key_set2_raw_and_translated(void **state)
{
    fx *f = *state;
    /* no translation: set 2 */
    hw_time_t t0 = now(f), t;
    assert_true(hw_i8042_key(f->kbc, HW_KEY_A, true));
    assert_int_equal(wait_byte(f, 10000000, &t), 0x1C);
    assert_int_equal(t - t0, BYTE);
    assert_true(hw_i8042_key(f->kbc, HW_KEY_A, false));
    expect_bytes(f, (const uint8_t[]){ 0xF0, 0x1C }, 2);
    assert_true(hw_i8042_key(f->kbc, HW_KEY_UP, true));
    assert_true(hw_i8042_key(f->kbc, HW_KEY_UP, false));
    expect_bytes(f, (const uint8_t[]){ 0xE0, 0x75, 0xE0, 0xF0, 0x75 }, 5);
    assert_true(hw_i8042_key(f->kbc, HW_KEY_F7, true));
    assert_int_equal(wait_byte(f, 10000000, NULL), 0x83);
    assert_false(hw_i8042_key(f->kbc, 0x7F, true));
    /* translation on: the controller gives set 1, breaks with bit 7 */
    ctrl_cmd(f, 0x60);
    ctrl_data(f, 0x41);
    hw_i8042_key(f->kbc, HW_KEY_A, true);
    hw_i8042_key(f->kbc, HW_KEY_A, false);
    hw_i8042_key(f->kbc, HW_KEY_UP, true);
    hw_i8042_key(f->kbc, HW_KEY_UP, false);
    hw_i8042_key(f->kbc, HW_KEY_F7, true);
    expect_bytes(f, (const uint8_t[]){ 0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0x41 }, 7);
}

static void test_scan_set_1_leds_echo_identify(void **state)
{
    fx *f = *state;
    ctrl_data(f, 0xF0);
    ctrl_data(f, 0x01);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA }, 2);
    assert_int_equal(hw_i8042_scan_set(f->kbc), 1);
    ctrl_data(f, 0xF0);
    ctrl_data(f, 0x00);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA, 0x01 }, 3);
    hw_i8042_key(f->kbc, HW_KEY_Q, true);
    hw_i8042_key(f->kbc, HW_KEY_Q, false);
    expect_bytes(f, (const uint8_t[]){ 0x10, 0x90 }, 2);
    ctrl_data(f, 0xF0);
    ctrl_data(f, 0x03);                      /* set 3 is refused */
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFE }, 2);
    ctrl_data(f, 0xED);
    ctrl_data(f, 0x05);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA }, 2);
    assert_int_equal(hw_i8042_leds(f->kbc), 5);
    ctrl_data(f, 0xEE);
    assert_int_equal(wait_byte(f, 10000000, NULL), 0xEE);
    ctrl_data(f, 0xF2);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xAB, 0x83 }, 3);
    ctrl_data(f, 0xFE);                      /* resend the last byte */
    assert_int_equal(wait_byte(f, 10000000, NULL), 0x83);
    ctrl_data(f, 0x12);                      /* no such command */
    assert_int_equal(wait_byte(f, 10000000, NULL), 0xFE);
}

static void test_typematic_delay_and_rate(void **state)
{
    fx *f = *state;
    assert_int_equal(hw_i8042_typematic_delay(f->kbc), 500000000u);
    assert_int_equal(hw_i8042_typematic_period(f->kbc), 11u * 2 * 4170000u);
    ctrl_data(f, 0xF3);
    ctrl_data(f, 0x00);                      /* 250 ms, 30 cps */
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA }, 2);
    assert_int_equal(hw_i8042_typematic_period(f->kbc), 8u * 4170000u);
    hw_time_t t0 = now(f), t;
    hw_i8042_key(f->kbc, HW_KEY_Z, true);
    assert_int_equal(wait_byte(f, 10000000, &t), 0x1A);
    assert_int_equal(wait_byte(f, 300000000, &t), 0x1A);
    assert_int_equal(t - t0, 250000000u + BYTE);
    assert_int_equal(wait_byte(f, 300000000, &t), 0x1A);
    assert_int_equal(t - t0, 250000000u + 33360000u + BYTE);
    hw_i8042_key(f->kbc, HW_KEY_Z, false);
    expect_bytes(f, (const uint8_t[]){ 0xF0, 0x1A }, 2);
    at(f, now(f) + 1000000000u);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);   /* repeat stopped */
}

static void test_disabled_keyboard_waits(void **state)
{
    fx *f = *state;
    ctrl_cmd(f, 0xAD);
    hw_i8042_key(f->kbc, HW_KEY_A, true);
    at(f, now(f) + 10 * BYTE);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
    hw_time_t t0 = now(f), t;
    ctrl_cmd(f, 0xAE);
    assert_int_equal(wait_byte(f, 10000000, &t), 0x1E);   /* BIOS state: translated */
    assert_int_equal(t - t0, BYTE);
}

static void test_obf_inhibits_next_byte(void **state)
{
    fx *f = *state;
    hw_time_t t0 = now(f), t;
    hw_i8042_key(f->kbc, HW_KEY_A, true);
    hw_i8042_key(f->kbc, HW_KEY_A, false);
    at(f, t0 + 5 * BYTE);
    assert_int_equal(hw_i8042_last_obf_time(f->kbc), t0 + BYTE);
    hw_time_t r = now(f);
    assert_int_equal(in8(f, 0x60), 0x1E);
    /* the break (F0 1C, translated to 9E) only starts once OBF is clear */
    assert_int_equal(wait_byte(f, 10000000, &t), 0x9E);
    assert_int_equal(t - r, 2 * BYTE);
    assert_int_equal(f->irq1_rises, 2);
}

/* ---- mouse ---- */

static void test_mouse_reset_and_aux_flags(void **state)
{
    fx *f = *state;
    hw_time_t t0 = now(f), t;
    aux_cmd(f, 0xFF);
    assert_int_equal(wait_byte(f, 10000000, &t), 0xFA);
    assert_int_equal(t - t0, HW_I8042_IBF_NS + 2 * BYTE);
    assert_int_equal(f->irq12_rises, 1);
    assert_int_equal(f->irq1_rises, 0);
    expect_bytes(f, (const uint8_t[]){ 0xAA, 0x00 }, 2);
    assert_int_equal(f->irq12_rises, 3);
    aux_cmd(f, 0xF2);
    at(f, now(f) + 3 * BYTE);
    uint8_t s = in8(f, 0x64);
    assert_true(s & HW_I8042_STR_OBF);
    assert_true(s & HW_I8042_STR_AUXB);
    assert_int_equal(hw_bus_irq_level(f->bus, 12), 1);
    assert_int_equal(in8(f, 0x60), 0xFA);
    assert_int_equal(wait_byte(f, 10000000, NULL), 0x00);
}

/* A byte written to the mouse (0xD4) enables the mouse interface, as a byte for the keyboard
 * enables the keyboard's: drivers reset the mouse with both interfaces disabled (i8042prt of
 * ReactOS: command byte 0x30 from its basic detection) and wait for the ACK. */
static void test_write_to_mouse_enables_its_interface(void **state)
{
    fx *f = *state;
    ctrl_cmd(f, 0xA7);
    ctrl_cmd(f, 0x20);
    assert_true(wait_byte(f, 10000000, NULL) & HW_I8042_CCB_AUXDIS);
    aux_cmd(f, 0xFF);
    assert_int_equal(wait_byte(f, 10000000, NULL), 0xFA);
    expect_bytes(f, (const uint8_t[]){ 0xAA, 0x00 }, 2);
    ctrl_cmd(f, 0x20);
    assert_false(wait_byte(f, 10000000, NULL) & HW_I8042_CCB_AUXDIS);
}

static void set_rate(fx *f, uint8_t r)
{
    aux_cmd(f, 0xF3);
    aux_cmd(f, r);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA }, 2);
}

static void test_intellimouse_detection_and_packets(void **state)
{
    fx *f = *state;
    set_rate(f, 200);
    set_rate(f, 100);
    set_rate(f, 80);
    aux_cmd(f, 0xF2);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0x03 }, 2);
    assert_int_equal(hw_i8042_mouse_rate(f->kbc), 80);
    aux_cmd(f, 0xE8);
    aux_cmd(f, 0x03);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0xFA }, 2);
    aux_cmd(f, 0xF4);
    expect_bytes(f, (const uint8_t[]){ 0xFA }, 1);
    assert_true(hw_i8042_mouse_reporting(f->kbc));
    hw_i8042_mouse_move(f->kbc, 5, -3, 1);
    expect_bytes(f, (const uint8_t[]){ 0x28, 0x05, 0xFD, 0x01 }, 4);
    /* a second change within one sample period waits for the next sample (12.5 ms at 80/s) */
    hw_time_t t0 = now(f), t;
    hw_i8042_mouse_buttons(f->kbc, HW_MOUSE_LEFT);
    hw_i8042_mouse_move(f->kbc, 300, 0, -1);
    assert_int_equal(wait_byte(f, 100000000, &t), 0x49);   /* left, overflow X */
    assert_true(t - t0 >= 12500000u - 4 * BYTE - 100000 && t <= t0 + 12500000u);
    expect_bytes(f, (const uint8_t[]){ 0xFF, 0x00, 0xFF }, 3);
    aux_cmd(f, 0xE9);                        /* status: stream, enabled, left, res 3, rate 80 */
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0x24, 0x03, 80 }, 4);
    aux_cmd(f, 0xF5);
    expect_bytes(f, (const uint8_t[]){ 0xFA }, 1);
    hw_i8042_mouse_move(f->kbc, 1, 1, 0);
    at(f, now(f) + 100000000u);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
}

static void test_three_byte_packets_without_wheel(void **state)
{
    fx *f = *state;
    set_rate(f, 200);
    set_rate(f, 80);
    set_rate(f, 100);                        /* wrong order: stays ID 0 */
    aux_cmd(f, 0xF2);
    expect_bytes(f, (const uint8_t[]){ 0xFA, 0x00 }, 2);
    aux_cmd(f, 0xF4);
    expect_bytes(f, (const uint8_t[]){ 0xFA }, 1);
    hw_i8042_mouse_move(f->kbc, -2, 4, 3);
    expect_bytes(f, (const uint8_t[]){ 0x18, 0xFE, 0x04 }, 3);
    at(f, now(f) + 50000000u);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
}

static void test_no_mouse_times_out(void **state)
{
    fx *f = *state;
    aux_cmd(f, 0xFF);
    assert_int_equal(wait_byte(f, 1000000, NULL), 0xFE);
    assert_true(in8(f, 0x64) & HW_I8042_STR_TIMEOUT);
    ctrl_cmd(f, 0xA9);
    assert_int_equal(wait_byte(f, 100000, NULL), 0x02);
}

/* ---- faults ---- */

static void test_faults(void **state)
{
    fx *f = *state;
    hw_fault lose = { .kinds = HW_FAULT_LOSE_NEXT_IRQ, .count = 1 };
    hw_i8042_inject(f->kbc, &lose);
    hw_i8042_key(f->kbc, HW_KEY_A, true);
    at(f, now(f) + 2 * BYTE);
    assert_true(in8(f, 0x64) & HW_I8042_STR_OBF);
    assert_int_equal(hw_bus_irq_level(f->bus, 1), 0);       /* lost */
    assert_int_equal(in8(f, 0x60), 0x1E);
    hw_i8042_key(f->kbc, HW_KEY_A, false);
    at(f, now(f) + 3 * BYTE);
    assert_int_equal(hw_bus_irq_level(f->bus, 1), 1);       /* the next one is not */
    assert_int_equal(in8(f, 0x60), 0x9E);

    hw_fault spur = { .kinds = HW_FAULT_SPURIOUS_IRQ, .reg = 12 };
    hw_i8042_inject(f->kbc, &spur);
    assert_int_equal(hw_bus_irq_level(f->bus, 12), 1);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);          /* nothing there; the read drops it */
    assert_int_equal(hw_bus_irq_level(f->bus, 12), 0);

    hw_fault stuck = { .kinds = HW_FAULT_STUCK_BITS, .reg = HW_I8042_STATUS, .stuck_mask = HW_I8042_STR_OBF,
                       .stuck_value = HW_I8042_STR_OBF };
    hw_i8042_inject(f->kbc, &stuck);
    assert_true(in8(f, 0x64) & HW_I8042_STR_OBF);
    hw_i8042_clear_faults(f->kbc);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);

    hw_fault hang = { .kinds = HW_FAULT_NEVER_READY };
    hw_i8042_inject(f->kbc, &hang);
    out8(f, 0x64, 0xAA);
    at(f, now(f) + 10000000u);
    assert_true(in8(f, 0x64) & HW_I8042_STR_IBF);
    assert_false(in8(f, 0x64) & HW_I8042_STR_OBF);
    hw_i8042_clear_faults(f->kbc);
    assert_false(in8(f, 0x64) & HW_I8042_STR_IBF);
}

static void test_keyboard_buffer_overrun(void **state)
{
    fx *f = *state;
    /* nobody reads 0x60: the keyboard's 32-byte buffer fills (the first byte is in OB) */
    for (int i = 0; i < 20; i++) {
        hw_i8042_key(f->kbc, HW_KEY_Q, true);
        hw_i8042_key(f->kbc, HW_KEY_Q, false);
    }
    at(f, now(f) + 2 * BYTE);
    uint8_t got[40];
    size_t n = 0;
    while (n < sizeof(got)) {
        got[n++] = in8(f, 0x60);
        at(f, now(f) + 2 * BYTE);
        if (!(in8(f, 0x64) & HW_I8042_STR_OBF))
            break;
    }
    assert_int_equal(n, 32);
    assert_int_equal(got[0], 0x15);
    assert_int_equal(got[1], 0xF0);
    assert_int_equal(got[31], 0x00);                 /* set 2 overrun code */
}

static void test_scan_code_tables(void **state)
{
    (void)state;
    uint8_t c;
    bool ext;
    assert_true(hw_i8042_set2_code(HW_KEY_ESC, &c, &ext));
    assert_int_equal(c, 0x76);
    assert_false(ext);
    assert_true(hw_i8042_set2_code(HW_KEY_F12, &c, &ext));
    assert_int_equal(c, 0x07);
    assert_true(hw_i8042_set2_code(HW_KEY_KP_ENTER, &c, &ext));
    assert_int_equal(c, 0x5A);
    assert_true(ext);
    assert_false(hw_i8042_set2_code(0xE100, &c, &ext));
    assert_false(hw_i8042_set2_code(0x55, &c, &ext));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_self_test_timing_and_ibf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_command_byte_and_interface_tests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_reset_ack_then_bat, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_set2_raw_and_translated, setup_raw, teardown),
        cmocka_unit_test_setup_teardown(test_scan_set_1_leds_echo_identify, setup_raw, teardown),
        cmocka_unit_test_setup_teardown(test_typematic_delay_and_rate, setup_raw, teardown),
        cmocka_unit_test_setup_teardown(test_disabled_keyboard_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_obf_inhibits_next_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mouse_reset_and_aux_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_to_mouse_enables_its_interface, setup, teardown),
        cmocka_unit_test_setup_teardown(test_intellimouse_detection_and_packets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_three_byte_packets_without_wheel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_mouse_times_out, setup_nomouse, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyboard_buffer_overrun, setup_raw, teardown),
        cmocka_unit_test(test_scan_code_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
