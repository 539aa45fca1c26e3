/*
 * Grant-table attack test, the victim's side (domain 1): lends three pages read-write and one
 * read-only to domain 2 (tests/guests/attacker.c), waits until the attacker says it is done, then
 * checks that every grant can be revoked (nothing it unmapped stays mapped, nothing stays pinned)
 * and that the read-only page is exactly as it was lent.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <stdio.h>
#include <string.h>

static char pages[4][XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));
static unsigned failed;

static void check(const char *what, bool ok)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    failed += !ok;
}

static void yield(void) { xen_hypercall(__HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0, 0, 0); }

int main(const void *dtb)
{
    (void)dtb;
    check("grant table mapped", gnttab_init() == 0);
    grant_ref_t refs[4];
    for (unsigned i = 0; i < 4; i++) {
        memset(pages[i], 0, sizeof(pages[i]));
        snprintf(pages[i], 64, "lent page %u", i);
        refs[i] = gnttab_grant_access(2, (uintptr_t)pages[i] / XEN_PAGE_SIZE, i == 3);
    }
    check("refs 8 to 11", refs[0] == 8 && refs[3] == 11);
    unsigned long tries = 100000000;
    while (!*(volatile char *)&pages[0][100] && tries--)
        yield();
    check("the attacker finished", pages[0][100] == 'D');
    for (unsigned i = 0; i < 4; i++) {
        int rc;
        tries = 10000000;
        while ((rc = gnttab_end_access(refs[i])) == -EBUSY && tries--)
            yield();
        guest_printf("revoke ref %u: %s\n", refs[i], rc ? "FAILED" : "ok");
        failed += rc != 0;
    }
    char want[64] = {0};
    snprintf(want, sizeof(want), "lent page %u", 3);
    bool intact = !memcmp(pages[3], want, sizeof(want));
    for (unsigned i = 64; i < XEN_PAGE_SIZE && intact; i++)
        intact = pages[3][i] == 0;
    check("the read-only page is unchanged", intact);
    guest_printf("lender: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
