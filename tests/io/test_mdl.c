/* test_mdl.c - MDLs from a driver: partial MDLs, nonpaged-pool MDLs, probe and lock
 * of user and kernel buffers, and the bug check for freeing an MDL with locked pages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <wdm.h>
#include <ntsim/ntsim.h>

#define CODE(n) CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900 + (n), METHOD_NEITHER, FILE_ANY_ACCESS)

static struct {
    NTSTATUS KernelProbe;
    ULONG PartialOffset, PartialCount;
    PVOID PartialVa;
    BOOLEAN PoolMapped;
    UCHAR UserByte;
    ULONG CreatedCount, Major, Build;
} R;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS Dispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction != IRP_MJ_DEVICE_CONTROL)
        return Complete(Irp, STATUS_SUCCESS);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    PVOID User = Irp->UserBuffer;
    ULONG Length = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    if (Code == CODE(1)) {
        /* lock the user buffer, map it, write through the mapping */
        PMDL Mdl = IoAllocateMdl(User, Length, FALSE, FALSE, NULL);
        __try {
            MmProbeAndLockPages(Mdl, UserMode, IoWriteAccess);
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            IoFreeMdl(Mdl);
            return Complete(Irp, GetExceptionCode());
        }
        PUCHAR Mapped = MmGetSystemAddressForMdlSafe(Mdl, NormalPagePriority);
        Mapped[0] = 0x5A;
        /* a partial MDL of bytes 3..6 */
        PMDL Partial = IoAllocateMdl(Mapped, Length, FALSE, FALSE, NULL);
        IoBuildPartialMdl(Mdl, Partial, (PUCHAR)MmGetMdlVirtualAddress(Mdl) + 3, 4);
        R.PartialCount = MmGetMdlByteCount(Partial);
        R.PartialVa = MmGetMdlVirtualAddress(Partial);
        R.PartialOffset = (ULONG)((PUCHAR)R.PartialVa - (PUCHAR)User);
        IoFreeMdl(Partial);
        MmUnlockPages(Mdl);
        IoFreeMdl(Mdl);
        /* kernel memory probed as user memory is refused */
        UCHAR Kernel[32];
        PMDL Bad = IoAllocateMdl(Kernel, sizeof(Kernel), FALSE, FALSE, NULL);
        __try {
            MmProbeAndLockPages(Bad, UserMode, IoReadAccess);
            R.KernelProbe = STATUS_SUCCESS;
        } __except (EXCEPTION_EXECUTE_HANDLER) {
            R.KernelProbe = GetExceptionCode();
        }
        IoFreeMdl(Bad);
        /* the obsolete MmCreateMdl still works */
        PMDL Created = MmCreateMdl(NULL, User, Length);
        R.CreatedCount = MmGetMdlByteCount(Created);
        IoFreeMdl(Created);
        PsGetVersion(&R.Major, NULL, &R.Build, NULL);
        /* nonpaged pool described and mapped without locking */
        PVOID Pool = ExAllocatePoolWithTag(NonPagedPoolNx, 64, 'ldMT');
        PMDL PoolMdl = IoAllocateMdl(Pool, 64, FALSE, FALSE, NULL);
        MmBuildMdlForNonPagedPool(PoolMdl);
        R.PoolMapped = MmGetSystemAddressForMdlSafe(PoolMdl, NormalPagePriority) == Pool;
        IoFreeMdl(PoolMdl);
        ExFreePoolWithTag(Pool, 'ldMT');
        return Complete(Irp, STATUS_SUCCESS);
    }
    if (Code == CODE(2)) {
        PMDL Mdl = IoAllocateMdl(User, Length, FALSE, FALSE, NULL);
        MmProbeAndLockPages(Mdl, UserMode, IoReadAccess);
        IoFreeMdl(Mdl); /* pages still locked */
    }
    if (Code == CODE(3)) {
        PMDL Leaked = IoAllocateMdl(User, Length, FALSE, FALSE, NULL);
        UNREFERENCED_PARAMETER(Leaked);
        return Complete(Irp, STATUS_SUCCESS);
    }
    return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST);
}

static VOID Unload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS Entry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\MdlTest");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    for (int i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = Dispatch;
    DriverObject->DriverUnload = Unload;
    return STATUS_SUCCESS;
}

static ntsim_machine *Machine;
static ntsim_driver *Driver;
static ntsim_file *File;

static void Start(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    Machine = ntsim_machine_create(&Config);
    int32_t Status;
    assert_int_equal(ntsim_driver_load_entry(Machine, "mdltest", (ntsim_driver_entry)Entry, &Driver, &Status), 0);
    assert_int_equal(Status, 0);
    assert_int_equal(ntsim_open(Machine, "\\Device\\MdlTest", &File), 0);
}

static void test_mdl_operations(void **State)
{
    (void)State;
    Start();
    unsigned char Buffer[16] = { 0 };
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, CODE(1), NULL, 0, Buffer, sizeof(Buffer), &Returned), 0);
    assert_int_equal(R.KernelProbe, STATUS_ACCESS_VIOLATION);
    assert_int_equal(R.PartialOffset, 3);
    assert_int_equal(R.PartialCount, 4);
    assert_true(R.PoolMapped);
    assert_int_equal(R.CreatedCount, sizeof(Buffer));
    assert_int_equal(R.Major, 10);
    assert_int_equal(R.Build, 19045);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    assert_int_equal(ntsim_finding_count(Machine), 0);
    ntsim_machine_destroy(Machine);
}

static void test_free_locked_mdl_bugchecks(void **State)
{
    (void)State;
    Start();
    unsigned char Buffer[16];
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, CODE(2), NULL, 0, Buffer, sizeof(Buffer), &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck B;
    assert_true(ntsim_machine_crashed(Machine, &B));
    assert_int_equal(B.code, 0xCB);
    assert_non_null(strstr(B.site, "test_mdl.c:"));
    ntsim_machine_destroy(Machine);
}

static void test_leaked_mdl_is_reported_at_unload(void **State)
{
    (void)State;
    Start();
    unsigned char Buffer[16];
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, CODE(3), NULL, 0, Buffer, sizeof(Buffer), &Returned), 0);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    assert_int_equal(ntsim_count_rule(Machine, "IO-04"), 1);
    const ntsim_finding *F = ntsim_finding_at(Machine, 0);
    assert_non_null(strstr(F->message, "MDL"));
    assert_non_null(strstr(F->site, "test_mdl.c:"));
    ntsim_machine_destroy(Machine);
}

int main(void)
{
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_mdl_operations),
        cmocka_unit_test(test_free_locked_mdl_bugchecks),
        cmocka_unit_test(test_leaked_mdl_is_reported_at_unload),
    };
    return cmocka_run_group_tests(Tests, NULL, NULL);
}
