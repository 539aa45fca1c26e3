/*
 * Grant-table test, granting side: grants one page read-write and one read-only to domain 2,
 * passes a message, checks that it cannot revoke while the page is mapped, and revokes once the
 * other side has unmapped it.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <string.h>

static char a[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static char b[XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static bool wait_for(volatile char *flag, unsigned long tries)
{
    while (!*flag && tries--)
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    return *flag;
}

int main(const void *dtb)
{
    (void)dtb;
    check("grant table mapped", gnttab_init() == 0);
    uint64_t stress = 0;
    guest_arg("stress", &stress);
    if (stress) {
        /* one page for the stress test's four vCPUs; it says when it is done */
        grant_ref_t r = gnttab_grant_access(2, (uintptr_t)a / XEN_PAGE_SIZE, false);
        while (!*(volatile char *)a)
            xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
        int rc;
        unsigned long tries = 10000000;
        while ((rc = gnttab_end_access(r)) == -EBUSY && tries--)
            xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
        check("revoked after the stress test: no pin lost", rc == 0);
        guest_printf("granter: %u failed\n", failed);
        return 0;
    }
    strcpy(a, "ping from the granter");
    strcpy(b, "read-only words");
    grant_ref_t ra = gnttab_grant_access(2, (uintptr_t)a / XEN_PAGE_SIZE, false);
    grant_ref_t rb = gnttab_grant_access(2, (uintptr_t)b / XEN_PAGE_SIZE, true);
    guest_printf("granted refs %u and %u\n", ra, rb);
    check("refs as expected", ra == 8 && rb == 9);
    check("the peer wrote back", wait_for(&a[128], 10000000) && !strcmp(a + 64, "pong"));
    guest_printf("peer says: %s\n", a + 64);
    uint64_t stop_early = 0;
    guest_arg("stop_early", &stop_early);
    if (stop_early) {
        guest_printf("stopping while the page is still mapped\n");
        psci_system_off();
    }
    check("revoking a mapped grant fails", gnttab_end_access(ra) == -EBUSY);
    a[129] = 1; /* let the peer unmap */
    unsigned long tries = 10000000;
    int rc;
    while ((rc = gnttab_end_access(ra)) == -EBUSY && tries--)
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    check("revoked after the unmap", rc == 0);
    tries = 10000000;
    while ((rc = gnttab_end_access(rb)) == -EBUSY && tries--)
        xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
    check("read-only grant revoked", rc == 0);
    check("xen_version",
          xen_hypercall(__HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0) == ((4 << 16) | 17));
    static const char hi[] = "console_io works\n";
    check("console_io", xen_hypercall(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(hi) - 1,
                                      (uintptr_t)hi, 0, 0) == 0);
    guest_printf("granter: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
