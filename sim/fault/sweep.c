/* sweep.c - the systematic fault sweep (ntsim faults, ntsim_sweep_run).
 *
 * Run 0 loads the driver with nothing injected and records every failable call
 * (the injection points). Run N fails point N. Every run is a fork()ed child, so the
 * driver's globals start clean and a crash or a hang is a finding, not the end of the
 * sweep. Children report over a pipe in a line protocol (tab-separated):
 *   S <rc> <DriverEntry status>      P <index> <ddi> <class> <site> <injected>
 *   F <rule> <severity> <culprit site> <message>
 * and the parent merges them in run order, so two sweeps print identical reports. */
#include "io/iop.h"
#include "ntsim/sweep.h"

#include <dlfcn.h>
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

struct ntsim_sweep_result {
    char *Image;
    ntsim_sweep_point *Points;
    size_t PointCount;
    ntsim_sweep_finding *Findings;
    size_t FindingCount, FindingCapacity;
    unsigned long Runs;
};

typedef struct _SWEEP_CHILD {
    pid_t Pid;
    int Fd;
    unsigned long Run;
    char *Output;
    size_t Length, Capacity;
} SWEEP_CHILD;

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

static DECLSPEC_NORETURN void SweepChildMain(const ntsim_sweep_options *Options, unsigned long Nth, int Fd)
{
    alarm(Options->timeout_seconds ? Options->timeout_seconds : 20);
    FILE *Out = fdopen(Fd, "w");
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    char Spec[1024];
    size_t Used = (size_t)(Nth ? snprintf(Spec, sizeof(Spec), "nth=%lu", Nth) : snprintf(Spec, sizeof(Spec), "count"));
    if (!Options->scenario_open && Options->ioctl_count == 0)
        Used += (size_t)snprintf(Spec + Used, sizeof(Spec) - Used, ",entry");
    if (Options->filter && *Options->filter)
        snprintf(Spec + Used, sizeof(Spec) - Used, ",%.900s", Options->filter);
    if (ntsim_fault_configure_string(Machine, Spec) != 0) {
        fprintf(Out, "X\t%s\n", ntsim_last_error());
        fclose(Out);
        _exit(3);
    }
    if (Options->reg_file && ntsim_reg_import_file(Machine, Options->reg_file) != 0) {
        char Error[1024];
        snprintf(Error, sizeof(Error), "%s", ntsim_last_error());
        SweepClean(Error);
        fprintf(Out, "X\t%s\n", Error);
        fclose(Out);
        _exit(3);
    }
    ntsim_driver *Driver = NULL;
    int32_t Status = 0;
    int Rc = ntsim_driver_load(Machine, Options->image, NULL, &Driver, &Status);
    if (Rc == NTSIM_E_LOAD || Rc == NTSIM_E_ARGS || Rc == NTSIM_E_STATE) {
        char Error[1024];
        snprintf(Error, sizeof(Error), "%s", ntsim_last_error());
        SweepClean(Error);
        fprintf(Out, "X\t%s\n", Error);
        fclose(Out);
        _exit(3);
    }
    fprintf(Out, "S\t%d\t%d\n", Rc, Status);
    if (Rc == 0 && Driver) {
        if (Options->scenario_open || Options->ioctl_count)
            SweepScenario(Machine, Driver, Options);
        if (!KiMachineCrashed())
            ntsim_driver_unload(Driver);
    }
    for (size_t i = 0; i < ntsim_fault_point_count(Machine); i++) {
        const ntsim_fault_point *P = ntsim_fault_point_at(Machine, i);
        fprintf(Out, "P\t%lu\t%s\t%s\t%s\t%d\n", P->index, P->ddi, P->fault_class, P->site, P->injected);
    }
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++) {
        const ntsim_finding *F = ntsim_finding_at(Machine, i);
        char *Message = KiHostStrdup(F->message);
        SweepClean(Message);
        fprintf(Out, "F\t%s\t%d\t%s\t%s\n", F->rule, (int)F->severity, F->site, Message);
        free(Message);
    }
    fclose(Out);
    _exit(0);
}

static int SweepStart(const ntsim_sweep_options *Options, unsigned long Run, SWEEP_CHILD *Child)
{
    int Pipe[2];
    if (pipe(Pipe) != 0)
        return -1;
    fflush(NULL);
    pid_t Pid = fork();
    if (Pid < 0) {
        close(Pipe[0]);
        close(Pipe[1]);
        return -1;
    }
    if (Pid == 0) {
        close(Pipe[0]);
        SweepChildMain(Options, Run, Pipe[1]);
    }
    close(Pipe[1]);
    memset(Child, 0, sizeof(*Child));
    Child->Pid = Pid;
    Child->Fd = Pipe[0];
    Child->Run = Run;
    return 0;
}

static BOOLEAN SweepRead(SWEEP_CHILD *Child)
{
    if (Child->Length + 4096 > Child->Capacity) {
        Child->Capacity = Child->Capacity ? Child->Capacity * 2 : 16384;
        Child->Output = KiHostRealloc(Child->Output, Child->Capacity);
    }
    ssize_t N = read(Child->Fd, Child->Output + Child->Length, Child->Capacity - Child->Length - 1);
    if (N < 0 && errno == EINTR)
        return TRUE;
    if (N <= 0)
        return FALSE;
    Child->Length += (size_t)N;
    return TRUE;
}

/* Host addresses (0x7ffe..., 12 or more hex digits) differ from run to run under ASLR;
 * reports show them as "0x?" so that two sweeps print identical reports. */
static char *SweepStableText(const char *Text)
{
    char *Out = KiHostStrdup(Text), *W = Out;
    for (const char *P = Text; *P;) {
        if (P[0] == '0' && (P[1] == 'x' || P[1] == 'X')) {
            size_t Digits = strspn(P + 2, "0123456789abcdefABCDEF");
            if (Digits >= 12) {
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

static void SweepAddFinding(ntsim_sweep_result *R, unsigned long Run, const char *Rule, ntsim_severity Severity,
                            const char *Culprit, const char *Message)
{
    if (R->FindingCount == R->FindingCapacity) {
        R->FindingCapacity = R->FindingCapacity ? R->FindingCapacity * 2 : 32;
        R->Findings = KiHostRealloc(R->Findings, R->FindingCapacity * sizeof(*R->Findings));
    }
    ntsim_sweep_finding *F = &R->Findings[R->FindingCount++];
    F->run = Run;
    F->rule = KiHostStrdup(Rule);
    F->severity = Severity;
    const ntsim_sweep_point *P = Run && Run <= R->PointCount ? &R->Points[Run - 1] : NULL;
    F->ddi = KiHostStrdup(P ? P->ddi : "");
    F->site = KiHostStrdup(P ? P->site : "");
    F->culprit = KiHostStrdup(Culprit ? Culprit : "");
    F->message = SweepStableText(Message);
}

static void SweepAddPoint(ntsim_sweep_result *R, char **Fields)
{
    R->Points = KiHostRealloc(R->Points, (R->PointCount + 1) * sizeof(*R->Points));
    ntsim_sweep_point *P = &R->Points[R->PointCount++];
    P->index = strtoul(Fields[1], NULL, 10);
    P->ddi = KiHostStrdup(Fields[2]);
    P->fault_class = KiHostStrdup(Fields[3]);
    P->site = KiHostStrdup(Fields[4]);
    P->entry_status = 0;
    P->outcome = 0;
}

/* Parse one child's report. Run 0 also defines the injection points. */
static int SweepParse(ntsim_sweep_result *R, SWEEP_CHILD *Child, int WaitStatus, char *Error, size_t ErrorSize)
{
    Child->Output = Child->Output ? Child->Output : KiHostAlloc(1);
    Child->Output[Child->Length] = 0;
    int Outcome = 0;
    int32_t EntryStatus = 0;
    char *Save = NULL;
    for (char *Line = strtok_r(Child->Output, "\n", &Save); Line; Line = strtok_r(NULL, "\n", &Save)) {
        char *Fields[8] = { 0 };
        int N = 0;
        /* strsep, not strtok: an empty field (a finding with no source line) counts */
        for (char *Rest = Line, *F; N < 8 && (F = strsep(&Rest, "\t")) != NULL;)
            Fields[N++] = F;
        if (N >= 2 && Fields[0][0] == 'X') {
            snprintf(Error, ErrorSize, "%s", Fields[1]);
            return -1;
        }
        if (N >= 3 && Fields[0][0] == 'S')
            EntryStatus = (int32_t)strtol(Fields[2], NULL, 10);
        if (N >= 6 && Fields[0][0] == 'P' && Child->Run == 0)
            SweepAddPoint(R, Fields);
        if (N >= 5 && Fields[0][0] == 'F') {
            ntsim_severity Severity = (ntsim_severity)atoi(Fields[2]);
            SweepAddFinding(R, Child->Run, Fields[1], Severity, Fields[3], Fields[4]);
            int O = Severity == NTSIM_SEV_ERROR ? 2 : Severity == NTSIM_SEV_WARNING ? 1 : 0;
            if (O > Outcome)
                Outcome = O;
        }
    }
    if (WIFSIGNALED(WaitStatus) || (WIFEXITED(WaitStatus) && WEXITSTATUS(WaitStatus) != 0)) {
        char Message[256];
        int Signal = WIFSIGNALED(WaitStatus) ? WTERMSIG(WaitStatus) : 0;
        if (Signal == SIGALRM)
            snprintf(Message, sizeof(Message), "the run did not finish in time (hang)");
        else if (Signal)
            snprintf(Message, sizeof(Message), "the simulator process died with signal %d (%s)", Signal,
                     strsignal(Signal));
        else
            snprintf(Message, sizeof(Message), "the run exited with status %d", WEXITSTATUS(WaitStatus));
        SweepAddFinding(R, Child->Run, Signal == SIGALRM ? "HANG" : "CRASH", NTSIM_SEV_ERROR, "", Message);
        Outcome = 3;
    }
    if (Child->Run >= 1 && Child->Run <= R->PointCount) {
        R->Points[Child->Run - 1].entry_status = EntryStatus;
        R->Points[Child->Run - 1].outcome = Outcome;
    }
    return 0;
}

static int SweepRunBatch(const ntsim_sweep_options *Options, ntsim_sweep_result *R, unsigned long *Runs, size_t Count,
                         unsigned Jobs, char *Error, size_t ErrorSize)
{
    SWEEP_CHILD *Children = KiHostAlloc(Jobs * sizeof(SWEEP_CHILD));
    struct pollfd *Polls = KiHostAlloc(Jobs * sizeof(struct pollfd));
    /* Results are parsed in run order: keep finished children until their turn. */
    SWEEP_CHILD *Done = KiHostAlloc(Count * sizeof(SWEEP_CHILD));
    int *DoneStatus = KiHostAlloc(Count * sizeof(int));
    BOOLEAN *IsDone = KiHostAlloc(Count * sizeof(BOOLEAN));
    size_t Next = 0, Active = 0, Parsed = 0;
    int Result = 0;
    while ((Next < Count || Active > 0) && Result == 0) {
        while (Active < Jobs && Next < Count) {
            if (SweepStart(Options, Runs[Next], &Children[Active]) != 0) {
                snprintf(Error, ErrorSize, "fork failed: %s", strerror(errno));
                Result = NTSIM_E_IO;
                break;
            }
            Children[Active].Capacity = 0;
            Active++;
            Next++;
        }
        for (size_t i = 0; i < Active; i++) {
            Polls[i].fd = Children[i].Fd;
            Polls[i].events = POLLIN;
            Polls[i].revents = 0;
        }
        if (Active == 0)
            break;
        if (poll(Polls, Active, -1) < 0 && errno != EINTR) {
            Result = NTSIM_E_IO;
            break;
        }
        for (size_t i = 0; i < Active;) {
            if (Polls[i].revents && !SweepRead(&Children[i])) {
                close(Children[i].Fd);
                int Status = 0;
                waitpid(Children[i].Pid, &Status, 0);
                size_t Slot = 0;
                while (Runs[Slot] != Children[i].Run)
                    Slot++;
                Done[Slot] = Children[i];
                DoneStatus[Slot] = Status;
                IsDone[Slot] = TRUE;
                Children[i] = Children[Active - 1];
                Polls[i] = Polls[Active - 1];
                Active--;
                continue;
            }
            i++;
        }
        while (Parsed < Count && IsDone[Parsed] && Result == 0) {
            if (SweepParse(R, &Done[Parsed], DoneStatus[Parsed], Error, ErrorSize) != 0)
                Result = NTSIM_E_LOAD;
            free(Done[Parsed].Output);
            R->Runs++;
            Parsed++;
        }
    }
    for (size_t i = 0; i < Active; i++) {
        kill(Children[i].Pid, SIGKILL);
        close(Children[i].Fd);
        waitpid(Children[i].Pid, NULL, 0);
        free(Children[i].Output);
    }
    for (size_t i = Parsed; i < Count; i++)
        if (IsDone[i])
            free(Done[i].Output);
    free(Children);
    free(Polls);
    free(Done);
    free(DoneStatus);
    free(IsDone);
    return Result;
}

int ntsim_sweep_run(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    *Out = NULL;
    if (Options == NULL || Options->image == NULL) {
        NtsimSetLastError("ntsim_sweep_run: no driver image");
        return NTSIM_E_ARGS;
    }
    if (access(Options->image, R_OK) != 0) {
        NtsimSetLastError("%s: %s", Options->image, strerror(errno));
        return NTSIM_E_IO;
    }
    unsigned Jobs = Options->jobs;
    if (Jobs == 0) {
        long N = sysconf(_SC_NPROCESSORS_ONLN);
        Jobs = N > 0 ? (unsigned)N : 1;
    }
    ntsim_sweep_result *R = KiHostAlloc(sizeof(*R));
    R->Image = KiHostStrdup(Options->image);
    /* Map the image once, before any fork: every child then finds it loaded with
     * pristine globals (no driver code ever runs in this process) and skips the
     * dynamic linker. A failure here is left for the children to report. */
    void *Preloaded = dlopen(Options->image, RTLD_NOW | RTLD_LOCAL);
    char Error[1024] = "";
    unsigned long Baseline = 0;
    int Rc = SweepRunBatch(Options, R, &Baseline, 1, 1, Error, sizeof(Error));
    if (Rc == 0) {
        size_t Count = R->PointCount;
        unsigned long *Runs = KiHostAlloc((Count ? Count : 1) * sizeof(unsigned long));
        size_t N = 0;
        for (size_t i = 0; i < Count; i++)
            if (Options->only == 0 || Options->only == R->Points[i].index)
                Runs[N++] = R->Points[i].index;
        if (Options->only && N == 0) {
            snprintf(Error, sizeof(Error), "there is no injection point %lu (the driver makes %zu failable calls)",
                     Options->only, Count);
            Rc = NTSIM_E_ARGS;
        } else {
            Rc = SweepRunBatch(Options, R, Runs, N, Jobs, Error, sizeof(Error));
        }
        free(Runs);
    }
    if (Preloaded)
        dlclose(Preloaded);
    if (Rc != 0) {
        NtsimSetLastError("%s", Error[0] ? Error : "the sweep failed");
        ntsim_sweep_free(R);
        return Rc;
    }
    *Out = R;
    return 0;
}

/* Only run 0: the injection points and the baseline findings (for --list). */
int ntsim_sweep_baseline(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    *Out = NULL;
    if (Options == NULL || Options->image == NULL)
        return NTSIM_E_ARGS;
    ntsim_sweep_result *R = KiHostAlloc(sizeof(*R));
    R->Image = KiHostStrdup(Options->image);
    char Error[1024] = "";
    unsigned long Baseline = 0;
    int Rc = SweepRunBatch(Options, R, &Baseline, 1, 1, Error, sizeof(Error));
    if (Rc != 0) {
        NtsimSetLastError("%s", Error[0] ? Error : "the baseline run failed");
        ntsim_sweep_free(R);
        return Rc;
    }
    *Out = R;
    return 0;
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

static int SweepCompare(const void *A, const void *B)
{
    const ntsim_sweep_finding *X = *(ntsim_sweep_finding *const *)A, *Y = *(ntsim_sweep_finding *const *)B;
    int C = strcmp(X->rule, Y->rule);
    if (C)
        return C;
    return X->run < Y->run ? -1 : X->run > Y->run;
}

void ntsim_sweep_print(FILE *Out, const ntsim_sweep_result *R)
{
    fprintf(Out, "%s: %zu injection points, %lu runs\n", R->Image, R->PointCount, R->Runs);
    for (size_t i = 0; i < R->PointCount; i++) {
        const ntsim_sweep_point *P = &R->Points[i];
        static const char *Outcomes[] = { "clean", "warnings", "FINDINGS", "CRASH/HANG" };
        fprintf(Out, "  %3lu  %-34s %-24s DriverEntry -> %-30s %s\n", P->index, P->ddi, P->site,
                ntsim_status_name(P->entry_status), Outcomes[P->outcome & 3]);
    }
    if (R->FindingCount) {
        const ntsim_sweep_finding **Sorted = KiHostAlloc(R->FindingCount * sizeof(*Sorted));
        for (size_t i = 0; i < R->FindingCount; i++)
            Sorted[i] = &R->Findings[i];
        qsort(Sorted, R->FindingCount, sizeof(*Sorted), SweepCompare);
        fprintf(Out, "\n%-8s %-7s %-4s %-40s %-20s %s\n", "RULE", "LEVEL", "RUN", "INJECTED", "AT", "FINDING");
        for (size_t i = 0; i < R->FindingCount; i++) {
            const ntsim_sweep_finding *F = Sorted[i];
            char Injected[128];
            snprintf(Injected, sizeof(Injected), "%s@%s", F->run ? F->ddi : "(none)", F->run ? F->site : "-");
            fprintf(Out, "%-8s %-7s %-4lu %-40s %-20s %s\n", F->rule,
                    F->severity == NTSIM_SEV_ERROR ? "error" : F->severity == NTSIM_SEV_WARNING ? "warning" : "info",
                    F->run, Injected, F->culprit[0] ? F->culprit : "-", F->message);
        }
        free(Sorted);
    }
    size_t Errors = ntsim_sweep_error_count(R);
    fprintf(Out, "\nverdict: %s: %zu error%s, %zu warning%s in %lu runs%s\n", R->Image, Errors, Errors == 1 ? "" : "s",
            R->FindingCount - Errors, R->FindingCount - Errors == 1 ? "" : "s", R->Runs,
            Errors ? "" : " - every failure path walked is clean");
}

int ntsim_sweep_write_json(const ntsim_sweep_result *R, const char *Path)
{
    json_t *Root = json_object();
    json_object_set_new(Root, "image", json_string(R->Image));
    json_object_set_new(Root, "points", json_integer((json_int_t)R->PointCount));
    json_object_set_new(Root, "runs", json_integer((json_int_t)R->Runs));
    json_t *Points = json_array();
    for (size_t i = 0; i < R->PointCount; i++) {
        const ntsim_sweep_point *P = &R->Points[i];
        json_array_append_new(Points, json_pack("{s:I,s:s,s:s,s:s,s:s}", "index", (json_int_t)P->index, "ddi", P->ddi,
                                                "class", P->fault_class, "site", P->site, "entry_status",
                                                ntsim_status_name(P->entry_status)));
    }
    json_object_set_new(Root, "injection_points", Points);
    json_t *Findings = json_array();
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = &R->Findings[i];
        json_array_append_new(Findings,
                              json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "run", (json_int_t)F->run, "rule", F->rule,
                                        "severity", F->severity == NTSIM_SEV_ERROR ? "error" : "warning", "ddi", F->ddi,
                                        "site", F->site, "culprit", F->culprit, "message", F->message));
    }
    json_object_set_new(Root, "findings", Findings);
    int Rc = json_dump_file(Root, Path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(Root);
    if (Rc != 0) {
        NtsimSetLastError("%s: cannot write: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    return 0;
}

static void SweepXmlText(FILE *Out, const char *Text)
{
    for (const char *P = Text; *P; P++) {
        switch (*P) {
        case '<': fputs("&lt;", Out); break;
        case '>': fputs("&gt;", Out); break;
        case '&': fputs("&amp;", Out); break;
        case '"': fputs("&quot;", Out); break;
        default: fputc(*P, Out); break;
        }
    }
}

int ntsim_sweep_write_junit(const ntsim_sweep_result *R, const char *Path)
{
    FILE *Out = fopen(Path, "w");
    if (Out == NULL) {
        NtsimSetLastError("%s: cannot write: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    size_t Failures = 0;
    for (unsigned long Run = 0; Run <= R->PointCount; Run++)
        for (size_t i = 0; i < R->FindingCount; i++)
            if (R->Findings[i].run == Run && R->Findings[i].severity == NTSIM_SEV_ERROR) {
                Failures++;
                break;
            }
    fprintf(Out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
    SweepXmlText(Out, R->Image);
    fprintf(Out, "\" tests=\"%zu\" failures=\"%zu\">\n", R->PointCount + 1, Failures);
    for (unsigned long Run = 0; Run <= R->PointCount; Run++) {
        const ntsim_sweep_point *P = Run ? &R->Points[Run - 1] : NULL;
        fprintf(Out, "  <testcase classname=\"ntsim.faults\" name=\"");
        if (P) {
            fprintf(Out, "%lu-", Run);
            SweepXmlText(Out, P->ddi);
            fputc('@', Out);
            SweepXmlText(Out, P->site);
        } else {
            fputs("0-baseline", Out);
        }
        fprintf(Out, "\">");
        BOOLEAN Open = FALSE;
        for (size_t i = 0; i < R->FindingCount; i++) {
            const ntsim_sweep_finding *F = &R->Findings[i];
            if (F->run != Run || F->severity != NTSIM_SEV_ERROR)
                continue;
            if (!Open) {
                fprintf(Out, "\n    <failure message=\"");
                SweepXmlText(Out, F->rule);
                fprintf(Out, "\">");
                Open = TRUE;
            }
            SweepXmlText(Out, F->rule);
            fputs(": ", Out);
            SweepXmlText(Out, F->message);
            fputc('\n', Out);
        }
        fprintf(Out, "%s</testcase>\n", Open ? "</failure>\n  " : "");
    }
    fprintf(Out, "</testsuite>\n");
    fclose(Out);
    return 0;
}

void ntsim_sweep_free(ntsim_sweep_result *R)
{
    if (R == NULL)
        return;
    for (size_t i = 0; i < R->PointCount; i++) {
        free((char *)R->Points[i].ddi);
        free((char *)R->Points[i].fault_class);
        free((char *)R->Points[i].site);
    }
    for (size_t i = 0; i < R->FindingCount; i++) {
        ntsim_sweep_finding *F = &R->Findings[i];
        free((char *)F->rule);
        free((char *)F->ddi);
        free((char *)F->site);
        free((char *)F->culprit);
        free((char *)F->message);
    }
    free(R->Points);
    free(R->Findings);
    free(R->Image);
    free(R);
}
