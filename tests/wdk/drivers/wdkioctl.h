/* wdkioctl.h - the IOCTLs of the test drivers of tests/wdk (shared with the tests). */
#ifndef WDK_IOCTL_H
#define WDK_IOCTL_H

#define WDK_CTL(n) (((0x8000u) << 16) | ((n) << 2)) /* FILE_DEVICE 0x8000, METHOD_BUFFERED, FILE_ANY_ACCESS */

/* wdk_csq.sys (\\.\WdkCsq) and wdk_cancel.sys (\\.\WdkCancel) */
#define IOCTL_WDK_QUEUE WDK_CTL(0x800)          /* pend the IRP (cancelable) */
#define IOCTL_WDK_COMPLETE_NEXT WDK_CTL(0x801)  /* in: ULONG info; complete the oldest pending IRP with it */
#define IOCTL_WDK_COUNTS WDK_CTL(0x802)         /* out: WDK_COUNTS */
#define IOCTL_WDK_QUEUE_CONTEXT WDK_CTL(0x803)  /* wdk_csq: pend with the device's IO_CSQ_IRP_CONTEXT */
#define IOCTL_WDK_REMOVE_CONTEXT WDK_CTL(0x804) /* wdk_csq: IoCsqRemoveIrp on it, complete with info 7 */
#define IOCTL_WDK_QUEUE_NOCANCEL WDK_CTL(0x805) /* wdk_cancel: pend without a cancel routine */
#define IOCTL_WDK_SET_EVENT_LATER WDK_CTL(0x806) /* wdk_event: in: HANDLE; set it 10 ms later */
#define IOCTL_WDK_RELEASE_SEMAPHORE_LATER WDK_CTL(0x807) /* wdk_event: in: HANDLE; release it by 2, 10 ms later */

typedef struct _WDK_COUNTS {
    unsigned int Queued;    /* in the queue now */
    unsigned int Cancelled; /* completed by the cancel path */
} WDK_COUNTS;

#define WDK_CSQ_LIMIT 4 /* wdk_csq refuses a fifth queued IRP (CsqInsertIrpEx fails) */
#endif
