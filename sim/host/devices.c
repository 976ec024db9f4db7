/* devices.c - the machine's devices: QEMU-style option strings, the default PC,
 * HARDWARE\DESCRIPTION, the UART back ends tests and tools reach, the libuv loop of
 * host back ends, VCD recording, and running virtual time from the host.
 *
 *   uart16550,io=0x3f8,irq=4,chardev=buffer|null|pty|tcp:HOST:PORT[,name=com1][,clock=1843200]
 *   pit8254,io=0x40,irq=0[,port61=on|off][,bios=on|off]
 *   edu[,bus=0][,slot=3][,irq=11]   (PCI; firmware places BAR0 and enables it)
 *   i8042[,io=0x60][,irq=1][,auxirq=12][,mouse=on|off][,bios=on|off]
 *   isa-parallel[,io=0x378][,irq=7][,chardev=buffer|null|file:PATH|tcp:HOST:PORT]
 *   pcspk[,wav=PATH][,rate=44100]   (needs a pit8254 with port61=on; docs/input.md)
 *   i8237[,bios=on|off]              (both DMA controllers and the page registers)
 *   isa-fdc[,io=0x3f0][,irq=6][,dma=2][,drive0=FILE|blank|empty][,drive0.type=1.44M|720K]
 *          [,drive1=...][,drive1.type=...][,readonly=on|off][,spinup=MS]   (docs/floppy.md)
 *
 * The default PC (config.devices == NULL) is NtsimDefaultPc below: COM1, the 8254, edu,
 * the 8042 with keyboard and mouse, LPT1, the speaker, the 8237 pair and a floppy
 * controller with a blank 1.44M disk in drive 0. */
#include "host/hostp.h"
#include "hal/halp.h"
#include "cm/cmp.h"

#include <errno.h>
#include <strings.h>
#include <time.h>
#include <uv.h>

#include <hwmodel/chardev.h>
#include <hwmodel/edu.h>
#include <hwmodel/i8042.h>
#include <hwmodel/parport.h>
#include <hwmodel/pcspk.h>
#include <hwmodel/fdc.h>
#include <hwmodel/i8237.h>
#include <hwmodel/pit8254.h>
#include <hwmodel/uart16550.h>
#include <hwmodel/vcd.h>
#include "trace/trace.h"

typedef enum { NtsimDevUart, NtsimDevPit, NtsimDevEdu, NtsimDevI8042, NtsimDevParport, NtsimDevPcspk, NtsimDevDma,
               NtsimDevFdc } NTSIM_DEVICE_KIND;
typedef enum { NtsimChrNone, NtsimChrBuffer, NtsimChrPty, NtsimChrTcp, NtsimChrFile } NTSIM_CHARDEV_KIND;

struct ntsim_uart {
    NTSIM_DEVICE_KIND Kind;
    char *Spec;
    uint16_t Io;
    unsigned Irq;
    hw_uart16550 *Uart;
    hw_pit8254 *Pit;
    hw_edu *Edu;
    hw_i8237 *Dma;
    hw_fdc *Fdc;
    hw_chardev *Chr;
    NTSIM_CHARDEV_KIND ChrKind;
    unsigned UartIndex;
    /* input devices, printer and speaker (docs/input.md) */
    hw_i8042 *Kbc;
    unsigned AuxIrq;
    hw_parport *Lpt;
    unsigned LptIndex;
    hw_pcspk *Spk;
    bool Mouse;          /* i8042: the auxiliary (PS/2 mouse) port is there */
    unsigned DmaChannel; /* isa-fdc */
};
typedef struct ntsim_uart NTSIM_DEVICE;

static NTSIM_DEVICE **NtsimDevices;
static size_t NtsimDeviceCount;
static unsigned NtsimUartCount;
static uv_loop_t *NtsimLoop;
static hw_vcd *NtsimVcd;

static const char *const NtsimDefaultPc[] = {
    "uart16550,io=0x3f8,irq=4,chardev=buffer",
    "pit8254,io=0x40,irq=0,port61=on,bios=on",
    "edu,slot=3,irq=11",
    "i8042",
    "isa-parallel,io=0x378,irq=7,chardev=buffer",
    "pcspk",
    "i8237,bios=on",
    "isa-fdc,io=0x3f0,irq=6,dma=2,drive0=blank",
    NULL,
};

static uv_loop_t *NtsimGetLoop(void)
{
    if (NtsimLoop == NULL) {
        NtsimLoop = KiHostAlloc(sizeof(uv_loop_t));
        uv_loop_init(NtsimLoop);
    }
    return NtsimLoop;
}

static int NtsimParseUnsigned(const char *Text, unsigned long Max, unsigned long *Out)
{
    char *End;
    errno = 0;
    unsigned long V = strtoul(Text, &End, 0);
    if (*Text == 0 || *End || errno || V > Max)
        return -1;
    *Out = V;
    return 0;
}

static int NtsimParseSwitch(const char *Text, bool *Out)
{
    if (!strcmp(Text, "on") || !strcmp(Text, "1") || !strcmp(Text, "yes") || !strcmp(Text, "true"))
        *Out = true;
    else if (!strcmp(Text, "off") || !strcmp(Text, "0") || !strcmp(Text, "no") || !strcmp(Text, "false"))
        *Out = false;
    else
        return -1;
    return 0;
}

/* HARDWARE\DESCRIPTION\System as an NT4 ARC/NTDETECT tree has it, for
 * IoQueryDeviceDescription-era drivers (sim/io/config.c walks it):
 *   MultifunctionAdapter\0  Identifier "ISA", ISA bus 0 (always present)
 *     SerialController\N    one per UART
 *   MultifunctionAdapter\1  Identifier "PCI", PCI bus 0 (always present)
 *     OtherController\N     one per PCI function
 * Every key has "Identifier" (REG_SZ), "Configuration Data" (REG_FULL_RESOURCE_DESCRIPTOR:
 * the bus's interface type and number, then the key's resources) and "Component
 * Information" (REG_BINARY CM_COMPONENT_INFORMATION: Key = the instance number). */
#define NTSIM_DESCRIPTION "\\Registry\\Machine\\HARDWARE\\DESCRIPTION\\System"
#define NTSIM_ISA_ADAPTER NTSIM_DESCRIPTION "\\MultifunctionAdapter\\0"
#define NTSIM_PCI_ADAPTER NTSIM_DESCRIPTION "\\MultifunctionAdapter\\1"

static void NtsimDescribeComponent(const char *Key, ULONG Instance, BOOLEAN InputOutput)
{
    CM_COMPONENT_INFORMATION Info;
    memset(&Info, 0, sizeof(Info));
    Info.Flags.Input = InputOutput;
    Info.Flags.Output = InputOutput;
    Info.Key = Instance;
    Info.AffinityMask = (KAFFINITY)-1;
    CmpSetValueUtf8(Key, "Component Information", REG_BINARY, &Info, sizeof(Info));
}

static void NtsimDescribeAdapter(const char *Key, const char *Identifier, INTERFACE_TYPE Type, ULONG Instance)
{
    CmpSetStringValueUtf8(Key, "Identifier", REG_SZ, Identifier);
    CM_FULL_RESOURCE_DESCRIPTOR Full;
    memset(&Full, 0, sizeof(Full));
    Full.InterfaceType = Type;
    Full.BusNumber = 0;
    Full.PartialResourceList.Version = 1;
    Full.PartialResourceList.Revision = 1;
    Full.PartialResourceList.Count = 0;
    CmpSetValueUtf8(Key, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Full,
                    (ULONG)FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors));
    NtsimDescribeComponent(Key, Instance, FALSE);
}

static void NtsimDescribeBuses(void)
{
    if (CmpIsReplaying())
        return; /* the template holds the description (and every one below) */
    NtsimDescribeAdapter(NTSIM_ISA_ADAPTER, "ISA", Isa, 0);
    NtsimDescribeAdapter(NTSIM_PCI_ADAPTER, "PCI", PCIBus, 1);
}

/* MultifunctionAdapter\0\SerialController\N */
static void NtsimDescribeSerial(const NTSIM_DEVICE *Device)
{
    if (CmpIsReplaying())
        return;
    char Key[256];
    snprintf(Key, sizeof(Key), NTSIM_ISA_ADAPTER "\\SerialController\\%u", Device->UartIndex);
    char Name[16];
    snprintf(Name, sizeof(Name), "COM%u", Device->UartIndex + 1);
    CmpSetStringValueUtf8(Key, "Identifier", REG_SZ, Name);
    NtsimDescribeComponent(Key, Device->UartIndex, TRUE);
    struct {
        CM_FULL_RESOURCE_DESCRIPTOR Full; /* holds the first partial descriptor */
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[2];
        CM_SERIAL_DEVICE_DATA Serial;
    } Data;
    _Static_assert(sizeof(Data) == sizeof(CM_FULL_RESOURCE_DESCRIPTOR) + 2 * sizeof(CM_PARTIAL_RESOURCE_DESCRIPTOR) +
                       sizeof(CM_SERIAL_DEVICE_DATA),
                   "the descriptors must follow one another without padding");
    memset(&Data, 0, sizeof(Data));
    Data.Full.InterfaceType = Isa;
    Data.Full.BusNumber = 0;
    Data.Full.PartialResourceList.Version = 1;
    Data.Full.PartialResourceList.Revision = 1;
    Data.Full.PartialResourceList.Count = 3;
    CM_PARTIAL_RESOURCE_DESCRIPTOR *P = Data.Full.PartialResourceList.PartialDescriptors;
    P[0].Type = CmResourceTypePort;
    P[0].ShareDisposition = CmResourceShareDeviceExclusive;
    P[0].Flags = CM_RESOURCE_PORT_IO;
    P[0].u.Port.Start.QuadPart = Device->Io;
    P[0].u.Port.Length = 8;
    Data.More[0].Type = CmResourceTypeInterrupt;
    Data.More[0].ShareDisposition = CmResourceShareUndetermined;
    Data.More[0].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
    Data.More[0].u.Interrupt.Level = Device->Irq;
    Data.More[0].u.Interrupt.Vector = Device->Irq;
    Data.More[0].u.Interrupt.Affinity = (KAFFINITY)-1;
    Data.More[1].Type = CmResourceTypeDeviceSpecific;
    Data.More[1].u.DeviceSpecificData.DataSize = sizeof(CM_SERIAL_DEVICE_DATA);
    Data.Serial.Version = 1;
    Data.Serial.Revision = 1;
    Data.Serial.BaudClock = HW_UART16550_CLOCK_HZ;
    CmpSetValueUtf8(Key, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Data, sizeof(Data));
}

/* MultifunctionAdapter\1\OtherController\N: one per PCI function with its location and IDs. */
static unsigned NtsimPciCount;
static void NtsimDescribePci(const NTSIM_DEVICE *Device, unsigned Bus, unsigned Slot)
{
    char Key[256], Id[64];
    unsigned Instance = NtsimPciCount++;
    if (CmpIsReplaying())
        return;
    snprintf(Key, sizeof(Key), NTSIM_PCI_ADAPTER "\\OtherController\\%u", Instance);
    NtsimDescribeComponent(Key, Instance, FALSE);
    hw_pci_dev *Pci = hw_edu_pci(Device->Edu);
    snprintf(Id, sizeof(Id), "PCI\\VEN_%04X&DEV_%04X bus %u slot %u", HW_EDU_VENDOR, HW_EDU_DEVICE, Bus, Slot);
    CmpSetStringValueUtf8(Key, "Identifier", REG_SZ, Id);
    struct {
        CM_FULL_RESOURCE_DESCRIPTOR Full;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[1];
    } Data;
    memset(&Data, 0, sizeof(Data));
    Data.Full.InterfaceType = PCIBus;
    Data.Full.BusNumber = Bus;
    Data.Full.PartialResourceList.Version = 1;
    Data.Full.PartialResourceList.Revision = 1;
    Data.Full.PartialResourceList.Count = 2;
    CM_PARTIAL_RESOURCE_DESCRIPTOR *P = Data.Full.PartialResourceList.PartialDescriptors;
    P[0].Type = CmResourceTypeMemory;
    P[0].ShareDisposition = CmResourceShareDeviceExclusive;
    P[0].u.Memory.Start.QuadPart = (LONGLONG)hw_pci_bar_address(Pci, 0);
    P[0].u.Memory.Length = HW_EDU_BAR0_SIZE;
    Data.More[0].Type = CmResourceTypeInterrupt;
    Data.More[0].ShareDisposition = CmResourceShareShared;
    Data.More[0].Flags = CM_RESOURCE_INTERRUPT_LEVEL_SENSITIVE;
    Data.More[0].u.Interrupt.Level = Device->Irq;
    Data.More[0].u.Interrupt.Vector = Device->Irq;
    Data.More[0].u.Interrupt.Affinity = (KAFFINITY)-1;
    CmpSetValueUtf8(Key, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Data, sizeof(Data));
}

/* The key=value options of a device spec, parsed by one table per device type. */
typedef struct _NTSIM_DEVICE_OPTIONS {
    unsigned long Io, Irq, Clock, Bus, Slot;
    bool Port61, Bios;
    const char *Chardev;
    char Name[64];
    unsigned long AuxIrq, Rate;
    bool Mouse;
    const char *Path;
    unsigned long Dma, Spinup;            /* isa-fdc */
    const char *Drive[2], *DriveType[2];
    bool ReadOnly;
} NTSIM_DEVICE_OPTIONS;

typedef enum _NTSIM_OPTION_KIND { NtsimOptNumber, NtsimOptSwitch, NtsimOptChardev, NtsimOptName, NtsimOptPath } NTSIM_OPTION_KIND;

typedef struct _NTSIM_OPTION {
    const char *Key, *Alias;
    NTSIM_OPTION_KIND Kind;
    unsigned long Min, Max;
    size_t Offset;      /* of the unsigned long or bool in NTSIM_DEVICE_OPTIONS */
    const char *Hint;   /* what a good value looks like, for the error message */
} NTSIM_OPTION;

#define NTSIM_OPT(Key, Alias, Kind, Min, Max, Field, Hint) \
    { Key, Alias, Kind, Min, Max, offsetof(NTSIM_DEVICE_OPTIONS, Field), Hint }

static const NTSIM_OPTION NtsimUartOptions[] = {
    NTSIM_OPT("io", "iobase", NtsimOptNumber, 0, 0xFFF8, Io, "a port such as 0x3f8"),
    NTSIM_OPT("irq", NULL, NtsimOptNumber, 0, 15, Irq, "0-15"),
    NTSIM_OPT("chardev", NULL, NtsimOptChardev, 0, 0, Chardev, "buffer, null, pty or tcp:HOST:PORT"),
    NTSIM_OPT("name", NULL, NtsimOptName, 0, 0, Name, "a name"),
    NTSIM_OPT("clock", NULL, NtsimOptNumber, 1, 100000000, Clock, "Hz"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static const NTSIM_OPTION NtsimPitOptions[] = {
    NTSIM_OPT("io", "iobase", NtsimOptNumber, 0, 0xFFFC, Io, "a port such as 0x40"),
    NTSIM_OPT("irq", NULL, NtsimOptNumber, 0, 15, Irq, "0-15"),
    NTSIM_OPT("port61", NULL, NtsimOptSwitch, 0, 0, Port61, "on or off"),
    NTSIM_OPT("bios", NULL, NtsimOptSwitch, 0, 0, Bios, "on or off"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static const NTSIM_OPTION NtsimEduOptions[] = {
    NTSIM_OPT("bus", NULL, NtsimOptNumber, 0, 0, Bus, "this machine has PCI bus 0"),
    NTSIM_OPT("slot", "addr", NtsimOptNumber, 0, 31, Slot, "0-31"),
    NTSIM_OPT("irq", NULL, NtsimOptNumber, 0, 15, Irq, "0-15"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static const NTSIM_OPTION NtsimI8042Options[] = {
    NTSIM_OPT("io", "iobase", NtsimOptNumber, 0, 0xFFFB, Io, "the data port such as 0x60 (command port = io + 4)"),
    NTSIM_OPT("irq", NULL, NtsimOptNumber, 0, 15, Irq, "0-15"),
    NTSIM_OPT("auxirq", "irq12", NtsimOptNumber, 0, 15, AuxIrq, "0-15"),
    NTSIM_OPT("mouse", NULL, NtsimOptSwitch, 0, 0, Mouse, "on or off"),
    NTSIM_OPT("bios", NULL, NtsimOptSwitch, 0, 0, Bios, "on or off"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static const NTSIM_OPTION NtsimParportOptions[] = {
    NTSIM_OPT("io", "iobase", NtsimOptNumber, 0, 0xFFF8, Io, "0x378, 0x278 or 0x3bc"),
    NTSIM_OPT("irq", NULL, NtsimOptNumber, 0, 15, Irq, "0-15"),
    NTSIM_OPT("chardev", NULL, NtsimOptChardev, 0, 0, Chardev, "buffer, null, file:PATH or tcp:HOST:PORT"),
    NTSIM_OPT("name", NULL, NtsimOptName, 0, 0, Name, "a name"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static const NTSIM_OPTION NtsimPcspkOptions[] = {
    NTSIM_OPT("wav", NULL, NtsimOptPath, 0, 0, Path, "a file to write"),
    NTSIM_OPT("rate", NULL, NtsimOptNumber, 8000, 192000, Rate, "8000-192000 samples/s"),
    { NULL, NULL, 0, 0, 0, 0, NULL },
};

static void NtsimOptionList(const NTSIM_OPTION *Options, char *Buffer, size_t Size)
{
    size_t Used = 0;
    Buffer[0] = 0;
    for (const NTSIM_OPTION *O = Options; O->Key && Used < Size; O++)
        Used += (size_t)snprintf(Buffer + Used, Size - Used, "%s%s", O == Options ? "" : ", ", O->Key);
}

static BOOLEAN NtsimValidChardev(const char *Value)
{
    return !strncmp(Value, "tcp:", 4) || (!strncmp(Value, "file:", 5) && Value[5]) || !strcmp(Value, "buffer") || !strcmp(Value, "pty") ||
           !strcmp(Value, "null") || !strcmp(Value, "none");
}

/* Parse the rest of a spec (after the type) into *Out, which holds the defaults. */
static int NtsimParseOptions(const char *Spec, const char *Type, char **Save, const NTSIM_OPTION *Options,
                             NTSIM_DEVICE_OPTIONS *Out)
{
    char Keys[128]; /* the keys it takes, for an error message only */
    for (char *Item = strtok_r(NULL, ",", Save); Item; Item = strtok_r(NULL, ",", Save)) {
        char *Value = strchr(Item, '=');
        if (Value == NULL) {
            NtsimOptionList(Options, Keys, sizeof(Keys));
            NtsimSetLastError("device '%s': '%s' is not key=value (%s takes %s)", Spec, Item, Type, Keys);
            return NTSIM_E_ARGS;
        }
        *Value++ = 0;
        const NTSIM_OPTION *O = Options;
        while (O->Key && strcmp(Item, O->Key) && !(O->Alias && !strcmp(Item, O->Alias)))
            O++;
        if (O->Key == NULL) {
            NtsimOptionList(Options, Keys, sizeof(Keys));
            NtsimSetLastError("device '%s': unknown key '%s' (%s takes %s)", Spec, Item, Type, Keys);
            return NTSIM_E_ARGS;
        }
        char *Field = (char *)Out + O->Offset;
        unsigned long N;
        BOOLEAN Bad = FALSE;
        switch (O->Kind) {
        case NtsimOptNumber:
            Bad = NtsimParseUnsigned(Value, O->Max, &N) != 0 || N < O->Min;
            if (!Bad)
                *(unsigned long *)Field = N;
            break;
        case NtsimOptSwitch:
            Bad = NtsimParseSwitch(Value, (bool *)Field) != 0;
            break;
        case NtsimOptChardev:
            Bad = !NtsimValidChardev(Value);
            if (!Bad)
                *(const char **)Field = Value;
            break;
        case NtsimOptName:
            snprintf(Field, sizeof(Out->Name), "%s", Value);
            break;
        case NtsimOptPath:
            Bad = Value[0] == 0;
            if (!Bad)
                *(const char **)Field = Value;
            break;
        }
        if (Bad) {
            NtsimSetLastError("device '%s': bad value '%s' for key '%s' (%s)", Spec, Value, O->Key, O->Hint);
            return NTSIM_E_ARGS;
        }
    }
    return 0;
}

static const char *NtsimMapError(int Error, const char *Busy)
{
    return Error == -EBUSY ? Busy : strerror(-Error);
}

static int NtsimOpenChardev(NTSIM_DEVICE *Device, const char *Spec, const char *Chardev)
{
    int Error = 0;
    if (!strcmp(Chardev, "buffer")) {
        Device->Chr = hw_chardev_buffer_new(KiClock());
        Device->ChrKind = NtsimChrBuffer;
    } else if (!strcmp(Chardev, "pty")) {
        Device->Chr = hw_chardev_pty_new(NtsimGetLoop(), &Error);
        Device->ChrKind = NtsimChrPty;
    } else if (!strncmp(Chardev, "tcp:", 4)) {
        char Host[256];
        unsigned long N;
        const char *Rest = Chardev + 4;
        const char *Colon = strrchr(Rest, ':');
        if (Colon == NULL || NtsimParseUnsigned(Colon + 1, 65535, &N)) {
            NtsimSetLastError("device '%s': bad value '%s' for key 'chardev' (tcp:HOST:PORT)", Spec, Chardev);
            return NTSIM_E_ARGS;
        }
        snprintf(Host, sizeof(Host), "%.*s", (int)(Colon - Rest), Rest);
        Device->Chr = hw_chardev_tcp_new(NtsimGetLoop(), Host[0] ? Host : "127.0.0.1", (int)N, &Error);
        Device->ChrKind = NtsimChrTcp;
    } else if (!strncmp(Chardev, "file:", 5)) {
        Device->Chr = hw_chardev_file_new(Chardev + 5, &Error);
        Device->ChrKind = NtsimChrFile;
        if (Device->Chr == NULL) {
            NtsimSetLastError("device '%s': cannot open chardev '%s': %s", Spec, Chardev, strerror(-Error));
            return NTSIM_E_ARGS;
        }
    }
    if (Device->ChrKind != NtsimChrNone && Device->Chr == NULL) {
        NtsimSetLastError("device '%s': cannot open chardev '%s': %s", Spec, Chardev, uv_strerror(Error));
        return NTSIM_E_ARGS;
    }
    if (Device->Chr && Device->Uart)
        hw_uart16550_attach(Device->Uart, Device->Chr);
    if (Device->Chr && Device->Lpt)
        hw_parport_attach(Device->Lpt, Device->Chr);
    return 0;
}

static int NtsimAddUart(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Io = 0x3F8, .Irq = 4, .Chardev = "buffer" };
    snprintf(O.Name, sizeof(O.Name), "com%u", NtsimUartCount + 1);
    if (NtsimParseOptions(Spec, "uart16550", Save, NtsimUartOptions, &O))
        return NTSIM_E_ARGS;
    hw_uart16550_config Config = { .io_base = (uint16_t)O.Io, .irq = (unsigned)O.Irq,
                                   .clock_hz = (uint32_t)O.Clock, .name = O.Name };
    int Error = 0;
    Device->Kind = NtsimDevUart;
    Device->Uart = hw_uart16550_new(HalpBus(), &Config, &Error);
    if (Device->Uart == NULL) {
        NtsimSetLastError("device '%s': cannot map ports 0x%x-0x%x: %s", Spec, Config.io_base, Config.io_base + 7,
                          NtsimMapError(Error, "already taken by another device"));
        return NTSIM_E_ARGS;
    }
    Device->Io = Config.io_base;
    Device->Irq = Config.irq;
    if (NtsimOpenChardev(Device, Spec, O.Chardev))
        return NTSIM_E_ARGS;
    Device->UartIndex = NtsimUartCount++;
    if (Size) /* (0: the caller knows the canonical form already) */
        snprintf(Canonical, Size, "uart16550,io=0x%x,irq=%u,chardev=%s,name=%s", Config.io_base, Config.irq,
                 Device->ChrKind == NtsimChrNone ? "null" : O.Chardev, O.Name);
    NtsimDescribeSerial(Device);
    return 0;
}

static int NtsimAddPit(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Io = 0x40, .Irq = 0, .Port61 = true, .Bios = true };
    if (NtsimParseOptions(Spec, "pit8254", Save, NtsimPitOptions, &O))
        return NTSIM_E_ARGS;
    hw_pit8254_config Config = { .io_base = (uint16_t)O.Io, .irq = (unsigned)O.Irq, .map_port61 = O.Port61,
                                 .bios_init = O.Bios };
    int Error = 0;
    Device->Kind = NtsimDevPit;
    Device->Pit = hw_pit8254_new(HalpBus(), &Config, &Error);
    if (Device->Pit == NULL) {
        NtsimSetLastError("device '%s': cannot map ports 0x%x-0x%x%s: %s", Spec, Config.io_base, Config.io_base + 3,
                          Config.map_port61 ? " and 0x61" : "", NtsimMapError(Error, "already taken by another device"));
        return NTSIM_E_ARGS;
    }
    Device->Io = Config.io_base;
    Device->Irq = Config.irq;
    if (Size)
        snprintf(Canonical, Size, "pit8254,io=0x%x,irq=%u,port61=%s,bios=%s", Config.io_base, Config.irq,
                 Config.map_port61 ? "on" : "off", Config.bios_init ? "on" : "off");
    return 0;
}

static int NtsimAddEdu(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Bus = 0, .Slot = 3, .Irq = 11 };
    if (NtsimParseOptions(Spec, "edu", Save, NtsimEduOptions, &O))
        return NTSIM_E_ARGS;
    hw_edu_config Config = { .bus = (unsigned)O.Bus, .device = (unsigned)O.Slot, .function = 0, .irq = (unsigned)O.Irq };
    int Error = 0;
    Device->Kind = NtsimDevEdu;
    Device->Edu = hw_edu_new(HalpPci(), HalpPhysMem(), &Config, &Error);
    if (Device->Edu == NULL) {
        NtsimSetLastError("device '%s': cannot place it in PCI slot %u:%u: %s", Spec, Config.bus, Config.device,
                          NtsimMapError(Error, "the slot is taken by another device"));
        return NTSIM_E_ARGS;
    }
    HalpFirmwareConfigure(hw_edu_pci(Device->Edu));
    Device->Irq = Config.irq;
    if (Size)
        snprintf(Canonical, Size, "edu,bus=%u,slot=%u,irq=%u", Config.bus, Config.device, Config.irq);
    NtsimDescribePci(Device, Config.bus, Config.device);
    return 0;
}

void *ntsim_machine_edu(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    for (size_t i = 0; i < NtsimDeviceCount; i++)
        if (NtsimDevices[i]->Kind == NtsimDevEdu && Index-- == 0)
            return NtsimDevices[i]->Edu;
    return NULL;
}


/* ---- input devices, printer and speaker (docs/input.md) ---- */

static NTSIM_DEVICE *NtsimFindKind(NTSIM_DEVICE_KIND Kind, unsigned Index)
{
    for (size_t i = 0; i < NtsimDeviceCount; i++)
        if (NtsimDevices[i]->Kind == Kind && Index-- == 0)
            return NtsimDevices[i];
    return NULL;
}

/* Fill a CM_FULL_RESOURCE_DESCRIPTOR for an ISA controller: ports, then an interrupt. */
static ULONG NtsimIsaDescriptors(CM_FULL_RESOURCE_DESCRIPTOR *Full, const ULONG *Ports, const ULONG *Lengths,
                                 ULONG PortCount, ULONG Irq)
{
    Full->InterfaceType = Isa;
    Full->BusNumber = 0;
    Full->PartialResourceList.Version = 1;
    Full->PartialResourceList.Revision = 1;
    CM_PARTIAL_RESOURCE_DESCRIPTOR *P = Full->PartialResourceList.PartialDescriptors;
    for (ULONG i = 0; i < PortCount; i++) {
        P[i].Type = CmResourceTypePort;
        P[i].ShareDisposition = CmResourceShareDeviceExclusive;
        P[i].Flags = CM_RESOURCE_PORT_IO;
        P[i].u.Port.Start.QuadPart = Ports[i];
        P[i].u.Port.Length = Lengths[i];
    }
    P[PortCount].Type = CmResourceTypeInterrupt;
    P[PortCount].ShareDisposition = CmResourceShareUndetermined;
    P[PortCount].Flags = CM_RESOURCE_INTERRUPT_LATCHED;
    P[PortCount].u.Interrupt.Level = Irq;
    P[PortCount].u.Interrupt.Vector = Irq;
    P[PortCount].u.Interrupt.Affinity = (KAFFINITY)-1;
    Full->PartialResourceList.Count = PortCount + 1;
    return PortCount + 1;
}

/* A peripheral key below a controller: Identifier and a device-specific descriptor. */
static void NtsimDescribePeripheral(const char *Key, const char *Identifier, const void *Specific, ULONG Size)
{
    CmpSetStringValueUtf8(Key, "Identifier", REG_SZ, Identifier);
    NtsimDescribeComponent(Key, 0, TRUE);
    struct {
        CM_FULL_RESOURCE_DESCRIPTOR Full;
        UCHAR Data[32];
    } D;
    memset(&D, 0, sizeof(D));
    D.Full.InterfaceType = Isa;
    D.Full.PartialResourceList.Version = 1;
    D.Full.PartialResourceList.Revision = 1;
    ULONG Length = (ULONG)FIELD_OFFSET(CM_FULL_RESOURCE_DESCRIPTOR, PartialResourceList.PartialDescriptors);
    if (Specific) {
        D.Full.PartialResourceList.Count = 1;
        D.Full.PartialResourceList.PartialDescriptors[0].Type = CmResourceTypeDeviceSpecific;
        D.Full.PartialResourceList.PartialDescriptors[0].u.DeviceSpecificData.DataSize = Size;
        memcpy((UCHAR *)(D.Full.PartialResourceList.PartialDescriptors + 1), Specific, Size);
        Length = sizeof(CM_FULL_RESOURCE_DESCRIPTOR) + Size;
    }
    CmpSetValueUtf8(Key, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &D, Length);
}

/* KeyboardController\0 (ports 0x60, 0x64, IRQ 1) with KeyboardPeripheral\0 "PCAT_ENHANCED", and
 * PointerController\0 (same ports, IRQ 12) with PointerPeripheral\0 "PS2 MOUSE", as NTDETECT does. */
static void NtsimDescribeI8042(const NTSIM_DEVICE *Device, BOOLEAN Mouse)
{
    if (CmpIsReplaying())
        return;
    struct {
        CM_FULL_RESOURCE_DESCRIPTOR Full;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[2];
    } Data;
    const ULONG Ports[2] = { Device->Io, Device->Io + 4u }, Lengths[2] = { 1, 1 };
    static const char Kbd[] = NTSIM_ISA_ADAPTER "\\KeyboardController\\0";
    memset(&Data, 0, sizeof(Data));
    NtsimIsaDescriptors(&Data.Full, Ports, Lengths, 2, Device->Irq);
    CmpSetStringValueUtf8(Kbd, "Identifier", REG_SZ, "");
    NtsimDescribeComponent(Kbd, 0, TRUE);
    CmpSetValueUtf8(Kbd, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Data, sizeof(Data));
    CM_KEYBOARD_DEVICE_DATA Keyboard = { 1, 1, 4 /* enhanced 101/102 keys */, 0, 0 };
    NtsimDescribePeripheral(NTSIM_ISA_ADAPTER "\\KeyboardController\\0\\KeyboardPeripheral\\0", "PCAT_ENHANCED",
                            &Keyboard, sizeof(Keyboard));
    if (!Mouse)
        return;
    static const char Ptr[] = NTSIM_ISA_ADAPTER "\\PointerController\\0";
    memset(&Data, 0, sizeof(Data));
    NtsimIsaDescriptors(&Data.Full, Ports, Lengths, 2, Device->AuxIrq);
    CmpSetStringValueUtf8(Ptr, "Identifier", REG_SZ, "");
    NtsimDescribeComponent(Ptr, 0, TRUE);
    CmpSetValueUtf8(Ptr, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Data, sizeof(Data));
    NtsimDescribePeripheral(NTSIM_ISA_ADAPTER "\\PointerController\\0\\PointerPeripheral\\0", "PS2 MOUSE", NULL, 0);
}

/* ParallelController\N: "PARALLEL<N+1>", three ports and the interrupt. */
static void NtsimDescribeParallel(const NTSIM_DEVICE *Device)
{
    if (CmpIsReplaying())
        return;
    char Key[256], Name[16];
    snprintf(Key, sizeof(Key), NTSIM_ISA_ADAPTER "\\ParallelController\\%u", Device->LptIndex);
    snprintf(Name, sizeof(Name), "PARALLEL%u", Device->LptIndex + 1);
    CmpSetStringValueUtf8(Key, "Identifier", REG_SZ, Name);
    NtsimDescribeComponent(Key, Device->LptIndex, TRUE);
    struct {
        CM_FULL_RESOURCE_DESCRIPTOR Full;
        CM_PARTIAL_RESOURCE_DESCRIPTOR More[1];
    } Data;
    memset(&Data, 0, sizeof(Data));
    const ULONG Port = Device->Io, Length = 3;
    NtsimIsaDescriptors(&Data.Full, &Port, &Length, 1, Device->Irq);
    CmpSetValueUtf8(Key, "Configuration Data", REG_FULL_RESOURCE_DESCRIPTOR, &Data, sizeof(Data));
}

static int NtsimAddI8042(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Io = 0x60, .Irq = 1, .AuxIrq = 12, .Mouse = true, .Bios = true };
    if (NtsimParseOptions(Spec, "i8042", Save, NtsimI8042Options, &O))
        return NTSIM_E_ARGS;
    if (NtsimFindKind(NtsimDevI8042, 0)) {
        NtsimSetLastError("device '%s': the machine has an i8042 already (one keyboard controller)", Spec);
        return NTSIM_E_ARGS;
    }
    hw_i8042_config Config = { .data_port = (uint16_t)O.Io, .cmd_port = (uint16_t)(O.Io + 4), .kbd_irq = (unsigned)O.Irq,
                               .aux_irq = (unsigned)O.AuxIrq, .no_mouse = !O.Mouse, .bios_init = O.Bios };
    int Error = 0;
    Device->Kind = NtsimDevI8042;
    Device->Kbc = hw_i8042_new(HalpBus(), &Config, &Error);
    if (Device->Kbc == NULL) {
        NtsimSetLastError("device '%s': cannot map ports 0x%x and 0x%x: %s", Spec, Config.data_port, Config.cmd_port,
                          NtsimMapError(Error, "already taken by another device"));
        return NTSIM_E_ARGS;
    }
    Device->Io = Config.data_port;
    Device->Irq = Config.kbd_irq;
    Device->AuxIrq = Config.aux_irq;
    Device->Mouse = O.Mouse;
    if (Size)
        snprintf(Canonical, Size, "i8042,io=0x%x,irq=%u,auxirq=%u,mouse=%s,bios=%s", Config.data_port, Config.kbd_irq,
                 Config.aux_irq, O.Mouse ? "on" : "off", O.Bios ? "on" : "off");
    NtsimDescribeI8042(Device, O.Mouse);
    return 0;
}

static unsigned NtsimLptCount;

static int NtsimAddParport(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Io = 0x378, .Irq = 7, .Chardev = "buffer" };
    snprintf(O.Name, sizeof(O.Name), "lpt%u", NtsimLptCount + 1);
    if (NtsimParseOptions(Spec, "isa-parallel", Save, NtsimParportOptions, &O))
        return NTSIM_E_ARGS;
    if (!strcmp(O.Chardev, "pty")) {
        NtsimSetLastError("device '%s': bad value 'pty' for key 'chardev' (a printer takes buffer, null, file:PATH or "
                          "tcp:HOST:PORT)", Spec);
        return NTSIM_E_ARGS;
    }
    hw_parport_config Config = { .io_base = (uint16_t)O.Io, .irq = (unsigned)O.Irq, .name = O.Name };
    int Error = 0;
    Device->Kind = NtsimDevParport;
    Device->Lpt = hw_parport_new(HalpBus(), &Config, &Error);
    if (Device->Lpt == NULL) {
        NtsimSetLastError("device '%s': cannot map ports 0x%x-0x%x: %s", Spec, Config.io_base,
                          Config.io_base + (Config.io_base == 0x3BC ? 3 : 7), NtsimMapError(Error, "already taken by another device"));
        return NTSIM_E_ARGS;
    }
    Device->Io = Config.io_base;
    Device->Irq = Config.irq;
    if (NtsimOpenChardev(Device, Spec, O.Chardev))
        return NTSIM_E_ARGS;
    Device->LptIndex = NtsimLptCount++;
    if (Size)
        snprintf(Canonical, Size, "isa-parallel,io=0x%x,irq=%u,chardev=%s,name=%s", Config.io_base, Config.irq,
                 Device->ChrKind == NtsimChrNone ? "null" : O.Chardev, O.Name);
    NtsimDescribeParallel(Device);
    return 0;
}

static const char *NtsimSpeakerWav; /* machine option --speaker: the WAV of the (first) pcspk */

static int NtsimAddPcspk(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size)
{
    NTSIM_DEVICE_OPTIONS O = { .Rate = HW_PCSPK_RATE };
    if (NtsimParseOptions(Spec, "pcspk", Save, NtsimPcspkOptions, &O))
        return NTSIM_E_ARGS;
    hw_range_info Port61;
    if (!HalpBus() || !hw_bus_lookup(HalpBus(), HW_SPACE_IO, 0x61, &Port61) || strcmp(Port61.name, "pit8254-port61")) {
        NtsimSetLastError("device '%s': pcspk needs a pit8254 with port61=on earlier on the machine", Spec);
        return NTSIM_E_ARGS;
    }
    if (NtsimFindKind(NtsimDevPcspk, 0)) {
        NtsimSetLastError("device '%s': the machine has a pcspk already (one speaker on counter 2)", Spec);
        return NTSIM_E_ARGS;
    }
    const char *Wav = O.Path ? O.Path : NtsimSpeakerWav;
    hw_pcspk_config Config = { .sample_rate = (uint32_t)O.Rate, .wav_path = Wav, .keep_samples = true };
    int Error = 0;
    Device->Kind = NtsimDevPcspk;
    Device->Spk = hw_pcspk_new(Port61.opaque, KiClock(), &Config, &Error);
    if (Device->Spk == NULL) {
        NtsimSetLastError("device '%s': cannot write WAV file '%s': %s", Spec, Wav ? Wav : "", strerror(-Error));
        return NTSIM_E_ARGS;
    }
    Device->Irq = 0;
    if (Size)
        snprintf(Canonical, Size, "pcspk,rate=%lu%s%s", O.Rate, Wav ? ",wav=" : "", Wav ? Wav : "");
    return 0;
}
#include "devices_fdc.inc"

static const struct {
    const char *Names[3];
    int (*Add)(NTSIM_DEVICE *Device, const char *Spec, char **Save, char *Canonical, size_t Size);
} NtsimDeviceTypes[] = {
    { { "uart16550", "isa-serial", "16550" }, NtsimAddUart },
    { { "pit8254", "i8254", "pit" }, NtsimAddPit },
    { { "edu", NULL, NULL }, NtsimAddEdu },
    /* input devices, printer, speaker */
    { { "i8042", "ps2", "kbd" }, NtsimAddI8042 },
    { { "isa-parallel", "parport", "lpt" }, NtsimAddParport },
    { { "pcspk", "speaker", NULL }, NtsimAddPcspk },
    /* ISA DMA and floppy (devices_fdc.inc) */
    { { "i8237", "isa-dma", "dma" }, NtsimAddDma },
    { { "isa-fdc", "fdc", "82077" }, NtsimAddFdc },
};

static void NtsimFreeInputDevices(NTSIM_DEVICE *Device)
{
    if (Device->Kbc)
        hw_i8042_free(Device->Kbc);
    if (Device->Lpt) {
        hw_parport_attach(Device->Lpt, NULL);
        hw_parport_free(Device->Lpt);
    }
    if (Device->Spk && hw_pcspk_free(Device->Spk) != 0)
        fprintf(stderr, "ntsim: the speaker's WAV file could not be written completely\n");
    Device->Kbc = NULL;
    Device->Lpt = NULL;
    Device->Spk = NULL;
}

/* KnownCanonical: the spec's canonical form when the caller has it already (the default
 * PC's, kept per process: NtsimCreateMachineDevices), so that no Add routine formats it. */
static int NtsimAddDevice(const char *Spec, const char *KnownCanonical)
{
    char *Copy = KiHostStrdup(Spec);
    char *Save = NULL;
    char *Type = strtok_r(Copy, ",", &Save);
    if (Type == NULL) {
        NtsimSetLastError("device '%s': empty device option", Spec);
        free(Copy);
        return NTSIM_E_ARGS;
    }
    NTSIM_DEVICE *Device = KiHostAlloc(sizeof(*Device));
    char Canonical[512];
    int Result = NTSIM_E_ARGS;
    BOOLEAN Known = FALSE;
    for (size_t i = 0; i < RTL_NUMBER_OF(NtsimDeviceTypes) && !Known; i++)
        for (size_t n = 0; n < 3 && NtsimDeviceTypes[i].Names[n] && !Known; n++)
            if (!strcmp(Type, NtsimDeviceTypes[i].Names[n])) {
                Known = TRUE;
                Result = NtsimDeviceTypes[i].Add(Device, Spec, &Save, Canonical, KnownCanonical ? 0 : sizeof(Canonical));
            }
    if (!Known)
        NtsimSetLastError("device '%s': unknown device type '%s' (uart16550, pit8254, edu, i8042, isa-parallel, "
                          "pcspk, i8237 or isa-fdc)", Spec, Type);
    if (Result == 0) {
        Device->Spec = KiHostStrdup(KnownCanonical ? KnownCanonical : Canonical);
        NtsimDevices = KiHostRealloc(NtsimDevices, (NtsimDeviceCount + 1) * sizeof(*NtsimDevices));
        NtsimDevices[NtsimDeviceCount++] = Device;
        free(Copy);
        return 0;
    }
    if (Device->Chr)
        hw_chardev_free(Device->Chr);
    if (Device->Uart)
        hw_uart16550_free(Device->Uart);
    if (Device->Pit)
        hw_pit8254_free(Device->Pit);
    if (Device->Edu)
        hw_edu_free(Device->Edu);
    NtsimFreeInputDevices(Device);
    NtsimFreeFdcDevices(Device);
    free(Device);
    free(Copy);
    return NTSIM_E_ARGS;
}

static int NtsimStartVcd(const char *Path, const char *GtkwPath)
{
    NtsimVcd = hw_vcd_open(Path);
    if (NtsimVcd == NULL) { /* asked for and impossible: an error, not a run without it */
        NtsimSetLastError("cannot write the VCD file %s: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    /* IRQL, ISR, DPC, IRPs in flight (sim/trace/vcdsignals.c) and the .gtkw */
    int Rc = TrVcdAttach(NtsimVcd, Path, GtkwPath);
    if (Rc != 0)
        return Rc;
    uint64_t Lines = 0;
    for (size_t i = 0; i < NtsimDeviceCount; i++) {
        NTSIM_DEVICE *D = NtsimDevices[i];
        char Prefix[32] = "";
        Lines |= 1ull << D->Irq;
        if (D->Kind == NtsimDevI8042) {
            Lines |= 1ull << D->AuxIrq;
            hw_i8042_trace(D->Kbc, NtsimVcd, "i8042");
            snprintf(Prefix, sizeof(Prefix), "i8042");
        } else if (D->Kind == NtsimDevParport) {
            snprintf(Prefix, sizeof(Prefix), "lpt%u", D->LptIndex + 1);
            hw_parport_trace(D->Lpt, NtsimVcd, Prefix);
        } else if (D->Kind == NtsimDevPcspk) {
            hw_pcspk_trace(D->Spk, NtsimVcd, "pcspk");
            TrVcdAddHardware("pcspk", -1, D->Spec);
            continue;                           /* it has no interrupt line */
        }
        if (D->Kind == NtsimDevUart) {
            snprintf(Prefix, sizeof(Prefix), "com%u", D->UartIndex + 1);
            hw_uart16550_trace(D->Uart, NtsimVcd, Prefix);
        }
        TrVcdAddHardware(Prefix, (int)D->Irq, D->Spec);
        if (D->Kind == NtsimDevI8042)
            TrVcdAddHardware("", (int)D->AuxIrq, "i8042 auxiliary (mouse) line");
    }
    for (unsigned Line = 0; Line < HALP_IRQ_LINES; Line++)
        if (Lines & (1ull << Line))
            hw_bus_vcd_trace_irq(HalpBus(), NtsimVcd, Line, "pic");
    return 0;
}

void NtsimDestroyMachineDevices(void);

int NtsimCreateMachineDevices(const ntsim_machine_config *Config)
{
    IopResetResources();
    IopResetInterrupts();
    HalpInitializeBus();
    NtsimDescribeBuses();
    IopSpuriousAfterConnect = Config->spurious_irq != 0;
    NtsimSpeakerWav = Config->speaker_wav;
    const char *const *Specs = Config->devices ? Config->devices : NtsimDefaultPc;
    /* The default PC's devices always come out the same (fresh counters, no options
     * from outside but the speaker's WAV): their canonical forms are kept per process. */
    static char *DefaultCanonical[RTL_NUMBER_OF(NtsimDefaultPc)];
    BOOLEAN Default = Config->devices == NULL && Config->speaker_wav == NULL;
    for (size_t i = 0; Specs[i]; i++) {
        if (NtsimAddDevice(Specs[i], Default ? DefaultCanonical[i] : NULL) != 0)
            return NTSIM_E_ARGS;
        if (Default && DefaultCanonical[i] == NULL)
            DefaultCanonical[i] = KiHostStrdup(NtsimDevices[NtsimDeviceCount - 1]->Spec);
    }
    if (Config->speaker_wav && !NtsimFindKind(NtsimDevPcspk, 0) && NtsimAddDevice("pcspk", NULL) != 0) {
        char Why[512];
        snprintf(Why, sizeof(Why), "%s", ntsim_last_error());
        NtsimSetLastError("speaker WAV '%s': %s", Config->speaker_wav, Why);
        return NTSIM_E_ARGS;
    }
    if (Config->vcd_path)
        return NtsimStartVcd(Config->vcd_path, Config->gtkw_path);
    return 0;
}

void NtsimDestroyMachineDevices(void)
{
    if (NtsimVcd) {
        for (size_t i = 0; i < NtsimDeviceCount; i++)
            if (NtsimDevices[i]->Kind == NtsimDevUart)
                hw_uart16550_trace(NtsimDevices[i]->Uart, NULL, NULL);
            else if (NtsimDevices[i]->Kbc)
                hw_i8042_trace(NtsimDevices[i]->Kbc, NULL, NULL);
            else if (NtsimDevices[i]->Lpt)
                hw_parport_trace(NtsimDevices[i]->Lpt, NULL, NULL);
            else if (NtsimDevices[i]->Spk)
                hw_pcspk_trace(NtsimDevices[i]->Spk, NULL, NULL);
        if (HalpBus())
            hw_bus_vcd_detach(HalpBus());
        TrVcdDetach(); /* writes the .gtkw */
        hw_vcd_close(NtsimVcd);
        NtsimVcd = NULL;
    }
    for (size_t i = NtsimDeviceCount; i-- > 0;) {
        NTSIM_DEVICE *D = NtsimDevices[i];
        if (D->Uart) {
            hw_uart16550_attach(D->Uart, NULL);
            hw_uart16550_free(D->Uart);
        }
        if (D->Pit)
            hw_pit8254_free(D->Pit);
        if (D->Edu)
            hw_edu_free(D->Edu);
        NtsimFreeInputDevices(D);
        NtsimFreeFdcDevices(D);
        if (D->Chr)
            hw_chardev_free(D->Chr);
        free(D->Spec);
        free(D);
    }
    free(NtsimDevices);
    NtsimDevices = NULL;
    NtsimDeviceCount = 0;
    NtsimUartCount = 0;
    NtsimPciCount = 0;
    NtsimLptCount = 0;
    NtsimSpeakerWav = NULL;
    NtsimFdcCount = 0;
    if (NtsimLoop) {
        uv_run(NtsimLoop, UV_RUN_DEFAULT); /* let the back ends' close callbacks run */
        uv_loop_close(NtsimLoop);
        free(NtsimLoop);
        NtsimLoop = NULL;
    }
    IopSpuriousAfterConnect = FALSE;
    HalpShutdownBus();
}

/* ---- host API ---- */

int ntsim_machine_add_device(ntsim_machine *Machine, const char *Spec)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (Spec == NULL) {
        NtsimSetLastError("ntsim_machine_add_device: no device option");
        return NTSIM_E_ARGS;
    }
    return NtsimAddDevice(Spec, NULL);
}

size_t ntsim_device_count(ntsim_machine *Machine)
{
    (void)Machine;
    return NtsimDeviceCount;
}

const char *ntsim_device_spec(ntsim_machine *Machine, size_t Index)
{
    (void)Machine;
    return Index < NtsimDeviceCount ? NtsimDevices[Index]->Spec : NULL;
}

ntsim_uart *ntsim_machine_uart(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    for (size_t i = 0; i < NtsimDeviceCount; i++)
        if (NtsimDevices[i]->Kind == NtsimDevUart && NtsimDevices[i]->UartIndex == Index)
            return NtsimDevices[i];
    return NULL;
}

void *ntsim_uart_model(ntsim_uart *Uart)
{
    return Uart ? Uart->Uart : NULL;
}

size_t ntsim_uart_tx_count(ntsim_uart *Uart)
{
    return Uart && Uart->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_len(Uart->Chr) : 0;
}

const uint8_t *ntsim_uart_tx_data(ntsim_uart *Uart)
{
    return Uart && Uart->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_data(Uart->Chr) : NULL;
}

uint64_t ntsim_uart_tx_time(ntsim_uart *Uart, size_t Index)
{
    return Uart && Uart->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_time(Uart->Chr, Index) : UINT64_MAX;
}

void ntsim_uart_tx_clear(ntsim_uart *Uart)
{
    if (Uart && Uart->ChrKind == NtsimChrBuffer)
        hw_chardev_buffer_clear(Uart->Chr);
}

int ntsim_uart_inject(ntsim_uart *Uart, const void *Bytes, size_t Length)
{
    if (Uart == NULL || Uart->Uart == NULL)
        return NTSIM_E_ARGS;
    hw_uart16550_receive(Uart->Uart, Bytes, Length);
    return 0;
}

int ntsim_uart_tcp_port(ntsim_uart *Uart)
{
    return Uart && Uart->ChrKind == NtsimChrTcp ? hw_chardev_tcp_port(Uart->Chr) : -1;
}

const char *ntsim_uart_pty_name(ntsim_uart *Uart)
{
    return Uart && Uart->ChrKind == NtsimChrPty ? hw_chardev_pty_name(Uart->Chr) : NULL;
}

int ntsim_uart_monitor(ntsim_uart *Uart, void (*Fn)(void *Context, uint8_t Byte), void *Context)
{
    if (Uart == NULL || Uart->Kind != NtsimDevUart)
        return NTSIM_E_ARGS;
    if (Uart->Chr == NULL) {
        NtsimSetLastError("COM%u has no back end (chardev=null): nothing to monitor", Uart->UartIndex + 1);
        return NTSIM_E_STATE;
    }
    hw_chardev_set_tap(Uart->Chr, Fn, Context);
    return 0;
}

int ntsim_machine_has_host_backend(ntsim_machine *Machine)
{
    (void)Machine;
    for (size_t i = 0; i < NtsimDeviceCount; i++)
        if (NtsimDevices[i]->ChrKind == NtsimChrTcp || NtsimDevices[i]->ChrKind == NtsimChrPty)
            return 1;
    return 0;
}

static void NtsimWake(uv_timer_t *Timer)
{
    (void)Timer;
}

int ntsim_machine_run_paced(ntsim_machine *Machine, uint64_t WallNs, volatile int *Stop)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    /* Host side only: paced mode ties virtual time to the wall clock on purpose. */
    uint64_t StartWall = uv_hrtime();
    uint64_t StartVirtual = ntsim_now_ns(Machine);
    uv_loop_t *Loop = NtsimGetLoop();
    uv_timer_t Timer;
    uv_timer_init(Loop, &Timer);
    uv_timer_start(&Timer, NtsimWake, 1, 1);
    int Result = 0;
    for (;;) {
        uv_run(Loop, UV_RUN_ONCE);
        uint64_t Elapsed = uv_hrtime() - StartWall;
        if (Elapsed > WallNs)
            Elapsed = WallNs;
        uint64_t Now = ntsim_now_ns(Machine);
        if (StartVirtual + Elapsed > Now && (Result = ntsim_run_for(Machine, StartVirtual + Elapsed - Now)) != 0)
            break;
        if (Elapsed >= WallNs || (Stop && __atomic_load_n(Stop, __ATOMIC_RELAXED))) /* set by a signal thread */
            break;
    }
    uv_timer_stop(&Timer);
    uv_close((uv_handle_t *)&Timer, NULL);
    uv_run(Loop, UV_RUN_NOWAIT);
    return Result;
}

/* ---- host API: keyboard, mouse, printer, speaker (docs/input.md) ---- */

static hw_i8042 *NtsimKbc(void)
{
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevI8042, 0);
    return D ? D->Kbc : NULL;
}

void *ntsim_machine_i8042(ntsim_machine *Machine)
{
    (void)Machine;
    return NtsimKbc();
}

int ntsim_kbd_key(ntsim_machine *Machine, unsigned Key, int Pressed)
{
    hw_i8042 *Kbc = NtsimKbc();
    if (NtsimCheckMachine(Machine) || Kbc == NULL) {
        NtsimSetLastError("ntsim_kbd_key: the machine has no i8042");
        return NTSIM_E_ARGS;
    }
    if (!hw_i8042_key(Kbc, Key, Pressed != 0)) {
        NtsimSetLastError("ntsim_kbd_key: 0x%x is not a key code (set 1 make code, 0xE0xx for extended keys)", Key);
        return NTSIM_E_ARGS;
    }
    return 0;
}

/* US layout: set 1 code of each printable ASCII character, and whether it needs shift. */
static BOOLEAN NtsimAsciiKey(char C, unsigned *Key, BOOLEAN *Shift)
{
    static const char Row1[] = "1234567890-=", Row2[] = "qwertyuiop[]", Row3[] = "asdfghjkl;'`", Row4[] = "\\zxcvbnm,./";
    static const char Row1s[] = "!@#$%^&*()_+", Row2s[] = "QWERTYUIOP{}", Row3s[] = "ASDFGHJKL:\"~", Row4s[] = "|ZXCVBNM<>?";
    static const struct { const char *Plain, *Shifted; unsigned First; } Rows[] = {
        { Row1, Row1s, 0x02 }, { Row2, Row2s, 0x10 }, { Row3, Row3s, 0x1E }, { Row4, Row4s, 0x2B },
    };
    *Shift = FALSE;
    if (C == ' ' || C == '\n' || C == '\t') {
        *Key = C == ' ' ? 0x39 : C == '\n' ? 0x1C : 0x0F;
        return TRUE;
    }
    for (size_t r = 0; r < RTL_NUMBER_OF(Rows); r++) {
        const char *P = C ? strchr(Rows[r].Plain, C) : NULL;
        if (P) {
            *Key = Rows[r].First + (unsigned)(P - Rows[r].Plain);
            return TRUE;
        }
        P = C ? strchr(Rows[r].Shifted, C) : NULL;
        if (P) {
            *Key = Rows[r].First + (unsigned)(P - Rows[r].Shifted);
            *Shift = TRUE;
            return TRUE;
        }
    }
    return FALSE;
}

int ntsim_kbd_type(ntsim_machine *Machine, const char *Text)
{
    if (NtsimCheckMachine(Machine) || NtsimKbc() == NULL || Text == NULL) {
        NtsimSetLastError("ntsim_kbd_type: the machine has no i8042, or no text");
        return NTSIM_E_ARGS;
    }
    for (const char *C = Text; *C; C++) {
        unsigned Key;
        BOOLEAN Shift;
        if (!NtsimAsciiKey(*C, &Key, &Shift)) {
            NtsimSetLastError("ntsim_kbd_type: no key types '%c' (0x%02x) on a US keyboard", *C, (unsigned char)*C);
            return NTSIM_E_ARGS;
        }
        if (Shift)
            hw_i8042_key(NtsimKbc(), 0x2A, true);
        hw_i8042_key(NtsimKbc(), Key, true);
        hw_i8042_key(NtsimKbc(), Key, false);
        if (Shift)
            hw_i8042_key(NtsimKbc(), 0x2A, false);
    }
    return 0;
}

int ntsim_mouse_move(ntsim_machine *Machine, int Dx, int Dy, int Dz)
{
    if (NtsimCheckMachine(Machine) || NtsimKbc() == NULL) {
        NtsimSetLastError("ntsim_mouse_move: the machine has no i8042");
        return NTSIM_E_ARGS;
    }
    hw_i8042_mouse_move(NtsimKbc(), Dx, Dy, Dz);
    return 0;
}

int ntsim_mouse_buttons(ntsim_machine *Machine, unsigned Buttons)
{
    if (NtsimCheckMachine(Machine) || NtsimKbc() == NULL) {
        NtsimSetLastError("ntsim_mouse_buttons: the machine has no i8042");
        return NTSIM_E_ARGS;
    }
    hw_i8042_mouse_buttons(NtsimKbc(), Buttons);
    return 0;
}

void *ntsim_machine_parport(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    return D ? D->Lpt : NULL;
}

size_t ntsim_printer_count(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    return D && D->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_len(D->Chr) : 0;
}

const uint8_t *ntsim_printer_data(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    return D && D->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_data(D->Chr) : NULL;
}

uint64_t ntsim_printer_time(ntsim_machine *Machine, unsigned Index, size_t Byte)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    return D && D->ChrKind == NtsimChrBuffer ? hw_chardev_buffer_time(D->Chr, Byte) : UINT64_MAX;
}

void ntsim_printer_clear(ntsim_machine *Machine, unsigned Index)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    if (D && D->ChrKind == NtsimChrBuffer)
        hw_chardev_buffer_clear(D->Chr);
}

int ntsim_printer_set_state(ntsim_machine *Machine, unsigned Index, int PaperOut, int Offline)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevParport, Index);
    if (D == NULL) {
        NtsimSetLastError("ntsim_printer_set_state: no parallel port %u", Index);
        return NTSIM_E_ARGS;
    }
    hw_parport_set_paper_out(D->Lpt, PaperOut != 0);
    hw_parport_set_offline(D->Lpt, Offline != 0);
    return 0;
}

void *ntsim_machine_pcspk(ntsim_machine *Machine)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevPcspk, 0);
    return D ? D->Spk : NULL;
}

const int16_t *ntsim_speaker_samples(ntsim_machine *Machine, size_t *Count, unsigned *Rate)
{
    (void)Machine;
    NTSIM_DEVICE *D = NtsimFindKind(NtsimDevPcspk, 0);
    if (D == NULL) {
        if (Count)
            *Count = 0;
        return NULL;
    }
    hw_pcspk_flush(D->Spk);
    if (Rate)
        *Rate = hw_pcspk_rate(D->Spk);
    return hw_pcspk_samples(D->Spk, Count);
}

/* For the PnP root bus (sim/host/pnp.c): what the Index-th device (in creation order)
 * decodes, as its firmware description would state it. -1 past the end. */
int NtsimDeviceResources(size_t Index, NTSIM_DEVICE_RESOURCES *Out)
{
    if (Index >= NtsimDeviceCount)
        return -1;
    static const char *const Kinds[] = { [NtsimDevUart] = "uart16550", [NtsimDevPit] = "pit8254",
                                         [NtsimDevEdu] = "edu",        [NtsimDevI8042] = "i8042",
                                         [NtsimDevParport] = "isa-parallel", [NtsimDevPcspk] = "pcspk",
                                         [NtsimDevDma] = "i8237",      [NtsimDevFdc] = "isa-fdc" };
    const NTSIM_DEVICE *Device = NtsimDevices[Index];
    memset(Out, 0, sizeof(*Out));
    Out->Kind = Kinds[Device->Kind];
    Out->Io = Device->Io;
    Out->Irq = Device->Irq;
    Out->AuxIrq = Device->Kind == NtsimDevI8042 && Device->Mouse ? (int)Device->AuxIrq : -1;
    Out->Dma = Device->Kind == NtsimDevFdc ? (int)Device->DmaChannel : -1;
    return 0;
}
