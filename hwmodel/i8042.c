/* hwmodel/i8042.c - 8042 keyboard controller, PS/2 keyboard, PS/2 mouse.
 *
 * Three byte sources feed the one output buffer (OB): the controller's own
 * answers, the keyboard and the mouse.  Each source is a queue of bytes; the
 * head of a device queue is "on the wire" from the moment the controller stops
 * inhibiting the device (OB empty, port enabled) and lands HW_I8042_PS2_BYTE_NS
 * later.  One timer holds the earliest landing; when it fires the byte enters
 * OB (translated from set 2 to set 1 if the command byte says so for keyboard
 * bytes) and the interrupt line rises.  Controller answers bypass the wire and
 * come first.  Typematic repeat and mouse sampling each have a timer of their
 * own; nothing ticks. */
#include "hwmodel/i8042.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QLEN 32
#define SRC_CTRL 0
#define SRC_KBD 1
#define SRC_AUX 2

typedef struct byteq {
    uint8_t   b[QLEN];
    hw_time_t ready[QLEN];   /* the device has the byte ready to send from then on */
    unsigned  head, len;
    hw_time_t lands;         /* head byte's arrival, HW_TIME_NEVER if not sent yet */
} byteq;

struct hw_i8042 {
    hw_bus   *bus;
    hw_clock *clock;
    uint16_t  data_port, cmd_port;
    bool      mapped_data, mapped_cmd;
    hw_irq    irq_kbd, irq_aux;
    hw_timer  wire_timer, typematic_timer, sample_timer;

    /* controller */
    uint8_t   ccb;                /* command byte */
    uint8_t   ram[32];            /* internal RAM (0 is the command byte) */
    uint8_t   ob;                 /* output buffer */
    int       ob_src;             /* -1: empty */
    bool      a2;                 /* last write was to the command port */
    hw_time_t ibf_until;
    uint8_t   pending_cmd;        /* command waiting for a data byte (0: none) */
    uint8_t   outport;
    unsigned  resets;
    bool      timeout, no_mouse;
    hw_time_t last_obf;
    byteq     q[3];
    bool      xlat_break;         /* translation: a set 2 break prefix waiting for its code */
    hw_time_t kbd_busy, aux_busy; /* a device answers no earlier than this */

    /* keyboard */
    unsigned  kbd_set;
    bool      kbd_scanning;
    uint8_t   kbd_param_cmd;      /* 0xED/0xF3/0xF0 waiting for its parameter */
    uint8_t   kbd_last_sent;
    uint8_t   leds;
    uint8_t   typematic;          /* 0xF3 value */
    unsigned  held_key;           /* repeating key, 0 none */

    /* mouse */
    unsigned  m_id, m_rate, m_res;
    bool      m_scaling21, m_reporting, m_remote, m_wrap;
    uint8_t   m_param_cmd;
    uint8_t   m_last_sent;
    unsigned  m_rates[3];         /* last three sample rates set, newest last */
    unsigned  m_buttons;
    int       m_dx, m_dy, m_dz;
    bool      m_dirty;
    hw_time_t m_next_sample;

    /* faults */
    hw_fault  fault;
    unsigned  lose_irqs;
    bool      spurious[2];
    bool      never_ready;

    /* tracing */
    hw_vcd   *vcd;
    int       sig_status, sig_data, sig_irq1, sig_irq12;
};

/* ---------- scan codes ---------- */

/* set 2 code of each set 1 code 0x00..0x5D (0: none).  Extended keys use the
 * same second byte after 0xE0 in both sets. */
static const uint8_t set1_to_set2[0x5E] = {
    0x00, 0x76, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55, 0x66, 0x0D,
    0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5A, 0x14, 0x1C, 0x1B,
    0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52, 0x0E, 0x12, 0x5D, 0x1A, 0x22, 0x21, 0x2A,
    0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A, 0x59, 0x7C, 0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0C, 0x03,
    0x0B, 0x83, 0x0A, 0x01, 0x09, 0x77, 0x7E, 0x6C, 0x75, 0x7D, 0x7B, 0x6B, 0x73, 0x74, 0x79, 0x69,
    0x72, 0x7A, 0x70, 0x71, 0x00, 0x00, 0x61, 0x78, 0x07, 0x00, 0x00, 0x1F, 0x27, 0x2F,
};

/* the controller's translation table: set 2 byte -> set 1 byte (0: pass through) */
static uint8_t set2_to_set1[256];

static void build_translation(void)
{
    if (set2_to_set1[0x1C])
        return;
    for (unsigned s1 = 1; s1 < sizeof(set1_to_set2); s1++)
        if (set1_to_set2[s1])
            set2_to_set1[set1_to_set2[s1]] = (uint8_t)s1;
}

bool hw_i8042_set2_code(unsigned key, uint8_t *code, bool *extended)
{
    bool ext = (key >> 8) == 0xE0;
    unsigned s1 = key & 0xFF;
    if ((key >> 8) && !ext)
        return false;
    if (s1 == 0 || s1 >= sizeof(set1_to_set2) || !set1_to_set2[s1])
        return false;
    *code = set1_to_set2[s1];
    *extended = ext;
    return true;
}

/* ---------- time, interrupt lines, tracing ---------- */

static hw_time_t now_of(const hw_i8042 *k) { return hw_clock_now(k->clock); }

static uint8_t status_view(const hw_i8042 *k)
{
    uint8_t s = (uint8_t)(HW_I8042_STR_INH | (k->ccb & HW_I8042_CCB_SYS));
    if (k->ob_src >= 0)
        s |= HW_I8042_STR_OBF;
    if (k->ob_src == SRC_AUX)
        s |= HW_I8042_STR_AUXB;
    if (k->never_ready || now_of(k) < k->ibf_until)
        s |= HW_I8042_STR_IBF;
    if (k->a2)
        s |= HW_I8042_STR_A2;
    if (k->timeout)
        s |= HW_I8042_STR_TIMEOUT;
    return s;
}

static void update_irqs(hw_i8042 *k)
{
    /* as on the chip: IRQ 1 follows OBF unless the byte came from the aux port */
    int kbd = (k->ob_src == SRC_KBD || k->ob_src == SRC_CTRL) && (k->ccb & HW_I8042_CCB_KBDINT);
    int aux = k->ob_src == SRC_AUX && (k->ccb & HW_I8042_CCB_AUXINT);
    /* a lost interrupt: the line does not rise for this byte */
    if (k->lose_irqs && ((kbd && !k->irq_kbd.level) || (aux && !k->irq_aux.level))) {
        k->lose_irqs--;
        kbd = aux = 0;
    }
    kbd |= k->spurious[0];
    aux |= k->spurious[1];
    hw_irq_set(&k->irq_kbd, kbd);
    hw_irq_set(&k->irq_aux, aux);
    if (k->vcd) {
        hw_time_t t = now_of(k);
        hw_vcd_change(k->vcd, k->sig_status, t, status_view(k));
        hw_vcd_change(k->vcd, k->sig_data, t, k->ob);
        hw_vcd_change(k->vcd, k->sig_irq1, t, (uint64_t)kbd);
        hw_vcd_change(k->vcd, k->sig_irq12, t, (uint64_t)aux);
    }
}

/* ---------- the wire: queues into the output buffer ---------- */

static bool port_enabled(const hw_i8042 *k, int src)
{
    if (src == SRC_KBD)
        return !(k->ccb & HW_I8042_CCB_KBDDIS);
    if (src == SRC_AUX)
        return !(k->ccb & HW_I8042_CCB_AUXDIS);
    return true;
}

static void schedule_wire(hw_i8042 *k)
{
    hw_time_t next = HW_TIME_NEVER, now = now_of(k);
    for (int s = 0; s < 3; s++) {
        byteq *q = &k->q[s];
        if (!q->len)
            continue;
        /* a device starts sending once it is no longer inhibited */
        if (q->lands == HW_TIME_NEVER && s != SRC_CTRL && k->ob_src < 0 && port_enabled(k, s)) {
            hw_time_t ready = q->ready[q->head];
            q->lands = (ready > now ? ready : now) + HW_I8042_PS2_BYTE_NS;
        }
        if (q->lands < next)
            next = q->lands;
    }
    if (next == HW_TIME_NEVER)
        hw_timer_del(&k->wire_timer);
    else
        hw_timer_mod(&k->wire_timer, next);
}

/* Queue a byte that its source has ready at `ready`.  Controller bytes land
 * at `ready` itself; device bytes cross the wire first (schedule_wire). */
static void q_push(hw_i8042 *k, int src, uint8_t b, hw_time_t ready)
{
    byteq *q = &k->q[src];
    if (q->len == QLEN) {
        /* the device's buffer overflowed: the byte is lost, and a keyboard marks
         * the loss with its overrun code in the last place (set 1: 0xFF, set 2: 0x00) */
        if (src == SRC_KBD)
            q->b[(q->head + QLEN - 1) % QLEN] = k->kbd_set == 1 ? 0xFF : 0x00;
        return;
    }
    unsigned i = (q->head + q->len++) % QLEN;
    q->b[i] = b;
    q->ready[i] = ready;
    if (q->len == 1)
        q->lands = src == SRC_CTRL ? ready : HW_TIME_NEVER;
    schedule_wire(k);
}

static uint8_t q_pop(byteq *q, int src)
{
    uint8_t b = q->b[q->head];
    q->head = (q->head + 1) % QLEN;
    q->len--;
    q->lands = src == SRC_CTRL && q->len ? q->ready[q->head] : HW_TIME_NEVER;
    return b;
}

static void q_flush(byteq *q)
{
    q->len = 0;
    q->lands = HW_TIME_NEVER;
}

static void ctrl_answer(hw_i8042 *k, uint8_t b)
{
    q_push(k, SRC_CTRL, b, now_of(k) + HW_I8042_CTRL_NS);
}

static hw_time_t later(hw_time_t a, hw_time_t b) { return a > b ? a : b; }

static void kbd_send(hw_i8042 *k, uint8_t b)
{
    k->kbd_last_sent = b;
    q_push(k, SRC_KBD, b, later(now_of(k), k->kbd_busy));
}

static void aux_send(hw_i8042 *k, uint8_t b)
{
    k->m_last_sent = b;
    q_push(k, SRC_AUX, b, later(now_of(k), k->aux_busy));
}

static bool load_ob(hw_i8042 *k, int src)
{
    byteq *q = &k->q[src];
    uint8_t b = q_pop(q, src);
    if (src == SRC_KBD && (k->ccb & HW_I8042_CCB_XLAT)) {
        if (b == 0xF0) {               /* swallowed; sets bit 7 of the next code */
            k->xlat_break = true;
            return false;
        }
        if (set2_to_set1[b])
            b = set2_to_set1[b];
        if (k->xlat_break)
            b |= 0x80;
        k->xlat_break = false;
    }
    k->ob = b;
    k->ob_src = src;
    k->last_obf = now_of(k);
    return true;
}

static void wire_cb(void *opaque)
{
    hw_i8042 *k = opaque;
    hw_time_t now = now_of(k);
    if (k->ob_src < 0) {
        /* controller first, then keyboard, then mouse; a swallowed break prefix
         * loads nothing, and the keyboard's next byte starts on the wire */
        for (int s = 0; s < 3; s++) {
            byteq *q = &k->q[s];
            if (q->len && q->lands <= now && load_ob(k, s))
                break;
        }
        update_irqs(k);
    }
    schedule_wire(k);
}

/* ---------- keyboard ---------- */

static hw_time_t typematic_delay(uint8_t v) { return (hw_time_t)(((v >> 5) & 3) + 1) * 250000000u; }

/* period = (8 + A) * 2^B * 4.17 ms, A = bits 0-2, B = bits 3-4 */
static hw_time_t typematic_period(uint8_t v)
{
    return (hw_time_t)(8 + (v & 7)) * (1u << ((v >> 3) & 3)) * 4170000u;
}

static void kbd_defaults(hw_i8042 *k)
{
    k->typematic = 0x2B;               /* 10.9 characters/s after 500 ms */
    k->kbd_set = 2;
    k->held_key = 0;
    hw_timer_del(&k->typematic_timer);
}

static void kbd_send_key(hw_i8042 *k, unsigned key, bool pressed)
{
    bool ext;
    uint8_t code;
    if (!hw_i8042_set2_code(key, &code, &ext))
        return;
    if (k->kbd_set == 1) {
        if (ext)
            kbd_send(k, 0xE0);
        kbd_send(k, (uint8_t)((key & 0x7F) | (pressed ? 0 : 0x80)));
        return;
    }
    if (ext)
        kbd_send(k, 0xE0);
    if (!pressed)
        kbd_send(k, 0xF0);
    kbd_send(k, code);
}

static void typematic_cb(void *opaque)
{
    hw_i8042 *k = opaque;
    if (!k->held_key || !k->kbd_scanning)
        return;
    kbd_send_key(k, k->held_key, true);
    hw_timer_mod(&k->typematic_timer, now_of(k) + typematic_period(k->typematic));
}

bool hw_i8042_key(hw_i8042 *k, unsigned key, bool pressed)
{
    bool ext;
    uint8_t code;
    if (!hw_i8042_set2_code(key, &code, &ext))
        return false;
    if (!k->kbd_scanning)
        return true;                   /* a disabled keyboard ignores keys */
    kbd_send_key(k, key, pressed);
    if (pressed) {
        k->held_key = key;
        hw_timer_mod(&k->typematic_timer, now_of(k) + typematic_delay(k->typematic));
    } else if (k->held_key == key) {
        k->held_key = 0;
        hw_timer_del(&k->typematic_timer);
    }
    return true;
}

static void kbd_reset(hw_i8042 *k)
{
    kbd_defaults(k);
    k->leds = 0;
    k->kbd_scanning = true;
    k->kbd_param_cmd = 0;
}

/* A byte the CPU sent to the keyboard, received by it at `arrive`. */
static void kbd_command(hw_i8042 *k, uint8_t c)
{
    k->kbd_busy = now_of(k) + HW_I8042_PS2_BYTE_NS;  /* host -> device transfer */
    /* a new command (not a parameter, resend or echo) flushes the keyboard's output */
    if (!k->kbd_param_cmd && c != 0xFE && c != 0xEE)
        q_flush(&k->q[SRC_KBD]);
    if (k->kbd_param_cmd) {
        uint8_t cmd = k->kbd_param_cmd;
        k->kbd_param_cmd = 0;
        if (cmd == 0xED) {
            k->leds = c & 7;
        } else if (cmd == 0xF3) {
            k->typematic = c & 0x7F;
        } else if (cmd == 0xF0) {
            if (c == 0) {
                kbd_send(k, 0xFA);
                kbd_send(k, (uint8_t)k->kbd_set);
                return;
            }
            if (c != 1 && c != 2) {
                kbd_send(k, 0xFE);     /* set 3 is not offered */
                return;
            }
            k->kbd_set = c;
        }
        kbd_send(k, 0xFA);
        return;
    }
    switch (c) {
    case 0xED: case 0xF3: case 0xF0:
        k->kbd_param_cmd = c;
        kbd_send(k, 0xFA);
        break;
    case 0xEE:
        kbd_send(k, 0xEE);             /* echo */
        break;
    case 0xF2:                         /* identify: MF2 keyboard */
        kbd_send(k, 0xFA);
        kbd_send(k, 0xAB);
        kbd_send(k, 0x83);
        break;
    case 0xF4:
        k->kbd_scanning = true;
        kbd_send(k, 0xFA);
        break;
    case 0xF5:
        kbd_defaults(k);
        k->kbd_scanning = false;
        kbd_send(k, 0xFA);
        break;
    case 0xF6:
        kbd_defaults(k);
        kbd_send(k, 0xFA);
        break;
    case 0xFE:
        kbd_send(k, k->kbd_last_sent);
        break;
    case 0xFF:
        kbd_reset(k);
        kbd_send(k, 0xFA);
        k->kbd_busy += HW_I8042_BAT_NS;  /* the BAT result follows the self test */
        kbd_send(k, 0xAA);
        break;
    default:
        kbd_send(k, 0xFE);
        break;
    }
}

/* ---------- mouse ---------- */

static void mouse_defaults(hw_i8042 *k)
{
    k->m_rate = 100;
    k->m_res = 2;
    k->m_scaling21 = false;
    k->m_reporting = false;
    k->m_remote = false;
    k->m_dx = k->m_dy = k->m_dz = 0;
    k->m_dirty = false;
    hw_timer_del(&k->sample_timer);
}

static int clamp9(int v, bool *overflow)
{
    *overflow = v > 255 || v < -256;
    return v > 255 ? 255 : v < -256 ? -256 : v;
}

static void mouse_packet(hw_i8042 *k)
{
    bool ox, oy;
    int dx = clamp9(k->m_dx, &ox), dy = clamp9(k->m_dy, &oy);
    int dz = k->m_dz > 7 ? 7 : k->m_dz < -8 ? -8 : k->m_dz;
    uint8_t b0 = (uint8_t)(0x08 | (k->m_buttons & HW_MOUSE_LEFT ? 1 : 0) | (k->m_buttons & HW_MOUSE_RIGHT ? 2 : 0) |
                           (k->m_buttons & HW_MOUSE_MIDDLE ? 4 : 0) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0) |
                           (ox ? 0x40 : 0) | (oy ? 0x80 : 0));
    aux_send(k, b0);
    aux_send(k, (uint8_t)dx);
    aux_send(k, (uint8_t)dy);
    if (k->m_id == 3)
        aux_send(k, (uint8_t)(int8_t)dz);
    else if (k->m_id == 4)
        aux_send(k, (uint8_t)((dz & 0x0F) | (k->m_buttons & HW_MOUSE_BUTTON4 ? 0x10 : 0) |
                              (k->m_buttons & HW_MOUSE_BUTTON5 ? 0x20 : 0)));
    k->m_dx = k->m_dy = k->m_dz = 0;
    k->m_dirty = false;
}

static hw_time_t sample_period(const hw_i8042 *k) { return 1000000000u / (k->m_rate ? k->m_rate : 100); }

static void sample_cb(void *opaque)
{
    hw_i8042 *k = opaque;
    if (!k->m_dirty || !k->m_reporting || k->m_remote)
        return;
    mouse_packet(k);
    k->m_next_sample = now_of(k) + sample_period(k);
}

static void mouse_changed(hw_i8042 *k)
{
    k->m_dirty = true;
    if (!k->m_reporting || k->m_remote || k->no_mouse || hw_timer_pending(&k->sample_timer))
        return;
    hw_time_t t = now_of(k);
    hw_timer_mod(&k->sample_timer, k->m_next_sample > t ? k->m_next_sample : t);
}

void hw_i8042_mouse_move(hw_i8042 *k, int dx, int dy, int dz)
{
    k->m_dx += dx;
    k->m_dy += dy;
    k->m_dz += dz;
    mouse_changed(k);
}

void hw_i8042_mouse_buttons(hw_i8042 *k, unsigned buttons)
{
    k->m_buttons = buttons;
    mouse_changed(k);
}

/* IntelliMouse detection: sample rates 200, 100, 80 give ID 3; then 200, 200, 80 give ID 4. */
static void mouse_rate_set(hw_i8042 *k, unsigned rate)
{
    k->m_rate = rate;
    k->m_rates[0] = k->m_rates[1];
    k->m_rates[1] = k->m_rates[2];
    k->m_rates[2] = rate;
    if (k->m_rates[0] == 200 && k->m_rates[1] == 100 && k->m_rates[2] == 80 && k->m_id == 0)
        k->m_id = 3;
    else if (k->m_rates[0] == 200 && k->m_rates[1] == 200 && k->m_rates[2] == 80 && k->m_id == 3)
        k->m_id = 4;
}

static void mouse_reset(hw_i8042 *k)
{
    mouse_defaults(k);
    k->m_id = 0;
    k->m_param_cmd = 0;
    k->m_wrap = false;
    memset(k->m_rates, 0, sizeof(k->m_rates));
}

static bool valid_rate(unsigned r)
{
    return r == 10 || r == 20 || r == 40 || r == 60 || r == 80 || r == 100 || r == 200;
}

static void mouse_command(hw_i8042 *k, uint8_t c)
{
    k->aux_busy = now_of(k) + HW_I8042_PS2_BYTE_NS;
    if (k->m_param_cmd) {
        uint8_t cmd = k->m_param_cmd;
        k->m_param_cmd = 0;
        if (cmd == 0xF3) {
            if (!valid_rate(c)) {
                aux_send(k, 0xFE);
                return;
            }
            mouse_rate_set(k, c);
        } else {
            if (c > 3) {
                aux_send(k, 0xFE);
                return;
            }
            k->m_res = c;
        }
        aux_send(k, 0xFA);
        return;
    }
    if (k->m_wrap && c != 0xEC && c != 0xFF) {
        aux_send(k, c);                /* wrap mode echoes */
        return;
    }
    switch (c) {
    case 0xE6: k->m_scaling21 = false; aux_send(k, 0xFA); break;
    case 0xE7: k->m_scaling21 = true; aux_send(k, 0xFA); break;
    case 0xE8: case 0xF3:
        k->m_param_cmd = c;
        aux_send(k, 0xFA);
        break;
    case 0xE9:                         /* status request */
        aux_send(k, 0xFA);
        aux_send(k, (uint8_t)((k->m_remote ? 0x40 : 0) | (k->m_reporting ? 0x20 : 0) | (k->m_scaling21 ? 0x10 : 0) |
                              (k->m_buttons & HW_MOUSE_LEFT ? 4 : 0) | (k->m_buttons & HW_MOUSE_MIDDLE ? 2 : 0) |
                              (k->m_buttons & HW_MOUSE_RIGHT ? 1 : 0)));
        aux_send(k, (uint8_t)k->m_res);
        aux_send(k, (uint8_t)k->m_rate);
        break;
    case 0xEA: k->m_remote = false; aux_send(k, 0xFA); break;
    case 0xF0: k->m_remote = true; aux_send(k, 0xFA); break;
    case 0xEB:                         /* read data (remote mode) */
        aux_send(k, 0xFA);
        mouse_packet(k);
        break;
    case 0xEC: k->m_wrap = false; aux_send(k, 0xFA); break;
    case 0xEE: k->m_wrap = true; aux_send(k, 0xFA); break;
    case 0xF2:
        aux_send(k, 0xFA);
        aux_send(k, (uint8_t)k->m_id);
        break;
    case 0xF4: k->m_reporting = true; aux_send(k, 0xFA); break;
    case 0xF5: k->m_reporting = false; aux_send(k, 0xFA); break;
    case 0xF6: mouse_defaults(k); aux_send(k, 0xFA); break;
    case 0xFE: aux_send(k, k->m_last_sent); break;
    case 0xFF:
        q_flush(&k->q[SRC_AUX]);
        mouse_reset(k);
        aux_send(k, 0xFA);
        k->aux_busy += HW_I8042_BAT_NS;
        aux_send(k, 0xAA);
        aux_send(k, 0x00);
        break;
    default:
        aux_send(k, 0xFE);
        break;
    }
}

/* ---------- controller ---------- */

static void set_ccb(hw_i8042 *k, uint8_t v)
{
    k->ccb = v;
    k->ram[0] = v;
    update_irqs(k);
    schedule_wire(k);
}

static void ctrl_command(hw_i8042 *k, uint8_t c)
{
    k->timeout = false;
    if (c == 0x20 || (c > 0x20 && c < 0x40)) {
        ctrl_answer(k, c == 0x20 ? k->ccb : k->ram[c & 0x1F]);
        return;
    }
    if (c >= 0x60 && c < 0x80) {
        k->pending_cmd = c;
        return;
    }
    switch (c) {
    case 0xA7: set_ccb(k, k->ccb | HW_I8042_CCB_AUXDIS); break;
    case 0xA8: set_ccb(k, k->ccb & ~HW_I8042_CCB_AUXDIS); break;
    case 0xA9: ctrl_answer(k, k->no_mouse ? 0x02 : 0x00); break;   /* 02: clock line stuck low */
    case 0xAA:                                                   /* self test */
        set_ccb(k, k->ccb | HW_I8042_CCB_SYS);
        ctrl_answer(k, 0x55);
        break;
    case 0xAB: ctrl_answer(k, 0x00); break;
    case 0xAD: set_ccb(k, k->ccb | HW_I8042_CCB_KBDDIS); break;
    case 0xAE: set_ccb(k, k->ccb & ~HW_I8042_CCB_KBDDIS); break;
    case 0xC0: ctrl_answer(k, 0xBF); break;       /* input port: keyboard not locked */
    case 0xD0: ctrl_answer(k, k->outport); break;
    case 0xD1: case 0xD2: case 0xD3: case 0xD4:
        k->pending_cmd = c;
        break;
    case 0xE0: ctrl_answer(k, 0x00); break;
    default:
        if (c >= 0xF0) {               /* pulse output lines; bit 0 low = CPU reset */
            if (!(c & 1))
                k->resets++;
        }
        break;
    }
}

static void ctrl_data(hw_i8042 *k, uint8_t v)
{
    uint8_t cmd = k->pending_cmd;
    k->pending_cmd = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        if (cmd == 0x60)
            set_ccb(k, v);
        else
            k->ram[cmd & 0x1F] = v;
        return;
    }
    switch (cmd) {
    case 0xD1:
        if (!(v & 1))
            k->resets++;
        k->outport = v;
        return;
    case 0xD2:                         /* as if the keyboard sent it */
        kbd_send(k, v);
        return;
    case 0xD3:                         /* as if the mouse sent it */
        aux_send(k, v);
        return;
    case 0xD4:
        if (k->no_mouse) {
            k->timeout = true;
            ctrl_answer(k, 0xFE);
            return;
        }
        /* writing to the mouse enables its interface, as on most controllers (and as a
         * byte for the keyboard enables the keyboard's, below): the mouse can answer */
        if (k->ccb & HW_I8042_CCB_AUXDIS)
            set_ccb(k, k->ccb & ~HW_I8042_CCB_AUXDIS);
        mouse_command(k, v);
        return;
    default:
        /* a byte for the keyboard */
        if (k->ccb & HW_I8042_CCB_KBDDIS)
            set_ccb(k, k->ccb & ~HW_I8042_CCB_KBDDIS);
        kbd_command(k, v);
        return;
    }
}

uint8_t hw_i8042_read(hw_i8042 *k, unsigned reg)
{
    if (k->spurious[0] || k->spurious[1]) {
        k->spurious[0] = k->spurious[1] = false;
        update_irqs(k);
    }
    if (reg == HW_I8042_STATUS)
        return (uint8_t)hw_fault_apply_stuck(&k->fault, HW_I8042_STATUS, status_view(k));
    uint8_t v = k->ob;
    if (k->ob_src >= 0) {
        k->ob_src = -1;
        update_irqs(k);
        schedule_wire(k);
    }
    return (uint8_t)hw_fault_apply_stuck(&k->fault, HW_I8042_DATA, v);
}

void hw_i8042_write(hw_i8042 *k, unsigned reg, uint8_t v)
{
    if (k->never_ready)
        return;                        /* the controller never takes the byte */
    k->ibf_until = now_of(k) + HW_I8042_IBF_NS;
    k->a2 = reg == HW_I8042_COMMAND;
    if (reg == HW_I8042_COMMAND) {
        k->pending_cmd = 0;
        ctrl_command(k, v);
    } else {
        ctrl_data(k, v);
    }
    if (k->vcd)
        update_irqs(k);
}

/* ---------- inspection ---------- */

uint8_t hw_i8042_command_byte(const hw_i8042 *k) { return k->ccb; }
uint8_t hw_i8042_leds(const hw_i8042 *k) { return k->leds; }
unsigned hw_i8042_scan_set(const hw_i8042 *k) { return k->kbd_set; }
unsigned hw_i8042_mouse_id(const hw_i8042 *k) { return k->m_id; }
bool hw_i8042_mouse_reporting(const hw_i8042 *k) { return k->m_reporting; }
unsigned hw_i8042_mouse_rate(const hw_i8042 *k) { return k->m_rate; }
hw_time_t hw_i8042_typematic_period(const hw_i8042 *k) { return typematic_period(k->typematic); }
hw_time_t hw_i8042_typematic_delay(const hw_i8042 *k) { return typematic_delay(k->typematic); }
unsigned hw_i8042_reset_requests(const hw_i8042 *k) { return k->resets; }
hw_time_t hw_i8042_last_obf_time(const hw_i8042 *k) { return k->last_obf; }

/* ---------- faults ---------- */

void hw_i8042_inject(hw_i8042 *k, const hw_fault *f)
{
    if (f->kinds & HW_FAULT_STUCK_BITS)
        k->fault = *f;
    if (f->kinds & HW_FAULT_NEVER_READY)
        k->never_ready = true;
    if (f->kinds & HW_FAULT_LOSE_NEXT_IRQ)
        k->lose_irqs += f->count ? f->count : 1;
    if (f->kinds & HW_FAULT_SPURIOUS_IRQ) {
        k->spurious[f->reg == 12 ? 1 : 0] = true;
        update_irqs(k);
    }
}

void hw_i8042_clear_faults(hw_i8042 *k)
{
    memset(&k->fault, 0, sizeof(k->fault));
    k->never_ready = false;
    k->lose_irqs = 0;
    k->spurious[0] = k->spurious[1] = false;
    update_irqs(k);
}

int hw_i8042_trace(hw_i8042 *k, hw_vcd *vcd, const char *prefix)
{
    if (!vcd) {
        k->vcd = NULL;
        return 0;
    }
    char name[128];
    static const struct { const char *n; unsigned w; } s[4] = { { "STATUS", 8 }, { "DATA", 8 }, { "IRQ1", 1 }, { "IRQ12", 1 } };
    int *sig[4] = { &k->sig_status, &k->sig_data, &k->sig_irq1, &k->sig_irq12 };
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof(name), "%s.%s", prefix ? prefix : "i8042", s[i].n);
        int rc = hw_vcd_add_signal_init(vcd, name, s[i].w, 0);
        if (rc < 0)
            return rc;
        *sig[i] = rc;
    }
    k->vcd = vcd;
    return 0;
}

/* ---------- bus glue, life cycle ---------- */

static uint64_t data_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off;
    (void)size;
    return hw_i8042_read(opaque, HW_I8042_DATA);
}

static void data_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    (void)off;
    (void)size;
    hw_i8042_write(opaque, HW_I8042_DATA, (uint8_t)v);
}

static uint64_t cmd_read(void *opaque, uint64_t off, unsigned size)
{
    (void)off;
    (void)size;
    return hw_i8042_read(opaque, HW_I8042_STATUS);
}

static void cmd_write(void *opaque, uint64_t off, unsigned size, uint64_t v)
{
    (void)off;
    (void)size;
    hw_i8042_write(opaque, HW_I8042_COMMAND, (uint8_t)v);
}

static const hw_region_ops data_ops = { data_read, data_write, 1 };
static const hw_region_ops cmd_ops = { cmd_read, cmd_write, 1 };

hw_i8042 *hw_i8042_new(hw_bus *bus, const hw_i8042_config *cfg, int *err)
{
    hw_i8042_config def = { 0x60, 0x64, 1, 12, false, true };
    if (!cfg)
        cfg = &def;
    build_translation();
    hw_i8042 *k = calloc(1, sizeof(*k));
    int rc = -ENOMEM;
    if (!k)
        goto fail;
    k->bus = bus;
    k->clock = hw_bus_clock(bus);
    k->data_port = cfg->data_port ? cfg->data_port : 0x60;
    k->cmd_port = cfg->cmd_port ? cfg->cmd_port : 0x64;
    k->no_mouse = cfg->no_mouse;
    k->ob_src = -1;
    k->outport = 0xCF;                 /* reset line high, A20 on */
    for (int s = 0; s < 3; s++)
        k->q[s].lands = HW_TIME_NEVER;
    hw_irq_init(&k->irq_kbd, bus, cfg->kbd_irq);
    hw_irq_init(&k->irq_aux, bus, cfg->aux_irq);
    hw_timer_init(&k->wire_timer, k->clock, wire_cb, k);
    hw_timer_init(&k->typematic_timer, k->clock, typematic_cb, k);
    hw_timer_init(&k->sample_timer, k->clock, sample_cb, k);
    kbd_reset(k);
    mouse_reset(k);
    /* without a BIOS: command byte 0 (no interrupts, no translation) */
    k->ccb = cfg->bios_init ? 0x47 : 0x00;
    k->ram[0] = k->ccb;
    rc = hw_bus_map_io(bus, k->data_port, 1, &data_ops, k, "i8042-data", NULL);
    if (rc < 0)
        goto fail;
    k->mapped_data = true;
    rc = hw_bus_map_io(bus, k->cmd_port, 1, &cmd_ops, k, "i8042-cmd", NULL);
    if (rc < 0)
        goto fail;
    k->mapped_cmd = true;
    return k;
fail:
    if (err)
        *err = rc;
    hw_i8042_free(k);
    return NULL;
}

void hw_i8042_free(hw_i8042 *k)
{
    if (!k)
        return;
    if (k->mapped_data)
        hw_bus_unmap(k->bus, HW_SPACE_IO, k->data_port);
    if (k->mapped_cmd)
        hw_bus_unmap(k->bus, HW_SPACE_IO, k->cmd_port);
    hw_timer_del(&k->wire_timer);
    hw_timer_del(&k->typematic_timer);
    hw_timer_del(&k->sample_timer);
    hw_irq_release(&k->irq_kbd);
    hw_irq_release(&k->irq_aux);
    free(k);
}
