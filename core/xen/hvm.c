/*
 * HVM parameters (see xen/hvm.h), answered as Xen on Arm answers a domU: DOMID_SELF or its own
 * id, an index below HVM_NR_PARAMS (else -EINVAL), the value (0 when unset); another domain's
 * parameters and every set_param are refused (-EPERM), as Xen refuses them to an unprivileged
 * guest.
 */
#include <errno.h>
#include <xen/guestmem.h>
#include <xen/hvm.h>

static uint64_t params[VM_MAX][HVM_NR_PARAMS];

void xen_hvm_params_reset(vm_t *vm)
{
    for (unsigned i = 0; i < HVM_NR_PARAMS; i++)
        __atomic_store_n(&params[vm->id][i], 0, __ATOMIC_RELAXED);
    /* the upcall: a PPI, level-triggered active low, INTID 31 (Xen's evtchn_allocate) */
    params[vm->id][HVM_PARAM_CALLBACK_IRQ] = (HVM_PARAM_CALLBACK_TYPE_PPI << 56) |
                                             (HVM_PARAM_CALLBACK_TYPE_PPI_LOW << 8) |
                                             XEN_EVTCHN_PPI;
}

int xen_hvm_param_set(vm_t *vm, unsigned index, uint64_t value)
{
    if (index >= HVM_NR_PARAMS)
        return -EINVAL;
    __atomic_store_n(&params[vm->id][index], value, __ATOMIC_RELEASE);
    return 0;
}

long xen_hvm_op(vcpu_t *v, uint64_t cmd, uint64_t arg)
{
    vm_t *vm = v->vm;
    if (cmd != HVMOP_get_param && cmd != HVMOP_set_param)
        return -XEN_ENOSYS;
    struct xen_hvm_param p;
    if (xen_guest_copy(v, &p, arg, sizeof(p), false))
        return -XEN_EFAULT;
    if (p.index >= HVM_NR_PARAMS)
        return -XEN_EINVAL;
    if ((p.domid != DOMID_SELF && p.domid != vm->cfg.domid) || cmd == HVMOP_set_param)
        return -XEN_EPERM;
    p.value = __atomic_load_n(&params[vm->id][p.index], __ATOMIC_ACQUIRE);
    return xen_guest_copy(v, &p, arg, sizeof(p), true) ? -XEN_EFAULT : 0;
}
