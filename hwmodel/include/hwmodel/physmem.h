/* hwmodel/physmem.h - simulated physical memory for bus-master DMA.
 *
 * Guest-physical RAM is a set of regions, each backed by host memory.  The
 * simulator allocates regions for what a driver gets as physically contiguous
 * memory (common buffers, MmAllocateContiguousMemory, map registers), and
 * devices read and write them by physical address.  A physical address that no
 * region backs is a hole: reads and writes there fail (a master abort on PCI).
 *
 * Allocation is first fit inside a window [base, limit], in whole pages (4 KiB),
 * aligned to at least a page; host memory is page aligned and zeroed.  Lookups
 * are a binary search over the regions, sorted by physical address, with a
 * one-entry cache.  Not thread-safe (one thread drives the clock and devices).
 */
#ifndef HWMODEL_PHYSMEM_H
#define HWMODEL_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HW_PHYSMEM_PAGE 4096u

typedef struct hw_physmem hw_physmem;

/* Allocations come from [base, limit] (limit inclusive).  NULL on bad window. */
hw_physmem *hw_physmem_new(uint64_t base, uint64_t limit);
void hw_physmem_free(hw_physmem *pm);
/* Allocations start at `floor` (>= base) unless their `highest` only fits below
 * it: low memory stays free for what must live there (ISA DMA below 16 MiB). */
void hw_physmem_set_floor(hw_physmem *pm, uint64_t floor);

/* Allocate size bytes (rounded up to pages) at a physical address aligned to
 * `align` (0 or anything below a page = a page; must be a power of two) whose
 * last byte is <= highest.  Returns the zeroed host memory and *pa, or NULL. */
void *hw_physmem_alloc(hw_physmem *pm, size_t size, uint64_t align, uint64_t highest, uint64_t *pa);
/* Release the region starting at pa; -ENOENT if no region starts there. */
int hw_physmem_release(hw_physmem *pm, uint64_t pa);

/* Device side: copy to/from physical memory.  False (and nothing copied) if any
 * byte of the range is not backed by one region. */
bool hw_physmem_read(hw_physmem *pm, uint64_t pa, void *buffer, size_t length);
bool hw_physmem_write(hw_physmem *pm, uint64_t pa, const void *buffer, size_t length);

/* CPU side: the physical address of a host pointer inside a region. */
bool hw_physmem_phys(hw_physmem *pm, const void *host, uint64_t *pa);
/* Host pointer for [pa, pa+length) if one region holds it all, else NULL. */
void *hw_physmem_host(hw_physmem *pm, uint64_t pa, size_t length);
/* Region containing pa: its start and size (bytes). */
bool hw_physmem_region(hw_physmem *pm, uint64_t pa, uint64_t *start, uint64_t *size);

size_t hw_physmem_region_count(const hw_physmem *pm);
uint64_t hw_physmem_bytes_allocated(const hw_physmem *pm);

#ifdef __cplusplus
}
#endif
#endif
