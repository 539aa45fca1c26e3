/*
 * A vCPU's architectural state and the switch into and out of it. While a vCPU runs, its
 * general registers live in the trap frame at the top of its physical CPU's hypervisor stack
 * (vectors.S saves them there on every trap and restores them on return); its EL1 system
 * registers live in the CPU, and are saved into arch_el1_t only when the physical CPU switches
 * to another vCPU or the VM is stopped.
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H
#include <arch/regs.h>
#include <arch/sysreg.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct arch_el1 {
    uint64_t sctlr, actlr, cpacr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr;
    uint64_t tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1, elr_el1, spsr_el1;
    uint64_t esr, far, afsr0, afsr1, par, cntkctl, csselr, cntv_ctl, cntv_cval, mdscr;
} arch_el1_t;

/* What stays fixed for a vCPU while it runs: its VM's stage 2 and its identity. */
typedef struct arch_vm_cfg {
    uint64_t vttbr; /* stage-2 root | VMID << 48 */
    uint64_t hcr;
    uint32_t vtcr; /* VTCR_EL2: septum sets no field above bit 31 */
    bool pmu;      /* the guest drives the PMU itself (a benchmark's); else its accesses trap */
} arch_vm_cfg_t;   /* 24 bytes: the vm_t fields after it keep offsets the trap paths encode */

/* Reset state for a vCPU entering at EL1h with MMU off at pc, x0 = arg. */
void arch_vcpu_reset(arch_regs_t *regs, arch_el1_t *el1, uint64_t pc, uint64_t x0);
void arch_el1_save(arch_el1_t *el1);
void arch_el1_restore(const arch_el1_t *el1);
/* Program HCR/VTCR/VTTBR/VMPIDR/MDCR for this vCPU on this physical CPU. */
void arch_vcpu_load(const arch_vm_cfg_t *cfg, uint64_t vmpidr);

/* Enter the guest with the given registers; never returns (traps come back through the vectors
 * to trap_lower(), and from there to the guest again). The frame is copied to the top of this
 * CPU's hypervisor stack, which is abandoned. */
_Noreturn void arch_vcpu_enter(const arch_regs_t *regs, uint64_t stack_top);

/* Call fn(arg) on a fresh stack at stack_top; never returns. */
_Noreturn void arch_stack_reset_call(uint64_t stack_top, void (*fn)(uint64_t), uint64_t arg);

/* Called by the vectors for every exception from a lower EL (vector as in arch/regs.h). The
 * frame is the vCPU's registers; changes to it (x0, elr...) take effect on return. */
void trap_lower(arch_regs_t *frame, uint64_t vector);

/* Called by the vectors for HVC from a 64-bit guest: the frame holds x0-x18, x30 and ESR only
 * (see vectors.S); results go to frame->x[0..3]. */
void trap_hvc(arch_regs_t *frame);

/* Translate a guest virtual address through the guest's own stage 1 (AT S1E1R), keeping the
 * guest's PAR_EL1; false if the guest's tables do not map it. */
bool arch_guest_va_to_ipa(uint64_t va, uint64_t *ipa);
/* The same for an EL1 access of the given kind (AT S1E1R or S1E1W): a write translates only
 * through a mapping the guest's stage 1 lets EL1 write. */
bool arch_guest_va_translate(uint64_t va, bool write, uint64_t *ipa);
/* Both stages at once (AT S12E1R/W) for the loaded vCPU: the host physical address of va, the
 * guest's stage 1 and its VM's stage 2 allowing the read or the write; false if either does not. */
bool arch_guest_va_to_pa(uint64_t va, bool write, uint64_t *pa);
/* The guest's stack pointer for its current mode (SP_EL1 for EL1h, else SP_EL0). */
uint64_t arch_guest_sp(const arch_regs_t *frame);
void arch_set_guest_sp(const arch_regs_t *frame, uint64_t sp);

/* SPSR_EL2 of a guest in AArch32: the Thumb IT block's state, IT[1:0] at bits 26:25 and
 * IT[7:2] at bits 15:10 (IT[7:5] the block's base condition, IT[4:0] what remains of it) */
#define SPSR_IT_MASK 0x0600fc00UL

/* ITAdvance (Arm ARM, the AArch32 IT instruction): one instruction of the block executed. */
static inline uint64_t arch_it_advance(uint64_t spsr)
{
    uint64_t it = ((spsr >> 25) & 3) | (((spsr >> 10) & 0x3f) << 2);
    it = (it & 7) == 0 ? 0 : (it & 0xe0) | ((it << 1) & 0x1f);
    return (spsr & ~SPSR_IT_MASK) | ((it & 3) << 25) | ((it >> 2) << 10);
}

/* Step the guest's PC over the instruction that trapped (the frame's ESR and SPSR as taken):
 * by its length, which ESR.IL gives (2 bytes for a 16-bit Thumb instruction of a guest's
 * AArch32 EL0, 4 otherwise), and in Thumb state through its IT block, as executing it would. */
static inline void arch_step_pc(arch_regs_t *f)
{
    f->elr += (f->esr & ESR_IL) ? 4 : 2;
    if (f->spsr & SPSR_M_AARCH32) {
        f->elr &= 0xffffffffUL; /* a 32-bit PC */
        if ((f->spsr & SPSR_T) && (f->spsr & SPSR_IT_MASK))
            f->spsr = arch_it_advance(f->spsr);
    }
}

/* Called by the vectors for an ISS-described data abort on x0-x18, x30 or xzr: the frame holds
 * x0-x18, x30, ELR, SPSR and ESR (see vectors.S). */
int trap_dabt(arch_regs_t *frame, uint64_t esr);

/* Called by the vectors for a physical interrupt their lean path did not finish
 * (arch/irq_fast.h): intid is already acknowledged (1020-1023: none was). The frame holds
 * x0-x18 and x30 only; ELR and SPSR stay in the CPU. */
void trap_irq(arch_regs_t *frame, uint32_t intid);

/* HCR_EL2 for a guest: stage 2 on, physical interrupts to EL2, SMC trapped, AArch64 EL1. */
uint64_t arch_guest_hcr(void);
/* MDCR_EL2 for a guest: its debug register accesses trap, and so do its PMU accesses unless it
 * drives the PMU itself (pmu); every event counter is in EL1's range either way (HPMN). */
uint64_t arch_guest_mdcr(bool pmu);
/* VTCR_EL2 for a stage-2 table with ipa_bits and the given start level (0..2). */
uint32_t arch_vtcr(unsigned ipa_bits, unsigned start_level);
#endif
