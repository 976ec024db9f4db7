/* zwfile.c - ZwCreateFile / ZwOpenFile for the names a driver opens in the object
 * namespace: a device (\Device\Xxx), or a link to one (\??\COM1, a device interface's
 * \??\...{guid} link). The open sends IRP_MJ_CREATE down the device's stack like any
 * open (sim/io/file.c); the handle holds the file object, and closing its last handle
 * (ZwClose) sends IRP_MJ_CLEANUP, the last reference IRP_MJ_CLOSE. The handle is
 * tracked on the opening driver, so one left open is a leak finding.
 *
 * ntsim has no file system: a name that leads to no device (a file on disk) is
 * STATUS_OBJECT_NAME_NOT_FOUND or STATUS_OBJECT_TYPE_MISMATCH, as for a missing device;
 * a RootDirectory-relative name, or a disposition that creates a file, is refused with
 * STATUS_NOT_SUPPORTED and a FILE warning naming the call. */
#include "io/iop.h"

static NTSTATUS IopOpenByAttributes(PHANDLE FileHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                    PIO_STATUS_BLOCK IoStatusBlock, const char *Ddi, NTSIM_SITE Site)
{
    KiCheckIrql(Ddi, PASSIVE_LEVEL, 0xC4, 0x3C /* approximate */, Site);
    if (FileHandle == NULL || ObjectAttributes == NULL || IoStatusBlock == NULL)
        KiBugCheck(0xC4, 0x1001, (ULONG_PTR)FileHandle, (ULONG_PTR)ObjectAttributes, (ULONG_PTR)IoStatusBlock, Site,
                   "%s(%p, ..., %p, %p): NULL argument", Ddi, (void *)FileHandle, (void *)ObjectAttributes,
                   (void *)IoStatusBlock);
    /* *FileHandle is written on success only, as for a kernel-mode caller on Windows. */
    if (ObjectAttributes->ObjectName == NULL || ObjectAttributes->ObjectName->Length == 0)
        return STATUS_OBJECT_NAME_INVALID;
    if (ObjectAttributes->RootDirectory != NULL) {
        VfReport("FILE", NTSIM_SEV_WARNING, VfCurrentDriver(), Site,
                 "%s: a name relative to RootDirectory is not simulated (ntsim opens devices by full name)", Ddi);
        return STATUS_NOT_SUPPORTED;
    }
    if (ViFaultShouldFail(NtsimFaultObject, Ddi, 0, Site))
        return STATUS_INSUFFICIENT_RESOURCES;
    char *Path = RtlpUnicodeToUtf8Dup(ObjectAttributes->ObjectName);
    PFILE_OBJECT File;
    NTSTATUS Status = IopOpenDeviceMode(Path, KernelMode, &File);
    free(Path);
    if (!NT_SUCCESS(Status))
        return Status;
    Status = ObpCreateHandle(File, DesiredAccess, Site, FileHandle);
    ObpDereference(File); /* the handle holds the file object now */
    if (!NT_SUCCESS(Status))
        return Status;
    IoStatusBlock->Status = STATUS_SUCCESS;
    IoStatusBlock->Information = FILE_OPENED;
    return STATUS_SUCCESS;
}

NTSTATUS ZwCreateFile(PHANDLE FileHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                      PIO_STATUS_BLOCK IoStatusBlock, PLARGE_INTEGER AllocationSize, ULONG FileAttributes,
                      ULONG ShareAccess, ULONG CreateDisposition, ULONG CreateOptions, PVOID EaBuffer, ULONG EaLength)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)AllocationSize;
    (void)FileAttributes;
    (void)ShareAccess;
    (void)CreateOptions;
    (void)EaBuffer;
    (void)EaLength;
    /* A device exists or it does not: only the dispositions that open an existing object apply. */
    if (CreateDisposition != FILE_OPEN && CreateDisposition != FILE_OPEN_IF) {
        VfReport("FILE", NTSIM_SEV_WARNING, VfCurrentDriver(), Site,
                 "ZwCreateFile: disposition %lu may create a file; ntsim has no file system, only devices open",
                 (unsigned long)CreateDisposition);
        return STATUS_NOT_SUPPORTED;
    }
    return IopOpenByAttributes(FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock, "ZwCreateFile", Site);
}

NTSTATUS ZwOpenFile(PHANDLE FileHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                    PIO_STATUS_BLOCK IoStatusBlock, ULONG ShareAccess, ULONG OpenOptions)
{
    NTSIM_SITE Site = KiTakeSite();
    (void)ShareAccess;
    (void)OpenOptions;
    return IopOpenByAttributes(FileHandle, DesiredAccess, ObjectAttributes, IoStatusBlock, "ZwOpenFile", Site);
}
