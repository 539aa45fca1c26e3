/*
 * Guest hypercalls (see core/hvc.h): the immediate picks the ABI (0: SMCCC, 0xEA1: Xen); under
 * SMCCC the calls with a constant answer come first (hvc_const_calls, which the vectors also
 * answer HVC #0 from, before saving more than x0-x3), then septum's vendor calls, and everything
 * else goes to PSCI. The vendor calls are kept out of line (noinline) so the dispatcher saves no
 * registers on the way to the common calls.
 */
#include <arch/psci.h>
#include <core/hvc.h>
#include <lib/console.h>
#include <septum/abi.h>
#include <septum/xen.h>
#include <string.h>

#define PSCI_VERSION_1_1  0x10001
#define SMCCC_VERSION_1_1 0x10001

/* The SMCCC calls whose answer never changes, whoever calls: {function ID (w0), result (x0,
 * sign-extended)}, ended by a zero ID. vectors.S (hvc_fast) reads this layout to answer HVC #0
 * at once; hvc_dispatch answers SMC #0 from it. */
typedef struct hvc_const {
    uint32_t fid;
    int32_t ret;
} hvc_const_t;
const hvc_const_t hvc_const_calls[] = {
    {SEPTUM_HC_NULL, SEPTUM_OK},
    {PSCI_VERSION, PSCI_VERSION_1_1},
    {SMCCC_VERSION, SMCCC_VERSION_1_1},
    {0, 0},
};
_Static_assert(sizeof(hvc_const_t) == 8, "vectors.S reads hvc_const_calls as 8-byte entries");

/* Console bytes arrive in registers; a line is printed whole, prefixed with the VM's name. */
static __attribute__((noinline)) int64_t console_write(vm_t *vm, const arch_regs_t *f)
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

static __attribute__((noinline)) int64_t region_set_call(vm_t *vm, const arch_regs_t *f)
{
    if (!vm->cfg.test_control)
        return SEPTUM_DENIED;
    uint64_t op = f->x[1], gpa = f->x[2], len = f->x[3], flags = f->x[4];
    if (flags & ~(uint64_t)(REGION_R | REGION_W | REGION_X))
        return SEPTUM_INVALID;
    region_req_t q = {.r = {gpa, len, REGION_NO_HOST, REGION_RAM, (unsigned)flags}, .guest = true};
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
    case SEPTUM_REGION_OP_MODIFY: q.op = REGION_MODIFY; break;
    case SEPTUM_REGION_OP_DELETE: q.op = REGION_DELETE; break;
    default: return SEPTUM_INVALID;
    }
    unsigned failed;
    int rc = region_set_soft(&vm->regions, 1, &q, &failed);
    if (rc)
        log_guest(vm->id, vm->cfg.name, LOG_INFO, "vm %s: region change refused: %s\n",
                  vm->cfg.name, region_strerror(rc));
    return rc ? SEPTUM_INVALID : SEPTUM_OK;
}

void hvc_dispatch(vcpu_t *v, arch_regs_t *f, uint64_t imm)
{
    vm_t *vm = v->vm;
    int64_t ret;

    if (imm == XEN_HVC_IMM) {
        xen_hypercall(v, f);
        return;
    }
    if (imm != 0) {
        f->x[0] = (uint64_t)(int64_t)PSCI_NOT_SUPPORTED;
        return;
    }
    uint32_t fid = (uint32_t)f->x[0];
    for (const hvc_const_t *c = hvc_const_calls; c->fid; c++)
        if (c->fid == fid) {
            f->x[0] = (uint64_t)(int64_t)c->ret;
            return;
        }
    switch (fid) {
    case SEPTUM_HC_CONSOLE_WRITE: ret = console_write(vm, f); break;
    case SEPTUM_HC_VM_INFO:
        f->x[1] = vm->id;
        f->x[2] = v->id;
        f->x[3] = vm->cfg.vcpu_num;
        ret = SEPTUM_OK;
        break;
    case SEPTUM_HC_REGION_SET: ret = region_set_call(vm, f); break;
    default: ret = psci_call(v, f); break;
    }
    f->x[0] = (uint64_t)ret;
}
