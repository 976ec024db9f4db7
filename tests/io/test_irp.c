/* test_irp.c - IRP mechanics between two drivers linked into this test: IoCallDriver,
 * completion routines, STATUS_MORE_PROCESSING_REQUIRED, PendingReturned, driver-built
 * IRPs (IoBuildDeviceIoControlRequest, IoAllocateIrp), SEH around probes, pool checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wdm.h>
#include <ntsim/ntsim.h>

#define LOWER_COMPLETE 1   /* complete at once, Information = 42 */
#define LOWER_PEND 2       /* pend; LOWER_RELEASE completes it with Information = 7 */
#define LOWER_RELEASE 3
#define UPPER_BUILD 10     /* IoBuildDeviceIoControlRequest to lower, wait, return its Information */
#define UPPER_FORWARD 11   /* forward this IRP to lower with a completion routine */
#define UPPER_ALLOCATE 12  /* IoAllocateIrp to lower, completion routine frees it */
#define UPPER_SEH 13       /* SEH scenarios, results in the output buffer */
#define UPPER_DOUBLE_FREE 14
#define UPPER_TAG_MISMATCH 15
#define UPPER_OVERRUN 16
#define UPPER_DOUBLE_COMPLETE 17
#define UPPER_REUSE 18        /* one IoAllocateIrp IRP sent twice with IoReuseIrp, then an IoInitializeIrp one */
#define UPPER_COMPLETE_PENDING 19 /* IoCompleteRequest with IoStatus.Status == STATUS_PENDING */
#define UPPER_COMPLETE_CANCEL 20  /* IoCompleteRequest with the cancel routine still set */
#define UPPER_CALL_NULL_DEVICE 21 /* IoCallDriver(NULL, Irp) */

void KiPrintAnalysis(FILE *Out); /* white-box: sim/ke/analyze.c, the report a bug check prints */

#define CODE(n) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800 + (n), METHOD_BUFFERED, FILE_ANY_ACCESS)

static PIRP LowerPending;
static PDEVICE_OBJECT LowerDevice, UpperDevice;
static PFILE_OBJECT LowerFile;
static int CompletionCalls, SawPendingReturned;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS OpenClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS LowerControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    ULONG Code = IoGetCurrentIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode;
    if (Code == CODE(LOWER_PEND)) {
        IoMarkIrpPending(Irp);
        LowerPending = Irp;
        return STATUS_PENDING;
    }
    if (Code == CODE(LOWER_RELEASE) && LowerPending) {
        PIRP Pending = LowerPending;
        LowerPending = NULL;
        Complete(Pending, STATUS_SUCCESS, 7);
        return Complete(Irp, STATUS_SUCCESS, 0);
    }
    return Complete(Irp, STATUS_SUCCESS, 42);
}

static VOID LowerUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS LowerEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\TestLower");
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &LowerDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    LowerDevice->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = LowerControl;
    DriverObject->DriverUnload = LowerUnload;
    return STATUS_SUCCESS;
}

static NTSTATUS ForwardCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Context);
    CompletionCalls++;
    assert_ptr_equal(DeviceObject, UpperDevice);
    if (Irp->PendingReturned) {
        SawPendingReturned++;
        IoMarkIrpPending(Irp);
    }
    Irp->IoStatus.Information += 1000;
    return STATUS_CONTINUE_COMPLETION;
}

static NTSTATUS AllocatedCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    CompletionCalls++;
    assert_null(DeviceObject); /* no stack location of our own */
    *(ULONG_PTR *)Context = Irp->IoStatus.Information;
    IoFreeIrp(Irp);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

/* Records the result and keeps the IRP for its owner: STATUS_MORE_PROCESSING_REQUIRED. */
static NTSTATUS KeepCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    CompletionCalls++;
    *(ULONG_PTR *)Context = Irp->IoStatus.Information;
    return STATUS_MORE_PROCESSING_REQUIRED;
}

typedef struct {
    LONG ProbeKernelPointer;
    LONG ProbeMisaligned;
    LONG RaiseCaught;
    LONG FinallyRan;
    LONG NestedRethrow;
} SEH_RESULTS;

static VOID RaiseInner(VOID)
{
    ExRaiseStatus(STATUS_INVALID_PARAMETER);
}

static VOID SehScenarios(SEH_RESULTS *R, PVOID UserBuffer)
{
    UCHAR Kernel[16];
    R->ProbeKernelPointer = 0;
    __try {
        ProbeForRead(Kernel, sizeof(Kernel), 1);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        R->ProbeKernelPointer = GetExceptionCode();
    }
    __try {
        ProbeForWrite((PUCHAR)UserBuffer + 1, 8, 4);
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        R->ProbeMisaligned = GetExceptionCode();
    }
    __try {
        RaiseInner();
    } __except (GetExceptionCode() == STATUS_INVALID_PARAMETER ? EXCEPTION_EXECUTE_HANDLER
                                                               : EXCEPTION_CONTINUE_SEARCH) {
        R->RaiseCaught = GetExceptionCode();
    }
    __try {
        __try {
            RaiseInner();
        } __finally {
            R->FinallyRan = 1;
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        R->FinallyRan += 10;
    }
    __try {
        __try {
            ExRaiseStatus(STATUS_ACCESS_DENIED);
        } __except (EXCEPTION_CONTINUE_SEARCH) {
            R->NestedRethrow = -1; /* must not run */
        }
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        R->NestedRethrow = GetExceptionCode();
    }
}

static VOID UpperCancel(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    IoReleaseCancelSpinLock(Irp->CancelIrql);
}

static NTSTATUS UpperControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    if (Code == CODE(UPPER_BUILD)) {
        KEVENT Event;
        IO_STATUS_BLOCK Iosb;
        KeInitializeEvent(&Event, NotificationEvent, FALSE);
        PIRP Built = IoBuildDeviceIoControlRequest(CODE(LOWER_COMPLETE), LowerDevice, NULL, 0, NULL, 0, FALSE, &Event,
                                                   &Iosb);
        if (Built == NULL)
            return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        NTSTATUS Status = IoCallDriver(LowerDevice, Built);
        if (Status == STATUS_PENDING)
            KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        return Complete(Irp, Iosb.Status, Iosb.Information);
    }
    if (Code == CODE(UPPER_FORWARD)) {
        IoCopyCurrentIrpStackLocationToNext(Irp);
        IoGetNextIrpStackLocation(Irp)->Parameters.DeviceIoControl.IoControlCode =
            Stack->Parameters.DeviceIoControl.InputBufferLength ? CODE(LOWER_PEND) : CODE(LOWER_COMPLETE);
        IoSetCompletionRoutine(Irp, ForwardCompletion, NULL, TRUE, TRUE, TRUE);
        return IoCallDriver(LowerDevice, Irp);
    }
    if (Code == CODE(UPPER_ALLOCATE)) {
        ULONG_PTR Result = 0;
        PIRP Own = IoAllocateIrp(LowerDevice->StackSize, FALSE);
        if (Own == NULL)
            return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Own);
        Next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
        Next->Parameters.DeviceIoControl.IoControlCode = CODE(LOWER_COMPLETE);
        IoSetCompletionRoutine(Own, AllocatedCompletion, &Result, TRUE, TRUE, TRUE);
        IoCallDriver(LowerDevice, Own);
        return Complete(Irp, STATUS_SUCCESS, Result);
    }
    if (Code == CODE(UPPER_SEH)) {
        SEH_RESULTS R = { 0 };
        SehScenarios(&R, Irp->UserBuffer);
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &R, sizeof(R));
        return Complete(Irp, STATUS_SUCCESS, sizeof(R));
    }
    if (Code == CODE(UPPER_DOUBLE_FREE)) {
        PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 32, 'tseT');
        ExFreePoolWithTag(P, 'tseT');
        ExFreePoolWithTag(P, 'tseT');
    }
    if (Code == CODE(UPPER_TAG_MISMATCH)) {
        PVOID P = ExAllocatePoolWithTag(NonPagedPoolNx, 32, 'tseT');
        ExFreePoolWithTag(P, 'gnrW');
    }
    if (Code == CODE(UPPER_OVERRUN)) {
        PUCHAR P = ExAllocatePoolWithTag(NonPagedPoolNx, 30, 'tseT');
        P[30] = 0; /* one past the end, inside the 16-byte slack before any guard page */
        ExFreePool(P);
    }
    if (Code == CODE(UPPER_REUSE)) {
        ULONG_PTR Results[3] = { 0, 0, 0 };
        PIRP Own = IoAllocateIrp(LowerDevice->StackSize, FALSE);
        if (Own == NULL)
            return Complete(Irp, STATUS_INSUFFICIENT_RESOURCES, 0);
        for (int Round = 0; Round < 2; Round++) {
            if (Round)
                IoReuseIrp(Own, STATUS_UNSUCCESSFUL);
            PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Own);
            Next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
            Next->Parameters.DeviceIoControl.IoControlCode = CODE(LOWER_COMPLETE);
            IoSetCompletionRoutine(Own, KeepCompletion, &Results[Round], TRUE, TRUE, TRUE);
            IoCallDriver(LowerDevice, Own);
        }
        IoFreeIrp(Own);
        USHORT Size = IoSizeOfIrp(LowerDevice->StackSize);
        PIRP Laid = ExAllocatePoolWithTag(NonPagedPoolNx, Size, 'prIT');
        IoInitializeIrp(Laid, Size, LowerDevice->StackSize);
        PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Laid);
        Next->MajorFunction = IRP_MJ_DEVICE_CONTROL;
        Next->Parameters.DeviceIoControl.IoControlCode = CODE(LOWER_COMPLETE);
        IoSetCompletionRoutine(Laid, KeepCompletion, &Results[2], TRUE, TRUE, TRUE);
        IoCallDriver(LowerDevice, Laid);
        ExFreePoolWithTag(Laid, 'prIT');
        return Complete(Irp, STATUS_SUCCESS, Results[0] + Results[1] + Results[2]);
    }
    if (Code == CODE(UPPER_COMPLETE_PENDING))
        return Complete(Irp, STATUS_PENDING, 0);
    if (Code == CODE(UPPER_COMPLETE_CANCEL)) {
        IoSetCancelRoutine(Irp, UpperCancel);
        return Complete(Irp, STATUS_SUCCESS, 0);
    }
    if (Code == CODE(UPPER_CALL_NULL_DEVICE)) {
        IoSkipCurrentIrpStackLocation(Irp);
        return IoCallDriver(NULL, Irp);
    }
    if (Code == CODE(UPPER_DOUBLE_COMPLETE)) {
        Complete(Irp, STATUS_SUCCESS, 0);
        return Complete(Irp, STATUS_SUCCESS, 0);
    }
    return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
}

static VOID UpperUnload(PDRIVER_OBJECT DriverObject)
{
    ObDereferenceObject(LowerFile);
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS UpperEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\TestUpper");
    UNICODE_STRING LowerName = RTL_CONSTANT_STRING(L"\\Device\\TestLower");
    PDEVICE_OBJECT Target;
    NTSTATUS Status = IoGetDeviceObjectPointer(&LowerName, FILE_ALL_ACCESS, &LowerFile, &Target);
    if (!NT_SUCCESS(Status))
        return Status;
    assert_ptr_equal(Target, LowerDevice);
    Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &UpperDevice);
    if (!NT_SUCCESS(Status)) {
        ObDereferenceObject(LowerFile);
        return Status;
    }
    UpperDevice->StackSize = (CCHAR)(LowerDevice->StackSize + 1);
    UpperDevice->Flags |= DO_BUFFERED_IO;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = OpenClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = UpperControl;
    DriverObject->DriverUnload = UpperUnload;
    return STATUS_SUCCESS;
}

typedef struct {
    ntsim_machine *Machine;
    ntsim_driver *Lower, *Upper;
    ntsim_file *File;
} Fixture;

static int Setup(void **State)
{
    Fixture *F = calloc(1, sizeof(*F));
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    F->Machine = ntsim_machine_create(&Config);
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load_entry(F->Machine, "lower", (ntsim_driver_entry)LowerEntry, &F->Lower, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_driver_load_entry(F->Machine, "upper", (ntsim_driver_entry)UpperEntry, &F->Upper, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_open(F->Machine, "\\Device\\TestUpper", &F->File), 0);
    CompletionCalls = SawPendingReturned = 0;
    *State = F;
    return 0;
}

static int Teardown(void **State)
{
    Fixture *F = *State;
    if (!ntsim_machine_crashed(F->Machine, NULL)) {
        ntsim_close(F->File);
        assert_int_equal(ntsim_driver_unload(F->Upper), 0);
        assert_int_equal(ntsim_driver_unload(F->Lower), 0);
        if (ntsim_finding_count(F->Machine))
            ntsim_print_findings(stdout, F->Machine);
        assert_int_equal(ntsim_finding_count(F->Machine), 0);
    }
    ntsim_machine_destroy(F->Machine);
    free(F);
    return 0;
}

static int32_t Ioctl(Fixture *F, int Code, const void *In, size_t InLength, void *Out, size_t OutLength, size_t *Returned)
{
    return ntsim_ioctl(F->File, CODE(Code), In, InLength, Out, OutLength, Returned);
}

static void test_build_device_io_control_request(void **State)
{
    size_t Returned = 0;
    assert_int_equal(Ioctl(*State, UPPER_BUILD, NULL, 0, NULL, 0, &Returned), 0);
    assert_int_equal(Returned, 42);
}

static void test_forward_with_completion_routine(void **State)
{
    size_t Returned = 0;
    assert_int_equal(Ioctl(*State, UPPER_FORWARD, NULL, 0, NULL, 0, &Returned), 0);
    assert_int_equal(Returned, 1042);
    assert_int_equal(CompletionCalls, 1);
    assert_int_equal(SawPendingReturned, 0);
}

static void test_forward_pended_propagates_pending(void **State)
{
    Fixture *F = *State;
    ntsim_request *Request = NULL;
    assert_int_equal(ntsim_ioctl_async(F->File, CODE(UPPER_FORWARD), "p", 1, NULL, 0, &Request), STATUS_PENDING);
    assert_int_equal(CompletionCalls, 0);
    size_t Returned;
    assert_int_equal(Ioctl(F, LOWER_RELEASE + 0, NULL, 0, NULL, 0, &Returned), STATUS_INVALID_DEVICE_REQUEST);
    /* release through the lower device directly */
    ntsim_file *Lower;
    assert_int_equal(ntsim_open(F->Machine, "\\Device\\TestLower", &Lower), 0);
    assert_int_equal(ntsim_ioctl(Lower, CODE(LOWER_RELEASE), NULL, 0, NULL, 0, &Returned), 0);
    ntsim_close(Lower);
    int32_t Status = -1;
    size_t Information = 0;
    assert_true(ntsim_request_done(Request, &Status, &Information));
    assert_int_equal(Status, 0);
    assert_int_equal(Information, 1007);
    assert_int_equal(CompletionCalls, 1);
    assert_int_equal(SawPendingReturned, 1);
    ntsim_request_free(Request);
}

static void test_allocated_irp_more_processing_required(void **State)
{
    size_t Returned = 0;
    assert_int_equal(Ioctl(*State, UPPER_ALLOCATE, NULL, 0, NULL, 0, &Returned), 0);
    assert_int_equal(Returned, 42);
    assert_int_equal(CompletionCalls, 1);
}

static void test_reuse_and_initialize_irp(void **State)
{
    size_t Returned = 0;
    assert_int_equal(Ioctl(*State, UPPER_REUSE, NULL, 0, NULL, 0, &Returned), 0);
    assert_int_equal(Returned, 3 * 42);
    assert_int_equal(CompletionCalls, 3);
}

static void test_seh(void **State)
{
    SEH_RESULTS R;
    memset(&R, 0x55, sizeof(R));
    size_t Returned = 0;
    assert_int_equal(Ioctl(*State, UPPER_SEH, NULL, 0, &R, sizeof(R), &Returned), 0);
    assert_int_equal(Returned, sizeof(R));
    assert_int_equal(R.ProbeKernelPointer, STATUS_ACCESS_VIOLATION);
    assert_int_equal(R.ProbeMisaligned, STATUS_DATATYPE_MISALIGNMENT);
    assert_int_equal(R.RaiseCaught, STATUS_INVALID_PARAMETER);
    assert_int_equal(R.FinallyRan, 11);
    assert_int_equal(R.NestedRethrow, STATUS_ACCESS_DENIED);
}

static void ExpectBugCheck(Fixture *F, int Code, uint32_t BugCheck, uint64_t P1)
{
    size_t Returned;
    assert_int_equal(Ioctl(F, Code, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(F->Machine, &B));
    assert_int_equal(B.code, BugCheck);
    assert_int_equal(B.params[0], P1);
    assert_string_equal(B.driver, "upper");
    assert_non_null(strstr(B.site, "test_irp.c:"));
    /* the machine refuses further work, the host is fine */
    assert_int_equal(Ioctl(F, UPPER_BUILD, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
}

static void test_double_free_bugchecks(void **State)
{
    ExpectBugCheck(*State, UPPER_DOUBLE_FREE, 0xC2, 0x7);
}

static void test_tag_mismatch_bugchecks(void **State)
{
    ExpectBugCheck(*State, UPPER_TAG_MISMATCH, 0xC2, 0x0A);
}

static void test_overrun_bugchecks(void **State)
{
    Fixture *F = *State;
    size_t Returned;
    assert_int_equal(Ioctl(F, UPPER_OVERRUN, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(F->Machine, &B));
    assert_int_equal(B.code, 0xC1);
}

/* Bug check 0xC9's parameters are Driver Verifier's documented ones. */
static void test_complete_pending_is_c9_06(void **State)
{
    Fixture *F = *State;
    ExpectBugCheck(F, UPPER_COMPLETE_PENDING, 0xC9, 0x06);
    ntsim_bugcheck B;
    ntsim_machine_crashed(F->Machine, &B);
    assert_int_equal(B.params[1], 0x103); /* the status: STATUS_PENDING */
    assert_int_not_equal(B.params[2], 0); /* the IRP */
    /* the !analyze report names the subcode and each argument */
    char *Text = NULL;
    size_t Length = 0;
    FILE *Out = open_memstream(&Text, &Length);
    KiPrintAnalysis(Out);
    fclose(Out);
    assert_non_null(strstr(Text, "Subcode 0x6: IoCompleteRequest with a status marked pending"));
    assert_non_null(strstr(Text, "Arg2: 0000000000000103, the IRP's status"));
    free(Text);
}

static void test_complete_with_cancel_routine_is_c9_07(void **State)
{
    Fixture *F = *State;
    ExpectBugCheck(F, UPPER_COMPLETE_CANCEL, 0xC9, 0x07);
    ntsim_bugcheck B;
    ntsim_machine_crashed(F->Machine, &B);
    assert_int_equal(B.params[1], (uint64_t)(uintptr_t)UpperCancel);
    assert_int_not_equal(B.params[2], 0);
}

static void test_call_null_device_is_c9_04(void **State)
{
    ExpectBugCheck(*State, UPPER_CALL_NULL_DEVICE, 0xC9, 0x04);
}

static void test_double_completion_bugchecks(void **State)
{
    Fixture *F = *State;
    size_t Returned;
    assert_int_equal(Ioctl(F, UPPER_DOUBLE_COMPLETE, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(F->Machine, &B));
    assert_int_equal(B.code, 0x44);
    assert_string_equal(B.name, "MULTIPLE_IRP_COMPLETE_REQUESTS");
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test_setup_teardown(test_build_device_io_control_request, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_forward_with_completion_routine, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_forward_pended_propagates_pending, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_allocated_irp_more_processing_required, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_reuse_and_initialize_irp, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_seh, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_double_free_bugchecks, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_tag_mismatch_bugchecks, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_overrun_bugchecks, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_double_completion_bugchecks, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_complete_pending_is_c9_06, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_complete_with_cancel_routine_is_c9_07, Setup, Teardown),
        cmocka_unit_test_setup_teardown(test_call_null_device_is_c9_04, Setup, Teardown),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
