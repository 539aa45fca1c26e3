/*
 * A fake machine for the page-table builder's host tests: table pages come from aligned_alloc
 * (their host address doubles as their "physical" address), live tables are counted so leaks
 * show, and every TLB invalidation is recorded together with what the table held at that
 * moment, so tests can prove break-before-make.
 */
#ifndef FAKE_PT_OPS_H
#define FAKE_PT_OPS_H
#include <mm/pt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_INVAL_MAX 4096

typedef struct fake_mm {
    int live_pages;   /* table pages allocated and not freed */
    int alloc_budget; /* < 0: unlimited; else pages that may still be allocated */
    unsigned inval_num;
    struct {
        uint64_t va, size;
        int was_mapped; /* pt_lookup found the VA mapped when the invalidation happened */
    } inval[FAKE_INVAL_MAX];
    pt_t *pt; /* for the BBM check at invalidation time */
} fake_mm_t;

static void *fake_alloc(void *ctx, unsigned npages, paddr_t *pa)
{
    fake_mm_t *m = ctx;
    if (m->alloc_budget >= 0) {
        if (m->alloc_budget < (int)npages)
            return NULL;
        m->alloc_budget -= (int)npages;
    }
    size_t sz = (size_t)npages * 4096;
    void *p = aligned_alloc(sz, sz);
    memset(p, 0, sz);
    m->live_pages += (int)npages;
    *pa = (paddr_t)(uintptr_t)p;
    return p;
}

static void fake_free(void *ctx, void *va, paddr_t pa, unsigned npages)
{
    fake_mm_t *m = ctx;
    (void)pa;
    m->live_pages -= (int)npages;
    free(va);
}

static void *fake_p2v(void *ctx, paddr_t pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static void fake_inval(void *ctx, uint64_t va, uint64_t size)
{
    fake_mm_t *m = ctx;
    if (m->inval_num < FAKE_INVAL_MAX) {
        m->inval[m->inval_num].va = va;
        m->inval[m->inval_num].size = size;
        m->inval[m->inval_num].was_mapped = m->pt && pt_lookup(m->pt, va, NULL, NULL, NULL) == 0;
        m->inval_num++;
    }
}

static inline pt_ops_t fake_ops(fake_mm_t *m)
{
    memset(m, 0, sizeof(*m));
    m->alloc_budget = -1;
    return (pt_ops_t){fake_alloc, fake_free, fake_p2v, fake_inval, NULL, m};
}
#endif
