/* user.c - the simulated user address range, probes, and poisoned memory.
 *
 * Buffers a test passes to ntsim_read/write/ioctl are copied into one mapped region
 * that plays the part of user space: ProbeForRead/ProbeForWrite accept exactly that
 * range (so a kernel pointer handed to a probe raises STATUS_ACCESS_VIOLATION, as on
 * Windows when it lies above MmUserProbeAddress). Poisoned memory (the RegistryPath
 * buffer after DriverEntry) is mapped PROT_NONE so a late access faults and is named.
 * The lower half of the range holds buffers only the I/O manager touches (buffered and
 * direct I/O); the upper half, buffers a driver gets as raw addresses (userbuf.c). */
#include "mm/mip.h"
#include "ke/kep.h"

#include <sys/mman.h>
#include <unistd.h>

#define MI_USER_SIZE (64u << 20)

static char *MiUserBase;
static size_t MiUserUsed;
static size_t MiUserHigh; /* the most of the lower half used since it was last cleared */
static unsigned MiUserLive;

PVOID MmHighestUserAddress;
PVOID MmSystemRangeStart;
ULONG_PTR MmUserProbeAddress;

typedef struct _MI_POISON {
    struct _MI_POISON *Next;
    void *Address;
    size_t Size;
    char *Description;
} MI_POISON;
static MI_POISON *MiPoisonList;

void MiInitializeUserSpace(void)
{
    if (MiUserBase == NULL) {
        void *Base = mmap(NULL, MI_USER_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON | MAP_NORESERVE, -1, 0);
        if (Base == MAP_FAILED) {
            perror("ntsim: mapping the simulated user range");
            abort();
        }
        MiUserBase = Base;
    }
    MiUserUsed = 0;
    MiUserLive = 0;
    MiInitializeProtectedUser(MiUserBase + MI_USER_SIZE / 2, MI_USER_SIZE / 2);
    MmUserProbeAddress = (ULONG_PTR)MiUserBase + MI_USER_SIZE;
    MmHighestUserAddress = (PVOID)(MmUserProbeAddress - 1);
    MmSystemRangeStart = (PVOID)MmUserProbeAddress;
}

/* The range stays mapped for the next machine of the process, made to read as a fresh
 * mapping: the lower half is cleared as far as it was used; the upper half's pages are
 * inaccessible until a buffer is placed on them, and a placed buffer clears the old
 * bytes around it (userbuf.c). One mapping per machine was a good part of what a fault
 * sweep's run cost, and mapping it afresh made every later buffer of a fuzzer's reset
 * machine fault in new pages. */
void MiShutdownUserSpace(void)
{
    if (MiUserBase)
        memset(MiUserBase, 0, MiUserHigh);
    MiUserHigh = 0;
    MiInitializeProtectedUser(NULL, 0);
}

/* A bump allocator that rewinds when no user buffer is live: requests are short-lived. */
void *MiAllocateUser(size_t Size)
{
    size_t Rounded = (Size + 63) & ~(size_t)63;
    if (Rounded == 0)
        Rounded = 64;
    if (MiUserUsed + Rounded > MI_USER_SIZE / 2)
        return NULL;
    void *P = MiUserBase + MiUserUsed;
    MiUserUsed += Rounded;
    if (MiUserUsed > MiUserHigh)
        MiUserHigh = MiUserUsed;
    MiUserLive++;
    return P;
}

/* Twice per request: the lower half (buffered and direct I/O) is tested first, with
 * one compare; only other addresses can be protected buffers (userbuf.c). */
void MiFreeUser(void *Address)
{
    if ((uintptr_t)Address - (uintptr_t)MiUserBase < MI_USER_SIZE / 2) {
        if (MiUserLive && --MiUserLive == 0)
            MiUserUsed = 0;
        return;
    }
    if (MiIsProtectedUser(Address))
        MiFreeProtectedUser(Address);
}

BOOLEAN MiIsUserRange(const void *Address, size_t Length)
{
    ULONG_PTR Start = (ULONG_PTR)Address;
    ULONG_PTR Base = (ULONG_PTR)MiUserBase;
    return MiUserBase != NULL && Start >= Base && Length <= MI_USER_SIZE && Start - Base <= MI_USER_SIZE - Length;
}

static DECLSPEC_NORETURN void MiRaise(NTSTATUS Status, NTSIM_SITE Site)
{
    extern void KiRaiseStatusAt(NTSTATUS Status, NTSIM_SITE Site);
    KiRaiseStatusAt(Status, Site);
    abort();
}

static void MiProbe(const volatile void *Address, SIZE_T Length, ULONG Alignment, NTSIM_SITE Site)
{
    if (Length == 0)
        return;
    if (Alignment != 1 && Alignment != 2 && Alignment != 4 && Alignment != 8 && Alignment != 16)
        KiBugCheck(0xC4, 0x1020 /* approximate */, Alignment, 0, 0, Site, "probe with alignment %u", Alignment);
    if (((ULONG_PTR)Address & (Alignment - 1)) != 0)
        MiRaise(STATUS_DATATYPE_MISALIGNMENT, Site);
    if (!MiIsUserRange((const void *)Address, Length))
        MiRaise(STATUS_ACCESS_VIOLATION, Site);
    MiProbeProtectedUser((const void *)Address, Length);
}

VOID ProbeForRead(const volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    MiProbe(Address, Length, Alignment, KiTakeSite());
}

VOID ProbeForWrite(volatile VOID *Address, SIZE_T Length, ULONG Alignment)
{
    MiProbe(Address, Length, Alignment, KiTakeSite());
}

/* Windows never maps the lowest 64 KiB (NULL plus a small offset is a classic bug), so
 * those addresses are invalid whatever the host has there; above that, the page must be
 * mapped in this process (msync fails with ENOMEM on an unmapped range) and not poisoned. */
#define MI_LOWEST_VALID_ADDRESS 0x10000u

BOOLEAN MmIsAddressValid(PVOID VirtualAddress)
{
    KiTakeSite();
    if ((ULONG_PTR)VirtualAddress < MI_LOWEST_VALID_ADDRESS)
        return FALSE;
    size_t Page = (size_t)sysconf(_SC_PAGESIZE);
    void *Base = (void *)((ULONG_PTR)VirtualAddress & ~(ULONG_PTR)(Page - 1));
    if (msync(Base, Page, MS_ASYNC) != 0)
        return FALSE;
    char Description[8];
    return !MiDescribePoisonedAddress(VirtualAddress, Description, sizeof(Description));
}

/* ---- poisoned memory ---- */

/* Poisoned buffers of machines gone, kept for the next machines (a fault sweep loads
 * one driver per machine, thousands of machines per process): mapping, first touch
 * and unmapping cost more than making a kept one accessible and clearing it. */
#define MI_POISON_KEPT 8
static struct {
    void *Address;
    size_t Size;
} MiPoisonKept[MI_POISON_KEPT];
static unsigned MiPoisonKeptCount;

static void *MiTakeKeptPoisonable(size_t Mapped)
{
    for (unsigned i = 0; i < MiPoisonKeptCount; i++) {
        if (MiPoisonKept[i].Size != Mapped)
            continue;
        void *P = MiPoisonKept[i].Address;
        if (mprotect(P, Mapped, PROT_READ | PROT_WRITE) != 0)
            return NULL;
        MiPoisonKept[i] = MiPoisonKept[--MiPoisonKeptCount];
        memset(P, 0, Mapped); /* as a fresh mapping */
        return P;
    }
    return NULL;
}

void *MiAllocatePoisonable(size_t Size, size_t *MappedSize)
{
    size_t Page = (size_t)sysconf(_SC_PAGESIZE);
    size_t Mapped = (Size + Page - 1) / Page * Page;
    void *P = MiTakeKeptPoisonable(Mapped);
    if (P == NULL)
        P = mmap(NULL, Mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON, -1, 0);
    if (P == MAP_FAILED) {
        perror("ntsim: mapping a poisonable buffer");
        abort();
    }
    *MappedSize = Mapped;
    return P;
}

void MiPoison(void *Address, size_t Size, const char *Description)
{
    mprotect(Address, Size, PROT_NONE);
    MI_POISON *Entry = KiHostAlloc(sizeof(*Entry));
    Entry->Address = Address;
    Entry->Size = Size;
    Entry->Description = KiHostStrdup(Description);
    Entry->Next = MiPoisonList;
    MiPoisonList = Entry;
}

BOOLEAN MiDescribePoisonedAddress(const void *Address, char *Buffer, size_t Size)
{
    for (MI_POISON *P = MiPoisonList; P; P = P->Next) {
        if ((const char *)Address >= (const char *)P->Address &&
            (const char *)Address < (const char *)P->Address + P->Size) {
            snprintf(Buffer, Size, "%s", P->Description);
            return TRUE;
        }
    }
    return FALSE;
}

void MiReleasePoisoned(void)
{
    while (MiPoisonList) {
        MI_POISON *P = MiPoisonList;
        MiPoisonList = P->Next;
        if (MiPoisonKeptCount < MI_POISON_KEPT) { /* still inaccessible, as it is kept */
            MiPoisonKept[MiPoisonKeptCount].Address = P->Address;
            MiPoisonKept[MiPoisonKeptCount++].Size = P->Size;
        } else {
            munmap(P->Address, P->Size);
        }
        free(P->Description);
        free(P);
    }
}

KPROCESSOR_MODE ExGetPreviousMode(VOID)
{
    return KiPreviousMode();
}
