/* sweepreport.c - what a sweep found, for people (a table and a verdict line) and for
 * machines (JSON with a schema version, JUnit XML with one testcase per run). */
#include "sweepp.h"

#include <errno.h>
#include <jansson.h>

const char *SweepSeverityName(ntsim_severity Severity)
{
    return Severity == NTSIM_SEV_ERROR ? "error" : Severity == NTSIM_SEV_WARNING ? "warning" : "info";
}

/* "clean", "warnings", "errors", "bugcheck", "hang", "no-verdict", "skipped". */
const char *SweepOutcomeName(const ntsim_sweep_point *P)
{
    if (!P->ran)
        return "skipped";
    switch (P->outcome) {
    case NTSIM_RUN_CLEAN: return "clean";
    case NTSIM_RUN_WARNINGS: return "warnings";
    case NTSIM_RUN_ERRORS: return P->bugcheck_code ? "bugcheck" : "errors";
    default: return strcmp(P->ended, "timeout") == 0 ? "hang" : "no-verdict";
    }
}

size_t ntsim_sweep_warning_count(const ntsim_sweep_result *R)
{
    size_t N = 0;
    for (size_t i = 0; i < R->FindingCount; i++)
        if (R->Findings[i].severity == NTSIM_SEV_WARNING)
            N++;
    return N;
}

const ntsim_sweep_point *ntsim_sweep_baseline_run(const ntsim_sweep_result *R)
{
    return &R->Baseline;
}

/* A finding counts against the verdict at or above the threshold. */
static BOOLEAN SweepCounts(const ntsim_sweep_result *R, ntsim_severity Severity)
{
    switch (R->FailOn) {
    case NTSIM_FAIL_ON_ERROR: return Severity >= NTSIM_SEV_ERROR;
    case NTSIM_FAIL_ON_WARNING: return Severity >= NTSIM_SEV_WARNING;
    case NTSIM_FAIL_ON_INFO: return TRUE;
    default: return FALSE;
    }
}

int ntsim_sweep_failed(const ntsim_sweep_result *R)
{
    for (size_t i = 0; i < R->FindingCount; i++)
        if (SweepCounts(R, R->Findings[i].severity))
            return 1;
    return 0;
}

const char *ntsim_sweep_verdict(const ntsim_sweep_result *R)
{
    return ntsim_sweep_failed(R) ? "failed" : R->FindingCount ? "passed" : "clean";
}

static int SweepCompare(const void *A, const void *B)
{
    const ntsim_sweep_finding *X = *(ntsim_sweep_finding *const *)A, *Y = *(ntsim_sweep_finding *const *)B;
    int C = strcmp(X->rule, Y->rule);
    if (C)
        return C;
    if (X->run != Y->run)
        return X->run < Y->run ? -1 : 1;
    return X->then < Y->then ? -1 : X->then > Y->then;
}

/* What DriverEntry did in a run: its status, or why there is none. */
static const char *SweepEntryText(const ntsim_sweep_point *P, char *Buffer, size_t Size)
{
    if (P->entry_returned)
        snprintf(Buffer, Size, "%s", ntsim_status_name(P->entry_status));
    else if (P->bugcheck_code)
        snprintf(Buffer, Size, "(bug check 0x%X)", P->bugcheck_code);
    else if (P->outcome == NTSIM_RUN_NO_VERDICT)
        snprintf(Buffer, Size, "(did not return: %s)", P->ended);
    else
        snprintf(Buffer, Size, "(did not return)");
    return Buffer;
}

static void SweepPrintFindings(FILE *Out, const ntsim_sweep_result *R)
{
    const ntsim_sweep_finding **Sorted = KiHostAlloc(R->FindingCount * sizeof(*Sorted));
    for (size_t i = 0; i < R->FindingCount; i++)
        Sorted[i] = &R->Findings[i];
    qsort(Sorted, R->FindingCount, sizeof(*Sorted), SweepCompare);
    fprintf(Out, "\n%-8s %-7s %-4s %-40s %-20s %s\n", "RULE", "LEVEL", "RUN", "INJECTED", "AT", "FINDING");
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = Sorted[i];
        char Injected[600];
        snprintf(Injected, sizeof(Injected), "%s@%s", F->run ? F->ddi : "(none)", F->run ? F->site : "-");
        if (F->then) {
            const ntsim_sweep_point *P = SweepSecondRecord((ntsim_sweep_result *)R, F->run, F->then);
            size_t Used = strlen(Injected);
            snprintf(Injected + Used, sizeof(Injected) - Used, " +%s@%s", P ? P->then_ddi : "?", P ? P->then_site : "?");
        }
        char Run[48];
        if (F->then)
            snprintf(Run, sizeof(Run), "%lu+%lu", F->run, F->then);
        else
            snprintf(Run, sizeof(Run), "%lu", F->run);
        fprintf(Out, "%-8s %-7s %-4s %-40s %-20s %s\n", F->rule, SweepSeverityName(F->severity), Run, Injected,
                F->culprit[0] ? F->culprit : "-", F->message);
    }
    free(Sorted);
}

void ntsim_sweep_print(FILE *Out, const ntsim_sweep_result *R)
{
    fprintf(Out, "%s: %zu injection point%s, %lu run%s\n", R->Image, R->PointCount, R->PointCount == 1 ? "" : "s",
            R->Runs, R->Runs == 1 ? "" : "s");
    for (size_t i = 0; i < R->PointCount; i++) {
        const ntsim_sweep_point *P = &R->Points[i];
        if (!P->ran)
            continue; /* --only: a run not made has no outcome to show */
        char Entry[160];
        fprintf(Out, "  %3lu  %-34s %-24s DriverEntry -> %-30s %s\n", P->index, P->ddi, P->site,
                SweepEntryText(P, Entry, sizeof(Entry)), SweepOutcomeName(P));
    }
    for (size_t i = 0; i < R->SecondCount; i++) {
        const ntsim_sweep_point *P = &R->Seconds[i];
        if (!P->ran)
            continue;
        char Entry[160], Second[600];
        snprintf(Second, sizeof(Second), "+%lu %s@%s", P->then, P->then_ddi, P->then_site);
        fprintf(Out, "  %3lu  %-34s %-24s DriverEntry -> %-30s %s\n       then %s\n", P->index, P->ddi, P->site,
                SweepEntryText(P, Entry, sizeof(Entry)), SweepOutcomeName(P), Second);
    }
    if (R->FindingCount)
        SweepPrintFindings(Out, R);
    size_t Errors = ntsim_sweep_error_count(R), Warnings = ntsim_sweep_warning_count(R);
    size_t Infos = R->FindingCount - Errors - Warnings;
    fprintf(Out, "\nverdict: %s: %s: %zu error%s, %zu warning%s", R->Image, ntsim_sweep_verdict(R), Errors,
            Errors == 1 ? "" : "s", Warnings, Warnings == 1 ? "" : "s");
    if (Infos)
        fprintf(Out, ", %zu note%s", Infos, Infos == 1 ? "" : "s");
    size_t Seconds = ntsim_sweep_second_order_count(R);
    if (Seconds || R->SecondCandidates)
        fprintf(Out, " in %lu run%s (%zu second-order of %zu failure-path calls)%s\n", R->Runs, R->Runs == 1 ? "" : "s",
                Seconds, R->SecondCandidates, R->FindingCount == 0 ? " - the runs made are clean" : "");
    else
    fprintf(Out, " in %lu run%s%s\n", R->Runs, R->Runs == 1 ? "" : "s",
            R->FindingCount == 0 ? (R->Runs > R->PointCount ? " - every failure path walked is clean" : " - the runs made are clean")
                                 : "");
}

/* An output stream for a report path: "-" is standard output. */
static FILE *SweepOpenOutput(const char *Path)
{
    if (strcmp(Path, "-") == 0)
        return stdout;
    FILE *Out = fopen(Path, "w");
    if (Out == NULL)
        NtsimSetLastError("%s: cannot write: %s", Path, strerror(errno));
    return Out;
}

static int SweepCloseOutput(FILE *Out, const char *Path)
{
    int Failed = Out == stdout ? fflush(Out) != 0 : fclose(Out) != 0;
    if (Failed) {
        NtsimSetLastError("%s: cannot write: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    return 0;
}

static json_t *SweepJsonBugCheck(const ntsim_sweep_point *P, const SWEEP_BUGCHECK *B)
{
    if (P == NULL || B == NULL || B->Name == NULL || P->bugcheck_code == 0)
        return json_null();
    char Code[16];
    snprintf(Code, sizeof(Code), "0x%X", P->bugcheck_code);
    return json_pack("{s:s,s:s,s:[s,s,s,s],s:s,s:s}", "code", Code, "name", B->Name, "parameters", B->Params[0],
                     B->Params[1], B->Params[2], B->Params[3], "driver", B->Driver, "site", B->Site);
}

/* A run's record: run 0 the baseline, run N point N failing; a second-order run also
 * has "then", the second call failed in it. */
static json_t *SweepJsonRun(const ntsim_sweep_point *P, const SWEEP_BUGCHECK *B, unsigned long Run)
{
    json_t *Object = json_pack("{s:I,s:s}", "run", (json_int_t)Run, "outcome", SweepOutcomeName(P));
    json_object_set_new(Object, "injected", Run ? json_pack("{s:s,s:s}", "ddi", P->ddi, "site", P->site) : json_null());
    if (P->then)
        json_object_set_new(Object, "then", json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)P->then, "ddi",
                                                      P->then_ddi, "class", P->then_class, "site", P->then_site));
    json_object_set_new(Object, "entry_status",
                        P->entry_returned ? json_string(ntsim_status_name(P->entry_status)) : json_null());
    char Code[16];
    snprintf(Code, sizeof(Code), "0x%08X", (unsigned)P->entry_status);
    json_object_set_new(Object, "entry_status_code", P->entry_returned ? json_string(Code) : json_null());
    json_object_set_new(Object, "bugcheck", SweepJsonBugCheck(P, B));
    json_object_set_new(Object, "ended", P->ended[0] ? json_string(P->ended) : json_null());
    return Object;
}

/* Every run made, in report order: the baseline, then each point's run followed by
 * its second-order runs. Calls Visit(Record, BugCheck, Context). */
static void SweepEachRun(ntsim_sweep_result *R, void (*Visit)(const ntsim_sweep_point *, const SWEEP_BUGCHECK *, void *),
                         void *Context)
{
    size_t Second = 0;
    for (unsigned long Run = 0; Run <= R->PointCount; Run++) {
        const ntsim_sweep_point *P = SweepRunRecord(R, Run);
        if (P->ran)
            Visit(P, SweepBugCheckOf(R, Run), Context);
        for (; Second < R->SecondCount && R->Seconds[Second].index <= Run; Second++)
            if (R->Seconds[Second].ran)
                Visit(&R->Seconds[Second], &R->SecondBugChecks[Second], Context);
    }
}

static void SweepJsonAppendRun(const ntsim_sweep_point *P, const SWEEP_BUGCHECK *B, void *Results)
{
    /* the baseline's record has index 0; a point's record has its own index */
    json_array_append_new((json_t *)Results, SweepJsonRun(P, B, P->index));
}

/* Findings in report order: first-order runs by run, then second-order runs by (run,
 * then); a run's own findings in the order it reported them. A merge of shards sorts
 * to the same order. */
static int SweepFindingOrder(const void *A, const void *B)
{
    const ntsim_sweep_finding *X = *(ntsim_sweep_finding *const *)A, *Y = *(ntsim_sweep_finding *const *)B;
    if ((X->then != 0) != (Y->then != 0))
        return X->then ? 1 : -1;
    if (X->run != Y->run)
        return X->run < Y->run ? -1 : 1;
    if (X->then != Y->then)
        return X->then < Y->then ? -1 : 1;
    return X < Y ? -1 : X > Y;
}

void SweepSortFindings(ntsim_sweep_result *R)
{
    if (R->FindingCount == 0)
        return;
    const ntsim_sweep_finding **Sorted = KiHostAlloc((R->FindingCount ? R->FindingCount : 1) * sizeof(*Sorted));
    for (size_t i = 0; i < R->FindingCount; i++)
        Sorted[i] = &R->Findings[i];
    qsort(Sorted, R->FindingCount, sizeof(*Sorted), SweepFindingOrder);
    ntsim_sweep_finding *Copy = KiHostAlloc((R->FindingCount ? R->FindingCount : 1) * sizeof(*Copy));
    for (size_t i = 0; i < R->FindingCount; i++)
        Copy[i] = *Sorted[i];
    memcpy(R->Findings, Copy, R->FindingCount * sizeof(*Copy));
    free(Copy);
    free(Sorted);
}

static json_t *SweepJson(const ntsim_sweep_result *Const)
{
    ntsim_sweep_result *R = (ntsim_sweep_result *)Const; /* the record lookups are not const */
    json_t *Root = json_object();
    json_object_set_new(Root, "schema_version", json_integer(NTSIM_SWEEP_JSON_SCHEMA));
    json_object_set_new(Root, "image", json_string(R->Image));
    json_object_set_new(Root, "driver", json_string(R->Driver));
    json_object_set_new(Root, "verdict", json_string(ntsim_sweep_verdict(R)));
    json_object_set_new(Root, "points", json_integer((json_int_t)R->PointCount));
    json_object_set_new(Root, "runs", json_integer((json_int_t)R->Runs));
    json_object_set_new(Root, "errors", json_integer((json_int_t)ntsim_sweep_error_count(R)));
    json_object_set_new(Root, "warnings", json_integer((json_int_t)ntsim_sweep_warning_count(R)));
    json_object_set_new(Root, "second_order",
                        json_pack("{s:I,s:I}", "candidates", (json_int_t)R->SecondCandidates, "runs",
                                  (json_int_t)ntsim_sweep_second_order_count(R)));
    if (R->ShardCount > 1) /* a shard's report: ntsim faults --merge joins them */
        json_object_set_new(Root, "shard", json_pack("{s:I,s:I}", "index", (json_int_t)R->ShardIndex, "count",
                                                     (json_int_t)R->ShardCount));
    json_t *Points = json_array();
    for (size_t i = 0; i < R->PointCount; i++) {
        const ntsim_sweep_point *P = &R->Points[i];
        json_array_append_new(Points, json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)P->index, "ddi", P->ddi,
                                                "class", P->fault_class, "site", P->site));
    }
    json_object_set_new(Root, "injection_points", Points);
    json_t *Results = json_array();
    SweepEachRun(R, SweepJsonAppendRun, Results);
    json_object_set_new(Root, "results", Results);
    json_t *Findings = json_array();
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = &R->Findings[i];
        json_t *Finding = json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "run", (json_int_t)F->run, "rule", F->rule,
                                    "severity", SweepSeverityName(F->severity), "ddi", F->ddi, "site", F->site,
                                    "culprit", F->culprit, "message", F->message);
        if (F->then)
            json_object_set_new(Finding, "then", json_integer((json_int_t)F->then));
        json_array_append_new(Findings, Finding);
    }
    json_object_set_new(Root, "findings", Findings);
    return Root;
}

int ntsim_sweep_write_json(const ntsim_sweep_result *R, const char *Path)
{
    FILE *Out = SweepOpenOutput(Path);
    if (Out == NULL)
        return NTSIM_E_IO;
    json_t *Root = SweepJson(R);
    int Rc = json_dumpf(Root, Out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(Root);
    if (Rc == 0)
        fputc('\n', Out);
    int Closed = SweepCloseOutput(Out, Path);
    if (Rc != 0) {
        NtsimSetLastError("%s: cannot write: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    return Closed;
}

static void SweepXmlText(FILE *Out, const char *Text)
{
    for (const unsigned char *P = (const unsigned char *)Text; *P; P++) {
        switch (*P) {
        case '<': fputs("&lt;", Out); break;
        case '>': fputs("&gt;", Out); break;
        case '&': fputs("&amp;", Out); break;
        case '"': fputs("&quot;", Out); break;
        default:
            if (*P < 0x20 && *P != '\n' && *P != '\t')
                fputc('?', Out); /* not allowed in XML 1.0 */
            else
                fputc(*P, Out);
            break;
        }
    }
}

static void SweepJunitCase(FILE *Out, const ntsim_sweep_result *R, const ntsim_sweep_point *P)
{
    unsigned long Run = P->index;
    fprintf(Out, "  <testcase classname=\"ntsim.faults.");
    SweepXmlText(Out, R->Driver);
    fprintf(Out, "\" name=\"");
    if (Run) {
        fprintf(Out, "%lu-", Run);
        SweepXmlText(Out, P->ddi);
        fputc('@', Out);
        SweepXmlText(Out, P->site);
        if (P->then) {
            fprintf(Out, "+%lu-", P->then);
            SweepXmlText(Out, P->then_ddi);
            fputc('@', Out);
            SweepXmlText(Out, P->then_site);
        }
    } else {
        fputs("0-baseline", Out);
    }
    fprintf(Out, "\" time=\"%.3f\">\n", P->seconds);
    BOOLEAN Notes = FALSE;
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = &R->Findings[i];
        if (F->run != Run || F->then != P->then)
            continue;
        if (!SweepCounts(R, F->severity)) {
            Notes = TRUE;
            continue;
        }
        fprintf(Out, "    <failure type=\"%s\" message=\"", SweepSeverityName(F->severity));
        SweepXmlText(Out, F->rule);
        fputs(": ", Out);
        SweepXmlText(Out, F->message);
        fputs("\">", Out);
        SweepXmlText(Out, F->rule);
        fprintf(Out, " %s", SweepSeverityName(F->severity));
        if (F->culprit[0]) {
            fputs(" at ", Out);
            SweepXmlText(Out, F->culprit);
        }
        fputs(": ", Out);
        SweepXmlText(Out, F->message);
        fputs("</failure>\n", Out);
    }
    if (Notes) { /* findings below --fail-on: shown, not failed */
        fputs("    <system-out>", Out);
        for (size_t i = 0; i < R->FindingCount; i++) {
            const ntsim_sweep_finding *F = &R->Findings[i];
            if (F->run != Run || F->then != P->then || SweepCounts(R, F->severity))
                continue;
            fprintf(Out, "%s ", SweepSeverityName(F->severity));
            SweepXmlText(Out, F->rule);
            fputs(": ", Out);
            SweepXmlText(Out, F->message);
            fputc('\n', Out);
        }
        fputs("</system-out>\n", Out);
    }
    fputs("  </testcase>\n", Out);
}

typedef struct _SWEEP_JUNIT {
    FILE *Out;
    const ntsim_sweep_result *R;
    size_t Tests;
    double Seconds;
} SWEEP_JUNIT;

static void SweepJunitCount(const ntsim_sweep_point *P, const SWEEP_BUGCHECK *B, void *Context)
{
    (void)B;
    SWEEP_JUNIT *J = Context;
    J->Tests++;
    J->Seconds += P->seconds;
}

static void SweepJunitVisit(const ntsim_sweep_point *P, const SWEEP_BUGCHECK *B, void *Context)
{
    (void)B;
    SWEEP_JUNIT *J = Context;
    SweepJunitCase(J->Out, J->R, P);
}

int ntsim_sweep_write_junit(const ntsim_sweep_result *Const, const char *Path)
{
    ntsim_sweep_result *R = (ntsim_sweep_result *)Const;
    FILE *Out = SweepOpenOutput(Path);
    if (Out == NULL)
        return NTSIM_E_IO;
    SWEEP_JUNIT Totals = { .Out = NULL, .R = R };
    size_t Failures = 0;
    for (size_t i = 0; i < R->FindingCount; i++)
        if (SweepCounts(R, R->Findings[i].severity))
            Failures++;
    SweepEachRun(R, SweepJunitCount, &Totals);
    size_t Tests = Totals.Tests;
    double Seconds = Totals.Seconds;
    fprintf(Out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
    SweepXmlText(Out, R->Image);
    fprintf(Out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" warnings=\"%zu\" time=\"%.3f\">\n", Tests, Failures,
            ntsim_sweep_warning_count(R), Seconds);
    SWEEP_JUNIT Cases = { .Out = Out, .R = R };
    SweepEachRun(R, SweepJunitVisit, &Cases);
    fprintf(Out, "</testsuite>\n");
    return SweepCloseOutput(Out, Path);
}

static void SweepFreePoint(ntsim_sweep_point *P)
{
    free((char *)P->ddi);
    free((char *)P->fault_class);
    free((char *)P->site);
    free((char *)P->ended);
    free((char *)P->then_ddi);
    free((char *)P->then_class);
    free((char *)P->then_site);
}

static void SweepFreeBugCheck(SWEEP_BUGCHECK *B)
{
    free(B->Name);
    for (int i = 0; i < 4; i++)
        free(B->Params[i]);
    free(B->Driver);
    free(B->Site);
    free(B->Explanation);
}

void ntsim_sweep_free(ntsim_sweep_result *R)
{
    if (R == NULL)
        return;
    for (size_t i = 0; i < R->PointCount; i++) {
        SweepFreePoint(&R->Points[i]);
        if (R->BugChecks)
            SweepFreeBugCheck(&R->BugChecks[i]);
    }
    for (size_t i = 0; i < R->SecondCount; i++) {
        SweepFreePoint(&R->Seconds[i]);
        SweepFreeBugCheck(&R->SecondBugChecks[i]);
    }
    free(R->Seconds);
    free(R->SecondBugChecks);
    SweepFreePoint(&R->Baseline);
    SweepFreeBugCheck(&R->BaselineBugCheck);
    for (size_t i = 0; i < R->FindingCount; i++) {
        ntsim_sweep_finding *F = &R->Findings[i];
        free((char *)F->rule);
        free((char *)F->ddi);
        free((char *)F->site);
        free((char *)F->culprit);
        free((char *)F->message);
    }
    free(R->Points);
    free(R->BugChecks);
    free(R->Findings);
    free(R->Image);
    free(R->Driver);
    free(R);
}
