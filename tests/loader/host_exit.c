/* host_exit.c - a driver that would end the host process with exit(): refused at load. */
#include <ntddk.h>
#include <stdlib.h>

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    if (DriverObject->DriverExtension == NULL)
        exit(3);
    return STATUS_UNSUCCESSFUL;
}
