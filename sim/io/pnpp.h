/* pnpp.h - the PnP manager's private state, shared by sim/io/pnp*.c, sim/io/power.c
 * and the host layer (sim/host/pnp.c). docs/pnp.md describes the behaviour. */
#ifndef NTSIM_PNPP_H
#define NTSIM_PNPP_H
#include "io/iop.h"

#define IOP_ENUM_PATH "\\Registry\\Machine\\System\\CurrentControlSet\\Enum"
#define IOP_CLASS_PATH "\\Registry\\Machine\\System\\CurrentControlSet\\Control\\Class"

typedef enum _IOP_PNP_STATE {
    IopPnpEnumerated,       /* reported by its bus, not yet looked at */
    IopPnpNoDriver,         /* no Service in its Enum key */
    IopPnpAdded,            /* AddDevice ran for every driver of the stack */
    IopPnpStarted,
    IopPnpStopped,          /* QUERY_STOP + STOP: resources released, waiting for a restart */
    IopPnpFailed,           /* AddDevice, arbitration or START failed; the stack got REMOVE */
    IopPnpRemoved,          /* orderly removal done; the PDO is still reported by its bus */
    IopPnpSurpriseRemoved,  /* SURPRISE_REMOVAL sent, REMOVE not yet */
    IopPnpDeleted,          /* gone from its bus, the node is about to be freed */
} IOP_PNP_STATE;

typedef struct _IOP_DEVNODE {
    LIST_ENTRY Sibling;
    LIST_ENTRY Children;
    struct _IOP_DEVNODE *Parent;
    PDEVICE_OBJECT Pdo;             /* referenced while the node exists */
    IOP_PNP_STATE State;
    NTSTATUS Problem;               /* why it failed (IopPnpFailed) */
    char *InstancePath;             /* "ACPI\PNP0501\0" */
    char *HardwareIds;              /* UTF-8 multi-string: "A\0B\0\0" */
    char *CompatibleIds;
    char *Description;
    char *Location;
    char Service[128];              /* the function driver, from the Enum key */
    BOOLEAN Present;                /* in the last BusRelations its bus reported */
    BOOLEAN EnumerationPending;     /* IoInvalidateDeviceRelations(BusRelations) */
    BOOLEAN StatePending;           /* IoInvalidateDeviceState */
    BOOLEAN RemovalDeferred;        /* surprise-removed, REMOVE waits for the last handle */
    BOOLEAN DetectedStartPending;   /* IoReportDetectedDevice: START once the driver attached */
    BOOLEAN EjectPending;           /* IoRequestDeviceEject: remove, then IRP_MN_EJECT */
    PCM_RESOURCE_LIST Preset;       /* resources a detecting driver already claimed itself */
    PCM_RESOURCE_LIST Raw;          /* AllocatedResources of the last START (host heap) */
    PCM_RESOURCE_LIST Translated;
    ULONG ResourceSize;
    PDRIVER_OBJECT ClaimOwner;      /* whose name the ResourceMap claim is under */
    PDRIVER_OBJECT FunctionOwner;   /* who gets the claim once the PDO has started (PN-05) */
    BOOLEAN Starting;               /* START_DEVICE on its way down the stack */
    DEVICE_CAPABILITIES Capabilities;
    PNP_BUS_INFORMATION BusInformation;
    BOOLEAN HasBusInformation;
    PNP_DEVICE_STATE DeviceState;
    DEVICE_POWER_STATE PowerState;
    ULONG Order;
} IOP_DEVNODE;

static inline IOP_DEVNODE *IopDeviceNode(PDEVICE_OBJECT Pdo)
{
    return IopDevice(Pdo)->DeviceNode;
}

/* pnpremove.c: PN-06, requests sent into a stack REMOVE has gone through */
void IopPnpArmRemove(PDEVICE_OBJECT Pdo);
void IopPnpReviveStack(PDEVICE_OBJECT Pdo);

/* pnpmgr.c: the tree and the state machine */
IOP_DEVNODE *IopPnpRootNode(void);        /* creates the root on first use */
IOP_DEVNODE *IopPnpExistingRoot(void);    /* NULL when PnP was never used */
void IopPnpShutdown(void);
IOP_DEVNODE *IopPnpFindNode(const char *InstancePath);
/* the PnP worker (pnpmgr.c): invalidations are processed in the system worker thread */
void IopPnpKickWorker(void);
void IopPnpHostPassBegin(void);
void IopPnpHostPassEnd(void);
NTSTATUS IopPnpStartNode(IOP_DEVNODE *Node);
NTSTATUS IopPnpStartAll(void);
NTSTATUS IopPnpRemoveNode(IOP_DEVNODE *Node, BOOLEAN Surprise, char *Veto, size_t VetoSize);
NTSTATUS IopPnpStopNode(IOP_DEVNODE *Node, char *Veto, size_t VetoSize);
NTSTATUS IopPnpRebalanceNode(IOP_DEVNODE *Node, char *Veto, size_t VetoSize);
void IopPnpProcessPending(void);
BOOLEAN IopPnpHasPending(void);
void IopPnpOnLastClose(void);
BOOLEAN IopPnpRemovalPending(void);
const char *IopPnpStateName(IOP_PNP_STATE State);
const char *IopPnpMultiSzFirst(const char *MultiSz);

/* pnpbind.c: the install database the host fills and the Enum keys it writes */
typedef enum _IOP_BIND_ROLE { IopBindFunction, IopBindUpperFilter, IopBindLowerFilter } IOP_BIND_ROLE;
int IopPnpBind(const char *HardwareId, const char *Service, const char *ImagePath, IOP_BIND_ROLE Role);
/* What an INF's install sections add for a function binding (sim/host/inf.c): the setup
 * class and AddReg values, written when a device is installed with that binding. */
typedef struct _IOP_BIND_REG {
    BOOLEAN DriverKey;      /* HKR of the DDInstall section: the driver key; of .HW: the device key */
    char *Subkey;           /* relative to that key, "" for the key itself */
    char *Name;             /* "" = the default value */
    ULONG Type;
    void *Data;
    ULONG Size;
    BOOLEAN NoClobber;      /* FLG_ADDREG_NOCLOBBER: keep a value that exists */
} IOP_BIND_REG;
int IopPnpBindInstall(const char *HardwareId, const char *Service, const char *ClassGuid, const IOP_BIND_REG *Regs,
                      ULONG Count);
char *IopPnpDriverKeyPath(IOP_DEVNODE *Node); /* pnpprop.c; free() it */
void IopPnpInstallNode(IOP_DEVNODE *Node);
const char *IopPnpImageFor(const char *Service);
void IopPnpResetBindings(void);
/* The Enum instance key value Name as a UTF-8 multi-string (KiHostAlloc'd) or NULL. */
char *IopPnpReadMultiSz(const char *KeyPath, const char *Name);

/* pnpirp.c: synchronous PnP IRPs to the top of a device's stack */
NTSTATUS IopPnpSendIrp(PDEVICE_OBJECT Pdo, UCHAR Minor, const IO_STACK_LOCATION *Parameters,
                       ULONG_PTR *Information);
NTSTATUS IopPnpQueryId(PDEVICE_OBJECT Pdo, BUS_QUERY_ID_TYPE Type, char **Utf8, BOOLEAN MultiSz);
NTSTATUS IopPnpQueryText(PDEVICE_OBJECT Pdo, DEVICE_TEXT_TYPE Type, char **Utf8);
NTSTATUS IopPnpQueryCapabilities(IOP_DEVNODE *Node);
NTSTATUS IopPnpQueryBusRelations(IOP_DEVNODE *Node, PDEVICE_RELATIONS *Relations);
NTSTATUS IopPnpSimple(IOP_DEVNODE *Node, UCHAR Minor);

/* pnpres.c: requirements, arbitration on the ResourceMap, translation */
NTSTATUS IopPnpAssignResources(IOP_DEVNODE *Node, BOOLEAN AvoidPrevious);
void IopPnpReleaseResources(IOP_DEVNODE *Node);
void IopPnpFreeResourceLists(IOP_DEVNODE *Node);
void IopPnpLowerStarted(IOP_DEVNODE *Node);
void IopPnpUsePreset(IOP_DEVNODE *Node);
BOOLEAN IopPnpExplainEarlyAccess(PDRIVER_OBJECT Driver, ULONG Port, NTSIM_SITE Site);
ULONG IopCmResourceListSize(const CM_RESOURCE_LIST *List);

/* pnproot.c: the root bus and its PDOs */
PDRIVER_OBJECT IopPnpManagerDriver(void);
PDEVICE_OBJECT IopRootCreateRootPdo(void);
void IopRootShutdown(void);
typedef struct _IOP_ROOT_DEVICE_SPEC {
    const char *DeviceId;       /* "ACPI\PNP0501" or "ROOT\WDMBUS" */
    const char *InstanceId;     /* "0" */
    const char *HardwareIds;    /* multi-string */
    const char *CompatibleIds;  /* multi-string or NULL */
    const char *Description;
    const char *Location;
    const IO_RESOURCE_DESCRIPTOR *Requirements;
    ULONG RequirementCount;
    /* The rest is for buses the PnP manager models itself (sim/io/pnppci.c); zero for
     * a device of the root bus. */
    PDEVICE_OBJECT Bus;                          /* the bus PDO that reports this child */
    void (*Enumerate)(PDEVICE_OBJECT Self);      /* set: a bus, started raw, with children */
    const struct _IOP_BUS_LOCATION *On;          /* where on its bus (NULL: ISA-like root device) */
    BOOLEAN CanWake;                             /* holds IRP_MN_WAIT_WAKE; wakes the system from S1-S3 */
} IOP_ROOT_DEVICE_SPEC;

/* Where a child sits on a modelled bus: QUERY_BUS_INFORMATION, the capabilities'
 * Address/UINumber and the requirement list's InterfaceType come from here. */
typedef struct _IOP_BUS_LOCATION {
    INTERFACE_TYPE InterfaceType;
    ULONG BusNumber;
    ULONG Address;                               /* PCI: (device << 16) | function */
    ULONG UINumber;
    const GUID *BusTypeGuid;
} IOP_BUS_LOCATION;
PDEVICE_OBJECT IopRootAddDevice(const IOP_ROOT_DEVICE_SPEC *Spec);
BOOLEAN IopRootMarkMissing(PDEVICE_OBJECT Pdo);
BOOLEAN IopIsRootPdo(PDEVICE_OBJECT Device);
BOOLEAN IopRootTakeBogusSeen(void);
NTSTATUS IopRootSignalWake(PDEVICE_OBJECT Pdo); /* the device asks to wake: WAIT_WAKE completes */

/* pnppci.c: the PCI bus, a raw bus device of the root bus enumerating configuration space */
void IopPciAddBus(void);
void IopPciShutdown(void);
NTSTATUS IopPciQueryInterface(PDEVICE_OBJECT Pdo, PIO_STACK_LOCATION Stack, PIRP Irp);
NTSTATUS IopPciReadWriteConfig(PDEVICE_OBJECT Pdo, PIO_STACK_LOCATION Stack, PIRP Irp);
BOOLEAN IopRootBusLocation(PDEVICE_OBJECT Pdo, IOP_BUS_LOCATION *Out); /* pnproot.c */
#define IOP_MN_BOGUS 0xFF /* an unknown minor function, as Driver Verifier sends (PN-04) */

/* pnptarget.c: target-device notifications (EventCategoryTargetDeviceChange) */
NTSTATUS IopRegisterTargetNotification(PFILE_OBJECT FileObject, PDRIVER_OBJECT Driver,
                                       PDRIVER_NOTIFICATION_CALLBACK_ROUTINE Callback, PVOID Context, PVOID *Entry);
BOOLEAN IopUnregisterTargetNotification(PVOID Entry);  /* FALSE: not a target registration */
NTSTATUS IopTargetQueryRemove(PDEVICE_OBJECT *Pdos, ULONG Count, PDRIVER_OBJECT *Vetoer);
void IopTargetRemoveCancelled(PDEVICE_OBJECT *Pdos, ULONG Count);
void IopTargetRemoveComplete(PDEVICE_OBJECT *Pdos, ULONG Count);
void IopTargetReset(void);

/* pnpiface.c: device interfaces */
void IopPnpDisableInterfaces(PDEVICE_OBJECT Pdo, BOOLEAN Report, PDRIVER_OBJECT Driver);
void IopPnpResetInterfaces(void);
void IopPnpForgetInterfaces(PDEVICE_OBJECT Pdo);

/* power.c */
NTSTATUS IopPnpSendPower(IOP_DEVNODE *Node, UCHAR Minor, POWER_STATE_TYPE Type, POWER_STATE State,
                         POWER_ACTION Action);
NTSTATUS IopPnpSetSystemPower(SYSTEM_POWER_STATE Target, char *Veto, size_t VetoSize);

#endif
