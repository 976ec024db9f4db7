/* hwmodel/i8237.c - two cascaded 8237A DMA controllers and the AT page registers.
 *
 * Each channel has base and current address/count registers (16 bits), a mode
 * register and a mask bit; each controller has the byte-pointer flip-flop,
 * command, status (TC bits 0-3, cleared by reading; request bits 4-7) and
 * request registers.  No timers: the controllers move data only when a device
 * asserts DREQ through hw_i8237_transfer(), at the device's virtual time. */
#include "hwmodel/i8237.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct dma_channel {
    uint16_t base_addr, base_count;
    uint16_t addr, count;
    uint8_t  mode;
    uint8_t  page;
    bool     masked;
    bool     done;          /* terminal count reached, no auto-init: nothing left */
} dma_channel;

typedef struct dma_controller {
    dma_channel ch[4];
    bool        flipflop;   /* false: next byte is the low byte */
    uint8_t     command;
    uint8_t     tc_bits;    /* status 3:0 */
    uint8_t     request;    /* status 7:4 as bits 3:0: DREQ waiting, or software request */
} dma_controller;

struct hw_i8237 {
    hw_bus        *bus;
    hw_physmem    *ram;
    dma_controller c[2];
    uint8_t        pages[16];   /* ports 0x80-0x8F (0x80 is not mapped) */
    uint64_t       bus_errors;
    bool           mapped_lo, mapped_hi, mapped_page;
};

/* page register port of each channel */
static const uint8_t page_port[8] = { 0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A };

static dma_channel *chan(hw_i8237 *d, unsigned channel) { return &d->c[channel >> 2].ch[channel & 3]; }
static const dma_channel *cchan(const hw_i8237 *d, unsigned channel) { return &d->c[channel >> 2].ch[channel & 3]; }

/* ---------- registers ---------- */

static uint8_t flip_byte(dma_controller *c, uint16_t value)
{
    uint8_t b = c->flipflop ? (uint8_t)(value >> 8) : (uint8_t)value;
    c->flipflop = !c->flipflop;
    return b;
}

static void flip_store(dma_controller *c, uint16_t *a, uint16_t *b, uint8_t value)
{
    uint16_t v = c->flipflop ? (uint16_t)((*a & 0x00FF) | (value << 8)) : (uint16_t)((*a & 0xFF00) | value);
    *a = *b = v;
    c->flipflop = !c->flipflop;
}

static void master_clear(dma_controller *c)
{
    c->flipflop = false;
    c->command = 0;
    c->tc_bits = 0;
    c->request = 0;
    for (int i = 0; i < 4; i++)
        c->ch[i].masked = true;
}

uint8_t hw_i8237_read(hw_i8237 *d, unsigned controller, unsigned reg)
{
    if (controller > 1 || reg > 15)
        return 0xFF;
    dma_controller *c = &d->c[controller];
    if (reg < 8) {
        dma_channel *ch = &c->ch[reg >> 1];
        return flip_byte(c, (reg & 1) ? ch->count : ch->addr);
    }
    switch (reg) {
    case HW_I8237_STATUS: {
        uint8_t v = (uint8_t)(c->tc_bits | (c->request << 4));
        c->tc_bits = 0;
        return v;
    }
    case HW_I8237_TEMP:
        return 0; /* memory-to-memory only, which is not modelled */
    case HW_I8237_ALL_MASK: {
        uint8_t v = 0xF0;   /* as later chipsets read the mask register back */
        for (int i = 0; i < 4; i++)
            v |= c->ch[i].masked ? (uint8_t)(1u << i) : 0;
        return v;
    }
    default:
        return 0xFF; /* write-only registers */
    }
}

void hw_i8237_write(hw_i8237 *d, unsigned controller, unsigned reg, uint8_t value)
{
    if (controller > 1 || reg > 15)
        return;
    dma_controller *c = &d->c[controller];
    if (reg < 8) {
        dma_channel *ch = &c->ch[reg >> 1];
        if (reg & 1) {
            flip_store(c, &ch->count, &ch->base_count, value);
            ch->done = false;
        } else {
            flip_store(c, &ch->addr, &ch->base_addr, value);
        }
        return;
    }
    switch (reg) {
    case HW_I8237_COMMAND:
        c->command = value;
        break;
    case HW_I8237_REQUEST:
        if (value & 4)
            c->request |= (uint8_t)(1u << (value & 3));
        else
            c->request &= (uint8_t)~(1u << (value & 3));
        break;
    case HW_I8237_SINGLE_MASK:
        c->ch[value & 3].masked = (value & 4) != 0;
        break;
    case HW_I8237_MODE:
        c->ch[value & 3].mode = (uint8_t)(value & 0xFC);
        break;
    case HW_I8237_CLEAR_FLIPFLOP:
        c->flipflop = false;
        break;
    case HW_I8237_MASTER_CLEAR:
        master_clear(c);
        break;
    case HW_I8237_CLEAR_MASK:
        for (int i = 0; i < 4; i++)
            c->ch[i].masked = false;
        break;
    case HW_I8237_ALL_MASK:
        for (int i = 0; i < 4; i++)
            c->ch[i].masked = (value >> i) & 1;
        break;
    }
}

uint8_t hw_i8237_page_read(hw_i8237 *d, uint16_t port)
{
    if (port < 0x80 || port > 0x8F)
        return 0xFF;
    return d->pages[port - 0x80];
}

void hw_i8237_page_write(hw_i8237 *d, uint16_t port, uint8_t value)
{
    if (port < 0x80 || port > 0x8F)
        return;
    d->pages[port - 0x80] = value;
    for (unsigned i = 0; i < 8; i++)
        if (page_port[i] == port)
            chan(d, i)->page = value;
}

/* ---------- bus callbacks ---------- */

static uint64_t lo_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return hw_i8237_read(o, 0, (unsigned)off);
}
static void lo_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    hw_i8237_write(o, 0, (unsigned)off, (uint8_t)v);
}
/* controller 2 decodes even ports only; odd ports read as nothing */
static uint64_t hi_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return (off & 1) ? 0xFF : hw_i8237_read(o, 1, (unsigned)(off >> 1));
}
static void hi_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    if (!(off & 1))
        hw_i8237_write(o, 1, (unsigned)(off >> 1), (uint8_t)v);
}
static uint64_t page_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return hw_i8237_page_read(o, (uint16_t)(0x81 + off));
}
static void page_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    hw_i8237_page_write(o, (uint16_t)(0x81 + off), (uint8_t)v);
}

static const hw_region_ops lo_ops = { lo_read, lo_write, 1 };
static const hw_region_ops hi_ops = { hi_read, hi_write, 1 };
static const hw_region_ops page_ops = { page_read, page_write, 1 };

/* ---------- life cycle ---------- */

hw_i8237 *hw_i8237_new(hw_bus *bus, hw_physmem *ram, const hw_i8237_config *cfg, int *err)
{
    hw_i8237 *d = calloc(1, sizeof(*d));
    int rc = -ENOMEM;
    if (!d)
        goto fail;
    d->bus = bus;
    d->ram = ram;
    master_clear(&d->c[0]);
    master_clear(&d->c[1]);
    if (cfg && cfg->bios_init) {
        d->c[1].ch[0].mode = HW_I8237_MODE_CASCADE;
        d->c[1].ch[0].masked = false;
    }
    if ((rc = hw_bus_map_io(bus, 0x00, 16, &lo_ops, d, "i8237 dma1", NULL)) < 0)
        goto fail;
    d->mapped_lo = true;
    if ((rc = hw_bus_map_io(bus, 0xC0, 32, &hi_ops, d, "i8237 dma2", NULL)) < 0)
        goto fail;
    d->mapped_hi = true;
    if ((rc = hw_bus_map_io(bus, 0x81, 15, &page_ops, d, "i8237 page", NULL)) < 0)
        goto fail;
    d->mapped_page = true;
    return d;
fail:
    if (err)
        *err = rc;
    hw_i8237_free(d);
    return NULL;
}

void hw_i8237_free(hw_i8237 *d)
{
    if (!d)
        return;
    if (d->mapped_lo)
        hw_bus_unmap(d->bus, HW_SPACE_IO, 0x00);
    if (d->mapped_hi)
        hw_bus_unmap(d->bus, HW_SPACE_IO, 0xC0);
    if (d->mapped_page)
        hw_bus_unmap(d->bus, HW_SPACE_IO, 0x81);
    free(d);
}

/* ---------- transfers ---------- */

static bool channel_serviceable(const hw_i8237 *d, unsigned channel)
{
    const dma_controller *c = &d->c[channel >> 2];
    const dma_channel *ch = cchan(d, channel);
    if ((c->command & HW_I8237_CMD_DISABLE) || ch->masked || ch->done ||
        (ch->mode & HW_I8237_MODE_MODE_MASK) == HW_I8237_MODE_CASCADE)
        return false;
    if (channel < 4) { /* controller 1 reaches the bus through channel 4 */
        const dma_channel *casc = &d->c[1].ch[0];
        if ((d->c[1].command & HW_I8237_CMD_DISABLE) || casc->masked ||
            (casc->mode & HW_I8237_MODE_MODE_MASK) != HW_I8237_MODE_CASCADE)
            return false;
    }
    return true;
}

static uint64_t phys_of(const dma_channel *ch, bool word, uint16_t addr)
{
    return word ? ((uint64_t)(ch->page & 0xFE) << 16) | ((uint64_t)addr << 1)
                : ((uint64_t)ch->page << 16) | addr;
}

/* Move `units` units starting at the channel's current address in one direction
 * (the address register stays within its 64 KiB / 128 KiB page, as on an AT). */
static void move_units(hw_i8237 *d, dma_channel *ch, bool word, uint8_t *buf, uint32_t units)
{
    unsigned usize = word ? 2 : 1;
    uint8_t xfer = ch->mode & HW_I8237_MODE_XFER_MASK;
    bool down = (ch->mode & HW_I8237_MODE_DECREMENT) != 0;
    uint32_t done = 0;
    while (done < units) {
        /* a run of units with contiguous, increasing physical addresses */
        uint32_t run = down ? 1 : (uint32_t)(0x10000u - ch->addr);
        if (run > units - done)
            run = units - done;
        uint64_t pa = phys_of(ch, word, ch->addr);
        size_t bytes = (size_t)run * usize;
        uint8_t *p = buf + (size_t)done * usize;
        if (!d->ram && xfer != HW_I8237_MODE_VERIFY) {
            if (xfer == HW_I8237_MODE_READ)
                memset(p, 0xFF, bytes); /* no memory at all: every cycle floats */
            d->bus_errors += bytes;
        } else if (xfer == HW_I8237_MODE_WRITE) {
            if (!hw_physmem_write(d->ram, pa, p, bytes))
                for (size_t i = 0; i < bytes; i++)
                    if (!hw_physmem_write(d->ram, pa + i, p + i, 1))
                        d->bus_errors++;
        } else if (xfer == HW_I8237_MODE_READ) {
            if (!hw_physmem_read(d->ram, pa, p, bytes))
                for (size_t i = 0; i < bytes; i++)
                    if (!hw_physmem_read(d->ram, pa + i, p + i, 1)) {
                        p[i] = 0xFF;
                        d->bus_errors++;
                    }
        }
        ch->addr = (uint16_t)(down ? ch->addr - run : ch->addr + run);
        done += run;
    }
}

size_t hw_i8237_transfer(hw_i8237 *d, unsigned channel, uint8_t *buf, size_t length, bool *tc)
{
    if (tc)
        *tc = false;
    if (!d || channel > 7)
        return 0;
    dma_controller *c = &d->c[channel >> 2];
    dma_channel *ch = chan(d, channel);
    uint8_t bit = (uint8_t)(1u << (channel & 3));
    if (!channel_serviceable(d, channel)) {
        if (length)
            c->request |= bit;
        return 0;
    }
    bool word = channel >= 4;
    uint32_t left = (uint32_t)ch->count + 1u;
    size_t offered = word ? length / 2 : length;
    uint32_t units = offered < left ? (uint32_t)offered : left;
    move_units(d, ch, word, buf, units);
    ch->count = (uint16_t)(ch->count - units);
    c->request &= (uint8_t)~bit;
    if (units == left) { /* terminal count: the count rolled from 0 to 0xFFFF */
        c->tc_bits |= bit;
        if (ch->mode & HW_I8237_MODE_AUTOINIT) {
            ch->addr = ch->base_addr;
            ch->count = ch->base_count;
        } else {
            ch->masked = true;
            ch->done = true;
        }
        if (tc)
            *tc = true;
    }
    return (size_t)units * (word ? 2u : 1u);
}

void hw_i8237_release(hw_i8237 *d, unsigned channel)
{
    if (d && channel < 8)
        d->c[channel >> 2].request &= (uint8_t)~(1u << (channel & 3));
}

/* ---------- host views ---------- */

uint8_t hw_i8237_mode(const hw_i8237 *d, unsigned channel) { return channel < 8 ? cchan(d, channel)->mode : 0; }
bool hw_i8237_masked(const hw_i8237 *d, unsigned channel) { return channel < 8 && cchan(d, channel)->masked; }

uint32_t hw_i8237_current_address(const hw_i8237 *d, unsigned channel)
{
    if (channel > 7)
        return 0;
    const dma_channel *ch = cchan(d, channel);
    return (uint32_t)phys_of(ch, channel >= 4, ch->addr);
}

uint32_t hw_i8237_remaining(const hw_i8237 *d, unsigned channel)
{
    if (channel > 7)
        return 0;
    const dma_channel *ch = cchan(d, channel);
    return ch->done ? 0 : (uint32_t)ch->count + 1u;
}

uint64_t hw_i8237_bus_errors(const hw_i8237 *d) { return d->bus_errors; }
