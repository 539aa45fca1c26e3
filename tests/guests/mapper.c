/*
 * Grant-table test, mapping side (domain 2), or an outsider (bootargs outsider=1) that must be
 * refused. Maps the granter's pages, reads and answers, then tries every bad argument and
 * checks its documented status.
 */
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <string.h>

static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static int16_t map1(void *page, grant_ref_t ref, domid_t dom, uint32_t flags,
                    struct gnttab_map_grant_ref *out)
{
    struct gnttab_map_grant_ref op = {(uintptr_t)page, flags, ref, dom, 0, 0, 0};
    if (gnttab_map_refs(&op, 1))
        return 99;
    if (out)
        *out = op;
    return op.status;
}

static long raw(unsigned cmd, uint64_t uop, uint64_t count)
{
    return xen_hypercall(__HYPERVISOR_grant_table_op, cmd, uop, count, 0, 0);
}

static volatile char *ro_page;
static void write_ro(void) { ro_page[0] = 'x'; }
static volatile char *gone_page;
static void read_gone(void) { (void)gone_page[0]; }

int main(const void *dtb)
{
    (void)dtb;
    uint64_t outsider = 0;
    guest_arg("outsider", &outsider);
    check("grant table mapped", gnttab_init() == 0);
    char *page = gnttab_get_page();
    struct gnttab_map_grant_ref m;
    int16_t st = GNTST_bad_gntref;
    for (unsigned long t = 0; t < 10000000 && st == GNTST_bad_gntref; t++)
        st = map1(page, 8, 1, GNTMAP_host_map, &m); /* until the grant exists */
    if (outsider) {
        guest_printf("map of another domain's grant: %s\n", gnttabop_error(st));
        check("an outsider is refused", st == GNTST_permission_denied);
        /* unmapping someone else's mapping: handles are per domain, so 0 is not ours */
        static struct gnttab_unmap_grant_ref u __attribute__((aligned(32)));
        u = (struct gnttab_unmap_grant_ref){0, 0, 0, 99};
        raw(GNTTABOP_unmap_grant_ref, (uintptr_t)&u, 1);
        check("unmapping another VM's mapping is refused", u.status == GNTST_bad_handle);
        guest_printf("outsider: %u failed\n", failed);
        guest_printf("done\n");
        return 0;
    }
    check("mapped the granted page", st == GNTST_okay);
    guest_printf("granter says: %s\n", page);
    check("message read", !strcmp(page, "ping from the granter"));
    strcpy(page + 64, "pong");
    page[128] = 1;
    uint64_t teardown = 0;
    guest_arg("expect_teardown", &teardown);
    if (teardown) {
        /* the granter stops without revoking: septum must take the mapping away */
        gone_page = page;
        bool gone = false;
        for (unsigned long t = 0; t < 100000000 && !gone; t++)
            gone = guest_faults(read_gone);
        check("the mapping is gone once the granter stopped", gone);
        guest_printf("mapper: %u failed\n", failed);
        guest_printf("done\n");
        return 0;
    }

    /* the read-only grant */
    char *page2 = gnttab_get_page();
    /* the granter makes it after its message: until it exists, the reference is bad */
    st = GNTST_bad_gntref;
    for (unsigned long t = 0; t < 10000000 && st == GNTST_bad_gntref; t++)
        st = map1(page2, 9, 1, GNTMAP_host_map, NULL);
    check("read-only grant mapped writable is refused", st == GNTST_permission_denied);
    struct gnttab_map_grant_ref m2;
    check("read-only grant mapped read-only",
          map1(page2, 9, 1, GNTMAP_host_map | GNTMAP_readonly, &m2) == GNTST_okay);
    check("it reads", !strcmp(page2, "read-only words"));
    ro_page = page2;
    check("writing it faults in this VM", guest_faults(write_ro));

    /* every bad argument */
    char *page3 = gnttab_get_page();
    check("bad ref", map1(page3, 600, 1, GNTMAP_host_map, NULL) == GNTST_bad_gntref);
    check("bad domid", map1(page3, 8, 9, GNTMAP_host_map, NULL) == GNTST_bad_domain);
    check("misaligned host_addr",
          map1(page3 + 8, 8, 1, GNTMAP_host_map, NULL) == GNTST_bad_virt_addr);
    check("host_addr over RAM",
          map1((void *)0x40100000, 8, 1, GNTMAP_host_map, NULL) == GNTST_bad_virt_addr);
    check("host_addr already mapped",
          map1(page, 8, 1, GNTMAP_host_map, NULL) == GNTST_bad_virt_addr);
    static struct gnttab_map_grant_ref ops[2] __attribute__((aligned(XEN_PAGE_SIZE)));
    check("count 0", raw(GNTTABOP_map_grant_ref, (uintptr_t)ops, 0) == 0);
    check("absurd count", raw(GNTTABOP_map_grant_ref, (uintptr_t)ops, 1000000) == -XEN_EINVAL);
    check("array outside RAM", raw(GNTTABOP_map_grant_ref, 0x10, 1) == -XEN_EFAULT);
    /* an operation that straddles two pages is read and written back whole */
    static uint8_t two[2 * XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
    struct gnttab_map_grant_ref across = {0x3000300000ULL, GNTMAP_host_map, 100000, 1, 99, 0, 0};
    memcpy(two + XEN_PAGE_SIZE - 16, &across, sizeof(across));
    check("array crossing a page",
          raw(GNTTABOP_map_grant_ref, (uintptr_t)two + XEN_PAGE_SIZE - 16, 1) == 0);
    memcpy(&across, two + XEN_PAGE_SIZE - 16, sizeof(across));
    check("its status written across the page", across.status == GNTST_bad_gntref);
    check("unknown command", raw(77, (uintptr_t)ops, 1) == -XEN_ENOSYS);
    struct gnttab_unmap_grant_ref bad = {0, 0, 1000, 0};
    raw(GNTTABOP_unmap_grant_ref, (uintptr_t)&bad, 1);
    check("bad handle", bad.status == GNTST_bad_handle);

    /* let the granter try to revoke, then unmap */
    while (!page[129])
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    check("unmap", gnttab_unmap_refs(&m, 1) == 1 && m.status == GNTST_okay);
    check("unmap read-only", gnttab_unmap_refs(&m2, 1) == 1 && m2.status == GNTST_okay);
    check("double unmap", gnttab_unmap_refs(&m, 1) == 1 && m.status == GNTST_bad_handle);
    gone_page = page;
    check("no dangling mapping", guest_faults(read_gone));
    gnttab_put_page(page);
    gnttab_put_page(page2);
    gnttab_put_page(page3);
    guest_printf("mapper: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
