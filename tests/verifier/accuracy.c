/* accuracy.c - verifier accuracy (issue 9): findings that used to be false or aimed
 * at the wrong rule, and blind spots that are now checked. Each test drives a small
 * driver linked into this file (or a corpus image from tests/good) and asserts the
 * exact findings; the site of a finding is the line recorded in a LINE_AT variable
 * right where the driver makes the call. */
#include <ntddk.h>

#include "vtest.h"

const char *KiBugCheckName(ULONG Code); /* libntsim, for the name table check */

static NTSTATUS AccLogError(PDRIVER_OBJECT DriverObject, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry) {
        RtlZeroMemory(Entry, sizeof(*Entry));
        Entry->FinalStatus = Status;
        IoWriteErrorLogEntry(Entry);
    }
    return Status;
}

static NTSTATUS AccComplete(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static const char *AccSite(int line)
{
    static char site[4][1024];
    static int next;
    char *s = site[next++ & 3];
    snprintf(s, sizeof(site[0]), "%s:%d", __FILE__, line); /* the path as compiled, as the site macro saw it */
    return s;
}

static ntsim_driver *AccLoad(ntsim_machine *m, const char *name, ntsim_driver_entry entry, int32_t expect)
{
    ntsim_driver *driver = NULL;
    int32_t status = -1;
    int rc = ntsim_driver_load_entry(m, name, entry, &driver, &status);
    if (rc != 0)
        fail_msg("loading %s: rc %d: %s", name, rc, ntsim_last_error());
    assert_int_equal(status, expect);
    return driver;
}

/* ==== DE-03 / DO-01: a driver that assigns Flags loses DO_DEVICE_HAS_NAME ==== */

static int FlagsCreateLine;

static NTSTATUS FlagsEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccFlags");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    FlagsCreateLine = __LINE__ + 1;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    Device->Flags = DO_BUFFERED_IO; /* the bug: clobbers DO_DEVICE_HAS_NAME (and the rest) */
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AccComplete;
    return STATUS_SUCCESS;
}

static void do01_flags_clobbered_not_de03(void **state)
{
    ntsim_machine *m = *state;
    AccLoad(m, "accflags", (ntsim_driver_entry)FlagsEntry, VT_STATUS_SUCCESS);
    vt_expect_count(m, "DE-03", 0);
    vt_expect_count(m, "DO-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DO-01", 0, NTSIM_SEV_ERROR, "accflags", AccSite(FlagsCreateLine));
    vt_assert_contains(f->message, "DO_DEVICE_HAS_NAME");
    vt_assert_contains(f->message, "\\Device\\AccFlags");
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* ==== DE-03: a filter's unnamed device over a named one (seed 004) ==== */

static void de03_filter_over_named_device_is_clean(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *echo = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_driver *filter = vt_load(m, "good_filter", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    /* a read through the stack pends in echo and completes through the filter's
     * completion routine, which propagates PendingReturned (IO-01 stays quiet) */
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\NtsimEcho", &file), VT_STATUS_SUCCESS);
    char in[8] = { 0 };
    ntsim_request *read = NULL;
    assert_int_equal(ntsim_read_async(file, in, sizeof(in), &read), VT_STATUS_PENDING);
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "abc", 3, &n), VT_STATUS_SUCCESS);
    int32_t status = -1;
    size_t information = 0;
    assert_true(ntsim_request_done(read, &status, &information));
    assert_int_equal(status, VT_STATUS_SUCCESS);
    assert_int_equal(information, 3);
    assert_memory_equal(in, "abc", 3);
    ntsim_request_free(read);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    vt_unload(filter);
    vt_unload(echo);
    vt_expect_clean(m);
}

/* ==== IO-01: a completion routine that drops PendingReturned ==== */

static PDEVICE_OBJECT DropLower;
static PFILE_OBJECT DropFile;
static int DropRoutineLine;

static NTSTATUS DropPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(DropLower, Irp);
}

static NTSTATUS DropReadDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    return STATUS_SUCCESS; /* the bug: no `if (Irp->PendingReturned) IoMarkIrpPending(Irp);` */
}

static NTSTATUS DropRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, DropReadDone, NULL, TRUE, TRUE, TRUE);
    return IoCallDriver(DropLower, Irp);
}

static VOID DropUnload(PDRIVER_OBJECT DriverObject)
{
    IoDetachDevice(DropLower);
    IoDeleteDevice(DriverObject->DeviceObject);
    ObDereferenceObject(DropFile);
}

static NTSTATUS DropEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Target = RTL_CONSTANT_STRING(L"\\Device\\NtsimEcho");
    PDEVICE_OBJECT TargetDevice, Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoGetDeviceObjectPointer(&Target, FILE_READ_DATA, &DropFile, &TargetDevice);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    Status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(DropFile);
        return AccLogError(DriverObject, Status);
    }
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = DropPass;
    DriverObject->MajorFunction[IRP_MJ_READ] = DropRead;
    DriverObject->DriverUnload = DropUnload;
    DropLower = IoAttachDeviceToDeviceStack(Device, TargetDevice);
    Device->Flags |= DropLower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO);
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static void io01_completion_routine_drops_pending(void **state)
{
    ntsim_machine *m = *state;
    DropRoutineLine = 0;
    ntsim_driver *echo = vt_load(m, "echo", VT_STATUS_SUCCESS);
    ntsim_driver *drop = AccLoad(m, "accdrop", (ntsim_driver_entry)DropEntry, VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\NtsimEcho", &file), VT_STATUS_SUCCESS);
    char in[8];
    ntsim_request *read = NULL;
    assert_int_equal(ntsim_read_async(file, in, sizeof(in), &read), VT_STATUS_PENDING);
    vt_expect_clean(m); /* pended in echo, marked there: nothing wrong yet */
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "xy", 2, &n), VT_STATUS_SUCCESS);
    assert_true(ntsim_request_done(read, NULL, NULL));
    ntsim_request_free(read);
    /* exactly one report, about the filter's completion routine, not echo */
    vt_expect_count(m, "IO-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "IO-01", 0, NTSIM_SEV_ERROR, "accdrop", NULL);
    vt_assert_contains(f->message, "PendingReturned");
    vt_assert_contains(f->message, "IoMarkIrpPending");
    assert_int_equal(ntsim_finding_count(m), 1);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    vt_unload(drop);
    vt_unload(echo);
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* ==== DE-07: releasing a claim in Unload ==== */

static void de07_claim_released_in_unload_is_clean(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "good_claim_unload", VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\GoodClaimLegacy", &file), VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    char *map = ntsim_reg_export_text(m, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\GoodClaim");
    assert_non_null(map);
    vt_assert_contains(map, "good_claim_unload");
    free(map);
    vt_unload(d);
    vt_expect_clean(m); /* no DE-07 for the release, no IO-04/FL-02 for the claim */
    map = ntsim_reg_export_text(m, "\\Registry\\Machine\\HARDWARE\\RESOURCEMAP\\GoodClaim");
    if (map)
        assert_null(strstr(map, "good_claim_unload"));
    free(map);
}

/* ==== IO-04 and reinitialization: a routine that re-registers itself ==== */

static void io04_reinit_reregistration_runs_and_is_not_a_leak(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = vt_load(m, "good_reinit_requeue", VT_STATUS_SUCCESS);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\GoodReinitRequeue", &file), VT_STATUS_SUCCESS);
    uint32_t runs = 0;
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(file, VT_IOCTL_800, NULL, 0, &runs, sizeof(runs), &returned), VT_STATUS_SUCCESS);
    assert_int_equal(runs, 3); /* ran again right after its own pass, no other driver needed */
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    vt_unload(d);
    vt_expect_clean(m);
}

static ULONG ForeverRuns;

static VOID ForeverReinit(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNREFERENCED_PARAMETER(Context);
    ForeverRuns = Count;
    IoRegisterDriverReinitialization(DriverObject, ForeverReinit, NULL); /* waits for something that never comes */
}

static VOID ForeverUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS ForeverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccForever");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AccComplete;
    DriverObject->DriverUnload = ForeverUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    IoRegisterDriverReinitialization(DriverObject, ForeverReinit, NULL);
    return STATUS_SUCCESS;
}

static void reinit_that_always_reregisters_is_bounded(void **state)
{
    ntsim_machine *m = *state;
    ForeverRuns = 0;
    ntsim_driver *d = AccLoad(m, "accforever", (ntsim_driver_entry)ForeverEntry, VT_STATUS_SUCCESS);
    assert_true(ForeverRuns >= 2);   /* re-registration runs in the same load */
    assert_true(ForeverRuns <= 64);  /* and the load returns */
    vt_unload(d);
    vt_expect_clean(m); /* the registration still queued is dropped, not a leak */
}

/* ==== FL-07: a failed driver leaves an IRP pending inside another driver ==== */

static PFILE_OBJECT OrphanFile;
static char OrphanBuffer[16];
static int OrphanRoutineCalls;

static NTSTATUS OrphanDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    OrphanRoutineCalls++; /* code of an unloaded image: must never run */
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS OrphanEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Target = RTL_CONSTANT_STRING(L"\\Device\\NtsimEcho");
    PDEVICE_OBJECT TargetDevice;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoGetDeviceObjectPointer(&Target, FILE_READ_DATA, &OrphanFile, &TargetDevice);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    PIRP Irp = IoAllocateIrp(TargetDevice->StackSize, FALSE);
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    Next->MajorFunction = IRP_MJ_READ;
    Next->Parameters.Read.Length = sizeof(OrphanBuffer);
    Irp->AssociatedIrp.SystemBuffer = OrphanBuffer;
    IoSetCompletionRoutine(Irp, OrphanDone, NULL, TRUE, TRUE, TRUE);
    Status = IoCallDriver(TargetDevice, Irp); /* echo has no data: the read pends there */
    if (Status != STATUS_PENDING)
        return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
    /* the bug: fails with the IRP still inside echo (and the file reference kept) */
    return AccLogError(DriverObject, STATUS_DEVICE_NOT_READY);
}

static void fl07_orphaned_irp_is_not_freed_under_another_driver(void **state)
{
    ntsim_machine *m = *state;
    OrphanRoutineCalls = 0;
    ntsim_driver *echo = vt_load(m, "echo", VT_STATUS_SUCCESS);
    AccLoad(m, "accorphan", (ntsim_driver_entry)OrphanEntry, (int32_t)STATUS_DEVICE_NOT_READY);
    int irp_reported = 0; /* the IRP is still reported as the failed driver's leak */
    for (size_t i = 0; i < ntsim_finding_count(m); i++)
        if (strcmp(ntsim_finding_at(m, i)->rule, "FL-01") == 0 && strstr(ntsim_finding_at(m, i)->message, "IRP"))
            irp_reported = 1;
    assert_true(irp_reported);
    size_t before = ntsim_finding_count(m);
    /* echo completes the read it holds when data arrives: no crash, no finding on
     * echo, and the failed driver's completion routine is not called */
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\NtsimEcho", &file), VT_STATUS_SUCCESS);
    size_t n = 0;
    assert_int_equal(ntsim_write(file, "late", 4, &n), VT_STATUS_SUCCESS);
    assert_false(ntsim_machine_crashed(m, NULL));
    assert_int_equal(OrphanRoutineCalls, 0);
    assert_int_equal(ntsim_finding_count(m), before);
    for (size_t i = 0; i < ntsim_finding_count(m); i++)
        assert_string_not_equal(ntsim_finding_at(m, i)->driver, "echo");
    assert_memory_equal(OrphanBuffer, "late", 4);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    vt_unload(echo);
    assert_int_equal(ntsim_finding_count(m), before);
}

/* ==== bug-check names: every code ntsim raises has its name ==== */

static void every_bugcheck_code_has_a_name(void **state)
{
    (void)state;
    assert_string_equal(KiBugCheckName(0x9), "IRQL_NOT_GREATER_OR_EQUAL");
    assert_string_equal(KiBugCheckName(0xE4), "WORKER_INVALID");
    /* scan the simulator's sources for the codes it raises */
    static const char *dirs[] = { "ke", "ex", "io", "mm", "ob", "ps", "rtl", "cm", "hal", "verifier", "host", "fault" };
    size_t codes = 0;
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char cmd[1024];
        snprintf(cmd, sizeof(cmd),
                 "grep -ohE 'KiBugCheck\\(0x[0-9A-Fa-f]+' %s/sim/%s/*.c 2>/dev/null | sed 's/KiBugCheck(//'",
                 NTSIM_SOURCE_DIR, dirs[d]);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char line[64];
        while (fgets(line, sizeof(line), p)) {
            unsigned long code = strtoul(line, NULL, 16);
            codes++;
            if (strcmp(KiBugCheckName((ULONG)code), "BUGCHECK") == 0)
                fail_msg("bug check 0x%lX is raised by ntsim but has no name", code);
        }
        pclose(p);
    }
    assert_true(codes > 50);
}

/* ==== DO-02: opening a device that is still initialising ==== */

static int InitCreateLine;

static VOID InitReinit(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccLate");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Count);
    InitCreateLine = __LINE__ + 1;
    IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    /* the bug: DO_DEVICE_INITIALIZING is left set; the I/O manager clears it only for
     * devices created in DriverEntry */
}

static VOID InitUnload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject)
        IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS InitEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccEarly");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AccComplete;
    DriverObject->DriverUnload = InitUnload;
    IoRegisterDriverReinitialization(DriverObject, InitReinit, NULL);
    return STATUS_SUCCESS;
}

static void do02_open_while_initialising(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = AccLoad(m, "accinit", (ntsim_driver_entry)InitEntry, VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    ntsim_file *file = NULL;
    /* created in DriverEntry: the I/O manager cleared the flag, the open works */
    assert_int_equal(ntsim_open(m, "\\Device\\AccEarly", &file), VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_close(file), VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    assert_int_equal(ntsim_open(m, "\\Device\\AccLate", &file), (int32_t)STATUS_NO_SUCH_DEVICE);
    vt_expect_count(m, "DE-02", 0);
    vt_expect_count(m, "DO-02", 1);
    const ntsim_finding *f = vt_expect_finding(m, "DO-02", 0, NTSIM_SEV_ERROR, "accinit", AccSite(InitCreateLine));
    vt_assert_contains(f->message, "DO_DEVICE_INITIALIZING");
    vt_unload(d);
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* ==== DE-04: the finding carries the accessing line as its site ==== */

static void de04_finding_carries_the_site(void **state)
{
#if defined(__linux__)
    ntsim_machine *m = *state;
    vt_load(m, "bad_de04_regpath", VT_STATUS_SUCCESS);
    ntsim_file *file = NULL;
    assert_int_equal(ntsim_open(m, "\\Device\\BadDe04Regpath", &file), VT_STATUS_SUCCESS);
    uint32_t length = 0;
    size_t returned = 0;
    assert_int_equal(ntsim_ioctl(file, VT_IOCTL_800, NULL, 0, &length, sizeof(length), &returned), NTSIM_E_CRASHED);
    vt_expect_finding(m, "DE-04", 0, NTSIM_SEV_ERROR, "bad_de04_regpath",
                      vt_site("bad_de04_regpath.c", "read-regpath"));
#else
    (void)state;
    skip(); /* the accessing line comes from the image's DWARF (libdw, Linux) */
#endif
}

/* ==== SY-01: locks wherever they live ==== */

typedef struct {
    KSPIN_LOCK Lock;
    ULONG Value;
} ACC_LOCKED;

static KSPIN_LOCK AccGlobalLock; /* zero, as every global starts */
static int Sy01Where, Sy01Line;

static NTSTATUS Sy01Entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccSy01");
    PDEVICE_OBJECT Device;
    KIRQL Old;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(ACC_LOCKED), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    PKSPIN_LOCK Lock = &AccGlobalLock;
    ACC_LOCKED *Zeroed = NULL;
    if (Sy01Where == 1) {
        Lock = &((ACC_LOCKED *)Device->DeviceExtension)->Lock; /* zeroed by IoCreateDevice */
    } else if (Sy01Where == 2) {
        Zeroed = ExAllocatePoolZero(NonPagedPoolNx, sizeof(ACC_LOCKED), 'cAcA');
        Lock = &Zeroed->Lock;
    }
    Sy01Line = __LINE__ + 1;
    KeAcquireSpinLock(Lock, &Old);
    KeReleaseSpinLock(Lock, Old);
    if (Zeroed)
        ExFreePoolWithTag(Zeroed, 'cAcA');
    IoDeleteDevice(Device);
    return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
}

static void sy01_check(ntsim_machine *m, int where)
{
    Sy01Where = where;
    AccGlobalLock = 0;
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    assert_int_equal(ntsim_driver_load_entry(m, "accsy01", (ntsim_driver_entry)Sy01Entry, &driver, &status),
                     NTSIM_E_CRASHED);
    vt_expect_count(m, "SY-01", 1);
    vt_expect_finding(m, "SY-01", 0, NTSIM_SEV_ERROR, "accsy01", AccSite(Sy01Line));
    ntsim_bugcheck bc = vt_expect_bugcheck(m, 0xC4);
    assert_int_equal(bc.params[0], 0x1002);
}

static void sy01_lock_in_global(void **state)
{
    sy01_check(*state, 0);
}

static void sy01_lock_in_device_extension(void **state)
{
    sy01_check(*state, 1);
}

static void sy01_lock_in_zeroed_pool(void **state)
{
    sy01_check(*state, 2);
}

static int Sy01FreedLine;

static NTSTATUS Sy01FreedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KIRQL Old;
    UNREFERENCED_PARAMETER(RegistryPath);
    ACC_LOCKED *Block = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(ACC_LOCKED), 'fAcA');
    if (Block == NULL)
        return AccLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    KeInitializeSpinLock(&Block->Lock);
    KeAcquireSpinLock(&Block->Lock, &Old); /* initialised: fine */
    KeReleaseSpinLock(&Block->Lock, Old);
    ExFreePoolWithTag(Block, 'fAcA');
    Sy01FreedLine = __LINE__ + 1;
    KeAcquireSpinLock(&Block->Lock, &Old); /* the lock went with its block */
    KeReleaseSpinLock(&Block->Lock, Old);
    return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
}

static void sy01_lock_forgotten_with_its_pool_block(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *driver = NULL;
    int32_t status = 0;
    assert_int_equal(
        ntsim_driver_load_entry(m, "accsy01f", (ntsim_driver_entry)Sy01FreedEntry, &driver, &status),
        NTSIM_E_CRASHED);
    vt_expect_count(m, "SY-01", 1);
    vt_expect_finding(m, "SY-01", 0, NTSIM_SEV_ERROR, "accsy01f", AccSite(Sy01FreedLine));
}

/* ==== FL-04: IoDeleteDevice with the shutdown registration still in place ==== */

static int ShutDeleteLine;

static VOID ShutUnload(PDRIVER_OBJECT DriverObject)
{
    ShutDeleteLine = __LINE__ + 1;
    IoDeleteDevice(DriverObject->DeviceObject); /* the bug: no IoUnregisterShutdownNotification first */
}

static NTSTATUS ShutEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\AccShut");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    Status = IoRegisterShutdownNotification(Device);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Device);
        return AccLogError(DriverObject, Status);
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = AccComplete;
    DriverObject->DriverUnload = ShutUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static void fl04_device_deleted_while_registered(void **state)
{
    ntsim_machine *m = *state;
    ntsim_driver *d = AccLoad(m, "accshut", (ntsim_driver_entry)ShutEntry, VT_STATUS_SUCCESS);
    vt_expect_clean(m);
    vt_unload(d);
    vt_expect_count(m, "FL-04", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-04", 0, NTSIM_SEV_ERROR, "accshut", AccSite(ShutDeleteLine));
    vt_assert_contains(f->message, "IoUnregisterShutdownNotification");
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* ==== last-chance shutdown notifications come after the others ==== */

static PDEVICE_OBJECT LastDevice, FirstDevice;
static PDEVICE_OBJECT ShutdownOrder[4];
static int ShutdownCount;

static NTSTATUS LastShutdown(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (ShutdownCount < 4)
        ShutdownOrder[ShutdownCount++] = DeviceObject;
    return AccComplete(DeviceObject, Irp);
}

static VOID LastUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    IoUnregisterShutdownNotification(LastDevice);
    IoUnregisterShutdownNotification(FirstDevice);
    IoDeleteDevice(LastDevice);
    IoDeleteDevice(FirstDevice);
}

static NTSTATUS LastEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING LastName = RTL_CONSTANT_STRING(L"\\Device\\AccLast");
    UNICODE_STRING FirstName = RTL_CONSTANT_STRING(L"\\Device\\AccFirst");
    UNREFERENCED_PARAMETER(RegistryPath);
    if (!NT_SUCCESS(IoCreateDevice(DriverObject, 0, &FirstName, FILE_DEVICE_UNKNOWN, 0, FALSE, &FirstDevice)))
        return AccLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    if (!NT_SUCCESS(IoCreateDevice(DriverObject, 0, &LastName, FILE_DEVICE_UNKNOWN, 0, FALSE, &LastDevice))) {
        IoDeleteDevice(FirstDevice);
        return AccLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    }
    /* created last (first in the driver's device list) and registered first, but
     * last-chance: shut down after every ordinary registration */
    IoRegisterLastChanceShutdownNotification(LastDevice);
    IoRegisterShutdownNotification(FirstDevice);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = AccComplete;
    DriverObject->MajorFunction[IRP_MJ_SHUTDOWN] = LastShutdown;
    DriverObject->DriverUnload = LastUnload;
    return STATUS_SUCCESS;
}

static void last_chance_shutdown_comes_last(void **state)
{
    ntsim_machine *m = *state;
    ShutdownCount = 0;
    ntsim_driver *d = AccLoad(m, "acclast", (ntsim_driver_entry)LastEntry, VT_STATUS_SUCCESS);
    assert_int_equal(ntsim_shutdown(m), 0);
    assert_int_equal(ShutdownCount, 2);
    assert_ptr_equal(ShutdownOrder[0], FirstDevice);
    assert_ptr_equal(ShutdownOrder[1], LastDevice);
    vt_unload(d);
    vt_expect_clean(m);
}

/* ==== FL-01: the driver object extension ==== */

static int ExtLine;
static int ExtClientId;

static NTSTATUS ExtEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PVOID Extension;
    UNREFERENCED_PARAMETER(RegistryPath);
    ExtLine = __LINE__ + 1;
    NTSTATUS Status = IoAllocateDriverObjectExtension(DriverObject, &ExtClientId, 32, &Extension);
    if (!NT_SUCCESS(Status))
        return AccLogError(DriverObject, Status);
    return AccLogError(DriverObject, STATUS_DEVICE_DOES_NOT_EXIST); /* then a later step fails */
}

static void fl01_driver_object_extension(void **state)
{
    ntsim_machine *m = *state;
    AccLoad(m, "accext", (ntsim_driver_entry)ExtEntry, VT_STATUS_DEVICE_DOES_NOT_EXIST);
    vt_expect_count(m, "FL-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "FL-01", 0, NTSIM_SEV_WARNING, "accext", AccSite(ExtLine));
    vt_assert_contains(f->message, "driver object extension");
    assert_int_equal(ntsim_finding_count(m), 1);
}

/* ==== HW-02: a mapped address truncated to 32 bits ==== */

static PVOID TruncVa;
static int TruncLine;

static NTSTATUS TruncEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    PHYSICAL_ADDRESS Pa;
    UNREFERENCED_PARAMETER(RegistryPath);
    Pa.QuadPart = 0xFEB00000;
    TruncVa = MmMapIoSpace(Pa, 0x1000, MmNonCached);
    if (TruncVa == NULL)
        return AccLogError(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    struct {
        CM_RESOURCE_LIST List;
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    Claim.List.Count = 1;
    Claim.List.List[0].InterfaceType = Isa;
    Claim.List.List[0].PartialResourceList.Count = 1;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &Claim.List.List[0].PartialResourceList.PartialDescriptors[0];
    D->Type = CmResourceTypeMemory;
    D->ShareDisposition = CmResourceShareDeviceExclusive;
    D->u.Memory.Start.QuadPart = (ULONG)(ULONG_PTR)TruncVa; /* the bug: a pointer kept in a ULONG */
    D->u.Memory.Length = 0x1000;
    BOOLEAN Conflict;
    TruncLine = __LINE__ + 1;
    IoReportResourceUsage(NULL, DriverObject, &Claim.List, sizeof(Claim), NULL, NULL, 0, FALSE, &Conflict);
    IoReportResourceUsage(NULL, DriverObject, NULL, 0, NULL, NULL, 0, FALSE, &Conflict);
    MmUnmapIoSpace(TruncVa, 0x1000);
    return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
}

static void hw02_truncated_mapped_address(void **state)
{
    ntsim_machine *m = *state;
    AccLoad(m, "acctrunc", (ntsim_driver_entry)TruncEntry, (int32_t)STATUS_UNSUCCESSFUL);
    if ((ULONG_PTR)TruncVa <= 0xFFFFFFFFu)
        skip(); /* the host mapped it below 4 GiB: truncation changes nothing */
    vt_expect_count(m, "HW-02", 1);
    const ntsim_finding *f = vt_expect_finding(m, "HW-02", 0, NTSIM_SEV_ERROR, "acctrunc", AccSite(TruncLine));
    vt_assert_contains(f->message, "low 32 bits");
}

/* ==== RG-01: DIRECT without TYPECHECK meets a string ==== */

static ULONG RgValue[2];
static int RgLine;
static NTSTATUS RgStatus;

static NTSTATUS RgEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    RTL_QUERY_REGISTRY_TABLE Table[2];
    ULONG Default = 7;
    RgValue[0] = 5;
    RgValue[1] = 0xC0FFEE; /* the word after the ULONG: must survive */
    RtlZeroMemory(Table, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_DIRECT; /* the bug: no RTL_QUERY_REGISTRY_TYPECHECK */
    Table[0].Name = L"Threshold";
    Table[0].EntryContext = &RgValue[0];
    Table[0].DefaultType = REG_DWORD;
    Table[0].DefaultData = &Default;
    Table[0].DefaultLength = sizeof(ULONG);
    RgLine = __LINE__ + 1;
    RgStatus = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, Table, NULL, NULL);
    return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
}

static void rg01_direct_string_into_ulong(void **state)
{
    ntsim_machine *m = *state;
    static const char reg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                              "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\accrg]\r\n"
                              "\"Threshold\"=\"a string, not a number\"\r\n";
    assert_int_equal(ntsim_reg_import_text(m, "rg01.reg", reg, strlen(reg)), 0);
    AccLoad(m, "accrg", (ntsim_driver_entry)RgEntry, (int32_t)STATUS_UNSUCCESSFUL);
    vt_expect_count(m, "RG-01", 1);
    const ntsim_finding *f = vt_expect_finding(m, "RG-01", 0, NTSIM_SEV_ERROR, "accrg", AccSite(RgLine));
    vt_assert_contains(f->message, "Threshold");
    vt_assert_contains(f->message, "TYPECHECK");
    assert_int_equal(RgStatus, (int32_t)STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(RgValue[0], 5);
    assert_int_equal(RgValue[1], 0xC0FFEE);
}

/* ==== MmIsAddressValid ==== */

static BOOLEAN ValidLow, ValidPool, ValidStack;

static NTSTATUS ValidEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG Local = 1;
    UNREFERENCED_PARAMETER(RegistryPath);
    ValidLow = MmIsAddressValid((PVOID)(ULONG_PTR)0x10);
    ValidStack = MmIsAddressValid(&Local);
    PVOID Block = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'vAcA');
    ValidPool = Block != NULL && MmIsAddressValid(Block);
    if (Block)
        ExFreePoolWithTag(Block, 'vAcA');
    return AccLogError(DriverObject, STATUS_UNSUCCESSFUL);
}

static void mm_is_address_valid(void **state)
{
    ntsim_machine *m = *state;
    AccLoad(m, "accvalid", (ntsim_driver_entry)ValidEntry, (int32_t)STATUS_UNSUCCESSFUL);
    assert_false(ValidLow);
    assert_true(ValidStack);
    assert_true(ValidPool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VT_TEST(do01_flags_clobbered_not_de03),
        VT_TEST(de03_filter_over_named_device_is_clean),
        VT_TEST(io01_completion_routine_drops_pending),
        VT_TEST(de07_claim_released_in_unload_is_clean),
        VT_TEST(io04_reinit_reregistration_runs_and_is_not_a_leak),
        VT_TEST(reinit_that_always_reregisters_is_bounded),
        VT_TEST(fl07_orphaned_irp_is_not_freed_under_another_driver),
        VT_TEST(every_bugcheck_code_has_a_name),
        VT_TEST(do02_open_while_initialising),
        VT_TEST(de04_finding_carries_the_site),
        VT_TEST(sy01_lock_in_global),
        VT_TEST(sy01_lock_in_device_extension),
        VT_TEST(sy01_lock_in_zeroed_pool),
        VT_TEST(sy01_lock_forgotten_with_its_pool_block),
        VT_TEST(fl04_device_deleted_while_registered),
        VT_TEST(last_chance_shutdown_comes_last),
        VT_TEST(fl01_driver_object_extension),
        VT_TEST(hw02_truncated_mapped_address),
        VT_TEST(rg01_direct_string_into_ulong),
        VT_TEST(mm_is_address_valid),
    };
    return VT_RUN("verifier/accuracy", tests);
}
