/* hwmodel/i8237.h - the PC/AT pair of 8237A DMA controllers and their page registers.
 *
 * Controller 1 (channels 0-3, byte transfers) at ports 0x00-0x0F, controller 2
 * (channels 4-7, word transfers; channel 4 cascades controller 1) at 0xC0-0xDF
 * (register i at 0xC0 + 2*i), page registers at 0x81-0x8F (channel 0 0x87,
 * 1 0x83, 2 0x81, 3 0x82, 5 0x8B, 6 0x89, 7 0x8A, 4/refresh 0x8F; the others
 * are scratch bytes, as on an AT).
 *
 * A device drives a channel's DREQ through hw_i8237_transfer(): the channel
 * moves as many units as the device offers (or up to terminal count) between
 * the device's buffer and simulated physical memory (hwmodel/physmem), and
 * reports terminal count, which is the device's TC/EOP input.  Transfer
 * pacing is the device's business (a floppy controller asks for a sector at
 * the time its data crosses the head); the 8237 adds no time of its own.
 * See README.md for the register-level behaviour.
 */
#ifndef HWMODEL_I8237_H
#define HWMODEL_I8237_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/physmem.h"

#ifdef __cplusplus
extern "C" {
#endif

/* register numbers inside one controller (port = base + reg, or base + 2*reg for controller 2) */
enum {
    HW_I8237_STATUS = 8, HW_I8237_COMMAND = 8, HW_I8237_REQUEST = 9, HW_I8237_SINGLE_MASK = 10,
    HW_I8237_MODE = 11, HW_I8237_CLEAR_FLIPFLOP = 12, HW_I8237_MASTER_CLEAR = 13, HW_I8237_TEMP = 13,
    HW_I8237_CLEAR_MASK = 14, HW_I8237_ALL_MASK = 15,
};
/* mode register */
enum {
    HW_I8237_MODE_VERIFY = 0x00, HW_I8237_MODE_WRITE = 0x04 /* device -> memory */,
    HW_I8237_MODE_READ = 0x08 /* memory -> device */, HW_I8237_MODE_XFER_MASK = 0x0C,
    HW_I8237_MODE_AUTOINIT = 0x10, HW_I8237_MODE_DECREMENT = 0x20,
    HW_I8237_MODE_DEMAND = 0x00, HW_I8237_MODE_SINGLE = 0x40, HW_I8237_MODE_BLOCK = 0x80,
    HW_I8237_MODE_CASCADE = 0xC0, HW_I8237_MODE_MODE_MASK = 0xC0,
};
/* command register */
enum { HW_I8237_CMD_MEM_TO_MEM = 0x01, HW_I8237_CMD_DISABLE = 0x04 };

typedef struct hw_i8237 hw_i8237;

typedef struct hw_i8237_config {
    /* set channel 4 to cascade mode and unmask it, as a PC BIOS leaves it; without
     * it channels 0-3 cannot reach the bus until software does so */
    bool bios_init;
} hw_i8237_config;

/* Maps 0x00-0x0F, 0xC0-0xDF and 0x81-0x8F; NULL with *err -EBUSY if taken. */
hw_i8237 *hw_i8237_new(hw_bus *bus, hw_physmem *ram, const hw_i8237_config *cfg, int *err);
void hw_i8237_free(hw_i8237 *dma);

/* Register access without a bus: controller 0 or 1, reg 0..15; page registers by port. */
uint8_t hw_i8237_read(hw_i8237 *dma, unsigned controller, unsigned reg);
void hw_i8237_write(hw_i8237 *dma, unsigned controller, unsigned reg, uint8_t value);
uint8_t hw_i8237_page_read(hw_i8237 *dma, uint16_t port);
void hw_i8237_page_write(hw_i8237 *dma, uint16_t port, uint8_t value);

/* Device side.  DREQ on `channel` for up to `length` bytes.  For a write
 * transfer (mode 01) the bytes come from buf and go to memory; for a read
 * transfer (10) they come from memory into buf; verify (00) counts without
 * moving data.  Word channels (5-7) move whole 16-bit words only.
 * Returns the bytes moved: 0 while the channel is masked, the controller is
 * disabled, the channel is in cascade mode or controller 2's channel 4 does not
 * cascade (the request then shows in the status register).  *tc (if given) is
 * set when terminal count was reached by this transfer.  Memory that no region
 * backs reads as 0xFF and ignores writes; such bytes are counted in
 * hw_i8237_bus_errors(). */
size_t hw_i8237_transfer(hw_i8237 *dma, unsigned channel, uint8_t *buf, size_t length, bool *tc);
/* Drop a DREQ the device withdrew without being served. */
void hw_i8237_release(hw_i8237 *dma, unsigned channel);

/* Host views for tests and the simulator (no side effects). */
uint8_t hw_i8237_mode(const hw_i8237 *dma, unsigned channel);
bool hw_i8237_masked(const hw_i8237 *dma, unsigned channel);
/* current address as a physical byte address, and the remaining units (count + 1, 0 after TC without auto-init) */
uint32_t hw_i8237_current_address(const hw_i8237 *dma, unsigned channel);
uint32_t hw_i8237_remaining(const hw_i8237 *dma, unsigned channel);
uint64_t hw_i8237_bus_errors(const hw_i8237 *dma);

#ifdef __cplusplus
}
#endif
#endif
