/*
 * A fake machine for the grant-table engine: three domains (1, 2, 3) with 16 pages of RAM each
 * at guest-physical 0x40000000, a grant window at 0x80000000 where foreign frames may be mapped,
 * a recorded stage 2 per domain, and a talk matrix where 1 and 2 may share and 3 may not.
 */
#ifndef FAKE_GNTTAB_ENV_H
#define FAKE_GNTTAB_ENV_H
#include <string.h>
#include <xen/gnttab.h>

#define FAKE_DOMS      3
#define FAKE_PAGES     16
#define FAKE_RAM_GPA   0x40000000ULL
#define FAKE_WIN_GPA   0x80000000ULL
#define FAKE_WIN_SIZE  (128 * XEN_PAGE_SIZE)
#define FAKE_HPA(d, p) (0x100000000ULL * (d) + (uint64_t)(p)*XEN_PAGE_SIZE)

typedef struct fake_dom {
    uint8_t ram[FAKE_PAGES][XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
    grant_entry_v1_t table[GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
    uint16_t readers[GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
    uint16_t writers[GNTTAB_MAX_FRAMES * GRANTS_PER_FRAME];
    struct {
        bool on, ro;
        uint64_t hpa;
    } s2[FAKE_WIN_SIZE / XEN_PAGE_SIZE]; /* the grant window's stage 2 */
} fake_dom_t;

static fake_dom_t fake_doms[FAKE_DOMS + 1];
static int fake_map_fail;
static int fake_unmap_fail;

static fake_dom_t *fake_dom(domid_t d) { return d >= 1 && d <= FAKE_DOMS ? &fake_doms[d] : NULL; }

static void *fake_gpa(domid_t d, uint64_t gpa, size_t len)
{
    fake_dom_t *fd = fake_dom(d);
    if (!fd || gpa < FAKE_RAM_GPA || gpa + len < gpa ||
        gpa + len > FAKE_RAM_GPA + FAKE_PAGES * XEN_PAGE_SIZE)
        return NULL;
    return &fd->ram[0][0] + (gpa - FAKE_RAM_GPA);
}

static int fake_from(void *ctx, domid_t d, void *dst, uint64_t gpa, size_t len)
{
    (void)ctx;
    void *p = fake_gpa(d, gpa, len);
    if (!p)
        return -1;
    memcpy(dst, p, len);
    return 0;
}

static int fake_to(void *ctx, domid_t d, uint64_t gpa, const void *src, size_t len)
{
    (void)ctx;
    void *p = fake_gpa(d, gpa, len);
    if (!p)
        return -1;
    memcpy(p, src, len);
    return 0;
}

static bool fake_own_frame(void *ctx, domid_t d, uint64_t gfn, uint64_t *hpa)
{
    (void)ctx;
    uint64_t first = FAKE_RAM_GPA / XEN_PAGE_SIZE;
    if (!fake_dom(d) || gfn < first || gfn >= first + FAKE_PAGES)
        return false;
    *hpa = FAKE_HPA(d, gfn - first);
    return true;
}

static bool fake_host_addr_ok(void *ctx, domid_t d, uint64_t gpa)
{
    (void)ctx;
    return fake_dom(d) && gpa >= FAKE_WIN_GPA && gpa < FAKE_WIN_GPA + FAKE_WIN_SIZE;
}

static int fake_map(void *ctx, domid_t d, uint64_t gpa, uint64_t hpa, bool ro, const void *owner)
{
    (void)ctx;
    (void)owner;
    if (fake_map_fail)
        return -1;
    unsigned i = (unsigned)((gpa - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
    if (fake_dom(d)->s2[i].on)
        return -1; /* the engine must never map twice at one address */
    fake_dom(d)->s2[i].on = true;
    fake_dom(d)->s2[i].ro = ro;
    fake_dom(d)->s2[i].hpa = hpa;
    return 0;
}

static int fake_unmap(void *ctx, domid_t d, uint64_t gpa)
{
    (void)ctx;
    if (fake_unmap_fail)
        return -1; /* as a full region table would have, before owned regions */
    unsigned i = (unsigned)((gpa - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
    if (!fake_dom(d)->s2[i].on)
        return -1;
    fake_dom(d)->s2[i].on = false;
    return 0;
}

static void *fake_frame_ptr(void *ctx, uint64_t hpa)
{
    (void)ctx;
    return fake_doms[hpa >> 32].ram[(hpa & 0xffffffff) / XEN_PAGE_SIZE];
}

static int fake_frames_mapped;
static void *fake_frame_map(void *ctx, uint64_t hpa, bool write)
{
    (void)write;
    fake_frames_mapped++;
    return fake_frame_ptr(ctx, hpa);
}

static void fake_frame_unmap(void *ctx, void *p)
{
    (void)ctx, (void)p;
    fake_frames_mapped--;
}

static bool fake_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    return (a == 1 && b == 2) || (a == 2 && b == 1);
}

static const gnttab_env_t fake_env = {fake_from,     fake_to,    fake_own_frame, fake_host_addr_ok,
                                      fake_map,      fake_unmap, fake_frame_map, fake_frame_unmap,
                                      fake_may_talk, NULL};

static void fake_gnttab_setup(gnttab_t *g)
{
    memset(fake_doms, 0, sizeof(fake_doms));
    fake_map_fail = 0;
    fake_unmap_fail = 0;
    gnttab_init(g, &fake_env);
    for (domid_t d = 1; d <= FAKE_DOMS; d++)
        gnttab_add_domain(g, d, fake_doms[d].table, fake_doms[d].readers, fake_doms[d].writers, 1,
                          GNTTAB_MAX_FRAMES);
}

/* The granting guest's side: domid, frame, a barrier, then flags. */
static void fake_grant(domid_t granter, grant_ref_t ref, domid_t to, uint32_t gfn, bool ro)
{
    grant_entry_v1_t *e = &fake_doms[granter].table[ref];
    e->domid = to;
    e->frame = gfn;
    __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
}

/* The guest's revocation: a compare-and-swap of the flags to 0 that fails while mapped. */
static bool fake_end_access(domid_t granter, grant_ref_t ref)
{
    grant_entry_v1_t *e = &fake_doms[granter].table[ref];
    uint16_t f = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
    if (f & (GTF_reading | GTF_writing))
        return false;
    return __atomic_compare_exchange_n(&e->flags, &f, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
#endif
