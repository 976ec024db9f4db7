/* tests/pci: edu.sys end to end, and the verifier's PCI/MMIO/DMA checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntddk.h>
#include <ntsim/ntsim.h>

#include "../../driver/edu/edu_ioctl.h"

static ntsim_machine *Machine(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *M = ntsim_machine_create(&Config);
    assert_non_null(M);
    return M;
}

static const char *EduPath(void)
{
    return NTSIM_DRIVER_DIR "/edu.sys";
}

static size_t Errors(ntsim_machine *M)
{
    size_t N = 0;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (ntsim_finding_at(M, i)->severity == NTSIM_SEV_ERROR)
            N++;
    if (N)
        ntsim_print_findings(stdout, M);
    return N;
}

static ntsim_driver *LoadEdu(ntsim_machine *M, ntsim_file **File)
{
    ntsim_driver *D;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(M, EduPath(), NULL, &D, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_open(M, EDU_USER_PATH, File), 0);
    return D;
}

static void test_dma_every_size(void **State)
{
    (void)State;
    ntsim_machine *M = Machine();
    ntsim_file *File;
    ntsim_driver *D = LoadEdu(M, &File);
    static unsigned char In[EDU_DMA_MAX], Out[EDU_DMA_MAX];
    for (unsigned Size = 1; Size <= EDU_DMA_MAX; Size++) {
        for (unsigned i = 0; i < Size; i++)
            In[i] = (unsigned char)(i * 131u + Size * 7u + 1u);
        memset(Out, 0, Size);
        size_t Got = 0;
        int32_t S = ntsim_ioctl(File, IOCTL_EDU_DMA, In, Size, Out, Size, &Got);
        if (S != 0 || Got != Size || memcmp(In, Out, Size) != 0)
            fail_msg("DMA of %u bytes: status 0x%x, %zu bytes back, data %s", Size, (unsigned)S, Got,
                     memcmp(In, Out, Size) ? "differs" : "equal");
    }
    /* too big, and empty */
    size_t Got;
    static unsigned char Big[EDU_DMA_MAX + 1];
    assert_int_not_equal(ntsim_ioctl(File, IOCTL_EDU_DMA, Big, sizeof(Big), Big, sizeof(Big), &Got), 0);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
}

static unsigned Factorial(unsigned N)
{
    unsigned R = 1;
    for (unsigned i = 2; i <= N && R; i++)
        R *= i;
    return R;
}

static void test_factorial_interrupt_and_polled(void **State)
{
    (void)State;
    ntsim_machine *M = Machine();
    ntsim_file *File;
    ntsim_driver *D = LoadEdu(M, &File);
    EDU_INFO Info;
    size_t Got;
    assert_int_equal(ntsim_ioctl(File, IOCTL_EDU_INFO, NULL, 0, &Info, sizeof(Info), &Got), 0);
    assert_int_equal(Info.Bus, 0);
    assert_int_equal(Info.Slot, 3);
    assert_int_equal(Info.Irq, 11);
    assert_int_equal(Info.Bar0Length, 1u << 20);
    unsigned Before = Info.Interrupts;
    for (unsigned Polled = 0; Polled < 2; Polled++)
        for (unsigned N = 0; N <= 40; N += 3) {
            EDU_FACTORIAL_IN Request = { N, Polled };
            unsigned Result = 0;
            uint64_t T0 = ntsim_now_ns(M);
            assert_int_equal(ntsim_ioctl(File, IOCTL_EDU_FACTORIAL, &Request, sizeof(Request), &Result,
                                         sizeof(Result), &Got), 0);
            assert_int_equal(Result, Factorial(N));
            /* the device takes 1000 + 50 * min(n, 34) ns */
            assert_true(ntsim_now_ns(M) - T0 >= 1000u + 50u * (N < 34 ? N : 34));
        }
    assert_int_equal(ntsim_ioctl(File, IOCTL_EDU_INFO, NULL, 0, &Info, sizeof(Info), &Got), 0);
    /* one interrupt per interrupt-path factorial (14 of them), none for the polled ones */
    assert_int_equal(Info.Interrupts - Before, 14);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
}

static void test_second_instance_refused(void **State)
{
    (void)State;
    ntsim_machine *M = Machine();
    ntsim_driver *D, *D2;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(M, EduPath(), NULL, &D, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_driver_load(M, EduPath(), "edu2", &D2, &Status), 0);
    assert_int_equal((uint32_t)Status, 0xC0000018u); /* STATUS_CONFLICTING_ADDRESSES */
    assert_null(D2);
    assert_non_null(strstr(ntsim_last_error(), "edu"));
    assert_int_equal(Errors(M), 0);   /* the refused instance cleaned up (no FL-*) */
    char *Reg = ntsim_reg_export_text(M, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP");
    assert_non_null(Reg);
    assert_non_null(strstr(Reg, "\\\\Driver\\\\edu.Raw"));
    assert_null(strstr(Reg, "edu2"));
    free(Reg);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(ntsim_driver_load(M, EduPath(), "edu2", &D2, &Status), 0);
    assert_int_equal(Status, 0); /* free again after the first unloaded */
    assert_int_equal(ntsim_driver_unload(D2), 0);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
}

/* ---- deliberately wrong drivers ---- */

static PHYSICAL_ADDRESS FindBar0(ULONG *Slot)
{
    PCI_COMMON_CONFIG Config;
    PHYSICAL_ADDRESS Bar;
    Bar.QuadPart = 0;
    for (ULONG D = 0; D < PCI_MAX_DEVICES; D++) {
        PCI_SLOT_NUMBER S;
        S.u.AsULONG = 0;
        S.u.bits.DeviceNumber = D;
        if (HalGetBusData(PCIConfiguration, 0, S.u.AsULONG, &Config, PCI_COMMON_HDR_LENGTH) >= 4 &&
            Config.VendorID == 0x1234) {
            *Slot = S.u.AsULONG;
            Bar.QuadPart = Config.u.type0.BaseAddresses[0] & PCI_ADDRESS_MEMORY_ADDRESS_MASK;
            return Bar;
        }
    }
    return Bar;
}

static volatile ULONG Sink;

/* maps BAR0 without claiming it, reads through the HAL (HW-01), then dereferences */
static NTSTATUS DerefEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    ULONG Slot;
    PHYSICAL_ADDRESS Bar = FindBar0(&Slot);
    volatile ULONG *Regs = MmMapIoSpace(Bar, 4096, MmNonCached);
    if (Regs == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Sink = READ_REGISTER_ULONG(Regs);           /* unclaimed: HW-01, value still right */
    Sink = Regs[1];                              /* direct dereference: MMIO-01 + bug check */
    return STATUS_UNSUCCESSFUL;
}

static void test_unclaimed_access_and_direct_dereference(void **State)
{
    (void)State;
    ntsim_machine *M = Machine();
    ntsim_driver *D;
    int32_t Status;
    assert_int_equal(ntsim_driver_load_entry(M, "deref", (ntsim_driver_entry)DerefEntry, &D, &Status),
                     NTSIM_E_CRASHED);
    assert_int_equal(Sink, 0x010000EDu);
    const ntsim_finding *Hw01 = NULL, *Mmio = NULL;
    for (size_t i = 0; i < ntsim_finding_count(M); i++) {
        const ntsim_finding *F = ntsim_finding_at(M, i);
        if (!strcmp(F->rule, "HW-01"))
            Hw01 = F;
        if (!strcmp(F->rule, "MMIO-01"))
            Mmio = F;
    }
    assert_non_null(Hw01);
    assert_non_null(strstr(Hw01->message, "READ_REGISTER_ULONG at physical 0xFE000000"));
    assert_non_null(strstr(Hw01->message, "edu BAR0"));
    assert_non_null(Mmio);
    assert_non_null(strstr(Mmio->message, "register offset 0x4"));
    assert_non_null(strstr(Mmio->message, "edu BAR0 mapping"));
    assert_non_null(strstr(Mmio->message, "pci.c:"));       /* the mapping's line and the faulting line */
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(M, &B));
    assert_int_equal(B.code, 0x50);
    ntsim_machine_destroy(M);
}

/* claims the slot, unmaps nothing, keeps an adapter, a common buffer and contiguous memory */
static NTSTATUS LeakEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG Slot;
    PHYSICAL_ADDRESS Bar = FindBar0(&Slot);
    PCM_RESOURCE_LIST List;
    if (!NT_SUCCESS(HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, 0, Slot, &List)))
        return STATUS_UNSUCCESSFUL;
    ExFreePool(List);
    PVOID Regs = MmMapIoSpace(Bar, 4096, MmNonCached);
    DEVICE_DESCRIPTION Desc;
    RtlZeroMemory(&Desc, sizeof(Desc));
    Desc.Master = TRUE;
    Desc.Dma32BitAddresses = TRUE;
    Desc.InterfaceType = PCIBus;
    Desc.MaximumLength = 4096;
    ULONG MapRegisters;
    PDMA_ADAPTER Adapter = IoGetDmaAdapter(NULL, &Desc, &MapRegisters);
    PHYSICAL_ADDRESS Logical;
    PVOID Common = Adapter ? Adapter->DmaOperations->AllocateCommonBuffer(Adapter, 100, &Logical, FALSE) : NULL;
    PHYSICAL_ADDRESS High;
    High.QuadPart = 0xFFFFFFFF;
    PVOID Contig = MmAllocateContiguousMemory(8192, High);
    PHYSICAL_ADDRESS Pa = MmGetPhysicalAddress(Contig);
    IoWriteErrorLogEntry(IoAllocateErrorLogEntry(DriverObject, sizeof(IO_ERROR_LOG_PACKET)));
    return Regs && Common && Contig && Pa.QuadPart >= 0x1000000 ? STATUS_UNSUCCESSFUL : STATUS_NO_SUCH_DEVICE;
}

static void test_leak_audit_of_mapping_buffers_adapter(void **State)
{
    (void)State;
    ntsim_machine *M = Machine();
    ntsim_driver *D;
    int32_t Status;
    assert_int_equal(ntsim_driver_load_entry(M, "leaky", (ntsim_driver_entry)LeakEntry, &D, &Status), 0);
    assert_int_equal(Status, STATUS_UNSUCCESSFUL);
    const char *Expect[] = { "I/O space mapping of edu BAR0", "DMA common buffer", "DMA adapter",
                             "contiguous (MmAllocateContiguousMemory)" };
    for (size_t e = 0; e < 4; e++) {
        int Found = 0;
        for (size_t i = 0; i < ntsim_finding_count(M); i++) {
            const ntsim_finding *F = ntsim_finding_at(M, i);
            /* DMA_OPERATIONS are called through pointers: no driver line for those */
            if (!strcmp(F->rule, "FL-01") && strstr(F->message, Expect[e]) &&
                (strstr(F->message, "pci.c:") || strstr(Expect[e], "common")))
                Found = 1;
        }
        if (!Found) {
            ntsim_print_findings(stdout, M);
            fail_msg("no FL-01 naming '%s'", Expect[e]);
        }
    }
    assert_int_equal(ntsim_count_rule(M, "FL-02"), 1); /* the slot claim */
    /* the audit released everything: edu.sys loads clean afterwards */
    ntsim_clear_findings(M);
    assert_int_equal(ntsim_driver_load(M, EduPath(), NULL, &D, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_driver_unload(D), 0);
    assert_int_equal(Errors(M), 0);
    ntsim_machine_destroy(M);
}

static PDMA_ADAPTER MisuseAdapter;
static int MisuseKind;

static IO_ALLOCATION_ACTION MisuseExecute(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase,
                                          PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    static UCHAR Buffer[512];
    ULONG Length = sizeof(Buffer);
    PHYSICAL_ADDRESS Pa = MisuseAdapter->DmaOperations->MapTransfer(MisuseAdapter, NULL, MapRegisterBase, Buffer,
                                                                   &Length, FALSE);
    *(PVOID *)Context = MapRegisterBase;
    return Pa.QuadPart ? DeallocateObjectKeepRegisters : DeallocateObject;
}

static NTSTATUS MisuseEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG Slot;
    FindBar0(&Slot);
    PCM_RESOURCE_LIST List;
    if (!NT_SUCCESS(HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, 0, Slot, &List)))
        return STATUS_UNSUCCESSFUL;
    ExFreePool(List);
    DEVICE_DESCRIPTION Desc;
    RtlZeroMemory(&Desc, sizeof(Desc));
    Desc.Master = TRUE;
    Desc.Dma32BitAddresses = TRUE;
    Desc.InterfaceType = PCIBus;
    Desc.MaximumLength = 4096;
    ULONG MapRegisters;
    MisuseAdapter = IoGetDmaAdapter(NULL, &Desc, &MapRegisters);
    if (MisuseKind == 0) {
        PHYSICAL_ADDRESS Logical;
        PVOID Common = MisuseAdapter->DmaOperations->AllocateCommonBuffer(MisuseAdapter, 64, &Logical, FALSE);
        MisuseAdapter->DmaOperations->FreeCommonBuffer(MisuseAdapter, 64, Logical, Common, FALSE);
        MisuseAdapter->DmaOperations->FreeCommonBuffer(MisuseAdapter, 64, Logical, Common, FALSE);
    } else {
        PVOID Base = NULL;
        KIRQL Old;
        KeRaiseIrql(DISPATCH_LEVEL, &Old);
        MisuseAdapter->DmaOperations->AllocateAdapterChannel(MisuseAdapter, NULL, 2, MisuseExecute, &Base);
        KeLowerIrql(Old);
        /* never flushed */
        MisuseAdapter->DmaOperations->FreeMapRegisters(MisuseAdapter, Base, 2);
    }
    return STATUS_UNSUCCESSFUL;
}

static void test_dma_misuse_bugchecks(void **State)
{
    (void)State;
    const ULONG Expected[2] = { 0x03, 0x0D };
    for (MisuseKind = 0; MisuseKind < 2; MisuseKind++) {
        ntsim_machine *M = Machine();
        ntsim_driver *D;
        int32_t Status;
        assert_int_equal(ntsim_driver_load_entry(M, "misuse", (ntsim_driver_entry)MisuseEntry, &D, &Status),
                         NTSIM_E_CRASHED);
        ntsim_bugcheck B;
        assert_true(ntsim_machine_crashed(M, &B));
        assert_int_equal(B.code, 0xE6);
        assert_int_equal(B.params[0], Expected[MisuseKind]);
        ntsim_machine_destroy(M);
    }
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_dma_every_size),
        cmocka_unit_test(test_factorial_interrupt_and_polled),
        cmocka_unit_test(test_second_instance_refused),
        cmocka_unit_test(test_unclaimed_access_and_direct_dereference),
        cmocka_unit_test(test_leak_audit_of_mapping_buffers_adapter),
        cmocka_unit_test(test_dma_misuse_bugchecks),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
