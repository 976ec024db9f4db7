/*
 * trace.h - one event model for what the simulated machine does (docs/trace.md).
 *
 * Subsystems report events here: IRPs entering a driver and completing, completion
 * routines, IRQL changes, interrupts and ISRs, DPCs, DbgPrint, bug checks and findings,
 * and the scheduler's text events. Views (trace/view_*.c) turn them into a Chrome
 * trace-event JSON file (Perfetto, chrome://tracing) or a human text log.
 *
 * Off costs one predictable branch: every hook is `if (TrEnabled) TrXxx(...)`.
 */
#ifndef NTSIM_TRACE_H
#define NTSIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

extern BOOLEAN TrEnabled;

typedef enum _TR_KIND {
    TrIrpDispatch,      /* an IRP enters a dispatch routine (slice begins) */
    TrIrpDispatchDone,  /* the dispatch routine returned (slice ends; Status) */
    TrIrpComplete,      /* IoCompleteRequest (Status, Information) */
    TrIrpCompletionRoutine, /* a completion routine is about to run (instant) */
    TrIrqlChange,       /* IRQL of the current CPU (Value) */
    TrIsrBegin,         /* an ISR starts (Value = bus interrupt line) */
    TrIsrEnd,           /* ... and returns (Value = claimed) */
    TrDpcBegin,
    TrDpcEnd,
    TrText,             /* a scheduler or simulator event described in Text */
    TrDebugPrint,       /* DbgPrint / KdPrint output of a driver */
    TrBugCheck,
    TrFinding,
    TrKindCount
} TR_KIND;

/* One event. Strings are copied when the event is written; nothing is kept. */
typedef struct _TR_EVENT {
    TR_KIND Kind;
    uint64_t Time;        /* virtual ns */
    ULONG Thread;         /* simulated thread id (1 = the host thread) */
    const char *ThreadName;
    ULONG Cpu;
    ULONG Irp;            /* the IRP's trace number, 0 = none */
    UCHAR Major, Minor;
    BOOLEAN Top;          /* TrIrpDispatch: the IRP enters its first (top) driver */
    int64_t Value;        /* IRQL, status, line ... by kind */
    uint64_t Information;
    const char *Driver;   /* service name of the driver concerned, or NULL */
    const char *Device;   /* device object name, or NULL */
    const char *Text;
} TR_EVENT;

typedef enum _TR_FORMAT {
    TrFormatChrome,       /* Chrome trace-event JSON (array form) */
    TrFormatText,         /* one human-readable line per event */
} TR_FORMAT;

/* A view: writes events to a stream as they happen. */
typedef struct _TR_VIEW {
    void (*Begin)(FILE *Out);
    void (*Write)(FILE *Out, const TR_EVENT *Event);
    void (*End)(FILE *Out);
} TR_VIEW;
extern const TR_VIEW TrChromeView;
extern const TR_VIEW TrTextView;

/* Start tracing to Path ("-" = stdout) in Format. 0 or an NTSIM_E_* code. */
int TrStart(const char *Path, TR_FORMAT Format);
/* Finish the file (closing bracket of the JSON array) and stop. */
void TrStop(void);
/* Stop and forget (machine teardown). */
void TrReset(void);
uint64_t TrEventCount(void);

/* Hooks (call only when TrEnabled). */
/* IrpId: the IRP's trace number (IopIrpTraceId), 0 for IRPs without one. */
void TrIrp(TR_KIND Kind, ULONG IrpId, PIRP Irp, PDEVICE_OBJECT Device, int64_t Value, uint64_t Information);
ULONG TrNextIrpId(void);
/* The dispatch routine for Major returned Status (the IRP may be gone by then). */
void TrIrpDone(ULONG IrpId, UCHAR Major, PDEVICE_OBJECT Device, NTSTATUS Status);
void TrIrql(KIRQL Irql);
void TrRoutine(TR_KIND Kind, const char *Driver, int64_t Value);
void TrTextEvent(TR_KIND Kind, const char *Driver, const char *Text);

/* Names for views: "IRP_MJ_READ", "STATUS_SUCCESS". */
const char *TrMajorName(UCHAR Major);

#endif
