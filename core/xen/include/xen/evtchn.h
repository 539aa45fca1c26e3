/*
 * Event channels, Xen-compatible (2-level ABI): each domain has a table of ports; a port is
 * free, unbound (waiting for one named domain to bind), interdomain (bound to a port of a
 * paired domain), a per-vCPU virtual interrupt (VIRQ_TIMER), or ended in septum itself (a
 * handler septum registers, for its own back ends such as the PV console). A send sets the
 * peer's pending bit in its shared_info; unless the port is masked the bound vCPU's vcpu_info
 * says so and, on its first news, the upcall interrupt is raised on that vCPU. This engine is
 * machine-independent: guest memory, pairing and the upcall come through evtchn_env_t, so it
 * runs in host unit tests and under a fuzzer.
 *
 * Where the bits are: the domain's shared_info and each vCPU's vcpu_info, as septum maps them,
 * given to the engine by whoever handles their registration (evtchn_set_shared_info and
 * evtchn_set_vcpu_info). Until the guest names a shared_info page the engine keeps the bits in
 * its own copy of the words (as Xen keeps its own page) and moves them into the guest's page
 * when it is named; vCPU 0 reads its vcpu_info from shared_info until it registers one, other
 * vCPUs have none until they do (their events stay pending, without an upcall).
 *
 * Locks: one per domain (a ticket lock in the engine), guarding its ports and its words'
 * locations; the event bits themselves are changed with atomic operations, as the guest changes
 * them. An operation that touches two domains (bind, close, send of an interdomain port, the
 * teardown of a domain) holds both, the lower domain id first; nothing else is ever held with
 * two. Under a domain's lock the env's upcall may take the VM's interrupt-controller lock. A
 * septum handler is called with no event-channel lock held, so it may notify back.
 */
#ifndef XEN_EVTCHN_H
#define XEN_EVTCHN_H
#include <septum/xen_evtchn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVTCHN_DOM_MAX  8
#define EVTCHN_PORTS    64 /* per domain: ports 1..63 (0 is never a port, as in Xen) */
#define EVTCHN_VCPU_MAX 8

typedef struct evtchn_env {
    /* Copy to/from the calling domain's memory at a hypercall's argument address: 0, or -1 if
     * any byte is not the guest's to read (or write). */
    int (*copy_from_guest)(void *ctx, domid_t dom, void *dst, uint64_t addr, size_t len);
    int (*copy_to_guest)(void *ctx, domid_t dom, uint64_t addr, const void *src, size_t len);
    /* Whether the description pairs a and b (they may open channels between them). */
    bool (*may_talk)(void *ctx, domid_t a, domid_t b);
    /* Raise the upcall interrupt on vCPU vcpu of dom (called under dom's lock). */
    void (*upcall)(void *ctx, domid_t dom, unsigned vcpu);
    /* A waiter's pause between two looks at a lock. */
    void (*relax)(void *ctx);
    void *ctx;
} evtchn_env_t;

/* A port ended in septum: called when the guest sends on it, with no lock held. */
typedef void (*evtchn_handler_t)(void *cookie, domid_t dom, evtchn_port_t port);

typedef struct evtchn_lock {
    uint32_t next, owner; /* a ticket lock */
} evtchn_lock_t;

typedef struct evtchn_slot {
    uint8_t state;        /* EVTCHNSTAT_*, or EVTCHN_SEPTUM */
    uint8_t vcpu;         /* the vCPU it notifies */
    domid_t remote_dom;   /* unbound: who may bind it; interdomain: the peer */
    evtchn_port_t remote; /* interdomain: the peer's port; virq: the VIRQ */
    evtchn_handler_t handler;
    void *cookie;
} evtchn_slot_t;
#define EVTCHN_SEPTUM 0x80 /* ended in septum (status reports interdomain with DOMID_XEN) */

typedef struct evtchn_dom {
    bool live;   /* added, not removed */
    bool closed; /* stopping: no new binding to it, its ports all closed */
    domid_t id;
    unsigned vcpu_num;
    evtchn_lock_t lock;
    evtchn_slot_t port[EVTCHN_PORTS];
    evtchn_port_t virq_timer[EVTCHN_VCPU_MAX]; /* its VIRQ_TIMER port per vCPU, 0 if none */
    uint8_t *shared;                           /* its shared_info page, NULL: own[] */
    uint8_t *vcpu_info[EVTCHN_VCPU_MAX];       /* registered ones; NULL: none */
    /* the bits before the guest names its shared_info (as Xen's own page would hold them) */
    uint64_t own[(XEN_SHINFO_MASK + 8 * XEN_SHINFO_WORDS) / 8];
} evtchn_dom_t;

typedef struct evtchn {
    evtchn_dom_t dom[EVTCHN_DOM_MAX];
    const evtchn_env_t *env;
} evtchn_t;

void evtchn_init(evtchn_t *e, const evtchn_env_t *env);
/* Add a domain with vcpu_num vCPUs (at boot). 0, or -1 (no slot, a duplicate, bad count). */
int evtchn_add_domain(evtchn_t *e, domid_t id, unsigned vcpu_num);
/* The hypercall: EVTCHNOP_cmd with its structure at guest address arg in dom's memory. Xen's
 * return value: 0 (outputs written back), -XEN_EFAULT (the structure is not the guest's),
 * -XEN_EINVAL (bad port, port in the wrong state, bad VIRQ), -XEN_ENOENT (bad vCPU), -XEN_EPERM
 * (another domain named, or one not paired with it, or a closed domain), -XEN_ESRCH (no such
 * domain), -XEN_ENOSPC (no free port), -XEN_EEXIST (VIRQ bound twice), -XEN_ENOSYS (FIFO ABI,
 * physical IRQs, IPIs, priorities). */
long evtchn_op(evtchn_t *e, domid_t dom, unsigned cmd, uint64_t arg);

/* Where dom's event bits live from now on: its shared_info page, or NULL to go back to the
 * engine's own copy (the pending and mask words and vCPU 0's news move with it). Returns the
 * page used before (NULL if it was the engine's own), which no delivery touches any more once
 * this returns: the caller may unmap it. */
void *evtchn_set_shared_info(evtchn_t *e, domid_t dom, void *shared_info);
/* vCPU vcpu's vcpu_info from now on (NULL: none). Returns the previous one, as above. */
void *evtchn_set_vcpu_info(evtchn_t *e, domid_t dom, unsigned vcpu, void *vcpu_info);

/* A port of dom ended in septum (the PV console's): handler is called when the guest sends on
 * it. Returns the port (> 0), or -XEN_ENOSPC / -XEN_EPERM (closed or unknown domain). */
long evtchn_bind_septum(evtchn_t *e, domid_t dom, evtchn_handler_t handler, void *cookie);
/* septum sends on such a port: the guest's side sees the event. 0, or -XEN_EINVAL if the port
 * is not one of septum's any more (the guest closed it, or the domain stopped). */
long evtchn_notify_septum(evtchn_t *e, domid_t dom, evtchn_port_t port);
/* A channel the description declares (as dom0less's xen,evtchn): port pa of a and pb of b,
 * bound to each other. Each must be free, or unbound to the other (as a peer's stop left it).
 * 0, or -XEN_EINVAL (a port out of range or taken), -XEN_ESRCH (a domain missing or closed).
 * The pairing is the caller's to check: the description's own check (core/config/sysdesc.c)
 * refuses a channel between VMs it does not pair, before any VM exists. */
long evtchn_bind_static(evtchn_t *e, domid_t a, evtchn_port_t pa, domid_t b, evtchn_port_t pb);

/* A stopping domain: closed (no new binding by it or to it), every port closed (its peers'
 * ports become unbound, waiting for it), its shared_info and vcpu_info forgotten: once this
 * returns no delivery touches them, and the caller may unmap them. The domain stays closed. */
void evtchn_domain_teardown(evtchn_t *e, domid_t id);
/* The domain restarts: teardown (done already or not), its own words cleared, and open again. */
void evtchn_domain_reset(evtchn_t *e, domid_t id);
/* The domain is gone for good. */
void evtchn_remove_domain(evtchn_t *e, domid_t id);
#endif
