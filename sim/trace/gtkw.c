/* gtkw.c - the GTKWave save file (.gtkw) written next to a VCD, so the waveform opens
 * arranged: a group per CPU (IRQL as an analog step trace, in-ISR, in-DPC), then a
 * group per device model (its interrupt line and how often it was delivered, the IRPs
 * in flight of the device objects whose driver served that line, the model's own
 * signals), then device objects not tied to a line, then anything else.
 *
 * The format is GTKWave's line-oriented text: "[dumpfile]", "[savefile]",
 * "[timestart]", "[size]", "[pos]", the "*" zoom/marker line, then the trace list in
 * display order. A line "@HEX" sets the flags of the lines after it (0x2 hex, 0x4
 * decimal, 0x8 binary, 0x20 right-justified name, 0x200 blank row, 0x8000 analog step,
 * 0x20000 analog height extension, 0x800000 group begin, 0x1000000 group end); "-Label"
 * is a blank or label row (a group's begin and end when those flags are set); any other
 * line names a signal by its full hierarchical name, a vector with its range
 * ("hw.cpu0.IRQL[4:0]"). Every signal named here is one the VCD declares. */
#include "ntsimp.h"
#include "trace/trace.h"

#include <hwmodel/vcd.h>

#define GTKW_HEX 0x22u       /* hex, right-justified */
#define GTKW_DEC 0x24u       /* decimal, right-justified */
#define GTKW_BIN 0x28u       /* binary, right-justified */
#define GTKW_ANALOG 0x8024u  /* analog step, decimal */
#define GTKW_STRETCH 0x20200u
#define GTKW_GROUP_BEGIN 0x800200u
#define GTKW_GROUP_END 0x1000200u

typedef struct _GTKW {
    FILE *Out;
    const hw_vcd *Vcd;
    size_t Count;
    BOOLEAN *Placed;
    unsigned Flags;
    const char *Group;   /* the open group's label, written at its first signal */
    BOOLEAN GroupOpen;
} GTKW;

static void GtkwFlags(GTKW *G, unsigned Flags)
{
    if (G->Flags != Flags)
        fprintf(G->Out, "@%x\n", Flags);
    G->Flags = Flags;
}

static void GtkwBeginGroup(GTKW *G, const char *Label)
{
    G->Group = Label;
    G->GroupOpen = FALSE;
}

static void GtkwEndGroup(GTKW *G)
{
    if (G->GroupOpen) {
        GtkwFlags(G, GTKW_GROUP_END);
        fprintf(G->Out, "-%s\n", G->Group);
    }
    G->GroupOpen = FALSE;
}

/* Writes signal Index (once) in its group; vectors get their range. */
static void GtkwSignal(GTKW *G, size_t Index, unsigned Flags)
{
    if (G->Placed[Index])
        return;
    G->Placed[Index] = TRUE;
    if (!G->GroupOpen && G->Group) {
        GtkwFlags(G, GTKW_GROUP_BEGIN);
        fprintf(G->Out, "-%s\n", G->Group);
        G->GroupOpen = TRUE;
    }
    hw_vcd_signal_desc D;
    hw_vcd_signal_info(G->Vcd, Index, &D);
    GtkwFlags(G, D.width == 1 ? GTKW_BIN : Flags);
    fprintf(G->Out, "hw.%s%s%s", D.scope, D.scope[0] ? "." : "", D.leaf);
    if (D.width > 1)
        fprintf(G->Out, "[%u:0]", D.width - 1);
    fputc('\n', G->Out);
    if (Flags == GTKW_ANALOG) { /* two rows of height for the step trace */
        GtkwFlags(G, GTKW_STRETCH);
        fputs("-\n-\n", G->Out);
    }
}

static BOOLEAN GtkwScopeIs(const char *Scope, const char *Wanted, BOOLEAN Below)
{
    size_t Length = strlen(Wanted);
    if (strncmp(Scope, Wanted, Length) != 0)
        return FALSE;
    return Scope[Length] == 0 || (Below && Scope[Length] == '.');
}

/* Every signal in Scope (and below it when Below), Flags for vectors. */
static void GtkwScope(GTKW *G, const char *Scope, BOOLEAN Below, unsigned Flags)
{
    for (size_t i = 0; i < G->Count; i++) {
        hw_vcd_signal_desc D;
        hw_vcd_signal_info(G->Vcd, i, &D);
        if (GtkwScopeIs(D.scope, Scope, Below))
            GtkwSignal(G, i, Flags);
    }
}

static void GtkwNamed(GTKW *G, const char *Scope, const char *Leaf, unsigned Flags)
{
    for (size_t i = 0; i < G->Count; i++) {
        hw_vcd_signal_desc D;
        hw_vcd_signal_info(G->Vcd, i, &D);
        if (strcmp(D.scope, Scope) == 0 && strcmp(D.leaf, Leaf) == 0)
            GtkwSignal(G, i, Flags);
    }
}

static void GtkwCpus(GTKW *G, ULONG Cpus)
{
    for (ULONG Cpu = 0; Cpu < Cpus; Cpu++) {
        char Scope[32], Label[32];
        snprintf(Scope, sizeof(Scope), "cpu%u", Cpu);
        snprintf(Label, sizeof(Label), "CPU %u", Cpu);
        GtkwBeginGroup(G, Label);
        GtkwNamed(G, Scope, "IRQL", GTKW_ANALOG);
        GtkwNamed(G, Scope, "ISR", GTKW_BIN);
        GtkwNamed(G, Scope, "DPC", GTKW_BIN);
        GtkwScope(G, Scope, TRUE, GTKW_DEC);
        GtkwEndGroup(G);
    }
}

static void GtkwHardware(GTKW *G, const TR_GTKW_HARDWARE *H)
{
    char Label[256], Line[32];
    int Used = H->Scope[0] ? snprintf(Label, sizeof(Label), "%s: %s", H->Scope, H->Description)
                           : snprintf(Label, sizeof(Label), "%s", H->Description);
    for (size_t d = 0; d < ARRAYSIZE(H->Drivers) && H->Drivers[d] && Used < (int)sizeof(Label); d++)
        Used += snprintf(Label + Used, sizeof(Label) - (size_t)Used, "%s%s", d ? ", " : " - ", H->Drivers[d]);
    GtkwBeginGroup(G, Label);
    if (H->Line >= 0) {
        snprintf(Line, sizeof(Line), "irq%d", H->Line);
        GtkwNamed(G, "pic", Line, GTKW_BIN);
        snprintf(Line, sizeof(Line), "irq%d_delivered", H->Line);
        GtkwNamed(G, "pic", Line, GTKW_DEC);
    }
    for (size_t d = 0; d < ARRAYSIZE(H->Drivers) && H->Drivers[d]; d++) {
        char Scope[128];
        snprintf(Scope, sizeof(Scope), "devobj.%s", H->Drivers[d]);
        GtkwScope(G, Scope, TRUE, GTKW_DEC);
    }
    if (H->Scope[0])
        GtkwScope(G, H->Scope, TRUE, GTKW_HEX);
    GtkwEndGroup(G);
}

static void GtkwHeader(GTKW *G, const char *VcdPath, const char *GtkwPath, uint64_t EndTime)
{
    char *Vcd = realpath(VcdPath, NULL), *Save = realpath(GtkwPath, NULL); /* both exist by now */
    fprintf(G->Out, "[*] ntsim: the simulated machine's signals, arranged (docs/trace.md)\n");
    fprintf(G->Out, "[dumpfile] \"%s\"\n", Vcd ? Vcd : VcdPath);
    fprintf(G->Out, "[savefile] \"%s\"\n", Save ? Save : GtkwPath);
    fprintf(G->Out, "[timestart] 0\n[size] 1400 900\n[pos] -1 -1\n");
    free(Vcd);
    free(Save);
    /* Zoom z shows 2^-z time units (ns) per pixel: the whole run in about 1000 pixels. */
    int Zoom = 0;
    while (Zoom < 62 && (EndTime >> Zoom) > 1000)
        Zoom++;
    fprintf(G->Out, "*%d.000000 -1", -Zoom);
    for (int Marker = 0; Marker < 26; Marker++)
        fputs(" -1", G->Out);
    fputs("\n[treeopen] hw.\n[sst_expanded] 1\n[signals_width] 320\n", G->Out);
}

int TrWriteGtkw(FILE *Out, const hw_vcd *Vcd, const char *VcdPath, const char *GtkwPath, ULONG Cpus,
                const TR_GTKW_HARDWARE *Hardware, size_t HardwareCount, uint64_t EndTime)
{
    GTKW G = { .Out = Out, .Vcd = Vcd, .Count = hw_vcd_signal_count(Vcd) };
    G.Placed = calloc(G.Count ? G.Count : 1, sizeof(BOOLEAN));
    if (G.Placed == NULL)
        return -1;
    GtkwHeader(&G, VcdPath, GtkwPath, EndTime);
    GtkwCpus(&G, Cpus);
    for (size_t i = 0; i < HardwareCount; i++)
        GtkwHardware(&G, &Hardware[i]);
    GtkwBeginGroup(&G, "Device objects: IRPs in flight");
    GtkwScope(&G, "devobj", TRUE, GTKW_DEC);
    GtkwEndGroup(&G);
    GtkwBeginGroup(&G, "Other signals");
    for (size_t i = 0; i < G.Count; i++)
        GtkwSignal(&G, i, GTKW_HEX);
    GtkwEndGroup(&G);
    free(G.Placed);
    return fflush(Out) != 0 || ferror(Out) ? -1 : 0;
}
