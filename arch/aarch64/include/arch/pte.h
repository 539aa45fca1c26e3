/*
 * VMSAv8-64 translation-table descriptors for the 4 KiB granule, stage 1 (EL2 regime) and
 * stage 2, named once. Pure C with no system-register access, so the page-table builder that
 * uses it can be unit-tested on the host.
 */
#ifndef ARCH_PTE_H
#define ARCH_PTE_H
#include <stdint.h>

#define PTE_VALID     (1UL << 0)
#define PTE_TABLE     (1UL << 1) /* at levels 0-2: next-level table; at level 3: page */
#define PTE_PAGE      (1UL << 1)
#define PTE_ADDR_MASK 0x0000fffffffff000UL
#define PTE_AF        (1UL << 10)
#define PTE_SH_INNER  (3UL << 8)

/* stage 1, EL2 translation regime */
#define PTE_ATTRIDX(i)   ((uint64_t)(i) << 2)
#define PTE_ATTRIDX_MASK (7UL << 2)
#define PTE_AP_RO        (1UL << 7) /* AP[2]: read-only */
#define PTE_AP_EL0       (1UL << 6) /* AP[1]: RES1 in the EL2 regime, never set by septum */
#define PTE_XN           (1UL << 54)

/* MAIR_EL2 indices (the attribute bytes are in arch/sysreg.h) */
#define MAIR_IDX_NORMAL    0
#define MAIR_IDX_DEVICE    1
#define MAIR_IDX_NORMAL_NC 2

/* stage 2 */
#define PTE_S2_MEMATTR(a)       ((uint64_t)(a) << 2)
#define PTE_S2_MEMATTR_MASK     (0xfUL << 2)
#define S2_MEMATTR_DEVICE_nGnRE 0x1
#define S2_MEMATTR_NORMAL_NC    0x5
#define S2_MEMATTR_NORMAL_WB    0xf
#define PTE_S2AP_R              (1UL << 6)
#define PTE_S2AP_W              (1UL << 7)
#define PTE_S2_XN               (1UL << 54)

/* Granule geometry */
#define PTE_LEVELS        4
#define PTE_PER_TABLE     512
#define PTE_GRANULE_SHIFT 12

/* Size covered by one entry at a level (0..3): 512 GiB, 1 GiB, 2 MiB, 4 KiB. */
static inline uint64_t pte_level_size(unsigned level)
{
    return 1UL << (PTE_GRANULE_SHIFT + 9 * (3 - level));
}

static inline unsigned pte_index(uint64_t va, unsigned level)
{
    return (unsigned)((va >> (PTE_GRANULE_SHIFT + 9 * (3 - level))) & (PTE_PER_TABLE - 1));
}

static inline int pte_is_valid(uint64_t d) { return (d & PTE_VALID) != 0; }

/* A table descriptor (levels 0-2 only; at level 3 the same bits mean a page). */
static inline int pte_is_table(uint64_t d, unsigned level)
{
    return level < 3 && (d & (PTE_VALID | PTE_TABLE)) == (PTE_VALID | PTE_TABLE);
}

static inline uint64_t pte_addr(uint64_t d) { return d & PTE_ADDR_MASK; }

static inline uint64_t pte_make_table(uint64_t pa)
{
    return (pa & PTE_ADDR_MASK) | PTE_VALID | PTE_TABLE;
}
#endif
