/* addfaildrv.c - addfaildrv.sys: a WDM driver whose AddDevice takes a pool block, then
 * fails without freeing it (the mistake ReactOS serial makes when a step after
 * IoRegisterDeviceInterface fails). The Registry value "Free" = 1 in its service key
 * makes it free the block first: the correct failure path. */
#include <ntddk.h>

static BOOLEAN FreeOnFailure;

static NTSTATUS AddFailAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Pdo);
    PVOID Block = ExAllocatePoolWithTag(PagedPool, 64, 'lFdA');
    if (Block == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    if (FreeOnFailure)
        ExFreePoolWithTag(Block, 'lFdA');
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}

static NTSTATUS AddFailPass(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_INVALID_DEVICE_REQUEST;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_INVALID_DEVICE_REQUEST;
}

static VOID AddFailUnload(PDRIVER_OBJECT DriverObject) { UNREFERENCED_PARAMETER(DriverObject); }

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG Free = 0, Zero = 0;
    RTL_QUERY_REGISTRY_TABLE Query[2];
    RtlZeroMemory(Query, sizeof(Query));
    Query[0].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_TYPECHECK;
    Query[0].Name = L"Free";
    Query[0].EntryContext = &Free;
    Query[0].DefaultType = (REG_DWORD << RTL_QUERY_REGISTRY_TYPECHECK_SHIFT) | REG_DWORD;
    Query[0].DefaultData = &Zero;
    Query[0].DefaultLength = sizeof(ULONG);
    RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, Query, NULL, NULL);
    FreeOnFailure = Free != 0;
    for (ULONG i = 0; i <= IRP_MJ_MAXIMUM_FUNCTION; i++)
        DriverObject->MajorFunction[i] = AddFailPass;
    DriverObject->DriverExtension->AddDevice = AddFailAddDevice;
    DriverObject->DriverUnload = AddFailUnload;
    return STATUS_SUCCESS;
}
