/* lab6.h - what the lab 6 driver and its grader share: the device it serves, its
 * name, and the 16550 facts (from the datasheet, as in lab 4). */
#ifndef LAB6_H
#define LAB6_H

#define LAB6_HARDWARE_ID "*PNP0501"        /* a 16550-compatible port: the root bus's COM ports */
#define LAB6_INSTANCE "ACPI\\PNP0501\\1"   /* the machine's first UART (COM1 on the default PC) */
#define LAB6_DEVICE_PATH "\\Device\\Lab6"  /* the FDO's name: user mode opens it */

/* register offsets from the base port the PnP manager assigns */
#define UART_RBR 0 /* read: receive buffer (DLAB = 0) */
#define UART_THR 0 /* write: transmit holding (DLAB = 0) */
#define UART_DLL 0 /* divisor latch low (DLAB = 1) */
#define UART_IER 1 /* interrupt enable (DLAB = 0) */
#define UART_DLM 1 /* divisor latch high (DLAB = 1) */
#define UART_IIR 2 /* read: interrupt identification */
#define UART_FCR 2 /* write: FIFO control */
#define UART_LCR 3 /* line control; bit 7 = DLAB */
#define UART_MCR 4 /* modem control; bit 3 = OUT2 gates the interrupt line on a PC */
#define UART_LSR 5 /* line status */

#define IER_RDA 0x01          /* interrupt when received data is available */
#define IIR_NO_INTERRUPT 0x01 /* bit 0 set: nothing pending (an ISR returns FALSE) */
#define FCR_ENABLE_CLEAR 0x07 /* enable the FIFOs and clear both, trigger at 1 byte */
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR_RTS_OUT2 0x0B
#define LSR_DR 0x01   /* a received byte is waiting in RBR */
#define LSR_THRE 0x20 /* the transmit holding register is empty */
#define UART_DIVISOR_115200 1 /* 1.8432 MHz / 16 / 115200 */

#endif
