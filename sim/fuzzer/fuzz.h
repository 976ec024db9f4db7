/* fuzz.h - the request-interface fuzzer of a driver (docs/fuzzing.md): one harness,
 * two engines (libFuzzer in the fuzz preset; seeded random inputs and replay in every
 * build). */
#ifndef NTSIM_FUZZ_H
#define NTSIM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Inputs between two resets of the machine when --reset-every is not given (chosen from
 * measurements, docs/fuzzing.md "Resets between inputs"). */
#define FUZZ_DEFAULT_RESET_EVERY 1000

/* Parse the harness's own options (--driver=, --device=, --reg=, --ioctl=,
 * --reset-every=); the others are left to the engine. 0, or 2 after printing a usage
 * error. */
int FuzzConfigure(int argc, char **argv);
/* Snapshot the driver image and load it. 0 or 2 (load error, printed). */
int FuzzStart(void);
/* One input: a sequence of requests decoded from the bytes, after a reset if one is
 * due. Returns 0; on a finding it prints the report, finds what replays it on a fresh
 * machine (FuzzReplayFile) and calls FuzzFound. */
int FuzzOneInput(const uint8_t *Data, size_t Size);
/* A fresh machine with the driver loaded from its pristine image now. */
void FuzzReset(void);
/* Replaying kept inputs (On = 1): a reset before each unless --reset-every was given,
 * and the control codes learned since forgotten at every reset. 0: back to fuzzing. */
void FuzzReplayMode(int On);
/* The machine and the image snapshot released; FuzzConfigure may be called again. */
void FuzzStop(void);
/* After a finding: the file written because the input alone does not replay it (the
 * inputs before it since the last reset, joined), or NULL when the input alone does. */
const char *FuzzReplayFile(void);
void FuzzUsage(const char *Program);
/* What a finding ends with: abort() under libFuzzer (its crash signal); the stand-alone
 * engine keeps the input and exits 1. */
extern void (*FuzzFound)(void);
/* Where replay files go: libFuzzer's -artifact_prefix, else the working directory. */
extern const char *FuzzArtifactPrefix;
extern unsigned long FuzzResetEvery;

#endif
