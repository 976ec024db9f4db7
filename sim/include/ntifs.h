/* ntifs.h - file-system and filter driver interface: ntddk.h plus ntifs-only routines. */
#ifndef NTSIM_NTIFS_H
#define NTSIM_NTIFS_H
#include <ntddk.h>
#include <nt/ps.h>
#include <nt/switch.h> /* the routines of nt/ps.h as switch points */
#endif
