/* inf.c (host) - installing a driver from its .inf, as Windows setup would: the INF's
 * [Manufacturer] names the models sections (with their target decorations, e.g.
 * "Models,NTamd64" -> [Models.NTamd64]); each model line
 *     "description" = DDInstall, hardware-id[, compatible-id ...]
 * binds those IDs to the service its [DDInstall(.decoration).Services] section adds
 * with the SPSVCINST_ASSOCSERVICE flag (0x2: the function driver):
 *     AddService = name, 0x00000002, service-install-section
 * %tokens% are replaced from [Strings]; ';' starts a comment; values may be quoted.
 * What is read is then exactly ntsim_pnp_bind (docs/pnp.md), plus what installing writes
 * to the registry: [Version]'s ClassGuid (the device's ClassGUID) and the AddReg
 * sections of DDInstall (HKR = the driver key) and DDInstall.HW (HKR = the device key,
 * "Device Parameters"); HKLM entries go to \Registry\Machine at once. CopyFiles, other
 * roots and DelReg are not done. */
#include "host/hostp.h"
#include "io/pnpp.h"
#include "cm/cmp.h"

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
        if (P[0] == '%' && P[1] == '%') { /* "%%" is a literal '%' */
            Out[o++] = *P++;
            continue;
        }
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

/* ---- AddReg ---- */

/* As InfFields, keeping empty fields ("HKR,,Name" has an empty subkey). */
static int InfFieldsKeepEmpty(const INF *Inf, const char *Value, char Fields[][256], int Max)
{
    char Expanded[1024];
    InfExpand(Inf, Value, Expanded, sizeof(Expanded));
    int Count = 0;
    for (char *P = Expanded; Count < Max;) {
        char *Comma = strchr(P, ',');
        if (Comma)
            *Comma = 0;
        snprintf(Fields[Count++], 256, "%s", InfTrim(P));
        if (Comma == NULL)
            break;
        P = Comma + 1;
    }
    return Count;
}

#define INF_MAX_REGS 64
#define FLG_ADDREG_BINVALUETYPE 0x00000001u
#define FLG_ADDREG_NOCLOBBER 0x00000002u
#define FLG_ADDREG_KEYONLY 0x00000010u
#define FLG_ADDREG_TYPE_MULTI_SZ 0x00010000u
#define FLG_ADDREG_TYPE_EXPAND_SZ 0x00020000u

typedef struct _INF_REGS {
    IOP_BIND_REG Items[INF_MAX_REGS];
    ULONG Count;
} INF_REGS;

static void *InfWide(const char *Utf8, ULONG *Size)
{
    size_t Length = strlen(Utf8);
    WCHAR *Wide = KiHostAlloc((Length + 1) * sizeof(WCHAR));
    size_t Units = RtlpUtf8ToUtf16(Utf8, Length, Wide, Length + 1);
    Wide[Units] = 0;
    *Size = (ULONG)((Units + 1) * sizeof(WCHAR));
    return Wide;
}

/* The value of an AddReg entry from its fields 4.. and flags. */
static void InfRegValue(IOP_BIND_REG *R, ULONG Flags, char Fields[][256], int First, int Count)
{
    ULONG Type = Flags & (0xFFFF0000u | FLG_ADDREG_BINVALUETYPE);
    if (Type == 0x00010001u) { /* FLG_ADDREG_TYPE_DWORD */
        ULONG *Value = KiHostAlloc(sizeof(ULONG));
        *Value = First < Count ? (ULONG)strtoul(Fields[First], NULL, 0) : 0;
        R->Type = REG_DWORD, R->Data = Value, R->Size = sizeof(ULONG);
    } else if (Type == FLG_ADDREG_BINVALUETYPE) { /* REG_BINARY: hex bytes */
        UCHAR *Bytes = KiHostAlloc((size_t)(Count > First ? Count - First : 1));
        R->Size = 0;
        for (int f = First; f < Count; f++)
            Bytes[R->Size++] = (UCHAR)strtoul(Fields[f], NULL, 16);
        R->Type = REG_BINARY, R->Data = Bytes;
    } else if (Type == FLG_ADDREG_TYPE_MULTI_SZ) {
        size_t Total = 1;
        for (int f = First; f < Count; f++)
            Total += strlen(Fields[f]) + 1;
        WCHAR *Wide = KiHostAlloc(Total * sizeof(WCHAR));
        size_t Units = 0;
        for (int f = First; f < Count; f++) {
            Units += RtlpUtf8ToUtf16(Fields[f], strlen(Fields[f]), Wide + Units, Total - Units);
            Wide[Units++] = 0;
        }
        Wide[Units++] = 0;
        R->Type = REG_MULTI_SZ, R->Data = Wide, R->Size = (ULONG)(Units * sizeof(WCHAR));
    } else if (Type == 0x00020001u) { /* FLG_ADDREG_TYPE_NONE */
        R->Type = REG_NONE, R->Data = KiHostAlloc(1), R->Size = 0;
    } else {
        R->Type = Type == FLG_ADDREG_TYPE_EXPAND_SZ ? REG_EXPAND_SZ : REG_SZ;
        R->Data = InfWide(First < Count ? Fields[First] : "", &R->Size);
    }
}

/* One AddReg section's entries: "root, subkey, name, flags, value...". */
static void InfAddRegSection(const INF *Inf, const char *Section, BOOLEAN DriverKey, INF_REGS *Regs)
{
    char Lower[300];
    snprintf(Lower, sizeof(Lower), "%.299s", Section); /* section names are short; a longer one matches nothing */
    InfLower(Lower);
    for (int i = 0; i < Inf->Count && Regs->Count < INF_MAX_REGS; i++) {
        const INF_LINE *L = &Inf->Lines[i];
        if (strcmp(L->Section, Lower))
            continue;
        char Fields[16][256];
        int n = InfFieldsKeepEmpty(Inf, L->Value, Fields, 16);
        if (n < 1)
            continue;
        ULONG Flags = n > 3 && Fields[3][0] ? (ULONG)strtoul(Fields[3], NULL, 0) : 0;
        IOP_BIND_REG R = { DriverKey, n > 1 ? Fields[1] : "", n > 2 ? Fields[2] : "", REG_NONE, NULL, 0,
                           (Flags & FLG_ADDREG_NOCLOBBER) != 0 };
        if (Flags & FLG_ADDREG_KEYONLY)
            R.Data = KiHostAlloc(1), R.Name = "";
        else
            InfRegValue(&R, Flags, Fields, 4, n);
        if (!strcasecmp(Fields[0], "HKLM")) { /* absolute: written now */
            char *Path = KiHostPrintf("\\Registry\\Machine\\%s", R.Subkey);
            CmpCreateKeyPath(Path, NULL);
            if (!(Flags & FLG_ADDREG_KEYONLY))
                CmpSetValueUtf8(Path, R.Name, R.Type, R.Data, R.Size);
            free(Path);
            free(R.Data);
        } else if (!strcasecmp(Fields[0], "HKR")) {
            R.Subkey = KiHostStrdup(R.Subkey);
            R.Name = KiHostStrdup(R.Name);
            Regs->Items[Regs->Count++] = R;
        } else {
            free(R.Data); /* HKCU, HKU, HKCR: not a driver's business here */
        }
    }
}

/* The AddReg directives of the first of the decorated install sections that exists. */
static void InfAddRegOf(const INF *Inf, const char *Install, const char *Decoration, const char *Suffix,
                        BOOLEAN DriverKey, INF_REGS *Regs)
{
    char Candidates[3][360];
    snprintf(Candidates[0], sizeof(Candidates[0]), "%.255s.%.63s%s", Install, Decoration, Suffix);
    snprintf(Candidates[1], sizeof(Candidates[1]), "%.255s.nt%s", Install, Suffix);
    snprintf(Candidates[2], sizeof(Candidates[2]), "%.255s%s", Install, Suffix);
    for (int c = 0; c < 3; c++) {
        InfLower(Candidates[c]);
        BOOLEAN Exists = FALSE;
        for (int i = 0; i < Inf->Count; i++) {
            if (strcmp(Inf->Lines[i].Section, Candidates[c]))
                continue;
            Exists = TRUE;
            if (strcasecmp(Inf->Lines[i].Key, "AddReg"))
                continue;
            char Sections[8][256];
            int n = InfFields(Inf, Inf->Lines[i].Value, Sections, 8);
            for (int s = 0; s < n; s++)
                InfAddRegSection(Inf, Sections[s], DriverKey, Regs);
        }
        if (Exists)
            return;
    }
}

static void InfFreeRegs(INF_REGS *Regs)
{
    for (ULONG r = 0; r < Regs->Count; r++) {
        free(Regs->Items[r].Subkey);
        free(Regs->Items[r].Name);
        free(Regs->Items[r].Data);
    }
}

static void InfClassGuid(const INF *Inf, char *Out, size_t Size)
{
    Out[0] = 0;
    for (int i = 0; i < Inf->Count; i++)
        if (!strcmp(Inf->Lines[i].Section, "version") && !strcasecmp(Inf->Lines[i].Key, "ClassGuid"))
            InfExpand(Inf, Inf->Lines[i].Value, Out, Size);
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
        INF_REGS Regs = { .Count = 0 };
        InfAddRegOf(Inf, Fields[0], Decoration, "", TRUE, &Regs);
        InfAddRegOf(Inf, Fields[0], Decoration, ".hw", FALSE, &Regs);
        char ClassGuid[64];
        InfClassGuid(Inf, ClassGuid, sizeof(ClassGuid));
        for (int f = 1; f < n && !*Error; f++)
            if (Fields[f][0]) {
                *Error = ntsim_pnp_bind(Machine, Fields[f], ImagePath, Service, NTSIM_PNP_FUNCTION);
                if (*Error == 0)
                    IopPnpBindInstall(Fields[f], Service, ClassGuid, Regs.Items, Regs.Count);
                Bound += *Error == 0;
            }
        InfFreeRegs(&Regs);
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
