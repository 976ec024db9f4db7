/* eventdrv.c - wdk_event.sys: takes an event handle from user mode in an IOCTL, as a
 * driver that signals an application does: ObReferenceObjectByHandle with
 * *ExEventObjectType and UserMode gives the KEVENT, which a timer DPC sets 10 ms later. */
#include <ntddk.h>
#include "wdkioctl.h"

static PDEVICE_OBJECT EventDevice;
static KTIMER EventTimer;
static KDPC EventDpc;
static PKEVENT PendingEvent; /* referenced until the DPC sets it */

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
    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_WDK_SET_EVENT_LATER)
        return EventComplete(Irp, STATUS_INVALID_DEVICE_REQUEST);
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(HANDLE))
        return EventComplete(Irp, STATUS_BUFFER_TOO_SMALL);
    if (PendingEvent != NULL)
        return EventComplete(Irp, STATUS_DEVICE_BUSY);
    HANDLE Handle = *(PHANDLE)Irp->AssociatedIrp.SystemBuffer;
    PVOID Object;
    NTSTATUS Status = ObReferenceObjectByHandle(Handle, EVENT_MODIFY_STATE, *ExEventObjectType, Irp->RequestorMode,
                                                &Object, NULL);
    if (!NT_SUCCESS(Status))
        return EventComplete(Irp, Status);
    PendingEvent = Object;
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
    if (KeCancelTimer(&EventTimer) && PendingEvent) {
        ObDereferenceObject(PendingEvent);
        PendingEvent = NULL;
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
