/* i8042kbd.c - a legacy port driver for the PC's 8042 keyboard controller with a
 * PS/2 keyboard and a PS/2 mouse, with a simple class-like consumer built in.
 *
 * DriverEntry:
 *   1. finds the controller in HARDWARE\DESCRIPTION (IoQueryDeviceDescription:
 *      KeyboardController and PointerController), else the PC's 0x60/0x64, IRQ 1/12;
 *   2. claims the two ports and both interrupts (IoReportResourceUsage, raw values);
 *   3. creates \Device\KeyboardPort0 and \Device\PointerPort0 with their links;
 *   4. initialises the controller by polling (interrupts still off in the command
 *      byte): self test, interface tests, keyboard LEDs and scanning, mouse reset
 *      and IntelliMouse detection (sample rates 200, 100, 80, then Get ID);
 *   5. connects IRQ 1 and IRQ 12 with one shared interrupt spin lock, then turns
 *      the interrupts on in the command byte.
 * The ISRs take one byte each from port 0x60 (the keyboard's when AUXB is clear,
 * the mouse's when it is set) and turn scan codes into KEYBOARD_INPUT_DATA and
 * packets into MOUSE_INPUT_DATA in rings guarded by the interrupt lock; a DPC
 * completes pending reads with them. Reads of either device pend until data
 * arrive; cleanup cancels a handle's pending reads.
 * IOCTL_KEYBOARD_SET_INDICATORS sends 0xED and the LED byte while interrupts are on:
 * the keyboard ISR sees each ACK (0xFA; 0xFE asks for the byte again), sends the next
 * byte, and after the second ACK the DPC completes the request. */
#include <ntddk.h>
#include "i8042kbd_ioctl.h"

#define I8042_TAG '24iK'
#define RING 64

#define STATUS_OBF 0x01
#define STATUS_IBF 0x02
#define STATUS_AUXB 0x20

#define CCB_KBDINT 0x01
#define CCB_AUXINT 0x02
#define CCB_SYS 0x04
#define CCB_KBDDIS 0x10
#define CCB_AUXDIS 0x20
#define CCB_XLAT 0x40

#define POLL_US 50
#define COMMAND_TIMEOUT_US 20000     /* a byte answer */
#define RESET_TIMEOUT_US 1000000     /* a device's self test after reset */

typedef struct _I8042_EXTENSION I8042_EXTENSION, *PI8042_EXTENSION;

/* Both devices' extensions start with this: which device, and the shared state. */
typedef struct _I8042_LINK {
    PI8042_EXTENSION Port;
    BOOLEAN Mouse;
} I8042_LINK, *PI8042_LINK;

typedef struct _I8042_QUEUE {
    LIST_ENTRY Reads;            /* pending read IRPs (QueueLock) */
    ULONG Head, Count;           /* ring of records (interrupt lock) */
    ULONG RecordSize;
    PUCHAR Records;
} I8042_QUEUE, *PI8042_QUEUE;

struct _I8042_EXTENSION {
    I8042_LINK Link;
    PDEVICE_OBJECT Keyboard, Pointer;
    PUCHAR DataPort, CommandPort;
    ULONG KeyboardIrq, MouseIrq;
    BOOLEAN HaveMouse;
    KSPIN_LOCK InterruptLock;    /* shared by both interrupt objects */
    PKINTERRUPT KeyboardInterrupt, MouseInterrupt;
    KDPC Dpc;
    KSPIN_LOCK QueueLock;
    I8042_QUEUE Queue[2];        /* 0 keyboard, 1 mouse */
    KEYBOARD_INPUT_DATA KeyRecords[RING];
    MOUSE_INPUT_DATA MouseRecords[RING];
    BOOLEAN PendingE0;
    UCHAR Packet[4];
    ULONG PacketBytes, PacketSize;
    UCHAR LastButtons;
    UCHAR CommandByte;
    PIRP LedIrp;                 /* the LED request in flight (QueueLock) */
    UCHAR LedStep;               /* 1: 0xED sent, 2: the LED byte sent (interrupt lock) */
    UCHAR LedValue;
    BOOLEAN LedDone;
    USHORT Indicators;           /* the LEDs last set */
    I8042KBD_STATS Stats;
    BOOLEAN KeyboardLink, PointerLink;
};

typedef struct _I8042_CONFIG {
    ULONG DataPort, CommandPort, KeyboardIrq, MouseIrq;
    BOOLEAN FoundKeyboard, FoundPointer;
} I8042_CONFIG, *PI8042_CONFIG;

typedef struct _I8042_COPY {
    PI8042_EXTENSION Ext;
    ULONG Which;
    PVOID Buffer;
    ULONG Max, Copied;
} I8042_COPY, *PI8042_COPY;

DRIVER_INITIALIZE DriverEntry;
static DRIVER_UNLOAD I8042Unload;
static DRIVER_DISPATCH I8042CreateClose;
static DRIVER_DISPATCH I8042Cleanup;
static DRIVER_DISPATCH I8042Read;
static DRIVER_DISPATCH I8042DeviceControl;
static KSERVICE_ROUTINE I8042KeyboardIsr;
static KSERVICE_ROUTINE I8042MouseIsr;
static KDEFERRED_ROUTINE I8042Dpc;

static const WCHAR KeyboardName[] = L"\\Device\\KeyboardPort0";
static const WCHAR KeyboardLinkName[] = L"\\DosDevices\\KeyboardPort0";
static const WCHAR PointerName[] = L"\\Device\\PointerPort0";
static const WCHAR PointerLinkName[] = L"\\DosDevices\\PointerPort0";

/* ---- configuration from HARDWARE\DESCRIPTION ---- */

/* Ports and interrupt of a controller's "Configuration Data". */
static VOID I8042ParseResources(PKEY_VALUE_FULL_INFORMATION Info, PULONG Ports, ULONG MaxPorts, PULONG Irq)
{
    if (Info == NULL || Info->DataLength < sizeof(CM_FULL_RESOURCE_DESCRIPTOR))
        return;
    PCM_FULL_RESOURCE_DESCRIPTOR Full = (PCM_FULL_RESOURCE_DESCRIPTOR)((PUCHAR)Info + Info->DataOffset);
    ULONG Count = Full->PartialResourceList.Count, PortIndex = 0;
    ULONG Fits = (Info->DataLength - FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors)) /
                 sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR);
    if (Count > Fits)
        Count = Fits;
    for (ULONG i = 0; i < Count; i++) {
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = &Full->PartialResourceList.PartialDescriptors[i];
        if (D->Type == CmResourceTypePort && PortIndex < MaxPorts)
            Ports[PortIndex++] = D->u.Port.Start.LowPart;
        else if (D->Type == CmResourceTypeInterrupt)
            *Irq = D->u.Interrupt.Level;
    }
}

static NTSTATUS I8042Callout(PVOID Context, PUNICODE_STRING PathName, INTERFACE_TYPE BusType, ULONG BusNumber,
                             PKEY_VALUE_FULL_INFORMATION *BusInformation, CONFIGURATION_TYPE ControllerType,
                             ULONG ControllerNumber, PKEY_VALUE_FULL_INFORMATION *ControllerInformation,
                             CONFIGURATION_TYPE PeripheralType, ULONG PeripheralNumber,
                             PKEY_VALUE_FULL_INFORMATION *PeripheralInformation)
{
    PI8042_CONFIG Config = Context;
    UNREFERENCED_PARAMETER(PathName);
    UNREFERENCED_PARAMETER(BusType);
    UNREFERENCED_PARAMETER(BusNumber);
    UNREFERENCED_PARAMETER(BusInformation);
    UNREFERENCED_PARAMETER(ControllerNumber);
    UNREFERENCED_PARAMETER(PeripheralType);
    UNREFERENCED_PARAMETER(PeripheralNumber);
    UNREFERENCED_PARAMETER(PeripheralInformation);
    PKEY_VALUE_FULL_INFORMATION Data = ControllerInformation[IoQueryDeviceConfigurationData];
    if (ControllerType == KeyboardController) {
        ULONG Ports[2] = { Config->DataPort, Config->CommandPort };
        I8042ParseResources(Data, Ports, 2, &Config->KeyboardIrq);
        Config->DataPort = Ports[0];
        Config->CommandPort = Ports[1];
        Config->FoundKeyboard = TRUE;
    } else {
        ULONG Ports[2];
        I8042ParseResources(Data, Ports, 2, &Config->MouseIrq);
        Config->FoundPointer = TRUE;
    }
    return STATUS_SUCCESS;
}

static VOID I8042ReadConfig(PI8042_CONFIG Config)
{
    Config->DataPort = 0x60;
    Config->CommandPort = 0x64;
    Config->KeyboardIrq = 1;
    Config->MouseIrq = 12;
    INTERFACE_TYPE Bus = Isa;
    CONFIGURATION_TYPE Type = KeyboardController;
    IoQueryDeviceDescription(&Bus, NULL, &Type, NULL, NULL, NULL, I8042Callout, Config);
    Type = PointerController;
    IoQueryDeviceDescription(&Bus, NULL, &Type, NULL, NULL, NULL, I8042Callout, Config);
}

/* ---- claiming ---- */

static NTSTATUS I8042Claim(PDRIVER_OBJECT DriverObject, PI8042_CONFIG Config, BOOLEAN Release)
{
    struct {
        CM_RESOURCE_LIST List;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[3];
    } Claim;
    RtlZeroMemory(&Claim, sizeof(Claim));
    ULONG Size = sizeof(ULONG);
    if (!Release) {
        Claim.List.Count = 1;
        Claim.List.List[0].InterfaceType = Isa;
        Claim.List.List[0].PartialResourceList.Version = 1;
        Claim.List.List[0].PartialResourceList.Revision = 1;
        Claim.List.List[0].PartialResourceList.Count = 4;
        PCM_PARTIAL_RESOURCE_DESCRIPTOR D = Claim.List.List[0].PartialResourceList.PartialDescriptors;
        const ULONG Ports[2] = { Config->DataPort, Config->CommandPort };
        const ULONG Irqs[2] = { Config->KeyboardIrq, Config->MouseIrq };
        for (int i = 0; i < 2; i++) {
            D[i].Type = CmResourceTypePort;
            D[i].ShareDisposition = CmResourceShareDeviceExclusive;
            D[i].Flags = CM_RESOURCE_PORT_IO;
            D[i].u.Port.Start.QuadPart = Ports[i];
            D[i].u.Port.Length = 1;
            D[2 + i].Type = CmResourceTypeInterrupt;
            D[2 + i].ShareDisposition = CmResourceShareDeviceExclusive;
            D[2 + i].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
            D[2 + i].u.Interrupt.Level = Irqs[i];
            D[2 + i].u.Interrupt.Vector = Irqs[i];
            D[2 + i].u.Interrupt.Affinity = (KAFFINITY)-1;
        }
        Size = sizeof(Claim);
    }
    UNICODE_STRING ClassName;
    RtlInitUnicodeString(&ClassName, L"LOADED I8042 PORT RESOURCES");
    BOOLEAN Conflict = FALSE;
    NTSTATUS Status = IoReportResourceUsage(&ClassName, DriverObject, &Claim.List, Size, NULL, NULL, 0, FALSE,
                                            &Conflict);
    if (NT_SUCCESS(Status) && Conflict)
        Status = STATUS_CONFLICTING_ADDRESSES;
    return Status;
}

static VOID I8042LogError(PVOID IoObject, NTSTATUS ErrorCode, ULONG Unique, NTSTATUS Status)
{
    PIO_ERROR_LOG_PACKET Packet = IoAllocateErrorLogEntry(IoObject, sizeof(IO_ERROR_LOG_PACKET));
    if (Packet == NULL)
        return;
    RtlZeroMemory(Packet, sizeof(*Packet));
    Packet->ErrorCode = ErrorCode;
    Packet->UniqueErrorValue = Unique;
    Packet->FinalStatus = Status;
    IoWriteErrorLogEntry(Packet);
}

/* ---- polled controller access (DriverEntry and Unload, interrupts off) ---- */

static BOOLEAN I8042WaitInputEmpty(PI8042_EXTENSION Ext)
{
    for (ULONG Waited = 0; Waited < COMMAND_TIMEOUT_US; Waited += POLL_US) {
        if (!(READ_PORT_UCHAR(Ext->CommandPort) & STATUS_IBF))
            return TRUE;
        KeStallExecutionProcessor(POLL_US);
    }
    return FALSE;
}

static NTSTATUS I8042ReadByte(PI8042_EXTENSION Ext, ULONG TimeoutUs, PUCHAR Byte)
{
    for (ULONG Waited = 0; Waited < TimeoutUs; Waited += POLL_US) {
        if (READ_PORT_UCHAR(Ext->CommandPort) & STATUS_OBF) {
            *Byte = READ_PORT_UCHAR(Ext->DataPort);
            return STATUS_SUCCESS;
        }
        KeStallExecutionProcessor(POLL_US);
    }
    return STATUS_IO_TIMEOUT;
}

static NTSTATUS I8042Write(PI8042_EXTENSION Ext, PUCHAR Port, UCHAR Value)
{
    if (!I8042WaitInputEmpty(Ext))
        return STATUS_IO_TIMEOUT;
    WRITE_PORT_UCHAR(Port, Value);
    return STATUS_SUCCESS;
}

/* A controller command, and its answer if Answer is given. */
static NTSTATUS I8042Command(PI8042_EXTENSION Ext, UCHAR Command, PUCHAR Answer)
{
    NTSTATUS Status = I8042Write(Ext, Ext->CommandPort, Command);
    if (NT_SUCCESS(Status) && Answer)
        Status = I8042ReadByte(Ext, COMMAND_TIMEOUT_US, Answer);
    return Status;
}

/* A byte to the keyboard (or, Mouse, through 0xD4 to the mouse), then its ACK. */
static NTSTATUS I8042DeviceByte(PI8042_EXTENSION Ext, BOOLEAN Mouse, UCHAR Value)
{
    NTSTATUS Status = STATUS_SUCCESS;
    if (Mouse)
        Status = I8042Write(Ext, Ext->CommandPort, 0xD4);
    if (NT_SUCCESS(Status))
        Status = I8042Write(Ext, Ext->DataPort, Value);
    UCHAR Ack = 0;
    if (NT_SUCCESS(Status))
        Status = I8042ReadByte(Ext, COMMAND_TIMEOUT_US, &Ack);
    if (NT_SUCCESS(Status) && Ack != 0xFA)
        Status = STATUS_IO_DEVICE_ERROR;
    return Status;
}

static VOID I8042Drain(PI8042_EXTENSION Ext)
{
    for (int i = 0; i < 16 && (READ_PORT_UCHAR(Ext->CommandPort) & STATUS_OBF); i++)
        (void)READ_PORT_UCHAR(Ext->DataPort);
}

static NTSTATUS I8042SetCommandByte(PI8042_EXTENSION Ext, UCHAR Value)
{
    NTSTATUS Status = I8042Command(Ext, 0x60, NULL);
    if (NT_SUCCESS(Status))
        Status = I8042Write(Ext, Ext->DataPort, Value);
    if (NT_SUCCESS(Status))
        Ext->CommandByte = Value;
    return Status;
}

/* Reset the mouse, detect a wheel, enable streaming. A missing or silent mouse is
 * not an error: the keyboard works without it. */
static VOID I8042InitializeMouse(PI8042_EXTENSION Ext)
{
    UCHAR Byte = 0xFF;
    if (!NT_SUCCESS(I8042Command(Ext, 0xA8, NULL)) || !NT_SUCCESS(I8042Command(Ext, 0xA9, &Byte)) || Byte != 0) {
        Ext->HaveMouse = FALSE;
        return;
    }
    UCHAR Bat = 0, Id = 0xFF;
    if (!NT_SUCCESS(I8042DeviceByte(Ext, TRUE, 0xFF)) || !NT_SUCCESS(I8042ReadByte(Ext, RESET_TIMEOUT_US, &Bat)) ||
        Bat != 0xAA || !NT_SUCCESS(I8042ReadByte(Ext, COMMAND_TIMEOUT_US, &Id))) {
        Ext->HaveMouse = FALSE;
        return;
    }
    static const UCHAR Rates[3] = { 200, 100, 80 };
    NTSTATUS Status = STATUS_SUCCESS;
    for (int i = 0; i < 3 && NT_SUCCESS(Status); i++) {
        Status = I8042DeviceByte(Ext, TRUE, 0xF3);
        if (NT_SUCCESS(Status))
            Status = I8042DeviceByte(Ext, TRUE, Rates[i]);
    }
    if (NT_SUCCESS(Status))
        Status = I8042DeviceByte(Ext, TRUE, 0xF2);
    if (NT_SUCCESS(Status))
        Status = I8042ReadByte(Ext, COMMAND_TIMEOUT_US, &Id);
    if (NT_SUCCESS(Status))
        Status = I8042DeviceByte(Ext, TRUE, 0xF4);
    Ext->HaveMouse = NT_SUCCESS(Status);
    Ext->Stats.MouseId = NT_SUCCESS(Status) ? Id : 0;
    Ext->PacketSize = (Id == 3 || Id == 4) ? 4 : 3;
}

static NTSTATUS I8042InitializeController(PI8042_EXTENSION Ext)
{
    UCHAR Byte = 0;
    NTSTATUS Status = I8042Command(Ext, 0xAD, NULL);
    if (NT_SUCCESS(Status))
        Status = I8042Command(Ext, 0xA7, NULL);
    if (!NT_SUCCESS(Status))
        return STATUS_NO_SUCH_DEVICE;
    I8042Drain(Ext);
    if (!NT_SUCCESS(I8042Command(Ext, 0x20, &Byte)))
        return STATUS_NO_SUCH_DEVICE;
    /* interrupts off while we poll */
    Status = I8042SetCommandByte(Ext, (UCHAR)((Byte & ~(CCB_KBDINT | CCB_AUXINT)) | CCB_KBDDIS | CCB_AUXDIS));
    if (NT_SUCCESS(Status))
        Status = I8042Command(Ext, 0xAA, &Byte);
    if (!NT_SUCCESS(Status) || Byte != 0x55)
        return STATUS_NO_SUCH_DEVICE;
    Status = I8042Command(Ext, 0xAB, &Byte);
    if (!NT_SUCCESS(Status) || Byte != 0x00)
        return STATUS_IO_DEVICE_ERROR;
    Status = I8042Command(Ext, 0xAE, NULL);
    if (NT_SUCCESS(Status))
        Status = I8042DeviceByte(Ext, FALSE, 0xED);   /* LEDs off */
    if (NT_SUCCESS(Status))
        Status = I8042DeviceByte(Ext, FALSE, 0x00);
    if (NT_SUCCESS(Status))
        Status = I8042DeviceByte(Ext, FALSE, 0xF4);   /* scanning on */
    if (!NT_SUCCESS(Status))
        return Status;
    if (Ext->HaveMouse)
        I8042InitializeMouse(Ext);
    I8042Drain(Ext);
    return STATUS_SUCCESS;
}

/* ---- interrupt side ---- */

static VOID I8042Push(PI8042_EXTENSION Ext, ULONG Which, const VOID *Record)
{
    PI8042_QUEUE Q = &Ext->Queue[Which];
    if (Q->Count == RING) {
        Ext->Stats.Overruns++;
        return;
    }
    RtlCopyMemory(Q->Records + ((Q->Head + Q->Count) % RING) * Q->RecordSize, Record, Q->RecordSize);
    Q->Count++;
}

static VOID I8042KeyByte(PI8042_EXTENSION Ext, UCHAR Byte)
{
    switch (Byte) {
    case 0xE0:
        Ext->PendingE0 = TRUE;
        return;
    case 0xE1:                   /* Pause's prefix: not reported */
    case 0xFA:                   /* ACK, resend, echo, errors/overrun */
    case 0xFE:
    case 0xEE:
    case 0x00:
    case 0xFF:
        return;
    default:
        break;
    }
    KEYBOARD_INPUT_DATA Key;
    RtlZeroMemory(&Key, sizeof(Key));
    Key.MakeCode = Byte & 0x7F;
    Key.Flags = (USHORT)(((Byte & 0x80) ? KEY_BREAK : KEY_MAKE) | (Ext->PendingE0 ? KEY_E0 : 0));
    Ext->PendingE0 = FALSE;
    I8042Push(Ext, 0, &Key);
    Ext->Stats.KeysQueued++;
}

/* At DIRQL: a byte to the keyboard once the controller takes input (bounded wait). */
static VOID I8042IsrWrite(PI8042_EXTENSION Ext, UCHAR Value)
{
    for (int i = 0; i < 100 && (READ_PORT_UCHAR(Ext->CommandPort) & STATUS_IBF); i++)
        KeStallExecutionProcessor(1);
    WRITE_PORT_UCHAR(Ext->DataPort, Value);
}

/* An ACK or resend during the LED command: TRUE if the byte belonged to it. */
static BOOLEAN I8042LedAnswer(PI8042_EXTENSION Ext, UCHAR Byte)
{
    if (Ext->LedStep == 0 || (Byte != 0xFA && Byte != 0xFE))
        return FALSE;
    if (Byte == 0xFE)
        I8042IsrWrite(Ext, Ext->LedStep == 1 ? 0xED : Ext->LedValue);
    else if (Ext->LedStep == 1) {
        Ext->LedStep = 2;
        I8042IsrWrite(Ext, Ext->LedValue);
    } else {
        Ext->LedStep = 0;
        Ext->LedDone = TRUE;
    }
    return TRUE;
}

static BOOLEAN I8042KeyboardIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PI8042_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    UCHAR Status = READ_PORT_UCHAR(Ext->CommandPort);
    if (!(Status & STATUS_OBF) || (Status & STATUS_AUXB))
        return FALSE;            /* nothing from the keyboard */
    UCHAR Byte = READ_PORT_UCHAR(Ext->DataPort);
    Ext->Stats.KeyboardInterrupts++;
    Ext->Stats.LastKeyboardIsr = (ULONGLONG)KeQueryPerformanceCounter(NULL).QuadPart;
    if (!I8042LedAnswer(Ext, Byte))
        I8042KeyByte(Ext, Byte);
    KeInsertQueueDpc(&Ext->Dpc, NULL, NULL);
    return TRUE;
}

static VOID I8042MousePacket(PI8042_EXTENSION Ext)
{
    static const struct { UCHAR Bit; USHORT Down, Up; } Buttons[3] = {
        { 0x01, MOUSE_LEFT_BUTTON_DOWN, MOUSE_LEFT_BUTTON_UP },
        { 0x02, MOUSE_RIGHT_BUTTON_DOWN, MOUSE_RIGHT_BUTTON_UP },
        { 0x04, MOUSE_MIDDLE_BUTTON_DOWN, MOUSE_MIDDLE_BUTTON_UP },
    };
    UCHAR *P = Ext->Packet;
    MOUSE_INPUT_DATA M;
    RtlZeroMemory(&M, sizeof(M));
    M.Flags = MOUSE_MOVE_RELATIVE;
    M.LastX = (LONG)P[1] - ((P[0] & 0x10) ? 256 : 0);
    M.LastY = -((LONG)P[2] - ((P[0] & 0x20) ? 256 : 0));   /* PS/2 counts up, Windows down */
    M.RawButtons = P[0] & 0x07;
    UCHAR Changed = (UCHAR)((P[0] ^ Ext->LastButtons) & 0x07);
    for (int i = 0; i < 3; i++)
        if (Changed & Buttons[i].Bit)
            M.ButtonFlags |= (P[0] & Buttons[i].Bit) ? Buttons[i].Down : Buttons[i].Up;
    Ext->LastButtons = P[0] & 0x07;
    if (Ext->PacketSize == 4) {
        LONG Z = (Ext->Stats.MouseId == 4) ? (((P[3] & 0x0F) ^ 0x08) - 0x08) : (LONG)(CHAR)P[3];
        if (Z) {
            M.ButtonFlags |= MOUSE_WHEEL;
            M.ButtonData = (USHORT)(SHORT)(-Z * 120);
        }
    }
    I8042Push(Ext, 1, &M);
    Ext->Stats.PacketsQueued++;
}

static BOOLEAN I8042MouseIsr(PKINTERRUPT Interrupt, PVOID Context)
{
    PI8042_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Interrupt);
    UCHAR Status = READ_PORT_UCHAR(Ext->CommandPort);
    if ((Status & (STATUS_OBF | STATUS_AUXB)) != (STATUS_OBF | STATUS_AUXB))
        return FALSE;
    UCHAR Byte = READ_PORT_UCHAR(Ext->DataPort);
    Ext->Stats.MouseInterrupts++;
    if (Ext->PacketSize == 0)
        return TRUE;             /* not initialised (no mouse found) */
    if (Ext->PacketBytes == 0 && !(Byte & 0x08))
        return TRUE;             /* out of step: the first byte always has bit 3 */
    Ext->Packet[Ext->PacketBytes++] = Byte;
    if (Ext->PacketBytes == Ext->PacketSize) {
        Ext->PacketBytes = 0;
        I8042MousePacket(Ext);
        KeInsertQueueDpc(&Ext->Dpc, NULL, NULL);
    }
    return TRUE;
}

/* Under the interrupt lock: move up to Max records from a ring into a buffer. */
static BOOLEAN I8042SyncCopy(PVOID Context)
{
    PI8042_COPY C = Context;
    PI8042_QUEUE Q = &C->Ext->Queue[C->Which];
    C->Copied = 0;
    while (Q->Count && C->Copied < C->Max) {
        RtlCopyMemory((PUCHAR)C->Buffer + C->Copied * Q->RecordSize, Q->Records + Q->Head * Q->RecordSize,
                      Q->RecordSize);
        Q->Head = (Q->Head + 1) % RING;
        Q->Count--;
        C->Copied++;
    }
    return TRUE;
}

static PKINTERRUPT I8042InterruptOf(PI8042_EXTENSION Ext, ULONG Which)
{
    return Which ? Ext->MouseInterrupt : Ext->KeyboardInterrupt;
}

/* Fill a read with whatever is buffered; FALSE if nothing was. */
static BOOLEAN I8042FillRead(PI8042_EXTENSION Ext, ULONG Which, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    I8042_COPY Copy = { Ext, Which, Irp->AssociatedIrp.SystemBuffer,
                        Stack->Parameters.Read.Length / Ext->Queue[Which].RecordSize, 0 };
    KeSynchronizeExecution(I8042InterruptOf(Ext, Which), I8042SyncCopy, &Copy);
    if (Copy.Copied == 0)
        return FALSE;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = Copy.Copied * Ext->Queue[Which].RecordSize;
    return TRUE;
}

static VOID I8042ServiceQueue(PI8042_EXTENSION Ext, ULONG Which)
{
    LIST_ENTRY Done;
    InitializeListHead(&Done);
    KeAcquireSpinLockAtDpcLevel(&Ext->QueueLock);
    while (!IsListEmpty(&Ext->Queue[Which].Reads)) {
        PIRP Irp = CONTAINING_RECORD(Ext->Queue[Which].Reads.Flink, IRP, Tail.Overlay.ListEntry);
        if (!I8042FillRead(Ext, Which, Irp))
            break;
        RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
        InsertTailList(&Done, &Irp->Tail.Overlay.ListEntry);
    }
    KeReleaseSpinLockFromDpcLevel(&Ext->QueueLock);
    while (!IsListEmpty(&Done)) {
        PIRP Irp = CONTAINING_RECORD(RemoveHeadList(&Done), IRP, Tail.Overlay.ListEntry);
        IoCompleteRequest(Irp, IO_KEYBOARD_INCREMENT);
    }
}

/* Under the interrupt lock: start the LED command (Context: the extension). */
static BOOLEAN I8042SyncStartLed(PVOID Context)
{
    PI8042_EXTENSION Ext = Context;
    Ext->LedStep = 1;
    Ext->LedDone = FALSE;
    I8042IsrWrite(Ext, 0xED);
    return TRUE;
}

/* Under the interrupt lock: has the LED command finished (or, Abort, stop it)? */
static BOOLEAN I8042SyncTakeLedDone(PVOID Context)
{
    PI8042_EXTENSION Ext = Context;
    BOOLEAN Done = Ext->LedDone;
    Ext->LedDone = FALSE;
    return Done;
}

static BOOLEAN I8042SyncAbortLed(PVOID Context)
{
    PI8042_EXTENSION Ext = Context;
    Ext->LedStep = 0;
    Ext->LedDone = FALSE;
    return TRUE;
}

/* Take the LED request off the extension (all files: FileObject NULL). */
static PIRP I8042TakeLedIrp(PI8042_EXTENSION Ext, PFILE_OBJECT FileObject)
{
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->QueueLock, &Irql);
    PIRP Irp = Ext->LedIrp;
    if (Irp && (FileObject == NULL || IoGetCurrentIrpStackLocation(Irp)->FileObject == FileObject))
        Ext->LedIrp = NULL;
    else
        Irp = NULL;
    KeReleaseSpinLock(&Ext->QueueLock, Irql);
    return Irp;
}

static VOID I8042FinishLeds(PI8042_EXTENSION Ext)
{
    if (!KeSynchronizeExecution(Ext->KeyboardInterrupt, I8042SyncTakeLedDone, Ext))
        return;
    PIRP Irp = I8042TakeLedIrp(Ext, NULL);
    if (Irp == NULL)
        return;
    Ext->Indicators = Ext->LedValue;
    Irp->IoStatus.Status = STATUS_SUCCESS;
    Irp->IoStatus.Information = 0;
    IoCompleteRequest(Irp, IO_KEYBOARD_INCREMENT);
}

static VOID I8042Dpc(PKDPC Dpc, PVOID Context, PVOID Arg1, PVOID Arg2)
{
    PI8042_EXTENSION Ext = Context;
    UNREFERENCED_PARAMETER(Dpc);
    UNREFERENCED_PARAMETER(Arg1);
    UNREFERENCED_PARAMETER(Arg2);
    I8042FinishLeds(Ext);
    I8042ServiceQueue(Ext, 0);
    if (Ext->MouseInterrupt)
        I8042ServiceQueue(Ext, 1);
}

/* ---- dispatch ---- */

static NTSTATUS I8042Complete(PIRP Irp, NTSTATUS Status, ULONG_PTR Information)
{
    Irp->IoStatus.Status = Status;
    Irp->IoStatus.Information = Information;
    IoCompleteRequest(Irp, IO_NO_INCREMENT);
    return Status;
}

static NTSTATUS I8042CreateClose(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    UNREFERENCED_PARAMETER(DeviceObject);
    return I8042Complete(Irp, STATUS_SUCCESS, 0);
}

static NTSTATUS I8042Read(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PI8042_LINK Link = DeviceObject->DeviceExtension;
    PI8042_EXTENSION Ext = Link->Port;
    ULONG Which = Link->Mouse ? 1 : 0;
    ULONG Length = IoGetCurrentIrpStackLocation(Irp)->Parameters.Read.Length;
    if (Length < Ext->Queue[Which].RecordSize || Length % Ext->Queue[Which].RecordSize)
        return I8042Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    if (Which == 1 && Ext->MouseInterrupt == NULL)
        return I8042Complete(Irp, STATUS_DEVICE_NOT_CONNECTED, 0);
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->QueueLock, &Irql);
    if (IsListEmpty(&Ext->Queue[Which].Reads) && I8042FillRead(Ext, Which, Irp)) {
        KeReleaseSpinLock(&Ext->QueueLock, Irql);
        NTSTATUS Status = Irp->IoStatus.Status;
        IoCompleteRequest(Irp, IO_KEYBOARD_INCREMENT);
        return Status;
    }
    IoMarkIrpPending(Irp);
    InsertTailList(&Ext->Queue[Which].Reads, &Irp->Tail.Overlay.ListEntry);
    KeReleaseSpinLock(&Ext->QueueLock, Irql);
    return STATUS_PENDING;
}

/* Complete the pending reads of one file (all files: FileObject NULL) as cancelled. */
static VOID I8042CancelReads(PI8042_EXTENSION Ext, ULONG Which, PFILE_OBJECT FileObject)
{
    LIST_ENTRY Done;
    InitializeListHead(&Done);
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->QueueLock, &Irql);
    PLIST_ENTRY Entry = Ext->Queue[Which].Reads.Flink;
    while (Entry != &Ext->Queue[Which].Reads) {
        PIRP Irp = CONTAINING_RECORD(Entry, IRP, Tail.Overlay.ListEntry);
        Entry = Entry->Flink;
        if (FileObject == NULL || IoGetCurrentIrpStackLocation(Irp)->FileObject == FileObject) {
            RemoveEntryList(&Irp->Tail.Overlay.ListEntry);
            InsertTailList(&Done, &Irp->Tail.Overlay.ListEntry);
        }
    }
    KeReleaseSpinLock(&Ext->QueueLock, Irql);
    while (!IsListEmpty(&Done))
        I8042Complete(CONTAINING_RECORD(RemoveHeadList(&Done), IRP, Tail.Overlay.ListEntry), STATUS_CANCELLED, 0);
}

/* An LED request of this file (any: NULL) still waiting for its ACKs is cancelled. */
static VOID I8042CancelLeds(PI8042_EXTENSION Ext, PFILE_OBJECT FileObject)
{
    PIRP Led = I8042TakeLedIrp(Ext, FileObject);
    if (Led == NULL)
        return;
    KeSynchronizeExecution(Ext->KeyboardInterrupt, I8042SyncAbortLed, Ext);
    I8042Complete(Led, STATUS_CANCELLED, 0);
}

static NTSTATUS I8042Cleanup(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PI8042_LINK Link = DeviceObject->DeviceExtension;
    I8042CancelReads(Link->Port, Link->Mouse ? 1 : 0, IoGetCurrentIrpStackLocation(Irp)->FileObject);
    if (!Link->Mouse)
        I8042CancelLeds(Link->Port, IoGetCurrentIrpStackLocation(Irp)->FileObject);
    return I8042Complete(Irp, STATUS_SUCCESS, 0);
}

static BOOLEAN I8042SyncStats(PVOID Context)
{
    PI8042_COPY C = Context;
    RtlCopyMemory(C->Buffer, &C->Ext->Stats, sizeof(I8042KBD_STATS));
    return TRUE;
}

static NTSTATUS I8042SetIndicators(PI8042_EXTENSION Ext, PIRP Irp)
{
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    if (Stack->Parameters.DeviceIoControl.InputBufferLength < sizeof(KEYBOARD_INDICATOR_PARAMETERS))
        return I8042Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    PKEYBOARD_INDICATOR_PARAMETERS P = Irp->AssociatedIrp.SystemBuffer;
    KIRQL Irql;
    KeAcquireSpinLock(&Ext->QueueLock, &Irql);
    if (Ext->LedIrp) {
        KeReleaseSpinLock(&Ext->QueueLock, Irql);
        return I8042Complete(Irp, STATUS_DEVICE_BUSY, 0);
    }
    Ext->LedIrp = Irp;
    Ext->LedValue = (UCHAR)(P->LedFlags & (KEYBOARD_SCROLL_LOCK_ON | KEYBOARD_NUM_LOCK_ON | KEYBOARD_CAPS_LOCK_ON));
    IoMarkIrpPending(Irp);
    KeReleaseSpinLock(&Ext->QueueLock, Irql);
    KeSynchronizeExecution(Ext->KeyboardInterrupt, I8042SyncStartLed, Ext);
    return STATUS_PENDING;
}

static NTSTATUS I8042DeviceControl(PDEVICE_OBJECT DeviceObject, PIRP Irp)
{
    PI8042_LINK Link = DeviceObject->DeviceExtension;
    PIO_STACK_LOCATION Stack = IoGetCurrentIrpStackLocation(Irp);
    ULONG Code = Stack->Parameters.DeviceIoControl.IoControlCode;
    if (Code == IOCTL_KEYBOARD_SET_INDICATORS && !Link->Mouse)
        return I8042SetIndicators(Link->Port, Irp);
    if (Code == IOCTL_KEYBOARD_QUERY_INDICATORS && !Link->Mouse) {
        if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(KEYBOARD_INDICATOR_PARAMETERS))
            return I8042Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
        PKEYBOARD_INDICATOR_PARAMETERS P = Irp->AssociatedIrp.SystemBuffer;
        P->UnitId = 0;
        P->LedFlags = Link->Port->Indicators;
        return I8042Complete(Irp, STATUS_SUCCESS, sizeof(*P));
    }
    if (Code != IOCTL_I8042KBD_STATS)
        return I8042Complete(Irp, STATUS_INVALID_DEVICE_REQUEST, 0);
    if (Stack->Parameters.DeviceIoControl.OutputBufferLength < sizeof(I8042KBD_STATS))
        return I8042Complete(Irp, STATUS_BUFFER_TOO_SMALL, 0);
    I8042_COPY Copy = { Link->Port, 0, Irp->AssociatedIrp.SystemBuffer, 0, 0 };
    KeSynchronizeExecution(Link->Port->KeyboardInterrupt, I8042SyncStats, &Copy);
    LARGE_INTEGER Frequency;
    KeQueryPerformanceCounter(&Frequency);
    ((I8042KBD_STATS *)Irp->AssociatedIrp.SystemBuffer)->PerformanceFrequency = (ULONGLONG)Frequency.QuadPart;
    return I8042Complete(Irp, STATUS_SUCCESS, sizeof(I8042KBD_STATS));
}

/* ---- DriverEntry, Unload ---- */

static NTSTATUS I8042CreateDevice(PDRIVER_OBJECT DriverObject, const WCHAR *Name, const WCHAR *LinkName, ULONG Size,
                                  DEVICE_TYPE Type, PDEVICE_OBJECT *Device, PBOOLEAN LinkMade)
{
    UNICODE_STRING DeviceName, Link;
    RtlInitUnicodeString(&DeviceName, Name);
    RtlInitUnicodeString(&Link, LinkName);
    NTSTATUS Status = IoCreateDevice(DriverObject, Size, &DeviceName, Type, 0, FALSE, Device);
    if (!NT_SUCCESS(Status)) {
        *Device = NULL;
        return Status;
    }
    RtlZeroMemory((*Device)->DeviceExtension, Size);
    (*Device)->Flags |= DO_BUFFERED_IO;
    Status = IoCreateSymbolicLink(&Link, &DeviceName);
    *LinkMade = NT_SUCCESS(Status);
    return Status;
}

static VOID I8042DeleteDevice(PDEVICE_OBJECT Device, const WCHAR *LinkName, BOOLEAN LinkMade)
{
    if (Device == NULL)
        return;
    if (LinkMade) {
        UNICODE_STRING Link;
        RtlInitUnicodeString(&Link, LinkName);
        IoDeleteSymbolicLink(&Link);
    }
    IoDeleteDevice(Device);
}

/* Undo everything DriverEntry set up on the devices (Unload and failure paths). */
static VOID I8042Teardown(PI8042_EXTENSION Ext)
{
    if (Ext->KeyboardInterrupt || Ext->MouseInterrupt)
        I8042SetCommandByte(Ext, (UCHAR)((Ext->CommandByte & ~(CCB_KBDINT | CCB_AUXINT)) | CCB_KBDDIS | CCB_AUXDIS));
    if (Ext->MouseInterrupt)
        IoDisconnectInterrupt(Ext->MouseInterrupt);
    if (Ext->KeyboardInterrupt)
        IoDisconnectInterrupt(Ext->KeyboardInterrupt);
    Ext->MouseInterrupt = Ext->KeyboardInterrupt = NULL;
    KeRemoveQueueDpc(&Ext->Dpc);
    PDEVICE_OBJECT Pointer = Ext->Pointer;
    BOOLEAN PointerLink = Ext->PointerLink, KeyboardLink = Ext->KeyboardLink;
    I8042DeleteDevice(Pointer, PointerLinkName, PointerLink);
    I8042DeleteDevice(Ext->Keyboard, KeyboardLinkName, KeyboardLink);  /* Ext lives in it: last */
}

static NTSTATUS I8042Connect(PI8042_EXTENSION Ext, PKINTERRUPT *Interrupt, PKSERVICE_ROUTINE Isr, ULONG Irq,
                             KIRQL SynchronizeIrql)
{
    KIRQL Irql;
    KAFFINITY Affinity;
    ULONG Vector = HalGetInterruptVector(Isa, 0, Irq, Irq, &Irql, &Affinity);
    NTSTATUS Status = IoConnectInterrupt(Interrupt, Isr, Ext, &Ext->InterruptLock, Vector, Irql, SynchronizeIrql,
                                         Latched, FALSE, Affinity, FALSE);
    if (!NT_SUCCESS(Status))
        *Interrupt = NULL;
    return Status;
}

NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    UNREFERENCED_PARAMETER(RegistryPath);
    I8042_CONFIG Config;
    RtlZeroMemory(&Config, sizeof(Config));
    I8042ReadConfig(&Config);

    DriverObject->MajorFunction[IRP_MJ_CREATE] = I8042CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLOSE] = I8042CreateClose;
    DriverObject->MajorFunction[IRP_MJ_CLEANUP] = I8042Cleanup;
    DriverObject->MajorFunction[IRP_MJ_READ] = I8042Read;
    DriverObject->MajorFunction[IRP_MJ_DEVICE_CONTROL] = I8042DeviceControl;
    DriverObject->DriverUnload = I8042Unload;

    NTSTATUS Status = I8042Claim(DriverObject, &Config, FALSE);
    if (!NT_SUCCESS(Status)) {
        if (Status != STATUS_CONFLICTING_ADDRESSES)   /* a conflict is logged by the I/O manager */
            I8042LogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 1, Status);
        return Status;
    }

    PDEVICE_OBJECT Keyboard, Pointer = NULL;
    BOOLEAN LinkMade = FALSE;
    Status = I8042CreateDevice(DriverObject, KeyboardName, KeyboardLinkName, sizeof(I8042_EXTENSION),
                               FILE_DEVICE_KEYBOARD, &Keyboard, &LinkMade);
    if (Keyboard == NULL) {
        I8042LogError(DriverObject, IO_ERR_INSUFFICIENT_RESOURCES, 2, Status);
        goto ReleaseClaim;
    }
    PI8042_EXTENSION Ext = Keyboard->DeviceExtension;
    Ext->Link.Port = Ext;
    Ext->Keyboard = Keyboard;
    Ext->KeyboardLink = LinkMade;
    Ext->DataPort = (PUCHAR)(ULONG_PTR)Config.DataPort;
    Ext->CommandPort = (PUCHAR)(ULONG_PTR)Config.CommandPort;
    Ext->KeyboardIrq = Config.KeyboardIrq;
    Ext->MouseIrq = Config.MouseIrq;
    Ext->HaveMouse = Config.FoundPointer;
    KeInitializeSpinLock(&Ext->InterruptLock);
    KeInitializeSpinLock(&Ext->QueueLock);
    KeInitializeDpc(&Ext->Dpc, I8042Dpc, Ext);
    for (ULONG i = 0; i < 2; i++)
        InitializeListHead(&Ext->Queue[i].Reads);
    Ext->Queue[0].RecordSize = sizeof(KEYBOARD_INPUT_DATA);
    Ext->Queue[0].Records = (PUCHAR)Ext->KeyRecords;
    Ext->Queue[1].RecordSize = sizeof(MOUSE_INPUT_DATA);
    Ext->Queue[1].Records = (PUCHAR)Ext->MouseRecords;
    if (!NT_SUCCESS(Status)) {
        I8042LogError(Keyboard, IO_ERR_INSUFFICIENT_RESOURCES, 3, Status);
        goto Teardown;
    }
    Status = I8042CreateDevice(DriverObject, PointerName, PointerLinkName, sizeof(I8042_LINK), FILE_DEVICE_MOUSE,
                               &Pointer, &LinkMade);
    Ext->Pointer = Pointer;
    Ext->PointerLink = LinkMade;
    if (Pointer) {
        PI8042_LINK Link = Pointer->DeviceExtension;
        Link->Port = Ext;
        Link->Mouse = TRUE;
    }
    if (!NT_SUCCESS(Status)) {
        I8042LogError(Keyboard, IO_ERR_INSUFFICIENT_RESOURCES, 4, Status);
        goto Teardown;
    }

    Status = I8042InitializeController(Ext);
    if (!NT_SUCCESS(Status)) {
        I8042LogError(Keyboard, IO_ERR_NOT_READY, 5, Status);
        goto Teardown;
    }

    KIRQL KeyboardIrql, MouseIrql;
    KAFFINITY Affinity;
    HalGetInterruptVector(Isa, 0, Ext->KeyboardIrq, Ext->KeyboardIrq, &KeyboardIrql, &Affinity);
    HalGetInterruptVector(Isa, 0, Ext->MouseIrq, Ext->MouseIrq, &MouseIrql, &Affinity);
    KIRQL SynchronizeIrql = KeyboardIrql > MouseIrql ? KeyboardIrql : MouseIrql;
    Status = I8042Connect(Ext, &Ext->KeyboardInterrupt, I8042KeyboardIsr, Ext->KeyboardIrq, SynchronizeIrql);
    if (NT_SUCCESS(Status) && Ext->HaveMouse)
        Status = I8042Connect(Ext, &Ext->MouseInterrupt, I8042MouseIsr, Ext->MouseIrq, SynchronizeIrql);
    if (!NT_SUCCESS(Status)) {
        I8042LogError(Keyboard, IO_ERR_INTERNAL_ERROR, 6, Status);
        goto Teardown;
    }
    UCHAR Enable = (UCHAR)((Ext->CommandByte & ~(CCB_KBDDIS | CCB_AUXDIS)) | CCB_KBDINT | CCB_SYS | CCB_XLAT);
    if (Ext->HaveMouse)
        Enable |= CCB_AUXINT;
    else
        Enable |= CCB_AUXDIS;
    Status = I8042SetCommandByte(Ext, Enable);
    if (!NT_SUCCESS(Status)) {
        I8042LogError(Keyboard, IO_ERR_NOT_READY, 7, Status);
        goto Teardown;
    }
    Keyboard->Flags &= ~DO_DEVICE_INITIALIZING;
    Pointer->Flags &= ~DO_DEVICE_INITIALIZING;
    return STATUS_SUCCESS;

Teardown:
    I8042Teardown(Ext);
ReleaseClaim:
    I8042Claim(DriverObject, NULL, TRUE);
    return Status;
}

static VOID I8042Unload(PDRIVER_OBJECT DriverObject)
{
    PDEVICE_OBJECT Device;
    for (Device = DriverObject->DeviceObject; Device; Device = Device->NextDevice) {
        PI8042_LINK Link = Device->DeviceExtension;
        if (!Link->Mouse)
            break;
    }
    if (Device) {
        PI8042_EXTENSION Ext = Device->DeviceExtension;
        I8042CancelReads(Ext, 0, NULL);
        I8042CancelReads(Ext, 1, NULL);
        I8042CancelLeds(Ext, NULL);
        I8042Teardown(Ext);
    }
    I8042Claim(DriverObject, NULL, TRUE);
}
