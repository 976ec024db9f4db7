/* audit.c - what a driver must have done by the time DriverEntry returns, and the
 * leak audit after a failed DriverEntry (rules FL-*) or after Unload (IO-04). */
#include "io/iop.h"

void IopDescribeLink(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimLink(NTSIM_TRACK *Track);
void IopDescribeMdl(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimMdl(NTSIM_TRACK *Track);
void IopDescribeIrp(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimIrp(NTSIM_TRACK *Track);
void IopDescribeFileReference(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimFileReference(NTSIM_TRACK *Track);
void IopReclaimErrorLogEntry(NTSIM_TRACK *Track);
void IopReclaimReinit(NTSIM_TRACK *Track);
void IopUnregisterShutdown(IOP_DEVICE *Device);
void IopFreeClientExtensions(IOP_DRIVER *Driver);
BOOLEAN IopIsReinitContext(IOP_DRIVER *Driver, PVOID Address);
PDEVICE_OBJECT IopShutdownTrackDevice(NTSIM_TRACK *Track);
PDEVICE_OBJECT IopDeviceTrackDevice(NTSIM_TRACK *Track);
void IopDescribeClaim(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimClaim(NTSIM_TRACK *Track);
void IopDescribeInterrupt(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimInterrupt(NTSIM_TRACK *Track);

void HalpDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void HalpReclaimResource(NTSIM_TRACK *Track);

void IopDescribeResource(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    char Name[256];
    switch (Track->Kind) {
    case NtsimResPool:
        ExpDescribeBlock(Track, Buffer, Size);
        break;
    case NtsimResDevice: {
        PDEVICE_OBJECT Device = IopDeviceTrackDevice(Track);
        ObpGetObjectName(Device, Name, sizeof(Name));
        snprintf(Buffer, Size, "device object %s", Name[0] ? Name : "(unnamed)");
        break;
    }
    case NtsimResSymbolicLink:
        IopDescribeLink(Track, Buffer, Size);
        break;
    case NtsimResHandle: {
        PVOID Object = ObpHandleTrackObject(Track);
        ObpGetObjectName(Object, Name, sizeof(Name));
        snprintf(Buffer, Size, "open handle to a %s object%s%s", ObpGetObjectType(Object)->Name, Name[0] ? " " : "",
                 Name);
        break;
    }
    case NtsimResObjectReference:
        IopDescribeFileReference(Track, Buffer, Size);
        break;
    case NtsimResMdl:
        IopDescribeMdl(Track, Buffer, Size);
        break;
    case NtsimResIrp:
        IopDescribeIrp(Track, Buffer, Size);
        break;
    case NtsimResShutdownRegistration:
        ObpGetObjectName(IopShutdownTrackDevice(Track), Name, sizeof(Name));
        snprintf(Buffer, Size, "shutdown notification registered for device %s", Name[0] ? Name : "(unnamed)");
        break;
    case NtsimResReinitRegistration:
        snprintf(Buffer, Size, "reinitialization routine registered with IoRegisterDriverReinitialization");
        break;
    case NtsimResDriverExtension:
        snprintf(Buffer, Size, "driver object extension (IoAllocateDriverObjectExtension)");
        break;
    case NtsimResResourceClaim:
        IopDescribeClaim(Track, Buffer, Size);
        break;
    case NtsimResInterrupt:
        IopDescribeInterrupt(Track, Buffer, Size);
        break;
    case NtsimResIoMapping:
    case NtsimResCommonBuffer:
    case NtsimResContiguous:
    case NtsimResAdapter:
    case NtsimResController:
        HalpDescribeResource(Track, Buffer, Size); /* sim/hal/dma.c */
        break;
    case NtsimResOther:
        snprintf(Buffer, Size, "error log entry allocated and never written or freed");
        break;
    case NtsimResHooked:
        CONTAINING_RECORD(Track, NTSIM_HOOKED_RESOURCE, Track)->Describe(
            CONTAINING_RECORD(Track, NTSIM_HOOKED_RESOURCE, Track), Buffer, Size);
        break;
    default:
        if (!KiDescribeResource(Track, Buffer, Size)) /* timers, DPCs, threads, work items (sim/ke/reclaim.c) */
            snprintf(Buffer, Size, "%s", VfResourceKindName(Track->Kind));
        break;
    }
}

static const char *VfLeakRule(NTSIM_RESOURCE_KIND Kind, IOP_AUDIT_POINT Point)
{
    if (Point == IopAuditAfterUnload)
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

/* Findings about what DriverEntry returned point at DriverEntry itself (looked up only
 * when there is something to report: it reads the image's debug information). */
static NTSIM_SITE VfEntrySite(PDRIVER_OBJECT Object)
{
    return KiSiteOfCode((void *)Object->DriverInit);
}

/* What the I/O manager itself releases when it deletes an unloaded driver's object: a
 * reinitialization routine that re-registered and is still queued (the routine may
 * legitimately re-register until it finds what it waits for), and driver object
 * extensions (there is no routine to free one). Not leaks after Unload. */
static BOOLEAN VfOwnedByIoManager(NTSIM_RESOURCE_KIND Kind)
{
    return Kind == NtsimResReinitRegistration || Kind == NtsimResDriverExtension;
}

void VfAuditDriver(IOP_DRIVER *Driver, IOP_AUDIT_POINT Point)
{
    PDRIVER_OBJECT Object = &Driver->Object;
    const char *When = Point == IopAuditAfterFailedEntry ? "after DriverEntry failed" : "after Unload";
    for (PLIST_ENTRY E = Driver->Owner.Resources.Flink; E != &Driver->Owner.Resources; E = E->Flink) {
        NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
        if (Point == IopAuditAfterUnload && VfOwnedByIoManager(Track->Kind))
            continue;
        char What[512], Where[256];
        IopDescribeResource(Track, What, sizeof(What));
        KiFormatSite(Track->Site, Where, sizeof(Where));
        if (Track->Kind == NtsimResReinitRegistration && Point == IopAuditAfterFailedEntry)
            VfReport("FL-03", NTSIM_SEV_ERROR, Object, Track->Site,
                     "IoRegisterDriverReinitialization was called (at %s) but DriverEntry did not return "
                     "STATUS_SUCCESS", Where[0] ? Where : "?");
        else if (Track->Kind == NtsimResShutdownRegistration && Point == IopAuditAfterFailedEntry)
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
    if (Point == IopAuditAfterFailedEntry) {
        static const UCHAR Slots[] = { IRP_MJ_FLUSH_BUFFERS, IRP_MJ_SHUTDOWN };
        for (size_t i = 0; i < sizeof(Slots); i++) {
            PDRIVER_DISPATCH Slot = Object->MajorFunction[Slots[i]];
            if (Slot != NULL && Slot != IopInvalidDeviceRequest)
                VfReport("FL-05", NTSIM_SEV_ERROR, Object, VfEntrySite(Object),
                         "MajorFunction[%s] is still set after DriverEntry failed: reset it to NULL",
                         Slots[i] == IRP_MJ_FLUSH_BUFFERS ? "IRP_MJ_FLUSH_BUFFERS" : "IRP_MJ_SHUTDOWN");
        }
        if (Driver->ErrorLogEntries == 0 && Driver->ErrorLogAttempts == 0)
            VfReport("FL-06", NTSIM_SEV_WARNING, Object, VfEntrySite(Object),
                     "DriverEntry failed without logging an error (IoWriteErrorLogEntry)");
    }
}

/* DE-03 asks for a device that can take I/O: a named one, or (seed 004) an unnamed
 * device attached over another device, which takes the I/O sent to the named target.
 * The name is looked up in the namespace, not in Flags, which the driver can clobber. */
static BOOLEAN VfHasDeviceTakingIo(PDRIVER_OBJECT Object)
{
    for (PDEVICE_OBJECT D = Object->DeviceObject; D; D = D->NextDevice) {
        char Name[8];
        ObpGetObjectName(D, Name, sizeof(Name));
        if (Name[0] || IopDevice(D)->AttachedTo)
            return TRUE;
    }
    return FALSE;
}

/* DO-01: DO_DEVICE_HAS_NAME belongs to the I/O manager; a driver that assigns Flags
 * (`Flags = DO_BUFFERED_IO`) instead of or-ing bits in loses it. */
void VfCheckDeviceFlags(PDRIVER_OBJECT Object)
{
    for (PDEVICE_OBJECT D = Object->DeviceObject; D; D = D->NextDevice) {
        IOP_DEVICE *Device = IopDevice(D);
        if (!Device->NamedAtCreate || (D->Flags & DO_DEVICE_HAS_NAME) || Device->FlagsReported)
            continue;
        Device->FlagsReported = TRUE;
        char Name[256];
        ObpGetObjectName(D, Name, sizeof(Name));
        VfReport("DO-01", NTSIM_SEV_ERROR, Object, Device->Track.Site,
                 "device %s lost DO_DEVICE_HAS_NAME: DeviceObject->Flags was overwritten (Flags is 0x%08X); set "
                 "bits with |= and clear them with &= ~, never assign Flags",
                 Name[0] ? Name : "(unnamed)", (unsigned)D->Flags);
    }
}

void VfCheckDriverEntryResult(IOP_DRIVER *Driver, NTSTATUS Status, KIRQL IrqlAtReturn)
{
    PDRIVER_OBJECT Object = &Driver->Object;

    if (IrqlAtReturn != PASSIVE_LEVEL)
        VfReport("DE-01", NTSIM_SEV_ERROR, Object, VfEntrySite(Object), "DriverEntry returned at IRQL %u; it must return at PASSIVE_LEVEL",
                 IrqlAtReturn);
    BOOLEAN Wdm = Driver->Extension.AddDevice != NULL;
    if (!NT_SUCCESS(Status))
        return;
    BOOLEAN AnyDispatch = FALSE;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        if (Object->MajorFunction[i] != NULL && Object->MajorFunction[i] != IopInvalidDeviceRequest)
            AnyDispatch = TRUE;
    if (!AnyDispatch)
        VfReport("DE-02", NTSIM_SEV_ERROR, Object, VfEntrySite(Object),
                 "DriverEntry succeeded but set no dispatch routine in DriverObject->MajorFunction");
    if (Wdm && Object->DriverUnload == NULL) /* PN-01: DE-02 is the legacy driver's rule */
        VfReport("PN-01", NTSIM_SEV_ERROR, Object, VfEntrySite(Object),
                 "a WDM driver (AddDevice set) must set DriverObject->DriverUnload: the PnP manager unloads it "
                 "when its last device is removed");
    VfCheckDeviceFlags(Object);
    if (!Wdm && !VfHasDeviceTakingIo(Object))
        VfReport("DE-03", NTSIM_SEV_WARNING, Object, VfEntrySite(Object),
                 "legacy DriverEntry succeeded without creating a named device object that can take I/O");
    if (Wdm && Object->DeviceObject)
        VfReport("DE-06", NTSIM_SEV_WARNING, Object, VfEntrySite(Object),
                 "a PnP driver created device objects in DriverEntry; create them in AddDevice");
    for (PLIST_ENTRY E = Driver->Owner.Resources.Flink; E != &Driver->Owner.Resources; E = E->Flink) {
        NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
        if (Track->Kind != NtsimResPool || !ExpIsPagedBlock(Track))
            continue;
        /* the block's address is right after its header, which embeds the track */
        char What[256], Where[256];
        ExpDescribeBlock(Track, What, sizeof(What));
        KiFormatSite(Track->Site, Where, sizeof(Where));
        extern PVOID ExpBlockAddress(NTSIM_TRACK *Track);
        if (IopIsReinitContext(Driver, ExpBlockAddress(Track)))
            continue;
        VfReport("DE-05", NTSIM_SEV_WARNING, Object, Track->Site,
                 "%s allocated during DriverEntry (at %s) is still held: free init-only memory before returning",
                 What, Where[0] ? Where : "?");
    }
}

static void IopReclaimOne(NTSIM_TRACK *Track)
{
        switch (Track->Kind) {
        case NtsimResPool:
            ExpReclaimBlock(Track);
            break;
        case NtsimResDevice:
            IopReclaimDevice(IopDeviceTrackDevice(Track));
            break;
        case NtsimResSymbolicLink:
            IopReclaimLink(Track);
            break;
        case NtsimResHandle:
            ObpReclaimHandle(Track);
            break;
        case NtsimResObjectReference:
            IopReclaimFileReference(Track);
            break;
        case NtsimResMdl:
            IopReclaimMdl(Track);
            break;
        case NtsimResIrp:
            IopReclaimIrp(Track);
            break;
        case NtsimResShutdownRegistration:
            IopUnregisterShutdown(IopDevice(IopShutdownTrackDevice(Track)));
            break;
        case NtsimResReinitRegistration:
            IopReclaimReinit(Track);
            break;
        case NtsimResResourceClaim:
            IopReclaimClaim(Track);
            break;
        case NtsimResInterrupt:
            IopReclaimInterrupt(Track);
            break;
        case NtsimResIoMapping:
        case NtsimResCommonBuffer:
        case NtsimResContiguous:
        case NtsimResAdapter:
        case NtsimResController:
            HalpReclaimResource(Track);
            break;
        case NtsimResOther:
            IopReclaimErrorLogEntry(Track);
            break;
        case NtsimResHooked:
            CONTAINING_RECORD(Track, NTSIM_HOOKED_RESOURCE, Track)->Reclaim(
                CONTAINING_RECORD(Track, NTSIM_HOOKED_RESOURCE, Track));
            break;
        default:
            if (!KiReclaimResource(Track)) /* timers, DPCs, threads, work items (sim/ke/reclaim.c) */
                VfUntrack(Track);
            break;
        }
}

/* Memory that can hold other tracked objects (a KTIMER or KDPC in a device extension or
 * a pool block) goes last, so nothing is reclaimed after the memory holding it. */
static BOOLEAN IopHoldsObjects(NTSIM_RESOURCE_KIND Kind)
{
    return Kind == NtsimResDevice || Kind == NtsimResPool;
}

void IopReclaimResources(IOP_DRIVER *Driver)
{
    for (int Pass = 0; Pass < 2; Pass++) {
        PLIST_ENTRY E = Driver->Owner.Resources.Flink;
        while (E != &Driver->Owner.Resources) {
            NTSIM_TRACK *Track = CONTAINING_RECORD(E, NTSIM_TRACK, Link);
            if (Pass == 0 && IopHoldsObjects(Track->Kind)) {
                E = E->Flink;
                continue;
            }
            IopReclaimOne(Track);
            E = Driver->Owner.Resources.Flink; /* a reclaim may remove other entries too */
        }
    }
    IopFreeClientExtensions(Driver);
}
