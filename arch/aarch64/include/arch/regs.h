/*
 * The register frame the EL2 vectors save on every exception, and the kinds of vector entry.
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#define REGS_OFF_X(n)  ((n)*8)
#define REGS_OFF_SP    (31 * 8)
#define REGS_OFF_ELR   (32 * 8)
#define REGS_OFF_SPSR  (33 * 8)
#define REGS_OFF_ESR   (34 * 8)
#define REGS_OFF_FAR   (35 * 8)
#define REGS_OFF_HPFAR (36 * 8)
#define REGS_SIZE      (38 * 8) /* keeps the stack 16-byte aligned */

/* Vector groups: which of the 16 entries was taken. */
#define VEC_SYNC     0
#define VEC_IRQ      1
#define VEC_FIQ      2
#define VEC_SERROR   3
#define VEC_CUR_SP0  (0 << 2)
#define VEC_CUR_SPX  (1 << 2)
#define VEC_LOWER_64 (2 << 2)
#define VEC_LOWER_32 (3 << 2)

#ifndef __ASSEMBLY__
#include <stdint.h>
typedef struct arch_regs {
    uint64_t x[31];
    uint64_t sp; /* the interrupted context's stack pointer */
    uint64_t elr, spsr, esr, far, hpfar;
    uint64_t pad;
} arch_regs_t;
/* the layout is used by assembly (vectors.S): every offset it uses is checked here */
#include <stddef.h>
_Static_assert(sizeof(arch_regs_t) == REGS_SIZE, "arch_regs_t size");
_Static_assert(offsetof(arch_regs_t, x[30]) == REGS_OFF_X(30), "arch_regs_t.x");
_Static_assert(offsetof(arch_regs_t, sp) == REGS_OFF_SP, "arch_regs_t.sp");
_Static_assert(offsetof(arch_regs_t, elr) == REGS_OFF_ELR, "arch_regs_t.elr");
_Static_assert(offsetof(arch_regs_t, spsr) == REGS_OFF_SPSR, "arch_regs_t.spsr");
_Static_assert(offsetof(arch_regs_t, esr) == REGS_OFF_ESR, "arch_regs_t.esr");
_Static_assert(offsetof(arch_regs_t, far) == REGS_OFF_FAR, "arch_regs_t.far");
_Static_assert(offsetof(arch_regs_t, hpfar) == REGS_OFF_HPFAR, "arch_regs_t.hpfar");

/* Called by the vectors for anything septum does not handle; never returns. */
_Noreturn void exception_fatal(arch_regs_t *regs, uint64_t vector);
#endif
#endif
