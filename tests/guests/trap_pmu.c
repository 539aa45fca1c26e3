/*
 * Test guest: what it can do with the PMU and the debug registers. It reads event counter 0
 * (the one septum counts its own EL2 instructions with, boot/head.S) and the cycle counter
 * around a few hypercalls, then programs the PMU (stop and reset every counter, retarget
 * counter 0) and the debug unit (a breakpoint, a watchpoint, MDSCR_EL1, the OS lock) and reads
 * each register back. It prints what it saw, one line per question, for the test to check:
 * without septum,pmu in its description everything reads as zero and nothing it writes sticks;
 * with it, it sees septum's counter move. Either way it finishes and septum carries on.
 */
#include <septum/guest.h>

#define READ(reg)                                                                                  \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("isb; mrs %0, " #reg : "=r"(v_)::"memory");                              \
        v_;                                                                                        \
    })
#define WRITE(reg, v) __asm__ volatile("msr " #reg ", %0; isb" ::"r"((uint64_t)(v)) : "memory")

#define PMCR_E   1UL
#define PMCR_P   2UL /* reset the event counters */
#define PMCR_C   4UL /* reset the cycle counter */
#define MDSCR_KDE (1UL << 13)
#define MDSCR_MDE (1UL << 15)
#define DBGBCR_E (1UL << 0)

static void null_calls(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        septum_hvc(SEPTUM_HC_NULL, 0, 0, 0, 0, 0, 0, NULL);
}

static void target(void) { __asm__ volatile("nop"); }

int main(const void *dtb)
{
    (void)dtb;
    /* septum's EL2 instruction counter and the cycle counter, across 10 hypercalls */
    uint64_t c0 = READ(pmevcntr0_el0), cyc0 = READ(pmccntr_el0);
    null_calls(10);
    uint64_t c1 = READ(pmevcntr0_el0), cyc1 = READ(pmccntr_el0);
    guest_printf("pmu: septum's counter %s (0x%lx then 0x%lx), cycle counter %s\n",
                 c1 != c0 ? "moves" : "reads still", (unsigned long)c0, (unsigned long)c1,
                 cyc1 != cyc0 ? "moves" : "reads still");
    uint64_t pmcr = READ(pmcr_el0);
    guest_printf("pmu: PMCR_EL0 0x%lx (%lu event counters)\n", (unsigned long)pmcr,
                 (unsigned long)((pmcr >> 11) & 0x1f));

    /* program it: counter 0 to count EL1 cycles instead, everything stopped and reset */
    unsigned kept = 0;
    uint64_t type0 = READ(pmevtyper0_el0);
    WRITE(pmevtyper0_el0, 0x11);
    kept += READ(pmevtyper0_el0) == 0x11;
    WRITE(pmuserenr_el0, 0xf);
    kept += READ(pmuserenr_el0) == 0xf;
    WRITE(pmintenset_el1, 1);
    kept += (READ(pmintenset_el1) & 1) != 0;
    WRITE(pmcntenclr_el0, ~0UL);
    WRITE(pmcr_el0, (pmcr & ~PMCR_E) | PMCR_P | PMCR_C);
    uint64_t after = READ(pmevcntr0_el0);
    guest_printf("pmu: %u of 3 settings kept; counter 0 after stop and reset 0x%lx\n", kept,
                 (unsigned long)after);
    /* where the settings stuck (it owns the PMU), put septum's counter back as it was */
    WRITE(pmintenclr_el1, ~0UL);
    WRITE(pmuserenr_el0, 0);
    WRITE(pmevtyper0_el0, type0);
    WRITE(pmcntenset_el0, 1UL);
    WRITE(pmcr_el0, pmcr);

    /* the debug unit: a breakpoint on target(), a watchpoint, monitor debug on, OS lock off */
    kept = 0;
    WRITE(dbgbvr0_el1, (uint64_t)(uintptr_t)target);
    kept += READ(dbgbvr0_el1) == (uint64_t)(uintptr_t)target;
    WRITE(dbgbcr0_el1, DBGBCR_E | (0xfUL << 5) | (3UL << 1));
    kept += (READ(dbgbcr0_el1) & DBGBCR_E) != 0;
    WRITE(dbgwvr0_el1, 0x40000000UL);
    kept += READ(dbgwvr0_el1) == 0x40000000UL;
    WRITE(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
    kept += (READ(mdscr_el1) & MDSCR_MDE) != 0;
    WRITE(oslar_el1, 0);
    WRITE(osdlr_el1, 0);
    guest_printf("debug: %u of 4 settings kept; OSLSR_EL1 0x%lx, MDRAR_EL1 0x%lx\n", kept,
                 (unsigned long)READ(oslsr_el1), (unsigned long)READ(mdrar_el1));
    WRITE(mdscr_el1, 0);
    WRITE(dbgbcr0_el1, 0);
    guest_printf("done\n");
    return 0;
}
