/* nt/pnpmgr.h - Plug and Play and power for WDM drivers: the structures PnP IRPs
 * carry (DEVICE_RELATIONS, DEVICE_CAPABILITIES, PNP_BUS_INFORMATION), device
 * properties and registry keys, device interfaces and notifications, attachment,
 * the power manager's Po* routines, IoQueueWorkItemEx. Names, values and layouts are
 * the WDK's (sim/io/pnp*.c, sim/io/power.c implement them; docs/pnp.md). A types-only
 * header (nt/pnptypes.h) adds the other PnP types on top of these and includes this one. */
#ifndef NTSIM_NT_PNPMGR_H
#define NTSIM_NT_PNPMGR_H

/* ---- PnP IRP payloads ---- */
typedef struct _DEVICE_RELATIONS {
    ULONG Count;
    PDEVICE_OBJECT Objects[1];
} DEVICE_RELATIONS, *PDEVICE_RELATIONS;

typedef struct _DEVICE_CAPABILITIES {
    USHORT Size;
    USHORT Version;
    ULONG DeviceD1 : 1;
    ULONG DeviceD2 : 1;
    ULONG LockSupported : 1;
    ULONG EjectSupported : 1;
    ULONG Removable : 1;
    ULONG DockDevice : 1;
    ULONG UniqueID : 1;
    ULONG SilentInstall : 1;
    ULONG RawDeviceOK : 1;
    ULONG SurpriseRemovalOK : 1;
    ULONG WakeFromD0 : 1;
    ULONG WakeFromD1 : 1;
    ULONG WakeFromD2 : 1;
    ULONG WakeFromD3 : 1;
    ULONG HardwareDisabled : 1;
    ULONG NonDynamic : 1;
    ULONG WarmEjectSupported : 1;
    ULONG NoDisplayInUI : 1;
    ULONG Reserved1 : 1;
    ULONG WakeFromInterrupt : 1;
    ULONG SecureDevice : 1;
    ULONG ChildOfVgaEnabledBridge : 1;
    ULONG DecodeIoOnBoot : 1;
    ULONG Reserved : 9;
    ULONG Address;
    ULONG UINumber;
    DEVICE_POWER_STATE DeviceState[PowerSystemMaximum];
    SYSTEM_POWER_STATE SystemWake;
    DEVICE_POWER_STATE DeviceWake;
    ULONG D1Latency;
    ULONG D2Latency;
    ULONG D3Latency;
} DEVICE_CAPABILITIES;

typedef struct _PNP_BUS_INFORMATION {
    GUID BusTypeGuid;
    INTERFACE_TYPE LegacyBusType;
    ULONG BusNumber;
} PNP_BUS_INFORMATION, *PPNP_BUS_INFORMATION;

typedef ULONG PNP_DEVICE_STATE, *PPNP_DEVICE_STATE;
#define PNP_DEVICE_DISABLED 0x00000001
#define PNP_DEVICE_DONT_DISPLAY_IN_UI 0x00000002
#define PNP_DEVICE_FAILED 0x00000004
#define PNP_DEVICE_REMOVED 0x00000008
#define PNP_DEVICE_RESOURCE_REQUIREMENTS_CHANGED 0x00000010
#define PNP_DEVICE_NOT_DISABLEABLE 0x00000020

/* ---- device properties and registry keys ---- */
typedef enum _DEVICE_REGISTRY_PROPERTY {
    DevicePropertyDeviceDescription = 0x0,
    DevicePropertyHardwareID = 0x1,
    DevicePropertyCompatibleIDs = 0x2,
    DevicePropertyBootConfiguration = 0x3,
    DevicePropertyBootConfigurationTranslated = 0x4,
    DevicePropertyClassName = 0x5,
    DevicePropertyClassGuid = 0x6,
    DevicePropertyDriverKeyName = 0x7,
    DevicePropertyManufacturer = 0x8,
    DevicePropertyFriendlyName = 0x9,
    DevicePropertyLocationInformation = 0xa,
    DevicePropertyPhysicalDeviceObjectName = 0xb,
    DevicePropertyBusTypeGuid = 0xc,
    DevicePropertyLegacyBusType = 0xd,
    DevicePropertyBusNumber = 0xe,
    DevicePropertyEnumeratorName = 0xf,
    DevicePropertyAddress = 0x10,
    DevicePropertyUINumber = 0x11,
    DevicePropertyInstallState = 0x12,
    DevicePropertyRemovalPolicy = 0x13,
    DevicePropertyResourceRequirements = 0x14,
    DevicePropertyAllocatedResources = 0x15,
    DevicePropertyContainerID = 0x16
} DEVICE_REGISTRY_PROPERTY;

typedef enum _DEVICE_INSTALL_STATE {
    InstallStateInstalled, InstallStateNeedsReinstall, InstallStateFailedInstall, InstallStateFinishInstall
} DEVICE_INSTALL_STATE, *PDEVICE_INSTALL_STATE;

#define PLUGPLAY_REGKEY_DEVICE 1
#define PLUGPLAY_REGKEY_DRIVER 2
#define PLUGPLAY_REGKEY_CURRENT_HWPROFILE 4

/* ---- device interfaces and notifications ---- */
#define DEVICE_INTERFACE_INCLUDE_NONACTIVE 0x00000001

typedef enum _IO_NOTIFICATION_EVENT_CATEGORY {
    EventCategoryReserved,
    EventCategoryHardwareProfileChange,
    EventCategoryDeviceInterfaceChange,
    EventCategoryTargetDeviceChange,
    EventCategoryKernelSoftRestart
} IO_NOTIFICATION_EVENT_CATEGORY;
#define PNPNOTIFY_DEVICE_INTERFACE_INCLUDE_EXISTING_INTERFACES 0x00000001

typedef NTSTATUS DRIVER_NOTIFICATION_CALLBACK_ROUTINE(PVOID NotificationStructure, PVOID Context);
typedef DRIVER_NOTIFICATION_CALLBACK_ROUTINE *PDRIVER_NOTIFICATION_CALLBACK_ROUTINE;

typedef struct _PLUGPLAY_NOTIFICATION_HEADER {
    USHORT Version;
    USHORT Size;
    GUID Event;
} PLUGPLAY_NOTIFICATION_HEADER, *PPLUGPLAY_NOTIFICATION_HEADER;

typedef struct _DEVICE_INTERFACE_CHANGE_NOTIFICATION {
    USHORT Version;
    USHORT Size;
    GUID Event;
    GUID InterfaceClassGuid;
    PUNICODE_STRING SymbolicLinkName;
} DEVICE_INTERFACE_CHANGE_NOTIFICATION, *PDEVICE_INTERFACE_CHANGE_NOTIFICATION;

/* GUID_DEVICE_INTERFACE_ARRIVAL / _REMOVAL are wdmguid.h's, as in the WDK. */

/* ---- power ---- */
typedef VOID REQUEST_POWER_COMPLETE(PDEVICE_OBJECT DeviceObject, UCHAR MinorFunction, POWER_STATE PowerState,
                                    PVOID Context, PIO_STATUS_BLOCK IoStatus);
typedef REQUEST_POWER_COMPLETE *PREQUEST_POWER_COMPLETE;

/* ---- work items with the I/O object ---- */
typedef VOID IO_WORKITEM_ROUTINE_EX(PVOID IoObject, PVOID Context, PIO_WORKITEM IoWorkItem);
typedef IO_WORKITEM_ROUTINE_EX *PIO_WORKITEM_ROUTINE_EX;

/* ---- routines ---- */
NTKERNELAPI NTSTATUS IoAttachDeviceToDeviceStackSafe(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice,
                                                     PDEVICE_OBJECT *AttachedToDeviceObject);
NTKERNELAPI PDEVICE_OBJECT IoGetAttachedDevice(PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject);
NTKERNELAPI PDEVICE_OBJECT IoGetDeviceAttachmentBaseRef(PDEVICE_OBJECT DeviceObject);
NTKERNELAPI NTSTATUS IoAttachDevice(PDEVICE_OBJECT SourceDevice, PUNICODE_STRING TargetDevice,
                                    PDEVICE_OBJECT *AttachedDevice);
NTKERNELAPI NTSTATUS IoAttachDeviceByPointer(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice);
NTKERNELAPI BOOLEAN IoForwardIrpSynchronously(PDEVICE_OBJECT DeviceObject, PIRP Irp);

NTKERNELAPI NTSTATUS IoGetDeviceProperty(PDEVICE_OBJECT DeviceObject, DEVICE_REGISTRY_PROPERTY DeviceProperty,
                                         ULONG BufferLength, PVOID PropertyBuffer, PULONG ResultLength);
NTKERNELAPI NTSTATUS IoOpenDeviceRegistryKey(PDEVICE_OBJECT DeviceObject, ULONG DevInstKeyType,
                                             ACCESS_MASK DesiredAccess, PHANDLE DeviceRegKey);
NTKERNELAPI VOID IoInvalidateDeviceRelations(PDEVICE_OBJECT DeviceObject, DEVICE_RELATION_TYPE Type);
NTKERNELAPI VOID IoInvalidateDeviceState(PDEVICE_OBJECT PhysicalDeviceObject);
NTKERNELAPI VOID IoRequestDeviceEject(PDEVICE_OBJECT PhysicalDeviceObject);
/* Custom target-device events (TARGET_DEVICE_CUSTOM_NOTIFICATION) to the drivers registered
 * for the device with EventCategoryTargetDeviceChange. */
typedef VOID DEVICE_CHANGE_COMPLETE_CALLBACK(PVOID Context);
typedef DEVICE_CHANGE_COMPLETE_CALLBACK *PDEVICE_CHANGE_COMPLETE_CALLBACK;
NTKERNELAPI NTSTATUS IoReportTargetDeviceChange(PDEVICE_OBJECT PhysicalDeviceObject, PVOID NotificationStructure);
NTKERNELAPI NTSTATUS IoReportTargetDeviceChangeAsynchronous(PDEVICE_OBJECT PhysicalDeviceObject,
                                                            PVOID NotificationStructure,
                                                            PDEVICE_CHANGE_COMPLETE_CALLBACK Callback, PVOID Context);
NTKERNELAPI BOOLEAN IoIsWdmVersionAvailable(UCHAR MajorVersion, UCHAR MinorVersion);
NTKERNELAPI NTSTATUS IoReportDetectedDevice(PDRIVER_OBJECT DriverObject, INTERFACE_TYPE LegacyBusType,
                                            ULONG BusNumber, ULONG SlotNumber, PCM_RESOURCE_LIST ResourceList,
                                            PIO_RESOURCE_REQUIREMENTS_LIST ResourceRequirements,
                                            BOOLEAN ResourceAssigned, PDEVICE_OBJECT *DeviceObject);

NTKERNELAPI NTSTATUS IoRegisterDeviceInterface(PDEVICE_OBJECT PhysicalDeviceObject, const GUID *InterfaceClassGuid,
                                               PUNICODE_STRING ReferenceString, PUNICODE_STRING SymbolicLinkName);
NTKERNELAPI NTSTATUS IoSetDeviceInterfaceState(PUNICODE_STRING SymbolicLinkName, BOOLEAN Enable);
NTKERNELAPI NTSTATUS IoGetDeviceInterfaces(const GUID *InterfaceClassGuid, PDEVICE_OBJECT PhysicalDeviceObject,
                                           ULONG Flags, PWSTR *SymbolicLinkList);
NTKERNELAPI NTSTATUS IoRegisterPlugPlayNotification(IO_NOTIFICATION_EVENT_CATEGORY EventCategory,
                                                    ULONG EventCategoryFlags, PVOID EventCategoryData,
                                                    PDRIVER_OBJECT DriverObject,
                                                    PDRIVER_NOTIFICATION_CALLBACK_ROUTINE CallbackRoutine,
                                                    PVOID Context, PVOID *NotificationEntry);
NTKERNELAPI NTSTATUS IoUnregisterPlugPlayNotification(PVOID NotificationEntry);
NTKERNELAPI NTSTATUS IoUnregisterPlugPlayNotificationEx(PVOID NotificationEntry);

NTKERNELAPI VOID IoQueueWorkItemEx(PIO_WORKITEM IoWorkItem, PIO_WORKITEM_ROUTINE_EX WorkerRoutine,
                                   WORK_QUEUE_TYPE QueueType, PVOID Context);

NTKERNELAPI NTSTATUS PoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp);
NTKERNELAPI VOID PoStartNextPowerIrp(PIRP Irp);
NTKERNELAPI POWER_STATE PoSetPowerState(PDEVICE_OBJECT DeviceObject, POWER_STATE_TYPE Type, POWER_STATE State);
NTKERNELAPI NTSTATUS PoRequestPowerIrp(PDEVICE_OBJECT DeviceObject, UCHAR MinorFunction, POWER_STATE PowerState,
                                       PREQUEST_POWER_COMPLETE CompletionFunction, PVOID Context, PIRP *Irp);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define IoAttachDeviceToDeviceStackSafe(...) NTSIM_AT(IoAttachDeviceToDeviceStackSafe)(__VA_ARGS__)
#define IoAttachDevice(...) NTSIM_AT(IoAttachDevice)(__VA_ARGS__)
#define IoAttachDeviceByPointer(...) NTSIM_AT(IoAttachDeviceByPointer)(__VA_ARGS__)
#define IoForwardIrpSynchronously(...) NTSIM_AT(IoForwardIrpSynchronously)(__VA_ARGS__)
#define IoGetDeviceProperty(...) NTSIM_AT(IoGetDeviceProperty)(__VA_ARGS__)
#define IoOpenDeviceRegistryKey(...) NTSIM_AT(IoOpenDeviceRegistryKey)(__VA_ARGS__)
#define IoInvalidateDeviceRelations(...) NTSIM_AT(IoInvalidateDeviceRelations)(__VA_ARGS__)
#define IoInvalidateDeviceState(...) NTSIM_AT(IoInvalidateDeviceState)(__VA_ARGS__)
#define IoRequestDeviceEject(...) NTSIM_AT(IoRequestDeviceEject)(__VA_ARGS__)
#define IoReportTargetDeviceChange(...) NTSIM_AT(IoReportTargetDeviceChange)(__VA_ARGS__)
#define IoReportTargetDeviceChangeAsynchronous(...) NTSIM_AT(IoReportTargetDeviceChangeAsynchronous)(__VA_ARGS__)
#define IoReportDetectedDevice(...) NTSIM_AT(IoReportDetectedDevice)(__VA_ARGS__)
#define IoRegisterDeviceInterface(...) NTSIM_AT(IoRegisterDeviceInterface)(__VA_ARGS__)
#define IoSetDeviceInterfaceState(...) NTSIM_AT(IoSetDeviceInterfaceState)(__VA_ARGS__)
#define IoGetDeviceInterfaces(...) NTSIM_AT(IoGetDeviceInterfaces)(__VA_ARGS__)
#define IoRegisterPlugPlayNotification(...) NTSIM_AT(IoRegisterPlugPlayNotification)(__VA_ARGS__)
#define IoUnregisterPlugPlayNotification(...) NTSIM_AT(IoUnregisterPlugPlayNotification)(__VA_ARGS__)
#define IoUnregisterPlugPlayNotificationEx(...) NTSIM_AT(IoUnregisterPlugPlayNotificationEx)(__VA_ARGS__)
#define IoQueueWorkItemEx(...) NTSIM_AT(IoQueueWorkItemEx)(__VA_ARGS__)
#define PoCallDriver(...) NTSIM_AT(PoCallDriver)(__VA_ARGS__)
#define PoStartNextPowerIrp(...) NTSIM_AT(PoStartNextPowerIrp)(__VA_ARGS__)
#define PoSetPowerState(...) NTSIM_AT(PoSetPowerState)(__VA_ARGS__)
#define PoRequestPowerIrp(...) NTSIM_AT(PoRequestPowerIrp)(__VA_ARGS__)
#endif

#endif
