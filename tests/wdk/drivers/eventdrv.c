/* eventdrv.c - wdk_event.sys: takes an event or semaphore handle from user mode in an
 * IOCTL, as a driver that signals an application does: ObReferenceObjectByHandle with
 * *ExEventObjectType (*ExSemaphoreObjectType) and UserMode gives the KEVENT (KSEMAPHORE),
 * which a timer DPC sets (releases by 2) 10 ms later. */
#include <ntddk.h>
#include "wdkioctl.h"

static PDEVICE_OBJECT EventDevice;
static KTIMER EventTimer;
static KDPC EventDpc;
static PKEVENT PendingEvent; /* referenced until the DPC sets it */
static PKSEMAPHORE PendingSemaphore; /* referenced until the DPC releases it */

static VOID EventDpcRoutine(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Context);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    PKEVENT Event = PendingEvent;
    PendingEvent = NULL;
    if (Event) {
        KeSetEvent(Event, IO_NO_INCREMENT, FALSE);
        ObDereferenceObject(Event);
    }
    PKSEMAPHORE Semaphore = PendingSemaphore;
    PendingSemaphore = NULL;
    if (Semaphore) {
        KeReleaseSemaphore(Semaphore, IO_NO_INCREMENT, 2, FALSE);
        ObDereferenceObject(Semaphore);
    }
}

static NTSTATUS EventComplete(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS EventDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    if (Code != IOCTL_WDK_SET_EVENT_LATER && Code != IOCTL_WDK_RELEASE_SEMAPHORE_LATER)
        return EventComplete(Irp, STATUS_INVALID_DEVICE_REQUEST);
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HANDLE))
        return EventComplete(Irp, STATUS_BUFFER_TOO_SMALL);
    if (PendingEvent != NULL || PendingSemaphore != NULL)
        return EventComplete(Irp, STATUS_DEVICE_BUSY);
    HANDLE Handle = *(PHANDLE)Irp->AssociatedIrp.SystemBuffer;
    BOOLEAN IsEvent = Code == IOCTL_WDK_SET_EVENT_LATER;
    PVOID Object;
    NTSTATUS Status = ObReferenceObjectByHandle(Handle, IsEvent ? EVENT_MODIFY_STATE : SEMAPHORE_MODIFY_STATE,
                                                IsEvent ? *ExEventObjectType : *ExSemaphoreObjectType,
                                                Irp->RequestorMode, &Object, NULL);
    if (!NT_SUCCESS(Status))
        return EventComplete(Irp, Status);
    if (IsEvent)
        PendingEvent = Object;
    else
        PendingSemaphore = Object;
    LARGE_INTEGER Due;
    Due.QuadPart = -10 * 1000 * 10; /* 10 ms */
    KeSetTimer(&EventTimer, Due, &EventDpc);
    return EventComplete(Irp, STATUS_SUCCESS);
}

static NTSTATUS EventCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return EventComplete(Irp, STATUS_SUCCESS);
}

static VOID EventUnload(PDRIVER_OBJECT DriverObject)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkEvent");
    UNREFERENCED_PARAMETER(DriverObject);
    if (KeCancelTimer(&EventTimer)) {
        if (PendingEvent)
            ObDereferenceObject(PendingEvent);
        if (PendingSemaphore)
            ObDereferenceObject(PendingSemaphore);
        PendingEvent = NULL;
        PendingSemaphore = NULL;
    }
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(EventDevice);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\WdkEvent");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\??\\WdkEvent");
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &EventDevice);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        IoDeleteDevice(EventDevice);
        return Status;
    }
    KeInitializeTimer(&EventTimer);
    KeInitializeDpc(&EventDpc, EventDpcRoutine, NULL);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = EventCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = EventCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = EventDeviceControl;
    DriverObject->DriverUnload = EventUnload;
    EventDevice->Flags |= DO_BUFFERED_IO;
    EventDevice->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
