/* timer/driver - the timer sample driver end to end, in virtual time. */
#include <ntsim/ntsim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../../driver/timer/timer_ioctl.h"

#define MS(n) ((uint64_t)(n) * 1000000u)

static ntsim_machine *M;
static ntsim_driver *D;
static ntsim_file *F;

static const char *image(void)
{
    static char path[1024];
    const char *dir = getenv("NTSIM_DRIVER_DIR");
    snprintf(path, sizeof(path), "%s/timer.sys", dir ? dir : NTSIM_DRIVER_DIR);
    return path;
}

static void start(uint64_t seed)
{
    ntsim_machine_config config = { .cpus = 1, .seed = seed, .verifier = 1, .quiet = 1 };
    M = ntsim_machine_create(&config);
    assert_non_null(M);
    int32_t status = -1;
    assert_int_equal(ntsim_driver_load(M, image(), NULL, &D, &status), 0);
    assert_int_equal(status, 0);
    assert_int_equal(ntsim_open(M, TIMER_USER_PATH, &F), 0);
}

static void stop(void)
{
    if (F)
        ntsim_close(F);
    if (D)
        assert_int_equal(ntsim_driver_unload(D), 0);
    if (ntsim_finding_count(M))
        ntsim_print_findings(stdout, M);
    assert_int_equal(ntsim_finding_count(M), 0);
    assert_int_equal(ntsim_thread_count(M), 0);
    ntsim_machine_destroy(M);
    M = NULL;
    D = NULL;
    F = NULL;
}

static int32_t wait_ms(unsigned ms, uint64_t *completed_at)
{
    uint32_t in = ms;
    uint64_t out = 0;
    size_t returned = 0;
    int32_t s = ntsim_ioctl(F, IOCTL_TIMER_WAIT, &in, sizeof(in), &out, sizeof(out), &returned);
    if (completed_at)
        *completed_at = out;
    return s;
}

static TIMER_STATS stats(void)
{
    TIMER_STATS st;
    size_t returned = 0;
    memset(&st, 0, sizeof(st));
    assert_int_equal(ntsim_ioctl(F, IOCTL_TIMER_STATS, NULL, 0, &st, sizeof(st), &returned), 0);
    assert_int_equal(returned, sizeof(st));
    return st;
}

/* The synchronous call waits while virtual time passes; the DPC completes the IRP at
 * the first 10 ms tick after the due time. */
static void test_timeout_exact(void **state)
{
    (void)state;
    start(0);
    uint64_t at = 0;
    assert_int_equal(ntsim_now_ns(M), 0);
    assert_int_equal(wait_ms(25, &at), 0);
    assert_int_equal(ntsim_now_ns(M), MS(30));
    assert_int_equal(at, 300000); /* interrupt time, 100 ns units */
    assert_int_equal(wait_ms(20, &at), 0); /* due at 50 ms: a tick */
    assert_int_equal(ntsim_now_ns(M), MS(50));
    assert_int_equal(at, 500000);
    assert_int_equal(ntsim_run_for(M, 0), 0); /* let the system thread catch up */
    TIMER_STATS st = stats();
    assert_int_equal(st.Ticks, 5);
    assert_int_equal(st.Completed, 2);
    assert_int_equal(st.ThreadWork, 2);
    assert_int_equal(st.Pending, 0);
    stop();
}

/* Ten seconds of virtual time in (host) milliseconds; async requests complete in
 * due-time order, whatever order they were sent in. */
static void test_ten_seconds(void **state)
{
    (void)state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    start(0);
    static const unsigned due[] = { 10000, 2500, 7000 };
    ntsim_request *r[3];
    uint32_t in[3];
    uint64_t out[3];
    for (int i = 0; i < 3; i++) {
        in[i] = due[i];
        assert_int_equal(ntsim_ioctl_async(F, IOCTL_TIMER_WAIT, &in[i], sizeof(in[i]), &out[i], sizeof(out[i]), &r[i]),
                         0x103 /* STATUS_PENDING */);
    }
    assert_int_equal(ntsim_request_wait(r[1], UINT64_MAX), 1);
    assert_int_equal(ntsim_now_ns(M), MS(2500));
    assert_int_equal(ntsim_request_wait(r[0], MS(1000)), 0); /* not yet: timed out at 3.5 s */
    assert_int_equal(ntsim_now_ns(M), MS(3500));
    assert_int_equal(ntsim_request_wait(r[0], UINT64_MAX), 1);
    assert_int_equal(ntsim_now_ns(M), MS(10000));
    assert_true(ntsim_request_done(r[2], NULL, NULL));
    for (int i = 0; i < 3; i++) {
        int32_t s = -1;
        size_t info = 0;
        assert_true(ntsim_request_done(r[i], &s, &info));
        assert_int_equal(s, 0);
        assert_int_equal(info, 8);
        assert_int_equal(out[i], (uint64_t)due[i] * 10000);
        ntsim_request_free(r[i]);
    }
    assert_int_equal(ntsim_run_for(M, 0), 0);
    TIMER_STATS st = stats();
    assert_int_equal(st.Ticks, 1000);
    assert_int_equal(st.ThreadWork, 3);
    stop();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("10 s of virtual time took %.1f ms of host time\n", ms);
    assert_true(ms < 5000); /* milliseconds in practice; generous for sanitizer builds */
}

/* Unload with requests still pending: they complete with STATUS_CANCELLED, the
 * thread ends, the timer is cancelled: the audit finds nothing. */
static void test_unload_with_pending(void **state)
{
    (void)state;
    start(0);
    ntsim_request *r;
    uint32_t in = 60000;
    uint64_t out;
    assert_int_equal(ntsim_ioctl_async(F, IOCTL_TIMER_WAIT, &in, sizeof(in), &out, sizeof(out), &r), 0x103);
    assert_int_equal(ntsim_run_for(M, MS(100)), 0);
    assert_false(ntsim_request_done(r, NULL, NULL));
    assert_int_equal(ntsim_thread_count(M), 1);
    ntsim_close(F);
    F = NULL;
    assert_int_equal(ntsim_driver_unload(D), 0);
    D = NULL;
    int32_t s = 0;
    assert_true(ntsim_request_done(r, &s, NULL));
    assert_int_equal((uint32_t)s, 0xC0000120u); /* STATUS_CANCELLED */
    ntsim_request_free(r);
    assert_int_equal(ntsim_run_for(M, MS(100)), 0); /* nothing of the driver runs any more */
    stop();
}

/* The same seed gives the same interleaving and the same trace. */
static char *traced_run(uint64_t seed)
{
    start(seed);
    ntsim_trace_enable(M, 1);
    ntsim_request *r[4];
    uint32_t in[4] = { 35, 10, 35, 20 };
    uint64_t out[4];
    for (int i = 0; i < 4; i++)
        ntsim_ioctl_async(F, IOCTL_TIMER_WAIT, &in[i], sizeof(in[i]), &out[i], sizeof(out[i]), &r[i]);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ntsim_request_wait(r[i], UINT64_MAX), 1);
        ntsim_request_free(r[i]);
    }
    ntsim_close(F);
    F = NULL;
    assert_int_equal(ntsim_driver_unload(D), 0);
    D = NULL;
    char *trace = strdup(ntsim_trace_text(M));
    stop();
    return trace;
}

static void test_same_seed_same_trace(void **state)
{
    (void)state;
    char *a = traced_run(42);
    char *b = traced_run(42);
    assert_true(strlen(a) > 0);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "DPC timer"));
    assert_non_null(strstr(a, "thread exit timer!"));
    free(a);
    free(b);
}

/* Fault injection: PsCreateSystemThread fails; DriverEntry cleans up (FL-01 quiet). */
static void test_thread_creation_fails(void **state)
{
    (void)state;
    ntsim_machine_config config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    M = ntsim_machine_create(&config);
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1,class=thread"), 0);
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load(M, image(), NULL, &D, &status), 0);
    assert_int_equal((uint32_t)status, 0xC000009Au); /* STATUS_INSUFFICIENT_RESOURCES */
    assert_null(D);
    assert_int_equal(ntsim_count_rule(M, "FL-01"), 0);
    assert_int_equal(ntsim_thread_count(M), 0);
    ntsim_machine_destroy(M);
    M = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timeout_exact),
        cmocka_unit_test(test_ten_seconds),
        cmocka_unit_test(test_unload_with_pending),
        cmocka_unit_test(test_same_seed_same_trace),
        cmocka_unit_test(test_thread_creation_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
