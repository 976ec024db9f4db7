/* owner.c - the running-driver context and resource ownership: who owns what.
 *
 * Every subsystem asks which driver is running (to name it in a finding or charge it a
 * resource), so this sits below them all, beside the findings; the I/O manager, which
 * creates driver objects and calls into drivers, registers each driver here and sets
 * the running one. Nothing here calls up into a subsystem. */
#include "ntsimp.h"

NTSIM_TLS PDRIVER_OBJECT VfCurrent;
static LIST_ENTRY VfDriverList = { &VfDriverList, &VfDriverList };

/* A new machine: no driver is registered or running. */
void VfResetOwnership(void)
{
    InitializeListHead(&VfDriverList);
    VfCurrent = NULL;
}

void VfRegisterDriver(PDRIVER_OBJECT Driver, const char *Name)
{
    VF_DRIVER *Record = VfDriver(Driver);
    Record->Name = Name;
    InitializeListHead(&Record->Resources);
    InsertTailList(&VfDriverList, &Record->Link);
}

void VfForgetDriver(PDRIVER_OBJECT Driver)
{
    VF_DRIVER *Record = VfDriver(Driver);
    RemoveEntryList(&Record->Link);
    InitializeListHead(&Record->Link);
}

PLIST_ENTRY VfDrivers(void)
{
    return &VfDriverList;
}

/* ---- resource tracking: O(1) both ways, an intrusive link in each resource ---- */

void VfTrackFor(NTSIM_TRACK *Track, PDRIVER_OBJECT Owner, NTSIM_RESOURCE_KIND Kind, NTSIM_SITE Site)
{
    Track->Owner = Owner;
    Track->Kind = Kind;
    Track->Site = Site;
    if (Owner)
        InsertTailList(&VfDriver(Owner)->Resources, &Track->Link);
    else
        InitializeListHead(&Track->Link);
}

void VfTrack(NTSIM_TRACK *Track, NTSIM_RESOURCE_KIND Kind, NTSIM_SITE Site)
{
    VfTrackFor(Track, VfCurrent, Kind, Site);
}

void VfUntrack(NTSIM_TRACK *Track)
{
    RemoveEntryList(&Track->Link);
    InitializeListHead(&Track->Link);
    Track->Owner = NULL;
}

const char *VfResourceKindName(NTSIM_RESOURCE_KIND Kind)
{
    static const char *Names[NtsimResKindCount] = {
        [NtsimResPool] = "pool block",
        [NtsimResDevice] = "device object",
        [NtsimResSymbolicLink] = "symbolic link",
        [NtsimResHandle] = "handle",
        [NtsimResObjectReference] = "object reference",
        [NtsimResMdl] = "MDL",
        [NtsimResIrp] = "IRP",
        [NtsimResDriverExtension] = "driver object extension",
        [NtsimResReinitRegistration] = "reinitialization registration",
        [NtsimResShutdownRegistration] = "shutdown notification registration",
        [NtsimResWorkItem] = "work item",
        [NtsimResTimer] = "timer",
        [NtsimResDpc] = "DPC",
        [NtsimResThread] = "system thread",
        [NtsimResIoTimer] = "I/O timer",
        [NtsimResWorkQueued] = "queued work item",
        [NtsimResResourceClaim] = "resource claim",
        [NtsimResInterrupt] = "interrupt connection",
        [NtsimResIoMapping] = "I/O space mapping",
        [NtsimResCommonBuffer] = "DMA common buffer",
        [NtsimResContiguous] = "contiguous memory",
        [NtsimResAdapter] = "DMA adapter",
        [NtsimResController] = "controller object",
        [NtsimResHooked] = "resource",
        [NtsimResOther] = "resource",
    };
    return Kind < NtsimResKindCount && Names[Kind] ? Names[Kind] : "resource";
}

/* ---- what the leak audit does with each kind (registered by the owning subsystems) ---- */

static const VF_RESOURCE_OPS *VfKindOps[NtsimResKindCount];

void VfRegisterResourceKind(NTSIM_RESOURCE_KIND Kind, const VF_RESOURCE_OPS *Ops)
{
    VfKindOps[Kind] = Ops;
}

static NTSIM_HOOKED_RESOURCE *VfHooked(NTSIM_TRACK *Track)
{
    return CONTAINING_RECORD(Track, NTSIM_HOOKED_RESOURCE, Track);
}

void VfDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    const VF_RESOURCE_OPS *Ops = Track->Kind < NtsimResKindCount ? VfKindOps[Track->Kind] : NULL;
    if (Track->Kind == NtsimResHooked)
        VfHooked(Track)->Describe(VfHooked(Track), Buffer, Size);
    else if (Ops && Ops->Describe)
        Ops->Describe(Track, Buffer, Size);
    else
        snprintf(Buffer, Size, "%s", VfResourceKindName(Track->Kind));
}

BOOLEAN VfResourceNotALeak(NTSIM_TRACK *Track)
{
    const VF_RESOURCE_OPS *Ops = Track->Kind < NtsimResKindCount ? VfKindOps[Track->Kind] : NULL;
    return Track->Kind != NtsimResHooked && Ops && Ops->NotALeak && Ops->NotALeak(Track);
}

void VfReclaimResource(NTSIM_TRACK *Track)
{
    const VF_RESOURCE_OPS *Ops = Track->Kind < NtsimResKindCount ? VfKindOps[Track->Kind] : NULL;
    if (Track->Kind == NtsimResHooked)
        VfHooked(Track)->Reclaim(VfHooked(Track));
    else if (Ops && Ops->Reclaim)
        Ops->Reclaim(Track);
    else
        VfUntrack(Track);
}

/* Memory that can hold other tracked objects (a KTIMER or KDPC in a device extension or
 * a pool block) goes last, so nothing is reclaimed after the memory holding it. */
static BOOLEAN VfHoldsObjects(NTSIM_RESOURCE_KIND Kind)
{
    return Kind == NtsimResDevice || Kind == NtsimResPool;
}

void VfReclaimResources(PDRIVER_OBJECT Driver)
{
    PLIST_ENTRY Resources = VfDriverResources(Driver);
    for (int Pass = 0; Pass < 2; Pass++) {
        PLIST_ENTRY E = Resources->Flink;
        while (E != Resources) {
            NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
            if (Pass == 0 && VfHoldsObjects(Track->Kind)) {
                E = E->Flink;
                continue;
            }
            VfReclaimResource(Track);
            E = Resources->Flink; /* a reclaim may remove other entries too */
        }
    }
}
