/* sweep_noverdict.c - a driver whose failure paths end the process in every way that
 * leaves no report: exit(0), _exit(0), abort(), raise(SIGKILL), and a wrecked host heap
 * (a double free the C library aborts on). A sweep must call each of those runs a
 * finding naming its injection point, never clean, and must not show a DriverEntry
 * status for them: DriverEntry never returned.
 *
 * The host routines are looked up at run time: an image that imports them may be
 * refused at load, and the sweep must cope with a driver that gets them anyway. */
#include <ntddk.h>
#include <dlfcn.h>
#include <signal.h>

#define NOVERDICT_TAG 'VoN1'

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD NoVerdictUnload;

NTSIM_ALLOW_HOST_IMPORT(dlsym); /* reaching the host's exit/abort on purpose: the loader refuses dlsym otherwise */

static PVOID Blocks[5];

static void *NoVerdictHost(const char *Name)
{
    return dlsym(RTLD_DEFAULT, Name);
}

/* End the process the way failure path Which does. */
static void NoVerdictEnd(int Which)
{
    switch (Which) {
    case 0: ((void (*)(int))NoVerdictHost("exit"))(0); break;
    case 1: ((void (*)(int))NoVerdictHost("_exit"))(0); break;
    case 2: ((void (*)(void))NoVerdictHost("abort"))(); break;
    case 3: ((int (*)(int))NoVerdictHost("raise"))(SIGKILL); break;
    default: {
        void *(*HostMalloc)(size_t) = (void *(*)(size_t))NoVerdictHost("malloc");
        void (*HostFree)(void *) = (void (*)(void *))NoVerdictHost("free");
        void *Block = HostMalloc(48);
        HostFree(Block);
        HostFree(Block); /* the C library (or ASan) ends the process here */
        ((void (*)(void))NoVerdictHost("abort"))();
        break;
    }
    }
}

VOID NoVerdictUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
    for (int i = 0; i < 5; i++)
        ExFreePoolWithTag(Blocks[i], NOVERDICT_TAG);
}

static NTSTATUS NoVerdictCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NtsimNoVerdict");
    PDEVICE_OBJECT Device;
    UNREFERENCED_PARAMETER(RegistryPath);
    for (int i = 0; i < 5; i++) {
        Blocks[i] = ExAllocatePoolWithTag(NonPagedPoolNx, 16, NOVERDICT_TAG); /* LINE_MARK: allocate */
        if (Blocks[i] == NULL)
            NoVerdictEnd(i);
    }
    NTSTATUS Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status)) {
        PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
        if (Entry) {
            RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
            Entry->FinalStatus = Status;
            IoWriteErrorLogEntry(Entry);
        }
        for (int i = 0; i < 5; i++)
            ExFreePoolWithTag(Blocks[i], NOVERDICT_TAG);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = NoVerdictCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = NoVerdictCreateClose;
    DriverObject->DriverUnload = NoVerdictUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
