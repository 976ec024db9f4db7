/* wdk/queues - kernel queue objects (KeInitializeQueue, KeInsertQueue, KeInsertHeadQueue,
 * KeRemoveQueue, KeRundownQueue) waited on through the scheduler, sequenced lists
 * (SLIST_HEADER) and spin-lock-guarded singly linked lists. */
#include <ntddk.h>
#include "wdktest.h"

#define MS(n) ((LONGLONG)(n) * -10000) /* relative NT time */

typedef struct _ITEM {
    LIST_ENTRY Link;
    char Name;
} ITEM;

static KQUEUE Queue;
static KEVENT WorkerDone;
static char Log[8];
static ULONG LogCount;
static ULONGLONG TimeoutAt, LastAt;

static VOID Record(PLIST_ENTRY Entry)
{
    if (Entry == (PLIST_ENTRY)(LONG_PTR)STATUS_TIMEOUT)
        Log[LogCount++] = 't';
    else
        Log[LogCount++] = CONTAINING_RECORD(Entry, ITEM, Link)->Name;
}

static VOID Worker(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    for (int i = 0; i < 3; i++)
        Record(KeRemoveQueue(&Queue, KernelMode, NULL)); /* already queued: no wait */
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = MS(5);
    Record(KeRemoveQueue(&Queue, KernelMode, &Timeout)); /* empty: times out after 5 ms */
    TimeoutAt = KeQueryInterruptTime();
    Record(KeRemoveQueue(&Queue, KernelMode, NULL)); /* blocks until DriverEntry inserts D */
    LastAt = KeQueryInterruptTime();
    KeSetEvent(&WorkerDone, IO_NO_INCREMENT, FALSE);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static NTSTATUS QueueEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static ITEM A = { .Name = 'A' }, B = { .Name = 'B' }, C = { .Name = 'C' }, D = { .Name = 'D' };
    LogCount = 0;
    KeInitializeQueue(&Queue, 0);
    KeInitializeEvent(&WorkerDone, NotificationEvent, FALSE);
    if (KeInsertQueue(&Queue, &A.Link) != 0 || KeInsertQueue(&Queue, &B.Link) != 1 ||
        KeInsertHeadQueue(&Queue, &C.Link) != 2 || KeReadStateQueue(&Queue) != 3)
        return STATUS_UNSUCCESSFUL;
    HANDLE Thread;
    if (!NT_SUCCESS(PsCreateSystemThread(&Thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, Worker, NULL)))
        return STATUS_UNSUCCESSFUL + 1;
    LARGE_INTEGER Delay;
    Delay.QuadPart = MS(20);
    KeDelayExecutionThread(KernelMode, FALSE, &Delay); /* the worker drains and blocks */
    if (LogCount != 4 || KeReadStateQueue(&Queue) != 0)
        return STATUS_UNSUCCESSFUL + 2;
    KeInsertQueue(&Queue, &D.Link); /* wakes the waiting worker */
    KeWaitForSingleObject(&WorkerDone, Executive, KernelMode, FALSE, NULL);
    ZwClose(Thread);
    return STATUS_DEVICE_NOT_READY; /* done: nothing to keep loaded */
}

static void test_queue_order_timeout_and_wakeup(void **state)
{
    (void)state;
    assert_status(run_entry("kqueue", (ntsim_driver_entry)QueueEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_int_equal(LogCount, 5);
    assert_memory_equal(Log, "CABtD", 5); /* head insert first, FIFO, a timeout, then D */
    assert_int_equal(TimeoutAt, 5 * 1000 * 10);  /* 5 ms of virtual time, in 100 ns */
    assert_int_equal(LastAt, 20 * 1000 * 10);    /* woken when D arrived at 20 ms */
    assert_null(find("FL-01", NULL));
}

static NTSTATUS RundownEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static KQUEUE Q;
    static ITEM E = { .Name = 'E' }, F = { .Name = 'F' };
    KeInitializeQueue(&Q, 1);
    if (KeRundownQueue(&Q) != NULL)
        return STATUS_UNSUCCESSFUL; /* empty */
    KeInitializeQueue(&Q, 1);
    KeInsertQueue(&Q, &E.Link);
    KeInsertQueue(&Q, &F.Link);
    PLIST_ENTRY First = KeRundownQueue(&Q);
    /* the entries stay linked to each other without the queue's list head */
    if (First != &E.Link || E.Link.Flink != &F.Link || F.Link.Flink != &E.Link || F.Link.Blink != &E.Link)
        return STATUS_UNSUCCESSFUL + 1;
    LARGE_INTEGER Zero = { .QuadPart = 0 };
    KeInitializeQueue(&Q, 1);
    if (KeRemoveQueue(&Q, KernelMode, &Zero) != (PLIST_ENTRY)(LONG_PTR)STATUS_TIMEOUT)
        return STATUS_UNSUCCESSFUL + 2; /* a zero timeout polls */
    return STATUS_DEVICE_NOT_READY;
}

static void test_rundown(void **state)
{
    (void)state;
    assert_status(run_entry("krundown", (ntsim_driver_entry)RundownEntry, NULL), STATUS_DEVICE_NOT_READY);
}

static NTSTATUS RemoveAtDispatchEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static KQUEUE Q;
    KeInitializeQueue(&Q, 0);
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    KeRemoveQueue(&Q, KernelMode, NULL); /* a blocking wait at DISPATCH_LEVEL */
    KeLowerIrql(Old);
    return STATUS_UNSUCCESSFUL;
}

static void test_remove_at_dispatch(void **state)
{
    (void)state;
    assert_int_equal(run_entry("kqirql", (ntsim_driver_entry)RemoveAtDispatchEntry, NULL), NTSIM_E_CRASHED);
    expect_bugcheck(0x0A);
    assert_non_null(find("SY-04", "KeRemoveQueue"));
}

static NTSTATUS UninitialisedQueueEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static KQUEUE Q;
    static ITEM X;
    KeInsertQueue(&Q, &X.Link);
    return STATUS_UNSUCCESSFUL;
}

static void test_uninitialised_queue(void **state)
{
    (void)state;
    assert_int_equal(run_entry("kqbad", (ntsim_driver_entry)UninitialisedQueueEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "KeInitializeQueue"));
    const ntsim_finding *f = find("SY-02", "KeInsertQueue");
    assert_non_null(f);
    assert_non_null(strstr(f->site, "test_queues.c"));
}

/* ---- SLists ---- */

typedef struct DECLSPEC_ALIGN(16) _SITEM {
    SLIST_ENTRY Entry;
    int Value;
} SITEM;

static NTSTATUS SListEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static SLIST_HEADER Head;
    static SITEM Items[3];
    KSPIN_LOCK Unused;
    KeInitializeSpinLock(&Unused);
    InitializeSListHead(&Head);
    if (ExQueryDepthSList(&Head) != 0 || InterlockedPopEntrySList(&Head) != NULL)
        return STATUS_UNSUCCESSFUL;
    for (int i = 0; i < 3; i++)
        Items[i].Value = i;
    if (InterlockedPushEntrySList(&Head, &Items[0].Entry) != NULL)
        return STATUS_UNSUCCESSFUL + 1;
    if (ExInterlockedPushEntrySList(&Head, &Items[1].Entry, &Unused) != &Items[0].Entry)
        return STATUS_UNSUCCESSFUL + 2; /* returns the previous first entry */
    InterlockedPushEntrySList(&Head, &Items[2].Entry);
    if (ExQueryDepthSList(&Head) != 3 || RtlFirstEntrySList(&Head) != &Items[2].Entry)
        return STATUS_UNSUCCESSFUL + 3;
    PSLIST_ENTRY Top = ExInterlockedPopEntrySList(&Head, &Unused);
    if (Top != &Items[2].Entry || ExQueryDepthSList(&Head) != 2)
        return STATUS_UNSUCCESSFUL + 4; /* LIFO */
    PSLIST_ENTRY Chain = InterlockedFlushSList(&Head);
    if (Chain != &Items[1].Entry || Chain->Next != &Items[0].Entry || Chain->Next->Next != NULL)
        return STATUS_UNSUCCESSFUL + 5;
    if (ExQueryDepthSList(&Head) != 0 || InterlockedFlushSList(&Head) != NULL)
        return STATUS_UNSUCCESSFUL + 6;
    return STATUS_DEVICE_NOT_READY;
}

static void test_slist(void **state)
{
    (void)state;
    assert_status(run_entry("slist", (ntsim_driver_entry)SListEntry, NULL), STATUS_DEVICE_NOT_READY);
}

static NTSTATUS MisalignedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static SLIST_HEADER Head;
    static UCHAR Storage[64] __attribute__((aligned(16)));
    InitializeSListHead(&Head);
    InterlockedPushEntrySList(&Head, (PSLIST_ENTRY)(Storage + 8)); /* not 16-byte aligned */
    return STATUS_UNSUCCESSFUL;
}

static void test_slist_misaligned_entry(void **state)
{
    (void)state;
    assert_int_equal(run_entry("slistbad", (ntsim_driver_entry)MisalignedEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "not 16-byte aligned"));
    assert_non_null(strstr(bc.site, "test_queues.c"));
}

/* ---- ExInterlockedPushEntryList / ExInterlockedPopEntryList ---- */

static NTSTATUS SingleListEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    KSPIN_LOCK Lock;
    SINGLE_LIST_ENTRY Head = { NULL }, A, B;
    KeInitializeSpinLock(&Lock);
    if (ExInterlockedPushEntryList(&Head, &A, &Lock) != NULL || ExInterlockedPushEntryList(&Head, &B, &Lock) != &A)
        return STATUS_UNSUCCESSFUL;
    if (ExInterlockedPopEntryList(&Head, &Lock) != &B || ExInterlockedPopEntryList(&Head, &Lock) != &A)
        return STATUS_UNSUCCESSFUL + 1;
    if (ExInterlockedPopEntryList(&Head, &Lock) != NULL || Lock != 0)
        return STATUS_UNSUCCESSFUL + 2; /* empty, and the lock was released */
    return STATUS_DEVICE_NOT_READY;
}

static void test_single_list(void **state)
{
    (void)state;
    assert_status(run_entry("slist1", (ntsim_driver_entry)SingleListEntry, NULL), STATUS_DEVICE_NOT_READY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_queue_order_timeout_and_wakeup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rundown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_at_dispatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_uninitialised_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slist_misaligned_entry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
