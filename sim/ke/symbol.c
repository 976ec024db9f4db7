/* symbol.c - code addresses named in process: image, function+offset and, from the
 * image's DWARF (elfutils libdw), the full source path, line, column and the chain of
 * inlined calls. Reports, !analyze call chains, the watchdog and the audit name driver
 * code through here; nothing starts a process (addr2line was popen'ed per address
 * before, and dominated the cost of a sweep with findings).
 *
 * Each address is resolved once per process: answers are cached by address until an
 * image is unloaded (the loader's "objects removed" count moves), since another image
 * may then be mapped at the same addresses. Strings are interned for the process, so
 * the names handed out (NTSIM_SITE.File included) never dangle.
 *
 * Without libdw (macOS; or a Linux build without libdw-dev) names come from dladdr
 * alone: "image!Function+0x1c", no lines. The choice is made at configure time. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#else
#include <link.h>
#endif

#if NTSIM_HAVE_LIBDW
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#endif

static pthread_mutex_t KiSymbolLock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t KiSymbolHits, KiSymbolMisses;

/* ---- interned strings (never freed: names handed out stay valid) ---- */

typedef struct _KI_INTERNED {
    struct _KI_INTERNED *Next;
    char Text[];
} KI_INTERNED;

static KI_INTERNED *KiInterned[512];

static uint32_t KiHashText(const char *Text)
{
    uint32_t Hash = 2166136261u; /* FNV-1a */
    for (; *Text; Text++)
        Hash = (Hash ^ (unsigned char)*Text) * 16777619u;
    return Hash;
}

static const char *KiIntern(const char *Text)
{
    if (Text == NULL)
        return NULL;
    KI_INTERNED **Bucket = &KiInterned[KiHashText(Text) % RTL_NUMBER_OF(KiInterned)];
    for (KI_INTERNED *I = *Bucket; I; I = I->Next)
        if (strcmp(I->Text, Text) == 0)
            return I->Text;
    size_t Length = strlen(Text) + 1;
    KI_INTERNED *New = KiHostAlloc(sizeof(*New) + Length);
    memcpy(New->Text, Text, Length);
    New->Next = *Bucket;
    *Bucket = New;
    return New->Text;
}

static const char *KiBaseName(const char *Path)
{
    const char *Slash = strrchr(Path, '/');
    return Slash ? Slash + 1 : Path;
}

/* ---- when cached answers go stale: an image was unloaded ---- */

#if defined(__APPLE__)
static volatile unsigned long KiImagesRemoved;
static void KiImageRemoved(const struct mach_header *Header, intptr_t Slide)
{
    (void)Header, (void)Slide;
    KiImagesRemoved++;
}
static unsigned long long KiImageGeneration(void)
{
    static BOOLEAN Registered;
    if (!Registered) {
        Registered = TRUE;
        _dyld_register_func_for_remove_image(KiImageRemoved);
    }
    return KiImagesRemoved;
}
#else
static int KiReadRemovals(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    unsigned long long *Out = Data;
    if (Size >= offsetof(struct dl_phdr_info, dlpi_subs) + sizeof(Info->dlpi_subs))
        *Out = Info->dlpi_subs;
    return 1; /* the count is the same in every entry: the first is enough */
}
static unsigned long long KiImageGeneration(void)
{
    static unsigned long long NoCount;
    unsigned long long Removals = ~0ull;
    dl_iterate_phdr(KiReadRemovals, &Removals);
    return Removals != ~0ull ? Removals : ++NoCount; /* no count: never trust the cache */
}
#endif

/* ---- the loaded image holding an address (the ELF loader's list) ---- */

#if !defined(__APPLE__)
typedef struct _KI_IMAGE_QUERY {
    uintptr_t Address;
    uintptr_t Bias;
    const char *Name;
    BOOLEAN Found;
} KI_IMAGE_QUERY;

static int KiFindImage(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size;
    KI_IMAGE_QUERY *Query = Data;
    for (int i = 0; i < Info->dlpi_phnum; i++) {
        const ElfW(Phdr) *Segment = &Info->dlpi_phdr[i];
        uintptr_t Start = Info->dlpi_addr + Segment->p_vaddr;
        if (Segment->p_type == PT_LOAD && Query->Address >= Start && Query->Address - Start < Segment->p_memsz) {
            Query->Bias = Info->dlpi_addr;
            Query->Name = Info->dlpi_name;
            Query->Found = TRUE;
            return 1;
        }
    }
    return 0;
}

#endif

/* ---- the cache: open addressing keyed by address ---- */

static KI_SYMBOL *KiCache;
static size_t KiCacheSize, KiCacheUsed; /* size: a power of two */
static unsigned long long KiCacheGeneration;

static size_t KiSlotOf(const void *Address)
{
    uint64_t Key = (uint64_t)(uintptr_t)Address * 0x9E3779B97F4A7C15ull;
    return (size_t)(Key >> 32) & (KiCacheSize - 1);
}

static KI_SYMBOL *KiCacheFind(const void *Address)
{
    if (KiCacheSize == 0)
        return NULL;
    for (size_t i = KiSlotOf(Address);; i = (i + 1) & (KiCacheSize - 1)) {
        if (KiCache[i].Address == Address)
            return &KiCache[i];
        if (KiCache[i].Address == NULL)
            return NULL;
    }
}

static void KiCacheInsert(const KI_SYMBOL *Symbol)
{
    if ((KiCacheUsed + 1) * 2 > KiCacheSize) {
        KI_SYMBOL *Old = KiCache;
        size_t OldSize = KiCacheSize;
        KiCacheSize = OldSize ? OldSize * 2 : 256;
        KiCache = KiHostAlloc(KiCacheSize * sizeof(*KiCache));
        KiCacheUsed = 0;
        for (size_t i = 0; i < OldSize; i++)
            if (Old[i].Address)
                KiCacheInsert(&Old[i]);
        free(Old);
    }
    size_t i = KiSlotOf(Symbol->Address);
    while (KiCache[i].Address != NULL)
        i = (i + 1) & (KiCacheSize - 1);
    KiCache[i] = *Symbol;
    KiCacheUsed++;
}

/* ---- libdw ---- */

#if NTSIM_HAVE_LIBDW
static Dwfl *KiDwfl;
static char *KiDebugInfoPath;
static const Dwfl_Callbacks KiDwflCallbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo, /* separate debug files (/usr/lib/debug) */
    .debuginfo_path = &KiDebugInfoPath,
};

static void KiDropUnits(void);

static void KiDropDwarf(void)
{
    KiDropUnits();
    if (KiDwfl)
        dwfl_end(KiDwfl);
    KiDwfl = NULL;
}

/* The libdw module for the image holding Address, reported on first use. */
static Dwfl_Module *KiDwarfModule(uintptr_t Address)
{
    if (KiDwfl == NULL && (KiDwfl = dwfl_begin(&KiDwflCallbacks)) == NULL)
        return NULL;
    Dwfl_Module *Module = dwfl_addrmodule(KiDwfl, Address);
    if (Module)
        return Module;
    KI_IMAGE_QUERY Query = { .Address = Address };
    dl_iterate_phdr(KiFindImage, &Query);
    if (!Query.Found)
        return NULL;
    const char *Path = Query.Name && Query.Name[0] ? Query.Name : "/proc/self/exe"; /* "": the program */
    if (strncmp(Path, "linux-vdso", 10) == 0 || strncmp(Path, "linux-gate", 10) == 0)
        return NULL; /* no file behind it */
    dwfl_report_begin_add(KiDwfl);
    Module = dwfl_report_elf(KiDwfl, KiBaseName(Path), Path, -1, Query.Bias, true);
    dwfl_report_end(KiDwfl, NULL, NULL);
    return Module;
}

/* ---- the scopes of a compilation unit, indexed once ----
 * dwarf_getscopes walks the whole unit on every call (a quarter of a millisecond for a
 * driver's unit full of inlined header code): each unit's functions and inlined calls
 * are listed once, with their address ranges and enclosing scope, on first use. */

typedef struct _KI_SCOPE {
    const char *Name;
    const char *CallFile;          /* an inlined call: where it sits in the enclosing scope */
    int CallLine, CallColumn;
    int Parent;                    /* enclosing scope, -1 for a function */
    int Depth;
    BOOLEAN Inlined;
} KI_SCOPE;

typedef struct _KI_SCOPE_RANGE {
    Dwarf_Addr Low, High;
    int Scope;
} KI_SCOPE_RANGE;

typedef struct _KI_UNIT_INDEX {
    struct _KI_UNIT_INDEX *Next;
    Dwfl_Module *Module;
    Dwarf_Off Offset;              /* of the unit's DIE */
    KI_SCOPE *Scopes;
    size_t ScopeCount, ScopeCapacity;
    KI_SCOPE_RANGE *Ranges;
    size_t RangeCount, RangeCapacity;
    Dwarf_Files *Files;
    size_t FileCount;
} KI_UNIT_INDEX;

static KI_UNIT_INDEX *KiUnits;

/* Units by address, for images without .debug_aranges (clang emits none, and libdw
 * before 0.191 does not make them up from the units): listed once per image. */
typedef struct _KI_UNIT_RANGE {
    Dwarf_Addr Low, High;
    Dwarf_Die Unit;
} KI_UNIT_RANGE;

typedef struct _KI_MODULE_UNITS {
    struct _KI_MODULE_UNITS *Next;
    Dwfl_Module *Module;
    Dwarf_Addr Bias;
    KI_UNIT_RANGE *Ranges;
    size_t Count;
} KI_MODULE_UNITS;

static KI_MODULE_UNITS *KiModuleUnits;

static void KiDropUnits(void)
{
    while (KiModuleUnits) {
        KI_MODULE_UNITS *Next = KiModuleUnits->Next;
        free(KiModuleUnits->Ranges);
        free(KiModuleUnits);
        KiModuleUnits = Next;
    }
    while (KiUnits) {
        KI_UNIT_INDEX *Next = KiUnits->Next;
        free(KiUnits->Scopes);
        free(KiUnits->Ranges);
        free(KiUnits);
        KiUnits = Next;
    }
}

static const char *KiDieName(Dwarf_Die *Die)
{
    Dwarf_Attribute Attribute;
    return dwarf_formstring(dwarf_attr_integrate(Die, DW_AT_name, &Attribute));
}

static int KiDieNumber(Dwarf_Die *Die, unsigned Name)
{
    Dwarf_Attribute Attribute;
    Dwarf_Word Value;
    return dwarf_formudata(dwarf_attr(Die, Name, &Attribute), &Value) == 0 ? (int)Value : -1;
}

static int KiAddScope(KI_UNIT_INDEX *Unit, Dwarf_Die *Die, int Parent, int Depth)
{
    if (Unit->ScopeCount == Unit->ScopeCapacity) {
        Unit->ScopeCapacity = Unit->ScopeCapacity ? Unit->ScopeCapacity * 2 : 64;
        Unit->Scopes = KiHostRealloc(Unit->Scopes, Unit->ScopeCapacity * sizeof(*Unit->Scopes));
    }
    KI_SCOPE *Scope = &Unit->Scopes[Unit->ScopeCount];
    memset(Scope, 0, sizeof(*Scope));
    Scope->Name = KiIntern(KiDieName(Die));
    Scope->Parent = Parent;
    Scope->Depth = Depth;
    Scope->Inlined = dwarf_tag(Die) == DW_TAG_inlined_subroutine;
    if (Scope->Inlined) {
        int File = KiDieNumber(Die, DW_AT_call_file);
        if (File >= 0 && (size_t)File < Unit->FileCount)
            Scope->CallFile = KiIntern(dwarf_filesrc(Unit->Files, (size_t)File, NULL, NULL));
        Scope->CallLine = KiDieNumber(Die, DW_AT_call_line);
        Scope->CallColumn = KiDieNumber(Die, DW_AT_call_column) > 0 ? KiDieNumber(Die, DW_AT_call_column) : 0;
    }
    return (int)Unit->ScopeCount++;
}

static void KiAddRange(KI_UNIT_INDEX *Unit, Dwarf_Addr Low, Dwarf_Addr High, int Scope)
{
    if (Unit->RangeCount == Unit->RangeCapacity) {
        Unit->RangeCapacity = Unit->RangeCapacity ? Unit->RangeCapacity * 2 : 64;
        Unit->Ranges = KiHostRealloc(Unit->Ranges, Unit->RangeCapacity * sizeof(*Unit->Ranges));
    }
    Unit->Ranges[Unit->RangeCount++] = (KI_SCOPE_RANGE){ Low, High, Scope };
}

/* Functions and inlined calls with code below Parent; lexical blocks are looked into
 * (inlined calls sit in them) but are no scopes of their own here. */
static void KiIndexChildren(KI_UNIT_INDEX *Unit, Dwarf_Die *Parent, int ParentScope, int Depth)
{
    Dwarf_Die Child;
    if (dwarf_child(Parent, &Child) != 0)
        return;
    do {
        int Tag = dwarf_tag(&Child);
        if (Tag == DW_TAG_lexical_block) {
            KiIndexChildren(Unit, &Child, ParentScope, Depth);
            continue;
        }
        if (Tag != DW_TAG_subprogram && Tag != DW_TAG_inlined_subroutine)
            continue;
        Dwarf_Addr Base, Low, High;
        ptrdiff_t Next = 0;
        int Scope = -1;
        while ((Next = dwarf_ranges(&Child, Next, &Base, &Low, &High)) > 0) {
            if (Scope < 0)
                Scope = KiAddScope(Unit, &Child, Tag == DW_TAG_subprogram ? -1 : ParentScope, Depth);
            KiAddRange(Unit, Low, High, Scope);
        }
        if (Scope >= 0) /* no code: an abstract instance or a declaration, nothing inside runs */
            KiIndexChildren(Unit, &Child, Scope, Depth + 1);
    } while (dwarf_siblingof(&Child, &Child) == 0);
}

static KI_UNIT_INDEX *KiUnitIndex(Dwfl_Module *Module, Dwarf_Die *Cu)
{
    Dwarf_Off Offset = dwarf_dieoffset(Cu);
    for (KI_UNIT_INDEX *Unit = KiUnits; Unit; Unit = Unit->Next)
        if (Unit->Module == Module && Unit->Offset == Offset)
            return Unit;
    KI_UNIT_INDEX *Unit = KiHostAlloc(sizeof(*Unit));
    Unit->Module = Module;
    Unit->Offset = Offset;
    if (dwarf_getsrcfiles(Cu, &Unit->Files, &Unit->FileCount) != 0)
        Unit->FileCount = 0;
    KiIndexChildren(Unit, Cu, -1, 0);
    Unit->Next = KiUnits;
    KiUnits = Unit;
    return Unit;
}

/* The innermost scope holding Address (module-relative), -1 if none. */
static int KiInnermostScope(const KI_UNIT_INDEX *Unit, Dwarf_Addr Address)
{
    int Best = -1;
    for (size_t i = 0; i < Unit->RangeCount; i++) {
        const KI_SCOPE_RANGE *R = &Unit->Ranges[i];
        if (Address >= R->Low && Address < R->High &&
            (Best < 0 || Unit->Scopes[R->Scope].Depth > Unit->Scopes[Best].Depth))
            Best = R->Scope;
    }
    return Best;
}

static KI_MODULE_UNITS *KiListUnits(Dwfl_Module *Module)
{
    for (KI_MODULE_UNITS *M = KiModuleUnits; M; M = M->Next)
        if (M->Module == Module)
            return M;
    KI_MODULE_UNITS *M = KiHostAlloc(sizeof(*M));
    M->Module = Module;
    size_t Capacity = 0;
    Dwarf_Addr Bias = 0;
    for (Dwarf_Die *Cu = dwfl_module_nextcu(Module, NULL, &Bias); Cu; Cu = dwfl_module_nextcu(Module, Cu, &Bias)) {
        M->Bias = Bias;
        Dwarf_Addr Base, Low, High;
        ptrdiff_t Next = 0;
        while ((Next = dwarf_ranges(Cu, Next, &Base, &Low, &High)) > 0) {
            if (M->Count == Capacity) {
                Capacity = Capacity ? Capacity * 2 : 16;
                M->Ranges = KiHostRealloc(M->Ranges, Capacity * sizeof(*M->Ranges));
            }
            M->Ranges[M->Count++] = (KI_UNIT_RANGE){ Low, High, *Cu };
        }
    }
    M->Next = KiModuleUnits;
    KiModuleUnits = M;
    return M;
}

/* The compilation unit holding Address, and the module's bias. */
static Dwarf_Die *KiUnitOf(Dwfl_Module *Module, uintptr_t Address, Dwarf_Addr *Bias)
{
    Dwarf_Die *Cu = dwfl_module_addrdie(Module, Address, Bias);
    if (Cu)
        return Cu;
    KI_MODULE_UNITS *M = KiListUnits(Module);
    *Bias = M->Bias;
    for (size_t i = 0; i < M->Count; i++)
        if (Address - M->Bias >= M->Ranges[i].Low && Address - M->Bias < M->Ranges[i].High)
            return &M->Ranges[i].Unit;
    return NULL;
}

/* The line of Address, then one frame per inlined call around it, out to the function. */
static void KiResolveDwarf(uintptr_t Address, KI_SYMBOL *Symbol)
{
    Dwfl_Module *Module = KiDwarfModule(Address);
    if (Module == NULL)
        return;
    GElf_Off Offset;
    GElf_Sym ElfSymbol;
    const char *Name = dwfl_module_addrinfo(Module, Address, &Offset, &ElfSymbol, NULL, NULL, NULL);
    if (Name) { /* the symbol table names static functions too, unlike dladdr */
        Symbol->Function = KiIntern(Name);
        Symbol->Offset = Offset;
    }
    Dwarf_Addr Bias = 0;
    Dwarf_Die *Cu = KiUnitOf(Module, Address, &Bias);
    Dwarf_Line *Line = Cu ? dwarf_getsrc_die(Cu, Address - Bias) : NULL;
    const char *File = Line ? dwarf_linesrc(Line, NULL, NULL) : NULL;
    KI_SOURCE_LOCATION *Inner = &Symbol->Frames[0];
    if (File == NULL || dwarf_lineno(Line, &Inner->Line) != 0 || Inner->Line <= 0) {
        memset(Inner, 0, sizeof(*Inner));
        return;
    }
    if (dwarf_linecol(Line, &Inner->Column) != 0)
        Inner->Column = 0;
    Inner->File = KiIntern(File);
    Inner->Function = Symbol->Function;
    Symbol->Depth = 1;
    const KI_UNIT_INDEX *Unit = KiUnitIndex(Module, Cu);
    for (int i = KiInnermostScope(Unit, Address - Bias); i >= 0; i = Unit->Scopes[i].Parent) {
        const KI_SCOPE *Scope = &Unit->Scopes[i];
        if (Scope->Name)
            Symbol->Frames[Symbol->Depth - 1].Function = Scope->Name;
        if (!Scope->Inlined) {
            if (Scope->Name)
                Symbol->Function = Scope->Name; /* the source name of a gcc clone (.constprop.0, .part.0) */
            break;
        }
        if (Symbol->Depth == KI_SYMBOL_MAX_DEPTH)
            break;
        KI_SOURCE_LOCATION *Caller = &Symbol->Frames[Symbol->Depth++];
        Caller->File = Scope->CallFile;
        Caller->Line = Scope->CallLine;
        Caller->Column = Scope->CallColumn;
        Caller->Function = Symbol->Function; /* until the enclosing scope names it */
    }
}

const char *KiSymbolBackend(void)
{
    static char Name[32];
    if (Name[0] == 0)
        snprintf(Name, sizeof(Name), "libdw %s", dwfl_version(NULL));
    return Name;
}
#else
static void KiDropDwarf(void)
{
}

const char *KiSymbolBackend(void)
{
    return "dladdr";
}
#endif

/* ---- resolution ---- */

/* dladdr names the program by its argv[0], which may be relative or a bare name: the
 * loader's own entry for it has an empty name, and /proc/self/exe is the file. */
static const char *KiImagePath(const Dl_info *Info)
{
#if defined(__linux__)
    static char Program[4096];
    KI_IMAGE_QUERY Query = { .Address = (uintptr_t)Info->dli_fbase };
    dl_iterate_phdr(KiFindImage, &Query);
    ssize_t Length;
    if (Query.Found && Query.Name && Query.Name[0] == 0 &&
        (Length = readlink("/proc/self/exe", Program, sizeof(Program) - 1)) > 0) {
        Program[Length] = 0;
        return Program;
    }
#endif
    return Info->dli_fname;
}

static BOOLEAN KiResolve(const void *Address, KI_SYMBOL *Symbol)
{
    memset(Symbol, 0, sizeof(*Symbol));
    Symbol->Address = Address;
    Dl_info Info;
    if (Address == NULL || !dladdr(Address, &Info) || Info.dli_fname == NULL)
        return FALSE;
    Symbol->Image = KiIntern(KiImagePath(&Info));
    Symbol->ImageName = KiIntern(KiBaseName(Symbol->Image));
    Symbol->ImageOffset = (uintptr_t)((const char *)Address - (const char *)Info.dli_fbase);
    if (Info.dli_sname && Info.dli_saddr && (const char *)Info.dli_saddr <= (const char *)Address) {
        Symbol->Function = KiIntern(Info.dli_sname);
        Symbol->Offset = (uintptr_t)((const char *)Address - (const char *)Info.dli_saddr);
    }
#if NTSIM_HAVE_LIBDW
    KiResolveDwarf((uintptr_t)Address, Symbol);
#endif
    return TRUE;
}

BOOLEAN KiSymbolize(const void *Address, KI_SYMBOL *Out)
{
    pthread_mutex_lock(&KiSymbolLock);
    unsigned long long Generation = KiImageGeneration();
    if (Generation != KiCacheGeneration) { /* an image went away: its addresses may be reused */
        KiCacheGeneration = Generation;
        if (KiCacheUsed) {
            memset(KiCache, 0, KiCacheSize * sizeof(*KiCache));
            KiCacheUsed = 0;
        }
        KiDropDwarf();
    }
    BOOLEAN Known = TRUE;
    const KI_SYMBOL *Hit = Address ? KiCacheFind(Address) : NULL;
    if (Hit) {
        KiSymbolHits++;
        *Out = *Hit;
    } else {
        KiSymbolMisses++;
        Known = KiResolve(Address, Out);
        if (Known) /* an address outside every image may belong to one loaded later */
            KiCacheInsert(Out);
    }
    pthread_mutex_unlock(&KiSymbolLock);
    return Known;
}

void KiSymbolCounters(uint64_t *Hits, uint64_t *Misses)
{
    pthread_mutex_lock(&KiSymbolLock);
    if (Hits)
        *Hits = KiSymbolHits;
    if (Misses)
        *Misses = KiSymbolMisses;
    pthread_mutex_unlock(&KiSymbolLock);
}

static BOOLEAN KiIsHeader(const char *File)
{
    size_t Length = strlen(File);
    return Length >= 2 && strcmp(File + Length - 2, ".h") == 0;
}

const KI_SOURCE_LOCATION *KiSymbolSourceLine(const KI_SYMBOL *Symbol)
{
    for (unsigned i = 0; i < Symbol->Depth; i++)
        if (Symbol->Frames[i].File && !KiIsHeader(Symbol->Frames[i].File))
            return &Symbol->Frames[i];
    return Symbol->Depth && Symbol->Frames[0].File ? &Symbol->Frames[0] : NULL;
}

const char *KiFormatLocation(const KI_SOURCE_LOCATION *Location, char *Buffer, size_t Size)
{
    if (Location == NULL || Location->File == NULL)
        snprintf(Buffer, Size, "%s", "");
    else if (Location->Column > 0)
        snprintf(Buffer, Size, "%s:%d:%d", Location->File, Location->Line, Location->Column);
    else
        snprintf(Buffer, Size, "%s:%d", Location->File, Location->Line);
    return Buffer;
}

/* "/path/echo.c:88:5 (EchoUnload+0x1c in echo.sys)" with line information, else
 * "EchoUnload+0x1c in echo.sys", else "echo.sys+0x1234", else "pc 0x...". */
void KiDescribeCode(void *Pc, char *Buffer, size_t Size)
{
    KI_SYMBOL Symbol;
    if (!KiSymbolize(Pc, &Symbol)) {
        snprintf(Buffer, Size, "pc %p", Pc);
        return;
    }
    char Name[320];
    if (Symbol.Function)
        snprintf(Name, sizeof(Name), "%s+0x%lx in %s", Symbol.Function, (unsigned long)Symbol.Offset,
                 Symbol.ImageName);
    else
        snprintf(Name, sizeof(Name), "%s+0x%lx", Symbol.ImageName, (unsigned long)Symbol.ImageOffset);
    char Line[512];
    KiFormatLocation(KiSymbolSourceLine(&Symbol), Line, sizeof(Line));
    if (Line[0])
        snprintf(Buffer, Size, "%s (%s)", Line, Name);
    else
        snprintf(Buffer, Size, "%s", Name);
}

/* The source site of a routine (a driver's DriverEntry, for findings about what it
 * returned; an ISR; the spinning instruction the watchdog caught). */
NTSIM_SITE KiSiteOfCode(void *Pc)
{
    NTSIM_SITE Site = { NULL, 0 };
    KI_SYMBOL Symbol;
    if (!KiSymbolize(Pc, &Symbol))
        return Site;
    const KI_SOURCE_LOCATION *Line = KiSymbolSourceLine(&Symbol);
    if (Line) {
        Site.File = Line->File; /* interned: lives for the process */
        Site.Line = Line->Line;
    }
    return Site;
}
