/* fault.c - the fault-injection choke point every failable DDI passes through.
 *
 * Modes: count only; fail the N-th failable call; fail each distinct call site once;
 * fail with a seeded probability. Filters: DDI class, pool tag, driver, DriverEntry
 * only. Only calls made while driver code runs count: the simulator's own work
 * (loading, the host API) never fails. Every counted call is recorded as a point
 * (index, DDI, driver line) so a sweep can name what it failed. */
#include "ntsimp.h"
#include "trace/trace.h"

typedef struct _VI_POINT {
    ntsim_fault_point Public;
    char Site[256];
    char Driver[128];
} VI_POINT;

static ntsim_fault_config ViConfig;
static char ViDriverFilter[128];
static unsigned long ViCounter;
/* nth=A+B: a second call to fail in the same run (the sweep's second-order pass: a
 * call reached only on the failure path of call A fails too). 0 = none. */
static unsigned long ViThen;
static uint64_t ViRandom;
/* Points live in fixed blocks that never move once allocated: a point's site and
 * driver strings are handed out by pointer (ntsim_fault_point_at), so growing the
 * record must not relocate the ones already made. */
#define VI_POINTS_PER_BLOCK 32 /* ~14 KB: a sweep child touches no more pages than it needs */
static VI_POINT **ViPointBlocks;
static size_t ViPointCount, ViPointBlockCount;
static char **ViFailedSites;
static size_t ViFailedSiteCount;

static const struct { const char *Name; unsigned Bit; } ViClassNames[] = {
    { "pool", NtsimFaultPool },       { "device", NtsimFaultDevice },     { "symlink", NtsimFaultSymbolicLink },
    { "irp", NtsimFaultIrp },         { "mdl", NtsimFaultMdl },           { "registry", NtsimFaultRegistry },
    { "object", NtsimFaultObject },   { "thread", NtsimFaultThread },     { "interrupt", NtsimFaultInterrupt },
    { "resource", NtsimFaultResource }, { "mapping", NtsimFaultMapping }, { "dma", NtsimFaultDma },
    { "errorlog", NtsimFaultErrorLog }, { "workitem", NtsimFaultWorkItem }, { "string", NtsimFaultString },
};

const char *ViClassName(unsigned Bit)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(ViClassNames); i++)
        if (ViClassNames[i].Bit == Bit)
            return ViClassNames[i].Name;
    return "?";
}

void ViResetFaults(void)
{
    memset(&ViConfig, 0, sizeof(ViConfig));
    ViDriverFilter[0] = 0;
    ViCounter = 0;
    ViThen = 0;
    /* The blocks stay for the next machine (each point is cleared when it is made):
     * a persistent sweep resets them twice per run. */
    ViPointCount = 0;
    for (size_t i = 0; i < ViFailedSiteCount; i++)
        free(ViFailedSites[i]);
    free(ViFailedSites);
    ViFailedSites = NULL;
    ViFailedSiteCount = 0;
}

int ntsim_fault_configure(ntsim_machine *Machine, const ntsim_fault_config *Config)
{
    (void)Machine;
    ViResetFaults();
    if (Config == NULL)
        return 0;
    if (Config->mode == NTSIM_FAULT_NTH && Config->nth == 0)
        return NTSIM_E_ARGS;
    if (Config->mode == NTSIM_FAULT_RANDOM && (Config->probability < 0 || Config->probability > 1))
        return NTSIM_E_ARGS;
    ViConfig = *Config;
    if (Config->driver) {
        snprintf(ViDriverFilter, sizeof(ViDriverFilter), "%s", Config->driver);
        ViConfig.driver = ViDriverFilter;
    }
    ViRandom = Config->seed ? Config->seed : 0x9E3779B97F4A7C15ull;
    return 0;
}

static BOOLEAN ViParseClass(const char *Text, size_t Length, unsigned *Bits)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(ViClassNames); i++)
        if (strlen(ViClassNames[i].Name) == Length && strncmp(ViClassNames[i].Name, Text, Length) == 0) {
            *Bits |= ViClassNames[i].Bit;
            return TRUE;
        }
    return FALSE;
}


/* "nth=3", "sites", "random=0.05,seed=7", "count", plus filters "class=pool+irp",
 * "tag=Echo", "driver=echo", "entry" (DriverEntry only). */
int ntsim_fault_configure_string(ntsim_machine *Machine, const char *Spec)
{
    ntsim_fault_config Config;
    memset(&Config, 0, sizeof(Config));
    Config.mode = NTSIM_FAULT_COUNT;
    char Driver[128] = "";
    unsigned long Then = 0;
    const char *P = Spec;
    while (P && *P) {
        const char *End = strchr(P, ',');
        size_t Length = End ? (size_t)(End - P) : strlen(P);
        char Item[160];
        snprintf(Item, sizeof(Item), "%.*s", (int)Length, P);
        char *Value = strchr(Item, '=');
        if (Value)
            *Value++ = 0;
        char *Rest = NULL;
        if (strcmp(Item, "nth") == 0 && Value) {
            Config.mode = NTSIM_FAULT_NTH;
            Config.nth = strtoul(Value, &Rest, 10);
            if (*Rest == '+' && Rest[1] >= '1' && Rest[1] <= '9') /* nth=A+B: fail call B too */
                Then = strtoul(Rest + 1, &Rest, 10);
            if (*Rest || Config.nth == 0 || (Then && Then <= Config.nth))
                goto Bad;
        } else if (strcmp(Item, "sites") == 0 && !Value) {
            Config.mode = NTSIM_FAULT_SITES;
        } else if (strcmp(Item, "count") == 0 && !Value) {
            Config.mode = NTSIM_FAULT_COUNT;
        } else if (strcmp(Item, "random") == 0 && Value) {
            Config.mode = NTSIM_FAULT_RANDOM;
            Config.probability = strtod(Value, &Rest);
            if (*Rest || Config.probability < 0 || Config.probability > 1)
                goto Bad;
        } else if (strcmp(Item, "seed") == 0 && Value) {
            Config.seed = strtoull(Value, &Rest, 0);
            if (*Rest)
                goto Bad;
        } else if (strcmp(Item, "class") == 0 && Value) {
            for (char *C = Value; *C;) {
                size_t N = strcspn(C, "+|");
                if (!ViParseClass(C, N, &Config.classes))
                    goto Bad;
                C += N;
                if (*C)
                    C++;
            }
        } else if (strcmp(Item, "tag") == 0 && Value && strlen(Value) <= 4) {
            memcpy(&Config.tag, Value, strlen(Value));
        } else if (strcmp(Item, "driver") == 0 && Value) {
            snprintf(Driver, sizeof(Driver), "%s", Value);
            Config.driver = Driver;
        } else if (strcmp(Item, "entry") == 0 && !Value) {
            Config.during_entry_only = 1;
        } else {
            goto Bad;
        }
        P = End ? End + 1 : NULL;
        continue;
    Bad:
        NtsimSetLastError("bad fault specification item '%.*s' in '%s' (expected nth=N, nth=N+M, sites, random=P, "
                          "seed=N, count, class=pool+irp+..., tag=ABCD, driver=NAME, entry)", (int)Length, P, Spec);
        return NTSIM_E_ARGS;
    }
    int Rc = ntsim_fault_configure(Machine, &Config);
    if (Rc == 0)
        ViThen = Then;
    return Rc;
}

static uint64_t ViNextRandom(void)
{
    /* xorshift64*: deterministic for a seed, cheap */
    ViRandom ^= ViRandom >> 12;
    ViRandom ^= ViRandom << 25;
    ViRandom ^= ViRandom >> 27;
    return ViRandom * 0x2545F4914F6CDD1Dull;
}

static BOOLEAN ViSiteAlreadyFailed(const char *Site)
{
    for (size_t i = 0; i < ViFailedSiteCount; i++)
        if (strcmp(ViFailedSites[i], Site) == 0)
            return TRUE;
    ViFailedSites = KiHostRealloc(ViFailedSites, (ViFailedSiteCount + 1) * sizeof(char *));
    ViFailedSites[ViFailedSiteCount++] = KiHostStrdup(Site);
    return FALSE;
}

static VI_POINT *ViPointAt(size_t Index)
{
    return &ViPointBlocks[Index / VI_POINTS_PER_BLOCK][Index % VI_POINTS_PER_BLOCK];
}

static VI_POINT *ViNewPoint(void)
{
    if (ViPointCount == ViPointBlockCount * VI_POINTS_PER_BLOCK) {
        ViPointBlocks = KiHostRealloc(ViPointBlocks, (ViPointBlockCount + 1) * sizeof(*ViPointBlocks));
        /* not zeroed here: each point is cleared when it is made */
        ViPointBlocks[ViPointBlockCount++] = KiHostRealloc(NULL, VI_POINTS_PER_BLOCK * sizeof(VI_POINT));
    }
    VI_POINT *Point = ViPointAt(ViPointCount++);
    memset(Point, 0, sizeof(*Point));
    return Point;
}

BOOLEAN ViFaultShouldFail(NTSIM_FAULT_CLASS Class, const char *Ddi, ULONG Tag, NTSIM_SITE Site)
{
    PDRIVER_OBJECT Driver = VfCurrentDriver();
    if (ViConfig.mode == NTSIM_FAULT_OFF || Driver == NULL)
        return FALSE;
    if (ViConfig.classes && !(ViConfig.classes & Class))
        return FALSE;
    if (ViConfig.tag && Tag != ViConfig.tag)
        return FALSE;
    if (ViConfig.driver && strcasecmp(ViConfig.driver, VfDriverName(Driver)) != 0)
        return FALSE;
    if (ViConfig.during_entry_only && !VfDriver(Driver)->InDriverEntry)
        return FALSE;
    unsigned long Index = ++ViCounter;
    VI_POINT *Point = ViNewPoint();
    KiFormatSiteShort(Site, Point->Site, sizeof(Point->Site)); /* a point's name: short */
    KiCopyText(Point->Driver, sizeof(Point->Driver), VfDriverName(Driver));
    Point->Public.index = Index;
    Point->Public.ddi = Ddi;
    Point->Public.fault_class = ViClassName(Class);
    Point->Public.site = Point->Site;
    Point->Public.driver = Point->Driver;
    Point->Public.during_entry = VfDriver(Driver)->InDriverEntry;
    BOOLEAN Fail = FALSE;
    switch (ViConfig.mode) {
    case NTSIM_FAULT_NTH:
        Fail = Index == ViConfig.nth || Index == ViThen;
        break;
    case NTSIM_FAULT_SITES:
        Fail = !ViSiteAlreadyFailed(Point->Site);
        break;
    case NTSIM_FAULT_RANDOM:
        Fail = (double)(ViNextRandom() >> 11) / 9007199254740992.0 < ViConfig.probability;
        break;
    default:
        break;
    }
    Point->Public.injected = Fail;
    if (Fail && TrEnabled) /* the trace shows where the run's failure path starts */
        TrFaultEvent(Point->Driver, Ddi, Index, Point->Site);
    return Fail;
}

size_t ntsim_fault_point_count(ntsim_machine *Machine)
{
    (void)Machine;
    return ViPointCount;
}

const ntsim_fault_point *ntsim_fault_point_at(ntsim_machine *Machine, size_t Index)
{
    (void)Machine;
    return Index < ViPointCount ? &ViPointAt(Index)->Public : NULL;
}
