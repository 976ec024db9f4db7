/* hwmodel/fdc: the 82077AA-class floppy controller driven through its registers
 * with an 8237 on simulated RAM: reset and the sense-interrupt sequence, the
 * register commands, seek/recalibrate timing, DMA and PIO reads and writes with
 * the datasheet's result bytes, rotation/head-load/spin-up timing, format,
 * read ID, the disk-change line, write protect, media errors and device faults. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwmodel/fdc.h"

#define MS 1000000ull
#define SLOT_1440 (HW_FDC_REVOLUTION_NS / 18)
#define BYTE_500K 16000ull

typedef struct {
    hw_clock *clock;
    hw_bus *bus;
    hw_physmem *ram;
    hw_i8237 *dma;
    hw_fdc *fdc;
    uint8_t *low;   /* RAM at 0x100000 */
} rig;

static int IrqLevel[HW_BUS_IRQ_LINES];
static void listener(void *o, unsigned line, int level, int edge)
{
    (void)o;
    if (!edge)
        IrqLevel[line] = level;
}

static void rig_up(rig *r)
{
    memset(IrqLevel, 0, sizeof(IrqLevel));
    r->clock = hw_clock_new();
    r->bus = hw_bus_new(r->clock);
    hw_bus_set_irq_listener(r->bus, listener, NULL);
    r->ram = hw_physmem_new(0x100000, 0xFFFFFF);
    uint64_t pa;
    r->low = hw_physmem_alloc(r->ram, 0x20000, 0x10000, 0xFFFFFF, &pa);
    assert_int_equal(pa, 0x100000);
    hw_i8237_config dc = { .bios_init = true };
    r->dma = hw_i8237_new(r->bus, r->ram, &dc, NULL);
    assert_non_null(r->dma);
    hw_fdc_config fc = { .io_base = 0x3F0, .irq = 6, .dma_channel = 2, .dma = r->dma };
    int err = 0;
    r->fdc = hw_fdc_new(r->bus, &fc, &err);
    assert_non_null(r->fdc);
    assert_int_equal(hw_fdc_attach_drive(r->fdc, 0, HW_FDC_MEDIA_1440K), 0);
    assert_int_equal(hw_fdc_insert_blank(r->fdc, 0, HW_FDC_MEDIA_1440K, false), 0);
    size_t size;
    uint8_t *img = hw_fdc_media_data(r->fdc, 0, &size);
    assert_int_equal(size, 1474560);
    for (size_t i = 0; i < size; i++)
        img[i] = (uint8_t)((i / 512) * 3 + i * 7);
}

static void rig_down(rig *r)
{
    hw_fdc_free(r->fdc);
    hw_i8237_free(r->dma);
    hw_physmem_free(r->ram);
    hw_bus_free(r->bus);
    hw_clock_free(r->clock);
}

static hw_time_t now(rig *r) { return hw_clock_now(r->clock); }
static void out8(rig *r, uint16_t port, uint8_t v) { hw_bus_io_write(r->bus, port, 1, v); }
static uint8_t in8(rig *r, uint16_t port)
{
    uint32_t v = 0;
    hw_bus_io_read(r->bus, port, 1, &v);
    return (uint8_t)v;
}

static void cmd(rig *r, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        uint8_t msr = in8(r, 0x3F4);
        assert_int_equal(msr & (HW_FDC_MSR_RQM | HW_FDC_MSR_DIO), HW_FDC_MSR_RQM);
        out8(r, 0x3F5, (uint8_t)va_arg(ap, int));
    }
    va_end(ap);
}

static void result(rig *r, uint8_t *out, int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(in8(r, 0x3F4) & (HW_FDC_MSR_RQM | HW_FDC_MSR_DIO), HW_FDC_MSR_RQM | HW_FDC_MSR_DIO);
        out[i] = in8(r, 0x3F5);
    }
    assert_int_equal(in8(r, 0x3F4) & (HW_FDC_MSR_DIO | HW_FDC_MSR_CB), 0);
}

/* run events until IRQ6 rises; the time it rose, or HW_TIME_NEVER past `limit` ns */
static hw_time_t wait_irq(rig *r, hw_time_t limit)
{
    hw_time_t end = now(r) + limit;
    hw_time_t next;
    while (!IrqLevel[6]) {
        if (!hw_clock_next_deadline(r->clock, &next) || next > end) {
            hw_clock_run_until(r->clock, end);
            return HW_TIME_NEVER;
        }
        hw_clock_run_next(r->clock);
    }
    return now(r);
}

static void sense(rig *r, uint8_t *st0, uint8_t *pcn)
{
    uint8_t b[2];
    cmd(r, 1, HW_FDC_CMD_SENSE_INT);
    result(r, b, 2);
    *st0 = b[0];
    *pcn = b[1];
}

static void reset_controller(rig *r)
{
    out8(r, 0x3F2, 0x00);
    assert_int_equal(in8(r, 0x3F4) & HW_FDC_MSR_RQM, 0);
    out8(r, 0x3F2, 0x0C);
    assert_true(IrqLevel[6]);
    for (int d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense(r, &st0, &pcn);
        assert_int_equal(st0, 0xC0 | d);
    }
    assert_false(IrqLevel[6]);
}

/* SRT 3 ms (0xD), HUT 0xF, HLT 2 ms (1), DMA or not */
static void specify(rig *r, bool pio) { cmd(r, 3, HW_FDC_CMD_SPECIFY, 0xDF, (1 << 1) | (pio ? 1 : 0)); }

static void motor_on(rig *r)
{
    out8(r, 0x3F2, 0x1C);
    hw_clock_advance(r->clock, 300 * MS); /* spin-up */
}

static void seek(rig *r, unsigned cyl)
{
    cmd(r, 3, HW_FDC_CMD_SEEK, 0, cyl);
    assert_int_not_equal(wait_irq(r, 1000 * MS), HW_TIME_NEVER);
    uint8_t st0, pcn;
    sense(r, &st0, &pcn);
    assert_int_equal(st0, 0x20);
    assert_int_equal(pcn, cyl);
}

static void program_dma(rig *r, uint32_t pa, uint32_t len, uint8_t mode)
{
    out8(r, 0x0A, 4 | 2);
    out8(r, 0x0C, 0);
    out8(r, 0x0B, (uint8_t)(mode | 2));
    out8(r, 0x04, (uint8_t)pa);
    out8(r, 0x04, (uint8_t)(pa >> 8));
    out8(r, 0x81, (uint8_t)(pa >> 16));
    out8(r, 0x05, (uint8_t)(len - 1));
    out8(r, 0x05, (uint8_t)((len - 1) >> 8));
    out8(r, 0x0A, 2);
}

static const uint8_t *sector_of(rig *r, unsigned c, unsigned h, unsigned s)
{
    return hw_fdc_media_data(r->fdc, 0, NULL) + (((size_t)c * 2 + h) * 18 + s - 1) * 512;
}

static void test_reset_and_register_commands(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    hw_range_info info;
    assert_true(hw_bus_lookup(r.bus, HW_SPACE_IO, 0x3F5, &info));
    assert_false(hw_bus_lookup(r.bus, HW_SPACE_IO, 0x3F6, &info)); /* IDE's port */
    assert_int_equal(in8(&r, 0x3F0), 0xFF);
    reset_controller(&r);
    uint8_t b[10];
    cmd(&r, 1, HW_FDC_CMD_VERSION);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x90);
    cmd(&r, 1, 0x1F); /* not a command */
    result(&r, b, 1);
    assert_int_equal(b[0], 0x80);
    cmd(&r, 1, HW_FDC_CMD_SENSE_INT); /* nothing to sense: invalid */
    result(&r, b, 1);
    assert_int_equal(b[0], 0x80);
    specify(&r, false);
    cmd(&r, 4, HW_FDC_CMD_CONFIGURE, 0, 0x57, 0x05);
    cmd(&r, 1, 0x94);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x10);
    cmd(&r, 1, HW_FDC_CMD_DUMPREG);
    result(&r, b, 10);
    assert_int_equal(b[4], 0xDF);
    assert_int_equal(b[5], 0x02);
    assert_int_equal(b[7] & 0x80, 0x80);
    assert_int_equal(b[8], 0x57);
    assert_int_equal(b[9], 0x05);
    /* locked: CONFIGURE survives a reset (and its POLL bit 0x10 means no
     * ready-change interrupts after it) */
    out8(&r, 0x3F4, 0x80);
    assert_false(IrqLevel[6]);
    cmd(&r, 1, HW_FDC_CMD_SENSE_INT);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x80);
    cmd(&r, 1, HW_FDC_CMD_DUMPREG);
    result(&r, b, 10);
    assert_int_equal(b[8], 0x57);
    cmd(&r, 1, 0x14);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x00);
    /* sense drive status: track 0, ready, two-sided, not protected */
    cmd(&r, 2, HW_FDC_CMD_SENSE_DRIVE, 0x04);
    result(&r, b, 1);
    assert_int_equal(b[0], HW_FDC_ST3_T0 | HW_FDC_ST3_RDY | 0x08 | HW_FDC_ST3_HD);
    hw_fdc_set_write_protect(r.fdc, 0, true);
    cmd(&r, 2, HW_FDC_CMD_SENSE_DRIVE, 0x00);
    result(&r, b, 1);
    assert_true(b[0] & HW_FDC_ST3_WP);
    rig_down(&r);
}

static void test_seek_and_recalibrate_timing(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    hw_time_t t0 = now(&r);
    cmd(&r, 3, HW_FDC_CMD_SEEK, 0x00, 10);
    assert_int_equal(in8(&r, 0x3F4) & HW_FDC_MSR_BUSY0, HW_FDC_MSR_BUSY0);
    assert_int_equal(wait_irq(&r, 1000 * MS), t0 + 10 * 3 * MS); /* 10 steps of 3 ms */
    uint8_t st0, pcn;
    sense(&r, &st0, &pcn);
    assert_int_equal(st0, 0x20);
    assert_int_equal(pcn, 10);
    assert_false(IrqLevel[6]);
    assert_int_equal(in8(&r, 0x3F4) & HW_FDC_MSR_BUSY0, 0);
    t0 = now(&r);
    cmd(&r, 2, HW_FDC_CMD_RECALIBRATE, 0x00);
    assert_int_equal(wait_irq(&r, 1000 * MS), t0 + 30 * MS);
    sense(&r, &st0, &pcn);
    assert_int_equal(st0, 0x20);
    assert_int_equal(pcn, 0);
    /* no drive 1: 80 step pulses and no track 0 signal: equipment check */
    t0 = now(&r);
    cmd(&r, 2, HW_FDC_CMD_RECALIBRATE, 0x01);
    assert_int_equal(wait_irq(&r, 1000 * MS), t0 + 80 * 3 * MS);
    sense(&r, &st0, &pcn);
    assert_int_equal(st0, 0x40 | 0x20 | 0x10 | 1);
    /* the step rate scales with the data rate: 250 kbit/s doubles it */
    out8(&r, 0x3F7, HW_FDC_RATE_250K);
    t0 = now(&r);
    cmd(&r, 3, HW_FDC_CMD_SEEK, 0x00, 2);
    assert_int_equal(wait_irq(&r, 1000 * MS), t0 + 2 * 6 * MS);
    sense(&r, &st0, &pcn);
    rig_down(&r);
}

static void test_dma_read_timing_and_result(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    hw_time_t on = now(&r);
    out8(&r, 0x3F2, 0x1C); /* motor 0 on: at speed 300 ms later, the disk's angle 0 */
    seek(&r, 1);
    program_dma(&r, 0x101000, 1024, HW_I8237_MODE_SINGLE | HW_I8237_MODE_WRITE);
    hw_time_t t = now(&r);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 1, 0, 1, 2, 18, 0x1B, 0xFF);
    /* execution phase in DMA mode: busy, no RQM */
    assert_int_equal(in8(&r, 0x3F4), HW_FDC_MSR_CB);
    hw_time_t start = on + 300 * MS; /* spin-up hides the head load */
    assert_true(start > t + 2 * MS);
    hw_time_t done = wait_irq(&r, 2000 * MS);
    /* sector 1 at angle 0, sector 2 one slot later; TC after its 512 bytes */
    assert_int_equal(done, start + SLOT_1440 + 512 * BYTE_500K);
    uint8_t b[7];
    result(&r, b, 7);
    assert_false(IrqLevel[6]); /* reading the result cleared it */
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[1], 0);
    assert_int_equal(b[2], 0);
    assert_int_equal(b[3], 1);
    assert_int_equal(b[4], 0);
    assert_int_equal(b[5], 3);
    assert_int_equal(b[6], 2);
    assert_memory_equal(r.low + 0x1000, sector_of(&r, 1, 0, 1), 1024);
    assert_int_equal(in8(&r, 0x08) & 0x04, 0x04); /* channel 2 reached TC */
    /* the next read waits for its sector to come round again (head loaded: no HLT) */
    program_dma(&r, 0x102000, 512, HW_I8237_MODE_WRITE);
    t = now(&r);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 1, 0, 3, 2, 18, 0x1B, 0xFF);
    done = wait_irq(&r, 2000 * MS);
    hw_time_t angle = (t - start) % HW_FDC_REVOLUTION_NS;
    hw_time_t slot3 = t + (angle <= 2 * SLOT_1440 ? 2 * SLOT_1440 - angle : HW_FDC_REVOLUTION_NS - angle + 2 * SLOT_1440);
    assert_int_equal(done, slot3 + 512 * BYTE_500K);
    result(&r, b, 7);
    assert_int_equal(b[5], 4);
    assert_memory_equal(r.low + 0x2000, sector_of(&r, 1, 0, 3), 512);
    rig_down(&r);
}

static void test_multitrack_and_end_of_cylinder(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    /* MT: sector 18 of side 0, then sector 1 of side 1 */
    program_dma(&r, 0x100000, 1024, HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MT | HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 18, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x04); /* ST0 reports the head the command ended on */
    assert_int_equal(b[4], 1);
    assert_int_equal(b[5], 2);
    assert_memory_equal(r.low, sector_of(&r, 0, 0, 18), 512);
    assert_memory_equal(r.low + 512, sector_of(&r, 0, 1, 1), 512);
    /* without MT, EOT reached before TC: abnormal termination, end of cylinder */
    program_dma(&r, 0x100000, 4096, HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    result(&r, b, 7);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], HW_FDC_ST1_EN);
    assert_int_equal(b[3], 1);
    assert_int_equal(b[5], 1);
    rig_down(&r);
}

static void test_dma_write_and_protect(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    for (int i = 0; i < 512; i++)
        r.low[0x3000 + i] = (uint8_t)(0xA5 ^ i);
    program_dma(&r, 0x103000, 512, HW_I8237_MODE_READ);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_WRITE, 0x04, 0, 1, 5, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x04);
    assert_int_equal(b[5], 6);
    assert_memory_equal(sector_of(&r, 0, 1, 5), r.low + 0x3000, 512);
    /* write protect: refused at once with NW */
    hw_fdc_set_write_protect(r.fdc, 0, true);
    program_dma(&r, 0x103000, 512, HW_I8237_MODE_READ);
    hw_time_t t = now(&r);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_WRITE, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    assert_int_equal(wait_irq(&r, 2000 * MS), t);
    result(&r, b, 7);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], HW_FDC_ST1_NW);
    rig_down(&r);
}

static void test_pio_read_and_write(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, true);
    motor_on(&r);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 2, 2, 2, 0x1B, 0xFF);
    uint8_t data[512];
    hw_time_t first = HW_TIME_NEVER;
    for (int i = 0; i < 512; i++) {
        /* INT follows RQM in non-DMA mode: wait for it, then take the byte */
        assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
        if (first == HW_TIME_NEVER)
            first = now(&r);
        assert_int_equal(in8(&r, 0x3F4), HW_FDC_MSR_RQM | HW_FDC_MSR_DIO | HW_FDC_MSR_NDMA | HW_FDC_MSR_CB);
        data[i] = in8(&r, 0x3F5);
        if (i < 511)
            assert_false(IrqLevel[6]);
    }
    /* one byte every 16 us from the sector's start */
    assert_int_equal(now(&r) - first, 511 * BYTE_500K);
    assert_memory_equal(data, sector_of(&r, 0, 0, 2), 512);
    /* no TC in PIO mode: the command ends at EOT with EN */
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], HW_FDC_ST1_EN);
    assert_int_equal(b[3], 1);
    assert_int_equal(b[5], 1);
    /* PIO write */
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_WRITE, 0x00, 0, 0, 7, 2, 7, 0x1B, 0xFF);
    for (int i = 0; i < 512; i++) {
        assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
        assert_int_equal(in8(&r, 0x3F4), HW_FDC_MSR_RQM | HW_FDC_MSR_NDMA | HW_FDC_MSR_CB);
        out8(&r, 0x3F5, (uint8_t)(i * 13));
    }
    result(&r, b, 7);
    assert_int_equal(b[1], HW_FDC_ST1_EN);
    for (int i = 0; i < 512; i++)
        assert_int_equal(sector_of(&r, 0, 0, 7)[i], (uint8_t)(i * 13));
    rig_down(&r);
}

/* PIO reads must keep up: one byte time of slack with the FIFO off, 16 with it on */
static void test_pio_overrun(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, true);
    motor_on(&r);
    uint8_t b[7];
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 3, 2, 3, 0x1B, 0xFF);
    for (int i = 0; i < 10; i++) {
        assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
        (void)in8(&r, 0x3F5);
    }
    /* the FIFO is off after reset: late by one byte time plus a little, and the data is lost */
    hw_time_t late = now(&r) + 2 * BYTE_500K + 1000;
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER); /* byte 10 is there */
    hw_clock_run_until(r.clock, late);
    result(&r, b, 7);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], HW_FDC_ST1_OR);
    assert_int_equal(b[5], 3);
    /* with the FIFO on, ten byte times of delay are absorbed; twenty are not */
    cmd(&r, 4, HW_FDC_CMD_CONFIGURE, 0, 0x00 /* EFIFO=0: FIFO on */, 0);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 3, 2, 3, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    hw_clock_advance(r.clock, 10 * BYTE_500K);
    for (int i = 0; i < 512; i++) {
        if (!(in8(&r, 0x3F4) & HW_FDC_MSR_RQM))
            assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
        assert_int_equal(in8(&r, 0x3F4) & (HW_FDC_MSR_RQM | HW_FDC_MSR_DIO), HW_FDC_MSR_RQM | HW_FDC_MSR_DIO);
        assert_int_equal(in8(&r, 0x3F5), sector_of(&r, 0, 0, 3)[i]);
    }
    result(&r, b, 7);
    assert_int_equal(b[1], HW_FDC_ST1_EN); /* completed normally for PIO: EOT reached */
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 3, 2, 3, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    hw_clock_advance(r.clock, 20 * BYTE_500K);
    result(&r, b, 7);
    assert_int_equal(b[1], HW_FDC_ST1_OR);
    rig_down(&r);
}

static void read_expect(rig *r, uint8_t c, uint8_t h, uint8_t s, uint8_t n, uint8_t st0, uint8_t st1, uint8_t st2)
{
    program_dma(r, 0x100000, 512, HW_I8237_MODE_WRITE);
    cmd(r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, h << 2, c, h, s, n, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(r, b, 7);
    assert_int_equal(b[0], st0 | h << 2);
    assert_int_equal(b[1], st1);
    assert_int_equal(b[2], st2);
}

static void test_media_errors(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    assert_int_equal(hw_fdc_set_bad_sector(r.fdc, 0, 0, 0, 3, true), 0);
    assert_int_equal(hw_fdc_set_bad_sector(r.fdc, 0, 0, 0, 19, true), -EINVAL);
    read_expect(&r, 0, 0, 3, 2, 0x40, HW_FDC_ST1_DE, HW_FDC_ST2_DD);
    read_expect(&r, 0, 0, 4, 2, 0x00, 0, 0);
    /* no such sector: two index pulses, then ND */
    hw_time_t t = now(&r);
    read_expect(&r, 0, 0, 19, 2, 0x40, HW_FDC_ST1_ND, 0);
    assert_true(now(&r) - t > HW_FDC_REVOLUTION_NS);
    read_expect(&r, 0, 0, 1, 3, 0x40, HW_FDC_ST1_ND, 0);
    read_expect(&r, 5, 0, 1, 2, 0x40, HW_FDC_ST1_ND, HW_FDC_ST2_WC); /* head is on cylinder 0 */
    /* wrong data rate: no address marks */
    out8(&r, 0x3F7, HW_FDC_RATE_250K);
    read_expect(&r, 0, 0, 1, 2, 0x40, HW_FDC_ST1_MA, 0);
    out8(&r, 0x3F7, HW_FDC_RATE_500K);
    /* DMA channel masked: the data has nowhere to go */
    program_dma(&r, 0x100000, 512, HW_I8237_MODE_WRITE);
    out8(&r, 0x0A, 4 | 2);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], HW_FDC_ST1_OR);
    rig_down(&r);
}

static void test_disk_change_and_removal(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    assert_int_equal(in8(&r, 0x3F7) & 0x80, 0x80); /* set since the disk went in */
    seek(&r, 0);                                   /* no step: still set */
    assert_int_equal(in8(&r, 0x3F7) & 0x80, 0x80);
    seek(&r, 1);
    assert_int_equal(in8(&r, 0x3F7) & 0x80, 0);
    seek(&r, 0);
    hw_fdc_eject(r.fdc, 0);
    assert_int_equal(in8(&r, 0x3F7) & 0x80, 0x80);
    /* a read with no disk never finds an index pulse: no interrupt */
    program_dma(&r, 0x100000, 512, HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    assert_int_equal(wait_irq(&r, 5000 * MS), HW_TIME_NEVER);
    assert_int_equal(in8(&r, 0x3F4), HW_FDC_MSR_CB);
    /* a disk goes in: the command goes on */
    assert_int_equal(hw_fdc_insert_blank(r.fdc, 0, HW_FDC_MEDIA_1440K, false), 0);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x00);
    /* motor off: the same stall */
    out8(&r, 0x3F2, 0x0C);
    program_dma(&r, 0x100000, 512, HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    assert_int_equal(wait_irq(&r, 5000 * MS), HW_TIME_NEVER);
    hw_time_t on = now(&r);
    out8(&r, 0x3F2, 0x1C);
    hw_time_t done = wait_irq(&r, 2000 * MS);
    assert_true(done >= on + 300 * MS); /* spin-up first */
    rig_down(&r);
}

/* A blank disk's bytes are made on its first write: until then sectors read as zeros
 * (whatever the DMA buffer held before), and a written sector reads back. */
static void test_blank_disk_reads_zero_until_written(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    hw_fdc_eject(r.fdc, 0);
    assert_int_equal(hw_fdc_insert_blank(r.fdc, 0, HW_FDC_MEDIA_1440K, false), 0);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    memset(r.low + 0x4000, 0xEE, 1024);
    program_dma(&r, 0x104000, 1024, HW_I8237_MODE_SINGLE | HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x00);
    static const uint8_t Zero[1024];
    assert_memory_equal(r.low + 0x4000, Zero, 1024);
    for (int i = 0; i < 512; i++)
        r.low[0x5000 + i] = (uint8_t)(0x3C ^ i);
    program_dma(&r, 0x105000, 512, HW_I8237_MODE_READ);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_WRITE, 0x00, 0, 0, 2, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    result(&r, b, 7);
    assert_int_equal(b[0], 0x00);
    assert_memory_equal(sector_of(&r, 0, 0, 2), r.low + 0x5000, 512);
    assert_memory_equal(sector_of(&r, 0, 0, 1), Zero, 512); /* the rest of the disk is still blank */
    memset(r.low + 0x4000, 0xEE, 512);
    program_dma(&r, 0x104000, 512, HW_I8237_MODE_SINGLE | HW_I8237_MODE_WRITE);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_READ, 0x00, 0, 0, 2, 2, 18, 0x1B, 0xFF);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    result(&r, b, 7);
    assert_memory_equal(r.low + 0x4000, r.low + 0x5000, 512);
    rig_down(&r);
}

static void test_format_and_read_id(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    motor_on(&r);
    seek(&r, 2);
    for (int s = 0; s < 18; s++) {
        r.low[s * 4 + 0] = 2;
        r.low[s * 4 + 1] = 1;
        r.low[s * 4 + 2] = (uint8_t)(s + 1);
        r.low[s * 4 + 3] = 2;
    }
    program_dma(&r, 0x100000, 72, HW_I8237_MODE_READ);
    cmd(&r, 6, HW_FDC_MFM | HW_FDC_CMD_FORMAT, 0x04, 2, 18, 0x54, 0xF6);
    hw_time_t done = wait_irq(&r, 2000 * MS);
    assert_int_not_equal(done, HW_TIME_NEVER);
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x04);
    assert_int_equal(b[1], 0);
    for (int s = 1; s <= 18; s++)
        for (int i = 0; i < 512; i += 97)
            assert_int_equal(sector_of(&r, 2, 1, s)[i], 0xF6);
    assert_int_not_equal(sector_of(&r, 2, 0, 1)[0], 0xF6); /* side 0 untouched */
    /* READ ID: the next ID field under the head */
    cmd(&r, 2, HW_FDC_MFM | HW_FDC_CMD_READ_ID, 0x00);
    assert_int_not_equal(wait_irq(&r, 2000 * MS), HW_TIME_NEVER);
    result(&r, b, 7);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[3], 2);
    assert_true(b[5] >= 1 && b[5] <= 18);
    assert_int_equal(b[6], 2);
    rig_down(&r);
}

static void test_image_file(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    char path[] = "/tmp/ntsim-fdc-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 1000), 0);
    char msg[256];
    assert_int_equal(hw_fdc_insert_file(r.fdc, 0, path, false, msg, sizeof(msg)), -EINVAL);
    assert_non_null(strstr(msg, "1474560"));
    assert_int_equal(ftruncate(fd, 737280), 0);
    assert_int_equal(hw_fdc_insert_file(r.fdc, 0, path, false, msg, sizeof(msg)), 0);
    assert_int_equal(hw_fdc_media_of(r.fdc, 0), HW_FDC_MEDIA_720K);
    reset_controller(&r);
    specify(&r, false);
    out8(&r, 0x3F7, HW_FDC_RATE_250K);
    motor_on(&r);
    for (int i = 0; i < 512; i++)
        r.low[i] = (uint8_t)(i ^ 0x3C);
    program_dma(&r, 0x100000, 512, HW_I8237_MODE_READ);
    hw_time_t t = now(&r);
    cmd(&r, 9, HW_FDC_MFM | HW_FDC_CMD_WRITE, 0x04, 0, 1, 9, 2, 9, 0x1B, 0xFF);
    hw_time_t done = wait_irq(&r, 2000 * MS);
    assert_true(done - t >= 512 * 2 * BYTE_500K); /* 32 us a byte at 250 kbit/s */
    uint8_t b[7];
    result(&r, b, 7);
    assert_int_equal(b[0], 0x04);
    uint8_t back[512];
    assert_int_equal(pread(fd, back, 512, (off_t)((1 * 9 + 8) * 512)), 512);
    assert_memory_equal(back, r.low, 512);
    /* read-only: write protected */
    assert_int_equal(hw_fdc_insert_file(r.fdc, 0, path, true, msg, sizeof(msg)), 0);
    cmd(&r, 2, HW_FDC_CMD_SENSE_DRIVE, 0x00);
    result(&r, b, 1);
    assert_true(b[0] & HW_FDC_ST3_WP);
    close(fd);
    unlink(path);
    assert_true(hw_fdc_insert_file(r.fdc, 0, path, false, msg, sizeof(msg)) < 0);
    assert_non_null(strstr(msg, "cannot open"));
    rig_down(&r);
}

static void test_faults(void **st)
{
    (void)st;
    rig r;
    rig_up(&r);
    reset_controller(&r);
    specify(&r, false);
    /* lost interrupt: the seek ends, the line stays low, the status is still there */
    hw_fault f = { .kinds = HW_FAULT_LOSE_NEXT_IRQ };
    hw_fdc_inject(r.fdc, &f);
    cmd(&r, 3, HW_FDC_CMD_SEEK, 0, 4);
    assert_int_equal(wait_irq(&r, 1000 * MS), HW_TIME_NEVER);
    uint8_t st0, pcn;
    sense(&r, &st0, &pcn);
    assert_int_equal(st0, 0x20);
    assert_int_equal(pcn, 4);
    /* the next one arrives */
    cmd(&r, 3, HW_FDC_CMD_SEEK, 0, 0);
    assert_int_not_equal(wait_irq(&r, 1000 * MS), HW_TIME_NEVER);
    sense(&r, &st0, &pcn);
    /* spurious: the line rises with nothing to sense */
    f.kinds = HW_FAULT_SPURIOUS_IRQ;
    hw_fdc_inject(r.fdc, &f);
    assert_true(IrqLevel[6]);
    uint8_t b[1];
    cmd(&r, 1, HW_FDC_CMD_SENSE_INT);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x80);
    assert_false(IrqLevel[6]);
    /* stuck bits on MSR */
    f = (hw_fault){ .kinds = HW_FAULT_STUCK_BITS, .reg = HW_FDC_MSR, .stuck_mask = 0x10, .stuck_value = 0x10 };
    hw_fdc_inject(r.fdc, &f);
    assert_int_equal(in8(&r, 0x3F4), 0x90);
    hw_fdc_clear_faults(r.fdc);
    /* never ready: RQM never comes, commands vanish */
    f = (hw_fault){ .kinds = HW_FAULT_NEVER_READY };
    hw_fdc_inject(r.fdc, &f);
    assert_int_equal(in8(&r, 0x3F4) & HW_FDC_MSR_RQM, 0);
    out8(&r, 0x3F5, HW_FDC_CMD_VERSION);
    hw_clock_advance(r.clock, 10 * MS);
    assert_int_equal(in8(&r, 0x3F4) & HW_FDC_MSR_RQM, 0);
    hw_fdc_clear_faults(r.fdc);
    cmd(&r, 1, HW_FDC_CMD_VERSION);
    result(&r, b, 1);
    assert_int_equal(b[0], 0x90);
    /* the DMA gate (DOR bit 3) gates the interrupt */
    out8(&r, 0x3F2, 0x04);
    cmd(&r, 3, HW_FDC_CMD_SEEK, 0, 1);
    hw_clock_advance(r.clock, 100 * MS);
    assert_false(IrqLevel[6]);
    out8(&r, 0x3F2, 0x0C);
    assert_true(IrqLevel[6]);
    rig_down(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_and_register_commands),
        cmocka_unit_test(test_seek_and_recalibrate_timing),
        cmocka_unit_test(test_dma_read_timing_and_result),
        cmocka_unit_test(test_multitrack_and_end_of_cylinder),
        cmocka_unit_test(test_dma_write_and_protect),
        cmocka_unit_test(test_pio_read_and_write),
        cmocka_unit_test(test_pio_overrun),
        cmocka_unit_test(test_media_errors),
        cmocka_unit_test(test_disk_change_and_removal),
        cmocka_unit_test(test_format_and_read_id),
        cmocka_unit_test(test_image_file),
        cmocka_unit_test(test_blank_disk_reads_zero_until_written),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
