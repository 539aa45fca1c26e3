/*
 * The grant-table engine (see core/xen/include/xen/gnttab.h). The granting guest writes its
 * entries concurrently, so every change of an entry's flags is a compare-and-swap that keeps
 * the guest's own bits, and GTF_reading/GTF_writing stay set while septum's own count of
 * mappings says so; the guest can revoke (clear the flags) only when neither is set.
 */
#include <string.h>
#include <xen/gnttab.h>

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
}

static gnttab_dom_t *dom_of(gnttab_t *g, domid_t id)
{
    for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
        if (g->dom[i].live && g->dom[i].id == id)
            return &g->dom[i];
    return NULL;
}

int gnttab_add_domain(gnttab_t *g, domid_t id, grant_entry_v1_t *entries, uint16_t *readers,
                      uint16_t *writers, unsigned nr_frames, unsigned max_frames)
{
    if (id >= DOMID_SELF || dom_of(g, id) || !entries || !readers || !writers ||
        nr_frames > max_frames || max_frames == 0 || max_frames > GNTTAB_MAX_FRAMES)
        return -XEN_EINVAL;
    for (unsigned i = 0; i < GNTTAB_DOM_MAX; i++)
        if (!g->dom[i].live) {
            gnttab_dom_t *d = &g->dom[i];
            memset(d, 0, sizeof(*d));
            *d = (gnttab_dom_t){true, id, entries, nr_frames, max_frames, readers, writers, {{0}}};
            memset(entries, 0, max_frames * XEN_PAGE_SIZE);
            memset(readers, 0, max_frames * GRANTS_PER_FRAME * sizeof(uint16_t));
            memset(writers, 0, max_frames * GRANTS_PER_FRAME * sizeof(uint16_t));
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

/* Pin entry ref of d for a mapping by mapper: checks the entry and sets GTF_reading/writing. */
static int16_t pin(gnttab_dom_t *d, grant_ref_t ref, domid_t mapper, bool readonly, uint64_t *frame)
{
    if (ref >= nr_entries(d))
        return GNTST_bad_gntref;
    grant_entry_v1_t *e = &d->entries[ref];
    /* the guest writes domid and frame, then flags with a barrier: read flags first */
    uint16_t f = flags_load(e);
    if ((f & GTF_type_mask) != GTF_permit_access)
        return GNTST_bad_gntref;
    if (__atomic_load_n(&e->domid, __ATOMIC_RELAXED) != mapper)
        return GNTST_permission_denied;
    if (!readonly && (f & GTF_readonly))
        return GNTST_permission_denied;
    uint16_t need_mask = GTF_type_mask | (readonly ? 0 : GTF_readonly);
    if (!flags_update(e, readonly ? GTF_reading : (GTF_reading | GTF_writing), 0, need_mask,
                      GTF_permit_access))
        return GNTST_permission_denied; /* revoked or made read-only meanwhile */
    *frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
    d->readers[ref]++;
    if (!readonly)
        d->writers[ref]++;
    return GNTST_okay;
}

static void unpin(gnttab_dom_t *d, grant_ref_t ref, bool readonly)
{
    if (!readonly && d->writers[ref])
        d->writers[ref]--;
    if (d->readers[ref])
        d->readers[ref]--;
    uint16_t clear = (uint16_t)((d->writers[ref] ? 0 : GTF_writing) |
                                (d->readers[ref] ? 0 : GTF_reading));
    if (clear)
        flags_update(&d->entries[ref], 0, clear, 0, 0);
}

static int16_t map_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_map_grant_ref *op)
{
    const gnttab_env_t *env = g->env;
    op->handle = ~0U;
    op->dev_bus_addr = 0;
    if (!(op->flags & GNTMAP_host_map) || (op->flags & ~(GNTMAP_host_map | GNTMAP_readonly)))
        return GNTST_general_error; /* device mappings and other forms are not offered */
    domid_t gid = self_or(me->id, op->dom);
    gnttab_dom_t *granter = dom_of(g, gid);
    if (!granter || gid == me->id)
        return GNTST_bad_domain;
    if (!env->may_talk(env->ctx, me->id, gid))
        return GNTST_permission_denied;
    if (op->host_addr % XEN_PAGE_SIZE || !env->host_addr_ok(env->ctx, me->id, op->host_addr))
        return GNTST_bad_virt_addr;
    for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++)
        if (me->map[i].live && me->map[i].host_addr == op->host_addr)
            return GNTST_bad_virt_addr; /* already holds a mapping there */
    unsigned slot = GNTTAB_MAPTRACK_MAX;
    for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX && slot == GNTTAB_MAPTRACK_MAX; i++)
        if (!me->map[i].live)
            slot = i;
    if (slot == GNTTAB_MAPTRACK_MAX)
        return GNTST_no_space;
    bool ro = (op->flags & GNTMAP_readonly) != 0;
    uint64_t frame, hpa;
    int16_t st = pin(granter, op->ref, me->id, ro, &frame);
    if (st != GNTST_okay)
        return st;
    if (!env->own_frame(env->ctx, gid, frame, &hpa)) {
        unpin(granter, op->ref, ro);
        return GNTST_bad_page;
    }
    if (env->map(env->ctx, me->id, op->host_addr, hpa, ro, &me->map[slot]) != 0) {
        unpin(granter, op->ref, ro);
        return GNTST_general_error;
    }
    me->map[slot] = (gnttab_map_t){true, gid, op->ref, ro, op->host_addr};
    op->handle = slot;
    return GNTST_okay;
}

/* Undo one mapping: stage 2 first; only once the frame is gone from the mapper's stage 2 is
 * the pin dropped (so the granter can revoke, and its frame be freed). False if the unmap
 * failed: the mapping and its pin stay. */
static bool drop_mapping(gnttab_t *g, gnttab_dom_t *me, gnttab_map_t *m)
{
    if (g->env->unmap(g->env->ctx, me->id, m->host_addr) != 0)
        return false;
    gnttab_dom_t *granter = dom_of(g, m->granter);
    if (granter && m->ref < nr_entries(granter))
        unpin(granter, m->ref, m->readonly);
    m->live = false;
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

/* One side of a copy: a granted frame (pinned for the copy) or one of the caller's own. */
static int16_t copy_side(gnttab_t *g, gnttab_dom_t *me, const struct gnttab_copy_ptr *p,
                         bool by_ref, bool write, uint8_t **ptr, gnttab_dom_t **pinned)
{
    const gnttab_env_t *env = g->env;
    domid_t id = self_or(me->id, p->domid);
    uint64_t frame = p->u.gmfn, hpa;
    *pinned = NULL;
    if (by_ref) {
        gnttab_dom_t *d = dom_of(g, id);
        if (!d)
            return GNTST_bad_domain;
        if (id != me->id && !env->may_talk(env->ctx, me->id, id))
            return GNTST_permission_denied;
        int16_t st = pin(d, p->u.ref, me->id, !write, &frame);
        if (st != GNTST_okay)
            return st;
        *pinned = d;
    } else if (id != me->id) {
        return GNTST_permission_denied; /* only one's own frames by number */
    }
    if (!env->own_frame(env->ctx, id, frame, &hpa)) {
        if (*pinned)
            unpin(*pinned, p->u.ref, !write);
        *pinned = NULL;
        return GNTST_bad_page;
    }
    *ptr = env->frame_map(env->ctx, hpa, write);
    if (!*ptr) {
        if (*pinned)
            unpin(*pinned, p->u.ref, !write);
        *pinned = NULL;
        return GNTST_general_error;
    }
    return GNTST_okay;
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
        memmove(dst + op->dest.offset, src + op->source.offset, op->len);
        g->env->frame_unmap(g->env->ctx, dst);
    }
    g->env->frame_unmap(g->env->ctx, src);
    if (pd)
        unpin(pd, op->dest.u.ref, false);
    if (ps)
        unpin(ps, op->source.u.ref, true);
    return st;
}

static int16_t query_one(gnttab_dom_t *me, struct gnttab_query_size *op)
{
    if (self_or(me->id, op->dom) != me->id)
        return GNTST_permission_denied;
    op->nr_frames = me->nr_frames;
    op->max_nr_frames = me->max_frames;
    return GNTST_okay;
}

static int16_t setup_one(gnttab_t *g, gnttab_dom_t *me, struct gnttab_setup_table *op)
{
    if (self_or(me->id, op->dom) != me->id)
        return GNTST_permission_denied;
    if (op->nr_frames > me->max_frames)
        return GNTST_general_error;
    if (op->nr_frames > me->nr_frames)
        me->nr_frames = op->nr_frames; /* tables only grow */
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

long gnttab_op(gnttab_t *g, domid_t id, unsigned cmd, uint64_t uop, unsigned count)
{
    gnttab_dom_t *me = dom_of(g, id);
    size_t size = op_size(cmd);
    if (!me)
        return -XEN_EPERM;
    if (!size)
        return -XEN_ENOSYS;
    if (count > GNTTAB_BATCH_MAX)
        return -XEN_EINVAL;
    if ((cmd == GNTTABOP_set_version || cmd == GNTTABOP_get_version) && count != 1)
        return -XEN_EINVAL;
    /* an operation array lies within one page of the caller's memory */
    if (count && (uop % XEN_PAGE_SIZE) + (uint64_t)count * size > XEN_PAGE_SIZE)
        return -XEN_EFAULT;
    union {
        struct gnttab_map_grant_ref map;
        struct gnttab_unmap_grant_ref unmap;
        struct gnttab_setup_table setup;
        struct gnttab_copy copy;
        struct gnttab_query_size query;
        struct gnttab_set_version setv;
        struct gnttab_get_version getv;
    } op;
    const gnttab_env_t *env = g->env;
    for (unsigned i = 0; i < count; i++) {
        uint64_t at = uop + i * size;
        if (at < uop || env->copy_from_guest(env->ctx, id, &op, at, size))
            return -XEN_EFAULT;
        switch (cmd) {
        case GNTTABOP_map_grant_ref: op.map.status = map_one(g, me, &op.map); break;
        case GNTTABOP_unmap_grant_ref: op.unmap.status = unmap_one(g, me, &op.unmap); break;
        case GNTTABOP_setup_table: op.setup.status = setup_one(g, me, &op.setup); break;
        case GNTTABOP_copy: op.copy.status = copy_one(g, me, &op.copy); break;
        case GNTTABOP_query_size: op.query.status = query_one(me, &op.query); break;
        case GNTTABOP_set_version: return op.setv.version == 1 ? 0 : -XEN_EINVAL; /* v1 only */
        case GNTTABOP_get_version:
            if (self_or(id, op.getv.dom) != id)
                return -XEN_EPERM;
            op.getv.version = 1;
            break;
        }
        if (env->copy_to_guest(env->ctx, id, at, &op, size))
            return -XEN_EFAULT;
    }
    return 0;
}

unsigned gnttab_domain_teardown(gnttab_t *g, domid_t id)
{
    gnttab_dom_t *me = dom_of(g, id);
    unsigned stuck = 0;
    if (!me)
        return 0;
    /* its own mappings of others' grants */
    for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++)
        if (me->map[i].live && !drop_mapping(g, me, &me->map[i]))
            stuck++;
    /* everyone's mappings of its grants */
    for (unsigned d = 0; d < GNTTAB_DOM_MAX; d++) {
        gnttab_dom_t *o = &g->dom[d];
        if (!o->live || o == me)
            continue;
        for (unsigned i = 0; i < GNTTAB_MAPTRACK_MAX; i++)
            if (o->map[i].live && o->map[i].granter == id && !drop_mapping(g, o, &o->map[i]))
                stuck++;
    }
    return stuck;
}

void gnttab_domain_reset(gnttab_t *g, domid_t id)
{
    gnttab_domain_teardown(g, id);
    gnttab_dom_t *d = dom_of(g, id);
    if (!d)
        return;
    /* a new incarnation: no grant of the old one survives, and its table starts at one frame */
    memset(d->entries, 0, d->max_frames * XEN_PAGE_SIZE);
    d->nr_frames = 1;
}

unsigned gnttab_remove_domain(gnttab_t *g, domid_t id)
{
    unsigned stuck = gnttab_domain_teardown(g, id);
    gnttab_dom_t *d = dom_of(g, id);
    if (d)
        d->live = false;
    return stuck;
}

int gnttab_grow(gnttab_t *g, domid_t dom, unsigned nr_frames)
{
    gnttab_dom_t *d = dom_of(g, dom);
    if (!d || nr_frames > d->max_frames)
        return -1;
    if (d->nr_frames < nr_frames)
        d->nr_frames = nr_frames;
    return 0;
}
