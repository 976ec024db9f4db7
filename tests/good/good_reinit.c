/*
 * good_reinit.c - the correct counterpart of bad_fl03_reinit and bad_de05_paged:
 * DriverEntry succeeds and registers a reinitialization routine, handing it a
 * paged-pool block as its context (allowed by DE-05); the routine frees it.
 */
#include <ntddk.h>

#include "good_log.h"

#define GOOD_TAG 'iRdG' /* "GdRi" */

typedef struct _GOOD_INIT_DATA {
    ULONG Attempts;
} GOOD_INIT_DATA, *PGOOD_INIT_DATA;

DRIVER_INITIALIZE DriverEntry;
DRIVER_REINITIALIZE GoodReinitialize;
DRIVER_UNLOAD GoodUnload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH GoodCreateClose;

static ULONG GoodReinitCalls;

NTSTATUS GoodCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

VOID GoodReinitialize(PDRIVER_OBJECT DriverObject, PVOID Context, ULONG Count)
{
    PGOOD_INIT_DATA Data = Context;
    UNREFERENCED_PARAMETER(DriverObject);
    Data->Attempts = Count;
    GoodReinitCalls++;
    ExFreePoolWithTag(Data, GOOD_TAG);
}

VOID GoodUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING DeviceName;
    PDEVICE_OBJECT DeviceObject;
    PGOOD_INIT_DATA Data;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    RtlInitUnicodeString(&DeviceName, L"\\Device\\GoodReinit");
    Status = IoCreateDevice(DriverObject, 0, &DeviceName, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status))
        return GoodFailEntry(DriverObject, Status);
    Data = ExAllocatePoolWithTag(PagedPool, sizeof(GOOD_INIT_DATA), GOOD_TAG);
    if (Data == NULL) {
        IoDeleteDevice(DeviceObject);
        return GoodFailEntry(DriverObject, STATUS_INSUFFICIENT_RESOURCES);
    }
    Data->Attempts = 0;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = GoodCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = GoodCreateClose;
    DriverObject->DriverUnload = GoodUnload;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    /* Registered last: from here on DriverEntry can only succeed. */
    IoRegisterDriverReinitialization(DriverObject, GoodReinitialize, Data);
    return STATUS_SUCCESS;
}
