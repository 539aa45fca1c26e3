/*
 * EL2 stage-1 MMU bring-up and maintenance. The tables themselves are built by mm/pt; this file
 * only programs MAIR/TCR/TTBR0/SCTLR and does the cache and TLB maintenance around them.
 */
#include <arch/mmu.h>
#include <arch/pte.h>
#include <arch/sysreg.h>

#define CACHE_LINE_MIN 4 /* CTR_EL0.DminLine is log2(words) */

unsigned arch_pa_bits(void)
{
    static const unsigned bits[] = PARANGE_BITS_TABLE;
    uint64_t r = read_sysreg(id_aa64mmfr0_el1) & MMFR0_PARANGE_MASK;
    if (r >= sizeof(bits) / sizeof(bits[0]))
        r = sizeof(bits) / sizeof(bits[0]) - 1;
    return bits[r];
}

static uint64_t dcache_line(void)
{
    uint64_t ctr = read_sysreg(ctr_el0);
    return (uint64_t)CACHE_LINE_MIN << ((ctr >> 16) & 0xf);
}

uint64_t arch_dcache_line(void) { return dcache_line(); }

/* Four lines a round (10 instructions), then one: a VM's kernel is cleaned after it is loaded
 * (33 MB for Debian's: 2 M instructions at a line a round). */
#define DC_BY_LINE(op, p, size)                                                                    \
    do {                                                                                           \
        uint64_t line = dcache_line(), end = (uint64_t)(p) + (size);                               \
        uint64_t a = (uint64_t)(p) & ~(line - 1);                                                  \
        uint64_t rounds = a < end ? (end - a) / (4 * line) : 0;                                    \
        if (rounds)                                                                                \
            __asm__ volatile("1: dc " op ", %[a]\n\tadd %[a], %[a], %[l]\n\t"                      \
                             "dc " op ", %[a]\n\tadd %[a], %[a], %[l]\n\t"                         \
                             "dc " op ", %[a]\n\tadd %[a], %[a], %[l]\n\t"                         \
                             "dc " op ", %[a]\n\tadd %[a], %[a], %[l]\n\t"                         \
                             "subs %[n], %[n], #1\n\tb.ne 1b"                                      \
                             : [a] "+r"(a), [n] "+r"(rounds)                                       \
                             : [l] "r"(line)                                                       \
                             : "cc", "memory");                                                    \
        for (; a < end; a += line)                                                                 \
            __asm__ volatile("dc " op ", %0" ::"r"(a) : "memory");                                 \
        dsb_sy();                                                                                  \
    } while (0)

void arch_dcache_clean(const void *p, uint64_t size) { DC_BY_LINE("cvac", p, size); }

/* clean+invalidate: a partial line at either end may hold someone else's live data */
void arch_dcache_inval(const void *p, uint64_t size) { DC_BY_LINE("civac", p, size); }

void arch_tlb_inval_el2(uint64_t va, uint64_t size)
{
    dsb_ishst();
    if (size > (64UL << 12)) {
        __asm__ volatile("tlbi alle2is" ::: "memory");
    } else {
        for (uint64_t a = va; a < va + size; a += 4096)
            __asm__ volatile("tlbi vae2is, %0" ::"r"(a >> 12) : "memory");
    }
    dsb_ish();
    isb();
}

void arch_tlb_inval_el2_local(uint64_t va, uint64_t size)
{
    __asm__ volatile("dsb nshst" ::: "memory");
    if (size > (64UL << 12)) {
        __asm__ volatile("tlbi alle2" ::: "memory");
    } else {
        for (uint64_t a = va; a < va + size; a += 4096)
            __asm__ volatile("tlbi vae2, %0" ::"r"(a >> 12) : "memory");
    }
    __asm__ volatile("dsb nsh" ::: "memory");
    isb();
}

static uint64_t mmu_mair(void)
{
    return (MAIR_NORMAL_WB << (8 * MAIR_IDX_NORMAL)) |
           (MAIR_DEVICE_nGnRE << (8 * MAIR_IDX_DEVICE)) |
           (MAIR_NORMAL_NC << (8 * MAIR_IDX_NORMAL_NC));
}

static uint64_t mmu_tcr(unsigned va_bits)
{
    uint64_t ps = read_sysreg(id_aa64mmfr0_el1) & MMFR0_PARANGE_MASK;
    if (ps > 5) /* 52-bit PA needs 64 KiB pages or LPA2; septum stays at 48 */
        ps = 5;
    return TCR_T0SZ(va_bits) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K |
           (ps << TCR_PS_SHIFT) | TCR_EL2_RES1;
}

static uint64_t mmu_sctlr(void)
{
    return SCTLR_EL2_RES1 | SCTLR_M | SCTLR_C | SCTLR_SA | SCTLR_I | SCTLR_WXN;
}

void arch_mmu_settings(uint64_t *mair, uint64_t *tcr, uint64_t *sctlr)
{
    *mair = read_sysreg(mair_el2);
    *tcr = read_sysreg(tcr_el2);
    *sctlr = read_sysreg(sctlr_el2);
}

void arch_mmu_enable(uint64_t root_pa, unsigned va_bits)
{
    write_sysreg(mmu_mair(), mair_el2);
    write_sysreg(mmu_tcr(va_bits), tcr_el2);
    write_sysreg(root_pa, ttbr0_el2);
    isb();
    __asm__ volatile("tlbi alle2" ::: "memory");
    /* EL1&0 entries of any VMID from before septum go too (see mm/s2.c: local invalidation) */
    __asm__ volatile("tlbi alle1" ::: "memory");
    dsb_sy();
    /* The tables were written with the MMU (and so the data cache) off; the walker reads them
     * as cacheable once the MMU is on, so no stale line may shadow them: invalidate first. */
    __asm__ volatile("ic iallu" ::: "memory");
    dsb_sy();
    isb();
    write_sysreg(mmu_sctlr(), sctlr_el2);
    isb();
}

/* Invalidation by IPA removes only stage-2-only entries: entries that combine stage 1 with the
 * old stage-2 result are tagged by VA, not IPA, and the Arm ARM's sequence follows the IPA
 * invalidation (and a DSB) with one of all stage-1 entries of the VMID (VMALLE1). */
static void s2_inval_is(uint64_t ipa, uint64_t size)
{
    dsb_ishst();
    if (size > (64UL << 12)) {
        __asm__ volatile("tlbi vmalls12e1is" ::: "memory");
    } else {
        for (uint64_t a = ipa; a < ipa + size; a += 4096)
            __asm__ volatile("tlbi ipas2e1is, %0" ::"r"(a >> 12) : "memory");
        dsb_ish();
        __asm__ volatile("tlbi vmalle1is" ::: "memory");
    }
    dsb_ish();
}

/* The same on this CPU only (no broadcast): the non-shareable forms and barriers. */
static void s2_inval_local(uint64_t ipa, uint64_t size)
{
    __asm__ volatile("dsb nshst" ::: "memory");
    if (size > (64UL << 12)) {
        __asm__ volatile("tlbi vmalls12e1" ::: "memory");
    } else {
        for (uint64_t a = ipa; a < ipa + size; a += 4096)
            __asm__ volatile("tlbi ipas2e1, %0" ::"r"(a >> 12) : "memory");
        __asm__ volatile("dsb nsh" ::: "memory");
        __asm__ volatile("tlbi vmalle1" ::: "memory");
    }
    __asm__ volatile("dsb nsh" ::: "memory");
}

void arch_s2_tlb_inval(uint64_t vttbr, uint64_t ipa, uint64_t size, bool local)
{
    /* TLBI by IPA acts on the VMID in VTTBR_EL2, so that VM's value is loaded for the duration */
    uint64_t old = read_sysreg(vttbr_el2);
    if (old != vttbr) {
        write_sysreg(vttbr, vttbr_el2);
        isb();
    }
    if (local)
        s2_inval_local(ipa, size);
    else
        s2_inval_is(ipa, size);
    isb();
    if (old != vttbr) {
        write_sysreg(old, vttbr_el2);
        isb();
    }
}
