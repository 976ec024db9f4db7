/* inspect.c - debugger-style dumps of live state, as WinDbg's extensions show them to a
 * driver developer: !drvobj, !devobj, !devstack, !irp (ntsim_inspect). Code addresses
 * are named by file:line and Function+offset from the image's debug information. */
#include "io/iop.h"


/* "serial.c:412 (SerialRead+0x0 in serial.sys)": the debug information names static
 * routines too (ke/bugcheck.c). */
static const char *IopCodeName(const void *Code, char *Buffer, size_t Size)
{
    if (Code == NULL)
        return "-";
    KiDescribeCode((void *)Code, Buffer, Size);
    return Buffer;
}

static const char *IopObjectName(PVOID Object, char *Buffer, size_t Size)
{
    const char *Name = Object ? ObpGetObjectName(Object, Buffer, Size) : NULL;
    return Name && Name[0] ? Name : "(unnamed)";
}

static void IopDumpFlags(FILE *Out, ULONG Flags)
{
    static const struct { ULONG Bit; const char *Name; } Names[] = {
        { DO_BUFFERED_IO, "DO_BUFFERED_IO" },       { DO_DIRECT_IO, "DO_DIRECT_IO" },
        { DO_EXCLUSIVE, "DO_EXCLUSIVE" },           { DO_DEVICE_INITIALIZING, "DO_DEVICE_INITIALIZING" },
        { DO_POWER_PAGABLE, "DO_POWER_PAGABLE" },   { DO_DEVICE_HAS_NAME, "DO_DEVICE_HAS_NAME" },
    };
    fprintf(Out, "  Flags: 0x%08x", Flags);
    for (size_t i = 0; i < RTL_NUMBER_OF(Names); i++)
        if (Flags & Names[i].Bit)
            fprintf(Out, " %s", Names[i].Name);
    fputc('\n', Out);
}

static int IopDumpDriver(FILE *Out, const char *Name)
{
    IOP_DRIVER *Driver = IopFindDriver(Name);
    if (Driver == NULL) {
        fprintf(Out, "!drvobj: no driver '%s' is loaded\n", Name);
        return NTSIM_E_ARGS;
    }
    PDRIVER_OBJECT D = &Driver->Object;
    char Code[256];
    fprintf(Out, "Driver object %p \\Driver\\%s (%s)\n", (void *)D, Driver->ServiceName,
            Driver->ImagePath ? Driver->ImagePath : "linked in");
    fprintf(Out, "  state: %s\n", Driver->Unloaded ? "unloaded" : Driver->Owner.InDriverEntry ? "in DriverEntry" : "loaded");
    fprintf(Out, "  DriverUnload: %s\n", IopCodeName((void *)D->DriverUnload, Code, sizeof(Code)));
    fprintf(Out, "  DriverStartIo: %s\n", IopCodeName((void *)D->DriverStartIo, Code, sizeof(Code)));
    fprintf(Out, "  AddDevice: %s\n",
            IopCodeName(D->DriverExtension ? (void *)D->DriverExtension->AddDevice : NULL, Code, sizeof(Code)));
    fprintf(Out, "  Dispatch routines:\n");
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        if (D->MajorFunction[i] && D->MajorFunction[i] != IopInvalidDeviceRequest)
            fprintf(Out, "    [%02x] %-32s %s\n", i, TrMajorName((UCHAR)i),
                    IopCodeName((void *)D->MajorFunction[i], Code, sizeof(Code)));
    fprintf(Out, "  Device objects:\n");
    for (PDEVICE_OBJECT Device = D->DeviceObject; Device; Device = Device->NextDevice)
        fprintf(Out, "    %p %s\n", (void *)Device, IopObjectName(Device, Code, sizeof(Code)));
    unsigned Counts[NtsimResKindCount] = { 0 };
    for (PLIST_ENTRY E = Driver->Owner.Resources.Flink; E != &Driver->Owner.Resources; E = E->Flink)
        Counts[CONTAINING_RECORD(E, NTSIM_TRACK, Link)->Kind]++;
    fprintf(Out, "  Resources held:");
    BOOLEAN Any = FALSE;
    for (int k = 0; k < NtsimResKindCount; k++)
        if (Counts[k]) {
            fprintf(Out, "%s %u %s", Any ? "," : "", Counts[k], VfResourceKindName((NTSIM_RESOURCE_KIND)k));
            Any = TRUE;
        }
    fprintf(Out, "%s\n", Any ? "" : " none");
    return 0;
}

static PDEVICE_OBJECT IopLookupDevice(FILE *Out, const char *Command, const char *Path)
{
    PVOID Object = NULL;
    if (!NT_SUCCESS(ObpLookupObjectUtf8(Path, &Object)) || ObpGetObjectType(Object) != &IopDeviceType) {
        if (Object)
            ObpDereference(Object);
        fprintf(Out, "%s: '%s' is not a device object\n", Command, Path);
        return NULL;
    }
    ObpDereference(Object); /* the device stays: the caller runs no driver code */
    return Object;
}

static void IopDumpDevice(FILE *Out, PDEVICE_OBJECT Device)
{
    char Name[256], Other[256];
    fprintf(Out, "Device object %p %s\n", (void *)Device, IopObjectName(Device, Name, sizeof(Name)));
    fprintf(Out, "  Driver: \\Driver\\%s\n", VfDriverName(Device->DriverObject));
    fprintf(Out, "  DeviceType: 0x%x  Characteristics: 0x%x  StackSize: %d  AlignmentRequirement: 0x%x\n",
            Device->DeviceType, Device->Characteristics, Device->StackSize, Device->AlignmentRequirement);
    IopDumpFlags(Out, Device->Flags);
    fprintf(Out, "  DeviceExtension: %p (%u bytes)\n", Device->DeviceExtension,
            (unsigned)(Device->Size > sizeof(DEVICE_OBJECT) ? Device->Size - sizeof(DEVICE_OBJECT) : 0));
    fprintf(Out, "  AttachedDevice: %s\n",
            Device->AttachedDevice ? IopObjectName(Device->AttachedDevice, Other, sizeof(Other)) : "(none)");
    fprintf(Out, "  CurrentIrp: %p  DeviceQueue: %s\n", (void *)Device->CurrentIrp,
            Device->DeviceQueue.Busy ? "busy" : "idle");
    fprintf(Out, "  Open files: %u  Deleted: %s\n", IopDevice(Device)->OpenCount,
            IopDevice(Device)->Deleted ? "yes" : "no");
}

/* From the top of the stack down to the device that has nothing below it. */
static void IopDumpStack(FILE *Out, PDEVICE_OBJECT Device)
{
    char Name[256];
    PDEVICE_OBJECT Top = Device;
    while (Top->AttachedDevice)
        Top = Top->AttachedDevice;
    fprintf(Out, "  %-18s %-24s %s\n", "device", "driver", "name");
    for (PDEVICE_OBJECT D = Top; D;) {
        fprintf(Out, "%s %p %-24s %s\n", D == Device ? ">" : " ", (void *)D, VfDriverName(D->DriverObject),
                IopObjectName(D, Name, sizeof(Name)));
        /* the device below D: the one whose AttachedDevice is D, among all drivers' devices */
        PDEVICE_OBJECT Below = NULL;
        PLIST_ENTRY Drivers = IopLoadedDrivers();
        for (PLIST_ENTRY E = Drivers->Flink; E != Drivers && !Below; E = E->Flink)
            for (PDEVICE_OBJECT C = CONTAINING_RECORD(E, IOP_DRIVER, MachineLink)->Object.DeviceObject; C;
                 C = C->NextDevice)
                if (C->AttachedDevice == D)
                    Below = C;
        D = Below;
    }
}

/* `!object`: the object directory from Path down (a directory) or the object itself. */
static int IopDumpObject(FILE *Out, const char *Path)
{
    PVOID Object;
    if (strcmp(Path, "\\") != 0) {
        if (!NT_SUCCESS(ObpLookupObjectUtf8(Path, &Object))) {
            fprintf(Out, "!object: no object named '%s'\n", Path);
            return NTSIM_E_ARGS;
        }
        ObpDereference(Object);
    }
    ObpDumpNamespace(Out, Path);
    return 0;
}

/* ---- the I/O part of a bug check's !analyze report (ke/analyze.c) ---- */

static PDEVICE_OBJECT IopLoadedDeviceAt(uint64_t Address)
{
    PLIST_ENTRY Drivers = IopLoadedDrivers();
    for (PLIST_ENTRY E = Drivers->Flink; Address && E != Drivers; E = E->Flink)
        for (PDEVICE_OBJECT D = CONTAINING_RECORD(E, IOP_DRIVER, MachineLink)->Object.DeviceObject; D; D = D->NextDevice)
            if ((uint64_t)(uintptr_t)D == Address)
                return D;
    return NULL;
}

/* The IRPs in flight (the one a bug check names is among them) and every device object
 * an argument names, with its stack. Only pointers are compared: nothing an argument
 * points at is read unless it is a live device. */
static void IopAnalyzeIo(FILE *Out, const uint64_t Params[4], unsigned IrpArgs)
{
    for (int i = 0; i < 4; i++)
        if (IrpArgs & (1u << i))
            fprintf(Out, "\nArg%d names IRP %p: %s\n", i + 1, (void *)(uintptr_t)Params[i],
                    IopIsLiveIrp((void *)(uintptr_t)Params[i]) ? "in flight (below)"
                                                               : "not in flight (completed and freed already)");
    fprintf(Out, "\nIRPs in flight (!irp):\n");
    IopDumpLiveIrps(Out);
    for (int i = 0; i < 4; i++) {
        PDEVICE_OBJECT Device = IopLoadedDeviceAt(Params[i]);
        if (Device == NULL)
            continue;
        fprintf(Out, "\nArg%d is a device object (!devobj, !devstack):\n", i + 1);
        IopDumpDevice(Out, Device);
        IopDumpStack(Out, Device);
    }
}

/* ke/ reaches the dump through a hook, set when the library loads. */
__attribute__((constructor)) static void IopRegisterAnalyzeHook(void)
{
    KiAnalyzeIoHook = IopAnalyzeIo;
}

int ntsim_inspect(ntsim_machine *Machine, const char *Command, FILE *Out)
{
    if (Machine == NULL || Machine != ntsim_current_machine() || Command == NULL || Out == NULL)
        return NTSIM_E_ARGS;
    char Verb[32] = { 0 }, Argument[512] = { 0 };
    if (sscanf(Command, " %31s %511[^\n]", Verb, Argument) < 1) {
        fprintf(Out, "ntsim_inspect: empty command\n");
        return NTSIM_E_ARGS;
    }
    if (strcmp(Verb, "!drvobj") == 0)
        return IopDumpDriver(Out, Argument);
    if (strcmp(Verb, "!devobj") == 0 || strcmp(Verb, "!devstack") == 0) {
        PDEVICE_OBJECT Device = IopLookupDevice(Out, Verb, Argument);
        if (Device == NULL)
            return NTSIM_E_ARGS;
        if (Verb[4] == 'o')
            IopDumpDevice(Out, Device);
        else
            IopDumpStack(Out, Device);
        return 0;
    }
    if (strcmp(Verb, "!irp") == 0)
        return IopDumpLiveIrps(Out);
    if (strcmp(Verb, "!object") == 0)
        return IopDumpObject(Out, Argument[0] ? Argument : "\\");
    if (strcmp(Verb, "!locks") == 0) {
        fprintf(Out, "locks held:\n");
        if (KiDumpHeldLocks(Out) == 0)
            fprintf(Out, "  none\n");
        return 0;
    }
    if (strcmp(Verb, "!arbiter") == 0) {
        IopDumpClaims(Out);
        return 0;
    }
    if (strcmp(Verb, "!analyze") == 0) { /* "-v" or not: the report is always the verbose one */
        if (!KiMachineCrashed()) {
            fprintf(Out, "!analyze: the machine has not stopped (no bug check)\n");
            return NTSIM_E_STATE;
        }
        KiPrintAnalysis(Out);
        return 0;
    }
    fprintf(Out, "ntsim_inspect: unknown command '%s' (!drvobj NAME, !devobj PATH, !devstack PATH, !irp, "
                 "!object [PATH], !locks, !arbiter, !analyze -v)\n", Verb);
    return NTSIM_E_ARGS;
}
