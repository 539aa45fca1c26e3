/*
 * Page-table bystander (security finding 14), domain 1 beside three hogs (tests/guests/hog.c,
 * domains 2-4): lends each hog a page, waits until all three have spent their stage-2 table
 * budgets mapping it all over their address spaces, and then needs page tables itself: its
 * grant-table frame moved to 12 places 512 GiB apart, and a hog's page mapped at 12 such
 * places. Each VM's tables are its own, so all of that works. Then it tells the hogs to stop,
 * revokes its grants once their mappings are gone, and maps at 12 far places again.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <stdio.h>
#include <string.h>

#define PAGE     XEN_PAGE_SIZE
#define PLACE(i) ((uint64_t)(i) << 39)
#define HOGS     3
#define FAR      12 /* places, each needing a table on every level below the root */

static char pages[HOGS][PAGE] __attribute__((aligned(PAGE)));
static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

/* Grant-table frame idx at gpa (XENMEM_add_to_physmap; a frame mapped again moves). */
static long physmap(unsigned idx, uint64_t gpa)
{
    static struct xen_add_to_physmap x __attribute__((aligned(64)));
    x = (struct xen_add_to_physmap){DOMID_SELF, 0, XENMAPSPACE_grant_table, idx, gpa / PAGE};
    return xen_hypercall(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, (uintptr_t)&x, 0, 0, 0);
}

/* Its second table frame (entries 512 and up, unused) moved to FAR places from first, in turn,
 * read back at each through a mark left in it; then back into the grant window. */
static bool frame_moves(unsigned first)
{
    volatile grant_entry_v1_t *window = (grant_entry_v1_t *)(uintptr_t)SEPTUM_GRANT_WINDOW;
    window[GRANTS_PER_FRAME].frame = 0x5eb1;
    bool ok = true;
    for (unsigned i = 0; i < FAR && ok; i++) {
        volatile grant_entry_v1_t *at = (grant_entry_v1_t *)(uintptr_t)PLACE(first + i);
        ok = physmap(1, PLACE(first + i)) == 0 && at->frame == 0x5eb1;
        if (!ok)
            guest_printf("table frame at place %u: refused\n", first + i);
    }
    return physmap(1, SEPTUM_GRANT_WINDOW + PAGE) == 0 &&
           window[GRANTS_PER_FRAME].frame == 0x5eb1 && ok;
}

static int16_t map1(uint64_t at, domid_t dom, grant_ref_t ref, grant_handle_t *h)
{
    struct gnttab_map_grant_ref op = {at, GNTMAP_host_map | GNTMAP_readonly, ref, dom, 0, 0, 0};
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

int main(const void *dtb)
{
    (void)dtb;
    check("grant table mapped", gnttab_init() == 0);
    grant_ref_t refs[HOGS];
    for (unsigned k = 0; k < HOGS; k++) {
        memset(pages[k], 0, PAGE);
        snprintf(pages[k] + 128, 64, "bystander page %u", k);
        refs[k] = gnttab_grant_access((domid_t)(2 + k), (uintptr_t)pages[k] / PAGE, false);
    }
    check("lent refs 8 to 10", refs[0] == 8 && refs[1] == 9 && refs[2] == 10);

    /* the hogs say "done" once their budgets are spent */
    for (unsigned k = 0; k < HOGS; k++)
        for (unsigned long t = 0; *(volatile char *)&pages[k][0] != 'D' && t < 100000000; t++)
            yield();
    bool all = true;
    for (unsigned k = 0; k < HOGS; k++)
        all &= *(volatile char *)&pages[k][0] == 'D';
    check("the three hogs have mapped all they could", all);

    check("while the hogs hold their tables: its table frame maps at 12 far places",
          frame_moves(100));
    grant_handle_t h[FAR];
    bool ok = true;
    unsigned mapped = 0;
    while (mapped < FAR) {
        uint64_t at = PLACE(200 + mapped);
        int16_t st = map1(at, 2, 8, &h[mapped]);
        if (st != GNTST_okay) {
            guest_printf("hog's page at place %u: %s\n", 200 + mapped, gnttabop_error(st));
            ok = false;
            break;
        }
        ok &= !strcmp((const char *)(uintptr_t)at, "a hog's page");
        mapped++;
    }
    for (unsigned i = 0; i < mapped; i++)
        ok &= unmap1(PLACE(200 + i), h[i]) == GNTST_okay;
    check("while the hogs hold their tables: a hog's page maps at 12 far places", ok);

    /* the hogs stop; their mappings of its pages go with them */
    for (unsigned k = 0; k < HOGS; k++)
        *(volatile char *)&pages[k][64] = 'S';
    all = true;
    for (unsigned k = 0; k < HOGS; k++) {
        int rc;
        unsigned long t = 0;
        while ((rc = gnttab_end_access(refs[k])) == -EBUSY && t++ < 100000000)
            yield();
        all &= rc == 0;
    }
    check("the hogs have stopped: every grant revoked", all);
    check("after the hogs: its table frame maps at 12 far places", frame_moves(300));
    guest_printf("bystander: %u failed\n", failed);
    return 0;
}
