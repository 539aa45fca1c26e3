/*
 * A fake machine for the event-channel engine: three domains (1, 2, 3) of two vCPUs each, each
 * with a page of memory at FAKE_EV_GPA for hypercall arguments and a shared_info page of its
 * own; domains 1 and 2 are paired, 3 is paired with nobody. Upcalls are counted per domain and
 * vCPU, with the domain's lock checked held (the engine's rule); memory outside the page is not
 * the guest's (the copy fails).
 */
#ifndef FAKE_EVTCHN_ENV_H
#define FAKE_EVTCHN_ENV_H
#include <string.h>
#include <xen/evtchn.h>
#ifndef FAKE_CHECK
#include <assert.h>
#define FAKE_CHECK(cond) assert(cond)
#endif

#define FAKE_EV_DOMS  3
#define FAKE_EV_VCPUS 2
#define FAKE_EV_GPA   0x40000000ULL

typedef struct fake_ev_dom {
    uint8_t mem[4096];
    uint64_t shared[4096 / 8];        /* its shared_info page */
    uint64_t vinfo[FAKE_EV_VCPUS][8]; /* vcpu_info areas it may register */
    unsigned upcalls[FAKE_EV_VCPUS];
} fake_ev_dom_t;

static fake_ev_dom_t fake_ev[FAKE_EV_DOMS + 1];
static evtchn_t *fake_ev_engine;

static fake_ev_dom_t *fake_ev_dom(domid_t d)
{
    return d >= 1 && d <= FAKE_EV_DOMS ? &fake_ev[d] : NULL;
}

static int fake_ev_from(void *ctx, domid_t d, void *dst, uint64_t addr, size_t len)
{
    (void)ctx;
    fake_ev_dom_t *f = fake_ev_dom(d);
    if (!f || addr < FAKE_EV_GPA || addr - FAKE_EV_GPA > sizeof(f->mem) ||
        len > sizeof(f->mem) - (addr - FAKE_EV_GPA))
        return -1;
    memcpy(dst, f->mem + (addr - FAKE_EV_GPA), len);
    return 0;
}

static int fake_ev_to(void *ctx, domid_t d, uint64_t addr, const void *src, size_t len)
{
    (void)ctx;
    fake_ev_dom_t *f = fake_ev_dom(d);
    if (!f || addr < FAKE_EV_GPA || addr - FAKE_EV_GPA > sizeof(f->mem) ||
        len > sizeof(f->mem) - (addr - FAKE_EV_GPA))
        return -1;
    memcpy(f->mem + (addr - FAKE_EV_GPA), src, len);
    return 0;
}

static bool fake_ev_may_talk(void *ctx, domid_t a, domid_t b)
{
    (void)ctx;
    return (a == 1 && b == 2) || (a == 2 && b == 1);
}

static evtchn_dom_t *fake_ev_slot(domid_t d)
{
    for (unsigned i = 0; i < EVTCHN_DOM_MAX; i++)
        if (fake_ev_engine->dom[i].live && fake_ev_engine->dom[i].id == d)
            return &fake_ev_engine->dom[i];
    return NULL;
}

static bool fake_ev_held(const evtchn_dom_t *d)
{
    return __atomic_load_n(&d->lock.next, __ATOMIC_RELAXED) !=
           __atomic_load_n(&d->lock.owner, __ATOMIC_RELAXED);
}

static void fake_ev_upcall(void *ctx, domid_t d, unsigned vcpu)
{
    (void)ctx;
    fake_ev_dom_t *f = fake_ev_dom(d);
    FAKE_CHECK(f && vcpu < FAKE_EV_VCPUS);
    FAKE_CHECK(fake_ev_held(fake_ev_slot(d))); /* raised under the domain's lock */
    f->upcalls[vcpu]++;
}

/* One thread is all there is: a wait for a lock would never end. */
static void fake_ev_relax(void *ctx)
{
    (void)ctx;
    FAKE_CHECK(!"waited for an event-channel lock");
}

static const evtchn_env_t fake_ev_env = {fake_ev_from,   fake_ev_to,    fake_ev_may_talk,
                                         fake_ev_upcall, fake_ev_relax, NULL};

static void fake_ev_setup(evtchn_t *e)
{
    memset(fake_ev, 0, sizeof(fake_ev));
    fake_ev_engine = e;
    evtchn_init(e, &fake_ev_env);
    for (domid_t d = 1; d <= FAKE_EV_DOMS; d++)
        FAKE_CHECK(evtchn_add_domain(e, d, FAKE_EV_VCPUS) == 0);
}

/* No event-channel lock is held. */
static bool fake_ev_no_locks(void)
{
    for (unsigned i = 0; i < EVTCHN_DOM_MAX; i++)
        if (fake_ev_held(&fake_ev_engine->dom[i]))
            return false;
    return true;
}

/* The guest's view of its words: through its shared_info page when it gave one to septum. */
static inline uint64_t fake_ev_pending(domid_t d) { return fake_ev[d].shared[48 / 8]; }
static inline uint64_t *fake_ev_mask(domid_t d) { return &fake_ev[d].shared[560 / 8]; }
static inline uint8_t *fake_ev_vinfo(domid_t d, unsigned v)
{
    return v == 0 && !fake_ev_slot(d)->vcpu_info[0] ? (uint8_t *)fake_ev[d].shared
                                                    : (uint8_t *)fake_ev[d].vinfo[v];
}
#endif
