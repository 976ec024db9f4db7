/* nt/ps.h - the process and token routines of ntifs.h: the system process by ID, its
 * primary token, a token handle. ntsim has one process, the system's (process ID 4);
 * sim/ps/process.c. */
#ifndef NTSIM_NT_PS_H
#define NTSIM_NT_PS_H

typedef PVOID PACCESS_TOKEN;

/* token access rights */
#ifndef TOKEN_QUERY
#define TOKEN_ASSIGN_PRIMARY 0x0001
#define TOKEN_DUPLICATE 0x0002
#define TOKEN_IMPERSONATE 0x0004
#define TOKEN_QUERY 0x0008
#define TOKEN_QUERY_SOURCE 0x0010
#define TOKEN_ADJUST_PRIVILEGES 0x0020
#define TOKEN_ADJUST_GROUPS 0x0040
#define TOKEN_ADJUST_DEFAULT 0x0080
#define TOKEN_ADJUST_SESSIONID 0x0100
#define TOKEN_ALL_ACCESS (STANDARD_RIGHTS_REQUIRED | 0x01FF)
#define TOKEN_READ (STANDARD_RIGHTS_READ | TOKEN_QUERY)
#endif

NTKERNELAPI NTSTATUS PsLookupProcessByProcessId(HANDLE ProcessId, PEPROCESS *Process);
NTKERNELAPI PEPROCESS PsGetThreadProcess(PETHREAD Thread);
NTKERNELAPI PEPROCESS PsGetCurrentThreadProcess(VOID);
NTKERNELAPI HANDLE PsGetCurrentThreadProcessId(VOID);
NTKERNELAPI BOOLEAN PsIsSystemProcess(PEPROCESS Process);
NTKERNELAPI PACCESS_TOKEN PsReferencePrimaryToken(PEPROCESS Process);
NTKERNELAPI VOID PsDereferencePrimaryToken(PACCESS_TOKEN PrimaryToken);
NTKERNELAPI NTSTATUS ZwOpenProcessTokenEx(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, ULONG HandleAttributes,
                                          PHANDLE TokenHandle);
NTKERNELAPI NTSTATUS ZwOpenProcessToken(HANDLE ProcessHandle, ACCESS_MASK DesiredAccess, PHANDLE TokenHandle);
NTKERNELAPI POBJECT_TYPE ObGetObjectType(PVOID Object);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define PsLookupProcessByProcessId(...) NTSIM_AT(PsLookupProcessByProcessId)(__VA_ARGS__)
#define PsReferencePrimaryToken(...) NTSIM_AT(PsReferencePrimaryToken)(__VA_ARGS__)
#define ZwOpenProcessTokenEx(...) NTSIM_AT(ZwOpenProcessTokenEx)(__VA_ARGS__)
#define ZwOpenProcessToken(...) NTSIM_AT(ZwOpenProcessToken)(__VA_ARGS__)
#define ObGetObjectType(...) NTSIM_AT(ObGetObjectType)(__VA_ARGS__)
#endif

#endif
