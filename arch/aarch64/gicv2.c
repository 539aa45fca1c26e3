/*
 * The physical GICv2 (GIC-400) at EL2 (see arch/gic.h; gic.c calls these on a GICv2 board).
 * The distributor, the CPU interface (GICC) and the virtual interface control (GICH) are
 * memory-mapped and reached through the EL2 identity map; GICH is banked per CPU at one address.
 * Interrupts keep the group firmware gave them (group 0 on a GIC without the security
 * extensions, as QEMU's; group 1 under TrustZone firmware), as the CPU interface's enable bit
 * is the one for that group in either view. GICC runs with EOImode 1, as on GICv3.
 *
 * List registers and the HCR and MISR controls are given to and taken from the vGIC in
 * ICH_*_EL2's layout: GICH's fields are a subset of ICH's (the same bits for HCR and MISR; for a
 * list register the same fields, narrower), so the vGIC's logic is one for both versions.
 * Each CPU's arch_pcpu_t keeps the GICC and GICH addresses for the IRQ vector, which
 * acknowledges, writes list registers and drops priorities itself (vectors.S, arch/irq_fast.h).
 * Register layouts: Arm IHI 0048B (GICv2), 4.3 (distributor), 4.4 (CPU interface), 5.3 (GICH).
 */
#include <arch/gic_regs.h>
#include <arch/insn.h>
#include <arch/pcpu.h>
#include <arch/sysreg.h>
#include <boot/layout.h>

#include "gic_drv.h"

#define V2_CPU_MAX 8 /* a GICv2 serves at most eight CPU interfaces */
#define LR_MAX     64

static uint64_t gicd, gicc, gicc_dir, gich, gicv[2];
static unsigned spi_lines;
/* each CPU's interface number as a target-list bit, by MPIDR affinity (GICD_ITARGETSR0 read by
 * the CPU itself: its private interrupts' target is itself) */
static struct {
    uint64_t mpidr;
    uint8_t mask;
} cpus[V2_CPU_MAX];
/* the source CPU of the SGI each CPU acknowledged last, by INTID: GICC_EOIR and GICC_DIR
 * must name it again */
static uint8_t sgi_src[CPU_MAX][GIC_SGI_NUM];

static inline volatile uint32_t *reg32(uint64_t base, uint64_t off)
{
    return (volatile uint32_t *)(uintptr_t)(base + off);
}
static inline volatile uint8_t *reg8(uint64_t base, uint64_t off)
{
    return (volatile uint8_t *)(uintptr_t)(base + off);
}

/* The address of a frame's second 4 KiB page (GICC_DIR's): 4 KiB up, or 64 KiB up on a GIC-400
 * that repeats each page over 64 KiB (a frame of 128 KiB says so, as Linux also reads it). */
static uint64_t page1(uint64_t base, uint64_t size)
{
    return base + (size >= 2 * GIC_V2_ALIAS_SPAN ? GIC_V2_ALIAS_SPAN : GIC_V2_PAGE);
}

__attribute__((cold)) bool gicv2_init(const gic_desc_t *d)
{
    if (!d->dist || !d->cpuif || !d->hyp || !d->vcpuif)
        return false; /* no virtualisation extensions: nothing to give guests */
    gicd = d->dist;
    gicc = d->cpuif;
    gicc_dir = page1(d->cpuif, d->cpuif_size) + (GICC_DIR - GIC_V2_PAGE);
    gich = d->hyp;
    gicv[0] = d->vcpuif;
    gicv[1] = page1(d->vcpuif, d->vcpuif_size);
    *reg32(gicd, GICD_CTLR) = 0;
    spi_lines = (*reg32(gicd, GICD_TYPER) & GICD_TYPER_LINES_MASK) + 1; /* groups of 32 */
    uint8_t self = *reg8(gicd, GICD_ITARGETSR);
    for (unsigned g = 1; g < spi_lines; g++) {
        *reg32(gicd, GICD_ICENABLER + 4 * g) = ~0U;
        *reg32(gicd, GICD_ICPENDR + 4 * g) = ~0U;
        *reg32(gicd, GICD_ICACTIVER + 4 * g) = ~0U;
        for (unsigned i = 0; i < 8; i++) {
            *reg32(gicd, GICD_IPRIORITYR + 32 * g + 4 * i) = 0x01010101U * GIC_PRIO_DEFAULT;
            *reg32(gicd, GICD_ITARGETSR + 32 * g + 4 * i) = 0x01010101U * self;
        }
    }
    dsb_sy();
    *reg32(gicd, GICD_CTLR) = GICC_CTLR_EN; /* bit 0: the enable of the group septum's are in */
    return true;
}

uint64_t gicv2_vcpuif_page(unsigned n) { return n < 2 ? gicv[n] : 0; }

__attribute__((cold)) bool gicv2_cpu_init(void)
{
    uint64_t mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
    uint8_t mask = *reg8(gicd, GICD_ITARGETSR);
    for (unsigned i = 0; i < V2_CPU_MAX; i++)
        if (!cpus[i].mask || cpus[i].mpidr == mpidr) {
            cpus[i].mpidr = mpidr;
            cpus[i].mask = mask;
            break;
        }
    *reg32(gicd, GICD_ICENABLER) = ~0U;
    *reg32(gicd, GICD_ICPENDR) = ~0U;
    *reg32(gicd, GICD_ICACTIVER) = ~0U;
    for (unsigned i = 0; i < 8; i++)
        *reg32(gicd, GICD_IPRIORITYR + 4 * i) = 0x01010101U * GIC_PRIO_DEFAULT;
    *reg32(gicc, GICC_PMR) = 0xff;
    *reg32(gicc, GICC_BPR) = 0;
    *reg32(gicc, GICC_CTLR) = GICC_CTLR_EN | GICC_CTLR_EOIMODE;
    *reg32(gich, GICH_HCR) = 0;
    /* the IRQ vector's GICv2 half reaches both frames from here (arch/irq_fast.h) */
    arch_pcpu()->gicc = gicc;
    arch_pcpu()->gich = gich;
    dsb_sy();
    return mask != 0;
}

static uint8_t mask_of(uint64_t mpidr)
{
    for (unsigned i = 0; i < V2_CPU_MAX; i++)
        if (cpus[i].mask && cpus[i].mpidr == (mpidr & MPIDR_AFF_MASK))
            return cpus[i].mask;
    return 0;
}

void gicv2_enable(uint32_t intid, uint64_t target_mpidr, bool edge)
{
    if (intid >= GIC_PRIV_NUM) {
        if (intid / 32 >= spi_lines)
            return;
        *reg8(gicd, GICD_ITARGETSR + intid) = mask_of(target_mpidr);
    }
    if (intid >= GIC_SGI_NUM) {
        volatile uint32_t *cfg = reg32(gicd, GICD_ICFGR + 4 * (intid / 16));
        uint32_t bit = 2U << (2 * (intid % 16));
        *cfg = edge ? (*cfg | bit) : (*cfg & ~bit);
    }
    dsb_sy();
    *reg32(gicd, GICD_ISENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
}

void gicv2_disable(uint32_t intid)
{
    *reg32(gicd, GICD_ICENABLER + 4 * (intid / 32)) = 1U << (intid % 32);
}

static uint8_t *src_slot(uint32_t intid)
{
    uint64_t c = arch_pcpu()->index;
    return &sgi_src[c < CPU_MAX ? c : 0][intid];
}

uint32_t gicv2_acked(uint32_t iar)
{
    uint32_t id = iar & GICC_IAR_INTID;
    if (id < GIC_SGI_NUM)
        *src_slot(id) = (uint8_t)(iar >> GICC_IAR_CPU_SHIFT & GICC_IAR_CPU_MASK);
    dsb_sy(); /* an SGI's sender made what it says visible before sending: read it after */
    return id;
}

uint32_t gicv2_ack(void) { return gicv2_acked(*reg32(gicc, GICC_IAR)); }

/* The value GICC_EOIR and GICC_DIR take for intid: an SGI's with its source CPU. */
static uint32_t iar_of(uint32_t intid)
{
    return intid < GIC_SGI_NUM ? intid | (uint32_t)*src_slot(intid) << GICC_IAR_CPU_SHIFT : intid;
}

void gicv2_eoi(uint32_t intid) { *reg32(gicc, GICC_EOIR) = iar_of(intid); }

void gicv2_deactivate(uint32_t intid)
{
    *reg32(gicc_dir, 0) = iar_of(intid);
    dsb_sy();
}

void gicv2_send_sgi(uint64_t mpidr, unsigned intid)
{
    dsb_ish(); /* what the target is to see is visible first */
    *reg32(gicd, GICD_SGIR) = (uint32_t)mask_of(mpidr) << GICD_SGIR_TARGETS_SHIFT |
                              (intid & GICD_SGIR_INTID_MASK);
}

unsigned gicv2_lr_num(void) { return (*reg32(gich, GICH_VTR) & GICH_VTR_LRS_MASK) + 1; }

/* GICH_LR<n> and ICH_LR<n>_EL2's layout: the same fields (GICH's PhysicalID is ICH's pINTID,
 * whose bit 9 is EOI and low bits an SGI's source when HW is 0), GICH's narrower: ten bits of
 * INTID, the priority's top five bits. */
uint64_t gicv2_read_lr(unsigned n)
{
    if (n >= LR_MAX)
        return 0;
    uint32_t lr = *reg32(gich, GICH_LR0 + 4 * n);
    return (uint64_t)(lr & GICH_LR_VID_MASK) |
           (uint64_t)(lr >> GICH_LR_PID_SHIFT & GICH_LR_PID_MASK) << ICH_LR_PINTID_SHIFT |
           (uint64_t)(lr >> GICH_LR_PRIO_SHIFT & 0x1f) << (ICH_LR_PRIO_SHIFT + 3) |
           (uint64_t)(lr >> GICH_LR_STATE_SHIFT & 3) << ICH_LR_STATE_SHIFT |
           ((lr & GICH_LR_GROUP1) ? ICH_LR_GROUP1 : 0) | ((lr & GICH_LR_HW) ? ICH_LR_HW : 0);
}

uint32_t gicv2_lr_word(uint64_t v)
{
    return (uint32_t)(v & GICH_LR_VID_MASK) |
           (uint32_t)(v >> ICH_LR_PINTID_SHIFT & GICH_LR_PID_MASK) << GICH_LR_PID_SHIFT |
           (uint32_t)(v >> (ICH_LR_PRIO_SHIFT + 3) & 0x1f) << GICH_LR_PRIO_SHIFT |
           (uint32_t)(v >> ICH_LR_STATE_SHIFT & 3) << GICH_LR_STATE_SHIFT |
           ((v & ICH_LR_GROUP1) ? GICH_LR_GROUP1 : 0) | ((v & ICH_LR_HW) ? GICH_LR_HW : 0);
}

void gicv2_write_lr(unsigned n, uint64_t v)
{
    if (n >= LR_MAX)
        return;
    *reg32(gich, GICH_LR0 + 4 * n) = gicv2_lr_word(v);
}

void gicv2_vcpu_reset(void)
{
    unsigned n = gicv2_lr_num();
    for (unsigned i = 0; i < n; i++)
        *reg32(gich, GICH_LR0 + 4 * i) = 0;
    *reg32(gich, GICH_APR) = 0;
    *reg32(gich, GICH_VMCR) = 0;
    *reg32(gich, GICH_HCR) = (uint32_t)ICH_HCR_EN;
    dsb_sy();
}

/* HCR and MISR: GICH's bits are ICH's (En, UIE, ... EOIcount; EOI, U, ...). */
void gicv2_set_hcr(uint64_t hcr) { *reg32(gich, GICH_HCR) = (uint32_t)hcr; }
uint64_t gicv2_read_hcr(void) { return *reg32(gich, GICH_HCR); }
uint64_t gicv2_read_misr(void) { return *reg32(gich, GICH_MISR); }

uint64_t gicv2_read_elrsr(void)
{
    return *reg32(gich, GICH_ELRSR0) | (uint64_t)*reg32(gich, GICH_ELRSR1) << 32;
}
