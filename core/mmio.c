/*
 * A guest's data abort, its whole emulation: find the device (the reservation the access hit,
 * mm/reserve.h), decode the access (the ISS, or the instruction when the ISS is not valid), call
 * the device through device_access() for each element, write loaded values back to the guest's
 * registers (x31 is xzr), update a writeback base register, and step the PC only when every
 * element was handled. No device there: the isolation rule (core/trap.c). One outcome type
 * throughout: the device's memory_fault_result_t.
 *
 * Two ways in. The lean path, trap_dabt, is called by vectors.S (dabt_fast) for an access the
 * hardware described (ISV = 1) whose register is one C may clobber (x0-x18, x30, xzr): only
 * those registers are in the frame, ESR comes in x1, and ELR/SPSR stay in the system registers.
 * It finishes an access to the device the vCPU used last and returns 0 (the vectors step the
 * PC); anything else goes to the full path after it has put ELR, SPSR, FAR and HPFAR into the
 * frame, and returns 1 (the vectors restore ELR/SPSR from the frame). The full path, mmio_dabt,
 * is called by trap_lower with the whole frame. The lean path is written for the instruction
 * count (make bench: the MMIO round trip): its exits are out of line (COLD), nothing but the
 * frame stays live across the device's callback, and ESR is read again rather than kept.
 *
 * The instruction is fetched, when needed, through the guest's own stage 1 (AT S1E1R) and a
 * checked firmware map of that guest's memory, so a guest can never make septum read anything
 * but its own RAM or ROM. Only A64 instructions are decoded: a guest's own AArch32 EL0 is
 * emulated where the hardware described the access, and its PC steps by the instruction's
 * length (a 16-bit Thumb one too) and through its IT block.
 */
#include <arch/fault.h>
#include <arch/inject.h>
#include <arch/ldst.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <core/trap.h>
#include <lib/console.h>
#include <mm/fwmap.h>
#include <mm/reserve.h>

/* Out of the lean path's way: these run rarely and must not cost it registers. */
#define COLD __attribute__((noinline, cold))

static inline memory_fault_result_t device_access(vcpu_t *v, reservation_t *res, mem_access_t *a)
{
    return res->callback(&v->vm->mem, a, res->cookie);
}

static uint64_t reg_read(const arch_regs_t *f, unsigned r) { return r == LDST_XZR ? 0 : f->x[r]; }

static void reg_write(arch_regs_t *f, unsigned r, uint64_t v)
{
    if (r != LDST_XZR)
        f->x[r] = v;
}

static bool fetch_insn(vm_t *vm, uint64_t pc, uint32_t *insn)
{
    uint64_t ipa;
    gasp_map_handle_t h;
    if (!arch_guest_va_to_ipa(pc, &ipa) || (ipa & 3))
        return false;
    if (gasp_map(&vm->regions, ipa, 4, GMF_R, &h) != EOK)
        return false;
    *insn = *(const volatile uint32_t *)gasp_get_vaddr(h);
    gasp_unmap_handle(h);
    return true;
}

/* The device at ipa, found the slow way (and remembered for the next fault), or NULL. A copy of
 * the region, taken under the VM's lock: another vCPU may be rewriting the table. The
 * reservation it names lives as long as the VM, and reservation_covers checks it is live. */
static COLD reservation_t *find_device(vcpu_t *v, uint64_t ipa)
{
    region_t region;
    if (region_info(&v->vm->regions, ipa, &region) != REGION_OK || region.type != REGION_EMULATED ||
        !region.owner)
        return NULL;
    return v->mmio_last = region.owner;
}

/* ISV = 1: one access the hardware fully described. */
static memory_fault_result_t emulate_iss(vcpu_t *v, arch_regs_t *f, uint64_t ipa,
                                         reservation_t *res)
{
    dabt_iss_t iss = ldst_decode_iss(f->esr);
    unsigned size = 1u << iss.sas;
    if (!reservation_covers(res, ipa, size))
        return FAULT_UNHANDLED; /* straddles the end of the device */
    mem_access_t a = {ipa, size, iss.wnr, 0, v->id};
    if (a.write)
        a.value = ldst_extend(reg_read(f, iss.srt), size, false, true);
    memory_fault_result_t r = device_access(v, res, &a);
    if (r == FAULT_HANDLED && !a.write)
        reg_write(f, iss.srt, ldst_extend(a.value, size, iss.sse, iss.sf));
    return r;
}

/* ISV = 0: decode the instruction and emulate each element (pairs, writeback forms). Every
 * element must lie in the device before the first is performed, so a pair is done whole or not
 * at all. */
static COLD memory_fault_result_t emulate_decoded(vcpu_t *v, arch_regs_t *f, uint64_t ipa,
                                                  reservation_t *res)
{
    vm_t *vm = v->vm;
    ldst_op_t op;
    uint64_t first = ipa;
    uint32_t insn;
    /* an AArch32 instruction (A32 or T32) is not A64: never decoded as one */
    if ((f->spsr & SPSR_M_AARCH32) || !fetch_insn(vm, f->elr, &insn) ||
        !ldst_decode_insn(insn, &op, f->x)) {
        log_guest(vm->id, vm->cfg.name, LOG_WARN,
                  "vm %s vcpu %u: access at IPA 0x%lx by an instruction septum does not "
                  "emulate (pc 0x%lx)\n",
                  vm->cfg.name, v->id, (unsigned long)ipa, (unsigned long)f->elr);
        return FAULT_UNHANDLED;
    }
    /* FAR is the address of the element that faulted; the first element is at base+offset */
    if (!(f->esr & ESR_ISS_FNV)) {
        uint64_t base = op.rn == LDST_SP ? arch_guest_sp(f) : f->x[op.rn];
        uint64_t va_first = base + (uint64_t)op.offset;
        first = ipa - (f->far - va_first);
    }
    for (unsigned k = 0; k < op.count; k++)
        if (!reservation_covers(res, first + k * op.size, op.size))
            return FAULT_UNHANDLED;
    for (unsigned k = 0; k < op.count; k++) {
        mem_access_t a = {first + k * op.size, op.size, !op.load, 0, v->id};
        if (!op.load)
            a.value = ldst_extend(reg_read(f, op.rt[k]), op.size, false, true);
        memory_fault_result_t r = device_access(v, res, &a);
        if (r != FAULT_HANDLED)
            return r;
        if (op.load)
            reg_write(f, op.rt[k], ldst_extend(a.value, op.size, op.sign_extend, op.ext64));
    }
    if (op.writeback) {
        if (op.rn == LDST_SP)
            arch_set_guest_sp(f, arch_guest_sp(f) + (uint64_t)op.wb_offset);
        else
            f->x[op.rn] += (uint64_t)op.wb_offset;
    }
    return FAULT_HANDLED;
}

/* The device refused the access (or it could not be decoded): the guest gets an abort. */
static COLD void refused(vcpu_t *v, arch_regs_t *f, uint64_t ipa)
{
    bool write = f->esr & ESR_ISS_WNR;
    log_guest(v->vm->id, v->vm->cfg.name, LOG_WARN,
              "vm %s vcpu %u: %s at IPA 0x%lx refused by its device\n", v->vm->cfg.name, v->id,
              write ? "write" : "read", (unsigned long)ipa);
    arch_inject_abort(f, false, f->far, write);
}

void mmio_dabt(vcpu_t *v, arch_regs_t *f)
{
    uint64_t ipa;
    if (f->esr & ESR_ISS_S1PTW) {
        trap_isolate(v, f, false); /* the guest's page tables live outside its RAM */
        return;
    }
    if (!arch_fault_ipa(f->esr, f->far, f->hpfar, &ipa))
        return; /* its stage 1 changed under the access: the guest retries */
    /* a device is usually hit many times in a row: try the last one before searching */
    reservation_t *res = v->mmio_last;
    if (!reservation_covers(res, ipa, 1) && !(res = find_device(v, ipa))) {
        trap_isolate(v, f, false);
        return;
    }
    memory_fault_result_t r = (f->esr & BIT(ESR_ISS_ISV_BIT)) ? emulate_iss(v, f, ipa, res)
                                                              : emulate_decoded(v, f, ipa, res);
    if (r == FAULT_HANDLED)
        arch_step_pc(f);
    else if (r != FAULT_RESTART) /* RESTART: the mapping changed, the guest retries */
        refused(v, f, ipa);
}

/* The lean path's exits: the frame takes what the full path needs from the system registers. */
static void take_frame(arch_regs_t *f, uint64_t esr)
{
    f->esr = esr;
    f->elr = read_sysreg(elr_el2);
    f->spsr = read_sysreg(spsr_el2);
    f->far = read_sysreg(far_el2);
    f->hpfar = read_sysreg(hpfar_el2);
}

static COLD int dabt_full(arch_regs_t *f, uint64_t esr)
{
    take_frame(f, esr);
    mmio_dabt(vcpu_current(), f);
    return 1;
}

/* The device did not handle the access; ESR, FAR and HPFAR still hold it (nothing since took an
 * exception at EL2), so they are read again rather than kept live across the callback. */
static COLD int dabt_not_handled(arch_regs_t *f, memory_fault_result_t r)
{
    take_frame(f, read_sysreg(esr_el2));
    if (r != FAULT_RESTART)
        refused(vcpu_current(), f, arch_hpfar_ipa(f->far, f->hpfar));
    return 1;
}

/* The bytes an access of 1 << sas bytes moves (ldst_mask, as a table: fewer instructions). */
static const uint64_t size_mask[4] = {0xff, 0xffff, 0xffffffff, ~0UL};

/* The lean frame as 32 slots: x0-x30, then sp, which stands for xzr as a load's target. */
static inline uint64_t *regs_slots(arch_regs_t *f)
{
    _Static_assert(offsetof(arch_regs_t, sp) == 31 * sizeof(uint64_t), "xzr's slot is sp's");
    return (uint64_t *)f;
}

/* A load that sign-extends (rare: out of the lean path's way), with ldst_extend's rules. */
static COLD int load_signed(arch_regs_t *f, uint64_t esr, uint64_t value)
{
    dabt_iss_t d = ldst_decode_iss(esr);
    reg_write(f, d.srt, ldst_extend(value, 1u << d.sas, true, d.sf));
    return 0;
}

int trap_dabt(arch_regs_t *f, uint64_t esr)
{
    vcpu_t *v = vcpu_current();
    uint64_t ipa = arch_hpfar_ipa(read_sysreg(far_el2), read_sysreg(hpfar_el2));
    reservation_t *res = v->mmio_last;
    dabt_iss_t iss = ldst_decode_iss(esr);
    uint64_t size = 1UL << iss.sas;
    /* From AArch64: the vectors step the PC by 4, where an AArch32 PC may step by 2 or through
     * an IT block (arch_step_pc). Then a translation fault not on a stage-1 walk (HPFAR is
     * valid for it, and an emulated device is unmapped, so that is how its accesses fault) on
     * the device used last. */
    if (read_sysreg(spsr_el2) & SPSR_M_AARCH32)
        return dabt_full(f, esr);
    if ((esr & (ESR_ISS_S1PTW | FSC_TYPE_MASK)) != FSC_TRANS || !reservation_covers(res, ipa, size))
        return dabt_full(f, esr);
    uint64_t value = iss.wnr && iss.srt != LDST_XZR ? f->x[iss.srt] & size_mask[iss.sas] : 0;
    mem_access_t a = {ipa, (unsigned)size, iss.wnr, value, v->id};
    memory_fault_result_t r = device_access(v, res, &a);
    if (r != FAULT_HANDLED)
        return dabt_not_handled(f, r);
    if (!a.write) {
        uint64_t e = read_sysreg(esr_el2); /* again: nothing else stays live */
        if (e & ESR_ISS_SSE)
            return load_signed(f, e, a.value);
        /* a load that zero-extends: its bytes, into the frame slot of its register; xzr's is
         * the frame's sp slot, which this path neither saves nor restores (vectors.S) */
        regs_slots(f)[e >> ESR_ISS_SRT_SHIFT & 31] = a.value &
                                                     size_mask[e >> ESR_ISS_SAS_SHIFT & 3];
    }
    return 0;
}
