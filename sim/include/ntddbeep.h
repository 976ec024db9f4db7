/* ntddbeep.h - the beep device (\\Device\\Beep, IOCTL_BEEP_SET, BEEP_SET_PARAMETERS).
 * WDK names and values; part of ntsim. */
#ifndef NTSIM_NTDDBEEP_H
#define NTSIM_NTDDBEEP_H

#include <ntdef.h>
#include <devioctl.h>

/* control codes */
#define IOCTL_BEEP_SET CTL_CODE(FILE_DEVICE_BEEP, 0, METHOD_BUFFERED, FILE_ANY_ACCESS)

/* constants */
#define BEEP_FREQUENCY_MINIMUM 0x25
#define BEEP_FREQUENCY_MAXIMUM 0x7fff

/* names and aliases */
#define DD_BEEP_DEVICE_NAME "\\Device\\Beep"
#define DD_BEEP_DEVICE_NAME_U L"\\Device\\Beep"

typedef struct _BEEP_SET_PARAMETERS {
    ULONG Frequency; /* Hz; BEEP_FREQUENCY_MINIMUM to BEEP_FREQUENCY_MAXIMUM */
    ULONG Duration;  /* milliseconds */
} BEEP_SET_PARAMETERS, *PBEEP_SET_PARAMETERS;

#endif
