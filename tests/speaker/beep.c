/* beep.c - HalMakeBeep(440) on the default PC: the speaker's samples and the WAV
 * file written with the speaker_wav option have their energy at 440 Hz, the tone
 * stops with HalMakeBeep(0), and --vcd records the gate, data and speaker line. */
#define NTSIM_NO_SITES 1
#include <ntddk.h>

#include <math.h>
#include <unistd.h>

#include "ntsim_test.h"

#define MS 1000000ull

static double Goertzel(const int16_t *S, size_t N, double Hz, double Rate)
{
    double W = 2 * M_PI * Hz / Rate, C = 2 * cos(W), S1 = 0, S2 = 0;
    for (size_t i = 0; i < N; i++) {
        double S0 = S[i] + C * S1 - S2;
        S2 = S1;
        S1 = S0;
    }
    return S1 * S1 + S2 * S2 - C * S1 * S2;
}

static void AssertTone(const int16_t *S, size_t N, double Hz, double Rate)
{
    double P = Goertzel(S, N, Hz, Rate);
    static const double Others[] = { 200, 300, 400, 500, 600, 880, 1000, 2000 };
    for (size_t i = 0; i < sizeof(Others) / sizeof(Others[0]); i++)
        if (fabs(Others[i] - Hz) > 30)
            assert_true(P > 8 * Goertzel(S, N, Others[i], Rate));
}

static void test_beep_440_to_wav(void **state)
{
    (void)state;
    char Wav[] = "/tmp/ntsim_beepXXXXXX", Vcd[] = "/tmp/ntsim_beep_vcdXXXXXX";
    close(mkstemp(Wav));
    close(mkstemp(Vcd));
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .speaker_wav = Wav, .vcd_path = Vcd };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *M = ntsim_machine_create(&Config);
    assert_non_null(M);
    assert_true(HalMakeBeep(440));
    assert_int_equal(ntsim_run_for(M, 500 * MS), 0);
    assert_true(HalMakeBeep(0));
    assert_int_equal(ntsim_run_for(M, 100 * MS), 0);
    assert_false(HalMakeBeep(10));               /* divisor above 65535 */
    size_t Count;
    unsigned Rate;
    const int16_t *S = ntsim_speaker_samples(M, &Count, &Rate);
    assert_int_equal(Rate, 44100);
    assert_true(Count >= 44100 * 6 / 10 - 2);
    AssertTone(S + 2205, 22050 - 4410, 440, Rate);
    for (size_t i = Count - 2205; i < Count; i++)  /* the last 50 ms are silent */
        assert_true(abs(S[i]) < 100);
    ntsim_machine_destroy(M);

    FILE *F = fopen(Wav, "rb");
    assert_non_null(F);
    uint8_t Header[44];
    assert_int_equal(fread(Header, 1, 44, F), 44);
    assert_memory_equal(Header, "RIFF", 4);
    assert_memory_equal(Header + 36, "data", 4);
    uint32_t Bytes = Header[40] | Header[41] << 8 | Header[42] << 16 | (uint32_t)Header[43] << 24;
    assert_true(Bytes >= 2 * 26000);
    int16_t *Samples = malloc(Bytes);
    assert_int_equal(fread(Samples, 1, Bytes, F), Bytes);
    fclose(F);
    AssertTone(Samples + 2205, 22050 - 4410, 440, 44100);
    free(Samples);
    unlink(Wav);

    /* the VCD has the speaker line's edges: 440 rising edges a second for 500 ms */
    F = fopen(Vcd, "rb");
    assert_non_null(F);
    char Line[256], Out[24] = "", Gate[24] = "";
    size_t Rising = 0, GateOn = 0;
    while (fgets(Line, sizeof(Line), F)) {
        char Scope[64], Id[16], Name[64];
        if (sscanf(Line, "$var wire %63s %15s %63s $end", Scope, Id, Name) == 3) {
            if (!strcmp(Name, "OUT") && !Out[0])
                snprintf(Out, sizeof(Out), "1%s\n", Id);
            if (!strcmp(Name, "GATE"))
                snprintf(Gate, sizeof(Gate), "1%s\n", Id);
        }
        Rising += Out[0] && !strcmp(Line, Out);
        GateOn += Gate[0] && !strcmp(Line, Gate);
    }
    fclose(F);
    unlink(Vcd);
    assert_true(Out[0] && Gate[0]);
    assert_int_equal(GateOn, 1);
    assert_true(Rising >= 219 && Rising <= 221);
}

static void test_speaker_needs_the_pit(void **state)
{
    (void)state;
    static const char *const NoPit[] = { "uart16550,io=0x3f8,irq=4", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = NoPit,
                                    .speaker_wav = "/tmp/ntsim_never_written.wav" };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "speaker WAV '/tmp/ntsim_never_written.wav'"));
    assert_non_null(strstr(ntsim_last_error(), "needs a pit8254"));
    /* without a speaker HalMakeBeep has nothing to play on: the PIT is what it needs */
    static const char *const NoSpeaker[] = { "pit8254,port61=off", NULL };
    Config.devices = NoSpeaker;
    Config.speaker_wav = NULL;
    ntsim_machine *M = ntsim_machine_create(&Config);
    assert_non_null(M);
    assert_false(HalMakeBeep(440));
    assert_null(ntsim_speaker_samples(M, NULL, NULL));
    ntsim_machine_destroy(M);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_beep_440_to_wav),
        cmocka_unit_test(test_speaker_needs_the_pit),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
