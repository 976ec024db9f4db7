/* sweepp.h - the sweep's result record, shared by the runner (sweep.c) and the
 * report writers (sweepreport.c). */
#ifndef NTSIM_SWEEPP_H
#define NTSIM_SWEEPP_H
#include "io/iop.h"
#include "ntsim/sweep.h"

/* A run's bug check as reports show it: parameters already rendered ("0x50",
 * "echo.sys+0x1157" for an address inside a loaded image). */
typedef struct _SWEEP_BUGCHECK {
    char *Name;
    char *Params[4];
    char *Driver;
    char *Site;
    char *Explanation;
} SWEEP_BUGCHECK;

struct ntsim_sweep_result {
    char *Image;
    char *Driver;                  /* service name: the image's base name */
    ntsim_fail_on FailOn;
    ntsim_sweep_point Baseline;    /* run 0 */
    ntsim_sweep_point *Points;     /* run N is Points[N - 1] */
    size_t PointCount;
    SWEEP_BUGCHECK BaselineBugCheck;
    SWEEP_BUGCHECK *BugChecks;     /* run N's is BugChecks[N - 1] */
    ntsim_sweep_finding *Findings;
    size_t FindingCount, FindingCapacity;
    unsigned long Runs;
    /* second-order runs, in (index, then) order; each with its bug check */
    ntsim_sweep_point *Seconds;
    SWEEP_BUGCHECK *SecondBugChecks;
    size_t SecondCount;
    size_t SecondCandidates;       /* failure-path calls found, before the per-run bound */
    unsigned ShardIndex, ShardCount; /* ShardCount 0: unsharded (or merged) */
};

/* The record of second-order run (Run, Then), or NULL. */
ntsim_sweep_point *SweepSecondRecord(ntsim_sweep_result *R, unsigned long Run, unsigned long Then);
SWEEP_BUGCHECK *SweepSecondBugCheck(ntsim_sweep_result *R, unsigned long Run, unsigned long Then);
ntsim_sweep_result *SweepNewResult(const char *Image, ntsim_fail_on FailOn);
/* A finding of run (Run, Then); takes ownership of Message. */
void SweepAddFinding(ntsim_sweep_result *R, unsigned long Run, unsigned long Then, const char *Rule,
                     ntsim_severity Severity, const char *Culprit, char *Message);
/* Append a second-order run record (not yet made) and return it. */
ntsim_sweep_point *SweepAddSecond(ntsim_sweep_result *R, unsigned long Run, unsigned long Then, const char *Ddi,
                                  const char *Class, const char *Site);

/* The record of run N (0 = baseline), or NULL. */
ntsim_sweep_point *SweepRunRecord(ntsim_sweep_result *R, unsigned long Run);
/* The bug check of run N (its Name is NULL when the run had none), or NULL. */
SWEEP_BUGCHECK *SweepBugCheckOf(ntsim_sweep_result *R, unsigned long Run);
const char *SweepOutcomeName(const ntsim_sweep_point *P);
/* Findings in report order (first-order runs, then second-order; stable within a run). */
void SweepSortFindings(ntsim_sweep_result *R);
const char *SweepSeverityName(ntsim_severity Severity);
#endif
