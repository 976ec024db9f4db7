/* timer.c - IoInitializeTimer / IoStartTimer / IoStopTimer: a per-device routine
 * called once per second of virtual time at DISPATCH_LEVEL (from a DPC). */
#include "io/iop.h"

typedef struct _IO_TIMER {
    hw_timer Clock;
    KDPC Dpc;
    PDEVICE_OBJECT Device;
    PIO_TIMER_ROUTINE Routine;
    PVOID Context;
    BOOLEAN Started;
    NTSIM_TRACK Track;   /* NtsimResIoTimer while started */
} IO_TIMER;

#define IOP_TIMER_PERIOD HW_S(1)

static VOID IopTimerDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    (void)Dpc;
    (void)A1;
    (void)A2;
    IO_TIMER *Timer = Context;
    if (!Timer->Started)
        return;
    PDRIVER_OBJECT Driver = Timer->Device->DriverObject;
    IOP_CALL_DRIVER(Driver, Timer->Routine(Timer->Device, Timer->Context));
}

static void IopTimerTick(void *Opaque)
{
    IO_TIMER *Timer = Opaque;
    KiTimerFired();
    KiTimerArm(&Timer->Clock, KiNow() + IOP_TIMER_PERIOD);
    NTSIM_SITE None = { NULL, 0 };
    KiQueueDpc(&Timer->Dpc, NULL, NULL, None);
}

NTSTATUS IoInitializeTimer(PDEVICE_OBJECT DeviceObject, PIO_TIMER_ROUTINE TimerRoutine, PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoInitializeTimer", PASSIVE_LEVEL, 0xC4, 0x3F /* approximate */, Site);
    if (DeviceObject == NULL || TimerRoutine == NULL)
        KiBugCheck(0xC4, 0x1016 /* approximate */, (ULONG_PTR)DeviceObject, (ULONG_PTR)TimerRoutine, 0, Site,
                   "IoInitializeTimer without a %s", DeviceObject ? "timer routine" : "device object");
    IO_TIMER *Timer = DeviceObject->Timer;
    if (Timer == NULL) {
        if (ViFaultShouldFail(NtsimFaultPool, "IoInitializeTimer", 0, Site))
            return STATUS_INSUFFICIENT_RESOURCES;
        Timer = KiHostAlloc(sizeof(*Timer));
        hw_timer_init(&Timer->Clock, KiClock(), IopTimerTick, Timer);
        InitializeListHead(&Timer->Track.Link);
        DeviceObject->Timer = Timer;
    }
    PDRIVER_OBJECT Saved = VfSetCurrentDriver(DeviceObject->DriverObject);
    KeInitializeDpc(&Timer->Dpc, IopTimerDpc, Timer);
    VfSetCurrentDriver(Saved);
    Timer->Device = DeviceObject;
    Timer->Routine = TimerRoutine;
    Timer->Context = Context;
    return STATUS_SUCCESS;
}

VOID IoStartTimer(PDEVICE_OBJECT DeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoStartTimer", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    IO_TIMER *Timer = DeviceObject ? DeviceObject->Timer : NULL;
    if (Timer == NULL)
        KiBugCheck(0xC4, 0x1016 /* approximate */, (ULONG_PTR)DeviceObject, 0, 0, Site,
                   "IoStartTimer(%p) without IoInitializeTimer", (void *)DeviceObject);
    if (Timer->Started)
        return;
    Timer->Started = TRUE;
    KiTimerArm(&Timer->Clock, KiNow() + IOP_TIMER_PERIOD);
    VfTrackFor(&Timer->Track, DeviceObject->DriverObject, NtsimResIoTimer, Site);
}

static void IopStopTimer(IO_TIMER *Timer)
{
    Timer->Started = FALSE;
    KiTimerDisarm(&Timer->Clock);
    if (Timer->Dpc.DpcData) {
        PDRIVER_OBJECT Saved = VfSetCurrentDriver(NULL);
        KeRemoveQueueDpc(&Timer->Dpc);
        VfSetCurrentDriver(Saved);
    }
    VfUntrack(&Timer->Track);
}

VOID IoStopTimer(PDEVICE_OBJECT DeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoStopTimer", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    IO_TIMER *Timer = DeviceObject ? DeviceObject->Timer : NULL;
    if (Timer == NULL)
        KiBugCheck(0xC4, 0x1016 /* approximate */, (ULONG_PTR)DeviceObject, 0, 0, Site,
                   "IoStopTimer(%p) without IoInitializeTimer", (void *)DeviceObject);
    IopStopTimer(Timer);
}

/* The device object goes away: its timer with it. */
void IopDeleteIoTimer(PDEVICE_OBJECT DeviceObject)
{
    IO_TIMER *Timer = DeviceObject->Timer;
    if (Timer == NULL)
        return;
    IopStopTimer(Timer);
    free(Timer);
    DeviceObject->Timer = NULL;
}

void IopDescribeIoTimer(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IO_TIMER *Timer = CONTAINING_RECORD(Track, IO_TIMER, Track);
    char Name[256];
    ObpGetObjectName(Timer->Device, Name, sizeof(Name));
    snprintf(Buffer, Size, "I/O timer of device %s still started (IoStopTimer not called)", Name[0] ? Name : "(unnamed)");
}

void IopReclaimIoTimer(NTSIM_TRACK *Track)
{
    IopStopTimer(CONTAINING_RECORD(Track, IO_TIMER, Track));
}
