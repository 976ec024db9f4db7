/*
 * dma.c - lab 5, reference solution: a legacy driver for the edu PCI device.
 *
 * DriverEntry finds the device in PCI configuration space (HalGetBusData over each bus,
 * device and function), claims its slot resources (HalAssignSlotResources: BAR0 and the
 * interrupt line, recorded in the ResourceMap), creates \Device\Lab5, maps BAR0
 * (MmMapIoSpace) and checks the identification and liveness registers, gets a
 * bus-master DMA adapter with a one-page common buffer, and connects the interrupt.
 *
 * Requests that wait for the device are serialised by StartIo: the dispatch routine
 * pends them, StartIo programs the device (a factorial, or a DMA between the common
 * buffer and the device's own buffer) with its completion interrupt enabled, the ISR
 * acknowledges the interrupt and requests the DPC, and the DPC completes the IRP and
 * starts the next one.
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
    if (InLength < sizeof(ULONG) || OutLength < sizeof(LAB5_IDENTIFY))
        return Lab5Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    ULONG Value = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
    LAB5_IDENTIFY *Out = Irp->AssociatedIrp.SystemBuffer; /* the same buffer: Value read first */
    Lab5Write(Ext, EDU_REG_LIVENESS, Value);
    Out->Id = Lab5Read(Ext, EDU_REG_ID);
    Out->Inverted = Lab5Read(Ext, EDU_REG_LIVENESS);
    return Lab5Complete(Irp, STATUS_SUCCESS, sizeof(*Out));
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

static VOID Lab5StartDma(PLAB5_EXTENSION Ext, ULONG64 Source, ULONG64 Destination, ULONG Count, ULONG Direction)
{
    Lab5Write64(Ext, EDU_REG_DMA_SRC, Source);
    Lab5Write64(Ext, EDU_REG_DMA_DST, Destination);
    Lab5Write(Ext, EDU_REG_DMA_COUNT, Count);
    Lab5Write(Ext, EDU_REG_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ | Direction); /* starts it */
}

/* At DISPATCH_LEVEL, one request at a time: program the device; its interrupt says when done. */
VOID Lab5StartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB5_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PVOID Buffer = Irp->AssociatedIrp.SystemBuffer;
    ULONG64 Logical = (ULONG64)Ext->CommonLogical.QuadPart;
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_LAB5_FACTORIAL:
        Lab5Write(Ext, EDU_REG_STATUS, EDU_STATUS_IRQ_FACT); /* interrupt when done */
        Lab5Write(Ext, EDU_REG_FACTORIAL, *(PULONG)Buffer);
        break;
    case IOCTL_LAB5_DMA_TO_DEVICE: {
        ULONG Count = Stack->Parameters.DeviceIoControl.InputBufferLength;
        RtlCopyMemory(Ext->Common, Buffer, Count);
        Lab5StartDma(Ext, Logical, EDU_DMA_BUFFER, Count, 0);
        break;
    }
    case IOCTL_LAB5_DMA_FROM_DEVICE:
        Lab5StartDma(Ext, EDU_DMA_BUFFER, Logical, Stack->Parameters.DeviceIoControl.OutputBufferLength,
                     EDU_DMA_TO_RAM);
        break;
    default:
        break;
    }
}

/* At the device's DIRQL. The line is shared and level-triggered: claim only what the
 * device says it raised, and acknowledge it so the line drops. */
BOOLEAN Lab5Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    PLAB5_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    ULONG Causes = Lab5Read(Ext, EDU_REG_IRQ_STATUS);
    if (Causes == 0)
        return FALSE; /* not ours (or spurious) */
    Lab5Write(Ext, EDU_REG_IRQ_ACK, Causes);
    InterlockedOr(&Ext->IsrCauses, (LONG)Causes);
    IoRequestDpc(Ext->Device, Ext->Device->CurrentIrp, NULL);
    return TRUE;
}

/* At DISPATCH_LEVEL: finish the current request if its interrupt came. */
VOID Lab5Dpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Unused, PVOID Context)
{
    PLAB5_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIRP Irp = DeviceObject->CurrentIrp;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Unused);
    UNREFERENCED_PARAMETER(Context);
    if (Irp == NULL)
        return;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    ULONG Wanted = Code == IOCTL_LAB5_FACTORIAL ? EDU_IRQ_FACT : EDU_IRQ_DMA;
    if (!(InterlockedAnd(&Ext->IsrCauses, ~(LONG)Wanted) & (LONG)Wanted))
        return; /* another cause: the request's own interrupt is still to come */
    ULONG_PTR Information = 0;
    if (Code == IOCTL_LAB5_FACTORIAL) {
        Lab5Write(Ext, EDU_REG_STATUS, 0);
        *(PULONG)Irp->AssociatedIrp.SystemBuffer = Lab5Read(Ext, EDU_REG_FACTORIAL);
        Information = sizeof(ULONG);
    } else if (Code == IOCTL_LAB5_DMA_FROM_DEVICE) {
        Information = Stack->Parameters.DeviceIoControl.OutputBufferLength;
        RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, Ext->Common, Information);
    }
    Lab5Complete(Irp, STATUS_SUCCESS, Information);
    IoStartNextPacket(DeviceObject, FALSE);
}

/* ---- finding and claiming the device ---- */

static BOOLEAN Lab5FindDevice(PULONG Bus, PPCI_SLOT_NUMBER Found)
{
    PCI_COMMON_CONFIG Config;
    for (ULONG B = 0; B <= PCI_MAX_BRIDGE_NUMBER; B++) {
        for (ULONG D = 0; D < PCI_MAX_DEVICES; D++) {
            for (ULONG F = 0; F < PCI_MAX_FUNCTION; F++) {
                PCI_SLOT_NUMBER Slot;
                Slot.u.AsULONG = 0;
                Slot.u.bits.DeviceNumber = D;
                Slot.u.bits.FunctionNumber = F;
                if (HalGetBusData(PCIConfiguration, B, Slot.u.AsULONG, &Config, PCI_COMMON_HDR_LENGTH) == 0)
                    return FALSE; /* no such bus: no more buses */
                if (Config.VendorID == PCI_INVALID_VENDORID)
                    break;        /* an empty slot (or no more functions) */
                if (Config.VendorID == EDU_VENDOR && Config.DeviceID == EDU_DEVICE) {
                    *Bus = B;
                    *Found = Slot;
                    return TRUE;
                }
                if (F == 0 && !PCI_MULTIFUNCTION_DEVICE(&Config))
                    break;
            }
        }
    }
    return FALSE;
}

/* Claim the slot's resources; keep BAR0's range and the interrupt line. */
static NTSTATUS Lab5Claim(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath, PLAB5_EXTENSION Ext)
{
    PCM_RESOURCE_LIST Resources = NULL;
    NTSTATUS Status = HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, Ext->Bus,
                                             Ext->Slot.u.AsULONG, &Resources);
    if (!NT_SUCCESS(Status))
        return Status;
    Ext->Claimed = TRUE;
    Ext->Level = ~0u;
    PCM_PARTIAL_RESOURCE_LIST List = &Resources->List[0].PartialResourceList;
    for (ULONG i = 0; i < List->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &List->PartialDescriptors[i];
        if (D->Type == CmResourceTypeMemory && Ext->Bar0Length == 0) {
            Ext->Bar0 = D->u.Memory.Start;
            Ext->Bar0Length = D->u.Memory.Length;
        } else if (D->Type == CmResourceTypeInterrupt) {
            Ext->Level = D->u.Interrupt.Level;
        }
    }
    ExFreePool(Resources);
    return Ext->Bar0Length && Ext->Level != ~0u ? STATUS_SUCCESS : STATUS_DEVICE_CONFIGURATION_ERROR;
}

static VOID Lab5ReleaseClaim(PDRIVER_OBJECT DriverObject)
{
    CM_RESOURCE_LIST Empty;
    BOOLEAN Conflict;
    RtlZeroMemory(&Empty, sizeof(Empty));
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(Empty), NULL, NULL, 0, FALSE, &Conflict);
}

/* Map BAR0 and check that the device answers: its ID, and the liveness register inverting. */
static NTSTATUS Lab5MapAndCheck(PLAB5_EXTENSION Ext)
{
    Ext->Registers = MmMapIoSpace(Ext->Bar0, Ext->Bar0Length, MmNonCached);
    if (Ext->Registers == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Lab5Write(Ext, EDU_REG_LIVENESS, 0x5A5AA5A5u);
    if (Lab5Read(Ext, EDU_REG_ID) != EDU_ID || Lab5Read(Ext, EDU_REG_LIVENESS) != ~0x5A5AA5A5u)
        return STATUS_DEVICE_NOT_CONNECTED;
    return STATUS_SUCCESS;
}

static NTSTATUS Lab5SetUpDma(PLAB5_EXTENSION Ext)
{
    DEVICE_DESCRIPTION Description;
    RtlZeroMemory(&Description, sizeof(Description));
    Description.Version = DEVICE_DESCRIPTION_VERSION;
    Description.Master = TRUE;
    Description.ScatterGather = FALSE;
    Description.Dma32BitAddresses = TRUE;
    Description.InterfaceType = PCIBus;
    Description.BusNumber = Ext->Bus;
    Description.MaximumLength = EDU_DMA_SIZE;
    Ext->Adapter = IoGetDmaAdapter(NULL, &Description, &Ext->MapRegisters);
    if (Ext->Adapter == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Ext->Common = Ext->Adapter->DmaOperations->AllocateCommonBuffer(Ext->Adapter, EDU_DMA_SIZE, &Ext->CommonLogical,
                                                                    FALSE);
    return Ext->Common ? STATUS_SUCCESS : STATUS_INSUFFICIENT_RESOURCES;
}

static NTSTATUS Lab5Connect(PLAB5_EXTENSION Ext)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(PCIBus, Ext->Bus, Ext->Level, Ext->Level, &Irql, &Affinity);
    NTSTATUS Status = IoConnectInterrupt(&Ext->Interrupt, Lab5Isr, Ext, NULL, Vector, Irql, Irql, LevelSensitive,
                                         TRUE, Affinity, FALSE);
    if (!NT_SUCCESS(Status))
        Ext->Interrupt = NULL;
    return Status;
}

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
    if (!Lab5FindDevice(&Ext->Bus, &Ext->Slot))
        return STATUS_NO_SUCH_DEVICE;
    NTSTATUS Status = Lab5Claim(DriverObject, RegistryPath, Ext);
    if (NT_SUCCESS(Status))
        Status = Lab5MapAndCheck(Ext);
    if (NT_SUCCESS(Status)) {
        Status = IoCreateSymbolicLink(&Link, &Name);
        Ext->Linked = NT_SUCCESS(Status);
    }
    if (NT_SUCCESS(Status))
        Status = Lab5SetUpDma(Ext);
    if (NT_SUCCESS(Status))
        Status = Lab5Connect(Ext); /* last: the ISR may run as soon as this returns */
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
