/* hwmodel/clock.c - discrete-event queue: a binary min-heap keyed on
 * (expiry, sequence).  Heap slots hold the key next to the timer pointer so
 * that sifting touches only the heap array, not the timers. */
#include "hwmodel/clock.h"

#include <stdlib.h>

typedef struct heap_slot {
    hw_time_t expire;
    uint64_t  seq;
    hw_timer *timer;
} heap_slot;

struct hw_clock {
    hw_time_t  now;
    uint64_t   next_seq;
    uint64_t   fired;
    heap_slot *heap;
    size_t     len;
    size_t     cap;
};

#define NOT_PENDING SIZE_MAX

static inline bool slot_before(const heap_slot *a, const heap_slot *b)
{
    return a->expire < b->expire || (a->expire == b->expire && a->seq < b->seq);
}

static inline void heap_place(hw_clock *c, size_t i, heap_slot s)
{
    c->heap[i] = s;
    s.timer->heap_index = i;
}

static void sift_up(hw_clock *c, size_t i, heap_slot s)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!slot_before(&s, &c->heap[parent]))
            break;
        heap_place(c, i, c->heap[parent]);
        i = parent;
    }
    heap_place(c, i, s);
}

static void sift_down(hw_clock *c, size_t i, heap_slot s)
{
    size_t n = c->len;
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t m = l;
        if (l + 1 < n && slot_before(&c->heap[l + 1], &c->heap[l]))
            m = l + 1;
        if (!slot_before(&c->heap[m], &s))
            break;
        heap_place(c, i, c->heap[m]);
        i = m;
    }
    heap_place(c, i, s);
}

static void heap_remove_at(hw_clock *c, size_t i)
{
    hw_timer *t = c->heap[i].timer;
    t->heap_index = NOT_PENDING;
    c->len--;
    if (i == c->len)
        return;
    heap_slot last = c->heap[c->len];
    if (i > 0 && slot_before(&last, &c->heap[(i - 1) / 2]))
        sift_up(c, i, last);
    else
        sift_down(c, i, last);
}

hw_clock *hw_clock_new(void)
{
    hw_clock *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->cap = 64;
    c->heap = malloc(c->cap * sizeof(*c->heap));
    if (!c->heap) {
        free(c);
        return NULL;
    }
    return c;
}

void hw_clock_free(hw_clock *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->len; i++)
        c->heap[i].timer->heap_index = NOT_PENDING;
    free(c->heap);
    free(c);
}

hw_time_t hw_clock_now(const hw_clock *c) { return c->now; }
size_t hw_clock_pending_count(const hw_clock *c) { return c->len; }
uint64_t hw_clock_fired_count(const hw_clock *c) { return c->fired; }

bool hw_clock_next_deadline(const hw_clock *c, hw_time_t *out)
{
    if (c->len == 0)
        return false;
    *out = c->heap[0].expire;
    return true;
}

void hw_clock_run_until(hw_clock *c, hw_time_t t)
{
    if (t < c->now)
        t = c->now;
    while (c->len > 0 && c->heap[0].expire <= t) {
        hw_timer *timer = c->heap[0].timer;
        c->now = c->heap[0].expire;
        heap_remove_at(c, 0);
        c->fired++;
        timer->cb(timer->opaque);
    }
    c->now = t;
}

bool hw_clock_run_next(hw_clock *c)
{
    if (c->len == 0)
        return false;
    hw_clock_run_until(c, c->heap[0].expire);
    return true;
}

void hw_clock_advance(hw_clock *c, hw_time_t delta)
{
    hw_time_t t = c->now + delta;
    if (t < c->now)
        t = HW_TIME_NEVER;
    hw_clock_run_until(c, t);
}

void hw_timer_init(hw_timer *t, hw_clock *clock, hw_timer_cb cb, void *opaque)
{
    t->clock = clock;
    t->cb = cb;
    t->opaque = opaque;
    t->expire = HW_TIME_NEVER;
    t->heap_index = NOT_PENDING;
}

void hw_timer_mod(hw_timer *t, hw_time_t expire_abs)
{
    hw_clock *c = t->clock;
    if (expire_abs < c->now)
        expire_abs = c->now;
    t->expire = expire_abs;
    heap_slot s = { expire_abs, c->next_seq++, t };
    if (t->heap_index != NOT_PENDING) {
        size_t i = t->heap_index;
        if (i > 0 && slot_before(&s, &c->heap[(i - 1) / 2]))
            sift_up(c, i, s);
        else
            sift_down(c, i, s);
        return;
    }
    if (c->len == c->cap) {
        size_t ncap = c->cap * 2;
        heap_slot *nh = realloc(c->heap, ncap * sizeof(*nh));
        if (!nh)
            abort(); /* out of memory while scheduling: nothing sane to do */
        c->heap = nh;
        c->cap = ncap;
    }
    sift_up(c, c->len++, s);
}

void hw_timer_del(hw_timer *t)
{
    if (t->heap_index != NOT_PENDING)
        heap_remove_at(t->clock, t->heap_index);
    t->expire = HW_TIME_NEVER;
}

bool hw_timer_pending(const hw_timer *t) { return t->heap_index != NOT_PENDING; }

hw_time_t hw_timer_expire_time(const hw_timer *t)
{
    return t->heap_index != NOT_PENDING ? t->expire : HW_TIME_NEVER;
}
