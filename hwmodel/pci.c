/* hwmodel/pci.c - configuration space, BAR sizing and decoding, INTx. */
#include "hwmodel/pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hw_pci {
    hw_bus     *bus;
    unsigned    attached;  /* devices in slot[][][]: freeing stops looking when none is left */
    hw_pci_dev *slot[HW_PCI_MAX_BUSES][HW_PCI_DEVICES][HW_PCI_FUNCTIONS];
};

static inline uint16_t rd16(const uint8_t *c, unsigned o) { return (uint16_t)(c[o] | (c[o + 1] << 8)); }
static inline uint32_t rd32(const uint8_t *c, unsigned o) { return (uint32_t)rd16(c, o) | ((uint32_t)rd16(c, o + 2) << 16); }
static inline void wr16(uint8_t *c, unsigned o, uint16_t v) { c[o] = (uint8_t)v; c[o + 1] = (uint8_t)(v >> 8); }
static inline void wr32(uint8_t *c, unsigned o, uint32_t v) { wr16(c, o, (uint16_t)v); wr16(c, o + 2, (uint16_t)(v >> 16)); }

hw_pci *hw_pci_new(hw_bus *bus)
{
    hw_pci *p = calloc(1, sizeof(*p));
    if (p)
        p->bus = bus;
    return p;
}

void hw_pci_free(hw_pci *pci)
{
    if (!pci)
        return;
    for (unsigned b = 0; b < HW_PCI_MAX_BUSES && pci->attached; b++)
        for (unsigned d = 0; d < HW_PCI_DEVICES && pci->attached; d++)
            for (unsigned f = 0; f < HW_PCI_FUNCTIONS; f++)
                if (pci->slot[b][d][f])
                    hw_pci_detach(pci->slot[b][d][f]);
    free(pci);
}

hw_bus *hw_pci_bus(const hw_pci *pci) { return pci->bus; }

void hw_pci_dev_init(hw_pci_dev *dev, const char *name, uint16_t vendor, uint16_t device_id, uint8_t revision,
                     uint32_t class_code, uint8_t interrupt_pin)
{
    memset(dev, 0, sizeof(*dev));
    snprintf(dev->name, sizeof(dev->name), "%s", name ? name : "pci");
    wr16(dev->config, HW_PCI_VENDOR_ID, vendor);
    wr16(dev->config, HW_PCI_DEVICE_ID, device_id);
    dev->config[HW_PCI_REVISION] = revision;
    dev->config[HW_PCI_CLASS_PROG] = (uint8_t)class_code;
    dev->config[0x0A] = (uint8_t)(class_code >> 8);
    dev->config[0x0B] = (uint8_t)(class_code >> 16);
    dev->config[HW_PCI_HEADER_TYPE] = 0;
    wr16(dev->config, HW_PCI_SUBSYS_VENDOR, 0x1AF4);
    wr16(dev->config, HW_PCI_SUBSYS_ID, 0x1100);
    dev->config[HW_PCI_INTERRUPT_PIN] = interrupt_pin;
    dev->config[HW_PCI_INTERRUPT_LINE] = 0xFF;
}

void hw_pci_dev_set_bar(hw_pci_dev *dev, unsigned index, uint64_t size, bool io, const hw_region_ops *ops,
                        void *opaque)
{
    if (index >= HW_PCI_BARS)
        return;
    dev->bars[index] = (hw_pci_bar){ size, io, ops, opaque, 0, false };
    wr32(dev->config, HW_PCI_BAR0 + 4 * index, io ? 1u : 0u);
}

static uint64_t bar_base(const hw_pci_dev *dev, unsigned i)
{
    uint32_t v = rd32(dev->config, HW_PCI_BAR0 + 4 * i);
    return dev->bars[i].io ? (v & ~3u) : (v & ~15u);
}

uint64_t hw_pci_bar_address(const hw_pci_dev *dev, unsigned index)
{
    return index < HW_PCI_BARS ? bar_base(dev, index) : 0;
}

/* Map or unmap each BAR to match the BAR registers and the command register. */
static void update_mappings(hw_pci_dev *dev)
{
    if (!dev->attached)
        return;
    uint16_t cmd = rd16(dev->config, HW_PCI_COMMAND);
    for (unsigned i = 0; i < HW_PCI_BARS; i++) {
        hw_pci_bar *b = &dev->bars[i];
        if (b->size == 0)
            continue;
        uint64_t base = bar_base(dev, i);
        bool enable = (b->io ? (cmd & HW_PCI_CMD_IO) : (cmd & HW_PCI_CMD_MEMORY)) && base != 0 &&
                      (!b->io || base + b->size - 1 <= 0xFFFF);
        /* all-ones sizing pattern: not a real placement */
        if (!b->io && base == (uint64_t)(uint32_t)~(b->size - 1))
            enable = false;
        if (b->mapped && (!enable || b->mapped_at != base)) {
            hw_bus_unmap(dev->pci->bus, b->io ? HW_SPACE_IO : HW_SPACE_MMIO, b->mapped_at);
            b->mapped = false;
        }
        if (enable && !b->mapped) {
            char name[48];
            snprintf(name, sizeof(name), "%s BAR%u", dev->name, i);
            int r = b->io ? hw_bus_map_io(dev->pci->bus, (uint16_t)base, (uint32_t)b->size, b->ops, b->opaque, name, NULL)
                          : hw_bus_map_mmio(dev->pci->bus, base, b->size, b->ops, b->opaque, name, NULL);
            if (r == 0) {
                b->mapped = true;
                b->mapped_at = base;
            }
        }
    }
}

static void update_irq(hw_pci_dev *dev)
{
    uint16_t cmd = rd16(dev->config, HW_PCI_COMMAND);
    uint16_t st = rd16(dev->config, HW_PCI_STATUS);
    st = dev->intx ? (st | HW_PCI_STATUS_INTERRUPT) : (st & ~HW_PCI_STATUS_INTERRUPT);
    wr16(dev->config, HW_PCI_STATUS, st);
    if (dev->attached)
        hw_irq_set(&dev->irq, dev->intx && !(cmd & HW_PCI_CMD_INTX_DISABLE));
}

int hw_pci_attach(hw_pci *pci, hw_pci_dev *dev, unsigned bus, unsigned device, unsigned function, unsigned irq_line)
{
    if (!pci || !dev || bus >= HW_PCI_MAX_BUSES || device >= HW_PCI_DEVICES || function >= HW_PCI_FUNCTIONS ||
        dev->attached)
        return -EINVAL;
    if (pci->slot[bus][device][function])
        return -EBUSY;
    dev->pci = pci;
    dev->bus = bus;
    dev->device = device;
    dev->function = function;
    dev->attached = true;
    dev->config[HW_PCI_INTERRUPT_LINE] = (uint8_t)irq_line;
    hw_irq_init(&dev->irq, pci->bus, irq_line < HW_BUS_IRQ_LINES ? irq_line : HW_BUS_IRQ_LINES);
    pci->slot[bus][device][function] = dev;
    pci->attached++;
    update_mappings(dev);
    return 0;
}

void hw_pci_detach(hw_pci_dev *dev)
{
    if (!dev || !dev->attached)
        return;
    hw_irq_release(&dev->irq);
    for (unsigned i = 0; i < HW_PCI_BARS; i++)
        if (dev->bars[i].mapped) {
            hw_bus_unmap(dev->pci->bus, dev->bars[i].io ? HW_SPACE_IO : HW_SPACE_MMIO, dev->bars[i].mapped_at);
            dev->bars[i].mapped = false;
        }
    dev->pci->slot[dev->bus][dev->device][dev->function] = NULL;
    dev->pci->attached--;
    dev->attached = false;
}

hw_pci_dev *hw_pci_find(const hw_pci *pci, unsigned bus, unsigned device, unsigned function)
{
    if (!pci || bus >= HW_PCI_MAX_BUSES || device >= HW_PCI_DEVICES || function >= HW_PCI_FUNCTIONS)
        return NULL;
    return pci->slot[bus][device][function];
}

static bool cfg_ok(unsigned offset, unsigned size)
{
    return (size == 1 || size == 2 || size == 4) && offset + size <= HW_PCI_CONFIG_SIZE && (offset & (size - 1)) == 0;
}

uint32_t hw_pci_config_read(hw_pci *pci, unsigned bus, unsigned device, unsigned function, unsigned offset,
                            unsigned size)
{
    hw_pci_dev *dev = hw_pci_find(pci, bus, device, function);
    if (!dev || !cfg_ok(offset, size))
        return size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)dev->config[offset + i] << (8 * i);
    return v;
}

/* One byte of a configuration write, with the header's access rules. */
static void cfg_write_byte(hw_pci_dev *dev, unsigned o, uint8_t v, bool *remap, bool *reirq)
{
    uint8_t *c = dev->config;
    if (o == HW_PCI_COMMAND) {
        c[o] = v & 0x47;                      /* I/O, memory, master, parity resp., SERR is byte 1 */
        *remap = *reirq = true;
    } else if (o == HW_PCI_COMMAND + 1) {
        c[o] = v & 0x05;                      /* SERR# enable (bit 8), interrupt disable (bit 10) */
        *reirq = true;
    } else if (o == HW_PCI_STATUS + 1) {
        c[o] &= (uint8_t)~(v & 0xF9);         /* RW1C error bits 8, 11-15 */
    } else if (o == 0x0C || o == 0x0D) {      /* cache line size, latency timer */
        c[o] = v;
    } else if (o >= HW_PCI_BAR0 && o < HW_PCI_BAR0 + 4 * HW_PCI_BARS) {
        unsigned i = (o - HW_PCI_BAR0) / 4, byte = (o - HW_PCI_BAR0) % 4;
        const hw_pci_bar *b = &dev->bars[i];
        if (b->size == 0)
            return;                           /* BAR not present: hardwired zero */
        uint32_t mask = (uint32_t)~(b->size - 1) & (b->io ? ~3u : ~15u);
        uint32_t type = b->io ? 1u : 0u;
        uint8_t m = (uint8_t)(mask >> (8 * byte)), t = (uint8_t)(type >> (8 * byte));
        c[o] = (uint8_t)((v & m) | t);
        *remap = true;
    } else if (o == HW_PCI_INTERRUPT_LINE) {
        c[o] = v;
    }
    /* everything else is read-only */
}

void hw_pci_config_write(hw_pci *pci, unsigned bus, unsigned device, unsigned function, unsigned offset,
                         unsigned size, uint32_t value)
{
    hw_pci_dev *dev = hw_pci_find(pci, bus, device, function);
    if (!dev || !cfg_ok(offset, size))
        return;
    bool remap = false, reirq = false;
    for (unsigned i = 0; i < size; i++)
        cfg_write_byte(dev, offset + i, (uint8_t)(value >> (8 * i)), &remap, &reirq);
    if (remap)
        update_mappings(dev);
    if (reirq)
        update_irq(dev);
}

void hw_pci_firmware_assign(hw_pci_dev *dev, uint64_t *next_mem, uint32_t *next_io)
{
    for (unsigned i = 0; i < HW_PCI_BARS; i++) {
        const hw_pci_bar *b = &dev->bars[i];
        if (b->size == 0)
            continue;
        if (b->io) {
            uint32_t a = (uint32_t)((*next_io + b->size - 1) & ~(b->size - 1));
            wr32(dev->config, HW_PCI_BAR0 + 4 * i, a | 1u);
            *next_io = (uint32_t)(a + b->size);
        } else {
            uint64_t a = (*next_mem + b->size - 1) & ~(b->size - 1);
            wr32(dev->config, HW_PCI_BAR0 + 4 * i, (uint32_t)a);
            *next_mem = a + b->size;
        }
    }
    uint16_t cmd = rd16(dev->config, HW_PCI_COMMAND) | HW_PCI_CMD_IO | HW_PCI_CMD_MEMORY | HW_PCI_CMD_MASTER;
    wr16(dev->config, HW_PCI_COMMAND, cmd);
    update_mappings(dev);
}

void hw_pci_set_irq(hw_pci_dev *dev, int level)
{
    dev->intx = level != 0;
    update_irq(dev);
}

bool hw_pci_bus_master_enabled(const hw_pci_dev *dev)
{
    return (rd16(dev->config, HW_PCI_COMMAND) & HW_PCI_CMD_MASTER) != 0;
}

void hw_pci_master_abort(hw_pci_dev *dev)
{
    wr16(dev->config, HW_PCI_STATUS, rd16(dev->config, HW_PCI_STATUS) | HW_PCI_STATUS_RECEIVED_MASTER_ABORT);
}
