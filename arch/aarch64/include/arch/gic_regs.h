/*
 * GIC distributor, redistributor, CPU interface and virtual interface control register offsets
 * and fields, named once: GICv3 (Arm IHI 0069, 12.9 and 12.10/12.11) and what GICv2 (Arm IHI
 * 0048, 4.3, 4.4 and 5.3) has besides. The physical GIC drivers (arch/aarch64/gicv3.c,
 * gicv2.c) program them and the virtual GICs (vdev/vgic.c, vgic2.c) emulate them.
 */
#ifndef ARCH_GIC_REGS_H
#define ARCH_GIC_REGS_H

/* Distributor */
#define GICD_CTLR               0x0000
#define GICD_TYPER              0x0004
#define GICD_IIDR               0x0008
#define GICD_TYPER2             0x000c
#define GICD_IGROUPR            0x0080
#define GICD_ISENABLER          0x0100
#define GICD_ICENABLER          0x0180
#define GICD_ISPENDR            0x0200
#define GICD_ICPENDR            0x0280
#define GICD_ISACTIVER          0x0300
#define GICD_ICACTIVER          0x0380
#define GICD_IPRIORITYR         0x0400
#define GICD_ICFGR              0x0c00
#define GICD_IROUTER            0x6000
#define GICD_PIDR2              0xffe8
#define GICD_CTLR_EN_G0         (1U << 0)
#define GICD_CTLR_EN_G1         (1U << 1) /* EnableGrp1 (single security state) / EnableGrp1NS */
#define GICD_CTLR_ARE           (1U << 4)
#define GICD_CTLR_DS            (1U << 6)
#define GICD_CTLR_RWP           (1U << 31)
#define GICD_TYPER_LINES_MASK   0x1fU
#define GICD_TYPER_CPUS_SHIFT   5
#define GICD_TYPER_IDBITS_SHIFT 19
#define GICD_TYPER_NO1N         (1U << 25)
#define GIC_PIDR2_ARCH_V3       0x3b
#define GICD_IROUTER_IRM        (1UL << 31)
#define GICD_IROUTER_MASK       0xff00ffffffUL

/* GICv2 distributor registers (the per-interrupt ones above are laid out alike) */
#define GICD_ITARGETSR           0x0800
#define GICD_SGIR                0x0f00
#define GICD_CPENDSGIR           0x0f10
#define GICD_SPENDSGIR           0x0f20
#define GICD_V2_SIZE             0x1000
#define GICD_SGIR_INTID_MASK     0xfU
#define GICD_SGIR_TARGETS_SHIFT  16
#define GICD_SGIR_FILTER_SHIFT   24
#define GICD_SGIR_FILTER_LIST    0U /* the CPUs in the target list */
#define GICD_SGIR_FILTER_OTHERS  1U /* every CPU but the requester */
#define GICD_SGIR_FILTER_SELF    2U /* the requester only */
#define GICD_TYPER_V2_CPUS_SHIFT 5
#define GICD_V2_PIDR2            0x0fe8
#define GIC_PIDR2_ARCH_V2        0x2b

/* GICv2 CPU interface (GICC), and its virtual counterpart's layout (GICV) */
#define GICC_CTLR          0x0000
#define GICC_PMR           0x0004
#define GICC_BPR           0x0008
#define GICC_IAR           0x000c
#define GICC_EOIR          0x0010
#define GICC_DIR           0x1000    /* in the frame's second 4 KiB page */
#define GICC_CTLR_EN       (1U << 0) /* EnableGrp1 in the non-secure view, else EnableGrp0 */
#define GICC_CTLR_EN_G1    (1U << 1) /* without the security extensions: EnableGrp1 */
#define GICC_CTLR_EOIMODE  (1U << 9) /* EOImodeNS, or EOImodeS without security */
#define GICC_IAR_INTID     0x3ffU
#define GICC_IAR_CPU_SHIFT 10
#define GICC_IAR_CPU_MASK  7U
#define GIC_V2_PAGE        0x1000UL
#define GIC_V2_ALIAS_SPAN  0x10000UL /* GIC-400 frames whose 4 KiB pages repeat over 64 KiB */

/* GICv2 virtual interface control (GICH), banked per CPU at one address */
#define GICH_HCR            0x0000
#define GICH_VTR            0x0004
#define GICH_VMCR           0x0008
#define GICH_MISR           0x0010
#define GICH_ELRSR0         0x0030
#define GICH_ELRSR1         0x0034
#define GICH_APR            0x00f0
#define GICH_LR0            0x0100
#define GICH_VTR_LRS_MASK   0x3fU
#define GICH_LR_VID_MASK    0x3ffU
#define GICH_LR_PID_SHIFT   10 /* PhysicalID: pINTID with HW; EOI (bit 9) and CPUID without */
#define GICH_LR_PID_MASK    0x3ffU
#define GICH_LR_PRIO_SHIFT  23 /* the priority's top five bits */
#define GICH_LR_STATE_SHIFT 28
#define GICH_LR_GROUP1      (1U << 30)
#define GICH_LR_HW          (1U << 31)

/* Redistributor: the RD_base frame, then the SGI_base frame 64 KiB above it */
#define GICR_CTLR             0x0000
#define GICR_IIDR             0x0004
#define GICR_TYPER            0x0008
#define GICR_WAKER            0x0014
#define GICR_PIDR2            0xffe8
#define GICR_SGI_FRAME        0x10000
#define GICR_FRAME_SIZE       0x20000 /* RD + SGI frames; twice that with virtual LPIs */
#define GICR_TYPER_VLPIS      (1UL << 1)
#define GICR_TYPER_LAST       (1UL << 4)
#define GICR_TYPER_PROC_SHIFT 8
#define GICR_TYPER_AFF_SHIFT  32
#define GICR_WAKER_SLEEP      (1U << 1)
#define GICR_WAKER_ASLEEP     (1U << 2)
#endif
