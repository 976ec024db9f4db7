/* test_machine_reuse.c - what a persistent sweep's worker keeps from one machine to the
 * next (docs/faults.md, "What a worker keeps between runs") leaves every machine exactly as a
 * fresh one: the registry copied from the template equals the one built step by step
 * (keys, values, order, last-write times, the write clock that goes on from there),
 * and a special pool slot used by an earlier machine reads as a fresh mapping. The
 * drivers are linked into this file. */
#include <ntddk.h>

#include <dirent.h>
#include <signal.h>

#include "ntsim_test.h"

/* White-box: sim/host/machine.c (set by a persistent sweep's worker). */
extern BOOLEAN NtsimPersistentWorker;

/* ---- the registry: text of the whole tree and write times seen by a driver ---- */

typedef struct {
    LARGE_INTEGER Adapter; /* HARDWARE\DESCRIPTION\System\MultifunctionAdapter\0 (made by machine creation) */
    LARGE_INTEGER Created; /* a key this driver creates: the write clock after creation */
    NTSTATUS Status;
} TIMES_SEEN;

static TIMES_SEEN Seen;

static NTSTATUS QueryWriteTime(HANDLE Key, LARGE_INTEGER *Time)
{
    UCHAR Buffer[sizeof(KEY_BASIC_INFORMATION) + 64 * sizeof(WCHAR)];
    ULONG Length = 0;
    NTSTATUS Status = ZwQueryKey(Key, KeyBasicInformation, Buffer, sizeof(Buffer), &Length);
    if (NT_SUCCESS(Status))
        *Time = ((PKEY_BASIC_INFORMATION)Buffer)->LastWriteTime;
    return Status;
}

static NTSTATUS OpenOrCreate(PCWSTR Path, BOOLEAN Create, HANDLE *Key)
{
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    RtlInitUnicodeString(&Name, Path);
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    if (Create)
        return ZwCreateKey(Key, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_VOLATILE, NULL);
    return ZwOpenKey(Key, KEY_READ, &Attributes);
}

static VOID TimesUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

static NTSTATUS TimesEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = TimesUnload;
    HANDLE Key;
    Seen.Status = OpenOrCreate(L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0", FALSE,
                               &Key);
    if (!NT_SUCCESS(Seen.Status))
        return STATUS_SUCCESS;
    Seen.Status = QueryWriteTime(Key, &Seen.Adapter);
    ZwClose(Key);
    if (!NT_SUCCESS(Seen.Status))
        return STATUS_SUCCESS;
    Seen.Status = OpenOrCreate(L"\\Registry\\Machine\\SOFTWARE\\ReuseTest", TRUE, &Key);
    if (!NT_SUCCESS(Seen.Status))
        return STATUS_SUCCESS;
    Seen.Status = QueryWriteTime(Key, &Seen.Created);
    ZwDeleteKey(Key);
    ZwClose(Key);
    return STATUS_SUCCESS;
}

/* One machine: the exported registry (the caller frees it) and the times the driver saw. */
static char *MachineRegistry(TIMES_SEEN *Times)
{
    ntsim_machine *Machine = TestMachine();
    char *Text = ntsim_reg_export_text(Machine, "\\Registry");
    assert_non_null(Text);
    ntsim_driver *Driver = NULL;
    int32_t Status = -1;
    memset(&Seen, 0, sizeof(Seen));
    assert_int_equal(ntsim_driver_load_entry(Machine, "reusetimes", (ntsim_driver_entry)TimesEntry, &Driver, &Status),
                     0);
    assert_int_equal(Status, STATUS_SUCCESS);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    assert_int_equal(Seen.Status, STATUS_SUCCESS);
    *Times = Seen;
    ntsim_machine_destroy(Machine);
    return Text;
}

/* Rounds machines in a row: each has the registry Expected of a fresh build, with its
 * write times. */
static void AssertMachinesMatch(const char *Expected, const TIMES_SEEN *Fresh, int Rounds)
{
    TIMES_SEEN Times;
    for (int Round = 0; Round < Rounds; Round++) {
        char *Text = MachineRegistry(&Times);
        if (strcmp(Text, Expected) != 0)
            fail_msg("round %d: the registry differs from a fresh build:\n%s\n----\n%s", Round, Text, Expected);
        assert_int_equal(Times.Adapter.QuadPart, Fresh->Adapter.QuadPart);
        assert_int_equal(Times.Created.QuadPart, Fresh->Created.QuadPart);
        free(Text);
    }
}

/* Built step by step, then (templates on) built once and kept, then copied twice: the
 * same tree, the same write times, and the clock goes on from the same value. */
static void test_registry_template_equals_fresh_build(void **State)
{
    (void)State;
    TIMES_SEEN Fresh;
    NtsimPersistentWorker = FALSE;
    char *Expected = MachineRegistry(&Fresh);
    assert_non_null(strstr(Expected, "SerialController")); /* the devices' description is in it */
    assert_true(Fresh.Created.QuadPart > Fresh.Adapter.QuadPart);
    NtsimPersistentWorker = TRUE;
    AssertMachinesMatch(Expected, &Fresh, 3); /* round 0 builds the template, 1 and 2 copy it */
    NtsimPersistentWorker = FALSE;
    free(Expected);
}

/* A machine with its own device list is not the default PC: it never takes the
 * default PC's template (its registry describes its own devices). */
static void test_template_only_for_default_pc(void **State)
{
    (void)State;
    TIMES_SEEN Times;
    NtsimPersistentWorker = TRUE;
    free(MachineRegistry(&Times)); /* the default PC's template exists now */
    static const char *const Devices[] = { "uart16550,io=0x2F8,irq=3", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    char *Text = ntsim_reg_export_text(Machine, "\\Registry\\Machine\\HARDWARE\\DESCRIPTION");
    assert_non_null(Text);
    assert_null(strstr(Text, "ParallelController")); /* the default PC has one, this machine none */
    assert_non_null(strstr(Text, "SerialController"));
    free(Text);
    ntsim_machine_destroy(Machine);
    NtsimPersistentWorker = FALSE;
}

/* ---- a copy of the template changed every way a driver can, then the next machine ---- */

static NTSTATUS MutateStatus;

static NTSTATUS MutateKey(void)
{
    HANDLE Adapter, Serial;
    NTSTATUS Status = OpenOrCreate(L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0", FALSE,
                                   &Adapter);
    if (!NT_SUCCESS(Status))
        return Status;
    UNICODE_STRING Name;
    OBJECT_ATTRIBUTES Attributes;
    HANDLE Extra;
    RtlInitUnicodeString(&Name, L"Extra");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, Adapter, NULL);
    Status = ZwCreateKey(&Extra, KEY_ALL_ACCESS, &Attributes, 0, NULL, REG_OPTION_VOLATILE, NULL); /* subkeys grow */
    if (NT_SUCCESS(Status))
        ZwClose(Extra);
    ULONG Value = 7;
    for (int i = 0; NT_SUCCESS(Status) && i < 6; i++) { /* values grow past the copied array */
        WCHAR Text[8] = L"ExtraN";
        Text[5] = (WCHAR)('0' + i);
        RtlInitUnicodeString(&Name, Text);
        Status = ZwSetValueKey(Adapter, &Name, 0, REG_DWORD, &Value, sizeof(Value));
    }
    RtlInitUnicodeString(&Name, L"Identifier");
    if (NT_SUCCESS(Status))
        Status = ZwSetValueKey(Adapter, &Name, 0, REG_SZ, L"changed", sizeof(L"changed"));
    RtlInitUnicodeString(&Name, L"Component Information");
    if (NT_SUCCESS(Status))
        Status = ZwDeleteValueKey(Adapter, &Name);
    ZwClose(Adapter);
    if (!NT_SUCCESS(Status))
        return Status;
    /* a copied key deleted while a handle still points at it: it outlives the tree */
    Status = OpenOrCreate(L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0\\SerialController\\0",
                          FALSE, &Serial);
    if (!NT_SUCCESS(Status))
        return Status;
    HANDLE Writable;
    RtlInitUnicodeString(&Name, L"\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System\\MultifunctionAdapter\\0\\SerialController\\0");
    InitializeObjectAttributes(&Attributes, &Name, OBJ_CASE_INSENSITIVE | OBJ_KERNEL_HANDLE, NULL, NULL);
    Status = ZwOpenKey(&Writable, KEY_ALL_ACCESS, &Attributes);
    if (NT_SUCCESS(Status)) {
        Status = ZwDeleteKey(Writable);
        ZwClose(Writable);
    }
    LARGE_INTEGER Time;
    if (NT_SUCCESS(Status))
        Status = QueryWriteTime(Serial, &Time) == STATUS_KEY_DELETED ? STATUS_SUCCESS : STATUS_UNSUCCESSFUL;
    ZwClose(Serial);
    return Status;
}

static NTSTATUS MutateEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->DriverUnload = TimesUnload;
    MutateStatus = MutateKey();
    return STATUS_SUCCESS;
}

/* A worker's machine changes its copy of the template (keys and values added past the
 * copied arrays, a copied value replaced and one deleted, a copied key deleted while a
 * handle holds it): the next machine's registry is still the fresh build's. */
static void test_changed_copy_leaves_next_machine_pristine(void **State)
{
    (void)State;
    TIMES_SEEN Fresh, Times;
    NtsimPersistentWorker = FALSE;
    char *Expected = MachineRegistry(&Fresh);
    NtsimPersistentWorker = TRUE;
    free(MachineRegistry(&Times)); /* the template exists */
    for (int Round = 0; Round < 2; Round++) {
        ntsim_machine *Machine = TestMachine();
        ntsim_driver *Driver = NULL;
        int32_t Status = -1;
        MutateStatus = STATUS_UNSUCCESSFUL;
        assert_int_equal(ntsim_driver_load_entry(Machine, "reusemutate", (ntsim_driver_entry)MutateEntry, &Driver, &Status), 0);
        assert_int_equal(Status, STATUS_SUCCESS);
        assert_int_equal(MutateStatus, STATUS_SUCCESS);
        char *Changed = ntsim_reg_export_text(Machine, "\\Registry");
        assert_non_null(Changed);
        assert_non_null(strstr(Changed, "Extra5"));
        assert_string_not_equal(Changed, Expected);
        free(Changed);
        ntsim_machine_destroy(Machine); /* the driver still loaded: torn down with the machine */
        char *Text = MachineRegistry(&Times);
        if (strcmp(Text, Expected) != 0)
            fail_msg("round %d: the registry differs from a fresh build:\n%s\n----\n%s", Round, Text, Expected);
        free(Text);
    }
    NtsimPersistentWorker = FALSE;
    free(Expected);
}

/* White-box: sim/cm/tree.c; NtsimPrepareWorkerTemplate is declared by sim/ntsimp.h. */
void CmpDropTemplate(void);
void NtsimPrepareWorkerTemplate(void);

/* The handler the process has for SIGSEGV now. */
static void *CurrentSegvHandler(void)
{
    struct sigaction Current;
    sigaction(SIGSEGV, NULL, &Current);
    return (Current.sa_flags & SA_SIGINFO) ? (void *)Current.sa_sigaction : (void *)Current.sa_handler;
}

/* Threads of this process, where the system tells (Linux: /proc/self/task); -1 elsewhere. */
static int ThreadCount(void)
{
    DIR *Tasks = opendir("/proc/self/task");
    if (Tasks == NULL)
        return -1;
    int Count = 0;
    for (struct dirent *Entry; (Entry = readdir(Tasks)) != NULL;)
        Count += Entry->d_name[0] != '.';
    closedir(Tasks);
    return Count;
}

/* A sweep's parent builds the template before it forks (no machine of its own): the
 * machines that copy it have the registry of a fresh build, and the parent is left
 * with no machine, no fault handler of ours, no thread more, nothing but the template. */
static void test_prepared_template_equals_fresh_build(void **State)
{
    (void)State;
    TIMES_SEEN Fresh;
    NtsimPersistentWorker = FALSE;
    char *Expected = MachineRegistry(&Fresh);
    CmpDropTemplate();
    void *Before = CurrentSegvHandler();
    int Threads = ThreadCount();
    NtsimPrepareWorkerTemplate();
    assert_null(ntsim_current_machine());
    assert_ptr_equal(CurrentSegvHandler(), Before);
    assert_int_equal(ThreadCount(), Threads); /* the thread it makes to warm the library is joined */
    NtsimPersistentWorker = TRUE;
    AssertMachinesMatch(Expected, &Fresh, 2);
    NtsimPersistentWorker = FALSE;
    free(Expected);
}

/* ---- fault handlers: a worker installs them once, and again after any change ---- */

static void HostHandler(int Signal)
{
    (void)Signal;
}

static NTSTATUS NothingEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}

/* A worker's machines keep ntsim's handler from one to the next; when the host puts
 * its own in (between machines, or between creation and a load), the next machine or
 * load takes ours back, as it does outside workers. */
static void test_worker_keeps_fault_handlers_until_changed(void **State)
{
    (void)State;
    NtsimPersistentWorker = TRUE;
    ntsim_machine *Machine = TestMachine();
    void *Ours = CurrentSegvHandler();
    assert_ptr_not_equal(Ours, (void *)HostHandler);
    ntsim_machine_destroy(Machine);
    assert_ptr_equal(CurrentSegvHandler(), Ours); /* kept between a worker's machines */
    void (*Previous)(int) = signal(SIGSEGV, HostHandler);
    Machine = TestMachine();
    assert_ptr_equal(CurrentSegvHandler(), Ours);
    signal(SIGSEGV, HostHandler);
    int32_t Status = 0;
    assert_int_equal(ntsim_driver_load_entry(Machine, "reusesignals", (ntsim_driver_entry)NothingEntry, NULL, &Status),
                     0);
    assert_int_equal(Status, STATUS_DEVICE_CONFIGURATION_ERROR);
    assert_ptr_equal(CurrentSegvHandler(), Ours);
    NtsimPersistentWorker = FALSE;
    ntsim_machine_destroy(Machine); /* outside a worker: the host's handler comes back */
    assert_ptr_equal(CurrentSegvHandler(), (void *)HostHandler);
    signal(SIGSEGV, Previous);
}

/* ---- special pool: a slot an earlier machine used reads as a fresh mapping ---- */

typedef struct {
    ULONG_PTR Page[2];     /* the first page of each block: a one-page and a two-page block */
    BOOLEAN PageClean[2];  /* the bytes before the pool header read zero */
    BOOLEAN Allocated;
} POOL_SEEN;

static POOL_SEEN PoolSeen;

#define REUSE_TAG 'esuR'

/* Allocate Size bytes, look at the first bytes of the block's first page (overrun
 * layout: the block ends where its pages end, its header right before it; the pages'
 * first bytes belong to nobody), leave a pattern there, free. */
static BOOLEAN Scribble(SIZE_T Size, int Index)
{
    UCHAR *Block = ExAllocatePoolWithTag(NonPagedPoolNx, Size, REUSE_TAG);
    if (Block == NULL)
        return FALSE;
    UCHAR *Page = (UCHAR *)(((ULONG_PTR)Block + Size - 1) & ~(ULONG_PTR)(PAGE_SIZE - 1));
    if (Size > PAGE_SIZE)
        Page -= PAGE_SIZE;
    PoolSeen.Page[Index] = (ULONG_PTR)Page;
    PoolSeen.PageClean[Index] = TRUE;
    for (int i = 0; i < 256; i++)
        if (Page[i] != 0)
            PoolSeen.PageClean[Index] = FALSE;
    RtlFillMemory(Page, 256, 0xAB); /* left for whoever gets this page next */
    ExFreePoolWithTag(Block, REUSE_TAG);
    return TRUE;
}

static NTSTATUS ScribbleEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    PoolSeen.Allocated = Scribble(24, 0) && Scribble(6000, 1);
    return STATUS_DEVICE_CONFIGURATION_ERROR; /* nothing left behind: a failed load */
}

static void ScribbleOnce(POOL_SEEN *Out)
{
    ntsim_machine *Machine = TestMachine();
    int32_t Status = 0;
    memset(&PoolSeen, 0, sizeof(PoolSeen));
    assert_int_equal(ntsim_driver_load_entry(Machine, "reusepool", (ntsim_driver_entry)ScribbleEntry, NULL, &Status), 0);
    assert_int_equal(Status, STATUS_DEVICE_CONFIGURATION_ERROR);
    assert_true(PoolSeen.Allocated);
    *Out = PoolSeen;
    ntsim_machine_destroy(Machine);
}

/* Two machines one after the other: each found its special pool pages clean, and the
 * second got the pages the first one scribbled on, cleared. */
static void AssertSlotsReusedClean(void)
{
    POOL_SEEN First, Second;
    ScribbleOnce(&First);
    ScribbleOnce(&Second);
    for (int i = 0; i < 2; i++) {
        assert_true(First.PageClean[i]);
        assert_int_equal(Second.Page[i], First.Page[i]);
        assert_true(Second.PageClean[i]);
    }
}

static void test_special_pool_slot_reused_as_fresh(void **State)
{
    (void)State;
    AssertSlotsReusedClean();
}

/* First in this process: the chunk a sweep's parent maps before forking
 * (NtsimPrepareWorkerTemplate) serves the first machines as any kept chunk does: clean
 * pages, the same slots again for the next machine, cleared. */
static void test_prepared_chunk_serves_first_machines(void **State)
{
    (void)State;
    NtsimPrepareWorkerTemplate();
    assert_null(ntsim_current_machine());
    AssertSlotsReusedClean();
}

/* The kept chunks are laid out for one mode: a machine of the other mode (underrun: the
 * guard page before the block) gets chunks of its own layout, and back again. */
static ULONG_PTR LayoutOffset;

static NTSTATUS LayoutEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    UCHAR *Block = ExAllocatePoolWithTag(NonPagedPoolNx, 24, REUSE_TAG);
    if (Block == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    LayoutOffset = (ULONG_PTR)Block & (PAGE_SIZE - 1);
    ExFreePoolWithTag(Block, REUSE_TAG);
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}

static ULONG_PTR BlockOffsetIn(int SpecialPool)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .special_pool = SpecialPool };
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    int32_t Status = 0;
    LayoutOffset = 1; /* no block is at an odd address */
    assert_int_equal(ntsim_driver_load_entry(Machine, "reuselayout", (ntsim_driver_entry)LayoutEntry, NULL, &Status), 0);
    assert_int_equal(Status, STATUS_DEVICE_CONFIGURATION_ERROR);
    ntsim_machine_destroy(Machine);
    return LayoutOffset;
}

static void test_special_pool_layout_follows_the_machine(void **State)
{
    (void)State;
    for (int Round = 0; Round < 2; Round++) {
        assert_int_equal(BlockOffsetIn(1), PAGE_SIZE - 32); /* overrun: the block ends at the guard page */
        assert_int_equal(BlockOffsetIn(1), PAGE_SIZE - 32);
        assert_int_equal(BlockOffsetIn(2), 0);              /* underrun: it starts right after it */
        assert_int_equal(BlockOffsetIn(2), 0);
    }
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_prepared_chunk_serves_first_machines), /* first: no chunk mapped yet */
        cmocka_unit_test(test_registry_template_equals_fresh_build),
        cmocka_unit_test(test_template_only_for_default_pc),
        cmocka_unit_test(test_prepared_template_equals_fresh_build),
        cmocka_unit_test(test_changed_copy_leaves_next_machine_pristine),
        cmocka_unit_test(test_worker_keeps_fault_handlers_until_changed),
        cmocka_unit_test(test_special_pool_slot_reused_as_fresh),
        cmocka_unit_test(test_special_pool_layout_follows_the_machine),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
