/* lab5.h - the edu PCI device's facts lab 5 needs (hwmodel/include/hwmodel/edu.h, as
 * documented for QEMU's edu device) and the driver's interface, shared by the driver
 * and its grader. */
#ifndef LAB5_H
#define LAB5_H

#define LAB5_USER_PATH "\\\\.\\Lab5"

/* PCI identity: vendor 0x1234, device 0x11E8; BAR0 is 1 MiB of memory; INTA */
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11E8

/* BAR0 registers (offsets), 32 bits wide; the DMA registers take 64-bit writes too */
#define EDU_REG_ID 0x00         /* RO 0x010000ED */
#define EDU_REG_LIVENESS 0x04   /* RW reads back the bitwise inversion of what was written */
#define EDU_REG_FACTORIAL 0x08  /* RW write n: the device computes n! (mod 2^32) into it */
#define EDU_REG_STATUS 0x20     /* RW bit 0 busy (RO); bit 7 raise interrupt 0x001 when n! is done */
#define EDU_REG_IRQ_STATUS 0x24 /* RO pending interrupt causes (INTx asserted while non-zero) */
#define EDU_REG_IRQ_RAISE 0x60  /* WO status |= value */
#define EDU_REG_IRQ_ACK 0x64    /* WO status &= ~value */
#define EDU_REG_DMA_SRC 0x80    /* RW 64-bit source address */
#define EDU_REG_DMA_DST 0x88    /* RW 64-bit destination address */
#define EDU_REG_DMA_COUNT 0x90  /* RW bytes to move */
#define EDU_REG_DMA_CMD 0x98    /* RW bit 0 start (reads 1 while running), bit 1 direction, bit 2 interrupt */

#define EDU_ID 0x010000EDu
#define EDU_STATUS_BUSY 0x01u
#define EDU_STATUS_IRQ_FACT 0x80u
#define EDU_IRQ_FACT 0x001u     /* interrupt status bit: the factorial is done */
#define EDU_IRQ_DMA 0x100u      /* interrupt status bit: the DMA transfer is done */
#define EDU_DMA_START 0x1u
#define EDU_DMA_TO_RAM 0x2u     /* 0: RAM -> device buffer; 1: device buffer -> RAM */
#define EDU_DMA_IRQ 0x4u
#define EDU_DMA_BUFFER 0x40000u /* the device's own 4096-byte buffer, in device addresses */
#define EDU_DMA_SIZE 4096u

/* The driver's device controls (METHOD_BUFFERED, FILE_ANY_ACCESS) */
#define LAB5_CTL(Function) ((0x22u << 16) | ((Function) << 2) | 0u)
/* out: LAB5_INFO, where the driver found the device */
#define IOCTL_LAB5_INFO LAB5_CTL(0x800u)
/* in: a ULONG written to the liveness register; out: LAB5_IDENTIFY */
#define IOCTL_LAB5_IDENTIFY LAB5_CTL(0x801u)
/* in: ULONG n; out: ULONG n! computed by the device, completed by the DPC after its interrupt */
#define IOCTL_LAB5_FACTORIAL LAB5_CTL(0x802u)
/* in: 1..4096 bytes, copied by DMA to the start of the device's buffer */
#define IOCTL_LAB5_DMA_TO_DEVICE LAB5_CTL(0x803u)
/* out: 1..4096 bytes, copied by DMA from the start of the device's buffer */
#define IOCTL_LAB5_DMA_FROM_DEVICE LAB5_CTL(0x804u)

typedef struct LAB5_INFO {
    unsigned int Bus;            /* PCI bus number */
    unsigned int Slot;           /* PCI_SLOT_NUMBER.u.AsULONG (device and function) */
    unsigned long long Bar0;     /* physical address of BAR0, from the claimed resources */
    unsigned int Bar0Length;
    unsigned int Irq;            /* the interrupt line (bus-relative level) */
} LAB5_INFO;

typedef struct LAB5_IDENTIFY {
    unsigned int Id;             /* what EDU_REG_ID read */
    unsigned int Inverted;       /* what EDU_REG_LIVENESS read after the input was written */
} LAB5_IDENTIFY;

#endif
