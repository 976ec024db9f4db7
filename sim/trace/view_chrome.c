/* view_chrome.c - the Chrome trace-event JSON view (the format Perfetto and
 * chrome://tracing open; "JSON Array Format" with "B"/"E" slices, "i" instants,
 * "C" counters, "s"/"t"/"f" flow events and "M" metadata).
 *
 * Tracks: one per simulated thread (tid = thread id), so dispatch routines, ISRs and
 * DPCs nest on the thread they ran on; the IRQL of each CPU is a counter; each IRP is
 * a flow from the dispatch routine that first received it, through every driver it
 * was passed to, to the place that completed it. Jansson builds and escapes each
 * event (driver text in DbgPrint output can hold anything). */
#include "ntsimp.h"
#include "trace/trace.h"

#include <jansson.h>

#define TR_PID 1
#define TR_DEVICE_PID 2 /* device stacks: a track per device object (lane) */
#define TR_NAMED_THREADS 4096

static json_t *TrJsonText(const char *Text);
static BOOLEAN TrFirstEvent;
static BOOLEAN TrDeviceProcessNamed;
static unsigned char TrThreadNamed[TR_NAMED_THREADS / 8];

static void TrPut(FILE *Out, json_t *Object)
{
    if (Object == NULL)
        return;
    fputs(TrFirstEvent ? "\n" : ",\n", Out);
    TrFirstEvent = FALSE;
    json_dumpf(Object, Out, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(Object);
}

static json_t *TrBase(const char *Phase, const char *Name, const char *Category, const TR_EVENT *Event)
{
    return json_pack("{s:s, s:o, s:s, s:f, s:i, s:I}", "ph", Phase, "name", TrJsonText(Name), "cat", Category, "ts",
                     (double)Event->Time / 1000.0, "pid", TR_PID, "tid", (json_int_t)Event->Thread);
}

static void TrNameThread(FILE *Out, const TR_EVENT *Event)
{
    ULONG Id = Event->Thread;
    if (Id < TR_NAMED_THREADS && (TrThreadNamed[Id / 8] >> (Id % 8)) & 1)
        return;
    if (Id < TR_NAMED_THREADS)
        TrThreadNamed[Id / 8] |= (unsigned char)(1u << (Id % 8));
    const char *Name = Event->ThreadName && Event->ThreadName[0] ? Event->ThreadName : "thread";
    char Label[160];
    snprintf(Label, sizeof(Label), "t%u %s", Id, Name);
    TrPut(Out, json_pack("{s:s, s:s, s:i, s:I, s:{s:o}}", "ph", "M", "name", "thread_name", "pid", TR_PID, "tid",
                         (json_int_t)Id, "args", "name", TrJsonText(Label)));
}

static void TrChromeBegin(FILE *Out)
{
    TrFirstEvent = TRUE;
    TrDeviceProcessNamed = FALSE;
    memset(TrThreadNamed, 0, sizeof(TrThreadNamed));
    fputs("[", Out);
    TrPut(Out, json_pack("{s:s, s:s, s:i, s:{s:s}}", "ph", "M", "name", "process_name", "pid", TR_PID, "args",
                         "name", "ntsim machine"));
}

static void TrChromeEnd(FILE *Out)
{
    fputs("\n]\n", Out);
}

/* Driver text is not always UTF-8: bytes that are not become '?' rather than lose the event. */
static json_t *TrJsonText(const char *Text)
{
    json_t *String = json_string(Text);
    if (String)
        return String;
    char *Copy = KiHostStrdup(Text);
    for (char *p = Copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    String = json_string(Copy);
    free(Copy);
    return String;
}

static void TrAddString(json_t *Args, const char *Key, const char *Value)
{
    if (Value)
        json_object_set_new(Args, Key, TrJsonText(Value));
}

static json_t *TrIrpArgs(const TR_EVENT *Event)
{
    json_t *Args = json_object();
    json_object_set_new(Args, "irp", json_integer(Event->Irp));
    TrAddString(Args, "driver", Event->Driver);
    TrAddString(Args, "device", Event->Device);
    return Args;
}

static void TrFlow(FILE *Out, const TR_EVENT *Event, const char *Phase)
{
    if (Event->Irp == 0)
        return;
    json_t *Flow = TrBase(Phase, "IRP", "irp.flow", Event);
    json_object_set_new(Flow, "id", json_integer(Event->Irp));
    json_object_set_new(Flow, "bp", json_string("e"));
    TrPut(Out, Flow);
}

static void TrIrpEvent(FILE *Out, const TR_EVENT *Event)
{
    json_t *Object;
    switch (Event->Kind) {
    case TrIrpDispatch:
        Object = TrBase("B", TrMajorName(Event->Major), "irp", Event);
        json_t *Args = TrIrpArgs(Event);
        json_object_set_new(Args, "minor", json_integer(Event->Minor));
        json_object_set_new(Object, "args", Args);
        TrPut(Out, Object);
        TrFlow(Out, Event, Event->Top ? "s" : "t");
        return;
    case TrIrpDispatchDone:
        Object = TrBase("E", TrMajorName(Event->Major), "irp", Event);
        json_object_set_new(Object, "args", json_pack("{s:s}", "status", ntsim_status_name((int32_t)Event->Value)));
        TrPut(Out, Object);
        return;
    case TrIrpComplete:
        Object = TrBase("i", "IoCompleteRequest", "irp", Event);
        json_object_set_new(Object, "s", json_string("t"));
        Args = TrIrpArgs(Event);
        json_object_set_new(Args, "status", json_string(ntsim_status_name((int32_t)Event->Value)));
        json_object_set_new(Args, "information", json_integer((json_int_t)Event->Information));
        json_object_set_new(Object, "args", Args);
        TrPut(Out, Object);
        TrFlow(Out, Event, "f");
        return;
    default: /* TrIrpCompletionRoutine */
        Object = TrBase("i", "completion routine", "irp", Event);
        json_object_set_new(Object, "s", json_string("t"));
        json_object_set_new(Object, "args", TrIrpArgs(Event));
        TrPut(Out, Object);
        return;
    }
}

static void TrRoutineEvent(FILE *Out, const TR_EVENT *Event)
{
    BOOLEAN Isr = Event->Kind == TrIsrBegin || Event->Kind == TrIsrEnd;
    BOOLEAN Begin = Event->Kind == TrIsrBegin || Event->Kind == TrDpcBegin;
    json_t *Object = TrBase(Begin ? "B" : "E", Isr ? "ISR" : "DPC", Isr ? "interrupt" : "dpc", Event);
    json_t *Args = json_object();
    TrAddString(Args, "driver", Event->Driver);
    if (Isr)
        json_object_set_new(Args, Begin ? "line" : "claimed", json_integer(Event->Value));
    json_object_set_new(Object, "args", Args);
    TrPut(Out, Object);
}

static void TrTextEventOut(FILE *Out, const TR_EVENT *Event)
{
    static const char *const Names[] = { [TrText] = "scheduler", [TrDebugPrint] = "DbgPrint",
                                         [TrBugCheck] = "bug check", [TrFinding] = "finding",
                                         [TrFaultInjected] = "fault injected" };
    BOOLEAN Global = Event->Kind == TrBugCheck || Event->Kind == TrFinding || Event->Kind == TrFaultInjected;
    json_t *Object = TrBase("i", Event->Kind == TrText ? Event->Text : Names[Event->Kind],
                            Event->Kind == TrText ? "sched" : "driver", Event);
    json_object_set_new(Object, "s", json_string(Global ? "g" : "t"));
    json_t *Args = json_object();
    TrAddString(Args, "driver", Event->Driver);
    if (Event->Kind != TrText)
        TrAddString(Args, "text", Event->Text);
    json_object_set_new(Object, "args", Args);
    TrPut(Out, Object);
}

/* An IRP's time in a device: a slice on that device's track ("IRP#3 IRP_MJ_READ"), in
 * the "device stacks" process. A device holding several IRPs at once has a track per
 * IRP present (lanes), so slices on a track never overlap. */
static void TrDeviceEvent(FILE *Out, const TR_EVENT *Event)
{
    if (!TrDeviceProcessNamed) {
        TrDeviceProcessNamed = TRUE;
        TrPut(Out, json_pack("{s:s, s:s, s:i, s:{s:s}}", "ph", "M", "name", "process_name", "pid", TR_DEVICE_PID,
                             "args", "name", "device stacks"));
    }
    if (Event->NewTrack) {
        char Label[300];
        ULONG Lane = (Event->Track - 100000u) % 64u;
        if (Lane)
            snprintf(Label, sizeof(Label), "%s [%u]", Event->Device, Lane + 1);
        else
            snprintf(Label, sizeof(Label), "%s", Event->Device);
        TrPut(Out, json_pack("{s:s, s:s, s:i, s:I, s:{s:o}}", "ph", "M", "name", "thread_name", "pid", TR_DEVICE_PID,
                             "tid", (json_int_t)Event->Track, "args", "name", TrJsonText(Label)));
    }
    char Name[64];
    snprintf(Name, sizeof(Name), "IRP#%u %s", Event->Irp, TrMajorName(Event->Major));
    BOOLEAN Enter = Event->Kind == TrIrpEnterDevice;
    json_t *Object = json_pack("{s:s, s:o, s:s, s:f, s:i, s:I}", "ph", Enter ? "B" : "E", "name", TrJsonText(Name),
                               "cat", "devstack", "ts", (double)Event->Time / 1000.0, "pid", TR_DEVICE_PID, "tid",
                               (json_int_t)Event->Track);
    if (Enter)
        json_object_set_new(Object, "args", TrIrpArgs(Event));
    TrPut(Out, Object);
}

static void TrAccessEvent(FILE *Out, const TR_EVENT *Event)
{
    static const char *const Reads[] = { "READ_PORT_UCHAR", "READ_PORT_USHORT", "READ_PORT_ULONG", "READ_PORT_ULONG64" };
    static const char *const Writes[] = { "WRITE_PORT_UCHAR", "WRITE_PORT_USHORT", "WRITE_PORT_ULONG",
                                          "WRITE_PORT_ULONG64" };
    static const char *const RegReads[] = { "READ_REGISTER_UCHAR", "READ_REGISTER_USHORT", "READ_REGISTER_ULONG",
                                            "READ_REGISTER_ULONG64" };
    static const char *const RegWrites[] = { "WRITE_REGISTER_UCHAR", "WRITE_REGISTER_USHORT", "WRITE_REGISTER_ULONG",
                                             "WRITE_REGISTER_ULONG64" };
    unsigned Size = Event->Minor == 8 ? 3 : Event->Minor == 4 ? 2 : Event->Minor == 2 ? 1 : 0;
    const char *const *Names = Event->Kind == TrPortRead ? Reads : Event->Kind == TrPortWrite ? Writes
                             : Event->Kind == TrRegisterRead ? RegReads : RegWrites;
    json_t *Object = TrBase("i", Names[Size], "port", Event);
    json_object_set_new(Object, "s", json_string("t"));
    char Address[32], Value[32];
    snprintf(Address, sizeof(Address), "0x%llx", (unsigned long long)Event->Information);
    snprintf(Value, sizeof(Value), "0x%llx", (unsigned long long)Event->Value);
    json_t *Args = json_pack("{s:s, s:s}", "address", Address, "value", Value);
    TrAddString(Args, "driver", Event->Driver);
    json_object_set_new(Object, "args", Args);
    TrPut(Out, Object);
}

static void TrChromeWrite(FILE *Out, const TR_EVENT *Event)
{
    if (Event->Kind == TrIrpEnterDevice || Event->Kind == TrIrpLeaveDevice) {
        TrDeviceEvent(Out, Event);
        return;
    }
    TrNameThread(Out, Event);
    switch (Event->Kind) {
    case TrIrpDispatch:
    case TrIrpDispatchDone:
    case TrIrpComplete:
    case TrIrpCompletionRoutine:
        TrIrpEvent(Out, Event);
        return;
    case TrIrqlChange: {
        char Name[32];
        snprintf(Name, sizeof(Name), "IRQL cpu%u", Event->Cpu);
        json_t *Object = TrBase("C", Name, "irql", Event);
        json_object_set_new(Object, "args", json_pack("{s:I}", "IRQL", (json_int_t)Event->Value));
        TrPut(Out, Object);
        return;
    }
    case TrIsrBegin:
    case TrIsrEnd:
    case TrDpcBegin:
    case TrDpcEnd:
        TrRoutineEvent(Out, Event);
        return;
    case TrInterruptDelivered: {
        json_t *Object = TrBase("i", Event->Information ? "spurious interrupt delivered" : "interrupt delivered",
                                "interrupt", Event);
        json_object_set_new(Object, "s", json_string("t"));
        json_object_set_new(Object, "args", json_pack("{s:I, s:i}", "line", (json_int_t)Event->Value, "irql",
                                                      (int)Event->Irql));
        TrPut(Out, Object);
        return;
    }
    case TrPortRead:
    case TrPortWrite:
    case TrRegisterRead:
    case TrRegisterWrite:
        TrAccessEvent(Out, Event);
        return;
    default:
        TrTextEventOut(Out, Event);
        return;
    }
}

const TR_VIEW TrChromeView = { TrChromeBegin, TrChromeWrite, TrChromeEnd };
