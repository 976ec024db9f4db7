/* wmi.c - WMI registration (IoWMIRegistrationControl, IoWMIAllocateInstanceIds) and the
 * WMI library routines drivers link against (WmiSystemControl, WmiCompleteRequest,
 * WmiFireEvent), and the consumer routines IoWMIOpenBlock / IoWMIQueryAllData.
 *
 * ntsim has no WMI consumer, so no WMI request is ever sent by the system. What matters
 * to a driver is that registering works and is undone: each registration is tracked on
 * the driver, and one still in place when the driver unloads (or fails DriverEntry) is a
 * leak finding naming the line that registered. */
#include "io/iop.h"

typedef struct _IOP_WMI_REGISTRATION {
    NTSIM_HOOKED_RESOURCE Hook;
    LIST_ENTRY Link;            /* IopWmiRegistrations */
    PDEVICE_OBJECT Device;      /* only compared, never dereferenced: the device may be gone */
    char DeviceName[160];
} IOP_WMI_REGISTRATION;

static LIST_ENTRY IopWmiRegistrations = { &IopWmiRegistrations, &IopWmiRegistrations };

static void IopDescribeWmiRegistration(NTSIM_HOOKED_RESOURCE *Hook, char *Buffer, size_t Size)
{
    IOP_WMI_REGISTRATION *R = CONTAINING_RECORD(Hook, IOP_WMI_REGISTRATION, Hook);
    snprintf(Buffer, Size, "WMI registration of device %s never removed with IoWMIRegistrationControl(WMIREG_ACTION_DEREGISTER)",
             R->DeviceName[0] ? R->DeviceName : "(unnamed)");
}

static void IopReclaimWmiRegistration(NTSIM_HOOKED_RESOURCE *Hook)
{
    IOP_WMI_REGISTRATION *R = CONTAINING_RECORD(Hook, IOP_WMI_REGISTRATION, Hook);
    VfUntrack(&Hook->Track);
    RemoveEntryList(&R->Link);
    free(R);
}

static IOP_WMI_REGISTRATION *IopFindWmiRegistration(PDEVICE_OBJECT Device)
{
    for (PLIST_ENTRY E = IopWmiRegistrations.Flink; E != &IopWmiRegistrations; E = E->Flink) {
        IOP_WMI_REGISTRATION *R = CONTAINING_RECORD(E, IOP_WMI_REGISTRATION, Link);
        if (R->Device == Device)
            return R;
    }
    return NULL;
}

static NTSTATUS IopWmiRegister(PDEVICE_OBJECT Device, NTSIM_SITE Site)
{
    if (IopFindWmiRegistration(Device) != NULL) {
        VfReport("WMI", NTSIM_SEV_WARNING, VfCurrentDriver(), Site,
                 "IoWMIRegistrationControl(WMIREG_ACTION_REGISTER): device %p is already registered", (void *)Device);
        return STATUS_SUCCESS;
    }
    if (ViFaultShouldFail(NtsimFaultObject, "IoWMIRegistrationControl", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    IOP_WMI_REGISTRATION *R = KiHostAlloc(sizeof(*R));
    memset(R, 0, sizeof(*R));
    R->Device = Device;
    ObpGetObjectName(Device, R->DeviceName, sizeof(R->DeviceName));
    R->Hook.Describe = IopDescribeWmiRegistration;
    R->Hook.Reclaim = IopReclaimWmiRegistration;
    InsertTailList(&IopWmiRegistrations, &R->Link);
    VfTrack(&R->Hook.Track, NtsimResHooked, Site);
    return STATUS_SUCCESS;
}

NTSTATUS IoWMIRegistrationControl(PDEVICE_OBJECT DeviceObject, ULONG Action)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoWMIRegistrationControl", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (Action & WMIREG_FLAG_CALLBACK) {
        VfReport("WMI", NTSIM_SEV_ERROR, VfCurrentDriver(), Site,
                 "IoWMIRegistrationControl with WMIREG_FLAG_CALLBACK (a callback in place of a device object) is not "
                 "simulated by ntsim");
        return STATUS_NOT_SUPPORTED;
    }
    if (DeviceObject == NULL)
        return STATUS_INVALID_PARAMETER_1;
    IOP_WMI_REGISTRATION *R = IopFindWmiRegistration(DeviceObject);
    switch (Action) {
    case WMIREG_ACTION_REGISTER:
        return IopWmiRegister(DeviceObject, Site);
    case WMIREG_ACTION_DEREGISTER:
        if (R == NULL)
            return STATUS_INVALID_PARAMETER; /* was never registered */
        IopReclaimWmiRegistration(&R->Hook);
        return STATUS_SUCCESS;
    case WMIREG_ACTION_REREGISTER:
    case WMIREG_ACTION_UPDATE_GUIDS:
    case WMIREG_ACTION_BLOCK_IRPS:
        return R != NULL ? STATUS_SUCCESS : STATUS_INVALID_PARAMETER;
    default:
        return STATUS_INVALID_PARAMETER_2;
    }
}

/* ---- instance ids: a counter per GUID ---- */

typedef struct _IOP_WMI_GUID_IDS {
    struct _IOP_WMI_GUID_IDS *Next;
    GUID Guid;
    ULONG NextId;
} IOP_WMI_GUID_IDS;

static IOP_WMI_GUID_IDS *IopWmiGuidIds;

NTSTATUS IoWMIAllocateInstanceIds(LPCGUID Guid, ULONG InstanceCount, ULONG *FirstInstanceId)
{
    KiTakeSite();
    if (Guid == NULL || FirstInstanceId == NULL || InstanceCount == 0)
        return STATUS_INVALID_PARAMETER;
    IOP_WMI_GUID_IDS *Ids = IopWmiGuidIds;
    while (Ids && memcmp(&Ids->Guid, Guid, sizeof(GUID)) != 0)
        Ids = Ids->Next;
    if (Ids == NULL) {
        Ids = KiHostAlloc(sizeof(*Ids));
        memset(Ids, 0, sizeof(*Ids));
        Ids->Guid = *Guid;
        Ids->Next = IopWmiGuidIds;
        IopWmiGuidIds = Ids;
    }
    *FirstInstanceId = Ids->NextId;
    Ids->NextId += InstanceCount;
    return STATUS_SUCCESS;
}

/* IoWMIOpenBlock / IoWMIQueryAllData, the consumer side. ntsim sends no WMI request to
 * providers and the machine has no firmware data blocks (no SMBIOS or ACPI tables), so
 * no data block exists to open: every GUID answers STATUS_WMI_GUID_NOT_FOUND, what
 * Windows answers for a GUID no provider registered. Drivers read that as "not
 * available" (i8042prt's SMBIOS quirk table). */
NTSTATUS IoWMIOpenBlock(LPCGUID Guid, ULONG DesiredAccess, PVOID *DataBlockObject)
{
    KiTakeSite();
    UNREFERENCED_PARAMETER(DesiredAccess);
    if (Guid == NULL || DataBlockObject == NULL)
        return STATUS_INVALID_PARAMETER;
    return STATUS_WMI_GUID_NOT_FOUND;
}

/* No data block object can exist (IoWMIOpenBlock opens none), so whatever the driver
 * passes is not one: Windows would fault referencing it; ntsim stops with the
 * reference-by-pointer bug check and says why. */
NTSTATUS IoWMIQueryAllData(PVOID DataBlockObject, PULONG InOutBufferSize, PVOID OutBuffer)
{
    NTSIM_SITE Site = KiTakeSite();
    UNREFERENCED_PARAMETER(InOutBufferSize);
    UNREFERENCED_PARAMETER(OutBuffer);
    KiBugCheck(0x18, 0, (ULONG_PTR)DataBlockObject, 0, 0, Site,
               "IoWMIQueryAllData(%p): not a WMI data block object (IoWMIOpenBlock opens none on ntsim: "
               "no WMI data block is provided)", DataBlockObject);
}

/* Machine teardown: forget every registration and id (the audit reported leftovers). */
void IopResetWmi(void)
{
    while (!IsListEmpty(&IopWmiRegistrations))
        IopReclaimWmiRegistration(&CONTAINING_RECORD(IopWmiRegistrations.Flink, IOP_WMI_REGISTRATION, Link)->Hook);
    while (IopWmiGuidIds) {
        IOP_WMI_GUID_IDS *Next = IopWmiGuidIds->Next;
        free(IopWmiGuidIds);
        IopWmiGuidIds = Next;
    }
}

/* ---- the WMI library ---- */

#define IOP_WMI_LAST_MINOR 0x0B /* IRP_MN_QUERY_ALL_DATA (0) .. IRP_MN_REGINFO_EX (0x0B) */

NTSTATUS WmiSystemControl(PWMILIB_CONTEXT WmiLibInfo, PDEVICE_OBJECT DeviceObject, PIRP Irp,
                          PSYSCTL_IRP_DISPOSITION IrpDisposition)
{
    NTSIM_SITE Site = KiTakeSite();
    if (WmiLibInfo == NULL || DeviceObject == NULL || Irp == NULL || IrpDisposition == NULL)
        KiBugCheck(0xC4, 0x1060 /* approximate */, (ULONG_PTR)Irp, 0, 0, Site,
                   "WmiSystemControl: WmiLibInfo, DeviceObject, Irp and IrpDisposition are all required");
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction != IRP_MJ_SYSTEM_CONTROL || Stack->MinorFunction > IOP_WMI_LAST_MINOR) {
        *IrpDisposition = IrpNotWmi;
        return Irp->IoStatus.Status;
    }
    if ((PDEVICE_OBJECT)Stack->Parameters.WMI.ProviderId != DeviceObject) {
        *IrpDisposition = IrpForward; /* meant for another device of the stack */
        return Irp->IoStatus.Status;
    }
    /* ntsim sends no WMI requests; one another driver built is answered, not served */
    Irp->IoStatus.Status = STATUS_WMI_GUID_NOT_FOUND;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    *IrpDisposition = IrpProcessed;
    return STATUS_WMI_GUID_NOT_FOUND;
}

NTSTATUS WmiCompleteRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp, NTSTATUS Status, ULONG BufferUsed,
                            CCHAR PriorityBoost)
{
    (void)DeviceObject;
    KiTakeSite();
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = BufferUsed;
    IoCompleteRequest(Irp, PriorityBoost);
    return Status;
}

NTSTATUS WmiFireEvent(PDEVICE_OBJECT DeviceObject, LPCGUID Guid, ULONG InstanceIndex, ULONG EventDataSize,
                      PVOID EventData)
{
    (void)DeviceObject;
    (void)Guid;
    (void)InstanceIndex;
    (void)EventDataSize;
    NTSIM_SITE Site = KiTakeSite();
    /* documented: WMI frees the event data (nonpaged pool) whatever happens */
    if (EventData != NULL)
        ExpFreePool(EventData, 0, "WmiFireEvent", Site);
    return STATUS_SUCCESS;
}
