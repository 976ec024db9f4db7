/* wdk/csq - cancel-safe queues (IoCsqXxx): wdk_csq.sys driven from the host as a
 * user-mode program would, and white-box DriverEntry scenarios for the corner cases
 * (an IRP cancelled before it is inserted, a queue never initialised, missing callbacks). */
#include <ntddk.h>
#include <csq.h>
#include "wdktest.h"
#include "drivers/wdkioctl.h"

static ntsim_file *open_csq(void)
{
    ntsim_file *f = NULL;
    assert_status(ntsim_open(M, "\\\\.\\WdkCsq", &f), 0);
    return f;
}

static ntsim_request *queue(ntsim_file *f, uint32_t code)
{
    ntsim_request *r = NULL;
    assert_status(ntsim_ioctl_async(f, code, NULL, 0, NULL, 0, &r), STATUS_PENDING);
    assert_false(ntsim_request_done(r, NULL, NULL));
    return r;
}

static int32_t complete_next(ntsim_file *f, uint32_t info)
{
    return ntsim_ioctl(f, IOCTL_WDK_COMPLETE_NEXT, &info, sizeof(info), NULL, 0, NULL);
}

static WDK_COUNTS counts(ntsim_file *f)
{
    WDK_COUNTS c = { 99, 99 };
    size_t n = 0;
    assert_status(ntsim_ioctl(f, IOCTL_WDK_COUNTS, NULL, 0, &c, sizeof(c), &n), 0);
    assert_int_equal(n, sizeof(c));
    return c;
}

static void expect_done(ntsim_request *r, int32_t status, size_t info)
{
    int32_t s = -1;
    size_t i = 99;
    assert_true(ntsim_request_done(r, &s, &i));
    assert_status(s, status);
    assert_int_equal(i, info);
    ntsim_request_free(r);
}

static void test_fifo_removal(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq();
    ntsim_request *a = queue(f, IOCTL_WDK_QUEUE), *b = queue(f, IOCTL_WDK_QUEUE);
    assert_int_equal(counts(f).Queued, 2);
    assert_status(complete_next(f, 11), 0);
    assert_false(ntsim_request_done(b, NULL, NULL)); /* the oldest goes first */
    expect_done(a, 0, 11);
    assert_status(complete_next(f, 22), 0);
    expect_done(b, 0, 22);
    assert_status(complete_next(f, 33), STATUS_NOT_FOUND); /* empty queue */
    assert_int_equal(counts(f).Queued, 0);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* The insert callback refuses: IoCsqInsertIrpEx returns its status, the IRP is not
 * queued and not pending, and the driver completes it at once. */
static void test_insert_refused(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq();
    ntsim_request *r[WDK_CSQ_LIMIT];
    for (int i = 0; i < WDK_CSQ_LIMIT; i++)
        r[i] = queue(f, IOCTL_WDK_QUEUE);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_QUEUE, NULL, 0, NULL, 0, NULL), STATUS_DEVICE_BUSY);
    assert_int_equal(counts(f).Queued, WDK_CSQ_LIMIT);
    for (int i = 0; i < WDK_CSQ_LIMIT; i++) {
        assert_status(complete_next(f, (uint32_t)i), 0);
        expect_done(r[i], 0, (size_t)i);
    }
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors(); /* in particular no IO-01: the refused IRP was not marked pending */
}

/* IoCancelIrp on a queued IRP: the csq's cancel routine removes it under the driver's
 * lock and hands it to CsqCompleteCanceledIrp; it is no longer in the queue. */
static void test_cancel_queued(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq();
    ntsim_request *a = queue(f, IOCTL_WDK_QUEUE), *b = queue(f, IOCTL_WDK_QUEUE);
    assert_int_equal(ntsim_request_cancel(b), 1);
    expect_done(b, STATUS_CANCELLED, 0);
    WDK_COUNTS c = counts(f);
    assert_int_equal(c.Queued, 1);
    assert_int_equal(c.Cancelled, 1);
    assert_status(complete_next(f, 5), 0);
    expect_done(a, 0, 5);
    assert_status(complete_next(f, 6), STATUS_NOT_FOUND);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* IoCsqRemoveIrp with the IO_CSQ_IRP_CONTEXT given at insertion: the IRP comes back
 * once; after it was removed, or after it was cancelled, the context yields NULL. */
static void test_remove_by_context(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq();
    ntsim_request *a = queue(f, IOCTL_WDK_QUEUE_CONTEXT);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_REMOVE_CONTEXT, NULL, 0, NULL, 0, NULL), 0);
    expect_done(a, 0, 7);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_REMOVE_CONTEXT, NULL, 0, NULL, 0, NULL), STATUS_NOT_FOUND);
    ntsim_request *b = queue(f, IOCTL_WDK_QUEUE_CONTEXT);
    assert_int_equal(ntsim_request_cancel(b), 1);
    expect_done(b, STATUS_CANCELLED, 0);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_REMOVE_CONTEXT, NULL, 0, NULL, 0, NULL), STATUS_NOT_FOUND);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* Closing a handle: the driver's cleanup removes that file's IRPs (the peek context is
 * the file object) and leaves another file's alone. */
static void test_cleanup_removes_file_irps(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq(), *g = open_csq();
    ntsim_request *f1 = queue(f, IOCTL_WDK_QUEUE), *g1 = queue(g, IOCTL_WDK_QUEUE), *f2 = queue(f, IOCTL_WDK_QUEUE);
    assert_status(ntsim_close(f), 0);
    expect_done(f1, STATUS_CANCELLED, 0);
    expect_done(f2, STATUS_CANCELLED, 0);
    assert_false(ntsim_request_done(g1, NULL, NULL));
    assert_int_equal(counts(g).Queued, 1);
    assert_status(complete_next(g, 9), 0);
    expect_done(g1, 0, 9);
    assert_status(ntsim_close(g), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* The per-IRP record comes from a lookaside list: its allocation failing (injected)
 * fails the request at once, and nothing leaks. */
static void test_record_allocation_fails(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_csq.sys");
    ntsim_file *f = open_csq();
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1,class=pool"), 0);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_QUEUE, NULL, 0, NULL, 0, NULL), STATUS_INSUFFICIENT_RESOURCES);
    assert_string_equal(ntsim_fault_point_at(M, 0)->ddi, "ExAllocateFromNPagedLookasideList");
    assert_non_null(strstr(ntsim_fault_point_at(M, 0)->site, "csqdrv.c"));
    ntsim_request *r = queue(f, IOCTL_WDK_QUEUE); /* the next one succeeds */
    assert_status(complete_next(f, 4), 0);
    expect_done(r, 0, 4);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors(); /* every record went back to the list, the list was deleted */
}

/* ---- white-box: a queue in a DriverEntry ---- */

static KSPIN_LOCK WbLock;
static LIST_ENTRY WbQueue;
static ULONG WbCompletedCanceled, WbFreed;
static IO_CSQ WbCsq;

static VOID WbInsert(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    InsertTailList(&WbQueue, &Irp->Tail.Overlay.ListEntry);
}

static VOID WbRemove(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
}

static PIRP WbPeek(PIO_CSQ Csq, PIRP Irp, PVOID PeekContext)
{
    UNREFERENCED_PARAMETER(Csq);
    UNREFERENCED_PARAMETER(PeekContext);
    PLIST_ENTRY Next = Irp ? Irp->Tail.Overlay.ListEntry.Flink : WbQueue.Flink;
    return Next == &WbQueue ? NULL : CONTAINING_RECORD(Next, IRP, Tail.Overlay.ListEntry);
}

static VOID WbAcquire(PIO_CSQ Csq, PKIRQL Irql)
{
    UNREFERENCED_PARAMETER(Csq);
    KeAcquireSpinLock(&WbLock, Irql);
}

static VOID WbRelease(PIO_CSQ Csq, KIRQL Irql)
{
    UNREFERENCED_PARAMETER(Csq);
    KeReleaseSpinLock(&WbLock, Irql);
}

static VOID WbCompleteCanceled(PIO_CSQ Csq, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Csq);
    WbCompletedCanceled++;
    Irp->IoStatus.Status = STATUS_CANCELLED;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
}

static NTSTATUS WbDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Context);
    WbFreed++;
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* An IRP of our own, with a current stack location, that frees itself on completion. */
static PIRP WbIrp(void)
{
    PIRP Irp = IoAllocateIrp(1, FALSE);
    if (Irp == NULL)
        return NULL;
    IoSetCompletionRoutine(Irp, WbDone, NULL, TRUE, TRUE, TRUE);
    IoSetNextIrpStackLocation(Irp);
    return Irp;
}

/* IoCancelIrp before IoCsqInsertIrp (no cancel routine yet: returns FALSE but sets
 * Irp->Cancel): the insertion must notice and complete it as cancelled at once. */
static NTSTATUS CancelledBeforeInsertEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KeInitializeSpinLock(&WbLock);
    InitializeListHead(&WbQueue);
    WbCompletedCanceled = WbFreed = 0;
    if (!NT_SUCCESS(IoCsqInitialize(&WbCsq, WbInsert, WbRemove, WbPeek, WbAcquire, WbRelease, WbCompleteCanceled)))
        return STATUS_UNSUCCESSFUL;
    PIRP Irp = WbIrp(), Other = WbIrp();
    if (Irp == NULL || Other == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (IoCancelIrp(Irp) != FALSE || !Irp->Cancel)
        return STATUS_UNSUCCESSFUL + 1;
    IoCsqInsertIrp(&WbCsq, Irp, NULL);
    if (WbCompletedCanceled != 1 || WbFreed != 1 || !IsListEmpty(&WbQueue))
        return STATUS_UNSUCCESSFUL + 2;
    /* a queued one, cancelled: the cancel routine ran, queue empty again */
    IoCsqInsertIrp(&WbCsq, Other, NULL);
    if (IsListEmpty(&WbQueue) || Other->CancelRoutine == NULL)
        return STATUS_UNSUCCESSFUL + 3;
    if (IoCancelIrp(Other) != TRUE || WbCompletedCanceled != 2 || WbFreed != 2 || !IsListEmpty(&WbQueue))
        return STATUS_UNSUCCESSFUL + 4;
    if (IoCsqRemoveNextIrp(&WbCsq, NULL) != NULL)
        return STATUS_UNSUCCESSFUL + 5;
    return STATUS_DEVICE_NOT_READY; /* done: nothing to keep loaded */
}

static void test_cancelled_before_insert(void **state)
{
    (void)state;
    assert_status(run_entry("csqwb", (ntsim_driver_entry)CancelledBeforeInsertEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL));
    assert_null(find("IO-01", NULL));
}

static NTSTATUS MissingCallbackEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    IO_CSQ Csq;
    return IoCsqInitialize(&Csq, WbInsert, WbRemove, NULL, WbAcquire, WbRelease, WbCompleteCanceled);
}

static void test_missing_callback(void **state)
{
    (void)state;
    assert_status(run_entry("csqnull", (ntsim_driver_entry)MissingCallbackEntry, NULL), STATUS_INVALID_PARAMETER);
    const ntsim_finding *f = find("CSQ", "every callback");
    assert_non_null(f);
    assert_non_null(strstr(f->site, "test_csq.c"));
}

static NTSTATUS UninitialisedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static IO_CSQ Never;
    PIRP Irp = WbIrp();
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    IoCsqInsertIrp(&Never, Irp, NULL); /* bug check */
    return STATUS_SUCCESS;
}

static void test_uninitialised_queue(void **state)
{
    (void)state;
    assert_int_equal(run_entry("csqbad", (ntsim_driver_entry)UninitialisedEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "IoCsqInitialize"));
    assert_non_null(strstr(bc.site, "test_csq.c"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifo_removal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_insert_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_queued, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_by_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cleanup_removes_file_irps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_allocation_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancelled_before_insert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uninitialised_queue, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
