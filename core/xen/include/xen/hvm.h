/*
 * HVM parameters of a Xen guest (hvm_op HVMOP_get_param): what Xen on Arm tells a domU about
 * itself. septum sets them per VM: the event-channel callback (PPI 31) at creation, no
 * xenstore (0: Linux's xenbus then stays idle), and the PV console's page and port when the
 * console service gives the VM one (xen_hvm_param_set). Guests may read, never set.
 */
#ifndef XEN_HVM_H
#define XEN_HVM_H
#include <core/vm.h>
#include <septum/xen.h>
#include <septum/xen_evtchn.h> /* XEN_EVTCHN_PPI */

/* hvm_op(cmd, arg) from v. */
long xen_hvm_op(vcpu_t *v, uint64_t cmd, uint64_t arg);
/* septum's side: parameter index of vm is value from now on (e.g. HVM_PARAM_CONSOLE_PFN and
 * HVM_PARAM_CONSOLE_EVTCHN by the PV console). 0, or -EINVAL for an index out of range. */
int xen_hvm_param_set(vm_t *vm, unsigned index, uint64_t value);
/* The VM's parameters as a new domain has them (creation, reset). */
void xen_hvm_params_reset(vm_t *vm);
#endif
