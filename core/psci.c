/*
 * PSCI 1.1 (Arm DEN 0022) and the SMCCC discovery calls for guests. PSCI acts on the calling VM
 * only: CPU_ON reaches its own vCPUs (virtual MPIDR Aff0 = vCPU id), SYSTEM_OFF and SYSTEM_RESET
 * stop or restart that VM, never the machine. PSCI_VERSION and SMCCC_VERSION, whose answers are
 * constants, are answered before this (hvc_const_calls in core/hvc.c).
 */
#include <arch/psci.h>
#include <arch/sysreg.h>
#include <core/hvc.h>

#define AFFINITY_ON         0
#define AFFINITY_OFF        1
#define AFFINITY_ON_PENDING 2
#define MIGRATE_NONE        2 /* no Trusted OS needing migration */

/* The vCPU of vm with virtual MPIDR mpidr (Aff0 = vCPU id, all else 0), or NULL. */
static vcpu_t *vcpu_by_mpidr(vm_t *vm, uint64_t mpidr)
{
    mpidr &= MPIDR_AFF_MASK;
    if (mpidr >= vm->cfg.vcpu_num)
        return NULL;
    return &vm->vcpu[mpidr];
}

static bool executable_at(vm_t *vm, uint64_t gpa)
{
    const region_t *r = region_find(&vm->regions, gpa);
    return r && (r->type == REGION_RAM || r->type == REGION_ROM) && (r->flags & REGION_X);
}

static int64_t cpu_on(vm_t *vm, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
    vcpu_t *t = vcpu_by_mpidr(vm, mpidr);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    if (!executable_at(vm, entry) || (entry & 3))
        return PSCI_INVALID_ADDRESS;
    /* claim the vCPU first, so only the call that wins writes its entry and context, and its
     * CPU (which runs only ON_PENDING vCPUs) cannot read them half written */
    uint32_t st = VCPU_OFF;
    if (!__atomic_compare_exchange_n(&t->state, &st, VCPU_CLAIMED, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return st == VCPU_RUNNING ? PSCI_ALREADY_ON : PSCI_ON_PENDING;
    t->entry = entry;
    t->context = ctx;
    /* a stop meanwhile set it off: then it stays off */
    st = VCPU_CLAIMED;
    __atomic_compare_exchange_n(&t->state, &st, VCPU_ON_PENDING, false, __ATOMIC_SEQ_CST,
                                __ATOMIC_SEQ_CST);
    dsb_ish();
    sev();
    return PSCI_SUCCESS;
}

static int64_t affinity_info(vm_t *vm, uint64_t mpidr, uint64_t level)
{
    vcpu_t *t = vcpu_by_mpidr(vm, mpidr);
    if (!t || level != 0)
        return PSCI_INVALID_PARAMETERS;
    switch (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE)) {
    case VCPU_OFF: return AFFINITY_OFF;
    case VCPU_CLAIMED:
    case VCPU_ON_PENDING: return AFFINITY_ON_PENDING;
    default: return AFFINITY_ON;
    }
}

static bool known(uint64_t fid)
{
    switch ((uint32_t)fid) {
    case PSCI_VERSION:
    case PSCI_CPU_SUSPEND_64:
    case PSCI_CPU_OFF:
    case PSCI_CPU_ON_64:
    case PSCI_AFFINITY_INFO_64:
    case PSCI_MIGRATE_INFO_TYPE:
    case PSCI_SYSTEM_OFF:
    case PSCI_SYSTEM_RESET:
    case PSCI_FEATURES:
    case SMCCC_VERSION: return true;
    default: return false;
    }
}

int64_t psci_call(vcpu_t *v, const arch_regs_t *f)
{
    vm_t *vm = v->vm;
    switch ((uint32_t)f->x[0]) {
    case SMCCC_ARCH_FEATURES: return PSCI_NOT_SUPPORTED; /* no workaround calls to offer */
    case PSCI_FEATURES: return known(f->x[1]) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED;
    case PSCI_MIGRATE_INFO_TYPE: return MIGRATE_NONE;
    case PSCI_CPU_ON_64: return cpu_on(vm, f->x[1], f->x[2], f->x[3]);
    case PSCI_AFFINITY_INFO_64: return affinity_info(vm, f->x[1], f->x[2]);
    case PSCI_CPU_SUSPEND_64:
        return PSCI_SUCCESS; /* a standby state: returning at once is allowed */
    case PSCI_CPU_OFF:
        __atomic_store_n(&v->state, VCPU_OFF, __ATOMIC_RELEASE);
        vcpu_exit(); /* does not return */
    case PSCI_SYSTEM_OFF:
        vm_stop(vm, "PSCI SYSTEM_OFF"); /* does not return: the caller is one of its vCPUs */
        return PSCI_INTERNAL_FAILURE;
    case PSCI_SYSTEM_RESET: vm_reset(vm); /* does not return */
    default: return PSCI_NOT_SUPPORTED;
    }
}
