/*
 * Page-table pages for septum's EL2 map and every VM's stage 2: a small static pool in septum's
 * image for boot, then a pool of frames the frame allocator gives (mapped into EL2 so septum can
 * write them). One lock; naturally aligned runs for concatenated stage-2 roots.
 */
#ifndef CORE_TABLES_H
#define CORE_TABLES_H
#include <mm/pt.h>

/* Table hooks: alloc/free/phys_to_virt/sync, TLB invalidation left NULL (the user adds it). */
extern const pt_ops_t tables_ops;
/* Add [base, base + npages * 4 KiB) (identity-mapped, RW at EL2) to the pool. */
int tables_add_pool(paddr_t base, unsigned npages);
/* Pages in use / in all pools. */
unsigned tables_used(void);
unsigned tables_total(void);
/* The static boot pool, so it can be cache-maintained before the MMU is on. */
void tables_boot_pool(void **base, uint64_t *size);
#endif
