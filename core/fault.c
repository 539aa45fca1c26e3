/*
 * Data-abort emulation (see core/fault.h). The instruction is fetched, when needed, through
 * the guest's own stage 1 (AT S1E1R) and a checked firmware map of that guest's memory, so a
 * guest can never make septum read anything but its own RAM or ROM.
 */
#include <arch/mmio.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <core/console.h>
#include <core/fault.h>
#include <mm/fwmap.h>
#include <mm/reserve.h>

static uint64_t reg_read(const arch_regs_t *f, unsigned r) { return r == MMIO_XZR ? 0 : f->x[r]; }

static void reg_write(arch_regs_t *f, unsigned r, uint64_t v)
{
    if (r != MMIO_XZR)
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

/* The device at ipa, found the slow way (and remembered for the next fault), or NULL. */
static __attribute__((noinline)) reservation_t *find_device(vcpu_t *v, uint64_t ipa)
{
    const region_t *region = region_find(&v->vm->regions, ipa);
    if (!region || region->type != REGION_EMULATED || !region->owner)
        return NULL;
    return v->mmio_last = region->owner;
}

/* ISV = 0: decode the instruction and emulate each element (pairs, writeback forms). */
static __attribute__((noinline)) fault_outcome_t emulate_decoded(vcpu_t *v, arch_regs_t *f,
                                                                 uint64_t ipa, reservation_t *res)
{
    vm_t *vm = v->vm;
    bool fnv = f->esr & ESR_ISS_FNV;
    mmio_op_t op;
    uint64_t first = ipa;
    uint32_t insn;
    if (!fetch_insn(vm, f->elr, &insn) || !mmio_decode_insn(insn, &op, f->x)) {
        log_warn("vm %s vcpu %u: access at IPA 0x%lx by an instruction septum does not "
                 "emulate (pc 0x%lx)\n",
                 vm->cfg.name, v->id, (unsigned long)ipa, (unsigned long)f->elr);
        return FAULT_REFUSED;
    }
    /* FAR is the address of the element that faulted; the first element is at base+offset */
    if (!fnv) {
        uint64_t base = op.rn == MMIO_SP ? arch_guest_sp(f) : f->x[op.rn];
        uint64_t va_first = base + (uint64_t)op.offset;
        first = ipa - (f->far - va_first);
    }
    for (unsigned k = 0; k < op.count; k++) {
        mem_access_t a = {first + k * op.size, op.size, !op.load, 0, v->id};
        if (!op.load)
            a.value = mmio_extend(reg_read(f, op.rt[k]), op.size, false, true);
        memory_fault_result_t r = reservation_covers(res, a.addr, a.size)
                                      ? res->callback(&vm->mem, &a, res->cookie)
                                      : vm_memory_handle_fault(&vm->mem, &a);
        if (r == FAULT_RESTART)
            return FAULT_RETRY;
        if (r != FAULT_HANDLED)
            return FAULT_REFUSED;
        if (op.load)
            reg_write(f, op.rt[k], mmio_extend(a.value, op.size, op.sign_extend, op.ext64));
    }
    if (op.writeback) {
        if (op.rn == MMIO_SP)
            arch_set_guest_sp(f, arch_guest_sp(f) + (uint64_t)op.wb_offset);
        else
            f->x[op.rn] += (uint64_t)op.wb_offset;
    }
    f->elr += 4;
    return FAULT_EMULATED;
}

fault_outcome_t fault_emulate(vcpu_t *v, arch_regs_t *f, uint64_t ipa)
{
    uint64_t esr = f->esr;
    if (esr & ESR_ISS_S1PTW)
        return FAULT_NO_DEVICE; /* the guest's page tables live outside its RAM */
    /* a device is usually hit many times in a row: try the last one before searching */
    reservation_t *res = v->mmio_last;
    if (!reservation_covers(res, ipa, 1) && !(res = find_device(v, ipa)))
        return FAULT_NO_DEVICE;
    if (!(esr & BIT(ESR_ISS_ISV_BIT)))
        return emulate_decoded(v, f, ipa, res);

    /* the common case, kept short: one access the hardware fully described */
    dabt_iss_t iss = mmio_decode_iss(esr);
    unsigned size = 1u << iss.sas;
    mem_access_t a = {ipa, size, iss.wnr, 0, v->id};
    if (a.write)
        a.value = mmio_extend(reg_read(f, iss.srt), size, false, true);
    if (!reservation_covers(res, ipa, size))
        return FAULT_REFUSED; /* straddles the end of the device */
    memory_fault_result_t r = res->callback(&v->vm->mem, &a, res->cookie);
    if (r == FAULT_RESTART)
        return FAULT_RETRY;
    if (r != FAULT_HANDLED)
        return FAULT_REFUSED;
    if (!a.write)
        reg_write(f, iss.srt, mmio_extend(a.value, size, iss.sse, iss.sf));
    f->elr += 4;
    return FAULT_EMULATED;
}
