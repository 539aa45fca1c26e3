/*
 * Exception injection into EL1 (see arch/inject.h). The vector offset depends on where the
 * guest was: EL1 with SP_EL0 (0x000), EL1 with SP_EL1 (0x200), its own EL0 in AArch64 (0x400)
 * or in AArch32 (0x600: a guest's EL1 is AArch64, HCR_EL2.RW, but its EL0 may run 32-bit
 * code). The syndrome is what the hardware would give an abort or an undefined instruction
 * taken to EL1 from there (Arm ARM D17.2.40, ESR_EL1): an abort from EL0 is "from a lower
 * Exception level" whichever its state, and IL is 1 for both (aborts without a valid
 * instruction syndrome and EC 0 have it RES1).
 */
#include <arch/inject.h>
#include <arch/sysreg.h>

#define VEC_OFF_CUR_SP0 0x000
#define VEC_OFF_CUR_SPX 0x200
#define VEC_OFF_LOWER64 0x400
#define VEC_OFF_LOWER32 0x600
#define SPSR_EL1T       0x4UL

/* Whether the exception comes from the guest's EL1 (AArch64 only: an EL1 in AArch32 cannot
 * be, so an AArch32 mode is always its EL0). */
static bool from_el1(const arch_regs_t *f)
{
    uint64_t mode = f->spsr & SPSR_M_MASK;
    return !(f->spsr & SPSR_M_AARCH32) && (mode == SPSR_EL1H || mode == SPSR_EL1T);
}

uint64_t arch_inject_target(const arch_regs_t *f)
{
    uint64_t off = (f->spsr & SPSR_M_AARCH32)             ? VEC_OFF_LOWER32
                   : (f->spsr & SPSR_M_MASK) == SPSR_EL1H ? VEC_OFF_CUR_SPX
                   : (f->spsr & SPSR_M_MASK) == SPSR_EL1T ? VEC_OFF_CUR_SP0
                                                          : VEC_OFF_LOWER64;
    return read_sysreg(vbar_el1) + off;
}

static void deliver(arch_regs_t *f, uint64_t esr)
{
    uint64_t target = arch_inject_target(f);
    write_sysreg(esr, esr_el1);
    write_sysreg(f->elr, elr_el1);
    write_sysreg(f->spsr, spsr_el1); /* an AArch32 EL0's CPSR, IT and T bits included */
    f->elr = target;
    f->spsr = SPSR_EL1H_DAIF;
}

void arch_inject_abort(arch_regs_t *f, bool instruction, uint64_t far, bool write)
{
    bool el1 = from_el1(f);
    uint64_t ec = instruction ? (el1 ? EC_IABT_CUR : EC_IABT_LOW)
                              : (el1 ? EC_DABT_CUR : EC_DABT_LOW);
    uint64_t esr = (ec << ESR_EC_SHIFT) | ESR_IL | FSC_SEA;
    if (!instruction && write)
        esr |= ESR_ISS_WNR;
    if (f->spsr & SPSR_M_AARCH32)
        far &= 0xffffffffUL; /* a 32-bit address: FAR_EL1's top half is zero */
    write_sysreg(far, far_el1);
    deliver(f, esr);
}

void arch_inject_undef(arch_regs_t *f)
{
    deliver(f, ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL);
}
