/* iov.c - the I/O verifier: what a driver must have done by the time DriverEntry
 * returns (rules DE-*, DO-01, PN-01), what a failed DriverEntry must have undone (FL-05,
 * FL-06) around the leak audit, and the I/O manager's resource kinds for that audit
 * (registered with the ownership service, sim/verifier/owner.c, which calls them back). */
#include "io/iop.h"

BOOLEAN IopIsReinitContext(IOP_DRIVER *Driver, PVOID Address);

/* Findings about what DriverEntry returned point at DriverEntry itself (looked up only
 * when there is something to report: it reads the image's debug information). */
static NTSIM_SITE IovEntrySite(PDRIVER_OBJECT Object)
{
    return KiSiteOfCode((void *)Object->DriverInit);
}

/* The leak audit (sim/verifier/audit.c), then what a failed DriverEntry must have undone
 * in the driver object and done in the error log (FL-05, FL-06). */
void IovAuditDriver(IOP_DRIVER *Driver, VF_AUDIT_POINT Point)
{
    PDRIVER_OBJECT Object = &Driver->Object;
    VfAuditLeaks(Object, Point);
    if (Point == VfAuditAfterFailedEntry) {
        static const UCHAR Slots[] = { IRP_MJ_FLUSH_BUFFERS, IRP_MJ_SHUTDOWN };
        for (size_t i = 0; i < sizeof(Slots); i++) {
            PDRIVER_DISPATCH Slot = Object->MajorFunction[Slots[i]];
            if (Slot != NULL && Slot != IopInvalidDeviceRequest)
                VfReport("FL-05", NTSIM_SEV_ERROR, Object, IovEntrySite(Object),
                         "MajorFunction[%s] is still set after DriverEntry failed: reset it to NULL",
                         Slots[i] == IRP_MJ_FLUSH_BUFFERS ? "IRP_MJ_FLUSH_BUFFERS" : "IRP_MJ_SHUTDOWN");
        }
        if (Driver->ErrorLogEntries == 0 && Driver->ErrorLogAttempts == 0)
            VfReport("FL-06", NTSIM_SEV_WARNING, Object, IovEntrySite(Object),
                     "DriverEntry failed without logging an error (IoWriteErrorLogEntry)");
    }
}

/* DE-03 asks for a device that can take I/O: a named one, or (seed 004) an unnamed
 * device attached over another device, which takes the I/O sent to the named target.
 * The name is looked up in the namespace, not in Flags, which the driver can clobber. */
static BOOLEAN IovHasDeviceTakingIo(PDRIVER_OBJECT Object)
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
void IovCheckDeviceFlags(PDRIVER_OBJECT Object)
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

void IovCheckDriverEntryResult(IOP_DRIVER *Driver, NTSTATUS Status, KIRQL IrqlAtReturn)
{
    PDRIVER_OBJECT Object = &Driver->Object;

    if (IrqlAtReturn != PASSIVE_LEVEL)
        VfReport("DE-01", NTSIM_SEV_ERROR, Object, IovEntrySite(Object), "DriverEntry returned at IRQL %u; it must return at PASSIVE_LEVEL",
                 IrqlAtReturn);
    BOOLEAN Wdm = Driver->Extension.AddDevice != NULL;
    if (!NT_SUCCESS(Status))
        return;
    BOOLEAN AnyDispatch = FALSE;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        if (Object->MajorFunction[i] != NULL && Object->MajorFunction[i] != IopInvalidDeviceRequest)
            AnyDispatch = TRUE;
    if (!AnyDispatch)
        VfReport("DE-02", NTSIM_SEV_ERROR, Object, IovEntrySite(Object),
                 "DriverEntry succeeded but set no dispatch routine in DriverObject->MajorFunction");
    if (Wdm && Object->DriverUnload == NULL) /* PN-01: DE-02 is the legacy driver's rule */
        VfReport("PN-01", NTSIM_SEV_ERROR, Object, IovEntrySite(Object),
                 "a WDM driver (AddDevice set) must set DriverObject->DriverUnload: the PnP manager unloads it "
                 "when its last device is removed");
    IovCheckDeviceFlags(Object);
    if (!Wdm && !IovHasDeviceTakingIo(Object))
        VfReport("DE-03", NTSIM_SEV_WARNING, Object, IovEntrySite(Object),
                 "legacy DriverEntry succeeded without creating a named device object that can take I/O");
    if (Wdm && Object->DeviceObject)
        VfReport("DE-06", NTSIM_SEV_WARNING, Object, IovEntrySite(Object),
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

/* ---- the I/O manager's resource kinds, as the leak audit describes and reclaims them ---- */

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
PDEVICE_OBJECT IopShutdownTrackDevice(NTSIM_TRACK *Track);
PDEVICE_OBJECT IopDeviceTrackDevice(NTSIM_TRACK *Track);
void IopDescribeClaim(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimClaim(NTSIM_TRACK *Track);
void IopDescribeInterrupt(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimInterrupt(NTSIM_TRACK *Track);
void IopDescribeIoTimer(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimIoTimer(NTSIM_TRACK *Track);
void IopDescribeWorkItem(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimWorkItem(NTSIM_TRACK *Track);
void IopDescribeController(NTSIM_TRACK *Track, char *Buffer, size_t Size);
void IopReclaimController(NTSIM_TRACK *Track);

static void IovDescribeDevice(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    char Name[256];
    ObpGetObjectName(IopDeviceTrackDevice(Track), Name, sizeof(Name));
    snprintf(Buffer, Size, "device object %s", Name[0] ? Name : "(unnamed)");
}

static void IovReclaimDevice(NTSIM_TRACK *Track)
{
    IopReclaimDevice(IopDeviceTrackDevice(Track));
}

static void IovDescribeShutdown(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    char Name[256];
    ObpGetObjectName(IopShutdownTrackDevice(Track), Name, sizeof(Name));
    snprintf(Buffer, Size, "shutdown notification registered for device %s", Name[0] ? Name : "(unnamed)");
}

static void IovReclaimShutdown(NTSIM_TRACK *Track)
{
    IopUnregisterShutdown(IopDevice(IopShutdownTrackDevice(Track)));
}

static void IovDescribeReinit(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    (void)Track;
    snprintf(Buffer, Size, "reinitialization routine registered with IoRegisterDriverReinitialization");
}

/* Untracked only: the extensions are freed with the driver object (IopReclaimResources). */
static void IovDescribeExtension(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    (void)Track;
    snprintf(Buffer, Size, "driver object extension (IoAllocateDriverObjectExtension)");
}

static void IovDescribeErrorLogEntry(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    (void)Track;
    snprintf(Buffer, Size, "error log entry allocated and never written or freed");
}

static const struct {
    NTSIM_RESOURCE_KIND Kind;
    VF_RESOURCE_OPS Ops;
} IovKinds[] = {
    { NtsimResDevice, { .Describe = IovDescribeDevice, .Reclaim = IovReclaimDevice } },
    { NtsimResSymbolicLink, { .Describe = IopDescribeLink, .Reclaim = IopReclaimLink } },
    { NtsimResObjectReference, { .Describe = IopDescribeFileReference, .Reclaim = IopReclaimFileReference } },
    { NtsimResMdl, { .Describe = IopDescribeMdl, .Reclaim = IopReclaimMdl } },
    { NtsimResIrp, { .Describe = IopDescribeIrp, .Reclaim = IopReclaimIrp } },
    { NtsimResShutdownRegistration, { .Describe = IovDescribeShutdown, .Reclaim = IovReclaimShutdown } },
    { NtsimResReinitRegistration, { .Describe = IovDescribeReinit, .Reclaim = IopReclaimReinit } },
    { NtsimResDriverExtension, { .Describe = IovDescribeExtension, .Reclaim = NULL } },
    { NtsimResResourceClaim, { .Describe = IopDescribeClaim, .Reclaim = IopReclaimClaim } },
    { NtsimResInterrupt, { .Describe = IopDescribeInterrupt, .Reclaim = IopReclaimInterrupt } },
    { NtsimResIoTimer, { .Describe = IopDescribeIoTimer, .Reclaim = IopReclaimIoTimer } },
    { NtsimResWorkItem, { .Describe = IopDescribeWorkItem, .Reclaim = IopReclaimWorkItem } },
    { NtsimResController, { .Describe = IopDescribeController, .Reclaim = IopReclaimController } },
    { NtsimResOther, { .Describe = IovDescribeErrorLogEntry, .Reclaim = IopReclaimErrorLogEntry } },
};

void IopRegisterResourceKinds(void)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(IovKinds); i++)
        VfRegisterResourceKind(IovKinds[i].Kind, &IovKinds[i].Ops);
}
