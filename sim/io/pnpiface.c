/* pnpiface.c - device interfaces and the notifications about them.
 *
 * IoRegisterDeviceInterface names an interface as Windows does,
 *   \??\<instance path with '\' as '#'>#{interface class guid}[\<reference string>]
 * (e.g. \??\ACPI#PNP0501#0#{86e0d1e0-8089-11d0-9ce4-08003e301f73}) and records it in
 * HKLM\System\CurrentControlSet\Control\DeviceClasses\{guid}. Enabling it creates that
 * symbolic link to the PDO (opens reach the top of its stack) and tells the drivers
 * registered for the class (GUID_DEVICE_INTERFACE_ARRIVAL); disabling removes the link
 * (GUID_DEVICE_INTERFACE_REMOVAL). An interface still enabled after REMOVE_DEVICE is
 * reported (PN-08) and disabled by the PnP manager. */
#include "io/pnpp.h"
#include "cm/cmp.h"

typedef struct _IOP_INTERFACE {
    LIST_ENTRY Link;
    PDEVICE_OBJECT Pdo;          /* not referenced: the entry goes when the node does */
    GUID Class;
    char *Name;                  /* "\??\ACPI#PNP0501#0#{...}" */
    BOOLEAN Enabled;
    PVOID SymbolicLink;
    PDRIVER_OBJECT EnabledBy;
    NTSIM_SITE EnabledAt;
} IOP_INTERFACE;

typedef struct _IOP_NOTIFY {
    LIST_ENTRY Link;
    IO_NOTIFICATION_EVENT_CATEGORY Category;
    GUID Class;
    PDRIVER_OBJECT Driver;
    PDRIVER_NOTIFICATION_CALLBACK_ROUTINE Callback;
    PVOID Context;
    ULONG Magic;
} IOP_NOTIFY;

#define IOP_NOTIFY_MAGIC 0x79664E50u /* "PNfy" */

/* GUID_DEVICE_INTERFACE_ARRIVAL and GUID_DEVICE_INTERFACE_REMOVAL (wdmguid.h) */
static const GUID IopInterfaceArrival = { 0xcb3a4004, 0x46f0, 0x11d0, { 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f } };
static const GUID IopInterfaceRemoval = { 0xcb3a4005, 0x46f0, 0x11d0, { 0xb0, 0x8f, 0x00, 0x60, 0x97, 0x13, 0x05, 0x3f } };

static LIST_ENTRY IopInterfaces = { &IopInterfaces, &IopInterfaces };
static LIST_ENTRY IopNotifications = { &IopNotifications, &IopNotifications };

static void IopFormatGuid(const GUID *G, char *Buffer, size_t Size)
{
    snprintf(Buffer, Size, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}", G->Data1, G->Data2, G->Data3,
             G->Data4[0], G->Data4[1], G->Data4[2], G->Data4[3], G->Data4[4], G->Data4[5], G->Data4[6],
             G->Data4[7]);
}

/* The caller's pool (it frees it with RtlFreeUnicodeString); a failure injected here
 * is the DDI's own, named after it and the driver's line. */
static NTSTATUS IopPoolUnicode(const char *Utf8, PUNICODE_STRING Out, const char *Ddi, NTSIM_SITE Site)
{
    size_t Length = strlen(Utf8);
    PWCH Buffer = ExpAllocatePool(PagedPool, (Length + 1) * sizeof(WCHAR), 'ifnP', Ddi, Site);
    if (Buffer == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    size_t Units = RtlpUtf8ToUtf16(Utf8, Length, Buffer, Length + 1);
    Buffer[Units] = 0;
    Out->Buffer = Buffer;
    Out->Length = (USHORT)(Units * sizeof(WCHAR));
    Out->MaximumLength = (USHORT)((Units + 1) * sizeof(WCHAR));
    return STATUS_SUCCESS;
}

static IOP_INTERFACE *IopFindInterface(const char *Name)
{
    for (PLIST_ENTRY E = IopInterfaces.Flink; E != &IopInterfaces; E = E->Flink) {
        IOP_INTERFACE *I = CONTAINING_RECORD(E, IOP_INTERFACE, Link);
        if (!strcasecmp(I->Name, Name))
            return I;
    }
    return NULL;
}

/* "\??\" and "\\?\" both name the same interface (user mode sees the second). */
static IOP_INTERFACE *IopLookupInterface(PCUNICODE_STRING Name)
{
    char *Utf8 = RtlpUnicodeToUtf8Dup(Name);
    if (strncmp(Utf8, "\\\\?\\", 4) == 0)
        Utf8[1] = '?';
    IOP_INTERFACE *I = IopFindInterface(Utf8);
    free(Utf8);
    return I;
}

NTSTATUS IoRegisterDeviceInterface(PDEVICE_OBJECT PhysicalDeviceObject, const GUID *InterfaceClassGuid,
                                   PUNICODE_STRING ReferenceString, PUNICODE_STRING SymbolicLinkName)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoRegisterDeviceInterface", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    IOP_DEVNODE *Node = PhysicalDeviceObject && ObpGetObjectType(PhysicalDeviceObject) == &IopDeviceType
                            ? IopDeviceNode(PhysicalDeviceObject)
                            : NULL;
    if (Node == NULL || Node->InstancePath == NULL || InterfaceClassGuid == NULL || SymbolicLinkName == NULL)
        return STATUS_INVALID_DEVICE_REQUEST;
    char Guid[48];
    IopFormatGuid(InterfaceClassGuid, Guid, sizeof(Guid));
    char *Instance = KiHostStrdup(Node->InstancePath);
    for (char *P = Instance; *P; P++)
        if (*P == '\\')
            *P = '#';
    char *Reference = ReferenceString && ReferenceString->Length ? RtlpUnicodeToUtf8Dup(ReferenceString) : NULL;
    char *Name = KiHostPrintf("\\??\\%s#%s%s%s", Instance, Guid, Reference ? "\\" : "", Reference ? Reference : "");
    free(Instance);
    free(Reference);
    if (IopFindInterface(Name) == NULL) {
        IOP_INTERFACE *I = KiHostAlloc(sizeof(*I));
        memset(I, 0, sizeof(*I));
        I->Pdo = PhysicalDeviceObject;
        I->Class = *InterfaceClassGuid;
        I->Name = KiHostStrdup(Name);
        InsertTailList(&IopInterfaces, &I->Link);
        char *Key = KiHostPrintf("\\Registry\\Machine\\System\\CurrentControlSet\\Control\\DeviceClasses\\%s\\##?#%s",
                                 Guid, Name + 4);
        CmpSetStringValueUtf8(Key, "DeviceInstance", REG_SZ, Node->InstancePath);
        free(Key);
    }
    NTSTATUS Status = IopPoolUnicode(Name, SymbolicLinkName, "IoRegisterDeviceInterface", Site);
    free(Name);
    return Status;
}

static void IopCallNotify(IOP_NOTIFY *N, IOP_INTERFACE *I, const GUID *Event)
{
    WCHAR Wide[512];
    size_t Units = RtlpUtf8ToUtf16(I->Name, strlen(I->Name), Wide, RTL_NUMBER_OF(Wide) - 1);
    Wide[Units] = 0;
    UNICODE_STRING Name = { (USHORT)(Units * sizeof(WCHAR)), (USHORT)sizeof(Wide), Wide };
    DEVICE_INTERFACE_CHANGE_NOTIFICATION Note = { 1, sizeof(Note), *Event, I->Class, &Name };
    KiSetIrql(PASSIVE_LEVEL);
    IOP_CALL_DRIVER(N->Driver, N->Callback(&Note, N->Context));
}

static void IopNotifyInterface(IOP_INTERFACE *I, const GUID *Event)
{
    for (PLIST_ENTRY E = IopNotifications.Flink; E != &IopNotifications;) {
        IOP_NOTIFY *N = CONTAINING_RECORD(E, IOP_NOTIFY, Link);
        E = E->Flink; /* the callback may unregister itself */
        if (N->Category != EventCategoryDeviceInterfaceChange || memcmp(&N->Class, &I->Class, sizeof(GUID)))
            continue;
        if (IopDriver(N->Driver)->Unloaded) {
            VfReport("IO-04", NTSIM_SEV_ERROR, N->Driver, KiNoSite,
                     "%s is unloaded but its PnP notification callback is still registered "
                     "(IoUnregisterPlugPlayNotification in Unload)", VfDriverName(N->Driver));
            RemoveEntryList(&N->Link);
            free(N);
            continue;
        }
        IopCallNotify(N, I, Event);
    }
}

static NTSTATUS IopEnable(IOP_INTERFACE *I, PDRIVER_OBJECT By, NTSIM_SITE Site)
{
    if (I->Enabled)
        return STATUS_SUCCESS;
    char Target[256];
    ObpGetObjectName(I->Pdo, Target, sizeof(Target));
    NTSTATUS Status = ObpCreateSymbolicLinkUtf8(I->Name, Target, &I->SymbolicLink);
    if (!NT_SUCCESS(Status))
        return Status;
    I->Enabled = TRUE;
    I->EnabledBy = By;
    I->EnabledAt = Site;
    IopNotifyInterface(I, &IopInterfaceArrival);
    return STATUS_SUCCESS;
}

static void IopDisable(IOP_INTERFACE *I)
{
    if (!I->Enabled)
        return;
    I->Enabled = FALSE;
    ObpRemoveName(I->SymbolicLink);
    ObpDereference(I->SymbolicLink);
    I->SymbolicLink = NULL;
    IopNotifyInterface(I, &IopInterfaceRemoval);
}

NTSTATUS IoSetDeviceInterfaceState(PUNICODE_STRING SymbolicLinkName, BOOLEAN Enable)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoSetDeviceInterfaceState", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    if (SymbolicLinkName == NULL || SymbolicLinkName->Buffer == NULL)
        return STATUS_INVALID_PARAMETER;
    IOP_INTERFACE *I = IopLookupInterface(SymbolicLinkName);
    if (I == NULL)
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (!Enable) {
        IopDisable(I);
        return STATUS_SUCCESS;
    }
    if (ViFaultShouldFail(NtsimFaultSymbolicLink, "IoSetDeviceInterfaceState", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    return IopEnable(I, VfCurrentDriver(), Site);
}

NTSTATUS IoGetDeviceInterfaces(const GUID *InterfaceClassGuid, PDEVICE_OBJECT PhysicalDeviceObject, ULONG Flags,
                               PWSTR *SymbolicLinkList)
{
    NTSIM_SITE Site = KiTakeSite();
    if (InterfaceClassGuid == NULL || SymbolicLinkList == NULL)
        return STATUS_INVALID_PARAMETER;
    *SymbolicLinkList = NULL;
    size_t Units = 1;
    for (int Pass = 0; Pass < 2; Pass++) {
        size_t o = 0;
        for (PLIST_ENTRY E = IopInterfaces.Flink; E != &IopInterfaces; E = E->Flink) {
            IOP_INTERFACE *I = CONTAINING_RECORD(E, IOP_INTERFACE, Link);
            if (memcmp(&I->Class, InterfaceClassGuid, sizeof(GUID)) ||
                (PhysicalDeviceObject && I->Pdo != PhysicalDeviceObject) ||
                (!I->Enabled && !(Flags & DEVICE_INTERFACE_INCLUDE_NONACTIVE)))
                continue;
            size_t Length = strlen(I->Name);
            if (Pass == 0) {
                Units += Length + 1;
            } else {
                o += RtlpUtf8ToUtf16(I->Name, Length, *SymbolicLinkList + o, Units - o);
                (*SymbolicLinkList)[o++] = 0;
            }
        }
        if (Pass == 0) {
            *SymbolicLinkList = ExpAllocatePool(PagedPool, Units * sizeof(WCHAR), 'ifnP', "IoGetDeviceInterfaces", Site);
            if (*SymbolicLinkList == NULL)
                return STATUS_INSUFFICIENT_RESOURCES;
        } else {
            (*SymbolicLinkList)[o] = 0;
        }
    }
    return STATUS_SUCCESS;
}

NTSTATUS IoRegisterPlugPlayNotification(IO_NOTIFICATION_EVENT_CATEGORY EventCategory, ULONG EventCategoryFlags,
                                        PVOID EventCategoryData, PDRIVER_OBJECT DriverObject,
                                        PDRIVER_NOTIFICATION_CALLBACK_ROUTINE CallbackRoutine, PVOID Context,
                                        PVOID *NotificationEntry)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoRegisterPlugPlayNotification", PASSIVE_LEVEL, 0xC4, 0x3E, Site);
    if (NotificationEntry == NULL || CallbackRoutine == NULL || DriverObject == NULL)
        return STATUS_INVALID_PARAMETER;
    *NotificationEntry = NULL;
    if (EventCategory != EventCategoryDeviceInterfaceChange && EventCategory != EventCategoryTargetDeviceChange &&
        EventCategory != EventCategoryHardwareProfileChange)
        return STATUS_INVALID_PARAMETER;
    if (EventCategory == EventCategoryDeviceInterfaceChange && EventCategoryData == NULL)
        return STATUS_INVALID_PARAMETER;
    if (ViFaultShouldFail(NtsimFaultPool, "IoRegisterPlugPlayNotification", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    if (EventCategory == EventCategoryTargetDeviceChange) /* sim/io/pnptarget.c */
        return IopRegisterTargetNotification(EventCategoryData, DriverObject, CallbackRoutine, Context,
                                             NotificationEntry);
    IOP_NOTIFY *N = KiHostAlloc(sizeof(*N));
    memset(N, 0, sizeof(*N));
    N->Category = EventCategory;
    if (EventCategory == EventCategoryDeviceInterfaceChange)
        N->Class = *(const GUID *)EventCategoryData;
    N->Driver = DriverObject;
    N->Callback = CallbackRoutine;
    N->Context = Context;
    N->Magic = IOP_NOTIFY_MAGIC;
    InsertTailList(&IopNotifications, &N->Link);
    *NotificationEntry = N;
    if (EventCategory == EventCategoryDeviceInterfaceChange &&
        (EventCategoryFlags & PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES)) {
        for (PLIST_ENTRY E = IopInterfaces.Flink; E != &IopInterfaces; E = E->Flink) {
            IOP_INTERFACE *I = CONTAINING_RECORD(E, IOP_INTERFACE, Link);
            if (!I->Enabled || memcmp(&I->Class, &N->Class, sizeof(GUID)))
                continue;
            IopCallNotify(N, I, &IopInterfaceArrival); /* only to the new registration */
        }
    }
    return STATUS_SUCCESS;
}

NTSTATUS IoUnregisterPlugPlayNotification(PVOID NotificationEntry)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_NOTIFY *N = NotificationEntry;
    if (IopUnregisterTargetNotification(NotificationEntry))
        return STATUS_SUCCESS;
    if (N == NULL || N->Magic != IOP_NOTIFY_MAGIC)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)NotificationEntry, 0, 0, Site,
                   "IoUnregisterPlugPlayNotification(%p): not an entry IoRegisterPlugPlayNotification returned "
                   "(or unregistered twice)", NotificationEntry);
    N->Magic = 0;
    RemoveEntryList(&N->Link);
    free(N);
    return STATUS_SUCCESS;
}

NTSTATUS IoUnregisterPlugPlayNotificationEx(PVOID NotificationEntry)
{
    return IoUnregisterPlugPlayNotification(NotificationEntry);
}

/* After REMOVE_DEVICE: PN-08 for interfaces of the PDO still enabled, then disabled. */
void IopPnpDisableInterfaces(PDEVICE_OBJECT Pdo, BOOLEAN Report, PDRIVER_OBJECT Driver)
{
    (void)Driver;
    for (PLIST_ENTRY E = IopInterfaces.Flink; E != &IopInterfaces; E = E->Flink) {
        IOP_INTERFACE *I = CONTAINING_RECORD(E, IOP_INTERFACE, Link);
        if (I->Pdo != Pdo || !I->Enabled)
            continue;
        if (Report)
            VfReport("PN-08", NTSIM_SEV_ERROR, I->EnabledBy, I->EnabledAt,
                     "device interface %s is still enabled after IRP_MN_REMOVE_DEVICE "
                     "(IoSetDeviceInterfaceState(..., FALSE) on removal)", I->Name);
        IopDisable(I);
    }
}

void IopPnpResetInterfaces(void)
{
    while (!IsListEmpty(&IopInterfaces)) {
        IOP_INTERFACE *I = CONTAINING_RECORD(RemoveHeadList(&IopInterfaces), IOP_INTERFACE, Link);
        free(I->Name);
        free(I);
    }
    while (!IsListEmpty(&IopNotifications))
        free(CONTAINING_RECORD(RemoveHeadList(&IopNotifications), IOP_NOTIFY, Link));
}

/* A node freed: its interfaces go (disabled first, without a report). */
void IopPnpForgetInterfaces(PDEVICE_OBJECT Pdo)
{
    for (PLIST_ENTRY E = IopInterfaces.Flink; E != &IopInterfaces;) {
        IOP_INTERFACE *I = CONTAINING_RECORD(E, IOP_INTERFACE, Link);
        E = E->Flink;
        if (I->Pdo != Pdo)
            continue;
        IopDisable(I);
        RemoveEntryList(&I->Link);
        free(I->Name);
        free(I);
    }
}
