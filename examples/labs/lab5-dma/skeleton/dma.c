/*
 * dma.c - lab 5: a legacy driver for the edu PCI device (docs/labs/lab5-dma.md).
 *
 * Done for you: \Device\Lab5 and its DOS name, IOCTL_LAB5_INFO, the device control
 * dispatch that pends the slow requests and queues them for StartIo, the teardown
 * (Unload and every failure path), and the release of the claim.
 *
 * Yours, in Lab5SetUp (each step's status decides whether DriverEntry succeeds):
 *   1. find the device: HalGetBusData(PCIConfiguration, Bus, Slot, &Config,
 *      PCI_COMMON_HDR_LENGTH) over every bus (0 bytes back: no such bus), device and
 *      function; VendorID EDU_VENDOR, DeviceID EDU_DEVICE; keep Ext->Bus and Ext->Slot;
 *   2. claim it: HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus,
 *      Bus, Slot, &List), set Ext->Claimed; from the list keep the memory range
 *      (Ext->Bar0, Ext->Bar0Length) and the interrupt line (Ext->Level); ExFreePool it;
 *   3. map BAR0 (MmMapIoSpace, MmNonCached) into Ext->Registers and check the ID and
 *      liveness registers; answer IOCTL_LAB5_IDENTIFY (Lab5Identify);
 *   4. (done) the DOS name;
 *   5. DMA: IoGetDmaAdapter(NULL, &Description, &Ext->MapRegisters) for a 32-bit bus
 *      master, then AllocateCommonBuffer(EDU_DMA_SIZE) into Ext->Common / CommonLogical;
 *   6. connect the interrupt last: HalGetInterruptVector(PCIBus, Bus, Level, Level, ...),
 *      IoConnectInterrupt(..., LevelSensitive, TRUE (shared), ...).
 * Then StartIo (program a factorial or a DMA with its interrupt enabled), the ISR
 * (claim only what EDU_REG_IRQ_STATUS shows, acknowledge it, IoRequestDpc) and the DPC
 * (complete Device->CurrentIrp, IoStartNextPacket).
 * Grade it with `make grade LAB=lab5-dma`.
 */
#include <ntddk.h>
#include "lab5.h"

typedef struct _LAB5_EXTENSION {
    PDEVICE_OBJECT Device;
    ULONG Bus;
    PCI_SLOT_NUMBER Slot;
    PHYSICAL_ADDRESS Bar0;
    ULONG Bar0Length;
    ULONG Level;                 /* the interrupt line, bus-relative */
    PUCHAR Registers;            /* BAR0 mapped */
    PDMA_ADAPTER Adapter;
    ULONG MapRegisters;
    PUCHAR Common;               /* the common buffer: the driver's view ... */
    PHYSICAL_ADDRESS CommonLogical; /* ... and the device's */
    PKINTERRUPT Interrupt;
    LONG IsrCauses;              /* interrupt causes the ISR acknowledged, for the DPC */
    BOOLEAN Claimed, Linked;
} LAB5_EXTENSION, *PLAB5_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD Lab5Unload;
DRIVER_STARTIO Lab5StartIo;
KSERVICE_ROUTINE Lab5Isr;
IO_DPC_ROUTINE Lab5Dpc;
/* BAR0 registers, only through READ_REGISTER_* / WRITE_REGISTER_* */
ULONG Lab5Read(PLAB5_EXTENSION Ext, ULONG Register);
VOID Lab5Write(PLAB5_EXTENSION Ext, ULONG Register, ULONG Value);
VOID Lab5Write64(PLAB5_EXTENSION Ext, ULONG Register, ULONG64 Value);
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab5CreateClose;
_Dispatch_type_(IRP_MJ_DEVICE_CONTROL) DRIVER_DISPATCH Lab5DeviceControl;

ULONG Lab5Read(PLAB5_EXTENSION Ext, ULONG Register)
{
    return READ_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Register));
}

VOID Lab5Write(PLAB5_EXTENSION Ext, ULONG Register, ULONG Value)
{
    WRITE_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Register), Value);
}

VOID Lab5Write64(PLAB5_EXTENSION Ext, ULONG Register, ULONG64 Value)
{
    WRITE_REGISTER_ULONG64((volatile ULONG64 *)(Ext->Registers + Register), Value);
}

static NTSTATUS Lab5Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

NTSTATUS Lab5CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return Lab5Complete(Irp, STATUS_SUCCESS, 0);
}

/* ---- requests the device answers at once ---- */

static NTSTATUS Lab5Info(PLAB5_EXTENSION Ext, PIRP Irp, ULONG OutLength)
{
    if (OutLength < sizeof(LAB5_INFO))
        return Lab5Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    LAB5_INFO *Info = Irp->AssociatedIrp.SystemBuffer;
    RtlZeroMemory(Info, sizeof(*Info));
    Info->Bus = Ext->Bus;
    Info->Slot = Ext->Slot.u.AsULONG;
    Info->Bar0 = (unsigned long long)Ext->Bar0.QuadPart;
    Info->Bar0Length = Ext->Bar0Length;
    Info->Irq = Ext->Level;
    return Lab5Complete(Irp, STATUS_SUCCESS, sizeof(*Info));
}

static NTSTATUS Lab5Identify(PLAB5_EXTENSION Ext, PIRP Irp, ULONG InLength, ULONG OutLength)
{
    UNREFERENCED_PARAMETER(Ext);
    UNREFERENCED_PARAMETER(InLength);
    UNREFERENCED_PARAMETER(OutLength);
    /* Your code (step 3): write the input ULONG to EDU_REG_LIVENESS, then read EDU_REG_ID
     * and EDU_REG_LIVENESS into a LAB5_IDENTIFY (the same SystemBuffer: read the input first). */
    return Lab5Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
}

/* ---- requests that wait for the device's interrupt: StartIo, ISR, DPC ---- */

NTSTATUS Lab5DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB5_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_LAB5_INFO:
        return Lab5Info(Ext, Irp, OutLength);
    case IOCTL_LAB5_IDENTIFY:
        return Lab5Identify(Ext, Irp, InLength, OutLength);
    case IOCTL_LAB5_FACTORIAL:
        if (InLength < sizeof(ULONG) || OutLength < sizeof(ULONG))
            return Lab5Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        break;
    case IOCTL_LAB5_DMA_TO_DEVICE:
        if (InLength == 0 || InLength > EDU_DMA_SIZE)
            return Lab5Complete(Irp, STATUS_INVALID_PARAMETER, 0);
        break;
    case IOCTL_LAB5_DMA_FROM_DEVICE:
        if (OutLength == 0 || OutLength > EDU_DMA_SIZE)
            return Lab5Complete(Irp, STATUS_INVALID_PARAMETER, 0);
        break;
    default:
        return Lab5Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, NULL);
    return STATUS_PENDING;
}

/* At DISPATCH_LEVEL, one request at a time: program the device; its interrupt says when done. */
VOID Lab5StartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    /* Your code: IOCTL_LAB5_FACTORIAL sets EDU_STATUS_IRQ_FACT in EDU_REG_STATUS, then writes n
     * to EDU_REG_FACTORIAL. IOCTL_LAB5_DMA_TO_DEVICE copies the input into the common buffer
     * and starts a DMA from its logical address to EDU_DMA_BUFFER; IOCTL_LAB5_DMA_FROM_DEVICE
     * starts one from EDU_DMA_BUFFER to the logical address (EDU_DMA_TO_RAM). A DMA: source
     * (0x80), destination (0x88), count (0x90), then the command (0x98) with EDU_DMA_START |
     * EDU_DMA_IRQ | direction. The ISR and the DPC finish the request, not StartIo. */
    Lab5Complete(Irp, STATUS_NOT_IMPLEMENTED, 0);
    IoStartNextPacket(DeviceObject, FALSE);
}

/* At the device's DIRQL; the line is shared and level-triggered. */
BOOLEAN Lab5Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    /* Your code: read EDU_REG_IRQ_STATUS; 0 means not ours (return FALSE, touch nothing
     * else); otherwise acknowledge those bits (EDU_REG_IRQ_ACK), remember them for the DPC
     * (InterlockedOr on Ext->IsrCauses), IoRequestDpc and return TRUE. */
    return FALSE;
}

/* At DISPATCH_LEVEL: finish the current request if its interrupt came. */
VOID Lab5Dpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Unused, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Unused);
    UNREFERENCED_PARAMETER(Context);
    /* Your code: the request is DeviceObject->CurrentIrp. A factorial's result is in
     * EDU_REG_FACTORIAL (clear EDU_REG_STATUS); a DMA from the device is in the common
     * buffer. Complete the IRP, then IoStartNextPacket. */
}

/* ---- claiming the device ---- */

static VOID Lab5ReleaseClaim(PDRIVER_OBJECT DriverObject)
{
    CM_RESOURCE_LIST Empty;
    BOOLEAN Conflict;
    RtlZeroMemory(&Empty, sizeof(Empty));
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(Empty), NULL, NULL, 0, FALSE, &Conflict);
}

/* Map BAR0 and check that the device answers: its ID, and the liveness register inverting. */
/* ---- set-up and tear-down ---- */

/* Undo whatever DriverEntry completed, in reverse (Unload and every failure path). */
static VOID Lab5Teardown(PDRIVER_OBJECT DriverObject, PLAB5_EXTENSION Ext)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab5");
    if (Ext->Interrupt) {
        Lab5Write(Ext, EDU_REG_STATUS, 0); /* no more factorial interrupts */
        IoDisconnectInterrupt(Ext->Interrupt);
    }
    if (Ext->Common)
        Ext->Adapter->DmaOperations->FreeCommonBuffer(Ext->Adapter, EDU_DMA_SIZE, Ext->CommonLogical, Ext->Common,
                                                      FALSE);
    if (Ext->Adapter)
        Ext->Adapter->DmaOperations->PutDmaAdapter(Ext->Adapter);
    if (Ext->Registers)
        MmUnmapIoSpace(Ext->Registers, Ext->Bar0Length);
    if (Ext->Linked)
        IoDeleteSymbolicLink(&Link);
    BOOLEAN Claimed = Ext->Claimed;
    IoDeleteDevice(Ext->Device);
    if (Claimed)
        Lab5ReleaseClaim(DriverObject);
}

VOID Lab5Unload(PDRIVER_OBJECT DriverObject)
{
    Lab5Teardown(DriverObject, DriverObject->DeviceObject->DeviceExtension);
}

static VOID Lab5LogError(PDRIVER_OBJECT DriverObject, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(*Entry));
    Entry->ErrorCode = IO_ERR_CONFIGURATION_ERROR;
    Entry->FinalStatus = Status;
    IoWriteErrorLogEntry(Entry);
}

static NTSTATUS Lab5SetUp(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PLAB5_EXTENSION Ext)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab5");
    UNICODE_STRING Link = RTL_CONSTANT_STRING(L"\\DosDevices\\Lab5");
    NTSTATUS Status = STATUS_SUCCESS;
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    /* Your code: steps 1 (STATUS_NO_SUCH_DEVICE if the device is absent), 2 and 3. */
    if (NT_SUCCESS(Status)) {
        Status = IoCreateSymbolicLink(&Link, &Name); /* step 4 */
        Ext->Linked = NT_SUCCESS(Status);
    }
    /* Your code: steps 5 and 6 (the interrupt last: the ISR may run as soon as it is connected). */
    return Status;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab5");
    PDEVICE_OBJECT Device;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(LAB5_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE,
                                     &Device);
    if (!NT_SUCCESS(Status)) {
        Lab5LogError(DriverObject, Status);
        return Status;
    }
    PLAB5_EXTENSION Ext = Device->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Device = Device;
    IoInitializeDpcRequest(Device, Lab5Dpc);
    Status = Lab5SetUp(DriverObject, RegistryPath, Ext);
    if (!NT_SUCCESS(Status)) {
        Lab5LogError(DriverObject, Status);
        Lab5Teardown(DriverObject, Ext);
        return Status;
    }
    Device->Flags |= DO_BUFFERED_IO;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab5CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab5CreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = Lab5DeviceControl;
    DriverObject->DriverStartIo = Lab5StartIo;
    DriverObject->DriverUnload = Lab5Unload;
    return STATUS_SUCCESS;
}
