/* sweep.c - the systematic fault sweep (ntsim faults, ntsim_sweep_run).
 *
 * Run 0 loads the driver with nothing injected and records every failable call
 * (the injection points). Run N fails point N. Every run is a fork()ed child, so the
 * driver's globals start clean and a crash or a hang is a finding, not the end of the
 * sweep. Children report over a pipe in a line protocol (tab-separated):
 *   S <rc> <DriverEntry status>      (once DriverEntry has returned)
 *   P <index> <ddi> <class> <site>   (run 0 only: the injection points)
 *   B <code> <name> <p1> <p2> <p3> <p4> <driver> <site> <explanation>   (a bug check)
 *   F <rule> <severity> <culprit site> <message>
 *   M                                (run 0 only, first: the image is mapped)
 *   E                                (last: the report above is complete)
 * A run whose report has no E line ended some other way (the driver called exit, a
 * signal killed it, the host heap was wrecked): that is a finding of its own, never a
 * clean run. The parent merges reports in run order, so two sweeps print identical
 * reports. */
#include "sweepp.h"
#include "trace/trace.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int IopCheckImageFile(const char *Path); /* sim/io/imagecheck.c */

typedef struct _SWEEP_CHILD {
    pid_t Pid;
    int Fd;
    unsigned long Run;
    size_t Slot;           /* position in the batch: reports are merged in this order */
    double Start;
    double Seconds;
    char *Output;
    size_t Length, Capacity;
} SWEEP_CHILD;

static double SweepNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec + (double)T.tv_nsec / 1e9;
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

static DECLSPEC_NORETURN void SweepChildError(FILE *Out, const char *Error)
{
    char *Text = KiHostStrdup(Error);
    SweepClean(Text);
    fprintf(Out, "X\t%s\n", Text);
    fclose(Out);
    _exit(3);
}

static void SweepChildConfigure(FILE *Out, ntsim_machine *Machine, const ntsim_sweep_options *Options, unsigned long Nth)
{
    char Spec[1024];
    size_t Used = (size_t)(Nth ? snprintf(Spec, sizeof(Spec), "nth=%lu", Nth) : snprintf(Spec, sizeof(Spec), "count"));
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

static DECLSPEC_NORETURN void SweepChildMain(const ntsim_sweep_options *Options, unsigned long Nth, int Fd)
{
    alarm(Options->timeout_seconds ? Options->timeout_seconds : 20);
    FILE *Out = fdopen(Fd, "w");
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    SweepChildConfigure(Out, Machine, Options, Nth);
    SweepChildTrace(Out, Machine, Options, Nth);
    if (Nth == 0) {
        /* The baseline maps the image first, alone: a header that passed the checks but
         * still crashes the dynamic loader ends this child, not the sweep (the parent
         * maps the image only after this line). */
        if (IopCheckImageFile(Options->image) == 0 && dlopen(Options->image, RTLD_NOW | RTLD_LOCAL) != NULL) {
            fprintf(Out, "M\n");
            fflush(Out);
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
    for (size_t i = 0; Nth == 0 && i < ntsim_fault_point_count(Machine); i++) {
        const ntsim_fault_point *P = ntsim_fault_point_at(Machine, i);
        fprintf(Out, "P\t%lu\t%s\t%s\t%s\n", P->index, P->ddi, P->fault_class, P->site);
    }
    SweepChildBugCheck(Out, Machine);
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++) {
        const ntsim_finding *F = ntsim_finding_at(Machine, i);
        char *Message = KiHostStrdup(F->message);
        SweepClean(Message);
        fprintf(Out, "F\t%s\t%d\t%s\t%s\n", F->rule, (int)F->severity, F->site, Message);
        free(Message);
    }
    if (Options->trace_path)
        ntsim_trace_stop(Machine); /* the child exits without destroying the machine */
    fprintf(Out, "E\n");
    fclose(Out);
    _exit(0);
}

static int SweepStart(const ntsim_sweep_options *Options, unsigned long Run, size_t Slot, SWEEP_CHILD *Child)
{
    int Pipe[2];
    if (pipe(Pipe) != 0)
        return -1;
    fflush(NULL);
    double Start = SweepNow();
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
    Child->Slot = Slot;
    Child->Start = Start;
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

static void SweepAddFinding(ntsim_sweep_result *R, unsigned long Run, const char *Rule, ntsim_severity Severity,
                            const char *Culprit, char *Message)
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
static int SweepNoVerdict(ntsim_sweep_result *R, const SWEEP_CHILD *Child, int WaitStatus, BOOLEAN EntryReturned,
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
    SweepAddFinding(R, Child->Run, Signal == SIGALRM ? "HANG" : "CRASH", NTSIM_SEV_ERROR, "", Message);
    if (Record) {
        free((char *)Record->ended);
        Record->ended = KiHostStrdup(How);
    }
    return NTSIM_RUN_NO_VERDICT;
}

/* Parse one child's report. Run 0 also defines the injection points. */
static int SweepParse(ntsim_sweep_result *R, const ntsim_sweep_options *Options, SWEEP_CHILD *Child, int WaitStatus,
                      char *Error, size_t ErrorSize)
{
    Child->Output = Child->Output ? Child->Output : KiHostAlloc(1);
    Child->Output[Child->Length] = 0;
    int Outcome = NTSIM_RUN_CLEAN;
    int32_t EntryStatus = 0;
    BOOLEAN EntryReturned = FALSE, Ended = FALSE, Mapped = FALSE;
    char BugCheckCode[32] = "";
    char *Save = NULL;
    for (char *Line = strtok_r(Child->Output, "\n", &Save); Line; Line = strtok_r(NULL, "\n", &Save)) {
        char *Fields[12] = { 0 };
        int N = 0;
        /* strsep, not strtok: an empty field (a finding with no source line) counts */
        for (char *Rest = Line, *F; N < 12 && (F = strsep(&Rest, "\t")) != NULL;)
            Fields[N++] = F;
        switch (Fields[0][0]) {
        case 'X':
            snprintf(Error, ErrorSize, "%s", N >= 2 ? Fields[1] : "the run failed");
            return -1;
        case 'S':
            if (N >= 3) {
                EntryReturned = TRUE;
                EntryStatus = (int32_t)strtol(Fields[2], NULL, 10);
            }
            break;
        case 'P':
            if (N >= 5 && Child->Run == 0)
                SweepAddPoint(R, Fields);
            break;
        case 'B':
            if (N >= 10 && SweepBugCheckOf(R, Child->Run)) {
                SweepSetBugCheck(SweepBugCheckOf(R, Child->Run), Fields);
                snprintf(BugCheckCode, sizeof(BugCheckCode), "%s", Fields[1]);
            }
            break;
        case 'F':
            if (N >= 5) {
                ntsim_severity Severity = (ntsim_severity)atoi(Fields[2]);
                const SWEEP_BUGCHECK *B = SweepBugCheckOf(R, Child->Run);
                char *Message = strcmp(Fields[1], "BUGCHECK") == 0 && B && B->Name
                                    ? SweepBugCheckMessage(B, BugCheckCode)
                                    : SweepStableText(Fields[4]);
                SweepAddFinding(R, Child->Run, Fields[1], Severity, Fields[3], Message);
                int O = Severity == NTSIM_SEV_ERROR ? NTSIM_RUN_ERRORS : Severity == NTSIM_SEV_WARNING ? NTSIM_RUN_WARNINGS : 0;
                if (O > Outcome)
                    Outcome = O;
            }
            break;
        case 'E':
            Ended = TRUE;
            break;
        case 'M':
            Mapped = TRUE;
            break;
        }
    }
    if (Child->Run == 0 && !Mapped) {
        int Signal = WIFSIGNALED(WaitStatus) ? WTERMSIG(WaitStatus) : 0;
        snprintf(Error, ErrorSize, "%s: corrupt image: the dynamic loader could not map it (%s %d)", R->Image,
                 Signal ? "signal" : "exit status", Signal ? Signal : WIFEXITED(WaitStatus) ? WEXITSTATUS(WaitStatus) : -1);
        return -1;
    }
    if (Child->Run == 0 && R->BugChecks == NULL)
        R->BugChecks = KiHostAlloc((R->PointCount ? R->PointCount : 1) * sizeof(*R->BugChecks));
    ntsim_sweep_point *Record = SweepRunRecord(R, Child->Run);
    if (!Ended || !WIFEXITED(WaitStatus) || WEXITSTATUS(WaitStatus) != 0)
        Outcome = SweepNoVerdict(R, Child, WaitStatus, EntryReturned, EntryStatus,
                                 Options->timeout_seconds ? Options->timeout_seconds : 20, Record);
    if (Record) {
        Record->ran = 1;
        Record->entry_returned = EntryReturned;
        Record->entry_status = EntryReturned ? EntryStatus : 0;
        Record->outcome = Outcome;
        Record->bugcheck_code = BugCheckCode[0] ? (uint32_t)strtoul(BugCheckCode, NULL, 16) : 0;
        Record->seconds = Child->Seconds;
    }
    return 0;
}

static void SweepReap(SWEEP_CHILD *Child, SWEEP_CHILD *Done, int *DoneStatus, BOOLEAN *IsDone)
{
    close(Child->Fd);
    int Status = 0;
    while (waitpid(Child->Pid, &Status, 0) < 0 && errno == EINTR)
        ;
    Child->Seconds = SweepNow() - Child->Start;
    Done[Child->Slot] = *Child;
    DoneStatus[Child->Slot] = Status;
    IsDone[Child->Slot] = TRUE;
}

static int SweepRunBatch(const ntsim_sweep_options *Options, ntsim_sweep_result *R, const unsigned long *Runs,
                         size_t Count, unsigned Jobs, char *Error, size_t ErrorSize)
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
            if (SweepStart(Options, Runs[Next], Next, &Children[Active]) != 0) {
                snprintf(Error, ErrorSize, "fork failed: %s", strerror(errno));
                Result = NTSIM_E_IO;
                break;
            }
            Active++;
            Next++;
        }
        if (Active == 0)
            break;
        for (size_t i = 0; i < Active; i++) {
            Polls[i].fd = Children[i].Fd;
            Polls[i].events = POLLIN;
            Polls[i].revents = 0;
        }
        if (poll(Polls, Active, -1) < 0 && errno != EINTR) {
            Result = NTSIM_E_IO;
            break;
        }
        for (size_t i = 0; i < Active;) {
            if (Polls[i].revents && !SweepRead(&Children[i])) {
                SweepReap(&Children[i], Done, DoneStatus, IsDone);
                Children[i] = Children[Active - 1];
                Polls[i] = Polls[Active - 1];
                Active--;
                continue;
            }
            i++;
        }
        while (Parsed < Count && IsDone[Parsed] && Result == 0) {
            if (SweepParse(R, Options, &Done[Parsed], DoneStatus[Parsed], Error, ErrorSize) != 0)
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

static ntsim_sweep_result *SweepNewResult(const ntsim_sweep_options *Options)
{
    ntsim_sweep_result *R = KiHostAlloc(sizeof(*R));
    R->Image = KiHostStrdup(Options->image);
    const char *Base = strrchr(Options->image, '/');
    Base = Base ? Base + 1 : Options->image;
    R->Driver = KiHostPrintf("%.*s", (int)strcspn(Base, "."), Base);
    R->FailOn = Options->fail_on;
    R->Baseline.ddi = KiHostStrdup("");
    R->Baseline.fault_class = KiHostStrdup("");
    R->Baseline.site = KiHostStrdup("");
    R->Baseline.ended = KiHostStrdup("");
    return R;
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
    return IopCheckImageFile(Options->image);
}

/* The baseline and then the injection runs (all, or only Options->only). */
static int SweepRunAll(const ntsim_sweep_options *Options, BOOLEAN BaselineOnly, ntsim_sweep_result **Out)
{
    *Out = NULL;
    int Rc = SweepCheckOptions(Options);
    if (Rc != 0)
        return Rc;
    unsigned Jobs = Options->jobs;
    if (Jobs == 0) {
        long N = sysconf(_SC_NPROCESSORS_ONLN);
        Jobs = N > 0 ? (unsigned)N : 1;
    }
    ntsim_sweep_result *R = SweepNewResult(Options);
    char Error[1024] = "";
    unsigned long Baseline = 0;
    Rc = SweepRunBatch(Options, R, &Baseline, 1, 1, Error, sizeof(Error));
    /* Once the baseline has mapped it safely, map the image here, before the other
     * forks: every child then finds it loaded with pristine globals (no driver code
     * ever runs in this process) and skips the dynamic linker. */
    void *Preloaded = Rc == 0 && !BaselineOnly ? dlopen(Options->image, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (Rc == 0 && !BaselineOnly) {
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

int ntsim_sweep_run(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    return SweepRunAll(Options, FALSE, Out);
}

/* Only run 0: the injection points and the baseline findings (for --list, --only 0). */
int ntsim_sweep_baseline(const ntsim_sweep_options *Options, ntsim_sweep_result **Out)
{
    return SweepRunAll(Options, TRUE, Out);
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

