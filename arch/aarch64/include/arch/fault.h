/*
 * What a guest's abort says about itself: the fault status families, the faulting
 * intermediate physical address, and the encodings of trapped system-register accesses.
 */
#ifndef ARCH_FAULT_H
#define ARCH_FAULT_H
#include <stdbool.h>
#include <stdint.h>

/* ESR ISS DFSC/IFSC bits 5:2: the fault's family (bits 1:0 are the level) */
#define FSC_TYPE_MASK 0x3cUL
#define FSC_TRANS     0x04UL /* translation fault */
#define FSC_ACCESS    0x08UL /* access flag fault */
#define FSC_PERM      0x0cUL /* permission fault */

/* HPFAR_EL2.FIPA: bits 47:12 of the faulting IPA, at bit 4 */
#define HPFAR_FIPA_SHIFT 8
#define HPFAR_FIPA_MASK  0x00000ffffffffff0UL

/* The IPA of a guest's stage-2 abort (ESR, FAR and HPFAR as taken). HPFAR_EL2 gives it for a
 * translation or access-flag fault and for any fault on a stage-1 walk; for a stage-2
 * permission fault it is UNKNOWN (Arm ARM D17.2.63), so there FAR is translated through the
 * guest's stage 1 (AT S1E1R), as KVM and Hafnium do. False if that translation fails now (the
 * guest changed its tables meanwhile): the access is to be retried. */
bool arch_fault_ipa(uint64_t esr, uint64_t far, uint64_t hpfar, uint64_t *ipa);

/* The IPA from HPFAR alone (with FAR's page offset): valid for translation faults. */
static inline uint64_t arch_hpfar_ipa(uint64_t far, uint64_t hpfar)
{
    return ((hpfar & HPFAR_FIPA_MASK) << HPFAR_FIPA_SHIFT) | (far & 0xfffUL);
}

/* ESR ISS of a trapped MSR/MRS/SYS (EC 0x18): the encoding, without Rt and direction */
#define ISS_SYSREG_MASK    0x3ffc1eUL
#define ISS_SYSREG_RT(iss) (((iss) >> 5) & 0x1f)
#define ISS_SYSREG_READ    1UL
#define ISS_SYSREG(op0, op1, crn, crm, op2)                                                        \
    (((uint64_t)(op0) << 20) | ((uint64_t)(op2) << 17) | ((uint64_t)(op1) << 14) |                 \
     ((uint64_t)(crn) << 10) | ((uint64_t)(crm) << 1))
#define SYSREG_ICC_SGI1R  ISS_SYSREG(3, 0, 12, 11, 5)
#define SYSREG_ICC_ASGI1R ISS_SYSREG(3, 0, 12, 11, 6)
#define SYSREG_ICC_SGI0R  ISS_SYSREG(3, 0, 12, 11, 7)
#define SYSREG_DC_ISW     ISS_SYSREG(1, 0, 7, 6, 2)
#define SYSREG_DC_CSW     ISS_SYSREG(1, 0, 7, 10, 2)
#define SYSREG_DC_CISW    ISS_SYSREG(1, 0, 7, 14, 2)

/* The fields of a trapped system-register access's encoding */
#define ISS_SYSREG_OP0(iss) (((iss) >> 20) & 3)
#define ISS_SYSREG_OP1(iss) (((iss) >> 14) & 7)
#define ISS_SYSREG_CRN(iss) (((iss) >> 10) & 0xf)
#define ISS_SYSREG_CRM(iss) (((iss) >> 1) & 0xf)

/* The debug registers (MDCR_EL2.TDA, TDOSA, TDRA trap them): every encoding with op0 = 2
 * (MDSCR_EL1, the breakpoint and watchpoint registers, the OS lock, MDRAR_EL1, the DCC). */
static inline bool iss_sysreg_is_debug(uint64_t iss) { return ISS_SYSREG_OP0(iss) == 2; }

/* The PMU's registers (MDCR_EL2.TPM traps them): op0 = 3, CRn = 9 with CRm 12-14 (PMCR_EL0 to
 * PMUSERENR_EL0, PMINTENSET/CLR_EL1, PMMIR_EL1), and op1 = 3, CRn = 14 with CRm 8-15 (the event
 * counters PMEVCNTR<n>_EL0, their types PMEVTYPER<n>_EL0 and PMCCFILTR_EL0). */
static inline bool iss_sysreg_is_pmu(uint64_t iss)
{
    unsigned crn = ISS_SYSREG_CRN(iss), crm = ISS_SYSREG_CRM(iss);
    return ISS_SYSREG_OP0(iss) == 3 && ((crn == 9 && crm >= 12 && crm <= 14) ||
                                        (ISS_SYSREG_OP1(iss) == 3 && crn == 14 && crm >= 8));
}
#endif
