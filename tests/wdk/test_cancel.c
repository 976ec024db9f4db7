/* wdk/cancel - cancellation from the host: ntsim_request_cancel (CancelIoEx on one
 * request) and ntsim_file_cancel (CancelIo on a file), against wdk_cancel.sys (a cancel
 * routine under the cancel spin lock) and wdk_csq.sys (a cancel-safe queue). */
#include "wdktest.h"
#include "drivers/wdkioctl.h"

#define STATUS_PENDING 0x00000103
#define STATUS_CANCELLED ((int32_t)0xC0000120)
#define STATUS_NOT_FOUND ((int32_t)0xC0000225)

static ntsim_file *open_path(const char *path)
{
    ntsim_file *f = NULL;
    assert_status(ntsim_open(M, path, &f), 0);
    return f;
}

static ntsim_request *queue(ntsim_file *f, uint32_t code)
{
    ntsim_request *r = NULL;
    assert_status(ntsim_ioctl_async(f, code, NULL, 0, NULL, 0, &r), STATUS_PENDING);
    return r;
}

static int32_t done_status(ntsim_request *r)
{
    int32_t s = -1;
    assert_true(ntsim_request_done(r, &s, NULL));
    return s;
}

static WDK_COUNTS counts(ntsim_file *f)
{
    WDK_COUNTS c = { 99, 99 };
    assert_status(ntsim_ioctl(f, IOCTL_WDK_COUNTS, NULL, 0, &c, sizeof(c), NULL), 0);
    return c;
}

static void test_cancel_one_request(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_cancel.sys");
    ntsim_file *f = open_path("\\\\.\\WdkCancel");
    ntsim_request *a = queue(f, IOCTL_WDK_QUEUE), *b = queue(f, IOCTL_WDK_QUEUE);
    assert_int_equal(ntsim_request_cancel(a), 1); /* the driver's cancel routine ran */
    assert_status(done_status(a), STATUS_CANCELLED);
    assert_false(ntsim_request_done(b, NULL, NULL));
    WDK_COUNTS c = counts(f);
    assert_int_equal(c.Queued, 1);
    assert_int_equal(c.Cancelled, 1);
    assert_int_equal(ntsim_request_cancel(a), 0); /* completed: nothing left to cancel */
    ntsim_request_free(a);
    uint32_t info = 3;
    assert_status(ntsim_ioctl(f, IOCTL_WDK_COMPLETE_NEXT, &info, sizeof(info), NULL, 0, NULL), 0);
    assert_status(done_status(b), 0);
    ntsim_request_free(b);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* An IRP pended without a cancel routine cannot be cancelled: IoCancelIrp only sets
 * Irp->Cancel and returns FALSE; the request stays pending until the driver finishes it. */
static void test_not_cancelable(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_cancel.sys");
    ntsim_file *f = open_path("\\\\.\\WdkCancel");
    ntsim_request *r = queue(f, IOCTL_WDK_QUEUE_NOCANCEL);
    assert_int_equal(ntsim_request_cancel(r), 0);
    assert_false(ntsim_request_done(r, NULL, NULL));
    uint32_t info = 8;
    assert_status(ntsim_ioctl(f, IOCTL_WDK_COMPLETE_NEXT, &info, sizeof(info), NULL, 0, NULL), 0);
    assert_status(done_status(r), 0);
    ntsim_request_free(r);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* CancelIo: every cancelable request of the file, none of another file's. */
static void test_cancel_file(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_cancel.sys");
    ntsim_file *f = open_path("\\\\.\\WdkCancel"), *g = open_path("\\\\.\\WdkCancel");
    ntsim_request *f1 = queue(f, IOCTL_WDK_QUEUE), *g1 = queue(g, IOCTL_WDK_QUEUE);
    ntsim_request *f2 = queue(f, IOCTL_WDK_QUEUE), *f3 = queue(f, IOCTL_WDK_QUEUE_NOCANCEL);
    assert_int_equal(ntsim_file_cancel(f), 2);
    assert_status(done_status(f1), STATUS_CANCELLED);
    assert_status(done_status(f2), STATUS_CANCELLED);
    assert_false(ntsim_request_done(f3, NULL, NULL));
    assert_false(ntsim_request_done(g1, NULL, NULL));
    /* closing f: its cleanup finishes the request that could not be cancelled */
    assert_status(ntsim_close(f), 0);
    assert_status(done_status(f3), STATUS_CANCELLED);
    assert_false(ntsim_request_done(g1, NULL, NULL));
    assert_int_equal(ntsim_file_cancel(g), 1);
    assert_status(done_status(g1), STATUS_CANCELLED);
    assert_int_equal(ntsim_file_cancel(g), 0); /* nothing pending any more */
    ntsim_request_free(f1);
    ntsim_request_free(f2);
    ntsim_request_free(f3);
    ntsim_request_free(g1);
    assert_status(ntsim_close(g), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* The same from the host against a cancel-safe queue: the csq's own cancel routine. */
static void test_cancel_file_csq(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_path("\\\\.\\WdkCsq");
    ntsim_request *a = queue(f, IOCTL_WDK_QUEUE), *b = queue(f, IOCTL_WDK_QUEUE_CONTEXT);
    assert_int_equal(ntsim_file_cancel(f), 2);
    assert_status(done_status(a), STATUS_CANCELLED);
    assert_status(done_status(b), STATUS_CANCELLED);
    WDK_COUNTS c = counts(f);
    assert_int_equal(c.Queued, 0);
    assert_int_equal(c.Cancelled, 2);
    uint32_t info = 1;
    assert_status(ntsim_ioctl(f, IOCTL_WDK_COMPLETE_NEXT, &info, sizeof(info), NULL, 0, NULL), STATUS_NOT_FOUND);
    ntsim_request_free(a);
    ntsim_request_free(b);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(ntsim_request_cancel(NULL), NTSIM_E_ARGS);
    assert_int_equal(ntsim_file_cancel(NULL), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "not an open file"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cancel_one_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_cancelable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_file_csq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
