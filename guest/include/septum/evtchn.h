/*
 * The guest side of event channels (Xen's 2-level ABI) for SDK guests: evtchn_init names a page
 * of the guest's as its shared_info (XENMEM_add_to_physmap, XENMAPSPACE_shared_info) and takes
 * the upcall (PPI 31) on the calling vCPU, which must be vCPU 0 (its vcpu_info is shared_info's
 * slot); then ports are offered, bound, rung, masked, unmasked and closed, and the handler runs
 * once per event, in the IRQ handler, with the port that had it. SDK guests run with the MMU off.
 */
#ifndef SEPTUM_EVTCHN_H
#define SEPTUM_EVTCHN_H
#include <septum/xen_evtchn.h>
#include <stdbool.h>

typedef void (*evtchn_handler_fn)(evtchn_port_t port);

/* Name the shared_info page and take upcalls; every event then calls fn (NULL: only counted).
 * 0 or a negative Xen errno. */
int evtchn_init(evtchn_handler_fn fn);
/* A port waiting for domain remote to bind it: the port (> 0) or a negative Xen errno. */
long evtchn_alloc_unbound(domid_t remote);
/* Bind remote's port offered to us: our port (> 0) or a negative Xen errno. */
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t remote_port);
int evtchn_send(evtchn_port_t port);
int evtchn_close(evtchn_port_t port);
/* Mask a port (in the guest's own words: no hypercall), or unmask it (through septum, which
 * delivers what arrived while it was masked). */
void evtchn_mask(evtchn_port_t port);
int evtchn_unmask(evtchn_port_t port);
int evtchn_bind_vcpu(evtchn_port_t port, unsigned vcpu);
int evtchn_status(evtchn_port_t port, struct evtchn_status *st);
/* Whether the port's pending bit is set now (the handler clears it as it delivers). */
bool evtchn_is_pending(evtchn_port_t port);
/* Events delivered to each port (ports 0..63), and upcalls taken. */
extern volatile uint32_t evtchn_events[64];
extern volatile uint64_t evtchn_upcalls;
/* Wait (WFI, interrupts taken) until port has had more than seen events; the new count. */
uint32_t evtchn_wait(evtchn_port_t port, uint32_t seen);
#endif
