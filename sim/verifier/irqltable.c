/* irqltable.c - rule SY-04 from one table: the highest IRQL at which each DDI ntsim
 * implements may be called, as its documentation states, checked in one place.
 *
 * Every DDI takes the driver's site on entry (KiTakeSite, sim/ke/context.c). When the
 * processor is above PASSIVE_LEVEL there — never on the common path, where every DDI
 * is allowed — KiTakeSite hands its return address (inside the DDI) to
 * VfCheckDdiIrql, which names the routine with dladdr (cached per address) and looks
 * it up here. A call above the routine's level is SY-04 and bug check 0xC4, as the
 * routines' own checks report. Where the documentation allows a higher level for
 * nonpaged arguments (string routines, pool frees), the table takes the higher one:
 * a finding on a correct driver is worse than a rare miss. The routines with finer
 * rules or established reports (spin locks, waits with a timeout, registry routines
 * that report and go on, ...) are marked OwnCheck and keep their own checks; the
 * table still states their level. The suite verifier/irql fails when an exported DDI has no entry here. */
#include "ntsimp.h"
#include "ke/kep.h"

#include <dlfcn.h>
#if defined(__GLIBC__)
#include <link.h> /* ElfW, for dladdr1 */
#endif

typedef struct _VF_DDI_IRQL {
    const char *Name;
    KIRQL MaxIrql;
    BOOLEAN OwnCheck; /* the routine checks its IRQL itself (finer rule or established report) */
} VF_DDI_IRQL;

/* Sorted by name (strcmp), for bsearch. */
static const VF_DDI_IRQL VfDdiIrqlTable[] = {
    { "DbgBreakPoint", HIGH_LEVEL, FALSE },
    { "DbgBreakPointWithStatus", HIGH_LEVEL, FALSE },
    { "DbgPrint", HIGH_LEVEL, FALSE },
    { "DbgPrintEx", HIGH_LEVEL, FALSE },
    { "ExAcquireFastMutex", APC_LEVEL, TRUE },
    { "ExAcquireFastMutexUnsafe", APC_LEVEL, TRUE },
    { "ExAcquireResourceExclusiveLite", APC_LEVEL, TRUE },
    { "ExAcquireResourceSharedLite", APC_LEVEL, TRUE },
    { "ExAllocateFromLookasideListEx", DISPATCH_LEVEL, FALSE },
    { "ExAllocateFromNPagedLookasideList", DISPATCH_LEVEL, FALSE },
    { "ExAllocateFromPagedLookasideList", APC_LEVEL, FALSE },
    { "ExAllocatePool", DISPATCH_LEVEL, FALSE },
    { "ExAllocatePool2", DISPATCH_LEVEL, FALSE },
    { "ExAllocatePoolUninitialized", DISPATCH_LEVEL, FALSE },
    { "ExAllocatePoolWithQuotaTag", DISPATCH_LEVEL, FALSE },
    { "ExAllocatePoolWithTag", DISPATCH_LEVEL, FALSE },
    { "ExAllocatePoolZero", DISPATCH_LEVEL, FALSE },
    { "ExDeleteLookasideListEx", DISPATCH_LEVEL, FALSE },
    { "ExDeleteNPagedLookasideList", DISPATCH_LEVEL, FALSE },
    { "ExDeletePagedLookasideList", APC_LEVEL, FALSE },
    { "ExDeleteResourceLite", DISPATCH_LEVEL, FALSE },
    { "ExFlushLookasideListEx", DISPATCH_LEVEL, FALSE },
    { "ExFreePool", DISPATCH_LEVEL, FALSE },
    { "ExFreePoolWithTag", DISPATCH_LEVEL, FALSE },
    { "ExFreeToLookasideListEx", DISPATCH_LEVEL, FALSE },
    { "ExFreeToNPagedLookasideList", DISPATCH_LEVEL, FALSE },
    { "ExFreeToPagedLookasideList", APC_LEVEL, FALSE },
    { "ExGetCurrentResourceThread", HIGH_LEVEL, FALSE },
    { "ExGetPreviousMode", HIGH_LEVEL, FALSE },
    { "ExInitializeFastMutex", DISPATCH_LEVEL, FALSE },
    { "ExInitializeLookasideListEx", DISPATCH_LEVEL, TRUE },
    { "ExInitializeNPagedLookasideList", DISPATCH_LEVEL, FALSE },
    { "ExInitializePagedLookasideList", APC_LEVEL, TRUE },
    { "ExInitializeResourceLite", DISPATCH_LEVEL, FALSE },
    { "ExInterlockedFlushSList", HIGH_LEVEL, FALSE },
    { "ExInterlockedInsertHeadList", HIGH_LEVEL, FALSE },
    { "ExInterlockedInsertTailList", HIGH_LEVEL, FALSE },
    { "ExInterlockedPopEntryList", HIGH_LEVEL, FALSE },
    { "ExInterlockedPopEntrySList", HIGH_LEVEL, FALSE },
    { "ExInterlockedPushEntryList", HIGH_LEVEL, FALSE },
    { "ExInterlockedPushEntrySList", HIGH_LEVEL, FALSE },
    { "ExInterlockedRemoveHeadList", HIGH_LEVEL, FALSE },
    { "ExIsResourceAcquiredExclusiveLite", DISPATCH_LEVEL, FALSE },
    { "ExIsResourceAcquiredSharedLite", DISPATCH_LEVEL, FALSE },
    { "ExQueryDepthSList", HIGH_LEVEL, FALSE },
    { "ExQueueWorkItem", DISPATCH_LEVEL, TRUE },
    { "ExRaiseAccessViolation", DISPATCH_LEVEL, FALSE },
    { "ExRaiseDatatypeMisalignment", DISPATCH_LEVEL, FALSE },
    { "ExRaiseStatus", DISPATCH_LEVEL, FALSE },
    { "ExReleaseFastMutex", APC_LEVEL, TRUE },
    { "ExReleaseFastMutexUnsafe", APC_LEVEL, FALSE },
    { "ExReleaseResourceForThreadLite", DISPATCH_LEVEL, FALSE },
    { "ExReleaseResourceLite", DISPATCH_LEVEL, FALSE },
    { "ExTryToAcquireFastMutex", APC_LEVEL, TRUE },
    { "HalAllocateCommonBuffer", PASSIVE_LEVEL, FALSE },
    { "HalAssignSlotResources", PASSIVE_LEVEL, TRUE },
    { "HalFreeCommonBuffer", PASSIVE_LEVEL, FALSE },
    { "HalGetAdapter", PASSIVE_LEVEL, FALSE },
    { "HalGetBusData", DISPATCH_LEVEL, FALSE },
    { "HalGetBusDataByOffset", DISPATCH_LEVEL, FALSE },
    { "HalGetInterruptVector", PASSIVE_LEVEL, FALSE },
    { "HalMakeBeep", DISPATCH_LEVEL, FALSE },
    { "HalReadDmaCounter", DISPATCH_LEVEL, FALSE },
    { "HalSetBusData", DISPATCH_LEVEL, FALSE },
    { "HalSetBusDataByOffset", DISPATCH_LEVEL, FALSE },
    { "HalTranslateBusAddress", DISPATCH_LEVEL, FALSE },
    { "InitializeSListHead", HIGH_LEVEL, FALSE },
    { "InterlockedFlushSList", HIGH_LEVEL, FALSE },
    { "InterlockedPopEntrySList", HIGH_LEVEL, FALSE },
    { "InterlockedPushEntrySList", HIGH_LEVEL, FALSE },
    { "IoAcquireCancelSpinLock", DISPATCH_LEVEL, TRUE },
    { "IoAcquireRemoveLockEx", DISPATCH_LEVEL, TRUE },
    { "IoAllocateAdapterChannel", DISPATCH_LEVEL, FALSE },
    { "IoAllocateController", DISPATCH_LEVEL, FALSE },
    { "IoAllocateDriverObjectExtension", PASSIVE_LEVEL, FALSE },
    { "IoAllocateErrorLogEntry", DISPATCH_LEVEL, FALSE },
    { "IoAllocateIrp", DISPATCH_LEVEL, FALSE },
    { "IoAllocateMdl", DISPATCH_LEVEL, FALSE },
    { "IoAllocateWorkItem", DISPATCH_LEVEL, TRUE },
    { "IoAssignResources", PASSIVE_LEVEL, TRUE },
    { "IoAttachDevice", PASSIVE_LEVEL, FALSE },
    { "IoAttachDeviceByPointer", PASSIVE_LEVEL, FALSE },
    { "IoAttachDeviceToDeviceStack", DISPATCH_LEVEL, FALSE },
    { "IoAttachDeviceToDeviceStackSafe", DISPATCH_LEVEL, FALSE },
    { "IoBuildAsynchronousFsdRequest", DISPATCH_LEVEL, FALSE },
    { "IoBuildDeviceIoControlRequest", PASSIVE_LEVEL, FALSE },
    { "IoBuildPartialMdl", DISPATCH_LEVEL, FALSE },
    { "IoBuildSynchronousFsdRequest", PASSIVE_LEVEL, FALSE },
    { "IoCallDriver", DISPATCH_LEVEL, FALSE },
    { "IoCancelIrp", DISPATCH_LEVEL, FALSE },
    { "IoCompleteRequest", DISPATCH_LEVEL, TRUE },
    { "IoConnectInterrupt", PASSIVE_LEVEL, TRUE },
    { "IoCreateController", PASSIVE_LEVEL, FALSE },
    { "IoCreateDevice", PASSIVE_LEVEL, FALSE },
    { "IoCreateDeviceSecure", PASSIVE_LEVEL, FALSE },
    { "IoCreateNotificationEvent", PASSIVE_LEVEL, FALSE },
    { "IoCreateSymbolicLink", PASSIVE_LEVEL, FALSE },
    { "IoCreateSynchronizationEvent", PASSIVE_LEVEL, FALSE },
    { "IoCreateUnprotectedSymbolicLink", PASSIVE_LEVEL, FALSE },
    { "IoCsqInitialize", DISPATCH_LEVEL, FALSE },
    { "IoCsqInitializeEx", DISPATCH_LEVEL, FALSE },
    { "IoCsqInsertIrp", DISPATCH_LEVEL, FALSE },
    { "IoCsqInsertIrpEx", DISPATCH_LEVEL, FALSE },
    { "IoCsqRemoveIrp", DISPATCH_LEVEL, FALSE },
    { "IoCsqRemoveNextIrp", DISPATCH_LEVEL, FALSE },
    { "IoDeleteController", PASSIVE_LEVEL, FALSE },
    { "IoDeleteDevice", PASSIVE_LEVEL, FALSE },
    { "IoDeleteSymbolicLink", PASSIVE_LEVEL, FALSE },
    { "IoDetachDevice", PASSIVE_LEVEL, FALSE },
    { "IoDisconnectInterrupt", PASSIVE_LEVEL, TRUE },
    { "IoFlushAdapterBuffers", DISPATCH_LEVEL, FALSE },
    { "IoForwardIrpSynchronously", PASSIVE_LEVEL, TRUE },
    { "IoFreeAdapterChannel", DISPATCH_LEVEL, FALSE },
    { "IoFreeController", DISPATCH_LEVEL, FALSE },
    { "IoFreeErrorLogEntry", DISPATCH_LEVEL, FALSE },
    { "IoFreeIrp", DISPATCH_LEVEL, FALSE },
    { "IoFreeMapRegisters", DISPATCH_LEVEL, FALSE },
    { "IoFreeMdl", DISPATCH_LEVEL, FALSE },
    { "IoFreeWorkItem", DISPATCH_LEVEL, FALSE },
    { "IoGetAttachedDevice", DISPATCH_LEVEL, FALSE },
    { "IoGetAttachedDeviceReference", DISPATCH_LEVEL, FALSE },
    { "IoGetConfigurationInformation", PASSIVE_LEVEL, FALSE },
    { "IoGetCurrentProcess", DISPATCH_LEVEL, FALSE },
    { "IoGetDeviceAttachmentBaseRef", DISPATCH_LEVEL, FALSE },
    { "IoGetDeviceInterfaces", PASSIVE_LEVEL, FALSE },
    { "IoGetDeviceObjectPointer", PASSIVE_LEVEL, FALSE },
    { "IoGetDeviceProperty", PASSIVE_LEVEL, TRUE },
    { "IoGetDmaAdapter", PASSIVE_LEVEL, FALSE },
    { "IoGetDriverObjectExtension", DISPATCH_LEVEL, FALSE },
    { "IoGetLowerDeviceObject", DISPATCH_LEVEL, FALSE },
    { "IoGetRelatedDeviceObject", DISPATCH_LEVEL, FALSE },
    { "IoInitializeIrp", DISPATCH_LEVEL, FALSE },
    { "IoInitializeRemoveLockEx", PASSIVE_LEVEL, TRUE },
    { "IoInitializeTimer", PASSIVE_LEVEL, TRUE },
    { "IoInvalidateDeviceRelations", DISPATCH_LEVEL, FALSE },
    { "IoInvalidateDeviceState", DISPATCH_LEVEL, FALSE },
    { "IoIs32bitProcess", DISPATCH_LEVEL, FALSE },
    { "IoIsWdmVersionAvailable", HIGH_LEVEL, FALSE },
    { "IoMapTransfer", DISPATCH_LEVEL, FALSE },
    { "IoOpenDeviceRegistryKey", PASSIVE_LEVEL, TRUE },
    { "IoQueryDeviceDescription", PASSIVE_LEVEL, TRUE },
    { "IoQueueWorkItem", DISPATCH_LEVEL, TRUE },
    { "IoQueueWorkItemEx", DISPATCH_LEVEL, TRUE },
    { "IoRegisterDeviceInterface", PASSIVE_LEVEL, TRUE },
    { "IoRegisterDriverReinitialization", PASSIVE_LEVEL, FALSE },
    { "IoRegisterLastChanceShutdownNotification", PASSIVE_LEVEL, FALSE },
    { "IoRegisterPlugPlayNotification", PASSIVE_LEVEL, TRUE },
    { "IoRegisterShutdownNotification", PASSIVE_LEVEL, FALSE },
    { "IoReleaseCancelSpinLock", DISPATCH_LEVEL, FALSE },
    { "IoReleaseRemoveLockAndWaitEx", PASSIVE_LEVEL, TRUE },
    { "IoReleaseRemoveLockEx", DISPATCH_LEVEL, TRUE },
    { "IoReportDetectedDevice", PASSIVE_LEVEL, TRUE },
    { "IoReportResourceForDetection", PASSIVE_LEVEL, TRUE },
    { "IoReportResourceUsage", PASSIVE_LEVEL, TRUE },
    { "IoReportTargetDeviceChange", PASSIVE_LEVEL, TRUE },
    { "IoReportTargetDeviceChangeAsynchronous", DISPATCH_LEVEL, TRUE },
    { "IoRequestDeviceEject", DISPATCH_LEVEL, FALSE },
    { "IoReuseIrp", DISPATCH_LEVEL, FALSE },
    { "IoSetDeviceInterfaceState", PASSIVE_LEVEL, TRUE },
    { "IoSetStartIoAttributes", DISPATCH_LEVEL, FALSE },
    { "IoStartNextPacket", DISPATCH_LEVEL, TRUE },
    { "IoStartNextPacketByKey", DISPATCH_LEVEL, TRUE },
    { "IoStartPacket", DISPATCH_LEVEL, TRUE },
    { "IoStartTimer", DISPATCH_LEVEL, TRUE },
    { "IoStopTimer", DISPATCH_LEVEL, TRUE },
    { "IoUnregisterPlugPlayNotification", PASSIVE_LEVEL, FALSE },
    { "IoUnregisterPlugPlayNotificationEx", APC_LEVEL, FALSE },
    { "IoUnregisterShutdownNotification", PASSIVE_LEVEL, FALSE },
    { "IoWMIAllocateInstanceIds", PASSIVE_LEVEL, FALSE },
    { "IoWMIRegistrationControl", PASSIVE_LEVEL, TRUE },
    { "IoWriteErrorLogEntry", DISPATCH_LEVEL, FALSE },
    { "IofCallDriver", DISPATCH_LEVEL, FALSE },
    { "IofCompleteRequest", DISPATCH_LEVEL, TRUE },
    { "KeAcquireInStackQueuedSpinLock", DISPATCH_LEVEL, FALSE },
    { "KeAcquireInStackQueuedSpinLockAtDpcLevel", DISPATCH_LEVEL, FALSE },
    { "KeAcquireInterruptSpinLock", HIGH_LEVEL, FALSE },
    { "KeAcquireSpinLock", DISPATCH_LEVEL, TRUE },
    { "KeAcquireSpinLockAtDpcLevel", DISPATCH_LEVEL, TRUE },
    { "KeAcquireSpinLockRaiseToDpc", DISPATCH_LEVEL, TRUE },
    { "KeAreApcsDisabled", HIGH_LEVEL, FALSE },
    { "KeBugCheck", HIGH_LEVEL, FALSE },
    { "KeBugCheckEx", HIGH_LEVEL, FALSE },
    { "KeCancelTimer", DISPATCH_LEVEL, TRUE },
    { "KeClearEvent", DISPATCH_LEVEL, FALSE },
    { "KeDelayExecutionThread", APC_LEVEL, TRUE },
    { "KeEnterCriticalRegion", APC_LEVEL, FALSE },
    { "KeFlushIoBuffers", DISPATCH_LEVEL, FALSE },
    { "KeFlushQueuedDpcs", PASSIVE_LEVEL, TRUE },
    { "KeGetCurrentIrql", HIGH_LEVEL, FALSE },
    { "KeGetCurrentProcessorNumber", HIGH_LEVEL, FALSE },
    { "KeGetCurrentThread", HIGH_LEVEL, FALSE },
    { "KeInitializeDeviceQueue", DISPATCH_LEVEL, FALSE },
    { "KeInitializeDpc", HIGH_LEVEL, FALSE },
    { "KeInitializeEvent", HIGH_LEVEL, FALSE },
    { "KeInitializeMutex", HIGH_LEVEL, FALSE },
    { "KeInitializeQueue", PASSIVE_LEVEL, FALSE },
    { "KeInitializeSemaphore", HIGH_LEVEL, FALSE },
    { "KeInitializeSpinLock", HIGH_LEVEL, FALSE },
    { "KeInitializeThreadedDpc", HIGH_LEVEL, FALSE },
    { "KeInitializeTimer", DISPATCH_LEVEL, FALSE },
    { "KeInitializeTimerEx", DISPATCH_LEVEL, FALSE },
    { "KeInsertByKeyDeviceQueue", DISPATCH_LEVEL, TRUE },
    { "KeInsertDeviceQueue", DISPATCH_LEVEL, TRUE },
    { "KeInsertHeadQueue", DISPATCH_LEVEL, FALSE },
    { "KeInsertQueue", DISPATCH_LEVEL, FALSE },
    { "KeInsertQueueDpc", HIGH_LEVEL, FALSE },
    { "KeLeaveCriticalRegion", APC_LEVEL, FALSE },
    { "KeLowerIrql", HIGH_LEVEL, FALSE },
    { "KePulseEvent", DISPATCH_LEVEL, TRUE },
    { "KeQueryActiveProcessorCount", HIGH_LEVEL, FALSE },
    { "KeQueryInterruptTime", HIGH_LEVEL, FALSE },
    { "KeQueryPerformanceCounter", HIGH_LEVEL, FALSE },
    { "KeQueryPriorityThread", HIGH_LEVEL, FALSE },
    { "KeQuerySystemTime", HIGH_LEVEL, FALSE },
    { "KeQuerySystemTimePrecise", HIGH_LEVEL, FALSE },
    { "KeQueryTickCount", HIGH_LEVEL, FALSE },
    { "KeQueryTimeIncrement", HIGH_LEVEL, FALSE },
    { "KeRaiseIrql", HIGH_LEVEL, FALSE },
    { "KeRaiseIrqlToDpcLevel", HIGH_LEVEL, FALSE },
    { "KeRaiseIrqlToSynchLevel", HIGH_LEVEL, FALSE },
    { "KeReadStateEvent", HIGH_LEVEL, FALSE },
    { "KeReadStateMutex", HIGH_LEVEL, FALSE },
    { "KeReadStateQueue", HIGH_LEVEL, FALSE },
    { "KeReadStateSemaphore", HIGH_LEVEL, FALSE },
    { "KeReadStateTimer", HIGH_LEVEL, FALSE },
    { "KeReleaseInStackQueuedSpinLock", DISPATCH_LEVEL, FALSE },
    { "KeReleaseInStackQueuedSpinLockFromDpcLevel", DISPATCH_LEVEL, FALSE },
    { "KeReleaseInterruptSpinLock", HIGH_LEVEL, FALSE },
    { "KeReleaseMutex", DISPATCH_LEVEL, TRUE },
    { "KeReleaseSemaphore", DISPATCH_LEVEL, TRUE },
    { "KeReleaseSpinLock", DISPATCH_LEVEL, TRUE },
    { "KeReleaseSpinLockFromDpcLevel", DISPATCH_LEVEL, TRUE },
    { "KeRemoveByKeyDeviceQueue", DISPATCH_LEVEL, TRUE },
    { "KeRemoveDeviceQueue", DISPATCH_LEVEL, TRUE },
    { "KeRemoveEntryDeviceQueue", DISPATCH_LEVEL, TRUE },
    { "KeRemoveQueue", DISPATCH_LEVEL, FALSE },
    { "KeRemoveQueueDpc", HIGH_LEVEL, FALSE },
    { "KeResetEvent", DISPATCH_LEVEL, TRUE },
    { "KeRundownQueue", DISPATCH_LEVEL, TRUE },
    { "KeSetEvent", DISPATCH_LEVEL, TRUE },
    { "KeSetImportanceDpc", HIGH_LEVEL, FALSE },
    { "KeSetPriorityThread", DISPATCH_LEVEL, TRUE },
    { "KeSetTargetProcessorDpc", HIGH_LEVEL, FALSE },
    { "KeSetTimer", DISPATCH_LEVEL, TRUE },
    { "KeSetTimerEx", DISPATCH_LEVEL, TRUE },
    { "KeStallExecutionProcessor", HIGH_LEVEL, FALSE },
    { "KeSynchronizeExecution", HIGH_LEVEL, FALSE },
    { "KeWaitForMultipleObjects", DISPATCH_LEVEL, TRUE },
    { "KeWaitForSingleObject", DISPATCH_LEVEL, TRUE },
    { "MmAllocateContiguousMemory", DISPATCH_LEVEL, FALSE },
    { "MmAllocateContiguousMemorySpecifyCache", DISPATCH_LEVEL, FALSE },
    { "MmAllocateNonCachedMemory", PASSIVE_LEVEL, FALSE },
    { "MmBuildMdlForNonPagedPool", DISPATCH_LEVEL, FALSE },
    { "MmCreateMdl", DISPATCH_LEVEL, FALSE },
    { "MmFreeContiguousMemory", DISPATCH_LEVEL, FALSE },
    { "MmFreeNonCachedMemory", PASSIVE_LEVEL, FALSE },
    { "MmGetPhysicalAddress", HIGH_LEVEL, FALSE },
    { "MmGetSystemAddressForMdlSafe", DISPATCH_LEVEL, FALSE },
    { "MmIsAddressValid", HIGH_LEVEL, FALSE },
    { "MmLockPagableCodeSection", APC_LEVEL, FALSE },
    { "MmLockPagableDataSection", APC_LEVEL, FALSE },
    { "MmLockPagableSectionByHandle", APC_LEVEL, TRUE },
    { "MmMapIoSpace", DISPATCH_LEVEL, FALSE },
    { "MmMapIoSpaceEx", DISPATCH_LEVEL, FALSE },
    { "MmMapLockedPagesSpecifyCache", DISPATCH_LEVEL, FALSE },
    { "MmPageEntireDriver", APC_LEVEL, TRUE },
    { "MmProbeAndLockPages", DISPATCH_LEVEL, FALSE },
    { "MmResetDriverPaging", APC_LEVEL, TRUE },
    { "MmSizeOfMdl", HIGH_LEVEL, FALSE },
    { "MmUnlockPagableImageSection", APC_LEVEL, TRUE },
    { "MmUnlockPages", DISPATCH_LEVEL, FALSE },
    { "MmUnmapIoSpace", DISPATCH_LEVEL, FALSE },
    { "MmUnmapLockedPages", DISPATCH_LEVEL, FALSE },
    { "NtClose", PASSIVE_LEVEL, FALSE },
    { "ObMakeTemporaryObject", PASSIVE_LEVEL, FALSE },
    { "ObOpenObjectByPointer", PASSIVE_LEVEL, FALSE },
    { "ObReferenceObjectByHandle", PASSIVE_LEVEL, FALSE },
    { "ObReferenceObjectByPointer", DISPATCH_LEVEL, FALSE },
    { "ObfDereferenceObject", DISPATCH_LEVEL, FALSE },
    { "ObfReferenceObject", DISPATCH_LEVEL, FALSE },
    { "PoCallDriver", DISPATCH_LEVEL, FALSE },
    { "PoRequestPowerIrp", DISPATCH_LEVEL, FALSE },
    { "PoSetPowerState", DISPATCH_LEVEL, FALSE },
    { "PoStartNextPowerIrp", DISPATCH_LEVEL, FALSE },
    { "ProbeForRead", APC_LEVEL, FALSE },
    { "ProbeForWrite", APC_LEVEL, FALSE },
    { "PsCreateSystemThread", PASSIVE_LEVEL, TRUE },
    { "PsGetCurrentProcess", HIGH_LEVEL, FALSE },
    { "PsGetCurrentProcessId", HIGH_LEVEL, FALSE },
    { "PsGetCurrentThread", HIGH_LEVEL, FALSE },
    { "PsGetCurrentThreadId", HIGH_LEVEL, FALSE },
    { "PsGetVersion", DISPATCH_LEVEL, FALSE },
    { "PsIsSystemThread", HIGH_LEVEL, FALSE },
    { "PsTerminateSystemThread", PASSIVE_LEVEL, TRUE },
    { "READ_PORT_BUFFER_UCHAR", HIGH_LEVEL, FALSE },
    { "READ_PORT_BUFFER_ULONG", HIGH_LEVEL, FALSE },
    { "READ_PORT_BUFFER_USHORT", HIGH_LEVEL, FALSE },
    { "READ_PORT_UCHAR", HIGH_LEVEL, FALSE },
    { "READ_PORT_ULONG", HIGH_LEVEL, FALSE },
    { "READ_PORT_USHORT", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_BUFFER_UCHAR", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_BUFFER_ULONG", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_BUFFER_ULONG64", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_BUFFER_USHORT", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_UCHAR", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_ULONG", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_ULONG64", HIGH_LEVEL, FALSE },
    { "READ_REGISTER_USHORT", HIGH_LEVEL, FALSE },
    { "RtlAnsiStringToUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlAppendStringToString", DISPATCH_LEVEL, FALSE },
    { "RtlAppendUnicodeStringToString", DISPATCH_LEVEL, FALSE },
    { "RtlAppendUnicodeToString", DISPATCH_LEVEL, FALSE },
    { "RtlAssert", HIGH_LEVEL, FALSE },
    { "RtlCharToInteger", PASSIVE_LEVEL, FALSE },
    { "RtlCheckRegistryKey", PASSIVE_LEVEL, TRUE },
    { "RtlCompareMemory", HIGH_LEVEL, FALSE },
    { "RtlCompareMemoryUlong", HIGH_LEVEL, FALSE },
    { "RtlCompareString", DISPATCH_LEVEL, FALSE },
    { "RtlCompareUnicodeString", DISPATCH_LEVEL, FALSE },
    { "RtlCopyString", DISPATCH_LEVEL, FALSE },
    { "RtlCopyUnicodeString", DISPATCH_LEVEL, FALSE },
    { "RtlCreateRegistryKey", PASSIVE_LEVEL, TRUE },
    { "RtlCreateUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlDeleteRegistryValue", PASSIVE_LEVEL, TRUE },
    { "RtlDowncaseUnicodeChar", DISPATCH_LEVEL, FALSE },
    { "RtlDowncaseUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlDuplicateUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlEqualString", DISPATCH_LEVEL, FALSE },
    { "RtlEqualUnicodeString", DISPATCH_LEVEL, FALSE },
    { "RtlFreeAnsiString", PASSIVE_LEVEL, FALSE },
    { "RtlFreeUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlGUIDFromString", PASSIVE_LEVEL, FALSE },
    { "RtlInitAnsiString", DISPATCH_LEVEL, FALSE },
    { "RtlInitString", DISPATCH_LEVEL, FALSE },
    { "RtlInitUnicodeString", DISPATCH_LEVEL, FALSE },
    { "RtlInitUnicodeStringEx", DISPATCH_LEVEL, FALSE },
    { "RtlInt64ToUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlIntegerToUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlMultiByteToUnicodeN", PASSIVE_LEVEL, FALSE },
    { "RtlMultiByteToUnicodeSize", PASSIVE_LEVEL, FALSE },
    { "RtlPrefixString", DISPATCH_LEVEL, FALSE },
    { "RtlPrefixUnicodeString", DISPATCH_LEVEL, FALSE },
    { "RtlQueryRegistryValues", PASSIVE_LEVEL, TRUE },
    { "RtlRandom", HIGH_LEVEL, FALSE },
    { "RtlRandomEx", HIGH_LEVEL, FALSE },
    { "RtlStringCbCatA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCatNA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCatNW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCatW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCopyA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCopyNA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCopyNW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbCopyW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbLengthA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbLengthW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbPrintfA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbPrintfW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbVPrintfA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCbVPrintfW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCatA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCatNA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCatNW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCatW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCopyA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCopyNA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCopyNW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchCopyW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchLengthA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchLengthW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchPrintfA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchPrintfW", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchVPrintfA", DISPATCH_LEVEL, FALSE },
    { "RtlStringCchVPrintfW", DISPATCH_LEVEL, FALSE },
    { "RtlStringFromGUID", PASSIVE_LEVEL, FALSE },
    { "RtlUnicodeStringCat", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringCatString", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringCopy", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringCopyString", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringInit", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringPrintf", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringToAnsiString", PASSIVE_LEVEL, FALSE },
    { "RtlUnicodeStringToInteger", PASSIVE_LEVEL, FALSE },
    { "RtlUnicodeStringVPrintf", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeStringValidate", DISPATCH_LEVEL, FALSE },
    { "RtlUnicodeToMultiByteN", PASSIVE_LEVEL, FALSE },
    { "RtlUnicodeToMultiByteSize", PASSIVE_LEVEL, FALSE },
    { "RtlUniform", HIGH_LEVEL, FALSE },
    { "RtlUpcaseUnicodeChar", DISPATCH_LEVEL, FALSE },
    { "RtlUpcaseUnicodeString", PASSIVE_LEVEL, FALSE },
    { "RtlUpperChar", DISPATCH_LEVEL, FALSE },
    { "RtlUpperString", DISPATCH_LEVEL, FALSE },
    { "RtlWriteRegistryValue", PASSIVE_LEVEL, TRUE },
    { "RtlxAnsiStringToUnicodeSize", PASSIVE_LEVEL, FALSE },
    { "RtlxUnicodeStringToAnsiSize", PASSIVE_LEVEL, FALSE },
    { "WRITE_PORT_BUFFER_UCHAR", HIGH_LEVEL, FALSE },
    { "WRITE_PORT_BUFFER_ULONG", HIGH_LEVEL, FALSE },
    { "WRITE_PORT_BUFFER_USHORT", HIGH_LEVEL, FALSE },
    { "WRITE_PORT_UCHAR", HIGH_LEVEL, FALSE },
    { "WRITE_PORT_ULONG", HIGH_LEVEL, FALSE },
    { "WRITE_PORT_USHORT", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_BUFFER_UCHAR", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_BUFFER_ULONG", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_BUFFER_ULONG64", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_BUFFER_USHORT", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_UCHAR", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_ULONG", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_ULONG64", HIGH_LEVEL, FALSE },
    { "WRITE_REGISTER_USHORT", HIGH_LEVEL, FALSE },
    { "WmiCompleteRequest", DISPATCH_LEVEL, FALSE },
    { "WmiFireEvent", DISPATCH_LEVEL, FALSE },
    { "WmiSystemControl", PASSIVE_LEVEL, FALSE },
    { "ZwClearEvent", PASSIVE_LEVEL, FALSE },
    { "ZwClose", PASSIVE_LEVEL, FALSE },
    { "ZwCreateEvent", PASSIVE_LEVEL, TRUE },
    { "ZwCreateFile", PASSIVE_LEVEL, TRUE },
    { "ZwCreateKey", PASSIVE_LEVEL, TRUE },
    { "ZwDeleteKey", PASSIVE_LEVEL, TRUE },
    { "ZwDeleteValueKey", PASSIVE_LEVEL, TRUE },
    { "ZwEnumerateKey", PASSIVE_LEVEL, TRUE },
    { "ZwEnumerateValueKey", PASSIVE_LEVEL, TRUE },
    { "ZwFlushKey", PASSIVE_LEVEL, TRUE },
    { "ZwMakeTemporaryObject", PASSIVE_LEVEL, FALSE },
    { "ZwOpenEvent", PASSIVE_LEVEL, TRUE },
    { "ZwOpenFile", PASSIVE_LEVEL, TRUE },
    { "ZwOpenKey", PASSIVE_LEVEL, TRUE },
    { "ZwOpenKeyEx", PASSIVE_LEVEL, TRUE },
    { "ZwPulseEvent", PASSIVE_LEVEL, TRUE },
    { "ZwQueryKey", PASSIVE_LEVEL, TRUE },
    { "ZwQueryValueKey", PASSIVE_LEVEL, TRUE },
    { "ZwResetEvent", PASSIVE_LEVEL, FALSE },
    { "ZwSetEvent", PASSIVE_LEVEL, TRUE },
    { "ZwSetValueKey", PASSIVE_LEVEL, TRUE },
    { "ZwWaitForMultipleObjects", PASSIVE_LEVEL, FALSE },
    { "ZwWaitForSingleObject", PASSIVE_LEVEL, FALSE },
};

static int VfCompareDdi(const void *Key, const void *Entry)
{
    return strcmp(Key, ((const VF_DDI_IRQL *)Entry)->Name);
}

/* The highest IRQL for a DDI, or -1 when the table has no entry for it. */
int VfDdiMaxIrql(const char *Name)
{
    const VF_DDI_IRQL *E = bsearch(Name, VfDdiIrqlTable, RTL_NUMBER_OF(VfDdiIrqlTable), sizeof(VfDdiIrqlTable[0]),
                                   VfCompareDdi);
    return E ? E->MaxIrql : -1;
}

/* ---- from a return address inside a DDI to its table entry ---- */

#define VF_DDI_CACHE 512 /* power of two; addresses inside DDIs that took a site above PASSIVE */

typedef struct _VF_DDI_SLOT {
    void *Address;
    const VF_DDI_IRQL *Entry; /* NULL: not a DDI of the table (a helper) */
} VF_DDI_SLOT;

static VF_DDI_SLOT VfDdiCache[VF_DDI_CACHE];

static const VF_DDI_IRQL *VfResolveDdi(void *Address)
{
    Dl_info Info;
    const char *Name = NULL;
#if defined(__GLIBC__)
    const ElfW(Sym) *Symbol = NULL;
    if (dladdr1(Address, &Info, (void **)&Symbol, RTLD_DL_SYMENT) && Symbol && Info.dli_sname &&
        (char *)Address < (char *)Info.dli_saddr + Symbol->st_size)
        Name = Info.dli_sname; /* only a symbol that really contains the address */
#else
    if (dladdr(Address, &Info) && Info.dli_sname)
        Name = Info.dli_sname;
#endif
    if (Name == NULL)
        return NULL;
    char Plain[128]; /* link-time optimisation may rename a routine "Name.part.0" */
    snprintf(Plain, sizeof(Plain), "%s", Name);
    char *Dot = strchr(Plain, '.');
    if (Dot)
        *Dot = 0;
    return bsearch(Plain, VfDdiIrqlTable, RTL_NUMBER_OF(VfDdiIrqlTable), sizeof(VfDdiIrqlTable[0]), VfCompareDdi);
}

static const VF_DDI_IRQL *VfLookupDdi(void *Address)
{
    size_t i = ((ULONG_PTR)Address >> 2) & (VF_DDI_CACHE - 1);
    for (size_t n = 0; n < VF_DDI_CACHE; n++, i = (i + 1) & (VF_DDI_CACHE - 1)) {
        if (VfDdiCache[i].Address == Address)
            return VfDdiCache[i].Entry;
        if (VfDdiCache[i].Address == NULL) {
            VfDdiCache[i].Address = Address;
            VfDdiCache[i].Entry = VfResolveDdi(Address);
            return VfDdiCache[i].Entry;
        }
    }
    return VfResolveDdi(Address); /* cache full: still correct, slower */
}

static ULONG VfIrqlParameter(KIRQL Max)
{
    /* parameter 1 as the routines' own IRQL checks give it */
    return Max == PASSIVE_LEVEL ? 0x3F : Max == APC_LEVEL ? 0x33 : 0x3E;
}

void VfCheckDdiIrql(void *ReturnAddress, KIRQL Irql, NTSIM_SITE Site)
{
    if (!VfEnabled)
        return;
    const VF_DDI_IRQL *Entry = VfLookupDdi(ReturnAddress);
    if (Entry == NULL || Entry->OwnCheck || Irql <= Entry->MaxIrql)
        return;
    KiCheckIrql(Entry->Name, Entry->MaxIrql, 0xC4, VfIrqlParameter(Entry->MaxIrql), Site);
}
