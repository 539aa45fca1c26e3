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

/* ---- GNTTABOP_copy: septum copies whole pages through the vector registers (they are the
 * guest's: arch/aarch64/copy.S sets them aside) and the rest, or an overlap it cannot copy
 * forward, with memmove ---- */

static struct gnttab_copy cop __attribute__((aligned(64)));

static int16_t copy1(uint64_t src, uint16_t src_off, const void *dst, uint16_t dst_off,
                     uint16_t len, uint16_t flags)
{
    domid_t src_dom = flags & GNTCOPY_source_gref ? 1 : DOMID_SELF;
    cop = (struct gnttab_copy){{{.gmfn = src}, src_dom, src_off},
                               {{.gmfn = (uintptr_t)dst / XEN_PAGE_SIZE}, DOMID_SELF, dst_off},
                               len,
                               flags,
                               99};
    return raw(GNTTABOP_copy, (uintptr_t)&cop, 1) ? 99 : cop.status;
}

static uint8_t csrc[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static uint8_t cdst[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static uint8_t cwant[XEN_PAGE_SIZE];

static void fill(uint8_t *p, unsigned seed)
{
    for (unsigned i = 0; i < XEN_PAGE_SIZE; i++)
        p[i] = (uint8_t)(i * 7 + seed + (i >> 8));
}

/* A copy from csrc to cdst (or within csrc when same), checked against the guest's own memmove
 * of the same bytes: every byte of the destination page, so nothing outside the range moves. */
static bool copy_matches(uint16_t src_off, uint16_t dst_off, uint16_t len, bool same)
{
    fill(csrc, len);
    fill(cdst, len + 1);
    memcpy(cwant, same ? csrc : cdst, XEN_PAGE_SIZE);
    memmove(cwant + dst_off, csrc + src_off, len);
    uint8_t *dst = same ? csrc : cdst;
    return copy1((uintptr_t)csrc / XEN_PAGE_SIZE, src_off, dst, dst_off, len, 0) == GNTST_okay &&
           !memcmp(dst, cwant, XEN_PAGE_SIZE);
}

/* The guest's vector registers v0-v7 hold the same bits after a 4 KiB copy as before it. */
static bool vregs_kept(void)
{
    static uint8_t in[128] __attribute__((aligned(16))), out[128] __attribute__((aligned(16)));
    for (unsigned i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(0xa5 ^ (i * 37));
    memset(out, 0, sizeof(out));
    cop = (struct gnttab_copy){{{.gmfn = (uintptr_t)csrc / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                               {{.gmfn = (uintptr_t)cdst / XEN_PAGE_SIZE}, DOMID_SELF, 0},
                               XEN_PAGE_SIZE,
                               0,
                               99};
    register uint64_t x0 __asm__("x0") = GNTTABOP_copy;
    register uint64_t x1 __asm__("x1") = (uintptr_t)&cop;
    register uint64_t x2 __asm__("x2") = 1;
    register uint64_t x16 __asm__("x16") = __HYPERVISOR_grant_table_op;
    __asm__ volatile("ld1 {v0.16b-v3.16b}, [%[in]]\n"
                     "add x9, %[in], #64\n"
                     "ld1 {v4.16b-v7.16b}, [x9]\n"
                     "hvc #0xea1\n"
                     "st1 {v0.16b-v3.16b}, [%[out]]\n"
                     "add x9, %[out], #64\n"
                     "st1 {v4.16b-v7.16b}, [x9]\n"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x16)
                     : [in] "r"(in), [out] "r"(out)
                     : "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
                       "x15", "x17", "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "memory");
    return x0 == 0 && cop.status == GNTST_okay && !memcmp(in, out, sizeof(in));
}

static void copies(const char *granted)
{
    check("copy of a whole page", copy_matches(0, 0, XEN_PAGE_SIZE, false));
    check("copy of 4095 bytes, offsets 1 and 0", copy_matches(1, 0, XEN_PAGE_SIZE - 1, false));
    check("copy of 1000 bytes at odd offsets", copy_matches(3, 2001, 1000, false));
    check("copy of 512 and of 511 bytes",
          copy_matches(512, 1024, 512, false) && copy_matches(7, 9, 511, false));
    check("copy of 64 and of 100 bytes",
          copy_matches(0, 64, 64, false) && copy_matches(33, 3000, 100, false));
    check("copy of one byte", copy_matches(4095, 0, 1, false));
    check("copy within a page, forward over itself", copy_matches(100, 0, 3000, true));
    check("copy within a page, backward over itself", copy_matches(0, 100, 3000, true));
    check("vector registers kept across a copy", vregs_kept());
    check("the copy under it done", !memcmp(cdst, csrc, XEN_PAGE_SIZE));
    /* the granter's page, by its reference: the same bytes as the mapping shows (but byte 129,
     * which the granter may set meanwhile) */
    fill(cdst, 1);
    check("copy of the granted page by reference",
          copy1(8, 0, cdst, 0, XEN_PAGE_SIZE, GNTCOPY_source_gref) == GNTST_okay &&
              !memcmp(cdst, granted, 129) &&
              !memcmp(cdst + 130, granted + 130, XEN_PAGE_SIZE - 130));
    check("copy beyond the page refused", copy1((uintptr_t)csrc / XEN_PAGE_SIZE, 1, cdst, 0,
                                                XEN_PAGE_SIZE, 0) == GNTST_bad_copy_arg);
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

    copies(page);

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
