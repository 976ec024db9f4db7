/* ke/sched - the execution model as a driver sees it. Each test runs a scenario as
 * the DriverEntry of a driver linked into this program (site macros active, so
 * reports name ke.c lines), on a fresh machine. */
#include <ntddk.h>
#include <ntsim/ntsim.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define assert_status(actual, expected) assert_int_equal((uint32_t)(actual), (uint32_t)(expected))
#define MS(n) ((uint64_t)(n) * 1000000u)

static ntsim_machine *M;
static uint64_t Seed;

static int setup(void **state)
{
    /* KE_VERBOSE=1: print findings as they happen (docs/scheduler.md shows them) */
    ntsim_machine_config config = { .cpus = 1, .seed = Seed, .verifier = 1, .quiet = getenv("KE_VERBOSE") == NULL };
    M = ntsim_machine_create(&config);
    *state = M;
    return M ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ntsim_machine_destroy(M);
    M = NULL;
    return 0;
}

static int has_finding(const char *rule, const char *text)
{
    for (size_t i = 0; i < ntsim_finding_count(M); i++) {
        const ntsim_finding *f = ntsim_finding_at(M, i);
        if (strcmp(f->rule, rule) == 0 && (text == NULL || strstr(f->message, text)))
            return 1;
    }
    return 0;
}

static void dump_findings(void)
{
    ntsim_print_findings(stdout, M);
}

/* Load Entry as driver "name"; returns its DriverEntry status, or NTSIM_E_CRASHED. */
static int32_t run(const char *name, ntsim_driver_entry entry, ntsim_driver **driver)
{
    int32_t status = -1;
    ntsim_driver *d = NULL;
    int r = ntsim_driver_load_entry(M, name, entry, &d, &status);
    if (driver)
        *driver = d;
    return r ? r : status;
}

static ntsim_bugcheck expect_bugcheck(uint32_t code, uint64_t p1)
{
    ntsim_bugcheck bc;
    memset(&bc, 0, sizeof(bc));
    if (!ntsim_machine_crashed(M, &bc)) {
        dump_findings();
        fail_msg("expected bug check 0x%X, the machine did not crash", code);
    }
    if (bc.code != code || (p1 != ~0ull && bc.params[0] != p1)) {
        ntsim_print_bugcheck(stdout, &bc);
        fail_msg("expected bug check 0x%X/0x%llX", code, (unsigned long long)p1);
    }
    return bc;
}

/* ---- time ---- */

static NTSTATUS TimeEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KEVENT Event;
    LARGE_INTEGER T, Sys;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    if (KeQueryInterruptTime() != 0)
        return STATUS_UNSUCCESSFUL;
    T.QuadPart = 0; /* zero timeout: a poll */
    if (KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &T) != STATUS_TIMEOUT || KeQueryInterruptTime() != 0)
        return STATUS_UNSUCCESSFUL + 1;
    T.QuadPart = -50000; /* 5 ms relative */
    if (KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, &T) != STATUS_TIMEOUT)
        return STATUS_UNSUCCESSFUL + 2;
    if (KeQueryInterruptTime() != 50000)
        return STATUS_UNSUCCESSFUL + 3;
    KeQuerySystemTime(&Sys);
    T.QuadPart = Sys.QuadPart + 30000; /* absolute: 3 ms later */
    KeDelayExecutionThread(KernelMode, FALSE, &T);
    if (KeQueryInterruptTime() != 80000)
        return STATUS_UNSUCCESSFUL + 4;
    KeStallExecutionProcessor(20); /* 20 us */
    if (KeQueryInterruptTime() != 80200)
        return STATUS_UNSUCCESSFUL + 5;
    LARGE_INTEGER Ticks;
    T.QuadPart = -(LONGLONG)KeQueryTimeIncrement() * 2;
    KeDelayExecutionThread(KernelMode, FALSE, &T);
    KeQueryTickCount(&Ticks);
    if (Ticks.QuadPart != 2 || KeQueryTimeIncrement() != 156250)
        return STATUS_UNSUCCESSFUL + 6;
    LARGE_INTEGER Freq, Pc = KeQueryPerformanceCounter(&Freq);
    if (Freq.QuadPart != 10000000 || Pc.QuadPart != (LONGLONG)KeQueryInterruptTime())
        return STATUS_UNSUCCESSFUL + 7;
    return STATUS_DEVICE_NOT_READY; /* done: nothing to keep loaded */
}

static void test_time_exact(void **state)
{
    (void)state;
    assert_status(run("ketime", (ntsim_driver_entry)TimeEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_now_ns(M), 8020000 + 2 * 15625000ull);
    assert_int_equal(ntsim_run_for(M, MS(10)), 0);
    assert_int_equal(ntsim_now_ns(M), 8020000 + 2 * 15625000ull + MS(10));
}

/* ---- threads, events, WaitAny / WaitAll ---- */

static KEVENT EvA, EvB;
static KSEMAPHORE Sem;
static volatile LONG Order[8];
static volatile LONG OrderCount;

static VOID SignalB(PVOID Context)
{
    LARGE_INTEGER T;
    UNREFERENCED_PARAMETER(Context);
    T.QuadPart = -20000; /* 2 ms */
    KeDelayExecutionThread(KernelMode, FALSE, &T);
    Order[OrderCount++] = 1;
    KeSetEvent(&EvB, IO_NO_INCREMENT, FALSE);
    KeReleaseSemaphore(&Sem, IO_NO_INCREMENT, 2, FALSE);
}

static NTSTATUS WaitEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    PVOID Thread;
    KeInitializeEvent(&EvA, NotificationEvent, FALSE);
    KeInitializeEvent(&EvB, SynchronizationEvent, FALSE);
    KeInitializeSemaphore(&Sem, 0, 2);
    if (!NT_SUCCESS(PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, SignalB, NULL)))
        return STATUS_UNSUCCESSFUL;
    ObReferenceObjectByHandle(H, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &Thread, NULL);
    ZwClose(H);
    PVOID Objects[2] = { &EvA, &EvB };
    NTSTATUS S = KeWaitForMultipleObjects(2, Objects, WaitAny, Executive, KernelMode, FALSE, NULL, NULL);
    if (S != STATUS_WAIT_1 || KeQueryInterruptTime() != 20000)
        return STATUS_UNSUCCESSFUL + 1;
    if (KeReadStateEvent(&EvB) != 0) /* synchronization event: consumed by the wait */
        return STATUS_UNSUCCESSFUL + 2;
    PVOID Two[2] = { &Sem, &Sem };
    LARGE_INTEGER Zero = { .QuadPart = 0 };
    if (KeWaitForMultipleObjects(2, Two, WaitAll, Executive, KernelMode, FALSE, &Zero, NULL) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 3;
    if (KeReadStateSemaphore(&Sem) != 0)
        return STATUS_UNSUCCESSFUL + 4;
    /* the thread object is signalled when it ends */
    if (KeWaitForSingleObject(Thread, Executive, KernelMode, FALSE, NULL) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 5;
    ObDereferenceObject(Thread);
    /* KePulseEvent wakes the waiter and leaves the event reset */
    if (KePulseEvent(&EvA, 0, FALSE) != 0 || KeReadStateEvent(&EvA) != 0)
        return STATUS_UNSUCCESSFUL + 6;
    KeSetEvent(&EvA, 0, FALSE);
    if (KeWaitForSingleObject(&EvA, Executive, KernelMode, FALSE, &Zero) != STATUS_SUCCESS || KeReadStateEvent(&EvA) != 1)
        return STATUS_UNSUCCESSFUL + 7;
    return STATUS_DEVICE_NOT_READY;
}

static void test_wait_any_all(void **state)
{
    (void)state;
    OrderCount = 0;
    int32_t s = run("kewait", (ntsim_driver_entry)WaitEntry, NULL);
    if (s != (int32_t)STATUS_DEVICE_NOT_READY)
        dump_findings();
    assert_status(s, STATUS_DEVICE_NOT_READY);
    assert_int_equal(OrderCount, 1);
    assert_int_equal(ntsim_thread_count(M), 0);
    assert_int_equal(ntsim_count_rule(M, "FL-01"), 0);
}

/* ---- mutex: recursion, ownership ---- */

static KMUTEX Mutex;

static NTSTATUS MutexEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KeInitializeMutex(&Mutex, 0);
    KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, NULL);
    KeWaitForSingleObject(&Mutex, Executive, KernelMode, FALSE, NULL); /* recursive */
    if (KeReadStateMutex(&Mutex) != -1 || !KeAreApcsDisabled())
        return STATUS_UNSUCCESSFUL;
    KeReleaseMutex(&Mutex, FALSE);
    KeReleaseMutex(&Mutex, FALSE);
    if (KeReadStateMutex(&Mutex) != 1 || KeAreApcsDisabled())
        return STATUS_UNSUCCESSFUL + 1;
    KeReleaseMutex(&Mutex, FALSE); /* not owned: raises STATUS_MUTANT_NOT_OWNED */
    return STATUS_SUCCESS;
}

static void test_mutex_not_owned(void **state)
{
    (void)state;
    assert_int_equal(run("kemutex", (ntsim_driver_entry)MutexEntry, NULL), NTSIM_E_CRASHED);
    expect_bugcheck(0x1E, 0xC0000046);
}

/* ---- spin lock misuse ---- */

static KSPIN_LOCK LockA, LockB;

static NTSTATUS DoubleReleaseEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql;
    KeInitializeSpinLock(&LockA);
    KeAcquireSpinLock(&LockA, &Irql);
    KeReleaseSpinLock(&LockA, Irql);
    KeRaiseIrql(DISPATCH_LEVEL, &Irql);
    KeReleaseSpinLock(&LockA, Irql); /* second release */
    return STATUS_SUCCESS;
}

static void test_spinlock_double_release(void **state)
{
    (void)state;
    assert_int_equal(run("kedouble", (ntsim_driver_entry)DoubleReleaseEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4, 0x1003);
    assert_non_null(strstr(bc.site, "ke.c:"));
}

static NTSTATUS WrongIrqlEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql, Ignored;
    KeInitializeSpinLock(&LockA);
    KeRaiseIrql(HIGH_LEVEL, &Irql);
    KeAcquireSpinLock(&LockA, &Ignored); /* above DISPATCH_LEVEL */
    return STATUS_SUCCESS;
}

static void test_spinlock_wrong_irql(void **state)
{
    (void)state;
    assert_int_equal(run("keirql", (ntsim_driver_entry)WrongIrqlEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4, 0x35);
    assert_int_equal(bc.params[1], HIGH_LEVEL);
    assert_true(has_finding("SY-04", "KeAcquireSpinLock"));
}

static NTSTATUS UninitEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql;
    KSPIN_LOCK *Lock = ExAllocatePoolWithTag(NonPagedPool, sizeof(KSPIN_LOCK), 'kcoL'); /* 0xCD filled */
    KeAcquireSpinLock(Lock, &Irql);
    return STATUS_SUCCESS;
}

static void test_spinlock_uninitialised(void **state)
{
    (void)state;
    assert_int_equal(run("keuninit", (ntsim_driver_entry)UninitEntry, NULL), NTSIM_E_CRASHED);
    expect_bugcheck(0xC4, 0x1002);
    assert_true(has_finding("SY-01", NULL));
}

static VOID HoldingDpc(PKDPC Dpc, PVOID Context, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    KeAcquireSpinLockAtDpcLevel(&LockB); /* and never released */
}

static KDPC Dpc;

static NTSTATUS HeldAtReturnEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KeInitializeSpinLock(&LockB);
    KeInitializeDpc(&Dpc, HoldingDpc, NULL);
    KeInsertQueueDpc(&Dpc, NULL, NULL); /* at PASSIVE_LEVEL: runs at once */
    return STATUS_SUCCESS;
}

static void test_lock_held_at_dpc_return(void **state)
{
    (void)state;
    assert_int_equal(run("keheld", (ntsim_driver_entry)HeldAtReturnEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4, 0x1009);
    assert_non_null(strstr(bc.explanation, "DPC routine"));
}

static NTSTATUS LockOrderEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql;
    KeInitializeSpinLock(&LockA);
    KeInitializeSpinLock(&LockB);
    KeAcquireSpinLock(&LockA, &Irql); /* A then B */
    KeAcquireSpinLockAtDpcLevel(&LockB);
    KeReleaseSpinLockFromDpcLevel(&LockB);
    KeReleaseSpinLock(&LockA, Irql);
    KeAcquireSpinLock(&LockB, &Irql); /* B then A: could deadlock against the first order */
    KeAcquireSpinLockAtDpcLevel(&LockA);
    KeReleaseSpinLockFromDpcLevel(&LockA);
    KeReleaseSpinLock(&LockB, Irql);
    return STATUS_SUCCESS;
}

static void test_lock_order_inversion(void **state)
{
    (void)state;
    assert_int_equal(run("keorder", (ntsim_driver_entry)LockOrderEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4, 0x1001);
    assert_int_equal(bc.params[1], (uint64_t)(uintptr_t)&LockA);
    assert_int_equal(bc.params[2], (uint64_t)(uintptr_t)&LockB);
    assert_true(has_finding("DEADLOCK", "lock order inversion"));
}

/* ---- wait rules ---- */

static NTSTATUS WaitAtDispatchEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql;
    LARGE_INTEGER T = { .QuadPart = -10000 };
    KeInitializeEvent(&EvA, NotificationEvent, FALSE);
    KeRaiseIrql(DISPATCH_LEVEL, &Irql);
    KeWaitForSingleObject(&EvA, Executive, KernelMode, FALSE, &T);
    return STATUS_SUCCESS;
}

static void test_wait_at_dispatch(void **state)
{
    (void)state;
    assert_int_equal(run("kedisp", (ntsim_driver_entry)WaitAtDispatchEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x0A, ~0ull);
    assert_int_equal(bc.params[1], DISPATCH_LEVEL);
}

static NTSTATUS UninitEventEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    static KEVENT Never; /* zeroed, never KeInitializeEvent'ed */
    KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, NULL);
    return STATUS_SUCCESS;
}

static void test_wait_uninitialised(void **state)
{
    (void)state;
    assert_int_equal(run("keuninitev", (ntsim_driver_entry)UninitEventEntry, NULL), NTSIM_E_CRASHED);
    expect_bugcheck(0xC4, 0x1010);
    assert_true(has_finding("SY-02", "KeWaitForSingleObject"));
}

/* ---- a deadlock between two threads ---- */

static KMUTEX MutexA, MutexB;

static VOID Grab(PKMUTEX First, PKMUTEX Second)
{
    LARGE_INTEGER T = { .QuadPart = -10000 };
    KeWaitForSingleObject(First, Executive, KernelMode, FALSE, NULL);
    KeDelayExecutionThread(KernelMode, FALSE, &T); /* let the other take its first */
    KeWaitForSingleObject(Second, Executive, KernelMode, FALSE, NULL);
    KeReleaseMutex(Second, FALSE);
    KeReleaseMutex(First, FALSE);
}

static VOID ThreadAB(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    Grab(&MutexA, &MutexB);
}

static VOID ThreadBA(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    Grab(&MutexB, &MutexA);
}

static NTSTATUS DeadlockEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H1, H2;
    PVOID T1, T2;
    KeInitializeMutex(&MutexA, 0);
    KeInitializeMutex(&MutexB, 0);
    PsCreateSystemThread(&H1, THREAD_ALL_ACCESS, NULL, NULL, NULL, ThreadAB, NULL);
    PsCreateSystemThread(&H2, THREAD_ALL_ACCESS, NULL, NULL, NULL, ThreadBA, NULL);
    ObReferenceObjectByHandle(H1, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T1, NULL);
    ObReferenceObjectByHandle(H2, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T2, NULL);
    PVOID Both[2] = { T1, T2 };
    KeWaitForMultipleObjects(2, Both, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    return STATUS_SUCCESS;
}

static void test_deadlock_hang_report(void **state)
{
    (void)state;
    assert_int_equal(run("kedead", (ntsim_driver_entry)DeadlockEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x4E544801, 3);
    assert_non_null(strstr(bc.explanation, "HANG"));
    assert_true(has_finding("HANG", "deadlock: thread 2 "));
    const char *chain = NULL;
    for (size_t i = 0; i < ntsim_finding_count(M); i++)
        if (strcmp(ntsim_finding_at(M, i)->rule, "HANG") == 0)
            chain = ntsim_finding_at(M, i)->message;
    assert_non_null(chain);
    assert_non_null(strstr(chain, "thread 2 'kedead!"));
    assert_non_null(strstr(chain, "held by thread 3"));
    assert_non_null(strstr(chain, "held by thread 2"));
    assert_non_null(strstr(chain, "thread 1 'host'"));
}

/* ---- leak audit after a failed DriverEntry ---- */

static KTIMER LeakTimer;
static KDPC LeakDpc;
static KEVENT Forever;
static PDEVICE_OBJECT LeakDevice;

static VOID Sleeper(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KeWaitForSingleObject(&Forever, Executive, KernelMode, FALSE, NULL);
}

static VOID NeverDpc(PKDPC D, PVOID C, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(D);
    UNREFERENCED_PARAMETER(C);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    fail_msg("a DPC of a driver whose DriverEntry failed ran");
}

static VOID NeverWork(PDEVICE_OBJECT D, PVOID C)
{
    UNREFERENCED_PARAMETER(D);
    UNREFERENCED_PARAMETER(C);
    fail_msg("a work item of a driver whose DriverEntry failed ran");
}

static NTSTATUS LeakEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    LARGE_INTEGER Due = { .QuadPart = -10000000 };
    KeInitializeEvent(&Forever, NotificationEvent, FALSE);
    IoCreateDevice(Driver, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &LeakDevice);
    KeInitializeDpc(&LeakDpc, NeverDpc, NULL);
    KeInitializeTimer(&LeakTimer);
    KeSetTimer(&LeakTimer, Due, &LeakDpc);                                              /* leak: timer */
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Sleeper, NULL);      /* leak: thread */
    ZwClose(H);
    PIO_WORKITEM Item = IoAllocateWorkItem(LeakDevice);                                  /* leak: work item */
    IoQueueWorkItem(Item, NeverWork, DelayedWorkQueue, NULL);
    IoDeleteDevice(LeakDevice);
    return STATUS_INSUFFICIENT_RESOURCES;
}

static void test_leak_audit_failed_entry(void **state)
{
    (void)state;
    assert_status(run("keleak", (ntsim_driver_entry)LeakEntry, NULL), STATUS_INSUFFICIENT_RESOURCES);
    dump_findings();
    assert_true(has_finding("FL-01", "timer"));
    assert_true(has_finding("FL-01", "system thread"));
    assert_true(has_finding("FL-01", "I/O work item"));
    assert_int_equal(ntsim_thread_count(M), 1); /* the worker; the driver's thread was cancelled */
    assert_int_equal(ntsim_run_for(M, MS(2000)), 0); /* nothing of the image runs any more */
    assert_false(ntsim_machine_crashed(M, NULL));
}

/* ---- DPC left queued (DriverEntry returns at DISPATCH_LEVEL) ---- */

static NTSTATUS QueuedDpcEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    KIRQL Irql;
    KeInitializeDpc(&LeakDpc, NeverDpc, NULL);
    KeRaiseIrql(DISPATCH_LEVEL, &Irql);
    KeInsertQueueDpc(&LeakDpc, NULL, NULL);
    return STATUS_UNSUCCESSFUL;
}

static void test_leak_queued_dpc(void **state)
{
    (void)state;
    assert_status(run("kedpc", (ntsim_driver_entry)QueuedDpcEntry, NULL), STATUS_UNSUCCESSFUL);
    assert_true(has_finding("DE-01", NULL));
    assert_true(has_finding("FL-01", "DPC"));
    assert_int_equal(ntsim_run_for(M, MS(1)), 0);
}

/* ---- Unload that leaves a periodic timer and an I/O timer running ---- */

static volatile LONG Ticks, IoTicks;
static KTIMER Periodic;
static KDPC PeriodicDpc;

static VOID TickDpc(PKDPC D, PVOID C, PVOID A1, PVOID A2)
{
    UNREFERENCED_PARAMETER(D);
    UNREFERENCED_PARAMETER(C);
    UNREFERENCED_PARAMETER(A1);
    UNREFERENCED_PARAMETER(A2);
    Ticks++;
}

static VOID IoTick(PDEVICE_OBJECT D, PVOID C)
{
    UNREFERENCED_PARAMETER(D);
    UNREFERENCED_PARAMETER(C);
    if (KeGetCurrentIrql() != DISPATCH_LEVEL)
        KeBugCheck(0xDEAD);
    IoTicks++;
}

static VOID SloppyUnload(PDRIVER_OBJECT Driver)
{
    IoDeleteDevice(Driver->DeviceObject); /* forgets KeCancelTimer and IoStopTimer */
}

static NTSTATUS SloppyEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Path);
    UNICODE_STRING Name;
    PDEVICE_OBJECT Device;
    LARGE_INTEGER Due = { .QuadPart = -100000 };
    RtlInitUnicodeString(&Name, L"\\Device\\KeSloppy");
    IoCreateDevice(Driver, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    KeInitializeDpc(&PeriodicDpc, TickDpc, NULL);
    KeInitializeTimerEx(&Periodic, NotificationTimer);
    KeSetTimerEx(&Periodic, Due, 10, &PeriodicDpc);
    IoInitializeTimer(Device, IoTick, NULL);
    IoStartTimer(Device);
    Driver->DriverUnload = SloppyUnload;
    Driver->MajorFunction[IRP_MJ_CREATE] = NULL;
    return STATUS_SUCCESS;
}

static void test_unload_leaves_timers(void **state)
{
    (void)state;
    ntsim_driver *d;
    Ticks = IoTicks = 0;
    assert_status(run("kesloppy", (ntsim_driver_entry)SloppyEntry, &d), STATUS_SUCCESS);
    assert_int_equal(ntsim_run_for(M, MS(2005)), 0);
    assert_int_equal(Ticks, 200); /* 10, 20, ... 2000 ms */
    assert_int_equal(IoTicks, 2);  /* 1 s, 2 s */
    assert_int_equal(ntsim_driver_unload(d), 0);
    assert_true(has_finding("IO-04", "timer"));
    /* the device's I/O timer went with IoDeleteDevice; the KTIMER is reported and stopped */
    assert_int_equal(ntsim_run_for(M, MS(1000)), 0);
    assert_int_equal(Ticks, 200);
    assert_int_equal(IoTicks, 2);
}

/* ---- work items, fast mutex, ERESOURCE, remove lock ---- */

static FAST_MUTEX Fast;
static ERESOURCE Resource;
static IO_REMOVE_LOCK RemoveLock;
static volatile LONG WorkRan;
static KEVENT WorkDone;
static WORK_QUEUE_ITEM ExItem;

static VOID ExWork(PVOID Parameter)
{
    if (KeGetCurrentIrql() != PASSIVE_LEVEL || Parameter != &ExItem)
        return;
    ExAcquireFastMutex(&Fast);
    WorkRan++;
    ExReleaseFastMutex(&Fast);
    KeSetEvent(&WorkDone, 0, FALSE);
}

static VOID Contender(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    ExAcquireFastMutex(&Fast); /* blocks until the entry releases it */
    WorkRan += 10;
    ExReleaseFastMutex(&Fast);
    KeEnterCriticalRegion();
    ExAcquireResourceSharedLite(&Resource, TRUE);
    ExReleaseResourceLite(&Resource);
    KeLeaveCriticalRegion();
}

static NTSTATUS SyncEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    PVOID T;
    LARGE_INTEGER Ms = { .QuadPart = -10000 };
    ExInitializeFastMutex(&Fast);
    ExInitializeResourceLite(&Resource);
    KeInitializeEvent(&WorkDone, SynchronizationEvent, FALSE);
    IoInitializeRemoveLock(&RemoveLock, 'kLmR', 0, 0);
    /* the thread is ready but runs only once this one blocks */
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Contender, NULL);
    ObReferenceObjectByHandle(H, THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T, NULL);
    ZwClose(H);
    ExAcquireFastMutex(&Fast);
    if (KeGetCurrentIrql() != APC_LEVEL)
        return STATUS_UNSUCCESSFUL;
    KeEnterCriticalRegion();
    ExAcquireResourceExclusiveLite(&Resource, TRUE);
    KeDelayExecutionThread(KernelMode, FALSE, &Ms); /* the contender blocks on the fast mutex */
    if (WorkRan != 0)
        return STATUS_UNSUCCESSFUL + 1;
    ExReleaseFastMutex(&Fast);
    KeDelayExecutionThread(KernelMode, FALSE, &Ms); /* now it has it; then blocks on the resource */
    if (WorkRan != 10 || !ExIsResourceAcquiredExclusiveLite(&Resource))
        return STATUS_UNSUCCESSFUL + 2;
    ExReleaseResourceLite(&Resource);
    KeLeaveCriticalRegion();
    KeWaitForSingleObject(T, Executive, KernelMode, FALSE, NULL);
    ObDereferenceObject(T);
    ExInitializeWorkItem(&ExItem, ExWork, &ExItem);
    ExQueueWorkItem(&ExItem, DelayedWorkQueue);
    KeWaitForSingleObject(&WorkDone, Executive, KernelMode, FALSE, NULL);
    if (WorkRan != 11)
        return STATUS_UNSUCCESSFUL + 3;
    if (IoAcquireRemoveLock(&RemoveLock, NULL) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 4;
    IoAcquireRemoveLock(&RemoveLock, NULL);
    IoReleaseRemoveLock(&RemoveLock, NULL);
    IoReleaseRemoveLockAndWait(&RemoveLock, NULL);
    if (IoAcquireRemoveLock(&RemoveLock, NULL) != STATUS_DELETE_PENDING)
        return STATUS_UNSUCCESSFUL + 5;
    ExDeleteResourceLite(&Resource);
    return STATUS_DEVICE_NOT_READY;
}

static void test_sync_objects(void **state)
{
    (void)state;
    WorkRan = 0;
    int32_t s = run("kesync", (ntsim_driver_entry)SyncEntry, NULL);
    if (s != (int32_t)STATUS_DEVICE_NOT_READY)
        dump_findings();
    assert_status(s, STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_count_rule(M, "FL-01"), 0);
}

/* ---- a bug check on a system thread stops the machine; the host call returns ---- */

static VOID Crasher(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    KIRQL Irql;
    KeRaiseIrql(DISPATCH_LEVEL, &Irql);
    KeLowerIrql(HIGH_LEVEL); /* "lowering" to a higher IRQL */
}

static NTSTATUS CrashEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    KeInitializeEvent(&Forever, NotificationEvent, FALSE);
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Crasher, NULL);
    ZwClose(H);
    KeWaitForSingleObject(&Forever, Executive, KernelMode, FALSE, NULL);
    return STATUS_SUCCESS;
}

static void test_bugcheck_on_system_thread(void **state)
{
    (void)state;
    assert_int_equal(run("kecrash", (ntsim_driver_entry)CrashEntry, NULL), NTSIM_E_CRASHED);
    expect_bugcheck(0xC4, 0x31);
    assert_int_equal(ntsim_run_for(M, MS(1)), NTSIM_E_CRASHED);
}

/* ---- exploration mode: the same seed gives the same interleaving ---- */

static volatile ULONG Shared;

static VOID Counter(PVOID Context)
{
    for (int i = 0; i < 20; i++) {
        KIRQL Irql;
        KeAcquireSpinLock(&LockA, &Irql);
        Shared = Shared * 3u + (ULONG)(ULONG_PTR)Context;
        KeReleaseSpinLock(&LockA, Irql);
    }
}

static NTSTATUS ExploreEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H[3];
    PVOID T[3];
    KeInitializeSpinLock(&LockA);
    for (ULONG_PTR i = 0; i < 3; i++) {
        PsCreateSystemThread(&H[i], THREAD_ALL_ACCESS, NULL, NULL, NULL, Counter, (PVOID)(i + 1));
        ObReferenceObjectByHandle(H[i], THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T[i], NULL);
        ZwClose(H[i]);
    }
    KeWaitForMultipleObjects(3, T, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    for (int i = 0; i < 3; i++)
        ObDereferenceObject(T[i]);
    return STATUS_DEVICE_NOT_READY;
}

static char *explore(uint64_t seed, ULONG *result)
{
    ntsim_machine_config config = { .cpus = 1, .seed = seed, .verifier = 1, .quiet = 1 };
    M = ntsim_machine_create(&config);
    assert_non_null(M);
    ntsim_trace_enable(M, 1);
    Shared = 0;
    assert_status(run("keexplore", (ntsim_driver_entry)ExploreEntry, NULL), STATUS_DEVICE_NOT_READY);
    *result = Shared;
    char *trace = strdup(ntsim_trace_text(M));
    assert_int_equal(ntsim_seed(M), seed);
    ntsim_machine_destroy(M);
    M = NULL;
    return trace;
}

static void test_same_seed_same_trace(void **state)
{
    (void)state;
    ULONG r1, r2, r3, d1, d2;
    char *a = explore(12345, &r1);
    char *b = explore(12345, &r2);
    char *c = explore(777, &r3);
    assert_string_equal(a, b);
    assert_int_equal(r1, r2);
    assert_non_null(strstr(a, "switch to"));
    /* exploration interleaves at DDI calls: some seed must differ from another */
    assert_true(strcmp(a, c) != 0 || r1 != r3);
    /* the default (no seed) order is deterministic too */
    char *d = explore(0, &d1);
    char *e = explore(0, &d2);
    assert_string_equal(d, e);
    assert_int_equal(d1, d2);
    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
}

/* ---- exploration: DDIs reached through pointers are switch points too ---- */

static PDMA_ADAPTER PointerAdapter;
static char PointerLog[128];
static volatile LONG PointerLogLength;

/* No DDI in the loop goes through a site macro: only the DMA_OPERATIONS table. */
static VOID PointerCaller(PVOID Context)
{
    PDMA_OPERATIONS Ops = PointerAdapter->DmaOperations;
    for (int i = 0; i < 20; i++) {
        PHYSICAL_ADDRESS Logical;
        PointerLog[PointerLogLength++] = (char)(ULONG_PTR)Context;
        PVOID Buffer = Ops->AllocateCommonBuffer(PointerAdapter, 64, &Logical, FALSE);
        if (Buffer)
            Ops->FreeCommonBuffer(PointerAdapter, 64, Logical, Buffer, FALSE);
    }
}

static NTSTATUS PointerEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    DEVICE_DESCRIPTION Desc;
    RtlZeroMemory(&Desc, sizeof(Desc));
    Desc.Version = DEVICE_DESCRIPTION_VERSION;
    Desc.Master = TRUE;
    Desc.Dma32BitAddresses = TRUE;
    Desc.InterfaceType = PCIBus;
    Desc.MaximumLength = 4096;
    ULONG MapRegisters;
    PointerAdapter = IoGetDmaAdapter(NULL, &Desc, &MapRegisters);
    if (PointerAdapter == NULL)
        return STATUS_UNSUCCESSFUL;
    HANDLE H[2];
    PVOID T[2];
    for (int i = 0; i < 2; i++) {
        PsCreateSystemThread(&H[i], THREAD_ALL_ACCESS, NULL, NULL, NULL, PointerCaller, (PVOID)(ULONG_PTR)('A' + i));
        ObReferenceObjectByHandle(H[i], THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T[i], NULL);
        ZwClose(H[i]);
    }
    KeWaitForMultipleObjects(2, T, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    for (int i = 0; i < 2; i++)
        ObDereferenceObject(T[i]);
    PointerAdapter->DmaOperations->PutDmaAdapter(PointerAdapter);
    return STATUS_DEVICE_NOT_READY;
}

/* The order in which the two threads ran their iterations, e.g. "AABAB...". */
static void pointer_log(uint64_t seed, char *out, size_t size)
{
    ntsim_machine_config config = { .cpus = 1, .seed = seed, .verifier = 1, .quiet = 1 };
    M = ntsim_machine_create(&config);
    assert_non_null(M);
    memset(PointerLog, 0, sizeof(PointerLog));
    PointerLogLength = 0;
    assert_status(run("kepointer", (ntsim_driver_entry)PointerEntry, NULL), STATUS_DEVICE_NOT_READY);
    snprintf(out, size, "%s", PointerLog);
    ntsim_machine_destroy(M);
    M = NULL;
}

static int alternations(const char *log)
{
    int n = 0;
    for (size_t i = 1; log[i]; i++)
        n += log[i] != log[i - 1];
    return n;
}

static void test_pointer_ddis_are_switch_points(void **state)
{
    (void)state;
    char plain[128], seeded[128], again[128];
    pointer_log(0, plain, sizeof(plain));
    /* without a seed nothing switches at a DDI: each thread runs its loop through */
    assert_string_equal(plain, "AAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBB");
    pointer_log(12345, seeded, sizeof(seeded));
    pointer_log(12345, again, sizeof(again));
    assert_int_equal(strlen(seeded), 40);
    assert_string_equal(seeded, again);
    /* the loop calls DDIs only through DMA_OPERATIONS: those calls were switch points */
    assert_true(alternations(seeded) > 1);
}

/* ---- exploration: DDIs no site macro wraps are switch points too (nt/switch.h) ---- */

static char NamedLog[128];
static volatile LONG NamedLogLength;
static LIST_ENTRY NamedList[2]; /* one per thread: the entries live on its stack */
static KSPIN_LOCK NamedListLock;

/* Every DDI in the loop is called by name and records no site: a time query, a string
 * routine and an interlocked list pair. Before nt/switch.h none was a switch point. */
static VOID NamedCaller(PVOID Context)
{
    for (int i = 0; i < 20; i++) {
        LARGE_INTEGER Now;
        UNICODE_STRING Name;
        LIST_ENTRY Entry;
        PLIST_ENTRY List = &NamedList[(char)(ULONG_PTR)Context - 'A'];
        NamedLog[NamedLogLength++] = (char)(ULONG_PTR)Context;
        KeQuerySystemTime(&Now);
        RtlInitUnicodeString(&Name, L"named");
        ExInterlockedInsertTailList(List, &Entry, &NamedListLock);
        if (ExInterlockedRemoveHeadList(List, &NamedListLock) != &Entry)
            NamedLog[NamedLogLength++] = '!'; /* not the entry just inserted */
    }
}

static NTSTATUS NamedEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H[2];
    PVOID T[2];
    InitializeListHead(&NamedList[0]);
    InitializeListHead(&NamedList[1]);
    KeInitializeSpinLock(&NamedListLock);
    for (int i = 0; i < 2; i++) {
        PsCreateSystemThread(&H[i], THREAD_ALL_ACCESS, NULL, NULL, NULL, NamedCaller, (PVOID)(ULONG_PTR)('A' + i));
        ObReferenceObjectByHandle(H[i], THREAD_ALL_ACCESS, *PsThreadType, KernelMode, &T[i], NULL);
        ZwClose(H[i]);
    }
    KeWaitForMultipleObjects(2, T, WaitAll, Executive, KernelMode, FALSE, NULL, NULL);
    for (int i = 0; i < 2; i++)
        ObDereferenceObject(T[i]);
    return STATUS_DEVICE_NOT_READY;
}

static void named_log(uint64_t seed, char *out, size_t size)
{
    ntsim_machine_config config = { .cpus = 1, .seed = seed, .verifier = 1, .quiet = 1 };
    M = ntsim_machine_create(&config);
    assert_non_null(M);
    memset(NamedLog, 0, sizeof(NamedLog));
    NamedLogLength = 0;
    assert_status(run("kenamed", (ntsim_driver_entry)NamedEntry, NULL), STATUS_DEVICE_NOT_READY);
    snprintf(out, size, "%s", NamedLog);
    ntsim_machine_destroy(M);
    M = NULL;
}

static void test_unwrapped_named_ddis_are_switch_points(void **state)
{
    (void)state;
    char plain[128], seeded[128], again[128];
    named_log(0, plain, sizeof(plain));
    /* without a seed nothing switches at a DDI: each thread runs its loop through */
    assert_string_equal(plain, "AAAAAAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBBBBB");
    named_log(12345, seeded, sizeof(seeded));
    named_log(12345, again, sizeof(again));
    assert_int_equal(strlen(seeded), 40);
    assert_string_equal(seeded, again);
    /* the loop calls only DDIs that nt/switch.h wraps: those calls were switch points */
    assert_true(alternations(seeded) > 1);
}

/* ---- the fiber and pthread backends interleave identically ---- */

static void test_backends_same_interleaving(void **state)
{
    (void)state;
    const char *saved = getenv("NTSIM_THREADS");
    char *restore = saved ? strdup(saved) : NULL;
    ULONG rf, rp, df, dp;
    setenv("NTSIM_THREADS", "fiber", 1);
    char *fiber = explore(4242, &rf);
    char *fiber_default = explore(0, &df);
    setenv("NTSIM_THREADS", "pthread", 1);
    char *pthread = explore(4242, &rp);
    char *pthread_default = explore(0, &dp);
    if (restore)
        setenv("NTSIM_THREADS", restore, 1);
    else
        unsetenv("NTSIM_THREADS");
    assert_non_null(strstr(fiber, "switch to"));
    assert_string_equal(fiber, pthread);
    assert_int_equal(rf, rp);
    assert_string_equal(fiber_default, pthread_default);
    assert_int_equal(df, dp);
    free(fiber);
    free(fiber_default);
    free(pthread);
    free(pthread_default);
    free(restore);
}

/* ---- a system thread overflowing its stack: a bug check, not a dead host ---- */

static volatile ULONG NeverDepth = ~0u;

static ULONG Recurse(ULONG Depth)
{
    volatile UCHAR Pad[512];
    Pad[0] = (UCHAR)Depth;
    if (Depth == NeverDepth) /* never: keeps the recursion from looking infinite */
        return Pad[0];
    return Recurse(Depth + 1) + Pad[0];
}

static VOID Overflower(PVOID Context)
{
    *(ULONG *)Context = Recurse(0);
}

static NTSTATUS OverflowEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    static ULONG Result;
    HANDLE H;
    KeInitializeEvent(&Forever, NotificationEvent, FALSE);
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Overflower, &Result);
    ZwClose(H);
    KeWaitForSingleObject(&Forever, Executive, KernelMode, FALSE, NULL);
    return STATUS_SUCCESS;
}

static void test_stack_overflow_on_system_thread(void **state)
{
    (void)state;
    assert_int_equal(run("kestack", (ntsim_driver_entry)OverflowEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x7F, 8); /* UNEXPECTED_KERNEL_MODE_TRAP, double fault */
    assert_non_null(strstr(bc.explanation, "stack overflow: thread 2 'kestack!"));
    /* the machine is stopped, the host goes on */
    assert_int_equal(ntsim_run_for(M, MS(1)), NTSIM_E_CRASHED);
}

/* ---- the wall-clock watchdog stops a system thread that spins (TM-01) ---- */

static volatile LONG SpinForever;

#if defined(__SANITIZE_THREAD__)
#define KE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KE_TSAN 1
#endif
#endif
#ifndef KE_TSAN
#define KE_TSAN 0
#endif

static VOID Spinner(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    while (SpinForever == 0) { /* no DDI: virtual time stands still */
    }
}

static NTSTATUS SpinThreadEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING Path)
{
    UNREFERENCED_PARAMETER(Driver);
    UNREFERENCED_PARAMETER(Path);
    HANDLE H;
    KeInitializeEvent(&Forever, NotificationEvent, FALSE);
    PsCreateSystemThread(&H, THREAD_ALL_ACCESS, NULL, NULL, NULL, Spinner, NULL);
    ZwClose(H);
    KeWaitForSingleObject(&Forever, Executive, KernelMode, FALSE, NULL);
    return STATUS_SUCCESS;
}

static void test_watchdog_stops_spinning_thread(void **state)
{
    (void)state;
#if KE_TSAN
    /* ThreadSanitizer defers an asynchronous signal until the thread calls into its
     * run time, which a spinning loop never does (as verifier/time, excluded there) */
    skip();
#endif
    ntsim_watchdog w;
    ntsim_watchdog_get(&w);
    w.wall_ms = 150; /* the signal reaches the host thread the spinning thread runs on */
    ntsim_watchdog_set(&w);
    assert_int_equal(run("kespin", (ntsim_driver_entry)SpinThreadEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0x4E544801, ~0ull); /* NTSIM_HANG */
    assert_non_null(strstr(bc.explanation, "busy loop"));
    assert_non_null(strstr(bc.explanation, "thread 2 'kespin!"));
    assert_int_equal(ntsim_run_for(M, MS(1)), NTSIM_E_CRASHED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_time_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_any_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutex_not_owned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spinlock_double_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spinlock_wrong_irql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spinlock_uninitialised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_held_at_dpc_return, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_order_inversion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_at_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_uninitialised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlock_hang_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leak_audit_failed_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leak_queued_dpc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_leaves_timers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bugcheck_on_system_thread, setup, teardown),
        cmocka_unit_test(test_same_seed_same_trace),
        cmocka_unit_test(test_pointer_ddis_are_switch_points),
        cmocka_unit_test(test_unwrapped_named_ddis_are_switch_points),
        cmocka_unit_test(test_backends_same_interleaving),
        cmocka_unit_test_setup_teardown(test_stack_overflow_on_system_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watchdog_stops_spinning_thread, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
