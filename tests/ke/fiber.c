/* ke/fiber - the fiber backend's context switch and guarded stacks (sim/ke/fiber.c),
 * white-box: the switch must keep every callee-saved register (integer and
 * floating point), start a new fiber on an ABI-aligned stack, and stacks must have
 * their guard region where KiStackGuardHit looks for it. */
#include "ke/fiber.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

static KI_FIBER MainFiber, FiberA, FiberB;
static int Log[64], LogLength;
static volatile double Seed = 1.25;
static volatile long IntSeed = 5;

/* Many values live across each switch: at -O2 they sit in callee-saved registers
 * (x86-64 rbx, rbp, r12-r15; AArch64 x19-x28, d8-d15). */
static void EntryA(void *Argument)
{
    long x = (long)(intptr_t)Argument, y = x * 3, z = x + 7, w = IntSeed * 11, v = IntSeed * 13;
    double d0 = Seed, d1 = Seed * 2, d2 = Seed * 3, d3 = Seed * 4, d4 = Seed * 5, d5 = Seed * 6, d6 = Seed * 7,
           d7 = Seed * 8;
    for (int i = 0; i < 5; i++) {
        Log[LogLength++] = 10 + i;
        KiFiberSwitch(&FiberA, &FiberB, 0);
        x += 1, y += 3, z += 7, w += 11, v += 13;
        d0 += 1, d1 += 1, d2 += 1, d3 += 1, d4 += 1, d5 += 1, d6 += 1, d7 += 1;
    }
    Log[LogLength++] = (int)(x + y + z + w + v);
    Log[LogLength++] = (int)((d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7) * 4);
    /* a new fiber starts with the stack 16-byte aligned at every call, as the ABI wants */
    Log[LogLength++] = (int)((uintptr_t)__builtin_frame_address(0) % 16);
    KiFiberSwitch(&FiberA, &MainFiber, 1);
    fail_msg("a fiber that ended was resumed");
}

static void EntryB(void *Argument)
{
    (void)Argument;
    double e = Seed;
    for (;;) {
        Log[LogLength++] = 20;
        e = e * 1.5 + Seed; /* clobbers floating-point registers between A's switches */
        Seed = e > 1e6 ? 1.25 : Seed;
        KiFiberSwitch(&FiberB, &FiberA, 0);
    }
}

static void test_switch_keeps_callee_saved(void **state)
{
    (void)state;
    long keep1 = IntSeed * 111, keep2 = IntSeed * 222;
    double keep3 = Seed * 10;
    LogLength = 0;
    KiFiberAdoptCurrent(&MainFiber);
    assert_true(KiFiberCreate(&FiberA, EntryA, (void *)(intptr_t)5, 64 * 1024));
    assert_true(KiFiberCreate(&FiberB, EntryB, NULL, 64 * 1024));
    KiFiberSwitch(&MainFiber, &FiberA, 0);
    static const int Expected[] = { 10, 20, 11, 20, 12, 20, 13, 20, 14, 20, 5 + 5 + 15 + 15 + 12 + 35 + 55 + 55 + 65 + 65,
                                    (int)((1.25 * 36 + 40) * 4), 0 };
    assert_int_equal(LogLength, sizeof(Expected) / sizeof(Expected[0]));
    for (int i = 0; i < LogLength; i++)
        assert_int_equal(Log[i], Expected[i]);
    assert_int_equal(keep1, 555);
    assert_int_equal(keep2, 1110);
    assert_true(keep3 == 12.5);
    KiFiberDestroy(&FiberA);
    KiFiberDestroy(&FiberB);
    KiFiberDestroy(&MainFiber);
}

/* ---- a ring of fibers, each passing on to the next ---- */

#define RING 8
#define LAPS 2000
static KI_FIBER Ring[RING];
static int Visits[RING];

static void RingEntry(void *Argument)
{
    int Me = (int)(intptr_t)Argument;
    for (int Lap = 0; Lap < LAPS; Lap++) {
        Visits[Me]++;
        KI_FIBER *Next = Me == RING - 1 ? &MainFiber : &Ring[Me + 1];
        KiFiberSwitch(&Ring[Me], Next, Lap == LAPS - 1);
    }
    fail_msg("a fiber that ended was resumed");
}

static void test_ring_of_fibers(void **state)
{
    (void)state;
    memset(Visits, 0, sizeof(Visits));
    KiFiberAdoptCurrent(&MainFiber);
    for (int i = 0; i < RING; i++)
        assert_true(KiFiberCreate(&Ring[i], RingEntry, (void *)(intptr_t)i, 0));
    for (int Lap = 0; Lap < LAPS; Lap++) {
        KiFiberSwitch(&MainFiber, &Ring[0], 0);
        for (int i = 0; i < RING; i++)
            assert_int_equal(Visits[i], Lap + 1);
    }
    for (int i = 0; i < RING; i++)
        KiFiberDestroy(&Ring[i]);
    KiFiberDestroy(&MainFiber);
}

/* ---- guarded stacks ---- */

static void test_stack_guard(void **state)
{
    (void)state;
    KI_STACK Stack;
    assert_true(KiAllocateStack(&Stack, 100000));
    char *Low = KiStackLow(&Stack);
    assert_true(KiStackUsable(&Stack) >= 100000);
    assert_ptr_equal(Low, (char *)Stack.Base + KI_STACK_GUARD);
    assert_true(KiStackGuardHit(&Stack, Stack.Base));
    assert_true(KiStackGuardHit(&Stack, Low - 1));
    assert_false(KiStackGuardHit(&Stack, Low));
    assert_false(KiStackGuardHit(&Stack, (char *)Stack.Base - 1));
    Low[0] = 1; /* the usable part is writable, from its lowest byte */
    Low[KiStackUsable(&Stack) - 1] = 2;
    KiFreeStack(&Stack);
    assert_null(Stack.Base);
    assert_false(KiStackGuardHit(&Stack, Low));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_switch_keeps_callee_saved),
        cmocka_unit_test(test_ring_of_fibers),
        cmocka_unit_test(test_stack_guard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
