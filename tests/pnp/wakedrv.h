/* wakedrv.h - the interface of tests/pnp/wakedrv.c. */
#ifndef WAKEDRV_H
#define WAKEDRV_H

#define WAKEDRV_CTL(f) (((0x00000022u) << 16) | ((f) << 2)) /* METHOD_BUFFERED, FILE_ANY_ACCESS */
#define IOCTL_WAKEDRV_ARM WAKEDRV_CTL(0x800u)    /* PoRequestPowerIrp(IRP_MN_WAIT_WAKE, from S3) */
#define IOCTL_WAKEDRV_DISARM WAKEDRV_CTL(0x801u) /* IoCancelIrp on the armed IRP */
#define IOCTL_WAKEDRV_STATUS WAKEDRV_CTL(0x802u) /* out: WAKEDRV_STATUS */

typedef struct WAKEDRV_STATUS {
    int Completions; /* WAIT_WAKE completions seen by the driver's callback */
    int LastStatus;
    int Armed;
} WAKEDRV_STATUS;

#endif
