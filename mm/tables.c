/*
 * Table-page pools (see mm/tables.h): each pool is a run of identity-mapped pages with a
 * one-byte-per-page use map; allocation is first fit on natural alignment. Two counters under
 * the same lock keep the promises: pages in use, and pages promised but not yet in use.
 */
#include <arch/page.h>
#include <arch/spinlock.h>
#include <arch/sysreg.h>
#include <errno.h>
#include <mm/tables.h>
#include <stdbool.h>
#include <string.h>

#define BOOT_PAGES 32
#define POOL_MAX   4
#define POOL_PAGES 512

typedef struct pool {
    paddr_t base;
    unsigned npages;
    uint8_t used[POOL_PAGES];
} pool_t;

static uint8_t boot_pages[BOOT_PAGES][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static pool_t pools[POOL_MAX];
static unsigned pool_num;
static unsigned used_pages;     /* in all pools */
static unsigned promised_pages; /* promised to VMs and not in use */
static spinlock_t tables_lock;
static bool locking;

static void lock(void)
{
    if (locking)
        spin_lock(&tables_lock);
}

static void unlock(void)
{
    if (locking)
        spin_unlock(&tables_lock);
}

void tables_boot_pool(void **base, uint64_t *size)
{
    *base = boot_pages;
    *size = sizeof(boot_pages);
}

static void boot_pool_init(void)
{
    if (pool_num == 0) {
        pools[0].base = (paddr_t)(uintptr_t)boot_pages;
        pools[0].npages = BOOT_PAGES;
        pool_num = 1;
    }
}

int tables_add_pool(paddr_t base, unsigned npages)
{
    boot_pool_init();
    if (pool_num >= POOL_MAX || npages > POOL_PAGES || base % PAGE_SIZE)
        return -EINVAL;
    pools[pool_num].base = base;
    pools[pool_num].npages = npages;
    memset(pools[pool_num].used, 0, sizeof(pools[pool_num].used));
    pool_num++;
    /* a second pool exists only once the MMU is on: exclusives work from now on */
    locking = true;
    return 0;
}

static unsigned total_pages(void)
{
    unsigned n = 0;
    for (unsigned p = 0; p < pool_num; p++)
        n += pools[p].npages;
    return n;
}

/* Pages neither in use nor promised (under the lock). */
static unsigned unpromised(void)
{
    unsigned free = total_pages() - used_pages;
    return free > promised_pages ? free - promised_pages : 0;
}

/* First fit of npages naturally aligned pages (under the lock); NULL if none. */
static void *take(unsigned npages, paddr_t *pa)
{
    for (unsigned p = 0; p < pool_num; p++) {
        pool_t *pl = &pools[p];
        if (!npages)
            break;
        /* concatenated roots are aligned to their size: start at the pool's first page that
         * is (a pool is only page-aligned; stepping from its base would miss every one) */
        unsigned first = (unsigned)((npages - (pl->base / PAGE_SIZE) % npages) % npages);
        for (unsigned i = first; i + npages <= pl->npages; i += npages) {
            paddr_t at = pl->base + i * PAGE_SIZE;
            if (at == 0)
                continue; /* RAM at 0 (the ZCU102's): page 0 would be a NULL table */
            unsigned j = 0;
            while (j < npages && !pl->used[i + j])
                j++;
            if (j < npages)
                continue;
            memset(&pl->used[i], 1, npages);
            used_pages += npages;
            *pa = at;
            return (void *)(uintptr_t)at;
        }
    }
    return NULL;
}

static void give_back(paddr_t pa, unsigned npages)
{
    for (unsigned p = 0; p < pool_num; p++) {
        pool_t *pl = &pools[p];
        if (pa >= pl->base && pa < pl->base + pl->npages * PAGE_SIZE) {
            unsigned i = (unsigned)((pa - pl->base) / PAGE_SIZE);
            for (unsigned j = 0; j < npages && i + j < pl->npages; j++) {
                used_pages -= pl->used[i + j];
                pl->used[i + j] = 0;
            }
        }
    }
}

/* septum's own tables: only what nobody was promised. */
static void *t_alloc(void *ctx, unsigned npages, paddr_t *pa)
{
    (void)ctx;
    boot_pool_init();
    lock();
    void *p = unpromised() >= npages ? take(npages, pa) : NULL;
    unlock();
    if (p)
        memset(p, 0, npages * PAGE_SIZE);
    return p;
}

static void t_free(void *ctx, void *va, paddr_t pa, unsigned npages)
{
    (void)ctx;
    (void)va;
    lock();
    give_back(pa, npages);
    unlock();
}

/* A VM's tables: out of its promise (its stage 2 keeps within it), which shrinks as it takes
 * and grows back as it frees. */
static void *t_alloc_promised(void *ctx, unsigned npages, paddr_t *pa)
{
    (void)ctx;
    boot_pool_init();
    lock();
    void *p = promised_pages >= npages ? take(npages, pa) : NULL;
    if (p)
        promised_pages -= npages;
    unlock();
    if (p)
        memset(p, 0, npages * PAGE_SIZE);
    return p;
}

static void t_free_promised(void *ctx, void *va, paddr_t pa, unsigned npages)
{
    (void)ctx;
    (void)va;
    lock();
    give_back(pa, npages);
    promised_pages += npages;
    unlock();
}

static void *t_p2v(void *ctx, paddr_t pa)
{
    (void)ctx;
    return (void *)(uintptr_t)pa;
}

static void t_sync(void *ctx)
{
    (void)ctx;
    dsb_ishst();
}

const pt_ops_t tables_ops = {t_alloc, t_free, t_p2v, NULL, t_sync, NULL};
const pt_ops_t tables_promised_ops = {t_alloc_promised, t_free_promised, t_p2v, NULL, t_sync, NULL};

int tables_promise(unsigned npages)
{
    lock();
    unsigned free = unpromised();
    int rc = free >= TABLES_SEPTUM_RESERVE && free - TABLES_SEPTUM_RESERVE >= npages ? 0 : -ENOMEM;
    if (!rc)
        promised_pages += npages;
    unlock();
    return rc;
}

void tables_unpromise(unsigned npages)
{
    lock();
    promised_pages -= npages < promised_pages ? npages : promised_pages;
    unlock();
}

unsigned tables_promisable(void)
{
    lock();
    unsigned free = unpromised();
    unlock();
    return free > TABLES_SEPTUM_RESERVE ? free - TABLES_SEPTUM_RESERVE : 0;
}

unsigned tables_used(void) { return __atomic_load_n(&used_pages, __ATOMIC_RELAXED); }

unsigned tables_total(void) { return total_pages(); }

unsigned tables_promised(void) { return __atomic_load_n(&promised_pages, __ATOMIC_RELAXED); }
