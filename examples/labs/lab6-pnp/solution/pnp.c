/*
 * pnp.c - lab 6, reference solution: a Plug and Play function driver for a 16550.
 *
 * DriverEntry only sets entry points. AddDevice creates the FDO \Device\Lab6 and
 * attaches it above the PDO. IRP_MN_START_DEVICE goes down first (the bus must start
 * the device before its function driver touches it); on the way back the driver takes
 * the port and the interrupt from AllocatedResourcesTranslated, connects the ISR and
 * programs the UART. STOP, SURPRISE_REMOVAL and REMOVE undo that; REMOVE also waits
 * for the remove lock to drain, detaches and deletes the FDO. Every PnP IRP the driver
 * does not handle, and every power IRP, goes down unchanged.
 *
 * I/O: a write sends its bytes polled; a read pends until bytes arrive (the ISR fills a
 * ring buffer and requests the DPC, which completes the oldest read). Each IRP holds
 * the remove lock while the driver owns it, so REMOVE cannot delete the FDO under it.
 */
#include <ntddk.h>
#include "lab6.h"

#define LAB6_TAG '6baL'
#define LAB6_RING 256

typedef enum { NotStarted, Started, Stopped, SurpriseRemoved, Removed } LAB6_STATE;

typedef struct _LAB6_EXTENSION {
    PDEVICE_OBJECT Self;
    PDEVICE_OBJECT Lower;        /* the device below: IoAttachDeviceToDeviceStack's answer */
    IO_REMOVE_LOCK RemoveLock;
    LAB6_STATE State;
    PUCHAR Port;                 /* from START's resources */
    PKINTERRUPT Interrupt;
    KDPC ReadDpc;                /* queued by the ISR (and by a new read): completes reads */
    KSPIN_LOCK ReadLock;         /* guards Reads */
    LIST_ENTRY Reads;            /* pending reads, oldest first */
    UCHAR Ring[LAB6_RING];       /* received bytes; only the ISR and KeSynchronizeExecution touch it */
    ULONG RingHead, RingCount;
} LAB6_EXTENSION, *PLAB6_EXTENSION;

DRIVER_INITIALIZE DriverEntry;
DRIVER_ADD_DEVICE Lab6AddDevice;
DRIVER_UNLOAD Lab6Unload;
_Dispatch_type_(IRP_MJ_CREATE) _Dispatch_type_(IRP_MJ_CLOSE) DRIVER_DISPATCH Lab6CreateClose;
_Dispatch_type_(IRP_MJ_READ) DRIVER_DISPATCH Lab6Read;
_Dispatch_type_(IRP_MJ_WRITE) DRIVER_DISPATCH Lab6Write;
_Dispatch_type_(IRP_MJ_PNP) DRIVER_DISPATCH Lab6Pnp;
_Dispatch_type_(IRP_MJ_POWER) DRIVER_DISPATCH Lab6Power;
KSERVICE_ROUTINE Lab6Isr;
KDEFERRED_ROUTINE Lab6ReadDpc;
DRIVER_CANCEL Lab6CancelRead;
KSYNCHRONIZE_ROUTINE Lab6TakeBytes, Lab6QuietUart;
IO_COMPLETION_ROUTINE Lab6LowerDone;
VOID Lab6ProgramUart(PLAB6_EXTENSION Ext);             /* Port set, ISR connected: 115200 8N1, receive interrupt on */
VOID Lab6FailReads(PLAB6_EXTENSION Ext, NTSTATUS Status); /* complete every pending read with Status */

static NTSTATUS Lab6Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ==== the hardware (as in lab 4) ==== */

VOID Lab6ProgramUart(PLAB6_EXTENSION Ext)
{
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0);
    WRITE_PORT_UCHAR(Ext->Port + UART_LCR, LCR_DLAB);
    WRITE_PORT_UCHAR(Ext->Port + UART_DLL, UART_DIVISOR_115200);
    WRITE_PORT_UCHAR(Ext->Port + UART_DLM, 0);
    WRITE_PORT_UCHAR(Ext->Port + UART_LCR, LCR_8N1);
    WRITE_PORT_UCHAR(Ext->Port + UART_FCR, FCR_ENABLE_CLEAR);
    WRITE_PORT_UCHAR(Ext->Port + UART_MCR, MCR_DTR_RTS_OUT2);
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, IER_RDA); /* the ISR is connected: interrupts may come */
}

BOOLEAN Lab6QuietUart(PVOID Context)
{
    PLAB6_EXTENSION Ext = Context;
    WRITE_PORT_UCHAR(Ext->Port + UART_IER, 0);
    WRITE_PORT_UCHAR(Ext->Port + UART_MCR, 0);
    return TRUE;
}

BOOLEAN Lab6Isr(PKINTERRUPT Interrupt, PVOID Context)
{
    PLAB6_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    if (READ_PORT_UCHAR(Ext->Port + UART_IIR) & IIR_NO_INTERRUPT)
        return FALSE;
    while (READ_PORT_UCHAR(Ext->Port + UART_LSR) & LSR_DR) {
        UCHAR Byte = READ_PORT_UCHAR(Ext->Port + UART_RBR);
        if (Ext->RingCount < LAB6_RING)
            Ext->Ring[(Ext->RingHead + Ext->RingCount++) % LAB6_RING] = Byte;
    }
    KeInsertQueueDpc(&Ext->ReadDpc, NULL, NULL);
    return TRUE;
}

static NTSTATUS Lab6SendPolled(PLAB6_EXTENSION Ext, const UCHAR *Bytes, ULONG Length)
{
    for (ULONG i = 0; i < Length; i++) {
        ULONG Tries = 0;
        while (!(READ_PORT_UCHAR(Ext->Port + UART_LSR) & LSR_THRE)) {
            if (++Tries > 10000) /* 10 ms: a byte takes 87 us */
                return STATUS_IO_TIMEOUT;
            KeStallExecutionProcessor(1);
        }
        WRITE_PORT_UCHAR(Ext->Port + UART_THR, Bytes[i]);
    }
    return STATUS_SUCCESS;
}

/* ==== pending reads ==== */

typedef struct _LAB6_TAKE {
    PLAB6_EXTENSION Ext;
    PUCHAR Buffer;
    ULONG Length, Taken;
} LAB6_TAKE;

/* At DIRQL under the interrupt's lock: move received bytes into a read's buffer. */
BOOLEAN Lab6TakeBytes(PVOID Context)
{
    LAB6_TAKE *Take = Context;
    PLAB6_EXTENSION Ext = Take->Ext;
    while (Take->Taken < Take->Length && Ext->RingCount > 0) {
        Take->Buffer[Take->Taken++] = Ext->Ring[Ext->RingHead];
        Ext->RingHead = (Ext->RingHead + 1) % LAB6_RING;
        Ext->RingCount--;
    }
    return TRUE;
}

/* The oldest pending read that is not being cancelled, off the list; NULL if none. */
static PIRP Lab6NextRead(PLAB6_EXTENSION Ext)
{
    KIRQL Irql;
    PIRP Irp = NULL;
    KeAcquireSpinLock(&Ext->ReadLock, &Irql);
    for (PLIST_ENTRY Entry = Ext->Reads.Flink; Entry != &Ext->Reads; Entry = Entry->Flink) {
        PIRP Candidate = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        if (IoSetCancelRoutine(Candidate, NULL) != NULL) { /* else its cancel routine owns it */
            RemoveEntryList(Entry);
            Irp = Candidate;
            break;
        }
    }
    KeReleaseSpinLock(&Ext->ReadLock, Irql);
    return Irp;
}

static VOID Lab6FinishRead(PLAB6_EXTENSION Ext, PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Lab6Complete(Irp, Status, Information);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp); /* taken when the read was pended */
}

/* At DISPATCH_LEVEL: complete the oldest reads with what has arrived. */
VOID Lab6ReadDpc(PKDPC Dpc, PVOID Context, PVOID Argument1, PVOID Argument2)
{
    PLAB6_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Argument1);
    UNREFERENCED_PARAMETER(Argument2);
    while (Ext->Interrupt != NULL && Ext->RingCount > 0) {
        PIRP Irp = Lab6NextRead(Ext);
        if (Irp == NULL)
            return;
        LAB6_TAKE Take = { Ext, Irp->AssociatedIrp.SystemBuffer,
                           IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length, 0 };
        KeSynchronizeExecution(Ext->Interrupt, Lab6TakeBytes, &Take);
        Lab6FinishRead(Ext, Irp, STATUS_SUCCESS, Take.Taken);
    }
}

VOID Lab6CancelRead(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    KIRQL Irql;
    IoReleaseCancelSpinLock(Irp->CancelIrql);
    KeAcquireSpinLock(&Ext->ReadLock, &Irql);
    RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Ext->ReadLock, Irql);
    Lab6FinishRead(Ext, Irp, STATUS_CANCELLED, 0);
}

/* Every pending read completes with Status (stop, surprise removal, removal). */
VOID Lab6FailReads(PLAB6_EXTENSION Ext, NTSTATUS Status)
{
    PIRP Irp;
    while ((Irp = Lab6NextRead(Ext)) != NULL)
        Lab6FinishRead(Ext, Irp, Status, 0);
}

/* Queue a read (the caller holds the remove lock for it); STATUS_PENDING or its final status. */
static NTSTATUS Lab6QueueRead(PLAB6_EXTENSION Ext, PIRP Irp)
{
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->ReadLock, &Irql);
    IoSetCancelRoutine(Irp, Lab6CancelRead);
    if (Irp->Cancel && IoSetCancelRoutine(Irp, NULL) != NULL) {
        KeReleaseSpinLock(&Ext->ReadLock, Irql);
        Lab6FinishRead(Ext, Irp, STATUS_CANCELLED, 0);
        return STATUS_CANCELLED;
    }
    IoMarkIrpPending(Irp);
    InsertTailList(&Ext->Reads, &Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Ext->ReadLock, Irql);
    KeInsertQueueDpc(&Ext->ReadDpc, NULL, NULL); /* bytes may be waiting already */
    return STATUS_PENDING;
}

/* ==== create, close, read, write: each holds the remove lock while it works ==== */

NTSTATUS Lab6CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    if (IoGetCurrentIrpStackLocation(Irp)->MajorFunction == IRP_MJ_CLOSE)
        return Lab6Complete(Irp, STATUS_SUCCESS, 0); /* a close always succeeds, even after removal */
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Lab6Complete(Irp, Status, 0);
    Status = Ext->State == Started ? STATUS_SUCCESS : STATUS_DEVICE_NOT_READY;
    Lab6Complete(Irp, Status, 0);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

NTSTATUS Lab6Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Lab6Complete(Irp, Status, 0);
    if (Ext->State != Started || IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length == 0) {
        Status = Ext->State != Started ? STATUS_DEVICE_NOT_READY : STATUS_SUCCESS;
        Lab6FinishRead(Ext, Irp, Status, 0);
        return Status;
    }
    return Lab6QueueRead(Ext, Irp); /* the remove lock is released when the read completes */
}

NTSTATUS Lab6Write(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Lab6Complete(Irp, Status, 0);
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Write.Length;
    Status = STATUS_DEVICE_NOT_READY; /* stopped or removed: the ports are not ours */
    if (Ext->State == Started)
        Status = Lab6SendPolled(Ext, Irp->AssociatedIrp.SystemBuffer, Length);
    Lab6Complete(Irp, Status, NT_SUCCESS(Status) ? Length : 0);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

/* ==== Plug and Play ==== */

/* The port and the interrupt the PnP manager assigned (translated: the interrupt as the
 * HAL sees it), then the ISR, then the chip. */
static NTSTATUS Lab6StartHardware(PLAB6_EXTENSION Ext, PCM_RESOURCE_LIST Translated)
{
    if (Translated == NULL || Translated->Count == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_LIST List = &Translated->List[0].PartialResourceList;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR Port = NULL, Irq = NULL;
    for (ULONG i = 0; i < List->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &List->PartialDescriptors[i];
        if (D->Type == CmResourceTypePort && Port == NULL)
            Port = D;
        else if (D->Type == CmResourceTypeInterrupt && Irq == NULL)
            Irq = D;
    }
    if (Port == NULL || Irq == NULL || Port->u.Port.Length < 8)
        return STATUS_INSUFFICIENT_RESOURCES;
    Ext->Port = (PUCHAR)(ULONG_PTR)Port->u.Port.Start.QuadPart;
    Ext->RingHead = Ext->RingCount = 0;
    KINTERRUPT_MODE Mode = (Irq->Flags & CM_RESOURCE_INTERRUPT_LATCHED) ? Latched : LevelSensitive;
    NTSTATUS Status = IoConnectInterrupt(&Ext->Interrupt, Lab6Isr, Ext, NULL, Irq->u.Interrupt.Vector,
                                         (KIRQL)Irq->u.Interrupt.Level, (KIRQL)Irq->u.Interrupt.Level, Mode,
                                         Irq->ShareDisposition == CmResourceShareShared, Irq->u.Interrupt.Affinity,
                                         FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        return Status;
    }
    Lab6ProgramUart(Ext);
    return STATUS_SUCCESS;
}

/* Quiet the chip (unless it is gone) and disconnect; the resources are not ours after this. */
static VOID Lab6StopHardware(PLAB6_EXTENSION Ext, BOOLEAN Present)
{
    if (Ext->Interrupt == NULL)
        return;
    if (Present)
        KeSynchronizeExecution(Ext->Interrupt, Lab6QuietUart, Ext);
    IoDisconnectInterrupt(Ext->Interrupt);
    Ext->Interrupt = NULL;
    KeRemoveQueueDpc(&Ext->ReadDpc); /* one the ISR queued must not run after REMOVE */
}

NTSTATUS Lab6LowerDone(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the IRP is ours again: the dispatch routine completes it */
}

/* Send the IRP down and wait until the lower drivers have completed it. */
static NTSTATUS Lab6ForwardAndWait(PLAB6_EXTENSION Ext, PIRP Irp)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, Lab6LowerDone, &Event, TRUE, TRUE, TRUE);
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static NTSTATUS Lab6PassDown(PLAB6_EXTENSION Ext, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->Lower, Irp);
}

static NTSTATUS Lab6HandleStart(PLAB6_EXTENSION Ext, PIRP Irp)
{
    NTSTATUS Status = Lab6ForwardAndWait(Ext, Irp); /* the bus first */
    if (NT_SUCCESS(Status)) {
        PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
        Status = Lab6StartHardware(Ext, Stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        if (NT_SUCCESS(Status))
            Ext->State = Started;
    }
    return Lab6Complete(Irp, Status, 0);
}

static NTSTATUS Lab6HandleRemove(PLAB6_EXTENSION Ext, PIRP Irp)
{
    Lab6FailReads(Ext, STATUS_DELETE_PENDING);
    Lab6StopHardware(Ext, Ext->State != SurpriseRemoved);
    Ext->State = Removed;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    NTSTATUS Status = Lab6PassDown(Ext, Irp);
    IoReleaseRemoveLockAndWait(&Ext->RemoveLock, Irp); /* every IRP in the driver has left */
    IoDetachDevice(Ext->Lower);
    IoDeleteDevice(Ext->Self);
    return Status;
}

NTSTATUS Lab6Pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return Lab6Complete(Irp, Status, 0);
    switch (IoGetCurrentIrpStackLocation(Irp)->MinorFunction) {
    case IRP_MN_START_DEVICE:
        Status = Lab6HandleStart(Ext, Irp);
        break;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS; /* nothing to veto, nothing to undo */
        Status = Lab6PassDown(Ext, Irp);
        break;
    case IRP_MN_STOP_DEVICE:
        Lab6FailReads(Ext, STATUS_DEVICE_NOT_READY);
        Lab6StopHardware(Ext, TRUE);
        Ext->State = Stopped;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = Lab6PassDown(Ext, Irp);
        break;
    case IRP_MN_SURPRISE_REMOVAL:
        Ext->State = SurpriseRemoved;
        Lab6FailReads(Ext, STATUS_DELETE_PENDING);
        Lab6StopHardware(Ext, FALSE); /* the UART is gone: do not touch it */
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = Lab6PassDown(Ext, Irp);
        break;
    case IRP_MN_REMOVE_DEVICE:
        return Lab6HandleRemove(Ext, Irp); /* it releases the remove lock itself */
    default:
        Status = Lab6PassDown(Ext, Irp); /* not ours: down, unchanged */
        break;
    }
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

/* ==== power: not the policy owner, so every power IRP goes down ==== */

NTSTATUS Lab6Power(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    PoStartNextPowerIrp(Irp);
    if (!NT_SUCCESS(Status))
        return Lab6Complete(Irp, Status, 0);
    IoSkipCurrentIrpStackLocation(Irp);
    Status = PoCallDriver(Ext->Lower, Irp);
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

/* ==== AddDevice, DriverEntry, Unload ==== */

NTSTATUS Lab6AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\Lab6");
    PDEVICE_OBJECT Fdo;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(LAB6_EXTENSION), &Name, FILE_DEVICE_SERIAL_PORT,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PLAB6_EXTENSION Ext = Fdo->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Self = Fdo;
    Ext->State = NotStarted;
    IoInitializeRemoveLock(&Ext->RemoveLock, LAB6_TAG, 0, 0);
    KeInitializeSpinLock(&Ext->ReadLock);
    InitializeListHead(&Ext->Reads);
    KeInitializeDpc(&Ext->ReadDpc, Lab6ReadDpc, Ext);
    Ext->Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo);
    if (Ext->Lower == NULL) {
        IoDeleteDevice(Fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    Fdo->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

VOID Lab6Unload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* each FDO went with its REMOVE_DEVICE */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = Lab6CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = Lab6CreateClose;
    DriverObject->MajorFunction[IRP_MJ_READ] = Lab6Read;
    DriverObject->MajorFunction[IRP_MJ_WRITE] = Lab6Write;
    DriverObject->MajorFunction[IRP_MJ_PNP] = Lab6Pnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = Lab6Power;
    DriverObject->DriverExtension->AddDevice = Lab6AddDevice;
    DriverObject->DriverUnload = Lab6Unload;
    return STATUS_SUCCESS;
}
