/*
 * The physical GIC at EL2, a GICv3 (system-register CPU interface, redistributors) or a GICv2
 * (GIC-400: memory-mapped CPU interface and GICH), whichever the board's device tree describes:
 * distributor set-up, acknowledging and ending physical interrupts, SGIs between physical CPUs,
 * and the virtual CPU interface's controls (ICH_*_EL2 or GICH, the list registers) that the vGIC
 * drives. One interface for both: list registers, HCR and MISR are given in ICH_*_EL2's layout
 * on either (the GICv2 driver translates), so the vGIC's list-register logic is one. septum runs
 * the physical CPU interface with EOImode 1: ending an interrupt only drops its priority;
 * deactivation is separate, so an interrupt forwarded to a guest through a hardware list
 * register stays active until the guest itself deactivates it. Register layouts: Arm IHI 0069
 * (GICv3/v4) and Arm IHI 0048 (GICv2).
 */
#ifndef ARCH_GIC_H
#define ARCH_GIC_H
#include <stdbool.h>
#include <stdint.h>

/* INTID ranges */
#define GIC_SGI_NUM        16
#define GIC_PRIV_NUM       32 /* SGIs and PPIs: banked per CPU */
#define GIC_INTID_SPURIOUS 1020
#define GIC_PPI(n)         (16U + (n))

/* Well-known PPIs on every Arm board (SBSA/BSA numbering) */
#define GIC_INTID_MAINT  25 /* GIC maintenance interrupt, PPI 9 */
#define GIC_INTID_HYPTIM 26 /* EL2 physical timer, PPI 10 */
#define GIC_INTID_VTIMER 27 /* EL1 virtual timer, PPI 11 */
#define GIC_INTID_PTIMER 30 /* EL1 physical timer, PPI 14 */
/* The SGI septum uses to make another CPU look at its vCPU's interrupts and state */
#define GIC_SGI_KICK 0

/* ICH_LR<n>_EL2 */
#define ICH_LR_VINTID_MASK  0xffffffffUL
#define ICH_LR_PINTID_SHIFT 32
#define ICH_LR_EOI          (1UL << 41) /* HW = 0: maintenance interrupt on deactivation */
/* GICv2 only, HW = 0: an SGI's source CPU, which the guest reads in GICC_IAR.CPUID (the low
 * bits of the field that holds pINTID when HW = 1, as GICH_LR's PhysicalID does) */
#define ICH_LR_V2_SRC_SHIFT 32
#define ICH_LR_V2_SRC_MASK  7UL
#define ICH_LR_PRIO_SHIFT   48
#define ICH_LR_GROUP1       (1UL << 60)
#define ICH_LR_HW           (1UL << 61)
#define ICH_LR_STATE_SHIFT  62
#define ICH_LR_PENDING      1UL
#define ICH_LR_ACTIVE       2UL
/* ICH_HCR_EL2 */
#define ICH_HCR_EN  (1UL << 0)
#define ICH_HCR_UIE (1UL << 1) /* maintenance when at most one list register is valid */
/* ICH_MISR_EL2 */
#define ICH_MISR_EOI (1UL << 0)
#define ICH_MISR_U   (1UL << 1)
/* ICC_SRE_EL2 */
#define ICC_SRE_SRE    (1UL << 0)
#define ICC_SRE_DFB    (1UL << 1)
#define ICC_SRE_DIB    (1UL << 2)
#define ICC_SRE_ENABLE (1UL << 3)
/* ICC_CTLR_EL1 */
#define ICC_CTLR_EOIMODE (1UL << 1)
/* ICC_SGI1R_EL1 fields */
#define SGIR_TARGETS_MASK 0xffffUL
#define SGIR_AFF1_SHIFT   16
#define SGIR_INTID_SHIFT  24
#define SGIR_INTID_MASK   0xfUL
#define SGIR_AFF2_SHIFT   32
#define SGIR_IRM          (1UL << 40)
#define SGIR_RS_SHIFT     44
#define SGIR_RS_MASK      0xfUL
#define SGIR_AFF3_SHIFT   48

#define GIC_PRIO_DEFAULT 0xa0 /* every physical interrupt septum enables */

/* The GIC as the board's device tree gives it (physical addresses; those septum touches are
 * mapped at EL2 by the caller). v3: dist and the redistributor region. v2: dist, the CPU
 * interface (cpuif), the virtual interface control (hyp) and the virtual CPU interface
 * (vcpuif), which septum maps into guests. */
typedef struct gic_desc {
    unsigned version; /* 2 or 3 */
    uint64_t dist, redist, redist_size;
    uint64_t cpuif, cpuif_size, hyp, vcpuif, vcpuif_size;
} gic_desc_t;

/* Distributor set-up on the boot CPU; false (nothing touched) if the GIC cannot be driven: a
 * GICv2 without the virtualisation extensions' frames, or a version other than 2 and 3. */
bool gic_init(const gic_desc_t *d);
/* The version gic_init took (2 or 3), 0 before. */
unsigned gic_version(void);
/* GICv2: the host address of page n (0 or 1) of the virtual CPU interface, the 8 KiB frame a
 * guest sees as its GICC (on a GIC-400 whose 4 KiB pages are each repeated over 64 KiB, page 1
 * is 64 KiB up); 0 if there is none. */
uint64_t gic_vcpuif_page(unsigned n);
/* This CPU's redistributor (v3) and CPU interface; false if they are not found. */
bool gic_cpu_init(void);
/* Enable a physical interrupt: a PPI on the calling CPU, or an SPI routed to the CPU with the
 * given MPIDR affinity; level (true) or edge. */
void gic_enable(uint32_t intid, uint64_t target_mpidr, bool edge);
void gic_disable(uint32_t intid);
/* Acknowledge the highest-priority pending interrupt (GIC_INTID_SPURIOUS if none). */
uint32_t gic_ack(void);
/* Priority drop (EOImode 1) and, separately, deactivation. */
void gic_eoi(uint32_t intid);
void gic_deactivate(uint32_t intid);
/* Send SGI intid to the CPU with the given MPIDR affinity. */
void gic_send_sgi(uint64_t mpidr, unsigned intid);
/* The number of list registers this CPU has. */
unsigned gic_lr_num(void);
uint64_t gic_read_lr(unsigned n);
void gic_write_lr(unsigned n, uint64_t v);
/* Reset the virtual CPU interface for a new vCPU: list registers cleared, active priorities
 * cleared, virtual interface on, the vCPU's own controls (ICH_VMCR_EL2) at reset. */
void gic_vcpu_reset(void);
void gic_set_hcr(uint64_t hcr);
uint64_t gic_read_hcr(void);
uint64_t gic_read_misr(void);
uint64_t gic_read_elrsr(void);
#endif
