/*
 * The fake arch's arch/mmu.h for host unit tests (it stands in for arch/aarch64's: same name,
 * same include guard). The same interface, every function out of line in fake_arch/mmu.c, which
 * records the maintenance asked for (fake_arch.h) instead of doing it.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H
#include <stdbool.h>
#include <stdint.h>

unsigned arch_pa_bits(void);
void arch_mmu_enable(uint64_t root_pa, unsigned va_bits);
void arch_mmu_settings(uint64_t *mair, uint64_t *tcr, uint64_t *sctlr);
void arch_dcache_clean(const void *p, uint64_t size);
void arch_dcache_inval(const void *p, uint64_t size);
void arch_tlb_inval_el2(uint64_t va, uint64_t size);
void arch_tlb_inval_el2_local(uint64_t va, uint64_t size);
void arch_s2_tlb_inval(uint64_t vttbr, uint64_t ipa, uint64_t size, bool local);
void arch_dcache_cisw(uint64_t setway);
#endif
