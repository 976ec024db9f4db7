/* parallel.c - a legacy printer driver for the PC parallel port (SPP).
 *
 * DriverEntry finds the port in HARDWARE\DESCRIPTION (ParallelController 0, else
 * 0x378 / IRQ 7), claims its three ports and interrupt, creates \Device\ParallelPort0
 * with the link LPT1, checks the data latch reads back, pulses nINIT to reset the
 * printer, connects the interrupt and enables it in the control register.
 *
 * A write goes through StartIo, one byte at a time (all at DISPATCH_LEVEL):
 *   - status first: paper out or off line fails the write; BUSY waits (a 100 us
 *     retry timer) up to BUSY_TIMEOUT_MS;
 *   - the byte goes on the data lines and STROBE is pulsed for 1 us; the printer
 *     answers with an nACK pulse, whose rising edge interrupts;
 *   - the ISR claims the interrupt when status bit 2 (nIRQ) shows an acknowledge and
 *     queues the DpcForIsr, which sends the next byte;
 *   - if no interrupt comes within ACK_TIMEOUT_MS, the timer DPC polls: a printer no
 *     longer busy took the byte (the interrupt was lost), otherwise the write times out.
 */
#include <ntddk.h>
#include "parallel_ioctl.h"

#define LPT_DATA 0
#define LPT_STATUS 1
#define LPT_CONTROL 2

#define STATUS_NIRQ 0x04
#define STATUS_SELECT 0x10
#define STATUS_PE 0x20
#define STATUS_NBUSY 0x80

#define CONTROL_STROBE 0x01
#define CONTROL_NINIT 0x04
#define CONTROL_SELECTIN 0x08
#define CONTROL_IRQEN 0x10

#define RETRY_100NS (-1000LL)          /* 100 us */
#define ACK_TIMEOUT_MS 10
#define BUSY_TIMEOUT_MS 200

typedef enum { LptIdle, LptRetrying, LptAwaitingAck } LPT_STATE;

typedef struct _LPT_EXTENSION {
    PDEVICE_OBJECT DeviceObject;
    PUCHAR Base;
    ULONG PortAddress, Irq;
    PKINTERRUPT Interrupt;
    KTIMER Timer;
    KDPC TimerDpc;
    LPT_STATE State;
    BOOLEAN AwaitingAck;           /* set before a strobe, cleared by the ISR (interrupt lock) */
    ULONG Sent;                    /* bytes of the current IRP printed */
    ULONGLONG BusyDeadline;        /* KeQueryInterruptTime units */
    PARALLEL_STATS Stats;
    BOOLEAN LinkCreated;
} LPT_EXTENSION, *PLPT_EXTENSION;

typedef struct _LPT_CONFIG {
    ULONG PortAddress, Irq;
} LPT_CONFIG, *PLPT_CONFIG;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD LptUnload;
static DRIVER_DISPATCH LptCreateClose;
static DRIVER_DISPATCH LptWrite;
static DRIVER_DISPATCH LptDeviceControl;
static DRIVER_STARTIO LptStartIo;
static KSERVICE_ROUTINE LptIsr;
static IO_DPC_ROUTINE LptAckDpc;
static KDEFERRED_ROUTINE LptTimerDpc;

static const WCHAR LptDeviceName[] = L"\\Device\\ParallelPort0";
static const WCHAR LptLinkName[] = L"\\DosDevices\\LPT1";

/* ---- configuration and claims ---- */

static NTSTATUS LptCallout(PVOID Context, PUNICODE_STRING PathName, INTERFACE_TYPE BusType, ULONG BusNumber,
                           PKEY_VALUE_FULL_INFORMATION *BusInformation, CONFIGURATION_TYPE ControllerType,
                           ULONG ControllerNumber, PKEY_VALUE_FULL_INFORMATION *ControllerInformation,
                           CONFIGURATION_TYPE PeripheralType, ULONG PeripheralNumber,
                           PKEY_VALUE_FULL_INFORMATION *PeripheralInformation)
{
    PLPT_CONFIG Config = Context;
    UNREFERENCED_PARAMETER(PathName);
    UNREFERENCED_PARAMETER(BusType);
    UNREFERENCED_PARAMETER(BusNumber);
    UNREFERENCED_PARAMETER(BusInformation);
    UNREFERENCED_PARAMETER(ControllerType);
    UNREFERENCED_PARAMETER(ControllerNumber);
    UNREFERENCED_PARAMETER(PeripheralType);
    UNREFERENCED_PARAMETER(PeripheralNumber);
    UNREFERENCED_PARAMETER(PeripheralInformation);
    PKEY_VALUE_FULL_INFORMATION Info = ControllerInformation[IoQueryDeviceConfigurationData];
    if (Info == NULL || Info->DataLength < sizeof(CM_FULL_RESOURCE_DESCRIPTOR))
        return STATUS_SUCCESS;
    PCM_FULL_RESOURCE_DESCRIPTOR Full = (PCM_FULL_RESOURCE_DESCRIPTOR)((PUCHAR)Info + Info->DataOffset);
    ULONG Fits = (Info->DataLength - FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors)) /
                 sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    for (ULONG i = 0; i < Full->PartialResourceList.Count && i < Fits; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &Full->PartialResourceList.PartialDescriptors[i];
        if (D->Type == CmResourceTypePort)
            Config->PortAddress = D->u.Port.Start.LowPart;
        else if (D->Type == CmResourceTypeInterrupt)
            Config->Irq = D->u.Interrupt.Level;
    }
    return STATUS_SUCCESS;
}

static VOID LptReadConfig(PLPT_CONFIG Config)
{
    Config->PortAddress = 0x378;
    Config->Irq = 7;
    INTERFACE_TYPE Bus = Isa;
    CONFIGURATION_TYPE Type = ParallelController;
    ULONG Number = 0;
    IoQueryDeviceDescription(&Bus, NULL, &Type, &Number, NULL, NULL, LptCallout, Config);
}

static NTSTATUS LptClaim(PDRIVER_OBJECT DriverObject, PLPT_CONFIG Config, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR Interrupt;
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    ULONG Size = sizeof(ULONG);
    if (!Release) {
        Claim.List.Count = 1;
        Claim.List.List[0].InterfaceType = Isa;
        Claim.List.List[0].PartialResourceList.Version = 1;
        Claim.List.List[0].PartialResourceList.Revision = 1;
        Claim.List.List[0].PartialResourceList.Count = 2;
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
        D[0].Type = CmResourceTypePort;
        D[0].ShareDisposition = CmResourceShareDeviceExclusive;
        D[0].Flags = CM_RESOURCE_PORT_IO;
        D[0].u.Port.Start.QuadPart = Config->PortAddress;
        D[0].u.Port.Length = 3;
        D[1].Type = CmResourceTypeInterrupt;
        D[1].ShareDisposition = CmResourceShareDeviceExclusive;
        D[1].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
        D[1].u.Interrupt.Level = Config->Irq;
        D[1].u.Interrupt.Vector = Config->Irq;
        D[1].u.Interrupt.Affinity = (KAFFINITY)-1;
        Size = sizeof(Claim);
    }
    UNICODE_STRING ClassName;
    RtlInitUnicodeString(&ClassName, L"LOADED PARALLEL DRIVER RESOURCES");
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = IoReportResourceUsage(&ClassName, DriverObject, &Claim.List, Size, NULL, NULL, 0, FALSE,
                                            &Conflict);
    if (NT_SUCCESS(Status) && Conflict)
        Status = STATUS_CONFLICTING_ADDRESSES;
    return Status;
}

static VOID LptLogError(PVOID IoObject, NTSTATUS ErrorCode, ULONG Unique, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Packet = IoAllocateErrorLogEntry(IoObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Packet == NULL)
        return;
    RtlZeroMemory(Packet, sizeof(*Packet));
    Packet->ErrorCode = ErrorCode;
    Packet->UniqueErrorValue = Unique;
    Packet->FinalStatus = Status;
    IoWriteErrorLogEntry(Packet);
}

/* ---- the handshake ---- */

static UCHAR LptStatus(PLPT_EXTENSION Ext) { return READ_PORT_UCHAR(Ext->Base + LPT_STATUS); }

static BOOLEAN LptSyncStrobe(PVOID Context)
{
    PLPT_EXTENSION Ext = Context;
    Ext->AwaitingAck = TRUE;
    WRITE_PORT_UCHAR(Ext->Base + LPT_CONTROL, CONTROL_IRQEN | CONTROL_SELECTIN | CONTROL_NINIT | CONTROL_STROBE);
    KeStallExecutionProcessor(1);
    WRITE_PORT_UCHAR(Ext->Base + LPT_CONTROL, CONTROL_IRQEN | CONTROL_SELECTIN | CONTROL_NINIT);
    return TRUE;
}

/* Under the interrupt lock: was an acknowledge still awaited? (and stop awaiting it) */
static BOOLEAN LptSyncTakeAwaiting(PVOID Context)
{
    PLPT_EXTENSION Ext = Context;
    BOOLEAN Was = Ext->AwaitingAck;
    Ext->AwaitingAck = FALSE;
    return Was;
}

static VOID LptFinish(PLPT_EXTENSION Ext, PIRP Irp, NTSTATUS Status)
{
    Ext->State = LptIdle;
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Ext->Sent;
    IoStartNextPacket(Ext->DeviceObject, FALSE);
    IoCompleteRequest(Irp, IO_PARALLEL_INCREMENT);
}

static VOID LptArm(PLPT_EXTENSION Ext, LPT_STATE State, LONGLONG Due100ns)
{
    LARGE_INTEGER Due;
    Due.QuadPart = Due100ns;
    Ext->State = State;
    KeSetTimer(&Ext->Timer, Due, &Ext->TimerDpc);
}

/* Print the next byte of the current IRP, or finish it (DISPATCH_LEVEL). */
static VOID LptSendNext(PLPT_EXTENSION Ext)
{
    PIRP Irp = Ext->DeviceObject->CurrentIrp;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
    if (Ext->Sent == Length) {
        LptFinish(Ext, Irp, STATUS_SUCCESS);
        return;
    }
    UCHAR Status = LptStatus(Ext);
    if (Status & STATUS_PE) {
        LptFinish(Ext, Irp, STATUS_DEVICE_PAPER_EMPTY);
        return;
    }
    if (!(Status & STATUS_SELECT)) {
        LptFinish(Ext, Irp, STATUS_DEVICE_OFF_LINE);
        return;
    }
    if (!(Status & STATUS_NBUSY)) {
        if (KeQueryInterruptTime() >= Ext->BusyDeadline) {
            LptFinish(Ext, Irp, STATUS_IO_TIMEOUT);
            return;
        }
        Ext->Stats.BusyRetries++;
        LptArm(Ext, LptRetrying, RETRY_100NS);
        return;
    }
    WRITE_PORT_UCHAR(Ext->Base + LPT_DATA, ((PUCHAR)Irp->AssociatedIrp.SystemBuffer)[Ext->Sent]);
    KeSynchronizeExecution(Ext->Interrupt, LptSyncStrobe, Ext);
    LptArm(Ext, LptAwaitingAck, -(LONGLONG)ACK_TIMEOUT_MS * 10000);
}

static VOID LptByteDone(PLPT_EXTENSION Ext)
{
    Ext->Sent++;
    Ext->Stats.BytesPrinted++;
    Ext->BusyDeadline = KeQueryInterruptTime() + (ULONGLONG)BUSY_TIMEOUT_MS * 10000;
    LptSendNext(Ext);
}

static BOOLEAN LptIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PLPT_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    if (LptStatus(Ext) & STATUS_NIRQ)
        return FALSE;            /* no acknowledge latched: not this port's interrupt */
    if (Ext->AwaitingAck) {
        Ext->AwaitingAck = FALSE;
        IoRequestDpc(Ext->DeviceObject, NULL, NULL);
    }
    return TRUE;
}

static VOID LptAckDpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    PLPT_EXTENSION Ext = DeviceObject->DeviceExtension;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    if (Ext->State != LptAwaitingAck || DeviceObject->CurrentIrp == NULL)
        return;
    KeCancelTimer(&Ext->Timer);
    Ext->Stats.AckInterrupts++;
    LptByteDone(Ext);
}

static VOID LptTimerDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PLPT_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    if (Ext->State == LptRetrying) {
        LptSendNext(Ext);
        return;
    }
    if (Ext->State != LptAwaitingAck || !KeSynchronizeExecution(Ext->Interrupt, LptSyncTakeAwaiting, Ext))
        return;                  /* the acknowledge DPC is on its way */
    if (LptStatus(Ext) & STATUS_NBUSY) {
        Ext->Stats.LostAcks++;   /* the printer took it; its interrupt never came */
        LptByteDone(Ext);
        return;
    }
    LptFinish(Ext, Ext->DeviceObject->CurrentIrp, STATUS_IO_TIMEOUT);
}

/* ---- dispatch ---- */

static NTSTATUS LptComplete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS LptCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return LptComplete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS LptWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    if (IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length == 0)
        return LptComplete(Irp, STATUS_SUCCESS, 0);
    IoMarkIrpPending(Irp);
    IoStartPacket(DeviceObject, Irp, NULL, NULL);
    return STATUS_PENDING;
}

static VOID LptStartIo(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLPT_EXTENSION Ext = DeviceObject->DeviceExtension;
    UNREFERENCED_PARAMETER(Irp);
    Ext->Sent = 0;
    Ext->BusyDeadline = KeQueryInterruptTime() + (ULONGLONG)BUSY_TIMEOUT_MS * 10000;
    LptSendNext(Ext);
}

static NTSTATUS LptDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLPT_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->Parameters.DeviceIoControl.IoControlCode != IOCTL_PARALLEL_STATS)
        return LptComplete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(PARALLEL_STATS))
        return LptComplete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    KIRQL Irql;
    KeRaiseIrql(DISPATCH_LEVEL, &Irql);     /* the counters change in DPCs */
    RtlCopyMemory(Irp->AssociatedIrp.SystemBuffer, &Ext->Stats, sizeof(PARALLEL_STATS));
    KeLowerIrql(Irql);
    return LptComplete(Irp, STATUS_SUCCESS, sizeof(PARALLEL_STATS));
}

/* ---- DriverEntry, Unload ---- */

/* Is there a data latch at the port? (an empty bus reads all ones) */
static BOOLEAN LptProbe(PUCHAR Base)
{
    WRITE_PORT_UCHAR(Base + LPT_DATA, 0x55);
    UCHAR A = READ_PORT_UCHAR(Base + LPT_DATA);
    WRITE_PORT_UCHAR(Base + LPT_DATA, 0xAA);
    UCHAR B = READ_PORT_UCHAR(Base + LPT_DATA);
    return A == 0x55 && B == 0xAA;
}

static VOID LptUndo(PLPT_EXTENSION Ext)
{
    if (Ext->Interrupt) {
        WRITE_PORT_UCHAR(Ext->Base + LPT_CONTROL, CONTROL_SELECTIN | CONTROL_NINIT);
        IoDisconnectInterrupt(Ext->Interrupt);
        Ext->Interrupt = NULL;
    }
    KeCancelTimer(&Ext->Timer);
    KeRemoveQueueDpc(&Ext->TimerDpc);
    KeRemoveQueueDpc(&Ext->DeviceObject->Dpc);
    if (Ext->LinkCreated) {
        UNICODE_STRING Link;
        RtlInitUnicodeString(&Link, LptLinkName);
        IoDeleteSymbolicLink(&Link);
        Ext->LinkCreated = FALSE;
    }
    IoDeleteDevice(Ext->DeviceObject);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    LPT_CONFIG Config;
    LptReadConfig(&Config);

    DriverObject->MajorFunction[IRP_MJ_CREATE] = LptCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = LptCreateClose;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = LptWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = LptDeviceControl;
    DriverObject->DriverStartIo = LptStartIo;
    DriverObject->DriverUnload = LptUnload;

    NTSTATUS Status = LptClaim(DriverObject, &Config, FALSE);
    if (!NT_SUCCESS(Status)) {
        if (Status != STATUS_CONFLICTING_ADDRESSES)
            LptLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 1, Status);
        return Status;
    }
    PUCHAR Base = (PUCHAR)(ULONG_PTR)Config.PortAddress;
    if (!LptProbe(Base)) {
        LptLogError(DriverObject, IO_ERR_NOT_READY, 2, STATUS_NO_SUCH_DEVICE);
        Status = STATUS_NO_SUCH_DEVICE;
        goto ReleaseClaim;
    }
    UNICODE_STRING DeviceName, LinkName;
    RtlInitUnicodeString(&DeviceName, LptDeviceName);
    RtlInitUnicodeString(&LinkName, LptLinkName);
    PDEVICE_OBJECT DeviceObject;
    Status = IoCreateDevice(DriverObject, sizeof(LPT_EXTENSION), &DeviceName, FILE_DEVICE_PARALLEL_PORT, 0, FALSE,
                            &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        LptLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 3, Status);
        goto ReleaseClaim;
    }
    DeviceObject->Flags |= DO_BUFFERED_IO;
    PLPT_EXTENSION Ext = DeviceObject->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->DeviceObject = DeviceObject;
    Ext->Base = Base;
    Ext->PortAddress = Config.PortAddress;
    Ext->Irq = Config.Irq;
    KeInitializeTimer(&Ext->Timer);
    KeInitializeDpc(&Ext->TimerDpc, LptTimerDpc, Ext);
    IoInitializeDpcRequest(DeviceObject, LptAckDpc);

    Status = IoCreateSymbolicLink(&LinkName, &DeviceName);
    if (!NT_SUCCESS(Status)) {
        LptLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 4, Status);
        goto Undo;
    }
    Ext->LinkCreated = TRUE;

    /* reset the printer: nINIT low for 100 us, interrupts off meanwhile */
    WRITE_PORT_UCHAR(Base + LPT_CONTROL, CONTROL_SELECTIN);
    KeStallExecutionProcessor(100);
    WRITE_PORT_UCHAR(Base + LPT_CONTROL, CONTROL_SELECTIN | CONTROL_NINIT);

    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, Config.Irq, Config.Irq, &Irql, &Affinity);
    Status = IoConnectInterrupt(&Ext->Interrupt, LptIsr, Ext, NULL, Vector, Irql, Irql, Latched, FALSE, Affinity,
                                FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        LptLogError(DeviceObject, IO_ERR_INTERNAL_ERROR, 5, Status);
        goto Undo;
    }
    WRITE_PORT_UCHAR(Base + LPT_CONTROL, CONTROL_IRQEN | CONTROL_SELECTIN | CONTROL_NINIT);
    IoGetConfigurationInformation()->ParallelCount++;
    DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;

Undo:
    LptUndo(Ext);
ReleaseClaim:
    LptClaim(DriverObject, NULL, TRUE);
    return Status;
}

static VOID LptUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    if (DeviceObject) {
        IoGetConfigurationInformation()->ParallelCount--;
        LptUndo(DeviceObject->DeviceExtension);
    }
    LptClaim(DriverObject, NULL, TRUE);
}
