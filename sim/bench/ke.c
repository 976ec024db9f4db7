/* ke.c - ntsim-bench figures of the execution model: thread switches, DPC dispatch,
 * timer events through the kernel, and the hwmodel clock alone. The scenarios run as
 * DriverEntry routines linked into the bench (WDK headers, site macros active). */
#include <ntddk.h>
#include <ntsim/ntsim.h>
#include <hwmodel/clock.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double KeBenchClock(clockid_t Clock)
{
    struct timespec T;
    clock_gettime(Clock, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static double KeBenchNow(void)
{
    return KeBenchClock(CLOCK_MONOTONIC);
}

static KEVENT Ping, Pong;
static volatile LONG Stop;
static double Result, ResultCpu;
static const int Rounds = 20000;     /* at most; a slow backend stops after MaxNs */
static const double MaxNs = 200e6;

static VOID Ponger(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (;;) {
        KeWaitForSingleObject(&Ping, Executive, KernelMode, FALSE, NULL);
        if (Stop)
            break;
        KeSetEvent(&Pong, IO_NO_INCREMENT, FALSE);
    }
}

static NTSTATUS SwitchEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    PVOID T;
    KeInitializeEvent(&Ping, SynchronizationEvent, FALSE);
    KeInitializeEvent(&Pong, SynchronizationEvent, FALSE);
    Stop = 0;
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Ponger, NULL);
    ObReferenceObjectByHandle(H, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T, NULL);
    ZwClose(H);
    double Start = KeBenchNow(), StartCpu = KeBenchClock(CLOCK_PROCESS_CPUTIME_ID), Elapsed = 0;
    int Done = 0;
    while (Done < Rounds && Elapsed < MaxNs) {
        for (int i = 0; i < 500; i++) {
            KeSetEvent(&Ping, IO_NO_INCREMENT, FALSE);
            KeWaitForSingleObject(&Pong, Executive, KernelMode, FALSE, NULL);
        }
        Done += 500;
        Elapsed = KeBenchNow() - Start;
    }
    Result = Elapsed / (2.0 * Done);
    ResultCpu = (KeBenchClock(CLOCK_PROCESS_CPUTIME_ID) - StartCpu) / (2.0 * Done);
    Stop = 1;
    KeSetEvent(&Ping, IO_NO_INCREMENT, FALSE);
    KeWaitForSingleObject(T, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(T);
    return STATUS_UNSUCCESSFUL; /* nothing to keep loaded */
}

static KDPC Dpc;
static volatile LONG DpcRuns;

static VOID BenchDpc(PKDPC D, PVOID C, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(D);
    UNREFERENCED_PARAMETER(C);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    DpcRuns++;
}

static NTSTATUS DpcEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    const int N = 2000000;
    KeInitializeDpc(&Dpc, BenchDpc, NULL);
    double Start = KeBenchNow();
    for (int i = 0; i < N; i++)
        KeInsertQueueDpc(&Dpc, NULL, NULL); /* at PASSIVE_LEVEL: runs at once */
    Result = (KeBenchNow() - Start) / N;
    return DpcRuns == N ? STATUS_UNSUCCESSFUL : STATUS_INVALID_PARAMETER;
}

static KTIMER Timer;

static VOID TimerUnload(PDRIVER_OBJECT Driver)
{
    UNREFERENCED_PARAMETER(Driver);
    KeCancelTimer(&Timer);
    KeFlushQueuedDpcs();
}

static NTSTATUS TimerEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Path);
    UNICODE_STRING Name;
    PDEVICE_OBJECT Device;
    LARGE_INTEGER Due = { .QuadPart = -10000 };
    RtlInitUnicodeString(&Name, L"\\Device\\KeBenchTimer");
    IoCreateDevice(Driver, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    DpcRuns = 0;
    KeInitializeDpc(&Dpc, BenchDpc, NULL);
    KeInitializeTimerEx(&Timer, NotificationTimer);
    KeSetTimerEx(&Timer, Due, 1, &Dpc); /* every millisecond */
    Driver->DriverUnload = TimerUnload;

    return STATUS_SUCCESS;
}

static ntsim_machine *KeBenchMachine(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    if (Machine == NULL) {
        fprintf(stderr, "ntsim-bench: no machine: %s\n", ntsim_last_error());
        exit(1);
    }
    return Machine;
}

static double KeBenchEntry(ntsim_driver_entry Entry)
{
    ntsim_machine *Machine = KeBenchMachine();
    int32_t Status;
    ntsim_driver *Driver;
    if (ntsim_driver_load_entry(Machine, "kebench", Entry, &Driver, &Status) != 0) {
        fprintf(stderr, "ntsim-bench: scenario crashed\n");
        exit(1);
    }
    ntsim_machine_destroy(Machine);
    return Result;
}

static int KeBenchCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* The median of five ping-pong runs, each on a fresh machine: wall-clock time per
 * switch, and (Cpu) the CPU time the whole process spent per switch. */
static double KeBenchSwitchMedian(double *Cpu)
{
    double Samples[5], CpuSamples[5];
    for (int i = 0; i < 5; i++) {
        Samples[i] = KeBenchEntry((ntsim_driver_entry)SwitchEntry);
        CpuSamples[i] = ResultCpu;
    }
    qsort(Samples, 5, sizeof(Samples[0]), KeBenchCompare);
    qsort(CpuSamples, 5, sizeof(CpuSamples[0]), KeBenchCompare);
    if (Cpu)
        *Cpu = CpuSamples[2];
    return Samples[2];
}

/* CpuNs: process CPU time per switch, which a busy host does not inflate by
 * preempting the bench (both pthreads' spinning counts; the fibers' host thread is
 * the only one working). */
double BenchContextSwitch(double *CpuNs)
{
    return KeBenchSwitchMedian(CpuNs);
}

/* ---- the same with every other host core busy ---- */

static volatile int KeSpinning;

static void *KeBenchSpinner(void *Argument)
{
    (void)Argument;
    volatile unsigned long Work = 0;
    while (__atomic_load_n(&KeSpinning, __ATOMIC_RELAXED))
        Work++;
    return NULL;
}

/* ctx_switch_ns_loaded: one busy-spinning host thread per other online core for the
 * whole measurement (a loaded build machine, CI neighbours). A switch that needs a
 * second core (the pthread handoff) suffers; one on the host thread should not. */
double BenchContextSwitchLoaded(void)
{
    long Cores = sysconf(_SC_NPROCESSORS_ONLN);
    int Spinners = Cores > 1 ? (int)(Cores - 1) : 1;
    pthread_t *Threads = calloc((size_t)Spinners, sizeof(pthread_t));
    if (Threads == NULL)
        exit(1);
    KeSpinning = 1;
    int Started = 0;
    for (int i = 0; i < Spinners; i++)
        if (pthread_create(&Threads[i], NULL, KeBenchSpinner, NULL) == 0)
            Started++;
    double Result = KeBenchSwitchMedian(NULL);
    __atomic_store_n(&KeSpinning, 0, __ATOMIC_RELAXED);
    for (int i = 0; i < Started; i++)
        pthread_join(Threads[i], NULL);
    free(Threads);
    return Result;
}

double BenchDpcDispatch(void)
{
    return KeBenchEntry((ntsim_driver_entry)DpcEntry);
}

double BenchTimerEvents(void)
{
    ntsim_machine *Machine = KeBenchMachine();
    int32_t Status;
    ntsim_driver *Driver;
    if (ntsim_driver_load_entry(Machine, "kebench", (ntsim_driver_entry)TimerEntry, &Driver, &Status) != 0 ||
        Status != 0) {
        fprintf(stderr, "ntsim-bench: timer scenario failed\n");
        exit(1);
    }
    double Start = KeBenchNow();
    ntsim_run_for(Machine, 100ull * 1000000000ull); /* 100 s of virtual time: 100000 timer events */
    double Elapsed = KeBenchNow() - Start;
    LONG Events = DpcRuns;
    ntsim_driver_unload(Driver);
    ntsim_machine_destroy(Machine);
    return (double)Events / (Elapsed / 1e9);
}

static void KeBenchTick(void *Opaque)
{
    hw_timer *T = Opaque;
    hw_timer_mod(T, hw_clock_now(T->clock) + 1000 + (hw_time_t)((uintptr_t)T & 0xFF));
}

double BenchHwEvents(void)
{
    hw_clock *Clock = hw_clock_new();
    static hw_timer Timers[64];
    for (int i = 0; i < 64; i++) {
        hw_timer_init(&Timers[i], Clock, KeBenchTick, &Timers[i]);
        hw_timer_mod(&Timers[i], (hw_time_t)i * 7);
    }
    double Start = KeBenchNow();
    hw_clock_run_until(Clock, HW_MS(200));
    double Elapsed = KeBenchNow() - Start;
    double Events = (double)hw_clock_fired_count(Clock);
    hw_clock_free(Clock);
    return Events / (Elapsed / 1e9);
}
