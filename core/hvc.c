/*
 * Guest hypercalls (see core/hvc.h). PSCI acts on the calling VM only: CPU_ON reaches its own
 * vCPUs, SYSTEM_OFF and SYSTEM_RESET stop or restart that VM, never the machine.
 */
#include <arch/psci.h>
#include <arch/sysreg.h>
#include <core/console.h>
#include <core/hvc.h>
#include <core/xen.h>
#include <septum/xen.h>
#include <septum/abi.h>
#include <string.h>

#define PSCI_VERSION_1_1    0x10001
#define SMCCC_VERSION_1_1   0x10001
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

__attribute__((noinline)) static int64_t psci_cpu_on(vm_t *vm, uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
    vcpu_t *t = vcpu_by_mpidr(vm, mpidr);
    if (!t)
        return PSCI_INVALID_PARAMETERS;
    if (!executable_at(vm, entry) || (entry & 3))
        return PSCI_INVALID_ADDRESS;
    uint32_t off = VCPU_OFF;
    t->entry = entry;
    t->context = ctx;
    if (!__atomic_compare_exchange_n(&t->state, &off, VCPU_ON_PENDING, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return off == VCPU_ON_PENDING ? PSCI_ON_PENDING : PSCI_ALREADY_ON;
    dsb_ish();
    sev();
    return PSCI_SUCCESS;
}

__attribute__((noinline)) static int64_t psci_affinity_info(vm_t *vm, uint64_t mpidr, uint64_t level)
{
    vcpu_t *t = vcpu_by_mpidr(vm, mpidr);
    if (!t || level != 0)
        return PSCI_INVALID_PARAMETERS;
    switch (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE)) {
    case VCPU_OFF:
        return AFFINITY_OFF;
    case VCPU_ON_PENDING:
        return AFFINITY_ON_PENDING;
    default:
        return AFFINITY_ON;
    }
}

static bool psci_known(uint64_t fid)
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
    case SMCCC_VERSION:
        return true;
    default:
        return false;
    }
}

/* Console bytes arrive in registers; a line is printed whole, prefixed with the VM's name. */
__attribute__((noinline)) static int64_t console_write(vm_t *vm, const arch_regs_t *f)
{
    uint64_t n = f->x[1];
    if (n > SEPTUM_CONSOLE_WRITE_MAX)
        return SEPTUM_INVALID;
    char bytes[SEPTUM_CONSOLE_WRITE_MAX];
    memcpy(bytes, &f->x[2], sizeof(bytes)); /* x2..x6, little-endian */
    for (uint64_t i = 0; i < n; i++)
        vm_console_putc(vm, bytes[i]);
    return (int64_t)n;
}

__attribute__((noinline)) static int64_t region_set_call(vm_t *vm, const arch_regs_t *f)
{
    if (!vm->cfg.test_control)
        return SEPTUM_DENIED;
    uint64_t op = f->x[1], gpa = f->x[2], len = f->x[3], flags = f->x[4];
    if (flags & ~(uint64_t)(REGION_R | REGION_W | REGION_X))
        return SEPTUM_INVALID;
    region_req_t q = {.r = {gpa, len, REGION_NO_HOST, REGION_RAM, (unsigned)flags}};
    switch (op) {
    case SEPTUM_REGION_OP_ADD:
        /* only pages of the VM's own RAM allocation may come back */
        q.op = REGION_ADD;
        q.r.hpa = REGION_NO_HOST;
        for (unsigned m = 0; m < vm->cfg.mem_num; m++)
            if (gpa >= vm->cfg.mem[m].gpa && gpa - vm->cfg.mem[m].gpa < vm->cfg.mem[m].size)
                q.r.hpa = vm->mem_hpa[m] + (gpa - vm->cfg.mem[m].gpa);
        if (q.r.hpa == REGION_NO_HOST)
            return SEPTUM_INVALID;
        break;
    case SEPTUM_REGION_OP_MODIFY:
        q.op = REGION_MODIFY;
        break;
    case SEPTUM_REGION_OP_DELETE:
        q.op = REGION_DELETE;
        break;
    default:
        return SEPTUM_INVALID;
    }
    unsigned failed;
    int rc = region_set_soft(&vm->regions, 1, &q, &failed);
    if (rc)
        log_info("vm %s: region change refused: %s\n", vm->cfg.name, region_strerror(rc));
    return rc ? SEPTUM_INVALID : SEPTUM_OK;
}

void hvc_dispatch(vcpu_t *v, arch_regs_t *f, uint64_t imm)
{
    vm_t *vm = v->vm;
    uint64_t fid = f->x[0];
    int64_t ret = PSCI_NOT_SUPPORTED;

    if (imm == XEN_HVC_IMM) {
        xen_hypercall(v, f);
        return;
    }
    if (imm != 0) {
        f->x[0] = (uint64_t)(int64_t)PSCI_NOT_SUPPORTED;
        return;
    }
    switch ((uint32_t)fid) {
    case PSCI_VERSION:
        ret = PSCI_VERSION_1_1;
        break;
    case SMCCC_VERSION:
        ret = SMCCC_VERSION_1_1;
        break;
    case SMCCC_ARCH_FEATURES:
        ret = PSCI_NOT_SUPPORTED; /* no workaround calls to offer */
        break;
    case PSCI_FEATURES:
        ret = psci_known(f->x[1]) ? PSCI_SUCCESS : PSCI_NOT_SUPPORTED;
        break;
    case PSCI_MIGRATE_INFO_TYPE:
        ret = MIGRATE_NONE;
        break;
    case PSCI_CPU_ON_64:
        ret = psci_cpu_on(vm, f->x[1], f->x[2], f->x[3]);
        break;
    case PSCI_AFFINITY_INFO_64:
        ret = psci_affinity_info(vm, f->x[1], f->x[2]);
        break;
    case PSCI_CPU_SUSPEND_64:
        ret = PSCI_SUCCESS; /* a standby state: returning at once is allowed */
        break;
    case PSCI_CPU_OFF:
        __atomic_store_n(&v->state, VCPU_OFF, __ATOMIC_RELEASE);
        vcpu_exit();
    case PSCI_SYSTEM_OFF:
        vm_stop(vm, "PSCI SYSTEM_OFF");
        break;
    case PSCI_SYSTEM_RESET:
        vm_reset(vm);
    case SEPTUM_HC_NULL:
        ret = SEPTUM_OK;
        break;
    case SEPTUM_HC_CONSOLE_WRITE:
        ret = console_write(vm, f);
        break;
    case SEPTUM_HC_VM_INFO:
        f->x[1] = vm->id;
        f->x[2] = v->id;
        f->x[3] = vm->cfg.vcpu_num;
        ret = SEPTUM_OK;
        break;
    case SEPTUM_HC_REGION_SET:
        ret = region_set_call(vm, f);
        break;
    default:
        break;
    }
    f->x[0] = (uint64_t)ret;
}
