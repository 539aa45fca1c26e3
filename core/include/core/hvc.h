/*
 * Hypercall dispatch for guests: SMCCC/PSCI and septum's vendor calls over HVC #0 (and SMC #0),
 * see guest/include/septum/abi.h. Results go back in the frame's x0-x3.
 */
#ifndef CORE_HVC_H
#define CORE_HVC_H
#include <arch/regs.h>
#include <core/vm.h>

void hvc_dispatch(vcpu_t *v, arch_regs_t *f, uint64_t imm);
#endif
