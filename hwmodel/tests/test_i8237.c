/* hwmodel/i8237: the two DMA controllers driven through their ports: flip-flop,
 * page registers, modes and directions, terminal count, auto-init, decrement,
 * masks, status, master clear, cascade, word channels and memory holes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hwmodel/i8237.h"

typedef struct {
    hw_clock *clock;
    hw_bus *bus;
    hw_physmem *ram;
    hw_i8237 *dma;
    uint8_t *low;      /* host view of the RAM region at 0x100000 */
} rig;

static void rig_up(rig *r, bool bios)
{
    r->clock = hw_clock_new();
    r->bus = hw_bus_new(r->clock);
    r->ram = hw_physmem_new(0x100000, 0xFFFFFF);
    uint64_t pa = 0;
    r->low = hw_physmem_alloc(r->ram, 0x40000, 0x10000, 0xFFFFFF, &pa);
    assert_non_null(r->low);
    assert_int_equal(pa, 0x100000);
    hw_i8237_config cfg = { .bios_init = bios };
    int err = 0;
    r->dma = hw_i8237_new(r->bus, r->ram, &cfg, &err);
    assert_non_null(r->dma);
}

static void rig_down(rig *r)
{
    hw_i8237_free(r->dma);
    hw_physmem_free(r->ram);
    hw_bus_free(r->bus);
    hw_clock_free(r->clock);
}

static void out8(rig *r, uint16_t port, uint8_t v) { assert_true(hw_bus_io_write(r->bus, port, 1, v)); }
static uint8_t in8(rig *r, uint16_t port)
{
    uint32_t v = 0;
    hw_bus_io_read(r->bus, port, 1, &v);
    return (uint8_t)v;
}

/* Program byte channel 0-3 the way a driver (or the HAL) does. */
static void program8(rig *r, unsigned ch, uint32_t pa, uint16_t count_minus_1, uint8_t mode)
{
    static const uint16_t page[4] = { 0x87, 0x83, 0x81, 0x82 };
    out8(r, 0x0A, (uint8_t)(4 | ch));          /* mask */
    out8(r, 0x0C, 0);                          /* flip-flop */
    out8(r, 0x0B, (uint8_t)(mode | ch));
    out8(r, (uint16_t)(ch * 2), (uint8_t)pa);
    out8(r, (uint16_t)(ch * 2), (uint8_t)(pa >> 8));
    out8(r, page[ch], (uint8_t)(pa >> 16));
    out8(r, (uint16_t)(ch * 2 + 1), (uint8_t)count_minus_1);
    out8(r, (uint16_t)(ch * 2 + 1), (uint8_t)(count_minus_1 >> 8));
    out8(r, 0x0A, (uint8_t)ch);                /* unmask */
}

static void test_ports_mapped(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    hw_range_info info;
    assert_true(hw_bus_lookup(r.bus, HW_SPACE_IO, 0x0F, &info));
    assert_string_equal(info.name, "i8237 dma1");
    assert_true(hw_bus_lookup(r.bus, HW_SPACE_IO, 0xDE, &info));
    assert_string_equal(info.name, "i8237 dma2");
    assert_true(hw_bus_lookup(r.bus, HW_SPACE_IO, 0x8F, &info));
    assert_false(hw_bus_lookup(r.bus, HW_SPACE_IO, 0x80, &info)); /* POST port left alone */
    /* a second controller pair cannot map */
    int err = 0;
    assert_null(hw_i8237_new(r.bus, r.ram, NULL, &err));
    assert_int_equal(err, -EBUSY);
    rig_down(&r);
}

static void test_flipflop_and_registers(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    out8(&r, 0x0C, 0);
    out8(&r, 0x04, 0x34);
    out8(&r, 0x04, 0x12);
    out8(&r, 0x05, 0xFF);
    out8(&r, 0x05, 0x01);
    out8(&r, 0x0C, 0);
    assert_int_equal(in8(&r, 0x04), 0x34);
    assert_int_equal(in8(&r, 0x04), 0x12);
    assert_int_equal(in8(&r, 0x05), 0xFF);
    assert_int_equal(in8(&r, 0x05), 0x01);
    /* the flip-flop is shared by all registers of a controller: a stray byte shifts the next */
    out8(&r, 0x0C, 0);
    (void)in8(&r, 0x04);
    assert_int_equal(in8(&r, 0x05), 0x01); /* high byte of the count */
    /* page registers read back; scratch ones too */
    out8(&r, 0x81, 0x0A);
    out8(&r, 0x84, 0x5A);
    assert_int_equal(in8(&r, 0x81), 0x0A);
    assert_int_equal(in8(&r, 0x84), 0x5A);
    /* controller 2's registers sit on even ports */
    out8(&r, 0xD8, 0);
    out8(&r, 0xC4, 0x00);
    out8(&r, 0xC4, 0x80);
    out8(&r, 0xD8, 0);
    assert_int_equal(in8(&r, 0xC4), 0x00);
    assert_int_equal(in8(&r, 0xC4), 0x80);
    assert_int_equal(in8(&r, 0xC5), 0xFF);
    rig_down(&r);
}

static void test_write_transfer_tc_and_status(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    program8(&r, 2, 0x101000, 511, HW_I8237_MODE_SINGLE | HW_I8237_MODE_WRITE);
    assert_false(hw_i8237_masked(r.dma, 2));
    uint8_t data[600];
    for (int i = 0; i < 600; i++)
        data[i] = (uint8_t)(i * 7 + 3);
    bool tc = true;
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data, 200, &tc), 200);
    assert_false(tc);
    assert_int_equal(hw_i8237_remaining(r.dma, 2), 312);
    assert_int_equal(hw_i8237_current_address(r.dma, 2), 0x101000 + 200);
    /* the device offers more than is left: the channel stops at terminal count */
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data + 200, 400, &tc), 312);
    assert_true(tc);
    assert_memory_equal(r.low + 0x1000, data, 512);
    assert_int_equal(r.low[0x1000 + 512], 0);
    /* TC without auto-init masks the channel; the status shows TC once */
    assert_true(hw_i8237_masked(r.dma, 2));
    assert_int_equal(hw_i8237_remaining(r.dma, 2), 0);
    assert_int_equal(in8(&r, 0x08) & 0x0F, 0x04);
    assert_int_equal(in8(&r, 0x08) & 0x0F, 0x00);
    /* a masked channel moves nothing and shows the request */
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data, 10, &tc), 0);
    assert_false(tc);
    assert_int_equal(in8(&r, 0x08), 0x40);
    hw_i8237_release(r.dma, 2);
    assert_int_equal(in8(&r, 0x08), 0x00);
    /* count register after TC reads 0xFFFF */
    out8(&r, 0x0C, 0);
    assert_int_equal(in8(&r, 0x05), 0xFF);
    assert_int_equal(in8(&r, 0x05), 0xFF);
    rig_down(&r);
}

static void test_read_verify_and_autoinit(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    for (int i = 0; i < 256; i++)
        r.low[0x2000 + i] = (uint8_t)(255 - i);
    program8(&r, 1, 0x102000, 99, HW_I8237_MODE_DEMAND | HW_I8237_MODE_READ | HW_I8237_MODE_AUTOINIT);
    uint8_t got[100];
    bool tc = false;
    assert_int_equal(hw_i8237_transfer(r.dma, 1, got, 100, &tc), 100);
    assert_true(tc);
    assert_memory_equal(got, r.low + 0x2000, 100);
    /* auto-init: reloaded from the base registers and still unmasked */
    assert_false(hw_i8237_masked(r.dma, 1));
    assert_int_equal(hw_i8237_remaining(r.dma, 1), 100);
    assert_int_equal(hw_i8237_current_address(r.dma, 1), 0x102000);
    memset(got, 0, sizeof(got));
    assert_int_equal(hw_i8237_transfer(r.dma, 1, got, 50, &tc), 50);
    assert_false(tc);
    assert_memory_equal(got, r.low + 0x2000, 50);
    /* verify moves no data but counts */
    uint8_t keep[16];
    memset(keep, 0xEE, sizeof(keep));
    program8(&r, 3, 0x103000, 15, HW_I8237_MODE_BLOCK | HW_I8237_MODE_VERIFY);
    assert_int_equal(hw_i8237_transfer(r.dma, 3, keep, 16, &tc), 16);
    assert_true(tc);
    for (int i = 0; i < 16; i++) {
        assert_int_equal(keep[i], 0xEE);
        assert_int_equal(r.low[0x3000 + i], 0);
    }
    rig_down(&r);
}

static void test_decrement(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    program8(&r, 0, 0x100103, 3, HW_I8237_MODE_WRITE | HW_I8237_MODE_DECREMENT);
    uint8_t data[4] = { 1, 2, 3, 4 };
    bool tc = false;
    assert_int_equal(hw_i8237_transfer(r.dma, 0, data, 4, &tc), 4);
    assert_true(tc);
    assert_int_equal(r.low[0x103], 1);
    assert_int_equal(r.low[0x102], 2);
    assert_int_equal(r.low[0x101], 3);
    assert_int_equal(r.low[0x100], 4);
    rig_down(&r);
}

static void test_address_wraps_inside_page(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    /* a byte channel does not carry into the page register: 0x11FFFE..0x110001 wraps to 0x110000 */
    program8(&r, 2, 0x11FFFE, 3, HW_I8237_MODE_WRITE);
    uint8_t data[4] = { 0xA1, 0xA2, 0xA3, 0xA4 };
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data, 4, NULL), 4);
    assert_int_equal(r.low[0x1FFFE], 0xA1);
    assert_int_equal(r.low[0x1FFFF], 0xA2);
    assert_int_equal(r.low[0x10000], 0xA3);
    assert_int_equal(r.low[0x10001], 0xA4);
    assert_int_equal(r.low[0x20000], 0);
    rig_down(&r);
}

static void test_masks_and_master_clear(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    /* after reset every channel is masked except the BIOS's cascade */
    assert_int_equal(in8(&r, 0x0F) & 0x0F, 0x0F);
    assert_int_equal(in8(&r, 0xDE) & 0x0F, 0x0E);
    out8(&r, 0x0E, 0);           /* clear all masks */
    assert_int_equal(in8(&r, 0x0F) & 0x0F, 0x00);
    out8(&r, 0x0F, 0x05);        /* write all mask bits */
    assert_true(hw_i8237_masked(r.dma, 0));
    assert_false(hw_i8237_masked(r.dma, 1));
    assert_true(hw_i8237_masked(r.dma, 2));
    /* software request shows in status bits 7:4 */
    out8(&r, 0x09, 0x04 | 3);
    assert_int_equal(in8(&r, 0x08) & 0xF0, 0x80);
    out8(&r, 0x09, 3);
    assert_int_equal(in8(&r, 0x08) & 0xF0, 0x00);
    /* master clear: masks set, flip-flop reset */
    out8(&r, 0x04, 0x11); /* flip-flop now high */
    out8(&r, 0x0D, 0);
    assert_int_equal(in8(&r, 0x0F) & 0x0F, 0x0F);
    out8(&r, 0x04, 0x22);
    out8(&r, 0x04, 0x33);
    out8(&r, 0x0C, 0);
    assert_int_equal(in8(&r, 0x04), 0x22);
    rig_down(&r);
}

static void test_cascade_and_disable(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, false); /* no BIOS: channel 4 is masked, so controller 1 cannot reach the bus */
    program8(&r, 2, 0x101000, 9, HW_I8237_MODE_WRITE);
    uint8_t data[10] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data, 10, NULL), 0);
    out8(&r, 0xD6, HW_I8237_MODE_CASCADE | 0); /* channel 4: cascade */
    out8(&r, 0xD4, 0);                         /* unmask it */
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data, 4, NULL), 4);
    /* controller disable (command bit 2) stops it */
    out8(&r, 0x08, HW_I8237_CMD_DISABLE);
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data + 4, 6, NULL), 0);
    out8(&r, 0x08, 0);
    assert_int_equal(hw_i8237_transfer(r.dma, 2, data + 4, 6, NULL), 6);
    assert_memory_equal(r.low + 0x1000, data, 10);
    rig_down(&r);
}

static void test_word_channel(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    /* channel 5: address in words, page bit 0 ignored, count in words */
    out8(&r, 0xD4, 4 | 1);
    out8(&r, 0xD8, 0);
    out8(&r, 0xD6, HW_I8237_MODE_WRITE | 1);
    uint32_t pa = 0x120010;
    out8(&r, 0xC4, (uint8_t)(pa >> 1));
    out8(&r, 0xC4, (uint8_t)(pa >> 9));
    out8(&r, 0x8B, (uint8_t)((pa >> 16) | 1));
    out8(&r, 0xC6, 3);
    out8(&r, 0xC6, 0);
    out8(&r, 0xD4, 1);
    uint8_t data[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    bool tc = false;
    assert_int_equal(hw_i8237_transfer(r.dma, 5, data, 9, &tc), 8); /* 4 words; the odd byte stays */
    assert_true(tc);
    assert_memory_equal(r.low + 0x20010, data, 8);
    assert_int_equal(in8(&r, 0xD0) & 0x0F, 0x02);
    rig_down(&r);
}

static void test_memory_hole(void **s)
{
    (void)s;
    rig r;
    rig_up(&r, true);
    program8(&r, 2, 0x900000, 3, HW_I8237_MODE_READ);
    uint8_t got[4] = { 0 };
    assert_int_equal(hw_i8237_transfer(r.dma, 2, got, 4, NULL), 4);
    assert_int_equal(got[0], 0xFF);
    assert_int_equal(got[3], 0xFF);
    assert_int_equal(hw_i8237_bus_errors(r.dma), 4);
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_mapped),
        cmocka_unit_test(test_flipflop_and_registers),
        cmocka_unit_test(test_write_transfer_tc_and_status),
        cmocka_unit_test(test_read_verify_and_autoinit),
        cmocka_unit_test(test_decrement),
        cmocka_unit_test(test_address_wraps_inside_page),
        cmocka_unit_test(test_masks_and_master_clear),
        cmocka_unit_test(test_cascade_and_disable),
        cmocka_unit_test(test_word_channel),
        cmocka_unit_test(test_memory_hole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
