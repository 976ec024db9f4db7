/* power.c - power IRPs: PoCallDriver, PoStartNextPowerIrp, PoSetPowerState,
 * PoRequestPowerIrp, and the system power changes the host asks for (sleep, resume,
 * shutdown: QUERY_POWER then SET_POWER with a system state to every started stack,
 * children before parents going down, parents first coming back).
 *
 * Rule PN-07 (pre-Vista): each driver that receives a power IRP calls
 * PoStartNextPowerIrp for it, and passes it down with PoCallDriver, not IoCallDriver.
 * The check records, per power IRP the PnP manager sends, the drivers that called
 * either routine and compares them with the stack. */
#include "io/pnpp.h"

#define IOP_POWER_TRACKED 32

typedef struct _IOP_POWER_TRACE {
    PIRP Irp;
    PDRIVER_OBJECT Started[IOP_POWER_TRACKED];
    ULONG StartedCount;
    PDRIVER_OBJECT Passed[IOP_POWER_TRACKED];
    ULONG PassedCount;
} IOP_POWER_TRACE;

static IOP_POWER_TRACE *IopPowerTrace; /* the power IRP the host is waiting for, if any */

static void IopRemember(PDRIVER_OBJECT *Set, ULONG *Count, PDRIVER_OBJECT Driver)
{
    for (ULONG i = 0; i < *Count; i++)
        if (Set[i] == Driver)
            return;
    if (*Count < IOP_POWER_TRACKED)
        Set[(*Count)++] = Driver;
}

static BOOLEAN IopIn(PDRIVER_OBJECT *Set, ULONG Count, PDRIVER_OBJECT Driver)
{
    for (ULONG i = 0; i < Count; i++)
        if (Set[i] == Driver)
            return TRUE;
    return FALSE;
}

NTSTATUS PoCallDriver(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    PIO_STACK_LOCATION Next = IoGetNextIrpStackLocation(Irp);
    if (Next->MajorFunction != IRP_MJ_POWER)
        KiBugCheck(0x9F, 0x500, (ULONG_PTR)Irp, Next->MajorFunction, 0, Site,
                   "PoCallDriver(%p, %p): the next stack location is not IRP_MJ_POWER (major 0x%02x)",
                   (void *)DeviceObject, (void *)Irp, Next->MajorFunction);
    if (IopPowerTrace && IopPowerTrace->Irp == Irp && VfCurrentDriver())
        IopRemember(IopPowerTrace->Passed, &IopPowerTrace->PassedCount, VfCurrentDriver());
    NtsimSetSite(Site.File, Site.Line);
    return IofCallDriver(DeviceObject, Irp);
}

VOID PoStartNextPowerIrp(PIRP Irp)
{
    KiTakeSite();
    if (IopPowerTrace && IopPowerTrace->Irp == Irp && VfCurrentDriver())
        IopRemember(IopPowerTrace->Started, &IopPowerTrace->StartedCount, VfCurrentDriver());
}

/* The node of the stack a device object belongs to. */
static IOP_DEVNODE *IopNodeOfStack(PDEVICE_OBJECT Device)
{
    while (IopDevice(Device)->AttachedTo)
        Device = IopDevice(Device)->AttachedTo;
    return IopDeviceNode(Device);
}

POWER_STATE PoSetPowerState(PDEVICE_OBJECT DeviceObject, POWER_STATE_TYPE Type, POWER_STATE State)
{
    KiTakeSite();
    POWER_STATE Old;
    Old.DeviceState = PowerDeviceD0;
    IOP_DEVNODE *Node = IopNodeOfStack(DeviceObject);
    if (Type == DevicePowerState && Node) {
        Old.DeviceState = Node->PowerState;
        Node->PowerState = State.DeviceState;
    }
    return Old;
}

/* ---- sending ---- */

typedef struct _IOP_POWER_REQUEST {
    PDEVICE_OBJECT Device;
    UCHAR Minor;
    POWER_STATE State;
    PREQUEST_POWER_COMPLETE Completion;
    PVOID Context;
    PDRIVER_OBJECT Requester;
} IOP_POWER_REQUEST;

static void IopPowerRequestDone(PIRP Irp, void *Context)
{
    IOP_POWER_REQUEST *Request = Context;
    IO_STATUS_BLOCK Status = Irp->IoStatus;
    if (Request->Completion)
        IOP_CALL_DRIVER(Request->Requester, Request->Completion(Request->Device, Request->Minor, Request->State,
                                                                Request->Context, &Status));
    ObpDereference(Request->Device);
    free(Request);
    IopFreeIrp(Irp);
}

static PIRP IopBuildPowerIrp(PDEVICE_OBJECT Top, UCHAR Minor, POWER_STATE_TYPE Type, POWER_STATE State)
{
    PIRP Irp = IopAllocateIrp(Top->StackSize);
    Irp->IoStatus.Status = STATUS_NOT_SUPPORTED;
    PIO_STACK_LOCATION Stack = IoGetNextIrpStackLocation(Irp);
    Stack->MajorFunction = IRP_MJ_POWER;
    Stack->MinorFunction = Minor;
    if (Minor == IRP_MN_WAIT_WAKE) {
        Stack->Parameters.WaitWake.PowerState = State.SystemState;
    } else {
        Stack->Parameters.Power.Type = Type;
        Stack->Parameters.Power.State = State;
        Stack->Parameters.Power.ShutdownType = PowerActionNone;
    }
    return Irp;
}

NTSTATUS PoRequestPowerIrp(PDEVICE_OBJECT DeviceObject, UCHAR MinorFunction, POWER_STATE PowerState,
                           PREQUEST_POWER_COMPLETE CompletionFunction, PVOID Context, PIRP *Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    if (Irp)
        *Irp = NULL;
    if (MinorFunction != IRP_MN_SET_POWER && MinorFunction != IRP_MN_QUERY_POWER && MinorFunction != IRP_MN_WAIT_WAKE)
        return STATUS_INVALID_PARAMETER_2;
    if (ViFaultShouldFail(NtsimFaultIrp, "PoRequestPowerIrp", 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    /* the device IRP goes to the top of the stack the device belongs to */
    PDEVICE_OBJECT Top = IopGetAttachedDevice(DeviceObject);
    IOP_POWER_REQUEST *Request = KiHostAlloc(sizeof(*Request));
    Request->Device = DeviceObject;
    Request->Minor = MinorFunction;
    Request->State = PowerState;
    Request->Completion = CompletionFunction;
    Request->Context = Context;
    Request->Requester = VfCurrentDriver();
    ObpReference(DeviceObject);
    PIRP New = IopBuildPowerIrp(Top, MinorFunction, DevicePowerState, PowerState);
    IopSetFinalCompletion(New, IopPowerRequestDone, Request);
    if (Irp)
        *Irp = New;
    IofCallDriver(Top, New);
    return STATUS_PENDING;
}

typedef struct _IOP_POWER_WAIT {
    KEVENT Event;
    BOOLEAN Done;
    NTSTATUS Status;
} IOP_POWER_WAIT;

static void IopPowerWaitDone(PIRP Irp, void *Context)
{
    IOP_POWER_WAIT *Wait = Context;
    Wait->Status = Irp->IoStatus.Status;
    Wait->Done = TRUE;
    KeSetEvent(&Wait->Event, IO_NO_INCREMENT, FALSE);
}

/* PN-07 for one power IRP: the drivers of the stack against what they called. */
static void IopCheckPowerTrace(IOP_DEVNODE *Node, IOP_POWER_TRACE *Trace)
{
    PDEVICE_OBJECT Lowest = Node->Pdo;
    for (PDEVICE_OBJECT D = IopGetAttachedDevice(Node->Pdo); D; D = IopDevice(D)->AttachedTo) {
        PDRIVER_OBJECT Driver = D->DriverObject;
        if (Driver == IopPnpManagerDriver())
            continue;
        if (!IopIn(Trace->Started, Trace->StartedCount, Driver))
            VfReport("PN-07", NTSIM_SEV_ERROR, Driver, KiNoSite,
                     "%s: %s did not call PoStartNextPowerIrp for a power IRP (each driver calls it once per power "
                     "IRP, before completing or passing it down)", Node->InstancePath, VfDriverName(Driver));
        else if (D != Lowest && !IopIn(Trace->Passed, Trace->PassedCount, Driver) &&
                 IopIn(Trace->Started, Trace->StartedCount, IopDevice(D)->AttachedTo->DriverObject))
            VfReport("PN-07", NTSIM_SEV_ERROR, Driver, KiNoSite,
                     "%s: %s passed a power IRP down with IoCallDriver; use PoCallDriver", Node->InstancePath,
                     VfDriverName(Driver));
    }
}

/* One power IRP to a node's stack, waited for. */
NTSTATUS IopPnpSendPower(IOP_DEVNODE *Node, UCHAR Minor, POWER_STATE_TYPE Type, POWER_STATE State,
                         POWER_ACTION Action)
{
    PDEVICE_OBJECT Top = IopGetAttachedDevice(Node->Pdo);
    ObpReference(Top);
    IOP_POWER_WAIT Wait;
    memset(&Wait, 0, sizeof(Wait));
    KeInitializeEvent(&Wait.Event, NotificationEvent, FALSE);
    PIRP Irp = IopBuildPowerIrp(Top, Minor, Type, State);
    IoGetNextIrpStackLocation(Irp)->Parameters.Power.ShutdownType = Action;
    IopSetFinalCompletion(Irp, IopPowerWaitDone, &Wait);
    IOP_POWER_TRACE *Trace = KiHostAlloc(sizeof(*Trace));
    memset(Trace, 0, sizeof(*Trace));
    Trace->Irp = Irp;
    IopPowerTrace = Trace;
    KiSetIrql(PASSIVE_LEVEL);
    IofCallDriver(Top, Irp);
    if (!Wait.Done)
        KeWaitForSingleObject(&Wait.Event, Executive, KernelMode, FALSE, NULL);
    IopPowerTrace = NULL;
    if (VfEnabled)
        IopCheckPowerTrace(Node, Trace);
    free(Trace);
    IopFreeIrp(Irp);
    ObpDereference(Top);
    return Wait.Status;
}

static ULONG IopStartedNodes(IOP_DEVNODE *Node, IOP_DEVNODE **Out, ULONG Count, ULONG Max)
{
    if (Node->State == IopPnpStarted && Node->Parent && Count < Max)
        Out[Count++] = Node;
    for (PLIST_ENTRY E = Node->Children.Flink; E != &Node->Children; E = E->Flink)
        Count = IopStartedNodes(CONTAINING_RECORD(E, IOP_DEVNODE, Sibling), Out, Count, Max);
    return Count;
}

/* System power change: QUERY_POWER to every started stack (leaves first when going
 * to sleep), any failure vetoes; then SET_POWER. Waking sends SET_POWER(S0) from the
 * root down. Returns the veto's status. */
NTSTATUS IopPnpSetSystemPower(SYSTEM_POWER_STATE Target, char *Veto, size_t VetoSize)
{
    IOP_DEVNODE *Nodes[256];
    ULONG Count = IopStartedNodes(IopPnpRootNode(), Nodes, 0, 256);
    POWER_STATE State;
    State.SystemState = Target;
    POWER_ACTION Action = Target == PowerSystemWorking ? PowerActionNone
                          : Target == PowerSystemShutdown ? PowerActionShutdownOff
                          : Target == PowerSystemHibernate ? PowerActionHibernate
                                                           : PowerActionSleep;
    if (Target == PowerSystemWorking) {
        for (ULONG i = 0; i < Count; i++)
            IopPnpSendPower(Nodes[i], IRP_MN_SET_POWER, SystemPowerState, State, Action);
        return STATUS_SUCCESS;
    }
    for (ULONG i = Count; i-- > 0;) {
        NTSTATUS Status = IopPnpSendPower(Nodes[i], IRP_MN_QUERY_POWER, SystemPowerState, State, Action);
        if (!NT_SUCCESS(Status) && Status != STATUS_NOT_SUPPORTED) {
            if (Veto && VetoSize)
                snprintf(Veto, VetoSize, "%s (%s): IRP_MN_QUERY_POWER failed with 0x%08X", Nodes[i]->InstancePath,
                         Nodes[i]->Service, (ULONG)Status);
            return Status;
        }
    }
    for (ULONG i = Count; i-- > 0;)
        IopPnpSendPower(Nodes[i], IRP_MN_SET_POWER, SystemPowerState, State, Action);
    return STATUS_SUCCESS;
}
