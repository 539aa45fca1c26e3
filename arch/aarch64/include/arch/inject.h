/*
 * Exceptions septum injects into a guest: a synchronous external abort (for an access outside
 * the guest's regions) and an undefined-instruction exception (for a trapped instruction septum
 * does not emulate). Both are delivered to EL1 exactly as the hardware would, from the guest's
 * EL1 or its EL0 (AArch64 or AArch32): ESR_EL1, FAR_EL1, ELR_EL1, SPSR_EL1 written and the
 * guest resumed at its vector.
 */
#ifndef ARCH_INJECT_H
#define ARCH_INJECT_H
#include <arch/regs.h>
#include <stdbool.h>

void arch_inject_abort(arch_regs_t *frame, bool instruction, uint64_t far, bool write);
void arch_inject_undef(arch_regs_t *frame);
/* Where an exception injected now would enter the guest (its VBAR_EL1 plus the offset). */
uint64_t arch_inject_target(const arch_regs_t *frame);
#endif
