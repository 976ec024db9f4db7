/* hwmodel/pcspk.h - the PC speaker: 8254 counter 2's OUT AND port 0x61 bit 1,
 * with counter 2's gate on port 0x61 bit 0 (both in pit8254.c), recorded as
 * sound.
 *
 * Each sample is the fraction of its interval during which the speaker line
 * was high (computed exactly from the counter's edges, so a box filter against
 * aliasing), scaled to 16-bit and passed through a DC blocker (a speaker cone
 * does not hold a constant level, so a line held high is silence).  Output: a
 * mono 16-bit PCM WAV file and/or the samples in memory.
 */
#ifndef HWMODEL_PCSPK_H
#define HWMODEL_PCSPK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/pit8254.h"
#include "hwmodel/vcd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_PCSPK_RATE 44100u
/* keep_samples keeps at most this many (the first ones); a WAV ends at 4 GiB */
#define HW_PCSPK_KEEP_MAX ((size_t)1 << 23)

typedef struct hw_pcspk hw_pcspk;

typedef struct hw_pcspk_config {
    uint32_t    sample_rate;   /* 0: 44100 */
    const char *wav_path;      /* NULL: no file */
    bool        keep_samples;  /* also keep the samples in memory (the first HW_PCSPK_KEEP_MAX) */
} hw_pcspk_config;

/* Attaches to the PIT's counter 2 (one speaker per PIT).  NULL on error with
 * *err a negative errno (the WAV file cannot be created). */
hw_pcspk *hw_pcspk_new(hw_pit8254 *pit, hw_clock *clock, const hw_pcspk_config *cfg, int *err);
/* Renders up to now, completes the WAV header, detaches.  0 or a negative errno
 * if the file could not be written completely. */
int hw_pcspk_free(hw_pcspk *spk);

/* Render everything up to the present virtual time. */
void hw_pcspk_flush(hw_pcspk *spk);
/* Samples so far (keep_samples; flush first). */
const int16_t *hw_pcspk_samples(const hw_pcspk *spk, size_t *count);
size_t hw_pcspk_sample_count(const hw_pcspk *spk);
uint32_t hw_pcspk_rate(const hw_pcspk *spk);
/* The speaker line now (OUT2 AND port 0x61 bit 1), and its changes so far. */
bool hw_pcspk_level(hw_pcspk *spk);
uint64_t hw_pcspk_edges(const hw_pcspk *spk);

/* Record prefix.{GATE, DATA, OUT} (OUT = the speaker line, edge-exact; the
 * speaker then schedules one event per edge).  vcd NULL stops. */
int hw_pcspk_trace(hw_pcspk *spk, hw_vcd *vcd, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
