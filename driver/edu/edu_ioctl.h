/* edu_ioctl.h - the interface of edu.sys, shared by the driver and its tests. */
#ifndef EDU_IOCTL_H
#define EDU_IOCTL_H

#define EDU_DEVICE_NAME L"\\Device\\Edu0"
#define EDU_LINK_NAME L"\\DosDevices\\Edu0"
#define EDU_USER_PATH "\\\\.\\Edu0"

#define EDU_CTL(f) (((0x00000022u) << 16) | ((0u) << 14) | ((f) << 2) | 0u) /* METHOD_BUFFERED */
/* in: EDU_FACTORIAL_IN; out: unsigned int n! (mod 2^32) */
#define IOCTL_EDU_FACTORIAL EDU_CTL(0x800u)
/* in: 1..4096 bytes; out: the same bytes, after RAM -> device -> RAM by DMA */
#define IOCTL_EDU_DMA EDU_CTL(0x801u)
/* out: EDU_INFO */
#define IOCTL_EDU_INFO EDU_CTL(0x802u)

#define EDU_DMA_MAX 4096u

typedef struct EDU_FACTORIAL_IN {
    unsigned int Value;
    unsigned int Polled;     /* 1: poll the busy bit; 0: wait for the interrupt */
} EDU_FACTORIAL_IN;

typedef struct EDU_INFO {
    unsigned int Bus;
    unsigned int Slot;
    unsigned long long Bar0;
    unsigned int Bar0Length;
    unsigned int Irq;
    unsigned int Vector;
    unsigned int Interrupts;  /* ISR calls that claimed an interrupt */
    unsigned long long CommonBufferLogical;
} EDU_INFO;

#endif
