/*
 * vCPU state handling at EL2: reset values, saving and restoring the EL1 system registers a
 * guest owns, and programming the per-vCPU controls (HCR_EL2, MDCR_EL2, stage 2, virtual
 * MPIDR).
 */
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <string.h>

void arch_vcpu_reset(arch_regs_t *regs, arch_el1_t *el1, uint64_t pc, uint64_t x0)
{
    memset(regs, 0, sizeof(*regs));
    memset(el1, 0, sizeof(*el1));
    regs->x[0] = x0;
    regs->elr = pc;
    regs->spsr = SPSR_EL1H_DAIF;
    el1->sctlr = SCTLR_EL1_RESET;
}

#define SAVE(field, reg) el1->field = read_sysreg(reg)
#define LOAD(field, reg) write_sysreg(el1->field, reg)

void arch_el1_save(arch_el1_t *el1)
{
    SAVE(sctlr, sctlr_el1);
    SAVE(actlr, actlr_el1);
    SAVE(cpacr, cpacr_el1);
    SAVE(ttbr0, ttbr0_el1);
    SAVE(ttbr1, ttbr1_el1);
    SAVE(tcr, tcr_el1);
    SAVE(mair, mair_el1);
    SAVE(amair, amair_el1);
    SAVE(vbar, vbar_el1);
    SAVE(contextidr, contextidr_el1);
    SAVE(tpidr_el0, tpidr_el0);
    SAVE(tpidrro_el0, tpidrro_el0);
    SAVE(tpidr_el1, tpidr_el1);
    SAVE(sp_el0, sp_el0);
    SAVE(sp_el1, sp_el1);
    SAVE(elr_el1, elr_el1);
    SAVE(spsr_el1, spsr_el1);
    SAVE(esr, esr_el1);
    SAVE(far, far_el1);
    SAVE(afsr0, afsr0_el1);
    SAVE(afsr1, afsr1_el1);
    SAVE(par, par_el1);
    SAVE(cntkctl, cntkctl_el1);
    SAVE(csselr, csselr_el1);
    SAVE(cntv_ctl, cntv_ctl_el0);
    SAVE(cntv_cval, cntv_cval_el0);
    SAVE(mdscr, mdscr_el1);
}

void arch_el1_restore(const arch_el1_t *el1)
{
    LOAD(sctlr, sctlr_el1);
    LOAD(actlr, actlr_el1);
    LOAD(cpacr, cpacr_el1);
    LOAD(ttbr0, ttbr0_el1);
    LOAD(ttbr1, ttbr1_el1);
    LOAD(tcr, tcr_el1);
    LOAD(mair, mair_el1);
    LOAD(amair, amair_el1);
    LOAD(vbar, vbar_el1);
    LOAD(contextidr, contextidr_el1);
    LOAD(tpidr_el0, tpidr_el0);
    LOAD(tpidrro_el0, tpidrro_el0);
    LOAD(tpidr_el1, tpidr_el1);
    LOAD(sp_el0, sp_el0);
    LOAD(sp_el1, sp_el1);
    LOAD(elr_el1, elr_el1);
    LOAD(spsr_el1, spsr_el1);
    LOAD(esr, esr_el1);
    LOAD(far, far_el1);
    LOAD(afsr0, afsr0_el1);
    LOAD(afsr1, afsr1_el1);
    LOAD(par, par_el1);
    LOAD(cntkctl, cntkctl_el1);
    LOAD(csselr, csselr_el1);
    LOAD(cntv_ctl, cntv_ctl_el0);
    LOAD(cntv_cval, cntv_cval_el0);
    LOAD(mdscr, mdscr_el1);
    isb();
}

uint64_t arch_guest_hcr(void)
{
    /* SMC and implementation-defined registers trap; set/way operations trap (they cannot be
     * virtualised safely); TLB and cache maintenance is broadcast in the inner-shareable
     * domain; physical interrupts and SErrors go to EL2. */
    return HCR_VM | HCR_SWIO | HCR_PTW | HCR_FMO | HCR_IMO | HCR_AMO | HCR_FB | HCR_BSU_INNER |
           HCR_TSC | HCR_TIDCP | HCR_TSW | HCR_RW;
}

uint64_t arch_guest_mdcr(bool pmu)
{
    /* HPMN = PMCR_EL0.N (as at reset): fewer would take counters from EL1's range into EL2's,
     * and HPMN = 0 is not allowed before Armv8.8. Septum's own clock (event counter 0, counting
     * EL2 only) keeps running either way: PMCR_EL0.E enables it, which only a VM that owns the
     * PMU can clear. The debug registers always trap: septum neither resets nor virtualises
     * them, so a guest's breakpoints, watchpoints and OS lock would outlive it on its CPU (into
     * its next incarnation after a reset, or the next VM there). */
    uint64_t n = (read_sysreg(pmcr_el0) >> PMCR_N_SHIFT) & PMCR_N_MASK;
    uint64_t mdcr = (n & MDCR_HPMN_MASK) | MDCR_TDA | MDCR_TDOSA | MDCR_TDRA;
    return pmu ? mdcr : mdcr | MDCR_TPM | MDCR_TPMCR;
}

uint32_t arch_vtcr(unsigned ipa_bits, unsigned start_level)
{
    uint64_t ps = read_sysreg(id_aa64mmfr0_el1) & MMFR0_PARANGE_MASK;
    if (ps > 5)
        ps = 5;
    /* SL0 for a 4 KiB granule: 2 = start at level 0, 1 = level 1, 0 = level 2 */
    uint64_t sl0 = 2 - start_level;
    return (uint32_t)(VTCR_T0SZ(ipa_bits) | (sl0 << VTCR_SL0_SHIFT) | VTCR_IRGN0_WBWA |
                      VTCR_ORGN0_WBWA | VTCR_SH0_INNER | VTCR_TG0_4K | (ps << VTCR_PS_SHIFT) |
                      VTCR_RES1);
}

void arch_vcpu_load(const arch_vm_cfg_t *cfg, uint64_t vmpidr)
{
    write_sysreg(cfg->vtcr, vtcr_el2);
    write_sysreg(cfg->vttbr, vttbr_el2);
    write_sysreg(read_sysreg(midr_el1), vpidr_el2);
    write_sysreg(vmpidr | MPIDR_RES1, vmpidr_el2);
    write_sysreg(cfg->hcr, hcr_el2);
    write_sysreg(arch_guest_mdcr(cfg->pmu), mdcr_el2);
    /* the guest reads the physical counter; the physical timer stays septum's */
    write_sysreg(CNTHCTL_EL1PCTEN, cnthctl_el2);
    write_sysreg(0, cntvoff_el2);
    isb();
}

#define PAR_F       BIT(0)
#define PAR_PA_MASK 0x0000fffffffff000UL

/* The address translations septum asks for a guest: its own stage 1 (S1E1R/W, giving the IPA)
 * or both of its stages (S12E1R/W, giving the host address; HCR_EL2.VM is set while the vCPU is
 * loaded, so its VM's stage 2 is walked too and its rights checked by the walker), for an EL1
 * read or write at va as the vCPU is loaded (with its MMU off, stage 1 is the identity).
 * PAR_EL1 is the guest's: saved and put back. Inline, so each caller has its one instruction. */
typedef enum { AT_S1_READ, AT_S1_WRITE, AT_S12_READ, AT_S12_WRITE } guest_at_t;

static inline __attribute__((always_inline)) bool guest_at(uint64_t va, guest_at_t op,
                                                           uint64_t *out)
{
    uint64_t saved = read_sysreg(par_el1);
    switch (op) {
    case AT_S1_READ: __asm__ volatile("at s1e1r, %0" ::"r"(va) : "memory"); break;
    case AT_S1_WRITE: __asm__ volatile("at s1e1w, %0" ::"r"(va) : "memory"); break;
    case AT_S12_READ: __asm__ volatile("at s12e1r, %0" ::"r"(va) : "memory"); break;
    case AT_S12_WRITE: __asm__ volatile("at s12e1w, %0" ::"r"(va) : "memory"); break;
    }
    isb();
    uint64_t par = read_sysreg(par_el1);
    write_sysreg(saved, par_el1);
    if (par & PAR_F)
        return false;
    *out = (par & PAR_PA_MASK) | (va & 0xfffUL);
    return true;
}

bool arch_guest_va_to_ipa(uint64_t va, uint64_t *ipa) { return guest_at(va, AT_S1_READ, ipa); }

bool arch_guest_va_to_pa(uint64_t va, bool write, uint64_t *pa)
{
    return write ? guest_at(va, AT_S12_WRITE, pa) : guest_at(va, AT_S12_READ, pa);
}

bool arch_guest_va_translate(uint64_t va, bool write, uint64_t *ipa)
{
    return write ? guest_at(va, AT_S1_WRITE, ipa) : guest_at(va, AT_S1_READ, ipa);
}

uint64_t arch_guest_sp(const arch_regs_t *f)
{
    return (f->spsr & SPSR_M_MASK) == SPSR_EL1H ? read_sysreg(sp_el1) : read_sysreg(sp_el0);
}

void arch_set_guest_sp(const arch_regs_t *f, uint64_t sp)
{
    if ((f->spsr & SPSR_M_MASK) == SPSR_EL1H)
        write_sysreg(sp, sp_el1);
    else
        write_sysreg(sp, sp_el0);
}
