/* timer_ioctl.h - the interface of the timer sample driver (driver/timer). */
#ifndef TIMER_IOCTL_H
#define TIMER_IOCTL_H

#define TIMER_DEVICE_PATH "\\Device\\Timer"
#define TIMER_USER_PATH "\\\\.\\Timer"

/* FILE_DEVICE_UNKNOWN, METHOD_BUFFERED, FILE_ANY_ACCESS */
/* in: ULONG milliseconds; out: ULONGLONG interrupt time (100 ns) when it completed.
 * The IRP is pended and completed by the timer DPC once the time has passed. */
#define IOCTL_TIMER_WAIT 0x00222000u
/* out: TIMER_STATS */
#define IOCTL_TIMER_STATS 0x00222004u

#define TIMER_PERIOD_MS 10

typedef struct TIMER_STATS {
    unsigned int Ticks;      /* periodic timer DPC runs */
    unsigned int Completed;  /* IRPs completed by the DPC */
    unsigned int ThreadWork; /* semaphore units the system thread consumed */
    unsigned int Pending;    /* IRPs waiting */
} TIMER_STATS;

#endif
