/* context.c - per-thread simulator context: the driver source line of the DDI call in
 * progress (set by the nt/site.h macros), the previous mode, and small host-memory
 * helpers. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>

NTSIM_TLS const char *KiSiteFile; /* switched with the thread: KI_THREAD_LOCALS */
NTSIM_TLS int KiSiteLine;

/* The mode of the request being served (ExGetPreviousMode): UserMode while the I/O
 * manager dispatches a request the host sent as from user mode. */
static KPROCESSOR_MODE KiMode = KernelMode;

KPROCESSOR_MODE KiPreviousMode(void)
{
    return KiMode;
}

KPROCESSOR_MODE KiSetPreviousMode(KPROCESSOR_MODE Mode) /* returns the previous one */
{
    KPROCESSOR_MODE Old = KiMode;
    KiMode = Mode;
    return Old;
}

/* Every DDI call from a driver passes here first (nt/site.h): a safe point for
 * device interrupts, and in exploration mode a possible thread switch. */
void NtsimSetSite(const char *File, int Line)
{
    if (KiExploring)
        KiMaybeYield();
    if (__builtin_expect(KiWatchdogFlagged(), 0)) { /* TM-01: the watchdog fired (or SIGINT) */
        NTSIM_SITE Site = { File, Line };
        KiWatchdogSafePoint(Site);
    }
    HalpDeliverPendingInterrupts();
    KiSiteFile = File;
    KiSiteLine = Line;
}

/* The DDIs that record no site (nt/switch.h) pass here first: in exploration mode a
 * possible thread switch, as at NtsimSetSite; otherwise nothing. Only inside a host
 * call (as for KiUnwrappedDdiCall): host code building a string between host calls
 * must not run the machine's threads. */
void NtsimSwitchPoint(void)
{
    if (__builtin_expect(KiExploring, 0) && KiTopFrame != NULL)
        KiMaybeYield();
}

/* The slow half of KiTakeSite (ntsimp.h), for a driver's call above PASSIVE_LEVEL.
 * Not inlined: its return address is inside the DDI, which the SY-04 table check
 * (sim/verifier/irqltable.c) names. */
__attribute__((noinline)) void KiCheckSiteIrql(NTSIM_SITE Site)
{
    VfCheckDdiIrql(__builtin_return_address(0), KiCurrentIrql(), Site);
}

/* For DDIs drivers reach through function pointers (the DMA_OPERATIONS table), where
 * no site macro ran: name the calling code as "image!Function+0xoffset" (Line 0),
 * from the return address. Cheap (dladdr, no debug information) and stable between
 * runs. Names are interned for the life of the process. Such a call is a DDI
 * boundary like a macro-wrapped one: in exploration mode, a switch point. */
NTSIM_SITE KiTakeSiteOrCaller(void *ReturnAddress)
{
    NTSIM_SITE Site = KiTakeSite();
    if (__builtin_expect(KiExploring, 0) && Site.File == NULL)
        KiUnwrappedDdiCall(ReturnAddress);
    Dl_info Info;
    if (Site.File != NULL || ReturnAddress == NULL || !dladdr(ReturnAddress, &Info) || Info.dli_fname == NULL)
        return Site;
    static char *Interned[128];
    char Name[256];
    const char *Image = strrchr(Info.dli_fname, '/');
    Image = Image ? Image + 1 : Info.dli_fname;
    if (Info.dli_sname)
        snprintf(Name, sizeof(Name), "%s!%s+0x%lx", Image, Info.dli_sname,
                 (unsigned long)((char *)ReturnAddress - (char *)Info.dli_saddr));
    else
        snprintf(Name, sizeof(Name), "%s+0x%lx", Image, (unsigned long)((char *)ReturnAddress - (char *)Info.dli_fbase));
    size_t i;
    for (i = 0; i < RTL_NUMBER_OF(Interned) && Interned[i] && strcmp(Interned[i], Name) != 0; i++)
        ;
    if (i == RTL_NUMBER_OF(Interned))
        return Site;
    if (Interned[i] == NULL)
        Interned[i] = KiHostStrdup(Name);
    Site.File = Interned[i];
    Site.Line = 0;
    return Site;
}

/* Text then, when Line is not 0, ":Line", into Buffer: cut to fit and terminated, as
 * snprintf would, at a fraction of its cost (a site is formatted at every injection
 * point and every special pool free). */
static const char *KiFormatFileLine(char *Buffer, size_t Size, const char *Text, int Line)
{
    if (Size == 0)
        return Buffer;
    char Number[16];
    size_t Digits = 0;
    if (Line != 0) {
        unsigned Value = Line < 0 ? 0u - (unsigned)Line : (unsigned)Line;
        do
            Number[sizeof(Number) - 1 - Digits++] = (char)('0' + Value % 10);
        while ((Value /= 10) != 0);
        if (Line < 0)
            Number[sizeof(Number) - 1 - Digits++] = '-';
        Number[sizeof(Number) - 1 - Digits++] = ':';
    }
    size_t Used = 0, Length = strlen(Text);
    if (Length > Size - 1)
        Length = Size - 1;
    memcpy(Buffer, Text, Length);
    Used = Length;
    size_t Tail = Digits < Size - 1 - Used ? Digits : Size - 1 - Used;
    memcpy(Buffer + Used, Number + sizeof(Number) - Digits, Tail);
    Buffer[Used + Tail] = 0;
    return Buffer;
}

const char *KiCopyText(char *Buffer, size_t Size, const char *Text)
{
    return KiFormatFileLine(Buffer, Size, Text, 0);
}

const char *KiFormatSite(NTSIM_SITE Site, char *Buffer, size_t Size)
{
    /* no file: ""; Line 0: "image!Function+0xoffset" from KiTakeSiteOrCaller; else the
     * path as the compiler had it (absolute for images built by ntsim_add_driver), gcc
     * style, so that editors and CI annotations find the file */
    return KiFormatFileLine(Buffer, Size, Site.File ? Site.File : "", Site.File ? Site.Line : 0);
}

/* "echo.c:120": a fault-injection point's name (ctest test names, --site matching),
 * kept short and independent of where the source tree lives. */
const char *KiFormatSiteShort(NTSIM_SITE Site, char *Buffer, size_t Size)
{
    if (Site.File == NULL || Site.Line == 0)
        return KiFormatSite(Site, Buffer, Size);
    const char *Base = strrchr(Site.File, '/');
    return KiFormatFileLine(Buffer, Size, Base ? Base + 1 : Site.File, Site.Line);
}

static void KiHostOutOfMemory(size_t Size)
{
    fprintf(stderr, "ntsim: host out of memory allocating %zu bytes\n", Size);
    abort();
}

void *KiHostAlloc(size_t Size)
{
    void *P = calloc(1, Size ? Size : 1);
    if (P == NULL)
        KiHostOutOfMemory(Size);
    return P;
}

void *KiHostAllocRaw(size_t Size)
{
    void *P = malloc(Size ? Size : 1);
    if (P == NULL)
        KiHostOutOfMemory(Size);
    return P;
}

void *KiHostAllocCopy(const void *Data, size_t Size)
{
    void *P = KiHostAllocRaw(Size);
    if (Size)
        memcpy(P, Data, Size);
    return P;
}

void *KiHostRealloc(void *P, size_t Size)
{
    void *N = realloc(P, Size ? Size : 1);
    if (N == NULL)
        KiHostOutOfMemory(Size);
    return N;
}

char *KiHostStrdup(const char *S)
{
    return KiHostAllocCopy(S, strlen(S) + 1);
}

char *KiHostPrintf(const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    int Length = vsnprintf(NULL, 0, Format, Args);
    va_end(Args);
    char *Text = KiHostAlloc((size_t)Length + 1);
    va_start(Args, Format);
    vsnprintf(Text, (size_t)Length + 1, Format, Args);
    va_end(Args);
    return Text;
}
