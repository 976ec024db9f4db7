/*
 * good_pnp_filter.c - a WDM upper filter (over wdmserial on COM1 in good/corpus),
 * written the way the WDK filter sample is, with the removal paths done right:
 *  - every request goes down under the remove lock; once the lock says the device is
 *    going, requests are failed here instead of being sent down;
 *  - on IRP_MN_REMOVE_DEVICE the filter still needs the device below once (a flush of
 *    what it may have buffered): it sends that request first, then waits for its own
 *    requests to drain, passes REMOVE down, detaches and deletes. Nothing is sent
 *    after REMOVE has gone down (rule PN-06);
 *  - IRP_MN_SURPRISE_REMOVAL only goes down: until REMOVE comes, requests on open
 *    handles still go down (the function driver fails them).
 */
#include <ntddk.h>

#define GOOD_PNP_FILTER_TAG 'fPoG'

typedef struct _GOOD_PNP_FILTER {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Lower;
    IO_REMOVE_LOCK RemoveLock;
} GOOD_PNP_FILTER, *PGOOD_PNP_FILTER;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_ADD_DEVICE GoodPnpFilterAddDevice;
static DRIVER_UNLOAD GoodPnpFilterUnload;
static DRIVER_DISPATCH GoodPnpFilterPass, GoodPnpFilterPnp, GoodPnpFilterPower;

static NTSTATUS GoodPnpFilterFail(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS GoodPnpFilterPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_PNP_FILTER Filter = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Filter->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return GoodPnpFilterFail(Irp, Status);
    IoSkipCurrentIrpStackLocation(Irp);
    Status = IoCallDriver(Filter->Lower, Irp);
    IoReleaseRemoveLock(&Filter->RemoveLock, Irp);
    return Status;
}

/* The filter's own request to the device below, while that device is still there. */
static VOID GoodPnpFilterFlush(PGOOD_PNP_FILTER Filter)
{
    KEVENT Done;
    IO_STATUS_BLOCK IoStatus;
    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_FLUSH_BUFFERS, Filter->Lower, NULL, 0, NULL, &Done, &IoStatus);
    if (Irp == NULL)
        return; /* nothing buffered is lost by skipping it: best effort */
    if (IoCallDriver(Filter->Lower, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    /* the port may not support flushing: either answer is fine here */
}

static NTSTATUS GoodPnpFilterRemove(PGOOD_PNP_FILTER Filter, PIRP Irp)
{
    GoodPnpFilterFlush(Filter); /* before REMOVE goes down: the port is still there */
    IoReleaseRemoveLockAndWait(&Filter->RemoveLock, Irp);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoSkipCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoCallDriver(Filter->Lower, Irp);
    IoDetachDevice(Filter->Lower);
    IoDeleteDevice(Filter->Self);
    return Status;
}

static NTSTATUS GoodPnpFilterPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_PNP_FILTER Filter = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Filter->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return GoodPnpFilterFail(Irp, Status);
    if (IoGetCurrentIrpStackLocation(Irp)->MinorFunction == IRP_MN_REMOVE_DEVICE)
        return GoodPnpFilterRemove(Filter, Irp); /* releases the remove lock itself */
    IoSkipCurrentIrpStackLocation(Irp);
    Status = IoCallDriver(Filter->Lower, Irp);
    IoReleaseRemoveLock(&Filter->RemoveLock, Irp);
    return Status;
}

static NTSTATUS GoodPnpFilterPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PGOOD_PNP_FILTER Filter = DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    NTSTATUS Status = IoAcquireRemoveLock(&Filter->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return GoodPnpFilterFail(Irp, Status);
    IoSkipCurrentIrpStackLocation(Irp);
    Status = PoCallDriver(Filter->Lower, Irp);
    IoReleaseRemoveLock(&Filter->RemoveLock, Irp);
    return Status;
}

static NTSTATUS GoodPnpFilterAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT Self;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(GOOD_PNP_FILTER), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Self);
    if (!NT_SUCCESS(Status))
        return Status;
    PGOOD_PNP_FILTER Filter = Self->DeviceExtension;
    RtlZeroMemory(Filter, sizeof(*Filter));
    Filter->Self = Self;
    IoInitializeRemoveLock(&Filter->RemoveLock, GOOD_PNP_FILTER_TAG, 0, 0);
    Filter->Lower = IoAttachDeviceToDeviceStack(Self, Pdo);
    if (Filter->Lower == NULL) {
        IoDeleteDevice(Self);
        return STATUS_NO_SUCH_DEVICE;
    }
    Self->Flags |= Filter->Lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE);
    Self->DeviceType = Filter->Lower->DeviceType;
    Self->Characteristics = Filter->Lower->Characteristics;
    Self->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID GoodPnpFilterUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* every device object went with its REMOVE */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = GoodPnpFilterPass;
    DriverObject->MajorFunction[IRP_MJ_PNP] = GoodPnpFilterPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = GoodPnpFilterPower;
    DriverObject->DriverExtension->AddDevice = GoodPnpFilterAddDevice;
    DriverObject->DriverUnload = GoodPnpFilterUnload;
    return STATUS_SUCCESS;
}
