/* Tests for hwmodel/clock.c: ordering, re-arming, run semantics, volume. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "hwmodel/clock.h"

typedef struct rec {
    hw_clock *clk;
    int       order[512];
    hw_time_t when[512];
    int       n;
} rec;

typedef struct tev {
    hw_timer t;
    rec     *r;
    int      id;
    int      spawn_at_now;    /* arm `spawn` at the current time when fired */
    struct tev *spawn;
} tev;

static void tev_cb(void *opaque)
{
    tev *e = opaque;
    e->r->order[e->r->n] = e->id;
    e->r->when[e->r->n] = hw_clock_now(e->r->clk);
    e->r->n++;
    if (e->spawn_at_now && e->spawn)
        hw_timer_mod(&e->spawn->t, hw_clock_now(e->r->clk));
}

static void tev_init(tev *e, rec *r, int id)
{
    e->r = r;
    e->id = id;
    e->spawn = NULL;
    e->spawn_at_now = 0;
    hw_timer_init(&e->t, r->clk, tev_cb, e);
}

static void test_order_and_equal_times(void **state)
{
    (void)state;
    rec r = { .clk = hw_clock_new() };
    tev e[6];
    for (int i = 0; i < 6; i++)
        tev_init(&e[i], &r, i);
    hw_timer_mod(&e[0].t, 300);
    hw_timer_mod(&e[1].t, 100);
    hw_timer_mod(&e[2].t, 200);
    hw_timer_mod(&e[3].t, 100);   /* same time as e1, armed later */
    hw_timer_mod(&e[4].t, 100);
    hw_timer_mod(&e[5].t, 50);
    hw_time_t d = 0;
    assert_true(hw_clock_next_deadline(r.clk, &d));
    assert_int_equal(d, 50);
    assert_int_equal(hw_clock_pending_count(r.clk), 6);
    hw_clock_run_until(r.clk, 1000);
    int want[] = { 5, 1, 3, 4, 2, 0 };
    hw_time_t wt[] = { 50, 100, 100, 100, 200, 300 };
    assert_int_equal(r.n, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(r.order[i], want[i]);
        assert_int_equal(r.when[i], wt[i]);
    }
    assert_int_equal(hw_clock_now(r.clk), 1000);
    assert_false(hw_clock_next_deadline(r.clk, &d));
    assert_int_equal(hw_clock_fired_count(r.clk), 6);
    hw_clock_free(r.clk);
}

static void test_mod_del_pending(void **state)
{
    (void)state;
    rec r = { .clk = hw_clock_new() };
    tev a, b, c;
    tev_init(&a, &r, 1);
    tev_init(&b, &r, 2);
    tev_init(&c, &r, 3);
    assert_false(hw_timer_pending(&a.t));
    assert_true(hw_timer_expire_time(&a.t) == HW_TIME_NEVER);
    hw_timer_mod(&a.t, 100);
    hw_timer_mod(&b.t, 200);
    hw_timer_mod(&c.t, 300);
    assert_true(hw_timer_pending(&a.t));
    assert_int_equal(hw_timer_expire_time(&b.t), 200);
    hw_timer_mod(&a.t, 400);         /* move: now last */
    hw_timer_mod(&c.t, 150);         /* move earlier */
    hw_timer_del(&b.t);
    hw_timer_del(&b.t);              /* harmless twice */
    assert_false(hw_timer_pending(&b.t));
    assert_int_equal(hw_clock_pending_count(r.clk), 2);
    hw_clock_run_until(r.clk, 399);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.order[0], 3);
    assert_int_equal(r.when[0], 150);
    assert_false(hw_timer_pending(&c.t));
    hw_clock_run_until(r.clk, 400);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[1], 1);
    /* arming in the past clamps to now */
    hw_timer_mod(&b.t, 10);
    assert_int_equal(hw_timer_expire_time(&b.t), 400);
    hw_clock_run_until(r.clk, 400);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.when[2], 400);
    /* run_until to the past does not move time back */
    hw_clock_run_until(r.clk, 5);
    assert_int_equal(hw_clock_now(r.clk), 400);
    hw_clock_free(r.clk);
}

static void test_schedule_at_now_and_run_next(void **state)
{
    (void)state;
    rec r = { .clk = hw_clock_new() };
    tev a, b, c, d;
    tev_init(&a, &r, 1);
    tev_init(&b, &r, 2);
    tev_init(&c, &r, 3);
    tev_init(&d, &r, 4);
    a.spawn_at_now = 1;
    a.spawn = &b;                 /* a fires at 500 and arms b at 500 */
    hw_timer_mod(&a.t, 500);
    hw_timer_mod(&c.t, 500);
    hw_timer_mod(&d.t, 501);
    assert_true(hw_clock_run_next(r.clk));
    assert_int_equal(hw_clock_now(r.clk), 500);
    assert_int_equal(r.n, 3);     /* a, c, then b (armed later for the same time) */
    assert_int_equal(r.order[0], 1);
    assert_int_equal(r.order[1], 3);
    assert_int_equal(r.order[2], 2);
    assert_true(hw_timer_pending(&d.t));
    assert_true(hw_clock_run_next(r.clk));
    assert_int_equal(hw_clock_now(r.clk), 501);
    assert_false(hw_clock_run_next(r.clk));
    hw_clock_advance(r.clk, 99);
    assert_int_equal(hw_clock_now(r.clk), 600);
    hw_clock_free(r.clk);
}

/* Many self-re-arming timers; compare against a brute-force reference. */
typedef struct vol {
    hw_timer  t;
    hw_clock *clk;
    uint64_t *rng;
    uint64_t *fired;
    hw_time_t *last;
    uint64_t  limit;
    int       bad;
} vol;

static uint64_t xs(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void vol_cb(void *opaque)
{
    vol *v = opaque;
    hw_time_t now = hw_clock_now(v->clk);
    if (now < *v->last || now != v->t.expire)
        v->bad = 1;
    *v->last = now;
    if (++*v->fired < v->limit)
        hw_timer_mod(&v->t, now + (xs(v->rng) % 1000));
}

static void test_million_events(void **state)
{
    (void)state;
    enum { N = 1000 };
    hw_clock *clk = hw_clock_new();
    uint64_t rng = 88172645463325252ull, fired = 0;
    hw_time_t last = 0;
    vol *v = calloc(N, sizeof(*v));
    for (int i = 0; i < N; i++) {
        v[i].clk = clk;
        v[i].rng = &rng;
        v[i].fired = &fired;
        v[i].last = &last;
        v[i].limit = 1000000;
        hw_timer_init(&v[i].t, clk, vol_cb, &v[i]);
        hw_timer_mod(&v[i].t, xs(&rng) % 1000);
    }
    while (hw_clock_run_next(clk))
        ;
    /* every timer fired in time order; the limit stops re-arming */
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i].bad, 0);
    assert_true(fired >= 1000000);
    assert_int_equal(hw_clock_fired_count(clk), fired);
    free(v);
    hw_clock_free(clk);
}

/* Random mod/del against a reference model of (time, seq). */
static void test_random_against_reference(void **state)
{
    (void)state;
    enum { N = 200 };
    rec r = { .clk = hw_clock_new() };
    static tev e[N];
    hw_time_t ref_t[N];
    uint64_t ref_seq[N], seq = 0, rng = 12345;
    int ref_on[N];
    for (int i = 0; i < N; i++) {
        tev_init(&e[i], &r, i);
        ref_on[i] = 0;
    }
    for (int round = 0; round < 50; round++) {
        for (int k = 0; k < 300; k++) {
            int i = (int)(xs(&rng) % N);
            if (xs(&rng) % 4 == 0) {
                hw_timer_del(&e[i].t);
                ref_on[i] = 0;
            } else {
                hw_time_t t = hw_clock_now(r.clk) + xs(&rng) % 50;
                hw_timer_mod(&e[i].t, t);
                ref_on[i] = 1;
                ref_t[i] = t;
                ref_seq[i] = seq++;
            }
        }
        /* fire up to 16 events and compare with the reference minimum */
        hw_time_t until = hw_clock_now(r.clk) + 20;
        for (;;) {
            int best = -1;
            for (int i = 0; i < N; i++)
                if (ref_on[i] && ref_t[i] <= until &&
                    (best < 0 || ref_t[i] < ref_t[best] ||
                     (ref_t[i] == ref_t[best] && ref_seq[i] < ref_seq[best])))
                    best = i;
            if (best < 0)
                break;
            r.n = 0;
            assert_true(hw_clock_run_next(r.clk));
            assert_true(r.n >= 1);
            for (int j = 0; j < r.n; j++) {
                best = -1;
                for (int i = 0; i < N; i++)
                    if (ref_on[i] && (best < 0 || ref_t[i] < ref_t[best] ||
                                      (ref_t[i] == ref_t[best] && ref_seq[i] < ref_seq[best])))
                        best = i;
                assert_int_equal(r.order[j], best);
                assert_int_equal(r.when[j], ref_t[best]);
                ref_on[best] = 0;
            }
        }
        hw_clock_run_until(r.clk, until);
    }
    hw_clock_free(r.clk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_equal_times),
        cmocka_unit_test(test_mod_del_pending),
        cmocka_unit_test(test_schedule_at_now_and_run_next),
        cmocka_unit_test(test_million_events),
        cmocka_unit_test(test_random_against_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
