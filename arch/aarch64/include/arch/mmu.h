/*
 * EL2 stage-1 MMU control: the physical-address size of this CPU, turning the MMU and caches on
 * with a table built by mm/pt, TLB and data-cache maintenance.
 */
#ifndef ARCH_MMU_H
#define ARCH_MMU_H
#include <stdbool.h>
#include <stdint.h>

/* Physical address bits this CPU implements (ID_AA64MMFR0_EL1.PARange). */
unsigned arch_pa_bits(void);

/* Enable the EL2 MMU, data and instruction caches and WXN with the given root table, whose VA
 * size is va_bits (identity map). Records the settings so secondary CPUs can do the same. */
void arch_mmu_enable(uint64_t root_pa, unsigned va_bits);

/* Settings a secondary CPU loads in boot/head.S (see boot_mmu_t). */
void arch_mmu_settings(uint64_t *mair, uint64_t *tcr, uint64_t *sctlr);

/* Data-cache maintenance by VA to the point of coherency. */
void arch_dcache_clean(const void *p, uint64_t size);
/* The smallest data cache line, in bytes (CTR_EL0.DminLine). */
uint64_t arch_dcache_line(void);
void arch_dcache_inval(const void *p, uint64_t size);

/* Invalidate EL2 stage-1 TLB entries for [va, va + size), all CPUs (inner shareable). */
void arch_tlb_inval_el2(uint64_t va, uint64_t size);
/* The same on this CPU only. */
void arch_tlb_inval_el2_local(uint64_t va, uint64_t size);

/* Invalidate stage-2 (and combined) TLB entries of the VM whose VTTBR_EL2 value is given, for
 * IPAs [ipa, ipa + size), on all CPUs. */
/* Invalidate stage 2 of [ipa, ipa + size) for the VMID in vttbr, and the stage-1 entries cached
 * with it; local: on this CPU only (the caller knows no other CPU can hold such entries). */
void arch_s2_tlb_inval(uint64_t vttbr, uint64_t ipa, uint64_t size, bool local);
/* DC CISW with a guest's set/way operand (level in bits 3:1). */
static inline void arch_dcache_cisw(uint64_t setway)
{
    __asm__ volatile("dc cisw, %0" ::"r"(setway) : "memory");
}
#endif
