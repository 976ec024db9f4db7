/* ke/analyze - in-process symbolization (sim/ke/symbol.c) and the !analyze report of a
 * bug check (sim/ke/analyze.c): a call chain through the driver's nested routines and
 * the DDI, with full source paths and lines; each address resolved once; no addr2line
 * behind it (the tests run with an empty PATH). */
#include "ntsimp.h"
#include "ke/kep.h"
#include "ntsim_test.h"

#include <dlfcn.h>
#include <unistd.h>

#define AN_DOUBLE_COMPLETE 0x222000u /* CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) */
#define AN_NULL_WRITE 0x222004u

static BOOLEAN AnHaveLines(void)
{
    return strncmp(KiSymbolBackend(), "libdw", 5) == 0; /* the dladdr fallback names no lines */
}

/* "<source>/tests/ke/<file>:<line of the LINE_MARK>" */
static const char *AnSite(const char *File, const char *Mark)
{
    static char Sites[4][1200];
    static int Next;
    char Path[1024], Needle[128], Text[1024];
    snprintf(Path, sizeof(Path), "%s/tests/ke/%s", NTSIM_SOURCE_DIR, File);
    snprintf(Needle, sizeof(Needle), "LINE_MARK: %s ", Mark);
    FILE *F = fopen(Path, "r");
    assert_non_null(F);
    int Line = 0, Found = 0;
    while (fgets(Text, sizeof(Text), F)) {
        Line++;
        if (strstr(Text, Needle))
            Found = Line;
    }
    fclose(F);
    assert_true(Found > 0);
    char *Site = Sites[Next++ & 3];
    snprintf(Site, sizeof(Sites[0]), "%s:%d", Path, Found);
    return Site;
}

/* The report ntsim_print_bugcheck writes for the machine's stop. */
static char *AnReport(ntsim_machine *Machine, ntsim_bugcheck *Crash)
{
    assert_true(ntsim_machine_crashed(Machine, Crash));
    char *Text = NULL;
    size_t Length = 0;
    FILE *Out = open_memstream(&Text, &Length);
    ntsim_print_bugcheck(Out, Crash);
    fclose(Out);
    return Text;
}

/* The STACK_TEXT line numbered #N (NULL past the end). */
static const char *AnFrame(const char *Report, int N, char *Line, size_t Size)
{
    char Tag[16];
    snprintf(Tag, sizeof(Tag), "#%-2d [", N);
    const char *At = strstr(Report, Tag);
    if (At == NULL)
        return NULL;
    size_t Length = strcspn(At, "\n");
    snprintf(Line, Size, "%.*s", (int)(Length < Size ? Length : Size - 1), At);
    return Line;
}

static void AnExpectFrame(const char *Report, int N, const char *Kind, const char *Function, const char *Site)
{
    char Line[2048];
    if (AnFrame(Report, N, Line, sizeof(Line)) == NULL)
        fail_msg("no frame #%d in:\n%s", N, Report);
    char Expected[256];
    snprintf(Expected, sizeof(Expected), "%s", Function);
    char *Bang = strchr(Expected, '!');
    if (Bang && !AnHaveLines())
        *Bang = 0; /* dladdr alone does not see static routines: the image is named */
    if (strstr(Line, Kind) == NULL || strstr(Line, Expected) == NULL)
        fail_msg("frame #%d is not %s %s: %s", N, Kind, Expected, Line);
    if (Site && AnHaveLines()) { /* "path:line:column" */
        char WithColumn[1100];
        snprintf(WithColumn, sizeof(WithColumn), " %s:", Site);
        if (strstr(Line, WithColumn) == NULL)
            fail_msg("frame #%d does not name %s (with a column): %s", N, Site, Line);
    }
}

static ntsim_file *AnOpen(ntsim_machine **Machine)
{
    *Machine = TestMachine();
    ntsim_driver *Driver = NULL;
    int32_t Status = -1;
    assert_int_equal(ntsim_driver_load(*Machine, TestDriverPath("ke_analyze.sys"), NULL, &Driver, &Status), 0);
    assert_int_equal(Status, 0);
    ntsim_file *File = NULL;
    assert_int_equal(ntsim_open(*Machine, "\\Device\\KeAnalyze", &File), 0);
    return File;
}

static void an_bugcheck_chain_through_driver_and_ddi(void **State)
{
    (void)State;
    ntsim_machine *Machine;
    ntsim_file *File = AnOpen(&Machine);
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(File, AN_DOUBLE_COMPLETE, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck Crash;
    char *Report = AnReport(Machine, &Crash);
    assert_int_equal(Crash.code, 0x44);
    /* the one-line summary stays first; the analysis follows it */
    assert_memory_equal(Report, "*** STOP: 0x00000044 (", 22);
    const char *Analysis = strstr(Report, "!analyze -v");
    assert_non_null(Analysis);
    assert_non_null(strstr(Analysis, "MULTIPLE_IRP_COMPLETE_REQUESTS (44)"));
    char Arg1[64];
    snprintf(Arg1, sizeof(Arg1), "Arg1: %016llx, the IRP", (unsigned long long)Crash.params[0]);
    assert_non_null(strstr(Analysis, Arg1));
    /* the DDI the driver called, then the two nested driver routines, then dispatch */
    AnExpectFrame(Analysis, 0, "[DDI]", "CompleteRequest+0x", NULL); /* IofCompleteRequest */
    AnExpectFrame(Analysis, 1, "[driver]", "ke_analyze.sys!AnCompleteAgain+0x", AnSite("ke_analyze.c", "complete-again"));
    AnExpectFrame(Analysis, 2, "[driver]", "ke_analyze.sys!AnFinish+0x", AnSite("ke_analyze.c", "call-complete-again"));
    AnExpectFrame(Analysis, 3, "[driver]", "ke_analyze.sys!AnDeviceControl+0x", AnSite("ke_analyze.c", "call-finish"));
    if (AnHaveLines()) {
        char Faulting[1200];
        snprintf(Faulting, sizeof(Faulting), "FAULTING_SOURCE: %s:", AnSite("ke_analyze.c", "complete-again"));
        assert_non_null(strstr(Analysis, Faulting));
    }
    /* the chain ends at the host call the test made */
    assert_non_null(strstr(Analysis, "[host API]"));
    assert_non_null(strstr(Analysis, "!ntsim_ioctl+0x"));
    /* the IRP the first argument names: the first completion freed it (a host request) */
    char Irp[128];
    snprintf(Irp, sizeof(Irp), "Arg1 names IRP %p: not in flight (completed and freed already)",
             (void *)(uintptr_t)Crash.params[0]);
    assert_non_null(strstr(Analysis, Irp));
    assert_non_null(strstr(Analysis, "IRPs in flight (!irp):"));
    free(Report);
    /* the same report through the inspection command */
    char *Inspected = NULL;
    size_t Length = 0;
    FILE *Out = open_memstream(&Inspected, &Length);
    assert_int_equal(ntsim_inspect(Machine, "!analyze -v", Out), 0);
    fclose(Out);
    assert_non_null(strstr(Inspected, "STACK_TEXT"));
    assert_non_null(strstr(Inspected, AnHaveLines() ? "ke_analyze.sys!AnCompleteAgain+0x" : "ke_analyze.sys+0x"));
    free(Inspected);
    ntsim_machine_destroy(Machine);
}

/* A fault in driver code: the chain starts at the faulting instruction, unwound from
 * the signal frame, and the bug check's site is that line. */
static void an_fault_chain_starts_at_the_faulting_line(void **State)
{
    (void)State;
    ntsim_machine *Machine;
    ntsim_file *File = AnOpen(&Machine);
    size_t Returned = 0;
    assert_int_equal(ntsim_ioctl(File, AN_NULL_WRITE, NULL, 0, NULL, 0, &Returned), NTSIM_E_CRASHED);
    ntsim_bugcheck Crash;
    char *Report = AnReport(Machine, &Crash);
    assert_int_equal(Crash.code, 0x50);
    const char *Analysis = strstr(Report, "!analyze -v");
    assert_non_null(Analysis);
    assert_non_null(strstr(Analysis, "Arg1: 0000000000000000, address referenced"));
    AnExpectFrame(Analysis, 0, "[driver]", "ke_analyze.sys!AnPoke+0x", AnSite("ke_analyze.c", "poke"));
    AnExpectFrame(Analysis, 1, "[driver]", "ke_analyze.sys!AnPokeTwice+0x", AnSite("ke_analyze.c", "call-poke"));
    AnExpectFrame(Analysis, 2, "[driver]", "ke_analyze.sys!AnDeviceControl+0x", AnSite("ke_analyze.c", "call-poke-twice"));
    if (AnHaveLines())
        assert_string_equal(Crash.site, AnSite("ke_analyze.c", "poke"));
    free(Report);
    ntsim_machine_destroy(Machine);
}

/* Each address is resolved once: the second lookup is answered from the cache, the
 * same. An unloaded image empties the cache (another may take its addresses). */
static void an_symbolizer_caches_each_address(void **State)
{
    (void)State;
    void *Image = dlopen(TestDriverPath("ke_analyze.sys"), RTLD_NOW | RTLD_LOCAL);
    assert_non_null(Image);
    void *Entry = dlsym(Image, "AnDeviceControl");
    assert_non_null(Entry);
    uint64_t Hits0, Misses0, Hits1, Misses1, Hits2, Misses2;
    KI_SYMBOL First, Second;
    KiSymbolCounters(&Hits0, &Misses0);
    assert_true(KiSymbolize(Entry, &First));
    KiSymbolCounters(&Hits1, &Misses1);
    assert_true(KiSymbolize(Entry, &Second));
    KiSymbolCounters(&Hits2, &Misses2);
    assert_true(Misses1 == Misses0 + 1 && Hits1 == Hits0); /* resolved */
    assert_true(Misses2 == Misses1 && Hits2 == Hits1 + 1); /* then a cache hit */
    assert_memory_equal(&First, &Second, sizeof(First));
    assert_string_equal(First.ImageName, "ke_analyze.sys");
    assert_string_equal(First.Function, "AnDeviceControl");
    assert_int_equal(First.Offset, 0);
    if (AnHaveLines()) {
        const KI_SOURCE_LOCATION *Line = KiSymbolSourceLine(&First);
        assert_non_null(Line);
        char Expected[1024];
        snprintf(Expected, sizeof(Expected), "%s/tests/ke/ke_analyze.c", NTSIM_SOURCE_DIR);
        assert_string_equal(Line->File, Expected);
        assert_true(Line->Line > 0);
    }
    dlclose(Image);
    /* an image unloaded (and another maybe mapped at its addresses): resolved afresh */
    Image = dlopen(TestDriverPath("ke_analyze_entry.sys"), RTLD_NOW | RTLD_LOCAL);
    assert_non_null(Image);
    Entry = dlsym(Image, "DriverEntry");
    assert_true(KiSymbolize(Entry, &First));
    KiSymbolCounters(&Hits0, &Misses0);
    assert_true(KiSymbolize(Entry, &First));
    KiSymbolCounters(&Hits1, &Misses1);
    assert_true(Hits1 == Hits0 + 1 && Misses1 == Misses0);
    dlclose(Image);
    assert_null(dlopen(TestDriverPath("ke_analyze_entry.sys"), RTLD_NOW | RTLD_NOLOAD)); /* really unmapped */
    Image = dlopen(TestDriverPath("ke_analyze_entry.sys"), RTLD_NOW | RTLD_LOCAL);
    Entry = dlsym(Image, "DriverEntry");
    assert_true(KiSymbolize(Entry, &Second));
    KiSymbolCounters(&Hits2, &Misses2);
    assert_true(Misses2 == Misses1 + 1 && Hits2 == Hits1);
    assert_string_equal(Second.Function, "DriverEntry");
    assert_string_equal(Second.ImageName, "ke_analyze_entry.sys");
    dlclose(Image);
    /* an address outside every image is no symbol, and is not cached */
    KI_SYMBOL Nothing;
    assert_false(KiSymbolize((void *)(uintptr_t)0x10, &Nothing));
    char Text[256];
    KiDescribeCode((void *)(uintptr_t)0x10, Text, sizeof(Text));
    assert_string_equal(Text, "pc 0x10");
}

/* Code inlined from a header is named by the driver line that used it, and the chain
 * of inlined calls is kept, innermost first. */
static void an_inlined_header_code_names_the_driver_line(void **State)
{
    (void)State;
    if (!AnHaveLines())
        skip();
    void *Image = dlopen(TestDriverPath("ke_analyze.sys"), RTLD_NOW | RTLD_LOCAL);
    void *Dispatch = dlsym(Image, "AnDeviceControl");
    /* the first lines of AnDeviceControl read the current stack location (an inline of
     * nt/io.h): find an address whose innermost frame is in that header */
    KI_SYMBOL S;
    int Found = 0;
    for (int Offset = 0; Offset < 64 && !Found; Offset++) {
        assert_true(KiSymbolize((char *)Dispatch + Offset, &S));
        if (S.Depth >= 2 && strstr(S.Frames[0].File, "/nt/io.h"))
            Found = 1;
    }
    if (!Found)
        skip(); /* the compiler scheduled it otherwise */
    assert_string_equal(S.Frames[0].Function, "IoGetCurrentIrpStackLocation");
    const KI_SOURCE_LOCATION *Line = KiSymbolSourceLine(&S);
    assert_non_null(strstr(Line->File, "/tests/ke/ke_analyze.c"));
    assert_string_equal(S.Frames[S.Depth - 1].Function, "AnDeviceControl");
    dlclose(Image);
}

int main(void)
{
    /* nothing found on PATH: the old addr2line child would have named no line at all */
    char Empty[] = "/tmp/ntsim-empty-path-XXXXXX";
    assert_non_null(mkdtemp(Empty));
    setenv("PATH", Empty, 1);
    const struct CMUnitTest Tests[] = {
        cmocka_unit_test(an_bugcheck_chain_through_driver_and_ddi),
        cmocka_unit_test(an_fault_chain_starts_at_the_faulting_line),
        cmocka_unit_test(an_symbolizer_caches_each_address),
        cmocka_unit_test(an_inlined_header_code_names_the_driver_line),
    };
    int Failed = cmocka_run_group_tests(Tests, NULL, NULL);
    rmdir(Empty);
    return Failed;
}
