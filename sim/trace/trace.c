/* trace.c - the trace's event stream: hooks fill a TR_EVENT with the machine's context
 * (virtual time, thread, CPU) and hand it to the chosen view, which writes it at once.
 * Nothing is buffered, so a trace of a long run costs no memory and a run that stops
 * in a bug check still leaves every event up to the stop in the file. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

#include <errno.h>

BOOLEAN TrEnabled;

static FILE *TrOut;
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
    TrEnabled = TRUE;
    return 0;
}

void TrStop(void)
{
    if (TrOut == NULL)
        return;
    TrEnabled = FALSE;
    TrView->End(TrOut);
    if (TrOwnsFile)
        fclose(TrOut);
    else
        fflush(TrOut);
    TrOut = NULL;
}

void TrReset(void)
{
    TrStop();
    TrCount = 0;
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
    Event.Driver = Device && Device->DriverObject ? IopDriverServiceName(Device->DriverObject) : NULL;
    Event.Value = Value;
    Event.Information = Information;
    TrEmit(&Event);
}

void TrIrpDone(ULONG IrpId, UCHAR Major, PDEVICE_OBJECT Device, NTSTATUS Status)
{
    TR_EVENT Event;
    TrFill(&Event, TrIrpDispatchDone);
    Event.Irp = IrpId;
    Event.Major = Major;
    Event.Driver = Device && Device->DriverObject ? IopDriverServiceName(Device->DriverObject) : NULL;
    Event.Value = Status;
    TrEmit(&Event);
}

void TrIrql(KIRQL Irql)
{
    TR_EVENT Event;
    TrFill(&Event, TrIrqlChange);
    Event.Value = Irql;
    TrEmit(&Event);
}

void TrRoutine(TR_KIND Kind, const char *Driver, int64_t Value)
{
    TR_EVENT Event;
    TrFill(&Event, Kind);
    Event.Driver = Driver;
    Event.Value = Value;
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
