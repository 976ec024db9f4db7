/* nt/seh.h - structured exception handling for drivers compiled by gcc/clang.
 *
 * __try/__except/__finally (and the try/except/finally/leave spellings) are built
 * from setjmp/longjmp on a per-thread frame chain. ExRaiseStatus, ProbeForRead and
 * ProbeForWrite raise into the innermost frame; an exception with no frame is a
 * KMODE_EXCEPTION_NOT_HANDLED bug check.
 *
 * Shape of the expansion (why it works with the user's braces):
 *   __try           -> for (frame; NtsimSehStep(&f);) if (phase 1) if (setjmp(f) == 0)
 *   { try block }
 *   __except(e)     -> else if (NtsimSehFilter(&f, e))          { handler }
 *   __finally       -> else NtsimSehMarkPending(&f); else        { finally block }
 * Step runs phase 1 (push frame), phase 2 (pop; the finally block runs here) and then
 * re-raises an exception that passed through a __finally. A cleanup attribute pops the
 * frame when a `return` or `goto` leaves the try block.
 * Limits (documented in docs/seh.md): `return` out of a __try skips its __finally;
 * __leave is `continue`: it ends the body the way falling off its end does, so the
 * __finally block still runs (a `break` would leave the frame's loop and skip it); inside
 * a loop of the try block's own it continues that loop instead;
 * locals changed inside __try and read in the handler should be volatile.
 */
#ifndef NTSIM_NT_SEH_H
#define NTSIM_NT_SEH_H

#include <setjmp.h>

#define EXCEPTION_EXECUTE_HANDLER 1
#define EXCEPTION_CONTINUE_SEARCH 0
#define EXCEPTION_CONTINUE_EXECUTION (-1)

typedef struct _NTSIM_SEH_FRAME {
    struct _NTSIM_SEH_FRAME *Prev;
    int Phase;
    int Pending;
    int Pushed;
    NTSTATUS Code;
    sigjmp_buf Jump;
} NTSIM_SEH_FRAME;

NTKERNELAPI int NtsimSehStep(NTSIM_SEH_FRAME *Frame);
NTKERNELAPI int NtsimSehFilter(NTSIM_SEH_FRAME *Frame, int FilterResult);
NTKERNELAPI void NtsimSehMarkPending(NTSIM_SEH_FRAME *Frame);
NTKERNELAPI void NtsimSehUnwind(NTSIM_SEH_FRAME *Frame);
NTKERNELAPI NTSTATUS NtsimSehExceptionCode(void);

/* The expansion nests an unbraced if/else by design, and locals live across
 * sigsetjmp: silence the two warnings that would flag every __try in a driver. */
#if defined(__clang__)
#define NTSIM_SEH_QUIET _Pragma("clang diagnostic ignored \"-Wdangling-else\"")
#else
#define NTSIM_SEH_QUIET _Pragma("GCC diagnostic ignored \"-Wdangling-else\"") \
    _Pragma("GCC diagnostic ignored \"-Wclobbered\"")
#endif

#define __try \
    NTSIM_SEH_QUIET \
    for (NTSIM_SEH_FRAME _ntsim_seh __attribute__((cleanup(NtsimSehUnwind))) = { .Phase = 0 }; \
         NtsimSehStep(&_ntsim_seh);) \
        if (_ntsim_seh.Phase == 1) \
            if (sigsetjmp(_ntsim_seh.Jump, 0) == 0)
#define __except(filter) else if (NtsimSehFilter(&_ntsim_seh, (filter)))
#define __finally else NtsimSehMarkPending(&_ntsim_seh); else
#define __leave continue
#define GetExceptionCode() NtsimSehExceptionCode()
#define _exception_code() NtsimSehExceptionCode()
#define GetExceptionInformation() ((PVOID)0)
#define AbnormalTermination() (_ntsim_seh.Pending)

#if !defined(__cplusplus) && !defined(NTSIM_NO_SEH_KEYWORDS)
#define try __try
#define except __except
#define finally __finally
#define leave __leave
#endif

DECLSPEC_NORETURN NTKERNELAPI VOID ExRaiseStatus(NTSTATUS Status);
DECLSPEC_NORETURN NTKERNELAPI VOID ExRaiseAccessViolation(VOID);
DECLSPEC_NORETURN NTKERNELAPI VOID ExRaiseDatatypeMisalignment(VOID);

#endif
