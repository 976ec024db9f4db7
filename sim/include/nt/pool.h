/* nt/pool.h - executive pool. Every allocation is tracked per driver with tag, size and
 * the allocating source line; all allocators are failable (fault injection returns NULL). */
#ifndef NTSIM_NT_POOL_H
#define NTSIM_NT_POOL_H

typedef enum _POOL_TYPE {
    NonPagedPool = 0,
    NonPagedPoolExecute = 0,
    PagedPool = 1,
    NonPagedPoolMustSucceed = 2,
    DontUseThisType = 3,
    NonPagedPoolCacheAligned = 4,
    PagedPoolCacheAligned = 5,
    NonPagedPoolCacheAlignedMustS = 6,
    MaxPoolType = 7,
    NonPagedPoolBase = 0,
    NonPagedPoolSession = 32,
    PagedPoolSession = 33,
    NonPagedPoolMustSucceedSession = 34,
    DontUseThisTypeSession = 35,
    NonPagedPoolCacheAlignedSession = 36,
    PagedPoolCacheAlignedSession = 37,
    NonPagedPoolCacheAlignedMustSSession = 38,
    NonPagedPoolNx = 512,
    NonPagedPoolNxCacheAligned = 516,
    NonPagedPoolSessionNx = 544
} POOL_TYPE;

#define POOL_QUOTA_FAIL_INSTEAD_OF_RAISE 8
#define POOL_RAISE_IF_ALLOCATION_FAILURE 16
#define POOL_COLD_ALLOCATION 256
#define POOL_NX_ALLOCATION 512
#define POOL_ZERO_ALLOCATION 1024

typedef ULONG64 POOL_FLAGS;
#define POOL_FLAG_USE_QUOTA 0x0000000000000001ULL
#define POOL_FLAG_UNINITIALIZED 0x0000000000000002ULL
#define POOL_FLAG_SESSION 0x0000000000000004ULL
#define POOL_FLAG_CACHE_ALIGNED 0x0000000000000008ULL
#define POOL_FLAG_RAISE_ON_FAILURE 0x0000000000000020ULL
#define POOL_FLAG_NON_PAGED 0x0000000000000040ULL
#define POOL_FLAG_NON_PAGED_EXECUTE 0x0000000000000080ULL
#define POOL_FLAG_PAGED 0x0000000000000100ULL

NTKERNELAPI PVOID ExAllocatePoolWithTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI PVOID ExAllocatePool(POOL_TYPE PoolType, SIZE_T NumberOfBytes);
NTKERNELAPI PVOID ExAllocatePoolWithQuotaTag(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI PVOID ExAllocatePool2(POOL_FLAGS Flags, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI PVOID ExAllocatePoolZero(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI PVOID ExAllocatePoolUninitialized(POOL_TYPE PoolType, SIZE_T NumberOfBytes, ULONG Tag);
NTKERNELAPI VOID ExFreePool(PVOID P);
NTKERNELAPI VOID ExFreePoolWithTag(PVOID P, ULONG Tag);

/* The WDK's inline pool helpers, as macros so that the site recorded for the allocation
 * is the driver's line (nt/site.h). Priority is advisory: ntsim's pool has no pressure. */
typedef enum _EX_POOL_PRIORITY {
    LowPoolPriority,
    LowPoolPrioritySpecialPoolOverrun = 8,
    LowPoolPrioritySpecialPoolUnderrun = 9,
    NormalPoolPriority = 16,
    NormalPoolPrioritySpecialPoolOverrun = 24,
    NormalPoolPrioritySpecialPoolUnderrun = 25,
    HighPoolPriority = 32,
    HighPoolPrioritySpecialPoolOverrun = 40,
    HighPoolPrioritySpecialPoolUnderrun = 41
} EX_POOL_PRIORITY;

static __inline__ PVOID NtsimPoolZeroed(PVOID Block, SIZE_T NumberOfBytes)
{
    if (Block != NULL)
        __builtin_memset(Block, 0, NumberOfBytes);
    return Block;
}
#ifndef ExAllocatePoolWithTagPriority
#define ExAllocatePoolWithTagPriority(PoolType, NumberOfBytes, Tag, Priority) \
    ((void)(Priority), ExAllocatePoolWithTag((PoolType), (NumberOfBytes), (Tag)))
#endif
#define ExAllocatePoolQuotaZero(PoolType, NumberOfBytes, Tag) \
    NtsimPoolZeroed(ExAllocatePoolWithQuotaTag((POOL_TYPE)((PoolType) | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), \
                                               (NumberOfBytes), (Tag)), (NumberOfBytes))
#define ExAllocatePoolQuotaUninitialized(PoolType, NumberOfBytes, Tag) \
    ExAllocatePoolWithQuotaTag((POOL_TYPE)((PoolType) | POOL_QUOTA_FAIL_INSTEAD_OF_RAISE), (NumberOfBytes), (Tag))
#define ExAllocatePoolPriorityZero(PoolType, NumberOfBytes, Tag, Priority) \
    NtsimPoolZeroed(ExAllocatePoolWithTagPriority((PoolType), (NumberOfBytes), (Tag), (Priority)), (NumberOfBytes))
#define ExAllocatePoolPriorityUninitialized(PoolType, NumberOfBytes, Tag, Priority) \
    ExAllocatePoolWithTagPriority((PoolType), (NumberOfBytes), (Tag), (Priority))

/* ExInitializeDriverRuntime(DrvRtPoolNxOptIn): opting in to no-execute pool. ntsim's pool
 * never executes, so NonPagedPool and NonPagedPoolNx are the same; the call records nothing. */
#define DrvRtPoolNxOptIn 0x00000001
static __inline__ VOID ExInitializeDriverRuntime(ULONG RuntimeFlags)
{
    (void)RuntimeFlags;
}

#endif
