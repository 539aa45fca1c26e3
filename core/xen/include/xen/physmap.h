/*
 * Holes in a Xen guest's RAM: the memory_op operations a balloon driver uses
 * (XENMEM_decrease_reservation, XENMEM_populate_physmap, XENMEM_remove_from_physmap). Linux's
 * gntdev gives a page of RAM back before it maps a grant there; septum takes the page out of
 * the VM's stage 2 but keeps its frame in the VM's pool (the frame stays the VM's, so frame
 * accounting is untouched and the frame goes back with the VM's memory), the hole may then take
 * a grant mapping, and populate puts the VM's own frame back into the hole. At most
 * XEN_HOLES_MAX holes per VM at once (each may split a RAM region and take a grant region:
 * two region-table slots); a reset fills every hole again before the VM restarts.
 */
#ifndef XEN_PHYSMAP_H
#define XEN_PHYSMAP_H
#include <core/vm.h>
#include <septum/xen.h>

#define XEN_HOLES_MAX 16

/* memory_op(XENMEM_decrease_reservation or XENMEM_populate_physmap, arg) from v, cmd the whole
 * x0 (its upper bits the extent to start from). The number of extents done in all (Xen's
 * answer: fewer than asked when one could not be done), or -XEN_EFAULT/-XEN_EPERM/-XEN_EINVAL. */
long xen_reservation_op(vcpu_t *v, uint64_t cmd, uint64_t arg);
/* XENMEM_remove_from_physmap: one page of the caller's own writable RAM becomes a hole. 0 or a
 * Xen error (-XEN_ENOENT: not its RAM; -XEN_EPERM: read-only to it; -XEN_ENOMEM: hole budget
 * spent). A hole keeps the page's frame and rights: populate and a reset give both back. */
long xen_remove_from_physmap(vcpu_t *v, uint64_t arg);
/* Holes vm holds now. */
unsigned xen_holes(const vm_t *vm);
/* The VM restarts: each hole takes its frame back (every grant mapping must be gone: the
 * stopped hook removed them). 0, or -EBUSY if a hole is still occupied. */
int xen_holes_refill(vm_t *vm);
/* The VM's memory is gone: forget the holes (their frames go back with its memory). */
void xen_holes_forget(vm_t *vm);
#endif
