/*
 * Xen's event channels, 2-level ABI, as septum's guests and septum itself see them: the
 * event_channel_op hypercall (HVC #0xEA1, number 32 in x16, command in x0, the guest address of
 * the command's structure in x1), its commands and structures with their Arm layouts, and where
 * the event bits live in a domain's shared_info page and in a vCPU's vcpu_info (Arm: vcpu_info
 * is 48 bytes; shared_info holds one of them, then the pending and mask bitmaps). Written from
 * the facts of Xen's public event_channel.h and xen.h.
 */
#ifndef SEPTUM_XEN_EVTCHN_H
#define SEPTUM_XEN_EVTCHN_H
#include <septum/xen.h>
#include <stdint.h>

#define __HYPERVISOR_event_channel_op 32

/* errno values Xen returns for event channels (negated in x0), beyond septum/xen.h's */
#define XEN_ESRCH  3
#define XEN_EEXIST 17
#define XEN_ENOSPC 28

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq        1
#define EVTCHNOP_bind_pirq        2
#define EVTCHNOP_close            3
#define EVTCHNOP_send             4
#define EVTCHNOP_status           5
#define EVTCHNOP_alloc_unbound    6
#define EVTCHNOP_bind_ipi         7
#define EVTCHNOP_bind_vcpu        8
#define EVTCHNOP_unmask           9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11
#define EVTCHNOP_expand_array     12
#define EVTCHNOP_set_priority     13

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom; /* in */
    evtchn_port_t port;      /* out */
};

struct evtchn_bind_interdomain {
    domid_t remote_dom;        /* in */
    evtchn_port_t remote_port; /* in */
    evtchn_port_t local_port;  /* out */
};

struct evtchn_bind_virq {
    uint32_t virq;      /* in: VIRQ_* */
    uint32_t vcpu;      /* in */
    evtchn_port_t port; /* out */
};

struct evtchn_close {
    evtchn_port_t port;
};

struct evtchn_send {
    evtchn_port_t port;
};

#define EVTCHNSTAT_closed      0
#define EVTCHNSTAT_unbound     1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq        3
#define EVTCHNSTAT_virq        4
#define EVTCHNSTAT_ipi         5

struct evtchn_status {
    domid_t dom;        /* in */
    evtchn_port_t port; /* in */
    uint32_t status;    /* out: EVTCHNSTAT_* */
    uint32_t vcpu;      /* out: the vCPU it notifies */
    union {
        struct {
            domid_t dom;
        } unbound;
        struct {
            domid_t dom;
            evtchn_port_t port;
        } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};

struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};

struct evtchn_unmask {
    evtchn_port_t port;
};

struct evtchn_reset {
    domid_t dom;
};

_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "Arm layout");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "Arm layout");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "Arm layout");
_Static_assert(sizeof(struct evtchn_status) == 24, "Arm layout");
_Static_assert(__builtin_offsetof(struct evtchn_status, u) == 16, "Arm layout");
_Static_assert(sizeof(struct evtchn_bind_vcpu) == 8, "Arm layout");

/* Virtual interrupts: the per-vCPU timer (the only one septum binds, see docs/design.md) */
#define VIRQ_TIMER 0

/* The domain septum itself is, for a port whose other end is in septum (the PV console). */
#define DOMID_XEN 0x7ff2U

/* Where the event bits are. shared_info (one page of the guest's): vcpu_info[0] at 0, then
 * evtchn_pending[64] and evtchn_mask[64] (64-bit words); vcpu_info (48 bytes on Arm):
 * evtchn_upcall_pending (a byte) at 0, evtchn_upcall_mask at 1, evtchn_pending_sel (a word)
 * at 8. Port p is bit p % 64 of word p / 64; bit p / 64 of pending_sel says that word has news. */
#define XEN_SHINFO_PENDING      48
#define XEN_SHINFO_MASK         560
#define XEN_SHINFO_WORDS        64
#define XEN_VCPU_INFO_SIZE      48
#define XEN_VCPU_UPCALL_PENDING 0
#define XEN_VCPU_UPCALL_MASK    1
#define XEN_VCPU_PENDING_SEL    8
#define XEN_LEGACY_MAX_VCPUS    1 /* vcpu_info slots in shared_info on Arm */
/* The upcall: Xen on Arm's event-channel PPI, INTID 31 (PPI 15 in a device tree) */
#define XEN_EVTCHN_PPI 31
#endif
