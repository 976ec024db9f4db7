/* nt/zwfile.h - ZwCreateFile / ZwOpenFile as a driver calls them to open another
 * device by name (sim/io/zwfile.c; ntsim has no file system, devices only). */
#ifndef NTSIM_NT_ZWFILE_H
#define NTSIM_NT_ZWFILE_H

NTSYSAPI NTSTATUS NTAPI ZwCreateFile(PHANDLE FileHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                     PIO_STATUS_BLOCK IoStatusBlock, PLARGE_INTEGER AllocationSize, ULONG FileAttributes,
                                     ULONG ShareAccess, ULONG CreateDisposition, ULONG CreateOptions, PVOID EaBuffer,
                                     ULONG EaLength);
NTSYSAPI NTSTATUS NTAPI ZwOpenFile(PHANDLE FileHandle, ACCESS_MASK DesiredAccess, POBJECT_ATTRIBUTES ObjectAttributes,
                                   PIO_STATUS_BLOCK IoStatusBlock, ULONG ShareAccess, ULONG OpenOptions);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define ZwCreateFile(...) NTSIM_AT(ZwCreateFile)(__VA_ARGS__)
#define ZwOpenFile(...) NTSIM_AT(ZwOpenFile)(__VA_ARGS__)
#endif

#endif
