/*
 * good_claim_unload.c - a driver for a legacy device (an ISA card at ports
 * 0x300-0x307 that Plug and Play does not enumerate) that also serves PnP devices
 * through AddDevice, as the documentation of IoRegisterDriverReinitialization
 * describes. DriverEntry claims the legacy ports before setting AddDevice; the
 * reinitialization routine creates the legacy device object; Unload deletes it and
 * releases the claim with an empty list (what DE-07 asks for, not a new claim).
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_LEGACY_PORT 0x300
#define GOOD_LEGACY_PORTS 8

DRIVER_INITIALIZE DriverEntry;
DRIVER_ADD_DEVICE GoodClaimAddDevice;
DRIVER_REINITIALIZE GoodClaimCreateLegacyDevice;
DRIVER_UNLOAD GoodClaimUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodClaimCreateClose;

static UNICODE_STRING GoodClassName = RTL_CONSTANT_STRING(L"GoodClaim");

NTSTATUS GoodClaimCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS GoodClaimAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT PhysicalDeviceObject)
{
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(PDEVICE_OBJECT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &DeviceObject);
    if (!NT_SUCCESS(Status))
        return Status;
    *(PDEVICE_OBJECT *)DeviceObject->DeviceExtension = IoAttachDeviceToDeviceStack(DeviceObject, PhysicalDeviceObject);
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

VOID GoodClaimCreateLegacyDevice(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Count);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodClaimLegacy");
    if (!NT_SUCCESS(IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject)))
        return;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
}

static NTSTATUS GoodClaimPorts(PDRIVER_OBJECT DriverObject, BOOLEAN Claim)
{
    CM_RESOURCE_LIST List;
    BOOLEAN Conflict;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR Port = &List.List[0].PartialResourceList.PartialDescriptors[0];

    RtlZeroMemory(&List, sizeof(List));
    if (Claim) {
        List.Count = 1;
        List.List[0].InterfaceType = Isa;
        List.List[0].PartialResourceList.Version = 1;
        List.List[0].PartialResourceList.Revision = 1;
        List.List[0].PartialResourceList.Count = 1;
        Port->Type = CmResourceTypePort;
        Port->ShareDisposition = CmResourceShareDeviceExclusive;
        Port->Flags = CM_RESOURCE_PORT_IO;
        Port->u.Port.Start.QuadPart = GOOD_LEGACY_PORT;
        Port->u.Port.Length = GOOD_LEGACY_PORTS;
    }
    return IoReportResourceUsage(&GoodClassName, DriverObject, &List, sizeof(List), NULL, NULL, 0, FALSE, &Conflict);
}

VOID GoodClaimUnload(PDRIVER_OBJECT DriverObject)
{
    while (DriverObject->DeviceObject != NULL)
        IoDeleteDevice(DriverObject->DeviceObject);
    GoodClaimPorts(DriverObject, FALSE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    Status = GoodClaimPorts(DriverObject, TRUE);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodClaimCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodClaimCreateClose;
    DriverObject->DriverUnload = GoodClaimUnload;
    DriverObject->DriverExtension->AddDevice = GoodClaimAddDevice;
    /* Registered last: from here on DriverEntry can only succeed. */
    IoRegisterDriverReinitialization(DriverObject, GoodClaimCreateLegacyDevice, NULL);
    return STATUS_SUCCESS;
}
