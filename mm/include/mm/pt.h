/*
 * The page-table builder: one mechanism for septum's own EL2 stage-1 map and for every guest's
 * stage-2 tables (4 KiB granule). It picks the largest block that alignment allows, splits and
 * replaces entries with break-before-make, and never touches hardware itself: table memory,
 * address translation and TLB invalidation come through pt_ops_t, so the host unit tests run it
 * against a fake.
 */
#ifndef MM_PT_H
#define MM_PT_H
#include <arch/page.h>
#include <stddef.h>
#include <stdint.h>

#ifndef PADDR_T_DEFINED
#define PADDR_T_DEFINED
typedef uint64_t paddr_t;
#endif

#define PT_R         0x1u
#define PT_W         0x2u
#define PT_X         0x4u
#define PT_DEVICE    0x8u  /* Device-nGnRE */
#define PT_NC        0x10u /* Normal, non-cacheable */
#define PT_PROT_MASK (PT_R | PT_W | PT_X | PT_DEVICE | PT_NC)

#define PT_PAGE_SIZE PAGE_SIZE

typedef enum { PT_STAGE1_EL2, PT_STAGE2 } pt_kind_t;

typedef struct pt_ops {
    /* A zeroed, naturally aligned run of npages table pages: its VA, its PA in *pa; NULL if none.
     */
    void *(*alloc_table)(void *ctx, unsigned npages, paddr_t *pa);
    void (*free_table)(void *ctx, void *va, paddr_t pa, unsigned npages);
    void *(*phys_to_virt)(void *ctx, paddr_t pa);
    /* Invalidate cached translations of [va, va + size): called after entries were cleared and
     * before new ones are written (break-before-make), and after a removal. */
    void (*tlb_inval)(void *ctx, uint64_t va, uint64_t size);
    /* Make table writes visible to the walker (a DSB on hardware); may be NULL. */
    void (*sync)(void *ctx);
    void *ctx;
} pt_ops_t;

typedef struct pt {
    pt_kind_t kind;
    unsigned va_bits;     /* input address size */
    unsigned start_level; /* level of the root table (0..2) */
    unsigned root_pages;  /* concatenated root tables (stage 2 only; else 1) */
    uint64_t *root;
    paddr_t root_pa;
    const pt_ops_t *ops;
} pt_t;

/* Stage 1 at EL2 accepts va_bits 25..48; stage 2 accepts 36..48 (an IPA size). */
int pt_init(pt_t *pt, pt_kind_t kind, unsigned va_bits, const pt_ops_t *ops);
/* Map [va, va + size) to [pa, ...) with prot (PT_*); replaces what was there. Errors: -EINVAL
 * (alignment, zero size, wrap, beyond va_bits, bad prot), -EPERM (W+X in stage 1), -ENOMEM. */
int pt_map(pt_t *pt, uint64_t va, paddr_t pa, uint64_t size, unsigned prot);
/* Unmap [va, va + size); holes are fine. -ENOMEM only if a block had to be split. */
int pt_unmap(pt_t *pt, uint64_t va, uint64_t size);
/* The same, but every table page stays, emptied or not, so that mapping there again builds no
 * level: for places that map and unmap again and again (grant mappings, firmware maps). */
int pt_unmap_keep(pt_t *pt, uint64_t va, uint64_t size);
/* Free every table that maps nothing (each table entry cleared and invalidated first); the
 * number of table pages freed. */
unsigned pt_prune(pt_t *pt);
/* The fast path for one page where the tables are known to stay (pt_unmap_keep): the level-3
 * entry for va, or NULL if its tables do not exist yet; pt_leaf_set writes a page there (the
 * entry must be invalid: no break-before-make is done), pt_leaf_clear clears it and invalidates
 * the TLB for va. The caller has checked pa and prot as pt_map would. */
uint64_t *pt_leaf_entry(const pt_t *pt, uint64_t va);
void pt_leaf_set(const pt_t *pt, uint64_t *e, paddr_t pa, unsigned prot);
void pt_leaf_clear(const pt_t *pt, uint64_t *e, uint64_t va);
/* Translate va: -ENOENT if unmapped. Any out pointer may be NULL. */
int pt_lookup(const pt_t *pt, uint64_t va, paddr_t *pa, unsigned *prot, uint64_t *block_size);
typedef int (*pt_walk_fn)(void *arg, uint64_t va, paddr_t pa, uint64_t size, unsigned prot);
/* Call fn for every valid leaf in VA order; stops at and returns fn's first non-zero value. */
int pt_walk(const pt_t *pt, pt_walk_fn fn, void *arg);
/* Free every table, including the root. */
void pt_destroy(pt_t *pt);
/* Descriptor encoding of prot for a leaf (exposed for tests and checkers). */
uint64_t pt_leaf_attrs(pt_kind_t kind, unsigned prot);
unsigned pt_decode_prot(pt_kind_t kind, uint64_t desc);
#endif
