/* forward.c - IoForwardIrpSynchronously: send the current IRP to the next-lower driver
 * and wait until it is completed there, as a PnP or power dispatch routine does before
 * acting on the lower drivers' result (START_DEVICE on the way up).
 *
 * Built from the documented pieces a driver would otherwise write itself: the current
 * stack location copied to the next, a completion routine that signals an event and
 * returns STATUS_MORE_PROCESSING_REQUIRED so the IRP comes back to the caller, and a
 * wait when the lower driver pended it. The result is in Irp->IoStatus. */
#include "io/iop.h"

static NTSTATUS IopForwardCompleted(PDEVICE_OBJECT DeviceObject, PIRP Irp, PVOID Context)
{
    (void)DeviceObject;
    (void)Irp;
    KeSetEvent((PKEVENT)Context, IO_NO_INCREMENT, FALSE);
    return STATUS_MORE_PROCESSING_REQUIRED;
}

BOOLEAN IoForwardIrpSynchronously(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    NTSIM_SITE Site = KiTakeSite();
    KiCheckIrql("IoForwardIrpSynchronously", PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (DeviceObject == NULL || Irp == NULL)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)DeviceObject, (ULONG_PTR)Irp, 0, Site,
                   "IoForwardIrpSynchronously(%p, %p): NULL argument", (void *)DeviceObject, (void *)Irp);
    /* No stack location left below the current one: the IRP cannot be passed on. */
    if (Irp->CurrentLocation <= 1)
        return FALSE;
    KEVENT Done;
    KeInitializeEvent(&Done, NotificationEvent, FALSE);
    IoCopyCurrentIrpStackLocationToNext(Irp);
    IoSetCompletionRoutine(Irp, IopForwardCompleted, &Done, TRUE, TRUE, TRUE);
    NtsimSetSite(Site.File, Site.Line);
    if (IofCallDriver(DeviceObject, Irp) == STATUS_PENDING)
        KeWaitForSingleObject(&Done, Executive, KernelMode, FALSE, NULL);
    return TRUE;
}
