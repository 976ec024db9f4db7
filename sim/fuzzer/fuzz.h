/* fuzz.h - the request-interface fuzzer of a driver (docs/fuzzing.md): one harness,
 * two engines (libFuzzer in the fuzz preset; seeded random inputs and replay in every
 * build). */
#ifndef NTSIM_FUZZ_H
#define NTSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Parse the harness's own options (--driver=, --device=, --reg=, --ioctl=); the others
 * are left to the engine. 0, or 2 after printing a usage error. */
int FuzzConfigure(int argc, char **argv);
/* Load the driver once for the process. 0 or 2 (load error, printed). */
int FuzzStart(void);
/* One input: a sequence of requests decoded from the bytes. Returns 0; on a finding it
 * prints the report and calls abort() (how libFuzzer learns of a crash). */
int FuzzOneInput(const uint8_t *Data, size_t Size);
void FuzzUsage(const char *Program);
/* What a finding ends with: abort() under libFuzzer (its crash signal); the stand-alone
 * engine keeps the input and exits 1. */
extern void (*FuzzFound)(void);

#endif
