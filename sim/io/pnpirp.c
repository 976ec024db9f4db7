/* pnpirp.c - the PnP manager's IRPs: each is sent to the top of a device's stack and
 * waited for, as the PnP manager's worker does on Windows. IoStatus.Status starts as
 * STATUS_NOT_SUPPORTED so that a request nobody handles comes back as such, and the
 * results a driver returns in IoStatus.Information (ID strings, relations,
 * requirement lists) are copied and freed here. */
#include "io/pnpp.h"

typedef struct _IOP_PNP_WAIT {
    KEVENT Event;
    BOOLEAN Done;
    IO_STATUS_BLOCK IoStatus;
} IOP_PNP_WAIT;

static void IopPnpIrpDone(PIRP Irp, void *Context)
{
    IOP_PNP_WAIT *Wait = Context;
    Wait->IoStatus = Irp->IoStatus;
    Wait->Done = TRUE;
    KeSetEvent(&Wait->Event, IO_NO_INCREMENT, FALSE);
}

NTSTATUS IopPnpSendIrp(PDEVICE_OBJECT Pdo, UCHAR Minor, const IO_STACK_LOCATION *Parameters,
                       ULONG_PTR *Information)
{
    PDEVICE_OBJECT Top = IopGetAttachedDevice(Pdo);
    ObpReference(Top);
    IOP_PNP_WAIT Wait;
    memset(&Wait, 0, sizeof(Wait));
    KeInitializeEvent(&Wait.Event, NotificationEvent, FALSE);
    PIRP Irp = IopAllocateIrp(Top->StackSize);
    IopSetFinalCompletion(Irp, IopPnpIrpDone, &Wait);
    Irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    Irp->IoStatus.Information = Information ? *Information : 0;
    Irp->RequestorMode = KernelMode;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    if (Parameters)
        Stack->Parameters = Parameters->Parameters;
    Stack->MajorFunction = IRP_MJ_PNP;
    Stack->MinorFunction = Minor;
    KiSetIrql(PASSIVE_LEVEL);
    if (Minor == IRP_MN_REMOVE_DEVICE) /* PN-06: no requests into the stack once REMOVE went by */
        IopPnpArmRemove(Pdo);
    else
        IopPnpReviveStack(Pdo);
    IofCallDriver(Top, Irp);
    if (!Wait.Done)
        KeWaitForSingleObject(&Wait.Event, Executive, KernelMode, FALSE, NULL);
    IopFreeIrp(Irp);
    ObpDereference(Top);
    if (Information)
        *Information = Wait.IoStatus.Information;
    return Wait.IoStatus.Status;
}

NTSTATUS IopPnpSimple(IOP_DEVNODE *Node, UCHAR Minor)
{
    return IopPnpSendIrp(Node->Pdo, Minor, NULL, NULL);
}

/* A driver's wide string (or multi-string) as UTF-8 (a multi-string ends with an
 * empty string), then the driver's pool buffer freed as the PnP manager does. */
static char *IopTakeDriverString(PWSTR Wide, BOOLEAN MultiSz)
{
    size_t Capacity = 64, Used = 0;
    char *Out = KiHostAlloc(Capacity);
    const WCHAR *P = Wide;
    do {
        size_t Length = 0;
        while (P[Length])
            Length++;
        if (MultiSz && Length == 0)
            break;
        UNICODE_STRING Part = { (USHORT)(Length * 2), (USHORT)(Length * 2), (PWCH)P };
        char *Utf8 = Length ? RtlpUnicodeToUtf8Dup(&Part) : KiHostStrdup("");
        size_t n = strlen(Utf8) + 1;
        if (Used + n + 1 > Capacity) {
            Capacity = (Used + n + 1) * 2;
            Out = KiHostRealloc(Out, Capacity);
        }
        memcpy(Out + Used, Utf8, n);
        Used += n;
        free(Utf8);
        P += Length + 1;
    } while (MultiSz);
    Out[Used] = 0;
    ExFreePool(Wide);
    return Out;
}

NTSTATUS IopPnpQueryId(PDEVICE_OBJECT Pdo, BUS_QUERY_ID_TYPE Type, char **Utf8, BOOLEAN MultiSz)
{
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.QueryId.IdType = Type;
    ULONG_PTR Information = 0;
    *Utf8 = NULL;
    NTSTATUS Status = IopPnpSendIrp(Pdo, IRP_MN_QUERY_ID, &P, &Information);
    if (NT_SUCCESS(Status) && Information)
        *Utf8 = IopTakeDriverString((PWSTR)Information, MultiSz);
    else if (NT_SUCCESS(Status))
        Status = STATUS_NOT_SUPPORTED;
    return Status;
}

NTSTATUS IopPnpQueryText(PDEVICE_OBJECT Pdo, DEVICE_TEXT_TYPE Type, char **Utf8)
{
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.QueryDeviceText.DeviceTextType = Type;
    P.Parameters.QueryDeviceText.LocaleId = 0x409;
    ULONG_PTR Information = 0;
    *Utf8 = NULL;
    NTSTATUS Status = IopPnpSendIrp(Pdo, IRP_MN_QUERY_DEVICE_TEXT, &P, &Information);
    if (NT_SUCCESS(Status) && Information)
        *Utf8 = IopTakeDriverString((PWSTR)Information, FALSE);
    return Status;
}

/* The PnP manager's own copy of the capabilities: Address and UINumber -1 (unknown)
 * and the structure's Size/Version filled in, as Windows prepares it. */
NTSTATUS IopPnpQueryCapabilities(IOP_DEVNODE *Node)
{
    DEVICE_CAPABILITIES *Caps = KiHostAlloc(sizeof(*Caps));
    memset(Caps, 0, sizeof(*Caps));
    Caps->Size = sizeof(*Caps);
    Caps->Version = 1;
    Caps->Address = 0xFFFFFFFF;
    Caps->UINumber = 0xFFFFFFFF;
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.DeviceCapabilities.Capabilities = Caps;
    NTSTATUS Status = IopPnpSendIrp(Node->Pdo, IRP_MN_QUERY_CAPABILITIES, &P, NULL);
    if (NT_SUCCESS(Status))
        Node->Capabilities = *Caps;
    free(Caps);
    return Status;
}

NTSTATUS IopPnpQueryBusRelations(IOP_DEVNODE *Node, PDEVICE_RELATIONS *Relations)
{
    IO_STACK_LOCATION P;
    memset(&P, 0, sizeof(P));
    P.Parameters.QueryDeviceRelations.Type = BusRelations;
    ULONG_PTR Information = 0;
    NTSTATUS Status = IopPnpSendIrp(Node->Pdo, IRP_MN_QUERY_DEVICE_RELATIONS, &P, &Information);
    *Relations = NT_SUCCESS(Status) ? (PDEVICE_RELATIONS)Information : NULL;
    return Status;
}
