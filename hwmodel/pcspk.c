/* hwmodel/pcspk.c - PC speaker rendering.  The speaker line is constant
 * between counter 2's OUT edges, which the PIT computes; a cursor walks those
 * edges and accumulates, per sample interval, the time the line was high.  The
 * PIT calls back before counter 2 or port 0x61 changes, and the cursor first
 * renders up to that instant with the old settings. */
#include "hwmodel/pcspk.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AMPLITUDE 16000.0
#define DC_BLOCK 0.995
/* What a long run may cost: samples kept in memory stop at HW_PCSPK_KEEP_MAX (about
 * three minutes at 44.1 kHz, 16 MiB), and a WAV stops where its 32-bit data size ends.
 * Past both, the cursor only walks the line's edges (for the VCD), so an hour of
 * virtual time no longer means 160 million samples rendered one by one. */
#define WAV_MAX_SAMPLES (0xFFFFFFD3u / 2u)

struct hw_pcspk {
    hw_pit8254 *pit;
    hw_clock   *clock;
    uint32_t    rate;
    FILE       *wav;
    uint64_t    wav_samples;
    bool        write_error;
    bool        keep;
    int16_t    *samples;
    size_t      count, cap;

    /* cursor */
    hw_time_t   t;              /* rendered up to here */
    uint64_t    k;              /* sample being accumulated: [T(k), T(k+1)) */
    hw_time_t   high_ns;        /* high time so far in sample k */
    bool        valid;          /* level/change below match the PIT's settings */
    bool        level;
    hw_time_t   change;         /* next edge */
    uint64_t    edges;
    double      x1, y1;         /* DC blocker state */

    hw_timer    edge_timer;     /* only while tracing */
    hw_vcd     *vcd;
    int         sig_gate, sig_data, sig_out;
};

static hw_time_t sample_start(const hw_pcspk *s, uint64_t k)
{
    return (hw_time_t)((unsigned __int128)k * 1000000000u / s->rate);
}

static bool line_at(hw_pcspk *s, hw_time_t t)
{
    return (hw_pit8254_port61_latch(s->pit) & 2) && hw_pit8254_out_at(s->pit, 2, t);
}

static hw_time_t next_edge(hw_pcspk *s, hw_time_t t)
{
    if (!(hw_pit8254_port61_latch(s->pit) & 2))
        return HW_TIME_NEVER;
    return hw_pit8254_out_next_change(s->pit, 2, t);
}

static void put_le(uint8_t *p, uint32_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The 44-byte header of a mono 16-bit PCM WAV holding `samples` samples. */
static void wav_header(uint8_t h[44], uint32_t rate, uint64_t samples)
{
    uint32_t data = (uint32_t)(samples * 2 > 0xFFFFFFD3u ? 0xFFFFFFD3u : samples * 2);
    memcpy(h, "RIFF", 4);
    put_le(h + 4, 36 + data, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, 16, 4);               /* fmt chunk size */
    put_le(h + 20, 1, 2);                /* PCM */
    put_le(h + 22, 1, 2);                /* mono */
    put_le(h + 24, rate, 4);
    put_le(h + 28, rate * 2, 4);         /* bytes per second */
    put_le(h + 32, 2, 2);                /* block align */
    put_le(h + 34, 16, 2);               /* bits per sample */
    memcpy(h + 36, "data", 4);
    put_le(h + 40, data, 4);
}

static void emit(hw_pcspk *s, double fraction)
{
    double x = fraction * AMPLITUDE;
    double y = x - s->x1 + DC_BLOCK * s->y1;
    s->x1 = x;
    s->y1 = y;
    int16_t v = (int16_t)(y > 32767 ? 32767 : y < -32768 ? -32768 : y);
    if (s->wav && s->wav_samples < WAV_MAX_SAMPLES) {
        uint8_t b[2] = { (uint8_t)v, (uint8_t)((uint16_t)v >> 8) };
        if (fwrite(b, 1, 2, s->wav) != 2)
            s->write_error = true;
        s->wav_samples++;
    }
    if (s->keep && s->count < HW_PCSPK_KEEP_MAX) {
        if (s->count == s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 65536;
            int16_t *n = realloc(s->samples, nc * sizeof(*n));
            if (!n)
                return;
            s->samples = n;
            s->cap = nc;
        }
        s->samples[s->count++] = v;
    }
}

static bool emitting(const hw_pcspk *s)
{
    return (s->wav && s->wav_samples < WAV_MAX_SAMPLES) || (s->keep && s->count < HW_PCSPK_KEEP_MAX);
}

static void follow_edge(hw_pcspk *s)
{
    s->level = line_at(s, s->t);
    s->change = next_edge(s, s->t);
    s->edges++;
    if (s->vcd)
        hw_vcd_change(s->vcd, s->sig_out, s->t, s->level);
}

/* The line low until past `now` and the DC blocker at rest: every sample up to `now` is
 * exactly 0, so they are added in bulk (a machine that never beeps, such as each fresh
 * machine of a fuzzer that resets between inputs, renders nothing one by one). */
static bool silent_until(const hw_pcspk *s, hw_time_t now)
{
    return s->keep && !s->wav && !s->level && s->change > now && s->high_ns == 0 && s->x1 == 0 && s->y1 == 0 &&
           s->count < HW_PCSPK_KEEP_MAX;
}

static void render_silence(hw_pcspk *s, hw_time_t now)
{
    /* the samples that end by `now`: k up to (not including) the first whose start is past it */
    uint64_t last = (uint64_t)((((unsigned __int128)now + 1) * s->rate - 1) / 1000000000u);
    if (last > s->k) {
        size_t n = (size_t)(last - s->k);
        if (n > HW_PCSPK_KEEP_MAX - s->count)
            n = HW_PCSPK_KEEP_MAX - s->count;
        if (s->count + n > s->cap) {
            size_t nc = s->cap ? s->cap : 65536;
            while (nc < s->count + n)
                nc *= 2;
            int16_t *grown = realloc(s->samples, nc * sizeof(*grown));
            if (!grown)
                return; /* (as emit: the samples are not kept) */
            s->samples = grown;
            s->cap = nc;
        }
        memset(s->samples + s->count, 0, n * sizeof(*s->samples));
        s->count += n;
        s->k = last;
    }
    s->t = now;
}

static void render_until(hw_pcspk *s, hw_time_t now)
{
    if (!s->valid) {
        s->level = line_at(s, s->t);
        s->change = next_edge(s, s->t);
        s->valid = true;
    }
    if (s->t < now && silent_until(s, now))
        render_silence(s, now);
    while (s->t < now && !emitting(s)) {
        s->t = s->change < now ? s->change : now;
        if (s->t == s->change)
            follow_edge(s);
    }
    while (s->t < now) {
        hw_time_t end = sample_start(s, s->k + 1), stop = now;
        if (end < stop)
            stop = end;
        if (s->change < stop)
            stop = s->change;
        if (s->level)
            s->high_ns += stop - s->t;
        s->t = stop;
        if (s->t == end) {
            emit(s, (double)s->high_ns / (double)(end - sample_start(s, s->k)));
            s->k++;
            s->high_ns = 0;
        }
        if (s->t == s->change)
            follow_edge(s);
        if (!emitting(s)) {
            render_until(s, now); /* the edges that remain */
            return;
        }
    }
}

static void arm_edge_timer(hw_pcspk *s)
{
    if (s->vcd && s->change != HW_TIME_NEVER)
        hw_timer_mod(&s->edge_timer, s->change);
    else
        hw_timer_del(&s->edge_timer);
}

static void edge_cb(void *opaque)
{
    hw_pcspk *s = opaque;
    render_until(s, hw_clock_now(s->clock));
    arm_edge_timer(s);
}

/* counter 2 or port 0x61 is about to change: finish the old settings' sound */
static void before_change(void *opaque)
{
    hw_pcspk *s = opaque;
    render_until(s, hw_clock_now(s->clock));
    s->valid = false;
    if (s->vcd)
        hw_timer_mod(&s->edge_timer, hw_clock_now(s->clock));  /* re-read after the change */
}

void hw_pcspk_flush(hw_pcspk *s) { render_until(s, hw_clock_now(s->clock)); }

const int16_t *hw_pcspk_samples(const hw_pcspk *s, size_t *count)
{
    if (count)
        *count = s->count;
    return s->samples;
}

size_t hw_pcspk_sample_count(const hw_pcspk *s) { return s->keep ? s->count : (size_t)s->wav_samples; }

uint32_t hw_pcspk_rate(const hw_pcspk *s) { return s->rate; }

bool hw_pcspk_level(hw_pcspk *s) { return line_at(s, hw_clock_now(s->clock)); }

uint64_t hw_pcspk_edges(const hw_pcspk *s) { return s->edges; }

int hw_pcspk_trace(hw_pcspk *s, hw_vcd *vcd, const char *prefix)
{
    if (!vcd) {
        s->vcd = NULL;
        hw_timer_del(&s->edge_timer);
        return 0;
    }
    static const char *const names[3] = { "GATE", "DATA", "OUT" };
    int *sig[3] = { &s->sig_gate, &s->sig_data, &s->sig_out };
    char name[128];
    for (int i = 0; i < 3; i++) {
        snprintf(name, sizeof(name), "%s.%s", prefix ? prefix : "pcspk", names[i]);
        int rc = hw_vcd_add_signal_init(vcd, name, 1, 0);
        if (rc < 0)
            return rc;
        *sig[i] = rc;
    }
    s->vcd = vcd;
    return 0;
}

/* GATE and DATA are sampled at each change (the hook runs before it, so the
 * edge timer set at the same instant reads the new value). */
static void trace_port61(hw_pcspk *s)
{
    if (!s->vcd)
        return;
    uint8_t p = hw_pit8254_port61_latch(s->pit);
    hw_time_t t = hw_clock_now(s->clock);
    hw_vcd_change(s->vcd, s->sig_gate, t, p & 1);
    hw_vcd_change(s->vcd, s->sig_data, t, (p >> 1) & 1);
}

static void edge_or_change_cb(void *opaque)
{
    hw_pcspk *s = opaque;
    trace_port61(s);
    if (!s->valid && s->vcd)
        hw_vcd_change(s->vcd, s->sig_out, hw_clock_now(s->clock), line_at(s, hw_clock_now(s->clock)));
    edge_cb(s);
}

hw_pcspk *hw_pcspk_new(hw_pit8254 *pit, hw_clock *clock, const hw_pcspk_config *cfg, int *err)
{
    hw_pcspk *s = calloc(1, sizeof(*s));
    if (!s) {
        if (err)
            *err = -ENOMEM;
        return NULL;
    }
    s->pit = pit;
    s->clock = clock;
    s->rate = cfg && cfg->sample_rate ? cfg->sample_rate : HW_PCSPK_RATE;
    s->keep = cfg && cfg->keep_samples;
    s->t = hw_clock_now(clock);
    s->k = (uint64_t)((unsigned __int128)s->t * s->rate / 1000000000u);
    s->high_ns = 0;
    s->t = sample_start(s, s->k);
    if (cfg && cfg->wav_path) {
        s->wav = fopen(cfg->wav_path, "wb");
        if (!s->wav) {
            if (err)
                *err = -errno;
            free(s);
            return NULL;
        }
        uint8_t h[44];
        wav_header(h, s->rate, 0);
        if (fwrite(h, 1, 44, s->wav) != 44)
            s->write_error = true;
    }
    hw_timer_init(&s->edge_timer, clock, edge_or_change_cb, s);
    hw_pit8254_set_counter2_hook(pit, before_change, s);
    return s;
}

int hw_pcspk_free(hw_pcspk *s)
{
    if (!s)
        return 0;
    render_until(s, hw_clock_now(s->clock));
    hw_pit8254_set_counter2_hook(s->pit, NULL, NULL);
    hw_timer_del(&s->edge_timer);
    int rc = 0;
    if (s->wav) {
        uint8_t h[44];
        wav_header(h, s->rate, s->wav_samples);
        if (fseek(s->wav, 0, SEEK_SET) != 0 || fwrite(h, 1, 44, s->wav) != 44)
            s->write_error = true;
        if (fclose(s->wav) != 0)
            s->write_error = true;
        if (s->write_error)
            rc = -EIO;
    }
    free(s->samples);
    free(s);
    return rc;
}
