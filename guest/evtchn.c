/*
 * Guest-side event channels (see guest/include/septum/evtchn.h). The upcall handler does what
 * the ABI asks of a guest: clear evtchn_upcall_pending, take evtchn_pending_sel, and for each
 * word it names deliver the pending ports that are not masked, clearing each pending bit before
 * its handler runs; then look again, since septum may have set upcall_pending meanwhile.
 */
#include <septum/evtchn.h>
#include <septum/gnttab.h>
#include <septum/guest.h>

#define XENMAPSPACE_SHARED_INFO 0
#define IAR_SPURIOUS            1020

static uint8_t shared[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static evtchn_handler_fn handler;
volatile uint32_t evtchn_events[64];
volatile uint64_t evtchn_upcalls;

static uint64_t *words(unsigned off) { return (uint64_t *)(void *)(shared + off); }

static void deliver(void)
{
    uint8_t *upcall = shared + XEN_VCPU_UPCALL_PENDING;
    uint64_t *sel = words(XEN_VCPU_PENDING_SEL);
    while (__atomic_exchange_n(upcall, (uint8_t)0, __ATOMIC_SEQ_CST)) {
        uint64_t ws = __atomic_exchange_n(sel, 0, __ATOMIC_SEQ_CST);
        for (unsigned w = 0; w < XEN_SHINFO_WORDS && ws; w++, ws >>= 1) {
            if (!(ws & 1))
                continue;
            uint64_t *pend = &words(XEN_SHINFO_PENDING)[w];
            uint64_t bits = __atomic_load_n(pend, __ATOMIC_SEQ_CST) &
                            ~__atomic_load_n(&words(XEN_SHINFO_MASK)[w], __ATOMIC_SEQ_CST);
            for (unsigned b = 0; bits; b++, bits >>= 1) {
                if (!(bits & 1))
                    continue;
                __atomic_fetch_and(pend, ~(1ULL << b), __ATOMIC_SEQ_CST);
                evtchn_port_t port = w * 64 + b;
                if (port < 64)
                    evtchn_events[port]++;
                if (handler)
                    handler(port);
            }
        }
    }
}

/* Through the GIC's CPU interface of either version (a GICv2 has no ICC system registers). */
static void upcall(void)
{
    uint32_t iar = guest_gic_ack();
    if (guest_gic_intid(iar) >= IAR_SPURIOUS)
        return;
    if (guest_gic_intid(iar) == XEN_EVTCHN_PPI) {
        evtchn_upcalls++;
        deliver();
    }
    guest_gic_eoi(iar);
}

int evtchn_init(evtchn_handler_fn fn)
{
    struct xen_add_to_physmap x = {DOMID_SELF, 0, XENMAPSPACE_SHARED_INFO, 0,
                                   (uint64_t)(uintptr_t)shared / XEN_PAGE_SIZE};
    long rc = xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uint64_t)(uintptr_t)&x,
                            0, 0, 0);
    if (rc)
        return (int)rc;
    handler = fn;
    guest_irq_handler = upcall;
    guest_gic_enable(XEN_EVTCHN_PPI, 0x80);
    __asm__ volatile("msr daifclr, #2" ::: "memory");
    return 0;
}

static long op(unsigned cmd, void *arg)
{
    return xen_hypercall(__HYPERVISOR_event_channel_op, cmd, (uint64_t)(uintptr_t)arg, 0, 0, 0);
}

long evtchn_alloc_unbound(domid_t remote)
{
    struct evtchn_alloc_unbound a = {DOMID_SELF, remote, 0};
    long rc = op(EVTCHNOP_alloc_unbound, &a);
    return rc ? rc : (long)a.port;
}

long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port)
{
    struct evtchn_bind_interdomain b = {remote, remote_port, 0};
    long rc = op(EVTCHNOP_bind_interdomain, &b);
    return rc ? rc : (long)b.local_port;
}

int evtchn_send(evtchn_port_t port)
{
    struct evtchn_send s = {port};
    return (int)op(EVTCHNOP_send, &s);
}

int evtchn_close(evtchn_port_t port)
{
    struct evtchn_close c = {port};
    return (int)op(EVTCHNOP_close, &c);
}

void evtchn_mask(evtchn_port_t port)
{
    __atomic_fetch_or(&words(XEN_SHINFO_MASK)[port / 64], 1ULL << (port % 64), __ATOMIC_SEQ_CST);
}

int evtchn_unmask(evtchn_port_t port)
{
    struct evtchn_unmask u = {port};
    return (int)op(EVTCHNOP_unmask, &u);
}

int evtchn_bind_vcpu(evtchn_port_t port, unsigned vcpu)
{
    struct evtchn_bind_vcpu b = {port, vcpu};
    return (int)op(EVTCHNOP_bind_vcpu, &b);
}

int evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){DOMID_SELF, port, 0, 0, {{0}}};
    return (int)op(EVTCHNOP_status, st);
}

bool evtchn_is_pending(evtchn_port_t port)
{
    return __atomic_load_n(&words(XEN_SHINFO_PENDING)[port / 64], __ATOMIC_SEQ_CST) >> (port % 64) &
           1;
}

uint32_t evtchn_wait(evtchn_port_t port, uint32_t seen)
{
    for (;;) {
        uint32_t now = evtchn_events[port % 64];
        if (now != seen)
            return now;
        guest_wfi_unless(evtchn_events[port % 64] != seen);
    }
}
