/* watchdrv.h - the interface of tests/pnp/watchdrv.c. */
#ifndef WATCHDRV_H
#define WATCHDRV_H

#define WATCHDRV_CTL(f) (((0x00000022u) << 16) | ((f) << 2)) /* METHOD_BUFFERED, FILE_ANY_ACCESS */
#define IOCTL_WATCH_START WATCHDRV_CTL(0x800u)  /* open \Device\WdmSerial0, register for its events */
#define IOCTL_WATCH_VETO WATCHDRV_CTL(0x801u)   /* in: ULONG 1 = fail the next QUERY_REMOVE */
#define IOCTL_WATCH_CUSTOM WATCHDRV_CTL(0x802u) /* in: ULONG mode: 0 sync, 1 async, 2 a system GUID */
#define IOCTL_WATCH_STATUS WATCHDRV_CTL(0x803u) /* out: WATCH_STATUS */
#define IOCTL_WATCH_EJECT WATCHDRV_CTL(0x804u)  /* IoRequestDeviceEject on the watched device's PDO */
#define IOCTL_WATCH_ARC WATCHDRV_CTL(0x805u)    /* in: ULONG 1 = IoAssignArcName \ArcName\watched, 0 = deassign */

#define WATCH_CUSTOM_DATA 0x5EA1u

typedef struct WATCH_STATUS {
    int QueryRemove, Cancelled, Complete, Custom;
    int LastCustomData;
    int AsyncDone;
    int WrongFileObject;  /* notifications that did not carry this driver's file object */
    int Registered;
} WATCH_STATUS;

#endif
