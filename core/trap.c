/*
 * Guest traps: every exception taken from a lower EL arrives here from the vectors, and is
 * dispatched on its exception class. Until VMs run, no lower EL exists, so any such exception
 * is unexpected and reported like an EL2 fault.
 */
#include <arch/regs.h>
#include <arch/vcpu.h>

void trap_lower(arch_regs_t *frame, uint64_t vector) { exception_fatal(frame, vector); }
