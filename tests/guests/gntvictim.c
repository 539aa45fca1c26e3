/*
 * Grant-latency test (tests/system/security-grants.sh), the victim: times one grant operation,
 * a GNTTABOP_copy of the page another VM lent it (domain granter=D, ref 8) into its own, in
 * virtual time (the counter, under QEMU's -icount shift=0: one nanosecond per instruction, the
 * same every run), samples=N times in each of three phases: alone (the attacker asleep); beside
 * the attacker copying the page the victim lent it one page per hypercall; and under attack,
 * the same copies 101 to a hypercall. It says whether its cost under attack stays within twice
 * its cost beside single copies. Between two samples it sleeps on its timer (a VM that polls
 * would keep its emulated CPU, see docs/design.md). The attacker writes its phase and hypercall
 * count into the lent page (ref 8); revoking that grant ends the attack. The granter's ref 9
 * stays mapped while it measures (the granter waits for it).
 *
 * Why beside single copies, and not alone, is the reference: under -icount QEMU runs one CPU at
 * a time, so a lock that the victim finds held costs it the holder's whole way to its next
 * request of that lock, not the holder's few instructions under it. Every grant copy takes the
 * firmware-map window's one lock (mm/fwmap.c) eight times, so any busy neighbour that copies
 * triples the victim's copy there, whatever the grant locks do. What the attack may not add is
 * the rest: waiting for a whole batch. The timed operation changes no stage 2 either: QEMU moves
 * to the next CPU on a broadcast TLB invalidation, which would charge the victim for a turn of
 * the attacker's CPU.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>

#define MAX_SAMPLES 64

static struct gnttab_copy op __attribute__((aligned(64)));
static struct gnttab_map_grant_ref map __attribute__((aligned(64)));
static struct gnttab_unmap_grant_ref unmap __attribute__((aligned(64)));
static volatile uint64_t lent[XEN_PAGE_SIZE / 8] __attribute__((aligned(XEN_PAGE_SIZE)));
static char into[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static uint64_t granter = 3, samples = 32, freq;

static long gnt_op(unsigned cmd, void *p)
{
    return xen_hypercall(__HYPERVISOR_grant_table_op, cmd, (uintptr_t)p, 1, 0, 0);
}

static uint64_t counter(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0; isb" : "=r"(v)::"memory");
    return v;
}

/* One timed copy of the granter's page, in nanoseconds; 0 if it failed. */
static uint64_t timed_copy(void)
{
    op = (struct gnttab_copy){{{.ref = 8}, (domid_t)granter, 0},
                              {{.gmfn = (uintptr_t)into / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                              XEN_PAGE_SIZE,
                              GNTCOPY_source_gref,
                              0};
    uint64_t t0 = counter();
    long rc = gnt_op(GNTTABOP_copy, &op);
    uint64_t t1 = counter();
    return rc == 0 && op.status == GNTST_okay ? (t1 - t0) * 1000000000UL / freq : 0;
}

typedef struct {
    uint64_t mean, median, max;
    bool failed;
} stats_t;

/* samples copies, each after a sleep on the timer. */
static stats_t measure(void)
{
    uint64_t ns[MAX_SAMPLES], sum = 0;
    stats_t s = {0, 0, 0, false};
    for (unsigned i = 0; i < samples; i++) {
        guest_sleep_ms(1);
        ns[i] = timed_copy();
        s.failed |= ns[i] == 0;
        sum += ns[i];
        s.max = ns[i] > s.max ? ns[i] : s.max;
    }
    for (unsigned i = 1; i < samples; i++) /* sorted, for the median */
        for (unsigned j = i; j > 0 && ns[j - 1] > ns[j]; j--) {
            uint64_t t = ns[j];
            ns[j] = ns[j - 1];
            ns[j - 1] = t;
        }
    s.mean = sum / samples;
    s.median = ns[samples / 2];
    return s;
}

static void report(const char *when, stats_t s)
{
    guest_printf("victim: copy of a granted page %s: mean %lu ns, median %lu ns, max %lu ns (%lu "
                 "samples)%s\n",
                 when, (unsigned long)s.mean, (unsigned long)s.median, (unsigned long)s.max,
                 (unsigned long)samples, s.failed ? " FAILED" : "");
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t attacker = 2;
    guest_arg("granter", &granter);
    guest_arg("attacker", &attacker);
    guest_arg("samples", &samples);
    if (samples == 0 || samples > MAX_SAMPLES)
        samples = MAX_SAMPLES;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(freq));
    if (gnttab_init() != 0) {
        guest_printf("victim: no grant table: FAILED\n");
        return 1;
    }
    grant_ref_t flag = gnttab_grant_access((domid_t)attacker, (uintptr_t)lent / XEN_PAGE_SIZE,
                                           false);
    char *held_at = gnttab_get_page();
    map = (struct gnttab_map_grant_ref){
        (uintptr_t)held_at, GNTMAP_host_map, 9, (domid_t)granter, 0, 0, 0};
    for (unsigned t = 0; (gnt_op(GNTTABOP_map_grant_ref, &map) || map.status) && t < 1000; t++)
        guest_sleep_ms(1); /* until the granter has lent its pages */
    if (map.status != GNTST_okay || timed_copy() == 0) {
        guest_printf("victim: cannot use the granter's pages: FAILED\n");
        return 1;
    }
    stats_t alone = measure();
    bool quiet = lent[0] == 0; /* the attacker was still asleep */
    /* the attacker's phases come later: 1, single copies; 2, batches */
    for (unsigned t = 0; lent[0] < 1 && t < 5000; t++)
        guest_sleep_ms(1);
    uint64_t first = lent[1];
    stats_t beside = measure();
    uint64_t singles = lent[1] - first, phase = lent[0];
    for (unsigned t = 0; lent[0] < 2 && t < 5000; t++)
        guest_sleep_ms(1);
    first = lent[1];
    stats_t attacked = measure();
    uint64_t during = lent[1] - first;
    unmap = (struct gnttab_unmap_grant_ref){(uintptr_t)held_at, 0, map.handle, 0};
    bool unmapped = gnt_op(GNTTABOP_unmap_grant_ref, &unmap) == 0 && unmap.status == GNTST_okay;
    int rc;
    for (unsigned t = 0; (rc = gnttab_end_access(flag)) == -EBUSY && t < 1000; t++)
        guest_sleep_ms(1); /* mid-copy: try again */
    report("alone", alone);
    report("beside single copies", beside);
    report("under attack", attacked);
    guest_printf("victim: the attacker made %lu single-copy and %lu batch hypercalls meanwhile\n",
                 (unsigned long)singles, (unsigned long)during);
    bool ok = !alone.failed && !beside.failed && !attacked.failed && quiet && phase == 1 &&
              singles > 0 && during > 0 && beside.mean > 0 && attacked.mean < 2 * beside.mean;
    uint64_t r100 = beside.mean ? attacked.mean * 100 / beside.mean : 0;
    uint64_t a100 = alone.mean ? attacked.mean * 100 / alone.mean : 0;
    guest_printf("victim: under attack %lu.%02lu times the cost beside single copies (%lu.%02lu "
                 "times alone): %s\n",
                 (unsigned long)(r100 / 100), (unsigned long)(r100 % 100),
                 (unsigned long)(a100 / 100), (unsigned long)(a100 % 100),
                 ok ? "within 2x: ok" : "FAILED");
    guest_printf("victim: %s\n",
                 unmapped && rc == 0 ? "its grant revoked, the granter's page let go" : "FAILED");
    return 0;
}
