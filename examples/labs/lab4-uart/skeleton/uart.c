/*
 * uart.c - lab 4: the 16550 (docs/labs/lab4-uart.md).
 *
 * Done for you: claiming COM1's ports and IRQ 4 (before any port access, rule HW-01),
 * the device and its DOS name, programming 115200 8N1 with FIFOs, Unload.
 * Part A, polled: IRP_MJ_WRITE sends each byte by waiting for LSR_THRE, then writing THR.
 * Part B, interrupt-driven, with StartIo:
 *   - connect an ISR (HalGetInterruptVector + IoConnectInterrupt) after programming the
 *     chip, then enable the receive interrupt (IER_RDA); disconnect it in Unload;
 *   - the ISR returns FALSE when IIR says nothing is pending; otherwise it moves every
 *     received byte (while LSR_DR) into a ring buffer and requests the DPC (IoRequestDpc);
 *   - IRP_MJ_READ marks the IRP pending and queues it with IoStartPacket; StartIo and
 *     the DPC fill the current read from the ring buffer (under KeSynchronizeExecution,
 *     since the ISR touches it too) and complete it when full, then IoStartNextPacket.
 * Grade it with `make grade LAB=lab4-uart`.
 */
#include <ntddk.h>
#include "lab4.h"

#define LAB4_RING 256 /* a ring buffer for received bytes */

typedef struct _LAB4_EXTENSION {
    PDEVICE_OBJECT Device;
    PUCHAR Port;
    PKINTERRUPT Interrupt;
    UCHAR Ring[LAB4_RING]; /* received bytes: the ISR appends, readers take */
    ULONG RingHead, RingCount;
    ULONG Filled;          /* bytes of the current read already delivered */
} LAB4_EXTENSION, *PLAB4_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab4Unload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab4CreateClose;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH Lab4Read;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH Lab4Write;

static NTSTATUS Lab4Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS Lab4CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Lab4Complete(Irp, STATUS_SUCCESS, 0);
}

/* ---- part A: polled transmit ---- */

NTSTATUS Lab4Write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code (part A). */
    return Lab4Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

/* ---- part B: interrupt-driven receive (ISR, DPC, StartIo) ---- */

NTSTATUS Lab4Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code (part B). */
    return Lab4Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

/* ---- set-up and tear-down ---- */

static NTSTATUS Lab4Claim(PDRIVER_OBJECT DriverObject, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR Interrupt; /* the list's second descriptor */
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    Claim.List.Count = Release ? 0 : 1; /* an empty list releases the claim */
    Claim.List.List[0].InterfaceType = Isa;
    Claim.List.List[0].PartialResourceList.Version = 1;
    Claim.List.List[0].PartialResourceList.Revision = 1;
    Claim.List.List[0].PartialResourceList.Count = 2;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
    D[0].Type = CmResourceTypePort;
    D[0].ShareDisposition = CmResourceShareDeviceExclusive;
    D[0].Flags = CM_RESOURCE_PORT_IO;
    D[0].u.Port.Start.QuadPart = LAB4_PORT; /* raw bus values, not mapped ones */
    D[0].u.Port.Length = 8;
    D[1].Type = CmResourceTypeInterrupt;
    D[1].ShareDisposition = CmResourceShareDeviceExclusive;
    D[1].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
    D[1].u.Interrupt.Level = LAB4_IRQ;
    D[1].u.Interrupt.Vector = LAB4_IRQ;
    D[1].u.Interrupt.Affinity = (KAFFINITY)-1;
    UNICODE_STRING Class = RTL_CONSTANT_STRING(L"LAB4");
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = IoReportResourceUsage(&Class, DriverObject, &Claim.List, Release ? sizeof(ULONG) : sizeof(Claim),
                                            NULL, NULL, 0, FALSE, &Conflict);
    return Conflict ? STATUS_DEVICE_CONFIGURATION_ERROR : Status;
}

static VOID Lab4ProgramChip(PUCHAR Port)
{
    WRITE_PORT_UCHAR(Port + UART_IER, 0);
    WRITE_PORT_UCHAR(Port + UART_LCR, LCR_DLAB);
    WRITE_PORT_UCHAR(Port + UART_DLL, (UCHAR)LAB4_CLOCK_DIVISOR);
    WRITE_PORT_UCHAR(Port + UART_DLM, 0);
    WRITE_PORT_UCHAR(Port + UART_LCR, LCR_8N1);
    WRITE_PORT_UCHAR(Port + UART_FCR, FCR_ENABLE_CLEAR);
    WRITE_PORT_UCHAR(Port + UART_MCR, MCR_DTR_RTS_OUT2);
}

VOID Lab4Unload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device = DriverObject->DeviceObject;
    PLAB4_EXTENSION Ext = Device->DeviceExtension;
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab4");
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0);
    /* Your code (part B): disconnect the interrupt. */
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(Device);
    Lab4Claim(DriverObject, TRUE);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab4");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab4");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);

    NTSTATUS Status = Lab4Claim(DriverObject, FALSE); /* before any port access */
    if (!NT_SUCCESS(Status))
        return Status;
    Status = IoCreateDevice(DriverObject, sizeof(LAB4_EXTENSION), &Name, FILE_DEVICE_SERIAL_PORT, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status))
        goto ReleaseClaim;
    PLAB4_EXTENSION Ext = Device->DeviceExtension;
    Ext->Device = Device;
    Ext->Port = (PUCHAR)(ULONG_PTR)LAB4_PORT;
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status))
        goto DeleteDevice;
    Lab4ProgramChip(Ext->Port); /* interrupts still disabled in IER */
    /* Your code (part B): initialise the DPC, connect the interrupt here (its status in
     * Status), then enable the receive interrupt in IER. */
    Status = STATUS_SUCCESS;
    if (!NT_SUCCESS(Status))
        goto DeleteLink;
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab4CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab4CreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = Lab4Read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Lab4Write;
    /* Your code (part B): the StartIo routine. */
    DriverObject->DriverUnload = Lab4Unload;
    return STATUS_SUCCESS;

DeleteLink:
    IoDeleteSymbolicLink(&Link);
DeleteDevice:
    IoDeleteDevice(Device);
ReleaseClaim:
    Lab4Claim(DriverObject, TRUE);
    return Status;
}
