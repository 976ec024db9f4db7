/* controller.c - controller objects: IoCreateController, IoAllocateController,
 * IoFreeController, IoDeleteController.
 *
 * A controller serialises the devices that share one piece of hardware. Allocating
 * a free controller calls the ExecutionRoutine at once (at DISPATCH_LEVEL, with the
 * device's CurrentIrp); a busy one queues the device's wait block in
 * DeviceWaitQueue, and IoFreeController hands the controller to the next waiter.
 * The routine's answer: DeallocateObject frees the controller at once, KeepObject
 * keeps it until IoFreeController. Created objects are tracked (leak audit). */
#include "io/iop.h"

typedef struct _IOP_CONTROLLER {
    CONTROLLER_OBJECT Object;     /* first */
    NTSIM_TRACK Track;
    ULONG Magic;
} IOP_CONTROLLER;

#define IOP_CONTROLLER_MAGIC 0x6C727443u

static IOP_CONTROLLER *IopController(PCONTROLLER_OBJECT Object, const char *Ddi, NTSIM_SITE Site)
{
    IOP_CONTROLLER *C = (IOP_CONTROLLER *)Object;
    if (C == NULL || C->Magic != IOP_CONTROLLER_MAGIC)
        KiBugCheck(0xC4, 0x1040 /* approximate */, (ULONG_PTR)Object, 0, 0, Site,
                   "%s(%p): not a controller object from IoCreateController (deleted already?)", Ddi,
                   (void *)Object);
    return C;
}

PCONTROLLER_OBJECT IoCreateController(ULONG Size)
{
    NTSIM_SITE Site = KiTakeSite();
    if (ViFaultShouldFail(NtsimFaultPool, "IoCreateController", 0, Site))
        return NULL;
    IOP_CONTROLLER *C = KiHostAlloc(sizeof(*C) + Size + 16);
    memset(C, 0, sizeof(*C) + Size + 16);
    C->Object.Type = IO_TYPE_CONTROLLER;
    C->Object.Size = (CSHORT)sizeof(CONTROLLER_OBJECT);
    C->Object.ControllerExtension = Size ? (PVOID)(((ULONG_PTR)(C + 1) + 15) & ~(ULONG_PTR)15) : NULL;
    KeInitializeDeviceQueue(&C->Object.DeviceWaitQueue);
    C->Magic = IOP_CONTROLLER_MAGIC;
    VfTrack(&C->Track, NtsimResController, Site);
    return &C->Object;
}

static void IopRunController(PCONTROLLER_OBJECT Object, PDEVICE_OBJECT Device, PDRIVER_CONTROL Routine,
                             PVOID Context)
{
    KIRQL Old;
    KeRaiseIrql(DISPATCH_LEVEL, &Old);
    IO_ALLOCATION_ACTION Action = Routine(Device, Device->CurrentIrp, NULL, Context);
    KeLowerIrql(Old);
    if (Action == DeallocateObject)
        IoFreeController(Object);
}

VOID IoAllocateController(PCONTROLLER_OBJECT ControllerObject, PDEVICE_OBJECT DeviceObject,
                          PDRIVER_CONTROL ExecutionRoutine, PVOID Context)
{
    NTSIM_SITE Site = KiTakeSite();
    IopController(ControllerObject, "IoAllocateController", Site);
    DeviceObject->Queue.Wcb.DeviceRoutine = ExecutionRoutine;
    DeviceObject->Queue.Wcb.DeviceContext = Context;
    DeviceObject->Queue.Wcb.DeviceObject = DeviceObject;
    /* KeInsertDeviceQueue returns FALSE (and sets Busy) when the queue was idle */
    if (!KeInsertDeviceQueue(&ControllerObject->DeviceWaitQueue, &DeviceObject->Queue.Wcb.WaitQueueEntry))
        IopRunController(ControllerObject, DeviceObject, ExecutionRoutine, Context);
}

VOID IoFreeController(PCONTROLLER_OBJECT ControllerObject)
{
    NTSIM_SITE Site = KiTakeSite();
    IopController(ControllerObject, "IoFreeController", Site);
    PKDEVICE_QUEUE_ENTRY Entry = KeRemoveDeviceQueue(&ControllerObject->DeviceWaitQueue);
    if (Entry == NULL)
        return; /* idle now */
    PWAIT_CONTEXT_BLOCK Wcb = CONTAINING_RECORD(Entry, WAIT_CONTEXT_BLOCK, WaitQueueEntry);
    IopRunController(ControllerObject, Wcb->DeviceObject, Wcb->DeviceRoutine, Wcb->DeviceContext);
}

VOID IoDeleteController(PCONTROLLER_OBJECT ControllerObject)
{
    NTSIM_SITE Site = KiTakeSite();
    IOP_CONTROLLER *C = IopController(ControllerObject, "IoDeleteController", Site);
    C->Magic = 0;
    VfUntrack(&C->Track);
    free(C);
}

void IopDescribeController(NTSIM_TRACK *Track, char *Buffer, size_t Size)
{
    IOP_CONTROLLER *C = CONTAINING_RECORD(Track, IOP_CONTROLLER, Track);
    snprintf(Buffer, Size, "controller object %p (IoCreateController) not deleted", (void *)&C->Object);
}

void IopReclaimController(NTSIM_TRACK *Track)
{
    IOP_CONTROLLER *C = CONTAINING_RECORD(Track, IOP_CONTROLLER, Track);
    C->Magic = 0;
    VfUntrack(&C->Track);
    free(C);
}
