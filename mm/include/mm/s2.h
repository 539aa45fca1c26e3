/*
 * A VM's stage-2 translation, kept equal to its region table: the region table reports every
 * changed range and s2 remaps exactly that range (break-before-make and TLB invalidation by
 * VMID come from mm/pt and the arch hooks). A change s2 cannot make (no table page left) is
 * reported back, and the region table undoes it (mm/region.h).
 *
 * Its table pages are its own budget: s2 counts the pages it holds (the root included) and
 * takes none past its limit, plus S2_UNDO_PAGES while a failed change is being undone, so that
 * putting the old mappings back cannot fail for want of a page. Whoever sets the limit makes
 * sure the table allocator can give that many (mm/tables.h: a promise of limit + S2_UNDO_PAGES).
 *
 * With keep_tables, an unmap leaves its table pages in place (pt_unmap_keep), so mapping there
 * again (a grant mapping, again and again) builds no level. They stay counted in tables_used:
 * the budget is charged once; a mapping that finds the budget spent first gives back every
 * empty table (pt_prune) and tries again, so kept pages never refuse a mapping that would fit
 * without them; s2_destroy frees them with the rest.
 *
 * TLB invalidation is by IPA, on this CPU only when no other CPU has ever loaded the VMID
 * (cpus, a bit per CPU, set through s2_cpu_loads before each load); otherwise broadcast.
 */
#ifndef MM_S2_H
#define MM_S2_H
#include <mm/pt.h>
#include <mm/region.h>
#include <stdbool.h>

/* Extra pages an undo may take: a split block at each end of the undone range, on each level
 * that has blocks. */
#define S2_UNDO_PAGES 8
#define S2_CPUS       32 /* CPUs tracked in s2_t.cpus; any other CPU makes every TLBI broadcast */

typedef struct s2 {
    pt_t pt;
    pt_ops_t ops;           /* forwards table hooks to `tables`, adds TLB ops for the VMID */
    const pt_ops_t *tables; /* the caller's table-page allocator */
    uint16_t vmid;
    uint64_t vttbr;        /* root | VMID << 48 */
    unsigned tables_used;  /* table pages it holds, the root included */
    unsigned tables_limit; /* pages it may hold (S2_NO_LIMIT after s2_init) */
    bool undoing;          /* in an undo: S2_UNDO_PAGES more may be taken */
    int error; /* the latest change's result (0, -ENOMEM, ...), under the VM's lock: not sticky,
                * and not for callers, who get REGION_ENOMEM from the region table */
    bool keep_tables;            /* unmaps keep table pages (see above); false after s2_init */
    uint32_t cpus;               /* bit c: CPU c has loaded (or may load) the VMID */
    unsigned (*cpu_index)(void); /* this CPU's index; NULL (after s2_init): always broadcast */
    /* The last-level table that maps [leaf_base, leaf_base + 2 MiB), found by the latest
     * one-page change on the fast path, or NULL: the next one there skips the walk. Only
     * s2_changed, s2_prune and s2_destroy change the tables (never pt_* on s2->pt directly),
     * and every path that may free a table clears it first. */
    uint64_t *leaf_table;
    uint64_t leaf_base;
} s2_t;

#define S2_NO_LIMIT (~0U - S2_UNDO_PAGES)

/* table_ops supplies alloc/free/phys_to_virt/sync; s2 adds TLB invalidation for vmid. No limit
 * on its table pages until s2_set_limit. */
int s2_init(s2_t *s2, uint16_t vmid, unsigned ipa_bits, const pt_ops_t *table_ops);
/* From now on it holds at most limit table pages: -ENOMEM (and no change) if it holds more. */
int s2_set_limit(s2_t *s2, unsigned limit);
/* The region table's changed() hook: map [gpa, gpa+len) (which lies in r) as r, or unmap it (r
 * NULL). 0, or the error of mm/pt (-ENOMEM: no table page within its budget); undo: this puts
 * back what a failed change began to alter (the undo allowance may be used). */
int s2_changed(s2_t *s2, uint64_t gpa, uint64_t len, const region_t *r, bool undo);
/* CPU cpu is about to load the VMID into VTTBR_EL2 (before it does, each time). */
void s2_cpu_loads(s2_t *s2, unsigned cpu);
/* Stage-2 permissions and attributes for a region (PT_*); 0 when it must stay unmapped. */
unsigned s2_prot(const region_t *r);
/* Free every empty table page it keeps (pt_prune); how many went. */
unsigned s2_prune(s2_t *s2);
/* Free every table, the root included: its table pages are back to 0. */
void s2_destroy(s2_t *s2);
#endif
