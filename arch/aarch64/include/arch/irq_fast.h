/*
 * The lean interrupt path's table (vectors.S, lower_irq). A physical interrupt a guest's CPU
 * takes is acknowledged in the vector; if this CPU's table has an entry for its INTID and the
 * list register the entry names is empty, the vector writes the entry's value into that list
 * register (pending, the priority byte read where the entry points) and returns to the guest,
 * having saved x0-x3 only (x0-x5 on a GICv2). Anything else goes to C (trap_irq) with the INTID
 * already acknowledged.
 *
 * The table belongs to the virtual interrupt controller of the vCPU the CPU runs: it publishes
 * an entry only for an interrupt it has put in that list register and may be made pending there
 * again without asking it (forwarded, enabled, its group enabled, nothing else requested), and
 * revokes it before any of that changes. The table is reached through TPIDR_EL2: on a GICv3
 * arch_pcpu_t.irq_fast (system registers), on a GICv2 arch_pcpu_t.irq_fast_v2 (the CPU interface
 * and GICH by MMIO, their addresses beside it); NULL, the vector takes every interrupt to C.
 *
 * An entry is one list-register value as the hardware's list register holds it (ICH_LR<n>_EL2's
 * layout on a GICv3, GICH_LR<n>'s word in the low 32 bits on a GICv2) with the
 * register's number in bits 59:56 (RES0 in ICH_LR, beyond GICH_LR's word; cleared or not
 * written) and the priority bits zero, and the address of the interrupt's priority byte as the
 * guest last wrote it, so a priority change needs no entry change. The controller gives values
 * in ICH_LR's layout; publishing translates.
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
    /* set at attach on a GICv2: entries are published in GICH_LR's word, for the vector's
     * GICv2 half; after the entries (their index is the INTID), a doubleword (one load) */
    uint64_t v2;
} irq_fast_t;
_Static_assert(sizeof(irq_fast_ent_t) == 1 << IRQ_FAST_ENT_SHIFT, "vectors.S indexes entries");
_Static_assert(IRQ_FAST_PRIO_SHIFT == ICH_LR_PRIO_SHIFT, "the vector inserts the priority");

/* irq_fast_publish for a GICv2 half's table: value in GICH_LR's word (arch/aarch64/gic.c). */
void irq_fast_publish_v2(irq_fast_t *t, uint32_t intid, unsigned lr, uint64_t value,
                         const uint8_t *prio);

/* Let the vector forward intid into list register lr with value (ICH_LR's layout, priority
 * bits zero, state pending). Only on the CPU that runs the table's vCPU, under the controller's
 * lock. A GICv2's translation is out of line, a tail call, so a GICv3's publishing keeps its
 * cost. */
static inline void irq_fast_publish(irq_fast_t *t, uint32_t intid, unsigned lr, uint64_t value,
                                    const uint8_t *prio)
{
    if (__builtin_expect(t->v2 != 0, 0)) {
        irq_fast_publish_v2(t, intid, lr, value, prio);
        return;
    }
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

/* The calling CPU's vector uses t (NULL: none), with this GIC's half; t's entries must all be
 * revoked (they are published for that half from now on). */
static inline void irq_fast_attach(irq_fast_t *t)
{
    arch_pcpu_t *p = arch_pcpu();
    bool v2 = gic_version() == 2;
    if (t)
        t->v2 = v2;
    if (v2)
        p->irq_fast_v2 = t;
    else
        p->irq_fast = t;
}

/* The table the calling CPU's vector uses (NULL: none). */
static inline irq_fast_t *irq_fast_current(void)
{
    const arch_pcpu_t *p = arch_pcpu();
    return p->irq_fast ? p->irq_fast : p->irq_fast_v2;
}

/*
 * The vector's decision, in C: what lower_irq in vectors.S does with an acknowledged intid and
 * ICH_ELRSR_EL2 (elrsr). True and the list register to write (*lr) and its value (*value) when
 * the vector finishes the interrupt itself; false when it goes to C. vectors.S is the real
 * thing; unit tests check the controller's tables through this, the priority inserted as in
 * ICH_LR's layout (the fake arch's list registers hold that layout for either version, and its
 * irq_fast_publish_v2 stores values untranslated).
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
