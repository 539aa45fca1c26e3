/*
 * The event-channel engine (see xen/evtchn.h): each domain's port table, the EVTCHNOP_*
 * commands of the 2-level ABI, delivery into the guest's shared_info and vcpu_info words, ports
 * septum itself ends, channels the description declares, and the teardown that closes a
 * stopping domain's ports so that its peers see them unbound. Machine-independent: the VM side
 * (guest memory, pairing, the upcall interrupt) is core/xen/domain.c's env.
 */
#include <string.h>
#include <xen/evtchn.h>

#define BITS       64U
#define PORT_OK(p) ((p) > 0 && (p) < EVTCHN_PORTS)

/* ---- locks: a fair ticket lock per domain ---- */

static void lock(evtchn_t *e, evtchn_dom_t *d)
{
    uint32_t me = __atomic_fetch_add(&d->lock.next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&d->lock.owner, __ATOMIC_ACQUIRE) != me)
        e->env->relax(e->env->ctx);
}

static void unlock(evtchn_dom_t *d)
{
    __atomic_store_n(&d->lock.owner, d->lock.owner + 1, __ATOMIC_RELEASE);
}

/* Two domains' locks, the lower id first (the one order between domains). */
static void lock_two(evtchn_t *e, evtchn_dom_t *a, evtchn_dom_t *b)
{
    if (a == b) {
        lock(e, a);
    } else if (a->id < b->id) {
        lock(e, a);
        lock(e, b);
    } else {
        lock(e, b);
        lock(e, a);
    }
}

static void unlock_two(evtchn_dom_t *a, evtchn_dom_t *b)
{
    unlock(a);
    if (b != a)
        unlock(b);
}

/* The domain with this id. Domains are added at boot and only ever retired (live cleared), so
 * the answer is a hint to be checked again under the domain's lock where it matters. */
static evtchn_dom_t *find(evtchn_t *e, domid_t id)
{
    for (unsigned i = 0; i < EVTCHN_DOM_MAX; i++)
        if (__atomic_load_n(&e->dom[i].live, __ATOMIC_ACQUIRE) && e->dom[i].id == id)
            return &e->dom[i];
    return NULL;
}

/* ---- the event words ---- */

static uint8_t *shinfo(evtchn_dom_t *d) { return d->shared ? d->shared : (uint8_t *)d->own; }
static uint64_t *pending_words(evtchn_dom_t *d)
{
    return (uint64_t *)(void *)(shinfo(d) + XEN_SHINFO_PENDING);
}
static uint64_t *mask_words(evtchn_dom_t *d)
{
    return (uint64_t *)(void *)(shinfo(d) + XEN_SHINFO_MASK);
}

/* vCPU v's vcpu_info: the one it registered, else shared_info's slot for the first vCPUs. */
static uint8_t *vinfo(evtchn_dom_t *d, unsigned v)
{
    if (d->vcpu_info[v])
        return d->vcpu_info[v];
    return v < XEN_LEGACY_MAX_VCPUS ? shinfo(d) + v * XEN_VCPU_INFO_SIZE : NULL;
}

/* Word w has news for vCPU v: its pending_sel says so and, on the vCPU's first news, the upcall
 * is raised. Under d's lock. */
static void notify_vcpu(evtchn_t *e, evtchn_dom_t *d, unsigned v, unsigned w)
{
    uint8_t *vi = vinfo(d, v);
    if (!vi)
        return; /* it has nowhere to be told: the event stays pending */
    uint64_t *sel = (uint64_t *)(void *)(vi + XEN_VCPU_PENDING_SEL);
    if (__atomic_fetch_or(sel, 1ULL << w, __ATOMIC_SEQ_CST) & (1ULL << w))
        return; /* the guest has not looked at that word since it was last told */
    if (__atomic_exchange_n(vi + XEN_VCPU_UPCALL_PENDING, (uint8_t)1, __ATOMIC_SEQ_CST))
        return; /* an upcall is on its way already */
    e->env->upcall(e->env->ctx, d->id, v);
}

/* Port p of d is pending; tell its vCPU unless it already was or is masked. Under d's lock. */
static void set_pending(evtchn_t *e, evtchn_dom_t *d, evtchn_port_t p)
{
    uint64_t bit = 1ULL << (p % BITS);
    if (__atomic_fetch_or(&pending_words(d)[p / BITS], bit, __ATOMIC_SEQ_CST) & bit)
        return;
    if (__atomic_load_n(&mask_words(d)[p / BITS], __ATOMIC_SEQ_CST) & bit)
        return; /* masked: pending, and told when unmasked */
    notify_vcpu(e, d, d->port[p].vcpu, p / BITS);
}

/* ---- ports ---- */

static evtchn_port_t free_port(evtchn_dom_t *d)
{
    for (evtchn_port_t p = 1; p < EVTCHN_PORTS; p++)
        if (d->port[p].state == EVTCHNSTAT_closed)
            return p;
    return 0;
}

/* d's lock, and with it the lock of the domain its port p is bound to when that is another
 * domain: the peer (d itself for a loopback or any other state), both locks held. */
static evtchn_dom_t *lock_with_peer(evtchn_t *e, evtchn_dom_t *d, evtchn_port_t p)
{
    for (;;) {
        lock(e, d);
        evtchn_slot_t s = d->port[p];
        if (s.state != EVTCHNSTAT_interdomain || s.remote_dom == d->id)
            return d;
        evtchn_dom_t *r = find(e, s.remote_dom);
        if (!r)
            return d; /* cannot be: a bound peer is live until its teardown unbinds us */
        if (d->id < r->id) {
            lock(e, r);
            return r;
        }
        unlock(d);
        lock_two(e, d, r);
        if (d->port[p].state == s.state && d->port[p].remote_dom == s.remote_dom)
            return r;
        unlock_two(d, r); /* it changed while no lock was held: look again */
    }
}

/* Close port p of d (free, or unbound when its peer closes). 0 or -XEN_EINVAL. */
static long close_port(evtchn_t *e, evtchn_dom_t *d, evtchn_port_t p)
{
    if (!PORT_OK(p))
        return -XEN_EINVAL;
    evtchn_dom_t *r = lock_with_peer(e, d, p);
    evtchn_slot_t *s = &d->port[p];
    long rc = 0;
    switch (s->state) {
    case EVTCHNSTAT_closed: rc = -XEN_EINVAL; break;
    case EVTCHNSTAT_interdomain:
        if (r->id == s->remote_dom && PORT_OK(s->remote)) {
            evtchn_slot_t *t = &r->port[s->remote];
            if (t->state == EVTCHNSTAT_interdomain && t->remote_dom == d->id && t->remote == p) {
                /* the peer's end waits for us again, as on Xen */
                t->state = EVTCHNSTAT_unbound;
                t->remote = 0;
            }
        }
        break;
    case EVTCHNSTAT_virq:
        if (s->vcpu < EVTCHN_VCPU_MAX && d->virq_timer[s->vcpu] == p)
            d->virq_timer[s->vcpu] = 0;
        break;
    default: break; /* unbound, septum's */
    }
    if (!rc) {
        *s = (evtchn_slot_t){0};
        __atomic_fetch_and(&pending_words(d)[p / BITS], ~(1ULL << (p % BITS)), __ATOMIC_SEQ_CST);
    }
    unlock_two(d, r);
    return rc;
}

/* ---- the commands ---- */

#define COPY_IN(e, d, x, arg)                                                                      \
    ((e)->env->copy_from_guest((e)->env->ctx, (d)->id, &(x), (arg), sizeof(x)) ? -XEN_EFAULT : 0)
#define COPY_OUT(e, d, arg, x)                                                                     \
    ((e)->env->copy_to_guest((e)->env->ctx, (d)->id, (arg), &(x), sizeof(x)) ? -XEN_EFAULT : 0)

static bool self(const evtchn_dom_t *d, domid_t id) { return id == DOMID_SELF || id == d->id; }

/* The domain d may open a channel with: itself, or a live domain paired with it. */
static long peer_of(evtchn_t *e, evtchn_dom_t *d, domid_t id, evtchn_dom_t **r)
{
    if (self(d, id)) {
        *r = d;
        return 0;
    }
    if (!(*r = find(e, id)))
        return -XEN_ESRCH;
    return e->env->may_talk(e->env->ctx, d->id, id) ? 0 : -XEN_EPERM;
}

static long alloc_unbound(evtchn_t *e, evtchn_dom_t *d, uint64_t arg)
{
    struct evtchn_alloc_unbound a;
    evtchn_dom_t *r;
    long rc = COPY_IN(e, d, a, arg);
    if (rc)
        return rc;
    if (!self(d, a.dom))
        return -XEN_EPERM;
    if ((rc = peer_of(e, d, a.remote_dom, &r)))
        return rc;
    lock(e, d);
    evtchn_port_t p = d->closed ? 0 : free_port(d);
    if (p)
        d->port[p] = (evtchn_slot_t){EVTCHNSTAT_unbound, 0, r->id, 0, NULL, NULL};
    unlock(d);
    if (!p)
        return d->closed ? -XEN_EPERM : -XEN_ENOSPC;
    a.port = p;
    return COPY_OUT(e, d, arg, a); /* as on Xen, a port allocated stays so if this fails */
}

static long bind_interdomain(evtchn_t *e, evtchn_dom_t *d, uint64_t arg)
{
    struct evtchn_bind_interdomain b;
    evtchn_dom_t *r;
    long rc = COPY_IN(e, d, b, arg);
    if (rc)
        return rc;
    if ((rc = peer_of(e, d, b.remote_dom, &r)))
        return rc;
    lock_two(e, d, r);
    evtchn_port_t lp = 0;
    evtchn_slot_t *t = PORT_OK(b.remote_port) ? &r->port[b.remote_port] : NULL;
    if (d->closed)
        rc = -XEN_EPERM;
    else if (r->closed || !r->live)
        rc = -XEN_ESRCH;
    else if (!t || t->state != EVTCHNSTAT_unbound || t->remote_dom != d->id)
        rc = -XEN_EINVAL;
    else if (!(lp = free_port(d)))
        rc = -XEN_ENOSPC;
    if (!rc) {
        d->port[lp] = (evtchn_slot_t){EVTCHNSTAT_interdomain, 0, r->id, b.remote_port, NULL, NULL};
        t->state = EVTCHNSTAT_interdomain;
        t->remote_dom = d->id;
        t->remote = lp;
        set_pending(e, d, lp); /* as Xen does: the new port starts with an event */
    }
    unlock_two(d, r);
    if (rc)
        return rc;
    b.local_port = lp;
    return COPY_OUT(e, d, arg, b);
}

static long send(evtchn_t *e, evtchn_dom_t *d, evtchn_port_t p)
{
    if (!PORT_OK(p))
        return -XEN_EINVAL;
    evtchn_dom_t *r = lock_with_peer(e, d, p);
    evtchn_slot_t s = d->port[p];
    long rc = 0;
    switch (s.state) {
    case EVTCHNSTAT_interdomain:
        if (r->id == s.remote_dom && PORT_OK(s.remote))
            set_pending(e, r, s.remote);
        break;
    case EVTCHNSTAT_unbound: break; /* nobody listens yet: dropped, as on Xen */
    case EVTCHN_SEPTUM: break;      /* the handler runs below, with no lock held */
    default: rc = -XEN_EINVAL; break;
    }
    unlock_two(d, r);
    if (s.state == EVTCHN_SEPTUM && s.handler)
        s.handler(s.cookie, d->id, p);
    return rc;
}

static long unmask(evtchn_t *e, evtchn_dom_t *d, evtchn_port_t p)
{
    if (p >= EVTCHN_PORTS)
        return -XEN_EINVAL;
    uint64_t bit = 1ULL << (p % BITS);
    lock(e, d);
    /* as Xen: only a port that was masked and is pending is told now */
    if ((__atomic_fetch_and(&mask_words(d)[p / BITS], ~bit, __ATOMIC_SEQ_CST) & bit) &&
        (__atomic_load_n(&pending_words(d)[p / BITS], __ATOMIC_SEQ_CST) & bit))
        notify_vcpu(e, d, d->port[p].vcpu, p / BITS);
    unlock(d);
    return 0;
}

static long status(evtchn_t *e, evtchn_dom_t *d, uint64_t arg)
{
    struct evtchn_status st;
    long rc = COPY_IN(e, d, st, arg);
    if (rc)
        return rc;
    if (!self(d, st.dom))
        return -XEN_EPERM;
    if (st.port >= EVTCHN_PORTS)
        return -XEN_EINVAL;
    lock(e, d);
    evtchn_slot_t s = d->port[st.port];
    unlock(d);
    memset(&st.u, 0, sizeof(st.u));
    st.vcpu = s.vcpu;
    st.status = s.state == EVTCHN_SEPTUM ? EVTCHNSTAT_interdomain : s.state;
    if (s.state == EVTCHNSTAT_unbound)
        st.u.unbound.dom = s.remote_dom;
    else if (s.state == EVTCHNSTAT_interdomain)
        st.u.interdomain.dom = s.remote_dom, st.u.interdomain.port = s.remote;
    else if (s.state == EVTCHN_SEPTUM)
        st.u.interdomain.dom = DOMID_XEN;
    else if (s.state == EVTCHNSTAT_virq)
        st.u.virq = s.remote;
    return COPY_OUT(e, d, arg, st);
}

static long bind_vcpu(evtchn_t *e, evtchn_dom_t *d, uint64_t arg)
{
    struct evtchn_bind_vcpu b;
    long rc = COPY_IN(e, d, b, arg);
    if (rc)
        return rc;
    if (b.vcpu >= d->vcpu_num)
        return -XEN_ENOENT;
    if (!PORT_OK(b.port))
        return -XEN_EINVAL;
    lock(e, d);
    evtchn_slot_t *s = &d->port[b.port];
    if (s->state == EVTCHNSTAT_unbound || s->state == EVTCHNSTAT_interdomain ||
        s->state == EVTCHN_SEPTUM)
        s->vcpu = (uint8_t)b.vcpu;
    else
        rc = -XEN_EINVAL; /* free, or a per-vCPU VIRQ, which stays on its vCPU */
    unlock(d);
    return rc;
}

static long bind_virq(evtchn_t *e, evtchn_dom_t *d, uint64_t arg)
{
    struct evtchn_bind_virq b;
    long rc = COPY_IN(e, d, b, arg);
    if (rc)
        return rc;
    if (b.virq != VIRQ_TIMER)
        return -XEN_EINVAL; /* the only VIRQ a statically partitioned VM has (docs/design.md) */
    if (b.vcpu >= d->vcpu_num)
        return -XEN_ENOENT;
    lock(e, d);
    evtchn_port_t p = 0;
    if (d->closed)
        rc = -XEN_EPERM;
    else if (d->virq_timer[b.vcpu])
        rc = -XEN_EEXIST;
    else if (!(p = free_port(d)))
        rc = -XEN_ENOSPC;
    if (!rc) {
        d->port[p] = (evtchn_slot_t){EVTCHNSTAT_virq, (uint8_t)b.vcpu, 0, b.virq, NULL, NULL};
        d->virq_timer[b.vcpu] = p;
    }
    unlock(d);
    if (rc)
        return rc;
    b.port = p;
    return COPY_OUT(e, d, arg, b);
}

static void close_all(evtchn_t *e, evtchn_dom_t *d)
{
    for (evtchn_port_t p = 1; p < EVTCHN_PORTS; p++)
        if (__atomic_load_n(&d->port[p].state, __ATOMIC_RELAXED) != EVTCHNSTAT_closed)
            (void)close_port(e, d, p); /* a port freed meanwhile answers -EINVAL: fine */
}

long evtchn_op(evtchn_t *e, domid_t dom, unsigned cmd, uint64_t arg)
{
    evtchn_dom_t *d = find(e, dom);
    if (!d)
        return -XEN_EPERM;
    union {
        struct evtchn_send send;
        struct evtchn_close close;
        struct evtchn_unmask unmask;
        struct evtchn_reset reset;
    } u;
    long rc;
    switch (cmd) {
    case EVTCHNOP_alloc_unbound: return alloc_unbound(e, d, arg);
    case EVTCHNOP_bind_interdomain: return bind_interdomain(e, d, arg);
    case EVTCHNOP_bind_virq: return bind_virq(e, d, arg);
    case EVTCHNOP_status: return status(e, d, arg);
    case EVTCHNOP_bind_vcpu: return bind_vcpu(e, d, arg);
    case EVTCHNOP_send: return (rc = COPY_IN(e, d, u.send, arg)) ? rc : send(e, d, u.send.port);
    case EVTCHNOP_close:
        return (rc = COPY_IN(e, d, u.close, arg)) ? rc : close_port(e, d, u.close.port);
    case EVTCHNOP_unmask:
        return (rc = COPY_IN(e, d, u.unmask, arg)) ? rc : unmask(e, d, u.unmask.port);
    case EVTCHNOP_reset:
        if ((rc = COPY_IN(e, d, u.reset, arg)))
            return rc;
        if (!self(d, u.reset.dom))
            return -XEN_EPERM;
        close_all(e, d);
        return 0;
    default: return -XEN_ENOSYS; /* FIFO ABI (Linux then uses 2-level), PIRQs, IPIs, priority */
    }
}

/* ---- septum's side ---- */

void evtchn_init(evtchn_t *e, const evtchn_env_t *env)
{
    memset(e, 0, sizeof(*e));
    e->env = env;
}

__attribute__((cold)) int evtchn_add_domain(evtchn_t *e, domid_t id, unsigned vcpu_num)
{
    if (find(e, id) || !vcpu_num || vcpu_num > EVTCHN_VCPU_MAX || id >= DOMID_SELF)
        return -1;
    for (unsigned i = 0; i < EVTCHN_DOM_MAX; i++) {
        evtchn_dom_t *d = &e->dom[i];
        if (d->live || d->id)
            continue; /* a retired slot keeps its id: a stale lookup never finds another */
        evtchn_lock_t l = d->lock;
        memset(d, 0, sizeof(*d));
        d->lock = l;
        d->id = id;
        d->vcpu_num = vcpu_num;
        __atomic_store_n(&d->live, true, __ATOMIC_RELEASE);
        return 0;
    }
    return -1;
}

/* Move vCPU v's news (pending_sel, upcall_pending) from one vcpu_info to another. */
static void move_news(uint8_t *from, uint8_t *to)
{
    if (!from || !to || from == to)
        return;
    uint64_t *fs = (uint64_t *)(void *)(from + XEN_VCPU_PENDING_SEL);
    uint64_t *ts = (uint64_t *)(void *)(to + XEN_VCPU_PENDING_SEL);
    __atomic_store_n(ts, __atomic_load_n(fs, __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
    __atomic_store_n(to + XEN_VCPU_UPCALL_PENDING,
                     __atomic_load_n(from + XEN_VCPU_UPCALL_PENDING, __ATOMIC_SEQ_CST),
                     __ATOMIC_SEQ_CST);
}

/* After the words moved: whatever is pending and unmasked is told again (a spurious upcall is
 * harmless, a lost one is not). Under d's lock. */
static void retell(evtchn_t *e, evtchn_dom_t *d)
{
    for (unsigned w = 0; w < (EVTCHN_PORTS + BITS - 1) / BITS; w++) {
        uint64_t news = __atomic_load_n(&pending_words(d)[w], __ATOMIC_SEQ_CST) &
                        ~__atomic_load_n(&mask_words(d)[w], __ATOMIC_SEQ_CST);
        for (evtchn_port_t p = w * BITS; news && p < EVTCHN_PORTS; p++, news >>= 1)
            if (news & 1) {
                uint8_t *vi = vinfo(d, d->port[p].vcpu);
                if (vi)
                    __atomic_fetch_and((uint64_t *)(void *)(vi + XEN_VCPU_PENDING_SEL),
                                       ~(1ULL << w), __ATOMIC_SEQ_CST);
                notify_vcpu(e, d, d->port[p].vcpu, w);
            }
    }
}

__attribute__((cold)) void *evtchn_set_shared_info(evtchn_t *e, domid_t dom, void *shared_info)
{
    evtchn_dom_t *d = find(e, dom);
    if (!d)
        return NULL;
    lock(e, d);
    uint8_t *old = shinfo(d), *now = shared_info ? shared_info : (uint8_t *)d->own;
    if (now != old) {
        for (unsigned w = 0; w < (EVTCHN_PORTS + BITS - 1) / BITS; w++) {
            uint64_t *op = (uint64_t *)(void *)(old + XEN_SHINFO_PENDING);
            uint64_t *om = (uint64_t *)(void *)(old + XEN_SHINFO_MASK);
            uint64_t *np = (uint64_t *)(void *)(now + XEN_SHINFO_PENDING);
            uint64_t *nm = (uint64_t *)(void *)(now + XEN_SHINFO_MASK);
            __atomic_store_n(&np[w], __atomic_load_n(&op[w], __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
            __atomic_store_n(&nm[w], __atomic_load_n(&om[w], __ATOMIC_SEQ_CST), __ATOMIC_SEQ_CST);
        }
        for (unsigned v = 0; v < XEN_LEGACY_MAX_VCPUS && v < d->vcpu_num; v++)
            if (!d->vcpu_info[v])
                move_news(old + v * XEN_VCPU_INFO_SIZE, now + v * XEN_VCPU_INFO_SIZE);
    }
    void *was = d->shared;
    d->shared = shared_info;
    retell(e, d);
    unlock(d);
    return was;
}

__attribute__((cold)) void *evtchn_set_vcpu_info(evtchn_t *e, domid_t dom, unsigned vcpu,
                                                 void *vcpu_info)
{
    evtchn_dom_t *d = find(e, dom);
    if (!d || vcpu >= d->vcpu_num)
        return NULL;
    lock(e, d);
    uint8_t *old = vinfo(d, vcpu);
    void *was = d->vcpu_info[vcpu];
    d->vcpu_info[vcpu] = vcpu_info;
    uint8_t *now = vinfo(d, vcpu);
    move_news(old, now);
    /* A new vcpu_info may say an upcall is pending (its registration marks everything pending,
     * as Xen does, when there was no earlier place to move news from: every vCPU past the
     * first on Arm). Say it with the interrupt too, or the flag stays set with no upcall coming,
     * and notify_vcpu never raises one for that vCPU again. (retell below raises one only where
     * the flag was clear.) */
    if (now && __atomic_load_n(now + XEN_VCPU_UPCALL_PENDING, __ATOMIC_SEQ_CST))
        e->env->upcall(e->env->ctx, d->id, vcpu);
    retell(e, d);
    unlock(d);
    return was;
}

__attribute__((cold)) long evtchn_bind_septum(evtchn_t *e, domid_t dom, evtchn_handler_t handler,
                                              void *cookie)
{
    evtchn_dom_t *d = find(e, dom);
    if (!d)
        return -XEN_EPERM;
    lock(e, d);
    evtchn_port_t p = d->closed ? 0 : free_port(d);
    if (p)
        d->port[p] = (evtchn_slot_t){EVTCHN_SEPTUM, 0, DOMID_XEN, 0, handler, cookie};
    unlock(d);
    return p ? (long)p : d->closed ? -XEN_EPERM : -XEN_ENOSPC;
}

long evtchn_notify_septum(evtchn_t *e, domid_t dom, evtchn_port_t port)
{
    evtchn_dom_t *d = find(e, dom);
    if (!d || !PORT_OK(port))
        return -XEN_EINVAL;
    lock(e, d);
    bool ours = d->port[port].state == EVTCHN_SEPTUM;
    if (ours)
        set_pending(e, d, port);
    unlock(d);
    return ours ? 0 : -XEN_EINVAL;
}

/* A static end may be taken if free, or unbound waiting for the other end. */
static bool static_ok(const evtchn_slot_t *s, domid_t other)
{
    return s->state == EVTCHNSTAT_closed ||
           (s->state == EVTCHNSTAT_unbound && s->remote_dom == other);
}

__attribute__((cold)) long evtchn_bind_static(evtchn_t *e, domid_t a, evtchn_port_t pa, domid_t b,
                                              evtchn_port_t pb)
{
    evtchn_dom_t *da = find(e, a), *db = find(e, b);
    if (!da || !db)
        return -XEN_ESRCH;
    if (!PORT_OK(pa) || !PORT_OK(pb) || (da == db && pa == pb))
        return -XEN_EINVAL;
    lock_two(e, da, db);
    long rc = 0;
    if (da->closed || db->closed)
        rc = -XEN_ESRCH;
    else if (!static_ok(&da->port[pa], b) || !static_ok(&db->port[pb], a))
        rc = -XEN_EINVAL;
    if (!rc) {
        uint8_t va = da->port[pa].vcpu, vb = db->port[pb].vcpu;
        da->port[pa] = (evtchn_slot_t){EVTCHNSTAT_interdomain, va, b, pb, NULL, NULL};
        db->port[pb] = (evtchn_slot_t){EVTCHNSTAT_interdomain, vb, a, pa, NULL, NULL};
    }
    unlock_two(da, db);
    return rc;
}

__attribute__((cold)) void evtchn_domain_teardown(evtchn_t *e, domid_t id)
{
    evtchn_dom_t *d = find(e, id);
    if (!d)
        return;
    lock(e, d);
    d->closed = true; /* nothing new binds to it or in it from now on */
    unlock(d);
    close_all(e, d);
    lock(e, d);
    /* back to the engine's own words (the guest's page is about to go) */
    memset(d->own, 0, sizeof(d->own));
    d->shared = NULL;
    for (unsigned v = 0; v < EVTCHN_VCPU_MAX; v++)
        d->vcpu_info[v] = NULL;
    unlock(d);
}

__attribute__((cold)) void evtchn_domain_reset(evtchn_t *e, domid_t id)
{
    evtchn_domain_teardown(e, id);
    evtchn_dom_t *d = find(e, id);
    if (!d)
        return;
    lock(e, d);
    memset(d->own, 0, sizeof(d->own));
    memset(d->virq_timer, 0, sizeof(d->virq_timer));
    d->closed = false;
    unlock(d);
}

void evtchn_remove_domain(evtchn_t *e, domid_t id)
{
    evtchn_domain_teardown(e, id);
    evtchn_dom_t *d = find(e, id);
    if (d)
        __atomic_store_n(&d->live, false, __ATOMIC_RELEASE);
}
