/* grade.c - lab 3 grader: the timer DPC ticks at its period in virtual time, the thread
 * counts batches, IRQL and lock rules hold throughout, and Unload stops everything. */
#include "grade.h"
#include "lab3.h"

#define NS_PER_MS 1000000ull

static LAB3_COUNTS Lab3Counts(ntsim_file *File)
{
    LAB3_COUNTS Counts = { 0, 0 };
    size_t Returned = 0;
    int32_t Status = ntsim_ioctl(File, IOCTL_LAB3_COUNTS, NULL, 0, &Counts, sizeof(Counts), &Returned);
    if (Status != LAB_STATUS_SUCCESS || Returned != sizeof(Counts))
        fail_msg("IOCTL_LAB3_COUNTS gave %s, %zu bytes", ntsim_status_name(Status), Returned);
    return Counts;
}

static ntsim_file *Lab3Open(void)
{
    LabLoad();
    ntsim_file *File;
    int32_t Status = ntsim_open(LabMachine, LAB3_USER_PATH, &File);
    if (Status != LAB_STATUS_SUCCESS)
        fail_msg("opening %s gave %s", LAB3_USER_PATH, ntsim_status_name(Status));
    return File;
}

static void the_timer_ticks_every_period(void **state)
{
    (void)state;
    ntsim_file *File = Lab3Open();
    ntsim_run_for(LabMachine, 5 * LAB3_PERIOD_MS * NS_PER_MS + NS_PER_MS / 2);
    LAB3_COUNTS Counts = Lab3Counts(File);
    if (Counts.Ticks != 5)
        fail_msg("after %d.5 ms of virtual time the DPC ran %u times; a %d ms periodic timer ticks 5 times",
                 5 * LAB3_PERIOD_MS, Counts.Ticks, LAB3_PERIOD_MS);
    ntsim_close(File);
    LabExpectNoErrors("while the timer ran");
    LabUnloadClean();
}

static void the_thread_counts_batches(void **state)
{
    (void)state;
    ntsim_file *File = Lab3Open();
    ntsim_run_for(LabMachine, 12 * LAB3_PERIOD_MS * NS_PER_MS + NS_PER_MS / 2);
    LAB3_COUNTS Counts = Lab3Counts(File);
    if (Counts.Ticks != 12 || Counts.Batches != 2)
        fail_msg("after 12 ticks: Ticks %u, Batches %u (expected 12 and 2: one batch per %d ticks)", Counts.Ticks,
                 Counts.Batches, LAB3_BATCH);
    ntsim_close(File);
    LabExpectNoErrors("while the timer and the thread ran");
    LabUnloadClean();
}

static void Unload_stops_timer_DPC_and_thread(void **state)
{
    (void)state;
    ntsim_file *File = Lab3Open();
    ntsim_run_for(LabMachine, 7 * LAB3_PERIOD_MS * NS_PER_MS);
    ntsim_close(File);
    LabUnloadClean();
}

static void every_DriverEntry_failure_path_is_clean(void **state)
{
    (void)state;
    LabSweepClean();
}

static const struct CMUnitTest Checks[] = {
    cmocka_unit_test(the_timer_ticks_every_period),
    cmocka_unit_test(the_thread_counts_batches),
    cmocka_unit_test(Unload_stops_timer_DPC_and_thread),
    cmocka_unit_test(every_DriverEntry_failure_path_is_clean),
};

LAB_MAIN("lab3-sync", Checks)
