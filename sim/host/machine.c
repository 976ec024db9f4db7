/* machine.c - creating and destroying the simulated machine; loading drivers. */
#include "host/hostp.h"
#include "trace/trace.h"
#include "ex/exp.h"

#include <dlfcn.h>

ntsim_machine *NtsimMachine;
/* Set by a persistent sweep's worker, a process that makes one default-PC machine after
 * another and nothing else: those machines start from a registry template (sim/cm/tree.c),
 * and the fault handlers stay installed from one machine to the next (docs/faults.md,
 * "What a worker keeps between runs"). */
BOOLEAN NtsimPersistentWorker;

void CmpInitialize(void);
BOOLEAN CmpInitializeFromTemplate(void); /* sim/cm/tree.c */
void CmpSaveTemplate(void);
BOOLEAN CmpHasTemplate(void);
void CmpSetReplaying(BOOLEAN Replaying);
void CmpShutdown(void);
void VfResetFindings(void);
void VfSetQuiet(BOOLEAN Quiet);
void ViResetFaults(void);
void KiSehReset(void);
void KiResetLocks(void);
void KiResetDpcs(void);
void ExpResetWorkers(void);
void ExpResetResources(void);
/* Each subsystem tells the leak audit how to describe and reclaim its resource kinds, and
 * the I/O manager gives the HAL its callbacks (lower layers never call up by name). */
void ExpRegisterResourceKinds(void);
void ObpRegisterResourceKinds(void);
void MiRegisterResourceKinds(void);
void HalpRegisterResourceKinds(void);

static void NtsimRegisterCallbacks(void)
{
    KiRegisterResourceKinds();
    ExpRegisterResourceKinds();
    ObpRegisterResourceKinds();
    MiRegisterResourceKinds();
    HalpRegisterResourceKinds();
    IopRegisterResourceKinds();
    IopRegisterHalCallbacks();
}

/* The exploration seed: the machine's, else NTSIM_SEED (decimal or 0x hex). */
static uint64_t NtsimSeedFor(const ntsim_machine_config *Config)
{
    if (Config->seed)
        return Config->seed;
    const char *Env = getenv("NTSIM_SEED");
    return Env && *Env ? strtoull(Env, NULL, 0) : 0;
}
int NtsimCreateMachineDevices(const ntsim_machine_config *Config); /* devices.c */
void NtsimDestroyMachineDevices(void);

void NtsimFlushRequestCache(void);
void IopPnpShutdown(void);

int NtsimCheckMachine(ntsim_machine *Machine)
{
    if (Machine == NULL || Machine != NtsimMachine) {
        NtsimSetLastError("no such machine (create one with ntsim_machine_create)");
        return NTSIM_E_ARGS;
    }
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine has bug-checked; destroy it");
        return NTSIM_E_CRASHED;
    }
    return 0;
}

/* NTSIM_SPECIAL_POOL (0/off, overrun, underrun) decides when the config leaves it to
 * the default: 1 overrun, 2 underrun, -1 off. */
static int NtsimSpecialPoolMode(const ntsim_machine_config *Config)
{
    if (Config->special_pool != 0)
        return Config->special_pool > 0 ? Config->special_pool : -1;
    const char *Env = getenv("NTSIM_SPECIAL_POOL");
    if (Config->verifier == 0 || (Env && (strcmp(Env, "0") == 0 || strcmp(Env, "off") == 0)))
        return -1;
    return Env && strcmp(Env, "underrun") == 0 ? NTSIM_SPECIAL_POOL_UNDERRUN : NTSIM_SPECIAL_POOL_OVERRUN;
}

ntsim_machine *ntsim_machine_create(const ntsim_machine_config *Config)
{
    if (NtsimMachine != NULL) {
        NtsimSetLastError("a machine already exists in this process (drivers' globals are per process)");
        return NULL;
    }
    ntsim_machine *Machine = KiHostAlloc(sizeof(*Machine));
    if (Config) {
        Machine->Config = *Config;
    } else {
        Machine->Config.verifier = 1;
        const char *Quiet = getenv("NTSIM_QUIET");
        Machine->Config.quiet = Quiet && strcmp(Quiet, "0") != 0;
    }
    if (Machine->Config.cpus == 0)
        Machine->Config.cpus = 1;
    InitializeListHead(&Machine->Files);
    InitializeListHead(&Machine->Requests);
    NtsimMachine = Machine;
    KiInstallSignalHandlers();
    NtsimRegisterCallbacks();
    KiResetBugCheck();
    KiInitializeClock();
    KiResetDpcs();
    ExpResetWorkers();
    ExpResetResources();
    Machine->Config.seed = NtsimSeedFor(&Machine->Config);
    KiInitializeScheduler(Machine->Config.cpus, Machine->Config.seed);
    KiWatchdogStart(); /* TM-01: budgets and the wall-clock watchdog (docs/watchdog.md) */
    KiResetIrql();
    KiResetLocks();
    KiSehReset();
    VfSetQuiet((BOOLEAN)Machine->Config.quiet);
    VfEnabled = Machine->Config.verifier != 0;
    int SpecialPool = NtsimSpecialPoolMode(&Machine->Config);
    ExpSpecialPoolOn = SpecialPool > 0;
    ExpSpecialSetLayout(SpecialPool == NTSIM_SPECIAL_POOL_UNDERRUN);
    ViResetFaults();
    ObpInitialize();
    IopInitializeDrivers();
    MiInitializeUserSpace();
    /* The default PC's registry, built once per process when templates are on. */
    BOOLEAN Templated = NtsimPersistentWorker && !Machine->Config.devices && !Machine->Config.speaker_wav;
    BOOLEAN Replaying = Templated && CmpInitializeFromTemplate();
    if (!Replaying)
        CmpInitialize();
    CmpSetReplaying(Replaying);
    int Devices = NtsimCreateMachineDevices(&Machine->Config);
    CmpSetReplaying(FALSE);
    if (Devices == 0 && Templated && !Replaying)
        CmpSaveTemplate();
    if (Devices != 0) {
        char Error[2048];
        snprintf(Error, sizeof(Error), "%s", ntsim_last_error());
        ntsim_machine_destroy(Machine);
        NtsimSetLastError("%s", Error);
        return NULL;
    }
    const char *Faults = getenv("NTSIM_FAULTS");
    if (Faults && *Faults && ntsim_fault_configure_string(Machine, Faults) != 0)
        fprintf(stderr, "ntsim: NTSIM_FAULTS ignored: %s\n", ntsim_last_error());
    return Machine;
}

/* A process about to fork persistent sweep workers (sim/fault/sweep.c) builds the
 * default PC's registry template here, once: each worker then copies it from memory
 * it inherited (reading pages shared with the parent costs no copy-on-write fault)
 * instead of building it on its first machine. Only what the registry description
 * needs is set up, and torn down again: no machine is left, no thread is left
 * running (one is made and joined, see KiWarmWatchdogThread), no signal handler
 * installed, and no driver code runs in this process. */
void NtsimPrepareWorkerTemplate(void)
{
    if (NtsimMachine != NULL || CmpHasTemplate())
        return;
    KiWarmWatchdogThread(); /* each worker starts a watchdog thread: at half the cost after this */
    ExpSpecialPrepareChunk(); /* and takes its first special pool slots from an inherited chunk */
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    KiInitializeClock();
    CmpInitialize();
    if (NtsimCreateMachineDevices(&Config) == 0)
        CmpSaveTemplate();
    NtsimDestroyMachineDevices();
    CmpShutdown();
    KiShutdownClock();
}

ntsim_machine *ntsim_current_machine(void)
{
    return NtsimMachine;
}

void ntsim_machine_destroy(ntsim_machine *Machine)
{
    if (Machine == NULL || Machine != NtsimMachine)
        return;
    /* Tear down without running more driver code once the machine has crashed. */
    BOOLEAN Crashed = KiMachineCrashed();
    if (!Crashed) {
        KI_HOST_FRAME Frame;
        if (KI_HOST_TRY(&Frame)) {
            while (!IsListEmpty(&Machine->Files))
                ntsim_close(CONTAINING_RECORD(Machine->Files.Flink, ntsim_file, Link));
        }
        KiLeaveHost(&Frame);
    }
    while (!IsListEmpty(&Machine->Files)) {
        /* after a crash: drop the file objects without running driver code */
        ntsim_file *File = CONTAINING_RECORD(RemoveHeadList(&Machine->Files), ntsim_file, Link);
        if (File->Object)
            ObpDereference(File->Object);
        free(File);
    }
    while (!IsListEmpty(&Machine->Requests)) {
        ntsim_request *Request = CONTAINING_RECORD(Machine->Requests.Flink, ntsim_request, Link);
        Request->Done = 1;
        ntsim_request_free(Request);
    }
    TrReset(); /* the trace ends with the machine's last driver call */
    KdpResetOutput();
    /* Every simulated thread is cancelled (it unwinds without running driver code). */
    KiShutdownScheduler();
    IopPnpShutdown(); /* the device tree first (sim/io/pnpmgr.c): no driver code runs */
    /* Drivers still loaded are torn down without calling into them. */
    PLIST_ENTRY Drivers = IopLoadedDrivers();
    while (!IsListEmpty(Drivers)) {
        IOP_DRIVER *Driver = CONTAINING_RECORD(Drivers->Flink, IOP_DRIVER, MachineLink);
        void *Image = Driver->Image;
        Driver->Unloaded = TRUE;
        Driver->Image = NULL;
        IopDestroyDriverObject(Driver);
        if (Image) /* so a later load starts with fresh globals */
            dlclose(Image);
    }
    NtsimDestroyMachineDevices();
    CmpShutdown();
    ObpShutdown();
    KiReclaimLingeringThreads(); /* thread objects drivers referenced and never dereferenced */
    IopResetIrpCache();
    NtsimFlushRequestCache();
    IopResetErrorLog();
    IopResetWmi();
    ExpFlushQuarantine();
    MiReleasePoisoned();
    MiShutdownUserSpace();
    KiResetDpcs();
    ExpResetWorkers();
    ExpResetResources();
    KiResetLocks();
    KiTraceReset();
    KiShutdownClock();
    VfResetFindings();
    ViResetFaults();
    KiResetBugCheck();
    NtsimMachine = NULL;
    KiWatchdogStop();
    if (!NtsimPersistentWorker) /* (a worker's next machine installs them again at once) */
        KiRestoreSignalHandlers();
    free(Machine);
}

int ntsim_machine_crashed(ntsim_machine *Machine, ntsim_bugcheck *Out)
{
    (void)Machine;
    return KiGetBugCheck(Out);
}

static void NtsimServiceNameFromPath(const char *Path, char *Name, size_t Size)
{
    const char *Base = strrchr(Path, '/');
    Base = Base ? Base + 1 : Path;
    size_t Length = strcspn(Base, ".");
    snprintf(Name, Size, "%.*s", (int)Length, Base);
}

static int NtsimLoad(ntsim_machine *Machine, const char *ServiceName, const char *ImagePath, PDRIVER_INITIALIZE Entry,
                     ntsim_driver **Driver, int32_t *Status)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    /* A test harness may have put its own fault handlers in since the machine was
     * created (CMocka does around each test); loads and opens take ours back. A check
     * on every host call would cost a system call per IRP. */
    KiInstallSignalHandlers();
    if (Driver)
        *Driver = NULL;
    if (Status)
        *Status = STATUS_UNSUCCESSFUL;
    int Result = NTSIM_E_CRASHED;
    IOP_DRIVER *Loaded = NULL;
    NTSTATUS EntryStatus = STATUS_UNSUCCESSFUL;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        Result = IopLoadDriver(ServiceName, ImagePath, Entry, &Loaded, &EntryStatus);
    KiLeaveHost(&Frame);
    if (KiMachineCrashed()) {
        NtsimSetLastError("the machine bug-checked while loading '%s'", ServiceName);
        return NTSIM_E_CRASHED;
    }
    if (Status)
        *Status = EntryStatus;
    if (Driver)
        *Driver = (ntsim_driver *)Loaded;
    return Result;
}

int ntsim_driver_load(ntsim_machine *Machine, const char *ImagePath, const char *ServiceName, ntsim_driver **Driver,
                      int32_t *Status)
{
    if (ImagePath == NULL) {
        NtsimSetLastError("ntsim_driver_load: no image path");
        return NTSIM_E_ARGS;
    }
    char Name[128];
    if (ServiceName == NULL) {
        NtsimServiceNameFromPath(ImagePath, Name, sizeof(Name));
        ServiceName = Name;
    }
    return NtsimLoad(Machine, ServiceName, ImagePath, NULL, Driver, Status);
}

int ntsim_driver_load_entry(ntsim_machine *Machine, const char *ServiceName, ntsim_driver_entry Entry,
                            ntsim_driver **Driver, int32_t *Status)
{
    if (ServiceName == NULL || Entry == NULL) {
        NtsimSetLastError("ntsim_driver_load_entry: a service name and an entry point are required");
        return NTSIM_E_ARGS;
    }
    return NtsimLoad(Machine, ServiceName, NULL, (PDRIVER_INITIALIZE)Entry, Driver, Status);
}

int ntsim_driver_unload(ntsim_driver *Handle)
{
    int Check = NtsimCheckMachine(NtsimMachine);
    if (Check)
        return Check;
    IOP_DRIVER *Driver = (IOP_DRIVER *)Handle;
    if (Driver == NULL)
        return NTSIM_E_ARGS;
    int Result = NTSIM_E_CRASHED;
    KI_HOST_FRAME Frame;
    if (KI_HOST_TRY(&Frame))
        Result = IopUnloadDriver(Driver);
    KiLeaveHost(&Frame);
    return KiMachineCrashed() ? NTSIM_E_CRASHED : Result;
}

const char *ntsim_driver_name(const ntsim_driver *Driver)
{
    return ((const IOP_DRIVER *)Driver)->ServiceName;
}

void *ntsim_driver_object(ntsim_driver *Driver)
{
    return &((IOP_DRIVER *)Driver)->Object;
}

void ntsim_print_namespace(FILE *Out, ntsim_machine *Machine)
{
    (void)Machine;
    ObpDumpNamespace(Out, "\\");
}

int ntsim_object_exists(ntsim_machine *Machine, const char *Path)
{
    (void)Machine;
    PVOID Object;
    extern NTSTATUS ObpLookupLinkUtf8(const char *Path, PVOID *Object);
    if (!NT_SUCCESS(ObpLookupLinkUtf8(Path, &Object)))
        return 0;
    ObpDereference(Object);
    return 1;
}
