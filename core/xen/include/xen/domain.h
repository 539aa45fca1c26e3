/*
 * Each VM as a Xen domain: its grant table (frames septum owns, mapped into EL2), the grant
 * engine's view of the machine, and the grant-table hypercalls that need both. The per-domain
 * state follows the VM's life as a service (xen_service, see core/vm.h).
 */
#ifndef XEN_DOMAIN_H
#define XEN_DOMAIN_H
#include <core/vm.h>
#include <stdbool.h>
#include <stddef.h>
#include <xen/gnttab.h>

/* Copy between septum and the guest-physical memory of vm, through a checked firmware map
 * (writes need a writable region, reads a readable one). 0, or -1 if the range is not the VM's. */
int xen_guest_copy(vm_t *vm, void *buf, uint64_t gpa, size_t len, bool to_guest);
/* GNTTABOP_*: call->count operations at guest address call->uop. Xen's return value, or
 * GNTTAB_CONTINUE with *call the rest, to be issued again by the guest (see gnttab_op). */
long xen_grant_table_op(vm_t *vm, gnttab_call_t *call);
/* XENMEM_add_to_physmap for one of vm's own grant-table frames; arg is the guest address of
 * struct xen_add_to_physmap. Xen's return value. */
long xen_add_to_physmap(vm_t *vm, uint64_t arg);
#endif
