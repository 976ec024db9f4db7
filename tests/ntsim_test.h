/* ntsim_test.h - small helpers shared by the CMocka suites. */
#ifndef NTSIM_TEST_H
#define NTSIM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntsim/ntsim.h>

static inline const char *TestDriverPath(const char *Name)
{
    static char Path[1024];
    snprintf(Path, sizeof(Path), "%s/%s", NTSIM_DRIVER_DIR, Name);
    return Path;
}

static inline ntsim_machine *TestMachine(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    /* a failed assertion in an earlier test leaves its machine behind */
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    return Machine;
}

/* Number of findings with error severity. */
static inline size_t TestErrorCount(ntsim_machine *Machine)
{
    size_t N = 0;
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++)
        if (ntsim_finding_at(Machine, i)->severity == NTSIM_SEV_ERROR)
            N++;
    return N;
}

static inline const ntsim_finding *TestFindRule(ntsim_machine *Machine, const char *Rule)
{
    for (size_t i = 0; i < ntsim_finding_count(Machine); i++)
        if (strcmp(ntsim_finding_at(Machine, i)->rule, Rule) == 0)
            return ntsim_finding_at(Machine, i);
    return NULL;
}

static inline void TestDumpFindings(ntsim_machine *Machine)
{
    ntsim_print_findings(stdout, Machine);
}

#endif
