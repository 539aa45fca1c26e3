/*
 * libFuzzer harness for the event-channel engine (core/xen/evtchn.c) on the fake machine of the
 * unit tests: the input is a script of guest and septum actions (raw EVTCHNOP_* structures from
 * any domain, the guest scribbling on its own event words, shared_info and vcpu_info named,
 * moved and dropped, ports septum ends and rings, declared channels, stop, reset). After every
 * step no lock may be held and the port tables must agree with each other: an interdomain port's
 * peer points back at it, a VIRQ port is its vCPU's, a closed domain has no port; the fake checks
 * that upcalls go to real vCPUs under their domain's lock; AddressSanitizer and UBSan watch
 * memory and UB.
 */
#include "fake_evtchn_env.h"
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

static evtchn_t e;

static const evtchn_dom_t *dom_of(domid_t d)
{
    for (unsigned i = 0; i < EVTCHN_DOM_MAX; i++)
        if (e.dom[i].live && e.dom[i].id == d)
            return &e.dom[i];
    return NULL;
}

static void check_invariants(void)
{
    assert(fake_ev_no_locks());
    for (domid_t d = 1; d <= FAKE_EV_DOMS; d++) {
        const evtchn_dom_t *me = dom_of(d);
        assert(me);
        assert(me->port[0].state == EVTCHNSTAT_closed);
        for (evtchn_port_t p = 1; p < EVTCHN_PORTS; p++) {
            const evtchn_slot_t *s = &me->port[p];
            assert(s->vcpu < me->vcpu_num);
            if (me->closed)
                assert(s->state == EVTCHNSTAT_closed);
            if (s->state == EVTCHNSTAT_interdomain) {
                const evtchn_dom_t *r = dom_of(s->remote_dom);
                assert(r && s->remote > 0 && s->remote < EVTCHN_PORTS);
                const evtchn_slot_t *t = &r->port[s->remote];
                assert(t->state == EVTCHNSTAT_interdomain && t->remote_dom == d && t->remote == p);
                assert(s->remote_dom == d || fake_ev_may_talk(NULL, d, s->remote_dom));
            } else if (s->state == EVTCHNSTAT_virq) {
                assert(s->remote == VIRQ_TIMER && me->virq_timer[s->vcpu] == p);
            } else if (s->state == EVTCHNSTAT_unbound) {
                assert(s->remote_dom == d || fake_ev_may_talk(NULL, d, s->remote_dom));
            } else {
                assert(s->state == EVTCHNSTAT_closed || s->state == EVTCHN_SEPTUM);
            }
        }
        for (unsigned v = 0; v < EVTCHN_VCPU_MAX; v++)
            if (me->virq_timer[v])
                assert(me->port[me->virq_timer[v]].state == EVTCHNSTAT_virq);
    }
}

static unsigned rung;
static void handler(void *cookie, domid_t dom, evtchn_port_t port)
{
    (void)cookie;
    assert(fake_ev_no_locks());
    assert(dom >= 1 && dom <= FAKE_EV_DOMS && port > 0 && port < EVTCHN_PORTS);
    rung++;
    (void)evtchn_notify_septum(&e, dom, port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fake_ev_setup(&e);
    size_t i = 0;
    while (i + 4 <= size) {
        uint8_t action = data[i] % 8;
        domid_t dom = (domid_t)(1 + data[i + 1] % FAKE_EV_DOMS);
        uint16_t arg = (uint16_t)(data[i + 2] | data[i + 3] << 8);
        i += 4;
        switch (action) {
        case 0:
        case 1: { /* a hypercall with up to 24 raw bytes of structure, maybe misplaced */
            size_t n = arg % 25;
            if (n > size - i)
                n = size - i;
            fake_ev_to(NULL, dom, FAKE_EV_GPA, data + i, n);
            i += n;
            uint64_t where = (arg >> 13) == 7 ? FAKE_EV_GPA + 4090 : FAKE_EV_GPA;
            long rc = evtchn_op(&e, dom, (unsigned)(arg >> 5) % 15, where);
            assert(rc == 0 || rc == -XEN_EFAULT || rc == -XEN_EINVAL || rc == -XEN_ENOENT ||
                   rc == -XEN_EPERM || rc == -XEN_ESRCH || rc == -XEN_ENOSPC || rc == -XEN_EEXIST ||
                   rc == -XEN_ENOSYS);
            break;
        }
        case 2: { /* the guest writes its own words: pending, mask, a vcpu_info */
            uint64_t *w = (arg & 1) ? fake_ev[dom].shared : fake_ev[dom].vinfo[(arg >> 1) & 1];
            size_t words = (arg & 1) ? sizeof(fake_ev[dom].shared) / 8 : 8;
            w[(arg >> 2) % words] ^= 1ULL << (arg >> 10) % 64;
            break;
        }
        case 3: /* its shared_info named, or given back */
            (void)evtchn_set_shared_info(&e, dom, (arg & 1) ? fake_ev[dom].shared : NULL);
            break;
        case 4:
            (void)evtchn_set_vcpu_info(&e, dom, (arg >> 1) % 3,
                                       (arg & 1) ? fake_ev[dom].vinfo[(arg >> 1) % 2] : NULL);
            break;
        case 5:
            if (arg & 1)
                (void)evtchn_bind_septum(&e, dom, handler, NULL);
            else
                (void)evtchn_notify_septum(&e, dom, (arg >> 1) % (EVTCHN_PORTS + 2));
            break;
        case 6:
            /* between paired domains (or within one), as the description guarantees; a fourth
             * domain that does not exist */
            (void)evtchn_bind_static(&e, dom, (arg >> 2) % (EVTCHN_PORTS + 1),
                                     dom == 3 ? (domid_t)(3 + arg % 2) : (domid_t)(1 + arg % 2),
                                     (arg >> 9) % (EVTCHN_PORTS + 1));
            break;
        case 7:
            if (arg % 4 == 0)
                evtchn_domain_teardown(&e, dom);
            else if (arg % 4 == 1)
                evtchn_domain_reset(&e, dom);
            break;
        }
        check_invariants();
    }
    return 0;
}
