/*
 * The fake arch's MMU maintenance (arch/mmu.h): nothing to maintain on the host, so every call
 * is recorded in fake_arch for the test to check (a stage-2 change must invalidate with its
 * VM's VTTBR, set/way maintenance must reach the operand the guest gave).
 */
#include <arch/mmu.h>
#include <fake_arch.h>

unsigned arch_pa_bits(void) { return fake_arch.pa_bits; }
void arch_mmu_enable(uint64_t root_pa, unsigned va_bits) { (void)root_pa, (void)va_bits; }

void arch_mmu_settings(uint64_t *mair, uint64_t *tcr, uint64_t *sctlr)
{
    *mair = *tcr = *sctlr = 0;
}

void arch_dcache_clean(const void *p, uint64_t size)
{
    (void)p, (void)size;
    fake_arch.dcache_clean_num++;
}

void arch_dcache_inval(const void *p, uint64_t size)
{
    (void)p, (void)size;
    fake_arch.dcache_inval_num++;
}

void arch_tlb_inval_el2(uint64_t va, uint64_t size)
{
    (void)va, (void)size;
    fake_arch.el2_inval_num++;
}

void arch_tlb_inval_el2_local(uint64_t va, uint64_t size)
{
    (void)va, (void)size;
    fake_arch.el2_inval_num++;
}

void arch_s2_tlb_inval(uint64_t vttbr, uint64_t ipa, uint64_t size, bool local)
{
    unsigned n = fake_arch.s2_inval_num++;
    fake_arch.s2_inval_local += local;
    if (n < FAKE_LOG_MAX) {
        fake_arch.s2_inval[n].vttbr = vttbr;
        fake_arch.s2_inval[n].ipa = ipa;
        fake_arch.s2_inval[n].size = size;
    }
}

void arch_dcache_cisw(uint64_t setway)
{
    fake_arch.cisw_last = setway;
    fake_arch.cisw_num++;
}
