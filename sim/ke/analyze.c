/* analyze.c - the report of a stop as WinDbg's "!analyze -v" gives it to a driver
 * developer: the code and its name, what each argument means for that code, the
 * faulting driver line, the call chain through the driver's and the DDI's frames with
 * full source paths, and the IRPs and devices involved.
 *
 * The stack was captured as return addresses when the stop was recorded (bugcheck.c);
 * it is symbolized here, when someone prints the report (symbol.c caches each address).
 * Argument meanings follow the public bug check reference and, where ntsim fills an
 * argument its own way (the "approximate" 0xC4 subcodes), say what ntsim puts there. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>

void (*KiAnalyzeIoHook)(FILE *Out, const uint64_t Params[4], unsigned IrpArgs);

/* ---- what the arguments mean ---- */

typedef struct _KI_BUGCHECK_DOC {
    ULONG Code;
    const char *Meaning;
    const char *Args[4];
} KI_BUGCHECK_DOC;

static const KI_BUGCHECK_DOC KiBugCheckDocs[] = {
    { 0x01, "A thread or work item returned with kernel APCs still disabled, or left a critical region it never entered.",
      { "routine that returned (system thread start or work item), or 0", "reserved",
        "the thread's critical-region depth (KernelApcDisable)", "1 for a work item" } },
    { 0x09, "KeRaiseIrql was asked for an IRQL below the current one.",
      { "current IRQL", "requested IRQL", "reserved", "reserved" } },
    { 0x0A, "Pageable memory or an invalid address was touched at DISPATCH_LEVEL or above.",
      { "address referenced", "IRQL at the time", "0 read, 1 write, 8 execute", "address of the instruction" } },
    { 0x0C, "A wait was given more objects than the wait block array can hold.",
      { "number of objects", "reserved", "reserved", "reserved" } },
    { 0x18, "An object's reference count was lowered below zero, or a pointer that is no live object was used as one.",
      { "object type (0: unknown)", "the object", "reason (2: the count was already zero)", "pointer count" } },
    { 0x1E, "An exception in kernel-mode code was not handled.",
      { "exception code (NTSTATUS)", "address of the exception", "exception parameter 0", "exception parameter 1" } },
    { 0x35, "An IRP was passed down a stack that has no stack location left for the next driver.",
      { "the IRP", "reserved", "reserved", "reserved" } },
    { 0x44, "An IRP was completed a second time (IoCompleteRequest on an IRP already completed or freed).",
      { "the IRP", "ntsim check that caught it (0xD17 already freed, 0x1D7 already completed)", "reserved",
        "reserved" } },
    { 0x50, "Driver code touched memory that is not mapped.",
      { "address referenced", "0 read, 1 write (0 when unknown)", "address of the faulting instruction",
        "reserved" } },
    { 0x76, "A driver left memory pages locked (an MDL still locked when it was freed or the driver unloaded).",
      { "the MDL", "reserved", "reserved", "reserved" } },
    { 0x7E, "A system thread raised an exception that nothing handled.",
      { "exception code", "address of the exception", "exception record", "context record" } },
    { 0x8E, "Kernel-mode code raised an exception that nothing handled.",
      { "exception code", "address of the exception", "trap frame", "reserved" } },
    { 0x93, "A handle that is not open (closed already, or never a handle) was passed to a kernel routine.",
      { "the handle", "reserved", "reserved", "reserved" } },
    { 0x9F, "A power IRP was mishandled: not passed down, held too long, or failed with a forbidden status.",
      { "subcode (0x500: a power IRP reached the next driver without PoCallDriver)", "the IRP",
        "major function of the next stack location", "reserved" } },
    { 0xC1, "Special pool found a write outside a pool block (its unused bytes or header were overwritten).",
      { "the pool block", "its size", "reserved", "subcode (0x21: pattern overwritten)" } },
    { 0xC2, "A pool routine was called with a bad request: a double free, a bad address, a wrong tag or flags.",
      { "subcode (0x7 double free, 0x0A wrong tag, 0x46 not a pool block, 0x9B bad flags)", "subcode-specific",
        "subcode-specific", "subcode-specific" } },
    { 0xC4, "Driver Verifier found a violation.",
      { "violation subcode (below)", "subcode-specific", "subcode-specific", "subcode-specific" } },
    { 0xC7, "A timer or DPC was reinitialised while still set or queued.",
      { "0 timer, 2 DPC", "the timer or DPC", "reserved", "reserved" } },
    { 0xC8, "A routine returned at an IRQL other than the one it was called at.",
      { "(IRQL now << 16) | (expected IRQL << 8) | 2", "reserved", "reserved", "reserved" } },
    { 0xC9, "The I/O Verifier found a misuse of an IRP or a device object.",
      { "I/O Verifier subcode", "the IRP or device (per subcode)", "subcode-specific", "subcode-specific" } },
    { 0xCA, "The PnP manager found a fatal error in what a bus driver reported.",
      { "1 duplicate PDO, 2 invalid PDO, 4 PDO not in the tree", "the device object", "reserved", "reserved" } },
    { 0xCB, "A driver left pages locked after an I/O operation.",
      { "caller address", "caller's caller", "the MDL", "number of locked pages" } },
    { 0xCD, "Driver code read or wrote past the end of a pool block.",
      { "address referenced", "0 read, 1 write", "address of the instruction", "reserved" } },
    { 0xCE, "Code of a driver that is no longer loaded was reached (an IRP, timer, DPC or thread left behind).",
      { "the driver object or the address reached", "0 read, 1 write", "address of the instruction", "reserved" } },
    { 0xD1, "Pageable code or data was used at DISPATCH_LEVEL or above.",
      { "address referenced (0: pageable code reached)", "IRQL at the time", "0 read, 1 write, 8 execute",
        "address of the instruction" } },
    { 0xD5, "Driver code touched a pool block after freeing it (special pool keeps freed blocks unmapped).",
      { "address referenced", "0 read, 1 write (0 when unknown)", "address of the instruction", "reserved" } },
    { 0xD6, "Driver code touched memory just past the end of a pool block (special pool puts a guard page there).",
      { "address referenced", "0 read, 1 write (0 when unknown)", "address of the instruction", "reserved" } },
    { 0xE1, "A work item routine returned at a raised IRQL.",
      { "the work item routine", "IRQL at return", "the work item", "the work item" } },
    { 0xE2, "The run was stopped on purpose (a signal sent to the simulator).", { "the signal", "", "", "" } },
    { 0xE3, "A resource was released by a thread that does not own it.",
      { "the ERESOURCE", "the releasing thread", "the owning thread (exclusive)", "reserved" } },
    { 0xE4, "A work item was misused: queued twice, or never initialised.",
      { "0 already queued, 2 no routine, 3 not from IoAllocateWorkItem", "the work item", "queue type", "reserved" } },
    { 0xE6, "The DMA Verifier found a misuse of a DMA adapter, map registers or a common buffer.",
      { "DMA Verifier subcode", "subcode-specific", "subcode-specific", "subcode-specific" } },
    { 0xF2, "An interrupt line stayed asserted: the ISR claimed it again and again without quieting the device.",
      { "the ISR", "the ISR's context", "the interrupt object", "1 when the line is not shared (no chain)" } },
    { 0x133, "A DPC or ISR ran too long, or DPCs kept the processor at DISPATCH_LEVEL too long.",
      { "0 one DPC ran too long, 1 DPCs ran too long in total", "time spent (ticks)", "limit (ticks)",
        "reserved" } },
    { 0x4E544801, "ntsim's own stop: nothing can run (every thread blocked, no event pending), or code spun without "
                  "letting time pass.",
      { "threads alive", "virtual time (ns)", "0 all blocked, 1 wall-clock watchdog, 2 virtual-time budget, "
                                              "3 passive spin", "reserved" } },
};

typedef struct _KI_SUBCODE_DOC {
    ULONG_PTR Subcode;
    const char *Meaning;
    const char *Args[3]; /* Arg2..Arg4 */
} KI_SUBCODE_DOC;

/* Driver Verifier 0xC4 subcodes (Arg1); 0x10xx are ntsim's own (docs/verifier.md). */
static const KI_SUBCODE_DOC KiVerifierSubcodes[] = {
    { 0x01, "paged pool allocated above APC_LEVEL", { "current IRQL", "pool type", "bytes requested" } },
    { 0x02, "nonpaged pool allocated above DISPATCH_LEVEL", { "current IRQL", "pool type", "bytes requested" } },
    { 0x30, "KeRaiseIrql above HIGH_LEVEL", { "current IRQL", "requested IRQL", "reserved" } },
    { 0x31, "KeLowerIrql to a higher IRQL than the current one", { "current IRQL", "requested IRQL", "reserved" } },
    { 0x32, "spin lock released at an IRQL other than DISPATCH_LEVEL", { "current IRQL", "the lock", "reserved" } },
    { 0x33, "fast mutex or resource acquired above APC_LEVEL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x34, "fast mutex released at an IRQL other than APC_LEVEL", { "current IRQL", "the fast mutex", "reserved" } },
    { 0x35, "spin lock acquired above DISPATCH_LEVEL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x36, "KeAcquireSpinLockAtDpcLevel below DISPATCH_LEVEL", { "current IRQL", "the lock", "reserved" } },
    { 0x37, "KeReleaseSpinLockFromDpcLevel below DISPATCH_LEVEL", { "current IRQL", "the lock", "reserved" } },
    { 0x3A, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x3B, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x3C, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x3D, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x3E, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0x3F, "routine called above its highest IRQL", { "current IRQL", "highest IRQL allowed", "reserved" } },
    { 0xE1, "kernel object (lock, event, timer ...) placed in paged pool", { "the object", "pool type", "reserved" } },
    { 0x1000, "a lock acquired again by the thread that holds it (self-deadlock)", { "the lock", "reserved", "reserved" } },
    { 0x1002, "a lock or resource used before it was initialised", { "the lock or resource", "reserved", "reserved" } },
};

/* I/O Verifier 0xC9 subcodes (Arg1) as Driver Verifier documents them; 0x10xx are ntsim's own. */
static const KI_SUBCODE_DOC KiIoVerifierSubcodes[] = {
    { 0x01, "IoFreeIrp of an object that is not an IRP", { "the object", "reserved", "reserved" } },
    { 0x03, "an IRP whose type is not IO_TYPE_IRP was sent or used", { "the IRP", "reserved", "reserved" } },
    { 0x04, "IoCallDriver was given an invalid device object", { "the device object", "reserved", "reserved" } },
    { 0x06, "IoCompleteRequest with a status marked pending", { "the IRP's status", "the IRP", "reserved" } },
    { 0x07, "IoCompleteRequest while the IRP's cancel routine was still set", { "the cancel routine", "the IRP",
                                                                              "reserved" } },
    { 0x1001, "IoAllocateIrp with a stack size below 1", { "the stack size", "reserved", "reserved" } },
    { 0x1002, "IoFreeIrp of an IRP the driver laid out itself (IoInitializeIrp)", { "the IRP", "reserved",
                                                                                    "reserved" } },
    { 0x1003, "IoInitializeIrp with a packet too small for the stack size", { "the IRP", "packet size",
                                                                             "stack size" } },
    { 0x1007, "IoDeleteDevice of a device object already deleted", { "the device object", "reserved", "reserved" } },
};

static const KI_BUGCHECK_DOC *KiFindDoc(ULONG Code)
{
    for (size_t i = 0; i < RTL_NUMBER_OF(KiBugCheckDocs); i++)
        if (KiBugCheckDocs[i].Code == Code)
            return &KiBugCheckDocs[i];
    return NULL;
}

static const KI_SUBCODE_DOC *KiFindSubcode(ULONG Code, ULONG_PTR Subcode)
{
    const KI_SUBCODE_DOC *Table = Code == 0xC4 ? KiVerifierSubcodes : Code == 0xC9 ? KiIoVerifierSubcodes : NULL;
    size_t Count = Code == 0xC4 ? RTL_NUMBER_OF(KiVerifierSubcodes) : RTL_NUMBER_OF(KiIoVerifierSubcodes);
    for (size_t i = 0; Table && i < Count; i++)
        if (Table[i].Subcode == Subcode)
            return &Table[i];
    return NULL;
}

static void KiPrintArguments(FILE *Out, const ntsim_bugcheck *B)
{
    const KI_BUGCHECK_DOC *Doc = KiFindDoc(B->code);
    const KI_SUBCODE_DOC *Sub = KiFindSubcode(B->code, (ULONG_PTR)B->params[0]);
    fprintf(Out, "%s (%x)\n", B->name, B->code);
    fprintf(Out, "%s\n", Doc ? Doc->Meaning : "(no description of this code in ntsim; see the explanation above)");
    if (B->code == 0xC4 || B->code == 0xC9)
        fprintf(Out, "Subcode 0x%llx: %s.\n", (unsigned long long)B->params[0],
                Sub ? Sub->Meaning
                    : B->params[0] >= 0x1000 ? "an ntsim check with no exact Driver Verifier code (the explanation says "
                                               "what was found)"
                                             : "see the explanation");
    fprintf(Out, "Arguments:\n");
    for (int i = 0; i < 4; i++) {
        const char *Meaning = Sub && i > 0 ? Sub->Args[i - 1] : Doc ? Doc->Args[i] : "";
        fprintf(Out, "Arg%d: %016llx%s%s\n", i + 1, (unsigned long long)B->params[i], Meaning && Meaning[0] ? ", " : "",
                Meaning ? Meaning : "");
    }
}

/* ---- the call chain ---- */

typedef enum _KI_FRAME_KIND { KiFrameNtsim, KiFrameDdi, KiFrameDriver, KiFrameHostApi } KI_FRAME_KIND;

static const char *KiNtsimImage(void)
{
    static KI_SYMBOL Self;
    if (Self.Image == NULL)
        KiSymbolize((const void *)KiPrintAnalysis, &Self);
    return Self.Image;
}

static BOOLEAN KiInNtsim(const KI_SYMBOL *Symbol)
{
    return Symbol->Image != NULL && Symbol->Image == KiNtsimImage(); /* interned: one pointer per path */
}

typedef struct _KI_FRAME {
    KI_SYMBOL Symbol;
    void *Pc;
    KI_FRAME_KIND Kind;
} KI_FRAME;

/* Symbolize a captured stack: return addresses are looked up one byte back (inside the
 * call instruction, so the line is the call's), the faulting instruction as it is. */
static int KiSymbolizeStack(const KI_CRASH_STACK *Stack, KI_FRAME *Frames, int *First)
{
    *First = 0;
    for (int i = 0; i < Stack->Count; i++) {
        Frames[i].Pc = Stack->Frames[i];
        BOOLEAN Exact = Stack->FaultPc && Stack->Frames[i] == Stack->FaultPc;
        KiSymbolize(Exact ? Stack->Frames[i] : (char *)Stack->Frames[i] - 1, &Frames[i].Symbol);
        if (Exact && *First == 0)
            *First = i;
    }
    return Stack->Count;
}

/* Where the report's chain starts: a fault at the faulting frame; a stop raised by a
 * DDI at the DDI the driver called (the innermost ntsim frame whose caller is not
 * ntsim); otherwise past the bug-check machinery itself. */
static int KiChainStart(const KI_CRASH_STACK *Stack, KI_FRAME *Frames, int Count, int FaultFrame)
{
    if (Stack->FaultPc)
        return FaultFrame;
    for (int i = 0; i + 1 < Count; i++)
        if (KiInNtsim(&Frames[i].Symbol) && Frames[i + 1].Symbol.Image && !KiInNtsim(&Frames[i + 1].Symbol))
            return i;
    int i = 0;
    while (i + 1 < Count && KiInNtsim(&Frames[i].Symbol) && Frames[i].Symbol.Function &&
           (strncmp(Frames[i].Symbol.Function, "KiBugCheck", 10) == 0 ||
            strncmp(Frames[i].Symbol.Function, "KiRecordBugCheck", 16) == 0 ||
            strncmp(Frames[i].Symbol.Function, "KiCaptureStack", 14) == 0))
        i++;
    return i;
}

static void KiClassifyFrames(KI_FRAME *Frames, int Start, int Count)
{
    for (int i = Start; i < Count; i++) {
        const KI_SYMBOL *S = &Frames[i].Symbol;
        if (!KiInNtsim(S))
            Frames[i].Kind = KiFrameDriver;
        else if (S->Function && strncmp(S->Function, "ntsim_", 6) == 0)
            Frames[i].Kind = KiFrameHostApi;
        else if (i + 1 < Count && Frames[i + 1].Symbol.Image && !KiInNtsim(&Frames[i + 1].Symbol))
            Frames[i].Kind = KiFrameDdi;
        else
            Frames[i].Kind = KiFrameNtsim;
    }
}

static const char *KiFrameKindName(KI_FRAME_KIND Kind)
{
    return Kind == KiFrameDdi ? "DDI" : Kind == KiFrameDriver ? "driver" : Kind == KiFrameHostApi ? "host API" : "ntsim";
}

static void KiPrintFrame(FILE *Out, int Number, const KI_FRAME *Frame)
{
    const KI_SYMBOL *S = &Frame->Symbol;
    char Name[384], Where[1100];
    if (S->Function)
        snprintf(Name, sizeof(Name), "%s!%s+0x%lx", S->ImageName, S->Function,
                 (unsigned long)((char *)Frame->Pc - ((char *)S->Address - S->Offset)));
    else if (S->ImageName)
        snprintf(Name, sizeof(Name), "%s+0x%lx", S->ImageName,
                 (unsigned long)((char *)Frame->Pc - ((char *)S->Address - S->ImageOffset)));
    else
        snprintf(Name, sizeof(Name), "%p", Frame->Pc);
    /* code inlined into this frame first, as WinDbg lists inline frames */
    for (unsigned k = 0; k + 1 < S->Depth; k++)
        fprintf(Out, "    %-8s %-10s %-48s %s\n", "", "(inline)", S->Frames[k].Function ? S->Frames[k].Function : "?",
                KiFormatLocation(&S->Frames[k], Where, sizeof(Where)));
    const KI_SOURCE_LOCATION *Own = S->Depth ? &S->Frames[S->Depth - 1] : NULL;
    KiFormatLocation(Own, Where, sizeof(Where));
    fprintf(Out, "    #%-2d [%s]%*s %-*s%s%s\n", Number, KiFrameKindName(Frame->Kind),
            (int)(8 - strlen(KiFrameKindName(Frame->Kind))), "", Where[0] ? 48 : 0, Name, Where[0] ? " " : "", Where);
}

#define KI_CHAIN_MAX_FRAMES 24

/* Prints the chain; returns the innermost driver frame (NULL when none). */
static const KI_FRAME *KiPrintChain(FILE *Out, KI_FRAME *Frames, int Count, int Start)
{
    const KI_FRAME *Faulting = NULL;
    fprintf(Out, "STACK_TEXT (innermost first; [DDI] is the routine the driver called):\n");
    int Printed = 0;
    for (int i = Start; i < Count && Printed < KI_CHAIN_MAX_FRAMES; i++) {
        if (Frames[i].Symbol.Image == NULL)
            break; /* past what the unwinder could name: the thread's own start */
        KiPrintFrame(Out, Printed++, &Frames[i]);
        if (Frames[i].Kind == KiFrameDriver && Faulting == NULL)
            Faulting = &Frames[i];
        if (Frames[i].Kind == KiFrameHostApi)
            break; /* the host call the simulator was entered through: the test's own frames follow */
    }
    if (Printed == 0)
        fprintf(Out, "    (no frames: the unwinder could not walk this stack)\n");
    return Faulting;
}

/* ---- the report ---- */

static const char *KiIrqlName(unsigned Irql)
{
    static const char *const Names[] = { "PASSIVE_LEVEL", "APC_LEVEL", "DISPATCH_LEVEL" };
    return Irql < RTL_NUMBER_OF(Names) ? Names[Irql] : Irql == 31 ? "HIGH_LEVEL" : "DIRQL";
}

void KiPrintAnalysis(FILE *Out)
{
    ntsim_bugcheck B;
    const KI_CRASH_STACK *Stack = KiCrashStack();
    if (!KiGetBugCheck(&B) || Stack == NULL)
        return;
    fprintf(Out, "\n*** Bugcheck Analysis (!analyze -v) ***\n\n");
    KiPrintArguments(Out, &B);
    fprintf(Out, "\n");
    KI_FRAME *Frames = KiHostAlloc(sizeof(KI_FRAME) * (Stack->Count ? Stack->Count : 1));
    int FaultFrame;
    int Count = KiSymbolizeStack(Stack, Frames, &FaultFrame);
    int Start = KiChainStart(Stack, Frames, Count, FaultFrame);
    if (Stack->FaultPc && Count && Frames[Start].Pc != Stack->FaultPc) { /* the unwinder stopped at the signal */
        Count = 1;
        Start = 0;
        Frames[0].Pc = Stack->FaultPc;
        KiSymbolize(Stack->FaultPc, &Frames[0].Symbol);
    }
    KiClassifyFrames(Frames, Start, Count);
    const KI_FRAME *Faulting = KiPrintChain(Out, Frames, Count, Start);
    char Where[1100] = "";
    if (Faulting)
        KiFormatLocation(KiSymbolSourceLine(&Faulting->Symbol), Where, sizeof(Where));
    fprintf(Out, "\nFAULTING_SOURCE: %s\n", Where[0] ? Where : B.site && B.site[0] ? B.site : "(unknown)");
    if (Faulting && Faulting->Symbol.Function)
        fprintf(Out, "FAULTING_FUNCTION: %s!%s\n", Faulting->Symbol.ImageName, Faulting->Symbol.Function);
    if (B.driver && B.driver[0])
        fprintf(Out, "DRIVER: %s\n", B.driver);
    fprintf(Out, "IRQL: %u (%s)\n", B.irql, KiIrqlName(B.irql));
    fprintf(Out, "SYMBOLS: %s\n", KiSymbolBackend());
    free(Frames);
    const KI_BUGCHECK_DOC *Doc = KiFindDoc(B.code);
    unsigned IrpArgs = 0;
    for (int i = 0; Doc && i < 4; i++)
        if (strcmp(Doc->Args[i], "the IRP") == 0 || strncmp(Doc->Args[i], "the IRP ", 8) == 0)
            IrpArgs |= 1u << i;
    if (KiAnalyzeIoHook)
        KiAnalyzeIoHook(Out, B.params, IrpArgs);
}
