/* hwmodel/pci: configuration space, BAR sizing and decoding, INTx; physmem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/pci.h"
#include "hwmodel/physmem.h"

static uint64_t Reads;
static uint64_t dev_read(void *o, uint64_t off, unsigned size)
{
    (void)o;
    (void)size;
    Reads++;
    return 0xA0000000u | (uint32_t)off;
}
static void dev_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)o;
    (void)off;
    (void)size;
    (void)v;
}
static const hw_region_ops Ops = { dev_read, dev_write, 4 };

static int IrqLevel[HW_BUS_IRQ_LINES];
static void listener(void *o, unsigned line, int level, int edge)
{
    (void)o;
    if (!edge)
        IrqLevel[line] = level;
}

static void test_config_space(void **state)
{
    (void)state;
    hw_clock *c = hw_clock_new();
    hw_bus *b = hw_bus_new(c);
    hw_pci *pci = hw_pci_new(b);
    hw_pci_dev d;
    hw_pci_dev_init(&d, "t", 0x1234, 0x5678, 3, 0x020000, 1);
    hw_pci_dev_set_bar(&d, 0, 0x1000, false, &Ops, NULL);
    hw_pci_dev_set_bar(&d, 1, 0x20, true, &Ops, NULL);
    assert_int_equal(hw_pci_attach(pci, &d, 0, 3, 0, 11), 0);
    hw_pci_dev other;
    hw_pci_dev_init(&other, "o", 1, 2, 0, 0, 0);
    assert_int_equal(hw_pci_attach(pci, &other, 0, 3, 0, 11), -EBUSY);

    /* absent functions read all ones */
    assert_int_equal(hw_pci_config_read(pci, 0, 4, 0, 0, 4), 0xFFFFFFFFu);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 1, 0, 2), 0xFFFFu);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, 0, 4), 0x56781234u);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, 8, 4), 0x02000003u);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_INTERRUPT_LINE, 1), 11);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_INTERRUPT_PIN, 1), 1);
    /* IDs are read-only */
    hw_pci_config_write(pci, 0, 3, 0, 0, 4, 0);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, 0, 4), 0x56781234u);

    /* size probing */
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0, 4, 0xFFFFFFFFu);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_BAR0, 4), 0xFFFFF000u);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0 + 4, 4, 0xFFFFFFFFu);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_BAR0 + 4, 4), 0xFFFFFFE1u);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0 + 8, 4, 0xFFFFFFFFu);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_BAR0 + 8, 4), 0); /* BAR not present */

    /* place BAR0; nothing decodes until memory space is enabled */
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0, 4, 0xFE001234u);
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_BAR0, 4), 0xFE001000u);
    assert_false(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE001000u, NULL));
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_COMMAND, 2, HW_PCI_CMD_MEMORY);
    hw_range_info info;
    assert_true(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE001000u, &info));
    assert_string_equal(info.name, "t BAR0");
    uint64_t v;
    assert_true(hw_bus_mmio_read(b, 0xFE001010u, 4, &v));
    assert_int_equal(v, 0xA0000010u);
    /* move it */
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0, 4, 0xFE002000u);
    assert_false(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE001000u, NULL));
    assert_true(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE002000u, NULL));
    /* disable memory space: unmapped, reads all ones */
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_COMMAND, 2, 0);
    assert_false(hw_bus_mmio_read(b, 0xFE002000u, 4, &v));
    assert_int_equal(v, 0xFFFFFFFFu);
    /* I/O BAR */
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_BAR0 + 4, 4, 0xC000);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_COMMAND, 2, HW_PCI_CMD_IO);
    uint32_t pv;
    assert_true(hw_bus_io_read(b, 0xC004, 4, &pv));
    assert_int_equal(pv, 0xA0000004u);

    /* INTx, status bit 3, interrupt disable */
    hw_bus_set_irq_listener(b, listener, NULL);
    hw_pci_set_irq(&d, 1);
    assert_int_equal(IrqLevel[11], 1);
    assert_true(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_INTERRUPT);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_COMMAND, 2, HW_PCI_CMD_INTX_DISABLE);
    assert_int_equal(IrqLevel[11], 0);
    assert_true(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_INTERRUPT);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_COMMAND, 2, 0);
    assert_int_equal(IrqLevel[11], 1);
    hw_pci_set_irq(&d, 0);
    assert_int_equal(IrqLevel[11], 0);
    assert_false(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_INTERRUPT);

    /* master abort is RW1C */
    hw_pci_master_abort(&d);
    assert_true(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_RECEIVED_MASTER_ABORT);
    hw_pci_config_write(pci, 0, 3, 0, HW_PCI_STATUS, 2, HW_PCI_STATUS_RECEIVED_MASTER_ABORT);
    assert_false(hw_pci_config_read(pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_RECEIVED_MASTER_ABORT);

    /* firmware */
    uint64_t next = 0xFE000000u;
    uint32_t next_io = 0xC000;
    hw_pci_firmware_assign(&d, &next, &next_io);
    assert_int_equal(hw_pci_bar_address(&d, 0), 0xFE000000u);
    assert_int_equal(next, 0xFE001000u);
    assert_true(hw_pci_bus_master_enabled(&d));
    assert_true(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE000000u, NULL));

    hw_pci_detach(&d);
    assert_false(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE000000u, NULL));
    assert_int_equal(hw_pci_config_read(pci, 0, 3, 0, 0, 4), 0xFFFFFFFFu);
    hw_pci_free(pci);
    hw_bus_free(b);
    hw_clock_free(c);
}

static void test_physmem(void **state)
{
    (void)state;
    hw_physmem *pm = hw_physmem_new(0x100000, 0x3FFFFFFF);
    uint64_t a, b2, c2;
    uint8_t *ha = hw_physmem_alloc(pm, 100, 0, UINT64_MAX, &a);
    assert_non_null(ha);
    assert_int_equal(a, 0x100000);
    uint8_t *hb = hw_physmem_alloc(pm, 8192, 0x10000, UINT64_MAX, &b2);
    assert_non_null(hb);
    assert_int_equal(b2, 0x110000);
    assert_null(hw_physmem_alloc(pm, 4096, 0, 0x100FFF, &c2)); /* below highest: full */
    assert_non_null(hw_physmem_alloc(pm, 4096, 0, UINT64_MAX, &c2));
    assert_int_equal(c2, 0x101000);
    memcpy(ha, "hello", 5);
    char out[8] = { 0 };
    assert_true(hw_physmem_read(pm, a, out, 5));
    assert_string_equal(out, "hello");
    assert_true(hw_physmem_write(pm, b2 + 8190, "xy", 2));
    assert_int_equal(hb[8191], 'y');
    assert_false(hw_physmem_write(pm, b2 + 8191, "xy", 2)); /* runs past the region */
    assert_false(hw_physmem_read(pm, 0x50000, out, 1));     /* a hole */
    uint64_t pa;
    assert_true(hw_physmem_phys(pm, hb + 17, &pa));
    assert_int_equal(pa, b2 + 17);
    assert_int_equal(hw_physmem_region_count(pm), 3);
    assert_int_equal(hw_physmem_release(pm, a), 0);
    assert_int_equal(hw_physmem_release(pm, a), -ENOENT);
    assert_non_null(hw_physmem_alloc(pm, 4096, 0, UINT64_MAX, &a));
    assert_int_equal(a, 0x100000); /* first fit reuses the hole */
    hw_physmem_free(pm);
}

/* Freeing the PCI bus detaches every device still attached, wherever it sits (the last
 * bus, slot and function too), and unmaps its BARs. */
static void test_free_detaches_all(void **state)
{
    (void)state;
    hw_clock *c = hw_clock_new();
    hw_bus *b = hw_bus_new(c);
    hw_pci *pci = hw_pci_new(b);
    hw_pci_dev first, last, gone;
    hw_pci_dev_init(&first, "first", 1, 2, 0, 0, 1);
    hw_pci_dev_init(&last, "last", 3, 4, 0, 0, 1);
    hw_pci_dev_init(&gone, "gone", 5, 6, 0, 0, 1);
    hw_pci_dev_set_bar(&last, 0, 0x1000, false, &Ops, NULL);
    assert_int_equal(hw_pci_attach(pci, &first, 0, 0, 0, 10), 0);
    assert_int_equal(hw_pci_attach(pci, &gone, 1, 5, 2, 10), 0);
    assert_int_equal(hw_pci_attach(pci, &last, HW_PCI_MAX_BUSES - 1, HW_PCI_DEVICES - 1, HW_PCI_FUNCTIONS - 1, 10), 0);
    uint64_t next = 0xFE000000u;
    uint32_t next_io = 0xC000;
    hw_pci_firmware_assign(&last, &next, &next_io);
    assert_true(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE000000u, NULL));
    hw_pci_detach(&gone); /* detached before: not counted again */
    hw_pci_free(pci);
    assert_false(first.attached);
    assert_false(last.attached);
    assert_false(hw_bus_lookup(b, HW_SPACE_MMIO, 0xFE000000u, NULL));
    hw_bus_free(b);
    hw_clock_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_space),
        cmocka_unit_test(test_physmem),
        cmocka_unit_test(test_free_detaches_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
