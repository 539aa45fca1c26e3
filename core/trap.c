/*
 * Guest traps (see core/trap.h): every exception taken from a lower EL that the lean paths do
 * not finish arrives here and is dispatched on its exception class. Hypercalls go to
 * core/hvc.c, data aborts to core/mmio.c; aborts outside the guest's regions are the isolation
 * rule: logged with VM, address and access, then an external abort is injected (or the VM
 * stopped, if its description says so, or if the guest could not take the abort). An access
 * its region permits that faulted all the same (another vCPU's break-before-make window) is
 * retried instead. Every message a guest can cause goes through log_guest (lib/console.h),
 * which rate-limits it.
 */
#include <arch/esr.h>
#include <arch/fault.h>
#include <arch/gic.h>
#include <arch/inject.h>
#include <arch/mmu.h>
#include <arch/sysreg.h>
#include <arch/timer.h>
#include <core/hvc.h>
#include <core/irq.h>
#include <core/trap.h>
#include <lib/console.h>
#include <lib/panic.h>

_Static_assert(VM_MAX <= LOG_GUEST_SOURCES, "a rate limiter per VM");

/* A retry is for a window that closes within microseconds (another vCPU changing the region).
 * The same access retried back to back (no more than RETRY_GAP_MS between two retries) for
 * longer than RETRY_GIVE_UP_MS means stage 2 and the region table disagree: it is treated as
 * the fault it looks like rather than spun on forever. In virtual time, and generous: under an
 * emulator the vCPU that changes the table may be descheduled by the host for a while. */
#define RETRY_GAP_MS     10
#define RETRY_GIVE_UP_MS 1000
typedef struct retry_run {
    uint64_t pc, ipa, since, last;
} retry_run_t;
static retry_run_t retries[CPU_MAX]; /* per physical CPU: its one vCPU's current run */

/* Whether the region allows the access that faulted: then the fault came from a window in which
 * stage 2 did not (yet) show the region (break-before-make while another vCPU changes the
 * table), and the access is to be retried, not punished. Only translation, access-flag and
 * permission faults can come from such a window. A fault on the guest's stage-1 walk is the
 * walker's read (or write) of its tables, whatever the access was. */
static bool permitted(const region_t *r, uint64_t esr, bool instruction, bool write)
{
    uint64_t family = esr & FSC_TYPE_MASK;
    if (family != FSC_TRANS && family != FSC_ACCESS && family != FSC_PERM)
        return false;
    if (r->type == REGION_EMULATED)
        return false;
    unsigned need = (esr & ESR_ISS_S1PTW) ? (write ? REGION_W : REGION_R)
                    : instruction         ? REGION_X
                    : write               ? REGION_W
                                          : REGION_R;
    return (r->flags & need) == need;
}

static bool retry(vcpu_t *v, const arch_regs_t *f, uint64_t ipa)
{
    if (v->pcpu >= CPU_MAX)
        return true;
    uint64_t now = arch_counter(), ms = arch_counter_freq() / 1000;
    retry_run_t *r = &retries[v->pcpu];
    if (r->pc != f->elr || r->ipa != ipa || now - r->last > RETRY_GAP_MS * ms) {
        r->pc = f->elr;
        r->ipa = ipa;
        r->since = now;
    }
    r->last = now;
    return now - r->since <= RETRY_GIVE_UP_MS * ms;
}

/* Stop the VM, saying why, unless the guest can take an exception at its vector now (the caller
 * is one of its vCPUs: then this does not return). The vector is fetched through the guest's own
 * stage 1: AT S1E1R walks it as the fetch would, and fails when the walk itself faults (tables
 * outside the guest's RAM). The IPA it gives must be RAM or ROM the guest may execute.
 * Otherwise delivering the abort would only fault again, forever. */
static void check_deliverable(vcpu_t *v, uint64_t vector)
{
    vm_t *vm = v->vm;
    uint64_t ipa;
    region_t r;
    if (!arch_guest_va_to_ipa(vector, &ipa)) {
        log_guest(vm->id, vm->cfg.name, LOG_ERROR,
                  "vm %s vcpu %u: its exception vector at VA 0x%lx is not mapped by its stage 1 "
                  "(or its page tables are not in its RAM); the abort cannot be delivered\n",
                  vm->cfg.name, v->id, (unsigned long)vector);
        vm_stop(vm, "undeliverable abort");
    } else if (region_info(&vm->regions, ipa, &r) != REGION_OK ||
               (r.type != REGION_RAM && r.type != REGION_ROM) || !(r.flags & REGION_X)) {
        log_guest(vm->id, vm->cfg.name, LOG_ERROR,
                  "vm %s vcpu %u: its exception vector at VA 0x%lx (IPA 0x%lx) is not memory it "
                  "may execute; the abort cannot be delivered\n",
                  vm->cfg.name, v->id, (unsigned long)vector, (unsigned long)ipa);
        vm_stop(vm, "undeliverable abort");
    }
}

__attribute__((cold)) void trap_isolate(vcpu_t *v, arch_regs_t *f, bool instruction)
{
    vm_t *vm = v->vm;
    uint64_t esr = f->esr, ipa;
    bool write = !instruction && (esr & ESR_ISS_WNR);
    if (!arch_fault_ipa(esr, f->far, f->hpfar, &ipa))
        return; /* the guest's stage 1 changed under the access: it retries */
    /* one consistent copy of the region (under the VM's lock): another vCPU may be rewriting
     * the table, and its entries move when it does */
    region_t r;
    bool found = region_info(&vm->regions, ipa, &r) == REGION_OK;
    if (found && permitted(&r, esr, instruction, write)) {
        if (retry(v, f, ipa))
            return;
        log_guest(vm->id, vm->cfg.name, LOG_ERROR,
                  "vm %s vcpu %u: access at IPA 0x%lx keeps faulting though its region "
                  "permits it: stage 2 is out of step with the region table\n",
                  vm->cfg.name, v->id, (unsigned long)ipa);
    }
    char fsc[64];
    vm->faults++;
    log_guest(vm->id, vm->cfg.name, LOG_WARN,
              "vm %s vcpu %u: %s at IPA 0x%lx (VA 0x%lx, pc 0x%lx): %s, %s\n", vm->cfg.name, v->id,
              instruction ? "instruction fetch"
              : write     ? "write"
                          : "read",
              (unsigned long)ipa, (unsigned long)f->far, (unsigned long)f->elr,
              esr_fsc_name(esr & ESR_ISS_FSC_MASK, fsc, sizeof(fsc)),
              found ? "not permitted by its region" : "outside its regions");
    if (vm->cfg.stop_on_fault)
        vm_stop(vm, "access outside its regions");
    check_deliverable(v, arch_inject_target(f));
    arch_inject_abort(f, instruction, f->far, write);
}

/* A trapped system-register access: SGI generation (HCR_EL2.IMO makes it trap) goes to the VM's
 * interrupt controller, data-cache maintenance by set/way is done safely here, the debug and PMU
 * registers (MDCR_EL2, arch_guest_mdcr) read as zero and ignore writes; anything else is
 * undefined for the guest. */
static void sysreg_trap(vcpu_t *v, arch_regs_t *f)
{
    uint64_t iss = f->esr & ESR_ISS_MASK, rt = ISS_SYSREG_RT(iss);
    uint64_t val = rt == 31 ? 0 : f->x[rt];
    const irqchip_t *chip = v->vm->irqchip;
    switch (iss & ISS_SYSREG_MASK) {
    case SYSREG_ICC_SGI1R:
    case SYSREG_ICC_ASGI1R:
    case SYSREG_ICC_SGI0R:
        if ((iss & ISS_SYSREG_READ) || !chip || !chip->sgi)
            break; /* write-only registers, of a controller the VM has */
        chip->sgi(v, val);
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
    default: break;
    }
    if (iss_sysreg_is_debug(iss) || iss_sysreg_is_pmu(iss)) {
        /* Read-as-zero, writes ignored, rather than undefined: ID_AA64DFR0_EL1 (not trapped)
         * still says a debug unit and a PMU are there, and Linux writes MDSCR_EL1, the OS lock,
         * every breakpoint and watchpoint and PMUSERENR_EL0 on each CPU as it boots. So the
         * guest sees a debug unit with nothing armed and a PMU with no event counters
         * (PMCR_EL0.N = 0) whose cycle counter stays at zero; septum's own counter and every
         * other VM's settings are out of its reach. */
        if ((iss & ISS_SYSREG_READ) && rt != 31)
            f->x[rt] = 0;
        f->elr += 4;
        return;
    }
    log_guest(v->vm->id, v->vm->cfg.name, LOG_WARN,
              "vm %s vcpu %u: system register access (ISS 0x%lx) at pc 0x%lx not emulated; "
              "undefined instruction injected\n",
              v->vm->cfg.name, v->id, (unsigned long)iss, (unsigned long)f->elr);
    arch_inject_undef(f);
}

/* Out of the interrupt path's way (the virtual timer's delivery runs through trap_lower). */
static __attribute__((noinline, cold)) void serror(vcpu_t *v, const arch_regs_t *f)
{
    vm_t *vm = v->vm;
    log_guest(vm->id, vm->cfg.name, LOG_ERROR, "vm %s vcpu %u: SError (ESR 0x%lx)\n", vm->cfg.name,
              v->id, (unsigned long)f->esr);
    vm_stop(vm, "SError");
}

/* HVC never comes here: the vectors take it to trap_hvc. */
static __attribute__((noinline, cold)) void not_emulated(vcpu_t *v, arch_regs_t *f)
{
    vm_t *vm = v->vm;
    log_guest(vm->id, vm->cfg.name, LOG_WARN,
              "vm %s vcpu %u: %s at pc 0x%lx (ESR 0x%lx) not emulated; undefined instruction "
              "injected\n",
              vm->cfg.name, v->id, esr_class_name(f->esr), (unsigned long)f->elr,
              (unsigned long)f->esr);
    arch_inject_undef(f);
}

void trap_hvc(arch_regs_t *f) { hvc_dispatch(vcpu_current(), f, f->esr & ESR_HVC_IMM_MASK); }

void trap_irq(arch_regs_t *f, uint32_t intid)
{
    vcpu_t *v = vcpu_current();
    if (!v)
        exception_fatal(f, VEC_LOWER_64 | VEC_IRQ); /* no guest runs on this CPU: cannot happen */
    irq_handle(v, intid);
}

void trap_lower(arch_regs_t *f, uint64_t vector)
{
    vcpu_t *v = vcpu_current();
    if (!v)
        exception_fatal(f, vector); /* no guest runs on this CPU: cannot happen */
    if ((vector & 3) != VEC_SYNC) {
        if ((vector & 3) == VEC_SERROR)
            serror(v, f);
        if ((vector & 3) == VEC_IRQ) /* the vectors take interrupts to trap_irq */
            irq_handle(v, GIC_INTID_SPURIOUS);
        return;
    }
    switch (ESR_EC(f->esr)) {
    case EC_SMC64:
        /* SMC traps before it executes: step over it, then answer as for HVC #0 */
        f->elr += 4;
        hvc_dispatch(v, f, 0);
        break;
    case EC_DABT_LOW: mmio_dabt(v, f); break;
    case EC_IABT_LOW: trap_isolate(v, f, true); break;
    case EC_SYS64: sysreg_trap(v, f); break;
    default: not_emulated(v, f); break;
    }
}
