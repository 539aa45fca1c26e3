/*
 * Unit tests of core/xen/evtchn.c against a fake machine: a channel opened, rung both ways, its
 * bits and upcalls as the guest sees them; masked ports (pending, no upcall until unmask); vCPU
 * binding; every error (bad port, unpaired or unknown domain, bad vCPU, closed port, port
 * exhaustion, a structure outside the guest); close and stop (the peer sees its port unbound,
 * nothing is left behind); ports septum ends; channels the description declares; VIRQ_TIMER;
 * the words moving when the guest names its shared_info or vcpu_info. After every call no lock
 * is held, and upcalls are raised under the target's lock (the fake checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define FAKE_CHECK(cond) assert_true(cond)
#include "fake_evtchn_env.h"

static evtchn_t e;

static int setup(void **state)
{
    (void)state;
    fake_ev_setup(&e);
    for (domid_t d = 1; d <= FAKE_EV_DOMS; d++)
        assert_null(evtchn_set_shared_info(&e, d, fake_ev[d].shared));
    return 0;
}

/* One hypercall: the structure at the domain's argument page, copied back after. */
static long op(domid_t d, unsigned cmd, void *arg, size_t len)
{
    fake_ev_to(NULL, d, FAKE_EV_GPA, arg, len);
    long rc = evtchn_op(&e, d, cmd, FAKE_EV_GPA);
    fake_ev_from(NULL, d, arg, FAKE_EV_GPA, len);
    assert_true(fake_ev_no_locks());
    return rc;
}

static long alloc_unbound(domid_t d, domid_t remote, evtchn_port_t *port)
{
    struct evtchn_alloc_unbound a = {DOMID_SELF, remote, 0};
    long rc = op(d, EVTCHNOP_alloc_unbound, &a, sizeof(a));
    *port = a.port;
    return rc;
}

static long bind(domid_t d, domid_t rd, evtchn_port_t rp, evtchn_port_t *lp)
{
    struct evtchn_bind_interdomain b = {rd, rp, 0};
    long rc = op(d, EVTCHNOP_bind_interdomain, &b, sizeof(b));
    *lp = b.local_port;
    return rc;
}

static long port_op(domid_t d, unsigned cmd, evtchn_port_t p)
{
    struct evtchn_send s = {p};
    return op(d, cmd, &s, sizeof(s));
}

static long bind_vcpu(domid_t d, evtchn_port_t p, uint32_t v)
{
    struct evtchn_bind_vcpu b = {p, v};
    return op(d, EVTCHNOP_bind_vcpu, &b, sizeof(b));
}

static struct evtchn_status status(domid_t d, evtchn_port_t p)
{
    struct evtchn_status st = {DOMID_SELF, p, 99, 99, {.interdomain = {99, 99}}};
    assert_int_equal(op(d, EVTCHNOP_status, &st, sizeof(st)), 0);
    return st;
}

/* The guest takes its upcall: it clears what says it has news, and the pending bits. */
static void guest_handles(domid_t d, unsigned v)
{
    uint8_t *vi = fake_ev_vinfo(d, v);
    vi[XEN_VCPU_UPCALL_PENDING] = 0;
    *(uint64_t *)(void *)(vi + XEN_VCPU_PENDING_SEL) = 0;
    fake_ev[d].shared[48 / 8] = 0;
}

static uint64_t sel(domid_t d, unsigned v)
{
    return *(uint64_t *)(void *)(fake_ev_vinfo(d, v) + XEN_VCPU_PENDING_SEL);
}

/* 1 offers a port to 2, 2 binds it: the two ports, each side's. */
static void pair(evtchn_port_t *p1, evtchn_port_t *p2)
{
    assert_int_equal(alloc_unbound(1, 2, p1), 0);
    assert_int_equal(bind(2, 1, *p1, p2), 0);
    guest_handles(2, 0);
    fake_ev[2].upcalls[0] = 0;
}

static void test_pair_and_send(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    assert_int_equal(alloc_unbound(1, 2, &p1), 0);
    assert_true(p1 > 0 && p1 < EVTCHN_PORTS);
    struct evtchn_status st = status(1, p1);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    /* sending before anyone binds goes nowhere */
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev_pending(2) | fake_ev_pending(1), 0);
    assert_int_equal(bind(2, 1, p1, &p2), 0);
    /* the new port starts with an event, as on Xen */
    assert_int_equal(fake_ev_pending(2), 1ULL << p2);
    assert_int_equal(fake_ev[2].upcalls[0], 1);
    st = status(2, p2);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 1);
    assert_int_equal(st.u.interdomain.port, p1);
    st = status(1, p1);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.port, p2);
    guest_handles(2, 0);
    /* 1 -> 2 */
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev_pending(2), 1ULL << p2);
    assert_int_equal(sel(2, 0), 1);
    assert_int_equal(fake_ev_vinfo(2, 0)[XEN_VCPU_UPCALL_PENDING], 1);
    assert_int_equal(fake_ev[2].upcalls[0], 2);
    /* again before the guest looked: nothing more to tell */
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev[2].upcalls[0], 2);
    /* 2 -> 1 */
    assert_int_equal(port_op(2, EVTCHNOP_send, p2), 0);
    assert_int_equal(fake_ev_pending(1), 1ULL << p1);
    assert_int_equal(fake_ev[1].upcalls[0], 1);
    assert_int_equal(fake_ev[1].upcalls[1] + fake_ev[2].upcalls[1], 0);
    /* a guest that cleared the upcall flag but not pending_sel is not told again */
    fake_ev_vinfo(1, 0)[XEN_VCPU_UPCALL_PENDING] = 0;
    fake_ev[1].shared[48 / 8] = 0;
    assert_int_equal(port_op(2, EVTCHNOP_send, p2), 0);
    assert_int_equal(fake_ev[1].upcalls[0], 1);
}

static void test_masked_port(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    pair(&p1, &p2);
    *fake_ev_mask(2) |= 1ULL << p2;
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev_pending(2), 1ULL << p2); /* pending ... */
    assert_int_equal(sel(2, 0), 0);                   /* ... but nobody told */
    assert_int_equal(fake_ev[2].upcalls[0], 0);
    assert_int_equal(port_op(2, EVTCHNOP_unmask, p2), 0);
    assert_int_equal(*fake_ev_mask(2), 0);
    assert_int_equal(sel(2, 0), 1);
    assert_int_equal(fake_ev[2].upcalls[0], 1);
    /* unmasking a port that is not masked tells nothing again */
    guest_handles(2, 0);
    fake_ev[2].shared[48 / 8] = 1ULL << p2;
    assert_int_equal(port_op(2, EVTCHNOP_unmask, p2), 0);
    assert_int_equal(fake_ev[2].upcalls[0], 1);
    /* masked and not pending: unmask only clears the mask */
    guest_handles(2, 0);
    *fake_ev_mask(2) |= 1ULL << p2;
    assert_int_equal(port_op(2, EVTCHNOP_unmask, p2), 0);
    assert_int_equal(fake_ev[2].upcalls[0], 1);
    assert_int_equal(port_op(2, EVTCHNOP_unmask, EVTCHN_PORTS), -XEN_EINVAL);
}

static void test_bind_vcpu(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    pair(&p1, &p2);
    assert_int_equal(bind_vcpu(2, p2, 2), -XEN_ENOENT);
    assert_int_equal(bind_vcpu(2, p2, 0xffffffff), -XEN_ENOENT);
    assert_int_equal(bind_vcpu(2, 0, 1), -XEN_EINVAL);
    assert_int_equal(bind_vcpu(2, EVTCHN_PORTS, 1), -XEN_EINVAL);
    assert_int_equal(bind_vcpu(2, p2 + 1, 1), -XEN_EINVAL); /* a free port */
    assert_int_equal(bind_vcpu(2, p2, 1), 0);
    assert_int_equal(status(2, p2).vcpu, 1);
    /* vCPU 1 has no vcpu_info yet: the event waits, pending, without an upcall */
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev_pending(2), 1ULL << p2);
    assert_int_equal(fake_ev[2].upcalls[0] + fake_ev[2].upcalls[1], 0);
    /* it registers one: what waits is told there */
    assert_null(evtchn_set_vcpu_info(&e, 2, 1, fake_ev[2].vinfo[1]));
    assert_int_equal(fake_ev[2].upcalls[1], 1);
    assert_int_equal(sel(2, 1), 1);
    guest_handles(2, 1);
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev[2].upcalls[1], 2);
    assert_int_equal(fake_ev[2].upcalls[0], 0);
    assert_null(evtchn_set_vcpu_info(&e, 2, 2, fake_ev[2].vinfo[1])); /* no vCPU 2 */
}

/* A vCPU past the first registers its vcpu_info marked all pending, as Xen's registration does
 * (Linux's second vCPU on Arm, with no shared_info slot to move news from): the upcall comes
 * with the flag, or the flag would stay set and no event would ever reach that vCPU (found by
 * tests/system/xen-linux.sh, xen-linux-smp). */
static void test_registration_marked_pending(void **state)
{
    (void)state;
    evtchn_port_t p1, p2;
    pair(&p1, &p2);
    uint8_t *vi = (uint8_t *)fake_ev[2].vinfo[1];
    *(uint64_t *)(void *)(vi + XEN_VCPU_PENDING_SEL) = ~0ULL;
    vi[XEN_VCPU_UPCALL_PENDING] = 1;
    assert_null(evtchn_set_vcpu_info(&e, 2, 1, vi));
    assert_int_equal(fake_ev[2].upcalls[1], 1);
    guest_handles(2, 1);
    assert_int_equal(bind_vcpu(2, p2, 1), 0);
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(fake_ev[2].upcalls[1], 2);
    /* a registration with nothing pending raises nothing */
    assert_ptr_equal(evtchn_set_vcpu_info(&e, 2, 1, NULL), vi);
    guest_handles(2, 1);
    memset(vi, 0, XEN_VCPU_INFO_SIZE);
    assert_null(evtchn_set_vcpu_info(&e, 2, 1, vi));
    assert_int_equal(fake_ev[2].upcalls[1], 2);
}

static void test_errors(void **state)
{
    (void)state;
    evtchn_port_t p, q;
    /* unpaired and unknown domains */
    assert_int_equal(alloc_unbound(1, 3, &p), -XEN_EPERM);
    assert_int_equal(alloc_unbound(3, 1, &p), -XEN_EPERM);
    assert_int_equal(alloc_unbound(1, 9, &p), -XEN_ESRCH);
    assert_int_equal(bind(3, 1, 1, &q), -XEN_EPERM);
    assert_int_equal(bind(1, 9, 1, &q), -XEN_ESRCH);
    struct evtchn_alloc_unbound other = {2, 1, 0}; /* for another domain */
    assert_int_equal(op(1, EVTCHNOP_alloc_unbound, &other, sizeof(other)), -XEN_EPERM);
    assert_int_equal(evtchn_op(&e, 9, EVTCHNOP_send, FAKE_EV_GPA), -XEN_EPERM);
    /* bad ports */
    assert_int_equal(port_op(1, EVTCHNOP_send, 0), -XEN_EINVAL);
    assert_int_equal(port_op(1, EVTCHNOP_send, 5), -XEN_EINVAL); /* free */
    assert_int_equal(port_op(1, EVTCHNOP_send, EVTCHN_PORTS), -XEN_EINVAL);
    assert_int_equal(port_op(1, EVTCHNOP_send, 0xffffffff), -XEN_EINVAL);
    assert_int_equal(port_op(1, EVTCHNOP_close, 0), -XEN_EINVAL);
    assert_int_equal(port_op(1, EVTCHNOP_close, 7), -XEN_EINVAL);
    assert_int_equal(bind(2, 1, 0, &q), -XEN_EINVAL);
    assert_int_equal(bind(2, 1, 7, &q), -XEN_EINVAL);
    assert_int_equal(bind(2, 1, 0xffffffff, &q), -XEN_EINVAL);
    struct evtchn_status st = {DOMID_SELF, EVTCHN_PORTS, 0, 0, {{0}}};
    assert_int_equal(op(1, EVTCHNOP_status, &st, sizeof(st)), -XEN_EINVAL);
    st = (struct evtchn_status){2, 1, 0, 0, {{0}}};
    assert_int_equal(op(1, EVTCHNOP_status, &st, sizeof(st)), -XEN_EPERM);
    assert_int_equal(status(1, 9).status, EVTCHNSTAT_closed);
    /* a port offered to someone else, or to itself, cannot be bound */
    assert_int_equal(alloc_unbound(2, DOMID_SELF, &p), 0);
    assert_int_equal(bind(1, 2, p, &q), -XEN_EINVAL);
    assert_int_equal(bind(2, DOMID_SELF, p, &q), 0); /* loopback, as on Xen */
    assert_int_equal(port_op(2, EVTCHNOP_send, q), 0);
    assert_true(fake_ev_pending(2) & (1ULL << p));
    /* a structure outside the guest's memory */
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_send, 0x1000), -XEN_EFAULT);
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_alloc_unbound, FAKE_EV_GPA + 4094), -XEN_EFAULT);
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_status, ~0ULL), -XEN_EFAULT);
    /* what septum does not offer */
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_init_control, FAKE_EV_GPA), -XEN_ENOSYS);
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_bind_pirq, FAKE_EV_GPA), -XEN_ENOSYS);
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_bind_ipi, FAKE_EV_GPA), -XEN_ENOSYS);
    assert_int_equal(evtchn_op(&e, 1, 99, FAKE_EV_GPA), -XEN_ENOSYS);
    assert_int_equal(fake_ev_pending(1) | fake_ev_pending(3), 0);
}

static void test_close(void **state)
{
    (void)state;
    evtchn_port_t p1, p2, again;
    pair(&p1, &p2);
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0);
    assert_int_equal(port_op(2, EVTCHNOP_close, p2), 0);
    /* closing clears the closed port's pending bit */
    assert_int_equal(fake_ev_pending(2), 0);
    assert_int_equal(status(2, p2).status, EVTCHNSTAT_closed);
    /* the peer's port waits for 2 again */
    struct evtchn_status st = status(1, p1);
    assert_int_equal(st.status, EVTCHNSTAT_unbound);
    assert_int_equal(st.u.unbound.dom, 2);
    assert_int_equal(port_op(2, EVTCHNOP_send, p2), -XEN_EINVAL);
    assert_int_equal(port_op(2, EVTCHNOP_close, p2), -XEN_EINVAL);
    unsigned before = fake_ev[2].upcalls[0];
    assert_int_equal(port_op(1, EVTCHNOP_send, p1), 0); /* dropped */
    assert_int_equal(fake_ev[2].upcalls[0], before);
    assert_int_equal(fake_ev_pending(2), 0);
    /* and may be bound again */
    assert_int_equal(bind(2, 1, p1, &again), 0);
    assert_int_equal(status(1, p1).u.interdomain.port, again);
    /* EVTCHNOP_reset closes them all */
    struct evtchn_reset r = {DOMID_SELF};
    assert_int_equal(op(1, EVTCHNOP_reset, &r, sizeof(r)), 0);
    assert_int_equal(status(1, p1).status, EVTCHNSTAT_closed);
    assert_int_equal(status(2, again).status, EVTCHNSTAT_unbound);
    r.dom = 2;
    assert_int_equal(op(1, EVTCHNOP_reset, &r, sizeof(r)), -XEN_EPERM);
}

static void test_exhaustion(void **state)
{
    (void)state;
    evtchn_port_t p, q;
    assert_int_equal(alloc_unbound(2, 1, &q), 0);
    for (unsigned i = 1; i < EVTCHN_PORTS - 1; i++)
        assert_int_equal(alloc_unbound(1, 2, &p), 0);
    assert_int_equal(p, EVTCHN_PORTS - 2);
    assert_int_equal(bind(1, 2, q, &p), 0); /* the last one */
    assert_int_equal(alloc_unbound(1, 2, &p), -XEN_ENOSPC);
    struct evtchn_bind_virq v = {VIRQ_TIMER, 0, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), -XEN_ENOSPC);
    assert_int_equal(evtchn_bind_septum(&e, 1, NULL, NULL), -XEN_ENOSPC);
    /* a bind that finds no free port leaves the remote port waiting */
    assert_int_equal(alloc_unbound(2, 1, &q), 0);
    assert_int_equal(bind(1, 2, q, &p), -XEN_ENOSPC);
    assert_int_equal(status(2, q).status, EVTCHNSTAT_unbound);
    /* one closed, one free again */
    assert_int_equal(port_op(1, EVTCHNOP_close, 3), 0);
    assert_int_equal(bind(1, 2, q, &p), 0);
    assert_int_equal(p, 3);
}

static void test_virq_timer(void **state)
{
    (void)state;
    struct evtchn_bind_virq v = {VIRQ_TIMER, 1, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), 0);
    evtchn_port_t p = v.port;
    struct evtchn_status st = status(1, p);
    assert_int_equal(st.status, EVTCHNSTAT_virq);
    assert_int_equal(st.u.virq, VIRQ_TIMER);
    assert_int_equal(st.vcpu, 1);
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), -XEN_EEXIST);
    v = (struct evtchn_bind_virq){VIRQ_TIMER, 2, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), -XEN_ENOENT);
    v = (struct evtchn_bind_virq){1, 0, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), -XEN_EINVAL);
    assert_int_equal(port_op(1, EVTCHNOP_send, p), -XEN_EINVAL);
    assert_int_equal(bind_vcpu(1, p, 0), -XEN_EINVAL); /* stays on its vCPU */
    assert_int_equal(port_op(1, EVTCHNOP_close, p), 0);
    v = (struct evtchn_bind_virq){VIRQ_TIMER, 1, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), 0);
}

static unsigned handled;
static domid_t handled_dom;
static evtchn_port_t handled_port;

static void handler(void *cookie, domid_t dom, evtchn_port_t port)
{
    assert_ptr_equal(cookie, &handled);
    assert_true(fake_ev_no_locks());
    handled++;
    handled_dom = dom;
    handled_port = port;
    /* it may answer at once */
    assert_int_equal(evtchn_notify_septum(&e, dom, port), 0);
}

static void test_septum_port(void **state)
{
    (void)state;
    handled = 0;
    long p = evtchn_bind_septum(&e, 1, handler, &handled);
    assert_true(p > 0);
    struct evtchn_status st = status(1, (evtchn_port_t)p);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, DOMID_XEN);
    assert_int_equal(port_op(1, EVTCHNOP_send, (evtchn_port_t)p), 0);
    assert_int_equal(handled, 1);
    assert_int_equal(handled_dom, 1);
    assert_int_equal(handled_port, p);
    assert_int_equal(fake_ev_pending(1), 1ULL << p); /* the handler's answer */
    assert_int_equal(fake_ev[1].upcalls[0], 1);
    assert_int_equal(bind_vcpu(1, (evtchn_port_t)p, 1), 0);
    /* only septum's ports are septum's to ring */
    evtchn_port_t q;
    assert_int_equal(alloc_unbound(1, 2, &q), 0);
    assert_int_equal(evtchn_notify_septum(&e, 1, q), -XEN_EINVAL);
    assert_int_equal(evtchn_notify_septum(&e, 1, 0), -XEN_EINVAL);
    assert_int_equal(evtchn_notify_septum(&e, 9, 1), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_septum(&e, 9, handler, NULL), -XEN_EPERM);
    /* the guest may close it; septum's ring then fails */
    assert_int_equal(port_op(1, EVTCHNOP_close, (evtchn_port_t)p), 0);
    assert_int_equal(evtchn_notify_septum(&e, 1, (evtchn_port_t)p), -XEN_EINVAL);
    assert_int_equal(handled, 1);
}

static void test_static_channels(void **state)
{
    (void)state;
    assert_int_equal(evtchn_bind_static(&e, 1, 5, 2, 7), 0);
    struct evtchn_status st = status(1, 5);
    assert_int_equal(st.status, EVTCHNSTAT_interdomain);
    assert_int_equal(st.u.interdomain.dom, 2);
    assert_int_equal(st.u.interdomain.port, 7);
    assert_int_equal(port_op(2, EVTCHNOP_send, 7), 0);
    assert_int_equal(fake_ev_pending(1), 1ULL << 5);
    /* taken ports, bad ports, missing domains */
    assert_int_equal(evtchn_bind_static(&e, 1, 5, 2, 8), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_static(&e, 1, 0, 2, 8), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_static(&e, 1, 6, 2, EVTCHN_PORTS), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_static(&e, 1, 6, 1, 6), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_static(&e, 1, 6, 9, 6), -XEN_ESRCH);
    /* 2 restarts: 1's end waits for it, and the channel is declared again */
    evtchn_domain_reset(&e, 2);
    assert_int_equal(status(1, 5).status, EVTCHNSTAT_unbound);
    assert_int_equal(evtchn_bind_static(&e, 1, 5, 2, 7), 0);
    assert_int_equal(status(2, 7).status, EVTCHNSTAT_interdomain);
}

static void test_stop_leaves_nothing(void **state)
{
    (void)state;
    evtchn_port_t p1, p2, u1, u2, l1, l2;
    pair(&p1, &p2);
    assert_int_equal(alloc_unbound(1, 2, &u1), 0); /* 1's, waiting for 2 */
    assert_int_equal(alloc_unbound(2, 1, &u2), 0); /* 2's, waiting for 1 */
    assert_int_equal(alloc_unbound(1, DOMID_SELF, &l1), 0);
    assert_int_equal(bind(1, DOMID_SELF, l1, &l2), 0); /* a loopback */
    long s = evtchn_bind_septum(&e, 1, handler, &handled);
    assert_true(s > 0);
    struct evtchn_bind_virq v = {VIRQ_TIMER, 0, 0};
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), 0);
    assert_int_equal(evtchn_set_vcpu_info(&e, 1, 1, fake_ev[1].vinfo[1]), NULL);
    evtchn_domain_teardown(&e, 1);
    assert_true(fake_ev_no_locks());
    /* nothing of 1 is left: every port closed, its pages forgotten */
    for (evtchn_port_t p = 0; p < EVTCHN_PORTS; p++)
        assert_int_equal(status(1, p).status, EVTCHNSTAT_closed);
    assert_null(evtchn_set_shared_info(&e, 1, NULL));
    assert_null(evtchn_set_vcpu_info(&e, 1, 1, NULL));
    /* its peer sees the channel unbound, waiting for 1; its own offer stays */
    assert_int_equal(status(2, p2).status, EVTCHNSTAT_unbound);
    assert_int_equal(status(2, p2).u.unbound.dom, 1);
    assert_int_equal(status(2, u2).status, EVTCHNSTAT_unbound);
    /* a closed domain takes part in nothing */
    assert_int_equal(alloc_unbound(1, 2, &u1), -XEN_EPERM);
    assert_int_equal(bind(2, 1, u1, &p2), -XEN_ESRCH);
    assert_int_equal(bind(1, 2, u2, &p1), -XEN_EPERM);
    assert_int_equal(evtchn_bind_septum(&e, 1, handler, NULL), -XEN_EPERM);
    assert_int_equal(evtchn_notify_septum(&e, 1, (evtchn_port_t)s), -XEN_EINVAL);
    assert_int_equal(evtchn_bind_static(&e, 1, 5, 2, 9), -XEN_ESRCH);
    /* a reset opens it again, empty; the new incarnation binds 2's waiting port */
    evtchn_domain_reset(&e, 1);
    assert_int_equal(bind(1, 2, u2, &p1), 0);
    assert_int_equal(p1, 1);
    assert_int_equal(status(2, u2).status, EVTCHNSTAT_interdomain);
    assert_int_equal(op(1, EVTCHNOP_bind_virq, &v, sizeof(v)), 0);
    /* removed for good */
    evtchn_remove_domain(&e, 1);
    assert_int_equal(status(2, u2).status, EVTCHNSTAT_unbound);
    assert_int_equal(evtchn_op(&e, 1, EVTCHNOP_send, FAKE_EV_GPA), -XEN_EPERM);
    assert_int_equal(alloc_unbound(2, 1, &u2), -XEN_ESRCH);
    /* a domain added again with that id starts empty, in a slot of its own */
    assert_int_equal(evtchn_add_domain(&e, 1, 1), 0);
    assert_int_equal(status(1, 1).status, EVTCHNSTAT_closed);
    assert_int_equal(evtchn_add_domain(&e, 1, 1), -1); /* a duplicate */
    assert_int_equal(evtchn_add_domain(&e, 4, 0), -1);
    assert_int_equal(evtchn_add_domain(&e, 4, EVTCHN_VCPU_MAX + 1), -1);
    assert_true(fake_ev_no_locks());
}

static void test_words_move(void **state)
{
    (void)state;
    /* domain 3's guest has not named its shared_info yet: septum keeps the bits */
    assert_ptr_equal(evtchn_set_shared_info(&e, 3, NULL), fake_ev[3].shared);
    evtchn_port_t p = (evtchn_port_t)evtchn_bind_septum(&e, 3, handler, &handled);
    assert_int_equal(evtchn_notify_septum(&e, 3, p), 0);
    assert_int_equal(fake_ev[3].upcalls[0], 1);
    assert_int_equal(fake_ev_pending(3), 0);
    memset(fake_ev[3].shared, 0, sizeof(fake_ev[3].shared));
    /* it names it: the bits are there, and it is told again */
    assert_null(evtchn_set_shared_info(&e, 3, fake_ev[3].shared));
    assert_int_equal(fake_ev_pending(3), 1ULL << p);
    assert_int_equal(sel(3, 0), 1);
    assert_int_equal(fake_ev_vinfo(3, 0)[XEN_VCPU_UPCALL_PENDING], 1);
    /* vCPU 0 registers its own vcpu_info: the news moves there */
    assert_null(evtchn_set_vcpu_info(&e, 3, 0, fake_ev[3].vinfo[0]));
    assert_int_equal(((uint8_t *)fake_ev[3].vinfo[0])[XEN_VCPU_UPCALL_PENDING], 1);
    assert_int_equal(fake_ev[3].vinfo[0][1], 1);
    assert_ptr_equal(evtchn_set_vcpu_info(&e, 3, 0, NULL), fake_ev[3].vinfo[0]);
    assert_null(evtchn_set_shared_info(&e, 9, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pair_and_send, setup),
        cmocka_unit_test_setup(test_masked_port, setup),
        cmocka_unit_test_setup(test_bind_vcpu, setup),
        cmocka_unit_test_setup(test_registration_marked_pending, setup),
        cmocka_unit_test_setup(test_errors, setup),
        cmocka_unit_test_setup(test_close, setup),
        cmocka_unit_test_setup(test_exhaustion, setup),
        cmocka_unit_test_setup(test_virq_timer, setup),
        cmocka_unit_test_setup(test_septum_port, setup),
        cmocka_unit_test_setup(test_static_channels, setup),
        cmocka_unit_test_setup(test_stop_leaves_nothing, setup),
        cmocka_unit_test_setup(test_words_move, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
