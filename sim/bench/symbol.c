/* symbol.c - ntsim-bench figures for in-process symbolization (sim/ke/symbol.c): what
 * naming a driver code address costs a report, the first time and from the cache. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double SymNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

/* Where the addresses come from: the image's DriverEntry and the code after it. */
static char *SymCode(void *Image)
{
    char *Entry = dlsym(Image, "DriverEntry");
    if (Entry == NULL) {
        fprintf(stderr, "ntsim-bench: no DriverEntry in the image\n");
        exit(1);
    }
    return Entry;
}

/* Cold: the image freshly loaded, its debug information not read yet (each round
 * unloads and reloads it, which empties the cache and libdw's state), one lookup. */
double BenchSymbolizeCold(const char *ImagePath)
{
    double Best = 0;
    for (int Round = 0; Round < 5; Round++) {
        void *Image = dlopen(ImagePath, RTLD_NOW | RTLD_LOCAL);
        char *Code = SymCode(Image);
        KI_SYMBOL Symbol;
        double Start = SymNow();
        KiSymbolize(Code, &Symbol);
        double Elapsed = SymNow() - Start;
        Best = Round == 0 || Elapsed < Best ? Elapsed : Best;
        dlclose(Image);
    }
    return Best;
}

/* First: addresses never asked before, in an image whose debug information is loaded
 * (what each new finding's line costs). Cached: the same addresses again. */
void BenchSymbolize(const char *ImagePath, double *FirstNs, double *CachedNs)
{
    enum { Addresses = 256, Repeats = 200 };
    void *Image = dlopen(ImagePath, RTLD_NOW | RTLD_LOCAL);
    char *Code = SymCode(Image);
    KI_SYMBOL Symbol;
    KiSymbolize(Code - 1, &Symbol); /* loads the image's debug information */
    double Start = SymNow();
    for (int i = 0; i < Addresses; i++)
        KiSymbolize(Code + i, &Symbol);
    *FirstNs = (SymNow() - Start) / Addresses;
    Start = SymNow();
    for (int r = 0; r < Repeats; r++)
        for (int i = 0; i < Addresses; i++)
            KiSymbolize(Code + i, &Symbol);
    *CachedNs = (SymNow() - Start) / ((double)Addresses * Repeats);
    dlclose(Image);
}
