/*
 * wdm.h - the driver-facing kernel interface of ntsim (WDK names and values).
 *
 * This umbrella pulls in one header per NT concept from nt/. Every routine declared
 * here is either implemented by libntsim or absent from it: a driver that calls an
 * absent routine fails to load with the routine's name (see docs/ddi-status.md).
 */
#ifndef NTSIM_WDM_H
#define NTSIM_WDM_H
#ifndef _WDMDDK_
#define _WDMDDK_
#endif
#ifndef _NTDDK_
#define _NTDDK_
#endif

#include <ntdef.h>
#include <ntstatus.h>
#include <nt/list.h>
#include <nt/ke.h>
#include <nt/iotypes.h>
#include <nt/pool.h>
#include <nt/rtl.h>
#include <nt/io.h>
#include <nt/res.h>
#include <nt/dma.h>
#include <nt/ob.h>
#include <nt/seh.h>
#include <nt/cm.h>
#include <nt/ex.h>
#include <nt/removelock.h>
#include <nt/site.h>
#include <nt/errorlog.h>
#include <nt/pnpmgr.h>
#include <ntiologc.h>
#include <nt/slist.h>
#include <nt/kqueue.h>
#include <nt/lookaside.h>
#include <nt/csq.h>
#include <nt/event.h>
#include <nt/wmi.h>
#include <nt/paging.h>
#include <nt/crt.h>
#include <nt/access.h>
#include <nt/fastio.h>
#include <nt/pnptypes.h>
#include <nt/zwfile.h>
#include <bugcodes.h>

/* PAGED_CODE: the simulator checks the IRQL of paged code when verifier checks are on. */
NTKERNELAPI VOID NtsimPagedCodeCheck(const char *File, int Line);
#define PAGED_CODE() NtsimPagedCodeCheck(__FILE__, __LINE__)
#define PAGED_CODE_LOCKED() ((void)0)
#define INIT_CODE() ((void)0)

NTKERNELAPI ULONG DbgPrint(PCSTR Format, ...);
NTKERNELAPI ULONG DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...);
#define DPFLTR_IHVDRIVER_ID 77
#define DPFLTR_ERROR_LEVEL 0
#define DPFLTR_WARNING_LEVEL 1
#define DPFLTR_TRACE_LEVEL 2
#define DPFLTR_INFO_LEVEL 3
#include <dpfilter.h> /* the other DbgPrintEx component identifiers */
/* ASSERT, NT_ASSERT, KdPrint, DbgBreakPoint follow DBG (nt/debug.h) */
#include <nt/debug.h>

/* exploration mode: the DDIs no site macro wraps are switch points too */
#include <nt/switch.h>

#endif
