/*
 * ke_analyze_entry.c - DriverEntry frees a pool block twice, two calls deep: bug check
 * 0xC2 (BAD_POOL_CALLER) from ExFreePoolWithTag, for the CLI's !analyze report
 * (tests/ke/CMakeLists.txt runs `ntsim load` on it with an empty PATH).
 */
#include <ntddk.h>

DRIVER_INITIALIZE DriverEntry;

static volatile LONG EnCalls; /* touched after each call: no tail calls */

__attribute__((noinline)) static VOID EnFreeTwice(PVOID Block)
{
    ExFreePoolWithTag(Block, 'tnAK');
    ExFreePoolWithTag(Block, 'tnAK'); /* LINE_MARK: second-free */
    EnCalls++;
}

__attribute__((noinline)) static NTSTATUS EnSetUp(VOID)
{
    PVOID Block = ExAllocatePoolWithTag(NonPagedPool, 64, 'tnAK');
    if (Block == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    EnFreeTwice(Block);
    EnCalls++;
    return STATUS_SUCCESS;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(DriverObject);
    UNREFERENCED_PARAMETER(RegistryPath);
    NTSTATUS Status = EnSetUp();
    EnCalls++;
    return Status;
}
