/* findings.c - the list of verifier findings a machine has collected. */
#include "ntsimp.h"
#include "ke/kep.h"
#include "trace/trace.h"

typedef struct _VF_FINDING {
    ntsim_finding Public;
    char *Rule, *Driver, *Site, *Message;
} VF_FINDING;

static VF_FINDING *VfFindings;
static size_t VfCount, VfCapacity;
static BOOLEAN VfQuiet;
BOOLEAN VfEnabled = TRUE;

void VfSetQuiet(BOOLEAN Quiet)
{
    VfQuiet = Quiet;
}

static const char *VfSeverityName(ntsim_severity Severity)
{
    return Severity == NTSIM_SEV_ERROR ? "error" : Severity == NTSIM_SEV_WARNING ? "warning" : "info";
}

void VfReport(const char *Rule, ntsim_severity Severity, PDRIVER_OBJECT Driver, NTSIM_SITE Site, const char *Format,
              ...)
{
    if (VfCount == VfCapacity) {
        VfCapacity = VfCapacity ? VfCapacity * 2 : 32;
        VfFindings = KiHostRealloc(VfFindings, VfCapacity * sizeof(*VfFindings));
    }
    VF_FINDING *F = &VfFindings[VfCount++];
    char Buffer[2048];
    va_list Args;
    va_start(Args, Format);
    vsnprintf(Buffer, sizeof(Buffer), Format, Args);
    va_end(Args);
    char SiteText[256];
    KiFormatSite(Site, SiteText, sizeof(SiteText));
    F->Rule = KiHostStrdup(Rule);
    F->Driver = KiHostStrdup(Driver ? VfDriverName(Driver) : "");
    F->Site = KiHostStrdup(SiteText);
    F->Message = KiHostStrdup(Buffer);
    F->Public.rule = F->Rule;
    F->Public.severity = Severity;
    F->Public.driver = F->Driver;
    F->Public.site = F->Site;
    F->Public.message = F->Message;
    if (TrEnabled) {
        char Text[2560];
        snprintf(Text, sizeof(Text), "%s%s%s: %s", Rule, SiteText[0] ? " at " : "", SiteText, Buffer);
        TrTextEvent(strcmp(Rule, "BUGCHECK") == 0 ? TrBugCheck : TrFinding, F->Driver[0] ? F->Driver : NULL, Text);
    }
    if (!VfQuiet)
        fprintf(stderr, "ntsim: %s %s%s%s: %s\n", VfSeverityName(Severity), Rule, SiteText[0] ? " at " : "", SiteText,
                Buffer);
}

BOOLEAN VfReportedAt(const char *Rule, NTSIM_SITE Site)
{
    char SiteText[256];
    KiFormatSite(Site, SiteText, sizeof(SiteText));
    for (size_t i = 0; i < VfCount; i++)
        if (strcmp(VfFindings[i].Rule, Rule) == 0 && strcmp(VfFindings[i].Site, SiteText) == 0)
            return TRUE;
    return FALSE;
}

size_t ntsim_finding_count(ntsim_machine *Machine)
{
    (void)Machine;
    return VfCount;
}

const ntsim_finding *ntsim_finding_at(ntsim_machine *Machine, size_t Index)
{
    (void)Machine;
    return Index < VfCount ? &VfFindings[Index].Public : NULL;
}

size_t ntsim_count_rule(ntsim_machine *Machine, const char *Rule)
{
    (void)Machine;
    size_t N = 0;
    for (size_t i = 0; i < VfCount; i++)
        if (strcmp(VfFindings[i].Rule, Rule) == 0)
            N++;
    return N;
}

void ntsim_clear_findings(ntsim_machine *Machine)
{
    (void)Machine;
    for (size_t i = 0; i < VfCount; i++) {
        free(VfFindings[i].Rule);
        free(VfFindings[i].Driver);
        free(VfFindings[i].Site);
        free(VfFindings[i].Message);
    }
    VfCount = 0;
}

void VfResetFindings(void)
{
    ntsim_clear_findings(NULL);
    free(VfFindings);
    VfFindings = NULL;
    VfCapacity = 0;
}

void ntsim_print_findings(FILE *Out, ntsim_machine *Machine)
{
    (void)Machine;
    if (VfCount == 0) {
        fprintf(Out, "no findings\n");
        return;
    }
    fprintf(Out, "%-9s %-8s %-10s %-22s %s\n", "RULE", "LEVEL", "DRIVER", "SITE", "FINDING");
    for (size_t i = 0; i < VfCount; i++) {
        const ntsim_finding *F = &VfFindings[i].Public;
        fprintf(Out, "%-9s %-8s %-10s %-22s %s\n", F->rule, VfSeverityName(F->severity), F->driver[0] ? F->driver : "-",
                F->site[0] ? F->site : "-", F->message);
    }
}
