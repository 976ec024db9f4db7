/* nt/site.h - record the driver's source line at every DDI call.
 *
 * In a driver image each DDI below is also a function-like macro that first stores
 * __FILE__/__LINE__ in the calling thread's site slot, then calls the real routine.
 * Leak reports, fault-injection points and bug checks use it to name the driver line.
 * Taking a DDI's address (no parentheses) still yields the real routine.
 * The simulator's own sources define NTSIM_INTERNAL and do not see these macros.
 */
#ifndef NTSIM_NT_SITE_H
#define NTSIM_NT_SITE_H

NTKERNELAPI void NtsimSetSite(const char *File, int Line);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define NTSIM_AT(fn) (NtsimSetSite(__FILE__, __LINE__), fn)
/* Routines that never return are called by name, not through the comma expression's
 * function pointer: `noreturn` then holds by the routine's own declaration, whatever a
 * compiler or analyzer makes of attributes on pointers (a driver's switch case or
 * function that ends in KeBugCheck must not warn about falling through). */
#define NTSIM_AT_NORETURN(fn, ...) (NtsimSetSite(__FILE__, __LINE__), fn(__VA_ARGS__))

/* ex: pool */
#define ExAllocatePoolWithTag(...) NTSIM_AT(ExAllocatePoolWithTag)(__VA_ARGS__)
#define ExAllocatePool(...) NTSIM_AT(ExAllocatePool)(__VA_ARGS__)
#define ExAllocatePoolWithQuotaTag(...) NTSIM_AT(ExAllocatePoolWithQuotaTag)(__VA_ARGS__)
#define ExAllocatePool2(...) NTSIM_AT(ExAllocatePool2)(__VA_ARGS__)
#define ExAllocatePoolZero(...) NTSIM_AT(ExAllocatePoolZero)(__VA_ARGS__)
#define ExAllocatePoolUninitialized(...) NTSIM_AT(ExAllocatePoolUninitialized)(__VA_ARGS__)
#define ExFreePool(...) NTSIM_AT(ExFreePool)(__VA_ARGS__)
#define ExFreePoolWithTag(...) NTSIM_AT(ExFreePoolWithTag)(__VA_ARGS__)
#define ExRaiseStatus(...) NTSIM_AT_NORETURN(ExRaiseStatus, __VA_ARGS__)

/* io */
#define IoCreateDevice(...) NTSIM_AT(IoCreateDevice)(__VA_ARGS__)
#define IoDeleteDevice(...) NTSIM_AT(IoDeleteDevice)(__VA_ARGS__)
#define IoCreateSymbolicLink(...) NTSIM_AT(IoCreateSymbolicLink)(__VA_ARGS__)
#define IoCreateUnprotectedSymbolicLink(...) NTSIM_AT(IoCreateUnprotectedSymbolicLink)(__VA_ARGS__)
#define IoDeleteSymbolicLink(...) NTSIM_AT(IoDeleteSymbolicLink)(__VA_ARGS__)
#define IoGetDeviceObjectPointer(...) NTSIM_AT(IoGetDeviceObjectPointer)(__VA_ARGS__)
#define IoAllocateDriverObjectExtension(...) NTSIM_AT(IoAllocateDriverObjectExtension)(__VA_ARGS__)
#define IoAttachDeviceToDeviceStack(...) NTSIM_AT(IoAttachDeviceToDeviceStack)(__VA_ARGS__)
#define IoDetachDevice(...) NTSIM_AT(IoDetachDevice)(__VA_ARGS__)
#define IoAllocateIrp(...) NTSIM_AT(IoAllocateIrp)(__VA_ARGS__)
#define IoFreeIrp(...) NTSIM_AT(IoFreeIrp)(__VA_ARGS__)
#define IoReuseIrp(...) NTSIM_AT(IoReuseIrp)(__VA_ARGS__)
#define IoCallDriver(...) NTSIM_AT(IoCallDriver)(__VA_ARGS__)
#define IoSetHardErrorOrVerifyDevice(...) NTSIM_AT(IoSetHardErrorOrVerifyDevice)(__VA_ARGS__)
#define IoCompleteRequest(...) NTSIM_AT(IoCompleteRequest)(__VA_ARGS__)
#define IoCancelIrp(...) NTSIM_AT(IoCancelIrp)(__VA_ARGS__)
#define IoBuildDeviceIoControlRequest(...) NTSIM_AT(IoBuildDeviceIoControlRequest)(__VA_ARGS__)
#define IoBuildSynchronousFsdRequest(...) NTSIM_AT(IoBuildSynchronousFsdRequest)(__VA_ARGS__)
#define IoBuildAsynchronousFsdRequest(...) NTSIM_AT(IoBuildAsynchronousFsdRequest)(__VA_ARGS__)
#define IoAllocateMdl(...) NTSIM_AT(IoAllocateMdl)(__VA_ARGS__)
#define IoFreeMdl(...) NTSIM_AT(IoFreeMdl)(__VA_ARGS__)
#define IoRegisterDriverReinitialization(...) NTSIM_AT(IoRegisterDriverReinitialization)(__VA_ARGS__)
#define IoRegisterShutdownNotification(...) NTSIM_AT(IoRegisterShutdownNotification)(__VA_ARGS__)
#define IoUnregisterShutdownNotification(...) NTSIM_AT(IoUnregisterShutdownNotification)(__VA_ARGS__)
#define IoAllocateWorkItem(...) NTSIM_AT(IoAllocateWorkItem)(__VA_ARGS__)
#define IoFreeWorkItem(...) NTSIM_AT(IoFreeWorkItem)(__VA_ARGS__)

/* io/hal: interrupts, StartIo, port I/O (sim/io/interrupt.c, startio.c, sim/hal); the resource
 * claims of nt/hal.h and IoQueryDeviceDescription (nt/config.h) are ntddk.h-only and define
 * their macros there, after their prototypes */
#define IoConnectInterrupt(...) NTSIM_AT(IoConnectInterrupt)(__VA_ARGS__)
#define IoDisconnectInterrupt(...) NTSIM_AT(IoDisconnectInterrupt)(__VA_ARGS__)
#define KeSynchronizeExecution(...) NTSIM_AT(KeSynchronizeExecution)(__VA_ARGS__)
#define IoStartPacket(...) NTSIM_AT(IoStartPacket)(__VA_ARGS__)
#define IoStartNextPacket(...) NTSIM_AT(IoStartNextPacket)(__VA_ARGS__)
#define READ_PORT_UCHAR(...) NTSIM_AT(READ_PORT_UCHAR)(__VA_ARGS__)
#define READ_PORT_USHORT(...) NTSIM_AT(READ_PORT_USHORT)(__VA_ARGS__)
#define READ_PORT_ULONG(...) NTSIM_AT(READ_PORT_ULONG)(__VA_ARGS__)
#define WRITE_PORT_UCHAR(...) NTSIM_AT(WRITE_PORT_UCHAR)(__VA_ARGS__)
#define WRITE_PORT_USHORT(...) NTSIM_AT(WRITE_PORT_USHORT)(__VA_ARGS__)
#define WRITE_PORT_ULONG(...) NTSIM_AT(WRITE_PORT_ULONG)(__VA_ARGS__)
#define READ_PORT_BUFFER_UCHAR(...) NTSIM_AT(READ_PORT_BUFFER_UCHAR)(__VA_ARGS__)
#define READ_PORT_BUFFER_USHORT(...) NTSIM_AT(READ_PORT_BUFFER_USHORT)(__VA_ARGS__)
#define READ_PORT_BUFFER_ULONG(...) NTSIM_AT(READ_PORT_BUFFER_ULONG)(__VA_ARGS__)
#define WRITE_PORT_BUFFER_UCHAR(...) NTSIM_AT(WRITE_PORT_BUFFER_UCHAR)(__VA_ARGS__)
#define WRITE_PORT_BUFFER_USHORT(...) NTSIM_AT(WRITE_PORT_BUFFER_USHORT)(__VA_ARGS__)
#define WRITE_PORT_BUFFER_ULONG(...) NTSIM_AT(WRITE_PORT_BUFFER_ULONG)(__VA_ARGS__)

/* mm */
#define MmProbeAndLockPages(...) NTSIM_AT(MmProbeAndLockPages)(__VA_ARGS__)
#define MmUnlockPages(...) NTSIM_AT(MmUnlockPages)(__VA_ARGS__)
#define MmGetSystemAddressForMdlSafe(...) NTSIM_AT(MmGetSystemAddressForMdlSafe)(__VA_ARGS__)
#define MmBuildMdlForNonPagedPool(...) NTSIM_AT(MmBuildMdlForNonPagedPool)(__VA_ARGS__)
#define ProbeForRead(...) NTSIM_AT(ProbeForRead)(__VA_ARGS__)
#define ProbeForWrite(...) NTSIM_AT(ProbeForWrite)(__VA_ARGS__)

/* ob */
#define ObfReferenceObject(...) NTSIM_AT(ObfReferenceObject)(__VA_ARGS__)
#define ObfDereferenceObject(...) NTSIM_AT(ObfDereferenceObject)(__VA_ARGS__)
#define ObReferenceObjectByHandle(...) NTSIM_AT(ObReferenceObjectByHandle)(__VA_ARGS__)
#define ZwClose(...) NTSIM_AT(ZwClose)(__VA_ARGS__)

/* ke */
#define KeBugCheckEx(...) NTSIM_AT_NORETURN(KeBugCheckEx, __VA_ARGS__)
#define KeBugCheck(...) NTSIM_AT_NORETURN(KeBugCheck, __VA_ARGS__)
#define KeRaiseIrql(...) NTSIM_AT(KeRaiseIrql)(__VA_ARGS__)
#define KeLowerIrql(...) NTSIM_AT(KeLowerIrql)(__VA_ARGS__)
#define KeInitializeSpinLock(...) NTSIM_AT(KeInitializeSpinLock)(__VA_ARGS__)
#define KeAcquireSpinLock(...) NTSIM_AT(KeAcquireSpinLock)(__VA_ARGS__)
#define KeReleaseSpinLock(...) NTSIM_AT(KeReleaseSpinLock)(__VA_ARGS__)
#define KeAcquireSpinLockAtDpcLevel(...) NTSIM_AT(KeAcquireSpinLockAtDpcLevel)(__VA_ARGS__)
#define KeReleaseSpinLockFromDpcLevel(...) NTSIM_AT(KeReleaseSpinLockFromDpcLevel)(__VA_ARGS__)

/* ke / ex / ps / io: the execution model (sim/ke, sim/ex, sim/ps, sim/io/timer.c, workitem.c, removelock.c) */
#define KeInitializeEvent(...) NTSIM_AT(KeInitializeEvent)(__VA_ARGS__)
#define KeSetEvent(...) NTSIM_AT(KeSetEvent)(__VA_ARGS__)
#define KeResetEvent(...) NTSIM_AT(KeResetEvent)(__VA_ARGS__)
#define KeClearEvent(...) NTSIM_AT(KeClearEvent)(__VA_ARGS__)
#define KePulseEvent(...) NTSIM_AT(KePulseEvent)(__VA_ARGS__)
#define KeInitializeSemaphore(...) NTSIM_AT(KeInitializeSemaphore)(__VA_ARGS__)
#define KeReleaseSemaphore(...) NTSIM_AT(KeReleaseSemaphore)(__VA_ARGS__)
#define KeInitializeMutex(...) NTSIM_AT(KeInitializeMutex)(__VA_ARGS__)
#define KeReleaseMutex(...) NTSIM_AT(KeReleaseMutex)(__VA_ARGS__)
#define KeWaitForSingleObject(...) NTSIM_AT(KeWaitForSingleObject)(__VA_ARGS__)
#define KeWaitForMultipleObjects(...) NTSIM_AT(KeWaitForMultipleObjects)(__VA_ARGS__)
#define KeDelayExecutionThread(...) NTSIM_AT(KeDelayExecutionThread)(__VA_ARGS__)
#define KeStallExecutionProcessor(...) NTSIM_AT(KeStallExecutionProcessor)(__VA_ARGS__)
#define KeInitializeTimer(...) NTSIM_AT(KeInitializeTimer)(__VA_ARGS__)
#define KeInitializeTimerEx(...) NTSIM_AT(KeInitializeTimerEx)(__VA_ARGS__)
#define KeSetTimer(...) NTSIM_AT(KeSetTimer)(__VA_ARGS__)
#define KeSetTimerEx(...) NTSIM_AT(KeSetTimerEx)(__VA_ARGS__)
#define KeCancelTimer(...) NTSIM_AT(KeCancelTimer)(__VA_ARGS__)
#define KeInitializeDpc(...) NTSIM_AT(KeInitializeDpc)(__VA_ARGS__)
#define KeInsertQueueDpc(...) NTSIM_AT(KeInsertQueueDpc)(__VA_ARGS__)
#define KeRemoveQueueDpc(...) NTSIM_AT(KeRemoveQueueDpc)(__VA_ARGS__)
#define KeFlushQueuedDpcs(...) NTSIM_AT(KeFlushQueuedDpcs)(__VA_ARGS__)
#define KeSetPriorityThread(...) NTSIM_AT(KeSetPriorityThread)(__VA_ARGS__)
#define KeEnterCriticalRegion(...) NTSIM_AT(KeEnterCriticalRegion)(__VA_ARGS__)
#define KeLeaveCriticalRegion(...) NTSIM_AT(KeLeaveCriticalRegion)(__VA_ARGS__)
#define KeAcquireInStackQueuedSpinLock(...) NTSIM_AT(KeAcquireInStackQueuedSpinLock)(__VA_ARGS__)
#define KeReleaseInStackQueuedSpinLock(...) NTSIM_AT(KeReleaseInStackQueuedSpinLock)(__VA_ARGS__)
#define IoAcquireCancelSpinLock(...) NTSIM_AT(IoAcquireCancelSpinLock)(__VA_ARGS__)
#define IoReleaseCancelSpinLock(...) NTSIM_AT(IoReleaseCancelSpinLock)(__VA_ARGS__)
#define ExInitializeFastMutex(...) NTSIM_AT(ExInitializeFastMutex)(__VA_ARGS__)
#define ExAcquireFastMutex(...) NTSIM_AT(ExAcquireFastMutex)(__VA_ARGS__)
#define ExReleaseFastMutex(...) NTSIM_AT(ExReleaseFastMutex)(__VA_ARGS__)
#define ExAcquireResourceExclusiveLite(...) NTSIM_AT(ExAcquireResourceExclusiveLite)(__VA_ARGS__)
#define ExAcquireResourceSharedLite(...) NTSIM_AT(ExAcquireResourceSharedLite)(__VA_ARGS__)
#define ExReleaseResourceLite(...) NTSIM_AT(ExReleaseResourceLite)(__VA_ARGS__)
#define ExQueueWorkItem(...) NTSIM_AT(ExQueueWorkItem)(__VA_ARGS__)
#define PsCreateSystemThread(...) NTSIM_AT(PsCreateSystemThread)(__VA_ARGS__)
#define PsTerminateSystemThread(...) NTSIM_AT_NORETURN(PsTerminateSystemThread, __VA_ARGS__)
#define IoQueueWorkItem(...) NTSIM_AT(IoQueueWorkItem)(__VA_ARGS__)
#define IoInitializeTimer(...) NTSIM_AT(IoInitializeTimer)(__VA_ARGS__)
#define IoStartTimer(...) NTSIM_AT(IoStartTimer)(__VA_ARGS__)
#define IoStopTimer(...) NTSIM_AT(IoStopTimer)(__VA_ARGS__)

/* cm / rtl (registry and allocating string routines) */
#define ZwCreateKey(...) NTSIM_AT(ZwCreateKey)(__VA_ARGS__)
#define ZwOpenKey(...) NTSIM_AT(ZwOpenKey)(__VA_ARGS__)
#define ZwOpenKeyEx(...) NTSIM_AT(ZwOpenKeyEx)(__VA_ARGS__)
#define ZwQueryValueKey(...) NTSIM_AT(ZwQueryValueKey)(__VA_ARGS__)
#define ZwSetValueKey(...) NTSIM_AT(ZwSetValueKey)(__VA_ARGS__)
#define ZwDeleteKey(...) NTSIM_AT(ZwDeleteKey)(__VA_ARGS__)
#define ZwDeleteValueKey(...) NTSIM_AT(ZwDeleteValueKey)(__VA_ARGS__)
#define ZwEnumerateKey(...) NTSIM_AT(ZwEnumerateKey)(__VA_ARGS__)
#define ZwEnumerateValueKey(...) NTSIM_AT(ZwEnumerateValueKey)(__VA_ARGS__)
#define ZwQueryKey(...) NTSIM_AT(ZwQueryKey)(__VA_ARGS__)
#define ZwFlushKey(...) NTSIM_AT(ZwFlushKey)(__VA_ARGS__)
#define RtlQueryRegistryValues(...) NTSIM_AT(RtlQueryRegistryValues)(__VA_ARGS__)
#define RtlWriteRegistryValue(...) NTSIM_AT(RtlWriteRegistryValue)(__VA_ARGS__)
#define RtlCheckRegistryKey(...) NTSIM_AT(RtlCheckRegistryKey)(__VA_ARGS__)
#define RtlCreateRegistryKey(...) NTSIM_AT(RtlCreateRegistryKey)(__VA_ARGS__)
#define RtlDeleteRegistryValue(...) NTSIM_AT(RtlDeleteRegistryValue)(__VA_ARGS__)
#define RtlAnsiStringToUnicodeString(...) NTSIM_AT(RtlAnsiStringToUnicodeString)(__VA_ARGS__)
#define RtlUnicodeStringToAnsiString(...) NTSIM_AT(RtlUnicodeStringToAnsiString)(__VA_ARGS__)
#define RtlUpcaseUnicodeString(...) NTSIM_AT(RtlUpcaseUnicodeString)(__VA_ARGS__)
#define RtlDowncaseUnicodeString(...) NTSIM_AT(RtlDowncaseUnicodeString)(__VA_ARGS__)
#define RtlDuplicateUnicodeString(...) NTSIM_AT(RtlDuplicateUnicodeString)(__VA_ARGS__)
#define RtlFreeUnicodeString(...) NTSIM_AT(RtlFreeUnicodeString)(__VA_ARGS__)
#define RtlFreeAnsiString(...) NTSIM_AT(RtlFreeAnsiString)(__VA_ARGS__)
#define RtlStringFromGUID(...) NTSIM_AT(RtlStringFromGUID)(__VA_ARGS__)
#endif

#endif
