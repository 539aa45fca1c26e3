/*
 * Grant-latency test (tests/system/security-grants.sh), a granter the victim relies on: lends
 * the victim (victim=D) two pages, ref 8 (read-only, which it copies from to time itself) and
 * ref 9 (which it keeps mapped while it measures). It sleeps wait=MS on its timer in one go, so
 * that no timer of its own falls into the measurement, then revokes both once the victim has let
 * go of ref 9.
 */
#include <errno.h>
#include <septum/gnttab.h>
#include <septum/guest.h>
#include <string.h>

static char pages[2][XEN_PAGE_SIZE] __attribute__((aligned(XEN_PAGE_SIZE)));

/* End access to ref, waiting (asleep) while it is still mapped or being copied. */
static bool revoke(grant_ref_t ref, unsigned tries)
{
    int rc;
    while ((rc = gnttab_end_access(ref)) == -EBUSY && tries--)
        guest_sleep_ms(1);
    return rc == 0;
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t victim = 1, wait = 200;
    guest_arg("victim", &victim);
    guest_arg("wait", &wait);
    if (gnttab_init() != 0) {
        guest_printf("shared: no grant table: FAILED\n");
        return 1;
    }
    memset(pages, 's', sizeof(pages));
    grant_ref_t timed = gnttab_grant_access((domid_t)victim, (uintptr_t)pages[0] / XEN_PAGE_SIZE,
                                            true);
    grant_ref_t held = gnttab_grant_access((domid_t)victim, (uintptr_t)pages[1] / XEN_PAGE_SIZE,
                                           false);
    guest_printf("shared: refs %u and %u lent to domain %lu\n", timed, held, (unsigned long)victim);
    guest_sleep_ms(wait);
    bool ok = revoke(held, 1000) && revoke(timed, 1000);
    guest_printf("shared: both grants revoked: %s\n", ok ? "ok" : "FAILED");
    return 0;
}
