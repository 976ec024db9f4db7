/* wdmedu_ioctl.h - the interface of wdmedu.sys, shared by the driver and its tests. */
#ifndef WDMEDU_IOCTL_H
#define WDMEDU_IOCTL_H

#define WDMEDU_DEVICE_NAME_FORMAT L"\\Device\\WdmEdu%u"
#define WDMEDU_DEVICE_PATH "\\Device\\WdmEdu0"

#define WDMEDU_CTL(f) (((0x00000022u) << 16) | ((0u) << 14) | ((f) << 2) | 0u) /* METHOD_BUFFERED */
/* out: WDMEDU_INFO */
#define IOCTL_WDMEDU_INFO WDMEDU_CTL(0x900u)
/* in: unsigned int n; out: unsigned int n! (mod 2^32), computed by the device, which
 * interrupts when done; the request pends until the DPC completes it */
#define IOCTL_WDMEDU_FACTORIAL WDMEDU_CTL(0x901u)

typedef struct WDMEDU_INFO {
    unsigned int Id;                 /* the identification register, read through BAR0 */
    unsigned int BusNumber;          /* IoGetDeviceProperty(DevicePropertyBusNumber) */
    unsigned int Address;            /* IoGetDeviceProperty(DevicePropertyAddress): (device << 16) | function */
    unsigned int Bar0Length;
    unsigned long long Bar0;         /* the memory resource of START_DEVICE (translated) */
    unsigned int Vector;             /* the interrupt resource (translated) */
    unsigned int Irql;
    unsigned int Shared;             /* CmResourceShareShared */
    unsigned int LevelSensitive;
    unsigned int Interrupts;         /* ISR calls that claimed an interrupt */
    unsigned int ConfigId;           /* config dword 0 (device << 16 | vendor), through BUS_INTERFACE_STANDARD */
    unsigned int ConfigClass;        /* config dword 8 (class, subclass, prog-if, revision), IRP_MN_READ_CONFIG */
} WDMEDU_INFO;

#endif
