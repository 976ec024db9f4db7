/* driver.c - driver objects: creation (registered with the ownership service,
 * sim/verifier/owner.c), driver object extensions and reinitialization routines. */
#include "io/iop.h"

static void IopDeleteDriverObject(PVOID Object);
OBJECT_TYPE IopDriverType = { .Name = "Driver", .DeleteProcedure = IopDeleteDriverObject };
static POBJECT_TYPE IopDriverTypeValue = &IopDriverType;
POBJECT_TYPE *IoDriverObjectType = &IopDriverTypeValue;

static LIST_ENTRY IopDrivers = { &IopDrivers, &IopDrivers };

PLIST_ENTRY IopLoadedDrivers(void)
{
    return &IopDrivers;
}

IOP_DRIVER *IopFindDriver(const char *ServiceName)
{
    for (PLIST_ENTRY E = IopDrivers.Flink; E != &IopDrivers; E = E->Flink) {
        IOP_DRIVER *D = CONTAINING_RECORD(E, IOP_DRIVER, MachineLink);
        if (strcasecmp(D->ServiceName, ServiceName) == 0)
            return D;
    }
    return NULL;
}

/* ---- driver objects ---- */

NTSTATUS IopInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    (void)DeviceObject;
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

static void IopSetUnicode(PUNICODE_STRING String, WCHAR *Buffer, size_t Capacity, const char *Text)
{
    size_t Length = RtlpUtf8ToUtf16(Text, strlen(Text), Buffer, Capacity);
    String->Buffer = Buffer;
    String->Length = (USHORT)(Length * sizeof(WCHAR));
    String->MaximumLength = (USHORT)((Length + 1) * sizeof(WCHAR));
}

IOP_DRIVER *IopCreateDriverObject(const char *ServiceName)
{
    PVOID Body;
    ObpCreateObject(&IopDriverType, sizeof(IOP_DRIVER), &Body);
    IOP_DRIVER *Driver = Body;
    snprintf(Driver->ServiceName, sizeof(Driver->ServiceName), "%s", ServiceName);
    VfRegisterDriver(&Driver->Object, Driver->ServiceName);
    InitializeListHead(&Driver->ClientExtensions);
    InitializeListHead(&Driver->Reinits);
    PDRIVER_OBJECT Object = &Driver->Object;
    Object->Type = IO_TYPE_DRIVER;
    Object->Size = sizeof(DRIVER_OBJECT);
    Object->Flags = DRVO_LEGACY_DRIVER;
    Object->DriverExtension = &Driver->Extension;
    Driver->Extension.DriverObject = Object;
    char Name[160];
    snprintf(Name, sizeof(Name), "\\Driver\\%s", ServiceName);
    IopSetUnicode(&Object->DriverName, Driver->NameBuffer, RTL_NUMBER_OF(Driver->NameBuffer), Name);
    IopSetUnicode(&Driver->Extension.ServiceKeyName, Driver->ServiceKeyBuffer, RTL_NUMBER_OF(Driver->ServiceKeyBuffer),
                  ServiceName);
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        Object->MajorFunction[i] = IopInvalidDeviceRequest;
    InsertTailList(&IopDrivers, &Driver->MachineLink);
    if (!NT_SUCCESS(ObpInsertNameUtf8(Driver, Name)))
        fprintf(stderr, "ntsim: %s already exists in the object namespace\n", Name);
    return Driver;
}

static void IopDeleteDriverObject(PVOID Object)
{
    IOP_DRIVER *Driver = Object;
    free(Driver->ImagePath);
}

void IopDestroyDriverObject(IOP_DRIVER *Driver)
{
    IopReclaimResources(Driver);
    VfForgetDriver(&Driver->Object);
    RemoveEntryList(&Driver->MachineLink);
    InitializeListHead(&Driver->MachineLink);
    ObpRemoveName(Driver);
    ObpDereference(Driver);
}

void IopInitializeDrivers(void)
{
    InitializeListHead(&IopDrivers);
    VfResetOwnership();
}

void IopShutdownDrivers(void)
{
    while (!IsListEmpty(&IopDrivers)) {
        IOP_DRIVER *Driver = CONTAINING_RECORD(IopDrivers.Flink, IOP_DRIVER, MachineLink);
        IopDestroyDriverObject(Driver);
    }
}

/* ---- driver object extensions ---- */

void KiForgetLocksIn(const void *Base, size_t Size); /* sim/ke/spinlock.c (SY-01) */

NTSTATUS IoAllocateDriverObjectExtension(PDRIVER_OBJECT DriverObject, PVOID ClientIdentificationAddress,
                                         ULONG DriverObjectExtensionSize, PVOID *DriverObjectExtension)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_DRIVER *Driver = IopDriver(DriverObject);
    *DriverObjectExtension = NULL;
    for (PLIST_ENTRY E = Driver->ClientExtensions.Flink; E != &Driver->ClientExtensions; E = E->Flink)
        if (CONTAINING_RECORD(E, IOP_CLIENT_EXTENSION, Link)->ClientId == ClientIdentificationAddress)
            return STATUS_OBJECT_NAME_COLLISION;
    if (ViFaultShouldFail(NtsimFaultObject, "IoAllocateDriverObjectExtension", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    size_t Header = (sizeof(IOP_CLIENT_EXTENSION) + 15) & ~(size_t)15;
    IOP_CLIENT_EXTENSION *Extension = KiHostAlloc(Header + DriverObjectExtensionSize);
    Extension->Size = Header + DriverObjectExtensionSize;
    Extension->ClientId = ClientIdentificationAddress;
    InsertTailList(&Driver->ClientExtensions, &Extension->Link);
    /* Freed with the driver object. Tracked for the driver so that a failed DriverEntry
     * names it (FL-01); after Unload it is the I/O manager's to free, not a leak. */
    VfTrackFor(&Extension->Track, DriverObject, NtsimResDriverExtension, Site);
    *DriverObjectExtension = (char *)Extension + Header;
    return STATUS_SUCCESS;
}

PVOID IoGetDriverObjectExtension(PDRIVER_OBJECT DriverObject, PVOID ClientIdentificationAddress)
{
    IOP_DRIVER *Driver = IopDriver(DriverObject);
    size_t Header = (sizeof(IOP_CLIENT_EXTENSION) + 15) & ~(size_t)15;
    for (PLIST_ENTRY E = Driver->ClientExtensions.Flink; E != &Driver->ClientExtensions; E = E->Flink) {
        IOP_CLIENT_EXTENSION *Extension = CONTAINING_RECORD(E, IOP_CLIENT_EXTENSION, Link);
        if (Extension->ClientId == ClientIdentificationAddress)
            return (char *)Extension + Header;
    }
    return NULL;
}

static void IopFreeClientExtensions(IOP_DRIVER *Driver)
{
    while (!IsListEmpty(&Driver->ClientExtensions)) {
        PLIST_ENTRY E = RemoveHeadList(&Driver->ClientExtensions);
        IOP_CLIENT_EXTENSION *Extension = CONTAINING_RECORD(E, IOP_CLIENT_EXTENSION, Link);
        VfUntrack(&Extension->Track);
        KiForgetLocksIn(Extension, Extension->Size);
        free(Extension);
    }
}

/* ---- reinitialization ---- */

VOID IoRegisterDriverReinitialization(PDRIVER_OBJECT DriverObject, PDRIVER_REINITIALIZE DriverReinitializationRoutine,
                                      PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_DRIVER *Driver = IopDriver(DriverObject);
    IOP_REINIT *Reinit = KiHostAlloc(sizeof(*Reinit));
    Reinit->Routine = DriverReinitializationRoutine;
    Reinit->Context = Context;
    InsertTailList(&Driver->Reinits, &Reinit->Link);
    VfTrackFor(&Reinit->Track, DriverObject, NtsimResReinitRegistration, Site);
    DriverObject->Flags |= DRVO_REINIT_REGISTERED;
}

BOOLEAN IopIsReinitContext(IOP_DRIVER *Driver, PVOID Address)
{
    for (PLIST_ENTRY E = Driver->Reinits.Flink; E != &Driver->Reinits; E = E->Flink)
        if (CONTAINING_RECORD(E, IOP_REINIT, Link)->Context == Address)
            return TRUE;
    return FALSE;
}

void IopReclaimReinit(NTSIM_TRACK *Track)
{
    IOP_REINIT *Reinit = CONTAINING_RECORD(Track, IOP_REINIT, Track);
    VfUntrack(Track);
    RemoveEntryList(&Reinit->Link);
    free(Reinit);
}

/* A routine that re-registers runs again after the other drivers' routines of the same
 * pass, as the I/O manager does; passes repeat while routines re-register, up to this
 * bound (a routine that always re-registers waits for the next driver load, and a
 * registration still queued at Unload is dropped by the I/O manager, not leaked). */
#define IOP_REINIT_MAX_PASSES 16

static BOOLEAN IopRunReinitializationPass(void)
{
    BOOLEAN Ran = FALSE;
    for (PLIST_ENTRY E = IopDrivers.Flink; E != &IopDrivers; E = E->Flink) {
        IOP_DRIVER *Driver = CONTAINING_RECORD(E, IOP_DRIVER, MachineLink);
        if (!Driver->Loaded)
            continue;
        LIST_ENTRY Pending;
        InitializeListHead(&Pending);
        while (!IsListEmpty(&Driver->Reinits))
            InsertTailList(&Pending, RemoveHeadList(&Driver->Reinits));
        Driver->Object.Flags &= ~DRVO_REINIT_REGISTERED;
        while (!IsListEmpty(&Pending)) {
            IOP_REINIT *Reinit = CONTAINING_RECORD(RemoveHeadList(&Pending), IOP_REINIT, Link);
            VfUntrack(&Reinit->Track);
            Driver->ReinitCount++;
            Ran = TRUE;
            IOP_CALL_DRIVER(&Driver->Object,
                            Reinit->Routine(&Driver->Object, Reinit->Context, Driver->ReinitCount));
            free(Reinit);
        }
    }
    return Ran;
}

/* Run the registered routines of every loaded driver, as the I/O manager does after
 * the drivers of a load phase have initialised. */
void IopRunReinitializations(void)
{
    for (int Pass = 0; Pass < IOP_REINIT_MAX_PASSES && IopRunReinitializationPass(); Pass++)
        continue;
}

/* The machine goes or the driver's image went: everything the driver still owns goes
 * (the leak audit has reported it), then the driver object's extensions. */
void IopReclaimResources(IOP_DRIVER *Driver)
{
    VfReclaimResources(&Driver->Object);
    IopFreeClientExtensions(Driver);
}
