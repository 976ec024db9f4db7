/* kep.h - private interfaces of sim/ke shared with the host layer. */
#ifndef NTSIM_KEP_H
#define NTSIM_KEP_H
#include "ntsimp.h"
#include <hwmodel/clock.h>

/* clock.c: the machine's virtual clock (ns) */
hw_clock *KiClock(void);
void KiInitializeClock(void);
void KiShutdownClock(void);

const char *KiBugCheckName(ULONG Code);
int KiGetBugCheck(ntsim_bugcheck *Out);
void KiResetBugCheck(void);
void KiInstallSignalHandlers(void);
void KiDescribeCode(void *Pc, char *Buffer, size_t Size);
void KiResetIrql(void);

/* sim/mm: memory made inaccessible on purpose (RegistryPath after DriverEntry). */
BOOLEAN MiDescribePoisonedAddress(const void *Address, char *Buffer, size_t Size);
/* sim/io: the service name of a driver ("echo"). */
const char *IopDriverServiceName(PDRIVER_OBJECT Driver);
#endif
