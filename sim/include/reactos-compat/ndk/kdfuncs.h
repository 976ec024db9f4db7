/* ndk/kdfuncs.h - the ReactOS Native Development Kit's kernel-debugger routines, for
 * building public ReactOS driver sources on ntsim (opt-in: ntsim_add_driver(...
 * REACTOS_COMPAT)).
 *
 * Not a WDK header: like ndk/haltypes.h it declares only what corpus drivers use from
 * it. i8042prt passes debugger commands (its Tab+key combinations) to
 * KdSystemDebugControl, an export of the kernel that no WDK header declares; ntsim has
 * no kernel debugger and answers STATUS_DEBUGGER_INACTIVE (sim/ke/debug.c).
 * Written for ntsim. */
#ifndef NTSIM_REACTOS_NDK_KDFUNCS_H
#define NTSIM_REACTOS_NDK_KDFUNCS_H

#include <ntddk.h>

/* The NDK's enumeration of debugger commands; ntsim treats every value alike, so none
 * is named here beyond the first. */
typedef enum _SYSDBG_COMMAND {
    SysDbgQueryModuleInformation = 0
} SYSDBG_COMMAND;

NTKERNELAPI NTSTATUS KdSystemDebugControl(SYSDBG_COMMAND Command, PVOID InputBuffer, ULONG InputBufferLength,
                                          PVOID OutputBuffer, ULONG OutputBufferLength, PULONG ReturnLength,
                                          KPROCESSOR_MODE PreviousMode);
#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define KdSystemDebugControl(...) NTSIM_AT(KdSystemDebugControl)(__VA_ARGS__)
#endif

#endif
