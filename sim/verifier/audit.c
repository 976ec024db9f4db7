/* audit.c - the leak audit after a failed DriverEntry (rules FL-*) or after Unload
 * (IO-03, IO-04): each resource the driver still owns is reported under its rule, with
 * its description (through the kinds' registered functions, sim/verifier/owner.c) and
 * the line that created it. What DriverEntry itself must have done is checked by the
 * I/O manager (sim/io/iov.c). */
#include "ntsimp.h"

static const char *VfLeakRule(NTSIM_RESOURCE_KIND Kind, VF_AUDIT_POINT Point)
{
    if (Point == VfAuditAfterUnload)
        return Kind == NtsimResObjectReference ? "IO-03" : "IO-04";
    switch (Kind) {
    case NtsimResReinitRegistration:
        return "FL-03";
    case NtsimResShutdownRegistration:
        return "FL-04";
    case NtsimResResourceClaim:
        return "FL-02";
    default:
        return "FL-01";
    }
}

/* What the I/O manager itself releases when it deletes an unloaded driver's object: a
 * reinitialization routine that re-registered and is still queued (the routine may
 * legitimately re-register until it finds what it waits for), and driver object
 * extensions (there is no routine to free one). Not leaks after Unload. */
static BOOLEAN VfOwnedByIoManager(NTSIM_RESOURCE_KIND Kind)
{
    return Kind == NtsimResReinitRegistration || Kind == NtsimResDriverExtension;
}

void VfAuditLeaks(PDRIVER_OBJECT Object, VF_AUDIT_POINT Point)
{
    PLIST_ENTRY Resources = VfDriverResources(Object);
    const char *When = Point == VfAuditAfterFailedEntry ? "after DriverEntry failed" : "after Unload";
    for (PLIST_ENTRY E = Resources->Flink; E != Resources; E = E->Flink) {
        NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
        if ((Point == VfAuditAfterUnload && VfOwnedByIoManager(Track->Kind)) || VfResourceNotALeak(Track))
            continue;
        char What[512], Where[256];
        VfDescribeResource(Track, What, sizeof(What));
        KiFormatSite(Track->Site, Where, sizeof(Where));
        if (Track->Kind == NtsimResReinitRegistration && Point == VfAuditAfterFailedEntry)
            VfReport("FL-03", NTSIM_SEV_ERROR, Object, Track->Site,
                     "IoRegisterDriverReinitialization was called (at %s) but DriverEntry did not return "
                     "STATUS_SUCCESS", Where[0] ? Where : "?");
        else if (Track->Kind == NtsimResShutdownRegistration && Point == VfAuditAfterFailedEntry)
            VfReport("FL-04", NTSIM_SEV_ERROR, Object, Track->Site,
                     "%s still registered %s: call IoUnregisterShutdownNotification", What, When);
        else if (Track->Kind == NtsimResDriverExtension)
            VfReport("FL-01", NTSIM_SEV_WARNING, Object, Track->Site,
                     "%s allocated before DriverEntry failed (at %s): nothing can free it but the driver object's "
                     "deletion; allocate it once the failing steps are past", What, Where[0] ? Where : "?");
        else
            VfReport(VfLeakRule(Track->Kind, Point), NTSIM_SEV_ERROR, Object, Track->Site, "leaked %s %s (created at %s)",
                     What, When, Where[0] ? Where : "?");
    }
}
