/* Tests for hwmodel/bus.c: mapping, routing, splitting, interrupt lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwmodel/bus.h"

typedef struct dev {
    uint8_t  regs[16];
    uint64_t last_off;
    unsigned last_size;
    uint64_t last_val;
    int      reads, writes;
} dev;

static uint64_t dev_read(void *o, uint64_t off, unsigned size)
{
    dev *d = o;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)d->regs[(off + i) % 16] << (8 * i);
    return v;
}

static void dev_write(void *o, uint64_t off, unsigned size, uint64_t val)
{
    dev *d = o;
    d->writes++;
    d->last_off = off;
    d->last_size = size;
    d->last_val = val;
    for (unsigned i = 0; i < size; i++)
        d->regs[(off + i) % 16] = (uint8_t)(val >> (8 * i));
}

static const hw_region_ops any_ops = { dev_read, dev_write, 0 };
static const hw_region_ops byte_ops = { dev_read, dev_write, 1 };

static void test_map_and_overlap(void **state)
{
    (void)state;
    hw_bus *b = hw_bus_new(NULL);
    dev d1 = { 0 }, d2 = { 0 };
    const char *conflict = NULL;
    assert_int_equal(hw_bus_map_io(b, 0x3F8, 8, &byte_ops, &d1, "com1", NULL), 0);
    assert_int_equal(hw_bus_map_io(b, 0x3FC, 8, &any_ops, &d2, "x", &conflict), -EBUSY);
    assert_string_equal(conflict, "com1");
    assert_int_equal(hw_bus_map_io(b, 0x3F0, 9, &any_ops, &d2, "y", &conflict), -EBUSY);
    assert_int_equal(hw_bus_map_io(b, 0x3F0, 8, &any_ops, &d2, "fdc", NULL), 0);   /* adjacent */
    assert_int_equal(hw_bus_map_io(b, 0x400, 8, &any_ops, &d2, "z", NULL), 0);
    assert_int_equal(hw_bus_map_io(b, 0xFFFF, 2, &any_ops, &d2, "past", NULL), -EINVAL);
    assert_int_equal(hw_bus_map_io(b, 0x10, 0, &any_ops, &d2, "empty", NULL), -EINVAL);
    assert_int_equal(hw_bus_range_count(b, HW_SPACE_IO), 3);
    hw_range_info ri;
    assert_true(hw_bus_range_at(b, HW_SPACE_IO, 0, &ri));
    assert_string_equal(ri.name, "fdc");
    assert_true(hw_bus_range_at(b, HW_SPACE_IO, 1, &ri));
    assert_string_equal(ri.name, "com1");
    assert_int_equal(ri.base, 0x3F8);
    assert_int_equal(ri.length, 8);
    assert_true(hw_bus_lookup(b, HW_SPACE_IO, 0x3FF, &ri));
    assert_string_equal(ri.name, "com1");
    assert_false(hw_bus_lookup(b, HW_SPACE_IO, 0x408, &ri));
    assert_int_equal(hw_bus_unmap(b, HW_SPACE_IO, 0x3F9), -ENOENT);
    assert_int_equal(hw_bus_unmap(b, HW_SPACE_IO, 0x3F8), 0);
    assert_false(hw_bus_lookup(b, HW_SPACE_IO, 0x3F8, NULL));
    assert_int_equal(hw_bus_map_io(b, 0x3F8, 8, &any_ops, &d1, "again", NULL), 0);
    hw_bus_free(b);
}

static void test_routing_and_unmapped(void **state)
{
    (void)state;
    hw_bus *b = hw_bus_new(NULL);
    dev d = { 0 };
    uint32_t v = 0;
    assert_int_equal(hw_bus_map_io(b, 0x100, 16, &any_ops, &d, "dev", NULL), 0);
    assert_true(hw_bus_io_write(b, 0x104, 4, 0xA1B2C3D4));
    assert_int_equal(d.last_off, 4);
    assert_int_equal(d.last_size, 4);
    assert_true(hw_bus_io_read(b, 0x104, 2, &v));
    assert_int_equal(v, 0xC3D4);
    assert_true(hw_bus_io_read(b, 0x106, 1, &v));
    assert_int_equal(v, 0xB2);
    /* unmapped: all ones, not answered */
    assert_false(hw_bus_io_read(b, 0x200, 1, &v));
    assert_int_equal(v, 0xFF);
    assert_false(hw_bus_io_read(b, 0x200, 4, &v));
    assert_int_equal(v, 0xFFFFFFFFu);
    assert_false(hw_bus_io_write(b, 0x200, 1, 0));
    /* bad size */
    assert_false(hw_bus_io_read(b, 0x100, 3, &v));
    /* straddling the end: mapped bytes answer, the rest read 0xFF */
    d.regs[15] = 0x5A;
    int reads = d.reads;
    assert_true(hw_bus_io_read(b, 0x10F, 2, &v));
    assert_int_equal(v, 0xFF5A);
    assert_int_equal(d.reads, reads + 1);
    hw_bus_free(b);
}

static void test_split_bytewide(void **state)
{
    (void)state;
    hw_bus *b = hw_bus_new(NULL);
    dev d = { 0 };
    uint32_t v;
    assert_int_equal(hw_bus_map_io(b, 0x3F8, 8, &byte_ops, &d, "uart", NULL), 0);
    d.regs[3] = 0x03;
    d.regs[4] = 0x0B;
    int reads = d.reads;
    assert_true(hw_bus_io_read(b, 0x3FB, 2, &v));
    assert_int_equal(v, 0x0B03);
    assert_int_equal(d.reads, reads + 2);      /* two byte accesses */
    assert_int_equal(d.last_size, 1);
    assert_true(hw_bus_io_write(b, 0x3F8, 4, 0x44332211));
    assert_int_equal(d.writes, 4);
    assert_int_equal(d.regs[0], 0x11);
    assert_int_equal(d.regs[3], 0x44);
    hw_bus_free(b);
}

static void test_mmio_64(void **state)
{
    (void)state;
    hw_bus *b = hw_bus_new(NULL);
    dev d = { 0 };
    uint64_t v;
    assert_int_equal(hw_bus_map_mmio(b, 0xFEC00000ull, 16, &any_ops, &d, "ioapic", NULL), 0);
    assert_int_equal(hw_bus_map_mmio(b, 0xFEC0000Full, 1, &any_ops, &d, "x", NULL), -EBUSY);
    assert_int_equal(hw_bus_map_mmio(b, UINT64_MAX, 1, &any_ops, &d, "top", NULL), 0);
    assert_int_equal(hw_bus_map_mmio(b, UINT64_MAX - 1, 3, &any_ops, &d, "wrap", NULL), -EINVAL);
    assert_true(hw_bus_mmio_write(b, 0xFEC00008ull, 8, 0x1122334455667788ull));
    assert_int_equal(d.last_size, 8);
    assert_true(hw_bus_mmio_read(b, 0xFEC00008ull, 8, &v));
    assert_true(v == 0x1122334455667788ull);
    assert_false(hw_bus_mmio_read(b, 0x1000, 8, &v));
    assert_true(v == UINT64_MAX);
    hw_bus_free(b);
}

typedef struct irqlog {
    int      n;
    unsigned line[32];
    int      level[32];
    int      edge[32];
} irqlog;

static void listener(void *o, unsigned line, int level, int edge)
{
    irqlog *l = o;
    l->line[l->n] = line;
    l->level[l->n] = level;
    l->edge[l->n] = edge;
    l->n++;
}

static void test_irq_wired_or(void **state)
{
    (void)state;
    hw_bus *b = hw_bus_new(NULL);
    irqlog l = { 0 };
    hw_bus_set_irq_listener(b, listener, &l);
    hw_irq a, c;
    hw_irq_init(&a, b, 5);
    hw_irq_init(&c, b, 5);
    hw_irq_set(&a, 1);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.line[0], 5);
    assert_int_equal(l.level[0], 1);
    assert_int_equal(l.edge[0], 0);
    hw_irq_set(&a, 1);              /* idempotent */
    hw_irq_set(&c, 1);              /* line already high */
    assert_int_equal(l.n, 1);
    hw_irq_set(&a, 0);              /* c still holds it */
    assert_int_equal(l.n, 1);
    assert_int_equal(hw_bus_irq_level(b, 5), 1);
    hw_irq_set(&c, 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.level[1], 0);
    assert_int_equal(hw_bus_irq_level(b, 5), 0);
    /* anonymous source and pulses */
    hw_bus_irq_set(b, 7, 1);
    hw_bus_irq_set(b, 7, 1);
    assert_int_equal(l.n, 3);
    hw_bus_irq_set(b, 7, 0);
    assert_int_equal(l.n, 4);
    hw_bus_irq_pulse(b, 1);
    assert_int_equal(l.n, 5);
    assert_int_equal(l.line[4], 1);
    assert_int_equal(l.edge[4], 1);
    assert_int_equal(l.level[4], 1);
    assert_int_equal(hw_bus_irq_level(b, 1), 0);
    /* out-of-range lines are ignored */
    hw_bus_irq_set(b, HW_BUS_IRQ_LINES, 1);
    assert_int_equal(l.n, 5);
    hw_bus_free(b);
}

static void test_irq_vcd(void **state)
{
    (void)state;
    char path[] = "/tmp/hwmodel_bus_vcd_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_clock *clk = hw_clock_new();
    hw_bus *b = hw_bus_new(clk);
    hw_vcd *v = hw_vcd_open(path);
    assert_non_null(v);
    assert_int_equal(hw_bus_vcd_trace_irq(b, v, 4, "pic"), 0);
    hw_clock_advance(clk, 1000);
    hw_bus_irq_set(b, 4, 1);
    hw_clock_advance(clk, 500);
    hw_bus_irq_set(b, 4, 0);
    assert_int_equal(hw_vcd_close(v), 0);
    FILE *f = fopen(path, "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    unlink(path);
    assert_non_null(strstr(buf, "$scope module pic $end"));
    assert_non_null(strstr(buf, "$var wire 1 ! irq4 $end"));
    assert_non_null(strstr(buf, "#1000\n1!\n#1500\n0!\n"));
    hw_bus_free(b);
    hw_clock_free(clk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_and_overlap),
        cmocka_unit_test(test_routing_and_unmapped),
        cmocka_unit_test(test_split_bytewide),
        cmocka_unit_test(test_mmio_64),
        cmocka_unit_test(test_irq_wired_or),
        cmocka_unit_test(test_irq_vcd),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
