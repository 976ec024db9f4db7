/* fiber.c - the context switch of the fiber backend, and guarded thread stacks.
 *
 * Switching fibers is a call to KiFiberSwap, a few instructions of assembly per
 * architecture (x86-64 System V, AArch64; the same on Linux and macOS): push the
 * callee-saved registers on the current stack, store the stack pointer, load the
 * other fiber's, pop its registers and return into it. Everything else a C caller
 * expects to survive a call lives on the stack, so nothing more is saved. Other
 * architectures fall back to ucontext (swapcontext), which is portable but makes a
 * sigprocmask system call per switch. Why not a library: docs/scheduler.md.
 *
 * Not saved: the x87 control word and MXCSR (x86-64), FPCR (AArch64). They are
 * per host thread and shared by every fiber, as kernel code may not use floating
 * point without KeSaveFloatingPointState anyway.
 *
 * Sanitizers must know which stack is current: AddressSanitizer through
 * __sanitizer_start/finish_switch_fiber (it checks accesses against the current
 * stack's bounds and keeps a fake stack per fiber), ThreadSanitizer through its fiber
 * contexts (each fiber is a TSan "thread"; a switch is a happens-before edge). */
#include "ntsimp.h"
#include "ke/fiber.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef KI_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef KI_TSAN
#include <sanitizer/tsan_interface.h>
#endif

/* ---- the switch ---- */

/* -DNTSIM_FIBER_UCONTEXT forces the fallback (to test it on a common machine). */
#if (defined(__x86_64__) || defined(__aarch64__)) && !defined(NTSIM_FIBER_UCONTEXT)
#define KI_FIBER_ASM 1

#if defined(__APPLE__)
#define KI_ASM_BEGIN(Name) ".text\n.globl _" #Name "\n.private_extern _" #Name "\n.p2align 4\n_" #Name ":\n"
#define KI_ASM_END(Name) ""
#else
#define KI_ASM_BEGIN(Name) \
    ".pushsection .text\n.globl " #Name "\n.hidden " #Name "\n.type " #Name ", %function\n.p2align 4\n" #Name ":\n"
#define KI_ASM_END(Name) ".size " #Name ", .-" #Name "\n.popsection\n"
#endif

/* void KiFiberSwap(void **SaveSp, void *LoadSp) */
void KiFiberSwap(void **SaveSp, void *LoadSp) __attribute__((visibility("hidden")));
/* A new fiber's first "return" lands here with Entry and Argument in callee-saved
 * registers; it calls Entry(Argument), which never returns. */
void KiFiberTrampoline(void) __attribute__((visibility("hidden")));

#if defined(__x86_64__)
__asm__(KI_ASM_BEGIN(KiFiberSwap)
        "    pushq %rbp\n"
        "    pushq %rbx\n"
        "    pushq %r12\n"
        "    pushq %r13\n"
        "    pushq %r14\n"
        "    pushq %r15\n"
        "    movq %rsp, (%rdi)\n"
        "    movq %rsi, %rsp\n"
        "    popq %r15\n"
        "    popq %r14\n"
        "    popq %r13\n"
        "    popq %r12\n"
        "    popq %rbx\n"
        "    popq %rbp\n"
        "    ret\n"
        KI_ASM_END(KiFiberSwap)
        KI_ASM_BEGIN(KiFiberTrampoline)
        "    .cfi_startproc\n"
        "    .cfi_undefined rip\n" /* the outermost frame: unwinders stop here */
        "    movq %rbx, %rdi\n"
        "    callq *%r12\n"
        "    ud2\n"
        "    .cfi_endproc\n"
        KI_ASM_END(KiFiberTrampoline));
#define KI_FIBER_FRAME_WORDS 7 /* r15 r14 r13 r12 rbx rbp, return address */
#else /* __aarch64__ */
__asm__(KI_ASM_BEGIN(KiFiberSwap)
        "    sub sp, sp, #160\n"
        "    stp x19, x20, [sp, #0]\n"
        "    stp x21, x22, [sp, #16]\n"
        "    stp x23, x24, [sp, #32]\n"
        "    stp x25, x26, [sp, #48]\n"
        "    stp x27, x28, [sp, #64]\n"
        "    stp x29, x30, [sp, #80]\n"
        "    stp d8, d9, [sp, #96]\n"
        "    stp d10, d11, [sp, #112]\n"
        "    stp d12, d13, [sp, #128]\n"
        "    stp d14, d15, [sp, #144]\n"
        "    mov x9, sp\n"
        "    str x9, [x0]\n"
        "    mov sp, x1\n"
        "    ldp x19, x20, [sp, #0]\n"
        "    ldp x21, x22, [sp, #16]\n"
        "    ldp x23, x24, [sp, #32]\n"
        "    ldp x25, x26, [sp, #48]\n"
        "    ldp x27, x28, [sp, #64]\n"
        "    ldp x29, x30, [sp, #80]\n"
        "    ldp d8, d9, [sp, #96]\n"
        "    ldp d10, d11, [sp, #112]\n"
        "    ldp d12, d13, [sp, #128]\n"
        "    ldp d14, d15, [sp, #144]\n"
        "    add sp, sp, #160\n"
        "    ret\n"
        KI_ASM_END(KiFiberSwap)
        KI_ASM_BEGIN(KiFiberTrampoline)
        "    .cfi_startproc\n"
        "    .cfi_undefined x30\n"
        "    mov x0, x19\n"
        "    blr x20\n"
        "    brk #0\n"
        "    .cfi_endproc\n"
        KI_ASM_END(KiFiberTrampoline));
#define KI_FIBER_FRAME_WORDS 20 /* x19..x30 and d8..d15, 160 bytes */
#endif

/* Lay out a new fiber's stack as KiFiberSwap leaves a switched-out one, so that the
 * first switch to it "returns" into the trampoline. */
static void *KiFiberInitialFrame(void *Top, void (*Entry)(void *), void *Argument)
{
    uintptr_t *Sp = (uintptr_t *)((uintptr_t)Top & ~(uintptr_t)15) - KI_FIBER_FRAME_WORDS;
    memset(Sp, 0, KI_FIBER_FRAME_WORDS * sizeof(uintptr_t));
#if defined(__x86_64__)
    /* popped as r15 r14 r13 r12 rbx rbp, then ret: after it the stack pointer is
     * 16-byte aligned, so the trampoline's call enters Entry as the ABI requires */
    Sp[3] = (uintptr_t)Entry;            /* r12 */
    Sp[4] = (uintptr_t)Argument;         /* rbx */
    Sp[6] = (uintptr_t)KiFiberTrampoline;
#else
    Sp[0] = (uintptr_t)Argument;         /* x19 */
    Sp[1] = (uintptr_t)Entry;            /* x20 */
    Sp[11] = (uintptr_t)KiFiberTrampoline; /* x30, the link register */
#endif
    return Sp;
}

const char *KiFiberImplementation(void)
{
#if defined(__x86_64__)
    return "x86-64 assembly";
#else
    return "AArch64 assembly";
#endif
}

#else /* another architecture: ucontext */
#include <ucontext.h>

static KI_FIBER *KiFiberStarting; /* the fiber the first switch to starts */

static void KiFiberRun(void *Argument);

static void KiFiberUcEntry(void)
{
    KiFiberRun(KiFiberStarting);
}

const char *KiFiberImplementation(void)
{
    return "ucontext";
}
#endif

#ifdef KI_ASAN
/* The fiber that switched away last: the one arriving learns its stack's bounds
 * from AddressSanitizer (how the host thread's stack becomes known). */
static KI_FIBER *KiFiberLeaving;
#endif

static inline void KiFiberArrived(void *FakeStack)
{
#ifdef KI_ASAN
    __sanitizer_finish_switch_fiber(FakeStack, &KiFiberLeaving->AsanBottom, &KiFiberLeaving->AsanSize);
#else
    (void)FakeStack;
#endif
}

void KiFiberSwitch(KI_FIBER *From, KI_FIBER *To, int FromEnds)
{
    void *FakeStack = NULL;
#ifdef KI_ASAN
    /* NULL when From ends: AddressSanitizer frees its fake stack */
    __sanitizer_start_switch_fiber(FromEnds ? NULL : &FakeStack, To->AsanBottom, To->AsanSize);
#else
    (void)FromEnds;
#endif
#ifdef KI_TSAN
    __tsan_switch_to_fiber(To->TsanFiber, 0);
#endif
#ifdef KI_ASAN
    KiFiberLeaving = From;
#endif
#ifdef KI_FIBER_ASM
    KiFiberSwap(&From->Sp, To->Sp);
#else
    KiFiberStarting = To;
    swapcontext((ucontext_t *)From->Sp, (ucontext_t *)To->Sp);
#endif
    KiFiberArrived(FakeStack);
}

/* Where every new fiber begins: complete the switch that started it, run its entry. */
static void KiFiberRun(void *Argument)
{
    KI_FIBER *Fiber = Argument;
    KiFiberArrived(NULL);
    Fiber->Entry(Fiber->Argument);
    fprintf(stderr, "ntsim: a fiber's entry returned (it must switch away for good)\n");
    abort();
}

void KiFiberAdoptCurrent(KI_FIBER *Fiber)
{
    memset(Fiber, 0, sizeof(*Fiber));
#ifndef KI_FIBER_ASM
    Fiber->Sp = KiHostAlloc(sizeof(ucontext_t));
#endif
#ifdef KI_TSAN
    Fiber->TsanFiber = __tsan_get_current_fiber();
#endif
}

int KiFiberCreate(KI_FIBER *Fiber, void (*Entry)(void *), void *Argument, size_t StackSize)
{
    memset(Fiber, 0, sizeof(*Fiber));
    if (!KiAllocateStack(&Fiber->Stack, StackSize ? StackSize : KiDefaultStackSize()))
        return 0;
    Fiber->AsanBottom = KiStackLow(&Fiber->Stack);
    Fiber->AsanSize = KiStackUsable(&Fiber->Stack);
    Fiber->Entry = Entry;
    Fiber->Argument = Argument;
#ifdef KI_FIBER_ASM
    Fiber->Sp = KiFiberInitialFrame((char *)KiStackLow(&Fiber->Stack) + KiStackUsable(&Fiber->Stack), KiFiberRun, Fiber);
#else
    ucontext_t *Context = KiHostAlloc(sizeof(ucontext_t));
    getcontext(Context);
    Context->uc_stack.ss_sp = KiStackLow(&Fiber->Stack);
    Context->uc_stack.ss_size = KiStackUsable(&Fiber->Stack);
    Context->uc_link = NULL;
    makecontext(Context, KiFiberUcEntry, 0);
    Fiber->Sp = Context;
#endif
#ifdef KI_TSAN
    Fiber->TsanFiber = __tsan_create_fiber(0);
#endif
    return 1;
}

void KiFiberDestroy(KI_FIBER *Fiber)
{
#ifndef KI_FIBER_ASM
    free(Fiber->Sp);
#endif
#ifdef KI_TSAN
    if (Fiber->Stack.Base && Fiber->TsanFiber) /* the host thread's context is its own */
        __tsan_destroy_fiber(Fiber->TsanFiber);
#endif
    KiFreeStack(&Fiber->Stack);
    memset(Fiber, 0, sizeof(*Fiber));
}

/* ---- guarded stacks ---- */

size_t KiDefaultStackSize(void)
{
#ifdef KI_ASAN
    return 4u << 20; /* redzones around every local */
#else
    return 1u << 20; /* Windows gives 24 KiB; the simulator's own frames run here too */
#endif
}

int KiAllocateStack(KI_STACK *Stack, size_t Size)
{
    size_t Page = (size_t)sysconf(_SC_PAGESIZE);
    size_t Guard = KI_STACK_GUARD; /* a multiple of every page size (4, 16, 64 KiB) */
    Size = (Size + Page - 1) & ~(Page - 1);
    int Flags = MAP_PRIVATE | MAP_ANON;
#ifdef MAP_NORESERVE
    Flags |= MAP_NORESERVE; /* pages are committed as the stack grows into them */
#endif
#ifdef MAP_STACK
    Flags |= MAP_STACK;
#endif
    void *Base = mmap(NULL, Guard + Size, PROT_READ | PROT_WRITE, Flags, -1, 0);
    if (Base == MAP_FAILED)
        return 0;
    if (mprotect(Base, Guard, PROT_NONE) != 0) {
        munmap(Base, Guard + Size);
        return 0;
    }
    Stack->Base = Base;
    Stack->Size = Guard + Size;
    return 1;
}

void KiFreeStack(KI_STACK *Stack)
{
    if (Stack->Base == NULL)
        return;
#ifdef KI_ASAN
    /* frames abandoned by an unwind leave their redzones poisoned in the shadow, which
     * would outlive the mapping and hit whatever is mapped here next */
    __asan_unpoison_memory_region(KiStackLow(Stack), KiStackUsable(Stack));
#endif
    munmap(Stack->Base, Stack->Size);
    Stack->Base = NULL;
    Stack->Size = 0;
}

int KiStackGuardHit(const KI_STACK *Stack, const void *Address)
{
    return Stack->Base && (const char *)Address >= (const char *)Stack->Base &&
           (const char *)Address < (const char *)KiStackLow(Stack);
}
