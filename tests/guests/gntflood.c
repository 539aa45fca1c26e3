/*
 * Grant-latency test (tests/system/security-grants.sh), the attacker. Asleep for start=MS (the
 * victim measures alone meanwhile); then for singles=MS it copies the page the victim lent it
 * (domain victim=D, ref 8) into its own one page per hypercall; then, until the victim revokes
 * that grant, 101 pages per hypercall (a whole page of operations: the attack). The first
 * operation of every hypercall copies its phase (1: single copies, 2: batches) and how many
 * hypercalls it has made into the victim's page, so that the victim knows what it is measuring
 * beside; once the grant is revoked that copy fails, and the attacker stops. Every operation of
 * a batch must come back with its status written (septum continues long batches as Xen does,
 * the guest's HVC running again with the rest), and all of them but in the batch the
 * revocation cut short must have succeeded.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>

#define OPS (XEN_PAGE_SIZE / sizeof(struct gnttab_copy))

static struct gnttab_copy ops[OPS] __attribute__((aligned(XEN_PAGE_SIZE)));
static char sink[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static volatile uint64_t state[XEN_PAGE_SIZE / 8] __attribute__((aligned(XEN_PAGE_SIZE)));

static uint64_t now(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v));
    return v;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t victim = 1, start = 60, singles = 60, freq;
    guest_arg("victim", &victim);
    guest_arg("start", &start);
    guest_arg("singles", &singles);
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    guest_sleep_ms(start);
    uint64_t batches_at = now() + freq / 1000 * singles;
    ops[0] = (struct gnttab_copy){{{.gmfn = (uintptr_t)state / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                                  {{.ref = 8}, (domid_t)victim, 0},
                                  2 * sizeof(state[0]),
                                  GNTCOPY_dest_gref,
                                  0};
    for (unsigned i = 1; i < OPS; i++)
        ops[i] = (struct gnttab_copy){{{.ref = 8}, (domid_t)victim, 0},
                                      {{.gmfn = (uintptr_t)sink / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                                      XEN_PAGE_SIZE,
                                      GNTCOPY_source_gref,
                                      0};
    unsigned long calls[3] = {0, 0, 0}, cut = 0, lost = 0;
    for (unsigned phase = 1;; calls[phase]++) {
        if (phase == 1 && now() >= batches_at)
            phase = 2;
        unsigned n = phase == 1 ? 2 : OPS;
        state[0] = phase;
        state[1] = calls[1] + calls[2];
        for (unsigned i = 0; i < n; i++)
            ops[i].status = 1; /* no status: septum writes one for every operation */
        long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_copy, (uintptr_t)ops, n, 0,
                                0);
        if (rc != 0 || ops[0].status != GNTST_okay)
            break; /* the victim revoked: the end */
        unsigned failed = 0;
        for (unsigned i = 1; i < n; i++) {
            lost += ops[i].status == 1;
            failed += ops[i].status != GNTST_okay;
        }
        cut += failed != 0;
    }
    guest_printf("attacker: %lu single copies, %lu batches of %u; stopped: %s\n", calls[1],
                 calls[2], (unsigned)OPS - 1, gnttabop_error(ops[0].status));
    guest_printf("attacker: every status written: %s; failures only where cut short: %s\n",
                 lost ? "FAILED" : "ok", cut <= 1 ? "ok" : "FAILED");
    return 0;
}
