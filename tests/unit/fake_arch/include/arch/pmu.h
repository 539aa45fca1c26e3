/*
 * The fake arch's arch/pmu.h for host unit tests (it stands in for arch/aarch64's: same name,
 * same include guard). The instruction counter is a variable a test sets (fake_arch.h).
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

#ifndef __ASSEMBLY__
#include <stdint.h>
uint64_t arch_pmu_insns(void);
#endif
#endif
