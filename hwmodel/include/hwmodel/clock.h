/* hwmodel/clock.h - the one virtual clock and its discrete-event queue.
 *
 * Time is a 64-bit count of nanoseconds of virtual time.  Nothing here reads
 * wall-clock time.  Events are ordered by (expiry time, insertion sequence):
 * two timers armed for the same instant fire in the order they were armed.
 *
 * Timers are embedded in the caller's structures (no allocation per event);
 * the clock keeps a binary heap of them.  Not thread-safe: one thread drives
 * a clock and all devices attached to it.
 */
#ifndef HWMODEL_CLOCK_H
#define HWMODEL_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint64_t hw_time_t;           /* nanoseconds of virtual time */

#define HW_TIME_NEVER UINT64_MAX
#define HW_NS(n) ((hw_time_t)(n))
#define HW_US(n) ((hw_time_t)(n) * 1000u)
#define HW_MS(n) ((hw_time_t)(n) * 1000000u)
#define HW_S(n)  ((hw_time_t)(n) * 1000000000u)

typedef struct hw_clock hw_clock;
typedef void (*hw_timer_cb)(void *opaque);

/* Caller-embedded timer.  Fields are private; use the functions below. */
typedef struct hw_timer {
    hw_clock   *clock;
    hw_timer_cb cb;
    void       *opaque;
    hw_time_t   expire;
    size_t      heap_index;           /* SIZE_MAX when not pending */
} hw_timer;

hw_clock *hw_clock_new(void);
/* Frees the clock.  Pending timers are simply forgotten (they become
 * not-pending); the memory of the timers belongs to their owners. */
void hw_clock_free(hw_clock *clock);

hw_time_t hw_clock_now(const hw_clock *clock);
/* Earliest pending expiry; false (and *out untouched) if no event pending. */
bool hw_clock_next_deadline(const hw_clock *clock, hw_time_t *out);
size_t hw_clock_pending_count(const hw_clock *clock);
/* Number of callbacks fired since the clock was created. */
uint64_t hw_clock_fired_count(const hw_clock *clock);

/* Fire, in (time, sequence) order, every event whose time is <= t, setting
 * now to each event's time before its callback; then now = t.  Callbacks may
 * arm further timers, including at the current time: those fire in the same
 * call if their time is <= t.  A t earlier than now is treated as now. */
void hw_clock_run_until(hw_clock *clock, hw_time_t t);
/* Jump to the earliest pending event and fire every event at that time
 * (including ones armed at that time by the callbacks).  False if none. */
bool hw_clock_run_next(hw_clock *clock);
/* run_until(now + delta). */
void hw_clock_advance(hw_clock *clock, hw_time_t delta);

void hw_timer_init(hw_timer *t, hw_clock *clock, hw_timer_cb cb, void *opaque);
/* Arm (or move, if already pending) the timer to absolute time expire_abs.
 * An expiry earlier than now is clamped to now.  Re-arming gives the timer a
 * new sequence number (it fires after timers already armed for that time). */
void hw_timer_mod(hw_timer *t, hw_time_t expire_abs);
/* Disarm; harmless if not pending. */
void hw_timer_del(hw_timer *t);
bool hw_timer_pending(const hw_timer *t);
/* Expiry time if pending, HW_TIME_NEVER otherwise. */
hw_time_t hw_timer_expire_time(const hw_timer *t);

#ifdef __cplusplus
}
#endif
#endif
