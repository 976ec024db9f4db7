/* pseh/pseh2.h - ReactOS's portable structured-exception macros, for building public
 * ReactOS driver sources on ntsim (opt-in: ntsim_add_driver(... REACTOS_COMPAT)).
 *
 * Not a WDK header: ReactOS drivers include it instead of using __try directly, because
 * their compilers lack SEH. ntsim has SEH of its own (nt/seh.h, docs/seh.md), so each
 * documented PSEH2 name maps onto the matching keyword, with the same limits (a
 * `return` inside a try block skips a finally block; locals read in a handler should be
 * volatile). Written for ntsim from the macro names and their documented meaning. */
#ifndef NTSIM_REACTOS_PSEH2_H
#define NTSIM_REACTOS_PSEH2_H

#include <nt/seh.h>

#define _SEH2_TRY __try
#define _SEH2_EXCEPT(...) __except (__VA_ARGS__)
#define _SEH2_FINALLY __finally
/* ReactOS closes every guarded block with _SEH2_END; ntsim's blocks need no closing. */
#define _SEH2_END
#define _SEH2_LEAVE __leave
#define _SEH2_GetExceptionCode() GetExceptionCode()
#define _SEH2_GetExceptionInformation() GetExceptionInformation()
#define _SEH2_AbnormalTermination() AbnormalTermination()
/* A statement that leaves the guarded block (return, goto): ntsim's frames are popped
 * by a cleanup attribute, so the statement runs as written. */
#define _SEH2_YIELD(...) __VA_ARGS__
#define _SEH2_VOLATILE volatile

#endif
