/* pnpremove.c - rule PN-06, I/O after removal: once IRP_MN_REMOVE_DEVICE has gone down
 * past a device object, that device (and every one below it) is being torn down; an
 * IRP a driver sends to it with IoCallDriver is reported (the class-driver mistake of
 * sending a "disconnect" request after passing REMOVE on).
 *
 * When the PnP manager sends REMOVE to a stack it arms every device of the stack
 * (RemoveState, one byte that IoCallDriver tests: the only cost on the IRP path). The
 * states then follow the REMOVE IRP itself as it travels down:
 *   ARMED    REMOVE is on its way, not here yet: requests to the device are fine (a
 *            driver may still talk to the devices below before it passes REMOVE on);
 *   REACHED  its driver has the REMOVE and has not passed it below yet: still fine;
 *   DONE     the REMOVE went below it, or it is the PDO and got it: a request to it
 *            is the finding;
 *   REPORTED reported once, quiet afterwards.
 * Surprise removal arms nothing: requests are allowed until REMOVE comes. Any other
 * PnP IRP the PnP manager sends to the stack, and AddDevice over the PDO (a device
 * started again), make it a live stack again. */
#include "io/pnpp.h"
#include "trace/trace.h"

enum { IOP_REMOVE_NONE, IOP_REMOVE_ARMED, IOP_REMOVE_REACHED, IOP_REMOVE_DONE, IOP_REMOVE_REPORTED };

/* The PnP manager is about to send REMOVE to the stack over Pdo. */
void IopPnpArmRemove(PDEVICE_OBJECT Pdo)
{
    for (PDEVICE_OBJECT D = Pdo; D; D = D->AttachedDevice) {
        IopDevice(D)->RemoveState = IOP_REMOVE_ARMED;
        IopDevice(D)->RemoveUpper = D->AttachedDevice;
    }
}

/* The stack over Pdo is in use again (another PnP IRP, or a new AddDevice). */
void IopPnpReviveStack(PDEVICE_OBJECT Pdo)
{
    for (PDEVICE_OBJECT D = Pdo; D; D = D->AttachedDevice) {
        IopDevice(D)->RemoveState = IOP_REMOVE_NONE;
        IopDevice(D)->RemoveUpper = NULL;
    }
}

/* The REMOVE IRP has reached Device: the devices above that had it have passed it on. */
static void IopRemoveArrived(PDEVICE_OBJECT Device)
{
    IOP_DEVICE *Private = IopDevice(Device);
    Private->RemoveState = Private->DeviceNode ? IOP_REMOVE_DONE : IOP_REMOVE_REACHED; /* a PDO is the bottom */
    for (PDEVICE_OBJECT Upper = Private->RemoveUpper; Upper; Upper = IopDevice(Upper)->RemoveUpper)
        if (IopDevice(Upper)->RemoveState == IOP_REMOVE_REACHED)
            IopDevice(Upper)->RemoveState = IOP_REMOVE_DONE;
}

static void IopReportAfterRemove(PDEVICE_OBJECT Device, const IO_STACK_LOCATION *Next, NTSIM_SITE Site)
{
    PDRIVER_OBJECT Sender = VfCurrentDriver();
    char Name[256];
    ObpGetObjectName(Device, Name, sizeof(Name));
    VfReport("PN-06", NTSIM_SEV_ERROR, Sender, Site,
             "%s sent an IRP (%s, minor 0x%02x) with IoCallDriver to device object %p%s%s of %s after "
             "IRP_MN_REMOVE_DEVICE had been passed down to it: the device objects of a removed stack take no more "
             "requests (send what the device still needs before passing REMOVE on)",
             Sender ? VfDriverName(Sender) : "a driver", TrMajorName(Next->MajorFunction),
             Next->MinorFunction, (void *)Device, Name[0] ? " " : "", Name,
             VfDriverName(Device->DriverObject));
}

/* IoCallDriver(Device, Irp) while Device's stack is being removed. */
void IopPnpCallToRemoving(PDEVICE_OBJECT Device, PIRP Irp, NTSIM_SITE Site)
{
    IOP_DEVICE *Private = IopDevice(Device);
    const IO_STACK_LOCATION *Next = IoGetNextIrpStackLocation(Irp);
    BOOLEAN IsRemove = Next->MajorFunction == IRP_MJ_PNP && Next->MinorFunction == IRP_MN_REMOVE_DEVICE;
    if (Private->RemoveState == IOP_REMOVE_ARMED && IsRemove) {
        IopRemoveArrived(Device);
    } else if (Private->RemoveState == IOP_REMOVE_DONE && !IsRemove) {
        Private->RemoveState = IOP_REMOVE_REPORTED;
        if (VfEnabled)
            IopReportAfterRemove(Device, Next, Site);
    }
}
