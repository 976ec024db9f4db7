/* sweep_regcheck.c - a driver that will not run without its configuration: DriverEntry
 * bug-checks (MANUALLY_INITIATED_CRASH) when Parameters\Required is missing. Its ctest
 * sweep passes `--reg sweep_regcheck.reg`, so every test of that sweep, the baseline
 * included, must import it. A failing registry call (an injected fault) is an ordinary,
 * logged DriverEntry failure. */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;
DRIVER_UNLOAD RegCheckUnload;

VOID RegCheckUnload(PDRIVER_OBJECT DriverObject)
{
    IoDeleteDevice(DriverObject->DeviceObject);
}

static NTSTATUS RegCheckCreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    Irp->IoStatus.Status = STATUS_SUCCESS;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return STATUS_SUCCESS;
}

static VOID RegCheckLog(PDRIVER_OBJECT DriverObject, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Entry = IoAllocateErrorLogEntry(DriverObject, (UCHAR)sizeof(IO_ERROR_LOG_PACKET));
    if (Entry == NULL)
        return;
    RtlZeroMemory(Entry, sizeof(IO_ERROR_LOG_PACKET));
    Entry->FinalStatus = Status;
    IoWriteErrorLogEntry(Entry);
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG Required = 0;
    RTL_QUERY_REGISTRY_TABLE Table[3];
    RtlZeroMemory(Table, sizeof(Table));
    Table[0].Flags = RTL_QUERY_REGISTRY_SUBKEY;
    Table[0].Name = L"Parameters";
    Table[1].Flags = RTL_QUERY_REGISTRY_DIRECT | RTL_QUERY_REGISTRY_REQUIRED;
    Table[1].Name = L"Required";
    Table[1].EntryContext = &Required;
    NTSTATUS Status = RtlQueryRegistryValues(RTL_REGISTRY_ABSOLUTE, RegistryPath->Buffer, Table, NULL, NULL);
    if (Status == STATUS_OBJECT_NAME_NOT_FOUND)
        KeBugCheckEx(0xE2 /* MANUALLY_INITIATED_CRASH */, 0x5245, 0, 0, 0); /* LINE_MARK: no-configuration */
    if (!NT_SUCCESS(Status)) {
        RegCheckLog(DriverObject, Status);
        return Status;
    }
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"\\Device\\NtsimRegCheck");
    PDEVICE_OBJECT Device;
    Status = IoCreateDevice(DriverObject, 0, &Name, FILE_DEVICE_UNKNOWN, 0, FALSE, &Device);
    if (!NT_SUCCESS(Status)) {
        RegCheckLog(DriverObject, Status);
        return Status;
    }
    DriverObject->MajorFunction[IRP_MJ_CREATE] = RegCheckCreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = RegCheckCreateClose;
    DriverObject->DriverUnload = RegCheckUnload;
    Device->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;
}
