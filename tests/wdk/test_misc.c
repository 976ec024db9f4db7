/* wdk/misc - WMI registration, pageable-section locks, breakpoints, KeBugCheck, and
 * ASSERT/NT_ASSERT/NT_VERIFY/KdPrint in checked (DBG=1) and free builds of one driver. */
#include <ntddk.h>
#include <wmistr.h>
#include <wmiguid.h>
#include <ntdddisk.h>
#include "wdktest.h"

static NTSTATUS Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

/* ---- WMI ---- */

static PDEVICE_OBJECT WmiDevice;
static BOOLEAN WmiDeregister;
static int WmiRegisterLine;

static VOID WmiUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    if (WmiDeregister)
        IoWMIRegistrationControl(WmiDevice, WMIREG_ACTION_DEREGISTER);
    IoDeleteDevice(WmiDevice);
}

static NTSTATUS WmiEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WdkWmi");
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &WmiDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    if (IoWMIRegistrationControl(WmiDevice, WMIREG_ACTION_DEREGISTER) != STATUS_INVALID_PARAMETER)
        return STATUS_UNSUCCESSFUL; /* not registered yet */
    WmiRegisterLine = __LINE__ + 1;
    Status = IoWMIRegistrationControl(WmiDevice, WMIREG_ACTION_REGISTER);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(WmiDevice);
        return Status;
    }
    if (IoWMIRegistrationControl(WmiDevice, WMIREG_ACTION_UPDATE_GUIDS) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 1;
    static const GUID Guid = { 0x12345678, 0x1234, 0x1234, { 1, 2, 3, 4, 5, 6, 7, 8 } };
    ULONG First = 99, Next = 99;
    if (IoWMIAllocateInstanceIds(&Guid, 3, &First) != STATUS_SUCCESS ||
        IoWMIAllocateInstanceIds(&Guid, 1, &Next) != STATUS_SUCCESS || First != 0 || Next != 3)
        return STATUS_UNSUCCESSFUL + 2;
    /* WmiFireEvent takes ownership of the event data (nonpaged pool) */
    PVOID Data = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'imWW');
    if (Data == NULL || WmiFireEvent(WmiDevice, &Guid, 0, 16, Data) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 3;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Dispatch;
    DriverObject->DriverUnload = WmiUnload;
    return STATUS_SUCCESS;
}

static void test_wmi_register_deregister(void **state)
{
    (void)state;
    ntsim_driver *d = NULL;
    WmiDeregister = TRUE;
    assert_status(run_entry("wmi", (ntsim_driver_entry)WmiEntry, &d), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors(); /* the event data was freed by WmiFireEvent, the registration removed */
}

static void test_wmi_registration_left_at_unload(void **state)
{
    (void)state;
    ntsim_driver *d = NULL;
    WmiDeregister = FALSE;
    assert_status(run_entry("wmileak", (ntsim_driver_entry)WmiEntry, &d), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    const ntsim_finding *f = find("IO-04", "WMI registration of device \\Device\\WdkWmi");
    assert_non_null(f);
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, WmiRegisterLine);
    assert_string_equal(f->site, site);
}

/* WmiSystemControl sends an IRP meant for another device of the stack down (IrpForward)
 * and leaves a non-WMI minor function alone (IrpNotWmi). */
static NTSTATUS WmiSystemControlEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    WMILIB_CONTEXT Context;
    RtlZeroMemory(&Context, sizeof(Context));
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoSetNextIrpStackLocation(Irp);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    Stack->MajorFunction = IRP_MJ_SYSTEM_CONTROL;
    Stack->MinorFunction = IRP_MN_QUERY_ALL_DATA;
    Stack->Parameters.WMI.ProviderId = (ULONG_PTR)0x1234;
    Irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    SYSCTL_IRP_DISPOSITION Disposition = IrpProcessed;
    NTSTATUS Status = WmiSystemControl(&Context, (PDEVICE_OBJECT)Irp /* any other device */, Irp, &Disposition);
    if (Disposition != IrpForward || Status != STATUS_NOT_SUPPORTED)
        return STATUS_UNSUCCESSFUL;
    Stack->MinorFunction = 0x20;
    WmiSystemControl(&Context, (PDEVICE_OBJECT)Irp, Irp, &Disposition);
    IoFreeIrp(Irp);
    return Disposition == IrpNotWmi ? STATUS_DEVICE_NOT_READY : STATUS_UNSUCCESSFUL + 1;
}

static void test_wmi_system_control(void **state)
{
    (void)state;
    assert_status(run_entry("wmisys", (ntsim_driver_entry)WmiSystemControlEntry, NULL), STATUS_DEVICE_NOT_READY);
}

/* ---- pageable sections ---- */

static int LockLine;

static NTSTATUS PagingEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    PVOID Base = MmPageEntireDriver((PVOID)PagingEntry);
    if (Base == NULL)
        return STATUS_UNSUCCESSFUL;
    MmResetDriverPaging((PVOID)PagingEntry);
    PVOID Code = MmLockPagableCodeSection((PVOID)PagingEntry);
    PVOID Data = MmLockPagableDataSection((PVOID)&LockLine); /* data of the image */
    MmLockPagableSectionByHandle(Code);
    if (Code != Base)
        return STATUS_UNSUCCESSFUL + 1; /* the handle names the image holding the address */
    MmUnlockPagableImageSection(Code);
    MmUnlockPagableImageSection(Code);
    MmUnlockPagableImageSection(Data);
    return STATUS_DEVICE_NOT_READY;
}

static void test_paging_balanced(void **state)
{
    (void)state;
    assert_status(run_entry("paging", (ntsim_driver_entry)PagingEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL));
}

static NTSTATUS PagingLeakEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    LockLine = __LINE__ + 1;
    MmLockPagableCodeSection((PVOID)PagingLeakEntry);
    return STATUS_UNSUCCESSFUL;
}

static void test_paging_lock_left(void **state)
{
    (void)state;
    assert_status(run_entry("paginglk", (ntsim_driver_entry)PagingLeakEntry, NULL), STATUS_UNSUCCESSFUL);
    const ntsim_finding *f = find("FL-01", "MmUnlockPagableImageSection");
    assert_non_null(f);
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, LockLine);
    assert_string_equal(f->site, site);
}

static NTSTATUS UnlockUnlockedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    PVOID Handle = MmLockPagableDataSection((PVOID)UnlockUnlockedEntry);
    MmUnlockPagableImageSection(Handle);
    MmUnlockPagableImageSection(Handle); /* one unlock too many */
    return STATUS_UNSUCCESSFUL;
}

static void test_paging_unlock_unlocked(void **state)
{
    (void)state;
    assert_int_equal(run_entry("pagingun", (ntsim_driver_entry)UnlockUnlockedEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "not locked"));
}

static NTSTATUS StackAddressEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    ULONG OnTheStack = 0;
    MmLockPagableDataSection(&OnTheStack); /* not in any image */
    return STATUS_UNSUCCESSFUL;
}

static void test_paging_address_outside_image(void **state)
{
    (void)state;
    assert_int_equal(run_entry("pagingst", (ntsim_driver_entry)StackAddressEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "not inside a loaded driver image"));
}

/* The paging routines are documented for IRQL <= APC_LEVEL: a driver holding a fast
 * mutex (APC_LEVEL) may lock a pageable section (beep.sys does in its create routine);
 * at DISPATCH_LEVEL it is SY-04. */
static NTSTATUS PagingUnderFastMutexEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    FAST_MUTEX Mutex;
    ExInitializeFastMutex(&Mutex);
    ExAcquireFastMutex(&Mutex);
    if (KeGetCurrentIrql() != APC_LEVEL)
        return STATUS_UNSUCCESSFUL;
    PVOID Data = MmLockPagableDataSection((PVOID)&LockLine);
    PVOID Code = MmLockPagableCodeSection((PVOID)PagingUnderFastMutexEntry);
    MmLockPagableSectionByHandle(Code);
    MmUnlockPagableImageSection(Code);
    MmUnlockPagableImageSection(Code);
    MmUnlockPagableImageSection(Data);
    MmResetDriverPaging((PVOID)PagingUnderFastMutexEntry);
    MmPageEntireDriver((PVOID)PagingUnderFastMutexEntry);
    ExReleaseFastMutex(&Mutex);
    return STATUS_DEVICE_NOT_READY;
}

static void test_paging_allowed_at_apc_level(void **state)
{
    (void)state;
    assert_status(run_entry("pagingapc", (ntsim_driver_entry)PagingUnderFastMutexEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("SY-04", NULL));
    assert_false(ntsim_machine_crashed(M, NULL));
}

static NTSTATUS PagingAtDispatchEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    MmLockPagableDataSection((PVOID)&LockLine);
    KeLowerIrql(Old);
    return STATUS_UNSUCCESSFUL;
}

static void test_paging_refused_at_dispatch_level(void **state)
{
    (void)state;
    assert_int_equal(run_entry("pagingdl", (ntsim_driver_entry)PagingAtDispatchEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "MmLockPagableDataSection"));
}

/* ---- ReactOS's PSEH2 names (REACTOS_COMPAT) ---- */

static void test_reactos_pseh2_over_ntsim_seh(void **state)
{
    (void)state;
    int32_t status = -1;
    ntsim_driver *d = NULL;
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", NTSIM_DRIVER_DIR, "wdk_pseh.sys");
    assert_int_equal(ntsim_driver_load(M, path, NULL, &d, &status), 0);
    assert_status(status, STATUS_DEVICE_NOT_READY);
    assert_false(ntsim_machine_crashed(M, NULL));
}

/* ---- breakpoints and bug checks ---- */

static int BreakLine;

static NTSTATUS BreakEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    BreakLine = __LINE__ + 1;
    DbgBreakPoint();
    KdBreakPoint();
    DbgBreakPointWithStatus(DBG_STATUS_FATAL);
    return STATUS_DEVICE_NOT_READY; /* still running: a breakpoint is not a trap */
}

static void test_breakpoints_are_findings(void **state)
{
    (void)state;
    assert_status(run_entry("brk", (ntsim_driver_entry)BreakEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_count_rule(M, "BREAKPOINT"), 3);
    const ntsim_finding *f = find("BREAKPOINT", "DbgBreakPoint)");
    assert_non_null(f);
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, BreakLine);
    assert_string_equal(f->site, site);
    assert_non_null(find("BREAKPOINT", "status 5"));
    assert_false(ntsim_machine_crashed(M, NULL));
}

static NTSTATUS BugCheckEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeBugCheck(0xE2); /* MANUALLY_INITIATED_CRASH */
    return STATUS_SUCCESS; /* not reached */
}

static void test_kebugcheck(void **state)
{
    (void)state;
    assert_int_equal(run_entry("bugcheck", (ntsim_driver_entry)BugCheckEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xE2);
    assert_non_null(strstr(bc.site, "test_misc.c"));
}

/* ---- WMI consumer routines and the kernel debugger (no provider, no debugger) ---- */

extern NTSTATUS KdSystemDebugControl(ULONG Command, PVOID InputBuffer, ULONG InputBufferLength, PVOID OutputBuffer,
                                     ULONG OutputBufferLength, PULONG ReturnLength, KPROCESSOR_MODE PreviousMode);

static NTSTATUS WmiConsumerStatus;

static NTSTATUS WmiConsumerEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static const GUID Smbios = SMBIOS_DATA_GUID;
    PVOID Block = (PVOID)(ULONG_PTR)0x1234;
    if (IoWMIOpenBlock(NULL, WMIGUID_QUERY, &Block) != STATUS_INVALID_PARAMETER)
        return STATUS_UNSUCCESSFUL + 1;
    WmiConsumerStatus = IoWMIOpenBlock(&Smbios, WMIGUID_QUERY, &Block);
    if (Block != (PVOID)(ULONG_PTR)0x1234) /* no object is handed out on failure */
        return STATUS_UNSUCCESSFUL + 2;
    ULONG Returned = 99;
    if (KdSystemDebugControl(0x20736F52 /* ' soR' */, NULL, 0, NULL, 0, &Returned, KernelMode) !=
            STATUS_DEBUGGER_INACTIVE || Returned != 0)
        return STATUS_UNSUCCESSFUL + 3;
    return STATUS_DEVICE_NOT_READY;
}

static void test_wmi_open_block_without_provider(void **state)
{
    (void)state;
    assert_int_equal((uint32_t)run_entry("wmiconsumer", (ntsim_driver_entry)WmiConsumerEntry, NULL),
                     (uint32_t)STATUS_DEVICE_NOT_READY);
    assert_int_equal((uint32_t)WmiConsumerStatus, (uint32_t)STATUS_WMI_GUID_NOT_FOUND);
}

static NTSTATUS WmiQueryEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    ULONG Size = 0;
    IoWMIQueryAllData((PVOID)(ULONG_PTR)0x1234, &Size, NULL); /* no object IoWMIOpenBlock gave */
    return STATUS_SUCCESS; /* not reached */
}

static void test_wmi_query_all_data_needs_a_data_block(void **state)
{
    (void)state;
    assert_int_equal(run_entry("wmiquery", (ntsim_driver_entry)WmiQueryEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x18);
    assert_non_null(strstr(bc.site, "test_misc.c"));
}

/* ---- volume parameter blocks (removable-media drivers read DeviceObject->Vpb) ---- */

static ULONG VpbResult;

static NTSTATUS VpbEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    static const DEVICE_TYPE Types[] = { FILE_DEVICE_DISK, FILE_DEVICE_CD_ROM, FILE_DEVICE_TAPE,
                                         FILE_DEVICE_VIRTUAL_DISK, FILE_DEVICE_UNKNOWN, FILE_DEVICE_SERIAL_PORT };
    VpbResult = 0;
    for (ULONG i = 0; i < RTL_NUMBER_OF(Types); i++) {
        PDEVICE_OBJECT Device;
        NTSTATUS Status = IoCreateDevice(DriverObject, 16, NULL, Types[i], 0, FALSE, &Device);
        if (!NT_SUCCESS(Status))
            return Status;
        PVPB Vpb = Device->Vpb;
        if (Vpb != NULL && Vpb->Type == IO_TYPE_VPB && Vpb->Size == sizeof(VPB) && Vpb->RealDevice == Device &&
            Vpb->DeviceObject == NULL && !(Vpb->Flags & VPB_MOUNTED) && Vpb->ReferenceCount == 0)
            VpbResult |= 1u << i;
        IoDeleteDevice(Device);
    }
    return STATUS_DEVICE_NOT_READY; /* done: nothing left to serve */
}

static void test_vpb_for_mass_storage_devices(void **state)
{
    (void)state;
    assert_int_equal((uint32_t)run_entry("vpb", (ntsim_driver_entry)VpbEntry, NULL), (uint32_t)STATUS_DEVICE_NOT_READY);
    assert_int_equal(VpbResult, 0x0F); /* disk, CD-ROM, tape, virtual disk: an unmounted VPB; the others none */
    assert_int_equal(ntsim_finding_count(M), ntsim_count_rule(M, "FL-06")); /* deleting them left nothing */
}

/* IoSetHardErrorOrVerifyDevice: accepted for an IRP with a thread (a built IRP), a bug
 * check naming itself for one without. */
static NTSTATUS VerifyEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_DISK, FILE_REMOVABLE_MEDIA, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    KEVENT Event;
    IO_STATUS_BLOCK Iosb;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildDeviceIoControlRequest(IOCTL_DISK_CHECK_VERIFY, Device, NULL, 0, NULL, 0, FALSE, &Event, &Iosb);
    if (Irp == NULL || Irp->Tail.Overlay.Thread == NULL)
        return STATUS_UNSUCCESSFUL;
    Irp->IoStatus.Status = STATUS_VERIFY_REQUIRED;
    if (IoIsErrorUserInduced(Irp->IoStatus.Status))
        IoSetHardErrorOrVerifyDevice(Irp, Device); /* accepted: nothing to record on ntsim */
    IoFreeIrp(Irp);
    PIRP Bare = IoAllocateIrp(1, FALSE); /* no thread: the driver's error */
    IoSetHardErrorOrVerifyDevice(Bare, Device);
    return STATUS_SUCCESS; /* not reached */
}

static void test_set_hard_error_or_verify_device(void **state)
{
    (void)state;
    assert_int_equal(run_entry("verify", (ntsim_driver_entry)VerifyEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x50);
    assert_non_null(strstr(bc.site, "test_misc.c"));
    assert_non_null(strstr(bc.explanation, "IoSetHardErrorOrVerifyDevice"));
}

/* ---- assertions in checked and free builds (one source, two images) ---- */

static void test_assert_checked_build(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof(path), "%s/wdk_assert_checked.sys", NTSIM_DRIVER_DIR);
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load(M, path, NULL, NULL, &status), 0);
    /* every assertion expression ran (5), NT_VERIFY returned TRUE (0x100) */
    assert_status(status, 0xE0000105u);
    assert_int_equal(ntsim_count_rule(M, "ASSERT"), 2);
    const ntsim_finding *f = find("ASSERT", "Count(RegistryPath == NULL)");
    assert_non_null(f);
    assert_non_null(strstr(f->site, "assertdrv.c:"));
    assert_non_null(find("ASSERT", "the path must be empty"));
    assert_false(ntsim_machine_crashed(M, NULL)); /* the driver went on */
}

static void test_assert_free_build(void **state)
{
    (void)state;
    char path[1024];
    snprintf(path, sizeof(path), "%s/wdk_assert_free.sys", NTSIM_DRIVER_DIR);
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load(M, path, NULL, NULL, &status), 0);
    /* only NT_VERIFY's expression ran; ASSERT, NT_ASSERT and KdPrint compiled out */
    assert_status(status, 0xE0000101u);
    assert_int_equal(ntsim_count_rule(M, "ASSERT"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wmi_register_deregister, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wmi_registration_left_at_unload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wmi_system_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wmi_open_block_without_provider, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wmi_query_all_data_needs_a_data_block, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vpb_for_mass_storage_devices, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_hard_error_or_verify_device, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_balanced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_lock_left, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_unlock_unlocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_address_outside_image, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_allowed_at_apc_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paging_refused_at_dispatch_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reactos_pseh2_over_ntsim_seh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakpoints_are_findings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kebugcheck, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assert_checked_build, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assert_free_build, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
