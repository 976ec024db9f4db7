/* pool.c - ntsim-bench figures for pool: a 64-byte ExAllocatePoolWithTag + ExFreePool
 * pair from the host heap and from special pool (docs/special-pool.md). */
#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define POOL_ROUNDS 5
#define POOL_PAIRS 20000

static double PoolNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static int PoolCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* Median ns per allocate + free pair; special: 1 special pool, -1 host heap. */
double BenchPoolAllocFree(int Special)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = Special };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL)
        return -1;
    double Samples[POOL_ROUNDS];
    for (int r = 0; r < POOL_ROUNDS; r++) {
        double Start = PoolNow();
        for (int i = 0; i < POOL_PAIRS; i++) {
            PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'hcnB');
            if (P == NULL)
                break;
            ExFreePoolWithTag(P, 'hcnB');
        }
        Samples[r] = (PoolNow() - Start) / POOL_PAIRS;
    }
    ntsim_machine_destroy(Machine);
    qsort(Samples, POOL_ROUNDS, sizeof(double), PoolCompare);
    return Samples[POOL_ROUNDS / 2];
}
