/* imports.c - what a driver image imports, and whether ntsim provides it.
 *
 * A driver image may bind only to libntsim and to a few host C library routines that
 * behave as the Windows kernel's do under its data model (memcpy, strlen ...). Anything
 * else would either be missing at load or, worse, bind silently to the host: libc's
 * wcslen counts 32-bit wchar_t, its printf reads %ld as 64 bits, exit() ends the test
 * bench. The loader reads the image's undefined dynamic symbols before dlopen (so no
 * constructor of a refused image runs) and refuses it, naming every offender at once.
 *
 * The ELF reader is ours: the dynamic symbol table, its string table and the PLT
 * relocations are all we need, and the format is small and stable (System V gABI).
 * libelf would add a dependency for forty lines of reading. Mach-O images (macOS)
 * are not read: there the check is skipped and dyld reports missing symbols itself.
 */
#include "io/iop.h"
#include <ntsim/imports.h>

#include <dlfcn.h>
#include <errno.h>

/* ---- the ELF64 structures we read (System V gABI) ---- */

typedef struct {
    unsigned char Ident[16];
    uint16_t Type, Machine;
    uint32_t Version;
    uint64_t Entry, Phoff, Shoff;
    uint32_t Flags;
    uint16_t Ehsize, Phentsize, Phnum, Shentsize, Shnum, Shstrndx;
} IOP_ELF_HEADER;

typedef struct {
    uint32_t Name, Type;
    uint64_t Flags, Addr, Offset, Size;
    uint32_t Link, Info;
    uint64_t Addralign, Entsize;
} IOP_ELF_SECTION;

typedef struct {
    uint32_t Name;
    unsigned char Info, Other;
    uint16_t Shndx;
    uint64_t Value, Size;
} IOP_ELF_SYMBOL;

typedef struct {
    uint64_t Offset, Info;
    int64_t Addend;
} IOP_ELF_RELA;

#define IOP_SHT_RELA 4
#define IOP_SHT_DYNSYM 11
#define IOP_STB_WEAK 2
#define IOP_STT_OBJECT 1
#define IOP_STT_FUNC 2
#define IOP_STT_TLS 6

/* An image marks host routines it calls on purpose (a test driver that kills its own
 * process) with NTSIM_ALLOW_HOST_IMPORT(name), which puts the name in this section. */
#define IOP_ALLOW_SECTION ".ntsim.allow"

/* ---- what the host may provide ---- */

/* Right under the Windows data model: byte strings, memory, ctype on char, the
 * setjmp that nt/seh.h expands to, and what compilers and sanitizers insert. */
static const char *const IopHostAllowed[] = {
    "memcpy", "memmove", "memset", "memcmp", "memchr", "strlen", "strnlen", "strcmp", "strncmp", "strcpy",
    "strncpy", "strcat", "strncat", "strchr", "strrchr", "strstr", "strspn", "strcspn", "strpbrk", "toupper",
    "tolower", "isalpha", "isdigit", "isxdigit", "isspace", "isupper", "islower", "isalnum", "isprint",
    "iscntrl", "ispunct", "isgraph", "__ctype_b_loc", "__ctype_toupper_loc", "__ctype_tolower_loc",
    "_DefaultRuneLocale", "__maskrune", "__toupper", "__tolower", "qsort", "bsearch", "abs",
    "__sigsetjmp", "sigsetjmp", "_setjmp", "setjmp", "__stack_chk_fail", "__stack_chk_guard",
    "__memcpy_chk", "__memmove_chk", "__memset_chk", "__strcpy_chk", "__strncpy_chk", "__strcat_chk",
    "__strncat_chk", "__gmon_start__", "__cxa_finalize", "_ITM_registerTMCloneTable",
    "_ITM_deregisterTMCloneTable", "__tls_get_addr",
};
static const char *const IopHostAllowedPrefixes[] = {
    "__asan_", "__ubsan_", "__sanitizer_", "__tsan_", "__msan_", "__lsan_", "__gcov_", "__llvm_",
};

typedef struct {
    const char *Name;
    const char *Why;
} IOP_REFUSAL;

#define IOP_WHY_PROCESS "ends or signals the host process: a driver stops with KeBugCheckEx"
#define IOP_WHY_JUMP "jumps across ntsim's frames: use __try/__except or ExRaiseStatus"
#define IOP_WHY_WIDE "host wide-string routine with a 32-bit wchar_t: include <wdm.h> to get ntsim's 16-bit one"
#define IOP_WHY_FORMAT "host formatter: %ld is 64-bit and %wZ unknown there; include <wdm.h> for ntsim's"
#define IOP_WHY_LONG "host routine on a 64-bit long: the Windows one returns 32 bits (RtlCharToInteger)"
#define IOP_WHY_HEAP "host heap, invisible to the leak audit: use ExAllocatePoolWithTag"
#define IOP_WHY_STDIO "host I/O: a driver prints with DbgPrint"
#define IOP_WHY_DL "host dynamic loader: reaches host routines behind the import check"

static const IOP_REFUSAL IopRefusals[] = {
    { "exit", IOP_WHY_PROCESS }, { "_exit", IOP_WHY_PROCESS }, { "_Exit", IOP_WHY_PROCESS },
    { "quick_exit", IOP_WHY_PROCESS }, { "abort", IOP_WHY_PROCESS }, { "raise", IOP_WHY_PROCESS },
    { "kill", IOP_WHY_PROCESS }, { "fork", IOP_WHY_PROCESS }, { "vfork", IOP_WHY_PROCESS },
    { "system", IOP_WHY_PROCESS }, { "execv", IOP_WHY_PROCESS }, { "execve", IOP_WHY_PROCESS },
    { "execvp", IOP_WHY_PROCESS }, { "execl", IOP_WHY_PROCESS }, { "execlp", IOP_WHY_PROCESS },
    { "execle", IOP_WHY_PROCESS }, { "posix_spawn", IOP_WHY_PROCESS }, { "atexit", IOP_WHY_PROCESS },
    { "signal", IOP_WHY_PROCESS }, { "sigaction", IOP_WHY_PROCESS }, { "pthread_exit", IOP_WHY_PROCESS },
    { "pthread_kill", IOP_WHY_PROCESS }, { "__assert_fail", IOP_WHY_PROCESS }, { "__assert_rtn", IOP_WHY_PROCESS },
    { "longjmp", IOP_WHY_JUMP }, { "_longjmp", IOP_WHY_JUMP }, { "siglongjmp", IOP_WHY_JUMP },
    { "__longjmp_chk", IOP_WHY_JUMP },
    { "wcslen", IOP_WHY_WIDE }, { "wcsnlen", IOP_WHY_WIDE }, { "wcscpy", IOP_WHY_WIDE },
    { "wcsncpy", IOP_WHY_WIDE }, { "wcscat", IOP_WHY_WIDE }, { "wcsncat", IOP_WHY_WIDE },
    { "wcscmp", IOP_WHY_WIDE }, { "wcsncmp", IOP_WHY_WIDE }, { "wcscasecmp", IOP_WHY_WIDE },
    { "wcsncasecmp", IOP_WHY_WIDE }, { "wcschr", IOP_WHY_WIDE }, { "wcsrchr", IOP_WHY_WIDE },
    { "wcsstr", IOP_WHY_WIDE }, { "towupper", IOP_WHY_WIDE }, { "towlower", IOP_WHY_WIDE },
    { "wmemcpy", IOP_WHY_WIDE }, { "wmemset", IOP_WHY_WIDE }, { "wcstombs", IOP_WHY_WIDE },
    { "mbstowcs", IOP_WHY_WIDE }, { "wcstoul", IOP_WHY_WIDE }, { "wcstol", IOP_WHY_WIDE },
    { "swprintf", IOP_WHY_WIDE }, { "vswprintf", IOP_WHY_WIDE },
    { "sprintf", IOP_WHY_FORMAT }, { "snprintf", IOP_WHY_FORMAT }, { "vsprintf", IOP_WHY_FORMAT },
    { "vsnprintf", IOP_WHY_FORMAT }, { "__sprintf_chk", IOP_WHY_FORMAT }, { "__snprintf_chk", IOP_WHY_FORMAT },
    { "__vsnprintf_chk", IOP_WHY_FORMAT }, { "__vsprintf_chk", IOP_WHY_FORMAT },
    { "strtol", IOP_WHY_LONG }, { "strtoul", IOP_WHY_LONG }, { "atol", IOP_WHY_LONG }, { "labs", IOP_WHY_LONG },
    { "malloc", IOP_WHY_HEAP }, { "calloc", IOP_WHY_HEAP }, { "realloc", IOP_WHY_HEAP }, { "free", IOP_WHY_HEAP },
    { "printf", IOP_WHY_STDIO }, { "fprintf", IOP_WHY_STDIO }, { "vprintf", IOP_WHY_STDIO },
    { "vfprintf", IOP_WHY_STDIO }, { "puts", IOP_WHY_STDIO }, { "putchar", IOP_WHY_STDIO },
    { "fputs", IOP_WHY_STDIO }, { "fwrite", IOP_WHY_STDIO }, { "__printf_chk", IOP_WHY_STDIO },
    { "__fprintf_chk", IOP_WHY_STDIO }, { "stdout", IOP_WHY_STDIO }, { "stderr", IOP_WHY_STDIO },
    { "dlsym", IOP_WHY_DL }, { "dlopen", IOP_WHY_DL }, { "dlvsym", IOP_WHY_DL },
};

/* docs/ddi-partial.txt, compiled in (generated by cmake/ntsim_partial.cmake). */
extern const char *const IopPartialDdis[][2];
extern const size_t IopPartialDdiCount;

/* ---- reading the image ---- */

typedef struct {
    unsigned char *Data;
    size_t Size;
} IOP_FILE;

static int IopReadFile(const char *Path, IOP_FILE *File)
{
    FILE *F = fopen(Path, "rb");
    if (F == NULL) {
        NtsimSetLastError("%s: cannot open: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    fseek(F, 0, SEEK_END);
    long Size = ftell(F);
    fseek(F, 0, SEEK_SET);
    File->Data = Size > 0 ? malloc((size_t)Size) : NULL;
    File->Size = (size_t)(Size > 0 ? Size : 0);
    int Ok = File->Data != NULL && fread(File->Data, 1, File->Size, F) == File->Size;
    fclose(F);
    if (!Ok) {
        free(File->Data);
        NtsimSetLastError("%s: cannot read the image", Path);
        return NTSIM_E_IO;
    }
    return 0;
}

static BOOLEAN IopInFile(const IOP_FILE *File, uint64_t Offset, uint64_t Size)
{
    return Offset <= File->Size && Size <= File->Size - Offset;
}

static const IOP_ELF_SECTION *IopSection(const IOP_FILE *File, const IOP_ELF_HEADER *Header, unsigned Index)
{
    if (Index >= Header->Shnum)
        return NULL;
    return (const IOP_ELF_SECTION *)(File->Data + Header->Shoff + (uint64_t)Index * Header->Shentsize);
}

/* The section's bytes, or NULL when they lie outside the file. */
static const unsigned char *IopSectionData(const IOP_FILE *File, const IOP_ELF_SECTION *Section)
{
    if (Section == NULL || !IopInFile(File, Section->Offset, Section->Size))
        return NULL;
    return File->Data + Section->Offset;
}

/* A section read as a table of 64-bit records (symbols, relocations): also NULL when it
 * is misaligned (File->Data is malloc's, so the offset decides). */
static const void *IopSectionTable(const IOP_FILE *File, const IOP_ELF_SECTION *Section)
{
    if (Section == NULL || Section->Offset % 8 != 0)
        return NULL;
    return IopSectionData(File, Section);
}

/* Is the NUL-terminated name at Offset of a string table of Size bytes equal to Wanted? */
static BOOLEAN IopNameIs(const char *Names, size_t Size, uint64_t Offset, const char *Wanted)
{
    size_t Length = strlen(Wanted);
    return Names && Offset < Size && Size - Offset > Length && memcmp(Names + Offset, Wanted, Length + 1) == 0;
}

static const char *IopCheckElf(const IOP_FILE *File, const IOP_ELF_HEADER **Out)
{
    static const unsigned char Magic[4] = { 0x7f, 'E', 'L', 'F' };
    if (File->Size < sizeof(IOP_ELF_HEADER) || memcmp(File->Data, Magic, 4) != 0) {
        if (File->Size >= 4 && (File->Data[0] == 0xcf || File->Data[0] == 0xce) && File->Data[1] == 0xfa)
            return "a Mach-O image: the import check reads ELF images only (on macOS dyld reports missing symbols)";
        return "not an ELF image";
    }
    const IOP_ELF_HEADER *Header = (const IOP_ELF_HEADER *)File->Data;
    if (Header->Ident[4] != 2 || Header->Ident[5] != 1)
        return "not a 64-bit little-endian ELF image (ntsim drivers are built for the host)";
    if (Header->Shentsize != sizeof(IOP_ELF_SECTION) ||
        !IopInFile(File, Header->Shoff, (uint64_t)Header->Shnum * sizeof(IOP_ELF_SECTION)))
        return "malformed ELF image: the section table lies outside the file";
    if (Header->Shoff % 8 != 0)
        return "malformed ELF image: the section table is misaligned";
    *Out = Header;
    return NULL;
}

/* ---- classification ---- */

typedef struct {
    ntsim_import *Items;
    size_t Count, Capacity;
    const char *Allowed; /* the image's own .ntsim.allow names, NUL-separated */
    size_t AllowedSize;
} IOP_IMPORTS;

static BOOLEAN IopImageAllows(const IOP_IMPORTS *List, const char *Name)
{
    for (size_t At = 0; At < List->AllowedSize;) {
        const char *Entry = List->Allowed + At;
        size_t Length = strnlen(Entry, List->AllowedSize - At);
        if (Length == strlen(Name) && memcmp(Entry, Name, Length) == 0)
            return TRUE;
        At += Length + 1;
    }
    return FALSE;
}

static BOOLEAN IopHostAllows(const char *Name)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(IopHostAllowed); i++)
        if (strcmp(IopHostAllowed[i], Name) == 0)
            return TRUE;
    for (size_t i = 0; i < RTL_NUMBER_OF(IopHostAllowedPrefixes); i++)
        if (strncmp(IopHostAllowedPrefixes[i], Name, strlen(IopHostAllowedPrefixes[i])) == 0)
            return TRUE;
    return FALSE;
}

static const char *IopRefusal(const char *Name)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(IopRefusals); i++)
        if (strcmp(IopRefusals[i].Name, Name) == 0)
            return IopRefusals[i].Why;
    return NULL;
}

#if defined(__linux__)
#include <link.h>

/* libntsim's mapped segments, found once: "is this address libntsim's" is then a range
 * test, where dladdr would search the symbol table for the nearest symbol every time
 * (that was most of a sweep baseline's import check). */
static uintptr_t IopSelfRanges[8][2];
static int IopSelfRangeCount = -1;

static int IopFindSelf(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size;
    uintptr_t Self = (uintptr_t)Data;
    int Count = 0;
    BOOLEAN Mine = FALSE;
    for (int i = 0; i < Info->dlpi_phnum && Count < 8; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        if (P->p_type != PT_LOAD)
            continue;
        IopSelfRanges[Count][0] = Info->dlpi_addr + P->p_vaddr;
        IopSelfRanges[Count][1] = IopSelfRanges[Count][0] + P->p_memsz;
        Mine |= Self >= IopSelfRanges[Count][0] && Self < IopSelfRanges[Count][1];
        Count++;
    }
    if (!Mine)
        return 0;
    IopSelfRangeCount = Count;
    return 1;
}

/* 1: Address is in libntsim; 0: it is not; -1: unknown (use dladdr). */
static int IopInSelf(const void *Address)
{
    if (IopSelfRangeCount < 0 && dl_iterate_phdr(IopFindSelf, (void *)(uintptr_t)&ntsim_image_imports) == 0)
        IopSelfRangeCount = 0;
    if (IopSelfRangeCount <= 0)
        return -1;
    for (int i = 0; i < IopSelfRangeCount; i++)
        if ((uintptr_t)Address >= IopSelfRanges[i][0] && (uintptr_t)Address < IopSelfRanges[i][1])
            return 1;
    return 0;
}
#else
static int IopInSelf(const void *Address)
{
    (void)Address;
    return -1;
}
#endif

/* Does libntsim itself define Name? dlsym on its handle also searches its dependencies
 * (libc among them), so the definition's object is compared with libntsim's. */
static BOOLEAN IopNtsimExports(const char *Name)
{
    static void *Self;
    static void *SelfBase;
    if (Self == NULL) {
        Dl_info Info;
        if (dladdr((void *)&ntsim_image_imports, &Info) == 0 || Info.dli_fname == NULL)
            return FALSE;
        SelfBase = Info.dli_fbase;
        Self = dlopen(Info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
        if (Self == NULL)
            Self = RTLD_DEFAULT;
    }
    void *Address = dlsym(Self, Name);
    if (Address == NULL)
        return FALSE;
    int Known = IopInSelf(Address);
    if (Known >= 0)
        return Known == 1;
    Dl_info Where;
    return dladdr(Address, &Where) != 0 && Where.dli_fbase == SelfBase;
}

static int IopComparePartial(const void *A, const void *B)
{
    return strcmp((*(const char *const *const *)A)[0], (*(const char *const *const *)B)[0]);
}

/* docs/ddi-partial.txt's rows, sorted by name once per process (a sweep's parent sorts
 * them before forking): each import is then a binary search, not a scan of the list. */
static const char *const **IopSortedPartials(void)
{
    static const char *const **Sorted;
    if (Sorted == NULL && IopPartialDdiCount) {
        const char *const **Rows = KiHostAlloc(IopPartialDdiCount * sizeof(*Rows));
        for (size_t i = 0; i < IopPartialDdiCount; i++)
            Rows[i] = IopPartialDdis[i];
        qsort(Rows, IopPartialDdiCount, sizeof(*Rows), IopComparePartial);
        Sorted = Rows;
    }
    return Sorted;
}

static const char *IopPartialNote(const char *Name)
{
    const char *Key[2] = { Name, NULL };
    const char *const *KeyRow = Key;
    const char *const **Sorted = IopSortedPartials();
    const char *const *const *Row =
        Sorted ? bsearch(&KeyRow, Sorted, IopPartialDdiCount, sizeof(*Sorted), IopComparePartial) : NULL;
    return Row ? (*Row)[1] : NULL;
}

/* ntsim's CRT is exported as NtsimCrt_<name> (docs/crt.md); report the driver's name. */
static const char *IopDisplayName(const char *Name)
{
    return strncmp(Name, "NtsimCrt_", 9) == 0 ? Name + 9 : Name;
}

static void IopClassify(const IOP_IMPORTS *List, const char *Name, ntsim_import *Import)
{
    const char *Why;
    Import->note = "";
    if (IopImageAllows(List, Name)) {
        Import->status = NTSIM_IMPORT_HOST_ALLOWED;
        Import->note = "allowed by the image (NTSIM_ALLOW_HOST_IMPORT)";
    } else if (IopNtsimExports(Name)) {
        const char *Note = IopPartialNote(IopDisplayName(Name));
        Import->status = Note ? NTSIM_IMPORT_PARTIAL : NTSIM_IMPORT_IMPLEMENTED;
        Import->note = Note ? Note : (Name != IopDisplayName(Name) ? "ntsim C runtime (16-bit WCHAR)" : "");
    } else if ((Why = IopRefusal(Name)) != NULL) {
        Import->status = NTSIM_IMPORT_REFUSED;
        Import->note = Why;
    } else if (IopHostAllows(Name)) {
        Import->status = NTSIM_IMPORT_HOST_ALLOWED;
    } else {
        Import->status = NTSIM_IMPORT_MISSING;
        Import->note = "ntsim does not implement it (docs/ddi-status.md)";
    }
}

static void IopAddImport(IOP_IMPORTS *List, const char *Name, int IsData)
{
    for (size_t i = 0; i < List->Count; i++)
        if (strcmp(List->Items[i].name, Name) == 0)
            return;
    if (List->Count == List->Capacity) {
        List->Capacity = List->Capacity ? List->Capacity * 2 : 64;
        List->Items = realloc(List->Items, List->Capacity * sizeof(*List->Items));
        if (List->Items == NULL)
            abort(); /* the host is out of memory: nothing sensible to report */
    }
    ntsim_import *Import = &List->Items[List->Count++];
    Import->name = KiHostStrdup(Name);
    Import->is_data = IsData;
    IopClassify(List, Name, Import);
}

/* Is symbol Index of the dynamic symbol table called through the PLT? Undefined
 * symbols ld could not resolve at link time have no type; their relocation tells. */
static BOOLEAN IopCalledThroughPlt(const IOP_FILE *File, const IOP_ELF_HEADER *Header, const char *SectionNames,
                                   size_t NamesSize, unsigned DynsymIndex, uint32_t Index)
{
    for (unsigned s = 0; s < Header->Shnum; s++) {
        const IOP_ELF_SECTION *Section = IopSection(File, Header, s);
        if (Section->Type != IOP_SHT_RELA || Section->Link != DynsymIndex ||
            !IopNameIs(SectionNames, NamesSize, Section->Name, ".rela.plt"))
            continue;
        const IOP_ELF_RELA *Rela = IopSectionTable(File, Section);
        if (Rela == NULL)
            continue;
        for (size_t r = 0; r < Section->Size / sizeof(IOP_ELF_RELA); r++)
            if ((uint32_t)(Rela[r].Info >> 32) == Index)
                return TRUE;
    }
    return FALSE;
}

static int IopCompareImports(const void *A, const void *B)
{
    const ntsim_import *X = A, *Y = B;
    if (X->is_data != Y->is_data)
        return X->is_data - Y->is_data;
    return strcmp(X->name, Y->name);
}

static const char *IopReadImports(const IOP_FILE *File, IOP_IMPORTS *List)
{
    const IOP_ELF_HEADER *Header;
    const char *Problem = IopCheckElf(File, &Header);
    if (Problem)
        return Problem;
    const IOP_ELF_SECTION *NamesSection = IopSection(File, Header, Header->Shstrndx);
    const char *SectionNames = (const char *)IopSectionData(File, NamesSection);
    size_t NamesSize = SectionNames ? NamesSection->Size : 0;
    unsigned Dynsym = 0;
    for (unsigned s = 0; s < Header->Shnum; s++) {
        const IOP_ELF_SECTION *Section = IopSection(File, Header, s);
        if (Section->Type == IOP_SHT_DYNSYM)
            Dynsym = s;
        else if (IopNameIs(SectionNames, NamesSize, Section->Name, IOP_ALLOW_SECTION) && IopSectionData(File, Section)) {
            List->Allowed = (const char *)IopSectionData(File, Section);
            List->AllowedSize = Section->Size;
        }
    }
    if (Dynsym == 0)
        return "no dynamic symbol table (is it a shared object built by ntsim_add_driver?)";
    const IOP_ELF_SECTION *Symbols = IopSection(File, Header, Dynsym);
    const IOP_ELF_SECTION *StringsSection = IopSection(File, Header, Symbols->Link);
    const IOP_ELF_SYMBOL *Table = IopSectionTable(File, Symbols);
    const char *Strings = (const char *)IopSectionData(File, StringsSection);
    if (Table == NULL || Strings == NULL || Symbols->Entsize != sizeof(IOP_ELF_SYMBOL))
        return "malformed ELF image: the dynamic symbol table lies outside the file or is misaligned";
    for (uint32_t i = 1; i < Symbols->Size / sizeof(IOP_ELF_SYMBOL); i++) {
        const IOP_ELF_SYMBOL *Symbol = &Table[i];
        unsigned Bind = Symbol->Info >> 4, Type = Symbol->Info & 0xf;
        if (Symbol->Shndx != 0 || Bind == IOP_STB_WEAK || Symbol->Name == 0 || Symbol->Name >= StringsSection->Size)
            continue; /* defined here, or weak: resolves to NULL when absent, not a call the driver makes */
        const char *Name = Strings + Symbol->Name;
        if (strnlen(Name, StringsSection->Size - Symbol->Name) == StringsSection->Size - Symbol->Name)
            return "malformed ELF image: an unterminated symbol name";
        int IsData = Type == IOP_STT_OBJECT || Type == IOP_STT_TLS ||
                     (Type != IOP_STT_FUNC && !IopCalledThroughPlt(File, Header, SectionNames, NamesSize, Dynsym, i));
        IopAddImport(List, Name, IsData);
    }
    return NULL;
}

int ntsim_image_imports(const char *image_path, ntsim_import **imports, size_t *count)
{
    if (image_path == NULL || imports == NULL || count == NULL) {
        NtsimSetLastError("ntsim_image_imports: NULL argument");
        return NTSIM_E_ARGS;
    }
    *imports = NULL;
    *count = 0;
    IOP_FILE File;
    int Rc = IopReadFile(image_path, &File);
    if (Rc != 0)
        return Rc;
    IOP_IMPORTS List = { 0 };
    const char *Problem = IopReadImports(&File, &List);
    free(File.Data);
    if (Problem) {
        ntsim_imports_free(List.Items, List.Count);
        NtsimSetLastError("%s: %s", image_path, Problem);
        return NTSIM_E_ARGS;
    }
    if (List.Count) /* an image without imports has no array (qsort wants one) */
        qsort(List.Items, List.Count, sizeof(*List.Items), IopCompareImports);
    *imports = List.Items;
    *count = List.Count;
    return 0;
}

void ntsim_imports_free(ntsim_import *imports, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free((void *)imports[i].name);
    free(imports);
}

const char *ntsim_import_status_name(ntsim_import_status status)
{
    switch (status) {
    case NTSIM_IMPORT_IMPLEMENTED: return "implemented";
    case NTSIM_IMPORT_PARTIAL: return "partial";
    case NTSIM_IMPORT_HOST_ALLOWED: return "host-allowed";
    case NTSIM_IMPORT_MISSING: return "missing";
    case NTSIM_IMPORT_REFUSED: return "refused";
    }
    return "?";
}

int ntsim_import_blocks_load(ntsim_import_status status)
{
    return status == NTSIM_IMPORT_MISSING || status == NTSIM_IMPORT_REFUSED;
}

/* ---- the loader's check ---- */

static size_t IopListBlocked(char *Out, size_t Size, const ntsim_import *Imports, size_t Count, int Data)
{
    size_t Used = 0, Listed = 0;
    for (size_t i = 0; i < Count; i++) {
        const ntsim_import *I = &Imports[i];
        if (I->is_data != Data || !ntsim_import_blocks_load(I->status))
            continue;
        if (Listed++ == 0)
            Used += (size_t)snprintf(Out + Used, Used < Size ? Size - Used : 0, "\n  %s:",
                                     Data ? "data" : "routines");
        Used += (size_t)snprintf(Out + Used, Used < Size ? Size - Used : 0, "\n    %s: %s (%s)",
                                 IopDisplayName(I->name), ntsim_import_status_name(I->status), I->note);
    }
    return Listed;
}

/* 0 when the image may be loaded (or cannot be checked on this host); NTSIM_E_LOAD with
 * every offending import named in the last error otherwise. */
int IopCheckImageImports(const char *ImagePath)
{
    ntsim_import *Imports;
    size_t Count;
    int Rc = ntsim_image_imports(ImagePath, &Imports, &Count);
    if (Rc == NTSIM_E_ARGS && strstr(ntsim_last_error(), "Mach-O") != NULL)
        return 0; /* macOS: dyld names missing symbols itself (docs/building-drivers.md) */
    if (Rc != 0) {
        char Problem[1024];
        snprintf(Problem, sizeof(Problem), "%s", ntsim_last_error());
        NtsimSetLastError("cannot load: %s", Problem);
        return NTSIM_E_LOAD;
    }
    char Functions[3072] = "", Data[1024] = "";
    size_t Blocked = IopListBlocked(Functions, sizeof(Functions), Imports, Count, 0) +
                     IopListBlocked(Data, sizeof(Data), Imports, Count, 1);
    if (Blocked)
        NtsimSetLastError("%s: refused: %zu import%s ntsim does not provide to drivers%s%s", ImagePath, Blocked,
                          Blocked == 1 ? "" : "s", Functions, Data);
    ntsim_imports_free(Imports, Count);
    return Blocked ? NTSIM_E_LOAD : 0;
}
