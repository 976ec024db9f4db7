/* fuzz.c - fuzz_execs_per_sec: the ntsim-fuzz harness (sim/fuzzer/harness.c) on echo.sys,
 * fed seeded random inputs as the stand-alone engine makes them (no coverage guidance,
 * so what is measured is the harness and the simulator, not a mutator). Each input opens
 * its own file, sends its requests and closes; the machine is reset (recreated, the
 * driver reloaded from its pristine image) every FUZZ_DEFAULT_RESET_EVERY inputs as in
 * ntsim-fuzz, and fuzz_execs_per_sec_reset1 resets before every input (exact isolation). */
#include "../fuzzer/fuzz.h"

#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_FUZZ_ROUNDS 5
#define BENCH_FUZZ_INPUTS 20000
#define BENCH_FUZZ_MAX_LENGTH 64

static void BenchFuzzFound(void)
{
    fprintf(stderr, "ntsim-bench: the fuzz harness found something in echo.sys\n");
    exit(1);
}

static uint64_t BenchFuzzRandom(uint64_t *State)
{
    *State ^= *State >> 12;
    *State ^= *State << 25;
    *State ^= *State >> 27;
    return *State * 2685821657736338717ull;
}

static int BenchFuzzCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* ResetEvery: --reset-every's value, or -1 for ntsim-fuzz's default. */
double BenchFuzzExecs(const char *EchoPath, int ResetEvery)
{
    char Driver[1100], Reset[64];
    snprintf(Driver, sizeof(Driver), "--driver=%s", EchoPath);
    snprintf(Reset, sizeof(Reset), "--reset-every=%d", ResetEvery);
    char *Argv[] = { "ntsim-bench", Driver, "--device=\\\\.\\NtsimEcho", Reset, NULL };
    FuzzFound = BenchFuzzFound;
    if (FuzzConfigure(ResetEvery < 0 ? 3 : 4, Argv) != 0 || FuzzStart() != 0)
        exit(1);
    int Inputs = ResetEvery == 1 ? BENCH_FUZZ_INPUTS / 10 : BENCH_FUZZ_INPUTS; /* (a few seconds at most) */
    uint8_t Input[BENCH_FUZZ_MAX_LENGTH];
    uint64_t State = 1;
    double Rates[BENCH_FUZZ_ROUNDS];
    for (int r = 0; r < BENCH_FUZZ_ROUNDS; r++) {
        struct timespec A, B;
        clock_gettime(CLOCK_MONOTONIC, &A);
        for (int n = 0; n < Inputs; n++) {
            size_t Size = (size_t)(BenchFuzzRandom(&State) % (BENCH_FUZZ_MAX_LENGTH + 1));
            for (size_t i = 0; i < Size; i++)
                Input[i] = (uint8_t)BenchFuzzRandom(&State);
            FuzzOneInput(Input, Size);
        }
        clock_gettime(CLOCK_MONOTONIC, &B);
        double Seconds = (double)(B.tv_sec - A.tv_sec) + (double)(B.tv_nsec - A.tv_nsec) / 1e9;
        Rates[r] = Inputs / Seconds;
    }
    FuzzStop(); /* the harness keeps its machine and the image snapshot */
    qsort(Rates, BENCH_FUZZ_ROUNDS, sizeof(double), BenchFuzzCompare);
    return Rates[BENCH_FUZZ_ROUNDS / 2];
}
