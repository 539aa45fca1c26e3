/*
 * The Xen-compatible hypercalls (HVC #0xEA1, number in x16): grant_table_op over the engine in
 * core/gnttab.c, memory_op's XENMEM_add_to_physmap for a VM's own grant-table frames,
 * xen_version, console_io (write) and sched_op (yield, shutdown). Each VM is a domain.
 */
#ifndef CORE_XEN_H
#define CORE_XEN_H
#include <arch/regs.h>
#include <core/vm.h>

/* Give vm its grant table (frames owned by septum, mapped into EL2). 0 or a negative errno. */
int xen_vm_init(vm_t *vm);
/* vm stops or restarts: every mapping it holds and every mapping of its pages goes. */
void xen_vm_stopped(vm_t *vm);
void xen_hypercall(vcpu_t *v, arch_regs_t *f);
/* vm will not run again: its grant table goes too (frames back to the allocator). */
void xen_vm_release(vm_t *vm);
#endif
