/* harness.c - decode fuzz input bytes into requests to a driver and judge the result.
 *
 * Every input opens its own file object(s), runs its requests and closes them, so the
 * driver's per-file paths (create, cleanup, close) are exercised every time. The oracle
 * is the whole verifier: any error finding or bug check after an input is a crash for
 * the engine, printed with the report.
 *
 * Resets (--reset-every=N, docs/fuzzing.md): the machine is destroyed and made again and
 * the driver loaded from its pristine data (the loader's image snapshot,
 * sim/io/imagesnap.c) before every Nth input; 1 isolates every input, 0 never resets.
 * State the driver keeps carries over between the inputs of one reset window, so on a
 * finding the harness checks on a fresh machine what replays it: the input alone, or
 * else the shortest run of the window's last inputs, written as one input file.
 *
 * Input format, one operation after another until the bytes run out (missing bytes read
 * as zero):
 *   op % 8 = 0,1,2  device control: code (a byte: below 0xC0 a known code by index, if
 *                   any is known; else 4 bytes of code), input length (2 bytes), output
 *                   length (2 bytes), input bytes; waits up to 1 ms of virtual time
 *            3      read: length (2 bytes)
 *            4      write: length (2 bytes), bytes
 *            5      device control left pending across the next ops
 *            6      close the file and open a new one (the boundary between two inputs
 *                   is exactly this: a window's inputs join with it into one input)
 *            7      let virtual time pass: 1 byte x 100 us
 * After an open the driver refused, requests are read and skipped until the next 6. */
#include "fuzz.h"

#include <ntsim/ntsim.h>

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libntsim internals a reset uses: the loader's image snapshot (sim/io/imagesnap.c), its
 * import check (the loader skips it for the snapshotted image, sim/io/imports.c), and
 * the persistent-worker switch (sim/host/machine.c: machines start from a registry
 * template, the fault handlers stay installed between them). */
int IopSnapshotImage(const char *Path);
void IopReleaseImageSnapshot(void);
int IopCheckImageImports(const char *ImagePath);
extern unsigned char NtsimPersistentWorker;

#define FUZZ_MAX_CODES 64
#define FUZZ_MAX_LENGTH 8192
#define FUZZ_MAX_PENDING 4
#define FUZZ_WINDOW_BYTES (32u << 20) /* kept inputs since the last reset; older ones drop */
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_NOT_SUPPORTED ((int32_t)0xC00000BB)

void (*FuzzFound)(void) = abort;
const char *FuzzArtifactPrefix = "";
unsigned long FuzzResetEvery = FUZZ_DEFAULT_RESET_EVERY;
static int FuzzResetEveryGiven;
static const char *FuzzDriverPath, *FuzzDevicePath, *FuzzRegPath;
static uint32_t FuzzCodes[FUZZ_MAX_CODES];
static size_t FuzzCodeCount, FuzzConfiguredCodes;
static ntsim_machine *FuzzMachine;
static size_t FuzzBaselineErrors;
static int FuzzSnapshotted;
static unsigned long FuzzSinceReset; /* inputs run on this machine */
static char FuzzReplayPath[4096];

void FuzzUsage(const char *Program)
{
    fprintf(stderr,
            "usage: %s --driver=IMAGE.sys --device=PATH [--reg=FILE.reg] [--ioctl=CODE[,CODE...]] [--reset-every=N] [engine options]\n"
            "  PATH is what a program opens, e.g. \\\\.\\NtsimEcho or \\Device\\NtsimEcho (or with slashes:\n"
            "     /Device/NtsimEcho, which survives the shell libFuzzer's -minimize_crash uses)\n"
            "  N: reset the machine and reload the driver before every Nth input (1: every input,\n"
            "     0: never; default %d)\n",
            Program, FUZZ_DEFAULT_RESET_EVERY);
}

static int FuzzAddCodes(const char *List)
{
    char *Copy = strdup(List), *Save = NULL;
    for (char *Item = strtok_r(Copy, ",", &Save); Item; Item = strtok_r(NULL, ",", &Save)) {
        char *End;
        unsigned long Code = strtoul(Item, &End, 0);
        if (*End != '\0' || Code > 0xFFFFFFFFul || FuzzCodeCount == FUZZ_MAX_CODES) {
            fprintf(stderr, "ntsim-fuzz: --ioctl: '%s' is not a 32-bit control code (at most %d)\n", Item,
                    FUZZ_MAX_CODES);
            free(Copy);
            return 2;
        }
        FuzzCodes[FuzzCodeCount++] = (uint32_t)Code;
    }
    free(Copy);
    FuzzConfiguredCodes = FuzzCodeCount;
    return 0;
}

static int FuzzParseResetEvery(const char *Text)
{
    char *End;
    errno = 0;
    unsigned long long Value = strtoull(Text, &End, 10);
    if (Text[0] < '0' || Text[0] > '9' || *End != '\0' || errno != 0 || Value > 1000000000ull) {
        fprintf(stderr,
                "ntsim-fuzz: --reset-every: '%s' is not a number of inputs (0 never resets, 1 resets before "
                "every input, N before every Nth; at most 1000000000)\n",
                Text);
        return 2;
    }
    FuzzResetEvery = (unsigned long)Value;
    FuzzResetEveryGiven = 1;
    return 0;
}

/* A device path written with slashes (/Device/MyDev, //./MyDev) has them turned into
 * backslashes: libFuzzer's -minimize_crash runs its children through a shell, which
 * eats backslashes, so only such a path reaches them intact. */
static const char *FuzzDeviceFromSlashes(const char *Path)
{
    static char Converted[1024];
    if (Path[0] != '/' || strchr(Path, '\\') || strlen(Path) >= sizeof(Converted))
        return Path;
    for (size_t i = 0; (Converted[i] = Path[i] == '/' ? '\\' : Path[i]) != 0; i++)
        ;
    return Converted;
}

int FuzzConfigure(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *A = argv[i];
        if (strncmp(A, "--driver=", 9) == 0)
            FuzzDriverPath = A + 9;
        else if (strncmp(A, "--device=", 9) == 0)
            FuzzDevicePath = FuzzDeviceFromSlashes(A + 9);
        else if (strncmp(A, "--reg=", 6) == 0)
            FuzzRegPath = A + 6;
        else if (strncmp(A, "--ioctl=", 8) == 0) {
            if (FuzzAddCodes(A + 8) != 0)
                return 2;
        } else if (strncmp(A, "--reset-every=", 14) == 0) {
            if (FuzzParseResetEvery(A + 14) != 0)
                return 2;
        } else if (strcmp(A, "--reset-every") == 0) {
            fprintf(stderr, "ntsim-fuzz: --reset-every needs a value: --reset-every=N\n");
            return 2;
        }
    }
    if (FuzzDriverPath == NULL || FuzzDevicePath == NULL) {
        fprintf(stderr, "ntsim-fuzz: %s is required\n", FuzzDriverPath ? "--device=PATH" : "--driver=IMAGE.sys");
        FuzzUsage(argv[0]);
        return 2;
    }
    return 0;
}

/* Replaying kept inputs, each must give what it gives alone, however often it runs
 * (libFuzzer runs a file -runs times, -minimize_crash judges mutants that way): a reset
 * before each, and codes learned since are forgotten at the reset. With --reset-every
 * given, the files are consecutive inputs of a fuzzing run instead: nothing changes. */
static int FuzzForgetLearned;

void FuzzReplayMode(int On)
{
    static unsigned long Saved;
    if (FuzzResetEveryGiven)
        return;
    if (On && !FuzzForgetLearned) {
        Saved = FuzzResetEvery;
        FuzzResetEvery = 1;
    } else if (!On && FuzzForgetLearned) {
        FuzzResetEvery = Saved;
    }
    FuzzForgetLearned = On;
}

static size_t FuzzErrorCount(void)
{
    size_t Errors = 0;
    for (size_t i = 0; i < ntsim_finding_count(FuzzMachine); i++)
        Errors += ntsim_finding_at(FuzzMachine, i)->severity == NTSIM_SEV_ERROR;
    return Errors;
}

/* A machine with the driver loaded and its device opened and closed once: what every
 * input starts from after a reset, and what the first one starts from. 0 or 2. */
static int FuzzBoot(void)
{
    ntsim_machine_config Config = { .cpus = 1, .verifier = 1, .quiet = 1 };
    FuzzMachine = ntsim_machine_create(&Config);
    if (FuzzMachine == NULL) {
        fprintf(stderr, "ntsim-fuzz: %s\n", ntsim_last_error());
        return 2;
    }
    if (FuzzRegPath && ntsim_reg_import_file(FuzzMachine, FuzzRegPath) != 0) {
        fprintf(stderr, "ntsim-fuzz: %s\n", ntsim_last_error());
        return 2;
    }
    ntsim_driver *Driver;
    int32_t Status = -1;
    if (ntsim_driver_load(FuzzMachine, FuzzDriverPath, NULL, &Driver, &Status) != 0 || Status < 0) {
        fprintf(stderr, "ntsim-fuzz: %s does not load: %s\n", FuzzDriverPath,
                Status < 0 ? ntsim_status_name(Status) : ntsim_last_error());
        return 2;
    }
    ntsim_file *File;
    Status = ntsim_open(FuzzMachine, FuzzDevicePath, &File);
    if (Status != 0) {
        fprintf(stderr, "ntsim-fuzz: opening %s gives %s\n", FuzzDevicePath, ntsim_status_name(Status));
        return 2;
    }
    ntsim_close(File);
    FuzzBaselineErrors = FuzzErrorCount();
    FuzzSinceReset = 0;
    return 0;
}

/* The image's writable data is kept before DriverEntry first runs, so every reset loads
 * the driver with its globals as mapped. The loader skips its import check for the
 * snapshotted image, so it is made here first; a refused image is left to the loader,
 * which reports it. Without a snapshot (macOS), resets and replay checks are off: an
 * image unmapped and mapped again would leave libFuzzer reading stale counters. */
static void FuzzSnapshot(void)
{
    if (ntsim_image_check(FuzzDriverPath) != 0 || IopCheckImageImports(FuzzDriverPath) != 0)
        return;
    FuzzSnapshotted = IopSnapshotImage(FuzzDriverPath) == 0;
    if (!FuzzSnapshotted && FuzzResetEvery != 0)
        fprintf(stderr, "ntsim-fuzz: no resets between inputs (--reset-every=0): %s\n", ntsim_last_error());
    if (!FuzzSnapshotted)
        FuzzResetEvery = 0;
}

int FuzzStart(void)
{
    NtsimPersistentWorker = 1; /* one default-PC machine after another: a registry template */
    FuzzSnapshot();
    return FuzzBoot();
}

/* ---- reading the input ---- */

typedef struct {
    uint8_t *Bytes;
    size_t Size, Capacity;
    size_t *Ends; /* where each input's canonical form ends in Bytes */
    size_t Count, EndCapacity;
} FUZZ_CANON;

typedef struct {
    const uint8_t *Data;
    size_t Size, Used;
    FUZZ_CANON *Canon; /* replay checks: the bytes as read, with every code explicit */
} FUZZ_INPUT;

static void FuzzCanonPut(FUZZ_CANON *Canon, const void *Bytes, size_t Length)
{
    if (Length == 0)
        return;
    if (Canon->Size + Length > Canon->Capacity) {
        Canon->Capacity = (Canon->Size + Length) * 2 + 256;
        Canon->Bytes = realloc(Canon->Bytes, Canon->Capacity);
        if (Canon->Bytes == NULL)
            abort();
    }
    memcpy(Canon->Bytes + Canon->Size, Bytes, Length);
    Canon->Size += Length;
}

static void FuzzCanonPutValue(FUZZ_CANON *Canon, uint32_t Value, size_t Bytes)
{
    uint8_t Little[4];
    for (size_t i = 0; i < Bytes; i++)
        Little[i] = (uint8_t)(Value >> (8 * i));
    FuzzCanonPut(Canon, Little, Bytes);
}

static uint32_t FuzzTake(FUZZ_INPUT *In, size_t Bytes)
{
    uint32_t Value = 0;
    for (size_t i = 0; i < Bytes; i++)
        Value |= (uint32_t)(In->Used < In->Size ? In->Data[In->Used++] : 0) << (8 * i);
    if (In->Canon)
        FuzzCanonPutValue(In->Canon, Value, Bytes);
    return Value;
}

static void FuzzTakeBytes(FUZZ_INPUT *In, uint8_t *To, size_t Length)
{
    size_t Have = In->Size - In->Used < Length ? In->Size - In->Used : Length;
    if (Have)
        memcpy(To, In->Data + In->Used, Have);
    memset(To + Have, 0, Length - Have);
    In->Used += Have;
    if (In->Canon)
        FuzzCanonPut(In->Canon, To, Length);
}

/* A known code (given with --ioctl, or one the driver accepted before) or raw bytes.
 * Its canonical form is always the raw code (0xFF, 4 bytes): which codes are known
 * depends on the inputs before, a replayed file must not. */
static uint32_t FuzzTakeCode(FUZZ_INPUT *In)
{
    FUZZ_CANON *Canon = In->Canon;
    In->Canon = NULL;
    uint8_t Choice = (uint8_t)FuzzTake(In, 1);
    uint32_t Code = FuzzCodeCount && Choice < 0xC0 ? FuzzCodes[Choice % FuzzCodeCount] : FuzzTake(In, 4);
    In->Canon = Canon;
    if (Canon) {
        FuzzCanonPutValue(Canon, 0xFF, 1);
        FuzzCanonPutValue(Canon, Code, 4);
    }
    return Code;
}

/* ---- replay checks: what reproduces a finding on a fresh machine ---- */

/* What makes two reports the same finding: the bug check (code and driver line), else
 * the first new error finding (rule, driver, line). Addresses are left out. */
typedef struct {
    char Text[512];
} FUZZ_SIGNATURE;

static jmp_buf *FuzzTrialExit; /* set while a replay check runs: a finding ends it */
static FUZZ_SIGNATURE FuzzTrialGot;

static void FuzzSignature(FUZZ_SIGNATURE *Out)
{
    ntsim_bugcheck Bugcheck;
    if (ntsim_machine_crashed(FuzzMachine, &Bugcheck)) {
        snprintf(Out->Text, sizeof(Out->Text), "bug check 0x%X at %s", Bugcheck.code,
                 Bugcheck.site ? Bugcheck.site : "");
        return;
    }
    size_t Errors = 0;
    for (size_t i = 0; i < ntsim_finding_count(FuzzMachine); i++) {
        const ntsim_finding *F = ntsim_finding_at(FuzzMachine, i);
        if (F->severity == NTSIM_SEV_ERROR && ++Errors > FuzzBaselineErrors) {
            snprintf(Out->Text, sizeof(Out->Text), "%s by %s at %s", F->rule, F->driver ? F->driver : "",
                     F->site ? F->site : "");
            return;
        }
    }
    snprintf(Out->Text, sizeof(Out->Text), "(none)");
}

static void FuzzLearn(uint32_t Code, int32_t Status)
{
    if (Status == STATUS_INVALID_DEVICE_REQUEST || Status == STATUS_NOT_SUPPORTED || Status == NTSIM_E_CRASHED ||
        FuzzCodeCount == FUZZ_MAX_CODES || FuzzTrialExit)
        return; /* (a replay check decodes as the run did: it learns nothing) */
    for (size_t i = 0; i < FuzzCodeCount; i++)
        if (FuzzCodes[i] == Code)
            return;
    FuzzCodes[FuzzCodeCount++] = Code;
}

/* ---- the verdict ---- */

static void FuzzMakeReplayable(const FUZZ_SIGNATURE *Found);

static void FuzzCrash(const char *What)
{
    if (FuzzTrialExit) {
        FuzzSignature(&FuzzTrialGot);
        longjmp(*FuzzTrialExit, 1);
    }
    FUZZ_SIGNATURE Found;
    FuzzSignature(&Found);
    fprintf(stderr, "\n==== ntsim-fuzz: %s ====\n", What);
    ntsim_bugcheck Bugcheck;
    if (ntsim_machine_crashed(FuzzMachine, &Bugcheck))
        ntsim_print_bugcheck(stderr, &Bugcheck);
    ntsim_print_findings(stderr, FuzzMachine);
    fflush(stderr);
    FuzzMakeReplayable(&Found);
    fflush(stderr);
    FuzzFound();
    abort(); /* FuzzFound does not return */
}

static void FuzzCheck(int32_t Status)
{
    if (Status == NTSIM_E_CRASHED || ntsim_machine_crashed(FuzzMachine, NULL))
        FuzzCrash("the machine stopped (bug check)");
    if (FuzzErrorCount() > FuzzBaselineErrors)
        FuzzCrash("the verifier reported an error");
}

/* ---- one input ---- */

typedef struct {
    ntsim_file *File;
    ntsim_request *Pending[FUZZ_MAX_PENDING];
    size_t PendingCount;
    uint8_t In[FUZZ_MAX_LENGTH], Out[FUZZ_MAX_LENGTH];
} FUZZ_SESSION;

static FUZZ_SESSION FuzzSession;

static void FuzzOpen(FUZZ_SESSION *S)
{
    int32_t Status = ntsim_open(FuzzMachine, FuzzDevicePath, &S->File);
    FuzzCheck(Status);
    if (Status != 0)
        S->File = NULL;
}

static void FuzzCloseAll(FUZZ_SESSION *S)
{
    if (S->File)
        FuzzCheck(ntsim_close(S->File)); /* cleanup cancels or drains what is pending */
    S->File = NULL;
    for (size_t i = 0; i < S->PendingCount; i++) {
        ntsim_request_wait(S->Pending[i], 10000000ull);
        ntsim_request_free(S->Pending[i]);
    }
    S->PendingCount = 0;
}

/* Every request is asynchronous with a bounded wait: a driver may keep a request
 * pending for as long as it likes (a synchronous caller would wait forever, on Windows
 * too). Requests still pending are kept (up to four) for cleanup to finish. */
static void FuzzFinish(FUZZ_SESSION *S, ntsim_request *Request, uint64_t WaitNs)
{
    if (Request == NULL)
        return;
    if (ntsim_request_wait(Request, WaitNs) != 1 && S->PendingCount < FUZZ_MAX_PENDING) {
        S->Pending[S->PendingCount++] = Request;
        return;
    }
    ntsim_request_free(Request); /* done, or detached: it completes into nothing */
}

static void FuzzIoctl(FUZZ_SESSION *S, FUZZ_INPUT *In, int Linger)
{
    uint32_t Code = FuzzTakeCode(In);
    size_t InLength = FuzzTake(In, 2) % (FUZZ_MAX_LENGTH + 1);
    size_t OutLength = FuzzTake(In, 2) % (FUZZ_MAX_LENGTH + 1);
    FuzzTakeBytes(In, S->In, InLength);
    if (S->File == NULL)
        return;
    memset(S->Out, 0, OutLength);
    ntsim_request *Request = NULL;
    int32_t Status = ntsim_ioctl_async(S->File, Code, S->In, InLength, S->Out, OutLength, &Request);
    FuzzCheck(Status);
    FuzzFinish(S, Request, Linger ? 0 : 1000000ull);
    FuzzCheck(0);
    FuzzLearn(Code, Status);
}

static void FuzzReadWrite(FUZZ_SESSION *S, FUZZ_INPUT *In, int Write)
{
    size_t Length = FuzzTake(In, 2) % (FUZZ_MAX_LENGTH + 1);
    if (Write)
        FuzzTakeBytes(In, S->In, Length);
    if (S->File == NULL)
        return;
    if (!Write)
        memset(S->Out, 0, Length); /* nothing of an earlier request shows through */
    ntsim_request *Request = NULL;
    int32_t Status = Write ? ntsim_write_async(S->File, S->In, Length, &Request)
                           : ntsim_read_async(S->File, S->Out, Length, &Request);
    FuzzCheck(Status);
    FuzzFinish(S, Request, 1000000ull);
    FuzzCheck(0);
}

/* One input on the machine as it is; Canon (replay checks) receives its canonical form. */
static void FuzzRunInput(const uint8_t *Data, size_t Size, FUZZ_CANON *Canon)
{
    FUZZ_SESSION *S = &FuzzSession;
    FUZZ_INPUT In = { Data, Size, 0, Canon };
    FuzzOpen(S);
    while (In.Used < In.Size) {
        switch (FuzzTake(&In, 1) % 8) {
        case 0: case 1: case 2:
            FuzzIoctl(S, &In, 0);
            break;
        case 3:
            FuzzReadWrite(S, &In, 0);
            break;
        case 4:
            FuzzReadWrite(S, &In, 1);
            break;
        case 5:
            FuzzIoctl(S, &In, 1);
            break;
        case 6:
            FuzzCloseAll(S);
            FuzzCheck(0);
            FuzzOpen(S);
            break;
        default:
            FuzzCheck(ntsim_run_for(FuzzMachine, FuzzTake(&In, 1) * 100000ull));
            break;
        }
    }
    FuzzCloseAll(S);
    FuzzCheck(0);
}

/* ---- resets and the window of inputs since the last one ---- */

typedef struct {
    const uint8_t *Data;
    size_t Size;
    size_t Codes; /* codes known when it started (the list only grows) */
} FUZZ_RECORD;

static struct {
    uint8_t *Bytes;
    size_t Size, Capacity;
    FUZZ_RECORD *Records; /* Data holds an offset into Bytes until used */
    size_t Count, RecordCapacity;
    size_t Dropped; /* inputs of this window no longer kept (the window outgrew its limit) */
} FuzzWindow;

static FUZZ_RECORD FuzzCurrent;

static void FuzzWindowClear(void)
{
    FuzzWindow.Size = FuzzWindow.Count = FuzzWindow.Dropped = 0;
}

/* Past the limit the older half goes: a later finding that needs it is reported as
 * not reproducible rather than the process growing without bound (--reset-every=0). */
static void FuzzWindowDropOlderHalf(void)
{
    size_t Keep = FuzzWindow.Count / 2, First = FuzzWindow.Count - Keep;
    size_t From = First < FuzzWindow.Count ? (size_t)(uintptr_t)FuzzWindow.Records[First].Data : FuzzWindow.Size;
    if (FuzzWindow.Size > From)
        memmove(FuzzWindow.Bytes, FuzzWindow.Bytes + From, FuzzWindow.Size - From);
    FuzzWindow.Size -= From;
    for (size_t i = 0; i < Keep; i++) {
        FuzzWindow.Records[i] = FuzzWindow.Records[First + i];
        FuzzWindow.Records[i].Data = (const uint8_t *)(uintptr_t)((uintptr_t)FuzzWindow.Records[i].Data - From);
    }
    FuzzWindow.Dropped += First;
    FuzzWindow.Count = Keep;
}

static void FuzzWindowKeep(const FUZZ_RECORD *Input)
{
    if (Input->Size > FUZZ_WINDOW_BYTES / 2)
        FuzzWindowDropOlderHalf(); /* (an input this large is kept alone) */
    while (FuzzWindow.Count && FuzzWindow.Size + Input->Size > FUZZ_WINDOW_BYTES)
        FuzzWindowDropOlderHalf();
    if (FuzzWindow.Bytes == NULL || FuzzWindow.Size + Input->Size > FuzzWindow.Capacity) {
        FuzzWindow.Capacity = (FuzzWindow.Size + Input->Size) * 2 + 4096;
        FuzzWindow.Bytes = realloc(FuzzWindow.Bytes, FuzzWindow.Capacity);
    }
    if (FuzzWindow.Count == FuzzWindow.RecordCapacity) {
        FuzzWindow.RecordCapacity = FuzzWindow.RecordCapacity * 2 + 64;
        FuzzWindow.Records = realloc(FuzzWindow.Records, FuzzWindow.RecordCapacity * sizeof(FUZZ_RECORD));
    }
    if (FuzzWindow.Bytes == NULL || FuzzWindow.Records == NULL)
        abort();
    if (Input->Size)
        memcpy(FuzzWindow.Bytes + FuzzWindow.Size, Input->Data, Input->Size);
    FuzzWindow.Records[FuzzWindow.Count++] =
        (FUZZ_RECORD){ (const uint8_t *)(uintptr_t)FuzzWindow.Size, Input->Size, Input->Codes };
    FuzzWindow.Size += Input->Size;
}

void FuzzReset(void)
{
    ntsim_machine_destroy(FuzzMachine);
    FuzzMachine = NULL;
    memset(&FuzzSession, 0, offsetof(FUZZ_SESSION, In)); /* its files and requests went with the machine */
    FuzzWindowClear();
    if (FuzzBoot() != 0) {
        fprintf(stderr, "ntsim-fuzz: the driver did not load again for a reset between inputs\n");
        exit(2);
    }
}

int FuzzOneInput(const uint8_t *Data, size_t Size)
{
    if (FuzzResetEvery && FuzzSinceReset >= FuzzResetEvery) {
        FuzzReset();
        if (FuzzForgetLearned)
            FuzzCodeCount = FuzzConfiguredCodes;
    }
    FuzzCurrent = (FUZZ_RECORD){ Data, Size, FuzzCodeCount };
    FuzzSinceReset++;
    FuzzRunInput(Data, Size, NULL);
    if (FuzzResetEvery != 1 && FuzzSnapshotted) /* (with 1 the next input starts a new window anyway) */
        FuzzWindowKeep(&FuzzCurrent);
    return 0;
}

void FuzzStop(void)
{
    NtsimPersistentWorker = 0; /* the fault handlers go back with this last machine */
    ntsim_machine_destroy(FuzzMachine);
    FuzzMachine = NULL;
    memset(&FuzzSession, 0, offsetof(FUZZ_SESSION, In));
    if (FuzzSnapshotted)
        IopReleaseImageSnapshot();
    FuzzSnapshotted = 0;
    FuzzWindowClear();
    FuzzCodeCount = FuzzConfiguredCodes = 0;
    FuzzResetEvery = FUZZ_DEFAULT_RESET_EVERY;
    FuzzResetEveryGiven = FuzzForgetLearned = 0;
    FuzzDriverPath = FuzzDevicePath = FuzzRegPath = NULL;
}

/* ---- making a finding replayable ---- */

/* Records on a fresh machine, one after the other; 1 when they end in the finding Want.
 * Canon, if given, receives the canonical form of each input run. */
static int FuzzTrial(const FUZZ_RECORD *Records, size_t Count, FUZZ_CANON *Canon, const FUZZ_SIGNATURE *Want)
{
    FuzzReset();
    snprintf(FuzzTrialGot.Text, sizeof(FuzzTrialGot.Text), "no finding");
    size_t KnownCodes = FuzzCodeCount;
    jmp_buf Exit;
    volatile int Hit = 0;
    FuzzTrialExit = &Exit;
    if (setjmp(Exit) == 0) {
        for (size_t i = 0; i < Count; i++) {
            FuzzCodeCount = Records[i].Codes;
            FuzzRunInput(Records[i].Data, Records[i].Size, Canon);
            if (Canon)
                Canon->Ends[Canon->Count++] = Canon->Size;
        }
    } else {
        Hit = 1;
        if (Canon)
            Canon->Ends[Canon->Count++] = Canon->Size; /* the input that found it, up to the finding */
    }
    FuzzTrialExit = NULL;
    FuzzCodeCount = KnownCodes;
    return Hit && strcmp(FuzzTrialGot.Text, Want->Text) == 0;
}

/* Canonical inputs First..Count-1 of Canon joined into one input by op 6. */
static uint8_t *FuzzJoin(const FUZZ_CANON *Canon, size_t First, size_t *Size)
{
    size_t Start = First ? Canon->Ends[First - 1] : 0, End = Canon->Ends[Canon->Count - 1];
    uint8_t *Joined = malloc(End - Start + Canon->Count + 1);
    size_t n = 0;
    for (size_t i = First; i < Canon->Count; i++) {
        size_t From = i ? Canon->Ends[i - 1] : 0;
        if (i > First)
            Joined[n++] = 6;
        if (Canon->Ends[i] > From)
            memcpy(Joined + n, Canon->Bytes + From, Canon->Ends[i] - From);
        n += Canon->Ends[i] - From;
    }
    *Size = n;
    return Joined;
}

static void FuzzWriteReplay(const uint8_t *Data, size_t Size)
{
    uint64_t Hash = 14695981039346656037ull; /* FNV-1a: the same input, the same name */
    for (size_t i = 0; i < Size; i++)
        Hash = (Hash ^ Data[i]) * 1099511628211ull;
    snprintf(FuzzReplayPath, sizeof(FuzzReplayPath), "%scrash-window-%016llx", FuzzArtifactPrefix,
             (unsigned long long)Hash);
    FILE *File = fopen(FuzzReplayPath, "wb");
    if (File == NULL || fwrite(Data, 1, Size, File) != Size) {
        fprintf(stderr, "ntsim-fuzz: cannot write %s: %s\n", FuzzReplayPath, strerror(errno));
        FuzzReplayPath[0] = 0;
    }
    if (File)
        fclose(File);
}

const char *FuzzReplayFile(void)
{
    return FuzzReplayPath[0] ? FuzzReplayPath : NULL;
}

/* The window's inputs and the current one, copied (a reset clears the window). */
static FUZZ_RECORD *FuzzCopyWindow(size_t *Count, uint8_t **Kept)
{
    *Count = FuzzWindow.Count + 1;
    FUZZ_RECORD *Records = malloc(*Count * sizeof(FUZZ_RECORD));
    *Kept = malloc(FuzzWindow.Size + 1);
    if (Records == NULL || *Kept == NULL)
        abort();
    if (FuzzWindow.Size)
        memcpy(*Kept, FuzzWindow.Bytes, FuzzWindow.Size);
    for (size_t i = 0; i < FuzzWindow.Count; i++) {
        Records[i] = FuzzWindow.Records[i];
        Records[i].Data = *Kept + (uintptr_t)Records[i].Data;
    }
    Records[*Count - 1] = FuzzCurrent;
    return Records;
}

/* The shortest run of the window's last inputs (1, 2, 4 ... then all) that gives the
 * finding as one input on a fresh machine; written to a file. */
static void FuzzShortestTail(const FUZZ_SIGNATURE *Found, const FUZZ_CANON *Canon, size_t Dropped)
{
    for (size_t Tail = 1;; Tail = Tail * 2 < Canon->Count ? Tail * 2 : Canon->Count) {
        size_t Size;
        uint8_t *Joined = FuzzJoin(Canon, Canon->Count - Tail, &Size);
        FUZZ_RECORD One = { Joined, Size, FuzzConfiguredCodes };
        int Replays = FuzzTrial(&One, 1, NULL, Found);
        if (Replays || Tail == Canon->Count) {
            FuzzWriteReplay(Joined, Size);
            free(Joined);
            if (!FuzzReplayPath[0])
                return;
            if (Replays && Tail == 1)
                fprintf(stderr, "ntsim-fuzz: the input replays alone with its control codes written out: %s\n",
                        FuzzReplayPath);
            else if (Replays)
                fprintf(stderr,
                        "ntsim-fuzz: the input alone does not reproduce this on a fresh machine; the last %zu "
                        "inputs since the reset, joined into one, do: %s\n",
                        Tail, FuzzReplayPath);
            else
                fprintf(stderr, "ntsim-fuzz: the %zu inputs since the reset%s do not reproduce this as one input "
                                "on a fresh machine; kept anyway in %s\n",
                        Tail, Dropped ? " (the kept part)" : "", FuzzReplayPath);
            return;
        }
        free(Joined);
    }
}

/* On a finding (its report printed): what replays it on a fresh machine? The input
 * alone, as libFuzzer and the stand-alone engine keep it; otherwise the shortest run of
 * the window's last inputs, written out (FuzzReplayFile). */
static void FuzzMakeReplayable(const FUZZ_SIGNATURE *Found)
{
    FuzzReplayPath[0] = 0;
    if (FuzzWindow.Count == 0 && FuzzWindow.Dropped == 0 && FuzzCurrent.Codes == FuzzConfiguredCodes)
        return; /* it ran on a fresh machine, with the codes a replay knows: it replays */
    if (!FuzzSnapshotted) {
        fprintf(stderr, "ntsim-fuzz: the input ran after %lu others on the same machine and was not checked to "
                        "replay alone (no image snapshot on this host)\n",
                FuzzSinceReset - 1);
        return;
    }
    size_t Before = FuzzWindow.Count + FuzzWindow.Dropped, Dropped = FuzzWindow.Dropped, Count;
    uint8_t *Kept;
    FUZZ_RECORD *Records = FuzzCopyWindow(&Count, &Kept);
    FUZZ_RECORD Alone = { FuzzCurrent.Data, FuzzCurrent.Size, FuzzConfiguredCodes };
    if (FuzzTrial(&Alone, 1, NULL, Found)) {
        fprintf(stderr, "ntsim-fuzz: the input replays alone on a fresh machine\n");
    } else {
        /* run again from a reset with the codes each was decoded with: canonical forms */
        FUZZ_CANON Canon = { .Ends = malloc(Count * sizeof(size_t)) };
        if (!FuzzTrial(Records, Count, &Canon, Found))
            fprintf(stderr,
                    "ntsim-fuzz: the %zu input%s since the last reset, run again on a fresh machine, end in %s, not "
                    "in this finding: it does not replay deterministically\n",
                    Before + 1, Before ? "s" : "", FuzzTrialGot.Text);
        else if (Dropped)
            fprintf(stderr, "ntsim-fuzz: (the window's oldest %zu inputs were not kept, %u MiB limit)\n", Dropped,
                    FUZZ_WINDOW_BYTES >> 20);
        if (Canon.Count)
            FuzzShortestTail(Found, &Canon, Dropped);
        free(Canon.Bytes);
        free(Canon.Ends);
    }
    free(Records);
    free(Kept);
}
