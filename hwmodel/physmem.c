/* hwmodel/physmem.c - guest-physical RAM regions backed by host memory. */
#include "hwmodel/physmem.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct pm_region {
    uint64_t pa;
    uint64_t size;          /* multiple of a page */
    uint8_t *host;
} pm_region;

struct hw_physmem {
    uint64_t   base, limit;
    uint64_t   floor;       /* where allocations start when `highest` allows it */
    pm_region *r;
    size_t     n, cap;
    size_t     last;        /* index of the last region found (cache) */
    uint64_t   allocated;
};

hw_physmem *hw_physmem_new(uint64_t base, uint64_t limit)
{
    if (limit <= base)
        return NULL;
    hw_physmem *pm = calloc(1, sizeof(*pm));
    if (!pm)
        return NULL;
    pm->base = (base + HW_PHYSMEM_PAGE - 1) & ~(uint64_t)(HW_PHYSMEM_PAGE - 1);
    pm->limit = limit;
    pm->floor = pm->base;
    return pm;
}

void hw_physmem_set_floor(hw_physmem *pm, uint64_t floor)
{
    pm->floor = floor < pm->base ? pm->base : (floor + HW_PHYSMEM_PAGE - 1) & ~(uint64_t)(HW_PHYSMEM_PAGE - 1);
}

void hw_physmem_free(hw_physmem *pm)
{
    if (!pm)
        return;
    for (size_t i = 0; i < pm->n; i++)
        free(pm->r[i].host);
    free(pm->r);
    free(pm);
}

/* index of the region containing pa, or SIZE_MAX */
static size_t pm_find(hw_physmem *pm, uint64_t pa)
{
    if (pm->last < pm->n) {
        const pm_region *c = &pm->r[pm->last];
        if (pa >= c->pa && pa - c->pa < c->size)
            return pm->last;
    }
    size_t lo = 0, hi = pm->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pm->r[mid].pa <= pa)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return SIZE_MAX;
    const pm_region *c = &pm->r[lo - 1];
    if (pa - c->pa >= c->size)
        return SIZE_MAX;
    pm->last = lo - 1;
    return lo - 1;
}

void *hw_physmem_alloc(hw_physmem *pm, size_t size, uint64_t align, uint64_t highest, uint64_t *pa)
{
    if (!pm || size == 0 || (align & (align - 1)) != 0)
        return NULL;
    if (align < HW_PHYSMEM_PAGE)
        align = HW_PHYSMEM_PAGE;
    uint64_t len = ((uint64_t)size + HW_PHYSMEM_PAGE - 1) & ~(uint64_t)(HW_PHYSMEM_PAGE - 1);
    uint64_t top = highest < pm->limit ? highest : pm->limit;
    /* memory below the floor is kept for allocations that must lie there (ISA DMA) */
    uint64_t start = pm->floor + len - 1 <= top ? pm->floor : pm->base;
    uint64_t cand = (start + align - 1) & ~(align - 1);
    size_t at = 0;
    for (;;) {
        /* skip regions ending at or before cand; stop at the first one after */
        while (at < pm->n && pm->r[at].pa + pm->r[at].size <= cand)
            at++;
        if (cand + len - 1 < cand || cand + len - 1 > top)
            return NULL;
        if (at == pm->n || pm->r[at].pa >= cand + len)
            break;
        cand = (pm->r[at].pa + pm->r[at].size + align - 1) & ~(align - 1);
    }
    void *host = NULL;
    if (posix_memalign(&host, HW_PHYSMEM_PAGE, (size_t)len) != 0)
        return NULL;
    memset(host, 0, (size_t)len);
    if (pm->n == pm->cap) {
        size_t nc = pm->cap ? pm->cap * 2 : 16;
        pm_region *nr = realloc(pm->r, nc * sizeof(*nr));
        if (!nr) {
            free(host);
            return NULL;
        }
        pm->r = nr;
        pm->cap = nc;
    }
    memmove(&pm->r[at + 1], &pm->r[at], (pm->n - at) * sizeof(*pm->r));
    pm->r[at] = (pm_region){ cand, len, host };
    pm->n++;
    pm->last = at;
    pm->allocated += len;
    *pa = cand;
    return host;
}

int hw_physmem_release(hw_physmem *pm, uint64_t pa)
{
    size_t i = pm_find(pm, pa);
    if (i == SIZE_MAX || pm->r[i].pa != pa)
        return -ENOENT;
    free(pm->r[i].host);
    pm->allocated -= pm->r[i].size;
    memmove(&pm->r[i], &pm->r[i + 1], (pm->n - i - 1) * sizeof(*pm->r));
    pm->n--;
    pm->last = 0;
    return 0;
}

void *hw_physmem_host(hw_physmem *pm, uint64_t pa, size_t length)
{
    size_t i = pm_find(pm, pa);
    if (i == SIZE_MAX)
        return NULL;
    const pm_region *c = &pm->r[i];
    if (length > c->size - (pa - c->pa))
        return NULL;
    return c->host + (pa - c->pa);
}

bool hw_physmem_read(hw_physmem *pm, uint64_t pa, void *buffer, size_t length)
{
    if (length == 0)
        return true;
    void *h = hw_physmem_host(pm, pa, length);
    if (!h)
        return false;
    memcpy(buffer, h, length);
    return true;
}

bool hw_physmem_write(hw_physmem *pm, uint64_t pa, const void *buffer, size_t length)
{
    if (length == 0)
        return true;
    void *h = hw_physmem_host(pm, pa, length);
    if (!h)
        return false;
    memcpy(h, buffer, length);
    return true;
}

bool hw_physmem_phys(hw_physmem *pm, const void *host, uint64_t *pa)
{
    const uint8_t *p = host;
    for (size_t i = 0; i < pm->n; i++) {
        const pm_region *c = &pm->r[i];
        if (p >= c->host && (uint64_t)(p - c->host) < c->size) {
            *pa = c->pa + (uint64_t)(p - c->host);
            return true;
        }
    }
    return false;
}

bool hw_physmem_region(hw_physmem *pm, uint64_t pa, uint64_t *start, uint64_t *size)
{
    size_t i = pm_find(pm, pa);
    if (i == SIZE_MAX)
        return false;
    if (start)
        *start = pm->r[i].pa;
    if (size)
        *size = pm->r[i].size;
    return true;
}

size_t hw_physmem_region_count(const hw_physmem *pm) { return pm->n; }
uint64_t hw_physmem_bytes_allocated(const hw_physmem *pm) { return pm->allocated; }
