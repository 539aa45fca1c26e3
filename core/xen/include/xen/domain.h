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
#include <xen/evtchn.h>
#include <xen/gnttab.h>

/* GNTTABOP_*: call->count operations at guest address call->uop. Xen's return value, or
 * GNTTAB_CONTINUE with *call the rest, to be issued again by the guest (see gnttab_op). */
long xen_grant_table_op(vm_t *vm, gnttab_call_t *call);
/* XENMEM_add_to_physmap from v: one of its VM's own grant-table frames, or its shared_info
 * (xen/shinfo.h); arg is the guest address of struct xen_add_to_physmap. Xen's return value. */
long xen_add_to_physmap(vcpu_t *v, uint64_t arg);
/* The VM that is domain d, or NULL. */
vm_t *xen_vm_of(domid_t d);
/* The vCPU running on this CPU if it is domain d's (the caller of a hypercall), else NULL: the
 * engines reach only their caller's memory, through its stage 1 (xen/guestmem.h). */
vcpu_t *xen_caller(domid_t d);
/* Whether the description pairs domains a and b (either lists the other in grant-peers): they
 * may share memory and open event channels. */
bool xen_paired(domid_t a, domid_t b);

/* ---- event channels (core/xen/events.c over the engine, xen/evtchn.h) ---- */

/* EVTCHNOP_* cmd with its structure at guest address arg. Xen's return value. */
long xen_event_channel_op(vm_t *vm, uint64_t cmd, uint64_t arg);
/* A port of vm ended in septum (a back end such as the PV console): handler(cookie, domid,
 * port) runs when the guest sends on it, on the guest's CPU, with no event-channel lock held.
 * The port (> 0) or a negative Xen errno. A stop or reset closes it: bind again at restart. */
long xen_evtchn_bind_septum(vm_t *vm, evtchn_handler_t handler, void *cookie);
/* septum sends on such a port: the guest gets the event (and its upcall). 0, or -XEN_EINVAL if
 * the port is not septum's any more. */
long xen_evtchn_notify(vm_t *vm, evtchn_port_t port);
/* Where vm's event bits live (septum's mapping of its shared_info page, of vCPU vcpu's
 * vcpu_info; NULL: none). Each returns the previous pointer, unused by the time it returns. */
void *xen_evtchn_set_shared_info(vm_t *vm, void *shared_info);
void *xen_evtchn_set_vcpu_info(vm_t *vm, unsigned vcpu, void *vcpu_info);
/* The port tables follow the domain's life (the Xen domain service calls these). */
int xen_events_create(vm_t *vm);
void xen_events_stopped(vm_t *vm);
void xen_events_restart(vm_t *vm);
void xen_events_release(vm_t *vm);
#endif
