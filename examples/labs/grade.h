/* grade.h - what every lab grader shares: the driver image under test (argv[1]), a
 * machine per check, and checks that explain themselves when they fail. */
#ifndef LAB_GRADE_H
#define LAB_GRADE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntsim/ntsim.h>
#include <ntsim/sweep.h>

#define LAB_STATUS_SUCCESS 0
#define LAB_STATUS_PENDING 0x103

static const char *LabImage;       /* the driver image being graded */
static ntsim_machine *LabMachine;
static ntsim_driver *LabDriver;

static inline void LabNewMachine(void)
{
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    LabMachine = ntsim_machine_create(&Config);
    assert_non_null(LabMachine);
}

/* Load the image; a check that needs a loaded driver fails here with the reason. */
static inline void LabLoad(void)
{
    LabNewMachine();
    int32_t Status = -1;
    int Result = ntsim_driver_load(LabMachine, LabImage, NULL, &LabDriver, &Status);
    if (Result != 0)
        fail_msg("the driver did not load: %s", ntsim_last_error());
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("DriverEntry returned %s; it must return STATUS_SUCCESS", ntsim_status_name(Status));
}

/* Print every finding and fail if there is one at error severity. */
static inline void LabExpectNoErrors(const char *When)
{
    size_t Errors = 0;
    for (size_t i = 0; i < ntsim_finding_count(LabMachine); i++) {
        const ntsim_finding *F = ntsim_finding_at(LabMachine, i);
        printf("  %s: %s %s %s: %s\n", When, F->severity == NTSIM_SEV_ERROR ? "error" : "warning", F->rule,
               F->site ? F->site : "", F->message);
        Errors += F->severity == NTSIM_SEV_ERROR;
    }
    if (Errors)
        fail_msg("%zu error finding(s) %s (listed above)", Errors, When);
}

static inline void LabUnloadClean(void)
{
    if (ntsim_driver_unload(LabDriver) != 0)
        fail_msg("unload failed: %s", ntsim_last_error());
    LabExpectNoErrors("after Unload");
    ntsim_machine_destroy(LabMachine);
    LabMachine = NULL;
}

static inline int LabLinkExists(const char *Name)
{
    char Path[256];
    const char *Roots[] = { "\\??\\", "\\GLOBAL??\\", "\\DosDevices\\" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(Path, sizeof(Path), "%s%s", Roots[i], Name);
        if (ntsim_object_exists(LabMachine, Path))
            return 1;
    }
    return 0;
}

/* Every failure path of DriverEntry: each failable call fails in turn (ntsim faults). */
static inline void LabSweepClean(void)
{
    if (ntsim_current_machine()) /* the sweep makes its own machines */
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_sweep_options Options = { .image = LabImage, .jobs = 1 };
    ntsim_sweep_result *Result = NULL;
    if (ntsim_sweep_run(&Options, &Result) != 0)
        fail_msg("the fault sweep could not run: %s", ntsim_last_error());
    size_t Errors = ntsim_sweep_error_count(Result);
    for (size_t i = 0; i < ntsim_sweep_finding_count(Result); i++) {
        const ntsim_sweep_finding *F = ntsim_sweep_finding_at(Result, i);
        printf("  run %lu (%s failing at %s): %s %s %s: %s\n", F->run, F->ddi, F->site,
               F->severity == NTSIM_SEV_ERROR ? "error" : "warning", F->rule, F->culprit, F->message);
    }
    ntsim_sweep_free(Result);
    if (Errors)
        fail_msg("%zu error finding(s) on DriverEntry's failure paths (listed above)", Errors);
}

static int LabMain(int argc, char **argv, const struct CMUnitTest *Tests, size_t Count, const char *Lab)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DRIVER.sys\n", argv[0]);
        return 2;
    }
    LabImage = argv[1];
    printf("grading %s: %s\n", Lab, LabImage);
    return _cmocka_run_group_tests(Lab, Tests, Count, NULL, NULL);
}

#define LAB_MAIN(Lab, Tests) \
    int main(int argc, char **argv) { return LabMain(argc, argv, Tests, sizeof(Tests) / sizeof(Tests[0]), Lab); }

#endif
