/* mip.h - memory manager internals shared by the sim/mm files, the I/O manager and
 * the host layer: the region that plays user space, memory poisoned on purpose, and
 * the protected user buffers of METHOD_NEITHER requests. */
#ifndef NTSIM_MIP_H
#define NTSIM_MIP_H
#include "ntsimp.h"

void MiInitializeUserSpace(void);
void MiShutdownUserSpace(void);
void *MiAllocateUser(size_t Size);
void MiFreeUser(void *Address);
BOOLEAN MiIsUserRange(const void *Address, size_t Length);
void *MiAllocatePoisonable(size_t Size, size_t *MappedSize);
void MiPoison(void *Address, size_t Size, const char *Description);
void MiReleasePoisoned(void);
/* userbuf.c: user buffers handed to drivers as raw addresses (UM-01) */
void MiInitializeProtectedUser(char *Region, size_t Size);
void *MiAllocateProtectedUser(const void *Data, size_t Size, const char *What);
BOOLEAN MiIsProtectedUser(const void *Address);
void MiCopyFromProtectedUser(void *To, const void *From, size_t Size);
void MiFreeProtectedUser(void *Address);
void MiProbeProtectedUser(const void *Address, size_t Length);

#endif
