/*
 * Test guest: makes itself an abort it cannot take, three ways (bootargs mode=N):
 *   1  its stage-1 page tables in its virtual PL011's page (emulated: never mapped), MMU on;
 *   2  its stage-1 page tables in a hole of its address space, MMU on;
 *   3  valid tables in its RAM, but its vector base VBAR_EL1 at a virtual address they map to a
 *      hole, while that same address taken as an IPA is its own executable RAM; then a read of
 *      a hole.
 * In 1 and 2 the next instruction fetch faults on the table walk, and so would the fetch of
 * the exception vector; in 3 the vector fetch faults. An abort delivered there would fault
 * again, forever: septum must stop the VM instead, and the machine powers off when the other
 * VMs are done. Nothing after the fault runs, so "SURVIVED" must never be printed.
 */
#include <septum/guest.h>

/* Stage 1 as in tests/guests/regions.c: 4 KiB granule, 39-bit VA, TTBR0 only */
#define DESC_BLOCK   0x1UL
#define DESC_TABLE   0x3UL
#define DESC_AF      (1UL << 10)
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define MAIR_VALUE   0x4400UL /* attr0 Device-nGnRnE, attr1 Normal non-cacheable */
#define TCR_VALUE    (25UL | (1UL << 23) | (2UL << 32)) /* T0SZ 25, EPD1, IPS 40 bits */
#define SCTLR_M      1UL

#define PL011_PAGE 0x09000000UL /* this VM's virtual PL011: emulated */
#define HOLE       0x10000000UL /* no region there */
#define HOLE_2M    0x20000000UL
#define VECTOR_VA  0x40e00000UL /* in its RAM as an IPA (executable); mapped to HOLE_2M */

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));

static void mmu_on(uint64_t ttbr)
{
    uint64_t sctlr;
    __asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
    __asm__ volatile("dsb sy\n"
                     "msr mair_el1, %0\n"
                     "msr tcr_el1, %1\n"
                     "msr ttbr0_el1, %2\n"
                     "isb\n"
                     "tlbi vmalle1\n"
                     "dsb sy\n"
                     "isb\n"
                     "msr sctlr_el1, %3\n"
                     "isb" ::"r"(MAIR_VALUE),
                     "r"(TCR_VALUE), "r"(ttbr), "r"(sctlr | SCTLR_M)
                     : "memory");
}

int main(const void *dtb)
{
    (void)dtb;
    uint64_t mode = 0;
    guest_arg("mode", &mode);
    switch (mode) {
    case 1:
        guest_printf("stage-1 tables in the virtual PL011's page, MMU on\n");
        mmu_on(PL011_PAGE);
        break;
    case 2:
        guest_printf("stage-1 tables in a hole, MMU on\n");
        mmu_on(HOLE);
        break;
    case 3:
        /* the first GiB identity-mapped as device memory, the second as normal memory in 2 MiB
         * blocks, but for the one at VECTOR_VA, which maps a hole */
        l1[0] = 0x00000000UL | DESC_BLOCK | DESC_AF | DESC_ATTR(0);
        l1[1] = (uint64_t)(uintptr_t)l2 | DESC_TABLE;
        for (uint64_t i = 0; i < 512; i++)
            l2[i] = (0x40000000UL + (i << 21)) | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
        l2[(VECTOR_VA - 0x40000000UL) >> 21] = HOLE_2M | DESC_BLOCK | DESC_AF | DESC_ATTR(1);
        mmu_on((uint64_t)(uintptr_t)l1);
        guest_printf("MMU on; exception vectors at 0x%lx, which maps a hole\n", VECTOR_VA);
        __asm__ volatile("msr vbar_el1, %0; isb" ::"r"(VECTOR_VA));
        (void)*(volatile uint32_t *)HOLE;
        break;
    default: guest_printf("mode=1, 2 or 3 expected\n"); return 1;
    }
    guest_printf("SURVIVED\n");
    return 0;
}
