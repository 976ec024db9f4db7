/* reclaim.c - what the leak audit needs from the execution model: describing and
 * reclaiming timers, DPCs and threads a driver left behind, and stopping every callback
 * source (those, I/O timers and work items) before the driver's image is unmapped (so no
 * callback ever runs into an unloaded image; the audit has already reported them,
 * IO-04/FL-01). */
#include "ntsimp.h"
#include "ke/kep.h"

void KiDescribeThreadResource(NTSIM_TRACK *Track, char *Buffer, size_t Size);

static void KiReclaimThread(NTSIM_TRACK *Track)
{
    KiCancelThread(CONTAINING_RECORD(Track, KI_THREAD, Track));
}

/* The kernel's kinds, for the leak audit (sim/verifier/owner.c calls them back). */
static const VF_RESOURCE_OPS KiTimerOps = { .Describe = KiDescribeTimer, .Reclaim = KiReclaimTimer };
static const VF_RESOURCE_OPS KiDpcOps = { .Describe = KiDescribeDpc, .Reclaim = KiReclaimDpc };
static const VF_RESOURCE_OPS KiThreadOps = { .Describe = KiDescribeThreadResource, .Reclaim = KiReclaimThread };

void KiRegisterResourceKinds(void)
{
    VfRegisterResourceKind(NtsimResTimer, &KiTimerOps);
    VfRegisterResourceKind(NtsimResDpc, &KiDpcOps);
    VfRegisterResourceKind(NtsimResThread, &KiThreadOps);
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
                VfReclaimResource(Track);
                Again = TRUE;
                break;
            }
        }
    }
    KiForgetLockOrder(Driver);
    KiReapThreads();
}
