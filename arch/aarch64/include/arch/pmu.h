/*
 * The PMU as septum's benchmark clock: event counter 0 counts retired instructions (event 0x08)
 * at EL2 only, started in boot/head.S on every CPU. Under QEMU's -icount shift=0 the counts are
 * exact and repeatable.
 */
#ifndef ARCH_PMU_H
#define ARCH_PMU_H

#define PMU_EVENT_INST_RETIRED 0x08
#define PMEVTYPER_P            (1UL << 31) /* do not count EL1 */
#define PMEVTYPER_U            (1UL << 30) /* do not count EL0 */
#define PMEVTYPER_NSH          (1UL << 27) /* count EL2 */
#define PMU_EL2_ONLY           (PMEVTYPER_P | PMEVTYPER_U | PMEVTYPER_NSH | PMU_EVENT_INST_RETIRED)
#define PMCR_E                 (1UL << 0)
#define PMCR_P                 (1UL << 1) /* reset event counters */
#define PMCR_N_SHIFT           11         /* how many event counters there are */
#define PMCR_N_MASK            0x1fUL

#ifndef __ASSEMBLY__
#include <stdint.h>
static inline uint64_t arch_pmu_insns(void)
{
    uint64_t v;
    __asm__ volatile("isb; mrs %0, pmevcntr0_el0" : "=r"(v)::"memory");
    return v;
}
#endif
#endif
