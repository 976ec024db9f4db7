/* Tests for hwmodel/pcspk.c: what the speaker plays for counter 2 tones and
 * port 0x61 bit-banging, measured with the Goertzel algorithm, and the WAV file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/pcspk.h"
#include "hwmodel/pit8254.h"

typedef struct fx {
    hw_clock   *clk;
    hw_bus     *bus;
    hw_pit8254 *pit;
    hw_pcspk   *spk;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    f->clk = hw_clock_new();
    f->bus = hw_bus_new(f->clk);
    f->pit = hw_pit8254_new(f->bus, NULL, NULL);
    hw_pcspk_config cfg = { .keep_samples = true };
    f->spk = hw_pcspk_new(f->pit, f->clk, &cfg, NULL);
    assert_non_null(f->spk);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    if (f->spk)
        assert_int_equal(hw_pcspk_free(f->spk), 0);
    hw_pit8254_free(f->pit);
    hw_bus_free(f->bus);
    hw_clock_free(f->clk);
    free(f);
    return 0;
}

static void out8(fx *f, uint16_t port, uint8_t v) { assert_true(hw_bus_io_write(f->bus, port, 1, v)); }
static void run_for(fx *f, hw_time_t d) { hw_clock_run_until(f->clk, hw_clock_now(f->clk) + d); }

static void tone(fx *f, unsigned hz)
{
    unsigned div = 1193182u / hz;
    out8(f, 0x43, 0xB6);                     /* counter 2, LSB+MSB, mode 3 */
    out8(f, 0x42, (uint8_t)div);
    out8(f, 0x42, (uint8_t)(div >> 8));
    out8(f, 0x61, 0x03);                     /* gate on, speaker data on */
}

/* Power of frequency hz in samples [from, from+n). */
static double goertzel(const int16_t *s, size_t n, double hz, double rate)
{
    double w = 2 * M_PI * hz / rate, c = 2 * cos(w), s1 = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double s0 = s[i] + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static size_t zero_crossings(const int16_t *s, size_t n)
{
    size_t z = 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i - 1] < 0) != (s[i] < 0))
            z++;
    return z;
}

static void test_440_hz_tone(void **state)
{
    fx *f = *state;
    tone(f, 440);
    run_for(f, 500000000u);
    hw_pcspk_flush(f->spk);
    size_t n;
    const int16_t *s = hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, 22050);
    /* skip the first 50 ms while the DC blocker settles */
    s += 2205;
    n -= 2205;
    double p440 = goertzel(s, n, 440, 44100);
    static const double others[] = { 220, 330, 400, 480, 550, 660, 880, 1000, 1320, 2000, 5000 };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        assert_true(p440 > 8 * goertzel(s, n, others[i], 44100));
    /* 440 cycles a second: two zero crossings each */
    size_t z = zero_crossings(s, n);
    assert_true(z >= 2 * 440 * 0.45 - 4 && z <= 2 * 440 * 0.45 + 4);
    /* the line changed twice per cycle, exactly on the counter's edges */
    assert_true(hw_pcspk_edges(f->spk) >= 439 && hw_pcspk_edges(f->spk) <= 441);
}

static void test_silence_when_gated_off_and_after_stop(void **state)
{
    fx *f = *state;
    run_for(f, 100000000u);
    tone(f, 1000);
    run_for(f, 100000000u);
    out8(f, 0x61, 0x00);                     /* stop, as HalMakeBeep(0) */
    assert_false(hw_pcspk_level(f->spk));
    run_for(f, 200000000u);
    hw_pcspk_flush(f->spk);
    size_t n;
    const int16_t *s = hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, 17640);
    for (size_t i = 0; i < 4410; i++)
        assert_int_equal(s[i], 0);           /* nothing before the tone */
    const int16_t *tone_part = s + 4410 + 441;
    assert_true(goertzel(tone_part, 3528, 1000, 44100) > 8 * goertzel(tone_part, 3528, 700, 44100));
    /* after the stop the cone settles: the last 100 ms are (almost) silent */
    for (size_t i = n - 4410; i < n; i++)
        assert_true(abs(s[i]) < 200);
}

/* Port 0x61 bit 1 toggled by hand with the gate off (counter 2 OUT stays high). */
static void test_bit_banged_square_wave(void **state)
{
    fx *f = *state;
    out8(f, 0x43, 0xB6);
    out8(f, 0x42, 0x10);
    out8(f, 0x42, 0x00);
    for (int i = 0; i < 600; i++) {          /* 300 cycles of 1500 Hz */
        out8(f, 0x61, 0x02);
        run_for(f, 333333);
        out8(f, 0x61, 0x00);
        run_for(f, 333334);
    }
    hw_pcspk_flush(f->spk);
    size_t n;
    const int16_t *s = hw_pcspk_samples(f->spk, &n);
    assert_true(goertzel(s + 441, n - 441, 1500, 44100) > 8 * goertzel(s + 441, n - 441, 1000, 44100));
    assert_int_equal(hw_pcspk_edges(f->spk), 0);   /* OUT2 never moved */
}

static uint32_t le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_wav_file(void **state)
{
    fx *f = *state;
    assert_int_equal(hw_pcspk_free(f->spk), 0);
    char path[] = "/tmp/pcspk_testXXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hw_pcspk_config cfg = { .sample_rate = 8000, .wav_path = path };
    f->spk = hw_pcspk_new(f->pit, f->clk, &cfg, NULL);
    assert_non_null(f->spk);
    tone(f, 440);
    run_for(f, 250000000u);
    assert_int_equal(hw_pcspk_free(f->spk), 0);
    f->spk = NULL;
    FILE *in = fopen(path, "rb");
    uint8_t h[44];
    assert_int_equal(fread(h, 1, 44, in), 44);
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    fclose(in);
    unlink(path);
    assert_memory_equal(h, "RIFF", 4);
    assert_memory_equal(h + 8, "WAVEfmt ", 8);
    assert_int_equal(le32(h + 16), 16);
    assert_int_equal(h[20] | h[21] << 8, 1);
    assert_int_equal(h[22] | h[23] << 8, 1);
    assert_int_equal(le32(h + 24), 8000);
    assert_int_equal(le32(h + 28), 16000);
    assert_int_equal(h[34], 16);
    assert_memory_equal(h + 36, "data", 4);
    assert_int_equal(le32(h + 40), 2 * 2000);
    assert_int_equal(le32(h + 4), 36 + 4000);
    assert_int_equal(size, 44 + 4000);
    int err = 0;
    cfg.wav_path = "/nonexistent-dir/x.wav";
    assert_null(hw_pcspk_new(f->pit, f->clk, &cfg, &err));
    assert_true(err < 0);
}

/* A long run keeps the first HW_PCSPK_KEEP_MAX samples and stops there (the fuzzer's
 * `pnp --for 49249` grew the buffer past 4 GB), while the line's edges are still
 * followed for as long as the tone plays. */
static void test_long_run_keeps_a_bounded_prefix(void **state)
{
    fx *f = *state;
    tone(f, 440);
    run_for(f, HW_S(400));
    hw_pcspk_flush(f->spk);
    size_t n = 0;
    const int16_t *s = hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, HW_PCSPK_KEEP_MAX);
    assert_int_equal(hw_pcspk_sample_count(f->spk), HW_PCSPK_KEEP_MAX);
    /* the kept prefix is the tone, not silence */
    assert_true(zero_crossings(s + n - 44100, 44100) > 800);
    /* about 880 edges a second for all 400 seconds, not only the kept ones */
    uint64_t edges = hw_pcspk_edges(f->spk);
    assert_true(edges > 880ull * 399 && edges < 880ull * 401);
    run_for(f, HW_S(3600)); /* an idle hour after the cap: nothing to render */
    out8(f, 0x61, 0x00);
    hw_pcspk_flush(f->spk);
    assert_int_equal(hw_pcspk_sample_count(f->spk), HW_PCSPK_KEEP_MAX);
}

/* A speaker nobody used renders its silence in bulk: one zero for every sample period
 * that has ended, at odd instants too, and a tone after it plays from where it starts. */
static void test_long_silence_then_tone(void **state)
{
    fx *f = *state;
    run_for(f, 12345678u); /* samples 0..543 end by then (544 x 1e9 / 44100 <= 12345678) */
    hw_pcspk_flush(f->spk);
    size_t n;
    hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, 544);
    run_for(f, HW_S(10));
    hw_pcspk_flush(f->spk);
    const int16_t *s = hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, 441544);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(s[i], 0);
    tone(f, 1000);
    run_for(f, 100000000u);
    hw_pcspk_flush(f->spk);
    s = hw_pcspk_samples(f->spk, &n);
    assert_int_equal(n, 441544 + 4410);
    const int16_t *tone_part = s + 441544 + 441;
    assert_true(goertzel(tone_part, 3528, 1000, 44100) > 8 * goertzel(tone_part, 3528, 700, 44100));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_440_hz_tone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silence_when_gated_off_and_after_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bit_banged_square_wave, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wav_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_run_keeps_a_bounded_prefix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_silence_then_tone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
