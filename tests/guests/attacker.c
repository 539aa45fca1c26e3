/*
 * Grant-table attack test, the hostile grantee (domain 2, test-control): maps the three pages
 * domain 1 lends at adjacent addresses and its read-only page, then attacks:
 *  - fills its region table (splitting its own RAM) and unmaps the middle grant: the unmap must
 *    really remove the page (a grant mapping never merges with its neighbours, so deleting it
 *    needs no free slot), not answer "okay" and leave it mapped; and maps it again, which a
 *    full region table does not stop (grant mappings are kept apart from the regions);
 *  - maps its own grant-table frame again and again elsewhere: each move replaces the old
 *    place, so it cannot fill the region table;
 *  - tries to make a grant mapping writable or delete it with SEPTUM_HC_REGION_SET: refused;
 *  - hands septum buffers inside the read-only grant (query_size, setup_table's frame list):
 *    septum must not write there on its behalf.
 * Then it unmaps everything and tells the lender, which checks it can revoke every grant.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <string.h>

#define W       (SEPTUM_GRANT_WINDOW + 0x200000ULL) /* where it maps the lent pages */
#define MOVES   (SEPTUM_GRANT_WINDOW + 0x400000ULL) /* where it moves its table frame to */
#define SPLITS  0x40400000ULL                       /* its own RAM that it splits up */
#define RAM_END 0x40fe0000ULL                       /* ... and below its device tree */
#define PAGE    XEN_PAGE_SIZE

static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static int16_t map1(uint64_t at, grant_ref_t ref, bool ro, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {at,  GNTMAP_host_map | (ro ? GNTMAP_readonly : 0),
                                      ref, 1,
                                      0,   0,
                                      0};
    if (gnttab_map_refs(&op, 1))
        return 99;
    *h = op.handle;
    return op.status;
}

static int16_t unmap1(uint64_t at, grant_handle_t h)
{
    struct gnttab_map_grant_ref op = {at, 0, 0, 0, 0, 0, 0};
    op.handle = h;
    gnttab_unmap_refs(&op, 1);
    return op.status;
}

static int64_t region(unsigned op, uint64_t gpa, uint64_t len, unsigned flags)
{
    return septum_hvc(SEPTUM_HC_REGION_SET, op, gpa, len, flags, 0, 0, NULL);
}

static long physmap(uint64_t gpa)
{
    static struct xen_add_to_physmap x __attribute__((aligned(64)));
    x = (struct xen_add_to_physmap){DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, gpa / PAGE};
    return xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&x, 0, 0, 0);
}

static volatile uint64_t probe_at;
static void probe_read(void) { (void)*(volatile char *)(uintptr_t)probe_at; }
static void probe_write(void) { *(volatile char *)(uintptr_t)probe_at = 'x'; }
static bool read_faults(uint64_t at)
{
    probe_at = at;
    return guest_faults(probe_read);
}
static bool write_faults(uint64_t at)
{
    probe_at = at;
    return guest_faults(probe_write);
}

int main(const void *dtb)
{
    (void)dtb;
    check("grant table mapped", gnttab_init() == 0);
    grant_handle_t h[4] = {0, 0, 0, 0};
    int16_t st = GNTST_bad_gntref;
    for (unsigned long t = 0; t < 10000000 && st == GNTST_bad_gntref; t++)
        st = map1(W, 8, false, &h[0]); /* until the grants exist */
    check("mapped ref 8", st == GNTST_okay);
    /* the lender grants 8 to 11 one after the other: each may not exist yet */
    static const struct {
        const char *what;
        uint64_t at;
        grant_ref_t ref;
        bool ro;
    } more[] = {{"mapped ref 9 next to it", W + PAGE, 9, false},
                {"mapped ref 10 next to that", W + 2 * PAGE, 10, false},
                {"mapped ref 11 read-only", W + 4 * PAGE, 11, true}};
    for (unsigned i = 0; i < 3; i++) {
        st = GNTST_bad_gntref;
        for (unsigned long t = 0; t < 10000000 && st == GNTST_bad_gntref; t++)
            st = map1(more[i].at, more[i].ref, more[i].ro, &h[i + 1]);
        check(more[i].what, st == GNTST_okay);
    }
    check("the lent pages read", !strcmp((char *)(uintptr_t)(W + PAGE), "lent page 1") &&
                                     !strcmp((char *)(uintptr_t)(W + 4 * PAGE), "lent page 3"));

    /* fill the region table with its own RAM cut into pieces */
    unsigned splits = 0;
    while (splits < 64 &&
           region(SEPTUM_REGION_OP_MODIFY, SPLITS + 2 * splits * PAGE, PAGE, SEPTUM_REGION_R) == 0)
        splits++;
    /* the last free slots: one page at a time off the end of its RAM, alternating flags so
     * that each piece is a region of its own (each change needs exactly one slot) */
    unsigned ends = 0;
    while (ends < 64 && region(SEPTUM_REGION_OP_MODIFY, RAM_END - (ends + 1) * PAGE, PAGE,
                               ends % 2 ? SEPTUM_REGION_R | SEPTUM_REGION_X : SEPTUM_REGION_R) == 0)
        ends++;
    guest_printf("region table full after %u splits\n", splits + ends);
    check("the table filled up", splits > 0 && splits + ends < 64);
    check("unmap the middle grant with the table full", unmap1(W + PAGE, h[1]) == GNTST_okay);
    check("the middle page is really gone", read_faults(W + PAGE));
    check("its neighbours are still there", !read_faults(W) && !read_faults(W + 2 * PAGE));
    /* grant mappings are kept apart from its regions: a full table does not stop one */
    check("the middle grant mapped again with the table full",
          map1(W + PAGE, 9, false, &h[1]) == GNTST_okay && !read_faults(W + PAGE));
    check("and unmapped again", unmap1(W + PAGE, h[1]) == GNTST_okay && read_faults(W + PAGE));
    for (unsigned i = 0; i < splits; i++)
        region(SEPTUM_REGION_OP_MODIFY, SPLITS + 2 * i * PAGE, PAGE,
               SEPTUM_REGION_R | SEPTUM_REGION_W | SEPTUM_REGION_X);
    region(SEPTUM_REGION_OP_MODIFY, RAM_END - ends * PAGE, ends * PAGE,
           SEPTUM_REGION_R | SEPTUM_REGION_W | SEPTUM_REGION_X);

    /* its own table frame, mapped again and again */
    bool moved = true;
    for (unsigned i = 0; i < 80 && moved; i++)
        moved = physmap(MOVES + i * PAGE) == 0;
    check("80 moves of its table frame accepted", moved);
    check("the old places are empty", read_faults(MOVES) && read_faults(MOVES + 78 * PAGE));
    check("the last place holds the frame", !read_faults(MOVES + 79 * PAGE));
    check("its region table still has room",
          region(SEPTUM_REGION_OP_MODIFY, SPLITS, PAGE, SEPTUM_REGION_R) == 0 &&
              region(SEPTUM_REGION_OP_MODIFY, SPLITS, PAGE,
                     SEPTUM_REGION_R | SEPTUM_REGION_W | SEPTUM_REGION_X) == 0);

    /* septum's regions are not the guest's to change */
    check("making a read-only grant writable is refused",
          region(SEPTUM_REGION_OP_MODIFY, W + 4 * PAGE, PAGE, SEPTUM_REGION_R | SEPTUM_REGION_W) !=
              0);
    check("the read-only grant still faults on write", write_faults(W + 4 * PAGE));
    check("deleting a grant mapping is refused",
          region(SEPTUM_REGION_OP_DELETE, W, PAGE, 0) != 0 && !read_faults(W));
    check("deleting its table frame's page is refused",
          region(SEPTUM_REGION_OP_DELETE, MOVES + 79 * PAGE, PAGE, 0) != 0);

    /* buffers in memory it may only read: septum must not write there for it */
    long rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, W + 4 * PAGE + 64, 1,
                            0, 0);
    check("query_size into the read-only grant: -EFAULT", rc == -XEN_EFAULT);
    static struct gnttab_setup_table s __attribute__((aligned(64)));
    s = (struct gnttab_setup_table){DOMID_SELF, 1, 0, W + 4 * PAGE + 128};
    rc = xen_hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, (uintptr_t)&s, 1, 0, 0);
    check("setup_table's frame list in the read-only grant: refused",
          rc == 0 && s.status == GNTST_bad_virt_addr);

    /* done: say so in the first page, then let everything go */
    *(volatile char *)(uintptr_t)(W + 100) = 'D';
    check("unmap ref 8", unmap1(W, h[0]) == GNTST_okay);
    check("unmap ref 10", unmap1(W + 2 * PAGE, h[2]) == GNTST_okay);
    check("unmap ref 11", unmap1(W + 4 * PAGE, h[3]) == GNTST_okay);
    guest_printf("attacker: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
