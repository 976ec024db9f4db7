/* chrome_check.h - checks a Chrome trace-event JSON file against the format's
 * documented fields and counts what it holds (shared by the trace suites).
 * Every event has ph, name, pid; all but metadata have tid and ts; ts never goes
 * back; "B"/"E" nest per (pid, tid) track; flows "s"/"t"/"f" carry an integer id;
 * counters carry numeric args; instants have scope "t" or "g". */
#ifndef NTSIM_TEST_CHROME_CHECK_H
#define NTSIM_TEST_CHROME_CHECK_H

#include <jansson.h>

typedef struct {
    size_t Slices, Isrs, Dpcs, IrqlCounters, FlowStarts, FlowEnds, ThreadNames, Dispatches;
    size_t DeviceSlices, DeviceTrackNames, Interrupts, PortAccesses, Events, Faults;
    int IrqlSeen[3];
} TRACE_STATS;

#define MAX_TRACKS 256

typedef struct {
    json_int_t Pid, Tid;
    int Depth;
} TRACK_DEPTH;

static json_t *LoadTrace(const char *Path)
{
    json_error_t Error;
    json_t *Root = json_load_file(Path, 0, &Error);
    if (Root == NULL)
        fail_msg("%s:%d: not JSON: %s", Path, Error.line, Error.text);
    assert_true(json_is_array(Root));
    return Root;
}

static int *TrackDepth(TRACK_DEPTH *Tracks, size_t *Count, json_int_t Pid, json_int_t Tid)
{
    for (size_t i = 0; i < *Count; i++)
        if (Tracks[i].Pid == Pid && Tracks[i].Tid == Tid)
            return &Tracks[i].Depth;
    assert_true(*Count < MAX_TRACKS);
    Tracks[*Count] = (TRACK_DEPTH){ Pid, Tid, 0 };
    return &Tracks[(*Count)++].Depth;
}

static void CountMetadata(TRACE_STATS *S, json_t *Event)
{
    if (strcmp(json_string_value(json_object_get(Event, "name")), "thread_name") != 0)
        return;
    assert_true(json_is_integer(json_object_get(Event, "tid")));
    assert_non_null(json_string_value(json_object_get(json_object_get(Event, "args"), "name")));
    S->ThreadNames++;
    S->DeviceTrackNames += json_integer_value(json_object_get(Event, "pid")) == 2;
}

static void CountBegin(TRACE_STATS *S, json_t *Event, const char *Name)
{
    const char *Category = json_string_value(json_object_get(Event, "cat"));
    S->Slices++;
    S->Isrs += strcmp(Name, "ISR") == 0;
    S->Dpcs += strcmp(Name, "DPC") == 0;
    S->Dispatches += strncmp(Name, "IRP_MJ_", 7) == 0;
    if (Category && strcmp(Category, "devstack") == 0) {
        assert_true(strncmp(Name, "IRP#", 4) == 0);
        S->DeviceSlices++;
    }
}

static void CountInstant(TRACE_STATS *S, json_t *Event, const char *Name)
{
    const char *Scope = json_string_value(json_object_get(Event, "s"));
    assert_true(Scope && (strcmp(Scope, "t") == 0 || strcmp(Scope, "g") == 0));
    S->Interrupts += strstr(Name, "interrupt delivered") != NULL;
    S->Faults += strcmp(Name, "fault injected") == 0;
    S->PortAccesses += strstr(Name, "_PORT_") != NULL || strstr(Name, "_REGISTER_") != NULL;
}

/* Checks every event against the trace-event format and counts what it saw. */
static TRACE_STATS CheckChromeTrace(json_t *Root)
{
    TRACE_STATS S = { 0 };
    TRACK_DEPTH Tracks[MAX_TRACKS];
    size_t TrackCount = 0;
    double LastTs = -1;
    size_t Index;
    json_t *Event;
    json_array_foreach(Root, Index, Event) {
        S.Events++;
        const char *Ph = json_string_value(json_object_get(Event, "ph"));
        const char *Name = json_string_value(json_object_get(Event, "name"));
        assert_non_null(Ph);
        assert_non_null(Name);
        assert_true(json_is_integer(json_object_get(Event, "pid")));
        if (strcmp(Ph, "M") == 0) {
            CountMetadata(&S, Event);
            continue;
        }
        assert_true(json_is_integer(json_object_get(Event, "tid")));
        json_int_t Pid = json_integer_value(json_object_get(Event, "pid"));
        json_int_t Tid = json_integer_value(json_object_get(Event, "tid"));
        json_t *Ts = json_object_get(Event, "ts");
        assert_true(json_is_number(Ts));
        assert_true(json_number_value(Ts) >= LastTs); /* virtual time never goes back */
        LastTs = json_number_value(Ts);
        if (strcmp(Ph, "B") == 0) {
            (*TrackDepth(Tracks, &TrackCount, Pid, Tid))++;
            CountBegin(&S, Event, Name);
        } else if (strcmp(Ph, "E") == 0) {
            int *Depth = TrackDepth(Tracks, &TrackCount, Pid, Tid);
            assert_true(*Depth > 0); /* every end closes a begin on the same track */
            (*Depth)--;
        } else if (strcmp(Ph, "C") == 0) {
            json_t *Value = json_object_get(json_object_get(Event, "args"), "IRQL");
            assert_true(json_is_integer(Value));
            json_int_t Irql = json_integer_value(Value);
            if (Irql >= 0 && Irql <= 2)
                S.IrqlSeen[Irql] = 1;
            S.IrqlCounters++;
        } else if (strcmp(Ph, "s") == 0 || strcmp(Ph, "t") == 0 || strcmp(Ph, "f") == 0) {
            assert_true(json_is_integer(json_object_get(Event, "id")));
            S.FlowStarts += Ph[0] == 's';
            S.FlowEnds += Ph[0] == 'f';
        } else {
            assert_string_equal(Ph, "i");
            CountInstant(&S, Event, Name);
        }
    }
    for (size_t i = 0; i < TrackCount; i++)
        assert_int_equal(Tracks[i].Depth, 0);
    return S;
}

#endif
