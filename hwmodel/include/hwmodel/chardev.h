/* hwmodel/chardev.h - character back ends for serial devices.
 *
 * A back end (test buffer, TCP listener, pty) implements the hw_chardev
 * callbacks; a front end (the UART) attaches to it with hw_chardev_attach and
 * receives input through the frontend callbacks.  The UART calls write_byte
 * when a character leaves its transmit shift register, at that virtual time.
 *
 * Modem lines use the MSR bit layout: HW_CHR_CTS, HW_CHR_DSR, HW_CHR_RI,
 * HW_CHR_DCD (inputs to the UART) and HW_CHR_DTR, HW_CHR_RTS (outputs).
 */
#ifndef HWMODEL_CHARDEV_H
#define HWMODEL_CHARDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hwmodel/clock.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    HW_CHR_CTS = 0x10, HW_CHR_DSR = 0x20, HW_CHR_RI = 0x40, HW_CHR_DCD = 0x80,
    HW_CHR_DTR = 0x01, HW_CHR_RTS = 0x02,
};

typedef struct hw_chardev hw_chardev;

typedef struct hw_chardev_frontend {
    /* bytes arriving from the outside world (queued by the front end) */
    void (*receive)(void *opaque, const uint8_t *bytes, size_t n);
    /* modem input lines (HW_CHR_CTS|DSR|RI|DCD) now at these levels; may be NULL */
    void (*set_modem_inputs)(void *opaque, unsigned lines);
} hw_chardev_frontend;

struct hw_chardev {
    /* --- implemented by the back end --- */
    void (*write_byte)(hw_chardev *chr, uint8_t byte);
    void (*set_break)(hw_chardev *chr, bool on);                /* may be NULL */
    void (*set_modem_outputs)(hw_chardev *chr, unsigned lines); /* may be NULL */
    void (*destroy)(hw_chardev *chr);
    /* --- owned by hw_chardev_attach --- */
    const hw_chardev_frontend *fe;
    void *fe_opaque;
    unsigned modem_inputs;     /* last lines reported, replayed on attach */
    /* --- owned by hw_chardev_set_tap: sees every transmitted byte, may be NULL --- */
    void (*tap)(void *opaque, uint8_t byte);
    void *tap_opaque;
};

/* Connect a front end (NULL detaches).  Replays the current modem inputs. */
void hw_chardev_attach(hw_chardev *chr, const hw_chardev_frontend *fe, void *opaque);
/* Called by back ends: hand input to the front end (dropped if none). */
void hw_chardev_receive(hw_chardev *chr, const uint8_t *bytes, size_t n);
void hw_chardev_set_modem_inputs(hw_chardev *chr, unsigned lines);
/* Called by front ends. */
void hw_chardev_write_byte(hw_chardev *chr, uint8_t byte);
/* Observe what the front end transmits, whatever the back end does with it (a
 * console showing a UART's output while a terminal is attached); NULL stops. */
void hw_chardev_set_tap(hw_chardev *chr, void (*tap)(void *opaque, uint8_t byte), void *opaque);
void hw_chardev_set_break(hw_chardev *chr, bool on);
void hw_chardev_set_modem_outputs(hw_chardev *chr, unsigned lines);
/* Destroy a back end.  libuv back ends close their handles; their memory is
 * released by the close callbacks, so run the loop once more afterwards. */
void hw_chardev_free(hw_chardev *chr);

/* ---- test buffer back end (chardev_buffer.c) ----
 * Captures transmitted bytes (with the virtual time of each if a clock is
 * given) and injects input.  Modem inputs start as CTS|DSR|DCD. */
hw_chardev *hw_chardev_buffer_new(const hw_clock *clock);
size_t hw_chardev_buffer_len(const hw_chardev *chr);
const uint8_t *hw_chardev_buffer_data(const hw_chardev *chr);
/* Time at which byte `index` left the transmitter (HW_TIME_NEVER if out of range). */
hw_time_t hw_chardev_buffer_time(const hw_chardev *chr, size_t index);
void hw_chardev_buffer_clear(hw_chardev *chr);
void hw_chardev_buffer_inject(hw_chardev *chr, const void *bytes, size_t n);
/* Last break state and modem outputs the front end reported. */
bool hw_chardev_buffer_break(const hw_chardev *chr);
unsigned hw_chardev_buffer_modem_outputs(const hw_chardev *chr);

/* ---- file back end (chardev_file.c) ----
 * Output only: every byte written goes to the file at `path` (created or
 * truncated).  NULL with *err a negative errno if it cannot be opened. */
hw_chardev *hw_chardev_file_new(const char *path, int *err);

/* ---- libuv back ends (chardev_tcp.c, chardev_pty.c) ----
 * Both run on a uv_loop_t the caller owns and drives, on the same thread as
 * the clock and the UART (no locking).  The loop is passed as void * so that
 * this header does not need <uv.h>. */

/* Listen on host:port (port 0 = ephemeral).  One client at a time; further
 * connections are refused (accepted and closed) while one is connected.  While
 * a client is connected the modem inputs are CTS|DSR|DCD, otherwise 0; bytes
 * transmitted with no client connected are dropped.  NULL on error, with
 * *err (if given) set to a negative errno / libuv error code. */
hw_chardev *hw_chardev_tcp_new(void *uv_loop, const char *host, int port, int *err);
/* The bound port (useful with port 0). */
int hw_chardev_tcp_port(const hw_chardev *chr);
bool hw_chardev_tcp_connected(const hw_chardev *chr);

/* A pseudo-terminal (posix_openpt); connect with e.g. `screen <name>`.  The
 * slave side is put in raw mode and held open so input is never lost to EIO. */
hw_chardev *hw_chardev_pty_new(void *uv_loop, int *err);
const char *hw_chardev_pty_name(const hw_chardev *chr);

#ifdef __cplusplus
}
#endif
#endif
