/*
 * The fake arch's arch/insn.h for host unit tests: it stands in for arch/aarch64's (same name,
 * same include guard, found first on the host include path), so that code above arch compiles
 * and runs on the host unchanged. System registers are plain variables, one set per fake CPU
 * (see fake_arch.h); barriers and hints are calls that count themselves, so a test can check
 * that, say, an event was sent after a vCPU was made pending.
 */
#ifndef ARCH_INSN_H
#define ARCH_INSN_H
#include <stdint.h>

/* Every system register some code above arch reads or writes by name. A register missing here
 * is a compile error in the test build ("no member named ..."): add it. */
typedef struct fake_sysregs {
    uint64_t CurrentEL, midr_el1, mpidr_el1, ctr_el0, id_aa64isar0_el1, id_aa64mmfr0_el1;
    uint64_t sctlr_el2, tcr_el2, mair_el2, ttbr0_el2, tpidr_el2, hcr_el2, vttbr_el2, vtcr_el2;
    uint64_t vmpidr_el2, cnthctl_el2, cntvoff_el2, mdcr_el2;
    uint64_t elr_el2, spsr_el2, esr_el2, far_el2, hpfar_el2;
    uint64_t sctlr_el1, actlr_el1, cpacr_el1, ttbr0_el1, ttbr1_el1, tcr_el1, mair_el1, amair_el1;
    uint64_t vbar_el1, contextidr_el1, tpidr_el0, tpidrro_el0, tpidr_el1, sp_el0, sp_el1;
    uint64_t elr_el1, spsr_el1, esr_el1, far_el1, afsr0_el1, afsr1_el1, par_el1, cntkctl_el1;
    uint64_t csselr_el1, mdscr_el1, cntv_ctl_el0, cntv_cval_el0, cntpct_el0, cntfrq_el0;
    uint64_t pmcr_el0, pmevcntr0_el0, pmevtyper0_el0, pmcntenset_el0;
    uint64_t icc_sre_el2, icc_ctlr_el1, icc_pmr_el1, icc_bpr1_el1, icc_igrpen1_el1;
    uint64_t icc_iar1_el1, icc_eoir1_el1, icc_dir_el1, icc_sgi1r_el1;
    uint64_t ich_hcr_el2, ich_vtr_el2, ich_vmcr_el2, ich_misr_el2, ich_elrsr_el2;
    uint64_t ich_ap0r0_el2, ich_ap1r0_el2;
} fake_sysregs_t;

/* The calling test's current fake CPU's registers. */
fake_sysregs_t *fake_sysregs(void);

#define read_sysreg(reg) ((uint64_t)fake_sysregs()->reg)
#define write_sysreg(v, reg)                                                                       \
    do {                                                                                           \
        fake_sysregs()->reg = (uint64_t)(v);                                                       \
    } while (0)

void isb(void);
void dsb_sy(void);
void dsb_ish(void);
void dsb_ishst(void);
void wfe(void);
void wfi(void);
void sev(void);
/* A spin-wait iteration. A unit test runs on one thread, so a lock that is held can never be
 * released while it waits: the fake stops the test with a message after a bounded number of
 * spins instead of hanging until the runner's timeout. */
void cpu_relax(void);
#endif
