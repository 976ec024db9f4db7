/* corpus.c - the regression corpus of correct drivers: each is loaded (after the
 * driver it layers over), opened, sent its request, closed and unloaded, and the
 * machine must hold zero findings of any severity and never bug-check. A finding on
 * a correct driver is a bug in ntsim. */
#include "../verifier/vtest.h"

typedef enum { REQ_NONE, REQ_OPEN, REQ_IOCTL, REQ_ECHO, REQ_SHUTDOWN } corpus_request;

typedef struct {
    const char *driver;
    const char *below;   /* loaded first: the driver this one layers over, or NULL */
    int32_t entry_status;
    const char *device;  /* opened for the request */
    corpus_request request;
    int32_t expect;      /* status of the request */
    uint32_t in;         /* ioctl input word (sent when non-zero) */
    uint32_t out;        /* expected first output word of the ioctl (checked when non-zero) */
} corpus_case;

static const corpus_case corpus[] = {
    { "echo", NULL, 0, "\\Device\\NtsimEcho", REQ_ECHO, 0, 0, 0 },
    { "good_fail", NULL, VT_STATUS_DEVICE_DOES_NOT_EXIST, NULL, REQ_NONE, 0, 0, 0 },
    { "good_reinit", NULL, 0, "\\Device\\GoodReinit", REQ_OPEN, 0, 0, 0 },
    { "good_shutdown", NULL, 0, "\\Device\\GoodShutdown", REQ_SHUTDOWN, 0, 0, 0 },
    { "good_regpath", NULL, 0, "\\Device\\GoodRegpath", REQ_IOCTL, 0, 0, 0 },
    { "good_layered", "echo", 0, "\\Device\\GoodLayered", REQ_IOCTL, 0, 0x5A5A, 0x5A5A },
    { "good_lock", NULL, 0, "\\Device\\GoodLock", REQ_IOCTL, 0, 0, 1 },
    { "good_seh", NULL, 0, "\\Device\\GoodSeh", REQ_IOCTL, 0, 7, 0 },
    { "good_filter", "echo", 0, "\\Device\\NtsimEcho", REQ_ECHO, 0, 0, 0 },
    { "good_reinit_requeue", NULL, 0, "\\Device\\GoodReinitRequeue", REQ_IOCTL, 0, 0, 3 },
    { "good_claim_unload", NULL, 0, "\\Device\\GoodClaimLegacy", REQ_OPEN, 0, 0, 0 },
    { "good_lock_ext", NULL, 0, "\\Device\\GoodLockExt", REQ_IOCTL, 0, 0, 1 },
    { "good_timeouts", NULL, 0, "\\Device\\GoodTimeouts", REQ_IOCTL, 0, 0, 5 }, /* all five waits as asked */
};

static void corpus_echo(ntsim_file *file)
{
    char in[16] = { 0 };
    ntsim_request *read = NULL;
    size_t n = 0;
    /* a read that pends, completed by the write */
    assert_int_equal(ntsim_read_async(file, in, sizeof(in), &read), VT_STATUS_PENDING);
    assert_int_equal(ntsim_write(file, "corpus", 6, &n), VT_STATUS_SUCCESS);
    int32_t status = -1;
    assert_true(ntsim_request_done(read, &status, &n));
    assert_int_equal(status, VT_STATUS_SUCCESS);
    assert_memory_equal(in, "corpus", 6);
    ntsim_request_free(read);
}

static void corpus_request_run(ntsim_machine *m, const corpus_case *c, ntsim_file *file)
{
    uint32_t in = c->in, out = 0;
    size_t returned = 0;
    switch (c->request) {
    case REQ_IOCTL:
        assert_int_equal(ntsim_ioctl(file, VT_IOCTL_800, c->in ? &in : NULL, c->in ? sizeof(in) : 0, &out,
                                     sizeof(out), &returned),
                         c->expect);
        if (c->out) {
            assert_int_equal(returned, sizeof(out));
            assert_int_equal(out, c->out);
        }
        break;
    case REQ_ECHO:
        corpus_echo(file);
        break;
    case REQ_SHUTDOWN:
        assert_int_equal(ntsim_shutdown(m), 0);
        break;
    default:
        break;
    }
}

static void corpus_run(void **state, const corpus_case *c)
{
    ntsim_machine *m = *state;
    ntsim_driver *below = c->below ? vt_load(m, c->below, VT_STATUS_SUCCESS) : NULL;
    ntsim_driver *driver = vt_load(m, c->driver, c->entry_status);
    vt_expect_clean(m);
    if (driver == NULL) {
        assert_true(c->entry_status < 0);
    } else {
        if (c->device) {
            ntsim_file *file = NULL;
            assert_int_equal(ntsim_open(m, c->device, &file), VT_STATUS_SUCCESS);
            corpus_request_run(m, c, file);
            assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
        }
        vt_expect_clean(m);
        vt_unload(driver);
    }
    if (below)
        vt_unload(below);
    vt_expect_clean(m);
}

/* One CMocka test per driver, so a failure names the driver. */
typedef struct {
    ntsim_machine *machine;
    const corpus_case *c;
} corpus_state;

static int corpus_setup(void **state)
{
    const corpus_case *c = *state; /* the initial state is the case */
    corpus_state *s = calloc(1, sizeof(*s));
    void *m = NULL;
    if (s == NULL || vt_setup(&m) != 0)
        return -1;
    s->machine = m;
    s->c = c;
    *state = s;
    return 0;
}

static int corpus_teardown(void **state)
{
    corpus_state *s = *state;
    ntsim_machine_destroy(s->machine);
    free(s);
    return 0;
}

static void corpus_test(void **state)
{
    corpus_state *s = *state;
    void *m = s->machine;
    corpus_run(&m, s->c);
}

/* good_pnp_filter over wdmserial on COM1 through every way a stack goes (rule PN-06 must
 * stay quiet): I/O through the filter; an orderly removal where the filter sends its own
 * request down before it passes REMOVE on; the same PDO started again (the new stack's
 * START reaches the PDO that REMOVE went through before); a surprise removal with a
 * handle open, I/O through the filter until the last close sends REMOVE. */
#define CORPUS_COM1 "ACPI\\PNP0501\\1"
#define CORPUS_STATUS_DEVICE_NOT_READY ((int32_t)0xC00000A3)

static void corpus_pnp_write(ntsim_machine *m, int32_t expect)
{
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\WdmSerial0", &file), VT_STATUS_SUCCESS);
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "corpus", 6, &n), expect);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
}

static void corpus_pnp_filter(void **state)
{
    ntsim_machine *m = *state;
    assert_int_equal(ntsim_pnp_bind(m, "*PNP0501", vt_image("wdmserial"), NULL, NTSIM_PNP_FUNCTION), 0);
    assert_int_equal(ntsim_pnp_bind(m, "*PNP0501", vt_image("good_pnp_filter"), NULL, NTSIM_PNP_UPPER_FILTER), 0);
    assert_int_equal(ntsim_pnp_start(m), 0);
    assert_string_equal(ntsim_pnp_state(m, CORPUS_COM1), "started");
    char *tree = ntsim_pnp_tree_text(m);
    assert_non_null(strstr(tree, "filter \\Driver\\good_pnp_filter"));
    free(tree);
    corpus_pnp_write(m, VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_remove(m, CORPUS_COM1), 0);
    assert_string_equal(ntsim_pnp_state(m, CORPUS_COM1), "removed");
    assert_int_equal(ntsim_pnp_start_device(m, CORPUS_COM1), 0);
    assert_string_equal(ntsim_pnp_state(m, CORPUS_COM1), "started");
    corpus_pnp_write(m, VT_STATUS_SUCCESS);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\WdmSerial0", &file), VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_pnp_surprise_remove(m, CORPUS_COM1), 0);
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "late", 4, &n), CORPUS_STATUS_DEVICE_NOT_READY); /* through the filter */
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS); /* the last handle: REMOVE now */
    assert_false(ntsim_object_exists(m, "\\Driver\\good_pnp_filter"));
    vt_expect_clean(m);
}

int main(void)
{
    enum { N = sizeof(corpus) / sizeof(corpus[0]) };
    struct CMUnitTest tests[N + 1];
    for (size_t i = 0; i < N; i++) {
        tests[i] = (struct CMUnitTest){ corpus[i].driver, corpus_test, corpus_setup, corpus_teardown,
                                        (void *)&corpus[i] };
    }
    tests[N] = (struct CMUnitTest)VT_TEST(corpus_pnp_filter);
    return VT_RUN("good/corpus", tests);
}
