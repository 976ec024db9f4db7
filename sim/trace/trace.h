/*
 * trace.h - one event model for what the simulated machine does (docs/trace.md).
 *
 * Subsystems report events here: IRPs entering a driver and completing, completion
 * routines, IRQL changes, interrupts and ISRs, DPCs, DbgPrint, bug checks and findings,
 * and the scheduler's text events. Views (trace/view_*.c) turn them into a Chrome
 * trace-event JSON file (Perfetto, chrome://tracing) or a human text log.
 *
 * The same hooks feed the simulator's signals in the machine's VCD (trace/vcdsignals.c):
 * IRQL, in-ISR and in-DPC per CPU, interrupts delivered per line, IRPs in flight per
 * device object, and the GTKWave save file that arranges them (trace/gtkw.c).
 *
 * Off costs one predictable branch: every hook is `if (TrEnabled) TrXxx(...)`, and
 * TrEnabled is set while an event file or a VCD is open. Port and register accesses
 * have their own flag (TrPorts), set only when the event file asks for them.
 */
#ifndef NTSIM_TRACE_H
#define NTSIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

extern __attribute__((visibility("hidden"))) BOOLEAN TrEnabled; /* internal: read without the GOT */
extern BOOLEAN TrPorts;

struct hw_vcd;

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
    TrInterruptDelivered, /* the HAL delivers a line (Value = line, Information = spurious) */
    TrIrpEnterDevice,   /* an IRP is now at a device (Track = that device's track) */
    TrIrpLeaveDevice,   /* ... and has left it (completed past its stack location) */
    TrPortRead,         /* READ_PORT_* (Information = port, Value = value, Minor = size) */
    TrPortWrite,
    TrRegisterRead,     /* READ_REGISTER_* (Information = physical address) */
    TrRegisterWrite,
    TrFaultInjected,    /* a failable DDI made to fail (Text = "IoCreateDevice at echo.c:89") */
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
    KIRQL Irql;           /* TrInterruptDelivered: the IRQL it is delivered at */
    BOOLEAN Top;          /* TrIrpDispatch: the IRP enters its first (top) driver */
    int64_t Value;        /* IRQL, status, line ... by kind */
    uint64_t Information;
    const char *Driver;   /* service name of the driver concerned, or NULL */
    const char *Device;   /* device object name, or NULL */
    const char *Text;
    ULONG Track;          /* TrIrpEnter/LeaveDevice: the device track (see trace/devstack.c) */
    BOOLEAN NewTrack;     /* ... first use of that track: views name it */
} TR_EVENT;

/* Event categories, for --trace-filter (TrSetFilter). */
#define TR_CAT_IRP 0x01      /* dispatch, completion, IRPs through device stacks */
#define TR_CAT_IRQL 0x02
#define TR_CAT_ISR 0x04      /* interrupts delivered and ISRs */
#define TR_CAT_DPC 0x08
#define TR_CAT_SCHED 0x10    /* threads, waits, timers, work items */
#define TR_CAT_DBGPRINT 0x20
#define TR_CAT_FINDING 0x40  /* findings and bug checks */
#define TR_CAT_PORT 0x80     /* port and register accesses: off by default */
#define TR_CAT_DEFAULT 0x7F

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

/* Which categories the event file gets: a comma-separated list of irp, irql, isr,
 * dpc, sched, dbgprint, finding, port, or "all" / "default". 0 or NTSIM_E_ARGS with
 * the error naming the unknown word. Applies to the next TrStart and the running one. */
int TrSetFilter(const char *List);

/* TrEnabled := an event file or a VCD is open (forgets IRP whereabouts when neither). */
void TrUpdateEnabled(void);

/* Hooks (call only when TrEnabled). */
/* IrpId: the IRP's trace number (IopIrpTraceId), 0 for IRPs without one. */
void TrIrp(TR_KIND Kind, ULONG IrpId, PIRP Irp, PDEVICE_OBJECT Device, int64_t Value, uint64_t Information);
ULONG TrNextIrpId(void);
/* The dispatch routine for Major returned Status (the IRP may be gone by then). */
void TrIrpDone(ULONG IrpId, UCHAR Major, PDEVICE_OBJECT Device, NTSTATUS Status);
void TrIrql(KIRQL Irql);
void TrRoutine(TR_KIND Kind, const char *Driver, int64_t Value);
void TrTextEvent(TR_KIND Kind, const char *Driver, const char *Text);
void TrInterrupt(ULONG Line, BOOLEAN Spurious);
/* The fault injector fails call Index, a call of Ddi at Site ("echo.c:108"). */
void TrFaultEvent(const char *Driver, const char *Ddi, unsigned long Index, const char *Site);
/* Completion of Irp went up to its current location: it has left every device below. */
void TrIrpCompleted(PIRP Irp);
/* Call only when TrPorts. Register: Address is the physical address. */
void TrPortAccess(TR_KIND Kind, uint64_t Address, ULONG Size, uint64_t Value);

/* trace/devstack.c: where each IRP is (a device it was sent to and has not left).
 * Enter returns the device's record; Leave reports each device left to Report. */
typedef struct _TR_DEVICE TR_DEVICE;
/* InFile: the IRP entered the device while the present event file was open. */
typedef void (*TR_LEAVE_REPORT)(TR_DEVICE *Device, ULONG Lane, ULONG IrpId, UCHAR Major, BOOLEAN InFile);
TR_DEVICE *TrResidencyEnter(PIRP Irp, ULONG IrpId, PDEVICE_OBJECT Device, ULONG *Lane, BOOLEAN *NewLane);
void TrResidencyLeave(PIRP Irp, CHAR Below, TR_LEAVE_REPORT Report);
void TrResidencyNewFile(void);
void TrResidencyReset(void);
/* What views and the VCD need of a device record. */
const char *TrDeviceLabel(const TR_DEVICE *Device);  /* "\Device\Serial0 (serial)" */
const char *TrDeviceDriver(const TR_DEVICE *Device);
const char *TrDeviceShortName(const TR_DEVICE *Device); /* "Serial0", "unnamed2": VCD-safe */
ULONG TrDeviceIndex(const TR_DEVICE *Device);
ULONG TrDeviceInFlight(const TR_DEVICE *Device);
ULONG TrDeviceTrack(const TR_DEVICE *Device, ULONG Lane);
int *TrDeviceVcdSignal(TR_DEVICE *Device);
size_t TrDeviceCount(void);
TR_DEVICE *TrDeviceAt(size_t Index);

/* trace/vcdsignals.c: the simulator's signals in the machine's VCD. */
/* Attach to the machine's VCD (before its first change); Gtkw is the save file to
 * write at detach (NULL = VcdPath with .gtkw for its extension, "" = none). */
int TrVcdAttach(struct hw_vcd *Vcd, const char *VcdPath, const char *Gtkw);
/* A device model's signals (scope "com1") and its interrupt line (-1 = none). */
void TrVcdAddHardware(const char *Scope, int Line, const char *Description);
/* Writes the save file and detaches (before the VCD is closed). */
void TrVcdDetach(void);
BOOLEAN TrVcdAttached(void);
void TrVcdIrql(ULONG Cpu, KIRQL Irql);
void TrVcdRoutine(ULONG Cpu, TR_KIND Kind, const char *Driver, int64_t Line);
void TrVcdInterrupt(ULONG Line);
void TrVcdInFlight(TR_DEVICE *Device);

/* trace/gtkw.c: the GTKWave save file for a VCD. */
typedef struct _TR_GTKW_HARDWARE {
    const char *Scope;        /* the model's signals: "com1" */
    int Line;                 /* interrupt line, -1 = none */
    const char *Description;  /* "uart16550 at 0x3f8" */
    const char *Drivers[8];   /* drivers whose ISR served the line */
} TR_GTKW_HARDWARE;
int TrWriteGtkw(FILE *Out, const struct hw_vcd *Vcd, const char *VcdPath, const char *GtkwPath, ULONG Cpus,
                const TR_GTKW_HARDWARE *Hardware, size_t HardwareCount, uint64_t EndTime);

/* Names for views: "IRP_MJ_READ", "STATUS_SUCCESS". */
const char *TrMajorName(UCHAR Major);

#endif
