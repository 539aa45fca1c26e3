/*
 * The grant-table engine (see core/xen/include/xen/gnttab.h). The granting guest writes its
 * entries concurrently, so every change of an entry's flags is a compare-and-swap that keeps
 * the guest's own bits, and GTF_reading/GTF_writing stay set while septum's own count of
 * mappings says so; the guest can revoke (clear the flags) only when neither is set. The locks
 * and their order are described in xen/gnttab.h.
 */
#include <string.h>
#include <xen/gnttab.h>

_Static_assert(GNTTAB_MAPTRACK_MAX <= 64, "the live maptrack slots are one uint64_t bit mask");

static const char *const gnttab_msgs[] = GNTTABOP_error_msgs;

const char *gnttabop_error(int16_t status)
{
    if (status > 0 || -status >= (int)(sizeof(gnttab_msgs) / sizeof(gnttab_msgs[0])))
        return "bad status";
    return gnttab_msgs[-status];
}

void gnttab_init(gnttab_t *g, const gnttab_env_t *env)
{
    memset(g, 0, sizeof(*g));
    g->env = env;
    g->ops_per_call = GNTTAB_OPS_PER_CALL;
}

/* Whether slot d is domain id. Slots are published and retired under the domain's locks, so
 * the answer holds while one of its locks is held; without one it is a hint to be checked
 * again under the lock. */
static bool is_dom(const gnttab_dom_t *d, domid_t id)
{
    return __atomic_load_n(&d->live, __ATOMIC_ACQUIRE) &&
           __atomic_load_n(&d->id, __ATOMIC_RELAXED) == id;
}

static gnttab_dom_t *dom_of(gnttab_t *g, domid_t id)
{
    /* domains are usually added in the order of their ids from 1: look there first */
    unsigned guess = id - 1U;
    if (guess < GNTTAB_DOM_MAX && is_dom(&g->dom[guess], id))
        return &g->dom[guess];
    for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
        if (is_dom(&g->dom[i], id))
            return &g->dom[i];
    return NULL;
}

/* Under one of d's locks: whether d is still domain id and open for new operations. */
static bool is_open(const gnttab_dom_t *d, domid_t id) { return is_dom(d, id) && !d->closed; }

/* A fair ticket lock on C11 atomics, inline and call-free when nobody holds it: a waiter spins
 * on the env's relax (a yield, which also hands an emulated CPU back to its emulator). A slot
 * keeps its locks when its domain is removed (slots are not reused for another domain once the
 * machine runs), so a stale pointer still names the same locks. */
static __attribute__((noinline)) void lock_wait(gnttab_t *g, gnttab_spinlock_t *l, uint32_t me)
{
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        g->env->relax(g->env->ctx);
}

/* The env's lock_seen, in host builds only (tests): the hypervisor's path does not look. */
#ifdef SEPTUM_HOST
static void lock_tell(gnttab_t *g, gnttab_dom_t *d, gnttab_lock_t which, bool taken)
{
    if (g->env->lock_seen)
        g->env->lock_seen(g->env->ctx, __atomic_load_n(&d->id, __ATOMIC_RELAXED), which, taken);
}
#else
#define lock_tell(g, d, which, taken) ((void)(g), (void)(d))
#endif

static inline __attribute__((always_inline)) void lock(gnttab_t *g, gnttab_dom_t *d,
                                                       gnttab_lock_t which)
{
    lock_tell(g, d, which, true);
    gnttab_spinlock_t *l = &d->lock[which];
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        lock_wait(g, l, me);
}

static inline __attribute__((always_inline)) void unlock(gnttab_t *g, gnttab_dom_t *d,
                                                         gnttab_lock_t which)
{
    gnttab_spinlock_t *l = &d->lock[which];
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
    lock_tell(g, d, which, false);
}

bool gnttab_maptrack_lock(gnttab_t *g, domid_t id)
{
    gnttab_dom_t *d = dom_of(g, id);
    if (!d)
        return false;
    lock(g, d, GNTTAB_LOCK_MAPTRACK);
    return true;
}

void gnttab_maptrack_unlock(gnttab_t *g, domid_t id)
{
    gnttab_dom_t *d = dom_of(g, id);
    if (d)
        unlock(g, d, GNTTAB_LOCK_MAPTRACK);
}

__attribute__((cold)) int gnttab_add_domain(gnttab_t *g, domid_t id, grant_entry_v1_t *entries,
                                            uint16_t *readers, uint16_t *writers,
                                            unsigned nr_frames, unsigned max_frames)
{
    if (id >= DOMID_SELF || dom_of(g, id) || !entries || !readers || !writers ||
        nr_frames > max_frames || max_frames == 0 || max_frames > GNTTAB_MAX_FRAMES)
        return -XEN_EINVAL;
    for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
        if (!__atomic_load_n(&g->dom[i].live, __ATOMIC_ACQUIRE)) {
            gnttab_dom_t *d = &g->dom[i];
            __atomic_store_n(&d->id, id, __ATOMIC_RELAXED);
            lock(g, d, GNTTAB_LOCK_MAPTRACK);
            lock(g, d, GNTTAB_LOCK_TABLE);
            memset(d->map, 0, sizeof(d->map));
            memset(d->map_at, 0, sizeof(d->map_at));
            d->map_live = 0;
            d->closed = false;
            d->entries = entries;
            d->nr_frames = nr_frames;
            d->max_frames = max_frames;
            d->readers = readers;
            d->writers = writers;
            memset(entries, 0, max_frames * XEN_PAGE_SIZE);
            memset(readers, 0, max_frames * GRANTS_PER_FRAME * sizeof(uint16_t));
            memset(writers, 0, max_frames * GRANTS_PER_FRAME * sizeof(uint16_t));
            __atomic_store_n(&d->live, true, __ATOMIC_RELEASE); /* published last */
            unlock(g, d, GNTTAB_LOCK_TABLE);
            unlock(g, d, GNTTAB_LOCK_MAPTRACK);
            return 0;
        }
    return -XEN_EINVAL;
}

static unsigned nr_entries(const gnttab_dom_t *d)
{
    return d->nr_frames * (unsigned)GRANTS_PER_FRAME;
}

static uint16_t flags_load(grant_entry_v1_t *e)
{
    return __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);
}

/* Set (or clear) bits in a guest-written flags word without losing the guest's changes; set
 * only if the entry still allows the mapping (want_mask/want_val) at the moment of the swap. */
static bool flags_update(grant_entry_v1_t *e, uint16_t set, uint16_t clear, uint16_t need_mask,
                         uint16_t need_val)
{
    uint16_t old = flags_load(e);
    for (;;) {
        if ((old & need_mask) != need_val)
            return false;
        uint16_t new = (uint16_t)((old | set) & ~clear);
        if (__atomic_compare_exchange_n(&e->flags, &old, new, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return true;
    }
}

static domid_t self_or(domid_t caller, domid_t dom) { return dom == DOMID_SELF ? caller : dom; }

/* Pin entry ref of granter d (domain gid) for a mapping or copy by mapper: checks the entry and
 * sets GTF_reading/writing. Takes d's table lock; a closed or removed granter is bad_domain. */
static int16_t pin(gnttab_t *g, gnttab_dom_t *d, domid_t gid, grant_ref_t ref, domid_t mapper,
                   bool readonly, uint64_t *frame)
{
    lock(g, d, GNTTAB_LOCK_TABLE);
    bool open = is_open(d, gid);
    int16_t st = GNTST_okay;
    grant_entry_v1_t *e = open && ref < nr_entries(d) ? &d->entries[ref] : NULL;
    /* the guest writes domid and frame, then flags with a barrier: read flags first */
    uint16_t f = e ? flags_load(e) : 0;
    uint16_t need_mask = GTF_type_mask | (readonly ? 0 : GTF_readonly);
    if (!open)
        st = GNTST_bad_domain;
    else if (!e || (f & GTF_type_mask) != GTF_permit_access)
        st = GNTST_bad_gntref;
    else if (__atomic_load_n(&e->domid, __ATOMIC_RELAXED) != mapper)
        st = GNTST_permission_denied;
    else if (!readonly && (f & GTF_readonly))
        st = GNTST_permission_denied;
    else if (!flags_update(e, readonly ? GTF_reading : (GTF_reading | GTF_writing), 0, need_mask,
                           GTF_permit_access))
        st = GNTST_permission_denied; /* revoked or made read-only meanwhile */
    if (st == GNTST_okay) {
        *frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
        d->readers[ref]++;
        if (!readonly)
            d->writers[ref]++;
    }
    unlock(g, d, GNTTAB_LOCK_TABLE);
    return st;
}

/* Drop a pin. Takes d's table lock; a granter that is gone (its table freed) has nothing to
 * drop, a closed one still has. */
static void unpin(gnttab_t *g, gnttab_dom_t *d, domid_t gid, grant_ref_t ref, bool readonly)
{
    lock(g, d, GNTTAB_LOCK_TABLE);
    if (is_dom(d, gid) && ref < nr_entries(d)) {
        if (!readonly && d->writers[ref])
            d->writers[ref]--;
        if (d->readers[ref])
            d->readers[ref]--;
        uint16_t clear = (uint16_t)((d->writers[ref] ? 0 : GTF_writing) |
                                    (d->readers[ref] ? 0 : GTF_reading));
        if (clear)
            flags_update(&d->entries[ref], 0, clear, 0, 0);
    }
    unlock(g, d, GNTTAB_LOCK_TABLE);
}

/* Under me's maptrack lock, like every operation: the pin is recorded in its maptrack (or
 * dropped) before that lock goes. */
static int16_t map_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_map_grant_ref *op)
{
    const gnttab_env_t *env = g->env;
    op->handle = ~0U;
    op->dev_bus_addr = 0;
    if (!(op->flags & GNTMAP_host_map) || (op->flags & ~(GNTMAP_host_map | GNTMAP_readonly)))
        return GNTST_general_error; /* device mappings and other forms are not offered */
    domid_t gid = self_or(me->id, op->dom);
    gnttab_dom_t *granter = gid == me->id ? NULL : dom_of(g, gid);
    if (!granter)
        return GNTST_bad_domain;
    if (!env->may_talk(env->ctx, me->id, gid))
        return GNTST_permission_denied;
    if (op->host_addr % XEN_PAGE_SIZE || !env->host_addr_ok(env->ctx, me->id, op->host_addr))
        return GNTST_bad_virt_addr;
    uint8_t *at = &me->map_at[GNTTAB_ADDR_HASH(op->host_addr)];
    for (uint64_t b = *at ? me->map_live : 0; b; b &= b - 1)
        if (me->map[__builtin_ctzll(b)].host_addr == op->host_addr)
            return GNTST_bad_virt_addr; /* already holds a mapping there */
    if (me->map_live == ~0ULL >> (64 - GNTTAB_MAPTRACK_MAX))
        return GNTST_no_space;
    unsigned slot = (unsigned)__builtin_ctzll(~me->map_live);
    bool ro = (op->flags & GNTMAP_readonly) != 0;
    uint64_t frame, hpa;
    int16_t st = pin(g, granter, gid, op->ref, me->id, ro, &frame);
    if (st != GNTST_okay)
        return st;
    if (!env->own_frame(env->ctx, gid, frame, &hpa)) {
        unpin(g, granter, gid, op->ref, ro);
        return GNTST_bad_page;
    }
    int rc = env->map(env->ctx, me->id, op->host_addr, hpa, ro, &me->map[slot]);
    if (rc != 0) {
        unpin(g, granter, gid, op->ref, ro);
        return rc == GNTTAB_MAP_TAKEN ? GNTST_bad_virt_addr : GNTST_general_error;
    }
    me->map[slot] = (gnttab_map_t){true, gid, op->ref, ro, op->host_addr, granter};
    me->map_live |= 1ULL << slot;
    (*at)++;
    op->handle = slot;
    return GNTST_okay;
}

/* Undo one mapping, under me's maptrack lock: stage 2 first; only once the frame is gone from
 * the mapper's stage 2 is the pin dropped (so the granter can revoke, and its frame be freed).
 * False if the unmap failed: the mapping and its pin stay. */
static bool drop_mapping(gnttab_t *g, gnttab_dom_t *me, gnttab_map_t *m)
{
    if (g->env->unmap(g->env->ctx, me->id, m->host_addr, m) != 0)
        return false;
    unpin(g, m->gdom, m->granter, m->ref, m->readonly);
    m->live = false;
    me->map_live &= ~(1ULL << (m - me->map));
    me->map_at[GNTTAB_ADDR_HASH(m->host_addr)]--;
    return true;
}

static int16_t unmap_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_unmap_grant_ref *op)
{
    if (op->handle >= GNTTAB_MAPTRACK_MAX || !me->map[op->handle].live)
        return GNTST_bad_handle;
    gnttab_map_t *m = &me->map[op->handle];
    if (op->host_addr && op->host_addr != m->host_addr)
        return GNTST_bad_virt_addr;
    if (op->dev_bus_addr)
        return GNTST_bad_dev_addr;
    return drop_mapping(g, me, m) ? GNTST_okay : GNTST_general_error;
}

/* One side of a copy: a granted frame (pinned for the copy; *pinned says whose) or one of the
 * caller's own. The pin is held without the granter's table lock: the copy itself runs under
 * the caller's maptrack lock only, so a granter's teardown waits for it (see xen/gnttab.h). */
static int16_t copy_side(gnttab_t *g, gnttab_dom_t *me, const struct gnttab_copy_ptr *p,
                         bool by_ref, bool write, uint8_t **ptr, gnttab_dom_t **pinned)
{
    const gnttab_env_t *env = g->env;
    domid_t id = self_or(me->id, p->domid);
    uint64_t frame = p->u.gmfn, hpa;
    *pinned = NULL;
    if (by_ref) {
        gnttab_dom_t *d = id == me->id ? me : dom_of(g, id);
        if (!d)
            return GNTST_bad_domain;
        if (id != me->id && !env->may_talk(env->ctx, me->id, id))
            return GNTST_permission_denied;
        int16_t st = pin(g, d, id, p->u.ref, me->id, !write, &frame);
        if (st != GNTST_okay)
            return st;
        *pinned = d;
    } else if (id != me->id) {
        return GNTST_permission_denied; /* only one's own frames by number */
    }
    int16_t st = GNTST_okay;
    if (!env->own_frame(env->ctx, id, frame, &hpa))
        st = GNTST_bad_page;
    else if (!(*ptr = env->frame_map(env->ctx, hpa, write)))
        st = GNTST_general_error;
    if (st != GNTST_okay && *pinned) {
        unpin(g, *pinned, id, p->u.ref, !write);
        *pinned = NULL;
    }
    return st;
}

static int16_t copy_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_copy *op)
{
    if (op->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
        return GNTST_bad_copy_arg;
    if ((unsigned)op->source.offset + op->len > XEN_PAGE_SIZE ||
        (unsigned)op->dest.offset + op->len > XEN_PAGE_SIZE)
        return GNTST_bad_copy_arg;
    uint8_t *src, *dst;
    gnttab_dom_t *ps, *pd;
    int16_t st = copy_side(g, me, &op->source, op->flags & GNTCOPY_source_gref, false, &src, &ps);
    if (st != GNTST_okay)
        return st;
    st = copy_side(g, me, &op->dest, op->flags & GNTCOPY_dest_gref, true, &dst, &pd);
    if (st == GNTST_okay) {
        if (g->env->copy)
            g->env->copy(dst + op->dest.offset, src + op->source.offset, op->len);
        else
            memmove(dst + op->dest.offset, src + op->source.offset, op->len);
        g->env->frame_unmap(g->env->ctx, dst);
    }
    g->env->frame_unmap(g->env->ctx, src);
    if (pd)
        unpin(g, pd, self_or(me->id, op->dest.domid), op->dest.u.ref, false);
    if (ps)
        unpin(g, ps, self_or(me->id, op->source.domid), op->source.u.ref, true);
    return st;
}

static int16_t query_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_query_size *op)
{
    if (self_or(me->id, op->dom) != me->id)
        return GNTST_permission_denied;
    lock(g, me, GNTTAB_LOCK_TABLE);
    op->nr_frames = me->nr_frames;
    op->max_nr_frames = me->max_frames;
    unlock(g, me, GNTTAB_LOCK_TABLE);
    return GNTST_okay;
}

static int16_t setup_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_setup_table *op)
{
    if (self_or(me->id, op->dom) != me->id)
        return GNTST_permission_denied;
    if (op->nr_frames > me->max_frames)
        return GNTST_general_error;
    lock(g, me, GNTTAB_LOCK_TABLE);
    if (op->nr_frames > me->nr_frames)
        me->nr_frames = op->nr_frames; /* tables only grow */
    unlock(g, me, GNTTAB_LOCK_TABLE);
    /* On Arm the frames are placed with XENMEM_add_to_physmap; report none here. */
    for (uint32_t i = 0; i < op->nr_frames; i++) {
        uint64_t invalid = ~0ULL;
        if (g->env->copy_to_guest(g->env->ctx, me->id, op->frame_list + i * 8, &invalid, 8))
            return GNTST_bad_virt_addr;
    }
    return GNTST_okay;
}

/* Operation sizes, and whether each is a per-operation-status array. */
static size_t op_size(unsigned cmd)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: return sizeof(struct gnttab_map_grant_ref);
    case GNTTABOP_unmap_grant_ref: return sizeof(struct gnttab_unmap_grant_ref);
    case GNTTABOP_setup_table: return sizeof(struct gnttab_setup_table);
    case GNTTABOP_copy: return sizeof(struct gnttab_copy);
    case GNTTABOP_query_size: return sizeof(struct gnttab_query_size);
    case GNTTABOP_set_version: return sizeof(struct gnttab_set_version);
    case GNTTABOP_get_version: return sizeof(struct gnttab_get_version);
    default: return 0;
    }
}

typedef union {
    struct gnttab_map_grant_ref map;
    struct gnttab_unmap_grant_ref unmap;
    struct gnttab_setup_table setup;
    struct gnttab_copy copy;
    struct gnttab_query_size query;
    struct gnttab_set_version setv;
    struct gnttab_get_version getv;
} any_op_t;

/* An operation between the guest's array and septum's copy. The array is 8-byte aligned
 * (gnttab_op maps it only then), so the hot operations go as whole structures, a few
 * register-pair moves, rather than through a call to memcpy of a variable size. */
static void op_load(any_op_t *op, const void *slot, unsigned cmd, size_t size)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: op->map = *(const struct gnttab_map_grant_ref *)slot; break;
    case GNTTABOP_unmap_grant_ref: op->unmap = *(const struct gnttab_unmap_grant_ref *)slot; break;
    case GNTTABOP_copy: op->copy = *(const struct gnttab_copy *)slot; break;
    default: memcpy(op, slot, size); break;
    }
}

static void op_store(void *slot, const any_op_t *op, unsigned cmd, size_t size)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref: *(struct gnttab_map_grant_ref *)slot = op->map; break;
    case GNTTABOP_unmap_grant_ref: *(struct gnttab_unmap_grant_ref *)slot = op->unmap; break;
    case GNTTABOP_copy: *(struct gnttab_copy *)slot = op->copy; break;
    default: memcpy(slot, op, size); break;
    }
}

/* One operation at guest address at (mapped at slot, or NULL: copied), whole, under the
 * caller's maptrack lock: read, done, written back. 0, or the hypercall's error. */
static long op_one(gnttab_t *g, gnttab_dom_t *me, domid_t id, unsigned cmd, uint64_t at,
                   size_t size, void *slot)
{
    const gnttab_env_t *env = g->env;
    any_op_t op;
    long rc = 0;
    lock(g, me, GNTTAB_LOCK_MAPTRACK);
    if (me->closed)      /* the caller's domain is not removed under it (xen/gnttab.h) */
        rc = -XEN_EPERM; /* closed (stopping or resetting) */
    else if (!slot && env->copy_from_guest(env->ctx, id, &op, at, size))
        rc = -XEN_EFAULT;
    else {
        if (slot)
            op_load(&op, slot, cmd, size); /* looked at only in septum's copy */
        switch (cmd) {
        case GNTTABOP_map_grant_ref: op.map.status = map_one(g, me, &op.map); break;
        case GNTTABOP_unmap_grant_ref: op.unmap.status = unmap_one(g, me, &op.unmap); break;
        case GNTTABOP_setup_table: op.setup.status = setup_one(g, me, &op.setup); break;
        case GNTTABOP_copy: op.copy.status = copy_one(g, me, &op.copy); break;
        case GNTTABOP_query_size: op.query.status = query_one(g, me, &op.query); break;
        case GNTTABOP_set_version: rc = op.setv.version == 1 ? 0 : -XEN_EINVAL; break; /* v1 */
        case GNTTABOP_get_version:
            if (self_or(id, op.getv.dom) != id)
                rc = -XEN_EPERM;
            op.getv.version = 1;
            break;
        }
        if (!rc && cmd != GNTTABOP_set_version) {
            if (slot)
                op_store(slot, &op, cmd, size);
            else if (env->copy_to_guest(env->ctx, id, at, &op, size))
                rc = -XEN_EFAULT;
        }
    }
    unlock(g, me, GNTTAB_LOCK_MAPTRACK);
    return rc;
}

long gnttab_op(gnttab_t *g, domid_t id, gnttab_call_t *call)
{
    unsigned cmd = call->cmd, count = call->count;
    uint64_t uop = call->uop;
    size_t size = op_size(cmd);
    gnttab_dom_t *me = dom_of(g, id);
    if (!me)
        return -XEN_EPERM;
    if (!size)
        return -XEN_ENOSYS;
    if (count > GNTTAB_BATCH_MAX)
        return -XEN_EINVAL;
    if ((cmd == GNTTABOP_set_version || cmd == GNTTABOP_get_version) && count != 1)
        return -XEN_EINVAL;
    /* an operation array may cross pages (Linux's batches do): the env copies page by page */
    unsigned budget = g->ops_per_call ? g->ops_per_call : 1;
    unsigned n = count < budget ? count : budget;
    if (n && uop + n * size < uop)
        return -XEN_EFAULT;
    /* this call's part of the array in one mapping, when the env offers one */
    const gnttab_env_t *env = g->env;
    uint8_t *arr = n && env->array_map && uop % 8 == 0
                       ? env->array_map(env->ctx, id, uop, n * size, cmd != GNTTABOP_set_version)
                       : NULL;
    long rc = 0;
    for (unsigned i = 0; i < n && !rc; i++)
        rc = op_one(g, me, id, cmd, uop + i * size, size, arr ? arr + i * size : NULL);
    if (arr)
        env->array_unmap(env->ctx, arr);
    if (!rc && n < count) {
        /* Xen's continuation: the rest of the array, the same command */
        call->uop = uop + n * size;
        call->count = count - n;
        return GNTTAB_CONTINUE;
    }
    return rc;
}

/* Close a domain: from now on it neither maps, copies nor is mapped or copied from. */
static void set_closed(gnttab_t *g, gnttab_dom_t *d, domid_t id, bool closed)
{
    lock(g, d, GNTTAB_LOCK_MAPTRACK);
    lock(g, d, GNTTAB_LOCK_TABLE);
    if (is_dom(d, id))
        d->closed = closed;
    unlock(g, d, GNTTAB_LOCK_TABLE);
    unlock(g, d, GNTTAB_LOCK_MAPTRACK);
}

__attribute__((cold)) unsigned gnttab_domain_teardown(gnttab_t *g, domid_t id)
{
    gnttab_dom_t *me = dom_of(g, id);
    unsigned stuck = 0;
    if (!me)
        return 0;
    set_closed(g, me, id, true);
    /* Every mapping held by a domain of its grants, and its own mappings of others', one at a
     * time under that domain's maptrack lock. Taking each maptrack lock also waits for any
     * operation that pinned one of its grants before it was closed (xen/gnttab.h). */
    for (unsigned d = 0; d < GNTTAB_DOM_MAX; d++) {
        gnttab_dom_t *o = &g->dom[d];
        if (!__atomic_load_n(&o->live, __ATOMIC_ACQUIRE))
            continue;
        domid_t oid = __atomic_load_n(&o->id, __ATOMIC_RELAXED);
        for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++) {
            lock(g, o, GNTTAB_LOCK_MAPTRACK);
            gnttab_map_t *m = &o->map[i];
            if (is_dom(o, oid) && m->live && (o == me || m->granter == id) &&
                !drop_mapping(g, o, m))
                stuck++;
            unlock(g, o, GNTTAB_LOCK_MAPTRACK);
        }
    }
    return stuck;
}

__attribute__((cold)) void gnttab_domain_reset(gnttab_t *g, domid_t id)
{
    gnttab_domain_teardown(g, id);
    gnttab_dom_t *d = dom_of(g, id);
    if (!d)
        return;
    /* a new incarnation: no grant of the old one survives, and its table starts at one frame */
    lock(g, d, GNTTAB_LOCK_MAPTRACK);
    lock(g, d, GNTTAB_LOCK_TABLE);
    memset(d->entries, 0, d->max_frames * XEN_PAGE_SIZE);
    d->nr_frames = 1;
    d->closed = false;
    unlock(g, d, GNTTAB_LOCK_TABLE);
    unlock(g, d, GNTTAB_LOCK_MAPTRACK);
}

__attribute__((cold)) unsigned gnttab_remove_domain(gnttab_t *g, domid_t id)
{
    unsigned stuck = gnttab_domain_teardown(g, id);
    gnttab_dom_t *d = dom_of(g, id);
    if (d) {
        lock(g, d, GNTTAB_LOCK_MAPTRACK);
        lock(g, d, GNTTAB_LOCK_TABLE);
        __atomic_store_n(&d->live, false, __ATOMIC_RELEASE);
        unlock(g, d, GNTTAB_LOCK_TABLE);
        unlock(g, d, GNTTAB_LOCK_MAPTRACK);
    }
    return stuck;
}

int gnttab_grow(gnttab_t *g, domid_t dom, unsigned nr_frames)
{
    gnttab_dom_t *d = dom_of(g, dom);
    int rc = -1;
    if (!d)
        return rc;
    lock(g, d, GNTTAB_LOCK_TABLE);
    if (is_dom(d, dom) && nr_frames <= d->max_frames) {
        if (d->nr_frames < nr_frames)
            d->nr_frames = nr_frames;
        rc = 0;
    }
    unlock(g, d, GNTTAB_LOCK_TABLE);
    return rc;
}
