/* obp.h - object manager internals shared by sim/ob files. */
#ifndef NTSIM_OBP_H
#define NTSIM_OBP_H
#include "ntsimp.h"

#define OBP_MAGIC 0x6A624F4Fu /* "OObj" */

typedef struct _OBP_DIRECTORY OBP_DIRECTORY;

typedef struct DECLSPEC_ALIGN(16) _OBP_HEADER {
    ULONG Magic;
    LONG HandleCount;
    LONG_PTR PointerCount;
    POBJECT_TYPE Type;
    char *Name;                 /* last path component, NULL when unnamed */
    OBP_DIRECTORY *Parent;      /* directory holding the name */
    LIST_ENTRY DirectoryLink;   /* in Parent->Entries */
} OBP_HEADER;

struct _OBP_DIRECTORY {
    LIST_ENTRY Entries;         /* OBP_HEADER.DirectoryLink, in insertion order */
};

typedef struct _OBP_SYMLINK {
    char *Target;               /* UTF-8 absolute path */
} OBP_SYMLINK;

static inline OBP_HEADER *ObpHeader(PVOID Object)
{
    return (OBP_HEADER *)Object - 1;
}

static inline PVOID ObpBody(OBP_HEADER *Header)
{
    return Header + 1;
}

OBP_DIRECTORY *ObpRootDirectory(void);
OBP_HEADER *ObpFindInDirectory(OBP_DIRECTORY *Directory, const char *Name, size_t Length);
NTSTATUS ObpCreateDirectoryPath(const char *Path);
NTSTATUS ObpCreateSymbolicLinkUtf8(const char *LinkPath, const char *TargetPath, PVOID *Link);
void ObpCloseAllHandles(void);
#endif
