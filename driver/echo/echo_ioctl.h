/* echo_ioctl.h - the interface of echo.sys, shared by the driver and its tests. */
#ifndef ECHO_IOCTL_H
#define ECHO_IOCTL_H

#define ECHO_DEVICE_NAME L"\\Device\\NtsimEcho"
#define ECHO_LINK_NAME L"\\DosDevices\\NtsimEcho"
#define ECHO_USER_PATH "\\\\.\\NtsimEcho"

#define ECHO_CTL(f, m) (((0x00000022u) << 16) | ((0u) << 14) | ((f) << 2) | (m))
/* METHOD_BUFFERED: the input comes back as output. */
#define IOCTL_ECHO_BUFFERED ECHO_CTL(0x800u, 0u)
/* METHOD_IN_DIRECT: the MDL buffer is stored as the echo buffer (like a write). */
#define IOCTL_ECHO_IN_DIRECT ECHO_CTL(0x801u, 1u)
/* METHOD_OUT_DIRECT: the echo buffer is copied into the MDL buffer (like a read). */
#define IOCTL_ECHO_OUT_DIRECT ECHO_CTL(0x802u, 2u)
/* METHOD_NEITHER: user input copied to user output under __try/__except. */
#define IOCTL_ECHO_NEITHER ECHO_CTL(0x803u, 3u)
/* METHOD_BUFFERED: returns ECHO_STATS. */
#define IOCTL_ECHO_GET_STATS ECHO_CTL(0x804u, 0u)

typedef struct ECHO_STATS {
    unsigned int BytesWritten;
    unsigned int BytesRead;
    unsigned int Opens;
    unsigned int BufferSize;
} ECHO_STATS;

#endif
