/* nt/config.h - the legacy-driver view of HARDWARE\DESCRIPTION (part of ntddk.h):
 * CONFIGURATION_TYPE, the "Component Information" layout, and IoQueryDeviceDescription
 * with its callout, with the WDK's names, layouts and values. See docs/hal.md for the
 * tree the simulated machine writes and how IoQueryDeviceDescription walks it. */
#ifndef NTSIM_NT_CONFIG_H
#define NTSIM_NT_CONFIG_H

/* The kind of a HARDWARE\DESCRIPTION key; the key names are these names
 * ("SerialController", "MultifunctionAdapter", ...). */
typedef enum _CONFIGURATION_TYPE {
    ArcSystem = 0,
    CentralProcessor,
    FloatingPointProcessor,
    PrimaryIcache,
    PrimaryDcache,
    SecondaryIcache,
    SecondaryDcache,
    SecondaryCache,
    EisaAdapter,
    TcAdapter,
    ScsiAdapter,
    DtiAdapter,
    MultiFunctionAdapter,
    DiskController,
    TapeController,
    CdromController,
    WormController,
    SerialController,
    NetworkController,
    DisplayController,
    ParallelController,
    PointerController,
    KeyboardController,
    AudioController,
    OtherController,
    DiskPeripheral,
    FloppyDiskPeripheral,
    TapePeripheral,
    ModemPeripheral,
    MonitorPeripheral,
    PrinterPeripheral,
    PointerPeripheral,
    KeyboardPeripheral,
    TerminalPeripheral,
    OtherPeripheral,
    LinePeripheral,
    NetworkPeripheral,
    SystemMemory,
    DockingInformation,
    RealModeIrqRoutingTable,
    RealModePCIEnumeration,
    MaximumType
} CONFIGURATION_TYPE, *PCONFIGURATION_TYPE;

/* "Component Information" (REG_BINARY) of a HARDWARE\DESCRIPTION key */
typedef struct _DEVICE_FLAGS {
    ULONG Failed : 1;
    ULONG ReadOnly : 1;
    ULONG Removable : 1;
    ULONG ConsoleIn : 1;
    ULONG ConsoleOut : 1;
    ULONG Input : 1;
    ULONG Output : 1;
} DEVICE_FLAGS, *PDEVICE_FLAGS;

typedef struct _CM_COMPONENT_INFORMATION {
    DEVICE_FLAGS Flags;
    ULONG Version;
    ULONG Key;
    KAFFINITY AffinityMask;
} CM_COMPONENT_INFORMATION, *PCM_COMPONENT_INFORMATION;

/* Index into the three KEY_VALUE_FULL_INFORMATION pointers the callout gets for the
 * bus, the controller and the peripheral (an entry is NULL when the key lacks it). */
typedef enum _IO_QUERY_DEVICE_DATA_FORMAT {
    IoQueryDeviceIdentifier = 0,        /* "Identifier" */
    IoQueryDeviceConfigurationData,     /* "Configuration Data" */
    IoQueryDeviceComponentInformation,  /* "Component Information" */
    IoQueryDeviceMaxData
} IO_QUERY_DEVICE_DATA_FORMAT, *PIO_QUERY_DEVICE_DATA_FORMAT;

typedef NTSTATUS (*PIO_QUERY_DEVICE_ROUTINE)(PVOID Context, PUNICODE_STRING PathName, INTERFACE_TYPE BusType,
                                             ULONG BusNumber, PKEY_VALUE_FULL_INFORMATION *BusInformation,
                                             CONFIGURATION_TYPE ControllerType, ULONG ControllerNumber,
                                             PKEY_VALUE_FULL_INFORMATION *ControllerInformation,
                                             CONFIGURATION_TYPE PeripheralType, ULONG PeripheralNumber,
                                             PKEY_VALUE_FULL_INFORMATION *PeripheralInformation);

NTKERNELAPI NTSTATUS IoQueryDeviceDescription(PINTERFACE_TYPE BusType, PULONG BusNumber,
                                              PCONFIGURATION_TYPE ControllerType, PULONG ControllerNumber,
                                              PCONFIGURATION_TYPE PeripheralType, PULONG PeripheralNumber,
                                              PIO_QUERY_DEVICE_ROUTINE CalloutRoutine, PVOID Context);

/* nt/site.h: after the prototype, as in nt/hal.h (ntddk.h includes this after wdm.h) */
#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define IoQueryDeviceDescription(...) NTSIM_AT(IoQueryDeviceDescription)(__VA_ARGS__)
#endif

#endif
