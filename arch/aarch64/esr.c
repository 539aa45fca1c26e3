/*
 * ESR_ELx decoding for register dumps: exception-class names and abort fault-status names,
 * from the Arm ARM (DDI 0487, "ESR_EL2"). Kept free of system-register access so that it runs
 * in host unit tests too.
 */
#include <arch/esr.h>
#include <arch/sysreg.h>
#include <stdio.h>

static const struct {
    uint8_t ec;
    const char *name;
} esr_classes[] = {
    {EC_UNKNOWN, "unknown reason"},
    {EC_WFX, "WFI/WFE"},
    {EC_CP15_32, "AArch32 MCR/MRC cp15"},
    {EC_CP15_64, "AArch32 MCRR/MRRC cp15"},
    {EC_CP14_MR, "AArch32 MCR/MRC cp14"},
    {EC_CP14_LS, "AArch32 LDC/STC cp14"},
    {EC_FP_ASIMD, "FP/SIMD access trapped"},
    {EC_CP10_ID, "AArch32 VMRS"},
    {EC_PAC, "pointer authentication trapped"},
    {EC_CP14_64, "AArch32 MRRC cp14"},
    {EC_BTI, "branch target exception"},
    {EC_ILLEGAL, "illegal execution state"},
    {EC_SVC32, "AArch32 SVC"},
    {EC_HVC32, "AArch32 HVC"},
    {EC_SMC32, "AArch32 SMC"},
    {EC_SVC64, "SVC"},
    {EC_HVC64, "HVC"},
    {EC_SMC64, "SMC"},
    {EC_SYS64, "MSR/MRS/system instruction trapped"},
    {EC_SVE, "SVE access trapped"},
    {EC_IABT_LOW, "instruction abort from a lower EL"},
    {EC_IABT_CUR, "instruction abort from EL2"},
    {EC_PC_ALIGN, "PC alignment fault"},
    {EC_DABT_LOW, "data abort from a lower EL"},
    {EC_DABT_CUR, "data abort from EL2"},
    {EC_SP_ALIGN, "SP alignment fault"},
    {EC_FP32, "AArch32 FP exception"},
    {EC_FP64, "FP exception"},
    {EC_SERROR, "SError"},
    {EC_BREAKPT_LOW, "breakpoint from a lower EL"},
    {EC_BREAKPT_CUR, "breakpoint from EL2"},
    {EC_SOFTSTP_LOW, "software step from a lower EL"},
    {EC_SOFTSTP_CUR, "software step from EL2"},
    {EC_WATCHPT_LOW, "watchpoint from a lower EL"},
    {EC_WATCHPT_CUR, "watchpoint from EL2"},
    {EC_BKPT32, "AArch32 BKPT"},
    {EC_BRK64, "BRK instruction"},
};

const char *esr_class_name(uint64_t esr)
{
    uint64_t ec = ESR_EC(esr);
    for (unsigned i = 0; i < sizeof(esr_classes) / sizeof(esr_classes[0]); i++)
        if (esr_classes[i].ec == ec)
            return esr_classes[i].name;
    return "reserved exception class";
}

int esr_is_abort(uint64_t esr)
{
    uint64_t ec = ESR_EC(esr);
    return ec == EC_IABT_LOW || ec == EC_IABT_CUR || ec == EC_DABT_LOW || ec == EC_DABT_CUR;
}

const char *esr_fsc_name(uint64_t fsc, char *buf, unsigned long len)
{
    static const char *const kind[] = {
        "address size fault",
        "translation fault",
        "access flag fault",
        "permission fault",
    };
    fsc &= ESR_ISS_FSC_MASK;
    if (fsc < 0x10) {
        /* 0b00LLxx..0b11LL: kind in bits [3:2], lookup level in bits [1:0] */
        snprintf(buf, len, "%s, level %u", kind[fsc >> 2], (unsigned)(fsc & 3));
        return buf;
    }
    const char *name;
    switch (fsc) {
    case FSC_SEA: name = "synchronous external abort"; break;
    case FSC_SEA_TTW0:
    case FSC_SEA_TTW0 + 1:
    case FSC_SEA_TTW0 + 2:
    case FSC_SEA_TTW0 + 3:
        snprintf(buf, len, "external abort on table walk, level %u", (unsigned)(fsc & 3));
        return buf;
    case FSC_PARITY: name = "synchronous parity/ECC error"; break;
    case FSC_ALIGN: name = "alignment fault"; break;
    case FSC_TLB_CONFLICT: name = "TLB conflict abort"; break;
    case FSC_ATOMIC: name = "unsupported atomic hardware update"; break;
    default: snprintf(buf, len, "fault status 0x%02lx", (unsigned long)fsc); return buf;
    }
    snprintf(buf, len, "%s", name);
    return buf;
}
