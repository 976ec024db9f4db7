/* main.c - the harness without libFuzzer (every build): replay inputs from files, or
 * run seeded random inputs (no coverage guidance; IoAttack-style), e.g.
 *   ntsim-fuzz --driver=echo.sys --device='\\.\NtsimEcho' --random=100000 --seed=7
 * An input that finds something is written to crash-<seed>-<n>; the exit status is 1
 * after a finding, 2 for a usage or load error, 0 otherwise.
 * Files given are replayed each on a fresh machine; with --reset-every=N given they are
 * consecutive inputs under that rule (--reset-every=0 A B: B runs after A's state). */
#include "fuzz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t *FuzzCurrent;
static size_t FuzzCurrentSize;
static char FuzzCrashName[64];

/* A finding: keep a random input in a file, exit 1. */
static void FuzzKeepAndExit(void)
{
    if (FuzzCrashName[0] && FuzzCurrent) {
        FILE *File = fopen(FuzzCrashName, "wb");
        if (File) {
            fwrite(FuzzCurrent, 1, FuzzCurrentSize, File);
            fclose(File);
            if (FuzzReplayFile())
                fprintf(stderr, "ntsim-fuzz: the input is in %s; what replays the finding is %s (replay: ntsim-fuzz ... %s)\n",
                        FuzzCrashName, FuzzReplayFile(), FuzzReplayFile());
            else
                fprintf(stderr, "ntsim-fuzz: the input is in %s (replay: ntsim-fuzz ... %s)\n", FuzzCrashName,
                        FuzzCrashName);
        }
    } else if (FuzzReplayFile()) {
        fprintf(stderr, "ntsim-fuzz: replay: ntsim-fuzz ... %s\n", FuzzReplayFile());
    }
    exit(1);
}

static int FuzzReplay(const char *Path)
{
    FILE *File = fopen(Path, "rb");
    if (File == NULL) {
        perror(Path);
        return 2;
    }
    size_t Capacity = 1 << 16, Size = 0, Got;
    uint8_t *Data = malloc(Capacity);
    while (Data && (Got = fread(Data + Size, 1, Capacity - Size, File)) > 0)
        if ((Size += Got) == Capacity)
            Data = realloc(Data, Capacity *= 2);
    fclose(File);
    if (Data == NULL)
        return 2;
    FuzzOneInput(Data, Size);
    free(Data);
    return 0;
}

/* xorshift64*: the same seed gives the same inputs on every host. */
static uint64_t FuzzRandom(uint64_t *State)
{
    *State ^= *State >> 12;
    *State ^= *State << 25;
    *State ^= *State >> 27;
    return *State * 2685821657736338717ull;
}

static int FuzzRandomRun(unsigned long long Count, uint64_t Seed, size_t MaxLength)
{
    uint64_t State = Seed ? Seed : 1;
    FuzzCurrent = malloc(MaxLength);
    for (unsigned long long n = 0; n < Count; n++) {
        FuzzCurrentSize = (size_t)(FuzzRandom(&State) % (MaxLength + 1));
        for (size_t i = 0; i < FuzzCurrentSize; i++)
            FuzzCurrent[i] = (uint8_t)FuzzRandom(&State);
        snprintf(FuzzCrashName, sizeof(FuzzCrashName), "crash-%llu-%llu", (unsigned long long)Seed, n);
        FuzzOneInput(FuzzCurrent, FuzzCurrentSize);
    }
    printf("%llu random inputs (seed %llu): no finding\n", Count, (unsigned long long)Seed);
    free(FuzzCurrent);
    return 0;
}

/* A whole unsigned number, or 2 after a message naming the option. */
static int FuzzNumberOption(const char *Option, const char *Text, unsigned long long *Value)
{
    char *End;
    errno = 0;
    *Value = strtoull(Text, &End, 0);
    if (Text[0] < '0' || Text[0] > '9' || *End != '\0' || errno != 0) {
        fprintf(stderr, "ntsim-fuzz: %s: '%s' is not a whole number\n", Option, Text);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long long Random = 0, Seed = 1, MaxLength = 256;
    if (FuzzConfigure(argc, argv) != 0)
        return 2;
    for (int i = 1; i < argc; i++) {
        int Bad = 0;
        if (strncmp(argv[i], "--random=", 9) == 0)
            Bad = FuzzNumberOption("--random", argv[i] + 9, &Random);
        else if (strncmp(argv[i], "--seed=", 7) == 0)
            Bad = FuzzNumberOption("--seed", argv[i] + 7, &Seed);
        else if (strncmp(argv[i], "--max-len=", 10) == 0)
            Bad = FuzzNumberOption("--max-len", argv[i] + 10, &MaxLength);
        if (Bad)
            return 2;
    }
    if (MaxLength > (1u << 20)) {
        fprintf(stderr, "ntsim-fuzz: --max-len: %llu is more than 1048576 bytes\n", MaxLength);
        return 2;
    }
    if (FuzzStart() != 0)
        return 2;
    FuzzFound = FuzzKeepAndExit;
    int Replayed = 0;
    FuzzReplayMode(1);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], "--", 2) != 0) {
            if (FuzzReplay(argv[i]) != 0)
                return 2;
            printf("%s: no finding\n", argv[i]);
            Replayed++;
        }
    FuzzReplayMode(0);
    if (Random)
        return FuzzRandomRun(Random, Seed, MaxLength ? (size_t)MaxLength : 1);
    if (!Replayed) {
        FuzzUsage(argv[0]);
        fprintf(stderr, "  and input files to replay, or --random=N [--seed=S] [--max-len=L]\n");
        return 2;
    }
    return 0;
}
