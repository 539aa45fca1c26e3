/*
 * A VM's stage-2 translation, kept equal to its region table: the region table reports every
 * changed range and s2 remaps exactly that range (break-before-make and TLB invalidation by
 * VMID come from mm/pt and the arch hooks). A change s2 cannot make (no table page left) is
 * reported back, and the region table undoes it (mm/region.h).
 */
#ifndef MM_S2_H
#define MM_S2_H
#include <mm/pt.h>
#include <mm/region.h>
#include <stdbool.h>

typedef struct s2 {
    pt_t pt;
    pt_ops_t ops;           /* forwards table hooks to `tables`, adds TLB ops for the VMID */
    const pt_ops_t *tables; /* the caller's table-page allocator */
    uint16_t vmid;
    uint64_t vttbr; /* root | VMID << 48 */
    int error; /* the latest change's result (0, -ENOMEM, ...), under the VM's lock: not sticky,
                * and not for callers, who get REGION_ENOMEM from the region table */
} s2_t;

/* table_ops supplies alloc/free/phys_to_virt/sync; s2 adds TLB invalidation for vmid. */
int s2_init(s2_t *s2, uint16_t vmid, unsigned ipa_bits, const pt_ops_t *table_ops);
/* The region table's changed() hook: map [gpa, gpa+len) (which lies in r) as r, or unmap it (r
 * NULL). 0, or the error of mm/pt (-ENOMEM: no table page); undo: this puts back what a failed
 * change began to alter. */
int s2_changed(s2_t *s2, uint64_t gpa, uint64_t len, const region_t *r, bool undo);
/* Stage-2 permissions and attributes for a region (PT_*); 0 when it must stay unmapped. */
unsigned s2_prot(const region_t *r);
void s2_destroy(s2_t *s2);
#endif
