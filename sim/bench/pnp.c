/* pnp.c - ntsim-bench figures for Plug and Play: pnp_start_us, the default PC with
 * its PnP drivers bound (wdmserial on COM1, wdmbus with two ports and wdmfilter as
 * their lower filter) from machine creation to every device started; and
 * pnp_sweep_runs_per_sec, a fault sweep of wdmserial's DriverEntry + AddDevice + START. */
#include <ntsim/ntsim.h>
#include <ntsim/sweep.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double PnpNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static int PnpCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

static const char *PnpDriver(const char *Name)
{
    static char Path[4][1024];
    static int Next;
    char *P = Path[Next++ % 4];
    snprintf(P, sizeof(Path[0]), "%s/%s", NTSIM_DRIVER_DIR, Name);
    return P;
}

/* One boot: create, bind, start; the machine is torn down outside the timing. */
static double PnpBootOnce(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    double Start = PnpNow();
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL)
        return -1;
    int Rc = ntsim_pnp_bind(Machine, "*PNP0501", PnpDriver("wdmserial.sys"), NULL, NTSIM_PNP_FUNCTION);
    Rc |= ntsim_pnp_add_root_device(Machine, "WDMBUS", "ntsim-wdmbus");
    Rc |= ntsim_pnp_bind(Machine, "ntsim-wdmbus", PnpDriver("wdmbus.sys"), NULL, NTSIM_PNP_FUNCTION);
    Rc |= ntsim_pnp_bind(Machine, "WDMBUS\\Port", PnpDriver("wdmfilter.sys"), NULL, NTSIM_PNP_LOWER_FILTER);
    Rc |= ntsim_pnp_start(Machine);
    double Elapsed = PnpNow() - Start;
    const char *State = ntsim_pnp_state(Machine, "WDMBUS\\Port\\02");
    if (Rc != 0 || State == NULL || strcmp(State, "started") != 0)
        Elapsed = -1;
    ntsim_machine_destroy(Machine);
    return Elapsed;
}

double BenchPnpStart(void)
{
    enum { ROUNDS = 21 };
    double Samples[ROUNDS];
    PnpBootOnce(); /* the first dlopen of each image is not what is measured */
    for (int i = 0; i < ROUNDS; i++) {
        Samples[i] = PnpBootOnce();
        if (Samples[i] < 0) {
            fprintf(stderr, "pnp_start_us: the tree did not start: %s\n", ntsim_last_error());
            return -1;
        }
    }
    qsort(Samples, ROUNDS, sizeof(double), PnpCompare);
    return Samples[ROUNDS / 2] / 1e3;
}

double BenchPnpSweep(void)
{
    double Samples[3];
    for (int i = 0; i < 3; i++) {
        ntsim_sweep_options Options = { .image = PnpDriver("wdmserial.sys"), .jobs = 2,
                                        .pnp_hardware_id = "*PNP0501" };
        ntsim_sweep_result *Result = NULL;
        double Start = PnpNow();
        if (ntsim_sweep_run(&Options, &Result) != 0)
            return -1;
        double Elapsed = PnpNow() - Start;
        Samples[i] = (double)ntsim_sweep_runs(Result) / (Elapsed / 1e9);
        ntsim_sweep_free(Result);
    }
    qsort(Samples, 3, sizeof(double), PnpCompare);
    return Samples[1];
}
