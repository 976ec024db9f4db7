/*
 * wdmedu.c - a WDM (Plug and Play) function driver for the "edu" PCI device.
 *
 * driver/edu is the legacy way: it scans PCI configuration space itself in DriverEntry.
 * This driver is bound to the device's hardware ID (PCI\VEN_1234&DEV_11E8) and learns
 * everything from the PnP manager, as a driver for a PCI card does on Windows:
 *   AddDevice    creates the FDO (\Device\WdmEduN) and attaches it to the PCI PDO.
 *   START_DEVICE passes the IRP down first; reads the IDs in configuration space through
 *                the bus driver (BUS_INTERFACE_STANDARD, IRP_MN_READ_CONFIG); maps BAR0 from
 *                AllocatedResourcesTranslated (MmMapIoSpace), checks the identification
 *                register and connects the (level-sensitive, shareable) interrupt.
 *   STOP/REMOVE  undo START in reverse; SURPRISE_REMOVAL fails the request in flight
 *                without touching the hardware, which is gone.
 *
 * I/O: IOCTL_WDMEDU_FACTORIAL writes n to the factorial register with "interrupt when
 * done" set and pends; the ISR acknowledges the device's interrupt and queues a DPC,
 * which reads n! and completes the request. One computation at a time.
 *
 * edu's registers (offsets in BAR0, 32-bit): 0x00 identification (0x010000ED),
 * 0x08 factorial, 0x20 status (bit 0 busy, bit 7 interrupt when the factorial is
 * done), 0x24 interrupt status, 0x64 interrupt acknowledge (write the bits to clear).
 */
#include <ntddk.h>
#include <ntstrsafe.h>
#include <wdmguid.h>

#include "wdmedu_ioctl.h"

#define EDU_ID 0x00
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_ACK 0x64
#define EDU_STATUS_BUSY 0x01
#define EDU_STATUS_IRQ_FACT 0x80
#define EDU_IRQ_FACT 0x001
#define EDU_ID_MASK 0x0000FFFFu /* the major and minor version sit in bits 16-31 */
#define EDU_ID_VALUE 0x000000EDu
#define WDMEDU_TAG 'udEW'

typedef enum { NotStarted, Started, Stopped, SurpriseRemoved } WDMEDU_STATE;

typedef struct _DEVICE_EXTENSION {
    PDEVICE_OBJECT Self, Pdo, Lower;
    IO_REMOVE_LOCK RemoveLock;
    WDMEDU_STATE State;
    PUCHAR Registers;
    ULONG RegistersLength;
    PHYSICAL_ADDRESS Bar0;
    PKINTERRUPT Interrupt;
    ULONG Vector, Irql;
    BOOLEAN Shared, LevelSensitive;
    ULONG Interrupts;
    KDPC Dpc;
    KSPIN_LOCK Lock;  /* guards Pending */
    PIRP Pending;     /* the factorial request in flight */
    ULONG ConfigId, ConfigClass;
} DEVICE_EXTENSION, *PDEVICE_EXTENSION;

static ULONG WdmEduInstances;

static ULONG ReadReg(PDEVICE_EXTENSION Ext, ULONG Offset)
{
    return READ_REGISTER_ULONG((PULONG)(Ext->Registers + Offset));
}

static VOID WriteReg(PDEVICE_EXTENSION Ext, ULONG Offset, ULONG Value)
{
    WRITE_REGISTER_ULONG((PULONG)(Ext->Registers + Offset), Value);
}

static NTSTATUS CompleteIrp(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

/* ---- interrupt and DPC ---- */

static BOOLEAN WdmEduIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    ULONG Status = ReadReg(Ext, EDU_IRQ_STATUS);
    if (Status == 0)
        return FALSE; /* a shared line: not ours */
    WriteReg(Ext, EDU_IRQ_ACK, Status);
    Ext->Interrupts++;
    if (Status & EDU_IRQ_FACT)
        KeInsertQueueDpc(&Ext->Dpc, NULL, NULL);
    return TRUE;
}

static PIRP TakePending(PDEVICE_EXTENSION Ext)
{
    KIRQL Old;
    KeAcquireSpinLock(&Ext->Lock, &Old);
    PIRP Irp = Ext->Pending;
    Ext->Pending = NULL;
    KeReleaseSpinLock(&Ext->Lock, Old);
    return Irp;
}

static VOID WdmEduDpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PDEVICE_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    PIRP Irp = TakePending(Ext);
    if (Irp == NULL)
        return;
    *(PULONG)Irp->AssociatedIrp.SystemBuffer = ReadReg(Ext, EDU_FACTORIAL);
    CompleteIrp(Irp, STATUS_SUCCESS, sizeof(ULONG));
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
}

/* ---- create, close, device control ---- */

static NTSTATUS WdmEduCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->MajorFunction == IRP_MJ_CREATE && Ext->State != Started)
        return CompleteIrp(Irp, STATUS_DEVICE_NOT_READY, 0);
    return CompleteIrp(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS QueryInfo(PDEVICE_EXTENSION Ext, PIRP Irp, ULONG OutLength)
{
    if (OutLength < sizeof(WDMEDU_INFO))
        return CompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    WDMEDU_INFO *Info = Irp->AssociatedIrp.SystemBuffer;
    RtlZeroMemory(Info, sizeof(*Info));
    ULONG Length;
    IoGetDeviceProperty(Ext->Pdo, DevicePropertyBusNumber, sizeof(ULONG), &Info->BusNumber, &Length);
    IoGetDeviceProperty(Ext->Pdo, DevicePropertyAddress, sizeof(ULONG), &Info->Address, &Length);
    Info->Id = ReadReg(Ext, EDU_ID);
    Info->Bar0 = (unsigned long long)Ext->Bar0.QuadPart;
    Info->Bar0Length = Ext->RegistersLength;
    Info->Vector = Ext->Vector;
    Info->Irql = Ext->Irql;
    Info->Shared = Ext->Shared;
    Info->LevelSensitive = Ext->LevelSensitive;
    Info->Interrupts = Ext->Interrupts;
    Info->ConfigId = Ext->ConfigId;
    Info->ConfigClass = Ext->ConfigClass;
    return CompleteIrp(Irp, STATUS_SUCCESS, sizeof(*Info));
}

/* Pends the request until the device's interrupt; the remove lock stays held for it. */
static NTSTATUS StartFactorial(PDEVICE_EXTENSION Ext, PIRP Irp, ULONG InLength, ULONG OutLength)
{
    if (InLength < sizeof(ULONG) || OutLength < sizeof(ULONG))
        return CompleteIrp(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return CompleteIrp(Irp, Status, 0);
    ULONG Value = *(PULONG)Irp->AssociatedIrp.SystemBuffer;
    KIRQL Old;
    KeAcquireSpinLock(&Ext->Lock, &Old);
    if (Ext->Pending != NULL || (ReadReg(Ext, EDU_STATUS) & EDU_STATUS_BUSY)) {
        KeReleaseSpinLock(&Ext->Lock, Old);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
        return CompleteIrp(Irp, STATUS_DEVICE_BUSY, 0);
    }
    IoMarkIrpPending(Irp);
    Ext->Pending = Irp;
    WriteReg(Ext, EDU_STATUS, EDU_STATUS_IRQ_FACT);
    WriteReg(Ext, EDU_FACTORIAL, Value);
    KeReleaseSpinLock(&Ext->Lock, Old);
    return STATUS_PENDING;
}

static NTSTATUS WdmEduDeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG InLength = Stack->Parameters.DeviceIoControl.InputBufferLength;
    ULONG OutLength = Stack->Parameters.DeviceIoControl.OutputBufferLength;
    if (Ext->State != Started)
        return CompleteIrp(Irp, STATUS_DEVICE_NOT_READY, 0);
    switch (Stack->Parameters.DeviceIoControl.IoControlCode) {
    case IOCTL_WDMEDU_INFO:
        return QueryInfo(Ext, Irp, OutLength);
    case IOCTL_WDMEDU_FACTORIAL:
        return StartFactorial(Ext, Irp, InLength, OutLength);
    default:
        return CompleteIrp(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    }
}

/* ---- Plug and Play ---- */

static NTSTATUS StartCompletion(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    UNREFERENCED_PARAMETER(Irp);
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED; /* the dispatch routine finishes it */
}

static NTSTATUS ForwardAndWait(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, StartCompletion, &Event, TRUE, TRUE, TRUE);
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static NTSTATUS PassDown(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->Lower, Irp);
}

/* A PnP request of our own to the stack below, waited for: IRP_MN_QUERY_INTERFACE or
 * IRP_MN_READ_CONFIG, as PCI function drivers read configuration space. */
static NTSTATUS AskLower(PDEVICE_EXTENSION Ext, UCHAR Minor, PVOID Buffer, ULONG Offset, ULONG Length)
{
    KEVENT Event;
    IO_STATUS_BLOCK Iosb;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    PIRP Irp = IoBuildSynchronousFsdRequest(IRP_MJ_PNP, Ext->Lower, NULL, 0, NULL, &Event, &Iosb);
    if (Irp == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Irp->IoStatus.Status = STATUS_NOT_SUPPORTED; /* what a PnP IRP starts with */
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MinorFunction = Minor;
    if (Minor == IRP_MN_QUERY_INTERFACE) {
        Stack->Parameters.QueryInterface.InterfaceType = &GUID_BUS_INTERFACE_STANDARD;
        Stack->Parameters.QueryInterface.Size = sizeof(BUS_INTERFACE_STANDARD);
        Stack->Parameters.QueryInterface.Version = 1;
        Stack->Parameters.QueryInterface.Interface = (PINTERFACE)Buffer;
    } else {
        Stack->Parameters.ReadWriteConfig.WhichSpace = PCI_WHICHSPACE_CONFIG;
        Stack->Parameters.ReadWriteConfig.Buffer = Buffer;
        Stack->Parameters.ReadWriteConfig.Offset = Offset;
        Stack->Parameters.ReadWriteConfig.Length = Length;
    }
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Iosb.Status;
    }
    return Status;
}

/* Identification from configuration space, both ways a WDM driver can read it. */
static NTSTATUS ReadConfiguration(PDEVICE_EXTENSION Ext)
{
    BUS_INTERFACE_STANDARD Bus;
    RtlZeroMemory(&Bus, sizeof(Bus));
    NTSTATUS Status = AskLower(Ext, IRP_MN_QUERY_INTERFACE, &Bus, 0, 0);
    if (!NT_SUCCESS(Status))
        return Status;
    ULONG Read = Bus.GetBusData(Bus.Context, PCI_WHICHSPACE_CONFIG, &Ext->ConfigId, 0, sizeof(ULONG));
    Bus.InterfaceDereference(Bus.Context);
    if (Read != sizeof(ULONG))
        return STATUS_DEVICE_CONFIGURATION_ERROR;
    return AskLower(Ext, IRP_MN_READ_CONFIG, &Ext->ConfigClass, 8, sizeof(ULONG));
}

/* BAR0 and the interrupt, from the translated resources. */
static NTSTATUS StartHardware(PDEVICE_EXTENSION Ext, PCM_RESOURCE_LIST Translated)
{
    if (Translated == NULL || Translated->Count == 0)
        return STATUS_INSUFFICIENT_RESOURCES;
    PCM_PARTIAL_RESOURCE_LIST List = &Translated->List[0].PartialResourceList;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR Memory = NULL, Irq = NULL;
    for (ULONG i = 0; i < List->Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &List->PartialDescriptors[i];
        if (D->Type == CmResourceTypeMemory && Memory == NULL)
            Memory = D;
        else if (D->Type == CmResourceTypeInterrupt && Irq == NULL)
            Irq = D;
    }
    if (Memory == NULL || Irq == NULL || Memory->u.Memory.Length < 0x100)
        return STATUS_INSUFFICIENT_RESOURCES;
    Ext->Registers = MmMapIoSpace(Memory->u.Memory.Start, Memory->u.Memory.Length, MmNonCached);
    if (Ext->Registers == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    Ext->Bar0 = Memory->u.Memory.Start;
    Ext->RegistersLength = Memory->u.Memory.Length;
    if ((ReadReg(Ext, EDU_ID) & EDU_ID_MASK) != EDU_ID_VALUE) {
        MmUnmapIoSpace(Ext->Registers, Ext->RegistersLength);
        Ext->Registers = NULL;
        return STATUS_DEVICE_CONFIGURATION_ERROR; /* not an edu device after all */
    }
    Ext->Vector = Irq->u.Interrupt.Vector;
    Ext->Irql = Irq->u.Interrupt.Level;
    Ext->Shared = Irq->ShareDisposition == CmResourceShareShared;
    Ext->LevelSensitive = !(Irq->Flags & CM_RESOURCE_INTERRUPT_LATCHED);
    NTSTATUS Status = IoConnectInterrupt(&Ext->Interrupt, WdmEduIsr, Ext, NULL, Ext->Vector, (KIRQL)Ext->Irql,
                                         (KIRQL)Ext->Irql, Ext->LevelSensitive ? LevelSensitive : Latched,
                                         Ext->Shared, Irq->u.Interrupt.Affinity, FALSE);
    if (!NT_SUCCESS(Status)) {
        Ext->Interrupt = NULL;
        MmUnmapIoSpace(Ext->Registers, Ext->RegistersLength);
        Ext->Registers = NULL;
    }
    return Status;
}

/* Fails the request in flight, then lets go of the interrupt and the registers. */
static VOID StopHardware(PDEVICE_EXTENSION Ext, NTSTATUS Why)
{
    if (Ext->Interrupt != NULL) {
        IoDisconnectInterrupt(Ext->Interrupt);
        Ext->Interrupt = NULL;
    }
    KeRemoveQueueDpc(&Ext->Dpc);
    PIRP Irp = TakePending(Ext);
    if (Irp != NULL) {
        CompleteIrp(Irp, Why, 0);
        IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    }
    if (Ext->Registers != NULL) {
        MmUnmapIoSpace(Ext->Registers, Ext->RegistersLength);
        Ext->Registers = NULL;
    }
}

static NTSTATUS HandleStart(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    NTSTATUS Status = ForwardAndWait(Ext, Irp);
    if (NT_SUCCESS(Status)) {
        PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
        Status = ReadConfiguration(Ext);
        if (NT_SUCCESS(Status))
            Status = StartHardware(Ext, Stack->Parameters.StartDevice.AllocatedResourcesTranslated);
        if (NT_SUCCESS(Status))
            Ext->State = Started;
    }
    return CompleteIrp(Irp, Status, 0);
}

static NTSTATUS HandleRemove(PDEVICE_EXTENSION Ext, PIRP Irp)
{
    StopHardware(Ext, STATUS_DELETE_PENDING);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    NTSTATUS Status = PassDown(Ext, Irp);
    IoReleaseRemoveLockAndWait(&Ext->RemoveLock, Irp);
    IoDetachDevice(Ext->Lower);
    IoDeleteDevice(Ext->Self);
    return Status;
}

static NTSTATUS WdmEduPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoAcquireRemoveLock(&Ext->RemoveLock, Irp);
    if (!NT_SUCCESS(Status))
        return CompleteIrp(Irp, Status, 0);
    switch (Stack->MinorFunction) {
    case IRP_MN_START_DEVICE:
        Status = HandleStart(Ext, Irp);
        break;
    case IRP_MN_STOP_DEVICE:
        StopHardware(Ext, STATUS_DEVICE_NOT_READY);
        Ext->State = Stopped;
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_SURPRISE_REMOVAL:
        Ext->State = SurpriseRemoved;
        StopHardware(Ext, STATUS_DELETE_PENDING);
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_QUERY_STOP_DEVICE:
    case IRP_MN_QUERY_REMOVE_DEVICE:
    case IRP_MN_CANCEL_STOP_DEVICE:
    case IRP_MN_CANCEL_REMOVE_DEVICE:
        Irp->IoStatus.Status = STATUS_SUCCESS;
        Status = PassDown(Ext, Irp);
        break;
    case IRP_MN_REMOVE_DEVICE:
        return HandleRemove(Ext, Irp); /* releases the remove lock itself */
    default:
        Status = PassDown(Ext, Irp);
        break;
    }
    IoReleaseRemoveLock(&Ext->RemoveLock, Irp);
    return Status;
}

/* Power: not this device's business beyond passing requests on (no power policy). */
static NTSTATUS WdmEduPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PDEVICE_EXTENSION Ext = DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
    return PoCallDriver(Ext->Lower, Irp);
}

/* ---- AddDevice, DriverEntry, Unload ---- */

static NTSTATUS WdmEduAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    WCHAR NameBuffer[32];
    UNICODE_STRING Name;
    RtlInitEmptyUnicodeString(&Name, NameBuffer, sizeof(NameBuffer));
    RtlUnicodeStringPrintf(&Name, WDMEDU_DEVICE_NAME_FORMAT, WdmEduInstances);
    PDEVICE_OBJECT Fdo;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(DEVICE_EXTENSION), &Name, FILE_DEVICE_UNKNOWN,
                                     FILE_DEVICE_SECURE_OPEN, FALSE, &Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PDEVICE_EXTENSION Ext = Fdo->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Self = Fdo;
    Ext->Pdo = Pdo;
    IoInitializeRemoveLock(&Ext->RemoveLock, WDMEDU_TAG, 0, 0);
    KeInitializeSpinLock(&Ext->Lock);
    KeInitializeDpc(&Ext->Dpc, WdmEduDpc, Ext);
    Ext->Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo);
    if (Ext->Lower == NULL) {
        IoDeleteDevice(Fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    WdmEduInstances++;
    Fdo->Flags |= DO_BUFFERED_IO | DO_POWER_PAGABLE;
    Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID WdmEduUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject); /* every device went with its REMOVE_DEVICE */
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = WdmEduCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = WdmEduCreateClose;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = WdmEduDeviceControl;
    DriverObject->MajorFunction[IRP_MJ_PNP] = WdmEduPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = WdmEduPower;
    DriverObject->DriverExtension->AddDevice = WdmEduAddDevice;
    DriverObject->DriverUnload = WdmEduUnload;
    return STATUS_SUCCESS;
}
