/* hwmodel/chardev_buffer.c - test back end: captures TX, injects RX. */
#include <stdlib.h>
#include <string.h>

#include "hwmodel/chardev.h"

typedef struct buffer_chardev {
    hw_chardev      chr;          /* first: the hw_chardev * is this struct */
    const hw_clock *clock;
    uint8_t        *data;
    hw_time_t      *times;
    size_t          len, cap;
    bool            brk;
    unsigned        mout;
} buffer_chardev;

static buffer_chardev *B(const hw_chardev *c) { return (buffer_chardev *)c; }

static void buf_write_byte(hw_chardev *c, uint8_t byte)
{
    buffer_chardev *b = B(c);
    if (b->len == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 256;
        uint8_t *nd = realloc(b->data, nc);
        if (!nd)
            return;
        b->data = nd;
        hw_time_t *nt = realloc(b->times, nc * sizeof(*nt));
        if (!nt)
            return;
        b->times = nt;
        b->cap = nc;
    }
    b->data[b->len] = byte;
    b->times[b->len] = b->clock ? hw_clock_now(b->clock) : 0;
    b->len++;
}

static void buf_set_break(hw_chardev *c, bool on) { B(c)->brk = on; }
static void buf_set_modem(hw_chardev *c, unsigned lines) { B(c)->mout = lines; }

static void buf_destroy(hw_chardev *c)
{
    buffer_chardev *b = B(c);
    free(b->data);
    free(b->times);
    free(b);
}

hw_chardev *hw_chardev_buffer_new(const hw_clock *clock)
{
    buffer_chardev *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    b->clock = clock;
    b->chr.write_byte = buf_write_byte;
    b->chr.set_break = buf_set_break;
    b->chr.set_modem_outputs = buf_set_modem;
    b->chr.destroy = buf_destroy;
    b->chr.modem_inputs = HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD;
    return &b->chr;
}

size_t hw_chardev_buffer_len(const hw_chardev *c) { return B(c)->len; }
const uint8_t *hw_chardev_buffer_data(const hw_chardev *c) { return B(c)->data; }

hw_time_t hw_chardev_buffer_time(const hw_chardev *c, size_t index)
{
    return index < B(c)->len ? B(c)->times[index] : HW_TIME_NEVER;
}

void hw_chardev_buffer_clear(hw_chardev *c) { B(c)->len = 0; }

void hw_chardev_buffer_inject(hw_chardev *c, const void *bytes, size_t n)
{
    hw_chardev_receive(c, bytes, n);
}

bool hw_chardev_buffer_break(const hw_chardev *c) { return B(c)->brk; }
unsigned hw_chardev_buffer_modem_outputs(const hw_chardev *c) { return B(c)->mout; }
