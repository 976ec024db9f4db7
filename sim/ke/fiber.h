/* fiber.h - user-level execution contexts for the scheduler's fiber backend, and the
 * guarded stacks both backends give their threads (sim/ke/fiber.c; docs/scheduler.md,
 * "The two thread backends").
 *
 * A fiber is a stack and a saved stack pointer. KiFiberSwitch saves the callee-saved
 * registers of the caller on its own stack, stores the stack pointer, loads the other
 * fiber's and returns there: a function call's worth of work, no system call. The
 * host thread's own context is a fiber without a stack of ours (Stack.Base NULL). */
#ifndef NTSIM_FIBER_H
#define NTSIM_FIBER_H
#include <stddef.h>

/* Built with AddressSanitizer / ThreadSanitizer (gcc defines the first, clang answers
 * the second). */
#if defined(__SANITIZE_ADDRESS__)
#define KI_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KI_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define KI_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KI_TSAN 1
#endif
#endif

/* A thread stack: an mmap'ed region whose lowest KI_STACK_GUARD bytes are PROT_NONE,
 * so an overflow faults instead of running into other memory. */
typedef struct _KI_STACK {
    void *Base;             /* the mapping, guard included; NULL: none */
    size_t Size;            /* of the mapping */
} KI_STACK;

typedef struct _KI_FIBER {
    void *Sp;               /* saved stack pointer while switched out */
    KI_STACK Stack;
    const void *AsanBottom; /* the usable stack, for AddressSanitizer */
    size_t AsanSize;
    void *TsanFiber;        /* ThreadSanitizer's context of this fiber */
    void (*Entry)(void *);  /* what it runs */
    void *Argument;
} KI_FIBER;

#define KI_STACK_GUARD (64u * 1024u) /* frames up to this size cannot jump over it */

/* Map a stack of Size usable bytes above a guard region. FALSE: out of memory. */
int KiAllocateStack(KI_STACK *Stack, size_t Size);
void KiFreeStack(KI_STACK *Stack);
static inline void *KiStackLow(const KI_STACK *Stack) { return (char *)Stack->Base + KI_STACK_GUARD; }
static inline size_t KiStackUsable(const KI_STACK *Stack) { return Stack->Size - KI_STACK_GUARD; }
/* Is Address in the guard region of Stack (or just below it)? */
int KiStackGuardHit(const KI_STACK *Stack, const void *Address);
/* The default usable size of a thread stack: 1 MiB, 4 MiB under AddressSanitizer. */
size_t KiDefaultStackSize(void);

/* The calling context becomes a fiber others can switch to (the host thread). */
void KiFiberAdoptCurrent(KI_FIBER *Fiber);
/* A new fiber that runs Entry(Argument) on a fresh stack (StackSize usable bytes, 0:
 * KiDefaultStackSize) when first switched to.
 * Entry must never return (it ends by switching away with FromEnds set). */
int KiFiberCreate(KI_FIBER *Fiber, void (*Entry)(void *), void *Argument, size_t StackSize);
/* Free a fiber that has ended (never the one running). */
void KiFiberDestroy(KI_FIBER *Fiber);
/* Save the running context in From and continue To. Returns when someone switches
 * back to From. FromEnds: From will never run again (its sanitizer state goes). */
void KiFiberSwitch(KI_FIBER *From, KI_FIBER *To, int FromEnds);
/* "x86-64 assembly", "AArch64 assembly" or "ucontext" (docs, bench output). */
const char *KiFiberImplementation(void);
#endif
