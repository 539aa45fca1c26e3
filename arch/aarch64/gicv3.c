/*
 * The physical GICv3 (see arch/gic.h; gic.c calls these on a GICv3 board). All SPIs start
 * disabled, in group 1, at one priority, routed to the boot CPU; septum enables only what it
 * forwards or handles itself. The distributor and redistributors are reached through the EL2
 * identity map.
 */
#include "gic_drv.h"
#include <arch/gic_regs.h>
#include <arch/sysreg.h>
#include <arch/timer.h>

#define ICH_VTR_LISTREGS_MASK 0x1fUL
#define GIC_POLL_LIMIT        1000000

static uint64_t gicd, gicr_base;
static unsigned gicr_num, spi_lines;
static uint64_t gicr_self[8]; /* per CPU, by MPIDR Aff0 as a hint; found on gic_cpu_init */

static inline volatile uint32_t *reg32(uint64_t base, uint64_t off)
{
    return (volatile uint32_t *)(uintptr_t)(base + off);
}
static inline volatile uint64_t *reg64(uint64_t base, uint64_t off)
{
    return (volatile uint64_t *)(uintptr_t)(base + off);
}

static void wait_rwp(void)
{
    for (unsigned i = 0; i < GIC_POLL_LIMIT && (*reg32(gicd, GICD_CTLR) & GICD_CTLR_RWP); i++)
        cpu_relax();
}

/* MPIDR affinity in the packed form of GICR_TYPER[63:32] and GICD_IROUTER. */
static uint64_t aff_packed(uint64_t mpidr)
{
    return (mpidr & 0xffffffUL) | ((mpidr >> 32 & 0xff) << 24);
}

__attribute__((cold)) void gicv3_init(const gic_desc_t *d)
{
    gicd = d->dist;
    gicr_base = d->redist;
    gicr_num = (unsigned)(d->redist_size / GICR_FRAME_SIZE);
    *reg32(gicd, GICD_CTLR) = 0;
    wait_rwp();
    spi_lines = (*reg32(gicd, GICD_TYPER) & GICD_TYPER_LINES_MASK) + 1; /* groups of 32 */
    uint64_t self = read_sysreg(mpidr_el1);
    for (unsigned g = 1; g < spi_lines; g++) {
        *reg32(gicd, GICD_ICENABLER + 4 * g) = ~0U;
        *reg32(gicd, GICD_ICPENDR + 4 * g) = ~0U;
        *reg32(gicd, GICD_ICACTIVER + 4 * g) = ~0U;
        *reg32(gicd, GICD_IGROUPR + 4 * g) = ~0U;
        for (unsigned i = 0; i < 8; i++)
            *reg32(gicd, GICD_IPRIORITYR + 32 * g + 4 * i) = 0x01010101U * GIC_PRIO_DEFAULT;
        for (unsigned i = 0; i < 32; i++)
            *reg64(gicd, GICD_IROUTER + 8 * (32 * g + i)) = aff_packed(self);
    }
    wait_rwp();
    *reg32(gicd, GICD_CTLR) = GICD_CTLR_ARE | GICD_CTLR_EN_G1;
    wait_rwp();
}

/* The redistributor whose affinity is this CPU's, or 0. */
static uint64_t find_redist(void)
{
    uint64_t want = aff_packed(read_sysreg(mpidr_el1));
    uint64_t f = gicr_base;
    for (unsigned i = 0; i < gicr_num; i++) {
        uint64_t typer = *reg64(f, GICR_TYPER);
        if (typer >> GICR_TYPER_AFF_SHIFT == want)
            return f;
        if (typer & GICR_TYPER_LAST)
            break;
        f += (typer & GICR_TYPER_VLPIS) ? 2 * GICR_FRAME_SIZE : GICR_FRAME_SIZE;
    }
    return 0;
}

static uint64_t my_redist(void)
{
    uint64_t a = read_sysreg(mpidr_el1) & 0xff;
    return a < 8 ? gicr_self[a] : find_redist();
}

__attribute__((cold)) bool gicv3_cpu_init(void)
{
    uint64_t rd = find_redist();
    if (!rd)
        return false;
    uint64_t a = read_sysreg(mpidr_el1) & 0xff;
    if (a < 8)
        gicr_self[a] = rd;
    *reg32(rd, GICR_WAKER) &= ~GICR_WAKER_SLEEP;
    for (unsigned i = 0; i < GIC_POLL_LIMIT && (*reg32(rd, GICR_WAKER) & GICR_WAKER_ASLEEP); i++)
        cpu_relax();
    uint64_t sgi = rd + GICR_SGI_FRAME;
    *reg32(sgi, GICD_ICENABLER) = ~0U;
    *reg32(sgi, GICD_ICPENDR) = ~0U;
    *reg32(sgi, GICD_ICACTIVER) = ~0U;
    *reg32(sgi, GICD_IGROUPR) = ~0U;
    for (unsigned i = 0; i < 8; i++)
        *reg32(sgi, GICD_IPRIORITYR + 4 * i) = 0x01010101U * GIC_PRIO_DEFAULT;

    write_sysreg(ICC_SRE_SRE | ICC_SRE_DFB | ICC_SRE_DIB | ICC_SRE_ENABLE, icc_sre_el2);
    isb();
    write_sysreg(0xff, icc_pmr_el1);
    write_sysreg(0, icc_bpr1_el1);
    write_sysreg(ICC_CTLR_EOIMODE, icc_ctlr_el1);
    write_sysreg(1, icc_igrpen1_el1);
    write_sysreg(0, ich_hcr_el2);
    isb();
    return true;
}

void gicv3_enable(uint32_t intid, uint64_t target_mpidr, bool edge)
{
    uint64_t base = gicd;
    if (intid < GIC_PRIV_NUM) {
        base = my_redist() + GICR_SGI_FRAME;
    } else {
        if (intid / 32 >= spi_lines)
            return;
        *reg64(gicd, GICD_IROUTER + 8 * intid) = aff_packed(target_mpidr);
    }
    if (intid >= GIC_SGI_NUM) {
        volatile uint32_t *cfg = reg32(base, GICD_ICFGR + 4 * (intid / 16));
        uint32_t bit = 2U << (2 * (intid % 16));
        *cfg = edge ? (*cfg | bit) : (*cfg & ~bit);
    }
    dsb_sy();
    *reg32(base, GICD_ISENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
}

void gicv3_disable(uint32_t intid)
{
    uint64_t base = intid < GIC_PRIV_NUM ? my_redist() + GICR_SGI_FRAME : gicd;
    *reg32(base, GICD_ICENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
}

uint32_t gicv3_ack(void)
{
    uint32_t id = (uint32_t)read_sysreg(icc_iar1_el1) & 0xffffff;
    dsb_sy();
    return id;
}

void gicv3_eoi(uint32_t intid) { write_sysreg(intid, icc_eoir1_el1); }

void gicv3_deactivate(uint32_t intid)
{
    write_sysreg(intid, icc_dir_el1);
    isb();
}

void gicv3_send_sgi(uint64_t mpidr, unsigned intid)
{
    uint64_t aff0 = mpidr & 0xff;
    uint64_t v = (1UL << (aff0 % 16)) | ((mpidr >> 8 & 0xff) << SGIR_AFF1_SHIFT) |
                 ((uint64_t)intid << SGIR_INTID_SHIFT) | ((mpidr >> 16 & 0xff) << SGIR_AFF2_SHIFT) |
                 ((aff0 / 16) << SGIR_RS_SHIFT) | ((mpidr >> 32 & 0xff) << SGIR_AFF3_SHIFT);
    dsb_ish(); /* what the target is to see is visible first */
    write_sysreg(v, icc_sgi1r_el1);
    isb();
}

unsigned gicv3_lr_num(void)
{
    return (unsigned)(read_sysreg(ich_vtr_el2) & ICH_VTR_LISTREGS_MASK) + 1;
}

#define LR_CASES(X)                                                                                \
    X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

uint64_t gicv3_read_lr(unsigned n)
{
    switch (n) {
#define READ_LR(i)                                                                                 \
    case i: return read_sysreg(ich_lr##i##_el2);
        LR_CASES(READ_LR)
    }
    return 0;
}

void gicv3_write_lr(unsigned n, uint64_t v)
{
    switch (n) {
#define WRITE_LR(i)                                                                                \
    case i: write_sysreg(v, ich_lr##i##_el2); break;
        LR_CASES(WRITE_LR)
    }
}

void gicv3_vcpu_reset(void)
{
    unsigned n = gicv3_lr_num();
    for (unsigned i = 0; i < n; i++)
        gicv3_write_lr(i, 0);
    write_sysreg(0, ich_ap0r0_el2);
    write_sysreg(0, ich_ap1r0_el2);
    write_sysreg(0, ich_vmcr_el2);
    write_sysreg(ICH_HCR_EN, ich_hcr_el2);
    isb();
}

void gicv3_set_hcr(uint64_t hcr) { write_sysreg(hcr, ich_hcr_el2); }
uint64_t gicv3_read_hcr(void) { return read_sysreg(ich_hcr_el2); }
uint64_t gicv3_read_misr(void) { return read_sysreg(ich_misr_el2); }
uint64_t gicv3_read_elrsr(void) { return read_sysreg(ich_elrsr_el2); }
