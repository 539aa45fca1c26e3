/*
 * A fake machine for the grant-table engine: three domains (1, 2, 3) with 16 pages of RAM each
 * at guest-physical 0x40000000, a grant window at 0x80000000 where foreign frames may be mapped,
 * a recorded stage 2 per domain, and a talk matrix where 1 and 2 may share and 3 may not.
 *
 * It watches the engine's grant locks (lock_seen) and checks the engine's rules (xen/gnttab.h)
 * with FAKE_CHECK (assert unless the includer defines it): one maptrack lock at most, then one
 * table lock at most; a domain's memory and stage 2 only under its maptrack lock; no table lock
 * across a stage-2 change, a frame map or a region lookup; no more than one operation's changes
 * (a map, an unmap, or a copy's two frames) under one hold of a maptrack lock; and, one thread
 * being all there is, never a wait for a lock.
 */
#ifndef FAKE_GNTTAB_ENV_H
#define FAKE_GNTTAB_ENV_H
#include <string.h>
#include <xen/gnttab.h>
#ifndef FAKE_CHECK
#include <assert.h>
#define FAKE_CHECK(cond) assert(cond)
#endif

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
        const void *owner;
    } s2[FAKE_WIN_SIZE / XEN_PAGE_SIZE]; /* the grant window's stage 2 */
} fake_dom_t;

static fake_dom_t fake_doms[FAKE_DOMS + 1];
static int fake_map_fail;
static int fake_unmap_fail;

static fake_dom_t *fake_dom(domid_t d) { return d >= 1 && d <= FAKE_DOMS ? &fake_doms[d] : NULL; }

/* ---- the grant locks, with the engine's rules checked ---- */

static struct {
    bool held[GNTTAB_LOCKS];
    unsigned maptrack_holds;             /* times its maptrack lock was taken */
} fake_locks[FAKE_DOMS + 1];             /* by domain id; [0]: any other id */
static unsigned fake_held[GNTTAB_LOCKS]; /* locks of each kind held now */
static unsigned fake_hold_ops;           /* changes made under the maptrack lock held now */

static unsigned fake_lock_slot(domid_t d) { return d >= 1 && d <= FAKE_DOMS ? d : 0; }

static void fake_lock_seen(void *ctx, domid_t d, gnttab_lock_t which, bool taken)
{
    (void)ctx;
    unsigned s = fake_lock_slot(d);
    if (!taken) {
        FAKE_CHECK(fake_locks[s].held[which]);
        fake_locks[s].held[which] = false;
        fake_held[which]--;
        return;
    }
    FAKE_CHECK(!fake_locks[s].held[which]);
    FAKE_CHECK(fake_held[which] == 0); /* never two of a kind */
    if (which == GNTTAB_LOCK_MAPTRACK) {
        FAKE_CHECK(fake_held[GNTTAB_LOCK_TABLE] == 0); /* maptrack before table */
        fake_locks[s].maptrack_holds++;
        fake_hold_ops = 0;
    }
    fake_locks[s].held[which] = true;
    fake_held[which]++;
}

/* One thread: a lock that is held now stays held, so waiting for it is a deadlock. */
static void fake_relax(void *ctx)
{
    (void)ctx;
    FAKE_CHECK(!"a grant lock waited for in a single thread");
}

static bool fake_no_locks(void) { return !fake_held[0] && !fake_held[1]; }

/* A change to d's stage 2 or a frame septum maps: under d's maptrack lock (or, for a frame, the
 * caller's), no table lock, at most one operation's worth per hold. */
static void fake_change(domid_t d, bool frame)
{
    FAKE_CHECK(frame ? fake_held[GNTTAB_LOCK_MAPTRACK] == 1
                     : fake_locks[fake_lock_slot(d)].held[GNTTAB_LOCK_MAPTRACK]);
    FAKE_CHECK(fake_held[GNTTAB_LOCK_TABLE] == 0);
    FAKE_CHECK(++fake_hold_ops <= 2);
}

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

/* The engine's access to a domain's memory: under its maptrack lock. */
static int fake_env_from(void *ctx, domid_t d, void *dst, uint64_t gpa, size_t len)
{
    FAKE_CHECK(fake_locks[fake_lock_slot(d)].held[GNTTAB_LOCK_MAPTRACK]);
    return fake_from(ctx, d, dst, gpa, len);
}

static int fake_env_to(void *ctx, domid_t d, uint64_t gpa, const void *src, size_t len)
{
    FAKE_CHECK(fake_locks[fake_lock_slot(d)].held[GNTTAB_LOCK_MAPTRACK]);
    return fake_to(ctx, d, gpa, src, len);
}

static bool fake_own_frame(void *ctx, domid_t d, uint64_t gfn, uint64_t *hpa)
{
    (void)ctx;
    FAKE_CHECK(fake_held[GNTTAB_LOCK_TABLE] == 0); /* a region lookup: no table lock */
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
    fake_change(d, false);
    if (fake_map_fail)
        return -1;
    unsigned i = (unsigned)((gpa - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
    if (fake_dom(d)->s2[i].on)
        return -1; /* the engine must never map twice at one address */
    fake_dom(d)->s2[i].on = true;
    fake_dom(d)->s2[i].ro = ro;
    fake_dom(d)->s2[i].hpa = hpa;
    fake_dom(d)->s2[i].owner = owner;
    return 0;
}

static int fake_unmap(void *ctx, domid_t d, uint64_t gpa, const void *owner)
{
    (void)ctx;
    fake_change(d, false);
    if (fake_unmap_fail)
        return -1; /* as a full region table would have, before owned regions */
    unsigned i = (unsigned)((gpa - FAKE_WIN_GPA) / XEN_PAGE_SIZE);
    if (!fake_dom(d)->s2[i].on || fake_dom(d)->s2[i].owner != owner)
        return -1; /* only the page the mapping made */
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
    fake_change(0, true);
    fake_frames_mapped++;
    return fake_frame_ptr(ctx, hpa);
}

static void fake_frame_unmap(void *ctx, void *p)
{
    (void)ctx, (void)p;
    fake_frames_mapped--;
}

/* The operation array in one mapping (counted with the frames: every map is released). */
static void *fake_array_map(void *ctx, domid_t d, uint64_t gpa, size_t len, bool write)
{
    (void)ctx, (void)write;
    void *p = fake_gpa(d, gpa, len);
    fake_frames_mapped += p != NULL;
    return p;
}

static void fake_array_unmap(void *ctx, void *p)
{
    (void)ctx, (void)p;
    fake_frames_mapped--;
}

static bool fake_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    return (a == 1 && b == 2) || (a == 2 && b == 1);
}

static const gnttab_env_t fake_env = {fake_env_from,     fake_env_to,      fake_own_frame,
                                      fake_host_addr_ok, fake_map,         fake_unmap,
                                      fake_frame_map,    fake_frame_unmap, fake_may_talk,
                                      fake_relax,        fake_lock_seen,   NULL,
                                      fake_array_map,    fake_array_unmap};

static void fake_gnttab_setup(gnttab_t *g)
{
    memset(fake_doms, 0, sizeof(fake_doms));
    memset(fake_locks, 0, sizeof(fake_locks));
    memset(fake_held, 0, sizeof(fake_held));
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
