/* fdc.c - ntsim-bench figures for the floppy: one-sector reads by DMA through
 * floppy.sys on the default machine's 82077AA and 8237, in host KiB/s, and how much
 * faster than the simulated drive the host runs them (virtual / wall time). */
#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../driver/floppy/floppy_ioctl.h"

static double FdcNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static int FdcCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* Median of 3 rounds of N reads of successive sectors (each waits for its sector to
 * come round under the head, as on the real drive). */
void BenchFdcRead(const char *FloppyPath, double *KibPerSec, double *Speedup)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    ntsim_file *File;
    if (Machine == NULL || ntsim_driver_load(Machine, FloppyPath, NULL, &Driver, &Status) != 0 || Status != 0 ||
        ntsim_open(Machine, FLOPPY_USER_PATH, &File) != 0) {
        fprintf(stderr, "ntsim-bench: cannot start floppy.sys: %s\n", ntsim_last_error());
        exit(1);
    }
    static unsigned char Sector[FLOPPY_SECTOR_SIZE];
    const int N = 2000, Rounds = 3;
    double Rates[3], Speedups[3];
    unsigned Lba = 0;
    for (int Round = 0; Round < Rounds; Round++) {
        uint64_t Virtual = ntsim_now_ns(Machine);
        double Start = FdcNow();
        for (int i = 0; i < N; i++, Lba = (Lba + 1) % 2880) {
            size_t Got = 0;
            if (ntsim_seek(File, (uint64_t)Lba * FLOPPY_SECTOR_SIZE) != 0 ||
                ntsim_read(File, Sector, sizeof(Sector), &Got) != 0 || Got != sizeof(Sector)) {
                fprintf(stderr, "ntsim-bench: a sector read through floppy.sys failed\n");
                exit(1);
            }
        }
        double Wall = FdcNow() - Start;
        Rates[Round] = N * (FLOPPY_SECTOR_SIZE / 1024.0) / (Wall / 1e9);
        Speedups[Round] = (double)(ntsim_now_ns(Machine) - Virtual) / Wall;
    }
    ntsim_close(File);
    ntsim_driver_unload(Driver);
    ntsim_machine_destroy(Machine);
    qsort(Rates, Rounds, sizeof(double), FdcCompare);
    qsort(Speedups, Rounds, sizeof(double), FdcCompare);
    *KibPerSec = Rates[Rounds / 2];
    *Speedup = Speedups[Rounds / 2];
}
