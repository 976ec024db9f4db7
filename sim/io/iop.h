/* iop.h - I/O manager internals shared by the sim/io files and the host layer. */
#ifndef NTSIM_IOP_H
#define NTSIM_IOP_H
#include "ntsimp.h"
#include "trace/trace.h"
#include "ke/kep.h"
#include "ex/exp.h"
#include "mm/mip.h"

typedef struct _IOP_CLIENT_EXTENSION {
    LIST_ENTRY Link;
    PVOID ClientId;
    size_t Size; /* header + extension, for forgetting the locks in it */
    NTSIM_TRACK Track;
    /* the extension body follows, 16-byte aligned */
} IOP_CLIENT_EXTENSION;

typedef struct _IOP_REINIT {
    LIST_ENTRY Link;
    PDRIVER_REINITIALIZE Routine;
    PVOID Context;
    NTSIM_TRACK Track;
} IOP_REINIT;

typedef struct _IOP_DRIVER IOP_DRIVER;
struct _IOP_DRIVER {
    union {                       /* first: PDRIVER_OBJECT == IOP_DRIVER * */
        DRIVER_OBJECT Object;
        VF_DRIVER Owner;          /* the ownership service's part (ntsimp.h), the same object first */
    };
    DRIVER_EXTENSION Extension;
    char ServiceName[128];
    WCHAR NameBuffer[160];        /* "\Driver\<service>" */
    WCHAR ServiceKeyBuffer[128];
    void *Image;                  /* dlopen handle, NULL for a linked-in DriverEntry */
    char *ImagePath;
    LIST_ENTRY ClientExtensions;
    LIST_ENTRY Reinits;
    LIST_ENTRY MachineLink;
    BOOLEAN Loaded;               /* DriverEntry succeeded and Unload has not run */
    BOOLEAN Unloaded;             /* the image is gone: calls into it are reports */
    void *RegistryPathPage;       /* poisoned after DriverEntry (DE-04) */
    size_t RegistryPathPageSize;
    ULONG ErrorLogEntries;        /* IoWriteErrorLogEntry calls (FL-06) */
    ULONG ErrorLogAttempts;       /* IoAllocateErrorLogEntry calls, even failed ones */
    ULONG ReinitCount;
    BOOLEAN PnpLoaded;            /* loaded by the PnP manager: unloaded with its last device */
};

static inline IOP_DRIVER *IopDriver(PDRIVER_OBJECT Driver)
{
    return (IOP_DRIVER *)Driver;
}

/* Per device-object private state (behind DEVICE_OBJECT in the same object body). */
typedef struct _IOP_DEVICE {
    DEVICE_OBJECT Object;
    NTSIM_TRACK Track;
    BOOLEAN Deleted;
    BOOLEAN ShutdownRegistered;
    NTSIM_TRACK ShutdownTrack;
    ULONG OpenCount;
    BOOLEAN LastChanceShutdown;  /* IoRegisterLastChanceShutdownNotification: shut down after the others */
    BOOLEAN NamedAtCreate;       /* created with a name: DO_DEVICE_HAS_NAME must stay set (DO-01) */
    PDEVICE_OBJECT AttachedTo;   /* the device this one is attached over (IoAttachDeviceToDeviceStack) */
    BOOLEAN FlagsReported;       /* DO-01 reported once */
    struct _IOP_DEVNODE *DeviceNode;      /* a PDO's device node (sim/io/pnpmgr.c), else NULL */
    BOOLEAN InPnpStack;                   /* attached above a PDO the PnP manager knows */
    UCHAR RemoveState;                    /* PN-06 IRPs after REMOVE (sim/io/pnpremove.c): 0 none */
    PDEVICE_OBJECT RemoveUpper;           /* the device above it when REMOVE was sent */
    VPB Vpb;                              /* DeviceObject->Vpb of a mass-storage device type */
    /* the device extension follows, 16-byte aligned */
} IOP_DEVICE;

static inline IOP_DEVICE *IopDevice(PDEVICE_OBJECT Device)
{
    return (IOP_DEVICE *)Device;
}

extern OBJECT_TYPE IopDriverType, IopDeviceType, IopFileType;

/* driver.c */
void IopInitializeDrivers(void);
void IopShutdownDrivers(void);
IOP_DRIVER *IopCreateDriverObject(const char *ServiceName);
void IopDestroyDriverObject(IOP_DRIVER *Driver);
NTSTATUS IopInvalidDeviceRequest(PDEVICE_OBJECT DeviceObject, PIRP Irp);
/* Bracket a call into driver code: makes Driver current, restores on return. */
#define IOP_CALL_DRIVER(Driver, Call) do { \
        PDRIVER_OBJECT _IopSaved = VfSetCurrentDriver(Driver); \
        Call; \
        VfSetCurrentDriver(_IopSaved); \
    } while (0)
PLIST_ENTRY IopLoadedDrivers(void);
IOP_DRIVER *IopFindDriver(const char *ServiceName);
void IopRunReinitializations(void);

/* timer.c */
void IopDeleteIoTimer(PDEVICE_OBJECT DeviceObject);

/* interrupt.c: interrupt objects */
BOOLEAN IopDispatchInterrupt(ULONG Line, BOOLEAN Spurious);
void IopInterruptStorm(ULONG Line, ULONG Count);
extern BOOLEAN IopSpuriousAfterConnect;   /* machine option (HW-04) */
void IopResetInterrupts(void);

/* resource.c: resource claims */
void IopCheckPortAccess(ULONG Port, ULONG Size, BOOLEAN Write, NTSIM_SITE Site);
/* TRUE if Driver (or one of its devices) holds a claim on bus interrupt line Line. */
BOOLEAN IopDriverClaimsInterrupt(PDRIVER_OBJECT Driver, ULONG Line);
void IopResetResources(void);
BOOLEAN IopDriverClaimsMemory(PDRIVER_OBJECT Driver, ULONGLONG Lo, ULONGLONG Hi);
BOOLEAN IopDriverClaimsType(PDRIVER_OBJECT Driver, UCHAR Type, ULONGLONG Value);
NTSTATUS IopClaimResources(const char *Ddi, NTSIM_SITE Site, PCUNICODE_STRING ClassName, PDRIVER_OBJECT Driver,
                           PDEVICE_OBJECT Device, const CM_RESOURCE_LIST *List, ULONG ListSize,
                           PBOOLEAN ConflictDetected);
NTSTATUS IopInjectedConflict(PDRIVER_OBJECT Driver, PBOOLEAN ConflictDetected);
/* The HAL's callbacks into the claims and interrupt objects (sim/hal/halp.h, HALP_IO_CALLBACKS). */
void IopRegisterHalCallbacks(void);

/* device.c */
void IopReclaimDevice(PDEVICE_OBJECT Device);
PDEVICE_OBJECT IopGetAttachedDevice(PDEVICE_OBJECT Device);

/* irp.c */
typedef struct _IOP_IRP_OWNER IOP_IRP_OWNER;
typedef void (*IOP_FINAL_COMPLETION)(PIRP Irp, void *Context);
PIRP IopAllocateIrp(CCHAR StackSize);
void IopFreeIrp(PIRP Irp);
/* Mark an IRP as the I/O manager's: at final completion Routine(Irp, Context) runs. */
void IopSetFinalCompletion(PIRP Irp, IOP_FINAL_COMPLETION Routine, void *Context);
BOOLEAN IopIrpCompleted(PIRP Irp);
void IopTrackIrp(PIRP Irp, NTSIM_SITE Site);
void IopMarkIrpQueued(PIRP Irp);
NTSTATUS IopCallDispatch(PDEVICE_OBJECT Device, PIRP Irp, NTSIM_SITE Site);
/* pnpremove.c: IoCallDriver to a device whose RemoveState is set (PN-06) */
void IopPnpCallToRemoving(PDEVICE_OBJECT Device, PIRP Irp, NTSIM_SITE Site);
void IopResetIrpCache(void);
void IopReclaimBuiltIrps(void); /* buildirp.c: records of driver-built IRPs never completed */

/* file.c */
NTSTATUS IopOpenDevice(const char *Path, PFILE_OBJECT *FileObject);
NTSTATUS IopOpenDeviceMode(const char *Path, KPROCESSOR_MODE Mode, PFILE_OBJECT *FileObject);
NTSTATUS IopCloseFile(PFILE_OBJECT FileObject);

/* errorlog.c */
void IopResetErrorLog(void);
void IopResetWmi(void); /* wmi.c */

/* iov.c: the I/O verifier's checks around DriverEntry and Unload, and the I/O manager's
 * resource kinds for the leak audit (sim/verifier/audit.c) */
void IovAuditDriver(IOP_DRIVER *Driver, VF_AUDIT_POINT Point);
void IovCheckDriverEntryResult(IOP_DRIVER *Driver, NTSTATUS Status, KIRQL IrqlAtReturn);
void IovCheckDeviceFlags(PDRIVER_OBJECT Object);
void IopRegisterResourceKinds(void);
void IopReclaimResources(IOP_DRIVER *Driver); /* driver.c: everything it owns, then its extensions */

/* irp.c: !irp */
int IopDumpLiveIrps(FILE *Out);
BOOLEAN IopIsLiveIrp(const void *Irp);

NTSTATUS ObpInsertNameUtf8(PVOID Object, const char *Path);
NTSTATUS ObpLookupLinkUtf8(const char *Path, PVOID *Object);
NTSTATUS ObpLookupObjectWithRest(const char *Path, PVOID *Object, char *Rest, size_t RestSize);
const char *ObpSymbolicLinkTarget(PVOID Link);
NTSTATUS ObpCreateSymbolicLinkUtf8(const char *LinkPath, const char *TargetPath, PVOID *Link);

/* sim/io/imports.c: 0 when the image's imports are all provided; NTSIM_E_LOAD naming each one that is not. */
int IopCheckImageImports(const char *ImagePath);

void IopDumpClaims(FILE *Out); /* resource.c, for `!arbiter` */

/* sim/io/imagesnap.c: one image's writable data kept from right after mapping and put
 * back before each DriverEntry of it (the persistent sweep). */
int IopSnapshotImage(const char *Path);
void IopFreeIrpMdls(PIRP Irp); /* buildirp.c */
void *IopReuseSnapshottedImage(const char *Path, PDRIVER_INITIALIZE *Entry);
void IopReleaseImageSnapshot(void);
size_t IopImageSnapshotBytes(void);

#endif
