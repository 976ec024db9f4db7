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
    return X->run < Y->run ? -1 : X->run > Y->run;
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
        fprintf(Out, "%-8s %-7s %-4lu %-40s %-20s %s\n", F->rule, SweepSeverityName(F->severity), F->run, Injected,
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
    if (R->FindingCount)
        SweepPrintFindings(Out, R);
    size_t Errors = ntsim_sweep_error_count(R), Warnings = ntsim_sweep_warning_count(R);
    size_t Infos = R->FindingCount - Errors - Warnings;
    fprintf(Out, "\nverdict: %s: %s: %zu error%s, %zu warning%s", R->Image, ntsim_sweep_verdict(R), Errors,
            Errors == 1 ? "" : "s", Warnings, Warnings == 1 ? "" : "s");
    if (Infos)
        fprintf(Out, ", %zu note%s", Infos, Infos == 1 ? "" : "s");
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

static json_t *SweepJsonBugCheck(ntsim_sweep_result *R, unsigned long Run)
{
    const ntsim_sweep_point *P = SweepRunRecord(R, Run);
    const SWEEP_BUGCHECK *B = SweepBugCheckOf(R, Run);
    if (P == NULL || B == NULL || B->Name == NULL || P->bugcheck_code == 0)
        return json_null();
    char Code[16];
    snprintf(Code, sizeof(Code), "0x%X", P->bugcheck_code);
    return json_pack("{s:s,s:s,s:[s,s,s,s],s:s,s:s}", "code", Code, "name", B->Name, "parameters", B->Params[0],
                     B->Params[1], B->Params[2], B->Params[3], "driver", B->Driver, "site", B->Site);
}

static json_t *SweepJsonRun(ntsim_sweep_result *R, unsigned long Run)
{
    const ntsim_sweep_point *P = SweepRunRecord(R, Run);
    json_t *Object = json_pack("{s:I,s:s}", "run", (json_int_t)Run, "outcome", SweepOutcomeName(P));
    json_object_set_new(Object, "injected", Run ? json_pack("{s:s,s:s}", "ddi", P->ddi, "site", P->site) : json_null());
    json_object_set_new(Object, "entry_status",
                        P->entry_returned ? json_string(ntsim_status_name(P->entry_status)) : json_null());
    json_object_set_new(Object, "bugcheck", SweepJsonBugCheck(R, Run));
    json_object_set_new(Object, "ended", P->ended[0] ? json_string(P->ended) : json_null());
    return Object;
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
    json_t *Points = json_array();
    for (size_t i = 0; i < R->PointCount; i++) {
        const ntsim_sweep_point *P = &R->Points[i];
        json_array_append_new(Points, json_pack("{s:I,s:s,s:s,s:s}", "index", (json_int_t)P->index, "ddi", P->ddi,
                                                "class", P->fault_class, "site", P->site));
    }
    json_object_set_new(Root, "injection_points", Points);
    json_t *Results = json_array();
    for (unsigned long Run = 0; Run <= R->PointCount; Run++)
        if (SweepRunRecord(R, Run)->ran)
            json_array_append_new(Results, SweepJsonRun(R, Run));
    json_object_set_new(Root, "results", Results);
    json_t *Findings = json_array();
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = &R->Findings[i];
        json_array_append_new(Findings, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "run", (json_int_t)F->run, "rule",
                                                  F->rule, "severity", SweepSeverityName(F->severity), "ddi", F->ddi,
                                                  "site", F->site, "culprit", F->culprit, "message", F->message));
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

static void SweepJunitCase(FILE *Out, const ntsim_sweep_result *R, unsigned long Run, const ntsim_sweep_point *P)
{
    fprintf(Out, "  <testcase classname=\"ntsim.faults.");
    SweepXmlText(Out, R->Driver);
    fprintf(Out, "\" name=\"");
    if (Run) {
        fprintf(Out, "%lu-", Run);
        SweepXmlText(Out, P->ddi);
        fputc('@', Out);
        SweepXmlText(Out, P->site);
    } else {
        fputs("0-baseline", Out);
    }
    fprintf(Out, "\" time=\"%.3f\">\n", P->seconds);
    BOOLEAN Notes = FALSE;
    for (size_t i = 0; i < R->FindingCount; i++) {
        const ntsim_sweep_finding *F = &R->Findings[i];
        if (F->run != Run)
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
            if (F->run != Run || SweepCounts(R, F->severity))
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

int ntsim_sweep_write_junit(const ntsim_sweep_result *Const, const char *Path)
{
    ntsim_sweep_result *R = (ntsim_sweep_result *)Const;
    FILE *Out = SweepOpenOutput(Path);
    if (Out == NULL)
        return NTSIM_E_IO;
    size_t Tests = 0, Failures = 0;
    double Seconds = 0;
    for (size_t i = 0; i < R->FindingCount; i++)
        if (SweepCounts(R, R->Findings[i].severity))
            Failures++;
    for (unsigned long Run = 0; Run <= R->PointCount; Run++)
        if (SweepRunRecord(R, Run)->ran) {
            Tests++;
            Seconds += SweepRunRecord(R, Run)->seconds;
        }
    fprintf(Out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"");
    SweepXmlText(Out, R->Image);
    fprintf(Out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" warnings=\"%zu\" time=\"%.3f\">\n", Tests, Failures,
            ntsim_sweep_warning_count(R), Seconds);
    for (unsigned long Run = 0; Run <= R->PointCount; Run++) {
        const ntsim_sweep_point *P = SweepRunRecord(R, Run);
        if (P->ran)
            SweepJunitCase(Out, R, Run, P);
    }
    fprintf(Out, "</testsuite>\n");
    return SweepCloseOutput(Out, Path);
}

static void SweepFreePoint(ntsim_sweep_point *P)
{
    free((char *)P->ddi);
    free((char *)P->fault_class);
    free((char *)P->site);
    free((char *)P->ended);
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
