/* hwmodel/fdc.c - 82077AA-class floppy disk controller in PC/AT mode.
 *
 * Phases: command (bytes into the FIFO), execution (seek, data transfer),
 * result (bytes out of the FIFO).  The disk turns from the moment its motor
 * reaches speed; sector k of a track occupies the k-th equal slot of the
 * revolution and its data field takes 512 byte times from the slot's start.
 * Events: one execution timer (the end of a sector's data, the next PIO byte,
 * a command's end) and one seek timer per drive.  Everything else (the angle
 * of the disk, MSR's RQM in PIO mode) is computed from the clock at access. */
#include "hwmodel/fdc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512u
#define CYLINDERS 80u
#define HEADS 2u
#define MS 1000000ull

enum { PH_COMMAND, PH_EXEC, PH_RESULT };
enum { X_NONE, X_READ, X_WRITE, X_FORMAT, X_READ_ID, X_FAIL };

typedef struct fdc_drive {
    hw_fdc      *fdc;
    unsigned     index;
    bool         present;
    hw_fdc_media type;          /* what the drive takes (1.44M drives also take 720K) */
    hw_fdc_media media;         /* HW_FDC_MEDIA_NONE: no disk */
    uint8_t     *data;
    size_t       size;
    uint8_t     *bad;           /* one flag per sector */
    int          fd;            /* image file, -1 for an in-memory disk */
    bool         wp;
    bool         dskchg;
    unsigned     cyl;           /* where the head is */
    bool         motor;
    hw_time_t    ready_at;      /* motor at speed: the disk's angle 0 */
    bool         seeking;
    unsigned     target;
    uint8_t      seek_st0;
    hw_timer     seek_timer;
} fdc_drive;

typedef struct fdc_exec {
    int       kind;
    unsigned  drive, head;
    uint8_t   c, h, r, n, eot, gpl, dtl, fill, sc;
    bool      mt, dma, stalled;
    hw_time_t delay;            /* an implied seek's step time, charged before the transfer */
    hw_time_t slot_start;       /* of the sector being transferred */
    unsigned  unit;             /* bytes per sector unit on the data path (512, or 4 for format IDs) */
    unsigned  pos;              /* PIO bytes moved of this unit */
    unsigned  done;             /* sectors finished */
    uint8_t   buf[SECTOR];
    uint8_t   st1, st2;         /* X_FAIL: the error to report */
} fdc_exec;

struct hw_fdc {
    hw_bus   *bus;
    hw_clock *clock;
    uint16_t  io_base;
    bool      mapped_lo, mapped_dir;
    hw_irq    irq;
    hw_i8237 *dma;
    unsigned  dma_channel;
    hw_time_t spinup_ns;
    char      name[32];

    uint8_t dor, tdr, dsr, rate;
    int     phase;
    uint8_t cmd[16];
    unsigned cmd_len, cmd_need;
    uint8_t res[16];
    unsigned res_len, res_pos;
    uint8_t last;               /* last FIFO byte, returned by stray reads */

    uint8_t srt, hut, hlt;
    bool    nd;
    bool    eis, efifo, poll, lock;
    uint8_t fifothr, pretrk, perp, last_eot;
    hw_time_t head_unload_at;   /* head loaded until then */
    bool    head_moved;         /* a seek since the last transfer: the head settles again */

    bool     result_int;
    uint8_t  sense_pending;     /* drives with a seek/reset interrupt to sense */
    uint8_t  sense_st0[HW_FDC_DRIVES];
    fdc_exec x;
    hw_timer exec_timer;

    bool     never_ready, spurious, lost_mask;
    unsigned lose_count;
    hw_fault stuck;
    int      irq_level;

    fdc_drive drive[HW_FDC_DRIVES];
};

/* ---------- geometry and timing ---------- */

static unsigned spt_of(hw_fdc_media m) { return m == HW_FDC_MEDIA_1440K ? 18u : m == HW_FDC_MEDIA_720K ? 9u : 0u; }
static size_t bytes_of(hw_fdc_media m) { return (size_t)spt_of(m) * SECTOR * HEADS * CYLINDERS; }
static unsigned rate_kbps(uint8_t rate)
{
    static const unsigned k[4] = { 500, 300, 250, 1000 };
    return k[rate & 3];
}
static uint8_t media_rate(hw_fdc_media m) { return m == HW_FDC_MEDIA_720K ? HW_FDC_RATE_250K : HW_FDC_RATE_500K; }
static hw_time_t byte_ns(const hw_fdc *f) { return 8000000ull / rate_kbps(f->rate); }
/* SPECIFY values are given for 500 kbit/s and scale with the data rate */
static hw_time_t scaled(const hw_fdc *f, hw_time_t ns_at_500k) { return ns_at_500k * 500u / rate_kbps(f->rate); }
static hw_time_t step_ns(const hw_fdc *f) { return scaled(f, (16u - f->srt) * MS); }
static hw_time_t hlt_ns(const hw_fdc *f) { return scaled(f, (f->hlt ? f->hlt : 128u) * 2u * MS); }
static hw_time_t hut_ns(const hw_fdc *f) { return scaled(f, (f->hut ? f->hut : 16u) * 16u * MS); }
static hw_time_t now_of(const hw_fdc *f) { return hw_clock_now(f->clock); }

static hw_time_t slot_ns(const fdc_drive *d) { return HW_FDC_REVOLUTION_NS / spt_of(d->media); }

/* first time >= t at which sector slot k (0-based) of the drive's track begins */
static hw_time_t next_slot(const fdc_drive *d, hw_time_t t, unsigned k)
{
    hw_time_t angle = (t - d->ready_at) % HW_FDC_REVOLUTION_NS;
    hw_time_t want = (hw_time_t)k * slot_ns(d);
    hw_time_t wait = want >= angle ? want - angle : HW_FDC_REVOLUTION_NS - angle + want;
    return t + wait;
}

static bool spinning(const fdc_drive *d) { return d->present && d->media != HW_FDC_MEDIA_NONE && d->motor; }

/* ---------- interrupt ---------- */

static bool pio_rqm(const hw_fdc *f);

static void update_irq(hw_fdc *f)
{
    bool cause = f->result_int || f->sense_pending || f->spurious ||
                 (f->phase == PH_EXEC && !f->x.dma && pio_rqm(f));
    if (!cause)
        f->lost_mask = false;
    int level = cause && (f->dor & HW_FDC_DOR_DMAGATE) && !f->lost_mask;
    if (level && !f->irq_level && f->lose_count) {
        f->lose_count--;
        f->lost_mask = true;
        level = 0;
    }
    f->irq_level = level;
    hw_irq_set(&f->irq, level);
}

int hw_fdc_irq_output(const hw_fdc *f) { return f->irq_level; }

/* ---------- result phase ---------- */

static void enter_result(hw_fdc *f, const uint8_t *bytes, unsigned n, bool interrupt)
{
    if (n)
        memcpy(f->res, bytes, n);
    f->res_len = n;
    f->res_pos = 0;
    f->phase = n ? PH_RESULT : PH_COMMAND;
    f->result_int = interrupt;
    f->x.kind = X_NONE;
    update_irq(f);
}

static uint8_t st0_of(const hw_fdc *f, uint8_t code) { return (uint8_t)(code | f->x.head << 2 | f->x.drive); }

static void finish_rw(hw_fdc *f, uint8_t st0_code, uint8_t st1, uint8_t st2)
{
    fdc_exec *x = &f->x;
    uint8_t r[7] = { st0_of(f, st0_code), st1, st2, x->c, x->h, x->r, x->n };
    hw_timer_del(&f->exec_timer);
    f->head_unload_at = now_of(f) + hut_ns(f);
    enter_result(f, r, 7, true);
}

/* the sector ID after (c, h, r) for the result phase, as the datasheet's table gives it */
static void advance_id(fdc_exec *x)
{
    if (x->r != x->eot) {
        x->r++;
        return;
    }
    x->r = 1;
    if (x->mt && !(x->h & 1))
        x->h |= 1;
    else {
        if (x->mt)
            x->h &= (uint8_t)~1;
        x->c++;
    }
}

/* ---------- image access ---------- */

static size_t lba(const fdc_drive *d, unsigned c, unsigned h, unsigned r)
{
    return ((size_t)c * HEADS + h) * spt_of(d->media) + (r - 1);
}

/* A blank disk's bytes are made on its first write (a default machine has a blank disk
 * that most runs never touch: 1.44 MB cleared, or mapped and unmapped, per machine for
 * nothing); until then it reads as zeros. */
static uint8_t *media_bytes(fdc_drive *d)
{
    if (d->data == NULL && d->media != HW_FDC_MEDIA_NONE)
        d->data = calloc(1, d->size);
    return d->data;
}

static void load_sector(fdc_drive *d, size_t sector, uint8_t *to)
{
    if (d->data)
        memcpy(to, d->data + sector * SECTOR, SECTOR);
    else
        memset(to, 0, SECTOR);
}

static void store_sector(fdc_drive *d, size_t sector, const uint8_t *data)
{
    if (media_bytes(d) == NULL) { /* no memory for the disk: the write does not take */
        d->wp = true;
        return;
    }
    memcpy(d->data + sector * SECTOR, data, SECTOR);
    if (d->fd >= 0 && pwrite(d->fd, data, SECTOR, (off_t)(sector * SECTOR)) != (ssize_t)SECTOR)
        d->wp = true; /* the file stopped taking writes: behave as a protected disk from now on */
}

/* ---------- execution: locating a sector ---------- */

static void exec_timer_cb(void *opaque);
static void pio_tick(hw_fdc *f);

/* Why the ID of (c, h, r, n) cannot be found under the head, or 0. */
static int id_problem(const hw_fdc *f, const fdc_drive *d, uint8_t *st1, uint8_t *st2)
{
    const fdc_exec *x = &f->x;
    *st1 = *st2 = 0;
    if (f->rate != media_rate(d->media) || !(f->cmd[0] & HW_FDC_MFM) || d->cyl >= CYLINDERS) {
        *st1 = HW_FDC_ST1_MA; /* no address mark at this rate/encoding */
        return 1;
    }
    if (x->kind == X_READ_ID || x->kind == X_FORMAT)
        return 0;
    if (x->c != d->cyl) {
        *st1 = HW_FDC_ST1_ND;
        *st2 = x->c == 0xFF ? HW_FDC_ST2_BC : HW_FDC_ST2_WC;
        return 1;
    }
    if (x->n != 2 || x->r < 1 || x->r > spt_of(d->media) || x->h != x->head) {
        *st1 = HW_FDC_ST1_ND;
        return 1;
    }
    return 0;
}

/* Schedule the current sector (or ID) from time t, or the failure after two index pulses. */
static void schedule_sector(hw_fdc *f, hw_time_t t)
{
    fdc_exec *x = &f->x;
    fdc_drive *d = &f->drive[x->drive];
    uint8_t st1, st2;
    x->pos = 0;
    if (id_problem(f, d, &st1, &st2)) {
        x->kind = X_FAIL;
        x->st1 = st1;
        x->st2 = st2;
        hw_timer_mod(&f->exec_timer, next_slot(d, t, 0) + HW_FDC_REVOLUTION_NS);
        return;
    }
    unsigned k = x->kind == X_READ_ID ? (unsigned)(((t - d->ready_at) % HW_FDC_REVOLUTION_NS) / slot_ns(d) + 1) %
                                            spt_of(d->media)
                 : x->kind == X_FORMAT ? x->done
                                       : (unsigned)x->r - 1u;
    x->slot_start = next_slot(d, t, k);
    if (x->kind == X_READ_ID) {
        x->r = (uint8_t)(k + 1);
        hw_timer_mod(&f->exec_timer, x->slot_start);
        return;
    }
    if (x->kind == X_READ && x->dma == false) {
        load_sector(d, lba(d, x->c, x->head, x->r), x->buf);
    }
    if (x->kind == X_FORMAT && x->done == 0)
        x->slot_start = next_slot(d, t, 0); /* formatting starts at the index hole */
    if (x->dma)
        hw_timer_mod(&f->exec_timer, x->slot_start + (hw_time_t)x->unit * byte_ns(f));
    else
        hw_timer_mod(&f->exec_timer, x->slot_start + (x->kind == X_READ ? byte_ns(f) : 0));
}

/* Start or resume the data phase once the drive turns. */
static void start_transfer(hw_fdc *f)
{
    fdc_exec *x = &f->x;
    fdc_drive *d = &f->drive[x->drive];
    if (!spinning(d)) {
        x->stalled = true; /* no index pulses: the controller waits, as the real one does */
        return;
    }
    x->stalled = false;
    /* the implied seek and the head load (or settle after a seek) run while the
     * motor comes up to speed; the first ID is looked for once both are done */
    hw_time_t t = now_of(f) + x->delay;
    x->delay = 0;
    if (t >= f->head_unload_at || f->head_moved)
        t += hlt_ns(f);
    f->head_moved = false;
    if (t < d->ready_at)
        t = d->ready_at;
    schedule_sector(f, t);
}

/* The data of one unit has crossed the head: finish it and go on or end. */
static void unit_done(hw_fdc *f, bool tc)
{
    fdc_exec *x = &f->x;
    fdc_drive *d = &f->drive[x->drive];
    if (x->kind == X_FORMAT) {
        /* x->buf holds C H R N; the raw image keeps the data of sectors 1..spt of this track */
        uint8_t r = x->buf[2], n = x->buf[3];
        if (n == 2 && r >= 1 && r <= spt_of(d->media) && d->cyl < CYLINDERS) {
            uint8_t fill[SECTOR];
            memset(fill, x->fill, sizeof(fill));
            store_sector(d, lba(d, d->cyl, x->head, r), fill);
        }
        x->c = x->buf[0];
        x->h = x->buf[1];
        x->r = r;
        x->n = n;
        x->done++;
        if (x->done >= x->sc || tc) {
            hw_time_t end = next_slot(d, now_of(f), 0); /* the format ends at the next index */
            x->kind = X_FAIL;
            x->st1 = x->st2 = 0;
            hw_timer_mod(&f->exec_timer, end);
            return;
        }
        x->pos = 0;
        x->slot_start += slot_ns(d);
        hw_timer_mod(&f->exec_timer, x->slot_start + (x->dma ? 4 * byte_ns(f) : 0));
        update_irq(f);
        return;
    }
    size_t s = lba(d, x->c, x->head, x->r);
    if (x->kind == X_WRITE)
        store_sector(d, s, x->buf);
    else if (d->bad[s]) {
        finish_rw(f, HW_FDC_ST0_ABNORMAL, HW_FDC_ST1_DE, HW_FDC_ST2_DD);
        return;
    }
    x->done++;
    bool at_eot = x->r == x->eot;
    bool last_side = !x->mt || (x->h & 1);
    if (tc) {
        advance_id(x);
        finish_rw(f, HW_FDC_ST0_NORMAL, 0, 0);
        return;
    }
    if (at_eot && last_side) {
        advance_id(x);
        finish_rw(f, HW_FDC_ST0_ABNORMAL, HW_FDC_ST1_EN, 0); /* ran off the end without TC */
        return;
    }
    if (at_eot) { /* multi-track: on to side 1, sector 1 */
        x->head = 1;
        x->h |= 1;
        x->r = 1;
    } else {
        x->r++;
    }
    schedule_sector(f, x->slot_start + (hw_time_t)SECTOR * byte_ns(f));
    update_irq(f);
}

static void dma_unit(hw_fdc *f)
{
    fdc_exec *x = &f->x;
    fdc_drive *d = &f->drive[x->drive];
    bool tc = false;
    size_t moved = 0;
    uint8_t *buf = x->buf;
    if (x->kind == X_READ)
        load_sector(d, lba(d, x->c, x->head, x->r), buf);
    else
        memset(buf, 0, x->unit);
    if (f->dor & HW_FDC_DOR_DMAGATE)
        moved = hw_i8237_transfer(f->dma, f->dma_channel, buf, x->unit, &tc);
    if (moved < x->unit && !tc) {
        hw_i8237_release(f->dma, f->dma_channel);
        finish_rw(f, HW_FDC_ST0_ABNORMAL, HW_FDC_ST1_OR, 0); /* nobody took the data in time */
        return;
    }
    unit_done(f, tc);
}

static void exec_timer_cb(void *opaque)
{
    hw_fdc *f = opaque;
    fdc_exec *x = &f->x;
    if (f->phase != PH_EXEC)
        return;
    switch (x->kind) {
    case X_FAIL:
        finish_rw(f, x->st1 || x->st2 ? HW_FDC_ST0_ABNORMAL : HW_FDC_ST0_NORMAL, x->st1, x->st2);
        return;
    case X_READ_ID:
        x->c = (uint8_t)f->drive[x->drive].cyl;
        x->h = (uint8_t)x->head;
        x->n = 2;
        finish_rw(f, HW_FDC_ST0_NORMAL, 0, 0);
        return;
    default:
        if (x->dma)
            dma_unit(f);
        else
            pio_tick(f); /* PIO: a byte is due, or the CPU was too slow */
    }
}

/* ---------- PIO (non-DMA) data path ---------- */

/* bytes of the current unit the data path has ready (read) or room for (write) at now */
static unsigned pio_window(const hw_fdc *f)
{
    const fdc_exec *x = &f->x;
    hw_time_t t = now_of(f);
    if (x->stalled || x->kind == X_FAIL || x->kind == X_READ_ID || t < x->slot_start)
        return 0;
    hw_time_t n = (t - x->slot_start) / byte_ns(f) + (x->kind == X_READ ? 0 : 1);
    return n > x->unit ? x->unit : (unsigned)n;
}

static bool pio_rqm(const hw_fdc *f)
{
    const fdc_exec *x = &f->x;
    return x->kind != X_NONE && x->pos < pio_window(f);
}

/* When the data path fails if the CPU does not move byte `pos`: the FIFO (16 bytes, or
 * the data register alone with the FIFO off) is full on a read, or empty when the
 * head needs the byte on a write. HW_TIME_NEVER when the rest of the unit fits. */
static hw_time_t pio_deadline(const hw_fdc *f)
{
    const fdc_exec *x = &f->x;
    unsigned depth = f->efifo ? 1u : 16u;
    if (x->pos + depth >= x->unit)
        return HW_TIME_NEVER;
    return x->slot_start + (hw_time_t)(x->pos + depth + (x->kind == X_READ ? 1 : 0)) * byte_ns(f);
}

/* Next PIO event: the next byte if the CPU has caught up, else the overrun deadline. */
static void pio_rearm(hw_fdc *f)
{
    fdc_exec *x = &f->x;
    if (f->phase != PH_EXEC || x->dma || x->stalled || x->kind == X_FAIL || x->kind == X_READ_ID)
        return;
    if (x->pos >= x->unit)
        return;
    hw_time_t due = x->slot_start + (hw_time_t)(x->pos + (x->kind == X_READ ? 1 : 0)) * byte_ns(f);
    hw_time_t next = due > now_of(f) ? due : pio_deadline(f);
    if (next == HW_TIME_NEVER)
        hw_timer_del(&f->exec_timer);
    else
        hw_timer_mod(&f->exec_timer, next);
    update_irq(f);
}

static void pio_tick(hw_fdc *f)
{
    if (now_of(f) >= pio_deadline(f)) {
        finish_rw(f, HW_FDC_ST0_ABNORMAL, HW_FDC_ST1_OR, 0); /* overrun (or underrun) */
        return;
    }
    pio_rearm(f);
}

static uint8_t pio_read(hw_fdc *f)
{
    fdc_exec *x = &f->x;
    if (x->kind != X_READ || !pio_rqm(f))
        return f->last;
    uint8_t v = x->buf[x->pos++];
    f->last = v;
    if (x->pos == x->unit)
        unit_done(f, false);
    else
        pio_rearm(f);
    return v;
}

static void pio_write(hw_fdc *f, uint8_t v)
{
    fdc_exec *x = &f->x;
    if ((x->kind != X_WRITE && x->kind != X_FORMAT) || !pio_rqm(f))
        return;
    x->buf[x->pos++] = v;
    if (x->pos == x->unit)
        unit_done(f, false);
    else
        pio_rearm(f);
}

/* ---------- seeks ---------- */

static void seek_done_cb(void *opaque)
{
    fdc_drive *d = opaque;
    hw_fdc *f = d->fdc;
    d->seeking = false;
    d->cyl = d->target;
    f->sense_st0[d->index] = d->seek_st0;
    f->sense_pending |= (uint8_t)(1u << d->index);
    update_irq(f);
}

static void start_seek(hw_fdc *f, unsigned drive, unsigned head, unsigned target, bool recal)
{
    fdc_drive *d = &f->drive[drive];
    unsigned from = d->cyl, steps;
    uint8_t st0 = (uint8_t)(HW_FDC_ST0_SE | head << 2 | drive);
    if (recal) {
        /* the 82077 gives up after 80 step pulses without TRK0 (no drive there) */
        steps = d->present ? from : 80u;
        target = 0;
        if (!d->present)
            st0 |= HW_FDC_ST0_ABNORMAL | HW_FDC_ST0_EC;
    } else {
        steps = target > from ? target - from : from - target;
    }
    if (steps && d->present && d->media != HW_FDC_MEDIA_NONE)
        d->dskchg = false; /* a step pulse with a disk in clears the change line */
    if (steps)
        f->head_moved = true;
    d->seeking = true;
    d->target = d->present ? target : from;
    d->seek_st0 = st0;
    hw_timer_mod(&d->seek_timer, now_of(f) + steps * step_ns(f));
}

/* ---------- commands ---------- */

static unsigned command_length(uint8_t c)
{
    switch (c & 0x1F) {
    case HW_FDC_CMD_READ:
    case HW_FDC_CMD_WRITE:
        return (c & 0x1F) == HW_FDC_CMD_WRITE && (c & HW_FDC_SK) ? 0 : 9;
    case HW_FDC_CMD_READ_ID:
        return (c & 0xBF) == HW_FDC_CMD_READ_ID ? 2 : 0;
    case HW_FDC_CMD_FORMAT:
        return (c & 0xBF) == HW_FDC_CMD_FORMAT ? 6 : 0;
    case HW_FDC_CMD_LOCK:
        return (c & 0x7F) == HW_FDC_CMD_LOCK ? 1 : 0;
    }
    switch (c) {
    case HW_FDC_CMD_SPECIFY: return 3;
    case HW_FDC_CMD_SENSE_DRIVE: return 2;
    case HW_FDC_CMD_RECALIBRATE: return 2;
    case HW_FDC_CMD_SENSE_INT: return 1;
    case HW_FDC_CMD_DUMPREG: return 1;
    case HW_FDC_CMD_SEEK: return 3;
    case HW_FDC_CMD_VERSION: return 1;
    case HW_FDC_CMD_PERPENDICULAR: return 2;
    case HW_FDC_CMD_CONFIGURE: return 4;
    default: return 0;
    }
}

static void invalid_command(hw_fdc *f)
{
    uint8_t st0 = HW_FDC_ST0_INVALID;
    enter_result(f, &st0, 1, false);
}

static void cmd_sense_interrupt(hw_fdc *f)
{
    f->spurious = false;
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++)
        if (f->sense_pending & (1u << d)) {
            f->sense_pending &= (uint8_t)~(1u << d);
            uint8_t r[2] = { f->sense_st0[d], (uint8_t)f->drive[d].cyl };
            enter_result(f, r, 2, false);
            return;
        }
    invalid_command(f);
}

static void cmd_sense_drive(hw_fdc *f)
{
    unsigned drive = f->cmd[1] & 3, head = (f->cmd[1] >> 2) & 1;
    const fdc_drive *d = &f->drive[drive];
    uint8_t st3 = (uint8_t)(drive | head << 2 | 0x08 | HW_FDC_ST3_RDY);
    if (d->present && d->cyl == 0)
        st3 |= HW_FDC_ST3_T0;
    if (d->present && (d->media == HW_FDC_MEDIA_NONE || d->wp))
        st3 |= HW_FDC_ST3_WP;
    enter_result(f, &st3, 1, false);
}

static void cmd_dumpreg(hw_fdc *f)
{
    uint8_t r[10] = {
        (uint8_t)f->drive[0].cyl, (uint8_t)f->drive[1].cyl, (uint8_t)f->drive[2].cyl, (uint8_t)f->drive[3].cyl,
        (uint8_t)(f->srt << 4 | f->hut), (uint8_t)(f->hlt << 1 | f->nd), f->last_eot,
        (uint8_t)((f->lock ? 0x80 : 0) | (f->perp & 0x7F)),
        (uint8_t)((f->eis ? 0x40 : 0) | (f->efifo ? 0x20 : 0) | (f->poll ? 0x10 : 0) | f->fifothr), f->pretrk,
    };
    enter_result(f, r, 10, false);
}

static void cmd_data(hw_fdc *f, int kind)
{
    fdc_exec *x = &f->x;
    const uint8_t *c = f->cmd;
    memset(x, 0, offsetof(fdc_exec, buf));
    x->kind = kind;
    x->drive = c[1] & 3;
    x->head = (c[1] >> 2) & 1;
    x->mt = (c[0] & HW_FDC_MT) && (kind == X_READ || kind == X_WRITE);
    x->dma = !f->nd;
    x->unit = kind == X_FORMAT ? 4 : SECTOR;
    if (kind == X_READ || kind == X_WRITE) {
        x->c = c[2];
        x->h = c[3];
        x->r = c[4];
        x->n = c[5];
        x->eot = c[6];
        x->gpl = c[7];
        x->dtl = c[8];
        f->last_eot = x->eot;
    } else if (kind == X_FORMAT) {
        x->n = c[2];
        x->sc = c[3];
        x->gpl = c[4];
        x->fill = c[5];
    }
    fdc_drive *d = &f->drive[x->drive];
    f->phase = PH_EXEC;
    if (f->eis && (kind == X_READ || kind == X_WRITE) && d->present && x->c != d->cyl) {
        /* implied seek: step there first, as a SEEK would, without its interrupt */
        unsigned steps = x->c > d->cyl ? x->c - d->cyl : d->cyl - x->c;
        if (d->media != HW_FDC_MEDIA_NONE)
            d->dskchg = false;
        d->cyl = x->c;
        f->head_moved = true;
        x->delay = steps * step_ns(f);
    }
    if ((kind == X_WRITE || kind == X_FORMAT) && spinning(d) && d->wp) {
        x->kind = X_FAIL; /* write protect is checked before anything moves */
        finish_rw(f, HW_FDC_ST0_ABNORMAL, HW_FDC_ST1_NW, 0);
        return;
    }
    start_transfer(f);
    update_irq(f);
}

static void execute(hw_fdc *f)
{
    const uint8_t *c = f->cmd;
    switch (c[0] & 0x1F) {
    case HW_FDC_CMD_READ: cmd_data(f, X_READ); return;
    case HW_FDC_CMD_WRITE: cmd_data(f, X_WRITE); return;
    case HW_FDC_CMD_READ_ID: cmd_data(f, X_READ_ID); return;
    case HW_FDC_CMD_FORMAT: cmd_data(f, X_FORMAT); return;
    case HW_FDC_CMD_LOCK: {
        f->lock = (c[0] & 0x80) != 0;
        uint8_t r = (uint8_t)(f->lock ? 0x10 : 0);
        enter_result(f, &r, 1, false);
        return;
    }
    }
    switch (c[0]) {
    case HW_FDC_CMD_SPECIFY:
        f->srt = c[1] >> 4;
        f->hut = c[1] & 0x0F;
        f->hlt = c[2] >> 1;
        f->nd = c[2] & 1;
        enter_result(f, NULL, 0, false);
        return;
    case HW_FDC_CMD_SENSE_DRIVE: cmd_sense_drive(f); return;
    case HW_FDC_CMD_RECALIBRATE:
        enter_result(f, NULL, 0, false);
        start_seek(f, c[1] & 3, 0, 0, true);
        return;
    case HW_FDC_CMD_SEEK:
        enter_result(f, NULL, 0, false);
        start_seek(f, c[1] & 3, (c[1] >> 2) & 1, c[2], false);
        return;
    case HW_FDC_CMD_SENSE_INT: cmd_sense_interrupt(f); return;
    case HW_FDC_CMD_DUMPREG: cmd_dumpreg(f); return;
    case HW_FDC_CMD_VERSION: {
        uint8_t v = HW_FDC_VERSION_82077;
        enter_result(f, &v, 1, false);
        return;
    }
    case HW_FDC_CMD_PERPENDICULAR:
        f->perp = c[1];
        enter_result(f, NULL, 0, false);
        return;
    case HW_FDC_CMD_CONFIGURE:
        f->eis = (c[2] & 0x40) != 0;
        f->efifo = (c[2] & 0x20) != 0;
        f->poll = (c[2] & 0x10) != 0;
        f->fifothr = c[2] & 0x0F;
        f->pretrk = c[3];
        enter_result(f, NULL, 0, false);
        return;
    }
    invalid_command(f);
}

static void command_byte(hw_fdc *f, uint8_t v)
{
    if (f->cmd_len == 0) {
        f->result_int = false; /* a new command clears a result interrupt nobody read */
        f->cmd_need = command_length(v);
        if (f->cmd_need == 0) {
            f->cmd[0] = v;
            invalid_command(f);
            return;
        }
    }
    f->cmd[f->cmd_len++] = v;
    if (f->cmd_len < f->cmd_need) {
        update_irq(f);
        return;
    }
    f->cmd_len = 0;
    execute(f);
}

/* ---------- reset ---------- */

static void controller_reset(hw_fdc *f)
{
    hw_timer_del(&f->exec_timer);
    memset(&f->x, 0, offsetof(fdc_exec, buf));
    f->phase = PH_COMMAND;
    f->cmd_len = 0;
    f->res_len = f->res_pos = 0;
    f->result_int = false;
    f->sense_pending = 0;
    f->spurious = false;
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++) {
        if (f->drive[d].seeking) {
            hw_timer_del(&f->drive[d].seek_timer);
            f->drive[d].seeking = false;
        }
    }
    if (!f->lock) {
        f->eis = false;
        f->efifo = true;
        f->poll = false;
        f->fifothr = 0;
        f->pretrk = 0;
    }
    f->perp = 0;
}

/* the end of a reset: with polling enabled, four "ready changed" interrupts to sense */
static void reset_done(hw_fdc *f)
{
    if (!f->poll) {
        for (unsigned d = 0; d < HW_FDC_DRIVES; d++)
            f->sense_st0[d] = (uint8_t)(HW_FDC_ST0_READY | d);
        f->sense_pending = 0x0F;
    }
    update_irq(f);
}

/* ---------- registers ---------- */

static uint8_t read_msr(hw_fdc *f)
{
    uint8_t busy = f->sense_pending;
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++)
        if (f->drive[d].seeking)
            busy |= (uint8_t)(1u << d);
    if (!(f->dor & HW_FDC_DOR_NRESET) || f->never_ready)
        return busy & 0x0F;
    switch (f->phase) {
    case PH_COMMAND:
        return (uint8_t)(HW_FDC_MSR_RQM | (f->cmd_len ? HW_FDC_MSR_CB : 0) | busy);
    case PH_RESULT:
        return (uint8_t)(HW_FDC_MSR_RQM | HW_FDC_MSR_DIO | HW_FDC_MSR_CB | busy);
    default:
        if (f->x.dma)
            return (uint8_t)(HW_FDC_MSR_CB | busy);
        return (uint8_t)(HW_FDC_MSR_CB | HW_FDC_MSR_NDMA | (pio_rqm(f) ? HW_FDC_MSR_RQM : 0) |
                         (f->x.kind == X_READ ? HW_FDC_MSR_DIO : 0) | busy);
    }
}

static uint8_t read_fifo(hw_fdc *f)
{
    if (!(f->dor & HW_FDC_DOR_NRESET) || f->never_ready)
        return f->last;
    if (f->phase == PH_EXEC)
        return f->x.dma ? f->last : pio_read(f);
    if (f->phase != PH_RESULT)
        return f->last;
    uint8_t v = f->res[f->res_pos++];
    f->last = v;
    f->result_int = false; /* the first result byte read clears the interrupt */
    if (f->res_pos == f->res_len)
        f->phase = PH_COMMAND;
    update_irq(f);
    return v;
}

static void write_fifo(hw_fdc *f, uint8_t v)
{
    if (!(f->dor & HW_FDC_DOR_NRESET) || f->never_ready)
        return;
    if (f->phase == PH_EXEC) {
        if (!f->x.dma)
            pio_write(f, v);
        return;
    }
    if (f->phase == PH_COMMAND)
        command_byte(f, v);
}

static void resume_stalled(hw_fdc *f)
{
    if (f->phase == PH_EXEC && f->x.stalled)
        start_transfer(f);
}

static void write_dor(hw_fdc *f, uint8_t v)
{
    uint8_t old = f->dor;
    f->dor = v;
    hw_time_t t = now_of(f);
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++) {
        bool on = (v >> (4 + d)) & 1;
        fdc_drive *dr = &f->drive[d];
        if (on && !dr->motor)
            dr->ready_at = t + f->spinup_ns;
        dr->motor = on;
        if (!on && f->phase == PH_EXEC && f->x.drive == d && !f->x.stalled && f->x.kind != X_NONE) {
            hw_timer_del(&f->exec_timer); /* the disk stops under the head */
            f->x.stalled = true;
        }
    }
    if (!(v & HW_FDC_DOR_NRESET))
        controller_reset(f);
    else if (!(old & HW_FDC_DOR_NRESET))
        reset_done(f);
    resume_stalled(f);
    update_irq(f);
}

uint8_t hw_fdc_read(hw_fdc *f, unsigned reg)
{
    uint8_t v;
    switch (reg) {
    case HW_FDC_DOR: v = f->dor; break;
    case HW_FDC_TDR: v = f->tdr; break;
    case HW_FDC_MSR: v = read_msr(f); break;
    case HW_FDC_FIFO: v = read_fifo(f); break;
    case HW_FDC_DIR: {
        const fdc_drive *d = &f->drive[f->dor & HW_FDC_DOR_SEL];
        v = d->present && d->dskchg ? HW_FDC_DIR_DSKCHG : 0;
        break;
    }
    default: v = 0xFF; break; /* status A/B exist in PS/2 mode only */
    }
    return (uint8_t)hw_fault_apply_stuck(&f->stuck, reg, v);
}

void hw_fdc_write(hw_fdc *f, unsigned reg, uint8_t v)
{
    switch (reg) {
    case HW_FDC_DOR: write_dor(f, v); break;
    case HW_FDC_TDR: f->tdr = v & 3; break;
    case HW_FDC_DSR:
        f->dsr = v & 0x7F;
        f->rate = v & 3;
        if (v & HW_FDC_DSR_RESET) {
            controller_reset(f);
            reset_done(f);
        }
        break;
    case HW_FDC_FIFO: write_fifo(f, v); break;
    case HW_FDC_CCR: f->rate = v & 3; break;
    default: break;
    }
}

static uint64_t lo_read(void *o, uint64_t off, unsigned size)
{
    (void)size;
    return hw_fdc_read(o, (unsigned)off);
}
static void lo_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)size;
    hw_fdc_write(o, (unsigned)off, (uint8_t)v);
}
static uint64_t dir_read(void *o, uint64_t off, unsigned size)
{
    (void)off;
    (void)size;
    return hw_fdc_read(o, HW_FDC_DIR);
}
static void dir_write(void *o, uint64_t off, unsigned size, uint64_t v)
{
    (void)off;
    (void)size;
    hw_fdc_write(o, HW_FDC_CCR, (uint8_t)v);
}
static const hw_region_ops lo_ops = { lo_read, lo_write, 1 };
static const hw_region_ops dir_ops = { dir_read, dir_write, 1 };

/* ---------- life cycle ---------- */

hw_fdc *hw_fdc_new(hw_bus *bus, const hw_fdc_config *cfg, int *err)
{
    hw_fdc_config def = { .io_base = 0x3F0, .irq = 6, .dma_channel = 2 };
    if (!cfg)
        cfg = &def;
    int rc = -EINVAL;
    hw_fdc *f = NULL;
    if (cfg->dma_channel > 7 || cfg->dma_channel == 4)
        goto fail;
    rc = -ENOMEM;
    if (!(f = calloc(1, sizeof(*f))))
        goto fail;
    f->bus = bus;
    f->clock = hw_bus_clock(bus);
    f->io_base = cfg->io_base;
    f->dma = cfg->dma;
    f->dma_channel = cfg->dma_channel;
    f->spinup_ns = cfg->spinup_ns ? cfg->spinup_ns : HW_FDC_SPINUP_NS;
    snprintf(f->name, sizeof(f->name), "%s", cfg->name ? cfg->name : "fdc");
    hw_irq_init(&f->irq, bus, cfg->irq);
    hw_timer_init(&f->exec_timer, f->clock, exec_timer_cb, f);
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++) {
        f->drive[d].fdc = f;
        f->drive[d].index = d;
        f->drive[d].fd = -1;
        hw_timer_init(&f->drive[d].seek_timer, f->clock, seek_done_cb, &f->drive[d]);
    }
    f->srt = 8; /* power-on values: 8 ms steps, 128 ms HUT... until SPECIFY */
    f->hlt = 8;
    f->efifo = true;
    f->head_unload_at = 0;
    if ((rc = hw_bus_map_io(bus, cfg->io_base, 6, &lo_ops, f, f->name, NULL)) < 0)
        goto fail;
    f->mapped_lo = true;
    if ((rc = hw_bus_map_io(bus, (uint16_t)(cfg->io_base + 7), 1, &dir_ops, f, f->name, NULL)) < 0)
        goto fail;
    f->mapped_dir = true;
    f->dor = HW_FDC_DOR_NRESET | HW_FDC_DOR_DMAGATE; /* as the BIOS leaves it */
    return f;
fail:
    if (err)
        *err = rc;
    hw_fdc_free(f);
    return NULL;
}

static void drop_media(fdc_drive *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
    free(d->data);
    free(d->bad);
    d->data = d->bad = NULL;
    d->size = 0;
    d->media = HW_FDC_MEDIA_NONE;
}

void hw_fdc_free(hw_fdc *f)
{
    if (!f)
        return;
    hw_timer_del(&f->exec_timer);
    for (unsigned d = 0; d < HW_FDC_DRIVES; d++) {
        hw_timer_del(&f->drive[d].seek_timer);
        drop_media(&f->drive[d]);
    }
    if (f->mapped_lo)
        hw_bus_unmap(f->bus, HW_SPACE_IO, f->io_base);
    if (f->mapped_dir)
        hw_bus_unmap(f->bus, HW_SPACE_IO, (uint64_t)f->io_base + 7);
    hw_irq_release(&f->irq);
    free(f);
}

int hw_fdc_attach_drive(hw_fdc *f, unsigned drive, hw_fdc_media type)
{
    if (drive >= HW_FDC_DRIVES || type == HW_FDC_MEDIA_NONE)
        return -EINVAL;
    f->drive[drive].present = true;
    f->drive[drive].type = type;
    return 0;
}

static bool drive_takes(const fdc_drive *d, hw_fdc_media m)
{
    return d->present && (d->type == m || (d->type == HW_FDC_MEDIA_1440K && m == HW_FDC_MEDIA_720K));
}

static int insert(hw_fdc *f, unsigned drive, hw_fdc_media m, uint8_t *data, int fd, bool wp)
{
    fdc_drive *d = &f->drive[drive];
    drop_media(d);
    d->bad = calloc(bytes_of(m) / SECTOR, 1);
    if (!d->bad)
        return -ENOMEM;
    d->media = m;
    d->data = data;
    d->size = bytes_of(m);
    d->fd = fd;
    d->wp = wp;
    d->dskchg = true;
    resume_stalled(f);
    update_irq(f);
    return 0;
}

int hw_fdc_insert_blank(hw_fdc *f, unsigned drive, hw_fdc_media m, bool read_only)
{
    if (drive >= HW_FDC_DRIVES || !drive_takes(&f->drive[drive], m))
        return -EINVAL;
    return insert(f, drive, m, NULL, -1, read_only); /* its bytes come with its first write */
}

int hw_fdc_insert_file(hw_fdc *f, unsigned drive, const char *path, bool read_only, char *msg, size_t msg_size)
{
    char dummy[8];
    if (!msg) {
        msg = dummy;
        msg_size = sizeof(dummy);
    }
    if (drive >= HW_FDC_DRIVES || !f->drive[drive].present) {
        snprintf(msg, msg_size, "drive %u is not attached", drive);
        return -EINVAL;
    }
    int fd = read_only ? -1 : open(path, O_RDWR);
    bool wp = read_only;
    if (fd < 0 && !read_only && (errno == EACCES || errno == EROFS || errno == EPERM))
        wp = true;
    if (fd < 0)
        fd = open(path, O_RDONLY);
    if (fd < 0) {
        int e = errno;
        snprintf(msg, msg_size, "cannot open floppy image %s: %s", path, strerror(e));
        return -e;
    }
    struct stat st;
    hw_fdc_media m = HW_FDC_MEDIA_NONE;
    if (fstat(fd, &st) == 0)
        m = (size_t)st.st_size == bytes_of(HW_FDC_MEDIA_1440K) ? HW_FDC_MEDIA_1440K
            : (size_t)st.st_size == bytes_of(HW_FDC_MEDIA_720K) ? HW_FDC_MEDIA_720K
                                                                 : HW_FDC_MEDIA_NONE;
    if (m == HW_FDC_MEDIA_NONE || !drive_takes(&f->drive[drive], m)) {
        snprintf(msg, msg_size,
                 m == HW_FDC_MEDIA_NONE ? "floppy image %s is %lld bytes; a raw image is 1474560 (1.44M) or 737280 (720K)"
                                        : "floppy image %s (%lld bytes) does not fit a 720K drive",
                 path, (long long)st.st_size);
        close(fd);
        return -EINVAL;
    }
    uint8_t *data = malloc(bytes_of(m));
    if (!data || pread(fd, data, bytes_of(m), 0) != (ssize_t)bytes_of(m)) {
        snprintf(msg, msg_size, "cannot read floppy image %s", path);
        free(data);
        close(fd);
        return -EIO;
    }
    if (wp) {
        close(fd);
        fd = -1;
    }
    int rc = insert(f, drive, m, data, fd, wp);
    if (rc) {
        free(data);
        if (fd >= 0)
            close(fd);
    }
    return rc;
}

void hw_fdc_eject(hw_fdc *f, unsigned drive)
{
    if (drive >= HW_FDC_DRIVES)
        return;
    drop_media(&f->drive[drive]);
    f->drive[drive].dskchg = true;
    if (f->phase == PH_EXEC && f->x.drive == drive && !f->x.stalled && f->x.kind != X_NONE) {
        hw_timer_del(&f->exec_timer);
        f->x.stalled = true;
    }
}

void hw_fdc_set_write_protect(hw_fdc *f, unsigned drive, bool on)
{
    if (drive < HW_FDC_DRIVES)
        f->drive[drive].wp = on;
}

uint8_t *hw_fdc_media_data(hw_fdc *f, unsigned drive, size_t *size)
{
    if (drive >= HW_FDC_DRIVES || !media_bytes(&f->drive[drive]))
        return NULL;
    if (size)
        *size = f->drive[drive].size;
    return f->drive[drive].data;
}

hw_fdc_media hw_fdc_media_of(const hw_fdc *f, unsigned drive)
{
    return drive < HW_FDC_DRIVES ? f->drive[drive].media : HW_FDC_MEDIA_NONE;
}

unsigned hw_fdc_cylinder(const hw_fdc *f, unsigned drive) { return drive < HW_FDC_DRIVES ? f->drive[drive].cyl : 0; }

int hw_fdc_set_bad_sector(hw_fdc *f, unsigned drive, unsigned c, unsigned h, unsigned r, bool bad)
{
    if (drive >= HW_FDC_DRIVES)
        return -EINVAL;
    fdc_drive *d = &f->drive[drive];
    if (d->media == HW_FDC_MEDIA_NONE || c >= CYLINDERS || h >= HEADS || r < 1 || r > spt_of(d->media))
        return -EINVAL;
    d->bad[lba(d, c, h, r)] = bad;
    return 0;
}

void hw_fdc_inject(hw_fdc *f, const hw_fault *fault)
{
    if (fault->kinds & HW_FAULT_STUCK_BITS)
        f->stuck = *fault;
    if (fault->kinds & HW_FAULT_NEVER_READY)
        f->never_ready = true;
    if (fault->kinds & HW_FAULT_LOSE_NEXT_IRQ)
        f->lose_count += fault->count ? fault->count : 1;
    if (fault->kinds & HW_FAULT_SPURIOUS_IRQ)
        f->spurious = true; /* at once; `at` is not used by this device */
    update_irq(f);
}

void hw_fdc_clear_faults(hw_fdc *f)
{
    memset(&f->stuck, 0, sizeof(f->stuck));
    f->never_ready = false;
    f->lose_count = 0;
    f->lost_mask = false;
    f->spurious = false;
    update_irq(f);
}
