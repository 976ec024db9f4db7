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

/* ex: pool */
#define ExAllocatePoolWithTag(...) NTSIM_AT(ExAllocatePoolWithTag)(__VA_ARGS__)
#define ExAllocatePool(...) NTSIM_AT(ExAllocatePool)(__VA_ARGS__)
#define ExAllocatePoolWithQuotaTag(...) NTSIM_AT(ExAllocatePoolWithQuotaTag)(__VA_ARGS__)
#define ExAllocatePool2(...) NTSIM_AT(ExAllocatePool2)(__VA_ARGS__)
#define ExAllocatePoolZero(...) NTSIM_AT(ExAllocatePoolZero)(__VA_ARGS__)
#define ExAllocatePoolUninitialized(...) NTSIM_AT(ExAllocatePoolUninitialized)(__VA_ARGS__)
#define ExFreePool(...) NTSIM_AT(ExFreePool)(__VA_ARGS__)
#define ExFreePoolWithTag(...) NTSIM_AT(ExFreePoolWithTag)(__VA_ARGS__)
#define ExRaiseStatus(...) NTSIM_AT(ExRaiseStatus)(__VA_ARGS__)

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
#define KeBugCheckEx(...) NTSIM_AT(KeBugCheckEx)(__VA_ARGS__)
#define KeBugCheck(...) NTSIM_AT(KeBugCheck)(__VA_ARGS__)
#define KeRaiseIrql(...) NTSIM_AT(KeRaiseIrql)(__VA_ARGS__)
#define KeLowerIrql(...) NTSIM_AT(KeLowerIrql)(__VA_ARGS__)
#define KeInitializeSpinLock(...) NTSIM_AT(KeInitializeSpinLock)(__VA_ARGS__)
#define KeAcquireSpinLock(...) NTSIM_AT(KeAcquireSpinLock)(__VA_ARGS__)
#define KeReleaseSpinLock(...) NTSIM_AT(KeReleaseSpinLock)(__VA_ARGS__)
#define KeAcquireSpinLockAtDpcLevel(...) NTSIM_AT(KeAcquireSpinLockAtDpcLevel)(__VA_ARGS__)
#define KeReleaseSpinLockFromDpcLevel(...) NTSIM_AT(KeReleaseSpinLockFromDpcLevel)(__VA_ARGS__)

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
