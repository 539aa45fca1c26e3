/*
 * The inter-VM demo of the default system: the VM with role=producer grants a page to its peer
 * and sends messages through a single-producer, single-consumer ring in it; the consumer maps
 * the page and prints what crossed. Notification is by polling: each side watches the other's
 * index and yields (sched_op) while there is nothing to do. Ring layout in the shared page:
 * head (written by the producer), tail (written by the consumer), then 16 slots of 64 bytes.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <stdio.h>
#include <string.h>

#define SLOTS    16
#define SLOT_LEN 64
#define MESSAGES 5

typedef struct ring {
    volatile uint32_t head, tail;
    char slot[SLOTS][SLOT_LEN];
} ring_t;

static char shared[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

static int produce(domid_t peer)
{
    ring_t *r = (ring_t *)shared;
    grant_ref_t ref = gnttab_grant_access(peer, (uintptr_t)shared / XEN_PAGE_SIZE, false);
    guest_printf("sharing a ring page with domain %u as grant %u\n", peer, ref);
    for (unsigned i = 1; i <= MESSAGES; i++) {
        while (r->head - r->tail == SLOTS)
            yield();
        snprintf(r->slot[r->head % SLOTS], SLOT_LEN, "message %u of %u", i, MESSAGES);
        __atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
        guest_printf("sent: message %u of %u\n", i, MESSAGES);
    }
    while (r->tail != MESSAGES)
        yield();
    while (gnttab_end_access(ref) != 0)
        yield(); /* until the consumer has unmapped it */
    guest_printf("all %u messages delivered; grant revoked\n", MESSAGES);
    return 0;
}

static int consume(domid_t peer)
{
    ring_t *r = gnttab_get_page();
    struct gnttab_map_grant_ref m = {(uintptr_t)r, GNTMAP_host_map, 8, peer, 0, 0, 0};
    do {
        m.status = 0;
        gnttab_map_refs(&m, 1);
        if (m.status)
            yield(); /* not granted yet */
    } while (m.status == GNTST_bad_gntref);
    if (m.status) {
        guest_printf("cannot map the ring: %s\n", gnttabop_error(m.status));
        return 1;
    }
    for (unsigned n = 0; n < MESSAGES;) {
        while (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == r->tail)
            yield();
        guest_printf("received: %s\n", r->slot[r->tail % SLOTS]);
        r->tail = r->tail + 1;
        n++;
    }
    gnttab_unmap_refs(&m, 1);
    gnttab_put_page(r);
    return 0;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t peer = 0, producer = 0, lines = 0, info[4];
    guest_arg("peer", &peer);
    guest_arg("lines", &lines);
    septum_hvc(SEPTUM_HC_VM_INFO, 0, 0, 0, 0, 0, 0, info);
    for (uint64_t i = 1; i <= lines; i++)
        guest_printf("hello %lu/%lu from vm %lu\n", (unsigned long)i, (unsigned long)lines,
                     (unsigned long)info[1]);
    guest_arg("producer", &producer);
    if (gnttab_init() != 0) {
        guest_printf("no grant table\n");
        return 1;
    }
    int rc = producer ? produce((domid_t)peer) : consume((domid_t)peer);
    guest_printf("done\n");
    return rc;
}
