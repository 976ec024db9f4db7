/*
 * ntsim/sweep.h - fault-injection sweeps: run a driver's DriverEntry once to count
 * its failable calls, then once per call with that call failing, in forked worker
 * processes (many runs each, or one with fork_per_run), and audit every run.
 */
#ifndef NTSIM_SWEEP_H
#define NTSIM_SWEEP_H

#include <ntsim/ntsim.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which findings make a sweep (or a CLI command) fail: those at or above a severity. */
typedef enum ntsim_fail_on {
    NTSIM_FAIL_ON_ERROR = 0,    /* default: errors (and runs that end without a verdict) */
    NTSIM_FAIL_ON_WARNING = 1,  /* warnings too */
    NTSIM_FAIL_ON_INFO = 2,     /* any finding */
    NTSIM_FAIL_ON_NEVER = 3,    /* report only; the exit status says nothing about findings */
} ntsim_fail_on;

typedef struct ntsim_sweep_options {
    const char *image;          /* driver image (.sys) */
    const char *reg_file;       /* optional .reg imported before each run (before reg_files) */
    unsigned jobs;              /* parallel children; 0 = number of processors */
    unsigned long only;         /* 0 = every point; N = run only injection N (and the baseline) */
    const char *filter;         /* extra fault filters, as in NTSIM_FAULTS ("class=pool") */
    int scenario_open;          /* after a successful load: open, write, read, close each named device,
                                   and count the failable calls of that path as injection points too */
    const uint32_t *ioctls;     /* device controls sent in that scenario (implies scenario_open) */
    size_t ioctl_count;
    unsigned timeout_seconds;   /* per run; 0 = 20 */
    const char *const *reg_files; /* more .reg files, imported in this order before each run */
    size_t reg_file_count;
    ntsim_fail_on fail_on;      /* what makes ntsim_sweep_failed() true */
    /* A WDM driver: bind the image to this hardware ID and sweep DriverEntry, AddDevice,
     * START_DEVICE and the removal (ntsim_pnp_start, then ntsim_pnp_remove_all). An ID
     * not starting with "ACPI\" or "*" gets a root device ROOT\SWEEP\0000 to bind to. */
    const char *pnp_hardware_id;
    /* The machine trace of one run (docs/trace.md): run `only` when set, else the
     * baseline; format by name as ntsim_trace_format_for; trace_filter as
     * ntsim_trace_filter (NULL = default). The file is finished even when the run
     * bug-checks; a run killed by its timeout leaves it cut short. */
    const char *trace_path;
    const char *trace_filter;
    /* How runs are isolated (docs/faults.md "Persistent mode"): by default a forked
     * worker makes many runs, the image's writable data restored and the machine
     * recreated between them; a run that crashes or hangs ends its worker and a fresh
     * one takes the next run. 1: a fresh child per run, as before. */
    int fork_per_run;
    /* Sharding: this process makes only the runs k with k % shard_count == shard_index
     * (the baseline, run 0, belongs to shard 0, but every shard runs it to count the
     * points). shard_count 0 or 1: unsharded. Reports merge with ntsim_sweep_merge(). */
    unsigned shard_index, shard_count;
    /* Second-order pass: after the first pass, for each run N, up to second_order calls
     * that run reached only because point N failed (sites the baseline never reached:
     * the cleanup code) are failed too, one more run each. 0 = off. */
    unsigned second_order;
    /* 1: always make the runs in forked workers. By default (0) a sweep repeated in the
     * same process, of the same unchanged image with the same options, is made in this
     * process once a sweep in workers showed every one of its runs ending under the
     * machine's control: no crash, hang, exit or fault in driver code (docs/faults.md
     * "Sweeps in this process"). */
    int isolate;
} ntsim_sweep_options;

typedef struct ntsim_sweep_finding {
    unsigned long run;          /* 0 = baseline (nothing injected) */
    const char *rule;
    ntsim_severity severity;
    const char *ddi;            /* injected DDI ("" for the baseline) */
    const char *site;           /* injection point file:line */
    const char *culprit;        /* driver line the finding names (creator of a leak ...) */
    const char *message;
    unsigned long then;         /* second-order run: the second point failed (its index in that run); 0 = none */
} ntsim_sweep_finding;

/* How a run ended (ntsim_sweep_point.outcome). */
#define NTSIM_RUN_CLEAN 0
#define NTSIM_RUN_WARNINGS 1    /* findings, none an error */
#define NTSIM_RUN_ERRORS 2      /* error findings (a bug check among them, see bugcheck_code) */
#define NTSIM_RUN_NO_VERDICT 3  /* the run ended without reporting: killed, crashed, exited, timed out */

typedef struct ntsim_sweep_point {
    unsigned long index;        /* injection point N (run N fails it); 0 = the baseline run */
    const char *ddi;
    const char *fault_class;
    const char *site;
    int32_t entry_status;       /* what DriverEntry returned in that run (when entry_returned) */
    int outcome;                /* NTSIM_RUN_* */
    int ran;                    /* the run was made (--only skips the others) */
    int entry_returned;         /* DriverEntry returned; otherwise entry_status means nothing */
    uint32_t bugcheck_code;     /* the run's bug check, 0 = none */
    const char *ended;          /* for NTSIM_RUN_NO_VERDICT: "exit status 0", "signal 9 (Killed)", "timeout"; else "" */
    double seconds;             /* wall time of the run */
    /* A second-order run (ntsim_sweep_second_order_at): index, ddi, site name the first
     * failure; then the second call failed, as the then-th failable call of that run. */
    unsigned long then;
    const char *then_ddi;
    const char *then_class;
    const char *then_site;
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
size_t ntsim_sweep_warning_count(const ntsim_sweep_result *result);
/* The baseline run (index 0, no DDI injected). */
const ntsim_sweep_point *ntsim_sweep_baseline_run(const ntsim_sweep_result *result);
/* 1 when a finding is at or above options.fail_on (a run without a verdict is an error). */
int ntsim_sweep_failed(const ntsim_sweep_result *result);
/* "clean" (no findings), "passed" (findings below the fail_on threshold) or "failed". */
const char *ntsim_sweep_verdict(const ntsim_sweep_result *result);
unsigned long ntsim_sweep_runs(const ntsim_sweep_result *result);
/* The second-order runs made, in (first point, second point) order. */
size_t ntsim_sweep_second_order_count(const ntsim_sweep_result *result);
const ntsim_sweep_point *ntsim_sweep_second_order_at(const ntsim_sweep_result *result, size_t index);
/* Failure-path calls the first pass found (before the second_order bound per run). */
size_t ntsim_sweep_second_order_candidates(const ntsim_sweep_result *result);
/* Merge the JSON reports of the shards of one sweep (every shard once) into the report
 * the unsharded sweep gives. fail_on as in the options. */
int ntsim_sweep_merge(const char *const *json_paths, size_t count, ntsim_fail_on fail_on, ntsim_sweep_result **result);
void ntsim_sweep_print(FILE *out, const ntsim_sweep_result *result);
/* JSON (schema in docs/faults.md) and JUnit XML reports; path "-" is standard output. */
int ntsim_sweep_write_json(const ntsim_sweep_result *result, const char *path);
int ntsim_sweep_write_junit(const ntsim_sweep_result *result, const char *path);
#define NTSIM_SWEEP_JSON_SCHEMA 3
void ntsim_sweep_free(ntsim_sweep_result *result);

#ifdef __cplusplus
}
#endif
#endif
