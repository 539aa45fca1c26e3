/*
 * System-register access and the architectural fields septum uses, named once here.
 * Field values are from the Arm Architecture Reference Manual (DDI 0487) for ARMv8-A.
 */
#ifndef ARCH_SYSREG_H
#define ARCH_SYSREG_H

#define BIT(n) (1UL << (n))

/* CurrentEL */
#define CURRENTEL_EL_SHIFT 2
#define CURRENTEL_EL2      (2UL << CURRENTEL_EL_SHIFT)

/* MPIDR_EL1: affinity fields (Aff3 at 39:32, Aff2..Aff0 at 23:0). PSCI wants only these. */
#define MPIDR_AFF_MASK 0xff00ffffffUL

/* SCTLR_EL2 */
#define SCTLR_M   BIT(0)  /* stage-1 MMU enable */
#define SCTLR_A   BIT(1)  /* alignment check */
#define SCTLR_C   BIT(2)  /* data cache enable */
#define SCTLR_SA  BIT(3)  /* SP alignment check */
#define SCTLR_I   BIT(12) /* instruction cache enable */
#define SCTLR_WXN BIT(19) /* writable implies execute-never */
#define SCTLR_EE  BIT(25) /* big-endian data at EL2 */
#define SCTLR_EL2_RES1                                                                             \
    (BIT(4) | BIT(5) | BIT(11) | BIT(16) | BIT(18) | BIT(22) | BIT(23) | BIT(28) | BIT(29))

/* TCR_EL2 (non-VHE layout) */
#define TCR_T0SZ(va_bits) ((64UL - (va_bits)) << 0)
#define TCR_IRGN0_WBWA    (1UL << 8)
#define TCR_ORGN0_WBWA    (1UL << 10)
#define TCR_SH0_INNER     (3UL << 12)
#define TCR_TG0_4K        (0UL << 14)
#define TCR_PS_SHIFT      16
#define TCR_EL2_RES1      (BIT(23) | BIT(31))

/* ID_AA64MMFR0_EL1.PARange and the physical address sizes it encodes */
#define MMFR0_PARANGE_MASK 0xfUL
#define PARANGE_BITS_TABLE                                                                         \
    {                                                                                              \
        32, 36, 40, 42, 44, 48, 52                                                                 \
    }

/* MAIR_EL2 attribute encodings; the indices are in arch/pte.h */
#define MAIR_NORMAL_WB    0xffUL
#define MAIR_DEVICE_nGnRE 0x04UL
#define MAIR_NORMAL_NC    0x44UL

/* HCR_EL2 */
#define HCR_VM        BIT(0)
#define HCR_SWIO      BIT(1)
#define HCR_FMO       BIT(3)
#define HCR_IMO       BIT(4)
#define HCR_AMO       BIT(5)
#define HCR_TWI       BIT(13)
#define HCR_TWE       BIT(14)
#define HCR_TSC       BIT(19)
#define HCR_TACR      BIT(21)
#define HCR_TSW       BIT(22)
#define HCR_TVM       BIT(26)
#define HCR_RW        BIT(31)
#define HCR_PTW       BIT(2)
#define HCR_VSE       BIT(8)
#define HCR_FB        BIT(9)
#define HCR_BSU_INNER (1UL << 10)
#define HCR_TIDCP     BIT(20)
#define HCR_TTLB      BIT(25)

/* MDCR_EL2: which of the PMU's and the debug registers' accesses from EL1 and EL0 trap to EL2 */
#define MDCR_HPMN_MASK 0x1fUL  /* event counters [0, HPMN) are EL1's and EL0's */
#define MDCR_TPMCR     BIT(5)  /* PMCR_EL0 */
#define MDCR_TPM       BIT(6)  /* every PMU register */
#define MDCR_TDA       BIT(9)  /* debug registers but the OS lock and ROM address ones */
#define MDCR_TDOSA     BIT(10) /* OS lock and power-down: OSLAR, OSLSR, OSDLR, DBGPRCR */
#define MDCR_TDRA      BIT(11) /* the debug ROM address, MDRAR_EL1 */

/* VTCR_EL2 */
#define VTCR_T0SZ(bits)  ((64UL - (bits)) << 0)
#define VTCR_SL0_SHIFT   6
#define VTCR_IRGN0_WBWA  (1UL << 8)
#define VTCR_ORGN0_WBWA  (1UL << 10)
#define VTCR_SH0_INNER   (3UL << 12)
#define VTCR_TG0_4K      (0UL << 14)
#define VTCR_PS_SHIFT    16
#define VTCR_RES1        BIT(31)
#define VTTBR_VMID_SHIFT 48

/* SCTLR_EL1 at reset: MMU and caches off, RES1 bits set */
#define SCTLR_EL1_RESET 0x30d00800UL
/* SPSR for entering EL1h with all of DAIF masked */
#define SPSR_EL1H_DAIF (SPSR_EL1H | (DAIF_ALL << 6))
/* MPIDR bit 31 is RES1 */
#define MPIDR_RES1 BIT(31)

/* SPSR / DAIF */
#define DAIF_ALL 0xfUL

/* ESR_ELx */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK  0x3fUL
#define ESR_IL       BIT(25)
#define ESR_ISS_MASK 0x1ffffffUL
#define ESR_EC(esr)  (((esr) >> ESR_EC_SHIFT) & ESR_EC_MASK)

#define EC_UNKNOWN     0x00
#define EC_WFX         0x01
#define EC_CP15_32     0x03
#define EC_CP15_64     0x04
#define EC_CP14_MR     0x05
#define EC_CP14_LS     0x06
#define EC_FP_ASIMD    0x07
#define EC_CP10_ID     0x08
#define EC_PAC         0x09
#define EC_CP14_64     0x0c
#define EC_BTI         0x0d
#define EC_ILLEGAL     0x0e
#define EC_SVC32       0x11
#define EC_HVC32       0x12
#define EC_SMC32       0x13
#define EC_SVC64       0x15
#define EC_HVC64       0x16
#define EC_SMC64       0x17
#define EC_SYS64       0x18
#define EC_SVE         0x19
#define EC_IABT_LOW    0x20
#define EC_IABT_CUR    0x21
#define EC_PC_ALIGN    0x22
#define EC_DABT_LOW    0x24
#define EC_DABT_CUR    0x25
#define EC_SP_ALIGN    0x26
#define EC_FP32        0x28
#define EC_FP64        0x2c
#define EC_SERROR      0x2f
#define EC_BREAKPT_LOW 0x30
#define EC_BREAKPT_CUR 0x31
#define EC_SOFTSTP_LOW 0x32
#define EC_SOFTSTP_CUR 0x33
#define EC_WATCHPT_LOW 0x34
#define EC_WATCHPT_CUR 0x35
#define EC_BKPT32      0x38
#define EC_BRK64       0x3c

/* HVC/SMC ISS: the immediate */
#define ESR_HVC_IMM_MASK 0xffffUL

/* Data/instruction abort ISS */
#define ESR_ISS_ISV_BIT   24
#define ESR_ISS_S1PTW     BIT(7)
#define ESR_ISS_SRT_SHIFT 16
#define ESR_ISS_SSE       BIT(21)
#define ESR_ISS_SAS_SHIFT 22
#define ESR_ISS_WNR       BIT(6)
#define ESR_ISS_FSC_MASK  0x3fUL
#define ESR_ISS_FNV       BIT(10)

/* Fault status codes (ESR ISS DFSC/IFSC) beyond the translation/access/permission families */
#define FSC_SEA          0x10
#define FSC_SEA_TTW0     0x14 /* + level */
#define FSC_PARITY       0x18
#define FSC_ALIGN        0x21
#define FSC_TLB_CONFLICT 0x30
#define FSC_ATOMIC       0x31

/* SPSR_EL2.M[3:0]: the mode the exception came from; M[4] set: from AArch32 (a guest's own
 * 32-bit EL0: its EL1 is AArch64, HCR_EL2.RW), and CPSR.T there: a Thumb instruction */
#define SPSR_M_MASK    0xfUL
#define SPSR_M_AARCH32 BIT(4)
#define SPSR_T         BIT(5)
#define SPSR_EL2H      0x9UL
#define SPSR_EL1H      0x5UL

/* CNTHCTL_EL2 / generic timer */
#define CNTHCTL_EL1PCTEN BIT(0)
#define CNTHCTL_EL1PCEN  BIT(1)

/* The instructions that move these registers, and the barriers and hints (a separate header so
 * that host unit tests can put their fake arch's in its place). */
#ifndef __ASSEMBLY__
#include <arch/insn.h>
#endif

#endif
