/* nt/event.h - events and timers reachable by handle (ZwCreateEvent & co.,
 * IoCreate*Event, ZwCreateTimer & co.) and the handle waits. An event object's body is a KEVENT: ObReferenceObjectByHandle with
 * *ExEventObjectType gives the PKEVENT a driver passes to KeSetEvent. */
#ifndef NTSIM_NT_EVENT_H
#define NTSIM_NT_EVENT_H

#ifndef EVENT_QUERY_STATE
#define EVENT_QUERY_STATE 0x0001
#endif
#ifndef EVENT_MODIFY_STATE
#define EVENT_MODIFY_STATE 0x0002
#endif
#ifndef EVENT_ALL_ACCESS
#define EVENT_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)
#endif
#ifndef SEMAPHORE_QUERY_STATE
#define SEMAPHORE_QUERY_STATE 0x0001
#endif
#ifndef SEMAPHORE_MODIFY_STATE
#define SEMAPHORE_MODIFY_STATE 0x0002
#endif
#ifndef SEMAPHORE_ALL_ACCESS
#define SEMAPHORE_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0x3)
#endif

NTSYSAPI NTSTATUS NTAPI ZwCreateEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                      EVENT_TYPE EventType, BOOLEAN InitialState);
NTSYSAPI NTSTATUS NTAPI ZwOpenEvent(PHANDLE EventHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI ZwSetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwResetEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwClearEvent(HANDLE EventHandle);
NTSYSAPI NTSTATUS NTAPI ZwPulseEvent(HANDLE EventHandle, PLONG PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwWaitForSingleObject(HANDLE Handle, BOOLEAN Alertable, PLARGE_INTEGER Timeout);
NTSYSAPI NTSTATUS NTAPI ZwWaitForMultipleObjects(ULONG Count, HANDLE Handles[], WAIT_TYPE WaitType,
                                                 BOOLEAN Alertable, PLARGE_INTEGER Timeout);
typedef VOID (NTAPI *PTIMER_APC_ROUTINE)(PVOID TimerContext, ULONG TimerLowValue, LONG TimerHighValue);
NTSYSAPI NTSTATUS NTAPI ZwCreateTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                      TIMER_TYPE TimerType);
NTSYSAPI NTSTATUS NTAPI ZwOpenTimer(PHANDLE TimerHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes);
NTSYSAPI NTSTATUS NTAPI ZwSetTimer(HANDLE TimerHandle, PLARGE_INTEGER DueTime, PTIMER_APC_ROUTINE TimerApcRoutine,
                                   PVOID TimerContext, BOOLEAN ResumeTimer, LONG Period, PBOOLEAN PreviousState);
NTSYSAPI NTSTATUS NTAPI ZwCancelTimer(HANDLE TimerHandle, PBOOLEAN CurrentState);
NTKERNELAPI PKEVENT IoCreateNotificationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle);
NTKERNELAPI PKEVENT IoCreateSynchronizationEvent(PUNICODE_STRING EventName, PHANDLE EventHandle);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define ZwCreateEvent(...) NTSIM_AT(ZwCreateEvent)(__VA_ARGS__)
#define ZwOpenEvent(...) NTSIM_AT(ZwOpenEvent)(__VA_ARGS__)
#define ZwSetEvent(...) NTSIM_AT(ZwSetEvent)(__VA_ARGS__)
#define ZwWaitForSingleObject(...) NTSIM_AT(ZwWaitForSingleObject)(__VA_ARGS__)
#define ZwCreateTimer(...) NTSIM_AT(ZwCreateTimer)(__VA_ARGS__)
#define ZwOpenTimer(...) NTSIM_AT(ZwOpenTimer)(__VA_ARGS__)
#define ZwSetTimer(...) NTSIM_AT(ZwSetTimer)(__VA_ARGS__)
#define ZwCancelTimer(...) NTSIM_AT(ZwCancelTimer)(__VA_ARGS__)
#define ZwWaitForMultipleObjects(...) NTSIM_AT(ZwWaitForMultipleObjects)(__VA_ARGS__)
#define IoCreateNotificationEvent(...) NTSIM_AT(IoCreateNotificationEvent)(__VA_ARGS__)
#define IoCreateSynchronizationEvent(...) NTSIM_AT(IoCreateSynchronizationEvent)(__VA_ARGS__)
#define ObReferenceObjectByPointer(...) NTSIM_AT(ObReferenceObjectByPointer)(__VA_ARGS__)
#endif

#endif
