/*
 * GICv3 distributor and redistributor register offsets and fields (Arm IHI 0069, 12.9 and
 * 12.10/12.11), named once: the physical GIC driver (arch/aarch64/gicv3.c) programs them and
 * the virtual GIC (vdev/vgic.c) emulates them.
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
