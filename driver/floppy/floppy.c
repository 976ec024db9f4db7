/*
 * floppy.c - a legacy (NT 4 style) driver for drive 0 of an 82077AA floppy
 * controller, reading and writing sectors by ISA system DMA.
 *
 * DriverEntry:
 *   1. find the controller and drive 0 in HARDWARE\DESCRIPTION
 *      (IoQueryDeviceDescription: DiskController, FloppyDiskPeripheral): ports,
 *      interrupt, DMA channel, and the drive's CM_FLOPPY_DEVICE_DATA;
 *   2. set the entry points;
 *   3. claim the ports (base..base+5 and base+7), the interrupt and the DMA channel;
 *   4. check the controller answers VERSION; create \Device\Floppy0 and
 *      \DosDevices\Floppy0 (direct I/O); get a slave DMA adapter for the channel;
 *      connect the interrupt; reset the controller (the four sense-interrupt
 *      polls), SPECIFY, and recalibrate drive 0.
 * Any failure logs an error entry and undoes the completed steps.
 *
 * Requests are served in the caller's thread, one at a time: IRP_MJ_READ and
 * IRP_MJ_WRITE at byte offsets (whole sectors), split per track side; each piece
 * gets the adapter channel, IoMapTransfer (which programs the 8237), the READ or
 * WRITE DATA command, its interrupt, HalReadDmaCounter, IoFlushAdapterBuffers and
 * IoFreeAdapterChannel. Media errors are retried twice. A lost interrupt is
 * noticed by the timeout and recovered by polling the controller; a controller
 * that stays in its execution phase (no disk, never ready) is reset. The ISR
 * only acts when the driver expects an interrupt, so a spurious one is refused.
 * IOCTL_DISK_GET_DRIVE_GEOMETRY describes the disk.
 */
#include <ntddk.h>

#include "floppy_ioctl.h"

#ifndef STATUS_NONEXISTENT_SECTOR
#define STATUS_NONEXISTENT_SECTOR ((NTSTATUS)0xC0000015L)
#endif
#ifndef STATUS_DEVICE_DATA_ERROR
#define STATUS_DEVICE_DATA_ERROR ((NTSTATUS)0xC000009CL)
#endif

#define FLOPPY_TAG 'polF'

/* controller registers (offsets from the base port) */
#define FDC_DOR 2
#define FDC_MSR 4
#define FDC_DSR 4
#define FDC_FIFO 5
#define FDC_DIR 7
#define FDC_CCR 7

#define DOR_NRESET 0x04
#define DOR_DMA_GATE 0x08
#define DOR_MOTOR0 0x10
#define MSR_RQM 0x80
#define MSR_DIO 0x40
#define MSR_CB 0x10
#define DIR_CHANGE 0x80

#define CMD_SPECIFY 0x03
#define CMD_WRITE 0x45   /* MFM */
#define CMD_READ 0x46    /* MFM */
#define CMD_RECALIBRATE 0x07
#define CMD_SENSE_INT 0x08
#define CMD_SEEK 0x0F
#define CMD_VERSION 0x10

#define ST0_CODE 0xC0
#define ST0_SEEK_END 0x20
#define ST1_END_OF_CYL 0x80
#define ST1_CRC 0x20
#define ST1_OVERRUN 0x10
#define ST1_NO_DATA 0x04
#define ST1_WRITE_PROT 0x02
#define ST1_NO_MARK 0x01

#define FLOPPY_CYLINDERS 80u
#define FLOPPY_HEADS 2u
#define FLOPPY_RETRIES 3u
#define FLOPPY_POLLS 2000u            /* MSR reads before a byte transfer gives up (2 ms of port time) */

typedef enum _FLOPPY_EXPECT { ExpectNothing, ExpectResult, ExpectSense, ExpectReset } FLOPPY_EXPECT;

typedef struct _FLOPPY_CONFIG {
    BOOLEAN Found;
    ULONG Port, Interrupt, DmaChannel;
    ULONG SectorsPerTrack;
    UCHAR Specify1, Specify2;    /* SPECIFY bytes from CM_FLOPPY_DEVICE_DATA */
    UCHAR Rate;
    UCHAR Gap;
} FLOPPY_CONFIG, *PFLOPPY_CONFIG;

typedef struct _FLOPPY_EXTENSION {
    PDEVICE_OBJECT DeviceObject;
    PUCHAR Port;
    FLOPPY_CONFIG Config;
    PKINTERRUPT Interrupt;
    PDMA_ADAPTER Adapter;
    ULONG MapRegisters;
    PVOID MapRegisterBase;
    KEVENT InterruptEvent;      /* the DPC says: the interrupt we waited for came */
    KEVENT ChannelEvent;        /* the adapter channel is ours */
    KEVENT RequestLock;         /* one request at a time */
    /* shared with the ISR (KeSynchronizeExecution) */
    FLOPPY_EXPECT Expect;
    UCHAR Result[8];
    ULONG ResultLength;
    UCHAR Dor;
    BOOLEAN MotorOn;
    BOOLEAN NeedReset;          /* the controller did not answer: reset it before the next request */
    ULONG Cylinder;             /* where the head is, or MAXULONG when unknown */
    BOOLEAN LinkCreated;
    ULONG Retries, LostInterrupts;
} FLOPPY_EXTENSION, *PFLOPPY_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD FloppyUnload;
static DRIVER_DISPATCH FloppyCreateClose, FloppyReadWrite, FloppyDeviceControl;
static KSERVICE_ROUTINE FloppyIsr;
static IO_DPC_ROUTINE FloppyDpc;
static DRIVER_CONTROL FloppyChannelGranted;

/* ---- small helpers ---- */

static VOID FloppyLogError(PVOID IoObject, NTSTATUS ErrorCode, ULONG Unique, NTSTATUS Final)
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

static UCHAR FloppyIn(PFLOPPY_EXTENSION Ext, ULONG Reg)
{
    return READ_PORT_UCHAR(Ext->Port + Reg);
}

static VOID FloppyOut(PFLOPPY_EXTENSION Ext, ULONG Reg, UCHAR Value)
{
    WRITE_PORT_UCHAR(Ext->Port + Reg, Value);
}

/* One command byte, once the controller asks for it (RQM set, DIO clear). */
static BOOLEAN FloppySendByte(PFLOPPY_EXTENSION Ext, UCHAR Value)
{
    for (ULONG i = 0; i < FLOPPY_POLLS; i++)
        if ((FloppyIn(Ext, FDC_MSR) & (MSR_RQM | MSR_DIO)) == MSR_RQM) {
            FloppyOut(Ext, FDC_FIFO, Value);
            return TRUE;
        }
    return FALSE;
}

/* The result bytes the controller offers (RQM and DIO set); their number. */
static ULONG FloppyReadResult(PFLOPPY_EXTENSION Ext, PUCHAR Result, ULONG Max)
{
    ULONG N = 0;
    for (ULONG i = 0; i < FLOPPY_POLLS && N < Max; i++) {
        UCHAR Msr = FloppyIn(Ext, FDC_MSR);
        if ((Msr & (MSR_RQM | MSR_DIO)) == (MSR_RQM | MSR_DIO))
            Result[N++] = FloppyIn(Ext, FDC_FIFO);
        else if (N && !(Msr & MSR_CB))
            break; /* back in the command phase: all read */
    }
    return N;
}

static BOOLEAN FloppySendCommand(PFLOPPY_EXTENSION Ext, const UCHAR *Bytes, ULONG Count)
{
    for (ULONG i = 0; i < Count; i++)
        if (!FloppySendByte(Ext, Bytes[i]))
            return FALSE;
    return TRUE;
}

/* ---- the interrupt ---- */

static BOOLEAN FloppyIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PFLOPPY_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    UCHAR Sense[2];
    switch (Ext->Expect) {
    case ExpectResult:
        /* reading the first result byte drops the controller's interrupt */
        Ext->ResultLength = FloppyReadResult(Ext, Ext->Result, 7);
        break;
    case ExpectSense:
        if (!FloppySendByte(Ext, CMD_SENSE_INT))
            return FALSE;
        Ext->ResultLength = FloppyReadResult(Ext, Ext->Result, 2);
        break;
    case ExpectReset:
        /* one "ready changed" status per drive; the last one leaves in Result */
        for (ULONG d = 0; d < 4; d++) {
            if (!FloppySendByte(Ext, CMD_SENSE_INT))
                return FALSE;
            Ext->ResultLength = FloppyReadResult(Ext, Sense, 2);
            Ext->Result[0] = Sense[0];
        }
        break;
    default:
        return FALSE; /* not expecting one: not ours (or spurious) */
    }
    Ext->Expect = ExpectNothing;
    IoRequestDpc(Ext->DeviceObject, NULL, NULL);
    return TRUE;
}

static VOID FloppyDpc(PKDPC Dpc, PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Irp);
    UNREFERENCED_PARAMETER(Context);
    PFLOPPY_EXTENSION Ext = DeviceObject->DeviceExtension;
    KeSetEvent(&Ext->InterruptEvent, IO_DISK_INCREMENT, FALSE);
}

typedef struct _FLOPPY_EXPECT_SYNC {
    PFLOPPY_EXTENSION Ext;
    FLOPPY_EXPECT Expect;
    FLOPPY_EXPECT Was;
} FLOPPY_EXPECT_SYNC;

static BOOLEAN FloppySyncExpect(PVOID Context)
{
    FLOPPY_EXPECT_SYNC *S = Context;
    S->Was = S->Ext->Expect;
    S->Ext->Expect = S->Expect;
    S->Ext->ResultLength = S->Expect == ExpectNothing ? S->Ext->ResultLength : 0;
    return TRUE;
}

static FLOPPY_EXPECT FloppySetExpect(PFLOPPY_EXTENSION Ext, FLOPPY_EXPECT Expect)
{
    FLOPPY_EXPECT_SYNC S = { Ext, Expect, ExpectNothing };
    if (Expect != ExpectNothing)
        KeClearEvent(&Ext->InterruptEvent);
    KeSynchronizeExecution(Ext->Interrupt, FloppySyncExpect, &S);
    return S.Was;
}

/* Wait for the interrupt the driver expects. On a timeout the controller is asked
 * directly, as if the interrupt had come (a lost interrupt); FALSE if it has
 * nothing to say either. */
static BOOLEAN FloppyWaitInterrupt(PFLOPPY_EXTENSION Ext, LONGLONG TimeoutMs)
{
    LARGE_INTEGER Timeout;
    Timeout.QuadPart = -TimeoutMs * 10000;
    if (KeWaitForSingleObject(&Ext->InterruptEvent, Executive, KernelMode, FALSE, &Timeout) == STATUS_SUCCESS)
        return TRUE;
    FLOPPY_EXPECT Was = FloppySetExpect(Ext, ExpectNothing);
    if (Was == ExpectNothing) /* the ISR got it just now */
        return KeWaitForSingleObject(&Ext->InterruptEvent, Executive, KernelMode, FALSE, NULL) == STATUS_SUCCESS;
    Ext->LostInterrupts++;
    UCHAR Msr = FloppyIn(Ext, FDC_MSR);
    if (Was == ExpectResult && (Msr & (MSR_RQM | MSR_DIO)) == (MSR_RQM | MSR_DIO)) {
        Ext->ResultLength = FloppyReadResult(Ext, Ext->Result, 7);
        return Ext->ResultLength == 7;
    }
    if (Was == ExpectSense && (Msr & (MSR_RQM | MSR_DIO)) == MSR_RQM && FloppySendByte(Ext, CMD_SENSE_INT)) {
        Ext->ResultLength = FloppyReadResult(Ext, Ext->Result, 2);
        return Ext->ResultLength == 2 && Ext->Result[0] != 0x80;
    }
    return FALSE;
}

/* ---- controller set-up ---- */

static NTSTATUS FloppyResetController(PFLOPPY_EXTENSION Ext)
{
    Ext->Dor = (UCHAR)(DOR_DMA_GATE | (Ext->MotorOn ? DOR_MOTOR0 : 0));
    FloppySetExpect(Ext, ExpectReset);
    FloppyOut(Ext, FDC_DOR, Ext->Dor);              /* reset held */
    KeStallExecutionProcessor(10);
    Ext->Dor |= DOR_NRESET;
    FloppyOut(Ext, FDC_DOR, Ext->Dor);              /* released: the controller interrupts */
    Ext->Cylinder = MAXULONG;
    Ext->NeedReset = TRUE;
    if (!FloppyWaitInterrupt(Ext, 1000))
        return STATUS_DEVICE_NOT_READY;
    FloppyOut(Ext, FDC_CCR, Ext->Config.Rate);
    UCHAR Specify[3] = { CMD_SPECIFY, Ext->Config.Specify1, (UCHAR)(Ext->Config.Specify2 & ~1) /* DMA */ };
    if (!FloppySendCommand(Ext, Specify, 3))
        return STATUS_DEVICE_NOT_READY;
    Ext->NeedReset = FALSE;
    return STATUS_SUCCESS;
}

/* Seek (or recalibrate when Cylinder is MAXULONG) and sense the result. */
static NTSTATUS FloppySeek(PFLOPPY_EXTENSION Ext, ULONG Cylinder)
{
    UCHAR Command[3] = { CMD_SEEK, 0, (UCHAR)Cylinder };
    BOOLEAN Recalibrate = Cylinder == MAXULONG;
    if (Recalibrate)
        Command[0] = CMD_RECALIBRATE;
    FloppySetExpect(Ext, ExpectSense);
    if (!FloppySendCommand(Ext, Command, Recalibrate ? 2 : 3)) {
        FloppySetExpect(Ext, ExpectNothing);
        Ext->NeedReset = TRUE;
        return STATUS_DEVICE_NOT_READY;
    }
    if (!FloppyWaitInterrupt(Ext, 2000))
        return STATUS_IO_TIMEOUT;
    UCHAR St0 = Ext->Result[0];
    ULONG Want = Recalibrate ? 0 : Cylinder;
    if ((St0 & (ST0_CODE | ST0_SEEK_END)) != ST0_SEEK_END || Ext->Result[1] != Want) {
        Ext->Cylinder = MAXULONG;
        return STATUS_DEVICE_DATA_ERROR;
    }
    Ext->Cylinder = Want;
    return STATUS_SUCCESS;
}

static NTSTATUS FloppyMotorOn(PFLOPPY_EXTENSION Ext)
{
    if (Ext->MotorOn)
        return STATUS_SUCCESS;
    Ext->Dor |= DOR_MOTOR0;
    FloppyOut(Ext, FDC_DOR, Ext->Dor);
    Ext->MotorOn = TRUE;
    LARGE_INTEGER SpinUp;
    SpinUp.QuadPart = -500 * 10000; /* half a second, as drives ask */
    return KeDelayExecutionThread(KernelMode, FALSE, &SpinUp);
}

/* A disk is in: the change line is clear, or clears with a step. */
static NTSTATUS FloppyCheckMedia(PFLOPPY_EXTENSION Ext)
{
    if (!(FloppyIn(Ext, FDC_DIR) & DIR_CHANGE))
        return STATUS_SUCCESS;
    NTSTATUS Status = FloppySeek(Ext, 1);
    if (NT_SUCCESS(Status))
        Status = FloppySeek(Ext, MAXULONG);
    if (!NT_SUCCESS(Status))
        return Status;
    return (FloppyIn(Ext, FDC_DIR) & DIR_CHANGE) ? STATUS_NO_MEDIA_IN_DEVICE : STATUS_SUCCESS;
}

/* ---- one transfer: some sectors of one track side ---- */

static IO_ALLOCATION_ACTION FloppyChannelGranted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID MapRegisterBase,
                                                 PVOID Context)
{
    PFLOPPY_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    Ext->MapRegisterBase = MapRegisterBase;
    KeSetEvent(&Ext->ChannelEvent, 0, FALSE);
    return KeepObject;
}

static NTSTATUS FloppyStatusOf(const UCHAR *Result)
{
    if ((Result[0] & ST0_CODE) == 0)
        return STATUS_SUCCESS;
    UCHAR St1 = Result[1];
    if (St1 & ST1_WRITE_PROT)
        return STATUS_MEDIA_WRITE_PROTECTED;
    if (St1 & ST1_CRC)
        return STATUS_CRC_ERROR;
    if (St1 & ST1_OVERRUN)
        return STATUS_DATA_OVERRUN;
    if (St1 & (ST1_NO_DATA | ST1_NO_MARK | ST1_END_OF_CYL))
        return STATUS_NONEXISTENT_SECTOR;
    return STATUS_DEVICE_DATA_ERROR;
}

static NTSTATUS FloppyTransfer(PFLOPPY_EXTENSION Ext, PMDL Mdl, PUCHAR CurrentVa, ULONG Lba, ULONG Sectors,
                               BOOLEAN Write)
{
    ULONG Spt = Ext->Config.SectorsPerTrack;
    UCHAR Cylinder = (UCHAR)(Lba / (Spt * FLOPPY_HEADS)), Head = (UCHAR)((Lba / Spt) % FLOPPY_HEADS);
    UCHAR Sector = (UCHAR)(Lba % Spt + 1);
    NTSTATUS Status = STATUS_SUCCESS;
    if (Ext->Cylinder != Cylinder && !NT_SUCCESS(Status = FloppySeek(Ext, Cylinder)))
        return Status;
    ULONG Length = Sectors * FLOPPY_SECTOR_SIZE;
    KeClearEvent(&Ext->ChannelEvent);
    Status = IoAllocateAdapterChannel(Ext->Adapter, Ext->DeviceObject, Length / PAGE_SIZE + 1, FloppyChannelGranted,
                                      Ext);
    if (!NT_SUCCESS(Status))
        return Status;
    KeWaitForSingleObject(&Ext->ChannelEvent, Executive, KernelMode, FALSE, NULL);
    IoMapTransfer(Ext->Adapter, Mdl, Ext->MapRegisterBase, CurrentVa, &Length, Write);
    UCHAR Command[9] = { Write ? CMD_WRITE : CMD_READ, (UCHAR)(Head << 2), Cylinder, Head, Sector, 2,
                         (UCHAR)(Sector + Sectors - 1), Ext->Config.Gap, 0xFF };
    FloppySetExpect(Ext, ExpectResult);
    if (!FloppySendCommand(Ext, Command, 9)) {
        FloppySetExpect(Ext, ExpectNothing);
        Ext->NeedReset = TRUE;
        Status = STATUS_DEVICE_NOT_READY;
    } else if (!FloppyWaitInterrupt(Ext, 3000)) {
        Status = (FloppyIn(Ext, FDC_DIR) & DIR_CHANGE) ? STATUS_NO_MEDIA_IN_DEVICE : STATUS_IO_TIMEOUT;
    } else {
        Status = FloppyStatusOf(Ext->Result);
        /* the channel must have reached terminal count: nothing left to move */
        if (NT_SUCCESS(Status) && HalReadDmaCounter(Ext->Adapter) != 0)
            Status = STATUS_DATA_OVERRUN;
    }
    IoFlushAdapterBuffers(Ext->Adapter, Mdl, Ext->MapRegisterBase, CurrentVa, Length, Write);
    IoFreeAdapterChannel(Ext->Adapter);
    if (Status == STATUS_IO_TIMEOUT || Status == STATUS_NO_MEDIA_IN_DEVICE)
        FloppyResetController(Ext); /* the controller is stuck in the command: start over */
    return Status;
}

static NTSTATUS FloppyTransferWithRetries(PFLOPPY_EXTENSION Ext, PMDL Mdl, PUCHAR CurrentVa, ULONG Lba,
                                          ULONG Sectors, BOOLEAN Write)
{
    NTSTATUS Status = STATUS_SUCCESS;
    for (ULONG Try = 0; Try < FLOPPY_RETRIES; Try++) {
        Status = FloppyTransfer(Ext, Mdl, CurrentVa, Lba, Sectors, Write);
        if (NT_SUCCESS(Status) || Status == STATUS_MEDIA_WRITE_PROTECTED || Status == STATUS_NO_MEDIA_IN_DEVICE ||
            Status == STATUS_DEVICE_NOT_READY || Status == STATUS_INSUFFICIENT_RESOURCES)
            break; /* retrying would not help */
        Ext->Retries++;
        Ext->Cylinder = MAXULONG; /* recalibrate before trying again */
        FloppySeek(Ext, MAXULONG);
    }
    return Status;
}

/* ---- dispatch ---- */

static ULONGLONG FloppyDiskBytes(PFLOPPY_EXTENSION Ext)
{
    return (ULONGLONG)FLOPPY_CYLINDERS * FLOPPY_HEADS * Ext->Config.SectorsPerTrack * FLOPPY_SECTOR_SIZE;
}

static NTSTATUS FloppyCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static NTSTATUS FloppyDoReadWrite(PFLOPPY_EXTENSION Ext, PIRP Irp, ULONGLONG Offset, ULONG Length, BOOLEAN Write,
                                  PULONG Done)
{
    NTSTATUS Status = STATUS_SUCCESS;
    if (Ext->NeedReset && NT_SUCCESS(Status = FloppyResetController(Ext)))
        Status = FloppySeek(Ext, MAXULONG);
    if (NT_SUCCESS(Status))
        Status = FloppyMotorOn(Ext);
    if (NT_SUCCESS(Status))
        Status = FloppyCheckMedia(Ext);
    PUCHAR Va = (PUCHAR)MmGetMdlVirtualAddress(Irp->MdlAddress);
    ULONG Spt = Ext->Config.SectorsPerTrack;
    while (NT_SUCCESS(Status) && *Done < Length) {
        ULONG Lba = (ULONG)((Offset + *Done) / FLOPPY_SECTOR_SIZE);
        ULONG Sectors = Spt - Lba % Spt;
        ULONG Left = (Length - *Done) / FLOPPY_SECTOR_SIZE;
        if (Sectors > Left)
            Sectors = Left;
        Status = FloppyTransferWithRetries(Ext, Irp->MdlAddress, Va + *Done, Lba, Sectors, Write);
        if (NT_SUCCESS(Status))
            *Done += Sectors * FLOPPY_SECTOR_SIZE;
    }
    return Status;
}

static NTSTATUS FloppyReadWrite(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFLOPPY_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    BOOLEAN Write = Stack->MajorFunction == IRP_MJ_WRITE;
    ULONG Length = Stack->Parameters.Read.Length;
    LONGLONG Offset = Stack->Parameters.Read.ByteOffset.QuadPart;
    ULONG Done = 0;
    NTSTATUS Status = STATUS_SUCCESS;
    if (Offset < 0 || Offset % FLOPPY_SECTOR_SIZE || Length % FLOPPY_SECTOR_SIZE ||
        (ULONGLONG)Offset + Length > FloppyDiskBytes(Ext))
        Status = STATUS_INVALID_PARAMETER;
    else if (Length) {
        KeWaitForSingleObject(&Ext->RequestLock, Executive, KernelMode, FALSE, NULL);
        Status = FloppyDoReadWrite(Ext, Irp, (ULONGLONG)Offset, Length, Write, &Done);
        KeSetEvent(&Ext->RequestLock, IO_NO_INCREMENT, FALSE);
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Done;
    IoCompleteRequest(Irp, NT_SUCCESS(Status) ? IO_DISK_INCREMENT : IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS FloppyDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PFLOPPY_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = STATUS_INVALID_DEVICE_REQUEST;
    ULONG_PTR Information = 0;
    if (Stack->Parameters.DeviceIoControl.IoControlCode == IOCTL_DISK_GET_DRIVE_GEOMETRY) {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(DISK_GEOMETRY)) {
            Status = STATUS_BUFFER_TOO_SMALL;
        } else {
            PDISK_GEOMETRY G = Irp->AssociatedIrp.SystemBuffer;
            G->Cylinders.QuadPart = FLOPPY_CYLINDERS;
            G->MediaType = Ext->Config.SectorsPerTrack == 18 ? F3_1Pt44_512 : F3_720_512;
            G->TracksPerCylinder = FLOPPY_HEADS;
            G->SectorsPerTrack = Ext->Config.SectorsPerTrack;
            G->BytesPerSector = FLOPPY_SECTOR_SIZE;
            Information = sizeof(DISK_GEOMETRY);
            Status = STATUS_SUCCESS;
        }
    }
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- DriverEntry stage 1: the hardware description ---- */

static const CM_PARTIAL_RESOURCE_DESCRIPTOR *FloppyPartials(PKEY_VALUE_FULL_INFORMATION Info, ULONG *Count)
{
    *Count = 0;
    if (Info == NULL || Info->DataLength < FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors))
        return NULL;
    const CM_FULL_RESOURCE_DESCRIPTOR *Full = (const CM_FULL_RESOURCE_DESCRIPTOR *)((PUCHAR)Info + Info->DataOffset);
    ULONG Fits = (Info->DataLength - FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors)) /
                 sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    *Count = Full->PartialResourceList.Count < Fits ? Full->PartialResourceList.Count : Fits;
    return Full->PartialResourceList.PartialDescriptors;
}

static NTSTATUS FloppyConfigCallout(PVOID Context, PUNICODE_STRING PathName, INTERFACE_TYPE BusType, ULONG BusNumber,
                                    PKEY_VALUE_FULL_INFORMATION *BusInformation, CONFIGURATION_TYPE ControllerType,
                                    ULONG ControllerNumber, PKEY_VALUE_FULL_INFORMATION *ControllerInformation,
                                    CONFIGURATION_TYPE PeripheralType, ULONG PeripheralNumber,
                                    PKEY_VALUE_FULL_INFORMATION *PeripheralInformation)
{
    PFLOPPY_CONFIG Config = Context;
    UNREFERENCED_PARAMETER(PathName);
    UNREFERENCED_PARAMETER(BusType);
    UNREFERENCED_PARAMETER(BusNumber);
    UNREFERENCED_PARAMETER(BusInformation);
    UNREFERENCED_PARAMETER(ControllerType);
    UNREFERENCED_PARAMETER(ControllerNumber);
    UNREFERENCED_PARAMETER(PeripheralType);
    if (Config->Found || PeripheralNumber != 0)
        return STATUS_SUCCESS; /* drive 0 of the first controller only */
    ULONG Count;
    const CM_PARTIAL_RESOURCE_DESCRIPTOR *P =
        FloppyPartials(ControllerInformation[IoQueryDeviceConfigurationData], &Count);
    BOOLEAN Port = FALSE, Irq = FALSE, Dma = FALSE;
    for (ULONG i = 0; i < Count; i++) {
        if (P[i].Type == CmResourceTypePort) {
            Config->Port = P[i].u.Port.Start.LowPart;
            Port = TRUE;
        } else if (P[i].Type == CmResourceTypeInterrupt) {
            Config->Interrupt = P[i].u.Interrupt.Level;
            Irq = TRUE;
        } else if (P[i].Type == CmResourceTypeDma) {
            Config->DmaChannel = P[i].u.Dma.Channel;
            Dma = TRUE;
        }
    }
    /* the drive: its device-specific data follows its one partial descriptor */
    P = FloppyPartials(PeripheralInformation[IoQueryDeviceConfigurationData], &Count);
    if (!Port || !Irq || !Dma || P == NULL || Count == 0 || P[0].Type != CmResourceTypeDeviceSpecific ||
        P[0].u.DeviceSpecificData.DataSize < sizeof(CM_FLOPPY_DEVICE_DATA))
        return STATUS_SUCCESS;
    const CM_FLOPPY_DEVICE_DATA *Drive = (const CM_FLOPPY_DEVICE_DATA *)(P + 1);
    if (Drive->Version < 2 || (Drive->SectorPerTrack != 18 && Drive->SectorPerTrack != 9))
        return STATUS_SUCCESS;
    Config->SectorsPerTrack = Drive->SectorPerTrack;
    Config->Specify1 = Drive->StepRateHeadUnloadTime;
    Config->Specify2 = Drive->HeadLoadTime;
    Config->Rate = Drive->DataTransferRate;
    Config->Gap = Drive->ReadWriteGapLength;
    Config->Found = TRUE;
    return STATUS_SUCCESS;
}

/* ---- DriverEntry stage 3: claims ---- */

static NTSTATUS FloppyClaim(PDRIVER_OBJECT DriverObject, PFLOPPY_CONFIG Config, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[3];
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    ULONG Size = sizeof(ULONG);
    if (!Release) {
        Claim.List.Count = 1;
        Claim.List.List[0].InterfaceType = Isa;
        Claim.List.List[0].PartialResourceList.Version = 1;
        Claim.List.List[0].PartialResourceList.Revision = 1;
        Claim.List.List[0].PartialResourceList.Count = 4;
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
        D[0].Type = CmResourceTypePort; /* base..base+5; base+6 is the IDE controller's */
        D[0].ShareDisposition = CmResourceShareDeviceExclusive;
        D[0].Flags = CM_RESOURCE_PORT_IO;
        D[0].u.Port.Start.QuadPart = Config->Port;
        D[0].u.Port.Length = 6;
        D[1] = D[0];
        D[1].u.Port.Start.QuadPart = Config->Port + FDC_DIR;
        D[1].u.Port.Length = 1;
        D[2].Type = CmResourceTypeInterrupt;
        D[2].ShareDisposition = CmResourceShareDeviceExclusive;
        D[2].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
        D[2].u.Interrupt.Level = Config->Interrupt;
        D[2].u.Interrupt.Vector = Config->Interrupt;
        D[2].u.Interrupt.Affinity = (KAFFINITY)-1;
        D[3].Type = CmResourceTypeDma;
        D[3].ShareDisposition = CmResourceShareDeviceExclusive;
        D[3].u.Dma.Channel = Config->DmaChannel;
        Size = sizeof(Claim);
    }
    UNICODE_STRING ClassName;
    RtlInitUnicodeString(&ClassName, L"LOADED FLOPPY DRIVER RESOURCES");
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = IoReportResourceUsage(&ClassName, DriverObject, &Claim.List, Size, NULL, NULL, 0, FALSE,
                                            &Conflict);
    if (Conflict)
        return STATUS_INSUFFICIENT_RESOURCES;
    return Status;
}

/* ---- DriverEntry stage 4 and Unload ---- */

static BOOLEAN FloppyProbe(PUCHAR Port)
{
    FLOPPY_EXTENSION Probe;
    RtlZeroMemory(&Probe, sizeof(Probe));
    Probe.Port = Port;
    UCHAR Version[1] = { 0 };
    UCHAR Command = CMD_VERSION;
    if (!FloppySendCommand(&Probe, &Command, 1) || FloppyReadResult(&Probe, Version, 1) != 1)
        return FALSE;
    return Version[0] == 0x90 || Version[0] == 0x80; /* 82077AA, or an 8272/765 that rejects VERSION */
}

/* Undo stage 4 in reverse (also Unload's work). */
static VOID FloppyUndo(PDRIVER_OBJECT DriverObject, PFLOPPY_EXTENSION Ext)
{
    if (Ext == NULL)
        return;
    if (Ext->Interrupt) {
        FloppyOut(Ext, FDC_DOR, DOR_NRESET); /* motor off, interrupt and DMA gated off */
        IoDisconnectInterrupt(Ext->Interrupt);
        Ext->Interrupt = NULL;
    }
    if (Ext->Adapter) {
        Ext->Adapter->DmaOperations->PutDmaAdapter(Ext->Adapter);
        Ext->Adapter = NULL;
    }
    if (Ext->LinkCreated) {
        UNICODE_STRING Link;
        RtlInitUnicodeString(&Link, FLOPPY_LINK_NAME);
        IoDeleteSymbolicLink(&Link);
        Ext->LinkCreated = FALSE;
    }
    UNREFERENCED_PARAMETER(DriverObject);
    IoDeleteDevice(Ext->DeviceObject);
}

static NTSTATUS FloppyStartDevice(PFLOPPY_EXTENSION Ext)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, Ext->Config.Interrupt, Ext->Config.Interrupt, &Irql, &Affinity);
    NTSTATUS Status = IoConnectInterrupt(&Ext->Interrupt, FloppyIsr, Ext, NULL, Vector, Irql, Irql, Latched, FALSE,
                                         Affinity, FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        FloppyLogError(Ext->DeviceObject, IO_ERR_INTERNAL_ERROR, 8, Status);
        return Status;
    }
    Status = FloppyResetController(Ext);
    if (NT_SUCCESS(Status))
        Status = FloppySeek(Ext, MAXULONG);
    if (!NT_SUCCESS(Status))
        FloppyLogError(Ext->DeviceObject, IO_ERR_NOT_READY, 9, Status);
    return Status;
}

static NTSTATUS FloppyCreate(PDRIVER_OBJECT DriverObject, PFLOPPY_CONFIG Config, PFLOPPY_EXTENSION *Out)
{
    UNICODE_STRING DeviceName, Link;
    RtlInitUnicodeString(&DeviceName, FLOPPY_DEVICE_NAME);
    PDEVICE_OBJECT DeviceObject;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(FLOPPY_EXTENSION), &DeviceName, FILE_DEVICE_DISK,
                                     FILE_REMOVABLE_MEDIA | FILE_FLOPPY_DISKETTE, FALSE, &DeviceObject);
    if (!NT_SUCCESS(Status)) {
        FloppyLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 5, Status);
        return Status;
    }
    DeviceObject->Flags |= DO_DIRECT_IO;
    PFLOPPY_EXTENSION Ext = DeviceObject->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    *Out = Ext;
    Ext->DeviceObject = DeviceObject;
    Ext->Port = (PUCHAR)(ULONG_PTR)Config->Port;
    Ext->Config = *Config;
    Ext->Cylinder = MAXULONG;
    KeInitializeEvent(&Ext->InterruptEvent, NotificationEvent, FALSE);
    KeInitializeEvent(&Ext->ChannelEvent, NotificationEvent, FALSE);
    KeInitializeEvent(&Ext->RequestLock, SynchronizationEvent, TRUE);
    IoInitializeDpcRequest(DeviceObject, FloppyDpc);
    RtlInitUnicodeString(&Link, FLOPPY_LINK_NAME);
    Status = IoCreateSymbolicLink(&Link, &DeviceName);
    if (!NT_SUCCESS(Status)) {
        FloppyLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 6, Status);
        return Status;
    }
    Ext->LinkCreated = TRUE;
    /* a slave adapter for the channel: the HAL programs the 8237 in IoMapTransfer */
    DEVICE_DESCRIPTION Dd;
    RtlZeroMemory(&Dd, sizeof(Dd));
    Dd.Version = DEVICE_DESCRIPTION_VERSION;
    Dd.Master = FALSE;
    Dd.InterfaceType = Isa;
    Dd.DmaChannel = Config->DmaChannel;
    Dd.DmaWidth = Width8Bits;
    Dd.DmaSpeed = Compatible;
    Dd.MaximumLength = Config->SectorsPerTrack * FLOPPY_SECTOR_SIZE;
    Ext->Adapter = IoGetDmaAdapter(NULL, &Dd, &Ext->MapRegisters);
    if (Ext->Adapter == NULL) {
        FloppyLogError(DeviceObject, IO_ERR_INSUFFICIENT_RESOURCES, 7, STATUS_INSUFFICIENT_RESOURCES);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    return FloppyStartDevice(Ext);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    /* 1. where the controller is */
    FLOPPY_CONFIG Config;
    RtlZeroMemory(&Config, sizeof(Config));
    INTERFACE_TYPE Bus = Isa;
    CONFIGURATION_TYPE Controller = DiskController, Peripheral = FloppyDiskPeripheral;
    IoQueryDeviceDescription(&Bus, NULL, &Controller, NULL, &Peripheral, NULL, FloppyConfigCallout, &Config);
    if (!Config.Found || Config.Port > 0xFFF8 || Config.Interrupt > 15 || Config.DmaChannel > 3) {
        FloppyLogError(DriverObject, IO_ERR_CONFIGURATION_ERROR, 1, STATUS_NO_SUCH_DEVICE);
        return STATUS_NO_SUCH_DEVICE;
    }

    /* 2. entry points */
    DriverObject->MajorFunction[IRP_MJ_CREATE] = FloppyCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = FloppyCreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = FloppyReadWrite;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = FloppyReadWrite;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = FloppyDeviceControl;
    DriverObject->DriverUnload = FloppyUnload;

    /* 3. claim before touching */
    NTSTATUS Status = FloppyClaim(DriverObject, &Config, FALSE);
    if (!NT_SUCCESS(Status)) {
        if (Status != STATUS_INSUFFICIENT_RESOURCES) /* a conflict was logged by the I/O manager */
            FloppyLogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 3, Status);
        return Status;
    }

    /* 4. the controller */
    if (!FloppyProbe((PUCHAR)(ULONG_PTR)Config.Port)) {
        FloppyLogError(DriverObject, IO_ERR_NOT_READY, 4, STATUS_NO_SUCH_DEVICE);
        FloppyClaim(DriverObject, NULL, TRUE);
        return STATUS_NO_SUCH_DEVICE;
    }
    PFLOPPY_EXTENSION Ext = NULL;
    Status = FloppyCreate(DriverObject, &Config, &Ext);
    if (!NT_SUCCESS(Status)) {
        FloppyUndo(DriverObject, Ext);
        FloppyClaim(DriverObject, NULL, TRUE);
        return Status;
    }
    IoGetConfigurationInformation()->FloppyCount++;
    Ext->DeviceObject->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID FloppyUnload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT DeviceObject = DriverObject->DeviceObject;
    if (DeviceObject) {
        IoGetConfigurationInformation()->FloppyCount--;
        FloppyUndo(DriverObject, DeviceObject->DeviceExtension);
    }
    FloppyClaim(DriverObject, NULL, TRUE);
}
