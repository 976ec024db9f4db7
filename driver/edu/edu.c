/*
 * edu.c - a legacy (NT 4 style) driver for the "edu" PCI teaching device.
 *
 * DriverEntry:
 *   1. finds the device: HalGetBusData(PCIConfiguration) over every bus (a bus that
 *      does not exist returns 0) and every device/function (an empty slot returns
 *      PCI_INVALID_VENDORID), looking for vendor 0x1234, device 0x11E8;
 *   2. claims it with HalAssignSlotResources (BAR0 and the interrupt, recorded in
 *      the ResourceMap; a slot another driver holds is refused);
 *   3. maps BAR0 with MmMapIoSpace and checks the identification and liveness
 *      registers through READ_REGISTER_ULONG / WRITE_REGISTER_ULONG;
 *   4. creates \Device\Edu0 and \DosDevices\Edu0;
 *   5. gets a DMA adapter (IoGetDmaAdapter, bus master, 32-bit) and a common buffer
 *      of twice the device's DMA buffer (out half, in half);
 *   6. connects the interrupt: HalGetInterruptVector(PCIBus, bus, line) and
 *      IoConnectInterrupt, level-sensitive and shareable.
 * Any failure logs an error entry and undoes the completed steps in reverse.
 *
 * IOCTLs (edu_ioctl.h), one at a time under a fast mutex:
 *   IOCTL_EDU_FACTORIAL: n! computed by the device, either polling the busy bit or
 *     waiting for the completion interrupt (ISR acknowledges, DPC signals);
 *   IOCTL_EDU_DMA: the caller's bytes go into the common buffer, DMA to the
 *     device's buffer, DMA back into the other half, and out to the caller;
 *   IOCTL_EDU_INFO: where the device is.
 * The ISR reads the interrupt status first and returns FALSE when it is zero, so a
 * spurious or shared interrupt is harmless.
 */
#include <ntddk.h>

#include "edu_ioctl.h"

#define EDU_TAG 'udE '
#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11E8
#define EDU_ID 0x010000EDu

#define EDU_REG_ID 0x00
#define EDU_REG_LIVENESS 0x04
#define EDU_REG_FACTORIAL 0x08
#define EDU_REG_STATUS 0x20
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_COUNT 0x90
#define EDU_REG_DMA_CMD 0x98

#define EDU_STATUS_BUSY 0x01
#define EDU_STATUS_IRQ_FACT 0x80
#define EDU_IRQ_FACT 0x001
#define EDU_IRQ_DMA 0x100
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_IRQ 0x4
#define EDU_DMA_BUFFER 0x40000
#define EDU_POLL_LIMIT 100000

typedef struct _EDU_EXTENSION {
    PDEVICE_OBJECT DeviceObject;
    PUCHAR Registers;
    ULONG RegistersLength;
    PHYSICAL_ADDRESS Bar0;
    ULONG Bus;
    PCI_SLOT_NUMBER Slot;
    ULONG Level;
    ULONG Vector;
    KIRQL Irql;
    KAFFINITY Affinity;
    PKINTERRUPT Interrupt;
    PDMA_ADAPTER Adapter;
    ULONG MapRegisters;
    PUCHAR Common;
    PHYSICAL_ADDRESS CommonLogical;
    ULONG CommonLength;
    FAST_MUTEX Lock;
    KEVENT Done;
    ULONG IsrStatus;          /* interrupt causes the ISR acknowledged, for the DPC */
    ULONG Interrupts;
} EDU_EXTENSION, *PEDU_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD EduUnload;
static DRIVER_DISPATCH EduCreateClose, EduDeviceControl;
static KSERVICE_ROUTINE EduIsr;
static IO_DPC_ROUTINE EduDpc;

static ULONG EduRead(PEDU_EXTENSION Ext, ULONG Reg)
{
    return READ_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Reg));
}

static VOID EduWrite(PEDU_EXTENSION Ext, ULONG Reg, ULONG Value)
{
    WRITE_REGISTER_ULONG((volatile ULONG *)(Ext->Registers + Reg), Value);
}

static VOID EduWrite64(PEDU_EXTENSION Ext, ULONG Reg, ULONG64 Value)
{
    WRITE_REGISTER_ULONG64((volatile ULONG64 *)(Ext->Registers + Reg), Value);
}

static VOID EduLogError(PVOID IoObject, NTSTATUS ErrorCode, ULONG Unique, NTSTATUS Final)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(IoObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(*Entry));
    Entry->ErrorCode = ErrorCode;
    Entry->UniqueErrorValue = Unique;
    Entry->FinalStatus = Final;
    IoWriteErrorLogEntry(Entry);
}

/* ---- finding the device ---- */

static BOOLEAN EduFind(PULONG Bus, PPCI_SLOT_NUMBER Found)
{
    PCI_COMMON_CONFIG Config;
    for (ULONG B = 0; B <= PCI_MAX_BRIDGE_NUMBER; B++) {
        for (ULONG D = 0; D < PCI_MAX_DEVICES; D++) {
            for (ULONG F = 0; F < PCI_MAX_FUNCTION; F++) {
                PCI_SLOT_NUMBER Slot;
                Slot.u.AsULONG = 0;
                Slot.u.bits.DeviceNumber = D;
                Slot.u.bits.FunctionNumber = F;
                ULONG Got = HalGetBusData(PCIConfiguration, B, Slot.u.AsULONG, &Config, PCI_COMMON_HDR_LENGTH);
                if (Got == 0)
                    return FALSE; /* no such bus: no more buses */
                if (Config.VendorID == PCI_INVALID_VENDORID) {
                    if (F == 0)
                        break;    /* nothing in this slot */
                    continue;
                }
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

static VOID EduReleaseClaim(PDRIVER_OBJECT DriverObject)
{
    CM_RESOURCE_LIST Empty;
    BOOLEAN Conflict;
    RtlZeroMemory(&Empty, sizeof(Empty));
    IoReportResourceUsage(NULL, DriverObject, &Empty, sizeof(Empty), NULL, NULL, 0, FALSE, &Conflict);
}

/* ---- interrupt ---- */

static BOOLEAN EduIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PEDU_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    ULONG Status = EduRead(Ext, EDU_REG_IRQ_STATUS);
    if (Status == 0)
        return FALSE;
    EduWrite(Ext, EDU_REG_IRQ_ACK, Status);
    Ext->IsrStatus |= Status;
    Ext->Interrupts++;
    IoRequestDpc(Ext->DeviceObject, NULL, Ext);
    return TRUE;
}

static VOID EduDpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PEDU_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent(&Ext->Done, IO_NO_INCREMENT, FALSE);
}

static NTSTATUS EduWaitInterrupt(PEDU_EXTENSION Ext)
{
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = -10 * 1000 * 1000; /* 1 s */
    NTSTATUS Status = KeWaitForSingleObject(&Ext->Done, Executive, KernelMode, FALSE, &Timeout);
    return Status == STATUS_TIMEOUT ? STATUS_IO_TIMEOUT : STATUS_SUCCESS;
}

/* ---- operations ---- */

static NTSTATUS EduFactorial(PEDU_EXTENSION Ext, ULONG Value, BOOLEAN Polled, PULONG Result)
{
    if (Polled) {
        EduWrite(Ext, EDU_REG_STATUS, 0);
        EduWrite(Ext, EDU_REG_FACTORIAL, Value);
        ULONG Tries = 0;
        while (EduRead(Ext, EDU_REG_STATUS) & EDU_STATUS_BUSY)
            if (++Tries > EDU_POLL_LIMIT)
                return STATUS_IO_TIMEOUT;
    } else {
        KeClearEvent(&Ext->Done);
        EduWrite(Ext, EDU_REG_STATUS, EDU_STATUS_IRQ_FACT);
        EduWrite(Ext, EDU_REG_FACTORIAL, Value);
        NTSTATUS Status = EduWaitInterrupt(Ext);
        EduWrite(Ext, EDU_REG_STATUS, 0);
        if (!NT_SUCCESS(Status))
            return Status;
    }
    *Result = EduRead(Ext, EDU_REG_FACTORIAL);
    return STATUS_SUCCESS;
}

static NTSTATUS EduDmaOnce(PEDU_EXTENSION Ext, ULONG64 Source, ULONG64 Destination, ULONG Count, ULONG Direction)
{
    KeClearEvent(&Ext->Done);
    EduWrite64(Ext, EDU_REG_DMA_SRC, Source);
    EduWrite64(Ext, EDU_REG_DMA_DST, Destination);
    EduWrite(Ext, EDU_REG_DMA_COUNT, Count);
    EduWrite(Ext, EDU_REG_DMA_CMD, EDU_DMA_START | EDU_DMA_IRQ | Direction);
    NTSTATUS Status = EduWaitInterrupt(Ext);
    if (NT_SUCCESS(Status) && (EduRead(Ext, EDU_REG_DMA_CMD) & EDU_DMA_START))
        Status = STATUS_IO_DEVICE_ERROR;
    return Status;
}

static NTSTATUS EduDma(PEDU_EXTENSION Ext, PUCHAR Buffer, ULONG Length)
{
    PUCHAR Out = Ext->Common, In = Ext->Common + EDU_DMA_MAX;
    ULONG64 OutLogical = (ULONG64)Ext->CommonLogical.QuadPart;
    ULONG64 InLogical = OutLogical + EDU_DMA_MAX;
    RtlCopyMemory(Out, Buffer, Length);
    RtlZeroMemory(In, Length);
    NTSTATUS Status = EduDmaOnce(Ext, OutLogical, EDU_DMA_BUFFER, Length, 0);
    if (NT_SUCCESS(Status))
        Status = EduDmaOnce(Ext, EDU_DMA_BUFFER, InLogical, Length, EDU_DMA_TO_RAM);
    if (NT_SUCCESS(Status))
        RtlCopyMemory(Buffer, In, Length);
    return Status;
}

static NTSTATUS EduComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS EduCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return EduComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS EduDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEDU_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    PVOID System = Irp->AssociatedIrp.SystemBuffer;
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR Information = 0;
    ExAcquireFastMutex(&Ext->Lock);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_EDU_FACTORIAL: {
        if (InLength < sizeof(EDU_FACTORIAL_IN) || OutLength < sizeof(ULONG)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        EDU_FACTORIAL_IN Request = *(EDU_FACTORIAL_IN *)System;
        ULONG Result = 0;
        Status = EduFactorial(Ext, Request.Value, Request.Polled != 0, &Result);
        if (NT_SUCCESS(Status)) {
            *(PULONG)System = Result;
            Information = sizeof(ULONG);
        }
        break;
    }
    case IOCTL_EDU_DMA:
        if (InLength == 0 || InLength > EDU_DMA_MAX || OutLength < InLength) {
            Status = STATUS_INVALID_PARAMETER;
            break;
        }
        Status = EduDma(Ext, System, InLength);
        if (NT_SUCCESS(Status))
            Information = InLength;
        break;
    case IOCTL_EDU_INFO: {
        if (OutLength < sizeof(EDU_INFO)) {
            Status = STATUS_BUFFER_TOO_SMALL;
            break;
        }
        EDU_INFO *Info = System;
        RtlZeroMemory(Info, sizeof(*Info));
        Info->Bus = Ext->Bus;
        Info->Slot = Ext->Slot.u.AsULONG;
        Info->Bar0 = (unsigned long long)Ext->Bar0.QuadPart;
        Info->Bar0Length = Ext->RegistersLength;
        Info->Irq = Ext->Level;
        Info->Vector = Ext->Vector;
        Info->Interrupts = Ext->Interrupts;
        Info->CommonBufferLogical = (unsigned long long)Ext->CommonLogical.QuadPart;
        Status = STATUS_SUCCESS;
        Information = sizeof(*Info);
        break;
    }
    default:
        break;
    }
    ExReleaseFastMutex(&Ext->Lock);
    return EduComplete(Irp, Status, Information);
}

/* ---- load and unload ---- */

static VOID EduTeardown(PDRIVER_OBJECT DriverObject, PEDU_EXTENSION Ext)
{
    UNICODE_STRING Link = RTL_CONSTANT_STRING(EDU_LINK_NAME);
    if (Ext->Interrupt) {
        EduWrite(Ext, EDU_REG_STATUS, 0);
        IoDisconnectInterrupt(Ext->Interrupt);
        Ext->Interrupt = NULL;
    }
    if (Ext->Common) {
        Ext->Adapter->DmaOperations->FreeCommonBuffer(Ext->Adapter, Ext->CommonLength, Ext->CommonLogical, Ext->Common,
                                                      FALSE);
        Ext->Common = NULL;
    }
    if (Ext->Adapter) {
        Ext->Adapter->DmaOperations->PutDmaAdapter(Ext->Adapter);
        Ext->Adapter = NULL;
    }
    if (Ext->Registers) {
        MmUnmapIoSpace(Ext->Registers, Ext->RegistersLength);
        Ext->Registers = NULL;
    }
    IoDeleteSymbolicLink(&Link);
    IoDeleteDevice(Ext->DeviceObject);
    EduReleaseClaim(DriverObject);
}

static VOID EduUnload(PDRIVER_OBJECT DriverObject)
{
    PAGED_CODE();
    if (DriverObject->DeviceObject)
        EduTeardown(DriverObject, DriverObject->DeviceObject->DeviceExtension);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(EDU_DEVICE_NAME);
    UNICODE_STRING Link = RTL_CONSTANT_STRING(EDU_LINK_NAME);
    ULONG Bus = 0;
    PCI_SLOT_NUMBER Slot;
    NTSTATUS Status;

    /* 1. find the device */
    Slot.u.AsULONG = 0;
    if (!EduFind(&Bus, &Slot)) {
        EduLogError(DriverObject, IO_ERR_CONFIGURATION_ERROR, 1, STATUS_NO_SUCH_DEVICE);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* 2. claim its slot resources */
    PCM_RESOURCE_LIST Resources = NULL;
    Status = HalAssignSlotResources(RegistryPath, NULL, DriverObject, NULL, PCIBus, Bus, Slot.u.AsULONG, &Resources);
    if (!NT_SUCCESS(Status)) {
        /* a conflict is logged by the claim itself; log the rest */
        if (Status != STATUS_CONFLICTING_ADDRESSES)
            EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 2, Status);
        return Status;
    }
    PHYSICAL_ADDRESS Bar0;
    ULONG Bar0Length = 0, Level = ~0u;
    Bar0.QuadPart = 0;
    PCM_PARTIAL_RESOURCE_LIST Partial = &Resources->List[0].PartialResourceList;
    for (ULONG i = 0; i < Partial->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &Partial->PartialDescriptors[i];
        if (D->Type == CmResourceTypeMemory && Bar0Length == 0) {
            Bar0 = D->u.Memory.Start;
            Bar0Length = D->u.Memory.Length;
        } else if (D->Type == CmResourceTypeInterrupt) {
            Level = D->u.Interrupt.Level;
        }
    }
    ExFreePool(Resources);
    if (Bar0Length == 0 || Level == ~0u) {
        EduLogError(DriverObject, IO_ERR_CONFIGURATION_ERROR, 3, STATUS_DEVICE_CONFIGURATION_ERROR);
        EduReleaseClaim(DriverObject);
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    }

    /* 3. map the registers and check the device answers */
    PUCHAR Registers = MmMapIoSpace(Bar0, Bar0Length, MmNonCached);
    if (Registers == NULL) {
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 4, STATUS_INSUFFICIENT_RESOURCES);
        EduReleaseClaim(DriverObject);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    WRITE_REGISTER_ULONG((volatile ULONG *)(Registers + EDU_REG_LIVENESS), 0x5A5AA5A5u);
    if (READ_REGISTER_ULONG((volatile ULONG *)(Registers + EDU_REG_ID)) != EDU_ID ||
        READ_REGISTER_ULONG((volatile ULONG *)(Registers + EDU_REG_LIVENESS)) != ~0x5A5AA5A5u) {
        EduLogError(DriverObject, IO_ERR_NOT_READY, 5, STATUS_DEVICE_NOT_CONNECTED);
        MmUnmapIoSpace(Registers, Bar0Length);
        EduReleaseClaim(DriverObject);
        return STATUS_DEVICE_NOT_CONNECTED;
    }

    /* 4. the device object and its link */
    PDEVICE_OBJECT DeviceObject;
    Status = IoCreateDevice(DriverObject, sizeof(EDU_EXTENSION), &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 6, Status);
        MmUnmapIoSpace(Registers, Bar0Length);
        EduReleaseClaim(DriverObject);
        return Status;
    }
    PEDU_EXTENSION Ext = DeviceObject->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->DeviceObject = DeviceObject;
    Ext->Registers = Registers;
    Ext->RegistersLength = Bar0Length;
    Ext->Bar0 = Bar0;
    Ext->Bus = Bus;
    Ext->Slot = Slot;
    Ext->Level = Level;
    ExInitializeFastMutex(&Ext->Lock);
    KeInitializeEvent(&Ext->Done, NotificationEvent, FALSE);
    IoInitializeDpcRequest(DeviceObject, EduDpc);
    Status = IoCreateSymbolicLink(&Link, &Name);
    if (!NT_SUCCESS(Status)) {
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 7, Status);
        IoDeleteDevice(DeviceObject);
        MmUnmapIoSpace(Registers, Bar0Length);
        EduReleaseClaim(DriverObject);
        return Status;
    }

    /* 5. DMA: a bus-master adapter and a common buffer (out half, in half) */
    DEVICE_DESCRIPTION Description;
    RtlZeroMemory(&Description, sizeof(Description));
    Description.Version = DEVICE_DESCRIPTION_VERSION;
    Description.Master = TRUE;
    Description.Dma32BitAddresses = TRUE;
    Description.InterfaceType = PCIBus;
    Description.BusNumber = Bus;
    Description.MaximumLength = EDU_DMA_MAX;
    Ext->Adapter = IoGetDmaAdapter(NULL, &Description, &Ext->MapRegisters);
    if (Ext->Adapter == NULL) {
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 8, STATUS_INSUFFICIENT_RESOURCES);
        EduTeardown(DriverObject, Ext);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Ext->CommonLength = 2 * EDU_DMA_MAX;
    Ext->Common = Ext->Adapter->DmaOperations->AllocateCommonBuffer(Ext->Adapter, Ext->CommonLength,
                                                                    &Ext->CommonLogical, FALSE);
    if (Ext->Common == NULL) {
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 9, STATUS_INSUFFICIENT_RESOURCES);
        EduTeardown(DriverObject, Ext);
        return STATUS_INSUFFICIENT_RESOURCES;
    }

    /* 6. the interrupt */
    Ext->Vector = HalGetInterruptVector(PCIBus, Bus, Level, Level, &Ext->Irql, &Ext->Affinity);
    Status = IoConnectInterrupt(&Ext->Interrupt, EduIsr, Ext, NULL, Ext->Vector, Ext->Irql, Ext->Irql, LevelSensitive,
                                TRUE, Ext->Affinity, FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        EduLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 10, Status);
        EduTeardown(DriverObject, Ext);
        return Status;
    }

    DriverObject->MajorFunction[IRP_MJ_CREATE] = EduCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = EduCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = EduDeviceControl;
    DriverObject->DriverUnload = EduUnload;
    DeviceObject->Flags |= DO_BUFFERED_IO;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
