/* reclaim.c - what the leak audit needs from the execution model: describing and
 * reclaiming timers, DPCs, threads, I/O timers and work items a driver left behind,
 * and stopping them all before the driver's image is unmapped (so no callback ever
 * runs into an unloaded image; the audit has already reported them, IO-04/FL-01). */
#include "ntsimp.h"
#include "ke/kep.h"
#include "ex/exp.h"

void KiDescribeThreadResource(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopDescribeIoTimer(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimIoTimer(NTSIM_TRACK *Track);
void IopDescribeWorkItem(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimWorkItem(NTSIM_TRACK *Track);

BOOLEAN KiDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    switch (Track->Kind) {
    case NtsimResTimer:
        KiDescribeTimer(Track, Buffer, Size);
        return TRUE;
    case NtsimResDpc:
        KiDescribeDpc(Track, Buffer, Size);
        return TRUE;
    case NtsimResThread:
        KiDescribeThreadResource(Track, Buffer, Size);
        return TRUE;
    case NtsimResIoTimer:
        IopDescribeIoTimer(Track, Buffer, Size);
        return TRUE;
    case NtsimResWorkItem:
        IopDescribeWorkItem(Track, Buffer, Size);
        return TRUE;
    case NtsimResWorkQueued:
        ExpDescribeQueuedWork(Track, Buffer, Size);
        return TRUE;
    default:
        return FALSE;
    }
}

BOOLEAN KiReclaimResource(NTSIM_TRACK *Track)
{
    switch (Track->Kind) {
    case NtsimResTimer:
        KiReclaimTimer(Track);
        return TRUE;
    case NtsimResDpc:
        KiReclaimDpc(Track);
        return TRUE;
    case NtsimResThread:
        KiCancelThread(CONTAINING_RECORD(Track, KI_THREAD, Track));
        return TRUE;
    case NtsimResIoTimer:
        IopReclaimIoTimer(Track);
        return TRUE;
    case NtsimResWorkItem:
        IopReclaimWorkItem(Track);
        return TRUE;
    case NtsimResWorkQueued:
        ExpReclaimQueuedWork(Track);
        return TRUE;
    default:
        return FALSE;
    }
}

/* Called with the driver's resource list before its image is unloaded: stop every
 * callback source it still owns. Threads are cancelled: they unwind without running
 * another instruction of driver code. */
void KiDriverUnloading(PDRIVER_OBJECT Driver, PLIST_ENTRY Resources)
{
    BOOLEAN Again = TRUE;
    while (Again) {
        Again = FALSE;
        for (PLIST_ENTRY E = Resources->Flink; E != Resources; E = E->Flink) {
            NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
            if (Track->Kind == NtsimResTimer || Track->Kind == NtsimResDpc || Track->Kind == NtsimResThread ||
                Track->Kind == NtsimResIoTimer || Track->Kind == NtsimResWorkQueued ||
                (Track->Kind == NtsimResWorkItem)) {
                KiReclaimResource(Track);
                Again = TRUE;
                break;
            }
        }
    }
    KiForgetLockOrder(Driver);
    KiReapThreads();
}
