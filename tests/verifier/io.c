/* io.c - rules IO-01..IO-04: every IRP completed exactly once (or passed down, or
 * pended properly), references from IoGetDeviceObjectPointer dropped at unload, and
 * Unload undoing everything. The misuse is reached with a device control from the
 * host, as a user-mode program would send it. */
#include "vtest.h"
#include "../../driver/echo/echo_ioctl.h"

/* Load <name>, open \Device\<device> and send one METHOD_BUFFERED device control. */
static int32_t io_send(ntsim_machine *m, const char *name, const char *device, ntsim_driver **driver,
                       ntsim_file **file)
{
    *driver = vt_load(m, name, VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    char path[256];
    snprintf(path, sizeof(path), "\\Device\\%s", device);
    assert_int_equal(ntsim_open(m, path, file), VT_STATUS_SUCCESS);
    size_t returned = 0;
    return ntsim_ioctl(*file, VT_IOCTL_800, NULL, 0, NULL, 0, &returned);
}

static void io01_double_completion(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d;
    ntsim_file *f;
    assert_int_equal(io_send(m, "bad_io01_double", "BadIo01Double", &d, &f), NTSIM_E_CRASHED);
    const char *site = vt_site("bad_io01_double.c", "second-complete");
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0x44);
    assert_string_equal(bc.name, "MULTIPLE_IRP_COMPLETE_REQUESTS");
    assert_true(bc.params[0] != 0); /* the IRP */
    assert_string_equal(bc.site, site);
    assert_string_equal(bc.driver, "bad_io01_double");
    vt_assert_contains(bc.explanation, "IoCompleteRequest(");
    /* The I/O manager frees its IRP at the first completion, so the second call finds
     * it freed (P2 0xD17) rather than merely completed (P2 0x1D7): accept either. */
    assert_true(bc.params[1] == 0x1D7 || bc.params[1] == 0xD17);
    vt_expect_count(m, "BUGCHECK", 1);
    vt_expect_finding(m, "BUGCHECK", 0, NTSIM_SEV_ERROR, "bad_io01_double", site);
    vt_expect_only(m, 1, "BUGCHECK", NULL);
}

static void io01_pending_without_mark(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d;
    ntsim_file *f;
    io_send(m, "bad_io01_nomark", "BadIo01Nomark", &d, &f);
    vt_expect_count(m, "IO-01", 1);
    const ntsim_finding *x = vt_expect_finding(m, "IO-01", 0, NTSIM_SEV_ERROR, "bad_io01_nomark", NULL);
    vt_assert_contains(x->message, "major function 0x0e");
    vt_assert_contains(x->message, "STATUS_PENDING without IoMarkIrpPending");
    assert_int_equal(ntsim_finding_count(m), 1);
    assert_int_equal(ntsim_close(f), 0);
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void io01_status_mismatch(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d;
    ntsim_file *f;
    /* the caller sees the status the IRP was completed with */
    assert_int_equal(io_send(m, "bad_io01_status", "BadIo01Status", &d, &f), VT_STATUS_INVALID_DEVICE_REQUEST);
    vt_expect_count(m, "IO-01", 1);
    const ntsim_finding *x = vt_expect_finding(m, "IO-01", 0, NTSIM_SEV_ERROR, "bad_io01_status", NULL);
    vt_assert_contains(x->message, "returned 0x00000000 but completed the IRP with IoStatus.Status 0xC0000010");
    assert_int_equal(ntsim_finding_count(m), 1);
    assert_int_equal(ntsim_close(f), 0);
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void io02_not_completed(void **state)
{
    ntsim_machine *m = *state;
    vt_load(m, "bad_io02_forgot", VT_STATUS_SUCCESS);
    ntsim_file *f = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadIo02Forgot", &f), VT_STATUS_SUCCESS);
    /* Overlapped, so the host does not wait for a completion that never comes: the
     * request stays pending for good. */
    ntsim_request *r = NULL;
    assert_int_equal(ntsim_ioctl_async(f, VT_IOCTL_800, NULL, 0, NULL, 0, &r), VT_STATUS_PENDING);
    assert_non_null(r);
    int32_t status = -1;
    size_t information = 0;
    assert_false(ntsim_request_done(r, &status, &information));
    vt_expect_count(m, "IO-02", 1);
    const ntsim_finding *x = vt_expect_finding(m, "IO-02", 0, NTSIM_SEV_ERROR, "bad_io02_forgot", NULL);
    vt_assert_contains(x->message, "major function 0x0e");
    vt_assert_contains(x->message, "neither completed, passed down, queued nor pended");
    vt_expect_only(m, 1, "IO-02", NULL);
}

/* echo.sys pends a read with IoMarkIrpPending + STATUS_PENDING and completes it
 * from the next write: the correct counterpart of every IO-01/IO-02 case. */
static void io_echo_pending_read(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_file *f = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\NtsimEcho", &f), VT_STATUS_SUCCESS);
    char buffer[8] = { 0 };
    ntsim_request *r = NULL;
    assert_int_equal(ntsim_read_async(f, buffer, sizeof(buffer), &r), VT_STATUS_PENDING);
    int32_t status = -1;
    size_t information = 0;
    assert_false(ntsim_request_done(r, &status, &information));
    size_t n = 0;
    assert_int_equal(ntsim_write(f, "ping", 4, &n), 0);
    assert_true(ntsim_request_done(r, &status, &information));
    assert_int_equal(status, 0);
    assert_int_equal(information, 4);
    assert_memory_equal(buffer, "ping", 4);
    ntsim_request_free(r);
    uint32_t in = 7, out = 0;
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(f, IOCTL_ECHO_BUFFERED, &in, sizeof(in), &out, sizeof(out), &returned), 0);
    assert_int_equal(out, 7);
    assert_int_equal(ntsim_close(f), 0);
    vt_unload(d);
    vt_expect_clean(m);
}

static void io03_file_reference_kept(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *echo = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_driver *d = vt_load(m, "bad_io03_fileref", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    vt_unload(d);
    const char *site = vt_site("bad_io03_fileref.c", "get-pointer");
    vt_expect_count(m, "IO-03", 1);
    const ntsim_finding *x = vt_expect_finding(m, "IO-03", 0, NTSIM_SEV_ERROR, "bad_io03_fileref", site);
    vt_assert_contains(x->message, "file object of \\Device\\NtsimEcho from IoGetDeviceObjectPointer");
    vt_assert_contains(x->message, "after Unload");
    assert_int_equal(ntsim_finding_count(m), 1);
    /* the reference was reclaimed, so echo itself unloads cleanly */
    vt_unload(echo);
    assert_int_equal(ntsim_finding_count(m), 1);
}

static void io03_good_layered(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *echo = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_driver *d = vt_load(m, "good_layered", VT_STATUS_SUCCESS);
    ntsim_file *f = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\GoodLayered", &f), VT_STATUS_SUCCESS);
    uint32_t in = 0x5A5A, out = 0;
    size_t returned = 0;
    /* passed down to echo, which echoes METHOD_BUFFERED input */
    assert_int_equal(ntsim_ioctl(f, IOCTL_ECHO_BUFFERED, &in, sizeof(in), &out, sizeof(out), &returned), 0);
    assert_int_equal(out, 0x5A5A);
    assert_int_equal(ntsim_close(f), 0);
    vt_unload(d);
    vt_unload(echo);
    vt_expect_clean(m);
}

static void io04_unload_leaks(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "bad_io04_unload", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    vt_unload(d);
    const char *pool = vt_site("bad_io04_unload.c", "alloc-buffer");
    const char *link = vt_site("bad_io04_unload.c", "create-link");
    vt_expect_count(m, "IO-04", 2);
    const ntsim_finding *a = vt_finding(m, "IO-04", 0), *b = vt_finding(m, "IO-04", 1);
    if (strstr(a->message, "symbolic link")) {
        const ntsim_finding *t = a;
        a = b;
        b = t;
    }
    assert_int_equal(a->severity, NTSIM_SEV_ERROR);
    assert_string_equal(a->driver, "bad_io04_unload");
    assert_string_equal(a->site, pool);
    vt_assert_contains(a->message, "nonpaged pool block of 512 bytes, tag 'BIo4' after Unload");
    assert_int_equal(b->severity, NTSIM_SEV_ERROR);
    assert_string_equal(b->driver, "bad_io04_unload");
    assert_string_equal(b->site, link);
    vt_assert_contains(b->message, "symbolic link \\??\\BadIo04Unload -> \\Device\\BadIo04Unload after Unload");
    assert_int_equal(ntsim_finding_count(m), 2);
    assert_false(ntsim_object_exists(m, "\\??\\BadIo04Unload"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(io01_double_completion), VT_TEST(io01_pending_without_mark), VT_TEST(io01_status_mismatch),
        VT_TEST(io02_not_completed),     VT_TEST(io_echo_pending_read),      VT_TEST(io03_file_reference_kept),
        VT_TEST(io03_good_layered),      VT_TEST(io04_unload_leaks),
    };
    return VT_RUN("verifier/io", tests);
}
