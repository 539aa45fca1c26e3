/*
 * The physical GIC's front (arch/gic.h): gic_init takes the version the board's device tree
 * names, and every operation goes to that version's driver (gicv3.c or gicv2.c). One image
 * serves both kinds of board; no GICv3 system register is touched on a GICv2 board, no GICv2
 * frame on a GICv3 one. The choice is one flag, read by a branch that always goes the same way.
 */
#include <arch/irq_fast.h>

#include "gic_drv.h"

static unsigned version;

bool gic_init(const gic_desc_t *d)
{
    if (d->version == 3) {
        gicv3_init(d);
    } else if (d->version != 2 || !gicv2_init(d)) {
        return false;
    }
    version = d->version;
    return true;
}

unsigned gic_version(void) { return version; }

uint64_t gic_vcpuif_page(unsigned n) { return version == 2 ? gicv2_vcpuif_page(n) : 0; }

bool gic_cpu_init(void)
{
    return __builtin_expect(version == 2, 0) ? gicv2_cpu_init() : gicv3_cpu_init();
}

void gic_enable(uint32_t intid, uint64_t target_mpidr, bool edge)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_enable(intid, target_mpidr, edge);
    else
        gicv3_enable(intid, target_mpidr, edge);
}

void gic_disable(uint32_t intid)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_disable(intid);
    else
        gicv3_disable(intid);
}

uint32_t gic_ack(void) { return __builtin_expect(version == 2, 0) ? gicv2_ack() : gicv3_ack(); }

void gic_eoi(uint32_t intid)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_eoi(intid);
    else
        gicv3_eoi(intid);
}

void gic_deactivate(uint32_t intid)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_deactivate(intid);
    else
        gicv3_deactivate(intid);
}

void gic_send_sgi(uint64_t mpidr, unsigned intid)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_send_sgi(mpidr, intid);
    else
        gicv3_send_sgi(mpidr, intid);
}

unsigned gic_lr_num(void)
{
    return __builtin_expect(version == 2, 0) ? gicv2_lr_num() : gicv3_lr_num();
}

uint64_t gic_read_lr(unsigned n)
{
    return __builtin_expect(version == 2, 0) ? gicv2_read_lr(n) : gicv3_read_lr(n);
}

void gic_write_lr(unsigned n, uint64_t v)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_write_lr(n, v);
    else
        gicv3_write_lr(n, v);
}

/* The IRQ vector's GICv2 half stores the entry's word as it is (what gicv2_write_lr stores). */
void irq_fast_publish_v2(irq_fast_t *t, uint32_t intid, unsigned lr, uint64_t value,
                         const uint8_t *prio)
{
    irq_fast_ent_t *e = &t->e[intid];
    e->prio = prio;
    __atomic_store_n(&e->lr, gicv2_lr_word(value) | (uint64_t)lr << IRQ_FAST_LR_SHIFT,
                     __ATOMIC_RELEASE);
}

void gic_vcpu_reset(void)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_vcpu_reset();
    else
        gicv3_vcpu_reset();
}

void gic_set_hcr(uint64_t hcr)
{
    if (__builtin_expect(version == 2, 0))
        gicv2_set_hcr(hcr);
    else
        gicv3_set_hcr(hcr);
}

uint64_t gic_read_hcr(void)
{
    return __builtin_expect(version == 2, 0) ? gicv2_read_hcr() : gicv3_read_hcr();
}

uint64_t gic_read_misr(void)
{
    return __builtin_expect(version == 2, 0) ? gicv2_read_misr() : gicv3_read_misr();
}

uint64_t gic_read_elrsr(void)
{
    return __builtin_expect(version == 2, 0) ? gicv2_read_elrsr() : gicv3_read_elrsr();
}
