/*
 * Hypercall dispatch for guests: SMCCC and PSCI (core/psci.c) and septum's vendor calls over
 * HVC #0 (and SMC #0), see guest/include/septum/abi.h, and the Xen ABI over HVC #0xEA1, which
 * core/xen/ implements. Results go back in the frame's x0-x3.
 */
#ifndef CORE_HVC_H
#define CORE_HVC_H
#include <arch/regs.h>
#include <core/vm.h>

void hvc_dispatch(vcpu_t *v, arch_regs_t *f, uint64_t imm);
/* SMCCC and PSCI function fid from v (core/psci.c): the value for x0. CPU_OFF and
 * SYSTEM_OFF/RESET of the caller's own VM do not return. */
int64_t psci_call(vcpu_t *v, const arch_regs_t *f);
/* The Xen ABI's entry (defined in core/xen/hypercall.c): number in x16, result in x0. */
void xen_hypercall(vcpu_t *v, arch_regs_t *f);
#endif
