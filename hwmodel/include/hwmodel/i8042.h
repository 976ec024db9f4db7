/* hwmodel/i8042.h - 8042 keyboard controller with a PS/2 keyboard (first port,
 * IRQ 1) and a PS/2 mouse (aux port, IRQ 12).
 *
 * Ports: data at data_port (0x60), status (read) / command (write) at
 * cmd_port (0x64).  Timing (see README.md):
 *   - a byte between a PS/2 device and the controller takes HW_I8042_PS2_BYTE_NS
 *     (11 bits at a 12.5 kHz device clock), in either direction;
 *   - the controller answers its own commands HW_I8042_CTRL_NS after the write,
 *     and IBF stays set for HW_I8042_IBF_NS after every write;
 *   - a device may only send while the output buffer is empty (the controller
 *     inhibits it otherwise); the next byte starts when OBF clears.
 * IRQ 1 / IRQ 12 are levels: high while OBF holds a keyboard or controller / an aux byte and the
 * command byte enables that interrupt.
 *
 * Key codes for the host API are set 1 make codes; extended keys carry 0xE0 in
 * the high byte (HW_KEY_UP = 0xE048).  The keyboard sends them in its current
 * scan code set (1 or 2); with translation on (command byte bit 6) the
 * controller turns set 2 into set 1 as a PC's does.
 */
#ifndef HWMODEL_I8042_H
#define HWMODEL_I8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/bus.h"
#include "hwmodel/clock.h"
#include "hwmodel/fault.h"
#include "hwmodel/vcd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HW_I8042_PS2_BYTE_NS 880000u   /* 11 bits x 80 us */
#define HW_I8042_CTRL_NS 20000u        /* controller answers its own commands */
#define HW_I8042_IBF_NS 5000u          /* input buffer busy after a write */
#define HW_I8042_BAT_NS 300000000u     /* power-on self test after a device reset */

/* register numbers for faults (HW_FAULT_STUCK_BITS reg) and hw_i8042_read/write */
enum { HW_I8042_DATA = 0, HW_I8042_STATUS = 1, HW_I8042_COMMAND = 1 };

/* status register */
enum {
    HW_I8042_STR_OBF = 0x01, HW_I8042_STR_IBF = 0x02, HW_I8042_STR_SYS = 0x04, HW_I8042_STR_A2 = 0x08,
    HW_I8042_STR_INH = 0x10, HW_I8042_STR_AUXB = 0x20, HW_I8042_STR_TIMEOUT = 0x40, HW_I8042_STR_PARITY = 0x80,
};
/* controller command byte */
enum {
    HW_I8042_CCB_KBDINT = 0x01, HW_I8042_CCB_AUXINT = 0x02, HW_I8042_CCB_SYS = 0x04,
    HW_I8042_CCB_KBDDIS = 0x10, HW_I8042_CCB_AUXDIS = 0x20, HW_I8042_CCB_XLAT = 0x40,
};

/* a few key codes (set 1 make codes; 0xE0xx extended) */
enum {
    HW_KEY_ESC = 0x01, HW_KEY_1 = 0x02, HW_KEY_2 = 0x03, HW_KEY_Q = 0x10, HW_KEY_ENTER = 0x1C,
    HW_KEY_LCTRL = 0x1D, HW_KEY_A = 0x1E, HW_KEY_LSHIFT = 0x2A, HW_KEY_Z = 0x2C, HW_KEY_SPACE = 0x39,
    HW_KEY_CAPSLOCK = 0x3A, HW_KEY_F1 = 0x3B, HW_KEY_F7 = 0x41, HW_KEY_F12 = 0x58,
    HW_KEY_KP_ENTER = 0xE01C, HW_KEY_RCTRL = 0xE01D, HW_KEY_UP = 0xE048, HW_KEY_LEFT = 0xE04B,
    HW_KEY_RIGHT = 0xE04D, HW_KEY_DOWN = 0xE050, HW_KEY_DELETE = 0xE053,
};

/* mouse buttons for hw_i8042_mouse_buttons */
enum { HW_MOUSE_LEFT = 1, HW_MOUSE_RIGHT = 2, HW_MOUSE_MIDDLE = 4, HW_MOUSE_BUTTON4 = 8, HW_MOUSE_BUTTON5 = 16 };

typedef struct hw_i8042 hw_i8042;

typedef struct hw_i8042_config {
    uint16_t data_port;   /* 0: 0x60 */
    uint16_t cmd_port;    /* 0: 0x64 */
    unsigned kbd_irq;     /* 1 */
    unsigned aux_irq;     /* 12 */
    bool     no_mouse;    /* aux port with nothing attached (commands time out) */
    /* Without it: command byte 0 (no interrupts, no translation).
     * With it, the state a PC BIOS leaves: command byte 0x47 (both
     * interrupts on, system flag, translation; mouse interface enabled),
     * keyboard scanning in set 2, mouse reset (reporting off). */
    bool     bios_init;
} hw_i8042_config;

/* NULL on error with *err a negative errno (-EBUSY: ports taken). */
hw_i8042 *hw_i8042_new(hw_bus *bus, const hw_i8042_config *cfg, int *err);
void hw_i8042_free(hw_i8042 *kbc);

/* CPU access with side effects: reg HW_I8042_DATA or HW_I8042_STATUS/COMMAND. */
uint8_t hw_i8042_read(hw_i8042 *kbc, unsigned reg);
void hw_i8042_write(hw_i8042 *kbc, unsigned reg, uint8_t value);

/* ---- the host side: a person at the keyboard and the mouse ---- */
/* Press or release a key (set 1 make code, 0xE0xx for extended keys).  A held
 * key repeats at the typematic rate after the typematic delay. false: unknown key. */
bool hw_i8042_key(hw_i8042 *kbc, unsigned key, bool pressed);
/* Motion (dx right, dy up, dz wheel towards the user positive as PS/2 reports) */
void hw_i8042_mouse_move(hw_i8042 *kbc, int dx, int dy, int dz);
void hw_i8042_mouse_buttons(hw_i8042 *kbc, unsigned buttons);

/* ---- inspection ---- */
uint8_t hw_i8042_command_byte(const hw_i8042 *kbc);
uint8_t hw_i8042_leds(const hw_i8042 *kbc);          /* bit 0 scroll, 1 num, 2 caps */
unsigned hw_i8042_scan_set(const hw_i8042 *kbc);      /* 1 or 2 */
unsigned hw_i8042_mouse_id(const hw_i8042 *kbc);      /* 0, 3 (wheel) or 4 (5 buttons) */
bool hw_i8042_mouse_reporting(const hw_i8042 *kbc);
unsigned hw_i8042_mouse_rate(const hw_i8042 *kbc);
/* Typematic period and delay in ns as last programmed (0xF3). */
hw_time_t hw_i8042_typematic_period(const hw_i8042 *kbc);
hw_time_t hw_i8042_typematic_delay(const hw_i8042 *kbc);
/* CPU reset requests (command 0xFE or output port bit 0 cleared). */
unsigned hw_i8042_reset_requests(const hw_i8042 *kbc);
/* Virtual time at which the last byte entered the output buffer. */
hw_time_t hw_i8042_last_obf_time(const hw_i8042 *kbc);

/* Set 1 <-> set 2 codes of a key (false if the key has none). */
bool hw_i8042_set2_code(unsigned key, uint8_t *code, bool *extended);

/* Faults (fault.h).  SPURIOUS_IRQ raises IRQ 1 (IRQ 12 when `reg` is 12) with
 * the output buffer empty; the next read of either port drops it.
 * LOSE_NEXT_IRQ swallows the next `count` interrupts (OBF still sets).
 * STUCK_BITS: reg HW_I8042_DATA or HW_I8042_STATUS.  NEVER_READY: the input
 * buffer never empties again (IBF stays set, writes are ignored). */
void hw_i8042_inject(hw_i8042 *kbc, const hw_fault *fault);
void hw_i8042_clear_faults(hw_i8042 *kbc);

/* Record prefix.{STATUS (8 bits), DATA (8 bits, the output buffer), IRQ1, IRQ12}. */
int hw_i8042_trace(hw_i8042 *kbc, hw_vcd *vcd, const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
