/* exp.h - executive internals shared with sim/io (work items). */
#ifndef NTSIM_EXP_H
#define NTSIM_EXP_H
#include "ntsimp.h"
#include "ke/kep.h"

/* One queued unit of work for the system worker thread. */
typedef struct _EXP_WORK_NODE {
    LIST_ENTRY Link;
    NTSIM_TRACK Track;           /* NtsimResWorkQueued while queued (Ex items) */
    PDRIVER_OBJECT Owner;
    BOOLEAN Queued;
    BOOLEAN FreeAfterRun;        /* host node of an ExQueueWorkItem item */
    const char *What;            /* "work item" / "I/O work item" */
    void (*Run)(struct _EXP_WORK_NODE *Node);
    PVOID Routine;               /* for reports */
} EXP_WORK_NODE;

void ExpQueueWork(EXP_WORK_NODE *Node);
BOOLEAN ExpDequeueWork(EXP_WORK_NODE *Node);
/* After a worker routine returned: IRQL, locks, critical regions. */
void ExpCheckWorkerReturn(EXP_WORK_NODE *Node, KIRQL Irql, LONG CriticalRegion, PVOID Item);
void ExpDescribeQueuedWork(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void ExpReclaimQueuedWork(NTSIM_TRACK *Track);
void ExpResetWorkers(void);
#endif
