/*
 * A Xen guest's shared_info page and its vCPUs' vcpu_info structures (Arm layouts in
 * <septum/xen.h>). The guest names pages of its own RAM for them (XENMEM_add_to_physmap with
 * XENMAPSPACE_shared_info, VCPUOP_register_vcpu_info); septum keeps the guest's page where it
 * is (Xen would put its own frame there: the guest only ever uses the page it named, so this is
 * the same to it and needs no stage-2 change) and maps it into EL2 for as long as the guest's
 * incarnation lives, so event-channel delivery can write pending bits from any CPU.
 *
 * The event channels are told of each page as it is named (xen_evtchn_set_shared_info,
 * xen_evtchn_set_vcpu_info in xen/domain.h) and keep their pending bits there from then on.
 * xen_shared_info(vm) and xen_vcpu_info(v) give septum's pointers, or NULL before the guest
 * registered. Both are published with release
 * semantics and read with acquire; a pointer stays valid until the VM's Xen service restarts or
 * releases it (core/xen/domain.c), which comes after every service's stopped hook: whoever
 * uses these pointers on another VM's behalf must stop doing so in its stopped hook.
 */
#ifndef XEN_SHINFO_H
#define XEN_SHINFO_H
#include <core/vm.h>
#include <septum/xen.h>

/* septum's pointer to vm's shared_info, or NULL if the guest has registered none. */
struct shared_info *xen_shared_info(const vm_t *vm);
/* septum's pointer to v's vcpu_info: the one v registered, else (vCPU 0 only, as Xen's legacy
 * layout has one) the one in shared_info, else NULL. */
struct vcpu_info *xen_vcpu_info(const vcpu_t *v);

/* XENMAPSPACE_shared_info: gpfn, a writable page of the caller's own RAM, becomes its
 * shared_info (zeroed as Xen gives a new one). Once per incarnation: -XEN_EBUSY the second
 * time; -XEN_EINVAL for idx other than 0 or a gpfn that is not such a page. */
long xen_map_shared_info(vm_t *vm, uint64_t idx, uint64_t gpfn);
/* vcpu_op(cmd, vcpu, arg) from v: VCPUOP_register_vcpu_info and
 * VCPUOP_register_runstate_memory_area, as Xen on Arm answers them; -XEN_EINVAL for the rest. */
long xen_vcpu_op(vcpu_t *v, uint64_t cmd, uint64_t vcpu, uint64_t arg);
/* Whether gfn holds vm's shared_info or a vcpu_info (such a page may not leave its RAM). */
bool xen_shinfo_uses(const vm_t *vm, uint64_t gfn);
/* The incarnation ends (reset or release): every registration is forgotten and unmapped. */
void xen_shinfo_reset(vm_t *vm);
#endif
