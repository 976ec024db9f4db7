/* sweepmerge.c - the JSON reports of a sharded sweep joined into the report the
 * unsharded sweep gives (ntsim faults --merge, ntsim_sweep_merge). Every shard ran the
 * baseline to learn the points; shard 0 reports it. The merge checks that the reports
 * belong together (the same image, the same injection points, each shard of the same
 * count exactly once) and rebuilds the result, so the table, JSON and JUnit writers
 * produce what one unsharded sweep would. The JSON holds no times, so a merged JUnit
 * report's times are 0. */
#include "sweepp.h"

#include <jansson.h>

typedef struct _SWEEP_MERGE {
    ntsim_sweep_result *R;
    json_t *Points;        /* the first report's injection points: the others must equal them */
    unsigned ShardCount;
    unsigned char *Seen;   /* per shard index */
    const char *Path;
} SWEEP_MERGE;

static const char *SweepJsonText(json_t *Object, const char *Key)
{
    const char *Text = json_string_value(json_object_get(Object, Key));
    return Text ? Text : "";
}

static int SweepOutcomeValue(const char *Name)
{
    if (strcmp(Name, "clean") == 0)
        return NTSIM_RUN_CLEAN;
    if (strcmp(Name, "warnings") == 0)
        return NTSIM_RUN_WARNINGS;
    if (strcmp(Name, "errors") == 0 || strcmp(Name, "bugcheck") == 0)
        return NTSIM_RUN_ERRORS;
    return NTSIM_RUN_NO_VERDICT;
}

static ntsim_severity SweepSeverityValue(const char *Name)
{
    return strcmp(Name, "error") == 0 ? NTSIM_SEV_ERROR : strcmp(Name, "warning") == 0 ? NTSIM_SEV_WARNING : NTSIM_SEV_INFO;
}

static char *SweepDupOrEmpty(json_t *Value)
{
    return KiHostStrdup(json_is_string(Value) ? json_string_value(Value) : "");
}

static void SweepMergeBugCheck(ntsim_sweep_point *P, SWEEP_BUGCHECK *B, json_t *Check)
{
    if (!json_is_object(Check) || B == NULL || B->Name != NULL)
        return;
    P->bugcheck_code = (uint32_t)strtoul(SweepJsonText(Check, "code"), NULL, 16);
    B->Name = SweepDupOrEmpty(json_object_get(Check, "name"));
    json_t *Params = json_object_get(Check, "parameters");
    for (int i = 0; i < 4; i++)
        B->Params[i] = SweepDupOrEmpty(json_array_get(Params, (size_t)i));
    B->Driver = SweepDupOrEmpty(json_object_get(Check, "driver"));
    B->Site = SweepDupOrEmpty(json_object_get(Check, "site"));
    B->Explanation = KiHostStrdup("");
}

/* One entry of "results". */
static int SweepMergeRun(SWEEP_MERGE *M, json_t *Run)
{
    ntsim_sweep_result *R = M->R;
    unsigned long Index = (unsigned long)json_integer_value(json_object_get(Run, "run"));
    json_t *Then = json_object_get(Run, "then");
    ntsim_sweep_point *P;
    SWEEP_BUGCHECK *B;
    if (json_is_object(Then)) {
        unsigned long Second = (unsigned long)json_integer_value(json_object_get(Then, "index"));
        P = Second <= Index || Index > R->PointCount || SweepSecondRecord(R, Index, Second) ? NULL
                                                : SweepAddSecond(R, Index, Second, SweepJsonText(Then, "ddi"),
                                                                 SweepJsonText(Then, "class"), SweepJsonText(Then, "site"));
        B = P ? SweepSecondBugCheck(R, Index, Second) : NULL;
    } else {
        P = SweepRunRecord(R, Index);
        B = SweepBugCheckOf(R, Index);
    }
    if (P == NULL || P->ran) {
        NtsimSetLastError("%s: run %lu is not a run of this sweep, or two reports hold it", M->Path, Index);
        return NTSIM_E_ARGS;
    }
    P->ran = 1;
    P->outcome = SweepOutcomeValue(SweepJsonText(Run, "outcome"));
    json_t *Code = json_object_get(Run, "entry_status_code");
    P->entry_returned = json_is_string(Code);
    P->entry_status = P->entry_returned ? (int32_t)strtoul(json_string_value(Code), NULL, 16) : 0;
    SweepMergeBugCheck(P, B, json_object_get(Run, "bugcheck"));
    free((char *)P->ended);
    P->ended = SweepDupOrEmpty(json_object_get(Run, "ended"));
    json_t *Seconds = json_object_get(Run, "seconds");
    P->seconds = json_is_number(Seconds) ? json_number_value(Seconds) : 0;
    R->Runs++;
    return 0;
}

static void SweepMergeFindings(SWEEP_MERGE *M, json_t *Findings)
{
    size_t i;
    json_t *F;
    json_array_foreach(Findings, i, F) {
        SweepAddFinding(M->R, (unsigned long)json_integer_value(json_object_get(F, "run")),
                        (unsigned long)json_integer_value(json_object_get(F, "then")), SweepJsonText(F, "rule"),
                        SweepSeverityValue(SweepJsonText(F, "severity")), SweepJsonText(F, "culprit"),
                        KiHostStrdup(SweepJsonText(F, "message")));
    }
}

/* The first report makes the result: image, driver, injection points. */
static void SweepMergeStart(SWEEP_MERGE *M, json_t *Root, ntsim_fail_on FailOn)
{
    ntsim_sweep_result *R = SweepNewResult(SweepJsonText(Root, "image"), FailOn);
    free(R->Driver);
    R->Driver = KiHostStrdup(SweepJsonText(Root, "driver"));
    M->Points = json_incref(json_object_get(Root, "injection_points"));
    R->PointCount = json_array_size(M->Points);
    R->Points = KiHostAlloc((R->PointCount ? R->PointCount : 1) * sizeof(*R->Points));
    R->BugChecks = KiHostAlloc((R->PointCount ? R->PointCount : 1) * sizeof(*R->BugChecks));
    for (size_t i = 0; i < R->PointCount; i++) {
        json_t *Point = json_array_get(M->Points, i);
        ntsim_sweep_point *P = &R->Points[i];
        P->index = (unsigned long)json_integer_value(json_object_get(Point, "index"));
        P->ddi = KiHostStrdup(SweepJsonText(Point, "ddi"));
        P->fault_class = KiHostStrdup(SweepJsonText(Point, "class"));
        P->site = KiHostStrdup(SweepJsonText(Point, "site"));
        P->ended = KiHostStrdup("");
    }
    M->R = R;
}

/* A report belongs to the merge: the same sweep, a shard not seen yet. */
static int SweepMergeCheck(SWEEP_MERGE *M, json_t *Root)
{
    if (json_integer_value(json_object_get(Root, "schema_version")) != NTSIM_SWEEP_JSON_SCHEMA) {
        NtsimSetLastError("%s: not an ntsim sweep report of schema_version %d", M->Path, NTSIM_SWEEP_JSON_SCHEMA);
        return NTSIM_E_ARGS;
    }
    json_t *Shard = json_object_get(Root, "shard");
    unsigned Count = json_is_object(Shard) ? (unsigned)json_integer_value(json_object_get(Shard, "count")) : 1;
    unsigned Index = json_is_object(Shard) ? (unsigned)json_integer_value(json_object_get(Shard, "index")) : 0;
    if (M->R == NULL) {
        SweepMergeStart(M, Root, NTSIM_FAIL_ON_ERROR);
        M->ShardCount = Count ? Count : 1;
        M->Seen = KiHostAlloc(M->ShardCount);
    } else if (strcmp(SweepJsonText(Root, "image"), M->R->Image) != 0 ||
               !json_equal(json_object_get(Root, "injection_points"), M->Points)) {
        NtsimSetLastError("%s: a report of another sweep (its image or injection points differ from the first report's)",
                          M->Path);
        return NTSIM_E_ARGS;
    }
    if (Count != M->ShardCount || Index >= Count || M->Seen[Index]) {
        NtsimSetLastError("%s: shard %u/%u does not fit (the first report is one of %u shards%s)", M->Path, Index, Count,
                          M->ShardCount, Index < Count && Count == M->ShardCount ? ", and this shard came already" : "");
        return NTSIM_E_ARGS;
    }
    M->Seen[Index] = 1;
    return 0;
}

static int SweepMergeFile(SWEEP_MERGE *M, const char *Path)
{
    M->Path = Path;
    json_error_t Error;
    json_t *Root = json_load_file(Path, 0, &Error);
    if (Root == NULL) {
        if (Error.line > 0)
            NtsimSetLastError("%s: not readable JSON: %s (line %d)", Path, Error.text, Error.line);
        else
            NtsimSetLastError("%s: %s", Path, Error.text);
        return NTSIM_E_IO;
    }
    int Rc = SweepMergeCheck(M, Root);
    size_t i;
    json_t *Run;
    json_array_foreach(json_object_get(Root, "results"), i, Run) {
        if (Rc == 0)
            Rc = SweepMergeRun(M, Run);
    }
    if (Rc == 0) {
        SweepMergeFindings(M, json_object_get(Root, "findings"));
        json_t *Second = json_object_get(Root, "second_order");
        M->R->SecondCandidates += (size_t)json_integer_value(json_object_get(Second, "candidates"));
    }
    json_decref(Root);
    return Rc;
}

int ntsim_sweep_merge(const char *const *Paths, size_t Count, ntsim_fail_on FailOn, ntsim_sweep_result **Out)
{
    *Out = NULL;
    if (Paths == NULL || Count == 0) {
        NtsimSetLastError("ntsim_sweep_merge: no reports to merge");
        return NTSIM_E_ARGS;
    }
    SWEEP_MERGE M;
    memset(&M, 0, sizeof(M));
    int Rc = 0;
    for (size_t i = 0; i < Count && Rc == 0; i++)
        Rc = SweepMergeFile(&M, Paths[i]);
    for (unsigned i = 0; Rc == 0 && i < M.ShardCount; i++)
        if (!M.Seen[i]) {
            NtsimSetLastError("shard %u of %u is missing from the merge", i, M.ShardCount);
            Rc = NTSIM_E_ARGS;
        }
    json_decref(M.Points);
    free(M.Seen);
    if (Rc != 0) {
        ntsim_sweep_free(M.R);
        return Rc;
    }
    M.R->FailOn = FailOn;
    SweepSortFindings(M.R);
    *Out = M.R;
    return 0;
}
