/*
 * Each physical CPU's run loop. Static partitioning: a CPU runs at most one vCPU, pinned to it
 * at creation, and waits (WFE) whenever that vCPU is off. Entering the guest abandons the loop's
 * stack; a vCPU that goes off comes back here on a fresh stack through vcpu_exit.
 */
#include <arch/pmu.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <core/vm.h>
#include <lib/console.h>

static vcpu_t *pcpu_vcpus[CPU_MAX];
static uint64_t
    release_insns[CPU_MAX]; /* each CPU's EL2 instruction count when VMs were released */

vcpu_t *vcpu_of_pcpu(unsigned pcpu) { return pcpu < CPU_MAX ? pcpu_vcpus[pcpu] : NULL; }

void sched_pin(vcpu_t *v)
{
    if (v->pcpu < CPU_MAX)
        pcpu_vcpus[v->pcpu] = v;
}

static uint64_t stack_top(unsigned pcpu)
{
    return (uint64_t)(uintptr_t)boot_stacks[pcpu] + STACK_OFF_STACK + STACK_SIZE;
}

/* Enter v's guest, unless its VM was stopped meanwhile. in_guest goes up before the state
 * moves ON_PENDING -> RUNNING, both sequentially consistent, and vm_stop sets the state off
 * before it reads in_guest: so either vm_stop sees this vCPU in its guest (and waits for it to
 * leave), or this compare-and-swap fails and the vCPU never enters. */
static void run_vcpu(vcpu_t *v)
{
    __atomic_store_n(&v->in_guest, 1, __ATOMIC_SEQ_CST);
    uint32_t pending = VCPU_ON_PENDING;
    if (!__atomic_compare_exchange_n(&v->state, &pending, VCPU_RUNNING, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST) ||
        __atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) != VM_RUNNING) {
        __atomic_store_n(&v->in_guest, 0, __ATOMIC_SEQ_CST);
        return;
    }
    arch_regs_t regs;
    arch_el1_t el1;
    arch_vcpu_reset(&regs, &el1, v->entry, v->context);
    arch_el1_restore(&el1);
    s2_cpu_loads(&v->vm->s2, v->pcpu); /* before its VMID is loaded: see mm/s2.c */
    arch_vcpu_load(&v->vm->arch, v->id);
    if (v->vm->irqchip)
        v->vm->irqchip->vcpu_reset(v);
    if (v->id == 0 && !v->vm->first_insns) {
        v->vm->first_insns = arch_pmu_insns() - release_insns[v->pcpu];
        /* the counter runs from reset: make bench adds a guest's own boot time to this */
        log_debug("vm %s: entered at %lu us after reset\n", v->vm->cfg.name,
                  (unsigned long)(arch_counter() / (arch_counter_freq() / 1000000)));
    }
    arch_vcpu_enter(&regs, stack_top(v->pcpu));
}

void pcpu_loop(uint64_t pcpu)
{
    vcpu_t *v = pcpu_vcpus[pcpu];
    arch_pcpu()->vcpu = v;
    if (!release_insns[pcpu])
        release_insns[pcpu] = arch_pmu_insns();
    if (!v) {
        /* nothing to run here, ever: park (interrupts stay masked) */
        for (;;)
            wfi();
    }
    for (;;) {
        if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_ON_PENDING &&
            __atomic_load_n(&v->vm->state, __ATOMIC_ACQUIRE) == VM_RUNNING)
            run_vcpu(v); /* returns only if the VM stopped meanwhile */
        wfe();
    }
}

void vcpu_exit(void)
{
    unsigned pcpu = (unsigned)arch_pcpu()->index;
    /* stage 2 off while no vCPU runs here */
    write_sysreg(0, hcr_el2);
    isb();
    vcpu_t *v = vcpu_current();
    if (v)
        __atomic_store_n(&v->in_guest, 0, __ATOMIC_RELEASE);
    arch_stack_reset_call(stack_top(pcpu), pcpu_loop, pcpu);
}
