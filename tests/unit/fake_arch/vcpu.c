/*
 * The fake arch's guest-facing helpers (arch/vcpu.h, arch/inject.h): the guest's stage 1 is a
 * small table the test fills (fake_arch_map_va), its stack pointers are the fake system
 * registers, and injected exceptions are recorded, not delivered: the frame is left as it was,
 * so a test sees exactly what septum itself did to the guest's registers.
 */
#include <arch/inject.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>
#include <fake_arch.h>

#define PAGE_OFFSET 0xfffUL

static void map_va(uint64_t va, uint64_t ipa, bool readonly)
{
    if (fake_arch.s1_num == FAKE_S1_MAX)
        fake_arch_fail("the guest's fake stage 1 is full (%u pages)", FAKE_S1_MAX);
    fake_arch.s1[fake_arch.s1_num].va = va & ~PAGE_OFFSET;
    fake_arch.s1[fake_arch.s1_num].ipa = ipa & ~PAGE_OFFSET;
    fake_arch.s1[fake_arch.s1_num].readonly = readonly;
    fake_arch.s1_num++;
}

void fake_arch_map_va(uint64_t va, uint64_t ipa) { map_va(va, ipa, false); }
void fake_arch_map_va_ro(uint64_t va, uint64_t ipa) { map_va(va, ipa, true); }

bool arch_guest_va_translate(uint64_t va, bool write, uint64_t *ipa)
{
    fake_arch.at_calls++;
    fake_arch.at_last_va = va;
    if (fake_arch.s1_off) { /* the guest's MMU is off: AT gives the identity */
        *ipa = va;
        return true;
    }
    for (unsigned i = 0; i < fake_arch.s1_num; i++)
        if (fake_arch.s1[i].va == (va & ~PAGE_OFFSET)) {
            if (write && fake_arch.s1[i].readonly)
                return false;
            *ipa = fake_arch.s1[i].ipa | (va & PAGE_OFFSET);
            return true;
        }
    return false;
}

/* The fake has no stage 2 to walk: both stages at once never translate, and callers take
 * their region-table path (the hardware walk is proven under QEMU, by the system tests). */
bool arch_guest_va_to_pa(uint64_t va, bool write, uint64_t *pa)
{
    (void)va;
    (void)write;
    (void)pa;
    return false;
}

bool arch_guest_va_to_ipa(uint64_t va, uint64_t *ipa)
{
    return arch_guest_va_translate(va, false, ipa);
}

uint64_t arch_guest_sp(const arch_regs_t *f)
{
    return (f->spsr & SPSR_M_MASK) == SPSR_EL1H ? read_sysreg(sp_el1) : read_sysreg(sp_el0);
}

void arch_set_guest_sp(const arch_regs_t *f, uint64_t sp)
{
    if ((f->spsr & SPSR_M_MASK) == SPSR_EL1H)
        write_sysreg(sp, sp_el1);
    else
        write_sysreg(sp, sp_el0);
}

void arch_inject_abort(arch_regs_t *f, bool instruction, uint64_t far, bool write)
{
    fake_arch.aborts++;
    fake_arch.abort = (fake_inject_t){f, instruction, write, far, f->elr};
}

void arch_inject_undef(arch_regs_t *f)
{
    fake_arch.undefs++;
    fake_arch.undef_frame = f;
}

uint64_t arch_inject_target(const arch_regs_t *f)
{
    (void)f;
    return fake_arch.inject_target;
}
