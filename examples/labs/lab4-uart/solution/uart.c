/*
 * uart.c - lab 4, reference solution: a legacy driver for the 16550 at COM1.
 *
 * DriverEntry claims the ports and the interrupt before touching the chip (rule HW-01),
 * creates the device, programs 115200 8N1 with FIFOs, connects the ISR and enables the
 * receive interrupt. Writes are polled: each byte waits for THRE. Reads are
 * interrupt-driven and serialised by StartIo: the ISR moves received bytes into a
 * ring buffer and requests the DPC, which fills the current read and completes it
 * when it is full; StartIo serves a read at once from bytes that arrived earlier.
 * The ring buffer is shared with the ISR, so every other access goes through
 * KeSynchronizeExecution (the interrupt's spin lock at its DIRQL).
 */
#include <ntddk.h>
#include "lab4.h"

#define LAB4_RING 256

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
DRIVER_STARTIO Lab4StartIo;
KSERVICE_ROUTINE Lab4Isr;
IO_DPC_ROUTINE Lab4Dpc;
KSYNCHRONIZE_ROUTINE Lab4TakeBytes;
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

/* ---- polled transmit ---- */

static BOOLEAN Lab4WaitForThre(PLAB4_EXTENSION Ext)
{
    for (ULONG Tries = 0; Tries < 10000; Tries++) { /* 10 ms: a byte takes 87 us */
        if (READ_PORT_UCHAR(Ext->Port + UART_LSR) & LSR_THRE)
            return TRUE;
        KeStallExecutionProcessor(1);
    }
    return FALSE;
}

NTSTATUS Lab4Write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB4_EXTENSION Ext = DeviceObject->DeviceExtension;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
    PUCHAR Bytes = Irp->AssociatedIrp.SystemBuffer;
    for (ULONG i = 0; i < Length; i++) {
        if (!Lab4WaitForThre(Ext))
            return Lab4Complete(Irp, STATUS_IO_TIMEOUT, i);
        WRITE_PORT_UCHAR(Ext->Port + UART_THR, Bytes[i]);
    }
    return Lab4Complete(Irp, STATUS_SUCCESS, Length);
}

/* ---- interrupt-driven receive ---- */

BOOLEAN Lab4Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    PLAB4_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    if (READ_PORT_UCHAR(Ext->Port + UART_IIR) & IIR_NO_INTERRUPT)
        return FALSE; /* not ours, or spurious: touch nothing else */
    while (READ_PORT_UCHAR(Ext->Port + UART_LSR) & LSR_DR) {
        UCHAR Byte = READ_PORT_UCHAR(Ext->Port + UART_RBR); /* reading RBR acknowledges */
        if (Ext->RingCount < LAB4_RING)
            Ext->Ring[(Ext->RingHead + Ext->RingCount++) % LAB4_RING] = Byte;
    }
    IoRequestDpc(Ext->Device, NULL, NULL);
    return TRUE;
}

/* At DIRQL with the interrupt lock held: move ring bytes into the current read. */
BOOLEAN Lab4TakeBytes(PVOID Context)
{
    PLAB4_EXTENSION Ext = Context;
    PIRP Irp = Ext->Device->CurrentIrp;
    ULONG Want = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
    PUCHAR Target = Irp->AssociatedIrp.SystemBuffer;
    while (Ext->Filled < Want && Ext->RingCount > 0) {
        Target[Ext->Filled++] = Ext->Ring[Ext->RingHead];
        Ext->RingHead = (Ext->RingHead + 1) % LAB4_RING;
        Ext->RingCount--;
    }
    return Ext->Filled == Want;
}

/* At DISPATCH_LEVEL: fill the current read; complete it and start the next when full. */
static VOID Lab4ServeCurrentRead(PLAB4_EXTENSION Ext)
{
    PIRP Irp = Ext->Device->CurrentIrp;
    if (Irp == NULL || !KeSynchronizeExecution(Ext->Interrupt, Lab4TakeBytes, Ext))
        return;
    ULONG Filled = Ext->Filled;
    Ext->Filled = 0;
    Lab4Complete(Irp, STATUS_SUCCESS, Filled);
    IoStartNextPacket(Ext->Device, FALSE);
}

VOID Lab4Dpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    Lab4ServeCurrentRead(DeviceObject->DeviceExtension);
}

VOID Lab4StartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB4_EXTENSION Ext = DeviceObject->DeviceExtension;
    UNREFERENCED_PARAMETER(Irp); /* it is DeviceObject->CurrentIrp */
    Ext->Filled = 0;
    Lab4ServeCurrentRead(Ext);
}

NTSTATUS Lab4Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0)
        return Lab4Complete(Irp, STATUS_SUCCESS, 0);
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, NULL);
    return STATUS_PENDING;
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
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0); /* quiet the chip before the ISR goes */
    IoDisconnectInterrupt(Ext->Interrupt);
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(Device);
    Lab4Claim(DriverObject, TRUE);
}

static NTSTATUS Lab4Connect(PLAB4_EXTENSION Ext)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, LAB4_IRQ, LAB4_IRQ, &Irql, &Affinity);
    return IoConnectInterrupt(&Ext->Interrupt, Lab4Isr, Ext, NULL, Vector, Irql, Irql, Latched, FALSE, Affinity,
                              FALSE);
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
    IoInitializeDpcRequest(Device, Lab4Dpc);
    Lab4ProgramChip(Ext->Port); /* interrupts still disabled in IER */
    Status = Lab4Connect(Ext);
    if (!NT_SUCCESS(Status))
        goto DeleteLink;
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, IER_RDA);
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab4CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab4CreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = Lab4Read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Lab4Write;
    DriverObject->DriverStartIo = Lab4StartIo;
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
