/* attach.c - layering device objects: the attachment DDIs beyond
 * IoAttachDeviceToDeviceStack/IoDetachDevice (sim/io/device.c). Each device object
 * records the device it is attached to (IOP_DEVICE.AttachedTo), as Windows keeps
 * AttachedTo in the device object extension, so a stack can be walked both ways. */
#include "io/iop.h"

NTSTATUS IoAttachDeviceToDeviceStackSafe(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice,
                                         PDEVICE_OBJECT *AttachedToDeviceObject)
{
    NTSIM_SITE Site = KiTakeSite();
    if (SourceDevice == NULL || TargetDevice == NULL || AttachedToDeviceObject == NULL)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)SourceDevice, (ULONG_PTR)TargetDevice, 0, Site,
                   "IoAttachDeviceToDeviceStackSafe(%p, %p, %p): NULL argument", SourceDevice, TargetDevice,
                   (void *)AttachedToDeviceObject);
    /* The Safe variant stores the lower device before the source becomes reachable
     * from above: one step here, as nothing runs between the two. */
    *AttachedToDeviceObject = NULL;
    NtsimSetSite(Site.File, Site.Line);
    PDEVICE_OBJECT Lower = IoAttachDeviceToDeviceStack(SourceDevice, TargetDevice);
    *AttachedToDeviceObject = Lower;
    return Lower ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

PDEVICE_OBJECT IoGetAttachedDevice(PDEVICE_OBJECT DeviceObject)
{
    return IopGetAttachedDevice(DeviceObject);
}

PDEVICE_OBJECT IoGetLowerDeviceObject(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT Lower = IopDevice(DeviceObject)->AttachedTo;
    if (Lower)
        ObpReference(Lower);
    return Lower;
}

PDEVICE_OBJECT IoGetDeviceAttachmentBaseRef(PDEVICE_OBJECT DeviceObject)
{
    PDEVICE_OBJECT Base = DeviceObject;
    while (IopDevice(Base)->AttachedTo)
        Base = IopDevice(Base)->AttachedTo;
    ObpReference(Base);
    return Base;
}

NTSTATUS IoAttachDeviceByPointer(PDEVICE_OBJECT SourceDevice, PDEVICE_OBJECT TargetDevice)
{
    NTSIM_SITE Site = KiTakeSite();
    NtsimSetSite(Site.File, Site.Line);
    return IoAttachDeviceToDeviceStack(SourceDevice, TargetDevice) ? STATUS_SUCCESS : STATUS_NO_SUCH_DEVICE;
}

/* Legacy layering by name (seed 004): open the target by name, attach on top of the
 * stack its name leads to. */
NTSTATUS IoAttachDevice(PDEVICE_OBJECT SourceDevice, PUNICODE_STRING TargetDevice, PDEVICE_OBJECT *AttachedDevice)
{
    NTSIM_SITE Site = KiTakeSite();
    *AttachedDevice = NULL;
    if (TargetDevice == NULL || TargetDevice->Length == 0)
        return STATUS_OBJECT_NAME_INVALID;
    char *Name = RtlpUnicodeToUtf8Dup(TargetDevice);
    PVOID Object = NULL;
    NTSTATUS Status = ObpLookupLinkUtf8(Name, &Object);
    free(Name);
    if (!NT_SUCCESS(Status))
        return STATUS_OBJECT_NAME_NOT_FOUND;
    if (ObpGetObjectType(Object) != &IopDeviceType) {
        ObpDereference(Object);
        return STATUS_OBJECT_TYPE_MISMATCH;
    }
    NtsimSetSite(Site.File, Site.Line);
    PDEVICE_OBJECT Lower = IoAttachDeviceToDeviceStack(SourceDevice, Object);
    ObpDereference(Object);
    if (Lower == NULL)
        return STATUS_NO_SUCH_DEVICE;
    *AttachedDevice = Lower;
    return STATUS_SUCCESS;
}
