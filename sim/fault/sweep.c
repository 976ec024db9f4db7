/* sweep.c - the systematic fault sweep (ntsim faults, ntsim_sweep_run).
 *
 * Run 0 loads the driver with nothing injected and records every failable call
 * (the injection points). Run N fails point N; in the second-order pass, run N+M also
 * fails call M of that run, a call only its failure path made. Runs are made in
 * fork()ed workers: many runs each (persistent mode: the image's writable data is put
 * back and the machine recreated between runs, docs/faults.md), or one each with
 * fork_per_run. A crash or a hang ends only the worker it happens in: it is a finding of
 * the run it was in, and a fresh worker takes the next run. Workers report through a
 * region of shared memory (the pipe carries only the end and an overflow: SweepOpenChannel)
 * in a line protocol (tab-separated):
 *   R <slot>                         (a run begins: its place in the batch)
 *   S <rc> <DriverEntry status>      (once DriverEntry has returned)
 *   P <index> <ddi> <class> <site>   (run 0 only: the injection points)
 *   N <index> <ddi> <class> <site>   (second order: a call only the failure path made)
 *   C <count>                        (how many such calls, before the bound)
 *   B <code> <name> <p1> <p2> <p3> <p4> <driver> <site> <explanation>   (a bug check)
 *   F <rule> <severity> <culprit site> <message>
 *   M                                (run 0 only, first: the image is mapped)
 *   T <seconds>                      (the run's wall time)
 *   E                                (last: the report above is complete)
 *   G <own> <shared>                 (the baseline's worker goes on with first-pass slots
 *                                     [0, own); the helper was sent [own, shared))
 *   H                                (the helper got its share and is ready)
 *   Z                                (the worker's very last line: every run it was given
 *                                     is complete, so its exit need not be waited for)
 * A run whose report has no E line ended some other way (the driver called exit, a
 * signal killed it, the host heap was wrecked): that is a finding of its own, never a
 * clean run. The parent merges reports in run order, so two sweeps print identical
 * reports. */
#include "sweepp.h"
#include "trace/trace.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

int IopCheckImageFile(const char *Path); /* sim/io/imagecheck.c */
void KiRestoreSignalHandlers(void);      /* sim/ke/bugcheck.c */

/* A run to make: fail point Run (0: the baseline, nothing fails) and, in the
 * second-order pass, also the Then-th failable call of that run. */
typedef struct _SWEEP_JOB {
    unsigned long Run, Then;
} SWEEP_JOB;

/* What every worker needs, inherited through fork. */
typedef struct _SWEEP_CONTEXT {
    const ntsim_sweep_options *Options;
    const char **Known;       /* "DDI<tab>site" of every baseline point, sorted (second order) */
    size_t KnownCount;
    unsigned Jobs;
    BOOLEAN Continue;         /* the baseline's worker may go on with the first pass (SweepMayContinue) */
    BOOLEAN ImageChecked;     /* the parent checked the file and its imports before forking: not again */
    BOOLEAN InProcess;        /* the runs are made in this process, not in workers (SweepMakeHere) */
    int HelperFd;             /* the baseline's worker: where it sends the helper its share (-1: no helper) */
} SWEEP_CONTEXT;

/* In the baseline's worker: the image is snapshotted, so it can go on with the runs. */
static BOOLEAN SweepSnapshotted;
extern BOOLEAN NtsimPersistentWorker; /* sim/host/machine.c */
void KiWarmUnwinder(void);              /* sim/ke/bugcheck.c */
static size_t SweepBaselinePoints;

/* A forked worker making the runs of slots First..Last-1 of a batch. */
typedef struct _SWEEP_REGION SWEEP_REGION;
typedef struct _SWEEP_WORKER {
    pid_t Pid;
    int Fd;
    SWEEP_REGION *Region;     /* the shared report channel, or NULL: all of it came by the pipe */
    size_t First, Last;
    double Start;
    char *Output;
    size_t Length, Capacity;
} SWEEP_WORKER;

/* One run's report as the parent received it, kept until its turn to be merged. */
typedef struct _SWEEP_DONE {
    char *Output;
    int WaitStatus;           /* 0 for a complete report; the worker's status for the run it died in */
    double Seconds;
    BOOLEAN Done;
} SWEEP_DONE;

static double SweepNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec + (double)T.tv_nsec / 1e9;
}

static BOOLEAN SweepInShard(const ntsim_sweep_options *Options, unsigned long Run)
{
    return Options->shard_count <= 1 || Run % Options->shard_count == Options->shard_index;
}

static void SweepClean(char *Text)
{
    for (char *P = Text; *P; P++)
        if (*P == '\t' || *P == '\n' || *P == '\r')
            *P = ' ';
}

/* The request sequence after a successful load: each named device of the driver is
 * opened, written, read, sent the given device controls, and closed. Reads and
 * controls are overlapped: one the driver pends is cancelled by the close, so the
 * scenario never waits on the driver. */
static void SweepScenario(ntsim_machine *Machine, ntsim_driver *Driver, const ntsim_sweep_options *Options)
{
    PDRIVER_OBJECT Object = ntsim_driver_object(Driver);
    for (PDEVICE_OBJECT D = Object->DeviceObject; D && !KiMachineCrashed(); D = D->NextDevice) {
        char Name[512];
        ObpGetObjectName(D, Name, sizeof(Name));
        ntsim_file *File;
        if (Name[0] == 0 || ntsim_open(Machine, Name, &File) != STATUS_SUCCESS)
            continue;
        char In[64] = "ntsim", Out[64];
        size_t N;
        ntsim_request *Request = NULL;
        if (ntsim_write(File, In, 5, &N) >= NTSIM_E_STATE && ntsim_read_async(File, Out, sizeof(Out), &Request) >= NTSIM_E_STATE)
            ntsim_request_free(Request);
        for (size_t i = 0; i < Options->ioctl_count && !KiMachineCrashed(); i++) {
            Request = NULL;
            if (ntsim_ioctl_async(File, Options->ioctls[i], In, sizeof(In), Out, sizeof(Out), &Request) >= NTSIM_E_STATE)
                ntsim_request_free(Request);
        }
        if (!KiMachineCrashed())
            ntsim_close(File);
    }
}

/* A WDM driver's run: bound to the hardware ID (on a root device of its own unless the
 * ID is one of the machine's), DriverEntry, AddDevice and START through the PnP manager.
 * The status reported is the device's: 0 when it started. */
static int SweepPnpStart(ntsim_machine *Machine, const ntsim_sweep_options *Options, int32_t *Status)
{
    const char *Id = Options->pnp_hardware_id;
    if (strncmp(Id, "ACPI\\", 5) != 0 && Id[0] != '*' && ntsim_pnp_add_root_device(Machine, "SWEEP", Id) != 0)
        return NTSIM_E_ARGS;
    int Rc = ntsim_pnp_bind(Machine, Id, Options->image, NULL, NTSIM_PNP_FUNCTION);
    if (Rc != 0)
        return Rc;
    *Status = ntsim_pnp_start(Machine);
    return 0;
}

/* An in-process sweep (SweepMakeHere): where a run that cannot go on returns to, and
 * the run's machine while it exists, to destroy it there. */
static struct {
    BOOLEAN Active;
    jmp_buf Jump;
    ntsim_machine *Machine;
} SweepHere;

/* The run cannot be made (the options, the machine or the image are at fault, not the
 * driver): an X line fails the sweep. A worker ends; in this process the run ends. */
static DECLSPEC_NORETURN void SweepChildError(FILE *Out, const char *Error)
{
    char *Text = KiHostStrdup(Error);
    SweepClean(Text);
    fprintf(Out, "X\t%s\n", Text);
    free(Text);
    if (SweepHere.Active) {
        fflush(Out);
        longjmp(SweepHere.Jump, 1);
    }
    fclose(Out);
    _exit(3);
}

static void SweepChildConfigure(FILE *Out, ntsim_machine *Machine, const ntsim_sweep_options *Options, unsigned long Nth,
                                unsigned long Then)
{
    char Spec[1024];
    size_t Used = (size_t)(Then  ? snprintf(Spec, sizeof(Spec), "nth=%lu+%lu", Nth, Then)
                           : Nth ? snprintf(Spec, sizeof(Spec), "nth=%lu", Nth)
                                 : snprintf(Spec, sizeof(Spec), "count"));
    if (!Options->scenario_open && Options->ioctl_count == 0 && !Options->pnp_hardware_id)
        Used += (size_t)snprintf(Spec + Used, sizeof(Spec) - Used, ",entry");
    if (Options->filter && *Options->filter)
        snprintf(Spec + Used, sizeof(Spec) - Used, ",%.900s", Options->filter);
    if (ntsim_fault_configure_string(Machine, Spec) != 0)
        SweepChildError(Out, ntsim_last_error());
    if (Options->reg_file && ntsim_reg_import_file(Machine, Options->reg_file) != 0)
        SweepChildError(Out, ntsim_last_error());
    for (size_t i = 0; i < Options->reg_file_count; i++)
        if (ntsim_reg_import_file(Machine, Options->reg_files[i]) != 0)
            SweepChildError(Out, ntsim_last_error());
}

/* --trace: the chosen run (--only N, else the baseline) writes the machine trace. */
static void SweepChildTrace(FILE *Out, ntsim_machine *Machine, const ntsim_sweep_options *Options, unsigned long Nth)
{
    if (!Options->trace_path || Nth != Options->only)
        return;
    if ((Options->trace_filter && ntsim_trace_filter(Machine, Options->trace_filter) != 0) ||
        ntsim_trace_start(Machine, Options->trace_path, ntsim_trace_format_for(Options->trace_path)) != 0)
        SweepChildError(Out, ntsim_last_error());
}

/* A bug-check parameter as reports show it: an address inside a loaded image
 * relative to that image (stable from run to run), anything else as it is. */
static void SweepRenderParameter(uint64_t Value, char *Buffer, size_t Size)
{
    Dl_info Info;
    if (Value >= 0x10000 && dladdr((void *)(uintptr_t)Value, &Info) && Info.dli_fname && Info.dli_fbase) {
        const char *Base = strrchr(Info.dli_fname, '/');
        snprintf(Buffer, Size, "%s+0x%llx", Base ? Base + 1 : Info.dli_fname,
                 (unsigned long long)(Value - (uint64_t)(uintptr_t)Info.dli_fbase));
        return;
    }
    snprintf(Buffer, Size, "0x%llX", (unsigned long long)Value);
}

static void SweepChildBugCheck(FILE *Out, ntsim_machine *Machine)
{
    ntsim_bugcheck Crash;
    if (!ntsim_machine_crashed(Machine, &Crash))
        return;
    char Params[4][128];
    for (int i = 0; i < 4; i++)
        SweepRenderParameter(Crash.params[i], Params[i], sizeof(Params[i]));
    char *Explanation = KiHostStrdup(Crash.explanation ? Crash.explanation : "");
    SweepClean(Explanation);
    fprintf(Out, "B\t0x%X\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", Crash.code, Crash.name, Params[0], Params[1], Params[2],
            Params[3], Crash.driver ? Crash.driver : "", Crash.site ? Crash.site : "", Explanation);
    free(Explanation);
}

/* The report of one run is complete: the machine goes (everything the driver left is
 * freed with it) before the end marker, so a host heap the run wrecked is that run's. */
static void SweepReportFindings(FILE *Out, ntsim_machine *Machine)
{
    SweepChildBugCheck(Out, Machine);
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++) {
        const ntsim_finding *F = ntsim_finding_at(Machine, i);
        char *Message = KiHostStrdup(F->message);
        SweepClean(Message);
        fprintf(Out, "F\t%s\t%d\t%s\t%s\n", F->rule, (int)F->severity, F->site, Message);
        free(Message);
    }
}

static int SweepCompareText(const void *A, const void *B)
{
    return strcmp(*(const char *const *)A, *(const char *const *)B);
}

/* Second-order candidates of run Nth: calls after the injected one from a DDI and line
 * the baseline never reached (the failure path's own calls), at most Options->second_order. */
static void SweepReportNewPoints(FILE *Out, ntsim_machine *Machine, const SWEEP_CONTEXT *Context, unsigned long Nth)
{
    size_t Found = 0;
    for (size_t i = Nth; i < ntsim_fault_point_count(Machine); i++) {
        const ntsim_fault_point *P = ntsim_fault_point_at(Machine, i);
        char Key[600];
        snprintf(Key, sizeof(Key), "%s\t%s", P->ddi, P->site);
        const char *Text = Key;
        if (Context->KnownCount && bsearch(&Text, Context->Known, Context->KnownCount, sizeof(char *), SweepCompareText))
            continue;
        if (Found++ < Context->Options->second_order)
            fprintf(Out, "N\t%lu\t%s\t%s\t%s\n", P->index, P->ddi, P->fault_class, P->site);
    }
    if (Found)
        fprintf(Out, "C\t%zu\n", Found);
}

/* The baseline's worker may make the first pass itself (SweepMayContinue): it keeps
 * the image's data as mapped, before DriverEntry runs. The loader then skips the
 * import check for the snapshotted image, so it is made here, with the loader's text. */
static void SweepSnapshotBaseline(FILE *Out, const SWEEP_CONTEXT *Context)
{
    if (!Context->Continue)
        return;
    if (!Context->ImageChecked && IopCheckImageImports(Context->Options->image) != 0)
        SweepChildError(Out, ntsim_last_error());
    SweepSnapshotted = IopSnapshotImage(Context->Options->image) == 0;
}

/* One run in this process, on a machine of its own: load with point Job->Run failing
 * (and Job->Then, second order), the scenario, Unload, the report. */
static void SweepRunOne(FILE *Out, const SWEEP_CONTEXT *Context, const SWEEP_JOB *Job)
{
    const ntsim_sweep_options *Options = Context->Options;
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL)
        SweepChildError(Out, ntsim_last_error());
    SweepHere.Machine = Machine;
    SweepChildConfigure(Out, Machine, Options, Job->Run, Job->Then);
    if (Job->Then == 0)
        SweepChildTrace(Out, Machine, Options, Job->Run);
    if (Job->Run == 0) {
        /* The baseline maps the image first, alone: a header that passed the checks but
         * still crashes the dynamic loader ends this child, not the sweep (the parent
         * maps the image only after this line). */
        void *Mapped;
        if ((Context->ImageChecked || IopCheckImageFile(Options->image) == 0) &&
            (Mapped = dlopen(Options->image, RTLD_NOW | RTLD_LOCAL)) != NULL) {
            fprintf(Out, "M\n");
            fflush(Out);
            if (Context->InProcess)
                dlclose(Mapped); /* (a reference of its own: the snapshot keeps it mapped) */
            SweepSnapshotBaseline(Out, Context);
        }
    }
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    int Rc = Options->pnp_hardware_id ? SweepPnpStart(Machine, Options, &Status)
                                      : ntsim_driver_load(Machine, Options->image, NULL, &Driver, &Status);
    if (Rc == NTSIM_E_LOAD || Rc == NTSIM_E_ARGS || Rc == NTSIM_E_STATE || Rc == NTSIM_E_IO)
        SweepChildError(Out, ntsim_last_error());
    if (Rc == 0)
        fprintf(Out, "S\t%d\t%d\n", Rc, Status);
    if (Rc == 0 && Driver) {
        if (Options->scenario_open || Options->ioctl_count)
            SweepScenario(Machine, Driver, Options);
        if (!KiMachineCrashed())
            ntsim_driver_unload(Driver);
    }
    if (Rc == 0 && Options->pnp_hardware_id && !KiMachineCrashed())
        ntsim_pnp_remove_all(Machine); /* REMOVE_DEVICE, then Unload with its audit */
    /* Only the baseline defines the points: run N's list would cost the parent
     * N lines to read for nothing. */
    for (size_t i = 0; Job->Run == 0 && i < ntsim_fault_point_count(Machine); i++) {
        const ntsim_fault_point *P = ntsim_fault_point_at(Machine, i);
        fprintf(Out, "P\t%lu\t%s\t%s\t%s\n", P->index, P->ddi, P->fault_class, P->site);
    }
    if (Job->Run == 0)
        SweepBaselinePoints = ntsim_fault_point_count(Machine);
    if (Job->Run && !Job->Then && Options->second_order)
        SweepReportNewPoints(Out, Machine, Context, Job->Run);
    SweepReportFindings(Out, Machine);
    if (Options->trace_path && Job->Then == 0 && Job->Run == Options->only)
        ntsim_trace_stop(Machine); /* the traced run: finish the file before the machine goes */
    SweepHere.Machine = NULL;
    ntsim_machine_destroy(Machine);
}

static void SweepWorkerRuns(FILE *Out, const SWEEP_CONTEXT *Context, const SWEEP_JOB *Jobs, size_t First, size_t Last)
{
    unsigned Timeout = Context->Options->timeout_seconds ? Context->Options->timeout_seconds : 20;
    for (size_t Slot = First; Slot < Last; Slot++) {
        double Start = SweepNow();
        fprintf(Out, "R\t%zu\n", Slot);
        if (!Context->InProcess) /* (in this process only a run its proof showed ends: SweepMayRunHere) */
            alarm(Timeout);
        SweepRunOne(Out, Context, &Jobs[Slot]);
        fprintf(Out, "T\t%.6f\nE\n", SweepNow() - Start);
        fflush(Out);
    }
    if (!Context->InProcess)
        alarm(0);
}

/* The first pass's runs, as the parent numbers them: point N's run for each point of
 * this shard (or only Options->only). Returns how many; Batch holds PointCount. */
static size_t SweepFirstPassJobs(const ntsim_sweep_options *Options, size_t PointCount, SWEEP_JOB *Batch)
{
    size_t N = 0;
    for (unsigned long Index = 1; Index <= PointCount; Index++)
        if ((Options->only == 0 || Options->only == Index) && SweepInShard(Options, Index)) {
            Batch[N].Run = Index;
            Batch[N++].Then = 0;
        }
    return N;
}

/* Runs per worker: one in fork-per-run mode; else the batch shared among the jobs, in
 * pieces of at most 256 so that a worker held up by a hang leaves work to the others. */
static size_t SweepChunk(size_t Count, unsigned Jobs, BOOLEAN Persistent)
{
    if (!Persistent || Count == 0)
        return 1;
    size_t Chunk = (Count + Jobs - 1) / Jobs;
    return Chunk > 256 ? 256 : Chunk;
}

/* A small first pass costs less made right here, after the baseline, than in workers
 * forked for it: one process for the whole sweep. */
#define SWEEP_SMALL_PASS 16
size_t NtsimSweepSmallPass = SWEEP_SMALL_PASS; /* white-box: tests make every pass a long one */

static BOOLEAN SweepMayContinue(const SWEEP_CONTEXT *Context, size_t Count)
{
    /* (not with a second-order pass: its candidates are judged against the baseline's
     * points, which only the parent has collected) */
    return Context->Continue && !Context->Options->second_order && (Count <= NtsimSweepSmallPass || Context->Jobs == 1);
}

static BOOLEAN SweepWriteAll(int Fd, const char *Data, size_t Size);

/* What the helper is sent: the baseline's point count (it numbers the first pass as the
 * parent does) and its slots. */
typedef struct _SWEEP_SHARE {
    size_t Points, First, Last;
    int Cpu;                  /* the CPU the baseline's worker runs on (-1: not known) */
} SWEEP_SHARE;

static int SweepCurrentCpu(void)
{
#if defined(__linux__)
    return sched_getcpu();
#else
    return -1;
#endif
}

/* How the first pass's first slots are shared: this worker makes [0, *Own), the helper
 * [*Own, *Shared). A small pass (or --jobs 1) is made here alone: halved with a helper
 * it took longer (the helper's fork, mapping and first machine cost more than the runs
 * it takes over). A large one, with --jobs 2, gives each of the two a worker's share
 * (the parent's workers make the rest); otherwise this worker stops after the baseline. */
static BOOLEAN SweepShareFirstPass(const SWEEP_CONTEXT *Context, size_t Count, size_t *Own, size_t *Shared)
{
    BOOLEAN Helper = Context->HelperFd >= 0;
    *Own = *Shared = Count;
    if (SweepMayContinue(Context, Count))
        return TRUE;
    if (!Helper || !Context->Continue || Context->Options->second_order || Context->Jobs != 2)
        return FALSE;
    size_t Chunk = SweepChunk(Count, Context->Jobs, TRUE);
    *Own = Chunk;
    *Shared = 2 * Chunk < Count ? 2 * Chunk : Count;
    if (*Shared == Count) {
        /* The whole pass between the two: run N goes N calls deep into DriverEntry before
         * its failure, so later runs cost more. Taking a run's cost as (Count/2 + N), the
         * first 0.618 of the runs are half of the work; this worker, already warm,
         * takes them (with halves, the helper's took twice as long: synthetic_findings). */
        *Own = (Count * 618 + 999) / 1000;
        *Own = *Own < Count ? *Own : Count - 1;
    }
    return TRUE;
}

/* The baseline's worker goes on: "G <own> <shared>", then the first pass's runs framed
 * as a worker's. The parent reads them as if a worker given slots [0, own) had made
 * them, and the helper's report as a worker's given [own, shared). */
static void SweepContinue(FILE *Out, const SWEEP_CONTEXT *Context)
{
    size_t Own = 0, Shared = 0;
    SWEEP_JOB *Batch = KiHostAlloc((SweepBaselinePoints ? SweepBaselinePoints : 1) * sizeof(SWEEP_JOB));
    size_t Count = SweepFirstPassJobs(Context->Options, SweepBaselinePoints, Batch);
    BOOLEAN Go = SweepSnapshotted && SweepShareFirstPass(Context, Count, &Own, &Shared);
    if (Go && Shared > Own) {
        /* (a helper that is gone must not take this worker with it: no SIGPIPE) */
        SWEEP_SHARE Share = { SweepBaselinePoints, Own, Shared, SweepCurrentCpu() };
        struct sigaction Ignore = { .sa_handler = SIG_IGN }, Old;
        sigaction(SIGPIPE, &Ignore, &Old);
        if (!SweepWriteAll(Context->HelperFd, (const char *)&Share, sizeof(Share)))
            Shared = Own; /* the parent gives the helper's share to a worker */
        sigaction(SIGPIPE, &Old, NULL);
    }
    if (Context->HelperFd >= 0)
        close(Context->HelperFd); /* the helper stops waiting now, not at this worker's exit */
    if (Go) {
        /* flushed: should its first run end this worker, the parent still knows the
         * split, and blames that run rather than making the pass again */
        fprintf(Out, "G\t%zu\t%zu\n", Own, Shared);
        fflush(Out);
        SweepWorkerRuns(Out, Context, Batch, 0, Own);
    }
    free(Batch);
}

/* The report channel. A worker's reports go into a region of shared memory mapped
 * before the fork rather than down the pipe: a write to a pipe wakes the parent, which
 * runs on the worker's CPU and takes it from the worker at each run (about 10-20 µs a
 * run). The worker's stdio stream keeps the pipe's buffering (the same size, flushed at
 * the same points: each run's end, "M", exit()), and a flush appends the bytes to the
 * region and publishes the new length with a release store. The region outlives the
 * worker, so a worker that dies leaves the parent everything it had flushed, exactly what
 * the pipe would have held. The pipe stays, for the end (EOF: the worker is gone or has
 * finished) and for a report larger than the region: from the first flush that does not
 * fit, everything goes down the pipe, so the region's bytes always come first. */
#define SWEEP_REGION_BYTES ((size_t)1 << 20)
#define SWEEP_REGION_POOL 8

struct _SWEEP_REGION {
    size_t Visible;           /* bytes published (release store by the worker) */
    char Data[];
};

#define SWEEP_REGION_DATA (SWEEP_REGION_BYTES - sizeof(SWEEP_REGION))

/* White-box (tests/faults/test_persistent.c): how much of a region a worker fills before
 * it goes on down the pipe (at most SWEEP_REGION_DATA), and whether a helper is forked
 * (0: when SweepHelperWorthIt says so, 1: whenever it may be, -1: never; 2 and 3:
 * whenever it may be, and it is lost, at once or once it has its share). */
size_t NtsimSweepRegionLimit = SWEEP_REGION_DATA;
int NtsimSweepHelperPolicy;

/* Regions are kept for the process's next workers: their pages are then already made. */
static SWEEP_REGION *SweepRegionPool[SWEEP_REGION_POOL];
static size_t SweepRegionFree;
static pthread_mutex_t SweepRegionLock = PTHREAD_MUTEX_INITIALIZER;

static SWEEP_REGION *SweepTakeRegion(void)
{
    SWEEP_REGION *Region = NULL;
    pthread_mutex_lock(&SweepRegionLock);
    if (SweepRegionFree)
        Region = SweepRegionPool[--SweepRegionFree];
    pthread_mutex_unlock(&SweepRegionLock);
    if (Region == NULL) {
        void *Map = mmap(NULL, SWEEP_REGION_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (Map == MAP_FAILED)
            return NULL; /* the pipe carries everything */
        Region = Map;
    }
    __atomic_store_n(&Region->Visible, 0, __ATOMIC_RELAXED);
    return Region;
}

static void SweepGiveRegion(SWEEP_REGION *Region)
{
    if (Region == NULL)
        return;
    pthread_mutex_lock(&SweepRegionLock);
    if (SweepRegionFree < SWEEP_REGION_POOL) {
        SweepRegionPool[SweepRegionFree++] = Region;
        Region = NULL;
    }
    pthread_mutex_unlock(&SweepRegionLock);
    if (Region)
        munmap(Region, SWEEP_REGION_BYTES);
}

/* The worker's end of the channel (its stdio stream's cookie). */
typedef struct _SWEEP_CHANNEL {
    SWEEP_REGION *Region;
    size_t Used;
    int Fd;
    BOOLEAN Overflowed;
} SWEEP_CHANNEL;

static SWEEP_CHANNEL SweepChannel;

static BOOLEAN SweepWriteAll(int Fd, const char *Data, size_t Size)
{
    while (Size) {
        ssize_t N = write(Fd, Data, Size);
        if (N < 0 && errno == EINTR)
            continue;
        if (N <= 0)
            return FALSE;
        Data += N;
        Size -= (size_t)N;
    }
    return TRUE;
}

static ssize_t SweepChannelWrite(void *Cookie, const char *Data, size_t Size)
{
    SWEEP_CHANNEL *Channel = Cookie;
    size_t Limit = NtsimSweepRegionLimit < SWEEP_REGION_DATA ? NtsimSweepRegionLimit : SWEEP_REGION_DATA;
    if (!Channel->Overflowed && Channel->Used <= Limit && Limit - Channel->Used >= Size) {
        memcpy(Channel->Region->Data + Channel->Used, Data, Size);
        Channel->Used += Size;
        __atomic_store_n(&Channel->Region->Visible, Channel->Used, __ATOMIC_RELEASE);
        return (ssize_t)Size;
    }
    Channel->Overflowed = TRUE;
    return SweepWriteAll(Channel->Fd, Data, Size) ? (ssize_t)Size : -1;
}

#if defined(__APPLE__)
static int SweepChannelWriteBsd(void *Cookie, const char *Data, int Size)
{
    return (int)SweepChannelWrite(Cookie, Data, (size_t)Size);
}
#endif

/* The worker's report stream: into Region when there is one, else straight down the
 * pipe. Buffered as a stream on the pipe would be (its st_blksize), so a worker that
 * dies leaves the same bytes behind either way. */
static FILE *SweepOpenChannel(SWEEP_REGION *Region, int Fd)
{
    FILE *Out = NULL;
#if defined(__GLIBC__) || defined(__APPLE__)
    if (Region) {
        SweepChannel = (SWEEP_CHANNEL){ .Region = Region, .Fd = Fd };
#if defined(__GLIBC__)
        cookie_io_functions_t Functions = { .write = SweepChannelWrite };
        Out = fopencookie(&SweepChannel, "w", Functions);
#else
        Out = funopen(&SweepChannel, NULL, SweepChannelWriteBsd, NULL, NULL);
#endif
    }
    struct stat Info;
    if (Out && fstat(Fd, &Info) == 0 && Info.st_blksize > 0)
        setvbuf(Out, KiHostAlloc((size_t)Info.st_blksize), _IOFBF, (size_t)Info.st_blksize);
#else
    (void)Region;
#endif
    return Out ? Out : fdopen(Fd, "w");
}

/* The parent's end: what the worker published in the region, then what came down the
 * pipe, as one report (Worker->Output). The region goes back to the pool. */
static void SweepCollect(SWEEP_WORKER *Worker)
{
    SWEEP_REGION *Region = Worker->Region;
    if (Region == NULL)
        return;
    size_t Visible = __atomic_load_n(&Region->Visible, __ATOMIC_ACQUIRE);
    if (Visible > SWEEP_REGION_DATA)
        Visible = SWEEP_REGION_DATA; /* (only the worker writes it; never trust it blindly) */
    char *Output = KiHostAlloc(Visible + Worker->Length + 1);
    memcpy(Output, Region->Data, Visible);
    if (Worker->Length)
        memcpy(Output + Visible, Worker->Output, Worker->Length);
    free(Worker->Output);
    Worker->Output = Output;
    Worker->Length += Visible;
    Worker->Capacity = Worker->Length + 1;
    Worker->Region = NULL;
    SweepGiveRegion(Region);
}

static void SweepWorkerSetup(const SWEEP_CONTEXT *Context)
{
    /* every run's machine is the default PC: one registry build per worker (not worth
     * keeping for a child that makes a single run) */
    NtsimPersistentWorker = !Context->Options->fork_per_run;
#if defined(__GLIBC__)
    /* Each machine allocates a blank 1.44 MB floppy. glibc raises its mmap threshold
     * after the first such block is freed, and every later one would come from the
     * heap and be cleared by hand, page by page; fixed, each is a fresh zero mapping
     * that a run which never reads the floppy never touches. */
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

/* Every run the worker was given is reported complete: "Z", and its exit can change no
 * verdict, so the parent need not wait for it (SweepReap). */
static DECLSPEC_NORETURN void SweepWorkerExit(FILE *Out, int Fd)
{
    fputs("Z\n", Out);
    fclose(Out);
    if (SweepChannel.Region)
        close(Fd); /* (the stream on the region does not own the pipe) */
    _exit(0);
}

/* A worker: the runs Jobs[First..Last) one after the other in this process, each
 * report framed by "R <slot>" and "E". The alarm is the per-run watchdog: a hang ends
 * the worker with SIGALRM, and the parent names the run it was in. */
static DECLSPEC_NORETURN void SweepWorkerMain(const SWEEP_CONTEXT *Context, const SWEEP_JOB *Jobs, size_t First,
                                             size_t Last, int Fd, SWEEP_REGION *Region)
{
    FILE *Out = SweepOpenChannel(Region, Fd);
    SweepWorkerSetup(Context);
    SweepWorkerRuns(Out, Context, Jobs, First, Last);
    if (Context->Continue && Last - First == 1 && Jobs[First].Run == 0)
        SweepContinue(Out, Context);
    SweepWorkerExit(Out, Fd);
}

/* A forked child starts on its parent's CPU, and an idle CPU takes a waiting task only
 * at its next balancing tick: a helper could share a CPU with the baseline's worker for
 * the whole pass while the other stays idle. It moves itself from Cpu to the next CPU it
 * may run on, then gives the scheduler all of them back (the move stays; nothing is
 * pinned): at its start (off its parent's CPU) and, should it be on the baseline
 * worker's CPU when its share comes, off that one. */
static void SweepMoveFromCpu(int Cpu)
{
#if defined(__linux__)
    cpu_set_t Allowed, One;
    if (Cpu < 0 || sched_getaffinity(0, sizeof(Allowed), &Allowed) != 0 || CPU_COUNT(&Allowed) < 2)
        return;
    for (int i = 1; i < CPU_SETSIZE; i++) {
        int Other = (Cpu + i) % CPU_SETSIZE;
        if (CPU_ISSET(Other, &Allowed)) {
            CPU_ZERO(&One);
            CPU_SET(Other, &One);
            if (sched_setaffinity(0, sizeof(One), &One) == 0)
                sched_setaffinity(0, sizeof(Allowed), &Allowed);
            return;
        }
    }
#else
    (void)Cpu;
#endif
}

static BOOLEAN SweepReadAll(int Fd, void *Buffer, size_t Size)
{
    char *At = Buffer;
    while (Size) {
        ssize_t N = read(Fd, At, Size);
        if (N < 0 && errno == EINTR)
            continue;
        if (N <= 0)
            return FALSE;
        At += N;
        Size -= (size_t)N;
    }
    return TRUE;
}

static ssize_t SweepDiscardWrite(void *Cookie, const char *Data, size_t Size)
{
    (void)Cookie;
    (void)Data;
    return (ssize_t)Size;
}

#if defined(__APPLE__)
static int SweepDiscardWriteBsd(void *Cookie, const char *Data, int Size)
{
    return (int)SweepDiscardWrite(Cookie, Data, (size_t)Size);
}
#endif

/* A stream whose bytes go nowhere (the helper's warm-up report). */
static FILE *SweepDiscardStream(void)
{
#if defined(__GLIBC__)
    cookie_io_functions_t Functions = { .write = SweepDiscardWrite };
    return fopencookie(NULL, "w", Functions);
#elif defined(__APPLE__)
    return funopen(NULL, NULL, SweepDiscardWriteBsd, NULL, NULL);
#else
    return fopen("/dev/null", "w");
#endif
}

/* The helper gets ready the way the baseline's worker does: it makes the baseline's run
 * (its report dropped), which maps and snapshots the image and leaves it as warm as the
 * baseline's worker (the first machine, special pool's chunks, the symbolizer's tables
 * of the image: a findings driver's first runs cost twice as much without them). Under
 * the run timeout like any run: a baseline that hangs ends the helper too. A traced
 * sweep (--trace) traces the baseline: the helper then only maps and snapshots. */
static BOOLEAN SweepWarmHelper(const SWEEP_CONTEXT *Context)
{
    const ntsim_sweep_options *Options = Context->Options;
    FILE *Sink = Options->trace_path ? NULL : SweepDiscardStream();
    if (Sink == NULL)
        return IopSnapshotImage(Options->image) == 0;
    SWEEP_JOB Baseline = { 0, 0 };
    alarm(Options->timeout_seconds ? Options->timeout_seconds : 20);
    SweepRunOne(Sink, Context, &Baseline);
    alarm(0);
    fclose(Sink);
    return SweepSnapshotted;
}

/* The helper: a second persistent worker, forked with the baseline's, that gets ready
 * while the baseline runs (the image mapped and snapshotted, a first machine made and
 * destroyed: the registry template), then makes the share of a long first pass the
 * baseline's worker sends it (SweepContinue). It is forked only when the pass is known
 * to be long (SweepHelperWorthIt). "H" says it got a share and is ready: a helper that
 * ends before it is the sweep's loss of a helper, not a finding of a run (its share is
 * given to a fresh worker). Sent nothing (the baseline failed, the pass was short this
 * time): it ends. Mapping the image in parallel with the baseline's worker is safe: an
 * image the dynamic loader crashes on ends both children, and the baseline's report
 * says so. */
static DECLSPEC_NORETURN void SweepHelperMain(const SWEEP_CONTEXT *Context, int Assign, int Fd, SWEEP_REGION *Region)
{
    if (NtsimSweepHelperPolicy == 2)
        _exit(1); /* white-box: a helper lost before it is ready */
    SweepMoveFromCpu(SweepCurrentCpu());
    FILE *Out = SweepOpenChannel(Region, Fd);
    SweepWorkerSetup(Context);
    const ntsim_sweep_options *Options = Context->Options;
    BOOLEAN Ready = SweepWarmHelper(Context);
    SWEEP_SHARE Share;
    BOOLEAN Sent = SweepReadAll(Assign, &Share, sizeof(Share));
    if (NtsimSweepHelperPolicy == 3)
        _exit(1); /* white-box: a helper lost once it has its share */
    if (Sent && Share.Cpu >= 0 && Share.Cpu == SweepCurrentCpu())
        SweepMoveFromCpu(Share.Cpu);
    if (Sent && Ready && Share.First < Share.Last && Share.Last <= Share.Points) {
        SWEEP_JOB *Batch = KiHostAlloc((Share.Points ? Share.Points : 1) * sizeof(SWEEP_JOB));
        if (Share.Last <= SweepFirstPassJobs(Options, Share.Points, Batch)) {
            fprintf(Out, "H\n");
            fflush(Out); /* (into the region: no system call) */
            SweepWorkerRuns(Out, Context, Batch, Share.First, Share.Last);
        }
        free(Batch);
    }
    close(Assign);
    SweepWorkerExit(Out, Fd);
}

/* The body of a worker's loop, callable in this process (white-box tests run it many
 * times in one process under LeakSanitizer): run (Run, Then), its report to Out. */
void NtsimSweepRunHere(const ntsim_sweep_options *Options, unsigned long Run, unsigned long Then, FILE *Out)
{
    SWEEP_CONTEXT Context = { .Options = Options, .HelperFd = -1 };
    SWEEP_JOB Job = { Run, Then };
    SweepRunOne(Out, &Context, &Job);
    fprintf(Out, "E\n");
    fflush(Out);
}

static int SweepStart(const SWEEP_CONTEXT *Context, const SWEEP_JOB *Jobs, size_t First, size_t Last,
                      SWEEP_WORKER *Worker)
{
    int Pipe[2];
    if (pipe(Pipe) != 0)
        return -1;
    /* (a child per run makes one run: no wakeup to save, the region would only cost) */
    SWEEP_REGION *Region = Context->Options->fork_per_run ? NULL : SweepTakeRegion();
    fflush(NULL);
    double Start = SweepNow();
    pid_t Pid = fork();
    if (Pid < 0) {
        close(Pipe[0]);
        close(Pipe[1]);
        SweepGiveRegion(Region);
        return -1;
    }
    if (Pid == 0) {
        close(Pipe[0]);
        SweepWorkerMain(Context, Jobs, First, Last, Pipe[1], Region);
    }
    close(Pipe[1]);
    memset(Worker, 0, sizeof(*Worker));
    Worker->Region = Region;
    Worker->Pid = Pid;
    Worker->Fd = Pipe[0];
    Worker->First = First;
    Worker->Last = Last;
    Worker->Start = Start;
    return 0;
}

static BOOLEAN SweepRead(SWEEP_WORKER *Worker)
{
    if (Worker->Length + 4096 > Worker->Capacity) {
        Worker->Capacity = Worker->Capacity ? Worker->Capacity * 2 : 16384;
        Worker->Output = KiHostRealloc(Worker->Output, Worker->Capacity);
    }
    ssize_t N = read(Worker->Fd, Worker->Output + Worker->Length, Worker->Capacity - Worker->Length - 1);
    if (N < 0 && errno == EINTR)
        return TRUE;
    if (N <= 0)
        return FALSE;
    Worker->Length += (size_t)N;
    return TRUE;
}

/* Host addresses (0x7ffe..., 12 or more significant hex digits) differ from run to run
 * under ASLR; free text shows them as "0x?" so that two sweeps print identical
 * reports. Bug-check parameters never pass through here (SweepRenderParameter). */
static char *SweepStableText(const char *Text)
{
    char *Out = KiHostStrdup(Text), *W = Out;
    for (const char *P = Text; *P;) {
        if (P[0] == '0' && (P[1] == 'x' || P[1] == 'X')) {
            size_t Zeros = strspn(P + 2, "0");
            size_t Digits = strspn(P + 2, "0123456789abcdefABCDEF");
            if (Digits - Zeros >= 12) {
                memcpy(W, "0x?", 3);
                W += 3;
                P += 2 + Digits;
                continue;
            }
        }
        *W++ = *P++;
    }
    *W = 0;
    return Out;
}

SWEEP_BUGCHECK *SweepBugCheckOf(ntsim_sweep_result *R, unsigned long Run)
{
    if (Run == 0)
        return &R->BaselineBugCheck;
    return R->BugChecks && Run <= R->PointCount ? &R->BugChecks[Run - 1] : NULL;
}

ntsim_sweep_point *SweepRunRecord(ntsim_sweep_result *R, unsigned long Run)
{
    if (Run == 0)
        return &R->Baseline;
    return Run <= R->PointCount ? &R->Points[Run - 1] : NULL;
}

/* Second-order records are appended in (Run, Then) order: a binary search finds one. */
static size_t SweepSecondSlot(const ntsim_sweep_result *R, unsigned long Run, unsigned long Then)
{
    size_t Low = 0, High = R->SecondCount;
    while (Low < High) {
        size_t Mid = (Low + High) / 2;
        const ntsim_sweep_point *P = &R->Seconds[Mid];
        if (P->index < Run || (P->index == Run && P->then < Then))
            Low = Mid + 1;
        else
            High = Mid;
    }
    return Low;
}

ntsim_sweep_point *SweepSecondRecord(ntsim_sweep_result *R, unsigned long Run, unsigned long Then)
{
    size_t i = SweepSecondSlot(R, Run, Then);
    return i < R->SecondCount && R->Seconds[i].index == Run && R->Seconds[i].then == Then ? &R->Seconds[i] : NULL;
}

SWEEP_BUGCHECK *SweepSecondBugCheck(ntsim_sweep_result *R, unsigned long Run, unsigned long Then)
{
    ntsim_sweep_point *P = SweepSecondRecord(R, Run, Then);
    return P ? &R->SecondBugChecks[P - R->Seconds] : NULL;
}

static ntsim_sweep_point *SweepRecordOf(ntsim_sweep_result *R, unsigned long Run, unsigned long Then)
{
    return Then ? SweepSecondRecord(R, Run, Then) : SweepRunRecord(R, Run);
}

static SWEEP_BUGCHECK *SweepBugCheckFor(ntsim_sweep_result *R, unsigned long Run, unsigned long Then)
{
    return Then ? SweepSecondBugCheck(R, Run, Then) : SweepBugCheckOf(R, Run);
}

ntsim_sweep_point *SweepAddSecond(ntsim_sweep_result *R, unsigned long Run, unsigned long Then, const char *Ddi,
                                  const char *Class, const char *Site)
{
    size_t At = SweepSecondSlot(R, Run, Then);
    R->Seconds = KiHostRealloc(R->Seconds, (R->SecondCount + 1) * sizeof(*R->Seconds));
    R->SecondBugChecks = KiHostRealloc(R->SecondBugChecks, (R->SecondCount + 1) * sizeof(*R->SecondBugChecks));
    memmove(&R->Seconds[At + 1], &R->Seconds[At], (R->SecondCount - At) * sizeof(*R->Seconds));
    memmove(&R->SecondBugChecks[At + 1], &R->SecondBugChecks[At], (R->SecondCount - At) * sizeof(*R->SecondBugChecks));
    R->SecondCount++;
    ntsim_sweep_point *P = &R->Seconds[At];
    memset(P, 0, sizeof(*P));
    memset(&R->SecondBugChecks[At], 0, sizeof(R->SecondBugChecks[At]));
    const ntsim_sweep_point *First = SweepRunRecord(R, Run);
    P->index = Run;
    P->ddi = KiHostStrdup(First ? First->ddi : "");
    P->fault_class = KiHostStrdup(First ? First->fault_class : "");
    P->site = KiHostStrdup(First ? First->site : "");
    P->ended = KiHostStrdup("");
    P->then = Then;
    P->then_ddi = KiHostStrdup(Ddi);
    P->then_class = KiHostStrdup(Class);
    P->then_site = KiHostStrdup(Site);
    return P;
}

void SweepAddFinding(ntsim_sweep_result *R, unsigned long Run, unsigned long Then, const char *Rule,
                     ntsim_severity Severity, const char *Culprit, char *Message)
{
    if (R->FindingCount == R->FindingCapacity) {
        R->FindingCapacity = R->FindingCapacity ? R->FindingCapacity * 2 : 32;
        R->Findings = KiHostRealloc(R->Findings, R->FindingCapacity * sizeof(*R->Findings));
    }
    ntsim_sweep_finding *F = &R->Findings[R->FindingCount++];
    F->run = Run;
    F->then = Then;
    F->rule = KiHostStrdup(Rule);
    F->severity = Severity;
    const ntsim_sweep_point *P = Run && Run <= R->PointCount ? &R->Points[Run - 1] : NULL;
    F->ddi = KiHostStrdup(P ? P->ddi : "");
    F->site = KiHostStrdup(P ? P->site : "");
    F->culprit = KiHostStrdup(Culprit ? Culprit : "");
    F->message = Message; /* takes ownership */
}

static void SweepAddPoint(ntsim_sweep_result *R, char **Fields)
{
    R->Points = KiHostRealloc(R->Points, (R->PointCount + 1) * sizeof(*R->Points));
    ntsim_sweep_point *P = &R->Points[R->PointCount++];
    memset(P, 0, sizeof(*P));
    P->index = strtoul(Fields[1], NULL, 10);
    P->ddi = KiHostStrdup(Fields[2]);
    P->fault_class = KiHostStrdup(Fields[3]);
    P->site = KiHostStrdup(Fields[4]);
    P->ended = KiHostStrdup("");
}

static void SweepSetBugCheck(SWEEP_BUGCHECK *B, char **Fields)
{
    B->Name = KiHostStrdup(Fields[2]);
    for (int i = 0; i < 4; i++)
        B->Params[i] = KiHostStrdup(Fields[3 + i]);
    B->Driver = KiHostStrdup(Fields[7]);
    B->Site = KiHostStrdup(Fields[8]);
    B->Explanation = KiHostStrdup(Fields[9]);
}

/* The BUGCHECK finding's text, with the parameters as rendered in the child. */
static char *SweepBugCheckMessage(const SWEEP_BUGCHECK *B, const char *Code)
{
    char *Stable = SweepStableText(B->Explanation);
    char *Text = KiHostPrintf("bug check %s %s (%s, %s, %s, %s): %s", Code, B->Name, B->Params[0], B->Params[1],
                              B->Params[2], B->Params[3], Stable);
    free(Stable);
    return Text;
}

/* A run that gave no complete report: say how it ended, and where it was. */
static int SweepNoVerdict(ntsim_sweep_result *R, const SWEEP_JOB *Job, int WaitStatus, BOOLEAN EntryReturned,
                          int32_t EntryStatus, unsigned Timeout, ntsim_sweep_point *Record)
{
    int Signal = WIFSIGNALED(WaitStatus) ? WTERMSIG(WaitStatus) : 0;
    char How[128], Where[160];
    if (Signal == SIGALRM)
        snprintf(How, sizeof(How), "timeout");
    else if (Signal)
        snprintf(How, sizeof(How), "signal %d (%s)", Signal, strsignal(Signal));
    else
        snprintf(How, sizeof(How), "exit status %d", WIFEXITED(WaitStatus) ? WEXITSTATUS(WaitStatus) : -1);
    if (EntryReturned)
        snprintf(Where, sizeof(Where), "after DriverEntry returned %s", ntsim_status_name(EntryStatus));
    else
        snprintf(Where, sizeof(Where), "while DriverEntry ran");
    char *Message = Signal == SIGALRM
                        ? KiHostPrintf("the run did not finish in %u s (hang) %s", Timeout, Where)
                        : KiHostPrintf("run ended without a verdict: %s, %s", How, Where);
    SweepAddFinding(R, Job->Run, Job->Then, Signal == SIGALRM ? "HANG" : "CRASH", NTSIM_SEV_ERROR, "", Message);
    if (Record) {
        free((char *)Record->ended);
        Record->ended = KiHostStrdup(How);
    }
    return NTSIM_RUN_NO_VERDICT;
}

/* What one run's report said, line by line. */
typedef struct _SWEEP_PARSED {
    int Outcome;
    int32_t EntryStatus;
    BOOLEAN EntryReturned, Ended, Mapped;
    char BugCheckCode[32];
    double Seconds;
} SWEEP_PARSED;

/* One line of a run's report (fields split at tabs). FALSE: an X line, the sweep fails. */
static BOOLEAN SweepParseLine(ntsim_sweep_result *R, const SWEEP_JOB *Job, char **Fields, int N, SWEEP_PARSED *Out,
                              char *Error, size_t ErrorSize)
{
    switch (Fields[0][0]) {
    case 'X':
        snprintf(Error, ErrorSize, "%s", N >= 2 ? Fields[1] : "the run failed");
        return FALSE;
    case 'S':
        if (N >= 3) {
            Out->EntryReturned = TRUE;
            Out->EntryStatus = (int32_t)strtol(Fields[2], NULL, 10);
        }
        break;
    case 'P':
        if (N >= 5 && Job->Run == 0)
            SweepAddPoint(R, Fields);
        break;
    case 'N':
        if (N >= 5 && Job->Then == 0 && Job->Run)
            SweepAddSecond(R, Job->Run, strtoul(Fields[1], NULL, 10), Fields[2], Fields[3], Fields[4]);
        break;
    case 'C':
        if (N >= 2)
            R->SecondCandidates += strtoul(Fields[1], NULL, 10);
        break;
    case 'T':
        if (N >= 2)
            Out->Seconds = strtod(Fields[1], NULL);
        break;
    case 'B': {
        SWEEP_BUGCHECK *B = SweepBugCheckFor(R, Job->Run, Job->Then);
        if (N >= 10 && B) {
            SweepSetBugCheck(B, Fields);
            snprintf(Out->BugCheckCode, sizeof(Out->BugCheckCode), "%s", Fields[1]);
        }
        break;
    }
    case 'F':
        if (N >= 5) {
            ntsim_severity Severity = (ntsim_severity)atoi(Fields[2]);
            const SWEEP_BUGCHECK *B = SweepBugCheckFor(R, Job->Run, Job->Then);
            char *Message = strcmp(Fields[1], "BUGCHECK") == 0 && B && B->Name
                                ? SweepBugCheckMessage(B, Out->BugCheckCode)
                                : SweepStableText(Fields[4]);
            SweepAddFinding(R, Job->Run, Job->Then, Fields[1], Severity, Fields[3], Message);
            int O = Severity == NTSIM_SEV_ERROR ? NTSIM_RUN_ERRORS : Severity == NTSIM_SEV_WARNING ? NTSIM_RUN_WARNINGS : 0;
            if (O > Out->Outcome)
                Out->Outcome = O;
        }
        break;
    case 'E': Out->Ended = TRUE; break;
    case 'M': Out->Mapped = TRUE; break;
    }
    return TRUE;
}

/* Parse one run's report. Run 0 also defines the injection points. */
static int SweepParse(ntsim_sweep_result *R, const ntsim_sweep_options *Options, const SWEEP_JOB *Job,
                      SWEEP_DONE *Done, char *Error, size_t ErrorSize)
{
    SWEEP_PARSED Parsed;
    memset(&Parsed, 0, sizeof(Parsed));
    Parsed.Seconds = Done->Seconds;
    char *Save = NULL;
    for (char *Line = strtok_r(Done->Output, "\n", &Save); Line; Line = strtok_r(NULL, "\n", &Save)) {
        char *Fields[12] = { 0 };
        int N = 0;
        /* strsep, not strtok: an empty field (a finding with no source line) counts */
        for (char *Rest = Line, *F; N < 12 && (F = strsep(&Rest, "\t")) != NULL;)
            Fields[N++] = F;
        if (!SweepParseLine(R, Job, Fields, N, &Parsed, Error, ErrorSize))
            return -1;
    }
    int WaitStatus = Done->WaitStatus;
    if (Job->Run == 0 && !Parsed.Mapped) {
        int Signal = WIFSIGNALED(WaitStatus) ? WTERMSIG(WaitStatus) : 0;
        snprintf(Error, ErrorSize, "%s: corrupt image: the dynamic loader could not map it (%s %d)", R->Image,
                 Signal ? "signal" : "exit status", Signal ? Signal : WIFEXITED(WaitStatus) ? WEXITSTATUS(WaitStatus) : -1);
        return -1;
    }
    if (Job->Run == 0 && R->BugChecks == NULL)
        R->BugChecks = KiHostAlloc((R->PointCount ? R->PointCount : 1) * sizeof(*R->BugChecks));
    ntsim_sweep_point *Record = SweepRecordOf(R, Job->Run, Job->Then);
    int Outcome = Parsed.Outcome;
    if (!Parsed.Ended || !WIFEXITED(WaitStatus) || WEXITSTATUS(WaitStatus) != 0)
        Outcome = SweepNoVerdict(R, Job, WaitStatus, Parsed.EntryReturned, Parsed.EntryStatus,
                                 Options->timeout_seconds ? Options->timeout_seconds : 20, Record);
    if (Record) {
        Record->ran = 1;
        Record->entry_returned = Parsed.EntryReturned;
        Record->entry_status = Parsed.EntryReturned ? Parsed.EntryStatus : 0;
        Record->outcome = Outcome;
        Record->bugcheck_code = Parsed.BugCheckCode[0] ? (uint32_t)strtoul(Parsed.BugCheckCode, NULL, 16) : 0;
        Record->seconds = Parsed.Seconds;
    }
    return 0;
}

/* The slot a "R <slot>" line starts, or -1. */
static long SweepSlotLine(const char *Line)
{
    return Line[0] == 'R' && Line[1] == '\t' ? strtol(Line + 2, NULL, 10) : -1;
}

/* A worker ended: cut its output into the reports of the runs it made. A run without
 * its end marker is the one the worker died in: it gets the worker's wait status.
 * Returns the first slot the worker did not reach (to give to a fresh worker). */
static size_t SweepSplit(SWEEP_WORKER *Worker, int Status, SWEEP_DONE *Done)
{
    double Elapsed = SweepNow() - Worker->Start, Counted = 0;
    Worker->Output = Worker->Output ? Worker->Output : KiHostAlloc(1);
    Worker->Output[Worker->Length] = 0;
    size_t Next = Worker->First;
    char *Segment = NULL;
    long Slot = -1;
    for (char *P = Worker->Output;; ) {
        char *End = strchr(P, '\n');
        long Start = SweepSlotLine(P);
        if (Start >= 0 || End == NULL) {
            if (Slot >= (long)Worker->First && Slot < (long)Worker->Last) {
                size_t Length = (size_t)(P - Segment);
                SWEEP_DONE *D = &Done[Slot];
                D->Output = KiHostAlloc(Length + 1);
                memcpy(D->Output, Segment, Length);
                D->Output[Length] = 0;
                BOOLEAN Complete = Length >= 2 && strstr(D->Output, "\nE\n") != NULL;
                D->WaitStatus = Complete ? 0 : Status;
                const char *T = strstr(D->Output, "\nT\t");
                D->Seconds = T ? strtod(T + 3, NULL) : Elapsed - Counted;
                Counted += D->Seconds;
                D->Done = TRUE;
                Next = (size_t)Slot + 1;
            }
            if (End == NULL)
                break;
            Slot = Start;
            Segment = End; /* from the newline: every line of the report follows a '\n' */
        }
        P = End + 1;
    }
    if (Next == Worker->First) { /* it died before its first run began */
        Done[Next].Output = KiHostStrdup("");
        Done[Next].WaitStatus = Status;
        Done[Next].Seconds = Elapsed;
        Done[Next].Done = TRUE;
        Next++;
    }
    return Next;
}

/* Work not yet given to a worker: fresh slots from Next, and ranges a worker that died
 * left unmade (made first, so slots finish roughly in order). */
typedef struct _SWEEP_QUEUE {
    size_t Next, Count, Chunk;
    size_t (*Left)[2];
    size_t LeftCount;
} SWEEP_QUEUE;

static BOOLEAN SweepTake(SWEEP_QUEUE *Q, size_t *First, size_t *Last)
{
    if (Q->LeftCount) {
        Q->LeftCount--;
        *First = Q->Left[Q->LeftCount][0];
        *Last = Q->Left[Q->LeftCount][1];
        return TRUE;
    }
    if (Q->Next >= Q->Count)
        return FALSE;
    *First = Q->Next;
    *Last = Q->Count - Q->Next < Q->Chunk ? Q->Count : Q->Next + Q->Chunk;
    Q->Next = *Last;
    return TRUE;
}

static void SweepGiveBack(SWEEP_QUEUE *Q, size_t First, size_t Last)
{
    if (First >= Last)
        return;
    Q->Left[Q->LeftCount][0] = First;
    Q->Left[Q->LeftCount][1] = Last;
    Q->LeftCount++;
}

/* The first pass as the baseline's worker made it (after its "G" line: slots [0, Own)),
 * with how that worker ended, and the helper's report (slots [Own, Shared)), for the
 * first pass to take as made. */
typedef struct _SWEEP_TAIL {
    char *Output;
    int Status;
    BOOLEAN Present;
    size_t Own, Shared;
    char *HelperOutput;       /* NULL: the helper made none of its share (it is given again) */
    int HelperStatus;
} SWEEP_TAIL;

static void SweepCutTail(SWEEP_WORKER *Worker, int Status, SWEEP_TAIL *Tail)
{
    Worker->Output = Worker->Output ? Worker->Output : KiHostAlloc(1);
    Worker->Output[Worker->Length] = 0;
    char *Go = strstr(Worker->Output, "\nG\t");
    if (Go == NULL)
        return;
    char *End;
    Tail->Own = strtoul(Go + 3, &End, 10);
    Tail->Shared = strtoul(End, &End, 10);
    End = strchr(End, '\n');
    if (End == NULL)
        return;
    Tail->Output = KiHostStrdup(End + 1);
    Tail->Status = Status;
    Tail->Present = TRUE;
    Worker->Length = (size_t)(Go + 1 - Worker->Output);
}

/* Workers that finished every run they were given and are still exiting: their wait
 * status can change no verdict (SweepSplit gives complete runs status 0), so the parent
 * goes on (parses, starts the next worker) while the kernel tears them down, and reaps
 * them at the end of the sweep (SweepReapFinished). */
static pid_t *SweepExiting;
static size_t SweepExitingCount, SweepExitingCapacity;
static pthread_mutex_t SweepExitingLock = PTHREAD_MUTEX_INITIALIZER;

static void SweepLetExit(pid_t Pid)
{
    pthread_mutex_lock(&SweepExitingLock);
    if (SweepExitingCount == SweepExitingCapacity) {
        SweepExitingCapacity = SweepExitingCapacity ? SweepExitingCapacity * 2 : 8;
        SweepExiting = KiHostRealloc(SweepExiting, SweepExitingCapacity * sizeof(pid_t));
    }
    SweepExiting[SweepExitingCount++] = Pid;
    pthread_mutex_unlock(&SweepExitingLock);
}

/* Reap the finished workers that are gone (Wait: wait for every one). A worker some
 * other code of this process reaped (waitpid(-1)) is gone as well. */
static void SweepReapFinished(BOOLEAN Wait)
{
    pthread_mutex_lock(&SweepExitingLock);
    for (size_t i = 0; i < SweepExitingCount;) {
        pid_t Got;
        while ((Got = waitpid(SweepExiting[i], NULL, Wait ? 0 : WNOHANG)) < 0 && errno == EINTR)
            ;
        if (Got == 0) {
            i++;
            continue;
        }
        SweepExiting[i] = SweepExiting[--SweepExitingCount];
    }
    pthread_mutex_unlock(&SweepExitingLock);
}

/* The worker's last line says it finished: take the line off and say so. */
static BOOLEAN SweepFinished(SWEEP_WORKER *Worker)
{
    size_t N = Worker->Length;
    if (N < 2 || Worker->Output[N - 2] != 'Z' || Worker->Output[N - 1] != '\n' || (N > 2 && Worker->Output[N - 3] != '\n'))
        return FALSE;
    Worker->Length -= 2;
    return TRUE;
}

static void SweepReap(SWEEP_WORKER *Worker, SWEEP_DONE *Done, SWEEP_QUEUE *Queue, SWEEP_TAIL *Tail)
{
    close(Worker->Fd);
    SweepCollect(Worker);
    int Status = 0;
    if (SweepFinished(Worker))
        SweepLetExit(Worker->Pid);
    else
        while (waitpid(Worker->Pid, &Status, 0) < 0 && errno == EINTR)
            ;
    if (Tail)
        SweepCutTail(Worker, Status, Tail);
    size_t Next = SweepSplit(Worker, Status, Done);
    SweepGiveBack(Queue, Next, Worker->Last);
    free(Worker->Output);
}


/* Slots [First, Last) as a worker that ended with Status reported them (Output);
 * the slots it did not reach go back to the queue. */
static void SweepTakeMade(const char *Output, int Status, size_t First, size_t Last, SWEEP_DONE *Done, SWEEP_QUEUE *Queue)
{
    if (First >= Last)
        return;
    SWEEP_WORKER Made = { .First = First, .Last = Last, .Start = SweepNow() };
    Made.Output = KiHostStrdup(Output);
    Made.Length = strlen(Made.Output);
    SweepGiveBack(Queue, SweepSplit(&Made, Status, Done), Last);
    free(Made.Output);
}

/* Runs the baseline's worker and the helper made before the batch began count as made;
 * the parent goes on from the first slot neither was given, and gives again what they
 * did not reach. */
static void SweepPrefill(const SWEEP_TAIL *Prefill, size_t Count, SWEEP_DONE *Done, SWEEP_QUEUE *Queue)
{
    if (Prefill == NULL || !Prefill->Present || Count == 0)
        return;
    size_t Own = Prefill->Own < Count ? Prefill->Own : Count;
    size_t Shared = Prefill->Shared < Count ? Prefill->Shared : Count;
    Shared = Shared > Own ? Shared : Own;
    Queue->Next = Shared;
    SweepTakeMade(Prefill->Output, Prefill->Status, 0, Own, Done, Queue);
    if (Prefill->HelperOutput)
        SweepTakeMade(Prefill->HelperOutput, Prefill->HelperStatus, Own, Shared, Done, Queue);
    else
        SweepGiveBack(Queue, Own, Shared);
}

/* How this process holds the image for the workers it forks after the baseline: mapped
 * and snapshotted (persistent workers), or only mapped (a child per run). Done before
 * the first such fork, so a sweep the baseline's worker finished alone never maps the
 * image here. */
typedef struct _SWEEP_IMAGE {
    BOOLEAN Prepared, Persistent;
    void *Preloaded;
} SWEEP_IMAGE;

static void SweepPrepareImage(const ntsim_sweep_options *Options, SWEEP_IMAGE *Image)
{
    if (Image->Prepared)
        return;
    Image->Prepared = TRUE;
    Image->Persistent = !Options->fork_per_run && IopSnapshotImage(Options->image) == 0;
    if (!Image->Persistent)
        Image->Preloaded = dlopen(Options->image, RTLD_NOW | RTLD_LOCAL);
}

static void SweepReleaseImage(SWEEP_IMAGE *Image)
{
    if (Image->Persistent)
        IopReleaseImageSnapshot();
    if (Image->Preloaded)
        dlclose(Image->Preloaded);
    memset(Image, 0, sizeof(*Image));
}

static BOOLEAN SweepHasWork(const SWEEP_QUEUE *Q)
{
    return Q->LeftCount > 0 || Q->Next < Q->Count;
}

/* Make Batch[0..Count) in this process, one run after the other, each report framed as
 * a worker frames it; Done then holds them as from a worker that finished. A run that
 * cannot be made (an X line: SweepChildError) ends the batch, and its parse the sweep. */
static int SweepMakeHere(const SWEEP_CONTEXT *Context, const SWEEP_JOB *Batch, size_t Count, SWEEP_DONE *Done,
                         SWEEP_QUEUE *Queue)
{
    char *Text = NULL;
    size_t Size = 0;
    FILE *Out = open_memstream(&Text, &Size);
    if (Out == NULL)
        return -1;
    SWEEP_WORKER Made = { .First = 0, .Last = Count, .Start = SweepNow() };
    SweepHere.Active = TRUE;
    if (setjmp(SweepHere.Jump) == 0)
        SweepWorkerRuns(Out, Context, Batch, 0, Count);
    else if (SweepHere.Machine) {
        ntsim_machine_destroy(SweepHere.Machine);
        SweepHere.Machine = NULL;
    }
    SweepHere.Active = FALSE;
    fclose(Out);
    Made.Output = Text;
    Made.Length = Size;
    SweepSplit(&Made, 0, Done);
    free(Text);
    Queue->Next = Queue->Count; /* nothing is left for a worker: slots not reached stay unparsed */
    Queue->LeftCount = 0;
    return 0;
}

/* Make the runs Batch[0..Count) in workers (or here: Context->InProcess). Image: NULL for
 * the baseline (its worker maps the image itself), else how the workers find it. */
static int SweepRunBatch(const SWEEP_CONTEXT *Context, ntsim_sweep_result *R, const SWEEP_JOB *Batch, size_t Count,
                         unsigned Jobs, SWEEP_IMAGE *Image, const SWEEP_TAIL *Prefill, SWEEP_TAIL *Tail, char *Error,
                         size_t ErrorSize)
{
    SWEEP_WORKER *Workers = KiHostAlloc(Jobs * sizeof(SWEEP_WORKER));
    struct pollfd *Polls = KiHostAlloc(Jobs * sizeof(struct pollfd));
    /* Results are parsed in slot order: keep finished runs until their turn. */
    SWEEP_DONE *Done = KiHostAlloc((Count ? Count : 1) * sizeof(SWEEP_DONE));
    SWEEP_QUEUE Queue = { .Count = Count, .Chunk = SweepChunk(Count, Jobs, Image && Image->Persistent) };
    Queue.Left = KiHostAlloc((Count + Jobs + 1) * sizeof(*Queue.Left));
    SweepPrefill(Prefill, Count, Done, &Queue);
    size_t Active = 0, Parsed = 0, First, Last;
    int Result = 0;
    if (Context->InProcess && SweepMakeHere(Context, Batch, Count, Done, &Queue) != 0) {
        snprintf(Error, ErrorSize, "out of memory for the sweep's reports");
        Result = NTSIM_E_IO;
    }
    while (Result == 0) {
        while (Parsed < Count && Done[Parsed].Done && Result == 0) {
            if (SweepParse(R, Context->Options, &Batch[Parsed], &Done[Parsed], Error, ErrorSize) != 0)
                Result = NTSIM_E_LOAD;
            free(Done[Parsed].Output);
            Done[Parsed].Output = NULL;
            R->Runs++;
            Parsed++;
        }
        if (Image && !Image->Prepared && SweepHasWork(&Queue)) {
            SweepPrepareImage(Context->Options, Image);
            Queue.Chunk = SweepChunk(Count, Jobs, Image->Persistent);
        }
        while (Result == 0 && Active < Jobs && SweepTake(&Queue, &First, &Last)) {
            if (SweepStart(Context, Batch, First, Last, &Workers[Active]) != 0) {
                snprintf(Error, ErrorSize, "fork failed: %s", strerror(errno));
                Result = NTSIM_E_IO;
                break;
            }
            Active++;
        }
        if (Active == 0 || Result != 0)
            break;
        for (size_t i = 0; i < Active; i++) {
            Polls[i].fd = Workers[i].Fd;
            Polls[i].events = POLLIN;
            Polls[i].revents = 0;
        }
        if (poll(Polls, Active, -1) < 0 && errno != EINTR) {
            Result = NTSIM_E_IO;
            break;
        }
        for (size_t i = 0; i < Active;) {
            if (Polls[i].revents && !SweepRead(&Workers[i])) {
                SweepReap(&Workers[i], Done, &Queue, Tail);
                Workers[i] = Workers[Active - 1];
                Polls[i] = Polls[Active - 1];
                Active--;
                continue;
            }
            i++;
        }
    }
    for (size_t i = 0; i < Active; i++) {
        kill(Workers[i].Pid, SIGKILL);
        close(Workers[i].Fd);
        while (waitpid(Workers[i].Pid, NULL, 0) < 0 && errno == EINTR)
            ; /* reaped, whatever signal comes meanwhile */
        SweepGiveRegion(Workers[i].Region); /* (the worker is gone: nothing writes it now) */
        free(Workers[i].Output);
    }
    for (size_t i = Parsed; i < Count; i++)
        free(Done[i].Output);
    free(Workers);
    free(Polls);
    free(Done);
    free(Queue.Left);
    return Result;
}

ntsim_sweep_result *SweepNewResult(const char *Image, ntsim_fail_on FailOn)
{
    ntsim_sweep_result *R = KiHostAlloc(sizeof(*R));
    R->Image = KiHostStrdup(Image);
    const char *Base = strrchr(Image, '/');
    Base = Base ? Base + 1 : Image;
    R->Driver = KiHostPrintf("%.*s", (int)strcspn(Base, "."), Base);
    R->FailOn = FailOn;
    R->Baseline.ddi = KiHostStrdup("");
    R->Baseline.fault_class = KiHostStrdup("");
    R->Baseline.site = KiHostStrdup("");
    R->Baseline.ended = KiHostStrdup("");
    return R;
}

/* The image file this process's sweeps checked last, and which checks it passed: a
 * library user sweeping the same unchanged file again skips reading it (the two checks
 * read it into fresh heap: about 90 µs and 35 page faults a sweep). The file is known by
 * its identity and its last change, so an image rebuilt in place (a new ctime) or
 * replaced (a new inode) is checked afresh. Only passes are kept: a refused image is
 * read and refused again, with its message. */
typedef struct _SWEEP_FILE_ID {
    dev_t Device;
    ino_t Inode;
    off_t Size;
    struct timespec Modified, Changed;
} SWEEP_FILE_ID;

static struct {
    SWEEP_FILE_ID Id;
    BOOLEAN File, Imports; /* IopCheckImageFile, IopCheckImageImports passed */
    size_t Pass;           /* the last sweep's first pass, plus one (0: not known) */
    uint64_t Proof;        /* the options a sweep in workers proved safe in this process (0: none) */
} SweepChecked;
static pthread_mutex_t SweepCheckedLock = PTHREAD_MUTEX_INITIALIZER;

static BOOLEAN SweepFileId(const char *Path, SWEEP_FILE_ID *Id)
{
    struct stat Info;
    memset(Id, 0, sizeof(*Id));
    if (stat(Path, &Info) != 0 || !S_ISREG(Info.st_mode))
        return FALSE;
    Id->Device = Info.st_dev;
    Id->Inode = Info.st_ino;
    Id->Size = Info.st_size;
#if defined(__APPLE__)
    Id->Modified = Info.st_mtimespec;
    Id->Changed = Info.st_ctimespec;
#else
    Id->Modified = Info.st_mtim;
    Id->Changed = Info.st_ctim;
#endif
    return TRUE;
}

static BOOLEAN SweepSameFile(const SWEEP_FILE_ID *A, const SWEEP_FILE_ID *B)
{
    return A->Device == B->Device && A->Inode == B->Inode && A->Size == B->Size &&
           A->Modified.tv_sec == B->Modified.tv_sec && A->Modified.tv_nsec == B->Modified.tv_nsec &&
           A->Changed.tv_sec == B->Changed.tv_sec && A->Changed.tv_nsec == B->Changed.tv_nsec;
}

/* IopCheckImageFile (Imports FALSE) or IopCheckImageImports (TRUE) of Path, or nothing
 * when the file is the one that passed it last. The identity is taken before the check
 * reads the file: a file changed meanwhile has another ctime and is checked next time. */
static int SweepCheckCached(const char *Path, BOOLEAN Imports)
{
    SWEEP_FILE_ID Id;
    BOOLEAN Known = SweepFileId(Path, &Id);
    pthread_mutex_lock(&SweepCheckedLock);
    BOOLEAN Passed = Known && SweepSameFile(&Id, &SweepChecked.Id) && (Imports ? SweepChecked.Imports : SweepChecked.File);
    pthread_mutex_unlock(&SweepCheckedLock);
    if (Passed)
        return 0;
    int Rc = Imports ? IopCheckImageImports(Path) : IopCheckImageFile(Path);
    if (Rc != 0 || !Known)
        return Rc;
    pthread_mutex_lock(&SweepCheckedLock);
    if (!SweepSameFile(&Id, &SweepChecked.Id)) {
        SweepChecked.Id = Id;
        SweepChecked.File = SweepChecked.Imports = FALSE;
        SweepChecked.Pass = 0;
        SweepChecked.Proof = 0;
    }
    if (Imports)
        SweepChecked.Imports = TRUE;
    else
        SweepChecked.File = TRUE;
    pthread_mutex_unlock(&SweepCheckedLock);
    return 0;
}

/* The helper (SweepHelperMain) costs a fork in this process (80-100 µs here) and a
 * process's exit, and it is of use only for a long first pass with 2 jobs: the
 * baseline's worker makes a short one alone (SweepShareFirstPass). The pass's length is
 * known only after the baseline, so the last sweep of the same unchanged file tells; the
 * first sweep of a file has no helper (options can change the length: this is a guess,
 * and no result depends on it). */
static BOOLEAN SweepHelperWorthIt(const char *Path)
{
    SWEEP_FILE_ID Id;
    if (!SweepFileId(Path, &Id))
        return FALSE;
    pthread_mutex_lock(&SweepCheckedLock);
    BOOLEAN Long = SweepSameFile(&Id, &SweepChecked.Id) && SweepChecked.Pass && SweepChecked.Pass - 1 > NtsimSweepSmallPass;
    pthread_mutex_unlock(&SweepCheckedLock);
    return Long;
}

static void SweepRememberPass(const char *Path, size_t Pass)
{
    SWEEP_FILE_ID Id;
    if (!SweepFileId(Path, &Id))
        return;
    pthread_mutex_lock(&SweepCheckedLock);
    if (SweepSameFile(&Id, &SweepChecked.Id))
        SweepChecked.Pass = Pass + 1;
    pthread_mutex_unlock(&SweepCheckedLock);
}

/* Checks that need no child: the options, and an image complete enough to map. */
static int SweepCheckOptions(const ntsim_sweep_options *Options)
{
    if (Options == NULL || Options->image == NULL) {
        NtsimSetLastError("ntsim_sweep_run: no driver image");
        return NTSIM_E_ARGS;
    }
    if (Options->fail_on > NTSIM_FAIL_ON_NEVER) {
        NtsimSetLastError("ntsim_sweep_run: fail_on %d is not an ntsim_fail_on value", (int)Options->fail_on);
        return NTSIM_E_ARGS;
    }
    if (Options->trace_filter && TrSetFilter(Options->trace_filter) != 0)
        return NTSIM_E_ARGS; /* checked here, applied in the traced run's child */
    TrSetFilter("default");
    if (Options->shard_count > 1 && Options->shard_index >= Options->shard_count) {
        NtsimSetLastError("ntsim_sweep_run: shard %u of %u does not exist (shards are numbered from 0)",
                          Options->shard_index, Options->shard_count);
        return NTSIM_E_ARGS;
    }
    return SweepCheckCached(Options->image, FALSE);
}

/* Another shard reports the baseline: this one ran it only to learn the points. */
static void SweepForgetBaseline(ntsim_sweep_result *R)
{
    for (size_t i = 0; i < R->FindingCount; i++) {
        ntsim_sweep_finding *F = &R->Findings[i];
        free((char *)F->rule);
        free((char *)F->ddi);
        free((char *)F->site);
        free((char *)F->culprit);
        free((char *)F->message);
    }
    R->FindingCount = 0;
    R->Baseline.ran = 0;
    R->Runs = 0;
}

/* The first pass: point N fails in run N (all of this shard's, or only Options->only). */
static int SweepFirstPass(const SWEEP_CONTEXT *Context, ntsim_sweep_result *R, unsigned Jobs, SWEEP_IMAGE *Image,
                          const SWEEP_TAIL *Made, char *Error, size_t ErrorSize)
{
    const ntsim_sweep_options *Options = Context->Options;
    size_t Count = R->PointCount;
    SWEEP_JOB *Batch = KiHostAlloc((Count ? Count : 1) * sizeof(SWEEP_JOB));
    size_t N = SweepFirstPassJobs(Options, Count, Batch);
    int Rc = 0;
    if (!Options->only)
        SweepRememberPass(Options->image, N);
    if (Options->only && (Options->only > Count)) {
        snprintf(Error, ErrorSize, "there is no injection point %lu (the driver makes %zu failable calls)",
                 Options->only, Count);
        Rc = NTSIM_E_ARGS;
    } else {
        Rc = SweepRunBatch(Context, R, Batch, N, Jobs, Image, Made, NULL, Error, ErrorSize);
    }
    free(Batch);
    return Rc;
}

/* The second pass: each failure-path call the first pass found fails after its first. */
static int SweepSecondPass(const SWEEP_CONTEXT *Context, ntsim_sweep_result *R, unsigned Jobs, SWEEP_IMAGE *Image,
                           char *Error, size_t ErrorSize)
{
    size_t Count = R->SecondCount;
    if (Count == 0)
        return 0;
    SWEEP_JOB *Batch = KiHostAlloc(Count * sizeof(SWEEP_JOB));
    for (size_t i = 0; i < Count; i++) {
        Batch[i].Run = R->Seconds[i].index;
        Batch[i].Then = R->Seconds[i].then;
    }
    int Rc = SweepRunBatch(Context, R, Batch, Count, Jobs, Image, NULL, NULL, Error, ErrorSize);
    free(Batch);
    return Rc;
}

/* "DDI<tab>site" of every baseline point, sorted: a run's calls not in it were reached
 * only because of its failure (second order). */
static void SweepKnowBaseline(SWEEP_CONTEXT *Context, const ntsim_sweep_result *R)
{
    Context->Known = KiHostAlloc((R->PointCount ? R->PointCount : 1) * sizeof(char *));
    for (size_t i = 0; i < R->PointCount; i++)
        Context->Known[i] = KiHostPrintf("%s\t%s", R->Points[i].ddi, R->Points[i].site);
    Context->KnownCount = R->PointCount;
    qsort(Context->Known, Context->KnownCount, sizeof(char *), SweepCompareText);
}

static void SweepForgetKnown(SWEEP_CONTEXT *Context)
{
    for (size_t i = 0; i < Context->KnownCount; i++)
        free((char *)Context->Known[i]);
    free(Context->Known);
}

/* The injection runs, after the baseline. Once the baseline has mapped the image
 * safely, this process maps it too, before the forks: every worker then finds it
 * loaded (no driver code ever runs in this process) with its writable data
 * snapshotted, so a worker can make run after run from fresh globals. */
static int SweepInjectionRuns(const SWEEP_CONTEXT *Base, ntsim_sweep_result *R, unsigned Jobs, const SWEEP_TAIL *Made,
                              SWEEP_IMAGE *Image, char *Error, size_t ErrorSize)
{
    const ntsim_sweep_options *Options = Base->Options;
    SWEEP_CONTEXT Context = *Base;
    Context.HelperFd = -1;
    if (Options->second_order)
        SweepKnowBaseline(&Context, R);
    int Rc = SweepFirstPass(&Context, R, Jobs, Image, Made, Error, ErrorSize);
    if (Rc == 0 && Options->second_order)
        Rc = SweepSecondPass(&Context, R, Jobs, Image, Error, ErrorSize);
    if (Options->second_order)
        SweepForgetKnown(&Context);
    return Rc;
}

/* In-process sweeps (docs/faults.md "Sweeps in this process"). A worker's fork, its
 * page faults and its first machine are most of a short sweep's time; a sweep made in
 * this process pays none of them. It is allowed only where a sweep in workers proved it
 * safe: the same unchanged image, swept with the same options (SweepRunsFingerprint),
 * had every run end under the machine's control (SweepProves). Runs are deterministic,
 * so the same runs end the same way again. A driver whose runs crashed, hung, exited or
 * faulted (a hardware exception in its code is a sign of wild pointers, which may also
 * have written where nothing faults) keeps its workers. */
static uint64_t SweepHash(uint64_t Hash, const void *Data, size_t Size)
{
    const unsigned char *Byte = Data;
    for (size_t i = 0; i < Size; i++)
        Hash = (Hash ^ Byte[i]) * 1099511628211ull; /* FNV-1a */
    return Hash;
}

static uint64_t SweepHashText(uint64_t Hash, const char *Text)
{
    return Text ? SweepHash(Hash, Text, strlen(Text) + 1) : SweepHash(Hash, "\xff", 1);
}

/* A .reg file by its name and its identity: an edited file is another input. */
static uint64_t SweepHashFile(uint64_t Hash, const char *Path)
{
    SWEEP_FILE_ID Id;
    Hash = SweepHashText(Hash, Path);
    if (Path && SweepFileId(Path, &Id))
        Hash = SweepHash(Hash, &Id, sizeof(Id));
    return Hash;
}

/* Everything in the options that decides which runs are made and what they do (not
 * jobs, fork_per_run, isolate or fail_on). Never 0. */
static uint64_t SweepRunsFingerprint(const ntsim_sweep_options *Options)
{
    uint64_t Hash = 14695981039346656037ull;
    Hash = SweepHashFile(Hash, Options->reg_file);
    for (size_t i = 0; i < Options->reg_file_count; i++)
        Hash = SweepHashFile(Hash, Options->reg_files[i]);
    Hash = SweepHash(Hash, &Options->only, sizeof(Options->only));
    Hash = SweepHashText(Hash, Options->filter);
    Hash = SweepHash(Hash, &Options->scenario_open, sizeof(Options->scenario_open));
    Hash = SweepHash(Hash, &Options->ioctl_count, sizeof(Options->ioctl_count));
    if (Options->ioctl_count)
        Hash = SweepHash(Hash, Options->ioctls, Options->ioctl_count * sizeof(*Options->ioctls));
    Hash = SweepHash(Hash, &Options->timeout_seconds, sizeof(Options->timeout_seconds));
    Hash = SweepHashText(Hash, Options->pnp_hardware_id);
    Hash = SweepHashText(Hash, Options->trace_path);
    Hash = SweepHashText(Hash, Options->trace_filter);
    Hash = SweepHash(Hash, &Options->shard_index, sizeof(Options->shard_index));
    Hash = SweepHash(Hash, &Options->shard_count, sizeof(Options->shard_count));
    Hash = SweepHash(Hash, &Options->second_order, sizeof(Options->second_order));
    return Hash | 1;
}

/* Bug checks a hardware exception in driver code raises (KiReportSignalCrash), and the
 * one a driver raises when it finds its own memory corrupt. */
static BOOLEAN SweepFaulted(uint32_t Code)
{
    static const uint32_t Codes[] = { 0x1E, 0x50, 0x7E, 0x7F, 0x8E, 0xC1, 0xC5, 0xCC, 0xCD, 0xD5, 0xD6 };
    for (size_t i = 0; i < sizeof(Codes) / sizeof(Codes[0]); i++)
        if (Codes[i] == Code)
            return TRUE;
    return FALSE;
}

static BOOLEAN SweepRunEndedWell(const ntsim_sweep_point *P)
{
    return !P->ran || (P->outcome != NTSIM_RUN_NO_VERDICT && !SweepFaulted(P->bugcheck_code));
}

/* Every run of a sweep made in workers ended under the machine's control. */
static BOOLEAN SweepProves(const ntsim_sweep_result *R)
{
    if (!R->Baseline.ran || !SweepRunEndedWell(&R->Baseline))
        return FALSE;
    for (size_t i = 0; i < R->PointCount; i++)
        if (!SweepRunEndedWell(&R->Points[i]))
            return FALSE;
    for (size_t i = 0; i < R->SecondCount; i++)
        if (!SweepRunEndedWell(&R->Seconds[i]))
            return FALSE;
    return TRUE;
}

/* White-box (tests/faults/test_persistent.c): sweeps made in this process so far. */
unsigned long NtsimSweepsInProcess;
static pthread_mutex_t SweepHereLock = PTHREAD_MUTEX_INITIALIZER;

/* The outcome of a sweep made in workers: the proof for this file and these options, or
 * none (a new proof replaces the last: one file and one set of options are kept). */
static void SweepRememberProof(const ntsim_sweep_options *Options, const ntsim_sweep_result *R)
{
    SWEEP_FILE_ID Id;
    if (!SweepFileId(Options->image, &Id))
        return;
    uint64_t Proof = SweepProves(R) ? SweepRunsFingerprint(Options) : 0;
    pthread_mutex_lock(&SweepCheckedLock);
    if (SweepSameFile(&Id, &SweepChecked.Id))
        SweepChecked.Proof = Proof;
    pthread_mutex_unlock(&SweepCheckedLock);
}

/* Proven, and no slower here than in workers: one process makes the runs one after the
 * other, which is all workers do too for a short first pass (the baseline's worker makes
 * it alone: SweepMayContinue) or with one job; a long pass with more jobs is shared by
 * workers on every CPU, and stays there. */
static BOOLEAN SweepProvenAndShort(const ntsim_sweep_options *Options, unsigned Jobs)
{
    SWEEP_FILE_ID Id;
    if (!SweepFileId(Options->image, &Id))
        return FALSE;
    uint64_t Fingerprint = SweepRunsFingerprint(Options);
    pthread_mutex_lock(&SweepCheckedLock);
    BOOLEAN Proven = SweepSameFile(&Id, &SweepChecked.Id) && SweepChecked.Imports && SweepChecked.Proof == Fingerprint;
    BOOLEAN Short = Jobs == 1 || Options->only ||
                    (!Options->second_order && SweepChecked.Pass && SweepChecked.Pass - 1 <= NtsimSweepSmallPass);
    pthread_mutex_unlock(&SweepCheckedLock);
    return Proven && Short;
}

/* Begin a sweep in this process, when it is proven and this process can host it: no
 * machine alive (one per process) and no other sweep here. The image is mapped and its
 * data snapshotted before the baseline's DriverEntry writes to it. */
static BOOLEAN SweepBeginHere(const ntsim_sweep_options *Options, unsigned Jobs, SWEEP_IMAGE *Image)
{
    if (Options->isolate || Options->fork_per_run || !SweepProvenAndShort(Options, Jobs))
        return FALSE;
    if (pthread_mutex_trylock(&SweepHereLock) != 0)
        return FALSE;
    if (ntsim_current_machine() == NULL && IopSnapshotImage(Options->image) == 0) {
        Image->Prepared = Image->Persistent = TRUE;
        NtsimPersistentWorker = TRUE; /* machine after machine: the registry template, handlers kept */
        NtsimSweepsInProcess++;
        return TRUE;
    }
    pthread_mutex_unlock(&SweepHereLock);
    return FALSE;
}

static void SweepEndHere(void)
{
    NtsimPersistentWorker = FALSE;
    KiRestoreSignalHandlers(); /* the last machine left them in place (NtsimPersistentWorker) */
    pthread_mutex_unlock(&SweepHereLock);
}

/* The parent's side of the helper (SweepHelperMain). */
typedef struct _SWEEP_HELPER {
    SWEEP_WORKER Worker;
    BOOLEAN Started;
} SWEEP_HELPER;

/* Fork the helper when a long persistent first pass may follow the baseline with 2
 * jobs; Context->HelperFd is then where the baseline's worker sends its share. */
static void SweepStartHelper(SWEEP_CONTEXT *Context, unsigned Jobs, SWEEP_HELPER *Helper)
{
    const ntsim_sweep_options *Options = Context->Options;
    memset(Helper, 0, sizeof(*Helper));
    Context->HelperFd = -1;
    if (!Context->Continue || !Context->ImageChecked || Jobs != 2 || Options->second_order || Options->only ||
        NtsimSweepHelperPolicy < 0 || (NtsimSweepHelperPolicy == 0 && !SweepHelperWorthIt(Options->image)))
        return;
    int Assign[2], Report[2];
    if (pipe(Assign) != 0)
        return;
    if (pipe(Report) != 0) {
        close(Assign[0]);
        close(Assign[1]);
        return;
    }
    SWEEP_REGION *Region = SweepTakeRegion();
    fflush(NULL);
    double Start = SweepNow();
    pid_t Pid = fork();
    if (Pid == 0) {
        close(Assign[1]);
        close(Report[0]);
        SweepHelperMain(Context, Assign[0], Report[1], Region);
    }
    close(Assign[0]);
    close(Report[1]);
    if (Pid < 0) {
        close(Assign[1]);
        close(Report[0]);
        SweepGiveRegion(Region);
        return;
    }
    Helper->Started = TRUE;
    Helper->Worker = (SWEEP_WORKER){ .Pid = Pid, .Fd = Report[0], .Region = Region, .Start = Start };
    Context->HelperFd = Assign[1];
}

/* After the baseline: the helper's report joins the baseline worker's tail (Made), or,
 * when the baseline failed (Made NULL), the helper is ended and its report dropped. */
static void SweepEndHelper(SWEEP_CONTEXT *Context, SWEEP_HELPER *Helper, SWEEP_TAIL *Made)
{
    if (Context->HelperFd >= 0)
        close(Context->HelperFd); /* a helper still waiting for its share stops now */
    Context->HelperFd = -1;
    if (!Helper->Started)
        return;
    SWEEP_WORKER *Worker = &Helper->Worker;
    if (Made == NULL)
        kill(Worker->Pid, SIGKILL);
    while (SweepRead(Worker))
        ;
    close(Worker->Fd);
    SweepCollect(Worker);
    int Status = 0;
    if (Made && SweepFinished(Worker))
        SweepLetExit(Worker->Pid);
    else
        while (waitpid(Worker->Pid, &Status, 0) < 0 && errno == EINTR)
            ;
    Worker->Output = Worker->Output ? Worker->Output : KiHostAlloc(1);
    Worker->Output[Worker->Length] = 0;
    if (Made && Made->Present && Made->Shared > Made->Own && strncmp(Worker->Output, "H\n", 2) == 0) {
        Made->HelperOutput = KiHostStrdup(Worker->Output + 1);
        Made->HelperStatus = Status;
    }
    free(Worker->Output);
}

/* The baseline and then the injection runs (all, or only Options->only). */
static int SweepRunAll(const ntsim_sweep_options *Options, BOOLEAN BaselineOnly, ntsim_sweep_result **Out)
{
    *Out = NULL;
    SweepReapFinished(FALSE);
    int Rc = SweepCheckOptions(Options);
    if (Rc != 0)
        return Rc;
    unsigned Jobs = Options->jobs;
    if (Jobs == 0) {
        long N = sysconf(_SC_NPROCESSORS_ONLN);
        Jobs = N > 0 ? (unsigned)N : 1;
    }
    /* The fault handler's unwinder loads on its first use (KiInstallSignalHandlers warms
     * it): load it here, once, rather than in every worker after the fork. */
    KiWarmUnwinder();
    ntsim_sweep_result *R = SweepNewResult(Options->image, Options->fail_on);
    if (Options->shard_count > 1) {
        R->ShardIndex = Options->shard_index;
        R->ShardCount = Options->shard_count;
    }
    char Error[1024] = "";
    /* A persistent sweep's baseline worker may make a small first pass itself. */
    SWEEP_CONTEXT Context = { .Options = Options, .Jobs = Jobs,
                              .Continue = !BaselineOnly && !Options->fork_per_run };
    /* SweepCheckOptions checked the file; the imports are checked here, once, rather than
     * in the baseline's worker after the fork (its snapshot's loads skip the checks). A
     * refused image is left to the worker, which reports it as before. */
    Context.ImageChecked = Context.Continue && SweepCheckCached(Options->image, TRUE) == 0;
    SWEEP_IMAGE Image;
    memset(&Image, 0, sizeof(Image));
    if (Context.ImageChecked && !BaselineOnly && SweepBeginHere(Options, Jobs, &Image)) {
        Context.InProcess = TRUE;
        Context.Continue = FALSE; /* (no baseline's worker to go on, no helper) */
    }
    SWEEP_JOB Baseline = { 0, 0 };
    SWEEP_TAIL Made;
    memset(&Made, 0, sizeof(Made));
    if (!Options->fork_per_run)
        NtsimPrepareWorkerTemplate(); /* inherited by every worker (sim/host/machine.c) */
    SWEEP_HELPER Helper;
    SweepStartHelper(&Context, Jobs, &Helper);
    Rc = SweepRunBatch(&Context, R, &Baseline, 1, 1, NULL, NULL, &Made, Error, sizeof(Error));
    SweepEndHelper(&Context, &Helper, Rc == 0 ? &Made : NULL);
    if (Rc == 0 && !SweepInShard(Options, 0))
        SweepForgetBaseline(R);
    Context.Continue = FALSE; /* only the baseline's worker goes on */
    if (Rc == 0 && !BaselineOnly)
        Rc = SweepInjectionRuns(&Context, R, Jobs, &Made, &Image, Error, sizeof(Error));
    SweepReleaseImage(&Image);
    if (Context.InProcess)
        SweepEndHere();
    else if (Rc == 0 && !BaselineOnly)
        SweepRememberProof(Options, R);
    free(Made.Output);
    free(Made.HelperOutput);
    SweepReapFinished(TRUE); /* (no zombie is left behind: they are exiting, this is short) */
    if (Rc != 0) {
        NtsimSetLastError("%s", Error[0] ? Error : "the sweep failed");
        ntsim_sweep_free(R);
        return Rc;
    }
    *Out = R;
    return 0;
}

int ntsim_sweep_run(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    return SweepRunAll(Options, FALSE, Out);
}

/* Only run 0: the injection points and the baseline findings (for --list, --only 0). */
int ntsim_sweep_baseline(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    return SweepRunAll(Options, TRUE, Out);
}

size_t ntsim_sweep_second_order_count(const ntsim_sweep_result *R)
{
    size_t N = 0;
    for (size_t i = 0; i < R->SecondCount; i++)
        N += R->Seconds[i].ran != 0;
    return N;
}

const ntsim_sweep_point *ntsim_sweep_second_order_at(const ntsim_sweep_result *R, size_t Index)
{
    for (size_t i = 0; i < R->SecondCount; i++)
        if (R->Seconds[i].ran && Index-- == 0)
            return &R->Seconds[i];
    return NULL;
}

size_t ntsim_sweep_second_order_candidates(const ntsim_sweep_result *R)
{
    return R->SecondCandidates;
}

size_t ntsim_sweep_point_count(const ntsim_sweep_result *R) { return R->PointCount; }
const ntsim_sweep_point *ntsim_sweep_point_at(const ntsim_sweep_result *R, size_t i)
{
    return i < R->PointCount ? &R->Points[i] : NULL;
}
size_t ntsim_sweep_finding_count(const ntsim_sweep_result *R) { return R->FindingCount; }
const ntsim_sweep_finding *ntsim_sweep_finding_at(const ntsim_sweep_result *R, size_t i)
{
    return i < R->FindingCount ? &R->Findings[i] : NULL;
}
unsigned long ntsim_sweep_runs(const ntsim_sweep_result *R) { return R->Runs; }

size_t ntsim_sweep_error_count(const ntsim_sweep_result *R)
{
    size_t N = 0;
    for (size_t i = 0; i < R->FindingCount; i++)
        if (R->Findings[i].severity == NTSIM_SEV_ERROR)
            N++;
    return N;
}

