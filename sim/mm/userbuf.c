/* userbuf.c - user buffers that behave like user memory (rule UM-01).
 *
 * A driver gets raw user addresses for METHOD_NEITHER device controls and for reads
 * and writes on a device with neither buffered nor direct I/O. Those buffers come from
 * the upper half of the simulated user range, each on pages of its own that end at an
 * inaccessible guard page, and the pages stay inaccessible until the driver probes
 * them (ProbeForRead/ProbeForWrite make the probed pages accessible). So:
 *   - an access without a probe faults: UM-01, then the page is made accessible and
 *     the access goes on (on Windows it would succeed, unchecked);
 *   - an access past the end of the buffer faults in the guard page: UM-01, and the
 *     access raises STATUS_ACCESS_VIOLATION in the driver's __try frame, as a bad user
 *     address does on Windows (without a frame, the machine stops: 0x50);
 *   - once the request completes its pages become inaccessible again, so a late access
 *     (a DPC or timer still holding the pointer) faults: UM-01, and it goes on.
 * Probes work at page granularity: an access beyond the probed length but on a probed
 * page is not seen. The fault handler (ke/bugcheck.c) calls MiHandleUserFault; findings
 * are reported when the host call returns (MiFlushUserFindings), not inside the signal
 * handler. */
#include "mm/mip.h"
#include "ke/kep.h"

#include <sys/mman.h>
#include <unistd.h>

#define MI_USER_BUFFERS 64       /* live and recently completed buffers remembered */
#define MI_PENDING_FINDINGS 16

typedef enum _MI_USER_STATE { MiUserFree, MiUserLive, MiUserCompleted } MI_USER_STATE;

typedef struct _MI_USER_BUFFER {
    MI_USER_STATE State;
    char *Pages;          /* the buffer's pages (the guard page follows) */
    size_t PagesLength;
    char *Start;          /* the buffer the driver sees, ending at most 15 bytes before the guard */
    size_t Size;
    BOOLEAN Probed, Reported;
    char What[96];        /* "input buffer of IOCTL 0x222003 (METHOD_NEITHER)" */
} MI_USER_BUFFER;

typedef struct _MI_PENDING {
    PDRIVER_OBJECT Driver; /* whose code was running */
    void *Pc;
    void *Address;
    char Text[256];
} MI_PENDING;

static char *MiRegion;          /* the upper half of the user range */
static size_t MiRegionSize, MiRegionUsed;
static char *MiRegionMapped;    /* the mapping MiRegionHigh is about */
static size_t MiRegionHigh;     /* bytes of it ever handed out: their pages hold old data */
static char *MiRegionClosed;    /* a region made inaccessible that no buffer used since */
static MI_USER_BUFFER MiBuffers[MI_USER_BUFFERS];
static unsigned MiNextBuffer;
static unsigned MiBuffersUsed; /* records written since the last reset: 0..n-1 (they are taken in order) */
static MI_PENDING MiPending[MI_PENDING_FINDINGS];
volatile unsigned MiPendingCount; /* read inline at every host-call exit (kep.h) */

static size_t MiPage(void)
{
    static size_t Page;
    if (Page == 0)
        Page = (size_t)sysconf(_SC_PAGESIZE);
    return Page;
}

/* Called when the user range is (re)mapped: the upper half becomes inaccessible. */
void MiInitializeProtectedUser(char *Region, size_t Size)
{
    MiRegion = Region;
    MiRegionSize = Size;
    MiRegionUsed = 0;
    if (Region && Region != MiRegionMapped) {
        MiRegionMapped = Region;
        MiRegionHigh = 0;
    }
    memset(MiBuffers, 0, MiBuffersUsed * sizeof(MiBuffers[0])); /* (most machines make no request) */
    MiBuffersUsed = 0;
    MiNextBuffer = 0;
    MiPendingCount = 0;
    if (Region && Region != MiRegionClosed) /* (a kept region nobody used is still so) */
        mprotect(Region, Size, PROT_NONE);
    if (Region)
        MiRegionClosed = Region;
}

static unsigned MiLiveCount(void)
{
    unsigned Live = 0;
    for (unsigned i = 0; i < MI_USER_BUFFERS; i++)
        Live += MiBuffers[i].State == MiUserLive;
    return Live;
}

static MI_USER_BUFFER *MiFindBuffer(const void *Address)
{
    const char *A = Address;
    for (unsigned i = 0; i < MI_USER_BUFFERS; i++) {
        MI_USER_BUFFER *B = &MiBuffers[i];
        if (B->State != MiUserFree && A >= B->Pages && A < B->Pages + B->PagesLength + MiPage())
            return B;
    }
    return NULL;
}

/* A copy of Data (Size bytes) in protected user memory, or NULL when there is no room
 * (the caller then uses ordinary user memory). */
void *MiAllocateProtectedUser(const void *Data, size_t Size, const char *What)
{
    size_t Page = MiPage();
    size_t Rounded = (Size + 15) & ~(size_t)15;
    size_t Length = (Rounded + Page - 1) / Page * Page;
    if (MiRegion == NULL || Size == 0)
        return NULL;
    if (MiRegionUsed + Length + Page > MiRegionSize) {
        if (MiLiveCount() != 0)
            return NULL;
        MiRegionUsed = 0; /* every page is inaccessible again already */
    }
    MI_USER_BUFFER *B = &MiBuffers[MiNextBuffer];
    if (B->State == MiUserLive)
        return NULL; /* 64 requests in flight: the rest go unprotected */
    if (MiNextBuffer >= MiBuffersUsed)
        MiBuffersUsed = MiNextBuffer + 1;
    MiNextBuffer = (MiNextBuffer + 1) % MI_USER_BUFFERS;
    memset(B, 0, sizeof(*B));
    B->Pages = MiRegion + MiRegionUsed;
    B->PagesLength = Length;
    B->Start = B->Pages + Length - Rounded;
    B->Size = Size;
    B->State = MiUserLive;
    snprintf(B->What, sizeof(B->What), "%s", What);
    MiRegionUsed += Length + Page;
    MiRegionClosed = NULL;
    mprotect(B->Pages, Length, PROT_READ | PROT_WRITE);
    /* Pages used before (by this machine or an earlier one: the mapping is kept) read
     * as fresh ones around the buffer: a reset machine sees what a new process sees. */
    if (B->Pages < MiRegion + MiRegionHigh) {
        memset(B->Pages, 0, (size_t)(B->Start - B->Pages));
        memset(B->Start + Size, 0, Rounded - Size);
    }
    if (MiRegionUsed > MiRegionHigh)
        MiRegionHigh = MiRegionUsed;
    memcpy(B->Start, Data, Size);
    mprotect(B->Pages, Length, PROT_NONE);
    return B->Start;
}

BOOLEAN MiIsProtectedUser(const void *Address)
{
    return MiRegion && (const char *)Address >= MiRegion && (const char *)Address < MiRegion + MiRegionSize;
}

/* The host copies a completed request's output: open it for that moment. */
void MiCopyFromProtectedUser(void *To, const void *From, size_t Size)
{
    MI_USER_BUFFER *B = MiFindBuffer(From);
    if (B == NULL)
        return;
    mprotect(B->Pages, B->PagesLength, PROT_READ);
    memcpy(To, From, Size);
    mprotect(B->Pages, B->PagesLength, PROT_NONE);
}

/* The request completed: its pages close and stay closed until reused. */
void MiFreeProtectedUser(void *Address)
{
    MI_USER_BUFFER *B = MiFindBuffer(Address);
    if (B == NULL || B->State != MiUserLive)
        return;
    mprotect(B->Pages, B->PagesLength, PROT_NONE);
    B->State = MiUserCompleted;
}

/* ProbeForRead/ProbeForWrite of a range that lies in a live protected buffer: open the
 * probed pages (the range was already checked to be user addresses). */
void MiProbeProtectedUser(const void *Address, size_t Length)
{
    MI_USER_BUFFER *B = MiFindBuffer(Address);
    if (B == NULL || B->State != MiUserLive || Length == 0)
        return;
    size_t Page = MiPage();
    char *First = (char *)((ULONG_PTR)Address & ~(ULONG_PTR)(Page - 1));
    char *End = (char *)Address + Length;
    char *Limit = B->Pages + B->PagesLength; /* never the guard page */
    if (End > Limit)
        End = Limit;
    if (First < B->Pages || End <= First)
        return;
    size_t Span = ((size_t)(End - First) + Page - 1) / Page * Page;
    mprotect(First, Span, PROT_READ | PROT_WRITE);
    B->Probed = TRUE;
}

static void MiQueueFinding(void *Pc, void *Address, const char *Format, ...) __attribute__((format(printf, 3, 4)));
static void MiQueueFinding(void *Pc, void *Address, const char *Format, ...)
{
    if (MiPendingCount >= MI_PENDING_FINDINGS)
        return;
    MI_PENDING *P = &MiPending[MiPendingCount];
    va_list Args;
    va_start(Args, Format);
    vsnprintf(P->Text, sizeof(P->Text), Format, Args);
    va_end(Args);
    P->Driver = VfCurrentDriver();
    P->Pc = Pc;
    P->Address = Address;
    MiPendingCount++;
}

/* From the SIGSEGV/SIGBUS handler, for a fault inside driver code: MI_FAULT_RESUME (the
 * page is open now: retry the access), MI_FAULT_RAISE (raise STATUS_ACCESS_VIOLATION in
 * the driver), MI_FAULT_NOT_OURS. */
int MiHandleUserFault(void *Address, void *Pc)
{
    if (!MiIsProtectedUser(Address))
        return MI_FAULT_NOT_OURS;
    MI_USER_BUFFER *B = MiFindBuffer(Address);
    if (B == NULL)
        return MI_FAULT_NOT_OURS;
    size_t Page = MiPage();
    char *A = Address;
    long Offset = (long)(A - B->Start);
    if (A >= B->Pages + B->PagesLength) {
        MiQueueFinding(Pc, Address, "an access at offset %ld of the %zu-byte %s: past its end", Offset, B->Size,
                       B->What);
        return MI_FAULT_RAISE;
    }
    if (!B->Reported) {
        B->Reported = TRUE;
        if (B->State == MiUserCompleted)
            MiQueueFinding(Pc, Address, "an access at offset %ld of the %zu-byte %s after its request completed",
                           Offset, B->Size, B->What);
        else
            MiQueueFinding(Pc, Address,
                           "an access at offset %ld of the %zu-byte %s without a probe (ProbeForRead/ProbeForWrite "
                           "in __try first)",
                           Offset, B->Size, B->What);
    }
    char *PageStart = (char *)((ULONG_PTR)A & ~(ULONG_PTR)(Page - 1));
    mprotect(PageStart, Page, PROT_READ | PROT_WRITE);
    return MI_FAULT_RESUME;
}

/* Back in the host: report what the fault handler saw. */
void MiFlushUserFindings(void)
{
    unsigned Count = MiPendingCount;
    for (unsigned i = 0; i < Count; i++) {
        char Where[768];
        KiDescribeCode(MiPending[i].Pc, Where, sizeof(Where));
        VfReport("UM-01", NTSIM_SEV_ERROR, MiPending[i].Driver, KiNoSite, "%s, by driver code at %s",
                 MiPending[i].Text, Where);
    }
    MiPendingCount = 0;
}
