/* floppy_ioctl.h - what user code (and tests) see of floppy.sys: the device name,
 * and the disk IOCTL it answers. ntsim has no ntdddisk.h yet, so the disk
 * geometry types are defined here when nothing else defined them. */
#ifndef FLOPPY_IOCTL_H
#define FLOPPY_IOCTL_H

#define FLOPPY_DEVICE_NAME L"\\Device\\Floppy0"
#define FLOPPY_LINK_NAME L"\\DosDevices\\Floppy0"
#define FLOPPY_USER_PATH "\\\\.\\Floppy0"
#define FLOPPY_SECTOR_SIZE 512u

#ifndef IOCTL_DISK_GET_DRIVE_GEOMETRY
#define IOCTL_DISK_BASE FILE_DEVICE_DISK
#define IOCTL_DISK_GET_DRIVE_GEOMETRY CTL_CODE(IOCTL_DISK_BASE, 0x0000, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef enum _MEDIA_TYPE {
    Unknown = 0,
    F5_1Pt2_512 = 1,
    F3_1Pt44_512 = 2,
    F3_2Pt88_512 = 3,
    F3_20Pt8_512 = 4,
    F3_720_512 = 5,
    FixedMedia = 12,
} MEDIA_TYPE, *PMEDIA_TYPE;

typedef struct _DISK_GEOMETRY {
    LARGE_INTEGER Cylinders;
    MEDIA_TYPE MediaType;
    ULONG TracksPerCylinder;
    ULONG SectorsPerTrack;
    ULONG BytesPerSector;
} DISK_GEOMETRY, *PDISK_GEOMETRY;
#endif

#endif
