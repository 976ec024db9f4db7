/* devstack.c - where each IRP is: the devices it was sent to and has not left yet.
 *
 * An IRP enters a device when a dispatch routine of that device receives it (at the
 * stack location it then has), and leaves it when its completion passes that stack
 * location on the way up. A driver that passes the IRP on with
 * IoSkipCurrentIrpStackLocation shares its location with the driver below, so both
 * leave together, as on Windows where the upper driver sees no completion either. A
 * completion routine returning STATUS_MORE_PROCESSING_REQUIRED stops the walk: the
 * devices above keep the IRP until it is completed again.
 *
 * Each device record counts its IRPs in flight (a VCD signal) and hands out lanes:
 * one Chrome track per IRP present at once, so the slices of each track nest. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

#include <ctype.h>

#define TR_LANES 64

struct _TR_DEVICE {
    PDEVICE_OBJECT Object;
    char Name[160];        /* the object name when first seen, "" if unnamed */
    char Short[64];
    char Driver[64];
    char Label[240];
    ULONG Index;
    ULONG InFlight;
    uint64_t Lanes;        /* lanes holding an IRP now */
    uint64_t LanesNamed;   /* lanes a view has named */
    int VcdSignal;
};

typedef struct _TR_RESIDENCE {
    PIRP Irp;
    TR_DEVICE *Device;
    CHAR Level;
    ULONG Lane;
    ULONG IrpId;
    UCHAR Major;
    ULONG Generation;      /* the event file current when it entered */
} TR_RESIDENCE;

static ULONG TrGeneration;

static TR_DEVICE **TrDevices;
static size_t TrDeviceTotal, TrDeviceCapacity;
static TR_RESIDENCE *TrResidences;
static size_t TrResidenceTotal, TrResidenceCapacity;

static void TrShortName(TR_DEVICE *Record, const char *Driver)
{
    const char *Last = strrchr(Record->Name, '\\');
    if (Record->Name[0]) {
        snprintf(Record->Short, sizeof(Record->Short), "%.63s", Last ? Last + 1 : Record->Name);
    } else {
        ULONG Unnamed = 0;
        for (size_t i = 0; i < TrDeviceTotal; i++)
            Unnamed += TrDevices[i]->Name[0] == 0 && strcmp(TrDevices[i]->Driver, Driver) == 0;
        snprintf(Record->Short, sizeof(Record->Short), "unnamed%u", Unnamed);
    }
    for (char *p = Record->Short; *p; p++) /* a VCD scope name: no blanks, no dots */
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
    if (Record->Short[0] == 0)
        snprintf(Record->Short, sizeof(Record->Short), "device%u", Record->Index);
}

static TR_DEVICE *TrNewDevice(PDEVICE_OBJECT Object, const char *Name)
{
    const char *Driver = Object->DriverObject ? VfDriverName(Object->DriverObject) : "?";
    TR_DEVICE *Record = KiHostAlloc(sizeof(*Record));
    memset(Record, 0, sizeof(*Record));
    Record->Object = Object;
    Record->Index = (ULONG)TrDeviceTotal;
    Record->VcdSignal = -1;
    snprintf(Record->Name, sizeof(Record->Name), "%s", Name ? Name : "");
    snprintf(Record->Driver, sizeof(Record->Driver), "%s", Driver ? Driver : "?");
    for (char *p = Record->Driver; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
    TrShortName(Record, Record->Driver);
    snprintf(Record->Label, sizeof(Record->Label), "%s (%s)", Record->Name[0] ? Record->Name : Record->Short,
             Driver ? Driver : "?");
    if (TrDeviceTotal == TrDeviceCapacity) {
        TrDeviceCapacity = TrDeviceCapacity ? TrDeviceCapacity * 2 : 16;
        TrDevices = KiHostRealloc(TrDevices, TrDeviceCapacity * sizeof(*TrDevices));
    }
    TrDevices[TrDeviceTotal++] = Record;
    return Record;
}

/* The record of a device object: the same address with the same name is the same
 * device (an address reused by a new device with another name is a new record). */
static TR_DEVICE *TrFindDevice(PDEVICE_OBJECT Object)
{
    char Buffer[256];
    const char *Name = ObpGetObjectName(Object, Buffer, sizeof(Buffer));
    if (Name == NULL)
        Name = "";
    for (size_t i = TrDeviceTotal; i-- > 0;)
        if (TrDevices[i]->Object == Object && strcmp(TrDevices[i]->Name, Name) == 0)
            return TrDevices[i];
    return TrNewDevice(Object, Name);
}

TR_DEVICE *TrResidencyEnter(PIRP Irp, ULONG IrpId, PDEVICE_OBJECT Object, ULONG *Lane, BOOLEAN *NewLane)
{
    TR_DEVICE *Device = TrFindDevice(Object);
    ULONG Free = Device->Lanes == ~0ull ? TR_LANES - 1 : (ULONG)__builtin_ctzll(~Device->Lanes);
    Device->Lanes |= 1ull << Free;
    *NewLane = !((Device->LanesNamed >> Free) & 1);
    Device->LanesNamed |= 1ull << Free;
    *Lane = Free;
    Device->InFlight++;
    if (TrResidenceTotal == TrResidenceCapacity) {
        TrResidenceCapacity = TrResidenceCapacity ? TrResidenceCapacity * 2 : 32;
        TrResidences = KiHostRealloc(TrResidences, TrResidenceCapacity * sizeof(*TrResidences));
    }
    UCHAR Major = 0;
    if (Irp->CurrentLocation >= 1 && Irp->CurrentLocation <= Irp->StackCount)
        Major = IoGetCurrentIrpStackLocation(Irp)->MajorFunction;
    TrResidences[TrResidenceTotal++] = (TR_RESIDENCE){ Irp, Device, Irp->CurrentLocation, Free, IrpId, Major,
                                                           TrGeneration };
    return Device;
}

void TrResidencyLeave(PIRP Irp, CHAR Below, TR_LEAVE_REPORT Report)
{
    for (size_t i = 0; i < TrResidenceTotal;) {
        TR_RESIDENCE *R = &TrResidences[i];
        if (R->Irp != Irp || R->Level >= Below) {
            i++;
            continue;
        }
        TR_RESIDENCE Left = *R;
        *R = TrResidences[--TrResidenceTotal];
        Left.Device->Lanes &= ~(1ull << Left.Lane);
        Left.Device->InFlight--;
        Report(Left.Device, Left.Lane, Left.IrpId, Left.Major, Left.Generation == TrGeneration);
    }
}

/* A new event file: its tracks are named again, and IRPs that entered a device
 * before it began leave without an event (their slice never began in it). */
void TrResidencyNewFile(void)
{
    TrGeneration++;
    for (size_t i = 0; i < TrDeviceTotal; i++)
        TrDevices[i]->LanesNamed = 0;
}

void TrResidencyReset(void)
{
    for (size_t i = 0; i < TrDeviceTotal; i++)
        free(TrDevices[i]);
    free(TrDevices);
    free(TrResidences);
    TrDevices = NULL;
    TrResidences = NULL;
    TrDeviceTotal = TrDeviceCapacity = TrResidenceTotal = TrResidenceCapacity = 0;
}

const char *TrDeviceLabel(const TR_DEVICE *Device) { return Device->Label; }
const char *TrDeviceDriver(const TR_DEVICE *Device) { return Device->Driver; }
const char *TrDeviceShortName(const TR_DEVICE *Device) { return Device->Short; }
ULONG TrDeviceIndex(const TR_DEVICE *Device) { return Device->Index; }
ULONG TrDeviceInFlight(const TR_DEVICE *Device) { return Device->InFlight; }
int *TrDeviceVcdSignal(TR_DEVICE *Device) { return &Device->VcdSignal; }
size_t TrDeviceCount(void) { return TrDeviceTotal; }
TR_DEVICE *TrDeviceAt(size_t Index) { return Index < TrDeviceTotal ? TrDevices[Index] : NULL; }

/* Chrome tids of device tracks: far above simulated thread ids. */
ULONG TrDeviceTrack(const TR_DEVICE *Device, ULONG Lane)
{
    return 100000u + Device->Index * TR_LANES + Lane;
}
