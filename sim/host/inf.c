/* inf.c (host) - installing a driver from its .inf, as Windows setup would: the INF's
 * [Manufacturer] names the models sections (with their target decorations, e.g.
 * "Models,NTamd64" -> [Models.NTamd64]); each model line
 *     "description" = DDInstall, hardware-id[, compatible-id ...]
 * binds those IDs to the service its [DDInstall(.decoration).Services] section adds
 * with the SPSVCINST_ASSOCSERVICE flag (0x2: the function driver):
 *     AddService = name, 0x00000002, service-install-section
 * %tokens% are replaced from [Strings]; ';' starts a comment; values may be quoted.
 * What is read is then exactly ntsim_pnp_bind (docs/pnp.md). Only the parts that
 * decide binding are read: Version, CopyFiles, AddReg and the rest are skipped. */
#include "host/hostp.h"

#include <ctype.h>

#define INF_MAX_LINES 4096

typedef struct _INF_LINE {
    char *Section; /* lower-case */
    char *Key;     /* may be "" */
    char *Value;
    int Number;
} INF_LINE;

typedef struct _INF {
    INF_LINE *Lines;
    int Count;
} INF;

static char *InfTrim(char *Text)
{
    while (isspace((unsigned char)*Text))
        Text++;
    char *End = Text + strlen(Text);
    while (End > Text && isspace((unsigned char)End[-1]))
        *--End = 0;
    return Text;
}

/* Remove a ';' comment that is not inside quotes. */
static void InfStripComment(char *Line)
{
    int Quoted = 0;
    for (char *P = Line; *P; P++) {
        if (*P == '"')
            Quoted = !Quoted;
        else if (*P == ';' && !Quoted) {
            *P = 0;
            return;
        }
    }
}

static void InfLower(char *Text)
{
    for (; *Text; Text++)
        *Text = (char)tolower((unsigned char)*Text);
}

static int InfParse(const char *Path, INF *Inf)
{
    FILE *File = fopen(Path, "r");
    if (File == NULL) {
        NtsimSetLastError("%s: cannot open the INF", Path);
        return NTSIM_E_IO;
    }
    char Buffer[1024], Section[256] = "";
    int Number = 0;
    while (fgets(Buffer, sizeof(Buffer), File)) {
        Number++;
        char *Line = Buffer;
        if (Number == 1 && (unsigned char)Line[0] == 0xEF && (unsigned char)Line[1] == 0xBB)
            Line += 3; /* UTF-8 byte order mark */
        InfStripComment(Line);
        Line = InfTrim(Line);
        if (*Line == 0)
            continue;
        if (*Line == '[') {
            char *Close = strchr(Line, ']');
            if (Close == NULL) {
                fclose(File);
                NtsimSetLastError("%s:%d: a section name without ']'", Path, Number);
                return NTSIM_E_ARGS;
            }
            *Close = 0;
            snprintf(Section, sizeof(Section), "%s", InfTrim(Line + 1));
            InfLower(Section);
            continue;
        }
        if (Inf->Count == INF_MAX_LINES)
            break;
        char *Equals = strchr(Line, '=');
        INF_LINE *L = &Inf->Lines[Inf->Count++];
        L->Section = KiHostStrdup(Section);
        L->Number = Number;
        if (Equals) {
            *Equals = 0;
            L->Key = KiHostStrdup(InfTrim(Line));
            L->Value = KiHostStrdup(InfTrim(Equals + 1));
        } else {
            L->Key = KiHostStrdup("");
            L->Value = KiHostStrdup(Line);
        }
    }
    fclose(File);
    return 0;
}

static void InfFree(INF *Inf)
{
    for (int i = 0; i < Inf->Count; i++) {
        free(Inf->Lines[i].Section);
        free(Inf->Lines[i].Key);
        free(Inf->Lines[i].Value);
    }
    free(Inf->Lines);
}

/* %Token% from [Strings], quotes removed. */
static void InfExpand(const INF *Inf, const char *In, char *Out, size_t Size)
{
    size_t o = 0;
    for (const char *P = In; *P && o + 1 < Size; P++) {
        if (*P == '"')
            continue;
        const char *End = *P == '%' ? strchr(P + 1, '%') : NULL;
        if (End == NULL) {
            Out[o++] = *P;
            continue;
        }
        char Token[128];
        snprintf(Token, sizeof(Token), "%.*s", (int)(End - P - 1), P + 1);
        const char *Value = NULL;
        for (int i = 0; i < Inf->Count && !Value; i++)
            if (!strcmp(Inf->Lines[i].Section, "strings") && !strcasecmp(Inf->Lines[i].Key, Token))
                Value = Inf->Lines[i].Value;
        for (const char *V = Value ? Value : ""; *V && o + 1 < Size; V++)
            if (*V != '"')
                Out[o++] = *V;
        P = End;
    }
    Out[o] = 0;
}

/* The comma-separated fields of a value, expanded and trimmed; returns the count. */
static int InfFields(const INF *Inf, const char *Value, char Fields[][256], int Max)
{
    char Expanded[1024];
    InfExpand(Inf, Value, Expanded, sizeof(Expanded));
    int Count = 0;
    char *Save = NULL;
    for (char *F = strtok_r(Expanded, ",", &Save); F && Count < Max; F = strtok_r(NULL, ",", &Save))
        snprintf(Fields[Count++], 256, "%s", InfTrim(F));
    return Count;
}

/* The service AddService names with flag 0x2 in the install section's Services section,
 * trying the decorated section first (.NTamd64, .NT, undecorated). */
static int InfFunctionService(const INF *Inf, const char *Install, const char *Decoration, char *Service,
                              size_t Size)
{
    char Candidates[3][360];
    snprintf(Candidates[0], sizeof(Candidates[0]), "%.255s.%.63s.services", Install, Decoration);
    snprintf(Candidates[1], sizeof(Candidates[1]), "%.255s.nt.services", Install);
    snprintf(Candidates[2], sizeof(Candidates[2]), "%.255s.services", Install);
    for (int c = 0; c < 3; c++) {
        InfLower(Candidates[c]);
        for (int i = 0; i < Inf->Count; i++) {
            const INF_LINE *L = &Inf->Lines[i];
            if (strcmp(L->Section, Candidates[c]) || strcasecmp(L->Key, "AddService"))
                continue;
            char Fields[3][256];
            int n = InfFields(Inf, L->Value, Fields, 3);
            if (n >= 2 && (strtoul(Fields[1], NULL, 0) & 0x2) && strlen(Fields[0]) < Size) {
                memcpy(Service, Fields[0], strlen(Fields[0]) + 1);
                return 1;
            }
        }
    }
    return 0;
}

/* Every model line of one models section: bind its IDs. Returns the bindings made. */
static int InfBindModels(ntsim_machine *Machine, const INF *Inf, const char *Models, const char *Decoration,
                         const char *ImagePath, int *Error)
{
    int Bound = 0;
    for (int i = 0; i < Inf->Count && !*Error; i++) {
        const INF_LINE *L = &Inf->Lines[i];
        if (strcmp(L->Section, Models))
            continue;
        char Fields[16][256];
        int n = InfFields(Inf, L->Value, Fields, 16);
        char Service[128];
        if (n < 2 || !InfFunctionService(Inf, Fields[0], Decoration, Service, sizeof(Service))) {
            NtsimSetLastError("INF line %d: model '%s' installs no function driver (AddService with flag 0x2)",
                              L->Number, L->Key);
            *Error = NTSIM_E_ARGS;
            return Bound;
        }
        for (int f = 1; f < n && !*Error; f++)
            if (Fields[f][0]) {
                *Error = ntsim_pnp_bind(Machine, Fields[f], ImagePath, Service, NTSIM_PNP_FUNCTION);
                Bound += *Error == 0;
            }
    }
    return Bound;
}

int ntsim_pnp_install_inf(ntsim_machine *Machine, const char *InfPath, const char *ImagePath)
{
    int Check = NtsimCheckMachine(Machine);
    if (Check)
        return Check;
    if (InfPath == NULL || ImagePath == NULL) {
        NtsimSetLastError("ntsim_pnp_install_inf: an INF path and the driver image are required");
        return NTSIM_E_ARGS;
    }
    INF Inf = { KiHostAlloc(INF_MAX_LINES * sizeof(INF_LINE)), 0 };
    int Error = InfParse(InfPath, &Inf), Bound = 0;
    for (int i = 0; i < Inf.Count && !Error; i++) {
        if (strcmp(Inf.Lines[i].Section, "manufacturer"))
            continue;
        char Fields[8][256];
        int n = InfFields(&Inf, Inf.Lines[i].Value, Fields, 8);
        if (n == 0)
            continue;
        for (int d = n > 1 ? 1 : 0; d < n && !Error; d++) { /* Models,NTamd64 -> [Models.NTamd64] */
            char Section[520];
            if (n > 1)
                snprintf(Section, sizeof(Section), "%.255s.%.255s", Fields[0], Fields[d]);
            else
                snprintf(Section, sizeof(Section), "%.255s", Fields[0]);
            InfLower(Section);
            char Decoration[64];
            snprintf(Decoration, sizeof(Decoration), "%.63s", n > 1 ? Fields[d] : "nt");
            Bound += InfBindModels(Machine, &Inf, Section, Decoration, ImagePath, &Error);
        }
    }
    InfFree(&Inf);
    if (!Error && Bound == 0) {
        NtsimSetLastError("%s: no model in [Manufacturer]'s sections binds a hardware ID", InfPath);
        Error = NTSIM_E_ARGS;
    }
    return Error;
}
