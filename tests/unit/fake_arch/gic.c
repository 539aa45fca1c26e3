/*
 * The fake arch's physical GICv3 (arch/gic.h): each fake CPU has its own list registers (an
 * array), ICH_HCR_EL2 (a system register) and logs of what septum asked of the physical GIC.
 * Also the guest's side of the virtual CPU interface (acknowledge, end of interrupt) and the
 * maintenance status the hardware would compute, so a test can act as the guest does.
 */
#include <arch/gic.h>
#include <arch/irq_fast.h>
#include <fake_arch.h>

#define INTID_NONE 1023

static unsigned lr_state(uint64_t lr) { return (unsigned)(lr >> ICH_LR_STATE_SHIFT & 3); }
static uint32_t lr_intid(uint64_t lr) { return (uint32_t)(lr & ICH_LR_VINTID_MASK); }
static unsigned lr_prio(uint64_t lr) { return (unsigned)(lr >> ICH_LR_PRIO_SHIFT & 0xff); }
static uint32_t lr_pintid(uint64_t lr) { return (uint32_t)(lr >> ICH_LR_PINTID_SHIFT & 0x3ff); }

static void log_intid(uint32_t *log, unsigned *num, uint32_t intid)
{
    if (*num < FAKE_LOG_MAX)
        log[*num] = intid;
    ++*num;
}

unsigned fake_gic_version = 3;

bool gic_init(const gic_desc_t *d) { return (void)d, true; }
unsigned gic_version(void) { return fake_gic_version; }
uint64_t gic_vcpuif_page(unsigned n)
{
    return fake_gic_version == 2 && n < 2 ? FAKE_GICV_BASE + n * 0x1000 : 0;
}

bool gic_cpu_init(void) { return true; }
void gic_enable(uint32_t intid, uint64_t target_mpidr, bool edge)
{
    (void)intid, (void)target_mpidr, (void)edge;
}
void gic_disable(uint32_t intid) { (void)intid; }
uint32_t gic_ack(void) { return GIC_INTID_SPURIOUS; }

void gic_eoi(uint32_t intid)
{
    fake_cpu()->eoi_last = intid;
    fake_cpu()->eoi_num++;
}

void gic_deactivate(uint32_t intid)
{
    fake_cpu_t *c = fake_cpu();
    log_intid(c->deactivated, &c->deactivated_num, intid);
}

void gic_send_sgi(uint64_t mpidr, unsigned intid)
{
    fake_cpu_t *c = fake_cpu();
    if (c->sgi_num < FAKE_LOG_MAX) {
        c->sgi[c->sgi_num].mpidr = mpidr;
        c->sgi[c->sgi_num].intid = intid;
    }
    c->sgi_num++;
}

unsigned gic_lr_num(void) { return fake_cpu()->lr_num; }

uint64_t gic_read_lr(unsigned n)
{
    if (n >= fake_cpu()->lr_num)
        fake_arch_fail("read of list register %u (there are %u)", n, fake_cpu()->lr_num);
    return fake_cpu()->lr[n];
}

void gic_write_lr(unsigned n, uint64_t v)
{
    if (n >= fake_cpu()->lr_num)
        fake_arch_fail("write of list register %u (there are %u)", n, fake_cpu()->lr_num);
    fake_cpu()->lr[n] = v;
}

/* The fake's list registers hold ICH_LR's layout for either version: a GICv2 table's entries
 * are stored untranslated. */
void irq_fast_publish_v2(irq_fast_t *t, uint32_t intid, unsigned lr, uint64_t value,
                         const uint8_t *prio)
{
    irq_fast_ent_t *e = &t->e[intid];
    e->prio = prio;
    __atomic_store_n(&e->lr, value | (uint64_t)lr << IRQ_FAST_LR_SHIFT, __ATOMIC_RELEASE);
}

void gic_vcpu_reset(void)
{
    fake_cpu_t *c = fake_cpu();
    for (unsigned i = 0; i < FAKE_LR_MAX; i++)
        c->lr[i] = 0;
    c->sysreg.ich_ap0r0_el2 = c->sysreg.ich_ap1r0_el2 = c->sysreg.ich_vmcr_el2 = 0;
    c->sysreg.ich_hcr_el2 = ICH_HCR_EN;
    c->vcpu_resets++;
}

void gic_set_hcr(uint64_t hcr) { fake_cpu()->sysreg.ich_hcr_el2 = hcr; }
uint64_t gic_read_hcr(void) { return fake_cpu()->sysreg.ich_hcr_el2; }
uint64_t gic_read_misr(void) { return fake_gic_misr(); }

uint64_t gic_read_elrsr(void)
{
    fake_cpu_t *c = fake_cpu();
    uint64_t e = 0;
    for (unsigned i = 0; i < c->lr_num; i++)
        if (lr_state(c->lr[i]) == 0 && (c->lr[i] & (ICH_LR_HW | ICH_LR_EOI)) != ICH_LR_EOI)
            e |= 1UL << i;
    return e;
}

uint64_t fake_gic_misr(void)
{
    fake_cpu_t *c = fake_cpu();
    unsigned valid = 0;
    uint64_t misr = 0;
    for (unsigned i = 0; i < c->lr_num; i++) {
        uint64_t lr = c->lr[i];
        if (lr_state(lr))
            valid++;
        else if ((lr & (ICH_LR_HW | ICH_LR_EOI)) == ICH_LR_EOI)
            misr |= ICH_MISR_EOI;
    }
    if ((c->sysreg.ich_hcr_el2 & ICH_HCR_UIE) && valid <= 1)
        misr |= ICH_MISR_U;
    return misr;
}

uint32_t fake_gic_guest_ack(void)
{
    fake_cpu_t *c = fake_cpu();
    int best = -1;
    for (unsigned i = 0; i < c->lr_num; i++)
        if (lr_state(c->lr[i]) == ICH_LR_PENDING &&
            (best < 0 || lr_prio(c->lr[i]) < lr_prio(c->lr[best])))
            best = (int)i;
    if (best < 0)
        return INTID_NONE;
    c->lr[best] &= ~(3UL << ICH_LR_STATE_SHIFT);
    c->lr[best] |= ICH_LR_ACTIVE << ICH_LR_STATE_SHIFT;
    return lr_intid(c->lr[best]);
}

bool fake_gic_guest_eoi(uint32_t intid)
{
    fake_cpu_t *c = fake_cpu();
    for (unsigned i = 0; i < c->lr_num; i++) {
        uint64_t lr = c->lr[i];
        if (lr_intid(lr) != intid || !(lr_state(lr) & ICH_LR_ACTIVE))
            continue;
        c->lr[i] = lr & ~(ICH_LR_ACTIVE << ICH_LR_STATE_SHIFT);
        if (lr & ICH_LR_HW)
            log_intid(c->guest_deactivated, &c->guest_deactivated_num, lr_pintid(lr));
        return true;
    }
    return false;
}

int fake_gic_find_lr(uint32_t intid)
{
    fake_cpu_t *c = fake_cpu();
    for (unsigned i = 0; i < c->lr_num; i++)
        if (lr_state(c->lr[i]) && lr_intid(c->lr[i]) == intid)
            return (int)i;
    return -1;
}
