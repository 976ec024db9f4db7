/*
 * wdmfilter.c - a WDM upper (or lower) filter driver, written the way the WDK filter
 * sample is: AddDevice puts an unnamed device object on top of the stack and copies
 * the lower device's I/O flags and type; every IRP goes down untouched, except the
 * one control code the filter owns (IOCTL_WDMFILTER_COUNTS: how many IRPs of each
 * major function it has passed, for tests and teaching); REMOVE_DEVICE detaches and
 * deletes after the remove lock drained. Power IRPs: PoStartNextPowerIrp, then
 * PoCallDriver.
 */
#include <ntddk.h>

#define WDMFILTER_TAG 'tlFW'
#define IOCTL_WDMFILTER_COUNTS CTL_CODE(FILE_DEVICE_UNKNOWN, 0x900, METHOD_BUFFERED, FILE_ANY_ACCESS)

typedef struct _FILTER_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Lower;
    IO_REMOVE_LOCK RemoveLock;
    ULONG Counts[IRP_MJ_MAXIMUM_FUNCTION + 1];
} FILTER_EXTENSION, *PFILTER_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_ADD_DEVICE FilterAddDevice;
static DRIVER_UNLOAD FilterUnload;
static DRIVER_DISPATCH FilterPass, FilterPnp, FilterPower, FilterDeviceControl;

static NTSTATUS FilterPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status)) {
        Irp->IoStatus.Status = Status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return Status;
    }
    InterlockedIncrement((PLONG)&Ext->Counts[IoGetCurrentIrpStackLocation(Irp)->MajorFunction]);
    IoSkipCurrentIrpStackLocation(Irp);
    Status = IoCallDriver(Ext->Lower, Irp);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

static NTSTATUS FilterDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_WDMFILTER_COUNTS)
        return FilterPass(DeviceObject, Irp);
    NTSTATUS Status = STATUS_BUFFER_TOO_SMALL;
    ULONG_PTR Information = 0;
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength >= sizeof(Ext->Counts)) {
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Ext->Counts, sizeof(Ext->Counts));
        Information = sizeof(Ext->Counts);
        Status = STATUS_SUCCESS;
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS FilterPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status)) {
        Irp->IoStatus.Status = Status;
        IoCompleteRequest(Irp, IO_NO_INCREMENT);
        return Status;
    }
    Ext->Counts[IRP_MJ_PNP]++;
    if (IoGetCurrentIrpStackLocation(Irp)->MinorFunction == IRP_MN_REMOVE_DEVICE) {
        IoSkipCurrentIrpStackLocation(Irp);
        Status = IoCallDriver(Ext->Lower, Irp);
        IoReleaseRemoveLockAndWait(&Ext->RemoveLock, Irp);
        IoDetachDevice(Ext->Lower);
        IoDeleteDevice(DeviceObject);
        return Status;
    }
    IoSkipCurrentIrpStackLocation(Irp);
    Status = IoCallDriver(Ext->Lower, Irp);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

static NTSTATUS FilterPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFILTER_EXTENSION Ext = DeviceObject->DeviceExtension;
    Ext->Counts[IRP_MJ_POWER]++;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(Ext->Lower, Irp);
}

static NTSTATUS FilterAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT Self;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(FILTER_EXTENSION), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &Self);
    if (!NT_SUCCESS(Status))
        return Status;
    PFILTER_EXTENSION Ext = Self->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Self = Self;
    IoInitializeRemoveLock(&Ext->RemoveLock, WDMFILTER_TAG, 0, 0);
    Status = IoAttachDeviceToDeviceStackSafe(Self, Pdo, &Ext->Lower);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(Self);
        return Status;
    }
    /* look like the device below to the I/O manager and to the drivers above */
    Self->Flags |= Ext->Lower->Flags & (DO_BUFFERED_IO | DO_DIRECT_IO | DO_POWER_PAGABLE);
    Self->DeviceType = Ext->Lower->DeviceType;
    Self->Characteristics = Ext->Lower->Characteristics;
    Self->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID FilterUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = FilterPass;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FilterDeviceControl;
    DriverObject->MajorFunction[IRP_MJ_PNP] = FilterPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = FilterPower;
    DriverObject->DriverExtension->AddDevice = FilterAddDevice;
    DriverObject->DriverUnload = FilterUnload;
    return STATUS_SUCCESS;
}
