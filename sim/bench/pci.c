/* pci.c - ntsim-bench figures for PCI: an MMIO register read through the HAL, and a
 * 4 KiB DMA round trip through edu.sys. */
#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../driver/edu/edu_ioctl.h"

static double PciNow(void)
{
    struct timespec T;
    clock_gettime(CLOCK_MONOTONIC, &T);
    return (double)T.tv_sec * 1e9 + (double)T.tv_nsec;
}

static int PciCompare(const void *A, const void *B)
{
    double X = *(const double *)A, Y = *(const double *)B;
    return X < Y ? -1 : X > Y;
}

/* Figures are medians of their rounds, like the rest of ntsim-bench. */
static double PciMedian(double *Values, int Count)
{
    qsort(Values, (size_t)Count, sizeof(double), PciCompare);
    return Values[Count / 2];
}

static double MmioNs;
static volatile ULONG MmioSink;

/* A driver that claims the edu device, maps BAR0, and times READ_REGISTER_ULONG of
 * the ID register (the access is claimed, so the HW-01 check is the cached path). */
static NTSTATUS MmioEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PCI_SLOT_NUMBER Slot;
    Slot.u.AsULONG = 0;
    Slot.u.bits.DeviceNumber = 3;
    PCM_RESOURCE_LIST List;
    if (!NT_SUCCESS(HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, 0, Slot.u.AsULONG, &List)))
        return STATUS_UNSUCCESSFUL;
    PHYSICAL_ADDRESS Bar = List->List[0].PartialResourceList.PartialDescriptors[0].u.Memory.Start;
    ExFreePool(List);
    volatile ULONG *Regs = MmMapIoSpace(Bar, 4096, MmNonCached);
    const int N = 2000000;
    double Samples[5];
    for (int Round = 0; Round < 5; Round++) {
        double Start = PciNow();
        for (int i = 0; i < N; i++)
            MmioSink += READ_REGISTER_ULONG(Regs);
        Samples[Round] = (PciNow() - Start) / N;
    }
    MmioNs = PciMedian(Samples, 5);
    MmUnmapIoSpace((PVOID)Regs, 4096);
    CM_RESOURCE_LIST Empty;
    BOOLEAN Conflict;
    RtlZeroMemory(&Empty, sizeof(Empty));
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(Empty), NULL, NULL, 0, FALSE, &Conflict);
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Entry)
        IoWriteErrorLogEntry(Entry);
    return STATUS_UNSUCCESSFUL; /* measured; nothing to keep */
}

double BenchMmioAccess(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    if (ntsim_driver_load_entry(Machine, "mmiobench", (ntsim_driver_entry)MmioEntry, &Driver, &Status) != 0 ||
        MmioSink != 0x010000EDu * (ULONG)(5 * 2000000)) {
        fprintf(stderr, "ntsim-bench: the MMIO benchmark failed: %s\n", ntsim_last_error());
        exit(1);
    }
    ntsim_machine_destroy(Machine);
    return MmioNs;
}

double BenchDmaThroughput(const char *EduPath)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    ntsim_driver *Driver;
    int32_t Status;
    ntsim_file *File;
    if (ntsim_driver_load(Machine, EduPath, NULL, &Driver, &Status) != 0 || Status != 0 ||
        ntsim_open(Machine, EDU_USER_PATH, &File) != 0) {
        fprintf(stderr, "ntsim-bench: cannot start edu.sys: %s\n", ntsim_last_error());
        exit(1);
    }
    static unsigned char In[EDU_DMA_MAX], Out[EDU_DMA_MAX];
    for (unsigned i = 0; i < sizeof(In); i++)
        In[i] = (unsigned char)(i * 13 + 5);
    const int N = 20000;
    double Samples[3];
    for (int Round = 0; Round < 3; Round++) {
        double Start = PciNow();
        for (int i = 0; i < N; i++) {
            size_t Got;
            if (ntsim_ioctl(File, IOCTL_EDU_DMA, In, sizeof(In), Out, sizeof(Out), &Got) != 0 || Got != sizeof(In)) {
                fprintf(stderr, "ntsim-bench: DMA through edu.sys failed\n");
                exit(1);
            }
        }
        Samples[Round] = (double)N * sizeof(In) / (1024.0 * 1024.0) / ((PciNow() - Start) / 1e9);
    }
    if (memcmp(In, Out, sizeof(In)) != 0) {
        fprintf(stderr, "ntsim-bench: DMA data came back wrong\n");
        exit(1);
    }
    ntsim_close(File);
    ntsim_driver_unload(Driver);
    ntsim_machine_destroy(Machine);
    return PciMedian(Samples, 3);
}
