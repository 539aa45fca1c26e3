/*
 * The fake arch's arch/pcpu.h for host unit tests (it stands in for arch/aarch64's: same name,
 * same include guard). The per-CPU word is the same structure, but arch_pcpu() is a call: it
 * returns the current fake CPU's (fake_arch.h), so vcpu_current() is whatever vCPU the test put
 * on the CPU it runs on.
 */
#ifndef ARCH_PCPU_H
#define ARCH_PCPU_H

#define PCPU_OFF_EXC_SP   0
#define PCPU_OFF_INDEX    8
#define PCPU_OFF_VCPU     16
#define PCPU_OFF_IRQ_FAST 24
#define PCPU_OFF_IRQ_V2   32 /* and GICC at 40 */
#define PCPU_OFF_GICH     48
#define PCPU_SIZE_SHIFT   6
#define PCPU_SIZE         (1 << PCPU_SIZE_SHIFT)

#ifndef __ASSEMBLY__
#include <stdint.h>
struct irq_fast;
typedef struct arch_pcpu {
    uint64_t exc_sp;           /* top of the stack used for exceptions taken from EL2 itself */
    uint64_t index;            /* septum's logical CPU number (0 = boot CPU) */
    void *vcpu;                /* the vCPU this CPU runs (core's vcpu_t), for the trap paths */
    struct irq_fast *irq_fast; /* the lean interrupt path's table (arch/irq_fast.h) on a GICv3 */
    /* on a GICv2: the table, and the CPU interface (GICC) and GICH the vector reaches by MMIO */
    struct irq_fast *irq_fast_v2;
    uint64_t gicc, gich;
    uint64_t unused; /* the size a power of two: boot/head.S finds a CPU's by a shift */
} arch_pcpu_t;
_Static_assert(sizeof(arch_pcpu_t) == PCPU_SIZE, "arch_pcpu_t layout is used by assembly");

arch_pcpu_t *arch_pcpu(void);
#endif
#endif
