/* owner.c - the running-driver context and resource ownership: who owns what.
 *
 * Every subsystem asks which driver is running (to name it in a finding or charge it a
 * resource), so this sits below them all, beside the findings; the I/O manager, which
 * creates driver objects and calls into drivers, registers each driver here and sets
 * the running one. Nothing here calls up into a subsystem. */
#include "ntsimp.h"

NTSIM_TLS PDRIVER_OBJECT VfCurrent;

void VfRegisterDriver(PDRIVER_OBJECT Driver, const char *Name)
{
    VfDriver(Driver)->Name = Name;
}
