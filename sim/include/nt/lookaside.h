/* nt/lookaside.h - lookaside lists: NPAGED_LOOKASIDE_LIST, PAGED_LOOKASIDE_LIST and
 * LOOKASIDE_LIST_EX, with the x64 layouts of the WDK. ntsim caches no block: every
 * allocation is a pool allocation (as under Driver Verifier), so each one is a fault
 * injection point and a tracked block, and a use after free is caught (docs/wdk-routines.md). */
#ifndef NTSIM_NT_LOOKASIDE_H
#define NTSIM_NT_LOOKASIDE_H

typedef struct _LOOKASIDE_LIST_EX *PLOOKASIDE_LIST_EX;

typedef PVOID ALLOCATE_FUNCTION(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
typedef ALLOCATE_FUNCTION *PALLOCATE_FUNCTION;
typedef VOID FREE_FUNCTION(PVOID Buffer);
typedef FREE_FUNCTION *PFREE_FUNCTION;
typedef PVOID ALLOCATE_FUNCTION_EX(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag, PLOOKASIDE_LIST_EX Lookaside);
typedef ALLOCATE_FUNCTION_EX *PALLOCATE_FUNCTION_EX;
typedef VOID FREE_FUNCTION_EX(PVOID Buffer, PLOOKASIDE_LIST_EX Lookaside);
typedef FREE_FUNCTION_EX *PFREE_FUNCTION_EX;

/* The common body. ListEntry links the list into the system's list of lookasides on
 * Windows; ntsim keeps its bookkeeping record there. */
#define NTSIM_GENERAL_LOOKASIDE_LAYOUT                          \
    union {                                                     \
        SLIST_HEADER ListHead;                                  \
        SINGLE_LIST_ENTRY SingleListHead;                       \
    };                                                          \
    USHORT Depth;                                               \
    USHORT MaximumDepth;                                        \
    ULONG TotalAllocates;                                       \
    union { ULONG AllocateMisses; ULONG AllocateHits; };        \
    ULONG TotalFrees;                                           \
    union { ULONG FreeMisses; ULONG FreeHits; };                \
    POOL_TYPE Type;                                             \
    ULONG Tag;                                                  \
    ULONG Size;                                                 \
    union { PALLOCATE_FUNCTION_EX AllocateEx; PALLOCATE_FUNCTION Allocate; }; \
    union { PFREE_FUNCTION_EX FreeEx; PFREE_FUNCTION Free; };   \
    LIST_ENTRY ListEntry;                                       \
    ULONG LastTotalAllocates;                                   \
    union { ULONG LastAllocateMisses; ULONG LastAllocateHits; }; \
    ULONG Future[2];

typedef struct _GENERAL_LOOKASIDE_POOL {
    NTSIM_GENERAL_LOOKASIDE_LAYOUT
} GENERAL_LOOKASIDE_POOL, *PGENERAL_LOOKASIDE_POOL;

/* The WDK declares this cache-aligned (64 bytes, its size a whole number of cache lines).
 * Drivers keep lookaside lists in device extensions and pool blocks, which are 16-byte
 * aligned (on Windows too), and a C compiler takes a 64-byte alignment requirement on the
 * type at its word: every such placement would be undefined behaviour. ntsim keeps the
 * size (two cache lines) and asks for 16-byte alignment. */
typedef struct DECLSPEC_ALIGN(16) _GENERAL_LOOKASIDE {
    union {
        struct {
            NTSIM_GENERAL_LOOKASIDE_LAYOUT
        };
        UCHAR NtsimCacheLines[128];
    };
} GENERAL_LOOKASIDE, *PGENERAL_LOOKASIDE;

typedef struct _NPAGED_LOOKASIDE_LIST { GENERAL_LOOKASIDE L; } NPAGED_LOOKASIDE_LIST, *PNPAGED_LOOKASIDE_LIST;
typedef struct _PAGED_LOOKASIDE_LIST { GENERAL_LOOKASIDE L; } PAGED_LOOKASIDE_LIST, *PPAGED_LOOKASIDE_LIST;
typedef struct _LOOKASIDE_LIST_EX { GENERAL_LOOKASIDE_POOL L; } LOOKASIDE_LIST_EX;

#define LOOKASIDE_MINIMUM_BLOCK_SIZE (RTL_SIZEOF_THROUGH_FIELD(SLIST_ENTRY, Next))
#define EX_LOOKASIDE_LIST_EX_FLAGS_RAISE_ON_FAIL 0x00000001UL
#define EX_LOOKASIDE_LIST_EX_FLAGS_FAIL_NO_RAISE 0x00000002UL
#define EX_MAXIMUM_LOOKASIDE_DEPTH_BASE 256
#define EX_MAXIMUM_LOOKASIDE_DEPTH_LIMIT 1024

NTKERNELAPI VOID ExInitializeNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                 PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                 USHORT Depth);
NTKERNELAPI VOID ExDeleteNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside);
NTKERNELAPI PVOID ExAllocateFromNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside);
NTKERNELAPI VOID ExFreeToNPagedLookasideList(PNPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry);
NTKERNELAPI VOID ExInitializePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PALLOCATE_FUNCTION Allocate,
                                                PFREE_FUNCTION Free, ULONG Flags, SIZE_T Size, ULONG Tag,
                                                USHORT Depth);
NTKERNELAPI VOID ExDeletePagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside);
NTKERNELAPI PVOID ExAllocateFromPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside);
NTKERNELAPI VOID ExFreeToPagedLookasideList(PPAGED_LOOKASIDE_LIST Lookaside, PVOID Entry);
NTKERNELAPI NTSTATUS ExInitializeLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PALLOCATE_FUNCTION_EX Allocate,
                                                 PFREE_FUNCTION_EX Free, POOL_TYPE PoolType, ULONG Flags,
                                                 SIZE_T Size, ULONG Tag, USHORT Depth);
NTKERNELAPI VOID ExDeleteLookasideListEx(PLOOKASIDE_LIST_EX Lookaside);
NTKERNELAPI VOID ExFlushLookasideListEx(PLOOKASIDE_LIST_EX Lookaside);
NTKERNELAPI PVOID ExAllocateFromLookasideListEx(PLOOKASIDE_LIST_EX Lookaside);
NTKERNELAPI VOID ExFreeToLookasideListEx(PLOOKASIDE_LIST_EX Lookaside, PVOID Entry);

#if !defined(NTSIM_INTERNAL) && !defined(NTSIM_NO_SITES)
#define ExInitializeNPagedLookasideList(...) NTSIM_AT(ExInitializeNPagedLookasideList)(__VA_ARGS__)
#define ExDeleteNPagedLookasideList(...) NTSIM_AT(ExDeleteNPagedLookasideList)(__VA_ARGS__)
#define ExAllocateFromNPagedLookasideList(...) NTSIM_AT(ExAllocateFromNPagedLookasideList)(__VA_ARGS__)
#define ExFreeToNPagedLookasideList(...) NTSIM_AT(ExFreeToNPagedLookasideList)(__VA_ARGS__)
#define ExInitializePagedLookasideList(...) NTSIM_AT(ExInitializePagedLookasideList)(__VA_ARGS__)
#define ExDeletePagedLookasideList(...) NTSIM_AT(ExDeletePagedLookasideList)(__VA_ARGS__)
#define ExAllocateFromPagedLookasideList(...) NTSIM_AT(ExAllocateFromPagedLookasideList)(__VA_ARGS__)
#define ExFreeToPagedLookasideList(...) NTSIM_AT(ExFreeToPagedLookasideList)(__VA_ARGS__)
#define ExInitializeLookasideListEx(...) NTSIM_AT(ExInitializeLookasideListEx)(__VA_ARGS__)
#define ExDeleteLookasideListEx(...) NTSIM_AT(ExDeleteLookasideListEx)(__VA_ARGS__)
#define ExAllocateFromLookasideListEx(...) NTSIM_AT(ExAllocateFromLookasideListEx)(__VA_ARGS__)
#define ExFreeToLookasideListEx(...) NTSIM_AT(ExFreeToLookasideListEx)(__VA_ARGS__)
#endif

#endif
