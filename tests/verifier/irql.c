/* irql.c - rule SY-04 from the per-DDI IRQL table (sim/verifier/irqltable.c): every
 * DDI ntsim implements has an entry, and a driver calling one above its level gets
 * SY-04 and bug check 0xC4 at its line, while calls within the level stay quiet. */
#include <ntddk.h>

#include "vtest.h"

int VfDdiMaxIrql(const char *Name); /* libntsim */

/* Every routine docs/ddi-status.md lists as implemented or partial (generated from
 * the headers and libntsim's exports) has a table entry. */
static void every_implemented_ddi_has_an_entry(void **state)
{
    (void)state;
    FILE *f = fopen(NTSIM_SOURCE_DIR "/docs/ddi-status.md", "r");
    assert_non_null(f);
    char line[1024];
    int listed = 0, missing = 0;
    while (fgets(line, sizeof(line), f)) {
        char name[128], header[128], status[64];
        if (sscanf(line, "| %127[A-Za-z0-9_] | %127[^ |] | %63[a-z] |", name, header, status) != 3)
            continue;
        if (strcmp(status, "implemented") != 0 && strcmp(status, "partial") != 0)
            continue;
        listed++;
        if (VfDdiMaxIrql(name) < 0) {
            printf("DDI %s has no entry in the SY-04 table (sim/verifier/irqltable.c)\n", name);
            missing++;
        }
    }
    fclose(f);
    assert_true(listed > 300);
    assert_int_equal(missing, 0);
    /* a few levels from the documentation */
    assert_int_equal(VfDdiMaxIrql("IoCreateDevice"), PASSIVE_LEVEL);
    assert_int_equal(VfDdiMaxIrql("ExAcquireFastMutex"), APC_LEVEL);
    assert_int_equal(VfDdiMaxIrql("IoAllocateIrp"), DISPATCH_LEVEL);
    assert_int_equal(VfDdiMaxIrql("READ_PORT_UCHAR"), HIGH_LEVEL);
    assert_int_equal(VfDdiMaxIrql("NoSuchRoutine"), -1);
}

/* ---- a driver that makes one call at DISPATCH_LEVEL ---- */

typedef enum {
    CALL_IO_CREATE_DEVICE,
    CALL_IO_CREATE_SYMBOLIC_LINK,
    CALL_MM_ALLOCATE_NONCACHED,
    CALL_OB_REFERENCE_BY_HANDLE,
    CALL_ALLOWED_AT_DISPATCH,
} irql_call;

static irql_call Call;
static int CallLine;

static NTSTATUS IrqlEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\IrqlAtDispatch");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\IrqlAtDispatch");
    PDEVICE_OBJECT Device = NULL;
    PVOID Object = NULL;
    KIRQL Old;
    UNREFERENCED_PARAMETER(RegistryPath);
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    switch (Call) {
    case CALL_IO_CREATE_DEVICE:
        CallLine = __LINE__ + 1;
        IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
        break;
    case CALL_IO_CREATE_SYMBOLIC_LINK:
        CallLine = __LINE__ + 1;
        IoCreateSymbolicLink(&Link, &Name);
        break;
    case CALL_MM_ALLOCATE_NONCACHED:
        CallLine = __LINE__ + 1;
        MmAllocateNonCachedMemory(64);
        break;
    case CALL_OB_REFERENCE_BY_HANDLE:
        CallLine = __LINE__ + 1;
        ObReferenceObjectByHandle(NULL, 0, NULL, KernelMode, &Object, NULL);
        break;
    case CALL_ALLOWED_AT_DISPATCH: {
        /* all documented as callable at DISPATCH_LEVEL */
        PIRP Irp = IoAllocateIrp(1, FALSE);
        if (Irp)
            IoFreeIrp(Irp);
        PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'qrIA');
        if (P)
            ExFreePoolWithTag(P, 'qrIA');
        LARGE_INTEGER Now;
        KeQuerySystemTime(&Now);
        break;
    }
    }
    KeLowerIrql(Old);
    if (Device)
        IoDeleteDevice(Device);
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry) {
        RtlZeroMemory(Entry, sizeof(*Entry));
        IoWriteErrorLogEntry(Entry);
    }
    return STATUS_UNSUCCESSFUL;
}

static void expect_sy04(ntsim_machine *m, irql_call call, const char *ddi)
{
    Call = call;
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load_entry(m, "irqldrv", (ntsim_driver_entry)IrqlEntry, &driver, &status),
                     NTSIM_E_CRASHED);
    vt_expect_count(m, "SY-04", 1);
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, CallLine);
    const ntsim_finding *f = vt_expect_finding(m, "SY-04", 0, NTSIM_SEV_ERROR, "irqldrv", site);
    vt_assert_contains(f->message, ddi);
    vt_assert_contains(f->message, "IRQL 2");
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0xC4);
    assert_int_equal(bc.params[1], DISPATCH_LEVEL);
    assert_string_equal(bc.site, site);
}

static void io_create_device_at_dispatch(void **state)
{
    expect_sy04(*state, CALL_IO_CREATE_DEVICE, "IoCreateDevice");
}

static void io_create_symbolic_link_at_dispatch(void **state)
{
    expect_sy04(*state, CALL_IO_CREATE_SYMBOLIC_LINK, "IoCreateSymbolicLink");
}

static void mm_allocate_noncached_at_dispatch(void **state)
{
    expect_sy04(*state, CALL_MM_ALLOCATE_NONCACHED, "MmAllocateNonCachedMemory");
}

static void ob_reference_by_handle_at_dispatch(void **state)
{
    expect_sy04(*state, CALL_OB_REFERENCE_BY_HANDLE, "ObReferenceObjectByHandle");
}

static void routines_allowed_at_dispatch_stay_quiet(void **state)
{
    ntsim_machine *m = *state;
    Call = CALL_ALLOWED_AT_DISPATCH;
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load_entry(m, "irqldrv", (ntsim_driver_entry)IrqlEntry, &driver, &status), 0);
    assert_int_equal(status, (int32_t)STATUS_UNSUCCESSFUL);
    vt_expect_clean(m);
}

/* The ExInterlocked*List routines are documented as callable at any IRQL (an ISR's
 * list): at a device IRQL they work and stay quiet; the IRQL is unchanged after each. */
static int InterlockedOk;

static NTSTATUS InterlockedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    static KSPIN_LOCK Lock;
    static LIST_ENTRY Head, A, B;
    static SINGLE_LIST_ENTRY SHead, S1;
    KIRQL Old;
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeSpinLock(&Lock);
    InitializeListHead(&Head);
    SHead.Next = NULL;
    KeRaiseIrql(10, &Old); /* a device IRQL, as in an ISR */
    int Ok = ExInterlockedInsertTailList(&Head, &A, &Lock) == NULL;
    Ok &= ExInterlockedInsertHeadList(&Head, &B, &Lock) == &A;
    Ok &= ExInterlockedRemoveHeadList(&Head, &Lock) == &B;
    Ok &= ExInterlockedPushEntryList(&SHead, &S1, &Lock) == NULL;
    Ok &= ExInterlockedPopEntryList(&SHead, &Lock) == &S1;
    Ok &= KeGetCurrentIrql() == 10;
    KeLowerIrql(Old);
    Ok &= ExInterlockedRemoveHeadList(&Head, &Lock) == &A; /* and at PASSIVE_LEVEL */
    Ok &= ExInterlockedRemoveHeadList(&Head, &Lock) == NULL && KeGetCurrentIrql() == PASSIVE_LEVEL;
    InterlockedOk = Ok;
    return STATUS_UNSUCCESSFUL; /* nothing to keep */
}

static void interlocked_lists_at_device_irql_stay_quiet(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    InterlockedOk = 0;
    assert_int_equal(ntsim_driver_load_entry(m, "listdrv", (ntsim_driver_entry)InterlockedEntry, &driver, &status), 0);
    assert_int_equal(status, (int32_t)STATUS_UNSUCCESSFUL);
    assert_true(InterlockedOk);
    vt_expect_only(m, 1, "FL-06", NULL); /* a failing DriverEntry without an error log entry: nothing else */
    vt_expect_count(m, "SY-04", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(interlocked_lists_at_device_irql_stay_quiet),
        VT_TEST(every_implemented_ddi_has_an_entry),
        VT_TEST(io_create_device_at_dispatch),
        VT_TEST(io_create_symbolic_link_at_dispatch),
        VT_TEST(mm_allocate_noncached_at_dispatch),
        VT_TEST(ob_reference_by_handle_at_dispatch),
        VT_TEST(routines_allowed_at_dispatch_stay_quiet),
    };
    return VT_RUN("verifier/irql", tests);
}
