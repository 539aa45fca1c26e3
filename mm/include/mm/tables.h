/*
 * Page-table pages for septum's EL2 map and every VM's stage 2: a small static pool in septum's
 * image for boot, then a pool of frames the frame allocator gives (mapped into EL2 so septum can
 * write them). One lock; naturally aligned runs for concatenated stage-2 roots.
 *
 * Promises keep the users apart. Each VM's stage 2 is promised a number of pages at creation
 * (tables_promise) and takes its tables through tables_promised_ops, which draw on promises;
 * its stage 2 counts what it holds and never goes past its promise (mm/s2.h). septum's own map
 * (tables_ops) may use only pages nobody was promised, and promises always leave
 * TABLES_SEPTUM_RESERVE pages for it. So a VM that spends its whole promise takes nothing from
 * another VM or from septum, and its promise comes back whole when it is released.
 */
#ifndef MM_TABLES_H
#define MM_TABLES_H
#include <mm/pt.h>

/* Pages promises never take, for septum's own map (firmware maps come and go at run time). */
#define TABLES_SEPTUM_RESERVE 64

/* septum's EL2 map: alloc/free/phys_to_virt/sync out of unpromised pages; TLB invalidation left
 * NULL (the user adds it). */
extern const pt_ops_t tables_ops;
/* A VM's stage 2: the same hooks, drawing on promised pages (the caller keeps within its
 * promise). */
extern const pt_ops_t tables_promised_ops;
/* Add [base, base + npages * 4 KiB) (identity-mapped, RW at EL2) to the pool. */
int tables_add_pool(paddr_t base, unsigned npages);
/* Promise npages (-ENOMEM, nothing promised, if fewer can be); give back npages of a promise
 * that are not in use. */
int tables_promise(unsigned npages);
void tables_unpromise(unsigned npages);
/* Pages a promise could still get. */
unsigned tables_promisable(void);
/* Pages in use / in all pools / promised and not yet in use. */
unsigned tables_used(void);
unsigned tables_total(void);
unsigned tables_promised(void);
/* The static boot pool, so it can be cache-maintained before the MMU is on. */
void tables_boot_pool(void **base, uint64_t *size);
#endif
