/* hwmodel/uart16550.h - 16550A UART.
 *
 * Eight byte-wide registers at io_base..io_base+7 (wider accesses are split
 * by the bus).  Timing (see README.md):
 *   char_time = floor(bits * 16 * divisor * 1e9 / clock_hz) ns, where bits =
 *   1 start + 5..8 data + parity + 1, 1.5 or 2 stop; divisor 0 counts as 65536.
 * The interrupt output drives bus line `irq` as a level, gated by MCR.OUT2 as
 * on a PC.  Use hw_uart16550_read/write for register access without a bus.
 */
#ifndef HWMODEL_UART16550_H
#define HWMODEL_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/chardev.h"
#include "hwmodel/clock.h"
#include "hwmodel/fault.h"
#include "hwmodel/vcd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* register offsets */
enum {
    HW_UART_RBR = 0, HW_UART_THR = 0, HW_UART_DLL = 0,
    HW_UART_IER = 1, HW_UART_DLM = 1,
    HW_UART_IIR = 2, HW_UART_FCR = 2,
    HW_UART_LCR = 3, HW_UART_MCR = 4, HW_UART_LSR = 5, HW_UART_MSR = 6, HW_UART_SCR = 7,
};
/* IER */
enum { HW_UART_IER_ERBFI = 0x01, HW_UART_IER_ETBEI = 0x02, HW_UART_IER_ELSI = 0x04, HW_UART_IER_EDSSI = 0x08 };
/* IIR (bits 7:6 = 11 when the FIFOs are enabled) */
enum {
    HW_UART_IIR_NONE = 0x01, HW_UART_IIR_RLS = 0x06, HW_UART_IIR_RDA = 0x04,
    HW_UART_IIR_CTI = 0x0C, HW_UART_IIR_THRE = 0x02, HW_UART_IIR_MSI = 0x00,
    HW_UART_IIR_ID_MASK = 0x0F, HW_UART_IIR_FIFO = 0xC0,
};
/* FCR */
enum {
    HW_UART_FCR_ENABLE = 0x01, HW_UART_FCR_RXRESET = 0x02, HW_UART_FCR_TXRESET = 0x04,
    HW_UART_FCR_DMA = 0x08, HW_UART_FCR_TRIG1 = 0x00, HW_UART_FCR_TRIG4 = 0x40,
    HW_UART_FCR_TRIG8 = 0x80, HW_UART_FCR_TRIG14 = 0xC0,
};
/* LCR */
enum {
    HW_UART_LCR_WLS5 = 0x00, HW_UART_LCR_WLS6 = 0x01, HW_UART_LCR_WLS7 = 0x02, HW_UART_LCR_WLS8 = 0x03,
    HW_UART_LCR_STB = 0x04, HW_UART_LCR_PEN = 0x08, HW_UART_LCR_EPS = 0x10,
    HW_UART_LCR_STICK = 0x20, HW_UART_LCR_BREAK = 0x40, HW_UART_LCR_DLAB = 0x80,
};
/* MCR */
enum { HW_UART_MCR_DTR = 0x01, HW_UART_MCR_RTS = 0x02, HW_UART_MCR_OUT1 = 0x04, HW_UART_MCR_OUT2 = 0x08, HW_UART_MCR_LOOP = 0x10 };
/* LSR */
enum {
    HW_UART_LSR_DR = 0x01, HW_UART_LSR_OE = 0x02, HW_UART_LSR_PE = 0x04, HW_UART_LSR_FE = 0x08,
    HW_UART_LSR_BI = 0x10, HW_UART_LSR_THRE = 0x20, HW_UART_LSR_TEMT = 0x40, HW_UART_LSR_FIFOERR = 0x80,
};
/* MSR */
enum {
    HW_UART_MSR_DCTS = 0x01, HW_UART_MSR_DDSR = 0x02, HW_UART_MSR_TERI = 0x04, HW_UART_MSR_DDCD = 0x08,
    HW_UART_MSR_CTS = 0x10, HW_UART_MSR_DSR = 0x20, HW_UART_MSR_RI = 0x40, HW_UART_MSR_DCD = 0x80,
};

#define HW_UART16550_CLOCK_HZ 1843200u

typedef struct hw_uart16550 hw_uart16550;

typedef struct hw_uart16550_config {
    uint16_t    io_base;     /* e.g. 0x3F8 */
    unsigned    irq;         /* bus interrupt line, e.g. 4 */
    uint32_t    clock_hz;    /* 0: 1.8432 MHz */
    const char *name;        /* bus range name; NULL: "uart16550" */
    /* true: in loopback the interrupt output is held off, as on a real PC
     * where the OUT2 pin is forced inactive in loopback; false (default):
     * interrupts still follow the programmed MCR.OUT2 bit. */
    bool        strict_loopback_irq;
} hw_uart16550_config;

/* Creates the UART and maps its ports; NULL on error with *err (if given) a
 * negative errno (-EBUSY if the ports are taken). */
hw_uart16550 *hw_uart16550_new(hw_bus *bus, const hw_uart16550_config *cfg, int *err);
/* Unmaps, drops the interrupt and detaches the chardev (not freed). */
void hw_uart16550_free(hw_uart16550 *uart);

/* Connect a back end (NULL to disconnect).  The UART does not own it. */
void hw_uart16550_attach(hw_uart16550 *uart, hw_chardev *chr);
/* Input from the line: each byte enters the receiver one character time after
 * the previous one (or after now, if the line is idle). */
void hw_uart16550_receive(hw_uart16550 *uart, const uint8_t *bytes, size_t n);
/* One byte with receive errors: any of HW_UART_LSR_PE | FE | BI. */
void hw_uart16550_receive_ex(hw_uart16550 *uart, uint8_t byte, unsigned lsr_errors);
/* External modem inputs, MSR bit layout (CTS 0x10, DSR 0x20, RI 0x40, DCD 0x80). */
void hw_uart16550_set_modem_inputs(hw_uart16550 *uart, unsigned msr_lines);
/* Characters received from the back end but still on the line. */
size_t hw_uart16550_rx_backlog(const hw_uart16550 *uart);

/* Register access as a CPU would do it (with side effects). */
uint8_t hw_uart16550_read(hw_uart16550 *uart, unsigned reg);
void hw_uart16550_write(hw_uart16550 *uart, unsigned reg, uint8_t value);

hw_time_t hw_uart16550_char_time(const hw_uart16550 *uart);
/* Level on the interrupt line this UART drives (after OUT2 and faults). */
int hw_uart16550_irq_output(const hw_uart16550 *uart);

void hw_uart16550_inject(hw_uart16550 *uart, const hw_fault *fault);
void hw_uart16550_clear_faults(hw_uart16550 *uart);

/* Record prefix.{LSR,IIR,MSR} (8 bits; side-effect-free views) and
 * prefix.{INTR,TX,RX} (1 bit; TX/RX are the serial lines bit by bit).
 * Call before the VCD's first change.  0 or negative errno.  vcd NULL stops
 * recording (do so before hw_vcd_close if the UART lives on). */
int hw_uart16550_trace(hw_uart16550 *uart, hw_vcd *vcd, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
