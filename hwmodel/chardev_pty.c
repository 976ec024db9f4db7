/* hwmodel/chardev_pty.c - pseudo-terminal back end on a caller-owned libuv
 * loop.  Connect a terminal program to the slave side (hw_chardev_pty_name). */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1   /* posix_openpt, ptsname */
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <uv.h>

#include "hwmodel/chardev.h"

typedef struct pty_chardev {
    hw_chardev chr;            /* first */
    uv_poll_t  poll;
    int        master, slave;
    char       name[128];
    uint8_t   *out;
    size_t     out_len, out_cap;
    bool       want_write;
} pty_chardev;

static pty_chardev *P(const hw_chardev *c) { return (pty_chardev *)c; }

static void on_poll(uv_poll_t *h, int status, int events);

static void set_events(pty_chardev *p)
{
    uv_poll_start(&p->poll, UV_READABLE | (p->want_write ? UV_WRITABLE : 0), on_poll);
}

static void try_write(pty_chardev *p)
{
    size_t done = 0;
    while (done < p->out_len) {
        ssize_t n = write(p->master, p->out + done, p->out_len - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    memmove(p->out, p->out + done, p->out_len - done);
    p->out_len -= done;
    bool want = p->out_len > 0;
    if (want != p->want_write) {
        p->want_write = want;
        set_events(p);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    pty_chardev *p = h->data;
    if (status < 0)
        return;
    if (events & UV_READABLE) {
        uint8_t buf[1024];
        ssize_t n;
        while ((n = read(p->master, buf, sizeof(buf))) > 0)
            hw_chardev_receive(&p->chr, buf, (size_t)n);
    }
    if (events & UV_WRITABLE)
        try_write(p);
}

static void pty_write_byte(hw_chardev *c, uint8_t byte)
{
    pty_chardev *p = P(c);
    if (p->out_len == p->out_cap) {
        size_t nc = p->out_cap ? p->out_cap * 2 : 256;
        if (nc > (1u << 20))
            return;                    /* nobody reading: drop beyond 1 MiB */
        uint8_t *n = realloc(p->out, nc);
        if (!n)
            return;
        p->out = n;
        p->out_cap = nc;
    }
    p->out[p->out_len++] = byte;
    try_write(p);
}

static void on_closed(uv_handle_t *h)
{
    pty_chardev *p = h->data;
    close(p->master);
    if (p->slave >= 0)
        close(p->slave);
    free(p->out);
    free(p);
}

static void pty_destroy(hw_chardev *c)
{
    pty_chardev *p = P(c);
    uv_poll_stop(&p->poll);
    uv_close((uv_handle_t *)&p->poll, on_closed);
}

hw_chardev *hw_chardev_pty_new(void *uv_loop, int *err)
{
    int rc = 0;
    pty_chardev *p = calloc(1, sizeof(*p));
    if (!p) {
        rc = -ENOMEM;
        goto out;
    }
    p->slave = -1;
    p->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (p->master < 0 || grantpt(p->master) != 0 || unlockpt(p->master) != 0) {
        rc = -errno;
        goto fail;
    }
    const char *name = ptsname(p->master);
    if (!name) {
        rc = -errno;
        goto fail;
    }
    strncpy(p->name, name, sizeof(p->name) - 1);
    /* hold the slave open in raw mode: no echo, no line editing, and reads
     * on the master never fail with EIO while no terminal is attached */
    p->slave = open(p->name, O_RDWR | O_NOCTTY);
    if (p->slave >= 0) {
        struct termios tio;
        if (tcgetattr(p->slave, &tio) == 0) {
            tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
            tio.c_oflag &= ~(tcflag_t)OPOST;
            tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
            tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
            tio.c_cflag |= CS8;
            tcsetattr(p->slave, TCSANOW, &tio);
        }
    }
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
    if ((rc = uv_poll_init(uv_loop, &p->poll, p->master)) != 0)
        goto fail;
    p->poll.data = p;
    p->chr.write_byte = pty_write_byte;
    p->chr.destroy = pty_destroy;
    p->chr.modem_inputs = HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD;
    set_events(p);
    return &p->chr;
fail:
    if (p->master >= 0)
        close(p->master);
    if (p->slave >= 0)
        close(p->slave);
    free(p);
    p = NULL;
out:
    if (err)
        *err = rc ? rc : -EIO;
    return NULL;
}

const char *hw_chardev_pty_name(const hw_chardev *c) { return P(c)->name; }
