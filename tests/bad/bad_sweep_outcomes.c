/* bad_sweep_outcomes.c - a driver whose failure paths go wrong in every way a sweep
 * must survive: the first allocation unchecked (a NULL dereference: bug check), the
 * second failing into a wait nothing can end (a hang), the third killing the process
 * (a crash of the run itself). */
#include <ntddk.h>
#include <signal.h>

typedef struct _CONFIG {
    ULONG Value;
} CONFIG, *PCONFIG;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD OutcomesUnload;

NTSIM_ALLOW_HOST_IMPORT(raise); /* killing the run on purpose: the loader refuses host raise() otherwise */

static PCONFIG Config;
static PVOID Second, Third;

VOID OutcomesUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
    ExFreePoolWithTag(Third, 'tuO3');
    ExFreePoolWithTag(Second, 'tuO2');
    ExFreePoolWithTag(Config, 'tuO1');
}

static NTSTATUS OutcomesDispatch(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    Config = ExAllocatePoolWithTag(NonPagedPoolNx, sizeof(CONFIG), 'tuO1');
    Config->Value = 1; /* LINE_MARK: unchecked */
    Second = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'tuO2');
    if (Second == NULL) {
        KEVENT Never;
        KeInitializeEvent(&Never, NotificationEvent, FALSE);
        KeWaitForSingleObject(&Never, Executive, KernelMode, FALSE, NULL);
    }
    Third = ExAllocatePoolWithTag(NonPagedPoolNx, 16, 'tuO3');
    if (Third == NULL)
        raise(SIGKILL);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = OutcomesDispatch;
    DriverObject->DriverUnload = OutcomesUnload;
    return STATUS_SUCCESS;
}
