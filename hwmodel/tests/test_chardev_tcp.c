/* Test for hwmodel/chardev_tcp.c: a loopback client talks to a UART through
 * the TCP back end.  Wall-clock bounded by a 5 s libuv timer (the simulated
 * clock is driven by hand). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <cmocka.h>

#include "hwmodel/bus.h"
#include "hwmodel/chardev.h"
#include "hwmodel/uart16550.h"

typedef struct client {
    uv_tcp_t     tcp;
    uv_connect_t conn;
    uv_write_t   wreq;
    char         rx[64];
    size_t       rxlen;
    int          connected;
    int          eof;
    const char  *send;
} client;

static void cl_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
    (void)sz;
    client *c = h->data;
    *buf = uv_buf_init(c->rx + c->rxlen, (unsigned)(sizeof(c->rx) - c->rxlen));
}

static void cl_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    client *c = s->data;
    if (n > 0)
        c->rxlen += (size_t)n;
    else if (n < 0)
        c->eof = 1;
}

static void cl_written(uv_write_t *req, int status)
{
    (void)req;
    assert_int_equal(status, 0);
}

static void cl_connected(uv_connect_t *req, int status)
{
    client *c = req->data;
    assert_int_equal(status, 0);
    c->connected = 1;
    uv_read_start((uv_stream_t *)&c->tcp, cl_alloc, cl_read);
    if (c->send) {
        uv_buf_t b = uv_buf_init((char *)c->send, (unsigned)strlen(c->send));
        uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, cl_written);
    }
}

static void cl_start(uv_loop_t *loop, client *c, int port, const char *send)
{
    struct sockaddr_in a;
    memset(c, 0, sizeof(*c));
    c->send = send;
    assert_int_equal(uv_tcp_init(loop, &c->tcp), 0);
    c->tcp.data = c;
    c->conn.data = c;
    assert_int_equal(uv_ip4_addr("127.0.0.1", port, &a), 0);
    assert_int_equal(uv_tcp_connect(&c->conn, &c->tcp, (struct sockaddr *)&a, cl_connected), 0);
}

static int timed_out;
static void on_guard(uv_timer_t *t)
{
    (void)t;
    timed_out = 1;
}

/* run the loop until cond() holds or the guard fires */
#define RUN_UNTIL(loop, cond)                                  \
    do {                                                       \
        while (!(cond) && !timed_out)                          \
            uv_run((loop), UV_RUN_ONCE);                       \
        assert_false(timed_out);                               \
    } while (0)

static void test_tcp_roundtrip(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_timer_t guard;
    assert_int_equal(uv_loop_init(&loop), 0);
    uv_timer_init(&loop, &guard);
    timed_out = 0;
    uv_timer_start(&guard, on_guard, 5000, 0);

    hw_clock *clk = hw_clock_new();
    hw_bus *bus = hw_bus_new(clk);
    hw_uart16550 *u = hw_uart16550_new(bus, NULL, NULL);
    assert_non_null(u);
    int err = 0;
    hw_chardev *chr = hw_chardev_tcp_new(&loop, "127.0.0.1", 0, &err);
    assert_non_null(chr);
    int port = hw_chardev_tcp_port(chr);
    assert_true(port > 0);
    hw_uart16550_attach(u, chr);
    /* 115200 8N1 */
    hw_uart16550_write(u, HW_UART_LCR, 0x83);
    hw_uart16550_write(u, HW_UART_DLL, 1);
    hw_uart16550_write(u, HW_UART_DLM, 0);
    hw_uart16550_write(u, HW_UART_LCR, 0x03);
    assert_int_equal(hw_uart16550_read(u, HW_UART_MSR) & 0xF0, 0);   /* no client */
    assert_false(hw_chardev_tcp_connected(chr));

    client a;
    cl_start(&loop, &a, port, "hi");
    RUN_UNTIL(&loop, hw_uart16550_rx_backlog(u) >= 2);
    assert_true(hw_chardev_tcp_connected(chr));
    assert_int_equal(hw_uart16550_read(u, HW_UART_MSR), 0xB0 | 0x0B);

    /* the bytes enter the receiver at line rate */
    hw_time_t ct = hw_uart16550_char_time(u), t0 = hw_clock_now(clk);
    hw_clock_run_until(clk, t0 + ct);
    assert_int_equal(hw_uart16550_read(u, HW_UART_LSR) & 1, 1);
    assert_int_equal(hw_uart16550_read(u, HW_UART_RBR), 'h');
    hw_clock_run_until(clk, t0 + 2 * ct);
    assert_int_equal(hw_uart16550_read(u, HW_UART_RBR), 'i');

    /* a second client is refused while the first is connected */
    client b;
    cl_start(&loop, &b, port, NULL);
    RUN_UNTIL(&loop, b.eof);

    /* transmit: bytes reach the client once they leave the shift register */
    hw_uart16550_write(u, HW_UART_THR, 'O');
    hw_uart16550_write(u, HW_UART_THR, 'K');
    uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(a.rxlen, 0);
    hw_clock_run_until(clk, hw_clock_now(clk) + 2 * ct);
    RUN_UNTIL(&loop, a.rxlen >= 2);
    assert_memory_equal(a.rx, "OK", 2);

    /* client hangs up: modem inputs drop */
    uv_close((uv_handle_t *)&a.tcp, NULL);
    RUN_UNTIL(&loop, !hw_chardev_tcp_connected(chr));
    assert_int_equal(hw_uart16550_read(u, HW_UART_MSR), 0x0B);

    uv_close((uv_handle_t *)&b.tcp, NULL);
    uv_close((uv_handle_t *)&guard, NULL);
    hw_uart16550_free(u);
    hw_chardev_free(chr);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);   /* every handle was released */
    hw_bus_free(bus);
    hw_clock_free(clk);
}

static void test_pty_roundtrip(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    int err = 0;
    hw_chardev *chr = hw_chardev_pty_new(&loop, &err);
    if (!chr) {
        skip();   /* no pty support in this environment */
        return;
    }
    const char *name = hw_chardev_pty_name(chr);
    assert_non_null(name);
    assert_true(strlen(name) > 0);
    uv_timer_t guard;
    uv_timer_init(&loop, &guard);
    timed_out = 0;
    uv_timer_start(&guard, on_guard, 5000, 0);
    hw_clock *clk = hw_clock_new();
    hw_bus *bus = hw_bus_new(clk);
    hw_uart16550 *u = hw_uart16550_new(bus, NULL, NULL);
    hw_uart16550_attach(u, chr);
    /* a terminal on the slave side types "ab" (raw mode: no echo back) */
    int fd = open(name, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "ab", 2), 2);
    RUN_UNTIL(&loop, hw_uart16550_rx_backlog(u) >= 2);
    hw_clock_advance(clk, hw_uart16550_char_time(u));
    assert_int_equal(hw_uart16550_read(u, HW_UART_RBR), 'a');
    hw_clock_advance(clk, hw_uart16550_char_time(u));
    assert_int_equal(hw_uart16550_read(u, HW_UART_RBR), 'b');
    /* the UART transmits "Z": the terminal reads it */
    hw_uart16550_write(u, HW_UART_THR, 'Z');
    hw_clock_advance(clk, hw_uart16550_char_time(u));
    char c = 0;
    while (read(fd, &c, 1) != 1 && !timed_out)
        uv_run(&loop, UV_RUN_NOWAIT);
    assert_int_equal(c, 'Z');
    assert_int_equal(hw_uart16550_rx_backlog(u), 0);   /* nothing echoed */
    close(fd);
    hw_uart16550_free(u);
    hw_bus_free(bus);
    hw_clock_free(clk);
    uv_close((uv_handle_t *)&guard, NULL);
    hw_chardev_free(chr);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* hw_chardev_set_tap: a console sees every transmitted byte; the back end still
 * gets it; NULL stops. */
static void tap_byte(void *opaque, uint8_t byte)
{
    char *seen = opaque;
    seen[strlen(seen)] = (char)byte;
}

static void test_tap(void **state)
{
    (void)state;
    char seen[8] = "";
    hw_chardev *chr = hw_chardev_buffer_new(NULL);
    hw_chardev_set_tap(chr, tap_byte, seen);
    hw_chardev_write_byte(chr, 'o');
    hw_chardev_write_byte(chr, 'k');
    hw_chardev_set_tap(chr, NULL, NULL);
    hw_chardev_write_byte(chr, '!');
    assert_string_equal(seen, "ok");
    assert_int_equal(hw_chardev_buffer_len(chr), 3);
    assert_memory_equal(hw_chardev_buffer_data(chr), "ok!", 3);
    hw_chardev_free(chr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_roundtrip),
        cmocka_unit_test(test_pty_roundtrip),
        cmocka_unit_test(test_tap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
