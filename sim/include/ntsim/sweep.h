/*
 * ntsim/sweep.h - fault-injection sweeps: run a driver's DriverEntry once to count
 * its failable calls, then once per call with that call failing, each run in a fresh
 * child process, and audit every run.
 */
#ifndef NTSIM_SWEEP_H
#define NTSIM_SWEEP_H

#include <ntsim/ntsim.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ntsim_sweep_options {
    const char *image;          /* driver image (.sys) */
    const char *reg_file;       /* optional .reg imported before each run */
    unsigned jobs;              /* parallel children; 0 = number of processors */
    unsigned long only;         /* 0 = every point; N = run only injection N (and the baseline) */
    const char *filter;         /* extra fault filters, as in NTSIM_FAULTS ("class=pool") */
    int scenario_open;          /* after a successful load: open, write, read, close each named device,
                                   and count the failable calls of that path as injection points too */
    const uint32_t *ioctls;     /* device controls sent in that scenario (implies scenario_open) */
    size_t ioctl_count;
    unsigned timeout_seconds;   /* per run; 0 = 20 */
} ntsim_sweep_options;

typedef struct ntsim_sweep_finding {
    unsigned long run;          /* 0 = baseline (nothing injected) */
    const char *rule;
    ntsim_severity severity;
    const char *ddi;            /* injected DDI ("" for the baseline) */
    const char *site;           /* injection point file:line */
    const char *culprit;        /* driver line the finding names (creator of a leak ...) */
    const char *message;
} ntsim_sweep_finding;

typedef struct ntsim_sweep_point {
    unsigned long index;
    const char *ddi;
    const char *fault_class;
    const char *site;
    int32_t entry_status;       /* what DriverEntry returned in that run */
    int outcome;                /* 0 clean, 1 warnings, 2 errors, 3 crash/hang */
} ntsim_sweep_point;

typedef struct ntsim_sweep_result ntsim_sweep_result;

/* Returns 0 when the sweep ran (whatever it found), NTSIM_E_* otherwise. */
int ntsim_sweep_run(const ntsim_sweep_options *options, ntsim_sweep_result **result);
/* Only run 0: list the injection points without failing any. */
int ntsim_sweep_baseline(const ntsim_sweep_options *options, ntsim_sweep_result **result);
size_t ntsim_sweep_point_count(const ntsim_sweep_result *result);
const ntsim_sweep_point *ntsim_sweep_point_at(const ntsim_sweep_result *result, size_t index);
size_t ntsim_sweep_finding_count(const ntsim_sweep_result *result);
const ntsim_sweep_finding *ntsim_sweep_finding_at(const ntsim_sweep_result *result, size_t index);
size_t ntsim_sweep_error_count(const ntsim_sweep_result *result);
unsigned long ntsim_sweep_runs(const ntsim_sweep_result *result);
void ntsim_sweep_print(FILE *out, const ntsim_sweep_result *result);
int ntsim_sweep_write_json(const ntsim_sweep_result *result, const char *path);
int ntsim_sweep_write_junit(const ntsim_sweep_result *result, const char *path);
void ntsim_sweep_free(ntsim_sweep_result *result);

#ifdef __cplusplus
}
#endif
#endif
