/*
 * Exception injection into EL1 (see arch/inject.h). The vector offset depends on where the
 * guest was: EL1 with SP_EL1 (0x200), EL1 with SP_EL0 (0x000) or EL0 (0x400).
 */
#include <arch/inject.h>
#include <arch/sysreg.h>

#define VEC_OFF_CUR_SP0 0x000
#define VEC_OFF_CUR_SPX 0x200
#define VEC_OFF_LOWER64 0x400
#define SPSR_EL1T       0x4UL
#define SPSR_M_EL0T     0x0UL

uint64_t arch_inject_target(const arch_regs_t *f)
{
    uint64_t mode = f->spsr & SPSR_M_MASK;
    uint64_t off = mode == SPSR_EL1H   ? VEC_OFF_CUR_SPX
                   : mode == SPSR_EL1T ? VEC_OFF_CUR_SP0
                                       : VEC_OFF_LOWER64;
    return read_sysreg(vbar_el1) + off;
}

static void deliver(arch_regs_t *f, uint64_t esr)
{
    uint64_t target = arch_inject_target(f);
    write_sysreg(esr, esr_el1);
    write_sysreg(f->elr, elr_el1);
    write_sysreg(f->spsr, spsr_el1);
    f->elr = target;
    f->spsr = SPSR_EL1H_DAIF;
}

void arch_inject_abort(arch_regs_t *f, bool instruction, uint64_t far, bool write)
{
    bool from_el1 = (f->spsr & SPSR_M_MASK) != SPSR_M_EL0T;
    uint64_t ec = instruction ? (from_el1 ? EC_IABT_CUR : EC_IABT_LOW)
                              : (from_el1 ? EC_DABT_CUR : EC_DABT_LOW);
    uint64_t esr = (ec << ESR_EC_SHIFT) | ESR_IL | FSC_SEA;
    if (!instruction && write)
        esr |= ESR_ISS_WNR;
    write_sysreg(far, far_el1);
    deliver(f, esr);
}

void arch_inject_undef(arch_regs_t *f)
{
    deliver(f, ((uint64_t)EC_UNKNOWN << ESR_EC_SHIFT) | ESR_IL);
}
