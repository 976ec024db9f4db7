/* imagecheck.c - check a driver image file before anything maps it.
 *
 * dlopen maps an image's segments as the headers describe them; a truncated or
 * corrupt file makes the first touch of a page past the end fault (SIGBUS), in
 * whichever process mapped it. So every header the dynamic loader will trust is
 * read with plain reads and checked against the file's size first: a bad image is
 * a load error with a precise message, never a crash. */
#include "ntsimp.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/loader.h>
#else
#include <elf.h>
#endif

int IopCheckImageFile(const char *Path);

/* Offset + Count * Size lies within the file (no overflow). */
static BOOLEAN IopWithin(uint64_t FileSize, uint64_t Offset, uint64_t Count, uint64_t Size)
{
    if (Size && Count > UINT64_MAX / Size)
        return FALSE;
    uint64_t Length = Count * Size;
    return Offset <= FileSize && Length <= FileSize - Offset;
}

static BOOLEAN IopReadAt(int Fd, void *Buffer, size_t Length, uint64_t Offset)
{
    ssize_t N = pread(Fd, Buffer, Length, (off_t)Offset);
    return N == (ssize_t)Length;
}

#if defined(__APPLE__)
static int IopCheckMachO(int Fd, const char *Path, uint64_t Size)
{
    struct mach_header_64 Header;
    if (Size < sizeof(Header) || !IopReadAt(Fd, &Header, sizeof(Header), 0)) {
        NtsimSetLastError("%s: not a driver image: %llu bytes, too short for a Mach-O header", Path,
                          (unsigned long long)Size);
        return NTSIM_E_LOAD;
    }
    if (Header.magic != MH_MAGIC_64) {
        NtsimSetLastError("%s: not a driver image (no 64-bit Mach-O header)", Path);
        return NTSIM_E_LOAD;
    }
    if (!IopWithin(Size, sizeof(Header), 1, Header.sizeofcmds)) {
        NtsimSetLastError("%s: truncated or corrupt image: its load commands end past the end of the file (%llu bytes)",
                          Path, (unsigned long long)Size);
        return NTSIM_E_LOAD;
    }
    uint64_t Offset = sizeof(Header);
    for (uint32_t i = 0; i < Header.ncmds; i++) {
        struct load_command Command;
        if (!IopWithin(Size, Offset, 1, sizeof(Command)) || !IopReadAt(Fd, &Command, sizeof(Command), Offset) ||
            Command.cmdsize < sizeof(Command) || !IopWithin(Size, Offset, 1, Command.cmdsize)) {
            NtsimSetLastError("%s: corrupt image: load command %u is malformed", Path, i);
            return NTSIM_E_LOAD;
        }
        if (Command.cmd == LC_SEGMENT_64) {
            struct segment_command_64 Segment;
            if (Command.cmdsize < sizeof(Segment) || !IopReadAt(Fd, &Segment, sizeof(Segment), Offset) ||
                !IopWithin(Size, Segment.fileoff, 1, Segment.filesize)) {
                NtsimSetLastError("%s: truncated or corrupt image: segment %.16s needs bytes past the end of the file "
                                  "(%llu bytes)", Path, Segment.segname, (unsigned long long)Size);
                return NTSIM_E_LOAD;
            }
        }
        Offset += Command.cmdsize;
    }
    return 0;
}
#else
#if defined(__x86_64__)
#define IOP_HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define IOP_HOST_MACHINE EM_AARCH64
#endif

static int IopUnreadable(const char *Path, const char *What)
{
    NtsimSetLastError("%s: cannot read the %s headers: %s", Path, What, strerror(errno));
    return NTSIM_E_LOAD;
}

/* A header table in one read (a sweep loads the image once per run). */
static void *IopReadTable(int Fd, uint64_t Offset, size_t Count, size_t Size)
{
    void *Table = KiHostAlloc(Count * Size);
    if (!IopReadAt(Fd, Table, Count * Size, Offset)) {
        free(Table);
        return NULL;
    }
    return Table;
}

/* The loadable segments as the ELF specification has them: in ascending address
 * order, not overlapping, no more in the file than in memory, offset and address
 * congruent modulo a power-of-two alignment. The dynamic loader trusts all of it. */
static int IopCheckElfLayout(const char *Path, const Elf64_Phdr *Segments, unsigned Count)
{
    uint64_t End = 0;
    for (unsigned i = 0; i < Count; i++) {
        const Elf64_Phdr *S = &Segments[i];
        if (S->p_type != PT_LOAD)
            continue;
        uint64_t Align = S->p_align ? S->p_align : 1;
        BOOLEAN Bad = S->p_filesz > S->p_memsz || (Align & (Align - 1)) != 0 ||
                      (S->p_offset - S->p_vaddr) % Align != 0 || S->p_vaddr < End ||
                      S->p_memsz > ((uint64_t)1 << 32) || S->p_vaddr > ((uint64_t)1 << 40);
        if (Bad) {
            NtsimSetLastError("%s: corrupt image: loadable segment %u (address 0x%llx, %llu bytes in memory) is "
                              "misplaced, misaligned or overlaps the one before", Path, i,
                              (unsigned long long)S->p_vaddr, (unsigned long long)S->p_memsz);
            return NTSIM_E_LOAD;
        }
        End = S->p_vaddr + S->p_memsz;
    }
    return 0;
}

static int IopCheckElfSegments(int Fd, const char *Path, uint64_t Size, const Elf64_Ehdr *Header)
{
    if (Header->e_phnum == 0)
        return 0;
    if (Header->e_phentsize != sizeof(Elf64_Phdr) ||
        !IopWithin(Size, Header->e_phoff, Header->e_phnum, sizeof(Elf64_Phdr))) {
        NtsimSetLastError("%s: truncated or corrupt image: the program headers lie past the end of the file "
                          "(%llu bytes)", Path, (unsigned long long)Size);
        return NTSIM_E_LOAD;
    }
    Elf64_Phdr *Segments = IopReadTable(Fd, Header->e_phoff, Header->e_phnum, sizeof(Elf64_Phdr));
    if (Segments == NULL)
        return IopUnreadable(Path, "program");
    int Result = 0;
    for (unsigned i = 0; i < Header->e_phnum && Result == 0; i++) {
        const Elf64_Phdr *Segment = &Segments[i];
        if (Segment->p_type != PT_NULL && !IopWithin(Size, Segment->p_offset, 1, Segment->p_filesz)) {
            NtsimSetLastError("%s: truncated or corrupt image: segment %u needs bytes %llu..%llu, the file has %llu",
                              Path, i, (unsigned long long)Segment->p_offset,
                              (unsigned long long)(Segment->p_offset + Segment->p_filesz), (unsigned long long)Size);
            Result = NTSIM_E_LOAD;
        }
    }
    if (Result == 0)
        Result = IopCheckElfLayout(Path, Segments, Header->e_phnum);
    free(Segments);
    return Result;
}

static int IopCheckElfSections(int Fd, const char *Path, uint64_t Size, const Elf64_Ehdr *Header)
{
    if (Header->e_shnum == 0)
        return 0;
    if (Header->e_shentsize != sizeof(Elf64_Shdr) ||
        !IopWithin(Size, Header->e_shoff, Header->e_shnum, sizeof(Elf64_Shdr))) {
        NtsimSetLastError("%s: truncated or corrupt image: the section headers lie past the end of the file "
                          "(%llu bytes)", Path, (unsigned long long)Size);
        return NTSIM_E_LOAD;
    }
    Elf64_Shdr *Sections = IopReadTable(Fd, Header->e_shoff, Header->e_shnum, sizeof(Elf64_Shdr));
    if (Sections == NULL)
        return IopUnreadable(Path, "section");
    int Result = 0;
    for (unsigned i = 0; i < Header->e_shnum && Result == 0; i++) {
        const Elf64_Shdr *Section = &Sections[i];
        if (Section->sh_type != SHT_NOBITS && Section->sh_type != SHT_NULL &&
            !IopWithin(Size, Section->sh_offset, 1, Section->sh_size)) {
            NtsimSetLastError("%s: truncated or corrupt image: section %u needs bytes %llu..%llu, the file has %llu",
                              Path, i, (unsigned long long)Section->sh_offset,
                              (unsigned long long)(Section->sh_offset + Section->sh_size), (unsigned long long)Size);
            Result = NTSIM_E_LOAD;
        }
    }
    free(Sections);
    return Result;
}

static int IopCheckElf(int Fd, const char *Path, uint64_t Size)
{
    Elf64_Ehdr Header;
    if (Size < sizeof(Header) || !IopReadAt(Fd, &Header, sizeof(Header), 0)) {
        NtsimSetLastError("%s: not a driver image: %llu bytes, too short for an ELF header", Path,
                          (unsigned long long)Size);
        return NTSIM_E_LOAD;
    }
    if (memcmp(Header.e_ident, ELFMAG, SELFMAG) != 0) {
        NtsimSetLastError("%s: not a driver image (no ELF header)", Path);
        return NTSIM_E_LOAD;
    }
    if (Header.e_ident[EI_CLASS] != ELFCLASS64 || Header.e_type != ET_DYN) {
        NtsimSetLastError("%s: not a driver image: not a 64-bit shared object (build it with ntsim_add_driver)", Path);
        return NTSIM_E_LOAD;
    }
#ifdef IOP_HOST_MACHINE
    if (Header.e_machine != IOP_HOST_MACHINE) {
        NtsimSetLastError("%s: not a driver image for this host: built for ELF machine %u", Path, Header.e_machine);
        return NTSIM_E_LOAD;
    }
#endif
    int Result = IopCheckElfSegments(Fd, Path, Size, &Header);
    return Result ? Result : IopCheckElfSections(Fd, Path, Size, &Header);
}
#endif

/* 0 when Path holds a complete image for this host; NTSIM_E_LOAD (or NTSIM_E_IO when it
 * cannot be read) with the reason in ntsim_last_error() otherwise. */
int IopCheckImageFile(const char *Path)
{
    /* Mapped already (a sweep maps the image once and forks): it passed this check. */
    void *Loaded = dlopen(Path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    if (Loaded) {
        dlclose(Loaded);
        return 0;
    }
    int Fd = open(Path, O_RDONLY);
    if (Fd < 0) {
        NtsimSetLastError("%s: cannot read: %s", Path, strerror(errno));
        return NTSIM_E_IO;
    }
    struct stat Info;
    int Result;
    if (fstat(Fd, &Info) != 0 || !S_ISREG(Info.st_mode)) {
        NtsimSetLastError("%s: not a driver image (not a regular file)", Path);
        Result = NTSIM_E_LOAD;
    } else {
#if defined(__APPLE__)
        Result = IopCheckMachO(Fd, Path, (uint64_t)Info.st_size);
#else
        Result = IopCheckElf(Fd, Path, (uint64_t)Info.st_size);
#endif
    }
    close(Fd);
    return Result;
}

int ntsim_image_check(const char *ImagePath)
{
    if (ImagePath == NULL) {
        NtsimSetLastError("ntsim_image_check: no image path");
        return NTSIM_E_ARGS;
    }
    return IopCheckImageFile(ImagePath);
}
