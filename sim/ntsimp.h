/*
 * ntsimp.h - private interfaces shared by the simulator's subsystems.
 *
 * Every sim/ source includes this header first. It pulls in the driver-facing
 * headers (without the per-call site macros: NTSIM_INTERNAL) and declares the
 * internal plumbing: the per-thread context, driver ownership, resource tracking
 * for leak audits, the fault-injection choke point, verifier findings and bug checks.
 * Names follow the NT private style: Kip/Ki (kernel), Exp (executive), Iop (I/O),
 * Obp (objects), Cmp (registry), Rtlp (run-time), Vf/Vi (verifier, faults).
 */
#ifndef NTSIM_NTSIMP_H
#define NTSIM_NTSIMP_H

#define NTSIM_INTERNAL 1
#define NTSIM_NO_SEH_KEYWORDS 1
#include <ntddk.h>
#include <wdmsec.h>
#include <ntsim/ntsim.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NTSIM_TLS __thread __attribute__((tls_model("initial-exec")))
/* Simulator-internal globals the hot paths test (TrEnabled, VfEnabled...): not exported
 * from libntsim, so code reads them directly rather than through the GOT. */
#define NTSIM_HIDDEN __attribute__((visibility("hidden")))

/* ---- source sites ---- */
typedef struct _NTSIM_SITE {
    const char *File; /* as the driver's compiler saw it; NULL when unknown */
    int Line;
} NTSIM_SITE;

/* SY-04 from the per-DDI table (sim/verifier/irqltable.c): ReturnAddress is inside the DDI. */
void VfCheckDdiIrql(void *ReturnAddress, KIRQL Irql, NTSIM_SITE Site);
/* Take the site recorded by the DDI macro that led here, and clear it so that a
 * later call without a macro (function pointer) does not inherit a stale line.
 * Inline: every DDI starts here. A driver's call (a site was set) above PASSIVE_LEVEL
 * goes on to the SY-04 table check, whose helper is not inlined so that its return
 * address lies inside the DDI (sim/ke/context.c). */
extern NTSIM_TLS const char *KiSiteFile;
extern NTSIM_TLS int KiSiteLine;
KIRQL KiCurrentIrql(void);
void KiCheckSiteIrql(NTSIM_SITE Site);
static inline __attribute__((always_inline)) NTSIM_SITE KiTakeSite(void) /* inlined at -O0 too */
{
    NTSIM_SITE Site = { KiSiteFile, KiSiteLine };
    KiSiteFile = NULL;
    KiSiteLine = 0;
    if (Site.File != NULL && __builtin_expect(KiCurrentIrql() > PASSIVE_LEVEL, 0))
        KiCheckSiteIrql(Site);
    return Site;
}
int VfDdiMaxIrql(const char *Name); /* -1: no entry */
static const NTSIM_SITE KiNoSite = { NULL, 0 };
/* The same, or, when no site macro ran (a DDI called through a function pointer), the
 * caller named from its return address: pass __builtin_return_address(0). */
NTSIM_SITE KiTakeSiteOrCaller(void *ReturnAddress);
/* "/full/path/echo.c:42" (the file as compiled: absolute for ntsim_add_driver images) */
const char *KiFormatSite(NTSIM_SITE Site, char *Buffer, size_t Size);
const char *KiFormatSiteShort(NTSIM_SITE Site, char *Buffer, size_t Size); /* "echo.c:120" */
/* snprintf(Buffer, Size, "%s", Text) without snprintf's cost. */
const char *KiCopyText(char *Buffer, size_t Size, const char *Text);

/* ---- the running driver and what it owns (sim/verifier/owner.c) ----
 * Cross-cutting services every subsystem uses (findings name the driver, resources are
 * charged to it), so they sit below all of them, beside the findings; the I/O manager
 * registers the drivers it creates and sets the running one around each call into one.
 *
 * What the service keeps per driver. The I/O manager's driver object (IOP_DRIVER,
 * sim/io/iop.h) begins with a VF_DRIVER, so a PDRIVER_OBJECT leads here with no lookup. */
typedef struct _VF_DRIVER {
    DRIVER_OBJECT Object;
    const char *Name;       /* the service name ("echo"), for findings, bug checks, traces */
    LIST_ENTRY Resources;   /* NTSIM_TRACK.Link of everything it owns */
    LIST_ENTRY Link;        /* in the list of registered drivers (VfDrivers) */
    BOOLEAN InDriverEntry;  /* its DriverEntry is running (set by the loader; the fault
                               filter "entry" and the points' during_entry read it) */
} VF_DRIVER;

static inline VF_DRIVER *VfDriver(PDRIVER_OBJECT Driver)
{
    return (VF_DRIVER *)Driver;
}

/* Called by the I/O manager for each driver object it creates; Name must outlive it.
 * A driver is forgotten when its object goes (after its resources were reclaimed). */
void VfRegisterDriver(PDRIVER_OBJECT Driver, const char *Name);
void VfForgetDriver(PDRIVER_OBJECT Driver);
void VfResetOwnership(void); /* a new machine: none registered, none running */
/* Every registered driver, in creation order (VF_DRIVER.Link). */
PLIST_ENTRY VfDrivers(void);

static inline PLIST_ENTRY VfDriverResources(PDRIVER_OBJECT Driver)
{
    return &VfDriver(Driver)->Resources;
}

static inline const char *VfDriverName(PDRIVER_OBJECT Driver)
{
    return VfDriver(Driver)->Name;
}

/* The driver whose code is running on this thread (set around every call into a
 * driver), or NULL when the host or the simulator itself is running. Inline thread-local
 * accesses: read and written on every DDI call and IRP dispatch. */
extern NTSIM_TLS NTSIM_HIDDEN PDRIVER_OBJECT VfCurrent;

static inline PDRIVER_OBJECT VfCurrentDriver(void)
{
    return VfCurrent;
}

static inline PDRIVER_OBJECT VfSetCurrentDriver(PDRIVER_OBJECT Driver) /* returns the previous one */
{
    PDRIVER_OBJECT Previous = VfCurrent;
    VfCurrent = Driver;
    return Previous;
}

/* ---- tracked resources (the leak audit walks these per driver) ---- */
typedef enum _NTSIM_RESOURCE_KIND {
    NtsimResPool,
    NtsimResDevice,
    NtsimResSymbolicLink,
    NtsimResHandle,
    NtsimResObjectReference,
    NtsimResMdl,
    NtsimResIrp,
    NtsimResDriverExtension,
    NtsimResReinitRegistration,
    NtsimResShutdownRegistration,
    NtsimResWorkItem,
    NtsimResTimer,          /* a KTIMER still set (sim/ke/timer.c) */
    NtsimResDpc,            /* a KDPC still queued (sim/ke/dpc.c) */
    NtsimResThread,         /* a system thread still running (sim/ps) */
    NtsimResIoTimer,        /* IoStartTimer not stopped (sim/io/timer.c) */
    NtsimResWorkQueued,     /* ExQueueWorkItem item not yet run (sim/ex/worker.c) */
    NtsimResResourceClaim,  /* IoReportResourceUsage & co. still claimed (sim/io/resource.c) */
    NtsimResInterrupt,      /* IoConnectInterrupt not disconnected (sim/io/interrupt.c) */
    NtsimResIoMapping,      /* MmMapIoSpace not unmapped (sim/hal/mmio.c) */
    NtsimResCommonBuffer,   /* AllocateCommonBuffer not freed (sim/hal/dma.c) */
    NtsimResContiguous,     /* MmAllocateContiguous/NonCachedMemory not freed (sim/mm/contig.c) */
    NtsimResAdapter,        /* a DMA adapter not put back (sim/hal/dma.c) */
    NtsimResController,     /* IoCreateController not deleted (sim/io/controller.c) */
    NtsimResHooked,         /* described and reclaimed by its owner's hooks (NTSIM_HOOKED_RESOURCE) */
    NtsimResOther,
    NtsimResKindCount
} NTSIM_RESOURCE_KIND;

typedef struct _NTSIM_TRACK {
    LIST_ENTRY Link;          /* in the owner's list, or self-linked when untracked */
    PDRIVER_OBJECT Owner;     /* NULL: the simulator or the host owns it */
    NTSIM_RESOURCE_KIND Kind;
    NTSIM_SITE Site;          /* the driver line that created it */
} NTSIM_TRACK;

/* A resource whose subsystem describes and reclaims it (lookaside lists, WMI
 * registrations, locked pageable sections ...): embed this, kind NtsimResHooked. */
typedef struct _NTSIM_HOOKED_RESOURCE {
    NTSIM_TRACK Track;
    void (*Describe)(struct _NTSIM_HOOKED_RESOURCE *Resource, char *Buffer, size_t Size);
    void (*Reclaim)(struct _NTSIM_HOOKED_RESOURCE *Resource); /* must untrack it */
} NTSIM_HOOKED_RESOURCE;

/* Attach Track to the current driver (no-op when no driver is running); sim/verifier/owner.c. */
void VfTrack(NTSIM_TRACK *Track, NTSIM_RESOURCE_KIND Kind, NTSIM_SITE Site);
void VfTrackFor(NTSIM_TRACK *Track, PDRIVER_OBJECT Owner, NTSIM_RESOURCE_KIND Kind, NTSIM_SITE Site);
void VfUntrack(NTSIM_TRACK *Track);
const char *VfResourceKindName(NTSIM_RESOURCE_KIND Kind);

/* How the leak audit describes and reclaims one kind of resource. The subsystem that
 * owns the kind registers it when a machine is created, so the audit calls through this
 * table and never names a subsystem. Reclaim must untrack the resource. A kind with no
 * entry is described by its kind name and reclaimed by untracking it. */
typedef struct _VF_RESOURCE_OPS {
    void (*Describe)(NTSIM_TRACK *Track, char *Buffer, size_t Size);
    void (*Reclaim)(NTSIM_TRACK *Track); /* NULL: untracking is all there is to do */
    /* TRUE: left behind, it is no leak (the driver has no way to release it; it is still
     * reclaimed). NULL: every one left behind is a leak. */
    BOOLEAN (*NotALeak)(NTSIM_TRACK *Track);
} VF_RESOURCE_OPS;
void VfRegisterResourceKind(NTSIM_RESOURCE_KIND Kind, const VF_RESOURCE_OPS *Ops);
void VfDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void VfReclaimResource(NTSIM_TRACK *Track);
BOOLEAN VfResourceNotALeak(NTSIM_TRACK *Track);
/* Reclaim everything Driver still owns (memory that can hold other tracked objects last). */
void VfReclaimResources(PDRIVER_OBJECT Driver);
/* The leak audit (sim/verifier/audit.c): report each resource Driver still owns under its
 * rule (FL-01/FL-03/FL-04 after a failed DriverEntry, IO-03/IO-04 after Unload). */
typedef enum _VF_AUDIT_POINT { VfAuditAfterFailedEntry, VfAuditAfterUnload } VF_AUDIT_POINT;
void VfAuditLeaks(PDRIVER_OBJECT Driver, VF_AUDIT_POINT Point);

/* ---- fault injection choke point (sim/fault) ---- */
typedef enum _NTSIM_FAULT_CLASS {
    NtsimFaultPool = 1u << 0,
    NtsimFaultDevice = 1u << 1,
    NtsimFaultSymbolicLink = 1u << 2,
    NtsimFaultIrp = 1u << 3,
    NtsimFaultMdl = 1u << 4,
    NtsimFaultRegistry = 1u << 5,
    NtsimFaultObject = 1u << 6,
    NtsimFaultThread = 1u << 7,
    NtsimFaultInterrupt = 1u << 8,
    NtsimFaultResource = 1u << 9,
    NtsimFaultMapping = 1u << 10,
    NtsimFaultDma = 1u << 11,
    NtsimFaultErrorLog = 1u << 12,
    NtsimFaultWorkItem = 1u << 13,
    NtsimFaultString = 1u << 14,
} NTSIM_FAULT_CLASS;

/* Every failable DDI asks here first, with the site it was called from. TRUE means:
 * fail this call the way the real DDI fails. Only calls made while a driver runs
 * count; the simulator's own internal allocations never fail. */
BOOLEAN ViFaultShouldFail(NTSIM_FAULT_CLASS Class, const char *Ddi, ULONG Tag, NTSIM_SITE Site);

/* ---- verifier findings and bug checks (sim/verifier, sim/ke/bugcheck.c) ---- */
void VfReport(const char *Rule, ntsim_severity Severity, PDRIVER_OBJECT Driver, NTSIM_SITE Site,
              const char *Format, ...) __attribute__((format(printf, 5, 6)));
/* TRUE when Rule was already reported at Site (for checks that report each line once). */
BOOLEAN VfReportedAt(const char *Rule, NTSIM_SITE Site);

/* Run-time checks that cost time on hot paths (dispatch result rules) are skipped
 * when the machine was created with verifier = 0. Leak audits always run. */
extern NTSIM_HIDDEN BOOLEAN VfEnabled;

/* Stop the simulated machine: record the bug check and unwind to the host call that
 * entered the simulator. Never returns. */
DECLSPEC_NORETURN void KiBugCheck(ULONG Code, ULONG_PTR P1, ULONG_PTR P2, ULONG_PTR P3, ULONG_PTR P4,
                                  NTSIM_SITE Site, const char *Format, ...) __attribute__((format(printf, 7, 8)));

/* Host entry guard: every host API call that runs simulated code brackets it so a
 * bug check (or a fatal signal inside the driver) unwinds to here. */
typedef struct _KI_HOST_FRAME {
    struct _KI_HOST_FRAME *Prev;
    sigjmp_buf Jump;
    PDRIVER_OBJECT SavedDriver;
    KIRQL SavedIrql;
    BOOLEAN Outermost; /* the host thread's outermost call: the watchdog's budgets run */
} KI_HOST_FRAME;
void KiEnterHost(KI_HOST_FRAME *Frame);
void KiLeaveHost(KI_HOST_FRAME *Frame);
/* Use: KI_HOST_FRAME f; if (KI_HOST_TRY(&f)) { ...; } KiLeaveHost(&f); */
#define KI_HOST_TRY(f) (KiEnterHost(f), sigsetjmp((f)->Jump, 0) == 0)
BOOLEAN KiMachineCrashed(void);

/* ---- host errors (sim/host/error.c) ---- */
void NtsimSetLastError(const char *Format, ...) __attribute__((format(printf, 1, 2)));
/* sim/host/machine.c: a process about to fork persistent sweep workers builds the
 * default PC's registry template once, for all of them (docs/faults.md). */
void NtsimPrepareWorkerTemplate(void);

/* ---- IRQL (sim/ke/irql.c) ---- */
KIRQL KiCurrentIrql(void);
void KiSetIrql(KIRQL Irql);

/* ---- object manager (sim/ob) ---- */
typedef struct _OBJECT_TYPE {
    const char *Name;
    void (*DeleteProcedure)(PVOID Object);           /* last reference gone */
    void (*CloseProcedure)(PVOID Object, ULONG HandleCount); /* a handle closed */
    /* Optional: a name for an object outside the namespace (a registry key's path). */
    void (*QueryNameProcedure)(PVOID Object, char *Buffer, size_t Size);
    /* Optional: a driver dropped a reference (ObDereferenceObject), before the count falls. */
    void (*DriverDereferenceProcedure)(PVOID Object);
} OBJECT_TYPE;

extern OBJECT_TYPE ObpDirectoryType, ObpSymbolicLinkType;

/* Create an object with a zeroed body and one reference (the caller's). */
NTSTATUS ObpCreateObject(POBJECT_TYPE Type, SIZE_T BodySize, PVOID *Object);
/* Give it a name in the namespace ("\Device\Echo"); parents must exist. */
NTSTATUS ObpInsertName(PVOID Object, PCUNICODE_STRING Name);
void ObpRemoveName(PVOID Object);
/* Look up a path, following symbolic links; returns a referenced object. */
NTSTATUS ObpLookupObject(PCUNICODE_STRING Path, PVOID *Object);
NTSTATUS ObpLookupObjectUtf8(const char *Path, PVOID *Object);
POBJECT_TYPE ObpGetObjectType(PVOID Object);
/* The object's full name as UTF-8 ("" if unnamed). */
const char *ObpGetObjectName(PVOID Object, char *Buffer, size_t Size);
LONG_PTR ObpPointerCount(PVOID Object);
void ObpReference(PVOID Object);
void ObpDereference(PVOID Object);
/* The machine goes: delete an object whatever references are left (a driver's leak). */
void ObpReclaimObject(PVOID Object);
/* Handles: a handle holds one reference and is tracked as the current driver's. */
NTSTATUS ObpCreateHandle(PVOID Object, ACCESS_MASK Access, NTSIM_SITE Site, PHANDLE Handle);
NTSTATUS ObpReferenceHandle(HANDLE Handle, POBJECT_TYPE Type, PVOID *Object);
NTSTATUS ObpCloseHandle(HANDLE Handle);
void ObpInitialize(void);
void ObpShutdown(void);
/* Walk the namespace (for `ntsim load` and tests). */
void ObpDumpNamespace(FILE *Out, const char *Root);

/* ---- strings (sim/rtl/utf.c) ---- */
/* UTF-16 <-> UTF-8 for messages, file names and .reg files. Return the number of
 * units written (excluding the terminator, always written when Size > 0). */
size_t RtlpUtf16ToUtf8(const WCHAR *Src, size_t SrcChars, char *Dst, size_t DstSize);
size_t RtlpUtf8ToUtf16(const char *Src, size_t SrcBytes, WCHAR *Dst, size_t DstChars);
/* malloc'd UTF-8 copy of a counted string (never NULL; aborts on host OOM). */
char *RtlpUnicodeToUtf8Dup(PCUNICODE_STRING String);
/* Compare a counted string with UTF-8 text, ASCII case-insensitively. */
BOOLEAN RtlpEqualUnicodeUtf8(PCUNICODE_STRING String, const char *Text);
size_t RtlpWcslen(const WCHAR *String);

/* ---- pool (sim/ex/pool.c) ---- */
/* Allocate from pool for the running driver (tracked, failable). */
PVOID ExpAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, const char *Ddi, NTSIM_SITE Site);
void ExpFreePool(PVOID P, ULONG Tag, const char *Ddi, NTSIM_SITE Site);
SIZE_T ExpPoolBlockSize(PVOID P);

/* Rule SY-03: report (and bug-check 0xC4/0xE1) a kernel object placed in paged pool. */
void VfCheckNonPagedObject(const void *Object, size_t Size, const char *What, const char *Ddi, NTSIM_SITE Site);

/* ---- host memory for the simulator itself (never fails; aborts on host OOM) ---- */
void *KiHostAlloc(size_t Size);          /* zeroed */
void *KiHostAllocCopy(const void *Data, size_t Size); /* Size bytes of Data (no zeroing first) */
void *KiHostAllocRaw(size_t Size);       /* uninitialized: for a block the caller fills whole */
void *KiHostRealloc(void *P, size_t Size);
char *KiHostStrdup(const char *S);
char *KiHostPrintf(const char *Format, ...) __attribute__((format(printf, 1, 2)));

#endif
