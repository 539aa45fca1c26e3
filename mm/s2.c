/*
 * Stage 2 from the region table. Emulated regions stay unmapped, so every access to them
 * faults into EL2 and reaches its fault callback; everything else maps with the region's
 * permissions: RAM and ROM as normal memory (ROM never writable), devices as Device-nGnRE.
 *
 * Two fast paths (see mm/s2.h): unmapping keeps table pages (within the budget, given back
 * when a mapping finds the budget spent), and TLB invalidation stays on this CPU when no other
 * CPU has ever had the VMID loaded.
 */
#include <arch/insn.h>
#include <arch/mmu.h>
#include <arch/pte.h>
#include <errno.h>
#include <mm/s2.h>

#define VTTBR_VMID_SHIFT 48
#define S2_LEAF_AREA     (512 * PT_PAGE_SIZE) /* what one last-level table maps */

/* A table page out of the VM's own budget: its limit, and during an undo S2_UNDO_PAGES more. */
static void *fwd_alloc(void *ctx, unsigned npages, paddr_t *pa)
{
    s2_t *s2 = ctx;
    unsigned limit = s2->tables_limit + (s2->undoing ? S2_UNDO_PAGES : 0);
    if (npages > limit || s2->tables_used > limit - npages)
        return NULL;
    const pt_ops_t *t = s2->tables;
    void *p = t->alloc_table(t->ctx, npages, pa);
    if (p)
        s2->tables_used += npages;
    return p;
}

static void fwd_free(void *ctx, void *va, paddr_t pa, unsigned npages)
{
    s2_t *s2 = ctx;
    s2->tables_used -= npages < s2->tables_used ? npages : s2->tables_used;
    s2->tables->free_table(s2->tables->ctx, va, pa, npages);
}

static void *fwd_p2v(void *ctx, paddr_t pa)
{
    const pt_ops_t *t = ((s2_t *)ctx)->tables;
    return t->phys_to_virt(t->ctx, pa);
}

static void fwd_sync(void *ctx)
{
    const pt_ops_t *t = ((s2_t *)ctx)->tables;
    if (t->sync)
        t->sync(t->ctx);
}

/*
 * Entries tagged with a VMID are only ever made by a CPU that has that VMID in VTTBR_EL2 (walks,
 * speculative ones too, use the loaded VTTBR), and every CPU sets its bit in s2->cpus before it
 * loads it (s2_cpu_loads, and here for the load arch_s2_tlb_inval itself may do), with a full
 * barrier after. The entry being invalidated was written and made visible (pt_sync) before the
 * bits are read, after a full barrier: so a CPU whose bit is not seen here loads the VMID only
 * after the new entry is visible, and cannot cache the old one. The VMID is the VM's for good
 * (never given to another VM) and every CPU drops all EL1&0 entries when it starts
 * (boot/head.S), so no CPU holds entries of it from before. Hence: only this CPU's bit set means
 * only this CPU can hold entries to invalidate.
 */
static void s2_tlb_inval(void *ctx, uint64_t ipa, uint64_t size)
{
    s2_t *s2 = ctx;
    unsigned cpu = s2->cpu_index ? s2->cpu_index() : S2_CPUS;
    bool local = false;
    if (cpu < S2_CPUS) {
        s2_cpu_loads(s2, cpu);
        local = __atomic_load_n(&s2->cpus, __ATOMIC_SEQ_CST) == 1U << cpu;
    }
    arch_s2_tlb_inval(s2->vttbr, ipa, size, local);
}

void s2_cpu_loads(s2_t *s2, unsigned cpu)
{
    if (cpu >= S2_CPUS)
        __atomic_store_n(&s2->cpus, ~0U, __ATOMIC_SEQ_CST); /* unknown: broadcast from now on */
    else if (!(__atomic_load_n(&s2->cpus, __ATOMIC_RELAXED) & (1U << cpu)))
        __atomic_fetch_or(&s2->cpus, 1U << cpu, __ATOMIC_SEQ_CST);
    dsb_ish(); /* the bit is seen before the VMID is loaded, or an entry read */
}

__attribute__((cold)) int s2_init(s2_t *s2, uint16_t vmid, unsigned ipa_bits,
                                  const pt_ops_t *table_ops)
{
    s2->tables = table_ops;
    s2->ops = (pt_ops_t){fwd_alloc, fwd_free, fwd_p2v, s2_tlb_inval, fwd_sync, s2};
    s2->vmid = vmid;
    s2->tables_used = 0;
    s2->tables_limit = S2_NO_LIMIT;
    s2->undoing = false;
    s2->error = 0;
    s2->cpus = 0;
    s2->cpu_index = NULL;
    s2->keep_tables = false;
    s2->leaf_table = NULL;
    s2->leaf_base = 0;
    int rc = pt_init(&s2->pt, PT_STAGE2, ipa_bits, &s2->ops);
    if (rc)
        return rc;
    s2->vttbr = s2->pt.root_pa | ((uint64_t)vmid << VTTBR_VMID_SHIFT);
    return 0;
}

int s2_set_limit(s2_t *s2, unsigned limit)
{
    if (limit > S2_NO_LIMIT || s2->tables_used > limit)
        return -ENOMEM;
    s2->tables_limit = limit;
    return 0;
}

/* Inline in s2_changed (every grant mapping and unmapping); exported below. */
static inline __attribute__((always_inline)) unsigned prot_of(const region_t *r)
{
    if (!r || r->type == REGION_EMULATED)
        return 0;
    unsigned prot = 0;
    if (r->flags & REGION_R)
        prot |= PT_R;
    if ((r->flags & REGION_W) && r->type != REGION_ROM)
        prot |= PT_W;
    if ((r->flags & REGION_X) && r->type != REGION_DEVICE)
        prot |= PT_X;
    if (!prot)
        return 0;
    if (r->type == REGION_DEVICE)
        prot |= PT_DEVICE;
    else if (r->flags & REGION_NC)
        prot |= PT_NC;
    return prot;
}

unsigned s2_prot(const region_t *r) { return prot_of(r); }

/* The leaf entry of the page at gpa, if its last-level table exists; the table is remembered
 * (kept tables are freed only on s2_changed's other paths, which forget it first). */
static uint64_t *leaf_entry(s2_t *s2, uint64_t gpa)
{
    uint64_t base = gpa & ~(S2_LEAF_AREA - 1), index = (gpa % S2_LEAF_AREA) / PT_PAGE_SIZE;
    if (s2->leaf_table && s2->leaf_base == base)
        return &s2->leaf_table[index];
    uint64_t *e = pt_leaf_entry(&s2->pt, gpa);
    if (e) {
        s2->leaf_table = e - index;
        s2->leaf_base = base;
    }
    return e;
}

/* Every change but one page in a kept table that is built: the walk, which may build, free or
 * replace tables (so the remembered leaf table is forgotten first). */
static __attribute__((noinline)) int changed_walk(s2_t *s2, uint64_t gpa, uint64_t len,
                                                  const region_t *r, unsigned prot, bool undo)
{
    s2->leaf_table = NULL;
    s2->undoing = undo;
    int rc;
    if (!prot) {
        rc = s2->keep_tables ? pt_unmap_keep(&s2->pt, gpa, len) : pt_unmap(&s2->pt, gpa, len);
    } else {
        uint64_t hpa = r->hpa + (gpa - r->gpa);
        rc = pt_map(&s2->pt, gpa, hpa, len, prot);
        /* the budget is spent: the kept empty tables go back, and the mapping tries again */
        if (rc == -ENOMEM && s2->keep_tables && s2_prune(s2))
            rc = pt_map(&s2->pt, gpa, hpa, len, prot);
    }
    s2->undoing = false;
    s2->error = rc;
    return rc;
}

int s2_changed(s2_t *s2, uint64_t gpa, uint64_t len, const region_t *r, bool undo)
{
    unsigned prot = prot_of(r);
    /* One page where the tables are kept and built already (a grant mapping, again): its leaf
     * entry alone, written into an invalid entry or cleared. It cannot fail and takes no table
     * page, so the undo allowance does not matter to it. */
    uint64_t *e = s2->keep_tables && len == PT_PAGE_SIZE ? leaf_entry(s2, gpa) : NULL;
    if (!e || (prot && pte_is_valid(*e)))
        return changed_walk(s2, gpa, len, r, prot, undo);
    s2->error = 0;
    if (prot)
        pt_leaf_set(&s2->pt, e, r->hpa + (gpa - r->gpa), prot);
    else if (pte_is_valid(*e))
        pt_leaf_clear(&s2->pt, e, gpa);
    return 0;
}

unsigned s2_prune(s2_t *s2)
{
    s2->leaf_table = NULL;
    return pt_prune(&s2->pt);
}

void s2_destroy(s2_t *s2)
{
    s2->leaf_table = NULL;
    pt_destroy(&s2->pt);
}
