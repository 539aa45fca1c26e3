/*
 * Guest traps: every exception taken from a lower EL arrives here from the vectors and is
 * dispatched on its exception class. Hypercalls go to core/hvc.c; aborts outside the guest's
 * regions are the isolation rule: logged with VM, address and access, then an external abort
 * is injected (or the VM stopped, if its description says so).
 */
#include <arch/esr.h>
#include <arch/inject.h>
#include <arch/mmio.h>
#include <arch/mmu.h>
#include <arch/regs.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <core/console.h>
#include <core/fault.h>
#include <core/hvc.h>
#include <core/irq.h>
#include <core/panic.h>
#include <core/vm.h>
#include <mm/reserve.h>
#include <vdev/vgic.h>

#define HPFAR_FIPA_SHIFT 8
#define HPFAR_FIPA_MASK  0x00000ffffffffff0UL
#define PAGE_OFFSET_MASK 0xfffUL

/* ESR ISS of a trapped MSR/MRS/SYS (EC 0x18): the encoding, without Rt and direction */
#define ISS_SYSREG_MASK   0x3ffc1eUL
#define ISS_SYSREG_RT(iss) (((iss) >> 5) & 0x1f)
#define ISS_SYSREG_READ   1UL
#define ISS_SYSREG(op0, op1, crn, crm, op2)                                                     \
    (((uint64_t)(op0) << 20) | ((uint64_t)(op2) << 17) | ((uint64_t)(op1) << 14) |              \
     ((uint64_t)(crn) << 10) | ((uint64_t)(crm) << 1))
#define SYSREG_ICC_SGI1R  ISS_SYSREG(3, 0, 12, 11, 5)
#define SYSREG_ICC_ASGI1R ISS_SYSREG(3, 0, 12, 11, 6)
#define SYSREG_ICC_SGI0R  ISS_SYSREG(3, 0, 12, 11, 7)
#define SYSREG_DC_ISW     ISS_SYSREG(1, 0, 7, 6, 2)
#define SYSREG_DC_CSW     ISS_SYSREG(1, 0, 7, 10, 2)
#define SYSREG_DC_CISW    ISS_SYSREG(1, 0, 7, 14, 2)

/* The faulting IPA: page from HPFAR_EL2, offset from FAR_EL2. */
static uint64_t fault_ipa(const arch_regs_t *f)
{
    return ((f->hpfar & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT) | (f->far & PAGE_OFFSET_MASK);
}

/* The slow path of an abort: a device refused it, or nothing is there (isolation). */
static __attribute__((noinline)) void guest_abort(vcpu_t *v, arch_regs_t *f, bool instruction,
                                                  bool refused)
{
    vm_t *vm = v->vm;
    uint64_t esr = f->esr, ipa = fault_ipa(f);
    if (refused) {
        log_warn("vm %s vcpu %u: %s at IPA 0x%lx refused by its device\n", vm->cfg.name, v->id,
                 (esr & ESR_ISS_WNR) ? "write" : "read", (unsigned long)ipa);
        arch_inject_abort(f, false, f->far, esr & ESR_ISS_WNR);
        return;
    }
    bool write = !instruction && (esr & ESR_ISS_WNR);
    char fsc[64];
    const region_t *r = region_find(&vm->regions, ipa);
    vm->faults++;
    log_warn("vm %s vcpu %u: %s at IPA 0x%lx (VA 0x%lx, pc 0x%lx): %s, %s\n", vm->cfg.name,
             v->id, instruction ? "instruction fetch" : write ? "write" : "read",
             (unsigned long)ipa, (unsigned long)f->far, (unsigned long)f->elr,
             esr_fsc_name(esr & ESR_ISS_FSC_MASK, fsc, sizeof(fsc)),
             r ? "not permitted by its region" : "outside its regions");
    if (vm->cfg.stop_on_fault)
        vm_stop(vm, "access outside its regions");
    /* an abort can only be delivered to a vector the guest can execute: otherwise delivering
     * it would fault again, forever */
    const region_t *vr = region_find(&vm->regions, arch_inject_target(f));
    if (!vr || !(vr->flags & REGION_X) || vr->type == REGION_EMULATED) {
        log_error("vm %s vcpu %u: its exception vector 0x%lx is not executable memory; the abort "
                  "cannot be delivered\n",
                  vm->cfg.name, v->id, (unsigned long)arch_inject_target(f));
        vm_stop(vm, "undeliverable abort");
    }
    arch_inject_abort(f, instruction, f->far, write);
}

/* A trapped system-register access: SGI generation (HCR_EL2.IMO makes it trap) is the vGIC's,
 * data-cache maintenance by set/way is done safely here; anything else is undefined for the
 * guest. */
static void sysreg_trap(vcpu_t *v, arch_regs_t *f)
{
    uint64_t iss = f->esr & ESR_ISS_MASK, rt = ISS_SYSREG_RT(iss);
    uint64_t val = rt == 31 ? 0 : f->x[rt];
    switch (iss & ISS_SYSREG_MASK) {
    case SYSREG_ICC_SGI1R:
    case SYSREG_ICC_ASGI1R:
    case SYSREG_ICC_SGI0R:
        if (iss & ISS_SYSREG_READ)
            break; /* write-only registers */
        vgic_sgi(v, val);
        f->elr += 4;
        return;
    case SYSREG_DC_ISW:
    case SYSREG_DC_CSW:
    case SYSREG_DC_CISW:
        /* set/way maintenance (HCR_EL2.TSW): done as clean and invalidate, never a bare
         * invalidate, which could drop another VM's (or septum's) dirty lines */
        arch_dcache_cisw(val);
        f->elr += 4;
        return;
    default:
        break;
    }
    log_warn("vm %s vcpu %u: system register access (ISS 0x%lx) at pc 0x%lx not emulated; "
             "undefined instruction injected\n",
             v->vm->cfg.name, v->id, (unsigned long)iss, (unsigned long)f->elr);
    arch_inject_undef(f);
}

void trap_hvc(arch_regs_t *f) { hvc_dispatch(vcpu_current(), f, f->esr & ESR_HVC_IMM_MASK); }

/* Everything trap_dabt does not finish itself: another device, a refusal, isolation. The frame
 * gets ELR and SPSR first (the lean entry left them in the registers). Returns 1: the vectors
 * restore ELR/SPSR from the frame. */
static __attribute__((noinline)) int dabt_slow(arch_regs_t *f, uint64_t esr, bool refused)
{
    vcpu_t *v = vcpu_current();
    f->esr = esr;
    f->elr = read_sysreg(elr_el2);
    f->spsr = read_sysreg(spsr_el2);
    f->far = read_sysreg(far_el2);
    f->hpfar = read_sysreg(hpfar_el2);
    if (refused) {
        guest_abort(v, f, false, true);
        return 1;
    }
    fault_outcome_t o = fault_emulate(v, f, fault_ipa(f));
    if (o != FAULT_EMULATED && o != FAULT_RETRY)
        guest_abort(v, f, false, o == FAULT_REFUSED);
    return 1;
}

/* The lean path (vectors.S dabt_fast: ISV = 1, a register C may clobber): the device the vCPU
 * used last, when it covers the access and handles it, is finished here; 0 tells the vectors
 * to step the PC. Only the frame stays live across the device's callback, so little is saved. */
int trap_dabt(arch_regs_t *f, uint64_t esr)
{
    vcpu_t *v = vcpu_current();
    uint64_t far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
    uint64_t ipa = ((hpfar & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT) | (far & PAGE_OFFSET_MASK);
    reservation_t *res = v->mmio_last;
    dabt_iss_t iss = mmio_decode_iss(esr);
    unsigned size = 1u << iss.sas;
    if ((esr & ESR_ISS_S1PTW) || !reservation_covers(res, ipa, size))
        return dabt_slow(f, esr, false);
    uint64_t value = iss.wnr && iss.srt != MMIO_XZR ? mmio_mask(f->x[iss.srt], iss.sas) : 0;
    mem_access_t a = {ipa, size, iss.wnr, value, v->id};
    memory_fault_result_t r = res->callback(&v->vm->mem, &a, res->cookie);
    if (r != FAULT_HANDLED)
        return r == FAULT_RESTART ? (f->elr = read_sysreg(elr_el2),
                                     f->spsr = read_sysreg(spsr_el2), 1)
                                  : dabt_slow(f, esr, true);
    if (!a.write) {
        dabt_iss_t d = mmio_decode_iss(read_sysreg(esr_el2)); /* again: nothing else stays live */
        if (d.srt != MMIO_XZR)
            f->x[d.srt] = mmio_extend(a.value, a.size, d.sse, d.sf);
    }
    return 0;
}

void trap_lower(arch_regs_t *f, uint64_t vector)
{
    vcpu_t *v = vcpu_current();
    if (!v)
        exception_fatal(f, vector); /* no guest runs on this CPU: cannot happen */
    if ((vector & 3) != VEC_SYNC) {
        if ((vector & 3) == VEC_SERROR) {
            log_error("vm %s vcpu %u: SError (ESR 0x%lx)\n", v->vm->cfg.name, v->id,
                      (unsigned long)f->esr);
            vm_stop(v->vm, "SError");
        }
        if ((vector & 3) == VEC_IRQ)
            irq_handle(v);
        return;
    }
    switch (ESR_EC(f->esr)) {
    case EC_HVC64:
        hvc_dispatch(v, f, f->esr & ESR_HVC_IMM_MASK); /* not reached: vectors.S takes HVC */
        break;
    case EC_SMC64:
        /* SMC traps before it executes: step over it, then answer as for HVC #0 */
        f->elr += 4;
        hvc_dispatch(v, f, 0);
        break;
    case EC_DABT_LOW: {
        /* the fast path: an emulated device */
        fault_outcome_t o = fault_emulate(v, f, fault_ipa(f));
        if (o != FAULT_EMULATED && o != FAULT_RETRY)
            guest_abort(v, f, false, o == FAULT_REFUSED);
        break;
    }
    case EC_IABT_LOW:
        guest_abort(v, f, true, false);
        break;
    case EC_SYS64:
        sysreg_trap(v, f);
        break;
    default:
        log_warn("vm %s vcpu %u: %s at pc 0x%lx (ESR 0x%lx) not emulated; undefined instruction "
                 "injected\n",
                 v->vm->cfg.name, v->id, esr_class_name(f->esr), (unsigned long)f->elr,
                 (unsigned long)f->esr);
        arch_inject_undef(f);
        break;
    }
}
