/* wdk/objects - object types as data exports, ObReferenceObjectByHandle/ByPointer type
 * checks, the system process and its token as objects, events and semaphores by handle (ZwCreateEvent & co., IoCreateNotificationEvent), handle waits,
 * and the host's events handed to a driver in an IOCTL (wdk_event.sys). */
#include <ntifs.h>
#include "wdktest.h"
#include "drivers/wdkioctl.h"

#define MS(n) ((LONGLONG)(n) * -10000)

static NTSTATUS TypesEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    POBJECT_TYPE Types[] = { *ExEventObjectType, *ExSemaphoreObjectType, *PsThreadType, *PsProcessType,
                             *IoFileObjectType, *IoDeviceObjectType, *IoDriverObjectType, *SeTokenObjectType,
                             *CmKeyObjectType };
    for (size_t i = 0; i < RTL_NUMBER_OF(Types); i++)
        for (size_t j = 0; j < i; j++)
            if (Types[i] == NULL || Types[i] == Types[j])
                return STATUS_UNSUCCESSFUL; /* every type is a distinct object */
    if (ObReferenceObjectByPointer(DriverObject, 0, *IoDeviceObjectType, KernelMode) != STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 1;
    if (ObReferenceObjectByPointer(DriverObject, 0, *IoDriverObjectType, KernelMode) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 2;
    ObDereferenceObject(DriverObject);
    /* the NtCurrentThread() pseudo-handle names the calling thread */
    PVOID Thread = NULL;
    if (ObReferenceObjectByHandle(NtCurrentThread(), 0, *ExEventObjectType, KernelMode, &Thread, NULL) !=
        STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 3;
    if (ObReferenceObjectByHandle(NtCurrentThread(), 0, *PsThreadType, KernelMode, &Thread, NULL) != STATUS_SUCCESS ||
        Thread != PsGetCurrentThread())
        return STATUS_UNSUCCESSFUL + 4;
    ObDereferenceObject(Thread);
    return STATUS_DEVICE_NOT_READY; /* done: nothing to keep loaded */
}

static void test_object_types(void **state)
{
    (void)state;
    assert_status(run_entry("types", (ntsim_driver_entry)TypesEntry, NULL), STATUS_DEVICE_NOT_READY);
}

/* The system process and its primary token are objects of their types: every way of
 * naming the process gives the same object, a wrong type is a mismatch. */
static NTSTATUS ProcessEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    PEPROCESS Current = PsGetCurrentProcess();
    if (Current == NULL || Current != IoGetCurrentProcess() || Current != PsInitialSystemProcess)
        return STATUS_UNSUCCESSFUL;
    PVOID Object = NULL;
    if (ObReferenceObjectByHandle(NtCurrentProcess(), PROCESS_ALL_ACCESS, *PsProcessType, KernelMode, &Object,
                                  NULL) != STATUS_SUCCESS || Object != Current)
        return STATUS_UNSUCCESSFUL + 1;
    ObDereferenceObject(Object);
    if (ObReferenceObjectByHandle(NtCurrentProcess(), 0, *PsThreadType, KernelMode, &Object, NULL) !=
        STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 2;
    if (ObReferenceObjectByPointer(Current, 0, *SeTokenObjectType, KernelMode) != STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 3;
    if (ObGetObjectType(Current) != *PsProcessType)
        return STATUS_UNSUCCESSFUL + 4;
    PEPROCESS Found = NULL;
    if (PsLookupProcessByProcessId(PsGetCurrentProcessId(), &Found) != STATUS_SUCCESS || Found != Current ||
        PsGetProcessId(Found) != (HANDLE)(ULONG_PTR)4)
        return STATUS_UNSUCCESSFUL + 5;
    ObDereferenceObject(Found);
    if (PsLookupProcessByProcessId((HANDLE)(ULONG_PTR)8, &Found) != STATUS_INVALID_CID)
        return STATUS_UNSUCCESSFUL + 6;
    HANDLE Token;
    if (ZwOpenProcessTokenEx(NtCurrentProcess(), TOKEN_QUERY, OBJ_KERNEL_HANDLE, &Token) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 7;
    PACCESS_TOKEN Primary = PsReferencePrimaryToken(Current);
    NTSTATUS Status = STATUS_DEVICE_NOT_READY;
    if (ObReferenceObjectByHandle(Token, TOKEN_QUERY, *PsProcessType, KernelMode, &Object, NULL) !=
        STATUS_OBJECT_TYPE_MISMATCH)
        Status = STATUS_UNSUCCESSFUL + 8;
    else if (ObReferenceObjectByHandle(Token, TOKEN_QUERY, *SeTokenObjectType, KernelMode, &Object, NULL) !=
                 STATUS_SUCCESS || Object != Primary || ObGetObjectType(Object) != *SeTokenObjectType)
        Status = STATUS_UNSUCCESSFUL + 9;
    else
        ObDereferenceObject(Object);
    PsDereferencePrimaryToken(Primary);
    ZwClose(Token);
    /* a process handle must name a process */
    HANDLE Event;
    ZwCreateEvent(&Event, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE);
    if (ZwOpenProcessToken(Event, TOKEN_QUERY, &Token) != STATUS_OBJECT_TYPE_MISMATCH)
        Status = STATUS_UNSUCCESSFUL + 10;
    ZwClose(Event);
    return Status;
}

static void test_system_process_and_token(void **state)
{
    (void)state;
    assert_status(run_entry("process", (ntsim_driver_entry)ProcessEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL)); /* the token handle was closed */
}

/* A driver that keeps the token handle open is told so at its end, like any handle. */
static NTSTATUS LeakTokenEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE Token;
    if (ZwOpenProcessToken(NtCurrentProcess(), TOKEN_QUERY, &Token) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    return STATUS_DEVICE_NOT_READY;
}

static void test_leaked_token_handle(void **state)
{
    (void)state;
    assert_status(run_entry("leaktoken", (ntsim_driver_entry)LeakTokenEntry, NULL), STATUS_DEVICE_NOT_READY);
    const ntsim_finding *F = find("FL-01", "Token");
    assert_non_null(F);
    assert_non_null(strstr(F->site, "test_objects.c"));
}

/* The tagged and deferred-delete forms of the reference routines, ObCloseHandle, and the
 * thread-to-process routines. */
static NTSTATUS TaggedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    const ULONG Tag = 'gaTW';
    HANDLE H;
    if (!NT_SUCCESS(ZwCreateEvent(&H, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE)))
        return STATUS_UNSUCCESSFUL;
    PVOID Event = NULL;
    if (ObReferenceObjectByHandleWithTag(H, EVENT_MODIFY_STATE, *PsThreadType, KernelMode, Tag, &Event, NULL) !=
        STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 1;
    if (ObReferenceObjectByHandleWithTag(H, EVENT_MODIFY_STATE, *ExEventObjectType, KernelMode, Tag, &Event, NULL) !=
        STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 2;
    if (ObReferenceObjectByPointerWithTag(Event, 0, *PsThreadType, KernelMode, Tag) != STATUS_OBJECT_TYPE_MISMATCH ||
        ObReferenceObjectByPointerWithTag(Event, 0, *ExEventObjectType, KernelMode, Tag) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 3;
    ObReferenceObjectWithTag(Event, Tag);
    /* the handle goes; the three references keep the event alive and usable */
    if (ObCloseHandle(H, KernelMode) != STATUS_SUCCESS || ObCloseHandle(H, UserMode) != STATUS_INVALID_HANDLE)
        return STATUS_UNSUCCESSFUL + 4;
    KeSetEvent(Event, IO_NO_INCREMENT, FALSE);
    if (KeReadStateEvent(Event) != 1)
        return STATUS_UNSUCCESSFUL + 5;
    ObDereferenceObjectWithTag(Event, Tag);
    ObDereferenceObjectDeferDeleteWithTag(Event, Tag);
    ObDereferenceObjectDeferDelete(Event); /* the last one: the event is deleted */
    PETHREAD Thread = PsGetCurrentThread();
    if (PsGetThreadId(Thread) != PsGetCurrentThreadId() || PsGetThreadProcess(Thread) != PsGetCurrentProcess() ||
        IoThreadToProcess(Thread) != PsGetCurrentProcess() || PsGetThreadProcessId(Thread) != PsGetCurrentProcessId() ||
        PsGetCurrentThreadProcess() != PsGetCurrentProcess() || PsGetCurrentThreadProcessId() != (HANDLE)(ULONG_PTR)4 ||
        !PsIsSystemProcess(PsGetCurrentProcess()))
        return STATUS_UNSUCCESSFUL + 6;
    return STATUS_DEVICE_NOT_READY;
}

static void test_tagged_references_and_thread_process(void **state)
{
    (void)state;
    assert_status(run_entry("tagged", (ntsim_driver_entry)TaggedEntry, NULL), STATUS_DEVICE_NOT_READY);
    expect_no_errors();
}

/* A kernel-mode ObCloseHandle of a handle that is not open is bug check 0x93, as ZwClose. */
static NTSTATUS BadCloseEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    ObCloseHandle((HANDLE)(ULONG_PTR)0x7FF0, KernelMode);
    return STATUS_DEVICE_NOT_READY;
}

static void test_close_handle_kernel_mode_bad_handle(void **state)
{
    (void)state;
    run_entry("badclose", (ntsim_driver_entry)BadCloseEntry, NULL);
    ntsim_bugcheck bc = expect_bugcheck(0x93);
    assert_non_null(strstr(bc.explanation, "ObCloseHandle"));
}

/* Timer objects by handle: a synchronization timer waited on by handle expires at its due
 * time in virtual time; cancel; a named timer opened again; no exported type matches it;
 * an APC routine is refused. */
static NTSTATUS TimerEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\WdkTimer");
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE T, Again;
    if (ZwCreateTimer(&T, TIMER_ALL_ACCESS, &Attributes, SynchronizationTimer) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    LARGE_INTEGER Due, Timeout;
    Due.QuadPart = MS(5);
    Timeout.QuadPart = MS(20);
    BOOLEAN Previous = TRUE;
    LONGLONG Start = (LONGLONG)KeQueryInterruptTime();
    if (ZwSetTimer(T, &Due, NULL, NULL, FALSE, 0, &Previous) != STATUS_SUCCESS || Previous)
        return STATUS_UNSUCCESSFUL + 1;
    if (ZwWaitForSingleObject(T, FALSE, &Timeout) != STATUS_SUCCESS ||
        (LONGLONG)KeQueryInterruptTime() - Start != 5 * 10000)
        return STATUS_UNSUCCESSFUL + 2; /* expired at 5 ms exactly */
    Timeout.QuadPart = MS(1);
    if (ZwWaitForSingleObject(T, FALSE, &Timeout) != STATUS_TIMEOUT)
        return STATUS_UNSUCCESSFUL + 3; /* a synchronization timer is reset by the wait */
    Due.QuadPart = MS(50);
    ZwSetTimer(T, &Due, NULL, NULL, FALSE, 0, NULL);
    BOOLEAN State = TRUE;
    if (ZwCancelTimer(T, &State) != STATUS_SUCCESS || State)
        return STATUS_UNSUCCESSFUL + 4;
    Timeout.QuadPart = MS(60);
    if (ZwWaitForSingleObject(T, FALSE, &Timeout) != STATUS_TIMEOUT)
        return STATUS_UNSUCCESSFUL + 5; /* cancelled: never expires */
    if (ZwOpenTimer(&Again, TIMER_ALL_ACCESS, &Attributes) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 6;
    PVOID Object = NULL;
    if (ObReferenceObjectByHandle(Again, 0, *ExEventObjectType, KernelMode, &Object, NULL) != STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 7;
    if (ObReferenceObjectByHandle(Again, 0, NULL, KernelMode, &Object, NULL) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 8;
    NTSTATUS Status = KeReadStateTimer(Object) == FALSE ? STATUS_DEVICE_NOT_READY : STATUS_UNSUCCESSFUL + 9;
    ObDereferenceObject(Object);
    if (ZwSetTimer(Again, &Due, (PTIMER_APC_ROUTINE)(ULONG_PTR)1, NULL, FALSE, 0, NULL) != STATUS_NOT_IMPLEMENTED)
        Status = STATUS_UNSUCCESSFUL + 10;
    /* set, then every handle closed: the timer goes with its object, and is not left running */
    ZwSetTimer(Again, &Due, NULL, NULL, FALSE, 0, NULL);
    ZwClose(Again);
    ZwClose(T);
    HANDLE Event;
    ZwCreateEvent(&Event, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE);
    if (ZwSetTimer(Event, &Due, NULL, NULL, FALSE, 0, NULL) != STATUS_OBJECT_TYPE_MISMATCH)
        Status = STATUS_UNSUCCESSFUL + 11;
    ZwClose(Event);
    return Status;
}

static void test_timer_objects(void **state)
{
    (void)state;
    assert_status(run_entry("timers", (ntsim_driver_entry)TimerEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_run_for(M, 100u * 1000 * 1000), 0); /* the deleted timer never fires */
    expect_no_errors();
}

/* A timer object left set with its handle open when DriverEntry fails: the handle is a
 * leak finding; reclaiming it deletes the object and stops the timer. */
static NTSTATUS LeakTimerEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE T;
    if (ZwCreateTimer(&T, TIMER_ALL_ACCESS, NULL, NotificationTimer) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    LARGE_INTEGER Due;
    Due.QuadPart = MS(5);
    ZwSetTimer(T, &Due, NULL, NULL, FALSE, 10, NULL); /* periodic, every 10 ms */
    return STATUS_DEVICE_NOT_READY;
}

static void test_leaked_timer_handle(void **state)
{
    (void)state;
    assert_status(run_entry("leaktimer", (ntsim_driver_entry)LeakTimerEntry, NULL), STATUS_DEVICE_NOT_READY);
    const ntsim_finding *F = find("FL-01", "Timer");
    assert_non_null(F);
    assert_non_null(strstr(F->site, "test_objects.c"));
    assert_int_equal(ntsim_run_for(M, 50u * 1000 * 1000), 0); /* reclaimed: nothing fires into it */
}

static NTSTATUS EventHandleEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE H;
    if (!NT_SUCCESS(ZwCreateEvent(&H, EVENT_ALL_ACCESS, NULL, SynchronizationEvent, FALSE)))
        return STATUS_UNSUCCESSFUL;
    PVOID Object = NULL;
    if (ObReferenceObjectByHandle(H, EVENT_MODIFY_STATE, *PsThreadType, KernelMode, &Object, NULL) !=
        STATUS_OBJECT_TYPE_MISMATCH || Object != NULL)
        return STATUS_UNSUCCESSFUL + 1;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(H, EVENT_MODIFY_STATE, *ExEventObjectType, KernelMode, &Object, NULL)))
        return STATUS_UNSUCCESSFUL + 2;
    PKEVENT Event = Object; /* the body is the KEVENT */
    if (ObReferenceObjectByPointer(Event, 0, *ExSemaphoreObjectType, KernelMode) != STATUS_OBJECT_TYPE_MISMATCH)
        return STATUS_UNSUCCESSFUL + 3;
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = MS(2);
    if (ZwWaitForSingleObject(H, FALSE, &Timeout) != STATUS_TIMEOUT || KeQueryInterruptTime() != 20000)
        return STATUS_UNSUCCESSFUL + 4;
    KeSetEvent(Event, IO_NO_INCREMENT, FALSE);
    if (ZwWaitForSingleObject(H, FALSE, &Timeout) != STATUS_SUCCESS || KeReadStateEvent(Event) != 0)
        return STATUS_UNSUCCESSFUL + 5; /* a synchronization event is reset by the wait */
    LONG Previous = -1;
    if (ZwSetEvent(H, &Previous) != STATUS_SUCCESS || Previous != 0 || KeReadStateEvent(Event) != 1)
        return STATUS_UNSUCCESSFUL + 6;
    if (ZwResetEvent(H, &Previous) != STATUS_SUCCESS || Previous != 1 || KeReadStateEvent(Event) != 0)
        return STATUS_UNSUCCESSFUL + 7;
    ZwSetEvent(H, NULL);
    if (ZwClearEvent(H) != STATUS_SUCCESS || KeReadStateEvent(Event) != 0)
        return STATUS_UNSUCCESSFUL + 8;
    ObDereferenceObject(Event);
    ZwClose(H);
    if (ZwSetEvent(H, NULL) != STATUS_INVALID_HANDLE)
        return STATUS_UNSUCCESSFUL + 9;
    return STATUS_DEVICE_NOT_READY;
}

static void test_event_by_handle(void **state)
{
    (void)state;
    assert_status(run_entry("evhandle", (ntsim_driver_entry)EventHandleEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL)); /* handle closed, references dropped */
}

static NTSTATUS NamedEventEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\WdkEvent");
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE, NULL, NULL);
    HANDLE First, Again, Opened, Io;
    if (ZwCreateEvent(&First, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL;
    if (ZwCreateEvent(&Again, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE) != STATUS_OBJECT_NAME_COLLISION)
        return STATUS_UNSUCCESSFUL + 1;
    InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE | OBJ_OPENIF, NULL, NULL);
    if (ZwCreateEvent(&Again, EVENT_ALL_ACCESS, &Attributes, NotificationEvent, FALSE) != STATUS_OBJECT_NAME_EXISTS)
        return STATUS_UNSUCCESSFUL + 2;
    if (ZwOpenEvent(&Opened, EVENT_ALL_ACCESS, &Attributes) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 3;
    PKEVENT Shared = IoCreateNotificationEvent(&Name, &Io); /* opens the same event */
    PVOID A, B;
    ObReferenceObjectByHandle(First, 0, *ExEventObjectType, KernelMode, &A, NULL);
    ObReferenceObjectByHandle(Opened, 0, *ExEventObjectType, KernelMode, &B, NULL);
    NTSTATUS Status = Shared == A && A == B ? STATUS_DEVICE_NOT_READY : STATUS_UNSUCCESSFUL + 4;
    ObDereferenceObject(A);
    ObDereferenceObject(B);
    ZwClose(First);
    ZwClose(Again);
    ZwClose(Opened);
    ZwClose(Io);
    /* every handle closed: the name is gone with the object */
    if (ZwOpenEvent(&Opened, EVENT_ALL_ACCESS, &Attributes) != STATUS_OBJECT_NAME_NOT_FOUND)
        return STATUS_UNSUCCESSFUL + 5;
    UNICODE_STRING Other = RTL_CONSTANT_STRING(L"\\BaseNamedObjects\\WdkFresh");
    PKEVENT Fresh = IoCreateSynchronizationEvent(&Other, &Io);
    if (Fresh == NULL || KeReadStateEvent(Fresh) != 1) /* created signalled */
        return STATUS_UNSUCCESSFUL + 6;
    ZwClose(Io);
    return Status;
}

static void test_named_events(void **state)
{
    (void)state;
    assert_status(run_entry("evnamed", (ntsim_driver_entry)NamedEventEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL));
}

static VOID Sleeper(PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    LARGE_INTEGER Delay;
    Delay.QuadPart = MS(3);
    KeDelayExecutionThread(KernelMode, FALSE, &Delay);
    PsTerminateSystemThread(STATUS_SUCCESS);
}

static NTSTATUS WaitMultipleEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE H[2], Thread, Key;
    ZwCreateEvent(&H[0], EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE);
    ZwCreateEvent(&H[1], EVENT_ALL_ACCESS, NULL, NotificationEvent, TRUE);
    NTSTATUS Status = STATUS_DEVICE_NOT_READY;
    if (ZwWaitForMultipleObjects(2, H, WaitAny, FALSE, NULL) != STATUS_WAIT_1)
        Status = STATUS_UNSUCCESSFUL;
    LARGE_INTEGER Timeout = { .QuadPart = 0 };
    if (ZwWaitForMultipleObjects(2, H, WaitAll, FALSE, &Timeout) != STATUS_TIMEOUT)
        Status = STATUS_UNSUCCESSFUL + 1;
    /* a thread handle is waitable: signalled when the thread ends */
    PsCreateSystemThread(&Thread, THREAD_ALL_ACCESS, NULL, NULL, NULL, Sleeper, NULL);
    if (ZwWaitForSingleObject(Thread, FALSE, NULL) != STATUS_SUCCESS || KeQueryInterruptTime() != 30000)
        Status = STATUS_UNSUCCESSFUL + 2;
    /* a registry key is not */
    UNICODE_STRING Path = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\SYSTEM");
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (NT_SUCCESS(ZwOpenKey(&Key, KEY_READ, &Attributes))) {
        if (ZwWaitForSingleObject(Key, FALSE, &Timeout) != STATUS_OBJECT_TYPE_MISMATCH)
            Status = STATUS_UNSUCCESSFUL + 3;
        ZwClose(Key);
    } else {
        Status = STATUS_UNSUCCESSFUL + 4;
    }
    ZwClose(Thread);
    ZwClose(H[0]);
    ZwClose(H[1]);
    return Status;
}

static void test_wait_multiple(void **state)
{
    (void)state;
    assert_status(run_entry("evmulti", (ntsim_driver_entry)WaitMultipleEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL));
}

/* ObOpenObjectByPointer: a handle to an object held by pointer, type-checked; the
 * handle references the object until ZwClose, and one left open is a leak. */
static int OpenLeakLine;

static NTSTATUS OpenByPointerEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE H = (HANDLE)1;
    if (ObOpenObjectByPointer(DriverObject, OBJ_KERNEL_HANDLE, NULL, 0, *IoDeviceObjectType, KernelMode, &H) !=
            STATUS_OBJECT_TYPE_MISMATCH || H != NULL)
        return STATUS_UNSUCCESSFUL;
    if (ObOpenObjectByPointer(DriverObject, 0x80000000u, NULL, 0, NULL, KernelMode, &H) != STATUS_INVALID_PARAMETER)
        return STATUS_UNSUCCESSFUL + 1;
    if (ObOpenObjectByPointer(DriverObject, OBJ_KERNEL_HANDLE, NULL, 0, *IoDriverObjectType, KernelMode, &H) !=
        STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 2;
    PVOID Same = NULL;
    if (ObReferenceObjectByHandle(H, 0, *IoDriverObjectType, KernelMode, &Same, NULL) != STATUS_SUCCESS ||
        Same != DriverObject)
        return STATUS_UNSUCCESSFUL + 3;
    ObDereferenceObject(Same);
    if (ZwClose(H) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 4;
    OpenLeakLine = __LINE__ + 1;
    ObOpenObjectByPointer(DriverObject, OBJ_KERNEL_HANDLE, NULL, 0, NULL, KernelMode, &H); /* never closed */
    return STATUS_DEVICE_NOT_READY;
}

static void test_open_object_by_pointer(void **state)
{
    (void)state;
    assert_status(run_entry("openptr", (ntsim_driver_entry)OpenByPointerEntry, NULL), STATUS_DEVICE_NOT_READY);
    const ntsim_finding *f = find("FL-01", "andle");
    assert_non_null(f);
    char site[64];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, OpenLeakLine);
    assert_string_equal(f->site, site);
}

/* ZwOpenFile / ZwCreateFile of a device by name and through a link: IRP_MJ_CREATE on
 * open, CLEANUP when the handle is closed, CLOSE with the last reference; a name that
 * leads nowhere fails as on Windows; a disposition that would create a file is refused
 * with a FILE warning. RtlCreateUnicodeString makes the counted copy used for the name. */
static int ZwCreates, ZwCleanups, ZwCloses, ZwLeakLine;
static PDEVICE_OBJECT ZwDevice;

static NTSTATUS ZwCount(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UCHAR Major = IoGetCurrentIrpStackLocation(Irp)->MajorFunction;
    ZwCreates += Major == IRP_MJ_CREATE;
    ZwCleanups += Major == IRP_MJ_CLEANUP;
    ZwCloses += Major == IRP_MJ_CLOSE;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID ZwUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\ZwTargetLink");
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(ZwDevice);
}

static NTSTATUS ZwOpen(PCWSTR Name, PHANDLE Handle)
{
    UNICODE_STRING Path;
    if (!RtlCreateUnicodeString(&Path, Name))
        return STATUS_NO_MEMORY;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Path, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    IO_STATUS_BLOCK Iosb;
    NTSTATUS Status = ZwOpenFile(Handle, FILE_READ_DATA, &Attributes, &Iosb, 0, 0);
    if (NT_SUCCESS(Status) && Iosb.Information != FILE_OPENED)
        Status = STATUS_UNSUCCESSFUL;
    RtlFreeUnicodeString(&Path);
    return Status;
}

static NTSTATUS ZwFileEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\ZwTarget");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\ZwTargetLink");
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &ZwDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    IoCreateSymbolicLink(&Link, &Name);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = ZwCount;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = ZwCount;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = ZwCount;
    DriverObject->DriverUnload = ZwUnload;
    ZwDevice->Flags &= ~DO_DEVICE_INITIALIZING; /* ready: it may be opened from here on */
    UNICODE_STRING Copy;
    if (!RtlCreateUnicodeString(&Copy, L"abc") || Copy.Length != 6 || Copy.MaximumLength != 8 || Copy.Buffer[3] != 0)
        return STATUS_UNSUCCESSFUL;
    RtlFreeUnicodeString(&Copy);
    HANDLE H;
    if (ZwOpen(L"\\Device\\ZwTarget", &H) != STATUS_SUCCESS || ZwCreates != 1)
        return STATUS_UNSUCCESSFUL + 1;
    PFILE_OBJECT File;
    if (ObReferenceObjectByHandle(H, 0, *IoFileObjectType, KernelMode, (PVOID *)&File, NULL) != STATUS_SUCCESS ||
        File->DeviceObject != ZwDevice)
        return STATUS_UNSUCCESSFUL + 2;
    ZwClose(H);
    if (ZwCleanups != 1 || ZwCloses != 0) /* the file object is still referenced */
        return STATUS_UNSUCCESSFUL + 3;
    ObDereferenceObject(File);
    if (ZwCloses != 1)
        return STATUS_UNSUCCESSFUL + 4;
    if (ZwOpen(L"\\??\\ZwTargetLink", &H) != STATUS_SUCCESS || ZwCreates != 2)
        return STATUS_UNSUCCESSFUL + 5;
    ZwClose(H);
    H = (HANDLE)-1; /* a kernel-mode caller's variable is left as it was on failure */
    if (ZwOpen(L"\\Device\\NoSuchDevice", &H) != STATUS_OBJECT_NAME_NOT_FOUND || H != (HANDLE)-1)
        return STATUS_UNSUCCESSFUL + 6;
    UNICODE_STRING MissingKey = RTL_CONSTANT_STRING(L"\\Registry\\Machine\\HARDWARE\\DEVICEMAP\\NoSuchPort");
    OBJECT_ATTRIBUTES KeyAttributes;
    InitializeObjectAttributes(&KeyAttributes, &MissingKey, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE, NULL, NULL);
    if (ZwOpenKey(&H, KEY_READ, &KeyAttributes) != STATUS_OBJECT_NAME_NOT_FOUND || H != (HANDLE)-1)
        return STATUS_UNSUCCESSFUL + 9;
    OBJECT_ATTRIBUTES Attributes;
    InitializeObjectAttributes(&Attributes, &Name, OBJ_KERNEL_HANDLE, NULL, NULL);
    IO_STATUS_BLOCK Iosb;
    if (ZwCreateFile(&H, GENERIC_WRITE, &Attributes, &Iosb, NULL, 0, 0, FILE_CREATE, 0, NULL, 0) !=
        STATUS_NOT_SUPPORTED)
        return STATUS_UNSUCCESSFUL + 7;
    if (ZwCreateFile(&H, GENERIC_READ, &Attributes, &Iosb, NULL, 0, 0, FILE_OPEN, 0, NULL, 0) != STATUS_SUCCESS)
        return STATUS_UNSUCCESSFUL + 8;
    ZwClose(H);
    ZwLeakLine = __LINE__ + 1;
    ZwOpen(L"\\Device\\ZwTarget", &H); /* left open: a leak at unload */
    return STATUS_SUCCESS;
}

static void test_zw_open_file(void **state)
{
    (void)state;
    ntsim_driver *Driver;
    assert_status(run_entry("zwfile", (ntsim_driver_entry)ZwFileEntry, &Driver), STATUS_SUCCESS);
    assert_int_equal(ZwCreates, 4);
    assert_non_null(find("FILE", "disposition 2"));
    assert_null(find("FL-01", NULL));
    ntsim_driver_unload(Driver);
    const ntsim_finding *f = find("IO-04", "andle");
    if (f == NULL)
        ntsim_print_findings(stdout, M);
    assert_non_null(f);
    assert_non_null(strstr(f->site, "test_objects.c"));
}

static int LeakLine;

static NTSTATUS LeakedHandleEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    HANDLE H;
    LeakLine = __LINE__ + 1;
    ZwCreateEvent(&H, EVENT_ALL_ACCESS, NULL, NotificationEvent, FALSE);
    return STATUS_UNSUCCESSFUL; /* the handle stays open */
}

static void test_leaked_event_handle(void **state)
{
    (void)state;
    assert_status(run_entry("evleak", (ntsim_driver_entry)LeakedHandleEntry, NULL), STATUS_UNSUCCESSFUL);
    const ntsim_finding *f = find("FL-01", "Event");
    assert_non_null(f);
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, LeakLine);
    assert_string_equal(f->site, site);
}

static void test_create_event_failable(void **state)
{
    (void)state;
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1"), 0);
    /* the first ZwCreateEvent fails: EventHandleEntry reports it */
    assert_status(run_entry("evfault", (ntsim_driver_entry)EventHandleEntry, NULL), STATUS_UNSUCCESSFUL);
    assert_string_equal(ntsim_fault_point_at(M, 0)->ddi, "ZwCreateEvent");
    assert_null(find("FL-01", NULL));
}

/* ---- the host's event, passed to a driver as a user-mode program passes a handle ---- */

static void test_host_event_set_by_driver(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_event.sys");
    ntsim_file *f = NULL;
    assert_status(ntsim_open(M, "\\\\.\\WdkEvent", &f), 0);
    ntsim_handle h = 0;
    assert_status(ntsim_event_create(M, 0, 0, &h), 0);
    assert_int_equal(ntsim_event_wait(M, h, 0), 0); /* not signalled: a poll times out */
    uint64_t start = ntsim_now_ns(M);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &h, sizeof(h), NULL, 0, NULL), 0);
    assert_int_equal(ntsim_event_wait(M, h, UINT64_MAX), 1);
    assert_int_equal(ntsim_now_ns(M) - start, 10u * 1000 * 1000); /* the driver's timer: 10 ms */
    assert_int_equal(ntsim_event_wait(M, h, 1000000), 0); /* synchronization event: the wait reset it */
    /* the host can set and reset it too */
    assert_status(ntsim_event_set(M, h), 0);
    assert_status(ntsim_event_reset(M, h), 0);
    assert_int_equal(ntsim_event_wait(M, h, 0), 0);
    assert_status(ntsim_event_set(M, h), 0);
    assert_int_equal(ntsim_event_wait(M, h, 0), 1);
    assert_status(ntsim_handle_close(M, h), 0);
    assert_int_equal(ntsim_event_wait(M, h, 0), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "not an open event handle"));
    /* a handle that is not open: the driver's ObReferenceObjectByHandle refuses it */
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &h, sizeof(h), NULL, 0, NULL), STATUS_INVALID_HANDLE);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* A semaphore the host creates, released by the driver from a DPC: the host's waits take
 * one count each; an event IOCTL given the semaphore's handle is refused by type. */
static void test_host_semaphore_released_by_driver(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_event.sys");
    ntsim_file *f = NULL;
    assert_status(ntsim_open(M, "\\\\.\\WdkEvent", &f), 0);
    ntsim_handle h = 0;
    assert_int_equal(ntsim_semaphore_create(M, 0, 5, &h), 0);
    assert_int_equal(ntsim_semaphore_wait(M, h, 0), 0); /* count 0: a poll times out */
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &h, sizeof(h), NULL, 0, NULL), STATUS_OBJECT_TYPE_MISMATCH);
    uint64_t start = ntsim_now_ns(M);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_RELEASE_SEMAPHORE_LATER, &h, sizeof(h), NULL, 0, NULL), 0);
    assert_int_equal(ntsim_semaphore_wait(M, h, UINT64_MAX), 1);
    assert_int_equal(ntsim_now_ns(M) - start, 10u * 1000 * 1000); /* the driver's timer: 10 ms */
    assert_int_equal(ntsim_semaphore_wait(M, h, 0), 1);         /* released by 2: a second count */
    assert_int_equal(ntsim_semaphore_wait(M, h, 1000000), 0);   /* and no third */
    /* an event handle given to the semaphore IOCTL: refused by type as well */
    ntsim_handle e = 0;
    assert_status(ntsim_event_create(M, 1, 0, &e), 0);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_RELEASE_SEMAPHORE_LATER, &e, sizeof(e), NULL, 0, NULL),
                  STATUS_OBJECT_TYPE_MISMATCH);
    assert_int_equal(ntsim_semaphore_wait(M, e, 0), NTSIM_E_ARGS);
    assert_non_null(strstr(ntsim_last_error(), "not an open semaphore handle"));
    assert_int_equal(ntsim_event_wait(M, h, 0), NTSIM_E_ARGS);
    int32_t bad = -1;
    ntsim_handle unused;
    assert_int_equal(ntsim_semaphore_create(M, 3, 2, &unused), NTSIM_E_ARGS); /* count above the limit */
    assert_int_equal(ntsim_semaphore_create(M, 0, bad, &unused), NTSIM_E_ARGS);
    assert_status(ntsim_handle_close(M, e), 0);
    assert_status(ntsim_handle_close(M, h), 0);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* A notification event wakes the host and stays set; closing the host handle while the
 * driver still holds a reference keeps the event alive until the driver drops it. */
static void test_host_event_outlives_handle(void **state)
{
    (void)state;
    ntsim_driver *d = load_image("wdk_event.sys");
    ntsim_file *f = NULL;
    assert_status(ntsim_open(M, "\\\\.\\WdkEvent", &f), 0);
    ntsim_handle h = 0, g = 0;
    assert_status(ntsim_event_create(M, 1, 0, &h), 0);
    assert_status(ntsim_event_create(M, 1, 0, &g), 0);
    assert_true(h != g);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &h, sizeof(h), NULL, 0, NULL), 0);
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &g, sizeof(g), NULL, 0, NULL), STATUS_DEVICE_BUSY);
    assert_status(ntsim_handle_close(M, h), 0); /* the driver's reference keeps it alive */
    assert_int_equal(ntsim_run_for(M, 20u * 1000 * 1000), 0); /* the DPC sets it and dereferences it */
    assert_status(ntsim_ioctl(f, IOCTL_WDK_SET_EVENT_LATER, &g, sizeof(g), NULL, 0, NULL), 0);
    assert_int_equal(ntsim_event_wait(M, g, UINT64_MAX), 1);
    assert_int_equal(ntsim_event_wait(M, g, 0), 1); /* notification: stays set */
    assert_status(ntsim_handle_close(M, g), 0);
    assert_status(ntsim_close(f), 0);
    assert_int_equal(ntsim_driver_unload(d), 0);
    expect_no_errors();
}

/* Waiting without limit for an event nobody will set: the machine reports the hang
 * (every thread blocked, no event pending) instead of blocking the test forever. */
static void test_host_wait_forever_is_a_hang(void **state)
{
    (void)state;
    ntsim_handle h = 0;
    assert_status(ntsim_event_create(M, 1, 0, &h), 0);
    assert_int_equal(ntsim_event_wait(M, h, 5000000), 0); /* a bounded wait just times out */
    assert_int_equal(ntsim_now_ns(M), 5000000);
    assert_int_equal(ntsim_event_wait(M, h, UINT64_MAX), NTSIM_E_CRASHED);
    ntsim_bugcheck bc;
    assert_true(ntsim_machine_crashed(M, &bc));
    assert_non_null(strstr(bc.explanation, "ntsim_event_wait"));
}

static void test_host_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(ntsim_event_create(M, 0, 0, NULL), NTSIM_E_ARGS);
    assert_int_equal(ntsim_event_set(M, 0x1234), NTSIM_E_ARGS);
    assert_status(ntsim_handle_close(M, 0x1234), STATUS_INVALID_HANDLE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_object_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_system_process_and_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaked_token_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tagged_references_and_thread_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_handle_kernel_mode_bad_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaked_timer_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_semaphore_released_by_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_object_by_pointer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zw_open_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_event_by_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_named_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wait_multiple, setup, teardown),
        cmocka_unit_test_setup_teardown(test_leaked_event_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_event_failable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_event_set_by_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_event_outlives_handle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_wait_forever_is_a_hang, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
