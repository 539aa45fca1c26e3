/*
 * The A64 instructions C code issues most: system-register moves, barriers and the wait/event
 * hints. They are kept apart from the field definitions in arch/sysreg.h (which includes this
 * file) so that host unit tests can put their fake arch's version in this file's place and keep
 * the real definitions (tests/unit/fake_arch/include/arch/insn.h: the same name and include
 * guard, found first on the host include path).
 */
#ifndef ARCH_INSN_H
#define ARCH_INSN_H
#include <stdint.h>

#define read_sysreg(reg)                                                                           \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_));                                              \
        v_;                                                                                        \
    })
#define write_sysreg(v, reg)                                                                       \
    do {                                                                                           \
        uint64_t w_ = (uint64_t)(v);                                                               \
        __asm__ volatile("msr " #reg ", %0" : : "r"(w_) : "memory");                               \
    } while (0)

static inline void isb(void) { __asm__ volatile("isb" ::: "memory"); }
static inline void dsb_sy(void) { __asm__ volatile("dsb sy" ::: "memory"); }
static inline void dsb_ish(void) { __asm__ volatile("dsb ish" ::: "memory"); }
static inline void dsb_ishst(void) { __asm__ volatile("dsb ishst" ::: "memory"); }
static inline void wfe(void) { __asm__ volatile("wfe" ::: "memory"); }
static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void sev(void) { __asm__ volatile("sev" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }
#endif
