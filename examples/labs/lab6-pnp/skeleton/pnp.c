/*
 * pnp.c - lab 6: a Plug and Play function driver for a 16550 (docs/labs/lab6-pnp.md).
 *
 * Done for you: DriverEntry (entry points only, as a WDM driver does), the hardware
 * (programming the UART, the ISR, polled transmit: lab 4 again), the queue of pending
 * reads, and create/close/read/write, each holding the remove lock while it works.
 *
 * Yours:
 *   1. AddDevice: create the FDO \Device\Lab6 (IoCreateDevice, FILE_DEVICE_SERIAL_PORT),
 *      initialise its extension (remove lock, read lock and list, the read DPC), attach it
 *      to the PDO's stack (IoAttachDeviceToDeviceStack: keep the device below in
 *      Ext->Lower), set DO_BUFFERED_IO | DO_POWER_PAGABLE, clear DO_DEVICE_INITIALIZING.
 *   2. IRP_MJ_PNP, holding the remove lock:
 *      - START_DEVICE: pass it down and wait for the lower drivers (a completion routine
 *        that returns STATUS_MORE_PROCESSING_REQUIRED and sets an event), then take the
 *        port and the interrupt from AllocatedResourcesTranslated, IoConnectInterrupt,
 *        Lab6ProgramUart, State = Started; complete the IRP yourself;
 *      - STOP_DEVICE: fail pending reads, quiet the chip and disconnect, pass down;
 *      - SURPRISE_REMOVAL: the same without touching the chip (it is gone), pass down;
 *      - REMOVE_DEVICE: as STOP (unless surprise-removed), pass down, then
 *        IoReleaseRemoveLockAndWait, IoDetachDevice, IoDeleteDevice;
 *      - QUERY_STOP/QUERY_REMOVE/CANCEL_STOP/CANCEL_REMOVE: success, pass down;
 *      - anything else: down, unchanged (done for you).
 *   3. IRP_MJ_POWER: PoStartNextPowerIrp, IoSkipCurrentIrpStackLocation, PoCallDriver.
 * Grade it with `make grade LAB=lab6-pnp`.
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

/* ==== Plug and Play (yours) ==== */

static NTSTATUS Lab6PassDown(PLAB6_EXTENSION Ext, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->Lower, Irp);
}

NTSTATUS Lab6Pnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PLAB6_EXTENSION Ext = DeviceObject->DeviceExtension;
    NTSTATUS Status;
    switch (IoGetCurrentIrpStackLocation(Irp)->MinorFunction) {
    /* Your code (2): START_DEVICE, STOP_DEVICE, SURPRISE_REMOVAL, REMOVE_DEVICE, the
     * queries and cancels; and the remove lock around all of it. */
    default:
        Status = Lab6PassDown(Ext, Irp); /* not ours: down, unchanged */
        break;
    }
    return Status;
}

/* ==== power: not the policy owner, so every power IRP goes down ==== */

NTSTATUS Lab6Power(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    /* Your code (3). Completing a power IRP here, as below, breaks rule PN-07. */
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

/* ==== AddDevice, DriverEntry, Unload ==== */

NTSTATUS Lab6AddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(Pdo);
    /* Your code (1). */
    return STATUS_NOT_IMPLEMENTED;
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
