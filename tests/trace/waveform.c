/* waveform.c - the simulator's signals in the VCD and the GTKWave save file.
 *
 * serial.sys echoes bytes in loopback on a machine writing a VCD. The VCD is parsed
 * as the format says (header, scopes, $var declarations, #time lines strictly
 * increasing, value changes only for declared ids) and its simulator signals are
 * checked for plausible values: the IRQL is above DISPATCH_LEVEL (a DIRQL) whenever
 * the ISR bit is set, at least DISPATCH_LEVEL while the DPC bit is; in-DPC toggles;
 * the serial device object's IRPs in flight rise above 1 (the pended read while the
 * write runs) and come back to 0; line 4 is counted as delivered. The .gtkw is parsed
 * too: every signal line names a signal the VCD declares, every declared signal is
 * there once, the first group is CPU 0 with IRQL as an analog step trace, and the
 * COM1 group holds its line, the IRPs in flight of \Device\Serial0 and the UART's TX. */
#include <unistd.h>

#include "ntsim_test.h"

#define NS_PER_MS 1000000ull
#define IOCTL_SERIAL_SET_BAUD_RATE 0x001B0004u
#define MAX_SIGNALS 128

static const char LoopbackReg[] = "Windows Registry Editor Version 5.00\r\n\r\n"
                                  "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\serial\\Parameters]\r\n"
                                  "\"Loopback\"=dword:00000001\r\n";

static char VcdPath[256], GtkwPath[256];

typedef struct {
    char Id[8];
    char Name[160];   /* as GTKWave names it: hw.cpu0.IRQL[4:0] */
    unsigned Width;
    long long Value;  /* -1 = x */
    long long Max;
    unsigned Changes, Rises;
    int Placed;       /* times the .gtkw names it */
} SIGNAL;

typedef struct {
    SIGNAL S[MAX_SIGNALS];
    size_t Count;
    unsigned long long LastTime;
    int Times;
} VCD;

static void RunSerialEcho(void)
{
    const char *const Devices[] = { "uart16550,io=0x3f8,irq=4,chardev=buffer", NULL };
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1, .devices = Devices, .vcd_path = VcdPath };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    assert_int_equal(ntsim_reg_import_text(Machine, "t.reg", LoopbackReg, strlen(LoopbackReg)), 0);
    ntsim_driver *Driver;
    int32_t Status;
    assert_int_equal(ntsim_driver_load(Machine, TestDriverPath("serial.sys"), NULL, &Driver, &Status), 0);
    ntsim_file *File;
    assert_int_equal(ntsim_open(Machine, "\\\\.\\COM1", &File), 0);
    uint32_t Baud = 115200;
    size_t Returned;
    assert_int_equal(ntsim_ioctl(File, IOCTL_SERIAL_SET_BAUD_RATE, &Baud, sizeof(Baud), NULL, 0, &Returned), 0);
    char In[8] = { 0 };
    ntsim_request *Read;
    assert_int_equal(ntsim_read_async(File, In, 5, &Read), 0x103 /* STATUS_PENDING */);
    size_t Written;
    assert_int_equal(ntsim_write(File, "hello", 5, &Written), 0);
    assert_int_equal(ntsim_request_wait(Read, 50 * NS_PER_MS), 1);
    ntsim_request_free(Read);
    assert_memory_equal(In, "hello", 5);
    ntsim_close(File);
    assert_int_equal(ntsim_driver_unload(Driver), 0);
    ntsim_machine_destroy(Machine); /* writes the VCD and the .gtkw */
}

static SIGNAL *Find(VCD *V, const char *Name)
{
    for (size_t i = 0; i < V->Count; i++)
        if (strcmp(V->S[i].Name, Name) == 0)
            return &V->S[i];
    return NULL;
}

static SIGNAL *FindId(VCD *V, const char *Id)
{
    for (size_t i = 0; i < V->Count; i++)
        if (strcmp(V->S[i].Id, Id) == 0)
            return &V->S[i];
    fail_msg("value change for undeclared id '%s'", Id);
    return NULL;
}

/* "$var wire 8 $ LSR [7:0] $end" inside the scopes Scope[0..Depth). */
static void ParseVar(VCD *V, const char *Line, char Scope[][64], int Depth)
{
    char Type[16], Id[8], Leaf[64], Range[32] = "";
    unsigned Width;
    int Fields = sscanf(Line, "$var %15s %u %7s %63s %31s", Type, &Width, Id, Leaf, Range);
    assert_true(Fields >= 4);
    assert_string_equal(Type, "wire");
    assert_true(Width >= 1 && Width <= 64);
    assert_true(V->Count < MAX_SIGNALS);
    SIGNAL *S = &V->S[V->Count++];
    memset(S, 0, sizeof(*S));
    snprintf(S->Id, sizeof(S->Id), "%s", Id);
    S->Width = Width;
    S->Value = -1;
    size_t Used = 0;
    for (int i = 0; i < Depth; i++)
        Used += (size_t)snprintf(S->Name + Used, sizeof(S->Name) - Used, "%s.", Scope[i]);
    snprintf(S->Name + Used, sizeof(S->Name) - Used, "%s", Leaf);
    if (Width > 1) { /* a vector carries its range: [msb:0] */
        char Expected[32];
        snprintf(Expected, sizeof(Expected), "[%u:0]", Width - 1);
        assert_string_equal(Range, Expected);
        strncat(S->Name, Expected, sizeof(S->Name) - strlen(S->Name) - 1);
    }
}

static void Change(SIGNAL *S, long long Value)
{
    if (S->Value == 0 && Value > 0)
        S->Rises++;
    S->Changes++;
    S->Value = Value;
    if (Value > S->Max)
        S->Max = Value;
}

static long long BinaryValue(const char *Bits)
{
    if (strchr(Bits, 'x'))
        return -1;
    long long Value = 0;
    for (const char *p = Bits; *p; p++) {
        assert_true(*p == '0' || *p == '1');
        Value = Value * 2 + (*p - '0');
    }
    return Value;
}

typedef void (*AT_TIME)(VCD *V, unsigned long long Time);

static void ParseChange(VCD *V, const char *Line)
{
    if (Line[0] == 'b') {
        char Bits[80], Id[8];
        assert_int_equal(sscanf(Line, "b%79s %7s", Bits, Id), 2);
        Change(FindId(V, Id), BinaryValue(Bits));
    } else {
        assert_true(Line[0] == '0' || Line[0] == '1' || Line[0] == 'x');
        SIGNAL *S = FindId(V, Line + 1);
        assert_int_equal(S->Width, 1);
        Change(S, Line[0] == 'x' ? -1 : Line[0] - '0');
    }
}

/* Parses the whole file; Check runs at the end of each time step (values settled). */
static void ParseVcd(VCD *V, AT_TIME Check)
{
    FILE *File = fopen(VcdPath, "r");
    assert_non_null(File);
    char Line[512], Scope[8][64];
    int Depth = 0, Definitions = 1, Timescale = 0;
    memset(V, 0, sizeof(*V));
    while (fgets(Line, sizeof(Line), File)) {
        Line[strcspn(Line, "\r\n")] = 0;
        if (Definitions) {
            if (strncmp(Line, "$scope module ", 14) == 0) {
                assert_true(Depth < 8);
                assert_int_equal(sscanf(Line + 14, "%63s", Scope[Depth]), 1);
                Depth++;
            } else if (strcmp(Line, "$upscope $end") == 0) {
                assert_true(Depth-- > 0);
            } else if (strncmp(Line, "$var ", 5) == 0) {
                ParseVar(V, Line, Scope, Depth);
            } else if (strcmp(Line, "$enddefinitions $end") == 0) {
                assert_int_equal(Depth, 0);
                Definitions = 0;
            }
            Timescale |= strcmp(Line, "$timescale 1ns $end") == 0;
            continue;
        }
        if (Line[0] == '#') {
            unsigned long long Time = strtoull(Line + 1, NULL, 10);
            if (V->Times)
                Check(V, V->LastTime);
            assert_true(V->Times == 0 || Time > V->LastTime); /* strictly increasing */
            V->LastTime = Time;
            V->Times++;
        } else if (Line[0] != '$' && Line[0] != 0) {
            assert_true(V->Times > 0); /* no value before the first time */
            ParseChange(V, Line);
        }
    }
    Check(V, V->LastTime);
    fclose(File);
    assert_false(Definitions);
    assert_true(Timescale);
}

static int IsrSteps, DpcSteps;

static void CheckStep(VCD *V, unsigned long long Time)
{
    SIGNAL *Irql = Find(V, "hw.cpu0.IRQL[4:0]"), *Isr = Find(V, "hw.cpu0.ISR"), *Dpc = Find(V, "hw.cpu0.DPC");
    if (Isr->Value == 1) {
        if (Irql->Value <= 2)
            fail_msg("at %llu ns the ISR runs at IRQL %lld, not a DIRQL", Time, Irql->Value);
        IsrSteps++;
    }
    if (Dpc->Value == 1) {
        if (Irql->Value < 2)
            fail_msg("at %llu ns a DPC runs at IRQL %lld", Time, Irql->Value);
        DpcSteps++;
    }
}

static void test_vcd_has_simulator_signals(void **state)
{
    (void)state;
    RunSerialEcho();
    VCD *V = calloc(1, sizeof(VCD));
    ParseVcd(V, CheckStep);
    SIGNAL *Irql = Find(V, "hw.cpu0.IRQL[4:0]"), *Isr = Find(V, "hw.cpu0.ISR"), *Dpc = Find(V, "hw.cpu0.DPC");
    SIGNAL *InFlight = Find(V, "hw.devobj.serial.Serial0.irps_in_flight[15:0]");
    SIGNAL *Delivered = Find(V, "hw.pic.irq4_delivered[31:0]");
    assert_non_null(Irql);
    assert_non_null(Isr);
    assert_non_null(Dpc);
    assert_non_null(InFlight);
    assert_non_null(Delivered);
    assert_non_null(Find(V, "hw.pic.irq4"));
    assert_non_null(Find(V, "hw.com1.TX"));
    assert_true(Irql->Max > 2);           /* DIRQL reached */
    assert_true(Isr->Rises >= 1 && IsrSteps >= 1);
    assert_true(Dpc->Rises >= 1 && Dpc->Value == 0 && DpcSteps >= 1); /* toggles, ends off */
    assert_true(InFlight->Max >= 2);      /* the read pended while the write ran */
    assert_int_equal(InFlight->Value, 0); /* every IRP completed */
    assert_true(Delivered->Value >= 1);
    assert_int_equal(Isr->Value, 0);
    assert_int_equal(Irql->Value, 0);
    free(V);
}

static void GtkwSignal(VCD *V, const char *Line, int *InComGroup, int *ComSignals)
{
    SIGNAL *S = Find(V, Line);
    if (S == NULL)
        fail_msg(".gtkw names '%s', which the VCD does not declare", Line);
    S->Placed++;
    if (*InComGroup)
        *ComSignals |= (strcmp(Line, "hw.pic.irq4") == 0) |
                       (strcmp(Line, "hw.devobj.serial.Serial0.irps_in_flight[15:0]") == 0) << 1 |
                       (strcmp(Line, "hw.com1.TX") == 0) << 2;
}

static void test_gtkw_matches_vcd(void **state)
{
    (void)state;
    RunSerialEcho();
    VCD *V = calloc(1, sizeof(VCD));
    IsrSteps = DpcSteps = 0;
    ParseVcd(V, CheckStep);
    FILE *File = fopen(GtkwPath, "r");
    assert_non_null(File);
    char Line[512], Flags[32] = "", FirstGroup[64] = "", FirstSignal[160] = "", IrqlFlags[32] = "";
    int InComGroup = 0, ComSignals = 0, Dumpfile = 0, Zoom = 0, Depth = 0;
    while (fgets(Line, sizeof(Line), File)) {
        Line[strcspn(Line, "\r\n")] = 0;
        if (strncmp(Line, "[dumpfile] \"", 12) == 0)
            Dumpfile = strstr(Line, VcdPath) != NULL;
        if (Line[0] == '*')
            Zoom = 1;
        if (Line[0] == '@') {
            snprintf(Flags, sizeof(Flags), "%.31s", Line);
        } else if (Line[0] == '-' && strcmp(Flags, "@800200") == 0) { /* a group begins */
            assert_int_equal(Depth++, 0);
            if (!FirstGroup[0])
                snprintf(FirstGroup, sizeof(FirstGroup), "%.63s", Line + 1);
            InComGroup = strncmp(Line + 1, "com1:", 5) == 0;
        } else if (Line[0] == '-' && strcmp(Flags, "@1000200") == 0) {
            assert_int_equal(--Depth, 0);
            InComGroup = 0;
        } else if (Line[0] && strchr("[*-+#^", Line[0]) == NULL) {
            assert_int_equal(Depth, 1); /* every signal sits in a group */
            if (!FirstSignal[0]) {
                snprintf(FirstSignal, sizeof(FirstSignal), "%.159s", Line);
                snprintf(IrqlFlags, sizeof(IrqlFlags), "%s", Flags);
            }
            GtkwSignal(V, Line, &InComGroup, &ComSignals);
        }
    }
    fclose(File);
    assert_true(Dumpfile);
    assert_true(Zoom);
    assert_string_equal(FirstGroup, "CPU 0");
    assert_string_equal(FirstSignal, "hw.cpu0.IRQL[4:0]");
    assert_string_equal(IrqlFlags, "@8024"); /* analog step, decimal */
    assert_int_equal(ComSignals, 7);
    for (size_t i = 0; i < V->Count; i++)
        if (V->S[i].Placed != 1)
            fail_msg("%s is in the .gtkw %d times", V->S[i].Name, V->S[i].Placed);
    free(V);
}

/* --gtkw PATH: the save file goes there; "" writes none; an unwritable one fails creation. */
static void test_gtkw_path_choices(void **state)
{
    (void)state;
    ntsim_machine_config Config = { .cpus = 1, .quiet = 1, .vcd_path = VcdPath, .gtkw_path = "/nonexistent-dir/x.gtkw" };
    if (ntsim_current_machine())
        ntsim_machine_destroy(ntsim_current_machine());
    assert_null(ntsim_machine_create(&Config));
    assert_non_null(strstr(ntsim_last_error(), "/nonexistent-dir/x.gtkw"));
    remove(GtkwPath);
    Config.gtkw_path = "";
    ntsim_machine *Machine = ntsim_machine_create(&Config);
    assert_non_null(Machine);
    ntsim_machine_destroy(Machine);
    assert_int_equal(access(GtkwPath, F_OK), -1);
}

int main(void)
{
    const char *Tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    snprintf(VcdPath, sizeof(VcdPath), "%s/ntsim-wave-%d.vcd", Tmp, (int)getpid());
    snprintf(GtkwPath, sizeof(GtkwPath), "%s/ntsim-wave-%d.gtkw", Tmp, (int)getpid());
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(test_vcd_has_simulator_signals),
        cmocka_unit_test(test_gtkw_matches_vcd),
        cmocka_unit_test(test_gtkw_path_choices),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    remove(VcdPath);
    remove(GtkwPath);
    return Failed;
}
