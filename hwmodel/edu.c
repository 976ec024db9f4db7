/* hwmodel/edu.c - the edu PCI device: identification, liveness, a timed
 * factorial unit, a timed DMA engine over simulated physical memory, and INTx.
 * See include/hwmodel/edu.h for the register map and the timing. */
#include "hwmodel/edu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct hw_edu {
    hw_pci_dev  pci;
    hw_physmem *ram;
    hw_clock   *clock;
    uint32_t    liveness;
    uint32_t    fact;
    uint32_t    status;        /* bit 7 only; bit 0 is derived from the timer */
    uint32_t    irq_status;
    uint64_t    dma_src, dma_dst, dma_count, dma_cmd;
    hw_timer    fact_timer, dma_timer;
    uint8_t     buffer[HW_EDU_DMA_BUF_SIZE];
    uint64_t    dma_errors, dma_bytes;
};

static void edu_update_irq(hw_edu *e)
{
    hw_pci_set_irq(&e->pci, e->irq_status != 0);
}

static void edu_raise(hw_edu *e, uint32_t bits)
{
    e->irq_status |= bits;
    edu_update_irq(e);
}

static uint32_t edu_factorial(uint32_t n)
{
    uint32_t r = 1;
    for (uint32_t i = 2; i <= n && r != 0; i++)
        r *= i;
    return r;
}

static hw_time_t edu_fact_time(uint32_t n)
{
    uint32_t steps = n < 34 ? n : 34;
    return HW_EDU_FACT_BASE_NS + (hw_time_t)steps * HW_EDU_FACT_STEP_NS;
}

static void edu_fact_done(void *opaque)
{
    hw_edu *e = opaque;
    e->fact = edu_factorial(e->fact);
    if (e->status & HW_EDU_STATUS_IRQ_FACT)
        edu_raise(e, HW_EDU_IRQ_FACT);
}

static hw_time_t edu_dma_time(uint64_t count)
{
    return HW_EDU_DMA_SETUP_NS + (count * HW_EDU_DMA_NS_PER_KIB + 1023) / 1024;
}

static bool edu_in_buffer(uint64_t addr, uint64_t count)
{
    return addr >= HW_EDU_DMA_BUF_ADDR && count <= HW_EDU_DMA_BUF_SIZE &&
           addr - HW_EDU_DMA_BUF_ADDR <= HW_EDU_DMA_BUF_SIZE - count;
}

static void edu_dma_done(void *opaque)
{
    hw_edu *e = opaque;
    bool to_ram = (e->dma_cmd & HW_EDU_DMA_TO_RAM) != 0;
    uint64_t dev = to_ram ? e->dma_src : e->dma_dst;
    uint64_t ram = to_ram ? e->dma_dst : e->dma_src;
    size_t n = (size_t)e->dma_count;
    if (!edu_in_buffer(dev, n)) {
        e->dma_errors++;
    } else {
        uint8_t *buf = e->buffer + (dev - HW_EDU_DMA_BUF_ADDR);
        bool ok = to_ram ? hw_physmem_write(e->ram, ram, buf, n) : hw_physmem_read(e->ram, ram, buf, n);
        if (ok) {
            e->dma_bytes += n;
        } else {
            e->dma_errors++;
            hw_pci_master_abort(&e->pci);
        }
    }
    e->dma_cmd &= ~(uint64_t)HW_EDU_DMA_START;
    if (e->dma_cmd & HW_EDU_DMA_IRQ)
        edu_raise(e, HW_EDU_IRQ_DMA);
}

static void edu_dma_start(hw_edu *e)
{
    if (!hw_pci_bus_master_enabled(&e->pci) || !e->ram) {
        e->dma_errors++;
        e->dma_cmd &= ~(uint64_t)HW_EDU_DMA_START;
        return;
    }
    hw_timer_mod(&e->dma_timer, hw_clock_now(e->clock) + edu_dma_time(e->dma_count));
}

uint64_t hw_edu_read(hw_edu *e, uint64_t offset, unsigned size)
{
    uint64_t v;
    switch (offset & ~(uint64_t)3) {
    case HW_EDU_REG_ID: v = HW_EDU_ID; break;
    case HW_EDU_REG_LIVENESS: v = ~e->liveness & 0xFFFFFFFFu; break;
    case HW_EDU_REG_FACTORIAL: v = e->fact; break;
    case HW_EDU_REG_STATUS:
        v = (e->status & HW_EDU_STATUS_IRQ_FACT) | (hw_timer_pending(&e->fact_timer) ? HW_EDU_STATUS_BUSY : 0);
        break;
    case HW_EDU_REG_IRQ_STATUS: v = e->irq_status; break;
    case HW_EDU_REG_DMA_SRC: v = e->dma_src; break;
    case HW_EDU_REG_DMA_SRC + 4: v = e->dma_src >> 32; break;
    case HW_EDU_REG_DMA_DST: v = e->dma_dst; break;
    case HW_EDU_REG_DMA_DST + 4: v = e->dma_dst >> 32; break;
    case HW_EDU_REG_DMA_COUNT: v = e->dma_count; break;
    case HW_EDU_REG_DMA_COUNT + 4: v = e->dma_count >> 32; break;
    case HW_EDU_REG_DMA_CMD: v = e->dma_cmd; break;
    case HW_EDU_REG_DMA_CMD + 4: v = e->dma_cmd >> 32; break;
    default: return ~UINT64_C(0);
    }
    /* 64-bit registers take an 8-byte access; others repeat nothing above 32 bits */
    if (size == 8 && offset < HW_EDU_REG_DMA_SRC)
        v &= 0xFFFFFFFFu;
    return v >> (8 * (offset & 3));
}

static void edu_set64(uint64_t *reg, uint64_t offset, unsigned size, uint64_t value)
{
    if (size == 8) {
        *reg = value;
    } else if (offset & 4) {
        *reg = (*reg & 0xFFFFFFFFu) | (value << 32);
    } else {
        *reg = (*reg & ~(uint64_t)0xFFFFFFFFu) | (value & 0xFFFFFFFFu);
    }
}

void hw_edu_write(hw_edu *e, uint64_t offset, unsigned size, uint64_t value)
{
    if (size < 4)
        return;                                   /* the registers take 32- or 64-bit writes */
    uint32_t v32 = (uint32_t)value;
    bool dma_busy = hw_timer_pending(&e->dma_timer);
    switch (offset & ~(uint64_t)7) {
    case HW_EDU_REG_DMA_SRC:
        if (!dma_busy)
            edu_set64(&e->dma_src, offset, size, value);
        return;
    case HW_EDU_REG_DMA_DST:
        if (!dma_busy)
            edu_set64(&e->dma_dst, offset, size, value);
        return;
    case HW_EDU_REG_DMA_COUNT:
        if (!dma_busy)
            edu_set64(&e->dma_count, offset, size, value);
        return;
    case HW_EDU_REG_DMA_CMD:
        if (!dma_busy) {
            edu_set64(&e->dma_cmd, offset, size, value);
            if (e->dma_cmd & HW_EDU_DMA_START)
                edu_dma_start(e);
        }
        return;
    default:
        break;
    }
    switch (offset) {
    case HW_EDU_REG_LIVENESS: e->liveness = v32; break;
    case HW_EDU_REG_FACTORIAL:
        if (!hw_timer_pending(&e->fact_timer)) {
            e->fact = v32;
            hw_timer_mod(&e->fact_timer, hw_clock_now(e->clock) + edu_fact_time(v32));
        }
        break;
    case HW_EDU_REG_STATUS: e->status = v32 & HW_EDU_STATUS_IRQ_FACT; break;
    case HW_EDU_REG_IRQ_RAISE: edu_raise(e, v32); break;
    case HW_EDU_REG_IRQ_ACK:
        e->irq_status &= ~v32;
        edu_update_irq(e);
        break;
    default: break;
    }
}

static uint64_t edu_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    return hw_edu_read(opaque, offset, size);
}

static void edu_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    hw_edu_write(opaque, offset, size, value);
}

static const hw_region_ops edu_ops = { edu_mmio_read, edu_mmio_write, 8 };

hw_edu *hw_edu_new(hw_pci *pci, hw_physmem *ram, const hw_edu_config *cfg, int *err)
{
    int dummy;
    if (!err)
        err = &dummy;
    if (!pci || !cfg) {
        *err = -EINVAL;
        return NULL;
    }
    hw_edu *e = calloc(1, sizeof(*e));
    if (!e) {
        *err = -ENOMEM;
        return NULL;
    }
    e->ram = ram;
    e->clock = hw_bus_clock(hw_pci_bus(pci));
    hw_pci_dev_init(&e->pci, cfg->name ? cfg->name : "edu", HW_EDU_VENDOR, HW_EDU_DEVICE, 0x10, 0x00FF00, 1);
    hw_pci_dev_set_bar(&e->pci, 0, HW_EDU_BAR0_SIZE, false, &edu_ops, e);
    hw_timer_init(&e->fact_timer, e->clock, edu_fact_done, e);
    hw_timer_init(&e->dma_timer, e->clock, edu_dma_done, e);
    int r = hw_pci_attach(pci, &e->pci, cfg->bus, cfg->device, cfg->function, cfg->irq);
    if (r != 0) {
        free(e);
        *err = r;
        return NULL;
    }
    *err = 0;
    return e;
}

void hw_edu_free(hw_edu *e)
{
    if (!e)
        return;
    hw_timer_del(&e->fact_timer);
    hw_timer_del(&e->dma_timer);
    hw_pci_detach(&e->pci);
    free(e);
}

hw_pci_dev *hw_edu_pci(hw_edu *e) { return &e->pci; }
uint8_t *hw_edu_dma_buffer(hw_edu *e) { return e->buffer; }
uint64_t hw_edu_dma_errors(const hw_edu *e) { return e->dma_errors; }
uint64_t hw_edu_dma_bytes(const hw_edu *e) { return e->dma_bytes; }
