/* vcdsignals.c - the simulator's own signals in the machine's VCD, next to the device
 * models' (docs/trace.md):
 *   cpuN.IRQL[4:0]   the IRQL of simulated CPU N
 *   cpuN.ISR         1 while an ISR runs on CPU N (nested ISRs included)
 *   cpuN.DPC         1 while a DPC routine runs on CPU N
 *   pic.irqL_delivered[31:0]  how many times the HAL has delivered line L
 *   devobj.DRIVER.DEVICE.irps_in_flight[15:0]  IRPs sent to that device object and
 *                    not completed past it yet (trace/devstack.c)
 * They change at the trace's own hooks, so a run with a VCD and no event file costs
 * the same branch as a run with an event file. Device objects appear while the
 * machine runs, so the VCD is told to accept late signals (its header is written at
 * close). Detaching writes the GTKWave save file that arranges them (trace/gtkw.c). */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

#include <ctype.h>
#include <errno.h>
#include <hwmodel/vcd.h>

#define TR_VCD_CPUS 64
#define TR_VCD_LINES 64
#define TR_VCD_HARDWARE 32

typedef struct _TR_VCD_CPU {
    int Irql, Isr, Dpc;
    ULONG IsrDepth;
} TR_VCD_CPU;

static hw_vcd *TrVcd;
static FILE *TrGtkw;
static char *TrGtkwPath, *TrVcdPath;
static ULONG TrCpuCount;
static TR_VCD_CPU TrCpus[TR_VCD_CPUS];
static int TrDelivered[TR_VCD_LINES];
static uint32_t TrDeliveredCount[TR_VCD_LINES];
static TR_GTKW_HARDWARE TrHardware[TR_VCD_HARDWARE];
static size_t TrHardwareCount;
static uint64_t TrLastTime;

BOOLEAN TrVcdAttached(void)
{
    return TrVcd != NULL;
}

static hw_time_t TrVcdNow(void)
{
    hw_time_t Now = KiNow();
    if (Now > TrLastTime)
        TrLastTime = Now;
    return Now;
}

/* NULL: the VCD's name with .gtkw for .vcd (or added); "": no save file. */
static char *TrGtkwPathFor(const char *VcdPath, const char *Gtkw)
{
    if (Gtkw)
        return Gtkw[0] ? KiHostStrdup(Gtkw) : NULL;
    size_t Length = strlen(VcdPath);
    if (Length >= 4 && strcmp(VcdPath + Length - 4, ".vcd") == 0)
        Length -= 4;
    char *Path = KiHostAlloc(Length + 6);
    memcpy(Path, VcdPath, Length);
    memcpy(Path + Length, ".gtkw", 6);
    return Path;
}

static int TrDeclareCpus(void)
{
    TrCpuCount = KiProcessorCount();
    if (TrCpuCount > TR_VCD_CPUS)
        TrCpuCount = TR_VCD_CPUS;
    for (ULONG Cpu = 0; Cpu < TrCpuCount; Cpu++) {
        char Name[64];
        TR_VCD_CPU *C = &TrCpus[Cpu];
        snprintf(Name, sizeof(Name), "cpu%u.IRQL", Cpu);
        C->Irql = hw_vcd_add_signal_init(TrVcd, Name, 5, PASSIVE_LEVEL);
        snprintf(Name, sizeof(Name), "cpu%u.ISR", Cpu);
        C->Isr = hw_vcd_add_signal_init(TrVcd, Name, 1, 0);
        snprintf(Name, sizeof(Name), "cpu%u.DPC", Cpu);
        C->Dpc = hw_vcd_add_signal_init(TrVcd, Name, 1, 0);
        C->IsrDepth = 0;
        if (C->Irql < 0 || C->Isr < 0 || C->Dpc < 0)
            return C->Irql < 0 ? C->Irql : C->Isr < 0 ? C->Isr : C->Dpc;
    }
    return 0;
}

int TrVcdAttach(hw_vcd *Vcd, const char *VcdPath, const char *Gtkw)
{
    TrVcdDetach();
    int Rc = hw_vcd_allow_late_signals(Vcd);
    if (Rc != 0) {
        NtsimSetLastError("VCD %s: cannot keep its changes aside for late signals: %s", VcdPath, strerror(-Rc));
        return NTSIM_E_IO;
    }
    char *GtkwPath = TrGtkwPathFor(VcdPath, Gtkw);
    if (GtkwPath && (TrGtkw = fopen(GtkwPath, "w")) == NULL) {
        NtsimSetLastError("cannot write the GTKWave save file %s: %s", GtkwPath, strerror(errno));
        free(GtkwPath);
        return NTSIM_E_IO;
    }
    TrVcd = Vcd;
    TrGtkwPath = GtkwPath;
    TrVcdPath = KiHostStrdup(VcdPath);
    TrLastTime = 0;
    for (ULONG Line = 0; Line < TR_VCD_LINES; Line++) {
        TrDelivered[Line] = -1;
        TrDeliveredCount[Line] = 0;
    }
    Rc = TrDeclareCpus();
    if (Rc < 0) {
        NtsimSetLastError("VCD %s: cannot declare the CPU signals: %s", VcdPath, strerror(-Rc));
        TrVcdDetach();
        return NTSIM_E_IO;
    }
    TrUpdateEnabled();
    return 0;
}

void TrVcdAddHardware(const char *Scope, int Line, const char *Description)
{
    if (TrVcd == NULL || TrHardwareCount == TR_VCD_HARDWARE)
        return;
    TR_GTKW_HARDWARE *H = &TrHardware[TrHardwareCount++];
    memset(H, 0, sizeof(*H));
    H->Scope = KiHostStrdup(Scope);
    H->Line = Line;
    H->Description = KiHostStrdup(Description ? Description : Scope);
}

static void TrFreeHardware(void)
{
    for (size_t i = 0; i < TrHardwareCount; i++) {
        free((char *)TrHardware[i].Scope);
        free((char *)TrHardware[i].Description);
        for (size_t d = 0; d < ARRAYSIZE(TrHardware[i].Drivers); d++)
            free((char *)TrHardware[i].Drivers[d]);
    }
    memset(TrHardware, 0, sizeof(TrHardware));
    TrHardwareCount = 0;
}

void TrVcdDetach(void)
{
    if (TrVcd && TrGtkw) {
        TrVcdNow(); /* the run's end, for the zoom */
        if (TrWriteGtkw(TrGtkw, TrVcd, TrVcdPath, TrGtkwPath, TrCpuCount, TrHardware, TrHardwareCount, TrLastTime) !=
            0)
            fprintf(stderr, "ntsim: writing the GTKWave save file %s failed: %s\n", TrGtkwPath, strerror(errno));
    }
    if (TrGtkw && fclose(TrGtkw) != 0)
        fprintf(stderr, "ntsim: closing the GTKWave save file %s failed: %s\n", TrGtkwPath, strerror(errno));
    TrGtkw = NULL;
    free(TrGtkwPath);
    free(TrVcdPath);
    TrGtkwPath = TrVcdPath = NULL;
    TrFreeHardware();
    BOOLEAN WasAttached = TrVcd != NULL;
    TrVcd = NULL;
    if (!WasAttached)
        return;
    for (size_t i = 0; i < TrDeviceCount(); i++)
        *TrDeviceVcdSignal(TrDeviceAt(i)) = -1;
    TrUpdateEnabled();
}

void TrVcdIrql(ULONG Cpu, KIRQL Irql)
{
    if (Cpu < TrCpuCount)
        hw_vcd_change(TrVcd, TrCpus[Cpu].Irql, TrVcdNow(), Irql);
}

/* The driver whose ISR served a line: the save file groups its devices with the line. */
static void TrNoteLineOwner(int64_t Line, const char *Service)
{
    char Driver[64]; /* as device objects' scopes spell it (trace/devstack.c) */
    snprintf(Driver, sizeof(Driver), "%s", Service ? Service : "?");
    for (char *p = Driver; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            *p = '_';
    for (size_t i = 0; i < TrHardwareCount; i++) {
        if (TrHardware[i].Line != Line)
            continue;
        size_t d = 0;
        while (d < ARRAYSIZE(TrHardware[i].Drivers) && TrHardware[i].Drivers[d] &&
               strcmp(TrHardware[i].Drivers[d], Driver) != 0)
            d++;
        if (d < ARRAYSIZE(TrHardware[i].Drivers) && TrHardware[i].Drivers[d] == NULL)
            TrHardware[i].Drivers[d] = KiHostStrdup(Driver);
    }
}

void TrVcdRoutine(ULONG Cpu, TR_KIND Kind, const char *Driver, int64_t Line)
{
    if (Cpu >= TrCpuCount)
        return;
    TR_VCD_CPU *C = &TrCpus[Cpu];
    switch (Kind) {
    case TrIsrBegin:
        C->IsrDepth++;
        TrNoteLineOwner(Line, Driver);
        hw_vcd_change(TrVcd, C->Isr, TrVcdNow(), 1);
        return;
    case TrIsrEnd:
        if (C->IsrDepth)
            C->IsrDepth--;
        hw_vcd_change(TrVcd, C->Isr, TrVcdNow(), C->IsrDepth != 0);
        return;
    case TrDpcBegin:
    case TrDpcEnd:
        hw_vcd_change(TrVcd, C->Dpc, TrVcdNow(), Kind == TrDpcBegin);
        return;
    default:
        return;
    }
}

void TrVcdInterrupt(ULONG Line)
{
    if (Line >= TR_VCD_LINES)
        return;
    if (TrDelivered[Line] < 0) {
        char Name[64];
        snprintf(Name, sizeof(Name), "pic.irq%u_delivered", Line);
        TrDelivered[Line] = hw_vcd_add_signal_init(TrVcd, Name, 32, 0);
    }
    hw_vcd_change(TrVcd, TrDelivered[Line], TrVcdNow(), ++TrDeliveredCount[Line]);
}

/* A device seen again under the same driver and name (re-created) keeps its signal. */
static int TrInFlightSignal(TR_DEVICE *Device)
{
    int *Signal = TrDeviceVcdSignal(Device);
    if (*Signal >= 0)
        return *Signal;
    for (size_t i = 0; i < TrDeviceCount(); i++) {
        TR_DEVICE *Other = TrDeviceAt(i);
        if (Other != Device && *TrDeviceVcdSignal(Other) >= 0 &&
            strcmp(TrDeviceDriver(Other), TrDeviceDriver(Device)) == 0 &&
            strcmp(TrDeviceShortName(Other), TrDeviceShortName(Device)) == 0)
            return *Signal = *TrDeviceVcdSignal(Other);
    }
    char Name[200];
    snprintf(Name, sizeof(Name), "devobj.%s.%s.irps_in_flight", TrDeviceDriver(Device), TrDeviceShortName(Device));
    return *Signal = hw_vcd_add_signal_init(TrVcd, Name, 16, 0);
}

void TrVcdInFlight(TR_DEVICE *Device)
{
    int Signal = TrInFlightSignal(Device);
    if (Signal >= 0)
        hw_vcd_change(TrVcd, Signal, TrVcdNow(), TrDeviceInFlight(Device));
}
