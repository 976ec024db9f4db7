/* synthetic_calls.c - a driver whose DriverEntry makes exactly SYNTHETIC_CALLS failable
 * calls: IoCreateDevice first, then a cycle of four DDIs from four lines, so that
 * injection point N has a DDI and a site the test can compute. Every failure is undone
 * and logged, so each run of its sweep is clean: the sweep's own bookkeeping (points,
 * runs, names) is what the tests check. Built several times with -DSYNTHETIC_CALLS=N.
 *
 * With -DSYNTHETIC_FINDINGS every run has findings instead (the figure
 * fault_runs_per_sec_findings): a failure path neither logs (FL-06) nor deletes the
 * device (FL-01), and Unload leaves the device behind (IO-04). */
#include <ntddk.h>

#ifndef SYNTHETIC_CALLS
#error "build with -DSYNTHETIC_CALLS=N (N >= 1)"
#endif

#define SYNTHETIC_TAG 'nyS1'

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD SyntheticUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH SyntheticCreateClose;

static UCHAR SyntheticBuffer[64];

VOID SyntheticUnload(PDRIVER_OBJECT DriverObject)
{
#ifdef SYNTHETIC_FINDINGS
    UNREFERENCED_PARAMETER(DriverObject);
#else
    IoDeleteDevice(DriverObject->DeviceObject);
#endif
}

NTSTATUS SyntheticCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID SyntheticLogFailure(PDRIVER_OBJECT DriverObject, ULONG Call)
{
#ifdef SYNTHETIC_FINDINGS
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Call);
    return;
#endif
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->ErrorCode = STATUS_INSUFFICIENT_RESOURCES;
    Entry->UniqueErrorValue = Call;
    Entry->FinalStatus = STATUS_INSUFFICIENT_RESOURCES;
    IoWriteErrorLogEntry(Entry);
}

/* One failable call from one of four lines; TRUE when it succeeded (and was undone). */
static BOOLEAN SyntheticCall(ULONG Call)
{
    switch (Call % 4) {
    case 0: {
        PVOID Block = ExAllocatePoolWithTag(NonPagedPoolNx, 32, SYNTHETIC_TAG); /* LINE_MARK: call-pool */
        if (Block == NULL)
            return FALSE;
        ExFreePoolWithTag(Block, SYNTHETIC_TAG);
        return TRUE;
    }
    case 1: {
        PIRP Irp = IoAllocateIrp(1, FALSE); /* LINE_MARK: call-irp */
        if (Irp == NULL)
            return FALSE;
        IoFreeIrp(Irp);
        return TRUE;
    }
    case 2: {
        PMDL Mdl = IoAllocateMdl(SyntheticBuffer, sizeof(SyntheticBuffer), FALSE, FALSE, NULL); /* LINE_MARK: call-mdl */
        if (Mdl == NULL)
            return FALSE;
        IoFreeMdl(Mdl);
        return TRUE;
    }
    default: {
        PVOID Block = ExAllocatePoolZero(NonPagedPoolNx, 16, SYNTHETIC_TAG); /* LINE_MARK: call-zero */
        if (Block == NULL)
            return FALSE;
        ExFreePoolWithTag(Block, SYNTHETIC_TAG);
        return TRUE;
    }
    }
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NtsimSynthetic");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device); /* LINE_MARK: create-device */
    if (!NT_SUCCESS(Status)) {
        SyntheticLogFailure(DriverObject, 1);
        return Status;
    }
    /* calls 2..SYNTHETIC_CALLS: call k comes from line (k - 2) % 4 */
    for (ULONG Call = 0; Call + 1 < SYNTHETIC_CALLS; Call++) {
        if (!SyntheticCall(Call)) {
#ifndef SYNTHETIC_FINDINGS
            IoDeleteDevice(Device);
#endif
            SyntheticLogFailure(DriverObject, Call + 2);
            return STATUS_INSUFFICIENT_RESOURCES;
        }
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = SyntheticCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = SyntheticCreateClose;
    DriverObject->DriverUnload = SyntheticUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
