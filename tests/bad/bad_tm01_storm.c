/*
 * bad_tm01_storm.c - deliberately wrong (rule TM-01: an ISR that claims an interrupt
 * quiets the device). The driver connects a level-sensitive interrupt to COM1's 16550
 * and enables its transmitter-empty interrupt; the ISR returns TRUE without reading
 * IIR or writing THR, so the line stays asserted and the interrupt comes back at once,
 * forever (Windows: HARDWARE_INTERRUPT_STORM, 0xF2).
 */
#include <ntddk.h>

#define BAD_PORT 0x3F8
#define BAD_IRQ 4

DRIVER_INITIALIZE DriverEntry;
KSERVICE_ROUTINE BadIsr;

static PKINTERRUPT BadInterrupt;
static ULONG BadClaims;

BOOLEAN BadIsr(PKINTERRUPT Interrupt, PVOID Context) /* LINE_MARK: isr */
{
    UNREFERENCED_PARAMETER(Interrupt);
    UNREFERENCED_PARAMETER(Context);
    BadClaims++;
    return TRUE; /* BUG: "mine", but the UART is never told (no IIR read or THR write). LINE_MARK: isr-end */
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
    RtlInitUnicodeString(&ClassName, L"LOADED BAD STORM RESOURCES");
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
