/* nt/ob.h - object manager routines a driver calls. */
#ifndef NTSIM_NT_OB_H
#define NTSIM_NT_OB_H

typedef struct _OBJECT_HANDLE_INFORMATION {
    ULONG HandleAttributes;
    ACCESS_MASK GrantedAccess;
} OBJECT_HANDLE_INFORMATION, *POBJECT_HANDLE_INFORMATION;

extern NTKERNELAPI POBJECT_TYPE *IoFileObjectType;
extern NTKERNELAPI POBJECT_TYPE *IoDeviceObjectType;
extern NTKERNELAPI POBJECT_TYPE *IoDriverObjectType;
extern NTKERNELAPI POBJECT_TYPE *ExEventObjectType;
extern NTKERNELAPI POBJECT_TYPE *ExSemaphoreObjectType;
extern NTKERNELAPI POBJECT_TYPE *PsThreadType;
extern NTKERNELAPI POBJECT_TYPE *PsProcessType;
extern NTKERNELAPI POBJECT_TYPE *CmKeyObjectType;
extern NTKERNELAPI POBJECT_TYPE *SeTokenObjectType;

NTKERNELAPI LONG_PTR ObfReferenceObject(PVOID Object);
NTKERNELAPI LONG_PTR ObfDereferenceObject(PVOID Object);
NTKERNELAPI LONG_PTR ObfReferenceObjectWithTag(PVOID Object, ULONG Tag);
NTKERNELAPI LONG_PTR ObfDereferenceObjectWithTag(PVOID Object, ULONG Tag);
#define ObReferenceObject(Object) ObfReferenceObject(Object)
#define ObDereferenceObject(Object) ObfDereferenceObject(Object)
#define ObReferenceObjectWithTag(Object, Tag) ObfReferenceObjectWithTag(Object, Tag)
#define ObDereferenceObjectWithTag(Object, Tag) ObfDereferenceObjectWithTag(Object, Tag)
NTKERNELAPI VOID ObDereferenceObjectDeferDelete(PVOID Object);
NTKERNELAPI VOID ObDereferenceObjectDeferDeleteWithTag(PVOID Object, ULONG Tag);
NTKERNELAPI NTSTATUS ObReferenceObjectByHandleWithTag(HANDLE Handle, ACCESS_MASK DesiredAccess,
                                                      POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, ULONG Tag,
                                                      PVOID *Object, POBJECT_HANDLE_INFORMATION HandleInformation);
NTKERNELAPI NTSTATUS ObReferenceObjectByPointerWithTag(PVOID Object, ACCESS_MASK DesiredAccess,
                                                       POBJECT_TYPE ObjectType, KPROCESSOR_MODE AccessMode, ULONG Tag);
NTKERNELAPI NTSTATUS ObCloseHandle(HANDLE Handle, KPROCESSOR_MODE PreviousMode);
NTKERNELAPI NTSTATUS ObReferenceObjectByHandle(HANDLE Handle, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                               KPROCESSOR_MODE AccessMode, PVOID *Object,
                                               POBJECT_HANDLE_INFORMATION HandleInformation);
NTKERNELAPI NTSTATUS ObReferenceObjectByPointer(PVOID Object, ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                                KPROCESSOR_MODE AccessMode);
NTKERNELAPI VOID ObMakeTemporaryObject(PVOID Object);
NTKERNELAPI NTSTATUS ObOpenObjectByPointer(PVOID Object, ULONG HandleAttributes, PACCESS_STATE PassedAccessState,
                                           ACCESS_MASK DesiredAccess, POBJECT_TYPE ObjectType,
                                           KPROCESSOR_MODE AccessMode, PHANDLE Handle);
NTKERNELAPI NTSTATUS ZwClose(HANDLE Handle);
NTKERNELAPI NTSTATUS NtClose(HANDLE Handle);
NTKERNELAPI NTSTATUS ZwMakeTemporaryObject(HANDLE Handle);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define ObOpenObjectByPointer(...) NTSIM_AT(ObOpenObjectByPointer)(__VA_ARGS__)
#define ObfReferenceObjectWithTag(...) NTSIM_AT(ObfReferenceObjectWithTag)(__VA_ARGS__)
#define ObfDereferenceObjectWithTag(...) NTSIM_AT(ObfDereferenceObjectWithTag)(__VA_ARGS__)
#define ObDereferenceObjectDeferDelete(...) NTSIM_AT(ObDereferenceObjectDeferDelete)(__VA_ARGS__)
#define ObDereferenceObjectDeferDeleteWithTag(...) NTSIM_AT(ObDereferenceObjectDeferDeleteWithTag)(__VA_ARGS__)
#define ObReferenceObjectByHandleWithTag(...) NTSIM_AT(ObReferenceObjectByHandleWithTag)(__VA_ARGS__)
#define ObReferenceObjectByPointerWithTag(...) NTSIM_AT(ObReferenceObjectByPointerWithTag)(__VA_ARGS__)
#define ObCloseHandle(...) NTSIM_AT(ObCloseHandle)(__VA_ARGS__)
#endif

#define NtCurrentProcess() ((HANDLE)(LONG_PTR)-1)
#define ZwCurrentProcess() NtCurrentProcess()
#define NtCurrentThread() ((HANDLE)(LONG_PTR)-2)
#define ZwCurrentThread() NtCurrentThread()

#endif
