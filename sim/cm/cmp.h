/*
 * cmp.h - private interface of the configuration manager (sim/cm).
 *
 * The registry is an in-memory tree of key nodes owned by the simulated machine
 * (CmpInitialize at machine creation, CmpShutdown at destruction). Key handles are
 * object-manager handles to unnamed "Key" objects whose body points at a node.
 * The simulator's other parts (loader, resource map, HAL) use the UTF-8 helpers
 * below; paths are absolute native paths ("\Registry\Machine\...", any case).
 */
#ifndef NTSIM_CMP_H
#define NTSIM_CMP_H

#include "ntsimp.h"


/* ---- machine life cycle ---- */
/* Build the fixed part of the tree: \REGISTRY\MACHINE\{SYSTEM\CurrentControlSet\{Services,Control},
 * SOFTWARE\{Classes,Microsoft\Windows NT\CurrentVersion}, HARDWARE\{DESCRIPTION\System, DEVICEMAP,
 * RESOURCEMAP}} and \REGISTRY\USER\.DEFAULT. Calling it again first discards the old tree. */
void CmpInitialize(void);
/* Free every key and value. Key objects still open keep their (deleted) node alive
 * until their last reference goes; their handles then report STATUS_KEY_DELETED. */
void CmpShutdown(void);
/* A process making many equal machines: keep the registry as machine creation left it
 * (CmpSaveTemplate), start the next machines from copies of it
 * (CmpInitializeFromTemplate, FALSE when none is kept) while their creation's own
 * registry writes are skipped (CmpSetReplaying). */
void CmpSaveTemplate(void);
void CmpDropTemplate(void);
BOOLEAN CmpHasTemplate(void);
BOOLEAN CmpInitializeFromTemplate(void);
void CmpSetReplaying(BOOLEAN Replaying);
/* TRUE while a copy stands in: a description made only of registry writes can be skipped
 * whole (its keys' names need not even be formatted). */
BOOLEAN CmpIsReplaying(void);

/* ---- helpers for the simulator (never failable, never fault-injected) ---- */
/* Open or create every key along Utf8Path. *Node (optional) gets the leaf node, an
 * opaque pointer valid until the key is deleted. */
NTSTATUS CmpCreateKeyPath(const char *Utf8Path, void **Node);
/* TRUE when the key exists. */
BOOLEAN CmpKeyExists(const char *KeyPath);
/* Set a value (Name "" or NULL = the default value), creating the key path if needed. */
NTSTATUS CmpSetValueUtf8(const char *KeyPath, const char *Name, ULONG Type, const void *Data, ULONG Size);
/* REG_SZ / REG_EXPAND_SZ from UTF-8 text (stored as UTF-16 with its terminator). */
NTSTATUS CmpSetStringValueUtf8(const char *KeyPath, const char *Name, ULONG Type, const char *Utf8Text);
NTSTATUS CmpSetDwordValueUtf8(const char *KeyPath, const char *Name, ULONG Value);
/* Read a value. *Size is in: capacity of Data (Data may be NULL with *Size 0),
 * out: the value's size. STATUS_BUFFER_OVERFLOW when Data is too small (nothing copied). */
NTSTATUS CmpQueryValueUtf8(const char *KeyPath, const char *Name, ULONG *Type, void *Data, ULONG *Size);
NTSTATUS CmpDeleteValueUtf8(const char *KeyPath, const char *Name);
/* Delete a key and its whole subtree (missing key: no-op). Open handles to deleted
 * keys get STATUS_KEY_DELETED. The fixed hive roots are never deleted. */
void CmpDeleteTree(const char *KeyPath);

/* ---- host error text (implemented by sim/host/error.c) ---- */

/* ---- internal to sim/cm ---- */
#define CMP_MAX_KEY_PATH_CHARS 32767 /* a key's full native path ("\REGISTRY\..."), in UTF-16 units */

typedef struct _CM_VALUE {
    WCHAR *Name; /* not terminated */
    USHORT NameLength; /* bytes */
    ULONG Type;
    UCHAR *Data;
    ULONG DataLength;
    BOOLEAN InlineName, InlineData; /* in the value's own block (a template copy): not freed alone */
    BOOLEAN InArena; /* the value's block is in its key's arena (a template copy): never freed alone */
} CM_VALUE;

/* One block holding a whole copy of the template (tree.c): freed with its last key. */
typedef struct _CMP_ARENA CMP_ARENA;

typedef struct _CM_KEY {
    struct _CM_KEY *Parent; /* NULL for \REGISTRY and for deleted keys */
    WCHAR *Name;
    USHORT NameLength; /* bytes */
    WCHAR *Class;
    USHORT ClassLength;
    ULONG TitleIndex;
    BOOLEAN Volatile;
    BOOLEAN Deleted;
    BOOLEAN Fixed; /* a hive root made by CmpInitialize: cannot be deleted */
    BOOLEAN InlineNames; /* Name and Class in the node's own block (a template copy): not freed alone */
    LONG References; /* 1 for the tree + 1 per key object */
    LARGE_INTEGER LastWriteTime;
    struct _CM_KEY **SubKeys; /* creation order */
    ULONG SubKeyCount, SubKeyCapacity;
    CM_VALUE **Values; /* creation order */
    ULONG ValueCount, ValueCapacity;
    CMP_ARENA *Arena; /* the key's block is in this arena (a template copy), NULL: its own allocation */
    BOOLEAN SubKeysInArena, ValuesInArena; /* the arrays too, until they grow */
} CM_KEY;

typedef struct _CM_KEY_BODY {
    CM_KEY *Node;
    ACCESS_MASK GrantedAccess;
} CM_KEY_BODY;

extern OBJECT_TYPE CmpKeyObjectType;

CM_KEY *CmpRootKey(void);
/* Look one component up (case-insensitive). */
CM_KEY *CmpFindSubKey(CM_KEY *Key, const WCHAR *Name, USHORT NameLength);
CM_VALUE *CmpFindValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength);
/* Walk a path of components separated by '\' from Start (Start NULL: Path is absolute,
 * "\Registry\..."). Create: create missing keys (all of them when CreateAll, else
 * only the leaf). Returns a node with a reference taken (CmpReleaseKey). */
#define CMP_INHERIT_VOLATILE 0x80000000u /* CreateOptions: new keys take the parent's volatility */
NTSTATUS CmpWalkPath(CM_KEY *Start, const WCHAR *Path, USHORT PathLength, BOOLEAN Create, BOOLEAN CreateAll,
                     ULONG CreateOptions, PCUNICODE_STRING Class, CM_KEY **Key, ULONG *Disposition);
/* Absolute UTF-8 path; Create makes every missing key (volatile under volatile keys). */
NTSTATUS CmpWalkPathUtf8(const char *Path, BOOLEAN Create, CM_KEY **Key);
void CmpReferenceKey(CM_KEY *Key);
void CmpReleaseKey(CM_KEY *Key);
NTSTATUS CmpSetValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength, ULONG Type, const void *Data, ULONG Size);
NTSTATUS CmpDeleteValue(CM_KEY *Key, const WCHAR *Name, USHORT NameLength);
/* Unlink Key and its subtree (marks all deleted). Refuses keys with subkeys unless Recursive. */
NTSTATUS CmpDeleteKey(CM_KEY *Key, BOOLEAN Recursive);
/* A new handle for Key (one more key object). */
NTSTATUS CmpOpenHandle(CM_KEY *Key, ACCESS_MASK Access, NTSIM_SITE Site, PHANDLE Handle);
/* Resolve a key handle: referenced node (CmpReleaseKey), STATUS_KEY_DELETED if gone. */
NTSTATUS CmpReferenceKeyByHandle(HANDLE Handle, BOOLEAN AllowDeleted, CM_KEY **Key);
/* The full native path of Key as UTF-16 (KiHostAlloc'd) / UTF-8. */
WCHAR *CmpKeyFullName(CM_KEY *Key, USHORT *Length);
/* SY-04: registry routines run at PASSIVE_LEVEL. */
void CmpCheckIrql(const char *Ddi, NTSIM_SITE Site);

#endif
