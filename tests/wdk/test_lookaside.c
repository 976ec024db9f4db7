/* wdk/lookaside - lookaside lists (NPAGED_LOOKASIDE_LIST, PAGED_LOOKASIDE_LIST,
 * LOOKASIDE_LIST_EX): allocation and free with the default and the driver's own
 * routines, the fault choke point, leak findings for lists and blocks, misuse. Each
 * test runs a scenario as the DriverEntry of a driver linked into this program. */
#include <ntddk.h>
#include "wdktest.h"

#define TAG 'kLdW'   /* "WdLk" in memory */
#define OTHER_TAG 'rtOW'

/* ---- the default routines ---- */

static NTSTATUS NPagedEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static NPAGED_LOOKASIDE_LIST List;
    ExInitializeNPagedLookasideList(&List, NULL, NULL, 0, 100, TAG, 0);
    if (List.L.Size != 100 || List.L.Tag != TAG || List.L.Type != NonPagedPool)
        return STATUS_UNSUCCESSFUL;
    PUCHAR Blocks[3];
    for (int i = 0; i < 3; i++) {
        Blocks[i] = ExAllocateFromNPagedLookasideList(&List);
        if (Blocks[i] == NULL)
            return STATUS_UNSUCCESSFUL + 1;
        RtlFillMemory(Blocks[i], 100, (UCHAR)i); /* the whole block is usable */
    }
    if (Blocks[0] == Blocks[1] || Blocks[1] == Blocks[2] || List.L.TotalAllocates != 3)
        return STATUS_UNSUCCESSFUL + 2;
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old); /* nonpaged lists work at DISPATCH_LEVEL */
    for (int i = 0; i < 3; i++)
        ExFreeToNPagedLookasideList(&List, Blocks[i]);
    KeLowerIrql(Old);
    if (List.L.TotalFrees != 3)
        return STATUS_UNSUCCESSFUL + 3;
    ExDeleteNPagedLookasideList(&List);
    return STATUS_DEVICE_NOT_READY; /* done: nothing to keep loaded */
}

static void test_npaged_default(void **state)
{
    (void)state;
    assert_status(run_entry("lanp", (ntsim_driver_entry)NPagedEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL)); /* every block and the list are gone */
}

/* ---- the driver's own routines ---- */

static ULONG Allocated, Freed;
static POOL_TYPE SeenType;
static PLOOKASIDE_LIST_EX SeenList;

static PVOID CustomAllocate(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag)
{
    Allocated++;
    SeenType = PoolType;
    return ExAllocatePoolWithTag(PoolType, NumberOfBytes, Tag);
}

static VOID CustomFree(PVOID Buffer)
{
    Freed++;
    ExFreePoolWithTag(Buffer, TAG);
}

static PVOID CustomAllocateEx(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PLOOKASIDE_LIST_EX Lookaside)
{
    SeenList = Lookaside;
    return CustomAllocate(PoolType, NumberOfBytes, Tag);
}

static VOID CustomFreeEx(PVOID Buffer, PLOOKASIDE_LIST_EX Lookaside)
{
    SeenList = Lookaside;
    CustomFree(Buffer);
}

static NTSTATUS CustomEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static PAGED_LOOKASIDE_LIST Paged;
    static LOOKASIDE_LIST_EX Ex;
    Allocated = Freed = 0;
    ExInitializePagedLookasideList(&Paged, CustomAllocate, CustomFree, 0, 32, TAG, 0);
    PVOID P = ExAllocateFromPagedLookasideList(&Paged);
    if (P == NULL || Allocated != 1 || SeenType != PagedPool)
        return STATUS_UNSUCCESSFUL;
    ExFreeToPagedLookasideList(&Paged, P);
    if (Freed != 1)
        return STATUS_UNSUCCESSFUL + 1;
    ExDeletePagedLookasideList(&Paged);
    if (!NT_SUCCESS(ExInitializeLookasideListEx(&Ex, CustomAllocateEx, CustomFreeEx, NonPagedPoolNx, 0, 48, TAG, 0)))
        return STATUS_UNSUCCESSFUL + 2;
    P = ExAllocateFromLookasideListEx(&Ex);
    if (P == NULL || Allocated != 2 || SeenList != &Ex || SeenType != NonPagedPoolNx)
        return STATUS_UNSUCCESSFUL + 3;
    SeenList = NULL;
    ExFreeToLookasideListEx(&Ex, P);
    if (Freed != 2 || SeenList != &Ex)
        return STATUS_UNSUCCESSFUL + 4;
    ExFlushLookasideListEx(&Ex);
    ExDeleteLookasideListEx(&Ex);
    return STATUS_DEVICE_NOT_READY;
}

static void test_custom_routines(void **state)
{
    (void)state;
    assert_status(run_entry("lacustom", (ntsim_driver_entry)CustomEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL));
}

/* ---- LOOKASIDE_LIST_EX parameters ---- */

static NTSTATUS ExParametersEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static LOOKASIDE_LIST_EX Ex;
    if (ExInitializeLookasideListEx(&Ex, NULL, NULL, NonPagedPoolNx, 0, 16, TAG, 1) != STATUS_INVALID_PARAMETER_8)
        return STATUS_UNSUCCESSFUL; /* Depth is reserved */
    if (ExInitializeLookasideListEx(&Ex, NULL, NULL, NonPagedPoolNx,
                                    EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL | EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE,
                                    16, TAG, 0) != STATUS_INVALID_PARAMETER_5)
        return STATUS_UNSUCCESSFUL + 1;
    if (ExInitializeLookasideListEx(&Ex, NULL, NULL, (POOL_TYPE)77, 0, 16, TAG, 0) != STATUS_INVALID_PARAMETER_4)
        return STATUS_UNSUCCESSFUL + 2;
    if (ExInitializeLookasideListEx(&Ex, NULL, NULL, PagedPool, 0, 0, TAG, 0) != STATUS_INVALID_PARAMETER_6)
        return STATUS_UNSUCCESSFUL + 3;
    return STATUS_DEVICE_NOT_READY;
}

static void test_ex_parameters(void **state)
{
    (void)state;
    assert_status(run_entry("laparams", (ntsim_driver_entry)ExParametersEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_null(find("FL-01", NULL)); /* a refused initialisation leaves nothing behind */
}

/* ---- fault injection ---- */

static NTSTATUS FaultEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static NPAGED_LOOKASIDE_LIST List;
    ExInitializeNPagedLookasideList(&List, NULL, NULL, 0, 64, TAG, 0);
    PVOID First = ExAllocateFromNPagedLookasideList(&List); /* point 1: fails */
    PVOID Second = ExAllocateFromNPagedLookasideList(&List); /* point 2: succeeds */
    NTSTATUS Status = First == NULL && Second != NULL ? STATUS_DEVICE_NOT_READY : STATUS_UNSUCCESSFUL;
    if (Second)
        ExFreeToNPagedLookasideList(&List, Second);
    ExDeleteNPagedLookasideList(&List);
    return Status;
}

static void test_allocation_is_failable(void **state)
{
    (void)state;
    assert_int_equal(ntsim_fault_configure_string(M, "nth=1"), 0);
    assert_status(run_entry("lafault", (ntsim_driver_entry)FaultEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_int_equal(ntsim_fault_point_count(M), 2);
    const ntsim_fault_point *p = ntsim_fault_point_at(M, 0);
    assert_string_equal(p->ddi, "ExAllocateFromNPagedLookasideList");
    assert_string_equal(p->fault_class, "pool");
    assert_non_null(strstr(p->site, "test_lookaside.c"));
    assert_true(p->injected);
    assert_false(ntsim_fault_point_at(M, 1)->injected);
    assert_null(find("FL-01", NULL));
}

/* EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL: a failed allocation raises
 * STATUS_INSUFFICIENT_RESOURCES instead of returning NULL. */
static NTSTATUS RaiseEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static LOOKASIDE_LIST_EX Ex;
    if (!NT_SUCCESS(ExInitializeLookasideListEx(&Ex, NULL, NULL, NonPagedPoolNx,
                                                EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL, 16, TAG, 0)))
        return STATUS_UNSUCCESSFUL;
    NTSTATUS Raised = STATUS_SUCCESS;
    PVOID Block = NULL;
    __try {
        Block = ExAllocateFromLookasideListEx(&Ex); /* fault point 2: injected */
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        Raised = GetExceptionCode();
    }
    ExDeleteLookasideListEx(&Ex);
    return Block == NULL && Raised == STATUS_INSUFFICIENT_RESOURCES ? STATUS_DEVICE_NOT_READY : STATUS_UNSUCCESSFUL + 1;
}

static void test_raise_on_failure(void **state)
{
    (void)state;
    assert_int_equal(ntsim_fault_configure_string(M, "nth=2"), 0);
    assert_status(run_entry("laraise", (ntsim_driver_entry)RaiseEntry, NULL), STATUS_DEVICE_NOT_READY);
    assert_string_equal(ntsim_fault_point_at(M, 0)->ddi, "ExInitializeLookasideListEx");
    assert_string_equal(ntsim_fault_point_at(M, 1)->ddi, "ExAllocateFromLookasideListEx");
}

/* ---- leaks ---- */

static int LeakLine;

static NTSTATUS LeakEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static NPAGED_LOOKASIDE_LIST List;
    LeakLine = __LINE__ + 1;
    ExInitializeNPagedLookasideList(&List, NULL, NULL, 0, 24, TAG, 0);
    if (ExAllocateFromNPagedLookasideList(&List) == NULL) /* never freed either */
        return STATUS_INSUFFICIENT_RESOURCES;
    return STATUS_UNSUCCESSFUL; /* fails without deleting the list */
}

static void test_undeleted_list_is_a_leak(void **state)
{
    (void)state;
    assert_status(run_entry("laleak", (ntsim_driver_entry)LeakEntry, NULL), STATUS_UNSUCCESSFUL);
    const ntsim_finding *list = find("FL-01", "NPAGED_LOOKASIDE_LIST");
    assert_non_null(list);
    assert_non_null(strstr(list->message, "ExDeleteNPagedLookasideList"));
    assert_non_null(strstr(list->message, "1 of its blocks still allocated"));
    char site[1024];
    snprintf(site, sizeof(site), "%s:%d", __FILE__, LeakLine);
    assert_string_equal(list->site, site);
    const ntsim_finding *block = find("FL-01", "pool block of 24 bytes, tag 'WdLk'");
    assert_non_null(block); /* the block the driver allocated and kept, with its line */
    snprintf(site, sizeof(site), "%s:%d", __FILE__, LeakLine + 1);
    assert_string_equal(block->site, site);
}

static PAGED_LOOKASIDE_LIST UnloadList;

static VOID LeakUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* forgets ExDeletePagedLookasideList */
}

static NTSTATUS Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS UnloadLeakEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    ExInitializePagedLookasideList(&UnloadList, NULL, NULL, 0, 40, TAG, 0);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Dispatch;
    DriverObject->DriverUnload = LeakUnload;
    return STATUS_SUCCESS;
}

static void test_unload_without_delete(void **state)
{
    (void)state;
    ntsim_driver *d = NULL;
    assert_status(run_entry("launload", (ntsim_driver_entry)UnloadLeakEntry, &d), 0);
    assert_null(find("IO-04", NULL));
    assert_int_equal(ntsim_driver_unload(d), 0);
    const ntsim_finding *f = find("IO-04", "PAGED_LOOKASIDE_LIST");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "ExDeletePagedLookasideList"));
}

/* ---- misuse ---- */

static NTSTATUS UseAfterDeleteEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static NPAGED_LOOKASIDE_LIST List;
    ExInitializeNPagedLookasideList(&List, NULL, NULL, 0, 16, TAG, 0);
    ExDeleteNPagedLookasideList(&List);
    ExAllocateFromNPagedLookasideList(&List); /* bug check */
    return STATUS_UNSUCCESSFUL;
}

static void test_use_after_delete(void **state)
{
    (void)state;
    assert_int_equal(run_entry("ladeleted", (ntsim_driver_entry)UseAfterDeleteEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "not a lookaside list"));
    assert_non_null(strstr(bc.site, "test_lookaside.c"));
}

static NTSTATUS WrongListEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static NPAGED_LOOKASIDE_LIST A, B;
    ExInitializeNPagedLookasideList(&A, NULL, NULL, 0, 16, TAG, 0);
    ExInitializeNPagedLookasideList(&B, NULL, NULL, 0, 16, OTHER_TAG, 0);
    PVOID Block = ExAllocateFromNPagedLookasideList(&A);
    ExFreeToNPagedLookasideList(&B, Block); /* bug check: the block is A's */
    return STATUS_UNSUCCESSFUL;
}

static void test_free_to_wrong_list(void **state)
{
    (void)state;
    assert_int_equal(run_entry("lawrong", (ntsim_driver_entry)WrongListEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC2);
    assert_non_null(strstr(bc.explanation, "ExFreeToNPagedLookasideList"));
}

static NTSTATUS PagedAtDispatchEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    static PAGED_LOOKASIDE_LIST List;
    ExInitializePagedLookasideList(&List, NULL, NULL, 0, 16, TAG, 0);
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    ExAllocateFromPagedLookasideList(&List); /* bug check: paged at DISPATCH_LEVEL */
    KeLowerIrql(Old);
    return STATUS_UNSUCCESSFUL;
}

static void test_paged_at_dispatch(void **state)
{
    (void)state;
    assert_int_equal(run_entry("lairql", (ntsim_driver_entry)PagedAtDispatchEntry, NULL), NTSIM_E_CRASHED);
    ntsim_bugcheck bc = expect_bugcheck(0xC4);
    assert_non_null(strstr(bc.explanation, "ExAllocateFromPagedLookasideList"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_npaged_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_routines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ex_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_is_failable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raise_on_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_undeleted_list_is_a_leak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unload_without_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_use_after_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_to_wrong_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paged_at_dispatch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
