/*
 * hello.c - lab 1: hello, DriverEntry (docs/labs/lab1-hello.md).
 *
 * Make this driver:
 *   1. create a device object named \Device\Hello (IoCreateDevice),
 *   2. give it the DOS name \DosDevices\Hello (IoCreateSymbolicLink),
 *   3. succeed IRP_MJ_CREATE and IRP_MJ_CLOSE (complete the IRP with STATUS_SUCCESS),
 *   4. remove the link and the device in an Unload routine,
 *   5. undo steps 1-2 when a later step fails, so every failure path leaves nothing.
 * Grade it with `make grade LAB=lab1-hello`.
 */
#include <ntddk.h>

#define HELLO_DEVICE_NAME L"\\Device\\Hello"
#define HELLO_LINK_NAME L"\\DosDevices\\Hello"

DRIVER_INITIALIZE DriverEntry;

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    DbgPrint("hello: DriverEntry does nothing yet\n");
    /* Your code: steps 1-5 above. */
    return STATUS_SUCCESS;
}
