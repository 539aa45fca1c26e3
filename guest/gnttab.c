/*
 * Guest-side grant tables (see guest/include/septum/gnttab.h). The table frames are mapped at
 * the start of the grant window; pages for foreign mappings follow them. Entries are written as
 * the ABI asks: domid and frame, a barrier, then flags; revocation is a compare-and-swap of the
 * flags to 0 that fails while septum has the grant mapped.
 */
#include <errno.h>
#include <septum/abi.h>
#include <septum/gnttab.h>
#include <string.h>

#define MAX_TABLE_FRAMES 4
#define FIRST_REF        8 /* refs below are reserved by convention */
#define MAP_PAGES        64
#define MAP_BASE         (SEPTUM_GRANT_WINDOW + MAX_TABLE_FRAMES * XEN_PAGE_SIZE)
#define EAGAIN_RETRIES   16
#define ALLOC_PAGES      8

static grant_entry_v1_t *table;
static unsigned nr_refs;
static uint64_t map_used; /* bitmap over MAP_PAGES */
static domid_t peer;
static uint8_t alloc_pages[ALLOC_PAGES][XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static uint8_t alloc_used[ALLOC_PAGES];

long xen_hypercall(unsigned op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4)
{
    register uint64_t x0 __asm__("x0") = a0;
    register uint64_t x1 __asm__("x1") = a1;
    register uint64_t x2 __asm__("x2") = a2;
    register uint64_t x3 __asm__("x3") = a3;
    register uint64_t x4 __asm__("x4") = a4;
    register uint64_t x16 __asm__("x16") = op;
    __asm__ volatile("hvc #0xea1"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x16)
                     :
                     : "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
                       "x17", "memory");
    return (long)x0;
}

int gnttab_init(void)
{
    struct gnttab_query_size q = {DOMID_SELF, 0, 0, 0};
    long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size,
                            (uint64_t)(uintptr_t)&q, 1, 0, 0);
    if (rc || q.status)
        return rc ? (int)rc : -EIO;
    unsigned frames = q.max_nr_frames < MAX_TABLE_FRAMES ? q.max_nr_frames : MAX_TABLE_FRAMES;
    for (unsigned i = 0; i < frames; i++) {
        struct xen_add_to_physmap x = {DOMID_SELF, 0, XENMAPSPACE_grant_table, i,
                                       SEPTUM_GRANT_WINDOW / XEN_PAGE_SIZE + i};
        rc = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)(uintptr_t)&x,
                           0, 0, 0);
        if (rc)
            return (int)rc;
    }
    table = (grant_entry_v1_t *)(uintptr_t)SEPTUM_GRANT_WINDOW;
    nr_refs = frames * (unsigned)GRANTS_PER_FRAME;
    return 0;
}

void gnttab_set_peer(domid_t domid) { peer = domid; }

grant_ref_t gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly)
{
    for (grant_ref_t ref = FIRST_REF; table && ref < nr_refs; ref++) {
        grant_entry_v1_t *e = &table[ref];
        uint16_t zero = 0;
        /* claim a free entry by giving it a transient non-zero type septum refuses */
        if (__atomic_load_n(&e->flags, __ATOMIC_ACQUIRE) != 0 ||
            !__atomic_compare_exchange_n(&e->flags, &zero, (uint16_t)0x2, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            continue;
        e->domid = domid;
        e->frame = (uint32_t)gfn;
        __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
                         __ATOMIC_RELEASE);
        return ref;
    }
    return (grant_ref_t)-1;
}

int gnttab_end_access(grant_ref_t gref)
{
    if (!table || gref < FIRST_REF || gref >= nr_refs)
        return -EINVAL;
    grant_entry_v1_t *e = &table[gref];
    uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    do {
        if (f & (GTF_reading | GTF_writing))
            return -EBUSY; /* still mapped by the other side */
    } while (
        !__atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return 0;
}

int32_t gnttab_alloc_and_grant(void **map, bool readonly)
{
    for (unsigned i = 0; i < ALLOC_PAGES; i++)
        if (!alloc_used[i]) {
            grant_ref_t ref = gnttab_grant_access(
                peer, (unsigned long)((uintptr_t)alloc_pages[i] / XEN_PAGE_SIZE), readonly);
            if (ref == (grant_ref_t)-1)
                return -ENOSPC;
            alloc_used[i] = 1;
            memset(alloc_pages[i], 0, XEN_PAGE_SIZE);
            *map = alloc_pages[i];
            return (int32_t)ref;
        }
    return -ENOMEM;
}

void *gnttab_get_page(void)
{
    for (unsigned i = 0; i < MAP_PAGES; i++)
        if (!(map_used & (1ULL << i))) {
            map_used |= 1ULL << i;
            return (void *)(uintptr_t)(MAP_BASE + i * XEN_PAGE_SIZE);
        }
    return NULL;
}

void gnttab_put_page(void *page_addr)
{
    uint64_t a = (uint64_t)(uintptr_t)page_addr;
    if (a >= MAP_BASE && a < MAP_BASE + MAP_PAGES * XEN_PAGE_SIZE)
        map_used &= ~(1ULL << ((a - MAP_BASE) / XEN_PAGE_SIZE));
}

int gnttab_map_refs(struct gnttab_map_grant_ref *map_ops, unsigned int count)
{
    long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
                            (uint64_t)(uintptr_t)map_ops, count, 0, 0);
    /* operations septum asked to retry get a bounded number of further tries */
    for (unsigned i = 0; rc == 0 && i < count; i++)
        for (unsigned t = 0; map_ops[i].status == GNTST_eagain && t < EAGAIN_RETRIES; t++)
            rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref,
                               (uint64_t)(uintptr_t)&map_ops[i], 1, 0, 0);
    return (int)rc;
}

int gnttab_unmap_refs(struct gnttab_map_grant_ref *unmap_ops, unsigned int count)
{
    struct gnttab_unmap_grant_ref u;
    for (unsigned i = 0; i < count; i++) {
        u = (struct gnttab_unmap_grant_ref){unmap_ops[i].host_addr, 0, unmap_ops[i].handle, 0};
        long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref,
                                (uint64_t)(uintptr_t)&u, 1, 0, 0);
        if (rc)
            return (int)rc;
        unmap_ops[i].status = u.status;
    }
    return (int)count;
}

const char *gnttabop_error(int16_t status)
{
    static const char *const msgs[] = GNTTABOP_error_msgs;
    if (status > 0 || -status >= (int)(sizeof(msgs) / sizeof(msgs[0])))
        return "bad status";
    return msgs[-status];
}
