/* timer.c - virtual time as a driver sees it, and KTIMER.
 *
 * Time is the machine's hwmodel clock (ns). System time starts at
 * KI_SYSTEM_TIME_EPOCH (2024-01-01 00:00:00 UTC) when the machine is created;
 * interrupt time and the performance counter (10 MHz) count 100 ns units from 0;
 * the tick count advances every KI_TIME_INCREMENT (156250 x 100 ns = 15.625 ms).
 * Timers expire at their exact due time (no rounding to clock ticks).
 * KeStallExecutionProcessor is the one DDI that moves time forward by itself. */
#include "ntsimp.h"
#include "ke/kep.h"

typedef struct _KI_TIMER_PRIVATE {
    hw_timer Timer;
    NTSIM_TRACK Track;   /* NtsimResTimer while set */
} KI_TIMER_PRIVATE;

_Static_assert(sizeof(KI_TIMER_PRIVATE) <= sizeof(((KTIMER *)0)->NtsimPrivate), "KTIMER.NtsimPrivate too small");

#define KI_TIMER_MAGIC 0x726D6954u /* "Timr" */

static BOOLEAN KiInClock;

static inline KI_TIMER_PRIVATE *KiTimerPrivate(PKTIMER Timer)
{
    return (KI_TIMER_PRIVATE *)Timer->NtsimPrivate;
}

hw_time_t KiNow(void)
{
    return hw_clock_now(KiClock());
}

/* TM-02: a positive due time is an absolute system time (100 ns units since 1601). One
 * before the machine booted (KI_SYSTEM_TIME_EPOCH) cannot come from KeQuerySystemTime:
 * it is a relative interval that lost its minus sign (500, 10*1000), and the wait or
 * timer ends at once. 0 (poll, or fire now) is the documented idiom and not reported. */
static void KiReportPastAbsolute(LONGLONG DueTime, const char *Ddi, NTSIM_SITE Site)
{
    if (!VfEnabled || VfReportedAt("TM-02", Site))
        return;
    VfReport("TM-02", NTSIM_SEV_WARNING, VfCurrentDriver(), Site,
             "%s: timeout %lld is positive, so it is an absolute system time, and it lies before the system "
             "booted: it expires at once. A relative interval is negative, in 100 ns units: -%lld would wait "
             "%lld.%04lld ms", Ddi, (long long)DueTime, (long long)DueTime, (long long)(DueTime / 10000),
             (long long)(DueTime % 10000));
}

hw_time_t KiDueTimeToDeadline(LONGLONG DueTime, const char *Ddi, NTSIM_SITE Site)
{
    hw_time_t Now = KiNow();
    if (DueTime < 0) {
        unsigned long long Delta = (unsigned long long)(-(DueTime + 1)) + 1;
        if (Delta > (HW_TIME_NEVER - 1 - Now) / 100)
            return HW_TIME_NEVER - 1;
        return Now + Delta * 100;
    }
    if (DueTime <= KI_SYSTEM_TIME_EPOCH) {
        if (DueTime > 0 && DueTime < KI_SYSTEM_TIME_EPOCH)
            KiReportPastAbsolute(DueTime, Ddi, Site);
        return Now;
    }
    unsigned long long Since = (unsigned long long)(DueTime - KI_SYSTEM_TIME_EPOCH);
    if (Since > (HW_TIME_NEVER - 1) / 100)
        return HW_TIME_NEVER - 1;
    hw_time_t At = Since * 100;
    return At < Now ? Now : At;
}

/* Move time forward by Delta, firing every event on the way; then run what became
 * deliverable if the IRQL allows. Clock callbacks only queue work (DPCs, readied
 * threads), so driver code never runs inside the clock. */
void KiAdvanceTime(hw_time_t Delta)
{
    if (KiInClock)
        return;
    KiInClock = TRUE;
    hw_clock_advance(KiClock(), Delta);
    KiInClock = FALSE;
    KiWatchdogTimeMoved(); /* TM-01: a budget in virtual time may be up */
    if (KiCurrentIrql() < DISPATCH_LEVEL && KiDpcPending)
        KiDrainDpcs();
    HalpDeliverPendingInterrupts();
}

BOOLEAN KiInClockCallback(void)
{
    return KiInClock;
}

VOID KeQuerySystemTime(PLARGE_INTEGER CurrentTime)
{
    CurrentTime->QuadPart = KI_SYSTEM_TIME_EPOCH + (LONGLONG)(KiNow() / 100);
}

VOID KeQuerySystemTimePrecise(PLARGE_INTEGER CurrentTime)
{
    KeQuerySystemTime(CurrentTime);
}

ULONGLONG KeQueryInterruptTime(VOID)
{
    return KiNow() / 100;
}

VOID KeQueryTickCount(PLARGE_INTEGER TickCount)
{
    TickCount->QuadPart = (LONGLONG)(KiNow() / 100 / KI_TIME_INCREMENT);
}

ULONG KeQueryTimeIncrement(VOID)
{
    return KI_TIME_INCREMENT;
}

LARGE_INTEGER KeQueryPerformanceCounter(PLARGE_INTEGER PerformanceFrequency)
{
    if (PerformanceFrequency)
        PerformanceFrequency->QuadPart = 10000000;
    LARGE_INTEGER Counter;
    Counter.QuadPart = (LONGLONG)(KiNow() / 100);
    return Counter;
}

VOID KeStallExecutionProcessor(ULONG MicroSeconds)
{
    KiWatchdogSite = KiTakeSite(); /* a stall loop that overruns a budget is reported here */
    KiAdvanceTime((hw_time_t)MicroSeconds * 1000u);
    KiWatchdogSite = KiNoSite;
}

/* ---- KTIMER ---- */

static void KiCheckTimer(PKTIMER Timer, const char *Ddi, NTSIM_SITE Site)
{
    if (Timer == NULL)
        KiBugCheck(0xC7, 0, 0, 0, 0, Site, "%s(NULL)", Ddi);
    if (Timer->NtsimMagic != KI_TIMER_MAGIC || Timer->Header.NtsimMagic != KI_DISPATCHER_MAGIC) {
        VfReport("SY-02", NTSIM_SEV_ERROR, VfCurrentDriver(), Site, "%s(%p): timer used before KeInitializeTimer",
                 Ddi, (void *)Timer);
        KiBugCheck(0xC4, 0x1010 /* approximate */, (ULONG_PTR)Timer, 0, 0, Site,
                   "%s(%p): the timer was never initialised (KeInitializeTimer/KeInitializeTimerEx)", Ddi,
                   (void *)Timer);
    }
}

static void KiTimerExpired(void *Opaque)
{
    PKTIMER Timer = Opaque;
    KI_TIMER_PRIVATE *P = KiTimerPrivate(Timer);
    KiTimerFired();
    LARGE_INTEGER Now;
    Now.QuadPart = KI_SYSTEM_TIME_EPOCH + (LONGLONG)(KiNow() / 100);
    if (Timer->Period > 0) {
        KiTimerArm(&P->Timer, KiNow() + (hw_time_t)Timer->Period * 1000000u);
        Timer->DueTime.QuadPart = (ULONGLONG)(Now.QuadPart + (LONGLONG)Timer->Period * 10000);
    } else {
        VfUntrack(&P->Track);
    }
    KiTrace("timer expired%s", Timer->Dpc ? ", DPC queued" : "");
    Timer->Header.SignalState = 1;
    KiSignalObject(&Timer->Header);
    if (Timer->Dpc) {
        NTSIM_SITE None = { NULL, 0 };
        KiQueueDpc(Timer->Dpc, (PVOID)(ULONG_PTR)Now.LowPart, (PVOID)(ULONG_PTR)(ULONG)Now.HighPart, None);
    }
}

VOID KeInitializeTimerEx(PKTIMER Timer, TIMER_TYPE Type)
{
    NTSIM_SITE Site = KiTakeSite();
    VfCheckNonPagedObject(Timer, sizeof(*Timer), "KTIMER", "KeInitializeTimer", Site);
    if (Timer->NtsimMagic == KI_TIMER_MAGIC && Timer->Header.NtsimMagic == KI_DISPATCHER_MAGIC &&
        hw_timer_pending(&KiTimerPrivate(Timer)->Timer))
        KiBugCheck(0xC7, 0, (ULONG_PTR)Timer, 0, 0, Site,
                   "KeInitializeTimer(%p) on a timer that is still set (TIMER_OR_DPC_INVALID)", (void *)Timer);
    KiInitializeDispatcherHeader(&Timer->Header,
                                 Type == SynchronizationTimer ? TimerSynchronizationObject : TimerNotificationObject, 0);
    Timer->DueTime.QuadPart = 0;
    Timer->Dpc = NULL;
    Timer->Period = 0;
    Timer->Processor = 0;
    InitializeListHead(&Timer->TimerListEntry);
    Timer->NtsimOwner = VfCurrentDriver();
    Timer->NtsimMagic = KI_TIMER_MAGIC;
    KI_TIMER_PRIVATE *P = KiTimerPrivate(Timer);
    memset(P, 0, sizeof(*P));
    hw_timer_init(&P->Timer, KiClock(), KiTimerExpired, Timer);
    InitializeListHead(&P->Track.Link);
}

VOID KeInitializeTimer(PKTIMER Timer)
{
    KeInitializeTimerEx(Timer, NotificationTimer);
}

BOOLEAN KeSetTimerEx(PKTIMER Timer, LARGE_INTEGER DueTime, LONG Period, PKDPC Dpc)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeSetTimerEx", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckTimer(Timer, "KeSetTimer", Site);
    if (Period < 0)
        KiBugCheck(0xC4, 0x1013 /* approximate */, (ULONG_PTR)Timer, (ULONG_PTR)(LONG_PTR)Period, 0, Site,
                   "KeSetTimerEx(%p) with a negative period %ld", (void *)Timer, (long)Period);
    KI_TIMER_PRIVATE *P = KiTimerPrivate(Timer);
    BOOLEAN WasSet = hw_timer_pending(&P->Timer);
    Timer->Header.SignalState = 0;
    Timer->Dpc = Dpc;
    Timer->Period = Period;
    hw_time_t Deadline = KiDueTimeToDeadline(DueTime.QuadPart, Period ? "KeSetTimerEx" : "KeSetTimer", Site);
    Timer->DueTime.QuadPart = (ULONGLONG)(KI_SYSTEM_TIME_EPOCH + (LONGLONG)(Deadline / 100));
    KiTimerArm(&P->Timer, Deadline);
    PDRIVER_OBJECT Owner = VfCurrentDriver() ? VfCurrentDriver() : Timer->NtsimOwner;
    VfUntrack(&P->Track);
    VfTrackFor(&P->Track, Owner, NtsimResTimer, Site);
    KiTrace("set timer due %llu period %ld ms", (unsigned long long)Deadline, (long)Period);
    return WasSet;
}

BOOLEAN KeSetTimer(PKTIMER Timer, LARGE_INTEGER DueTime, PKDPC Dpc)
{
    return KeSetTimerEx(Timer, DueTime, 0, Dpc);
}

BOOLEAN KeCancelTimer(PKTIMER Timer)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("KeCancelTimer", DISPATCH_LEVEL, 0xC4, 0x3E, Site);
    KiCheckTimer(Timer, "KeCancelTimer", Site);
    KI_TIMER_PRIVATE *P = KiTimerPrivate(Timer);
    BOOLEAN WasSet = hw_timer_pending(&P->Timer);
    KiTimerDisarm(&P->Timer);
    VfUntrack(&P->Track);
    return WasSet;
}

BOOLEAN KeReadStateTimer(PKTIMER Timer)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckTimer(Timer, "KeReadStateTimer", Site);
    return Timer->Header.SignalState > 0;
}

void KiDescribeTimer(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    KI_TIMER_PRIVATE *P = CONTAINING_RECORD(Track, KI_TIMER_PRIVATE, Track);
    PKTIMER Timer = CONTAINING_RECORD((ULONGLONG *)P, KTIMER, NtsimPrivate);
    snprintf(Buffer, Size, "timer %p still set (due at %llu ns%s%s; Windows: bug check 0xC7/0xCE when it fires "
             "into freed memory or an unloaded driver)", (void *)Timer,
             (unsigned long long)hw_timer_expire_time(&P->Timer), Timer->Period ? ", periodic" : "",
             Timer->Dpc ? ", with a DPC" : "");
}

void KiReclaimTimer(NTSIM_TRACK *Track)
{
    KI_TIMER_PRIVATE *P = CONTAINING_RECORD(Track, KI_TIMER_PRIVATE, Track);
    KiTimerDisarm(&P->Timer);
    VfUntrack(Track);
}
