/*
 * bad_tm01_isrspin.c - deliberately wrong (rule TM-01: ISRs return promptly). The
 * driver connects an interrupt to COM1's 16550 and enables its transmitter-empty
 * interrupt; the ISR then waits in a busy loop for a flag nothing sets, at DIRQL
 * (Driver Verifier: DPC_WATCHDOG_VIOLATION, 0x133, parameter 1 = 0).
 */
#include <ntddk.h>

#define BAD_PORT 0x3F8
#define BAD_IRQ 4

DRIVER_INITIALIZE DriverEntry;
KSERVICE_ROUTINE BadIsr;

static PKINTERRUPT BadInterrupt;
static volatile LONG BadDone; /* nothing ever sets it */

BOOLEAN BadIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    while (BadDone == 0) { /* LINE_MARK: isr-spin */
    }
    return TRUE;
}

static NTSTATUS BadClaim(PDRIVER_OBJECT DriverObject)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR Interrupt;
    } Claim;
    UNICODE_STRING ClassName;
    BOOLEAN Conflict = FALSE;
    PCM_PARTIAL_RESOURCE_DESCRIPTOR D;
    NTSTATUS Status;

    RtlZeroMemory(&Claim, sizeof(Claim));
    Claim.List.Count = 1;
    Claim.List.List[0].InterfaceType = Isa;
    Claim.List.List[0].PartialResourceList.Version = 1;
    Claim.List.List[0].PartialResourceList.Revision = 1;
    Claim.List.List[0].PartialResourceList.Count = 2;
    D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
    D[0].Type = CmResourceTypePort;
    D[0].ShareDisposition = CmResourceShareDeviceExclusive;
    D[0].Flags = CM_RESOURCE_PORT_IO;
    D[0].u.Port.Start.QuadPart = BAD_PORT;
    D[0].u.Port.Length = 8;
    D[1].Type = CmResourceTypeInterrupt;
    D[1].ShareDisposition = CmResourceShareDeviceExclusive;
    D[1].Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
    D[1].u.Interrupt.Level = BAD_IRQ;
    D[1].u.Interrupt.Vector = BAD_IRQ;
    D[1].u.Interrupt.Affinity = (KAFFINITY)-1;
    RtlInitUnicodeString(&ClassName, L"LOADED BAD ISR RESOURCES");
    Status = IoReportResourceUsage(&ClassName, DriverObject, &Claim.List, sizeof(Claim), NULL, NULL, 0, FALSE,
                                   &Conflict);
    return Conflict ? STATUS_INSUFFICIENT_RESOURCES : Status;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector;
    NTSTATUS Status;

    UNREFERENCED_PARAMETER(RegistryPath);
    Status = BadClaim(DriverObject);
    if (!NT_SUCCESS(Status))
        return Status;
    Vector = HalGetInterruptVector(Isa, 0, BAD_IRQ, BAD_IRQ, &Irql, &Affinity);
    Status = IoConnectInterrupt(&BadInterrupt, BadIsr, NULL, NULL, Vector, Irql, Irql, LevelSensitive, FALSE,
                                Affinity, FALSE);
    if (!NT_SUCCESS(Status))
        return Status;
    WRITE_PORT_UCHAR((PUCHAR)(BAD_PORT + 4), 0x08); /* MCR: OUT2 routes the UART's interrupt to the PIC */
    WRITE_PORT_UCHAR((PUCHAR)(BAD_PORT + 1), 0x02); /* IER: transmitter empty, which it is: asserted now */
    IoDisconnectInterrupt(BadInterrupt);
    return STATUS_UNSUCCESSFUL;
}
