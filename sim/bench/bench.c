/* bench.c - ntsim-bench: performance figures, one `name value unit` line each.
 * Medians of several rounds; run by hand, never as a timed test. */
#include <ntsim/ntsim.h>
#include <ntsim/sweep.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

#include "../../driver/echo/echo_ioctl.h"

#define ROUNDS 7

static double BenchClock(clockid_t Clock)
{
    struct timespec T;
    clock_gettime(Clock, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static double BenchNow(void)
{
    return BenchClock(CLOCK_MONOTONIC);
}

static int BenchCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

static double BenchMedian(double *Values, int Count)
{
    qsort(Values, (size_t)Count, sizeof(double), BenchCompare);
    return Values[Count / 2];
}

static const char *BenchDriver(const char *Name)
{
    static char Path[1024];
    const char *Dir = getenv("NTSIM_DRIVER_DIR");
    snprintf(Path, sizeof(Path), "%s/%s", Dir ? Dir : NTSIM_DRIVER_DIR, Name);
    return Path;
}

/* A 16-byte METHOD_BUFFERED IOCTL to echo.sys through the host API, completed. With
 * Trace set, the machine trace is on (text to /dev/null) and *Events gets its rate.
 * *CpuNs (if given): the same in thread CPU time, which a loaded host hardly inflates. */
static double BenchIrpRoundTripCpu(int Verifier, int Trace, double *EventsPerSec, double *CpuNs)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = Verifier, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    if (ntsim_driver_load(Machine, BenchDriver("echo.sys"), NULL, &Driver, &Status) != 0 || Status != 0) {
        fprintf(stderr, "ntsim-bench: cannot load echo.sys: %s\n", ntsim_last_error());
        exit(1);
    }
    ntsim_file *File;
    if (ntsim_open(Machine, ECHO_USER_PATH, &File) != 0) {
        fprintf(stderr, "ntsim-bench: cannot open echo\n");
        exit(1);
    }
    char In[16] = "0123456789abcdef", Out[16];
    size_t Returned;
    const char *Override = getenv("NTSIM_BENCH_ITERATIONS");
    const int Iterations = Override ? atoi(Override) / (Trace ? 10 : 1) : (Trace ? 20000 : 200000);
    double Samples[ROUNDS], Rates[ROUNDS], Cpu[ROUNDS];
    if (Trace && ntsim_trace_start(Machine, "/dev/null", NTSIM_TRACE_TEXT) != 0) {
        fprintf(stderr, "ntsim-bench: %s\n", ntsim_last_error());
        exit(1);
    }
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t Before = ntsim_trace_event_count(Machine);
        double Start = BenchNow(), StartCpu = BenchClock(CLOCK_THREAD_CPUTIME_ID);
        for (int i = 0; i < Iterations; i++)
            ntsim_ioctl(File, IOCTL_ECHO_BUFFERED, In, sizeof(In), Out, sizeof(Out), &Returned);
        double Elapsed = BenchNow() - Start;
        Cpu[r] = (BenchClock(CLOCK_THREAD_CPUTIME_ID) - StartCpu) / Iterations;
        Samples[r] = Elapsed / Iterations;
        Rates[r] = (double)(ntsim_trace_event_count(Machine) - Before) / (Elapsed / 1e9);
    }
    if (EventsPerSec)
        *EventsPerSec = BenchMedian(Rates, ROUNDS);
    if (CpuNs)
        *CpuNs = BenchMedian(Cpu, ROUNDS);
    if (memcmp(In, Out, sizeof(In)) != 0 || Returned != sizeof(In)) {
        fprintf(stderr, "ntsim-bench: echo returned the wrong data\n");
        exit(1);
    }
    ntsim_close(File);
    ntsim_driver_unload(Driver);
    ntsim_machine_destroy(Machine);
    return BenchMedian(Samples, ROUNDS);
}

static double BenchIrpRoundTripTraced(int Verifier, int Trace, double *EventsPerSec)
{
    return BenchIrpRoundTripCpu(Verifier, Trace, EventsPerSec, NULL);
}

static double BenchIrpRoundTrip(int Verifier)
{
    return BenchIrpRoundTripTraced(Verifier, 0, NULL);
}

/* A full DriverEntry sweep (every injection point, audit on), 2 jobs, as a program that
 * sweeps a driver again and again gets it: made in this process, once a sweep in workers
 * proved it safe (docs/faults.md "Sweeps in this process"; the _isolated figures, made
 * first, are that proof). Isolate 1: every sweep in persistent workers; ForkPerRun: a
 * child per run. serial.sys for fault_runs_per_sec; synthetic_findings.sys (64 points,
 * every run with findings) for the _findings figures. */
#define BENCH_SWEEPS 15 /* a serial.sys sweep is 0.3-1 ms: a median of 15 rides out the VM's hiccups */
static double BenchFaultSweep(const char *Image, int ForkPerRun, int Isolate)
{
    double Samples[BENCH_SWEEPS];
    for (int r = 0; r < BENCH_SWEEPS; r++) {
        ntsim_sweep_options Options = { .image = BenchDriver(Image), .jobs = 2, .fork_per_run = ForkPerRun,
                                        .isolate = Isolate };
        ntsim_sweep_result *Result;
        double Start = BenchNow();
        if (ntsim_sweep_run(&Options, &Result) != 0) {
            fprintf(stderr, "ntsim-bench: sweep of %s failed: %s\n", Image, ntsim_last_error());
            exit(1);
        }
        double Elapsed = BenchNow() - Start;
        Samples[r] = (double)ntsim_sweep_runs(Result) / (Elapsed / 1e9);
        ntsim_sweep_free(Result);
    }
    return BenchMedian(Samples, BENCH_SWEEPS);
}

/* The same sweep as a user meets it once: `ntsim faults serial.sys` as a fresh process
 * (spawned, its table to /dev/null), wall time in µs, median of 7. Nothing a process
 * keeps between sweeps (the image check's pass, the report regions) helps here. */
static double BenchFaultSweepCold(void)
{
    const char *Cli = getenv("NTSIM_CLI");
    Cli = Cli ? Cli : NTSIM_CLI_PATH;
    char *Argv[] = { (char *)Cli, (char *)"faults", (char *)BenchDriver("serial.sys"), NULL };
    posix_spawn_file_actions_t Actions;
    posix_spawn_file_actions_init(&Actions);
    posix_spawn_file_actions_addopen(&Actions, 1, "/dev/null", O_WRONLY, 0);
    double Samples[7];
    for (int r = 0; r < 7; r++) {
        pid_t Pid;
        int Status = 0;
        double Start = BenchNow();
        if (posix_spawn(&Pid, Cli, &Actions, NULL, Argv, environ) != 0 || waitpid(Pid, &Status, 0) != Pid ||
            !WIFEXITED(Status) || WEXITSTATUS(Status) > 1) {
            fprintf(stderr, "ntsim-bench: %s faults serial.sys failed (status 0x%x)\n", Cli, (unsigned)Status);
            exit(1);
        }
        Samples[r] = (BenchNow() - Start) / 1e3;
    }
    posix_spawn_file_actions_destroy(&Actions);
    return BenchMedian(Samples, 7);
}

/* serial.sys streams 1 MiB at 115200 baud through COM1 in loopback (Parameters\Loopback=1):
 * one 1 MiB write through StartIo and the THRE interrupt, one 1 MiB read filled by the
 * receive interrupts and DPCs. Virtual seconds per host second. */
static double BenchUartSpeedup(void)
{
    static const char Reg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                              "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\serial\\Parameters]\r\n"
                              "\"Loopback\"=dword:00000001\r\n\"RxBufferSize\"=dword:00010000\r\n"
                              "\"RxFifoTrigger\"=dword:00000008\r\n";
    const size_t Size = 1u << 20;
    char *Out = malloc(Size), *In = malloc(Size);
    for (size_t i = 0; i < Size; i++)
        Out[i] = (char)(i * 31 + 7);
    double Samples[3];
    for (int r = 0; r < 3; r++) {
        ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
        ntsim_machine *Machine = ntsim_machine_create(&Config);
        ntsim_driver *Driver;
        int32_t Status;
        ntsim_file *File;
        if (ntsim_reg_import_text(Machine, "bench.reg", Reg, sizeof(Reg) - 1) != 0 ||
            ntsim_driver_load(Machine, BenchDriver("serial.sys"), NULL, &Driver, &Status) != 0 || Status != 0 ||
            ntsim_open(Machine, "\\\\.\\COM1", &File) != 0) {
            fprintf(stderr, "ntsim-bench: cannot start serial.sys: %s\n", ntsim_last_error());
            exit(1);
        }
        uint32_t Baud = 115200;
        size_t Returned;
        ntsim_ioctl(File, 0x1B0004 /* IOCTL_SERIAL_SET_BAUD_RATE */, &Baud, sizeof(Baud), NULL, 0, &Returned);
        ntsim_request *Read, *Write;
        double Start = BenchNow();
        uint64_t VirtualStart = ntsim_now_ns(Machine);
        ntsim_read_async(File, In, Size, &Read);
        ntsim_write_async(File, Out, Size, &Write);
        int Done = ntsim_request_wait(Read, UINT64_MAX);
        double Host = BenchNow() - Start;
        double Virtual = (double)(ntsim_now_ns(Machine) - VirtualStart);
        size_t Got = 0;
        if (Done != 1 || !ntsim_request_done(Read, &Status, &Got) || Got != Size || memcmp(In, Out, Size) != 0) {
            fprintf(stderr, "ntsim-bench: the loopback stream came back wrong (done %d, status 0x%x, %zu bytes): %s\n", Done, (unsigned)Status, Got, ntsim_last_error());
            exit(1);
        }
        ntsim_request_wait(Write, UINT64_MAX);
        ntsim_request_free(Read);
        ntsim_request_free(Write);
        ntsim_close(File);
        ntsim_driver_unload(Driver);
        ntsim_machine_destroy(Machine);
        Samples[r] = Virtual / Host;
    }
    free(Out);
    free(In);
    return BenchMedian(Samples, 3);
}

/* sim/bench/ke.c: the execution model */
double BenchContextSwitch(double *CpuNs);
double BenchContextSwitchLoaded(void); /* with a busy-spinning thread on every other core */
double BenchDpcDispatch(void);
double BenchTimerEvents(void);
double BenchHwEvents(void);
/* sim/bench/pci.c: MMIO and DMA */
double BenchMmioAccess(void);
double BenchDmaThroughput(const char *EduPath);
/* sim/bench/pool.c: pool with and without special pool */
double BenchPoolAllocFree(int Special);
/* sim/bench/input.c: keyboard */
double BenchKbdIrqLatency(const char *ImagePath);
/* sim/bench/fdc.c: floppy sector reads by DMA */
void BenchFdcRead(const char *FloppyPath, double *KibPerSec, double *Speedup);
double BenchPnpStart(void);
/* sim/bench/fuzz.c: the ntsim-fuzz harness */
double BenchFuzzExecs(const char *EchoPath, int ResetEvery);
double BenchPnpSweep(void);
double BenchSymbolizeCold(const char *ImagePath); /* symbol.c */
void BenchSymbolize(const char *ImagePath, double *FirstNs, double *CachedNs);

int main(int argc, char **argv)
{
    const char *Only = argc > 1 ? argv[1] : NULL;
    /* The sweeps in workers (or a child per run) first, while this process is small
     * (every page the other benchmarks touch makes each fork dearer); each driver's
     * isolated sweeps are the proof its sweeps in this process then need. */
    if (!Only || strcmp(Only, "faults") == 0) {
        double Isolated = BenchFaultSweep("serial.sys", 0, 1);
        double FindingsIsolated = BenchFaultSweep("synthetic_findings.sys", 0, 1);
        double Forked = BenchFaultSweep("serial.sys", 1, 1);
        double FindingsForked = BenchFaultSweep("synthetic_findings.sys", 1, 1);
        double Cold = BenchFaultSweepCold();
        printf("fault_runs_per_sec %.0f runs/s\n", BenchFaultSweep("serial.sys", 0, 0));
        printf("fault_runs_per_sec_findings %.0f runs/s\n", BenchFaultSweep("synthetic_findings.sys", 0, 0));
        printf("fault_runs_per_sec_isolated %.0f runs/s\n", Isolated);
        printf("fault_runs_per_sec_findings_isolated %.0f runs/s\n", FindingsIsolated);
        printf("fault_runs_per_sec_forked %.0f runs/s\n", Forked);
        printf("fault_runs_per_sec_findings_forked %.0f runs/s\n", FindingsForked);
        printf("fault_sweep_cold_us %.0f us\n", Cold);
    }
    if (!Only || strcmp(Only, "fuzz") == 0)
    {
        printf("fuzz_execs_per_sec %.0f execs/s\n", BenchFuzzExecs(BenchDriver("echo.sys"), -1));
        printf("fuzz_execs_per_sec_reset1 %.0f execs/s\n", BenchFuzzExecs(BenchDriver("echo.sys"), 1));
    }
    if (!Only || strcmp(Only, "irp") == 0) {
        double Cpu;
        printf("irp_roundtrip_ns %.0f ns\n", BenchIrpRoundTripCpu(1, 0, NULL, &Cpu));
        printf("irp_roundtrip_cpu_ns %.1f ns\n", Cpu);
        printf("irp_roundtrip_nocheck_ns %.0f ns\n", BenchIrpRoundTrip(0));
        double Events;
        printf("irp_roundtrip_traced_ns %.0f ns\n", BenchIrpRoundTripTraced(1, 1, &Events));
        printf("trace_events_per_sec %.0f events/s\n", Events);
    }
    /* One figure alone, for an instruction count (docs/performance.md):
     * valgrind --tool=callgrind --toggle-collect=ntsim_ioctl ntsim-bench irp-check */
    if (Only && strcmp(Only, "irp-check") == 0)
        printf("irp_roundtrip_ns %.0f ns\n", BenchIrpRoundTrip(1));
    if (Only && strcmp(Only, "irp-nocheck") == 0)
        printf("irp_roundtrip_nocheck_ns %.0f ns\n", BenchIrpRoundTrip(0));
    if (!Only || strcmp(Only, "ke") == 0) {
        double SwitchCpu;
        printf("ctx_switch_ns %.0f ns\n", BenchContextSwitch(&SwitchCpu));
        printf("ctx_switch_cpu_ns %.0f ns\n", SwitchCpu);
        printf("ctx_switch_ns_loaded %.0f ns\n", BenchContextSwitchLoaded());
        printf("dpc_dispatch_ns %.1f ns\n", BenchDpcDispatch());
        printf("timer_events_per_sec %.0f events/s\n", BenchTimerEvents());
        printf("hw_events_per_sec %.0f events/s\n", BenchHwEvents());
    }
    if (!Only || strcmp(Only, "uart") == 0)
        printf("uart_sim_speedup %.0f x\n", BenchUartSpeedup());
    if (!Only || strcmp(Only, "pci") == 0) {
        printf("mmio_access_ns %.1f ns\n", BenchMmioAccess());
        printf("dma_mib_per_sec %.0f MiB/s\n", BenchDmaThroughput(BenchDriver("edu.sys")));
    }
    if (!Only || strcmp(Only, "pool") == 0) {
        printf("pool_alloc_free_ns %.0f ns\n", BenchPoolAllocFree(-1));
        printf("pool_alloc_free_special_ns %.0f ns\n", BenchPoolAllocFree(1));
    }
    if (!Only || strcmp(Only, "input") == 0)
        printf("kbd_irq_latency_ns %.0f ns\n", BenchKbdIrqLatency(BenchDriver("i8042kbd.sys")));
    if (!Only || strcmp(Only, "fdc") == 0) {
        double Rate, Speedup;
        BenchFdcRead(BenchDriver("floppy.sys"), &Rate, &Speedup);
        printf("fdc_read_kib_per_sec %.0f KiB/s\n", Rate);
        printf("fdc_read_speedup %.0f x\n", Speedup);
    }
    if (!Only || strcmp(Only, "symbol") == 0) {
        double First, Cached;
        printf("symbolize_cold_us %.1f us\n", BenchSymbolizeCold(BenchDriver("serial.sys")) / 1e3);
        BenchSymbolize(BenchDriver("serial.sys"), &First, &Cached);
        printf("symbolize_first_ns %.0f ns\n", First);
        printf("symbolize_cached_ns %.0f ns\n", Cached);
    }
    if (!Only || strcmp(Only, "pnp") == 0) {
        printf("pnp_sweep_runs_per_sec %.0f runs/s\n", BenchPnpSweep());
        printf("pnp_start_us %.1f us\n", BenchPnpStart());
    }
    return 0;
}
