/*
 * Test guest: two VMs ringing each other through event channels (bootargs role=1 or role=2,
 * domains 1 and 2 of tests/system/configs/evtchn.dts). Domain 1 offers a port to 2, which binds
 * it (port 1 of domain 1, by convention: nothing else tells it) and says hello; they ring it to
 * and fro, then use the channel the description declares (port 5 of 1, port 7 of 2). Domain 2
 * masks its port: an event sent then is pending without an upcall, and delivered when it
 * unmasks. Domain 1 checks errors as Xen gives them and powers off; domain 2 sees its ports
 * unbound, waiting for domain 1 again, and powers off too.
 */
#include <septum/evtchn.h>
#include <septum/guest.h>

#define ROUNDS      100
#define OFFER_PORT  1 /* the first port domain 1 allocates */
#define STATIC_PING 5
#define STATIC_PONG 7

static int failed;

static void check(bool ok, const char *what)
{
    if (!ok) {
        guest_printf("FAILED: %s\n", what);
        failed = 1;
    }
}

static void ping(void)
{
    long p = evtchn_alloc_unbound(2);
    check(p == OFFER_PORT, "the first port offered is port 1");
    guest_printf("ping: offered port %ld to domain 2\n", p);
    evtchn_port_t port = (evtchn_port_t)p;
    uint32_t seen = evtchn_wait(port, 0); /* domain 2's hello */
    for (unsigned i = 0; i < ROUNDS; i++) {
        check(evtchn_send(port) == 0, "send");
        seen = evtchn_wait(port, seen);
    }
    guest_printf("ping: %u round trips on port %u\n", ROUNDS, port);
    uint32_t s = evtchn_events[STATIC_PING];
    check(evtchn_send(STATIC_PING) == 0, "send on the declared port");
    s = evtchn_wait(STATIC_PING, s);
    guest_printf("ping: the declared channel answers\n");
    /* each side rings only once the other answered: two events sent before the first is
     * delivered are one (a port is pending or not) */
    check(evtchn_send(STATIC_PING) == 0, "go");
    s = evtchn_wait(STATIC_PING, s); /* domain 2 has masked its port */
    check(evtchn_send(port) == 0, "send to a masked port");
    check(evtchn_send(STATIC_PING) == 0, "send on the declared port");
    seen = evtchn_wait(port, seen); /* its answer after unmasking */
    /* errors, as Xen gives them */
    check(evtchn_send(60) == -XEN_EINVAL, "send on a free port: -EINVAL");
    check(evtchn_send(64) == -XEN_EINVAL, "send on a port beyond the table: -EINVAL");
    check(evtchn_alloc_unbound(3) == -XEN_ESRCH, "offer to no domain: -ESRCH");
    check(evtchn_bind_vcpu(port, 1) == -XEN_ENOENT, "bind to a vCPU it has not: -ENOENT");
    check(evtchn_bind_interdomain(2, 60) == -XEN_EINVAL, "bind a port not offered: -EINVAL");
    struct evtchn_status st;
    check(evtchn_status(port, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
              st.u.interdomain.dom == 2,
          "status: interdomain with domain 2");
    guest_printf("ping: errors as Xen gives them: %s\n", failed ? "FAILED" : "ok");
    guest_printf("ping: stopping with its ports open\n");
}

static void pong(void)
{
    long q;
    while ((q = evtchn_bind_interdomain(1, OFFER_PORT)) == -XEN_EINVAL)
        guest_sleep_ms(1); /* not offered yet */
    check(q > 0, "bind domain 1's port");
    evtchn_port_t port = (evtchn_port_t)q;
    uint32_t seen = evtchn_wait(port, 0); /* a new binding starts with an event, as on Xen */
    guest_printf("pong: bound port %u to domain 1's port %u\n", port, OFFER_PORT);
    check(evtchn_send(port) == 0, "hello");
    for (unsigned i = 0; i < ROUNDS; i++) {
        seen = evtchn_wait(port, seen);
        check(evtchn_send(port) == 0, "send");
    }
    uint32_t s = evtchn_wait(STATIC_PONG, 0);
    check(evtchn_send(STATIC_PONG) == 0, "answer on the declared port");
    s = evtchn_wait(STATIC_PONG, s); /* go */
    /* masked: pending, and no upcall until unmasked */
    evtchn_mask(port);
    check(evtchn_send(STATIC_PONG) == 0, "ready");
    s = evtchn_wait(STATIC_PONG, s); /* domain 1 rang the masked port before this */
    bool quiet = evtchn_is_pending(port) && evtchn_events[port] == seen;
    check(quiet, "masked port pending, not delivered");
    guest_printf("pong: masked port pending without an upcall: %s\n", quiet ? "ok" : "FAILED");
    uint64_t upcalls = evtchn_upcalls;
    check(evtchn_unmask(port) == 0, "unmask");
    seen = evtchn_wait(port, seen);
    guest_printf("pong: delivered on unmask (%lu upcall)\n",
                 (unsigned long)(evtchn_upcalls - upcalls));
    check(evtchn_send(port) == 0, "answer");
    /* domain 1 stops: its ends close, ours wait for it again */
    struct evtchn_status st;
    do {
        guest_sleep_ms(1);
        check(evtchn_status(port, &st) == 0, "status");
    } while (st.status == EVTCHNSTAT_interdomain);
    check(st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 1, "unbound, for domain 1");
    check(evtchn_status(STATIC_PONG, &st) == 0 && st.status == EVTCHNSTAT_unbound &&
              st.u.unbound.dom == 1,
          "the declared port unbound too");
    check(evtchn_send(port) == 0, "a send to nobody is dropped");
    check(evtchn_close(port) == 0 && evtchn_close(port) == -XEN_EINVAL, "close, then closed");
    guest_printf("pong: peer stopped; its ports unbound, waiting for domain 1: %s\n",
                 failed ? "FAILED" : "ok");
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t role = 0;
    guest_arg("role", &role);
    int rc = evtchn_init(NULL);
    if (rc) {
        guest_printf("FAILED: evtchn_init: %d\n", rc);
        return 1;
    }
    if (role == 1)
        ping();
    else
        pong();
    return failed;
}
