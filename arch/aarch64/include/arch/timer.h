/*
 * The generic timer's physical counter, used for timeouts (never for test assertions).
 */
#ifndef ARCH_TIMER_H
#define ARCH_TIMER_H
#include <arch/sysreg.h>
#include <stdint.h>

static inline uint64_t arch_counter(void)
{
    isb();
    return read_sysreg(cntpct_el0);
}

static inline uint64_t arch_counter_freq(void) { return read_sysreg(cntfrq_el0); }
#endif
