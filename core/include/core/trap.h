/*
 * Guest traps. The EL2 vectors (arch/aarch64/vectors.S) call three entry points that arch
 * declares (arch/vcpu.h) and core defines: trap_hvc (the lean hypercall path, core/trap.c),
 * trap_dabt (the lean data-abort path, core/mmio.c) and trap_lower (everything else, with the
 * full frame, core/trap.c). core/trap.c dispatches on the exception class; core/mmio.c does a
 * data abort's whole emulation.
 */
#ifndef CORE_TRAP_H
#define CORE_TRAP_H
#include <arch/regs.h>
#include <arch/vcpu.h>
#include <core/vm.h>

/* A data abort on the full path (the frame is complete): emulate it through the device there,
 * or apply the isolation rule. */
void mmio_dabt(vcpu_t *v, arch_regs_t *f);
/* The isolation rule for an access outside what the guest's regions allow: logged with VM,
 * address and access, then an external abort is injected (or the VM stopped, if its
 * description says so, or if the abort cannot be delivered). */
void trap_isolate(vcpu_t *v, arch_regs_t *f, bool instruction);
#endif
