/*
 * The device tree septum hands each guest in x0: memory, CPUs (PSCI over HVC), timer, GIC and
 * the hypervisor node that names septum's console hypercall.
 */
#ifndef CORE_GUESTDT_H
#define CORE_GUESTDT_H
#include <core/vm.h>
#include <stddef.h>

/* Write vm's device tree into buf (size bytes). 0 or a negative libfdt error. */
int guestdt_build(const vm_t *vm, void *buf, size_t size);
#endif
