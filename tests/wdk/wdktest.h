/* wdktest.h - helpers shared by the tests/wdk suites: a fresh machine per test, loading
 * a DriverEntry linked into the test or a driver image, and finding lookups. */
#ifndef WDK_TEST_H
#define WDK_TEST_H
#include <ntsim/ntsim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))

static ntsim_machine *M;

static inline int setup(void **state)
{
    ntsim_machine_config config = { .cpus = 1, .verifier = 1, .quiet = getenv("WDK_VERBOSE") == NULL };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    M = ntsim_machine_create(&config);
    *state = M;
    return M ? 0 : -1;
}

static inline int teardown(void **state)
{
    (void)state;
    ntsim_machine_destroy(M);
    M = NULL;
    return 0;
}

/* The first finding of rule whose message contains text (NULL: any), or NULL. */
static inline const ntsim_finding *find(const char *rule, const char *text)
{
    for (size_t i = 0; i < ntsim_finding_count(M); i++) {
        const ntsim_finding *f = ntsim_finding_at(M, i);
        if (strcmp(f->rule, rule) == 0 && (text == NULL || strstr(f->message, text)))
            return f;
    }
    return NULL;
}

static inline size_t error_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (ntsim_finding_at(M, i)->severity == NTSIM_SEV_ERROR)
            n++;
    return n;
}

static inline void expect_no_errors(void)
{
    if (error_count() != 0) {
        ntsim_print_findings(stdout, M);
        fail_msg("expected no error findings");
    }
}

/* Load a DriverEntry linked into the test as driver "name"; its status, or NTSIM_E_*. */
static inline int32_t run_entry(const char *name, ntsim_driver_entry entry, ntsim_driver **driver)
{
    int32_t status = -1;
    ntsim_driver *d = NULL;
    int r = ntsim_driver_load_entry(M, name, entry, &d, &status);
    if (driver)
        *driver = d;
    return r ? r : status;
}

static inline ntsim_driver *load_image(const char *file)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", NTSIM_DRIVER_DIR, file);
    ntsim_driver *d = NULL;
    int32_t status = -1;
    int r = ntsim_driver_load(M, path, NULL, &d, &status);
    if (r != 0)
        fail_msg("loading %s: %s", file, ntsim_last_error());
    assert_status(status, 0);
    assert_non_null(d);
    return d;
}

static inline ntsim_bugcheck expect_bugcheck(uint32_t code)
{
    ntsim_bugcheck bc;
    memset(&bc, 0, sizeof(bc));
    if (!ntsim_machine_crashed(M, &bc)) {
        ntsim_print_findings(stdout, M);
        fail_msg("expected bug check 0x%X, the machine did not crash", code);
    }
    if (bc.code != code) {
        ntsim_print_bugcheck(stdout, &bc);
        fail_msg("expected bug check 0x%X, got 0x%X", code, bc.code);
    }
    return bc;
}
#endif
