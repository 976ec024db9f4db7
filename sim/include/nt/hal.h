/* nt/hal.h - the legacy-driver part of ntddk.h: bus address translation, interrupt
 * vectors, claiming resources in \Registry\Machine\HARDWARE\RESOURCEMAP, and the
 * system's configuration counts. See docs/hal.md for what the simulated HAL returns. */
#ifndef NTSIM_NT_HAL_H
#define NTSIM_NT_HAL_H

typedef struct _CONFIGURATION_INFORMATION {
    ULONG DiskCount;
    ULONG FloppyCount;
    ULONG CdRomCount;
    ULONG TapeCount;
    ULONG ScsiPortCount;
    ULONG SerialCount;
    ULONG ParallelCount;
    BOOLEAN AtDiskPrimaryAddressClaimed;
    BOOLEAN AtDiskSecondaryAddressClaimed;
    ULONG Version;
    ULONG MediumChangerCount;
} CONFIGURATION_INFORMATION, *PCONFIGURATION_INFORMATION;

NTHALAPI BOOLEAN HalTranslateBusAddress(INTERFACE_TYPE InterfaceType, ULONG BusNumber, PHYSICAL_ADDRESS BusAddress,
                                        PULONG AddressSpace, PPHYSICAL_ADDRESS TranslatedAddress);
NTHALAPI ULONG HalGetInterruptVector(INTERFACE_TYPE InterfaceType, ULONG BusNumber, ULONG BusInterruptLevel,
                                     ULONG BusInterruptVector, PKIRQL Irql, PKAFFINITY Affinity);

/* The PC speaker at Frequency Hz (0: off); FALSE if the machine cannot play it. */
NTHALAPI BOOLEAN HalMakeBeep(ULONG Frequency);

NTKERNELAPI NTSTATUS IoReportResourceUsage(PUNICODE_STRING DriverClassName, PDRIVER_OBJECT DriverObject,
                                           PCM_RESOURCE_LIST DriverList, ULONG DriverListSize,
                                           PDEVICE_OBJECT DeviceObject, PCM_RESOURCE_LIST DeviceList,
                                           ULONG DeviceListSize, BOOLEAN OverrideConflict,
                                           PBOOLEAN ConflictDetected);
NTKERNELAPI NTSTATUS IoReportResourceForDetection(PDRIVER_OBJECT DriverObject, PCM_RESOURCE_LIST DriverList,
                                                  ULONG DriverListSize, PDEVICE_OBJECT DeviceObject,
                                                  PCM_RESOURCE_LIST DeviceList, ULONG DeviceListSize,
                                                  PBOOLEAN ConflictDetected);
NTKERNELAPI NTSTATUS IoAssignResources(PUNICODE_STRING RegistryPath, PUNICODE_STRING DriverClassName,
                                       PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT DeviceObject,
                                       PIO_RESOURCE_REQUIREMENTS_LIST RequestedResources,
                                       PCM_RESOURCE_LIST *AllocatedResources);
NTKERNELAPI PCONFIGURATION_INFORMATION IoGetConfigurationInformation(VOID);

/* nt/site.h: these come after the prototypes because ntddk.h includes this after wdm.h */
#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define IoReportResourceUsage(...) NTSIM_AT(IoReportResourceUsage)(__VA_ARGS__)
#define IoReportResourceForDetection(...) NTSIM_AT(IoReportResourceForDetection)(__VA_ARGS__)
#define IoAssignResources(...) NTSIM_AT(IoAssignResources)(__VA_ARGS__)
#define HalGetInterruptVector(...) NTSIM_AT(HalGetInterruptVector)(__VA_ARGS__)
#define HalMakeBeep(...) NTSIM_AT(HalMakeBeep)(__VA_ARGS__)
#endif

#endif
