/*
 * The fake arch for host unit tests, in the spirit of Hafnium's src/arch/fake: host versions of
 * arch/aarch64's interface, so that core, mm and vdev code runs unchanged in a cmocka test.
 * The headers beside this one (arch/insn.h, arch/pcpu.h, arch/mmu.h, arch/pmu.h) stand in for
 * the real ones that contain inline assembly; the C files in tests/unit/fake_arch/ implement
 * the out-of-line arch functions the tested code calls. Every unit test links them as a static
 * library, so a test may define one of these functions itself instead (as long as it needs
 * nothing else from the same fake file, which the linker would then bring in too).
 *
 * This header is the tests' side: the machine state the fakes keep, which a test sets up and
 * then checks. The machine has FAKE_CPU_NUM CPUs; the test's code "runs" on fake_arch.current
 * (fake_arch_switch), which decides what arch_pcpu(), the system registers and the GIC list
 * registers are.
 */
#ifndef FAKE_ARCH_H
#define FAKE_ARCH_H
#include <arch/insn.h>
#include <arch/pcpu.h>
#include <arch/regs.h>
#include <stdbool.h>
#include <stdint.h>

#define FAKE_CPU_NUM  4
#define FAKE_LR_MAX   16
#define FAKE_LOG_MAX  64
#define FAKE_S1_MAX   16
#define FAKE_SPIN_MAX (1UL << 22)

/* One physical CPU: its per-CPU word, its system registers and its GIC CPU interface. */
typedef struct fake_cpu {
    arch_pcpu_t pcpu;      /* what arch_pcpu() returns on it; index = its number */
    fake_sysregs_t sysreg; /* read_sysreg/write_sysreg; ICH_HCR_EL2 is the vGIC's control */
    unsigned lr_num;       /* list registers (gic_lr_num), 4 as on QEMU's GICv3 */
    uint64_t lr[FAKE_LR_MAX];
    unsigned vcpu_resets; /* gic_vcpu_reset calls */
    /* physical interrupts deactivated by septum (gic_deactivate), in order */
    uint32_t deactivated[FAKE_LOG_MAX];
    unsigned deactivated_num;
    /* physical interrupts the guest deactivated through a hardware list register */
    uint32_t guest_deactivated[FAKE_LOG_MAX];
    unsigned guest_deactivated_num;
    uint32_t eoi_last; /* gic_eoi */
    unsigned eoi_num;
    struct {
        uint64_t mpidr;
        unsigned intid;
    } sgi[FAKE_LOG_MAX]; /* gic_send_sgi */
    unsigned sgi_num;
} fake_cpu_t;

/* An exception injected into the guest (arch/inject.h). The fake records it and leaves the
 * frame as it was, so a test sees exactly what septum did to ELR itself. */
typedef struct fake_inject {
    const arch_regs_t *frame;
    bool instruction, write;
    uint64_t far;
    uint64_t elr; /* the frame's ELR when it was injected */
} fake_inject_t;

typedef struct fake_arch {
    bool ready;       /* reset once; fake_arch_reset() again for each test */
    unsigned current; /* the CPU the test's code runs on */
    fake_cpu_t cpu[FAKE_CPU_NUM];

    /* barriers and hints, counted */
    unsigned isb, dsb, sev, wfe, wfi;
    unsigned long spins; /* cpu_relax calls since the reset */

    /* the guest's stage 1, for arch_guest_va_to_ipa (AT S1E1R): page mappings */
    struct {
        uint64_t va, ipa;
        bool readonly; /* AT S1E1W fails there */
    } s1[FAKE_S1_MAX];
    unsigned s1_num;
    bool s1_off;       /* the guest's MMU is off: every address translates to itself */
    unsigned at_calls; /* arch_guest_va_to_ipa / arch_guest_va_translate calls */
    uint64_t at_last_va;

    /* exceptions injected into the guest */
    unsigned aborts, undefs;
    fake_inject_t abort; /* the last abort */
    const arch_regs_t *undef_frame;
    uint64_t inject_target; /* what arch_inject_target() answers: the guest's vector */

    /* TLB and cache maintenance */
    struct {
        uint64_t vttbr, ipa, size;
    } s2_inval[FAKE_LOG_MAX];
    unsigned s2_inval_num;   /* all calls (the log keeps the first FAKE_LOG_MAX) */
    unsigned s2_inval_local; /* of which on this CPU only */
    unsigned el2_inval_num, dcache_clean_num, dcache_inval_num, cisw_num;
    uint64_t cisw_last;
    unsigned pa_bits;   /* arch_pa_bits(), 40 after reset */
    uint64_t pmu_insns; /* arch_pmu_insns() */
} fake_arch_t;

extern fake_arch_t fake_arch;

/* Power-on state: CPU 0 current; each CPU's index its number and no vCPU on it, its registers
 * zero but MPIDR (its number) and TPIDR_EL2 (its per-CPU word), 4 list registers; nothing
 * recorded; the guest's stage 1 empty. */
void fake_arch_reset(void);
/* Run the test's code on CPU n from now on. */
void fake_arch_switch(unsigned n);
/* The current CPU, or CPU n. */
fake_cpu_t *fake_cpu(void);
fake_cpu_t *fake_cpu_n(unsigned n);
/* Map the guest-virtual page of va to the IPA page of ipa in the guest's stage 1. */
void fake_arch_map_va(uint64_t va, uint64_t ipa);
/* The same, read-only for EL1 (AT S1E1W fails on it). */
void fake_arch_map_va_ro(uint64_t va, uint64_t ipa);

/* The physical GIC's version gic_version() gives (3 unless a test sets 2), and where the fake
 * GICv2's virtual CPU interface is (gic_vcpuif_page: its two pages). */
extern unsigned fake_gic_version;
#define FAKE_GICV_BASE 0x2c000000UL

/* The guest's side of the current CPU's virtual CPU interface, as the hardware behaves: */
/* ICC_IAR1_EL1: the highest-priority pending list register becomes active; its vINTID, or
 * 1023 (spurious) if none is pending. */
uint32_t fake_gic_guest_ack(void);
/* ICC_EOIR1_EL1 with EOImode 0: the active list register holding intid becomes inactive (with
 * the hardware bit, its physical interrupt is deactivated too). False if none held it. */
bool fake_gic_guest_eoi(uint32_t intid);
/* The list register holding vINTID intid (pending, active or both), or -1. */
int fake_gic_find_lr(uint32_t intid);
/* ICH_MISR_EL2 computed from the list registers and ICH_HCR_EL2: EOI (a deactivated
 * EOI-flagged register waits to be seen) and U (underflow: UIE and at most one valid). */
uint64_t fake_gic_misr(void);

/* Stop the test with a message (a fake used in a way the hardware does not allow). */
_Noreturn void fake_arch_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
