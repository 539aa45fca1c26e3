/*
 * The PV console from a bare-metal Xen guest (xen-guest), honest and hostile: it reads the
 * console's page and port from the HVM parameters, writes a line into out[] and sends on the
 * port (septum prints it with the VM's prefix), then lies about out_prod (more than a ring
 * ahead, then behind septum's consumer), overwrites septum's own index in the page, sends on
 * the port in a loop of lies, and writes one more honest line: septum refuses each
 * lie, warns at a bounded rate, and still prints that last line. Its MMU is off, so the
 * page's guest-physical address is its address here.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <septum/xen.h>
#include <septum/xen_evtchn.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char in[1024];
    char out[2048];
    volatile uint32_t in_cons, in_prod, out_cons, out_prod;
} ring_t;

static long param(unsigned index, uint64_t *value)
{
    struct xen_hvm_param p = {.domid = DOMID_SELF, .index = index};
    long rc = xen_hypercall(__HYPERVISOR_hvm_op, HVMOP_get_param, (uintptr_t)&p, 0, 0, 0);
    *value = p.value;
    return rc;
}

static long send(uint32_t port)
{
    struct evtchn_send s = {.port = port};
    return xen_hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (uintptr_t)&s, 0, 0, 0);
}

static void put(ring_t *r, const char *s)
{
    uint32_t prod = r->out_prod;
    for (; *s; s++)
        r->out[prod++ % sizeof(r->out)] = *s;
    __sync_synchronize();
    r->out_prod = prod;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t pfn = 0, port = 0;
    if (param(HVM_PARAM_CONSOLE_PFN, &pfn) || param(HVM_PARAM_CONSOLE_EVTCHN, &port) || !pfn ||
        !port) {
        guest_printf("xencons: no PV console (pfn 0x%lx port %lu)\n", (unsigned long)pfn,
                     (unsigned long)port);
        return 1;
    }
    guest_printf("xencons: page at 0x%lx, port %lu\n", (unsigned long)(pfn << 12),
                 (unsigned long)port);
    ring_t *r = (ring_t *)(uintptr_t)(pfn << 12);
    put(r, "honest line one\n");
    guest_printf("xencons: send: %ld\n", send((uint32_t)port));
    guest_printf("xencons: septum consumed up to %u of %u\n", r->out_cons, r->out_prod);

    r->out_prod += 5000; /* more than a ring ahead */
    send((uint32_t)port);
    r->out_prod -= 6000; /* behind septum's consumer */
    send((uint32_t)port);
    r->out_cons = 0x12345678; /* septum's own index, overwritten */
    for (unsigned i = 0; i < 200; i++) {
        r->out_prod += 3000;
        send((uint32_t)port);
    }
    r->out_prod = r->out_cons; /* back in step with what septum says it consumed */
    put(r, "honest line two\n");
    send((uint32_t)port);
    guest_printf("xencons: done\n");
    return 0;
}
