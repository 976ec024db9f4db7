/* hwmodel/edu: the edu device's registers, factorial timing, DMA timing and
 * data, INTx raise/acknowledge, bus-master and range errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hwmodel/edu.h"

typedef struct {
    hw_clock *clock;
    hw_bus *bus;
    hw_pci *pci;
    hw_physmem *ram;
    hw_edu *edu;
    uint64_t bar;
} rig;

static int Level[HW_BUS_IRQ_LINES];
static void listener(void *o, unsigned line, int level, int edge)
{
    (void)o;
    if (!edge)
        Level[line] = level;
}

static void rig_up(rig *r)
{
    memset(Level, 0, sizeof(Level));
    r->clock = hw_clock_new();
    r->bus = hw_bus_new(r->clock);
    hw_bus_set_irq_listener(r->bus, listener, NULL);
    r->pci = hw_pci_new(r->bus);
    r->ram = hw_physmem_new(0x1000000, 0xBFFFFFFF);
    hw_edu_config cfg = { .bus = 0, .device = 3, .function = 0, .irq = 11 };
    int err = 1;
    r->edu = hw_edu_new(r->pci, r->ram, &cfg, &err);
    assert_non_null(r->edu);
    assert_int_equal(err, 0);
    uint64_t next = 0xFE000000u;
    uint32_t io = 0xC000;
    hw_pci_firmware_assign(hw_edu_pci(r->edu), &next, &io);
    r->bar = hw_pci_bar_address(hw_edu_pci(r->edu), 0);
    assert_int_equal(r->bar, 0xFE000000u);
}

static void rig_down(rig *r)
{
    hw_edu_free(r->edu);
    hw_pci_free(r->pci);
    hw_physmem_free(r->ram);
    hw_bus_free(r->bus);
    hw_clock_free(r->clock);
}

static uint32_t rd(rig *r, uint64_t off)
{
    uint64_t v;
    hw_bus_mmio_read(r->bus, r->bar + off, 4, &v);
    return (uint32_t)v;
}

static void wr(rig *r, uint64_t off, uint32_t v)
{
    hw_bus_mmio_write(r->bus, r->bar + off, 4, v);
}

static void test_identity_and_config(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    assert_int_equal(hw_pci_config_read(r.pci, 0, 3, 0, 0, 4), 0x11E81234u);
    assert_int_equal(hw_pci_config_read(r.pci, 0, 3, 0, HW_PCI_INTERRUPT_PIN, 1), 1);
    hw_pci_config_write(r.pci, 0, 3, 0, HW_PCI_BAR0, 4, 0xFFFFFFFFu);
    assert_int_equal(hw_pci_config_read(r.pci, 0, 3, 0, HW_PCI_BAR0, 4), 0xFFF00000u); /* 1 MiB */
    hw_pci_config_write(r.pci, 0, 3, 0, HW_PCI_BAR0, 4, 0xFE000000u);
    assert_int_equal(rd(&r, HW_EDU_REG_ID), HW_EDU_ID);
    wr(&r, HW_EDU_REG_LIVENESS, 0x12345678u);
    assert_int_equal(rd(&r, HW_EDU_REG_LIVENESS), 0xEDCBA987u);
    assert_int_equal(rd(&r, 0x10), 0xFFFFFFFFu);       /* no register there */
    assert_int_equal(rd(&r, 0x40000), 0xFFFFFFFFu);    /* the DMA buffer is not MMIO */
    rig_down(&r);
}

static void test_factorial_timing_and_irq(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    wr(&r, HW_EDU_REG_FACTORIAL, 10);
    assert_int_equal(rd(&r, HW_EDU_REG_STATUS) & HW_EDU_STATUS_BUSY, 1);
    wr(&r, HW_EDU_REG_FACTORIAL, 3); /* ignored while busy */
    hw_clock_advance(r.clock, 1000 + 50 * 10 - 1);
    assert_int_equal(rd(&r, HW_EDU_REG_STATUS) & HW_EDU_STATUS_BUSY, 1);
    hw_clock_advance(r.clock, 1);
    assert_int_equal(rd(&r, HW_EDU_REG_STATUS) & HW_EDU_STATUS_BUSY, 0);
    assert_int_equal(rd(&r, HW_EDU_REG_FACTORIAL), 3628800u);
    assert_int_equal(Level[11], 0); /* no interrupt asked for */

    wr(&r, HW_EDU_REG_STATUS, HW_EDU_STATUS_IRQ_FACT);
    wr(&r, HW_EDU_REG_FACTORIAL, 12);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_clock_now(r.clock), 1500 + 1000 + 600);
    assert_int_equal(rd(&r, HW_EDU_REG_FACTORIAL), 479001600u);
    assert_int_equal(rd(&r, HW_EDU_REG_IRQ_STATUS), HW_EDU_IRQ_FACT);
    assert_int_equal(Level[11], 1);
    wr(&r, HW_EDU_REG_IRQ_ACK, HW_EDU_IRQ_FACT);
    assert_int_equal(Level[11], 0);

    /* large n: the product reaches 0 mod 2^32 at 34! and the unit stops */
    uint64_t t0 = hw_clock_now(r.clock);
    wr(&r, HW_EDU_REG_FACTORIAL, 1000000);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_clock_now(r.clock) - t0, 1000 + 50 * 34);
    assert_int_equal(rd(&r, HW_EDU_REG_FACTORIAL), 0);
    wr(&r, HW_EDU_REG_IRQ_ACK, 0xFFFFFFFFu);

    /* raise / ack by software */
    wr(&r, HW_EDU_REG_IRQ_RAISE, 0x40);
    assert_int_equal(Level[11], 1);
    assert_int_equal(rd(&r, HW_EDU_REG_IRQ_STATUS), 0x40);
    wr(&r, HW_EDU_REG_IRQ_ACK, 0x40);
    assert_int_equal(Level[11], 0);
    rig_down(&r);
}

static void test_dma_both_directions(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    uint64_t pa;
    uint8_t *host = hw_physmem_alloc(r.ram, 4096, 0, UINT64_MAX, &pa);
    for (int i = 0; i < 4096; i++)
        host[i] = (uint8_t)(i * 7 + 1);
    /* RAM -> device buffer, 4096 bytes, with an interrupt */
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_SRC, 8, pa);
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_DST, 8, HW_EDU_DMA_BUF_ADDR);
    wr(&r, HW_EDU_REG_DMA_COUNT, 4096);
    uint64_t t0 = hw_clock_now(r.clock);
    wr(&r, HW_EDU_REG_DMA_CMD, HW_EDU_DMA_START | HW_EDU_DMA_IRQ);
    assert_int_equal(rd(&r, HW_EDU_REG_DMA_CMD) & HW_EDU_DMA_START, 1);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_clock_now(r.clock) - t0, 33000);
    assert_int_equal(rd(&r, HW_EDU_REG_DMA_CMD) & HW_EDU_DMA_START, 0);
    assert_memory_equal(hw_edu_dma_buffer(r.edu), host, 4096);
    assert_int_equal(rd(&r, HW_EDU_REG_IRQ_STATUS), HW_EDU_IRQ_DMA);
    assert_int_equal(Level[11], 1);
    wr(&r, HW_EDU_REG_IRQ_ACK, HW_EDU_IRQ_DMA);
    /* device buffer -> RAM, 1 byte at offset 100, no interrupt */
    memset(host, 0, 4096);
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_SRC, 8, HW_EDU_DMA_BUF_ADDR + 100);
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_DST, 8, pa + 5);
    wr(&r, HW_EDU_REG_DMA_COUNT, 1);
    t0 = hw_clock_now(r.clock);
    wr(&r, HW_EDU_REG_DMA_CMD, HW_EDU_DMA_START | HW_EDU_DMA_TO_RAM);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_clock_now(r.clock) - t0, 1000 + 8);
    assert_int_equal(host[5], (uint8_t)(100 * 7 + 1));
    assert_int_equal(host[4], 0);
    assert_int_equal(Level[11], 0);
    assert_int_equal(hw_edu_dma_bytes(r.edu), 4097);
    assert_int_equal(hw_edu_dma_errors(r.edu), 0);
    rig_down(&r);
}

static void test_dma_errors(void **state)
{
    (void)state;
    rig r;
    rig_up(&r);
    /* a hole in physical memory: master abort */
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_SRC, 8, 0x5000);
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_DST, 8, HW_EDU_DMA_BUF_ADDR);
    wr(&r, HW_EDU_REG_DMA_COUNT, 16);
    wr(&r, HW_EDU_REG_DMA_CMD, HW_EDU_DMA_START);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_edu_dma_errors(r.edu), 1);
    assert_true(hw_pci_config_read(r.pci, 0, 3, 0, HW_PCI_STATUS, 2) & HW_PCI_STATUS_RECEIVED_MASTER_ABORT);
    /* past the device buffer */
    uint64_t pa;
    hw_physmem_alloc(r.ram, 8192, 0, UINT64_MAX, &pa);
    hw_bus_mmio_write(r.bus, r.bar + HW_EDU_REG_DMA_SRC, 8, pa);
    wr(&r, HW_EDU_REG_DMA_COUNT, 4097);
    wr(&r, HW_EDU_REG_DMA_CMD, HW_EDU_DMA_START);
    hw_clock_run_next(r.clock);
    assert_int_equal(hw_edu_dma_errors(r.edu), 2);
    /* no bus mastering: nothing starts */
    hw_pci_config_write(r.pci, 0, 3, 0, HW_PCI_COMMAND, 2, HW_PCI_CMD_MEMORY);
    wr(&r, HW_EDU_REG_DMA_COUNT, 4);
    wr(&r, HW_EDU_REG_DMA_CMD, HW_EDU_DMA_START);
    assert_int_equal(rd(&r, HW_EDU_REG_DMA_CMD) & HW_EDU_DMA_START, 0);
    assert_int_equal(hw_clock_pending_count(r.clock), 0);
    assert_int_equal(hw_edu_dma_errors(r.edu), 3);
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_and_config),
        cmocka_unit_test(test_factorial_timing_and_irq),
        cmocka_unit_test(test_dma_both_directions),
        cmocka_unit_test(test_dma_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
