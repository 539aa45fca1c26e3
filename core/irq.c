/*
 * Physical interrupt dispatch (see core/irq.h). septum's physical CPU interface runs with
 * EOImode 1: every interrupt gets its priority dropped at once, and is deactivated either here
 * (when septum consumed it) or by the guest (when it was forwarded through a hardware list
 * register), so a forwarded level interrupt cannot fire again before the guest has handled it.
 */
#include <arch/gic.h>
#include <arch/mmu.h>
#include <arch/spinlock.h>
#include <core/irq.h>
#include <lib/console.h>

static bool present; /* a GIC septum drives (a GICv3, or a GICv2 with its virtual interface) */
static uint64_t pcpu_mpidr[CPU_MAX];
static vcpu_t *spi_owner[IRQCHIP_INTID_NUM]; /* pass-through SPIs: the vCPU they go to */
static uint32_t console_irq;
static vcpu_t *console_vcpu;     /* the console interrupt goes to its CPU */
static spinlock_t console_route; /* console_vcpu and the route: a leaf lock */

bool irq_init(const gic_desc_t *gic)
{
    if (!gic_init(gic)) {
        log_info("GICv%u without the virtualisation extensions' frames: guests get no "
                 "interrupts\n",
                 gic->version);
        return false;
    }
    present = true;
    return true;
}

unsigned irq_gic_version(void) { return present ? gic_version() : 0; }

__attribute__((cold)) void irq_cpu_init(unsigned pcpu, uint64_t mpidr)
{
    if (pcpu < CPU_MAX)
        pcpu_mpidr[pcpu] = mpidr;
    if (!present)
        return;
    if (!gic_cpu_init()) {
        log_error("cpu %u: no GIC redistributor for mpidr 0x%lx\n", pcpu, (unsigned long)mpidr);
        return;
    }
    gic_enable(GIC_SGI_KICK, 0, true);
    gic_enable(GIC_INTID_MAINT, 0, false);
    gic_enable(GIC_INTID_VTIMER, 0, false);
}

void irq_kick(unsigned pcpu)
{
    if (present && pcpu < CPU_MAX)
        gic_send_sgi(pcpu_mpidr[pcpu], GIC_SGI_KICK);
}

void irq_route_spi(uint32_t intid, vcpu_t *v)
{
    if (!present || intid < GIC_PRIV_NUM || intid >= IRQCHIP_INTID_NUM)
        return;
    spi_owner[intid] = v;
    gic_enable(intid, pcpu_mpidr[v->pcpu], false);
}

void irq_console_input(uint32_t intid, vcpu_t *v)
{
    if (!present || intid < GIC_PRIV_NUM || intid >= IRQCHIP_INTID_NUM || !v)
        return;
    console_irq = intid;
    console_vcpu = v;
    gic_enable(intid, pcpu_mpidr[v->pcpu], false);
    console_rx_irq(true);
}

/* Whether v's CPU takes interrupts (septum takes them only while a guest runs): its VM runs and
 * v is on or about to be. */
static bool takes_interrupts(const vcpu_t *v)
{
    return __atomic_load_n(&v->vm->state, __ATOMIC_SEQ_CST) == VM_RUNNING &&
           __atomic_load_n(&v->state, __ATOMIC_SEQ_CST) != VCPU_OFF;
}

/* A vCPU whose CPU takes interrupts: a running one if there is, the first VM first. */
static vcpu_t *console_target(void)
{
    vcpu_t *pending = NULL;
    for (unsigned i = 0; i < vm_num; i++)
        for (unsigned j = 0; j < vms[i].cfg.vcpu_num; j++) {
            vcpu_t *v = &vms[i].vcpu[j];
            if (!takes_interrupts(v))
                continue;
            if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_RUNNING)
                return v;
            if (!pending)
                pending = v;
        }
    return pending;
}

__attribute__((cold)) void irq_console_follow(void)
{
    if (!present || !console_irq)
        return;
    spin_lock(&console_route);
    vcpu_t *was = console_vcpu, *now = was;
    if (!was || !takes_interrupts(was)) {
        now = console_target();
        if (now) {
            console_vcpu = now;
            gic_enable(console_irq, pcpu_mpidr[now->pcpu], false);
        }
    }
    spin_unlock(&console_route);
    if (now != was && now)
        log_info("console input interrupt: now on cpu %u (vm %s)\n", now->pcpu, now->vm->cfg.name);
}

/* An interrupt nobody should have sent here: say so, and switch it off. Out of line, so the
 * common paths keep no registers for it. */
static __attribute__((noinline, cold)) void irq_unexpected(uint32_t id)
{
    log_warn("cpu %lu: unexpected physical interrupt %u\n", (unsigned long)arch_pcpu()->index, id);
    gic_disable(id);
    gic_deactivate(id);
}

void irq_handle(vcpu_t *v, uint32_t first)
{
    const irqchip_t *chip = v->vm->irqchip;
    uint32_t id = first < GIC_INTID_SPURIOUS ? first : gic_ack();
    for (; id < GIC_INTID_SPURIOUS; id = gic_ack()) {
        gic_eoi(id);
        switch (id) {
        case GIC_SGI_KICK:
            gic_deactivate(id);
            if (chip)
                chip->update(v);
            break;
        case GIC_INTID_MAINT:
            if (chip)
                chip->update(v);
            gic_deactivate(id); /* after the update: the condition it signals is gone */
            break;
        case GIC_INTID_VTIMER:
            if (!chip)
                goto unexpected;
            chip->forward(v, id); /* the guest deactivates it */
            break;
        default:
            if (id == console_irq && console_irq) {
                for (int c; (c = console_getc()) >= 0;)
                    vm_console_input((char)c);
                gic_deactivate(id);
                break;
            }
            if (chip && id < IRQCHIP_INTID_NUM && spi_owner[id] == v) {
                chip->forward(v, id); /* a pass-through SPI: the guest deactivates it */
                break;
            }
        unexpected:
            irq_unexpected(id);
            break;
        }
    }
    /* a kick may also mean the VM was stopped or this vCPU switched off */
    if (__atomic_load_n(&v->state, __ATOMIC_ACQUIRE) == VCPU_OFF)
        vcpu_exit();
}
