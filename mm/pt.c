/*
 * Page-table builder for 4 KiB-granule VMSAv8-64 tables, stage 1 (EL2) and stage 2.
 *
 * Every change keeps the table valid at each step: a live entry is replaced only by clearing it,
 * making that visible, invalidating the TLB for its range and then writing the new entry
 * (break-before-make), so the same code serves tables the MMU is walking.
 */
#include <arch/pte.h>
#include <errno.h>
#include <mm/pt.h>
#include <stdbool.h>
#include <string.h>

#define LEVEL_SHIFT(l) (PTE_GRANULE_SHIFT + 9 * (3 - (l)))

/* Descriptors are written with one store, so the walker never sees half of one. */
static inline void pt_write(uint64_t *p, uint64_t v) { *(volatile uint64_t *)p = v; }

static void pt_sync(const pt_t *pt)
{
    if (pt->ops->sync)
        pt->ops->sync(pt->ops->ctx);
}

static void pt_inval(const pt_t *pt, uint64_t va, uint64_t size)
{
    if (pt->ops->tlb_inval)
        pt->ops->tlb_inval(pt->ops->ctx, va, size);
}

static uint64_t *table_va(const pt_t *pt, uint64_t desc)
{
    return pt->ops->phys_to_virt(pt->ops->ctx, pte_addr(desc));
}

/* Entries in the table at level (the root may be smaller or concatenated). */
static uint64_t table_entries(const pt_t *pt, unsigned level)
{
    if (level != pt->start_level)
        return PTE_PER_TABLE;
    return 1UL << (pt->va_bits - LEVEL_SHIFT(level));
}

static unsigned entry_index(const pt_t *pt, uint64_t va, unsigned level)
{
    return (unsigned)((va >> LEVEL_SHIFT(level)) & (table_entries(pt, level) - 1));
}

/* Inline in this file's hot callers (pt_leaf_set: every grant mapping); exported below. */
static inline __attribute__((always_inline)) uint64_t leaf_attrs(pt_kind_t kind, unsigned prot)
{
    uint64_t d = PTE_AF;
    if (kind == PT_STAGE1_EL2) {
        if (prot & PT_DEVICE)
            d |= PTE_ATTRIDX(MAIR_IDX_DEVICE);
        else
            d |= PTE_SH_INNER | PTE_ATTRIDX((prot & PT_NC) ? MAIR_IDX_NORMAL_NC : MAIR_IDX_NORMAL);
        if (!(prot & PT_W))
            d |= PTE_AP_RO;
        if (!(prot & PT_X))
            d |= PTE_XN;
    } else {
        if (prot & PT_DEVICE)
            d |= PTE_S2_MEMATTR(S2_MEMATTR_DEVICE_nGnRE);
        else
            d |= PTE_SH_INNER |
                 PTE_S2_MEMATTR((prot & PT_NC) ? S2_MEMATTR_NORMAL_NC : S2_MEMATTR_NORMAL_WB);
        if (prot & PT_R)
            d |= PTE_S2AP_R;
        if (prot & PT_W)
            d |= PTE_S2AP_W;
        if (!(prot & PT_X))
            d |= PTE_S2_XN;
    }
    return d;
}

uint64_t pt_leaf_attrs(pt_kind_t kind, unsigned prot) { return leaf_attrs(kind, prot); }

unsigned pt_decode_prot(pt_kind_t kind, uint64_t d)
{
    unsigned prot = 0;
    if (kind == PT_STAGE1_EL2) {
        uint64_t idx = (d & PTE_ATTRIDX_MASK) >> 2;
        prot = PT_R | ((d & PTE_AP_RO) ? 0 : PT_W) | ((d & PTE_XN) ? 0 : PT_X);
        prot |= idx == MAIR_IDX_DEVICE ? PT_DEVICE : idx == MAIR_IDX_NORMAL_NC ? PT_NC : 0;
    } else {
        uint64_t attr = (d & PTE_S2_MEMATTR_MASK) >> 2;
        prot = ((d & PTE_S2AP_R) ? PT_R : 0) | ((d & PTE_S2AP_W) ? PT_W : 0) |
               ((d & PTE_S2_XN) ? 0 : PT_X);
        prot |= attr == S2_MEMATTR_DEVICE_nGnRE ? PT_DEVICE
                : attr == S2_MEMATTR_NORMAL_NC  ? PT_NC
                                                : 0;
    }
    return prot;
}

static uint64_t make_leaf(const pt_t *pt, unsigned level, paddr_t pa, uint64_t attrs)
{
    (void)pt;
    return (pa & PTE_ADDR_MASK) | attrs | PTE_VALID | (level == 3 ? PTE_PAGE : 0);
}

static uint64_t *alloc_table(const pt_t *pt, unsigned npages, paddr_t *pa)
{
    return pt->ops->alloc_table(pt->ops->ctx, npages, pa);
}

/* Free the table a descriptor points to, and everything below it. */
static void free_subtree(const pt_t *pt, uint64_t desc, unsigned level)
{
    uint64_t *t = table_va(pt, desc);
    for (unsigned i = 0; i < PTE_PER_TABLE; i++)
        if (pte_is_table(t[i], level + 1))
            free_subtree(pt, t[i], level + 1);
    pt->ops->free_table(pt->ops->ctx, t, pte_addr(desc), 1);
}

/* Replace a live entry: clear, make visible, invalidate, write (break-before-make). */
static void replace_entry(const pt_t *pt, uint64_t *e, uint64_t va, unsigned level, uint64_t v)
{
    uint64_t old = *e;
    if (pte_is_valid(old)) {
        pt_write(e, 0);
        pt_sync(pt);
        pt_inval(pt, va, pte_level_size(level));
        if (pte_is_table(old, level))
            free_subtree(pt, old, level);
    }
    pt_write(e, v);
    pt_sync(pt);
}

/* Turn a block at level into a table of next-level entries that map exactly the same. */
static int split_block(const pt_t *pt, uint64_t *e, uint64_t va, unsigned level)
{
    paddr_t tpa;
    uint64_t *t = alloc_table(pt, 1, &tpa);
    if (!t)
        return -ENOMEM;
    uint64_t blk = *e, sub = pte_level_size(level + 1);
    uint64_t attrs = blk & ~(PTE_ADDR_MASK | PTE_VALID | PTE_TABLE);
    for (unsigned i = 0; i < PTE_PER_TABLE; i++)
        t[i] = make_leaf(pt, level + 1, pte_addr(blk) + i * sub, attrs);
    pt_sync(pt);
    replace_entry(pt, e, va, level, pte_make_table(tpa));
    return 0;
}

static bool block_allowed(unsigned level) { return level >= 1; }

static int map_level(const pt_t *pt, uint64_t *table, unsigned level, uint64_t va, paddr_t pa,
                     uint64_t size, uint64_t attrs)
{
    uint64_t lsz = pte_level_size(level);
    while (size) {
        uint64_t next = (va & ~(lsz - 1)) + lsz;
        uint64_t chunk = (next - va < size) ? next - va : size;
        uint64_t *e = &table[entry_index(pt, va, level)];
        if (chunk == lsz && block_allowed(level) && (pa & (lsz - 1)) == 0) {
            uint64_t v = make_leaf(pt, level, pa, attrs);
            if (*e != v)
                replace_entry(pt, e, va, level, v);
        } else {
            if (!pte_is_valid(*e)) {
                paddr_t tpa;
                if (!alloc_table(pt, 1, &tpa))
                    return -ENOMEM;
                pt_sync(pt);
                pt_write(e, pte_make_table(tpa));
            } else if (!pte_is_table(*e, level)) {
                int rc = split_block(pt, e, va & ~(lsz - 1), level);
                if (rc)
                    return rc;
            }
            int rc = map_level(pt, table_va(pt, *e), level + 1, va, pa, chunk, attrs);
            if (rc)
                return rc;
        }
        va += chunk;
        pa += chunk;
        size -= chunk;
    }
    return 0;
}

static bool table_empty(const uint64_t *t)
{
    for (unsigned i = 0; i < PTE_PER_TABLE; i++)
        if (pte_is_valid(t[i]))
            return false;
    return true;
}

/* keep: table pages stay even when emptied (and whole-table entries are cleared leaf by leaf),
 * so the next mapping there builds nothing; pt_prune gives them back. */
static int unmap_level(const pt_t *pt, uint64_t *table, unsigned level, uint64_t va, uint64_t size,
                       bool keep)
{
    uint64_t lsz = pte_level_size(level);
    while (size) {
        uint64_t next = (va & ~(lsz - 1)) + lsz;
        uint64_t chunk = (next - va < size) ? next - va : size;
        uint64_t *e = &table[entry_index(pt, va, level)];
        if (!pte_is_valid(*e)) {
            /* nothing here */
        } else if (chunk == lsz && !(keep && pte_is_table(*e, level))) {
            uint64_t old = *e;
            pt_write(e, 0);
            pt_sync(pt);
            pt_inval(pt, va, lsz);
            if (pte_is_table(old, level))
                free_subtree(pt, old, level);
        } else {
            if (!pte_is_table(*e, level)) {
                int rc = split_block(pt, e, va & ~(lsz - 1), level);
                if (rc)
                    return rc;
            }
            uint64_t *sub = table_va(pt, *e);
            int rc = unmap_level(pt, sub, level + 1, va, chunk, keep);
            if (rc)
                return rc;
            if (!keep && table_empty(sub)) {
                uint64_t old = *e;
                pt_write(e, 0);
                pt_sync(pt);
                pt_inval(pt, va & ~(lsz - 1), lsz);
                pt->ops->free_table(pt->ops->ctx, sub, pte_addr(old), 1);
            }
        }
        va += chunk;
        size -= chunk;
    }
    return 0;
}

/* Free the empty tables below table (a table at level); the number of pages freed. */
static unsigned prune_level(const pt_t *pt, uint64_t *table, unsigned level, uint64_t base)
{
    uint64_t lsz = pte_level_size(level), n = table_entries(pt, level);
    unsigned freed = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t *e = &table[i], va = base + i * lsz;
        if (!pte_is_table(*e, level))
            continue;
        uint64_t *sub = table_va(pt, *e);
        freed += prune_level(pt, sub, level + 1, va);
        if (table_empty(sub)) {
            uint64_t old = *e;
            pt_write(e, 0);
            pt_sync(pt);
            pt_inval(pt, va, lsz); /* the walk caches may hold the table entry */
            pt->ops->free_table(pt->ops->ctx, sub, pte_addr(old), 1);
            freed++;
        }
    }
    return freed;
}

__attribute__((cold)) int pt_init(pt_t *pt, pt_kind_t kind, unsigned va_bits, const pt_ops_t *ops)
{
    memset(pt, 0, sizeof(*pt));
    if (!ops || !ops->alloc_table || !ops->free_table || !ops->phys_to_virt)
        return -EINVAL;
    if (kind == PT_STAGE1_EL2) {
        if (va_bits < 25 || va_bits > 48)
            return -EINVAL;
        pt->start_level = va_bits > 39 ? 0 : va_bits > 30 ? 1 : 2;
        pt->root_pages = 1;
    } else if (kind == PT_STAGE2) {
        if (va_bits < 36 || va_bits > 48)
            return -EINVAL;
        /* start at level 1 with up to 16 concatenated tables (up to 43 bits), else level 0 */
        pt->start_level = va_bits > 43 ? 0 : 1;
        pt->root_pages = (va_bits > 39 && va_bits <= 43) ? 1u << (va_bits - 39) : 1;
    } else {
        return -EINVAL;
    }
    pt->kind = kind;
    pt->va_bits = va_bits;
    pt->ops = ops;
    pt->root = alloc_table(pt, pt->root_pages, &pt->root_pa);
    if (!pt->root) {
        pt->ops = NULL;
        return -ENOMEM;
    }
    return 0;
}

static int check_range(const pt_t *pt, uint64_t va, uint64_t size)
{
    if (!pt->root || size == 0 || ((va | size) & (PT_PAGE_SIZE - 1)))
        return -EINVAL;
    if (va + size < va || va + size > (1UL << pt->va_bits))
        return -EINVAL;
    return 0;
}

int pt_map(pt_t *pt, uint64_t va, paddr_t pa, uint64_t size, unsigned prot)
{
    int rc = check_range(pt, va, size);
    if (rc)
        return rc;
    if ((pa & (PT_PAGE_SIZE - 1)) || pa + size < pa || ((pa + size - 1) & ~PTE_ADDR_MASK) >> 48)
        return -EINVAL;
    if ((prot & ~PT_PROT_MASK) || !(prot & (PT_R | PT_W | PT_X)) ||
        ((prot & PT_DEVICE) && (prot & (PT_X | PT_NC))))
        return -EINVAL;
    if (pt->kind == PT_STAGE1_EL2) {
        if ((prot & PT_W) && (prot & PT_X))
            return -EPERM;
        if (!(prot & PT_R))
            return -EINVAL;
    }
    return map_level(pt, pt->root, pt->start_level, va, pa, size, pt_leaf_attrs(pt->kind, prot));
}

int pt_unmap(pt_t *pt, uint64_t va, uint64_t size)
{
    int rc = check_range(pt, va, size);
    if (rc)
        return rc;
    return unmap_level(pt, pt->root, pt->start_level, va, size, false);
}

int pt_unmap_keep(pt_t *pt, uint64_t va, uint64_t size)
{
    int rc = check_range(pt, va, size);
    if (rc)
        return rc;
    return unmap_level(pt, pt->root, pt->start_level, va, size, true);
}

unsigned pt_prune(pt_t *pt) { return pt->root ? prune_level(pt, pt->root, pt->start_level, 0) : 0; }

uint64_t *pt_leaf_entry(const pt_t *pt, uint64_t va)
{
    if (!pt->root || va >= (1UL << pt->va_bits))
        return NULL;
    uint64_t *t = pt->root;
    for (unsigned level = pt->start_level; level < 3; level++) {
        uint64_t d = t[entry_index(pt, va, level)];
        if (!pte_is_table(d, level))
            return NULL;
        t = table_va(pt, d);
    }
    return &t[entry_index(pt, va, 3)];
}

void pt_leaf_set(const pt_t *pt, uint64_t *e, paddr_t pa, unsigned prot)
{
    pt_write(e, make_leaf(pt, 3, pa, leaf_attrs(pt->kind, prot)));
    pt_sync(pt);
}

void pt_leaf_clear(const pt_t *pt, uint64_t *e, uint64_t va)
{
    pt_write(e, 0);
    pt_sync(pt);
    pt_inval(pt, va, PT_PAGE_SIZE);
}

int pt_lookup(const pt_t *pt, uint64_t va, paddr_t *pa, unsigned *prot, uint64_t *block_size)
{
    if (!pt->root || (pt->va_bits < 64 && va >= (1UL << pt->va_bits)))
        return -ENOENT;
    uint64_t *t = pt->root;
    for (unsigned level = pt->start_level; level <= 3; level++) {
        uint64_t d = t[entry_index(pt, va, level)];
        if (!pte_is_valid(d))
            return -ENOENT;
        if (pte_is_table(d, level)) {
            t = table_va(pt, d);
            continue;
        }
        uint64_t lsz = pte_level_size(level);
        if (pa)
            *pa = pte_addr(d) + (va & (lsz - 1));
        if (prot)
            *prot = pt_decode_prot(pt->kind, d);
        if (block_size)
            *block_size = lsz;
        return 0;
    }
    return -ENOENT;
}

static int walk_level(const pt_t *pt, const uint64_t *t, unsigned level, uint64_t base,
                      pt_walk_fn fn, void *arg)
{
    uint64_t lsz = pte_level_size(level), n = table_entries(pt, level);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t d = t[i], va = base + i * lsz;
        if (!pte_is_valid(d))
            continue;
        int rc = pte_is_table(d, level)
                     ? walk_level(pt, table_va(pt, d), level + 1, va, fn, arg)
                     : fn(arg, va, pte_addr(d), lsz, pt_decode_prot(pt->kind, d));
        if (rc)
            return rc;
    }
    return 0;
}

int pt_walk(const pt_t *pt, pt_walk_fn fn, void *arg)
{
    if (!pt->root)
        return -EINVAL;
    return walk_level(pt, pt->root, pt->start_level, 0, fn, arg);
}

__attribute__((cold)) void pt_destroy(pt_t *pt)
{
    if (!pt->root)
        return;
    uint64_t n = table_entries(pt, pt->start_level);
    for (uint64_t i = 0; i < n; i++)
        if (pte_is_table(pt->root[i], pt->start_level))
            free_subtree(pt, pt->root[i], pt->start_level);
    pt->ops->free_table(pt->ops->ctx, pt->root, pt->root_pa, pt->root_pages);
    pt->root = NULL;
}
