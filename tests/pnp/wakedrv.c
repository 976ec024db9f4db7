/* wakedrv.c - a minimal WDM function driver for tests/pnp/wake.c: it is the power policy
 * owner of its device and arms, disarms and watches IRP_MN_WAIT_WAKE on request. */
#include <ntddk.h>

#include "wakedrv.h"

typedef struct _EXT {
    PDEVICE_OBJECT Lower;
    PIRP Armed;           /* the WAIT_WAKE in flight, NULL once its completion ran */
    LONG Completions;
    NTSTATUS LastStatus;
} EXT, *PEXT;

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static VOID WakeDone(PDEVICE_OBJECT Device, UCHAR Minor, POWER_STATE State, PVOID Context, PIO_STATUS_BLOCK IoStatus)
{
    PEXT Ext = Context;
    UNREFERENCED_PARAMETER(Device);
    UNREFERENCED_PARAMETER(Minor);
    UNREFERENCED_PARAMETER(State);
    Ext->Armed = NULL;
    Ext->LastStatus = IoStatus->Status;
    Ext->Completions++;
}

static NTSTATUS Control(PDEVICE_OBJECT Device, PIRP Irp)
{
    PEXT Ext = Device->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WAKEDRV_ARM: {
        POWER_STATE From;
        From.SystemState = PowerSystemSleeping3;
        PIRP Armed = NULL;
        LONG Before = Ext->Completions;
        PIRP Previous = Ext->Armed;
        NTSTATUS Status = PoRequestPowerIrp(Device, IRP_MN_WAIT_WAKE, From, WakeDone, Ext, &Armed);
        if (Status == STATUS_PENDING && Ext->Completions == Before)
            Ext->Armed = Armed; /* still pending at the bus driver (not completed at once) */
        else
            Ext->Armed = Previous; /* refused at once: an earlier one may still be armed */
        return Complete(Irp, Status == STATUS_PENDING ? STATUS_SUCCESS : Status, 0);
    }
    case IOCTL_WAKEDRV_DISARM:
        if (Ext->Armed)
            IoCancelIrp(Ext->Armed);
        return Complete(Irp, STATUS_SUCCESS, 0);
    case IOCTL_WAKEDRV_STATUS: {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(WAKEDRV_STATUS))
            return Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        WAKEDRV_STATUS *Out = Irp->AssociatedIrp.SystemBuffer;
        Out->Completions = Ext->Completions;
        Out->LastStatus = Ext->LastStatus;
        Out->Armed = Ext->Armed != NULL;
        return Complete(Irp, STATUS_SUCCESS, sizeof(*Out));
    }
    default:
        return Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

static NTSTATUS CreateClose(PDEVICE_OBJECT Device, PIRP Irp)
{
    UNREFERENCED_PARAMETER(Device);
    return Complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS Pnp(PDEVICE_OBJECT Device, PIRP Irp)
{
    PEXT Ext = Device->DeviceExtension;
    UCHAR Minor = IoGetCurrentIrpStackLocation(Irp)->MinorFunction;
    PDEVICE_OBJECT Lower = Ext->Lower;
    if (Minor == IRP_MN_START_DEVICE || Minor == IRP_MN_QUERY_REMOVE_DEVICE || Minor == IRP_MN_REMOVE_DEVICE ||
        Minor == IRP_MN_SURPRISE_REMOVAL || Minor == IRP_MN_QUERY_STOP_DEVICE || Minor == IRP_MN_STOP_DEVICE ||
        Minor == IRP_MN_CANCEL_REMOVE_DEVICE || Minor == IRP_MN_CANCEL_STOP_DEVICE)
        Irp->IoStatus.Status = STATUS_SUCCESS;
    IoSkipCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoCallDriver(Lower, Irp);
    if (Minor == IRP_MN_REMOVE_DEVICE) {
        IoDetachDevice(Lower);
        IoDeleteDevice(Device);
    }
    return Status;
}

static NTSTATUS Power(PDEVICE_OBJECT Device, PIRP Irp)
{
    PEXT Ext = Device->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(Ext->Lower, Irp);
}

static NTSTATUS AddDevice(PDRIVER_OBJECT Driver, PDEVICE_OBJECT Pdo)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WakeDrv");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(Driver, sizeof(EXT), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        return Status;
    PEXT Ext = Device->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Lower = IoAttachDeviceToDeviceStack(Device, Pdo);
    if (Ext->Lower == NULL) {
        IoDeleteDevice(Device);
        return STATUS_NO_SUCH_DEVICE;
    }
    Device->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID Unload(PDRIVER_OBJECT Driver)
{
    UNREFERENCED_PARAMETER(Driver);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT Driver, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    Driver->MajorFunction[IRP_MJ_CREATE] = CreateClose;
    Driver->MajorFunction[IRP_MJ_CLOSE] = CreateClose;
    Driver->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Control;
    Driver->MajorFunction[IRP_MJ_PNP] = Pnp;
    Driver->MajorFunction[IRP_MJ_POWER] = Power;
    Driver->DriverExtension->AddDevice = AddDevice;
    Driver->DriverUnload = Unload;
    return STATUS_SUCCESS;
}
