/* seh.c - run time of the __try/__except/__finally macros in nt/seh.h. */
#include "ntsimp.h"

NTSIM_TLS NTSIM_SEH_FRAME *KiSehTop; /* both switched with the thread: KI_THREAD_LOCALS (ke/kep.h) */
NTSIM_TLS NTSTATUS KiSehCode;

static void KiSehPop(NTSIM_SEH_FRAME *Frame)
{
    if (Frame->Pushed) {
        KiSehTop = Frame->Prev;
        Frame->Pushed = 0;
    }
}

static DECLSPEC_NORETURN void KiSehDispatch(NTSTATUS Code, NTSIM_SITE Site)
{
    NTSIM_SEH_FRAME *Frame = KiSehTop;
    KiSehCode = Code;
    if (Frame == NULL)
        KiBugCheck(0x1E, (ULONG_PTR)(ULONG)Code, 0, 0, 0, Site,
                   "exception 0x%08X raised with no __try/__except frame to catch it", (ULONG)Code);
    Frame->Code = Code;
    siglongjmp(Frame->Jump, 1);
}

int NtsimSehStep(NTSIM_SEH_FRAME *Frame)
{
    switch (Frame->Phase) {
    case 0:
        Frame->Prev = KiSehTop;
        KiSehTop = Frame;
        Frame->Pushed = 1;
        Frame->Phase = 1;
        return 1;
    case 1:
        KiSehPop(Frame);
        Frame->Phase = 2;
        return 1; /* a __finally block runs in this pass */
    default:
        if (Frame->Pending) {
            Frame->Pending = 0;
            NTSIM_SITE None = { NULL, 0 };
            KiSehDispatch(Frame->Code, None);
        }
        return 0;
    }
}

int NtsimSehFilter(NTSIM_SEH_FRAME *Frame, int FilterResult)
{
    KiSehPop(Frame);
    if (FilterResult == EXCEPTION_EXECUTE_HANDLER)
        return 1;
    NTSIM_SITE None = { NULL, 0 };
    if (FilterResult == EXCEPTION_CONTINUE_EXECUTION)
        KiBugCheck(0x1E, (ULONG_PTR)(ULONG)Frame->Code, 0, 0, 0, None,
                   "EXCEPTION_CONTINUE_EXECUTION is not supported by ntsim's __except");
    KiSehDispatch(Frame->Code, None); /* EXCEPTION_CONTINUE_SEARCH */
}

void NtsimSehMarkPending(NTSIM_SEH_FRAME *Frame)
{
    Frame->Pending = 1;
}

void NtsimSehUnwind(NTSIM_SEH_FRAME *Frame)
{
    KiSehPop(Frame);
}

NTSTATUS NtsimSehExceptionCode(void)
{
    return KiSehCode;
}

/* Is there a __try frame to raise an exception into? */
BOOLEAN KiSehActive(void)
{
    return KiSehTop != NULL;
}

void KiSehReset(void)
{
    KiSehTop = NULL;
}

void KiRaiseStatusAt(NTSTATUS Status, NTSIM_SITE Site)
{
    KiSehDispatch(Status, Site);
}

VOID ExRaiseStatus(NTSTATUS Status)
{
    KiSehDispatch(Status, KiTakeSite());
}

VOID ExRaiseAccessViolation(VOID)
{
    KiSehDispatch(STATUS_ACCESS_VIOLATION, KiTakeSite());
}

VOID ExRaiseDatatypeMisalignment(VOID)
{
    KiSehDispatch(STATUS_DATATYPE_MISALIGNMENT, KiTakeSite());
}
