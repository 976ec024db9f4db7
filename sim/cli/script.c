/* script.c - the requests of an interactive run (docs/run.md): parsed from --do options
 * and --script files while the command line is read, run in order on the loaded driver
 * through the host API, each printed with its result.
 *
 *   open PATH [as NAME]       use NAME            close [NAME]
 *   read LENGTH [async]       write DATA... [async]
 *   ioctl CODE [in=DATA] [out=LENGTH] [async]
 *   wait DURATION | wait #N [DURATION] | wait     cancel #N | cancel
 *
 * DATA is "text" (C escapes), hex:00A1FF or file:PATH. read, write and ioctl are numbered
 * #1, #2 ... in the order written, so that wait and cancel can name them. */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CLI_MAX_LENGTH (16u << 20) /* the largest buffer a request may take */
#define CLI_MAX_WORDS 32
#define CLI_MAX_NAME 64
#define CLI_DUMP_LIMIT 1024        /* output bytes shown per request */
/* How long a blocking request or a wait with no timeout waits without a host back end:
 * long enough for any device, short enough that a request nothing will complete (the
 * script itself was to write what a read waits for) does not stop the run. */
#define CLI_DEFAULT_WAIT_NS 60000000000ull
#define CLI_PACED_SLICE 1000000ull /* 1 ms of wall time per paced step */

typedef enum {
    CliOpOpen, CliOpUse, CliOpClose, CliOpRead, CliOpWrite, CliOpIoctl,
    CliOpWaitTime, CliOpWaitRequest, CliOpWaitAll, CliOpCancel, CliOpCancelFile, CliOpInspect,
} CLI_OP;

typedef struct CLI_STEP {
    CLI_OP Op;
    char Where[300];         /* "lab.ntsim:3" or "--do 2", for messages */
    char *Text;              /* the line as written, without its comment */
    char *Path;              /* open */
    char Name[CLI_MAX_NAME]; /* the file opened, used or closed ("" = the current one) */
    uint8_t *Data;           /* write; ioctl input */
    size_t DataLength;
    size_t Length;           /* read; ioctl output */
    uint32_t Code;
    int Async;
    unsigned Number;         /* #N of this request, or of the one waited for / cancelled */
    uint64_t Ns;             /* wait: the duration, or the timeout (HaveNs) */
    int HaveNs;
} CLI_STEP;

/* Files by name, with the current one: the parser keeps the names (to check use and
 * close before anything runs), the executor the open files. */
typedef struct CLI_FILE {
    char Name[CLI_MAX_NAME];
    ntsim_file *File;        /* NULL: its open failed */
    const char *OpenedAt;
} CLI_FILE;
typedef struct CLI_FILES {
    CLI_FILE *Items;
    unsigned Count, Capacity;
    int Current;             /* index, -1 = none */
} CLI_FILES;

typedef struct CLI_REQUEST {
    ntsim_request *Request;  /* NULL: not issued (yet) or already freed */
    uint8_t *Out;
    size_t OutLength;
    int Reported;            /* its completion was printed */
} CLI_REQUEST;

static CLI_STEP *CliSteps;
static unsigned CliStepCount, CliStepCapacity;
static unsigned CliRequestCount; /* numbered requests parsed so far */
static unsigned CliDoCount;
static CLI_FILES CliParsedFiles = { .Current = -1 };
static int CliShowSerial = -1;   /* -1: on for UARTs with a host back end */
typedef struct CLI_SERIAL_LINE CLI_SERIAL_LINE; /* a UART's output line being collected */
static CLI_SERIAL_LINE *CliSerialLines;
static unsigned CliSerialCount;

/* ---------------------------------------------------------------- parsing */

static int CliFail(char *Error, size_t Size, const char *Format, ...) __attribute__((format(printf, 3, 4)));
static int CliFail(char *Error, size_t Size, const char *Format, ...)
{
    va_list Args;
    va_start(Args, Format);
    vsnprintf(Error, Size, Format, Args);
    va_end(Args);
    return -1;
}

static int CliFilesFind(const CLI_FILES *Files, const char *Name)
{
    for (unsigned i = 0; i < Files->Count; i++)
        if (!strcmp(Files->Items[i].Name, Name))
            return (int)i;
    return -1;
}

static CLI_FILE *CliFilesAdd(CLI_FILES *Files, const char *Name)
{
    if (Files->Count == Files->Capacity) {
        unsigned Capacity = Files->Capacity ? Files->Capacity * 2 : 8;
        CLI_FILE *Items = realloc(Files->Items, Capacity * sizeof(*Items));
        if (Items == NULL)
            return NULL;
        Files->Items = Items;
        Files->Capacity = Capacity;
    }
    CLI_FILE *File = &Files->Items[Files->Count];
    memset(File, 0, sizeof(*File));
    snprintf(File->Name, sizeof(File->Name), "%s", Name);
    Files->Current = (int)Files->Count++;
    return File;
}

/* After a close the most recently opened file left becomes the current one. */
static void CliFilesRemove(CLI_FILES *Files, int Index)
{
    memmove(&Files->Items[Index], &Files->Items[Index + 1], (Files->Count - (unsigned)Index - 1) * sizeof(CLI_FILE));
    Files->Count--;
    Files->Current = (int)Files->Count - 1;
}

static int CliIsName(const char *Text)
{
    size_t Length = strlen(Text);
    if (Length == 0 || Length >= CLI_MAX_NAME)
        return 0;
    for (const char *C = Text; *C; C++)
        if (!isalnum((unsigned char)*C) && !strchr("_.-", *C))
            return 0;
    return 1;
}

/* Split a line into words. Blanks separate words; a "..." part (with \ escapes) keeps
 * its blanks and quotes; # starts a comment, except #N (a digit follows) inside a
 * line, which names request N. *TextEnd: where the request ends (before the comment). */
static int CliSplit(char *Line, char **Words, int *Count, size_t *TextEnd, char *Error, size_t Size)
{
    char *P = Line;
    *Count = 0;
    *TextEnd = 0;
    for (;;) {
        while (*P == ' ' || *P == '\t' || *P == '\r' || *P == '\n')
            P++;
        if (*P == 0 || (*P == '#' && (*Count == 0 || !isdigit((unsigned char)P[1]))))
            return 0;
        if (*Count == CLI_MAX_WORDS)
            return CliFail(Error, Size, "more than %d words", CLI_MAX_WORDS);
        Words[(*Count)++] = P;
        int Quoted = 0;
        for (; *P && (Quoted || !strchr(" \t\r\n", *P)); P++) {
            if (*P == '"')
                Quoted = !Quoted;
            else if (*P == '\\' && Quoted && P[1])
                P++;
        }
        if (Quoted)
            return CliFail(Error, Size, "a quote is not closed");
        *TextEnd = (size_t)(P - Line);
        if (*P)
            *P++ = 0;
    }
}

static int CliHexDigit(char C)
{
    if (C >= '0' && C <= '9')
        return C - '0';
    C = (char)tolower((unsigned char)C);
    return C >= 'a' && C <= 'f' ? C - 'a' + 10 : -1;
}

static int CliAppend(CLI_STEP *Step, const void *Bytes, size_t Length, char *Error, size_t Size)
{
    if (Step->DataLength + Length > CLI_MAX_LENGTH)
        return CliFail(Error, Size, "more than %u bytes of data", CLI_MAX_LENGTH);
    uint8_t *Data = realloc(Step->Data, Step->DataLength + Length + 1);
    if (Data == NULL)
        return CliFail(Error, Size, "out of memory");
    if (Length)
        memcpy(Data + Step->DataLength, Bytes, Length);
    Step->Data = Data;
    Step->DataLength += Length;
    return 0;
}

static int CliParseText(CLI_STEP *Step, const char *Word, char *Error, size_t Size)
{
    const char *P = Word + 1;
    for (; *P && *P != '"'; P++) {
        uint8_t Byte = (uint8_t)*P;
        if (*P == '\\') {
            P++;
            switch (*P) {
            case 'n': Byte = '\n'; break;
            case 'r': Byte = '\r'; break;
            case 't': Byte = '\t'; break;
            case '0': Byte = 0; break;
            case '\\': Byte = '\\'; break;
            case '"': Byte = '"'; break;
            case 'x':
                if (CliHexDigit(P[1]) < 0 || CliHexDigit(P[2]) < 0)
                    return CliFail(Error, Size, "\\x takes two hex digits in %s", Word);
                Byte = (uint8_t)(CliHexDigit(P[1]) * 16 + CliHexDigit(P[2]));
                P += 2;
                break;
            default:
                return CliFail(Error, Size, "unknown escape '\\%c' in %s (\\n \\r \\t \\0 \\\\ \\\" \\xHH)", *P, Word);
            }
        }
        if (CliAppend(Step, &Byte, 1, Error, Size))
            return -1;
    }
    if (P[0] != '"' || P[1] != 0)
        return CliFail(Error, Size, "text after the closing quote in %s", Word);
    return 0;
}

static int CliParseHex(CLI_STEP *Step, const char *Word, char *Error, size_t Size)
{
    const char *Digits = Word + 4;
    size_t Count = strlen(Digits);
    if (Count == 0 || Count % 2)
        return CliFail(Error, Size, "%s: hex: takes an even, non-zero number of hex digits", Word);
    for (size_t i = 0; i < Count; i += 2) {
        int High = CliHexDigit(Digits[i]), Low = CliHexDigit(Digits[i + 1]);
        if (High < 0 || Low < 0)
            return CliFail(Error, Size, "%s: '%c' is not a hex digit", Word, High < 0 ? Digits[i] : Digits[i + 1]);
        uint8_t Byte = (uint8_t)(High * 16 + Low);
        if (CliAppend(Step, &Byte, 1, Error, Size))
            return -1;
    }
    return 0;
}

/* file:PATH, relative to the script's folder (BaseDir) unless absolute. */
static int CliParseFile(CLI_STEP *Step, const char *Word, const char *BaseDir, char *Error, size_t Size)
{
    const char *Name = Word + 5;
    char Path[4096];
    if (*Name == 0)
        return CliFail(Error, Size, "file: needs a path");
    snprintf(Path, sizeof(Path), "%s%s", Name[0] == '/' || BaseDir == NULL ? "" : BaseDir, Name);
    FILE *In = fopen(Path, "rb");
    if (In == NULL)
        return CliFail(Error, Size, "cannot read '%s': %s", Path, strerror(errno));
    uint8_t Chunk[4096];
    size_t Got;
    int Rc = 0;
    while (Rc == 0 && (Got = fread(Chunk, 1, sizeof(Chunk), In)) > 0)
        Rc = CliAppend(Step, Chunk, Got, Error, Size);
    if (Rc == 0 && ferror(In))
        Rc = CliFail(Error, Size, "cannot read '%s': %s", Path, strerror(errno));
    fclose(In);
    return Rc;
}

static int CliParseData(CLI_STEP *Step, const char *Word, const char *BaseDir, char *Error, size_t Size)
{
    if (Word[0] == '"')
        return CliParseText(Step, Word, Error, Size);
    if (!strncasecmp(Word, "hex:", 4))
        return CliParseHex(Step, Word, Error, Size);
    if (!strncasecmp(Word, "file:", 5))
        return CliParseFile(Step, Word, BaseDir, Error, Size);
    return CliFail(Error, Size, "expected data as \"text\", hex:BYTES or file:PATH, not '%s'", Word);
}

static int CliParseNumber(const char *Word, uint64_t Max, uint64_t *Value)
{
    char *End;
    if (!isdigit((unsigned char)Word[0]))
        return -1;
    errno = 0;
    unsigned long long V = strtoull(Word, &End, 0);
    if (errno || *End || V > Max)
        return -1;
    *Value = V;
    return 0;
}

static int CliParseLength(const char *Word, size_t *Length, char *Error, size_t Size)
{
    uint64_t V;
    if (CliParseNumber(Word, CLI_MAX_LENGTH, &V))
        return CliFail(Error, Size, "a length is a number from 0 to %u, not '%s'", CLI_MAX_LENGTH, Word);
    *Length = (size_t)V;
    return 0;
}

/* #N naming a request written before this line. */
static int CliParseReference(const char *Word, unsigned *Number, char *Error, size_t Size)
{
    uint64_t V;
    if (Word[0] != '#' || CliParseNumber(Word + 1, UINT32_MAX, &V) || V == 0)
        return CliFail(Error, Size, "expected a request number such as #1, not '%s'", Word);
    if (V > CliRequestCount)
        return CliFail(Error, Size, "%s is not a request written before this line (%s)", Word,
                       CliRequestCount ? "read, write and ioctl are numbered from #1" : "there is none yet");
    *Number = (unsigned)V;
    return 0;
}

/* A name for an opened file: as NAME, or the path's last component ("COM1"), made unique. */
static int CliNameFile(CLI_STEP *Step, const char *Explicit, char *Error, size_t Size)
{
    if (Explicit) {
        if (!CliIsName(Explicit))
            return CliFail(Error, Size, "a file name is letters, digits, _ . - (at most %d), not '%s'",
                           CLI_MAX_NAME - 1, Explicit);
        if (CliFilesFind(&CliParsedFiles, Explicit) >= 0)
            return CliFail(Error, Size, "a file named %s is already open", Explicit);
        snprintf(Step->Name, sizeof(Step->Name), "%s", Explicit);
        return 0;
    }
    const char *Base = strrchr(Step->Path, '\\');
    Base = Base ? Base + 1 : Step->Path;
    char Stem[CLI_MAX_NAME - 12]; /* room for ".N" */
    size_t Used = 0;
    for (const char *C = Base; *C && Used < sizeof(Stem) - 1; C++)
        if (isalnum((unsigned char)*C) || strchr("_.-", *C))
            Stem[Used++] = *C;
    Stem[Used] = 0;
    if (Used == 0)
        snprintf(Stem, sizeof(Stem), "file");
    snprintf(Step->Name, sizeof(Step->Name), "%s", Stem);
    for (unsigned Suffix = 2; CliFilesFind(&CliParsedFiles, Step->Name) >= 0; Suffix++)
        snprintf(Step->Name, sizeof(Step->Name), "%s.%u", Stem, Suffix);
    return 0;
}

static int CliParseOpen(CLI_STEP *Step, char **W, int N, char *Error, size_t Size)
{
    if (N != 2 && !(N == 4 && !strcasecmp(W[2], "as")))
        return CliFail(Error, Size, "usage: open PATH [as NAME], e.g. open \\\\.\\COM1 or open \\Device\\Echo");
    Step->Path = strdup(W[1]);
    if (Step->Path == NULL)
        return CliFail(Error, Size, "out of memory");
    for (char *C = Step->Path; *C; C++)
        if (*C == '/')
            *C = '\\'; /* //./COM1: easier to write in a shell or CMake than \\.\COM1 */
    if (CliNameFile(Step, N == 4 ? W[3] : NULL, Error, Size))
        return -1;
    return CliFilesAdd(&CliParsedFiles, Step->Name) ? 0 : CliFail(Error, Size, "out of memory");
}

/* use NAME / close [NAME]: the file must be open at this point of the script. */
static int CliParseFileRef(CLI_STEP *Step, char **W, int N, char *Error, size_t Size)
{
    int Close = Step->Op == CliOpClose;
    if (N > 2 || (!Close && N != 2))
        return CliFail(Error, Size, Close ? "usage: close [NAME]" : "usage: use NAME");
    int Index = N == 2 ? CliFilesFind(&CliParsedFiles, W[1]) : CliParsedFiles.Current;
    if (Index < 0)
        return N == 2 ? CliFail(Error, Size, "no file named '%s' is open here", W[1])
                      : CliFail(Error, Size, "no file is open here");
    snprintf(Step->Name, sizeof(Step->Name), "%s", CliParsedFiles.Items[Index].Name);
    if (Close)
        CliFilesRemove(&CliParsedFiles, Index);
    else
        CliParsedFiles.Current = Index;
    return 0;
}

static int CliNeedFile(char *Error, size_t Size)
{
    return CliParsedFiles.Current < 0 ? CliFail(Error, Size, "no file is open here (open PATH first)") : 0;
}

static int CliParseIo(CLI_STEP *Step, char **W, int N, const char *BaseDir, char *Error, size_t Size)
{
    if (CliNeedFile(Error, Size))
        return -1;
    if (N > 1 && !strcasecmp(W[N - 1], "async")) {
        Step->Async = 1;
        N--;
    }
    if (Step->Op == CliOpRead) {
        if (N != 2)
            return CliFail(Error, Size, "usage: read LENGTH [async]");
        return CliParseLength(W[1], &Step->Length, Error, Size);
    }
    if (Step->Op == CliOpWrite) {
        if (N < 2)
            return CliFail(Error, Size, "usage: write DATA... [async], DATA = \"text\", hex:BYTES or file:PATH");
        for (int i = 1; i < N; i++)
            if (CliParseData(Step, W[i], BaseDir, Error, Size))
                return -1;
        return 0;
    }
    uint64_t Code;
    if (N < 2 || CliParseNumber(W[1], UINT32_MAX, &Code))
        return CliFail(Error, Size, "usage: ioctl CODE [in=DATA] [out=LENGTH] [async], CODE a 32-bit number");
    Step->Code = (uint32_t)Code;
    for (int i = 2; i < N; i++) {
        if (!strncasecmp(W[i], "in=", 3)) {
            if (CliParseData(Step, W[i] + 3, BaseDir, Error, Size))
                return -1;
        } else if (!strncasecmp(W[i], "out=", 4)) {
            if (CliParseLength(W[i] + 4, &Step->Length, Error, Size))
                return -1;
        } else {
            return CliFail(Error, Size, "ioctl takes in=DATA, out=LENGTH and async, not '%s'", W[i]);
        }
    }
    return 0;
}

static int CliParseWait(CLI_STEP *Step, char **W, int N, char *Error, size_t Size)
{
    if (N == 1) {
        Step->Op = CliOpWaitAll;
        return 0;
    }
    if (N > 3 || (N == 3 && W[1][0] != '#'))
        return CliFail(Error, Size, "usage: wait DURATION | wait #N [TIMEOUT] | wait");
    if (W[1][0] == '#') {
        Step->Op = CliOpWaitRequest;
        if (CliParseReference(W[1], &Step->Number, Error, Size))
            return -1;
        if (N == 2)
            return 0;
        Step->HaveNs = 1;
    }
    if (CliParseDuration(W[N - 1], &Step->Ns))
        return CliFail(Error, Size, "a duration of virtual time is written 10ms, 2s, 500us or 100ns, not '%s'",
                       W[N - 1]);
    return 0;
}

static int CliParseCancel(CLI_STEP *Step, char **W, int N, char *Error, size_t Size)
{
    if (N == 1) {
        Step->Op = CliOpCancelFile;
        return CliNeedFile(Error, Size);
    }
    if (N != 2)
        return CliFail(Error, Size, "usage: cancel #N | cancel (every pending request of the current file)");
    return CliParseReference(W[1], &Step->Number, Error, Size);
}

/* inspect !drvobj NAME | !devobj PATH | !devstack PATH | !irp | !object [PATH] | !arbiter:
 * a debugger-style dump (ntsim_inspect, docs/inspect.md); the command is checked when it runs. */
static int CliParseInspect(CLI_STEP *Step, char **W, int N, char *Error, size_t Size)
{
    static const char *const Verbs[] = { "!drvobj", "!devobj", "!devstack", "!irp", "!object", "!locks", "!arbiter" };
    size_t v = 0;
    while (N >= 2 && v < sizeof(Verbs) / sizeof(Verbs[0]) && strcmp(W[1], Verbs[v]))
        v++;
    if (N < 2 || v == sizeof(Verbs) / sizeof(Verbs[0]))
        return CliFail(Error, Size, "usage: inspect !drvobj NAME | !devobj PATH | !devstack PATH | !irp | "
                                    "!object [PATH] | !locks | !arbiter");
    char Command[600] = "";
    for (int i = 1; i < N; i++) {
        size_t Used = strlen(Command);
        snprintf(Command + Used, sizeof(Command) - Used, "%s%s", i > 1 ? " " : "", W[i]);
    }
    for (char *P = Command; *P; P++)
        if (*P == '/')
            *P = '\\'; /* as for open: '/' may stand for '\\' */
    Step->Path = strdup(Command);
    return Step->Path ? 0 : CliFail(Error, Size, "out of memory");
}

static int CliParseWords(CLI_STEP *Step, char **W, int N, const char *BaseDir, char *Error, size_t Size)
{
    static const struct { const char *Name; CLI_OP Op; } Commands[] = {
        { "open", CliOpOpen }, { "use", CliOpUse }, { "close", CliOpClose }, { "read", CliOpRead },
        { "write", CliOpWrite }, { "ioctl", CliOpIoctl }, { "wait", CliOpWaitTime }, { "cancel", CliOpCancel },
        { "inspect", CliOpInspect },
    };
    size_t i = 0;
    while (i < sizeof(Commands) / sizeof(Commands[0]) && strcasecmp(W[0], Commands[i].Name))
        i++;
    if (i == sizeof(Commands) / sizeof(Commands[0]))
        return CliFail(Error, Size, "unknown request '%s' (open, use, close, read, write, ioctl, wait, cancel, inspect)",
                       W[0]);
    Step->Op = Commands[i].Op;
    switch (Step->Op) {
    case CliOpOpen: return CliParseOpen(Step, W, N, Error, Size);
    case CliOpUse:
    case CliOpClose: return CliParseFileRef(Step, W, N, Error, Size);
    case CliOpWaitTime: return CliParseWait(Step, W, N, Error, Size);
    case CliOpCancel: return CliParseCancel(Step, W, N, Error, Size);
    case CliOpInspect: return CliParseInspect(Step, W, N, Error, Size);
    default: break;
    }
    if (CliParseIo(Step, W, N, BaseDir, Error, Size))
        return -1;
    Step->Number = ++CliRequestCount;
    return 0;
}

static CLI_STEP *CliNewStep(void)
{
    if (CliStepCount == CliStepCapacity) {
        unsigned Capacity = CliStepCapacity ? CliStepCapacity * 2 : 16;
        CLI_STEP *Steps = realloc(CliSteps, Capacity * sizeof(*Steps));
        if (Steps == NULL)
            return NULL;
        CliSteps = Steps;
        CliStepCapacity = Capacity;
    }
    CLI_STEP *Step = &CliSteps[CliStepCount];
    memset(Step, 0, sizeof(*Step));
    return Step;
}

static void CliFreeStep(CLI_STEP *Step)
{
    free(Step->Text);
    free(Step->Path);
    free(Step->Data);
}

/* One line: nothing (blank or comment), or a step. 0, or CLI_EXIT_USAGE after printing
 * "ntsim run: WHERE: what is wrong". */
static int CliParseLine(const char *Where, const char *Line, const char *BaseDir)
{
    char *Copy = strdup(Line);
    char *Words[CLI_MAX_WORDS];
    char Error[512];
    int Count;
    size_t TextEnd;
    CLI_STEP *Step = CliNewStep();
    if (Copy == NULL || Step == NULL) {
        free(Copy);
        fprintf(stderr, "ntsim run: %s: out of memory\n", Where);
        return CLI_EXIT_USAGE;
    }
    snprintf(Step->Where, sizeof(Step->Where), "%s", Where);
    int Rc = CliSplit(Copy, Words, &Count, &TextEnd, Error, sizeof(Error));
    if (Rc == 0 && Count > 0) {
        Rc = CliParseWords(Step, Words, Count, BaseDir, Error, sizeof(Error));
        const char *Start = Line + (Words[0] - Copy);
        Step->Text = strndup(Start, TextEnd - (size_t)(Words[0] - Copy));
    }
    free(Copy);
    if (Rc != 0) {
        CliFreeStep(Step);
        fprintf(stderr, "ntsim run: %s: %s\n", Where, Error);
        return CLI_EXIT_USAGE;
    }
    if (Count > 0)
        CliStepCount++;
    return 0;
}

/* A script file, or standard input for "-" (read to its end before anything runs). */
static int CliParseScriptFile(const char *Path)
{
    int Stdin = !strcmp(Path, "-");
    FILE *In = Stdin ? stdin : fopen(Path, "r");
    if (Stdin)
        Path = "<stdin>";
    if (In == NULL) {
        fprintf(stderr, "ntsim run: cannot read script '%s': %s\n", Path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    char BaseDir[4096] = "";
    const char *Slash = Stdin ? NULL : strrchr(Path, '/');
    if (Slash)
        snprintf(BaseDir, sizeof(BaseDir), "%.*s", (int)(Slash - Path + 1), Path);
    char *Line = NULL;
    size_t Capacity = 0;
    unsigned Number = 0;
    int Rc = 0;
    while (Rc == 0 && getline(&Line, &Capacity, In) >= 0) {
        char Where[300];
        snprintf(Where, sizeof(Where), "%s:%u", Path, ++Number);
        if (strlen(Line) > 65536) {
            fprintf(stderr, "ntsim run: %s: a line longer than 65536 characters\n", Where);
            Rc = CLI_EXIT_USAGE;
        } else {
            Rc = CliParseLine(Where, Line, BaseDir[0] ? BaseDir : NULL);
        }
    }
    free(Line);
    if (!Stdin)
        fclose(In);
    return Rc;
}

int CliScriptOption(int Option, const char *Argument)
{
    static int Registered;
    if (!Registered++)
        atexit(CliScriptReset); /* the steps live until the command ends */
    if (Option == CLI_SCRIPT_DO) {
        char Where[32];
        snprintf(Where, sizeof(Where), "--do %u", ++CliDoCount);
        return CliParseLine(Where, Argument, NULL);
    }
    if (Option == CLI_SCRIPT_FILE)
        return CliParseScriptFile(Argument);
    if (Argument == NULL || !strcmp(Argument, "on"))
        CliShowSerial = 1;
    else if (!strcmp(Argument, "off"))
        CliShowSerial = 0;
    else
        return CliUsageError("run", "--show-serial takes on or off, not '%s'", Argument);
    return 0;
}

unsigned CliScriptCount(void)
{
    return CliStepCount;
}

void CliScriptReset(void)
{
    for (unsigned i = 0; i < CliStepCount; i++)
        CliFreeStep(&CliSteps[i]);
    free(CliSteps);
    free(CliParsedFiles.Items);
    CliSteps = NULL;
    CliStepCount = CliStepCapacity = CliRequestCount = CliDoCount = 0;
    memset(&CliParsedFiles, 0, sizeof(CliParsedFiles));
    CliParsedFiles.Current = -1;
    CliShowSerial = -1;
    free(CliSerialLines);
    CliSerialLines = NULL;
    CliSerialCount = 0;
}

/* ---------------------------------------------------------------- serial output */

struct CLI_SERIAL_LINE {
    ntsim_machine *Machine;
    unsigned Index;
    char Text[256];
    size_t Used;
    uint64_t Start;      /* virtual time of the line's first byte */
    int LastWasCr;
};

static void CliSerialPrint(CLI_SERIAL_LINE *Line)
{
    printf("[%13.6f s] COM%u sent: %.*s\n", (double)Line->Start / 1e9, Line->Index + 1, (int)Line->Used, Line->Text);
    fflush(stdout);
    Line->Used = 0;
}

/* A byte the UART transmitted: lines end at CR, LF or CR LF; other control bytes are
 * shown as \xHH. */
static void CliSerialByte(void *Context, uint8_t Byte)
{
    CLI_SERIAL_LINE *Line = Context;
    int WasCr = Line->LastWasCr;
    Line->LastWasCr = Byte == '\r';
    if (Byte == '\n' && WasCr)
        return;
    if (Line->Used == 0)
        Line->Start = ntsim_now_ns(Line->Machine);
    if (Byte == '\r' || Byte == '\n') {
        CliSerialPrint(Line);
        return;
    }
    if (Byte >= 0x20 && Byte < 0x7F && Byte != '\\')
        Line->Text[Line->Used++] = (char)Byte;
    else
        Line->Used += (size_t)snprintf(Line->Text + Line->Used, 5, Byte == '\\' ? "\\\\" : "\\x%02x", Byte);
    if (Line->Used > sizeof(Line->Text) - 8)
        CliSerialPrint(Line);
}

void CliSerialShowFlush(void)
{
    for (unsigned i = 0; i < CliSerialCount; i++)
        if (CliSerialLines[i].Used)
            CliSerialPrint(&CliSerialLines[i]);
}

void CliSerialShowStart(ntsim_machine *Machine)
{
    unsigned Count = 0;
    while (ntsim_machine_uart(Machine, Count))
        Count++;
    free(CliSerialLines);
    CliSerialLines = calloc(Count ? Count : 1, sizeof(*CliSerialLines));
    CliSerialCount = CliSerialLines ? Count : 0;
    for (unsigned i = 0; i < CliSerialCount; i++) {
        ntsim_uart *Uart = ntsim_machine_uart(Machine, i);
        int HostBackend = ntsim_uart_tcp_port(Uart) >= 0 || ntsim_uart_pty_name(Uart) != NULL;
        CliSerialLines[i].Machine = Machine;
        CliSerialLines[i].Index = i;
        if (CliShowSerial == 1 || (CliShowSerial < 0 && HostBackend))
            ntsim_uart_monitor(Uart, CliSerialByte, &CliSerialLines[i]);
    }
}

/* ---------------------------------------------------------------- running */

typedef struct CLI_RUN {
    ntsim_machine *Machine;
    volatile int *Stop;
    int Paced;               /* a host back end: virtual time follows wall time */
    CLI_FILES Files;
    CLI_REQUEST *Requests;   /* [Number - 1] */
} CLI_RUN;

static void CliStamp(CLI_RUN *Run)
{
    CliSerialShowFlush();
    printf("[%13.6f s] ", (double)ntsim_now_ns(Run->Machine) / 1e9);
}

static void CliPrintStatus(int32_t Status)
{
    const char *Name = ntsim_status_name(Status);
    if (!strncmp(Name, "0x", 2))
        printf("%s", Name);
    else
        printf("%s (0x%08X)", Name, (uint32_t)Status);
}

/* Rows of 16 bytes: offset, hex, printable characters. */
static void CliDump(const uint8_t *Bytes, size_t Length)
{
    size_t Shown = Length < CLI_DUMP_LIMIT ? Length : CLI_DUMP_LIMIT;
    for (size_t Row = 0; Row < Shown; Row += 16) {
        printf("                    %04zx ", Row);
        for (size_t i = Row; i < Row + 16; i++)
            if (i < Shown)
                printf(" %02x", Bytes[i]);
            else
                printf("   ");
        printf("  ");
        for (size_t i = Row; i < Row + 16 && i < Shown; i++)
            putchar(Bytes[i] >= 0x20 && Bytes[i] < 0x7F ? Bytes[i] : '.');
        putchar('\n');
    }
    if (Shown < Length)
        printf("                    ... %zu more bytes\n", Length - Shown);
}

static void CliReportCompletion(CLI_RUN *Run, unsigned Number)
{
    CLI_REQUEST *R = &Run->Requests[Number - 1];
    int32_t Status;
    size_t Information;
    if (R->Request == NULL || R->Reported || !ntsim_request_done(R->Request, &Status, &Information))
        return;
    R->Reported = 1;
    CliStamp(Run);
    printf("< #%u ", Number);
    CliPrintStatus(Status);
    printf(", Information %zu\n", Information);
    if (R->OutLength && Information)
        CliDump(R->Out, Information < R->OutLength ? Information : R->OutLength);
    fflush(stdout);
    ntsim_request_free(R->Request);
    R->Request = NULL;
}

/* Completions that happened since the last step, in request order. */
static void CliReportCompletions(CLI_RUN *Run)
{
    for (unsigned i = 1; i <= CliRequestCount; i++)
        CliReportCompletion(Run, i);
}

static int CliCrashed(CLI_RUN *Run)
{
    return ntsim_machine_crashed(Run->Machine, NULL) || (Run->Stop && __atomic_load_n(Run->Stop, __ATOMIC_RELAXED));
}

/* Let virtual time pass: paced to wall time with a host back end (so a person at the
 * terminal can answer), as fast as possible without. Until Request completes if given. */
static int CliRunUntil(CLI_RUN *Run, uint64_t Ns, ntsim_request *Request)
{
    fflush(stdout); /* what was asked is on the screen while the machine runs */
    if (!Run->Paced)
        return Request ? ntsim_request_wait(Request, Ns) : ntsim_run_for(Run->Machine, Ns);
    uint64_t Start = ntsim_now_ns(Run->Machine);
    while (!CliCrashed(Run) && !(Request && ntsim_request_done(Request, NULL, NULL))) {
        uint64_t Done = ntsim_now_ns(Run->Machine) - Start;
        if (Done >= Ns)
            break;
        ntsim_machine_run_paced(Run->Machine, Ns - Done < CLI_PACED_SLICE ? Ns - Done : CLI_PACED_SLICE, Run->Stop);
    }
    if (ntsim_machine_crashed(Run->Machine, NULL))
        return NTSIM_E_CRASHED;
    return Request ? ntsim_request_done(Request, NULL, NULL) : 0;
}

/* The limit of a wait with no timeout: none while a person may be at a terminal. */
static uint64_t CliDefaultWait(const CLI_RUN *Run)
{
    return Run->Paced ? UINT64_MAX : CLI_DEFAULT_WAIT_NS;
}

static void CliStillPending(CLI_RUN *Run, unsigned Number, uint64_t Waited)
{
    CliReportCompletions(Run);
    CliStamp(Run);
    printf("< #%u is still pending after %.6f s of virtual time (wait #%u again, or cancel #%u)\n", Number,
           (double)Waited / 1e9, Number, Number);
}

static ntsim_file *CliCurrentFile(CLI_RUN *Run, const CLI_STEP *Step)
{
    CLI_FILE *F = Run->Files.Current >= 0 ? &Run->Files.Items[Run->Files.Current] : NULL;
    if (F && F->File)
        return F->File;
    CliSerialShowFlush();
    if (F)
        fprintf(stderr, "ntsim run: %s: %s is not open: its open at %s failed; the script stops here\n", Step->Where,
                F->Name, F->OpenedAt);
    else
        fprintf(stderr, "ntsim run: %s: no file is open; the script stops here\n", Step->Where);
    return NULL;
}

static int CliDoOpen(CLI_RUN *Run, const CLI_STEP *Step)
{
    ntsim_file *File = NULL;
    int32_t Status = ntsim_open(Run->Machine, Step->Path, &File);
    CLI_FILE *F = CliFilesAdd(&Run->Files, Step->Name);
    if (F == NULL)
        return CLI_EXIT_USAGE;
    F->File = Status == 0 ? File : NULL;
    F->OpenedAt = Step->Where;
    CliStamp(Run);
    printf("< open %s: ", Step->Name);
    CliPrintStatus(Status);
    putchar('\n');
    if (Status == (int32_t)0xC0000034 /* STATUS_OBJECT_NAME_NOT_FOUND */ ||
        Status == (int32_t)0xC000003A /* STATUS_OBJECT_PATH_NOT_FOUND */) {
        printf("  no device or link %s on this machine; its object namespace:\n", Step->Path);
        ntsim_print_namespace(stdout, Run->Machine);
    }
    return 0;
}

static int CliDoClose(CLI_RUN *Run, const CLI_STEP *Step)
{
    int Index = CliFilesFind(&Run->Files, Step->Name);
    if (Index < 0)
        return 0; /* the parser saw it open: unreachable */
    ntsim_file *File = Run->Files.Items[Index].File;
    CliFilesRemove(&Run->Files, Index);
    if (File == NULL)
        return 0;
    int32_t Status = ntsim_close(File);
    CliStamp(Run);
    printf("< close %s: ", Step->Name);
    CliPrintStatus(Status);
    putchar('\n');
    return 0;
}

static int CliDoRequest(CLI_RUN *Run, const CLI_STEP *Step)
{
    ntsim_file *File = CliCurrentFile(Run, Step);
    if (File == NULL)
        return CLI_EXIT_USAGE;
    CLI_REQUEST *R = &Run->Requests[Step->Number - 1];
    R->OutLength = Step->Length;
    R->Out = calloc(R->OutLength ? R->OutLength : 1, 1);
    if (R->Out == NULL)
        return CLI_EXIT_USAGE;
    int32_t Status;
    if (Step->Op == CliOpRead)
        Status = ntsim_read_async(File, R->Out, Step->Length, &R->Request);
    else if (Step->Op == CliOpWrite)
        Status = ntsim_write_async(File, Step->Data, Step->DataLength, &R->Request);
    else
        Status = ntsim_ioctl_async(File, Step->Code, Step->Data, Step->DataLength, R->Out, Step->Length, &R->Request);
    if (Status < 0 && R->Request == NULL) { /* not issued: a host-side error */
        CliStamp(Run);
        printf("< #%u not issued: %s\n", Step->Number, ntsim_last_error());
        return Status == NTSIM_E_CRASHED ? 0 : CLI_EXIT_USAGE;
    }
    if (Status == 0x103 /* STATUS_PENDING */ && R->Request && !ntsim_request_done(R->Request, NULL, NULL)) {
        CliStamp(Run);
        printf("< #%u pending%s\n", Step->Number, Step->Async ? "" : "; waiting for it");
        if (!Step->Async && CliRunUntil(Run, CliDefaultWait(Run), R->Request) == 0 && !CliCrashed(Run))
            CliStillPending(Run, Step->Number, CliDefaultWait(Run));
    }
    return 0;
}

static int CliDoWait(CLI_RUN *Run, const CLI_STEP *Step)
{
    if (Step->Op == CliOpWaitTime) {
        CliRunUntil(Run, Step->Ns, NULL);
        return 0;
    }
    for (unsigned i = 1; i <= CliRequestCount; i++) {
        if (Step->Op == CliOpWaitRequest && i != Step->Number)
            continue;
        CLI_REQUEST *R = &Run->Requests[i - 1];
        if (R->Request == NULL) {
            if (Step->Op == CliOpWaitRequest) {
                CliStamp(Run);
                printf("< #%u %s\n", i, R->Reported ? "has already completed" : "was never issued");
            }
            continue;
        }
        uint64_t Limit = Step->HaveNs ? Step->Ns : CliDefaultWait(Run);
        int Done = CliRunUntil(Run, Limit, R->Request);
        if (CliCrashed(Run))
            return 0;
        if (Done != 1)
            CliStillPending(Run, i, Limit);
    }
    return 0;
}

static int CliDoCancel(CLI_RUN *Run, const CLI_STEP *Step)
{
    if (Step->Op == CliOpCancelFile) {
        ntsim_file *File = CliCurrentFile(Run, Step);
        if (File == NULL)
            return CLI_EXIT_USAGE;
        int Called = ntsim_file_cancel(File);
        CliStamp(Run);
        printf("< cancel: %d cancel routine%s called\n", Called < 0 ? 0 : Called, Called == 1 ? "" : "s");
        return 0;
    }
    CLI_REQUEST *R = &Run->Requests[Step->Number - 1];
    CliStamp(Run);
    if (R->Request == NULL) {
        printf("< #%u %s: nothing to cancel\n", Step->Number, R->Reported ? "has already completed" : "was never issued");
        return 0;
    }
    int Called = ntsim_request_cancel(R->Request);
    printf("< cancel #%u: %s\n", Step->Number,
           Called == 1 ? "the driver's cancel routine was called"
                       : Called == 0 ? "no cancel routine set (not cancelable, or already completing)" : ntsim_last_error());
    return 0;
}

static int CliRunStep(CLI_RUN *Run, const CLI_STEP *Step)
{
    CliStamp(Run);
    if (Step->Number && Step->Op != CliOpWaitRequest && Step->Op != CliOpCancel)
        printf("> #%u %s\n", Step->Number, Step->Text);
    else
        printf("> %s\n", Step->Text);
    fflush(stdout);
    int Rc;
    switch (Step->Op) {
    case CliOpOpen: Rc = CliDoOpen(Run, Step); break;
    case CliOpUse: Run->Files.Current = CliFilesFind(&Run->Files, Step->Name); Rc = 0; break;
    case CliOpClose: Rc = CliDoClose(Run, Step); break;
    case CliOpRead:
    case CliOpWrite:
    case CliOpIoctl: Rc = CliDoRequest(Run, Step); break;
    case CliOpCancel:
    case CliOpCancelFile: Rc = CliDoCancel(Run, Step); break;
    case CliOpInspect: ntsim_inspect(Run->Machine, Step->Path, stdout); Rc = 0; break; /* "no such device" is an answer */
    default: Rc = CliDoWait(Run, Step); break;
    }
    CliReportCompletions(Run);
    fflush(stdout);
    return Rc;
}

/* Files the script left open are closed (their cleanup may complete pending requests);
 * requests still pending then are left to the driver. */
static void CliRunEnd(CLI_RUN *Run)
{
    int Crashed = ntsim_machine_crashed(Run->Machine, NULL);
    while (!Crashed && Run->Files.Count) {
        CLI_FILE *F = &Run->Files.Items[Run->Files.Count - 1];
        if (F->File) {
            CliStamp(Run);
            printf("> close %s (still open at the end)\n", F->Name);
            CLI_STEP Close = { .Op = CliOpClose };
            snprintf(Close.Name, sizeof(Close.Name), "%s", F->Name);
            CliDoClose(Run, &Close);
            CliReportCompletions(Run);
            Crashed = ntsim_machine_crashed(Run->Machine, NULL);
        } else {
            CliFilesRemove(&Run->Files, (int)Run->Files.Count - 1);
        }
    }
    for (unsigned i = 0; i < CliRequestCount; i++) {
        CLI_REQUEST *R = &Run->Requests[i];
        if (R->Request && !Crashed) {
            CliStamp(Run);
            printf("< #%u is still pending at the end of the script\n", i + 1);
        }
        ntsim_request_free(R->Request); /* a pending one is detached: it completes into nothing */
        free(R->Out);
    }
    CliSerialShowFlush();
    fflush(stdout);
}

int CliScriptRun(ntsim_machine *Machine, volatile int *Stop)
{
    CLI_RUN Run = { .Machine = Machine, .Stop = Stop, .Paced = ntsim_machine_has_host_backend(Machine) };
    Run.Files.Current = -1;
    Run.Requests = calloc(CliRequestCount ? CliRequestCount : 1, sizeof(CLI_REQUEST));
    if (Run.Requests == NULL)
        return CLI_EXIT_USAGE;
    int Rc = 0;
    for (unsigned i = 0; i < CliStepCount && Rc == 0 && !CliCrashed(&Run); i++)
        Rc = CliRunStep(&Run, &CliSteps[i]);
    CliRunEnd(&Run);
    free(Run.Files.Items);
    free(Run.Requests);
    return Rc;
}
