/* nt/debug.h - ASSERT, NT_ASSERT, KdPrint and breakpoints as the WDK's free and checked
 * builds give them. DBG is 0 unless the build defines it (a checked build: pass
 * DEFINITIONS DBG=1 to ntsim_add_driver). In a checked build a failed assertion calls
 * RtlAssert, which records a finding "ASSERT" naming the expression, file and line and
 * lets the driver continue; in a free build assertions and KdPrint compile to nothing.
 * DbgBreakPoint(WithStatus) is a finding "BREAKPOINT" with the driver's line, not a trap. */
#ifndef NTSIM_NT_DEBUG_H
#define NTSIM_NT_DEBUG_H

#ifndef DBG
#define DBG 0
#endif

NTSYSAPI VOID NTAPI RtlAssert(PVOID VoidFailedAssertion, PVOID VoidFileName, ULONG LineNumber, PSTR MutableMessage);
NTKERNELAPI VOID DbgBreakPoint(VOID);
NTKERNELAPI VOID DbgBreakPointWithStatus(ULONG Status);
#define KdBreakPoint() DbgBreakPoint()
#define KdBreakPointWithStatus(s) DbgBreakPointWithStatus(s)
#define DBG_STATUS_CONTROL_C 1
#define DBG_STATUS_SYSRQ 2
#define DBG_STATUS_BUGCHECK_FIRST 3
#define DBG_STATUS_BUGCHECK_SECOND 4
#define DBG_STATUS_FATAL 5
#define DBG_STATUS_DEBUG_CONTROL 6
#define DBG_STATUS_WORKER 7

#if DBG
#define ASSERT(exp) ((!(exp)) ? (RtlAssert((PVOID) #exp, (PVOID)__FILE__, __LINE__, NULL), FALSE) : TRUE)
#define ASSERTMSG(msg, exp) \
    ((!(exp)) ? (RtlAssert((PVOID) #exp, (PVOID)__FILE__, __LINE__, (PSTR)(msg)), FALSE) : TRUE)
#define RTL_SOFT_ASSERT(exp) ((!(exp)) ? (DbgPrint("Soft assertion failed: %s (%s:%d)\n", #exp, __FILE__, __LINE__), FALSE) : TRUE)
#define RTL_SOFT_ASSERTMSG(msg, exp) \
    ((!(exp)) ? (DbgPrint("Soft assertion failed: %s: %s (%s:%d)\n", (msg), #exp, __FILE__, __LINE__), FALSE) : TRUE)
#define RTL_VERIFY(exp) ASSERT(exp)
#define RTL_VERIFYMSG(msg, exp) ASSERTMSG(msg, exp)
#define NT_ASSERT(exp) ((void)ASSERT(exp))
#define NT_ASSERTMSG(msg, exp) ((void)ASSERTMSG(msg, exp))
#define NT_ASSERTMSGW(msg, exp) ((void)ASSERT(exp))
#define NT_VERIFY(exp) ((BOOLEAN)ASSERT(exp))
#define NT_VERIFYMSG(msg, exp) ((BOOLEAN)ASSERTMSG(msg, exp))
#define NT_VERIFYMSGW(msg, exp) ((BOOLEAN)ASSERT(exp))
#define KdPrint(_x_) DbgPrint _x_
#define KdPrintEx(_x_) DbgPrintEx _x_
#define vKdPrintEx(_x_) vDbgPrintEx _x_
#else
#define ASSERT(exp) ((void)0)
#define ASSERTMSG(msg, exp) ((void)0)
#define RTL_SOFT_ASSERT(exp) ((void)0)
#define RTL_SOFT_ASSERTMSG(msg, exp) ((void)0)
#define RTL_VERIFY(exp) ((exp) ? TRUE : FALSE)
#define RTL_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#define NT_ASSERT(exp) ((void)0)
#define NT_ASSERTMSG(msg, exp) ((void)0)
#define NT_ASSERTMSGW(msg, exp) ((void)0)
#define NT_VERIFY(exp) ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSG(msg, exp) ((exp) ? TRUE : FALSE)
#define NT_VERIFYMSGW(msg, exp) ((exp) ? TRUE : FALSE)
#define KdPrint(_x_) ((void)0)
#define KdPrintEx(_x_) ((void)0)
#define vKdPrintEx(_x_) ((void)0)
#endif

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define DbgBreakPoint() NTSIM_AT(DbgBreakPoint)()
#define DbgBreakPointWithStatus(...) NTSIM_AT(DbgBreakPointWithStatus)(__VA_ARGS__)
#endif

#endif
