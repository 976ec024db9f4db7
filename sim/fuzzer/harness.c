/* harness.c - decode fuzz input bytes into requests to a driver and judge the result.
 *
 * The driver is loaded once per process; every input opens its own file object(s),
 * runs its requests and closes them, so the driver's per-file paths (create, cleanup,
 * close) are exercised every time. The oracle is the whole verifier: any error finding
 * or bug check after an input is a crash for the engine, printed with the report.
 * State the driver keeps across files carries over between inputs (see docs/fuzzing.md);
 * a crash replays on a fresh machine with `ntsim-fuzz --driver=... CRASH-FILE`.
 *
 * Input format, one operation after another until the bytes run out (missing bytes read
 * as zero):
 *   op % 8 = 0,1,2  device control: code (a known code by index, or 4 bytes), input
 *                   length (2 bytes), output length (2 bytes), input bytes; waits up
 *                   to 1 ms of virtual time for it
 *            3      read: length (2 bytes)
 *            4      write: length (2 bytes), bytes
 *            5      device control left pending across the next ops
 *            6      close the file and open a new one
 *            7      let virtual time pass: 1 byte x 100 us */
#include "fuzz.h"

#include <ntsim/ntsim.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_CODES 64
#define FUZZ_MAX_LENGTH 8192
#define FUZZ_MAX_PENDING 4
#define STATUS_INVALID_DEVICE_REQUEST ((int32_t)0xC0000010)
#define STATUS_NOT_SUPPORTED ((int32_t)0xC00000BB)

void (*FuzzFound)(void) = abort;
static const char *FuzzDriverPath, *FuzzDevicePath, *FuzzRegPath;
static uint32_t FuzzCodes[FUZZ_MAX_CODES];
static size_t FuzzCodeCount;
static ntsim_machine *FuzzMachine;
static size_t FuzzBaselineErrors;

void FuzzUsage(const char *Program)
{
    fprintf(stderr,
            "usage: %s --driver=IMAGE.sys --device=PATH [--reg=FILE.reg] [--ioctl=CODE[,CODE...]] [engine options]\n"
            "  PATH is what a program opens, e.g. \\\\.\\NtsimEcho or \\Device\\NtsimEcho\n",
            Program);
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
    return 0;
}

int FuzzConfigure(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *A = argv[i];
        if (strncmp(A, "--driver=", 9) == 0)
            FuzzDriverPath = A + 9;
        else if (strncmp(A, "--device=", 9) == 0)
            FuzzDevicePath = A + 9;
        else if (strncmp(A, "--reg=", 6) == 0)
            FuzzRegPath = A + 6;
        else if (strncmp(A, "--ioctl=", 8) == 0) {
            if (FuzzAddCodes(A + 8) != 0)
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

static size_t FuzzErrorCount(void)
{
    size_t Errors = 0;
    for (size_t i = 0; i < ntsim_finding_count(FuzzMachine); i++)
        Errors += ntsim_finding_at(FuzzMachine, i)->severity == NTSIM_SEV_ERROR;
    return Errors;
}

int FuzzStart(void)
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
    return 0;
}

/* ---- reading the input ---- */

typedef struct {
    const uint8_t *Data;
    size_t Size, Used;
} FUZZ_INPUT;

static uint32_t FuzzTake(FUZZ_INPUT *In, size_t Bytes)
{
    uint32_t Value = 0;
    for (size_t i = 0; i < Bytes; i++)
        Value |= (uint32_t)(In->Used < In->Size ? In->Data[In->Used++] : 0) << (8 * i);
    return Value;
}

static void FuzzTakeBytes(FUZZ_INPUT *In, uint8_t *To, size_t Length)
{
    size_t Have = In->Size - In->Used < Length ? In->Size - In->Used : Length;
    memcpy(To, In->Data + In->Used, Have);
    memset(To + Have, 0, Length - Have);
    In->Used += Have;
}

/* A known code (given with --ioctl, or one the driver accepted before) or raw bytes. */
static uint32_t FuzzTakeCode(FUZZ_INPUT *In)
{
    uint8_t Choice = (uint8_t)FuzzTake(In, 1);
    if (FuzzCodeCount && Choice < 0xC0)
        return FuzzCodes[Choice % FuzzCodeCount];
    return FuzzTake(In, 4);
}

static void FuzzLearn(uint32_t Code, int32_t Status)
{
    if (Status == STATUS_INVALID_DEVICE_REQUEST || Status == STATUS_NOT_SUPPORTED || Status == NTSIM_E_CRASHED ||
        FuzzCodeCount == FUZZ_MAX_CODES)
        return;
    for (size_t i = 0; i < FuzzCodeCount; i++)
        if (FuzzCodes[i] == Code)
            return;
    FuzzCodes[FuzzCodeCount++] = Code;
}

/* ---- the verdict ---- */

static void FuzzCrash(const char *What)
{
    fprintf(stderr, "\n==== ntsim-fuzz: %s ====\n", What);
    ntsim_bugcheck Bugcheck;
    if (ntsim_machine_crashed(FuzzMachine, &Bugcheck))
        ntsim_print_bugcheck(stderr, &Bugcheck);
    ntsim_print_findings(stderr, FuzzMachine);
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
    ntsim_request *Request = NULL;
    int32_t Status = Write ? ntsim_write_async(S->File, S->In, Length, &Request)
                           : ntsim_read_async(S->File, S->Out, Length, &Request);
    FuzzCheck(Status);
    FuzzFinish(S, Request, 1000000ull);
    FuzzCheck(0);
}

int FuzzOneInput(const uint8_t *Data, size_t Size)
{
    static FUZZ_SESSION Session;
    FUZZ_SESSION *S = &Session;
    FUZZ_INPUT In = { Data, Size, 0 };
    FuzzOpen(S);
    while (S->File && In.Used < In.Size) {
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
            FuzzOpen(S);
            break;
        default:
            FuzzCheck(ntsim_run_for(FuzzMachine, FuzzTake(&In, 1) * 100000ull));
            break;
        }
    }
    FuzzCloseAll(S);
    FuzzCheck(0);
    return 0;
}
