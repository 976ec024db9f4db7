/* lab3.h - the interface of the lab 3 driver, shared by the driver and its grader. */
#ifndef LAB3_H
#define LAB3_H

#define LAB3_USER_PATH "\\\\.\\Lab3"
/* METHOD_BUFFERED: returns LAB3_COUNTS. */
#define IOCTL_LAB3_COUNTS ((0x22u << 16) | (0x800u << 2) | 0u)
#define LAB3_PERIOD_MS 10 /* the timer's period */
#define LAB3_BATCH 5      /* ticks per batch */

typedef struct LAB3_COUNTS {
    unsigned int Ticks;   /* timer DPCs run */
    unsigned int Batches; /* times the system thread woke for a batch of LAB3_BATCH ticks */
} LAB3_COUNTS;

#endif
