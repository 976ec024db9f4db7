/* context.c - per-thread simulator context: the driver source line of the DDI call in
 * progress (set by the nt/site.h macros) and small host-memory helpers. */
#include "ntsimp.h"
#include "ke/kep.h"

static NTSIM_TLS const char *KiSiteFile;
static NTSIM_TLS int KiSiteLine;

/* Every DDI call from a driver passes here first (nt/site.h): a safe point for
 * device interrupts, and in exploration mode a possible thread switch. */
void NtsimSetSite(const char *File, int Line)
{
    if (KiExploring)
        KiMaybeYield();
    HalpDeliverPendingInterrupts();
    KiSiteFile = File;
    KiSiteLine = Line;
}

NTSIM_SITE KiTakeSite(void)
{
    NTSIM_SITE Site = { KiSiteFile, KiSiteLine };
    KiSiteFile = NULL;
    KiSiteLine = 0;
    return Site;
}

const char *KiFormatSite(NTSIM_SITE Site, char *Buffer, size_t Size)
{
    if (Site.File == NULL) {
        snprintf(Buffer, Size, "%s", "");
        return Buffer;
    }
    const char *Base = strrchr(Site.File, '/');
    snprintf(Buffer, Size, "%s:%d", Base ? Base + 1 : Site.File, Site.Line);
    return Buffer;
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

void *KiHostRealloc(void *P, size_t Size)
{
    void *N = realloc(P, Size ? Size : 1);
    if (N == NULL)
        KiHostOutOfMemory(Size);
    return N;
}

char *KiHostStrdup(const char *S)
{
    size_t Length = strlen(S) + 1;
    char *Copy = KiHostAlloc(Length);
    memcpy(Copy, S, Length);
    return Copy;
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
