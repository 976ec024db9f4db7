/* tests/floppy/isadma: slave (ISA system DMA) adapters in the HAL (sim/hal/isadma.c)
 * on the machine's 8237: channel checks, map registers, common buffers below 16 MiB
 * inside a 64/128 KiB boundary, IoMapTransfer programming the channel (address,
 * page, count, mode), a device's DREQ moving the data, HalReadDmaCounter /
 * ReadDmaCounter, IoFlushAdapterBuffers masking the channel and copying back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ntddk.h>
#include <ntsim/ntsim.h>
#include <hwmodel/i8237.h>

/* What the test driver saw, checked by the host side afterwards. */
static struct {
    ULONG Channel;
    BOOLEAN Word, AutoInit, Demand;
    ULONG MapRegisters;
    PDMA_ADAPTER Adapter;
    PVOID MapRegisterBase;
    PHYSICAL_ADDRESS Common[3];
    ULONG CommonLength;
    PHYSICAL_ADDRESS Mapped;
    ULONG MappedLength;
    ULONG CounterBefore, CounterAfter, CounterOp;
    UCHAR ModeSeen;
    BOOLEAN MaskedWhileMapped, MaskedAfterFlush;
    UCHAR Data[6000];
    BOOLEAN Channel4Refused;
} T;

static hw_i8237 *Dma;

static IO_ALLOCATION_ACTION Granted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    (void)Context;
    T.MapRegisterBase = MapRegisterBase;
    return KeepObject;
}

static NTSTATUS Claim(PDRIVER_OBJECT DriverObject, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
    } C;
    RtlZeroMemory(&C, sizeof(C));
    if (!Release) {
        C.List.Count = 1;
        C.List.List[0].InterfaceType = Isa;
        C.List.List[0].PartialResourceList.Version = 1;
        C.List.List[0].PartialResourceList.Revision = 1;
        C.List.List[0].PartialResourceList.Count = 1;
        C.List.List[0].PartialResourceList.PartialDescriptors[0].Type = CmResourceTypeDma;
        C.List.List[0].PartialResourceList.PartialDescriptors[0].ShareDisposition = CmResourceShareDeviceExclusive;
        C.List.List[0].PartialResourceList.PartialDescriptors[0].u.Dma.Channel = T.Channel;
    }
    BOOLEAN Conflict = FALSE;
    return IoReportResourceUsage(NULL, DriverObject, &C.List, Release ? sizeof(ULONG) : sizeof(C), NULL, NULL, 0,
                                 FALSE, &Conflict);
}

static VOID DeviceMovesData(void)
{
    /* the device side: DREQ for the whole transfer (device -> memory) */
    UCHAR Bytes[6000];
    for (ULONG i = 0; i < sizeof(Bytes); i++)
        Bytes[i] = (UCHAR)(i * 5 + 1);
    bool Tc = false;
    hw_i8237_transfer(Dma, T.Channel, Bytes, T.MappedLength, &Tc);
}

/* An ISA slave device on a system DMA channel. */
static VOID DescribeSlave(PDEVICE_DESCRIPTION Dd, ULONG Channel, ULONG MaximumLength)
{
    RtlZeroMemory(Dd, sizeof(*Dd));
    Dd->Version = DEVICE_DESCRIPTION_VERSION;
    Dd->InterfaceType = Isa;
    Dd->DmaChannel = Channel;
    Dd->MaximumLength = MaximumLength;
}

static NTSTATUS SlaveEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    if (!NT_SUCCESS(Claim(DriverObject, FALSE)))
        return STATUS_UNSUCCESSFUL;
    DEVICE_DESCRIPTION Dd;
    DescribeSlave(&Dd, 4, 0x100000);
    ULONG N = 0;
    T.Channel4Refused = HalGetAdapter(&Dd, &N) == NULL;
    Dd.DmaChannel = T.Channel;
    Dd.DmaWidth = T.Word ? Width16Bits : Width8Bits;
    Dd.AutoInitialize = T.AutoInit;
    Dd.DemandMode = T.Demand;
    T.Adapter = HalGetAdapter(&Dd, &T.MapRegisters);
    if (T.Adapter == NULL)
        return STATUS_UNSUCCESSFUL;
    /* common buffers */
    PVOID Va[3];
    for (int i = 0; i < 3; i++)
        Va[i] = HalAllocateCommonBuffer(T.Adapter, T.CommonLength, &T.Common[i], FALSE);
    for (int i = 0; i < 3; i++)
        if (Va[i]) {
            if ((ULONGLONG)MmGetPhysicalAddress(Va[i]).QuadPart != (ULONGLONG)T.Common[i].QuadPart)
                T.Common[i].QuadPart = -1;
            HalFreeCommonBuffer(T.Adapter, T.CommonLength, T.Common[i], Va[i], FALSE);
        }
    /* a transfer from the device into a pool buffer */
    PUCHAR Buffer = ExAllocatePoolWithTag(NonPagedPool, sizeof(T.Data), 'tseT');
    PMDL Mdl = IoAllocateMdl(Buffer, sizeof(T.Data), FALSE, FALSE, NULL);
    MmBuildMdlForNonPagedPool(Mdl);
    RtlZeroMemory(Buffer, sizeof(T.Data));
    IoAllocateAdapterChannel(T.Adapter, NULL, T.MapRegisters, Granted, NULL);
    T.MappedLength = 5000;
    T.Mapped = IoMapTransfer(T.Adapter, Mdl, T.MapRegisterBase, Buffer, &T.MappedLength, FALSE);
    T.ModeSeen = hw_i8237_mode(Dma, T.Channel);
    T.MaskedWhileMapped = hw_i8237_masked(Dma, T.Channel);
    T.CounterBefore = HalReadDmaCounter(T.Adapter);
    DeviceMovesData();
    T.CounterAfter = HalReadDmaCounter(T.Adapter);
    T.CounterOp = T.Adapter->DmaOperations->ReadDmaCounter(T.Adapter);
    IoFlushAdapterBuffers(T.Adapter, Mdl, T.MapRegisterBase, Buffer, T.MappedLength, FALSE);
    T.MaskedAfterFlush = hw_i8237_masked(Dma, T.Channel);
    RtlCopyMemory(T.Data, Buffer, sizeof(T.Data));
    IoFreeAdapterChannel(T.Adapter);
    IoFreeMdl(Mdl);
    ExFreePoolWithTag(Buffer, 'tseT');
    T.Adapter->DmaOperations->PutDmaAdapter(T.Adapter);
    Claim(DriverObject, TRUE);
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Entry)
        IoWriteErrorLogEntry(Entry);
    return STATUS_UNSUCCESSFUL; /* measured; nothing to keep */
}

/* A new machine (the last test's, should it have failed before destroying it, goes) and
 * Entry loaded on it as driver "isadma". */
static ntsim_machine *LoadOnFreshMachine(ntsim_driver_entry Entry, int32_t *Status)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *M = ntsim_machine_create(&Config);
    assert_non_null(M);
    Dma = ntsim_machine_i8237(M);
    assert_non_null(Dma);
    ntsim_driver *D;
    assert_int_equal(ntsim_driver_load_entry(M, "isadma", Entry, &D, Status), 0);
    return M;
}

static ntsim_machine *RunSlave(ULONG Channel, ULONG CommonLength, BOOLEAN AutoInit, BOOLEAN Demand)
{
    memset(&T, 0, sizeof(T));
    T.Channel = Channel;
    T.Word = Channel >= 4;
    T.CommonLength = CommonLength;
    T.AutoInit = AutoInit;
    T.Demand = Demand;
    int32_t Status;
    ntsim_machine *M = LoadOnFreshMachine((ntsim_driver_entry)SlaveEntry, &Status);
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (ntsim_finding_at(M, i)->severity == NTSIM_SEV_ERROR) {
            ntsim_print_findings(stdout, M);
            fail_msg("finding");
        }
    return M;
}

static void CheckBelow16MiB(PHYSICAL_ADDRESS Pa, ULONGLONG Length, ULONGLONG Boundary)
{
    assert_true(Pa.QuadPart > 0);
    assert_true((ULONGLONG)Pa.QuadPart + Length <= 0x1000000ull);
    assert_int_equal((ULONGLONG)Pa.QuadPart / Boundary, ((ULONGLONG)Pa.QuadPart + Length - 1) / Boundary);
}

static void test_byte_channel(void **State)
{
    (void)State;
    ntsim_machine *M = RunSlave(2, 40000, FALSE, FALSE);
    assert_true(T.Channel4Refused);
    assert_int_equal(T.MapRegisters, 16); /* 64 KiB of one boundary, not the 1 MiB asked */
    for (int i = 0; i < 3; i++)
        CheckBelow16MiB(T.Common[i], T.CommonLength, 0x10000);
    /* IoMapTransfer programmed channel 2: single mode, write (device to memory), unmasked */
    assert_int_equal(T.ModeSeen, HW_I8237_MODE_SINGLE | HW_I8237_MODE_WRITE);
    assert_false(T.MaskedWhileMapped);
    assert_int_equal(T.MappedLength, 5000);
    CheckBelow16MiB(T.Mapped, T.MappedLength, 0x10000);
    assert_int_equal(T.CounterBefore, 5000);
    assert_int_equal(T.CounterAfter, 0);
    assert_int_equal(T.CounterOp, 0);
    assert_true(T.MaskedAfterFlush);
    for (ULONG i = 0; i < 5000; i++)
        assert_int_equal(T.Data[i], (UCHAR)(i * 5 + 1));
    assert_int_equal(T.Data[5000], 0);
    ntsim_machine_destroy(M);
}

static void test_word_channel_autoinit_demand(void **State)
{
    (void)State;
    ntsim_machine *M = RunSlave(5, 100000, TRUE, TRUE);
    assert_int_equal(T.MapRegisters, 32); /* 128 KiB */
    for (int i = 0; i < 3; i++)
        CheckBelow16MiB(T.Common[i], T.CommonLength, 0x20000);
    assert_int_equal(T.ModeSeen, HW_I8237_MODE_DEMAND | HW_I8237_MODE_WRITE | HW_I8237_MODE_AUTOINIT);
    assert_int_equal(T.CounterBefore, 5000);
    /* auto-init: after terminal count the channel reloads its base count */
    assert_int_equal(T.CounterAfter, 5000);
    for (ULONG i = 0; i < 5000; i++)
        assert_int_equal(T.Data[i], (UCHAR)(i * 5 + 1));
    ntsim_machine_destroy(M);
}

/* What a driver that keeps its adapter until it fails DriverEntry leaves behind. */
static enum { KeepLegacy, KeepLegacyWithChannel, KeepWdm } Keep;

static NTSTATUS KeepEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    (void)RegistryPath;
    if (!NT_SUCCESS(Claim(DriverObject, FALSE)))
        return STATUS_UNSUCCESSFUL;
    DEVICE_DESCRIPTION Dd;
    DescribeSlave(&Dd, T.Channel, 0x1000);
    T.Adapter = Keep == KeepWdm ? IoGetDmaAdapter(NULL, &Dd, &T.MapRegisters) : HalGetAdapter(&Dd, &T.MapRegisters);
    if (T.Adapter == NULL)
        return STATUS_UNSUCCESSFUL;
    if (Keep == KeepLegacyWithChannel)
        IoAllocateAdapterChannel(T.Adapter, NULL, T.MapRegisters, Granted, NULL);
    Claim(DriverObject, TRUE);
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Entry)
        IoWriteErrorLogEntry(Entry);
    return STATUS_UNSUCCESSFUL; /* the adapter is not put back */
}

static size_t LeakFindings(ntsim_machine *M)
{
    size_t N = 0;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        N += strcmp(ntsim_finding_at(M, i)->rule, "FL-01") == 0 &&
             strstr(ntsim_finding_at(M, i)->message, "DMA adapter") != NULL;
    return N;
}

static size_t RunKeep(int How)
{
    memset(&T, 0, sizeof(T));
    T.Channel = 2;
    Keep = How;
    int32_t Status;
    ntsim_machine *M = LoadOnFreshMachine((ntsim_driver_entry)KeepEntry, &Status);
    assert_int_equal(Status, STATUS_UNSUCCESSFUL);
    size_t Leaks = LeakFindings(M);
    ntsim_machine_destroy(M);
    return Leaks;
}

/* An adapter from HalGetAdapter is the HAL's: NT 4 has no routine that gives one back, so
 * a driver leaving it leaks nothing (ReactOS floppy, docs/compatibility.md), unless it
 * still holds the channel; one from IoGetDmaAdapter must be put back (PutDmaAdapter). */
static void test_legacy_adapter_left_is_no_leak(void **State)
{
    (void)State;
    assert_int_equal(RunKeep(KeepLegacy), 0);
    assert_int_equal(RunKeep(KeepLegacyWithChannel), 1);
    assert_int_equal(RunKeep(KeepWdm), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_byte_channel),
        cmocka_unit_test(test_word_channel_autoinit_demand),
        cmocka_unit_test(test_legacy_adapter_left_is_no_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
