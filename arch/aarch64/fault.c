/*
 * The faulting IPA of a guest's abort (see arch/fault.h).
 */
#include <arch/fault.h>
#include <arch/sysreg.h>
#include <arch/vcpu.h>

bool arch_fault_ipa(uint64_t esr, uint64_t far, uint64_t hpfar, uint64_t *ipa)
{
    if ((esr & ESR_ISS_S1PTW) || (esr & FSC_TYPE_MASK) != FSC_PERM || (esr & ESR_ISS_FNV)) {
        *ipa = arch_hpfar_ipa(far, hpfar);
        return true;
    }
    return arch_guest_va_to_ipa(far, ipa);
}
