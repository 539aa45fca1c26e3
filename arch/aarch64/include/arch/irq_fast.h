/*
 * The lean interrupt path's table (vectors.S, lower_irq). A physical interrupt a guest's CPU
 * takes is acknowledged in the vector; if this CPU's table has an entry for its INTID and the
 * list register the entry names is empty, the vector writes the entry's value into that list
 * register (pending, hardware bit, the priority byte read where the entry points) and returns
 * to the guest, having saved x0-x3 only. Anything else goes to C (trap_irq) with the INTID
 * already acknowledged.
 *
 * The table belongs to the virtual interrupt controller of the vCPU the CPU runs: it publishes
 * an entry only for an interrupt it has put in that list register and may be made pending there
 * again without asking it (forwarded with the hardware bit, enabled, its group enabled, nothing
 * else requested), and revokes it before any of that changes. The table is reached through
 * TPIDR_EL2 (arch_pcpu_t.irq_fast); NULL, the vector takes every interrupt to C.
 *
 * An entry is one list-register value in ICH_LR<n>_EL2's layout with the register's number in
 * bits 59:56 (RES0 in the list register, cleared before the write) and the priority bits zero,
 * and the address of the interrupt's priority byte as the guest last wrote it, so a priority
 * change needs no entry change.
 */
#ifndef ARCH_IRQ_FAST_H
#define ARCH_IRQ_FAST_H

#define IRQ_FAST_NUM        256 /* INTIDs the table covers: SGIs, PPIs and SPIs up to 255 */
#define IRQ_FAST_LR_SHIFT   56
#define IRQ_FAST_ENT_SHIFT  4  /* 16 bytes an entry */
#define IRQ_FAST_PRIO_SHIFT 48 /* ICH_LR_PRIO_SHIFT, for the vector (arch/gic.h is C only) */

#ifndef __ASSEMBLY__
#include <arch/gic.h>
#include <arch/pcpu.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct irq_fast_ent {
    uint64_t lr; /* 0: the vector goes to C */
    const volatile uint8_t *prio;
} irq_fast_ent_t;

typedef struct irq_fast {
    irq_fast_ent_t e[IRQ_FAST_NUM];
} irq_fast_t;
_Static_assert(sizeof(irq_fast_ent_t) == 1 << IRQ_FAST_ENT_SHIFT, "vectors.S indexes entries");
_Static_assert(IRQ_FAST_PRIO_SHIFT == ICH_LR_PRIO_SHIFT, "the vector inserts the priority");

/* Let the vector forward intid into list register lr with value (priority bits zero, state
 * pending). Only on the CPU that runs the table's vCPU, under the controller's lock. */
static inline void irq_fast_publish(irq_fast_t *t, uint32_t intid, unsigned lr, uint64_t value,
                                    const uint8_t *prio)
{
    irq_fast_ent_t *e = &t->e[intid];
    e->prio = prio;
    __atomic_store_n(&e->lr, value | (uint64_t)lr << IRQ_FAST_LR_SHIFT, __ATOMIC_RELEASE);
}

/* From any CPU, under the controller's lock: the vector takes intid to C from now on. */
static inline void irq_fast_revoke(irq_fast_t *t, uint32_t intid)
{
    __atomic_store_n(&t->e[intid].lr, 0, __ATOMIC_RELEASE);
}

static inline bool irq_fast_published(const irq_fast_t *t, uint32_t intid)
{
    return __atomic_load_n(&t->e[intid].lr, __ATOMIC_ACQUIRE) != 0;
}

/* The calling CPU's vector uses t (NULL: none). */
static inline void irq_fast_attach(irq_fast_t *t) { arch_pcpu()->irq_fast = t; }

/*
 * The vector's decision, in C: what lower_irq in vectors.S does with an acknowledged intid and
 * ICH_ELRSR_EL2 (elrsr). True and the list register to write (*lr) and its value (*value) when
 * the vector finishes the interrupt itself; false when it goes to C. vectors.S is the real
 * thing; unit tests check the controller's tables through this.
 */
static inline bool irq_fast_decide(const irq_fast_t *t, uint32_t intid, uint64_t elrsr,
                                   unsigned *lr, uint64_t *value)
{
    if (!t || intid >= IRQ_FAST_NUM)
        return false;
    uint64_t v = __atomic_load_n(&t->e[intid].lr, __ATOMIC_ACQUIRE);
    if (!v)
        return false;
    unsigned n = (unsigned)(v >> IRQ_FAST_LR_SHIFT & 0xf);
    if (!(elrsr >> n & 1))
        return false; /* the list register is not empty */
    *lr = n;
    *value = (v & ~(0xfUL << IRQ_FAST_LR_SHIFT)) | (uint64_t)*t->e[intid].prio << ICH_LR_PRIO_SHIFT;
    return true;
}
#endif
#endif
