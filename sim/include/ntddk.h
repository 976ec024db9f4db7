/* ntddk.h - wdm.h plus the interfaces of legacy (non-PnP) drivers: HAL, bus data,
 * resource claims, configuration. Part of ntsim. */
#ifndef NTSIM_NTDDK_H
#define NTSIM_NTDDK_H
#include <wdm.h>
#include <nt/hal.h>
#include <nt/config.h>
#include <nt/switch.h> /* the HAL routines above as switch points */

#endif
