/*
 * Test guest with test-control: changes its own region table at run time through
 * SEPTUM_HC_REGION_SET and checks that each change takes effect at once: a page made read-only
 * refuses writes, a deleted page refuses reads, a re-added page reads its old contents.
 */
#include <septum/guest.h>

static volatile uint64_t page[512] __attribute__((aligned(4096)));

static bool faults(bool write)
{
    uint64_t before = guest_exceptions;
    guest_expect_abort = true;
    if (write)
        page[1] = 2;
    else
        (void)page[0];
    guest_expect_abort = false;
    return guest_exceptions != before;
}

static void check(const char *what, bool ok, unsigned *failed)
{
    guest_printf("%s: %s\n", what, ok ? "ok" : "FAILED");
    *failed += !ok;
}

static int64_t region(unsigned op, unsigned flags)
{
    return septum_hvc(SEPTUM_HC_REGION_SET, op, (uint64_t)(uintptr_t)page, sizeof(page), flags,
                      0, 0, NULL);
}

int main(const void *dtb)
{
    (void)dtb;
    unsigned failed = 0;
    page[0] = 0xfeedf00d;
    check("write to RAM", !faults(true), &failed);
    check("make the page read-only", region(SEPTUM_REGION_OP_MODIFY, SEPTUM_REGION_R) == 0, &failed);
    check("write to the read-only page faults", faults(true), &failed);
    check("read of the read-only page works", !faults(false) && page[0] == 0xfeedf00d, &failed);
    check("make it writable again", region(SEPTUM_REGION_OP_MODIFY,
                                           SEPTUM_REGION_R | SEPTUM_REGION_W) == 0, &failed);
    check("write works again", !faults(true), &failed);
    check("delete the page", region(SEPTUM_REGION_OP_DELETE, 0) == 0, &failed);
    check("read of the deleted page faults", faults(false), &failed);
    check("delete it again is refused", region(SEPTUM_REGION_OP_DELETE, 0) != 0, &failed);
    check("re-add the page", region(SEPTUM_REGION_OP_ADD, SEPTUM_REGION_R | SEPTUM_REGION_W) == 0,
          &failed);
    check("re-added page keeps its contents", !faults(false) && page[0] == 0xfeedf00d, &failed);
    check("adding it twice is refused", region(SEPTUM_REGION_OP_ADD, SEPTUM_REGION_R) != 0,
          &failed);
    guest_printf("regions: %u failed\n", failed);
    guest_printf("done\n");
    return 0;
}
