/*
 * The physical GICv3 at EL2: distributor and redistributor set-up, acknowledging and ending
 * physical interrupts, SGIs between physical CPUs, and the virtual CPU interface's controls
 * (ICH_*_EL2, the list registers) that the vGIC drives. septum runs the physical CPU interface
 * with EOImode 1: ending an interrupt only drops its priority; deactivation is separate, so an
 * interrupt forwarded to a guest through a hardware list register stays active until the guest
 * itself deactivates it. Register layouts: Arm IHI 0069 (GICv3/v4 architecture specification).
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

/* Map-free set-up: dist is the distributor, redist the first redistributor frame; both are
 * mapped by the caller. Returns the number of list registers (0 if the CPU has no ICH). */
void gic_init(uint64_t dist, uint64_t redist, unsigned redist_num);
/* This CPU's redistributor and CPU interface; false if its redistributor is not found. */
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
