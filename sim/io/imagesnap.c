/* imagesnap.c - a driver image's writable data kept as it was right after mapping, so
 * that one process can run the image's DriverEntry many times, each time from fresh
 * globals (the persistent fault sweep, docs/faults.md "Persistent mode").
 *
 * dlopen maps an image once; a second dlopen of the same path only counts a reference,
 * and the image's .data/.bss keep what the last run left there. A snapshot copies the
 * image's writable PT_LOAD segments (minus the part PT_GNU_RELRO made read-only after
 * relocation) while no driver code has run; the loader puts them back before every
 * DriverEntry of that image. That is exactly the state a fresh dlopen produces: the
 * same relocations (the image does not move while a reference is held) and the effect
 * of its constructors, which ran before the snapshot. Not restored: thread-local
 * storage (an image with a PT_TLS segment is refused) and anything outside the image;
 * the simulator's own state is reset by recreating the machine. */
#include "io/iop.h"

#include <dlfcn.h>
#include <unistd.h>

#if defined(__linux__)
#include <link.h>
#endif

#define IOP_SNAPSHOT_RANGES 8

typedef struct _IOP_SNAPSHOT_RANGE {
    uintptr_t Start;
    size_t Size;
    unsigned char *Saved;
} IOP_SNAPSHOT_RANGE;

static struct {
    char *Path;
    void *Handle;                 /* the reference that keeps the image mapped */
    PDRIVER_INITIALIZE Entry;
    IOP_SNAPSHOT_RANGE Ranges[IOP_SNAPSHOT_RANGES];
    unsigned RangeCount;
    size_t Bytes;
} IopSnapshot;

/* A plain word copy the sanitizers do not check: the image's data holds ASan's
 * redzones between globals, which a checked memcpy would report. Volatile keeps the
 * compiler from turning the loop back into a (checked) memcpy call. */
__attribute__((no_sanitize("address", "undefined"))) static void IopCopyUnchecked(void *To, const void *From, size_t Size)
{
    volatile unsigned char *D = To;
    const volatile unsigned char *S = From;
    size_t i = 0;
    for (; i + sizeof(uintptr_t) <= Size; i += sizeof(uintptr_t))
        *(volatile uintptr_t *)(D + i) = *(const volatile uintptr_t *)(S + i);
    for (; i < Size; i++)
        D[i] = S[i];
}

#if defined(__linux__)
typedef struct _IOP_FIND_IMAGE {
    uintptr_t Inside;   /* an address in the image (its DriverEntry) */
    BOOLEAN Found, HasTls;
    char Error[160];
} IOP_FIND_IMAGE;

static void IopAddRange(IOP_FIND_IMAGE *Find, uintptr_t Start, uintptr_t End)
{
    if (End <= Start)
        return;
    if (IopSnapshot.RangeCount == IOP_SNAPSHOT_RANGES) {
        snprintf(Find->Error, sizeof(Find->Error), "more than %d writable segments", IOP_SNAPSHOT_RANGES);
        return;
    }
    IOP_SNAPSHOT_RANGE *R = &IopSnapshot.Ranges[IopSnapshot.RangeCount++];
    R->Start = Start;
    R->Size = End - Start;
    R->Saved = KiHostAlloc(R->Size);
    IopCopyUnchecked(R->Saved, (void *)Start, R->Size);
    IopSnapshot.Bytes += R->Size;
}

static BOOLEAN IopPhdrContains(struct dl_phdr_info *Info, uintptr_t Address)
{
    for (int i = 0; i < Info->dlpi_phnum; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        uintptr_t Start = Info->dlpi_addr + P->p_vaddr;
        if (P->p_type == PT_LOAD && Address >= Start && Address < Start + P->p_memsz)
            return TRUE;
    }
    return FALSE;
}

static int IopSnapshotSegments(struct dl_phdr_info *Info, size_t Size, void *Data)
{
    (void)Size;
    IOP_FIND_IMAGE *Find = Data;
    if (!IopPhdrContains(Info, Find->Inside))
        return 0;
    Find->Found = TRUE;
    uintptr_t RelroEnd = 0;
    long Page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < Info->dlpi_phnum; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        if (P->p_type == PT_TLS)
            Find->HasTls = TRUE;
        if (P->p_type == PT_GNU_RELRO) /* read-only once relocated, rounded down as ld.so does */
            RelroEnd = (Info->dlpi_addr + P->p_vaddr + P->p_memsz) & ~(uintptr_t)(Page - 1);
    }
    for (int i = 0; i < Info->dlpi_phnum && !Find->HasTls && !Find->Error[0]; i++) {
        const ElfW(Phdr) *P = &Info->dlpi_phdr[i];
        if (P->p_type != PT_LOAD || !(P->p_flags & PF_W))
            continue;
        uintptr_t Start = Info->dlpi_addr + P->p_vaddr, End = Start + P->p_memsz;
        if (RelroEnd > Start)
            Start = RelroEnd < End ? RelroEnd : End;
        IopAddRange(Find, Start, End);
    }
    return 1;
}
#endif

void IopReleaseImageSnapshot(void)
{
    for (unsigned i = 0; i < IopSnapshot.RangeCount; i++)
        free(IopSnapshot.Ranges[i].Saved);
    if (IopSnapshot.Handle)
        dlclose(IopSnapshot.Handle);
    KiWatchdogImagesChanged();
    free(IopSnapshot.Path);
    memset(&IopSnapshot, 0, sizeof(IopSnapshot));
}

/* Map Path (already checked by the caller) and keep its writable data. 0 on success;
 * otherwise NTSIM_E_* with the reason (the caller falls back to a fork per run). */
int IopSnapshotImage(const char *Path)
{
    IopReleaseImageSnapshot();
#if defined(__linux__)
    void *Handle = dlopen(Path, RTLD_NOW | RTLD_LOCAL);
    PDRIVER_INITIALIZE Entry = Handle ? (PDRIVER_INITIALIZE)dlsym(Handle, "DriverEntry") : NULL;
    if (Entry == NULL) {
        NtsimSetLastError("%s: cannot snapshot: %s", Path, Handle ? "no DriverEntry" : dlerror());
        if (Handle)
            dlclose(Handle);
        return NTSIM_E_LOAD;
    }
    IopSnapshot.Handle = Handle;
    IopSnapshot.Entry = Entry;
    KiWatchdogImagesChanged();
    IOP_FIND_IMAGE Find = { .Inside = (uintptr_t)Entry };
    dl_iterate_phdr(IopSnapshotSegments, &Find);
    if (!Find.Found || Find.HasTls || Find.Error[0]) {
        NtsimSetLastError("%s: cannot snapshot: %s", Path,
                          !Find.Found ? "its segments were not found" : Find.HasTls ? "it has thread-local storage" : Find.Error);
        IopReleaseImageSnapshot();
        return NTSIM_E_LOAD;
    }
    IopSnapshot.Path = KiHostStrdup(Path);
    return 0;
#else
    /* macOS: the writable sections would come from getsectiondata() on the image's
     * Mach-O header; not done yet, so sweeps there fork a child per run. */
    NtsimSetLastError("%s: cannot snapshot: image snapshots are implemented for ELF (Linux) only", Path);
    return NTSIM_E_STATE;
#endif
}

/* The loader's question before it maps Path: is it the snapshotted image? Then its
 * data is put back as it was before any DriverEntry, a reference is taken (the
 * loader's dlclose at unload gives it back), and the checks it passed when the
 * snapshot was made are not repeated. NULL otherwise. */
void *IopReuseSnapshottedImage(const char *Path, PDRIVER_INITIALIZE *Entry)
{
    if (IopSnapshot.Path == NULL || strcmp(Path, IopSnapshot.Path) != 0)
        return NULL;
    void *Handle = dlopen(Path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (Handle == NULL)
        return NULL;
    for (unsigned i = 0; i < IopSnapshot.RangeCount; i++)
        IopCopyUnchecked((void *)IopSnapshot.Ranges[i].Start, IopSnapshot.Ranges[i].Saved, IopSnapshot.Ranges[i].Size);
    *Entry = IopSnapshot.Entry;
    return Handle;
}

size_t IopImageSnapshotBytes(void)
{
    return IopSnapshot.Bytes;
}
