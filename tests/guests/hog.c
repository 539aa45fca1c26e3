/*
 * Page-table hog (security finding 14), one of three beside tests/guests/bystander.c: maps the
 * page the bystander lends it (bootargs ref=N, the grant's reference) again and again, each
 * time 512 GiB from the last, so that every mapping needs a page table on each of stage 2's
 * levels, until septum refuses one. The refusal must be its own: GNTST_general_error, nothing
 * left at the refused place (nor where a grant-table frame was refused), and a place given up
 * makes room for it again. It also lends a page of its own to the bystander. Then it says
 * "done" in the lent page and waits for the bystander's "stop" there before it powers its VM
 * off (which tears its mappings down).
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <stdio.h>
#include <string.h>

#define PAGE       XEN_PAGE_SIZE
#define PLACE(i)   ((uint64_t)(i) << 39) /* one level-0 entry each: 512 GiB apart */
#define PLACES_MAX 80                    /* more than its region table holds */
#define BYSTANDER  1

static char own[PAGE] __attribute__((aligned(PAGE)));
static grant_handle_t handle[PLACES_MAX + 2];
static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

static int16_t map1(uint64_t at, grant_ref_t ref, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {at, GNTMAP_host_map, ref, BYSTANDER, 0, 0, 0};
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

/* Grant-table frame idx at gpa (XENMEM_add_to_physmap). */
static long physmap(unsigned idx, uint64_t gpa)
{
    static struct xen_add_to_physmap x __attribute__((aligned(64)));
    x = (struct xen_add_to_physmap){DOMID_SELF, 0, XENMAPSPACE_grant_table, idx, gpa / PAGE};
    return xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&x, 0, 0, 0);
}

static volatile uint64_t probe_at;
static void probe_read(void) { (void)*(volatile char *)(uintptr_t)probe_at; }
static bool read_faults(uint64_t at)
{
    probe_at = at;
    return guest_faults(probe_read);
}

/* The bystander writes "bystander page K" at offset 128 of the page it lends. */
static bool holds_lent_page(uint64_t at)
{
    return !read_faults(at) && !strncmp((const char *)(uintptr_t)(at + 128), "bystander page", 14);
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t ref = 8;
    guest_arg("ref", &ref);
    check("grant table mapped", gnttab_init() == 0);
    snprintf(own, 64, "a hog's page");
    check("lent a page to the bystander",
          gnttab_grant_access(BYSTANDER, (uintptr_t)own / PAGE, true) == 8);

    /* the bystander's page at place 1, once it is lent */
    int16_t st = GNTST_bad_gntref;
    for (unsigned long t = 0; t < 10000000 && st == GNTST_bad_gntref; t++) {
        st = map1(PLACE(1), (grant_ref_t)ref, &handle[1]);
        if (st == GNTST_bad_gntref)
            yield();
    }
    check("mapped the bystander's page", st == GNTST_okay && holds_lent_page(PLACE(1)));

    /* ... and at every further place, until septum refuses */
    unsigned n = 1;
    while (n < PLACES_MAX &&
           (st = map1(PLACE(n + 1), (grant_ref_t)ref, &handle[n + 1])) == GNTST_okay)
        n++;
    guest_printf("mapped the bystander's page at %u places; the next one: %s\n", n,
                 gnttabop_error(st));
    check("the refusal is a general error", st == GNTST_general_error);
    check("the refused place stays empty", read_faults(PLACE(n + 1)));
    check("a grant-table frame is refused there too, and leaves nothing",
          physmap(1, PLACE(n + 2)) != 0 && read_faults(PLACE(n + 2)));
    check("a place given up makes room for it",
          unmap1(PLACE(n), handle[n]) == GNTST_okay &&
              map1(PLACE(n + 1), (grant_ref_t)ref, &handle[n + 1]) == GNTST_okay &&
              holds_lent_page(PLACE(n + 1)) && read_faults(PLACE(n)));

    /* done: say so in the lent page, and hold every mapping until the bystander says stop */
    volatile char *shared = (volatile char *)(uintptr_t)PLACE(1);
    shared[0] = 'D';
    unsigned long t = 0;
    while (shared[64] != 'S' && t++ < 100000000)
        yield();
    check("the bystander said stop", shared[64] == 'S');
    guest_printf("hog: %u failed\n", failed);
    return 0;
}
