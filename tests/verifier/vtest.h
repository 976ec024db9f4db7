/*
 * vtest.h - helpers shared by the verifier suites: a fresh quiet machine per test,
 * image paths, the driver source line a LINE_MARK comment sits on, and checks on
 * the findings a machine collected.
 */
#ifndef NTSIM_TESTS_VTEST_H
#define NTSIM_TESTS_VTEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntsim/ntsim.h>

#define VT_STATUS_SUCCESS 0
#define VT_STATUS_PENDING 0x00000103
#define VT_STATUS_INVALID_PARAMETER ((int32_t)0xC000000D)
#define VT_STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define VT_STATUS_DEVICE_DOES_NOT_EXIST ((int32_t)0xC00000C0)
#define VT_STATUS_INSUFFICIENT_RESOURCES ((int32_t)0xC000009A)

/* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), as the drivers use */
#define VT_IOCTL_800 ((0x22u << 16) | (0x800u << 2))

/* ---- machine per test (cmocka setup/teardown) ---- */

static inline int vt_setup(void **state)
{
    setenv("NTSIM_QUIET", "1", 1);
    ntsim_machine *m = ntsim_machine_create(NULL);
    if (m == NULL)
        return -1;
    *state = m;
    return 0;
}

static inline int vt_teardown(void **state)
{
    ntsim_machine_destroy(*state);
    return 0;
}

#define VT_TEST(fn) cmocka_unit_test_setup_teardown(fn, vt_setup, vt_teardown)

/* ---- images and sources ---- */

static inline const char *vt_image(const char *name)
{
    static char path[4][1024];
    static int next;
    char *p = path[next++ & 3];
    snprintf(p, sizeof(path[0]), "%s/%s.sys", NTSIM_DRIVER_DIR, name);
    return p;
}

/* The 1-based line of tests/bad/<file> that carries "LINE_MARK: <mark>" (exactly once). */
static inline int vt_line(const char *file, const char *mark)
{
    char path[1024], needle[256], text[1024];
    snprintf(path, sizeof(path), "%s/tests/bad/%s", NTSIM_SOURCE_DIR, file);
    snprintf(needle, sizeof(needle), "LINE_MARK: %s ", mark);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot read %s", path);
    int line = 0, found = 0, count = 0;
    while (fgets(text, sizeof(text), f)) {
        line++;
        if (strstr(text, needle)) {
            found = line;
            count++;
        }
    }
    fclose(f);
    if (count != 1)
        fail_msg("%s: mark '%s' found %d times (need exactly 1)", path, mark, count);
    return found;
}

/* "<source dir>/tests/bad/file.c:<line of mark>": reports name the full path (gcc style). */
static inline const char *vt_site(const char *file, const char *mark)
{
    static char site[4][1024];
    static int next;
    char *s = site[next++ & 3];
    snprintf(s, sizeof(site[0]), "%s/tests/bad/%s:%d", NTSIM_SOURCE_DIR, file, vt_line(file, mark));
    return s;
}

/* "file.c:<line of mark>": a fault-injection point's name (points keep the short form). */
static inline const char *vt_point_site(const char *file, const char *mark)
{
    static char site[4][256];
    static int next;
    char *s = site[next++ & 3];
    snprintf(s, sizeof(site[0]), "%s:%d", file, vt_line(file, mark));
    return s;
}

/* ---- loading ---- */

static inline ntsim_driver *vt_load(ntsim_machine *m, const char *name, int32_t expect_status)
{
    ntsim_driver *driver = NULL;
    int32_t status = -1;
    int rc = ntsim_driver_load(m, vt_image(name), NULL, &driver, &status);
    if (rc != 0)
        fail_msg("loading %s: rc %d: %s", name, rc, ntsim_last_error());
    if (status != expect_status)
        fail_msg("%s: DriverEntry returned %s, expected %s", name, ntsim_status_name(status),
                 ntsim_status_name(expect_status));
    if (status >= 0 && driver == NULL)
        fail_msg("%s: DriverEntry succeeded but no driver handle", name);
    if (status < 0 && driver != NULL)
        fail_msg("%s: DriverEntry failed but the driver stayed loaded (FL-07)", name);
    return driver;
}

static inline void vt_unload(ntsim_driver *driver)
{
    int rc = ntsim_driver_unload(driver);
    if (rc != 0)
        fail_msg("unload: rc %d: %s", rc, ntsim_last_error());
}

/* ---- findings ---- */

static inline void vt_dump(ntsim_machine *m)
{
    fprintf(stderr, "--- findings ---\n");
    ntsim_print_findings(stderr, m);
}

/* The index-th (0-based) finding with this rule; fails the test if there is none. */
static inline const ntsim_finding *vt_finding(ntsim_machine *m, const char *rule, size_t index)
{
    size_t seen = 0;
    for (size_t i = 0; i < ntsim_finding_count(m); i++) {
        const ntsim_finding *f = ntsim_finding_at(m, i);
        if (strcmp(f->rule, rule) == 0 && seen++ == index)
            return f;
    }
    vt_dump(m);
    fail_msg("no finding #%zu for rule %s", index, rule);
    return NULL;
}

static inline void vt_expect_count(ntsim_machine *m, const char *rule, size_t expected)
{
    size_t n = ntsim_count_rule(m, rule);
    if (n != expected) {
        vt_dump(m);
        fail_msg("rule %s reported %zu times, expected %zu", rule, n, expected);
    }
}

/* Every finding of error severity (or of any severity with all_levels) has one of
 * the rules in the NULL-terminated list. */
static inline void vt_expect_only(ntsim_machine *m, int all_levels, ...)
{
    const char *allowed[16];
    size_t n = 0;
    va_list args;
    va_start(args, all_levels);
    for (const char *r; n < 15 && (r = va_arg(args, const char *)) != NULL;)
        allowed[n++] = r;
    va_end(args);
    for (size_t i = 0; i < ntsim_finding_count(m); i++) {
        const ntsim_finding *f = ntsim_finding_at(m, i);
        if (!all_levels && f->severity != NTSIM_SEV_ERROR)
            continue;
        int ok = 0;
        for (size_t k = 0; k < n; k++)
            if (strcmp(f->rule, allowed[k]) == 0)
                ok = 1;
        if (!ok) {
            vt_dump(m);
            fail_msg("unexpected finding %s: %s", f->rule, f->message);
        }
    }
}

static inline void vt_expect_clean(ntsim_machine *m)
{
    if (ntsim_finding_count(m) != 0) {
        vt_dump(m);
        fail_msg("expected no findings, got %zu", ntsim_finding_count(m));
    }
    if (ntsim_machine_crashed(m, NULL))
        fail_msg("the machine bug-checked");
}

#define vt_assert_contains(haystack, needle)                                                                  \
    do {                                                                                                      \
        const char *h_ = (haystack), *n_ = (needle);                                                          \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                                             \
            fail_msg("'%s' does not contain '%s'", h_ ? h_ : "(null)", n_);                                   \
    } while (0)

/* The index-th finding of this rule, checked for severity, driver and (unless NULL) site. */
static inline const ntsim_finding *vt_expect_finding(ntsim_machine *m, const char *rule, size_t index,
                                                     ntsim_severity severity, const char *driver, const char *site)
{
    const ntsim_finding *f = vt_finding(m, rule, index);
    assert_int_equal(f->severity, severity);
    assert_string_equal(f->driver, driver);
    if (site)
        assert_string_equal(f->site, site);
    return f;
}

/* ---- bug checks ---- */

static inline ntsim_bugcheck vt_expect_bugcheck(ntsim_machine *m, uint32_t code)
{
    ntsim_bugcheck bc;
    memset(&bc, 0, sizeof(bc));
    if (!ntsim_machine_crashed(m, &bc)) {
        vt_dump(m);
        fail_msg("expected bug check 0x%X, the machine is running", code);
    }
    if (bc.code != code) {
        ntsim_print_bugcheck(stderr, &bc);
        fail_msg("bug check 0x%X, expected 0x%X", bc.code, code);
    }
    return bc;
}

/* Run a suite; VT_FILTER="name*" runs only the matching tests (for debugging). */
#define VT_RUN(name, tests)                                                                                   \
    (getenv("VT_FILTER") ? cmocka_set_test_filter(getenv("VT_FILTER")) : (void)0,                            \
     cmocka_run_group_tests_name(name, tests, NULL, NULL))

#endif
