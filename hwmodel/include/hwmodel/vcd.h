/* hwmodel/vcd.h - Value Change Dump writer (IEEE 1364 text format,
 * timescale 1 ns), readable by GTKWave.
 *
 * Signals are declared with hw_vcd_add_signal before the first change.  A
 * name may contain dots to place the signal in nested scopes ("uart0.LSR"
 * becomes scope uart0, signal LSR); everything sits under a top scope "hw".
 * Every signal starts as 'x' at time 0 until given a value.
 *
 * hw_vcd_change records a value at the present time: it first writes any
 * scheduled change with time <= t, then this one.  Times must not go backwards;
 * an earlier time is clamped to the last time written.  hw_vcd_schedule
 * records a value for a future time (e.g. the bits of a character on a serial
 * line, known when it starts); it is written once the present passes it, or
 * at close.  Writing an unchanged value is skipped.
 *
 * Vectors are declared with an explicit range ("$var wire 8 # LSR [7:0] $end"),
 * so a viewer names them LSR[7:0].
 *
 * hw_vcd_allow_late_signals, called before the first change, lets signals be
 * declared at any time (a simulator's objects appear while it runs): changes are
 * kept in a temporary file and the file is written whole at close.
 */
#ifndef HWMODEL_VCD_H
#define HWMODEL_VCD_H

#include <stddef.h>
#include <stdint.h>

#include "hwmodel/clock.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hw_vcd hw_vcd;

/* NULL on failure (errno set by fopen/malloc). */
hw_vcd *hw_vcd_open(const char *path);
/* Flushes scheduled changes, writes the file, frees.  Returns 0 or -errno. */
int hw_vcd_close(hw_vcd *vcd);

/* width 1..64.  Returns a signal id >= 0, or -EBUSY once the first change
 * has been written, -EINVAL for a bad width/name, -ENOMEM. */
int hw_vcd_add_signal(hw_vcd *vcd, const char *name, unsigned width);
/* Same, with the value dumped at time 0 instead of 'x'. */
int hw_vcd_add_signal_init(hw_vcd *vcd, const char *name, unsigned width, uint64_t initial);
/* 0, or -EBUSY once a change has been written, or -errno of tmpfile(). */
int hw_vcd_allow_late_signals(hw_vcd *vcd);

/* The signals declared so far, in declaration order (ids 0..count-1). */
typedef struct hw_vcd_signal_desc {
    const char *scope;    /* dotted scope below "hw", "" for none */
    const char *leaf;
    unsigned    width;
} hw_vcd_signal_desc;
size_t hw_vcd_signal_count(const hw_vcd *vcd);
int hw_vcd_signal_info(const hw_vcd *vcd, size_t sig, hw_vcd_signal_desc *desc);

void hw_vcd_change(hw_vcd *vcd, int sig, hw_time_t t, uint64_t value);
void hw_vcd_schedule(hw_vcd *vcd, int sig, hw_time_t t, uint64_t value);
/* A one-nanosecond pulse on a 1-bit signal: 1 at t, 0 at t + 1. */
void hw_vcd_pulse(hw_vcd *vcd, int sig, hw_time_t t);

#ifdef __cplusplus
}
#endif
#endif
