/*
 * A fair ticket spinlock on C11-style atomics (inline LDAXR/STLXR; no outline atomics).
 * Only valid once the MMU and data cache are on: exclusives need cacheable normal memory.
 */
#ifndef ARCH_SPINLOCK_H
#define ARCH_SPINLOCK_H
#include <arch/insn.h>
#include <stdint.h>

typedef struct spinlock {
    uint32_t next, owner;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}
#endif
