/* clock.c - the machine's one virtual clock (hwmodel's discrete-event queue). The
 * scheduler, timers and every device model share it; nothing on the simulation path
 * reads wall-clock time. */
#include "ntsimp.h"
#include "ke/kep.h"

static hw_clock *KiClockInstance;

hw_clock *KiClock(void)
{
    return KiClockInstance;
}

void KiInitializeClock(void)
{
    if (KiClockInstance == NULL)
        KiClockInstance = hw_clock_new();
}

void KiShutdownClock(void)
{
    if (KiClockInstance)
        hw_clock_free(KiClockInstance);
    KiClockInstance = NULL;
}
