/*
 * Test guest with test-control: changes its own region table at run time through
 * SEPTUM_HC_REGION_SET and checks that each change takes effect at once: a page made read-only
 * refuses writes, a deleted page refuses reads, a re-added page reads its old contents.
 *
 * It also turns its MMU on with the page aliased at a virtual address far from its IPA and
 * writes the read-only page through that alias: a stage-2 permission fault, for which HPFAR_EL2
 * is UNKNOWN, so septum must find the IPA by translating FAR through this guest's stage 1. The
 * test compares the IPA septum logs with the page's address printed here.
 */
#include <septum/guest.h>

static volatile uint64_t page[512] __attribute__((aligned(4096)));

/* Stage 1 (4 KiB granule, 39-bit VA): the first GiB identity-mapped as device memory, the
 * second (RAM) as normal non-cacheable memory, and ALIAS_VA mapping the page. */
#define ALIAS_VA     0x80000000UL
#define DESC_BLOCK   0x1UL
#define DESC_TABLE   0x3UL
#define DESC_PAGE    0x3UL
#define DESC_AF      (1UL << 10)
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define MAIR_VALUE   0x4400UL /* attr0 Device-nGnRnE, attr1 Normal non-cacheable */
#define TCR_VALUE    (25UL | (1UL << 23) | (2UL << 32)) /* T0SZ 25, EPD1, IPS 40 bits */
#define SCTLR_M      1UL

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l3[512] __attribute__((aligned(4096)));

static void mmu(bool on)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    if (on) {
        l1[0] = 0x00000000UL | DESC_BLOCK | DESC_AF | DESC_ATTR(0);
        l1[1] = 0x40000000UL | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
        l1[2] = (uint64_t)(uintptr_t)l2 | DESC_TABLE;
        l2[0] = (uint64_t)(uintptr_t)l3 | DESC_TABLE;
        l3[0] = (uint64_t)(uintptr_t)page | DESC_PAGE | DESC_AF | DESC_ATTR(1);
        __asm__ volatile("dsb sy\n"
                         "msr mair_el1, %0\n"
                         "msr tcr_el1, %1\n"
                         "msr ttbr0_el1, %2\n"
                         "isb\n"
                         "tlbi vmalle1\n"
                         "dsb sy\n"
                         "isb" ::"r"(MAIR_VALUE),
                         "r"(TCR_VALUE), "r"((uint64_t)(uintptr_t)l1)
                         : "memory");
        sctlr |= SCTLR_M;
    } else {
        sctlr &= ~SCTLR_M;
    }
    __asm__ volatile("msr sctlr_el1, %0\nisb" ::"r"(sctlr) : "memory");
}

/* A write through the alias faults (and is stepped over by the SDK's handler). */
static bool alias_write_faults(void)
{
    uint64_t before = guest_exceptions;
    guest_expect_abort = true;
    *(volatile uint64_t *)(ALIAS_VA + 8) = 3;
    guest_expect_abort = false;
    return guest_exceptions != before;
}

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
    return septum_hvc(SEPTUM_HC_REGION_SET, op, (uint64_t)(uintptr_t)page, sizeof(page), flags, 0,
                      0, NULL);
}

int main(const void *dtb)
{
    (void)dtb;
    unsigned failed = 0;
    page[0] = 0xfeedf00d;
    check("write to RAM", !faults(true), &failed);
    check("make the page read-only", region(SEPTUM_REGION_OP_MODIFY, SEPTUM_REGION_R) == 0,
          &failed);
    check("write to the read-only page faults", faults(true), &failed);
    check("read of the read-only page works", !faults(false) && page[0] == 0xfeedf00d, &failed);
    guest_printf("page word 1 at 0x%lx\n", (unsigned long)(uintptr_t)&page[1]);
    mmu(true);
    bool aliased = *(volatile uint64_t *)ALIAS_VA == 0xfeedf00d;
    bool alias_faults = alias_write_faults();
    mmu(false);
    check("the page read through its alias at 0x80000000", aliased, &failed);
    check("write through the alias faults", alias_faults, &failed);
    check("make it writable again",
          region(SEPTUM_REGION_OP_MODIFY, SEPTUM_REGION_R | SEPTUM_REGION_W) == 0, &failed);
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
