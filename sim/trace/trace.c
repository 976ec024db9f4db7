/* trace.c - the trace's event stream: hooks fill a TR_EVENT with the machine's context
 * (virtual time, thread, CPU) and hand it to the chosen view, which writes it at once.
 * Nothing is buffered, so a trace of a long run costs no memory and a run that stops
 * in a bug check still leaves every event up to the stop in the file. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

#include <errno.h>

BOOLEAN TrEnabled; /* an event file or a VCD is open: the hooks' one branch */
BOOLEAN TrPorts;   /* the event file wants port and register accesses */

static FILE *TrOut;
static ULONG TrFilter = TR_CAT_DEFAULT;
static BOOLEAN TrOwnsFile;
static const TR_VIEW *TrView;
static uint64_t TrCount;
static ULONG TrIrpIds;

int TrStart(const char *Path, TR_FORMAT Format)
{
    TrStop();
    if (Path == NULL || Path[0] == '\0') {
        NtsimSetLastError("trace: no file name");
        return NTSIM_E_ARGS;
    }
    if (strcmp(Path, "-") == 0) {
        TrOut = stdout;
        TrOwnsFile = FALSE;
    } else {
        TrOut = fopen(Path, "w");
        if (TrOut == NULL) {
            NtsimSetLastError("trace: cannot create %s: %s", Path, strerror(errno));
            return NTSIM_E_IO;
        }
        TrOwnsFile = TRUE;
    }
    TrView = Format == TrFormatText ? &TrTextView : &TrChromeView;
    TrCount = 0;
    TrIrpIds = 0;
    TrView->Begin(TrOut);
    TrResidencyNewFile();
    TrEnabled = TRUE;
    TrPorts = (TrFilter & TR_CAT_PORT) != 0;
    return 0;
}

static const struct {
    const char *Name;
    ULONG Mask;
} TrCategories[] = {
    { "irp", TR_CAT_IRP },         { "irql", TR_CAT_IRQL },         { "isr", TR_CAT_ISR },
    { "interrupt", TR_CAT_ISR },   { "dpc", TR_CAT_DPC },           { "sched", TR_CAT_SCHED },
    { "dbgprint", TR_CAT_DBGPRINT }, { "finding", TR_CAT_FINDING }, { "port", TR_CAT_PORT },
    { "all", ~0u },                { "default", TR_CAT_DEFAULT },
};

int TrSetFilter(const char *List)
{
    ULONG Mask = 0;
    const char *p = List ? List : "";
    while (*p) {
        size_t Length = strcspn(p, ",");
        size_t i = 0;
        while (i < ARRAYSIZE(TrCategories) &&
               (strlen(TrCategories[i].Name) != Length || strncmp(TrCategories[i].Name, p, Length) != 0))
            i++;
        if (i == ARRAYSIZE(TrCategories)) {
            NtsimSetLastError("trace filter '%s': unknown category '%.*s' (irp, irql, isr, dpc, sched, dbgprint, "
                              "finding, port, all, default)", List, (int)Length, p);
            return NTSIM_E_ARGS;
        }
        Mask |= TrCategories[i].Mask;
        p += Length + (p[Length] == ',');
    }
    if (Mask == 0) {
        NtsimSetLastError("trace filter '%s': no category named", List ? List : "");
        return NTSIM_E_ARGS;
    }
    TrFilter = Mask;
    TrPorts = TrOut != NULL && (Mask & TR_CAT_PORT) != 0;
    return 0;
}

static ULONG TrCategoryOf(TR_KIND Kind)
{
    switch (Kind) {
    case TrIrqlChange: return TR_CAT_IRQL;
    case TrIsrBegin:
    case TrIsrEnd:
    case TrInterruptDelivered: return TR_CAT_ISR;
    case TrDpcBegin:
    case TrDpcEnd: return TR_CAT_DPC;
    case TrText: return TR_CAT_SCHED;
    case TrDebugPrint: return TR_CAT_DBGPRINT;
    case TrBugCheck:
    case TrFinding:
    case TrFaultInjected: return TR_CAT_FINDING;
    case TrPortRead:
    case TrPortWrite:
    case TrRegisterRead:
    case TrRegisterWrite: return TR_CAT_PORT;
    default: return TR_CAT_IRP;
    }
}

void TrStop(void)
{
    if (TrOut == NULL)
        return;
    TrPorts = FALSE;
    TrView->End(TrOut);
    if (TrOwnsFile)
        fclose(TrOut);
    else
        fflush(TrOut);
    TrOut = NULL;
    TrUpdateEnabled(); /* the IRPs' whereabouts stay while the VCD needs them */
}

void TrReset(void)
{
    TrStop();
    TrCount = 0;
    TrFilter = TR_CAT_DEFAULT;
    TrUpdateEnabled();
}

void TrUpdateEnabled(void)
{
    TrEnabled = TrOut != NULL || TrVcdAttached();
    if (!TrEnabled)
        TrResidencyReset();
}

uint64_t TrEventCount(void)
{
    return TrCount;
}

ULONG TrNextIrpId(void)
{
    return ++TrIrpIds;
}

static void TrFill(TR_EVENT *Event, TR_KIND Kind)
{
    KI_THREAD *Thread = KiCurrentThread();
    memset(Event, 0, sizeof(*Event));
    Event->Kind = Kind;
    Event->Time = KiNow();
    Event->Thread = Thread ? Thread->Id : 0;
    Event->ThreadName = Thread ? Thread->Name : "";
    Event->Cpu = Thread ? Thread->Cpu : 0;
}

static void TrEmit(const TR_EVENT *Event)
{
    if (TrOut == NULL || !(TrCategoryOf(Event->Kind) & TrFilter))
        return;
    TrCount++;
    TrView->Write(TrOut, Event);
}

static const char *TrDeviceName(PDEVICE_OBJECT Device, char *Buffer, size_t Size)
{
    if (Device == NULL)
        return NULL;
    const char *Name = ObpGetObjectName(Device, Buffer, Size);
    return Name && Name[0] ? Name : NULL;
}

static void TrEnterDevice(const TR_EVENT *Dispatch, PIRP Irp, PDEVICE_OBJECT Object)
{
    TR_EVENT Event = *Dispatch;
    Event.Kind = TrIrpEnterDevice;
    ULONG Lane;
    TR_DEVICE *Device = TrResidencyEnter(Irp, Dispatch->Irp, Object, &Lane, &Event.NewTrack);
    Event.Track = TrDeviceTrack(Device, Lane);
    Event.Device = TrDeviceLabel(Device);
    TrEmit(&Event);
    if (TrVcdAttached())
        TrVcdInFlight(Device);
}

static void TrLeaveDevice(TR_DEVICE *Device, ULONG Lane, ULONG IrpId, UCHAR Major, BOOLEAN InFile)
{
    if (InFile) {
        TR_EVENT Event;
        TrFill(&Event, TrIrpLeaveDevice);
        Event.Irp = IrpId;
        Event.Major = Major;
        Event.Track = TrDeviceTrack(Device, Lane);
        Event.Device = TrDeviceLabel(Device);
        Event.Driver = TrDeviceDriver(Device);
        TrEmit(&Event);
    }
    if (TrVcdAttached())
        TrVcdInFlight(Device);
}

void TrIrpCompleted(PIRP Irp)
{
    TrResidencyLeave(Irp, Irp->CurrentLocation, TrLeaveDevice);
}

void TrIrp(TR_KIND Kind, ULONG IrpId, PIRP Irp, PDEVICE_OBJECT Device, int64_t Value, uint64_t Information)
{
    TR_EVENT Event;
    char DeviceName[256];
    TrFill(&Event, Kind);
    Event.Irp = IrpId;
    if (Irp && Irp->CurrentLocation >= 1 && Irp->CurrentLocation <= Irp->StackCount) {
        PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
        Event.Major = Stack->MajorFunction;
        Event.Minor = Stack->MinorFunction;
        Event.Top = Irp->CurrentLocation == Irp->StackCount;
    }
    Event.Device = TrDeviceName(Device, DeviceName, sizeof(DeviceName));
    Event.Driver = Device && Device->DriverObject ? VfDriverName(Device->DriverObject) : NULL;
    Event.Value = Value;
    Event.Information = Information;
    if (Kind == TrIrpCompletionRoutine && Irp) /* the walk is above the devices below */
        TrIrpCompleted(Irp);
    TrEmit(&Event);
    if (Kind == TrIrpDispatch && Irp && Device)
        TrEnterDevice(&Event, Irp, Device);
}

void TrIrpDone(ULONG IrpId, UCHAR Major, PDEVICE_OBJECT Device, NTSTATUS Status)
{
    TR_EVENT Event;
    TrFill(&Event, TrIrpDispatchDone);
    Event.Irp = IrpId;
    Event.Major = Major;
    Event.Driver = Device && Device->DriverObject ? VfDriverName(Device->DriverObject) : NULL;
    Event.Value = Status;
    TrEmit(&Event);
}

void TrIrql(KIRQL Irql)
{
    TR_EVENT Event;
    TrFill(&Event, TrIrqlChange);
    Event.Value = Irql;
    if (TrVcdAttached())
        TrVcdIrql(Event.Cpu, Irql);
    TrEmit(&Event);
}

void TrRoutine(TR_KIND Kind, const char *Driver, int64_t Value)
{
    TR_EVENT Event;
    TrFill(&Event, Kind);
    Event.Driver = Driver;
    Event.Value = Value;
    if (TrVcdAttached())
        TrVcdRoutine(Event.Cpu, Kind, Driver, Value);
    TrEmit(&Event);
}

void TrInterrupt(ULONG Line, BOOLEAN Spurious)
{
    TR_EVENT Event;
    TrFill(&Event, TrInterruptDelivered);
    Event.Value = Line;
    Event.Information = Spurious;
    Event.Irql = KiCurrentIrql(); /* the line's DIRQL: the HAL raised it */
    if (TrVcdAttached())
        TrVcdInterrupt(Line);
    TrEmit(&Event);
}

void TrFaultEvent(const char *Driver, const char *Ddi, unsigned long Index, const char *Site)
{
    char Text[512];
    snprintf(Text, sizeof(Text), "injection point %lu: %s at %s fails", Index, Ddi ? Ddi : "?", Site);
    TrTextEvent(TrFaultInjected, Driver, Text);
}

void TrPortAccess(TR_KIND Kind, uint64_t Address, ULONG Size, uint64_t Value)
{
    TR_EVENT Event;
    TrFill(&Event, Kind);
    Event.Information = Address;
    Event.Minor = (UCHAR)Size;
    Event.Value = (int64_t)Value;
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    Event.Driver = Driver ? VfDriverName(Driver) : NULL;
    TrEmit(&Event);
}

void TrTextEvent(TR_KIND Kind, const char *Driver, const char *Text)
{
    TR_EVENT Event;
    TrFill(&Event, Kind);
    Event.Driver = Driver;
    Event.Text = Text;
    TrEmit(&Event);
}

const char *TrMajorName(UCHAR Major)
{
    static const char *const Names[IRP_MJ_MAXIMUM_FUNCTION + 1] = {
        "IRP_MJ_CREATE", "IRP_MJ_CREATE_NAMED_PIPE", "IRP_MJ_CLOSE", "IRP_MJ_READ", "IRP_MJ_WRITE",
        "IRP_MJ_QUERY_INFORMATION", "IRP_MJ_SET_INFORMATION", "IRP_MJ_QUERY_EA", "IRP_MJ_SET_EA",
        "IRP_MJ_FLUSH_BUFFERS", "IRP_MJ_QUERY_VOLUME_INFORMATION", "IRP_MJ_SET_VOLUME_INFORMATION",
        "IRP_MJ_DIRECTORY_CONTROL", "IRP_MJ_FILE_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CONTROL",
        "IRP_MJ_INTERNAL_DEVICE_CONTROL", "IRP_MJ_SHUTDOWN", "IRP_MJ_LOCK_CONTROL", "IRP_MJ_CLEANUP",
        "IRP_MJ_CREATE_MAILSLOT", "IRP_MJ_QUERY_SECURITY", "IRP_MJ_SET_SECURITY", "IRP_MJ_POWER",
        "IRP_MJ_SYSTEM_CONTROL", "IRP_MJ_DEVICE_CHANGE", "IRP_MJ_QUERY_QUOTA", "IRP_MJ_SET_QUOTA", "IRP_MJ_PNP",
    };
    return Major <= IRP_MJ_MAXIMUM_FUNCTION && Names[Major] ? Names[Major] : "IRP_MJ_?";
}
