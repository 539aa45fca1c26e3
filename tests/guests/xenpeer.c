/*
 * A bare-metal VM at the other end of tools/xen-demo: it joins what a Linux VM offers with
 * `xen-demo offer` (bootargs peer=, its domain, default 1; gref=, the grant, default 8). It
 * maps the Linux VM's page (gnttab_map_refs), binds to the event-channel port written there,
 * grants a page of its own back (gnttab_grant_access) and rings; Linux maps that page with
 * gntdev, answers in it and rings back. This VM sees each ring as its port's pending bit in its
 * shared_info (registered as Linux does, the port masked: it takes no upcall), clears it, and
 * the exchange ends as xen-demo's does: it says it is done and rings; once the Linux VM says
 * (and rings) that it let go of this VM's page, it unmaps the Linux VM's, rings a last time,
 * ends its grant and closes its port. The page layout is xen-demo's (demo_page_t there).
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <septum/xen.h>
#include <septum/xen_evtchn.h>
#include <string.h>

#define DEMO_MAGIC  0x6f6d65642d6e6578ULL /* "xen-demo" */
#define MSG_MAX     200
#define ST_OFFERED  1
#define ST_JOINED   2
#define ST_ANSWERED 3
#define ST_DONE     4
#define ST_FIN      5
#define TRIES       100000000UL

typedef struct {
    volatile uint64_t magic;
    volatile uint32_t state, port, gref;
    char msg[MSG_MAX];
    char reply[MSG_MAX];
} demo_page_t;

static char mine[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static struct shared_info shinfo_page[XEN_PAGE_SIZE / sizeof(struct shared_info)]
    __attribute__((aligned(XEN_PAGE_SIZE)));
static volatile struct shared_info *const shinfo = shinfo_page;
static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static long evtchn(unsigned cmd, void *arg)
{
    return xen_hypercall(__HYPERVISOR_event_channel_op, cmd, (uintptr_t)arg, 0, 0, 0);
}

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

/* The port's pending bit, taken (cleared) if set: what an upcall handler would do. */
static bool take_event(uint32_t port)
{
    uint64_t bit = 1ULL << (port % 64);
    volatile uint64_t *w = &shinfo->evtchn_pending[port / 64];
    return __atomic_fetch_and(w, ~bit, __ATOMIC_ACQ_REL) & bit;
}

/* Until the page says state (the peer's ring is seen too: both must come). */
static bool wait_state(volatile uint32_t *state, uint32_t want, uint32_t port)
{
    bool rang = false;
    for (unsigned long t = 0; t < TRIES && (!rang || *state < want); t++) {
        if (take_event(port)) {
            guest_printf("event on port %u\n", port);
            rang = true;
        }
        if (!rang || *state < want)
            yield();
    }
    return rang && *state >= want;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t peer = 1, gref = 8;
    guest_arg("peer", &peer);
    guest_arg("gref", &gref);
    check("grant table mapped", gnttab_init() == 0);
    struct xen_add_to_physmap sx = {DOMID_SELF, 0, XENMAPSPACE_shared_info, 0,
                                    (uintptr_t)shinfo_page / XEN_PAGE_SIZE};
    check("shared_info registered", xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap,
                                                  (uintptr_t)&sx, 0, 0, 0) == 0);

    /* Linux's page: its offer may not be there yet */
    demo_page_t *a = gnttab_get_page();
    struct gnttab_map_grant_ref m = {
        (uintptr_t)a, GNTMAP_host_map, (grant_ref_t)gref, (domid_t)peer, 0, 0, 0};
    for (unsigned long t = 0; t < TRIES; t++) {
        m.status = GNTST_general_error;
        if (gnttab_map_refs(&m, 1) == 0 && m.status == GNTST_okay && a->magic == DEMO_MAGIC &&
            a->state == ST_OFFERED)
            break;
        if (m.status == GNTST_okay) {
            gnttab_unmap_refs(&m, 1); /* granted, not yet filled in */
            m.status = GNTST_general_error;
        }
        yield();
    }
    check("mapped the Linux VM's page", m.status == GNTST_okay && a->magic == DEMO_MAGIC);
    if (m.status != GNTST_okay)
        return 1;
    a->msg[MSG_MAX - 1] = '\0';
    guest_printf("its page says: \"%s\"\n", a->msg);

    struct evtchn_bind_interdomain bind = {(domid_t)peer, a->port, 0};
    check("bound to its port", evtchn(EVTCHNOP_bind_interdomain, &bind) == 0);
    uint32_t port = bind.local_port;
    /* masked: this VM takes no upcall and reads its pending bits itself */
    __atomic_fetch_or(&shinfo->evtchn_mask[port / 64], 1ULL << (port % 64), __ATOMIC_RELEASE);
    take_event(port); /* a fresh binding is pending, as on Xen */
    guest_printf("bound port %u to port %u of domain %u\n", port, a->port, (unsigned)peer);

    demo_page_t *b = (demo_page_t *)mine;
    strcpy(b->msg, "hello from a bare-metal VM");
    b->magic = DEMO_MAGIC;
    b->state = ST_OFFERED;
    grant_ref_t gb = gnttab_grant_access((domid_t)peer, (uintptr_t)mine / XEN_PAGE_SIZE, false);
    guest_printf("offered grant %u to domain %u\n", gb, (unsigned)peer);
    strcpy(a->reply, "got it, bare metal here");
    a->gref = gb;
    __sync_synchronize();
    a->state = ST_JOINED;
    struct evtchn_send s = {port};
    check("rang", evtchn(EVTCHNOP_send, &s) == 0);

    check("the Linux VM answered and rang", wait_state(&b->state, ST_ANSWERED, port));
    b->reply[MSG_MAX - 1] = '\0';
    guest_printf("the peer wrote in my page: \"%s\"\n", b->reply);
    b->state = ST_DONE;
    check("rang again", evtchn(EVTCHNOP_send, &s) == 0);
    check("the Linux VM let go of my page and rang", wait_state(&a->state, ST_FIN, port));
    check("unmapped its page", gnttab_unmap_refs(&m, 1) == 1 && m.status == GNTST_okay);
    check("rang a last time", evtchn(EVTCHNOP_send, &s) == 0);
    int rc = -EBUSY;
    for (unsigned long t = 0; t < TRIES && rc == -EBUSY; t++)
        if ((rc = gnttab_end_access(gb)) == -EBUSY)
            yield();
    check("grant ended", rc == 0);
    struct evtchn_close c = {port};
    check("port closed", evtchn(EVTCHNOP_close, &c) == 0);
    guest_printf("xenpeer: %u failed\n", failed);
    return failed ? 1 : 0;
}
