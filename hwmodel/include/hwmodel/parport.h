/* hwmodel/parport.h - PC parallel port (SPP, with a PS/2-style bidirectional
 * data direction bit) and a Centronics printer on the other end of the cable.
 *
 * Three registers at io_base (0x378, 0x278 or 0x3BC):
 *   +0 data     latch; reads the latch, or the cable (0xFF) with control bit 5
 *   +1 status   bit 7 nBUSY (the BUSY pin inverted), 6 nACK, 5 PE, 4 SELECT,
 *               3 nERROR, 2 nIRQ (0 after an acknowledge interrupt until status
 *               is read), 1 reserved (1), 0 EPP timeout (0)
 *   +2 control  bit 0 STROBE, 1 AUTOFD, 2 nINIT, 3 SELECTIN (bits 0,1,3 are
 *               inverted on the wire, so 1 = asserted), 4 IRQ enable,
 *               5 direction (1 = input); bits 6-7 read as 1
 * Printer timing: the printer latches the data byte when STROBE is asserted
 * and raises BUSY at once; busy_ns later it pulls nACK low for ack_ns; at the
 * end of the pulse nACK rises, BUSY drops and (IRQ enable set) the interrupt
 * line is pulsed.  Asserting nINIT (writing control bit 2 = 0) resets the printer:
 * it is busy while nINIT is low and for init_ns after.
 */
#ifndef HWMODEL_PARPORT_H
#define HWMODEL_PARPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/chardev.h"
#include "hwmodel/clock.h"
#include "hwmodel/fault.h"
#include "hwmodel/vcd.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { HW_PP_DATA = 0, HW_PP_STATUS = 1, HW_PP_CONTROL = 2 };
enum {
    HW_PP_STR_TIMEOUT = 0x01, HW_PP_STR_NIRQ = 0x04, HW_PP_STR_NERROR = 0x08, HW_PP_STR_SELECT = 0x10,
    HW_PP_STR_PE = 0x20, HW_PP_STR_NACK = 0x40, HW_PP_STR_NBUSY = 0x80,
};
enum {
    HW_PP_CTR_STROBE = 0x01, HW_PP_CTR_AUTOFD = 0x02, HW_PP_CTR_NINIT = 0x04, HW_PP_CTR_SELECTIN = 0x08,
    HW_PP_CTR_IRQEN = 0x10, HW_PP_CTR_DIR = 0x20,
};

#define HW_PP_BUSY_NS 5000u      /* printer busy after a strobe, before ACK */
#define HW_PP_ACK_NS 5000u       /* nACK pulse width */
#define HW_PP_INIT_NS 100000u    /* busy after an init pulse */

typedef struct hw_parport hw_parport;

typedef struct hw_parport_config {
    uint16_t io_base;            /* 0x378 */
    unsigned irq;                /* 7 */
    const char *name;            /* bus range name; NULL: "parport" */
    uint32_t busy_ns, ack_ns;    /* 0: defaults above */
} hw_parport_config;

hw_parport *hw_parport_new(hw_bus *bus, const hw_parport_config *cfg, int *err);
void hw_parport_free(hw_parport *pp);
/* The printer's output goes to a back end (buffer, file, TCP); not owned. */
void hw_parport_attach(hw_parport *pp, hw_chardev *chr);

uint8_t hw_parport_read(hw_parport *pp, unsigned reg);
void hw_parport_write(hw_parport *pp, unsigned reg, uint8_t value);

/* The printer's condition: paper out (PE, nERROR low, BUSY) and off line
 * (SELECT low, nERROR low, BUSY).  Both start false. */
void hw_parport_set_paper_out(hw_parport *pp, bool out);
void hw_parport_set_offline(hw_parport *pp, bool offline);
/* Bytes the printer accepted so far. */
uint64_t hw_parport_printed(const hw_parport *pp);

/* Faults (fault.h): SPURIOUS_IRQ pulses the line with no acknowledge;
 * LOSE_NEXT_IRQ swallows acknowledge interrupts; STUCK_BITS on HW_PP_STATUS or
 * HW_PP_DATA; NEVER_READY: the printer stays BUSY and ignores strobes. */
void hw_parport_inject(hw_parport *pp, const hw_fault *fault);
void hw_parport_clear_faults(hw_parport *pp);

/* Record prefix.{DATA (8), STROBE, BUSY, ACK (1 bit, wire levels active high)}. */
int hw_parport_trace(hw_parport *pp, hw_vcd *vcd, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
