/* pnp_rules.c - one minimal WDM function driver, built once per PN rule with exactly
 * one defect switched on (BAD_PN0x; BAD_PN06R: a request after REMOVE), and once with none (good_wdm), for
 * tests/pnp/rules.c. The driver is bound to the 16550 (*PNP0501) and takes its port
 * from START_DEVICE. Lines the tests look up carry "LINE_MARK: <name>". */
#include <ntddk.h>

/* {d4b1f5a2-6e3c-4b8f-9a01-2c3d4e5f6a7b} an interface class of the test's own */
DEFINE_GUID(RulesInterface, 0xd4b1f5a2, 0x6e3c, 0x4b8f, 0x9a, 0x01, 0x2c, 0x3d, 0x4e, 0x5f, 0x6a, 0x7b);

typedef struct _EXT {
    PDEVICE_OBJECT Lower;
    PUCHAR Port;
    UNICODE_STRING Interface;
} EXT, *PEXT;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_ADD_DEVICE RulesAddDevice;
static DRIVER_UNLOAD RulesUnload;
static DRIVER_DISPATCH RulesPnp, RulesPower, RulesCreateClose;
static IO_COMPLETION_ROUTINE RulesSignal;
#ifdef BAD_PN02
static PDEVICE_OBJECT EntryDevice;
#endif

static NTSTATUS RulesSignal(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    if (Irp->PendingReturned)
        KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

static NTSTATUS ForwardAndWait(PEXT Ext, PIRP Irp)
{
    KEVENT Event;
    KeInitializeEvent(&Event, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, RulesSignal, &Event, TRUE, TRUE, TRUE);
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
    if (Status == STATUS_PENDING) {
        KeWaitForSingleObject(&Event, Executive, KernelMode, FALSE, NULL);
        Status = Irp->IoStatus.Status;
    }
    return Status;
}

static PUCHAR PortFrom(PCM_RESOURCE_LIST List)
{
    if (List == NULL)
        return NULL;
    PCM_PARTIAL_RESOURCE_LIST Partial = &List->List[0].PartialResourceList;
    for (ULONG i = 0; i < Partial->Count; i++)
        if (Partial->PartialDescriptors[i].Type == CmResourceTypePort)
            return (PUCHAR)(ULONG_PTR)Partial->PartialDescriptors[i].u.Port.Start.QuadPart;
    return NULL;
}

static NTSTATUS Complete(PIRP Irp, NTSTATUS Status)
{
    Irp->IoStatus.Status = Status;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS RulesStart(PDEVICE_OBJECT DeviceObject, PEXT Ext, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    PCM_RESOURCE_LIST Translated = Stack->Parameters.StartDevice.AllocatedResourcesTranslated;
#ifdef BAD_PN05
    if (PortFrom(Translated))
        (void)READ_PORT_UCHAR(PortFrom(Translated) + 5); /* LINE_MARK: pn05 before the lower drivers started */
#endif
    NTSTATUS Status = ForwardAndWait(Ext, Irp);
    if (NT_SUCCESS(Status)) {
        Ext->Port = PortFrom(Translated);
        if (Ext->Port)
            (void)READ_PORT_UCHAR(Ext->Port + 5); /* the line status register: ours now */
#ifdef BAD_PN03
        (void)READ_PORT_UCHAR((PUCHAR)0x2FD); /* LINE_MARK: pn03 a port that is not ours */
#endif
#if defined(BAD_PN08) || defined(GOOD_WDM)
        if (NT_SUCCESS(IoRegisterDeviceInterface(Ext->Lower, &RulesInterface, NULL, &Ext->Interface)))
            IoSetDeviceInterfaceState(&Ext->Interface, TRUE); /* LINE_MARK: pn08 enabled */
#endif
    }
    UNREFERENCED_PARAMETER(DeviceObject);
    return Complete(Irp, Status);
}

#ifdef BAD_PN06R
/* A "disconnect" request of the driver's own to the device below, as class drivers send
 * one; sent after REMOVE was passed down it reaches a device that is being torn down. */
static VOID SendDisconnect(PEXT Ext)
{
    KEVENT Done;
    IO_STATUS_BLOCK IoStatus;
    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    PIRP Irp = IoBuildDeviceIoControlRequest(CTL_CODE(FILE_DEVICE_UNKNOWN, 0x801, METHOD_NEITHER, FILE_ANY_ACCESS),
                                             Ext->Lower, NULL, 0, NULL, 0, TRUE, &Done, &IoStatus);
    if (Irp && IoCallDriver(Ext->Lower, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
}
#endif

static NTSTATUS RulesRemove(PDEVICE_OBJECT DeviceObject, PEXT Ext, PIRP Irp)
{
#ifndef BAD_PN08
    if (Ext->Interface.Buffer)
        IoSetDeviceInterfaceState(&Ext->Interface, FALSE);
#endif
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoSkipCurrentIrpStackLocation(Irp);
    NTSTATUS Status = IoCallDriver(Ext->Lower, Irp);
#ifdef BAD_PN06R
    SendDisconnect(Ext); /* LINE_MARK: pn06r a request after REMOVE went down */
#endif
    IoDetachDevice(Ext->Lower);
    if (Ext->Interface.Buffer)
        RtlFreeUnicodeString(&Ext->Interface);
#ifndef BAD_PN06
    IoDeleteDevice(DeviceObject);
#else
    UNREFERENCED_PARAMETER(DeviceObject); /* LINE_MARK: pn06 the device object stays */
#endif
    return Status;
}

static NTSTATUS RulesPnp(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEXT Ext = DeviceObject->DeviceExtension;
    UCHAR Minor = IoGetCurrentIrpStackLocation(Irp)->MinorFunction;
    if (Minor == IRP_MN_START_DEVICE)
        return RulesStart(DeviceObject, Ext, Irp);
    if (Minor == IRP_MN_REMOVE_DEVICE)
        return RulesRemove(DeviceObject, Ext, Irp);
#ifdef BAD_PN04
    if (Minor > IRP_MN_SURPRISE_REMOVAL)
        return Complete(Irp, STATUS_SUCCESS); /* LINE_MARK: pn04 completes what it does not know */
#endif
    if (Minor == IRP_MN_QUERY_REMOVE_DEVICE || Minor == IRP_MN_SURPRISE_REMOVAL || Minor == IRP_MN_STOP_DEVICE ||
        Minor == IRP_MN_QUERY_STOP_DEVICE)
        Irp->IoStatus.Status = STATUS_SUCCESS;
    IoSkipCurrentIrpStackLocation(Irp);
    return IoCallDriver(Ext->Lower, Irp);
}

static NTSTATUS RulesPower(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PEXT Ext = DeviceObject->DeviceExtension;
    PoStartNextPowerIrp(Irp);
    IoSkipCurrentIrpStackLocation(Irp);
#ifdef BAD_PN07
    return IoCallDriver(Ext->Lower, Irp); /* LINE_MARK: pn07 not PoCallDriver */
#else
    return PoCallDriver(Ext->Lower, Irp);
#endif
}

static NTSTATUS RulesCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Information = 0;
    return Complete(Irp, STATUS_SUCCESS);
}

static NTSTATUS RulesAddDevice(PDRIVER_OBJECT DriverObject, PDEVICE_OBJECT Pdo)
{
    PDEVICE_OBJECT Fdo;
    NTSTATUS Status = IoCreateDevice(DriverObject, sizeof(EXT), NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &Fdo);
    if (!NT_SUCCESS(Status))
        return Status;
    PEXT Ext = Fdo->DeviceExtension;
    RtlZeroMemory(Ext, sizeof(*Ext));
    Ext->Lower = IoAttachDeviceToDeviceStack(Fdo, Pdo);
    if (Ext->Lower == NULL) {
        IoDeleteDevice(Fdo);
        return STATUS_NO_SUCH_DEVICE;
    }
    Fdo->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}

static VOID RulesUnload(PDRIVER_OBJECT DriverObject)
{
    UNREFERENCED_PARAMETER(DriverObject);
#ifdef BAD_PN02
    IoDeleteDevice(EntryDevice);
#endif
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    DriverObject->MajorFunction[IRP_MJ_CREATE] = RulesCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = RulesCreateClose;
    DriverObject->MajorFunction[IRP_MJ_PNP] = RulesPnp;
    DriverObject->MajorFunction[IRP_MJ_POWER] = RulesPower;
    DriverObject->DriverExtension->AddDevice = RulesAddDevice;
#ifndef BAD_PN01
    DriverObject->DriverUnload = RulesUnload;
#else
    (void)RulesUnload; /* LINE_MARK: pn01 no Unload */
#endif
#ifdef BAD_PN02
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, NULL, FILE_DEVICE_UNKNOWN, 0, FALSE, &EntryDevice);
    if (!NT_SUCCESS(Status))
        return Status;
#endif
    return STATUS_SUCCESS;
}
