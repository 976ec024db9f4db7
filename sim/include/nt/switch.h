/* nt/switch.h - every other DDI a driver calls by name is a switch point too.
 *
 * The DDIs of nt/site.h (and of the headers that wrap theirs after their prototypes)
 * record the driver's line and are safe points for interrupts and, in exploration
 * mode, for thread switches (docs/scheduler.md, "Determinism and exploration mode").
 * The rest, the queries, string and list routines that record no site, are wrapped
 * here so that exploration mode can switch threads at them as well: NtsimSwitchPoint()
 * tests the exploration flag and returns at once outside exploration mode (no site
 * is recorded, no interrupt is delivered: nothing else changes).
 *
 * This header is included at the end of each umbrella header (wdm.h, ntddk.h,
 * ntifs.h, wmilib.h, ntstrsafe.h), after every prototype of the routines it wraps; each
 * section is defined once, when the header declaring its routines has been seen.
 * cmake/switch_points.cmake (test ke/switch-points) checks that every routine the
 * headers declare and libntsim exports is wrapped here or by a site macro.
 * The simulator's own sources (NTSIM_INTERNAL) do not see these macros. */
#ifndef NTSIM_NT_SWITCH_DECL
#define NTSIM_NT_SWITCH_DECL
NTKERNELAPI void NtsimSwitchPoint(void);
#define NTSIM_SWITCH(fn) (NtsimSwitchPoint(), fn)
#endif

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)

#if defined(NTSIM_WDM_H) && !defined(NTSIM_NT_SWITCH_WDM)
#define NTSIM_NT_SWITCH_WDM
/* nt/debug.h */
#define RtlAssert(...) NTSIM_SWITCH(RtlAssert)(__VA_ARGS__)
/* nt/dma.h */
#define KeFlushIoBuffers(...) NTSIM_SWITCH(KeFlushIoBuffers)(__VA_ARGS__)
#define MmGetPhysicalAddress(...) NTSIM_SWITCH(MmGetPhysicalAddress)(__VA_ARGS__)
/* nt/errorlog.h */
#define IoFreeErrorLogEntry(...) NTSIM_SWITCH(IoFreeErrorLogEntry)(__VA_ARGS__)
/* nt/event.h */
#define ZwClearEvent(...) NTSIM_SWITCH(ZwClearEvent)(__VA_ARGS__)
#define ZwPulseEvent(...) NTSIM_SWITCH(ZwPulseEvent)(__VA_ARGS__)
#define ZwResetEvent(...) NTSIM_SWITCH(ZwResetEvent)(__VA_ARGS__)
/* nt/ex.h */
#define ExInterlockedInsertHeadList(...) NTSIM_SWITCH(ExInterlockedInsertHeadList)(__VA_ARGS__)
#define ExInterlockedInsertTailList(...) NTSIM_SWITCH(ExInterlockedInsertTailList)(__VA_ARGS__)
#define ExInterlockedRemoveHeadList(...) NTSIM_SWITCH(ExInterlockedRemoveHeadList)(__VA_ARGS__)
#define PsGetCurrentProcess(...) NTSIM_SWITCH(PsGetCurrentProcess)(__VA_ARGS__)
#define PsGetCurrentProcessId(...) NTSIM_SWITCH(PsGetCurrentProcessId)(__VA_ARGS__)
#define PsGetCurrentThread(...) NTSIM_SWITCH(PsGetCurrentThread)(__VA_ARGS__)
#define PsGetCurrentThreadId(...) NTSIM_SWITCH(PsGetCurrentThreadId)(__VA_ARGS__)
#define PsGetVersion(...) NTSIM_SWITCH(PsGetVersion)(__VA_ARGS__)
#define PsIsSystemThread(...) NTSIM_SWITCH(PsIsSystemThread)(__VA_ARGS__)
#define PsGetProcessId(...) NTSIM_SWITCH(PsGetProcessId)(__VA_ARGS__)
#define PsGetThreadId(...) NTSIM_SWITCH(PsGetThreadId)(__VA_ARGS__)
#define PsGetThreadProcessId(...) NTSIM_SWITCH(PsGetThreadProcessId)(__VA_ARGS__)
#define IoThreadToProcess(...) NTSIM_SWITCH(IoThreadToProcess)(__VA_ARGS__)
/* nt/io.h */
#define ExGetPreviousMode(...) NTSIM_SWITCH(ExGetPreviousMode)(__VA_ARGS__)
#define IoBuildPartialMdl(...) NTSIM_SWITCH(IoBuildPartialMdl)(__VA_ARGS__)
#define IoGetAttachedDeviceReference(...) NTSIM_SWITCH(IoGetAttachedDeviceReference)(__VA_ARGS__)
#define IoGetCurrentProcess(...) NTSIM_SWITCH(IoGetCurrentProcess)(__VA_ARGS__)
#define IoGetDriverObjectExtension(...) NTSIM_SWITCH(IoGetDriverObjectExtension)(__VA_ARGS__)
#define IoGetRelatedDeviceObject(...) NTSIM_SWITCH(IoGetRelatedDeviceObject)(__VA_ARGS__)
#define IoInitializeIrp(...) NTSIM_SWITCH(IoInitializeIrp)(__VA_ARGS__)
#define IoIs32bitProcess(...) NTSIM_SWITCH(IoIs32bitProcess)(__VA_ARGS__)
#define IoRegisterLastChanceShutdownNotification(...) NTSIM_SWITCH(IoRegisterLastChanceShutdownNotification)(__VA_ARGS__)
#define IoStartNextPacketByKey(...) NTSIM_SWITCH(IoStartNextPacketByKey)(__VA_ARGS__)
#define IofCallDriver(...) NTSIM_SWITCH(IofCallDriver)(__VA_ARGS__)
#define IofCompleteRequest(...) NTSIM_SWITCH(IofCompleteRequest)(__VA_ARGS__)
#define MmCreateMdl(...) NTSIM_SWITCH(MmCreateMdl)(__VA_ARGS__)
#define MmIsAddressValid(...) NTSIM_SWITCH(MmIsAddressValid)(__VA_ARGS__)
#define MmMapLockedPagesSpecifyCache(...) NTSIM_SWITCH(MmMapLockedPagesSpecifyCache)(__VA_ARGS__)
#define MmSizeOfMdl(...) NTSIM_SWITCH(MmSizeOfMdl)(__VA_ARGS__)
#define MmUnmapLockedPages(...) NTSIM_SWITCH(MmUnmapLockedPages)(__VA_ARGS__)
/* nt/ke.h */
#define ExAcquireFastMutexUnsafe(...) NTSIM_SWITCH(ExAcquireFastMutexUnsafe)(__VA_ARGS__)
#define ExDeleteResourceLite(...) NTSIM_SWITCH(ExDeleteResourceLite)(__VA_ARGS__)
#define ExGetCurrentResourceThread(...) NTSIM_SWITCH(ExGetCurrentResourceThread)(__VA_ARGS__)
#define ExInitializeResourceLite(...) NTSIM_SWITCH(ExInitializeResourceLite)(__VA_ARGS__)
#define ExIsResourceAcquiredExclusiveLite(...) NTSIM_SWITCH(ExIsResourceAcquiredExclusiveLite)(__VA_ARGS__)
#define ExIsResourceAcquiredSharedLite(...) NTSIM_SWITCH(ExIsResourceAcquiredSharedLite)(__VA_ARGS__)
#define ExReleaseFastMutexUnsafe(...) NTSIM_SWITCH(ExReleaseFastMutexUnsafe)(__VA_ARGS__)
#define ExReleaseResourceForThreadLite(...) NTSIM_SWITCH(ExReleaseResourceForThreadLite)(__VA_ARGS__)
#define ExTryToAcquireFastMutex(...) NTSIM_SWITCH(ExTryToAcquireFastMutex)(__VA_ARGS__)
#define KeAcquireInStackQueuedSpinLockAtDpcLevel(...) NTSIM_SWITCH(KeAcquireInStackQueuedSpinLockAtDpcLevel)(__VA_ARGS__)
#define KeAcquireSpinLockRaiseToDpc(...) NTSIM_SWITCH(KeAcquireSpinLockRaiseToDpc)(__VA_ARGS__)
#define KeAreApcsDisabled(...) NTSIM_SWITCH(KeAreApcsDisabled)(__VA_ARGS__)
#define KeGetCurrentIrql(...) NTSIM_SWITCH(KeGetCurrentIrql)(__VA_ARGS__)
#define KeGetCurrentProcessorNumber(...) NTSIM_SWITCH(KeGetCurrentProcessorNumber)(__VA_ARGS__)
#define KeGetCurrentThread(...) NTSIM_SWITCH(KeGetCurrentThread)(__VA_ARGS__)
#define KeInitializeDeviceQueue(...) NTSIM_SWITCH(KeInitializeDeviceQueue)(__VA_ARGS__)
#define KeInitializeThreadedDpc(...) NTSIM_SWITCH(KeInitializeThreadedDpc)(__VA_ARGS__)
#define KeInsertByKeyDeviceQueue(...) NTSIM_SWITCH(KeInsertByKeyDeviceQueue)(__VA_ARGS__)
#define KeInsertDeviceQueue(...) NTSIM_SWITCH(KeInsertDeviceQueue)(__VA_ARGS__)
#define KeQueryActiveProcessorCount(...) NTSIM_SWITCH(KeQueryActiveProcessorCount)(__VA_ARGS__)
#define KeQueryInterruptTime(...) NTSIM_SWITCH(KeQueryInterruptTime)(__VA_ARGS__)
#define KeQueryPerformanceCounter(...) NTSIM_SWITCH(KeQueryPerformanceCounter)(__VA_ARGS__)
#define KeQueryPriorityThread(...) NTSIM_SWITCH(KeQueryPriorityThread)(__VA_ARGS__)
#define KeQuerySystemTime(...) NTSIM_SWITCH(KeQuerySystemTime)(__VA_ARGS__)
#define KeQuerySystemTimePrecise(...) NTSIM_SWITCH(KeQuerySystemTimePrecise)(__VA_ARGS__)
#define KeQueryTickCount(...) NTSIM_SWITCH(KeQueryTickCount)(__VA_ARGS__)
#define KeQueryTimeIncrement(...) NTSIM_SWITCH(KeQueryTimeIncrement)(__VA_ARGS__)
#define KeRaiseIrqlToDpcLevel(...) NTSIM_SWITCH(KeRaiseIrqlToDpcLevel)(__VA_ARGS__)
#define KeRaiseIrqlToSynchLevel(...) NTSIM_SWITCH(KeRaiseIrqlToSynchLevel)(__VA_ARGS__)
#define KeReadStateEvent(...) NTSIM_SWITCH(KeReadStateEvent)(__VA_ARGS__)
#define KeReadStateMutex(...) NTSIM_SWITCH(KeReadStateMutex)(__VA_ARGS__)
#define KeReadStateSemaphore(...) NTSIM_SWITCH(KeReadStateSemaphore)(__VA_ARGS__)
#define KeReadStateTimer(...) NTSIM_SWITCH(KeReadStateTimer)(__VA_ARGS__)
#define KeReleaseInStackQueuedSpinLockFromDpcLevel(...) NTSIM_SWITCH(KeReleaseInStackQueuedSpinLockFromDpcLevel)(__VA_ARGS__)
#define KeRemoveByKeyDeviceQueue(...) NTSIM_SWITCH(KeRemoveByKeyDeviceQueue)(__VA_ARGS__)
#define KeRemoveDeviceQueue(...) NTSIM_SWITCH(KeRemoveDeviceQueue)(__VA_ARGS__)
#define KeRemoveEntryDeviceQueue(...) NTSIM_SWITCH(KeRemoveEntryDeviceQueue)(__VA_ARGS__)
#define KeSetImportanceDpc(...) NTSIM_SWITCH(KeSetImportanceDpc)(__VA_ARGS__)
#define KeSetTargetProcessorDpc(...) NTSIM_SWITCH(KeSetTargetProcessorDpc)(__VA_ARGS__)
/* nt/kqueue.h */
#define KeReadStateQueue(...) NTSIM_SWITCH(KeReadStateQueue)(__VA_ARGS__)
/* nt/lookaside.h */
#define ExFlushLookasideListEx(...) NTSIM_SWITCH(ExFlushLookasideListEx)(__VA_ARGS__)
/* nt/ob.h */
#define NtClose(...) NTSIM_SWITCH(NtClose)(__VA_ARGS__)
#define ObMakeTemporaryObject(...) NTSIM_SWITCH(ObMakeTemporaryObject)(__VA_ARGS__)
#define ZwMakeTemporaryObject(...) NTSIM_SWITCH(ZwMakeTemporaryObject)(__VA_ARGS__)
/* nt/pnpmgr.h */
#define IoGetAttachedDevice(...) NTSIM_SWITCH(IoGetAttachedDevice)(__VA_ARGS__)
#define IoGetDeviceAttachmentBaseRef(...) NTSIM_SWITCH(IoGetDeviceAttachmentBaseRef)(__VA_ARGS__)
#define IoGetLowerDeviceObject(...) NTSIM_SWITCH(IoGetLowerDeviceObject)(__VA_ARGS__)
#define IoIsWdmVersionAvailable(...) NTSIM_SWITCH(IoIsWdmVersionAvailable)(__VA_ARGS__)
/* nt/removelock.h */
#define IoAcquireRemoveLockEx(...) NTSIM_SWITCH(IoAcquireRemoveLockEx)(__VA_ARGS__)
#define IoInitializeRemoveLockEx(...) NTSIM_SWITCH(IoInitializeRemoveLockEx)(__VA_ARGS__)
#define IoReleaseRemoveLockAndWaitEx(...) NTSIM_SWITCH(IoReleaseRemoveLockAndWaitEx)(__VA_ARGS__)
#define IoReleaseRemoveLockEx(...) NTSIM_SWITCH(IoReleaseRemoveLockEx)(__VA_ARGS__)
/* nt/res.h */
#define IoSetStartIoAttributes(...) NTSIM_SWITCH(IoSetStartIoAttributes)(__VA_ARGS__)
#define KeAcquireInterruptSpinLock(...) NTSIM_SWITCH(KeAcquireInterruptSpinLock)(__VA_ARGS__)
#define KeReleaseInterruptSpinLock(...) NTSIM_SWITCH(KeReleaseInterruptSpinLock)(__VA_ARGS__)
/* nt/rtl.h */
#define RtlAppendStringToString(...) NTSIM_SWITCH(RtlAppendStringToString)(__VA_ARGS__)
#define RtlAppendUnicodeStringToString(...) NTSIM_SWITCH(RtlAppendUnicodeStringToString)(__VA_ARGS__)
#define RtlAppendUnicodeToString(...) NTSIM_SWITCH(RtlAppendUnicodeToString)(__VA_ARGS__)
#define RtlCharToInteger(...) NTSIM_SWITCH(RtlCharToInteger)(__VA_ARGS__)
#define RtlCompareMemory(...) NTSIM_SWITCH(RtlCompareMemory)(__VA_ARGS__)
#define RtlCompareMemoryUlong(...) NTSIM_SWITCH(RtlCompareMemoryUlong)(__VA_ARGS__)
#define RtlCompareString(...) NTSIM_SWITCH(RtlCompareString)(__VA_ARGS__)
#define RtlCompareUnicodeString(...) NTSIM_SWITCH(RtlCompareUnicodeString)(__VA_ARGS__)
#define RtlCopyString(...) NTSIM_SWITCH(RtlCopyString)(__VA_ARGS__)
#define RtlCopyUnicodeString(...) NTSIM_SWITCH(RtlCopyUnicodeString)(__VA_ARGS__)
#define RtlDowncaseUnicodeChar(...) NTSIM_SWITCH(RtlDowncaseUnicodeChar)(__VA_ARGS__)
#define RtlEqualString(...) NTSIM_SWITCH(RtlEqualString)(__VA_ARGS__)
#define RtlEqualUnicodeString(...) NTSIM_SWITCH(RtlEqualUnicodeString)(__VA_ARGS__)
#define RtlGUIDFromString(...) NTSIM_SWITCH(RtlGUIDFromString)(__VA_ARGS__)
#define RtlInitAnsiString(...) NTSIM_SWITCH(RtlInitAnsiString)(__VA_ARGS__)
#define RtlInitString(...) NTSIM_SWITCH(RtlInitString)(__VA_ARGS__)
#define RtlInitUnicodeString(...) NTSIM_SWITCH(RtlInitUnicodeString)(__VA_ARGS__)
#define RtlInitUnicodeStringEx(...) NTSIM_SWITCH(RtlInitUnicodeStringEx)(__VA_ARGS__)
#define RtlInt64ToUnicodeString(...) NTSIM_SWITCH(RtlInt64ToUnicodeString)(__VA_ARGS__)
#define RtlIntegerToUnicodeString(...) NTSIM_SWITCH(RtlIntegerToUnicodeString)(__VA_ARGS__)
#define RtlMultiByteToUnicodeN(...) NTSIM_SWITCH(RtlMultiByteToUnicodeN)(__VA_ARGS__)
#define RtlMultiByteToUnicodeSize(...) NTSIM_SWITCH(RtlMultiByteToUnicodeSize)(__VA_ARGS__)
#define RtlPrefixString(...) NTSIM_SWITCH(RtlPrefixString)(__VA_ARGS__)
#define RtlPrefixUnicodeString(...) NTSIM_SWITCH(RtlPrefixUnicodeString)(__VA_ARGS__)
#define RtlRandom(...) NTSIM_SWITCH(RtlRandom)(__VA_ARGS__)
#define RtlRandomEx(...) NTSIM_SWITCH(RtlRandomEx)(__VA_ARGS__)
#define RtlUnicodeStringToInteger(...) NTSIM_SWITCH(RtlUnicodeStringToInteger)(__VA_ARGS__)
#define RtlUnicodeToMultiByteN(...) NTSIM_SWITCH(RtlUnicodeToMultiByteN)(__VA_ARGS__)
#define RtlUnicodeToMultiByteSize(...) NTSIM_SWITCH(RtlUnicodeToMultiByteSize)(__VA_ARGS__)
#define RtlUniform(...) NTSIM_SWITCH(RtlUniform)(__VA_ARGS__)
#define RtlUpcaseUnicodeChar(...) NTSIM_SWITCH(RtlUpcaseUnicodeChar)(__VA_ARGS__)
#define RtlUpperChar(...) NTSIM_SWITCH(RtlUpperChar)(__VA_ARGS__)
#define RtlUpperString(...) NTSIM_SWITCH(RtlUpperString)(__VA_ARGS__)
#define RtlxAnsiStringToUnicodeSize(...) NTSIM_SWITCH(RtlxAnsiStringToUnicodeSize)(__VA_ARGS__)
#define RtlxUnicodeStringToAnsiSize(...) NTSIM_SWITCH(RtlxUnicodeStringToAnsiSize)(__VA_ARGS__)
/* nt/seh.h */
#define ExRaiseAccessViolation(...) NTSIM_SWITCH(ExRaiseAccessViolation)(__VA_ARGS__)
#define ExRaiseDatatypeMisalignment(...) NTSIM_SWITCH(ExRaiseDatatypeMisalignment)(__VA_ARGS__)
/* nt/slist.h */
#define ExInterlockedFlushSList(...) NTSIM_SWITCH(ExInterlockedFlushSList)(__VA_ARGS__)
#define ExInterlockedPopEntrySList(...) NTSIM_SWITCH(ExInterlockedPopEntrySList)(__VA_ARGS__)
#define ExQueryDepthSList(...) NTSIM_SWITCH(ExQueryDepthSList)(__VA_ARGS__)
#define InitializeSListHead(...) NTSIM_SWITCH(InitializeSListHead)(__VA_ARGS__)
#define InterlockedFlushSList(...) NTSIM_SWITCH(InterlockedFlushSList)(__VA_ARGS__)
#define InterlockedPopEntrySList(...) NTSIM_SWITCH(InterlockedPopEntrySList)(__VA_ARGS__)
/* nt/wmi.h */
#define IoWMIAllocateInstanceIds(...) NTSIM_SWITCH(IoWMIAllocateInstanceIds)(__VA_ARGS__)
/* wdm.h */
#define DbgPrint(...) NTSIM_SWITCH(DbgPrint)(__VA_ARGS__)
#define DbgPrintEx(...) NTSIM_SWITCH(DbgPrintEx)(__VA_ARGS__)
#endif

#if defined(NTSIM_NT_PS_H) && !defined(NTSIM_NT_SWITCH_PS)
#define NTSIM_NT_SWITCH_PS
/* nt/ps.h (ntifs.h) */
#define PsGetThreadProcess(...) NTSIM_SWITCH(PsGetThreadProcess)(__VA_ARGS__)
#define PsGetCurrentThreadProcess(...) NTSIM_SWITCH(PsGetCurrentThreadProcess)(__VA_ARGS__)
#define PsGetCurrentThreadProcessId(...) NTSIM_SWITCH(PsGetCurrentThreadProcessId)(__VA_ARGS__)
#define PsIsSystemProcess(...) NTSIM_SWITCH(PsIsSystemProcess)(__VA_ARGS__)
#define PsDereferencePrimaryToken(...) NTSIM_SWITCH(PsDereferencePrimaryToken)(__VA_ARGS__)
#endif

#if defined(NTSIM_NT_HAL_H) && !defined(NTSIM_NT_SWITCH_HAL)
#define NTSIM_NT_SWITCH_HAL
/* nt/hal.h */
#define HalTranslateBusAddress(...) NTSIM_SWITCH(HalTranslateBusAddress)(__VA_ARGS__)
#define IoGetConfigurationInformation(...) NTSIM_SWITCH(IoGetConfigurationInformation)(__VA_ARGS__)
#endif

#if defined(NTSIM_WMILIB_H) && !defined(NTSIM_NT_SWITCH_WMILIB)
#define NTSIM_NT_SWITCH_WMILIB
/* declared by nt/wmi.h too, and again by wmilib.h: wrapped once wmilib.h is seen */
/* nt/wmi.h */
#define WmiCompleteRequest(...) NTSIM_SWITCH(WmiCompleteRequest)(__VA_ARGS__)
#define WmiFireEvent(...) NTSIM_SWITCH(WmiFireEvent)(__VA_ARGS__)
#define WmiSystemControl(...) NTSIM_SWITCH(WmiSystemControl)(__VA_ARGS__)
#endif

#if defined(NTSIM_NTSTRSAFE_H) && !defined(NTSIM_NT_SWITCH_NTSTRSAFE)
#define NTSIM_NT_SWITCH_NTSTRSAFE
/* ntstrsafe.h */
#define RtlStringCbCatA(...) NTSIM_SWITCH(RtlStringCbCatA)(__VA_ARGS__)
#define RtlStringCbCatNA(...) NTSIM_SWITCH(RtlStringCbCatNA)(__VA_ARGS__)
#define RtlStringCbCatNW(...) NTSIM_SWITCH(RtlStringCbCatNW)(__VA_ARGS__)
#define RtlStringCbCatW(...) NTSIM_SWITCH(RtlStringCbCatW)(__VA_ARGS__)
#define RtlStringCbCopyA(...) NTSIM_SWITCH(RtlStringCbCopyA)(__VA_ARGS__)
#define RtlStringCbCopyNA(...) NTSIM_SWITCH(RtlStringCbCopyNA)(__VA_ARGS__)
#define RtlStringCbCopyNW(...) NTSIM_SWITCH(RtlStringCbCopyNW)(__VA_ARGS__)
#define RtlStringCbCopyW(...) NTSIM_SWITCH(RtlStringCbCopyW)(__VA_ARGS__)
#define RtlStringCbLengthA(...) NTSIM_SWITCH(RtlStringCbLengthA)(__VA_ARGS__)
#define RtlStringCbLengthW(...) NTSIM_SWITCH(RtlStringCbLengthW)(__VA_ARGS__)
#define RtlStringCbPrintfA(...) NTSIM_SWITCH(RtlStringCbPrintfA)(__VA_ARGS__)
#define RtlStringCbPrintfW(...) NTSIM_SWITCH(RtlStringCbPrintfW)(__VA_ARGS__)
#define RtlStringCbVPrintfA(...) NTSIM_SWITCH(RtlStringCbVPrintfA)(__VA_ARGS__)
#define RtlStringCbVPrintfW(...) NTSIM_SWITCH(RtlStringCbVPrintfW)(__VA_ARGS__)
#define RtlStringCchCatA(...) NTSIM_SWITCH(RtlStringCchCatA)(__VA_ARGS__)
#define RtlStringCchCatNA(...) NTSIM_SWITCH(RtlStringCchCatNA)(__VA_ARGS__)
#define RtlStringCchCatNW(...) NTSIM_SWITCH(RtlStringCchCatNW)(__VA_ARGS__)
#define RtlStringCchCatW(...) NTSIM_SWITCH(RtlStringCchCatW)(__VA_ARGS__)
#define RtlStringCchCopyA(...) NTSIM_SWITCH(RtlStringCchCopyA)(__VA_ARGS__)
#define RtlStringCchCopyNA(...) NTSIM_SWITCH(RtlStringCchCopyNA)(__VA_ARGS__)
#define RtlStringCchCopyNW(...) NTSIM_SWITCH(RtlStringCchCopyNW)(__VA_ARGS__)
#define RtlStringCchCopyW(...) NTSIM_SWITCH(RtlStringCchCopyW)(__VA_ARGS__)
#define RtlStringCchLengthA(...) NTSIM_SWITCH(RtlStringCchLengthA)(__VA_ARGS__)
#define RtlStringCchLengthW(...) NTSIM_SWITCH(RtlStringCchLengthW)(__VA_ARGS__)
#define RtlStringCchPrintfA(...) NTSIM_SWITCH(RtlStringCchPrintfA)(__VA_ARGS__)
#define RtlStringCchPrintfW(...) NTSIM_SWITCH(RtlStringCchPrintfW)(__VA_ARGS__)
#define RtlStringCchVPrintfA(...) NTSIM_SWITCH(RtlStringCchVPrintfA)(__VA_ARGS__)
#define RtlStringCchVPrintfW(...) NTSIM_SWITCH(RtlStringCchVPrintfW)(__VA_ARGS__)
#define RtlUnicodeStringCat(...) NTSIM_SWITCH(RtlUnicodeStringCat)(__VA_ARGS__)
#define RtlUnicodeStringCatString(...) NTSIM_SWITCH(RtlUnicodeStringCatString)(__VA_ARGS__)
#define RtlUnicodeStringCopy(...) NTSIM_SWITCH(RtlUnicodeStringCopy)(__VA_ARGS__)
#define RtlUnicodeStringCopyString(...) NTSIM_SWITCH(RtlUnicodeStringCopyString)(__VA_ARGS__)
#define RtlUnicodeStringInit(...) NTSIM_SWITCH(RtlUnicodeStringInit)(__VA_ARGS__)
#define RtlUnicodeStringPrintf(...) NTSIM_SWITCH(RtlUnicodeStringPrintf)(__VA_ARGS__)
#define RtlUnicodeStringVPrintf(...) NTSIM_SWITCH(RtlUnicodeStringVPrintf)(__VA_ARGS__)
#define RtlUnicodeStringValidate(...) NTSIM_SWITCH(RtlUnicodeStringValidate)(__VA_ARGS__)
#endif

#endif
