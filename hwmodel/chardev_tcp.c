/* hwmodel/chardev_tcp.c - TCP listener back end on a caller-owned libuv
 * loop.  One client at a time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "hwmodel/chardev.h"

typedef struct tcp_chardev {
    hw_chardev  chr;            /* first */
    uv_loop_t  *loop;
    uv_tcp_t    server;
    uv_tcp_t   *client;
    int         port;
    int         handles;        /* open libuv handles; freed at 0 */
    bool        dying;
    uint8_t    *out;            /* bytes waiting to be written */
    size_t      out_len, out_cap;
    uint8_t    *inflight;       /* buffer of the write in progress */
    bool        writing;
    uv_write_t  wreq;
    char        rbuf[4096];
} tcp_chardev;

static tcp_chardev *T(const hw_chardev *c) { return (tcp_chardev *)c; }

static void maybe_free(tcp_chardev *t)
{
    if (t->dying && t->handles == 0) {
        free(t->out);
        free(t->inflight);
        free(t);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    tcp_chardev *t = h->data;
    if (h != (uv_handle_t *)&t->server)
        free(h);
    t->handles--;
    maybe_free(t);
}

static void drop_client(tcp_chardev *t)
{
    if (!t->client)
        return;
    uv_close((uv_handle_t *)t->client, on_handle_closed);
    t->client = NULL;
    t->out_len = 0;
    if (!t->dying)
        hw_chardev_set_modem_inputs(&t->chr, 0);
}

static void flush(tcp_chardev *t);

static void on_write(uv_write_t *req, int status)
{
    tcp_chardev *t = req->data;
    t->writing = false;
    if (status < 0) {
        if (!t->dying)
            drop_client(t);
        return;
    }
    flush(t);
}

static void flush(tcp_chardev *t)
{
    if (t->writing || !t->client || t->out_len == 0)
        return;
    uint8_t *buf = t->out;             /* hand the pending bytes over */
    size_t len = t->out_len;
    free(t->inflight);
    t->inflight = buf;
    t->out = NULL;
    t->out_len = t->out_cap = 0;
    uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
    t->wreq.data = t;
    if (uv_write(&t->wreq, (uv_stream_t *)t->client, &b, 1, on_write) == 0)
        t->writing = true;
    else
        drop_client(t);
}

static void tcp_write_byte(hw_chardev *c, uint8_t byte)
{
    tcp_chardev *t = T(c);
    if (!t->client)
        return;                         /* nobody listening: the byte is lost */
    if (t->out_len == t->out_cap) {
        size_t nc = t->out_cap ? t->out_cap * 2 : 256;
        uint8_t *n = realloc(t->out, nc);
        if (!n)
            return;
        t->out = n;
        t->out_cap = nc;
    }
    t->out[t->out_len++] = byte;
    flush(t);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    tcp_chardev *t = h->data;
    *buf = uv_buf_init(t->rbuf, sizeof(t->rbuf));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    tcp_chardev *t = s->data;
    if (n > 0)
        hw_chardev_receive(&t->chr, (const uint8_t *)buf->base, (size_t)n);
    else if (n < 0 && (uv_tcp_t *)s == t->client)
        drop_client(t);
}

static void on_connection(uv_stream_t *server, int status)
{
    tcp_chardev *t = server->data;
    if (status < 0)
        return;
    uv_tcp_t *c = malloc(sizeof(*c));
    if (!c || uv_tcp_init(t->loop, c) != 0) {
        free(c);
        return;
    }
    c->data = t;
    t->handles++;
    if (uv_accept(server, (uv_stream_t *)c) != 0 || t->client) {
        uv_close((uv_handle_t *)c, on_handle_closed);   /* busy: refuse */
        return;
    }
    t->client = c;
    uv_tcp_nodelay(c, 1);
    uv_read_start((uv_stream_t *)c, on_alloc, on_read);
    hw_chardev_set_modem_inputs(&t->chr, HW_CHR_CTS | HW_CHR_DSR | HW_CHR_DCD);
}

static void tcp_destroy(hw_chardev *c)
{
    tcp_chardev *t = T(c);
    t->dying = true;
    drop_client(t);
    uv_close((uv_handle_t *)&t->server, on_handle_closed);
}

hw_chardev *hw_chardev_tcp_new(void *uv_loop, const char *host, int port, int *err)
{
    struct sockaddr_storage ss;
    int rc = UV_EINVAL;
    tcp_chardev *t = calloc(1, sizeof(*t));
    if (!t) {
        if (err)
            *err = -ENOMEM;
        return NULL;
    }
    if (!host)
        host = "127.0.0.1";
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&ss) != 0 &&
        (rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss)) != 0)
        goto fail_nohandle;
    t->loop = uv_loop;
    t->chr.write_byte = tcp_write_byte;
    t->chr.destroy = tcp_destroy;
    if ((rc = uv_tcp_init(t->loop, &t->server)) != 0)
        goto fail_nohandle;
    t->server.data = t;
    t->handles = 1;
    if ((rc = uv_tcp_bind(&t->server, (const struct sockaddr *)&ss, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&t->server, 4, on_connection)) != 0)
        goto fail;
    int len = sizeof(ss);
    if ((rc = uv_tcp_getsockname(&t->server, (struct sockaddr *)&ss, &len)) != 0)
        goto fail;
    t->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                       : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return &t->chr;
fail:
    if (err)
        *err = rc;
    t->dying = true;
    uv_close((uv_handle_t *)&t->server, on_handle_closed);
    return NULL;
fail_nohandle:
    if (err)
        *err = rc;
    free(t);
    return NULL;
}

int hw_chardev_tcp_port(const hw_chardev *c) { return T(c)->port; }
bool hw_chardev_tcp_connected(const hw_chardev *c) { return T(c)->client != NULL; }
